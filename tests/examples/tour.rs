//! A tour of immich-rs: `cargo run --example tour`.
//!
//! With no settings it starts the in-process test server (an Immich v3 stand-in from the
//! `immich-tests` package) and walks through the library with `immich-blocking`: the server's
//! version, uploads with a duplicate, albums, search, a thumbnail and part of a video. With
//! `IMMICH_URL` and `IMMICH_API_KEY` set it tours that server instead, read-only: nothing is
//! uploaded, created or changed.
//!
//! The blocking client keeps the tour a plain top-to-bottom script (no runtime, no `.await`);
//! `immich-tokio` has the same methods for async programs.

use std::error::Error;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use immich_blocking::albums::CreateAlbum;
use immich_blocking::assets::{Asset, AssetMediaSize, AssetType, BulkUploadCheckItem, ViewAsset};
use immich_blocking::proto::checksum::Sha1Checksum;
use immich_blocking::search::{MetadataSearch, SearchAssets, SmartSearch};
use immich_blocking::{AssetId, ByteRange, Client, Pager, ServerVersion, UploadOptions};
use immich_tests::{Options, TestServer};

/// What the tour may do to the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Everything, on the throwaway test server.
    Full,
    /// Only reads, on someone's real server.
    ReadOnly,
}

type Result<T> = std::result::Result<T, Box<dyn Error>>;

fn main() {
    let choice = match choose(
        std::env::var("IMMICH_URL").ok(),
        std::env::var("IMMICH_API_KEY").ok(),
    ) {
        Ok(choice) => choice,
        Err(message) => {
            eprintln!("tour: {message}");
            std::process::exit(2);
        }
    };
    let mut out = std::io::stdout().lock();
    let result = match &choice {
        Choice::ReadOnly { url, key } => {
            let _ = writeln!(out, "{}", choice.banner(url));
            Client::new(url, key)
                .map_err(Into::into)
                .and_then(|client| tour(&client, choice.mode(), &mut out))
        }
        Choice::LocalServer => {
            let server = TestServer::start(Options::v3());
            let _ = writeln!(out, "{}", choice.banner(&server.url()));
            Client::new(&server.url(), server.api_key())
                .map_err(Into::into)
                .and_then(|client| tour(&client, choice.mode(), &mut out))
        }
    };
    if let Err(e) = result {
        eprintln!("tour failed: {e}");
        std::process::exit(1);
    }
}

/// Which server the tour visits.
#[derive(Clone, PartialEq, Eq)]
pub enum Choice {
    /// No settings: start the in-process test server and run the whole tour.
    LocalServer,
    /// `IMMICH_URL` and `IMMICH_API_KEY`: a read-only tour of that server.
    ReadOnly {
        /// The server's URL.
        url: String,
        /// The API key.
        key: String,
    },
}

impl std::fmt::Debug for Choice {
    /// The key shows as `***`: it never reaches a log.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Choice::LocalServer => f.write_str("LocalServer"),
            Choice::ReadOnly { url, .. } => f
                .debug_struct("ReadOnly")
                .field("url", url)
                .field("key", &"***")
                .finish(),
        }
    }
}

impl Choice {
    /// What the tour may do there.
    pub fn mode(&self) -> Mode {
        match self {
            Choice::LocalServer => Mode::Full,
            Choice::ReadOnly { .. } => Mode::ReadOnly,
        }
    }

    /// The first line the tour prints, for the server at `url`.
    pub fn banner(&self, url: &str) -> String {
        match self {
            Choice::LocalServer => format!(
                "Started the in-process test server at {url} (an Immich v3 stand-in).\n\
                 Set IMMICH_URL and IMMICH_API_KEY to tour your own server, read-only."
            ),
            Choice::ReadOnly { .. } => format!(
                "IMMICH_URL is set: a read-only tour of {url} (nothing is uploaded, created or changed)."
            ),
        }
    }
}

