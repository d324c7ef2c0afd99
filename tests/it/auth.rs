//! Authentication beyond API keys, end to end through both transports against the in-process
//! test server: a password login's session (login, an authenticated call, logout, then `401`),
//! shared links opened by key and by slug (only what the link shows), the password step of a
//! protected link, version gates that refuse before sending, and credentials kept out of
//! `Debug` and errors.
//!
//! One suite, written once: `suite!` expands it for immich-tokio (`async`, `.await`) and for
//! immich-blocking (plain calls), so both transports meet the same expectations.
#![cfg(unix)]

use http::StatusCode;
use immich_proto::assets::AssetMediaSize;
use immich_proto::shared_links::CreateSharedLink;
use immich_proto::{AlbumId, AssetId};
use immich_tests::server::{fixtures, KeyCheck, LoggedRequest};
use immich_tests::{Options, TestServer, Version};

fn holidays() -> AlbumId {
    AlbumId::parse(fixtures::album_holidays()).unwrap()
}

fn asset(id: String) -> AssetId {
    AssetId::parse(id).unwrap()
}

fn last_request(server: &TestServer) -> LoggedRequest {
    server.requests().pop().expect("the server saw a request")
}

/// Asserts none of `secrets` shows in `shown`.
fn assert_hidden(shown: &str, secrets: &[&str]) {
    for secret in secrets {
        assert!(!shown.contains(secret), "{secret:?} shows in {shown}");
    }
}

