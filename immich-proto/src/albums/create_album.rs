//! `POST /albums`: `createAlbum`. Permission `album.create`.
//!
//! History: added in v1 (beta), stable since v2; the same body (`albumName`, `description`,
//! `assetIds`, `albumUsers` with roles) from v1.118 to v3. Answers `201` with the new album.

use bytes::Bytes;
use http::{response, Method, Request};
use serde::Serialize;

use super::add_users_to_album::{wire_users, NewAlbumUser, WireAlbumUser};
use super::Album;
use crate::endpoint::{decode_json, json_request};
use crate::{AssetId, Endpoint, Error, Server};

/// Creates an album, optionally with assets and members.
///
/// ```
/// use immich_proto::albums::{CreateAlbum, NewAlbumUser};
/// # use immich_proto::{AssetId, UserId};
/// # let photo = AssetId::parse("a55e7000-0000-4000-8000-000000000001").unwrap();
/// # let bob = UserId::parse("05e70000-0000-4000-8000-000000000002").unwrap();
/// let create = CreateAlbum::new("Summer 2025")
///     .description("Trip to the sea")
///     .assets(vec![photo])
///     .user(NewAlbumUser::viewer(bob));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreateAlbum {
    name: String,
    description: Option<String>,
    assets: Vec<AssetId>,
    users: Vec<NewAlbumUser>,
}

impl CreateAlbum {
    /// An album called `name`, empty and not shared until the setters below say otherwise.
    pub fn new(name: impl Into<String>) -> Self {
        CreateAlbum {
            name: name.into(),
            description: None,
            assets: Vec::new(),
            users: Vec::new(),
        }
    }

    /// Its description.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// Assets to put in it (ids are checked when the request is built).
    pub fn assets(mut self, assets: Vec<AssetId>) -> Self {
        self.assets = assets;
        self
    }

    /// Shares it with one more user, as editor or viewer.
    pub fn user(mut self, user: NewAlbumUser) -> Self {
        self.users.push(user);
        self
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Body<'a> {
    album_name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<&'a str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    asset_ids: Vec<&'a str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    album_users: Vec<WireAlbumUser<'a>>,
}

impl Endpoint for CreateAlbum {
    type Output = Album;
    const OPERATION_ID: &'static str = "createAlbum";
    const PERMISSION: Option<&'static str> = Some("album.create");

    fn request(&self, server: &Server) -> Result<Request<Bytes>, Error> {
        let body = Body {
            album_name: &self.name,
            description: self.description.as_deref(),
            asset_ids: self
                .assets
                .iter()
                .map(|id| id.checked(server))
                .collect::<Result<_, _>>()?,
            album_users: wire_users(&self.users, server)?,
        };
        json_request(server, Method::POST, "/albums", None, &body)
    }

    fn parse(&self, _head: &response::Parts, body: Bytes) -> Result<Album, Error> {
        decode_json(Self::OPERATION_ID, &body)
    }
}
