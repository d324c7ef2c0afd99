//! Tags: list, read and filter (OpenAPI tag `Tags`).

mod model;

pub use model::Tag;

/// The tags whose name or full value contains `needle`, ignoring case.
///
/// `Tag::name` is the last segment (`Paris`), `Tag::value` the full path (`Travel/France/Paris`);
/// both are searched, so `travel` finds the tags under `Travel/`.
pub fn filter_tags_by_name<'a>(tags: &'a [Tag], needle: &str) -> Vec<&'a Tag> {
    let needle = needle.to_lowercase();
    tags.iter()
        .filter(|tag| {
            tag.name.to_lowercase().contains(&needle) || tag.value.to_lowercase().contains(&needle)
        })
        .collect()
}

// The generated operations of this area (`cargo xtask gen`).
include!("operations.rs");
