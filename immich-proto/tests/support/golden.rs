//! Test helpers shared by the area tests (server, users, albums, tags): golden requests,
//! recorded responses from `tests/fixtures/`, and a fake transport that plays a transcript.
#![allow(dead_code)]

use bytes::Bytes;
use http::{Request, Response};
use immich_proto::{Flow, Server, ServerVersion, Step};

/// The API key every test server uses.
pub const KEY: &str = "test-api-key";

/// A server at `http://immich.test:2283` with [`KEY`], and a version when given.
pub fn server(version: Option<(u64, u64, u64)>) -> Server {
    let server = Server::new("http://immich.test:2283")
        .unwrap()
        .with_api_key(KEY)
        .unwrap();
    match version {
        Some((major, minor, patch)) => server.with_version(ServerVersion::new(major, minor, patch)),
        None => server,
    }
}

/// A v1.118 server.
pub fn v1() -> Server {
    server(Some((1, 118, 2)))
}

/// A v3 server.
pub fn v3() -> Server {
    server(Some((3, 0, 0)))
}

/// A request reduced to what a golden test compares, so a failure shows a readable diff.
#[derive(Debug, PartialEq, Eq)]
pub struct Golden {
    pub method: String,
    pub uri: String,
    /// `(name, value, sensitive)` in the order the request holds them.
    pub headers: Vec<(String, String, bool)>,
    pub body: String,
}

impl Golden {
    fn of(request: &Request<Bytes>) -> Golden {
        Golden {
            method: request.method().to_string(),
            uri: request.uri().to_string(),
            headers: request
                .headers()
                .iter()
                .map(|(name, value)| {
                    (
                        name.to_string(),
                        value.to_str().unwrap().to_owned(),
                        value.is_sensitive(),
                    )
                })
                .collect(),
            body: String::from_utf8(request.body().to_vec()).unwrap(),
        }
    }
}

/// What a request must be: `method`, full `uri` and, for JSON requests, the exact body.
pub struct Expect<'a> {
    pub method: &'a str,
    pub uri: &'a str,
    pub json: Option<&'a str>,
}

/// `GET uri` with no body.
pub fn get(uri: &str) -> Expect<'_> {
    Expect {
        method: "GET",
        uri,
        json: None,
    }
}

/// `method uri` with a JSON body.
pub fn json<'a>(method: &'a str, uri: &'a str, body: &'a str) -> Expect<'a> {
    Expect {
        method,
        uri,
        json: Some(body),
    }
}

/// Asserts the request is exactly `expect`: method, URI with query, the headers (accept, the
/// sensitive API key, content-type for JSON, nothing else) and the body bytes.
pub fn assert_request(request: &Request<Bytes>, expect: &Expect<'_>) {
    assert_request_with(request, expect, &[("x-api-key", KEY, true)]);
}

/// [`assert_request`] for another credential: the request carries exactly these
/// `(name, value, sensitive)` credential headers (none for an anonymous request) instead of
/// the API key.
pub fn assert_request_with(
    request: &Request<Bytes>,
    expect: &Expect<'_>,
    credential: &[(&str, &str, bool)],
) {
    let mut headers = vec![("accept".to_owned(), "application/json".to_owned(), false)];
    headers.extend(
        credential
            .iter()
            .map(|(name, value, sensitive)| ((*name).to_owned(), (*value).to_owned(), *sensitive)),
    );
    if expect.json.is_some() {
        headers.push((
            "content-type".to_owned(),
            "application/json".to_owned(),
            false,
        ));
    }
    let mut actual = Golden::of(request);
    actual.headers.sort();
    headers.sort();
    let want = Golden {
        method: expect.method.to_owned(),
        uri: expect.uri.to_owned(),
        headers,
        body: expect.json.unwrap_or("").to_owned(),
    };
    assert_eq!(actual, want);
}

/// The bytes of `tests/fixtures/<path>`.
pub fn fixture(path: &str) -> Bytes {
    let full = format!("{}/tests/fixtures/{path}", env!("CARGO_MANIFEST_DIR"));
    Bytes::from(std::fs::read(&full).unwrap_or_else(|e| panic!("{full}: {e}")))
}

/// A `200 OK` JSON answer with `body`.
pub fn ok(body: impl Into<Bytes>) -> Response<Bytes> {
    Response::builder()
        .status(200)
        .header("content-type", "application/json; charset=utf-8")
        .body(body.into())
        .unwrap()
}

/// A `200 OK` answer with the fixture at `path`.
pub fn ok_fixture(path: &str) -> Response<Bytes> {
    ok(fixture(path))
}

/// Plays `transcript` against `flow` like a transport would: each request the flow sends must
/// match the next expectation, and gets the paired answer. Fails if the flow asks for more or
/// fewer requests than the transcript holds.
pub fn run_flow<F: Flow>(
    flow: &mut F,
    server: &Server,
    transcript: Vec<(Expect<'_>, Response<Bytes>)>,
) -> Result<F::Output, immich_proto::Error> {
    let expected = transcript.len();
    let mut transcript = transcript.into_iter();
    let mut last = None;
    for _ in 0..=expected {
        match flow.step(server, last.take())? {
            Step::Send(request) => {
                let (expect, response) = transcript.next().unwrap_or_else(|| {
                    panic!("flow sent more than {expected} requests: {request:?}")
                });
                assert_request(&request, &expect);
                last = Some(response);
            }
            Step::Done(output) => {
                assert!(transcript.next().is_none(), "flow finished early");
                return Ok(output);
            }
        }
    }
    panic!("flow did not finish after {expected} requests");
}
