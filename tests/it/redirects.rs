//! Redirects, as Immich v3.1 sends them, through both transports against the in-process test
//! server: a full-size thumbnail goes on to the original (a video's to its preview) with the
//! same credential, a shared link's key stays in the query, and a redirect to another origin or
//! a loop is a typed error, the credential never sent elsewhere.
//!
//! Written once: `suite!` expands it for immich-tokio and for immich-blocking.
#![cfg(unix)]

use immich_proto::assets::AssetMediaSize;
use immich_proto::assets::UploadOptions;
use immich_proto::shared_links::CreateSharedLink;
use immich_proto::{AlbumId, AssetId, MAX_REDIRECTS};
use immich_tests::server::{fixtures, KeyCheck};
use immich_tests::{Fault, Options, TestServer};

fn asset(id: String) -> AssetId {
    AssetId::parse(id).unwrap()
}

/// A small stand-in video file, written to a fresh temporary directory.
fn video_file(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("immich-redirects-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("clip.mp4");
    std::fs::write(&path, vec![7u8; 4096]).unwrap();
    path
}

macro_rules! suite {
    ($transport:ident, $client:ty, [$($test:tt)*], [$($fn_kind:tt)*], [$($aw:tt)*]) => {
        mod $transport {
            use super::*;

            type Client = $client;

            $($test)*
            $($fn_kind)* fn a_fullsize_thumbnail_follows_the_redirect_to_the_original() {
                let server = TestServer::start(Options::v3());
                let client = Client::new(&server.url(), server.api_key()).unwrap();
                let beach = fixtures::asset_beach();
                let media = client
                    .thumbnail(asset(beach.clone()), AssetMediaSize::Fullsize)$($aw)*
                    .unwrap();
                assert_eq!(media.head.status, http::StatusCode::OK);
                assert_eq!(&media.body[..], &server.asset_bytes(&beach).unwrap()[..]);
                let sent = server.requests();
                let lines: Vec<String> = sent.iter().map(|r| r.line()).collect();
                assert_eq!(
                    lines,
                    [
                        format!("GET /api/assets/{beach}/thumbnail?size=fullsize"),
                        format!("GET /api/assets/{beach}/original?"),
                    ]
                );
                // The same origin: the key went along, and was right.
                assert!(sent.iter().all(|r| r.api_key == KeyCheck::Valid), "{sent:?}");
            }

            $($test)*
            $($fn_kind)* fn a_videos_fullsize_thumbnail_is_its_preview() {
                let server = TestServer::start(Options::v3());
                let client = Client::new(&server.url(), server.api_key()).unwrap();
                client.setup()$($aw)*.unwrap();
                let path = video_file(stringify!($transport));
                let created = client
                    .upload_path(&path, UploadOptions::new())$($aw)*
                    .unwrap();
                let preview = client
                    .thumbnail(created.id.clone(), AssetMediaSize::Preview)$($aw)*
                    .unwrap();
                server.clear_requests();
                let fullsize = client
                    .thumbnail(created.id.clone(), AssetMediaSize::Fullsize)$($aw)*
                    .unwrap();
                assert_eq!(fullsize.body, preview.body);
                assert_eq!(
                    server.request_lines().last().unwrap(),
                    &format!("GET /api/assets/{}/thumbnail?size=preview", created.id)
                );
                let _ = std::fs::remove_dir_all(path.parent().unwrap());
            }

            $($test)*
            $($fn_kind)* fn a_shared_links_key_stays_on_the_redirect() {
                let server = TestServer::start(Options::v3());
                let admin = Client::new(&server.url(), server.api_key()).unwrap();
                let holidays = AlbumId::parse(fixtures::album_holidays()).unwrap();
                let link = admin
                    .create_shared_link(CreateSharedLink::for_album(holidays))$($aw)*
                    .unwrap();
                let visitor = Client::builder(&server.url())
                    .shared_link_key(&link.key)
                    .build()
                    .unwrap();
                let beach = fixtures::asset_beach();
                let media = visitor
                    .thumbnail(asset(beach.clone()), AssetMediaSize::Fullsize)$($aw)*
                    .unwrap();
                assert_eq!(&media.body[..], &server.asset_bytes(&beach).unwrap()[..]);
                assert_eq!(
                    server.request_lines().last().unwrap(),
                    &format!("GET /api/assets/{beach}/original?key={}", link.key)
                );
            }

            $($test)*
            $($fn_kind)* fn a_redirect_to_another_origin_is_refused_unsent() {
                let server = TestServer::start(Options::v3());
                let elsewhere = TestServer::start(Options::v3());
                let beach = fixtures::asset_beach();
                let target = format!("{}/api/assets/{beach}/original", elsewhere.url());
                server.fault(
                    None,
                    &format!("/assets/{beach}/thumbnail"),
                    Fault::Redirect(target),
                );
                let client = Client::new(&server.url(), server.api_key()).unwrap();
                let error = client
                    .thumbnail(asset(beach.clone()), AssetMediaSize::Preview)$($aw)*
                    .unwrap_err();
                match error.proto() {
                    Some(immich_proto::Error::CrossOriginRedirect { target_origin, .. }) => {
                        assert_eq!(target_origin, &elsewhere.url());
                    }
                    other => panic!("{other:?}: {error}"),
                }
                assert!(elsewhere.requests().is_empty(), "{:?}", elsewhere.requests());
                assert!(!error.to_string().contains(server.api_key()));
            }

            $($test)*
            $($fn_kind)* fn a_redirect_loop_ends() {
                let server = TestServer::start(Options::v3());
                let beach = fixtures::asset_beach();
                server.fault(
                    None,
                    &format!("/assets/{beach}/thumbnail"),
                    Fault::Redirect("thumbnail?size=preview".to_owned()),
                );
                let client = Client::new(&server.url(), server.api_key()).unwrap();
                let error = client
                    .thumbnail(asset(beach), AssetMediaSize::Preview)$($aw)*
                    .unwrap_err();
                assert!(
                    matches!(
                        error.proto(),
                        Some(immich_proto::Error::TooManyRedirects { .. })
                    ),
                    "{error}"
                );
                assert_eq!(server.requests().len(), usize::from(MAX_REDIRECTS) + 1);
            }
        }
    };
}

suite!(through_tokio, immich_tokio::Client, [#[tokio::test]], [async], [.await]);
suite!(through_blocking, immich_blocking::Client, [#[test]], [], []);
