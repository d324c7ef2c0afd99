//! Where the server is and who we are: base URL, credentials ([`Auth`]), device id, learned
//! version.
//!
//! Every credential is a secret type: its `Debug` prints `***`, it has no `Display`, and no
//! error ever holds it. Header values are marked sensitive so HTTP libraries don't log them.

use std::fmt;
use std::sync::{Arc, RwLock};

use http::header::{HeaderMap, HeaderName, HeaderValue, ACCEPT, AUTHORIZATION, COOKIE, SET_COOKIE};
use http::uri::{Authority, Scheme};
use http::{Method, Uri};

use crate::permissions::require_server_at_least;
use crate::shared_links::SHARED_LINK_SLUG_SINCE;
use crate::{Error, ServerVersion};

/// The API key header Immich reads.
pub const API_KEY_HEADER: HeaderName = HeaderName::from_static("x-api-key");

/// The cookie that carries a password-protected shared link's token: the server sets it in its
/// answer to `POST /shared-links/login` and reads it back from the `Cookie` header.
pub const SHARED_LINK_TOKEN_COOKIE: &str = "immich_shared_link_token";

/// An Immich API key. Its `Debug` shows `ApiKey(***)`; it has no `Display`.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey(HeaderValue);

impl ApiKey {
    /// Wraps a key. Fails (without echoing the key) when it cannot be a header value.
    pub fn new(key: &str) -> Result<Self, Error> {
        let mut value = HeaderValue::from_str(key.trim()).map_err(|_| Error::InvalidApiKey)?;
        if value.is_empty() {
            return Err(Error::InvalidApiKey);
        }
        value.set_sensitive(true);
        Ok(ApiKey(value))
    }

    /// The header value, marked sensitive so HTTP libraries don't log it.
    pub fn header_value(&self) -> &HeaderValue {
        &self.0
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiKey(***)")
    }
}

/// A login session's token (`accessToken` from [`Login`](crate::authentication::Login)), sent
/// as `Authorization: Bearer <token>`. Its `Debug` shows `SessionToken(***)`; it has no `Display`.
#[derive(Clone, PartialEq, Eq)]
pub struct SessionToken {
    token: String,
    authorization: HeaderValue,
}

impl SessionToken {
    /// Wraps a token (surrounding whitespace removed). Fails, without echoing the token, when it
    /// is empty or holds anything but visible ASCII: the server splits `Bearer <token>` at the
    /// first space, so a token with a space inside could never work.
    pub fn new(token: &str) -> Result<Self, Error> {
        let token = token.trim();
        let invalid = || Error::InvalidCredential {
            what: "session token",
        };
        if token.is_empty() || !token.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(invalid());
        }
        let mut authorization =
            HeaderValue::from_str(&format!("Bearer {token}")).map_err(|_| invalid())?;
        authorization.set_sensitive(true);
        Ok(SessionToken {
            token: token.to_owned(),
            authorization,
        })
    }

    /// The `Authorization` header value, marked sensitive so HTTP libraries don't log it.
    pub fn header_value(&self) -> &HeaderValue {
        &self.authorization
    }

    /// The token itself, to store it and resume the session later with [`SessionToken::new`].
    /// Whoever holds it acts as the user until the session is logged out: keep it as safe as
    /// a password.
    pub fn expose_secret(&self) -> &str {
        &self.token
    }
}

impl fmt::Debug for SessionToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SessionToken(***)")
    }
}

impl<'de> serde::Deserialize<'de> for SessionToken {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let token = String::deserialize(deserializer)?;
        // The message never holds the token: decode errors are shown to people.
        SessionToken::new(&token)
            .map_err(|_| serde::de::Error::custom("not a usable session token"))
    }
}

/// What opens a shared link: its `key` (the secret part of `/share/{key}`) or its custom
/// `slug` (`/s/{slug}`, Immich v1.137+). Sent as the `key=` or `slug=` query parameter of
/// every request. `Debug` shows only which of the two it is.
#[derive(Clone, PartialEq, Eq)]
pub struct SharedLinkKey {
    is_slug: bool,
    /// `key=...` or `slug=...`, percent-encoded, ready to append to a query.
    query_pair: String,
}

impl SharedLinkKey {
    /// A link's key (surrounding whitespace removed). Fails, without echoing it, when empty.
    pub fn key(key: &str) -> Result<Self, Error> {
        Self::new("key", key.trim(), "shared-link key")
    }

