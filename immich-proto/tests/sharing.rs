//! Shared links: list (with album and id filters on every server version), create for an
//! album or for assets, delete; recorded answers of old (v1.118) and v3 servers; secrets kept
//! out of `Debug`.

#[path = "support/golden.rs"]
mod support;

use http::Response;
use immich_proto::shared_links::{
    CreateSharedLink, GetAllSharedLinks, RemoveSharedLink, SharedLink, SharedLinkType,
};
use immich_proto::{
    parse_response, AlbumId, AssetId, DateTime, Endpoint, Error, ServerVersion, SharedLinkId,
};
use support::{assert_request, get, json, ok_fixture, server, v1, v3, Expect};

const BASE: &str = "http://immich.test:2283/api";

fn album(n: u64) -> AlbumId {
    AlbumId::parse(format!("a1b00000-0000-4000-8000-{n:012}")).unwrap()
}

fn asset(n: u64) -> AssetId {
    AssetId::parse(format!("a55e7000-0000-4000-8000-{n:012}")).unwrap()
}

fn link(n: u64) -> SharedLinkId {
    SharedLinkId::parse(format!("5a1e0000-0000-4000-8000-{n:012}")).unwrap()
}

fn v2_5() -> immich_proto::Server {
    server(Some((2, 5, 0)))
}

fn ids(links: &[SharedLink]) -> Vec<SharedLinkId> {
    links.iter().map(|l| l.id.clone()).collect()
}

// ---- golden requests -------------------------------------------------------------------

#[test]
fn get_all_shared_links_golden() {
    let uri = format!("{BASE}/shared-links");
    for server in [server(None), v1(), v3()] {
        assert_request(
            &GetAllSharedLinks::new().request(&server).unwrap(),
            &get(&uri),
        );
        assert_request(
            &GetAllSharedLinks::new()
                .album(album(3))
                .request(&server)
                .unwrap(),
            &get(&format!("{uri}?albumId={}", album(3))),
        );
    }
    // The `id` filter goes only to servers known to have it (v2.5.0+); the answer is filtered
    // here for the others.
    let by_id = GetAllSharedLinks::new().album(album(3)).id(link(3));
    for server in [v2_5(), v3()] {
        assert_request(
            &by_id.request(&server).unwrap(),
            &get(&format!("{uri}?albumId={}&id={}", album(3), link(3))),
        );
    }
    for server in [server(None), v1(), server(Some((2, 4, 9)))] {
        assert_request(
            &by_id.request(&server).unwrap(),
            &get(&format!("{uri}?albumId={}", album(3))),
        );
    }
    assert!(matches!(
        GetAllSharedLinks::new()
            .id(SharedLinkId::new_unchecked("nope"))
            .request(&v1()),
        Err(Error::InvalidId {
            kind: "shared link",
            ..
        })
    ));
    assert_eq!(GetAllSharedLinks::OPERATION_ID, "getAllSharedLinks");
    assert_eq!(GetAllSharedLinks::PERMISSION, Some("sharedLink.read"));
}

