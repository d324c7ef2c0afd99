//! The memory model (`MemoryResponseDto`) and its enums.

use serde::Deserialize;

use crate::assets::Asset;
use crate::{DateTime, MemoryId, UserId};

crate::string_enum! {
    /// What kind of memory (`MemoryType`).
    pub enum MemoryType {
        /// Pictures taken on this day in an earlier year.
        OnThisDay => "on_this_day",
    }
}

crate::string_enum! {
    /// The order of memories in a search (`MemorySearchOrder`).
    pub enum MemorySearchOrder {
        /// Oldest first.
        Asc => "asc",
        /// Newest first (the server's default).
        Desc => "desc",
        /// Shuffled.
        Random => "random",
    }
}

/// One memory: a titled group of assets (`MemoryResponseDto`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Memory {
    /// The memory's id.
    pub id: MemoryId,
    /// The user it belongs to.
    pub owner_id: UserId,
    /// What kind of memory it is.
    #[serde(rename = "type")]
    pub memory_type: MemoryType,
    /// Data that depends on the type (the year, for "on this day").
    #[serde(default)]
    pub data: MemoryData,
    /// Whether the user saved it (saved memories are not cleaned up).
    #[serde(default)]
    pub is_saved: bool,
    /// The day it is about.
    pub memory_at: DateTime,
    /// When it was created.
    pub created_at: DateTime,
    /// When it last changed.
    pub updated_at: DateTime,
    /// When it was deleted, if it was.
    #[serde(default)]
    pub deleted_at: Option<DateTime>,
    /// When the user saw it.
    #[serde(default)]
    pub seen_at: Option<DateTime>,
    /// From when to show it.
    #[serde(default)]
    pub show_at: Option<DateTime>,
    /// Until when to show it.
    #[serde(default)]
    pub hide_at: Option<DateTime>,
    /// Its assets.
    #[serde(default)]
    pub assets: Vec<Asset>,
}

/// The type-dependent part of a memory (`OnThisDayDto` for "on this day").
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct MemoryData {
    /// The year the pictures were taken ("on this day" memories).
    #[serde(default)]
    pub year: Option<i32>,
}
