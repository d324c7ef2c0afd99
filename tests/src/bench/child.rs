//! The client side of each case, run in its own process (`--child client op=... transport=...`)
//! so its peak memory is its own. Prints one `RESULT` line: the time the operation took inside
//! the process, bytes and items moved, and the process's peak RSS.

use std::collections::HashMap;
use std::io::Read;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Instant;

use futures_util::StreamExt;
use immich_proto::assets::{AssetMediaSize, AssetMediaStatus};
use immich_proto::search::{MetadataSearch, SearchAssets};
use immich_proto::{AssetId, Pager};

use super::process::{pairs, peak_rss_kib, spawn_main};
use super::Failure;

/// The entry point of every child process: `args` are the arguments after `--child`.
/// Returns the process exit code.
pub fn child_main(args: &[String]) -> i32 {
    let result = match args.first().map(String::as_str) {
        Some("spawn") => spawn_main(&args[1..]),
        Some("client") => client_main(&pairs(&args[1..].join(" "))),
        Some("serve") => serve_main(&pairs(&args[1..].join(" "))),
        Some("backup") => super::backup::backup_main(&pairs(&args[1..].join(" "))),
        Some("cli-upload") => super::zip_upload::upload_main(&pairs(&args[1..].join(" "))),
        other => Err(Failure(format!("unknown child mode {other:?}"))),
    };
    match result {
        Ok(()) => 0,
        Err(failure) => {
            eprintln!("bench child: {failure}");
            1
        }
    }
}

/// `--child serve seconds=N [pages=P per_page=K]`: a sink server alone, for profiling a client
/// by hand. Prints its URL and API key, serves for `seconds` (default 60, at most an hour),
/// then stops.
fn serve_main(args: &HashMap<String, String>) -> Result<(), Failure> {
    let seconds: u64 = args
        .get("seconds")
        .and_then(|s| s.parse().ok())
        .unwrap_or(60)
        .min(3600);
    let mut options = crate::server::Options::sink();
    let number = |key: &str| args.get(key).and_then(|s| s.parse::<usize>().ok());
    if let (Some(pages), Some(per_page)) = (number("pages"), number("per_page")) {
        options.sink_search = (pages.clamp(1, 100_000), per_page.clamp(1, 10_000));
    }
    let server = crate::server::TestServer::try_start(options)
        .map_err(|e| Failure(format!("cannot start the sink: {e}")))?;
    println!("URL {} KEY {}", server.url(), server.api_key());
    std::thread::sleep(std::time::Duration::from_secs(seconds));
    Ok(())
}

/// What one client process is asked to do.
struct Job {
    op: String,
    url: String,
    key: String,
    file: PathBuf,
    checksum: bool,
    count: usize,
    id: String,
    /// Requests or uploads in flight at once (`grid`, `folder`).
    parallel: usize,
}

/// What it did.
#[derive(Default)]
struct Done {
    bytes: u64,
    items: u64,
}

fn client_main(args: &HashMap<String, String>) -> Result<(), Failure> {
    let get = |key: &str| args.get(key).cloned().unwrap_or_default();
    let job = Job {
        op: get("op"),
        url: get("url"),
        key: get("key"),
        file: PathBuf::from(get("file")),
        checksum: get("checksum") == "1",
        count: get("count").parse().unwrap_or(1),
        id: get("id"),
        parallel: get("parallel").parse().unwrap_or(1).clamp(1, 64),
    };
    let started = Instant::now();
    let done = match get("transport").as_str() {
        "tokio" => {
            // One thread, as a command-line tool would use: the sink is another process, and
            // a request/response ping-pong gains nothing from hopping between worker threads.
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| Failure(format!("tokio runtime: {e}")))?;
            runtime.block_on(run_tokio(&job))
        }
        "blocking" => run_blocking(&job),
        other => Err(Failure(format!("unknown transport {other:?}"))),
    }?;
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "RESULT op_seconds={seconds:.6} bytes={} items={} hwm_kib={}",
        done.bytes,
        done.items,
        peak_rss_kib().unwrap_or(0)
    );
    Ok(())
}

fn failed(what: &str) -> impl Fn(&dyn std::fmt::Display) -> Failure + '_ {
    move |e| Failure(format!("{what}: {e}"))
}

