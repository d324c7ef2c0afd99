//! Credentials beyond the API key: a password login's session token, and shared-link access
//! (a link's key or slug, plus the password step of a protected link). The core builds every
//! request and decides what a login changes ([`LoginResponse::signed_in`],
//! [`SharedLinkLoginResponse::signed_in`]); this file only sends, and hands back a client for
//! the new credential that shares this one's connection pool.

use immich_proto::authentication::{
    Login, LoginResponse, Logout, LogoutResponse, ValidateAccessToken,
};
use immich_proto::shared_links::{
    GetMySharedLink, SharedLink, SharedLinkLogin, SharedLinkLoginResponse,
};

use crate::client::Client;
use crate::Error;

impl Client {
    /// Logs in with email and password (`POST /auth/login`) and returns a client for the new
    /// session (same server, connection pool and learned version; its requests carry the
    /// session token instead of this client's credential), with the server's answer. This
    /// client is unchanged.
    pub fn login(&self, email: &str, password: &str) -> Result<(Client, LoginResponse), Error> {
        let login = self.send(&Login::new(email, password))?;
        let client = self.with_server(login.signed_in(self.server()));
        Ok((client, login))
    }

    /// Ends this client's session (`POST /auth/logout`): its token is refused afterwards.
    pub fn logout(&self) -> Result<LogoutResponse, Error> {
        self.send(&Logout::new())
    }

    /// Whether the server accepts this client's credential (`POST /auth/validateToken`). The
    /// server answers a credential it refuses (a logged-out session) with `401`: an error with
    /// that status.
    pub fn validate_access_token(&self) -> Result<bool, Error> {
        Ok(self.send(&ValidateAccessToken::new())?.auth_status)
    }

    /// Gives a password-protected shared link its password (`POST /shared-links/login`, Immich
    /// v2.6+) and returns a client that sends the token the server set with every request, with
    /// the link. This client must open the link (built with
    /// [`shared_link_key`](crate::ClientBuilder::shared_link_key) or
    /// [`shared_link_slug`](crate::ClientBuilder::shared_link_slug)); it is unchanged.
    pub fn shared_link_login(&self, password: &str) -> Result<(Client, SharedLink), Error> {
        let answer: SharedLinkLoginResponse = self.send(&SharedLinkLogin::new(password))?;
        let client = self.with_server(answer.signed_in(self.server())?);
        Ok((client, answer.link))
    }

    /// The shared link this client opens (`GET /shared-links/me`). A password-protected link
    /// answers `401` until [`shared_link_login`](Self::shared_link_login).
    pub fn my_shared_link(&self) -> Result<SharedLink, Error> {
        self.send(&GetMySharedLink::new())
    }
}
