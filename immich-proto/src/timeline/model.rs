//! Timeline filters (`TimeBucketDto`) and answers (`TimeBucketsResponseDto`,
//! `TimeBucketAssetResponseDto`).
//!
//! v1.133 changed the bucket contents from an array of full assets to one object of parallel
//! arrays ("columns"). [`TimeBucketAssets`] reads both: the columns as sent, or columns built from
//! the full assets (which are kept in [`TimeBucketAssets::assets`]).

use std::time::Duration;

use serde::de::{self, Deserializer};
use serde::Deserialize;

use crate::assets::{Asset, AssetOrder, AssetType, AssetVisibility};
use crate::{AlbumId, AssetId, Date, DateTime, Error, PersonId, Server, StackId, TagId, UserId};

crate::string_enum! {
    /// Which date groups and orders the timeline (`AssetOrderBy`).
    pub enum AssetOrderBy {
        /// When the picture was taken (the server's default).
        TakenAt => "takenAt",
        /// When it was added to Immich.
        CreatedAt => "createdAt",
    }
}

/// A geographic box, in degrees (WGS84), for the `bbox` filter.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BoundingBox {
    /// Western longitude, -180 to 180.
    pub west: f64,
    /// Southern latitude, -90 to 90.
    pub south: f64,
    /// Eastern longitude, -180 to 180.
    pub east: f64,
    /// Northern latitude, -90 to 90.
    pub north: f64,
}

impl BoundingBox {
    /// `west,south,east,north`, or an error for a value out of range or south above north.
    fn to_query(self) -> Result<String, Error> {
        let BoundingBox {
            west,
            south,
            east,
            north,
        } = self;
        let longitudes = (-180.0..=180.0).contains(&west) && (-180.0..=180.0).contains(&east);
        let latitudes = (-90.0..=90.0).contains(&south) && (-90.0..=90.0).contains(&north);
        if !longitudes || !latitudes || south > north {
            return Err(Error::invalid_input(
                "bounding box",
                format!(
                    "west,south,east,north = {west},{south},{east},{north} is not a box on Earth"
                ),
            ));
        }
        Ok(format!("{west},{south},{east},{north}"))
    }
}

/// Filters shared by [`GetTimeBuckets`](crate::timeline::GetTimeBuckets) and
/// [`GetTimeBucket`](crate::timeline::GetTimeBucket) (`TimeBucketDto`). Each is sent only when
/// set.
///
/// `visibility` is sent as `isArchived` to servers before v1.133 (archive and timeline only);
/// `withCoordinates`, `orderBy` and `bbox` are v3-era filters that older servers ignore.
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct TimelineFilters {
    /// Only assets in this album.
    pub album_id: Option<AlbumId>,
    /// Only assets showing this person.
    pub person_id: Option<PersonId>,
    /// Only assets with this tag.
    pub tag_id: Option<TagId>,
    /// Only assets of this user.
    pub user_id: Option<UserId>,
    /// Only favourites (`true`) or only the others.
    pub is_favorite: Option<bool>,
    /// Only trashed assets (`true`) or only the others.
    pub is_trashed: Option<bool>,
    /// Only assets with this visibility.
    pub visibility: Option<AssetVisibility>,
    /// Include assets partners share.
    pub with_partners: Option<bool>,
    /// Show each stack as its primary asset only.
    pub with_stacked: Option<bool>,
    /// Include `latitude`/`longitude` columns in bucket contents.
    pub with_coordinates: Option<bool>,
    /// Oldest or newest first.
    pub order: Option<AssetOrder>,
    /// Group by date taken or date added.
    pub order_by: Option<AssetOrderBy>,
    /// Only assets inside this box.
    pub bbox: Option<BoundingBox>,
}

