//! The incremental decoder of the sync stream: JSON lines in chunks of any size, typed events
//! out. No I/O: a transport pushes the body's chunks as they arrive and takes the events.

use std::borrow::Cow;
use std::collections::VecDeque;
use std::fmt;

use serde::de::{self, IgnoredAny, MapAccess, Visitor};
use serde::Deserialize;
use serde_json::value::RawValue;

use super::events::{self, SyncEntity};

/// The longest line a [`SyncDecoder`] takes by default: 16 MiB (an asset event is under 1 KiB;
/// the longest lines are user metadata, far below this).
pub const DEFAULT_MAX_LINE: usize = 16 * 1024 * 1024;

/// One line of the sync stream: what changed, and the ack that confirms it was applied.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct SyncEvent {
    /// The entity and its typed payload.
    pub entity: SyncEntity,
    /// The opaque ack (`AssetV2|<update id>`): send it back (through an
    /// [`AckBatcher`](super::AckBatcher)) once the event is applied.
    pub ack: String,
}

impl SyncEvent {
    /// An event, as a test server or a recorded stream would hold it.
    pub fn new(entity: SyncEntity, ack: impl Into<String>) -> Self {
        SyncEvent {
            entity,
            ack: ack.into(),
        }
    }

    /// The entity type as sent (`AssetV2`).
    pub fn kind(&self) -> &str {
        self.entity.kind()
    }
}

/// Why the sync stream could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SyncStreamError {
    /// A line is longer than the decoder's limit; its bytes were dropped, not kept (the decoder
    /// goes on with the next line).
    LineTooLong {
        /// The line's number, from 1.
        line: u64,
        /// The limit in bytes.
        limit: usize,
    },
    /// A line is not a sync event (not JSON, or without `type`, `data` or `ack`, or a payload
    /// that does not fit its type). The decoder goes on with the next line.
    Malformed {
        /// The line's number, from 1.
        line: u64,
        /// What is wrong (serde's message).
        message: String,
        /// The start of the line (at most 80 characters).
        excerpt: String,
    },
    /// The stream ended inside a line: the connection was cut short.
    Truncated {
        /// The number of the unfinished line, from 1.
        line: u64,
    },
}

impl fmt::Display for SyncStreamError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SyncStreamError::LineTooLong { line, limit } => write!(
                f,
                "sync stream: line {line} is longer than {limit} bytes; skipped"
            ),
            SyncStreamError::Malformed {
                line,
                message,
                excerpt,
            } => write!(
                f,
                "sync stream: line {line} is not a sync event: {message} (starts {excerpt:?})"
            ),
            SyncStreamError::Truncated { line } => write!(
                f,
                "sync stream: the answer ended inside line {line} (the connection was cut short)"
            ),
        }
    }
}

impl std::error::Error for SyncStreamError {}

impl From<SyncStreamError> for crate::Error {
    fn from(error: SyncStreamError) -> Self {
        crate::Error::SyncStream(error)
    }
}

/// The sync stream's decoder: push the body's chunks as they arrive ([`push`](Self::push)),
/// take the events ([`next_event`](Self::next_event)) after each, and call
/// [`finish`](Self::finish) at the body's end.
///
/// Chunks may split the body anywhere: inside a line, a UTF-8 sequence or a `\r\n`. Memory
/// stays bounded by the longest line: an unfinished line is kept up to the limit
/// ([`DEFAULT_MAX_LINE`], or [`with_max_line`](Self::with_max_line)) and dropped past it
/// ([`SyncStreamError::LineTooLong`]), plus the events of the last chunk not yet taken. A line
/// that is not an event is an error naming its number, and the decoder goes on with the next.
///
/// ```
/// use immich_proto::sync::{SyncDecoder, SyncEntity};
///
/// let body = b"{\"type\":\"SyncCompleteV1\",\"data\":{},\"ack\":\"SyncCompleteV1|0190\"}\n";
/// let mut decoder = SyncDecoder::new();
/// let (first, rest) = body.split_at(20);
/// decoder.push(first);
/// assert!(decoder.next_event().is_none()); // the line is not complete yet
/// decoder.push(rest);
/// let event = decoder.next_event().unwrap().unwrap();
/// assert!(matches!(event.entity, SyncEntity::SyncCompleteV1(_)));
/// assert_eq!(event.ack, "SyncCompleteV1|0190");
/// decoder.finish().unwrap();
/// ```
#[derive(Debug)]
pub struct SyncDecoder {
    /// The unfinished line (at most `max_line` + 1 bytes: a `\r` may wait for its `\n`).
    partial: Vec<u8>,
    /// Dropping the rest of a line that went over the limit (already reported).
    discarding: bool,
    max_line: usize,
    /// Lines ended so far.
    line: u64,
    ready: VecDeque<Result<SyncEvent, SyncStreamError>>,
}

