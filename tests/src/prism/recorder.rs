//! A recording proxy between the client under test and Prism, on 127.0.0.1.
//!
//! The transports only return decoded values, so the proxy is where the suite sees every
//! exchange: status, Prism's `sl-violations` header and its problem title. It also makes the
//! few, counted, harness interventions Prism needs:
//!
//! - **Generator failure**: Prism's dynamic generator fails on some schemas (500, problem
//!   title `RangeError: ...`). The proxy repeats that request once with `Prefer: dynamic=false`
//!   and notes it: a harness skip of the dynamic answer, never of the request's validation
//!   (the retried request is validated again) nor of decoding (the static answer is decoded).
//! - **Version pin**: Prism's `/server/version` answer is random (negative numbers included);
//!   after Prism has accepted the request, the proxy substitutes the pinned version.
//! - **End of pages**: generated pages always announce a next page (`hasNextPage: true`,
//!   `nextPage: "<string>"`), so a client that follows them never ends. From the
//!   `page_limit`-th page of one operation on, or on a page without items, the proxy sets
//!   `hasNextPage: false` / `assets.nextPage: null` (both valid in the schema) and notes it.
//! - **Shared-link access**: a client that opens a shared link sends only the link's `key=` (or
//!   `slug=`) query parameter, as Immich wants, but the document names no security scheme for
//!   it (every operation lists `bearer`, `cookie` or `api_key`), so Prism would answer `401`. For
//!   a request that carries such a parameter and no credential of the document, the proxy adds
//!   a stand-in `x-api-key` header and notes it; the request is validated as usual otherwise.
//! - **Shared-link token cookie**: Immich answers `POST /shared-links/login` with a
//!   `Set-Cookie: immich_shared_link_token=...`; the document declares no response header, so
//!   Prism sends none and the client could not decode the answer. The proxy adds a stand-in
//!   cookie to an accepted answer without one and notes it.
//! - **Session token**: Prism's dynamic `accessToken` of a `POST /auth/login` answer is any
//!   string (`"proident laborum velit"`); Immich's are 64 hex digits, and one with a space
//!   could never be sent back as `Authorization: Bearer <token>`, so the client refuses it. The
//!   proxy replaces a token that is not all visible ASCII by a stand-in and notes it.

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex, MutexGuard};

use bytes::Bytes;
use http::header::{
    HeaderValue, AUTHORIZATION, CONNECTION, CONTENT_LENGTH, CONTENT_TYPE, HOST, SET_COOKIE,
    TRANSFER_ENCODING,
};
use http::{Method, Request, Response, StatusCode, Uri};
use http_body_util::{BodyExt, Full, Limited};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::{TokioExecutor, TokioIo};

/// Largest body the proxy buffers (requests and responses in this suite are small).
const MAX_BODY: usize = 64 * 1024 * 1024;

/// What the harness changed or repeated in one exchange.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Intervention {
    /// Prism's dynamic generator failed; the request was repeated with `Prefer: dynamic=false`.
    StaticRetry {
        /// First line of Prism's problem title (`RangeError: Invalid time value`).
        reason: String,
    },
    /// The `/server/version` answer was replaced by the pinned version.
    VersionPinned,
    /// The page was marked as the last one.
    PagingEnded,
    /// A shared-link request (its `key=` or `slug=` query, no credential of the document) got a
    /// stand-in `x-api-key` header, as the document has no security scheme for a link's key.
    SharedLinkKeyStoodIn,
    /// A `POST /shared-links/login` answer got the stand-in token cookie the server would set
    /// (the document declares no `Set-Cookie` header).
    SharedLinkCookieAdded,
    /// A `POST /auth/login` answer's `accessToken` (not visible ASCII, as no server issues it)
    /// was replaced by a stand-in.
    SessionTokenStoodIn,
}

/// The value of the stand-in `x-api-key` of a shared-link request.
pub const SHARED_LINK_STAND_IN_KEY: &str = "conformance-shared-link-stand-in";
/// The stand-in `immich_shared_link_token` cookie of a `POST /shared-links/login` answer.
pub const SHARED_LINK_STAND_IN_COOKIE: &str =
    "immich_shared_link_token=conformance-stand-in-token; Path=/; HttpOnly";
/// The stand-in `accessToken` of a `POST /auth/login` answer.
pub const SESSION_STAND_IN_TOKEN: &str = "c0nf0rmance5e55i0nt0ken";

