//! The one list of what is hand-made, and the generator's other fixed choices.
//!
//! Every entry is checked against the document and the tree on each run, and a run fails with
//! "override ... no longer matches" when one names an operation, schema, field or file that
//! is not there (k8s-openapi's fixups work the same way): a new document that renames or fixes
//! something is noticed at once instead of being silently ignored.

/// An operation written by hand: the generator writes no file for it, but the catalogue lists
/// it, pointing at the hand-written type.
#[derive(Debug, Clone, Copy)]
pub struct HandOperation {
    /// The operationId.
    pub id: &'static str,
    /// The file that implements it, relative to `immich-proto/src` (it must name the id).
    pub file: &'static str,
    /// The implementing type, as a path from the crate root.
    pub rust_type: &'static str,
    /// Why it is hand-written.
    pub why: &'static str,
}

const VERSIONED: &str = "answers or requests differ between v1.1xx, v2 and v3";
const MEDIA: &str = "streams media with ranges, resume or checksum verification";
const SECRET: &str = "carries a password or session token, which the generated Debug would show";
const TIED: &str =
    "returns a hand-written model with version handling, through a hand-written helper";

macro_rules! hand {
    ($($id:literal in $file:literal as $ty:literal: $why:expr;)*) => {
        &[$(HandOperation { id: $id, file: $file, rust_type: $ty, why: $why },)*]
    };
}

