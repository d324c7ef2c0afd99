//! `PATCH /albums/{id}`: `updateAlbumInfo`. Permission `album.update`.
//!
//! History: added in v1 (beta), stable since v2; the same body from v1.118 to v3. Only the
//! fields set are sent, so the others keep their values. Answers with the updated album.

use bytes::Bytes;
use http::{response, Method, Request};
use serde::Serialize;

use super::Album;
use crate::assets::AssetOrder;
use crate::endpoint::{decode_json, json_request};
use crate::{AlbumId, AssetId, Endpoint, Error, Server};

/// Changes an album's name, description, sort order, cover or activity setting.
///
/// ```
/// use immich_proto::albums::UpdateAlbumInfo;
/// use immich_proto::assets::AssetOrder;
/// # let album = immich_proto::AlbumId::parse("a1b00000-0000-4000-8000-000000000001").unwrap();
/// let rename = UpdateAlbumInfo::new(album).name("Summer 2025").order(AssetOrder::Asc);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpdateAlbumInfo {
    album: AlbumId,
    name: Option<String>,
    description: Option<String>,
    thumbnail: Option<AssetId>,
    activity_enabled: Option<bool>,
    order: Option<AssetOrder>,
}

impl UpdateAlbumInfo {
    /// Changes `album`; set at least one field (a request that changes nothing is refused).
    pub fn new(album: AlbumId) -> Self {
        UpdateAlbumInfo {
            album,
            name: None,
            description: None,
            thumbnail: None,
            activity_enabled: None,
            order: None,
        }
    }

    /// A new name.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// A new description (`""` clears it).
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// The asset shown as the album's cover.
    pub fn thumbnail(mut self, asset: AssetId) -> Self {
        self.thumbnail = Some(asset);
        self
    }

    /// Turns comments and likes on or off.
    pub fn activity_enabled(mut self, enabled: bool) -> Self {
        self.activity_enabled = Some(enabled);
        self
    }

    /// The order the album shows its assets in.
    pub fn order(mut self, order: AssetOrder) -> Self {
        self.order = Some(order);
        self
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Body<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    album_name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    album_thumbnail_asset_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    is_activity_enabled: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    order: Option<&'a AssetOrder>,
}

impl Endpoint for UpdateAlbumInfo {
    type Output = Album;
    const OPERATION_ID: &'static str = "updateAlbumInfo";
    const PERMISSION: Option<&'static str> = Some("album.update");

    fn request(&self, server: &Server) -> Result<Request<Bytes>, Error> {
        let path = self.album.path(server, "/albums", "")?;
        let body = Body {
            album_name: self.name.as_deref(),
            description: self.description.as_deref(),
            album_thumbnail_asset_id: self
                .thumbnail
                .as_ref()
                .map(|id| id.checked(server))
                .transpose()?,
            is_activity_enabled: self.activity_enabled,
            order: self.order.as_ref(),
        };
        if body.album_name.is_none()
            && body.description.is_none()
            && body.album_thumbnail_asset_id.is_none()
            && body.is_activity_enabled.is_none()
            && body.order.is_none()
        {
            return Err(Error::InvalidInput {
                what: "album update",
                reason: "nothing to change: set a name, description, cover, order or activity"
                    .to_owned(),
            });
        }
        json_request(server, Method::PATCH, &path, None, &body)
    }

    fn parse(&self, _head: &response::Parts, body: Bytes) -> Result<Album, Error> {
        decode_json(Self::OPERATION_ID, &body)
    }
}
