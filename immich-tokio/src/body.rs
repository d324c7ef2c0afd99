//! Bodies in both directions, and the read timeout that watches them.
//!
//! - [`RequestBody`]: what the client sends, either bytes the core built or an upload streamed
//!   from files in bounded chunks, with an exact size hint.
//! - [`MediaBody`]: a media answer as a `Stream` of `Bytes` and as an `AsyncRead`.
//! - `Activity` + `with_read_timeout`: the read timeout means "no bytes moved in either
//!   direction for N seconds", so every chunk sent or received pushes the deadline back.

use std::collections::VecDeque;
use std::future::Future;
use std::io;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{ready, Context, Poll};
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use futures_core::Stream;
use http_body::{Body, Frame, SizeHint};
use hyper::body::Incoming;
use immich_proto::{BodyLimit, FileRole, Segment, UploadBody};
use tokio::io::{AsyncRead, ReadBuf};
use tokio::time::{Instant, Sleep};

use crate::{Error, TimeoutPhase};

/// How much of a file one frame carries: bounded memory whatever the file's size.
pub(crate) const CHUNK: usize = 256 * 1024;

/// The body type of the hyper client: bytes built by the core, or a streamed upload.
///
/// Build your own `hyper_util` client with this body type to share it (see
/// [`ClientBuilder::http_client`](crate::ClientBuilder::http_client)); `RequestBody::from(bytes)`
/// sends plain bytes through the same client.
pub struct RequestBody {
    inner: Inner,
}

enum Inner {
    Full(Option<Bytes>),
    Upload {
        frames: Pin<Box<dyn Stream<Item = io::Result<Bytes>> + Send>>,
        remaining: u64,
    },
}

impl RequestBody {
    /// An empty body.
    pub fn empty() -> Self {
        RequestBody::from(Bytes::new())
    }
}

impl From<Bytes> for RequestBody {
    fn from(bytes: Bytes) -> Self {
        RequestBody {
            inner: Inner::Full((!bytes.is_empty()).then_some(bytes)),
        }
    }
}

impl std::fmt::Debug for RequestBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.inner {
            Inner::Full(bytes) => write!(
                f,
                "RequestBody::Full({} bytes)",
                bytes.as_ref().map_or(0, Bytes::len)
            ),
            Inner::Upload { remaining, .. } => {
                write!(f, "RequestBody::Upload({remaining} bytes left)")
            }
        }
    }
}

