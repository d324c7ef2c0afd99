//! Server area: golden requests and recorded answers of old (v1.118) and v3 servers.

#[path = "support/golden.rs"]
mod support;

use immich_proto::server::{
    GetAboutInfo, GetServerStatistics, GetServerVersion, GetStorage, GetVersionCheck,
    ServerStatistics,
};
use immich_proto::{parse_response, DateTime, Endpoint, Error, ServerVersion, UserId};
use support::{assert_request, get, ok, ok_fixture, server, v1, v3};

#[test]
fn golden_requests() {
    // No server operation depends on the version: the same request with or without it.
    for server in [server(None), v1(), v3()] {
        let uri = |path: &str| format!("http://immich.test:2283/api{path}");
        assert_request(
            &GetAboutInfo::new().request(&server).unwrap(),
            &get(&uri("/server/about")),
        );
        assert_request(
            &GetStorage::new().request(&server).unwrap(),
            &get(&uri("/server/storage")),
        );
        assert_request(
            &GetServerStatistics::new().request(&server).unwrap(),
            &get(&uri("/server/statistics")),
        );
        assert_request(
            &GetServerVersion::new().request(&server).unwrap(),
            &get(&uri("/server/version")),
        );
        assert_request(
            &GetVersionCheck::new().request(&server).unwrap(),
            &get(&uri("/server/version-check")),
        );
    }
}

#[test]
fn path_prefix_is_kept() {
    let server = immich_proto::Server::new("https://photos.example.com/immich/")
        .unwrap()
        .with_api_key(support::KEY)
        .unwrap();
    let request = GetAboutInfo::new().request(&server).unwrap();
    assert_eq!(
        request.uri(),
        "https://photos.example.com/immich/api/server/about"
    );
}

#[test]
fn operation_ids_and_permissions() {
    assert_eq!(GetAboutInfo::OPERATION_ID, "getAboutInfo");
    assert_eq!(GetAboutInfo::PERMISSION, Some("server.about"));
    assert_eq!(GetStorage::OPERATION_ID, "getStorage");
    assert_eq!(GetStorage::PERMISSION, Some("server.storage"));
    assert_eq!(GetServerStatistics::OPERATION_ID, "getServerStatistics");
    assert_eq!(GetServerStatistics::PERMISSION, Some("server.statistics"));
    assert_eq!(GetServerVersion::OPERATION_ID, "getServerVersion");
    assert_eq!(GetServerVersion::PERMISSION, None);
    assert_eq!(GetVersionCheck::OPERATION_ID, "getVersionCheck");
    assert_eq!(GetVersionCheck::PERMISSION, Some("server.versionCheck"));
}

#[test]
fn about_old_and_v3() {
    let old = parse_response(
        &GetAboutInfo::new(),
        ok_fixture("server/getAboutInfo.v1_118.json"),
    )
    .unwrap();
    assert_eq!(old.version, "v1.118.2");
    assert_eq!(old.server_version(), Some(ServerVersion::new(1, 118, 2)));
    assert!(!old.licensed);
    assert_eq!(old.exiftool.as_deref(), Some("12.97"));
    assert_eq!(old.source_ref.as_deref(), Some("v1.118.2"));

    // v3 sends only some of the optional fields, and one this client does not know.
    let new = parse_response(
        &GetAboutInfo::new(),
        ok_fixture("server/getAboutInfo.v3.json"),
    )
    .unwrap();
    assert_eq!(new.server_version(), Some(ServerVersion::new(3, 0, 0)));
    assert!(new.licensed);
    assert_eq!(new.nodejs.as_deref(), Some("v22.14.0"));
    assert_eq!(new.build, None);
    assert_eq!(new.exiftool, None);
}

#[test]
fn storage_old_and_v3() {
    let old = parse_response(
        &GetStorage::new(),
        ok_fixture("server/getStorage.v1_118.json"),
    )
    .unwrap();
    assert_eq!(old.disk_size, "1.8 TiB");
    assert_eq!(old.disk_available_raw, 1_311_143_026_688);
    assert_eq!(old.disk_usage_percentage, 33.4);
    // v3: an integer percentage and an unknown field.
    let new = parse_response(&GetStorage::new(), ok_fixture("server/getStorage.v3.json")).unwrap();
    assert_eq!(new.disk_usage_percentage, 1.0);
    assert_eq!(new.disk_use_raw, 12_884_901_888);
}

