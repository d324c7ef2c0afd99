//! Authentication beyond API keys: password login, logout, token check, shared-link access by
//! key or slug (with the password step of protected links). Golden requests for every
//! credential, recorded answers, version gates, and secrets kept out of `Debug`, `Display` and
//! errors.

#[path = "support/golden.rs"]
mod support;

use bytes::Bytes;
use http::Response;
use immich_proto::assets::{AssetMediaSize, ViewAsset};
use immich_proto::authentication::{Login, LoginResponse, Logout, ValidateAccessToken};
use immich_proto::shared_links::{
    GetAllSharedLinks, GetMySharedLink, SharedLinkLogin, SharedLinkLoginResponse,
};
use immich_proto::{
    parse_response, AlbumId, AssetId, Auth, Endpoint, Error, MediaEndpoint, Server, ServerVersion,
    SessionToken, SharedLinkKey, SharedLinkToken, UserId,
};
use support::{assert_request, assert_request_with, get, json, ok, ok_fixture, v1, v3};

const BASE: &str = "http://immich.test:2283/api";
const TOKEN: &str = "s3ss10n-t0ken-v3-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789";
const LINK_KEY: &str = "KEY-five_abcdefghijklmnopqrstuvwxyz0123456";
/// A token cookie value as Express sets it: base64 with `+`, `/` and `=` percent-encoded.
const LINK_TOKEN: &str = "c3VwZXI%2Bc2VjcmV0%2Fc2hhcmU%3D";

fn anonymous(version: Option<(u64, u64, u64)>) -> Server {
    let server = Server::new("http://immich.test:2283").unwrap();
    match version {
        Some((major, minor, patch)) => server.with_version(ServerVersion::new(major, minor, patch)),
        None => server,
    }
}

fn session(version: Option<(u64, u64, u64)>) -> Server {
    anonymous(version).with_session_token(TOKEN).unwrap()
}

fn by_key(version: Option<(u64, u64, u64)>) -> Server {
    anonymous(version).with_shared_link_key(LINK_KEY).unwrap()
}

fn by_slug(version: Option<(u64, u64, u64)>) -> Server {
    anonymous(version)
        .with_shared_link_slug("summer 2025/beach")
        .unwrap()
}

fn bearer() -> String {
    format!("Bearer {TOKEN}")
}

fn created(body: Bytes, set_cookie: &[&str]) -> Response<Bytes> {
    let mut builder = Response::builder()
        .status(201)
        .header("content-type", "application/json; charset=utf-8");
    for cookie in set_cookie {
        builder = builder.header("set-cookie", *cookie);
    }
    builder.body(body).unwrap()
}

fn link_fixture() -> Bytes {
    support::fixture("shared_links/getMySharedLink.v3.json")
}

/// Whether the value's type implements `Display`, decided at compile time (autoref
/// specialisation): `ByDisplay` is found first, but applies only when the bound holds.
macro_rules! displays {
    ($value:expr) => {{
        struct Wrap<T>(T);
        // Each expansion uses one of the two traits; the other is dead there by design.
        #[allow(dead_code)]
        trait ByDisplay {
            fn displays(&self) -> bool;
        }
        impl<T: std::fmt::Display> ByDisplay for Wrap<T> {
            fn displays(&self) -> bool {
                true
            }
        }
        #[allow(dead_code)]
        trait Fallback {
            fn displays(&self) -> bool;
        }
        impl<T> Fallback for &Wrap<T> {
            fn displays(&self) -> bool {
                false
            }
        }
        (&Wrap($value)).displays()
    }};
}

// ---- golden requests -------------------------------------------------------------------

