//! `GET /assets/{id}/thumbnail`: `viewAsset`. Permission `asset.view`.
//!
//! Added in v1 (beta), stable since v2. `size=fullsize` needs a newer server, `edited` v2.5+; both
//! are sent only when set, so older servers see the request they know.

use bytes::Bytes;
use http::{Method, Request};

use crate::assets::AssetMediaSize;
use crate::endpoint::{empty_request, query_string};
use crate::{AssetId, Error, MediaEndpoint, Server};

/// Fetches a rendition of an asset (thumbnail, preview, full size) as a byte stream.
///
/// ```
/// # use immich_proto::{assets::{AssetMediaSize, ViewAsset}, AssetId, MediaEndpoint, Server};
/// let server = Server::new("http://localhost:2283")?;
/// let id = AssetId::parse("7f3c0a52-1b2d-4c3e-9f00-0123456789ab")?;
/// let request = ViewAsset::new(id).size(AssetMediaSize::Preview).request(&server)?;
/// assert_eq!(
///     request.uri(),
///     "http://localhost:2283/api/assets/7f3c0a52-1b2d-4c3e-9f00-0123456789ab/thumbnail?size=preview"
/// );
/// # Ok::<(), immich_proto::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ViewAsset {
    /// The asset.
    pub id: AssetId,
    /// Which rendition; the server's default is `thumbnail`.
    pub size: Option<AssetMediaSize>,
    /// Whether to return the edited version (v2.5+); the server's default is `false`.
    pub edited: Option<bool>,
}

impl ViewAsset {
    /// The default rendition of asset `id`.
    pub fn new(id: AssetId) -> Self {
        ViewAsset {
            id,
            size: None,
            edited: None,
        }
    }

    /// Asks for a specific rendition.
    pub fn size(mut self, size: AssetMediaSize) -> Self {
        self.size = Some(size);
        self
    }

    /// Asks for the edited (`true`) or unedited (`false`) version.
    pub fn edited(mut self, edited: bool) -> Self {
        self.edited = Some(edited);
        self
    }
}

impl MediaEndpoint for ViewAsset {
    const OPERATION_ID: &'static str = "viewAsset";
    const PERMISSION: Option<&'static str> = Some("asset.view");

    fn request(&self, server: &Server) -> Result<Request<Bytes>, Error> {
        let path = self.id.path(server, "/assets", "/thumbnail")?;
        let query = query_string([
            ("size", self.size.as_ref().map(|s| s.as_str().to_owned())),
            ("edited", self.edited.map(|e| e.to_string())),
        ]);
        media_get(server, &path, Some(&query))
    }
}

/// A `GET` for media: like any request, but accepting any content type instead of JSON
/// (the server answers `image/jpeg`, `image/webp`, `video/mp4`, ...).
pub(crate) fn media_get(
    server: &Server,
    path: &str,
    query: Option<&str>,
) -> Result<Request<Bytes>, Error> {
    let mut request = empty_request(server, Method::GET, path, query)?;
    crate::media::accept_any_media(&mut request);
    Ok(request)
}
