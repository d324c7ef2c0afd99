//! The shape every operation shares, and the one place that reads a response's status.
//!
//! An operation is a plain value implementing [`Endpoint`]: it builds its request from a
//! [`Server`] and parses a *successful* answer. [`check_status`] (called by [`parse_response`], and
//! by the upload, whose request is not an [`Endpoint`]) is the only code that looks at the
//! status: non-2xx answers become [`Error::Api`] through [`error_from_response`].

use std::time::Duration;

use bytes::Bytes;
use http::header::{HeaderValue, CONTENT_TYPE};
use http::{response, Method, Request, Response, StatusCode};
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::error::{excerpt, ApiError, DecodeError, ValidationDetail};
use crate::{Error, Server};

/// The largest JSON answer a transport should buffer (a 1,000-asset search page is ~3 MiB).
pub const MAX_JSON_BODY: u64 = 64 * 1024 * 1024;

/// The most of an error body a transport needs to read for [`error_from_response`].
pub const MAX_ERROR_BODY: u64 = 64 * 1024;

/// How long a transport waits for a connection to open (name lookup, TCP, TLS handshake).
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(30);

/// How long a request may move no bytes at all, in either direction, before a transport gives
/// up. Only an idle limit, never a total one, so a long upload that keeps moving goes through.
/// Generous, because a proxy that buffers a whole upload answers only after forwarding it.
pub const DEFAULT_READ_TIMEOUT: Duration = Duration::from_secs(300);

/// How long a transport keeps an idle connection for reuse. Immich runs on Node.js, which
/// closes idle keep-alive connections after 5 s; a request sent on one just as the server
/// closes it fails, so transports let idle connections go a second earlier.
pub const POOL_IDLE_TIMEOUT: Duration = Duration::from_secs(4);

/// How much of an answer's body a transport reads into memory, decided by its status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyLimit {
    /// A success (or a `304`): read it whole; beyond this many bytes the answer is
    /// [`Error::BodyTooLarge`].
    Whole(u64),
    /// An error status: read at most this many bytes and stop there without an error; the
    /// core needs no more to build the typed error.
    Prefix(u64),
}

impl BodyLimit {
    /// The limit for a JSON answer with this status: [`MAX_JSON_BODY`] for a success or a
    /// `304`, the first [`MAX_ERROR_BODY`] bytes of anything else.
    pub fn for_status(status: StatusCode) -> Self {
        if status.is_success() || status == StatusCode::NOT_MODIFIED {
            BodyLimit::Whole(MAX_JSON_BODY)
        } else {
            BodyLimit::Prefix(MAX_ERROR_BODY)
        }
    }
}

/// The most of a body a transport writes to its trace log.
pub const MAX_LOGGED_BODY: usize = 512;

/// A body as a transport logs it (at trace level only): at most [`MAX_LOGGED_BODY`] bytes as
/// lossy UTF-8, and the full size when it was cut. The API key travels in a header, but some
/// bodies hold secrets (a login's password, the session token it answers, a shared link's key
/// and password, a license or activation key): the string value of every member whose name
/// [`is_secret_name`] says is a secret shows as `***`, at any depth, in requests and answers.
pub fn log_excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(&body[..body.len().min(MAX_LOGGED_BODY)]);
    let text = redact_secret_fields(&text);
    if body.len() > MAX_LOGGED_BODY {
        format!("{text}… ({} bytes)", body.len())
    } else {
        text
    }
}

/// What a name must contain (compared without case, `_` and `-`) for [`is_secret_name`].
const SECRET_NAME_PARTS: &[&str] = &[
    "password",
    "secret",
    "token",
    "apikey",
    "pincode",
    "licensekey",
    "activationkey",
    "sharekey",
    "shareslug",
    "cookie",
    "authorization",
];

/// The names that are secrets only exactly (compared without case): a shared link's `key` and
/// `slug` (either opens the link).
const SECRET_EXACT_NAMES: &[&str] = &["key", "slug"];