/// The hand-written operations.
pub const HAND_OPERATIONS: &[HandOperation] = hand! {
    "getAllAlbums" in "albums/get_all_albums.rs" as "albums::GetAllAlbums": VERSIONED;
    "getAlbumInfo" in "albums/get_album_info.rs" as "albums::GetAlbumInfo": VERSIONED;
    "createAlbum" in "albums/create_album.rs" as "albums::CreateAlbum": VERSIONED;
    "updateAlbumInfo" in "albums/update_album_info.rs" as "albums::UpdateAlbumInfo": VERSIONED;
    "addAssetsToAlbum" in "albums/add_assets_to_album.rs" as "albums::AddAssetsToAlbum": VERSIONED;
    "removeAssetFromAlbum" in "albums/remove_asset_from_album.rs" as "albums::RemoveAssetFromAlbum": VERSIONED;
    "addUsersToAlbum" in "albums/add_users_to_album.rs" as "albums::AddUsersToAlbum": VERSIONED;
    "removeUserFromAlbum" in "albums/remove_user_from_album.rs" as "albums::RemoveUserFromAlbum": VERSIONED;
    "updateAlbumUser" in "albums/update_album_user.rs" as "albums::UpdateAlbumUser": VERSIONED;
    "getAlbumStatistics" in "albums/get_album_statistics.rs" as "albums::GetAlbumStatistics": TIED;
    "getMyApiKey" in "api_keys/get_my_api_key.rs" as "api_keys::GetMyApiKey": VERSIONED;
    "uploadAsset" in "assets/upload.rs" as "assets::UploadAsset": "a streamed multipart body whose fields differ between v1.1xx and v3";
    "viewAsset" in "assets/view_asset.rs" as "assets::ViewAsset": MEDIA;
    "playAssetVideo" in "assets/play_asset_video.rs" as "assets::PlayAssetVideo": MEDIA;
    "downloadAsset" in "assets/download_asset.rs" as "assets::DownloadAsset": MEDIA;
    "getAssetInfo" in "assets/get_asset_info.rs" as "assets::GetAssetInfo": VERSIONED;
    "updateAsset" in "assets/update_asset.rs" as "assets::UpdateAsset": VERSIONED;
    "updateAssets" in "assets/update_assets.rs" as "assets::UpdateAssets": VERSIONED;
    "deleteAssets" in "assets/delete_assets.rs" as "assets::DeleteAssets": VERSIONED;
    "checkBulkUpload" in "assets/check_bulk_upload.rs" as "assets::CheckBulkUpload": "sent in batches by a hand-written flow";
    "getAssetStatistics" in "assets/get_asset_statistics.rs" as "assets::GetAssetStatistics": VERSIONED;
    "getMapMarkers" in "map/get_map_markers.rs" as "map::GetMapMarkers": VERSIONED;
    "searchMemories" in "memories/search_memories.rs" as "memories::SearchMemories": VERSIONED;
    "getAllPeople" in "people/get_all_people.rs" as "people::GetAllPeople": "paged by the core's pager";
    "getPersonThumbnail" in "people/get_person_thumbnail.rs" as "people::GetPersonThumbnail": MEDIA;
    "searchAssets" in "search/search_assets.rs" as "search::SearchAssets": VERSIONED;
    "searchSmart" in "search/search_smart.rs" as "search::SearchSmart": VERSIONED;
    "searchPerson" in "search/search_person.rs" as "search::SearchPerson": TIED;
    "searchRandom" in "search/search_random.rs" as "search::SearchRandom": VERSIONED;
    "getServerFeatures" in "server/get_server_features.rs" as "server::GetServerFeatures": TIED;
    "getServerVersion" in "server/get_server_version.rs" as "server::GetServerVersion": "the version every other decision depends on";
    "getSupportedMediaTypes" in "server/get_supported_media_types.rs" as "server::GetSupportedMediaTypes": TIED;
    "getVersionCheck" in "server/get_version_check.rs" as "server::GetVersionCheck": VERSIONED;
    "pingServer" in "server/ping_server.rs" as "server::PingServer": TIED;
    "createSharedLink" in "shared_links/create_shared_link.rs" as "shared_links::CreateSharedLink": VERSIONED;
    "getAllSharedLinks" in "shared_links/get_all_shared_links.rs" as "shared_links::GetAllSharedLinks": VERSIONED;
    "searchStacks" in "stacks/search_stacks.rs" as "stacks::SearchStacks": TIED;
    "getTimeBucket" in "timeline/get_time_bucket.rs" as "timeline::GetTimeBucket": VERSIONED;
    "getTimeBuckets" in "timeline/get_time_buckets.rs" as "timeline::GetTimeBuckets": VERSIONED;
    "emptyTrash" in "trash/empty_trash.rs" as "trash::EmptyTrash": VERSIONED;
    "login" in "authentication/login.rs" as "authentication::Login": SECRET;
    "logout" in "authentication/logout.rs" as "authentication::Logout": SECRET;
    "validateAccessToken" in "authentication/validate_access_token.rs" as "authentication::ValidateAccessToken": SECRET;
    "sharedLinkLogin" in "shared_links/shared_link_login.rs" as "shared_links::SharedLinkLogin": SECRET;
    "getMySharedLink" in "shared_links/get_my_shared_link.rs" as "shared_links::GetMySharedLink": SECRET;
    "getSyncStream" in "sync/get_sync_stream.rs" as "sync::GetSyncStream": "answers JSON lines (typed sync events) that are decoded as they arrive; the document declares no answer";
};

/// An operation whose kind (how it talks) the document's content types do not tell: the kind
/// the catalogue lists instead of the one read from the document.
#[derive(Debug, Clone, Copy)]
pub struct KindOverride {
    /// The operationId.
    pub id: &'static str,
    /// The kind listed: `Json`, `NoContent`, `Media`, `Multipart` or `Form`.
    pub kind: &'static str,
    /// Why the document's kind is wrong.
    pub why: &'static str,
}

/// The kinds set by hand. Checked on every run: each operation must be in the document, be
/// hand-written ([`HAND_OPERATIONS`]: a generated one follows the document) and declare no
/// answer content (once the document declares it, the kind comes from there), else the
/// override no longer matches.
pub const KIND_OVERRIDES: &[KindOverride] = &[KindOverride {
    id: "getSyncStream",
    kind: "Media",
    why: "a byte stream of JSON lines (a MediaEndpoint); the document declares no answer content",
}];

/// A schema decoded into (and encoded from) a hand-written type wherever a generated operation
/// or model uses it, so an album is the same type whichever operation returned it.
#[derive(Debug, Clone, Copy)]
pub struct HandSchema {
    /// The schema's name in the document.
    pub schema: &'static str,
    /// The hand-written type, as a path from the crate root.
    pub rust_type: &'static str,
}

