//! Viewer and photo-frame operations: memories, random assets, the timeline (both bucket shapes),
//! map markers and stacks, on old and v3 servers.

#[path = "support/golden.rs"]
mod support;

use std::time::Duration;

use immich_proto::assets::{AssetOrder, AssetType, AssetVisibility};
use immich_proto::map::GetMapMarkers;
use immich_proto::memories::{MemorySearchOrder, MemoryType, SearchMemories};
use immich_proto::search::{RandomSearch, SearchRandom};
use immich_proto::stacks::SearchStacks;
use immich_proto::timeline::{
    AssetOrderBy, BoundingBox, GetTimeBucket, GetTimeBuckets, TimeBucketAssets, TimelineFilters,
};
use immich_proto::{
    parse_response, AlbumId, AssetId, Date, DateTime, Endpoint, Error, PersonId, StackId, UserId,
};
use support::{assert_request, get, json, ok, ok_fixture, server, v1, v3};

const BASE: &str = "http://immich.test:2283/api";
const OWNER: &str = "5c8d0000-0000-4000-8000-000000000001";
/// A valid UUID that is not version 4: fine for old servers, refused for v3.
const V7: &str = "01890a5d-ac96-774b-bcce-b302099a8057";

fn at(version: (u64, u64, u64)) -> immich_proto::Server {
    server(Some(version))
}

fn with(set: impl FnOnce(&mut TimelineFilters)) -> TimelineFilters {
    let mut filters = TimelineFilters::default();
    set(&mut filters);
    filters
}

fn day(year: i32, month: u8, day: u8) -> Date {
    Date::new(year, month, day).unwrap()
}

fn decode_path<T: std::fmt::Debug>(result: Result<T, Error>) -> String {
    match result {
        Err(Error::Decode(e)) => e.path,
        other => panic!("expected a decode error, got {other:?}"),
    }
}

// ---- searchMemories ----------------------------------------------------------------------

#[test]
fn search_memories_golden_per_version() {
    let uri = format!("{BASE}/memories");
    // No day: nothing depends on the version.
    for server in [server(None), v1(), v3()] {
        assert_request(&SearchMemories::new().request(&server).unwrap(), &get(&uri));
    }
    let today = SearchMemories::on_this_day(day(2026, 7, 23));
    for (version, sent) in [
        ((3, 1, 0), "2026-07-23"),
        ((3, 0, 3), "2026-07-23"),
        ((3, 0, 2), "2026-07-23T00%3A00%3A00.000Z"),
        ((3, 0, 0), "2026-07-23T00%3A00%3A00.000Z"),
        ((2, 7, 5), "2026-07-23T00%3A00%3A00.000Z"),
        ((1, 127, 0), "2026-07-23T00%3A00%3A00.000Z"),
    ] {
        assert_request(
            &today.request(&at(version)).unwrap(),
            &get(&format!("{uri}?for={sent}&type=on_this_day")),
        );
    }
    match today.request(&v1()) {
        Err(Error::InvalidInput { reason, .. }) => {
            assert!(
                reason.contains("v1.127") && reason.contains("1.118.2"),
                "{reason}"
            )
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        today.request(&server(None)),
        Err(Error::VersionRequired {
            operation: "searchMemories"
        })
    ));
    let mut filtered = SearchMemories::new()
        .saved(true)
        .order(MemorySearchOrder::Random)
        .size(5);
    filtered.is_trashed = Some(false);
    assert_request(
        &filtered.request(&v3()).unwrap(),
        &get(&format!(
            "{uri}?isSaved=true&isTrashed=false&order=random&size=5"
        )),
    );
    assert!(SearchMemories::new().size(0).request(&v3()).is_err());
    assert_eq!(
        (SearchMemories::OPERATION_ID, SearchMemories::PERMISSION),
        ("searchMemories", Some("memory.read"))
    );
}

