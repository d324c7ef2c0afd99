//! `POST /search/metadata`: `searchAssets`. Permission `asset.read`.
//!
//! Added in v1 (beta), stable since v2. Paged: the answer's `assets.nextPage` is the next page
//! number as a string, or null on the last page; a next page that is not after the current one
//! makes the following request an [`Error::Paging`](crate::Error::Paging). On v3, albums carry no assets, so this is also
//! how the assets of an album are listed (`albumIds`).

use bytes::Bytes;
use http::{response, Method, Request};

use crate::assets::Asset;
use crate::endpoint::{decode_json, json_request};
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
    /// Set when the previous page named a next page that does not come after it: asking for
    /// this page is then an error instead of a loop.
    stalled: Option<String>,
}

impl SearchAssets {
    /// Searches with `search`.
    pub fn new(search: MetadataSearch) -> Self {
        SearchAssets {
            search,
            stalled: None,
        }
    }
}

impl Endpoint for SearchAssets {
    type Output = SearchPage;
    const OPERATION_ID: &'static str = "searchAssets";
    const PERMISSION: Option<&'static str> = Some("asset.read");

    fn request(&self, server: &Server) -> Result<Request<Bytes>, Error> {
        refuse_stalled(Self::OPERATION_ID, &self.stalled)?;
        self.search.check(server)?;
        json_request(server, Method::POST, "/search/metadata", None, &self.search)
    }

    fn parse(&self, _head: &response::Parts, body: Bytes) -> Result<SearchPage, Error> {
        decode_json(Self::OPERATION_ID, &body)
    }
}

impl Paged for SearchAssets {
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

/// The page after `current` that `output` announces, and why following it would loop, if it
/// would. `nextPage` is a page number as text on every known server; the v3 document only calls
/// it a token, and since `page` is the only way to ask for more, a token that is not a number
/// means the page after this one.
pub(crate) fn following_page(
    current: Option<u32>,
    output: &SearchPage,
) -> Option<(u32, Option<String>)> {
    let text = output.assets.next_page.as_deref()?;
    let current = current.unwrap_or(1);
    let next = match output.assets.next_page_number() {
        Some(number) => number,
        None => current.checked_add(1)?,
    };
    let stalled =
        (next <= current).then(|| format!("page {current} names page {text:?} as the next one"));
    Some((next, stalled))
}

/// The error for a page that a previous page announced but that would repeat it.
pub(crate) fn refuse_stalled(
    operation: &'static str,
    stalled: &Option<String>,
) -> Result<(), Error> {
    match stalled {
        Some(reason) => Err(Error::Paging {
            operation,
            reason: reason.clone(),
        }),
        None => Ok(()),
    }
}
