//! The sync stream (`POST /sync/stream`) and its checkpoints (`/sync/ack`), as the real server's
//! `SyncService` answers them, and the benchmark's source of a million asset events.
//!
//! **The change log.** Every row a sync type reads (assets and their EXIF, albums, album users,
//! album-to-asset links, assets in albums shared with the caller, partners and their assets and
//! stacks, people, faces, stacks, memories, users) gets a monotonic update id (a UUIDv7, as
//! `immich_uuid_v7()` makes them, on the server's own clock) when it appears or changes, and a
//! delete record with a new id when it goes. The rows are derived from the store
//! ([`SyncLog::reconcile`]) after every request that may change it and before every stream, so
//! every route and every [`TestServer`] method that changes the store is logged without hooks of
//! its own. Two changes within one request get one event, as two updates between two syncs do
//! on the real server.
//!
//! **A stream** (per login session: API keys get `403`) sends, for each requested type in the
//! real server's order, the deletes and then the upserts after that entity type's acknowledged
//! checkpoint, ordered by update id, then `SyncCompleteV1`. The body is made chunk by chunk as it
//! is sent: the planned events share the logged rows (no copies) and each line is rendered only
//! when its chunk is. A pending reset ([`TestServer::require_sync_reset`]) or a `SyncCompleteV1`
//! checkpoint older than 30 days ([`TestServer::advance_sync_clock`]) answers `SyncResetV1`
//! alone, as the real server does; `reset: true` forgets the session's checkpoints first.
//!
//! Simplified: the backfill events (`*BackfillV1`) are never sent; `AlbumAssetsV*` and
//! `AlbumAssetExifsV1` send each asset of an album shared with the caller as a create event;
//! there is no user metadata, asset metadata, edit or OCR data (those types are accepted and
//! send nothing).

use std::collections::{BTreeMap, HashMap};
use std::io::Write as _;
use std::sync::Arc;

use bytes::Bytes;
use http::header::{AUTHORIZATION, CONTENT_TYPE};
use http::{request, Method, StatusCode};
use http_body_util::BodyExt;
use hyper::body::Incoming;
use immich_proto::{catalogue, ServerVersion};
use serde_json::{json, Value};

use super::auth::Caller;
use super::body::{ChunkSource, ReplyBody};
use super::routes::{Ctx, Failure, Handled, Reply};
use super::store::{self, fixtures, Asset, Kind, Store};
use super::util::{base64, is_uuid, uuid};
use super::{lock, Shared, TestServer, Version};

/// The request types in the order the real server streams them (`SYNC_TYPES_ORDER`).
pub const REQUEST_TYPES: &[&str] = &[
    "AuthUsersV1",
    "UsersV1",
    "PartnersV1",
    "AssetsV1",
    "AssetsV2",
    "StacksV1",
    "PartnerAssetsV1",
    "PartnerAssetsV2",
    "PartnerStacksV1",
    "AlbumAssetsV1",
    "AlbumAssetsV2",
    "AlbumsV1",
    "AlbumsV2",
    "AlbumUsersV1",
    "AlbumToAssetsV1",
    "AssetExifsV1",
    "AlbumAssetExifsV1",
    "AssetOcrV1",
    "PartnerAssetExifsV1",
    "MemoriesV1",
    "MemoryToAssetsV1",
    "PeopleV1",
    "AssetFacesV1",
    "AssetFacesV2",
    "UserMetadataV1",
    "AssetMetadataV1",
    "AssetEditsV1",
];

/// Every `SyncEntityType` value (v3.1.0); which of them a release has comes from the catalogue.
const ENTITY_TYPES: &[&str] = &[
    "AuthUserV1",
    "UserV1",
    "UserDeleteV1",
    "AssetV1",
    "AssetV2",
    "AssetDeleteV1",
    "AssetExifV1",
    "AssetEditV1",
    "AssetEditDeleteV1",
    "AssetMetadataV1",
    "AssetMetadataDeleteV1",
    "AssetOcrV1",
    "AssetOcrDeleteV1",
    "PartnerV1",
    "PartnerDeleteV1",
    "PartnerAssetV1",
    "PartnerAssetV2",
    "PartnerAssetBackfillV1",
    "PartnerAssetBackfillV2",
    "PartnerAssetDeleteV1",
    "PartnerAssetExifV1",
    "PartnerAssetExifBackfillV1",
    "PartnerStackBackfillV1",
    "PartnerStackDeleteV1",
    "PartnerStackV1",
    "AlbumV1",
    "AlbumV2",
    "AlbumDeleteV1",
    "AlbumUserV1",
    "AlbumUserBackfillV1",
    "AlbumUserDeleteV1",
    "AlbumAssetCreateV1",
    "AlbumAssetCreateV2",
    "AlbumAssetUpdateV1",
    "AlbumAssetUpdateV2",
    "AlbumAssetBackfillV1",
    "AlbumAssetBackfillV2",
    "AlbumAssetExifCreateV1",
    "AlbumAssetExifUpdateV1",
    "AlbumAssetExifBackfillV1",
    "AlbumToAssetV1",
    "AlbumToAssetDeleteV1",
    "AlbumToAssetBackfillV1",
    "MemoryV1",
    "MemoryDeleteV1",
    "MemoryToAssetV1",
    "MemoryToAssetDeleteV1",
    "StackV1",
    "StackDeleteV1",
    "PersonV1",
    "PersonDeleteV1",
    "AssetFaceV1",
    "AssetFaceV2",
    "AssetFaceDeleteV1",
    "UserMetadataV1",
    "UserMetadataDeleteV1",
    "SyncAckV1",
    "SyncResetV1",
    "SyncCompleteV1",
];

/// The request types v3.1 refuses (`BadRequestException`), each with the one to use instead.
const DEPRECATED_IN_3_1: &[(&str, &str)] = &[
    ("AssetsV1", "AssetsV2"),
    ("PartnerAssetsV1", "PartnerAssetsV2"),
    ("AlbumAssetsV1", "AlbumAssetsV2"),
    ("AssetFacesV1", "AssetFacesV2"),
];

/// The real server's answer to a sync request without a session.
pub const API_KEY_REFUSED: &str = "Sync endpoints cannot be used with API keys";

