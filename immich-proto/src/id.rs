//! Typed ids. Each resource has its own id type so an album id cannot be passed as an asset id.
//!
//! Ids decode from the server as they come (any string); they are checked when they become part
//! of a request: a path id must be a UUID, and a version-4 UUID for a v3 server (the v3 document's
//! pattern). `../admin` or an empty id is an error before any request exists.

use std::fmt;

use crate::{Error, Server};

/// Checks the UUID shape `8-4-4-4-12` hex digits; with `v4`, also the version and variant nibbles.
pub fn check_uuid(value: &str, v4: bool) -> Result<(), &'static str> {
    let bytes = value.as_bytes();
    if bytes.len() != 36 {
        return Err(
            "not a UUID (expected 36 characters like 7f3c0a52-1b2d-4c3e-9f00-0123456789ab)",
        );
    }
    for (i, b) in bytes.iter().enumerate() {
        let dash = matches!(i, 8 | 13 | 18 | 23);
        if dash != (*b == b'-') || (!dash && !b.is_ascii_hexdigit()) {
            return Err("not a UUID (expected hex digits in groups 8-4-4-4-12)");
        }
    }
    if v4 && (bytes[14] != b'4' || !matches!(bytes[19], b'8' | b'9' | b'a' | b'b' | b'A' | b'B')) {
        return Err("not a version-4 UUID, which this server requires");
    }
    Ok(())
}

macro_rules! define_ids {
    ($($(#[$doc:meta])* $name:ident => $kind:literal,)*) => {$(
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// Wraps an id, checking that it is a UUID.
            pub fn parse(value: impl Into<String>) -> Result<Self, Error> {
                let value = value.into();
                check_uuid(&value, false).map_err(|reason| Error::InvalidId {
                    kind: $kind,
                    value: value.chars().take(64).collect(),
                    reason,
                })?;
                Ok($name(value))
            }

            /// Wraps an id without checking it (ids from the server). Requests check it anyway.
            pub fn new_unchecked(value: impl Into<String>) -> Self {
                $name(value.into())
            }

            /// The id as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// The id checked for use in a request to `server`.
            pub fn checked(&self, server: &Server) -> Result<&str, Error> {
                let v4 = server.version().map_or(true, |v| v.is_v3_or_newer());
                check_uuid(&self.0, v4).map_err(|reason| Error::InvalidId {
                    kind: $kind,
                    value: self.0.chars().take(64).collect(),
                    reason,
                })?;
                Ok(&self.0)
            }

            /// `/prefix/{id}` with the id checked and percent-encoded.
            pub fn path(&self, server: &Server, prefix: &str, suffix: &str) -> Result<String, Error> {
                let id = self.checked(server)?;
                Ok(format!(
                    "{prefix}/{}{suffix}",
                    percent_encoding::utf8_percent_encode(id, percent_encoding::NON_ALPHANUMERIC)
                        .to_string()
                        .replace("%2D", "-")
                ))
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!(stringify!($name), "({})"), self.0)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl std::str::FromStr for $name {
            type Err = Error;
            fn from_str(s: &str) -> Result<Self, Error> {
                Self::parse(s)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
    )*};
}

define_ids! {
    /// The id of an asset (a photo or a video).
    AssetId => "asset",
    /// The id of an album.
    AlbumId => "album",
    /// The id of a person (a recognised face cluster).
    PersonId => "person",
    /// The id of a tag.
    TagId => "tag",
    /// The id of a user.
    UserId => "user",
    /// The id of an external library.
    LibraryId => "library",
    /// The id of a shared link.
    SharedLinkId => "shared link",
    /// The id of a memory.
    MemoryId => "memory",
    /// The id of a stack.
    StackId => "stack",
    /// The id of an API key.
    ApiKeyId => "API key",
    /// The id of an activity (a like or a comment).
    ActivityId => "activity",
    /// The id of a detected face.
    FaceId => "face",
    /// The id of a notification.
    NotificationId => "notification",
    /// The id of a login session.
    SessionId => "session",
    /// Any other id (a workflow, plugin, duplicate group, ...): the document's `uuid` with no
    /// resource of its own here.
    Uuid => "id",
}

/// Any typed id is also a plain [`Uuid`], for the fields the document does not tie to one
/// resource (`BulkIds::new(vec![asset.id.into()])`).
macro_rules! into_uuid {
    ($($name:ident),*) => {$(
        impl From<$name> for Uuid {
            fn from(id: $name) -> Uuid {
                Uuid(id.0)
            }
        }
    )*};
}

into_uuid!(
    AssetId,
    AlbumId,
    PersonId,
    TagId,
    UserId,
    LibraryId,
    SharedLinkId,
    MemoryId,
    StackId,
    ApiKeyId,
    ActivityId,
    FaceId,
    NotificationId,
    SessionId
);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ServerVersion;

    const V4: &str = "7f3c0a52-1b2d-4c3e-9f00-0123456789ab";
    const V7: &str = "01890a5d-ac96-774b-bcce-b302099a8057";

    #[test]
    fn parse_checks_shape() {
        assert!(AssetId::parse(V4).is_ok());
        for bad in [
            "",
            "../admin",
            "7f3c0a52-1b2d-4c3e-9f00-0123456789a",
            "7f3c0a52x1b2d-4c3e-9f00-0123456789ab",
            "7f3c0a52-1b2d-4c3e-9f00-0123456789a/",
        ] {
            let err = AssetId::parse(bad).unwrap_err();
            assert!(
                matches!(err, Error::InvalidId { kind: "asset", .. }),
                "{bad}: {err:?}"
            );
        }
    }

    #[test]
    fn v3_paths_need_v4() {
        let v3 = Server::new("http://h")
            .unwrap()
            .with_version(ServerVersion::new(3, 0, 0));
        let v1 = Server::new("http://h")
            .unwrap()
            .with_version(ServerVersion::new(1, 118, 0));
        let id = AlbumId::parse(V7).unwrap();
        assert!(id.path(&v3, "/albums", "").is_err());
        assert_eq!(
            id.path(&v1, "/albums", "/assets").unwrap(),
            format!("/albums/{V7}/assets")
        );
        let unchecked = AlbumId::new_unchecked("../admin");
        assert!(unchecked.path(&v1, "/albums", "").is_err());
    }
}
