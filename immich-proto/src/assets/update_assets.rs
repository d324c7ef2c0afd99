//! `PUT /assets`: `updateAssets`. Permission `asset.update`.
//!
//! Added in v1 (beta), stable since v2. The same changes as
//! [`UpdateAsset`](crate::assets::UpdateAsset), with the same version rules, applied to many
//! assets at once (`AssetBulkUpdateDto`); the server answers `204 No Content`. `description`
//! in a bulk update is ignored by servers that predate it (their validation strips it).

use bytes::Bytes;
use http::{response, Method, Request};

use crate::assets::AssetChanges;
use crate::endpoint::json_request;
use crate::{AssetId, Endpoint, Error, Server};

/// Applies the same changes to many assets.
///
/// ```
/// # use immich_proto::{assets::{AssetChanges, UpdateAssets}, AssetId, Endpoint, Server};
/// let server = Server::new("http://localhost:2283")?;
/// let id = AssetId::parse("7f3c0a52-1b2d-4c3e-9f00-0123456789ab")?;
/// let request = UpdateAssets::new(vec![id], AssetChanges::new().favorite(false))
///     .request(&server)?;
/// assert_eq!(
///     request.body().as_ref(),
///     br#"{"ids":["7f3c0a52-1b2d-4c3e-9f00-0123456789ab"],"isFavorite":false}"#
/// );
/// # Ok::<(), immich_proto::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct UpdateAssets {
    /// The assets.
    pub ids: Vec<AssetId>,
    /// What to change on each.
    pub changes: AssetChanges,
}

impl UpdateAssets {
    /// Applies `changes` to every asset in `ids` (at least one id and one change; checked when
    /// the request is built).
    pub fn new(ids: Vec<AssetId>, changes: AssetChanges) -> Self {
        UpdateAssets { ids, changes }
    }
}

impl Endpoint for UpdateAssets {
    type Output = ();
    const OPERATION_ID: &'static str = "updateAssets";
    const PERMISSION: Option<&'static str> = Some("asset.update");

    fn request(&self, server: &Server) -> Result<Request<Bytes>, Error> {
        let ids = checked_ids(server, &self.ids, "no asset ids to update")?;
        let body = self.changes.wire(server, Self::OPERATION_ID, Some(ids))?;
        json_request(server, Method::PUT, "/assets", None, &body)
    }

    fn parse(&self, _head: &response::Parts, _body: Bytes) -> Result<(), Error> {
        Ok(())
    }
}

/// Every id checked for `server`; an empty list is refused with `empty_reason`.
pub(crate) fn checked_ids<'a>(
    server: &Server,
    ids: &'a [AssetId],
    empty_reason: &'static str,
) -> Result<Vec<&'a str>, Error> {
    if ids.is_empty() {
        return Err(Error::invalid_input("asset ids", empty_reason));
    }
    ids.iter().map(|id| id.checked(server)).collect()
}
