//! `immich upload PATH.zip`: the files of a zip archive as upload entries, read straight from
//! the archive (nothing is extracted to disk).
//!
//! The `zip` crate reads the central directory and finds where each entry's bytes start; each
//! [`Entry::open`](crate::upload_select::Entry::open) then opens the archive again, seeks there
//! and inflates the entry as it is read (stored or deflate), so hashing and uploading each read
//! it once with bounded memory. An entry gives exactly the size the central directory declares:
//! one that inflates to more is refused at that size (a zip bomb never fills memory or the
//! upload), one that ends early or fails its CRC is reported as damaged.
//!
//! Hostile names are refused entry by entry (`..`, absolute paths, backslashes, control
//! characters, empty parts, a second entry of the same name); encrypted entries and symbolic
//! links are skipped; folders are only folders. The same selection as a folder walk applies
//! inside: hidden and system names, the archive's own top-level `.immichignore`.

use std::collections::HashSet;
use std::fs::File;
use std::io::{self, BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use zip::{CompressionMethod, ExtraField, ZipArchive};

use crate::upload_select::{is_system_name, Entry, IgnoreRules, Origin, Passed, IGNORE_FILE};

/// The largest `.immichignore` read from an archive.
const MAX_IGNORE_FILE: u64 = 1 << 20;
/// The read buffer below the inflater.
const READ_BUFFER: usize = 64 * 1024;

/// Whether a path named on the command line is read as a zip archive: a file ending in `.zip`.
pub fn is_zip(path: &Path) -> bool {
    path.extension()
        .is_some_and(|ext| ext.eq_ignore_ascii_case("zip"))
        && std::fs::metadata(path).is_ok_and(|m| m.is_file())
}

/// One file inside an archive: where its bytes are and what it must inflate to.
#[derive(Debug, Clone)]
pub struct ZipPart {
    /// The archive.
    pub archive: Arc<PathBuf>,
    /// The entry's name in the archive.
    pub name: String,
    data_start: u64,
    compressed: u64,
    /// The uncompressed size the central directory declares.
    size: u64,
    crc32: u32,
    deflated: bool,
}

impl ZipPart {
    /// Opens the entry's bytes: exactly its declared size, checked against its CRC at the end.
    pub fn open(&self) -> io::Result<Box<dyn Read + Send>> {
        let mut file = File::open(self.archive.as_path())?;
        file.seek(SeekFrom::Start(self.data_start))?;
        let raw = BufReader::with_capacity(READ_BUFFER, file).take(self.compressed);
        let inner: Box<dyn Read + Send> = if self.deflated {
            Box::new(flate2::bufread::DeflateDecoder::new(raw))
        } else {
            Box::new(raw)
        };
        Ok(Box::new(Checked {
            inner,
            size: self.size,
            remaining: self.size,
            crc: crc32fast::Hasher::new(),
            expected_crc: self.crc32,
            done: false,
        }))
    }

    /// How reports name it: `archive.zip:path/in/archive`.
    pub fn shown(&self) -> String {
        shown(&self.archive, &self.name)
    }
}

fn shown(archive: &Path, name: &str) -> String {
    format!("{}:{name}", archive.display())
}

/// An entry's bytes, cut at the declared size: more is refused, less or a wrong CRC is
/// damage.
struct Checked {
    inner: Box<dyn Read + Send>,
    size: u64,
    remaining: u64,
    crc: crc32fast::Hasher,
    expected_crc: u32,
    done: bool,
}

fn damaged(message: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, message)
}

impl Read for Checked {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() || self.done {
            return Ok(0);
        }
        if self.remaining == 0 {
            // The declared size is reached: the entry must end here.
            let mut probe = [0u8; 1];
            if read_retrying(&mut self.inner, &mut probe)? > 0 {
                return Err(damaged(format!(
                    "the entry inflates to more than the {} bytes the archive declares \
                     (a zip bomb?): refused",
                    self.size
                )));
            }
            if self.crc.clone().finalize() != self.expected_crc {
                return Err(damaged(
                    "the entry's CRC does not match: the archive is damaged".into(),
                ));
            }
            self.done = true;
            return Ok(0);
        }
        let want = buf
            .len()
            .min(usize::try_from(self.remaining).unwrap_or(usize::MAX));
        let n = read_retrying(&mut self.inner, &mut buf[..want])?;
        if n == 0 {
            return Err(damaged(format!(
                "the entry ends after {} of the {} bytes the archive declares: the archive is \
                 damaged",
                self.size - self.remaining,
                self.size
            )));
        }
        self.crc.update(&buf[..n]);
        self.remaining -= n as u64;
        Ok(n)
    }
}

