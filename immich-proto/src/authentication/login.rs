//! `POST /auth/login`: `login`. No permission (public: the password is the credential).
//!
//! History: added in v1 (beta), stable since v2; the same on every server from v1.118 to v3.
//! Answers `201` with the session's token ([`LoginResponse`]); `isOnboarded` is optional here
//! because older servers may not send it. Password login can be turned off on the server
//! (`401 Password login has been disabled`).

use bytes::Bytes;
use http::{response, Method, Request};
use serde::Serialize;

use super::model::LoginResponse;
use crate::endpoint::{decode_secret_json, json_request};
use crate::{Endpoint, Error, Secret, Server};

/// Logs in with an email address and a password, starting a session.
///
/// The answer's [`LoginResponse::signed_in`] gives the server settings for the session.
/// `Debug` hides the password:
///
/// ```
/// use immich_proto::authentication::Login;
/// let login = Login::new("me@example.com", "hunter2");
/// assert!(!format!("{login:?}").contains("hunter2"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Login {
    email: String,
    password: Secret,
}

impl Login {
    /// Logs in as `email` with `password` (both sent as given; an empty email is refused when
    /// the request is built).
    pub fn new(email: impl Into<String>, password: impl Into<Secret>) -> Self {
        Login {
            email: email.into(),
            password: password.into(),
        }
    }
}

#[derive(Serialize)]
struct Body<'a> {
    email: &'a str,
    password: &'a str,
}

impl Endpoint for Login {
    type Output = LoginResponse;
    const OPERATION_ID: &'static str = "login";
    const PERMISSION: Option<&'static str> = None;

    fn request(&self, server: &Server) -> Result<Request<Bytes>, Error> {
        if self.email.trim().is_empty() {
            return Err(Error::InvalidInput {
                what: "email",
                reason: "an email address is needed to log in".to_owned(),
            });
        }
        let body = Body {
            email: &self.email,
            password: self.password.expose_secret(),
        };
        json_request(server, Method::POST, "/auth/login", None, &body)
    }

    fn parse(&self, _head: &response::Parts, body: Bytes) -> Result<LoginResponse, Error> {
        decode_secret_json(Self::OPERATION_ID, &body)
    }
}
