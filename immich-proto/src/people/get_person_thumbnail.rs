//! `GET /people/{id}/thumbnail`: `getPersonThumbnail`. Permission `person.read`.
//!
//! Added in v1 (beta), stable since v2. Answers the face crop as an image (JPEG).

use bytes::Bytes;
use http::Request;

use crate::assets::view_asset::media_get;
use crate::{Error, MediaEndpoint, PersonId, Server};

/// Fetches a person's face thumbnail as a byte stream.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct GetPersonThumbnail {
    /// The person.
    pub id: PersonId,
}

impl GetPersonThumbnail {
    /// The thumbnail of person `id`.
    pub fn new(id: PersonId) -> Self {
        GetPersonThumbnail { id }
    }
}

impl MediaEndpoint for GetPersonThumbnail {
    const OPERATION_ID: &'static str = "getPersonThumbnail";
    const PERMISSION: Option<&'static str> = Some("person.read");

    fn request(&self, server: &Server) -> Result<Request<Bytes>, Error> {
        let path = self.id.path(server, "/people", "/thumbnail")?;
        media_get(server, &path, None)
    }
}
