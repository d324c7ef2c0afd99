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
use immich_tests::server::{
    fixtures, Fault, FaultRule, LoggedRequest, Options, TestServer, Version,
};

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
    /// A finished `download_original`: the file, the report, what else is in the folder.
    Downloaded {
        body: Vec<u8>,
        bytes: u64,
        resumed_from: u64,
        verified: bool,
        leftovers: Vec<String>,
    },
    /// An interrupted `download_original` and the call that resumed it.
    Resumed {
        /// The first call's failure.
        first: Kind,
        /// What the first call left: the partial file and its length; whether the target existed.
        left_after_first: Vec<String>,
        partial_len: u64,
        target_after_first: bool,
        /// The second call.
        second: Box<Outcome>,
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
    /// `about`, `me` and `tags` one after the other on one client.
    Sequential,
    Storage,
    Statistics,
    VersionCheck,
    Me,
    Albums,
    AlbumsNamed(&'static str),
    /// `run(GetAllAlbums)` with its filters; with `link`, first a shared link for Holidays.
    AlbumsFiltered(AlbumFilters),
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
    // --- issue 5: uploaders, backup tools, viewers, sharing, capabilities
    /// `check_bulk_upload` of the seeded beach photo (a duplicate) and new bytes, in batches.
    CheckBulk,
    AssetInfo(String),
    /// `update_asset` with favourite, description, rating, date taken and location.
    UpdateAsset(String),
    /// `update_assets` (favourite), then `favorites()`.
    UpdateAssets(Vec<String>),
    /// `delete_assets(ids, force)`.
    DeleteAssets(Vec<String>, bool),
    /// Trash the beach photo, then `empty_trash`.
    EmptyTrash,
    AssetStatistics,
    /// Upload, then `original` (optionally a range), read to the end.
    Original(FileSpec, Option<(u64, Option<u64>)>),
    /// Upload, then `download_original`.
    Download {
        file: FileSpec,
        verify: bool,
    },
    /// Upload; the first `download_original` is cut mid-body, the second resumes. With a seed,
    /// the server's original changes between the two (same length, other bytes).
    DownloadInterrupted(FileSpec, Option<u8>),
    /// Upload; an earlier attempt left the whole file: the server answers 416.
    DownloadAlreadyComplete(FileSpec),
    /// Upload; a symbolic link to another file is planted at the partial path first.
    DownloadThroughPlantedLink(FileSpec),
    /// Upload; the asset announces a wrong checksum; a verified download must fail.
    DownloadWrongChecksum(FileSpec),
    CreateAlbum,
    UpdateAlbum(String),
    /// `delete_album`, then `albums()`.
    DeleteAlbum(String),
    RemoveFromAlbum(String, Vec<String>),
    /// `add_users_to_album(album, [Bob viewer])`.
    AddUsers(String),
    /// Add Bob as viewer, then `update_album_user` to editor.
    UpdateAlbumUser(String),
    /// Add Bob, then `remove_user_from_album`.
    RemoveUserFromAlbum(String),
    AlbumStatistics,
    /// `create_shared_link` for an album, then `shared_links()`.
    CreateSharedLink,
    /// Create a link for assets, then `remove_shared_link`, then `shared_links()`.
    RemoveSharedLink,
    /// `memories`, "on this day" when a date is given.
    Memories(Option<(i32, u8, u8)>),
    RandomAssets(u32),
    TimeBuckets,
    /// `time_bucket` of a month (the first day).
    TimeBucket((i32, u8, u8)),
    /// Locate the family photo, then `map_markers`.
    MapMarkers,
    Stacks,
    Ping,
    Features,
    MediaTypes,
    MyApiKey,
    Capabilities,
}

/// The filters of an [`Call::AlbumsFiltered`] call.
#[derive(Debug, Clone, Default)]
struct AlbumFilters {
    asset: Option<String>,
    owned: Option<bool>,
    shared: Option<bool>,
    /// Create a shared link for Holidays first (an album with a link counts as shared).
    link: bool,
}

impl AlbumFilters {
    fn owned(owned: bool) -> Self {
        AlbumFilters {
            owned: Some(owned),
            ..Self::default()
        }
    }
    fn shared(shared: bool) -> Self {
        AlbumFilters {
            shared: Some(shared),
            ..Self::default()
        }
    }
    fn asset(asset: String) -> Self {
        AlbumFilters {
            asset: Some(asset),
            ..Self::default()
        }
    }
    fn and_owned(mut self, owned: bool) -> Self {
        self.owned = Some(owned);
        self
    }
    fn and_shared(mut self, shared: bool) -> Self {
        self.shared = Some(shared);
        self
    }
    fn with_link(mut self) -> Self {
        self.link = true;
        self
    }
    fn flow(&self) -> immich_proto::albums::GetAllAlbums {
        let mut flow = immich_proto::albums::GetAllAlbums::new();
        if let Some(asset) = &self.asset {
            flow = flow.asset_id(AssetId::new_unchecked(asset.as_str()));
        }
        if let Some(owned) = self.owned {
            flow = flow.owned(owned);
        }
        if let Some(shared) = self.shared {
            flow = flow.shared(shared);
        }
        flow
    }
}

/// The request lines of a log, without the shared link a case may create first.
fn album_lines(log: &[LoggedRequest]) -> Vec<String> {
    lines(log)
        .into_iter()
        .filter(|l| l.starts_with("GET /api/albums"))
        .collect()
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

/// Both uploads carry a boundary in the core's `Boundary::from_seed` form (32 lowercase hex
/// digits), and the two differ: the same file sent twice with the core's input-derived boundary
/// (what a transport gets when it sets none) would carry the same one twice.
fn random_boundaries(log: &[LoggedRequest]) -> Result<(), String> {
    let boundaries: Vec<&str> = log
        .iter()
        .filter(|r| r.method == http::Method::POST && r.path == "/api/assets")
        .filter_map(|r| {
            r.header("content-type")?
                .strip_prefix("multipart/form-data; boundary=")
        })
        .collect();
    let md5_hex =
        |b: &&str| b.len() == 32 && b.bytes().all(|c| matches!(c, b'0'..=b'9' | b'a'..=b'f'));
    ensure(
        boundaries.len() == 2 && boundaries.iter().all(md5_hex) && boundaries[0] != boundaries[1],
        || format!("two different md5-hex boundaries expected, got {boundaries:?}"),
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
        case("sequential calls reuse one connection", Call::Sequential,
             Expect::Ok(|o, s| {
                 ensure(*o == Outcome::Names(vec!["v3.0.0".into(), "test@example.com".into(), "tags=3".into()]), || format!("{o:?}"))?;
                 // Setup's GET /server/version too: four requests, one connection.
                 ensure(s.connections() == 1, || format!("{} connections for four sequential requests", s.connections()))
             }))
            .log(|log| ensure(log.len() == 3, || format!("{:?}", lines(log)))),
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
        // Seeded: Holidays (mine, not shared, beach), Family (mine, shared with Bob, family),
        // From Bob (Bob's, shared with me, bob).
        case("albums on v3: owned(false) is isOwned=false", Call::AlbumsFiltered(AlbumFilters::owned(false)),
             Expect::Is(names(&["From Bob"])))
            .log(|log| ensure(album_lines(log) == ["GET /api/albums?isOwned=false"], || format!("{:?}", lines(log)))),
        case("albums on v3: owned and not shared", Call::AlbumsFiltered(AlbumFilters::owned(true).and_shared(false)),
             Expect::Is(names(&["Holidays"])))
            .log(|log| ensure(album_lines(log) == ["GET /api/albums?isOwned=true&isShared=false"], || format!("{:?}", lines(log)))),
        case("albums on v3: a shared link makes an album shared", Call::AlbumsFiltered(AlbumFilters::shared(true).with_link()),
             Expect::Is(names(&["Family", "From Bob", "Holidays"])))
            .log(|log| ensure(album_lines(log) == ["GET /api/albums?isShared=true"], || format!("{:?}", lines(log)))),
        case("albums on v3: shared with me and not shared is nothing", Call::AlbumsFiltered(AlbumFilters::owned(false).and_shared(false)),
             Expect::Is(Outcome::Names(vec![]))),
        case("albums of an asset on v3: assetId", Call::AlbumsFiltered(AlbumFilters::asset(asset_bob())),
             Expect::Is(names(&["From Bob"])))
            .log(|log| ensure(album_lines(log) == [format!("GET /api/albums?assetId={}", asset_bob())], || format!("{:?}", lines(log)))),
        case("albums of an asset on v3, owned only: the server ignores isOwned next to assetId, the flow intersects",
             Call::AlbumsFiltered(AlbumFilters::asset(asset_bob()).and_owned(true)),
             Expect::Is(Outcome::Names(vec![])))
            .log(|log| ensure(album_lines(log) == [format!("GET /api/albums?assetId={}", asset_bob()), "GET /api/albums?isOwned=true".into()],
                              || format!("{:?}", lines(log)))),
        case("albums on v1.118: owned(false) is shared=true minus the plain list (mine), never isOwned",
             Call::AlbumsFiltered(AlbumFilters::owned(false)), Expect::Is(names(&["From Bob"])))
            .on(old())
            .log(|log| ensure(album_lines(log) == ["GET /api/albums?shared=true", "GET /api/albums"], || format!("{:?}", lines(log)))),
        case("albums on v1.118: owned(true) is the plain list", Call::AlbumsFiltered(AlbumFilters::owned(true)),
             Expect::Is(names(&["Family", "Holidays"])))
            .on(old())
            .log(|log| ensure(album_lines(log) == ["GET /api/albums"], || format!("{:?}", lines(log)))),
        case("albums on v1.118: shared(true) is shared=true", Call::AlbumsFiltered(AlbumFilters::shared(true)),
             Expect::Is(names(&["Family", "From Bob"])))
            .on(old())
            .log(|log| ensure(album_lines(log) == ["GET /api/albums?shared=true"], || format!("{:?}", lines(log)))),
        case("albums on v2.3.1: shared(false) is shared=false", Call::AlbumsFiltered(AlbumFilters::shared(false)),
             Expect::Is(names(&["Holidays"])))
            .on(Options::old(Version::V2))
            .log(|log| ensure(album_lines(log) == ["GET /api/albums?shared=false"], || format!("{:?}", lines(log)))),
        case("albums on v2.3.1: owned and shared is the plain list minus shared=false (a link counts)",
             Call::AlbumsFiltered(AlbumFilters::owned(true).and_shared(true).with_link()),
             Expect::Is(names(&["Family", "Holidays"])))
            .on(Options::old(Version::V2))
            .log(|log| ensure(album_lines(log) == ["GET /api/albums", "GET /api/albums?shared=false"], || format!("{:?}", lines(log)))),
        case("albums on v1.118: shared with me and not shared asks nothing",
             Call::AlbumsFiltered(AlbumFilters::owned(false).and_shared(false)), Expect::Is(Outcome::Names(vec![])))
            .on(old())
            .log(log_is_empty),
        case("albums of an asset on v1.118: assetId", Call::AlbumsFiltered(AlbumFilters::asset(asset_family())),
             Expect::Is(names(&["Family"])))
            .on(old())
            .log(|log| ensure(album_lines(log) == [format!("GET /api/albums?assetId={}", asset_family())], || format!("{:?}", lines(log)))),
        case("albums of an asset on v1.118, shared with me only: assetId within shared=true minus mine",
             Call::AlbumsFiltered(AlbumFilters::asset(asset_bob()).and_owned(false)), Expect::Is(names(&["From Bob"])))
            .on(old())
            .log(|log| ensure(album_lines(log) == [format!("GET /api/albums?assetId={}", asset_bob()),
                                                   "GET /api/albums?shared=true".into(), "GET /api/albums".into()],
                              || format!("{:?}", lines(log)))),
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
            .log(|log| {
                ensure(log.len() == 2 && log.iter().all(|r| r.header("x-immich-checksum").is_some()), || "both uploads send x-immich-checksum".into())?;
                random_boundaries(log)
            }),
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
        // --- issue 5: uploaders and backup tools
        case("check bulk upload: duplicate and new", Call::CheckBulk,
             Expect::Ok(|o, _| {
                 let want = vec![
                     format!("beach:duplicate:{}", asset_beach()),
                     "new-0:accept".to_owned(), "new-1:accept".to_owned(), "new-2:accept".to_owned(),
                 ];
                 ensure(*o == Outcome::Names(want.clone()), || format!("{o:?} instead of {want:?}"))
             }))
            .log(|log| ensure(lines(log) == ["POST /api/assets/bulk-upload-check"]
                              && log[0].json()["assets"][0]["checksum"].as_str().is_some_and(|c| c.len() == 40),
                              || format!("{:?}", lines(log)))),
        case("asset info", Call::AssetInfo(asset_beach()),
             Expect::Ok(|o, _| {
                 let checksum = immich_proto::checksum::Sha1Checksum::digest(&seeded_bytes(1)).to_base64();
                 ensure(*o == Outcome::Names(vec!["beach.jpg".into(), checksum]), || format!("{o:?}"))
             })),
        case("update asset: only what is set", Call::UpdateAsset(asset_family()),
             Expect::Is(Outcome::Names(vec!["favorite=true".into(), "description=at the lake".into(),
                                            "rating=Some(4)".into(), "location=Some(47.37),Some(8.54)".into()])))
            .log(|log| {
                let body = log.last().map(LoggedRequest::json).unwrap_or_default();
                ensure(lines(log) == [format!("PUT /api/assets/{}", asset_family())]
                       && body["dateTimeOriginal"] == "2024-07-01T18:30:00.000+02:00"
                       && body.get("visibility").is_none(),
                       || format!("{:?} {body}", lines(log)))
            }),
        case("update asset on v1.118", Call::UpdateAsset(asset_family()),
             Expect::Is(Outcome::Names(vec!["favorite=true".into(), "description=at the lake".into(),
                                            "rating=Some(4)".into(), "location=Some(47.37),Some(8.54)".into()])))
            .on(old()),
        case("update assets in bulk", Call::UpdateAssets(vec![asset_family()]),
             Expect::Is(ids(vec![asset_beach(), asset_family()])))
            .log(|log| ensure(log.first().is_some_and(|r| r.line() == "PUT /api/assets"
                                  && r.json() == serde_json::json!({"ids": [asset_family()], "isFavorite": true})),
                              || format!("{:?}", lines(log)))),
        case("delete assets to the trash (DELETE with a JSON body)", Call::DeleteAssets(vec![asset_family()], false),
             Expect::Is(Outcome::Names(vec!["Some(true)".into()])))
            .log(|log| ensure(log.len() == 1 && log[0].line() == "DELETE /api/assets"
                                  && log[0].json() == serde_json::json!({"ids": [asset_family()], "force": false}),
                              || format!("{:?} {:?}", lines(log), log.first().map(|r| r.body.clone())))),
        case("delete assets for good", Call::DeleteAssets(vec![asset_family()], true),
             Expect::Is(Outcome::Names(vec!["None".into()]))),
        case("delete assets without asset.delete: 403 names it", Call::DeleteAssets(vec![asset_family()], false),
             Expect::Fails(|f, _| ensure(f.status == Some(403) && f.permission.as_deref() == Some("asset.delete"), || format!("{f:?}"))))
            .on(Options::v3().deny_permission("asset.delete")),
        case("delete no assets is refused before any request", Call::DeleteAssets(Vec::new(), false),
             Expect::Fails(|f, _| ensure(f.variant.as_deref() == Some("InvalidInput"), || format!("{f:?}"))))
            .log(log_is_empty),
        case("empty trash: v3 counts", Call::EmptyTrash,
             Expect::Is(Outcome::Names(vec!["count=Some(1)".into(), "beach=None".into()]))),
        case("empty trash: older servers answer 204", Call::EmptyTrash,
             Expect::Is(Outcome::Names(vec!["count=None".into(), "beach=None".into()])))
            .on(old()),
        case("asset statistics", Call::AssetStatistics,
             Expect::Is(Outcome::Names(vec!["images=2".into(), "videos=0".into(), "total=2".into()]))),
        case("original whole", Call::Original(PHOTO, None),
             Expect::Ok(|o, _| match o {
                 Outcome::Media { status: 200, body, .. } if *body == PHOTO.bytes() => Ok(()),
                 other => Err(short(other)),
             })),
        case("original with Range: 206", Call::Original(VIDEO, Some((1000, Some(1999)))),
             Expect::Ok(|o, _| match o {
                 Outcome::Media { status: 206, content_range: Some(cr), body }
                     if cr == "bytes 1000-1999/300000" && *body == VIDEO.bytes()[1000..2000] => Ok(()),
                 other => Err(short(other)),
             })),
        case("download original, verified", Call::Download { file: PHOTO, verify: true },
             Expect::Ok(|o, _| match o {
                 Outcome::Downloaded { body, bytes, resumed_from: 0, verified: true, leftovers }
                     if *body == PHOTO.bytes() && *bytes == PHOTO.len as u64 && leftovers.is_empty() => Ok(()),
                 other => Err(short(other)),
             }))
            .log(|log| {
                let l = lines(log);
                ensure(l.len() == 3 && l[1].starts_with("GET /api/assets/") && !l[1].ends_with("/original")
                       && l[2].ends_with("/original") && log[2].header("range").is_none(),
                       || format!("upload, info, original: {l:?}"))
            }),
        case("download original, unverified: no info request", Call::Download { file: PHOTO, verify: false },
             Expect::Ok(|o, _| match o {
                 Outcome::Downloaded { body, resumed_from: 0, verified: false, leftovers, .. }
                     if *body == PHOTO.bytes() && leftovers.is_empty() => Ok(()),
                 other => Err(short(other)),
             }))
            .log(|log| ensure(log.len() == 2 && log[1].path.ends_with("/original"), || format!("{:?}", lines(log)))),
        case("interrupted download resumes with Range and verifies", Call::DownloadInterrupted(VIDEO, None),
             Expect::Ok(|o, s| {
                 let Outcome::Resumed { first, left_after_first, partial_len, target_after_first, second } = o else {
                     return Err(short(o));
                 };
                 ensure(*first == Kind::Io, || format!("the cut must be an I/O error, got {first:?}"))?;
                 ensure(left_after_first.len() == 2 && left_after_first.iter().any(|l| l.ends_with(".part"))
                            && left_after_first.iter().any(|l| l.ends_with(".resume")) && !target_after_first,
                        || format!("only the partial file and its record may be left: {left_after_first:?}, target {target_after_first}"))?;
                 ensure(*partial_len > 0 && *partial_len < VIDEO.len as u64, || format!("partial length {partial_len}"))?;
                 match second.as_ref() {
                     Outcome::Downloaded { body, bytes, resumed_from, verified: true, leftovers }
                         if *body == VIDEO.bytes() && *bytes == VIDEO.len as u64
                             && resumed_from == partial_len && leftovers.is_empty() => {}
                     other => return Err(format!("second call: {}", short(other))),
                 }
                 let ranges: Vec<Option<String>> = s.requests().iter()
                     .filter(|r| r.path.ends_with("/original"))
                     .map(|r| r.header("range").map(str::to_owned))
                     .collect();
                 ensure(ranges == [None, Some(format!("bytes={partial_len}-"))], || format!("Range headers {ranges:?}"))?;
                 // The resumed request names the bytes it continues: the first answer's ETag.
                 let originals: Vec<_> = s.requests().into_iter().filter(|r| r.path.ends_with("/original")).collect();
                 ensure(originals.len() == 2 && originals[1].header("if-range") == Some(&etag_of(&VIDEO.bytes())),
                        || format!("If-Range {:?}", originals.iter().map(|r| r.header("if-range")).collect::<Vec<_>>()))
             })),
        case("a download resumed after the original changed starts over (If-Range: 200, not 206)",
             Call::DownloadInterrupted(VIDEO, Some(9)),
             Expect::Ok(|o, s| {
                 let changed = FileSpec { seed: 9, ..VIDEO }.bytes();
                 let Outcome::Resumed { partial_len, second, .. } = o else {
                     return Err(short(o));
                 };
                 ensure(*partial_len > 0, || "the first attempt left nothing".to_owned())?;
                 match second.as_ref() {
                     Outcome::Downloaded { body, bytes, resumed_from: 0, verified: true, leftovers }
                         if *body == changed && *bytes == VIDEO.len as u64 && leftovers.is_empty() => {}
                     other => return Err(format!("second call: {}", short(other))),
                 }
                 let originals: Vec<_> = s.requests().into_iter().filter(|r| r.path.ends_with("/original")).collect();
                 ensure(originals.len() == 2 && originals[1].header("if-range") == Some(&etag_of(&VIDEO.bytes()))
                            && originals[1].status == Some(http::StatusCode::OK),
                        || format!("second request: {:?}", originals.last().map(|r| (r.header("range"), r.header("if-range"), r.status))))
             })),
        case("a symbolic link planted at the partial path is refused and its target untouched",
             Call::DownloadThroughPlantedLink(PHOTO),
             Expect::Is(Outcome::Names(vec!["InvalidInput".into(), "victim=untouched".into(), "target=false".into()]))),
        case("download whose earlier attempt was complete: 416, verified as it is", Call::DownloadAlreadyComplete(PHOTO),
             Expect::Ok(|o, _| match o {
                 Outcome::Downloaded { body, bytes, resumed_from, verified: true, leftovers }
                     if *body == PHOTO.bytes() && *bytes == PHOTO.len as u64
                         && *resumed_from == PHOTO.len as u64 && leftovers.is_empty() => Ok(()),
                 other => Err(short(other)),
             }))
            .log(|log| ensure(log.last().is_some_and(|r| r.status == Some(http::StatusCode::RANGE_NOT_SATISFIABLE)),
                              || format!("{:?}", lines(log)))),
        case("download with a wrong checksum keeps nothing", Call::DownloadWrongChecksum(PHOTO),
             Expect::Is(Outcome::Names(vec!["ChecksumMismatch".into(), "target=false".into(), "leftovers=[]".into()]))),
        // --- albums
        case("create album with an asset and a member", Call::CreateAlbum,
             Expect::Is(Outcome::Names(vec!["Summer".into(), "by the sea".into(), "count=1".into(),
                                            "Bob=viewer".into(), "Test User=owner".into()])))
            .log(|log| ensure(log.first().is_some_and(|r| r.json()["albumUsers"][0]["role"] == "viewer"), || format!("{:?}", lines(log)))),
        case("create album on v1.118", Call::CreateAlbum,
             Expect::Is(Outcome::Names(vec!["Summer".into(), "by the sea".into(), "count=1".into(), "Bob=viewer".into()])))
            .on(old()),
        case("update album", Call::UpdateAlbum(album_holidays()),
             Expect::Is(Outcome::Names(vec!["Renamed".into(), "new words".into(), "Some(Asc)".into()])))
            .log(|log| ensure(log.first().is_some_and(|r| r.method == http::Method::PATCH
                                  && r.json() == serde_json::json!({"albumName": "Renamed", "description": "new words", "order": "asc"})),
                              || format!("{:?}", lines(log)))),
        case("delete album", Call::DeleteAlbum(album_holidays()), Expect::Is(names(&["Family", "From Bob"]))),
        case("remove assets from album (DELETE with a JSON body)", Call::RemoveFromAlbum(album_holidays(), vec![asset_beach(), asset_family()]),
             Expect::Is(Outcome::Bulk(vec![(asset_beach(), true, None), (asset_family(), false, Some("not_found".into()))])))
            .log(|log| ensure(log.len() == 1 && log[0].method == http::Method::DELETE
                                  && log[0].json() == serde_json::json!({"ids": [asset_beach(), asset_family()]}),
                              || format!("{:?}", lines(log)))),
        case("add users to album", Call::AddUsers(album_holidays()),
             Expect::Is(Outcome::Names(vec!["Bob=viewer".into(), "Test User=owner".into()]))),
        case("update album user", Call::UpdateAlbumUser(album_holidays()),
             Expect::Ok(|o, _| ensure(*o == Outcome::Text(format!("{:?}", Some(vec![(bob(), "editor".to_owned())]))), || format!("{o:?}"))))
            .log(|log| ensure(log.get(1).is_some_and(|r| r.line() == format!("PUT /api/albums/{}/user/{}", album_holidays(), bob())
                                  && r.json() == serde_json::json!({"role": "editor"})),
                              || format!("{:?}", lines(log)))),
        case("remove user from album", Call::RemoveUserFromAlbum(album_holidays()),
             Expect::Is(Outcome::Text("Some([])".into())))
            .log(|log| ensure(log.get(1).is_some_and(|r| r.line() == format!("DELETE /api/albums/{}/user/{}", album_holidays(), bob())),
                              || format!("{:?}", lines(log)))),
        case("album statistics", Call::AlbumStatistics,
             Expect::Is(Outcome::Names(vec!["owned=2".into(), "shared=2".into(), "notShared=1".into()]))),
        // --- sharing
        case("create a shared link for an album, expiry in UTC", Call::CreateSharedLink,
             Expect::Is(Outcome::Names(vec!["ALBUM".into(), "expires=Some(\"2030-12-31T22:00:00.000Z\")".into(),
                                            "download=false".into(), "album=Some(\"Holidays\")".into(),
                                            "listed=1".into(), "same=true".into()])))
            .log(|log| ensure(log.first().is_some_and(|r| r.json()["expiresAt"] == "2030-12-31T22:00:00.000Z"
                                                          && r.json()["type"] == "ALBUM"),
                              || format!("{:?}", log.first().map(LoggedRequest::json)))),
        case("remove a shared link", Call::RemoveSharedLink,
             Expect::Is(Outcome::Names(vec!["INDIVIDUAL".into(), "assets=1".into(), "before=1".into(), "after=0".into()]))),
        // --- viewers and frames
        case("memories", Call::Memories(None), Expect::Ok(|o, _| ensure(*o == Outcome::Names(vec![format!("Some(2024):{}", asset_beach())]), || format!("{o:?}")))),
        case("memories on this day: v3.0.0 takes a date-time", Call::Memories(Some((2025, 5, 1))),
             Expect::Ok(|o, _| ensure(*o == Outcome::Names(vec![format!("Some(2024):{}", asset_beach())]), || format!("{o:?}"))))
            .log(|log| ensure(log.first().and_then(|r| r.query.clone()).is_some_and(|q| q.contains("for=2025-05-01T00%3A00%3A00.000Z") || q.contains("for=2025-05-01T00:00:00.000Z")),
                              || format!("{:?}", lines(log)))),
        case("random assets: at most the size", Call::RandomAssets(1), Expect::Is(Outcome::Count(1))),
        case("random assets: all there are", Call::RandomAssets(10), Expect::Is(Outcome::Count(2))),
        case("time buckets", Call::TimeBuckets, Expect::Is(Outcome::Names(vec!["Some(\"2024-05-01\")=2".into()])))
            .log(|log| ensure(lines(log) == ["GET /api/timeline/buckets"], || format!("{:?}", lines(log)))),
        case("time buckets on v1.118: size=MONTH, date-time keys", Call::TimeBuckets, Expect::Is(Outcome::Names(vec!["Some(\"2024-05-01\")=2".into()])))
            .on(old())
            .log(|log| ensure(lines(log) == ["GET /api/timeline/buckets?size=MONTH"], || format!("{:?}", lines(log)))),
        case("time bucket: columns", Call::TimeBucket((2024, 5, 1)),
             Expect::Ok(|o, _| {
                 let taken = "Some(\"2024-05-01T10:00:00.000Z\")";
                 let mut want = vec![format!("{} taken={taken} stack=Some(2)", asset_beach()),
                                     format!("{} taken={taken} stack=None", asset_family())];
                 want.sort();
                 ensure(*o == Outcome::Names(want), || format!("{o:?}"))
             }))
            .log(|log| ensure(lines(log) == ["GET /api/timeline/bucket?timeBucket=2024-05-01"], || format!("{:?}", lines(log)))),
        case("time bucket on v1.118: full assets", Call::TimeBucket((2024, 5, 1)),
             Expect::Ok(|o, _| {
                 let taken = "Some(\"2024-05-01T10:00:00.000Z\")";
                 let mut want = vec![format!("{} taken={taken} stack=None", asset_beach()),
                                     format!("{} taken={taken} stack=None", asset_family())];
                 want.sort();
                 ensure(*o == Outcome::Names(want), || format!("{o:?}"))
             }))
            .on(old()),
        case("map markers", Call::MapMarkers, Expect::Ok(|o, _| ensure(*o == Outcome::Names(vec![format!("{} 47.37,8.54", asset_family())]), || format!("{o:?}")))),
        case("stacks", Call::Stacks, Expect::Ok(|o, _| ensure(*o == Outcome::Names(vec![format!("{} primary=Some(\"beach.jpg\") assets=2", stack())]), || format!("{o:?}")))),
        // --- capabilities
        case("ping", Call::Ping, Expect::Is(Outcome::Names(vec!["pong".into(), "pong=true".into()]))),
        case("features", Call::Features, Expect::Is(Outcome::Names(vec!["smartSearch=true".into(), "trash=true".into(), "map=false".into()]))),
        case("media types", Call::MediaTypes,
             Expect::Is(Outcome::Names(vec!["IMG_1.JPG=Some(Image)".into(), "clip.mov=Some(Video)".into(),
                                            "IMG_1.xmp=Some(Sidecar)".into(), "notes.txt=None".into()]))),
        case("my API key: all", Call::MyApiKey, Expect::Is(Outcome::Names(vec!["test key".into(), "all".into()]))),
        case("my API key: the permissions it has", Call::MyApiKey,
             Expect::Ok(|o, _| match o {
                 Outcome::Names(n) if n.contains(&"asset.upload".to_owned()) && !n.contains(&"asset.delete".to_owned()) && !n.contains(&"all".to_owned()) => Ok(()),
                 other => Err(short(other)),
             }))
            .on(Options::v3().deny_permission("asset.delete")),
        case("my API key on v1.118 is refused before any request", Call::MyApiKey,
             Expect::Fails(|f, _| ensure(f.kind == Kind::Protocol, || format!("{f:?}"))))
            .on(old())
            .log(log_is_empty),
        case("capabilities: all", Call::Capabilities,
             Expect::Is(Outcome::Names(vec!["delete=true".into(), "upload=true".into(), "ping=true".into()]))),
        case("capabilities: what a key may not do", Call::Capabilities,
             Expect::Is(Outcome::Names(vec!["delete=false".into(), "upload=true".into(), "ping=true".into()])))
            .on(Options::v3().deny_permission("asset.delete")),
        case("a bad asset id in an update is refused before any request", Call::UpdateAsset("../admin".into()), Expect::Fails(invalid_id))
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
        Outcome::Downloaded {
            body,
            bytes,
            resumed_from,
            verified,
            leftovers,
        } => format!(
            "Downloaded {{ len: {}, bytes: {bytes}, resumed_from: {resumed_from}, verified: {verified}, leftovers: {leftovers:?} }}",
            body.len()
        ),
        Outcome::Resumed {
            first,
            left_after_first,
            partial_len,
            target_after_first,
            second,
        } => format!(
            "Resumed {{ first: {first:?}, left: {left_after_first:?}, partial_len: {partial_len}, target: {target_after_first}, second: {} }}",
            short(second)
        ),
        other => format!("{other:?}"),
    }
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

/// The test server's ETag of an original with these bytes: its SHA-1 in hex, quoted.
fn etag_of(bytes: &[u8]) -> String {
    let digest = immich_proto::checksum::Sha1Checksum::digest(bytes);
    let hex: String = digest.0.iter().map(|b| format!("{b:02x}")).collect();
    format!("\"{hex}\"")
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
    /// Writes the file once: a second upload of the same spec sends the very same file (same
    /// times), as a user uploading it again would.
    fn write(&self, spec: FileSpec) -> PathBuf {
        let path = self.0.join("upload").join(spec.name);
        if !path.exists() {
            std::fs::write(&path, spec.bytes()).expect("write upload file");
        }
        path
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The issue-5 calls, written once for both runners: `[.await]` or `[]` follows each call, and
/// each runner has `upload`, `read_media` and `failure` with the same shapes.
macro_rules! manage_calls {
    ($client:expr, $call:expr, $server:expr, $scratch:expr, [$($aw:tt)*]) => {{
        use immich_proto::albums::{AlbumUserRole, CreateAlbum, NewAlbumUser, UpdateAlbumInfo};
        use immich_proto::assets::{AssetChanges, AssetOrder, BulkUploadCheckItem};
        use immich_proto::checksum::Sha1Checksum;
        use immich_proto::shared_links::CreateSharedLink;
        use immich_proto::{Date, DateTime, SharedLinkId, UserId};
        let client = $client;
        let server: &TestServer = $server;
        let scratch: &Scratch = $scratch;
        let asset_ids = |list: &[String]| {
            list.iter().map(|id| AssetId::new_unchecked(id.as_str())).collect::<Vec<_>>()
        };
        let album_id = |id: &str| AlbumId::new_unchecked(id);
        let bob = || UserId::new_unchecked(fixtures::bob());
        let members = |album: &immich_proto::albums::Album| {
            let mut out: Vec<String> = album
                .album_users
                .iter()
                .map(|u| format!("{}={}", u.user.name, u.role))
                .collect();
            out.sort();
            out
        };
        match $call {
            Call::CheckBulk => {
                let mut items = vec![BulkUploadCheckItem::new(
                    "beach",
                    Sha1Checksum::digest(&fixtures::seeded_bytes(1)),
                )];
                for i in 0..3u8 {
                    items.push(BulkUploadCheckItem::new(format!("new-{i}"), Sha1Checksum::digest(&[i])));
                }
                let results = client.check_bulk_upload(items)$($aw)*?;
                Outcome::Names(
                    results
                        .into_iter()
                        .map(|r| match r.duplicate_of() {
                            Some(id) => format!("{}:duplicate:{id}", r.id),
                            None => format!("{}:{}", r.id, r.action),
                        })
                        .collect(),
                )
            }
            Call::AssetInfo(id) => {
                let asset = client.asset_info(AssetId::new_unchecked(id.as_str()))$($aw)*?;
                Outcome::Names(vec![asset.original_file_name, asset.checksum])
            }
            Call::UpdateAsset(id) => {
                let changes = AssetChanges::new()
                    .favorite(true)
                    .description("at the lake")
                    .rating(4)
                    .date_time_original(DateTime::parse("2024-07-01T18:30:00+02:00").expect("date"))
                    .location(47.37, 8.54);
                let asset = client.update_asset(AssetId::new_unchecked(id.as_str()), changes)$($aw)*?;
                let exif = asset.exif_info.unwrap_or_default();
                Outcome::Names(vec![
                    format!("favorite={}", asset.is_favorite),
                    format!("description={}", exif.description.unwrap_or_default()),
                    format!("rating={:?}", exif.rating),
                    format!("location={:?},{:?}", exif.latitude, exif.longitude),
                ])
            }
            Call::UpdateAssets(list) => {
                client.update_assets(asset_ids(list), AssetChanges::new().favorite(true))$($aw)*?;
                ids(client.favorites()$($aw)*?.into_iter().map(|a| a.id.to_string()).collect())
            }
            Call::DeleteAssets(list, force) => {
                client.delete_assets(asset_ids(list), *force)$($aw)*?;
                Outcome::Names(
                    list.iter()
                        .map(|id| format!("{:?}", server.asset_trashed(id)))
                        .collect(),
                )
            }
            Call::EmptyTrash => {
                client.delete_assets(vec![AssetId::new_unchecked(fixtures::asset_beach())], false)$($aw)*?;
                let count = client.empty_trash()$($aw)*?;
                Outcome::Names(vec![
                    format!("count={count:?}"),
                    format!("beach={:?}", server.asset_trashed(&fixtures::asset_beach())),
                ])
            }
            Call::AssetStatistics => {
                let stats = client.asset_statistics()$($aw)*?;
                Outcome::Names(vec![
                    format!("images={}", stats.images),
                    format!("videos={}", stats.videos),
                    format!("total={}", stats.total),
                ])
            }
            Call::Original(file, range) => {
                let (_, id) = upload(client, scratch, *file, false)$($aw)*?;
                let range = range.map(|(start, end)| match end {
                    Some(end) => ByteRange::inclusive(start, end).expect("range"),
                    None => ByteRange::from(start),
                });
                read_media(client.original(AssetId::new_unchecked(id), range)$($aw)*?)$($aw)*?
            }
            Call::Download { file, verify } => {
                let (_, id) = upload(client, scratch, *file, false)$($aw)*?;
                let target = scratch.0.join(file.name);
                let report = client.download_original(AssetId::new_unchecked(id), &target, *verify)$($aw)*?;
                Outcome::Downloaded {
                    body: std::fs::read(&target).unwrap_or_default(),
                    bytes: report.bytes,
                    resumed_from: report.resumed_from,
                    verified: report.verified,
                    leftovers: leftovers(&scratch.0, &target),
                }
            }
            Call::DownloadInterrupted(file, change) => {
                let (_, id) = upload(client, scratch, *file, false)$($aw)*?;
                server.add_fault(FaultRule {
                    method: Some(http::Method::GET),
                    path: format!("/assets/{id}/original"),
                    fault: Fault::DropMidBody,
                    times: Some(1),
                });
                let id_text = id.clone();
                let target = scratch.0.join(file.name);
                let id = AssetId::new_unchecked(id);
                let first = match client.download_original(id.clone(), &target, true)$($aw)* {
                    Ok(report) => return Ok(Outcome::Text(format!("not interrupted: {report:?}"))),
                    Err(e) => failure(e).kind,
                };
                let left_after_first = leftovers(&scratch.0, &target);
                let partial_len = left_after_first
                    .iter()
                    .find(|p| p.ends_with(".part"))
                    .and_then(|p| std::fs::metadata(p).ok())
                    .map_or(0, |m| m.len());
                let target_after_first = target.exists();
                if let Some(seed) = change {
                    let changed = FileSpec { seed: *seed, ..*file }.bytes();
                    server.replace_asset_bytes(&id_text, bytes::Bytes::from(changed));
                }
                let report = client.download_original(id, &target, true)$($aw)*?;
                Outcome::Resumed {
                    first,
                    left_after_first,
                    partial_len,
                    target_after_first,
                    second: Box::new(Outcome::Downloaded {
                        body: std::fs::read(&target).unwrap_or_default(),
                        bytes: report.bytes,
                        resumed_from: report.resumed_from,
                        verified: report.verified,
                        leftovers: leftovers(&scratch.0, &target),
                    }),
                }
            }
            Call::DownloadAlreadyComplete(file) => {
                let (_, id) = upload(client, scratch, *file, false)$($aw)*?;
                let target = scratch.0.join(file.name);
                let id = AssetId::new_unchecked(id);
                let partial = immich_proto::assets::resumable_partial_path(&target, &id).expect("partial path");
                std::fs::write(&partial, file.bytes()).expect("write the partial file");
                // As a real attempt leaves it: the record of the file and the answer's ETag.
                let record = immich_proto::assets::resume_record_path(&target, &id).expect("record path");
                let found = std::fs::symlink_metadata(&partial).expect("the partial file");
                let identity = immich_proto::assets::PartialFacts::from_metadata(&found).identity;
                let written = immich_proto::assets::ResumeRecord::new(etag_of(&file.bytes()), identity);
                std::fs::write(&record, written.to_bytes()).expect("write the record");
                let report = client.download_original(id, &target, true)$($aw)*?;
                Outcome::Downloaded {
                    body: std::fs::read(&target).unwrap_or_default(),
                    bytes: report.bytes,
                    resumed_from: report.resumed_from,
                    verified: report.verified,
                    leftovers: leftovers(&scratch.0, &target),
                }
            }
            Call::DownloadThroughPlantedLink(file) => {
                let (_, id) = upload(client, scratch, *file, false)$($aw)*?;
                let target = scratch.0.join(file.name);
                let id = AssetId::new_unchecked(id);
                let partial = immich_proto::assets::resumable_partial_path(&target, &id).expect("partial path");
                let victim = scratch.0.join("victim.txt");
                std::fs::write(&victim, b"precious").expect("write the victim");
                #[cfg(unix)]
                std::os::unix::fs::symlink(&victim, &partial).expect("plant the link");
                let result = client.download_original(id, &target, false)$($aw)*;
                let victim_now = std::fs::read(&victim).unwrap_or_default();
                match result {
                    Ok(report) => Outcome::Text(format!("written through the link: {report:?}")),
                    Err(e) => Outcome::Names(vec![
                        failure(e).variant.unwrap_or_default(),
                        format!("victim={}", if victim_now == b"precious" { "untouched" } else { "changed" }),
                        format!("target={}", target.exists()),
                    ]),
                }
            }
            Call::DownloadWrongChecksum(file) => {
                let (_, id) = upload(client, scratch, *file, false)$($aw)*?;
                server.announce_wrong_checksum(&id);
                let target = scratch.0.join(file.name);
                let result = client.download_original(AssetId::new_unchecked(id), &target, true)$($aw)*;
                let left = leftovers(&scratch.0, &target);
                match result {
                    Ok(report) => Outcome::Text(format!("a wrong checksum passed: {report:?}")),
                    Err(e) => Outcome::Names(vec![
                        failure(e).variant.unwrap_or_default(),
                        format!("target={}", target.exists()),
                        format!("leftovers={left:?}"),
                    ]),
                }
            }
            Call::CreateAlbum => {
                let create = CreateAlbum::new("Summer")
                    .description("by the sea")
                    .assets(vec![AssetId::new_unchecked(fixtures::asset_beach())])
                    .user(NewAlbumUser::viewer(bob()));
                let album = client.create_album(create)$($aw)*?;
                let mut out = vec![
                    album.album_name.clone(),
                    album.description.clone(),
                    format!("count={}", album.asset_count),
                ];
                out.extend(members(&album));
                Outcome::Names(out)
            }
            Call::UpdateAlbum(id) => {
                let update = UpdateAlbumInfo::new(album_id(id))
                    .name("Renamed")
                    .description("new words")
                    .order(AssetOrder::Asc);
                let album = client.update_album(update)$($aw)*?;
                Outcome::Names(vec![
                    album.album_name,
                    album.description,
                    format!("{:?}", album.order),
                ])
            }
            Call::DeleteAlbum(id) => {
                client.delete_album(album_id(id))$($aw)*?;
                Outcome::Names(sorted(
                    client.albums()$($aw)*?.into_iter().map(|a| a.album_name).collect(),
                ))
            }
            Call::RemoveFromAlbum(album, list) => Outcome::Bulk(
                client
                    .remove_assets_from_album(album_id(album), asset_ids(list))$($aw)*?
                    .into_iter()
                    .map(|r| (r.id, r.success, r.error.map(|e| e.to_string())))
                    .collect(),
            ),
            Call::AddUsers(album) => {
                let album = client
                    .add_users_to_album(album_id(album), vec![NewAlbumUser::viewer(bob())])$($aw)*?;
                Outcome::Names(members(&album))
            }
            Call::UpdateAlbumUser(album) => {
                client.add_users_to_album(album_id(album), vec![NewAlbumUser::viewer(bob())])$($aw)*?;
                client.update_album_user(album_id(album), bob(), AlbumUserRole::Editor)$($aw)*?;
                Outcome::Text(format!("{:?}", server.album_members(album)))
            }
            Call::RemoveUserFromAlbum(album) => {
                client.add_users_to_album(album_id(album), vec![NewAlbumUser::editor(bob())])$($aw)*?;
                client.remove_user_from_album(album_id(album), bob())$($aw)*?;
                Outcome::Text(format!("{:?}", server.album_members(album)))
            }
            Call::AlbumStatistics => {
                let stats = client.album_statistics()$($aw)*?;
                Outcome::Names(vec![
                    format!("owned={}", stats.owned),
                    format!("shared={}", stats.shared),
                    format!("notShared={}", stats.not_shared),
                ])
            }
            Call::CreateSharedLink => {
                let link = CreateSharedLink::for_album(album_id(&fixtures::album_holidays()))
                    .expires_at(DateTime::parse("2030-12-31T23:00:00+01:00").expect("date"))
                    .allow_download(false)
                    .description("for grandma");
                let created = client.create_shared_link(link)$($aw)*?;
                let listed = client.shared_links()$($aw)*?;
                Outcome::Names(vec![
                    format!("{}", created.link_type),
                    format!("expires={:?}", created.expires_at.map(|t| t.to_utc_string())),
                    format!("download={}", created.allow_download),
                    format!("album={:?}", created.album.map(|a| a.album_name)),
                    format!("listed={}", listed.len()),
                    format!("same={}", listed.first().is_some_and(|l| l.id == created.id)),
                ])
            }
            Call::RemoveSharedLink => {
                let link = CreateSharedLink::for_assets(vec![AssetId::new_unchecked(fixtures::asset_family())]);
                let created = client.create_shared_link(link)$($aw)*?;
                let before = server.shared_link_ids().len();
                client.remove_shared_link(SharedLinkId::new_unchecked(created.id.to_string()))$($aw)*?;
                let after = client.shared_links()$($aw)*?.len();
                Outcome::Names(vec![
                    format!("{}", created.link_type),
                    format!("assets={}", created.assets.len()),
                    format!("before={before}"),
                    format!("after={after}"),
                ])
            }
            Call::Memories(day) => {
                let search = match day {
                    Some((y, m, d)) => immich_proto::memories::SearchMemories::on_this_day(
                        Date::new(*y, *m, *d).expect("date"),
                    ),
                    None => immich_proto::memories::SearchMemories::new(),
                };
                let memories = client.memories(search)$($aw)*?;
                Outcome::Names(
                    memories
                        .into_iter()
                        .flat_map(|m| {
                            let year = m.data.year;
                            m.assets.into_iter().map(move |a| format!("{year:?}:{}", a.id))
                        })
                        .collect(),
                )
            }
            Call::RandomAssets(n) => Outcome::Count(
                client
                    .random_assets(immich_proto::search::RandomSearch::new(*n))$($aw)*?
                    .len(),
            ),
            Call::TimeBuckets => Outcome::Names(
                client
                    .time_buckets(immich_proto::timeline::GetTimeBuckets::new())$($aw)*?
                    .into_iter()
                    .map(|b| format!("{:?}={}", b.date().map(|d| d.to_string()), b.count))
                    .collect(),
            ),
            Call::TimeBucket((y, m, d)) => {
                let month = Date::new(*y, *m, *d).expect("date");
                let bucket = client
                    .time_bucket(immich_proto::timeline::GetTimeBucket::new(month))$($aw)*?;
                let mut out: Vec<String> = bucket
                    .iter()
                    .map(|row| {
                        format!(
                            "{} taken={:?} stack={:?}",
                            row.id,
                            row.file_created().map(|t| t.to_utc_string()),
                            row.stack.and_then(|s| s.count())
                        )
                    })
                    .collect();
                out.sort();
                Outcome::Names(out)
            }
            Call::MapMarkers => {
                let family = AssetId::new_unchecked(fixtures::asset_family());
                client.update_asset(family, AssetChanges::new().location(47.37, 8.54))$($aw)*?;
                Outcome::Names(
                    client
                        .map_markers()$($aw)*?
                        .into_iter()
                        .map(|m| format!("{} {},{}", m.id, m.lat, m.lon))
                        .collect(),
                )
            }
            Call::Stacks => Outcome::Names(
                client
                    .stacks()$($aw)*?
                    .into_iter()
                    .map(|s| {
                        let primary = s.primary_asset().map(|a| a.original_file_name.clone());
                        format!("{} primary={primary:?} assets={}", s.id, s.assets.len())
                    })
                    .collect(),
            ),
            Call::Ping => {
                let pong = client.ping()$($aw)*?;
                Outcome::Names(vec![pong.res.clone(), format!("pong={}", pong.is_pong())])
            }
            Call::Features => {
                let features = client.features()$($aw)*?;
                Outcome::Names(vec![
                    format!("smartSearch={}", features.smart_search),
                    format!("trash={}", features.trash),
                    format!("map={}", features.map),
                ])
            }
            Call::MediaTypes => {
                let types = client.media_types()$($aw)*?;
                Outcome::Names(
                    ["IMG_1.JPG", "clip.mov", "IMG_1.xmp", "notes.txt"]
                        .iter()
                        .map(|name| format!("{name}={:?}", types.kind_of(name)))
                        .collect(),
                )
            }
            Call::MyApiKey => {
                let key = client.my_api_key()$($aw)*?;
                let mut permissions: Vec<String> =
                    key.permissions.iter().map(|p| p.to_string()).collect();
                permissions.sort();
                permissions.insert(0, key.name);
                Outcome::Names(permissions)
            }
            Call::Capabilities => {
                let caps = client.capabilities()$($aw)*?;
                Outcome::Names(vec![
                    format!("delete={}", caps.can_run::<immich_proto::assets::DeleteAssets>()),
                    format!("upload={}", caps.can_run::<immich_proto::assets::CheckBulkUpload>()),
                    format!("ping={}", caps.can_run::<immich_proto::server::PingServer>()),
                ])
            }
            Call::AlbumsFiltered(filters) => {
                if filters.link {
                    let link = CreateSharedLink::for_album(album_id(&fixtures::album_holidays()));
                    client.create_shared_link(link)$($aw)*?;
                }
                Outcome::Names(sorted(
                    client.run(filters.flow())$($aw)*?.into_iter().map(|a| a.album_name).collect(),
                ))
            }
            other => unreachable!("not an issue-5 call: {other:?}"),
        }
    }};
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
            Call::Sequential => Outcome::Names(vec![
                client.about().await?.version,
                client.me().await?.email,
                format!("tags={}", client.tags().await?.len()),
            ]),
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
            call => manage_calls!(&client, call, server, scratch, [.await]),
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
        reader.read_to_end(&mut body)?;
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
            Call::Sequential => Outcome::Names(vec![
                client.about()?.version,
                client.me()?.email,
                format!("tags={}", client.tags()?.len()),
            ]),
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
            call => manage_calls!(&client, call, server, scratch, []),
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
