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
//! `.immich-backup/partial/` (up to `--jobs` at once on worker threads; resumed with `Range`
//! after an interruption, SHA-1 checked while they arrive), and, on this thread alone and in
//! the plan's order, renames each to its final name only when it matched, writes its metadata
//! file, and writes the state after every batch. Files already backed up are only looked at
//! (size and modification time against the state), never read or hashed.
//!
//! Memory stays small per asset: the source hands each changed asset over as it reads it (an
//! unchanged one costs an id in a set), and the JSON of the assets to write waits in a
//! scratch file until its metadata file is written.

mod source;
mod state;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fs;
use std::io::{Read, Seek, SeekFrom, Write as _};
use std::path::{Path, PathBuf};
use std::sync::{mpsc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use immich_blocking::albums::AlbumAssets;
use immich_blocking::assets::DownloadReport;
use immich_blocking::proto::names::{numbered_file_name, safe_file_name, MAX_FILE_NAME_BYTES};
use immich_blocking::{AlbumId, AssetId, Client, ErrorKind};
use serde::Serialize;
use serde_json::{json, Value};

use crate::args::{BackupArgs, SourceChoice};
use crate::output::{self, say, shown, Progress};
use crate::{describe, Ctx, Failure};

use source::{ChangeSource, IdSet, RemoteAsset, SourceKind, StateIndex, Walk};
use state::{
    file_facts, metadata_path, real_dir, shortened, sync_dir, write_atomic, Entry, Layout, State,
    METADATA_SUFFIX,
};

/// The manifest of albums, in DIR.
const ALBUMS_FILE: &str = "albums.json";
/// The state is written after this many finished assets at the latest...
const BATCH_ASSETS: usize = 100;
/// ... or after this long ...
const BATCH_TIME: Duration = Duration::from_secs(5);
/// ... but never before the journal holds this fraction (1/n) of the state's assets. The
/// journal keeps every finished asset safe until then, and each write of the state is a
/// write of all of it: a fixed interval would write a 500,000-asset state (about 125 MB)
/// thousands of times in a first run, growing with the square of the library. In
/// proportion, all writes together stay a small multiple of the final state's size.
const SAVE_FRACTION: usize = 10;

/// Whether the state is due to be written, `since_save` assets and `elapsed` after the last
/// write of a state of `state_assets` assets.
fn save_due(since_save: usize, elapsed: Duration, state_assets: usize) -> bool {
    let proportional = state_assets / SAVE_FRACTION;
    if proportional > BATCH_ASSETS {
        since_save >= proportional
    } else {
        since_save >= BATCH_ASSETS || (since_save > 0 && elapsed >= BATCH_TIME)
    }
}
/// Attempts per download when the connection breaks (each resumes where the last stopped).
const DOWNLOAD_ATTEMPTS: usize = 2;
/// The scratch file in `.immich-backup/` that holds the JSON of the assets a run writes.
const SPOOL_FILE: &str = "metadata.spool";
/// The most originals downloaded at once.
const MAX_JOBS: usize = crate::args::MAX_BACKUP_JOBS;
/// The most numbered names tried for one original.
const MAX_NUMBERED_NAMES: u64 = 10_000;
/// The most characters of an id that is not a UUID shown or kept in the report.
const MAX_SHOWN_ID: usize = 64;

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
    /// Where its JSON waits in the spool (with `remote`, in a run that writes).
    metadata: Option<Spooled>,
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
                "{} holds the backup of another user ({}); use another folder",
                layout.root.display(),
                shown(owner)
            )))
        }
        _ => state.user_id = Some(me.id.to_string()),
    }

    // The JSON of the assets to write waits on disk, not in memory; a dry run writes none.
    let spool = if args.dry_run {
        None
    } else {
        Some(Spool::create(&layout).map_err(Failure::Message)?)
    };
    let mut planner = Planner::new(&layout, &state, spool);
    let changes = source.changes(&ctx.client, &state, &mut |asset, raw| {
        planner.upsert(asset, raw)
    })?;
    let Plan {
        steps,
        refused,
        spool,
    } = planner.finish(&changes.gone)?;
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
    for failed in refused {
        let _ = writeln!(
            ctx.err,
            "failed: {}: {}",
            shown(failed.id.as_str()),
            shown(&failed.error)
        );
        report.summary.failed += 1;
        report.failed.push(failed);
    }

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
        print_report(ctx, &report)?;
        if report.summary.failed > 0 {
            return Err(Failure::Reported);
        }
        return Ok(());
    }

    let mut progress = Progress::new(ctx.progress);
    // The steps that download, in plan order: worker threads fetch and verify their originals
    // into `.immich-backup/partial/` a little ahead; this thread alone renames, writes the
    // metadata, the journal and the state, in plan order (so names, the journal, the output
    // and what a crash leaves do not depend on --jobs).
    // (A step whose path is not one this tool makes fails in `apply` without a download.)
    let fetches = |step: &Step| step.action.downloads() && layout.resolve(&step.path).is_some();
    let order: Vec<usize> = (0..steps.len()).filter(|&i| fetches(&steps[i])).collect();
    let downloads = order.len();
    let workers = args.jobs.clamp(1, MAX_JOBS).min(downloads);
    let (job_sender, job_receiver) = mpsc::channel::<Job>();
    let job_receiver = Mutex::new(job_receiver);
    std::thread::scope(|scope| -> Result<(), Failure> {
        let (done_sender, done_receiver) = mpsc::channel::<Fetched>();
        for _ in 0..workers {
            let client = ctx.client.clone();
            let url = ctx.url.clone();
            let done = done_sender.clone();
            let jobs = &job_receiver;
            scope.spawn(move || fetch_originals(&client, &url, jobs, &done));
        }
        drop(done_sender);
        let mut fetcher = Fetcher {
            jobs: job_sender,
            results: done_receiver,
            arrived: HashMap::new(),
            fed: 0,
            ahead: 2 * workers,
        };
        let mut downloaded = 0;
        let mut since_save = 0;
        let mut last_save = Instant::now();
        for step in &steps {
            let mut fetched = None;
            if fetches(step) {
                let line = format!(
                    "downloading {}/{downloads} files, {}",
                    downloaded + 1,
                    output::bytes(report.summary.bytes)
                );
                progress.draw(ctx.err, &line, false);
                fetcher.feed(&layout, &steps, &order, downloaded + 1 + fetcher.ahead);
                fetched = Some(fetcher.take(downloaded));
                downloaded += 1;
            }
            match apply(&layout, &mut state, spool.as_ref(), step, fetched) {
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
                        shown(step.id.as_str()),
                        shown(&step.path),
                        shown(&error)
                    );
                    report.summary.failed += 1;
                    report.failed.push(FailedAsset {
                        id: step.id.clone(),
                        path: step.path.clone(),
                        error,
                    });
                }
            }
            since_save += 1;
            if save_due(since_save, last_save.elapsed(), state.assets.len()) {
                save(&layout, &state)?;
                since_save = 0;
                last_save = Instant::now();
            }
        }
        // Dropping the job queue lets the workers end; the scope waits for them.
        Ok(())
    })?;
    progress.clear(ctx.err);
    drop(spool);

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

