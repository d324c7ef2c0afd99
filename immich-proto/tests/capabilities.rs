//! Capabilities: ping, features, media types, the API key's permissions, what a key may do,
//! and the catalogue of the permission every operation needs.

#[path = "support/golden.rs"]
mod support;

use std::collections::{BTreeMap, BTreeSet};

use http::Response;
use immich_proto::albums::{
    AddAssetsToAlbum, AddUsersToAlbum, CreateAlbum, DeleteAlbum, GetAlbumInfo, GetAlbumStatistics,
    RemoveAssetFromAlbum, RemoveUserFromAlbum, UpdateAlbumInfo, UpdateAlbumUser,
};
use immich_proto::api_keys::{GetMyApiKey, GET_MY_API_KEY_SINCE};
use immich_proto::assets::{
    CheckBulkUpload, DeleteAssets, DownloadAsset, GetAssetInfo, GetAssetStatistics, PlayAssetVideo,
    UpdateAsset, UpdateAssets, UploadAsset, ViewAsset,
};
use immich_proto::authentication::{Login, Logout, ValidateAccessToken};
use immich_proto::map::GetMapMarkers;
use immich_proto::memories::SearchMemories;
use immich_proto::people::{GetAllPeople, GetPerson, GetPersonThumbnail, PeopleCount};
use immich_proto::search::{SearchAssets, SearchPerson, SearchRandom, SearchSmart};
use immich_proto::server::{
    GetAboutInfo, GetServerFeatures, GetServerStatistics, GetServerVersion, GetStorage,
    GetSupportedMediaTypes, GetVersionCheck, MediaKind, PingServer, SupportedMediaTypes,
};
use immich_proto::shared_links::{
    CreateSharedLink, GetAllSharedLinks, GetMySharedLink, RemoveSharedLink, SharedLinkLogin,
};
use immich_proto::stacks::SearchStacks;
use immich_proto::tags::{GetAllTags, GetTagById};
use immich_proto::timeline::{GetTimeBucket, GetTimeBuckets};
use immich_proto::trash::EmptyTrash;
use immich_proto::users::GetMyUser;
use immich_proto::ServerVersion;
use immich_proto::{
    parse_response, ApiKeyId, Capabilities, DateTime, Endpoint, Error, MediaEndpoint, Permission,
};
use support::{assert_request, get, ok, ok_fixture, server, v1, v3};

const BASE: &str = "http://immich.test:2283/api";

// ---- golden requests -------------------------------------------------------------------

#[test]
fn capability_requests_golden() {
    for server in [server(None), v1(), v3()] {
        assert_request(
            &PingServer::new().request(&server).unwrap(),
            &get(&format!("{BASE}/server/ping")),
        );
        assert_request(
            &GetServerFeatures::new().request(&server).unwrap(),
            &get(&format!("{BASE}/server/features")),
        );
        assert_request(
            &GetSupportedMediaTypes::new().request(&server).unwrap(),
            &get(&format!("{BASE}/server/media-types")),
        );
    }
    for server in [server(None), support::server(Some((1, 139, 0))), v3()] {
        assert_request(
            &GetMyApiKey::new().request(&server).unwrap(),
            &get(&format!("{BASE}/api-keys/me")),
        );
    }
}

#[test]
fn my_api_key_names_its_minimum_version_on_older_servers() {
    assert_eq!(GET_MY_API_KEY_SINCE, (1, 139, 0));
    for old in [v1(), support::server(Some((1, 138, 1)))] {
        let err = GetMyApiKey::new().request(&old).unwrap_err();
        let message = err.to_string();
        assert!(
            message.contains("getMyApiKey needs Immich v1.139.0 or newer"),
            "{message}"
        );
        assert!(matches!(
            err,
            Error::Unsupported {
                operation: "getMyApiKey",
                minimum,
                ..
            } if minimum == ServerVersion::new(1, 139, 0)
        ));
    }
}

// ---- recorded answers ------------------------------------------------------------------

