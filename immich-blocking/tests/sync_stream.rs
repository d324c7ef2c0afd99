//! The sync stream through immich-blocking: events are handed out as the body arrives (the
//! first one before the server sends the rest), in small chunks split anywhere; an API key is
//! refused before sending; the server's 403 is the same typed error. Loopback only: a raw
//! responder plays the server.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use immich_blocking::proto::models::SyncRequestType;
use immich_blocking::proto::sync::{GetSyncStream, SyncEntity};
use immich_blocking::{Client, ErrorKind};

include!("../../tests/shared/sync_responder.rs");

#[test]
fn events_arrive_as_the_body_does() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let (got_first, first_seen) = mpsc::channel::<()>();
    let server = thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        let (head, body) = read_request(&mut stream);
        stream
            .write_all(b"HTTP/1.1 200 OK\r\ncontent-type: application/jsonlines+json\r\ntransfer-encoding: chunked\r\n\r\n")
            .unwrap();
        chunk(&mut stream, format!("{FIRST}\n").as_bytes());
        // The client must hand out the first event before the rest is sent.
        let early = first_seen.recv_timeout(Duration::from_secs(10)).is_ok();
        for piece in REST.as_bytes().chunks(5) {
            chunk(&mut stream, piece);
        }
        stream.write_all(b"0\r\n\r\n").unwrap();
        (head, body, early)
    });
    let client = Client::builder(&url)
        .session_token("t0ken")
        .build()
        .unwrap();
    let mut events = client
        .sync_stream(&GetSyncStream::new(vec![SyncRequestType::AssetsV2]))
        .unwrap();
    let first = events.next().unwrap().unwrap();
    got_first.send(()).unwrap();
    assert!(matches!(&first.entity, SyncEntity::AssetDeleteV1(d) if d.asset_id == "a1"));
    let rest: Vec<_> = events.map(Result::unwrap).collect();
    assert_eq!(rest.len(), 2);
    assert!(matches!(&rest[0].entity, SyncEntity::AssetDeleteV1(d) if d.asset_id == "Zürich-2"));
    assert!(matches!(rest[1].entity, SyncEntity::SyncCompleteV1(_)));
    let (head, body, early) = server.join().unwrap();
    assert!(
        early,
        "the first event was not handed out before the rest was sent"
    );
    assert!(head.starts_with("POST /api/sync/stream "), "{head}");
    assert!(
        head.to_ascii_lowercase()
            .contains("authorization: bearer t0ken"),
        "{head}"
    );
    assert_eq!(body, br#"{"types":["AssetsV2"]}"#);
}

#[test]
fn an_api_key_is_refused_before_sending_and_a_403_is_the_same_error() {
    // Nothing listens at the address: sending would fail to connect.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let client = Client::new(&url, "ap1-k3y").unwrap();
    let request = GetSyncStream::new(vec![SyncRequestType::AssetsV2]);
    let error = client.sync_stream(&request).unwrap_err();
    assert_eq!(
        error.proto(),
        Some(&immich_blocking::proto::Error::SessionRequired)
    );
    assert_eq!(error.kind(), ErrorKind::Protocol);
    assert!(error.to_string().contains("Client::login"), "{error}");
    assert!(client.sync_acks().unwrap_err().proto().is_some());

    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let server = thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        read_request(&mut stream);
        let body = br#"{"message":"Sync endpoints cannot be used with API keys","error":"Forbidden","statusCode":403}"#;
        let head = format!(
            "HTTP/1.1 403 Forbidden\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
            body.len()
        );
        stream.write_all(head.as_bytes()).unwrap();
        stream.write_all(body).unwrap();
    });
    // A credential the client cannot tell apart (a session token the server treats as a key).
    let client = Client::builder(&url)
        .session_token("t0ken")
        .build()
        .unwrap();
    let error = client.sync_stream(&request).unwrap_err();
    server.join().unwrap();
    assert_eq!(
        error.proto(),
        Some(&immich_blocking::proto::Error::SessionRequired)
    );
}

#[test]
fn a_stream_cut_inside_a_line_ends_with_truncated() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let server = thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        read_request(&mut stream);
        stream
            .write_all(b"HTTP/1.1 200 OK\r\ncontent-type: application/jsonlines+json\r\ntransfer-encoding: chunked\r\n\r\n")
            .unwrap();
        chunk(
            &mut stream,
            format!("{FIRST}\n{{\"type\":\"Asset").as_bytes(),
        );
        stream.write_all(b"0\r\n\r\n").unwrap();
    });
    let client = Client::builder(&url)
        .session_token("t0ken")
        .build()
        .unwrap();
    let items: Vec<_> = client
        .sync_stream(&GetSyncStream::new(vec![SyncRequestType::AssetsV2]))
        .unwrap()
        .collect();
    server.join().unwrap();
    assert_eq!(items.len(), 2);
    assert!(items[0].is_ok());
    let error = items[1].as_ref().unwrap_err();
    assert_eq!(
        error.proto(),
        Some(&immich_blocking::proto::Error::SyncStream(
            immich_blocking::proto::sync::SyncStreamError::Truncated { line: 2 }
        ))
    );
}

/// End to end over loopback: asset events per second through ureq and the core's decoder
/// (printed; run with `--release -- --nocapture` for the real figure).
#[test]
fn many_events_stream_through() {
    let n = 20_000;
    let mut body = Vec::new();
    for i in 0..n {
        body.extend_from_slice(format!(
            r#"{{"type":"AssetV2","data":{{"id":"a{i}","ownerId":"u1","originalFileName":"IMG_{i}.jpg","thumbhash":"dGh1bWI=","checksum":"c2hhMQ==","fileCreatedAt":"2024-07-01T09:30:00.000Z","fileModifiedAt":"2024-07-01T09:30:00.000Z","localDateTime":"2024-07-01T11:30:00.000Z","duration":null,"type":"IMAGE","deletedAt":null,"isFavorite":false,"visibility":"timeline","livePhotoVideoId":null,"stackId":null,"libraryId":null,"width":4032,"height":3024,"isEdited":false,"createdAt":"2024-07-01T09:31:00.000Z"}},"ack":"AssetV2|{i}"}}"#
        ).as_bytes());
        body.push(b'\n');
    }
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let server = thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        read_request(&mut stream);
        let head = format!(
            "HTTP/1.1 200 OK\r\ncontent-type: application/jsonlines+json\r\ncontent-length: {}\r\n\r\n",
            body.len()
        );
        stream.write_all(head.as_bytes()).unwrap();
        stream.write_all(&body).unwrap();
    });
    let client = Client::builder(&url)
        .session_token("t0ken")
        .build()
        .unwrap();
    let started = std::time::Instant::now();
    let mut count = 0;
    for event in client
        .sync_stream(&GetSyncStream::new(vec![SyncRequestType::AssetsV2]))
        .unwrap()
    {
        assert!(matches!(event.unwrap().entity, SyncEntity::AssetV2(_)));
        count += 1;
    }
    let seconds = started.elapsed().as_secs_f64();
    server.join().unwrap();
    assert_eq!(count, n);
    println!(
        "sync stream (blocking, loopback): {n} asset events in {:.1} ms: {:.0} events/s",
        seconds * 1000.0,
        n as f64 / seconds
    );
}