#[test]
fn login_golden() {
    let login = Login::new("ann@example.com", "hunter2 \"quoted\"");
    let body = r#"{"email":"ann@example.com","password":"hunter2 \"quoted\""}"#;
    let uri = format!("{BASE}/auth/login");
    // Anonymous: no credential at all.
    for server in [
        anonymous(None),
        anonymous(Some((1, 118, 2))),
        anonymous(Some((3, 0, 0))),
    ] {
        assert_request_with(
            &login.request(&server).unwrap(),
            &json("POST", &uri, body),
            &[],
        );
    }
    // A client that has an API key still logs in the same way.
    assert_request(&login.request(&v3()).unwrap(), &json("POST", &uri, body));
    assert!(matches!(
        Login::new("  ", "x").request(&v3()),
        Err(Error::InvalidInput { what: "email", .. })
    ));
    assert_eq!(Login::OPERATION_ID, "login");
    assert_eq!(Login::PERMISSION, None);
}

#[test]
fn logout_and_validate_golden_with_a_session() {
    for server in [
        session(None),
        session(Some((1, 118, 2))),
        session(Some((3, 0, 0))),
    ] {
        let credential = [("authorization", bearer(), true)];
        let credential: Vec<(&str, &str, bool)> = credential
            .iter()
            .map(|(n, v, s)| (*n, v.as_str(), *s))
            .collect();
        let logout = Logout::new().request(&server).unwrap();
        assert_request_with(
            &logout,
            &support::Expect {
                method: "POST",
                uri: &format!("{BASE}/auth/logout"),
                json: None,
            },
            &credential,
        );
        let validate = ValidateAccessToken::new().request(&server).unwrap();
        assert_request_with(
            &validate,
            &support::Expect {
                method: "POST",
                uri: &format!("{BASE}/auth/validateToken"),
                json: None,
            },
            &credential,
        );
    }
    // Every other request of a session carries the bearer token too, never an API key.
    let request = GetAllSharedLinks::new()
        .request(&session(Some((3, 0, 0))))
        .unwrap();
    assert_eq!(request.headers()["authorization"], bearer().as_str());
    assert!(request.headers()["authorization"].is_sensitive());
    assert!(!request.headers().contains_key("x-api-key"));
    assert_eq!(Logout::OPERATION_ID, "logout");
    assert_eq!(Logout::PERMISSION, None);
    assert_eq!(ValidateAccessToken::OPERATION_ID, "validateAccessToken");
    assert_eq!(ValidateAccessToken::PERMISSION, None);
}

#[test]
fn get_my_shared_link_golden_by_key_and_by_slug() {
    for server in [
        by_key(None),
        by_key(Some((1, 118, 2))),
        by_key(Some((3, 0, 0))),
    ] {
        assert_request_with(
            &GetMySharedLink::new().request(&server).unwrap(),
            &get(&format!("{BASE}/shared-links/me?key={LINK_KEY}")),
            &[],
        );
    }
    // A slug is percent-encoded like any query value.
    for server in [
        by_slug(None),
        by_slug(Some((1, 137, 0))),
        by_slug(Some((3, 0, 0))),
    ] {
        assert_request_with(
            &GetMySharedLink::new().request(&server).unwrap(),
            &get(&format!(
                "{BASE}/shared-links/me?slug=summer%202025%2Fbeach"
            )),
            &[],
        );
    }
    // With the password step done, the token goes back as the cookie the server set.
    let unlocked = by_key(Some((3, 0, 0)))
        .with_shared_link_token(SharedLinkToken::new(LINK_TOKEN).unwrap())
        .unwrap();
    let cookie = format!("immich_shared_link_token={LINK_TOKEN}");
    assert_request_with(
        &GetMySharedLink::new().request(&unlocked).unwrap(),
        &get(&format!("{BASE}/shared-links/me?key={LINK_KEY}")),
        &[("cookie", &cookie, true)],
    );
    assert_eq!(GetMySharedLink::OPERATION_ID, "getMySharedLink");
    assert_eq!(GetMySharedLink::PERMISSION, None);
}