#[test]
fn statistics_with_usage_by_user() {
    let old = parse_response(
        &GetServerStatistics::new(),
        ok_fixture("server/getServerStatistics.v1_118.json"),
    )
    .unwrap();
    assert_eq!((old.photos, old.videos), (1520, 84));
    assert_eq!(old.usage_videos, 30_601_641_984);
    assert_eq!(old.usage_by_user.len(), 2);
    let bob = &old.usage_by_user[1];
    assert_eq!(
        bob.user_id,
        UserId::parse("05e70000-0000-4000-8000-000000000002").unwrap()
    );
    assert_eq!(bob.user_name, "Bob");
    assert_eq!(bob.quota_size_in_bytes, Some(10_737_418_240));
    assert_eq!(old.usage_by_user[0].quota_size_in_bytes, None);

    let new = parse_response(
        &GetServerStatistics::new(),
        ok_fixture("server/getServerStatistics.v3.json"),
    )
    .unwrap();
    assert_eq!(new.usage_by_user[0].usage_photos, 7_340_032);
}

#[test]
fn statistics_without_per_kind_usage_decode() {
    // Older servers had no usagePhotos/usageVideos.
    let body = r#"{"photos":1,"videos":2,"usage":3,"usageByUser":[
        {"userId":"05e70000-0000-4000-8000-000000000001","userName":"Ann","photos":1,"videos":2,"usage":3,"quotaSizeInBytes":null}]}"#;
    let stats: ServerStatistics = parse_response(&GetServerStatistics::new(), ok(body)).unwrap();
    assert_eq!((stats.usage_photos, stats.usage_videos), (0, 0));
    assert_eq!(stats.usage_by_user[0].usage_videos, 0);
}

#[test]
fn version_old_and_v3_with_extra_fields() {
    let old = parse_response(
        &GetServerVersion::new(),
        ok_fixture("server/getServerVersion.v1_118.json"),
    )
    .unwrap();
    assert_eq!(old, ServerVersion::new(1, 118, 2));
    assert!(!old.is_v3_or_newer());
    let new = parse_response(
        &GetServerVersion::new(),
        ok_fixture("server/getServerVersion.v3.json"),
    )
    .unwrap();
    assert_eq!(new, ServerVersion::new(3, 0, 0));
    assert!(new.is_v3_or_newer());
}

#[test]
fn version_that_does_not_decode_names_the_path() {
    let err = parse_response(&GetServerVersion::new(), ok(r#"{"major":"three"}"#)).unwrap_err();
    match err {
        Error::Decode(decode) => {
            assert_eq!(decode.operation, "getServerVersion");
            assert_eq!(decode.path, "major");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn version_check_null_and_set() {
    let never = parse_response(
        &GetVersionCheck::new(),
        ok_fixture("server/getVersionCheck.v1_118.json"),
    )
    .unwrap();
    assert_eq!(never.checked_at, None);
    assert_eq!(never.release(), None);
    let checked = parse_response(
        &GetVersionCheck::new(),
        ok_fixture("server/getVersionCheck.v3.json"),
    )
    .unwrap();
    assert_eq!(checked.release(), Some(ServerVersion::new(3, 0, 1)));
    assert_eq!(
        checked.checked_at_time(),
        DateTime::parse("2025-06-01T10:15:00.123Z")
    );
    assert!(checked.checked_at_time().is_some());
}

#[test]
fn errors_come_from_the_shared_parser() {
    let response = http::Response::builder()
        .status(403)
        .body(bytes::Bytes::from_static(
            br#"{"message":"Missing required permission: server.statistics","error":"Forbidden","statusCode":403}"#,
        ))
        .unwrap();
    let err = parse_response(&GetServerStatistics::new(), response).unwrap_err();
    assert_eq!(
        err.api().and_then(|api| api.missing_permission()),
        Some("server.statistics")
    );
}
