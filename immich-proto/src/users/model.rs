//! Models of the users area.

use serde::{Deserialize, Serialize};

use crate::{DateTime, UserId};

crate::string_enum! {
    /// The colour of a user's default avatar (`UserAvatarColor`).
    pub enum UserAvatarColor {
        /// The theme's primary colour.
        Primary => "primary",
        /// Pink.
        Pink => "pink",
        /// Red.
        Red => "red",
        /// Yellow.
        Yellow => "yellow",
        /// Blue.
        Blue => "blue",
        /// Green.
        Green => "green",
        /// Purple.
        Purple => "purple",
        /// Orange.
        Orange => "orange",
        /// Gray.
        Gray => "gray",
        /// Amber.
        Amber => "amber",
    }
}

crate::string_enum! {
    /// The state of an account (`UserStatus`).
    pub enum UserStatus {
        /// In use.
        Active => "active",
        /// Being removed.
        Removing => "removing",
        /// Removed.
        Deleted => "deleted",
    }
}

/// A user's full account, as the user (or an admin) sees it (`UserAdminResponseDto`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct User {
    /// The user's id.
    pub id: UserId,
    /// Display name.
    pub name: String,
    /// Email address (also the login).
    pub email: String,
    /// Whether the user is an administrator.
    #[serde(default)]
    pub is_admin: bool,
    /// Default avatar colour.
    #[serde(default)]
    pub avatar_color: Option<UserAvatarColor>,
    /// Server path of the profile picture; empty when there is none.
    #[serde(default)]
    pub profile_image_path: String,
    /// When the profile (name, picture) last changed.
    #[serde(default)]
    pub profile_changed_at: Option<DateTime>,
    /// Storage label used in file paths.
    #[serde(default)]
    pub storage_label: Option<String>,
    /// Whether the user must change the password at the next login.
    #[serde(default)]
    pub should_change_password: bool,
    /// Storage quota in bytes; `None` for unlimited.
    #[serde(default)]
    pub quota_size_in_bytes: Option<u64>,
    /// Bytes used against the quota.
    #[serde(default)]
    pub quota_usage_in_bytes: Option<u64>,
    /// Account state.
    #[serde(default)]
    pub status: Option<UserStatus>,
    /// OAuth subject, empty when the user does not log in with OAuth.
    #[serde(default)]
    pub oauth_id: String,
    /// The user's license, if any.
    #[serde(default)]
    pub license: Option<UserLicense>,
    /// When the account was created.
    #[serde(default)]
    pub created_at: Option<DateTime>,
    /// When the account last changed.
    #[serde(default)]
    pub updated_at: Option<DateTime>,
    /// When the account was deleted (kept for a grace period).
    #[serde(default)]
    pub deleted_at: Option<DateTime>,
}

/// A user's license (`UserLicense`). The keys are secrets of the user: do not log them.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct UserLicense {
    /// When the license was activated.
    #[serde(default)]
    pub activated_at: Option<DateTime>,
    /// The license key.
    #[serde(default)]
    pub license_key: String,
    /// The activation key.
    #[serde(default)]
    pub activation_key: String,
}

impl std::fmt::Debug for UserLicense {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserLicense")
            .field("activated_at", &self.activated_at)
            .finish_non_exhaustive()
    }
}

/// Another user, as shown on an album or an asset (`UserResponseDto`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct UserSummary {
    /// The user's id.
    pub id: UserId,
    /// Display name.
    #[serde(default)]
    pub name: String,
    /// Email address.
    #[serde(default)]
    pub email: String,
    /// Default avatar colour.
    #[serde(default)]
    pub avatar_color: Option<UserAvatarColor>,
    /// Server path of the profile picture; empty when there is none.
    #[serde(default)]
    pub profile_image_path: String,
    /// When the profile last changed.
    #[serde(default)]
    pub profile_changed_at: Option<DateTime>,
}