impl Body for RequestBody {
    type Data = Bytes;
    type Error = io::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, io::Error>>> {
        match &mut self.inner {
            Inner::Full(bytes) => Poll::Ready(bytes.take().map(|b| Ok(Frame::data(b)))),
            Inner::Upload { frames, remaining } => {
                let next = ready!(frames.as_mut().poll_next(cx));
                if let Some(Ok(chunk)) = &next {
                    *remaining = remaining.saturating_sub(chunk.len() as u64);
                }
                Poll::Ready(next.map(|r| r.map(Frame::data)))
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        match &self.inner {
            Inner::Full(bytes) => bytes.is_none(),
            Inner::Upload { remaining, .. } => *remaining == 0,
        }
    }

    fn size_hint(&self) -> SizeHint {
        match &self.inner {
            Inner::Full(bytes) => {
                SizeHint::with_exact(bytes.as_ref().map_or(0, |b| b.len() as u64))
            }
            Inner::Upload { remaining, .. } => SizeHint::with_exact(*remaining),
        }
    }
}

/// The files an upload's placeholders come from: the asset, and the sidecar if any.
pub(crate) type UploadFiles = (PathBuf, Option<PathBuf>);

/// Shared between an upload body (owned by hyper) and the request that sent it.
#[derive(Default)]
pub(crate) struct UploadControl {
    /// Why the body stopped, since hyper only reports "body error".
    pub failure: Mutex<Option<Error>>,
    /// Set once the whole answer is in: a body still being sent (the server answered early)
    /// stops, instead of reading the rest of the file into a connection nobody reads.
    pub answered: AtomicBool,
}

/// Streams the core's segments, reading each file in [`CHUNK`]s. A file that is shorter or
/// longer than its placeholder stops the body with `FileSizeChanged` before the last byte is
/// handed to hyper, so the server never receives a complete body with the wrong contents.
pub(crate) fn upload_body(
    body: UploadBody,
    files: UploadFiles,
    activity: Activity,
    control: Arc<UploadControl>,
) -> RequestBody {
    struct State {
        segments: VecDeque<Segment>,
        files: UploadFiles,
        /// The file being streamed, its announced length and how much of it is left.
        current: Option<FileReader>,
        activity: Activity,
        control: Arc<UploadControl>,
    }
    let content_length = body.content_length();
    let state = State {
        segments: body.into_segments().into(),
        files,
        current: None,
        activity,
        control,
    };
    let frames = futures_util::stream::try_unfold(state, |mut st| async move {
        // hyper asks for the next frame once the previous one is written: progress.
        st.activity.touch();
        if st.control.answered.load(Ordering::Acquire) {
            return Err(io::Error::other(
                "the server answered before the upload finished",
            ));
        }
        let result = next_chunk(&mut st.segments, &mut st.current, &st.files).await;
        match result {
            Ok(Some(chunk)) => Ok(Some((chunk, st))),
            Ok(None) => Ok(None),
            Err(error) => {
                let message = error.to_string();
                let kind = match &error {
                    Error::Io(io) => io.kind(),
                    _ => io::ErrorKind::InvalidData,
                };
                if let Ok(mut slot) = st.control.failure.lock() {
                    slot.get_or_insert(error);
                }
                Err(io::Error::new(kind, message))
            }
        }
    });
    RequestBody {
        inner: Inner::Upload {
            frames: Box::pin(frames),
            remaining: content_length,
        },
    }
}

/// One file being streamed: the chunk being read on the blocking pool, and how far into the
/// file the reads have been asked for.
struct FileReader {
    pending: tokio::task::JoinHandle<(std::fs::File, Result<Bytes, Error>)>,
    expected: u64,
    requested: u64,
}

impl FileReader {
    fn open(path: &std::path::Path, expected: u64) -> Result<Self, Error> {
        let file = std::fs::File::open(path)?;
        Ok(Self::read_from(file, expected, 0))
    }

    /// Starts reading the chunk at `from` on the blocking pool. Plain blocking reads there,
    /// rather than `tokio::fs`, read straight into the buffer that is sent (no second copy)
    /// and let the next chunk be read while hyper sends this one.
    fn read_from(file: std::fs::File, expected: u64, from: u64) -> Self {
        let want = CHUNK.min(usize::try_from(expected - from).unwrap_or(CHUNK));
        let last = from + want as u64 == expected;
        let pending = tokio::task::spawn_blocking(move || {
            let mut file = file;
            let result = read_chunk(&mut file, want, expected, from, last);
            (file, result)
        });
        FileReader {
            pending,
            expected,
            requested: from + want as u64,
        }
    }
}

/// `len` zeroed bytes starting on a 64-byte boundary.
///
/// Linux copies file pages out with x86's string copy, which slows down several times when
/// the destination sits 1 to 31 bytes further into its 4 KiB page than the source: the CPU
/// cannot rule out an overlap and copies carefully. glibc hands out large blocks 16 bytes into
/// a page, so reading a file into one hits that case on every page (on the benchmark machine
/// 1.8 GB/s instead of 8 GB/s). On a 64-byte boundary the offsets are never that close.
pub(crate) fn aligned_zeroed(len: usize) -> BytesMut {
    let mut buffer = BytesMut::zeroed(len + 63);
    let pad = buffer.as_ptr().align_offset(64).min(63);
    let _ = buffer.split_to(pad);
    buffer.truncate(len);
    buffer
}

/// Reads `want` bytes from `from` into an aligned buffer. The last chunk also checks that the
/// file did not grow, before it leaves, so a body with the wrong contents never completes.
fn read_chunk(
    file: &mut std::fs::File,
    want: usize,
    expected: u64,
    from: u64,
    last: bool,
) -> Result<Bytes, Error> {
    use std::io::Read;
    let changed = |actual| Error::Proto(immich_proto::Error::FileSizeChanged { expected, actual });
    let mut buffer = aligned_zeroed(want);
    let mut filled = 0;
    while filled < want {
        match file.read(&mut buffer[filled..]) {
            Ok(0) => return Err(changed(from + filled as u64)),
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e.into()),
        }
    }
    if last && file.read(&mut [0u8; 1])? > 0 {
        let found = file.metadata().map_or(0, |m| m.len());
        return Err(changed(found.max(expected + 1)));
    }
    Ok(buffer.freeze())
}

async fn next_chunk(
    segments: &mut VecDeque<Segment>,
    current: &mut Option<FileReader>,
    files: &UploadFiles,
) -> Result<Option<Bytes>, Error> {
    loop {
        if let Some(reader) = current.take() {
            let (file, chunk) = reader
                .pending
                .await
                .map_err(|e| Error::Io(io::Error::other(e)))?;
            let chunk = chunk?;
            if reader.requested < reader.expected {
                *current = Some(FileReader::read_from(
                    file,
                    reader.expected,
                    reader.requested,
                ));
            }
            if chunk.is_empty() {
                continue;
            }
            return Ok(Some(chunk));
        }
        match segments.pop_front() {
            None => return Ok(None),
            Some(Segment::Bytes(bytes)) if bytes.is_empty() => continue,
            Some(Segment::Bytes(bytes)) => return Ok(Some(bytes)),
            Some(Segment::File(part)) => {
                let path = match part.role {
                    FileRole::Asset => Some(&files.0),
                    FileRole::Sidecar => files.1.as_ref(),
                };
                let Some(path) = path else {
                    let reason = "the upload body has a sidecar part but no sidecar file".into();
                    return Err(immich_proto::Error::InvalidInput {
                        what: "sidecar",
                        reason,
                    }
                    .into());
                };
                *current = Some(FileReader::open(path, part.len)?);
            }
        }
    }
}

/// When bytes last moved for one request; shared by the request body, the response reader and
/// the timer.
#[derive(Clone, Debug)]
pub(crate) struct Activity(Arc<Mutex<Instant>>);

impl Activity {
    pub(crate) fn new() -> Self {
        Activity(Arc::new(Mutex::new(Instant::now())))
    }

