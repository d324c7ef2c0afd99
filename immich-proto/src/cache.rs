//! ETag cache: revalidate instead of downloading unchanged answers again.
//!
//! Entries are keyed by method, URI (scheme, host, path and query), an MD5 digest of the
//! request body, so two searches with different filters never share an entry, and a digest of
//! the credential the request carries, so an answer cached for one credential (an API key, a
//! session token, a shared link's key, slug or token) never answers another's request. The key
//! holds only SHA-1 digests of the URI (which may carry a shared link's `key=`) and of the
//! credential headers, never the credential itself. When an entry
//! exists, [`prepare`](EtagCache::prepare) sends its ETag as `If-None-Match`; on the answer,
//! [`finish`](EtagCache::finish):
//!
//! - turns a `304 Not Modified` into the cached `200` (cached body and content type);
//! - replaces the entry on **every** `200` that carries an ETag, so the cache always holds the
//!   newest answer (aioimmich keeps the first ETag forever and can return a stale body);
//! - drops the entry on a `200` without an ETag (the old one no longer describes the resource);
//! - leaves it alone on any other status.
//!
//! Only `GET`, `HEAD` and `POST` are cached: Immich's queries are `GET`s and `POST /search/...`;
//! `PUT`, `PATCH` and `DELETE` change state, and `If-None-Match` on them asks for a
//! `412 Precondition Failed` instead. Requests with a `Range` header, or with their own
//! `If-None-Match`, pass through untouched.
//!
//! The cache is bounded by the number of entries and the total size of cached bodies; the least
//! recently used entry goes first. It uses a `Mutex`, so one cache can serve concurrent requests.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::{Mutex, MutexGuard};

use bytes::Bytes;
use http::header::{
    HeaderName, HeaderValue, AUTHORIZATION, CONTENT_LENGTH, CONTENT_TYPE, COOKIE, ETAG,
    IF_NONE_MATCH, RANGE,
};
use http::{Method, Request, Response, StatusCode};
use md5::{Digest, Md5};
use sha1::Sha1;

use crate::settings::API_KEY_HEADER;

/// The default number of entries of [`EtagCache::default`].
pub const DEFAULT_MAX_ENTRIES: usize = 256;
/// The default total body size of [`EtagCache::default`] (16 MiB).
pub const DEFAULT_MAX_BYTES: usize = 16 * 1024 * 1024;

/// A bounded cache of answers by ETag. See the [module documentation](self).
pub struct EtagCache {
    max_entries: usize,
    max_bytes: usize,
    state: Mutex<State>,
}

/// What [`EtagCache::prepare`] remembers about a request until its answer arrives.
///
/// It holds the validated answer itself, so a `304` returns exactly the body whose ETag was
/// sent, even if another request replaced or evicted the entry meanwhile.
pub struct CacheTicket {
    key: Option<Key>,
    sent: Option<Cached>,
}

/// What identifies a cached answer. Digests only: the URI may hold a shared link's key, the
/// headers the other credentials, and neither belongs in memory longer than the request.
#[derive(Clone, PartialEq, Eq, Hash)]
struct Key {
    method: Method,
    uri_sha1: [u8; 20],
    body_md5: [u8; 16],
    credential_sha1: [u8; 20],
}

#[derive(Clone)]
struct Cached {
    etag: HeaderValue,
    content_type: Option<HeaderValue>,
    body: Bytes,
}

struct Entry {
    cached: Cached,
    last_used: u64,
}

#[derive(Default)]
struct State {
    entries: HashMap<Key, Entry>,
    /// `last_used` tick -> key, oldest first: the eviction order.
    recency: BTreeMap<u64, Key>,
    total_bytes: usize,
    tick: u64,
}

impl State {
    fn next_tick(&mut self) -> u64 {
        self.tick += 1;
        self.tick
    }

    /// Marks an entry as just used and returns a copy of it.
    fn touch(&mut self, key: &Key) -> Option<Cached> {
        let tick = self.next_tick();
        let entry = self.entries.get_mut(key)?;
        self.recency.remove(&entry.last_used);
        entry.last_used = tick;
        self.recency.insert(tick, key.clone());
        Some(entry.cached.clone())
    }

    fn remove(&mut self, key: &Key) {
        if let Some(entry) = self.entries.remove(key) {
            self.recency.remove(&entry.last_used);
            self.total_bytes -= entry.cached.body.len();
        }
    }

    fn insert(&mut self, key: Key, cached: Cached) {
        self.remove(&key);
        let tick = self.next_tick();
        self.total_bytes += cached.body.len();
        self.recency.insert(tick, key.clone());
        self.entries.insert(
            key,
            Entry {
                cached,
                last_used: tick,
            },
        );
    }

    fn evict_until(&mut self, max_entries: usize, max_bytes: usize) {
        while self.entries.len() > max_entries || self.total_bytes > max_bytes {
            let Some((_, oldest)) = self.recency.pop_first() else {
                break;
            };
            if let Some(entry) = self.entries.remove(&oldest) {
                self.total_bytes -= entry.cached.body.len();
            }
        }
    }
}

impl EtagCache {
    /// A cache holding at most `max_entries` answers and `max_bytes` bytes of bodies.
    /// An answer larger than `max_bytes` on its own is not cached.
    pub fn new(max_entries: usize, max_bytes: usize) -> Self {
        EtagCache {
            max_entries,
            max_bytes,
            state: Mutex::new(State::default()),
        }
    }

