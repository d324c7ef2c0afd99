//! The operations, each a thin call of [`Client::send`], [`Client::run`] or the media helpers.

use std::path::Path;

use bytes::Bytes;
use immich_proto::albums::UpdateAlbumUser;
use immich_proto::albums::{self, AddAssetsToAlbum, AlbumAssets, GetAlbumInfo, GetAllAlbums};
use immich_proto::albums::{AddUsersToAlbum, Album, AlbumStatistics, AlbumUserRole, BulkIdResult};
use immich_proto::albums::{CreateAlbum, DeleteAlbum, GetAlbumStatistics, NewAlbumUser};
use immich_proto::albums::{RemoveAssetFromAlbum, RemoveUserFromAlbum, UpdateAlbumInfo};
use immich_proto::api_keys::{ApiKeyInfo, GetMyApiKey};
use immich_proto::assets::{Asset, AssetMediaSize, PlayAssetVideo, ViewAsset};
use immich_proto::assets::{AssetChanges, AssetStatistics, BulkUploadCheckItem};
use immich_proto::assets::{BulkUploadCheckResult, CheckBulkUploadBatches, DeleteAssets};
use immich_proto::assets::{DownloadAsset, DownloadReport, GetAssetInfo, GetAssetStatistics};
use immich_proto::assets::{UpdateAsset, UpdateAssets};
use immich_proto::map::{GetMapMarkers, MapMarker};
use immich_proto::memories::{Memory, SearchMemories};
use immich_proto::people::{self, GetAllPeople, GetPerson, GetPersonThumbnail, PeopleCount};
use immich_proto::search::{MetadataSearch, SearchAssets, SearchPerson, SearchSmart, SmartSearch};
use immich_proto::search::{RandomSearch, SearchRandom};
use immich_proto::server::{GetAboutInfo, GetServerStatistics, GetServerVersion, GetStorage};
use immich_proto::server::{GetServerFeatures, GetSupportedMediaTypes, PingServer, ServerPing};
use immich_proto::server::{GetVersionCheck, ServerAbout, ServerStatistics, ServerStorage};
use immich_proto::server::{ServerFeatures, SupportedMediaTypes};
use immich_proto::shared_links::SharedLink;
use immich_proto::shared_links::{CreateSharedLink, GetAllSharedLinks, RemoveSharedLink};
use immich_proto::stacks::{SearchStacks, Stack};
use immich_proto::tags::{self, GetAllTags, GetTagById, Tag};
use immich_proto::timeline::{GetTimeBucket, GetTimeBuckets, TimeBucket, TimeBucketAssets};
use immich_proto::trash::EmptyTrash;
use immich_proto::users::{GetMyUser, User};
use immich_proto::MAX_MEDIA_BYTES;
use immich_proto::{AlbumId, AssetId, ByteRange, Paged, Pager, PersonId, ServerVersion, TagId};
use immich_proto::{Capabilities, SharedLinkId, UserId};

use crate::client::MediaBody;
use crate::Media;
use crate::{Client, Error};

/// Names match `immich-tokio`.
impl Client {
    /// `GET /server/about`.
    pub fn about(&self) -> Result<ServerAbout, Error> {
        self.send(&GetAboutInfo)
    }

    /// `GET /server/storage`.
    pub fn storage(&self) -> Result<ServerStorage, Error> {
        self.send(&GetStorage)
    }

    /// `GET /server/statistics` (admin only).
    pub fn statistics(&self) -> Result<ServerStatistics, Error> {
        self.send(&GetServerStatistics)
    }

    /// `GET /server/version`, without recording it (see [`setup`](Self::setup)).
    pub fn version(&self) -> Result<ServerVersion, Error> {
        self.send(&GetServerVersion)
    }

    /// `GET /server/version-check`.
    pub fn version_check(&self) -> Result<immich_proto::server::VersionCheck, Error> {
        self.send(&GetVersionCheck)
    }

    /// `GET /users/me`.
    pub fn me(&self) -> Result<User, Error> {
        self.send(&GetMyUser)
    }

    /// Every album, owned and shared (one or two requests, depending on the version).
    pub fn albums(&self) -> Result<Vec<albums::Album>, Error> {
        self.run(GetAllAlbums::new())
    }

    /// `GET /albums/{id}`.
    pub fn album(&self, id: AlbumId) -> Result<albums::Album, Error> {
        self.send(&GetAlbumInfo::new(id))
    }

