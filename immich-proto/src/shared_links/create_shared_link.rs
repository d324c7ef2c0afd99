//! `POST /shared-links`: `createSharedLink`. Permission `sharedLink.create`.
//!
//! History: added in v1 (beta), stable since v2. The custom `slug` arrived in v1.137.0; older
//! servers would drop it silently, so a slug for a server known to be older is refused before
//! the request exists. `expiresAt` goes out in UTC (`...Z`), as the v3 document's pattern
//! requires. Answers `201` with the new link.

use std::fmt;

use bytes::Bytes;
use http::{response, Method, Request};
use serde::Serialize;

use super::model::hidden;
use super::{SharedLink, SharedLinkType};
use crate::endpoint::{decode_json, json_request};
use crate::permissions::require_server_at_least;
use crate::{AlbumId, AssetId, DateTime, Endpoint, Error, Server};

/// The first server version that takes a custom `slug` (major, minor, patch).
pub const SHARED_LINK_SLUG_SINCE: (u64, u64, u64) = (1, 137, 0);

/// Creates a shared link for an album or for some assets.
///
/// Options left unset take the server's defaults (downloads allowed, metadata shown, uploads
/// not allowed, no expiry, no password). `Debug` hides the password.
///
/// ```
/// use immich_proto::shared_links::CreateSharedLink;
/// use immich_proto::DateTime;
/// # let album = immich_proto::AlbumId::parse("a1b00000-0000-4000-8000-000000000001").unwrap();
/// let link = CreateSharedLink::for_album(album)
///     .expires_at(DateTime::parse("2025-12-31T23:00:00+01:00").unwrap())
///     .allow_download(false)
///     .password("hunter2");
/// assert!(!format!("{link:?}").contains("hunter2"));
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct CreateSharedLink {
    target: Target,
    expires_at: Option<DateTime>,
    allow_download: Option<bool>,
    allow_upload: Option<bool>,
    show_metadata: Option<bool>,
    password: Option<String>,
    description: Option<String>,
    slug: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Target {
    Album(AlbumId),
    Assets(Vec<AssetId>),
}

impl CreateSharedLink {
    fn new(target: Target) -> Self {
        CreateSharedLink {
            target,
            expires_at: None,
            allow_download: None,
            allow_upload: None,
            show_metadata: None,
            password: None,
            description: None,
            slug: None,
        }
    }

    /// A link to `album` (type `ALBUM`): visitors see the album as it changes.
    pub fn for_album(album: AlbumId) -> Self {
        Self::new(Target::Album(album))
    }

    /// A link to these assets (type `INDIVIDUAL`; at least one, checked when the request is
    /// built).
    pub fn for_assets(assets: Vec<AssetId>) -> Self {
        Self::new(Target::Assets(assets))
    }

    /// When the link stops working (sent in UTC).
    pub fn expires_at(mut self, expires_at: DateTime) -> Self {
        self.expires_at = Some(expires_at);
        self
    }

    /// Whether visitors may download originals (server default: yes).
    pub fn allow_download(mut self, allow: bool) -> Self {
        self.allow_download = Some(allow);
        self
    }

    /// Whether visitors may upload into the album (server default: no).
    pub fn allow_upload(mut self, allow: bool) -> Self {
        self.allow_upload = Some(allow);
        self
    }

    /// Whether visitors see EXIF data and locations (server default: yes).
    pub fn show_metadata(mut self, show: bool) -> Self {
        self.show_metadata = Some(show);
        self
    }

    /// A password visitors must enter.
    pub fn password(mut self, password: impl Into<String>) -> Self {
        self.password = Some(password.into());
        self
    }

    /// A description shown with the link.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// A custom URL part, `/s/{slug}` (Immich v1.137+, see [`SHARED_LINK_SLUG_SINCE`]).
    pub fn slug(mut self, slug: impl Into<String>) -> Self {
        self.slug = Some(slug.into());
        self
    }

    /// The kind of link this creates.
    pub fn link_type(&self) -> SharedLinkType {
        match self.target {
            Target::Album(_) => SharedLinkType::Album,
            Target::Assets(_) => SharedLinkType::Individual,
        }
    }
}

impl fmt::Debug for CreateSharedLink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CreateSharedLink")
            .field("target", &self.target)
            .field("expires_at", &self.expires_at)
            .field("allow_download", &self.allow_download)
            .field("allow_upload", &self.allow_upload)
            .field("show_metadata", &self.show_metadata)
            .field("password", &hidden(&self.password))
            .field("description", &self.description)
            .field("slug", &self.slug)
            .finish()
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Body<'a> {
    #[serde(rename = "type")]
    link_type: SharedLinkType,
    #[serde(skip_serializing_if = "Option::is_none")]
    album_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    asset_ids: Option<Vec<&'a str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    expires_at: Option<DateTime>,
    #[serde(skip_serializing_if = "Option::is_none")]
    allow_download: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    allow_upload: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    show_metadata: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    password: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    slug: Option<&'a str>,
}

impl Endpoint for CreateSharedLink {
    type Output = SharedLink;
    const OPERATION_ID: &'static str = "createSharedLink";
    const PERMISSION: Option<&'static str> = Some("sharedLink.create");

    fn request(&self, server: &Server) -> Result<Request<Bytes>, Error> {
        let (album_id, asset_ids) = match &self.target {
            Target::Album(album) => (Some(album.checked(server)?), None),
            Target::Assets(assets) if assets.is_empty() => {
                return Err(Error::InvalidInput {
                    what: "asset ids",
                    reason: "no assets to share".to_owned(),
                })
            }
            Target::Assets(assets) => (
                None,
                Some(
                    assets
                        .iter()
                        .map(|id| id.checked(server))
                        .collect::<Result<Vec<_>, _>>()?,
                ),
            ),
        };
        if let Some(slug) = &self.slug {
            if slug.trim().is_empty() {
                return Err(Error::InvalidInput {
                    what: "slug",
                    reason: "an empty slug would not make a URL".to_owned(),
                });
            }
            require_server_at_least(
                server,
                "createSharedLink with a slug",
                SHARED_LINK_SLUG_SINCE,
            )?;
        }
        let body = Body {
            link_type: self.link_type(),
            album_id,
            asset_ids,
            expires_at: self.expires_at.map(DateTime::to_utc),
            allow_download: self.allow_download,
            allow_upload: self.allow_upload,
            show_metadata: self.show_metadata,
            password: self.password.as_deref(),
            description: self.description.as_deref(),
            slug: self.slug.as_deref(),
        };
        json_request(server, Method::POST, "/shared-links", None, &body)
    }

    fn parse(&self, _head: &response::Parts, body: Bytes) -> Result<SharedLink, Error> {
        decode_json(Self::OPERATION_ID, &body)
    }
}