    /// A link's custom slug, used exactly as given (the server matches it exactly). Fails,
    /// without echoing it, when empty or only whitespace.
    pub fn slug(slug: &str) -> Result<Self, Error> {
        if slug.trim().is_empty() {
            return Err(Error::InvalidCredential {
                what: "shared-link slug",
            });
        }
        Self::new("slug", slug, "shared-link slug")
    }

    fn new(name: &'static str, value: &str, what: &'static str) -> Result<Self, Error> {
        if value.is_empty() {
            return Err(Error::InvalidCredential { what });
        }
        Ok(SharedLinkKey {
            is_slug: name == "slug",
            query_pair: crate::endpoint::query_string([(name, Some(value.to_owned()))]),
        })
    }

    /// `true` for a slug, `false` for a key.
    pub fn is_slug(&self) -> bool {
        self.is_slug
    }

    /// The query parameter it travels in: `key` or `slug`.
    pub fn query_name(&self) -> &'static str {
        if self.is_slug {
            "slug"
        } else {
            "key"
        }
    }

    /// `key=...` or `slug=...`, percent-encoded: what every request's query ends with.
    pub fn query_pair(&self) -> &str {
        &self.query_pair
    }
}

impl fmt::Debug for SharedLinkKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SharedLinkKey({}: ***)", self.query_name())
    }
}

/// The proof that the password of a protected shared link was given: the value of the
/// [`SHARED_LINK_TOKEN_COOKIE`] cookie the server sets when `POST /shared-links/login`
/// succeeds, sent back as `Cookie: immich_shared_link_token=<value>` on every request, as a
/// browser would. It stays valid as long as the link's password does. `Debug` shows
/// `SharedLinkToken(***)`; it has no `Display`.
#[derive(Clone, PartialEq, Eq)]
pub struct SharedLinkToken {
    value: String,
    cookie: HeaderValue,
}

impl SharedLinkToken {
    /// Wraps the cookie's value exactly as the server set it (still percent-encoded), e.g. one
    /// stored from [`expose_secret`](Self::expose_secret). Fails, without echoing it, when it is
    /// empty or holds a byte a cookie value cannot (RFC 6265 `cookie-octet`).
    pub fn new(value: &str) -> Result<Self, Error> {
        let invalid = || Error::InvalidCredential {
            what: "shared-link token",
        };
        let is_cookie_octet =
            |b: u8| matches!(b, 0x21 | 0x23..=0x2B | 0x2D..=0x3A | 0x3C..=0x5B | 0x5D..=0x7E);
        if value.is_empty() || !value.bytes().all(is_cookie_octet) {
            return Err(invalid());
        }
        let mut cookie = HeaderValue::from_str(&format!("{SHARED_LINK_TOKEN_COOKIE}={value}"))
            .map_err(|_| invalid())?;
        cookie.set_sensitive(true);
        Ok(SharedLinkToken {
            value: value.to_owned(),
            cookie,
        })
    }

    /// The token an answer's `Set-Cookie` headers carry, if any (an emptied cookie is none).
    pub fn from_set_cookie(headers: &HeaderMap) -> Option<Self> {
        headers
            .get_all(SET_COOKIE)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .filter_map(|cookie| {
                let pair = cookie.split(';').next()?;
                let (name, value) = pair.split_once('=')?;
                (name.trim() == SHARED_LINK_TOKEN_COOKIE).then(|| value.trim())
            })
            .find_map(|value| SharedLinkToken::new(value).ok())
    }

    /// The `Cookie` header value, marked sensitive so HTTP libraries don't log it.
    pub fn header_value(&self) -> &HeaderValue {
        &self.cookie
    }

    /// The cookie's value, to store it and restore it later with [`SharedLinkToken::new`].
    pub fn expose_secret(&self) -> &str {
        &self.value
    }
}

impl fmt::Debug for SharedLinkToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SharedLinkToken(***)")
    }
}

/// How requests say who is asking. One at a time: the server would pick one anyway (a
/// shared-link key first, then a session token, then an API key).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum Auth {
    /// Nothing: only the public endpoints (server version, features, ...) and `login` work.
    #[default]
    None,
    /// An API key, sent as `x-api-key`; the key's permissions apply.
    ApiKey(ApiKey),
    /// A login session, sent as `Authorization: Bearer <token>`; the user may do everything.
    Session(SessionToken),
    /// Shared-link access: what the link shows, and nothing else.
    SharedLink {
        /// The link's key or slug, sent as the `key=` or `slug=` query parameter.
        key: SharedLinkKey,
        /// For a password-protected link, the token from `sharedLinkLogin`, sent as a cookie.
        token: Option<SharedLinkToken>,
    },
}

