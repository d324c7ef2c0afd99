//! The generated operations and models: requests, update bodies, secrets, tolerance.

#[path = "support/golden.rs"]
mod support;

use bytes::Bytes;
use immich_proto::activities::GetActivities;
use immich_proto::authentication::ChangePassword;
use immich_proto::database_backups_admin::DownloadDatabaseBackup;
use immich_proto::download::DownloadArchive;
use immich_proto::models::{self, ReactionLevel, ReactionType, TagUpdate};
use immich_proto::multipart::FormFile;
use immich_proto::tags::UpdateTag;
use immich_proto::users::CreateProfileImage;
use immich_proto::{AlbumId, Endpoint, Error, MediaEndpoint, Patch, Secret, TagId};
use support::{server, v3};

const ALBUM: &str = "0000a55e-0000-4000-8000-0000000000aa";

#[test]
fn query_parameters_are_sent_only_when_set() {
    let mut activities = GetActivities::new(AlbumId::parse(ALBUM).unwrap());
    let request = activities.request(&v3()).unwrap();
    assert_eq!(
        request.uri().to_string(),
        format!("http://immich.test:2283/api/activities?albumId={ALBUM}")
    );
    activities.level = Some(ReactionLevel::from("album"));
    activities.r#type = Some(ReactionType::Like);
    let request = activities.request(&v3()).unwrap();
    assert_eq!(
        request.uri().query(),
        Some(format!("albumId={ALBUM}&level=album&type=like").as_str())
    );
    assert_eq!(request.headers()["x-api-key"], "test-api-key");
}

#[test]
fn ids_are_checked_before_a_request_exists() {
    let not_v4 = AlbumId::new_unchecked("01890a5d-ac96-774b-bcce-b302099a8057");
    match GetActivities::new(not_v4).request(&v3()) {
        Err(Error::InvalidId { kind, .. }) => assert_eq!(kind, "album"),
        other => panic!("{other:?}"),
    }
    let hostile = AlbumId::new_unchecked("../../admin");
    assert!(GetActivities::new(hostile).request(&server(None)).is_err());
}

#[test]
fn path_text_is_one_segment() {
    let request = DownloadDatabaseBackup::new("../../etc/passwd".to_owned())
        .request(&v3())
        .unwrap();
    assert_eq!(
        request.uri().path(),
        "/api/admin/database-backups/..%2F..%2Fetc%2Fpasswd"
    );
    // A byte stream: any media type is accepted.
    assert_eq!(request.headers()["accept"], "*/*");
}