    pub(crate) fn touch(&self) {
        if let Ok(mut last) = self.0.lock() {
            *last = Instant::now();
        }
    }

    fn last(&self) -> Instant {
        self.0.lock().map_or_else(|_| Instant::now(), |last| *last)
    }
}

/// Runs `work`, failing with a read timeout once `activity` has not moved for `limit`.
pub(crate) async fn with_read_timeout<T>(
    activity: &Activity,
    limit: Duration,
    work: impl Future<Output = Result<T, Error>>,
) -> Result<T, Error> {
    let mut work = std::pin::pin!(work);
    loop {
        let deadline = activity.last() + limit;
        tokio::select! {
            out = &mut work => return out,
            () = tokio::time::sleep_until(deadline) => {
                if activity.last() + limit <= Instant::now() {
                    return Err(Error::Timeout(TimeoutPhase::Read));
                }
            }
        }
    }
}

/// Runs `work`, failing with a deadline timeout at `deadline` (never, when `None`).
pub(crate) async fn within_deadline<T>(
    deadline: Option<Instant>,
    work: impl Future<Output = Result<T, Error>>,
) -> Result<T, Error> {
    match deadline {
        None => work.await,
        Some(deadline) => tokio::time::timeout_at(deadline, work)
            .await
            .unwrap_or(Err(Error::Timeout(TimeoutPhase::Deadline))),
    }
}

/// Reads a body into memory within the core's `limit`: past a `Whole` limit it fails with
/// `BodyTooLarge`, at a `Prefix` limit it stops quietly (error bodies).
pub(crate) async fn collect(
    mut body: Incoming,
    limit: BodyLimit,
    operation: &'static str,
    activity: &Activity,
) -> Result<Bytes, Error> {
    let (max, truncate) = match limit {
        BodyLimit::Whole(max) => (max, false),
        BodyLimit::Prefix(max) => (max, true),
    };
    let too_large = || {
        Error::Proto(immich_proto::Error::BodyTooLarge {
            operation,
            limit: max,
        })
    };
    if !truncate && body.size_hint().lower() > max {
        return Err(too_large());
    }
    let mut out = Gather::new(body.size_hint().lower().min(max));
    while let Some(frame) = std::future::poll_fn(|cx| Pin::new(&mut body).poll_frame(cx)).await {
        activity.touch();
        let Ok(data) = frame.map_err(crate::error::from_body)?.into_data() else {
            continue;
        };
        let room = usize::try_from(max.saturating_sub(out.len() as u64)).unwrap_or(usize::MAX);
        if data.len() > room {
            if truncate {
                out.push(data.slice(..room));
                break;
            }
            return Err(too_large());
        }
        out.push(data);
    }
    Ok(out.finish())
}

/// The most a body's announced length reserves up front: the length is the server's word,
/// so a larger body grows its buffer as it actually arrives.
const RESERVE_MAX: u64 = 8 << 20;

/// A body put together from its frames: copied once into a buffer sized from the announced
/// length, rather than grown (and copied again) step by step; a 1.4 MB search page otherwise
/// took eight reallocations. (The frames are not kept as they are: each one pins hyper's whole
/// read buffer, 64 KiB or more, for as long as the caller keeps the body, e.g. a thumbnail.)
struct Gather {
    out: BytesMut,
    expected: u64,
}

impl Gather {
    fn new(expected: u64) -> Self {
        Gather {
            out: BytesMut::new(),
            expected: expected.min(RESERVE_MAX),
        }
    }

