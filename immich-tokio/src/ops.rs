//! One method per operation, each a one-liner over `send`, `run`, `pages` or `media`.
//! Paged listings collect every page here; use [`Client::pages`] to stream them instead.

use std::path::Path;

use bytes::Bytes;
use immich_proto::albums::{
    self, AddAssetsToAlbum, AddUsersToAlbum, Album, AlbumStatistics, AlbumUserRole, BulkIdResult,
    CreateAlbum, DeleteAlbum, GetAlbumInfo, GetAlbumStatistics, GetAllAlbums, NewAlbumUser,
    RemoveAssetFromAlbum, RemoveUserFromAlbum, UpdateAlbumInfo, UpdateAlbumUser,
};
use immich_proto::api_keys::{ApiKeyInfo, GetMyApiKey};
use immich_proto::assets::{
    Asset, AssetChanges, AssetMediaSize, AssetStatistics, BulkUploadCheckItem,
    BulkUploadCheckResult, CheckBulkUploadBatches, DeleteAssets, DownloadAsset, DownloadReport,
    GetAssetInfo, GetAssetStatistics, PlayAssetVideo, UpdateAsset, UpdateAssets, ViewAsset,
};
use immich_proto::map::{GetMapMarkers, MapMarker};
use immich_proto::memories::{Memory, SearchMemories};
use immich_proto::people::{
    self, GetAllPeople, GetPerson, GetPersonThumbnail, PeopleCount, Person,
};
use immich_proto::search::{
    MetadataSearch, RandomSearch, SearchAssets, SearchPerson, SearchRandom, SearchSmart,
    SmartSearch,
};
use immich_proto::server::{
    GetAboutInfo, GetServerFeatures, GetServerStatistics, GetServerVersion, GetStorage,
    GetSupportedMediaTypes, GetVersionCheck, PingServer, ServerAbout, ServerFeatures, ServerPing,
    ServerStatistics, ServerStorage, SupportedMediaTypes, VersionCheck,
};
use immich_proto::shared_links::{
    CreateSharedLink, GetAllSharedLinks, RemoveSharedLink, SharedLink,
};
use immich_proto::stacks::{SearchStacks, Stack};
use immich_proto::tags::{self, GetAllTags, GetTagById, Tag};
use immich_proto::timeline::{GetTimeBucket, GetTimeBuckets, TimeBucket, TimeBucketAssets};
use immich_proto::trash::EmptyTrash;
use immich_proto::users::{GetMyUser, User};
use immich_proto::{
    AlbumId, AssetId, ByteRange, Capabilities, Paged, Pager, PersonId, ServerVersion, SharedLinkId,
    TagId, UserId, MAX_MEDIA_BYTES,
};

use crate::body::MediaBody;
use crate::client::Client;
use crate::error::Error;
use crate::Media;

impl Client {
    /// `GET /server/about`.
    pub async fn about(&self) -> Result<ServerAbout, Error> {
        self.send(&GetAboutInfo::new()).await
    }

    /// `GET /server/storage`.
    pub async fn storage(&self) -> Result<ServerStorage, Error> {
        self.send(&GetStorage::new()).await
    }

    /// `GET /server/statistics` (admin).
    pub async fn statistics(&self) -> Result<ServerStatistics, Error> {
        self.send(&GetServerStatistics::new()).await
    }

    /// `GET /server/version`, without recording it (see [`setup`](Self::setup)).
    pub async fn version(&self) -> Result<ServerVersion, Error> {
        self.send(&GetServerVersion::new()).await
    }

    /// `GET /server/version-check`.
    pub async fn version_check(&self) -> Result<VersionCheck, Error> {
        self.send(&GetVersionCheck::new()).await
    }

    /// `GET /users/me`.
    pub async fn me(&self) -> Result<User, Error> {
        self.send(&GetMyUser::new()).await
    }

    /// Every album, owned and shared (two requests before v3; needs [`setup`](Self::setup)).
    pub async fn albums(&self) -> Result<Vec<Album>, Error> {
        self.run(GetAllAlbums::new()).await
    }

    /// `GET /albums/{id}`.
    pub async fn album(&self, id: AlbumId) -> Result<Album, Error> {
        self.send(&GetAlbumInfo::new(id)).await
    }

    /// `PUT /albums/{id}/assets`: one result per asset id.
    pub async fn add_assets_to_album(
        &self,
        id: AlbumId,
        assets: Vec<AssetId>,
    ) -> Result<Vec<BulkIdResult>, Error> {
        self.send(&AddAssetsToAlbum::new(id, assets)).await
    }

