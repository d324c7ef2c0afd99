//! `GET /people/{id}`: `getPerson`. Permission `person.read`.
//!
//! Added in v1 (beta), stable since v2.

use bytes::Bytes;
use http::{response, Method, Request};

use crate::endpoint::{decode_json, empty_request};
use crate::people::Person;
use crate::{Endpoint, Error, PersonId, Server};

/// Reads one person.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct GetPerson {
    /// The person.
    pub id: PersonId,
}

impl GetPerson {
    /// Reads person `id`.
    pub fn new(id: PersonId) -> Self {
        GetPerson { id }
    }
}

impl Endpoint for GetPerson {
    type Output = Person;
    const OPERATION_ID: &'static str = "getPerson";
    const PERMISSION: Option<&'static str> = Some("person.read");

    fn request(&self, server: &Server) -> Result<Request<Bytes>, Error> {
        let path = self.id.path(server, "/people", "")?;
        empty_request(server, Method::GET, &path, None)
    }

    fn parse(&self, _head: &response::Parts, body: Bytes) -> Result<Person, Error> {
        decode_json(Self::OPERATION_ID, &body)
    }
}
