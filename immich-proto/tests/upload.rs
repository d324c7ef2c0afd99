//! The upload endpoint: golden requests with the exact body bytes, and answer parsing.

use std::time::Duration;

use bytes::Bytes;
use http::{Method, Response, StatusCode};
use immich_proto::assets::{AssetMediaStatus, AssetVisibility, UploadAsset, UploadResult};
use immich_proto::checksum::Sha1Checksum;
use immich_proto::multipart::{Boundary, FileRole, Segment};
use immich_proto::{AssetId, DateTime, Error, Server, ServerVersion};

const LIVE_VIDEO: &str = "0d1c2b3a-4f5e-4a6b-8c7d-0123456789ab";
const ASSET: &[u8] = b"hello";
const SIDECAR: &[u8] = b"<x:xmp>";

fn server(version: Option<ServerVersion>) -> Server {
    let server = Server::new("http://127.0.0.1:2283/immich")
        .unwrap()
        .with_api_key("test-key")
        .unwrap()
        .with_device_id("test-device");
    match version {
        Some(v) => server.with_version(v),
        None => server,
    }
}

fn full_upload() -> UploadAsset {
    UploadAsset::new(
        "IMG_0001.jpg",
        ASSET.len() as u64,
        DateTime::parse("2024-05-01T12:00:00.250+02:00").unwrap(),
        DateTime::parse("2024-05-02T08:30:00Z").unwrap(),
    )
    .is_favorite(true)
    .duration(Duration::from_millis(1_500))
    .visibility(AssetVisibility::Archive)
    .live_photo_video_id(AssetId::parse(LIVE_VIDEO).unwrap())
    .sidecar(SIDECAR.len() as u64)
    .checksum(Sha1Checksum::digest(ASSET).to_hex())
    .boundary(Boundary::from_seed(1))
}

/// Checks method, URI and every header, and returns the assembled body as text.
fn check_head(request: &http::Request<immich_proto::UploadBody>) -> String {
    assert_eq!(request.method(), Method::POST);
    assert_eq!(
        request.uri().to_string(),
        "http://127.0.0.1:2283/immich/api/assets"
    );
    let headers: Vec<(String, String)> = request
        .headers()
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_str().unwrap().to_owned()))
        .collect();
    let assembled = request.body().assemble(ASSET, Some(SIDECAR)).unwrap();
    let want: Vec<(String, String)> = [
        ("accept", "application/json"),
        ("x-api-key", "test-key"),
        (
            "content-type",
            "multipart/form-data; boundary=33cdeccccebe80329f1fdbee7f5874cb",
        ),
        ("content-length", &assembled.len().to_string()),
        (
            "x-immich-checksum",
            "aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d",
        ),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    assert_eq!(headers, want);
    assert_eq!(request.body().content_length(), assembled.len() as u64);
    String::from_utf8(assembled).unwrap()
}

#[test]
fn golden_v3() {
    let request = full_upload()
        .request(&server(Some(ServerVersion::new(3, 0, 0))))
        .unwrap();
    let body = check_head(&request);
    let want = concat!(
        "--33cdeccccebe80329f1fdbee7f5874cb\r\n",
        "Content-Disposition: form-data; name=\"fileCreatedAt\"\r\n\r\n",
        "2024-05-01T10:00:00.250Z\r\n",
        "--33cdeccccebe80329f1fdbee7f5874cb\r\n",
        "Content-Disposition: form-data; name=\"fileModifiedAt\"\r\n\r\n",
        "2024-05-02T08:30:00.000Z\r\n",
        "--33cdeccccebe80329f1fdbee7f5874cb\r\n",
        "Content-Disposition: form-data; name=\"isFavorite\"\r\n\r\n",
        "true\r\n",
        "--33cdeccccebe80329f1fdbee7f5874cb\r\n",
        "Content-Disposition: form-data; name=\"filename\"\r\n\r\n",
        "IMG_0001.jpg\r\n",
        "--33cdeccccebe80329f1fdbee7f5874cb\r\n",
        "Content-Disposition: form-data; name=\"duration\"\r\n\r\n",
        "1500\r\n",
        "--33cdeccccebe80329f1fdbee7f5874cb\r\n",
        "Content-Disposition: form-data; name=\"visibility\"\r\n\r\n",
        "archive\r\n",
        "--33cdeccccebe80329f1fdbee7f5874cb\r\n",
        "Content-Disposition: form-data; name=\"livePhotoVideoId\"\r\n\r\n",
        "0d1c2b3a-4f5e-4a6b-8c7d-0123456789ab\r\n",
        "--33cdeccccebe80329f1fdbee7f5874cb\r\n",
        "Content-Disposition: form-data; name=\"assetData\"; filename=\"IMG_0001.jpg\"\r\n",
        "Content-Type: application/octet-stream\r\n\r\n",
        "hello\r\n",
        "--33cdeccccebe80329f1fdbee7f5874cb\r\n",
        "Content-Disposition: form-data; name=\"sidecarData\"; filename=\"IMG_0001.jpg.xmp\"\r\n",
        "Content-Type: application/octet-stream\r\n\r\n",
        "<x:xmp>\r\n",
        "--33cdeccccebe80329f1fdbee7f5874cb--\r\n",
    );
    assert_eq!(body, want);
    assert!(!body.contains("deviceAssetId") && !body.contains("deviceId"));
}