/// The settings of one Immich server: plain data plus the version learned from it.
///
/// The base is a full URL: `http` or `https`, any host and port, and an optional path prefix.
/// `https://photos.example.com/immich` sends requests to `https://photos.example.com/immich/api/...`;
/// a URL that already ends in `/api` is used as it is.
///
/// Clones share the learned version, so a transport can clone a `Server` into tasks and still
/// call [`set_version`](Self::set_version) once.
#[derive(Clone)]
pub struct Server {
    scheme: Scheme,
    authority: Authority,
    /// The path before each endpoint path, always ending in `/api`, never in `/`.
    api_path: String,
    auth: Auth,
    device_id: String,
    version: Arc<RwLock<Option<ServerVersion>>>,
}

impl Server {
    /// Parses the base URL. The default device id is `immich-rs`.
    pub fn new(base_url: &str) -> Result<Self, Error> {
        let invalid = |reason| Error::InvalidUrl {
            url: scrub_url(base_url),
            reason,
        };
        let uri: Uri = base_url
            .trim()
            .parse()
            .map_err(|_| invalid("not a valid URL"))?;
        let scheme = uri
            .scheme()
            .cloned()
            .ok_or_else(|| invalid("the URL needs http:// or https://"))?;
        if scheme != Scheme::HTTP && scheme != Scheme::HTTPS {
            return Err(invalid("only http and https are supported"));
        }
        let authority = uri
            .authority()
            .cloned()
            .ok_or_else(|| invalid("the URL has no host"))?;
        if authority.as_str().contains('@') {
            return Err(invalid(
                "user:password@ in the URL is not supported: use an API key",
            ));
        }
        if authority.host().is_empty() {
            return Err(invalid("the URL has no host"));
        }
        if uri.query().is_some() {
            return Err(invalid("the URL must not have a query"));
        }
        let prefix = uri.path().trim_end_matches('/');
        let api_path = if prefix.ends_with("/api") {
            prefix.to_owned()
        } else {
            format!("{prefix}/api")
        };
        Ok(Server {
            scheme,
            authority,
            api_path,
            auth: Auth::None,
            device_id: "immich-rs".to_owned(),
            version: Arc::new(RwLock::new(None)),
        })
    }

    /// Sets the API key sent as `x-api-key` (replacing any other credential).
    pub fn with_api_key(mut self, key: &str) -> Result<Self, Error> {
        self.auth = Auth::ApiKey(ApiKey::new(key)?);
        Ok(self)
    }

    /// Sets a login session's token, sent as `Authorization: Bearer <token>` (replacing any
    /// other credential). [`Login`](crate::authentication::Login) returns one.
    pub fn with_session_token(mut self, token: &str) -> Result<Self, Error> {
        self.auth = Auth::Session(SessionToken::new(token)?);
        Ok(self)
    }

    /// Opens a shared link by its key: every request then carries `key=<key>` in its query
    /// (replacing any other credential).
    pub fn with_shared_link_key(mut self, key: &str) -> Result<Self, Error> {
        let key = SharedLinkKey::key(key)?;
        self.auth = Auth::SharedLink { key, token: None };
        Ok(self)
    }

    /// Opens a shared link by its custom slug (Immich v1.137+): every request then carries
    /// `slug=<slug>` in its query (replacing any other credential).
    pub fn with_shared_link_slug(mut self, slug: &str) -> Result<Self, Error> {
        let key = SharedLinkKey::slug(slug)?;
        self.auth = Auth::SharedLink { key, token: None };
        Ok(self)
    }

    /// Adds a password-protected link's token (from
    /// [`SharedLinkLogin`](crate::shared_links::SharedLinkLogin)) to the shared-link access set
    /// with [`with_shared_link_key`](Self::with_shared_link_key) or
    /// [`with_shared_link_slug`](Self::with_shared_link_slug). Fails when no shared link is set:
    /// the token opens nothing on its own.
    pub fn with_shared_link_token(mut self, token: SharedLinkToken) -> Result<Self, Error> {
        match &mut self.auth {
            Auth::SharedLink { token: slot, .. } => {
                *slot = Some(token);
                Ok(self)
            }
            _ => Err(Error::InvalidInput {
                what: "shared-link token",
                reason: "the server settings open no shared link (set a key or slug first)"
                    .to_owned(),
            }),
        }
    }

    /// Sets the credential directly (replacing any other).
    pub fn with_auth(mut self, auth: Auth) -> Self {
        self.auth = auth;
        self
    }

