//! `GET /server/media-types`: `getSupportedMediaTypes`. No permission (public).
//!
//! History: added in v1 (beta), stable since v2. Although the document calls the lists "MIME
//! types", servers send file extensions with their dot (`".jpg"`, `".mp4"`, `".xmp"`), which
//! is what the server itself checks uploads against; [`SupportedMediaTypes::accepts`] does the
//! same check so an uploader can skip files the server would refuse.

use bytes::Bytes;
use http::{response, Method, Request};
use serde::{Deserialize, Serialize};

use crate::endpoint::{decode_json, empty_request};
use crate::{Endpoint, Error, Server};

/// Reads the file types the server accepts as images, videos and sidecars.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct GetSupportedMediaTypes;

impl GetSupportedMediaTypes {
    /// The operation (it takes no arguments).
    pub const fn new() -> Self {
        GetSupportedMediaTypes
    }
}

impl Endpoint for GetSupportedMediaTypes {
    type Output = SupportedMediaTypes;
    const OPERATION_ID: &'static str = "getSupportedMediaTypes";
    const PERMISSION: Option<&'static str> = None;

    fn request(&self, server: &Server) -> Result<Request<Bytes>, Error> {
        empty_request(server, Method::GET, "/server/media-types", None)
    }

    fn parse(&self, _head: &response::Parts, body: Bytes) -> Result<SupportedMediaTypes, Error> {
        decode_json(Self::OPERATION_ID, &body)
    }
}

/// What kind of file the server takes a file name for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MediaKind {
    /// A photo (uploaded as an asset).
    Image,
    /// A video (uploaded as an asset).
    Video,
    /// Metadata next to an asset (an XMP sidecar), not an asset itself.
    Sidecar,
}

/// The file types the server accepts (`ServerMediaTypesResponseDto`), as extensions with their
/// dot, e.g. `".heic"`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct SupportedMediaTypes {
    /// Image extensions.
    #[serde(default)]
    pub image: Vec<String>,
    /// Video extensions.
    #[serde(default)]
    pub video: Vec<String>,
    /// Sidecar extensions.
    #[serde(default)]
    pub sidecar: Vec<String>,
}

impl SupportedMediaTypes {
    /// Lists made by hand (or kept from an earlier answer), with or without the dots.
    pub fn new(image: Vec<String>, video: Vec<String>, sidecar: Vec<String>) -> Self {
        SupportedMediaTypes {
            image,
            video,
            sidecar,
        }
    }

    /// Whether the server takes `filename` as an asset (an image or a video), judged by its
    /// extension, ignoring case: `IMG_1.JPG` is taken when `.jpg` is listed. A path is fine
    /// (only the last component counts); a name with no extension, or only a leading dot
    /// (`.jpg`), is not taken, as the server decides.
    pub fn accepts(&self, filename: &str) -> bool {
        matches!(
            self.kind_of(filename),
            Some(MediaKind::Image | MediaKind::Video)
        )
    }

    /// Whether `filename` is a sidecar the server reads (`.xmp`).
    pub fn is_sidecar(&self, filename: &str) -> bool {
        self.kind_of(filename) == Some(MediaKind::Sidecar)
    }

    /// What the server takes `filename` for, by its extension (ignoring case), or `None`.
    pub fn kind_of(&self, filename: &str) -> Option<MediaKind> {
        let extension = extension(filename)?;
        let listed = |list: &[String]| {
            list.iter().any(|entry| {
                let entry = entry.trim();
                let entry = entry.strip_prefix('.').unwrap_or(entry);
                entry.eq_ignore_ascii_case(extension)
            })
        };
        if listed(&self.image) {
            Some(MediaKind::Image)
        } else if listed(&self.video) {
            Some(MediaKind::Video)
        } else if listed(&self.sidecar) {
            Some(MediaKind::Sidecar)
        } else {
            None
        }
    }
}

/// The extension of the last path component, without its dot, as the server's Node
/// `path.extname` finds it: none for `name`, `name.`, `.name` or `..`.
fn extension(filename: &str) -> Option<&str> {
    let name = filename.rsplit(['/', '\\']).next().unwrap_or(filename);
    let dot = name.rfind('.')?;
    if dot == 0 || name.bytes().all(|b| b == b'.') {
        return None;
    }
    Some(&name[dot + 1..]).filter(|ext| !ext.is_empty())
}

#[cfg(test)]
mod tests {
    use super::extension;

    #[test]
    fn extensions_like_the_server() {
        assert_eq!(extension("IMG_1.JPG"), Some("JPG"));
        assert_eq!(extension("dir.d/IMG.tar.gz"), Some("gz"));
        assert_eq!(extension(r"C:\Photos\a.HEIC"), Some("HEIC"));
        assert_eq!(extension("noext"), None);
        assert_eq!(extension("dir.d/noext"), None);
        assert_eq!(extension(".jpg"), None);
        assert_eq!(extension("..jpg"), Some("jpg"));
        assert_eq!(extension(".."), None);
        assert_eq!(extension("..a.jpg"), Some("jpg"));
        assert_eq!(extension("trailing."), None);
        assert_eq!(extension(""), None);
    }
}