    fn len(&self) -> usize {
        self.out.len()
    }

    fn push(&mut self, data: Bytes) {
        if self.out.capacity() == 0 {
            let want = usize::try_from(self.expected).unwrap_or(0);
            self.out.reserve(want.max(data.len()));
        }
        self.out.extend_from_slice(&data);
    }

    fn finish(self) -> Bytes {
        self.out.freeze()
    }
}

/// The body of a media answer (thumbnail, video), read as it arrives.
///
/// It is a [`Stream`] of `Result<Bytes, Error>` and an [`AsyncRead`]. The read timeout applies
/// while you wait on it: no bytes for that long while polling ends it with a timeout error.
/// A connection dropped before the announced end is an error, never a silent short read.
/// Through `AsyncRead` an error is an `io::Error` (a timeout of kind `TimedOut`), which
/// `Error::from` turns back into the [`Error`] it was.
pub struct MediaBody {
    incoming: Incoming,
    operation: &'static str,
    read_timeout: Duration,
    timer: Option<Pin<Box<Sleep>>>,
    deadline: Option<Pin<Box<Sleep>>>,
    leftover: Bytes,
    done: bool,
}

impl MediaBody {
    pub(crate) fn new(
        incoming: Incoming,
        operation: &'static str,
        read_timeout: Duration,
        deadline: Option<Instant>,
    ) -> Self {
        MediaBody {
            incoming,
            operation,
            read_timeout,
            timer: None,
            deadline: deadline.map(|at| Box::pin(tokio::time::sleep_until(at))),
            leftover: Bytes::new(),
            done: false,
        }
    }