macro_rules! suite {
    ($transport:ident, $client:ty, [$($test:tt)*], [$($fn_kind:tt)*], [$($aw:tt)*]) => {
        mod $transport {
            use super::*;

            type Client = $client;

            $($test)*
            $($fn_kind)* fn login_session_then_logout() {
                // The key lacks `user.read`; a session is not bound by key permissions.
                let server = TestServer::start(Options::default().deny_permission("user.read"));
                let guest = Client::builder(&server.url()).build().unwrap();
                guest.setup()$($aw)*.unwrap(); // public
                assert_eq!(
                    guest.me()$($aw)*.unwrap_err().status(),
                    Some(StatusCode::UNAUTHORIZED)
                );

                let wrong = guest.login(fixtures::EMAIL, "wrong-s3cr3t")$($aw)*.unwrap_err();
                assert_eq!(wrong.status(), Some(StatusCode::UNAUTHORIZED));
                assert_hidden(&format!("{wrong} {wrong:?}"), &["wrong-s3cr3t"]);

                let (client, login) = guest
                    .login(fixtures::EMAIL, fixtures::PASSWORD)$($aw)*
                    .unwrap();
                let token = login.access_token.expose_secret().to_owned();
                assert_eq!(login.user_id.as_str(), fixtures::me());
                assert_eq!(login.user_email, fixtures::EMAIL);
                assert_hidden(
                    &format!("{client:?} {login:?} {:?}", client.server()),
                    &[&token, fixtures::PASSWORD],
                );
                let sent = last_request(&server);
                assert_eq!(sent.line(), "POST /api/auth/login");
                assert_eq!(sent.api_key, KeyCheck::Missing);

                let me = client.me()$($aw)*.unwrap();
                assert_eq!(me.id.as_str(), fixtures::me());
                let sent = last_request(&server);
                assert_eq!(sent.header("authorization"), Some(format!("Bearer {token}").as_str()));
                assert_eq!(sent.api_key, KeyCheck::Missing);
                assert!(client.validate_access_token()$($aw)*.unwrap());
                // The version learned before the login carries over.
                assert_eq!(client.server().version(), guest.server().version());
                // The client that logged in is unchanged: still a guest.
                let still_guest = guest.me()$($aw)*.unwrap_err();
                assert_eq!(
                    still_guest.status(),
                    Some(StatusCode::UNAUTHORIZED),
                    "{still_guest:?}"
                );

                // A stored token resumes the session.
                let resumed = Client::builder(&server.url())
                    .session_token(&token)
                    .build()
                    .unwrap();
                assert_eq!(resumed.me()$($aw)*.unwrap().id.as_str(), fixtures::me());

                // Logout ends the session for every client holding the token.
                assert!(client.logout()$($aw)*.unwrap().successful);
                for holder in [&client, &resumed] {
                    let refused = holder.me()$($aw)*.unwrap_err();
                    assert_eq!(refused.status(), Some(StatusCode::UNAUTHORIZED));
                    assert_hidden(&format!("{refused} {refused:?}"), &[&token]);
                }
                let refused = client.validate_access_token()$($aw)*.unwrap_err();
                assert_eq!(refused.status(), Some(StatusCode::UNAUTHORIZED));
                // An unusable token never reaches the server, and is not echoed.
                let bad = Client::builder(&server.url()).session_token("two words").build();
                let bad = bad.err().expect("a token with a space is refused");
                assert_hidden(&format!("{bad} {bad:?}"), &["two words"]);
            }

            $($test)*
            $($fn_kind)* fn shared_link_by_key_reaches_only_the_link() {
                let server = TestServer::start(Options::default());
                let admin = Client::new(&server.url(), server.api_key()).unwrap();
                let link = admin
                    .create_shared_link(CreateSharedLink::for_album(holidays()))$($aw)*
                    .unwrap();
                let visitor = Client::builder(&server.url())
                    .shared_link_key(&link.key)
                    .build()
                    .unwrap();
                visitor.setup()$($aw)*.unwrap();
                assert_hidden(&format!("{visitor:?}"), &[&link.key]);

                let mine = visitor.my_shared_link()$($aw)*.unwrap();
                assert_eq!(mine.id, link.id);
                let sent = last_request(&server);
                assert_eq!(sent.line(), format!("GET /api/shared-links/me?key={}", link.key));
                assert_eq!(sent.api_key, KeyCheck::Missing);
                assert_eq!(visitor.album(holidays())$($aw)*.unwrap().id, holidays());
                let thumbnail = visitor
                    .thumbnail(asset(fixtures::asset_beach()), AssetMediaSize::Preview)$($aw)*
                    .unwrap();
                assert!(!thumbnail.body.is_empty());
                // The key goes after the operation's own query.
                assert_eq!(
                    last_request(&server).query,
                    Some(format!("size=preview&key={}", link.key))
                );

                // What the link does not show, and routes not open to links, stay closed.
                let outside = visitor
                    .thumbnail(asset(fixtures::asset_family()), AssetMediaSize::Thumbnail)$($aw)*
                    .unwrap_err();
                assert_eq!(outside.status(), Some(StatusCode::BAD_REQUEST));
                let albums = visitor.albums()$($aw)*.unwrap_err();
                assert_eq!(albums.status(), Some(StatusCode::FORBIDDEN));
                // A key the server does not know.
                let stranger = Client::builder(&server.url())
                    .shared_link_key("not-a-link")
                    .build()
                    .unwrap();
                let refused = stranger.my_shared_link()$($aw)*.unwrap_err();
                assert_eq!(refused.status(), Some(StatusCode::UNAUTHORIZED));
                // An API-key client has no link to read: refused before sending.
                let before = server.requests().len();
                assert!(admin.my_shared_link()$($aw)*.unwrap_err().status().is_none());
                assert_eq!(server.requests().len(), before);
            }

            $($test)*
            $($fn_kind)* fn shared_link_by_slug() {
                let server = TestServer::start(Options::default());
                let admin = Client::new(&server.url(), server.api_key()).unwrap();
                admin.setup()$($aw)*.unwrap();
                let link = admin
                    .create_shared_link(
                        CreateSharedLink::for_album(holidays()).slug("summer 2025"),
                    )$($aw)*
                    .unwrap();
                let visitor = Client::builder(&server.url())
                    .shared_link_slug("summer 2025")
                    .build()
                    .unwrap();
                assert_hidden(&format!("{visitor:?}"), &["summer 2025", "summer%202025"]);
                let mine = visitor.my_shared_link()$($aw)*.unwrap();
                assert_eq!((mine.id, mine.slug.as_deref()), (link.id, Some("summer 2025")));
                assert_eq!(
                    last_request(&server).query.as_deref(),
                    Some("slug=summer%202025")
                );
                let thumbnail = visitor
                    .thumbnail(asset(fixtures::asset_beach()), AssetMediaSize::Thumbnail)$($aw)*;
                assert!(thumbnail.is_ok());
                let unknown = Client::builder(&server.url())
                    .shared_link_slug("winter")
                    .build()
                    .unwrap();
                let refused = unknown.my_shared_link()$($aw)*.unwrap_err();
                assert_eq!(refused.status(), Some(StatusCode::UNAUTHORIZED));

                // A server before v1.137 cannot open links by slug: refused before sending.
                let old = TestServer::start(Options::old(Version::V1_118));
                let visitor = Client::builder(&old.url())
                    .shared_link_slug("summer 2025")
                    .build()
                    .unwrap();
                // The version request is public: the slug is not read there.
                visitor.setup()$($aw)*.unwrap();
                let before = old.requests().len();
                let refused = visitor.my_shared_link()$($aw)*.unwrap_err();
                assert!(
                    matches!(refused.proto(), Some(immich_proto::Error::Unsupported { .. })),
                    "{refused:?}"
                );
                assert_eq!(old.requests().len(), before);
            }

            $($test)*
            $($fn_kind)* fn password_protected_link_needs_the_login_step() {
                let server = TestServer::start(Options::default());
                let admin = Client::new(&server.url(), server.api_key()).unwrap();
                let link = admin
                    .create_shared_link(
                        CreateSharedLink::for_album(holidays()).password("open s3same"),
                    )$($aw)*
                    .unwrap();
                assert_hidden(&format!("{link:?}"), &["open s3same", &link.key]);
                let visitor = Client::builder(&server.url())
                    .shared_link_key(&link.key)
                    .build()
                    .unwrap();
                visitor.setup()$($aw)*.unwrap();
                let locked = visitor.my_shared_link()$($aw)*.unwrap_err();
                assert_eq!(locked.status(), Some(StatusCode::UNAUTHORIZED));
                assert!(locked.to_string().contains("Password required"), "{locked}");

                let wrong = visitor.shared_link_login("nope-s3cr3t")$($aw)*.unwrap_err();
                assert_eq!(wrong.status(), Some(StatusCode::UNAUTHORIZED));
                assert_hidden(&format!("{wrong} {wrong:?}"), &["nope-s3cr3t"]);

                let (unlocked, shown) = visitor.shared_link_login("open s3same")$($aw)*.unwrap();
                assert_eq!(shown.id, link.id);
                let sent = last_request(&server);
                assert_eq!(sent.line(), format!("POST /api/shared-links/login?key={}", link.key));
                assert_eq!(sent.json(), serde_json::json!({ "password": "open s3same" }));

                let mine = unlocked.my_shared_link()$($aw)*.unwrap();
                assert_eq!(mine.id, link.id);
                // The token went back as the cookie the server set, and shows nowhere.
                let cookie = last_request(&server)
                    .header("cookie")
                    .map(str::to_owned)
                    .expect("the token cookie was sent");
                let token = cookie
                    .strip_prefix("immich_shared_link_token=")
                    .expect("the shared-link cookie");
                assert_hidden(
                    &format!("{unlocked:?} {:?}", unlocked.server()),
                    &[token, "open s3same", &link.key],
                );
                // The visitor without the token is still locked out of the link's page.
                let still = visitor.my_shared_link()$($aw)*.unwrap_err();
                assert_eq!(still.status(), Some(StatusCode::UNAUTHORIZED));

                // A link without a password has no login step.
                let open = admin
                    .create_shared_link(CreateSharedLink::for_album(holidays()))$($aw)*
                    .unwrap();
                let visitor = Client::builder(&server.url())
                    .shared_link_key(&open.key)
                    .build()
                    .unwrap();
                let refused = visitor.shared_link_login("anything")$($aw)*.unwrap_err();
                assert_eq!(refused.status(), Some(StatusCode::BAD_REQUEST));
            }

            $($test)*
            $($fn_kind)* fn shared_link_login_needs_v2_6() {
                let server = TestServer::start(Options::old(Version::V2));
                let admin = Client::new(&server.url(), server.api_key()).unwrap();
                admin.setup()$($aw)*.unwrap();
                let link = admin
                    .create_shared_link(CreateSharedLink::for_album(holidays()).password("pw"))$($aw)*
                    .unwrap();
                let visitor = Client::builder(&server.url())
                    .shared_link_key(&link.key)
                    .build()
                    .unwrap();
                visitor.setup()$($aw)*.unwrap();
                let before = server.requests().len();
                let refused = visitor.shared_link_login("pw")$($aw)*.unwrap_err();
                assert!(
                    matches!(
                        refused.proto(),
                        Some(immich_proto::Error::Unsupported { operation: "sharedLinkLogin", .. })
                    ),
                    "{refused:?}"
                );
                assert_eq!(server.requests().len(), before);
            }
        }
    };
}

suite!(through_tokio, immich_tokio::Client, [#[tokio::test]], [async], [.await]);
suite!(through_blocking, immich_blocking::Client, [#[test]], [], []);