impl TimelineFilters {
    /// The query pairs for `server`, whose version must be known.
    pub(crate) fn query_pairs(
        &self,
        server: &Server,
        operation: &'static str,
    ) -> Result<Vec<(&'static str, Option<String>)>, Error> {
        let version = server.require_version(operation)?;
        let new_timeline = version.at_least(1, 133, 0);
        let id = |id: Option<Result<&str, Error>>| id.transpose().map(|i| i.map(str::to_owned));
        let (mut visibility, mut is_archived) = (None, None);
        if let Some(wanted) = &self.visibility {
            if new_timeline {
                visibility = Some(wanted.as_str().to_owned());
            } else {
                is_archived = Some(
                    crate::assets::update_asset::archived_before_v1_133(wanted, &version)?
                        .to_string(),
                );
            }
        }
        let flag = |b: Option<bool>| b.map(|b| b.to_string());
        Ok(vec![
            (
                "albumId",
                id(self.album_id.as_ref().map(|i| i.checked(server)))?,
            ),
            ("bbox", self.bbox.map(BoundingBox::to_query).transpose()?),
            ("isArchived", is_archived),
            ("isFavorite", flag(self.is_favorite)),
            ("isTrashed", flag(self.is_trashed)),
            ("order", self.order.as_ref().map(|o| o.as_str().to_owned())),
            (
                "orderBy",
                self.order_by.as_ref().map(|o| o.as_str().to_owned()),
            ),
            (
                "personId",
                id(self.person_id.as_ref().map(|i| i.checked(server)))?,
            ),
            // Servers before v1.133 require the bucket size; v1.133 made every bucket a month.
            ("size", (!new_timeline).then(|| "MONTH".to_owned())),
            (
                "tagId",
                id(self.tag_id.as_ref().map(|i| i.checked(server)))?,
            ),
            (
                "userId",
                id(self.user_id.as_ref().map(|i| i.checked(server)))?,
            ),
            ("visibility", visibility),
            ("withCoordinates", flag(self.with_coordinates)),
            ("withPartners", flag(self.with_partners)),
            ("withStacked", flag(self.with_stacked)),
        ])
    }
}

/// One month of the timeline and how many assets it holds (`TimeBucketsResponseDto`).
///
/// Both fields are kept as the document types them: `timeBucket` is a plain string (a
/// `YYYY-MM-DD` date on v1.133+, a midnight UTC date-time before) and `count` a signed integer.
/// [`date`](Self::date) reads the bucket key as a [`Date`] for
/// [`GetTimeBucket`](crate::timeline::GetTimeBucket).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct TimeBucket {
    /// The bucket's key, as sent: the first day of the month (`YYYY-MM-DD` on v1.133+, a
    /// midnight UTC date-time before).
    pub time_bucket: String,
    /// How many assets it holds.
    pub count: i64,
}

impl TimeBucket {
    /// The first day of the bucket, or `None` when the key is neither a date nor a date-time.
    pub fn date(&self) -> Option<Date> {
        Date::parse(self.time_bucket.trim())
    }
}

/// A stack, as a timeline row names it: the `[stackId, assetCount]` pair, both strings in the
/// document (a number for the count is accepted too).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct StackSummary {
    /// The stack's id.
    pub id: StackId,
    /// How many assets it holds, as sent; see [`count`](Self::count).
    pub asset_count: String,
}

impl StackSummary {
    /// How many assets the stack holds, or `None` when the text is not a count.
    pub fn count(&self) -> Option<u64> {
        self.asset_count.trim().parse().ok()
    }
}

/// The assets of one time bucket (`TimeBucketAssetResponseDto`): parallel arrays, one entry per
/// asset, in the order of [`id`](Self::id). Read rows with [`get`](Self::get) or
/// [`iter`](Self::iter); columns a server did not send are empty and read as `None`.
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct TimeBucketAssets {
    /// Asset ids: one per row.
    pub id: Vec<AssetId>,
    /// Owners.
    pub owner_id: Vec<UserId>,
    /// Width divided by height.
    pub ratio: Vec<f64>,
    /// Favourite flags.
    pub is_favorite: Vec<bool>,
    /// Visibilities.
    pub visibility: Vec<AssetVisibility>,
    /// Trash flags.
    pub is_trashed: Vec<bool>,
    /// `true` for images, `false` for videos.
    pub is_image: Vec<bool>,
    /// Thumbhashes (base64), null while not generated.
    pub thumbhash: Vec<Option<String>>,
    /// When each file was created, in UTC, as sent (plain strings in the document; rows read
    /// them with [`TimeBucketAsset::file_created`]).
    pub file_created_at: Vec<String>,
    /// When each asset was added to Immich, as sent (see [`TimeBucketAsset::created`]).
    pub created_at: Vec<String>,
    /// The photographer's UTC offset, in hours (may be fractional).
    pub local_offset_hours: Vec<f64>,
    /// Video durations; `None` for still images.
    pub duration: Vec<Option<Duration>>,
    /// The stack each asset heads, if any.
    pub stack: Vec<Option<StackSummary>>,
    /// 360° projection types.
    pub projection_type: Vec<Option<String>>,
    /// The video half of live photos.
    pub live_photo_video_id: Vec<Option<AssetId>>,
    /// Cities.
    pub city: Vec<Option<String>>,
    /// Countries.
    pub country: Vec<Option<String>>,
    /// Latitudes (with `with_coordinates`).
    pub latitude: Vec<Option<f64>>,
    /// Longitudes (with `with_coordinates`).
    pub longitude: Vec<Option<f64>>,
    /// The full assets, from servers before v1.133 (which sent them instead of columns); empty
    /// on newer servers.
    pub assets: Vec<Asset>,
}

