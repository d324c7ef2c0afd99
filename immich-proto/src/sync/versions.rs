//! Which request types a server's release offers, from the catalogue's release spans of
//! `getSyncStream`'s `types` values.

use crate::models::SyncRequestType;
use crate::ServerVersion;

use super::REQUEST_TYPES;

/// A request type's family and generation: `("Assets", 2)` for `AssetsV2`. A name without a
/// `V<n>` ending is its own family, generation 0.
pub fn family(request_type: &str) -> (&str, u32) {
    if let Some(at) = request_type.rfind('V') {
        let digits = &request_type[at + 1..];
        if at > 0 && !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
            if let Ok(generation) = digits.parse() {
                return (&request_type[..at], generation);
            }
        }
    }
    (request_type, 0)
}

/// The request types a server of `version` offers, the newest generation of each family
/// (`AssetsV2` rather than `AssetsV1` from v3.0: a v3.1 server answers `AssetsV1` with `400`
/// "SyncRequestType.AssetsV1 is deprecated, use SyncRequestType.AssetsV2 instead"), in the
/// document's order. Empty before v1.127, which has no sync stream.
pub fn request_types(version: &ServerVersion) -> Vec<SyncRequestType> {
    request_types_named(version)
        .into_iter()
        .map(SyncRequestType::from)
        .collect()
}

/// [`request_types`] as wire names.
pub fn request_types_named(version: &ServerVersion) -> Vec<&'static str> {
    let Some(operation) = crate::catalogue::find("getSyncStream") else {
        return Vec::new();
    };
    if *version < operation.since || operation.until.as_ref().is_some_and(|u| version > u) {
        return Vec::new();
    }
    let offered = |name: &str| match operation.span(&format!("enum:types={name}")) {
        // A value without a span is there whenever the operation is.
        None => true,
        Some(span) => {
            span.since <= *version && span.until.as_ref().is_none_or(|last| version <= last)
        }
    };
    let available: Vec<&'static str> = REQUEST_TYPES
        .iter()
        .copied()
        .filter(|name| offered(name))
        .collect();
    available
        .iter()
        .copied()
        .filter(|name| {
            let (own, generation) = family(name);
            !available.iter().any(|other| {
                let (theirs, newer) = family(other);
                theirs == own && newer > generation
            })
        })
        .collect()
}
