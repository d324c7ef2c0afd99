//! `PUT /albums/{id}/user/{userId}`: `updateAlbumUser`. Permission `albumUser.update`.
//!
//! History: added in v1 (beta), stable since v2; unchanged in v3. Body `{"role": ...}`;
//! answers `204`.

use bytes::Bytes;
use http::{response, Method, Request};
use serde::Serialize;

use super::add_users_to_album::member_role;
use super::AlbumUserRole;
use crate::endpoint::json_request;
use crate::id::check_uuid;
use crate::{AlbumId, Endpoint, Error, Server, UserId};

/// Changes what a member of an album may do (editor or viewer).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpdateAlbumUser {
    album: AlbumId,
    user: UserId,
    role: AlbumUserRole,
}

impl UpdateAlbumUser {
    /// Gives `user` the `role` in `album`. `owner` is refused when the request is built.
    pub fn new(album: AlbumId, user: UserId, role: AlbumUserRole) -> Self {
        UpdateAlbumUser { album, user, role }
    }
}

/// `/albums/{album}/user/{user or me}`. The document gives `userId` no UUID-version pattern
/// (it also takes `me`), so any UUID passes here; the album id follows the usual v4 rule.
pub(super) fn member_path(
    server: &Server,
    album: &AlbumId,
    user: Option<&UserId>,
) -> Result<String, Error> {
    let user = match user {
        None => "me",
        Some(user) => {
            check_uuid(user.as_str(), false).map_err(|reason| Error::InvalidId {
                kind: "user",
                value: user.as_str().chars().take(64).collect(),
                reason,
            })?;
            user.as_str()
        }
    };
    album.path(server, "/albums", &format!("/user/{user}"))
}

#[derive(Serialize)]
struct Body<'a> {
    role: &'a AlbumUserRole,
}

impl Endpoint for UpdateAlbumUser {
    type Output = ();
    const OPERATION_ID: &'static str = "updateAlbumUser";
    const PERMISSION: Option<&'static str> = Some("albumUser.update");

    fn request(&self, server: &Server) -> Result<Request<Bytes>, Error> {
        let path = member_path(server, &self.album, Some(&self.user))?;
        let body = Body {
            role: member_role(&self.role)?,
        };
        json_request(server, Method::PUT, &path, None, &body)
    }

    fn parse(&self, _head: &response::Parts, _body: Bytes) -> Result<(), Error> {
        Ok(())
    }
}
