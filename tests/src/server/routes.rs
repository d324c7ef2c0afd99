//! Request handling: authentication, permissions, faults, validation, and each endpoint.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use bytes::Bytes;
use http::header::{
    ACCEPT_RANGES, CACHE_CONTROL, CONNECTION, CONTENT_LENGTH, CONTENT_RANGE, CONTENT_TYPE, ETAG,
    IF_NONE_MATCH, IF_RANGE, LOCATION, RANGE,
};
use http::{request, HeaderMap, HeaderValue, Method, Response, StatusCode};
use http_body_util::BodyExt;
use hyper::body::Incoming;
use immich_proto::catalogue;
use serde_json::{json, Value};

use super::auth::{self, Caller};
use super::body::{CutKind, ReplyBody};
use super::store::{self, fixtures, Asset, Kind};
use super::util::{self, is_uuid, query_pairs};
use super::{lock, Fault, KeyCheck, LoggedRequest, Shared, UploadRecord, Version};

/// An answer before it becomes a hyper response.
pub(crate) struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: ReplyBody,
    /// Close the connection after this answer (the request body may be unread).
    pub close: bool,
}

impl Reply {
    pub fn new(status: StatusCode, content_type: &'static str, body: ReplyBody) -> Self {
        let mut headers = HeaderMap::new();
        if !content_type.is_empty() {
            headers.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
        }
        Reply {
            status,
            headers,
            body,
            close: false,
        }
    }

    pub fn json_bytes(status: StatusCode, bytes: Bytes) -> Self {
        Self::new(
            status,
            "application/json; charset=utf-8",
            ReplyBody::bytes(bytes),
        )
    }

    pub fn json(status: StatusCode, value: &Value) -> Self {
        Self::json_bytes(status, Bytes::from(value.to_string()))
    }

    pub fn into_response(self) -> Response<ReplyBody> {
        let len = self.body.len();
        let mut response = Response::new(self.body);
        *response.status_mut() = self.status;
        *response.headers_mut() = self.headers;
        if self.status != StatusCode::NOT_MODIFIED && response.body().has_length() {
            response
                .headers_mut()
                .insert(CONTENT_LENGTH, HeaderValue::from(len));
        }
        if self.close {
            response
                .headers_mut()
                .insert(CONNECTION, HeaderValue::from_static("close"));
        }
        response
    }
}

/// Why a request failed, rendered in the emulated version's error shape.
pub(crate) struct Failure {
    status: StatusCode,
    messages: Vec<String>,
    /// v3 validation details: message and path.
    details: Vec<(String, Vec<String>)>,
}

impl Failure {
    pub(crate) fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Failure {
            status,
            messages: vec![message.into()],
            details: Vec::new(),
        }
    }

    pub(crate) fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }

    /// A validation failure: v2 lists the messages, v3 lists `{message, path}`.
    pub(crate) fn invalid(message: impl Into<String>, path: &[&str]) -> Self {
        let message = message.into();
        Failure {
            status: StatusCode::BAD_REQUEST,
            messages: vec![message.clone()],
            details: vec![(message, path.iter().map(|s| (*s).to_owned()).collect())],
        }
    }

    pub(crate) fn no_access(permission: &str) -> Self {
        Self::bad_request(format!("Not found or no {permission} access"))
    }
}

pub(crate) type Handled = Result<Reply, Failure>;

/// Everything a handler needs about the request.
pub(crate) struct Ctx<'a> {
    pub shared: &'a Shared,
    pub head: &'a request::Parts,
    /// The path after `/api`.
    pub path: &'a str,
    pub query: Vec<(String, String)>,
    pub version: Version,
    pub log_index: usize,
}

impl Ctx<'_> {
    pub(crate) fn query(&self, key: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    pub(crate) fn v3(&self) -> bool {
        self.version.is_v3()
    }

    /// Checks a path id as the emulated server's validation does.
    pub(crate) fn id(&self, id: &str) -> Result<String, Failure> {
        if is_uuid(id, self.v3()) {
            Ok(id.to_ascii_lowercase())
        } else if self.v3() {
            Err(Failure::invalid("Invalid UUID", &["params", "id"]))
        } else {
            Err(Failure::invalid("id must be a UUID", &["id"]))
        }
    }

    pub(crate) fn bool_query(&self, key: &str) -> Result<Option<bool>, Failure> {
        match self.query(key) {
            None => Ok(None),
            Some("true") => Ok(Some(true)),
            Some("false") => Ok(Some(false)),
            Some(_) => Err(Failure::invalid(
                format!("{key} must be a boolean value"),
                &["query", key],
            )),
        }
    }

    pub(crate) fn int_query(
        &self,
        key: &str,
        min: u64,
        max: u64,
        default: u64,
    ) -> Result<u64, Failure> {
        match self.query(key) {
            None => Ok(default),
            Some(v) => match v.parse::<u64>() {
                Ok(n) if (min..=max).contains(&n) => Ok(n),
                _ => Err(Failure::invalid(
                    format!("{key} must be an integer from {min} to {max}"),
                    &["query", key],
                )),
            },
        }
    }

    /// Refuses query parameters the emulated generation does not have.
    pub(crate) fn refuse_query(&self, keys: &[&str]) -> Result<(), Failure> {
        for key in keys {
            if self.query(key).is_some() {
                return Err(Failure::invalid(
                    format!("Unrecognized query parameter: {key}"),
                    &["query", key],
                ));
            }
        }
        Ok(())
    }

    fn page_size(&self, asked: u64) -> usize {
        let asked = asked as usize;
        self.shared
            .options
            .page_cap
            .map_or(asked, |cap| asked.min(cap))
    }
}

/// What the catalogue knows of a route (`path` under `/api`, e.g. `/albums/{id}` with a real
/// id): its operation, found as the real server would route it (literal segments first).
fn operation_of(method: &Method, path: &str) -> Option<&'static catalogue::Operation> {
    catalogue::find_route(method.as_str(), path)
}

/// Whether a route needs no credential: the document gives its operation no `security`
/// (`pingServer`, `getServerVersion`, `login`, ...). A route the catalogue does not know is
/// never public: this server has no routes of its own beyond the document's, and an unknown
/// one gets its `404` only after authentication, as on the real server.
fn is_public(method: &Method, path: &str) -> bool {
    operation_of(method, path).is_some_and(|op| op.public)
}

/// The permission a route needs (`x-immich-permission` of its operation), from the catalogue.
/// A route the catalogue does not know needs none (it then answers `404`).
fn permission(method: &Method, path: &str) -> Option<&'static str> {
    operation_of(method, path).and_then(|op| op.permission)
}

