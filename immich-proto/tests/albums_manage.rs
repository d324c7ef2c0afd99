//! Managing albums: create, update, delete, remove assets, members and roles, statistics.
//! Golden requests for every operation and recorded answers of old (v1.118) and v3 servers.

#[path = "support/golden.rs"]
mod support;

use http::Response;
use immich_proto::albums::{
    AddUsersToAlbum, AlbumUserRole, BulkIdError, CreateAlbum, DeleteAlbum, GetAlbumStatistics,
    NewAlbumUser, RemoveAssetFromAlbum, RemoveUserFromAlbum, UpdateAlbumInfo, UpdateAlbumUser,
};
use immich_proto::assets::AssetOrder;
use immich_proto::{
    parse_response, AlbumId, AssetId, DateTime, Endpoint, Error, Permission, UserId,
};
use support::{assert_request, get, json, ok_fixture, server, v1, v3, Expect};

const BASE: &str = "http://immich.test:2283/api";

/// A valid UUID that is not version 4: fine for old servers, refused for v3 where the
/// document's pattern wants v4.
const V7: &str = "01890a5d-ac96-774b-bcce-b302099a8057";

fn album(n: u64) -> AlbumId {
    AlbumId::parse(format!("a1b00000-0000-4000-8000-{n:012}")).unwrap()
}

fn asset(n: u64) -> AssetId {
    AssetId::parse(format!("a55e7000-0000-4000-8000-{n:012}")).unwrap()
}

fn user(n: u64) -> UserId {
    UserId::parse(format!("05e70000-0000-4000-8000-{n:012}")).unwrap()
}

fn delete(uri: &str) -> Expect<'_> {
    Expect {
        method: "DELETE",
        uri,
        json: None,
    }
}

fn no_content() -> Response<bytes::Bytes> {
    Response::builder()
        .status(204)
        .body(bytes::Bytes::new())
        .unwrap()
}

fn invalid_input(result: Result<http::Request<bytes::Bytes>, Error>) -> &'static str {
    match result {
        Err(Error::InvalidInput { what, .. }) => what,
        other => panic!("expected InvalidInput, got {other:?}"),
    }
}

// ---- golden requests -------------------------------------------------------------------

#[test]
fn create_album_golden() {
    let full = CreateAlbum::new("Road trip")
        .description("Coast to coast")
        .assets(vec![asset(1), asset(2)])
        .user(NewAlbumUser::viewer(user(2)))
        .user(NewAlbumUser::editor(user(3)));
    let full_body = format!(
        r#"{{"albumName":"Road trip","description":"Coast to coast","assetIds":["{}","{}"],"albumUsers":[{{"userId":"{}","role":"viewer"}},{{"userId":"{}","role":"editor"}}]}}"#,
        asset(1),
        asset(2),
        user(2),
        user(3)
    );
    for server in [server(None), v1(), v3()] {
        assert_request(
            &full.request(&server).unwrap(),
            &json("POST", &format!("{BASE}/albums"), &full_body),
        );
        // Only what was set goes out.
        assert_request(
            &CreateAlbum::new("Empty \"quoted\"")
                .request(&server)
                .unwrap(),
            &json(
                "POST",
                &format!("{BASE}/albums"),
                r#"{"albumName":"Empty \"quoted\""}"#,
            ),
        );
    }
    assert_eq!(CreateAlbum::OPERATION_ID, "createAlbum");
    assert_eq!(CreateAlbum::PERMISSION, Some("album.create"));
}