/// Whether a JSON member, query parameter or header with this name holds a secret, which the
/// transports' logs then show as `***`. A rule rather than a list, so a field the server adds
/// later is covered: the name, without case, `_` and `-`, contains `password`, `secret`,
/// `token`, `apikey`, `pincode`, `licensekey`, `activationkey`, `sharekey`, `shareslug`,
/// `cookie` or `authorization`, or is exactly `key` or `slug`. In the v3 document this covers
/// `accessToken`, `password`, `newPassword`, `pinCode`, `newPinCode`, `token`, `logout_token`,
/// `key`, `slug`, `secret`, `clientSecret`, `apiKey`, `licenseKey` and `activationKey`, and
/// (harmlessly) the enum `tokenEndpointAuthMethod`; booleans such as `shouldChangePassword` are
/// never masked, since only string values are.
pub fn is_secret_name(name: &str) -> bool {
    let folded: String = name
        .chars()
        .filter(|c| *c != '_' && *c != '-')
        .flat_map(char::to_lowercase)
        .collect();
    SECRET_EXACT_NAMES.contains(&folded.as_str())
        || SECRET_NAME_PARTS.iter().any(|part| folded.contains(part))
}

/// A request target as a transport logs it: the path, and the query with the value of every
/// parameter whose name [`is_secret_name`] says is a secret (`key=`, `slug=`, `password=`,
/// `token=`, ...) shown as `***`. Other parameters stay (they say which page or filter was
/// asked for).
pub fn log_target(uri: &http::Uri) -> String {
    let path = uri.path();
    let Some(query) = uri.query() else {
        return path.to_owned();
    };
    let pairs: Vec<String> = query
        .split('&')
        .map(|pair| {
            let name = pair.split('=').next().unwrap_or(pair);
            let decoded = percent_encoding::percent_decode_str(name).decode_utf8_lossy();
            if is_secret_name(&decoded) {
                format!("{name}=***")
            } else {
                pair.to_owned()
            }
        })
        .collect();
    format!("{path}?{}", pairs.join("&"))
}

/// Headers as a transport logs them: `name: value` pairs joined by `, `, with the value of
/// every header that is marked sensitive, or whose name [`is_secret_name`] says is a secret
/// (`x-api-key`, `authorization`, `proxy-authorization`, `cookie`, `set-cookie`,
/// `x-immich-share-key`, `x-immich-share-slug`, ...), shown as `***`. A value that is not
/// visible ASCII shows as `<binary>`.
pub fn log_headers(headers: &http::HeaderMap) -> String {
    let mut out = String::new();
    for (name, value) in headers {
        if !out.is_empty() {
            out.push_str(", ");
        }
        out.push_str(name.as_str());
        out.push_str(": ");
        if value.is_sensitive() || is_secret_name(name.as_str()) {
            out.push_str("***");
        } else {
            match value.to_str() {
                Ok(text) => out.push_str(&redact_secret_fields_in_text(text)),
                Err(_) => out.push_str("<binary>"),
            }
        }
    }
    out
}

/// A header value with any `name=value` pair (`;`, `,` or `&` separated, as in a `Link` or
/// `Location` query) whose name is a secret masked: `a?key=x` becomes `a?key=***`.
fn redact_secret_fields_in_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(eq) = rest.find('=') {
        let before = &rest[..eq];
        let name_start = before.rfind(['?', '&', ';', ',', ' ']).map_or(0, |i| i + 1);
        out.push_str(before);
        out.push('=');
        let after = &rest[eq + 1..];
        let value_end = after.find(['&', ';', ',', ' ']).unwrap_or(after.len());
        if is_secret_name(before[name_start..].trim()) {
            out.push_str("***");
        } else {
            out.push_str(&after[..value_end]);
        }
        rest = &after[value_end..];
    }
    out.push_str(rest);
    out
}