fn read_retrying(reader: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    loop {
        match reader.read(buf) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            other => return other,
        }
    }
}

/// Why an entry name is refused, if it is: it must be a plain relative path of `/`-separated
/// parts.
pub fn refuse_name(name: &str) -> Option<&'static str> {
    if name.is_empty() {
        return Some("an empty name");
    }
    if name.chars().any(char::is_control) {
        return Some("a control character in its name");
    }
    if name.contains('\\') {
        return Some("a backslash in its name");
    }
    let bytes = name.as_bytes();
    if name.starts_with('/') || (bytes.len() >= 2 && bytes[1] == b':') {
        return Some("an absolute path");
    }
    for part in name.split('/') {
        match part {
            ".." => return Some("a \"..\" part in its name"),
            "." | "" => return Some("an empty or \".\" part in its name"),
            _ => {}
        }
    }
    None
}

/// An entry's modification time: the extended timestamp (UTC) when there is one, else the
/// MS-DOS time (no zone: taken as UTC).
fn modified_of(extended: Option<u32>, dos: Option<zip::DateTime>) -> Option<SystemTime> {
    if let Some(seconds) = extended {
        return UNIX_EPOCH.checked_add(Duration::from_secs(u64::from(seconds)));
    }
    let dos = dos?;
    let days = days_from_civil(
        i64::from(dos.year()),
        i64::from(dos.month()),
        i64::from(dos.day()),
    );
    let seconds = days * 86_400
        + i64::from(dos.hour()) * 3600
        + i64::from(dos.minute()) * 60
        + i64::from(dos.second());
    UNIX_EPOCH.checked_add(Duration::from_secs(u64::try_from(seconds).ok()?))
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let yoe = year - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn archive_duplicated(duplicated: &HashSet<Vec<u8>>, name: &[u8]) -> bool {
    duplicated.contains(name)
}

/// Most central directory headers scanned for duplicate names.
const MAX_SCANNED_HEADERS: usize = 1 << 20;

/// The names that more than one central directory header of the archive at `path` carries
/// (headers are read from `start` while they last; an unreadable one ends the scan).
fn duplicate_names(path: &Path, start: u64) -> HashSet<Vec<u8>> {
    let mut seen = HashSet::new();
    let mut duplicated = HashSet::new();
    let Ok(mut file) = File::open(path) else {
        return duplicated;
    };
    if file.seek(SeekFrom::Start(start)).is_err() {
        return duplicated;
    }
    let mut reader = BufReader::new(file);
    for _ in 0..MAX_SCANNED_HEADERS {
        let mut fixed = [0u8; 46];
        if reader.read_exact(&mut fixed).is_err() || fixed[..4] != [0x50, 0x4b, 0x01, 0x02] {
            break;
        }
        let field = |at: usize| u64::from(u16::from_le_bytes([fixed[at], fixed[at + 1]]));
        let (name_len, rest) = (field(28), field(30) + field(32));
        let mut name = Vec::new();
        if (&mut reader).take(name_len).read_to_end(&mut name).is_err()
            || io::copy(&mut (&mut reader).take(rest), &mut io::sink()).is_err()
        {
            break;
        }
        if !seen.insert(name.clone()) {
            duplicated.insert(name);
        }
    }
    duplicated
}

/// What an archive holds, read from its central directory.
#[derive(Debug, Default)]
pub struct Listing {
    /// Its files, as entries.
    pub found: Vec<Entry>,
    /// What was passed over, and why.
    pub passed: Vec<Passed>,
}

struct Raw {
    name: String,
    is_dir: bool,
    is_symlink: bool,
    encrypted: bool,
    part: Result<ZipPart, String>,
    modified: Option<SystemTime>,
}

/// Lists the files of the archive at `path` (hidden ones only when `include_hidden`).
pub fn list(path: &Path, include_hidden: bool) -> Listing {
    let mut listing = Listing::default();
    let fail = |listing: &mut Listing, reason: String| {
        listing.passed.push(Passed {
            path: path.to_owned(),
            reason,
            failed: true,
        })
    };
    let file = match File::open(path) {
        Ok(file) => file,
        Err(e) => {
            fail(&mut listing, format!("cannot read it: {e}"));
            return listing;
        }
    };
    let mut archive = match ZipArchive::new(BufReader::new(file)) {
        Ok(archive) => archive,
        Err(e) => {
            fail(&mut listing, format!("not a readable zip archive: {e}"));
            return listing;
        }
    };
    // The crate keeps one entry per name; which names hid others is read from the central
    // directory itself.
    let duplicated = if archive.has_duplicate_names() {
        duplicate_names(path, archive.central_directory_start())
    } else {
        HashSet::new()
    };
    let archive_path = Arc::new(path.to_owned());
    let root_name = path
        .file_stem()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();

    let mut raws = Vec::with_capacity(archive.len());
    for index in 0..archive.len() {
        let listed_name = archive
            .name_for_index(index)
            .and_then(Result::ok)
            .map(|n| n.into_owned())
            .unwrap_or_else(|| format!("(entry {index})"));
        let raw = match archive.by_index_raw(index) {
            Ok(entry) => {
                let name = match entry.name() {
                    Ok(name) => name.into_owned(),
                    Err(_) => String::from_utf8_lossy(entry.name_raw()).into_owned(),
                };
                let method = entry.compression();
                let part = match (method, entry.data_start()) {
                    (_, None) => Err("its data cannot be found in the archive".to_owned()),
                    (CompressionMethod::Stored | CompressionMethod::Deflated, Some(start)) => {
                        Ok(ZipPart {
                            archive: archive_path.clone(),
                            name: name.clone(),
                            data_start: start,
                            compressed: entry.compressed_size(),
                            size: entry.size(),
                            crc32: entry.crc32(),
                            deflated: method == CompressionMethod::Deflated,
                        })
                    }
                    (other, Some(_)) => Err(format!(
                        "compressed with {other:?}, which is not supported (stored and deflate \
                         are)"
                    )),
                };
                let extended = entry.extra_data_fields().find_map(|field| match field {
                    ExtraField::ExtendedTimestamp(ts) => ts.mod_time(),
                    _ => None,
                });
                if archive_duplicated(&duplicated, entry.name_raw()) {
                    listing.passed.push(Passed {
                        path: PathBuf::from(shown(path, &name)),
                        reason: "refused: several entries of this name in the archive (which \
                                 one is meant is unclear)"
                            .into(),
                        failed: true,
                    });
                    continue;
                }
                Raw {
                    is_dir: entry.is_dir(),
                    is_symlink: entry.is_symlink(),
                    encrypted: entry.encrypted(),
                    modified: modified_of(extended, entry.last_modified()),
                    name,
                    part,
                }
            }
            Err(e) => {
                listing.passed.push(Passed {
                    path: PathBuf::from(shown(path, &listed_name)),
                    reason: format!("cannot read it: {e}"),
                    failed: true,
                });
                continue;
            }
        };
        raws.push(raw);
    }

    // The archive's own ignore file, at its top level.
    let mut ignore = IgnoreRules::default();
    if let Some(Ok(part)) = raws
        .iter()
        .find(|r| r.name == IGNORE_FILE && !r.is_dir && !r.is_symlink && !r.encrypted)
        .map(|r| r.part.clone())
    {
        let mut text = String::new();
        let read = part.open().and_then(|r| {
            r.take(MAX_IGNORE_FILE)
                .read_to_string(&mut text)
                .map(|_| ())
        });
        match read
            .map_err(|e| e.to_string())
            .and_then(|()| IgnoreRules::parse(&text))
        {
            Ok(rules) => ignore = rules,
            Err(e) => {
                listing.passed.push(Passed {
                    path: PathBuf::from(part.shown()),
                    reason: e,
                    failed: true,
                });
                return listing;
            }
        }
    }

    // Names that differ in their bytes but decode alike.
    let mut seen: HashSet<String> = HashSet::new();
    for raw in raws {
        let shown_path = PathBuf::from(shown(path, &raw.name));
        let mut pass = |reason: String, failed: bool| {
            listing.passed.push(Passed {
                path: shown_path.clone(),
                reason,
                failed,
            })
        };
        // A folder holds nothing of its own: its files are entries of their own.
        if raw.is_dir {
            continue;
        }
        if let Some(why) = refuse_name(&raw.name) {
            pass(format!("refused: {why}"), true);
            continue;
        }
        if !seen.insert(raw.name.clone()) {
            pass(
                "refused: several entries of this name in the archive (which one is meant is \
                 unclear)"
                    .into(),
                true,
            );
            continue;
        }
        if raw.name == IGNORE_FILE {
            continue;
        }
        if raw.is_symlink {
            pass(
                "a symbolic link inside the archive (not followed)".into(),
                false,
            );
            continue;
        }
        if raw.encrypted {
            pass("encrypted (not supported)".into(), false);
            continue;
        }
        let parts: Vec<&str> = raw.name.split('/').collect();
        let mut skipped = None;
        for (depth, part) in parts.iter().enumerate() {
            let is_dir = depth + 1 < parts.len();
            if is_system_name(part) {
                skipped = Some("a system file or folder (always skipped)".to_owned());
            } else if part.starts_with('.') && !include_hidden {
                skipped = Some("hidden (--include-hidden takes it)".to_owned());
            } else if ignore.ignored(&parts[..=depth].join("/"), is_dir) {
                skipped = Some(format!("matched by {IGNORE_FILE}"));
            }
            if skipped.is_some() {
                break;
            }
        }
        if let Some(reason) = skipped {
            pass(reason, false);
            continue;
        }
        match raw.part {
            Ok(part) => listing.found.push(Entry {
                root_name: root_name.clone(),
                rel: raw.name,
                size: part.size,
                modified: raw.modified,
                origin: Origin::Zip(part),
            }),
            Err(reason) => pass(reason, true),
        }
    }
    listing
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_names_are_refused() {
        for name in [
            "../evil.jpg",
            "a/../../evil.jpg",
            "/etc/passwd.jpg",
            "C:/x.jpg",
            "a\\b.jpg",
            "a\u{1b}[2J.jpg",
            "a//b.jpg",
            "./a.jpg",
            "",
        ] {
            assert!(refuse_name(name).is_some(), "{name:?}");
        }
        for name in ["a.jpg", "2024/trip/IMG_1.jpg", "x..y.jpg", "..a.jpg"] {
            assert_eq!(refuse_name(name), None, "{name:?}");
        }
    }

    #[test]
    fn dos_dates_become_utc_seconds() {
        let dos = zip::DateTime::from_date_and_time(2024, 5, 1, 12, 30, 10).ok();
        let time = modified_of(None, dos).unwrap();
        assert_eq!(
            time.duration_since(UNIX_EPOCH).unwrap().as_secs(),
            1_714_566_610
        );
        let time = modified_of(Some(1_000), dos).unwrap();
        assert_eq!(time.duration_since(UNIX_EPOCH).unwrap().as_secs(), 1_000);
    }

    #[test]
    fn checked_refuses_more_than_declared_and_damage() {
        let part = |data: &'static [u8], size: u64, crc: u32| Checked {
            inner: Box::new(data),
            size,
            remaining: size,
            crc: crc32fast::Hasher::new(),
            expected_crc: crc,
            done: false,
        };
        let crc = crc32fast::hash(b"hello");
        let mut out = Vec::new();
        part(b"hello", 5, crc).read_to_end(&mut out).unwrap();
        assert_eq!(out, b"hello");
        let err = part(b"hello world", 5, crc)
            .read_to_end(&mut Vec::new())
            .unwrap_err();
        assert!(err.to_string().contains("zip bomb"), "{err}");
        let err = part(b"hel", 5, crc)
            .read_to_end(&mut Vec::new())
            .unwrap_err();
        assert!(err.to_string().contains("damaged"), "{err}");
        let err = part(b"hellO", 5, crc)
            .read_to_end(&mut Vec::new())
            .unwrap_err();
        assert!(err.to_string().contains("CRC"), "{err}");
    }
}
