//! Asset management for uploaders and backup tools: bulk upload check (with batching), asset
//! info, updates, deletion, trash, statistics, and the original download with resume and
//! checksum verification.

#[path = "support/golden.rs"]
mod support;

use bytes::Bytes;
use http::{Request, Response};
use immich_proto::assets::{
    resumable_partial_path, resume_action, resume_range, verify_checksum, AssetChanges,
    AssetStatistics, AssetVisibility, BulkUploadCheckItem, CheckBulkUpload, CheckBulkUploadBatches,
    DeleteAssets, DownloadAsset, GetAssetInfo, GetAssetStatistics, RejectReason, ResumableDownload,
    ResumeAction, ResumeFailure, UpdateAsset, UpdateAssets, UploadAction, MAX_BULK_CHECK_BATCH,
};
use immich_proto::checksum::{Sha1Checksum, Sha1Digest};
use immich_proto::trash::EmptyTrash;
use immich_proto::{
    media_head, parse_response, AssetId, ByteRange, DateTime, Endpoint, Error, MediaEndpoint,
    MediaHead, MediaOutcome,
};
use support::{assert_request, get, json, ok, ok_fixture, server, v1, v3, Expect, KEY};

const BASE: &str = "http://immich.test:2283/api";
/// A valid UUID that is not version 4: fine for old servers, refused for v3.
const V7: &str = "01890a5d-ac96-774b-bcce-b302099a8057";

fn asset(n: u64) -> AssetId {
    AssetId::parse(format!("a55e7000-0000-4000-8000-{n:012}")).unwrap()
}

fn at(version: (u64, u64, u64)) -> immich_proto::Server {
    server(Some(version))
}

fn no_content() -> Response<Bytes> {
    Response::builder().status(204).body(Bytes::new()).unwrap()
}

fn invalid_input(result: Result<Request<Bytes>, Error>) -> (&'static str, String) {
    match result {
        Err(Error::InvalidInput { what, reason }) => (what, reason),
        other => panic!("expected InvalidInput, got {other:?}"),
    }
}

// ---- checkBulkUpload -------------------------------------------------------------------

const ABC_HEX: &str = "a9993e364706816aba3e25717850c26c9cd0d89d";
const ABC_B64: &str = "qZk+NkcGgWq6PiVxeFDCbJzQ2J0=";
const EMPTY_HEX: &str = "da39a3ee5e6b4b0d3255bfef95601890afd80709";

#[test]
fn check_bulk_upload_golden() {
    let items = vec![
        BulkUploadCheckItem::new("IMG_1.jpg", Sha1Checksum::digest(b"abc")),
        // Base64 and uppercase hex are accepted and sent as lowercase hex.
        BulkUploadCheckItem::parse("dir/IMG \"2\".jpg", &EMPTY_HEX.to_uppercase()).unwrap(),
        BulkUploadCheckItem::parse("3", ABC_B64).unwrap(),
    ];
    let body = format!(
        r#"{{"assets":[{{"id":"IMG_1.jpg","checksum":"{ABC_HEX}"}},{{"id":"dir/IMG \"2\".jpg","checksum":"{EMPTY_HEX}"}},{{"id":"3","checksum":"{ABC_HEX}"}}]}}"#
    );
    for server in [server(None), v1(), v3()] {
        assert_request(
            &CheckBulkUpload::new(items.clone())
                .request(&server)
                .unwrap(),
            &json("POST", &format!("{BASE}/assets/bulk-upload-check"), &body),
        );
    }
    assert_eq!(CheckBulkUpload::OPERATION_ID, "checkBulkUpload");
    assert_eq!(CheckBulkUpload::PERMISSION, Some("asset.upload"));
}

#[test]
fn check_bulk_upload_refuses_what_the_answer_could_not_match() {
    let digest = Sha1Checksum::digest(b"x");
    let (_, reason) = invalid_input(CheckBulkUpload::new(vec![]).request(&v3()));
    assert!(reason.contains("no files"), "{reason}");
    let twice = vec![
        BulkUploadCheckItem::new("a.jpg", digest),
        BulkUploadCheckItem::new("b.jpg", digest),
        BulkUploadCheckItem::new("a.jpg", Sha1Checksum::digest(b"y")),
    ];
    let (_, reason) = invalid_input(CheckBulkUpload::new(twice).request(&v3()));
    assert!(reason.contains("\"a.jpg\" appears twice"), "{reason}");
    let (_, reason) = invalid_input(
        CheckBulkUpload::new(vec![BulkUploadCheckItem::new("", digest)]).request(&v3()),
    );
    assert!(reason.contains("empty"), "{reason}");
    let too_many = (0..=MAX_BULK_CHECK_BATCH)
        .map(|i| BulkUploadCheckItem::new(i.to_string(), digest))
        .collect();
    let (_, reason) = invalid_input(CheckBulkUpload::new(too_many).request(&v3()));
    assert!(reason.contains("batches"), "{reason}");
    for bad in [
        "",
        "abc",
        "zz993e364706816aba3e25717850c26c9cd0d89d",
        "qZk+Nkc",
    ] {
        assert!(
            matches!(
                BulkUploadCheckItem::parse("f", bad),
                Err(Error::InvalidInput {
                    what: "checksum",
                    ..
                })
            ),
            "{bad:?}"
        );
    }
}