#[test]
fn update_bodies_tell_leave_clear_and_set_apart() {
    let tag = TagId::parse(ALBUM).unwrap();
    let body = |color| {
        let mut update = TagUpdate::new();
        update.color = color;
        let request = UpdateTag::new(tag.clone(), update).request(&v3()).unwrap();
        String::from_utf8(request.body().to_vec()).unwrap()
    };
    assert_eq!(body(Patch::Unchanged), "{}");
    assert_eq!(body(Patch::Clear), r#"{"color":null}"#);
    assert_eq!(
        body(Patch::Set("#ff0000".into())),
        r##"{"color":"#ff0000"}"##
    );
}

#[test]
fn secrets_in_generated_bodies_stay_out_of_debug() {
    let body = models::ChangePassword::new(Secret::new("new-hunter2"), Secret::new("hunter2"));
    let operation = ChangePassword::new(body);
    let shown = format!("{operation:?}");
    assert!(!shown.contains("hunter2"), "{shown}");
    // On the wire they are plain strings.
    let request = operation.request(&v3()).unwrap();
    let sent = String::from_utf8(request.body().to_vec()).unwrap();
    assert_eq!(
        sent,
        r#"{"newPassword":"new-hunter2","password":"hunter2"}"#
    );
}

#[test]
fn license_keys_stay_out_of_debug_both_ways() {
    let key = "IMSV-AAAA-BBBB-CCCC-DDDD-EEEE-FFFF-GGGG-HHHH";
    let sent = models::LicenseKey::new(Secret::new("activation-s3cret"), Secret::new(key));
    let shown = format!("{sent:?}");
    assert!(
        !shown.contains(key) && !shown.contains("activation-s3cret"),
        "{shown}"
    );
    let answer: models::UserLicense = serde_json::from_str(&format!(
        r#"{{"activatedAt":"2025-01-02T03:04:05.000Z","activationKey":"activation-s3cret","licenseKey":"{key}"}}"#
    ))
    .unwrap();
    let shown = format!("{answer:?}");
    assert!(
        !shown.contains(key) && !shown.contains("activation-s3cret"),
        "{shown}"
    );
    assert_eq!(answer.license_key.expose_secret(), key);
}

#[test]
fn answers_with_unknown_fields_and_values_decode() {
    let body = Bytes::from_static(
        br#"[{"id":"0000a55e-0000-4000-8000-0000000000bb","createdAt":"2025-01-02T03:04:05.000Z",
        "type":"heart","assetId":null,"comment":null,"addedInV9":{"x":1},
        "user":{"id":"0000a55e-0000-4000-8000-0000000000cc","email":"a@example.com","name":"A",
        "profileImagePath":"","avatarColor":"primary","profileChangedAt":"2025-01-02T03:04:05.000Z"}}]"#,
    );
    let head = http::Response::new(()).into_parts().0;
    let activities = GetActivities::new(AlbumId::parse(ALBUM).unwrap())
        .parse(&head, body)
        .unwrap();
    assert_eq!(activities[0].r#type, ReactionType::Unknown("heart".into()));
    assert_eq!(activities[0].asset_id, None);
}

#[test]
fn a_wrong_answer_names_the_operation_and_the_path() {
    let head = http::Response::new(()).into_parts().0;
    let body = Bytes::from_static(br#"[{"id":"x","createdAt":"yesterday"}]"#);
    match GetActivities::new(AlbumId::parse(ALBUM).unwrap()).parse(&head, body) {
        Err(Error::Decode(decode)) => {
            assert_eq!(decode.operation, "getActivities");
            assert_eq!(decode.path, "[0].createdAt");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn in_memory_files_make_an_exact_multipart_body() {
    let file = FormFile::new("me.jpg", "image/jpeg", Bytes::from_static(b"jpeg bytes"));
    let request = CreateProfileImage::new(file.clone())
        .request(&v3())
        .unwrap();
    let content_type = request.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    let boundary = content_type
        .strip_prefix("multipart/form-data; boundary=")
        .unwrap();
    let expected = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"me.jpg\"\r\n\
         Content-Type: image/jpeg\r\n\r\njpeg bytes\r\n--{boundary}--\r\n"
    );
    assert_eq!(
        String::from_utf8(request.body().to_vec()).unwrap(),
        expected
    );
    // The same file gives the same bytes; the file's name cannot break out of its quotes.
    let again = CreateProfileImage::new(file).request(&v3()).unwrap();
    assert_eq!(again.body(), request.body());
    let sneaky = FormFile::new("a\"\r\nX: y.jpg", "image/jpeg", Bytes::from_static(b"x"));
    let request = CreateProfileImage::new(sneaky).request(&v3()).unwrap();
    let sent = String::from_utf8(request.body().to_vec()).unwrap();
    assert!(sent.contains("filename=\"a%22%0D%0AX: y.jpg\""), "{sent}");
}

#[test]
fn archives_are_byte_streams_with_a_json_request() {
    let body = models::DownloadArchive::new(vec![]);
    let request = MediaEndpoint::request(&DownloadArchive::new(body), &v3()).unwrap();
    assert_eq!(request.method(), http::Method::POST);
    assert_eq!(request.headers()["accept"], "*/*");
    assert_eq!(request.headers()["content-type"], "application/json");
    assert_eq!(request.body().as_ref(), br#"{"assetIds":[]}"#);
}
