//! Which files `immich upload` takes: walking the folders given on the command line, hidden
//! files and system folders, the `.immichignore` file, `--include`/`--exclude` globs, `--ext`
//! and `--date-range`.
//!
//! Every file found becomes an [`Entry`]: a path relative to the folder it was found in, a size,
//! a modification time and a way to open it. The upload works on entries only, so another
//! source of files (a zip archive, a Takeout) can feed it the same way.

use std::collections::HashSet;
use std::fs;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use globset::{Glob, GlobBuilder, GlobMatcher, GlobSet, GlobSetBuilder};

use crate::upload_args::UploadMore;
use crate::upload_exif::{capture_times, CaptureTime};

/// The ignore file read in each folder named on the command line.
pub const IGNORE_FILE: &str = ".immichignore";

/// How deep folders are followed (symbolic links to folders never are, so this only guards
/// against absurd trees).
const MAX_DEPTH: usize = 256;

/// One file found.
#[derive(Debug, Clone)]
pub struct Entry {
    /// The name of the folder named on the command line that holds it (for a file named
    /// directly: the name of its folder).
    pub root_name: String,
    /// The path below that folder, parts joined with `/` (a file named directly: its name).
    pub rel: String,
    /// Its size in bytes, when it was listed.
    pub size: u64,
    /// When it was last modified.
    pub modified: Option<SystemTime>,
    /// Where its bytes are.
    pub origin: Origin,
}

/// Where an entry's bytes are.
#[derive(Debug, Clone)]
pub enum Origin {
    /// A file on disk.
    Path(PathBuf),
    /// A file inside a zip archive.
    Zip(crate::upload_zip::ZipPart),
}

impl Entry {
    /// Opens the bytes for reading.
    pub fn open(&self) -> io::Result<Box<dyn Read + Send>> {
        match &self.origin {
            Origin::Path(path) => Ok(Box::new(fs::File::open(path)?)),
            Origin::Zip(part) => part.open(),
        }
    }

    /// The file on disk, when it is one.
    pub fn path(&self) -> Option<&Path> {
        match &self.origin {
            Origin::Path(path) => Some(path),
            Origin::Zip(_) => None,
        }
    }

    /// How reports name it.
    pub fn shown(&self) -> String {
        match &self.origin {
            Origin::Path(path) => path.display().to_string(),
            Origin::Zip(part) => part.shown(),
        }
    }

    /// Its file name.
    pub fn name(&self) -> &str {
        self.rel.rsplit('/').next().unwrap_or(&self.rel)
    }

    /// The folders from the root to it: `root/a/b` for `a/b/x.jpg`.
    pub fn folder_parts(&self) -> Vec<&str> {
        let mut parts = vec![self.root_name.as_str()];
        let mut rel: Vec<&str> = self.rel.split('/').collect();
        rel.pop();
        parts.extend(rel);
        parts
    }
}

/// A file or folder passed over, and why.
#[derive(Debug, Clone)]
pub struct Passed {
    pub path: PathBuf,
    pub reason: String,
    /// A failure (it could not be read), not a choice.
    pub failed: bool,
}

/// Names skipped everywhere, even with `--include-hidden`: they hold a system's thumbnails,
/// indexes or trash, never the user's photos.
pub fn is_system_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    matches!(
        lower.as_str(),
        ".ds_store"
            | "@eadir"
            | ".thumbnails"
            | "$recycle.bin"
            | "system volume information"
            | "thumbs.db"
            | "desktop.ini"
            | ".@__thumb"
            | "#recycle"
            | ".spotlight-v100"
            | ".fseventsd"
    ) || lower.starts_with(".trash")
        || name.starts_with("._")
}

/// A compiled `.immichignore`: gitignore-like lines.
#[derive(Debug, Default)]
pub struct IgnoreRules {
    rules: Vec<IgnoreRule>,
}

#[derive(Debug)]
struct IgnoreRule {
    matcher: GlobMatcher,
    negated: bool,
    folders_only: bool,
}

