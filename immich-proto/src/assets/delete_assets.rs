//! `DELETE /assets`: `deleteAssets`. Permission `asset.delete`.
//!
//! Added in v1 (beta), stable since v2; same body on every supported version
//! (`AssetBulkDeleteDto`: `ids`, optional `force`). The server answers `204 No Content`.
//! Without `force` the assets go to the trash (or are deleted at once when the server's trash
//! is disabled); with `force` they are deleted for good.

use bytes::Bytes;
use http::{response, Method, Request};
use serde::Serialize;

use crate::assets::update_assets::checked_ids;
use crate::endpoint::json_request;
use crate::{AssetId, Endpoint, Error, Server};

/// Moves assets to the trash, or deletes them for good.
///
/// ```
/// # use immich_proto::{assets::DeleteAssets, AssetId, Endpoint, Server};
/// let server = Server::new("http://localhost:2283")?;
/// let id = AssetId::parse("7f3c0a52-1b2d-4c3e-9f00-0123456789ab")?;
/// let request = DeleteAssets::new(vec![id]).force(true).request(&server)?;
/// assert_eq!(request.method(), "DELETE");
/// assert_eq!(
///     request.body().as_ref(),
///     br#"{"ids":["7f3c0a52-1b2d-4c3e-9f00-0123456789ab"],"force":true}"#
/// );
/// # Ok::<(), immich_proto::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct DeleteAssets {
    /// The assets.
    pub ids: Vec<AssetId>,
    /// `Some(true)`: delete for good; `Some(false)` or `None` (the server's default): trash.
    pub force: Option<bool>,
}

impl DeleteAssets {
    /// Moves `ids` to the trash (at least one id; checked when the request is built).
    pub fn new(ids: Vec<AssetId>) -> Self {
        DeleteAssets { ids, force: None }
    }

    /// `true` deletes for good instead of trashing.
    pub fn force(mut self, force: bool) -> Self {
        self.force = Some(force);
        self
    }
}

#[derive(Serialize)]
struct Wire<'a> {
    ids: Vec<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    force: Option<bool>,
}

impl Endpoint for DeleteAssets {
    type Output = ();
    const OPERATION_ID: &'static str = "deleteAssets";
    const PERMISSION: Option<&'static str> = Some("asset.delete");

    fn request(&self, server: &Server) -> Result<Request<Bytes>, Error> {
        let ids = checked_ids(server, &self.ids, "no asset ids to delete")?;
        let body = Wire {
            ids,
            force: self.force,
        };
        json_request(server, Method::DELETE, "/assets", None, &body)
    }

    fn parse(&self, _head: &response::Parts, _body: Bytes) -> Result<(), Error> {
        Ok(())
    }
}
