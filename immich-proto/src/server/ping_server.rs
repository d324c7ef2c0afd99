//! `GET /server/ping`: `pingServer`. No permission (public).
//!
//! History: added in v1 (beta), stable since v2; unchanged in v3. An Immich server answers
//! `{"res": "pong"}`. The document (`ServerPingResponse`) only says `res` is a string, so any
//! string decodes; [`ServerPing::is_pong`] tells a healthy Immich from something else that
//! answers JSON with a `res` (a body that is not that JSON object is a decode error).

use bytes::Bytes;
use http::{response, Method, Request};
use serde::{Deserialize, Serialize};

use crate::endpoint::{decode_json, empty_request};
use crate::{Endpoint, Error, Server};

/// Checks that the server answers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PingServer;

impl PingServer {
    /// The operation (it takes no arguments).
    pub const fn new() -> Self {
        PingServer
    }
}

/// The answer to a ping (`ServerPingResponse`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ServerPing {
    /// What the server said: `"pong"` for Immich.
    pub res: String,
}

impl ServerPing {
    /// Whether the answer is Immich's `pong`: a health check passes only then.
    pub fn is_pong(&self) -> bool {
        self.res == "pong"
    }
}

impl Endpoint for PingServer {
    type Output = ServerPing;
    const OPERATION_ID: &'static str = "pingServer";
    const PERMISSION: Option<&'static str> = None;

    fn request(&self, server: &Server) -> Result<Request<Bytes>, Error> {
        empty_request(server, Method::GET, "/server/ping", None)
    }

    fn parse(&self, _head: &response::Parts, body: Bytes) -> Result<ServerPing, Error> {
        decode_json(Self::OPERATION_ID, &body)
    }
}
