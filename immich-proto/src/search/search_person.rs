//! `GET /search/person`: `searchPerson`. Permission `person.read`.
//!
//! Added in v1 (beta), stable since v2. The server matches names by prefix of any word; use
//! [`filter_people_by_name`](crate::people::filter_people_by_name) for substring matching.

use bytes::Bytes;
use http::{response, Method, Request};

use crate::endpoint::{decode_json, empty_request, query_string};
use crate::people::Person;
use crate::{Endpoint, Error, Server};

/// Finds people by name.
///
/// ```
/// # use immich_proto::{search::SearchPerson, Endpoint, Server};
/// let server = Server::new("http://localhost:2283")?;
/// let request = SearchPerson::new("Ann Marie").request(&server)?;
/// assert_eq!(request.uri(), "http://localhost:2283/api/search/person?name=Ann%20Marie");
/// # Ok::<(), immich_proto::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SearchPerson {
    /// The name to look for.
    pub name: String,
    /// Whether hidden people match too (`None`: the server's default, no).
    pub with_hidden: Option<bool>,
}

impl SearchPerson {
    /// People called `name`.
    pub fn new(name: impl Into<String>) -> Self {
        SearchPerson {
            name: name.into(),
            with_hidden: None,
        }
    }

    /// Lets hidden people match too (or not).
    pub fn with_hidden(mut self, with_hidden: bool) -> Self {
        self.with_hidden = Some(with_hidden);
        self
    }
}

impl Endpoint for SearchPerson {
    type Output = Vec<Person>;
    const OPERATION_ID: &'static str = "searchPerson";
    const PERMISSION: Option<&'static str> = Some("person.read");

    fn request(&self, server: &Server) -> Result<Request<Bytes>, Error> {
        let query = query_string([
            ("name", Some(self.name.clone())),
            ("withHidden", self.with_hidden.map(|h| h.to_string())),
        ]);
        empty_request(server, Method::GET, "/search/person", Some(&query))
    }

    fn parse(&self, _head: &response::Parts, body: Bytes) -> Result<Vec<Person>, Error> {
        decode_json(Self::OPERATION_ID, &body)
    }
}