    /// Sets the device id that servers before v3 require on uploads.
    pub fn with_device_id(mut self, device_id: impl Into<String>) -> Self {
        self.device_id = device_id.into();
        self
    }

    /// Sets the server version up front (for tests, or when the caller already knows it).
    pub fn with_version(self, version: ServerVersion) -> Self {
        self.set_version(version);
        self
    }

    /// Records the server version (normally from `GET /server/version`), shared by all clones.
    pub fn set_version(&self, version: ServerVersion) {
        let mut slot = self.version.write().unwrap_or_else(|e| e.into_inner());
        *slot = Some(version);
    }

    /// The server version, once known.
    pub fn version(&self) -> Option<ServerVersion> {
        self.version
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// The server version, or [`Error::VersionRequired`] naming `operation`.
    pub fn require_version(&self, operation: &'static str) -> Result<ServerVersion, Error> {
        self.version().ok_or(Error::VersionRequired { operation })
    }

    /// `true` for `https://` servers.
    pub fn is_https(&self) -> bool {
        self.scheme == Scheme::HTTPS
    }

    /// The URL scheme.
    pub fn scheme(&self) -> &Scheme {
        &self.scheme
    }

    /// Host and port as in the URL.
    pub fn authority(&self) -> &Authority {
        &self.authority
    }

    /// The host name or address.
    pub fn host(&self) -> &str {
        self.authority.host()
    }

    /// The port, explicit or the scheme's default.
    pub fn port(&self) -> u16 {
        self.authority
            .port_u16()
            .unwrap_or(if self.is_https() { 443 } else { 80 })
    }

    /// The device id.
    pub fn device_id(&self) -> &str {
        &self.device_id
    }

    /// The API key, if that is the credential.
    pub fn api_key(&self) -> Option<&ApiKey> {
        match &self.auth {
            Auth::ApiKey(key) => Some(key),
            _ => None,
        }
    }

    /// The credential requests carry.
    pub fn auth(&self) -> &Auth {
        &self.auth
    }

    /// The path every endpoint path is appended to, ending in `/api`.
    pub fn api_path(&self) -> &str {
        &self.api_path
    }

    /// The full URI of an API path (`/albums`, already percent-encoded) and optional query.
    pub fn uri(&self, path: &str, query: Option<&str>) -> Result<Uri, Error> {
        let mut path_and_query = String::with_capacity(self.api_path.len() + path.len() + 32);
        path_and_query.push_str(&self.api_path);
        path_and_query.push_str(path);
        if let Some(query) = query.filter(|q| !q.is_empty()) {
            path_and_query.push('?');
            path_and_query.push_str(query);
        }
        Uri::builder()
            .scheme(self.scheme.clone())
            .authority(self.authority.clone())
            .path_and_query(path_and_query)
            .build()
            .map_err(|e| Error::invalid_input("request path", e.to_string()))
    }

    /// A request builder with method, URI, `accept: application/json` and the credential:
    /// the API key or session token header, or a shared link's `key=`/`slug=` appended to the
    /// query (and its token cookie). A slug on a server known to be older than v1.137.0, which
    /// cannot open links by slug, fails with [`Error::Unsupported`] before a request exists.
    pub fn request_builder(
        &self,
        method: Method,
        path: &str,
        query: Option<&str>,
    ) -> Result<http::request::Builder, Error> {
        let query = query.filter(|q| !q.is_empty());
        let with_link;
        let query = match &self.auth {
            Auth::SharedLink { key, .. } => {
                if key.is_slug() {
                    require_server_at_least(
                        self,
                        "opening a shared link by slug",
                        SHARED_LINK_SLUG_SINCE,
                    )?;
                }
                with_link = match query {
                    Some(query) => format!("{query}&{}", key.query_pair()),
                    None => key.query_pair().to_owned(),
                };
                Some(with_link.as_str())
            }
            _ => query,
        };
        let mut builder = http::Request::builder()
            .method(method)
            .uri(self.uri(path, query)?)
            .header(ACCEPT, HeaderValue::from_static("application/json"));
        match &self.auth {
            Auth::None => {}
            Auth::ApiKey(key) => {
                builder = builder.header(API_KEY_HEADER, key.header_value().clone());
            }
            Auth::Session(token) => {
                builder = builder.header(AUTHORIZATION, token.header_value().clone());
            }
            Auth::SharedLink { token, .. } => {
                if let Some(token) = token {
                    builder = builder.header(COOKIE, token.header_value().clone());
                }
            }
        }
        Ok(builder)
    }
}

/// The URL without what may hold a secret: the query (`?apiKey=...`), the fragment and any
/// `user:password@` before the host. Errors show only this.
///
/// Any string is accepted, however odd: every cut is made at an ASCII delimiter found in the
/// string itself (`?`, `#`, `://`, `@`), so no index ever falls inside a multi-byte character
/// (`http://a@höst/#é` once panicked here, when an index into the rewritten string was used on
/// the original one). Everything up to the last `@` goes, not only a well-formed user info: a
/// malformed URL (`http:/u:pw@h`) has no authority to find, and may still hold a password.
fn scrub_url(url: &str) -> String {
    let url = url.trim();
    let (base, rest) = url.split_at(url.find(['?', '#']).unwrap_or(url.len()));
    // A scheme is letters, digits, `+`, `-` and `.` (RFC 3986); a `://` after anything else is
    // not one and could follow the password.
    let is_scheme = |s: &str| {
        s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'))
    };
    let scheme_end = base
        .find("://")
        .filter(|&i| is_scheme(&base[..i]))
        .map_or(0, |i| i + 3);
    let (scheme, after_scheme) = base.split_at(scheme_end);
    let mut out = String::with_capacity(url.len());
    out.push_str(scheme);
    match after_scheme.rfind('@') {
        Some(at) => {
            out.push_str("***@");
            out.push_str(&after_scheme[at + 1..]);
        }
        None => out.push_str(after_scheme),
    }
    // A query may hold a key; say that there was one without showing it.
    if rest.contains('?') {
        out.push_str("?***");
    }
    out
}

impl fmt::Debug for Server {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Server")
            .field(
                "base",
                &format_args!("{}://{}{}", self.scheme, self.authority, self.api_path),
            )
            .field("auth", &self.auth)
            .field("device_id", &self.device_id)
            .field("version", &self.version())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_urls() {
        let cases = [
            ("http://127.0.0.1:2283", "http://127.0.0.1:2283/api/albums"),
            ("http://127.0.0.1:2283/", "http://127.0.0.1:2283/api/albums"),
            (
                "https://photos.example.com/immich",
                "https://photos.example.com/immich/api/albums",
            ),
            (
                "https://photos.example.com/immich/api/",
                "https://photos.example.com/immich/api/albums",
            ),
            ("https://[::1]:8443/api", "https://[::1]:8443/api/albums"),
        ];
        for (base, want) in cases {
            let server = Server::new(base).unwrap();
            assert_eq!(
                server.uri("/albums", None).unwrap().to_string(),
                want,
                "{base}"
            );
        }
        assert_eq!(Server::new("https://x.test").unwrap().port(), 443);
    }

