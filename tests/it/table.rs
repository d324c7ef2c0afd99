//! The shared case table: every case (a name, a server, a call, the expected outcome) runs
//! through both transports, `immich-tokio` and `immich-blocking`, against the in-process test
//! server. Two small runners map a [`Call`] to each transport's method and normalise the answer
//! into an [`Outcome`] or a [`Failure`]; the same expectation is then checked for both.

// A normalised failure is plain data, returned once per case: its size does not matter.
#![allow(clippy::result_large_err)]

use std::path::{Path, PathBuf};
use std::time::Duration;

use immich_proto::assets::AssetMediaSize;
use immich_proto::people::GetAllPeople;
use immich_proto::search::{MetadataSearch, SearchAssets, SmartSearch};
use immich_proto::{AlbumId, AssetId, ByteRange, PersonId, TagId};
use immich_tests::server::{fixtures, Fault, LoggedRequest, Options, TestServer, Version};

/// What a successful call comes to, in terms both transports share.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Outcome {
    Text(String),
    /// Sorted.
    Names(Vec<String>),
    /// Sorted asset/album ids.
    Ids(Vec<String>),
    Count(usize),
    /// `(id, success, error)` per asset.
    Bulk(Vec<(String, bool, Option<String>)>),
    /// `(status, id)` per upload, in order.
    Uploads(Vec<(String, String)>),
    Media {
        status: u16,
        content_range: Option<String>,
        body: Vec<u8>,
    },
    Saved {
        body: Vec<u8>,
        /// Files in the download folder besides the target (temporary files must be gone).
        leftovers: Vec<String>,
    },
}

/// The broad kind of a failure, the same words for both transports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Status,
    Protocol,
    Timeout,
    Connect,
    Tls,
    Io,
    Http,
}

/// A failed call, normalised.
#[derive(Debug, Clone)]
struct Failure {
    kind: Kind,
    status: Option<u16>,
    message: String,
    correlation_id: Option<String>,
    permission: Option<String>,
    excerpt: Option<String>,
    status_code: Option<u16>,
    /// The core error's variant name (`InvalidId`, `Api`, ...), when the core reported it.
    variant: Option<String>,
    display: String,
}

impl Failure {
    fn new(kind: Kind, proto: Option<&immich_proto::Error>, display: String) -> Self {
        let api = proto.and_then(|e| e.api());
        Failure {
            kind,
            status: api.map(|a| a.status.as_u16()),
            message: api.map(|a| a.message.clone()).unwrap_or_default(),
            correlation_id: api.and_then(|a| a.correlation_id.clone()),
            permission: api.and_then(|a| a.missing_permission().map(str::to_owned)),
            excerpt: api.and_then(|a| a.excerpt.clone()),
            status_code: api.and_then(|a| a.status_code),
            variant: proto.map(|e| {
                let debug = format!("{e:?}");
                debug
                    .split(|c: char| !c.is_alphanumeric())
                    .next()
                    .unwrap_or_default()
                    .to_owned()
            }),
            display,
        }
    }
}

/// A file the runner writes before uploading it.
#[derive(Debug, Clone, Copy)]
struct FileSpec {
    name: &'static str,
    len: usize,
    seed: u8,
}

impl FileSpec {
    fn bytes(&self) -> Vec<u8> {
        (0..self.len)
            .map(|i| ((i as u64 * 31 + u64::from(self.seed)) % 251) as u8)
            .collect()
    }
}

const PHOTO: FileSpec = FileSpec {
    name: "photo.jpg",
    len: 20_000,
    seed: 1,
};
const VIDEO: FileSpec = FileSpec {
    name: "clip.mp4",
    len: 300_000,
    seed: 2,
};
/// Larger than the socket buffers, so a server that hangs up early does so mid-body.
const BIG: FileSpec = FileSpec {
    name: "big.jpg",
    len: 8 * 1024 * 1024,
    seed: 3,
};

/// What to do with an asset uploaded first.
#[derive(Debug, Clone)]
enum Then {
    Thumbnail,
    /// `video_playback` with an optional `(start, end)` range, read to the end.
    Video(Option<(u64, Option<u64>)>),
    /// `save_media` of the video playback into a file.
    SaveVideo,
}

