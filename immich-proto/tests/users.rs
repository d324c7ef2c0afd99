//! Users area: `GET /users/me` on old (v1.118) and v3 servers.

#[path = "support/golden.rs"]
mod support;

use immich_proto::users::{GetMyUser, UserAvatarColor, UserStatus};
use immich_proto::{parse_response, DateTime, Endpoint, UserId};
use support::{assert_request, get, ok_fixture, server, v1, v3};

#[test]
fn golden_request() {
    for server in [server(None), v1(), v3()] {
        assert_request(
            &GetMyUser::new().request(&server).unwrap(),
            &get("http://immich.test:2283/api/users/me"),
        );
    }
    assert_eq!(GetMyUser::OPERATION_ID, "getMyUser");
    assert_eq!(GetMyUser::PERMISSION, Some("user.read"));
}

#[test]
fn me_on_an_old_server() {
    let me = parse_response(&GetMyUser::new(), ok_fixture("users/getMyUser.v1_118.json")).unwrap();
    assert_eq!(
        me.id,
        UserId::parse("05e70000-0000-4000-8000-000000000001").unwrap()
    );
    assert_eq!(
        (me.name.as_str(), me.email.as_str()),
        ("Ann", "ann@example.com")
    );
    assert!(me.is_admin);
    assert_eq!(me.avatar_color, Some(UserAvatarColor::Primary));
    assert_eq!(me.status, Some(UserStatus::Active));
    assert_eq!(me.storage_label.as_deref(), Some("admin"));
    assert_eq!(me.quota_size_in_bytes, None);
    assert_eq!(me.quota_usage_in_bytes, Some(40_000_000_000));
    assert_eq!(me.license, None);
    assert_eq!(me.deleted_at, None);
    assert_eq!(me.created_at, DateTime::parse("2024-01-05T09:30:00Z"));
}

#[test]
fn me_on_v3_with_unknown_values() {
    let me = parse_response(&GetMyUser::new(), ok_fixture("users/getMyUser.v3.json")).unwrap();
    assert!(!me.is_admin);
    // Values this client does not know are kept, not refused.
    assert_eq!(
        me.avatar_color,
        Some(UserAvatarColor::Unknown("teal".into()))
    );
    assert_eq!(me.status, Some(UserStatus::Unknown("suspended".into())));
    assert_eq!(me.storage_label, None);
    assert!(me.should_change_password);
    assert_eq!(me.quota_size_in_bytes, Some(10_737_418_240));
    // An offset date-time is the same instant as its UTC form.
    assert_eq!(
        me.profile_changed_at.map(|t| t.to_utc_string()),
        Some("2025-05-02T08:00:00.000Z".to_owned())
    );
    let license = me.license.as_ref().unwrap();
    assert!(license.license_key.starts_with("IMCL-"));
    // The license keys stay out of Debug output.
    let debug = format!("{me:?}");
    assert!(
        !debug.contains("IMCL-") && !debug.contains("secret-activation"),
        "{debug}"
    );
}

#[test]
fn minimal_user_decodes() {
    // Only what every server generation sends for sure.
    let body = r#"{"id":"05e70000-0000-4000-8000-000000000001","name":"A","email":"a@b.c"}"#;
    let me = parse_response(&GetMyUser::new(), support::ok(body)).unwrap();
    assert_eq!(me.name, "A");
    assert_eq!(me.avatar_color, None);
    assert!(!me.is_admin);
}