    #[test]
    fn bad_urls_are_refused() {
        for bad in [
            "",
            "photos.example.com",
            "ftp://x/",
            "http://u:p@x/",
            "http://x/?a=1",
        ] {
            assert!(
                matches!(Server::new(bad), Err(Error::InvalidUrl { .. })),
                "{bad}"
            );
        }
    }

    #[test]
    fn key_never_shows() {
        let server = Server::new("http://h")
            .unwrap()
            .with_api_key("s3cr3t-key")
            .unwrap();
        let debug = format!("{server:?}");
        assert!(!debug.contains("s3cr3t"), "{debug}");
        assert!(debug.contains("ApiKey(***)"));
        let bad = Server::new("http://h")
            .unwrap()
            .with_api_key("bad\nkey-s3cr3t");
        let err = bad.err().unwrap();
        assert!(!format!("{err} {err:?}").contains("s3cr3t"));
        let req = server
            .request_builder(Method::GET, "/x", None)
            .unwrap()
            .body(())
            .unwrap();
        assert!(req.headers()[API_KEY_HEADER].is_sensitive());
    }

    #[test]
    fn url_errors_hide_secrets() {
        for bad in [
            "http://x/?apiKey=s3cr3t",
            "http://u:s3cr3t@x/",
            "ftp://u:s3cr3t@x/?k=s3cr3t",
            "s3cr3t",
        ] {
            let err = Server::new(bad).unwrap_err();
            let shown = format!("{err} {err:?}");
            assert!(!shown.contains("s3cr3t") || bad == "s3cr3t", "{shown}");
        }
        assert_eq!(
            scrub_url("https://u:p@h:1/immich?apiKey=k"),
            "https://***@h:1/immich?***"
        );
        assert_eq!(scrub_url("https://h/immich"), "https://h/immich");
    }