#[test]
fn shared_link_login_golden() {
    let login = SharedLinkLogin::new("hunter2");
    for server in [
        by_key(None),
        by_key(Some((2, 6, 0))),
        by_key(Some((3, 0, 0))),
    ] {
        assert_request_with(
            &login.request(&server).unwrap(),
            &json(
                "POST",
                &format!("{BASE}/shared-links/login?key={LINK_KEY}"),
                r#"{"password":"hunter2"}"#,
            ),
            &[],
        );
    }
    assert_request_with(
        &login.request(&by_slug(Some((3, 0, 0)))).unwrap(),
        &json(
            "POST",
            &format!("{BASE}/shared-links/login?slug=summer%202025%2Fbeach"),
            r#"{"password":"hunter2"}"#,
        ),
        &[],
    );
    assert_eq!(SharedLinkLogin::OPERATION_ID, "sharedLinkLogin");
    assert_eq!(SharedLinkLogin::PERMISSION, None);
}

#[test]
fn the_link_key_is_appended_to_every_query() {
    let album = AlbumId::parse("a1b00000-0000-4000-8000-000000000003").unwrap();
    let asset = AssetId::parse("a55e7000-0000-4000-8000-000000000002").unwrap();
    let server = by_key(Some((3, 0, 0)));
    // An operation's own query comes first, the key after it.
    let listed = GetAllSharedLinks::new()
        .album(album.clone())
        .request(&server);
    assert_eq!(
        listed.unwrap().uri().to_string(),
        format!("{BASE}/shared-links?albumId={album}&key={LINK_KEY}")
    );
    let thumbnail = ViewAsset::new(asset.clone())
        .size(AssetMediaSize::Preview)
        .request(&server)
        .unwrap();
    assert_eq!(
        thumbnail.uri().to_string(),
        format!("{BASE}/assets/{asset}/thumbnail?size=preview&key={LINK_KEY}")
    );
    // Without one, the key is the whole query.
    let plain = ViewAsset::new(asset.clone())
        .request(&by_slug(Some((3, 0, 0))))
        .unwrap();
    assert_eq!(
        plain.uri().to_string(),
        format!("{BASE}/assets/{asset}/thumbnail?slug=summer%202025%2Fbeach")
    );
    // Shared-link access sends no header credential.
    assert!(!thumbnail.headers().contains_key("x-api-key"));
    assert!(!thumbnail.headers().contains_key("authorization"));
}

// ---- refusals before a request exists ----------------------------------------------------

#[test]
fn shared_link_operations_need_shared_link_access() {
    for server in [v3(), session(Some((3, 0, 0))), anonymous(None)] {
        for error in [
            GetMySharedLink::new().request(&server).unwrap_err(),
            SharedLinkLogin::new("pw").request(&server).unwrap_err(),
        ] {
            assert!(
                matches!(
                    error,
                    Error::InvalidInput {
                        what: "credential",
                        ..
                    }
                ),
                "{error:?}"
            );
        }
    }
    let token = SharedLinkToken::new(LINK_TOKEN).unwrap();
    assert!(matches!(
        v3().with_shared_link_token(token),
        Err(Error::InvalidInput {
            what: "shared-link token",
            ..
        })
    ));
}

#[test]
fn old_servers_are_refused_what_they_lack() {
    // `POST /shared-links/login` arrived in v2.6.0.
    let err = SharedLinkLogin::new("pw")
        .request(&by_key(Some((2, 5, 9))))
        .unwrap_err();
    assert_eq!(
        err,
        Error::Unsupported {
            operation: "sharedLinkLogin",
            minimum: ServerVersion::new(2, 6, 0),
            found: ServerVersion::new(2, 5, 9),
        }
    );
    assert!(SharedLinkLogin::new("pw")
        .request(&by_key(Some((1, 118, 2))))
        .is_err());
    // Opening a link by slug arrived in v1.137.0, for every request.
    for error in [
        GetMySharedLink::new()
            .request(&by_slug(Some((1, 136, 0))))
            .unwrap_err(),
        ViewAsset::new(AssetId::parse("a55e7000-0000-4000-8000-000000000002").unwrap())
            .request(&by_slug(Some((1, 118, 2))))
            .unwrap_err(),
    ] {
        assert!(
            matches!(
                &error,
                Error::Unsupported {
                    minimum,
                    ..
                } if *minimum == ServerVersion::new(1, 137, 0)
            ),
            "{error:?}"
        );
    }
    // By key, the same request goes to the old server.
    assert!(GetMySharedLink::new()
        .request(&by_key(Some((1, 118, 2))))
        .is_ok());
}

