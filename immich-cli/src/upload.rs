//! `immich upload`: find the files (upload_select.rs), skip what the server won't take, pair
//! sidecars, live photos and stacks (upload_pairs.rs), then a pipeline: a thread hashes the
//! files a batch at a time while each hashed batch is checked with the server and the files it
//! lacks are uploaded in parallel; then albums, tags and stacks, and say what happened (also
//! as JSON lines with `--report`). `--pause-jobs` pauses the server's heavy queues meanwhile
//! (upload_jobs.rs).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fs;
use std::io::{Read, Write};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;

use immich_blocking::albums::{Album, CreateAlbum};
use immich_blocking::assets::{
    AssetVisibility, BulkUploadCheckItem, RejectReason, UploadAction, UploadOptions,
};
use immich_blocking::proto::assets::FileFacts;
use immich_blocking::proto::checksum::{Sha1Checksum, Sha1Digest};
use immich_blocking::proto::models::{StackCreate, TagBulkAssets, TagUpsert};
use immich_blocking::proto::stacks::CreateStack;
use immich_blocking::proto::tags::{BulkTagAssets, UpsertTags};
use immich_blocking::{AlbumId, AssetId, Client, UploadSource};
use serde::Serialize;

use crate::args::UploadArgs;
use crate::commands::{album_by_id_or_name, AlbumChoice};
use crate::output::{self, say, shown, Progress};
use crate::upload_args::{FolderAlbum, OnError};
use crate::upload_jobs::{self, PausedQueues};
use crate::upload_pairs::{self, Named};
use crate::upload_select::{Entry, Filter, Walker};
use crate::upload_takeout::{self, TakeoutFile};
use crate::{describe, Ctx, Failure};
use crate::{upload_exif, upload_zip};

/// Asset ids per add-to-album and tag request.
const ALBUM_BATCH: usize = 1000;

/// What happened to one file.
#[derive(Debug, Clone)]
enum Outcome {
    Uploaded(AssetId),
    /// The server (or an earlier file of this run) has it already.
    Duplicate(Option<AssetId>),
    /// `--dry-run`: it would be sent.
    WouldUpload,
    Skipped(String),
    Failed(String),
}

impl Outcome {
    fn id(&self) -> Option<&AssetId> {
        match self {
            Outcome::Uploaded(id) | Outcome::Duplicate(Some(id)) => Some(id),
            _ => None,
        }
    }

    fn word(&self) -> &'static str {
        match self {
            Outcome::Uploaded(_) => "uploaded",
            Outcome::Duplicate(_) => "duplicate",
            Outcome::WouldUpload => "would-upload",
            Outcome::Skipped(_) => "skipped",
            Outcome::Failed(_) => "failed",
        }
    }
}

#[derive(Serialize)]
struct FileReport {
    path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<AssetId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

/// One line of `--report FILE`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ReportLine<'a> {
    path: &'a str,
    outcome: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<&'a AssetId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<&'a str>,
    /// The XMP sidecar sent with it (or, on a sidecar's line, the file it went with).
    #[serde(skip_serializing_if = "Option::is_none")]
    sidecar: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sidecar_of: Option<&'a str>,
    /// The live photo's video (by its file) this photo was linked to.
    #[serde(skip_serializing_if = "Option::is_none")]
    live_photo_video: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    albums: Option<&'a [String]>,
    /// `--takeout`: its JSON sidecar, or that none matched; what an existing asset got.
    #[serde(skip_serializing_if = "Option::is_none")]
    takeout_json: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    takeout: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    fixed: Option<&'a [&'static str]>,
}