    /// `PUT /albums/{id}/assets`: one result per asset id.
    pub fn add_assets_to_album(
        &self,
        id: AlbumId,
        ids: Vec<AssetId>,
    ) -> Result<Vec<albums::BulkIdResult>, Error> {
        self.send(&AddAssetsToAlbum::new(id, ids))
    }

    /// The albums whose name contains `name`, ignoring case.
    pub fn albums_named(&self, name: &str) -> Result<Vec<albums::Album>, Error> {
        let all = self.albums()?;
        Ok(albums::filter_albums_by_name(&all, name)
            .into_iter()
            .cloned()
            .collect())
    }

    /// Every asset of the given albums.
    pub fn album_assets(&self, ids: Vec<AlbumId>) -> Result<Vec<Asset>, Error> {
        self.run(AlbumAssets::new(ids))
    }

    /// An asset's thumbnail, preview or full-size image, in memory (at most
    /// [`MAX_MEDIA_BYTES`]).
    pub fn thumbnail(&self, id: AssetId, size: AssetMediaSize) -> Result<Media<Bytes>, Error> {
        self.media_bytes(&ViewAsset::new(id).size(size), MAX_MEDIA_BYTES)
    }

    /// A person's face thumbnail, in memory (at most [`MAX_MEDIA_BYTES`]).
    pub fn person_thumbnail(&self, id: PersonId) -> Result<Media<Bytes>, Error> {
        self.media_bytes(&GetPersonThumbnail::new(id), MAX_MEDIA_BYTES)
    }

    /// A video as a stream, optionally one byte range of it (to resume, or to serve a player).
    pub fn video_playback(
        &self,
        id: AssetId,
        range: Option<ByteRange>,
    ) -> Result<Media<MediaBody>, Error> {
        let mut endpoint = PlayAssetVideo::new(id);
        if let Some(range) = range {
            endpoint = endpoint.range(range);
        }
        self.media(&endpoint)
    }

    /// Every person, following all pages; unnamed ones only when `include_unnamed`.
    pub fn people(&self, include_unnamed: bool) -> Result<Vec<people::Person>, Error> {
        self.run(Pager::new(
            GetAllPeople::new().include_unnamed(include_unnamed),
        ))
    }

    /// `GET /people/{id}`.
    pub fn person(&self, id: PersonId) -> Result<people::Person, Error> {
        self.send(&GetPerson::new(id))
    }

    /// How many people the server knows (one small request).
    pub fn people_count(&self) -> Result<u64, Error> {
        self.send(&PeopleCount::new())
    }

    /// The named people whose name contains `name`, ignoring case.
    pub fn people_named(&self, name: &str) -> Result<Vec<people::Person>, Error> {
        let all = self.people(false)?;
        Ok(people::filter_people_by_name(&all, name)
            .into_iter()
            .cloned()
            .collect())
    }

    /// `GET /tags`.
    pub fn tags(&self) -> Result<Vec<Tag>, Error> {
        self.send(&GetAllTags)
    }

    /// `GET /tags/{id}`.
    pub fn tag(&self, id: TagId) -> Result<Tag, Error> {
        self.send(&GetTagById::new(id))
    }

    /// The tags whose name or value contains `name`, ignoring case.
    pub fn tags_named(&self, name: &str) -> Result<Vec<Tag>, Error> {
        let all = self.tags()?;
        Ok(tags::filter_tags_by_name(&all, name)
            .into_iter()
            .cloned()
            .collect())
    }

    /// Every asset matching a metadata search, following all pages
    /// (use [`pages`](Self::pages) to stream them instead).
    pub fn search_assets(&self, search: MetadataSearch) -> Result<Vec<Asset>, Error> {
        self.run(Pager::new(SearchAssets::new(search)))
    }

    /// Every asset.
    pub fn all_assets(&self) -> Result<Vec<Asset>, Error> {
        self.search_assets(MetadataSearch::all())
    }

    /// Every favorite.
    pub fn favorites(&self) -> Result<Vec<Asset>, Error> {
        self.search_assets(MetadataSearch::favorites())
    }

    /// Every asset carrying all of these tags.
    pub fn assets_by_tags(&self, ids: Vec<TagId>) -> Result<Vec<Asset>, Error> {
        self.search_assets(MetadataSearch::by_tags(ids))
    }