fn glob(pattern: &str) -> Result<Glob, globset::Error> {
    GlobBuilder::new(pattern)
        .literal_separator(true)
        .backslash_escape(true)
        .build()
}

impl IgnoreRules {
    /// Reads the lines of an ignore file: `#` comments and blank lines are skipped; `!` in
    /// front takes back an earlier match; a trailing `/` matches folders only; a pattern with a
    /// `/` at its start or in its middle is matched against the path from the folder of the
    /// ignore file, one without against the name at any depth; `*` stays within one folder,
    /// `**` crosses folders. A folder that matches is not entered.
    pub fn parse(text: &str) -> Result<IgnoreRules, String> {
        let mut rules = Vec::new();
        for (number, line) in text.lines().enumerate() {
            let line = line.trim_end();
            if line.trim().is_empty() || line.starts_with('#') {
                continue;
            }
            let (negated, pattern) = match line.strip_prefix('!') {
                Some(rest) => (true, rest),
                None => (false, line.strip_prefix('\\').unwrap_or(line)),
            };
            let folders_only = pattern.ends_with('/');
            let pattern = pattern.trim_end_matches('/');
            let anchored = pattern.contains('/');
            let pattern = pattern.trim_start_matches('/');
            if pattern.is_empty() {
                continue;
            }
            let full = if anchored {
                pattern.to_owned()
            } else {
                format!("**/{pattern}")
            };
            let matcher = glob(&full)
                .map_err(|e| format!("{IGNORE_FILE} line {}: {e}", number + 1))?
                .compile_matcher();
            rules.push(IgnoreRule {
                matcher,
                negated,
                folders_only,
            });
        }
        Ok(IgnoreRules { rules })
    }

    /// Whether `rel` (a path below the ignore file's folder) is ignored: the last matching line
    /// decides.
    pub fn ignored(&self, rel: &str, is_dir: bool) -> bool {
        let mut ignored = false;
        for rule in &self.rules {
            if (!rule.folders_only || is_dir) && rule.matcher.is_match(rel) {
                ignored = !rule.negated;
            }
        }
        ignored
    }
}

/// `--include`, `--exclude`, `--ext` ([`Filter::refuses_by_name`]) and `--date-range`
/// ([`Filter::keep_by_date`]), checked on each media file.
#[derive(Debug)]
pub struct Filter {
    include: Option<GlobSet>,
    exclude: Option<GlobSet>,
    extensions: Vec<String>,
    from: Option<i64>,
    to: Option<i64>,
}

fn glob_set(patterns: &[String], option: &str) -> Result<Option<GlobSet>, String> {
    if patterns.is_empty() {
        return Ok(None);
    }
    let mut builder = GlobSetBuilder::new();
    for pattern in patterns {
        // A pattern without a slash is matched against the name in any folder.
        let full = if pattern.contains('/') {
            pattern.trim_start_matches('/').to_owned()
        } else {
            format!("**/{pattern}")
        };
        builder.add(glob(&full).map_err(|e| format!("{option} {pattern:?}: {e}"))?);
    }
    builder
        .build()
        .map(Some)
        .map_err(|e| format!("{option}: {e}"))
}

impl Filter {
    /// The filter the options ask for.
    pub fn new(more: &UploadMore) -> Result<Filter, String> {
        Ok(Filter {
            include: glob_set(&more.include, "--include")?,
            exclude: glob_set(&more.exclude, "--exclude")?,
            extensions: more.extensions.clone(),
            from: more.date_from,
            to: more.date_to,
        })
    }

    /// Whether `--date-range` is given, so the capture dates are needed.
    pub fn by_date(&self) -> bool {
        self.from.is_some() || self.to.is_some()
    }

    /// Why `--include`, `--exclude` or `--ext` leave `entry` out, if they do.
    pub fn refuses_by_name(&self, entry: &Entry) -> Option<String> {
        if let Some(include) = &self.include {
            if !include.is_match(&entry.rel) {
                return Some("not matched by --include".into());
            }
        }
        if let Some(exclude) = &self.exclude {
            if exclude.is_match(&entry.rel) {
                return Some("matched by --exclude".into());
            }
        }
        if !self.extensions.is_empty() {
            let ext = extension(entry.name());
            if !self.extensions.contains(&ext) {
                return Some("its extension is not in --ext".into());
            }
        }
        None
    }

