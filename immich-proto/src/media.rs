//! Media answers (thumbnails, video, originals): the core reads the head, the transport moves
//! the body. Nothing here buffers the body.

use std::path::{Path, PathBuf};

use bytes::Bytes;
use http::header::{CONTENT_LENGTH, CONTENT_RANGE, CONTENT_TYPE, ETAG, LAST_MODIFIED, RANGE};
use http::{response, HeaderValue, Request, StatusCode};

use crate::endpoint::error_from_response;
use crate::{Error, Server};

/// The most a transport reads into memory for a thumbnail or person thumbnail (a full-size
/// rendition of a large photo stays well under it).
pub const MAX_MEDIA_BYTES: u64 = 64 * 1024 * 1024;

/// One operation whose successful answer is a byte stream.
pub trait MediaEndpoint {
    /// The server's operationId.
    const OPERATION_ID: &'static str;
    /// The API-key permission it needs.
    const PERMISSION: Option<&'static str>;
    /// Builds the request (with `Range` when asked).
    fn request(&self, server: &Server) -> Result<Request<Bytes>, Error>;
}

/// Makes a request accept any media type instead of JSON: a thumbnail answers `image/jpeg` or
/// `image/webp`, a video `video/mp4`, an archive `application/zip`.
pub fn accept_any_media<B>(request: &mut Request<B>) {
    request
        .headers_mut()
        .insert(http::header::ACCEPT, HeaderValue::from_static("*/*"));
}

/// A byte range to ask for: `start..` or `start..=end` (inclusive, as in HTTP).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ByteRange {
    /// First byte.
    pub start: u64,
    /// Last byte, inclusive; `None` for "to the end".
    pub end: Option<u64>,
}

impl ByteRange {
    /// From `start` to the end (to resume a download).
    pub fn from(start: u64) -> Self {
        ByteRange { start, end: None }
    }

    /// `start..=end`, or an error when `end < start`.
    pub fn inclusive(start: u64, end: u64) -> Result<Self, Error> {
        if end < start {
            return Err(Error::InvalidInput {
                what: "range",
                reason: format!("end {end} is before start {start}"),
            });
        }
        Ok(ByteRange {
            start,
            end: Some(end),
        })
    }

    /// The `Range` header value.
    pub fn header_value(&self) -> HeaderValue {
        let text = match self.end {
            Some(end) => format!("bytes={}-{end}", self.start),
            None => format!("bytes={}-", self.start),
        };
        HeaderValue::from_str(&text).unwrap_or_else(|_| HeaderValue::from_static("bytes=0-"))
    }

    /// Adds the `Range` header to `request`.
    pub fn apply<B>(range: Option<&ByteRange>, request: &mut Request<B>) {
        if let Some(range) = range {
            request.headers_mut().insert(RANGE, range.header_value());
        }
    }
}

/// What the response head says about the media that follows.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct MediaHead {
    /// `200 OK` or `206 Partial Content`.
    pub status: StatusCode,
    /// The `Content-Type`, e.g. `image/webp`.
    pub content_type: Option<String>,
    /// The body's length (`Content-Length`), when known.
    pub content_length: Option<u64>,
    /// The `ETag`, when sent.
    pub etag: Option<String>,
    /// `Last-Modified`, as sent.
    pub last_modified: Option<String>,
    /// For `206`: the range the body covers, and the whole size when known.
    pub content_range: Option<ContentRange>,
}

impl MediaHead {
    /// `Last-Modified` as a typed instant (an HTTP date such as
    /// `Sun, 06 Nov 1994 08:49:37 GMT`), or `None` when absent or unreadable.
    pub fn last_modified_time(&self) -> Option<crate::DateTime> {
        let text = self.last_modified.as_deref()?;
        let time = httpdate::parse_http_date(text).ok()?;
        Some(crate::DateTime::from_system_time(
            time.duration_since(std::time::UNIX_EPOCH)
                .map_err(|before| before.duration()),
        ))
    }

