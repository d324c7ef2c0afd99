//! `PUT /assets/{id}`: `updateAsset`. Permission `asset.update`.
//!
//! Added in v1 (beta), stable since v2. Only the fields set are sent. Two fields changed form
//! between server generations, so they need the server version:
//!
//! | change | before | from |
//! |---|---|---|
//! | visibility | `isArchived` (archive / timeline only) | v1.133: `visibility` |
//! | clear the rating | `rating: 0` | v2.6: `rating: null` (the v3 document's "unrated") |
//!
//! Everything else (`isFavorite`, `description`, `rating` 1 to 5, `dateTimeOriginal`,
//! `latitude`/`longitude`) is sent the same way to every version.

use bytes::Bytes;
use http::{response, Method, Request};
use serde::Serialize;

use crate::assets::{Asset, AssetVisibility};
use crate::endpoint::{decode_json, json_request};
use crate::{AssetId, DateTime, Endpoint, Error, Server, ServerVersion};

/// The changes to apply to one or many assets (`UpdateAssetDto` / `AssetBulkUpdateDto`).
/// Start from [`new`](Self::new) and set what should change; nothing else is sent.
///
/// ```
/// # use immich_proto::{assets::AssetChanges, DateTime};
/// let changes = AssetChanges::new()
///     .favorite(true)
///     .rating(4)
///     .date_time_original(DateTime::parse("2024-05-01T12:00:00+02:00").unwrap())
///     .location(48.8584, 2.2945);
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AssetChanges {
    is_favorite: Option<bool>,
    description: Option<String>,
    rating: Option<Option<u8>>,
    visibility: Option<AssetVisibility>,
    date_time_original: Option<DateTime>,
    location: Option<(f64, f64)>,
}

impl AssetChanges {
    /// No changes yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Marks as favourite (`true`) or not.
    pub fn favorite(mut self, is_favorite: bool) -> Self {
        self.is_favorite = Some(is_favorite);
        self
    }

    /// Sets the description (an empty string clears it).
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// Sets the star rating, 1 to 5 (checked when the request is built).
    pub fn rating(mut self, stars: u8) -> Self {
        self.rating = Some(Some(stars));
        self
    }

    /// Removes the rating (needs the server version: `null` from v2.6, `0` before).
    pub fn clear_rating(mut self) -> Self {
        self.rating = Some(None);
        self
    }

    /// Moves to the timeline, the archive, the hidden or the locked folder (needs the server
    /// version; servers before v1.133 only know archive and timeline).
    pub fn visibility(mut self, visibility: AssetVisibility) -> Self {
        self.visibility = Some(visibility);
        self
    }

    /// Sets when the picture was taken. Sent with the offset it was written with: the server
    /// derives the asset's time zone from it.
    pub fn date_time_original(mut self, taken: DateTime) -> Self {
        self.date_time_original = Some(taken);
        self
    }

    /// Sets the GPS position (latitude -90 to 90, longitude -180 to 180).
    pub fn location(mut self, latitude: f64, longitude: f64) -> Self {
        self.location = Some((latitude, longitude));
        self
    }

    /// Whether nothing would change.
    pub fn is_empty(&self) -> bool {
        *self == AssetChanges::default()
    }

    /// The JSON body for `server`, with `ids` first when given.
    pub(crate) fn wire<'a>(
        &'a self,
        server: &Server,
        operation: &'static str,
        ids: Option<Vec<&'a str>>,
    ) -> Result<WireChanges<'a>, Error> {
        if self.is_empty() {
            return Err(Error::invalid_input(
                "asset changes",
                "nothing to change: set at least one field",
            ));
        }
        let mut wire = WireChanges {
            ids,
            is_favorite: self.is_favorite,
            is_archived: None,
            visibility: None,
            description: self.description.as_deref(),
            rating: None,
            date_time_original: self.date_time_original.map(rfc3339_keeping_offset),
            latitude: None,
            longitude: None,
        };
        if let Some(rating) = self.rating {
            wire.rating = Some(match rating {
                Some(stars @ 1..=5) => Some(stars),
                Some(other) => {
                    return Err(Error::invalid_input(
                        "rating",
                        format!(
                            "must be 1 to 5 stars, got {other} (use clear_rating to remove it)"
                        ),
                    ))
                }
                None if server.require_version(operation)?.at_least(2, 6, 0) => None,
                None => Some(0),
            });
        }
        if let Some(visibility) = &self.visibility {
            let version = server.require_version(operation)?;
            if version.at_least(1, 133, 0) {
                wire.visibility = Some(visibility.as_str());
            } else {
                wire.is_archived = Some(archived_before_v1_133(visibility, &version)?);
            }
        }
        if let Some((latitude, longitude)) = self.location {
            if !(-90.0..=90.0).contains(&latitude) || !(-180.0..=180.0).contains(&longitude) {
                return Err(Error::invalid_input(
                    "location",
                    format!("latitude must be -90 to 90 and longitude -180 to 180, got {latitude}, {longitude}"),
                ));
            }
            wire.latitude = Some(latitude);
            wire.longitude = Some(longitude);
        }
        Ok(wire)
    }
}

