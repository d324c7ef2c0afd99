//! Credentials as the real server reads them (`AuthService.validate`, `AuthGuard`), and the
//! endpoints that hand them out.
//!
//! Order of precedence, as on the server: a shared link's key (`key` query or
//! `x-immich-share-key`), then its slug (`slug` query or `x-immich-share-slug`, v1.137+), then
//! a session token (`Authorization: Bearer`, `x-immich-user-token`, `x-immich-session-token`,
//! the `immich_access_token` cookie), then the API key. A session may do everything (no
//! permission checks); a shared link only reaches the routes marked for shared links, and only
//! what the link shows. A password-protected link's password is checked where the server checks
//! it: `GET /shared-links/me` wants the `immich_shared_link_token` cookie that
//! `POST /shared-links/login` (v2.6+) sets.

use http::header::{AUTHORIZATION, COOKIE, SET_COOKIE};
use http::{HeaderValue, Method, StatusCode};
use serde_json::{json, Value};

use super::routes::{json_with_etag, Ctx, Failure, Handled, Reply};
use super::store::{self, fixtures, Store};
use super::util::{base64, hex, percent_decode, sha1};
use super::{lock, KeyCheck};

/// Who a request acts as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Caller {
    /// A public route: credentials are not read at all.
    Public,
    /// The API key: its permissions apply.
    ApiKey,
    /// A login session with this token.
    Session(String),
    /// Shared-link access to the link with this id.
    SharedLink(String),
}

/// Works out the caller of a non-public route, or the `401` the server would answer.
pub(crate) fn authenticate(ctx: &Ctx<'_>, key: KeyCheck) -> Result<Caller, Failure> {
    let unauthorized = |message: &str| Failure::new(StatusCode::UNAUTHORIZED, message);
    let store = lock(&ctx.shared.store);
    if let Some(share_key) = header(ctx, "x-immich-share-key").or_else(|| ctx.query("key")) {
        return match store.shared_links.iter().find(|l| l.key == share_key) {
            Some(link) => Ok(Caller::SharedLink(link.id.clone())),
            None => Err(unauthorized("Invalid share key")),
        };
    }
    // Servers before v1.137 have no slugs: they ignore the parameter.
    let slug = header(ctx, "x-immich-share-slug").or_else(|| ctx.query("slug"));
    if let Some(slug) = slug.filter(|_| ctx.version.at_least(1, 137)) {
        return match store
            .shared_links
            .iter()
            .find(|l| l.slug.as_deref() == Some(slug))
        {
            Some(link) => Ok(Caller::SharedLink(link.id.clone())),
            None => Err(unauthorized("Invalid share slug")),
        };
    }
    if let Some(token) = session_token(ctx) {
        return if store.sessions.contains(&token) {
            Ok(Caller::Session(token))
        } else {
            Err(unauthorized("Invalid user token"))
        };
    }
    match key {
        KeyCheck::Valid => Ok(Caller::ApiKey),
        KeyCheck::Wrong => Err(unauthorized("Invalid API key")),
        KeyCheck::Missing => Err(unauthorized("Authentication required")),
    }
}

fn header<'a>(ctx: &'a Ctx<'_>, name: &str) -> Option<&'a str> {
    ctx.head.headers.get(name).and_then(|v| v.to_str().ok())
}

/// The session token of a request, wherever the server looks for one.
fn session_token(ctx: &Ctx<'_>) -> Option<String> {
    let bearer = header(ctx, AUTHORIZATION.as_str()).and_then(|value| {
        let (scheme, token) = value.split_once(' ')?;
        scheme.eq_ignore_ascii_case("bearer").then_some(token)
    });
    header(ctx, "x-immich-user-token")
        .or_else(|| header(ctx, "x-immich-session-token"))
        .or(bearer)
        .map(str::to_owned)
        .or_else(|| cookie(ctx, "immich_access_token"))
}

/// A cookie's value, decoded as cookie-parser decodes it.
fn cookie(ctx: &Ctx<'_>, name: &str) -> Option<String> {
    ctx.head
        .headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(n, _)| *n == name)
        .map(|(_, value)| percent_decode(value))
}

