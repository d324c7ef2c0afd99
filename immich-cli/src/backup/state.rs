//! What a backup folder remembers between runs (`DIR/.immich-backup/state.json`), and the
//! file operations that keep it and the folder consistent: atomic writes, the pending-rename
//! journal, moves into `DIR/.trash`.

use std::collections::{BTreeMap, HashSet};
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use immich_blocking::proto::names::{is_safe_file_name, numbered_file_name, MAX_FILE_NAME_BYTES};
use serde::{Deserialize, Serialize};

/// The folder inside DIR that holds the state, the partial downloads and the journal.
pub(crate) const META_DIR: &str = ".immich-backup";
/// The folder inside DIR that receives replaced and deleted files.
pub(crate) const TRASH_DIR: &str = ".trash";
/// The state file's name inside [`META_DIR`].
const STATE_FILE: &str = "state.json";

/// The lock file's name inside [`META_DIR`]: held by the running backup.
const LOCK_FILE: &str = "lock";
/// The state format this version writes and reads.
const FORMAT: u32 = 1;
/// The most numbered names (`name (2).jpg`, ...) tried for one file.
const MAX_NUMBERED_NAMES: u64 = 10_000;
/// The suffix of a metadata file: an original's name leaves room for it.
pub(crate) const METADATA_SUFFIX: &str = ".json";
/// The longest extension kept whole when a name is shortened (as the safe names do).
const MAX_EXTENSION_BYTES: usize = 16;
/// The most bytes of a file's name kept in the name of its temporary file (which adds a dot,
/// the process id and `.tmp`, and must stay within the file system's limit too).
const MAX_TEMP_STEM_BYTES: usize = 200;

/// The whole state of a backup folder.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct State {
    /// [`FORMAT`].
    pub format: u32,
    /// The user whose library this is: a run as someone else is refused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    /// Where each change source continues.
    #[serde(default)]
    pub checkpoint: Checkpoint,
    /// Asset id -> what is on disk for it.
    #[serde(default)]
    pub assets: BTreeMap<String, Entry>,
    /// Album id -> what the manifest was made from.
    #[serde(default)]
    pub albums: BTreeMap<String, AlbumEntry>,
}

/// Where the change sources continue.
#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Checkpoint {
    /// Walk source: the newest `updatedAt` of a completed run (the next walk asks for changes
    /// after it, minus a safety margin).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub walk_updated_after: Option<String>,
    /// Sync source: the acks of the last completed run (sent to the server only after they
    /// are written here).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sync_acks: Vec<String>,
}

/// One backed-up asset.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Entry {
    /// The original, relative to DIR, `/`-separated.
    pub path: String,
    /// The base64 SHA-1 the file was verified against.
    pub checksum: String,
    /// The asset's `updatedAt` when its metadata file was written.
    pub updated_at: String,
    /// The file's size when written.
    pub size: u64,
    /// The file's modification time when written (ns since the epoch).
    pub mtime_ns: u64,
}

/// One album as last read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct AlbumEntry {
    /// The album's name (exact, as the server sent it).
    pub name: String,
    /// Its `updatedAt`.
    pub updated_at: String,
    /// Its asset count.
    pub asset_count: u64,
    /// Its assets' ids.
    pub asset_ids: Vec<String>,
}

/// A file that a run made final but whose state entry may not be written yet (a crash between
/// the rename and the next state write): adopted by the next run.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Pending {
    id: String,
    entry: Entry,
}

/// Paths of one backup folder.
#[derive(Debug, Clone)]
pub(crate) struct Layout {
    pub root: PathBuf,
}

impl Layout {
    pub fn meta(&self) -> PathBuf {
        self.root.join(META_DIR)
    }

    pub fn state_file(&self) -> PathBuf {
        self.meta().join(STATE_FILE)
    }

    /// Where downloads collect until verified.
    pub fn partial_dir(&self) -> PathBuf {
        self.meta().join("partial")
    }

    fn journal_dir(&self) -> PathBuf {
        self.meta().join("pending")
    }

    pub fn trash(&self) -> PathBuf {
        self.root.join(TRASH_DIR)
    }

