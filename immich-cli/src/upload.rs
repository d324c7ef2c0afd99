//! `immich upload`: find the files, skip what the server won't take, hash, ask the server which
//! it already has, upload the rest in parallel, add them to an album, and say what happened.

use std::collections::{HashMap, HashSet};
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;

use immich_blocking::albums::{Album, CreateAlbum};
use immich_blocking::assets::{BulkUploadCheckItem, RejectReason, UploadAction, UploadOptions};
use immich_blocking::proto::checksum::{Sha1Checksum, Sha1Digest};
use immich_blocking::server::SupportedMediaTypes;
use immich_blocking::{AlbumId, AssetId, Client};
use serde::Serialize;

use crate::args::UploadArgs;
use crate::commands::{album_by_id_or_name, AlbumChoice};
use crate::output::{self, say, shown, Progress};
use crate::{describe, Ctx, Failure};

/// Asset ids per add-to-album request.
const ALBUM_BATCH: usize = 1000;
/// How deep folders are followed (symbolic links to folders never are, so this only guards
/// against absurd trees).
const MAX_DEPTH: usize = 256;

/// What happened to one file.
#[derive(Debug, Clone)]
enum Outcome {
    Uploaded(AssetId),
    /// The server (or an earlier file of this run) has it already.
    Duplicate(Option<AssetId>),
    Skipped(String),
    Failed(String),
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

#[derive(Serialize, Default)]
#[serde(rename_all = "camelCase")]
struct Summary {
    uploaded: usize,
    duplicates: usize,
    skipped: usize,
    failed: usize,
    bytes_uploaded: u64,
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
struct Report {
    uploaded: Vec<FileReport>,
    duplicates: Vec<FileReport>,
    skipped: Vec<FileReport>,
    failed: Vec<FileReport>,
    album: Option<AlbumReport>,
    summary: Summary,
}

pub(crate) fn upload(ctx: &mut Ctx<'_>, args: UploadArgs) -> Result<(), Failure> {
    let media = ctx.client.media_types()?;
    // Before any upload: an album name that several albums have is refused now, not after
    // the files are sent.
    let album_target = match &args.album {
        Some(wanted) => Some(choose_album(&ctx.client, wanted)?),
        None => None,
    };
    let mut results: Vec<(PathBuf, Outcome)> = Vec::new();
    let mut found = Vec::new();
    let mut seen = HashSet::new();
    for path in &args.paths {
        walk(path, 0, &mut found, &mut results, &mut seen);
    }

    // Which files to send at all: the server's media types, then sizes.
    let mut candidates: Vec<(PathBuf, u64)> = Vec::new();
    for path in found {
        if let Some(reason) = refused_type(&media, &path) {
            results.push((path, Outcome::Skipped(reason)));
            continue;
        }
        match fs::metadata(&path) {
            Ok(meta) if meta.is_file() => candidates.push((path, meta.len())),
            Ok(_) => results.push((path, Outcome::Skipped("not a regular file".into()))),
            Err(e) => results.push((path, Outcome::Failed(format!("cannot read it: {e}")))),
        }
    }
    for (path, outcome) in &results {
        if let Outcome::Failed(error) = outcome {
            let _ = writeln!(
                ctx.err,
                "failed: {}: {}",
                shown(&path.display().to_string()),
                shown(error)
            );
        }
    }

    let threads = args.concurrency;
    let total_bytes: u64 = candidates.iter().map(|(_, len)| len).sum();
    let digests = hash_all(ctx, &candidates, threads, total_bytes);

    // Hashed files, minus the ones that repeat an earlier file of this run.
    let mut first_with: HashMap<Sha1Digest, usize> = HashMap::new();
    let mut pending: Vec<usize> = Vec::new();
    let mut outcomes: Vec<Option<Outcome>> = vec![None; candidates.len()];
    let mut copies: Vec<(usize, usize)> = Vec::new();
    for (index, digest) in digests.into_iter().enumerate() {
        match digest {
            Err(error) => {
                let _ = writeln!(
                    ctx.err,
                    "failed: {}: {}",
                    shown(&candidates[index].0.display().to_string()),
                    shown(&error)
                );
                outcomes[index] = Some(Outcome::Failed(error));
            }
            Ok(digest) => match first_with.get(&digest) {
                Some(&first) => copies.push((index, first)),
                None => {
                    first_with.insert(digest, index);
                    pending.push(index);
                }
            },
        }
    }

    check_with_server(&ctx.client, &first_with, &mut outcomes)?;
    pending.retain(|index| outcomes[*index].is_none());

    let mut sent = upload_all(ctx, &candidates, &pending, threads, &mut outcomes);
    let copies = send_copies_of_failed(ctx, &candidates, copies, threads, &mut outcomes, &mut sent);

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
    for (index, outcome) in outcomes.into_iter().enumerate() {
        let outcome =
            outcome.unwrap_or_else(|| Outcome::Failed("not processed (internal error)".into()));
        results.push((candidates[index].0.clone(), outcome));
    }
    results.sort_by(|a, b| a.0.cmp(&b.0));

    let (mut report, album_ids) = build_report(results, sent);

    // Even when some files failed, the others go into the album.
    let album_result = match album_target {
        Some(target) => add_to_album(&ctx.client, target, album_ids).map(Some),
        None => Ok(None),
    };
    let album_error = match album_result {
        Ok(album) => {
            report.album = album;
            None
        }
        Err(e) => Some(e),
    };

    print_report(ctx, &report)?;
    if let Some(e) = album_error {
        return Err(e);
    }
    if report.summary.failed > 0 {
        return Err(Failure::Reported);
    }
    Ok(())
}

/// When the file a group of identical files was sent as failed, the server never got those
/// bytes: the next copy is sent in its place, round after round, until one arrives or every
/// copy has failed on its own. Returns the copies still to report as duplicates, each paired
/// with the file (first or copy) whose outcome they share.
fn send_copies_of_failed(
    ctx: &mut Ctx<'_>,
    candidates: &[(PathBuf, u64)],
    mut copies: Vec<(usize, usize)>,
    threads: usize,
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
        if stand_in_for.is_empty() {
            return waiting;
        }
        let mut resend: Vec<usize> = stand_in_for.values().copied().collect();
        resend.sort_unstable();
        *sent += upload_all(ctx, candidates, &resend, threads, outcomes);
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

/// Sorts the outcomes into the report; also returns the ids that belong in the album.
fn build_report(results: Vec<(PathBuf, Outcome)>, sent: u64) -> (Report, Vec<AssetId>) {
    let mut report = Report {
        uploaded: Vec::new(),
        duplicates: Vec::new(),
        skipped: Vec::new(),
        failed: Vec::new(),
        album: None,
        summary: Summary {
            bytes_uploaded: sent,
            ..Summary::default()
        },
    };
    let mut album_ids: Vec<AssetId> = Vec::new();
    for (path, outcome) in results {
        let path = path.display().to_string();
        let entry = |id, reason, error| FileReport {
            path: path.clone(),
            id,
            reason,
            error,
        };
        match outcome {
            Outcome::Uploaded(id) => {
                album_ids.push(id.clone());
                report.uploaded.push(entry(Some(id), None, None));
            }
            Outcome::Duplicate(id) => {
                album_ids.extend(id.clone());
                report.duplicates.push(entry(id, None, None));
            }
            Outcome::Skipped(reason) => report.skipped.push(entry(None, Some(reason), None)),
            Outcome::Failed(error) => report.failed.push(entry(None, None, Some(error))),
        }
    }
    report.summary.uploaded = report.uploaded.len();
    report.summary.duplicates = report.duplicates.len();
    report.summary.skipped = report.skipped.len();
    report.summary.failed = report.failed.len();

    (report, album_ids)
}

fn print_report(ctx: &mut Ctx<'_>, report: &Report) -> Result<(), Failure> {
    if ctx.json {
        return output::json(ctx.out, report);
    }
    let s = &report.summary;
    say!(
        ctx.out,
        "uploaded {}, duplicates {}, skipped {}, failed {} ({} sent)",
        s.uploaded,
        s.duplicates,
        s.skipped,
        s.failed,
        output::bytes(s.bytes_uploaded)
    );
    if let Some(album) = &report.album {
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
    Ok(())
}

/// Collects files below `path`. Symbolic links to files are followed; links to folders only
/// when named on the command line (deeper ones could loop).
fn walk(
    path: &Path,
    depth: usize,
    files: &mut Vec<PathBuf>,
    results: &mut Vec<(PathBuf, Outcome)>,
    seen: &mut HashSet<PathBuf>,
) {
    if !seen.insert(path.to_owned()) {
        return;
    }
    let meta = match fs::symlink_metadata(path) {
        Ok(meta) => meta,
        Err(e) => {
            results.push((
                path.to_owned(),
                Outcome::Failed(format!("cannot read it: {e}")),
            ));
            return;
        }
    };
    let is_dir = if meta.file_type().is_symlink() {
        // A dangling link counts as a file: reading it reports the failure.
        let target_is_dir = fs::metadata(path).is_ok_and(|m| m.is_dir());
        if target_is_dir && depth > 0 {
            let reason = "a link to a folder (not followed)".to_owned();
            results.push((path.to_owned(), Outcome::Skipped(reason)));
            return;
        }
        target_is_dir
    } else {
        meta.is_dir()
    };
    if !is_dir {
        if meta.is_file() || meta.file_type().is_symlink() {
            files.push(path.to_owned());
        } else {
            results.push((
                path.to_owned(),
                Outcome::Skipped("not a regular file".into()),
            ));
        }
        return;
    }
    if depth >= MAX_DEPTH {
        results.push((path.to_owned(), Outcome::Skipped("folder too deep".into())));
        return;
    }
    let entries = match fs::read_dir(path) {
        Ok(entries) => entries,
        Err(e) => {
            results.push((
                path.to_owned(),
                Outcome::Failed(format!("cannot list it: {e}")),
            ));
            return;
        }
    };
    let mut children = Vec::new();
    for entry in entries {
        match entry {
            Ok(entry) => children.push(entry.path()),
            Err(e) => results.push((
                path.to_owned(),
                Outcome::Failed(format!("cannot list it: {e}")),
            )),
        }
    }
    children.sort();
    for child in children {
        walk(&child, depth + 1, files, results, seen);
    }
}

/// Why the server would not take this file, judged by its name as the server does.
fn refused_type(media: &SupportedMediaTypes, path: &Path) -> Option<String> {
    let name = path.file_name()?.to_string_lossy();
    if media.accepts(&name) {
        None
    } else if media.is_sidecar(&name) {
        Some("an XMP sidecar (not uploaded on its own)".into())
    } else {
        Some("not a photo or video type the server takes".into())
    }
}

/// Runs `work` on every item with `threads` threads; `done` sees each result on this thread,
/// in completion order.
fn parallel<T: Sync, R: Send>(
    items: &[T],
    threads: usize,
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

fn hash_all(
    ctx: &mut Ctx<'_>,
    candidates: &[(PathBuf, u64)],
    threads: usize,
    total_bytes: u64,
) -> Vec<Result<Sha1Digest, String>> {
    let mut digests = vec![Err(String::new()); candidates.len()];
    let mut progress = Progress::new(ctx.progress);
    let (mut files, mut bytes) = (0, 0);
    let err = &mut *ctx.err;
    parallel(
        candidates,
        threads,
        |(path, _)| sha1_of(path).map_err(|e| format!("cannot read it: {e}")),
        |index, digest| {
            digests[index] = digest;
            files += 1;
            bytes += candidates[index].1;
            let line =
                progress.transfer_line("hashing", (files, candidates.len()), bytes, total_bytes);
            progress.draw(err, &line, files == candidates.len());
        },
    );
    progress.clear(err);
    digests
}

fn sha1_of(path: &Path) -> std::io::Result<Sha1Digest> {
    let mut file = fs::File::open(path)?;
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

/// Uploads the `pending` candidates; returns the bytes of the files the server took.
fn upload_all(
    ctx: &mut Ctx<'_>,
    candidates: &[(PathBuf, u64)],
    pending: &[usize],
    threads: usize,
    outcomes: &mut [Option<Outcome>],
) -> u64 {
    let total_bytes: u64 = pending.iter().map(|&i| candidates[i].1).sum();
    let mut progress = Progress::new(ctx.progress);
    let (mut files, mut bytes, mut sent) = (0, 0, 0);
    let (client, url, err) = (&ctx.client, ctx.url.as_str(), &mut *ctx.err);
    parallel(
        pending,
        threads,
        |&index| {
            let path = &candidates[index].0;
            match client.upload_path(path, UploadOptions::new()) {
                Ok(result) if result.is_duplicate() => Outcome::Duplicate(Some(result.id)),
                Ok(result) => Outcome::Uploaded(result.id),
                Err(e) => Outcome::Failed(describe(&e, url)),
            }
        },
        |slot, outcome| {
            let index = pending[slot];
            let len = candidates[index].1;
            files += 1;
            bytes += len;
            match &outcome {
                Outcome::Uploaded(_) => sent += len,
                Outcome::Failed(error) => {
                    progress.clear(err);
                    let _ = writeln!(
                        err,
                        "failed: {}: {}",
                        shown(&candidates[index].0.display().to_string()),
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

/// Where `--album` puts the uploads.
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