/// `isArchived` for servers before v1.133, which had no other visibility to set.
pub(crate) fn archived_before_v1_133(
    visibility: &AssetVisibility,
    version: &ServerVersion,
) -> Result<bool, Error> {
    match visibility {
        AssetVisibility::Archive => Ok(true),
        AssetVisibility::Timeline => Ok(false),
        other => Err(Error::invalid_input(
            "visibility",
            format!("`{other}` needs server v1.133 or newer (this one is {version})"),
        )),
    }
}

/// RFC 3339 with the offset the value was written with (`Z` for UTC), milliseconds.
fn rfc3339_keeping_offset(value: DateTime) -> String {
    let offset = i64::from(value.offset_minutes());
    if offset == 0 {
        return value.to_utc_string();
    }
    let local = DateTime::from_unix(value.unix_seconds() + offset * 60, value.nanos());
    let text = local.to_utc_string();
    let stem = text.strip_suffix('Z').unwrap_or(&text);
    let sign = if offset < 0 { '-' } else { '+' };
    let minutes = offset.unsigned_abs();
    format!("{stem}{sign}{:02}:{:02}", minutes / 60, minutes % 60)
}

/// The body of an update, as the server reads it.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct WireChanges<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    ids: Option<Vec<&'a str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    is_favorite: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    is_archived: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    visibility: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<&'a str>,
    /// `Some(None)` is sent as `null`.
    #[serde(skip_serializing_if = "Option::is_none")]
    rating: Option<Option<u8>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    date_time_original: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    latitude: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    longitude: Option<f64>,
}

/// Changes one asset and returns it as it is now.
///
/// ```
/// # use immich_proto::{assets::{AssetChanges, UpdateAsset}, AssetId, Endpoint, Server};
/// let server = Server::new("http://localhost:2283")?;
/// let id = AssetId::parse("7f3c0a52-1b2d-4c3e-9f00-0123456789ab")?;
/// let request = UpdateAsset::new(id, AssetChanges::new().favorite(true).rating(5))
///     .request(&server)?;
/// assert_eq!(request.method(), "PUT");
/// assert_eq!(request.body().as_ref(), br#"{"isFavorite":true,"rating":5}"#);
/// # Ok::<(), immich_proto::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct UpdateAsset {
    /// The asset.
    pub id: AssetId,
    /// What to change.
    pub changes: AssetChanges,
}

impl UpdateAsset {
    /// Applies `changes` to asset `id` (at least one change; checked when the request is built).
    pub fn new(id: AssetId, changes: AssetChanges) -> Self {
        UpdateAsset { id, changes }
    }
}

impl Endpoint for UpdateAsset {
    type Output = Asset;
    const OPERATION_ID: &'static str = "updateAsset";
    const PERMISSION: Option<&'static str> = Some("asset.update");

    fn request(&self, server: &Server) -> Result<Request<Bytes>, Error> {
        let path = self.id.path(server, "/assets", "")?;
        let body = self.changes.wire(server, Self::OPERATION_ID, None)?;
        json_request(server, Method::PUT, &path, None, &body)
    }

    fn parse(&self, _head: &response::Parts, body: Bytes) -> Result<Asset, Error> {
        decode_json(Self::OPERATION_ID, &body)
    }
}
