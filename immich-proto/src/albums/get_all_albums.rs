//! `GET /albums`: `getAllAlbums`. Permission `album.read`.
//!
//! History: added in v1 (beta), stable since v2. Servers before v3 list either the caller's
//! unshared albums (`?shared=false`) or the shared ones, owned or not (`?shared=true`), so all
//! albums take two requests; v3 removed `shared` and answers every album (owned and shared with
//! the caller) to one plain request. Hence this is a [`Flow`] that needs the server version.

use std::collections::HashSet;

use bytes::Bytes;
use http::{response, Method, Request, Response};

use super::Album;
use crate::endpoint::{decode_json, empty_request, parse_response, query_string};
use crate::{Endpoint, Error, Flow, Server, Step};

const OPERATION_ID: &str = "getAllAlbums";

/// Lists every album the caller can see: owned, and shared with them.
///
/// A [`Flow`]: one request on v3, two on older servers (merged, without duplicates by id, owned
/// unshared albums first). Fails with [`Error::VersionRequired`] while the version is unknown.
#[derive(Debug)]
pub struct GetAllAlbums {
    state: State,
}

#[derive(Debug)]
enum State {
    Start,
    AwaitingAll,
    AwaitingUnshared,
    AwaitingShared(Vec<Album>),
    Finished,
}

impl GetAllAlbums {
    /// The operation (it takes no arguments).
    pub fn new() -> Self {
        GetAllAlbums {
            state: State::Start,
        }
    }
}

impl Default for GetAllAlbums {
    fn default() -> Self {
        Self::new()
    }
}

impl Flow for GetAllAlbums {
    type Output = Vec<Album>;
    const OPERATION_ID: &'static str = OPERATION_ID;

    fn step(
        &mut self,
        server: &Server,
        response: Option<Response<Bytes>>,
    ) -> Result<Step<Vec<Album>>, Error> {
        match (
            std::mem::replace(&mut self.state, State::Finished),
            response,
        ) {
            (State::Start, None) => {
                // Stay at the start when the version is missing, so the caller can set it and retry.
                let version = server.require_version(OPERATION_ID).inspect_err(|_| {
                    self.state = State::Start;
                })?;
                let (page, next) = if version.is_v3_or_newer() {
                    (ListAlbums { shared: None }, State::AwaitingAll)
                } else {
                    (
                        ListAlbums {
                            shared: Some(false),
                        },
                        State::AwaitingUnshared,
                    )
                };
                let request = page.request(server)?;
                self.state = next;
                Ok(Step::Send(request))
            }
            (State::AwaitingAll, Some(response)) => {
                let albums = parse_response(&ListAlbums { shared: None }, response)?;
                Ok(Step::Done(albums))
            }
            (State::AwaitingUnshared, Some(response)) => {
                let unshared = parse_response(
                    &ListAlbums {
                        shared: Some(false),
                    },
                    response,
                )?;
                let request = ListAlbums { shared: Some(true) }.request(server)?;
                self.state = State::AwaitingShared(unshared);
                Ok(Step::Send(request))
            }
            (State::AwaitingShared(mut albums), Some(response)) => {
                let shared = parse_response(&ListAlbums { shared: Some(true) }, response)?;
                let mut seen: HashSet<_> = albums.iter().map(|a| a.id.clone()).collect();
                albums.extend(
                    shared
                        .into_iter()
                        .filter(|album| seen.insert(album.id.clone())),
                );
                Ok(Step::Done(albums))
            }
            (_, response) => Err(super::out_of_order(OPERATION_ID, response.is_some())),
        }
    }
}

/// One `GET /albums` request.
#[derive(Debug, Clone, Copy)]
struct ListAlbums {
    shared: Option<bool>,
}

impl Endpoint for ListAlbums {
    type Output = Vec<Album>;
    const OPERATION_ID: &'static str = OPERATION_ID;
    const PERMISSION: Option<&'static str> = Some("album.read");

    fn request(&self, server: &Server) -> Result<Request<Bytes>, Error> {
        let query = self
            .shared
            .map(|shared| query_string([("shared", Some(shared.to_string()))]));
        empty_request(server, Method::GET, "/albums", query.as_deref())
    }

    fn parse(&self, _head: &response::Parts, body: Bytes) -> Result<Vec<Album>, Error> {
        decode_json(Self::OPERATION_ID, &body)
    }
}