/// One request through the proxy and Prism's final answer to it.
#[derive(Debug, Clone)]
pub struct Exchange {
    /// Request method.
    pub method: Method,
    /// Request path and query.
    pub target: String,
    /// Whether the request carried `x-api-key`.
    pub had_api_key: bool,
    /// Whether the request carried a session token (`Authorization: Bearer ...`).
    pub had_session_token: bool,
    /// Whether the request opened a shared link (a `key=` or `slug=` query parameter).
    pub had_shared_link_key: bool,
    /// The request body as sent.
    pub request_body: Bytes,
    /// Prism's status (after a static retry, the retry's).
    pub status: StatusCode,
    /// Prism's `sl-violations` header, if any.
    pub violations: Option<String>,
    /// For a Prism problem answer (`application/problem+json`): its title and validation list.
    pub problem: Option<String>,
    /// What the harness did.
    pub interventions: Vec<Intervention>,
}

impl Exchange {
    /// Prism accepted the request: 2xx, no violation of the request, a credential sent (an
    /// API key, a session token, or a shared link's key).
    pub fn accepted(&self) -> bool {
        self.status.is_success() && self.request_violations().is_empty() && self.had_credential()
    }

    /// The request carried a credential: an API key, a session token, or a shared link's key.
    pub fn had_credential(&self) -> bool {
        self.had_api_key || self.had_session_token || self.had_shared_link_key
    }

    /// The `sl-violations` entries about the request (any severity), as Prism wrote them.
    /// A header that is not a JSON list counts as one request violation: never lost.
    pub fn request_violations(&self) -> Vec<String> {
        self.violations_where(false)
    }

    /// The `sl-violations` entries about the answer: Prism's generator produced a value its
    /// own validator rejects (an `email` that is no e-mail address, a string that misses a
    /// pattern). Not the client's doing; the client must still decode the answer.
    pub fn response_violations(&self) -> Vec<String> {
        self.violations_where(true)
    }

    fn violations_where(&self, about_response: bool) -> Vec<String> {
        let Some(header) = &self.violations else {
            return Vec::new();
        };
        let Ok(serde_json::Value::Array(entries)) = serde_json::from_str(header) else {
            return if about_response {
                Vec::new()
            } else {
                vec![header.clone()]
            };
        };
        entries
            .iter()
            .filter(|entry| (entry["location"][0] == "response") == about_response)
            .map(|entry| {
                let message = entry["message"].as_str().unwrap_or_default();
                match entry["severity"].as_str() {
                    Some(severity) => format!("{severity}: {message}"),
                    None => entry.to_string(),
                }
            })
            .collect()
    }
}

#[derive(Default)]
struct Shared {
    log: Vec<Exchange>,
    pinned_version: Option<(u64, u64, u64)>,
    pages_seen: usize,
    page_limit: usize,
}

/// The proxy; dropping it stops it.
pub struct Recorder {
    addr: SocketAddr,
    upstream: SocketAddr,
    shared: Arc<Mutex<Shared>>,
    client: Client<HttpConnector, Full<Bytes>>,
    // Declared last: dropped after the rest, and it stops every proxy task.
    runtime: tokio::runtime::Runtime,
}

impl Recorder {
    /// Starts a proxy on a free port of 127.0.0.1 in front of `upstream` (a Prism).
    pub fn start(upstream: SocketAddr) -> Result<Recorder, String> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("prism-recorder")
            .enable_all()
            .build()
            .map_err(|e| format!("cannot start the proxy runtime: {e}"))?;
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0)))
            .map_err(|e| format!("cannot bind the proxy: {e}"))?;
        let addr = listener
            .local_addr()
            .map_err(|e| format!("proxy address: {e}"))?;
        let client = Client::builder(TokioExecutor::new()).build_http();
        let shared = Arc::new(Mutex::new(Shared {
            page_limit: 2,
            ..Shared::default()
        }));
        let state = Arc::new(State {
            upstream,
            shared: shared.clone(),
            client: client.clone(),
        });
        runtime.spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                let state = state.clone();
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(move |req| {
                        let state = state.clone();
                        async move { Ok::<_, std::convert::Infallible>(state.handle(req).await) }
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        Ok(Recorder {
            addr,
            upstream,
            shared,
            client,
            runtime,
        })
    }

    /// The base URL a client under test uses (`http://127.0.0.1:PORT`).
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Prism's own address (for deliberately wrong requests that must not be recorded).
    pub fn upstream(&self) -> SocketAddr {
        self.upstream
    }

    /// Answers `/server/version` with this version from now on.
    pub fn pin_version(&self, major: u64, minor: u64, patch: u64) {
        self.lock().pinned_version = Some((major, minor, patch));
    }

    /// Ends paged answers at this page of one operation (at least 1; default 2).
    pub fn set_page_limit(&self, pages: usize) {
        self.lock().page_limit = pages.max(1);
    }

    /// The exchanges since the last call, and a fresh page count for the next operation.
    pub fn take(&self) -> Vec<Exchange> {
        let mut shared = self.lock();
        shared.pages_seen = 0;
        std::mem::take(&mut shared.log)
    }

    /// Sends a request as it is (its URI names the server) and returns the whole answer.
    pub fn send_raw(&self, request: Request<Bytes>) -> Result<Response<Bytes>, String> {
        let client = self.client.clone();
        self.runtime.block_on(async move {
            let response = client
                .request(request.map(Full::new))
                .await
                .map_err(|e| format!("request failed: {e}"))?;
            let (head, body) = response.into_parts();
            let body = Limited::new(body, MAX_BODY)
                .collect()
                .await
                .map_err(|e| format!("reading the answer failed: {e}"))?
                .to_bytes();
            Ok(Response::from_parts(head, body))
        })
    }

    /// Sends a request straight to Prism, bypassing the recorder: `path_and_query` replaces
    /// whatever the request's URI says.
    pub fn send_to_prism(
        &self,
        mut request: Request<Bytes>,
        path_and_query: &str,
    ) -> Result<Response<Bytes>, String> {
        *request.uri_mut() = format!("http://{}{path_and_query}", self.upstream)
            .parse::<Uri>()
            .map_err(|e| format!("bad target {path_and_query:?}: {e}"))?;
        request.headers_mut().remove(HOST);
        self.send_raw(request)
    }

    fn lock(&self) -> MutexGuard<'_, Shared> {
        self.shared.lock().unwrap_or_else(|e| e.into_inner())
    }
}

