//! Capabilities: ping, features, media types, the API key's permissions, what a key may do
//! (by type and by the catalogue), and every operation type of the source against the
//! generated catalogue (`immich_proto::catalogue::OPERATIONS`).

#[path = "support/golden.rs"]
mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use http::Response;
use immich_proto::albums::{AddAssetsToAlbum, CreateAlbum, DeleteAlbum, GetAlbumInfo};
use immich_proto::api_keys::{GetMyApiKey, GET_MY_API_KEY_SINCE};
use immich_proto::assets::{
    CheckBulkUpload, DownloadAsset, PlayAssetVideo, UploadAsset, ViewAsset,
};
use immich_proto::authentication::Login;
use immich_proto::catalogue::{self, OPERATIONS};
use immich_proto::memories::SearchMemories;
use immich_proto::people::{GetAllPeople, GetPersonThumbnail};
use immich_proto::search::SearchAssets;
use immich_proto::server::{
    GetServerFeatures, GetServerVersion, GetSupportedMediaTypes, MediaKind, PingServer,
    SupportedMediaTypes,
};
use immich_proto::shared_links::CreateSharedLink;
use immich_proto::tags::{CreateTag, GetAllTags};
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
fn the_catalogue_answers_what_a_key_may_call() {
    let frame = parse_response(
        &GetMyApiKey::new(),
        ok_fixture("api_keys/getMyApiKey.v3.json"),
    )
    .unwrap()
    .capabilities();
    assert_eq!(frame.may_call("searchAssets"), Some(true));
    assert_eq!(frame.may_call("viewAsset"), Some(true));
    assert_eq!(frame.may_call("getAlbumInfo"), Some(true));
    assert_eq!(frame.may_call("downloadAsset"), Some(false));
    assert_eq!(frame.may_call("uploadAsset"), Some(false));
    assert_eq!(frame.may_call("createAlbum"), Some(false));
    // Operations that name no permission: public ones, and ones any key may call.
    assert_eq!(frame.may_call("pingServer"), Some(true));
    assert_eq!(frame.may_call("login"), Some(true));
    assert_eq!(frame.may_call("getMyApiKey"), Some(true));
    // An id the catalogue does not know is neither allowed nor refused.
    assert_eq!(frame.may_call("teleportPhoto"), None);
    assert_eq!(frame.may_call(""), None);
    assert_eq!(frame.may_call("SearchAssets"), None);

    // `callable` is exactly the operations `may_call` allows, in catalogue order.
    let callable: Vec<&str> = frame.callable().map(|op| op.id).collect();
    let expected: Vec<&str> = OPERATIONS
        .iter()
        .filter(|op| frame.may_call(op.id) == Some(true))
        .map(|op| op.id)
        .collect();
    assert_eq!(callable, expected);
    for op in frame.callable() {
        assert!(
            op.permission.is_none_or(
                |p| ["asset.read", "asset.view", "album.read", "memory.read"].contains(&p)
            ),
            "{}: {:?}",
            op.id,
            op.permission
        );
    }
    // Every operation without a permission is callable, admin-only ones included (their
    // user must still be an admin, which a key's permissions cannot tell).
    for op in OPERATIONS.iter().filter(|op| op.permission.is_none()) {
        assert!(callable.contains(&op.id), "{}", op.id);
    }
    assert!(frame
        .callable()
        .any(|op| op.admin_only && op.permission.is_none()));
    // Permission-guarded admin operations need their permission like any other.
    assert_eq!(frame.may_call("deleteUserAdmin"), Some(false));

    // `all`: everything. No permissions: only what names none.
    let everything = Capabilities::everything();
    assert_eq!(everything.callable().count(), OPERATIONS.len());
    assert!(OPERATIONS
        .iter()
        .all(|op| everything.may_call(op.id) == Some(true)));
    let nothing = Capabilities::new([]);
    assert!(nothing.callable().all(|op| op.permission.is_none()));
    assert_eq!(
        nothing.callable().count(),
        OPERATIONS
            .iter()
            .filter(|op| op.permission.is_none())
            .count()
    );
    assert!(nothing
        .callable()
        .filter(|op| op.public)
        .any(|op| op.id == "getServerVersion"));
    // Every typed operation's own answer agrees with the catalogue's.
    assert_eq!(
        frame.may_call(SearchAssets::OPERATION_ID),
        Some(frame.can_run::<SearchAssets>())
    );
    assert_eq!(
        frame.may_call(DownloadAsset::OPERATION_ID),
        Some(frame.can_stream::<DownloadAsset>())
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

// ---- the catalogue: every operation type against the generated table -----------------
//
// `immich_proto::catalogue::OPERATIONS` (generated by `cargo xtask gen` from the document) is
// the one list of operations. The scan below reads immich-proto's source and checks both ways
// that the types in it and the table agree: no list of operations is kept here.

/// An operation type found in the crate's source: `impl Endpoint for X`, `impl MediaEndpoint
/// for X`, or an inherent `impl X` with its own `PERMISSION`; or a multi-request `impl Flow
/// for X` with its own `OPERATION_ID` (its requests' types declare the permissions).
#[derive(Debug)]
struct Found {
    /// Relative to `immich-proto/src`, with `/` (as the catalogue's `file`).
    file: String,
    type_name: String,
    operation_id: String,
    /// `None` for a flow.
    permission: Option<Option<String>>,
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
        let header = lines[start].trim_end_matches('{').trim();
        let permission = value_after(&block, "const PERMISSION: Option<&'static str> =");
        let flow = header.contains(" Flow for ");
        if permission.is_none() && !flow {
            continue;
        }
        let subject = header.rsplit(" for ").next().unwrap_or(header);
        let subject = subject.strip_prefix("impl").unwrap_or(subject).trim();
        let type_name: String = subject
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        let operation = value_after(&block, "const OPERATION_ID: &'static str =")
            .unwrap_or_else(|| panic!("{file}: {type_name} has no OPERATION_ID"));
        if flow && operation.contains("::") {
            // A generic wrapper (`Single<E>`, `Pager<P>`): the wrapped type's id.
            continue;
        }
        let operation_id = unquote(operation).unwrap_or_else(|| {
            // A named constant of the same file: `const NAME: &str = "...";`.
            value_after(source, &format!("const {operation}: &str ="))
                .and_then(unquote)
                .unwrap_or_else(|| panic!("{file}: cannot resolve {operation}"))
        });
        let permission = permission.map(|permission| match permission {
            "None" => None,
            other => Some(
                other
                    .strip_prefix("Some(")
                    .and_then(|p| p.strip_suffix(')'))
                    .and_then(unquote)
                    .unwrap_or_else(|| panic!("{file}: {type_name}: PERMISSION = {other}")),
            ),
        });
        found.push(Found {
            file: file.to_owned(),
            type_name,
            operation_id,
            permission,
        });
    }
}

fn src_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn scan_dir(root: &Path, dir: &Path, found: &mut Vec<Found>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            scan_dir(root, &path, found);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let source = std::fs::read_to_string(&path).unwrap();
            let relative = path.strip_prefix(root).unwrap();
            let file: Vec<String> = relative
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            scan_file(&file.join("/"), &source, found);
        }
    }
}