impl Default for SyncDecoder {
    fn default() -> Self {
        Self::new()
    }
}

/// An unfinished line's buffer is given back after a line this long (a rare long line does
/// not keep its memory for the rest of the stream).
const KEEP_CAPACITY: usize = 1024 * 1024;

impl SyncDecoder {
    /// A decoder with the default line limit ([`DEFAULT_MAX_LINE`]).
    pub fn new() -> Self {
        Self::with_max_line(DEFAULT_MAX_LINE)
    }

    /// A decoder that takes lines of at most `max_line` bytes (not counting the line end).
    pub fn with_max_line(max_line: usize) -> Self {
        SyncDecoder {
            partial: Vec::new(),
            discarding: false,
            max_line,
            line: 0,
            ready: VecDeque::new(),
        }
    }

    /// The line limit.
    pub fn max_line(&self) -> usize {
        self.max_line
    }

    /// The lines ended so far.
    pub fn lines(&self) -> u64 {
        self.line
    }

    /// The bytes of the unfinished line held now (never more than the limit and a `\r`).
    pub fn buffered(&self) -> usize {
        self.partial.len()
    }

    /// Takes the next chunk of the body. Its complete lines are decoded at once (take them
    /// with [`next_event`](Self::next_event)); the rest of it waits for the next chunk.
    pub fn push(&mut self, chunk: &[u8]) {
        let mut rest = chunk;
        while let Some(at) = rest.iter().position(|&b| b == b'\n') {
            let head = &rest[..at];
            rest = &rest[at + 1..];
            self.line += 1;
            if self.discarding {
                self.discarding = false;
            } else if self.partial.is_empty() {
                self.complete(head);
            } else if self.partial.len() + head.len() > self.max_line + 1 {
                self.too_long(self.line);
                self.partial.clear();
            } else {
                let mut line = std::mem::take(&mut self.partial);
                line.extend_from_slice(head);
                self.complete(&line);
                line.clear();
                if line.capacity() <= KEEP_CAPACITY {
                    self.partial = line;
                }
            }
        }
        if rest.is_empty() || self.discarding {
            return;
        }
        if self.partial.len() + rest.len() > self.max_line + 1 {
            // Over the limit before its end: reported now, its bytes dropped until the next
            // line end.
            self.too_long(self.line + 1);
            self.partial = Vec::new();
            self.discarding = true;
        } else {
            self.partial.extend_from_slice(rest);
        }
    }

    /// The next decoded event or line error, in stream order; `None` until more is pushed.
    #[must_use]
    pub fn next_event(&mut self) -> Option<Result<SyncEvent, SyncStreamError>> {
        self.ready.pop_front()
    }

    /// At the body's end: [`SyncStreamError::Truncated`] when it ended inside a line. Take the
    /// last events with [`next_event`](Self::next_event) first or after; both work.
    pub fn finish(&mut self) -> Result<(), SyncStreamError> {
        let unfinished = self.discarding || !self.partial.iter().all(u8::is_ascii_whitespace);
        self.partial.clear();
        self.discarding = false;
        if unfinished {
            return Err(SyncStreamError::Truncated {
                line: self.line + 1,
            });
        }
        Ok(())
    }

