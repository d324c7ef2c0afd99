//! Albums area: golden requests, recorded answers of old (v1.118) and v3 servers, and the
//! transcripts of the version-dependent flows.

#[path = "support/golden.rs"]
mod support;

use http::Response;
use immich_proto::albums::{
    filter_albums_by_name, AddAssetsToAlbum, Album, AlbumAssets, AlbumUserRole, BulkIdError,
    GetAlbumInfo, GetAllAlbums,
};
use immich_proto::assets::AssetOrder;
use immich_proto::{
    parse_response, AlbumId, AssetId, Endpoint, Error, Flow, ServerVersion, Step, UserId,
};
use support::{assert_request, get, json, ok_fixture, run_flow, server, v1, v3};

const BASE: &str = "http://immich.test:2283/api";

fn album(n: u64) -> AlbumId {
    AlbumId::parse(format!("a1b00000-0000-4000-8000-{n:012}")).unwrap()
}

fn asset(n: u64) -> AssetId {
    AssetId::parse(format!("a55e7000-0000-4000-8000-{n:012}")).unwrap()
}

fn ids<T: AsRef<str>>(items: impl IntoIterator<Item = T>) -> Vec<String> {
    items.into_iter().map(|i| i.as_ref().to_owned()).collect()
}

/// A valid UUID that is not version 4: fine for old servers, refused for v3.
const V7: &str = "01890a5d-ac96-774b-bcce-b302099a8057";

// ---- golden requests -------------------------------------------------------------------

#[test]
fn get_album_info_golden() {
    let uri = format!("{BASE}/albums/{}", album(1));
    for server in [server(None), v1(), v3()] {
        assert_request(
            &GetAlbumInfo::new(album(1)).request(&server).unwrap(),
            &get(&uri),
        );
    }
    // `withoutAssets` only goes to servers known to be older than v3.
    assert_request(
        &GetAlbumInfo::new(album(1))
            .without_assets(true)
            .request(&v1())
            .unwrap(),
        &get(&format!("{uri}?withoutAssets=true")),
    );
    for server in [server(None), v3()] {
        assert_request(
            &GetAlbumInfo::new(album(1))
                .without_assets(true)
                .request(&server)
                .unwrap(),
            &get(&uri),
        );
    }
    assert_eq!(GetAlbumInfo::OPERATION_ID, "getAlbumInfo");
    assert_eq!(GetAlbumInfo::PERMISSION, Some("album.read"));
}