#[test]
fn golden_v1_118() {
    let request = full_upload()
        .request(&server(Some(ServerVersion::new(1, 118, 2))))
        .unwrap();
    let body = check_head(&request);
    let want = concat!(
        "--33cdeccccebe80329f1fdbee7f5874cb\r\n",
        "Content-Disposition: form-data; name=\"deviceAssetId\"\r\n\r\n",
        "IMG_0001.jpg-5\r\n",
        "--33cdeccccebe80329f1fdbee7f5874cb\r\n",
        "Content-Disposition: form-data; name=\"deviceId\"\r\n\r\n",
        "test-device\r\n",
        "--33cdeccccebe80329f1fdbee7f5874cb\r\n",
        "Content-Disposition: form-data; name=\"fileCreatedAt\"\r\n\r\n",
        "2024-05-01T10:00:00.250Z\r\n",
        "--33cdeccccebe80329f1fdbee7f5874cb\r\n",
        "Content-Disposition: form-data; name=\"fileModifiedAt\"\r\n\r\n",
        "2024-05-02T08:30:00.000Z\r\n",
        "--33cdeccccebe80329f1fdbee7f5874cb\r\n",
        "Content-Disposition: form-data; name=\"isFavorite\"\r\n\r\n",
        "true\r\n",
        // No `filename` field before v1.135.0: the release takes the file part's name.
        "--33cdeccccebe80329f1fdbee7f5874cb\r\n",
        "Content-Disposition: form-data; name=\"duration\"\r\n\r\n",
        "0:00:01.500000\r\n",
        "--33cdeccccebe80329f1fdbee7f5874cb\r\n",
        "Content-Disposition: form-data; name=\"isArchived\"\r\n\r\n",
        "true\r\n",
        "--33cdeccccebe80329f1fdbee7f5874cb\r\n",
        "Content-Disposition: form-data; name=\"livePhotoVideoId\"\r\n\r\n",
        "0d1c2b3a-4f5e-4a6b-8c7d-0123456789ab\r\n",
        "--33cdeccccebe80329f1fdbee7f5874cb\r\n",
        "Content-Disposition: form-data; name=\"assetData\"; filename=\"IMG_0001.jpg\"\r\n",
        "Content-Type: application/octet-stream\r\n\r\n",
        "hello\r\n",
        "--33cdeccccebe80329f1fdbee7f5874cb\r\n",
        "Content-Disposition: form-data; name=\"sidecarData\"; filename=\"IMG_0001.jpg.xmp\"\r\n",
        "Content-Type: application/octet-stream\r\n\r\n",
        "<x:xmp>\r\n",
        "--33cdeccccebe80329f1fdbee7f5874cb--\r\n",
    );
    assert_eq!(body, want);
}

#[test]
fn minimal_upload_and_device_asset_id_override() {
    let t = DateTime::from_unix(0, 0);
    let upload = UploadAsset::new("a.png", 5, t, t).boundary(Boundary::from_seed(1));
    let request = upload
        .request(&server(Some(ServerVersion::new(3, 0, 0))))
        .unwrap();
    assert!(request.headers().get("x-immich-checksum").is_none());
    assert_eq!(request.body().file_len(FileRole::Sidecar), None);
    let body = String::from_utf8(request.body().assemble(ASSET, None).unwrap()).unwrap();
    for absent in ["duration", "visibility", "livePhotoVideoId", "sidecarData"] {
        assert!(!body.contains(absent), "{absent} in {body}");
    }
    assert!(body.contains("name=\"isFavorite\"\r\n\r\nfalse\r\n"));

    let old = server(Some(ServerVersion::new(1, 118, 0)));
    let request = upload
        .clone()
        .device_asset_id("mine-1")
        .request(&old)
        .unwrap();
    let body = String::from_utf8(request.body().assemble(ASSET, None).unwrap()).unwrap();
    assert!(body.contains("name=\"deviceAssetId\"\r\n\r\nmine-1\r\n"));
}

