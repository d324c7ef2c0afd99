//! Multipart upload bodies without I/O (RFC 7578 `multipart/form-data`).
//!
//! The core writes every byte it can: the text fields, each file part's headers and the closing
//! delimiter, with CRLF line endings. Where a file's contents belong it leaves a placeholder of a
//! known length ([`Segment::File`]), which the transport fills by streaming the file. So the
//! `Content-Length` is exact before a single byte of the file is read, and memory stays bounded
//! whatever the file's size.
//!
//! A transport walks [`UploadBody::segments`]:
//!
//! ```
//! use immich_proto::multipart::{Boundary, FileRole, MultipartBuilder, Segment};
//!
//! let mut builder = MultipartBuilder::new(Boundary::from_seed(7));
//! builder.text("isFavorite", "false")?;
//! builder.file(FileRole::Asset, "a.jpg", "application/octet-stream", 5)?;
//! let body = builder.finish()?;
//!
//! let mut sent = Vec::new();
//! for segment in body.segments() {
//!     match segment {
//!         Segment::Bytes(bytes) => sent.extend_from_slice(bytes),
//!         // A real transport streams exactly `part.len` bytes of the file here.
//!         Segment::File(part) => sent.extend_from_slice(&b"hello"[..part.len as usize]),
//!     }
//! }
//! assert_eq!(sent.len() as u64, body.content_length());
//! assert_eq!(sent, body.assemble(b"hello", None)?);
//! # Ok::<(), immich_proto::Error>(())
//! ```

use std::fmt;

use bytes::Bytes;
use md5::{Digest, Md5};

use crate::Error;

/// The delimiter between parts. Hex of the MD5 of a seed: fixed for a fixed seed (golden
/// tests), and not guessable when the seed is random (a transport seeds it from
/// `std::collections::hash_map::RandomState`), so file contents cannot forge a part.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Boundary(String);

impl Boundary {
    /// The boundary for `seed`: 32 lowercase hex digits of `md5(seed as little-endian bytes)`.
    pub fn from_seed(seed: u64) -> Self {
        let digest = Md5::digest(seed.to_le_bytes());
        let mut text = String::with_capacity(32);
        for byte in digest {
            text.push_str(&format!("{byte:02x}"));
        }
        Boundary(text)
    }

    /// The boundary text (without the leading `--`).
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Boundary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Boundary({})", self.0)
    }
}

impl fmt::Display for Boundary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Which file a placeholder stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FileRole {
    /// The photo or video itself (form field `assetData`).
    Asset,
    /// The XMP sidecar (form field `sidecarData`).
    Sidecar,
}

impl FileRole {
    /// The form field name Immich reads this file from.
    pub fn field_name(self) -> &'static str {
        match self {
            FileRole::Asset => "assetData",
            FileRole::Sidecar => "sidecarData",
        }
    }
}

/// A placeholder for a file's contents: the transport sends exactly `len` bytes of that file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FilePart {
    /// Which file.
    pub role: FileRole,
    /// Its exact length, counted in the `Content-Length`. A file that turns out shorter or
    /// longer must fail the upload ([`Error::FileSizeChanged`]), never send a wrong body.
    pub len: u64,
}

/// One piece of an upload body, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment {
    /// Bytes the core wrote: fields, part headers, delimiters.
    Bytes(Bytes),
    /// The contents of a file, streamed by the transport.
    File(FilePart),
}

impl Segment {
    /// The number of bytes this segment puts on the wire.
    pub fn len(&self) -> u64 {
        match self {
            Segment::Bytes(bytes) => bytes.len() as u64,
            Segment::File(part) => part.len,
        }
    }

    /// Whether the segment sends nothing.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A complete `multipart/form-data` body: segments plus the exact total length.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadBody {
    segments: Vec<Segment>,
    content_length: u64,
    boundary: Boundary,
}