/// One row of [`TimeBucketAssets`].
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct TimeBucketAsset<'a> {
    /// The asset's id.
    pub id: &'a AssetId,
    /// Its owner.
    pub owner_id: Option<&'a UserId>,
    /// Width divided by height.
    pub ratio: Option<f64>,
    /// Whether it is a favourite.
    pub is_favorite: Option<bool>,
    /// Where it is shown.
    pub visibility: Option<&'a AssetVisibility>,
    /// Whether it is in the trash.
    pub is_trashed: Option<bool>,
    /// `true` for an image, `false` for a video.
    pub is_image: Option<bool>,
    /// Its thumbhash.
    pub thumbhash: Option<&'a str>,
    /// When the file was created (UTC), as sent; see [`file_created`](Self::file_created).
    pub file_created_at: Option<&'a str>,
    /// When it was added to Immich, as sent; see [`created`](Self::created).
    pub created_at: Option<&'a str>,
    /// The photographer's UTC offset in hours.
    pub local_offset_hours: Option<f64>,
    /// Play time, for videos.
    pub duration: Option<Duration>,
    /// The stack it heads.
    pub stack: Option<&'a StackSummary>,
    /// 360° projection type.
    pub projection_type: Option<&'a str>,
    /// The video half of a live photo.
    pub live_photo_video_id: Option<&'a AssetId>,
    /// City.
    pub city: Option<&'a str>,
    /// Country.
    pub country: Option<&'a str>,
    /// Latitude.
    pub latitude: Option<f64>,
    /// Longitude.
    pub longitude: Option<f64>,
}

impl TimeBucketAsset<'_> {
    /// When the file was created, or `None` when not sent or not a date-time.
    pub fn file_created(&self) -> Option<DateTime> {
        DateTime::parse(self.file_created_at?.trim())
    }

    /// When the asset was added to Immich, or `None` when not sent or not a date-time.
    pub fn created(&self) -> Option<DateTime> {
        DateTime::parse(self.created_at?.trim())
    }

    /// The wall-clock time the picture was taken where it was taken (the file time shifted by
    /// the photographer's offset), when both are known.
    pub fn local_date_time(&self) -> Option<DateTime> {
        let created = self.file_created()?;
        let offset_seconds = (self.local_offset_hours? * 3600.0).round();
        if !offset_seconds.is_finite() || offset_seconds.abs() > 86_400.0 {
            return None;
        }
        Some(DateTime::from_unix(
            created.unix_seconds() + offset_seconds as i64,
            created.nanos(),
        ))
    }
}

impl TimeBucketAssets {
    /// How many assets the bucket holds.
    pub fn len(&self) -> usize {
        self.id.len()
    }

    /// Whether the bucket is empty.
    pub fn is_empty(&self) -> bool {
        self.id.is_empty()
    }