    /// For reading the body into memory: refuses, before any byte is read, an answer whose
    /// `Content-Length` is over `limit`, with [`Error::BodyTooLarge`]. A transport still counts
    /// while reading, since the length may be missing.
    pub fn check_len(&self, operation: &'static str, limit: u64) -> Result<(), Error> {
        match self.content_length {
            Some(len) if len > limit => Err(Error::BodyTooLarge { operation, limit }),
            _ => Ok(()),
        }
    }
}

/// The checks on a media body written to a file (`save_media`, `download_original`), decided
/// once for every transport: the body must be exactly as long as its `Content-Length`, and the
/// file may not grow past the cap (`ClientOptions::max_file_bytes`). The transport feeds it each
/// chunk before writing it, and calls [`finish`](Self::finish) before the file gets its name;
/// any error means the temporary file goes and nothing has the final name.
#[derive(Debug, Clone)]
pub struct SaveCheck {
    operation: &'static str,
    expected: Option<u64>,
    cap: Option<u64>,
    on_disk: u64,
    received: u64,
}

impl SaveCheck {
    /// Starts the checks for the body announced by `head`, to be written after `on_disk`
    /// bytes already in the file (a resumed download; `0` otherwise). Refuses at once, with
    /// [`Error::BodyTooLarge`], an answer whose announced length would take the file past `cap`.
    pub fn new(
        operation: &'static str,
        head: &MediaHead,
        cap: Option<u64>,
        on_disk: u64,
    ) -> Result<Self, Error> {
        let check = SaveCheck {
            operation,
            expected: head.content_length,
            cap,
            on_disk,
            received: 0,
        };
        if let Some(len) = head.content_length {
            check.check_cap(on_disk.saturating_add(len))?;
        }
        Ok(check)
    }

    fn check_cap(&self, total: u64) -> Result<(), Error> {
        match self.cap {
            Some(limit) if total > limit => Err(Error::BodyTooLarge {
                operation: self.operation,
                limit,
            }),
            _ => Ok(()),
        }
    }

    /// Counts a chunk about to be written: an error once the body is longer than announced
    /// or the file would pass the cap (the chunk must then not be written).
    pub fn on_chunk(&mut self, len: usize) -> Result<(), Error> {
        self.received = self.received.saturating_add(len as u64);
        if let Some(expected) = self.expected {
            if self.received > expected {
                return Err(Error::BodyLengthMismatch {
                    operation: self.operation,
                    expected,
                    actual: self.received,
                });
            }
        }
        self.check_cap(self.on_disk.saturating_add(self.received))
    }

    /// At the body's end: an error when fewer bytes came than announced.
    pub fn finish(&self) -> Result<(), Error> {
        match self.expected {
            Some(expected) if self.received != expected => Err(Error::BodyLengthMismatch {
                operation: self.operation,
                expected,
                actual: self.received,
            }),
            _ => Ok(()),
        }
    }

    /// The body bytes counted so far.
    pub fn received(&self) -> u64 {
        self.received
    }
}

/// Where a transport's `save_media` writes before renaming onto `target`: a hidden
/// `.{name}.{tag:016x}.part` in the same directory (so the rename stays on one file system and
/// nothing half-written ever has the final name). `tag` is a random number from the transport.
pub fn partial_path(target: &Path, tag: u64) -> Result<PathBuf, Error> {
    let name = target.file_name().ok_or_else(|| Error::InvalidInput {
        what: "save path",
        reason: format!("{} names no file", target.display()),
    })?;
    let mut partial = std::ffi::OsString::from(".");
    partial.push(name);
    partial.push(format!(".{tag:016x}.part"));
    Ok(target.with_file_name(partial))
}

/// A parsed `Content-Range: bytes start-end/total`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ContentRange {
    /// First byte of the body.
    pub start: u64,
    /// Last byte of the body, inclusive.
    pub end: u64,
    /// The size of the whole resource, when the server knows it.
    pub total: Option<u64>,
}

