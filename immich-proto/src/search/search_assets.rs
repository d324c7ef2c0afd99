//! `POST /search/metadata`: `searchAssets`. Permission `asset.read`.
//!
//! Added in v1 (beta), stable since v2. Paged: the answer's `assets.nextPage` is the next page
//! number as a string, or null on the last page. On v3, albums carry no assets, so this is also
//! how the assets of an album are listed (`albumIds`).

use bytes::Bytes;
use http::{response, Method, Request};

use crate::assets::Asset;
use crate::endpoint::{decode_json, json_request};
use crate::error::{excerpt, DecodeError};
use crate::search::{MetadataSearch, SearchPage};
use crate::{Endpoint, Error, Paged, Server};

/// One page of a metadata search; with [`Pager`](crate::Pager), every page.
///
/// ```
/// # use immich_proto::{search::{MetadataSearch, SearchAssets}, Endpoint, Server};
/// let server = Server::new("http://localhost:2283")?;
/// let request = SearchAssets::new(MetadataSearch::favorites()).request(&server)?;
/// assert_eq!(request.uri(), "http://localhost:2283/api/search/metadata");
/// assert_eq!(request.body().as_ref(), br#"{"isFavorite":true,"size":1000}"#);
/// # Ok::<(), immich_proto::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct SearchAssets {
    /// The filters, page and page size.
    pub search: MetadataSearch,
}

impl SearchAssets {
    /// Searches with `search`.
    pub fn new(search: MetadataSearch) -> Self {
        SearchAssets { search }
    }
}

impl Endpoint for SearchAssets {
    type Output = SearchPage;
    const OPERATION_ID: &'static str = "searchAssets";
    const PERMISSION: Option<&'static str> = Some("asset.read");

    fn request(&self, server: &Server) -> Result<Request<Bytes>, Error> {
        self.search.check(server)?;
        json_request(server, Method::POST, "/search/metadata", None, &self.search)
    }

    fn parse(&self, _head: &response::Parts, body: Bytes) -> Result<SearchPage, Error> {
        parse_search_page(Self::OPERATION_ID, self.search.page, &body)
    }
}

impl Paged for SearchAssets {
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

/// Decodes a search answer and checks its `nextPage`: a number after the current page.
pub(crate) fn parse_search_page(
    operation: &'static str,
    current_page: Option<u32>,
    body: &[u8],
) -> Result<SearchPage, Error> {
    let page: SearchPage = decode_json(operation, body)?;
    if let Some(text) = &page.assets.next_page {
        let Some(next) = page.assets.next_page_number() else {
            return Err(Error::Decode(DecodeError {
                operation,
                path: "assets.nextPage".to_owned(),
                message: format!("expected a page number, got {text:?}"),
                excerpt: excerpt(body, 200),
            }));
        };
        let current = current_page.unwrap_or(1);
        if next <= current {
            // Following it would read the same pages again, forever.
            return Err(Error::Paging {
                operation,
                reason: format!("page {current} names page {next} as the next one"),
            });
        }
    }
    Ok(page)
}