#[test]
fn bulk_checks_split_into_bounded_batches_in_order() {
    let items: Vec<_> = (0..7)
        .map(|i| BulkUploadCheckItem::new(format!("f{i}"), Sha1Checksum::digest(&[i])))
        .collect();
    let batches = CheckBulkUpload::batches(items.clone(), 3).unwrap();
    let ids: Vec<Vec<&str>> = batches
        .iter()
        .map(|b| b.items().iter().map(|i| i.id.as_str()).collect())
        .collect();
    assert_eq!(
        ids,
        vec![vec!["f0", "f1", "f2"], vec!["f3", "f4", "f5"], vec!["f6"]]
    );
    // Each batch is a valid request of its own.
    for batch in &batches {
        let request = batch.request(&v3()).unwrap();
        let body: serde_json::Value = serde_json::from_slice(request.body()).unwrap();
        assert_eq!(
            body["assets"].as_array().unwrap().len(),
            batch.items().len()
        );
    }
    assert_eq!(CheckBulkUpload::batches(items.clone(), 7).unwrap().len(), 1);
    assert_eq!(
        CheckBulkUpload::batches(items.clone(), 100).unwrap().len(),
        1
    );
    assert!(CheckBulkUpload::batches(vec![], 10).unwrap().is_empty());
    assert!(CheckBulkUpload::batches(items.clone(), 0).is_err());
    assert!(CheckBulkUpload::batches(items.clone(), MAX_BULK_CHECK_BATCH + 1).is_err());
    let many: Vec<_> = (0..MAX_BULK_CHECK_BATCH + 1)
        .map(|i| BulkUploadCheckItem::new(i.to_string(), Sha1Checksum::digest(b"")))
        .collect();
    let batches = CheckBulkUpload::batches(many, MAX_BULK_CHECK_BATCH).unwrap();
    assert_eq!(
        batches.iter().map(|b| b.items().len()).collect::<Vec<_>>(),
        vec![MAX_BULK_CHECK_BATCH, 1]
    );
    assert!(batches[0].request(&v3()).is_ok());
}

#[test]
fn bulk_check_answers_from_old_and_v3_servers() {
    let check = CheckBulkUpload::new(vec![]);
    let old = parse_response(&check, ok_fixture("assets/checkBulkUpload.v1_118.json")).unwrap();
    assert_eq!(old.len(), 3);
    assert!(old[0].is_accepted());
    assert_eq!(old[0].duplicate_of(), None);
    assert_eq!(old[1].action, UploadAction::Reject);
    assert_eq!(old[1].reason, Some(RejectReason::Duplicate));
    assert_eq!(
        old[1].duplicate_of().map(AssetId::as_str),
        Some("a1000000-0000-4000-8000-000000000001")
    );
    assert_eq!(old[1].is_trashed, None);
    assert_eq!(old[2].reason, Some(RejectReason::UnsupportedFormat));
    assert_eq!(old[2].duplicate_of(), None);

    let new = parse_response(&check, ok_fixture("assets/checkBulkUpload.v3.json")).unwrap();
    assert_eq!(new[1].is_trashed, Some(true));
    assert!(new[1].duplicate_of().is_some());
    assert_eq!(
        new[2].reason,
        Some(RejectReason::Unknown("quota-exceeded".into()))
    );
    assert_eq!(new[3].action, UploadAction::Unknown("defer".into()));
    assert!(!new[3].is_accepted());
}

// ---- getAssetInfo, updateAsset, updateAssets ---------------------------------------------