/// Every operation type of immich-proto's source.
fn scan() -> Vec<Found> {
    let mut found = Vec::new();
    scan_dir(&src_dir(), &src_dir(), &mut found);
    found
}

/// `albums::GetAlbumInfo` -> `GetAlbumInfo`.
fn short_name(rust_type: &str) -> &str {
    rust_type.rsplit("::").next().unwrap_or(rust_type)
}

#[test]
fn every_operation_type_is_catalogued() {
    let found = scan();
    let mut by_id: BTreeMap<&str, Vec<&Found>> = BTreeMap::new();
    let mut own_flows = Vec::new();
    for op in &found {
        let Some(entry) = catalogue::find(&op.operation_id) else {
            // A flow may have an id of its own: one of the core's multi-request operations.
            assert!(
                op.permission.is_none(),
                "{} in {} has operationId {}, which the catalogue does not list",
                op.type_name,
                op.file,
                op.operation_id
            );
            own_flows.push(op.operation_id.as_str());
            continue;
        };
        by_id.entry(entry.id).or_default().push(op);
        // A flow declares no permission: its requests' types do.
        let Some(permission) = &op.permission else {
            continue;
        };
        assert_eq!(
            permission.as_deref(),
            entry.permission,
            "{} in {} declares permission {:?}, the catalogue ({}) says {:?}",
            op.type_name,
            op.file,
            op.permission,
            entry.id,
            entry.permission
        );
    }
    // Several types may share an id (a private page of `getAllAlbums`, `PeopleCount` reading
    // `getAllPeople`), as long as one of them is the catalogue's type, in the catalogue's file.
    for (id, types) in &by_id {
        let entry = catalogue::find(id).unwrap();
        let name = short_name(entry.rust_type);
        let main = types
            .iter()
            .find(|f| f.type_name == name)
            .unwrap_or_else(|| {
                let seen: Vec<String> = types
                    .iter()
                    .map(|f| format!("{} in {}", f.type_name, f.file))
                    .collect();
                panic!(
                    "{id}: the catalogue's type is {}, the source has only {seen:?}",
                    entry.rust_type
                )
            });
        assert_eq!(
            main.file, entry.file,
            "{id}: {name} is in {}, the catalogue says {}",
            main.file, entry.file
        );
    }
    // Every entry's file exists and implements its type.
    for entry in OPERATIONS {
        let path = src_dir().join(entry.file);
        assert!(
            path.is_file(),
            "{}: {} does not exist",
            entry.id,
            path.display()
        );
        let name = short_name(entry.rust_type);
        assert!(
            found
                .iter()
                .any(|f| f.file == entry.file && f.type_name == name && f.operation_id == entry.id),
            "{}: {} does not implement {name}",
            entry.id,
            entry.file
        );
    }
    assert_eq!(by_id.len(), OPERATIONS.len());
    // The scan itself works: it sees private helpers and inherent impls too.
    let seen = |name: &str, id: &str| {
        found
            .iter()
            .any(|f| f.type_name == name && f.operation_id == id)
    };
    assert!(seen("ListAlbums", "getAllAlbums"));
    assert!(seen("PeopleCount", "getAllPeople"));
    assert!(seen("UploadAsset", "uploadAsset"));
    assert!(seen("ViewAsset", "viewAsset"));
    assert!(seen("GetAllAlbums", "getAllAlbums"));
    assert!(own_flows.contains(&"albumAssets"), "{own_flows:?}");
}