/// When the server's clock starts: 2025-01-01T00:00:00Z, in milliseconds.
const CLOCK_START_MS: u64 = 1_735_689_600_000;
/// A `SyncCompleteV1` checkpoint older than this asks for a full sync (`MAX_DAYS`).
const MAX_AGE_MS: u64 = 30 * 24 * 3600 * 1000;
const NOW: &str = "2025-01-01T00:00:00.000Z";
const SEED_TIME: &str = "2024-05-01T10:00:00.000Z";

/// A fault of the answers to `POST /sync/stream`, by line: lines are counted from 0 over
/// everything the body sends, injected lines included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SyncFault {
    /// After this many lines, the connection closes without the final chunk (nor the
    /// `SyncCompleteV1` line, when it had not come yet).
    DropAfter(u64),
    /// At line `at`, `count` lines of a hostile server, the `n`-th made by `line(n)`, inserted
    /// as they are (the event that would be there comes after them).
    Inject {
        /// The line they start at.
        at: u64,
        /// How many.
        count: u64,
        /// Makes each.
        line: LineMaker,
    },
    /// After this many lines the stream ends cleanly (the final chunk), without the
    /// `SyncCompleteV1` line when it had not come yet: a stream cut short on a line boundary.
    EndAfter(u64),
    /// Line `n` is a truncated JSON object (inserted: the event that would be there comes next).
    MalformedLine(u64),
    /// Line `n` is `{"type":"FutureThingV9","data":{},"ack":"FutureThingV9|…"}` (inserted).
    UnknownType(u64),
}

/// Makes the `n`-th line of a [`SyncFault::Inject`]; equal only to the same function.
#[derive(Clone, Copy)]
pub struct LineMaker(pub fn(u64) -> String);

impl std::fmt::Debug for LineMaker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LineMaker")
    }
}

impl PartialEq for LineMaker {
    fn eq(&self, other: &Self) -> bool {
        std::ptr::fn_addr_eq(self.0, other.0)
    }
}

impl Eq for LineMaker {}

/// The rows a sync type reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Table {
    AuthUser,
    User,
    Partner,
    Asset,
    Exif,
    PartnerAsset,
    PartnerExif,
    Album,
    AlbumUser,
    AlbumToAsset,
    AlbumAsset,
    AlbumAssetExif,
    Stack,
    PartnerStack,
    Person,
    Face,
    Memory,
    MemoryToAsset,
}

/// How a row's stored form becomes an event's data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Render {
    AsIs,
    /// `SyncAssetV1`: the duration as `H:MM:SS.ffffff` text.
    AssetV1,
    /// `SyncAlbumV2`: without `ownerId`.
    AlbumV2,
    /// `SyncAssetFaceV1`: without `deletedAt` and `isVisible`.
    FaceV1,
}

/// One part of a request type: the deletes or the upserts of one table.
#[derive(Debug, Clone, Copy)]
struct Step {
    entity: &'static str,
    table: Table,
    delete: bool,
    render: Render,
}

const fn del(entity: &'static str, table: Table) -> Step {
    Step {
        entity,
        table,
        delete: true,
        render: Render::AsIs,
    }
}

const fn up(entity: &'static str, table: Table, render: Render) -> Step {
    Step {
        entity,
        table,
        delete: false,
        render,
    }
}

/// What each request type sends, in order.
fn steps(request_type: &str) -> Vec<Step> {
    use Render::*;
    use Table::*;
    match request_type {
        "AuthUsersV1" => vec![up("AuthUserV1", AuthUser, AsIs)],
        "UsersV1" => vec![del("UserDeleteV1", User), up("UserV1", User, AsIs)],
        "PartnersV1" => vec![
            del("PartnerDeleteV1", Partner),
            up("PartnerV1", Partner, AsIs),
        ],
        "AssetsV1" => vec![del("AssetDeleteV1", Asset), up("AssetV1", Asset, AssetV1)],
        "AssetsV2" => vec![del("AssetDeleteV1", Asset), up("AssetV2", Asset, AsIs)],
        "StacksV1" => vec![del("StackDeleteV1", Stack), up("StackV1", Stack, AsIs)],
        "PartnerAssetsV1" => vec![
            del("PartnerAssetDeleteV1", PartnerAsset),
            up("PartnerAssetV1", PartnerAsset, AssetV1),
        ],
        "PartnerAssetsV2" => vec![
            del("PartnerAssetDeleteV1", PartnerAsset),
            up("PartnerAssetV2", PartnerAsset, AsIs),
        ],
        "PartnerStacksV1" => vec![
            del("PartnerStackDeleteV1", PartnerStack),
            up("PartnerStackV1", PartnerStack, AsIs),
        ],
        "AlbumAssetsV1" => vec![up("AlbumAssetCreateV1", AlbumAsset, AssetV1)],
        "AlbumAssetsV2" => vec![up("AlbumAssetCreateV2", AlbumAsset, AsIs)],
        "AlbumsV1" => vec![del("AlbumDeleteV1", Album), up("AlbumV1", Album, AsIs)],
        "AlbumsV2" => vec![del("AlbumDeleteV1", Album), up("AlbumV2", Album, AlbumV2)],
        "AlbumUsersV1" => vec![
            del("AlbumUserDeleteV1", AlbumUser),
            up("AlbumUserV1", AlbumUser, AsIs),
        ],
        "AlbumToAssetsV1" => vec![
            del("AlbumToAssetDeleteV1", AlbumToAsset),
            up("AlbumToAssetV1", AlbumToAsset, AsIs),
        ],
        "AssetExifsV1" => vec![up("AssetExifV1", Exif, AsIs)],
        "AlbumAssetExifsV1" => vec![up("AlbumAssetExifCreateV1", AlbumAssetExif, AsIs)],
        "PartnerAssetExifsV1" => vec![up("PartnerAssetExifV1", PartnerExif, AsIs)],
        "MemoriesV1" => vec![del("MemoryDeleteV1", Memory), up("MemoryV1", Memory, AsIs)],
        "MemoryToAssetsV1" => vec![
            del("MemoryToAssetDeleteV1", MemoryToAsset),
            up("MemoryToAssetV1", MemoryToAsset, AsIs),
        ],
        "PeopleV1" => vec![del("PersonDeleteV1", Person), up("PersonV1", Person, AsIs)],
        "AssetFacesV1" => vec![
            del("AssetFaceDeleteV1", Face),
            up("AssetFaceV1", Face, FaceV1),
        ],
        "AssetFacesV2" => vec![
            del("AssetFaceDeleteV1", Face),
            up("AssetFaceV2", Face, AsIs),
        ],
        _ => vec![],
    }
}