/// `text` (JSON, possibly cut short) with the string value of every member named like a secret
/// ([`is_secret_name`])
/// replaced by `***`. A value cut off by the excerpt's end is hidden up to that end.
fn redact_secret_fields(text: &str) -> String {
    let bytes = text.as_bytes();
    // The index of the quote closing the string whose contents start at `from`, or the end.
    let string_end = |from: usize| {
        let mut at = from;
        while at < bytes.len() {
            match bytes[at] {
                b'\\' => at += 2,
                b'"' => return at,
                _ => at += 1,
            }
        }
        bytes.len()
    };
    let skip_whitespace = |mut at: usize| {
        while at < bytes.len() && bytes[at].is_ascii_whitespace() {
            at += 1;
        }
        at
    };
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    let mut at = 0;
    while let Some(offset) = text[at..].find('"') {
        let name_start = at + offset + 1;
        let name_end = string_end(name_start);
        at = (name_end + 1).min(bytes.len());
        if !is_secret_name(&text[name_start..name_end]) {
            continue;
        }
        let colon = skip_whitespace(at);
        if bytes.get(colon) != Some(&b':') {
            continue;
        }
        let quote = skip_whitespace(colon + 1);
        if bytes.get(quote) != Some(&b'"') {
            continue;
        }
        let value_end = string_end(quote + 1);
        out.push_str(&text[copied..=quote]);
        out.push_str("***");
        copied = value_end;
        at = (value_end + 1).min(bytes.len());
    }
    out.push_str(&text[copied..]);
    out
}

/// One Immich operation: how to ask, and how to read a successful answer.
pub trait Endpoint {
    /// What a successful answer decodes to.
    type Output;

    /// The server's operationId, as in the OpenAPI document (`getAlbumInfo`).
    const OPERATION_ID: &'static str;
    /// The API-key permission the operation needs (`x-immich-permission`), if any.
    const PERMISSION: Option<&'static str>;

    /// Builds the request. Pure: call it again to retry or to page.
    fn request(&self, server: &Server) -> Result<Request<Bytes>, Error>;

    /// Reads a successful (2xx) answer. Only [`parse_response`] calls it.
    fn parse(&self, head: &response::Parts, body: Bytes) -> Result<Self::Output, Error>;
}

/// Turns a whole response into the endpoint's output or a typed error.
pub fn parse_response<E: Endpoint + ?Sized>(
    endpoint: &E,
    response: Response<Bytes>,
) -> Result<E::Output, Error> {
    let (head, body) = response.into_parts();
    check_status(E::OPERATION_ID, &head, &body)?;
    endpoint.parse(&head, body)
}

/// The status check behind [`parse_response`], for operations whose request is not an
/// [`Endpoint`] (the multipart upload): `Ok` for 2xx, [`Error::UnexpectedNotModified`] for a
/// 304 the cache did not answer, [`Error::Api`] for anything else.
pub fn check_status(
    operation: &'static str,
    head: &response::Parts,
    body: &[u8],
) -> Result<(), Error> {
    if head.status == StatusCode::NOT_MODIFIED {
        return Err(Error::UnexpectedNotModified { operation });
    }
    if !head.status.is_success() {
        return Err(error_from_response(head, body));
    }
    Ok(())
}

