//! The response body: stored bytes or a repeated buffer (sink mode), a window of it (`Range`),
//! and the faults that cut or stall it in the middle.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use http_body::{Body, Frame, SizeHint};

/// What happens part-way through a body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Cut {
    /// The whole body is sent.
    None,
    /// After `at` bytes the connection is dropped (hyper aborts it on a body error).
    Drop { at: u64 },
    /// After `at` bytes nothing more is ever sent.
    Stall { at: u64 },
    /// One byte per frame, each after a pause of `every`.
    Trickle { every: std::time::Duration },
}

/// Frames of at most this many bytes.
const FRAME: u64 = 256 * 1024;

/// A response body, see the module doc.
#[derive(Debug)]
pub struct ReplyBody {
    source: Source,
    pos: u64,
    end: u64,
    cut: Cut,
    /// Before dropping, a pause so hyper flushes the bytes sent so far (else it would discard
    /// them with the connection and the client would see no body at all).
    pause: Option<Pin<Box<tokio::time::Sleep>>>,
}

#[derive(Debug)]
enum Source {
    Bytes(Bytes),
    /// A buffer repeated forever; byte `n` of the body is `chunk[n % chunk.len()]`.
    Repeat(Bytes),
    /// Chunks made as they are sent, of a length nobody knows in advance (sent chunked); an
    /// `Err` drops the connection there, without the final chunk.
    Chunks(ChunkSource),
}

/// What [`ReplyBody::chunks`] sends: each item is the next chunk, or `Err(())` to drop the
/// connection at that point.
pub(crate) struct ChunkSource(pub Box<dyn Iterator<Item = Result<Bytes, ()>> + Send>);

impl std::fmt::Debug for ChunkSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ChunkSource")
    }
}

impl ReplyBody {
    pub(crate) fn empty() -> Self {
        Self::bytes(Bytes::new())
    }

    pub(crate) fn bytes(bytes: Bytes) -> Self {
        let end = bytes.len() as u64;
        ReplyBody {
            source: Source::Bytes(bytes),
            pos: 0,
            end,
            cut: Cut::None,
            pause: None,
        }
    }

    /// `len` bytes of `chunk` repeated, starting at offset `start` of the virtual body.
    pub(crate) fn repeat(chunk: Bytes, start: u64, end: u64) -> Self {
        ReplyBody {
            source: Source::Repeat(chunk),
            pos: start,
            end,
            cut: Cut::None,
            pause: None,
        }
    }

    /// A body of chunks made as they are sent (see [`ChunkSource`]): no `Content-Length`.
    pub(crate) fn chunks(source: ChunkSource) -> Self {
        ReplyBody {
            source: Source::Chunks(source),
            pos: 0,
            end: 0,
            cut: Cut::None,
            pause: None,
        }
    }

    /// The whole body, when it is stored bytes sent whole (for [`crate::Fault::EditJson`]).
    pub(crate) fn whole_bytes(&self) -> Option<Bytes> {
        match &self.source {
            Source::Bytes(bytes) if self.pos == 0 && self.end == bytes.len() as u64 => {
                Some(bytes.clone())
            }
            _ => None,
        }
    }

    /// Whether the length is known in advance (else the body is sent chunked).
    pub(crate) fn has_length(&self) -> bool {
        !matches!(self.source, Source::Chunks(_))
    }

    /// Only `start..end` of the body (a satisfied `Range`).
    pub(crate) fn window(mut self, start: u64, end: u64) -> Self {
        self.pos = start;
        self.end = end;
        self
    }

    /// The number of bytes this body will announce.
    pub(crate) fn len(&self) -> u64 {
        self.end - self.pos
    }

    /// Cuts the body `fraction` of the way through (at least one byte in, one byte short).
    pub(crate) fn cut(mut self, kind: CutKind) -> Self {
        let len = self.len();
        let at = self.pos + (len / 2).clamp(len.min(1), len.saturating_sub(1).max(1));
        self.cut = match kind {
            CutKind::Drop => Cut::Drop { at },
            CutKind::Stall => Cut::Stall { at },
            CutKind::Trickle(every) => Cut::Trickle { every },
        };
        self
    }
}

/// Which fault [`ReplyBody::cut`] injects.
#[derive(Debug, Clone, Copy)]
pub(crate) enum CutKind {
    Drop,
    Stall,
    Trickle(std::time::Duration),
}

impl Body for ReplyBody {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, std::io::Error>>> {
        let this = &mut *self;
        let mut limit = this.end;
        match this.cut {
            Cut::Drop { at } if this.pos >= at => {
                let pause = this.pause.get_or_insert_with(|| {
                    Box::pin(tokio::time::sleep(std::time::Duration::from_millis(50)))
                });
                if pause.as_mut().poll(cx).is_pending() {
                    return Poll::Pending;
                }
                return Poll::Ready(Some(Err(std::io::Error::new(
                    std::io::ErrorKind::ConnectionAborted,
                    "test server: connection dropped mid-body (fault injection)",
                ))));
            }
            // Never woken again: the connection task is cancelled when the server stops.
            Cut::Stall { at } if this.pos >= at => return Poll::Pending,
            Cut::Drop { at } | Cut::Stall { at } => limit = limit.min(at),
            Cut::Trickle { every } if this.pos < this.end => {
                let pause = this
                    .pause
                    .get_or_insert_with(|| Box::pin(tokio::time::sleep(every)));
                if pause.as_mut().poll(cx).is_pending() {
                    return Poll::Pending;
                }
                this.pause = None;
                limit = limit.min(this.pos + 1);
            }
            Cut::Trickle { .. } | Cut::None => {}
        }
        if let Source::Chunks(chunks) = &mut this.source {
            return match chunks.0.next() {
                Some(Ok(data)) => {
                    this.pos += data.len() as u64;
                    this.end = this.pos;
                    Poll::Ready(Some(Ok(Frame::data(data))))
                }
                Some(Err(())) => {
                    // Drop here, after the pause that lets hyper flush what was sent.
                    this.cut = Cut::Drop { at: this.pos };
                    self.poll_frame(cx)
                }
                None => Poll::Ready(None),
            };
        }
        if this.pos >= limit {
            return Poll::Ready(None);
        }
        let want = (limit - this.pos).min(FRAME);
        let data = match &this.source {
            Source::Bytes(bytes) => bytes.slice(this.pos as usize..(this.pos + want) as usize),
            Source::Repeat(chunk) => {
                let len = chunk.len() as u64;
                let offset = this.pos % len;
                let take = want.min(len - offset);
                chunk.slice(offset as usize..(offset + take) as usize)
            }
            Source::Chunks(_) => return Poll::Ready(None),
        };
        this.pos += data.len() as u64;
        Poll::Ready(Some(Ok(Frame::data(data))))
    }

    fn is_end_stream(&self) -> bool {
        self.has_length()
            && matches!(self.cut, Cut::None | Cut::Trickle { .. })
            && self.pos >= self.end
    }

    fn size_hint(&self) -> SizeHint {
        if self.has_length() {
            SizeHint::with_exact(self.end - self.pos)
        } else {
            SizeHint::default()
        }
    }
}
