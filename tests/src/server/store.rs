//! The server's state (assets, albums, people, tags) and how each generation of Immich renders it.

use bytes::Bytes;
use serde_json::{json, Value};

use super::util::{base64, sha1, uuid};
use super::Version;

/// Stable ids of the seeded data, so tests can name them.
pub mod fixtures {
    use super::uuid;

    /// The test user's email address, to log in with (`POST /auth/login`).
    pub const EMAIL: &str = "test@example.com";
    /// The test user's password.
    pub const PASSWORD: &str = "test-password-0123";

    /// The user the API key belongs to.
    pub fn me() -> String {
        uuid(0x05e7, 1)
    }
    /// Another user, who owns [`album_from_bob`] and shares it with [`me`].
    pub fn bob() -> String {
        uuid(0x05e7, 2)
    }
    /// An album of mine, not shared (`Holidays`, holds [`asset_beach`]).
    pub fn album_holidays() -> String {
        uuid(0xa1b, 1)
    }
    /// An album of mine, shared with Bob (`Family`, holds [`asset_family`]).
    pub fn album_family() -> String {
        uuid(0xa1b, 2)
    }
    /// Bob's album, shared with me (`From Bob`, holds [`asset_bob`]).
    pub fn album_from_bob() -> String {
        uuid(0xa1b, 3)
    }
    /// A v4 id that names no album.
    pub fn album_missing() -> String {
        uuid(0xa1b, 0xdead)
    }
    /// Seeded image `beach.jpg`, a favourite, in Holidays.
    pub fn asset_beach() -> String {
        uuid(0xa55e, 1)
    }
    /// Seeded image `family.jpg`, in Family.
    pub fn asset_family() -> String {
        uuid(0xa55e, 2)
    }
    /// Seeded image `bob.jpg`, in From Bob.
    pub fn asset_bob() -> String {
        uuid(0xa55e, 3)
    }
    /// A v4 id that names no asset.
    pub fn asset_missing() -> String {
        uuid(0xa55e, 0xdead)
    }
    /// The seeded stack: [`asset_beach`] (primary) and [`asset_family`].
    pub fn stack() -> String {
        uuid(0x57ac, 1)
    }
    /// The id of the `n`th seeded person (1-based).
    pub fn person(n: u64) -> String {
        uuid(0xbe0, n)
    }
    /// The id of the `n`th seeded tag (1-based): 1 `Places`, 2 `Places/Beach`, 3 `Pets`.
    pub fn tag(n: u64) -> String {
        uuid(0x7a9, n)
    }
    /// The bytes of a seeded asset.
    pub fn seeded_bytes(n: u64) -> Vec<u8> {
        let mut bytes = vec![0xFF, 0xD8, 0xFF, 0xE0];
        bytes.extend((0..2048u32).map(|i| (i as u64 * 31 + n * 7) as u8));
        bytes.extend([0xFF, 0xD9]);
        bytes
    }
}

/// Whether an asset is a photo or a video.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Image,
    Video,
}

#[derive(Debug, Clone)]
pub(crate) struct Asset {
    pub id: String,
    pub owner: String,
    pub checksum: [u8; 20],
    pub bytes: Bytes,
    pub file_name: String,
    pub content_type: String,
    pub kind: Kind,
    pub favorite: bool,
    pub created: String,
    pub modified: String,
    pub uploaded: String,
    pub device_asset_id: Option<String>,
    pub device_id: Option<String>,
    pub visibility: String,
    pub tags: Vec<String>,
    pub people: Vec<String>,
}

impl Asset {
    pub fn etag(&self) -> String {
        format!("\"{}\"", super::util::hex(&self.checksum))
    }
}

/// What the asset-management endpoints changed on an asset (kept apart from [`Asset`], which
/// other code builds field by field).
#[derive(Debug, Clone, Default)]
pub(crate) struct AssetEdits {
    pub trashed: bool,
    pub description: Option<String>,
    pub rating: Option<i64>,
    pub location: Option<(f64, f64)>,
    pub taken: Option<String>,
    /// The checksum the asset JSON announces instead of the real one (a damaged library).
    pub wrong_checksum: bool,
    /// `updatedAt` after a change (see [`next_update_time`]); the upload time until then.
    pub updated: Option<String>,
}