#[test]
fn get_asset_info_golden_and_answer() {
    for server in [server(None), v1(), v3()] {
        assert_request(
            &GetAssetInfo::new(asset(1)).request(&server).unwrap(),
            &get(&format!("{BASE}/assets/{}", asset(1))),
        );
    }
    let info = parse_response(
        &GetAssetInfo::new(asset(1)),
        ok_fixture("assets/getAssetInfo.v3.json"),
    )
    .unwrap();
    assert_eq!(info.original_file_name, "IMG_0005.HEIC");
    assert!(matches!(
        GetAssetInfo::new(AssetId::new_unchecked("../x")).request(&v1()),
        Err(Error::InvalidId { kind: "asset", .. })
    ));
    assert!(GetAssetInfo::new(AssetId::parse(V7).unwrap())
        .request(&v3())
        .is_err());
    assert_eq!(
        (GetAssetInfo::OPERATION_ID, GetAssetInfo::PERMISSION),
        ("getAssetInfo", Some("asset.read"))
    );
}

fn taken(text: &str) -> DateTime {
    DateTime::parse(text).unwrap()
}

#[test]
fn update_asset_golden_sends_only_what_is_set() {
    let uri = format!("{BASE}/assets/{}", asset(1));
    let every = AssetChanges::new()
        .favorite(true)
        .description("Fernsehturm \"at night\"")
        .rating(3)
        .visibility(AssetVisibility::Locked)
        .date_time_original(taken("2025-03-01T21:30:00.5+02:00"))
        .location(52.5208, -13.4094);
    assert_request(
        &UpdateAsset::new(asset(1), every).request(&v3()).unwrap(),
        &json(
            "PUT",
            &uri,
            r#"{"isFavorite":true,"visibility":"locked","description":"Fernsehturm \"at night\"","rating":3,"dateTimeOriginal":"2025-03-01T21:30:00.500+02:00","latitude":52.5208,"longitude":-13.4094}"#,
        ),
    );
    // Fields that read the same on every version need no version.
    for server in [server(None), v1(), v3()] {
        assert_request(
            &UpdateAsset::new(asset(1), AssetChanges::new().favorite(false).rating(5))
                .request(&server)
                .unwrap(),
            &json("PUT", &uri, r#"{"isFavorite":false,"rating":5}"#),
        );
    }
    // The offset is kept (west of UTC, half hours) and UTC stays `Z`.
    for (input, sent) in [
        ("2024-01-02T03:04:05-09:30", "2024-01-02T03:04:05.000-09:30"),
        ("2024-01-02T03:04:05Z", "2024-01-02T03:04:05.000Z"),
        ("2024-01-01T00:30:00+01:00", "2024-01-01T00:30:00.000+01:00"),
    ] {
        let request = UpdateAsset::new(
            asset(1),
            AssetChanges::new().date_time_original(taken(input)),
        )
        .request(&server(None))
        .unwrap();
        assert_request(
            &request,
            &json("PUT", &uri, &format!(r#"{{"dateTimeOriginal":"{sent}"}}"#)),
        );
    }
    assert_eq!(
        (UpdateAsset::OPERATION_ID, UpdateAsset::PERMISSION),
        ("updateAsset", Some("asset.update"))
    );
}

#[test]
fn update_asset_follows_the_server_version() {
    let uri = format!("{BASE}/assets/{}", asset(1));
    let request =
        |changes: AssetChanges, server| UpdateAsset::new(asset(1), changes).request(&server);
    // Visibility: `isArchived` before v1.133.
    assert_request(
        &request(
            AssetChanges::new().visibility(AssetVisibility::Archive),
            v1(),
        )
        .unwrap(),
        &json("PUT", &uri, r#"{"isArchived":true}"#),
    );
    assert_request(
        &request(
            AssetChanges::new().visibility(AssetVisibility::Timeline),
            v1(),
        )
        .unwrap(),
        &json("PUT", &uri, r#"{"isArchived":false}"#),
    );
    assert_request(
        &request(
            AssetChanges::new().visibility(AssetVisibility::Archive),
            at((1, 133, 0)),
        )
        .unwrap(),
        &json("PUT", &uri, r#"{"visibility":"archive"}"#),
    );
    let (what, reason) = invalid_input(request(
        AssetChanges::new().visibility(AssetVisibility::Locked),
        v1(),
    ));
    assert_eq!(what, "visibility");
    assert!(reason.contains("v1.133"), "{reason}");
    // Clearing the rating: `null` from v2.6, 0 before.
    for (version, body) in [
        ((3, 0, 0), r#"{"rating":null}"#),
        ((2, 6, 0), r#"{"rating":null}"#),
        ((2, 5, 6), r#"{"rating":0}"#),
        ((1, 118, 2), r#"{"rating":0}"#),
    ] {
        assert_request(
            &request(AssetChanges::new().clear_rating(), at(version)).unwrap(),
            &json("PUT", &uri, body),
        );
    }
    for changes in [
        AssetChanges::new().clear_rating(),
        AssetChanges::new().visibility(AssetVisibility::Hidden),
    ] {
        assert!(matches!(
            request(changes, server(None)),
            Err(Error::VersionRequired {
                operation: "updateAsset"
            })
        ));
    }
}

#[test]
fn update_asset_refuses_values_the_server_would() {
    let request = |changes: AssetChanges| UpdateAsset::new(asset(1), changes).request(&v3());
    assert_eq!(
        invalid_input(request(AssetChanges::new().rating(0))).0,
        "rating"
    );
    assert_eq!(
        invalid_input(request(AssetChanges::new().rating(6))).0,
        "rating"
    );
    for (lat, lon) in [
        (90.5, 0.0),
        (0.0, -180.1),
        (f64::NAN, 0.0),
        (0.0, f64::INFINITY),
    ] {
        assert_eq!(
            invalid_input(request(AssetChanges::new().location(lat, lon))).0,
            "location"
        );
    }
    assert!(request(AssetChanges::new().location(-90.0, 180.0)).is_ok());
    let (what, _) = invalid_input(request(AssetChanges::new()));
    assert_eq!(what, "asset changes");
    assert!(AssetChanges::new().is_empty());
    assert!(!AssetChanges::new().description("").is_empty());
}

#[test]
fn update_asset_answer_is_the_asset() {
    let updated = parse_response(
        &UpdateAsset::new(asset(1), AssetChanges::new().favorite(true)),
        ok_fixture("assets/updateAsset.v3.json"),
    )
    .unwrap();
    assert!(updated.is_favorite);
    assert_eq!(updated.visibility, Some(AssetVisibility::Archive));
    let exif = updated.exif_info.unwrap();
    assert_eq!(exif.rating, Some(5));
    assert_eq!(exif.description.as_deref(), Some("Fernsehturm at night"));
    assert_eq!(exif.date_time_original.unwrap().offset_minutes(), 60);
}

#[test]
fn update_assets_golden() {
    let body = format!(
        r#"{{"ids":["{}","{}"],"isArchived":true,"rating":2}}"#,
        asset(1),
        asset(2)
    );
    let update = UpdateAssets::new(
        vec![asset(1), asset(2)],
        AssetChanges::new()
            .visibility(AssetVisibility::Archive)
            .rating(2),
    );
    assert_request(
        &update.request(&v1()).unwrap(),
        &json("PUT", &format!("{BASE}/assets"), &body),
    );
    let body = format!(
        r#"{{"ids":["{}"],"visibility":"hidden","latitude":1.5,"longitude":2.0}}"#,
        asset(1)
    );
    let update = UpdateAssets::new(
        vec![asset(1)],
        AssetChanges::new()
            .visibility(AssetVisibility::Hidden)
            .location(1.5, 2.0),
    );
    assert_request(
        &update.request(&v3()).unwrap(),
        &json("PUT", &format!("{BASE}/assets"), &body),
    );
    assert_eq!(parse_response(&update, no_content()), Ok(()));
    assert_eq!(
        invalid_input(UpdateAssets::new(vec![], AssetChanges::new().favorite(true)).request(&v3()))
            .0,
        "asset ids"
    );
    assert_eq!(
        invalid_input(UpdateAssets::new(vec![asset(1)], AssetChanges::new()).request(&v3())).0,
        "asset changes"
    );
    assert!(matches!(
        UpdateAssets::new(
            vec![asset(1), AssetId::parse(V7).unwrap()],
            AssetChanges::new().favorite(true)
        )
        .request(&v3()),
        Err(Error::InvalidId { kind: "asset", .. })
    ));
    assert_eq!(
        (UpdateAssets::OPERATION_ID, UpdateAssets::PERMISSION),
        ("updateAssets", Some("asset.update"))
    );
}

// ---- deleteAssets, emptyTrash ------------------------------------------------------------

#[test]
fn delete_assets_golden_trash_or_for_good() {
    let uri = format!("{BASE}/assets");
    let ids = format!(r#""ids":["{}","{}"]"#, asset(1), asset(2));
    for server in [server(None), v1(), v3()] {
        let trash = DeleteAssets::new(vec![asset(1), asset(2)]);
        assert_request(
            &trash.request(&server).unwrap(),
            &json("DELETE", &uri, &format!("{{{ids}}}")),
        );
        assert_request(
            &trash.clone().force(true).request(&server).unwrap(),
            &json("DELETE", &uri, &format!(r#"{{{ids},"force":true}}"#)),
        );
        assert_request(
            &trash.clone().force(false).request(&server).unwrap(),
            &json("DELETE", &uri, &format!(r#"{{{ids},"force":false}}"#)),
        );
        assert_eq!(parse_response(&trash, no_content()), Ok(()));
    }
    assert_eq!(
        invalid_input(DeleteAssets::new(vec![]).force(true).request(&v3())).0,
        "asset ids"
    );
    assert_eq!(
        (DeleteAssets::OPERATION_ID, DeleteAssets::PERMISSION),
        ("deleteAssets", Some("asset.delete"))
    );
}

#[test]
fn empty_trash_golden_and_both_answers() {
    let post = Expect {
        method: "POST",
        uri: &format!("{BASE}/trash/empty"),
        json: None,
    };
    for server in [server(None), v1(), v3()] {
        assert_request(&EmptyTrash::new().request(&server).unwrap(), &post);
    }
    let empty = EmptyTrash::new();
    assert_eq!(
        parse_response(&empty, ok_fixture("assets/emptyTrash.v3.json")),
        Ok(Some(42))
    );
    // Older servers answered 204 without a count.
    assert_eq!(parse_response(&empty, no_content()), Ok(None));
    // The document's `count` is a signed integer (minimum -2^53+1): it decodes.
    assert_eq!(
        parse_response(&empty, ok(r#"{"count":-9007199254740991}"#)),
        Ok(Some(-9_007_199_254_740_991))
    );
    match parse_response(&empty, ok(r#"{"count":"many"}"#)) {
        Err(Error::Decode(e)) => {
            assert_eq!((e.operation, e.path.as_str()), ("emptyTrash", "count"))
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        (EmptyTrash::OPERATION_ID, EmptyTrash::PERMISSION),
        ("emptyTrash", Some("asset.delete"))
    );
}

// ---- getAssetStatistics -------------------------------------------------------------------

#[test]
fn asset_statistics_golden() {
    let uri = format!("{BASE}/assets/statistics");
    for server in [server(None), v1(), v3()] {
        assert_request(
            &GetAssetStatistics::new().request(&server).unwrap(),
            &get(&uri),
        );
        assert_request(
            &GetAssetStatistics::new()
                .favorites(true)
                .trashed(false)
                .request(&server)
                .unwrap(),
            &get(&format!("{uri}?isFavorite=true&isTrashed=false")),
        );
    }
    let archived = GetAssetStatistics::new().visibility(AssetVisibility::Archive);
    assert_request(
        &archived.request(&v3()).unwrap(),
        &get(&format!("{uri}?visibility=archive")),
    );
    assert_request(
        &archived.request(&v1()).unwrap(),
        &get(&format!("{uri}?isArchived=true")),
    );
    assert!(matches!(
        archived.request(&server(None)),
        Err(Error::VersionRequired {
            operation: "getAssetStatistics"
        })
    ));
    let locked = GetAssetStatistics::new().visibility(AssetVisibility::Locked);
    assert_eq!(invalid_input(locked.request(&v1())).0, "visibility");
    assert_eq!(
        (
            GetAssetStatistics::OPERATION_ID,
            GetAssetStatistics::PERMISSION
        ),
        ("getAssetStatistics", Some("asset.statistics"))
    );
}

#[test]
fn asset_statistics_answers() {
    let stats = GetAssetStatistics::new();
    let old: AssetStatistics =
        parse_response(&stats, ok_fixture("assets/getAssetStatistics.v1_118.json")).unwrap();
    assert_eq!((old.images, old.videos, old.total), (1520, 87, 1607));
    let new = parse_response(&stats, ok_fixture("assets/getAssetStatistics.v3.json")).unwrap();
    assert_eq!((new.images, new.videos, new.total), (20431, 1204, 21635));
    // The document allows negative counts (minimum -2^53+1); they decode.
    let negative = parse_response(
        &stats,
        ok(r#"{"images":-1,"videos":-9007199254740991,"total":0}"#),
    )
    .unwrap();
    assert_eq!(
        (negative.images, negative.videos, negative.total),
        (-1, -9_007_199_254_740_991, 0)
    );
}

// ---- downloadAsset: request, resume, verify ----------------------------------------------

fn assert_media_request(request: &Request<Bytes>, uri: &str, extra: &[(&str, &str)]) {
    assert_eq!(request.method(), "GET");
    assert_eq!(request.uri(), uri);
    let mut headers: Vec<_> = request
        .headers()
        .iter()
        .map(|(k, v)| (k.as_str(), v.to_str().unwrap(), v.is_sensitive()))
        .collect();
    headers.sort();
    let mut want = vec![("accept", "*/*", false), ("x-api-key", KEY, true)];
    want.extend(extra.iter().map(|(k, v)| (*k, *v, false)));
    want.sort();
    assert_eq!(headers, want);
    assert!(request.body().is_empty());
}

#[test]
fn download_asset_golden() {
    let original = format!("{BASE}/assets/{}/original", asset(1));
    for server in [server(None), v1(), v3()] {
        let whole = DownloadAsset::new(asset(1));
        assert_media_request(&whole.request(&server).unwrap(), &original, &[]);
        assert_media_request(
            &whole.clone().edited(true).request(&server).unwrap(),
            &format!("{original}?edited=true"),
            &[],
        );
        assert_media_request(
            &whole.clone().resume_from(0).request(&server).unwrap(),
            &original,
            &[],
        );
        assert_media_request(
            &whole
                .clone()
                .resume_from(1_048_576)
                .request(&server)
                .unwrap(),
            &original,
            &[("range", "bytes=1048576-")],
        );
        assert_media_request(
            &whole
                .clone()
                .edited(false)
                .range(ByteRange::inclusive(0, 99).unwrap())
                .request(&server)
                .unwrap(),
            &format!("{original}?edited=false"),
            &[("range", "bytes=0-99")],
        );
    }
    assert!(DownloadAsset::new(AssetId::new_unchecked("a/../b"))
        .request(&v1())
        .is_err());
    assert_eq!(
        (DownloadAsset::OPERATION_ID, DownloadAsset::PERMISSION),
        ("downloadAsset", Some("asset.download"))
    );
}

fn media(status: u16, headers: &[(&str, &str)]) -> MediaHead {
    let mut builder = Response::builder().status(status);
    for (k, v) in headers {
        builder = builder.header(*k, *v);
    }
    let (head, ()) = builder.body(()).unwrap().into_parts();
    match media_head(DownloadAsset::OPERATION_ID, &head).unwrap() {
        MediaOutcome::Stream(media) => media,
        other => panic!("{other:?}"),
    }
}

#[test]
fn resume_range_and_action() {
    assert_eq!(resume_range(0), None);
    assert_eq!(resume_range(6), Some(ByteRange::from(6)));
    let partial = media(206, &[("content-range", "bytes 6-10/11")]);
    assert_eq!(resume_action(6, &partial), Ok(ResumeAction::Append));
    // The server ignored the range: the body is the whole file.
    let whole = media(200, &[("content-length", "11")]);
    assert_eq!(resume_action(6, &whole), Ok(ResumeAction::StartOver));
    assert_eq!(resume_action(0, &whole), Ok(ResumeAction::StartOver));
    // A partial answer from elsewhere would corrupt the file.
    let (what, reason) = match resume_action(5, &partial) {
        Err(Error::InvalidInput { what, reason }) => (what, reason),
        other => panic!("{other:?}"),
    };
    assert_eq!(what, "206 answer from the server");
    assert!(
        reason.contains("starts at byte 6") && reason.contains("byte 5"),
        "{reason}"
    );
}

#[test]
fn checksum_verification_match_and_mismatch() {
    let digest = Sha1Checksum::digest(b"abc");
    assert_eq!(verify_checksum(ABC_B64, digest), Ok(()));
    assert_eq!(verify_checksum(ABC_HEX, digest), Ok(()));
    assert_eq!(verify_checksum(&format!(" {ABC_B64}\n"), digest), Ok(()));
    let other = Sha1Checksum::digest(b"abd");
    let err = verify_checksum(ABC_B64, other).unwrap_err();
    assert_eq!(
        err,
        Error::ChecksumMismatch {
            expected: ABC_B64.to_owned(),
            actual: other.to_base64(),
        }
    );
    let text = err.to_string();
    assert!(
        text.contains(ABC_B64) && text.contains(&other.to_base64()),
        "{text}"
    );
    // The expected value given as hex is reported in the asset model's base64 spelling.
    assert!(matches!(
        verify_checksum(ABC_HEX, other),
        Err(Error::ChecksumMismatch { expected, .. }) if expected == ABC_B64
    ));
    assert!(matches!(
        verify_checksum("not a checksum", digest),
        Err(Error::InvalidInput {
            what: "expected checksum",
            ..
        })
    ));
}

/// What a transport does, without sockets: an interrupted download resumed with `Range`, a
/// server that ignores the range, and a damaged transfer.
#[test]
fn resumed_download_transcript_verifies_the_whole_file() {
    let file = b"the original file, byte for byte";
    let expected = Sha1Checksum::digest(file).to_base64();

    // First attempt broke after 12 bytes; they are on disk.
    let mut on_disk = file[..12].to_vec();
    let request = DownloadAsset::new(asset(1))
        .resume_from(on_disk.len() as u64)
        .request(&v3())
        .unwrap();
    assert_eq!(request.headers()["range"], "bytes=12-");
    let range = format!("bytes 12-{}/{}", file.len() - 1, file.len());
    let head = media(206, &[("content-range", range.as_str())]);
    match resume_action(on_disk.len() as u64, &head).unwrap() {
        ResumeAction::Append => on_disk.extend_from_slice(&file[12..]),
        ResumeAction::StartOver => panic!("should append"),
    }
    let mut hasher = Sha1Checksum::new();
    for chunk in on_disk.chunks(5) {
        hasher.update(chunk);
    }
    assert_eq!(verify_checksum(&expected, hasher.finish()), Ok(()));

    // A server that ignores the range sends the whole file again: start over.
    let mut on_disk = file[..12].to_vec();
    match resume_action(12, &media(200, &[])).unwrap() {
        ResumeAction::StartOver => {
            on_disk.clear();
            on_disk.extend_from_slice(file);
        }
        ResumeAction::Append => panic!("should start over"),
    }
    assert_eq!(
        verify_checksum(&expected, Sha1Checksum::digest(&on_disk)),
        Ok(())
    );

    // Appending a whole-file answer instead would be caught at the end.
    let mut wrong = file[..12].to_vec();
    wrong.extend_from_slice(file);
    assert!(matches!(
        verify_checksum(&expected, Sha1Checksum::digest(&wrong)),
        Err(Error::ChecksumMismatch { .. })
    ));
    assert_eq!(
        Sha1Digest::parse(&expected),
        Some(Sha1Checksum::digest(file))
    );
}

/// The batching flow: one request per batch, in order, the answers concatenated; nothing to
/// check sends nothing.
#[test]
fn bulk_check_flow_batches_and_concatenates() {
    use immich_proto::{Flow, Step};
    let items: Vec<_> = (0..5u8)
        .map(|i| BulkUploadCheckItem::new(format!("f{i}"), Sha1Checksum::digest(&[i])))
        .collect();
    let mut flow = CheckBulkUploadBatches::new(items).batch_size(2).unwrap();
    let server = v3();
    let mut last = None;
    let mut sent = Vec::new();
    let results = loop {
        match flow.step(&server, last.take()).unwrap() {
            Step::Send(request) => {
                let body: serde_json::Value = serde_json::from_slice(request.body()).unwrap();
                let ids: Vec<String> = body["assets"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|a| a["id"].as_str().unwrap().to_owned())
                    .collect();
                let answer: Vec<_> = ids
                    .iter()
                    .map(|id| serde_json::json!({"id": id, "action": "accept"}))
                    .collect();
                sent.push(ids);
                last = Some(ok(serde_json::json!({ "results": answer }).to_string()));
            }
            Step::Done(results) => break results,
        }
    };
    assert_eq!(sent, [vec!["f0", "f1"], vec!["f2", "f3"], vec!["f4"]]);
    let ids: Vec<_> = results.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids, ["f0", "f1", "f2", "f3", "f4"]);

    let mut empty = CheckBulkUploadBatches::new(Vec::new());
    assert!(matches!(empty.step(&server, None), Ok(Step::Done(r)) if r.is_empty()));
    assert!(CheckBulkUploadBatches::new(Vec::new())
        .batch_size(0)
        .is_err());
    assert!(CheckBulkUploadBatches::new(Vec::new())
        .batch_size(MAX_BULK_CHECK_BATCH + 1)
        .is_err());
    // A second response with nothing pending is a transport bug, reported as such.
    let mut done = CheckBulkUploadBatches::new(Vec::new());
    assert!(done.step(&server, Some(ok("{}"))).is_err());
}

#[test]
fn resumable_partial_file_is_stable_per_asset_and_target() {
    let target = std::path::Path::new("/photos/IMG_1.jpg");
    let first = resumable_partial_path(target, &asset(1)).unwrap();
    assert_eq!(first, resumable_partial_path(target, &asset(1)).unwrap());
    assert_ne!(first, resumable_partial_path(target, &asset(2)).unwrap());
    assert_eq!(first.parent(), target.parent());
    let name = first.file_name().unwrap().to_str().unwrap();
    assert!(
        name.starts_with(".IMG_1.jpg.") && name.ends_with(".part"),
        "{name}"
    );
    assert!(resumable_partial_path(std::path::Path::new("/"), &asset(1)).is_err());
}

/// The download state machine: resume and verify, start over, already complete, mismatch.
#[test]
fn resumable_download_decides_and_verifies() {
    let file = b"the original file, byte for byte";
    let checksum = Sha1Checksum::digest(file).to_base64();
    let total = file.len();

    // Resumed after 12 bytes, verified over the old and new bytes.
    let mut download = ResumableDownload::new(asset(1), 12)
        .verify_against(&checksum)
        .unwrap();
    assert!(download.needs_existing_bytes());
    for chunk in file[..12].chunks(5) {
        download.absorb_existing(chunk);
    }
    assert_eq!(download.endpoint().range, Some(ByteRange::from(12)));
    let range = format!("bytes 12-{}/{total}", total - 1);
    let head = media(206, &[("content-range", range.as_str())]);
    assert_eq!(download.on_head(&head), Ok(ResumeAction::Append));
    download.on_chunk(&file[12..20]);
    download.on_chunk(&file[20..]);
    let report = download.finish().unwrap();
    assert_eq!(
        (report.bytes, report.resumed_from, report.verified),
        (total as u64, 12, true)
    );

    // The server ignored the range: the old bytes and their hash are dropped.
    let mut download = ResumableDownload::new(asset(1), 12)
        .verify_against(&checksum)
        .unwrap();
    download.absorb_existing(&file[..12]);
    assert_eq!(
        download.on_head(&media(200, &[])),
        Ok(ResumeAction::StartOver)
    );
    download.on_chunk(file);
    let report = download.finish().unwrap();
    assert_eq!((report.bytes, report.resumed_from), (total as u64, 0));

    // Nothing on disk, not verifying: no Range, no hashing needed.
    let mut fresh = ResumableDownload::new(asset(1), 0);
    assert!(!fresh.needs_existing_bytes());
    assert_eq!(fresh.endpoint().range, None);
    assert_eq!(fresh.on_head(&media(200, &[])), Ok(ResumeAction::StartOver));
    fresh.on_chunk(b"abc");
    let report = fresh.finish().unwrap();
    assert_eq!((report.bytes, report.verified), (3, false));

    // 416 after a complete earlier attempt: finish with what is on disk.
    let mut complete = ResumableDownload::new(asset(1), total as u64)
        .verify_against(&checksum)
        .unwrap();
    complete.absorb_existing(file);
    let unsatisfiable = parse_response(
        &GetAssetInfo::new(asset(1)),
        Response::builder()
            .status(416)
            .body(Bytes::from_static(b""))
            .unwrap(),
    )
    .unwrap_err();
    assert_eq!(
        complete.on_error(&unsatisfiable),
        ResumeFailure::AlreadyComplete
    );
    assert_eq!(complete.finish().unwrap().resumed_from, total as u64);
    let mut nothing = ResumableDownload::new(asset(1), 0);
    assert_eq!(nothing.on_error(&unsatisfiable), ResumeFailure::Keep);

    // A damaged transfer, and bytes on disk that were never hashed, are mismatches.
    let mut damaged = ResumableDownload::new(asset(1), 0)
        .verify_against(&checksum)
        .unwrap();
    damaged.on_head(&media(200, &[])).unwrap();
    damaged.on_chunk(b"the original file, byte for bytE");
    assert!(
        matches!(damaged.finish(), Err(Error::ChecksumMismatch { expected, .. }) if expected == checksum)
    );
    let mut unhashed = ResumableDownload::new(asset(1), 12)
        .verify_against(&checksum)
        .unwrap();
    unhashed.on_head(&head).unwrap();
    unhashed.on_chunk(&file[12..]);
    assert!(matches!(
        unhashed.finish(),
        Err(Error::ChecksumMismatch { .. })
    ));
    // A checksum that is not one is refused up front.
    assert!(matches!(
        ResumableDownload::new(asset(1), 0).verify_against("nope"),
        Err(Error::InvalidInput {
            what: "asset checksum",
            ..
        })
    ));
}
