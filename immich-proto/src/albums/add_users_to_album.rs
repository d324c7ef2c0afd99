//! `PUT /albums/{id}/users`: `addUsersToAlbum`. Permission `albumUser.create`.
//!
//! History: added in v1 (beta), stable since v2; the body `{"albumUsers": [{userId, role}]}`
//! is the same from v1.118 to v3. Answers with the updated album.

use bytes::Bytes;
use http::{response, Method, Request};
use serde::Serialize;

use super::{Album, AlbumUserRole};
use crate::endpoint::{decode_json, json_request};
use crate::{AlbumId, Endpoint, Error, Server, UserId};

/// A user to share an album with, and what they may do (`AlbumUserAddDto`,
/// `AlbumUserCreateDto`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct NewAlbumUser {
    /// Who.
    pub user_id: UserId,
    /// Their role: [`AlbumUserRole::Editor`] or [`AlbumUserRole::Viewer`]; `owner` is refused
    /// when the request is built (an album has one owner, its creator).
    pub role: AlbumUserRole,
}

impl NewAlbumUser {
    /// `user_id` with `role`.
    pub fn new(user_id: UserId, role: AlbumUserRole) -> Self {
        NewAlbumUser { user_id, role }
    }

    /// A member who may add and remove assets.
    pub fn editor(user_id: UserId) -> Self {
        Self::new(user_id, AlbumUserRole::Editor)
    }

    /// A member who may only look.
    pub fn viewer(user_id: UserId) -> Self {
        Self::new(user_id, AlbumUserRole::Viewer)
    }
}

/// One member on the wire.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct WireAlbumUser<'a> {
    user_id: &'a str,
    role: &'a AlbumUserRole,
}

/// Refuses `owner`: the server has no such member role, and would fail on it.
pub(super) fn member_role(role: &AlbumUserRole) -> Result<&AlbumUserRole, Error> {
    if *role == AlbumUserRole::Owner {
        return Err(Error::InvalidInput {
            what: "album user role",
            reason: "`owner` cannot be given: an album has one owner, its creator".to_owned(),
        });
    }
    Ok(role)
}

/// The members checked for `server` (ids, roles).
pub(super) fn wire_users<'a>(
    users: &'a [NewAlbumUser],
    server: &Server,
) -> Result<Vec<WireAlbumUser<'a>>, Error> {
    users
        .iter()
        .map(|user| {
            Ok(WireAlbumUser {
                user_id: user.user_id.checked(server)?,
                role: member_role(&user.role)?,
            })
        })
        .collect()
}

/// Shares an album with more users.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddUsersToAlbum {
    album: AlbumId,
    users: Vec<NewAlbumUser>,
}

impl AddUsersToAlbum {
    /// Shares `album` with `users` (at least one; checked when the request is built).
    pub fn new(album: AlbumId, users: Vec<NewAlbumUser>) -> Self {
        AddUsersToAlbum { album, users }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Body<'a> {
    album_users: Vec<WireAlbumUser<'a>>,
}

impl Endpoint for AddUsersToAlbum {
    type Output = Album;
    const OPERATION_ID: &'static str = "addUsersToAlbum";
    const PERMISSION: Option<&'static str> = Some("albumUser.create");

    fn request(&self, server: &Server) -> Result<Request<Bytes>, Error> {
        if self.users.is_empty() {
            return Err(Error::InvalidInput {
                what: "album users",
                reason: "no users to share the album with".to_owned(),
            });
        }
        let path = self.album.path(server, "/albums", "/users")?;
        let body = Body {
            album_users: wire_users(&self.users, server)?,
        };
        json_request(server, Method::PUT, &path, None, &body)
    }

    fn parse(&self, _head: &response::Parts, body: Bytes) -> Result<Album, Error> {
        decode_json(Self::OPERATION_ID, &body)
    }
}
