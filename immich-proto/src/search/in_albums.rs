//! A metadata search with `albumIds` that is exact on every release.
//!
//! Servers before v1.135.0 do not know `albumIds` in `POST /search/metadata` and ignore it,
//! answering with the whole library; the gate refuses such a request. This flow gets the same
//! answer another way there: each album's own asset list (`GET /albums/{id}`, which lists the
//! assets on those releases), intersected (the search matches assets in *all* the albums), then
//! the search with the other filters, paged, keeping only those assets in the search's order.
//! From v1.135.0 on it is the plain paged search.

use std::collections::HashSet;

use bytes::Bytes;
use http::Response;

use crate::albums::GetAlbumInfo;
use crate::assets::Asset;
use crate::endpoint::parse_response;
use crate::search::{MetadataSearch, SearchAssets};
use crate::{AssetId, Endpoint, Error, Flow, Pager, Server, ServerVersion, Step};

const OPERATION_ID: &str = "searchAssets";

/// The first release whose metadata search knows `albumIds`.
pub const ALBUM_IDS_SINCE: ServerVersion = ServerVersion::new(1, 135, 0);

/// Every asset a [`MetadataSearch`] matches, exact on every release even with `album_ids`
/// (see the module doc). A [`Flow`]; with the server version unknown it is the plain paged
/// search.
#[derive(Debug)]
pub struct SearchInAlbums {
    search: MetadataSearch,
    limit: Option<usize>,
    state: State,
    /// Index in `search.album_ids` of the album being read (before v1.135.0).
    current: usize,
    /// The assets in every album read so far (before v1.135.0).
    members: Option<HashSet<AssetId>>,
    assets: Vec<Asset>,
}

#[derive(Debug)]
enum State {
    Start,
    /// Waiting for `GET /albums/{album_ids[current]}`.
    AwaitingAlbum,
    /// Paging through the search.
    Searching(Box<Pager<SearchAssets>>),
    Finished,
}

impl SearchInAlbums {
    /// Searches with `search`.
    pub fn new(search: MetadataSearch) -> Self {
        SearchInAlbums {
            search,
            limit: None,
            state: State::Start,
            current: 0,
            members: None,
            assets: Vec::new(),
        }
    }

    /// Stops after `limit` assets.
    pub fn with_limit(mut self, limit: usize) -> Self {
        self.limit = Some(limit);
        self
    }

    fn full(&self) -> bool {
        self.limit.is_some_and(|limit| self.assets.len() >= limit)
    }

    /// The first search request: the whole search from v1.135.0, else without `albumIds`.
    fn start_search(&mut self, server: &Server, direct: bool) -> Result<Step<Vec<Asset>>, Error> {
        let mut search = self.search.clone();
        let mut pager = if direct {
            Pager::new(SearchAssets::new(search))
        } else {
            search.album_ids.clear();
            // Most of the library may be read: the biggest pages.
            search.size = Some(crate::MAX_PAGE_SIZE);
            Pager::new(SearchAssets::new(search))
        };
        if let (Some(limit), true) = (self.limit, direct) {
            pager = pager.with_limit(limit);
        }
        self.next_page(server, Box::new(pager))
    }

    fn next_page(
        &mut self,
        server: &Server,
        mut pager: Box<Pager<SearchAssets>>,
    ) -> Result<Step<Vec<Asset>>, Error> {
        if !self.full() {
            if let Some(request) = pager.next_request(server)? {
                self.state = State::Searching(pager);
                return Ok(Step::Send(request));
            }
        }
        self.state = State::Finished;
        let mut assets = std::mem::take(&mut self.assets);
        if let Some(limit) = self.limit {
            assets.truncate(limit);
        }
        Ok(Step::Done(assets))
    }

    /// The request for the next album, or the search once every album is read.
    fn next_album(&mut self, server: &Server) -> Result<Step<Vec<Asset>>, Error> {
        if self.members.as_ref().is_some_and(HashSet::is_empty) {
            // No asset is in every album: nothing can match.
            self.state = State::Finished;
            return Ok(Step::Done(Vec::new()));
        }
        match self.search.album_ids.get(self.current) {
            Some(album) => {
                let request = GetAlbumInfo::new(album.clone()).request(server)?;
                self.state = State::AwaitingAlbum;
                Ok(Step::Send(request))
            }
            None => self.start_search(server, false),
        }
    }
}

impl Flow for SearchInAlbums {
    type Output = Vec<Asset>;
    const OPERATION_ID: &'static str = OPERATION_ID;

    fn step(
        &mut self,
        server: &Server,
        response: Option<Response<Bytes>>,
    ) -> Result<Step<Vec<Asset>>, Error> {
        match (
            std::mem::replace(&mut self.state, State::Finished),
            response,
        ) {
            (State::Start, None) => {
                self.search.check(server)?;
                // An unknown version: the plain search, as the gate lets it pass.
                let direct = self.search.album_ids.is_empty()
                    || server
                        .version()
                        .is_none_or(|found| found >= ALBUM_IDS_SINCE);
                if direct {
                    return self.start_search(server, true);
                }
                // The rest of the search must be one the release can answer, before anything
                // is sent.
                let mut rest = self.search.clone();
                rest.album_ids.clear();
                let request = SearchAssets::new(rest).request(server)?;
                crate::catalogue::gate(server, OPERATION_ID, &request)?;
                self.next_album(server)
            }
            (State::AwaitingAlbum, Some(response)) => {
                let album = self
                    .search
                    .album_ids
                    .get(self.current)
                    .cloned()
                    .ok_or_else(|| out_of_order(true))?;
                let album = parse_response(&GetAlbumInfo::new(album), response)?;
                let ids: HashSet<AssetId> = album.assets.into_iter().map(|a| a.id).collect();
                self.members = Some(match self.members.take() {
                    Some(members) => members.intersection(&ids).cloned().collect(),
                    None => ids,
                });
                self.current += 1;
                self.next_album(server)
            }
            (State::Searching(mut pager), Some(response)) => {
                let page = pager.handle_response(response)?;
                match &self.members {
                    Some(members) => self
                        .assets
                        .extend(page.into_iter().filter(|a| members.contains(&a.id))),
                    None => self.assets.extend(page),
                }
                self.next_page(server, pager)
            }
            (_, response) => Err(out_of_order(response.is_some())),
        }
    }
}

fn out_of_order(got_response: bool) -> Error {
    let reason = if got_response {
        format!("{OPERATION_ID}: a response arrived when no request was pending")
    } else {
        format!("{OPERATION_ID}: the response to the last request is missing, or the flow is done")
    };
    Error::InvalidInput {
        what: "flow step",
        reason,
    }
}