    /// Applies `--date-range` to `entries`, reading their capture dates with `threads` threads
    /// (none without it). `known` gives the dates a source already knows (a Takeout's
    /// `photoTakenTime`, unix seconds): those come first, and their files are not read.
    pub fn keep_by_date(
        &self,
        entries: Vec<Entry>,
        threads: usize,
        known: &dyn Fn(&Entry) -> Option<i64>,
    ) -> DateSelection {
        if !self.by_date() {
            let taken = vec![None; entries.len()];
            return DateSelection {
                kept: entries,
                taken,
                refused: Vec::new(),
            };
        }
        let known: Vec<Option<i64>> = entries.iter().map(known).collect();
        let unknown: Vec<&Entry> = entries
            .iter()
            .zip(&known)
            .filter(|(_, k)| k.is_none())
            .map(|(e, _)| e)
            .collect();
        let mut read = capture_times(&unknown, threads).into_iter();
        let (mut kept, mut kept_times, mut refused) = (Vec::new(), Vec::new(), Vec::new());
        for (entry, known) in entries.into_iter().zip(known) {
            let (verdict, taken) = match known {
                Some(seconds) => (self.outside(seconds, "date taken in Google Photos"), None),
                None => {
                    let taken = read.next().flatten();
                    (self.refuses_by_date(&entry, taken), taken)
                }
            };
            match verdict {
                Some(reason) => refused.push((entry, reason)),
                None => {
                    kept.push(entry);
                    kept_times.push(taken);
                }
            }
        }
        DateSelection {
            kept,
            taken: kept_times,
            refused,
        }
    }

    /// Why `--date-range` leaves `entry` out, if it does: its capture date `taken` (EXIF,
    /// [`crate::upload_exif::capture_time`]) is compared, else, without one, its modification time.
    pub fn refuses_by_date(&self, entry: &Entry, taken: Option<CaptureTime>) -> Option<String> {
        if !self.by_date() {
            return None;
        }
        let (seconds, which) = match taken {
            Some(taken) => (taken.unix_seconds, "capture date"),
            None => match entry.modified.and_then(unix_seconds) {
                Some(seconds) => (seconds, "file modification time: no EXIF date"),
                None => {
                    return Some(
                        "no EXIF date nor modification time to compare with --date-range".into(),
                    )
                }
            },
        };
        self.outside(seconds, which)
    }

    /// Why a file dated `seconds` (by `which` date) is outside `--date-range`, if it is.
    fn outside(&self, seconds: i64, which: &str) -> Option<String> {
        if self.from.is_some_and(|from| seconds < from) || self.to.is_some_and(|to| seconds >= to) {
            return Some(format!("its date ({which}) is outside --date-range"));
        }
        None
    }
}

/// What `--date-range` keeps ([`Filter::keep_by_date`]).
pub struct DateSelection {
    /// The entries kept, in their order.
    pub kept: Vec<Entry>,
    /// Their capture dates, when read and found.
    pub taken: Vec<Option<CaptureTime>>,
    /// The entries left out, with why.
    pub refused: Vec<(Entry, String)>,
}

/// The extension of a file name, lower case, without the dot (empty when there is none).
pub fn extension(name: &str) -> String {
    match name.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() => ext.to_ascii_lowercase(),
        _ => String::new(),
    }
}

fn unix_seconds(time: SystemTime) -> Option<i64> {
    match time.duration_since(SystemTime::UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_secs()).ok(),
        Err(e) => i64::try_from(e.duration().as_secs()).ok().map(|s| -s),
    }
}

/// Walks the paths named on the command line.
pub struct Walker {
    include_hidden: bool,
    seen: HashSet<PathBuf>,
    /// The files found.
    pub found: Vec<Entry>,
    /// What was passed over.
    pub passed: Vec<Passed>,
}

