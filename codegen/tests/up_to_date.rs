//! The checked-in generated files are exactly what `cargo xtask gen` writes from the pinned
//! document (the same check as `cargo xtask gen --check` in CI, inside `cargo test`).

use std::path::Path;

use immich_codegen::document::{default_cache_dir, Tools, SPEC_SHA256};

#[test]
fn checked_in_generated_files_are_up_to_date() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let document = Tools::default()
        .verified_document(&default_cache_dir(root), SPEC_SHA256)
        .unwrap_or_else(|e| panic!("the pinned OpenAPI document: {e}"));
    let out = immich_codegen::generate(root, &document).unwrap_or_else(|e| panic!("{e}"));
    let mut differ = Vec::new();
    for (path, text) in &out {
        if std::fs::read_to_string(root.join(path)).ok().as_deref() != Some(text.as_str()) {
            differ.push(path.display().to_string());
        }
    }
    for path in immich_codegen::stale_files(root, &out) {
        differ.push(format!("{} (stale)", path.display()));
    }
    assert!(
        differ.is_empty(),
        "run `cargo xtask gen` and commit; these differ: {differ:#?}"
    );
    // Every operation of the document is in the catalogue, generated or hand-written.
    let table = &out[Path::new("immich-proto/src/catalogue/operations.rs")];
    assert_eq!(table.matches("Operation {").count(), 242);
}