#[test]
fn memories_from_v3_and_v1_127() {
    let search = SearchMemories::new();
    let memories = parse_response(&search, ok_fixture("memories/searchMemories.v3.json")).unwrap();
    assert_eq!(memories.len(), 2);
    let on_this_day = &memories[0];
    assert_eq!(on_this_day.memory_type, MemoryType::OnThisDay);
    assert_eq!(on_this_day.data.year, Some(2023));
    assert_eq!(on_this_day.owner_id, UserId::parse(OWNER).unwrap());
    assert_eq!(
        on_this_day.memory_at,
        DateTime::parse("2023-07-23T00:00:00Z").unwrap()
    );
    assert!(on_this_day.show_at.is_some() && on_this_day.seen_at.is_none());
    assert_eq!(on_this_day.assets.len(), 2);
    assert_eq!(
        on_this_day.assets[1].duration,
        Some(Duration::from_millis(12_500))
    );
    let other = &memories[1];
    assert_eq!(other.memory_type, MemoryType::Unknown("trip".into()));
    assert_eq!(other.data.year, None);
    assert!(other.is_saved);
    assert!(other.assets.is_empty());

    let old = parse_response(&search, ok_fixture("memories/searchMemories.v1_127.json")).unwrap();
    assert_eq!(old[0].data.year, Some(2020));
    assert_eq!(
        old[0].assets[0].duration,
        Some(Duration::from_millis(7_250))
    );
    assert_eq!(old[0].hide_at, None);
}

// ---- searchRandom ------------------------------------------------------------------------

