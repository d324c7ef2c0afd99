//! Where the server is and who we are: base URL, API key, device id, learned version.

use std::fmt;
use std::sync::{Arc, RwLock};

use http::header::{HeaderName, HeaderValue, ACCEPT};
use http::uri::{Authority, Scheme};
use http::{Method, Uri};

use crate::{Error, ServerVersion};

/// The API key header Immich reads.
pub const API_KEY_HEADER: HeaderName = HeaderName::from_static("x-api-key");

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
    api_key: Option<ApiKey>,
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
            api_key: None,
            device_id: "immich-rs".to_owned(),
            version: Arc::new(RwLock::new(None)),
        })
    }

    /// Sets the API key sent as `x-api-key`.
    pub fn with_api_key(mut self, key: &str) -> Result<Self, Error> {
        self.api_key = Some(ApiKey::new(key)?);
        Ok(self)
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

    /// The API key, if set.
    pub fn api_key(&self) -> Option<&ApiKey> {
        self.api_key.as_ref()
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

    /// A request builder with method, URI, `accept: application/json` and the API key.
    pub fn request_builder(
        &self,
        method: Method,
        path: &str,
        query: Option<&str>,
    ) -> Result<http::request::Builder, Error> {
        let mut builder = http::Request::builder()
            .method(method)
            .uri(self.uri(path, query)?)
            .header(ACCEPT, HeaderValue::from_static("application/json"));
        if let Some(key) = &self.api_key {
            builder = builder.header(API_KEY_HEADER, key.header_value().clone());
        }
        Ok(builder)
    }
}

/// The URL without what may hold a secret: the query (`?apiKey=...`) and any
/// `user:password@` before the host. Errors show only this.
fn scrub_url(url: &str) -> String {
    let url = url.trim();
    let mut out = url.split(['?', '#']).next().unwrap_or("").to_owned();
    let after_scheme = out.find("://").map_or(0, |i| i + 3);
    let authority_end = out[after_scheme..]
        .find('/')
        .map_or(out.len(), |i| after_scheme + i);
    if let Some(at) = out[after_scheme..authority_end].rfind('@') {
        out.replace_range(after_scheme..after_scheme + at + 1, "***@");
    }
    if out.len() < url.len() && !url[out.len()..].starts_with('/') && url.contains('?') {
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
            .field("api_key", &self.api_key)
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
