//! `GET /stacks`: `searchStacks`. Permission `stack.read`.
//!
//! Added in v1 (beta; the stacks API dates from v1.113), stable since v2; the same on every
//! supported version.

use bytes::Bytes;
use http::{response, Method, Request};
use serde::Deserialize;

use crate::assets::Asset;
use crate::endpoint::{decode_json, empty_request, query_string};
use crate::{AssetId, Endpoint, Error, Server, StackId};

/// Lists the caller's stacks, or the stack headed by one asset.
///
/// ```
/// # use immich_proto::{stacks::SearchStacks, AssetId, Endpoint, Server};
/// let server = Server::new("http://localhost:2283")?;
/// let id = AssetId::parse("7f3c0a52-1b2d-4c3e-9f00-0123456789ab")?;
/// let request = SearchStacks::new().primary_asset(id).request(&server)?;
/// assert_eq!(
///     request.uri(),
///     "http://localhost:2283/api/stacks?primaryAssetId=7f3c0a52-1b2d-4c3e-9f00-0123456789ab"
/// );
/// # Ok::<(), immich_proto::Error>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct SearchStacks {
    /// Only the stack whose primary asset is this one.
    pub primary_asset_id: Option<AssetId>,
}

impl SearchStacks {
    /// Every stack.
    pub fn new() -> Self {
        Self::default()
    }

    /// Only the stack headed by `id`.
    pub fn primary_asset(mut self, id: AssetId) -> Self {
        self.primary_asset_id = Some(id);
        self
    }
}

/// A stack and its assets (`StackResponseDto`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Stack {
    /// The stack's id.
    pub id: StackId,
    /// The asset shown for the stack.
    pub primary_asset_id: AssetId,
    /// Every asset in it, the primary one included.
    #[serde(default)]
    pub assets: Vec<Asset>,
}

impl Stack {
    /// The primary asset, when the answer includes it.
    pub fn primary_asset(&self) -> Option<&Asset> {
        self.assets.iter().find(|a| a.id == self.primary_asset_id)
    }
}

impl Endpoint for SearchStacks {
    type Output = Vec<Stack>;
    const OPERATION_ID: &'static str = "searchStacks";
    const PERMISSION: Option<&'static str> = Some("stack.read");

    fn request(&self, server: &Server) -> Result<Request<Bytes>, Error> {
        let primary = self
            .primary_asset_id
            .as_ref()
            .map(|id| id.checked(server).map(str::to_owned))
            .transpose()?;
        let query = query_string([("primaryAssetId", primary)]);
        empty_request(server, Method::GET, "/stacks", Some(&query))
    }

    fn parse(&self, _head: &response::Parts, body: Bytes) -> Result<Vec<Stack>, Error> {
        decode_json(Self::OPERATION_ID, &body)
    }
}