#[test]
fn search_random_golden() {
    let uri = format!("{BASE}/search/random");
    for server in [server(None), v1(), v3()] {
        assert_request(
            &SearchRandom::new(RandomSearch::new(5))
                .request(&server)
                .unwrap(),
            &json("POST", &uri, r#"{"size":5}"#),
        );
    }
    let album = AlbumId::parse("a1b00000-0000-4000-8000-000000000001").unwrap();
    let person = PersonId::parse("9e0f0000-0000-4000-8000-000000000002").unwrap();
    let mut pick = RandomSearch::new(1000);
    pick.album_ids = vec![album.clone()];
    pick.person_ids = vec![person.clone()];
    pick.asset_type = Some(AssetType::Image);
    pick.visibility = Some(AssetVisibility::Timeline);
    pick.is_favorite = Some(true);
    pick.with_exif = Some(true);
    pick.taken_after = Some(DateTime::parse("2020-01-01T01:00:00+01:00").unwrap());
    pick.rating = Some(4);
    assert_request(
        &SearchRandom::new(pick.clone()).request(&v3()).unwrap(),
        &json(
            "POST",
            &uri,
            &format!(
                r#"{{"albumIds":["{album}"],"personIds":["{person}"],"isFavorite":true,"visibility":"timeline","type":"IMAGE","rating":4,"takenAfter":"2020-01-01T00:00:00.000Z","withExif":true,"size":1000}}"#
            ),
        ),
    );
    for size in [0, 1001] {
        assert!(matches!(
            SearchRandom::new(RandomSearch::new(size)).request(&v3()),
            Err(Error::InvalidInput { what: "size", .. })
        ));
    }
    let mut bad_rating = RandomSearch::new(1);
    bad_rating.rating = Some(6);
    assert!(SearchRandom::new(bad_rating).request(&v3()).is_err());
    let mut bad_id = RandomSearch::new(1);
    bad_id.tag_ids = vec![immich_proto::TagId::parse(V7).unwrap()];
    assert!(SearchRandom::new(bad_id.clone()).request(&v1()).is_ok());
    assert!(matches!(
        SearchRandom::new(bad_id).request(&v3()),
        Err(Error::InvalidId { kind: "tag", .. })
    ));
    // No size: the server picks how many.
    assert_request(
        &SearchRandom::new(RandomSearch::default())
            .request(&v3())
            .unwrap(),
        &json("POST", &uri, "{}"),
    );
    assert_eq!(
        (SearchRandom::OPERATION_ID, SearchRandom::PERMISSION),
        ("searchRandom", Some("asset.read"))
    );
}

#[test]
fn random_assets_from_v3_and_old_servers() {
    let pick = SearchRandom::new(RandomSearch::new(2));
    let new = parse_response(&pick, ok_fixture("search/searchRandom.v3.json")).unwrap();
    assert_eq!(new[0].duration, Some(Duration::from_millis(2_147_483_647)));
    assert_eq!(new[1].asset_type, AssetType::Unknown("HOLOGRAM".into()));
    assert_eq!(
        new[1].visibility,
        Some(AssetVisibility::Unknown("vault".into()))
    );
    let old = parse_response(&pick, ok_fixture("search/searchRandom.v1_118.json")).unwrap();
    assert_eq!(old[0].exif_info.as_ref().unwrap().f_number, Some(1.8));
    assert_eq!(old[1].duration, Some(Duration::from_secs(60)));
}

// ---- timeline ----------------------------------------------------------------------------

#[test]
fn time_buckets_golden_per_version() {
    let uri = format!("{BASE}/timeline/buckets");
    assert_request(&GetTimeBuckets::new().request(&v3()).unwrap(), &get(&uri));
    assert_request(
        &GetTimeBuckets::new().request(&at((1, 133, 0))).unwrap(),
        &get(&uri),
    );
    assert_request(
        &GetTimeBuckets::new().request(&v1()).unwrap(),
        &get(&format!("{uri}?size=MONTH")),
    );
    assert!(matches!(
        GetTimeBuckets::new().request(&server(None)),
        Err(Error::VersionRequired {
            operation: "getTimeBuckets"
        })
    ));

    let album = AlbumId::parse("a1b00000-0000-4000-8000-000000000001").unwrap();
    let filters = with(|f| {
        f.album_id = Some(album.clone());
        f.visibility = Some(AssetVisibility::Archive);
        f.is_favorite = Some(true);
        f.with_stacked = Some(true);
        f.order = Some(AssetOrder::Asc);
    });
    assert_request(
        &GetTimeBuckets::with_filters(filters.clone())
            .request(&v3())
            .unwrap(),
        &get(&format!(
            "{uri}?albumId={album}&isFavorite=true&order=asc&visibility=archive&withStacked=true"
        )),
    );
    assert_request(
        &GetTimeBuckets::with_filters(filters).request(&v1()).unwrap(),
        &get(&format!(
            "{uri}?albumId={album}&isArchived=true&isFavorite=true&order=asc&size=MONTH&withStacked=true"
        )),
    );
    let v3_only = with(|f| {
        f.with_coordinates = Some(true);
        f.order_by = Some(AssetOrderBy::CreatedAt);
        f.bbox = Some(BoundingBox {
            west: 11.075683,
            south: 49.416711,
            east: 11.117589,
            north: 49.454875,
        });
    });
    assert_request(
        &GetTimeBuckets::with_filters(v3_only).request(&v3()).unwrap(),
        &get(&format!(
            "{uri}?bbox=11.075683%2C49.416711%2C11.117589%2C49.454875&orderBy=createdAt&withCoordinates=true"
        )),
    );
    let hidden = with(|f| {
        f.visibility = Some(AssetVisibility::Hidden);
    });
    assert!(GetTimeBuckets::with_filters(hidden.clone())
        .request(&v1())
        .is_err());
    assert!(GetTimeBuckets::with_filters(hidden).request(&v3()).is_ok());
    for bbox in [
        BoundingBox {
            west: 0.0,
            south: 10.0,
            east: 1.0,
            north: 5.0,
        },
        BoundingBox {
            west: -181.0,
            south: 0.0,
            east: 1.0,
            north: 1.0,
        },
        BoundingBox {
            west: 0.0,
            south: f64::NAN,
            east: 1.0,
            north: 1.0,
        },
    ] {
        let filters = with(|f| {
            f.bbox = Some(bbox);
        });
        assert!(matches!(
            GetTimeBuckets::with_filters(filters).request(&v3()),
            Err(Error::InvalidInput {
                what: "bounding box",
                ..
            })
        ));
    }
    let bad_person = with(|f| {
        f.person_id = Some(PersonId::parse(V7).unwrap());
    });
    assert!(GetTimeBuckets::with_filters(bad_person.clone())
        .request(&v1())
        .is_ok());
    assert!(matches!(
        GetTimeBuckets::with_filters(bad_person).request(&v3()),
        Err(Error::InvalidId { kind: "person", .. })
    ));
    assert_eq!(
        (GetTimeBuckets::OPERATION_ID, GetTimeBuckets::PERMISSION),
        ("getTimeBuckets", Some("asset.read"))
    );
}

#[test]
fn time_bucket_golden_per_version() {
    let uri = format!("{BASE}/timeline/bucket");
    let march = GetTimeBucket::new(day(2024, 3, 1));
    for version in [(3, 0, 0), (2, 0, 0), (1, 133, 0)] {
        assert_request(
            &march.request(&at(version)).unwrap(),
            &get(&format!("{uri}?timeBucket=2024-03-01")),
        );
    }
    for version in [(1, 132, 3), (1, 118, 2)] {
        assert_request(
            &march.request(&at(version)).unwrap(),
            &get(&format!(
                "{uri}?size=MONTH&timeBucket=2024-03-01T00%3A00%3A00.000Z"
            )),
        );
    }
    let person = PersonId::parse("9e0f0000-0000-4000-8000-000000000002").unwrap();
    let filtered = march.clone().with_filters(with(|f| {
        f.person_id = Some(person.clone());
        f.with_coordinates = Some(true);
    }));
    assert_request(
        &filtered.request(&v3()).unwrap(),
        &get(&format!(
            "{uri}?personId={person}&timeBucket=2024-03-01&withCoordinates=true"
        )),
    );
    assert!(matches!(
        march.request(&server(None)),
        Err(Error::VersionRequired {
            operation: "getTimeBucket"
        })
    ));
    assert_eq!(
        (GetTimeBucket::OPERATION_ID, GetTimeBucket::PERMISSION),
        ("getTimeBucket", Some("asset.read"))
    );
}

#[test]
fn time_buckets_from_old_and_v3_servers() {
    let old = parse_response(
        &GetTimeBuckets::new(),
        ok_fixture("timeline/getTimeBuckets.v1_118.json"),
    )
    .unwrap();
    assert_eq!(
        old.iter().map(|b| (b.date(), b.count)).collect::<Vec<_>>(),
        vec![(Some(day(2024, 6, 1)), 2), (Some(day(2024, 5, 1)), 4483)]
    );
    // The key is kept as sent (a midnight UTC date-time on old servers).
    assert!(old[0].time_bucket.starts_with("2024-06-01T00:00:00"));
    let new = parse_response(
        &GetTimeBuckets::new(),
        ok_fixture("timeline/getTimeBuckets.v3.json"),
    )
    .unwrap();
    assert_eq!(new.len(), 3);
    assert_eq!((new[1].date(), new[1].count), (Some(day(2025, 2, 1)), 868));
    assert_eq!(new[1].time_bucket, "2025-02-01");
    // The document types the key as a plain string and the count as a signed integer.
    let loose = parse_response(
        &GetTimeBuckets::new(),
        ok(r#"[{"timeBucket":"not a date","count":-5140411568220894}]"#),
    )
    .unwrap();
    assert_eq!(
        (
            loose[0].time_bucket.as_str(),
            loose[0].count,
            loose[0].date()
        ),
        ("not a date", -5_140_411_568_220_894, None)
    );
    // A bucket key from the list is what the bucket request takes.
    assert_eq!(
        GetTimeBucket::new(new[0].date().unwrap())
            .request(&v3())
            .unwrap()
            .uri()
            .query(),
        Some("timeBucket=2025-03-01")
    );
}

fn bucket(fixture: &str) -> TimeBucketAssets {
    parse_response(
        &GetTimeBucket::new(day(2025, 3, 1)),
        ok_fixture(&format!("timeline/{fixture}")),
    )
    .unwrap()
}

#[test]
fn time_bucket_columns_from_v3() {
    let assets = bucket("getTimeBucket.v3.json");
    assert_eq!(assets.len(), 3);
    assert!(assets.assets.is_empty());
    let first = assets.get(0).unwrap();
    assert_eq!(first.id.as_str(), "a3000000-0000-4000-8000-000000000041");
    assert_eq!(first.owner_id, Some(&UserId::parse(OWNER).unwrap()));
    assert_eq!(first.ratio, Some(1.333));
    assert_eq!(first.is_favorite, Some(true));
    assert_eq!(first.is_image, Some(true));
    assert_eq!(first.duration, None);
    let stack = first.stack.unwrap();
    assert_eq!(
        stack.id,
        StackId::parse("57ac0000-0000-4000-8000-000000000002").unwrap()
    );
    assert_eq!((stack.asset_count.as_str(), stack.count()), ("3", Some(3)));
    assert_eq!(
        (first.city, first.country),
        (Some("Berlin"), Some("Germany"))
    );
    assert_eq!(
        (first.latitude, first.longitude),
        (Some(52.52), Some(13.405))
    );
    assert_eq!(
        first.local_date_time(),
        DateTime::parse("2025-03-01T10:00:05Z")
    );
    assert_eq!(first.created(), DateTime::parse("2025-03-01T11:00:00Z"));
    assert!(first
        .created_at
        .is_some_and(|text| text.starts_with("2025-03-01T11:00:00")));

    let video = assets.get(1).unwrap();
    assert_eq!(video.is_image, Some(false));
    assert_eq!(video.duration, Some(Duration::from_millis(5568)));
    assert_eq!(video.thumbhash, None);
    assert_eq!(video.visibility, Some(&AssetVisibility::Archive));
    assert_eq!(video.latitude, None);
    // +05:30
    assert_eq!(
        video.local_date_time(),
        DateTime::parse("2025-03-03T00:00:00Z")
    );

    let third = assets.get(2).unwrap();
    assert_eq!(
        third.visibility,
        Some(&AssetVisibility::Unknown("vault".into()))
    );
    assert_eq!(third.is_trashed, Some(true));
    assert_eq!(third.projection_type, Some("EQUIRECTANGULAR"));
    assert_eq!(
        third.live_photo_video_id.map(AssetId::as_str),
        Some("a3000000-0000-4000-8000-000000000044")
    );
    // -09:45 from 00:00 UTC: the previous evening.
    assert_eq!(
        third.local_date_time(),
        DateTime::parse("2025-03-02T14:15:00Z")
    );
    assert_eq!(assets.get(3), None);
    assert_eq!(assets.iter().count(), 3);
}

#[test]
fn time_bucket_columns_from_v1_133_without_newer_columns() {
    let assets = bucket("getTimeBucket.v1_133.json");
    assert_eq!(assets.len(), 2);
    let video = assets.get(1).unwrap();
    assert_eq!(video.duration, Some(Duration::from_millis(62_500)));
    assert_eq!(video.stack, None);
    assert_eq!(video.created_at, None);
    assert_eq!(video.latitude, None);
    assert!(assets.stack.is_empty() && assets.created_at.is_empty());
}

#[test]
fn time_bucket_from_an_old_server_becomes_columns() {
    let assets = bucket("getTimeBucket.v1_118.json");
    assert_eq!(assets.len(), 2);
    assert_eq!(assets.assets.len(), 2, "the full assets are kept");
    let photo = assets.get(0).unwrap();
    assert_eq!(photo.id.as_str(), "a1000000-0000-4000-8000-000000000031");
    // 4032x3024 turned by orientation 6.
    assert_eq!(photo.ratio, Some(0.75));
    assert_eq!(photo.visibility, Some(&AssetVisibility::Timeline));
    assert_eq!(photo.is_favorite, Some(true));
    assert_eq!(photo.stack.and_then(|s| s.count()), Some(3));
    assert_eq!(
        photo.live_photo_video_id.map(AssetId::as_str),
        Some("a1000000-0000-4000-8000-000000000032")
    );
    assert_eq!(photo.local_offset_hours, Some(2.0));
    assert_eq!(photo.city, Some("Lisbon"));
    assert_eq!(photo.latitude, Some(38.7223));
    assert_eq!(photo.duration, Some(Duration::ZERO));
    let video = assets.get(1).unwrap();
    assert_eq!(video.visibility, Some(&AssetVisibility::Archive));
    assert_eq!(video.is_image, Some(false));
    assert_eq!(video.ratio, Some(1920.0 / 1080.0));
    assert_eq!(video.local_offset_hours, Some(-3.5));
    assert_eq!(video.duration, Some(Duration::from_millis(5568)));
    assert_eq!(video.thumbhash, None);
    assert_eq!((video.city, video.latitude), (None, None));
    assert!(
        assets.created_at.is_empty(),
        "v1.118 assets have no createdAt"
    );
}

#[test]
fn broken_time_buckets_name_the_column() {
    let endpoint = GetTimeBucket::new(day(2025, 3, 1));
    // Columns of other lengths than `id` are allowed by the document: they decode, a row reads
    // a missing cell as `None`, and `ragged_column` names the first one.
    let ragged = r#"{"id":["a3000000-0000-4000-8000-000000000041","b"],"ratio":[1,2,3],"isFavorite":[true]}"#;
    let assets = parse_response(&endpoint, ok(ragged)).unwrap();
    assert_eq!(assets.ragged_column(), Some("ratio"));
    assert_eq!(assets.len(), 2);
    let second = assets.get(1).unwrap();
    assert_eq!((second.ratio, second.is_favorite), (Some(2.0), None));
    assert!(assets.get(2).is_none());
    // A count that is neither a string nor a number is outside the document.
    let bad_stack =
        r#"{"id":["x","y"],"stack":[null,["57ac0000-0000-4000-8000-000000000002",true]]}"#;
    assert_eq!(
        decode_path(parse_response(&endpoint, ok(bad_stack))),
        "stack[1][1]"
    );
    let short_stack = r#"{"id":["x"],"stack":[["57ac0000-0000-4000-8000-000000000002"]]}"#;
    assert_eq!(
        decode_path(parse_response(&endpoint, ok(short_stack))),
        "stack[0]"
    );
    let bad_asset = r#"[{"id":"a","type":"IMAGE"}]"#;
    assert!(decode_path(parse_response(&endpoint, ok(bad_asset))).starts_with("[0]"));
    assert!(matches!(
        parse_response(&endpoint, ok(r#""2025-03-01""#)),
        Err(Error::Decode(_))
    ));
    // A stack count sent as a number is read too; null optional columns are empty.
    let lenient =
        r#"{"id":["x"],"stack":[["57ac0000-0000-4000-8000-000000000002",4]],"latitude":null}"#;
    let assets = parse_response(&endpoint, ok(lenient)).unwrap();
    assert_eq!(
        assets.get(0).unwrap().stack.and_then(|s| s.count()),
        Some(4)
    );
    assert!(assets.latitude.is_empty());
    // The document types these as plain strings: any string decodes, and the typed accessors
    // say `None` instead of failing the whole bucket.
    let loose = r#"{"id":["x"],"createdAt":["yesterday"],"fileCreatedAt":["soon"],
        "localOffsetHours":[1],"stack":[["s","many"]]}"#;
    let assets = parse_response(&endpoint, ok(loose)).unwrap();
    let row = assets.get(0).unwrap();
    assert_eq!((row.created_at, row.created()), (Some("yesterday"), None));
    assert_eq!(
        (row.file_created_at, row.file_created()),
        (Some("soon"), None)
    );
    assert_eq!(row.local_date_time(), None);
    assert_eq!(
        row.stack.map(|s| (s.asset_count.as_str(), s.count())),
        Some(("many", None))
    );
}

// ---- getMapMarkers -----------------------------------------------------------------------

#[test]
fn map_markers_golden_and_answers() {
    let uri = format!("{BASE}/map/markers");
    for server in [server(None), v1(), v3()] {
        assert_request(&GetMapMarkers::new().request(&server).unwrap(), &get(&uri));
    }
    let mut markers = GetMapMarkers::new().favorites(false).created_between(
        Some(DateTime::parse("2024-01-01T01:00:00+01:00").unwrap()),
        Some(DateTime::parse("2024-12-31T23:59:59.999Z").unwrap()),
    );
    markers.is_archived = Some(false);
    markers.with_partners = Some(true);
    markers.with_shared_albums = Some(true);
    assert_request(
        &markers.request(&v3()).unwrap(),
        &get(&format!(
            "{uri}?fileCreatedAfter=2024-01-01T00%3A00%3A00.000Z&fileCreatedBefore=2024-12-31T23%3A59%3A59.999Z&isArchived=false&isFavorite=false&withPartners=true&withSharedAlbums=true"
        )),
    );
    let new = parse_response(&markers, ok_fixture("map/getMapMarkers.v3.json")).unwrap();
    assert_eq!(new.len(), 2);
    assert_eq!((new[0].lat, new[0].lon), (52.52, 13.405));
    assert_eq!(new[0].city.as_deref(), Some("Berlin"));
    assert_eq!(
        (
            new[1].city.clone(),
            new[1].state.clone(),
            new[1].country.clone()
        ),
        (None, None, None)
    );
    let old = parse_response(&markers, ok_fixture("map/getMapMarkers.v1_118.json")).unwrap();
    assert_eq!(old[0].country.as_deref(), Some("Portugal"));
    assert_eq!(
        (GetMapMarkers::OPERATION_ID, GetMapMarkers::PERMISSION),
        ("getMapMarkers", Some("map.read"))
    );
}

// ---- searchStacks ------------------------------------------------------------------------

#[test]
fn stacks_golden_and_answers() {
    let uri = format!("{BASE}/stacks");
    let primary = AssetId::parse("a3000000-0000-4000-8000-000000000062").unwrap();
    for server in [server(None), v1(), v3()] {
        assert_request(&SearchStacks::new().request(&server).unwrap(), &get(&uri));
        assert_request(
            &SearchStacks::new()
                .primary_asset(primary.clone())
                .request(&server)
                .unwrap(),
            &get(&format!("{uri}?primaryAssetId={primary}")),
        );
    }
    assert!(matches!(
        SearchStacks::new()
            .primary_asset(AssetId::parse(V7).unwrap())
            .request(&v3()),
        Err(Error::InvalidId { kind: "asset", .. })
    ));
    let stacks = parse_response(
        &SearchStacks::new(),
        ok_fixture("stacks/searchStacks.v3.json"),
    )
    .unwrap();
    assert_eq!(stacks[0].primary_asset_id, primary);
    assert_eq!(stacks[0].assets.len(), 2);
    assert_eq!(
        stacks[0]
            .primary_asset()
            .map(|a| a.original_file_name.as_str()),
        Some("IMG_0062.JPG")
    );
    assert_eq!(
        stacks[0].assets[0].stack.as_ref().map(|s| s.asset_count),
        Some(2)
    );
    let old = parse_response(
        &SearchStacks::new(),
        ok_fixture("stacks/searchStacks.v1_118.json"),
    )
    .unwrap();
    assert_eq!(old[0].assets[1].asset_type, AssetType::Other);
    assert!(old[0].primary_asset().is_some());
    assert_eq!(
        (SearchStacks::OPERATION_ID, SearchStacks::PERMISSION),
        ("searchStacks", Some("stack.read"))
    );
}
