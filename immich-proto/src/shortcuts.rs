//! The convenience methods both transports offer (`client.albums()`, `client.thumbnail(..)`),
//! written once as the generic call each one makes.
//!
//! Every operation can be sent with a transport's generic calls: `send(&endpoint)` for one
//! request, `run(flow)` for several, `pages(pager)` for a lazy listing, `media(&endpoint)` for a
//! streamed answer. The shortcuts below are the few that scripts reach for all the time; any
//! other operation is `client.send(&immich_proto::tags::CreateTag::new(..))`.

/// The convenience methods of a transport's `Client`, expanded once inside its
/// `impl Client { .. }`: `immich_proto::client_shortcuts!(blocking);` or
/// `immich_proto::client_shortcuts!(async);` (whose methods are `async` and `.await` the
/// generic calls).
///
/// The expansion calls the client's generic methods `send`, `run`, `media` and `media_bytes`,
/// and names `Error` (the transport's error) and `MediaBody` (its streamed body): all must be in
/// scope where it is expanded.
#[macro_export]
macro_rules! client_shortcuts {
    (blocking) => {
        $crate::__client_shortcuts!([] []);
    };
    (async) => {
        $crate::__client_shortcuts!([async] [.await]);
    };
}

/// The body of [`client_shortcuts!`]: `$async` is `async` or nothing, `$await` is `.await` or
/// nothing, spliced into each method.
#[doc(hidden)]
#[macro_export]
macro_rules! __client_shortcuts {
    ([$($async:tt)?] [$($await:tt)*]) => {
        // ---- the server

        /// Reads the server version once (`GET /server/version`, `getServerVersion`) and
        /// records it, so version-dependent operations can run. Returns the version.
        pub $($async)? fn setup(&self) -> ::core::result::Result<$crate::ServerVersion, Error> {
            let version = self.send(&$crate::server::GetServerVersion::new()) $($await)* ?;
            self.server().set_version(version.clone());
            Ok(version)
        }

        /// `GET /server/version` (`getServerVersion`), without recording it (see
        /// [`setup`](Self::setup)).
        pub $($async)? fn version(&self) -> ::core::result::Result<$crate::ServerVersion, Error> {
            self.send(&$crate::server::GetServerVersion::new()) $($await)*
        }

        /// `GET /server/about` (`getAboutInfo`): version, build and licence.
        pub $($async)? fn about(
            &self,
        ) -> ::core::result::Result<$crate::server::ServerAbout, Error> {
            self.send(&$crate::server::GetAboutInfo::new()) $($await)*
        }

        /// `GET /server/storage` (`getStorage`): disk size and use.
        pub $($async)? fn storage(
            &self,
        ) -> ::core::result::Result<$crate::server::ServerStorage, Error> {
            self.send(&$crate::server::GetStorage::new()) $($await)*
        }

        /// `GET /server/statistics` (`getServerStatistics`, admin only): usage per user.
        pub $($async)? fn statistics(
            &self,
        ) -> ::core::result::Result<$crate::server::ServerStatistics, Error> {
            self.send(&$crate::server::GetServerStatistics::new()) $($await)*
        }

        /// `GET /server/version-check` (`getVersionCheck`): the newest release the server knows.
        pub $($async)? fn version_check(
            &self,
        ) -> ::core::result::Result<$crate::server::VersionCheck, Error> {
            self.send(&$crate::server::GetVersionCheck::new()) $($await)*
        }

        /// `GET /server/ping` (`pingServer`, public): see
        /// [`ServerPing::is_pong`](immich_proto::server::ServerPing::is_pong).
        pub $($async)? fn ping(&self) -> ::core::result::Result<$crate::server::ServerPing, Error> {
            self.send(&$crate::server::PingServer::new()) $($await)*
        }

        /// `GET /server/features` (`getServerFeatures`, public).
        pub $($async)? fn features(
            &self,
        ) -> ::core::result::Result<$crate::server::ServerFeatures, Error> {
            self.send(&$crate::server::GetServerFeatures::new()) $($await)*
        }

        /// `GET /server/media-types` (`getSupportedMediaTypes`, public): the file types the
        /// server takes.
        pub $($async)? fn media_types(
            &self,
        ) -> ::core::result::Result<$crate::server::SupportedMediaTypes, Error> {
            self.send(&$crate::server::GetSupportedMediaTypes::new()) $($await)*
        }

        /// `GET /users/me` (`getMyUser`): the user the credential belongs to.
        pub $($async)? fn me(&self) -> ::core::result::Result<$crate::users::User, Error> {
            self.send(&$crate::users::GetMyUser::new()) $($await)*
        }

        /// `GET /api-keys/me` (`getMyApiKey`, Immich v1.139+): the key in use and its
        /// permissions.
        pub $($async)? fn my_api_key(
            &self,
        ) -> ::core::result::Result<$crate::api_keys::ApiKeyInfo, Error> {
            self.send(&$crate::api_keys::GetMyApiKey::new()) $($await)*
        }

        /// What the key in use may do, to ask before trying: `GET /api-keys/me`
        /// (`getMyApiKey`), read by the core.
        pub $($async)? fn capabilities(
            &self,
        ) -> ::core::result::Result<$crate::Capabilities, Error> {
            let key = self.my_api_key() $($await)* ?;
            Ok(key.capabilities())
        }

        // ---- albums

        /// Every album, owned and shared: `GET /albums` (`getAllAlbums`), twice before v3
        /// (needs [`setup`](Self::setup)).
        pub $($async)? fn albums(
            &self,
        ) -> ::core::result::Result<::std::vec::Vec<$crate::albums::Album>, Error> {
            self.run($crate::albums::GetAllAlbums::new()) $($await)*
        }

        /// The albums whose name contains `name`, ignoring case: [`albums`](Self::albums),
        /// filtered by the core's
        /// [`filter_albums_by_name`](immich_proto::albums::filter_albums_by_name).
        pub $($async)? fn albums_named(
            &self,
            name: &str,
        ) -> ::core::result::Result<::std::vec::Vec<$crate::albums::Album>, Error> {
            let all = self.albums() $($await)* ?;
            Ok($crate::albums::filter_albums_by_name(&all, name).into_iter().cloned().collect())
        }

        /// `GET /albums/{id}` (`getAlbumInfo`).
        pub $($async)? fn album(
            &self,
            id: $crate::AlbumId,
        ) -> ::core::result::Result<$crate::albums::Album, Error> {
            self.send(&$crate::albums::GetAlbumInfo::new(id)) $($await)*
        }

        /// The assets in any of these albums: `GET /albums/{id}` (`getAlbumInfo`) per album
        /// before v3, `POST /search/metadata` (`searchAssets`) on v3 (needs
        /// [`setup`](Self::setup)).
        pub $($async)? fn album_assets(
            &self,
            ids: ::std::vec::Vec<$crate::AlbumId>,
        ) -> ::core::result::Result<::std::vec::Vec<$crate::assets::Asset>, Error> {
            self.run($crate::albums::AlbumAssets::new(ids)) $($await)*
        }

        /// `POST /albums` (`createAlbum`).
        pub $($async)? fn create_album(
            &self,
            album: $crate::albums::CreateAlbum,
        ) -> ::core::result::Result<$crate::albums::Album, Error> {
            self.send(&album) $($await)*
        }

        /// `PATCH /albums/{id}` (`updateAlbumInfo`).
        pub $($async)? fn update_album(
            &self,
            update: $crate::albums::UpdateAlbumInfo,
        ) -> ::core::result::Result<$crate::albums::Album, Error> {
            self.send(&update) $($await)*
        }

        /// `DELETE /albums/{id}` (`deleteAlbum`); the assets stay.
        pub $($async)? fn delete_album(
            &self,
            id: $crate::AlbumId,
        ) -> ::core::result::Result<(), Error> {
            self.send(&$crate::albums::DeleteAlbum::new(id)) $($await)*
        }

        /// `PUT /albums/{id}/assets` (`addAssetsToAlbum`): one result per asset id.
        pub $($async)? fn add_assets_to_album(
            &self,
            id: $crate::AlbumId,
            assets: ::std::vec::Vec<$crate::AssetId>,
        ) -> ::core::result::Result<::std::vec::Vec<$crate::albums::BulkIdResult>, Error> {
            self.send(&$crate::albums::AddAssetsToAlbum::new(id, assets)) $($await)*
        }

        /// `DELETE /albums/{id}/assets` (`removeAssetFromAlbum`): one result per asset id.
        pub $($async)? fn remove_assets_from_album(
            &self,
            id: $crate::AlbumId,
            assets: ::std::vec::Vec<$crate::AssetId>,
        ) -> ::core::result::Result<::std::vec::Vec<$crate::albums::BulkIdResult>, Error> {
            self.send(&$crate::albums::RemoveAssetFromAlbum::new(id, assets)) $($await)*
        }

        /// `PUT /albums/{id}/users` (`addUsersToAlbum`): shares the album; returns it.
        pub $($async)? fn add_users_to_album(
            &self,
            id: $crate::AlbumId,
            users: ::std::vec::Vec<$crate::albums::NewAlbumUser>,
        ) -> ::core::result::Result<$crate::albums::Album, Error> {
            self.send(&$crate::albums::AddUsersToAlbum::new(id, users)) $($await)*
        }

        /// `DELETE /albums/{id}/user/{userId}` (`removeUserFromAlbum`).
        pub $($async)? fn remove_user_from_album(
            &self,
            id: $crate::AlbumId,
            user: $crate::UserId,
        ) -> ::core::result::Result<(), Error> {
            self.send(&$crate::albums::RemoveUserFromAlbum::new(id, user)) $($await)*
        }

        /// `PUT /albums/{id}/user/{userId}` (`updateAlbumUser`): editor or viewer.
        pub $($async)? fn update_album_user(
            &self,
            id: $crate::AlbumId,
            user: $crate::UserId,
            role: $crate::albums::AlbumUserRole,
        ) -> ::core::result::Result<(), Error> {
            self.send(&$crate::albums::UpdateAlbumUser::new(id, user, role)) $($await)*
        }

        /// `GET /albums/statistics` (`getAlbumStatistics`): owned, shared and unshared counts.
        pub $($async)? fn album_statistics(
            &self,
        ) -> ::core::result::Result<$crate::albums::AlbumStatistics, Error> {
            self.send(&$crate::albums::GetAlbumStatistics::new()) $($await)*
        }

        // ---- assets

        /// `GET /assets/{id}` (`getAssetInfo`).
        pub $($async)? fn asset_info(
            &self,
            id: $crate::AssetId,
        ) -> ::core::result::Result<$crate::assets::Asset, Error> {
            self.send(&$crate::assets::GetAssetInfo::new(id)) $($await)*
        }

        /// `PUT /assets/{id}` (`updateAsset`): applies `changes`, returns the asset as it is now.
        pub $($async)? fn update_asset(
            &self,
            id: $crate::AssetId,
            changes: $crate::assets::AssetChanges,
        ) -> ::core::result::Result<$crate::assets::Asset, Error> {
            self.send(&$crate::assets::UpdateAsset::new(id, changes)) $($await)*
        }

        /// `PUT /assets` (`updateAssets`): applies `changes` to every asset in `ids`.
        pub $($async)? fn update_assets(
            &self,
            ids: ::std::vec::Vec<$crate::AssetId>,
            changes: $crate::assets::AssetChanges,
        ) -> ::core::result::Result<(), Error> {
            self.send(&$crate::assets::UpdateAssets::new(ids, changes)) $($await)*
        }

        /// `DELETE /assets` (`deleteAssets`): to the trash, or for good with `force`.
        pub $($async)? fn delete_assets(
            &self,
            ids: ::std::vec::Vec<$crate::AssetId>,
            force: bool,
        ) -> ::core::result::Result<(), Error> {
            self.send(&$crate::assets::DeleteAssets::new(ids).force(force)) $($await)*
        }

        /// `POST /trash/empty` (`emptyTrash`): how many assets went for good, when the server
        /// says.
        pub $($async)? fn empty_trash(
            &self,
        ) -> ::core::result::Result<::core::option::Option<i64>, Error> {
            self.send(&$crate::trash::EmptyTrash::new()) $($await)*
        }

        /// `GET /assets/statistics` (`getAssetStatistics`): the caller's images, videos and
        /// total.
        pub $($async)? fn asset_statistics(
            &self,
        ) -> ::core::result::Result<$crate::assets::AssetStatistics, Error> {
            self.send(&$crate::assets::GetAssetStatistics::new()) $($await)*
        }

        /// Which of these files the server already has: `POST /assets/bulk-upload-check`
        /// (`checkBulkUpload`), one request per batch of at most
        /// [`MAX_BULK_CHECK_BATCH`](immich_proto::assets::MAX_BULK_CHECK_BATCH) files, the
        /// answers in order.
        pub $($async)? fn check_bulk_upload(
            &self,
            items: ::std::vec::Vec<$crate::assets::BulkUploadCheckItem>,
        ) -> ::core::result::Result<::std::vec::Vec<$crate::assets::BulkUploadCheckResult>, Error> {
            self.run($crate::assets::CheckBulkUploadBatches::new(items)) $($await)*
        }

        // ---- media

        /// A thumbnail, preview or full-size rendition in memory (at most
        /// [`MAX_MEDIA_BYTES`](immich_proto::MAX_MEDIA_BYTES)): `GET /assets/{id}/thumbnail`
        /// (`viewAsset`).
        pub $($async)? fn thumbnail(
            &self,
            id: $crate::AssetId,
            size: $crate::assets::AssetMediaSize,
        ) -> ::core::result::Result<$crate::transport::Media<$crate::bytes::Bytes>, Error> {
            let endpoint = $crate::assets::ViewAsset::new(id).size(size);
            self.media_bytes(&endpoint, $crate::MAX_MEDIA_BYTES) $($await)*
        }

        /// A person's face thumbnail in memory (at most
        /// [`MAX_MEDIA_BYTES`](immich_proto::MAX_MEDIA_BYTES)): `GET /people/{id}/thumbnail`
        /// (`getPersonThumbnail`).
        pub $($async)? fn person_thumbnail(
            &self,
            id: $crate::PersonId,
        ) -> ::core::result::Result<$crate::transport::Media<$crate::bytes::Bytes>, Error> {
            let endpoint = $crate::people::GetPersonThumbnail::new(id);
            self.media_bytes(&endpoint, $crate::MAX_MEDIA_BYTES) $($await)*
        }

        /// A video as a stream, optionally one byte range of it (to resume, or to serve a
        /// player): `GET /assets/{id}/video/playback` (`playAssetVideo`).
        pub $($async)? fn video_playback(
            &self,
            id: $crate::AssetId,
            range: ::core::option::Option<$crate::ByteRange>,
        ) -> ::core::result::Result<$crate::transport::Media<MediaBody>, Error> {
            let mut endpoint = $crate::assets::PlayAssetVideo::new(id);
            if let Some(range) = range {
                endpoint = endpoint.range(range);
            }
            self.media(&endpoint) $($await)*
        }

        /// An asset's original file as a stream, optionally one byte range of it:
        /// `GET /assets/{id}/original` (`downloadAsset`). To save it to a file, resuming and
        /// verified, see [`download_original`](Self::download_original).
        pub $($async)? fn original(
            &self,
            id: $crate::AssetId,
            range: ::core::option::Option<$crate::ByteRange>,
        ) -> ::core::result::Result<$crate::transport::Media<MediaBody>, Error> {
            let mut endpoint = $crate::assets::DownloadAsset::new(id);
            if let Some(range) = range {
                endpoint = endpoint.range(range);
            }
            self.media(&endpoint) $($await)*
        }

        // ---- people and tags

        /// Every person, following the pages of `GET /people` (`getAllPeople`); unnamed ones
        /// only with `include_unnamed`.
        pub $($async)? fn people(
            &self,
            include_unnamed: bool,
        ) -> ::core::result::Result<::std::vec::Vec<$crate::people::Person>, Error> {
            let people = $crate::people::GetAllPeople::new().include_unnamed(include_unnamed);
            self.run($crate::Pager::new(people)) $($await)*
        }

        /// The named people whose name contains `name`, ignoring case:
        /// [`people`](Self::people), filtered by the core's
        /// [`filter_people_by_name`](immich_proto::people::filter_people_by_name).
        pub $($async)? fn people_named(
            &self,
            name: &str,
        ) -> ::core::result::Result<::std::vec::Vec<$crate::people::Person>, Error> {
            let all = self.people(false) $($await)* ?;
            Ok($crate::people::filter_people_by_name(&all, name).into_iter().cloned().collect())
        }

        /// `GET /people/{id}` (`getPerson`).
        pub $($async)? fn person(
            &self,
            id: $crate::PersonId,
        ) -> ::core::result::Result<$crate::people::Person, Error> {
            self.send(&$crate::people::GetPerson::new(id)) $($await)*
        }

        /// How many people the server knows: one small page of `GET /people` (`getAllPeople`),
        /// read for its total.
        pub $($async)? fn people_count(&self) -> ::core::result::Result<u64, Error> {
            self.send(&$crate::people::PeopleCount::new()) $($await)*
        }

        /// `GET /tags` (`getAllTags`).
        pub $($async)? fn tags(
            &self,
        ) -> ::core::result::Result<::std::vec::Vec<$crate::tags::Tag>, Error> {
            self.send(&$crate::tags::GetAllTags::new()) $($await)*
        }

        /// The tags whose name or full value (`Travel/France/Paris`) contains `name`, ignoring
        /// case: [`tags`](Self::tags), filtered by the core's
        /// [`filter_tags_by_name`](immich_proto::tags::filter_tags_by_name).
        pub $($async)? fn tags_named(
            &self,
            name: &str,
        ) -> ::core::result::Result<::std::vec::Vec<$crate::tags::Tag>, Error> {
            let all = self.tags() $($await)* ?;
            Ok($crate::tags::filter_tags_by_name(&all, name).into_iter().cloned().collect())
        }

        /// `GET /tags/{id}` (`getTagById`).
        pub $($async)? fn tag(
            &self,
            id: $crate::TagId,
        ) -> ::core::result::Result<$crate::tags::Tag, Error> {
            self.send(&$crate::tags::GetTagById::new(id)) $($await)*
        }

        // ---- search

        /// Every asset matching `search`, following the pages of `POST /search/metadata`
        /// (`searchAssets`); use [`pages`](Self::pages) to stream them instead. Exact on every
        /// release: before v1.135.0, which ignores `albumIds`, the albums' own asset lists
        /// filter the search ([`SearchInAlbums`](immich_proto::search::SearchInAlbums)).
        pub $($async)? fn search_assets(
            &self,
            search: $crate::search::MetadataSearch,
        ) -> ::core::result::Result<::std::vec::Vec<$crate::assets::Asset>, Error> {
            self.run($crate::search::SearchInAlbums::new(search)) $($await)*
        }

        /// Every asset: [`search_assets`](Self::search_assets) with
        /// [`MetadataSearch::all`](immich_proto::search::MetadataSearch::all).
        pub $($async)? fn all_assets(
            &self,
        ) -> ::core::result::Result<::std::vec::Vec<$crate::assets::Asset>, Error> {
            self.search_assets($crate::search::MetadataSearch::all()) $($await)*
        }

        /// Every favorite: [`search_assets`](Self::search_assets) with
        /// [`MetadataSearch::favorites`](immich_proto::search::MetadataSearch::favorites).
        pub $($async)? fn favorites(
            &self,
        ) -> ::core::result::Result<::std::vec::Vec<$crate::assets::Asset>, Error> {
            self.search_assets($crate::search::MetadataSearch::favorites()) $($await)*
        }

        /// The assets with all of these tags (the server matches every one):
        /// [`search_assets`](Self::search_assets) with
        /// [`MetadataSearch::by_tags`](immich_proto::search::MetadataSearch::by_tags).
        pub $($async)? fn assets_by_tags(
            &self,
            ids: ::std::vec::Vec<$crate::TagId>,
        ) -> ::core::result::Result<::std::vec::Vec<$crate::assets::Asset>, Error> {
            self.search_assets($crate::search::MetadataSearch::by_tags(ids)) $($await)*
        }

        /// The assets showing all of these people: [`search_assets`](Self::search_assets) with
        /// [`MetadataSearch::by_people`](immich_proto::search::MetadataSearch::by_people).
        pub $($async)? fn assets_by_people(
            &self,
            ids: ::std::vec::Vec<$crate::PersonId>,
        ) -> ::core::result::Result<::std::vec::Vec<$crate::assets::Asset>, Error> {
            self.search_assets($crate::search::MetadataSearch::by_people(ids)) $($await)*
        }

        /// The assets in all of these albums (for the assets in any of them, see
        /// [`album_assets`](Self::album_assets)): [`search_assets`](Self::search_assets) with
        /// [`MetadataSearch::by_albums`](immich_proto::search::MetadataSearch::by_albums).
        pub $($async)? fn assets_by_albums(
            &self,
            ids: ::std::vec::Vec<$crate::AlbumId>,
        ) -> ::core::result::Result<::std::vec::Vec<$crate::assets::Asset>, Error> {
            self.search_assets($crate::search::MetadataSearch::by_albums(ids)) $($await)*
        }

        /// The best matches of a smart (CLIP) search: one page's worth of `POST /search/smart`
        /// (`searchSmart`), `SmartSearch::size` assets in relevance order. A ranked search goes
        /// on through the whole library; walk further with [`pages`](Self::pages). Exact on
        /// every release: before v1.135.0, which ignores `albumIds`, the albums' own asset lists
        /// filter the ranked pages ([`SmartInAlbums`](immich_proto::search::SmartInAlbums)).
        pub $($async)? fn smart_search(
            &self,
            search: $crate::search::SmartSearch,
        ) -> ::core::result::Result<::std::vec::Vec<$crate::assets::Asset>, Error> {
            self.run($crate::search::SmartInAlbums::new(search)) $($await)*
        }

        /// People whose name matches, as the server searches: `GET /search/person`
        /// (`searchPerson`). For a substring match, see [`people_named`](Self::people_named).
        pub $($async)? fn search_person(
            &self,
            name: &str,
        ) -> ::core::result::Result<::std::vec::Vec<$crate::people::Person>, Error> {
            self.send(&$crate::search::SearchPerson::new(name)) $($await)*
        }

        /// `POST /search/random` (`searchRandom`).
        pub $($async)? fn random_assets(
            &self,
            search: $crate::search::RandomSearch,
        ) -> ::core::result::Result<::std::vec::Vec<$crate::assets::Asset>, Error> {
            self.send(&$crate::search::SearchRandom::new(search)) $($await)*
        }

        // ---- sharing, viewers and frames

        /// `GET /shared-links` (`getAllSharedLinks`): every shared link of the caller.
        pub $($async)? fn shared_links(
            &self,
        ) -> ::core::result::Result<::std::vec::Vec<$crate::shared_links::SharedLink>, Error> {
            self.send(&$crate::shared_links::GetAllSharedLinks::new()) $($await)*
        }

        /// `POST /shared-links` (`createSharedLink`).
        pub $($async)? fn create_shared_link(
            &self,
            link: $crate::shared_links::CreateSharedLink,
        ) -> ::core::result::Result<$crate::shared_links::SharedLink, Error> {
            self.send(&link) $($await)*
        }

        /// `DELETE /shared-links/{id}` (`removeSharedLink`).
        pub $($async)? fn remove_shared_link(
            &self,
            id: $crate::SharedLinkId,
        ) -> ::core::result::Result<(), Error> {
            self.send(&$crate::shared_links::RemoveSharedLink::new(id)) $($await)*
        }

        /// `GET /memories` (`searchMemories`).
        pub $($async)? fn memories(
            &self,
            search: $crate::memories::SearchMemories,
        ) -> ::core::result::Result<::std::vec::Vec<$crate::memories::Memory>, Error> {
            self.send(&search) $($await)*
        }

        /// `GET /timeline/buckets` (`getTimeBuckets`, needs [`setup`](Self::setup)).
        pub $($async)? fn time_buckets(
            &self,
            buckets: $crate::timeline::GetTimeBuckets,
        ) -> ::core::result::Result<::std::vec::Vec<$crate::timeline::TimeBucket>, Error> {
            self.send(&buckets) $($await)*
        }

        /// `GET /timeline/bucket` (`getTimeBucket`, needs [`setup`](Self::setup)).
        pub $($async)? fn time_bucket(
            &self,
            bucket: $crate::timeline::GetTimeBucket,
        ) -> ::core::result::Result<$crate::timeline::TimeBucketAssets, Error> {
            self.send(&bucket) $($await)*
        }

        /// `GET /map/markers` (`getMapMarkers`): every located asset of the caller.
        pub $($async)? fn map_markers(
            &self,
        ) -> ::core::result::Result<::std::vec::Vec<$crate::map::MapMarker>, Error> {
            self.send(&$crate::map::GetMapMarkers::new()) $($await)*
        }

        /// `GET /stacks` (`searchStacks`): every stack of the caller.
        pub $($async)? fn stacks(
            &self,
        ) -> ::core::result::Result<::std::vec::Vec<$crate::stacks::Stack>, Error> {
            self.send(&$crate::stacks::SearchStacks::new()) $($await)*
        }

        // ---- sync (a login session; the stream itself is the transport's `sync_stream`)

        /// `GET /sync/ack` (`getSyncAck`): the acks the server keeps for this session. Fails
        /// before sending with `SessionRequired` when the client holds only an API key.
        pub $($async)? fn sync_acks(
            &self,
        ) -> ::core::result::Result<::std::vec::Vec<$crate::models::SyncAck>, Error> {
            $crate::sync::require_session(self.server())?;
            self.send(&$crate::sync::GetSyncAck::new()) $($await)*
        }

        /// `POST /sync/ack` (`sendSyncAck`): sends every ack the batcher holds, in batches of
        /// at most [`MAX_ACKS_PER_REQUEST`]($crate::sync::MAX_ACKS_PER_REQUEST). On an error
        /// the acks of the failed batch are not kept (their events come again next stream).
        pub $($async)? fn send_sync_acks(
            &self,
            acks: &mut $crate::sync::AckBatcher,
        ) -> ::core::result::Result<(), Error> {
            $crate::sync::require_session(self.server())?;
            while let Some(batch) = acks.take_batch() {
                self.send(&batch) $($await)* ?;
            }
            Ok(())
        }

        /// `DELETE /sync/ack` (`deleteSyncAck`): forgets the session's acks of `types`, or all
        /// of them with `None` (the first step of a [`ResetPlan`]($crate::sync::ResetPlan)).
        pub $($async)? fn delete_sync_acks(
            &self,
            types: ::core::option::Option<::std::vec::Vec<$crate::models::SyncEntityType>>,
        ) -> ::core::result::Result<(), Error> {
            $crate::sync::require_session(self.server())?;
            let mut body = $crate::models::SyncAckDelete::new();
            body.types = types;
            self.send(&$crate::sync::DeleteSyncAck::new(body)) $($await)*
        }
    };
}

#[cfg(test)]
mod tests {
    /// Every shortcut's doc names its request as "`METHOD /path` (`operationId`)"; each must be
    /// the catalogue's method and path for that operation, so the shortcuts cannot drift from
    /// the catalogue.
    #[test]
    fn every_shortcut_names_a_catalogued_operation() {
        let source = include_str!("shortcuts.rs");
        let mut checked = 0;
        for line in source.lines() {
            let Some(start) = line.find("/// `") else {
                continue;
            };
            let rest = &line[start + 5..];
            let Some((route, after)) = rest.split_once("` (`") else {
                continue;
            };
            let Some((id, _)) = after.split_once("`)") else {
                continue;
            };
            let Some((method, path)) = route.split_once(' ') else {
                continue;
            };
            let operation = crate::catalogue::find(id)
                .unwrap_or_else(|| panic!("shortcut names {id}, which the catalogue lacks"));
            assert_eq!(
                (operation.method, operation.path),
                (method, path),
                "shortcut of {id}"
            );
            checked += 1;
        }
        assert!(checked > 30, "only {checked} shortcuts were checked");
    }
}
