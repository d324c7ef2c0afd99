//! `GET /server/ping`: `pingServer`. No permission (public).
//!
//! History: added in v1 (beta), stable since v2; unchanged in v3. The answer is
//! `{"res": "pong"}`; anything else (a proxy's page with a 200, another service on the port)
//! is an error, so a health check cannot pass by accident.

use bytes::Bytes;
use http::{response, Method, Request};
use serde::Deserialize;

use crate::endpoint::{decode_json, empty_request};
use crate::error::DecodeError;
use crate::{Endpoint, Error, Server};

/// Checks that an Immich server answers: `Ok(())` only for its `pong`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PingServer;

impl PingServer {
    /// The operation (it takes no arguments).
    pub const fn new() -> Self {
        PingServer
    }
}

#[derive(Deserialize)]
struct Pong {
    res: String,
}

impl Endpoint for PingServer {
    type Output = ();
    const OPERATION_ID: &'static str = "pingServer";
    const PERMISSION: Option<&'static str> = None;

    fn request(&self, server: &Server) -> Result<Request<Bytes>, Error> {
        empty_request(server, Method::GET, "/server/ping", None)
    }

    fn parse(&self, _head: &response::Parts, body: Bytes) -> Result<(), Error> {
        let pong: Pong = decode_json(Self::OPERATION_ID, &body)?;
        if pong.res == "pong" {
            return Ok(());
        }
        Err(Error::Decode(DecodeError {
            operation: Self::OPERATION_ID,
            path: "res".to_owned(),
            message: format!(
                "expected \"pong\", got {:?}",
                pong.res.chars().take(64).collect::<String>()
            ),
            excerpt: crate::error::excerpt(&body, 200),
        }))
    }
}
