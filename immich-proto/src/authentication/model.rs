//! Models of the authentication area.

use serde::Deserialize;

use crate::{Auth, Server, SessionToken, UserId};

/// A successful login (`LoginResponseDto`): the session's token and who logged in.
///
/// `Debug` shows the token as `SessionToken(***)`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct LoginResponse {
    /// The session's token: send it as `Authorization: Bearer` (see [`signed_in`](Self::signed_in)).
    pub access_token: SessionToken,
    /// The user's id.
    pub user_id: UserId,
    /// The user's email address.
    pub user_email: String,
    /// The user's name.
    #[serde(default)]
    pub name: String,
    /// Whether the user is an administrator.
    #[serde(default)]
    pub is_admin: bool,
    /// The server-side path of the profile picture (empty when there is none).
    #[serde(default)]
    pub profile_image_path: String,
    /// Whether the server asks the user to choose a new password.
    #[serde(default)]
    pub should_change_password: bool,
    /// Whether the user finished the web app's onboarding (`None` from servers that do not say).
    #[serde(default)]
    pub is_onboarded: Option<bool>,
}

impl LoginResponse {
    /// `server`'s settings signed in with this session: requests then carry
    /// `Authorization: Bearer <token>` instead of any other credential. The learned version
    /// carries over.
    pub fn signed_in(&self, server: &Server) -> Server {
        server
            .clone()
            .with_auth(Auth::Session(self.access_token.clone()))
    }
}

/// The answer to a logout (`LogoutResponseDto`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct LogoutResponse {
    /// Whether the server ended the session.
    #[serde(default)]
    pub successful: bool,
    /// Where the web app goes next (the login page, or an OAuth provider's logout page).
    #[serde(default)]
    pub redirect_uri: String,
}

/// The answer to a token check (`ValidateAccessTokenResponseDto`). The server answers `true`
/// or, for a credential it does not accept, `401`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ValidateAccessTokenResponse {
    /// Whether the credential is valid.
    pub auth_status: bool,
}