impl UploadBody {
    /// The segments, in the order they go on the wire.
    pub fn segments(&self) -> &[Segment] {
        &self.segments
    }

    /// Takes the segments (a transport building its own body type).
    pub fn into_segments(self) -> Vec<Segment> {
        self.segments
    }

    /// The exact number of bytes of the whole body: the `Content-Length`.
    pub fn content_length(&self) -> u64 {
        self.content_length
    }

    /// The boundary between parts.
    pub fn boundary(&self) -> &Boundary {
        &self.boundary
    }

    /// The `Content-Type` header value: `multipart/form-data; boundary=...`.
    pub fn content_type(&self) -> String {
        format!("multipart/form-data; boundary={}", self.boundary)
    }

    /// The placeholders, in order.
    pub fn file_parts(&self) -> impl Iterator<Item = FilePart> + '_ {
        self.segments.iter().filter_map(|segment| match segment {
            Segment::File(part) => Some(*part),
            Segment::Bytes(_) => None,
        })
    }

    /// The announced length of the file with this role, if the body has one.
    pub fn file_len(&self, role: FileRole) -> Option<u64> {
        self.file_parts()
            .find(|part| part.role == role)
            .map(|part| part.len)
    }

    /// The whole body in memory, with the given file contents in place of the placeholders:
    /// for tests and small in-memory uploads.
    ///
    /// Fails with [`Error::FileSizeChanged`] when a content's length differs from its
    /// placeholder, and with [`Error::InvalidInput`] when a sidecar is given but not planned or
    /// planned but not given.
    pub fn assemble(&self, asset: &[u8], sidecar: Option<&[u8]>) -> Result<Vec<u8>, Error> {
        if sidecar.is_some() && self.file_len(FileRole::Sidecar).is_none() {
            return Err(Error::invalid_input(
                "sidecar",
                "the body has no sidecar part",
            ));
        }
        let capacity = usize::try_from(self.content_length)
            .map_err(|_| Error::invalid_input("upload body", "too large to assemble in memory"))?;
        let mut out = Vec::with_capacity(capacity);
        for segment in &self.segments {
            match segment {
                Segment::Bytes(bytes) => out.extend_from_slice(bytes),
                Segment::File(part) => {
                    let contents = match part.role {
                        FileRole::Asset => asset,
                        FileRole::Sidecar => sidecar.ok_or_else(|| {
                            Error::invalid_input("sidecar", "the body has a sidecar part")
                        })?,
                    };
                    if contents.len() as u64 != part.len {
                        return Err(Error::FileSizeChanged {
                            expected: part.len,
                            actual: contents.len() as u64,
                        });
                    }
                    out.extend_from_slice(contents);
                }
            }
        }
        Ok(out)
    }
}

/// Writes a `multipart/form-data` body part by part, computing its exact length.
///
/// Fields and files come out in the order they are added. Each file role may appear once.
/// After a method returns an error, drop the builder: the body it was writing is incomplete.
#[derive(Debug)]
pub struct MultipartBuilder {
    boundary: Boundary,
    segments: Vec<Segment>,
    /// Bytes written since the last placeholder.
    pending: Vec<u8>,
    content_length: u64,
}

impl MultipartBuilder {
    /// An empty body with this boundary.
    pub fn new(boundary: Boundary) -> Self {
        MultipartBuilder {
            boundary,
            segments: Vec::new(),
            pending: Vec::new(),
            content_length: 0,
        }
    }

    /// Adds a text field. The value must not contain the boundary (it could end the part early).
    pub fn text(&mut self, name: &str, value: &str) -> Result<&mut Self, Error> {
        self.check_free_of_boundary("form field", value)?;
        self.start_part(name, None)?;
        self.pending.extend_from_slice(b"\r\n");
        self.pending.extend_from_slice(value.as_bytes());
        self.pending.extend_from_slice(b"\r\n");
        Ok(self)
    }