#[test]
fn update_album_info_sends_only_what_is_set() {
    let uri = format!("{BASE}/albums/{}", album(1));
    for server in [server(None), v1(), v3()] {
        assert_request(
            &UpdateAlbumInfo::new(album(1))
                .name("Renamed")
                .request(&server)
                .unwrap(),
            &json("PATCH", &uri, r#"{"albumName":"Renamed"}"#),
        );
        assert_request(
            &UpdateAlbumInfo::new(album(1))
                .activity_enabled(false)
                .request(&server)
                .unwrap(),
            &json("PATCH", &uri, r#"{"isActivityEnabled":false}"#),
        );
        let all = UpdateAlbumInfo::new(album(1))
            .name("Summer")
            .description("")
            .thumbnail(asset(2))
            .activity_enabled(true)
            .order(AssetOrder::Asc);
        assert_request(
            &all.request(&server).unwrap(),
            &json(
                "PATCH",
                &uri,
                &format!(
                    r#"{{"albumName":"Summer","description":"","albumThumbnailAssetId":"{}","isActivityEnabled":true,"order":"asc"}}"#,
                    asset(2)
                ),
            ),
        );
    }
    assert_eq!(
        invalid_input(UpdateAlbumInfo::new(album(1)).request(&v3())),
        "album update"
    );
    assert_eq!(UpdateAlbumInfo::OPERATION_ID, "updateAlbumInfo");
    assert_eq!(UpdateAlbumInfo::PERMISSION, Some("album.update"));
}

#[test]
fn delete_album_golden() {
    for server in [server(None), v1(), v3()] {
        assert_request(
            &DeleteAlbum::new(album(1)).request(&server).unwrap(),
            &delete(&format!("{BASE}/albums/{}", album(1))),
        );
    }
    assert_eq!(DeleteAlbum::OPERATION_ID, "deleteAlbum");
    assert_eq!(DeleteAlbum::PERMISSION, Some("album.delete"));
}

#[test]
fn remove_asset_from_album_golden() {
    let body = format!(r#"{{"ids":["{}","{}"]}}"#, asset(1), asset(2));
    for server in [server(None), v1(), v3()] {
        assert_request(
            &RemoveAssetFromAlbum::new(album(1), vec![asset(1), asset(2)])
                .request(&server)
                .unwrap(),
            &json(
                "DELETE",
                &format!("{BASE}/albums/{}/assets", album(1)),
                &body,
            ),
        );
    }
    assert_eq!(
        invalid_input(RemoveAssetFromAlbum::new(album(1), vec![]).request(&v1())),
        "asset ids"
    );
    assert!(matches!(
        RemoveAssetFromAlbum::new(album(1), vec![AssetId::new_unchecked("../../x")]).request(&v1()),
        Err(Error::InvalidId { kind: "asset", .. })
    ));
    assert_eq!(RemoveAssetFromAlbum::OPERATION_ID, "removeAssetFromAlbum");
    assert_eq!(RemoveAssetFromAlbum::PERMISSION, Some("albumAsset.delete"));
}

#[test]
fn add_users_to_album_golden() {
    let endpoint = AddUsersToAlbum::new(
        album(1),
        vec![
            NewAlbumUser::editor(user(2)),
            NewAlbumUser::new(user(3), AlbumUserRole::Viewer),
        ],
    );
    let body = format!(
        r#"{{"albumUsers":[{{"userId":"{}","role":"editor"}},{{"userId":"{}","role":"viewer"}}]}}"#,
        user(2),
        user(3)
    );
    for server in [server(None), v1(), v3()] {
        assert_request(
            &endpoint.request(&server).unwrap(),
            &json("PUT", &format!("{BASE}/albums/{}/users", album(1)), &body),
        );
    }
    assert_eq!(
        invalid_input(AddUsersToAlbum::new(album(1), vec![]).request(&v3())),
        "album users"
    );
    assert_eq!(AddUsersToAlbum::OPERATION_ID, "addUsersToAlbum");
    assert_eq!(AddUsersToAlbum::PERMISSION, Some("albumUser.create"));
}

#[test]
fn remove_user_from_album_golden() {
    for server in [server(None), v1(), v3()] {
        assert_request(
            &RemoveUserFromAlbum::new(album(1), user(2))
                .request(&server)
                .unwrap(),
            &delete(&format!("{BASE}/albums/{}/user/{}", album(1), user(2))),
        );
        assert_request(
            &RemoveUserFromAlbum::leave(album(1))
                .request(&server)
                .unwrap(),
            &delete(&format!("{BASE}/albums/{}/user/me", album(1))),
        );
    }
    assert_eq!(RemoveUserFromAlbum::OPERATION_ID, "removeUserFromAlbum");
    assert_eq!(RemoveUserFromAlbum::PERMISSION, Some("albumUser.delete"));
}

#[test]
fn update_album_user_golden() {
    for server in [server(None), v1(), v3()] {
        assert_request(
            &UpdateAlbumUser::new(album(1), user(2), AlbumUserRole::Viewer)
                .request(&server)
                .unwrap(),
            &json(
                "PUT",
                &format!("{BASE}/albums/{}/user/{}", album(1), user(2)),
                r#"{"role":"viewer"}"#,
            ),
        );
    }
    // A role a newer server may add is sent as given.
    assert_request(
        &UpdateAlbumUser::new(album(1), user(2), AlbumUserRole::from("commenter"))
            .request(&v3())
            .unwrap(),
        &json(
            "PUT",
            &format!("{BASE}/albums/{}/user/{}", album(1), user(2)),
            r#"{"role":"commenter"}"#,
        ),
    );
    assert_eq!(UpdateAlbumUser::OPERATION_ID, "updateAlbumUser");
    assert_eq!(UpdateAlbumUser::PERMISSION, Some("albumUser.update"));
}

#[test]
fn get_album_statistics_golden() {
    for server in [server(None), v1(), v3()] {
        assert_request(
            &GetAlbumStatistics::new().request(&server).unwrap(),
            &get(&format!("{BASE}/albums/statistics")),
        );
    }
    assert_eq!(GetAlbumStatistics::OPERATION_ID, "getAlbumStatistics");
    assert_eq!(GetAlbumStatistics::PERMISSION, Some("album.statistics"));
}

#[test]
fn owner_role_is_refused_before_a_request_exists() {
    let owner = NewAlbumUser::new(user(2), AlbumUserRole::Owner);
    assert_eq!(
        invalid_input(CreateAlbum::new("x").user(owner.clone()).request(&v3())),
        "album user role"
    );
    assert_eq!(
        invalid_input(AddUsersToAlbum::new(album(1), vec![owner]).request(&v3())),
        "album user role"
    );
    assert_eq!(
        invalid_input(UpdateAlbumUser::new(album(1), user(2), AlbumUserRole::Owner).request(&v1())),
        "album user role"
    );
}

#[test]
fn ids_are_checked_per_the_document() {
    let v7_user = UserId::parse(V7).unwrap();
    let v7_asset = AssetId::parse(V7).unwrap();
    // Body ids carry the document's v4 pattern on v3; older servers take any UUID.
    for endpoint in [
        CreateAlbum::new("x").user(NewAlbumUser::viewer(v7_user.clone())),
        CreateAlbum::new("x").assets(vec![v7_asset.clone()]),
    ] {
        assert!(endpoint.request(&v1()).is_ok());
        assert!(matches!(
            endpoint.request(&v3()),
            Err(Error::InvalidId { .. })
        ));
    }
    assert!(matches!(
        UpdateAlbumInfo::new(album(1))
            .thumbnail(v7_asset)
            .request(&v3()),
        Err(Error::InvalidId { kind: "asset", .. })
    ));
    // The `userId` path parameter has no version pattern (it also takes `me`).
    assert!(RemoveUserFromAlbum::new(album(1), v7_user.clone())
        .request(&v3())
        .is_ok());
    assert!(
        UpdateAlbumUser::new(album(1), v7_user, AlbumUserRole::Editor)
            .request(&v3())
            .is_ok()
    );
    // Anything else in a path is refused.
    for bad in ["me", "../../admin", ""] {
        assert!(
            matches!(
                RemoveUserFromAlbum::new(album(1), UserId::new_unchecked(bad)).request(&v1()),
                Err(Error::InvalidId { kind: "user", .. })
            ),
            "{bad:?}"
        );
    }
    assert!(matches!(
        DeleteAlbum::new(AlbumId::new_unchecked("x/../y")).request(&v1()),
        Err(Error::InvalidId { kind: "album", .. })
    ));
    assert!(matches!(
        DeleteAlbum::new(AlbumId::parse(V7).unwrap()).request(&v3()),
        Err(Error::InvalidId { kind: "album", .. })
    ));
}

// ---- recorded answers ------------------------------------------------------------------

#[test]
fn created_album_on_an_old_server() {
    let created = parse_response(
        &CreateAlbum::new("Road trip"),
        ok_fixture("albums/createAlbum.v1_118.json"),
    )
    .unwrap();
    assert_eq!(created.id, album(3));
    assert_eq!(created.album_name, "Road trip");
    assert_eq!(created.owner().map(|o| &o.id), Some(&user(1)));
    assert_eq!(created.album_users.len(), 1);
    assert_eq!(created.album_users[0].role, AlbumUserRole::Viewer);
    assert!(created.shared);
}

#[test]
fn created_album_on_v3_keeps_unknown_roles_and_fields() {
    let created = parse_response(
        &CreateAlbum::new("Road trip"),
        Response::builder()
            .status(201)
            .body(support::fixture("albums/createAlbum.v3.json"))
            .unwrap(),
    )
    .unwrap();
    assert_eq!(created.owner().map(|o| &o.id), Some(&user(1)));
    let roles: Vec<_> = created.album_users.iter().map(|m| m.role.clone()).collect();
    assert_eq!(
        roles,
        vec![
            AlbumUserRole::Owner,
            AlbumUserRole::Viewer,
            AlbumUserRole::Unknown("commenter".into())
        ]
    );
    assert_eq!(created.contributor_counts.len(), 1);
}

#[test]
fn updated_album_on_v3() {
    let updated = parse_response(
        &UpdateAlbumInfo::new(album(3)).name("Road trip 2025"),
        ok_fixture("albums/updateAlbumInfo.v3.json"),
    )
    .unwrap();
    assert_eq!(updated.album_name, "Road trip 2025");
    assert_eq!(updated.album_thumbnail_asset_id, Some(asset(2)));
    assert!(!updated.is_activity_enabled);
    assert_eq!(
        updated.order,
        Some(AssetOrder::Unknown("oldest-first-by-exif".into()))
    );
    assert_eq!(
        updated.updated_at.to_utc(),
        DateTime::parse("2025-08-02T07:00:00Z").unwrap()
    );
    assert_eq!(updated.start_date, None);
}

#[test]
fn added_users_answer_the_album() {
    let added = parse_response(
        &AddUsersToAlbum::new(album(3), vec![NewAlbumUser::viewer(user(2))]),
        ok_fixture("albums/createAlbum.v1_118.json"),
    )
    .unwrap();
    assert_eq!(added.album_users[0].user.id, user(2));
}

#[test]
fn added_users_on_v3_answer_the_album_with_its_members() {
    // v3 (`AlbumResponseDto`): no `owner`/`ownerId`/`assets`; the owner is the first member,
    // the cover may be null.
    let added = parse_response(
        &AddUsersToAlbum::new(
            album(3),
            vec![NewAlbumUser::viewer(user(2)), NewAlbumUser::editor(user(3))],
        ),
        ok_fixture("albums/addUsersToAlbum.v3.json"),
    )
    .unwrap();
    assert_eq!(added.id, album(3));
    assert_eq!(added.owner, None);
    assert_eq!(added.owner_id, None);
    assert_eq!(added.owner().map(|o| &o.id), Some(&user(1)));
    let members: Vec<_> = added
        .album_users
        .iter()
        .map(|m| (m.user.id.clone(), m.role.clone()))
        .collect();
    assert_eq!(
        members,
        vec![
            (user(1), AlbumUserRole::Owner),
            (user(2), AlbumUserRole::Viewer),
            (user(3), AlbumUserRole::Editor),
        ]
    );
    assert_eq!(added.album_thumbnail_asset_id, None);
    assert_eq!(added.description, "");
    assert!(added.shared && added.assets.is_empty());
    assert_eq!(added.asset_count, 2);
    assert_eq!(added.order, Some(AssetOrder::Asc));
    assert_eq!(added.contributor_counts.len(), 1);
    assert_eq!(added.contributor_counts[0].user_id, user(1));
    assert_eq!(
        added.updated_at.to_utc(),
        DateTime::parse("2025-08-03T12:15:30.250Z").unwrap()
    );
}

#[test]
fn removed_assets_old_and_v3() {
    let endpoint = RemoveAssetFromAlbum::new(album(1), vec![asset(1), asset(2), asset(3)]);
    let old = parse_response(
        &endpoint,
        ok_fixture("albums/removeAssetFromAlbum.v1_118.json"),
    )
    .unwrap();
    assert!(old[0].success);
    assert_eq!(old[1].error, Some(BulkIdError::NotFound));
    assert_eq!(old[2].error, Some(BulkIdError::NoPermission));
    let new = parse_response(&endpoint, ok_fixture("albums/removeAssetFromAlbum.v3.json")).unwrap();
    assert_eq!(new[1].error_message.as_deref(), Some("Not in album"));
    assert_eq!(new[2].error, Some(BulkIdError::Unknown("locked".into())));
}

#[test]
fn album_statistics_old_and_v3() {
    let old = parse_response(
        &GetAlbumStatistics::new(),
        ok_fixture("albums/getAlbumStatistics.v1_118.json"),
    )
    .unwrap();
    assert_eq!((old.owned, old.shared, old.not_shared), (12, 3, 9));
    let new = parse_response(
        &GetAlbumStatistics::new(),
        ok_fixture("albums/getAlbumStatistics.v3.json"),
    )
    .unwrap();
    assert_eq!((new.owned, new.shared, new.not_shared), (42, 5, 40));
    let err = parse_response(
        &GetAlbumStatistics::new(),
        support::ok(r#"{"owned":1,"shared":-1,"notShared":0}"#),
    )
    .unwrap_err();
    match err {
        Error::Decode(decode) => assert_eq!(decode.path, "shared"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn no_content_answers() {
    parse_response(&DeleteAlbum::new(album(1)), no_content()).unwrap();
    parse_response(&RemoveUserFromAlbum::leave(album(1)), no_content()).unwrap();
    parse_response(
        &UpdateAlbumUser::new(album(1), user(2), AlbumUserRole::Editor),
        no_content(),
    )
    .unwrap();
}

#[test]
fn a_missing_permission_is_named() {
    let forbidden = Response::builder()
        .status(403)
        .body(bytes::Bytes::from_static(
            br#"{"message":"Missing required permission: album.delete","error":"Forbidden","statusCode":403}"#,
        ))
        .unwrap();
    let err = parse_response(&DeleteAlbum::new(album(1)), forbidden).unwrap_err();
    assert_eq!(Permission::missing_in(&err), Some(Permission::AlbumDelete));
    assert_eq!(
        Permission::required_by::<DeleteAlbum>(),
        Some(Permission::AlbumDelete)
    );
}