macro_rules! schemas {
    ($($schema:literal => $ty:literal,)*) => {
        &[$(HandSchema { schema: $schema, rust_type: $ty },)*]
    };
}

/// The schemas mapped onto hand-written types (each carries version handling or helpers).
pub const HAND_SCHEMAS: &[HandSchema] = schemas! {
    "AssetResponseDto" => "crate::assets::Asset",
    "AssetStackResponseDto" => "crate::assets::AssetStack",
    "ExifResponseDto" => "crate::assets::ExifInfo",
    "AssetTypeEnum" => "crate::assets::AssetType",
    "AssetVisibility" => "crate::assets::AssetVisibility",
    "AssetMediaSize" => "crate::assets::AssetMediaSize",
    "AssetOrder" => "crate::assets::AssetOrder",
    "AlbumResponseDto" => "crate::albums::Album",
    "AlbumUserRole" => "crate::albums::AlbumUserRole",
    "BulkIdResponseDto" => "crate::common::BulkIdResult",
    "UserResponseDto" => "crate::users::UserSummary",
    "UserAdminResponseDto" => "crate::users::User",
    "UserAvatarColor" => "crate::users::UserAvatarColor",
    "UserStatus" => "crate::users::UserStatus",
    "PersonResponseDto" => "crate::people::Person",
    "TagResponseDto" => "crate::tags::Tag",
    "SharedLinkResponseDto" => "crate::shared_links::SharedLink",
    "SharedLinkType" => "crate::shared_links::SharedLinkType",
    "StackResponseDto" => "crate::stacks::Stack",
    "MemoryResponseDto" => "crate::memories::Memory",
    "MemoryType" => "crate::memories::MemoryType",
    "Permission" => "crate::Permission",
    "ServerAboutResponseDto" => "crate::server::ServerAbout",
    "ServerStorageResponseDto" => "crate::server::ServerStorage",
    "ServerStatsResponseDto" => "crate::server::ServerStatistics",
};

/// Query parameters that belong to the session, not to the operation: a shared link's `key` or
/// `slug`, which immich-proto's `Server` adds to every request when it acts for a link.
pub const SESSION_QUERY_PARAMETERS: &[&str] = &["key", "slug"];

/// String fields that hold a secret (a password, PIN code, token or key): generated as
/// `Secret`, whose `Debug` shows `***`. By field name, anywhere.
pub const SECRET_FIELD_NAMES: &[&str] = &[
    "password",
    "newPassword",
    "pinCode",
    "newPinCode",
    "secret",
    "clientSecret",
    "accessToken",
    "token",
    "logout_token",
    "licenseKey",
    "activationKey",
];

/// The typed id (from `crate::id`) of a uuid field or parameter, by the word its name starts
/// with (`albumId`, `albumIds` and `{id}` in an album operation all take `AlbumId`). Anything
/// not listed is the generic `Uuid`.
pub const ID_TYPES: &[(&str, &str)] = &[
    ("activity", "ActivityId"),
    ("album", "AlbumId"),
    ("apiKey", "ApiKeyId"),
    ("asset", "AssetId"),
    ("livePhotoVideo", "AssetId"),
    ("primaryAsset", "AssetId"),
    ("face", "FaceId"),
    ("library", "LibraryId"),
    ("memory", "MemoryId"),
    ("notification", "NotificationId"),
    ("owner", "UserId"),
    ("partner", "UserId"),
    ("person", "PersonId"),
    ("session", "SessionId"),
    ("sharedLink", "SharedLinkId"),
    ("stack", "StackId"),
    ("tag", "TagId"),
    ("user", "UserId"),
];