    /// `rel` (a state path) inside DIR, or `None` when it is not one this tool makes: every
    /// component a safe file name, so nothing read from the state file can point outside DIR.
    pub fn resolve(&self, rel: &str) -> Option<PathBuf> {
        let mut path = self.root.clone();
        let mut parts = 0;
        for part in rel.split('/') {
            if !is_safe_file_name(part) {
                return None;
            }
            path.push(part);
            parts += 1;
        }
        (parts > 0).then_some(path)
    }

    /// Makes the folders this tool needs; refuses a DIR whose own folders are links.
    pub fn create(&self) -> std::io::Result<()> {
        fs::create_dir_all(&self.root)?;
        for dir in [self.meta(), self.partial_dir(), self.journal_dir()] {
            real_dir(&dir)?;
        }
        Ok(())
    }

    /// Takes the folder for this run: an exclusive lock on `.immich-backup/lock`, held while
    /// the returned file is open and let go by the system when the process ends, however it
    /// ends. Two runs on one folder would download into the same partial files and write
    /// each other's state away.
    pub fn lock(&self) -> Result<fs::File, String> {
        let path = self.meta().join(LOCK_FILE);
        let file = fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| format!("cannot open {}: {e}", path.display()))?;
        match file.try_lock() {
            Ok(()) => Ok(file),
            Err(fs::TryLockError::WouldBlock) => Err(format!(
                "another `immich backup` is running on {}; wait for it to finish",
                self.root.display()
            )),
            Err(fs::TryLockError::Error(e)) => Err(format!("cannot lock {}: {e}", path.display())),
        }
    }

    /// Loads the state; a missing file is a new backup. Adopts what the journal says a crashed
    /// run finished.
    pub fn load(&self) -> Result<State, String> {
        let path = self.state_file();
        let mut state = match fs::read(&path) {
            Ok(bytes) => serde_json::from_slice::<State>(&bytes).map_err(|e| {
                format!(
                    "{} is damaged ({e}); move it away to start a new backup in this folder",
                    path.display()
                )
            })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => State {
                format: FORMAT,
                ..State::default()
            },
            Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
        };
        if state.format != FORMAT {
            return Err(format!(
                "{} has format {}, this tool reads format {FORMAT}",
                path.display(),
                state.format
            ));
        }
        self.adopt_journal(&mut state);
        Ok(state)
    }

    /// Entries of files made final by a run that stopped before writing the state.
    fn adopt_journal(&self, state: &mut State) {
        let Ok(dir) = fs::read_dir(self.journal_dir()) else {
            return;
        };
        for item in dir.flatten() {
            let Ok(bytes) = fs::read(item.path()) else {
                continue;
            };
            let Ok(pending) = serde_json::from_slice::<Pending>(&bytes) else {
                continue;
            };
            let Some(path) = self.resolve(&pending.entry.path) else {
                continue;
            };
            // Only when the file is there and still the one written.
            if let Some((size, mtime_ns)) = file_facts(&path) {
                if size == pending.entry.size && mtime_ns == pending.entry.mtime_ns {
                    state.assets.insert(pending.id, pending.entry);
                }
            }
        }
    }

    /// Notes, durably, that `id`'s file is about to get its final name.
    pub fn journal(&self, id: &str, entry: &Entry) -> std::io::Result<()> {
        let pending = Pending {
            id: id.to_owned(),
            entry: entry.clone(),
        };
        let bytes = serde_json::to_vec(&pending).map_err(std::io::Error::other)?;
        write_atomic(&self.journal_dir().join(format!("{id}.json")), &bytes)
    }

    /// Forgets the journal (after the state that holds its entries is written).
    pub fn clear_journal(&self) {
        if let Ok(dir) = fs::read_dir(self.journal_dir()) {
            for item in dir.flatten() {
                let _ = fs::remove_file(item.path());
            }
        }
    }

    /// Writes the state atomically: a temporary file in the same folder, synced, renamed over
    /// the old one, and the folder synced.
    pub fn save(&self, state: &State) -> std::io::Result<()> {
        let bytes = serde_json::to_vec(state).map_err(std::io::Error::other)?;
        write_atomic(&self.state_file(), &bytes)?;
        self.clear_journal();
        Ok(())
    }

    /// Moves the file at `rel` (and its metadata file) into the trash, keeping the relative
    /// path; a name taken there gets a number. Returns the trash path (relative to DIR), or
    /// `None` when there was no file.
    pub fn move_to_trash(&self, rel: &str) -> std::io::Result<Option<String>> {
        let Some(source) = self.resolve(rel) else {
            return Ok(None);
        };
        if fs::symlink_metadata(&source).is_err() {
            return Ok(None);
        }
        let (folder, name) = match rel.rsplit_once('/') {
            Some((folder, name)) => (Some(folder), name),
            None => (None, rel),
        };
        let trash_folder = match folder {
            Some(folder) => folder
                .split('/')
                .fold(self.trash(), |path, part| path.join(part)),
            None => self.trash(),
        };
        // Each folder down from the trash a real one: a link put there would take the file
        // out of DIR.
        real_dir(&self.trash())?;
        if let Some(folder) = folder {
            let mut path = self.trash();
            for part in folder.split('/') {
                path.push(part);
                real_dir(&path)?;
            }
        }
        for number in 0..=MAX_NUMBERED_NAMES {
            // Numbered, still short enough for its metadata file's name.
            let room = MAX_FILE_NAME_BYTES - METADATA_SUFFIX.len();
            let candidate = match number {
                0 => name.to_owned(),
                n => {
                    let suffix = format!(" ({})", n + 1).len();
                    match shortened(name, room - suffix) {
                        Some(base) => numbered_file_name(&base, n + 1),
                        None => continue,
                    }
                }
            };
            let target = trash_folder.join(&candidate);
            let json_target = trash_folder.join(format!("{candidate}.json"));
            if fs::symlink_metadata(&target).is_ok() || fs::symlink_metadata(&json_target).is_ok() {
                continue;
            }
            fs::rename(&source, &target)?;
            let json = metadata_path(&source);
            if fs::symlink_metadata(&json).is_ok() {
                fs::rename(&json, &json_target)?;
            }
            sync_dir(&trash_folder);
            if let Some(parent) = source.parent() {
                sync_dir(parent);
            }
            let trash_rel = match folder {
                Some(folder) => format!("{TRASH_DIR}/{folder}/{candidate}"),
                None => format!("{TRASH_DIR}/{candidate}"),
            };
            return Ok(Some(trash_rel));
        }
        Err(std::io::Error::other(format!(
            "no free name for {rel} in {TRASH_DIR}"
        )))
    }
}

