//! Assets area: the asset model on old and v3 servers, thumbnails and video playback.

#[path = "support/golden.rs"]
mod support;

use std::time::Duration;

use bytes::Bytes;
use http::Request;
use immich_proto::assets::{
    Asset, AssetMediaSize, AssetType, AssetVisibility, PlayAssetVideo, ViewAsset,
};
use immich_proto::{
    decode_json, media_head, AssetId, ByteRange, DateTime, Error, MediaEndpoint, MediaOutcome,
    UserId,
};
use support::{fixture, server, v1, v3, KEY};

const ASSET: &str = "a1000000-0000-4000-8000-000000000001";
const BASE: &str = "http://immich.test:2283/api/assets";
/// A valid UUID that is not version 4: fine for old servers, refused for v3.
const V7: &str = "01890a5d-ac96-774b-bcce-b302099a8057";

/// Asserts a media request: `GET uri`, any content type accepted, the API key, the extra
/// headers given, and no body.
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
fn golden_thumbnail_requests() {
    let id = AssetId::parse(ASSET).unwrap();
    let thumbnail = format!("{BASE}/{ASSET}/thumbnail");
    for server in [server(None), v1(), v3()] {
        let plain = ViewAsset::new(id.clone()).request(&server).unwrap();
        assert_media_request(&plain, &thumbnail, &[]);
        for (size, wire) in [
            (AssetMediaSize::Thumbnail, "thumbnail"),
            (AssetMediaSize::Preview, "preview"),
            (AssetMediaSize::Fullsize, "fullsize"),
            (AssetMediaSize::Original, "original"),
        ] {
            let request = ViewAsset::new(id.clone())
                .size(size)
                .request(&server)
                .unwrap();
            assert_media_request(&request, &format!("{thumbnail}?size={wire}"), &[]);
        }
        let edited = ViewAsset::new(id.clone())
            .size(AssetMediaSize::Preview)
            .edited(true)
            .request(&server)
            .unwrap();
        assert_media_request(
            &edited,
            &format!("{thumbnail}?size=preview&edited=true"),
            &[],
        );
        let unedited = ViewAsset::new(id.clone())
            .edited(false)
            .request(&server)
            .unwrap();
        assert_media_request(&unedited, &format!("{thumbnail}?edited=false"), &[]);
    }
    assert_eq!(
        (ViewAsset::OPERATION_ID, ViewAsset::PERMISSION),
        ("viewAsset", Some("asset.view"))
    );
}

#[test]
fn golden_video_requests() {
    let id = AssetId::parse(ASSET).unwrap();
    let playback = format!("{BASE}/{ASSET}/video/playback");
    for server in [server(None), v1(), v3()] {
        let whole = PlayAssetVideo::new(id.clone()).request(&server).unwrap();
        assert_media_request(&whole, &playback, &[]);
        let resume = PlayAssetVideo::new(id.clone())
            .range(ByteRange::from(1_048_576))
            .request(&server)
            .unwrap();
        assert_media_request(&resume, &playback, &[("range", "bytes=1048576-")]);
        let part = PlayAssetVideo::new(id.clone())
            .range(ByteRange::inclusive(0, 99).unwrap())
            .request(&server)
            .unwrap();
        assert_media_request(&part, &playback, &[("range", "bytes=0-99")]);
    }
    assert_eq!(
        (PlayAssetVideo::OPERATION_ID, PlayAssetVideo::PERMISSION),
        ("playAssetVideo", Some("asset.view"))
    );
}

