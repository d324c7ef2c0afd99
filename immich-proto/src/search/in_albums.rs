//! Asset searches with `albumIds` that are exact on every release.
//!
//! Servers before v1.135.0 do not know `albumIds` in `POST /search/metadata` or
//! `POST /search/smart` and ignore it, answering with the whole library; the gate refuses such
//! a request. These flows get the same answer another way there: each album's own asset list
//! (`GET /albums/{id}`, which lists the assets on those releases), intersected (the search
//! matches assets in *all* the albums), then the search with the other filters, paged, keeping
//! only those assets in the search's order (a smart search's relevance order too). From
//! v1.135.0 on it is the plain paged search.

use std::collections::HashSet;
use std::fmt;

use bytes::Bytes;
use http::Response;

use crate::albums::GetAlbumInfo;
use crate::assets::Asset;
use crate::endpoint::parse_response;
use crate::search::{MetadataSearch, SearchAssets, SearchSmart, SmartSearch};
use crate::{AlbumId, AssetId, Endpoint, Error, Flow, Paged, Pager, Server, ServerVersion, Step};

/// The first release whose metadata and smart searches know `albumIds`.
pub const ALBUM_IDS_SINCE: ServerVersion = ServerVersion::new(1, 135, 0);

/// A paged asset search with an album filter, which [`InAlbums`] makes exact on every release:
/// [`SearchAssets`] and [`SearchSmart`].
pub trait AlbumFiltered: Paged<Item = Asset> + Clone + fmt::Debug {
    /// The albums every result must be in.
    fn album_ids(&self) -> &[AlbumId];
    /// The same search without the album filter, in pages of `size`.
    fn without_albums(&self, size: u32) -> Self;
    /// How many results to read when the caller sets no limit: `None` for every match (a
    /// metadata search); for a smart search, which ranks the whole library, the first page (and
    /// where the albums filter the pages here, as many best matches as a page holds).
    fn first_page(&self) -> Option<usize>;
    /// Checks the search before anything is sent (ids, paging).
    fn check(&self, server: &Server) -> Result<(), Error>;
}

impl AlbumFiltered for SearchAssets {
    fn album_ids(&self) -> &[AlbumId] {
        &self.search.album_ids
    }
    fn without_albums(&self, size: u32) -> Self {
        let mut search = self.search.clone();
        search.album_ids.clear();
        search.size = Some(size);
        SearchAssets::new(search)
    }
    fn first_page(&self) -> Option<usize> {
        None
    }
    fn check(&self, server: &Server) -> Result<(), Error> {
        self.search.check(server)
    }
}

impl AlbumFiltered for SearchSmart {
    fn album_ids(&self) -> &[AlbumId] {
        &self.search.album_ids
    }
    fn without_albums(&self, size: u32) -> Self {
        let mut search = self.search.clone();
        search.album_ids.clear();
        search.size = Some(size);
        SearchSmart::new(search)
    }
    fn first_page(&self) -> Option<usize> {
        Some(self.search.size.map_or(100, |size| size as usize))
    }
    fn check(&self, server: &Server) -> Result<(), Error> {
        self.search.check(server)
    }
}

/// Every asset a metadata search matches, exact on every release even with `album_ids` (see
/// the module doc). A [`Flow`]; with the server version unknown it is the plain paged search.
pub type SearchInAlbums = InAlbums<SearchAssets>;

/// The best matches of a smart search, exact on every release even with `album_ids`: in
/// relevance order, the first page (as many matches as a page holds, 100 unless set, where
/// the albums filter the pages here), or [`with_limit`](InAlbums::with_limit) matches. A
/// [`Flow`].
pub type SmartInAlbums = InAlbums<SearchSmart>;

/// A search made exact on every release (see the module doc): [`SearchInAlbums`],
/// [`SmartInAlbums`].
#[derive(Debug)]
pub struct InAlbums<P: AlbumFiltered> {
    search: P,
    limit: Option<usize>,
    /// No limit set and the search reads only its first page ([`AlbumFiltered::first_page`]).
    first_page: Option<usize>,
    /// Stop after the first page.
    single_page: bool,
    state: State<P>,
    /// Index in the album ids of the album being read (before v1.135.0).
    current: usize,
    /// The assets in every album read so far (before v1.135.0).
    members: Option<HashSet<AssetId>>,
    assets: Vec<Asset>,
}