/// The transport call a case makes.
#[derive(Debug, Clone)]
enum Call {
    Setup,
    About,
    /// `about` twice: the second answer comes from the ETag cache.
    AboutTwice,
    Storage,
    Statistics,
    VersionCheck,
    Me,
    Albums,
    AlbumsNamed(&'static str),
    /// Album name and the ids of the assets it carries.
    Album(String),
    AlbumAssets(Vec<String>),
    AddAssets(String, Vec<String>),
    Upload(FileSpec, bool),
    /// The same file twice; the second time with the server's early-close fault if asked.
    UploadTwice {
        file: FileSpec,
        checksum: bool,
        early_close_second: bool,
    },
    UploadThen(FileSpec, Then),
    Thumbnail(String),
    PersonThumbnail(String),
    People(bool),
    Person(String),
    PeopleCount,
    PeopleNamed(&'static str),
    SearchPerson(&'static str),
    Tags,
    Tag(String),
    TagsNamed(&'static str),
    Favorites,
    AllAssets,
    AssetsByAlbums(Vec<String>),
    AssetsByTags(Vec<String>),
    AssetsByPeople(Vec<String>),
    Smart(&'static str),
    /// `pages()` over all assets with a page size, optionally a limit; counts items.
    AssetPages {
        size: u32,
        limit: Option<usize>,
    },
    /// `pages()` over people (with hidden and unnamed).
    PeoplePages,
}

type LogCheck = fn(&[LoggedRequest]) -> Result<(), String>;
type OkCheck = fn(&Outcome, &TestServer) -> Result<(), String>;
type ErrCheck = fn(&Failure, &TestServer) -> Result<(), String>;

enum Expect {
    Is(Outcome),
    Ok(OkCheck),
    Fails(ErrCheck),
}

struct Case {
    name: &'static str,
    server: Options,
    /// Faults to switch on after setup.
    faults: Vec<(Option<http::Method>, &'static str, Fault)>,
    setup: bool,
    wrong_key: bool,
    read_timeout: Option<Duration>,
    call: Call,
    expect: Expect,
    log: Option<LogCheck>,
}

fn case(name: &'static str, call: Call, expect: Expect) -> Case {
    Case {
        name,
        server: Options::v3(),
        faults: Vec::new(),
        setup: true,
        wrong_key: false,
        read_timeout: None,
        call,
        expect,
        log: None,
    }
}

impl Case {
    fn on(mut self, server: Options) -> Self {
        self.server = server;
        self
    }
    fn fault(mut self, method: Option<http::Method>, path: &'static str, fault: Fault) -> Self {
        self.faults.push((method, path, fault));
        self
    }
    fn no_setup(mut self) -> Self {
        self.setup = false;
        self
    }
    fn wrong_key(mut self) -> Self {
        self.wrong_key = true;
        self
    }
    fn read_timeout(mut self, timeout: Duration) -> Self {
        self.read_timeout = Some(timeout);
        self
    }
    fn log(mut self, check: LogCheck) -> Self {
        self.log = Some(check);
        self
    }
}

fn old() -> Options {
    Options::old(Version::V1_118)
}

fn names(list: &[&str]) -> Outcome {
    let mut v: Vec<String> = list.iter().map(|s| (*s).to_owned()).collect();
    v.sort();
    Outcome::Names(v)
}

fn ids(list: Vec<String>) -> Outcome {
    let mut list = list;
    list.sort();
    Outcome::Ids(list)
}

fn ensure(ok: bool, what: impl FnOnce() -> String) -> Result<(), String> {
    if ok {
        Ok(())
    } else {
        Err(what())
    }
}

fn lines(log: &[LoggedRequest]) -> Vec<String> {
    log.iter().map(LoggedRequest::line).collect()
}

fn uploaded_file(server: &TestServer, spec: FileSpec) -> Result<(), String> {
    let stored = server
        .asset_ids()
        .into_iter()
        .filter_map(|id| server.asset_bytes(&id))
        .any(|bytes| bytes[..] == spec.bytes()[..]);
    ensure(stored, || {
        format!("{} is not stored byte for byte", spec.name)
    })
}

fn drop_is_an_error(f: &Failure, _: &TestServer) -> Result<(), String> {
    // The same kind through both transports.
    ensure(f.kind == Kind::Io, || {
        format!("a connection dropped mid-body must be an I/O error, got {f:?}")
    })
}

fn is_timeout(f: &Failure, _: &TestServer) -> Result<(), String> {
    ensure(f.kind == Kind::Timeout, || {
        format!("expected a timeout, got {f:?}")
    })
}

fn invalid_id(f: &Failure, _: &TestServer) -> Result<(), String> {
    ensure(
        f.kind == Kind::Protocol && f.variant.as_deref() == Some("InvalidId"),
        || format!("expected the core's InvalidId, got {f:?}"),
    )
}

fn log_is_empty(log: &[LoggedRequest]) -> Result<(), String> {
    ensure(log.is_empty(), || {
        format!("no request may be sent, got {:?}", lines(log))
    })
}

/// The table. Ids are the server's fixtures.
fn cases() -> Vec<Case> {
    use fixtures::*;
    let post = Some(http::Method::POST);
    vec![
        // --- setup and server information
        case("setup reads v3.0.0", Call::Setup, Expect::Is(Outcome::Text("3.0.0".into())))
            .no_setup()
            .log(|log| ensure(lines(log) == ["GET /api/server/version"], || format!("{:?}", lines(log)))),
        case("setup reads v1.118.2", Call::Setup, Expect::Is(Outcome::Text("1.118.2".into())))
            .on(old())
            .no_setup(),
        case("setup reads v2.3.1", Call::Setup, Expect::Is(Outcome::Text("2.3.1".into())))
            .on(Options::old(Version::V2))
            .no_setup(),
        case("about", Call::About, Expect::Is(Outcome::Text("v3.0.0".into()))),
        case("storage", Call::Storage, Expect::Is(Outcome::Text("100.0 GiB".into()))),
        case("statistics count photos", Call::Statistics, Expect::Is(Outcome::Count(3))),
        case("version check", Call::VersionCheck, Expect::Is(Outcome::Text("v3.0.1".into()))),
        case("me", Call::Me, Expect::Is(Outcome::Text("test@example.com".into()))),
        case("me on v1.118", Call::Me, Expect::Is(Outcome::Text("test@example.com".into()))).on(old()),
        // --- albums
        case("albums on v3: one plain request", Call::Albums, Expect::Is(names(&["Family", "From Bob", "Holidays"])))
            .log(|log| ensure(lines(log) == ["GET /api/albums"], || format!("{:?}", lines(log)))),
        case("albums on v1.118: shared=false + shared=true merged", Call::Albums, Expect::Is(names(&["Family", "From Bob", "Holidays"])))
            .on(old())
            .log(|log| {
                let mut l = lines(log);
                l.sort();
                ensure(l == ["GET /api/albums?shared=false", "GET /api/albums?shared=true"], || format!("{l:?}"))
            }),
        case("albums on v2.3.1: merged too", Call::Albums, Expect::Is(names(&["Family", "From Bob", "Holidays"])))
            .on(Options::old(Version::V2)),
        case("albums named (case-insensitive)", Call::AlbumsNamed("FAM"), Expect::Is(names(&["Family"]))),
        case("album info on v3 carries no assets", Call::Album(album_holidays()), Expect::Is(Outcome::Names(vec!["Holidays".into(), "count=1".into()]))),
        case("album info on v1.118 carries its assets", Call::Album(album_from_bob()),
             Expect::Is(Outcome::Names(vec!["From Bob".into(), "count=1".into(), asset_bob()]))).on(old()),
        case("album assets on v3: search by albumIds", Call::AlbumAssets(vec![album_holidays(), album_family()]),
             Expect::Is(ids(vec![asset_beach(), asset_family()])))
            .log(|log| ensure(log.iter().all(|r| r.path == "/api/search/metadata"), || format!("{:?}", lines(log)))),
        case("album assets on v1.118: GET /albums/{id} each", Call::AlbumAssets(vec![album_holidays(), album_family()]),
             Expect::Is(ids(vec![asset_beach(), asset_family()])))
            .on(old())
            .log(|log| ensure(log.len() == 2 && log.iter().all(|r| r.path.starts_with("/api/albums/")), || format!("{:?}", lines(log)))),
        case("add assets: one new, one duplicate, one unknown",
             Call::AddAssets(album_holidays(), vec![asset_beach(), asset_family(), asset_missing()]),
             Expect::Is(Outcome::Bulk(vec![
                 (asset_beach(), false, Some("duplicate".into())),
                 (asset_family(), true, None),
                 (asset_missing(), false, Some("not_found".into())),
             ]))),
        // --- uploads
        case("upload: created, then duplicate by checksum",
             Call::UploadTwice { file: PHOTO, checksum: true, early_close_second: false },
             Expect::Ok(|o, s| {
                 let Outcome::Uploads(u) = o else { return Err(format!("{o:?}")) };
                 ensure(u.len() == 2 && u[0].0 == "created" && u[1].0 == "duplicate" && u[0].1 == u[1].1, || format!("{u:?}"))?;
                 uploaded_file(s, PHOTO)
             }))
            .log(|log| ensure(log.len() == 2 && log.iter().all(|r| r.header("x-immich-checksum").is_some()), || "both uploads send x-immich-checksum".into())),
        case("upload: created, then duplicate by content",
             Call::UploadTwice { file: PHOTO, checksum: false, early_close_second: false },
             Expect::Ok(|o, _| {
                 let Outcome::Uploads(u) = o else { return Err(format!("{o:?}")) };
                 ensure(u.len() == 2 && u[0].0 == "created" && u[1].0 == "duplicate" && u[0].1 == u[1].1, || format!("{u:?}"))
             }))
            .log(|log| {
                let upload = log.last().and_then(|r| r.upload.clone()).ok_or("no upload parsed")?;
                let fields: Vec<&str> = upload.fields.iter().map(|(k, _)| k.as_str()).collect();
                ensure(fields.contains(&"fileCreatedAt") && !fields.contains(&"deviceId"), || format!("v3 fields: {fields:?}"))
            }),
        case("upload: early close on a duplicate still reads as duplicate",
             Call::UploadTwice { file: BIG, checksum: true, early_close_second: true },
             Expect::Ok(|o, _| {
                 let Outcome::Uploads(u) = o else { return Err(format!("{o:?}")) };
                 ensure(u.len() == 2 && u[0].0 == "created" && u[1].0 == "duplicate" && u[0].1 == u[1].1, || format!("{u:?}"))
             }))
            .log(|log| ensure(log.last().is_some_and(|r| r.upload.is_none()), || "the second body must be unread".into())),
        case("upload on v1.118 sends deviceAssetId and deviceId", Call::Upload(PHOTO, false),
             Expect::Ok(|o, s| {
                 let Outcome::Uploads(u) = o else { return Err(format!("{o:?}")) };
                 ensure(u[0].0 == "created", || format!("{u:?}"))?;
                 uploaded_file(s, PHOTO)
             }))
            .on(old())
            .log(|log| {
                let upload = log.last().and_then(|r| r.upload.clone()).ok_or("no upload parsed")?;
                let fields: Vec<&str> = upload.fields.iter().map(|(k, _)| k.as_str()).collect();
                ensure(fields.contains(&"deviceAssetId") && fields.contains(&"deviceId"), || format!("{fields:?}"))
            }),
        case("upload without asset.upload: 403 names the permission", Call::Upload(PHOTO, false),
             Expect::Fails(|f, _| ensure(f.status == Some(403) && f.permission.as_deref() == Some("asset.upload"), || format!("{f:?}"))))
            .on(Options::v3().deny_permission("asset.upload")),
        case("upload through a proxy answering 413 (HTML)", Call::Upload(BIG, false),
             Expect::Fails(|f, _| ensure(
                 f.kind == Kind::Status && f.status == Some(413) && f.excerpt.as_deref().is_some_and(|e| e.contains("413 Request Entity Too Large")),
                 || format!("{f:?}"))))
            .fault(post.clone(), "/assets", Fault::PayloadTooLargeHtml),
        case("upload through a proxy answering 413 (empty)", Call::Upload(BIG, false),
             Expect::Fails(|f, _| ensure(f.kind == Kind::Status && f.status == Some(413) && f.excerpt.is_none(), || format!("{f:?}"))))
            .fault(post.clone(), "/assets", Fault::PayloadTooLargeEmpty),
        // --- media
        case("thumbnail bytes equal the upload", Call::UploadThen(PHOTO, Then::Thumbnail),
             Expect::Ok(|o, _| match o {
                 Outcome::Media { status: 200, body, .. } if *body == PHOTO.bytes() => Ok(()),
                 other => Err(format!("{:?}", short(other))),
             })),
        case("video whole", Call::UploadThen(VIDEO, Then::Video(None)),
             Expect::Ok(|o, _| match o {
                 Outcome::Media { status: 200, body, .. } if *body == VIDEO.bytes() => Ok(()),
                 other => Err(format!("{:?}", short(other))),
             })),
        case("video Range: 206 with those bytes", Call::UploadThen(VIDEO, Then::Video(Some((1000, Some(1999))))),
             Expect::Ok(|o, _| match o {
                 Outcome::Media { status: 206, content_range: Some(cr), body }
                     if cr == "bytes 1000-1999/300000" && *body == VIDEO.bytes()[1000..2000] => Ok(()),
                 other => Err(format!("{:?}", short(other))),
             }))
            .log(|log| ensure(log.last().and_then(|r| r.header("range")) == Some("bytes=1000-1999"), || "Range header".into())),
        case("video Range from an offset to the end", Call::UploadThen(VIDEO, Then::Video(Some((299_990, None)))),
             Expect::Ok(|o, _| match o {
                 Outcome::Media { status: 206, body, .. } if *body == VIDEO.bytes()[299_990..] => Ok(()),
                 other => Err(format!("{:?}", short(other))),
             })),
        case("video Range past the end: 416", Call::UploadThen(VIDEO, Then::Video(Some((400_000, None)))),
             Expect::Fails(|f, _| ensure(f.kind == Kind::Status && f.status == Some(416), || format!("{f:?}")))),
        case("save video to a file (temp + rename)", Call::UploadThen(VIDEO, Then::SaveVideo),
             Expect::Ok(|o, _| match o {
                 Outcome::Saved { body, leftovers } if *body == VIDEO.bytes() && leftovers.is_empty() => Ok(()),
                 other => Err(format!("{:?}", short(other))),
             })),
        case("person thumbnail", Call::PersonThumbnail(person(1)),
             Expect::Ok(|o, _| match o {
                 Outcome::Media { status: 200, body, .. } if body.ends_with(&[0xFF, 0xD9]) && body.len() > 10 => Ok(()),
                 other => Err(format!("{:?}", short(other))),
             })),
        // --- people, tags, search
        case("people: every page, named only", Call::People(false),
             Expect::Ok(|o, _| ensure(matches!(o, Outcome::Names(n) if n.len() == 9 && !n.iter().any(String::is_empty)), || format!("{o:?}"))))
            .on(Options::v3().page_cap(4))
            .log(|log| ensure(log.len() == 3, || format!("three pages of 4: {:?}", lines(log)))),
        case("people: with unnamed", Call::People(true),
             Expect::Ok(|o, _| ensure(matches!(o, Outcome::Names(n) if n.len() == 11), || format!("{o:?}"))))
            .on(Options::v3().page_cap(4)),
        case("people pages (with hidden), lazily", Call::PeoplePages, Expect::Is(Outcome::Count(12)))
            .on(Options::v3().page_cap(5)),
        case("person by id", Call::Person(person(2)), Expect::Is(Outcome::Text("Person 02".into()))),
        case("people count", Call::PeopleCount, Expect::Is(Outcome::Count(11))),
        case("people named", Call::PeopleNamed("person 1"), Expect::Is(names(&["Person 11", "Person 12"]))),
        case("search person", Call::SearchPerson("Person 0"),
             Expect::Ok(|o, _| ensure(matches!(o, Outcome::Names(n) if n.len() == 7), || format!("{o:?}")))),
        case("tags", Call::Tags, Expect::Is(names(&["Pets", "Places", "Places/Beach"]))),
        case("tag by id", Call::Tag(tag(2)), Expect::Is(Outcome::Text("Places/Beach".into()))),
        case("tags named", Call::TagsNamed("beach"), Expect::Is(names(&["Places/Beach"]))),
        case("favorites", Call::Favorites, Expect::Is(ids(vec![asset_beach()]))),
        case("all assets", Call::AllAssets, Expect::Is(ids(vec![asset_beach(), asset_family(), asset_bob()]))),
        case("assets by albums", Call::AssetsByAlbums(vec![album_family()]), Expect::Is(ids(vec![asset_family()]))),
        case("assets by tags", Call::AssetsByTags(vec![tag(2)]), Expect::Is(ids(vec![asset_beach()]))),
        case("assets by people", Call::AssetsByPeople(vec![person(1)]), Expect::Is(ids(vec![asset_family()]))),
        case("smart search", Call::Smart("beach"), Expect::Is(ids(vec![asset_beach()]))),
        case("smart search is one page (a ranked search never really ends)", Call::Smart("extra"),
             Expect::Ok(|o, _| ensure(matches!(o, Outcome::Ids(ids) if ids.len() == 4), || format!("{o:?}"))))
            .on(Options::v3().extra_assets(10).page_cap(4))
            .log(|log| ensure(log.len() == 1, || format!("one request: {:?}", lines(log)))),
        case("pages to the end", Call::AssetPages { size: 4, limit: None }, Expect::Is(Outcome::Count(13)))
            .on(Options::v3().extra_assets(10))
            .log(|log| ensure(log.len() == 4, || format!("4 pages of 4: {:?}", lines(log)))),
        case("pages with a limit stop early", Call::AssetPages { size: 4, limit: Some(5) }, Expect::Is(Outcome::Count(5)))
            .on(Options::v3().extra_assets(10))
            .log(|log| ensure(log.len() == 2, || format!("2 pages for 5 items: {:?}", lines(log)))),
        // --- ETag cache
        case("ETag: 200 then 304 answered from the cache", Call::AboutTwice,
             Expect::Is(Outcome::Names(vec!["v3.0.0".into(), "v3.0.0".into()])))
            .log(|log| ensure(
                log.len() == 2 && log[0].header("if-none-match").is_none()
                    && log[1].header("if-none-match").is_some()
                    && log[1].status == Some(http::StatusCode::NOT_MODIFIED),
                || format!("{:?}", log.iter().map(|r| (r.line(), r.header("if-none-match").map(str::to_owned), r.status)).collect::<Vec<_>>()))),
        // --- error answers
        case("error body v3: status, message, correlation id from the header", Call::Album(album_missing()),
             Expect::Fails(|f, s| {
                 let cid = s.requests().last().map(|r| r.correlation_id.clone());
                 ensure(f.kind == Kind::Status && f.status == Some(400) && f.message == "Not found or no album.read access"
                        && f.correlation_id == cid && f.status_code.is_none(), || format!("{f:?} vs {cid:?}"))
             })),
        case("error body v2: status, message, error, statusCode, correlation id", Call::Album(album_missing()),
             Expect::Fails(|f, s| {
                 let cid = s.requests().last().map(|r| r.correlation_id.clone());
                 ensure(f.kind == Kind::Status && f.status == Some(400) && f.message == "Not found or no album.read access"
                        && f.correlation_id == cid && f.status_code == Some(400), || format!("{f:?} vs {cid:?}"))
             }))
            .on(old()),
        case("401 with a wrong key", Call::Me,
             Expect::Fails(|f, _| ensure(f.kind == Kind::Status && f.status == Some(401) && f.message == "Invalid API key", || format!("{f:?}"))))
            .wrong_key(),
        case("403 names the missing permission", Call::Me,
             Expect::Fails(|f, _| ensure(f.status == Some(403) && f.permission.as_deref() == Some("user.read") && f.display.contains("user.read"), || format!("{f:?}"))))
            .on(Options::v3().deny_permission("user.read")),
        case("500 in the Immich shape", Call::Tags,
             Expect::Fails(|f, _| ensure(f.status == Some(500) && f.message == "Internal failure", || format!("{f:?}"))))
            .fault(None, "/tags", Fault::Status(500, "Internal failure".into())),
        case("HTML 502 from a proxy is a typed error with an excerpt", Call::About,
             Expect::Fails(|f, _| ensure(
                 f.kind == Kind::Status && f.status == Some(502) && f.excerpt.as_deref().is_some_and(|e| e.contains("502 Bad Gateway")),
                 || format!("{f:?}"))))
            .fault(None, "/server/about", Fault::BadGatewayHtml),
        // --- broken connections
        case("connection dropped mid-body (JSON) is an error", Call::About, Expect::Fails(drop_is_an_error))
            .fault(None, "/server/about", Fault::DropMidBody),
        case("connection dropped mid-body (paged JSON) is an error", Call::AllAssets, Expect::Fails(drop_is_an_error))
            .fault(None, "/search/metadata", Fault::DropMidBody),
        case("connection dropped mid-body (video) is an error", Call::UploadThen(VIDEO, Then::Video(None)), Expect::Fails(drop_is_an_error))
            .fault(None, "/assets/*", Fault::DropMidBody),
        case("connection dropped mid-body (save) leaves no file", Call::UploadThen(VIDEO, Then::SaveVideo), Expect::Fails(drop_is_an_error))
            .fault(Some(http::Method::GET), "/assets/*", Fault::DropMidBody),
        case("a stalled server is a timeout", Call::About, Expect::Fails(is_timeout))
            .fault(None, "/server/about", Fault::StallBeforeHead)
            .read_timeout(Duration::from_millis(400)),
        case("a body that stalls is a timeout", Call::UploadThen(VIDEO, Then::Video(None)), Expect::Fails(is_timeout))
            .fault(Some(http::Method::GET), "/assets/*", Fault::StallMidBody)
            .read_timeout(Duration::from_millis(400)),
        // --- ids checked before any request
        case("a bad album id is refused before any request", Call::Album("../admin".into()), Expect::Fails(invalid_id))
            .log(log_is_empty),
        case("a non-v4 UUID is refused for a v3 server", Call::Thumbnail("01890a5d-ac96-774b-bcce-b302099a8057".into()), Expect::Fails(invalid_id))
            .log(log_is_empty),
        case("a bad tag id is refused before any request", Call::Tag("".into()), Expect::Fails(invalid_id))
            .log(log_is_empty),
        case("a bad id in a list is refused before any request", Call::AddAssets(album_holidays(), vec!["x/../y".into()]), Expect::Fails(invalid_id))
            .log(log_is_empty),
    ]
}

/// Media bodies shortened for messages.
fn short(outcome: &Outcome) -> String {
    match outcome {
        Outcome::Media {
            status,
            content_range,
            body,
        } => format!(
            "Media {{ status: {status}, content_range: {content_range:?}, len: {} }}",
            body.len()
        ),
        Outcome::Saved { body, leftovers } => {
            format!("Saved {{ len: {}, leftovers: {leftovers:?} }}", body.len())
        }
        other => format!("{other:?}"),
    }
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

fn leftovers(dir: &Path, target: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p != target && p.file_name().is_some_and(|n| n != "upload"))
                .map(|p| p.display().to_string())
                .collect()
        })
        .unwrap_or_default()
}

/// A scratch folder per case and transport, removed afterwards.
struct Scratch(PathBuf);

impl Scratch {
    fn new(transport: &str, index: usize) -> Self {
        let dir = std::env::temp_dir().join(format!(
            "immich-table-{}-{transport}-{index}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("upload")).expect("scratch dir");
        Scratch(dir)
    }
    fn write(&self, spec: FileSpec) -> PathBuf {
        let path = self.0.join("upload").join(spec.name);
        std::fs::write(&path, spec.bytes()).expect("write upload file");
        path
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

mod tokio_runner {
    use super::*;
    use immich_tokio::{Client, Error, ErrorKind, UploadOptions};

    fn failure(e: Error) -> Failure {
        let kind = match e.kind() {
            ErrorKind::Status => Kind::Status,
            ErrorKind::Protocol => Kind::Protocol,
            ErrorKind::Timeout => Kind::Timeout,
            ErrorKind::Connect => Kind::Connect,
            ErrorKind::Tls => Kind::Tls,
            ErrorKind::Io => Kind::Io,
            _ => Kind::Http,
        };
        Failure::new(kind, e.proto(), e.to_string())
    }

    pub(super) fn run(
        case: &Case,
        server: &TestServer,
        scratch: &Scratch,
    ) -> Result<Outcome, Failure> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        runtime.block_on(async { call(case, server, scratch).await.map_err(failure) })
    }

    async fn read_media(
        media: immich_tokio::Media<immich_tokio::MediaBody>,
    ) -> Result<Outcome, Error> {
        let status = media.head.status.as_u16();
        let content_range = media.head.content_range.map(|r| match r.total {
            Some(total) => format!("bytes {}-{}/{total}", r.start, r.end),
            None => format!("bytes {}-{}/*", r.start, r.end),
        });
        let body = media.body.bytes(1 << 30).await?;
        Ok(Outcome::Media {
            status,
            content_range,
            body: body.to_vec(),
        })
    }

    async fn upload(
        client: &Client,
        scratch: &Scratch,
        file: FileSpec,
        checksum: bool,
    ) -> Result<(String, String), Error> {
        let path = scratch.write(file);
        let result = client
            .upload_path(&path, UploadOptions::default().checksum(checksum))
            .await?;
        Ok((result.status.to_string(), result.id.to_string()))
    }

    async fn call(case: &Case, server: &TestServer, scratch: &Scratch) -> Result<Outcome, Error> {
        let key = if case.wrong_key {
            "wrong-key"
        } else {
            server.api_key()
        };
        let mut builder = Client::builder(&server.url())
            .api_key(key)
            .etag_cache(64, 1 << 20);
        if let Some(timeout) = case.read_timeout {
            builder = builder.read_timeout(timeout);
        }
        let client = builder.build()?;
        if case.setup {
            client.setup().await?;
        }
        server.clear_requests();
        for (method, path, fault) in &case.faults {
            server.fault(method.clone(), path, fault.clone());
        }
        let asset_ids = |list: &[String]| {
            list.iter()
                .map(|id| AssetId::new_unchecked(id.as_str()))
                .collect::<Vec<_>>()
        };
        let album_ids = |list: &[String]| {
            list.iter()
                .map(|id| AlbumId::new_unchecked(id.as_str()))
                .collect::<Vec<_>>()
        };
        let asset_outcome = |assets: Vec<immich_proto::assets::Asset>| {
            ids(assets.into_iter().map(|a| a.id.to_string()).collect())
        };
        Ok(match &case.call {
            Call::Setup => Outcome::Text(client.setup().await?.to_string()),
            Call::About => Outcome::Text(client.about().await?.version),
            Call::AboutTwice => Outcome::Names(vec![
                client.about().await?.version,
                client.about().await?.version,
            ]),
            Call::Storage => Outcome::Text(client.storage().await?.disk_size),
            Call::Statistics => Outcome::Count(client.statistics().await?.photos as usize),
            Call::VersionCheck => Outcome::Text(
                client
                    .version_check()
                    .await?
                    .release_version
                    .unwrap_or_default(),
            ),
            Call::Me => Outcome::Text(client.me().await?.email),
            Call::Albums => Outcome::Names(sorted(
                client
                    .albums()
                    .await?
                    .into_iter()
                    .map(|a| a.album_name)
                    .collect(),
            )),
            Call::AlbumsNamed(name) => Outcome::Names(sorted(
                client
                    .albums_named(name)
                    .await?
                    .into_iter()
                    .map(|a| a.album_name)
                    .collect(),
            )),
            Call::Album(id) => {
                let album = client.album(AlbumId::new_unchecked(id.as_str())).await?;
                let mut out = vec![album.album_name, format!("count={}", album.asset_count)];
                out.extend(album.assets.into_iter().map(|a| a.id.to_string()));
                Outcome::Names(out)
            }
            Call::AlbumAssets(list) => asset_outcome(client.album_assets(album_ids(list)).await?),
            Call::AddAssets(album, list) => Outcome::Bulk(
                client
                    .add_assets_to_album(AlbumId::new_unchecked(album.as_str()), asset_ids(list))
                    .await?
                    .into_iter()
                    .map(|r| (r.id, r.success, r.error.map(|e| e.to_string())))
                    .collect(),
            ),
            Call::Upload(file, checksum) => {
                Outcome::Uploads(vec![upload(&client, scratch, *file, *checksum).await?])
            }
            Call::UploadTwice {
                file,
                checksum,
                early_close_second,
            } => {
                let first = upload(&client, scratch, *file, *checksum).await?;
                if *early_close_second {
                    server.fault(
                        Some(http::Method::POST),
                        "/assets",
                        Fault::EarlyCloseDuplicate,
                    );
                }
                let second = upload(&client, scratch, *file, *checksum).await?;
                Outcome::Uploads(vec![first, second])
            }
            Call::UploadThen(file, then) => {
                // The upload itself must not meet the faults meant for the download.
                let faults = server_faults(case);
                server.clear_faults();
                let (_, id) = upload(&client, scratch, *file, false).await?;
                for (method, path, fault) in faults {
                    server.fault(method, path, fault);
                }
                let id = AssetId::new_unchecked(id);
                match then {
                    Then::Thumbnail => {
                        let media = client.thumbnail(id, AssetMediaSize::Thumbnail).await?;
                        Outcome::Media {
                            status: media.head.status.as_u16(),
                            content_range: None,
                            body: media.body.to_vec(),
                        }
                    }
                    Then::Video(range) => {
                        let range = range.map(|(start, end)| match end {
                            Some(end) => ByteRange::inclusive(start, end).expect("range"),
                            None => ByteRange::from(start),
                        });
                        read_media(client.video_playback(id, range).await?).await?
                    }
                    Then::SaveVideo => {
                        let target = scratch.0.join("saved.mp4");
                        let saved = client
                            .save_media(&immich_proto::assets::PlayAssetVideo::new(id), &target)
                            .await;
                        let left = leftovers(&scratch.0, &target);
                        if let Err(e) = saved {
                            if !left.is_empty() || target.exists() {
                                panic!("a failed save left files behind: {left:?}");
                            }
                            return Err(e);
                        }
                        Outcome::Saved {
                            body: std::fs::read(&target).unwrap_or_default(),
                            leftovers: left,
                        }
                    }
                }
            }
            Call::Thumbnail(id) => {
                let media = client
                    .thumbnail(
                        AssetId::new_unchecked(id.as_str()),
                        AssetMediaSize::Thumbnail,
                    )
                    .await?;
                Outcome::Media {
                    status: media.head.status.as_u16(),
                    content_range: None,
                    body: media.body.to_vec(),
                }
            }
            Call::PersonThumbnail(id) => {
                let media = client
                    .person_thumbnail(PersonId::new_unchecked(id.as_str()))
                    .await?;
                Outcome::Media {
                    status: media.head.status.as_u16(),
                    content_range: None,
                    body: media.body.to_vec(),
                }
            }
            Call::People(unnamed) => Outcome::Names(sorted(
                client
                    .people(*unnamed)
                    .await?
                    .into_iter()
                    .map(|p| p.name)
                    .collect(),
            )),
            Call::Person(id) => Outcome::Text(
                client
                    .person(PersonId::new_unchecked(id.as_str()))
                    .await?
                    .name,
            ),
            Call::PeopleCount => Outcome::Count(client.people_count().await? as usize),
            Call::PeopleNamed(name) => Outcome::Names(sorted(
                client
                    .people_named(name)
                    .await?
                    .into_iter()
                    .map(|p| p.name)
                    .collect(),
            )),
            Call::SearchPerson(name) => Outcome::Names(sorted(
                client
                    .search_person(name)
                    .await?
                    .into_iter()
                    .map(|p| p.name)
                    .collect(),
            )),
            Call::Tags => Outcome::Names(sorted(
                client.tags().await?.into_iter().map(|t| t.value).collect(),
            )),
            Call::Tag(id) => {
                Outcome::Text(client.tag(TagId::new_unchecked(id.as_str())).await?.value)
            }
            Call::TagsNamed(name) => Outcome::Names(sorted(
                client
                    .tags_named(name)
                    .await?
                    .into_iter()
                    .map(|t| t.value)
                    .collect(),
            )),
            Call::Favorites => asset_outcome(client.favorites().await?),
            Call::AllAssets => asset_outcome(client.all_assets().await?),
            Call::AssetsByAlbums(list) => {
                asset_outcome(client.assets_by_albums(album_ids(list)).await?)
            }
            Call::AssetsByTags(list) => asset_outcome(
                client
                    .assets_by_tags(
                        list.iter()
                            .map(|id| TagId::new_unchecked(id.as_str()))
                            .collect(),
                    )
                    .await?,
            ),
            Call::AssetsByPeople(list) => asset_outcome(
                client
                    .assets_by_people(
                        list.iter()
                            .map(|id| PersonId::new_unchecked(id.as_str()))
                            .collect(),
                    )
                    .await?,
            ),
            Call::Smart(query) => {
                asset_outcome(client.smart_search(SmartSearch::new(*query)).await?)
            }
            Call::AssetPages { size, limit } => {
                use futures_util::StreamExt;
                let mut search = MetadataSearch::all();
                search.size = Some(*size);
                let mut pager = immich_proto::Pager::new(SearchAssets::new(search));
                if let Some(limit) = limit {
                    pager = pager.with_limit(*limit);
                }
                let mut stream = client.pages(pager);
                let mut count = 0;
                while let Some(item) = stream.next().await {
                    item?;
                    count += 1;
                }
                Outcome::Count(count)
            }
            Call::PeoplePages => {
                use futures_util::StreamExt;
                let pager = immich_proto::Pager::new(
                    GetAllPeople::new().with_hidden(true).include_unnamed(true),
                );
                let mut stream = client.pages(pager);
                let mut count = 0;
                while let Some(item) = stream.next().await {
                    item?;
                    count += 1;
                }
                Outcome::Count(count)
            }
        })
    }
}

mod blocking_runner {
    use std::io::Read;

    use super::*;
    use immich_blocking::{Client, Error, ErrorKind, UploadOptions};

    fn failure(e: Error) -> Failure {
        let kind = match e.kind() {
            ErrorKind::Status => Kind::Status,
            ErrorKind::Protocol => Kind::Protocol,
            ErrorKind::Timeout => Kind::Timeout,
            ErrorKind::Connect => Kind::Connect,
            ErrorKind::Tls => Kind::Tls,
            ErrorKind::Io => Kind::Io,
            _ => Kind::Http,
        };
        Failure::new(kind, e.proto(), e.to_string())
    }

    pub(super) fn run(
        case: &Case,
        server: &TestServer,
        scratch: &Scratch,
    ) -> Result<Outcome, Failure> {
        call(case, server, scratch).map_err(failure)
    }

    fn read_media(
        media: immich_blocking::Media<immich_blocking::MediaBody>,
    ) -> Result<Outcome, Error> {
        let status = media.head.status.as_u16();
        let content_range = media.head.content_range.map(|r| match r.total {
            Some(total) => format!("bytes {}-{}/{total}", r.start, r.end),
            None => format!("bytes {}-{}/*", r.start, r.end),
        });
        let mut body = Vec::new();
        let mut reader = media.body;
        reader
            .read_to_end(&mut body)
            .map_err(|e| Error::from(immich_blocking::ureq::Error::from(e)))?;
        Ok(Outcome::Media {
            status,
            content_range,
            body,
        })
    }

    fn upload(
        client: &Client,
        scratch: &Scratch,
        file: FileSpec,
        checksum: bool,
    ) -> Result<(String, String), Error> {
        let path = scratch.write(file);
        let result = client.upload_path(&path, UploadOptions::new().checksum(checksum))?;
        Ok((result.status.to_string(), result.id.to_string()))
    }

    fn call(case: &Case, server: &TestServer, scratch: &Scratch) -> Result<Outcome, Error> {
        let key = if case.wrong_key {
            "wrong-key"
        } else {
            server.api_key()
        };
        let mut builder = Client::builder(&server.url())
            .api_key(key)
            .etag_cache(64, 1 << 20);
        if let Some(timeout) = case.read_timeout {
            builder = builder.read_timeout(timeout);
        }
        let client = builder.build()?;
        if case.setup {
            client.setup()?;
        }
        server.clear_requests();
        for (method, path, fault) in &case.faults {
            server.fault(method.clone(), path, fault.clone());
        }
        let asset_ids = |list: &[String]| {
            list.iter()
                .map(|id| AssetId::new_unchecked(id.as_str()))
                .collect::<Vec<_>>()
        };
        let album_ids = |list: &[String]| {
            list.iter()
                .map(|id| AlbumId::new_unchecked(id.as_str()))
                .collect::<Vec<_>>()
        };
        let asset_outcome = |assets: Vec<immich_proto::assets::Asset>| {
            ids(assets.into_iter().map(|a| a.id.to_string()).collect())
        };
        Ok(match &case.call {
            Call::Setup => Outcome::Text(client.setup()?.to_string()),
            Call::About => Outcome::Text(client.about()?.version),
            Call::AboutTwice => {
                Outcome::Names(vec![client.about()?.version, client.about()?.version])
            }
            Call::Storage => Outcome::Text(client.storage()?.disk_size),
            Call::Statistics => Outcome::Count(client.statistics()?.photos as usize),
            Call::VersionCheck => {
                Outcome::Text(client.version_check()?.release_version.unwrap_or_default())
            }
            Call::Me => Outcome::Text(client.me()?.email),
            Call::Albums => Outcome::Names(sorted(
                client.albums()?.into_iter().map(|a| a.album_name).collect(),
            )),
            Call::AlbumsNamed(name) => Outcome::Names(sorted(
                client
                    .albums_named(name)?
                    .into_iter()
                    .map(|a| a.album_name)
                    .collect(),
            )),
            Call::Album(id) => {
                let album = client.album(AlbumId::new_unchecked(id.as_str()))?;
                let mut out = vec![album.album_name, format!("count={}", album.asset_count)];
                out.extend(album.assets.into_iter().map(|a| a.id.to_string()));
                Outcome::Names(out)
            }
            Call::AlbumAssets(list) => asset_outcome(client.album_assets(album_ids(list))?),
            Call::AddAssets(album, list) => Outcome::Bulk(
                client
                    .add_assets_to_album(AlbumId::new_unchecked(album.as_str()), asset_ids(list))?
                    .into_iter()
                    .map(|r| (r.id, r.success, r.error.map(|e| e.to_string())))
                    .collect(),
            ),
            Call::Upload(file, checksum) => {
                Outcome::Uploads(vec![upload(&client, scratch, *file, *checksum)?])
            }
            Call::UploadTwice {
                file,
                checksum,
                early_close_second,
            } => {
                let first = upload(&client, scratch, *file, *checksum)?;
                if *early_close_second {
                    server.fault(
                        Some(http::Method::POST),
                        "/assets",
                        Fault::EarlyCloseDuplicate,
                    );
                }
                let second = upload(&client, scratch, *file, *checksum)?;
                Outcome::Uploads(vec![first, second])
            }
            Call::UploadThen(file, then) => {
                let faults = server_faults(case);
                server.clear_faults();
                let (_, id) = upload(&client, scratch, *file, false)?;
                for (method, path, fault) in faults {
                    server.fault(method, path, fault);
                }
                let id = AssetId::new_unchecked(id);
                match then {
                    Then::Thumbnail => {
                        let media = client.thumbnail(id, AssetMediaSize::Thumbnail)?;
                        Outcome::Media {
                            status: media.head.status.as_u16(),
                            content_range: None,
                            body: media.body.to_vec(),
                        }
                    }
                    Then::Video(range) => {
                        let range = range.map(|(start, end)| match end {
                            Some(end) => ByteRange::inclusive(start, end).expect("range"),
                            None => ByteRange::from(start),
                        });
                        read_media(client.video_playback(id, range)?)?
                    }
                    Then::SaveVideo => {
                        let target = scratch.0.join("saved.mp4");
                        let saved = client
                            .save_media(&immich_proto::assets::PlayAssetVideo::new(id), &target);
                        let left = leftovers(&scratch.0, &target);
                        if let Err(e) = saved {
                            if !left.is_empty() || target.exists() {
                                panic!("a failed save left files behind: {left:?}");
                            }
                            return Err(e);
                        }
                        Outcome::Saved {
                            body: std::fs::read(&target).unwrap_or_default(),
                            leftovers: left,
                        }
                    }
                }
            }
            Call::Thumbnail(id) => {
                let media = client.thumbnail(
                    AssetId::new_unchecked(id.as_str()),
                    AssetMediaSize::Thumbnail,
                )?;
                Outcome::Media {
                    status: media.head.status.as_u16(),
                    content_range: None,
                    body: media.body.to_vec(),
                }
            }
            Call::PersonThumbnail(id) => {
                let media = client.person_thumbnail(PersonId::new_unchecked(id.as_str()))?;
                Outcome::Media {
                    status: media.head.status.as_u16(),
                    content_range: None,
                    body: media.body.to_vec(),
                }
            }
            Call::People(unnamed) => Outcome::Names(sorted(
                client
                    .people(*unnamed)?
                    .into_iter()
                    .map(|p| p.name)
                    .collect(),
            )),
            Call::Person(id) => {
                Outcome::Text(client.person(PersonId::new_unchecked(id.as_str()))?.name)
            }
            Call::PeopleCount => Outcome::Count(client.people_count()? as usize),
            Call::PeopleNamed(name) => Outcome::Names(sorted(
                client
                    .people_named(name)?
                    .into_iter()
                    .map(|p| p.name)
                    .collect(),
            )),
            Call::SearchPerson(name) => Outcome::Names(sorted(
                client
                    .search_person(name)?
                    .into_iter()
                    .map(|p| p.name)
                    .collect(),
            )),
            Call::Tags => Outcome::Names(sorted(
                client.tags()?.into_iter().map(|t| t.value).collect(),
            )),
            Call::Tag(id) => Outcome::Text(client.tag(TagId::new_unchecked(id.as_str()))?.value),
            Call::TagsNamed(name) => Outcome::Names(sorted(
                client
                    .tags_named(name)?
                    .into_iter()
                    .map(|t| t.value)
                    .collect(),
            )),
            Call::Favorites => asset_outcome(client.favorites()?),
            Call::AllAssets => asset_outcome(client.all_assets()?),
            Call::AssetsByAlbums(list) => asset_outcome(client.assets_by_albums(album_ids(list))?),
            Call::AssetsByTags(list) => asset_outcome(
                client.assets_by_tags(
                    list.iter()
                        .map(|id| TagId::new_unchecked(id.as_str()))
                        .collect(),
                )?,
            ),
            Call::AssetsByPeople(list) => asset_outcome(
                client.assets_by_people(
                    list.iter()
                        .map(|id| PersonId::new_unchecked(id.as_str()))
                        .collect(),
                )?,
            ),
            Call::Smart(query) => asset_outcome(client.smart_search(SmartSearch::new(*query))?),
            Call::AssetPages { size, limit } => {
                let mut search = MetadataSearch::all();
                search.size = Some(*size);
                let mut pager = immich_proto::Pager::new(SearchAssets::new(search));
                if let Some(limit) = limit {
                    pager = pager.with_limit(*limit);
                }
                let mut count = 0;
                for item in client.pages(pager) {
                    item?;
                    count += 1;
                }
                Outcome::Count(count)
            }
            Call::PeoplePages => {
                let pager = immich_proto::Pager::new(
                    GetAllPeople::new().with_hidden(true).include_unnamed(true),
                );
                let mut count = 0;
                for item in client.pages(pager) {
                    item?;
                    count += 1;
                }
                Outcome::Count(count)
            }
        })
    }
}

/// The faults of a case, to re-arm after the preparatory upload of an `UploadThen` case.
fn server_faults(case: &Case) -> Vec<(Option<http::Method>, &'static str, Fault)> {
    case.faults.clone()
}

type Runner = fn(&Case, &TestServer, &Scratch) -> Result<Outcome, Failure>;

/// Runs every case through one transport; reports all mismatches at once.
fn run_table(transport: &str, runner: Runner) {
    let cases = cases();
    let mut failures = Vec::new();
    for (index, case) in cases.iter().enumerate() {
        let server = TestServer::start(case.server.clone());
        let scratch = Scratch::new(transport, index);
        let started = std::time::Instant::now();
        let result = runner(case, &server, &scratch);
        let verdict = match (&case.expect, &result) {
            (Expect::Is(want), Ok(got)) if want == got => Ok(()),
            (Expect::Is(want), Ok(got)) => {
                Err(format!("expected {}, got {}", short(want), short(got)))
            }
            (Expect::Ok(check), Ok(got)) => check(got, &server),
            (Expect::Fails(check), Err(failure)) => check(failure, &server),
            (Expect::Is(_) | Expect::Ok(_), Err(failure)) => Err(format!("failed: {failure:?}")),
            (Expect::Fails(_), Ok(got)) => Err(format!("expected a failure, got {}", short(got))),
        };
        let verdict = verdict.and_then(|()| match case.log {
            Some(check) => check(&server.requests()).map_err(|e| format!("request log: {e}")),
            None => Ok(()),
        });
        eprintln!(
            "[{transport}] {:<60} {} ({} ms)",
            case.name,
            if verdict.is_ok() { "ok" } else { "FAILED" },
            started.elapsed().as_millis()
        );
        if let Err(why) = verdict {
            failures.push(format!("[{transport}] {}: {why}", case.name));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

#[test]
fn table_through_immich_tokio() {
    run_table("tokio", tokio_runner::run);
}

#[test]
fn table_through_immich_blocking() {
    run_table("blocking", blocking_runner::run);
}

#[test]
fn table_has_the_required_cases() {
    // The table is the contract both transports share; keep it from shrinking unnoticed.
    let cases = cases();
    assert!(cases.len() >= 50, "{}", cases.len());
    let mut names: Vec<_> = cases.iter().map(|c| c.name).collect();
    names.sort();
    names.dedup();
    assert_eq!(names.len(), cases.len(), "case names must be unique");
}