/// A logged row: its latest update id, its data and what its delete event carries.
#[derive(Debug, Clone)]
struct Row {
    id: u128,
    data: Arc<Value>,
    deleted: Arc<Value>,
}

/// A delete record.
#[derive(Debug, Clone)]
struct Deletion {
    table: Table,
    id: u128,
    data: Arc<Value>,
}

/// One session's sync state.
#[derive(Debug, Clone, Default)]
struct Session {
    /// Entity type -> the acknowledged ack.
    checkpoints: BTreeMap<String, String>,
    /// The server wants this session to start over (`isPendingSyncReset`).
    pending_reset: bool,
}

/// The change log and the sessions' checkpoints (see the module doc). Lives in the store.
#[derive(Debug)]
pub(crate) struct SyncLog {
    /// Update ids handed out so far.
    seq: u64,
    /// How far the clock was moved on ([`TestServer::advance_sync_clock`]).
    offset_ms: u64,
    rows: HashMap<(Table, String), Row>,
    deletions: Vec<Deletion>,
    /// Whether anything has used the sync endpoints (before that, nothing is logged).
    active: bool,
    sessions: HashMap<String, Session>,
    /// `(shared by, shared with, in timeline)`.
    partners: Vec<(String, String, bool)>,
    faults: Vec<(SyncFault, Option<u32>)>,
}

impl Default for SyncLog {
    fn default() -> Self {
        SyncLog {
            seq: 0,
            offset_ms: 0,
            rows: HashMap::new(),
            deletions: Vec::new(),
            active: false,
            sessions: HashMap::new(),
            // Bob shares his library with the test user.
            partners: vec![(fixtures::bob(), fixtures::me(), true)],
            faults: Vec::new(),
        }
    }
}

/// A UUIDv7 from a millisecond time and a counter (in the random bits, so ids made in the same
/// millisecond still sort).
fn uuid7(ms: u64, counter: u64) -> u128 {
    (u128::from(ms & 0xffff_ffff_ffff) << 80)
        | (0x7u128 << 76)
        | (0b10u128 << 62)
        | u128::from(counter & 0x3fff_ffff_ffff_ffff)
}

