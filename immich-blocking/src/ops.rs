//! The operations, each a thin call of [`Client::send`], [`Client::run`] or the media helpers.

use bytes::Bytes;
use immich_proto::albums::{self, AddAssetsToAlbum, AlbumAssets, GetAlbumInfo, GetAllAlbums};
use immich_proto::assets::{Asset, AssetMediaSize, PlayAssetVideo, ViewAsset};
use immich_proto::people::{self, GetAllPeople, GetPerson, GetPersonThumbnail, PeopleCount};
use immich_proto::search::{MetadataSearch, SearchAssets, SearchPerson, SearchSmart, SmartSearch};
use immich_proto::server::{GetAboutInfo, GetServerStatistics, GetServerVersion, GetStorage};
use immich_proto::server::{GetVersionCheck, ServerAbout, ServerStatistics, ServerStorage};
use immich_proto::tags::{self, GetAllTags, GetTagById, Tag};
use immich_proto::users::{GetMyUser, User};
use immich_proto::MAX_MEDIA_BYTES;
use immich_proto::{AlbumId, AssetId, ByteRange, Paged, Pager, PersonId, ServerVersion, TagId};

use crate::client::{Media, MediaBody};
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
}
