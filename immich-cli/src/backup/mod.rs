//! `immich backup DIR`: an incremental, verified copy of the user's library.
//!
//! Layout in DIR: originals as `YYYY/MM/name` (the capture date's local year and month, the
//! server's file name made safe; a taken name becomes `name (2).ext`, chosen once and
//! remembered), the asset's JSON beside each as `name.ext.json`, `albums.json` (album id,
//! name, asset ids and their paths), and `.immich-backup/` with `state.json` (asset id ->
//! path, checksum, `updatedAt`, size and modification time; where the change source
//! continues), the partial downloads and a small journal. Replaced and deleted files go to
//! `.trash/` under the same relative path, never deleted unless `--prune-trash`.
//!
//! A run asks its [`source`] what changed, then: downloads new and changed originals into
//! `.immich-backup/partial/` (resumed with `Range` after an interruption, SHA-1 checked
//! while they arrive), renames each to its final name only when it matched, writes its
//! metadata file, and writes the state after every batch. Files already backed up are only
//! looked at (size and modification time against the state), never read or hashed.

mod source;
mod state;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fs;
use std::path::Path;
use std::time::{Duration, Instant, SystemTime};

use immich_blocking::albums::AlbumAssets;
use immich_blocking::proto::names::{numbered_file_name, safe_file_name};
use immich_blocking::{AlbumId, AssetId, ErrorKind};
use serde::Serialize;
use serde_json::json;

use crate::args::{BackupArgs, SourceChoice};
use crate::output::{self, say, shown, Progress};
use crate::{describe, Ctx, Failure};

use source::{ChangeSource, RemoteAsset, SourceKind, Walk};
use state::{file_facts, metadata_path, real_dir, sync_dir, write_atomic, Entry, Layout, State};

/// The manifest of albums, in DIR.
const ALBUMS_FILE: &str = "albums.json";
/// The state is written after this many finished assets at the latest...
const BATCH_ASSETS: usize = 100;
/// ... or after this long.
const BATCH_TIME: Duration = Duration::from_secs(5);
/// Attempts per download when the connection breaks (each resumes where the last stopped).
const DOWNLOAD_ATTEMPTS: usize = 2;
/// The most numbered names tried for one original.
const MAX_NUMBERED_NAMES: u64 = 10_000;

/// What a run does with one asset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
enum Action {
    /// Not backed up yet: download.
    New,
    /// The original changed on the server: download, old file to the trash.
    Updated,
    /// The local file is missing or was changed: download again (a changed one goes to the
    /// trash first).
    Restored,
    /// Only the metadata changed: rewrite the metadata file.
    Metadata,
    /// Deleted or trashed on the server: move to the trash.
    Trashed,
}

impl Action {
    fn downloads(self) -> bool {
        matches!(self, Action::New | Action::Updated | Action::Restored)
    }

    fn verb(self, dry_run: bool) -> &'static str {
        match (self, dry_run) {
            (Action::New, false) => "new",
            (Action::Updated, false) => "updated",
            (Action::Restored, false) => "restored",
            (Action::Metadata, false) => "metadata",
            (Action::Trashed, false) => "trashed",
            (Action::New, true) => "would download",
            (Action::Updated, true) => "would update",
            (Action::Restored, true) => "would restore",
            (Action::Metadata, true) => "would rewrite metadata of",
            (Action::Trashed, true) => "would move to trash",
        }
    }
}