fn uuid_text(id: u128) -> String {
    let hex = format!("{id:032x}");
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

fn parse_uuid(text: &str) -> Option<u128> {
    if !is_uuid(text, false) {
        return None;
    }
    u128::from_str_radix(&text.replace('-', ""), 16).ok()
}

/// The milliseconds of a UUIDv7.
fn uuid_ms(id: u128) -> u64 {
    (id >> 80) as u64
}

impl SyncLog {
    fn now_ms(&self) -> u64 {
        CLOCK_START_MS + self.offset_ms + self.seq
    }

    fn next_id(&mut self) -> u128 {
        self.seq += 1;
        uuid7(self.now_ms(), self.seq)
    }

    /// Brings the log up to date with the store: new and changed rows get a new update id,
    /// rows that went get a delete record.
    pub(crate) fn reconcile(store: &mut Store) {
        let now = snapshot(store);
        let log = &mut store.sync;
        let mut seen = std::collections::HashSet::with_capacity(now.len());
        for (table, key, data, deleted) in now {
            seen.insert((table, key.clone()));
            let unchanged = log
                .rows
                .get(&(table, key.clone()))
                .is_some_and(|row| *row.data == data);
            if !unchanged {
                let id = log.next_id();
                log.rows.insert(
                    (table, key),
                    Row {
                        id,
                        data: Arc::new(data),
                        deleted: Arc::new(deleted),
                    },
                );
            }
        }
        let mut gone: Vec<((Table, String), Row)> = log
            .rows
            .iter()
            .filter(|(k, _)| !seen.contains(*k))
            .map(|(k, r)| (k.clone(), r.clone()))
            .collect();
        gone.sort_by_key(|(_, row)| row.id);
        for (key, row) in gone {
            log.rows.remove(&key);
            let id = log.next_id();
            log.deletions.push(Deletion {
                table: key.0,
                id,
                data: row.deleted,
            });
        }
    }
}

/// Brings the log up to date after a request that may have changed the store, once anything has
/// used the sync endpoints.
pub(crate) fn after_request(shared: &Shared, method: &Method) {
    if *method == Method::GET || *method == Method::HEAD {
        return;
    }
    let mut store = lock(&shared.store);
    if store.sync.active {
        SyncLog::reconcile(&mut store);
    }
}

// ---- the rows, derived from the store

fn user_v1(id: &str) -> Value {
    let user = store::user_json(id);
    json!({
        "id": id,
        "name": user["name"],
        "email": user["email"],
        "avatarColor": user["avatarColor"],
        "deletedAt": null,
        "hasProfileImage": false,
        "profileChangedAt": SEED_TIME,
    })
}

fn asset_row(asset: &Asset, store: &Store) -> Value {
    let edits = store.edits(&asset.id);
    let stack = store
        .stacks
        .iter()
        .find(|(_, members)| members.contains(&asset.id))
        .map(|(id, _)| id.clone());
    json!({
        "id": asset.id,
        "ownerId": asset.owner,
        "originalFileName": asset.file_name,
        "thumbhash": null,
        "checksum": base64(&asset.checksum),
        "fileCreatedAt": asset.created,
        "fileModifiedAt": asset.modified,
        "localDateTime": asset.created,
        "createdAt": asset.uploaded,
        "duration": match asset.kind { Kind::Video => json!(1500), Kind::Image => Value::Null },
        "type": match asset.kind { Kind::Image => "IMAGE", Kind::Video => "VIDEO" },
        "deletedAt": if edits.trashed { json!(NOW) } else { Value::Null },
        "isFavorite": asset.favorite,
        "visibility": asset.visibility,
        "livePhotoVideoId": null,
        "stackId": stack,
        "libraryId": null,
        "width": 640,
        "height": 480,
        "isEdited": false,
    })
}

fn exif_row(asset: &Asset, store: &Store) -> Value {
    let edits = store.edits(&asset.id);
    json!({
        "assetId": asset.id,
        "description": edits.description.clone().unwrap_or_default(),
        "exifImageWidth": 640,
        "exifImageHeight": 480,
        "fileSizeInByte": asset.bytes.len(),
        "orientation": null,
        "dateTimeOriginal": edits.taken.clone().unwrap_or_else(|| asset.created.clone()),
        "modifyDate": asset.modified,
        "timeZone": null,
        "latitude": edits.location.map(|l| l.0),
        "longitude": edits.location.map(|l| l.1),
        "projectionType": null,
        "city": null,
        "state": null,
        "country": null,
        "make": "Test",
        "model": "Camera 1",
        "lensModel": null,
        "fNumber": 2.8,
        "focalLength": null,
        "iso": 100,
        "exposureTime": null,
        "profileDescription": null,
        "rating": edits.rating,
        "fps": null,
    })
}

/// A face's stable id from its asset and person.
fn face_id(asset: &str, person: &str) -> String {
    let sum = super::util::sha1(format!("{asset}|{person}").as_bytes());
    let n = sum[..6].iter().fold(0u64, |n, b| (n << 8) | u64::from(*b));
    uuid(0xfa6e, n)
}

type SnapshotRow = (Table, String, Value, Value);

/// Every row the sync types read, as the store holds them now.
fn snapshot(store: &Store) -> Vec<SnapshotRow> {
    let me = fixtures::me();
    let mut rows: Vec<SnapshotRow> = Vec::new();
    let mut auth = user_v1(&me);
    if let Value::Object(map) = &mut auth {
        for (k, v) in [
            ("isAdmin", json!(true)),
            ("pinCode", Value::Null),
            ("oauthId", json!("")),
            ("storageLabel", json!("admin")),
            ("quotaSizeInBytes", Value::Null),
            ("quotaUsageInBytes", json!(123_456)),
        ] {
            map.insert(k.to_owned(), v);
        }
    }
    rows.push((Table::AuthUser, me.clone(), auth, Value::Null));
    for user in [fixtures::me(), fixtures::bob()] {
        rows.push((
            Table::User,
            user.clone(),
            user_v1(&user),
            json!({ "userId": user }),
        ));
    }
    let mut partner_owners = Vec::new();
    for (by, with, timeline) in &store.sync.partners {
        let ids = json!({ "sharedById": by, "sharedWithId": with });
        rows.push((
            Table::Partner,
            format!("{by}|{with}"),
            json!({ "sharedById": by, "sharedWithId": with, "inTimeline": timeline }),
            ids,
        ));
        if *with == me {
            partner_owners.push(by.clone());
        }
    }
    for asset in &store.assets {
        let deleted = json!({ "assetId": asset.id });
        if asset.owner == me {
            rows.push((
                Table::Asset,
                asset.id.clone(),
                asset_row(asset, store),
                deleted,
            ));
            rows.push((
                Table::Exif,
                asset.id.clone(),
                exif_row(asset, store),
                Value::Null,
            ));
            for person in &asset.people {
                let id = face_id(&asset.id, person);
                rows.push((
                    Table::Face,
                    id.clone(),
                    json!({
                        "id": id, "assetId": asset.id, "personId": person,
                        "imageWidth": 640, "imageHeight": 480,
                        "boundingBoxX1": 100, "boundingBoxY1": 80,
                        "boundingBoxX2": 220, "boundingBoxY2": 230,
                        "sourceType": "machine-learning", "deletedAt": null, "isVisible": true,
                    }),
                    json!({ "assetFaceId": id }),
                ));
            }
        } else if partner_owners.contains(&asset.owner) {
            rows.push((
                Table::PartnerAsset,
                asset.id.clone(),
                asset_row(asset, store),
                deleted,
            ));
            rows.push((
                Table::PartnerExif,
                asset.id.clone(),
                exif_row(asset, store),
                Value::Null,
            ));
        }
    }
    for album in &store.albums {
        let Some(role) = store.album_role(album, &me) else {
            continue;
        };
        rows.push((
            Table::Album,
            album.id.clone(),
            json!({
                "id": album.id, "ownerId": album.owner, "name": album.name,
                "description": album.description, "createdAt": album.created,
                "updatedAt": album.created, "thumbnailAssetId": album.assets.first(),
                "isActivityEnabled": true, "order": album.order,
            }),
            json!({ "albumId": album.id }),
        ));
        let members: Vec<(String, String)> = if !album.members.is_empty() {
            album.members.clone()
        } else if album.shared {
            let other = if album.owner == me {
                fixtures::bob()
            } else {
                me.clone()
            };
            vec![(other, "editor".to_owned())]
        } else {
            Vec::new()
        };
        for (user, role) in members {
            let ids = json!({ "albumId": album.id, "userId": user });
            rows.push((
                Table::AlbumUser,
                format!("{}|{user}", album.id),
                json!({ "albumId": album.id, "userId": user, "role": role }),
                ids,
            ));
        }
        for asset in album.assets.iter().filter_map(|id| store.asset(id)) {
            let ids = json!({ "albumId": album.id, "assetId": asset.id });
            let key = format!("{}|{}", album.id, asset.id);
            rows.push((Table::AlbumToAsset, key.clone(), ids.clone(), ids));
            if role != "owner" {
                rows.push((
                    Table::AlbumAsset,
                    key.clone(),
                    asset_row(asset, store),
                    Value::Null,
                ));
                rows.push((
                    Table::AlbumAssetExif,
                    key,
                    exif_row(asset, store),
                    Value::Null,
                ));
            }
        }
    }
    for (id, members) in &store.stacks {
        let Some(primary) = members.first().and_then(|m| store.asset(m)) else {
            continue;
        };
        let table = if primary.owner == me {
            Table::Stack
        } else if partner_owners.contains(&primary.owner) {
            Table::PartnerStack
        } else {
            continue;
        };
        rows.push((
            table,
            id.clone(),
            json!({
                "id": id, "createdAt": SEED_TIME, "updatedAt": SEED_TIME,
                "primaryAssetId": primary.id, "ownerId": primary.owner,
            }),
            json!({ "stackId": id }),
        ));
    }
    for person in &store.people {
        rows.push((
            Table::Person,
            person.id.clone(),
            json!({
                "id": person.id, "createdAt": SEED_TIME, "updatedAt": SEED_TIME,
                "ownerId": me, "name": person.name,
                "birthDate": person.birth_date.as_ref().map(|d| format!("{d}T00:00:00.000Z")),
                "isHidden": person.hidden, "isFavorite": person.favorite,
                "color": "#a0b0c0", "faceAssetId": null,
            }),
            json!({ "personId": person.id }),
        ));
    }
    // The memory `GET /memories` shows: on this day, holding the beach.
    if let Some(beach) = store.asset(&fixtures::asset_beach()) {
        let memory = uuid(0x3e3, 1);
        rows.push((
            Table::Memory,
            memory.clone(),
            json!({
                "id": memory, "createdAt": NOW, "updatedAt": NOW, "deletedAt": null,
                "ownerId": me, "type": "on_this_day", "data": { "year": 2024 },
                "isSaved": false, "memoryAt": "2024-05-01T00:00:00.000Z",
                "seenAt": null, "showAt": null, "hideAt": null,
            }),
            json!({ "memoryId": memory }),
        ));
        let ids = json!({ "memoryId": memory, "assetId": beach.id });
        rows.push((
            Table::MemoryToAsset,
            format!("{memory}|{}", beach.id),
            ids.clone(),
            ids,
        ));
    }
    rows
}

// ---- lines

/// One event of a planned stream: its data is rendered when its chunk is made.
struct Event {
    entity: &'static str,
    ack: String,
    data: Arc<Value>,
    render: Render,
}

fn render(data: &Value, render: Render) -> Value {
    let mut value = data.clone();
    if let Value::Object(map) = &mut value {
        match render {
            Render::AsIs => {}
            Render::AssetV1 => {
                let text = map
                    .get("duration")
                    .and_then(Value::as_u64)
                    .map(|ms| {
                        format!(
                            "{}:{:02}:{:02}.{:06}",
                            ms / 3_600_000,
                            ms / 60_000 % 60,
                            ms / 1000 % 60,
                            ms % 1000 * 1000
                        )
                    })
                    .map_or(Value::Null, Value::String);
                map.insert("duration".to_owned(), text);
            }
            Render::AlbumV2 => {
                map.remove("ownerId");
            }
            Render::FaceV1 => {
                map.remove("deletedAt");
                map.remove("isVisible");
            }
        }
    }
    value
}

/// Writes one line: `{"type":…,"data":…,"ack":…}` and a newline.
fn write_line(out: &mut Vec<u8>, entity: &str, data: &Value, ack: &str) {
    let line = json!({ "type": entity, "data": data, "ack": ack });
    // Writing to a Vec cannot fail.
    let _ = serde_json::to_writer(&mut *out, &line);
    out.push(b'\n');
}

/// The body of a stream: lines from `next` (which appends one line and says whether it did),
/// with the faults applied, in chunks of about 64 KiB.
/// Appends the next line to the buffer, or says there is none.
type NextLine = Box<dyn FnMut(&mut Vec<u8>) -> bool + Send>;

struct Lines {
    next: NextLine,
    faults: Vec<SyncFault>,
    /// Lines sent so far.
    count: u64,
    done: bool,
    drop_now: bool,
}

const CHUNK: usize = 64 * 1024;

impl Iterator for Lines {
    type Item = Result<Bytes, ()>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.drop_now {
            self.drop_now = false;
            self.done = true;
            return Some(Err(()));
        }
        if self.done {
            return None;
        }
        let mut out = Vec::with_capacity(CHUNK + 1024);
        while out.len() < CHUNK {
            let at = self.count;
            if self.faults.contains(&SyncFault::DropAfter(at)) {
                self.drop_now = true;
                break;
            }
            if self.faults.contains(&SyncFault::EndAfter(at)) {
                self.done = true;
                break;
            }
            let injected = self.faults.iter().find_map(|f| match f {
                SyncFault::Inject {
                    at: start,
                    count,
                    line,
                } if *start == at => Some((*count, *line)),
                _ => None,
            });
            if let Some((count, line)) = injected.filter(|(count, _)| *count > 0) {
                for n in 0..count {
                    out.extend_from_slice((line.0)(n).as_bytes());
                    out.push(b'\n');
                }
                self.count += count;
                continue;
            }
            if self.faults.contains(&SyncFault::MalformedLine(at)) {
                out.extend_from_slice(b"{\"type\":\"AssetV1\",\"data\":{\"id\":\"\n");
            } else if self.faults.contains(&SyncFault::UnknownType(at)) {
                let ack = format!("FutureThingV9|{}", uuid_text(uuid7(CLOCK_START_MS, at)));
                write_line(&mut out, "FutureThingV9", &json!({}), &ack);
            } else if !(self.next)(&mut out) {
                self.done = true;
                break;
            }
            self.count += 1;
        }
        if out.is_empty() {
            return self.next();
        }
        Some(Ok(Bytes::from(out)))
    }
}

