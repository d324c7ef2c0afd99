//! A [`Server`] plus the optional ETag cache: the state a transport keeps between requests.

use bytes::Bytes;
use http::{Request, Response};

use crate::cache::{CacheTicket, EtagCache};
use crate::{Error, Server};

/// The shared state of one client: settings, learned version, ETag cache.
///
/// A transport sends every request through [`prepare`](Self::prepare) and every answer through
/// [`finish`](Self::finish); that is all it needs for caching.
#[derive(Debug)]
pub struct Session {
    server: Server,
    cache: Option<EtagCache>,
}

impl Session {
    /// A session without a cache.
    pub fn new(server: Server) -> Self {
        Session {
            server,
            cache: None,
        }
    }

    /// Turns on the ETag cache.
    pub fn with_etag_cache(mut self, cache: EtagCache) -> Self {
        self.cache = Some(cache);
        self
    }

    /// A session for the same server with other settings, e.g. signed in after a login: the
    /// learned version carries over (clones of a [`Server`] share it); the cache starts empty
    /// with the same limits, so one identity's cached answers never answer another's requests.
    pub fn for_server(&self, server: Server) -> Session {
        Session {
            server,
            cache: self.cache.as_ref().map(EtagCache::empty_like),
        }
    }

    /// The server settings.
    pub fn server(&self) -> &Server {
        &self.server
    }

    /// The cache, if on.
    pub fn cache(&self) -> Option<&EtagCache> {
        self.cache.as_ref()
    }

    /// Call before sending `request` of operation `operation` (its operationId): refuses it
    /// when the connected server's release lacks the operation, a query parameter, a body field
    /// or an enum value it carries ([`catalogue::gate`](crate::catalogue::gate)); else may add
    /// `If-None-Match`.
    pub fn prepare(
        &self,
        operation: &'static str,
        mut request: Request<Bytes>,
    ) -> Result<(Request<Bytes>, Option<CacheTicket>), Error> {
        crate::catalogue::gate(&self.server, operation, &request)?;
        let ticket = self.cache.as_ref().map(|c| c.prepare(&mut request));
        Ok((request, ticket))
    }

    /// The gate alone, for requests that skip the cache (media, uploads): see
    /// [`prepare`](Self::prepare).
    pub fn admit(&self, operation: &'static str, request: &Request<Bytes>) -> Result<(), Error> {
        crate::catalogue::gate(&self.server, operation, request)
    }

    /// Decides what a media answer's head means for the call's [`Redirects`](crate::Redirects)
    /// ([`Redirects::follow`](crate::Redirects::follow)), and gates the next request as the
    /// first one was: a redirect is sent only if the release has the operation it leads to and
    /// everything its query carries, so a server (or a proxy in front of it) cannot lead the
    /// client past the gate.
    pub fn follow_redirect(
        &self,
        redirects: &mut crate::Redirects,
        head: &http::response::Parts,
    ) -> Result<Option<Request<Bytes>>, Error> {
        let Some(next) = redirects.follow(head)? else {
            return Ok(None);
        };
        crate::catalogue::gate(&self.server, redirects.operation(), &next)?;
        Ok(Some(next))
    }

    /// Call on the answer: a 304 becomes the cached answer; a 200 refreshes the cache.
    pub fn finish(
        &self,
        ticket: Option<CacheTicket>,
        response: Response<Bytes>,
    ) -> Response<Bytes> {
        match (&self.cache, ticket) {
            (Some(cache), Some(ticket)) => cache.finish(ticket, response),
            _ => response,
        }
    }
}