/// The `updatedAt` of an asset changed now: later than every seeded or uploaded time, and one
/// second after the previous change (a process-wide clock, so it only grows).
pub(crate) fn next_update_time() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static CLOCK: AtomicU64 = AtomicU64::new(0);
    let n = CLOCK.fetch_add(1, Ordering::Relaxed);
    format!(
        "2026-01-{:02}T{:02}:{:02}:{:02}.000Z",
        1 + (n / 86_400) % 28,
        n / 3600 % 24,
        n / 60 % 60,
        n % 60
    )
}

#[derive(Debug, Clone)]
pub(crate) struct Album {
    pub id: String,
    pub name: String,
    pub description: String,
    pub owner: String,
    pub shared: bool,
    pub assets: Vec<String>,
    pub created: String,
    /// Members added through the API: `(user id, role)`; when empty, a shared album shows the
    /// seeded member.
    pub members: Vec<(String, String)>,
    pub order: String,
}

#[derive(Debug, Clone)]
pub(crate) struct SharedLink {
    pub id: String,
    pub key: String,
    pub album: Option<String>,
    pub assets: Vec<String>,
    pub expires: Option<String>,
    pub description: Option<String>,
    pub password: Option<String>,
    /// The custom URL part (v1.137+) that opens the link like its key.
    pub slug: Option<String>,
    pub allow_download: bool,
    pub allow_upload: bool,
    pub show_metadata: bool,
}

#[derive(Debug, Clone)]
pub(crate) struct Person {
    pub id: String,
    pub name: String,
    pub hidden: bool,
    pub favorite: bool,
    pub birth_date: Option<String>,
}

#[derive(Debug, Clone)]
pub(crate) struct Tag {
    pub id: String,
    pub name: String,
    pub value: String,
    pub parent: Option<String>,
    pub color: Option<String>,
}

/// Everything the server remembers.
#[derive(Debug)]
pub(crate) struct Store {
    pub assets: Vec<Asset>,
    pub albums: Vec<Album>,
    pub people: Vec<Person>,
    pub tags: Vec<Tag>,
    pub next_asset: u64,
    pub next_album: u64,
    pub edits: std::collections::HashMap<String, AssetEdits>,
    pub shared_links: Vec<SharedLink>,
    pub next_link: u64,
    /// The tokens of the sessions started with `POST /auth/login` and not logged out.
    pub sessions: Vec<String>,
    pub next_session: u64,
    /// `(stack id, asset ids)`, the first asset primary.
    pub stacks: Vec<(String, Vec<String>)>,
    /// Live photo links, sidecars, paused queues (uploads.rs).
    pub upload_extras: super::uploads::Extras,
    /// The sync change log and the sessions' checkpoints.
    pub sync: super::sync::SyncLog,
}

const SEED_TIME: &str = "2024-05-01T10:00:00.000Z";

/// Picks image or video from a file name or a part's content type.
pub(crate) fn kind_of(file_name: &str, content_type: Option<&str>) -> (Kind, String) {
    let ext = file_name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    let by_ext = match ext.as_str() {
        "mp4" => Some("video/mp4"),
        "mov" => Some("video/quicktime"),
        "webm" => Some("video/webm"),
        "mkv" => Some("video/x-matroska"),
        "png" => Some("image/png"),
        "jpg" | "jpeg" => Some("image/jpeg"),
        "heic" => Some("image/heic"),
        "gif" => Some("image/gif"),
        "webp" => Some("image/webp"),
        _ => None,
    };
    let content_type = match (by_ext, content_type) {
        (Some(t), _) => t.to_owned(),
        (None, Some(t)) if t != "application/octet-stream" => t.to_owned(),
        _ => "image/jpeg".to_owned(),
    };
    let kind = if content_type.starts_with("video/") {
        Kind::Video
    } else {
        Kind::Image
    };
    (kind, content_type)
}