#[test]
fn content_length_matches_segments_walked_by_a_transport() {
    let request = full_upload()
        .request(&server(Some(ServerVersion::new(3, 0, 0))))
        .unwrap();
    let body = request.body();
    let mut walked = Vec::new();
    for segment in body.segments() {
        match segment {
            Segment::Bytes(bytes) => walked.extend_from_slice(bytes),
            Segment::File(part) => match part.role {
                FileRole::Asset => walked.extend_from_slice(ASSET),
                FileRole::Sidecar => walked.extend_from_slice(SIDECAR),
            },
        }
    }
    assert_eq!(walked, body.assemble(ASSET, Some(SIDECAR)).unwrap());
    assert_eq!(
        request.headers()["content-length"],
        walked.len().to_string().as_str()
    );
    assert_eq!(
        body.assemble(b"hell", Some(SIDECAR)),
        Err(Error::FileSizeChanged {
            expected: 5,
            actual: 4
        })
    );
}

#[test]
fn file_names_with_quotes_and_line_breaks_are_escaped() {
    let t = DateTime::from_unix(1_700_000_000, 0);
    let request = UploadAsset::new("a\"b\r\nX-Evil: 1\r\n.jpg", 5, t, t)
        .sidecar(7)
        .boundary(Boundary::from_seed(1))
        .request(&server(Some(ServerVersion::new(3, 0, 0))))
        .unwrap();
    let body = String::from_utf8(request.body().assemble(ASSET, Some(SIDECAR)).unwrap()).unwrap();
    assert!(body.contains(
        "name=\"assetData\"; filename=\"a%22b%0D%0AX-Evil: 1%0D%0A.jpg\"\r\nContent-Type: application/octet-stream\r\n\r\nhello\r\n"
    ));
    assert!(
        body.contains("name=\"sidecarData\"; filename=\"a%22b%0D%0AX-Evil: 1%0D%0A.jpg.xmp\"\r\n")
    );
    // The text field carries the name as it is (a part's content may hold any bytes).
    assert!(body.contains("name=\"filename\"\r\n\r\na\"b\r\nX-Evil: 1\r\n.jpg\r\n"));
    assert!(!body.contains("\r\nX-Evil: 1\r\n.jpg\"\r\n"));
}

#[test]
fn version_is_required() {
    let t = DateTime::from_unix(0, 0);
    let err = UploadAsset::new("a.jpg", 1, t, t)
        .request(&server(None))
        .unwrap_err();
    assert_eq!(
        err,
        Error::VersionRequired {
            operation: "uploadAsset"
        }
    );
}

#[test]
fn inputs_are_checked() {
    let t = DateTime::from_unix(0, 0);
    let v3 = server(Some(ServerVersion::new(3, 0, 0)));
    let base = UploadAsset::new("a.jpg", 5, t, t);

    // A base64 checksum is sent as hex; junk is refused.
    let b64 = Sha1Checksum::digest(ASSET).to_base64();
    let request = base.clone().checksum(b64).request(&v3).unwrap();
    assert_eq!(
        request.headers()["x-immich-checksum"],
        "aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d"
    );
    assert!(matches!(
        base.clone().checksum("not-a-sha1").request(&v3),
        Err(Error::InvalidInput {
            what: "checksum",
            ..
        })
    ));

    assert!(matches!(
        UploadAsset::new("", 5, t, t).request(&v3),
        Err(Error::InvalidInput {
            what: "filename",
            ..
        })
    ));

    // v3 requires v4 UUIDs.
    let v1_uuid = AssetId::parse("0d1c2b3a-4f5e-1a6b-8c7d-0123456789ab").unwrap();
    assert!(matches!(
        base.clone().live_photo_video_id(v1_uuid).request(&v3),
        Err(Error::InvalidId { .. })
    ));

    // Without a boundary the body is still consistent.
    let request = base.clone().request(&v3).unwrap();
    let assembled = request.body().assemble(ASSET, None).unwrap();
    assert_eq!(assembled.len() as u64, request.body().content_length());
}

