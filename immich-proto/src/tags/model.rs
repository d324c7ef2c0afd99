//! Models of the tags area.

use serde::{Deserialize, Serialize};

use crate::{DateTime, TagId};

/// A tag (`TagResponseDto`). Tags nest: `value` is the full path, `name` its last segment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Tag {
    /// The tag's id.
    pub id: TagId,
    /// The last segment, e.g. `Paris`.
    pub name: String,
    /// The full path, e.g. `Travel/France/Paris`.
    #[serde(default)]
    pub value: String,
    /// The colour as a hex string (`#ff0000`), when one is set.
    #[serde(default)]
    pub color: Option<String>,
    /// The parent tag, for nested tags.
    #[serde(default)]
    pub parent_id: Option<TagId>,
    /// When the tag was created.
    #[serde(default)]
    pub created_at: Option<DateTime>,
    /// When the tag last changed.
    #[serde(default)]
    pub updated_at: Option<DateTime>,
}
