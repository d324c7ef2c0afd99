//! The sync stream through immich-tokio: events are handed out as the body arrives (the
//! first one before the server sends the rest), in small chunks split anywhere; an API key is
//! refused before sending; the server's 403 is the same typed error. Loopback only: a raw
//! responder plays the server.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use std::pin::Pin;

use futures_core::Stream;
use immich_tokio::proto::models::SyncRequestType;
use immich_tokio::proto::sync::{GetSyncStream, SyncEntity, SyncEvent};
use immich_tokio::{Client, ErrorKind, SyncEvents};

include!("../../tests/shared/sync_responder.rs");

async fn next(events: &mut SyncEvents) -> Option<Result<SyncEvent, immich_tokio::Error>> {
    std::future::poll_fn(|cx| Pin::new(&mut *events).poll_next(cx)).await
}

#[tokio::test]
async fn events_arrive_as_the_body_does() {
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
        .await
        .unwrap();
    let first = next(&mut events).await.unwrap().unwrap();
    got_first.send(()).unwrap();
    assert!(matches!(&first.entity, SyncEntity::AssetDeleteV1(d) if d.asset_id == "a1"));
    let mut rest = Vec::new();
    while let Some(event) = next(&mut events).await {
        rest.push(event.unwrap());
    }
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

#[tokio::test]
async fn an_api_key_is_refused_before_sending_and_a_403_is_the_same_error() {
    // Nothing listens at the address: sending would fail to connect.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let client = Client::new(&url, "ap1-k3y").unwrap();
    let request = GetSyncStream::new(vec![SyncRequestType::AssetsV2]);
    let error = client.sync_stream(&request).await.unwrap_err();
    assert_eq!(
        error.proto(),
        Some(&immich_tokio::proto::Error::SessionRequired)
    );
    assert_eq!(error.kind(), ErrorKind::Protocol);
    assert!(error.to_string().contains("Client::login"), "{error}");
    assert!(client.sync_acks().await.unwrap_err().proto().is_some());

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
    let error = client.sync_stream(&request).await.unwrap_err();
    server.join().unwrap();
    assert_eq!(
        error.proto(),
        Some(&immich_tokio::proto::Error::SessionRequired)
    );
}

#[tokio::test]
async fn a_stream_cut_inside_a_line_ends_with_truncated() {
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
    let mut events = client
        .sync_stream(&GetSyncStream::new(vec![SyncRequestType::AssetsV2]))
        .await
        .unwrap();
    let mut items = Vec::new();
    while let Some(item) = next(&mut events).await {
        items.push(item);
    }
    server.join().unwrap();
    assert_eq!(items.len(), 2);
    assert!(items[0].is_ok());
    let error = items[1].as_ref().unwrap_err();
    assert_eq!(
        error.proto(),
        Some(&immich_tokio::proto::Error::SyncStream(
            immich_tokio::proto::sync::SyncStreamError::Truncated { line: 2 }
        ))
    );
}