fn stream_reply(lines: Lines) -> Reply {
    Reply::new(
        StatusCode::OK,
        "application/jsonlines+json",
        ReplyBody::chunks(ChunkSource(Box::new(lines))),
    )
}

fn take_faults(log: &mut SyncLog) -> Vec<SyncFault> {
    let mut taken = Vec::new();
    for (fault, times) in &mut log.faults {
        if *times == Some(0) {
            continue;
        }
        if let Some(n) = times {
            *n -= 1;
        }
        taken.push(*fault);
    }
    log.faults.retain(|(_, times)| *times != Some(0));
    taken
}

// ---- validation

fn server_version(version: Version) -> ServerVersion {
    ServerVersion::new(version.major, version.minor, version.patch)
}

/// Whether release `version` has enum value `item` of operation `id`, by the catalogue.
fn release_has(id: &str, item: &str, version: Version) -> bool {
    catalogue::find(id)
        .and_then(|op| op.span(item))
        .is_none_or(|span| {
            let found = server_version(version);
            span.since <= found && span.until.as_ref().is_none_or(|last| found <= *last)
        })
}

fn entity_type_known(name: &str, version: Version) -> bool {
    ENTITY_TYPES.contains(&name)
        && (matches!(name, "SyncAckV1" | "SyncResetV1" | "SyncCompleteV1")
            || release_has("deleteSyncAck", &format!("enum:types={name}"), version))
}

fn request_type_known(name: &str, version: Version) -> bool {
    REQUEST_TYPES.contains(&name)
        && release_has("getSyncStream", &format!("enum:types={name}"), version)
}

/// A list of enum values from `body[key]`, each checked by `known`.
fn enum_list(
    version: Version,
    body: &Value,
    key: &str,
    known: impl Fn(&str) -> bool,
    enum_name: &str,
) -> Result<Option<Vec<String>>, Failure> {
    let Some(value) = body.get(key) else {
        return Ok(None);
    };
    let Some(items) = value.as_array() else {
        return Err(Failure::invalid(
            format!("{key} must be an array"),
            &["body", key],
        ));
    };
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        match item.as_str() {
            Some(name) if known(name) => out.push(name.to_owned()),
            _ => {
                let index = i.to_string();
                let message = if version.is_v3() {
                    format!("Invalid option: expected one of the {enum_name} values")
                } else {
                    format!("each value in {key} must be one of the following values: {enum_name}")
                };
                return Err(Failure::invalid(message, &["body", key, &index]));
            }
        }
    }
    Ok(Some(out))
}