async fn run_tokio(job: &Job) -> Result<Done, Failure> {
    use immich_tokio::{Client, UploadOptions};
    let client = Client::builder(&job.url)
        .api_key(&job.key)
        .build()
        .map_err(|e| failed("build")(&e))?;
    client.setup().await.map_err(|e| failed("setup")(&e))?;
    let mut done = Done::default();
    match job.op.as_str() {
        "upload" => {
            let result = client
                .upload_path(&job.file, UploadOptions::default().checksum(job.checksum))
                .await
                .map_err(|e| failed("upload")(&e))?;
            if result.status != AssetMediaStatus::Created {
                return Err(Failure(format!("upload answered {}", result.status)));
            }
            done.items = 1;
            done.bytes = file_len(job)?;
        }
        "video" => {
            let id = asset_id(job)?;
            let media = client
                .video_playback(id, None)
                .await
                .map_err(|e| failed("video")(&e))?;
            let mut body = media.body;
            while let Some(chunk) = body.next().await {
                done.bytes += chunk.map_err(|e| failed("video body")(&e))?.len() as u64;
            }
            done.items = 1;
        }
        "about" => {
            for _ in 0..job.count {
                let about = client.about().await.map_err(|e| failed("about")(&e))?;
                done.bytes += about.version.len() as u64;
                done.items += 1;
            }
        }
        "thumbnail" => {
            let id = asset_id(job)?;
            for _ in 0..job.count {
                let media = client
                    .thumbnail(id.clone(), AssetMediaSize::Thumbnail)
                    .await
                    .map_err(|e| failed("thumbnail")(&e))?;
                done.bytes += media.body.len() as u64;
                done.items += 1;
            }
        }
        "grid" => {
            // `parallel` tasks on one client (one pool), taking thumbnails from a shared count.
            let id = asset_id(job)?;
            let next = Arc::new(AtomicUsize::new(0));
            let mut tasks = tokio::task::JoinSet::new();
            for _ in 0..job.parallel {
                let (client, id, next, count) =
                    (client.clone(), id.clone(), next.clone(), job.count);
                tasks.spawn(async move {
                    let mut done = Done::default();
                    while next.fetch_add(1, Ordering::Relaxed) < count {
                        let media = client
                            .thumbnail(id.clone(), AssetMediaSize::Thumbnail)
                            .await
                            .map_err(|e| failed("thumbnail")(&e))?;
                        done.bytes += media.body.len() as u64;
                        done.items += 1;
                    }
                    Ok::<_, Failure>(done)
                });
            }
            while let Some(joined) = tasks.join_next().await {
                let part = joined.map_err(|e| failed("task")(&e))??;
                done.bytes += part.bytes;
                done.items += part.items;
            }
        }
        "folder" => {
            // `parallel` uploads at once, each with its SHA-1 pass first: one file is hashed
            // (on the blocking pool) while others are being sent.
            let files = Arc::new(folder_files(job)?);
            let next = Arc::new(AtomicUsize::new(0));
            let mut tasks = tokio::task::JoinSet::new();
            for _ in 0..job.parallel {
                let (client, files, next) = (client.clone(), files.clone(), next.clone());
                let checksum = job.checksum;
                tasks.spawn(async move {
                    let mut done = Done::default();
                    while let Some((path, len)) = files.get(next.fetch_add(1, Ordering::Relaxed)) {
                        let result = client
                            .upload_path(path, UploadOptions::default().checksum(checksum))
                            .await
                            .map_err(|e| failed("upload")(&e))?;
                        if result.status != AssetMediaStatus::Created {
                            return Err(Failure(format!("upload answered {}", result.status)));
                        }
                        done.bytes += len;
                        done.items += 1;
                    }
                    Ok(done)
                });
            }
            while let Some(joined) = tasks.join_next().await {
                let part = joined.map_err(|e| failed("task")(&e))??;
                done.bytes += part.bytes;
                done.items += part.items;
            }
        }
        "sync" => {
            (done.items, done.bytes) = super::sync_stream::read_tokio(&client).await?;
        }
        "pages" => {
            let mut assets = client.pages(Pager::new(SearchAssets::new(MetadataSearch::all())));
            while let Some(asset) = assets.next().await {
                let asset = asset.map_err(|e| failed("pages")(&e))?;
                done.bytes += asset.original_file_name.len() as u64;
                done.items += 1;
            }
        }
        other => return Err(Failure(format!("unknown op {other:?}"))),
    }
    Ok(done)
}