impl ContentRange {
    /// Parses `bytes 0-99/1000` or `bytes 0-99/*`.
    pub fn parse(text: &str) -> Option<Self> {
        let rest = text.trim().strip_prefix("bytes ")?;
        let (range, total) = rest.split_once('/')?;
        let (start, end) = range.split_once('-')?;
        let (start, end) = (start.trim().parse().ok()?, end.trim().parse().ok()?);
        let total = match total.trim() {
            "*" => None,
            t => Some(t.parse().ok()?),
        };
        (start <= end).then_some(ContentRange { start, end, total })
    }
}

/// What the transport should do with a media response's body.
#[derive(Debug)]
pub enum MediaOutcome {
    /// Success: stream the body.
    Stream(MediaHead),
    /// An error status: read up to [`MAX_ERROR_BODY`](crate::MAX_ERROR_BODY) bytes and pass them to
    /// [`media_error`].
    ReadError,
}

/// Reads a media response head. The body is untouched.
pub fn media_head(operation: &'static str, head: &response::Parts) -> Result<MediaOutcome, Error> {
    if head.status == StatusCode::NOT_MODIFIED {
        return Err(Error::UnexpectedNotModified { operation });
    }
    if !head.status.is_success() {
        return Ok(MediaOutcome::ReadError);
    }
    let text = |name| {
        head.headers
            .get(name)
            .and_then(|v: &HeaderValue| v.to_str().ok())
            .map(str::to_owned)
    };
    let content_range = match text(CONTENT_RANGE) {
        Some(value) => Some(
            ContentRange::parse(&value).ok_or_else(|| Error::InvalidInput {
                what: "Content-Range header from the server",
                reason: format!("cannot read {value:?}"),
            })?,
        ),
        None => None,
    };
    if head.status == StatusCode::PARTIAL_CONTENT && content_range.is_none() {
        return Err(Error::InvalidInput {
            what: "206 answer from the server",
            reason: "it has no Content-Range".to_owned(),
        });
    }
    Ok(MediaOutcome::Stream(MediaHead {
        status: head.status,
        content_type: text(CONTENT_TYPE),
        content_length: text(CONTENT_LENGTH).and_then(|v| v.trim().parse().ok()),
        etag: text(ETAG),
        last_modified: text(LAST_MODIFIED),
        content_range,
    }))
}

