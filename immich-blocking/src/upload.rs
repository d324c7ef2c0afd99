//! Upload from a path or from readers: the core writes the multipart body around placeholders,
//! this module streams the file (or reader) into them with bounded memory and checks it gives
//! exactly the announced number of bytes.

use std::collections::hash_map::RandomState;
use std::fs::File;
use std::hash::BuildHasher;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::Path;

use bytes::{Buf, Bytes};
use http::Request;
use immich_proto::assets::{FileFacts, UploadAsset, UploadOptions, UploadResult};
use immich_proto::checksum::Sha1Checksum;
use immich_proto::multipart::{Boundary, FileRole, Segment};

use crate::client::read_body;
use crate::transport::{peer_stopped_reading, reset_peer_stopped_reading};
use crate::{Client, Error};

impl Client {
    /// Uploads the file at `path` as a new asset (`POST /assets`), streaming it with the exact
    /// `Content-Length`. The core decides the fields from the file's facts
    /// ([`UploadAsset::from_file`]). A file that changes size during the upload fails with the
    /// core's `FileSizeChanged`; the server never gets a wrong body. Needs
    /// [`setup`](Self::setup).
    pub fn upload_path(
        &self,
        path: impl AsRef<Path>,
        options: UploadOptions,
    ) -> Result<UploadResult, Error> {
        let path = path.as_ref();
        let mut asset = File::open(path)?;
        let meta = asset.metadata()?;
        let sidecar = options.sidecar.as_ref().map(File::open).transpose()?;
        let sidecar_len = match &sidecar {
            Some(file) => Some(file.metadata()?.len()),
            None => None,
        };
        let facts = FileFacts::from_metadata(path, &meta, sidecar_len)?;
        let seed = RandomState::new().hash_one(path);
        let mut upload =
            UploadAsset::from_file(&facts, &options)?.boundary(Boundary::from_seed(seed));
        if options.checksum {
            upload = upload.checksum_from(sha1_of(&mut asset)?)?;
        }
        let (parts, body) = upload.request(self.server())?.into_parts();
        let reader = SegmentReader {
            segments: body.into_segments().into_iter(),
            current: Current::Between,
            files: Files { asset, sidecar },
        };
        self.send_upload(&upload, parts, reader)
    }

    /// Uploads an asset whose bytes come from readers (a zip archive's entry, a pipe, ...),
    /// streamed with the exact `Content-Length`: `asset` (and `sidecar`) must give exactly their
    /// announced length, or the upload fails with the core's `FileSizeChanged` before the
    /// server gets a wrong body. The file name and times come from `facts`
    /// ([`UploadAsset::from_file`]; `facts.path` names the file, nothing is opened, and
    /// `facts.len` must equal the asset's length). Each reader is read once, so
    /// [`UploadOptions::checksum`] and [`UploadOptions::sidecar`] (a path) are refused: hash
    /// the bytes beforehand and pass the sidecar here. Needs [`setup`](Self::setup).
    pub fn upload_reader(
        &self,
        facts: &FileFacts,
        asset: UploadSource,
        sidecar: Option<UploadSource>,
        options: UploadOptions,
    ) -> Result<UploadResult, Error> {
        if options.checksum {
            return Err(immich_proto::Error::InvalidInput {
                what: "checksum",
                reason: "a reader is read once: upload_reader cannot hash it first".into(),
            }
            .into());
        }
        if options.sidecar.is_some() {
            return Err(immich_proto::Error::InvalidInput {
                what: "sidecar",
                reason: "upload_reader takes the sidecar as a reader, not a path".into(),
            }
            .into());
        }
        if facts.len != asset.len {
            return Err(immich_proto::Error::InvalidInput {
                what: "asset",
                reason: format!(
                    "the facts announce {} bytes, the reader {}",
                    facts.len, asset.len
                ),
            }
            .into());
        }
        let seed = RandomState::new().hash_one(&facts.path);
        let mut upload =
            UploadAsset::from_file(facts, &options)?.boundary(Boundary::from_seed(seed));
        if let Some(sidecar) = &sidecar {
            upload = upload.sidecar(sidecar.len);
        }
        let (parts, body) = upload.request(self.server())?.into_parts();
        let reader = SegmentReader {
            segments: body.into_segments().into_iter(),
            current: Current::Between,
            files: Files {
                asset: asset.reader,
                sidecar: sidecar.map(|s| s.reader),
            },
        };
        self.send_upload(&upload, parts, reader)
    }