/// Whether the `pub use` clauses of `module_text` re-export `name` from the module `stem`.
fn re_exports(module_text: &str, stem: &str, name: &str) -> bool {
    let marker = format!("pub use {stem}::");
    module_text.match_indices(&marker).any(|(at, _)| {
        let rest = &module_text[at + marker.len()..];
        let clause = &rest[..rest.find(';').unwrap_or(rest.len())];
        clause
            .split(|c: char| !(c.is_alphanumeric() || c == '_' || c == '*'))
            .any(|word| word == name || word == "*")
    })
}

#[test]
fn every_area_module_exposes_its_operations() {
    // Generated types are also named, at compile time, by the generated tests/src/samples.rs;
    // this covers the hand-written ones the same way as the generated ones.
    let src = src_dir();
    let lib = std::fs::read_to_string(src.join("lib.rs")).unwrap()
        + &std::fs::read_to_string(src.join("areas.rs")).unwrap_or_default();
    for entry in OPERATIONS {
        let (area, name) = entry
            .rust_type
            .split_once("::")
            .unwrap_or_else(|| panic!("{}: {} has no area", entry.id, entry.rust_type));
        assert_eq!(area, entry.area, "{}: {}", entry.id, entry.rust_type);
        assert!(
            !name.contains("::"),
            "{}: {} is not at the top of its area",
            entry.id,
            entry.rust_type
        );
        assert!(
            lib.contains(&format!("pub mod {area};")),
            "{}: area {area} is not a public module of immich-proto",
            entry.id
        );
        let (file_area, file_name) = entry
            .file
            .split_once('/')
            .unwrap_or_else(|| panic!("{}: {} is not in an area folder", entry.id, entry.file));
        assert_eq!(file_area, area, "{}: {}", entry.id, entry.file);
        let stem = file_name
            .strip_suffix(".rs")
            .unwrap_or_else(|| panic!("{}: {}", entry.id, entry.file));
        if stem == "mod" {
            continue;
        }
        let module_text = std::fs::read_to_string(src.join(area).join("mod.rs")).unwrap()
            + &std::fs::read_to_string(src.join(area).join("operations.rs")).unwrap_or_default();
        assert!(
            module_text.contains(&format!("mod {stem};")),
            "{}: {area}/mod.rs does not declare `mod {stem}`",
            entry.id
        );
        assert!(
            re_exports(&module_text, stem, name),
            "{}: {area}/mod.rs does not re-export {name} (`pub use {stem}::{name}`)",
            entry.id
        );
    }
}

#[test]
fn every_catalogued_permission_is_known() {
    for entry in OPERATIONS {
        if let Some(permission) = entry.permission {
            assert!(
                Permission::from(permission).is_known(),
                "{}: {permission} is not a known Permission",
                entry.id
            );
        }
    }
}

/// A typed operation's id, permission and name, next to what the catalogue says.
macro_rules! agrees {
    ($trait:ident: $($ty:ident),* $(,)?) => {
        $({
            let entry = catalogue::find(<$ty as $trait>::OPERATION_ID).unwrap();
            assert_eq!(<$ty as $trait>::PERMISSION, entry.permission, stringify!($ty));
            assert_eq!(short_name(entry.rust_type), stringify!($ty));
        })*
    };
}

#[test]
fn typed_operations_agree_with_the_catalogue() {
    // A few of each shape; the source scan above covers every one.
    agrees!(Endpoint: GetAlbumInfo, CreateTag, PingServer, Login, GetMyApiKey, SearchAssets);
    agrees!(MediaEndpoint: ViewAsset, DownloadAsset, GetPersonThumbnail);
    let upload = catalogue::find(UploadAsset::OPERATION_ID).unwrap();
    assert_eq!(UploadAsset::PERMISSION, upload.permission);
    assert_eq!(upload.rust_type, "assets::UploadAsset");
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
