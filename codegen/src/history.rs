//! Release-precise API history, in the project's own format: `codegen/api-history.tsv`.
//!
//! The v3.0.0 document's `x-immich-history` says "added in v1" for most operations, which hides
//! the differences between v1.1xx releases. A per-release history of the API (which release
//! added and removed each operation, route, parameter, request field and enum value) is read
//! once by `cargo xtask history FILE` into this checked-in table; the generator reads only the
//! table. Format, one fact a line, tab-separated:
//!
//! ```text
//! operation    since      until      item
//! getAllAlbums v1.113.0   -          -
//! getAllAlbums v3.0.0     -          query:isOwned
//! getAllAlbums v1.113.0   v2.7.5     query:shared
//! ```
//!
//! `since` is the first release that has it (`v1.113.0`, the first release read, means "at or
//! before"); `until` the last one, `-` while the newest release read still has it. An item is
//! `query:NAME`, `path:NAME`, `field:NAME` (request body, one level) or `enum:NAME=VALUE`; `-`
//! is the operation itself, which is available from the first release any of its routes
//! existed (an operation renamed later, like `searchMetadata` to `searchAssets`, keeps working
//! on the older releases under its old name).

use std::collections::BTreeMap;

/// The facts of one operation.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OperationHistory {
    /// The first release with the operation (or its route).
    pub since: String,
    /// The last release with it, when the newest release read lacks it.
    pub until: Option<String>,
    /// Parameters, fields and enum values whose span differs from the operation's.
    pub items: BTreeMap<String, (String, Option<String>)>,
}

/// The whole table.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct History {
    /// The oldest release read: a `since` equal to it means "at or before", not "from".
    pub oldest: String,
    /// The facts, by operationId.
    pub operations: BTreeMap<String, OperationHistory>,
}

impl History {
    /// The first release known to have operation `id`, when the history knows better than
    /// "at or before the oldest release read".
    pub fn since(&self, id: &str) -> Option<&str> {
        let op = self.operations.get(id)?;
        (op.since != self.oldest).then_some(op.since.as_str())
    }

    /// The last release with operation `id`, when a newer release read lacks it.
    pub fn until(&self, id: &str) -> Option<&str> {
        self.operations.get(id)?.until.as_deref()
    }
}

/// The header line of the table.
const HEADER: &str = "# operation\tsince\tuntil\titem";
/// The line that names the oldest and newest release read.
const RELEASES: &str = "(releases)";

/// Derives the table from the history file (`immich-api-history.json`).
pub fn derive_table(json: &[u8]) -> Result<String, String> {
    let value: serde_json::Value =
        serde_json::from_slice(json).map_err(|e| format!("the history is not JSON: {e}"))?;
    let latest = value["latest"]
        .as_str()
        .ok_or("the history has no `latest` release")?;
    let operations = value["operations"]
        .as_object()
        .ok_or("the history has no `operations`")?;
    let routes = value["routes"]
        .as_object()
        .ok_or("the history has no `routes`")?;
    let oldest = value["releases_read"]
        .as_array()
        .and_then(|r| r.first())
        .and_then(|r| r.as_str())
        .ok_or("the history has no `releases_read`")?;
    let until = |last: &str| {
        if last == latest {
            "-".to_owned()
        } else {
            last.to_owned()
        }
    };
    let mut lines = vec![
        "# Derived by `cargo xtask history FILE` from a release-by-release history of the Immich API."
            .to_owned(),
        format!("# Releases read: {oldest} to {latest}. See codegen/src/history.rs for the format."),
        format!("{RELEASES}\t{oldest}\t{latest}\t-"),
        HEADER.to_owned(),
    ];
    for (id, op) in operations {
        let last = op["last"].as_str().ok_or(format!("{id}: no `last`"))?;
        // The earliest release any of its routes existed, under any operationId.
        let mut since = op["first"]
            .as_str()
            .ok_or(format!("{id}: no `first`"))?
            .to_owned();
        for route in op["routes"].as_object().into_iter().flat_map(|r| r.keys()) {
            if let Some(first) = routes.get(route).and_then(|r| r["first"].as_str()) {
                if version_key(first) < version_key(&since) {
                    since = first.to_owned();
                }
            }
        }
        lines.push(format!("{id}\t{since}\t{}\t-", until(last)));
        // A renamed operation's items are read from its current name's first release on: one
        // that was there from that release was there under the old name too (the history lists
        // no items for the old name, since they all span it whole).
        let named_since = op["first"].as_str().unwrap_or_default();
        for (group, prefix) in [("params", ""), ("fields", "field:"), ("enums", "enum:")] {
            let Some(items) = op[group].as_object() else {
                continue;
            };
            for (name, span) in items {
                let first = span[0].as_str().ok_or(format!("{id} {name}: no span"))?;
                let first = if first == named_since {
                    since.as_str()
                } else {
                    first
                };
                let last = span[1].as_str().ok_or(format!("{id} {name}: no span"))?;
                lines.push(format!("{id}\t{first}\t{}\t{prefix}{name}", until(last)));
            }
        }
    }
    lines.push(String::new());
    Ok(lines.join("\n"))
}

/// Reads the table.
pub fn read_table(text: &str) -> Result<History, String> {
    let mut history = History::default();
    for (number, line) in text.lines().enumerate() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let fields: Vec<&str> = line.split('\t').collect();
        let [id, since, until, item] = fields[..] else {
            return Err(format!(
                "api-history.tsv line {}: expected 4 fields",
                number + 1
            ));
        };
        if id == RELEASES {
            history.oldest = since.to_owned();
            continue;
        }
        let until = (until != "-").then(|| until.to_owned());
        let entry = history.operations.entry(id.to_owned()).or_default();
        if item == "-" {
            entry.since = since.to_owned();
            entry.until = until;
        } else {
            entry
                .items
                .insert(item.to_owned(), (since.to_owned(), until));
        }
    }
    Ok(history)
}

/// A release as numbers, for comparing.
pub fn version_key(text: &str) -> (u64, u64, u64) {
    crate::operations::parse_version(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_round_trips_and_renames_keep_the_route() {
        let json = br#"{
            "latest": "v3.1.0",
            "releases_read": ["v1.113.0", "v3.1.0"],
            "operations": {
                "searchAssets": {"first": "v1.122.0", "last": "v3.1.0",
                    "routes": {"POST /search/metadata": "v1.122.0"},
                    "params": {}, "fields": {"albumIds": ["v1.135.0", "v3.1.0"]}, "enums": {}},
                "getAllAlbums": {"first": "v1.113.0", "last": "v3.1.0",
                    "routes": {"GET /albums": "v1.113.0"},
                    "params": {"query:shared": ["v1.113.0", "v2.7.5"]}, "fields": {}, "enums": {}}
            },
            "routes": {
                "POST /search/metadata": {"first": "v1.113.0", "last": "v3.1.0"},
                "GET /albums": {"first": "v1.113.0", "last": "v3.1.0"}
            }
        }"#;
        let table = derive_table(json).unwrap();
        let history = read_table(&table).unwrap();
        assert_eq!(history.oldest, "v1.113.0");
        assert_eq!(
            history.since("searchAssets"),
            None,
            "at or before the oldest release"
        );
        let history_ops = &history.operations;
        assert_eq!(
            history_ops["searchAssets"].items["field:albumIds"],
            ("v1.135.0".to_owned(), None)
        );
        assert_eq!(
            history_ops["getAllAlbums"].items["query:shared"],
            ("v1.113.0".to_owned(), Some("v2.7.5".to_owned()))
        );
        assert!(read_table("a\tb\n").is_err());
    }
}