pub(crate) async fn handle(
    shared: Arc<Shared>,
    request: http::Request<Incoming>,
) -> Response<ReplyBody> {
    if shared.options.sink {
        return super::sink::handle(&shared, request).await.into_response();
    }
    let (head, body) = request.into_parts();
    let key_check = match head.headers.get("x-api-key") {
        None => KeyCheck::Missing,
        Some(v) if v.as_bytes() == shared.options.api_key.as_bytes() => KeyCheck::Valid,
        Some(_) => KeyCheck::Wrong,
    };
    let correlation_id = format!(
        "cid{:05}",
        shared
            .next_cid
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    );
    let log_index = {
        let mut headers = head.headers.clone();
        headers.remove("x-api-key");
        let mut log = lock(&shared.log);
        log.push(LoggedRequest {
            method: head.method.clone(),
            path: head.uri.path().to_owned(),
            query: head.uri.query().map(str::to_owned),
            headers,
            api_key: key_check,
            body: Bytes::new(),
            upload: None,
            status: None,
            correlation_id: correlation_id.clone(),
        });
        log.len() - 1
    };
    let full_path = head.uri.path().to_owned();
    let Some(path) = full_path
        .strip_prefix("/api")
        .filter(|p| p.starts_with('/'))
    else {
        let failure = Failure::new(
            StatusCode::NOT_FOUND,
            format!("Cannot {} {}", head.method, full_path),
        );
        return finish(&shared, log_index, &correlation_id, Err(failure), None);
    };
    let ctx = Ctx {
        shared: &shared,
        head: &head,
        path,
        query: query_pairs(head.uri.query()),
        version: shared.options.version,
        log_index,
    };
    let fault = shared.take_fault(&head.method, path);
    let result = route(&ctx, body, key_check, fault.as_ref()).await;
    super::sync::after_request(&shared, &head.method);
    finish(&shared, log_index, &correlation_id, result, fault.as_ref())
}

/// Renders the result, applies body faults, and records the status.
fn finish(
    shared: &Shared,
    log_index: usize,
    correlation_id: &str,
    result: Handled,
    fault: Option<&Fault>,
) -> Response<ReplyBody> {
    let mut reply = match result {
        Ok(reply) => reply,
        Err(failure) => error_reply(shared.options.version, correlation_id, failure),
    };
    if matches!(fault, Some(Fault::Status(..))) {
        // Answered before the request body was read: hyper then closes the connection, so it
        // says so (as a server that closes must), and a client never reuses it for the next
        // request to find it gone.
        reply.close = true;
    }
    reply.body = match fault {
        Some(Fault::DropMidBody) => reply.body.cut(CutKind::Drop),
        Some(Fault::StallMidBody) => reply.body.cut(CutKind::Stall),
        Some(Fault::Trickle(every)) => reply.body.cut(CutKind::Trickle(*every)),
        Some(Fault::EditJson(edit)) => {
            let edited = reply.body.whole_bytes().and_then(|bytes| {
                let mut value = serde_json::from_slice::<serde_json::Value>(&bytes).ok()?;
                (edit.0)(&mut value);
                serde_json::to_vec(&value).ok()
            });
            match edited {
                Some(bytes) => ReplyBody::bytes(Bytes::from(bytes)),
                None => reply.body,
            }
        }
        _ => reply.body,
    };
    if let Ok(cid) = HeaderValue::from_str(correlation_id) {
        reply.headers.insert("x-immich-cid", cid);
    }
    if let Some(entry) = lock(&shared.log).get_mut(log_index) {
        entry.status = Some(reply.status);
    }
    reply.into_response()
}

fn error_reply(version: Version, correlation_id: &str, failure: Failure) -> Reply {
    let body = if version.is_v3() {
        let mut body = json!({ "message": failure.messages.join("; ") });
        if !failure.details.is_empty() {
            body["errors"] = failure
                .details
                .iter()
                .map(|(message, path)| json!({ "message": message, "path": path }))
                .collect();
        }
        body
    } else {
        let message = if failure.details.is_empty() {
            json!(failure.messages.join("; "))
        } else {
            json!(failure.messages)
        };
        json!({
            "message": message,
            "error": failure.status.canonical_reason().unwrap_or("Error"),
            "statusCode": failure.status.as_u16(),
            "correlationId": correlation_id,
        })
    };
    Reply::json(failure.status, &body)
}