#[test]
fn create_shared_link_golden() {
    let uri = format!("{BASE}/shared-links");
    for server in [server(None), v1(), v3()] {
        assert_request(
            &CreateSharedLink::for_album(album(3))
                .request(&server)
                .unwrap(),
            &json(
                "POST",
                &uri,
                &format!(r#"{{"type":"ALBUM","albumId":"{}"}}"#, album(3)),
            ),
        );
        // Every option, the expiry given with an offset and sent in UTC.
        let full = CreateSharedLink::for_assets(vec![asset(1), asset(2)])
            .expires_at(DateTime::parse("2025-12-31T23:00:00+01:00").unwrap())
            .allow_download(false)
            .allow_upload(true)
            .show_metadata(false)
            .password("hunter2")
            .description("Beach");
        assert_request(
            &full.request(&server).unwrap(),
            &json(
                "POST",
                &uri,
                &format!(
                    r#"{{"type":"INDIVIDUAL","assetIds":["{}","{}"],"expiresAt":"2025-12-31T22:00:00.000Z","allowDownload":false,"allowUpload":true,"showMetadata":false,"password":"hunter2","description":"Beach"}}"#,
                    asset(1),
                    asset(2)
                ),
            ),
        );
    }
    assert_eq!(
        CreateSharedLink::for_assets(vec![asset(1)]).link_type(),
        SharedLinkType::Individual
    );
    assert_eq!(CreateSharedLink::OPERATION_ID, "createSharedLink");
    assert_eq!(CreateSharedLink::PERMISSION, Some("sharedLink.create"));
}

#[test]
fn a_slug_needs_v1_137() {
    let with_slug = CreateSharedLink::for_album(album(3)).slug("road-trip");
    let body = format!(
        r#"{{"type":"ALBUM","albumId":"{}","slug":"road-trip"}}"#,
        album(3)
    );
    for server in [server(None), server(Some((1, 137, 0))), v3()] {
        assert_request(
            &with_slug.request(&server).unwrap(),
            &json("POST", &format!("{BASE}/shared-links"), &body),
        );
    }
    let err = with_slug.request(&v1()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "createSharedLink with a slug needs Immich v1.137.0 or newer; this server is v1.118.2"
    );
    assert!(matches!(
        CreateSharedLink::for_album(album(3))
            .slug(" ")
            .request(&v3()),
        Err(Error::InvalidInput { what: "slug", .. })
    ));
}

#[test]
fn create_checks_targets_before_a_request_exists() {
    assert!(matches!(
        CreateSharedLink::for_assets(vec![]).request(&v3()),
        Err(Error::InvalidInput {
            what: "asset ids",
            ..
        })
    ));
    assert!(matches!(
        CreateSharedLink::for_assets(vec![asset(1), AssetId::new_unchecked("../x")]).request(&v1()),
        Err(Error::InvalidId { kind: "asset", .. })
    ));
    let v7 = AlbumId::parse("01890a5d-ac96-774b-bcce-b302099a8057").unwrap();
    assert!(CreateSharedLink::for_album(v7.clone())
        .request(&v1())
        .is_ok());
    assert!(matches!(
        CreateSharedLink::for_album(v7).request(&v3()),
        Err(Error::InvalidId { kind: "album", .. })
    ));
}

#[test]
fn remove_shared_link_golden() {
    for server in [server(None), v1(), v3()] {
        assert_request(
            &RemoveSharedLink::new(link(1)).request(&server).unwrap(),
            &Expect {
                method: "DELETE",
                uri: &format!("{BASE}/shared-links/{}", link(1)),
                json: None,
            },
        );
    }
    assert!(matches!(
        RemoveSharedLink::new(SharedLinkId::new_unchecked("../../admin")).request(&v3()),
        Err(Error::InvalidId { .. })
    ));
    let no_content = Response::builder()
        .status(204)
        .body(bytes::Bytes::new())
        .unwrap();
    parse_response(&RemoveSharedLink::new(link(1)), no_content).unwrap();
    assert_eq!(RemoveSharedLink::OPERATION_ID, "removeSharedLink");
    assert_eq!(RemoveSharedLink::PERMISSION, Some("sharedLink.delete"));
}

#[test]
fn create_debug_hides_the_password() {
    let create = CreateSharedLink::for_album(album(3)).password("hunter2-secret");
    let debug = format!("{create:?}");
    assert!(!debug.contains("hunter2"), "{debug}");
    assert!(debug.contains("password: Some(***)"), "{debug}");
}

// ---- recorded answers ------------------------------------------------------------------

#[test]
fn links_on_an_old_server() {
    let links = parse_response(
        &GetAllSharedLinks::new(),
        ok_fixture("shared_links/getAllSharedLinks.v1_118.json"),
    )
    .unwrap();
    assert_eq!(ids(&links), vec![link(1), link(2)]);
    let album_link = &links[0];
    assert_eq!(album_link.link_type, SharedLinkType::Album);
    assert_eq!(album_link.album.as_ref().map(|a| &a.id), Some(&album(3)));
    assert!(album_link.has_password());
    assert_eq!(album_link.slug, None);
    assert_eq!(album_link.token, None);
    assert_eq!(album_link.expires_at, None);
    assert!(album_link.allow_upload && album_link.allow_download && album_link.show_metadata);
    assert_eq!(
        album_link.share_path(),
        "/share/KEY-one_abcdefghijklmnopqrstuvwxyz0123456789"
    );
    let assets_link = &links[1];
    assert_eq!(assets_link.link_type, SharedLinkType::Individual);
    assert!(!assets_link.has_password());
    assert_eq!(assets_link.assets.len(), 1);
    assert_eq!(assets_link.assets[0].id, asset(1));
    assert!(!assets_link.allow_download && !assets_link.show_metadata);
    let expiry = DateTime::parse("2024-09-01T00:00:00Z").unwrap();
    assert!(assets_link.is_expired_at(expiry));
    assert!(!assets_link.is_expired_at(DateTime::parse("2024-08-31T23:59:59Z").unwrap()));
    assert!(!album_link.is_expired_at(expiry));
}

#[test]
fn links_on_v3_with_slug_unknown_type_and_fields() {
    let links = parse_response(
        &GetAllSharedLinks::new(),
        ok_fixture("shared_links/getAllSharedLinks.v3.json"),
    )
    .unwrap();
    assert_eq!(ids(&links), vec![link(3), link(4)]);
    assert_eq!(links[0].slug.as_deref(), Some("road trip/2025"));
    assert_eq!(links[0].share_path(), "/s/road%20trip%2F2025");
    assert_eq!(
        links[0].expires_at.map(DateTime::to_utc),
        DateTime::parse("2025-12-31T22:00:00Z")
    );
    assert_eq!(
        links[1].link_type,
        SharedLinkType::Unknown("UPLOAD_ONLY".into())
    );
    assert_eq!(links[1].description.as_deref(), Some("Drop box"));
}

#[test]
fn filters_hold_on_servers_that_ignore_them() {
    // An old server ignores `albumId` and `id` and answers every link: the core filters.
    let by_album = parse_response(
        &GetAllSharedLinks::new().album(album(3)),
        ok_fixture("shared_links/getAllSharedLinks.v1_118.json"),
    )
    .unwrap();
    assert_eq!(ids(&by_album), vec![link(1)]);
    let other_album = parse_response(
        &GetAllSharedLinks::new().album(album(9)),
        ok_fixture("shared_links/getAllSharedLinks.v1_118.json"),
    )
    .unwrap();
    assert!(other_album.is_empty());
    let by_id = parse_response(
        &GetAllSharedLinks::new().id(link(2)),
        ok_fixture("shared_links/getAllSharedLinks.v1_118.json"),
    )
    .unwrap();
    assert_eq!(ids(&by_id), vec![link(2)]);
    // A v3 answer to `albumId` is already filtered and stays as it is.
    let v3_album = parse_response(
        &GetAllSharedLinks::new().album(album(3)),
        ok_fixture("shared_links/getAllSharedLinks.v3.json"),
    )
    .unwrap();
    assert_eq!(ids(&v3_album), vec![link(3), link(4)]);
}

#[test]
fn created_link_and_its_debug() {
    let created = parse_response(
        &CreateSharedLink::for_assets(vec![asset(2)]),
        Response::builder()
            .status(201)
            .body(support::fixture("shared_links/createSharedLink.v3.json"))
            .unwrap(),
    )
    .unwrap();
    assert_eq!(created.id, link(5));
    assert_eq!(created.link_type, SharedLinkType::Individual);
    assert_eq!(
        created.assets[0].duration,
        Some(std::time::Duration::from_millis(12_500))
    );
    assert!(created.has_password());
    let debug = format!("{created:?}");
    for secret in ["hunter2", "KEY-five"] {
        assert!(!debug.contains(secret), "{secret} in {debug}");
    }
    assert!(debug.contains("password: Some(***)"), "{debug}");
    assert!(debug.contains("key: ***"), "{debug}");
}

#[test]
fn version_is_not_needed_to_list() {
    let server = server(None);
    assert!(GetAllSharedLinks::new().request(&server).is_ok());
    server.set_version(ServerVersion::new(3, 0, 0));
    assert_eq!(
        GetAllSharedLinks::new()
            .id(link(1))
            .request(&server)
            .unwrap()
            .uri()
            .query(),
        Some(format!("id={}", link(1)).as_str())
    );
}
