//! The sync stream: the decoder (chunks split anywhere, limits, errors), the typed events, the
//! choice of request types per release, the session rule and ack batching.

use bytes::Bytes;
use immich_proto::models::SyncRequestType;
use immich_proto::sync::{
    ack_type, request_types_named, AckBatcher, AckOutcome, GetSyncStream, ResetPlan, SyncDecoder,
    SyncEntity, SyncEvent, SyncStreamError, MAX_ACKS_PER_REQUEST,
};
use immich_proto::{Endpoint, Error, MediaEndpoint, Server, ServerVersion};

const ASSET_V1: &str = r#"{"type":"AssetV1","data":{"id":"a1","ownerId":"u1","originalFileName":"Zürich 🌄.jpg","thumbhash":null,"checksum":"c2hh","fileCreatedAt":"2024-07-01T09:30:00.000Z","fileModifiedAt":null,"localDateTime":null,"duration":"0:00:05.000000","type":"VIDEO","deletedAt":null,"isFavorite":true,"visibility":"timeline","livePhotoVideoId":null,"stackId":null,"libraryId":null,"width":1920,"height":1080,"isEdited":false,"createdAt":null},"ack":"AssetV1|0190a1"}"#;

/// An asset event as v3 sends it (`duration` in milliseconds), with `n` in its id.
fn asset_v2(n: usize) -> String {
    format!(
        r#"{{"type":"AssetV2","data":{{"id":"a{n}","ownerId":"u1","originalFileName":"IMG_{n}.jpg","thumbhash":"dGh1bWI=","checksum":"c2hhMQ==","fileCreatedAt":"2024-07-01T09:30:00.000Z","fileModifiedAt":"2024-07-01T09:30:00.000Z","localDateTime":"2024-07-01T11:30:00.000Z","duration":null,"type":"IMAGE","deletedAt":null,"isFavorite":false,"visibility":"timeline","livePhotoVideoId":null,"stackId":null,"libraryId":null,"width":4032,"height":3024,"isEdited":false,"createdAt":"2024-07-01T09:31:00.000Z"}},"ack":"AssetV2|0190b{n}"}}"#
    )
}