    fn send_upload<C: Content + Send + 'static>(
        &self,
        upload: &UploadAsset,
        parts: http::request::Parts,
        reader: SegmentReader<C>,
    ) -> Result<UploadResult, Error> {
        let request = Request::from_parts(parts, ureq::SendBody::from_owned_reader(reader));
        let operation = UploadAsset::OPERATION_ID;
        reset_peer_stopped_reading();
        let response = self.call(request, operation);
        reset_peer_stopped_reading();
        Ok(upload.parse_response(read_body(response?, operation)?)?)
    }
}

/// Bytes for [`Client::upload_reader`]: a reader and exactly how many bytes it gives.
pub struct UploadSource {
    reader: Box<dyn Read + Send>,
    len: u64,
}

impl UploadSource {
    /// `len` bytes read from `reader` (more or fewer fail the upload).
    pub fn new(reader: impl Read + Send + 'static, len: u64) -> Self {
        UploadSource {
            reader: Box::new(reader),
            len,
        }
    }

    /// The announced length.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Whether it announces no bytes.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

impl std::fmt::Debug for UploadSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UploadSource")
            .field("len", &self.len)
            .finish_non_exhaustive()
    }
}

/// What fills a placeholder: a file (whose current size explains a size mismatch) or any
/// reader.
trait Content: Read {
    /// The size it has now, when it can tell.
    fn current_len(&self) -> Option<u64> {
        None
    }
}

impl Content for File {
    fn current_len(&self) -> Option<u64> {
        self.metadata().ok().map(|m| m.len())
    }
}

impl Content for Box<dyn Read + Send> {}

/// A hasher fed the whole file (the core checks the length it saw); the file is left at its
/// start again.
fn sha1_of(file: &mut File) -> Result<Sha1Checksum, Error> {
    let mut hasher = Sha1Checksum::new();
    let mut storage = vec![0u8; HASH_CHUNK + 64];
    // Aligned, so each read starts in step with the file's pages (see `in_step`).
    let start = storage.as_ptr().align_offset(64).min(64);
    let buffer = &mut storage[start..start + HASH_CHUNK];
    loop {
        match read_retrying(file, buffer)? {
            0 => break,
            n => hasher.update(&buffer[..n]),
        }
    }
    file.seek(SeekFrom::Start(0))?;
    Ok(hasher)
}

/// How much of the file the checksum pass reads at once.
const HASH_CHUNK: usize = 64 * 1024;

/// How much to read into a buffer at address `buf` from file position `pos`, so that the
/// kernel copies at full speed.
///
/// x86's string copy (`rep movsb`, which Linux uses to copy file pages out) slows down several
/// times when the destination sits 1 to 31 bytes further into its 4 KiB page than the source
/// does into its own: the CPU cannot rule out an overlap and copies carefully. ureq's send
/// buffer is a large block, which glibc places 16 bytes into a page, so reading a file from a
/// page-aligned position into it hits that case on every page (benchmark machine: 1.8 GB/s
/// instead of 8 GB/s, the upload 1.9x slower). One short read of those few bytes puts the file
/// and the buffer in step for the rest of the file.
fn in_step(buf: usize, pos: u64, want: usize) -> usize {
    // Only the offsets within a page matter; truncating `pos` keeps them.
    let skew = buf.wrapping_sub(pos as usize) % 4096;
    if (1..32).contains(&skew) {
        want.min(skew)
    } else {
        want
    }
}

/// The body as one reader: the core's bytes, then exactly `len` bytes of each file.
struct SegmentReader<C> {
    segments: std::vec::IntoIter<Segment>,
    current: Current,
    files: Files<C>,
}

struct Files<C> {
    asset: C,
    sidecar: Option<C>,
}

enum Current {
    Between,
    Bytes(Bytes),
    File {
        role: FileRole,
        len: u64,
        remaining: u64,
    },
}

impl<C> Files<C> {
    fn get(&mut self, role: FileRole) -> io::Result<&mut C> {
        match role {
            FileRole::Asset => Ok(&mut self.asset),
            // The core's error, as immich-tokio reports it; `Error::from` unwraps it again.
            FileRole::Sidecar => self.sidecar.as_mut().ok_or_else(|| {
                io::Error::other(immich_proto::Error::InvalidInput {
                    what: "sidecar",
                    reason: "the upload body has a sidecar part but no sidecar file".into(),
                })
            }),
        }
    }
}

/// The core's error inside an `io::Error`; `Error::from` unwraps it again.
fn size_changed(expected: u64, actual: u64) -> io::Error {
    io::Error::other(immich_proto::Error::FileSizeChanged { expected, actual })
}