/// Whether a route is one the server opens to shared links (`@Authenticated({ sharedLink:
/// true })`), among those this server has.
pub(crate) fn is_shared_link_route(method: &Method, segments: &[&str]) -> bool {
    matches!(
        (method.as_str(), segments),
        ("GET", ["shared-links", "me"])
            | ("POST", ["shared-links", "login"])
            | ("GET", ["albums", _])
            | ("GET", ["assets", _])
            | ("GET", ["assets", _, "thumbnail" | "original"])
            | ("GET", ["assets", _, "video", "playback"])
    )
}

/// For shared-link access: refuses routes the link cannot reach (`403`, as the server) and
/// albums and assets the link does not show (`400`, the server's "no access" answer).
pub(crate) fn check_link_scope(
    ctx: &Ctx<'_>,
    link_id: &str,
    method: &Method,
    segments: &[&str],
) -> Result<(), Failure> {
    if !is_shared_link_route(method, segments) {
        return Err(Failure::new(StatusCode::FORBIDDEN, "Forbidden"));
    }
    let store = lock(&ctx.shared.store);
    let link = find_link(&store, link_id)?;
    let shows_asset = |asset: &str| {
        link.assets.iter().any(|a| a.eq_ignore_ascii_case(asset))
            || link
                .album
                .as_deref()
                .and_then(|album| store.album(album))
                .is_some_and(|album| album.assets.iter().any(|a| a.eq_ignore_ascii_case(asset)))
    };
    let shows_album = |album: &str| {
        link.album
            .as_deref()
            .is_some_and(|a| a.eq_ignore_ascii_case(album))
    };
    match segments {
        ["albums", album] if !shows_album(album) => Err(Failure::no_access("album.read")),
        ["assets", asset, ..] if !shows_asset(asset) => Err(Failure::no_access("asset.read")),
        ["assets", _, "original"] if !link.allow_download => {
            Err(Failure::no_access("asset.download"))
        }
        _ => Ok(()),
    }
}

fn find_link<'a>(store: &'a Store, id: &str) -> Result<&'a store::SharedLink, Failure> {
    store
        .shared_links
        .iter()
        .find(|l| l.id == id)
        .ok_or_else(|| Failure::bad_request("Shared link not found"))
}

/// `POST /auth/login`: the test user's email (any case) and password start a session.
pub(crate) fn login(ctx: &Ctx<'_>, body: &Value) -> Handled {
    let (Some(email), Some(password)) = (
        body.get("email").and_then(Value::as_str),
        body.get("password").and_then(Value::as_str),
    ) else {
        return Err(Failure::invalid(
            "email and password must be strings",
            &["body"],
        ));
    };
    if !email.trim().eq_ignore_ascii_case(fixtures::EMAIL) || password != fixtures::PASSWORD {
        return Err(Failure::new(
            StatusCode::UNAUTHORIZED,
            "Incorrect email or password",
        ));
    }
    let token = {
        let mut store = lock(&ctx.shared.store);
        store.next_session += 1;
        let n = store.next_session;
        let token = hex(&sha1(format!("session {n}").as_bytes()));
        store.sessions.push(token.clone());
        token
    };
    let mut answer = json!({
        "accessToken": token,
        "userId": fixtures::me(),
        "userEmail": fixtures::EMAIL,
        "name": "Test User",
        "isAdmin": true,
        "profileImagePath": "",
        "shouldChangePassword": false,
    });
    if ctx.v3() {
        answer["isOnboarded"] = json!(true);
    }
    let mut reply = Reply::json(StatusCode::CREATED, &answer);
    // The cookies a browser keeps; API clients use the token from the body instead.
    for cookie in [
        format!("immich_access_token={token}; Path=/; HttpOnly; SameSite=Lax"),
        "immich_auth_type=password; Path=/; HttpOnly; SameSite=Lax".to_owned(),
        "immich_is_authenticated=true; Path=/; SameSite=Lax".to_owned(),
    ] {
        if let Ok(value) = HeaderValue::from_str(&cookie) {
            reply.headers.append(SET_COOKIE, value);
        }
    }
    Ok(reply)
}

