//! The options only `immich upload` takes: selection, albums and tags, pairs, operations.
//! Parsed here so the main parser (args.rs) only hands them over.

use std::ffi::OsString;
use std::path::PathBuf;

use immich_blocking::proto::time::DateTime;

/// Every option of `immich upload` (for the "is it an option of this command" check and the
/// help test).
pub const OPTIONS: &[&str] = &[
    "--concurrency",
    "--album",
    "--tag",
    "--include",
    "--exclude",
    "--ext",
    "--date-range",
    "--include-hidden",
    "--folder-as-album",
    "--stack-cover",
    "--no-stack",
    "--dry-run",
    "--pause-jobs",
    "--on-error",
    "--report",
    "--takeout",
    "--include-trashed",
];

/// How `--folder-as-album` names an album.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FolderAlbum {
    /// The name of the folder the file is in.
    Name,
    /// The folder's path from the folder given on the command line (its name included),
    /// parts joined with `/`.
    Path,
}

/// Which file of a RAW+JPEG (or HEIC+JPEG) pair is the stack's cover.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum StackCover {
    /// The JPEG (the default).
    #[default]
    Jpeg,
    /// The other one: the RAW (or the HEIC).
    Raw,
}

/// What a failed file does to the rest of the run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OnError {
    /// Go on with the other files (the default).
    #[default]
    Continue,
    /// Send no further file.
    Stop,
}

/// The upload-only options, as given.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct UploadMore {
    pub include: Vec<String>,
    pub exclude: Vec<String>,
    /// Lower case, without the dot.
    pub extensions: Vec<String>,
    /// Unix seconds: from (inclusive), to (exclusive).
    pub date_from: Option<i64>,
    pub date_to: Option<i64>,
    pub include_hidden: bool,
    pub folder_as_album: Option<FolderAlbum>,
    pub tags: Vec<String>,
    pub stack_cover: StackCover,
    pub no_stack: bool,
    pub dry_run: bool,
    pub pause_jobs: bool,
    pub on_error: OnError,
    pub report: Option<PathBuf>,
    /// The paths are the parts (zips or folders) of one Google Photos Takeout.
    pub takeout: bool,
    /// `--takeout`: also the items trashed in Google Photos.
    pub include_trashed: bool,
}

/// The option's name if `long` (without the dashes) is one of ours that args.rs does not
/// already know.
pub fn is_option(long: &str) -> Option<&'static str> {
    OPTIONS
        .iter()
        .skip(3) // --concurrency, --album and --tag are parsed by args.rs
        .find(|o| o.strip_prefix("--") == Some(long))
        .copied()
}

fn value(parser: &mut lexopt::Parser, option: &str) -> Result<String, String> {
    let value: OsString = parser.value().map_err(|e| e.to_string())?;
    value
        .into_string()
        .map_err(|v| format!("the value of {option} is not valid text: {v:?}"))
}

/// Reads one option (and its value) into `more`.
pub fn take(
    more: &mut UploadMore,
    option: &str,
    parser: &mut lexopt::Parser,
) -> Result<(), String> {
    match option {
        "--include" => more.include.push(value(parser, option)?),
        "--exclude" => more.exclude.push(value(parser, option)?),
        "--ext" => {
            for ext in value(parser, option)?.split(',') {
                let ext = ext.trim().trim_start_matches('.').to_ascii_lowercase();
                if ext.is_empty() {
                    return Err("--ext takes extensions such as jpg,heic".into());
                }
                more.extensions.push(ext);
            }
        }
        "--date-range" => {
            let text = value(parser, option)?;
            let (from, to) = parse_date_range(&text)?;
            more.date_from = from;
            more.date_to = to;
        }
        "--include-hidden" => more.include_hidden = true,
        "--folder-as-album" => {
            more.folder_as_album = Some(match value(parser, option)?.as_str() {
                "name" => FolderAlbum::Name,
                "path" => FolderAlbum::Path,
                other => return Err(format!("--folder-as-album is name or path, not {other:?}")),
            })
        }
        "--stack-cover" => {
            more.stack_cover = match value(parser, option)?.as_str() {
                "jpeg" | "jpg" => StackCover::Jpeg,
                "raw" => StackCover::Raw,
                other => return Err(format!("--stack-cover is raw or jpeg, not {other:?}")),
            }
        }
        "--no-stack" => more.no_stack = true,
        "--dry-run" => more.dry_run = true,
        "--pause-jobs" => more.pause_jobs = true,
        "--on-error" => {
            more.on_error = match value(parser, option)?.as_str() {
                "continue" => OnError::Continue,
                "stop" => OnError::Stop,
                other => return Err(format!("--on-error is continue or stop, not {other:?}")),
            }
        }
        "--report" => {
            let path: OsString = parser.value().map_err(|e| e.to_string())?;
            more.report = Some(PathBuf::from(path));
        }
        "--takeout" => more.takeout = true,
        "--include-trashed" => more.include_trashed = true,
        other => return Err(format!("unknown option {other}")),
    }
    Ok(())
}