/// The session of a sync request, or the real server's `403`.
fn session(caller: &Caller) -> Result<&str, Failure> {
    match caller {
        Caller::Session(token) => Ok(token),
        _ => Err(Failure::new(StatusCode::FORBIDDEN, API_KEY_REFUSED)),
    }
}

fn no_content() -> Reply {
    Reply::new(StatusCode::NO_CONTENT, "", ReplyBody::empty())
}

// ---- the endpoints

/// `POST /sync/stream`.
pub(crate) fn stream(ctx: &Ctx<'_>, caller: &Caller, body: &Value) -> Handled {
    let token = session(caller)?.to_owned();
    let version = ctx.version;
    let Some(types) = enum_list(
        version,
        body,
        "types",
        |t| request_type_known(t, version),
        "SyncRequestType",
    )?
    else {
        return Err(Failure::invalid(
            "types must be an array",
            &["body", "types"],
        ));
    };
    let reset = match body.get("reset") {
        None => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => {
            return Err(Failure::invalid(
                "reset must be a boolean value",
                &["body", "reset"],
            ))
        }
    };
    if version.at_least(3, 1) {
        if let Some((old, new)) = DEPRECATED_IN_3_1
            .iter()
            .find(|(old, _)| types.iter().any(|t| t == old))
        {
            return Err(Failure::bad_request(format!(
                "SyncRequestType.{old} is deprecated, use SyncRequestType.{new} instead"
            )));
        }
    }
    let mut store = lock(&ctx.shared.store);
    store.sync.active = true;
    SyncLog::reconcile(&mut store);
    let log = &mut store.sync;
    let faults = take_faults(log);
    let now_ms = log.now_ms();
    let state = log.sessions.entry(token).or_default();
    if reset {
        state.checkpoints.clear();
        state.pending_reset = false;
    }
    let complete_too_old = state
        .checkpoints
        .get("SyncCompleteV1")
        .and_then(|ack| ack.split('|').nth(1))
        .and_then(parse_uuid)
        .is_some_and(|id| uuid_ms(id).saturating_add(MAX_AGE_MS) < now_ms);
    let mut events: Vec<Event> = Vec::new();
    if state.pending_reset || complete_too_old {
        events.push(Event {
            entity: "SyncResetV1",
            ack: "SyncResetV1|reset".to_owned(),
            data: Arc::new(json!({})),
            render: Render::AsIs,
        });
    } else {
        let checkpoint = |entity: &str| -> u128 {
            state
                .checkpoints
                .get(entity)
                .and_then(|ack| ack.split('|').nth(1))
                .and_then(parse_uuid)
                .unwrap_or(0)
        };
        for request_type in REQUEST_TYPES {
            if !types.iter().any(|t| t == request_type) {
                continue;
            }
            for step in &steps(request_type) {
                let after = checkpoint(step.entity);
                let mut found: Vec<(u128, Arc<Value>)> = if step.delete {
                    log.deletions
                        .iter()
                        .filter(|d| d.table == step.table && d.id > after)
                        .map(|d| (d.id, d.data.clone()))
                        .collect()
                } else {
                    log.rows
                        .iter()
                        .filter(|((table, _), row)| *table == step.table && row.id > after)
                        .map(|(_, row)| (row.id, row.data.clone()))
                        .collect()
                };
                found.sort_by_key(|(id, _)| *id);
                events.extend(found.into_iter().map(|(id, data)| Event {
                    entity: step.entity,
                    ack: format!("{}|{}", step.entity, uuid_text(id)),
                    data,
                    render: step.render,
                }));
            }
        }
        let now = log.next_id();
        events.push(Event {
            entity: "SyncCompleteV1",
            ack: format!("SyncCompleteV1|{}", uuid_text(now)),
            data: Arc::new(json!({})),
            render: Render::AsIs,
        });
    }
    drop(store);
    let mut events = events.into_iter();
    let next = move |out: &mut Vec<u8>| match events.next() {
        Some(event) => {
            let data = if event.render == Render::AsIs {
                None
            } else {
                Some(render(&event.data, event.render))
            };
            write_line(
                out,
                event.entity,
                data.as_ref().unwrap_or(&event.data),
                &event.ack,
            );
            true
        }
        None => false,
    };
    Ok(stream_reply(Lines {
        next: Box::new(next),
        faults,
        count: 0,
        done: false,
        drop_now: false,
    }))
}

/// `GET /sync/ack`: the session's checkpoints.
pub(crate) fn get_acks(ctx: &Ctx<'_>, caller: &Caller) -> Handled {
    let token = session(caller)?;
    let mut store = lock(&ctx.shared.store);
    store.sync.active = true;
    let acks: Vec<Value> = store
        .sync
        .sessions
        .get(token)
        .map(|s| {
            s.checkpoints
                .iter()
                .map(|(t, ack)| json!({ "type": t, "ack": ack }))
                .collect()
        })
        .unwrap_or_default();
    Ok(Reply::json(StatusCode::OK, &Value::Array(acks)))
}

/// `POST /sync/ack`: stores each ack as its type's checkpoint (the last one of a type wins);
/// an ack of `SyncResetV1` forgets them all instead (and ends a pending reset).
pub(crate) fn set_acks(ctx: &Ctx<'_>, caller: &Caller, body: &Value) -> Handled {
    let token = session(caller)?.to_owned();
    let Some(items) = body.get("acks").and_then(Value::as_array) else {
        return Err(Failure::invalid("acks must be an array", &["body", "acks"]));
    };
    if items.len() > 1000 {
        return Err(Failure::invalid(
            "acks must contain no more than 1000 elements",
            &["body", "acks"],
        ));
    }
    let mut acks = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let Some(ack) = item.as_str() else {
            let index = i.to_string();
            return Err(Failure::invalid(
                "each value in acks must be a string",
                &["body", "acks", &index],
            ));
        };
        acks.push(ack.to_owned());
    }
    let mut checkpoints: BTreeMap<String, String> = BTreeMap::new();
    let mut reset = false;
    for ack in &acks {
        let mut parts = ack.splitn(3, '|');
        let kind = parts.next().unwrap_or("");
        if kind == "SyncResetV1" {
            reset = true;
            break;
        }
        if !entity_type_known(kind, ctx.version) {
            return Err(Failure::bad_request(format!("Invalid ack type: {kind}")));
        }
        // Stricter than the real server, which stores any text and fails the next stream.
        if parts.next().and_then(parse_uuid).is_none() {
            return Err(Failure::bad_request(format!("Invalid ack: {ack}")));
        }
        checkpoints.insert(kind.to_owned(), ack.clone());
    }
    let mut store = lock(&ctx.shared.store);
    store.sync.active = true;
    let state = store.sync.sessions.entry(token).or_default();
    if reset {
        state.checkpoints.clear();
        state.pending_reset = false;
    } else {
        state.checkpoints.extend(checkpoints);
    }
    Ok(no_content())
}