    /// Reads the rest into memory; fails with `BodyTooLarge` past `limit` bytes.
    pub async fn bytes(mut self, limit: u64) -> Result<Bytes, Error> {
        let too_large = immich_proto::Error::BodyTooLarge {
            operation: self.operation,
            limit,
        };
        let mut out = Gather::new(self.incoming.size_hint().lower().min(limit));
        while let Some(chunk) = std::future::poll_fn(|cx| Pin::new(&mut self).poll_next(cx)).await {
            let chunk = chunk?;
            if out.len() as u64 + chunk.len() as u64 > limit {
                return Err(too_large.into());
            }
            out.push(chunk);
        }
        Ok(out.finish())
    }
}

impl std::fmt::Debug for MediaBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MediaBody")
            .field("operation", &self.operation)
            .field("done", &self.done)
            .finish_non_exhaustive()
    }
}

impl Stream for MediaBody {
    type Item = Result<Bytes, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        if !this.leftover.is_empty() {
            return Poll::Ready(Some(Ok(std::mem::take(&mut this.leftover))));
        }
        while !this.done {
            // The request's deadline covers the whole body, however steadily it trickles in.
            if let Some(deadline) = this.deadline.as_mut() {
                if deadline.as_mut().poll(cx).is_ready() {
                    this.done = true;
                    return Poll::Ready(Some(Err(Error::Timeout(TimeoutPhase::Deadline))));
                }
            }
            match Pin::new(&mut this.incoming).poll_frame(cx) {
                Poll::Ready(Some(Ok(frame))) => {
                    this.timer = None;
                    match frame.into_data() {
                        Ok(data) if !data.is_empty() => return Poll::Ready(Some(Ok(data))),
                        _ => continue, // trailers or an empty frame
                    }
                }
                Poll::Ready(Some(Err(e))) => {
                    this.done = true;
                    return Poll::Ready(Some(Err(crate::error::from_body(e))));
                }
                Poll::Ready(None) => this.done = true,
                Poll::Pending => {
                    let limit = this.read_timeout;
                    let timer = this
                        .timer
                        .get_or_insert_with(|| Box::pin(tokio::time::sleep(limit)));
                    ready!(timer.as_mut().poll(cx));
                    this.done = true;
                    return Poll::Ready(Some(Err(Error::Timeout(TimeoutPhase::Read))));
                }
            }
        }
        Poll::Ready(None)
    }
}