/// One planned step.
struct Step {
    action: Action,
    id: AssetId,
    /// The original's path relative to DIR.
    path: String,
    /// The server's asset (none for a move to the trash or a restore from the state).
    remote: Option<RemoteAsset>,
    /// The checksum to record (restore: the state's).
    checksum: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Done {
    id: AssetId,
    action: Action,
    path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    trashed_to: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    bytes: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    resumed_from: Option<u64>,
}

#[derive(Serialize)]
struct FailedAsset {
    id: AssetId,
    path: String,
    error: String,
}

#[derive(Serialize, Default)]
#[serde(rename_all = "camelCase")]
struct Summary {
    new: usize,
    updated: usize,
    restored: usize,
    metadata: usize,
    trashed: usize,
    unchanged: usize,
    failed: usize,
    bytes: u64,
    albums: usize,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Report {
    source: SourceKind,
    directory: String,
    dry_run: bool,
    assets: Vec<Done>,
    failed: Vec<FailedAsset>,
    summary: Summary,
    pruned_trash: bool,
}

/// Runs `immich backup`.
pub(crate) fn backup(ctx: &mut Ctx<'_>, args: BackupArgs) -> Result<(), Failure> {
    let layout = Layout {
        root: args.dir.clone(),
    };
    let mut source = choose_source(args.source, ctx.logged_in)?;
    // Held until this function returns.
    let _lock = if args.dry_run {
        None
    } else {
        layout
            .create()
            .map_err(|e| Failure::Message(format!("cannot use {}: {e}", layout.root.display())))?;
        Some(layout.lock().map_err(Failure::Message)?)
    };
    let mut state = layout.load().map_err(Failure::Message)?;
    let me = ctx.client.me()?;
    match &state.user_id {
        Some(owner) if !owner.eq_ignore_ascii_case(me.id.as_str()) => {
            return Err(Failure::Message(format!(
                "{} holds the backup of another user ({owner}); use another folder",
                layout.root.display()
            )))
        }
        _ => state.user_id = Some(me.id.to_string()),
    }

    let changes = source.changes(&ctx.client, &state)?;
    let steps = plan(&layout, &state, changes.upserts, &changes.gone)?;
    let touched: HashSet<&str> = steps
        .iter()
        .map(|s| s.id.as_str())
        .filter(|id| state.assets.contains_key(*id))
        .collect();
    let untouched = state.assets.len().saturating_sub(touched.len());
    let mut report = Report {
        source: source.kind(),
        directory: layout.root.display().to_string(),
        dry_run: args.dry_run,
        assets: Vec::new(),
        failed: Vec::new(),
        summary: Summary {
            unchanged: untouched,
            ..Summary::default()
        },
        pruned_trash: false,
    };

    if args.dry_run {
        for step in steps {
            count(&mut report.summary, step.action);
            report.assets.push(Done {
                id: step.id,
                action: step.action,
                path: step.path,
                trashed_to: None,
                bytes: None,
                resumed_from: None,
            });
        }
        report.summary.albums = ctx.client.albums()?.len();
        return print_report(ctx, &report);
    }

    let mut progress = Progress::new(ctx.progress);
    let downloads = steps.iter().filter(|s| s.action.downloads()).count();
    let mut downloaded = 0;
    let mut since_save = 0;
    let mut last_save = Instant::now();
    for step in steps {
        if step.action.downloads() {
            downloaded += 1;
            let line = format!(
                "downloading {downloaded}/{downloads} files, {}",
                output::bytes(report.summary.bytes)
            );
            progress.draw(ctx.err, &line, false);
        }
        match apply(ctx, &layout, &mut state, &step) {
            Ok(done) => {
                count(&mut report.summary, step.action);
                report.summary.bytes += done.bytes.unwrap_or(0);
                report.assets.push(done);
            }
            Err(error) => {
                progress.clear(ctx.err);
                let _ = writeln!(
                    ctx.err,
                    "failed: {} ({}): {}",
                    step.id,
                    shown(&step.path),
                    shown(&error)
                );
                report.summary.failed += 1;
                report.failed.push(FailedAsset {
                    id: step.id,
                    path: step.path,
                    error,
                });
            }
        }
        since_save += 1;
        if since_save >= BATCH_ASSETS || last_save.elapsed() >= BATCH_TIME {
            save(&layout, &state)?;
            since_save = 0;
            last_save = Instant::now();
        }
    }
    progress.clear(ctx.err);

    report.summary.albums = write_albums(ctx, &layout, &mut state)?;
    // The source continues after these changes only when all of them are on disk; a failed
    // asset is then asked about again next time.
    let complete = report.failed.is_empty();
    if complete {
        state.checkpoint = changes.checkpoint.clone();
    }
    save(&layout, &state)?;
    if complete {
        // Harmless when it fails: the state holds the acks, and the next run gives them to
        // its session first.
        if let Err(e) = source.committed(&ctx.client, &changes.checkpoint) {
            let reason = match e {
                Failure::Client(e) => describe(&e, &ctx.url),
                Failure::Message(m) | Failure::Usage(m) => m,
                Failure::Reported | Failure::Output => String::new(),
            };
            let _ = writeln!(
                ctx.err,
                "warning: acknowledging the changes to the server failed: {}",
                shown(&reason)
            );
        }
    }
    if args.prune_trash {
        match fs::remove_dir_all(layout.trash()) {
            Ok(()) => report.pruned_trash = true,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => report.pruned_trash = true,
            Err(e) => {
                return Err(Failure::Message(format!(
                    "cannot empty {}: {e}",
                    layout.trash().display()
                )))
            }
        }
    }
    print_report(ctx, &report)?;
    if report.summary.failed > 0 {
        return Err(Failure::Reported);
    }
    Ok(())
}

/// The source `choice` names; `auto` takes the sync stream with a login session when this
/// build has it, else the walk.
fn choose_source(choice: SourceChoice, logged_in: bool) -> Result<Box<dyn ChangeSource>, Failure> {
    match choice {
        SourceChoice::Walk => Ok(Box::new(Walk)),
        SourceChoice::Auto => Ok(match (logged_in, source::sync_source()) {
            (true, Some(sync)) => sync,
            _ => Box::new(Walk),
        }),
        SourceChoice::Sync => {
            if !logged_in {
                return Err(Failure::Usage(
                    "--source sync needs a login session (--email, with the password from \
                     IMMICH_PASSWORD or --password-stdin): the server refuses API keys there"
                        .into(),
                ));
            }
            source::sync_source().ok_or_else(|| {
                Failure::Message(
                    "this build cannot read the sync stream yet: use --source walk".into(),
                )
            })
        }
    }
}

fn count(summary: &mut Summary, action: Action) {
    match action {
        Action::New => summary.new += 1,
        Action::Updated => summary.updated += 1,
        Action::Restored => summary.restored += 1,
        Action::Metadata => summary.metadata += 1,
        Action::Trashed => summary.trashed += 1,
    }
}

fn save(layout: &Layout, state: &State) -> Result<(), Failure> {
    layout.save(state).map_err(|e| {
        Failure::Message(format!(
            "cannot write {}: {e}",
            layout.state_file().display()
        ))
    })
}

/// What to do, from the changes and the state; names for new assets are chosen here, in a
/// fixed order (capture date, then id), so the same library always gets the same names.
fn plan(
    layout: &Layout,
    state: &State,
    upserts: Vec<RemoteAsset>,
    gone: &[AssetId],
) -> Result<Vec<Step>, Failure> {
    let mut steps = Vec::new();
    let mut handled: HashSet<String> = HashSet::new();
    let mut new_assets = Vec::new();
    let mut trashed = gone.to_vec();
    for asset in upserts {
        let key = asset.id.to_string();
        if !handled.insert(key.clone()) {
            continue;
        }
        if asset.is_trashed {
            trashed.push(asset.id);
            continue;
        }
        match state.assets.get(&key) {
            None => new_assets.push(asset),
            Some(entry) if entry.checksum != asset.checksum => steps.push(Step {
                action: Action::Updated,
                id: asset.id.clone(),
                path: entry.path.clone(),
                checksum: asset.checksum.clone(),
                remote: Some(asset),
            }),
            Some(entry) => {
                let on_disk = layout.resolve(&entry.path).and_then(|p| file_facts(&p));
                let action = if on_disk != Some((entry.size, entry.mtime_ns)) {
                    Action::Restored
                } else if entry.updated_at != asset.updated_at {
                    Action::Metadata
                } else {
                    continue;
                };
                steps.push(Step {
                    action,
                    id: asset.id.clone(),
                    path: entry.path.clone(),
                    checksum: asset.checksum.clone(),
                    remote: Some(asset),
                });
            }
        }
    }
    let mut stepped: HashSet<String> = steps.iter().map(|s| s.id.to_string()).collect();
    for id in trashed {
        let key = id.to_string();
        handled.insert(key.clone());
        if !stepped.insert(key.clone()) {
            continue;
        }
        if let Some(entry) = state.assets.get(&key) {
            steps.push(Step {
                action: Action::Trashed,
                id,
                path: entry.path.clone(),
                remote: None,
                checksum: entry.checksum.clone(),
            });
        }
    }
    // Every other backed-up file: still there as written? (No reading, no hashing.)
    for (key, entry) in &state.assets {
        if handled.contains(key) {
            continue;
        }
        let on_disk = layout.resolve(&entry.path).and_then(|p| file_facts(&p));
        if on_disk != Some((entry.size, entry.mtime_ns)) {
            let Ok(id) = AssetId::parse(key.as_str()) else {
                continue;
            };
            steps.push(Step {
                action: Action::Restored,
                id,
                path: entry.path.clone(),
                remote: None,
                checksum: entry.checksum.clone(),
            });
        }
    }
    new_assets.sort_by(|a, b| {
        (&a.local_date_time, a.id.as_str()).cmp(&(&b.local_date_time, b.id.as_str()))
    });
    let mut taken = state::taken_names(state);
    for asset in new_assets {
        let path = choose_name(layout, &mut taken, &asset)?;
        steps.push(Step {
            action: Action::New,
            id: asset.id.clone(),
            path,
            checksum: asset.checksum.clone(),
            remote: Some(asset),
        });
    }
    Ok(steps)
}

/// `YYYY/MM` of a capture date as the server wrote it (`2024-05-01T10:00:00.000Z`), or
/// `undated` when it is not one.
fn month_folder(local_date_time: &str) -> String {
    let bytes = local_date_time.as_bytes();
    let digits = |range: std::ops::Range<usize>| {
        bytes
            .get(range.clone())
            .is_some_and(|b| b.iter().all(u8::is_ascii_digit))
    };
    if digits(0..4) && bytes.get(4) == Some(&b'-') && digits(5..7) {
        format!("{}/{}", &local_date_time[0..4], &local_date_time[5..7])
    } else {
        "undated".to_owned()
    }
}

/// The first free name for a new asset: `YYYY/MM/name`, then `name (2).ext`, ...; free means
/// no entry uses it (or its metadata file's name) in any case, and nothing is on disk there.
fn choose_name(
    layout: &Layout,
    taken: &mut HashSet<String>,
    asset: &RemoteAsset,
) -> Result<String, Failure> {
    let folder = month_folder(&asset.local_date_time);
    let name = safe_file_name(&asset.original_file_name, asset.id.as_str());
    for number in 0..MAX_NUMBERED_NAMES {
        let candidate = match number {
            0 => name.clone(),
            n => numbered_file_name(&name, n + 1),
        };
        let rel = format!("{folder}/{candidate}");
        let json = format!("{rel}.json");
        if taken.contains(&rel.to_lowercase()) || taken.contains(&json.to_lowercase()) {
            continue;
        }
        let on_disk = layout.resolve(&rel).is_none_or(|p| {
            fs::symlink_metadata(&p).is_ok() || fs::symlink_metadata(metadata_path(&p)).is_ok()
        });
        if on_disk {
            continue;
        }
        taken.insert(rel.to_lowercase());
        taken.insert(json.to_lowercase());
        return Ok(rel);
    }
    Err(Failure::Message(format!(
        "no free name for {} in {folder}",
        shown(&name)
    )))
}

/// Carries out one step; the error is the reason, in words.
fn apply(ctx: &Ctx<'_>, layout: &Layout, state: &mut State, step: &Step) -> Result<Done, String> {
    let key = step.id.to_string();
    let Some(target) = layout.resolve(&step.path) else {
        return Err("the remembered path is not one this tool makes".into());
    };
    let mut done = Done {
        id: step.id.clone(),
        action: step.action,
        path: step.path.clone(),
        trashed_to: None,
        bytes: None,
        resumed_from: None,
    };
    match step.action {
        Action::Trashed => {
            done.trashed_to = layout
                .move_to_trash(&step.path)
                .map_err(|e| format!("cannot move it to the trash: {e}"))?;
            state.assets.remove(&key);
            Ok(done)
        }
        Action::Metadata => {
            let remote = step.remote.as_ref().ok_or("no metadata")?;
            write_metadata(&target, remote)?;
            if let Some(entry) = state.assets.get_mut(&key) {
                entry.updated_at.clone_from(&remote.updated_at);
            }
            Ok(done)
        }
        Action::New | Action::Updated | Action::Restored => {
            let staged = layout.partial_dir().join(step.id.as_str());
            let report = download(ctx, &step.id, &staged)?;
            done.bytes = Some(report.bytes);
            done.resumed_from = Some(report.resumed_from);
            if let Some(modified) = step
                .remote
                .as_ref()
                .and_then(|r| r.file_modified_at.as_ref())
            {
                set_modified(&staged, modified.unix_seconds());
            }
            let (size, mtime_ns) = file_facts(&staged).ok_or("the downloaded file disappeared")?;
            let updated_at = match (&step.remote, state.assets.get(&key)) {
                (Some(remote), _) => remote.updated_at.clone(),
                (None, Some(entry)) => entry.updated_at.clone(),
                (None, None) => String::new(),
            };
            let entry = Entry {
                path: step.path.clone(),
                checksum: step.checksum.clone(),
                updated_at,
                size,
                mtime_ns,
            };
            // Whatever has the name now (the old version, a locally changed copy) goes to the
            // trash; the verified file then gets the name.
            if step.action != Action::New {
                done.trashed_to = layout
                    .move_to_trash(&step.path)
                    .map_err(|e| format!("cannot move the old file to the trash: {e}"))?;
            } else if fs::symlink_metadata(&target).is_ok() {
                let _ = fs::remove_file(&staged);
                return Err("its name was taken meanwhile; it is downloaded next time".into());
            }
            let folder = target.parent().ok_or("no folder")?;
            make_folders(layout, folder)?;
            layout
                .journal(&key, &entry)
                .map_err(|e| format!("cannot write the journal: {e}"))?;
            fs::rename(&staged, &target)
                .map_err(|e| format!("cannot rename it into place: {e}"))?;
            sync_dir(folder);
            if let Some(remote) = &step.remote {
                write_metadata(&target, remote)?;
            }
            state.assets.insert(key, entry);
            Ok(done)
        }
    }
}

/// The folders from DIR down to `folder`, each a real folder (never through a link).
fn make_folders(layout: &Layout, folder: &Path) -> Result<(), String> {
    let rel = folder
        .strip_prefix(&layout.root)
        .map_err(|_| "a folder outside the backup".to_owned())?;
    let mut path = layout.root.clone();
    for part in rel.components() {
        path.push(part);
        real_dir(&path).map_err(|e| format!("cannot make {}: {e}", path.display()))?;
    }
    Ok(())
}

/// Downloads the original of `id` to `staged` (resuming a partial file, checking the SHA-1),
/// once more when the connection breaks.
fn download(
    ctx: &Ctx<'_>,
    id: &AssetId,
    staged: &Path,
) -> Result<immich_blocking::assets::DownloadReport, String> {
    let mut attempt = 0;
    loop {
        attempt += 1;
        match ctx.client.download_original(id.clone(), staged, true) {
            Ok(report) => return Ok(report),
            Err(error) => {
                let retry = matches!(
                    error.kind(),
                    ErrorKind::Io | ErrorKind::Timeout | ErrorKind::Http
                );
                if !retry || attempt >= DOWNLOAD_ATTEMPTS {
                    let mut message = describe(&error, &ctx.url);
                    if retry {
                        message.push_str("; the part received is kept and resumed next time");
                    }
                    return Err(message);
                }
            }
        }
    }
}

/// Sets a file's modification time (best effort: the state records whatever it ends up as).
fn set_modified(path: &Path, unix_seconds: i64) {
    let Ok(seconds) = u64::try_from(unix_seconds) else {
        return;
    };
    let time = SystemTime::UNIX_EPOCH + Duration::from_secs(seconds);
    if let Ok(file) = fs::OpenOptions::new().write(true).open(path) {
        let _ = file.set_modified(time);
    }
}

/// Writes the asset's JSON beside its original, atomically.
fn write_metadata(original: &Path, remote: &RemoteAsset) -> Result<(), String> {
    let bytes = serde_json::to_vec_pretty(&remote.raw).map_err(|e| e.to_string())?;
    write_atomic(&metadata_path(original), &bytes)
        .map_err(|e| format!("cannot write its metadata file: {e}"))
}

/// Reads the albums (an album's assets only when its `updatedAt` or count changed) and writes
/// `albums.json`. Returns how many albums there are.
fn write_albums(ctx: &Ctx<'_>, layout: &Layout, state: &mut State) -> Result<usize, Failure> {
    let albums = ctx.client.albums()?;
    let mut fresh = BTreeMap::new();
    for album in &albums {
        let key = album.id.to_string();
        let updated_at = album.updated_at.to_utc_string();
        let known = state
            .albums
            .get(&key)
            .filter(|a| a.updated_at == updated_at && a.asset_count == album.asset_count);
        let entry = match known {
            Some(entry) => entry.clone(),
            None => {
                let ids = match AlbumId::parse(key.as_str()) {
                    Ok(id) => ctx.client.run(AlbumAssets::new(vec![id]))?,
                    Err(_) => Vec::new(),
                };
                state::AlbumEntry {
                    name: album.album_name.clone(),
                    updated_at,
                    asset_count: album.asset_count,
                    asset_ids: ids.into_iter().map(|a| a.id.to_string()).collect(),
                }
            }
        };
        fresh.insert(key, entry);
    }
    state.albums = fresh;
    let paths: HashMap<String, &str> = state
        .assets
        .iter()
        .map(|(id, e)| (id.to_ascii_lowercase(), e.path.as_str()))
        .collect();
    let manifest: Vec<serde_json::Value> = state
        .albums
        .iter()
        .map(|(id, album)| {
            let assets: Vec<serde_json::Value> = album
                .asset_ids
                .iter()
                .map(|asset| {
                    json!({
                        "id": asset,
                        "path": paths.get(&asset.to_ascii_lowercase()),
                    })
                })
                .collect();
            json!({
                "id": id,
                "name": album.name,
                "updatedAt": album.updated_at,
                "assets": assets,
            })
        })
        .collect();
    let bytes = serde_json::to_vec_pretty(&json!({ "albums": manifest }))
        .map_err(|e| Failure::Message(e.to_string()))?;
    write_atomic(&layout.root.join(ALBUMS_FILE), &bytes)
        .map_err(|e| Failure::Message(format!("cannot write {ALBUMS_FILE}: {e}")))?;
    Ok(albums.len())
}

fn print_report(ctx: &mut Ctx<'_>, report: &Report) -> Result<(), Failure> {
    if ctx.json {
        return output::json(ctx.out, report);
    }
    let out = &mut *ctx.out;
    for done in &report.assets {
        let mut line = format!(
            "{:<9} {}  {}",
            done.action.verb(report.dry_run),
            done.id,
            shown(&done.path)
        );
        if let Some(trash) = &done.trashed_to {
            line.push_str(&format!(" (old file: {})", shown(trash)));
        }
        say!(out, "{line}");
    }
    let s = &report.summary;
    let prefix = if report.dry_run { "dry run, " } else { "" };
    say!(
        out,
        "backup of {} ({prefix}source: {}): new {}, updated {}, restored {}, metadata {}, \
         trashed {}, unchanged {}, failed {}, {} downloaded, {} albums",
        shown(&report.directory),
        report.source.name(),
        s.new,
        s.updated,
        s.restored,
        s.metadata,
        s.trashed,
        s.unchanged,
        s.failed,
        output::bytes(s.bytes),
        s.albums
    );
    if report.pruned_trash {
        say!(out, "emptied {}", state::TRASH_DIR);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn month_folders_come_from_the_local_date() {
        assert_eq!(month_folder("2024-05-01T10:00:00.000Z"), "2024/05");
        assert_eq!(month_folder("1999-12-31T23:59:59+01:00"), "1999/12");
        assert_eq!(month_folder("../../etc"), "undated");
        assert_eq!(month_folder(""), "undated");
    }
}
