//! `POST /search/smart`: `searchSmart`. Permission `asset.read`.
//!
//! Added in v1 (beta), stable since v2. Needs the server's machine learning (CLIP). Paged like
//! [`SearchAssets`](crate::search::SearchAssets), by `assets.nextPage`.

use bytes::Bytes;
use http::{response, Method, Request};

use crate::assets::Asset;
use crate::endpoint::{decode_json, json_request};
use crate::search::search_assets::{following_page, refuse_stalled};
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
    /// Set when the previous page named a next page that does not come after it.
    stalled: Option<String>,
}

impl SearchSmart {
    /// Searches with `search`.
    pub fn new(search: SmartSearch) -> Self {
        SearchSmart {
            search,
            stalled: None,
        }
    }
}

impl Endpoint for SearchSmart {
    type Output = SearchPage;
    const OPERATION_ID: &'static str = "searchSmart";
    const PERMISSION: Option<&'static str> = Some("asset.read");

    fn request(&self, server: &Server) -> Result<Request<Bytes>, Error> {
        refuse_stalled(Self::OPERATION_ID, &self.stalled)?;
        self.search.check(server)?;
        json_request(server, Method::POST, "/search/smart", None, &self.search)
    }

    fn parse(&self, _head: &response::Parts, body: Bytes) -> Result<SearchPage, Error> {
        decode_json(Self::OPERATION_ID, &body)
    }
}

impl Paged for SearchSmart {
    type Item = Asset;

    fn next_page(&self, output: &SearchPage) -> Option<Self> {
        let (page, stalled) = following_page(self.search.page, output)?;
        let mut next = self.clone();
        next.search.page = Some(page);
        next.stalled = stalled;
        Some(next)
    }

    fn into_items(output: SearchPage) -> Vec<Asset> {
        output.assets.items
    }
}