/// The JSON of the assets a run writes, as the server sent it, in a scratch file in
/// `.immich-backup/` until each metadata file is written: a first run of a large library would
/// otherwise hold every asset's JSON in memory. Removed when dropped (on Unix as soon as it is
/// open); a crashed run's is overwritten by the next.
struct Spool {
    file: fs::File,
    path: PathBuf,
    len: u64,
}

/// Where one asset's JSON sits in the [`Spool`].
#[derive(Debug, Clone, Copy)]
struct Spooled {
    offset: u64,
    len: usize,
}

impl Spool {
    fn create(layout: &Layout) -> Result<Spool, String> {
        let path = layout.meta().join(SPOOL_FILE);
        let file = fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(true)
            .open(&path)
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        // Where the system allows it the name goes at once (the open file stays usable), so
        // not even a crash leaves it behind.
        #[cfg(unix)]
        let _ = fs::remove_file(&path);
        Ok(Spool { file, path, len: 0 })
    }

    /// Keeps `raw`, compact.
    fn put(&mut self, raw: &Value) -> Result<Spooled, Failure> {
        let failed = |e: &dyn std::fmt::Display| {
            Failure::Message(format!("cannot write {}: {e}", self.path.display()))
        };
        let bytes = serde_json::to_vec(raw).map_err(|e| failed(&e))?;
        let at = Spooled {
            offset: self.len,
            len: bytes.len(),
        };
        (&self.file)
            .seek(SeekFrom::Start(at.offset))
            .and_then(|_| (&self.file).write_all(&bytes))
            .map_err(|e| failed(&e))?;
        self.len += bytes.len() as u64;
        Ok(at)
    }

    /// The JSON kept at `at`.
    fn get(&self, at: Spooled) -> Result<Value, String> {
        let mut bytes = vec![0; at.len];
        (&self.file)
            .seek(SeekFrom::Start(at.offset))
            .and_then(|_| (&self.file).read_exact(&mut bytes))
            .map_err(|e| format!("cannot read {}: {e}", self.path.display()))?;
        serde_json::from_slice(&bytes)
            .map_err(|e| format!("{} is damaged: {e}", self.path.display()))
    }
}

