//! Models of the shared-links area.

use std::fmt;

use serde::Deserialize;

use crate::albums::Album;
use crate::assets::Asset;
use crate::{Auth, DateTime, Error, Server, SharedLinkId, UserId};

crate::string_enum! {
    /// What a shared link shows (`SharedLinkType`).
    pub enum SharedLinkType {
        /// One album, as it changes.
        Album => "ALBUM",
        /// A fixed set of assets.
        Individual => "INDIVIDUAL",
    }
}

/// A shared link (`SharedLinkResponseDto`), as old (v1.118+) and v3 servers send it.
///
/// `key` (and `token` on older servers) is what opens the link, and `password` is the link's
/// password as the server stores it: `Debug` shows none of the three.
#[derive(Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct SharedLink {
    /// The link's id (to delete it; it does not open the link).
    pub id: SharedLinkId,
    /// Album or individual assets.
    #[serde(rename = "type")]
    pub link_type: SharedLinkType,
    /// The secret part of the link's URL (`/share/{key}`).
    pub key: String,
    /// A custom URL part (`/s/{slug}`), v1.137+.
    #[serde(default)]
    pub slug: Option<String>,
    /// The link's password, when it has one.
    #[serde(default)]
    pub password: Option<String>,
    /// An access token (older servers, when asked with the link's password).
    #[serde(default)]
    pub token: Option<String>,
    /// What the owner wrote about it.
    #[serde(default)]
    pub description: Option<String>,
    /// Who made it.
    pub user_id: UserId,
    /// The album it shows (album links).
    #[serde(default)]
    pub album: Option<Album>,
    /// The assets it shows (individual links; empty for album links on most servers).
    #[serde(default)]
    pub assets: Vec<Asset>,
    /// Visitors may upload into it.
    #[serde(default)]
    pub allow_upload: bool,
    /// Visitors may download originals.
    #[serde(default = "yes")]
    pub allow_download: bool,
    /// Visitors see EXIF data and locations.
    #[serde(default = "yes")]
    pub show_metadata: bool,
    /// When it was made.
    pub created_at: DateTime,
    /// When it stops working; `None`: never.
    #[serde(default)]
    pub expires_at: Option<DateTime>,
}

fn yes() -> bool {
    true
}

/// Characters kept as they are in a slug put in a URL path: RFC 3986 unreserved.
const SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

impl SharedLink {
    /// Whether visitors need a password.
    pub fn has_password(&self) -> bool {
        self.password.as_deref().is_some_and(|p| !p.is_empty())
    }

    /// Whether the link no longer works at `now` (the caller's clock: the core has none).
    pub fn is_expired_at(&self, now: DateTime) -> bool {
        self.expires_at.is_some_and(|expires| expires <= now)
    }

    /// The link's path in the Immich web app, to put after the server's public address:
    /// `/s/{slug}` when it has a custom slug, else `/share/{key}`.
    pub fn share_path(&self) -> String {
        match self.slug.as_deref().filter(|slug| !slug.is_empty()) {
            Some(slug) => format!(
                "/s/{}",
                percent_encoding::utf8_percent_encode(slug, SEGMENT)
            ),
            None => format!(
                "/share/{}",
                percent_encoding::utf8_percent_encode(&self.key, SEGMENT)
            ),
        }
    }
}

/// `Some("***")` or `None`: says whether a secret is there without showing it.
struct Hidden<'a>(&'a Option<String>);

impl fmt::Debug for Hidden<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(_) => f.write_str("Some(***)"),
            None => f.write_str("None"),
        }
    }
}

impl fmt::Debug for SharedLink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SharedLink")
            .field("id", &self.id)
            .field("link_type", &self.link_type)
            .field("key", &format_args!("***"))
            .field("slug", &self.slug)
            .field("password", &Hidden(&self.password))
            .field("token", &Hidden(&self.token))
            .field("description", &self.description)
            .field("user_id", &self.user_id)
            .field("album", &self.album.as_ref().map(|album| &album.id))
            .field("assets", &self.assets.len())
            .field("allow_upload", &self.allow_upload)
            .field("allow_download", &self.allow_download)
            .field("show_metadata", &self.show_metadata)
            .field("created_at", &self.created_at)
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

pub(super) fn hidden(secret: &Option<String>) -> impl fmt::Debug + '_ {
    Hidden(secret)
}

/// Fails before a request exists when `server` opens no shared link: `operation` only works
/// with a link's key or slug (the server would answer `403`).
pub(super) fn require_shared_link_access(
    server: &Server,
    operation: &'static str,
) -> Result<(), Error> {
    match server.auth() {
        Auth::SharedLink { .. } => Ok(()),
        _ => Err(Error::InvalidInput {
            what: "credential",
            reason: format!(
                "{operation} works only with shared-link access: set the link's key or slug"
            ),
        }),
    }
}