    /// Adds a file part: its headers now, and a placeholder of `len` bytes for its contents.
    /// The file name is escaped (`"`, CR, LF become `%22`, `%0D`, `%0A`).
    pub fn file(
        &mut self,
        role: FileRole,
        filename: &str,
        content_type: &str,
        len: u64,
    ) -> Result<&mut Self, Error> {
        if self
            .segments
            .iter()
            .any(|s| matches!(s, Segment::File(p) if p.role == role))
        {
            return Err(Error::invalid_input(
                "upload body",
                format!("a second {} part", role.field_name()),
            ));
        }
        if content_type.bytes().any(|b| b.is_ascii_control()) {
            return Err(Error::invalid_input(
                "content type",
                "control characters are not allowed",
            ));
        }
        self.check_free_of_boundary("file name", filename)?;
        self.start_part(role.field_name(), Some(filename))?;
        self.pending.extend_from_slice(b"Content-Type: ");
        self.pending.extend_from_slice(content_type.as_bytes());
        self.pending.extend_from_slice(b"\r\n\r\n");
        self.flush()?;
        self.add_len(len)?;
        self.segments.push(Segment::File(FilePart { role, len }));
        // The CRLF that ends the file part goes before the next delimiter.
        self.pending.extend_from_slice(b"\r\n");
        Ok(self)
    }

    /// Adds a file part whose contents are in memory (a profile image, a small backup): the
    /// bytes go into the body itself, no placeholder. Fails when they contain the boundary.
    pub fn file_bytes(
        &mut self,
        name: &str,
        filename: &str,
        content_type: &str,
        contents: &[u8],
    ) -> Result<&mut Self, Error> {
        if content_type.bytes().any(|b| b.is_ascii_control()) {
            return Err(Error::invalid_input(
                "content type",
                "control characters are not allowed",
            ));
        }
        self.check_free_of_boundary("file name", filename)?;
        let boundary = self.boundary.as_str().as_bytes();
        if contents.windows(boundary.len()).any(|w| w == boundary) {
            return Err(Error::invalid_input(
                "file contents",
                "contain the multipart boundary",
            ));
        }
        self.start_part(name, Some(filename))?;
        self.pending.extend_from_slice(b"Content-Type: ");
        self.pending.extend_from_slice(content_type.as_bytes());
        self.pending.extend_from_slice(b"\r\n\r\n");
        self.pending.extend_from_slice(contents);
        self.pending.extend_from_slice(b"\r\n");
        Ok(self)
    }

    /// Writes the closing delimiter and returns the body.
    pub fn finish(mut self) -> Result<UploadBody, Error> {
        self.pending.extend_from_slice(b"--");
        self.pending
            .extend_from_slice(self.boundary.as_str().as_bytes());
        self.pending.extend_from_slice(b"--\r\n");
        self.flush()?;
        Ok(UploadBody {
            segments: self.segments,
            content_length: self.content_length,
            boundary: self.boundary,
        })
    }

    /// `--boundary CRLF Content-Disposition: form-data; name="..."[; filename="..."] CRLF`.
    fn start_part(&mut self, name: &str, filename: Option<&str>) -> Result<(), Error> {
        if name.is_empty() {
            return Err(Error::invalid_input("form field", "empty field name"));
        }
        self.pending.extend_from_slice(b"--");
        self.pending
            .extend_from_slice(self.boundary.as_str().as_bytes());
        self.pending
            .extend_from_slice(b"\r\nContent-Disposition: form-data; name=\"");
        self.pending
            .extend_from_slice(escape_quoted(name).as_bytes());
        self.pending.push(b'"');
        if let Some(filename) = filename {
            self.pending.extend_from_slice(b"; filename=\"");
            self.pending
                .extend_from_slice(escape_quoted(filename).as_bytes());
            self.pending.push(b'"');
        }
        self.pending.extend_from_slice(b"\r\n");
        Ok(())
    }