/// `DELETE /sync/ack`: forgets the checkpoints of `types`, or all of them.
pub(crate) fn delete_acks(ctx: &Ctx<'_>, caller: &Caller, body: &Value) -> Handled {
    let token = session(caller)?.to_owned();
    let version = ctx.version;
    let types = enum_list(
        version,
        body,
        "types",
        |t| entity_type_known(t, version),
        "SyncEntityType",
    )?;
    let mut store = lock(&ctx.shared.store);
    store.sync.active = true;
    if let Some(state) = store.sync.sessions.get_mut(&token) {
        match types {
            Some(types) => state.checkpoints.retain(|t, _| !types.contains(t)),
            None => state.checkpoints.clear(),
        }
    }
    Ok(no_content())
}

/// Reads an optional JSON body (`DELETE /sync/ack` may come without one): `{}` when empty.
pub(crate) async fn read_optional_json(ctx: &Ctx<'_>, body: Incoming) -> Result<Value, Failure> {
    let bytes = http_body_util::Limited::new(body, 1 << 20)
        .collect()
        .await
        .map_err(|e| Failure::bad_request(format!("cannot read the body: {e}")))?
        .to_bytes();
    if let Some(entry) = lock(&ctx.shared.log).get_mut(ctx.log_index) {
        entry.body = bytes.clone();
    }
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(json!({}));
    }
    match serde_json::from_slice::<Value>(&bytes) {
        Ok(value) if value.is_object() => Ok(value),
        Ok(_) => Err(Failure::bad_request("the body must be a JSON object")),
        Err(e) => Err(Failure::bad_request(format!("Unexpected JSON: {e}"))),
    }
}

// ---- the benchmark source (sink mode)

/// The session token sink mode's `POST /auth/login` hands out.
pub const SINK_SESSION: &str = "sink-session-0123456789abcdef";

fn sink_error(status: StatusCode, message: &str) -> Reply {
    Reply::json(status, &json!({ "message": message }))
}

/// Whether sink mode answers this request here (its sync routes and the login they need),
/// before its API key check.
pub(crate) fn is_sink_route(head: &request::Parts) -> bool {
    let path = head.uri.path();
    let path = path.strip_prefix("/api").unwrap_or(path);
    matches!(
        (head.method.as_str(), path),
        ("POST", "/auth/login") | ("POST", "/sync/stream") | (_, "/sync/ack")
    )
}

/// Sink mode's sync routes (see [`is_sink_route`]).
pub(crate) async fn sink_route(shared: &Shared, head: &request::Parts, body: Incoming) -> Reply {
    let path = head.uri.path();
    let path = path.strip_prefix("/api").unwrap_or(path);
    let method = head.method.clone();
    let bytes = match http_body_util::Limited::new(body, 1 << 20).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(_) => return sink_error(StatusCode::BAD_REQUEST, "cannot read the body"),
    };
    let json_body: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    if path == "/auth/login" {
        let ok = json_body["email"].as_str() == Some(fixtures::EMAIL)
            && json_body["password"].as_str() == Some(fixtures::PASSWORD);
        return if ok {
            Reply::json(
                StatusCode::CREATED,
                &json!({
                    "accessToken": SINK_SESSION, "userId": fixtures::me(),
                    "userEmail": fixtures::EMAIL, "name": "Test User", "isAdmin": true,
                    "profileImagePath": "", "shouldChangePassword": false, "isOnboarded": true,
                }),
            )
        } else {
            sink_error(StatusCode::UNAUTHORIZED, "Incorrect email or password")
        };
    }
    let header = |name: &str| head.headers.get(name).and_then(|v| v.to_str().ok());
    let bearer = header(AUTHORIZATION.as_str())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token);
    let token = header("x-immich-user-token")
        .or(header("x-immich-session-token"))
        .or(bearer);
    match token {
        Some(SINK_SESSION) => {}
        Some(_) => return sink_error(StatusCode::UNAUTHORIZED, "Invalid user token"),
        None if header("x-api-key").is_some() => {
            return sink_error(StatusCode::FORBIDDEN, API_KEY_REFUSED)
        }
        None => return sink_error(StatusCode::UNAUTHORIZED, "Authentication required"),
    }
    match (method.as_str(), path) {
        ("GET", _) => Reply::json(StatusCode::OK, &json!([])),
        ("POST", "/sync/ack") | ("DELETE", _) => no_content(),
        ("POST", _) => {
            let json_ok = head
                .headers
                .get(CONTENT_TYPE)
                .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
            let types: Vec<&str> = json_body["types"]
                .as_array()
                .map(|t| t.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            if !json_ok || json_body["types"].as_array().is_none() {
                return sink_error(StatusCode::BAD_REQUEST, "types must be an array");
            }
            let v2 = types.contains(&"AssetsV2");
            let v1 = types.contains(&"AssetsV1");
            let count = if v1 || v2 {
                shared.options.sink_sync_assets
            } else {
                0
            };
            let faults = take_faults(&mut lock(&shared.store).sync);
            stream_reply(synthetic_assets(count, v2, faults))
        }
        _ => sink_error(StatusCode::NOT_FOUND, "not in sink mode"),
    }
}

/// `count` generated `AssetV2` (or `AssetV1`) events and `SyncCompleteV1`, made one chunk at
/// a time: nothing of the stream is held beyond the chunk being sent.
fn synthetic_assets(count: u64, v2: bool, faults: Vec<SyncFault>) -> Lines {
    let me = fixtures::me();
    let entity = if v2 { "AssetV2" } else { "AssetV1" };
    let mut n = 0u64;
    let mut complete = false;
    let next = move |out: &mut Vec<u8>| {
        if n < count {
            write_synthetic(out, entity, v2, &me, n);
            n += 1;
            true
        } else if !complete {
            complete = true;
            let ack = format!(
                "SyncCompleteV1|{}",
                uuid_text(uuid7(CLOCK_START_MS + count + 1, count + 1))
            );
            write_line(out, "SyncCompleteV1", &json!({}), &ack);
            true
        } else {
            false
        }
    };
    Lines {
        next: Box::new(next),
        faults,
        count: 0,
        done: false,
        drop_now: false,
    }
}

