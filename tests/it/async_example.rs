//! immich-tokio's example for async apps (`cargo run -p immich-tokio --example async_app`)
//! keeps working: it runs here against the test server, and does what it says.
#![cfg(unix)]

#[path = "../../immich-tokio/examples/async_app.rs"]
#[allow(dead_code)]
mod example;

use immich_tests::{Options, TestServer};
use immich_tokio::Client;

#[tokio::test]
async fn the_async_example_runs_against_the_test_server() {
    let server = TestServer::start(Options::v3());
    let dir = std::env::temp_dir().join(format!("immich-async-example-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let photo = dir.join("harbour.jpg");
    let mut bytes = vec![0xFF, 0xD8, 0xFF, 0xE0];
    bytes.extend((0..3000u32).map(|i| (i * 13) as u8));
    std::fs::write(&photo, &bytes).unwrap();
    let client = Client::new(&server.url(), server.api_key()).unwrap();

    let mut out = Vec::new();
    let summary = example::run(&client, &photo, &mut out).await.unwrap();
    let text = String::from_utf8(out).unwrap();
    assert_eq!(summary.albums, 3, "{text}");
    assert!(!summary.duplicate, "{text}");
    assert_eq!(
        server.asset_bytes(summary.asset.as_str()).unwrap(),
        bytes,
        "{text}"
    );
    // The test server's thumbnail of an image is its bytes.
    assert_eq!(summary.thumbnail_bytes, bytes.len());
    assert_eq!(summary.searched, server.asset_ids().len(), "{text}");
    assert!(text.starts_with("Immich v3.0.0\n3 albums\n"), "{text}");
    assert!(
        text.contains(&format!("harbour.jpg: uploaded as {}", summary.asset)),
        "{text}"
    );
    // The checksum went along, and the search came in pages.
    let requests = server.requests();
    let upload = requests
        .iter()
        .find(|r| r.method == "POST" && r.path == "/api/assets")
        .unwrap();
    assert!(upload.header("x-immich-checksum").is_some());
    let pages = requests
        .iter()
        .filter(|r| r.path == "/api/search/metadata")
        .count();
    assert!(pages >= 2, "{pages} search requests");

    // Again: the server has the file, and says so before the body is sent.
    let mut out = Vec::new();
    let again = example::run(&client, &photo, &mut out).await.unwrap();
    assert!(again.duplicate);
    assert_eq!(again.asset, summary.asset);
    let _ = std::fs::remove_dir_all(&dir);
}