#[derive(Debug)]
enum State<P: AlbumFiltered> {
    Start,
    /// Waiting for `GET /albums/{album_ids[current]}`.
    AwaitingAlbum,
    /// Paging through the search.
    Searching(Box<Pager<P>>),
    Finished,
}

impl InAlbums<SearchAssets> {
    /// Searches with `search`.
    pub fn new(search: MetadataSearch) -> Self {
        InAlbums::of(SearchAssets::new(search))
    }
}

impl InAlbums<SearchSmart> {
    /// Searches with `search`.
    pub fn new(search: SmartSearch) -> Self {
        InAlbums::of(SearchSmart::new(search))
    }
}

impl<P: AlbumFiltered> InAlbums<P> {
    /// Runs `search` (its first page).
    pub fn of(search: P) -> Self {
        let first_page = search.first_page();
        InAlbums {
            search,
            limit: None,
            first_page,
            single_page: false,
            state: State::Start,
            current: 0,
            members: None,
            assets: Vec::new(),
        }
    }

    /// Stops after `limit` assets.
    pub fn with_limit(mut self, limit: usize) -> Self {
        self.limit = Some(limit);
        self.first_page = None;
        self
    }

    fn full(&self) -> bool {
        self.limit.is_some_and(|limit| self.assets.len() >= limit)
    }

    /// The first search request: the whole search when the release knows `albumIds`, else
    /// without it.
    fn start_search(&mut self, server: &Server, direct: bool) -> Result<Step<Vec<Asset>>, Error> {
        if let Some(page) = self.first_page {
            if direct {
                // One page, whatever the server's page holds.
                self.single_page = true;
                return self.next_page(server, Box::new(Pager::new(self.search.clone())));
            }
            // Filtered here: as many matches as the page would hold.
            self.limit = Some(page);
        }
        let mut pager = if direct {
            Pager::new(self.search.clone())
        } else {
            // Most of the library may be read: the biggest pages.
            Pager::new(self.search.without_albums(crate::MAX_PAGE_SIZE))
        };
        if let (Some(limit), true) = (self.limit, direct) {
            pager = pager.with_limit(limit);
        }
        self.next_page(server, Box::new(pager))
    }

    fn next_page(
        &mut self,
        server: &Server,
        mut pager: Box<Pager<P>>,
    ) -> Result<Step<Vec<Asset>>, Error> {
        let first_page_read = self.single_page && pager.pages() > 0;
        if !self.full() && !first_page_read {
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
        match self.search.album_ids().get(self.current) {
            Some(album) => {
                let request = GetAlbumInfo::new(album.clone()).request(server)?;
                self.state = State::AwaitingAlbum;
                Ok(Step::Send(request))
            }
            None => self.start_search(server, false),
        }
    }
}

impl<P: AlbumFiltered> Flow for InAlbums<P> {
    type Output = Vec<Asset>;
    const OPERATION_ID: &'static str = P::OPERATION_ID;

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
                let direct = self.search.album_ids().is_empty()
                    || server.version().is_none_or(|found| {
                        crate::catalogue::has_item(P::OPERATION_ID, "field:albumIds", &found)
                    });
                if direct {
                    return self.start_search(server, true);
                }
                // The rest of the search must be one the release can answer, before anything
                // is sent.
                let rest = self.search.without_albums(crate::MAX_PAGE_SIZE);
                let request = rest.request(server)?;
                crate::catalogue::gate(server, P::OPERATION_ID, &request)?;
                self.next_album(server)
            }
            (State::AwaitingAlbum, Some(response)) => {
                let album = self
                    .search
                    .album_ids()
                    .get(self.current)
                    .cloned()
                    .ok_or_else(|| out_of_order(P::OPERATION_ID, true))?;
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
            (_, response) => Err(out_of_order(P::OPERATION_ID, response.is_some())),
        }
    }
}

fn out_of_order(operation: &str, got_response: bool) -> Error {
    let reason = if got_response {
        format!("{operation}: a response arrived when no request was pending")
    } else {
        format!("{operation}: the response to the last request is missing, or the flow is done")
    };
    Error::InvalidInput {
        what: "flow step",
        reason,
    }
}
