//! The README's tour (`cargo run --example tour`) keeps working: its steps run here against
//! the test server, in both modes, and the server ends up as the tour says.
#![cfg(unix)]

#[path = "../examples/tour.rs"]
#[allow(dead_code)]
mod example;

use immich_blocking::Client;
use immich_tests::{Options, TestServer};

fn run(server: &TestServer, mode: example::Mode) -> String {
    let client = Client::new(&server.url(), server.api_key()).unwrap();
    let mut out = Vec::new();
    let result = example::tour(&client, mode, &mut out);
    let text = String::from_utf8(out).unwrap();
    if let Err(e) = result {
        panic!("the tour failed: {e}\n{text}");
    }
    text
}

#[test]
fn the_tour_walks_through_the_test_server() {
    let server = TestServer::start(Options::v3());
    let before = server.asset_ids().len();
    let text = run(&server, example::Mode::Full);

    for step in [
        "1. The server",
        "2. Upload",
        "3. Albums",
        "4. A new album",
        "5. Search",
        "6. A thumbnail",
        "7. Part of a video",
        "Done.",
    ] {
        assert!(text.contains(step), "missing {step:?} in\n{text}");
    }
    assert!(!text.contains("skipped"), "{text}");
    assert!(text.contains("   Immich v3.0.0 at 127.0.0.1:"), "{text}");
    // Two images and the video are new; the copy is reported as a duplicate of the first.
    assert_eq!(server.asset_ids().len(), before + 3);
    let first = server.asset_ids()[before].clone();
    assert!(
        text.contains(&format!("-> duplicate of {first} (same SHA-1")),
        "{text}"
    );
    assert!(text.contains("the server has 3 of 3"), "{text}");
    // The generated images are PNGs the server stored byte for byte.
    let stored = server.asset_bytes(&first).unwrap();
    assert!(stored.starts_with(b"\x89PNG\r\n\x1a\n") && stored.ends_with(b"IEND\xaeB`\x82"));

    let album = server
        .requests()
        .into_iter()
        .find(|r| r.method == "POST" && r.path == "/api/albums")
        .expect("an album was created");
    assert_eq!(album.json()["albumName"], "Tour");
    assert!(text.contains("the album now holds 3 assets"), "{text}");
    assert!(
        text.contains("smart search \"sunrise\": 1 match(es)"),
        "{text}"
    );
    assert!(text.contains(&format!(
        "thumbnail of {first}: image/png, {} bytes",
        stored.len()
    )));
    assert!(
        text.contains("206 Partial Content, bytes 0-1023 of 65536, read 1024 bytes"),
        "{text}"
    );
    let ranged = server
        .requests()
        .into_iter()
        .find(|r| r.path.ends_with("/video/playback"))
        .unwrap();
    assert_eq!(ranged.header("range"), Some("bytes=0-1023"));
}

#[test]
fn the_read_only_tour_changes_nothing() {
    let server = TestServer::start(Options::v3());
    let text = run(&server, example::Mode::ReadOnly);
    // Every step is numbered; the two that would change the server say why they are skipped.
    assert!(
        text.contains("\n2. Upload: skipped, a read-only tour uploads nothing\n")
            && text.contains("\n4. A new album: skipped, a read-only tour creates nothing\n"),
        "{text}"
    );
    assert!(
        text.contains("5. Search") && text.contains("Done."),
        "{text}"
    );
    // The seeded server has photos but no video: the step says so instead of failing.
    assert!(text.contains("no video in the library"), "{text}");
    for request in server.requests() {
        let read = request.method == "GET"
            || (request.method == "POST" && request.path.starts_with("/api/search/"));
        assert!(read, "the read-only tour sent {}", request.line());
    }
}

#[test]
fn generated_pngs_are_well_formed() {
    let png = example::png(3, 2, |x, y| [x as u8, y as u8, 7]);
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"));
    // IHDR: 13 bytes of data, width 3, height 2, 8-bit RGB; its CRC as zlib/libpng compute it.
    assert_eq!(&png[8..16], b"\0\0\0\x0dIHDR");
    assert_eq!(&png[16..24], &[0, 0, 0, 3, 0, 0, 0, 2]);
    assert_eq!(&png[29..33], &[0x12, 0x16, 0xF1, 0x4D][..]);
    assert!(png.ends_with(b"\0\0\0\0IEND\xaeB`\x82"));
}

#[test]
fn no_settings_tour_the_local_server_in_full() {
    let choice = example::choose(None, None).unwrap();
    assert_eq!(choice, example::Choice::LocalServer);
    assert_eq!(choice.mode(), example::Mode::Full);
    let banner = choice.banner("http://127.0.0.1:4321");
    assert!(
        banner.starts_with("Started the in-process test server at http://127.0.0.1:4321"),
        "{banner}"
    );
    // Empty or blank values count as unset.
    assert_eq!(
        example::choose(Some(String::new()), Some("  ".into())),
        Ok(example::Choice::LocalServer)
    );
}

#[test]
fn both_settings_tour_that_server_read_only() {
    let url = "https://photos.example.org";
    let choice = example::choose(Some(url.into()), Some("secret-key-1".into())).unwrap();
    assert_eq!(
        choice,
        example::Choice::ReadOnly {
            url: url.into(),
            key: "secret-key-1".into()
        }
    );
    assert_eq!(choice.mode(), example::Mode::ReadOnly);
    assert_eq!(
        choice.banner(url),
        "IMMICH_URL is set: a read-only tour of https://photos.example.org \
         (nothing is uploaded, created or changed)."
    );
    let debug = format!("{choice:?}");
    assert!(
        !debug.contains("secret-key-1") && debug.contains("***"),
        "{debug}"
    );
}

#[test]
fn one_setting_alone_is_an_error_naming_the_other() {
    let err = example::choose(Some("https://photos.example.org".into()), None).unwrap_err();
    assert!(
        err.starts_with("IMMICH_URL is set but IMMICH_API_KEY is not"),
        "{err}"
    );
    let err = example::choose(None, Some("secret-key-1".into())).unwrap_err();
    assert!(
        err.starts_with("IMMICH_API_KEY is set but IMMICH_URL is not"),
        "{err}"
    );
    assert!(!err.contains("secret-key-1"), "{err}");
    // A blank URL is no URL.
    let err = example::choose(Some(" ".into()), Some("secret-key-1".into())).unwrap_err();
    assert!(err.contains("IMMICH_URL is not"), "{err}");
}