#[derive(Serialize, Default)]
#[serde(rename_all = "camelCase")]
struct Summary {
    uploaded: usize,
    duplicates: usize,
    skipped: usize,
    failed: usize,
    bytes_uploaded: u64,
    #[serde(skip_serializing_if = "is_zero")]
    would_upload: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct AlbumReport {
    id: AlbumId,
    name: String,
    created: bool,
    added: usize,
    already_there: usize,
    not_added: usize,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct StackReport {
    primary_asset_id: AssetId,
    assets: usize,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Report {
    uploaded: Vec<FileReport>,
    duplicates: Vec<FileReport>,
    skipped: Vec<FileReport>,
    failed: Vec<FileReport>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    would_upload: Vec<FileReport>,
    album: Option<AlbumReport>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    folder_albums: Vec<AlbumReport>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tags: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    stacks: Vec<StackReport>,
    #[serde(skip_serializing_if = "is_zero")]
    live_photos: usize,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    paused_queues: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    takeout: Option<upload_takeout::TakeoutReport>,
    dry_run: bool,
    summary: Summary,
}

/// A media file to send, with what goes with it.
struct Candidate {
    entry: Entry,
    /// Its XMP sidecar.
    sidecar: Option<Entry>,
    /// For a live photo's still: the candidate index of its video.
    live_video: Option<usize>,
    /// A live photo's video: uploaded hidden, kept out of albums and tags.
    hidden: bool,
    /// The albums `--folder-as-album` puts it in.
    folder_album: Option<String>,
    /// `--takeout`: what the Takeout says about it (its JSON sidecar, album).
    takeout: Option<TakeoutFile>,
}

pub(crate) fn upload(ctx: &mut Ctx<'_>, args: UploadArgs) -> Result<(), Failure> {
    let more = args.more.clone();
    let filter = Filter::new(&more).map_err(Failure::Usage)?;
    // The report is appended to; opened first, so a wrong path fails before anything is sent.
    let mut report_file = match &more.report {
        Some(path) => {
            let path = match &ctx.current_dir {
                Some(dir) if path.is_relative() => dir.join(path),
                _ => path.clone(),
            };
            let file = fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&path)
                .map_err(|e| {
                    Failure::Message(format!("cannot open the report {}: {e}", path.display()))
                })?;
            Some(file)
        }
        None => None,
    };
    let media = ctx.client.media_types()?;
    // Before any upload: an album name that several albums have is refused now, not after
    // the files are sent.
    let album_target = match &args.album {
        Some(wanted) => Some(choose_album(&ctx.client, wanted)?),
        None => None,
    };

    let mut results: Vec<(String, Outcome)> = Vec::new();
    let mut walker = Walker::new(more.include_hidden);
    for path in &args.paths {
        if upload_zip::is_zip(path) {
            // Read in place: its files are entries like a folder's.
            let listing = upload_zip::list(path, more.include_hidden);
            walker.found.extend(listing.found);
            walker.passed.extend(listing.passed);
        } else {
            walker.walk_root(path);
        }
    }
    // `--takeout`: the parts are one Takeout; its JSONs are read here, not uploaded.
    let takeout = more.takeout.then(|| {
        let found = std::mem::take(&mut walker.found);
        let mut takeout = upload_takeout::read(found, more.include_trashed);
        walker.found = std::mem::take(&mut takeout.found);
        for passed in &takeout.passed {
            let reason = passed.reason.clone();
            let outcome = if passed.failed {
                Outcome::Failed(reason)
            } else {
                Outcome::Skipped(reason)
            };
            results.push((passed.path.clone(), outcome));
        }
        takeout
    });
    for passed in walker.passed {
        let path = passed.path.display().to_string();
        let outcome = if passed.failed {
            Outcome::Failed(passed.reason)
        } else {
            Outcome::Skipped(passed.reason)
        };
        results.push((path, outcome));
    }

    // Media files (the server's types, then the filters) and sidecars.
    let mut chosen: Vec<Entry> = Vec::new();
    let mut sidecars: Vec<Entry> = Vec::new();
    for entry in walker.found {
        let name = entry.name().to_owned();
        if media.accepts(&name) {
            match filter.refuses_by_name(&entry) {
                Some(reason) => results.push((entry.shown(), Outcome::Skipped(reason))),
                None => chosen.push(entry),
            }
        } else if media.is_sidecar(&name) {
            sidecars.push(entry);
        } else {
            let reason = "not a photo or video type the server takes".to_owned();
            results.push((entry.shown(), Outcome::Skipped(reason)));
        }
    }
    // --date-range by capture date (EXIF, read only then), else modification time.
    let takeout_date = |entry: &Entry| {
        let file = takeout.as_ref()?.file(entry)?;
        file.meta.as_ref()?.taken
    };
    let dated = filter.keep_by_date(chosen, args.concurrency, &takeout_date);
    let (chosen, taken) = (dated.kept, dated.taken);
    for (entry, reason) in dated.refused {
        results.push((entry.shown(), Outcome::Skipped(reason)));
    }
    let folder_of = |e: &Entry| {
        let shown = e.shown();
        let end = shown.len().saturating_sub(e.name().len());
        shown.get(..end).unwrap_or(&shown).to_owned()
    };
    let media_folders: Vec<String> = chosen.iter().map(folder_of).collect();
    let sidecar_folders: Vec<String> = sidecars.iter().map(folder_of).collect();
    let mut m: Vec<Named<'_>> = chosen
        .iter()
        .zip(&media_folders)
        .zip(&taken)
        .map(|((e, folder), taken)| Named {
            folder,
            name: e.name(),
            taken: *taken,
        })
        .collect();
    if !filter.by_date() {
        // Bursts by time: the capture times of numbered neighbours only.
        upload_exif::read_burst_times(&mut m, &chosen, !more.no_stack, args.concurrency);
    }
    let s: Vec<Named<'_>> = sidecars
        .iter()
        .zip(&sidecar_folders)
        .map(|(e, folder)| Named {
            folder,
            name: e.name(),
            taken: None,
        })
        .collect();
    let plan = upload_pairs::plan(&m, &s, more.stack_cover, !more.no_stack);
    let mut companions: Vec<(String, String)> = Vec::new();
    for i in &plan.lone_sidecars {
        let reason = "an XMP sidecar without a photo or video of its name".to_owned();
        results.push((sidecars[*i].shown(), Outcome::Skipped(reason)));
    }
    let live_videos: HashSet<usize> = plan.live_video_of.values().copied().collect();
    let mut candidates: Vec<Candidate> = chosen
        .into_iter()
        .enumerate()
        .map(|(i, entry)| {
            let folder_album = more.folder_as_album.map(|how| {
                let parts = entry.folder_parts();
                match how {
                    FolderAlbum::Name => parts.last().copied().unwrap_or_default().to_owned(),
                    FolderAlbum::Path => parts.join("/"),
                }
            });
            Candidate {
                entry,
                sidecar: plan.sidecar_of.get(&i).map(|s| sidecars[*s].clone()),
                live_video: plan.live_video_of.get(&i).copied(),
                hidden: live_videos.contains(&i),
                folder_album,
                takeout: None,
            }
        })
        .collect();
    for c in &candidates {
        if let Some(sidecar) = &c.sidecar {
            companions.push((sidecar.shown(), c.entry.shown()));
        }
    }
    for c in &mut candidates {
        if c.folder_album.as_deref() == Some("") {
            c.folder_album = None;
        }
    }
    if let Some(takeout) = &takeout {
        // The Takeout's album folders are its albums; its JSONs are reported as sidecars.
        for c in &mut candidates {
            c.takeout = takeout.file(&c.entry).cloned();
            if let Some(album) = c.takeout.as_ref().and_then(|t| t.album.clone()) {
                c.folder_album = Some(album);
            }
        }
        companions.extend(takeout.sidecars.iter().cloned());
    }

    for (path, outcome) in &results {
        if let Outcome::Failed(error) = outcome {
            let _ = writeln!(ctx.err, "failed: {}: {}", shown(path), shown(error));
        }
    }

    let threads = args.concurrency;
    let total_bytes: u64 = candidates.iter().map(|c| c.entry.size).sum();
    let batches = hash_batches(&candidates);

    // The pipeline: a hashing thread hashes one batch of files after another into a queue of
    // one batch; this thread asks the server about each batch as it comes and uploads the
    // files the server lacks while the next batch is hashed.
    let mut first_with: HashMap<Sha1Digest, usize> = HashMap::new();
    let mut outcomes: Vec<Option<Outcome>> = vec![None; candidates.len()];
    let mut copies: Vec<(usize, usize)> = Vec::new();
    let client = ctx.client.clone();
    let mut paused: Option<PausedQueues<'_>> = None;
    let mut sent = 0;
    let stop = AtomicBool::new(false);
    let mut stopped_why: Option<&str> = None;
    let mut check_failed: Option<Failure> = None;
    let run = UploadRun {
        candidates: &candidates,
        threads,
        stop: &stop,
        on_error: more.on_error,
    };
    std::thread::scope(|scope| -> Result<(), Failure> {
        let (hashed_tx, hashed_rx) = mpsc::sync_channel::<HashedBatch>(1);
        let (candidates, batches) = (&candidates, &batches);
        scope.spawn(move || {
            for batch in batches {
                let digests = hash_batch(candidates, batch, threads);
                if hashed_tx.send((batch.clone(), digests)).is_err() {
                    break;
                }
            }
        });
        let mut progress = Progress::new(ctx.progress);
        let (mut files, mut bytes) = (0, 0);
        for (batch, digests) in hashed_rx {
            files += batch.len();
            bytes += batch.iter().map(|&i| candidates[i].entry.size).sum::<u64>();
            let line =
                progress.transfer_line("hashing", (files, candidates.len()), bytes, total_bytes);
            progress.draw(ctx.err, &line, true);

            // Hashed files, minus the ones that repeat an earlier file of this run.
            let mut news: HashMap<Sha1Digest, usize> = HashMap::new();
            let mut pending: Vec<usize> = Vec::new();
            for (index, digest) in batch.into_iter().zip(digests) {
                match digest {
                    Err(error) => {
                        let _ = writeln!(
                            ctx.err,
                            "failed: {}: {}",
                            shown(&candidates[index].entry.shown()),
                            shown(&error)
                        );
                        outcomes[index] = Some(Outcome::Failed(error));
                    }
                    Ok(digest) => match first_with.get(&digest) {
                        Some(&first) => copies.push((index, first)),
                        None => {
                            first_with.insert(digest, index);
                            news.insert(digest, index);
                            pending.push(index);
                        }
                    },
                }
            }
            if let Err(e) = check_with_server(&ctx.client, &news, &mut outcomes) {
                // Files of earlier batches are on the server: they are reported (and go in
                // their albums), the rest are not sent, and the run fails with this error.
                if !outcomes
                    .iter()
                    .any(|o| matches!(o, Some(Outcome::Uploaded(_))))
                {
                    return Err(e);
                }
                check_failed = Some(e);
                stop.store(true, Ordering::SeqCst);
                break;
            }
            pending.retain(|index| outcomes[*index].is_none());
            if more.dry_run {
                for &index in &pending {
                    outcomes[index] = Some(Outcome::WouldUpload);
                }
                continue;
            }
            if more.pause_jobs && paused.is_none() && !pending.is_empty() {
                upload_jobs::install_interrupt_handler().map_err(Failure::Message)?;
                match PausedQueues::pause(&client) {
                    Ok(guard) => paused = Some(guard),
                    Err(e) => {
                        return Err(Failure::Message(format!(
                            "--pause-jobs: cannot pause the server's jobs (it needs an admin's \
                             API key): {}",
                            describe(&e, &ctx.url)
                        )))
                    }
                }
            }
            // Everything but the stills of live photos first: their videos (in the same batch)
            // must be on the server before them.
            let (stills, first): (Vec<usize>, Vec<usize>) = pending
                .iter()
                .partition(|&&i| candidates[i].live_video.is_some());
            sent += run.upload_all(ctx, &first, &mut outcomes);
            sent += run.upload_all(ctx, &stills, &mut outcomes);
        }
        progress.clear(ctx.err);
        Ok(())
    })?;
    if more.dry_run {
        for (copy, _) in &copies {
            outcomes[*copy] = Some(Outcome::Duplicate(None));
        }
        copies.clear();
    } else {
        let copies_left = send_copies_of_failed(ctx, &run, copies, &mut outcomes, &mut sent);
        copies = copies_left;
        if check_failed.is_some() {
            stopped_why = Some("not sent: the server's duplicate check failed");
        } else if upload_jobs::interrupted() {
            stopped_why = Some("not sent: interrupted (Ctrl-C)");
        } else if stop.load(Ordering::SeqCst) {
            stopped_why = Some("not sent: stopped after a failure (--on-error stop)");
        }
    }
    for (copy, first) in copies {
        outcomes[copy] = Some(match &outcomes[first] {
            Some(Outcome::Uploaded(id)) | Some(Outcome::Duplicate(Some(id))) => {
                Outcome::Duplicate(Some(id.clone()))
            }
            // Refused for its type or by the server: the same bytes are refused the same way.
            Some(Outcome::Skipped(reason)) => Outcome::Skipped(reason.clone()),
            _ => Outcome::Duplicate(None),
        });
    }
    let outcomes: Vec<Outcome> = outcomes
        .into_iter()
        .map(|o| match (o, stopped_why) {
            (Some(o), _) => o,
            (None, Some(why)) => Outcome::Skipped(why.to_owned()),
            (None, None) => Outcome::Failed("not processed (internal error)".into()),
        })
        .collect();

    let mut report = Report {
        uploaded: Vec::new(),
        duplicates: Vec::new(),
        skipped: Vec::new(),
        failed: Vec::new(),
        would_upload: Vec::new(),
        album: None,
        folder_albums: Vec::new(),
        tags: Vec::new(),
        stacks: Vec::new(),
        live_photos: 0,
        paused_queues: paused.as_ref().map(PausedQueues::names).unwrap_or_default(),
        takeout: None,
        dry_run: more.dry_run,
        summary: Summary {
            bytes_uploaded: sent,
            ..Summary::default()
        },
    };

    // After the uploads: albums, tags, stacks. Even when some files failed, the others go in.
    let mut errors: Vec<Failure> = check_failed.into_iter().collect();
    let visible_ids: Vec<AssetId> = candidates
        .iter()
        .zip(&outcomes)
        .filter(|(c, _)| !c.hidden)
        .filter_map(|(_, o)| o.id().cloned())
        .collect();
    report.live_photos = candidates
        .iter()
        .zip(&outcomes)
        .filter(|(c, o)| c.live_video.is_some() && matches!(o, Outcome::Uploaded(_)))
        .count();
    let mut folder_albums: BTreeMap<String, Vec<AssetId>> = BTreeMap::new();
    for (c, o) in candidates.iter().zip(&outcomes) {
        if let (Some(name), false) = (&c.folder_album, c.hidden) {
            let ids = folder_albums.entry(name.clone()).or_default();
            ids.extend(o.id().cloned());
        }
    }
    if more.dry_run {
        plan_lines(
            ctx,
            &candidates,
            &outcomes,
            &results,
            &more,
            &folder_albums,
            &args.album,
        )?;
    } else {
        if let Some(target) = album_target {
            match add_to_album(&client, target, visible_ids.clone()) {
                Ok(album) => report.album = Some(album),
                Err(e) => errors.push(e),
            }
        }
        if !folder_albums.is_empty() {
            match client.albums() {
                Ok(existing) => {
                    for (name, ids) in folder_albums {
                        if ids.is_empty() {
                            continue;
                        }
                        let target = match album_by_id_or_name(&name, &existing) {
                            Ok(Some(AlbumChoice::Named(album))) => {
                                AlbumTarget::Existing(Box::new(album.clone()))
                            }
                            Ok(_) => AlbumTarget::New(name.clone()),
                            Err(e) => {
                                errors.push(e);
                                continue;
                            }
                        };
                        match add_to_album(&client, target, ids) {
                            Ok(album) => report.folder_albums.push(album),
                            Err(e) => errors.push(e),
                        }
                    }
                }
                Err(e) => errors.push(e.into()),
            }
        }
        if !more.tags.is_empty() && !visible_ids.is_empty() {
            match tag_assets(&client, &more.tags, &visible_ids) {
                Ok(()) => report.tags = more.tags.clone(),
                Err(e) => errors.push(e),
            }
        }
        for stack in &plan.stacks {
            let any_new = stack
                .iter()
                .any(|&i| matches!(outcomes[i], Outcome::Uploaded(_)));
            let mut ids: Vec<AssetId> = Vec::new();
            for &i in stack {
                if let Some(id) = outcomes[i].id() {
                    if !ids.contains(id) {
                        ids.push(id.clone());
                    }
                }
            }
            // A stack made on an earlier run is not made again.
            if !any_new || ids.len() < 2 {
                continue;
            }
            match client.send(&CreateStack::new(StackCreate::new(ids))) {
                Ok(made) => report.stacks.push(StackReport {
                    assets: stack.len(),
                    primary_asset_id: made.primary_asset_id,
                }),
                Err(e) => errors.push(e.into()),
            }
        }
    }
    // `--takeout`: what the JSONs say, on the new assets and on the old ones that miss it.
    let mut fixed_of: HashMap<usize, Vec<&'static str>> = HashMap::new();
    if takeout.is_some() {
        let (mut seen, mut index_of) = (HashSet::new(), Vec::new());
        let items: Vec<upload_takeout::Apply<'_>> = candidates
            .iter()
            .zip(&outcomes)
            .enumerate()
            .filter(|(_, (c, _))| !c.hidden)
            .filter_map(|(i, (c, o))| {
                let meta = c.takeout.as_ref()?.meta.as_ref()?;
                let id = o.id().filter(|id| seen.insert((*id).clone()))?;
                index_of.push(i);
                Some(upload_takeout::Apply {
                    id: id.clone(),
                    path: c.entry.shown(),
                    meta,
                    new: matches!(o, Outcome::Uploaded(_)),
                    entry: &c.entry,
                })
            })
            .collect();
        let unmatched = candidates
            .iter()
            .filter(|c| !c.hidden && c.takeout.as_ref().is_some_and(|t| t.meta.is_none()))
            .map(|c| c.entry.shown())
            .collect();
        let applied = if more.dry_run {
            Vec::new()
        } else {
            upload_takeout::apply(&client, &items, threads)
        };
        for (a, i) in applied.iter().zip(&index_of) {
            if let Some(error) = &a.error {
                let _ = writeln!(ctx.err, "failed: {}: {}", shown(&a.path), shown(error));
            } else if !a.new {
                fixed_of.insert(*i, a.changes.clone());
            }
        }
        let takeout_report = upload_takeout::TakeoutReport::new(applied, unmatched);
        if !takeout_report.failed.is_empty() {
            errors.push(Failure::Message(format!(
                "{} asset(s) did not get their Takeout metadata",
                takeout_report.failed.len()
            )));
        }
        report.takeout = Some(takeout_report);
    }
    if let Some(mut guard) = paused.take() {
        for (queue, e) in guard.resume() {
            let _ = writeln!(
                ctx.err,
                "error: the server's {queue} jobs could not be resumed: {}",
                shown(&describe(&e, &ctx.url))
            );
            errors.push(Failure::Reported);
        }
    }

    // The per-file lines, every file in path order.
    let mut lines: Vec<(String, Outcome, usize)> = results
        .into_iter()
        .map(|(path, outcome)| (path, outcome, usize::MAX))
        .collect();
    for (i, (c, o)) in candidates.iter().zip(outcomes).enumerate() {
        lines.push((c.entry.shown(), o, i));
    }
    lines.sort_by(|a, b| a.0.cmp(&b.0));
    if let Some(file) = &mut report_file {
        let mut text = String::new();
        for (path, outcome, index) in &lines {
            let candidate = candidates.get(*index);
            let sidecar = candidate.and_then(|c| c.sidecar.as_ref()).map(Entry::shown);
            let live = candidate
                .and_then(|c| c.live_video)
                .and_then(|v| candidates.get(v))
                .map(|v| v.entry.shown());
            let albums: Vec<String> = candidate
                .filter(|c| !c.hidden && outcome.id().is_some())
                .map(|c| {
                    args.album
                        .iter()
                        .chain(c.folder_album.iter())
                        .cloned()
                        .collect()
                })
                .unwrap_or_default();
            let line = ReportLine {
                path,
                outcome: outcome.word(),
                id: outcome.id(),
                reason: match outcome {
                    Outcome::Skipped(r) => Some(r),
                    _ => None,
                },
                error: match outcome {
                    Outcome::Failed(e) => Some(e),
                    _ => None,
                },
                sidecar: sidecar.as_deref(),
                sidecar_of: None,
                live_photo_video: live.as_deref(),
                albums: (!albums.is_empty()).then_some(albums.as_slice()),
                takeout_json: candidate
                    .and_then(|c| c.takeout.as_ref())
                    .and_then(|t| t.json.as_deref()),
                takeout: candidate
                    .filter(|c| !c.hidden)
                    .and_then(|c| c.takeout.as_ref())
                    .filter(|t| t.meta.is_none())
                    .map(|_| upload_takeout::NO_JSON),
                fixed: fixed_of
                    .get(index)
                    .filter(|f| !f.is_empty())
                    .map(Vec::as_slice),
            };
            text.push_str(&serde_json::to_string(&line).unwrap_or_default());
            text.push('\n');
        }
        for (sidecar, of) in &companions {
            let line = ReportLine {
                path: sidecar,
                outcome: "sidecar",
                id: None,
                reason: None,
                error: None,
                sidecar: None,
                sidecar_of: Some(of),
                live_photo_video: None,
                albums: None,
                takeout_json: None,
                takeout: None,
                fixed: None,
            };
            text.push_str(&serde_json::to_string(&line).unwrap_or_default());
            text.push('\n');
        }
        if let Err(e) = file.write_all(text.as_bytes()) {
            errors.push(Failure::Message(format!("cannot write the report: {e}")));
        }
    }

    for (path, outcome, _) in lines {
        let entry = |id: Option<AssetId>, reason, error| FileReport {
            path: path.clone(),
            id,
            reason,
            error,
        };
        match outcome {
            Outcome::Uploaded(id) => report.uploaded.push(entry(Some(id), None, None)),
            Outcome::Duplicate(id) => report.duplicates.push(entry(id, None, None)),
            Outcome::WouldUpload => report.would_upload.push(entry(None, None, None)),
            Outcome::Skipped(reason) => report.skipped.push(entry(None, Some(reason), None)),
            Outcome::Failed(error) => report.failed.push(entry(None, None, Some(error))),
        }
    }
    report.summary.uploaded = report.uploaded.len();
    report.summary.duplicates = report.duplicates.len();
    report.summary.skipped = report.skipped.len();
    report.summary.failed = report.failed.len();
    report.summary.would_upload = report.would_upload.len();

    print_report(ctx, &report)?;
    if let Some(why) = stopped_why {
        let _ = writeln!(ctx.err, "stopped: {why}");
    }
    if let Some(e) = errors.into_iter().next() {
        return Err(e);
    }
    if report.summary.failed > 0 || stopped_why.is_some() {
        return Err(Failure::Reported);
    }
    Ok(())
}

/// `--dry-run`: what would happen, a line per file, then the albums, tags and stacks.
fn plan_lines(
    ctx: &mut Ctx<'_>,
    candidates: &[Candidate],
    outcomes: &[Outcome],
    results: &[(String, Outcome)],
    more: &crate::upload_args::UploadMore,
    folder_albums: &BTreeMap<String, Vec<AssetId>>,
    album: &Option<String>,
) -> Result<(), Failure> {
    if ctx.json {
        return Ok(());
    }
    let mut lines: Vec<(String, String)> = Vec::new();
    for (c, o) in candidates.iter().zip(outcomes) {
        let mut line = match o {
            Outcome::WouldUpload => "would upload".to_owned(),
            Outcome::Duplicate(_) => "already on the server".to_owned(),
            Outcome::Skipped(r) => format!("skip: {r}"),
            Outcome::Failed(e) => format!("failed: {e}"),
            Outcome::Uploaded(_) => "uploaded".to_owned(),
        };
        if let Some(sidecar) = &c.sidecar {
            line.push_str(&format!(", with sidecar {}", sidecar.name()));
        }
        if c.hidden {
            line.push_str(" (hidden: a live photo's video)");
        }
        if let Some(v) = c.live_video.and_then(|v| candidates.get(v)) {
            line.push_str(&format!(", as a live photo with {}", v.entry.name()));
        }
        if let (Some(name), false) = (&c.folder_album, c.hidden) {
            line.push_str(&format!(", into album \"{name}\""));
        }
        if let (Some(takeout), false) = (&c.takeout, c.hidden) {
            line.push_str(&format!(", {}", takeout.plan_note()));
        }
        lines.push((c.entry.shown(), line));
    }
    for (path, o) in results {
        let line = match o {
            Outcome::Failed(e) => format!("failed: {e}"),
            Outcome::Skipped(r) => format!("skip: {r}"),
            _ => continue,
        };
        lines.push((path.clone(), line));
    }
    lines.sort();
    for (path, line) in lines {
        say!(ctx.out, "{}: {}", shown(&path), shown(&line));
    }
    if let Some(album) = album {
        say!(ctx.out, "would add them to the album \"{}\"", shown(album));
    }
    for name in folder_albums.keys() {
        say!(ctx.out, "would fill the album \"{}\"", shown(name));
    }
    for tag in &more.tags {
        say!(ctx.out, "would tag them {}", shown(tag));
    }
    Ok(())
}

/// Creates the tags that are missing (`PUT /tags`, which takes paths like `Trips/2025`) and
/// tags the assets with all of them, a batch of assets at a time.
fn tag_assets(client: &Client, names: &[String], ids: &[AssetId]) -> Result<(), Failure> {
    let tags = client.send(&UpsertTags::new(TagUpsert::new(names.to_vec())))?;
    let mut tag_ids = Vec::new();
    for name in names {
        let wanted = name.trim_matches('/');
        match tags.iter().find(|t| t.value == wanted) {
            Some(tag) => tag_ids.push(tag.id.clone()),
            None => {
                return Err(Failure::Message(format!(
                    "the server did not create the tag {wanted:?}"
                )))
            }
        }
    }
    let mut unique = HashSet::new();
    let ids: Vec<AssetId> = ids
        .iter()
        .filter(|id| unique.insert((*id).clone()))
        .cloned()
        .collect();
    for chunk in ids.chunks(ALBUM_BATCH) {
        let body = TagBulkAssets::new(chunk.to_vec(), tag_ids.clone());
        client.send(&BulkTagAssets::new(body))?;
    }
    Ok(())
}

/// When the file a group of identical files was sent as failed, the server never got those
/// bytes: the next copy is sent in its place, round after round, until one arrives or every
/// copy has failed on its own. Returns the copies still to report as duplicates, each paired
/// with the file (first or copy) whose outcome they share.
fn send_copies_of_failed(
    ctx: &mut Ctx<'_>,
    run: &UploadRun<'_>,
    mut copies: Vec<(usize, usize)>,
    outcomes: &mut [Option<Outcome>],
    sent: &mut u64,
) -> Vec<(usize, usize)> {
    loop {
        // For each group whose sent file failed: its next copy goes instead.
        let mut stand_in_for: HashMap<usize, usize> = HashMap::new();
        let mut waiting = Vec::new();
        for (copy, first) in copies {
            let failed = matches!(outcomes[first], Some(Outcome::Failed(_)));
            if failed && !stand_in_for.contains_key(&first) {
                stand_in_for.insert(first, copy);
            } else {
                waiting.push((copy, first));
            }
        }
        if stand_in_for.is_empty() || run.stopped() {
            return waiting
                .into_iter()
                .chain(stand_in_for.into_iter().map(|(f, c)| (c, f)))
                .collect();
        }
        let mut resend: Vec<usize> = stand_in_for.values().copied().collect();
        resend.sort_unstable();
        *sent += run.upload_all(ctx, &resend, outcomes);
        // The rest of each group now follows the copy that was sent.
        copies = waiting
            .into_iter()
            .map(|(copy, first)| (copy, stand_in_for.get(&first).copied().unwrap_or(first)))
            .collect();
    }
}

/// Asks the server which files it already has, by SHA-1, before sending a byte of them; its
/// refusals become the files' outcomes.
fn check_with_server(
    client: &Client,
    first_with: &HashMap<Sha1Digest, usize>,
    outcomes: &mut [Option<Outcome>],
) -> Result<(), Failure> {
    let items: Vec<BulkUploadCheckItem> = first_with
        .iter()
        .map(|(digest, index)| BulkUploadCheckItem::new(index.to_string(), *digest))
        .collect();
    // One request per batch of files (the client splits long lists).
    for verdict in client.check_bulk_upload(items)? {
        let Some(index) = verdict
            .id
            .parse::<usize>()
            .ok()
            .filter(|i| *i < outcomes.len())
        else {
            continue;
        };
        if verdict.action == UploadAction::Reject {
            outcomes[index] = Some(match &verdict.reason {
                Some(RejectReason::Duplicate) => Outcome::Duplicate(verdict.asset_id.clone()),
                Some(RejectReason::UnsupportedFormat) => {
                    Outcome::Skipped("the server does not take this file type".into())
                }
                Some(other) => Outcome::Skipped(format!("refused by the server: {other}")),
                None => Outcome::Skipped("refused by the server".into()),
            });
        }
    }
    Ok(())
}

fn print_report(ctx: &mut Ctx<'_>, report: &Report) -> Result<(), Failure> {
    if ctx.json {
        return output::json(ctx.out, report);
    }
    let s = &report.summary;
    if report.dry_run {
        say!(
            ctx.out,
            "dry run, nothing sent: would upload {}, duplicates {}, skipped {}, failed {}",
            s.would_upload,
            s.duplicates,
            s.skipped,
            s.failed
        );
        for line in report.takeout.iter().flat_map(|t| t.lines(true)) {
            say!(ctx.out, "{}", shown(&line));
        }
        return Ok(());
    }
    say!(
        ctx.out,
        "uploaded {}, duplicates {}, skipped {}, failed {} ({} sent)",
        s.uploaded,
        s.duplicates,
        s.skipped,
        s.failed,
        output::bytes(s.bytes_uploaded)
    );
    for album in report.album.iter().chain(&report.folder_albums) {
        let how = if album.created { "created, " } else { "" };
        say!(
            ctx.out,
            "album \"{}\" ({}): {how}{} added, {} already there",
            shown(&album.name),
            album.id,
            album.added,
            album.already_there
        );
    }
    if !report.tags.is_empty() {
        let tags: Vec<String> = report.tags.iter().map(|t| shown(t).to_string()).collect();
        say!(ctx.out, "tagged: {}", tags.join(", "));
    }
    if !report.stacks.is_empty() || report.live_photos > 0 {
        say!(
            ctx.out,
            "stacks created {}, live photos linked {}",
            report.stacks.len(),
            report.live_photos
        );
    }
    for line in report.takeout.iter().flat_map(|t| t.lines(false)) {
        say!(ctx.out, "{}", shown(&line));
    }
    if !report.paused_queues.is_empty() {
        say!(
            ctx.out,
            "paused during the upload and resumed: {}",
            report.paused_queues.join(", ")
        );
    }
    Ok(())
}

/// Runs `work` on every item with `threads` threads; `done` sees each result on this thread,
/// in completion order. No item starts once `stop` is set.
pub(crate) fn parallel<T: Sync, R: Send>(
    items: &[T],
    threads: usize,
    stop: &AtomicBool,
    work: impl Fn(&T) -> R + Sync,
    mut done: impl FnMut(usize, R),
) {
    if items.is_empty() {
        return;
    }
    let next = AtomicUsize::new(0);
    let (sender, receiver) = mpsc::channel();
    std::thread::scope(|scope| {
        for _ in 0..threads.clamp(1, items.len()) {
            let (sender, next, work) = (sender.clone(), &next, &work);
            scope.spawn(move || loop {
                if stop.load(Ordering::SeqCst) || upload_jobs::interrupted() {
                    break;
                }
                let index = next.fetch_add(1, Ordering::Relaxed);
                let Some(item) = items.get(index) else { break };
                if sender.send((index, work(item))).is_err() {
                    break;
                }
            });
        }
        drop(sender);
        for (index, result) in receiver {
            done(index, result);
        }
    });
}

/// Files hashed per batch, at most: each batch is checked with the server as soon as it is
/// hashed, and its files sent while the next one is hashed.
const HASH_BATCH_FILES: usize = 100;
/// Bytes hashed per batch, at most (a batch holds at least one file or pair).
const HASH_BATCH_BYTES: u64 = 64 << 20;

/// A batch of candidate indexes with their digests (or why a file could not be read).
type HashedBatch = (Vec<usize>, Vec<Result<Sha1Digest, String>>);

/// Splits the candidates into hashing batches, in their order; a live photo's video goes in
/// the batch of its still, just before it, so the video is sent before the still.
fn hash_batches(candidates: &[Candidate]) -> Vec<Vec<usize>> {
    let mut placed = vec![false; candidates.len()];
    let mut batches: Vec<Vec<usize>> = Vec::new();
    let mut batch: Vec<usize> = Vec::new();
    let mut bytes = 0u64;
    let mut units: Vec<Vec<usize>> = Vec::new();
    for (index, c) in candidates.iter().enumerate() {
        if c.hidden {
            continue;
        }
        let mut unit = Vec::with_capacity(2);
        if let Some(video) = c.live_video.filter(|v| *v < candidates.len()) {
            if !placed[video] {
                placed[video] = true;
                unit.push(video);
            }
        }
        placed[index] = true;
        unit.push(index);
        units.push(unit);
    }
    // A video no still claimed (not expected) goes alone.
    units.extend(
        (0..candidates.len())
            .filter(|i| !placed[*i])
            .map(|i| vec![i]),
    );
    for unit in units {
        let unit_bytes: u64 = unit.iter().map(|&i| candidates[i].entry.size).sum();
        if !batch.is_empty()
            && (batch.len() + unit.len() > HASH_BATCH_FILES
                || bytes.saturating_add(unit_bytes) > HASH_BATCH_BYTES)
        {
            batches.push(std::mem::take(&mut batch));
            bytes = 0;
        }
        bytes = bytes.saturating_add(unit_bytes);
        batch.extend(unit);
    }
    if !batch.is_empty() {
        batches.push(batch);
    }
    batches
}

/// Hashes the candidates of one batch with `threads` threads, in the batch's order.
fn hash_batch(
    candidates: &[Candidate],
    batch: &[usize],
    threads: usize,
) -> Vec<Result<Sha1Digest, String>> {
    let mut digests = vec![Err(String::new()); batch.len()];
    let never = AtomicBool::new(false);
    parallel(
        batch,
        threads,
        &never,
        |&index| sha1_of(&candidates[index].entry).map_err(|e| format!("cannot read it: {e}")),
        |slot, digest| digests[slot] = digest,
    );
    digests
}

fn sha1_of(entry: &Entry) -> std::io::Result<Sha1Digest> {
    let mut file = entry.open()?;
    let mut hasher = Sha1Checksum::new();
    let mut buffer = vec![0u8; 256 * 1024];
    loop {
        match file.read(&mut buffer) {
            Ok(0) => return Ok(hasher.finish()),
            Ok(n) => hasher.update(&buffer[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
}

/// Uploads a candidate that is not a file on disk (a zip archive's entry, or its sidecar is
/// one), or whose Takeout JSON gives its capture time, streamed from its reader: the bytes are
/// read again after the hashing pass.
fn upload_streamed(
    client: &Client,
    c: &Candidate,
    options: UploadOptions,
) -> Result<immich_blocking::assets::UploadResult, immich_blocking::Error> {
    let entry = &c.entry;
    let modified = entry.modified.unwrap_or(std::time::UNIX_EPOCH);
    // The Takeout's capture time is the file's creation (the earlier of the two is sent).
    let taken = c.takeout.as_ref().and_then(TakeoutFile::taken_time);
    let facts = FileFacts {
        path: std::path::PathBuf::from(entry.name()),
        is_file: true,
        len: entry.size,
        created: taken,
        modified: taken.map_or(modified, |t| t.max(modified)),
        sidecar_len: None,
    };
    let asset = UploadSource::new(entry.open()?, entry.size);
    let sidecar = match &c.sidecar {
        Some(sidecar) => Some(UploadSource::new(sidecar.open()?, sidecar.size)),
        None => None,
    };
    let mut options = options;
    options.sidecar = None;
    client.upload_reader(&facts, asset, sidecar, options)
}

/// What every upload round of one run shares.
struct UploadRun<'a> {
    candidates: &'a [Candidate],
    threads: usize,
    stop: &'a AtomicBool,
    on_error: OnError,
}

impl UploadRun<'_> {
    fn stopped(&self) -> bool {
        self.stop.load(Ordering::SeqCst) || upload_jobs::interrupted()
    }

    /// The upload options of candidate `index`: its sidecar, hidden for a live photo's video,
    /// the video's id for a live photo's still (once the video is on the server).
    fn options(&self, index: usize, outcomes: &[Option<Outcome>]) -> UploadOptions {
        let c = &self.candidates[index];
        let mut options = UploadOptions::new();
        if let (Some(path), Some(_)) = (c.sidecar.as_ref().and_then(Entry::path), c.entry.path()) {
            options = options.sidecar(path);
        }
        if c.hidden {
            options = options.visibility(AssetVisibility::Hidden);
        }
        if let Some(id) = c
            .live_video
            .and_then(|v| outcomes.get(v))
            .and_then(|o| o.as_ref())
            .and_then(Outcome::id)
        {
            options = options.live_photo_video_id(id.clone());
        }
        options
    }

    /// Uploads the `pending` candidates; returns the bytes of the files the server took.
    fn upload_all(
        &self,
        ctx: &mut Ctx<'_>,
        pending: &[usize],
        outcomes: &mut [Option<Outcome>],
    ) -> u64 {
        let candidates = self.candidates;
        let total_bytes: u64 = pending.iter().map(|&i| candidates[i].entry.size).sum();
        let mut progress = Progress::new(ctx.progress);
        let (mut files, mut bytes, mut sent) = (0, 0, 0);
        let (client, url, err) = (&ctx.client, ctx.url.as_str(), &mut *ctx.err);
        let work: Vec<(usize, UploadOptions)> = pending
            .iter()
            .map(|&i| (i, self.options(i, outcomes)))
            .collect();
        parallel(
            &work,
            self.threads,
            self.stop,
            |(index, options)| {
                let c = &candidates[*index];
                let on_disk = c.sidecar.as_ref().is_none_or(|s| s.path().is_some())
                    && c.takeout
                        .as_ref()
                        .and_then(TakeoutFile::taken_time)
                        .is_none();
                let result = match c.entry.path() {
                    Some(path) if on_disk => client.upload_path(path, options.clone()),
                    _ => upload_streamed(client, c, options.clone()),
                };
                match result {
                    Ok(result) if result.is_duplicate() => Outcome::Duplicate(Some(result.id)),
                    Ok(result) => Outcome::Uploaded(result.id),
                    Err(e) => {
                        // Here, not in `done`: this thread must not start another file.
                        if self.on_error == OnError::Stop {
                            self.stop.store(true, Ordering::SeqCst);
                        }
                        Outcome::Failed(describe(&e, url))
                    }
                }
            },
            |slot, outcome| {
                let index = pending[slot];
                let len = candidates[index].entry.size;
                files += 1;
                bytes += len;
                match &outcome {
                    Outcome::Uploaded(_) => sent += len,
                    Outcome::Failed(error) => {
                        progress.clear(err);
                        let _ = writeln!(
                            err,
                            "failed: {}: {}",
                            shown(&candidates[index].entry.shown()),
                            shown(error)
                        );
                    }
                    _ => {}
                }
                outcomes[index] = Some(outcome);
                let line =
                    progress.transfer_line("uploading", (files, pending.len()), bytes, total_bytes);
                progress.draw(err, &line, files == pending.len());
            },
        );
        progress.clear(err);
        sent
    }
}

/// Where `--album` (or a folder's album) puts the uploads.
enum AlbumTarget {
    /// An album that exists (named by its id, or by its one name).
    Existing(Box<Album>),
    /// No album has this name: it is created once the files are uploaded.
    New(String),
}

/// Reads `--album` as every command does ([`album_by_id_or_name`]): an id (looked up, so a
/// wrong one fails before the upload), or a name that one album or none has.
fn choose_album(client: &Client, wanted: &str) -> Result<AlbumTarget, Failure> {
    // An id needs no listing.
    let albums = match AlbumId::parse(wanted) {
        Ok(_) => Vec::new(),
        Err(_) => client.albums()?,
    };
    Ok(match album_by_id_or_name(wanted, &albums)? {
        Some(AlbumChoice::Id(id)) => AlbumTarget::Existing(Box::new(client.album(id)?)),
        Some(AlbumChoice::Named(album)) => AlbumTarget::Existing(Box::new(album.clone())),
        None => AlbumTarget::New(wanted.to_owned()),
    })
}

/// Adds `ids` to the chosen album, creating it first when it is new.
fn add_to_album(
    client: &Client,
    target: AlbumTarget,
    ids: Vec<AssetId>,
) -> Result<AlbumReport, Failure> {
    let (album, created) = match target {
        AlbumTarget::Existing(album) => (*album, false),
        AlbumTarget::New(name) => (client.create_album(CreateAlbum::new(&name))?, true),
    };
    let name = album.album_name.clone();
    let mut report = AlbumReport {
        id: album.id.clone(),
        name: album.album_name,
        created,
        added: 0,
        already_there: 0,
        not_added: 0,
    };
    let mut unique = HashSet::new();
    let ids: Vec<AssetId> = ids
        .into_iter()
        .filter(|id| unique.insert(id.clone()))
        .collect();
    for chunk in ids.chunks(ALBUM_BATCH) {
        for result in client.add_assets_to_album(album.id.clone(), chunk.to_vec())? {
            if result.success {
                report.added += 1;
            } else if result.is_duplicate() {
                report.already_there += 1;
            } else {
                report.not_added += 1;
            }
        }
    }
    if report.not_added > 0 {
        return Err(Failure::Message(format!(
            "{} file(s) could not be added to the album {name:?}",
            report.not_added
        )));
    }
    Ok(report)
}
