//! Small models that several areas share.

use serde::{Deserialize, Serialize};

crate::string_enum! {
    /// Why one id of a bulk operation failed (`BulkIdErrorReason`).
    pub enum BulkIdError {
        /// The id is already there (e.g. the asset is already in the album).
        Duplicate => "duplicate",
        /// The caller may not touch this id.
        NoPermission => "no_permission",
        /// No such id.
        NotFound => "not_found",
        /// The server did not say why (`unknown` on the wire).
        Unspecified => "unknown",
        /// The id was refused by validation (v3).
        Validation => "validation",
    }
}

/// The outcome for one id of a bulk operation (`BulkIdResponseDto`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct BulkIdResult {
    /// The id this result is about, as sent.
    pub id: String,
    /// Whether the operation succeeded for this id.
    pub success: bool,
    /// Why it failed, when it did.
    #[serde(default)]
    pub error: Option<BulkIdError>,
    /// A human-readable reason (v3 only).
    #[serde(default)]
    pub error_message: Option<String>,
}

impl BulkIdResult {
    /// Whether it failed only because the id was already there: usually fine for the caller.
    pub fn is_duplicate(&self) -> bool {
        !self.success && self.error == Some(BulkIdError::Duplicate)
    }
}

/// The `{"ids": [...]}` body of bulk operations (`BulkIdsDto`).
#[derive(Debug, Serialize)]
pub(crate) struct BulkIds<'a> {
    pub(crate) ids: Vec<&'a str>,
}