#[test]
fn visibility_by_server_version() {
    let t = DateTime::from_unix(0, 0);
    let body_for = |visibility: AssetVisibility, version: ServerVersion| {
        UploadAsset::new("a.jpg", 5, t, t)
            .visibility(visibility)
            .boundary(Boundary::from_seed(1))
            .request(&server(Some(version)))
            .map(|r| String::from_utf8(r.body().assemble(ASSET, None).unwrap()).unwrap())
    };
    let hidden_old = body_for(AssetVisibility::Hidden, ServerVersion::new(1, 132, 3)).unwrap();
    assert!(hidden_old.contains("name=\"isVisible\"\r\n\r\nfalse\r\n"));
    assert!(!hidden_old.contains("visibility"));
    let timeline_old = body_for(AssetVisibility::Timeline, ServerVersion::new(1, 118, 0)).unwrap();
    assert!(!timeline_old.contains("isArchived") && !timeline_old.contains("visibility"));
    // The locked folder is v1.133's: refused before sending, naming the release it needs.
    assert!(matches!(
        body_for(AssetVisibility::Locked, ServerVersion::new(1, 118, 0)),
        Err(Error::UnsupportedParameter(refused))
            if refused.parameter == "field:visibility"
                && refused.release == ServerVersion::new(1, 133, 0)
    ));
    let locked_new = body_for(AssetVisibility::Locked, ServerVersion::new(1, 133, 0)).unwrap();
    assert!(locked_new.contains("name=\"visibility\"\r\n\r\nlocked\r\n"));
    assert!(
        locked_new.contains("name=\"deviceId\""),
        "1.133 is before v3"
    );
}

fn answer(status: u16, body: &str) -> Response<Bytes> {
    Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(Bytes::from(body.to_owned()))
        .unwrap()
}

fn parse(status: u16, body: &str) -> Result<UploadResult, Error> {
    let t = DateTime::from_unix(0, 0);
    UploadAsset::new("a.jpg", 5, t, t).parse_response(answer(status, body))
}

#[test]
fn parses_created_duplicate_replaced_and_unknown() {
    let id = "7f3c0a52-1b2d-4c3e-9f00-0123456789ab";
    let created = parse(201, &format!(r#"{{"id":"{id}","status":"created"}}"#)).unwrap();
    assert_eq!(created.id.as_str(), id);
    assert_eq!(created.status, AssetMediaStatus::Created);
    assert!(!created.is_duplicate());

    let duplicate = parse(
        200,
        &format!(r#"{{"id":"{id}","status":"duplicate","extra":1}}"#),
    )
    .unwrap();
    assert!(duplicate.is_duplicate());

    let replaced = parse(200, &format!(r#"{{"id":"{id}","status":"replaced"}}"#)).unwrap();
    assert_eq!(replaced.status, AssetMediaStatus::Replaced);

    let unknown = parse(201, &format!(r#"{{"id":"{id}","status":"queued"}}"#)).unwrap();
    assert_eq!(unknown.status, AssetMediaStatus::Unknown("queued".into()));
    assert!(!unknown.is_duplicate());

    // Without the status field, the HTTP status tells.
    assert!(parse(200, &format!(r#"{{"id":"{id}"}}"#))
        .unwrap()
        .is_duplicate());
    assert_eq!(
        parse(201, &format!(r#"{{"id":"{id}"}}"#)).unwrap().status,
        AssetMediaStatus::Created
    );
}

#[test]
fn error_answers_go_through_the_common_status_check() {
    let err = parse(
        400,
        r#"{"message":"Validation failed","errors":[{"message":"Invalid date","path":["body","fileCreatedAt"]}]}"#,
    )
    .unwrap_err();
    let api = err.api().unwrap();
    assert_eq!(api.status, StatusCode::BAD_REQUEST);
    assert_eq!(api.details[0].path, ["body", "fileCreatedAt"]);

    let err = parse(
        403,
        r#"{"message":"Missing required permission: asset.upload","error":"Forbidden","statusCode":403}"#,
    )
    .unwrap_err();
    assert_eq!(
        err.api().unwrap().missing_permission(),
        UploadAsset::PERMISSION
    );

    let err = parse(413, "<html><h1>413 Request Entity Too Large</h1></html>").unwrap_err();
    assert_eq!(err.status(), Some(StatusCode::PAYLOAD_TOO_LARGE));
    assert!(err
        .api()
        .unwrap()
        .excerpt
        .as_deref()
        .unwrap()
        .contains("413"));

    assert_eq!(
        parse(304, "").unwrap_err(),
        Error::UnexpectedNotModified {
            operation: UploadAsset::OPERATION_ID
        }
    );

    match parse(201, r#"{"id":5,"status":"created"}"#).unwrap_err() {
        Error::Decode(decode) => {
            assert_eq!(decode.operation, "uploadAsset");
            assert_eq!(decode.path, "id");
        }
        other => panic!("{other:?}"),
    }
}