async fn route(ctx: &Ctx<'_>, body: Incoming, key: KeyCheck, fault: Option<&Fault>) -> Handled {
    let method = &ctx.head.method;
    match fault {
        Some(Fault::StallBeforeHead) => std::future::pending::<()>().await,
        Some(Fault::BadGatewayHtml) => {
            let mut reply = Reply::new(
                StatusCode::BAD_GATEWAY,
                "text/html",
                ReplyBody::bytes(Bytes::from_static(
                    b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n\
                      <center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx/1.27.0</center>\r\n\
                      </body>\r\n</html>\r\n",
                )),
            );
            reply.close = true;
            return Ok(reply);
        }
        Some(Fault::PayloadTooLargeHtml) | Some(Fault::PayloadTooLargeEmpty) => {
            let html = fault == Some(&Fault::PayloadTooLargeHtml);
            let mut reply = if html {
                Reply::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "text/html",
                    ReplyBody::bytes(Bytes::from_static(
                        b"<html>\r\n<head><title>413 Request Entity Too Large</title></head>\r\n\
                          <body>\r\n<center><h1>413 Request Entity Too Large</h1></center>\r\n\
                          <hr><center>nginx/1.27.0</center>\r\n</body>\r\n</html>\r\n",
                    )),
                )
            } else {
                Reply::new(StatusCode::PAYLOAD_TOO_LARGE, "", ReplyBody::empty())
            };
            reply.close = true;
            return Ok(reply);
        }
        Some(Fault::Status(status, message)) => {
            let status = StatusCode::from_u16(*status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            return Err(Failure::new(status, message.clone()));
        }
        Some(Fault::Redirect(location)) => return Ok(redirect(location)),
        _ => {}
    }

    let caller = if is_public(method, ctx.path) {
        Caller::Public
    } else {
        auth::authenticate(ctx, key)?
    };
    let segments: Vec<&str> = ctx.path[1..].split('/').collect();
    if let Caller::SharedLink(link) = &caller {
        auth::check_link_scope(ctx, link, method, &segments)?;
    }
    // Only an API key's permissions are checked: a session may do everything.
    if let Some(permission) = permission(method, ctx.path).filter(|_| caller == Caller::ApiKey) {
        if ctx
            .shared
            .options
            .denied_permissions
            .iter()
            .any(|p| p == permission)
        {
            return Err(Failure::new(
                StatusCode::FORBIDDEN,
                format!("Missing required permission: {permission}"),
            ));
        }
    }

    // The emulated release: its routes, and what it does with parameters it lacks.
    super::release::check_route(ctx)?;
    let screened = Ctx {
        query: super::release::screen_query(ctx)?,
        ..*ctx
    };
    let ctx = &screened;
    let _original_in_flight = match (method.as_str(), segments.as_slice()) {
        ("GET", ["assets", _, "original"]) => {
            let counted = InFlight::enter(
                &ctx.shared.originals_in_flight,
                &ctx.shared.max_originals_in_flight,
            );
            if let Some(delay) = ctx.shared.options.original_delay {
                tokio::time::sleep(delay).await;
            }
            Some(counted)
        }
        _ => None,
    };
    let reply = match (method.as_str(), segments.as_slice()) {
        ("POST", ["assets"]) => {
            let _in_flight = UploadInFlight::enter(ctx.shared);
            if let Some(delay) = ctx.shared.options.upload_delay {
                tokio::time::sleep(delay).await;
            }
            return upload(ctx, body, fault == Some(&Fault::EarlyCloseDuplicate)).await;
        }
        ("POST", ["albums"]) => create_album(ctx, read_json(ctx, body).await?)?,
        ("PUT", ["tags"]) => super::uploads::upsert_tags(ctx, read_json(ctx, body).await?)?,
        ("PUT", ["tags", "assets"]) => {
            super::uploads::bulk_tag_assets(ctx, read_json(ctx, body).await?)?
        }
        ("PUT", ["tags", id, "assets"]) => {
            let id = ctx.id(id)?;
            super::uploads::tag_assets(ctx, &id, read_json(ctx, body).await?)?
        }
        ("POST", ["stacks"]) => super::uploads::create_stack(ctx, read_json(ctx, body).await?)?,
        ("GET", ["queues"]) => super::uploads::queues(ctx)?,
        ("PUT", ["queues", name]) => {
            super::uploads::update_queue(ctx, name, read_json(ctx, body).await?)?
        }
        ("PUT", ["jobs", name]) => {
            super::uploads::job_command(ctx, name, read_json(ctx, body).await?)?
        }
        ("PUT", ["albums", id, "assets"]) => {
            let id = ctx.id(id)?;
            add_assets(ctx, &id, read_json(ctx, body).await?)?
        }
        ("POST", ["assets", "bulk-upload-check"]) => {
            bulk_upload_check(ctx, read_json(ctx, body).await?)?
        }
        ("POST", ["search", "metadata"]) => search(ctx, read_json(ctx, body).await?, None)?,
        ("POST", ["search", "random"]) => super::manage::random(ctx, read_json(ctx, body).await?)?,
        ("PUT", ["assets", id]) => {
            let id = ctx.id(id)?;
            super::manage::update_asset(ctx, &id, read_json(ctx, body).await?)?
        }
        ("PUT", ["assets"]) => super::manage::update_assets(ctx, read_json(ctx, body).await?)?,
        ("DELETE", ["assets"]) => super::manage::delete_assets(ctx, read_json(ctx, body).await?)?,
        ("POST", ["trash", "empty"]) => super::manage::empty_trash(ctx)?,
        ("PATCH", ["albums", id]) => {
            let id = ctx.id(id)?;
            super::manage::update_album(ctx, &id, read_json(ctx, body).await?)?
        }
        ("DELETE", ["albums", id]) => {
            let id = ctx.id(id)?;
            super::manage::delete_album(ctx, &id)?
        }
        ("DELETE", ["albums", id, "assets"]) => {
            let id = ctx.id(id)?;
            super::manage::remove_assets(ctx, &id, read_json(ctx, body).await?)?
        }
        ("PUT", ["albums", id, "users"]) => {
            let id = ctx.id(id)?;
            super::manage::add_users(ctx, &id, read_json(ctx, body).await?)?
        }
        ("PUT", ["albums", id, "user", user]) => {
            let id = ctx.id(id)?;
            super::manage::update_member(ctx, &id, user, Some(read_json(ctx, body).await?))?
        }
        ("DELETE", ["albums", id, "user", user]) => {
            let id = ctx.id(id)?;
            super::manage::update_member(ctx, &id, user, None)?
        }
        ("POST", ["auth", "login"]) => auth::login(ctx, &read_json(ctx, body).await?)?,
        ("POST", ["auth", "logout"]) => auth::logout(ctx, &caller)?,
        ("POST", ["auth", "validateToken"]) => auth::validate_token()?,
        ("POST", ["shared-links", "login"]) => {
            auth::shared_link_login(ctx, &caller, &read_json(ctx, body).await?)?
        }
        ("GET", ["shared-links", "me"]) => auth::my_shared_link(ctx, &caller)?,
        ("POST", ["shared-links"]) => {
            super::manage::create_shared_link(ctx, read_json(ctx, body).await?)?
        }
        ("DELETE", ["shared-links", id]) => {
            let id = ctx.id(id)?;
            super::manage::remove_shared_link(ctx, &id)?
        }
        ("POST", ["search", "smart"]) => {
            let body = read_json(ctx, body).await?;
            let query = body.get("query").and_then(Value::as_str).unwrap_or("");
            if query.trim().is_empty() {
                return Err(Failure::invalid(
                    "query should not be empty",
                    &["body", "query"],
                ));
            }
            search(ctx, body.clone(), Some(query.to_lowercase()))?
        }
        ("POST", ["sync", "stream"]) => {
            super::sync::stream(ctx, &caller, &read_json(ctx, body).await?)?
        }
        ("GET", ["sync", "ack"]) => super::sync::get_acks(ctx, &caller)?,
        ("POST", ["sync", "ack"]) => {
            super::sync::set_acks(ctx, &caller, &read_json(ctx, body).await?)?
        }
        ("DELETE", ["sync", "ack"]) => {
            let body = super::sync::read_optional_json(ctx, body).await?;
            super::sync::delete_acks(ctx, &caller, &body)?
        }
        ("GET", _) => get(ctx, &segments)?,
        _ => {
            return Err(Failure::new(
                StatusCode::NOT_FOUND,
                format!("Cannot {} /api{}", method, ctx.path),
            ))
        }
    };
    Ok(reply)
}

/// Reads a JSON request body (strictly: content type and syntax).
async fn read_json(ctx: &Ctx<'_>, body: Incoming) -> Result<Value, Failure> {
    let is_json = ctx
        .head
        .headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim_start().starts_with("application/json"));
    let bytes = http_body_util::Limited::new(body, 16 * 1024 * 1024)
        .collect()
        .await
        .map_err(|e| Failure::bad_request(format!("cannot read the body: {e}")))?
        .to_bytes();
    if let Some(entry) = lock(&ctx.shared.log).get_mut(ctx.log_index) {
        entry.body = bytes.clone();
    }
    if !is_json {
        return Err(Failure::bad_request(
            "expected a JSON body with Content-Type: application/json",
        ));
    }
    let mut value: Value = serde_json::from_slice(&bytes)
        .map_err(|e| Failure::bad_request(format!("Unexpected JSON: {e}")))?;
    if !value.is_object() {
        return Err(Failure::bad_request("the body must be a JSON object"));
    }
    super::release::screen_json(ctx, &mut value)?;
    Ok(value)
}

/// A JSON answer with an `ETag`; a GET whose `If-None-Match` matches gets `304`.
pub(crate) fn json_with_etag(ctx: &Ctx<'_>, value: &Value) -> Reply {
    let bytes = Bytes::from(value.to_string());
    let etag = format!(
        "W/\"{:x}-{}\"",
        bytes.len(),
        &util::base64(&util::sha1(&bytes))[..27]
    );
    conditional(ctx, etag, Reply::json_bytes(StatusCode::OK, bytes))
}