impl Walker {
    /// A walker that takes hidden files when `include_hidden`.
    pub fn new(include_hidden: bool) -> Walker {
        Walker {
            include_hidden,
            seen: HashSet::new(),
            found: Vec::new(),
            passed: Vec::new(),
        }
    }

    fn pass(&mut self, path: &Path, reason: impl Into<String>, failed: bool) {
        self.passed.push(Passed {
            path: path.to_owned(),
            reason: reason.into(),
            failed,
        });
    }

    /// Collects the files below `path` (a folder, or a file). Symbolic links to files are
    /// followed; links to folders only when named on the command line (deeper ones could
    /// loop). A folder's `.immichignore` applies below it.
    pub fn walk_root(&mut self, path: &Path) {
        let is_dir = fs::metadata(path).is_ok_and(|m| m.is_dir());
        if !is_dir {
            let root_name = path
                .parent()
                .and_then(Path::file_name)
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            self.visit(path, &root_name, name, 0, &IgnoreRules::default());
            return;
        }
        let ignore = match fs::read_to_string(path.join(IGNORE_FILE)) {
            Ok(text) => match IgnoreRules::parse(&text) {
                Ok(rules) => rules,
                Err(e) => {
                    self.pass(&path.join(IGNORE_FILE), e, true);
                    return;
                }
            },
            Err(_) => IgnoreRules::default(),
        };
        let root_name = fs::canonicalize(path)
            .ok()
            .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
            .unwrap_or_default();
        self.visit(path, &root_name, String::new(), 0, &ignore);
    }

