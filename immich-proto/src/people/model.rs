//! The person model (`PersonResponseDto`) and a page of people (`PeopleResponseDto`).

use serde::{Deserialize, Serialize};

use crate::{Date, DateTime, PersonId};

/// A recognised person: a cluster of faces, named or not (`PersonResponseDto`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Person {
    /// The person's id.
    pub id: PersonId,
    /// The name; empty for people nobody has named yet.
    #[serde(default)]
    pub name: String,
    /// Date of birth, when set.
    #[serde(default)]
    pub birth_date: Option<Date>,
    /// The server-side path of the face thumbnail.
    #[serde(default)]
    pub thumbnail_path: String,
    /// Whether the person is hidden.
    #[serde(default)]
    pub is_hidden: bool,
    /// Whether the person is a favourite (v1.126+).
    #[serde(default)]
    pub is_favorite: Option<bool>,
    /// The person's colour as hex, e.g. `#ff0000` (v1.126+).
    #[serde(default)]
    pub color: Option<String>,
    /// When the person last changed (v1.107+).
    #[serde(default)]
    pub updated_at: Option<DateTime>,
}

impl Person {
    /// Whether someone has named this person.
    pub fn is_named(&self) -> bool {
        !self.name.trim().is_empty()
    }
}

/// One page of `GET /people` (`PeopleResponseDto`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct PeoplePage {
    /// The people on this page (without unnamed people unless asked for).
    pub people: Vec<Person>,
    /// How many people there are in all.
    pub total: u64,
    /// How many of them are hidden.
    #[serde(default)]
    pub hidden: u64,
    /// Whether another page follows (v1.110+; `None` from older servers).
    #[serde(default)]
    pub has_next_page: Option<bool>,
    /// How many people the server put on this page, before any filtering here.
    #[serde(skip)]
    pub page_len: usize,
}

/// The people whose name contains `name`, ignoring case (`"ann"` finds `"Joanna"`).
pub fn filter_people_by_name<'a>(people: &'a [Person], name: &str) -> Vec<&'a Person> {
    let needle = name.to_lowercase();
    people
        .iter()
        .filter(|person| person.name.to_lowercase().contains(&needle))
        .collect()
}