fn conditional(ctx: &Ctx<'_>, etag: String, mut reply: Reply) -> Reply {
    let matches = ctx.head.method == Method::GET
        && ctx
            .head
            .headers
            .get_all(IF_NONE_MATCH)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .any(|tag| {
                tag == "*"
                    || tag == etag
                    || tag.trim_start_matches("W/") == etag.trim_start_matches("W/")
            });
    if let Ok(value) = HeaderValue::from_str(&etag) {
        reply.headers.insert(ETAG, value);
    }
    if matches {
        reply.status = StatusCode::NOT_MODIFIED;
        reply.headers.remove(CONTENT_TYPE);
        reply.body = ReplyBody::empty();
    }
    reply
}

fn get(ctx: &Ctx<'_>, segments: &[&str]) -> Handled {
    let version = ctx.version;
    let ok = |value: Value| Ok(json_with_etag(ctx, &value));
    match segments {
        ["server", "version"] => ok(json!({
            "major": version.major, "minor": version.minor, "patch": version.patch,
        })),
        ["server", "ping"] => ok(json!({ "res": "pong" })),
        ["server", "features"] => ok(json!({
            "smartSearch": true, "facialRecognition": true, "duplicateDetection": true,
            "map": false, "reverseGeocoding": false, "importFaces": false, "sidecar": true,
            "search": true, "trash": true, "oauth": false, "oauthAutoLaunch": false,
            "passwordLogin": true, "configFile": false, "email": false, "ocr": false,
        })),
        ["server", "media-types"] => ok(json!({
            "image": [".jpg", ".jpeg", ".png", ".heic", ".gif", ".webp", ".dng"],
            "video": [".mp4", ".mov", ".webm", ".mkv"],
            "sidecar": [".xmp"],
        })),
        ["server", "about"] => ok(store::about_json(version)),
        ["server", "storage"] => ok(store::storage_json()),
        ["server", "statistics"] => ok(store::statistics_json(&lock(&ctx.shared.store))),
        ["server", "version-check"] => ok(json!({
            "checkedAt": "2025-01-01T00:00:00.000Z",
            "releaseVersion": Version::new(version.major, version.minor, version.patch + 1).tag(),
        })),
        ["users", "me"] => ok(store::me_json(version)),
        ["albums"] => list_albums(ctx),
        ["albums", "statistics"] => super::manage::album_statistics(ctx),
        ["assets", "statistics"] => super::manage::asset_statistics(ctx),
        ["shared-links"] => super::manage::shared_links(ctx),
        ["memories"] => super::manage::memories(ctx),
        ["timeline", "buckets"] => super::manage::time_buckets(ctx),
        ["timeline", "bucket"] => super::manage::time_bucket(ctx),
        ["map", "markers"] => super::manage::map_markers(ctx),
        ["stacks"] => super::manage::stacks(ctx),
        ["api-keys", "me"] => super::manage::my_api_key(ctx),
        ["albums", id] => {
            let id = ctx.id(id)?;
            let with_assets = if ctx.v3() {
                ctx.refuse_query(&["withoutAssets"])?;
                false
            } else {
                !ctx.bool_query("withoutAssets")?.unwrap_or(false)
            };
            let store = lock(&ctx.shared.store);
            let album = store
                .album(&id)
                .ok_or_else(|| Failure::no_access("album.read"))?;
            ok(store::album_json(album, version, &store, with_assets))
        }
        ["assets", id] => {
            let id = ctx.id(id)?;
            let store = lock(&ctx.shared.store);
            let asset = store
                .asset(&id)
                .ok_or_else(|| Failure::no_access("asset.read"))?;
            ok(store::asset_json(asset, version, &store, true))
        }
        ["assets", id, "thumbnail"] => {
            let id = ctx.id(id)?;
            if let Some(size) = ctx.query("size") {
                if !matches!(size, "thumbnail" | "preview" | "fullsize" | "original") {
                    return Err(Failure::invalid(
                        "size must be one of: fullsize, preview, thumbnail",
                        &["query", "size"],
                    ));
                }
            }
            ctx.bool_query("edited")?;
            let asset = find_asset(ctx, &id, "asset.view")?;
            if ctx.v3() && ctx.query("size") == Some("fullsize") {
                return Ok(fullsize_redirect(ctx, &id, asset.kind));
            }
            let (bytes, content_type, etag) = match asset.kind {
                Kind::Image => (
                    asset.bytes.clone(),
                    asset.content_type.clone(),
                    asset.etag(),
                ),
                Kind::Video => {
                    let bytes = Bytes::from(fixtures::seeded_bytes(9));
                    let etag = format!("\"{}\"", util::hex(&util::sha1(&bytes)));
                    (bytes, "image/jpeg".to_owned(), etag)
                }
            };
            Ok(media(ctx, bytes, &content_type, etag))
        }
        ["assets", id, "video", "playback"] => {
            let id = ctx.id(id)?;
            let asset = find_asset(ctx, &id, "asset.view")?;
            if asset.kind != Kind::Video {
                return Err(Failure::bad_request("Asset is not a video"));
            }
            Ok(media(
                ctx,
                asset.bytes.clone(),
                &asset.content_type,
                asset.etag(),
            ))
        }
        ["assets", id, "original"] => {
            let id = ctx.id(id)?;
            ctx.bool_query("edited")?;
            let asset = find_asset(ctx, &id, "asset.download")?;
            let mut reply = media(ctx, asset.bytes.clone(), &asset.content_type, asset.etag());
            let disposition = format!(
                "attachment; filename=\"{}\"",
                asset.file_name.replace('"', "%22")
            );
            if let Ok(value) = HeaderValue::from_str(&disposition) {
                reply.headers.insert("content-disposition", value);
            }
            Ok(reply)
        }
        ["people"] => {
            let page = ctx.int_query("page", 1, 9_007_199_254_740_991, 1)? as usize;
            let size = ctx.page_size(ctx.int_query("size", 1, 1000, 500)?);
            let with_hidden = ctx.bool_query("withHidden")?.unwrap_or(false);
            let store = lock(&ctx.shared.store);
            let visible: Vec<_> = store
                .people
                .iter()
                .filter(|p| with_hidden || !p.hidden)
                .collect();
            let start = (page - 1).saturating_mul(size).min(visible.len());
            let end = start.saturating_add(size).min(visible.len());
            let mut value = json!({
                "total": visible.len(),
                "hidden": store.people.iter().filter(|p| p.hidden).count(),
                "people": visible[start..end].iter().map(|p| store::person_json(p, version)).collect::<Vec<_>>(),
            });
            if version.at_least(1, 110) {
                value["hasNextPage"] = json!(end < visible.len());
            }
            ok(value)
        }
        ["people", id] => {
            let id = ctx.id(id)?;
            let store = lock(&ctx.shared.store);
            let person = store
                .person(&id)
                .ok_or_else(|| Failure::no_access("person.read"))?;
            ok(store::person_json(person, version))
        }
        ["people", id, "thumbnail"] => {
            let id = ctx.id(id)?;
            if lock(&ctx.shared.store).person(&id).is_none() {
                return Err(Failure::no_access("person.read"));
            }
            let bytes = Bytes::from(person_thumbnail(&id));
            let etag = format!("\"{}\"", util::hex(&util::sha1(&bytes)));
            Ok(media(ctx, bytes, "image/jpeg", etag))
        }
        ["tags"] => {
            let store = lock(&ctx.shared.store);
            ok(Value::Array(
                store.tags.iter().map(store::tag_json).collect(),
            ))
        }
        ["tags", id] => {
            let id = ctx.id(id)?;
            let store = lock(&ctx.shared.store);
            let tag = store
                .tag(&id)
                .ok_or_else(|| Failure::no_access("tag.read"))?;
            ok(store::tag_json(tag))
        }
        ["search", "person"] => {
            let Some(name) = ctx.query("name") else {
                return Err(Failure::invalid(
                    "name must be a string",
                    &["query", "name"],
                ));
            };
            let with_hidden = ctx.bool_query("withHidden")?.unwrap_or(false);
            let name = name.to_lowercase();
            let store = lock(&ctx.shared.store);
            ok(Value::Array(
                store
                    .people
                    .iter()
                    .filter(|p| with_hidden || !p.hidden)
                    .filter(|p| !p.name.is_empty() && p.name.to_lowercase().contains(&name))
                    .map(|p| store::person_json(p, version))
                    .collect(),
            ))
        }
        _ => Err(Failure::new(
            StatusCode::NOT_FOUND,
            format!("Cannot GET /api{}", ctx.path),
        )),
    }
}