#[test]
fn add_assets_to_album_golden() {
    let endpoint = AddAssetsToAlbum::new(album(1), vec![asset(1), asset(2)]);
    let body = format!(r#"{{"ids":["{}","{}"]}}"#, asset(1), asset(2));
    for server in [server(None), v1(), v3()] {
        assert_request(
            &endpoint.request(&server).unwrap(),
            &json("PUT", &format!("{BASE}/albums/{}/assets", album(1)), &body),
        );
    }
    assert_eq!(AddAssetsToAlbum::OPERATION_ID, "addAssetsToAlbum");
    assert_eq!(AddAssetsToAlbum::PERMISSION, Some("albumAsset.create"));
}

#[test]
fn add_assets_checks_every_id_before_a_request_exists() {
    let empty = AddAssetsToAlbum::new(album(1), vec![]).request(&v1());
    assert!(
        matches!(
            empty,
            Err(Error::InvalidInput {
                what: "asset ids",
                ..
            })
        ),
        "{empty:?}"
    );
    let bad_asset = AddAssetsToAlbum::new(
        album(1),
        vec![asset(1), AssetId::new_unchecked("../../admin")],
    )
    .request(&v1());
    assert!(
        matches!(bad_asset, Err(Error::InvalidId { kind: "asset", .. })),
        "{bad_asset:?}"
    );
    let bad_album =
        AddAssetsToAlbum::new(AlbumId::new_unchecked(""), vec![asset(1)]).request(&v1());
    assert!(matches!(
        bad_album,
        Err(Error::InvalidId { kind: "album", .. })
    ));
    // v3 wants version-4 UUIDs in the body too; older servers take any UUID.
    let v7 = AddAssetsToAlbum::new(album(1), vec![AssetId::parse(V7).unwrap()]);
    assert!(v7.request(&v1()).is_ok());
    assert!(matches!(
        v7.request(&v3()),
        Err(Error::InvalidId { kind: "asset", .. })
    ));
    assert!(matches!(
        GetAlbumInfo::new(AlbumId::new_unchecked("x/../y")).request(&v1()),
        Err(Error::InvalidId { kind: "album", .. })
    ));
}

// ---- recorded answers ------------------------------------------------------------------

#[test]
fn album_info_on_an_old_server_has_assets_and_owner() {
    let album1 = parse_response(
        &GetAlbumInfo::new(album(1)),
        ok_fixture("albums/getAlbumInfo.v1_118.json"),
    )
    .unwrap();
    assert_eq!(album1.id, album(1));
    assert_eq!(album1.album_name, "Summer 2024");
    assert_eq!(album1.asset_count, 2);
    assert_eq!(
        ids(album1.assets.iter().map(|a| &a.id)),
        ids([asset(1), asset(2)])
    );
    assert_eq!(album1.album_thumbnail_asset_id, Some(asset(1)));
    assert_eq!(album1.order, Some(AssetOrder::Desc));
    assert!(album1.album_users.is_empty());
    let ann = UserId::parse("05e70000-0000-4000-8000-000000000001").unwrap();
    assert_eq!(album1.owner_id.as_ref(), Some(&ann));
    assert_eq!(album1.owner().map(|o| &o.id), Some(&ann));
    assert!(album1.contributor_counts.is_empty());
}

#[test]
fn album_info_on_v3_has_no_assets() {
    let album1 = parse_response(
        &GetAlbumInfo::new(album(1)),
        ok_fixture("albums/getAlbumInfo.v3.json"),
    )
    .unwrap();
    assert!(album1.assets.is_empty());
    assert_eq!(album1.asset_count, 3);
    assert_eq!(album1.owner_id, None);
    assert_eq!(album1.album_thumbnail_asset_id, None);
    // v3 names the owner only through the member list.
    assert_eq!(album1.owner().map(|o| o.name.as_str()), Some("Ann"));
    assert_eq!(album1.album_users[1].role, AlbumUserRole::Editor);
    assert_eq!(album1.contributor_counts.len(), 2);
    assert_eq!(album1.contributor_counts[1].asset_count, 1);
    assert!(album1.shared);
}

#[test]
fn add_assets_results_old_and_v3() {
    let endpoint = AddAssetsToAlbum::new(album(1), vec![asset(1)]);
    let old = parse_response(&endpoint, ok_fixture("albums/addAssetsToAlbum.v1_118.json")).unwrap();
    let errors: Vec<_> = old.iter().map(|r| r.error.clone()).collect();
    assert_eq!(
        errors,
        [
            None,
            Some(BulkIdError::Duplicate),
            Some(BulkIdError::NoPermission),
            Some(BulkIdError::NotFound),
            Some(BulkIdError::Unspecified),
        ]
    );
    assert!(old[0].success && !old[1].success);
    assert!(old[1].is_duplicate() && !old[2].is_duplicate());
    assert_eq!(old[1].id, asset(2).as_str());

    let new = parse_response(&endpoint, ok_fixture("albums/addAssetsToAlbum.v3.json")).unwrap();
    assert_eq!(new[1].error, Some(BulkIdError::Validation));
    assert_eq!(new[1].error_message.as_deref(), Some("Asset is offline"));
    assert_eq!(
        new[2].error,
        Some(BulkIdError::Unknown("quota_exceeded".into()))
    );
}

#[test]
fn filter_by_name_is_a_case_insensitive_substring() {
    let albums = parse_response_all_v3();
    let names = |needle| {
        filter_albums_by_name(&albums, needle)
            .into_iter()
            .map(|a| a.album_name.as_str())
            .collect::<Vec<_>>()
    };
    assert_eq!(names("SUMMER"), ["Summer 2025"]);
    assert_eq!(names("garden"), ["Bob's garden"]);
    assert_eq!(names("o"), ["Bob's garden", "Rome"]);
    assert!(names("winter").is_empty());
}

fn parse_response_all_v3() -> Vec<Album> {
    run_flow(
        &mut GetAllAlbums::new(),
        &v3(),
        vec![(
            get(&format!("{BASE}/albums")),
            ok_fixture("albums/getAllAlbums.v3.json"),
        )],
    )
    .unwrap()
}

// ---- flows -----------------------------------------------------------------------------

#[test]
fn all_albums_need_the_version() {
    let server = server(None);
    let mut flow = GetAllAlbums::new();
    assert_eq!(
        flow.step(&server, None).unwrap_err(),
        Error::VersionRequired {
            operation: "getAllAlbums"
        }
    );
    // Once the version is known, the same flow starts.
    server.set_version(ServerVersion::new(3, 0, 0));
    assert!(matches!(flow.step(&server, None), Ok(Step::Send(_))));
}

#[test]
fn all_albums_on_an_old_server_take_two_requests_merged() {
    for server in [v1(), server(Some((2, 5, 6)))] {
        all_albums_on_old(&server);
    }
}

fn all_albums_on_old(server: &immich_proto::Server) {
    let albums = run_flow(
        &mut GetAllAlbums::new(),
        server,
        vec![
            (
                get(&format!("{BASE}/albums?shared=false")),
                ok_fixture("albums/getAllAlbums.v1_118.unshared.json"),
            ),
            (
                get(&format!("{BASE}/albums?shared=true")),
                ok_fixture("albums/getAllAlbums.v1_118.shared.json"),
            ),
        ],
    )
    .unwrap();
    // The shared answer lists album 3 twice: it appears once.
    assert_eq!(
        ids(albums.iter().map(|a| &a.id)),
        ids([album(1), album(2), album(3), album(4)])
    );
    let bobs = &albums[3];
    assert_eq!(bobs.owner().map(|o| o.name.as_str()), Some("Bob"));
    assert_eq!(bobs.album_users[0].role, AlbumUserRole::Viewer);
    // Albums in lists carry no assets on old servers either.
    assert!(albums.iter().all(|a| a.assets.is_empty()));
}

#[test]
fn all_albums_on_v3_take_one_request() {
    let albums = parse_response_all_v3();
    assert_eq!(
        ids(albums.iter().map(|a| &a.id)),
        ids([album(1), album(4), album(5)])
    );
    // Unknown enum values are kept.
    assert_eq!(
        albums[1].album_users[1].role,
        AlbumUserRole::Unknown("commenter".into())
    );
    assert_eq!(albums[2].order, Some(AssetOrder::Unknown("random".into())));
    assert_eq!(albums[1].owner().map(|o| o.name.as_str()), Some("Bob"));
}

#[test]
fn all_albums_stop_at_an_error_answer() {
    let forbidden = Response::builder()
        .status(403)
        .body(bytes::Bytes::from_static(
            br#"{"message":"Missing required permission: album.read","statusCode":403}"#,
        ))
        .unwrap();
    let err = run_flow(
        &mut GetAllAlbums::new(),
        &v1(),
        vec![
            (
                get(&format!("{BASE}/albums?shared=false")),
                ok_fixture("albums/getAllAlbums.v1_118.unshared.json"),
            ),
            (get(&format!("{BASE}/albums?shared=true")), forbidden),
        ],
    )
    .unwrap_err();
    assert_eq!(
        err.api().and_then(|a| a.missing_permission()),
        Some("album.read")
    );
}

#[test]
fn flows_refuse_steps_out_of_order() {
    let server = v3();
    let mut flow = GetAllAlbums::new();
    let early = flow.step(&server, Some(support::ok("[]")));
    assert!(
        matches!(early, Err(Error::InvalidInput { .. })),
        "{early:?}"
    );
    let mut flow = GetAllAlbums::new();
    assert!(matches!(flow.step(&server, None), Ok(Step::Send(_))));
    // The response is missing.
    assert!(flow.step(&server, None).is_err());
}

#[test]
fn album_assets_on_an_old_server_read_each_album() {
    for server in [v1(), server(Some((2, 5, 6)))] {
        album_assets_on_old(&server);
    }
}

fn album_assets_on_old(server: &immich_proto::Server) {
    let assets = run_flow(
        &mut AlbumAssets::new(vec![album(1), album(2), album(1)]),
        server,
        vec![
            (
                get(&format!("{BASE}/albums/{}", album(1))),
                ok_fixture("albums/getAlbumInfo.v1_118.json"),
            ),
            (
                get(&format!("{BASE}/albums/{}", album(2))),
                ok_fixture("albums/getAlbumInfo.v1_118.album2.json"),
            ),
        ],
    )
    .unwrap();
    // Asset 2 is in both albums: it comes once.
    assert_eq!(
        ids(assets.iter().map(|a| &a.id)),
        ids([asset(1), asset(2), asset(3)])
    );
}

#[test]
fn album_assets_on_v3_page_through_the_search_per_album() {
    let search = |album: &AlbumId, page: Option<u32>| match page {
        Some(page) => format!(r#"{{"albumIds":["{album}"],"page":{page},"size":2}}"#),
        None => format!(r#"{{"albumIds":["{album}"],"size":2}}"#),
    };
    let (first, second, third) = (
        search(&album(1), None),
        search(&album(1), Some(2)),
        search(&album(2), None),
    );
    let uri = format!("{BASE}/search/metadata");
    let assets = run_flow(
        &mut AlbumAssets::new(vec![album(1), album(2)]).page_size(2),
        &v3(),
        vec![
            (
                json("POST", &uri, &first),
                ok_fixture("albums/searchAssets.v3.album1.page1.json"),
            ),
            (
                json("POST", &uri, &second),
                ok_fixture("albums/searchAssets.v3.album1.page2.json"),
            ),
            (
                json("POST", &uri, &third),
                ok_fixture("albums/searchAssets.v3.album2.page1.json"),
            ),
        ],
    )
    .unwrap();
    // Asset 3 is in both albums: it comes once.
    assert_eq!(
        ids(assets.iter().map(|a| &a.id)),
        ids([asset(1), asset(2), asset(3), asset(4)])
    );
}

#[test]
fn album_assets_need_the_version_and_good_ids_first() {
    let mut flow = AlbumAssets::new(vec![album(1)]);
    assert_eq!(
        flow.step(&server(None), None).unwrap_err(),
        Error::VersionRequired {
            operation: "albumAssets"
        }
    );
    // A bad id anywhere in the list fails before the first request.
    let mut flow = AlbumAssets::new(vec![album(1), AlbumId::new_unchecked("../admin")]);
    assert!(matches!(
        flow.step(&v1(), None),
        Err(Error::InvalidId { kind: "album", .. })
    ));
    let mut flow = AlbumAssets::new(vec![AlbumId::parse(V7).unwrap()]);
    assert!(matches!(
        flow.step(&v3(), None),
        Err(Error::InvalidId { .. })
    ));
    let mut flow = AlbumAssets::new(vec![album(1)]).page_size(0);
    assert!(matches!(
        flow.step(&v3(), None),
        Err(Error::InvalidInput {
            what: "page size",
            ..
        })
    ));
    // No albums, no requests.
    let assets = run_flow(&mut AlbumAssets::new(vec![]), &v3(), vec![]).unwrap();
    assert!(assets.is_empty());
}

// ---- getAllAlbums filters: assetId, isOwned, isShared -----------------------------------

fn albums_uri(query: &str) -> String {
    if query.is_empty() {
        format!("{BASE}/albums")
    } else {
        format!("{BASE}/albums?{query}")
    }
}

/// The ids of the albums a flow answers.
fn album_ids(albums: &[Album]) -> Vec<String> {
    ids(albums.iter().map(|a| &a.id))
}

#[test]
fn all_albums_filters_on_v3_go_to_the_server_as_given() {
    type Case = (fn() -> GetAllAlbums, &'static str);
    let cases: [Case; 8] = [
        (GetAllAlbums::new, ""),
        (|| GetAllAlbums::new().owned(true), "isOwned=true"),
        (|| GetAllAlbums::new().owned(false), "isOwned=false"),
        (|| GetAllAlbums::new().shared(true), "isShared=true"),
        (|| GetAllAlbums::new().shared(false), "isShared=false"),
        (
            || GetAllAlbums::new().shared(false).owned(true),
            "isOwned=true&isShared=false",
        ),
        (
            || GetAllAlbums::new().owned(false).shared(true),
            "isOwned=false&isShared=true",
        ),
        (
            || GetAllAlbums::new().asset_id(asset(1)),
            "assetId=a55e7000-0000-4000-8000-000000000001",
        ),
    ];
    for (flow, query) in cases {
        for server in [v3(), server(Some((3, 1, 0)))] {
            let albums = run_flow(
                &mut flow(),
                &server,
                vec![(get(&albums_uri(query)), support::ok("[]"))],
            )
            .unwrap();
            assert!(albums.is_empty());
        }
    }
}

#[test]
fn all_albums_of_an_asset_with_filters_on_v3_intersect_two_answers() {
    // v3 ignores isOwned/isShared next to assetId: the flow asks for both and intersects.
    let albums = run_flow(
        &mut GetAllAlbums::new().asset_id(asset(1)).owned(true),
        &v3(),
        vec![
            (
                get(&albums_uri(&format!("assetId={}", asset(1)))),
                ok_fixture("albums/getAllAlbums.v3.asset.json"),
            ),
            (
                get(&albums_uri("isOwned=true")),
                ok_fixture("albums/getAllAlbums.v3.owned.json"),
            ),
        ],
    )
    .unwrap();
    assert_eq!(album_ids(&albums), ids([album(1)]));
}

/// The old-server fixtures: `GET /albums` lists Ann's albums 3, 1, 2; `?shared=true` albums 3
/// (Ann's, shared with Bob, listed twice) and 4 (Bob's, shared with Ann); `?shared=false`
/// albums 1 and 2; `?assetId=` albums 3 (twice) and 4.
fn old_answer(query: &str) -> Response<bytes::Bytes> {
    ok_fixture(match query {
        "" => "albums/getAllAlbums.v1_118.owned.json",
        "shared=true" => "albums/getAllAlbums.v1_118.shared.json",
        "shared=false" => "albums/getAllAlbums.v1_118.unshared.json",
        _ => "albums/getAllAlbums.v1_118.asset.json",
    })
}

#[test]
fn all_albums_filters_on_an_old_server_never_send_is_owned_or_is_shared() {
    type Case = (fn() -> GetAllAlbums, &'static [&'static str], Vec<AlbumId>);
    const ASSET1: &str = "assetId=a55e7000-0000-4000-8000-000000000001";
    let cases: Vec<Case> = vec![
        // Owned: the plain list, which means "mine" before v3.
        (
            || GetAllAlbums::new().owned(true),
            &[""],
            vec![album(3), album(1), album(2)],
        ),
        // Shared with me: the shared ones minus mine.
        (
            || GetAllAlbums::new().owned(false),
            &["shared=true", ""],
            vec![album(4)],
        ),
        (
            || GetAllAlbums::new().owned(false).shared(true),
            &["shared=true", ""],
            vec![album(4)],
        ),
        (
            || GetAllAlbums::new().shared(true),
            &["shared=true"],
            vec![album(3), album(4)],
        ),
        (
            || GetAllAlbums::new().shared(false),
            &["shared=false"],
            vec![album(1), album(2)],
        ),
        (
            || GetAllAlbums::new().owned(true).shared(false),
            &["shared=false"],
            vec![album(1), album(2)],
        ),
        // Mine and shared: mine minus the unshared ones.
        (
            || GetAllAlbums::new().owned(true).shared(true),
            &["", "shared=false"],
            vec![album(3)],
        ),
        // Shared with me and not shared cannot both hold: no request at all.
        (
            || GetAllAlbums::new().owned(false).shared(false),
            &[],
            vec![],
        ),
        // assetId exists on every version, and is the same request.
        (
            || GetAllAlbums::new().asset_id(asset(1)),
            &[ASSET1],
            vec![album(3), album(4)],
        ),
        (
            || GetAllAlbums::new().asset_id(asset(1)).owned(false),
            &[ASSET1, "shared=true", ""],
            vec![album(4)],
        ),
        (
            || GetAllAlbums::new().asset_id(asset(1)).shared(false),
            &[ASSET1, "shared=false"],
            vec![],
        ),
        (
            || {
                GetAllAlbums::new()
                    .asset_id(asset(1))
                    .owned(false)
                    .shared(false)
            },
            &[],
            vec![],
        ),
    ];
    for (flow, queries, expected) in cases {
        // v1.118 and the last release with `shared`.
        for server in [v1(), server(Some((2, 7, 5)))] {
            let uris: Vec<String> = queries.iter().map(|q| albums_uri(q)).collect();
            let transcript = uris
                .iter()
                .zip(queries)
                .map(|(uri, query)| (get(uri), old_answer(query)))
                .collect();
            let albums = run_flow(&mut flow(), &server, transcript).unwrap();
            assert_eq!(album_ids(&albums), ids(&expected), "{queries:?}");
        }
    }
}

#[test]
fn all_albums_check_the_asset_id_before_any_request() {
    // v3 wants a version-4 UUID; older servers take any UUID.
    let v7 = AssetId::parse(V7).unwrap();
    let mut flow = GetAllAlbums::new().asset_id(v7.clone());
    assert!(matches!(
        flow.step(&v3(), None),
        Err(Error::InvalidId { kind: "asset", .. })
    ));
    let mut flow = GetAllAlbums::new().asset_id(v7);
    assert!(matches!(flow.step(&v1(), None), Ok(Step::Send(_))));
    let mut flow = GetAllAlbums::new().asset_id(AssetId::new_unchecked("../x"));
    assert!(matches!(
        flow.step(&v1(), None),
        Err(Error::InvalidId { kind: "asset", .. })
    ));
}