/// One realistic asset event, written directly (no JSON tree, no allocation): times, names,
/// sizes, kinds and flags vary from asset to asset.
fn write_synthetic(out: &mut Vec<u8>, entity: &str, v2: bool, owner: &str, n: u64) {
    let video = n % 10 == 9;
    let mut taken = [0u8; 24];
    {
        let mut cursor = &mut taken[..];
        // 24 bytes exactly: `20YY-MM-DDTHH:MM:SS.mmmZ`.
        let _ = write!(
            cursor,
            "20{:02}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
            10 + n % 15,
            1 + n % 12,
            1 + n % 28,
            n % 24,
            n % 60,
            (n * 7) % 60,
            n % 1000
        );
    }
    let taken = std::str::from_utf8(&taken).unwrap_or("2024-01-01T00:00:00.000Z");
    let update = uuid7(CLOCK_START_MS + n, n);
    // Writing to a Vec cannot fail.
    let _ = write!(
        out,
        "{{\"type\":\"{entity}\",\"data\":{{\"id\":\"0000051c-0000-4000-8000-{n:012x}\",\
         \"ownerId\":\"{owner}\",\"originalFileName\":\"{prefix}_{n:07}.{ext}\",\
         \"thumbhash\":\"1QcSHQRnh493V4dIh4eXh1h4kJUI\",\"checksum\":\"{n:026}0=\",\
         \"fileCreatedAt\":\"{taken}\",\"fileModifiedAt\":\"{taken}\",\
         \"localDateTime\":\"{taken}\",\"createdAt\":\"{taken}\",\"duration\":",
        prefix = if video { "VID" } else { "IMG" },
        ext = if video { "mp4" } else { "jpg" },
    );
    let _ = match (video, v2) {
        (false, _) => out.write_all(b"null"),
        (true, true) => write!(out, "{}", 1000 + n % 60_000),
        (true, false) => write!(out, "\"0:00:{:02}.{:06}\"", 1 + n % 59, (n % 1000) * 1000),
    };
    let _ = writeln!(
        out,
        ",\"type\":\"{kind}\",\"deletedAt\":null,\"isFavorite\":{favorite},\
         \"visibility\":\"{visibility}\",\"livePhotoVideoId\":null,\"stackId\":null,\
         \"libraryId\":null,\"width\":4032,\"height\":3024,\"isEdited\":false}},\
         \"ack\":\"{entity}|{:08x}-{:04x}-{:04x}-{:04x}-{:012x}\"}}",
        (update >> 96) as u32,
        (update >> 80) as u16,
        (update >> 64) as u16,
        (update >> 48) as u16,
        (update & 0xffff_ffff_ffff) as u64,
        kind = if video { "VIDEO" } else { "IMAGE" },
        favorite = n.is_multiple_of(7),
        visibility = if n.is_multiple_of(50) {
            "archive"
        } else {
            "timeline"
        },
    );
}

// ---- the handle's knobs

impl TestServer {
    /// Starts a login session for the test user, as `POST /auth/login` does, and returns its
    /// token (for `Authorization: Bearer`): the sync endpoints refuse API keys.
    pub fn new_session(&self) -> String {
        let mut store = lock(&self.shared.store);
        store.next_session += 1;
        let n = store.next_session;
        let token = super::util::hex(&super::util::sha1(format!("session {n}").as_bytes()));
        store.sessions.push(token.clone());
        token
    }

    /// Injects `fault` into the next `POST /sync/stream` answer (sink mode's too).
    pub fn sync_fault(&self, fault: SyncFault) {
        self.add_sync_fault(fault, Some(1));
    }

    /// Injects `fault` into the next `times` stream answers (every one when `None`).
    pub fn add_sync_fault(&self, fault: SyncFault, times: Option<u32>) {
        lock(&self.shared.store).sync.faults.push((fault, times));
    }

    /// Removes every sync fault.
    pub fn clear_sync_faults(&self) {
        lock(&self.shared.store).sync.faults.clear();
    }

    /// Marks every current session as needing a reset (`isPendingSyncReset`, which the real
    /// server sets e.g. when an admin restores a user): its next stream is `SyncResetV1` alone,
    /// until it acks that line or asks for `reset: true`.
    pub fn require_sync_reset(&self) {
        let mut store = lock(&self.shared.store);
        let sessions = store.sessions.clone();
        for token in sessions {
            store.sync.sessions.entry(token).or_default().pending_reset = true;
        }
    }

    /// Moves the server's sync clock `days` on: a session whose `SyncCompleteV1` checkpoint is
    /// then older than 30 days gets `SyncResetV1`, as on the real server.
    pub fn advance_sync_clock(&self, days: u64) {
        lock(&self.shared.store).sync.offset_ms += days * 24 * 3600 * 1000;
    }

    /// The checkpoints of the session with `token`: `(entity type, ack)`, sorted by type.
    pub fn sync_acks(&self, token: &str) -> Vec<(String, String)> {
        lock(&self.shared.store)
            .sync
            .sessions
            .get(token)
            .map(|s| {
                s.checkpoints
                    .iter()
                    .map(|(t, a)| (t.clone(), a.clone()))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Sets whether asset `id` is a favourite (a change the next sync sends).
    pub fn set_asset_favorite(&self, id: &str, favorite: bool) {
        let mut store = lock(&self.shared.store);
        if let Some(asset) = store
            .assets
            .iter_mut()
            .find(|a| a.id.eq_ignore_ascii_case(id))
        {
            asset.favorite = favorite;
        }
    }

    /// Ends the partner sharing from `shared_by` to the test user (seeded: Bob shares with
    /// them), so the next sync sends `PartnerDeleteV1` and the partner's assets go.
    pub fn remove_partner(&self, shared_by: &str) {
        let me = fixtures::me();
        lock(&self.shared.store)
            .sync
            .partners
            .retain(|(by, with, _)| !(by.eq_ignore_ascii_case(shared_by) && *with == me));
    }
}
