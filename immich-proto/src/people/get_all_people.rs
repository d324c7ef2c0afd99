//! `GET /people`: `getAllPeople`. Permission `person.read`.
//!
//! Added in v1 (beta), stable since v2. Paged by `page` and `size` (at most 1000); v1.110
//! added `hasNextPage`. Older servers do not send it: a short page is then the last one.

use bytes::Bytes;
use http::{response, Method, Request};

use crate::endpoint::{decode_json, empty_request, query_string};
use crate::people::PeoplePage;
use crate::people::Person;
use crate::{Endpoint, Error, Paged, Server, MAX_PAGE_SIZE};

/// One page of the people list; with [`Pager`](crate::Pager), every page.
///
/// Unnamed people (face clusters nobody has named) are left out unless
/// [`include_unnamed`](Self::include_unnamed) is set.
///
/// ```
/// # use immich_proto::{people::GetAllPeople, Endpoint, Server};
/// let server = Server::new("http://localhost:2283")?;
/// let request = GetAllPeople::new().size(200)?.with_hidden(true).request(&server)?;
/// assert_eq!(request.uri(), "http://localhost:2283/api/people?page=1&size=200&withHidden=true");
/// # Ok::<(), immich_proto::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct GetAllPeople {
    /// The page to read, from 1.
    pub page: u32,
    /// People per page, 1 to [`MAX_PAGE_SIZE`].
    pub size: u32,
    /// Whether to list hidden people too (`None`: the server's default, no).
    pub with_hidden: Option<bool>,
    /// Whether to keep people without a name in the output.
    pub include_unnamed: bool,
}

impl Default for GetAllPeople {
    fn default() -> Self {
        GetAllPeople::new()
    }
}

impl GetAllPeople {
    /// The first page of named people, [`MAX_PAGE_SIZE`] per page.
    pub fn new() -> Self {
        GetAllPeople {
            page: 1,
            size: MAX_PAGE_SIZE,
            with_hidden: None,
            include_unnamed: false,
        }
    }

    /// Sets the page size; more than [`MAX_PAGE_SIZE`] or zero is refused.
    pub fn size(mut self, size: u32) -> Result<Self, Error> {
        check_page_size(size)?;
        self.size = size;
        Ok(self)
    }

    /// Starts at another page (from 1).
    pub fn page(mut self, page: u32) -> Result<Self, Error> {
        if page == 0 {
            return Err(Error::InvalidInput {
                what: "page",
                reason: "pages are numbered from 1".to_owned(),
            });
        }
        self.page = page;
        Ok(self)
    }

    /// Lists hidden people too.
    pub fn with_hidden(mut self, with_hidden: bool) -> Self {
        self.with_hidden = Some(with_hidden);
        self
    }

    /// Keeps people without a name (they are dropped by default).
    pub fn include_unnamed(mut self, include_unnamed: bool) -> Self {
        self.include_unnamed = include_unnamed;
        self
    }
}

/// Refuses a page size the v3 server would reject.
pub(crate) fn check_page_size(size: u32) -> Result<(), Error> {
    if size == 0 || size > MAX_PAGE_SIZE {
        return Err(Error::InvalidInput {
            what: "page size",
            reason: format!("{size} is outside 1..={MAX_PAGE_SIZE}"),
        });
    }
    Ok(())
}

impl Endpoint for GetAllPeople {
    type Output = PeoplePage;
    const OPERATION_ID: &'static str = "getAllPeople";
    const PERMISSION: Option<&'static str> = Some("person.read");

    fn request(&self, server: &Server) -> Result<Request<Bytes>, Error> {
        check_page_size(self.size)?;
        let query = query_string([
            ("page", Some(self.page.max(1).to_string())),
            ("size", Some(self.size.to_string())),
            ("withHidden", self.with_hidden.map(|h| h.to_string())),
        ]);
        empty_request(server, Method::GET, "/people", Some(&query))
    }

    fn parse(&self, _head: &response::Parts, body: Bytes) -> Result<PeoplePage, Error> {
        let mut page: PeoplePage = decode_json(Self::OPERATION_ID, &body)?;
        page.page_len = page.people.len();
        if !self.include_unnamed {
            page.people.retain(Person::is_named);
        }
        Ok(page)
    }
}

impl Paged for GetAllPeople {
    type Item = Person;

    fn next_page(&self, output: &PeoplePage) -> Option<Self> {
        let more = match output.has_next_page {
            Some(more) => more,
            // Before v1.110 there is no `hasNextPage`: a full page may have a successor. A page
            // longer than asked means the server ignores paging and sent everything at once.
            None => output.page_len == self.size as usize,
        };
        let page = self.page.checked_add(1)?;
        more.then(|| GetAllPeople {
            page,
            ..self.clone()
        })
    }

    fn into_items(output: PeoplePage) -> Vec<Person> {
        output.people
    }

    fn raw_len(output: &PeoplePage) -> Option<usize> {
        Some(output.page_len)
    }
}