/// `name` (a safe name) in at most `room` bytes: its stem cut on a character boundary, a
/// short extension kept whole; `None` when that leaves no safe name.
pub(crate) fn shortened(name: &str, room: usize) -> Option<String> {
    if name.len() <= room {
        return Some(name.to_owned());
    }
    // The extension stays whole when it is short (as the safe name kept it).
    let (stem, extension) = match name.rfind('.') {
        Some(dot) if dot > 0 && name.len() - dot <= MAX_EXTENSION_BYTES => name.split_at(dot),
        _ => (name, ""),
    };
    let mut end = room.saturating_sub(extension.len()).min(stem.len());
    while !stem.is_char_boundary(end) {
        end -= 1;
    }
    let stem = stem[..end].trim_end_matches(|c: char| c == '.' || c.is_whitespace());
    let shortened = format!("{stem}{extension}");
    is_safe_file_name(&shortened).then_some(shortened)
}

/// The metadata file of an original: `name.ext.json` beside it.
pub(crate) fn metadata_path(original: &Path) -> PathBuf {
    let mut name = original.file_name().unwrap_or_default().to_os_string();
    name.push(".json");
    original.with_file_name(name)
}

/// Makes `dir` when missing; fails when something other than a real folder (a link) has the
/// name.
pub(crate) fn real_dir(dir: &Path) -> std::io::Result<()> {
    match fs::symlink_metadata(dir) {
        Ok(meta) if meta.is_dir() => Ok(()),
        Ok(_) => Err(std::io::Error::other(format!(
            "{} is not a folder (a link or a file)",
            dir.display()
        ))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => fs::create_dir(dir),
        Err(e) => Err(e),
    }
}

/// Size and modification time (ns since the epoch) of a regular file, not following links.
pub(crate) fn file_facts(path: &Path) -> Option<(u64, u64)> {
    let meta = fs::symlink_metadata(path).ok()?;
    if !meta.is_file() {
        return None;
    }
    let mtime = meta.modified().ok()?.duration_since(UNIX_EPOCH).ok()?;
    Some((
        meta.len(),
        u64::try_from(mtime.as_nanos()).unwrap_or(u64::MAX),
    ))
}

/// Writes `bytes` to `path` atomically (temporary file beside it, fsync, rename, fsync folder).
pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    let mut end = name.len().min(MAX_TEMP_STEM_BYTES);
    while !name.is_char_boundary(end) {
        end -= 1;
    }
    let temp_name = format!(".{}.{}.tmp", &name[..end], std::process::id());
    let temp = dir.join(temp_name);
    let written = (|| {
        let mut file = fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .open(&temp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        fs::rename(&temp, path)
    })();
    if written.is_err() {
        let _ = fs::remove_file(&temp);
    }
    written?;
    sync_dir(dir);
    Ok(())
}

/// Makes a folder's entries (a rename into it) durable; best effort where folders cannot be
/// opened.
pub(crate) fn sync_dir(dir: &Path) {
    #[cfg(unix)]
    if let Ok(file) = fs::File::open(dir) {
        let _ = file.sync_all();
    }
    #[cfg(not(unix))]
    let _ = dir;
}

/// The relative paths (lower-cased: some file systems ignore case) already used by entries,
/// with their metadata files.
pub(crate) fn taken_names(state: &State) -> HashSet<String> {
    let mut taken = HashSet::new();
    for entry in state.assets.values() {
        taken.insert(entry.path.to_lowercase());
        taken.insert(format!("{}.json", entry.path).to_lowercase());
    }
    taken
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_paths_never_leave_the_folder() {
        let layout = Layout {
            root: PathBuf::from("/backup"),
        };
        assert_eq!(
            layout.resolve("2024/05/a.jpg"),
            Some(PathBuf::from("/backup/2024/05/a.jpg"))
        );
        for bad in [
            "../x",
            "2024/../../x",
            "/etc/passwd",
            "",
            "2024//a",
            ".trash/a",
        ] {
            assert_eq!(layout.resolve(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_rename_the_state_missed_is_adopted_from_the_journal() {
        let root =
            std::env::temp_dir().join(format!("immich-backup-journal-{}", std::process::id()));
        let layout = Layout { root: root.clone() };
        layout.create().unwrap();
        let file = root.join("2024/05/a.jpg");
        fs::create_dir_all(file.parent().unwrap()).unwrap();
        fs::write(&file, b"abc").unwrap();
        let (size, mtime_ns) = file_facts(&file).unwrap();
        let entry = Entry {
            path: "2024/05/a.jpg".into(),
            checksum: "qZk+NkcGgWq6PiVxeFDCbJzQ2J0=".into(),
            updated_at: "2024-05-01T10:00:00.000Z".into(),
            size,
            mtime_ns,
        };
        let id = "0000a55e-0000-4000-8000-000000000101";
        // The crash: renamed, journaled, state not written.
        layout.journal(id, &entry).unwrap();
        let state = layout.load().unwrap();
        assert_eq!(state.assets.get(id), Some(&entry));
        // A journal whose file is not as written is not adopted.
        fs::write(&file, b"changed").unwrap();
        assert!(layout.load().unwrap().assets.is_empty());
        // Writing the state clears the journal.
        layout.save(&state).unwrap();
        assert_eq!(
            fs::read_dir(root.join(".immich-backup/pending"))
                .unwrap()
                .count(),
            0
        );
        let _ = fs::remove_dir_all(&root);
    }

    #[test]
    fn metadata_files_sit_beside_the_original() {
        assert_eq!(
            metadata_path(Path::new("/b/2024/05/a.jpg")),
            PathBuf::from("/b/2024/05/a.jpg.json")
        );
    }
}
