//! `GET /api-keys/me`: `getMyApiKey`. No permission (any key may read itself).
//!
//! History: the document says added in v1, stable since v2; the endpoint itself arrived in
//! Immich v1.139.0 (servers before it read `me` as a key id and answer 400). The request fails
//! before it exists when the server is known to be older ([`GET_MY_API_KEY_SINCE`]).

use bytes::Bytes;
use http::{response, Method, Request};
use serde::Deserialize;

use crate::endpoint::{decode_json, empty_request};
use crate::permissions::{require_server_at_least, Capabilities, Permission};
use crate::{ApiKeyId, DateTime, Endpoint, Error, Server};

/// The first server version with `GET /api-keys/me` (major, minor, patch).
pub const GET_MY_API_KEY_SINCE: (u64, u64, u64) = (1, 139, 0);

/// Reads the API key the request is made with: its name and permissions.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct GetMyApiKey;

impl GetMyApiKey {
    /// The operation (it takes no arguments).
    pub const fn new() -> Self {
        GetMyApiKey
    }
}

impl Endpoint for GetMyApiKey {
    type Output = ApiKeyInfo;
    const OPERATION_ID: &'static str = "getMyApiKey";
    const PERMISSION: Option<&'static str> = None;

    fn request(&self, server: &Server) -> Result<Request<Bytes>, Error> {
        require_server_at_least(server, Self::OPERATION_ID, GET_MY_API_KEY_SINCE)?;
        empty_request(server, Method::GET, "/api-keys/me", None)
    }

    fn parse(&self, _head: &response::Parts, body: Bytes) -> Result<ApiKeyInfo, Error> {
        decode_json(Self::OPERATION_ID, &body)
    }
}

/// An API key as the server describes it (`ApiKeyResponseDto`). It never holds the secret.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ApiKeyInfo {
    /// The key's id (not the secret).
    pub id: ApiKeyId,
    /// The name the user gave it.
    #[serde(default)]
    pub name: String,
    /// What it may do; `all` grants everything.
    #[serde(default)]
    pub permissions: Vec<Permission>,
    /// When it was created.
    pub created_at: DateTime,
    /// When it last changed.
    pub updated_at: DateTime,
}

impl ApiKeyInfo {
    /// What this key may do, to ask before trying.
    pub fn capabilities(&self) -> Capabilities {
        Capabilities::new(self.permissions.iter().cloned())
    }
}
