//! Paged listings: the core decides the next request from the last answer; a transport loops.
//!
//! There is no silent cap on items: a [`Pager`] runs to the last page unless the caller sets a
//! limit. What it does refuse is a server that would keep it going forever: a page request it
//! already sent and got an answer to (a repeated or cycling page token), and more than
//! [`DEFAULT_MAX_PAGES`] pages (or [`Pager::with_max_pages`]); both end in [`Error::Paging`].

use std::collections::HashSet;

use bytes::Bytes;
use http::{Request, Response};
use sha1::{Digest, Sha1};

use crate::endpoint::{parse_response, Endpoint, Flow, Step};
use crate::{Error, Server};

/// The most items one page may ask for (the v3 server's limit).
pub const MAX_PAGE_SIZE: u32 = 1000;

/// The most pages a [`Pager`] reads before it calls the listing endless: at the server's
/// largest page size, a hundred million items, far beyond any real library, yet a server that
/// never says "last page" is stopped within minutes.
pub const DEFAULT_MAX_PAGES: usize = 100_000;

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
    max_pages: usize,
    /// SHA-1 digests of the page requests that got an answer: the same request twice means the
    /// server sent us round in a circle. Digests, because a request may carry a shared link's key.
    answered: HashSet<[u8; 20]>,
    /// The digest of the request handed out last, recorded as answered when its answer comes
    /// (asking twice for the same next request, e.g. to retry it, is no repeat).
    pending: Option<[u8; 20]>,
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
            max_pages: DEFAULT_MAX_PAGES,
            answered: HashSet::new(),
            pending: None,
            collected: Vec::new(),
        }
    }

    /// Fails with [`Error::Paging`] instead of asking for more than `max_pages` pages (at least
    /// one); the default is [`DEFAULT_MAX_PAGES`].
    pub fn with_max_pages(mut self, max_pages: usize) -> Self {
        self.max_pages = max_pages.max(1);
        self
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
    ///
    /// Fails with [`Error::Paging`] when the server led back to a page request already
    /// answered, or past the maximum page count: following it would never end.
    pub fn next_request(&mut self, server: &Server) -> Result<Option<Request<Bytes>>, Error> {
        if self.is_done() {
            return Ok(None);
        }
        let Some(endpoint) = &self.current else {
            return Ok(None);
        };
        let request = endpoint.request(server)?;
        let endless = |reason: String| Error::Paging {
            operation: P::OPERATION_ID,
            reason,
        };
        if self.pages >= self.max_pages {
            return Err(endless(format!(
                "the server announced more than {} pages; stopped there",
                self.max_pages
            )));
        }
        let digest = request_digest(&request);
        if self.answered.contains(&digest) {
            return Err(endless(format!(
                "page {} led back to a page already read (a repeated page token)",
                self.pages
            )));
        }
        self.pending = Some(digest);
        Ok(Some(request))
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
        if let Some(digest) = self.pending.take() {
            self.answered.insert(digest);
        }
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

/// What makes two page requests the same: method, URI and body.
fn request_digest(request: &Request<Bytes>) -> [u8; 20] {
    let mut hasher = Sha1::new();
    hasher.update(request.method().as_str());
    hasher.update([0]);
    hasher.update(request.uri().to_string());
    hasher.update([0]);
    hasher.update(request.body());
    hasher.finalize().into()
}

#[cfg(test)]
mod tests {
    use http::{response, Method};

    use super::*;
    use crate::endpoint::decode_json;
    use crate::people::GetAllPeople;
    use crate::ServerVersion;

    /// A listing that follows whatever token the server names, as a cursor API does: nothing
    /// in the endpoint itself stops a cycle.
    #[derive(Debug, Clone)]
    struct Cursor(Option<String>);

    #[derive(serde::Deserialize)]
    struct Page {
        items: Vec<u32>,
        next: Option<String>,
    }

    impl Endpoint for Cursor {
        type Output = Page;
        const OPERATION_ID: &'static str = "cursorTest";
        const PERMISSION: Option<&'static str> = None;

        fn request(&self, server: &Server) -> Result<Request<Bytes>, Error> {
            let query = self.0.as_ref().map(|token| format!("cursor={token}"));
            server
                .request_builder(Method::GET, "/cursor", query.as_deref())?
                .body(Bytes::new())
                .map_err(|e| Error::invalid_input("request", e.to_string()))
        }

        fn parse(&self, _head: &response::Parts, body: Bytes) -> Result<Page, Error> {
            decode_json(Self::OPERATION_ID, &body)
        }
    }

    impl Paged for Cursor {
        type Item = u32;
        fn next_page(&self, output: &Page) -> Option<Self> {
            output.next.clone().map(|token| Cursor(Some(token)))
        }
        fn into_items(output: Page) -> Vec<u32> {
            output.items
        }
    }

    fn json(body: String) -> Response<Bytes> {
        Response::builder()
            .status(200)
            .header("content-type", "application/json")
            .body(Bytes::from(body))
            .expect("a valid response")
    }

    /// Runs `flow` against a fake server answering `answer(n)` to the n-th request (from 1);
    /// returns the result and how many requests were sent.
    fn run<F: Flow>(
        server: &Server,
        mut flow: F,
        answer: impl Fn(usize) -> Response<Bytes>,
    ) -> (Result<F::Output, Error>, usize) {
        let mut sent = 0;
        let mut last = None;
        loop {
            match flow.step(server, last.take()) {
                Ok(Step::Send(_)) => {
                    sent += 1;
                    assert!(sent < 10_000, "the pager never stopped");
                    last = Some(answer(sent));
                }
                Ok(Step::Done(output)) => return (Ok(output), sent),
                Err(error) => return (Err(error), sent),
            }
        }
    }

    #[test]
    fn a_cycling_page_token_is_refused() {
        let server = Server::new("http://h").expect("a valid URL");
        // a -> b -> a: the third answer leads back to a page already read.
        let tokens = ["a", "b", "a", "b"];
        let (result, sent) = run(&server, Pager::new(Cursor(None)), |n| {
            json(format!(r#"{{"items":[{n}],"next":"{}"}}"#, tokens[n - 1]))
        });
        match result {
            Err(Error::Paging { operation, reason }) => {
                assert_eq!(operation, "cursorTest");
                assert!(reason.contains("already read"), "{reason}");
            }
            other => panic!("{:?}", other.map(|items| items.len())),
        }
        assert_eq!(sent, 3, "the repeated page is never asked for");
        // The same token twice in a row is a repeat too.
        let (result, sent) = run(&server, Pager::new(Cursor(None)), |_| {
            json(r#"{"items":[1],"next":"same"}"#.to_owned())
        });
        assert!(matches!(result, Err(Error::Paging { .. })));
        assert_eq!(sent, 2);
    }

    #[test]
    fn asking_again_for_the_same_next_request_is_no_repeat() {
        let server = Server::new("http://h").expect("a valid URL");
        let mut pager = Pager::new(Cursor(None));
        // A transport that retries after a network failure asks twice before any answer.
        let first = pager.next_request(&server).expect("a request");
        let again = pager.next_request(&server).expect("the same request");
        assert_eq!(
            first.map(|r| r.uri().clone()),
            again.map(|r| r.uri().clone())
        );
        let items = pager
            .handle_response(json(r#"{"items":[1],"next":null}"#.to_owned()))
            .expect("the only page");
        assert_eq!(items, [1]);
        assert!(pager.next_request(&server).expect("no error").is_none());
    }

    #[test]
    fn a_listing_that_never_ends_stops_at_the_page_cap() {
        // `/people` announcing `hasNextPage: true` forever, each page full.
        let server = Server::new("http://h")
            .expect("a valid URL")
            .with_version(ServerVersion::new(3, 0, 0));
        let people = GetAllPeople::new();
        let size = people.size;
        let page = |n: usize| {
            let people: Vec<String> = (0..size)
                .map(|i| {
                    format!(
                        r#"{{"id":"00000000-0000-4000-8000-{:012}","name":"","birthDate":null,"thumbnailPath":"","isHidden":false}}"#,
                        n * 1000 + i as usize
                    )
                })
                .collect();
            json(format!(
                r#"{{"people":[{}],"total":1000000,"hidden":0,"hasNextPage":true}}"#,
                people.join(",")
            ))
        };
        let (result, sent) = run(&server, Pager::new(people).with_max_pages(5), page);
        match result {
            Err(Error::Paging { operation, reason }) => {
                assert_eq!(operation, "getAllPeople");
                assert!(reason.contains("more than 5 pages"), "{reason}");
            }
            other => panic!("{:?}", other.map(|items| items.len())),
        }
        assert_eq!(sent, 5);
        // The default cap is there without asking for it.
        let pager = Pager::new(GetAllPeople::new());
        assert_eq!(pager.max_pages, DEFAULT_MAX_PAGES);
    }
}
