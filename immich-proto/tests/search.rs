//! Search area: metadata search (paged by `assets.nextPage`), smart search, people by name.

#[path = "support/golden.rs"]
mod support;

use std::time::Duration;

use immich_proto::assets::{AssetOrder, AssetType, AssetVisibility};
use immich_proto::search::{MetadataSearch, SearchAssets, SearchPerson, SearchSmart, SmartSearch};
use immich_proto::{
    parse_response, AlbumId, AssetId, DateTime, Endpoint, Error, Pager, PersonId, TagId,
};
use support::{assert_request, get, json, ok, ok_fixture, run_flow, server, v1, v3};

const METADATA: &str = "http://immich.test:2283/api/search/metadata";
const SMART: &str = "http://immich.test:2283/api/search/smart";
const ALBUM: &str = "a1b00000-0000-4000-8000-000000000001";
const PERSON: &str = "9e0f0000-0000-4000-8000-000000000001";
const TAG: &str = "7a900000-0000-4000-8000-000000000003";
/// A valid UUID that is not version 4: fine for old servers, refused for v3.
const V7: &str = "01890a5d-ac96-774b-bcce-b302099a8057";

fn metadata(search: MetadataSearch) -> SearchAssets {
    SearchAssets::new(search)
}

#[test]
fn golden_metadata_searches() {
    let album = AlbumId::parse(ALBUM).unwrap();
    let person = PersonId::parse(PERSON).unwrap();
    let tag = TagId::parse(TAG).unwrap();
    let cases = [
        (MetadataSearch::all(), r#"{"size":1000}"#.to_owned()),
        (
            MetadataSearch::favorites(),
            r#"{"isFavorite":true,"size":1000}"#.to_owned(),
        ),
        (
            MetadataSearch::by_tags(vec![tag]),
            format!(r#"{{"tagIds":["{TAG}"],"size":1000}}"#),
        ),
        (
            MetadataSearch::by_people(vec![person]),
            format!(r#"{{"personIds":["{PERSON}"],"size":1000}}"#),
        ),
        (
            MetadataSearch::by_albums(vec![album]),
            format!(r#"{{"albumIds":["{ALBUM}"],"size":1000}}"#),
        ),
        (MetadataSearch::default(), "{}".to_owned()),
    ];
    for server in [server(None), v1(), v3()] {
        for (search, body) in &cases {
            assert_request(
                &metadata(search.clone()).request(&server).unwrap(),
                &json("POST", METADATA, body),
            );
        }
    }
    assert_eq!(
        (SearchAssets::OPERATION_ID, SearchAssets::PERMISSION),
        ("searchAssets", Some("asset.read"))
    );
}

#[test]
fn every_filter_has_its_v3_name_and_dates_go_out_in_utc() {
    let mut search = MetadataSearch::by_people(vec![PersonId::parse(PERSON).unwrap()]);
    search.is_favorite = Some(false);
    search.is_motion = Some(true);
    search.is_not_in_album = Some(true);
    search.is_offline = Some(false);
    search.visibility = Some(AssetVisibility::Archive);
    search.asset_type = Some(AssetType::Video);
    search.city = Some("Zürich".into());
    search.state = Some("ZH".into());
    search.country = Some("Switzerland".into());
    search.make = Some("Sony".into());
    search.model = Some("A7 IV".into());
    search.lens_model = Some("FE 35mm".into());
    search.rating = Some(5);
    search.description = Some("lake".into());
    search.original_file_name = Some("DSC01.ARW".into());
    search.checksum = Some("kdX0S7XxM4oQ2nAGJ8n1Hb3G0pI=".into());
    search.taken_after = DateTime::parse("2024-01-01T01:00:00+01:00");
    search.taken_before = DateTime::parse("2024-12-31T23:59:59.5Z");
    search.created_after = Some(DateTime::from_unix(1_700_000_000, 0));
    search.updated_before = DateTime::parse("2025-06-01T00:00:00-02:00");
    search.with_exif = Some(true);
    search.with_people = Some(true);
    search.with_stacked = Some(false);
    search.with_deleted = Some(false);
    search.order = Some(AssetOrder::Asc);
    search.page = Some(3);
    search.size = Some(50);
    let body = concat!(
        r#"{"personIds":["9e0f0000-0000-4000-8000-000000000001"],"isFavorite":false,"#,
        r#""isMotion":true,"isNotInAlbum":true,"isOffline":false,"visibility":"archive","#,
        r#""type":"VIDEO","city":"Zürich","state":"ZH","country":"Switzerland","make":"Sony","#,
        r#""model":"A7 IV","lensModel":"FE 35mm","rating":5,"description":"lake","#,
        r#""originalFileName":"DSC01.ARW","checksum":"kdX0S7XxM4oQ2nAGJ8n1Hb3G0pI=","#,
        r#""takenAfter":"2024-01-01T00:00:00.000Z","takenBefore":"2024-12-31T23:59:59.500Z","#,
        r#""createdAfter":"2023-11-14T22:13:20.000Z","updatedBefore":"2025-06-01T02:00:00.000Z","#,
        r#""withExif":true,"withPeople":true,"withStacked":false,"withDeleted":false,"#,
        r#""order":"asc","page":3,"size":50}"#
    );
    assert_request(
        &metadata(search).request(&v3()).unwrap(),
        &json("POST", METADATA, body),
    );
}

#[test]
fn golden_smart_search_and_person_search() {
    for server in [server(None), v1(), v3()] {
        assert_request(
            &SearchSmart::new(SmartSearch::new("dog on a beach"))
                .request(&server)
                .unwrap(),
            &json("POST", SMART, r#"{"query":"dog on a beach","size":100}"#),
        );
        let mut search = SmartSearch::new("Katze")
            .not_in_album(true)
            .size(1000)
            .unwrap();
        search.language = Some("de".into());
        search.album_ids = vec![AlbumId::parse(ALBUM).unwrap()];
        search.is_favorite = Some(true);
        search.taken_after = DateTime::parse("2020-02-29T12:00:00.123456+05:30");
        search.with_exif = Some(true);
        search.page = Some(2);
        assert_request(
            &SearchSmart::new(search).request(&server).unwrap(),
            &json(
                "POST",
                SMART,
                &format!(
                    concat!(
                        r#"{{"query":"Katze","language":"de","albumIds":["{}"],"#,
                        r#""isFavorite":true,"isNotInAlbum":true,"#,
                        r#""takenAfter":"2020-02-29T06:30:00.123Z","withExif":true,"#,
                        r#""page":2,"size":1000}}"#
                    ),
                    ALBUM
                ),
            ),
        );
        assert_request(
            &SearchPerson::new("Ann & Bob").request(&server).unwrap(),
            &get("http://immich.test:2283/api/search/person?name=Ann%20%26%20Bob"),
        );
        assert_request(
            &SearchPerson::new("Ann")
                .with_hidden(true)
                .request(&server)
                .unwrap(),
            &get("http://immich.test:2283/api/search/person?name=Ann&withHidden=true"),
        );
    }
    assert_eq!(
        (SearchSmart::OPERATION_ID, SearchSmart::PERMISSION),
        ("searchSmart", Some("asset.read"))
    );
    assert_eq!(
        (SearchPerson::OPERATION_ID, SearchPerson::PERMISSION),
        ("searchPerson", Some("person.read"))
    );
}

#[test]
fn page_sizes_above_1000_are_refused() {
    let mut search = MetadataSearch::all();
    search.size = Some(1001);
    let err = metadata(search.clone()).request(&v3()).unwrap_err();
    assert!(
        matches!(
            err,
            Error::InvalidInput {
                what: "page size",
                ..
            }
        ),
        "{err:?}"
    );
    search.size = Some(0);
    assert!(metadata(search.clone()).request(&v3()).is_err());
    search.size = Some(1000);
    search.page = Some(0);
    assert!(matches!(
        metadata(search).request(&v3()),
        Err(Error::InvalidInput { what: "page", .. })
    ));
    assert!(matches!(
        SmartSearch::new("x").size(1001),
        Err(Error::InvalidInput {
            what: "page size",
            ..
        })
    ));
    let mut smart = SmartSearch::new("x");
    smart.size = Some(5000);
    assert!(SearchSmart::new(smart).request(&v3()).is_err());
}

#[test]
fn bad_ids_and_empty_queries_fail_before_a_request_exists() {
    let bad_album = MetadataSearch::by_albums(vec![AlbumId::new_unchecked("../admin")]);
    assert!(matches!(
        metadata(bad_album).request(&v1()),
        Err(Error::InvalidId { kind: "album", .. })
    ));
    let bad_tag = MetadataSearch::by_tags(vec![TagId::new_unchecked("")]);
    assert!(matches!(
        metadata(bad_tag).request(&v1()),
        Err(Error::InvalidId { kind: "tag", .. })
    ));
    // A v7 UUID is a fine id for an old server, but the v3 document requires version 4.
    let v7_person = MetadataSearch::by_people(vec![PersonId::parse(V7).unwrap()]);
    assert!(metadata(v7_person.clone()).request(&v1()).is_ok());
    assert!(matches!(
        metadata(v7_person).request(&v3()),
        Err(Error::InvalidId { kind: "person", .. })
    ));
    let mut smart = SmartSearch::new("x");
    smart.person_ids = vec![PersonId::new_unchecked("1 OR 1=1")];
    assert!(matches!(
        SearchSmart::new(smart).request(&v3()),
        Err(Error::InvalidId { kind: "person", .. })
    ));
    assert!(matches!(
        SearchSmart::new(SmartSearch::new("  ")).request(&v3()),
        Err(Error::InvalidInput { .. })
    ));
    let mut by_asset = SmartSearch::default();
    by_asset.query_asset_id = Some(AssetId::new_unchecked("not-an-id"));
    assert!(matches!(
        SearchSmart::new(by_asset).request(&v3()),
        Err(Error::InvalidId { kind: "asset", .. })
    ));
}

#[test]
fn search_page_from_an_old_server() {
    let page = parse_response(
        &metadata(MetadataSearch::all()),
        ok_fixture("search/searchAssets.v1_118.json"),
    )
    .unwrap();
    assert_eq!((page.assets.total, page.assets.count), (2, 2));
    assert_eq!(page.assets.next_page, None);
    let [image, video] = &page.assets.items[..] else {
        panic!("two assets expected")
    };
    assert_eq!(image.asset_type, AssetType::Image);
    assert_eq!(image.duration, Some(Duration::ZERO));
    assert_eq!(image.visibility, None);
    assert_eq!(image.created_at, None);
    assert_eq!(video.asset_type, AssetType::Video);
    assert_eq!(video.duration, Some(Duration::from_millis(62_500)));
    assert_eq!(video.thumbhash, None);
    assert_eq!(video.exif_info, None);
    assert_eq!(page.albums.map(|a| a.total), Some(0));
}

#[test]
fn search_pages_from_v3_with_unknown_values() {
    let endpoint = metadata(MetadataSearch::favorites());
    let page1 = parse_response(&endpoint, ok_fixture("search/searchAssets.v3.page1.json")).unwrap();
    assert_eq!(page1.assets.next_page.as_deref(), Some("2"));
    assert_eq!(page1.assets.next_page_number(), Some(2));
    assert_eq!(page1.assets.items[0].duration, None);
    assert_eq!(
        page1.assets.items[1].duration,
        Some(Duration::from_millis(12_345))
    );
    assert_eq!(page1.assets.items[1].width, None);

    let page2 = parse_response(&endpoint, ok_fixture("search/searchAssets.v3.page2.json")).unwrap();
    let spatial = &page2.assets.items[0];
    assert_eq!(spatial.asset_type, AssetType::Unknown("SPATIAL".into()));
    assert_eq!(
        spatial.visibility,
        Some(AssetVisibility::Unknown("vault".into()))
    );
    assert_eq!(spatial.is_edited, Some(true));
    let stacked = &page2.assets.items[1];
    assert_eq!(stacked.visibility, Some(AssetVisibility::Archive));
    assert_eq!(stacked.stack.as_ref().map(|s| s.asset_count), Some(3));

    let page3 = parse_response(&endpoint, ok_fixture("search/searchAssets.v3.page3.json")).unwrap();
    assert_eq!(page3.assets.next_page, None);
    let asset = &page3.assets.items[0];
    let exif = asset.exif_info.as_ref().unwrap();
    assert_eq!(exif.city.as_deref(), Some("Berlin"));
    assert_eq!(exif.f_number, Some(4.0));
    let tags = asset.tags.as_ref().unwrap();
    assert_eq!(tags[0].value, "Travel/Berlin");
    let people = asset.people.as_ref().unwrap();
    assert_eq!(people[0].name, "Bob");
}

#[test]
fn metadata_search_pages_to_the_end() {
    let server = v3();
    let mut search = MetadataSearch::favorites();
    search.size = Some(2);
    let mut pager = Pager::new(metadata(search));
    let assets = run_flow(
        &mut pager,
        &server,
        vec![
            (
                json("POST", METADATA, r#"{"isFavorite":true,"size":2}"#),
                ok_fixture("search/searchAssets.v3.page1.json"),
            ),
            (
                json("POST", METADATA, r#"{"isFavorite":true,"page":2,"size":2}"#),
                ok_fixture("search/searchAssets.v3.page2.json"),
            ),
            (
                json("POST", METADATA, r#"{"isFavorite":true,"page":3,"size":2}"#),
                ok_fixture("search/searchAssets.v3.page3.json"),
            ),
        ],
    )
    .unwrap();
    let ids: Vec<_> = assets.iter().map(|a| a.id.as_str().to_owned()).collect();
    assert_eq!(
        ids,
        (1..=5)
            .map(|n| format!("a3000000-0000-4000-8000-00000000000{n}"))
            .collect::<Vec<_>>()
    );
    assert_eq!(pager.pages(), 3);
}

#[test]
fn a_limit_cuts_the_last_page_and_stops_asking() {
    let mut search = MetadataSearch::favorites();
    search.size = Some(2);
    let mut pager = Pager::new(metadata(search)).with_limit(3);
    let assets = run_flow(
        &mut pager,
        &v3(),
        vec![
            (
                json("POST", METADATA, r#"{"isFavorite":true,"size":2}"#),
                ok_fixture("search/searchAssets.v3.page1.json"),
            ),
            (
                json("POST", METADATA, r#"{"isFavorite":true,"page":2,"size":2}"#),
                ok_fixture("search/searchAssets.v3.page2.json"),
            ),
        ],
    )
    .unwrap();
    assert_eq!(assets.len(), 3);
    assert_eq!(
        assets[2].id.as_str(),
        "a3000000-0000-4000-8000-000000000003"
    );
}

#[test]
fn smart_search_pages_the_same_way() {
    let first = include_str!("fixtures/search/searchAssets.v3.page2.json");
    let mut pager = Pager::new(SearchSmart::new(SmartSearch::new("tower")));
    let assets = run_flow(
        &mut pager,
        &v3(),
        vec![
            (
                json("POST", SMART, r#"{"query":"tower","size":100}"#),
                ok(first.to_owned()),
            ),
            (
                json("POST", SMART, r#"{"query":"tower","page":3,"size":100}"#),
                ok_fixture("search/searchSmart.v3.json"),
            ),
        ],
    )
    .unwrap();
    assert_eq!(assets.len(), 3);
    assert_eq!(
        assets[2].id.as_str(),
        "a3000000-0000-4000-8000-000000000006"
    );
}

/// A v3 search answer with one asset and `nextPage` set to `next` (a JSON value).
fn one_asset_page(n: u32, next: &str) -> http::Response<bytes::Bytes> {
    let page = String::from_utf8(support::fixture("search/searchSmart.v3.json").to_vec())
        .unwrap()
        .replace("000000000006", &format!("00000000000{n}"))
        .replace(r#""nextPage": null"#, &format!(r#""nextPage": {next}"#));
    ok(page)
}

#[test]
fn a_next_page_token_that_is_not_a_number_means_the_following_page() {
    // The v3 document calls `nextPage` a token; `page` is the only way to ask for more.
    let mut search = MetadataSearch::all();
    search.size = Some(1);
    let assets = run_flow(
        &mut Pager::new(metadata(search)),
        &v3(),
        vec![
            (
                json("POST", METADATA, r#"{"size":1}"#),
                one_asset_page(1, r#""cursor-abc""#),
            ),
            (
                json("POST", METADATA, r#"{"page":2,"size":1}"#),
                one_asset_page(2, "null"),
            ),
        ],
    )
    .unwrap();
    assert_eq!(assets.len(), 2);
}

#[test]
fn a_next_page_that_does_not_advance_is_an_error_not_a_loop() {
    let mut search = MetadataSearch::all();
    search.size = Some(1);
    search.page = Some(2);
    let mut pager = Pager::new(metadata(search));
    let err = run_flow(
        &mut pager,
        &v3(),
        vec![(
            json("POST", METADATA, r#"{"page":2,"size":1}"#),
            one_asset_page(1, r#""2""#),
        )],
    )
    .unwrap_err();
    match err {
        Error::Paging { operation, reason } => {
            assert_eq!(operation, "searchAssets");
            assert!(reason.contains("page 2"), "{reason}");
        }
        other => panic!("{other:?}"),
    }
    // The same for smart search, and the answer itself still decodes.
    let smart = SearchSmart::new(SmartSearch::new("x"));
    let page = parse_response(&smart, one_asset_page(1, r#""1""#)).unwrap();
    assert_eq!(page.assets.next_page_number(), Some(1));
    let mut pager = Pager::new(smart);
    assert!(pager.next_request(&v3()).unwrap().is_some());
    pager.handle_response(one_asset_page(1, r#""1""#)).unwrap();
    assert!(matches!(
        pager.next_request(&v3()),
        Err(Error::Paging {
            operation: "searchSmart",
            ..
        })
    ));
}

#[test]
fn a_malformed_duration_names_its_path() {
    let page = String::from_utf8(support::fixture("search/searchAssets.v1_118.json").to_vec())
        .unwrap()
        .replace("0:01:02.500000", "about a minute");
    match parse_response(&metadata(MetadataSearch::all()), ok(page)).unwrap_err() {
        Error::Decode(e) => {
            assert_eq!(e.path, "assets.items[1].duration");
            assert!(e.message.contains("about a minute"), "{}", e.message);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn people_by_name_old_and_v3() {
    let old = parse_response(
        &SearchPerson::new("Ann"),
        ok_fixture("search/searchPerson.v1_118.json"),
    )
    .unwrap();
    let names: Vec<_> = old.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["Ann", "Annabel"]);
    assert_eq!(old[0].is_favorite, None);
    let new = parse_response(
        &SearchPerson::new("Ann").with_hidden(true),
        ok_fixture("search/searchPerson.v3.json"),
    )
    .unwrap();
    assert!(new[1].is_hidden);
    assert_eq!(
        new[0].birth_date.map(|d| d.to_string()).as_deref(),
        Some("1985-07-14")
    );
}