impl Store {
    /// The seeded state: three albums, three assets, `people` people, three tags, and
    /// `extra_assets` more small images (for paging).
    pub fn seeded(people: usize, extra_assets: usize) -> Self {
        let mut store = Store {
            assets: Vec::new(),
            albums: Vec::new(),
            people: Vec::new(),
            tags: Vec::new(),
            next_asset: 0x100,
            next_album: 0x100,
            edits: std::collections::HashMap::new(),
            shared_links: Vec::new(),
            next_link: 0,
            sessions: Vec::new(),
            next_session: 0,
            stacks: vec![(
                fixtures::stack(),
                vec![fixtures::asset_beach(), fixtures::asset_family()],
            )],
            upload_extras: super::uploads::Extras::default(),
            sync: Default::default(),
        };
        for (n, name, favorite, owner) in [
            (1, "beach.jpg", true, fixtures::me()),
            (2, "family.jpg", false, fixtures::me()),
            (3, "bob.jpg", false, fixtures::bob()),
        ] {
            let bytes = Bytes::from(fixtures::seeded_bytes(n));
            store.assets.push(Asset {
                id: uuid(0xa55e, n),
                owner,
                checksum: sha1(&bytes),
                bytes,
                file_name: name.to_owned(),
                content_type: "image/jpeg".to_owned(),
                kind: Kind::Image,
                favorite,
                created: SEED_TIME.to_owned(),
                modified: SEED_TIME.to_owned(),
                uploaded: SEED_TIME.to_owned(),
                device_asset_id: Some(format!("{name}-seed")),
                device_id: Some("seed".to_owned()),
                visibility: "timeline".to_owned(),
                tags: if n == 1 {
                    vec![fixtures::tag(2)]
                } else {
                    Vec::new()
                },
                people: if n == 2 {
                    vec![fixtures::person(1)]
                } else {
                    Vec::new()
                },
            });
        }
        for i in 0..extra_assets as u64 {
            let bytes = Bytes::from(format!("extra asset {i}").into_bytes());
            let name = format!("extra-{i:04}.jpg");
            store.assets.push(Asset {
                id: uuid(0xa55e, 0x1000 + i),
                owner: fixtures::me(),
                checksum: sha1(&bytes),
                bytes,
                file_name: name.clone(),
                content_type: "image/jpeg".to_owned(),
                kind: Kind::Image,
                favorite: i % 3 == 0,
                created: SEED_TIME.to_owned(),
                modified: SEED_TIME.to_owned(),
                uploaded: SEED_TIME.to_owned(),
                device_asset_id: Some(name),
                device_id: Some("seed".to_owned()),
                visibility: "timeline".to_owned(),
                tags: Vec::new(),
                people: Vec::new(),
            });
        }
        for (id, name, owner, shared, asset) in [
            (
                fixtures::album_holidays(),
                "Holidays",
                fixtures::me(),
                false,
                fixtures::asset_beach(),
            ),
            (
                fixtures::album_family(),
                "Family",
                fixtures::me(),
                true,
                fixtures::asset_family(),
            ),
            (
                fixtures::album_from_bob(),
                "From Bob",
                fixtures::bob(),
                true,
                fixtures::asset_bob(),
            ),
        ] {
            store.albums.push(Album {
                id,
                name: name.to_owned(),
                description: format!("{name} album"),
                owner,
                shared,
                assets: vec![asset],
                created: SEED_TIME.to_owned(),
                members: Vec::new(),
                order: "desc".to_owned(),
            });
        }
        for n in 1..=people as u64 {
            // Every fifth person is unnamed, every seventh hidden: real libraries look like this.
            let name = if n % 5 == 0 {
                String::new()
            } else {
                format!("Person {n:02}")
            };
            store.people.push(Person {
                id: fixtures::person(n),
                name,
                hidden: n % 7 == 0,
                favorite: n == 1,
                birth_date: (n == 1).then(|| "1990-04-01".to_owned()),
            });
        }
        for (n, name, value, parent, color) in [
            (1, "Places", "Places", None, Some("#ff0000")),
            (2, "Beach", "Places/Beach", Some(fixtures::tag(1)), None),
            (3, "Pets", "Pets", None, Some("#00ff00")),
        ] {
            store.tags.push(Tag {
                id: fixtures::tag(n),
                name: name.to_owned(),
                value: value.to_owned(),
                parent,
                color: color.map(str::to_owned),
            });
        }
        store
    }

    pub fn asset(&self, id: &str) -> Option<&Asset> {
        self.assets.iter().find(|a| a.id.eq_ignore_ascii_case(id))
    }