/// `POST /auth/logout`: ends the caller's session, if it has one.
pub(crate) fn logout(ctx: &Ctx<'_>, caller: &Caller) -> Handled {
    if let Caller::Session(token) = caller {
        lock(&ctx.shared.store).sessions.retain(|s| s != token);
    }
    Ok(Reply::json(
        StatusCode::OK,
        &json!({ "successful": true, "redirectUri": "/auth/login?autoLaunch=0" }),
    ))
}

/// `POST /auth/validateToken`: reached only with a credential the server accepted.
pub(crate) fn validate_token() -> Handled {
    Ok(Reply::json(StatusCode::OK, &json!({ "authStatus": true })))
}

/// The token that proves a link's password was given (the server hashes `{id}-{password}`).
fn link_token(link: &store::SharedLink, password: &str) -> String {
    base64(&sha1(format!("{}-{password}", link.id).as_bytes()))
}

/// The tokens of the request's `immich_shared_link_token` cookie (a comma-separated list).
fn link_tokens(ctx: &Ctx<'_>) -> Vec<String> {
    cookie(ctx, "immich_shared_link_token")
        .map(|value| value.split(',').map(str::to_owned).collect())
        .unwrap_or_default()
}

/// `POST /shared-links/login` (v2.6+): checks the password of the link the request opens and
/// sets the token cookie (merged with the tokens the request already had).
pub(crate) fn shared_link_login(ctx: &Ctx<'_>, caller: &Caller, body: &Value) -> Handled {
    if !ctx.version.at_least(2, 6) {
        return Err(Failure::new(
            StatusCode::NOT_FOUND,
            "Cannot POST /api/shared-links/login",
        ));
    }
    let Caller::SharedLink(id) = caller else {
        return Err(Failure::new(StatusCode::FORBIDDEN, "Forbidden"));
    };
    let Some(given) = body.get("password").and_then(Value::as_str) else {
        return Err(Failure::invalid(
            "password must be a string",
            &["body", "password"],
        ));
    };
    let store = lock(&ctx.shared.store);
    let link = find_link(&store, id)?;
    let Some(password) = link.password.as_deref() else {
        return Err(Failure::bad_request(
            "Shared link is not password protected",
        ));
    };
    if given != password {
        return Err(Failure::new(StatusCode::UNAUTHORIZED, "Invalid password"));
    }
    let mut tokens = link_tokens(ctx);
    let token = link_token(link, password);
    if !tokens.contains(&token) {
        tokens.push(token);
    }
    let value = encode_uri_component(&tokens.join(","));
    let mut reply = Reply::json(
        StatusCode::CREATED,
        &super::manage::link_json(ctx, &store, link),
    );
    let cookie = format!(
        "immich_shared_link_token={value}; Max-Age=86400; Path=/; \
         Expires=Thu, 02 Jan 2025 00:00:00 GMT; HttpOnly; SameSite=Lax"
    );
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        reply.headers.append(SET_COOKIE, value);
    }
    Ok(reply)
}

/// `GET /shared-links/me`: the link the request opens; a protected one needs its token cookie.
pub(crate) fn my_shared_link(ctx: &Ctx<'_>, caller: &Caller) -> Handled {
    let Caller::SharedLink(id) = caller else {
        return Err(Failure::new(StatusCode::FORBIDDEN, "Forbidden"));
    };
    let store = lock(&ctx.shared.store);
    let link = find_link(&store, id)?;
    if let Some(password) = link.password.as_deref() {
        if !link_tokens(ctx).contains(&link_token(link, password)) {
            return Err(Failure::new(StatusCode::UNAUTHORIZED, "Password required"));
        }
    }
    Ok(json_with_etag(
        ctx,
        &super::manage::link_json(ctx, &store, link),
    ))
}

/// What Express does to a cookie value: JavaScript's `encodeURIComponent`.
fn encode_uri_component(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-_.!~*'()".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}