// ---- recorded answers --------------------------------------------------------------------

#[test]
fn login_answers_of_v3_and_old_servers() {
    let login = Login::new("ann@example.com", "pw");
    let v3_answer = created(support::fixture("authentication/login.v3.json"), &[]);
    let answer = parse_response(&login, v3_answer).unwrap();
    assert_eq!(answer.access_token.expose_secret(), TOKEN);
    assert_eq!(
        answer.user_id,
        UserId::parse("05e70000-0000-4000-8000-000000000001").unwrap()
    );
    assert_eq!(
        (answer.user_email.as_str(), answer.name.as_str()),
        ("ann@example.com", "Ann")
    );
    assert!(answer.is_admin);
    assert!(!answer.should_change_password);
    assert_eq!(answer.is_onboarded, Some(true));
    // An old server sends no `isOnboarded`.
    let old = created(support::fixture("authentication/login.v1_118.json"), &[]);
    let old = parse_response(&login, old).unwrap();
    assert_eq!(old.is_onboarded, None);
    assert!(old.should_change_password);
    assert_eq!(old.profile_image_path, "upload/profile/05e70000/avatar.jpg");

    // The answer signs the server in: the bearer token replaces the API key, and the learned
    // version carries over.
    let signed_in = answer.signed_in(&v1());
    assert!(matches!(signed_in.auth(), Auth::Session(_)));
    assert_eq!(signed_in.version(), Some(ServerVersion::new(1, 118, 2)));
    let request = GetAllSharedLinks::new().request(&signed_in).unwrap();
    assert_eq!(request.headers()["authorization"], bearer().as_str());
    assert!(!request.headers().contains_key("x-api-key"));
}