    fn visit(
        &mut self,
        path: &Path,
        root_name: &str,
        rel: String,
        depth: usize,
        ignore: &IgnoreRules,
    ) {
        if !self.seen.insert(path.to_owned()) {
            return;
        }
        let meta = match fs::symlink_metadata(path) {
            Ok(meta) => meta,
            Err(e) => return self.pass(path, format!("cannot read it: {e}"), true),
        };
        let is_dir = if meta.file_type().is_symlink() {
            // A dangling link counts as a file: reading it reports the failure.
            let target_is_dir = fs::metadata(path).is_ok_and(|m| m.is_dir());
            if target_is_dir && depth > 0 {
                return self.pass(path, "a link to a folder (not followed)", false);
            }
            target_is_dir
        } else {
            meta.is_dir()
        };
        if !is_dir {
            if !(meta.is_file() || meta.file_type().is_symlink()) {
                return self.pass(path, "not a regular file", false);
            }
            // The size and time of the file a link points to.
            let (size, modified) = match fs::metadata(path) {
                Ok(m) if m.is_file() => (m.len(), m.modified().ok()),
                Ok(_) => return self.pass(path, "not a regular file", false),
                Err(e) => return self.pass(path, format!("cannot read it: {e}"), true),
            };
            self.found.push(Entry {
                root_name: root_name.to_owned(),
                rel,
                size,
                modified,
                origin: Origin::Path(path.to_owned()),
            });
            return;
        }
        if depth >= MAX_DEPTH {
            return self.pass(path, "folder too deep", false);
        }
        let entries = match fs::read_dir(path) {
            Ok(entries) => entries,
            Err(e) => return self.pass(path, format!("cannot list it: {e}"), true),
        };
        let mut children = Vec::new();
        for entry in entries {
            match entry {
                Ok(entry) => children.push(entry.path()),
                Err(e) => self.pass(path, format!("cannot list it: {e}"), true),
            }
        }
        children.sort();
        for child in children {
            let name = child
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let child_rel = if rel.is_empty() {
                name.clone()
            } else {
                format!("{rel}/{name}")
            };
            if is_system_name(&name) {
                self.pass(&child, "a system file or folder (always skipped)", false);
                continue;
            }
            if depth == 0 && name == IGNORE_FILE {
                continue;
            }
            if name.starts_with('.') && !self.include_hidden {
                self.pass(&child, "hidden (--include-hidden takes it)", false);
                continue;
            }
            let child_is_dir = fs::metadata(&child).is_ok_and(|m| m.is_dir());
            if ignore.ignored(&child_rel, child_is_dir) {
                self.pass(&child, format!("matched by {IGNORE_FILE}"), false);
                continue;
            }
            self.visit(&child, root_name, child_rel, depth + 1, ignore);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ignore_lines_follow_gitignore() {
        let rules =
            IgnoreRules::parse("# comment\n\n*.tmp\n/drafts/\nraw/**/*.dng\n!keep.tmp\nexports/\n")
                .unwrap();
        assert!(rules.ignored("a.tmp", false));
        assert!(rules.ignored("x/y/a.tmp", false));
        assert!(!rules.ignored("x/keep.tmp", false));
        assert!(rules.ignored("drafts", true));
        assert!(!rules.ignored("drafts", false));
        assert!(!rules.ignored("x/drafts", true));
        assert!(rules.ignored("raw/2024/a.dng", false));
        assert!(!rules.ignored("other/raw/a.dng", false));
        assert!(rules.ignored("a/exports", true));
        assert!(!rules.ignored("a.jpg", false));
    }

    #[test]
    fn system_names() {
        for name in [
            ".DS_Store",
            "@eaDir",
            ".Trash-1000",
            "$RECYCLE.BIN",
            "._IMG_1.jpg",
        ] {
            assert!(is_system_name(name), "{name}");
        }
        for name in ["IMG_1.jpg", ".hidden.jpg", "eaDir"] {
            assert!(!is_system_name(name), "{name}");
        }
    }

    fn entry_modified_at(unix_seconds: u64) -> Entry {
        Entry {
            root_name: "r".into(),
            rel: "a.jpg".into(),
            size: 1,
            modified: Some(SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(unix_seconds)),
            origin: Origin::Path(PathBuf::from("/nonexistent/a.jpg")),
        }
    }

    #[test]
    fn the_date_range_takes_the_capture_date_else_the_modification_time() {
        let june_2024 = 1_717_243_200; // 2024-06-01T12:00:00Z
        let (from, to) = crate::upload_args::parse_date_range("2024-06-01..2024-06-30").unwrap();
        let more = UploadMore {
            date_from: from,
            date_to: to,
            ..UploadMore::default()
        };
        let filter = Filter::new(&more).unwrap();
        assert!(filter.by_date());
        let taken = |unix_seconds| {
            Some(CaptureTime {
                unix_seconds,
                nanos: None,
            })
        };
        // Modified in 2001, taken in June 2024: in.
        let old_file = entry_modified_at(1_000_000_000);
        assert_eq!(filter.refuses_by_date(&old_file, taken(june_2024)), None);
        // Modified in June 2024, taken in 2001: out, and says why.
        let new_file = entry_modified_at(june_2024 as u64);
        let why = filter.refuses_by_date(&new_file, taken(1_000_000_000));
        assert_eq!(
            why.as_deref(),
            Some("its date (capture date) is outside --date-range")
        );
        // No capture date: the modification time decides.
        assert_eq!(filter.refuses_by_date(&new_file, None), None);
        assert!(filter.refuses_by_date(&old_file, None).is_some());
        // Without --date-range nothing is read and nothing refused.
        let all = Filter::new(&UploadMore::default()).unwrap();
        assert!(!all.by_date());
        assert_eq!(all.refuses_by_date(&old_file, taken(0)), None);
        let all_kept = all.keep_by_date(vec![old_file], 2, &|_| None);
        assert_eq!(all_kept.kept.len(), 1);
        assert_eq!(all_kept.taken, vec![None]);
        assert!(all_kept.refused.is_empty());
    }

    #[test]
    fn extensions() {
        assert_eq!(extension("IMG_1.JPG"), "jpg");
        assert_eq!(extension("IMG_1.jpg.xmp"), "xmp");
        assert_eq!(extension(".hidden"), "");
        assert_eq!(extension("README"), "");
    }
}