/// The id type of `{id}` in an area's paths and of `id` in its models, by OpenAPI tag.
pub const AREA_ID_TYPES: &[(&str, &str)] = &[
    ("Activities", "ActivityId"),
    ("Albums", "AlbumId"),
    ("API keys", "ApiKeyId"),
    ("Assets", "AssetId"),
    ("Faces", "FaceId"),
    ("Libraries", "LibraryId"),
    ("Memories", "MemoryId"),
    ("Notifications", "NotificationId"),
    ("Partners", "UserId"),
    ("People", "PersonId"),
    ("Sessions", "SessionId"),
    ("Shared links", "SharedLinkId"),
    ("Stacks", "StackId"),
    ("Tags", "TagId"),
    ("Users", "UserId"),
    ("Users (admin)", "UserId"),
];

/// An id the document names wrongly, corrected from what the server does with it.
#[derive(Debug, Clone, Copy)]
pub struct IdFixup {
    /// The schema, or the operation's type name for a parameter.
    pub owner: &'static str,
    /// The field or parameter.
    pub name: &'static str,
    /// The id type it really is.
    pub id_type: &'static str,
    /// What the server does, and where that was read.
    pub why: &'static str,
}

/// Ids whose description or place in the document says something else than the server does.
/// Each must still match a uuid of the document (else the run fails).
pub const ID_FIXUPS: &[IdFixup] = &[
    IdFixup {
        owner: "GetFaces",
        name: "id",
        id_type: "AssetId",
        why:
            "described as \"Face ID\", but PersonService.getFacesById checks asset.read on it and \
              lists that asset's faces",
    },
    IdFixup {
        owner: "ReassignFacesById",
        name: "id",
        id_type: "PersonId",
        why: "the path id of PUT /faces/{id} is the person the face moves to \
              (PersonService.reassignFacesById(auth, personId, dto))",
    },
];

/// The payload schema of each `SyncEntityType` whose schema is not found by name. The rule:
/// type `XxxVn` carries schema `SyncXxxVn` (`AssetV2` carries `SyncAssetV2`), and a marker
/// `SyncXxxVn` carries the schema of its own name (`SyncAckV1`). The document does not say
/// which schema another type carries; these pairs are the server's `SyncItem` map
/// (server/src/dtos/sync.dto.ts): creates, updates and backfills of an entity reuse its schema.
///
/// Checked on every run: each pair must name a value of `SyncEntityType` and a schema of the
/// document, and the rule must not already find a schema for it (else the pair no longer
/// matches); every value of the enum must have a schema, by the rule or here (else the run
/// fails, naming the type to add).
pub const SYNC_PAYLOADS: &[(&str, &str)] = &[
    ("PartnerAssetV1", "SyncAssetV1"),
    ("PartnerAssetV2", "SyncAssetV2"),
    ("PartnerAssetBackfillV1", "SyncAssetV1"),
    ("PartnerAssetBackfillV2", "SyncAssetV2"),
    ("PartnerAssetDeleteV1", "SyncAssetDeleteV1"),
    ("PartnerAssetExifV1", "SyncAssetExifV1"),
    ("PartnerAssetExifBackfillV1", "SyncAssetExifV1"),
    ("PartnerStackV1", "SyncStackV1"),
    ("PartnerStackBackfillV1", "SyncStackV1"),
    ("PartnerStackDeleteV1", "SyncStackDeleteV1"),
    ("AlbumUserBackfillV1", "SyncAlbumUserV1"),
    ("AlbumAssetCreateV1", "SyncAssetV1"),
    ("AlbumAssetCreateV2", "SyncAssetV2"),
    ("AlbumAssetUpdateV1", "SyncAssetV1"),
    ("AlbumAssetUpdateV2", "SyncAssetV2"),
    ("AlbumAssetBackfillV1", "SyncAssetV1"),
    ("AlbumAssetBackfillV2", "SyncAssetV2"),
    ("AlbumAssetExifCreateV1", "SyncAssetExifV1"),
    ("AlbumAssetExifUpdateV1", "SyncAssetExifV1"),
    ("AlbumAssetExifBackfillV1", "SyncAssetExifV1"),
    ("AlbumToAssetBackfillV1", "SyncAlbumToAssetV1"),
    ("MemoryToAssetV1", "SyncMemoryAssetV1"),
    ("MemoryToAssetDeleteV1", "SyncMemoryAssetDeleteV1"),
];