/// The choice from the values of `IMMICH_URL` and `IMMICH_API_KEY` (an empty or blank value
/// counts as unset): both, or neither; one alone is an error that names the other.
pub fn choose(url: Option<String>, key: Option<String>) -> std::result::Result<Choice, String> {
    let set = |value: Option<String>| value.filter(|v| !v.trim().is_empty());
    match (set(url), set(key)) {
        (None, None) => Ok(Choice::LocalServer),
        (Some(url), Some(key)) => Ok(Choice::ReadOnly { url, key }),
        (Some(_), None) => Err(
            "IMMICH_URL is set but IMMICH_API_KEY is not: set IMMICH_API_KEY too for a \
             read-only tour of your server, or unset IMMICH_URL for the local test server"
                .to_owned(),
        ),
        (None, Some(_)) => Err(
            "IMMICH_API_KEY is set but IMMICH_URL is not: set IMMICH_URL too for a \
             read-only tour of your server, or unset IMMICH_API_KEY for the local test server"
                .to_owned(),
        ),
    }
}

/// The tour itself; prints each step to `out`. In [`Mode::ReadOnly`] a step that fails (a key
/// without some permission, a server without machine learning) is reported and the tour goes
/// on; in [`Mode::Full`] any failure ends it.
pub fn tour(client: &Client, mode: Mode, out: &mut dyn Write) -> Result<()> {
    let step = |title: &str, out: &mut dyn Write, result: Result<()>| -> Result<()> {
        match (result, mode) {
            (Ok(()), _) => Ok(()),
            (Err(e), Mode::ReadOnly) => {
                writeln!(out, "   (skipped {title}: {e})")?;
                Ok(())
            }
            (Err(e), Mode::Full) => Err(format!("{title}: {e}").into()),
        }
    };
    let scratch = Scratch::new()?;

    // GET /server/version, once: later calls speak that version's dialect. Without it there
    // is no tour, in either mode.
    let version = client
        .setup()
        .map_err(|e| format!("cannot read the server's version: {e}"))?;

    writeln!(out, "\n1. The server")?;
    let result = server(client, &version, out);
    step("the server", out, result)?;

    let mut mine = Vec::new();
    if mode == Mode::Full {
        writeln!(
            out,
            "\n2. Upload three generated images (the third repeats the first)"
        )?;
        let result = upload(client, &scratch.0, out).map(|ids| mine = ids);
        step("the upload", out, result)?;
    } else {
        // Said, so the numbering has no silent gap.
        writeln!(
            out,
            "\n2. Upload: skipped, a read-only tour uploads nothing"
        )?;
    }

    writeln!(out, "\n3. Albums")?;
    let result = albums(client, out);
    step("albums", out, result)?;

    if mode == Mode::Full {
        writeln!(out, "\n4. A new album with the uploads")?;
        let result = new_album(client, &mine, out);
        step("the new album", out, result)?;
    } else {
        writeln!(
            out,
            "\n4. A new album: skipped, a read-only tour creates nothing"
        )?;
    }

    writeln!(out, "\n5. Search")?;
    let result = search(client, mode, out);
    step("search", out, result)?;

    writeln!(out, "\n6. A thumbnail")?;
    let result = thumbnail(client, mine.first(), &scratch.0, mode, out);
    step("the thumbnail", out, result)?;

    writeln!(out, "\n7. Part of a video, with Range")?;
    let result = video(client, mine.last().filter(|_| mode == Mode::Full), out);
    step("the video", out, result)?;

    writeln!(out, "\nDone.")?;
    Ok(())
}

fn server(client: &Client, version: &ServerVersion, out: &mut dyn Write) -> Result<()> {
    writeln!(
        out,
        "   Immich v{version} at {}",
        client.server().authority()
    )?;
    let about = client.about()?;
    let build = about.build.as_deref().unwrap_or("unknown");
    writeln!(
        out,
        "   about: version {}, build {build}, licensed: {}",
        about.version, about.licensed
    )?;
    Ok(())
}

