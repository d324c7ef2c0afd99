//! `POST /shared-links/login`: `sharedLinkLogin`. No permission (shared-link access).
//!
//! History: added in v2.6.0 (beta); before it a password went in `GET /shared-links/me`'s query,
//! which this client does not do (it would put the password in URLs and logs), so the request
//! fails before it exists for a server known to be older ([`SHARED_LINK_LOGIN_SINCE`]).
//!
//! The link is the one the [`Server`]'s shared-link access opens (`key=` or `slug=` in the
//! query); the body holds the password. The server answers `201` with the link and sets the
//! `immich_shared_link_token` cookie (a hash of the link's id and password, valid as long as the
//! password is); `GET /shared-links/me` then wants that cookie back. A wrong password answers
//! `401 Invalid password`, a link without a password `400`.

use bytes::Bytes;
use http::{response, Method, Request};
use serde::Serialize;

use super::model::require_shared_link_access;
use super::SharedLink;
use crate::endpoint::{decode_secret_json, json_request};
use crate::error::DecodeError;
use crate::permissions::require_server_at_least;
use crate::{Endpoint, Error, Secret, Server, SharedLinkToken, SHARED_LINK_TOKEN_COOKIE};

/// The first server version with `POST /shared-links/login` (major, minor, patch).
pub const SHARED_LINK_LOGIN_SINCE: (u64, u64, u64) = (2, 6, 0);

/// Gives a password-protected shared link its password.
///
/// The answer's [`SharedLinkLoginResponse::signed_in`] gives the server settings that carry the
/// token. `Debug` hides the password:
///
/// ```
/// use immich_proto::shared_links::SharedLinkLogin;
/// let login = SharedLinkLogin::new("hunter2");
/// assert!(!format!("{login:?}").contains("hunter2"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SharedLinkLogin {
    password: Secret,
}

impl SharedLinkLogin {
    /// The link's password, sent as given.
    pub fn new(password: impl Into<Secret>) -> Self {
        SharedLinkLogin {
            password: password.into(),
        }
    }
}

/// A successful shared-link login: the link, and the token that proves the password was given.
/// `Debug` hides the token and the link's secrets.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct SharedLinkLoginResponse {
    /// The link (`SharedLinkResponseDto`).
    pub link: SharedLink,
    /// The `immich_shared_link_token` cookie the server set.
    pub token: SharedLinkToken,
}

impl SharedLinkLoginResponse {
    /// `server`'s settings (which must open the same link) with the token added: every request
    /// then sends it back as a cookie. Fails when `server` opens no shared link.
    pub fn signed_in(&self, server: &Server) -> Result<Server, Error> {
        server.clone().with_shared_link_token(self.token.clone())
    }
}

#[derive(Serialize)]
struct Body<'a> {
    password: &'a str,
}

impl Endpoint for SharedLinkLogin {
    type Output = SharedLinkLoginResponse;
    const OPERATION_ID: &'static str = "sharedLinkLogin";
    const PERMISSION: Option<&'static str> = None;

    fn request(&self, server: &Server) -> Result<Request<Bytes>, Error> {
        require_shared_link_access(server, Self::OPERATION_ID)?;
        require_server_at_least(server, Self::OPERATION_ID, SHARED_LINK_LOGIN_SINCE)?;
        let body = Body {
            password: self.password.expose_secret(),
        };
        json_request(server, Method::POST, "/shared-links/login", None, &body)
    }

    fn parse(&self, head: &response::Parts, body: Bytes) -> Result<SharedLinkLoginResponse, Error> {
        let link = decode_secret_json(Self::OPERATION_ID, &body)?;
        let token = SharedLinkToken::from_set_cookie(&head.headers).ok_or_else(|| {
            Error::Decode(DecodeError {
                operation: Self::OPERATION_ID,
                path: "Set-Cookie".to_owned(),
                message: format!("the answer sets no {SHARED_LINK_TOKEN_COOKIE} cookie"),
                excerpt: String::new(),
            })
        })?;
        Ok(SharedLinkLoginResponse { link, token })
    }
}