    /// The albums whose name contains `name`, ignoring case.
    pub async fn albums_named(&self, name: &str) -> Result<Vec<Album>, Error> {
        let all = self.albums().await?;
        Ok(albums::filter_albums_by_name(&all, name)
            .into_iter()
            .cloned()
            .collect())
    }

    /// The assets of these albums (needs [`setup`](Self::setup)).
    pub async fn album_assets(&self, ids: Vec<AlbumId>) -> Result<Vec<Asset>, Error> {
        self.run(albums::AlbumAssets::new(ids)).await
    }

    /// A thumbnail, preview or full-size rendition, in memory (at most [`MAX_MEDIA_BYTES`]).
    pub async fn thumbnail(
        &self,
        id: AssetId,
        size: AssetMediaSize,
    ) -> Result<Media<Bytes>, Error> {
        self.media_bytes(&ViewAsset::new(id).size(size), MAX_MEDIA_BYTES)
            .await
    }

    /// A person's face thumbnail, in memory (at most [`MAX_MEDIA_BYTES`]).
    pub async fn person_thumbnail(&self, id: PersonId) -> Result<Media<Bytes>, Error> {
        self.media_bytes(&GetPersonThumbnail::new(id), MAX_MEDIA_BYTES)
            .await
    }

    /// A video as a stream, optionally a byte range of it (to resume, or to serve a player).
    pub async fn video_playback(
        &self,
        id: AssetId,
        range: Option<ByteRange>,
    ) -> Result<Media<MediaBody>, Error> {
        let endpoint = PlayAssetVideo::new(id);
        match range {
            Some(range) => self.media(&endpoint.range(range)).await,
            None => self.media(&endpoint).await,
        }
    }

    /// Every person, following the pages; unnamed ones only with `include_unnamed`.
    pub async fn people(&self, include_unnamed: bool) -> Result<Vec<Person>, Error> {
        self.run(Pager::new(
            GetAllPeople::new().include_unnamed(include_unnamed),
        ))
        .await
    }

    /// `GET /people/{id}`.
    pub async fn person(&self, id: PersonId) -> Result<Person, Error> {
        self.send(&GetPerson::new(id)).await
    }

    /// How many people the server knows (one small request).
    pub async fn people_count(&self) -> Result<u64, Error> {
        self.send(&PeopleCount::new()).await
    }

    /// The named people whose name contains `name`, ignoring case.
    pub async fn people_named(&self, name: &str) -> Result<Vec<Person>, Error> {
        let all = self.people(false).await?;
        Ok(people::filter_people_by_name(&all, name)
            .into_iter()
            .cloned()
            .collect())
    }

    /// `GET /tags`.
    pub async fn tags(&self) -> Result<Vec<Tag>, Error> {
        self.send(&GetAllTags::new()).await
    }

    /// `GET /tags/{id}`.
    pub async fn tag(&self, id: TagId) -> Result<Tag, Error> {
        self.send(&GetTagById::new(id)).await
    }

    /// The tags whose name or path contains `name`, ignoring case.
    pub async fn tags_named(&self, name: &str) -> Result<Vec<Tag>, Error> {
        let all = self.tags().await?;
        Ok(tags::filter_tags_by_name(&all, name)
            .into_iter()
            .cloned()
            .collect())
    }

    /// Every asset matching `search` (`POST /search/metadata`, all pages).
    pub async fn search_assets(&self, search: MetadataSearch) -> Result<Vec<Asset>, Error> {
        self.run(Pager::new(SearchAssets::new(search))).await
    }

    /// Every asset.
    pub async fn all_assets(&self) -> Result<Vec<Asset>, Error> {
        self.search_assets(MetadataSearch::all()).await
    }

    /// Every favorite.
    pub async fn favorites(&self) -> Result<Vec<Asset>, Error> {
        self.search_assets(MetadataSearch::favorites()).await
    }

    /// The assets with all of these tags (the server matches every one).
    pub async fn assets_by_tags(&self, ids: Vec<TagId>) -> Result<Vec<Asset>, Error> {
        self.search_assets(MetadataSearch::by_tags(ids)).await
    }

    /// The assets showing all of these people.
    pub async fn assets_by_people(&self, ids: Vec<PersonId>) -> Result<Vec<Asset>, Error> {
        self.search_assets(MetadataSearch::by_people(ids)).await
    }