/// Uploads the three images and the video; returns the ids of the two distinct images and
/// the video.
fn upload(client: &Client, dir: &Path, out: &mut dyn Write) -> Result<Vec<AssetId>> {
    let sunrise = png(48, 32, |x, y| [255, (x * 5) as u8, (y * 3) as u8]);
    let sunset = png(48, 32, |x, y| [(y * 7) as u8, 40, (x * 5) as u8]);
    let files = [
        ("sunrise.png", &sunrise),
        ("sunset.png", &sunset),
        ("sunrise (copy).png", &sunrise),
    ];
    let mut ids: Vec<AssetId> = Vec::new();
    for (name, bytes) in files {
        let path = dir.join(name);
        std::fs::write(&path, bytes)?;
        // `checksum(true)` sends the file's SHA-1: the server can spot a duplicate early.
        let result = client.upload_path(&path, UploadOptions::new().checksum(true))?;
        if result.is_duplicate() {
            writeln!(
                out,
                "   {name:<20} {} bytes -> duplicate of {} (same SHA-1, not stored twice)",
                bytes.len(),
                result.id
            )?;
        } else {
            writeln!(
                out,
                "   {name:<20} {} bytes -> created {}",
                bytes.len(),
                result.id
            )?;
            ids.push(result.id);
        }
    }

    // What an uploader asks before sending anything: which of these does the server have?
    let items = files
        .iter()
        .map(|(name, bytes)| BulkUploadCheckItem::new(*name, Sha1Checksum::digest(bytes)))
        .collect();
    let verdicts = client.check_bulk_upload(items)?;
    let known = verdicts
        .iter()
        .filter(|v| v.duplicate_of().is_some())
        .count();
    writeln!(
        out,
        "   asked again by SHA-1 (bulk upload check): the server has {known} of 3"
    )?;

    let clip = dir.join("clip.mp4");
    std::fs::write(&clip, stand_in_video(64 * 1024))?;
    let video = client.upload_path(&clip, UploadOptions::new())?;
    writeln!(
        out,
        "   {:<20} 65536 bytes -> created {} (a stand-in: an MP4 header and filler)",
        "clip.mp4", video.id
    )?;
    ids.push(video.id);
    Ok(ids)
}

fn albums(client: &Client, out: &mut dyn Write) -> Result<()> {
    let albums = client.albums()?; // owned and shared, whatever the server version
    writeln!(out, "   {} albums", albums.len())?;
    for album in albums.iter().take(10) {
        let shared = if album.shared { ", shared" } else { "" };
        let plural = if album.asset_count == 1 { "" } else { "s" };
        writeln!(
            out,
            "   - {} ({} asset{plural}{shared})",
            album.album_name, album.asset_count
        )?;
    }
    Ok(())
}

fn new_album(client: &Client, ids: &[AssetId], out: &mut dyn Write) -> Result<()> {
    let album =
        client.create_album(CreateAlbum::new("Tour").description("made by the immich-rs tour"))?;
    writeln!(out, "   created \"{}\" ({})", album.album_name, album.id)?;
    let results = client.add_assets_to_album(album.id.clone(), ids.to_vec())?;
    let added = results.iter().filter(|r| r.success).count();
    writeln!(out, "   added {added} of {} assets", results.len())?;
    let album = client.album(album.id)?;
    writeln!(out, "   the album now holds {} assets", album.asset_count)?;
    Ok(())
}

fn search(client: &Client, mode: Mode, out: &mut dyn Write) -> Result<()> {
    // Lazy paging: only the pages needed for five assets are fetched.
    let mut first = MetadataSearch::all();
    first.size = Some(5);
    writeln!(out, "   the first five assets (metadata search, paged):")?;
    for asset in client.pages(Pager::new(SearchAssets::new(first)).with_limit(5)) {
        writeln!(out, "   - {}", describe(&asset?))?;
    }
    let favorites = client.favorites()?;
    writeln!(out, "   favorites: {}", favorites.len())?;
    if mode == Mode::Full {
        // The test server matches file names; a real one ranks by its CLIP model.
        let found = client.smart_search(SmartSearch::new("sunrise"))?;
        writeln!(
            out,
            "   smart search \"sunrise\": {} match(es)",
            found.len()
        )?;
        for asset in &found {
            writeln!(out, "   - {}", describe(asset))?;
        }
    }
    Ok(())
}

fn describe(asset: &Asset) -> String {
    format!(
        "{} {} ({})",
        asset.asset_type, asset.original_file_name, asset.id
    )
}

fn thumbnail(
    client: &Client,
    mine: Option<&AssetId>,
    dir: &Path,
    mode: Mode,
    out: &mut dyn Write,
) -> Result<()> {
    let id = match mine {
        Some(id) => id.clone(),
        None => match first_of(client, AssetType::Image)? {
            Some(asset) => asset.id,
            None => return Ok(writeln!(out, "   no image in the library")?),
        },
    };
    let thumb = client.thumbnail(id.clone(), AssetMediaSize::Thumbnail)?;
    let kind = thumb.head.content_type.as_deref().unwrap_or("unknown type");
    writeln!(
        out,
        "   thumbnail of {id}: {kind}, {} bytes",
        thumb.body.len()
    )?;
    if mode == Mode::Full {
        // Saved through a temporary file renamed at the end: never a half-written file.
        let path = dir.join("thumbnail.png");
        client.save_media(&ViewAsset::new(id).size(AssetMediaSize::Preview), &path)?;
        let len = std::fs::metadata(&path)?.len();
        writeln!(out, "   preview saved to {} ({len} bytes)", path.display())?;
    }
    Ok(())
}