    /// Row `index`, or `None` past the end.
    pub fn get(&self, index: usize) -> Option<TimeBucketAsset<'_>> {
        fn opt<T>(column: &[Option<T>], index: usize) -> Option<&T> {
            column.get(index).and_then(Option::as_ref)
        }
        Some(TimeBucketAsset {
            id: self.id.get(index)?,
            owner_id: self.owner_id.get(index),
            ratio: self.ratio.get(index).copied(),
            is_favorite: self.is_favorite.get(index).copied(),
            visibility: self.visibility.get(index),
            is_trashed: self.is_trashed.get(index).copied(),
            is_image: self.is_image.get(index).copied(),
            thumbhash: opt(&self.thumbhash, index).map(String::as_str),
            file_created_at: self.file_created_at.get(index).map(String::as_str),
            created_at: self.created_at.get(index).map(String::as_str),
            local_offset_hours: self.local_offset_hours.get(index).copied(),
            duration: opt(&self.duration, index).copied(),
            stack: opt(&self.stack, index),
            projection_type: opt(&self.projection_type, index).map(String::as_str),
            live_photo_video_id: opt(&self.live_photo_video_id, index),
            city: opt(&self.city, index).map(String::as_str),
            country: opt(&self.country, index).map(String::as_str),
            latitude: opt(&self.latitude, index).copied(),
            longitude: opt(&self.longitude, index).copied(),
        })
    }

    /// Every row, in order.
    pub fn iter(&self) -> impl Iterator<Item = TimeBucketAsset<'_>> + '_ {
        (0..self.len()).filter_map(move |index| self.get(index))
    }

    /// The name of the first column (its JSON name) whose length differs from the number of
    /// ids; a column a server left out is empty, which is fine. A real server sends columns
    /// that line up; the document cannot promise it, so decoding does not refuse ragged ones.
    pub fn ragged_column(&self) -> Option<&'static str> {
        let rows = self.id.len();
        let lengths = [
            ("ownerId", self.owner_id.len()),
            ("ratio", self.ratio.len()),
            ("isFavorite", self.is_favorite.len()),
            ("visibility", self.visibility.len()),
            ("isTrashed", self.is_trashed.len()),
            ("isImage", self.is_image.len()),
            ("thumbhash", self.thumbhash.len()),
            ("fileCreatedAt", self.file_created_at.len()),
            ("createdAt", self.created_at.len()),
            ("localOffsetHours", self.local_offset_hours.len()),
            ("duration", self.duration.len()),
            ("stack", self.stack.len()),
            ("projectionType", self.projection_type.len()),
            ("livePhotoVideoId", self.live_photo_video_id.len()),
            ("city", self.city.len()),
            ("country", self.country.len()),
            ("latitude", self.latitude.len()),
            ("longitude", self.longitude.len()),
        ];
        lengths
            .into_iter()
            .find(|&(_, len)| len != 0 && len != rows)
            .map(|(name, _)| name)
    }

    /// Columns built from the full assets an older server sent.
    fn from_assets(assets: Vec<Asset>) -> Self {
        let mut out = TimeBucketAssets::default();
        let all_created = assets.iter().all(|a| a.created_at.is_some());
        for asset in &assets {
            let exif = asset.exif_info.as_ref();
            out.id.push(asset.id.clone());
            out.owner_id.push(asset.owner_id.clone());
            out.ratio.push(ratio(asset));
            out.is_favorite.push(asset.is_favorite);
            out.visibility
                .push(asset.visibility.clone().unwrap_or(if asset.is_archived {
                    AssetVisibility::Archive
                } else {
                    AssetVisibility::Timeline
                }));
            out.is_trashed.push(asset.is_trashed);
            out.is_image.push(asset.asset_type == AssetType::Image);
            out.thumbhash.push(asset.thumbhash.clone());
            out.file_created_at
                .push(asset.file_created_at.to_utc_string());
            if all_created {
                out.created_at
                    .extend(asset.created_at.map(|at| at.to_utc_string()));
            }
            // `localDateTime` is the local wall clock written as if UTC.
            let offset =
                asset.local_date_time.unix_seconds() - asset.file_created_at.unix_seconds();
            out.local_offset_hours.push(offset as f64 / 3600.0);
            out.duration.push(asset.duration);
            out.stack.push(asset.stack.as_ref().map(|s| StackSummary {
                id: s.id.clone(),
                asset_count: s.asset_count.to_string(),
            }));
            out.projection_type
                .push(exif.and_then(|e| e.projection_type.clone()));
            out.live_photo_video_id
                .push(asset.live_photo_video_id.clone());
            out.city.push(exif.and_then(|e| e.city.clone()));
            out.country.push(exif.and_then(|e| e.country.clone()));
            out.latitude.push(exif.and_then(|e| e.latitude));
            out.longitude.push(exif.and_then(|e| e.longitude));
        }
        out.assets = assets;
        out
    }
}

/// Width over height of an asset, turned for EXIF orientations 5 to 8; 1 when unknown.
fn ratio(asset: &Asset) -> f64 {
    let exif = asset.exif_info.as_ref();
    let (width, height) = match (asset.width, asset.height) {
        (Some(w), Some(h)) => (w, h),
        _ => match exif.map(|e| (e.exif_image_width, e.exif_image_height)) {
            Some((Some(w), Some(h))) => {
                let turned = exif
                    .and_then(|e| e.orientation.as_deref())
                    .is_some_and(|o| matches!(o.trim(), "5" | "6" | "7" | "8"));
                if turned {
                    (h, w)
                } else {
                    (w, h)
                }
            }
            _ => return 1.0,
        },
    };
    if width > 0 && height > 0 {
        width as f64 / height as f64
    } else {
        1.0
    }
}

