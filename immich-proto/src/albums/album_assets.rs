//! The assets of some albums: `getAlbumInfo` per album before v3, `searchAssets` on v3.
//!
//! Permission `album.read` before v3 (`GET /albums/{id}`), `asset.read` on v3
//! (`POST /search/metadata`). Servers before v3 list an album's assets in `GET /albums/{id}`;
//! v3 albums carry none, so the assets come from the metadata search with `albumIds`, paged.
//! The search returns the assets that are in *all* the given albums, so this flow searches one
//! album at a time to get the assets that are in *any* of them, as the per-album reads do.

use std::collections::HashSet;

use bytes::Bytes;
use http::Response;

use crate::assets::Asset;
use crate::endpoint::parse_response;
use crate::search::{MetadataSearch, SearchAssets};
use crate::{AlbumId, AssetId, Endpoint, Error, Flow, Pager, Server, Step, MAX_PAGE_SIZE};

use super::GetAlbumInfo;

const OPERATION_ID: &str = "albumAssets";

/// Collects the assets of the given albums, each asset once (first album first).
///
/// A [`Flow`] that needs the server version ([`Error::VersionRequired`] otherwise). Every album
/// id is checked before the first request; an empty list is done without any request.
#[derive(Debug)]
pub struct AlbumAssets {
    albums: Vec<AlbumId>,
    /// Index in `albums` of the album being read.
    current: usize,
    /// Search page size on v3 (`None`: the search's default, the largest allowed).
    page_size: Option<u32>,
    state: State,
    seen: HashSet<AssetId>,
    assets: Vec<Asset>,
}

#[derive(Debug)]
enum State {
    Start,
    /// Waiting for `GET /albums/{albums[current]}` (before v3).
    AwaitingAlbum,
    /// Paging through the search for `albums[current]` (v3).
    Searching(Box<Pager<SearchAssets>>),
    Finished,
}

impl AlbumAssets {
    /// The assets of `albums` (repeated album ids are read once).
    pub fn new(albums: Vec<AlbumId>) -> Self {
        let mut unique = HashSet::new();
        let albums = albums
            .into_iter()
            .filter(|id| unique.insert(id.clone()))
            .collect();
        AlbumAssets {
            albums,
            current: 0,
            page_size: None,
            state: State::Start,
            seen: HashSet::new(),
            assets: Vec::new(),
        }
    }

    /// Assets per search page on v3, 1 to [`MAX_PAGE_SIZE`] (checked at the first step).
    /// Servers before v3 read whole albums and ignore it.
    pub fn page_size(mut self, size: u32) -> Self {
        self.page_size = Some(size);
        self
    }

    fn collect(&mut self, assets: Vec<Asset>) {
        for asset in assets {
            if self.seen.insert(asset.id.clone()) {
                self.assets.push(asset);
            }
        }
    }

    /// The request for the album at `current` or a later one, or the result when none is left.
    fn next_album(&mut self, server: &Server, v3: bool) -> Result<Step<Vec<Asset>>, Error> {
        while let Some(album) = self.albums.get(self.current) {
            if !v3 {
                let request = GetAlbumInfo::new(album.clone()).request(server)?;
                self.state = State::AwaitingAlbum;
                return Ok(Step::Send(request));
            }
            let mut search = MetadataSearch::by_albums(vec![album.clone()]);
            if self.page_size.is_some() {
                search.size = self.page_size;
            }
            let mut pager = Pager::new(SearchAssets::new(search));
            if let Some(request) = pager.next_request(server)? {
                self.state = State::Searching(Box::new(pager));
                return Ok(Step::Send(request));
            }
            self.current += 1;
        }
        self.state = State::Finished;
        Ok(Step::Done(std::mem::take(&mut self.assets)))
    }
}

impl Flow for AlbumAssets {
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
                let version = server.require_version(OPERATION_ID).inspect_err(|_| {
                    self.state = State::Start;
                })?;
                if let Some(size) = self.page_size.filter(|s| !(1..=MAX_PAGE_SIZE).contains(s)) {
                    return Err(Error::InvalidInput {
                        what: "page size",
                        reason: format!("{size} is not between 1 and {MAX_PAGE_SIZE}"),
                    });
                }
                for album in &self.albums {
                    album.checked(server)?;
                }
                self.next_album(server, version.is_v3_or_newer())
            }
            (State::AwaitingAlbum, Some(response)) => {
                let album = self
                    .albums
                    .get(self.current)
                    .cloned()
                    .ok_or_else(|| super::out_of_order(OPERATION_ID, true))?;
                let album = parse_response(&GetAlbumInfo::new(album), response)?;
                self.collect(album.assets);
                self.current += 1;
                self.next_album(server, false)
            }
            (State::Searching(mut pager), Some(response)) => {
                let page = pager.handle_response(response)?;
                self.collect(page);
                if let Some(request) = pager.next_request(server)? {
                    self.state = State::Searching(pager);
                    return Ok(Step::Send(request));
                }
                self.current += 1;
                self.next_album(server, true)
            }
            (_, response) => Err(super::out_of_order(OPERATION_ID, response.is_some())),
        }
    }
}