impl Drop for Spool {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.path);
    }
}

/// What a run does: the steps in order, the assets refused before any step, and the spool
/// that holds the JSON of the assets to write.
struct Plan {
    steps: Vec<Step>,
    refused: Vec<FailedAsset>,
    spool: Option<Spool>,
}

/// What to do, from the changes and the state. Assets arrive one by one while the source
/// reads ([`upsert`](Self::upsert)): an unchanged one is only noted, so a run over an unchanged
/// library keeps nothing per asset but its id. Names for new assets are chosen at the end
/// ([`finish`](Self::finish)), in a fixed order (capture date, then id), so the same library
/// always gets the same names.
struct Planner<'a> {
    layout: &'a Layout,
    state: &'a State,
    /// `None` in a dry run: nothing is written.
    spool: Option<Spool>,
    steps: Vec<Step>,
    /// Ids already reported (the first report of an id counts).
    handled: IdSet,
    new_assets: Vec<(RemoteAsset, Option<Spooled>)>,
    /// Reported as in the server's trash.
    trashed: Vec<AssetId>,
    /// The backed-up assets by lower-case id: a server may spell an id in another case.
    index: StateIndex<'a>,
    /// Assets refused before any request or name: an id that is not a UUID (it would name
    /// a file in `.immich-backup/` and goes into requests), with the reason.
    refused: Vec<FailedAsset>,
}

impl<'a> Planner<'a> {
    fn new(layout: &'a Layout, state: &'a State, spool: Option<Spool>) -> Self {
        Planner {
            layout,
            state,
            spool,
            steps: Vec::new(),
            handled: IdSet::default(),
            new_assets: Vec::new(),
            trashed: Vec::new(),
            index: StateIndex::new(state),
            refused: Vec::new(),
        }
    }

    /// Keeps the JSON of an asset whose metadata file will be written.
    fn keep(&mut self, raw: &Value) -> Result<Option<Spooled>, Failure> {
        self.spool.as_mut().map(|spool| spool.put(raw)).transpose()
    }

    /// One asset the source reported new or changed.
    fn upsert(&mut self, mut asset: RemoteAsset, raw: &Value) -> Result<(), Failure> {
        if let Err(e) = AssetId::parse(asset.id.as_str()) {
            // Kept short: the server chose its length.
            let id: String = asset.id.as_str().chars().take(MAX_SHOWN_ID).collect();
            self.refused.push(FailedAsset {
                id: AssetId::new_unchecked(id),
                path: String::new(),
                error: e.to_string(),
            });
            return Ok(());
        }
        if !self.handled.insert(asset.id.as_str()) {
            return Ok(());
        }
        // The state's spelling of a backed-up id: the same asset, one entry.
        let known = self.index.get(&asset.id.as_str().to_ascii_lowercase());
        if let Some((key, _)) = known {
            if key != asset.id.as_str() {
                asset.id = AssetId::new_unchecked(key.as_str());
            }
        }
        if asset.is_trashed {
            self.trashed.push(asset.id);
            return Ok(());
        }
        let (action, path) = match known.map(|(_, entry)| entry) {
            None => {
                let metadata = self.keep(raw)?;
                self.new_assets.push((asset, metadata));
                return Ok(());
            }
            Some(entry) if entry.checksum != asset.checksum => (Action::Updated, &entry.path),
            Some(entry) => {
                let on_disk = self
                    .layout
                    .resolve(&entry.path)
                    .and_then(|p| file_facts(&p));
                if on_disk != Some((entry.size, entry.mtime_ns)) {
                    (Action::Restored, &entry.path)
                } else if entry.updated_at != asset.updated_at {
                    (Action::Metadata, &entry.path)
                } else {
                    return Ok(());
                }
            }
        };
        let path = path.clone();
        let metadata = self.keep(raw)?;
        self.steps.push(Step {
            action,
            id: asset.id.clone(),
            path,
            checksum: asset.checksum.clone(),
            remote: Some(asset),
            metadata,
        });
        Ok(())
    }