    /// The assets in all of these albums (for assets in any of them, use `album_assets`).
    pub async fn assets_by_albums(&self, ids: Vec<AlbumId>) -> Result<Vec<Asset>, Error> {
        self.search_assets(MetadataSearch::by_albums(ids)).await
    }

    /// `GET /search/person?name=`.
    pub async fn search_person(&self, name: &str) -> Result<Vec<Person>, Error> {
        self.send(&SearchPerson::new(name)).await
    }

    /// The best matches of a smart (CLIP) search: one page, of `SmartSearch::size` assets. A
    /// ranked search goes on through the whole library; walk further with
    /// [`pages`](Self::pages).
    pub async fn smart_search(&self, search: SmartSearch) -> Result<Vec<Asset>, Error> {
        let page = self.send(&SearchSmart::new(search)).await?;
        Ok(SearchSmart::into_items(page))
    }

    // ---- uploaders and backup tools

    /// Which of these files the server already has (`POST /assets/bulk-upload-check`), one
    /// request per batch of at most `MAX_BULK_CHECK_BATCH` files, the answers in order.
    pub async fn check_bulk_upload(
        &self,
        items: Vec<BulkUploadCheckItem>,
    ) -> Result<Vec<BulkUploadCheckResult>, Error> {
        self.run(CheckBulkUploadBatches::new(items)).await
    }

    /// `GET /assets/{id}`.
    pub async fn asset_info(&self, id: AssetId) -> Result<Asset, Error> {
        self.send(&GetAssetInfo::new(id)).await
    }

    /// `PUT /assets/{id}`: applies `changes`, returns the asset as it is now.
    pub async fn update_asset(&self, id: AssetId, changes: AssetChanges) -> Result<Asset, Error> {
        self.send(&UpdateAsset::new(id, changes)).await
    }

    /// `PUT /assets`: applies `changes` to every asset in `ids`.
    pub async fn update_assets(
        &self,
        ids: Vec<AssetId>,
        changes: AssetChanges,
    ) -> Result<(), Error> {
        self.send(&UpdateAssets::new(ids, changes)).await
    }

    /// `DELETE /assets`: to the trash, or for good with `force`.
    pub async fn delete_assets(&self, ids: Vec<AssetId>, force: bool) -> Result<(), Error> {
        self.send(&DeleteAssets::new(ids).force(force)).await
    }

    /// `POST /trash/empty`: how many assets went for good, when the server says.
    pub async fn empty_trash(&self) -> Result<Option<i64>, Error> {
        self.send(&EmptyTrash::new()).await
    }

    /// `GET /assets/statistics`: the caller's images, videos and total.
    pub async fn asset_statistics(&self) -> Result<AssetStatistics, Error> {
        self.send(&GetAssetStatistics::new()).await
    }

    /// An asset's original file as a stream, optionally a byte range of it.
    pub async fn original(
        &self,
        id: AssetId,
        range: Option<ByteRange>,
    ) -> Result<Media<MediaBody>, Error> {
        let endpoint = DownloadAsset::new(id);
        match range {
            Some(range) => self.media(&endpoint.range(range)).await,
            None => self.media(&endpoint).await,
        }
    }

    /// Downloads an asset's original to `path`, resuming what an interrupted call left (with
    /// `Range`), and with `verify` checks the file against the asset's SHA-1 (one more request,
    /// `GET /assets/{id}`). Nothing is under `path` until the file is complete and verified; a
    /// mismatch is the core's `ChecksumMismatch`.
    pub async fn download_original(
        &self,
        id: AssetId,
        path: impl AsRef<Path>,
        verify: bool,
    ) -> Result<DownloadReport, Error> {
        let checksum = if verify {
            Some(self.asset_info(id.clone()).await?.checksum)
        } else {
            None
        };
        self.resume_download(id, checksum.as_deref(), path.as_ref())
            .await
    }

    // ---- albums

    /// `POST /albums`.
    pub async fn create_album(&self, album: CreateAlbum) -> Result<Album, Error> {
        self.send(&album).await
    }

    /// `PATCH /albums/{id}`.
    pub async fn update_album(&self, update: UpdateAlbumInfo) -> Result<Album, Error> {
        self.send(&update).await
    }

    /// `DELETE /albums/{id}` (the assets stay).
    pub async fn delete_album(&self, id: AlbumId) -> Result<(), Error> {
        self.send(&DeleteAlbum::new(id)).await
    }

