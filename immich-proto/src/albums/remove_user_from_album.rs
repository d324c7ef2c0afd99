//! `DELETE /albums/{id}/user/{userId}`: `removeUserFromAlbum`. Permission `albumUser.delete`.
//!
//! History: added in v1 (beta), stable since v2; unchanged in v3. `userId` may be `me`: a
//! member leaves an album shared with them ([`RemoveUserFromAlbum::leave`]). Answers `204`.

use bytes::Bytes;
use http::{response, Method, Request};

use super::update_album_user::member_path;
use crate::endpoint::empty_request;
use crate::{AlbumId, Endpoint, Error, Server, UserId};

/// Stops sharing an album with a user, or leaves an album shared with the caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoveUserFromAlbum {
    album: AlbumId,
    /// `None`: the caller (`me`).
    user: Option<UserId>,
}

impl RemoveUserFromAlbum {
    /// Removes `user` from `album` (ids checked when the request is built).
    pub fn new(album: AlbumId, user: UserId) -> Self {
        RemoveUserFromAlbum {
            album,
            user: Some(user),
        }
    }

    /// The caller leaves `album`, which another user shared with them.
    pub fn leave(album: AlbumId) -> Self {
        RemoveUserFromAlbum { album, user: None }
    }
}

impl Endpoint for RemoveUserFromAlbum {
    type Output = ();
    const OPERATION_ID: &'static str = "removeUserFromAlbum";
    const PERMISSION: Option<&'static str> = Some("albumUser.delete");

    fn request(&self, server: &Server) -> Result<Request<Bytes>, Error> {
        let path = member_path(server, &self.album, self.user.as_ref())?;
        empty_request(server, Method::DELETE, &path, None)
    }

    fn parse(&self, _head: &response::Parts, _body: Bytes) -> Result<(), Error> {
        Ok(())
    }
}