    /// Every asset showing all of these people.
    pub fn assets_by_people(&self, ids: Vec<PersonId>) -> Result<Vec<Asset>, Error> {
        self.search_assets(MetadataSearch::by_people(ids))
    }

    /// Every asset in these albums.
    pub fn assets_by_albums(&self, ids: Vec<AlbumId>) -> Result<Vec<Asset>, Error> {
        self.search_assets(MetadataSearch::by_albums(ids))
    }

    /// People whose name matches, as the server searches (`GET /search/person`).
    pub fn search_person(&self, name: &str) -> Result<Vec<people::Person>, Error> {
        self.send(&SearchPerson::new(name))
    }

    /// The best matches of a smart search: one page, of `SmartSearch::size` assets (a ranked
    /// search goes on through the whole library; walk further with [`pages`](Self::pages)).
    pub fn smart_search(&self, search: SmartSearch) -> Result<Vec<Asset>, Error> {
        let page = self.send(&SearchSmart::new(search))?;
        Ok(SearchSmart::into_items(page))
    }

    // ---- uploaders and backup tools

    /// Which of these files the server already has (`POST /assets/bulk-upload-check`), one
    /// request per batch of at most `MAX_BULK_CHECK_BATCH` files, the answers in order.
    pub fn check_bulk_upload(
        &self,
        items: Vec<BulkUploadCheckItem>,
    ) -> Result<Vec<BulkUploadCheckResult>, Error> {
        self.run(CheckBulkUploadBatches::new(items))
    }

    /// `GET /assets/{id}`.
    pub fn asset_info(&self, id: AssetId) -> Result<Asset, Error> {
        self.send(&GetAssetInfo::new(id))
    }

    /// `PUT /assets/{id}`: applies `changes`, returns the asset as it is now.
    pub fn update_asset(&self, id: AssetId, changes: AssetChanges) -> Result<Asset, Error> {
        self.send(&UpdateAsset::new(id, changes))
    }

    /// `PUT /assets`: applies `changes` to every asset in `ids`.
    pub fn update_assets(&self, ids: Vec<AssetId>, changes: AssetChanges) -> Result<(), Error> {
        self.send(&UpdateAssets::new(ids, changes))
    }

    /// `DELETE /assets`: to the trash, or for good with `force`.
    pub fn delete_assets(&self, ids: Vec<AssetId>, force: bool) -> Result<(), Error> {
        self.send(&DeleteAssets::new(ids).force(force))
    }

    /// `POST /trash/empty`: how many assets went for good, when the server says.
    pub fn empty_trash(&self) -> Result<Option<i64>, Error> {
        self.send(&EmptyTrash::new())
    }

    /// `GET /assets/statistics`: the caller's images, videos and total.
    pub fn asset_statistics(&self) -> Result<AssetStatistics, Error> {
        self.send(&GetAssetStatistics::new())
    }

    /// An asset's original file as a stream, optionally a byte range of it.
    pub fn original(
        &self,
        id: AssetId,
        range: Option<ByteRange>,
    ) -> Result<Media<MediaBody>, Error> {
        let mut endpoint = DownloadAsset::new(id);
        if let Some(range) = range {
            endpoint = endpoint.range(range);
        }
        self.media(&endpoint)
    }

    /// Downloads an asset's original to `path`, resuming what an interrupted call left (with
    /// `Range`), and with `verify` checks the file against the asset's SHA-1 (one more request,
    /// `GET /assets/{id}`). Nothing is under `path` until the file is complete and verified; a
    /// mismatch is the core's `ChecksumMismatch`.
    pub fn download_original(
        &self,
        id: AssetId,
        path: impl AsRef<Path>,
        verify: bool,
    ) -> Result<DownloadReport, Error> {
        let checksum = if verify {
            Some(self.asset_info(id.clone())?.checksum)
        } else {
            None
        };
        self.resume_download(id, checksum.as_deref(), path.as_ref())
    }

    // ---- albums

    /// `POST /albums`.
    pub fn create_album(&self, album: CreateAlbum) -> Result<Album, Error> {
        self.send(&album)
    }

    /// `PATCH /albums/{id}`.
    pub fn update_album(&self, update: UpdateAlbumInfo) -> Result<Album, Error> {
        self.send(&update)
    }