/// The typed error for a media response with an error status and its (bounded) body.
pub fn media_error(head: &response::Parts, body: &[u8]) -> Error {
    error_from_response(head, body)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head(status: u16, headers: &[(&str, &str)]) -> response::Parts {
        let mut b = http::Response::builder().status(status);
        for (k, v) in headers {
            b = b.header(*k, *v);
        }
        b.body(()).unwrap().into_parts().0
    }

    fn sized(len: Option<u64>) -> MediaHead {
        MediaHead {
            status: StatusCode::OK,
            content_type: None,
            content_length: len,
            etag: None,
            last_modified: None,
            content_range: None,
        }
    }

    #[test]
    fn saved_bodies_match_their_length_and_the_cap() {
        // Exactly as announced.
        let mut check = SaveCheck::new("op", &sized(Some(10)), None, 0).unwrap();
        check.on_chunk(4).unwrap();
        check.on_chunk(6).unwrap();
        check.finish().unwrap();
        // Longer: refused at the chunk that goes past, before it is written.
        let mut check = SaveCheck::new("op", &sized(Some(10)), None, 0).unwrap();
        check.on_chunk(8).unwrap();
        assert_eq!(
            check.on_chunk(3),
            Err(Error::BodyLengthMismatch {
                operation: "op",
                expected: 10,
                actual: 11
            })
        );
        // Shorter: refused at the end.
        let mut check = SaveCheck::new("op", &sized(Some(10)), None, 0).unwrap();
        check.on_chunk(9).unwrap();
        let short = check.finish().unwrap_err();
        assert!(
            short.to_string().contains("announced 10 bytes but sent 9"),
            "{short}"
        );
        // The cap: refused before any byte when announced, counted when not.
        let over = SaveCheck::new("op", &sized(Some(10)), Some(9), 0).unwrap_err();
        assert_eq!(
            over,
            Error::BodyTooLarge {
                operation: "op",
                limit: 9
            }
        );
        let over = SaveCheck::new("op", &sized(Some(5)), Some(9), 5).unwrap_err();
        assert_eq!(
            over,
            Error::BodyTooLarge {
                operation: "op",
                limit: 9
            }
        );
        let mut unknown = SaveCheck::new("op", &sized(None), Some(9), 0).unwrap();
        unknown.on_chunk(9).unwrap();
        assert!(matches!(
            unknown.on_chunk(1),
            Err(Error::BodyTooLarge { .. })
        ));
        let mut unknown = SaveCheck::new("op", &sized(None), None, 0).unwrap();
        unknown.on_chunk(1 << 40).unwrap();
        unknown.finish().unwrap();
        assert_eq!(unknown.received(), 1 << 40);
    }

    #[test]
    fn reads_partial_heads() {
        let h = head(
            206,
            &[
                ("content-type", "video/mp4"),
                ("content-length", "100"),
                ("content-range", "bytes 100-199/1000"),
                ("etag", "\"e1\""),
            ],
        );
        match media_head("playAssetVideo", &h).unwrap() {
            MediaOutcome::Stream(m) => {
                assert_eq!(m.content_length, Some(100));
                assert_eq!(
                    m.content_range,
                    Some(ContentRange {
                        start: 100,
                        end: 199,
                        total: Some(1000)
                    })
                );
                assert_eq!(m.content_type.as_deref(), Some("video/mp4"));
                assert_eq!(m.etag.as_deref(), Some("\"e1\""));
            }
            other => panic!("{other:?}"),
        }
        assert!(media_head("x", &head(206, &[])).is_err());
        assert!(matches!(
            media_head("x", &head(404, &[])).unwrap(),
            MediaOutcome::ReadError
        ));
        assert_eq!(
            ContentRange::parse("bytes 0-0/*"),
            Some(ContentRange {
                start: 0,
                end: 0,
                total: None
            })
        );
        assert_eq!(ContentRange::parse("bytes 5-1/9"), None);
    }

    #[test]
    fn announced_length_over_the_limit_is_refused() {
        let media =
            |len: &str| match media_head("viewAsset", &head(200, &[("content-length", len)])) {
                Ok(MediaOutcome::Stream(m)) => m,
                other => panic!("{other:?}"),
            };
        assert_eq!(media("16").check_len("viewAsset", 16), Ok(()));
        assert_eq!(
            media("17").check_len("viewAsset", 16),
            Err(Error::BodyTooLarge {
                operation: "viewAsset",
                limit: 16
            })
        );
    }

    #[test]
    fn partial_files_sit_next_to_the_target() {
        assert_eq!(
            partial_path(Path::new("/tmp/out/a.jpg"), 0xab).unwrap(),
            Path::new("/tmp/out/.a.jpg.00000000000000ab.part")
        );
        assert_eq!(
            partial_path(Path::new("a.jpg"), 1).unwrap(),
            Path::new(".a.jpg.0000000000000001.part")
        );
        assert!(partial_path(Path::new("/"), 1).is_err());
        assert!(partial_path(Path::new("out/.."), 1).is_err());
    }

    #[test]
    fn last_modified_is_typed() {
        let h = head(200, &[("last-modified", "Sun, 06 Nov 1994 08:49:37 GMT")]);
        let MediaOutcome::Stream(m) = media_head("viewAsset", &h).unwrap() else {
            panic!("not a stream")
        };
        let t = m.last_modified_time().unwrap();
        assert_eq!(t.to_utc_string(), "1994-11-06T08:49:37.000Z");
        let h = head(200, &[("last-modified", "yesterday")]);
        let MediaOutcome::Stream(m) = media_head("viewAsset", &h).unwrap() else {
            panic!("not a stream")
        };
        assert_eq!(m.last_modified_time(), None);
    }

    #[test]
    fn range_headers() {
        assert_eq!(ByteRange::from(10).header_value(), "bytes=10-");
        assert_eq!(
            ByteRange::inclusive(0, 99).unwrap().header_value(),
            "bytes=0-99"
        );
        assert!(ByteRange::inclusive(5, 4).is_err());
    }
}