/// The bytes of a person's thumbnail (a tiny fake JPEG that differs per person).
pub fn person_thumbnail(id: &str) -> Vec<u8> {
    let mut bytes = vec![0xFF, 0xD8, 0xFF, 0xE0];
    bytes.extend_from_slice(id.as_bytes());
    bytes.extend([0xFF, 0xD9]);
    bytes
}

fn find_asset(ctx: &Ctx<'_>, id: &str, permission: &str) -> Result<Asset, Failure> {
    lock(&ctx.shared.store)
        .asset(id)
        .cloned()
        .ok_or_else(|| Failure::no_access(permission))
}

/// Serves bytes like Immich's `sendFile`: `ETag`, `If-None-Match`, single `Range`.
/// What v3 answers a full-size thumbnail request when it keeps no full-size rendition (the
/// default, seen on v3.1.0): `302 Found` to the original for an image (`original?` relative to
/// the request, the query kept without `size`) and to the preview for a video (an absolute path,
/// `size` replaced), as `AssetMediaController.viewAsset` does with Express's `res.redirect`.
fn fullsize_redirect(ctx: &Ctx<'_>, id: &str, kind: Kind) -> Reply {
    let others = ctx
        .head
        .uri
        .query()
        .unwrap_or("")
        .split('&')
        .filter(|pair| !pair.is_empty() && pair.split('=').next() != Some("size"));
    let location = match kind {
        Kind::Image => format!("original?{}", others.collect::<Vec<_>>().join("&")),
        Kind::Video => {
            let query: Vec<&str> = others.chain(["size=preview"]).collect();
            format!("/api/assets/{id}/thumbnail?{}", query.join("&"))
        }
    };
    redirect(&location)
}

/// `302 Found` to `location`, with Express's text body.
fn redirect(location: &str) -> Reply {
    let text = format!("Found. Redirecting to {location}");
    let mut reply = Reply::new(
        StatusCode::FOUND,
        "text/plain; charset=utf-8",
        ReplyBody::bytes(Bytes::from(text)),
    );
    if let Ok(value) = HeaderValue::from_str(location) {
        reply.headers.insert(LOCATION, value);
    }
    reply
}