impl<'de> Deserialize<'de> for TimeBucketAssets {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ShapeVisitor;

        impl<'de> de::Visitor<'de> for ShapeVisitor {
            type Value = TimeBucketAssets;

            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an object of columns (v1.133+) or an array of assets (older servers)")
            }

            // Forwarding the access itself (not a buffered value) keeps the JSON path of errors.
            fn visit_seq<A: de::SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
                let assets = Vec::<Asset>::deserialize(de::value::SeqAccessDeserializer::new(seq))?;
                Ok(TimeBucketAssets::from_assets(assets))
            }

            fn visit_map<A: de::MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                let c = Columns::deserialize(de::value::MapAccessDeserializer::new(map))?;
                Ok(TimeBucketAssets {
                    id: c.id,
                    owner_id: c.owner_id,
                    ratio: c.ratio,
                    is_favorite: c.is_favorite,
                    visibility: c.visibility,
                    is_trashed: c.is_trashed,
                    is_image: c.is_image,
                    thumbhash: c.thumbhash,
                    file_created_at: c.file_created_at,
                    created_at: c.created_at,
                    local_offset_hours: c.local_offset_hours,
                    duration: c.duration.into_iter().map(|d| d.0).collect(),
                    stack: c
                        .stack
                        .into_iter()
                        .map(|cell| cell.map(|StackCell(summary)| summary))
                        .collect(),
                    projection_type: c.projection_type,
                    live_photo_video_id: c.live_photo_video_id,
                    city: c.city,
                    country: c.country,
                    latitude: c.latitude,
                    longitude: c.longitude,
                    assets: Vec::new(),
                })
            }
        }

        deserializer.deserialize_any(ShapeVisitor)
    }
}

/// The v1.133+ wire form. Every column is optional here; [`TimeBucketAssets::ragged_column`]
/// names columns that do not line up.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Columns {
    id: Vec<AssetId>,
    #[serde(default)]
    owner_id: Vec<UserId>,
    #[serde(default)]
    ratio: Vec<f64>,
    #[serde(default)]
    is_favorite: Vec<bool>,
    #[serde(default)]
    visibility: Vec<AssetVisibility>,
    #[serde(default)]
    is_trashed: Vec<bool>,
    #[serde(default)]
    is_image: Vec<bool>,
    #[serde(default)]
    thumbhash: Vec<Option<String>>,
    #[serde(default)]
    file_created_at: Vec<String>,
    #[serde(default)]
    created_at: Vec<String>,
    #[serde(default)]
    local_offset_hours: Vec<f64>,
    #[serde(default)]
    duration: Vec<DurationCell>,
    #[serde(default, deserialize_with = "null_as_empty")]
    stack: Vec<Option<StackCell>>,
    #[serde(default)]
    projection_type: Vec<Option<String>>,
    #[serde(default)]
    live_photo_video_id: Vec<Option<AssetId>>,
    #[serde(default)]
    city: Vec<Option<String>>,
    #[serde(default)]
    country: Vec<Option<String>>,
    #[serde(default, deserialize_with = "null_as_empty")]
    latitude: Vec<Option<f64>>,
    #[serde(default, deserialize_with = "null_as_empty")]
    longitude: Vec<Option<f64>>,
}

/// An optional column may also be sent as `null`.
fn null_as_empty<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Vec<T>, D::Error> {
    Ok(Option::<Vec<T>>::deserialize(d)?.unwrap_or_default())
}

/// A duration cell: milliseconds (v3), `"H:MM:SS.fff"` (earlier), or null.
#[derive(Deserialize)]
struct DurationCell(#[serde(deserialize_with = "crate::assets::wire::duration")] Option<Duration>);

/// A `[stackId, assetCount]` pair; the count is a string on the wire, a number is accepted.
struct StackCell(StackSummary);

impl<'de> Deserialize<'de> for StackCell {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum CountText {
            Text(String),
            Number(u64),
        }
        let (id, count) = <(StackId, CountText)>::deserialize(deserializer)?;
        let asset_count = match count {
            CountText::Text(text) => text,
            CountText::Number(n) => n.to_string(),
        };
        Ok(StackCell(StackSummary { id, asset_count }))
    }
}