    fn check_free_of_boundary(&self, what: &'static str, text: &str) -> Result<(), Error> {
        if text.contains(self.boundary.as_str()) {
            return Err(Error::invalid_input(
                what,
                "contains the multipart boundary",
            ));
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<(), Error> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let bytes = Bytes::from(std::mem::take(&mut self.pending));
        self.add_len(bytes.len() as u64)?;
        self.segments.push(Segment::Bytes(bytes));
        Ok(())
    }

    fn add_len(&mut self, len: u64) -> Result<(), Error> {
        self.content_length = self
            .content_length
            .checked_add(len)
            .ok_or_else(|| Error::invalid_input("upload body", "length overflows u64"))?;
        Ok(())
    }
}

/// Escapes a quoted-string parameter as browsers do for multipart names (WHATWG HTML
/// "multipart/form-data encoding algorithm"): `"` as `%22`, CR as `%0D`, LF as `%0A`.
pub fn escape_quoted(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '"' => out.push_str("%22"),
            '\r' => out.push_str("%0D"),
            '\n' => out.push_str("%0A"),
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boundary_is_md5_hex_of_the_seed() {
        // md5 of eight zero bytes.
        assert_eq!(
            Boundary::from_seed(0).as_str(),
            "7dea362b3fac8e00956a4952a3d4f474"
        );
        assert_eq!(Boundary::from_seed(42), Boundary::from_seed(42));
        assert_ne!(Boundary::from_seed(42), Boundary::from_seed(43));
        assert!(Boundary::from_seed(u64::MAX)
            .as_str()
            .bytes()
            .all(|b| b.is_ascii_hexdigit()));
    }

    #[test]
    fn exact_bytes_and_length() {
        let mut builder = MultipartBuilder::new(Boundary("B".into()));
        builder.text("a", "1").unwrap();
        builder
            .file(FileRole::Asset, "x\"y.jpg", "image/jpeg", 3)
            .unwrap();
        builder
            .file(FileRole::Sidecar, "x.xmp", "application/octet-stream", 2)
            .unwrap();
        let body = builder.finish().unwrap();
        let want = "--B\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n\
                    --B\r\nContent-Disposition: form-data; name=\"assetData\"; filename=\"x%22y.jpg\"\r\n\
                    Content-Type: image/jpeg\r\n\r\nabc\r\n\
                    --B\r\nContent-Disposition: form-data; name=\"sidecarData\"; filename=\"x.xmp\"\r\n\
                    Content-Type: application/octet-stream\r\n\r\nxy\r\n--B--\r\n";
        let assembled = body.assemble(b"abc", Some(b"xy")).unwrap();
        assert_eq!(String::from_utf8(assembled.clone()).unwrap(), want);
        assert_eq!(body.content_length(), assembled.len() as u64);
        assert_eq!(body.content_type(), "multipart/form-data; boundary=B");
        assert_eq!(body.file_len(FileRole::Asset), Some(3));
        assert_eq!(body.file_len(FileRole::Sidecar), Some(2));
        let total: u64 = body.segments().iter().map(Segment::len).sum();
        assert_eq!(total, body.content_length());
    }

    #[test]
    fn assemble_checks_lengths_and_sidecar() {
        let mut builder = MultipartBuilder::new(Boundary::from_seed(1));
        builder.file(FileRole::Asset, "a", "x/y", 5).unwrap();
        let body = builder.finish().unwrap();
        assert_eq!(
            body.assemble(b"1234", None),
            Err(Error::FileSizeChanged {
                expected: 5,
                actual: 4
            })
        );
        assert_eq!(
            body.assemble(b"123456", None),
            Err(Error::FileSizeChanged {
                expected: 5,
                actual: 6
            })
        );
        assert!(matches!(
            body.assemble(b"12345", Some(b"x")),
            Err(Error::InvalidInput { .. })
        ));
        assert!(body.assemble(b"12345", None).is_ok());
    }

    #[test]
    fn refuses_what_would_break_the_body() {
        let boundary = Boundary::from_seed(9);
        let mut builder = MultipartBuilder::new(boundary.clone());
        let sneaky = format!("x\r\n--{boundary}\r\n");
        assert!(builder.text("f", &sneaky).is_err());
        assert!(builder.file(FileRole::Asset, &sneaky, "a/b", 1).is_err());
        assert!(builder
            .file(FileRole::Asset, "a", "a/b\r\nX: y", 1)
            .is_err());
        assert!(builder.text("", "v").is_err());
        builder.file(FileRole::Asset, "a", "a/b", 1).unwrap();
        assert!(builder.file(FileRole::Asset, "b", "a/b", 1).is_err());
        assert!(
            builder
                .file(FileRole::Sidecar, "s", "a/b", u64::MAX)
                .is_err(),
            "length overflow is an error"
        );
    }

    #[test]
    fn escapes_quotes_and_line_breaks() {
        assert_eq!(escape_quoted("a\"b\r\nc é"), "a%22b%0D%0Ac é");
    }
}

/// A file sent in memory as one field of a generated multipart operation (a profile image, a
/// database backup).
#[derive(Clone, PartialEq, Eq)]
pub struct FormFile {
    /// The file name the server sees.
    pub file_name: String,
    /// Its media type, e.g. `image/jpeg`.
    pub content_type: String,
    /// Its contents.
    pub contents: Bytes,
}

impl FormFile {
    /// A file named `file_name` of type `content_type`.
    pub fn new(
        file_name: impl Into<String>,
        content_type: impl Into<String>,
        contents: impl Into<Bytes>,
    ) -> Self {
        FormFile {
            file_name: file_name.into(),
            content_type: content_type.into(),
            contents: contents.into(),
        }
    }
}

impl fmt::Debug for FormFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FormFile")
            .field("file_name", &self.file_name)
            .field("content_type", &self.content_type)
            .field("len", &self.contents.len())
            .finish()
    }
}

