//! `GET /people?page=1&size=1`: `getAllPeople`, read for its `total`. Permission `person.read`.
//!
//! Works on every supported version: `total` has always been part of the answer.

use bytes::Bytes;
use http::{response, Method, Request};

use crate::endpoint::{decode_json, empty_request, query_string};
use crate::{Endpoint, Error, Server};

/// Counts people with a one-person page (the answer's `total`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct PeopleCount {
    /// Whether hidden people are counted (`None`: the server's default).
    pub with_hidden: Option<bool>,
}

impl PeopleCount {
    /// Counts people as the server does by default.
    pub fn new() -> Self {
        PeopleCount::default()
    }

    /// Asks the server to count hidden people too (or not).
    pub fn with_hidden(mut self, with_hidden: bool) -> Self {
        self.with_hidden = Some(with_hidden);
        self
    }
}

impl Endpoint for PeopleCount {
    type Output = u64;
    const OPERATION_ID: &'static str = "getAllPeople";
    const PERMISSION: Option<&'static str> = Some("person.read");

    fn request(&self, server: &Server) -> Result<Request<Bytes>, Error> {
        let query = query_string([
            ("page", Some("1".to_owned())),
            ("size", Some("1".to_owned())),
            ("withHidden", self.with_hidden.map(|h| h.to_string())),
        ]);
        empty_request(server, Method::GET, "/people", Some(&query))
    }

    fn parse(&self, _head: &response::Parts, body: Bytes) -> Result<u64, Error> {
        #[derive(serde::Deserialize)]
        struct Total {
            total: u64,
        }
        decode_json::<Total>(Self::OPERATION_ID, &body).map(|t| t.total)
    }
}