fn media(ctx: &Ctx<'_>, bytes: Bytes, content_type: &str, etag: String) -> Reply {
    let total = bytes.len() as u64;
    let mut reply = Reply::new(StatusCode::OK, "", ReplyBody::bytes(bytes));
    if let Ok(value) = HeaderValue::from_str(content_type) {
        reply.headers.insert(CONTENT_TYPE, value);
    }
    reply.headers.insert(
        CACHE_CONTROL,
        HeaderValue::from_static("private, max-age=86400, no-transform"),
    );
    reply
        .headers
        .insert(ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    let reply = conditional(ctx, etag.clone(), reply);
    if reply.status == StatusCode::NOT_MODIFIED {
        return reply;
    }
    // `If-Range` (RFC 9110 13.1.5): the range only if the client's bytes are of this very
    // representation (a strong match), else the whole answer.
    if let Some(if_range) = ctx.head.headers.get(IF_RANGE) {
        let weak = etag.starts_with("W/");
        if weak || if_range.to_str().ok() != Some(etag.as_str()) {
            return reply;
        }
    }
    apply_range(ctx.head.headers.get(RANGE), total, reply)
}

/// Applies a `Range` header to a full answer of `total` bytes.
pub(crate) fn apply_range(range: Option<&HeaderValue>, total: u64, mut reply: Reply) -> Reply {
    let Some(range) = range.and_then(|v| v.to_str().ok()) else {
        return reply;
    };
    match parse_range(range, total) {
        RangeCheck::Ignore => reply,
        RangeCheck::Unsatisfiable => {
            let mut out = Reply::new(StatusCode::RANGE_NOT_SATISFIABLE, "", ReplyBody::empty());
            if let Ok(v) = HeaderValue::from_str(&format!("bytes */{total}")) {
                out.headers.insert(CONTENT_RANGE, v);
            }
            out
        }
        RangeCheck::Window(start, end) => {
            reply.status = StatusCode::PARTIAL_CONTENT;
            if let Ok(v) = HeaderValue::from_str(&format!("bytes {start}-{end}/{total}")) {
                reply.headers.insert(CONTENT_RANGE, v);
            }
            let body = std::mem::replace(&mut reply.body, ReplyBody::empty());
            reply.body = body.window(start, end + 1);
            reply
        }
    }
}

enum RangeCheck {
    Ignore,
    Unsatisfiable,
    /// Inclusive.
    Window(u64, u64),
}

fn parse_range(text: &str, total: u64) -> RangeCheck {
    let Some(spec) = text.trim().strip_prefix("bytes=") else {
        return RangeCheck::Ignore;
    };
    if spec.contains(',') {
        return RangeCheck::Ignore;
    }
    let Some((first, last)) = spec.trim().split_once('-') else {
        return RangeCheck::Ignore;
    };
    let parse = |s: &str| s.trim().parse::<u64>().ok();
    match (first.trim().is_empty(), last.trim().is_empty()) {
        (true, true) => RangeCheck::Ignore,
        (true, false) => match parse(last) {
            Some(0) => RangeCheck::Unsatisfiable,
            Some(n) if total > 0 => RangeCheck::Window(total - n.min(total), total - 1),
            Some(_) => RangeCheck::Unsatisfiable,
            None => RangeCheck::Ignore,
        },
        (false, open_end) => {
            let Some(start) = parse(first) else {
                return RangeCheck::Ignore;
            };
            let end = if open_end {
                total.saturating_sub(1)
            } else {
                match parse(last) {
                    Some(end) if end >= start => end.min(total.saturating_sub(1)),
                    _ => return RangeCheck::Ignore,
                }
            };
            if start >= total {
                RangeCheck::Unsatisfiable
            } else {
                RangeCheck::Window(start, end)
            }
        }
    }
}

/// `GET /albums` as each generation answers it (`AlbumService.getAll`):
///
/// - `assetId` (every version): the albums the caller owns or is a member of that hold the
///   asset; every other parameter is ignored.
/// - v3: every album the caller owns or is a member of, narrowed by `isOwned` (`true`: the caller
///   is the owner; `false`: a member) and `isShared` (`true`: a member besides the owner or a
///   shared link; `false`: neither). `shared` is refused.
/// - Before v3: no parameter lists only the caller's own albums; `shared=true` the albums shared
///   with the caller and the caller's albums with a member or a shared link; `shared=false` the
///   caller's albums with neither. `isOwned`/`isShared` are unknown there and, like any unknown
///   query parameter, silently ignored.
fn list_albums(ctx: &Ctx<'_>) -> Handled {
    let me = fixtures::me();
    let store = lock(&ctx.shared.store);
    let asset = match ctx.query("assetId") {
        None => None,
        Some(id) if is_uuid(id, ctx.v3()) => Some(id.to_ascii_lowercase()),
        Some(_) if ctx.v3() => return Err(Failure::invalid("Invalid UUID", &["query", "assetId"])),
        Some(_) => return Err(Failure::invalid("assetId must be a UUID", &["assetId"])),
    };
    let filter = if ctx.v3() {
        ctx.refuse_query(&["shared"])?;
        AlbumFilter::V3 {
            is_owned: ctx.bool_query("isOwned")?,
            is_shared: ctx.bool_query("isShared")?,
        }
    } else {
        AlbumFilter::Old {
            shared: ctx.bool_query("shared")?,
        }
    };
    let albums: Vec<Value> = store
        .albums
        .iter()
        .filter(|album| store.album_role(album, &me).is_some())
        .filter(|album| match &asset {
            Some(asset) => album.assets.contains(asset),
            None => filter.keeps(&store, album, &me),
        })
        .map(|album| store::album_json(album, ctx.version, &store, false))
        .collect();
    Ok(json_with_etag(ctx, &Value::Array(albums)))
}

/// The filters of `GET /albums` without `assetId`.
enum AlbumFilter {
    V3 {
        is_owned: Option<bool>,
        is_shared: Option<bool>,
    },
    Old {
        shared: Option<bool>,
    },
}

impl AlbumFilter {
    /// Whether an album the caller can see passes.
    fn keeps(&self, store: &store::Store, album: &store::Album, me: &str) -> bool {
        let mine = album.owner == me;
        match *self {
            AlbumFilter::V3 {
                is_owned,
                is_shared,
            } => {
                is_owned.is_none_or(|owned| mine == owned)
                    && is_shared.is_none_or(|shared| store.album_is_shared(album) == shared)
            }
            AlbumFilter::Old { shared: None } => mine,
            // Shared with the caller, or the caller's with a member or a link (album links are
            // made by the album's owner).
            AlbumFilter::Old { shared: Some(true) } => !mine || store.album_is_shared(album),
            AlbumFilter::Old {
                shared: Some(false),
            } => mine && !store.album_is_shared(album),
        }
    }
}

pub(crate) fn id_list(
    ctx: &Ctx<'_>,
    body: &Value,
    key: &str,
) -> Result<Option<Vec<String>>, Failure> {
    let Some(value) = body.get(key) else {
        return Ok(None);
    };
    let Some(items) = value.as_array() else {
        return Err(Failure::invalid(
            format!("{key} must be an array"),
            &["body", key],
        ));
    };
    let mut ids = Vec::new();
    for (i, item) in items.iter().enumerate() {
        match item.as_str() {
            Some(id) if is_uuid(id, ctx.v3()) => ids.push(id.to_ascii_lowercase()),
            _ => {
                let index = i.to_string();
                return Err(if ctx.v3() {
                    Failure::invalid("Invalid UUID", &["body", key, &index])
                } else {
                    Failure::invalid(format!("each value in {key} must be a UUID"), &[key])
                });
            }
        }
    }
    Ok(Some(ids))
}

pub(crate) fn body_bool(body: &Value, key: &str) -> Result<Option<bool>, Failure> {
    match body.get(key) {
        None => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(_) => Err(Failure::invalid(
            format!("{key} must be a boolean value"),
            &["body", key],
        )),
    }
}

pub(crate) fn body_int(
    body: &Value,
    key: &str,
    min: u64,
    max: u64,
) -> Result<Option<u64>, Failure> {
    match body.get(key) {
        None => Ok(None),
        Some(v) => match v.as_u64() {
            Some(n) if (min..=max).contains(&n) => Ok(Some(n)),
            _ => Err(Failure::invalid(
                format!("{key} must be an integer from {min} to {max}"),
                &["body", key],
            )),
        },
    }
}

fn create_album(ctx: &Ctx<'_>, body: Value) -> Handled {
    let Some(name) = body.get("albumName").and_then(Value::as_str) else {
        return Err(Failure::invalid(
            "albumName must be a string",
            &["body", "albumName"],
        ));
    };
    let assets = id_list(ctx, &body, "assetIds")?.unwrap_or_default();
    let members = super::manage::members(ctx, &body)?;
    let description = body
        .get("description")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_owned();
    let mut store = lock(&ctx.shared.store);
    store.next_album += 1;
    let album = store::Album {
        id: util::uuid(0xa1b, store.next_album),
        name: name.to_owned(),
        description,
        owner: fixtures::me(),
        shared: !members.is_empty(),
        assets: assets
            .into_iter()
            .filter(|a| store.asset(a).is_some())
            .collect(),
        created: "2025-01-01T00:00:00.000Z".to_owned(),
        members,
        order: "desc".to_owned(),
    };
    let value = store::album_json(&album, ctx.version, &store, true);
    store.albums.push(album);
    Ok(Reply::json(StatusCode::CREATED, &value))
}

fn add_assets(ctx: &Ctx<'_>, album_id: &str, body: Value) -> Handled {
    let Some(ids) = id_list(ctx, &body, "ids")? else {
        return Err(Failure::invalid("ids must be an array", &["body", "ids"]));
    };
    let mut store = lock(&ctx.shared.store);
    let known: Vec<bool> = ids.iter().map(|id| store.asset(id).is_some()).collect();
    let Some(album) = store.albums.iter_mut().find(|a| a.id == album_id) else {
        return Err(Failure::no_access("albumAsset.create"));
    };
    let mut results = Vec::new();
    for (id, known) in ids.iter().zip(known) {
        let result = if !known {
            json!({ "id": id, "success": false, "error": "not_found" })
        } else if album.assets.contains(id) {
            json!({ "id": id, "success": false, "error": "duplicate" })
        } else {
            album.assets.push(id.clone());
            json!({ "id": id, "success": true })
        };
        results.push(result);
    }
    Ok(Reply::json(StatusCode::OK, &Value::Array(results)))
}

fn bulk_upload_check(ctx: &Ctx<'_>, body: Value) -> Handled {
    let Some(items) = body.get("assets").and_then(Value::as_array) else {
        return Err(Failure::invalid(
            "assets must be an array",
            &["body", "assets"],
        ));
    };
    let store = lock(&ctx.shared.store);
    let mut results = Vec::new();
    for item in items {
        let id = item.get("id").and_then(Value::as_str).unwrap_or_default();
        let checksum = item
            .get("checksum")
            .and_then(Value::as_str)
            .and_then(util::parse_sha1)
            .ok_or_else(|| Failure::invalid("checksum must be a SHA-1", &["body", "assets"]))?;
        results.push(match store.by_checksum(&checksum) {
            Some(asset) => json!({
                "id": id, "action": "reject", "reason": "duplicate",
                "assetId": asset.id, "isTrashed": false,
            }),
            None => json!({ "id": id, "action": "accept" }),
        });
    }
    Ok(Reply::json(StatusCode::OK, &json!({ "results": results })))
}

fn search(ctx: &Ctx<'_>, body: Value, smart_query: Option<String>) -> Handled {
    let page = body_int(&body, "page", 1, 9_007_199_254_740_991)?.unwrap_or(1) as usize;
    let size = ctx.page_size(body_int(&body, "size", 1, 1000)?.unwrap_or(250));
    let album_ids = id_list(ctx, &body, "albumIds")?;
    let person_ids = id_list(ctx, &body, "personIds")?;
    let tag_ids = id_list(ctx, &body, "tagIds")?;
    let favorite = body_bool(&body, "isFavorite")?;
    let not_in_album = body_bool(&body, "isNotInAlbum")?;
    let with_exif = body_bool(&body, "withExif")?.unwrap_or(false);
    // Like the real server: trashed assets only with `withDeleted`, and `updatedAfter` (a UTC
    // date-time, compared as the canonical text both sides use).
    let with_deleted = body_bool(&body, "withDeleted")?.unwrap_or(false);
    let updated_after = match body.get("updatedAfter") {
        None => None,
        Some(Value::String(t)) if util::is_rfc3339(t) => Some(t.clone()),
        Some(_) => {
            return Err(Failure::invalid(
                "updatedAfter must be a valid ISO 8601 date string",
                &["body", "updatedAfter"],
            ))
        }
    };
    for key in [
        "withPeople",
        "withStacked",
        "isOffline",
        "isMotion",
        "isEncoded",
    ] {
        body_bool(&body, key)?;
    }
    let kind = match body.get("type") {
        None => None,
        Some(Value::String(t)) if t == "IMAGE" => Some(Kind::Image),
        Some(Value::String(t)) if t == "VIDEO" => Some(Kind::Video),
        Some(Value::String(t)) if t == "AUDIO" || t == "OTHER" => return Ok(empty_search(ctx)),
        Some(_) => {
            return Err(Failure::invalid(
                "type must be one of: IMAGE, VIDEO, AUDIO, OTHER",
                &["body", "type"],
            ))
        }
    };
    let store = lock(&ctx.shared.store);
    let matching: Vec<&Asset> = store
        .assets
        .iter()
        .filter(|a| favorite.is_none() || favorite == Some(a.favorite))
        .filter(|a| with_deleted || !store.is_trashed(&a.id))
        .filter(|a| {
            updated_after
                .as_ref()
                .is_none_or(|after| store.updated_at(a) > *after)
        })
        .filter(|a| kind.is_none() || kind == Some(a.kind))
        // Like the real server, each list of ids means "in all of them".
        .filter(|a| {
            album_ids.as_ref().is_none_or(|ids| {
                ids.iter().all(|album| {
                    store
                        .album(album)
                        .is_some_and(|album| album.assets.contains(&a.id))
                })
            })
        })
        .filter(|a| {
            person_ids
                .as_ref()
                .is_none_or(|ids| ids.iter().all(|p| a.people.contains(p)))
        })
        .filter(|a| {
            tag_ids
                .as_ref()
                .is_none_or(|ids| ids.iter().all(|t| a.tags.contains(t)))
        })
        .filter(|a| not_in_album != Some(true) || store.albums_of(&a.id).next().is_none())
        .filter(|a| {
            smart_query
                .as_ref()
                .is_none_or(|q| a.file_name.to_lowercase().contains(q.as_str()))
        })
        .collect();
    let start = (page - 1).saturating_mul(size).min(matching.len());
    let end = start.saturating_add(size).min(matching.len());
    let items: Vec<Value> = matching[start..end]
        .iter()
        .map(|a| store::asset_json(a, ctx.version, &store, with_exif))
        .collect();
    let next_page = (end < matching.len()).then(|| (page + 1).to_string());
    Ok(Reply::json(
        StatusCode::OK,
        &json!({
            "albums": { "total": 0, "count": 0, "items": [], "facets": [] },
            "assets": {
                "total": matching.len(), "count": items.len(), "items": items,
                "facets": [], "nextPage": next_page,
            },
        }),
    ))
}

fn empty_search(_ctx: &Ctx<'_>) -> Reply {
    Reply::json(
        StatusCode::OK,
        &json!({
            "albums": { "total": 0, "count": 0, "items": [], "facets": [] },
            "assets": { "total": 0, "count": 0, "items": [], "facets": [], "nextPage": null },
        }),
    )
}

/// Counts one upload in flight while it lives, and keeps the maximum (also when the handler
/// ends early or its connection drops).
struct UploadInFlight<'a>(&'a Shared);