    pub fn album(&self, id: &str) -> Option<&Album> {
        self.albums.iter().find(|a| a.id.eq_ignore_ascii_case(id))
    }

    pub fn person(&self, id: &str) -> Option<&Person> {
        self.people.iter().find(|p| p.id.eq_ignore_ascii_case(id))
    }

    pub fn tag(&self, id: &str) -> Option<&Tag> {
        self.tags.iter().find(|t| t.id.eq_ignore_ascii_case(id))
    }

    pub fn by_checksum(&self, checksum: &[u8; 20]) -> Option<&Asset> {
        self.assets.iter().find(|a| &a.checksum == checksum)
    }

    /// What the API changed on an asset (defaults when nothing).
    pub fn edits(&self, asset: &str) -> AssetEdits {
        self.edits
            .get(&asset.to_ascii_lowercase())
            .cloned()
            .unwrap_or_default()
    }

    /// The edits of an asset, to change them.
    pub fn edits_mut(&mut self, asset: &str) -> &mut AssetEdits {
        self.edits.entry(asset.to_ascii_lowercase()).or_default()
    }

    /// The asset's `updatedAt` as its JSON shows it.
    pub fn updated_at(&self, asset: &Asset) -> String {
        self.edits(&asset.id)
            .updated
            .unwrap_or_else(|| asset.uploaded.clone())
    }

    /// Marks an asset changed now (its `updatedAt`).
    pub fn touch(&mut self, asset: &str) {
        self.edits_mut(asset).updated = Some(next_update_time());
    }

    /// Whether an asset is in the trash.
    pub fn is_trashed(&self, asset: &str) -> bool {
        self.edits
            .get(&asset.to_ascii_lowercase())
            .is_some_and(|e| e.trashed)
    }

    /// The role of `user` in `album`: `"owner"`, the member's role, or `None` when the album is
    /// not theirs to see. A shared album without members added through the API has the seeded
    /// member: the other user, as editor.
    pub fn album_role(&self, album: &Album, user: &str) -> Option<String> {
        if album.owner == user {
            return Some("owner".to_owned());
        }
        if album.members.is_empty() {
            let seeded = if album.owner == fixtures::me() {
                fixtures::bob()
            } else {
                fixtures::me()
            };
            return (album.shared && user == seeded).then(|| "editor".to_owned());
        }
        album
            .members
            .iter()
            .find(|(member, _)| member == user)
            .map(|(_, role)| role.clone())
    }

    /// Whether a shared link points at the album.
    pub fn album_has_link(&self, album: &Album) -> bool {
        self.shared_links
            .iter()
            .any(|link| link.album.as_deref() == Some(album.id.as_str()))
    }

    /// Whether the album is shared as the server counts it: a member besides the owner, or a
    /// shared link.
    pub fn album_is_shared(&self, album: &Album) -> bool {
        album.shared || self.album_has_link(album)
    }

    pub fn albums_of(&self, asset: &str) -> impl Iterator<Item = &Album> {
        let asset = asset.to_owned();
        self.albums
            .iter()
            .filter(move |album| album.assets.contains(&asset))
    }
}

/// Renders the seeded users.
pub(crate) fn user_json(id: &str) -> Value {
    let (name, email, color) = if id == fixtures::me() {
        ("Test User", "test@example.com", "primary")
    } else {
        ("Bob", "bob@example.com", "blue")
    };
    json!({
        "id": id,
        "name": name,
        "email": email,
        "avatarColor": color,
        "profileImagePath": "",
        "profileChangedAt": SEED_TIME,
    })
}

/// `GET /users/me`: `UserAdminResponseDto`.
pub(crate) fn me_json(version: Version) -> Value {
    let mut user = user_json(&fixtures::me());
    let extra = json!({
        "isAdmin": true,
        "createdAt": SEED_TIME,
        "updatedAt": SEED_TIME,
        "deletedAt": null,
        "oauthId": "",
        "quotaSizeInBytes": null,
        "quotaUsageInBytes": 123456,
        "shouldChangePassword": false,
        "status": "active",
        "storageLabel": "admin",
        "license": null,
    });
    merge(&mut user, extra);
    if !version.is_v3() {
        merge(&mut user, json!({ "memoriesEnabled": true }));
    }
    user
}