    #[test]
    fn odd_urls_give_a_typed_error() {
        // Each once panicked in `scrub_url`: a multi-byte character after the user info or in
        // the fragment.
        for odd in [
            "http://a@höst/#é",
            "http://a@h/#é",
            "http://ü:p@h/?é",
            "é://a@h#é",
            "http://a@höst/?k=é#é",
            "http://a@h#é?",
        ] {
            match Server::new(odd) {
                Err(Error::InvalidUrl { url, .. }) => assert!(!url.contains("a@"), "{url}"),
                other => panic!("{odd}: {other:?}"),
            }
        }
        assert_eq!(scrub_url("http://a@höst/#é"), "http://***@höst/");
        assert_eq!(scrub_url("http://u:p@h/x?é#é"), "http://***@h/x?***");
    }

    mod generated {
        use proptest::prelude::*;

        use super::super::*;

        /// A URL assembled from pieces that each may be odd: multi-byte characters, stray
        /// delimiters, user info holding a secret, a query or a fragment holding one.
        fn url() -> impl Strategy<Value = (String, bool)> {
            let scheme = prop::sample::select(vec![
                "http://", "https://", "HTTP://", "ftp://", "http:/", "http:", "", "é://",
            ]);
            // No `/`, `?` or `#`: they would end the user info and make the secret a path.
            let user = prop::option::of("[a-zé:%@ ü]{0,6}");
            let host = "[a-zA-Z0-9.\\-\\[\\]:é€😀 %]{0,12}";
            let port = prop::option::of("[0-9a-zé]{0,6}");
            let path = "[a-zé/@:%.~ ]{0,12}";
            let query = prop::option::of("[a-zé=&?#/]{0,8}");
            let fragment = prop::option::of("[a-zé=&?#/@]{0,8}");
            (scheme, user, host, port, path, query, fragment).prop_map(
                |(scheme, user, host, port, path, query, fragment)| {
                    let mut url = scheme.to_owned();
                    if let Some(user) = &user {
                        url.push_str(&format!("{user}:s3cr3t@"));
                    }
                    url.push_str(&host);
                    if let Some(port) = port {
                        url.push_str(&format!(":{port}"));
                    }
                    url.push_str(&path);
                    if let Some(query) = query {
                        url.push_str(&format!("?k=s3cr3t{query}"));
                    }
                    if let Some(fragment) = fragment {
                        url.push_str(&format!("#s3cr3t{fragment}"));
                    }
                    (url, user.is_some())
                },
            )
        }

        fn config() -> ProptestConfig {
            ProptestConfig {
                // A fixed count: about a second in a debug build.
                cases: 4096,
                // Nothing written into the source tree; a failure prints its smallest case.
                failure_persistence: None,
                ..ProptestConfig::default()
            }
        }

        proptest! {
            #![proptest_config(config())]

            /// Every generated URL works or is an `InvalidUrl`, and neither shows the secret.
            #[test]
            fn every_url_works_or_is_refused((url, _) in url()) {
                match Server::new(&url) {
                    Ok(server) => {
                        prop_assert!(server.uri("/albums", None).is_ok(), "{url}");
                        let shown = format!("{server:?}");
                        prop_assert!(!shown.contains("s3cr3t"), "{url} -> {shown}");
                    }
                    Err(error @ Error::InvalidUrl { .. }) => {
                        let shown = format!("{error} {error:?}");
                        prop_assert!(!shown.contains("s3cr3t"), "{url} -> {shown}");
                    }
                    Err(other) => prop_assert!(false, "{url}: not InvalidUrl: {other:?}"),
                }
            }

            /// Any string at all: a typed answer, never a panic.
            #[test]
            fn any_string_works_or_is_refused(url in any::<String>()) {
                match Server::new(&url) {
                    Ok(server) => prop_assert!(server.uri("/", None).is_ok(), "{url:?}"),
                    Err(Error::InvalidUrl { .. }) => {}
                    Err(other) => prop_assert!(false, "{url:?}: not InvalidUrl: {other:?}"),
                }
            }
        }
    }

    #[test]
    fn clones_share_the_version() {
        let server = Server::new("http://h").unwrap();
        let clone = server.clone();
        assert_eq!(
            clone.require_version("op"),
            Err(Error::VersionRequired { operation: "op" })
        );
        server.set_version(ServerVersion::new(3, 0, 0));
        assert_eq!(clone.version(), Some(ServerVersion::new(3, 0, 0)));
    }
}
