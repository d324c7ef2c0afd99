//! The catalogue: every operation of the Immich API in one generated table.
//!
//! [`OPERATIONS`] is the single list of operations: ENDPOINTS.md, the capability probe, the
//! test server's permission checks and the conformance suite are all derived from it, and each
//! operation's request checks it (through [`require_available`]) before anything is sent.

mod operations;

pub use operations::OPERATIONS;

use crate::{Error, Server, ServerVersion};

/// How an operation talks to the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OperationKind {
    /// A JSON answer.
    Json,
    /// No answer body.
    NoContent,
    /// A byte stream answer (a [`MediaEndpoint`](crate::MediaEndpoint)).
    Media,
    /// A `multipart/form-data` upload.
    Multipart,
    /// A form (`application/x-www-form-urlencoded`) body.
    Form,
}

/// One operation of the document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Operation {
    /// The operationId (`getAlbumInfo`).
    pub id: &'static str,
    /// The method (`GET`).
    pub method: &'static str,
    /// The path template under `/api` (`/albums/{id}`).
    pub path: &'static str,
    /// The module of immich-proto that holds it (`albums`).
    pub area: &'static str,
    /// The OpenAPI tag (`Albums`).
    pub tag: &'static str,
    /// The type that implements it, as a path in immich-proto (`albums::GetAlbumInfo`).
    pub rust_type: &'static str,
    /// Its file, relative to `immich-proto/src`.
    pub file: &'static str,
    /// Whether `cargo xtask gen` wrote it (else it is in the generator's override list).
    pub generated: bool,
    /// How it talks.
    pub kind: OperationKind,
    /// The API-key permission it needs (`x-immich-permission`).
    pub permission: Option<&'static str>,
    /// Whether only an admin may call it.
    pub admin_only: bool,
    /// Whether it needs no authentication at all (the document gives it no `security`
    /// requirement): callable without a key or session, such as `pingServer` or `login`.
    pub public: bool,
    /// The first server release that has it.
    pub since: ServerVersion,
    /// The last server release that has it, when a newer one removed it.
    pub until: Option<ServerVersion>,
    /// The document's state for it (`Stable`, `Beta`, `Alpha`, `Deprecated`, `Internal`).
    pub state: &'static str,
    /// Whether the document marks it deprecated.
    pub deprecated: bool,
    /// The document's one-line summary.
    pub summary: &'static str,
}

/// The operation with this operationId.
pub fn find(id: &str) -> Option<&'static Operation> {
    OPERATIONS
        .binary_search_by(|op| op.id.cmp(id))
        .ok()
        .map(|index| &OPERATIONS[index])
}

/// The operation at `method` and `path` (a concrete path under `/api`, such as
/// `/albums/0000…/assets`): what a server or proxy uses to tell which operation a request is.
/// Literal segments win over `{parameters}` (`/albums/statistics` is not `/albums/{id}`).
pub fn find_route(method: &str, path: &str) -> Option<&'static Operation> {
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    OPERATIONS
        .iter()
        .filter(|op| op.method.eq_ignore_ascii_case(method))
        .filter_map(|op| {
            let template: Vec<&str> = op.path.trim_matches('/').split('/').collect();
            if template.len() != segments.len() {
                return None;
            }
            let mut literal = 0;
            for (t, s) in template.iter().zip(&segments) {
                if t.starts_with('{') {
                    continue;
                }
                if t != s {
                    return None;
                }
                literal += 1;
            }
            Some((literal, op))
        })
        .max_by_key(|(literal, _)| *literal)
        .map(|(_, op)| op)
}

/// Fails before a request exists when the connected server is known to lack operation `id`:
/// older than the release that added it ([`Error::Unsupported`], naming the operation, the
/// version it needs and the server's), or newer than the last release that had it
/// ([`Error::Removed`]). An unknown version passes: the server's own answer then tells.
pub fn require_available(server: &Server, id: &'static str) -> Result<(), Error> {
    let Some(operation) = find(id) else {
        return Ok(());
    };
    let Some(found) = server.version() else {
        return Ok(());
    };
    if found < operation.since {
        return Err(Error::Unsupported {
            operation: id,
            minimum: operation.since.clone(),
            found,
        });
    }
    match &operation.until {
        Some(last) if found > *last => Err(Error::Removed {
            operation: id,
            last: last.clone(),
            found,
        }),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_sorted_and_unique() {
        assert!(OPERATIONS.windows(2).all(|w| w[0].id < w[1].id));
        assert_eq!(find("getAlbumInfo").map(|o| o.path), Some("/albums/{id}"));
        assert!(find("noSuchOperation").is_none());
    }

    #[test]
    fn routes_prefer_literal_segments() {
        let op = find_route("GET", "/albums/statistics").map(|o| o.id);
        assert_eq!(op, Some("getAlbumStatistics"));
        let op = find_route("GET", "/albums/0000a55e-0000-4000-8000-0000000000aa").map(|o| o.id);
        assert_eq!(op, Some("getAlbumInfo"));
        assert!(find_route("GET", "/no/such/route").is_none());
    }
}
