//! `GET /shared-links`: `getAllSharedLinks`. Permission `sharedLink.read`.
//!
//! History: added in v1 (beta), stable since v2. The `albumId` filter is in the document since
//! v1; the `id` filter arrived in v2.5.0 and is only sent to servers known to have it. Servers
//! drop query parameters they do not know and then answer every link, so the answer is also
//! filtered here: the result is the same on every version.

use bytes::Bytes;
use http::{response, Method, Request};

use super::{SharedLink, SharedLinkType};
use crate::endpoint::{decode_json, empty_request, query_string};
use crate::{AlbumId, Endpoint, Error, Server, SharedLinkId};

/// The first server version that filters shared links by `id` (major, minor, patch).
pub const SHARED_LINK_ID_FILTER_SINCE: (u64, u64, u64) = (2, 5, 0);

/// Lists the caller's shared links, optionally only those of one album or one link id.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GetAllSharedLinks {
    album: Option<AlbumId>,
    id: Option<SharedLinkId>,
}

impl GetAllSharedLinks {
    /// Every shared link of the caller.
    pub fn new() -> Self {
        Self::default()
    }

    /// Only the links of `album`.
    pub fn album(mut self, album: AlbumId) -> Self {
        self.album = Some(album);
        self
    }

    /// Only the link `id` (an empty list when there is none).
    pub fn id(mut self, id: SharedLinkId) -> Self {
        self.id = Some(id);
        self
    }

    fn keeps(&self, link: &SharedLink) -> bool {
        let album_matches = self.album.as_ref().is_none_or(|album| {
            link.link_type != SharedLinkType::Individual
                && link.album.as_ref().is_none_or(|a| a.id == *album)
        });
        album_matches && self.id.as_ref().is_none_or(|id| link.id == *id)
    }
}

impl Endpoint for GetAllSharedLinks {
    type Output = Vec<SharedLink>;
    const OPERATION_ID: &'static str = "getAllSharedLinks";
    const PERMISSION: Option<&'static str> = Some("sharedLink.read");

    fn request(&self, server: &Server) -> Result<Request<Bytes>, Error> {
        let album = match &self.album {
            Some(album) => Some(album.checked(server)?.to_owned()),
            None => None,
        };
        let (major, minor, patch) = SHARED_LINK_ID_FILTER_SINCE;
        let server_filters_ids = server
            .version()
            .is_some_and(|v| v.at_least(major, minor, patch));
        let id = match &self.id {
            Some(id) => {
                let id = id.checked(server)?;
                server_filters_ids.then(|| id.to_owned())
            }
            None => None,
        };
        let query = query_string([("albumId", album), ("id", id)]);
        empty_request(
            server,
            Method::GET,
            "/shared-links",
            Some(query.as_str()).filter(|q| !q.is_empty()),
        )
    }

    fn parse(&self, _head: &response::Parts, body: Bytes) -> Result<Vec<SharedLink>, Error> {
        let mut links: Vec<SharedLink> = decode_json(Self::OPERATION_ID, &body)?;
        links.retain(|link| self.keeps(link));
        Ok(links)
    }
}
