//! Following redirects, decided once for every transport: a `3xx` answer with a `Location`
//! becomes the next request, as long as it stays on the same origin (scheme, host and port).
//!
//! Immich v3.1 answers `GET /assets/{id}/thumbnail?size=fullsize` with `302 Found` and
//! `Location: original?…` (a video's with its preview), and a server storing files in an object
//! store may redirect to a signed URL elsewhere. Every request carries a credential (the
//! `x-api-key` header, `Authorization`, a cookie, or the shared link's key or slug in the
//! query), so a redirect to another origin is never followed: it is the typed
//! [`Error::CrossOriginRedirect`]. A transport sends what [`Redirects::follow`] returns (through
//! [`Session::follow_redirect`](crate::Session::follow_redirect), which gates it as the first
//! request was) and decides nothing itself.

use bytes::Bytes;
use http::header::{CONTENT_LENGTH, CONTENT_TYPE, LOCATION};
use http::uri::{Parts as UriParts, PathAndQuery, Scheme};
use http::{response, Method, Request, StatusCode, Uri};

use crate::Error;

/// The most redirects followed for one call: Immich needs one (full size to original), a
/// proxy in front of it may add another.
pub const MAX_REDIRECTS: u8 = 5;

/// The state of one call's redirects: the request last sent (to build the next one from) and
/// the hops taken so far.
#[derive(Debug)]
pub struct Redirects {
    operation: &'static str,
    last: Request<Bytes>,
    hops: u8,
}

impl Redirects {
    /// Starts following redirects for `request`, the first request of a call. Keeps a copy of
    /// it (the body is shared, not copied).
    pub fn new(operation: &'static str, request: &Request<Bytes>) -> Self {
        Redirects {
            operation,
            last: copy_request(request),
            hops: 0,
        }
    }

    /// Decides what the answer `head` to the request last sent means:
    /// - `Ok(None)`: not a redirect to follow (not a `301`, `302`, `303`, `307` or `308`, or
    ///   without a usable `Location`); the answer is the call's answer.
    /// - `Ok(Some(next))`: send `next` instead (its credentials are the ones of the first
    ///   request, as the origin is the same), and drop the redirect's body.
    /// - `Err`: a redirect to another origin, or more than [`MAX_REDIRECTS`].
    pub fn follow(&mut self, head: &response::Parts) -> Result<Option<Request<Bytes>>, Error> {
        let keeps_method = match head.status {
            StatusCode::TEMPORARY_REDIRECT | StatusCode::PERMANENT_REDIRECT => true,
            StatusCode::MOVED_PERMANENTLY | StatusCode::FOUND => {
                // What browsers do: a redirected POST becomes a GET.
                matches!(*self.last.method(), Method::GET | Method::HEAD)
            }
            StatusCode::SEE_OTHER => *self.last.method() == Method::HEAD,
            _ => return Ok(None),
        };
        let Some(location) = head.headers.get(LOCATION).and_then(|v| v.to_str().ok()) else {
            return Ok(None);
        };
        let Some(target) = resolve(self.last.uri(), location) else {
            return Ok(None);
        };
        if origin(&target) != origin(self.last.uri()) {
            return Err(Error::CrossOriginRedirect {
                operation: self.operation,
                target_origin: origin(&target),
            });
        }
        if self.hops >= MAX_REDIRECTS {
            return Err(Error::TooManyRedirects {
                operation: self.operation,
                limit: MAX_REDIRECTS,
            });
        }
        self.hops += 1;
        let mut next = copy_request(&self.last);
        *next.uri_mut() = target;
        if !keeps_method {
            *next.method_mut() = Method::GET;
            *next.body_mut() = Bytes::new();
            next.headers_mut().remove(CONTENT_TYPE);
            next.headers_mut().remove(CONTENT_LENGTH);
        }
        self.last = copy_request(&next);
        Ok(Some(next))
    }

    /// The operation of the call (the first request's).
    pub fn operation(&self) -> &'static str {
        self.operation
    }

    /// How many redirects were followed so far.
    pub fn hops(&self) -> u8 {
        self.hops
    }
}