    /// `DELETE /albums/{id}/assets`: one result per asset id.
    pub async fn remove_assets_from_album(
        &self,
        id: AlbumId,
        assets: Vec<AssetId>,
    ) -> Result<Vec<BulkIdResult>, Error> {
        self.send(&RemoveAssetFromAlbum::new(id, assets)).await
    }

    /// `PUT /albums/{id}/users`: shares the album; returns it.
    pub async fn add_users_to_album(
        &self,
        id: AlbumId,
        users: Vec<NewAlbumUser>,
    ) -> Result<Album, Error> {
        self.send(&AddUsersToAlbum::new(id, users)).await
    }

    /// `DELETE /albums/{id}/user/{userId}`.
    pub async fn remove_user_from_album(&self, id: AlbumId, user: UserId) -> Result<(), Error> {
        self.send(&RemoveUserFromAlbum::new(id, user)).await
    }

    /// `PUT /albums/{id}/user/{userId}`: editor or viewer.
    pub async fn update_album_user(
        &self,
        id: AlbumId,
        user: UserId,
        role: AlbumUserRole,
    ) -> Result<(), Error> {
        self.send(&UpdateAlbumUser::new(id, user, role)).await
    }

    /// `GET /albums/statistics`.
    pub async fn album_statistics(&self) -> Result<AlbumStatistics, Error> {
        self.send(&GetAlbumStatistics::new()).await
    }

    // ---- sharing

    /// `GET /shared-links`: every shared link of the caller.
    pub async fn shared_links(&self) -> Result<Vec<SharedLink>, Error> {
        self.send(&GetAllSharedLinks::new()).await
    }

    /// `POST /shared-links`.
    pub async fn create_shared_link(&self, link: CreateSharedLink) -> Result<SharedLink, Error> {
        self.send(&link).await
    }

    /// `DELETE /shared-links/{id}`.
    pub async fn remove_shared_link(&self, id: SharedLinkId) -> Result<(), Error> {
        self.send(&RemoveSharedLink::new(id)).await
    }

    // ---- viewers and frames

    /// `GET /memories`.
    pub async fn memories(&self, search: SearchMemories) -> Result<Vec<Memory>, Error> {
        self.send(&search).await
    }

    /// `POST /search/random`.
    pub async fn random_assets(&self, search: RandomSearch) -> Result<Vec<Asset>, Error> {
        self.send(&SearchRandom::new(search)).await
    }

    /// `GET /timeline/buckets` (needs [`setup`](Self::setup)).
    pub async fn time_buckets(&self, buckets: GetTimeBuckets) -> Result<Vec<TimeBucket>, Error> {
        self.send(&buckets).await
    }

    /// `GET /timeline/bucket` (needs [`setup`](Self::setup)).
    pub async fn time_bucket(&self, bucket: GetTimeBucket) -> Result<TimeBucketAssets, Error> {
        self.send(&bucket).await
    }

    /// `GET /map/markers`: every located asset of the caller.
    pub async fn map_markers(&self) -> Result<Vec<MapMarker>, Error> {
        self.send(&GetMapMarkers::new()).await
    }

    /// `GET /stacks`: every stack of the caller.
    pub async fn stacks(&self) -> Result<Vec<Stack>, Error> {
        self.send(&SearchStacks::new()).await
    }

    // ---- capabilities

    /// `GET /server/ping` (public): see `ServerPing::is_pong`.
    pub async fn ping(&self) -> Result<ServerPing, Error> {
        self.send(&PingServer::new()).await
    }

    /// `GET /server/features` (public).
    pub async fn features(&self) -> Result<ServerFeatures, Error> {
        self.send(&GetServerFeatures::new()).await
    }

    /// `GET /server/media-types` (public): the file types the server takes.
    pub async fn media_types(&self) -> Result<SupportedMediaTypes, Error> {
        self.send(&GetSupportedMediaTypes::new()).await
    }

    /// `GET /api-keys/me`: the key in use and its permissions (Immich v1.139+).
    pub async fn my_api_key(&self) -> Result<ApiKeyInfo, Error> {
        self.send(&GetMyApiKey::new()).await
    }

    /// What the key in use may do, to ask before trying (from [`my_api_key`](Self::my_api_key)).
    pub async fn capabilities(&self) -> Result<Capabilities, Error> {
        Ok(self.my_api_key().await?.capabilities())
    }
}