impl<'a> UploadInFlight<'a> {
    fn enter(shared: &'a Shared) -> Self {
        let now = shared.uploads_in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        shared
            .max_uploads_in_flight
            .fetch_max(now, Ordering::SeqCst);
        UploadInFlight(shared)
    }
}

impl Drop for UploadInFlight<'_> {
    fn drop(&mut self) {
        self.0.uploads_in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Counts one request of a kind in flight while it lives, and keeps the maximum.
struct InFlight<'a>(&'a AtomicUsize);

impl<'a> InFlight<'a> {
    fn enter(now: &'a AtomicUsize, max: &AtomicUsize) -> Self {
        let count = now.fetch_add(1, Ordering::SeqCst) + 1;
        max.fetch_max(count, Ordering::SeqCst);
        InFlight(now)
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

fn header<'a>(ctx: &'a Ctx<'_>, name: &str) -> Option<&'a str> {
    ctx.head.headers.get(name).and_then(|v| v.to_str().ok())
}

async fn upload(ctx: &Ctx<'_>, body: Incoming, early_close_duplicate: bool) -> Handled {
    let header_checksum = match header(ctx, "x-immich-checksum") {
        None => None,
        Some(text) => Some(util::parse_sha1(text).ok_or_else(|| {
            Failure::bad_request("x-immich-checksum must be a SHA-1 in hex or base64")
        })?),
    };
    if early_close_duplicate {
        let existing = header_checksum.and_then(|sum| {
            lock(&ctx.shared.store)
                .by_checksum(&sum)
                .map(|a| a.id.clone())
        });
        if let Some(id) = existing {
            // Answer from the headers alone and hang up, leaving the body unread.
            let mut reply =
                Reply::json(StatusCode::OK, &json!({ "id": id, "status": "duplicate" }));
            reply.close = true;
            return Ok(reply);
        }
    }
    let content_type = header(ctx, CONTENT_TYPE.as_str()).unwrap_or("");
    let boundary = super::multipart::boundary(content_type).map_err(Failure::bad_request)?;
    let limit = ctx.shared.options.max_upload;
    let bytes = match http_body_util::Limited::new(body, limit).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(e) if e.is::<http_body_util::LengthLimitError>() => {
            let mut reply = error_reply(
                ctx.version,
                "",
                Failure::new(StatusCode::PAYLOAD_TOO_LARGE, "File too large"),
            );
            reply.close = true;
            return Ok(reply);
        }
        Err(e) => return Err(Failure::bad_request(format!("cannot read the body: {e}"))),
    };
    let parts = super::multipart::parse(&bytes, &boundary)
        .map_err(|e| Failure::bad_request(format!("Malformed multipart body: {e}")))?;
    let record = UploadRecord {
        fields: parts
            .iter()
            .filter(|p| p.filename.is_none())
            .map(|p| {
                (
                    p.name.clone(),
                    String::from_utf8_lossy(&p.data).into_owned(),
                )
            })
            .collect(),
        files: parts
            .iter()
            .filter(|p| p.filename.is_some())
            .map(|p| {
                (
                    p.name.clone(),
                    p.filename.clone(),
                    p.content_type.clone(),
                    p.data.len() as u64,
                )
            })
            .collect(),
    };
    if let Some(entry) = lock(&ctx.shared.log).get_mut(ctx.log_index) {
        entry.upload = Some(record.clone());
    }
    // What the release reads of the form (it drops or refuses fields it lacks).
    let kept = super::release::screen_form(ctx, &record.fields)?;
    let field = |name: &str| {
        kept.iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    };
    let v3 = ctx.v3();
    let Some(asset_part) = parts
        .iter()
        .find(|p| p.name == "assetData" && p.filename.is_some())
    else {
        return Err(Failure::invalid(
            "assetData is required",
            &["body", "assetData"],
        ));
    };
    let mut dates = Vec::new();
    for name in ["fileCreatedAt", "fileModifiedAt"] {
        let value = field(name).unwrap_or("");
        let ok = if v3 {
            util::is_utc_date_time(value)
        } else {
            util::is_rfc3339(value)
        };
        if !ok {
            return Err(if v3 {
                Failure::invalid("Invalid ISO datetime (UTC, ending in Z)", &["body", name])
            } else {
                Failure::invalid(format!("{name} must be a Date instance"), &[name])
            });
        }
        dates.push(value.to_owned());
    }
    for name in ["deviceAssetId", "deviceId"] {
        match (v3, field(name)) {
            (true, Some(_)) => {
                return Err(Failure::invalid(
                    format!("Unrecognized key: {name}"),
                    &["body", name],
                ))
            }
            (false, None) | (false, Some("")) => {
                return Err(Failure::invalid(
                    format!("{name} should not be empty"),
                    &[name],
                ))
            }
            _ => {}
        }
    }
    let favorite = match field("isFavorite") {
        None => false,
        Some("true") => true,
        Some("false") => false,
        Some(_) => {
            return Err(Failure::invalid(
                "isFavorite must be a boolean value",
                &["body", "isFavorite"],
            ))
        }
    };
    if let (true, Some(duration)) = (v3, field("duration")) {
        if duration.parse::<u64>().is_err() {
            return Err(Failure::invalid(
                "duration must be an integer (milliseconds)",
                &["body", "duration"],
            ));
        }
    }
    let visibility = match field("visibility") {
        None => "timeline",
        Some(v @ ("archive" | "timeline" | "hidden" | "locked")) => v,
        Some(_) => {
            return Err(Failure::invalid(
                "visibility must be one of: archive, timeline, hidden, locked",
                &["body", "visibility"],
            ))
        }
    };
    if let Some(id) = field("livePhotoVideoId") {
        if !is_uuid(id, v3) {
            return Err(Failure::invalid(
                "Invalid UUID",
                &["body", "livePhotoVideoId"],
            ));
        }
    }
    let checksum = util::sha1(&asset_part.data);
    if header_checksum.is_some_and(|sum| sum != checksum) {
        return Err(Failure::bad_request(
            "x-immich-checksum does not match the uploaded file",
        ));
    }
    let mut store = lock(&ctx.shared.store);
    if let Some(existing) = store.by_checksum(&checksum) {
        return Ok(Reply::json(
            StatusCode::OK,
            &json!({ "id": existing.id, "status": "duplicate" }),
        ));
    }
    if let Some(video) = field("livePhotoVideoId") {
        super::uploads::link_live_photo(&mut store, video)?;
    }
    let file_name = field("filename")
        .map(str::to_owned)
        .or_else(|| asset_part.filename.clone())
        .unwrap_or_default();
    let (kind, content_type) = store::kind_of(&file_name, asset_part.content_type.as_deref());
    store.next_asset += 1;
    let id = util::uuid(0xa55e, store.next_asset);
    store.assets.push(Asset {
        id: id.clone(),
        owner: fixtures::me(),
        checksum,
        bytes: asset_part.data.clone(),
        file_name,
        content_type,
        kind,
        favorite,
        created: dates[0].clone(),
        modified: dates[1].clone(),
        uploaded: "2025-01-01T00:00:00.000Z".to_owned(),
        device_asset_id: field("deviceAssetId").map(str::to_owned),
        device_id: field("deviceId").map(str::to_owned),
        visibility: visibility.to_owned(),
        tags: Vec::new(),
        people: Vec::new(),
    });
    let sidecar = parts
        .iter()
        .find(|p| p.name == "sidecarData")
        .map(|p| (p.filename.clone().unwrap_or_default(), p.data.len() as u64));
    super::uploads::remember(&mut store, &id, field("livePhotoVideoId"), sidecar);
    Ok(Reply::json(
        StatusCode::CREATED,
        &json!({ "id": id, "status": "created" }),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn window(text: &str, total: u64) -> Option<(u64, u64)> {
        match parse_range(text, total) {
            RangeCheck::Window(a, b) => Some((a, b)),
            RangeCheck::Unsatisfiable => Some((u64::MAX, u64::MAX)),
            RangeCheck::Ignore => None,
        }
    }

    #[test]
    fn ranges() {
        assert_eq!(window("bytes=0-9", 100), Some((0, 9)));
        assert_eq!(window("bytes=90-", 100), Some((90, 99)));
        assert_eq!(window("bytes=-10", 100), Some((90, 99)));
        assert_eq!(window("bytes=-1000", 100), Some((0, 99)));
        assert_eq!(window("bytes=50-1000", 100), Some((50, 99)));
        assert_eq!(window("bytes=100-", 100), Some((u64::MAX, u64::MAX)));
        assert_eq!(window("bytes=-0", 100), Some((u64::MAX, u64::MAX)));
        assert_eq!(window("bytes=9-3", 100), None);
        assert_eq!(window("bytes=0-1,5-6", 100), None);
        assert_eq!(window("items=0-1", 100), None);
    }
}