/// A copy of a request the core built: method, URI, version, headers and body.
fn copy_request(request: &Request<Bytes>) -> Request<Bytes> {
    let mut copy = Request::new(request.body().clone());
    *copy.method_mut() = request.method().clone();
    *copy.uri_mut() = request.uri().clone();
    *copy.version_mut() = request.version();
    *copy.headers_mut() = request.headers().clone();
    copy
}

/// `scheme://host:port`, with the scheme's default port filled in so `https://a` and
/// `https://a:443` are one origin.
fn origin(uri: &Uri) -> String {
    let scheme = uri.scheme_str().unwrap_or("").to_ascii_lowercase();
    let host = uri.host().unwrap_or("").to_ascii_lowercase();
    let port = uri.port_u16().or(match scheme.as_str() {
        "http" => Some(80),
        "https" => Some(443),
        _ => None,
    });
    match port {
        Some(port) => format!("{scheme}://{host}:{port}"),
        None => format!("{scheme}://{host}"),
    }
}

/// Resolves a `Location` against the URI it answered (RFC 3986 section 5.2): absolute,
/// `//host/path`, `/path`, `?query` or a relative path such as Immich's `original?`. The
/// fragment is dropped. `None` when the result is not a valid URI.
fn resolve(base: &Uri, location: &str) -> Option<Uri> {
    let location = location.split('#').next().unwrap_or("").trim();
    if has_scheme(location) {
        return location.parse().ok();
    }
    let scheme = base.scheme().cloned().unwrap_or(Scheme::HTTP);
    if let Some(rest) = location.strip_prefix("//") {
        return format!("{scheme}://{rest}").parse().ok();
    }
    let (path, query) = match location.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (location, None),
    };
    let (path, query) = if path.is_empty() {
        (base.path().to_owned(), query.or(base.query()))
    } else if path.starts_with('/') {
        (remove_dot_segments(path), query)
    } else {
        let base_path = base.path();
        let directory = &base_path[..base_path.rfind('/').map_or(0, |i| i + 1)];
        (remove_dot_segments(&format!("{directory}{path}")), query)
    };
    let path_and_query = match query {
        Some(query) => format!("{path}?{query}"),
        None => path,
    };
    let mut parts = UriParts::default();
    parts.scheme = Some(scheme);
    parts.authority = Some(base.authority()?.clone());
    parts.path_and_query = Some(PathAndQuery::try_from(path_and_query).ok()?);
    Uri::from_parts(parts).ok()
}

/// Whether `reference` starts with a scheme (`https:`), as opposed to a path.
fn has_scheme(reference: &str) -> bool {
    match reference.split_once(':') {
        Some((scheme, _)) => {
            scheme.starts_with(|c: char| c.is_ascii_alphabetic())
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        }
        None => false,
    }
}