struct State {
    upstream: SocketAddr,
    shared: Arc<Mutex<Shared>>,
    client: Client<HttpConnector, Full<Bytes>>,
}

impl State {
    fn lock(&self) -> MutexGuard<'_, Shared> {
        self.shared.lock().unwrap_or_else(|e| e.into_inner())
    }

    async fn handle(&self, request: Request<hyper::body::Incoming>) -> Response<Full<Bytes>> {
        match self.forward(request).await {
            Ok(response) => response.map(Full::new),
            Err(message) => Response::builder()
                .status(StatusCode::BAD_GATEWAY)
                .header("x-recorder-error", "1")
                .body(Full::new(Bytes::from(message)))
                .unwrap_or_default(),
        }
    }

    async fn forward(
        &self,
        request: Request<hyper::body::Incoming>,
    ) -> Result<Response<Bytes>, String> {
        let (mut head, body) = request.into_parts();
        let body = Limited::new(body, MAX_BODY)
            .collect()
            .await
            .map_err(|e| format!("proxy: reading the request body: {e}"))?
            .to_bytes();
        let target = head
            .uri
            .path_and_query()
            .map(|pq| pq.as_str().to_owned())
            .unwrap_or_else(|| "/".to_owned());
        head.uri = format!("http://{}{target}", self.upstream)
            .parse()
            .map_err(|e| format!("proxy: bad target {target:?}: {e}"))?;
        for name in [HOST, CONNECTION, TRANSFER_ENCODING] {
            head.headers.remove(name);
        }
        head.headers
            .insert(CONTENT_LENGTH, HeaderValue::from(body.len()));
        let had_api_key = head.headers.contains_key("x-api-key");
        let had_session_token = head
            .headers
            .get(AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("Bearer "));
        let had_shared_link_key = target.split_once('?').is_some_and(|(_, query)| {
            query
                .split('&')
                .any(|pair| pair.starts_with("key=") || pair.starts_with("slug="))
        });
        let mut interventions = Vec::new();
        if had_shared_link_key && !had_api_key && !had_session_token {
            head.headers.insert(
                "x-api-key",
                HeaderValue::from_static(SHARED_LINK_STAND_IN_KEY),
            );
            interventions.push(Intervention::SharedLinkKeyStoodIn);
        }
        let mut exchange = Exchange {
            method: head.method.clone(),
            target: target.clone(),
            had_api_key,
            had_session_token,
            had_shared_link_key,
            request_body: body.clone(),
            status: StatusCode::OK,
            violations: None,
            problem: None,
            interventions,
        };

        let mut response = self
            .send(Request::from_parts(head.clone(), body.clone()))
            .await?;
        if let Some(reason) = generator_failure(&response) {
            let mut head = head;
            let prefer = match head.headers.get("prefer").and_then(|v| v.to_str().ok()) {
                Some(existing) => format!("{existing}, dynamic=false"),
                None => "dynamic=false".to_owned(),
            };
            head.headers.insert(
                "prefer",
                HeaderValue::from_str(&prefer).map_err(|e| format!("proxy: prefer: {e}"))?,
            );
            exchange
                .interventions
                .push(Intervention::StaticRetry { reason });
            response = self.send(Request::from_parts(head, body)).await?;
        }

        exchange.status = response.status();
        exchange.violations = response
            .headers()
            .get("sl-violations")
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
        if is_problem(&response) {
            exchange.problem = Some(String::from_utf8_lossy(response.body()).into_owned());
        }
        let path = target.split('?').next().unwrap_or_default().to_owned();
        if exchange.status.is_success() && exchange.request_violations().is_empty() {
            let edited = self.edit_answer(&exchange.method, &path, response.body());
            if let Some((body, intervention)) = edited {
                exchange.interventions.push(intervention);
                *response.body_mut() = body;
            }
            if exchange.method == Method::POST
                && path == "/api/shared-links/login"
                && !response.headers().contains_key(SET_COOKIE)
            {
                response.headers_mut().insert(
                    SET_COOKIE,
                    HeaderValue::from_static(SHARED_LINK_STAND_IN_COOKIE),
                );
                exchange
                    .interventions
                    .push(Intervention::SharedLinkCookieAdded);
            }
        }
        let length = response.body().len();
        response
            .headers_mut()
            .insert(CONTENT_LENGTH, HeaderValue::from(length));
        self.lock().log.push(exchange);
        Ok(response)
    }

    async fn send(&self, request: Request<Bytes>) -> Result<Response<Bytes>, String> {
        let response = self
            .client
            .request(request.map(Full::new))
            .await
            .map_err(|e| format!("proxy: Prism did not answer: {e}"))?;
        let (mut head, body) = response.into_parts();
        let body = Limited::new(body, MAX_BODY)
            .collect()
            .await
            .map_err(|e| format!("proxy: reading Prism's answer: {e}"))?
            .to_bytes();
        for name in [CONNECTION, TRANSFER_ENCODING] {
            head.headers.remove(name);
        }
        head.headers.remove("keep-alive");
        Ok(Response::from_parts(head, body))
    }

    /// The pinned version, the last page, or a usable session token: a new body and what was
    /// done.
    fn edit_answer(
        &self,
        method: &Method,
        path: &str,
        body: &[u8],
    ) -> Option<(Bytes, Intervention)> {
        if method == Method::POST && path == "/api/auth/login" {
            let mut json: serde_json::Value = serde_json::from_slice(body).ok()?;
            let token = json["accessToken"].as_str()?;
            if !token.is_empty() && token.bytes().all(|b| b.is_ascii_graphic()) {
                return None;
            }
            json["accessToken"] = serde_json::Value::from(SESSION_STAND_IN_TOKEN);
            return Some((
                Bytes::from(json.to_string()),
                Intervention::SessionTokenStoodIn,
            ));
        }
        let mut shared = self.lock();
        if method == Method::GET && path == "/api/server/version" {
            let (major, minor, patch) = shared.pinned_version?;
            let pinned = serde_json::json!({"major": major, "minor": minor, "patch": patch});
            return Some((Bytes::from(pinned.to_string()), Intervention::VersionPinned));
        }
        let paged = (method == Method::GET && path == "/api/people")
            || (method == Method::POST
                && (path == "/api/search/metadata" || path == "/api/search/smart"));
        if !paged {
            return None;
        }
        shared.pages_seen += 1;
        let last_allowed = shared.pages_seen >= shared.page_limit;
        drop(shared);
        let mut json: serde_json::Value = serde_json::from_slice(body).ok()?;
        let changed = if path == "/api/people" {
            let empty = json["people"].as_array().is_none_or(Vec::is_empty);
            let announces = json["hasNextPage"] == serde_json::Value::Bool(true);
            if announces && (empty || last_allowed) {
                json["hasNextPage"] = serde_json::Value::Bool(false);
                true
            } else {
                false
            }
        } else {
            let assets = &mut json["assets"];
            let empty = assets["items"].as_array().is_none_or(Vec::is_empty);
            let announces = assets["nextPage"].is_string();
            if announces && (empty || last_allowed) {
                assets["nextPage"] = serde_json::Value::Null;
                true
            } else {
                false
            }
        };
        changed.then(|| (Bytes::from(json.to_string()), Intervention::PagingEnded))
    }
}

fn is_problem(response: &Response<Bytes>) -> bool {
    response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("application/problem+json"))
}

/// Prism's answer when its dynamic generator crashed: 500, problem title `RangeError: ...`.
fn generator_failure(response: &Response<Bytes>) -> Option<String> {
    if response.status() != StatusCode::INTERNAL_SERVER_ERROR || !is_problem(response) {
        return None;
    }
    let problem: serde_json::Value = serde_json::from_slice(response.body()).ok()?;
    let title = problem["title"].as_str()?;
    title
        .starts_with("RangeError")
        .then(|| title.lines().next().unwrap_or(title).to_owned())
}