/// Reads any non-success answer into [`Error::Api`], whatever its body looks like.
pub fn error_from_response(head: &response::Parts, body: &[u8]) -> Error {
    #[derive(serde::Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(String),
        Many(Vec<String>),
    }
    #[derive(serde::Deserialize)]
    struct Detail {
        #[serde(default)]
        message: Option<String>,
        #[serde(default)]
        path: Option<Vec<serde_json::Value>>,
    }
    #[derive(serde::Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Body {
        #[serde(default)]
        message: Option<OneOrMany>,
        #[serde(default)]
        error: Option<String>,
        #[serde(default)]
        status_code: Option<u16>,
        #[serde(default)]
        correlation_id: Option<String>,
        #[serde(default)]
        errors: Option<Vec<Detail>>,
    }

    let header_cid = ["x-correlation-id", "x-immich-cid"]
        .iter()
        .find_map(|name| head.headers.get(*name))
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let mut api = ApiError {
        status: head.status,
        message: String::new(),
        messages: Vec::new(),
        error: None,
        status_code: None,
        correlation_id: header_cid,
        details: Vec::new(),
        excerpt: None,
    };
    match serde_json::from_slice::<Body>(body) {
        Ok(parsed) => {
            api.messages = match parsed.message {
                Some(OneOrMany::One(m)) => vec![m],
                Some(OneOrMany::Many(ms)) => ms,
                None => Vec::new(),
            };
            api.message = api.messages.join("; ");
            api.error = parsed.error;
            api.status_code = parsed.status_code;
            if parsed.correlation_id.is_some() {
                api.correlation_id = parsed.correlation_id;
            }
            api.details = parsed
                .errors
                .unwrap_or_default()
                .into_iter()
                .map(|d| ValidationDetail {
                    message: d.message.unwrap_or_default(),
                    path: d
                        .path
                        .unwrap_or_default()
                        .into_iter()
                        .map(|seg| match seg {
                            serde_json::Value::String(s) => s,
                            other => other.to_string(),
                        })
                        .collect(),
                })
                .collect();
            if api.message.is_empty() {
                api.message = api.error.clone().unwrap_or_default();
            }
        }
        Err(_) => {
            let text = excerpt(body, 200);
            if !text.trim().is_empty() {
                api.excerpt = Some(text);
            }
        }
    }
    if crate::sync::refuses_api_key(&api) {
        return Error::SessionRequired;
    }
    Error::Api(Box::new(api))
}

/// Decodes a JSON body, naming the operation and the JSON path on failure.
pub fn decode_json<T: DeserializeOwned>(operation: &'static str, body: &[u8]) -> Result<T, Error> {
    // Tracking the path costs a fifth of the decode time of a search page, and nearly every
    // body decodes: only a body that fails is decoded again, with the path tracked.
    if let Ok(value) = serde_json::from_slice(body) {
        return Ok(value);
    }
    let decode_error = |path: String, message: String| {
        Error::Decode(DecodeError {
            operation,
            path,
            message,
            excerpt: excerpt(body, 200),
        })
    };
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    let value: T = serde_path_to_error::deserialize(&mut deserializer)
        .map_err(|e| decode_error(e.path().to_string(), e.inner().to_string()))?;
    deserializer
        .end()
        .map_err(|e| decode_error(".".to_owned(), e.to_string()))?;
    Ok(value)
}

/// [`decode_json`] for answers that hold a secret (a session token, a shared link's key or
/// password): a decode error keeps the operation, the JSON path and serde's message, but shows
/// no excerpt of the body.
pub(crate) fn decode_secret_json<T: DeserializeOwned>(
    operation: &'static str,
    body: &[u8],
) -> Result<T, Error> {
    decode_json(operation, body).map_err(|error| match error {
        Error::Decode(mut decode) => {
            decode.excerpt = "(not shown: the answer holds a secret)".to_owned();
            Error::Decode(decode)
        }
        other => other,
    })
}

/// A request with no body.
pub fn empty_request(
    server: &Server,
    method: Method,
    path: &str,
    query: Option<&str>,
) -> Result<Request<Bytes>, Error> {
    server
        .request_builder(method, path, query)?
        .body(Bytes::new())
        .map_err(|e| Error::invalid_input("request", e.to_string()))
}

/// A request with a JSON body.
pub fn json_request<T: Serialize + ?Sized>(
    server: &Server,
    method: Method,
    path: &str,
    query: Option<&str>,
    body: &T,
) -> Result<Request<Bytes>, Error> {
    let bytes =
        serde_json::to_vec(body).map_err(|e| Error::invalid_input("body", e.to_string()))?;
    server
        .request_builder(method, path, query)?
        .header(CONTENT_TYPE, HeaderValue::from_static("application/json"))
        .body(Bytes::from(bytes))
        .map_err(|e| Error::invalid_input("request", e.to_string()))
}