/// Removes `.` and `..` segments from an absolute path (RFC 3986 section 5.2.4).
fn remove_dot_segments(path: &str) -> String {
    let mut kept: Vec<&str> = Vec::new();
    let segments: Vec<&str> = path.split('/').skip(1).collect();
    for (index, segment) in segments.iter().enumerate() {
        let last = index + 1 == segments.len();
        match *segment {
            "." => {
                if last {
                    kept.push("");
                }
            }
            ".." => {
                kept.pop();
                if last {
                    kept.push("");
                }
            }
            other => kept.push(other),
        }
    }
    format!("/{}", kept.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(uri: &str) -> Request<Bytes> {
        Request::builder()
            .uri(uri)
            .header("x-api-key", "secret")
            .body(Bytes::new())
            .unwrap()
    }

    fn answer(status: u16, location: Option<&str>) -> response::Parts {
        let mut builder = http::Response::builder().status(status);
        if let Some(location) = location {
            builder = builder.header(LOCATION, location);
        }
        builder.body(()).unwrap().into_parts().0
    }

    const THUMBNAIL: &str = "http://photos.local:2283/api/assets/a1/thumbnail?size=fullsize";

    #[test]
    fn immichs_relative_redirect_to_the_original_is_followed_with_the_key() {
        let mut redirects = Redirects::new("viewAsset", &request(THUMBNAIL));
        let next = redirects
            .follow(&answer(302, Some("original?key=k1")))
            .unwrap()
            .unwrap();
        assert_eq!(
            next.uri(),
            "http://photos.local:2283/api/assets/a1/original?key=k1"
        );
        assert_eq!(next.method(), Method::GET);
        assert_eq!(next.headers()["x-api-key"], "secret");
        assert_eq!(redirects.hops(), 1);
        let next = redirects
            .follow(&answer(302, Some("/api/assets/a1/thumbnail?size=preview")))
            .unwrap()
            .unwrap();
        assert_eq!(
            next.uri(),
            "http://photos.local:2283/api/assets/a1/thumbnail?size=preview"
        );
        assert!(matches!(redirects.follow(&answer(200, None)), Ok(None)));
    }

    #[test]
    fn locations_resolve_as_rfc_3986_says() {
        let base: Uri = "https://h:8443/api/assets/a1/thumbnail?size=fullsize"
            .parse()
            .unwrap();
        let cases = [
            ("original?", "https://h:8443/api/assets/a1/original?"),
            ("../a2/original", "https://h:8443/api/assets/a2/original"),
            ("./x#frag", "https://h:8443/api/assets/a1/x"),
            (
                "?size=preview",
                "https://h:8443/api/assets/a1/thumbnail?size=preview",
            ),
            ("/other", "https://h:8443/other"),
            ("//h:8443/p", "https://h:8443/p"),
            ("http://elsewhere/p?q", "http://elsewhere/p?q"),
        ];
        for (location, expected) in cases {
            assert_eq!(resolve(&base, location).unwrap(), expected, "{location}");
        }
    }

    #[test]
    fn another_origin_is_refused_without_showing_the_path() {
        for location in [
            "https://photos.local:2283/api/x",
            "http://photos.local:80/api/x",
            "http://s3.example.com/bucket/obj?sig=abc&key=k1",
            "//other:2283/api/x",
        ] {
            let mut redirects = Redirects::new("viewAsset", &request(THUMBNAIL));
            let error = redirects.follow(&answer(302, Some(location))).unwrap_err();
            assert!(
                matches!(&error, Error::CrossOriginRedirect { target_origin, .. } if !target_origin.contains("sig")),
                "{location}: {error:?}"
            );
        }
        let mut redirects = Redirects::new("viewAsset", &request("https://h/api/x"));
        let same = redirects.follow(&answer(307, Some("https://H:443/api/y")));
        assert!(matches!(same, Ok(Some(_))));
    }

    #[test]
    fn a_loop_ends_after_the_limit() {
        let mut redirects = Redirects::new("viewAsset", &request(THUMBNAIL));
        for _ in 0..MAX_REDIRECTS {
            assert!(redirects
                .follow(&answer(302, Some("thumbnail")))
                .unwrap()
                .is_some());
        }
        assert_eq!(
            redirects
                .follow(&answer(302, Some("thumbnail")))
                .unwrap_err(),
            Error::TooManyRedirects {
                operation: "viewAsset",
                limit: MAX_REDIRECTS
            }
        );
    }

    #[test]
    fn other_answers_are_the_calls_answer() {
        let mut redirects = Redirects::new("viewAsset", &request(THUMBNAIL));
        assert!(matches!(
            redirects.follow(&answer(304, Some("/x"))),
            Ok(None)
        ));
        assert!(matches!(redirects.follow(&answer(302, None)), Ok(None)));
        assert!(matches!(
            redirects.follow(&answer(404, Some("/x"))),
            Ok(None)
        ));
    }

    #[test]
    fn a_post_redirected_with_303_becomes_a_get_without_body() {
        let post = Request::post("http://h/api/x")
            .header(CONTENT_TYPE, "application/json")
            .body(Bytes::from_static(b"{}"))
            .unwrap();
        let mut redirects = Redirects::new("op", &post);
        let next = redirects
            .follow(&answer(303, Some("/api/y")))
            .unwrap()
            .unwrap();
        assert_eq!(next.method(), Method::GET);
        assert!(next.body().is_empty());
        assert!(next.headers().get(CONTENT_TYPE).is_none());
        let mut redirects = Redirects::new("op", &post);
        let next = redirects
            .follow(&answer(307, Some("/api/y")))
            .unwrap()
            .unwrap();
        assert_eq!(next.method(), Method::POST);
        assert_eq!(next.body(), &Bytes::from_static(b"{}"));
    }
}