pub(crate) fn asset_json(asset: &Asset, version: Version, store: &Store, exif: bool) -> Value {
    let edits = store.edits(&asset.id);
    let checksum = if edits.wrong_checksum {
        // What a damaged library announces: the checksum of other bytes.
        base64(&sha1(b"not these bytes"))
    } else {
        base64(&asset.checksum)
    };
    let mut value = json!({
        "id": asset.id,
        "ownerId": asset.owner,
        "checksum": checksum,
        "createdAt": asset.uploaded,
        "fileCreatedAt": asset.created,
        "fileModifiedAt": asset.modified,
        "localDateTime": asset.created,
        "updatedAt": edits.updated.as_deref().unwrap_or(&asset.uploaded),
        "hasMetadata": true,
        "height": 480,
        "width": 640,
        "isArchived": asset.visibility == "archive",
        "isFavorite": asset.favorite,
        "isOffline": false,
        "isTrashed": edits.trashed,
        "originalFileName": asset.file_name,
        "originalMimeType": asset.content_type,
        "originalPath": format!("/data/upload/{}/{}", asset.owner, asset.file_name),
        "thumbhash": null,
        "type": match asset.kind { Kind::Image => "IMAGE", Kind::Video => "VIDEO" },
        "livePhotoVideoId": store.upload_extras.live_photo.get(&asset.id),
        "duplicateId": null,
        "people": asset.people.iter().filter_map(|p| store.person(p)).map(|p| person_json(p, version)).collect::<Vec<_>>(),
        "tags": asset.tags.iter().filter_map(|t| store.tag(t)).map(tag_json).collect::<Vec<_>>(),
    });
    if version.is_v3() {
        merge(
            &mut value,
            json!({
                "visibility": asset.visibility,
                "isEdited": false,
                "duration": match asset.kind { Kind::Video => json!(1500), Kind::Image => Value::Null },
                "libraryId": null,
            }),
        );
    } else {
        merge(
            &mut value,
            json!({
                "deviceAssetId": asset.device_asset_id.clone().unwrap_or_default(),
                "deviceId": asset.device_id.clone().unwrap_or_default(),
                "duration": match asset.kind { Kind::Video => "0:00:01.500000", Kind::Image => "0:00:00.00000" },
                "libraryId": null,
                "resized": true,
                "isArchived": asset.visibility == "archive",
            }),
        );
        if version.at_least(1, 133) {
            merge(&mut value, json!({ "visibility": asset.visibility }));
        }
    }
    if exif {
        merge(
            &mut value,
            json!({ "exifInfo": {
                "make": "Test", "model": "Camera 1", "fileSizeInByte": asset.bytes.len(),
                "exifImageWidth": 640, "exifImageHeight": 480, "fNumber": 2.8, "iso": 100,
                "dateTimeOriginal": edits.taken.clone().unwrap_or_else(|| asset.created.clone()),
                "city": null, "country": null,
                "description": edits.description.clone().unwrap_or_default(),
                "latitude": edits.location.map(|l| l.0), "longitude": edits.location.map(|l| l.1),
                "rating": edits.rating, "timeZone": null,
            }}),
        );
    }
    value
}

pub(crate) fn album_json(
    album: &Album,
    version: Version,
    store: &Store,
    with_assets: bool,
) -> Value {
    let me = fixtures::me();
    let other = if album.owner == me {
        fixtures::bob()
    } else {
        me.clone()
    };
    let assets: Vec<&Asset> = album
        .assets
        .iter()
        .filter_map(|id| store.asset(id))
        .collect();
    let mut value = json!({
        "id": album.id,
        "albumName": album.name,
        "description": album.description,
        "albumThumbnailAssetId": album.assets.first(),
        "assetCount": assets.len(),
        "createdAt": album.created,
        "updatedAt": album.created,
        "hasSharedLink": store.album_has_link(album),
        "isActivityEnabled": true,
        "shared": store.album_is_shared(album),
        "order": album.order,
        "startDate": assets.first().map(|a| a.created.clone()),
        "endDate": assets.last().map(|a| a.created.clone()),
    });
    let members: Vec<Value> = if !album.members.is_empty() {
        album
            .members
            .iter()
            .map(|(user, role)| json!({ "role": role, "user": user_json(user) }))
            .collect()
    } else if album.shared {
        vec![json!({ "role": "editor", "user": user_json(&other) })]
    } else {
        Vec::new()
    };
    if version.is_v3() {
        let mut users = vec![json!({ "role": "owner", "user": user_json(&album.owner) })];
        users.extend(members);
        merge(&mut value, json!({ "albumUsers": users }));
    } else {
        let users = members;
        let assets: Vec<Value> = if with_assets {
            assets
                .iter()
                .map(|a| asset_json(a, version, store, false))
                .collect()
        } else {
            Vec::new()
        };
        merge(
            &mut value,
            json!({
                "albumUsers": users,
                "ownerId": album.owner,
                "owner": user_json(&album.owner),
                "assets": assets,
            }),
        );
    }
    value
}