impl AsyncRead for MediaBody {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if self.leftover.is_empty() {
            match ready!(self.as_mut().poll_next(cx)) {
                Some(Ok(chunk)) => self.leftover = chunk,
                // `Error::from` turns it back into the error it was.
                Some(Err(e)) => return Poll::Ready(Err(e.into_io())),
                None => return Poll::Ready(Ok(())),
            }
        }
        let n = buf.remaining().min(self.leftover.len());
        let chunk = self.leftover.split_to(n);
        buf.put_slice(&chunk);
        Poll::Ready(Ok(()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gather_sizes_its_buffer_once_from_the_announced_length() {
        // Announced 12 bytes: the buffer is sized once from the announcement.
        let mut gather = Gather::new(12);
        let mut capacity = None;
        for piece in [&b"abcd"[..], b"efgh", b"ijkl"] {
            gather.push(Bytes::copy_from_slice(piece));
            assert_eq!(
                *capacity.get_or_insert(gather.out.capacity()),
                gather.out.capacity()
            );
        }
        assert!(capacity.unwrap_or(0) >= 12);
        assert_eq!(gather.len(), 12);
        assert_eq!(&gather.finish()[..], b"abcdefghijkl");

        // A huge announcement reserves no more than RESERVE_MAX; more bytes than announced
        // still arrive whole.
        assert_eq!(Gather::new(u64::MAX).expected, RESERVE_MAX);
        let mut gather = Gather::new(2);
        for piece in [&b"ab"[..], b"cd", b"ef"] {
            gather.push(Bytes::copy_from_slice(piece));
        }
        assert_eq!(&gather.finish()[..], b"abcdef");
        assert_eq!(Gather::new(0).finish(), Bytes::new());
    }

    #[test]
    fn aligned_buffers_start_on_a_64_byte_boundary() {
        for len in [1, 100, 65536, CHUNK, CHUNK + 7] {
            let buffer = aligned_zeroed(len);
            assert_eq!(buffer.len(), len);
            assert_eq!(buffer.as_ptr() as usize % 64, 0, "len {len}");
            assert!(buffer.iter().all(|&b| b == 0));
        }
    }

    fn temp_file(name: &str, contents: &[u8]) -> PathBuf {
        let path = std::env::temp_dir().join(format!(
            "immich-tokio-body-{name}-{}.bin",
            std::process::id()
        ));
        std::fs::write(&path, contents).unwrap();
        path
    }

    #[test]
    fn chunks_are_read_whole_and_a_changed_size_is_caught() {
        let contents: Vec<u8> = (0..1000u32).map(|i| (i % 251) as u8).collect();
        let path = temp_file("chunks", &contents);
        let mut file = std::fs::File::open(&path).unwrap();
        let first = read_chunk(&mut file, 600, 1000, 0, false).unwrap();
        assert_eq!(&first[..], &contents[..600]);
        assert_eq!(first.as_ptr() as usize % 64, 0);
        let last = read_chunk(&mut file, 400, 1000, 600, true).unwrap();
        assert_eq!(&last[..], &contents[600..]);

        // Announced 900 bytes: the last chunk finds one more and fails instead of leaving.
        let mut file = std::fs::File::open(&path).unwrap();
        read_chunk(&mut file, 600, 900, 0, false).unwrap();
        match read_chunk(&mut file, 300, 900, 600, true) {
            Err(Error::Proto(immich_proto::Error::FileSizeChanged { expected, actual })) => {
                assert_eq!((expected, actual), (900, 1000));
            }
            other => panic!("expected FileSizeChanged, got {other:?}"),
        }
        // Announced 1200: the file ends early.
        let mut file = std::fs::File::open(&path).unwrap();
        match read_chunk(&mut file, 1200, 1200, 0, true) {
            Err(Error::Proto(immich_proto::Error::FileSizeChanged { expected, actual })) => {
                assert_eq!((expected, actual), (1200, 1000));
            }
            other => panic!("expected FileSizeChanged, got {other:?}"),
        }
        let _ = std::fs::remove_file(&path);
    }

    #[tokio::test]
    async fn file_reader_streams_every_chunk_in_order() {
        let contents: Vec<u8> = (0..(CHUNK * 2 + 12_345) as u32)
            .map(|i| (i % 249) as u8)
            .collect();
        let path = temp_file("reader", &contents);
        let mut segments: VecDeque<Segment> = vec![
            Segment::Bytes(Bytes::from_static(b"head")),
            Segment::File(immich_proto::multipart::FilePart {
                role: FileRole::Asset,
                len: contents.len() as u64,
            }),
            Segment::Bytes(Bytes::from_static(b"tail")),
        ]
        .into();
        let files: UploadFiles = (path.clone(), None);
        let mut current = None;
        let mut out = Vec::new();
        let mut chunks = 0;
        while let Some(chunk) = next_chunk(&mut segments, &mut current, &files)
            .await
            .unwrap()
        {
            out.extend_from_slice(&chunk);
            chunks += 1;
            assert!(chunks < 100);
        }
        let _ = std::fs::remove_file(&path);
        let mut expected = b"head".to_vec();
        expected.extend_from_slice(&contents);
        expected.extend_from_slice(b"tail");
        assert_eq!(out, expected);
        assert_eq!(chunks, 2 + 3, "head, three file chunks, tail");
    }
}