#[test]
fn ping_reads_any_answer_and_tells_pong() {
    let pong = parse_response(&PingServer::new(), ok_fixture("server/pingServer.v3.json")).unwrap();
    assert!(pong.is_pong());
    // The document only says `res` is a string: another string decodes, but is not a pong.
    let other = parse_response(&PingServer::new(), ok(r#"{"res":"pang","extra":1}"#)).unwrap();
    assert_eq!(other.res, "pang");
    assert!(!other.is_pong());
    // No `res` at all is a decode error naming it.
    match parse_response(&PingServer::new(), ok(r#"{"status":"ok"}"#)).unwrap_err() {
        Error::Decode(decode) => {
            assert_eq!(decode.operation, "pingServer");
            assert!(decode.message.contains("res"), "{}", decode.message);
        }
        other => panic!("{other:?}"),
    }
    // A proxy's page answered with 200 is not a healthy server.
    assert!(matches!(
        parse_response(&PingServer::new(), ok("<html>It works!</html>")),
        Err(Error::Decode(_))
    ));
    let down = Response::builder()
        .status(502)
        .body(bytes::Bytes::from_static(b"Bad Gateway"))
        .unwrap();
    assert_eq!(
        parse_response(&PingServer::new(), down)
            .unwrap_err()
            .status()
            .map(|s| s.as_u16()),
        Some(502)
    );
}

#[test]
fn features_old_and_v3() {
    let old = parse_response(
        &GetServerFeatures::new(),
        ok_fixture("server/getServerFeatures.v1_118.json"),
    )
    .unwrap();
    assert!(old.smart_search && old.facial_recognition && old.map && old.trash);
    assert!(!old.duplicate_detection && !old.oauth);
    // v1.118 has no OCR: not mentioned reads as off.
    assert!(!old.ocr);
    let new = parse_response(
        &GetServerFeatures::new(),
        ok_fixture("server/getServerFeatures.v3.json"),
    )
    .unwrap();
    assert!(new.ocr && new.config_file && new.oauth_auto_launch && new.search);
    assert!(!new.smart_search && !new.password_login && !new.trash);
}

#[test]
fn media_types_accept_like_the_server() {
    let old = parse_response(
        &GetSupportedMediaTypes::new(),
        ok_fixture("server/getSupportedMediaTypes.v1_118.json"),
    )
    .unwrap();
    let new = parse_response(
        &GetSupportedMediaTypes::new(),
        ok_fixture("server/getSupportedMediaTypes.v3.json"),
    )
    .unwrap();
    for types in [&old, &new] {
        for accepted in [
            "IMG_0001.JPG",
            "img.jpeg",
            "/home/ann/Pictures/raw/DSC01234.ARW",
            r"C:\Users\ann\Videos\clip.MOV",
            "holiday.final.mp4",
            "scan.TiFf",
        ] {
            assert!(types.accepts(accepted), "{accepted}");
        }
        for refused in [
            "notes.txt",
            "IMG_0001.JPG.xmp",
            "photo",
            ".jpg",
            "archive.jpg.zip",
            "dir.jpg/readme",
            "",
        ] {
            assert!(!types.accepts(refused), "{refused}");
        }
        assert_eq!(types.kind_of("a.HEIC"), Some(MediaKind::Image));
        assert_eq!(types.kind_of("a.webm"), Some(MediaKind::Video));
        assert_eq!(types.kind_of("a.jpg.XMP"), Some(MediaKind::Sidecar));
        assert!(types.is_sidecar("IMG_1.jpg.xmp"));
        assert!(!types.is_sidecar("IMG_1.jpg"));
    }
    // What the server takes follows what it says: v3 lists JPEG XL, v1.118 here does not.
    assert!(new.accepts("frame.jxl") && !old.accepts("frame.jxl"));
    // Entries without their dot, or in another case, still match.
    let loose = SupportedMediaTypes::new(vec!["JPG".into(), " .Png ".into()], vec![], vec![]);
    assert!(loose.accepts("a.jpg") && loose.accepts("b.PNG"));
    assert!(!SupportedMediaTypes::default().accepts("a.jpg"));
}

#[test]
fn my_api_key_and_its_capabilities() {
    let key = parse_response(
        &GetMyApiKey::new(),
        ok_fixture("api_keys/getMyApiKey.v3.json"),
    )
    .unwrap();
    assert_eq!(
        key.id,
        ApiKeyId::parse("a91e0000-0000-4000-8000-000000000001").unwrap()
    );
    assert_eq!(key.name, "photo frame");
    assert_eq!(
        key.permissions,
        vec![
            Permission::AssetRead,
            Permission::AssetView,
            Permission::AlbumRead,
            Permission::MemoryRead,
            Permission::Unknown("photo.teleport".into()),
        ]
    );
    assert_eq!(
        key.created_at,
        DateTime::parse("2025-09-01T10:00:00Z").unwrap()
    );
    let caps = key.capabilities();
    assert!(!caps.has_all());
    assert!(caps.can(&Permission::AssetRead));
    assert!(!caps.can(&Permission::AssetUpload));
    assert!(caps.can(&Permission::Unknown("photo.teleport".into())));
    assert!(caps.allows(Some("photo.teleport")));
    assert!(!caps.allows(Some("photo.levitate")));
    // A photo frame: search, thumbnails, memories; no uploads, no album changes.
    assert!(caps.can_run::<SearchAssets>());
    assert!(caps.can_run::<GetAlbumInfo>());
    assert!(caps.can_run::<SearchMemories>());
    assert!(caps.can_stream::<ViewAsset>());
    assert!(!caps.can_stream::<DownloadAsset>());
    assert!(!caps.can_run::<CreateAlbum>());
    assert!(!caps.can_run::<GetAllTags>());
    assert!(!caps.allows(UploadAsset::PERMISSION));
    // Public operations need nothing.
    assert!(caps.can_run::<PingServer>() && caps.can_run::<GetServerVersion>());
    assert!(Capabilities::new([]).can_run::<GetMyApiKey>());
    // What to ask the user to grant for an uploader, each permission once, in order.
    let uploader = [
        Permission::required_by::<CheckBulkUpload>(),
        UploadAsset::PERMISSION.map(Permission::from),
        Permission::required_by::<SearchAssets>(),
        Permission::required_by::<CreateAlbum>(),
        Permission::required_by::<AddAssetsToAlbum>(),
        Permission::required_by::<PingServer>(),
    ];
    let needed: Vec<Permission> = uploader.into_iter().flatten().collect();
    assert_eq!(
        caps.missing_for(&needed),
        vec![
            Permission::AssetUpload,
            Permission::AlbumCreate,
            Permission::AlbumAssetCreate
        ]
    );
    let debug = format!("{caps:?}");
    assert!(
        debug.contains("asset.read") && debug.contains("all: false"),
        "{debug}"
    );
}

#[test]
fn the_all_permission_grants_everything() {
    let key = parse_response(
        &GetMyApiKey::new(),
        ok_fixture("api_keys/getMyApiKey.all.json"),
    )
    .unwrap();
    assert_eq!(key.permissions, vec![Permission::All]);
    let caps = key.capabilities();
    assert!(caps.has_all());
    for permission in Permission::KNOWN {
        assert!(caps.can(permission), "{permission}");
    }
    assert!(caps.can(&Permission::Unknown("added.later".into())));
    assert!(caps.can_run::<DeleteAlbum>() && caps.can_stream::<PlayAssetVideo>());
    assert!(caps.missing_for(&[Permission::AdminUserDelete]).is_empty());
    assert_eq!(Capabilities::everything(), caps);
    // Without `all`, nothing is implied: `asset.read` does not grant `asset.view`.
    let reader = Capabilities::new([Permission::AssetRead]);
    assert!(!reader.can(&Permission::AssetView));
    assert_eq!(
        reader.missing_for(&[
            Permission::AssetView,
            Permission::AssetRead,
            Permission::AssetView
        ]),
        vec![Permission::AssetView]
    );
}

#[test]
fn a_403_names_a_typed_permission() {
    let forbidden = Response::builder()
        .status(403)
        .header("content-type", "application/json")
        .body(bytes::Bytes::from_static(
            br#"{"message":"Missing required permission: sharedLink.create","error":"Forbidden","statusCode":403}"#,
        ))
        .unwrap();
    let album = immich_proto::AlbumId::parse("a1b00000-0000-4000-8000-000000000001").unwrap();
    let err = parse_response(&CreateSharedLink::for_album(album), forbidden).unwrap_err();
    assert_eq!(
        Permission::missing_in(&err),
        Some(Permission::SharedLinkCreate)
    );
    assert_eq!(
        Permission::missing_in(&Error::VersionRequired { operation: "x" }),
        None
    );
}

// ---- the catalogue: every operation and the permission it needs ------------------------

/// `x-immich-permission` of every operation the crate implements (and those issue 5 plans),
/// copied from the Immich v3.0.0 OpenAPI document; `None` where it names none.
const DOCUMENT: &[(&str, Option<&str>)] = &[
    ("getServerVersion", None),
    ("getStorage", Some("server.storage")),
    ("getServerStatistics", Some("server.statistics")),
    ("getVersionCheck", Some("server.versionCheck")),
    ("getAboutInfo", Some("server.about")),
    ("getMyUser", Some("user.read")),
    ("viewAsset", Some("asset.view")),
    ("playAssetVideo", Some("asset.view")),
    ("searchAssets", Some("asset.read")),
    ("searchPerson", Some("person.read")),
    ("searchSmart", Some("asset.read")),
    ("getAlbumInfo", Some("album.read")),
    ("addAssetsToAlbum", Some("albumAsset.create")),
    ("getTagById", Some("tag.read")),
    ("getAllTags", Some("tag.read")),
    ("getPerson", Some("person.read")),
    ("getPersonThumbnail", Some("person.read")),
    ("getAllPeople", Some("person.read")),
    ("getAllAlbums", Some("album.read")),
    ("uploadAsset", Some("asset.upload")),
    ("createAlbum", Some("album.create")),
    ("updateAlbumInfo", Some("album.update")),
    ("deleteAlbum", Some("album.delete")),
    ("removeAssetFromAlbum", Some("albumAsset.delete")),
    ("addUsersToAlbum", Some("albumUser.create")),
    ("removeUserFromAlbum", Some("albumUser.delete")),
    ("updateAlbumUser", Some("albumUser.update")),
    ("getAlbumStatistics", Some("album.statistics")),
    ("getAllSharedLinks", Some("sharedLink.read")),
    ("createSharedLink", Some("sharedLink.create")),
    ("removeSharedLink", Some("sharedLink.delete")),
    ("pingServer", None),
    ("getServerFeatures", None),
    ("getSupportedMediaTypes", None),
    ("getMyApiKey", None),
    ("checkBulkUpload", Some("asset.upload")),
    ("getAssetInfo", Some("asset.read")),
    ("updateAsset", Some("asset.update")),
    ("updateAssets", Some("asset.update")),
    ("deleteAssets", Some("asset.delete")),
    ("emptyTrash", Some("asset.delete")),
    ("getAssetStatistics", Some("asset.statistics")),
    ("downloadAsset", Some("asset.download")),
    ("searchMemories", Some("memory.read")),
    ("searchRandom", Some("asset.read")),
    ("getTimeBuckets", Some("asset.read")),
    ("getTimeBucket", Some("asset.read")),
    ("getMapMarkers", Some("map.read")),
    ("searchStacks", Some("stack.read")),
    ("login", None),
    ("logout", None),
    ("validateAccessToken", None),
    ("getMySharedLink", None),
    ("sharedLinkLogin", None),
];

/// One operation type: its name in the crate, operationId and declared permission.
#[derive(Debug)]
struct Entry {
    type_name: &'static str,
    operation_id: &'static str,
    permission: Option<&'static str>,
}

macro_rules! catalogue {
    (endpoints: [$($endpoint:ident),* $(,)?], media: [$($media:ident),* $(,)?], inherent: [$($inherent:ident),* $(,)?] $(,)?) => {
        vec![
            $(Entry {
                type_name: stringify!($endpoint),
                operation_id: <$endpoint as Endpoint>::OPERATION_ID,
                permission: <$endpoint as Endpoint>::PERMISSION,
            },)*
            $(Entry {
                type_name: stringify!($media),
                operation_id: <$media as MediaEndpoint>::OPERATION_ID,
                permission: <$media as MediaEndpoint>::PERMISSION,
            },)*
            $(Entry {
                type_name: stringify!($inherent),
                operation_id: $inherent::OPERATION_ID,
                permission: $inherent::PERMISSION,
            },)*
        ]
    };
}

/// Every public operation type of the crate. `every_operation_type_is_catalogued` fails when
/// a new one is missing here.
fn catalogue() -> Vec<Entry> {
    catalogue!(
        endpoints: [
            GetAboutInfo, GetStorage, GetServerStatistics, GetServerVersion, GetVersionCheck,
            PingServer, GetServerFeatures, GetSupportedMediaTypes,
            GetMyUser, GetMyApiKey,
            GetAlbumInfo, AddAssetsToAlbum, CreateAlbum, UpdateAlbumInfo, DeleteAlbum,
            RemoveAssetFromAlbum, AddUsersToAlbum, RemoveUserFromAlbum, UpdateAlbumUser,
            GetAlbumStatistics,
            GetAllSharedLinks, CreateSharedLink, RemoveSharedLink,
            GetAllPeople, GetPerson, PeopleCount,
            GetAllTags, GetTagById,
            SearchAssets, SearchSmart, SearchPerson, SearchRandom,
            GetAssetInfo, UpdateAsset, UpdateAssets, DeleteAssets, GetAssetStatistics,
            CheckBulkUpload, EmptyTrash,
            SearchMemories, GetTimeBuckets, GetTimeBucket, GetMapMarkers, SearchStacks,
            Login, Logout, ValidateAccessToken, GetMySharedLink, SharedLinkLogin,
        ],
        media: [ViewAsset, PlayAssetVideo, DownloadAsset, GetPersonThumbnail],
        inherent: [UploadAsset],
    )
}

/// Private operation types a test cannot name, with the operationId they use.
const PRIVATE: &[(&str, &str)] = &[("ListAlbums", "getAllAlbums")];

fn document() -> BTreeMap<&'static str, Option<&'static str>> {
    DOCUMENT.iter().copied().collect()
}

#[test]
fn every_operation_declares_the_documented_permission() {
    let document = document();
    for entry in catalogue() {
        let documented = document.get(entry.operation_id).unwrap_or_else(|| {
            panic!(
                "{}: operationId {} is not in the table",
                entry.type_name, entry.operation_id
            )
        });
        assert_eq!(
            entry.permission, *documented,
            "{} ({}) declares {:?}, the document says {:?}",
            entry.type_name, entry.operation_id, entry.permission, documented
        );
        if let Some(permission) = entry.permission {
            assert!(
                Permission::from(permission).is_known(),
                "{}: {permission} is not a known Permission",
                entry.type_name
            );
        }
    }
    // Every documented permission of the table is a known `Permission`.
    for (operation, permission) in DOCUMENT {
        if let Some(permission) = permission {
            assert!(
                Permission::from(*permission).is_known(),
                "{operation}: {permission}"
            );
        }
    }
}

/// An operation type found in the crate's source: `impl Endpoint for X`, `impl MediaEndpoint
/// for X`, or an inherent `impl X` with its own `PERMISSION`.
#[derive(Debug)]
struct Found {
    file: String,
    type_name: String,
    operation_id: String,
    permission: Option<String>,
}

/// The text after `marker` on the same line, up to `;`, trimmed.
fn value_after<'a>(block: &'a str, marker: &str) -> Option<&'a str> {
    let start = block.find(marker)? + marker.len();
    let rest = &block[start..];
    Some(rest[..rest.find(';')?].trim())
}

fn unquote(text: &str) -> Option<String> {
    text.strip_prefix('"')?.strip_suffix('"').map(str::to_owned)
}

fn scan_file(file: &str, source: &str, found: &mut Vec<Found>) {
    // Unit-test modules define throwaway endpoints; only the crate's own count.
    let source = source.split("#[cfg(test)]").next().unwrap_or(source);
    let lines: Vec<&str> = source.lines().collect();
    // Impl blocks start at a line beginning with `impl`; each runs to the next one.
    let starts: Vec<usize> = (0..lines.len())
        .filter(|&i| lines[i].starts_with("impl"))
        .collect();
    for (n, &start) in starts.iter().enumerate() {
        let end = starts.get(n + 1).copied().unwrap_or(lines.len());
        let block = lines[start..end].join("\n");
        let Some(permission) = value_after(&block, "const PERMISSION: Option<&'static str> =")
        else {
            continue;
        };
        let header = lines[start].trim_end_matches('{').trim();
        let subject = header.rsplit(" for ").next().unwrap_or(header);
        let subject = subject.strip_prefix("impl").unwrap_or(subject).trim();
        let type_name: String = subject
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        let operation = value_after(&block, "const OPERATION_ID: &'static str =")
            .unwrap_or_else(|| panic!("{file}: {type_name} has no OPERATION_ID"));
        let operation_id = unquote(operation).unwrap_or_else(|| {
            // A named constant of the same file: `const NAME: &str = "...";`.
            value_after(source, &format!("const {operation}: &str ="))
                .and_then(unquote)
                .unwrap_or_else(|| panic!("{file}: cannot resolve {operation}"))
        });
        let permission = match permission {
            "None" => None,
            other => Some(
                other
                    .strip_prefix("Some(")
                    .and_then(|p| p.strip_suffix(')'))
                    .and_then(unquote)
                    .unwrap_or_else(|| panic!("{file}: {type_name}: PERMISSION = {other}")),
            ),
        };
        found.push(Found {
            file: file.to_owned(),
            type_name,
            operation_id,
            permission,
        });
    }
}

fn scan_dir(dir: &std::path::Path, found: &mut Vec<Found>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            scan_dir(&path, found);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let source = std::fs::read_to_string(&path).unwrap();
            scan_file(&path.display().to_string(), &source, found);
        }
    }
}