pub(crate) fn person_json(person: &Person, version: Version) -> Value {
    let mut value = json!({
        "id": person.id,
        "name": person.name,
        "birthDate": person.birth_date,
        "thumbnailPath": format!("/data/thumbs/{}.jpeg", person.id),
        "isHidden": person.hidden,
    });
    if version.at_least(1, 126) {
        merge(
            &mut value,
            json!({ "isFavorite": person.favorite, "color": "#a0b0c0", "updatedAt": SEED_TIME }),
        );
    }
    value
}

pub(crate) fn tag_json(tag: &Tag) -> Value {
    let mut value = json!({
        "id": tag.id,
        "name": tag.name,
        "value": tag.value,
        "createdAt": SEED_TIME,
        "updatedAt": SEED_TIME,
    });
    if let Some(parent) = &tag.parent {
        merge(&mut value, json!({ "parentId": parent }));
    }
    if let Some(color) = &tag.color {
        merge(&mut value, json!({ "color": color }));
    }
    value
}

pub(crate) fn about_json(version: Version) -> Value {
    json!({
        "version": version.tag(),
        "versionUrl": format!("https://github.com/immich-app/immich/releases/tag/{}", version.tag()),
        "licensed": false,
        "build": "test",
        "nodejs": "v22.0.0",
        "ffmpeg": "7.0",
        "exiftool": "13.00",
        "libvips": "8.16",
        "repository": "immich-app/immich",
        "repositoryUrl": "https://github.com/immich-app/immich",
        "sourceRef": version.tag(),
        "sourceCommit": "0000000",
    })
}

pub(crate) fn storage_json() -> Value {
    json!({
        "diskAvailable": "40.0 GiB",
        "diskAvailableRaw": 42_949_672_960u64,
        "diskSize": "100.0 GiB",
        "diskSizeRaw": 107_374_182_400u64,
        "diskUsagePercentage": 60.0,
        "diskUse": "60.0 GiB",
        "diskUseRaw": 64_424_509_440u64,
    })
}

pub(crate) fn statistics_json(store: &Store) -> Value {
    let mut users = Vec::new();
    let (mut photos, mut videos, mut usage_photos, mut usage_videos) = (0u64, 0u64, 0u64, 0u64);
    for user in [fixtures::me(), fixtures::bob()] {
        let (mut p, mut v, mut up, mut uv) = (0u64, 0u64, 0u64, 0u64);
        for asset in store.assets.iter().filter(|a| a.owner == user) {
            match asset.kind {
                Kind::Image => {
                    p += 1;
                    up += asset.bytes.len() as u64;
                }
                Kind::Video => {
                    v += 1;
                    uv += asset.bytes.len() as u64;
                }
            }
        }
        users.push(json!({
            "userId": user, "userName": user_json(&user)["name"],
            "photos": p, "videos": v, "usage": up + uv, "usagePhotos": up, "usageVideos": uv,
            "quotaSizeInBytes": null,
        }));
        photos += p;
        videos += v;
        usage_photos += up;
        usage_videos += uv;
    }
    json!({
        "photos": photos, "videos": videos, "usage": usage_photos + usage_videos,
        "usagePhotos": usage_photos, "usageVideos": usage_videos, "usageByUser": users,
    })
}

/// Adds `extra`'s keys to `value` (both objects).
pub(crate) fn merge(value: &mut Value, extra: Value) {
    if let (Value::Object(target), Value::Object(source)) = (value, extra) {
        target.extend(source);
    }
}