/// A form (`application/x-www-form-urlencoded`) request from a body's top-level fields.
pub fn form_request<T: Serialize + ?Sized>(
    server: &Server,
    method: Method,
    path: &str,
    query: Option<&str>,
    body: &T,
) -> Result<Request<Bytes>, Error> {
    let value =
        serde_json::to_value(body).map_err(|e| Error::invalid_input("body", e.to_string()))?;
    let serde_json::Value::Object(fields) = value else {
        return Err(Error::invalid_input(
            "body",
            "a form body must be an object",
        ));
    };
    let pairs: Vec<(&str, Option<String>)> = fields
        .iter()
        .map(|(key, value)| {
            let text = match value {
                serde_json::Value::Null => None,
                serde_json::Value::String(s) => Some(s.clone()),
                other => Some(other.to_string()),
            };
            (key.as_str(), text)
        })
        .collect();
    server
        .request_builder(method, path, query)?
        .header(
            CONTENT_TYPE,
            HeaderValue::from_static("application/x-www-form-urlencoded"),
        )
        .body(Bytes::from(query_string(pairs)))
        .map_err(|e| Error::invalid_input("request", e.to_string()))
}

/// One path segment, percent-encoded (an id, a file name, a queue name): `/` or `..` in a value
/// can never change which path is asked for.
pub fn path_segment(value: &str) -> String {
    percent_encoding::utf8_percent_encode(value, QUERY).to_string()
}

/// Builds a query string from pairs, percent-encoding keys and values (`None` values are skipped).
pub fn query_string<'a>(pairs: impl IntoIterator<Item = (&'a str, Option<String>)>) -> String {
    let mut out = String::new();
    for (key, value) in pairs {
        let Some(value) = value else { continue };
        if !out.is_empty() {
            out.push('&');
        }
        out.extend(percent_encoding::utf8_percent_encode(key, QUERY));
        out.push('=');
        out.extend(percent_encoding::utf8_percent_encode(&value, QUERY));
    }
    out
}

/// Characters escaped in a query key or value: everything but RFC 3986 unreserved.
const QUERY: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// One step of a multi-request operation: send this, or here is the result.
// A step is handed straight to the transport and consumed; boxing the request would only add an allocation.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub enum Step<T> {
    /// Send the request and pass its whole response to the next [`Flow::step`].
    Send(Request<Bytes>),
    /// The operation is complete.
    Done(T),
}

/// An operation that takes several round trips (listing albums on an old server, collecting
/// every page, ...). The core decides each request from the previous answer; a transport only
/// loops:
///
/// ```text
/// let mut last = None;
/// loop {
///     match flow.step(&server, last.take())? {
///         Step::Send(request) => last = Some(send(request)),
///         Step::Done(output) => break output,
///     }
/// }
/// ```
pub trait Flow {
    /// The final result.
    type Output;
    /// The operation's name for errors and logs: the operationId of a single endpoint or a
    /// pager, a descriptive name for a composite flow.
    const OPERATION_ID: &'static str;
    /// Advances: `response` is the answer to the previous `Step::Send` (`None` on the first call).
    fn step(
        &mut self,
        server: &Server,
        response: Option<Response<Bytes>>,
    ) -> Result<Step<Self::Output>, Error>;
}

/// Any single endpoint as a one-step [`Flow`].
#[derive(Debug, Clone)]
pub struct Single<E>(pub E);