impl<C: Content> Read for SegmentReader<C> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        loop {
            match &mut self.current {
                Current::Between => match self.segments.next() {
                    None => return Ok(0),
                    Some(Segment::Bytes(bytes)) => self.current = Current::Bytes(bytes),
                    Some(Segment::File(part)) => {
                        self.current = Current::File {
                            role: part.role,
                            len: part.len,
                            remaining: part.len,
                        }
                    }
                },
                Current::Bytes(bytes) if bytes.is_empty() => self.current = Current::Between,
                Current::Bytes(bytes) => {
                    let n = bytes.len().min(buf.len());
                    buf[..n].copy_from_slice(&bytes[..n]);
                    bytes.advance(n);
                    return Ok(n);
                }
                Current::File {
                    role,
                    len,
                    remaining,
                } => {
                    let (file, len) = (self.files.get(*role)?, *len);
                    if *remaining == 0 {
                        // The placeholder is full: the file must have nothing more (unless
                        // the rest was never read because the server stopped listening).
                        if !peer_stopped_reading() && read_retrying(file, &mut [0u8; 1])? > 0 {
                            let actual = file.current_len().map_or(len + 1, |n| n.max(len + 1));
                            return Err(size_changed(len, actual));
                        }
                        self.current = Current::Between;
                        continue;
                    }
                    let want = buf
                        .len()
                        .min(usize::try_from(*remaining).unwrap_or(usize::MAX));
                    let want = in_step(buf.as_ptr() as usize, len - *remaining, want);
                    let n = if peer_stopped_reading() {
                        // The server answered and closed: these bytes are dropped unsent, so
                        // don't read the rest of a possibly huge file for them.
                        want
                    } else {
                        match read_retrying(file, &mut buf[..want])? {
                            0 => return Err(size_changed(len, len - *remaining)),
                            n => n,
                        }
                    };
                    *remaining -= n as u64;
                    return Ok(n);
                }
            }
        }
    }
}

fn read_retrying(file: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    loop {
        match file.read(buf) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            other => return other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn in_step_reads_short_only_when_the_buffer_trails_the_file_closely() {
        // Buffer 16 bytes into its page, file at a page boundary: read 16 bytes first.
        assert_eq!(in_step(0x7000_0010, 0, 65536), 16);
        // Then both sit 16 bytes in: full reads.
        assert_eq!(in_step(0x7000_0010, 16, 65536), 65536);
        assert_eq!(in_step(0x7000_0010, 16 + 4096 * 9, 65536), 65536);
        // Aligned, or the buffer 32+ bytes ahead, or behind: nothing to fix.
        assert_eq!(in_step(0x7000_0000, 0, 65536), 65536);
        assert_eq!(in_step(0x7000_0040, 0, 65536), 65536);
        assert_eq!(in_step(0x7000_0000, 8, 65536), 65536);
        // Never more than asked.
        assert_eq!(in_step(0x7000_0010, 0, 5), 5);
    }

    #[test]
    fn segment_reader_streams_the_whole_file_through_a_skewed_buffer() {
        let path = std::env::temp_dir().join(format!(
            "immich-blocking-in-step-{}.bin",
            std::process::id()
        ));
        let contents: Vec<u8> = (0..200_000u32).map(|i| (i % 253) as u8).collect();
        std::fs::write(&path, &contents).unwrap();
        let mut reader = SegmentReader {
            segments: vec![
                Segment::Bytes(Bytes::from_static(b"head")),
                Segment::File(immich_proto::multipart::FilePart {
                    role: FileRole::Asset,
                    len: contents.len() as u64,
                }),
                Segment::Bytes(Bytes::from_static(b"tail")),
            ]
            .into_iter(),
            current: Current::Between,
            files: Files {
                asset: File::open(&path).unwrap(),
                sidecar: None,
            },
        };
        // A buffer 16 bytes into a page, as glibc hands out large blocks.
        let mut storage = vec![0u8; 70_000];
        let start = storage.as_ptr().align_offset(4096) + 16;
        let mut out = Vec::new();
        let mut reads = Vec::new();
        for _ in 0..1000 {
            let n = reader.read(&mut storage[start..start + 65536]).unwrap();
            if n == 0 {
                break;
            }
            reads.push(n);
            out.extend_from_slice(&storage[start..start + n]);
        }
        let _ = std::fs::remove_file(&path);
        let mut expected = b"head".to_vec();
        expected.extend_from_slice(&contents);
        expected.extend_from_slice(b"tail");
        assert_eq!(out, expected);
        // The head, one short read into step, then full reads.
        assert_eq!(&reads[..3], &[4, 16, 65536]);
    }
}