/// Checks the options together; `tags` are the `--tag` values args.rs collected.
pub fn finish(mut more: UploadMore, tags: Vec<String>) -> Result<UploadMore, String> {
    for tag in &tags {
        let parts: Vec<&str> = tag.split('/').collect();
        if parts.iter().any(|p| p.trim().is_empty()) {
            return Err(format!(
                "--tag {tag:?}: a tag is a name, or a path of names such as Trips/2025"
            ));
        }
    }
    more.tags = tags;
    if more.include_trashed && !more.takeout {
        return Err("--include-trashed goes with --takeout".into());
    }
    if let (Some(from), Some(to)) = (more.date_from, more.date_to) {
        if from >= to {
            return Err("--date-range: FROM is after TO".into());
        }
    }
    Ok(more)
}

/// `FROM..TO`, either side may be empty; dates are `YYYY-MM-DD` (UTC days, both included) or
/// RFC 3339 instants. Returns unix seconds: from (inclusive), to (exclusive).
pub fn parse_date_range(text: &str) -> Result<(Option<i64>, Option<i64>), String> {
    let usage = || {
        format!("--date-range takes FROM..TO such as 2024-06-01..2024-08-31 (either may be empty), not {text:?}")
    };
    let (from, to) = text.split_once("..").ok_or_else(usage)?;
    let point = |s: &str, end: bool| -> Result<Option<i64>, String> {
        let s = s.trim();
        if s.is_empty() {
            return Ok(None);
        }
        if s.len() == 10 {
            let day = DateTime::parse(&format!("{s}T00:00:00Z")).ok_or_else(usage)?;
            let start = day.unix_seconds();
            return Ok(Some(if end { start + 86_400 } else { start }));
        }
        let instant = DateTime::parse(s).ok_or_else(usage)?;
        Ok(Some(instant.unix_seconds() + i64::from(end)))
    };
    let range = (point(from, false)?, point(to, true)?);
    if range == (None, None) {
        return Err(usage());
    }
    Ok(range)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn date_ranges() {
        let day = 86_400;
        let (from, to) = parse_date_range("2024-01-01..2024-01-02").unwrap();
        assert_eq!(from, Some(1_704_067_200));
        assert_eq!(to, Some(1_704_067_200 + 2 * day));
        assert_eq!(
            parse_date_range("..2024-01-01").unwrap(),
            (None, Some(1_704_067_200 + day))
        );
        assert_eq!(
            parse_date_range("2024-01-01..").unwrap(),
            (Some(1_704_067_200), None)
        );
        assert!(parse_date_range("..").is_err());
        assert!(parse_date_range("2024-01-01").is_err());
        assert!(parse_date_range("yesterday..").is_err());
    }

    #[test]
    fn options_are_recognised() {
        assert_eq!(is_option("include"), Some("--include"));
        assert_eq!(is_option("album"), None);
        assert_eq!(is_option("tag"), None);
        assert_eq!(is_option("nonsense"), None);
    }
}