#[test]
fn a_partial_video_answer_is_read_from_its_head() {
    let (head, ()) = http::Response::builder()
        .status(206)
        .header("content-type", "video/mp4")
        .header("content-length", "100")
        .header("content-range", "bytes 0-99/5000")
        .body(())
        .unwrap()
        .into_parts();
    match media_head(PlayAssetVideo::OPERATION_ID, &head).unwrap() {
        MediaOutcome::Stream(media) => {
            assert_eq!(media.content_type.as_deref(), Some("video/mp4"));
            assert_eq!(media.content_range.and_then(|r| r.total), Some(5000));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn bad_ids_fail_before_a_request_exists() {
    for bad in ["", "../admin", "a1000000-0000-4000-8000-00000000000%"] {
        let id = AssetId::new_unchecked(bad);
        assert!(matches!(
            ViewAsset::new(id.clone()).request(&v1()),
            Err(Error::InvalidId { kind: "asset", .. })
        ));
        assert!(matches!(
            PlayAssetVideo::new(id).request(&v1()),
            Err(Error::InvalidId { kind: "asset", .. })
        ));
    }
    let id = AssetId::parse(V7).unwrap();
    assert!(ViewAsset::new(id.clone()).request(&v1()).is_ok());
    assert!(ViewAsset::new(id.clone()).request(&v3()).is_err());
    assert!(PlayAssetVideo::new(id).request(&v3()).is_err());
}

fn asset(body: &str) -> Result<Asset, Error> {
    decode_json("getAssetInfo", body.as_bytes())
}

#[test]
fn an_asset_from_an_old_server() {
    let asset: Asset =
        decode_json("getAssetInfo", &fixture("assets/getAssetInfo.v1_118.json")).unwrap();
    assert_eq!(asset.id, AssetId::parse(ASSET).unwrap());
    assert_eq!(asset.asset_type, AssetType::Image);
    assert_eq!(
        asset.owner_id,
        UserId::parse("5c8d0000-0000-4000-8000-000000000001").unwrap()
    );
    assert_eq!(asset.duration, Some(Duration::ZERO));
    assert_eq!(asset.checksum, "kdX0S7XxM4oQ2nAGJ8n1Hb3G0pI=");
    assert_eq!(
        asset.thumbhash.as_deref(),
        Some("1QcSHQRnh493V4dIh4eXh1h4kJUI")
    );
    assert_eq!(
        asset.local_date_time,
        DateTime::parse("2024-06-01T12:15:30Z").unwrap()
    );
    // Fields a v1.118 server did not have.
    assert_eq!(
        (
            asset.created_at,
            asset.visibility.clone(),
            asset.width,
            asset.is_edited
        ),
        (None, None, None, None)
    );
    let exif = asset.exif_info.as_ref().unwrap();
    assert_eq!(exif.make.as_deref(), Some("Apple"));
    assert_eq!(exif.exif_image_width, Some(4032));
    assert_eq!(exif.file_size_in_byte, Some(3_145_728));
    assert_eq!(exif.f_number, Some(1.5));
    assert_eq!(exif.orientation.as_deref(), Some("6"));
    assert_eq!(exif.projection_type, None);
    let people = asset.people.as_ref().unwrap();
    assert_eq!(people[0].name, "Ann");
    assert_eq!(
        asset.owner.as_ref().map(|o| o.email.as_str()),
        Some("admin@example.com")
    );
    assert_eq!(asset.tags.as_deref(), Some(&[][..]));
}

#[test]
fn an_asset_from_v3() {
    let asset: Asset =
        decode_json("getAssetInfo", &fixture("assets/getAssetInfo.v3.json")).unwrap();
    assert_eq!(asset.visibility, Some(AssetVisibility::Timeline));
    assert_eq!(asset.is_edited, Some(false));
    assert_eq!((asset.width, asset.height), (Some(4032), Some(3024)));
    assert_eq!(asset.duration, None);
    assert!(asset.created_at.is_some());
    let exif = asset.exif_info.unwrap();
    assert_eq!(
        exif.f_number,
        Some(4.0),
        "an integer where a float is expected"
    );
    assert_eq!(exif.focal_length, Some(105.0));
    assert_eq!(exif.rating, Some(4));
    // Written with `+01:00`: the same instant as 09:00:05Z, and the offset is kept.
    let taken = exif.date_time_original.unwrap();
    assert_eq!(
        taken.to_utc(),
        DateTime::parse("2025-03-01T09:00:05Z").unwrap()
    );
    assert_eq!(taken.offset_minutes(), 60);
}

/// The smallest v3 asset, with `duration` set to `duration` (a JSON value).
fn with_duration(duration: Option<&str>) -> String {
    let duration = duration
        .map(|d| format!(r#","duration":{d}"#))
        .unwrap_or_default();
    format!(
        r#"{{"id":"{ASSET}","type":"VIDEO","ownerId":"5c8d0000-0000-4000-8000-000000000001",
        "originalFileName":"a.mp4","checksum":"x","fileCreatedAt":"2025-01-01T00:00:00Z",
        "fileModifiedAt":"2025-01-01T00:00:00Z","localDateTime":"2025-01-01T00:00:00Z",
        "updatedAt":"2025-01-01T00:00:00Z","isFavorite":false{duration}}}"#
    )
}

#[test]
fn duration_in_both_forms_and_null() {
    let cases = [
        (Some("\"0:00:00.00000\""), Some(Duration::ZERO)),
        (
            Some("\"0:00:05.568000\""),
            Some(Duration::from_millis(5568)),
        ),
        (Some("\"1:02:03\""), Some(Duration::from_secs(3723))),
        (Some("5568"), Some(Duration::from_millis(5568))),
        (Some("0"), Some(Duration::ZERO)),
        (
            Some("2147483647"),
            Some(Duration::from_millis(2_147_483_647)),
        ),
        (Some("null"), None),
        (None, None),
    ];
    for (json, want) in cases {
        assert_eq!(
            asset(&with_duration(json)).unwrap().duration,
            want,
            "{json:?}"
        );
    }
    for bad in [
        "\"5 seconds\"",
        "\"0:00\"",
        "\"0:75:00.0\"",
        "-1",
        "true",
        "[1]",
    ] {
        match asset(&with_duration(Some(bad))).unwrap_err() {
            Error::Decode(e) => {
                assert_eq!(e.operation, "getAssetInfo");
                assert_eq!(e.path, "duration", "{bad}");
            }
            other => panic!("{bad}: {other:?}"),
        }
    }
}

#[test]
fn exif_numbers_may_be_integers_or_floats() {
    let body = with_duration(Some("null")).replace(
        r#""isFavorite":false"#,
        r#""isFavorite":false,"exifInfo":{"exifImageWidth":4032.0,"exifImageHeight":3024,
            "fileSizeInByte":"25123456","fNumber":2,"focalLength":5.7,"iso":100.0,
            "orientation":6,"latitude":-33,"rating":null,"someFutureTag":"x"}"#,
    );
    let exif = asset(&body).unwrap().exif_info.unwrap();
    assert_eq!(exif.exif_image_width, Some(4032));
    assert_eq!(exif.exif_image_height, Some(3024));
    assert_eq!(exif.file_size_in_byte, Some(25_123_456));
    assert_eq!(exif.f_number, Some(2.0));
    assert_eq!(exif.iso, Some(100));
    assert_eq!(exif.orientation.as_deref(), Some("6"));
    assert_eq!(exif.latitude, Some(-33.0));
    assert_eq!(exif.rating, None);

    let fractional = body.replace("4032.0", "4032.5");
    match asset(&fractional).unwrap_err() {
        Error::Decode(e) => assert_eq!(e.path, "exifInfo.exifImageWidth"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn unknown_enum_values_are_kept() {
    let body = with_duration(None).replace(
        r#""type":"VIDEO""#,
        r#""type":"HOLOGRAM","visibility":"vault""#,
    );
    let asset = asset(&body).unwrap();
    assert_eq!(asset.asset_type, AssetType::Unknown("HOLOGRAM".into()));
    assert_eq!(asset.asset_type.as_str(), "HOLOGRAM");
    assert_eq!(
        asset.visibility,
        Some(AssetVisibility::Unknown("vault".into()))
    );
    assert_eq!(
        AssetMediaSize::from("huge"),
        AssetMediaSize::Unknown("huge".into())
    );
}

#[test]
fn thumbhash_may_be_null() {
    let body =
        with_duration(None).replace(r#""checksum":"x""#, r#""checksum":"x","thumbhash":null"#);
    assert_eq!(asset(&body).unwrap().thumbhash, None);
}