fn run_blocking(job: &Job) -> Result<Done, Failure> {
    use immich_blocking::{Client, UploadOptions};
    let client = Client::builder(&job.url)
        .api_key(&job.key)
        .build()
        .map_err(|e| failed("build")(&e))?;
    client.setup().map_err(|e| failed("setup")(&e))?;
    let mut done = Done::default();
    match job.op.as_str() {
        "upload" => {
            let result = client
                .upload_path(&job.file, UploadOptions::default().checksum(job.checksum))
                .map_err(|e| failed("upload")(&e))?;
            if result.status != AssetMediaStatus::Created {
                return Err(Failure(format!("upload answered {}", result.status)));
            }
            done.items = 1;
            done.bytes = file_len(job)?;
        }
        "video" => {
            let id = asset_id(job)?;
            let media = client
                .video_playback(id, None)
                .map_err(|e| failed("video")(&e))?;
            let mut body = media.body;
            // The buffer a caller copying to a file would use (the crate's own save uses 64 KiB).
            let mut buffer = vec![0u8; 64 * 1024];
            loop {
                match body.read(&mut buffer) {
                    Ok(0) => break,
                    Ok(n) => done.bytes += n as u64,
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                    Err(e) => return Err(failed("video body")(&e)),
                }
            }
            done.items = 1;
        }
        "about" => {
            for _ in 0..job.count {
                let about = client.about().map_err(|e| failed("about")(&e))?;
                done.bytes += about.version.len() as u64;
                done.items += 1;
            }
        }
        "thumbnail" => {
            let id = asset_id(job)?;
            for _ in 0..job.count {
                let media = client
                    .thumbnail(id.clone(), AssetMediaSize::Thumbnail)
                    .map_err(|e| failed("thumbnail")(&e))?;
                done.bytes += media.body.len() as u64;
                done.items += 1;
            }
        }
        "grid" => {
            // `parallel` threads sharing one client (one agent, one pool).
            let id = asset_id(job)?;
            let next = AtomicUsize::new(0);
            let parts = std::thread::scope(|scope| {
                let workers: Vec<_> = (0..job.parallel)
                    .map(|_| {
                        scope.spawn(|| {
                            let mut done = Done::default();
                            while next.fetch_add(1, Ordering::Relaxed) < job.count {
                                let media = client
                                    .thumbnail(id.clone(), AssetMediaSize::Thumbnail)
                                    .map_err(|e| failed("thumbnail")(&e))?;
                                done.bytes += media.body.len() as u64;
                                done.items += 1;
                            }
                            Ok::<_, Failure>(done)
                        })
                    })
                    .collect();
                workers
                    .into_iter()
                    .map(|w| w.join().unwrap_or_else(|_| Err(Failure("thread".into()))))
                    .collect::<Vec<_>>()
            });
            for part in parts {
                let part = part?;
                done.bytes += part.bytes;
                done.items += part.items;
            }
        }
        "folder" => {
            // `parallel` threads, each hashing then sending one file at a time: one thread's
            // SHA-1 pass runs while the others send.
            let files = folder_files(job)?;
            let next = AtomicUsize::new(0);
            let parts = std::thread::scope(|scope| {
                let workers: Vec<_> = (0..job.parallel)
                    .map(|_| {
                        scope.spawn(|| {
                            let mut done = Done::default();
                            while let Some((path, len)) =
                                files.get(next.fetch_add(1, Ordering::Relaxed))
                            {
                                let result = client
                                    .upload_path(
                                        path,
                                        UploadOptions::default().checksum(job.checksum),
                                    )
                                    .map_err(|e| failed("upload")(&e))?;
                                if result.status != AssetMediaStatus::Created {
                                    return Err(Failure(format!(
                                        "upload answered {}",
                                        result.status
                                    )));
                                }
                                done.bytes += len;
                                done.items += 1;
                            }
                            Ok(done)
                        })
                    })
                    .collect();
                workers
                    .into_iter()
                    .map(|w| w.join().unwrap_or_else(|_| Err(Failure("thread".into()))))
                    .collect::<Vec<_>>()
            });
            for part in parts {
                let part = part?;
                done.bytes += part.bytes;
                done.items += part.items;
            }
        }
        "sync" => {
            (done.items, done.bytes) = super::sync_stream::read_blocking(&client)?;
        }
        "pages" => {
            for asset in client.pages(Pager::new(SearchAssets::new(MetadataSearch::all()))) {
                let asset = asset.map_err(|e| failed("pages")(&e))?;
                done.bytes += asset.original_file_name.len() as u64;
                done.items += 1;
            }
        }
        other => return Err(Failure(format!("unknown op {other:?}"))),
    }
    Ok(done)
}

/// The regular files of the folder `file=DIR`, by name, with their lengths.
fn folder_files(job: &Job) -> Result<Vec<(PathBuf, u64)>, Failure> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(&job.file).map_err(|e| failed("folder")(&e))? {
        let entry = entry.map_err(|e| failed("folder")(&e))?;
        let meta = entry.metadata().map_err(|e| failed("folder")(&e))?;
        if meta.is_file() {
            files.push((entry.path(), meta.len()));
        }
    }
    files.sort();
    Ok(files)
}

fn asset_id(job: &Job) -> Result<AssetId, Failure> {
    AssetId::parse(job.id.as_str()).map_err(|e| failed("asset id")(&e))
}

fn file_len(job: &Job) -> Result<u64, Failure> {
    std::fs::metadata(&job.file)
        .map(|m| m.len())
        .map_err(|e| failed("file")(&e))
}