impl<E: Endpoint> Flow for Single<E> {
    type Output = E::Output;
    const OPERATION_ID: &'static str = E::OPERATION_ID;
    fn step(
        &mut self,
        server: &Server,
        response: Option<Response<Bytes>>,
    ) -> Result<Step<E::Output>, Error> {
        match response {
            None => Ok(Step::Send(self.0.request(server)?)),
            Some(response) => parse_response(&self.0, response).map(Step::Done),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head(status: u16, headers: &[(&str, &str)]) -> response::Parts {
        let mut builder = Response::builder().status(status);
        for (k, v) in headers {
            builder = builder.header(*k, *v);
        }
        builder.body(()).unwrap().into_parts().0
    }

    fn api(err: Error) -> ApiError {
        match err {
            Error::Api(api) => *api,
            other => panic!("not an API error: {other:?}"),
        }
    }

    #[test]
    fn v2_error_with_message_array() {
        let body = br#"{"message":["ids must be an array","ids should not be empty"],"error":"Bad Request","statusCode":400,"correlationId":"abc123"}"#;
        let e = api(error_from_response(&head(400, &[]), body));
        assert_eq!(e.status, StatusCode::BAD_REQUEST);
        assert_eq!(e.messages.len(), 2);
        assert_eq!(e.message, "ids must be an array; ids should not be empty");
        assert_eq!(e.error.as_deref(), Some("Bad Request"));
        assert_eq!(e.status_code, Some(400));
        assert_eq!(e.correlation_id.as_deref(), Some("abc123"));
    }

    #[test]
    fn v3_validation_error_and_header_cid() {
        let body = br#"{"message":"Validation failed","errors":[{"message":"Invalid uuid","path":["body","ids",0]}]}"#;
        let e = api(error_from_response(
            &head(400, &[("x-correlation-id", "cid-9")]),
            body,
        ));
        assert_eq!(
            e.details,
            vec![ValidationDetail {
                message: "Invalid uuid".into(),
                path: vec!["body".into(), "ids".into(), "0".into()]
            }]
        );
        assert_eq!(e.correlation_id.as_deref(), Some("cid-9"));
        let e = api(error_from_response(
            &head(404, &[("x-immich-cid", "old-cid")]),
            b"{}",
        ));
        assert_eq!(e.correlation_id.as_deref(), Some("old-cid"));
    }

    #[test]
    fn permission_and_auth_errors() {
        let body = br#"{"message":"Missing required permission: asset.upload","error":"Forbidden","statusCode":403}"#;
        let e = api(error_from_response(&head(403, &[]), body));
        assert_eq!(e.missing_permission(), Some("asset.upload"));
        assert!(e.to_string().contains("asset.upload"));
        let e = api(error_from_response(
            &head(401, &[]),
            br#"{"message":"Invalid API key"}"#,
        ));
        assert_eq!(e.status, StatusCode::UNAUTHORIZED);
        assert_eq!(e.missing_permission(), None);
    }

    #[test]
    fn html_and_empty_bodies_are_still_typed() {
        let e = api(error_from_response(
            &head(502, &[]),
            b"<html><body><h1>502 Bad Gateway</h1></body></html>",
        ));
        assert_eq!(e.status, StatusCode::BAD_GATEWAY);
        assert!(e.excerpt.as_deref().unwrap().starts_with("<html>"));
        let e = api(error_from_response(&head(413, &[]), b""));
        assert_eq!(e.status, StatusCode::PAYLOAD_TOO_LARGE);
        assert_eq!(e.excerpt, None);
        assert_eq!(e.to_string(), "server answered 413 Payload Too Large");
    }

    #[test]
    fn decode_names_the_path() {
        #[derive(serde::Deserialize, Debug)]
        struct Outer {
            items: Vec<Inner>,
        }
        #[derive(serde::Deserialize, Debug)]
        struct Inner {
            #[allow(dead_code)]
            n: u32,
        }
        let err = decode_json::<Outer>("op", br#"{"items":[{"n":1},{"n":"x"}]}"#).unwrap_err();
        match err {
            Error::Decode(d) => {
                assert_eq!(d.operation, "op");
                assert_eq!(d.path, "items[1].n");
            }
            other => panic!("{other:?}"),
        }
        assert!(decode_json::<Outer>("op", br#"{"items":[]} trailing"#).is_err());
        // A trailing-data failure is still named (the fast path refuses it too).
        match decode_json::<Outer>("op", br#"{"items":[]} x"#) {
            Err(Error::Decode(d)) => assert_eq!(d.path, "."),
            other => panic!("{other:?}"),
        }
        // And a body that decodes takes the fast path to the same value.
        let ok = decode_json::<Outer>("op", br#"{"items":[{"n":7}]}"#).unwrap();
        assert_eq!(ok.items.len(), 1);
    }

    #[test]
    fn body_limits_follow_the_status() {
        assert_eq!(
            BodyLimit::for_status(StatusCode::OK),
            BodyLimit::Whole(MAX_JSON_BODY)
        );
        assert_eq!(
            BodyLimit::for_status(StatusCode::NOT_MODIFIED),
            BodyLimit::Whole(MAX_JSON_BODY)
        );
        assert_eq!(
            BodyLimit::for_status(StatusCode::BAD_GATEWAY),
            BodyLimit::Prefix(MAX_ERROR_BODY)
        );
    }

    #[test]
    fn log_excerpts_hide_secrets() {
        let login = br#"{"email":"a@b.c","password":"hunter2"}"#;
        assert_eq!(log_excerpt(login), r#"{"email":"a@b.c","password":"***"}"#);
        let answer = br#"{"accessToken" : "s3cr3t-token", "userId":"u", "name":"key"}"#;
        assert_eq!(
            log_excerpt(answer),
            r#"{"accessToken" : "***", "userId":"u", "name":"key"}"#
        );
        // Escaped quotes stay inside the value; non-string values and look-alikes stay.
        let link = br#"{"key":"a\"b\\","password":null,"keyless":"x","token":"t"}"#;
        assert_eq!(
            log_excerpt(link),
            r#"{"key":"***","password":null,"keyless":"x","token":"***"}"#
        );
        // A value cut off by the excerpt's end is hidden to that end.
        let mut long = br#"{"a":""#.to_vec();
        long.extend(vec![b'x'; MAX_LOGGED_BODY - 40]);
        long.extend(br#"","accessToken":"s3cr3t-s3cr3t-s3cr3t-s3cr3t"}"#);
        let shown = log_excerpt(&long);
        assert!(!shown.contains("s3cr3t"), "{shown}");
        assert!(shown.contains(r#""accessToken":"***"#), "{shown}");
    }

    #[test]
    fn secret_names_follow_one_rule() {
        for name in [
            "password",
            "newPassword",
            "accessToken",
            "logout_token",
            "token",
            "key",
            "KEY",
            "slug",
            "secret",
            "clientSecret",
            "apiKey",
            "api_key",
            "x-api-key",
            "pinCode",
            "newPinCode",
            "licenseKey",
            "activationKey",
            "x-immich-share-key",
            "x-immich-share-slug",
            "cookie",
            "set-cookie",
            "authorization",
            "proxy-authorization",
        ] {
            assert!(is_secret_name(name), "{name}");
        }
        for name in [
            "keyless",
            "name",
            "id",
            "albumId",
            "email",
            "keys",
            "passwordLogin2x",
        ] {
            assert_eq!(is_secret_name(name), name.contains("password"), "{name}");
        }
    }

    #[test]
    fn log_excerpts_hide_license_keys_and_nested_secrets() {
        let activate = br#"{"licenseKey":"IMCL-LIC3NSE","activationKey":"act1vat10n"}"#;
        assert_eq!(
            log_excerpt(activate),
            r#"{"licenseKey":"***","activationKey":"***"}"#
        );
        let nested = br#"{"oauth":{"clientSecret":"cl13nt","enabled":true},"items":[{"pinCode":"1234","n":1}],"shouldChangePassword":false}"#;
        let shown = log_excerpt(nested);
        assert_eq!(
            shown,
            r#"{"oauth":{"clientSecret":"***","enabled":true},"items":[{"pinCode":"***","n":1}],"shouldChangePassword":false}"#
        );
        // Values that look like names are left alone, and a non-UTF-8 or broken body is fine.
        assert_eq!(log_excerpt(br#"["token","key"]"#), r#"["token","key"]"#);
        assert!(!log_excerpt(b"{\"key\":\"s3cr3t\xff s3cr3t").contains("s3cr3t"));
        assert_eq!(log_excerpt(br#"{"key"#), r#"{"key"#);
        assert_eq!(log_excerpt(br#"{"key":"#), r#"{"key":"#);
        assert_eq!(log_excerpt(br#"{"key":"\"#), r#"{"key":"***"#);
    }

    #[test]
    fn log_targets_mask_secret_query_values() {
        let uri: http::Uri = "http://h/api/shared-links/me?key=l1nk&slug=s1ug&password=pw&token=t0k&withExif=true&%6Bey=x"
            .parse()
            .unwrap();
        assert_eq!(
            log_target(&uri),
            "/api/shared-links/me?key=***&slug=***&password=***&token=***&withExif=true&%6Bey=***"
        );
        let plain: http::Uri = "/api/albums".parse().unwrap();
        assert_eq!(log_target(&plain), "/api/albums");
        let bare: http::Uri = "/a?key&x=1".parse().unwrap();
        assert_eq!(log_target(&bare), "/a?key=***&x=1");
    }

    #[test]
    fn log_headers_mask_credentials() {
        let mut headers = http::HeaderMap::new();
        for (name, value) in [
            ("x-api-key", "ap1-k3y"),
            ("authorization", "Bearer t0k3n"),
            ("cookie", "immich_shared_link_token=c00k1e"),
            ("set-cookie", "immich_access_token=s3ss; HttpOnly"),
            ("x-immich-share-key", "l1nk"),
            ("location", "/share?key=l1nk&x=1"),
            ("content-type", "application/json"),
        ] {
            headers.insert(
                http::header::HeaderName::from_static(name),
                HeaderValue::from_static(value),
            );
        }
        let mut hidden = HeaderValue::from_static("s3ns1t1ve");
        hidden.set_sensitive(true);
        headers.insert("x-other", hidden);
        let shown = log_headers(&headers);
        for secret in ["ap1-k3y", "t0k3n", "c00k1e", "s3ss", "l1nk", "s3ns1t1ve"] {
            assert!(!shown.contains(secret), "{secret} in {shown}");
        }
        assert!(shown.contains("content-type: application/json"), "{shown}");
        assert!(shown.contains("location: /share?key=***&x=1"), "{shown}");
        assert!(shown.contains("x-api-key: ***"), "{shown}");
    }

    #[test]
    fn log_excerpts_are_cut() {
        assert_eq!(log_excerpt(b"{\"a\":1}"), "{\"a\":1}");
        let long = vec![b'x'; MAX_LOGGED_BODY + 10];
        let shown = log_excerpt(&long);
        assert!(shown.starts_with(&"x".repeat(MAX_LOGGED_BODY)));
        assert!(shown.ends_with(&format!("… ({} bytes)", MAX_LOGGED_BODY + 10)));
    }

    #[test]
    fn flows_carry_their_operation_id() {
        struct Ping;
        impl Endpoint for Ping {
            type Output = ();
            const OPERATION_ID: &'static str = "pingServer";
            const PERMISSION: Option<&'static str> = None;
            fn request(&self, server: &Server) -> Result<Request<Bytes>, Error> {
                empty_request(server, Method::GET, "/server/ping", None)
            }
            fn parse(&self, _: &response::Parts, _: Bytes) -> Result<(), Error> {
                Ok(())
            }
        }
        assert_eq!(<Single<Ping> as Flow>::OPERATION_ID, "pingServer");
        type People = crate::Pager<crate::people::GetAllPeople>;
        assert_eq!(<People as Flow>::OPERATION_ID, "getAllPeople");
        assert_eq!(
            <crate::albums::GetAllAlbums as Flow>::OPERATION_ID,
            "getAllAlbums"
        );
        assert_eq!(
            <crate::albums::AlbumAssets as Flow>::OPERATION_ID,
            "albumAssets"
        );
    }

    #[test]
    fn query_strings_are_encoded() {
        let q = query_string([
            ("name", Some("Ann & Bob".to_owned())),
            ("skip", None),
            ("size", Some("10".into())),
        ]);
        assert_eq!(q, "name=Ann%20%26%20Bob&size=10");
    }

    #[test]
    fn path_segments_cannot_climb() {
        assert_eq!(path_segment("../admin"), "..%2Fadmin");
        assert_eq!(path_segment("a b"), "a%20b");
        assert_eq!(
            path_segment("0000a55e-0000-4000-8000-0000000000aa"),
            "0000a55e-0000-4000-8000-0000000000aa"
        );
    }
}