#[test]
fn logout_and_validate_answers() {
    let logout =
        parse_response(&Logout::new(), ok_fixture("authentication/logout.v3.json")).unwrap();
    assert!(logout.successful);
    assert_eq!(logout.redirect_uri, "/auth/login?autoLaunch=0");
    let status = parse_response(
        &ValidateAccessToken::new(),
        ok_fixture("authentication/validateAccessToken.v3.json"),
    )
    .unwrap();
    assert!(status.auth_status);
    // A session that was logged out is a 401, typed like any error.
    let refused = Response::builder()
        .status(401)
        .body(Bytes::from_static(br#"{"message":"Invalid user token"}"#))
        .unwrap();
    let err = parse_response(&ValidateAccessToken::new(), refused).unwrap_err();
    assert_eq!(err.status(), Some(http::StatusCode::UNAUTHORIZED));
}

#[test]
fn my_shared_link_answer() {
    let link = parse_response(&GetMySharedLink::new(), ok(link_fixture())).unwrap();
    assert_eq!(link.key, LINK_KEY);
    assert_eq!(link.slug.as_deref(), Some("summer-2025"));
    assert!(link.has_password());
}

#[test]
fn shared_link_login_reads_the_token_cookie() {
    let login = SharedLinkLogin::new("hunter2-secret");
    // The server sets several cookies; the token is kept exactly as sent (still encoded).
    let answer = created(
        link_fixture(),
        &[
            "immich_other=1; Path=/",
            &format!(
                "immich_shared_link_token={LINK_TOKEN}; Max-Age=86400; Path=/; \
                 Expires=Sun, 03 Aug 2025 09:00:00 GMT; HttpOnly; SameSite=Lax"
            ),
        ],
    );
    let answer: SharedLinkLoginResponse = parse_response(&login, answer).unwrap();
    assert_eq!(answer.link.key, LINK_KEY);
    assert_eq!(answer.token.expose_secret(), LINK_TOKEN);
    let unlocked = answer.signed_in(&by_key(Some((3, 0, 0)))).unwrap();
    let request = GetMySharedLink::new().request(&unlocked).unwrap();
    assert_eq!(
        request.headers()["cookie"],
        format!("immich_shared_link_token={LINK_TOKEN}").as_str()
    );
    assert!(request.headers()["cookie"].is_sensitive());
    assert!(request.uri().query().unwrap().ends_with(LINK_KEY));
    // Signing in a server that opens no link is refused: the token alone opens nothing.
    assert!(answer.signed_in(&v3()).is_err());

    // Without the cookie the login did not work: a decode error naming `Set-Cookie`.
    let without = created(link_fixture(), &["immich_shared_link_token=; Path=/"]);
    match parse_response(&login, without) {
        Err(Error::Decode(decode)) => {
            assert_eq!(decode.operation, "sharedLinkLogin");
            assert_eq!(decode.path, "Set-Cookie");
        }
        other => panic!("{other:?}"),
    }
}

// ---- secrets -------------------------------------------------------------------------------

#[test]
fn credentials_never_show_in_debug_and_have_no_display() {
    let token = SessionToken::new(TOKEN).unwrap();
    let key = SharedLinkKey::key(LINK_KEY).unwrap();
    let slug = SharedLinkKey::slug("my-secret-slug").unwrap();
    let link_token = SharedLinkToken::new(LINK_TOKEN).unwrap();
    let password = immich_proto::Secret::new("hunter2");
    let shown = format!("{token:?} {key:?} {slug:?} {link_token:?} {password:?}");
    assert_eq!(
        shown,
        "SessionToken(***) SharedLinkKey(key: ***) SharedLinkKey(slug: ***) \
         SharedLinkToken(***) Secret(***)"
    );
    assert!(!displays!(&token));
    assert!(!displays!(&key));
    assert!(!displays!(&link_token));
    assert!(!displays!(&password));
    // The probe itself works.
    assert!(displays!(&"text"));

    let servers = [
        session(Some((3, 0, 0))),
        by_key(None),
        anonymous(None)
            .with_shared_link_slug("my-secret-slug")
            .unwrap()
            .with_shared_link_token(link_token.clone())
            .unwrap(),
    ];
    for server in &servers {
        let shown = format!("{server:?} {:?}", server.auth());
        for secret in [TOKEN, LINK_KEY, "my-secret-slug", LINK_TOKEN] {
            assert!(!shown.contains(secret), "{shown}");
        }
        assert!(shown.contains("***"), "{shown}");
    }
    // Request types hide their passwords.
    let requests = format!(
        "{:?} {:?}",
        Login::new("ann@example.com", "hunter2"),
        SharedLinkLogin::new("hunter2")
    );
    assert!(!requests.contains("hunter2"), "{requests}");
    assert!(requests.contains("ann@example.com"));
}

#[test]
fn answers_holding_secrets_hide_them() {
    let login = Login::new("ann@example.com", "pw");
    let answer = parse_response(
        &login,
        created(support::fixture("authentication/login.v3.json"), &[]),
    )
    .unwrap();
    assert!(!format!("{answer:?}").contains(TOKEN));
    let link_login = parse_response(
        &SharedLinkLogin::new("pw"),
        created(
            link_fixture(),
            &[&format!("immich_shared_link_token={LINK_TOKEN}; Path=/")],
        ),
    )
    .unwrap();
    let shown = format!("{link_login:?}");
    for secret in [LINK_TOKEN, LINK_KEY, "hunter2-secret"] {
        assert!(!shown.contains(secret), "{shown}");
    }
}

#[test]
fn errors_never_hold_a_credential() {
    // Refused credentials: the error says which kind, never the value.
    let cases: Vec<(Result<Server, Error>, &str)> = vec![
        (anonymous(None).with_session_token("s3cr3t token"), "s3cr3t"),
        (
            anonymous(None).with_session_token("s3cr3t\ttoken"),
            "s3cr3t",
        ),
        (anonymous(None).with_session_token("   "), ""),
        (anonymous(None).with_shared_link_key(" "), ""),
        (anonymous(None).with_shared_link_slug(""), ""),
    ];
    for (result, secret) in cases {
        let err = result.unwrap_err();
        assert!(matches!(err, Error::InvalidCredential { .. }), "{err:?}");
        let shown = format!("{err} {err:?}");
        assert!(secret.is_empty() || !shown.contains(secret), "{shown}");
    }
    let err = SharedLinkToken::new("s3cr3t;cookie").unwrap_err();
    assert_eq!(
        err.to_string(),
        "the shared-link token is empty or contains characters that cannot be sent"
    );
    // A login answer that does not decode: the error names the path but shows none of the body,
    // which holds the token.
    let broken = format!(
        r#"{{"accessToken":"{TOKEN}","userId":"05e70000-0000-4000-8000-000000000001","userEmail":"a@b.c","isAdmin":"yes"}}"#
    );
    let err = parse_response(
        &Login::new("a@b.c", "pw"),
        created(Bytes::from(broken), &[]),
    )
    .unwrap_err();
    let shown = format!("{err} {err:?}");
    assert!(!shown.contains(TOKEN), "{shown}");
    match err {
        Error::Decode(decode) => assert_eq!(decode.path, "isAdmin"),
        other => panic!("{other:?}"),
    }
    // The same for a shared link's answer, which holds its key and password.
    let broken =
        format!(r#"{{"id":"5a1e0000-0000-4000-8000-000000000005","key":"{LINK_KEY}","type":7}}"#);
    let err = parse_response(&GetMySharedLink::new(), ok(broken)).unwrap_err();
    let shown = format!("{err} {err:?}");
    assert!(!shown.contains(LINK_KEY), "{shown}");
    // A session token in an answer that is not one fails without echoing it.
    let not_a_token = r#"{"accessToken":"has a space","userId":"05e70000-0000-4000-8000-000000000001","userEmail":"a@b.c"}"#;
    let err = parse_response(
        &Login::new("a@b.c", "pw"),
        created(Bytes::from_static(not_a_token.as_bytes()), &[]),
    )
    .unwrap_err();
    let shown = format!("{err} {err:?}");
    assert!(!shown.contains("has a space"), "{shown}");
    // Once logged in, any error the client meets is free of the token.
    let expired = Response::builder()
        .status(401)
        .body(Bytes::from_static(br#"{"message":"Invalid user token"}"#))
        .unwrap();
    let err = parse_response(&GetAllSharedLinks::new(), expired).unwrap_err();
    assert!(!format!("{err} {err:?}").contains(TOKEN));
}

#[test]
fn stored_credentials_round_trip() {
    // A session (or a link's token) stored by an app resumes with the same requests.
    let answer: LoginResponse = parse_response(
        &Login::new("ann@example.com", "pw"),
        created(support::fixture("authentication/login.v3.json"), &[]),
    )
    .unwrap();
    let stored = answer.access_token.expose_secret().to_owned();
    let resumed = anonymous(None).with_session_token(&stored).unwrap();
    assert_eq!(resumed.auth(), answer.signed_in(&anonymous(None)).auth());
    let token = SharedLinkToken::new(LINK_TOKEN).unwrap();
    let restored = SharedLinkToken::new(token.expose_secret()).unwrap();
    assert_eq!(token, restored);
    // `with_api_key` still works, and replaces any other credential.
    let keyed = session(None).with_api_key("test-api-key").unwrap();
    assert!(matches!(keyed.auth(), Auth::ApiKey(_)));
    assert_eq!(
        keyed.api_key().map(|k| k.header_value().as_bytes()),
        Some(&b"test-api-key"[..])
    );
    assert!(session(None).api_key().is_none());
}
