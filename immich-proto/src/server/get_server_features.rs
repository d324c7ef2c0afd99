//! `GET /server/features`: `getServerFeatures`. No permission (public).
//!
//! History: added in v1 (beta), stable since v2. `ocr` is new in v2; a v1.118 server omits it,
//! which reads as `false` like any other feature a server does not mention.

use bytes::Bytes;
use http::{response, Method, Request};
use serde::{Deserialize, Serialize};

use crate::endpoint::{decode_json, empty_request};
use crate::{Endpoint, Error, Server};

/// Reads which optional features the server has turned on (search, map, trash, ...).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct GetServerFeatures;

impl GetServerFeatures {
    /// The operation (it takes no arguments).
    pub const fn new() -> Self {
        GetServerFeatures
    }
}

impl Endpoint for GetServerFeatures {
    type Output = ServerFeatures;
    const OPERATION_ID: &'static str = "getServerFeatures";
    const PERMISSION: Option<&'static str> = None;

    fn request(&self, server: &Server) -> Result<Request<Bytes>, Error> {
        empty_request(server, Method::GET, "/server/features", None)
    }

    fn parse(&self, _head: &response::Parts, body: Bytes) -> Result<ServerFeatures, Error> {
        decode_json(Self::OPERATION_ID, &body)
    }
}

/// The server's optional features (`ServerFeaturesDto`). A feature the server does not
/// mention (an older version) is `false`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
#[non_exhaustive]
pub struct ServerFeatures {
    /// The configuration comes from a file (settings are read-only in the UI).
    pub config_file: bool,
    /// Duplicate detection runs.
    pub duplicate_detection: bool,
    /// Email notifications are set up.
    pub email: bool,
    /// Faces are detected and grouped into people.
    pub facial_recognition: bool,
    /// Faces are imported from file metadata.
    pub import_faces: bool,
    /// The map is on.
    pub map: bool,
    /// OAuth login is on.
    pub oauth: bool,
    /// The login page goes straight to OAuth.
    pub oauth_auto_launch: bool,
    /// Text recognition runs (v2+).
    pub ocr: bool,
    /// Email and password login is on.
    pub password_login: bool,
    /// Places are named from coordinates.
    pub reverse_geocoding: bool,
    /// Metadata search is on.
    pub search: bool,
    /// Sidecar (XMP) files are read and written.
    pub sidecar: bool,
    /// Smart (CLIP) search is on: [`SearchSmart`](crate::search::SearchSmart) can work.
    pub smart_search: bool,
    /// Deleted assets go to the trash first.
    pub trash: bool,
}
