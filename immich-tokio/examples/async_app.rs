//! An async app on immich-tokio, start to finish:
//!
//! ```sh
//! IMMICH_URL=https://photos.example.com IMMICH_API_KEY=your-key \
//!     cargo run -p immich-tokio --example async_app -- IMG_0001.jpg
//! ```
//!
//! It reads the server's version, lists the albums, uploads the file (sending its SHA-1, so a
//! file the server already has is reported as a duplicate, not stored twice), fetches the new
//! asset's thumbnail, and pages through a metadata search, a page at a time as the stream is
//! read. It uploads one file and changes nothing else. The tests run it against the in-process
//! test server (`tests/it/async_example.rs`).

use std::error::Error;
use std::io::Write;
use std::path::{Path, PathBuf};

use futures_util::StreamExt;
use immich_tokio::assets::AssetMediaSize;
use immich_tokio::search::{MetadataSearch, SearchAssets};
use immich_tokio::{AssetId, Client, Pager, UploadOptions};

/// Assets per search page: small, so even a small library shows the paging.
pub const SEARCH_PAGE_SIZE: u32 = 2;

/// How many assets of the search the example prints (it still counts them all).
const SHOWN: usize = 5;

type Result<T> = std::result::Result<T, Box<dyn Error>>;

#[tokio::main]
async fn main() {
    let settings = (std::env::var("IMMICH_URL"), std::env::var("IMMICH_API_KEY"));
    let (Ok(url), Ok(key)) = settings else {
        eprintln!("async_app: set IMMICH_URL and IMMICH_API_KEY");
        std::process::exit(2);
    };
    let Some(photo) = std::env::args_os().nth(1).map(PathBuf::from) else {
        eprintln!("async_app: name a photo to upload: cargo run -p immich-tokio --example async_app -- PHOTO");
        std::process::exit(2);
    };
    let result = match Client::new(&url, &key) {
        Ok(client) => run(&client, &photo, &mut std::io::stdout()).await,
        Err(e) => Err(e.into()),
    };
    if let Err(e) = result {
        eprintln!("async_app failed: {e}");
        std::process::exit(1);
    }
}

/// What the run found, for a caller (the tests) to check.
#[derive(Debug)]
pub struct Summary {
    /// How many albums the server listed.
    pub albums: usize,
    /// The uploaded asset (or the one the server already had).
    pub asset: AssetId,
    /// The server had the file already.
    pub duplicate: bool,
    /// The thumbnail's size in bytes.
    pub thumbnail_bytes: usize,
    /// How many assets the search found, across all its pages.
    pub searched: usize,
}

/// The whole example with a ready client; prints what it does to `out`.
pub async fn run(client: &Client, photo: &Path, out: &mut impl Write) -> Result<Summary> {
    // Once per client: later calls speak that version's dialect.
    let version = client.setup().await?;
    writeln!(out, "Immich v{version}")?;

    let albums = client.albums().await?;
    writeln!(out, "{} albums", albums.len())?;
    for album in &albums {
        writeln!(out, "  {}: {} assets", album.album_name, album.asset_count)?;
    }

    // With the checksum, the server can answer "duplicate" before the body is sent.
    let upload = client
        .upload_path(photo, UploadOptions::new().checksum(true))
        .await?;
    let duplicate = upload.is_duplicate();
    let how = if duplicate {
        "already there"
    } else {
        "uploaded"
    };
    writeln!(out, "{}: {how} as {}", photo.display(), upload.id)?;

    let thumbnail = client
        .thumbnail(upload.id.clone(), AssetMediaSize::Thumbnail)
        .await?;
    let content_type = thumbnail.head.content_type.as_deref().unwrap_or("unknown");
    writeln!(
        out,
        "thumbnail: {content_type}, {} bytes",
        thumbnail.body.len()
    )?;

    // A lazy stream: the next page is asked for only when the items read so far run out.
    let mut search = MetadataSearch::all();
    search.size = Some(SEARCH_PAGE_SIZE);
    let mut assets = client.pages(Pager::new(SearchAssets::new(search)));
    let mut searched = 0;
    while let Some(asset) = assets.next().await {
        let asset = asset?;
        if searched < SHOWN {
            writeln!(out, "  {}  {}", asset.id, asset.original_file_name)?;
        }
        searched += 1;
    }
    writeln!(
        out,
        "search: {searched} assets, {SEARCH_PAGE_SIZE} per page"
    )?;

    Ok(Summary {
        albums: albums.len(),
        asset: upload.id,
        duplicate,
        thumbnail_bytes: thumbnail.body.len(),
        searched,
    })
}
