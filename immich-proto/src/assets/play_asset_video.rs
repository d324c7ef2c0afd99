//! `GET /assets/{id}/video/playback`: `playAssetVideo`. Permission `asset.view`.
//!
//! Added in v1 (beta), stable since v2. Honours `Range`, answering `206 Partial Content`.

use bytes::Bytes;
use http::Request;

use crate::assets::view_asset::media_get;
use crate::{AssetId, ByteRange, Error, MediaEndpoint, Server};

/// Streams the (transcoded) video of an asset, optionally a byte range of it.
///
/// ```
/// # use immich_proto::{assets::PlayAssetVideo, AssetId, ByteRange, MediaEndpoint, Server};
/// let server = Server::new("http://localhost:2283")?;
/// let id = AssetId::parse("7f3c0a52-1b2d-4c3e-9f00-0123456789ab")?;
/// let request = PlayAssetVideo::new(id).range(ByteRange::from(1024)).request(&server)?;
/// assert_eq!(request.headers()["range"], "bytes=1024-");
/// # Ok::<(), immich_proto::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PlayAssetVideo {
    /// The video asset.
    pub id: AssetId,
    /// The bytes to ask for; `None` for the whole video.
    pub range: Option<ByteRange>,
}

impl PlayAssetVideo {
    /// The whole video of asset `id`.
    pub fn new(id: AssetId) -> Self {
        PlayAssetVideo { id, range: None }
    }

    /// Asks for part of the video (to resume, or to serve a player's range request).
    pub fn range(mut self, range: ByteRange) -> Self {
        self.range = Some(range);
        self
    }
}

impl MediaEndpoint for PlayAssetVideo {
    const OPERATION_ID: &'static str = "playAssetVideo";
    const PERMISSION: Option<&'static str> = Some("asset.view");

    fn request(&self, server: &Server) -> Result<Request<Bytes>, Error> {
        let path = self.id.path(server, "/assets", "/video/playback")?;
        let mut request = media_get(server, &path, None)?;
        ByteRange::apply(self.range.as_ref(), &mut request);
        Ok(request)
    }
}