/// A body of several events: both asset generations, a delete, an unknown type, a marker,
/// CRLF and LF line ends, non-ASCII text, and the closing `SyncCompleteV1`.
fn body() -> Vec<u8> {
    let mut text = String::new();
    text.push_str(ASSET_V1);
    text.push_str("\r\n");
    text.push_str(&asset_v2(2));
    text.push('\n');
    text.push_str(
        r#"{"type":"AssetDeleteV1","data":{"assetId":"a0"},"ack":"AssetDeleteV1|0190c"}"#,
    );
    text.push_str("\r\n");
    text.push_str(
        r#"{"type":"HolidayV7","data":{"where":"Sète","days":[1,2]},"ack":"HolidayV7|1"}"#,
    );
    text.push('\n');
    text.push_str(r#"{"type":"SyncAckV1","data":{},"ack":"AlbumAssetUpdateV2|0190d"}"#);
    text.push('\n');
    text.push_str(r#"{"type":"SyncCompleteV1","data":{},"ack":"SyncCompleteV1|0190e"}"#);
    text.push_str("\r\n");
    text.into_bytes()
}

fn drain(decoder: &mut SyncDecoder, out: &mut Vec<Result<SyncEvent, SyncStreamError>>) {
    while let Some(item) = decoder.next_event() {
        out.push(item);
    }
}

fn decode_in(chunks: &[&[u8]]) -> Vec<Result<SyncEvent, SyncStreamError>> {
    let mut decoder = SyncDecoder::new();
    let mut out = Vec::new();
    for chunk in chunks {
        decoder.push(chunk);
        drain(&mut decoder, &mut out);
    }
    if let Err(e) = decoder.finish() {
        out.push(Err(e));
    }
    drain(&mut decoder, &mut out);
    out
}

#[test]
fn every_split_point_gives_the_same_events() {
    let body = body();
    let whole = decode_in(&[&body]);
    assert_eq!(whole.len(), 6, "{whole:#?}");
    assert!(whole.iter().all(Result::is_ok), "{whole:#?}");
    for at in 0..=body.len() {
        let (a, b) = body.split_at(at);
        assert_eq!(decode_in(&[a, b]), whole, "split at {at}");
    }
    // Three pieces, at every pair of points of a short stretch across a CRLF and a multi-byte
    // character, and one byte at a time.
    let crlf = body.windows(2).position(|w| w == b"\r\n").unwrap();
    let umlaut = body.windows(2).position(|w| w == "ü".as_bytes()).unwrap();
    for around in [crlf, umlaut] {
        for i in around.saturating_sub(3)..around + 3 {
            for j in i..around + 4 {
                let pieces = [&body[..i], &body[i..j], &body[j..]];
                assert_eq!(decode_in(&pieces), whole, "split at {i} and {j}");
            }
        }
    }
    let bytes: Vec<&[u8]> = body.chunks(1).collect();
    assert_eq!(decode_in(&bytes), whole);
}

#[test]
fn both_asset_generations_and_markers_decode() {
    let events: Vec<SyncEvent> = decode_in(&[&body()])
        .into_iter()
        .map(Result::unwrap)
        .collect();
    let SyncEntity::AssetV1(v1) = &events[0].entity else {
        panic!("{:?}", events[0]);
    };
    assert_eq!(v1.original_file_name, "Zürich 🌄.jpg");
    assert_eq!(v1.duration.as_deref(), Some("0:00:05.000000"));
    assert!(v1.is_favorite);
    assert_eq!(events[0].ack, "AssetV1|0190a1");
    let SyncEntity::AssetV2(v2) = &events[1].entity else {
        panic!("{:?}", events[1]);
    };
    assert_eq!(v2.id, "a2");
    assert_eq!(v2.width, Some(4032));
    assert_eq!(
        v2.file_created_at.as_ref().map(|t| t.to_utc_string()),
        Some("2024-07-01T09:30:00.000Z".to_owned())
    );
    assert_eq!(events[1].kind(), "AssetV2");
    assert!(matches!(&events[2].entity, SyncEntity::AssetDeleteV1(d) if d.asset_id == "a0"));
    assert!(matches!(events[4].entity, SyncEntity::SyncAckV1(_)));
    assert!(matches!(events[5].entity, SyncEntity::SyncCompleteV1(_)));
    // A partner's asset carries the asset's schema.
    let partner = asset_v2(7).replace("\"AssetV2\"", "\"PartnerAssetV2\"") + "\n";
    let decoded = decode_in(&[partner.as_bytes()]);
    assert!(
        matches!(&decoded[0], Ok(SyncEvent { entity: SyncEntity::PartnerAssetV2(a), .. }) if a.id == "a7")
    );
}

#[test]
fn an_unknown_type_is_kept_not_an_error() {
    let events = decode_in(&[&body()]);
    match &events[3] {
        Ok(SyncEvent {
            entity: SyncEntity::Unknown { kind, raw },
            ack,
            ..
        }) => {
            assert_eq!(kind, "HolidayV7");
            assert_eq!(raw, r#"{"where":"Sète","days":[1,2]}"#);
            assert_eq!(ack, "HolidayV7|1");
        }
        other => panic!("{other:?}"),
    }
    // `data` before `type` decodes the same.
    let line =
        br#"{"ack":"AssetDeleteV1|9","data":{"assetId":"a9"},"extra":[1],"type":"AssetDeleteV1"}
"#;
    let events = decode_in(&[line]);
    assert!(
        matches!(&events[0], Ok(SyncEvent { entity: SyncEntity::AssetDeleteV1(d), .. }) if d.asset_id == "a9"),
        "{events:?}"
    );
}

#[test]
fn a_line_over_the_limit_is_an_error_and_never_buffered_whole() {
    let limit = 1024;
    let mut decoder = SyncDecoder::with_max_line(limit);
    let mut out = Vec::new();
    decoder.push(b"{\"type\":\"AssetDeleteV1\",\"data\":{\"assetId\":\"x\"},\"ack\":\"A|1\"}\n{\"type\":\"AssetV1\",\"data\":\"");
    drain(&mut decoder, &mut out);
    // A 10 MB line in 4 KiB chunks: the decoder never holds more than the limit.
    let chunk = vec![b'a'; 4096];
    for _ in 0..2560 {
        decoder.push(&chunk);
        assert!(decoder.buffered() <= limit + 1, "{}", decoder.buffered());
        drain(&mut decoder, &mut out);
    }
    decoder
        .push(b"\"}\n{\"type\":\"AssetDeleteV1\",\"data\":{\"assetId\":\"y\"},\"ack\":\"A|2\"}\n");
    drain(&mut decoder, &mut out);
    decoder.finish().unwrap();
    assert_eq!(out.len(), 3, "{out:?}");
    assert!(out[0].is_ok());
    assert_eq!(out[1], Err(SyncStreamError::LineTooLong { line: 2, limit }));
    assert!(
        matches!(&out[2], Ok(e) if e.ack == "A|2"),
        "the next line decodes"
    );
    // A complete long line inside one chunk is refused the same way.
    let long = format!("{}\n", " ".repeat(limit + 10));
    let events = {
        let mut decoder = SyncDecoder::with_max_line(limit);
        decoder.push(long.as_bytes());
        decoder.next_event()
    };
    assert_eq!(
        events,
        Some(Err(SyncStreamError::LineTooLong { line: 1, limit }))
    );
    let message = Error::from(SyncStreamError::LineTooLong { line: 2, limit }).to_string();
    assert!(
        message.contains("line 2") && message.contains("1024"),
        "{message}"
    );
}

#[test]
fn a_malformed_line_names_its_number_and_the_stream_goes_on() {
    let text = format!(
        "{}\nnot json\n{{\"type\":\"AssetV2\",\"data\":{{\"id\":3}},\"ack\":\"x\"}}\n{{\"data\":{{}},\"ack\":\"y\"}}\n{}\n",
        asset_v2(1),
        asset_v2(5)
    );
    let events = decode_in(&[text.as_bytes()]);
    assert_eq!(events.len(), 5, "{events:?}");
    assert!(events[0].is_ok());
    for (item, line) in events[1..4].iter().zip(2..) {
        match item {
            Err(SyncStreamError::Malformed { line: got, .. }) => assert_eq!(*got, line),
            other => panic!("line {line}: {other:?}"),
        }
    }
    assert!(matches!(&events[4], Ok(e) if e.ack == "AssetV2|0190b5"));
    let message = Error::from(events[1].clone().unwrap_err()).to_string();
    assert!(
        message.contains("line 2") && message.contains("not json"),
        "{message}"
    );
}

#[test]
fn a_stream_cut_inside_a_line_is_truncated() {
    let text = format!("{}\n{}", asset_v2(1), &asset_v2(2)[..40]);
    let events = decode_in(&[text.as_bytes()]);
    assert!(events[0].is_ok());
    assert_eq!(events[1], Err(SyncStreamError::Truncated { line: 2 }));
    // An empty body, and one that ends with its line end, are complete.
    assert!(decode_in(&[b""]).is_empty());
    assert_eq!(
        decode_in(&[format!("{}\n", asset_v2(1)).as_bytes()]).len(),
        1
    );
}

fn version(text: &str) -> ServerVersion {
    ServerVersion::parse(text).unwrap()
}

#[test]
fn each_release_gets_the_newest_generation_of_each_family() {
    assert!(request_types_named(&version("1.126.0")).is_empty());
    let v1_130 = request_types_named(&version("1.130.0"));
    for name in [
        "AssetsV1",
        "AssetExifsV1",
        "PartnerAssetsV1",
        "PartnersV1",
        "UsersV1",
    ] {
        assert!(v1_130.contains(&name), "{name} in {v1_130:?}");
    }
    assert!(!v1_130.contains(&"AlbumsV1") && !v1_130.contains(&"PeopleV1"));
    let v1_136 = request_types_named(&version("1.136.0"));
    for name in [
        "AlbumsV1",
        "AlbumAssetsV1",
        "PeopleV1",
        "AssetFacesV1",
        "AuthUsersV1",
    ] {
        assert!(v1_136.contains(&name), "{name} in {v1_136:?}");
    }
    assert!(!v1_136.contains(&"AssetMetadataV1"), "v1.140");
    let v2_6 = request_types_named(&version("2.6.0"));
    assert!(v2_6.contains(&"AssetFacesV2") && !v2_6.contains(&"AssetFacesV1"));
    assert!(v2_6.contains(&"AssetEditsV1") && v2_6.contains(&"AssetsV1"));
    assert!(!v2_6.contains(&"AssetsV2"));
    for release in ["3.0.0", "3.1.0"] {
        let v3 = request_types_named(&version(release));
        for name in [
            "AssetsV2",
            "AlbumsV2",
            "AlbumAssetsV2",
            "PartnerAssetsV2",
            "AssetFacesV2",
        ] {
            assert!(v3.contains(&name), "{name} in {v3:?} for {release}");
        }
        for old in [
            "AssetsV1",
            "AlbumsV1",
            "AlbumAssetsV1",
            "PartnerAssetsV1",
            "AssetFacesV1",
        ] {
            assert!(!v3.contains(&old), "{old} in {v3:?} for {release}");
        }
    }
    // Every choice passes the release gate for its release.
    for release in ["1.130.0", "1.136.0", "2.6.0", "3.0.0", "3.1.0"] {
        let server = session_server().with_version(version(release));
        let stream = GetSyncStream::for_server(&server).unwrap();
        let request = stream.request(&server).unwrap();
        immich_proto::catalogue::gate(&server, "getSyncStream", &request).unwrap();
    }
}

#[test]
fn the_gate_refuses_a_request_type_the_release_lacks() {
    let server = session_server().with_version(version("2.6.0"));
    let request = GetSyncStream::new(vec![SyncRequestType::AssetsV2])
        .request(&server)
        .unwrap();
    let refused = immich_proto::catalogue::gate(&server, "getSyncStream", &request).unwrap_err();
    assert!(
        matches!(&refused, Error::UnsupportedParameter(p) if p.parameter == "enum:types=AssetsV2"),
        "{refused:?}"
    );
}

fn session_server() -> Server {
    Server::new("http://localhost:2283")
        .unwrap()
        .with_session_token("session-token")
        .unwrap()
}

#[test]
fn the_stream_request_carries_types_and_reset() {
    let server = session_server();
    let stream = GetSyncStream::new(vec![SyncRequestType::AssetsV2, SyncRequestType::AlbumsV2]);
    let request = stream.request(&server).unwrap();
    assert_eq!(request.method(), "POST");
    assert_eq!(request.uri().path(), "/api/sync/stream");
    assert_eq!(
        request.body(),
        &Bytes::from_static(br#"{"types":["AssetsV2","AlbumsV2"]}"#)
    );
    assert!(request.headers()["accept"]
        .to_str()
        .unwrap()
        .contains("application/jsonlines+json"));
    let reset = stream.clone().reset(true).request(&server).unwrap();
    let body: serde_json::Value = serde_json::from_slice(reset.body()).unwrap();
    assert_eq!(body["reset"], true);
    assert!(GetSyncStream::new(Vec::new()).request(&server).is_err());
}

/// The document declares no answer for `getSyncStream`; the catalogue lists what it is (a
/// byte stream, sent as a `MediaEndpoint`), through the generator's kind override.
#[test]
fn the_catalogue_lists_the_stream_as_media() {
    let entry = immich_proto::catalogue::find(GetSyncStream::OPERATION_ID).unwrap();
    assert_eq!(entry.kind, immich_proto::catalogue::OperationKind::Media);
    assert!(!entry.generated);
}

#[test]
fn an_api_key_is_refused_before_sending_with_a_one_line_way_out() {
    let server = Server::new("http://localhost:2283")
        .unwrap()
        .with_api_key("secret-key")
        .unwrap();
    let stream = GetSyncStream::new(vec![SyncRequestType::AssetsV2]);
    let error = stream.request(&server).unwrap_err();
    assert_eq!(error, Error::SessionRequired);
    let message = error.to_string();
    assert!(!message.contains('\n'), "{message}");
    assert!(
        message.contains("login session")
            && message.contains("Client::login")
            && message.contains("immich backup --email EMAIL")
            && message.contains("IMMICH_PASSWORD")
            && message.contains("--password-stdin")
            && !message.contains("immich login"),
        "{message}"
    );
    assert!(!message.contains("secret-key"));
    // The server's own 403 (for the stream and the acks) is the same error.
    let head = http::Response::builder()
        .status(403)
        .header("content-type", "application/json")
        .body(())
        .unwrap()
        .into_parts()
        .0;
    let body = br#"{"message":"Sync endpoints cannot be used with API keys","error":"Forbidden","statusCode":403}"#;
    assert_eq!(
        immich_proto::media_error(&head, body),
        Error::SessionRequired
    );
    let response = http::Response::from_parts(head, Bytes::from_static(body));
    let acks = immich_proto::sync::GetSyncAck::new();
    assert_eq!(
        immich_proto::parse_response(&acks, response),
        Err(Error::SessionRequired)
    );
    // Another 403 stays what it is.
    let head = http::Response::builder()
        .status(403)
        .body(())
        .unwrap()
        .into_parts()
        .0;
    assert!(matches!(
        immich_proto::media_error(
            &head,
            br#"{"message":"Missing required permission: sync.stream"}"#
        ),
        Error::Api(_)
    ));
    let _ = <immich_proto::sync::GetSyncAck as Endpoint>::OPERATION_ID;
}

fn event(line: &str) -> SyncEvent {
    let mut decoder = SyncDecoder::new();
    decoder.push(line.as_bytes());
    decoder.push(b"\n");
    decoder.next_event().unwrap().unwrap()
}

#[test]
fn acks_keep_the_latest_per_type_in_batches() {
    let mut acks = AckBatcher::new();
    assert!(acks.take_batch().is_none());
    for n in 1..=3 {
        assert_eq!(acks.record(&event(&asset_v2(n))), AckOutcome::Recorded);
    }
    let marker = event(r#"{"type":"SyncAckV1","data":{},"ack":"AlbumAssetUpdateV2|0190d"}"#);
    assert_eq!(acks.record(&marker), AckOutcome::Recorded);
    let complete = event(r#"{"type":"SyncCompleteV1","data":{},"ack":"SyncCompleteV1|0190e"}"#);
    assert_eq!(acks.record(&complete), AckOutcome::Complete);
    assert_eq!(
        acks.pending().collect::<Vec<_>>(),
        [
            "AssetV2|0190b3",
            "AlbumAssetUpdateV2|0190d",
            "SyncCompleteV1|0190e"
        ]
    );
    let batch = acks.take_batch().unwrap();
    assert_eq!(
        batch.body.acks,
        [
            "AssetV2|0190b3",
            "AlbumAssetUpdateV2|0190d",
            "SyncCompleteV1|0190e"
        ]
    );
    assert!(acks.is_empty());
    // The request: POST /sync/ack with the acks.
    let request = batch.request(&session_server()).unwrap();
    assert_eq!(request.uri().path(), "/api/sync/ack");
    assert_eq!(
        request.body(),
        &Bytes::from_static(
            br#"{"acks":["AssetV2|0190b3","AlbumAssetUpdateV2|0190d","SyncCompleteV1|0190e"]}"#
        )
    );
    // More types than one request takes: several batches.
    for n in 0..1500 {
        acks.record_ack(&format!("Type{n}V1|{n}"));
    }
    assert_eq!(
        acks.take_batch().unwrap().body.acks.len(),
        MAX_ACKS_PER_REQUEST
    );
    assert_eq!(acks.take_batch().unwrap().body.acks.len(), 500);
    assert!(acks.take_batch().is_none());
    assert_eq!(ack_type("AssetV2|0190|complete"), "AssetV2");
    assert_eq!(ack_type("plain"), "plain");
}

#[test]
fn a_reset_drops_the_acks_and_plans_a_fresh_stream() {
    let mut acks = AckBatcher::new();
    acks.record(&event(&asset_v2(1)));
    let reset = event(r#"{"type":"SyncResetV1","data":{},"ack":"SyncResetV1|reset"}"#);
    assert_eq!(acks.record(&reset), AckOutcome::Reset);
    assert!(
        acks.is_empty(),
        "nothing of the dropped state is acknowledged"
    );
    acks.record_ack("SyncResetV1|reset");
    assert!(
        acks.is_empty(),
        "a reset ack would make the server drop the batch"
    );
    let stream = GetSyncStream::new(vec![SyncRequestType::AssetsV2]);
    let plan = ResetPlan::after(&stream);
    assert!(plan.stream.reset);
    assert_eq!(plan.stream.types, stream.types);
    let server = session_server();
    let delete = plan.delete_acks.request(&server).unwrap();
    assert_eq!(delete.method(), "DELETE");
    assert_eq!(delete.uri().path(), "/api/sync/ack");
    assert_eq!(
        delete.body(),
        &Bytes::from_static(b"{}"),
        "no types: all of them"
    );
    let again = plan.stream.request(&server).unwrap();
    let body: serde_json::Value = serde_json::from_slice(again.body()).unwrap();
    assert_eq!(body["reset"], true);
    assert_eq!(ResetPlan::new(stream.types.clone()).stream, plan.stream);
}

/// Many events in 64 KiB chunks (as a transport hands them over): every event comes out, in
/// order. Speed is measured by the benchmark's sync-stream row, not here.
#[test]
fn a_large_body_in_64_kib_chunks_yields_every_event_in_order() {
    let n = 20_000;
    let mut body = Vec::new();
    for i in 0..n {
        body.extend_from_slice(asset_v2(i).as_bytes());
        body.push(b'\n');
    }
    let mut decoder = SyncDecoder::new();
    let mut acks = Vec::new();
    for chunk in body.chunks(64 * 1024) {
        decoder.push(chunk);
        while let Some(event) = decoder.next_event() {
            acks.push(event.expect("a well-formed line").ack);
        }
    }
    decoder.finish().unwrap();
    assert_eq!(acks.len(), n);
    let expected: Vec<String> = (0..n).map(|i| format!("AssetV2|0190b{i}")).collect();
    assert_eq!(acks, expected);
}
