//! Paged listings: the core decides the next request from the last answer; a transport loops.
//!
//! There is no silent cap: a [`Pager`] runs to the last page unless the caller sets a limit.

use bytes::Bytes;
use http::{Request, Response};

use crate::endpoint::{parse_response, Endpoint, Flow, Step};
use crate::{Error, Server};

/// The most items one page may ask for (the v3 server's limit).
pub const MAX_PAGE_SIZE: u32 = 1000;

/// An endpoint whose answer is one page of a longer listing.
pub trait Paged: Endpoint + Sized {
    /// One listed item.
    type Item;
    /// The request for the page after `output`, or `None` on the last page.
    fn next_page(&self, output: &Self::Output) -> Option<Self>;
    /// The page's items.
    fn into_items(output: Self::Output) -> Vec<Self::Item>;
    /// How many items the server put on the page before any filtering in `parse`, when that
    /// differs from what [`into_items`](Self::into_items) returns. A page the server sent empty
    /// while promising more is an error; a page emptied by our own filter is not.
    fn raw_len(output: &Self::Output) -> Option<usize> {
        let _ = output;
        None
    }
}

/// Walks a [`Paged`] endpoint page by page.
///
/// Drive it with [`next_request`](Self::next_request) and
/// [`handle_response`](Self::handle_response) for a lazy stream, or run it as a [`Flow`] to
/// collect every item.
#[derive(Debug)]
pub struct Pager<P: Paged> {
    current: Option<P>,
    limit: Option<usize>,
    yielded: usize,
    pages: usize,
    collected: Vec<P::Item>,
}

impl<P: Paged> Pager<P> {
    /// Starts at `first`.
    pub fn new(first: P) -> Self {
        Pager {
            current: Some(first),
            limit: None,
            yielded: 0,
            pages: 0,
            collected: Vec::new(),
        }
    }

    /// Stops after `limit` items (the last page is cut short).
    pub fn with_limit(mut self, limit: usize) -> Self {
        self.limit = Some(limit);
        self
    }

    /// Whether no more requests are needed.
    pub fn is_done(&self) -> bool {
        self.current.is_none() || self.limit.is_some_and(|l| self.yielded >= l)
    }

    /// Items handed out so far.
    pub fn yielded(&self) -> usize {
        self.yielded
    }

    /// Pages read so far.
    pub fn pages(&self) -> usize {
        self.pages
    }

    /// The request for the next page, or `None` when the listing is complete.
    pub fn next_request(&self, server: &Server) -> Result<Option<Request<Bytes>>, Error> {
        if self.is_done() {
            return Ok(None);
        }
        match &self.current {
            Some(endpoint) => endpoint.request(server).map(Some),
            None => Ok(None),
        }
    }

    /// Reads the answer to [`next_request`](Self::next_request) and returns that page's items.
    pub fn handle_response(&mut self, response: Response<Bytes>) -> Result<Vec<P::Item>, Error> {
        let Some(endpoint) = self.current.take() else {
            return Err(Error::Paging {
                operation: P::OPERATION_ID,
                reason: "a response arrived after the last page".to_owned(),
            });
        };
        let output = parse_response(&endpoint, response)?;
        self.pages += 1;
        self.current = endpoint.next_page(&output);
        let raw_len = P::raw_len(&output);
        let mut items = P::into_items(output);
        let server_sent_nothing = raw_len.map_or(items.is_empty(), |n| n == 0);
        if let Some(limit) = self.limit {
            items.truncate(limit.saturating_sub(self.yielded));
        }
        if server_sent_nothing
            && self.current.is_some()
            && self.limit.is_none_or(|l| self.yielded < l)
        {
            // A page with nothing on it that still promises more would loop forever.
            self.current = None;
            return Err(Error::Paging {
                operation: P::OPERATION_ID,
                reason: format!("page {} was empty but announced a next page", self.pages),
            });
        }
        self.yielded += items.len();
        Ok(items)
    }
}

impl<P: Paged> Flow for Pager<P> {
    type Output = Vec<P::Item>;
    const OPERATION_ID: &'static str = P::OPERATION_ID;
    fn step(
        &mut self,
        server: &Server,
        response: Option<Response<Bytes>>,
    ) -> Result<Step<Self::Output>, Error> {
        if let Some(response) = response {
            let items = self.handle_response(response)?;
            self.collected.extend(items);
        }
        match self.next_request(server)? {
            Some(request) => Ok(Step::Send(request)),
            None => Ok(Step::Done(std::mem::take(&mut self.collected))),
        }
    }
}
