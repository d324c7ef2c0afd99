//! `GET /memories`: `searchMemories`. Permission `memory.read`.
//!
//! Added in v1 (beta), stable since v2. The server generates "on this day" memories since
//! v1.127 ("persistent memories"); before that they came from `GET /assets/memory-lane`
//! (removed in v1.133), which this client does not use. So a search for a day (`for`) needs the
//! server version, and a server older than v1.127 gets a clear error instead of an empty list.
//! The day's wire form changed too:
//!
//! | server | `for=` |
//! |---|---|
//! | v1.127 to v3.0.2 | `YYYY-MM-DDT00:00:00.000Z` (v3.0.0 to v3.0.2 require this date-time form) |
//! | v3.0.3+ | `YYYY-MM-DD` (a date-time is refused) |
//!
//! `order` and `size` are newer filters: sent only when set.

use bytes::Bytes;
use http::{response, Method, Request};

use crate::endpoint::{decode_json, empty_request, query_string};
use crate::memories::{Memory, MemorySearchOrder, MemoryType};
use crate::{Date, Endpoint, Error, Server};

/// Lists memories, optionally for one day ("on this day").
///
/// ```
/// # use immich_proto::{memories::SearchMemories, Date, Endpoint, Server, ServerVersion};
/// let server = Server::new("http://localhost:2283")?.with_version(ServerVersion::new(3, 0, 3));
/// let today = Date::new(2026, 7, 23).unwrap();
/// let request = SearchMemories::on_this_day(today).request(&server)?;
/// assert_eq!(
///     request.uri(),
///     "http://localhost:2283/api/memories?for=2026-07-23&type=on_this_day"
/// );
/// # Ok::<(), immich_proto::Error>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct SearchMemories {
    /// Only memories to show on this day (needs the server version).
    pub for_date: Option<Date>,
    /// Only saved memories (`true`) or only the others.
    pub is_saved: Option<bool>,
    /// Include trashed memories.
    pub is_trashed: Option<bool>,
    /// The order (newer servers).
    pub order: Option<MemorySearchOrder>,
    /// At most this many memories (newer servers; at least 1).
    pub size: Option<u64>,
    /// Only memories of this type.
    pub memory_type: Option<MemoryType>,
}

impl SearchMemories {
    /// Every memory.
    pub fn new() -> Self {
        Self::default()
    }

    /// The "on this day" memories to show on `day`.
    pub fn on_this_day(day: Date) -> Self {
        SearchMemories {
            for_date: Some(day),
            memory_type: Some(MemoryType::OnThisDay),
            ..Self::default()
        }
    }

    /// Only saved memories, or only the others.
    pub fn saved(mut self, is_saved: bool) -> Self {
        self.is_saved = Some(is_saved);
        self
    }

    /// Sorts the answer.
    pub fn order(mut self, order: MemorySearchOrder) -> Self {
        self.order = Some(order);
        self
    }

    /// Returns at most `size` memories.
    pub fn size(mut self, size: u64) -> Self {
        self.size = Some(size);
        self
    }

    /// The `for` value `server` understands.
    fn for_value(&self, server: &Server) -> Result<Option<String>, Error> {
        let Some(day) = self.for_date else {
            return Ok(None);
        };
        let version = server.require_version(Self::OPERATION_ID)?;
        if !version.at_least(1, 127, 0) {
            return Err(Error::invalid_input(
                "memories for a day",
                format!(
                    "need server v1.127 or newer, which generates them (this one is {version})"
                ),
            ));
        }
        Ok(Some(if version.at_least(3, 0, 3) {
            day.to_string()
        } else {
            format!("{day}T00:00:00.000Z")
        }))
    }
}

impl Endpoint for SearchMemories {
    type Output = Vec<Memory>;
    const OPERATION_ID: &'static str = "searchMemories";
    const PERMISSION: Option<&'static str> = Some("memory.read");

    fn request(&self, server: &Server) -> Result<Request<Bytes>, Error> {
        if self.size == Some(0) {
            return Err(Error::invalid_input("size", "must be at least 1"));
        }
        let query = query_string([
            ("for", self.for_value(server)?),
            ("isSaved", self.is_saved.map(|b| b.to_string())),
            ("isTrashed", self.is_trashed.map(|b| b.to_string())),
            ("order", self.order.as_ref().map(|o| o.as_str().to_owned())),
            ("size", self.size.map(|s| s.to_string())),
            (
                "type",
                self.memory_type.as_ref().map(|t| t.as_str().to_owned()),
            ),
        ]);
        empty_request(server, Method::GET, "/memories", Some(&query))
    }

    fn parse(&self, _head: &response::Parts, body: Bytes) -> Result<Vec<Memory>, Error> {
        decode_json(Self::OPERATION_ID, &body)
    }
}