    /// The steps, once the source has reported everything; `gone` are the ids it found gone.
    fn finish(mut self, gone: &[AssetId]) -> Result<Plan, Failure> {
        let state = self.state;
        let layout = self.layout;
        let mut steps = std::mem::take(&mut self.steps);
        let mut handled = std::mem::take(&mut self.handled);
        let mut trashed = gone.to_vec();
        trashed.append(&mut self.trashed);
        let mut stepped: HashSet<String> = steps.iter().map(|s| s.id.to_string()).collect();
        for id in trashed {
            handled.insert(id.as_str());
            // The backed-up asset, however the server spelt its id.
            let Some((key, entry)) = self.index.get(&id.as_str().to_ascii_lowercase()) else {
                continue;
            };
            if !stepped.insert(key.clone()) {
                continue;
            }
            steps.push(Step {
                action: Action::Trashed,
                id: AssetId::new_unchecked(key.as_str()),
                path: entry.path.clone(),
                remote: None,
                metadata: None,
                checksum: entry.checksum.clone(),
            });
        }
        drop(stepped);
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
                    metadata: None,
                    checksum: entry.checksum.clone(),
                });
            }
        }
        drop(handled);
        let mut new_assets = std::mem::take(&mut self.new_assets);
        new_assets.sort_by(|(a, _), (b, _)| {
            (&a.local_date_time, a.id.as_str()).cmp(&(&b.local_date_time, b.id.as_str()))
        });
        let mut taken = state::taken_names(state);
        for (asset, metadata) in new_assets {
            let path = choose_name(layout, &mut taken, &asset)?;
            steps.push(Step {
                action: Action::New,
                id: asset.id.clone(),
                path,
                checksum: asset.checksum.clone(),
                remote: Some(asset),
                metadata,
            });
        }
        Ok(Plan {
            steps,
            refused: std::mem::take(&mut self.refused),
            spool: self.spool.take(),
        })
    }
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
        // Short enough that its metadata file's name (`name.json`) is too.
        let room = MAX_FILE_NAME_BYTES - METADATA_SUFFIX.len();
        let candidate = match number {
            0 => shortened(&name, room),
            n => {
                let suffix = format!(" ({})", n + 1).len();
                shortened(&name, room - suffix).map(|base| numbered_file_name(&base, n + 1))
            }
        };
        let Some(candidate) = candidate else {
            continue;
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

/// Carries out one step; a download step comes with what its worker fetched. The error is the
/// reason, in words.
fn apply(
    layout: &Layout,
    state: &mut State,
    spool: Option<&Spool>,
    step: &Step,
    fetched: Option<Result<DownloadReport, String>>,
) -> Result<Done, String> {
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
            write_metadata(&target, spool, step.metadata)?;
            if let Some(entry) = state.assets.get_mut(&key) {
                entry.updated_at.clone_from(&remote.updated_at);
            }
            Ok(done)
        }
        Action::New | Action::Updated | Action::Restored => {
            let staged = layout.partial_dir().join(step.id.as_str());
            let report = fetched.ok_or("it was not downloaded")??;
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
            if step.remote.is_some() {
                write_metadata(&target, spool, step.metadata)?;
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

/// One original for a worker to fetch: the `ordinal`-th download of the plan.
struct Job {
    ordinal: usize,
    id: AssetId,
    staged: PathBuf,
}

/// What a worker fetched for the job of `ordinal`.
struct Fetched {
    ordinal: usize,
    result: Result<DownloadReport, String>,
}

/// The main thread's side of the download workers: hands out jobs in plan order, at most
/// `ahead` past the one it waits for (a crash then leaves few finished but unnamed files), and
/// keeps results that arrive before their turn.
struct Fetcher {
    jobs: mpsc::Sender<Job>,
    results: mpsc::Receiver<Fetched>,
    arrived: HashMap<usize, Result<DownloadReport, String>>,
    /// Jobs handed out so far.
    fed: usize,
    ahead: usize,
}

impl Fetcher {
    /// Hands out the downloads of `order` (indexes into `steps`) up to the `upto`-th.
    fn feed(&mut self, layout: &Layout, steps: &[Step], order: &[usize], upto: usize) {
        while self.fed < upto.min(order.len()) {
            let step = &steps[order[self.fed]];
            let job = Job {
                ordinal: self.fed,
                id: step.id.clone(),
                staged: layout.partial_dir().join(step.id.as_str()),
            };
            if self.jobs.send(job).is_err() {
                // No worker left: `take` reports it.
                return;
            }
            self.fed += 1;
        }
    }

    /// The result of the `ordinal`-th download, waiting for it.
    fn take(&mut self, ordinal: usize) -> Result<DownloadReport, String> {
        loop {
            if let Some(result) = self.arrived.remove(&ordinal) {
                return result;
            }
            match self.results.recv() {
                Ok(fetched) => {
                    self.arrived.insert(fetched.ordinal, fetched.result);
                }
                Err(_) => return Err("the download threads stopped".into()),
            }
        }
    }
}

/// A download worker: takes jobs until the queue closes, fetches each original into its
/// partial file (verified) and reports back. It never gives a file its final name.
fn fetch_originals(
    client: &Client,
    url: &str,
    jobs: &Mutex<mpsc::Receiver<Job>>,
    done: &mpsc::Sender<Fetched>,
) {
    loop {
        let job = match jobs.lock() {
            Ok(queue) => queue.recv(),
            Err(_) => return,
        };
        let Ok(job) = job else {
            return;
        };
        let result = download(client, url, &job.id, &job.staged);
        if done
            .send(Fetched {
                ordinal: job.ordinal,
                result,
            })
            .is_err()
        {
            return;
        }
    }
}

/// Downloads the original of `id` to `staged` (resuming a partial file, checking the SHA-1),
/// once more when the connection breaks.
fn download(
    client: &Client,
    url: &str,
    id: &AssetId,
    staged: &Path,
) -> Result<DownloadReport, String> {
    let mut attempt = 0;
    loop {
        attempt += 1;
        match client.download_original(id.clone(), staged, true) {
            Ok(report) => return Ok(report),
            Err(error) => {
                let retry = matches!(
                    error.kind(),
                    ErrorKind::Io | ErrorKind::Timeout | ErrorKind::Http
                );
                if !retry || attempt >= DOWNLOAD_ATTEMPTS {
                    let mut message = describe(&error, url);
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

/// Writes the asset's JSON (kept in `spool` at `at`) beside its original, atomically.
fn write_metadata(
    original: &Path,
    spool: Option<&Spool>,
    at: Option<Spooled>,
) -> Result<(), String> {
    let (Some(spool), Some(at)) = (spool, at) else {
        return Err("its metadata was not kept".into());
    };
    let raw = spool.get(at)?;
    let bytes = serde_json::to_vec_pretty(&raw).map_err(|e| e.to_string())?;
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
            shown(done.id.as_str()),
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
    use immich_blocking::proto::names::is_safe_file_name;

    #[test]
    fn the_state_is_written_in_proportion_to_its_size() {
        let soon = Duration::from_millis(10);
        let late = BATCH_TIME + Duration::from_secs(1);
        // A small state: every 100 assets, or after 5 s.
        assert!(!save_due(99, soon, 300));
        assert!(save_due(100, soon, 300));
        assert!(save_due(1, late, 300));
        // A large one: not before a tenth of it is in the journal, whatever the time.
        assert!(!save_due(100, late, 500_000));
        assert!(!save_due(49_999, late, 500_000));
        assert!(save_due(50_000, soon, 500_000));
        // Over a first run of 500,000 assets, all writes of the state together stay a small
        // multiple of its final size (a write every 100 assets would be 1,250x).
        let (mut state, mut since, mut written) = (0usize, 0usize, 0usize);
        for _ in 0..500_000 {
            state += 1;
            since += 1;
            if save_due(since, soon, state) {
                written += state;
                since = 0;
            }
        }
        assert!(written < 15 * state, "{written} assets written for {state}");
    }

    #[test]
    fn month_folders_come_from_the_local_date() {
        assert_eq!(month_folder("2024-05-01T10:00:00.000Z"), "2024/05");
        assert_eq!(month_folder("1999-12-31T23:59:59+01:00"), "1999/12");
        assert_eq!(month_folder("../../etc"), "undated");
        assert_eq!(month_folder(""), "undated");
        // Years a hostile server may send: never a folder of another shape.
        for odd in [
            "99999-01-01T00:00:00.000Z",
            "-001-01-01T00:00:00.000Z",
            "+2024-05-01T00:00:00.000Z",
            "2024-5-01",
            "2024-\u{0}5",
            "２０２４-05-01",
        ] {
            assert_eq!(month_folder(odd), "undated", "{odd:?}");
        }
    }

    #[test]
    fn names_leave_room_for_their_metadata_file() {
        let room = MAX_FILE_NAME_BYTES - METADATA_SUFFIX.len();
        assert_eq!(shortened("a.jpg", room).as_deref(), Some("a.jpg"));
        let long = format!("{}.jpeg", "é".repeat(130));
        let short = shortened(&long, room).unwrap();
        assert!(short.len() <= room && short.ends_with("é.jpeg"), "{short}");
        assert!(is_safe_file_name(&format!("{short}.json")));
        // Numbered, the number survives the cut.
        let numbered = numbered_file_name(&shortened(&long, room - 4).unwrap(), 2);
        assert!(
            numbered.len() <= room && numbered.ends_with(" (2).jpeg"),
            "{numbered}"
        );
        // Nothing safe left: no name.
        assert_eq!(shortened(&format!("{}.jpg", ".".repeat(300)), 3), None);
    }
}
