//! `GET /assets/{id}`: `getAssetInfo`. Permission `asset.read`.
//!
//! Added in v1 (beta), stable since v2. The answer is the [`Asset`] model, read the same way
//! from v1.118 to v3 (see its notes on `duration`, `visibility` and the newer fields).

use bytes::Bytes;
use http::{response, Method, Request};

use crate::assets::Asset;
use crate::endpoint::{decode_json, empty_request};
use crate::{AssetId, Endpoint, Error, Server};

/// Reads one asset, with its EXIF data, people, tags and owner.
///
/// ```
/// # use immich_proto::{assets::GetAssetInfo, AssetId, Endpoint, Server};
/// let server = Server::new("http://localhost:2283")?;
/// let id = AssetId::parse("7f3c0a52-1b2d-4c3e-9f00-0123456789ab")?;
/// let request = GetAssetInfo::new(id).request(&server)?;
/// assert_eq!(
///     request.uri(),
///     "http://localhost:2283/api/assets/7f3c0a52-1b2d-4c3e-9f00-0123456789ab"
/// );
/// # Ok::<(), immich_proto::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct GetAssetInfo {
    /// The asset.
    pub id: AssetId,
}

impl GetAssetInfo {
    /// Reads asset `id`.
    pub fn new(id: AssetId) -> Self {
        GetAssetInfo { id }
    }
}

impl Endpoint for GetAssetInfo {
    type Output = Asset;
    const OPERATION_ID: &'static str = "getAssetInfo";
    const PERMISSION: Option<&'static str> = Some("asset.read");

    fn request(&self, server: &Server) -> Result<Request<Bytes>, Error> {
        let path = self.id.path(server, "/assets", "")?;
        empty_request(server, Method::GET, &path, None)
    }

    fn parse(&self, _head: &response::Parts, body: Bytes) -> Result<Asset, Error> {
        decode_json(Self::OPERATION_ID, &body)
    }
}