#[test]
fn every_operation_type_is_catalogued() {
    let mut found = Vec::new();
    scan_dir(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &mut found,
    );
    let typed: BTreeSet<&str> = catalogue().iter().map(|e| e.type_name).collect();
    let private: BTreeMap<&str, &str> = PRIVATE.iter().copied().collect();
    let document = document();
    let mut scanned = BTreeSet::new();
    for op in &found {
        scanned.insert(op.type_name.as_str());
        assert!(
            typed.contains(op.type_name.as_str())
                || private.get(op.type_name.as_str()) == Some(&op.operation_id.as_str()),
            "{} ({}, {}) is missing from catalogue() in tests/capabilities.rs",
            op.type_name,
            op.operation_id,
            op.file
        );
        let documented = document.get(op.operation_id.as_str()).unwrap_or_else(|| {
            panic!(
                "{}: operationId {} is not in DOCUMENT",
                op.type_name, op.operation_id
            )
        });
        assert_eq!(
            op.permission.as_deref(),
            *documented,
            "{} in {}",
            op.type_name,
            op.file
        );
    }
    for name in &typed {
        assert!(scanned.contains(name), "{name} was not found in the source");
    }
    // The scan itself works: it saw the private type and every public one.
    assert!(scanned.contains("ListAlbums"));
    assert_eq!(scanned.len(), typed.len() + PRIVATE.len());
}

#[test]
fn the_operations_an_app_needs_map_to_permissions() {
    // A backup tool that reads everything and downloads originals.
    let backup = [
        Permission::required_by::<SearchAssets>(),
        Permission::required_by_media::<DownloadAsset>(),
        Permission::required_by::<GetAlbumInfo>(),
        Permission::required_by::<GetAllPeople>(),
        Permission::required_by::<GetAllTags>(),
        Permission::required_by::<GetServerVersion>(),
    ];
    let needed: BTreeSet<String> = backup
        .into_iter()
        .flatten()
        .map(|p| p.as_str().to_owned())
        .collect();
    assert_eq!(
        needed.into_iter().collect::<Vec<_>>(),
        [
            "album.read",
            "asset.download",
            "asset.read",
            "person.read",
            "tag.read"
        ]
    );
}
