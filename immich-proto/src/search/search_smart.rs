//! `POST /search/smart`: `searchSmart`. Permission `asset.read`.
//!
//! Added in v1 (beta), stable since v2. Needs the server's machine learning (CLIP). Paged like
//! [`SearchAssets`](crate::search::SearchAssets), by `assets.nextPage`.

use bytes::Bytes;
use http::{response, Method, Request};

use crate::assets::Asset;
use crate::endpoint::json_request;
use crate::search::search_assets::parse_search_page;
use crate::search::{SearchPage, SmartSearch};
use crate::{Endpoint, Error, Paged, Server};

/// One page of a smart (natural-language) search; with [`Pager`](crate::Pager), every page.
///
/// ```
/// # use immich_proto::{search::{SearchSmart, SmartSearch}, Endpoint, Server};
/// let server = Server::new("http://localhost:2283")?;
/// let search = SmartSearch::new("dog on a beach").not_in_album(true);
/// let request = SearchSmart::new(search).request(&server)?;
/// assert_eq!(
///     request.body().as_ref(),
///     br#"{"query":"dog on a beach","isNotInAlbum":true,"size":100}"#
/// );
/// # Ok::<(), immich_proto::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct SearchSmart {
    /// The query, filters, page and page size.
    pub search: SmartSearch,
}

impl SearchSmart {
    /// Searches with `search`.
    pub fn new(search: SmartSearch) -> Self {
        SearchSmart { search }
    }
}

impl Endpoint for SearchSmart {
    type Output = SearchPage;
    const OPERATION_ID: &'static str = "searchSmart";
    const PERMISSION: Option<&'static str> = Some("asset.read");

    fn request(&self, server: &Server) -> Result<Request<Bytes>, Error> {
        self.search.check(server)?;
        json_request(server, Method::POST, "/search/smart", None, &self.search)
    }

    fn parse(&self, _head: &response::Parts, body: Bytes) -> Result<SearchPage, Error> {
        parse_search_page(Self::OPERATION_ID, self.search.page, &body)
    }
}

impl Paged for SearchSmart {
    type Item = Asset;

    fn next_page(&self, output: &SearchPage) -> Option<Self> {
        let mut next = self.clone();
        next.search.page = Some(output.assets.next_page_number()?);
        Some(next)
    }

    fn into_items(output: SearchPage) -> Vec<Asset> {
        output.assets.items
    }
}