    fn too_long(&mut self, line: u64) {
        self.ready.push_back(Err(SyncStreamError::LineTooLong {
            line,
            limit: self.max_line,
        }));
    }

    /// Decodes one complete line (without its `\n`).
    fn complete(&mut self, line: &[u8]) {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.len() > self.max_line {
            self.too_long(self.line);
            return;
        }
        if line.iter().all(u8::is_ascii_whitespace) {
            return;
        }
        let item =
            serde_json::from_slice::<SyncEvent>(line).map_err(|e| SyncStreamError::Malformed {
                line: self.line,
                message: e.to_string(),
                excerpt: crate::error::excerpt(line, 80),
            });
        self.ready.push_back(item);
    }
}

/// The keys of an event line.
enum Key {
    Type,
    Data,
    Ack,
    Other,
}

impl<'de> Deserialize<'de> for Key {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl Visitor<'_> for KeyVisitor {
            type Value = Key;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a key")
            }
            fn visit_str<E: de::Error>(self, key: &str) -> Result<Key, E> {
                Ok(match key {
                    "type" => Key::Type,
                    "data" => Key::Data,
                    "ack" => Key::Ack,
                    _ => Key::Other,
                })
            }
        }
        deserializer.deserialize_identifier(KeyVisitor)
    }
}

/// A string, borrowed from the line when it has no escapes.
struct Text<'de>(Cow<'de, str>);

impl<'de> Deserialize<'de> for Text<'de> {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TextVisitor;
        impl<'de> Visitor<'de> for TextVisitor {
            type Value = Text<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, text: &'de str) -> Result<Text<'de>, E> {
                Ok(Text(Cow::Borrowed(text)))
            }
            fn visit_str<E: de::Error>(self, text: &str) -> Result<Text<'de>, E> {
                Ok(Text(Cow::Owned(text.to_owned())))
            }
        }
        deserializer.deserialize_str(TextVisitor)
    }
}

/// An event line: `type` before `data` (as the server writes it) decodes the payload straight
/// into its model; `data` first is kept as raw JSON text and decoded when `type` is known.
impl<'de> Deserialize<'de> for SyncEvent {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct EventVisitor;
        impl<'de> Visitor<'de> for EventVisitor {
            type Value = SyncEvent;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a sync event {\"type\", \"data\", \"ack\"}")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<SyncEvent, A::Error> {
                let mut kind: Option<Cow<'de, str>> = None;
                let mut entity: Option<SyncEntity> = None;
                let mut raw: Option<&'de RawValue> = None;
                let mut ack: Option<String> = None;
                while let Some(key) = map.next_key::<Key>()? {
                    match key {
                        Key::Type if kind.is_none() => kind = Some(map.next_value::<Text>()?.0),
                        Key::Data if entity.is_none() && raw.is_none() => match &kind {
                            Some(kind) => entity = Some(events::next_data(kind, &mut map)?),
                            None => raw = Some(map.next_value()?),
                        },
                        Key::Ack if ack.is_none() => ack = Some(map.next_value()?),
                        Key::Type | Key::Data | Key::Ack => {
                            return Err(de::Error::custom("a key appears twice"))
                        }
                        Key::Other => {
                            map.next_value::<IgnoredAny>()?;
                        }
                    }
                }
                let kind = kind.ok_or_else(|| de::Error::missing_field("type"))?;
                let ack = ack.ok_or_else(|| de::Error::missing_field("ack"))?;
                let entity = match (entity, raw) {
                    (Some(entity), _) => entity,
                    (None, Some(raw)) => events::from_raw(&kind, raw).map_err(de::Error::custom)?,
                    (None, None) => return Err(de::Error::missing_field("data")),
                };
                Ok(SyncEvent { entity, ack })
            }
        }
        deserializer.deserialize_map(EventVisitor)
    }
}