    /// `DELETE /albums/{id}` (the assets stay).
    pub fn delete_album(&self, id: AlbumId) -> Result<(), Error> {
        self.send(&DeleteAlbum::new(id))
    }

    /// `DELETE /albums/{id}/assets`: one result per asset id.
    pub fn remove_assets_from_album(
        &self,
        id: AlbumId,
        assets: Vec<AssetId>,
    ) -> Result<Vec<BulkIdResult>, Error> {
        self.send(&RemoveAssetFromAlbum::new(id, assets))
    }

    /// `PUT /albums/{id}/users`: shares the album; returns it.
    pub fn add_users_to_album(
        &self,
        id: AlbumId,
        users: Vec<NewAlbumUser>,
    ) -> Result<Album, Error> {
        self.send(&AddUsersToAlbum::new(id, users))
    }

    /// `DELETE /albums/{id}/user/{userId}`.
    pub fn remove_user_from_album(&self, id: AlbumId, user: UserId) -> Result<(), Error> {
        self.send(&RemoveUserFromAlbum::new(id, user))
    }

    /// `PUT /albums/{id}/user/{userId}`: editor or viewer.
    pub fn update_album_user(
        &self,
        id: AlbumId,
        user: UserId,
        role: AlbumUserRole,
    ) -> Result<(), Error> {
        self.send(&UpdateAlbumUser::new(id, user, role))
    }

    /// `GET /albums/statistics`.
    pub fn album_statistics(&self) -> Result<AlbumStatistics, Error> {
        self.send(&GetAlbumStatistics::new())
    }

    // ---- sharing

    /// `GET /shared-links`: every shared link of the caller.
    pub fn shared_links(&self) -> Result<Vec<SharedLink>, Error> {
        self.send(&GetAllSharedLinks::new())
    }

    /// `POST /shared-links`.
    pub fn create_shared_link(&self, link: CreateSharedLink) -> Result<SharedLink, Error> {
        self.send(&link)
    }

    /// `DELETE /shared-links/{id}`.
    pub fn remove_shared_link(&self, id: SharedLinkId) -> Result<(), Error> {
        self.send(&RemoveSharedLink::new(id))
    }

    // ---- viewers and frames

    /// `GET /memories`.
    pub fn memories(&self, search: SearchMemories) -> Result<Vec<Memory>, Error> {
        self.send(&search)
    }

    /// `POST /search/random`.
    pub fn random_assets(&self, search: RandomSearch) -> Result<Vec<Asset>, Error> {
        self.send(&SearchRandom::new(search))
    }

    /// `GET /timeline/buckets` (needs [`setup`](Self::setup)).
    pub fn time_buckets(&self, buckets: GetTimeBuckets) -> Result<Vec<TimeBucket>, Error> {
        self.send(&buckets)
    }

    /// `GET /timeline/bucket` (needs [`setup`](Self::setup)).
    pub fn time_bucket(&self, bucket: GetTimeBucket) -> Result<TimeBucketAssets, Error> {
        self.send(&bucket)
    }

    /// `GET /map/markers`: every located asset of the caller.
    pub fn map_markers(&self) -> Result<Vec<MapMarker>, Error> {
        self.send(&GetMapMarkers::new())
    }

    /// `GET /stacks`: every stack of the caller.
    pub fn stacks(&self) -> Result<Vec<Stack>, Error> {
        self.send(&SearchStacks::new())
    }

    // ---- capabilities

    /// `GET /server/ping` (public): see `ServerPing::is_pong`.
    pub fn ping(&self) -> Result<ServerPing, Error> {
        self.send(&PingServer::new())
    }

    /// `GET /server/features` (public).
    pub fn features(&self) -> Result<ServerFeatures, Error> {
        self.send(&GetServerFeatures::new())
    }

    /// `GET /server/media-types` (public): the file types the server takes.
    pub fn media_types(&self) -> Result<SupportedMediaTypes, Error> {
        self.send(&GetSupportedMediaTypes::new())
    }

    /// `GET /api-keys/me`: the key in use and its permissions (Immich v1.139+).
    pub fn my_api_key(&self) -> Result<ApiKeyInfo, Error> {
        self.send(&GetMyApiKey::new())
    }

    /// What the key in use may do, to ask before trying (from [`my_api_key`](Self::my_api_key)).
    pub fn capabilities(&self) -> Result<Capabilities, Error> {
        Ok(self.my_api_key()?.capabilities())
    }
}