fn video(client: &Client, mine: Option<&AssetId>, out: &mut dyn Write) -> Result<()> {
    let id = match mine {
        Some(id) => id.clone(),
        None => match first_of(client, AssetType::Video)? {
            Some(asset) => asset.id,
            None => return Ok(writeln!(out, "   no video in the library")?),
        },
    };
    let media = client.video_playback(id.clone(), Some(ByteRange::inclusive(0, 1023)?))?;
    let status = media.head.status;
    let range = match media.head.content_range {
        Some(r) => format!(
            "bytes {}-{} of {}",
            r.start,
            r.end,
            r.total.map_or("?".into(), |t| t.to_string())
        ),
        None => "the whole file".to_owned(),
    };
    let mut body = Vec::new();
    media.body.take(1024).read_to_end(&mut body)?;
    writeln!(
        out,
        "   video {id}: {status}, {range}, read {} bytes",
        body.len()
    )?;
    Ok(())
}

fn first_of(client: &Client, kind: AssetType) -> Result<Option<Asset>> {
    let mut search = MetadataSearch::all();
    search.asset_type = Some(kind);
    search.size = Some(1);
    let mut pages = client.pages(Pager::new(SearchAssets::new(search)).with_limit(1));
    Ok(pages.next().transpose()?)
}

/// A folder for the generated files, removed at the end.
struct Scratch(PathBuf);

impl Scratch {
    fn new() -> Result<Self> {
        let dir = std::env::temp_dir().join(format!(
            "immich-tour-{}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos())
        ));
        std::fs::create_dir_all(&dir)?;
        Ok(Scratch(dir))
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A valid RGB PNG of `width` x `height` pixels, uncompressed (deflate "stored" blocks).
pub fn png(width: u32, height: u32, pixel: impl Fn(u32, u32) -> [u8; 3]) -> Vec<u8> {
    let mut raw = Vec::new();
    for y in 0..height {
        raw.push(0); // filter: none
        for x in 0..width {
            raw.extend(pixel(x, y));
        }
    }
    let mut zlib = vec![0x78, 0x01];
    let blocks: Vec<&[u8]> = raw.chunks(65_535).collect();
    for (i, block) in blocks.iter().enumerate() {
        zlib.push(u8::from(i + 1 == blocks.len()));
        let len = block.len() as u16;
        zlib.extend(len.to_le_bytes());
        zlib.extend((!len).to_le_bytes());
        zlib.extend_from_slice(block);
    }
    zlib.extend(adler32(&raw).to_be_bytes());

    let mut header = Vec::new();
    header.extend(width.to_be_bytes());
    header.extend(height.to_be_bytes());
    header.extend([8, 2, 0, 0, 0]); // 8 bits, RGB, deflate, no filter variants, no interlace
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    for (kind, data) in [(b"IHDR", header), (b"IDAT", zlib), (b"IEND", Vec::new())] {
        png.extend((data.len() as u32).to_be_bytes());
        let start = png.len();
        png.extend_from_slice(kind);
        png.extend_from_slice(&data);
        let crc = crc32(&png[start..]);
        png.extend(crc.to_be_bytes());
    }
    png
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &byte in bytes {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

fn adler32(bytes: &[u8]) -> u32 {
    let (mut a, mut b) = (1u32, 0u32);
    for &byte in bytes {
        a = (a + u32::from(byte)) % 65_521;
        b = (b + a) % 65_521;
    }
    (b << 16) | a
}

/// `len` bytes shaped like an MP4 file: an `ftyp` box, then a `free` box of filler.
fn stand_in_video(len: usize) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(len);
    bytes.extend(24u32.to_be_bytes());
    bytes.extend_from_slice(b"ftypisom\0\0\x02\0isommp41");
    bytes.extend(((len - 24) as u32).to_be_bytes());
    bytes.extend_from_slice(b"free");
    bytes.extend((bytes.len()..len).map(|i| (i % 251) as u8));
    bytes
}