    /// An empty cache with the same limits.
    pub(crate) fn empty_like(&self) -> EtagCache {
        EtagCache::new(self.max_entries, self.max_bytes)
    }

    /// Adds `If-None-Match` when an entry exists for this request.
    pub fn prepare(&self, request: &mut Request<Bytes>) -> CacheTicket {
        let Some(key) = cache_key(request) else {
            return CacheTicket {
                key: None,
                sent: None,
            };
        };
        let sent = self.lock().touch(&key);
        if let Some(cached) = &sent {
            request
                .headers_mut()
                .insert(IF_NONE_MATCH, cached.etag.clone());
        }
        CacheTicket {
            key: Some(key),
            sent,
        }
    }

    /// Turns a 304 into the cached 200; stores or replaces the entry on a 200 with an ETag,
    /// drops it on a 200 without one. A 304 for a request sent without `If-None-Match` passes
    /// through unchanged (parsing it then reports [`Error::UnexpectedNotModified`](crate::Error)).
    pub fn finish(&self, ticket: CacheTicket, response: Response<Bytes>) -> Response<Bytes> {
        let Some(key) = ticket.key else {
            return response;
        };
        match response.status() {
            StatusCode::NOT_MODIFIED => match ticket.sent {
                Some(cached) => revive(cached, response),
                None => response,
            },
            StatusCode::OK => {
                let etag = response.headers().get(ETAG).cloned();
                let mut state = self.lock();
                match etag {
                    Some(etag) if response.body().len() <= self.max_bytes => {
                        let cached = Cached {
                            etag,
                            content_type: response.headers().get(CONTENT_TYPE).cloned(),
                            body: response.body().clone(),
                        };
                        state.insert(key, cached);
                        state.evict_until(self.max_entries, self.max_bytes);
                    }
                    // No ETag, or too big to keep: the old entry is stale either way.
                    _ => state.remove(&key),
                }
                response
            }
            _ => response,
        }
    }

    /// The number of cached answers.
    pub fn len(&self) -> usize {
        self.lock().entries.len()
    }

    /// Whether nothing is cached.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The total size of the cached bodies in bytes.
    pub fn total_bytes(&self) -> usize {
        self.lock().total_bytes
    }

    /// Forgets every entry.
    pub fn clear(&self) {
        let mut state = self.lock();
        state.entries.clear();
        state.recency.clear();
        state.total_bytes = 0;
    }

    /// The state, even if another thread panicked while holding the lock: every update keeps
    /// the maps consistent before anything that could panic, so the data is still usable.
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Default for EtagCache {
    /// [`DEFAULT_MAX_ENTRIES`] answers, [`DEFAULT_MAX_BYTES`] bytes.
    fn default() -> Self {
        EtagCache::new(DEFAULT_MAX_ENTRIES, DEFAULT_MAX_BYTES)
    }
}

impl fmt::Debug for EtagCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.lock();
        f.debug_struct("EtagCache")
            .field("entries", &state.entries.len())
            .field("total_bytes", &state.total_bytes)
            .field("max_entries", &self.max_entries)
            .field("max_bytes", &self.max_bytes)
            .finish()
    }
}

impl fmt::Debug for CacheTicket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CacheTicket")
            .field("cacheable", &self.key.is_some())
            .field("if_none_match", &self.sent.as_ref().map(|c| &c.etag))
            .finish()
    }
}

/// The key of a cacheable request, or `None` for requests the cache must not touch.
fn cache_key(request: &Request<Bytes>) -> Option<Key> {
    let method = request.method();
    if !(method == Method::GET || method == Method::HEAD || method == Method::POST) {
        return None;
    }
    let headers = request.headers();
    if headers.contains_key(RANGE) || headers.contains_key(IF_NONE_MATCH) {
        return None;
    }
    Some(Key {
        method: method.clone(),
        uri_sha1: Sha1::digest(request.uri().to_string()).into(),
        body_md5: Md5::digest(request.body()).into(),
        credential_sha1: credential_digest(headers),
    })
}

/// The headers that say who is asking (a shared link's key or slug is in the URI, already
/// part of the key).
const CREDENTIAL_HEADERS: [HeaderName; 3] = [API_KEY_HEADER, AUTHORIZATION, COOKIE];

/// A SHA-1 over every credential header, each value prefixed by the header's index and its
/// length, so no two different sets of values hash the same input.
fn credential_digest(headers: &http::HeaderMap) -> [u8; 20] {
    let mut hasher = Sha1::new();
    for (index, name) in CREDENTIAL_HEADERS.iter().enumerate() {
        for value in headers.get_all(name) {
            hasher.update([index as u8]);
            hasher.update((value.len() as u64).to_be_bytes());
            hasher.update(value.as_bytes());
        }
    }
    hasher.finalize().into()
}

/// The cached 200 for a 304: the 304's fresh headers, plus the cached body and content type.
fn revive(cached: Cached, not_modified: Response<Bytes>) -> Response<Bytes> {
    let (mut head, _) = not_modified.into_parts();
    head.status = StatusCode::OK;
    match cached.content_type {
        Some(content_type) => head.headers.insert(CONTENT_TYPE, content_type),
        None => head.headers.remove(CONTENT_TYPE),
    };
    if !head.headers.contains_key(ETAG) {
        head.headers.insert(ETAG, cached.etag);
    }
    head.headers
        .insert(CONTENT_LENGTH, HeaderValue::from(cached.body.len()));
    Response::from_parts(head, cached.body)
}
