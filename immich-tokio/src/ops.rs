//! One method per operation, each a one-liner over `send`, `run`, `pages` or `media`.
//! Paged listings collect every page here; use [`Client::pages`] to stream them instead.

use bytes::Bytes;
use immich_proto::albums::{
    self, AddAssetsToAlbum, Album, BulkIdResult, GetAlbumInfo, GetAllAlbums,
};
use immich_proto::assets::{Asset, AssetMediaSize, PlayAssetVideo, ViewAsset};
use immich_proto::people::{
    self, GetAllPeople, GetPerson, GetPersonThumbnail, PeopleCount, Person,
};
use immich_proto::search::{MetadataSearch, SearchAssets, SearchPerson, SearchSmart, SmartSearch};
use immich_proto::server::{
    GetAboutInfo, GetServerStatistics, GetServerVersion, GetStorage, GetVersionCheck, ServerAbout,
    ServerStatistics, ServerStorage, VersionCheck,
};
use immich_proto::tags::{self, GetAllTags, GetTagById, Tag};
use immich_proto::users::{GetMyUser, User};
use immich_proto::{
    AlbumId, AssetId, ByteRange, Paged, Pager, PersonId, ServerVersion, TagId, MAX_MEDIA_BYTES,
};

use crate::body::MediaBody;
use crate::client::{Client, Media};
use crate::error::Error;

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

    /// The assets with any of these tags.
    pub async fn assets_by_tags(&self, ids: Vec<TagId>) -> Result<Vec<Asset>, Error> {
        self.search_assets(MetadataSearch::by_tags(ids)).await
    }

    /// The assets showing all of these people.
    pub async fn assets_by_people(&self, ids: Vec<PersonId>) -> Result<Vec<Asset>, Error> {
        self.search_assets(MetadataSearch::by_people(ids)).await
    }

    /// The assets in any of these albums.
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
}