/// A `multipart/form-data` request of in-memory files (`None` parts are left out). The boundary
/// comes from the files' MD5, so the same files give the same bytes (golden tests), and is
/// chosen again in the unlikely case the contents hold it.
pub fn form_request(
    server: &crate::Server,
    method: http::Method,
    path: &str,
    query: Option<&str>,
    files: &[(&str, Option<&FormFile>)],
) -> Result<http::Request<Bytes>, Error> {
    let mut digest = Md5::new();
    for (_, file) in files {
        if let Some(file) = file {
            digest.update(&file.contents);
        }
    }
    let digest = digest.finalize();
    let mut seed = u64::from_le_bytes([
        digest[0], digest[1], digest[2], digest[3], digest[4], digest[5], digest[6], digest[7],
    ]);
    let body = loop {
        let mut builder = MultipartBuilder::new(Boundary::from_seed(seed));
        let mut clash = false;
        for (name, file) in files {
            let Some(file) = file else { continue };
            match builder.file_bytes(name, &file.file_name, &file.content_type, &file.contents) {
                Ok(_) => {}
                Err(Error::InvalidInput {
                    what: "file contents",
                    ..
                }) => {
                    clash = true;
                    break;
                }
                Err(other) => return Err(other),
            }
        }
        if !clash {
            break builder.finish()?;
        }
        seed = seed.wrapping_add(1);
    };
    let content_type = http::HeaderValue::from_str(&body.content_type())
        .map_err(|e| Error::invalid_input("content type", e.to_string()))?;
    let mut bytes = Vec::with_capacity(usize::try_from(body.content_length()).unwrap_or(0));
    for segment in body.segments() {
        if let Segment::Bytes(chunk) = segment {
            bytes.extend_from_slice(chunk);
        }
    }
    server
        .request_builder(method, path, query)?
        .header(http::header::CONTENT_TYPE, content_type)
        .body(Bytes::from(bytes))
        .map_err(|e| Error::invalid_input("request", e.to_string()))
}
