//! The bounded fuzz run of `cargo test`: mutated answers for every response parser of the core
//! (all generated operations through `parse_response`, the hand-written endpoints and flows,
//! error bodies, media heads with odd `Content-Range`s, the ETag cache, `Server::new` with odd
//! URLs, `safe_file_name`) and for the test server's multipart reader. The property is the same
//! for all: no panic, only `Ok` or a typed `Err`.
//!
//! The bodies start from the recorded answers of immich-proto/tests/fixtures, from made-up JSON,
//! and from bodies shaped for each operation (found by following serde's complaints, see
//! [`shapes`]); then come byte flips, cuts, JSON tokens of the wrong type, huge numbers, long and
//! non-UTF-8 strings, bounded deep nesting and duplicated keys.
//!
//! Each run uses a fixed seed and a random one (printed). Replay or lengthen a run with
//! `IMMICH_FUZZ_SEED=<seed>` (that seed only) and `IMMICH_FUZZ_CASES=<n>` (cases per seed):
//! `IMMICH_FUZZ_CASES=10000000 cargo test --release -p immich-tests --test it fuzz`.

use std::collections::BTreeSet;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;
use std::time::Instant;

use immich_proto::bytes::Bytes;
use immich_proto::http::{HeaderMap, HeaderName, HeaderValue, Request, Response, StatusCode};
use immich_proto::id::{AlbumId, AssetId, UserId};
use immich_proto::{Endpoint, EtagCache, Flow, MediaEndpoint, Server, Step};
use immich_tests::report;
use immich_tests::samples::{visit_all, Visit};
use serde_json::Value;

/// How many answers the parsers accepted (`Ok`), to show the inputs are not all rejected early.
static ACCEPTED: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// How many operations are parsed, and for how many [`shapes`] found a well-formed body.
static PARSED: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
static SHAPED: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// The seed every run uses.
const FIXED_SEED: u64 = 0x1_4411_c4f0_22ed;
/// Cases per seed by default: two seeds, so 100,000 cases a run.
const DEFAULT_CASES: u64 = 50_000;

/// xorshift64*: small, fast and good enough to pick mutations.
#[derive(Clone)]
struct Rng(u64, bool);

impl Rng {
    fn new(seed: u64) -> Self {
        // splitmix64 once, so nearby seeds give unrelated streams; never zero.
        let mut z = seed.wrapping_add(0x9e37_79b9_7f4a_7c15);
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        Rng((z ^ (z >> 31)) | 1, false)
    }
    /// Whether the case should write down its input (only when replaying a failure: formatting
    /// every input would cost more than the parsing).
    fn recording(&self) -> bool {
        self.1
    }
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    /// In `0..n` (`n > 0`).
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// Tokens inserted into bodies: wrong types, edge numbers, odd strings.
const TOKENS: &[&str] = &[
    "null",
    "true",
    "0",
    "-0",
    "-1",
    "1.5",
    "1e999",
    "-1e999",
    "18446744073709551616",
    "-9223372036854775809",
    "4294967296",
    "\"\"",
    "\"x\"",
    "\"2024-02-30T25:61:61Z\"",
    "\"0000a55e-0000-4000-8000-0000000000aa\"",
    "\"\\ud800\"",
    "\"\\u0000\"",
    "\"../../etc/passwd\"",
    "[]",
    "{}",
    "[null]",
    "{\"\":null}",
    ",",
    ":",
    "\"",
    "{",
    "}",
    "[",
    "]",
    "\u{fffd}",
    "😀",
];

/// Field names seen in the recorded answers, plus a few every model has.
fn field_names(fixtures: &[Bytes]) -> Vec<String> {
    fn walk(value: &Value, names: &mut BTreeSet<String>) {
        match value {
            Value::Object(map) => {
                for (key, value) in map {
                    names.insert(key.clone());
                    walk(value, names);
                }
            }
            Value::Array(items) => items.iter().for_each(|v| walk(v, names)),
            _ => {}
        }
    }
    let mut names: BTreeSet<String> = ["id", "name", "items", "total", "count", "nextPage"]
        .into_iter()
        .map(str::to_owned)
        .collect();
    for body in fixtures {
        if let Ok(value) = serde_json::from_slice::<Value>(body) {
            walk(&value, &mut names);
        }
    }
    names.into_iter().collect()
}

/// What every target draws its inputs from.
struct Corpus {
    /// The recorded answers of immich-proto/tests/fixtures.
    fixtures: Vec<Bytes>,
    /// The same, parsed once.
    values: Vec<Value>,
    /// Field names for made-up objects.
    names: Vec<String>,
}

impl Corpus {
    fn load() -> Self {
        fn read(dir: &Path, out: &mut Vec<Bytes>) {
            let mut entries: Vec<_> = std::fs::read_dir(dir)
                .expect("the fixtures folder")
                .map(|e| e.expect("a fixture").path())
                .collect();
            entries.sort();
            for path in entries {
                if path.is_dir() {
                    read(&path, out);
                } else if path.extension().is_some_and(|e| e == "json") {
                    out.push(Bytes::from(std::fs::read(&path).expect("a fixture")));
                }
            }
        }
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../immich-proto/tests/fixtures");
        let mut fixtures = Vec::new();
        read(&dir, &mut fixtures);
        assert!(
            fixtures.len() > 50,
            "fixtures missing from {}",
            dir.display()
        );
        let names = field_names(&fixtures);
        let values = fixtures
            .iter()
            .map(|body| serde_json::from_slice(body).unwrap_or(Value::Null))
            .collect();
        Corpus {
            fixtures,
            values,
            names,
        }
    }

    /// A JSON value of any type, at most `depth` levels deep, with known field names.
    fn value(&self, rng: &mut Rng, depth: u32) -> Value {
        match rng.below(if depth == 0 { 6 } else { 9 }) {
            0 => Value::Null,
            1 => Value::Bool(rng.chance(50)),
            2 => Value::from(rng.next() as i64 >> rng.below(64)),
            3 => serde_json::Number::from_f64(f64::from_bits(rng.next()))
                .map_or(Value::Null, Value::Number),
            4 => Value::String(immich_tests::samples::SAMPLE_UUID.to_owned()),
            5 => Value::String(
                (0..rng.below(12))
                    .map(|_| char::from_u32(rng.below(0x11_0000) as u32).unwrap_or('x'))
                    .collect(),
            ),
            6 | 7 => Value::Object(
                (0..rng.below(8))
                    .map(|_| {
                        let name = rng.pick(&self.names).clone();
                        (name, self.value(rng, depth - 1))
                    })
                    .collect(),
            ),
            _ => Value::Array(
                (0..rng.below(4))
                    .map(|_| self.value(rng, depth - 1))
                    .collect(),
            ),
        }
    }

    /// A JSON body: a recorded answer (maybe changed in one place), or one made up.
    fn json(&self, rng: &mut Rng, own: &[Value]) -> Vec<u8> {
        if !own.is_empty() && rng.chance(60) {
            let mut value = rng.pick(own).clone();
            if rng.chance(50) {
                self.change_one(rng, &mut value, 0);
            }
            return serde_json::to_vec(&value).expect("a Value serializes");
        }
        match rng.below(10) {
            0..=4 => rng.pick(&self.fixtures).to_vec(),
            5..=7 => {
                let mut value = rng.pick(&self.values).clone();
                self.change_one(rng, &mut value, 0);
                serde_json::to_vec(&value).expect("a Value serializes")
            }
            _ => serde_json::to_vec(&self.value(rng, 4)).expect("a Value serializes"),
        }
    }

    /// Replaces, removes or adds one node somewhere in `value`.
    fn change_one(&self, rng: &mut Rng, value: &mut Value, depth: u32) {
        let descend = depth < 8 && rng.chance(70);
        match value {
            Value::Object(map) if descend && !map.is_empty() => {
                let key = map
                    .keys()
                    .nth(rng.below(map.len()))
                    .cloned()
                    .expect("a key");
                if rng.chance(15) {
                    map.remove(&key);
                } else if let Some(child) = map.get_mut(&key) {
                    self.change_one(rng, child, depth + 1);
                }
            }
            Value::Array(items) if descend && !items.is_empty() => {
                let at = rng.below(items.len());
                if rng.chance(10) {
                    let copy = items[at].clone();
                    items.push(copy);
                } else {
                    self.change_one(rng, &mut items[at], depth + 1);
                }
            }
            _ => *value = self.value(rng, 2),
        }
    }

    /// A JSON body, then byte-level mutations.
    fn body(&self, rng: &mut Rng, own: &[Value]) -> Bytes {
        let mut body = self.json(rng, own);
        if rng.chance(60) {
            for _ in 0..=rng.below(3) {
                mutate(rng, &mut body);
            }
        }
        Bytes::from(body)
    }

    /// An error body in Immich's shapes, or anything.
    fn error_body(&self, rng: &mut Rng) -> Bytes {
        const SHAPES: &[&str] = &[
            r#"{"message":"Not found","error":"Not Found","statusCode":404,"correlationId":"abc"}"#,
            r#"{"message":["name must be a string","id must be a UUID"],"error":"Bad Request","statusCode":400}"#,
            r#"{"message":"Invalid","details":[{"message":"x","path":["a",0]}],"statusCode":400}"#,
            r#"{"message":null,"statusCode":70000}"#,
            r#"<html><body>502 Bad Gateway</body></html>"#,
            "",
        ];
        let mut body = if rng.chance(70) {
            rng.pick(SHAPES).as_bytes().to_vec()
        } else {
            self.json(rng, &[])
        };
        for _ in 0..rng.below(3) {
            mutate(rng, &mut body);
        }
        Bytes::from(body)
    }

    /// A whole response: mostly a success, sometimes an error or a 304, with odd headers.
    fn response(&self, rng: &mut Rng) -> Response<Bytes> {
        self.response_for(rng, &[])
    }

    /// [`Corpus::response`], drawing the body also from `own`, bodies of the right shape.
    fn response_for(&self, rng: &mut Rng, own: &[Value]) -> Response<Bytes> {
        let status = match rng.below(20) {
            0..=12 => 200,
            13 => *rng.pick(&[201, 202, 204, 206]),
            14 => 304,
            15..=17 => *rng.pick(&[400, 401, 403, 404, 409, 422, 429]),
            _ => *rng.pick(&[500, 502, 503, 599]),
        };
        let body = if status >= 400 {
            self.error_body(rng)
        } else {
            self.body(rng, own)
        };
        let mut response = Response::new(body);
        *response.status_mut() = StatusCode::from_u16(status).expect("a status");
        *response.headers_mut() = headers(rng);
        response
    }
}

/// `bytes` inserted at `at`, by copies (`splice` goes byte by byte, slow in a debug build).
fn insert(body: &mut Vec<u8>, at: usize, bytes: &[u8]) {
    let tail = body.split_off(at);
    body.extend_from_slice(bytes);
    body.extend_from_slice(&tail);
}

/// One byte-level mutation.
fn mutate(rng: &mut Rng, body: &mut Vec<u8>) {
    let at = rng.below(body.len() + 1);
    match rng.below(10) {
        0 if !body.is_empty() => {
            let at = at.min(body.len() - 1);
            body[at] ^= 1 << rng.below(8);
        }
        1 if !body.is_empty() => {
            let at = at.min(body.len() - 1);
            body[at] = rng.next() as u8;
        }
        2 => body.truncate(at),
        3 | 4 => {
            insert(body, at, rng.pick(TOKENS).as_bytes());
        }
        5 => {
            // Deep nesting, bounded: past serde_json's recursion limit, not past the stack.
            let depth = 1 + rng.below(300);
            let (open, close) = if rng.chance(50) {
                (b'[', b']')
            } else {
                (b'{', b'}')
            };
            let mut nest = if open == b'{' {
                b"{\"a\":".repeat(depth)
            } else {
                vec![open; depth]
            };
            nest.extend_from_slice(&vec![close; depth]);
            insert(body, at, &nest);
        }
        6 => {
            // A long string, sometimes with non-UTF-8 bytes in it.
            let mut long = vec![b'"'];
            let len = if rng.chance(2) { 70_000 } else { 300 };
            long.extend_from_slice(&vec![b'a'; rng.below(len)]);
            if rng.chance(50) {
                long.extend_from_slice(&[0xff, 0xfe, 0xc3]);
            }
            long.push(b'"');
            insert(body, at, &long);
        }
        7 => {
            // A duplicated key: the first member of the first object, again.
            if let Some(open) = body.iter().position(|&b| b == b'{') {
                if let Some(colon) = body[open..].iter().position(|&b| b == b':') {
                    let mut dup = body[open + 1..open + colon + 1].to_vec();
                    dup.extend_from_slice(rng.pick(TOKENS).as_bytes());
                    dup.push(b',');
                    insert(body, open + 1, &dup);
                }
            }
        }
        8 => {
            // A value of the wrong type: the text after a `:` up to the next `,` or `}`.
            let colons: Vec<usize> = body
                .iter()
                .enumerate()
                .filter(|(_, &b)| b == b':')
                .map(|(i, _)| i)
                .collect();
            if !colons.is_empty() {
                let start = *rng.pick(&colons) + 1;
                let end = body[start..]
                    .iter()
                    .position(|&b| b == b',' || b == b'}')
                    .map_or(body.len(), |n| start + n);
                let tail = body.split_off(end);
                body.truncate(start);
                body.extend_from_slice(rng.pick(TOKENS).as_bytes());
                body.extend_from_slice(&tail);
            }
        }
        _ => {
            // Remove or repeat a slice.
            let len = rng.below(64).min(body.len() - at.min(body.len()));
            if rng.chance(50) {
                body.drain(at..at + len);
            } else {
                let copy = body[at..at + len].to_vec();
                insert(body, at, &copy);
            }
        }
    }
}

/// Odd header values: empty, huge, control characters, non-ASCII bytes.
fn odd_value(rng: &mut Rng) -> HeaderValue {
    const VALUES: &[&str] = &[
        "",
        "application/json",
        "application/json; charset=utf-8",
        "application/json; charset=utf-16",
        "text/html",
        "image/jpeg",
        "\"abc\"",
        "W/\"abc\"",
        "*",
        "bytes 0-99/1000",
        "bytes 0-99/*",
        "bytes 99-0/1000",
        "bytes 0-18446744073709551615/18446744073709551615",
        "bytes 0-18446744073709551616/1",
        "bytes -5/10",
        "bytes 0--1/2",
        "bytes=0-99",
        "bytes ",
        "bytes /",
        "100",
        "-1",
        "18446744073709551616",
        "Thu, 01 Jan 1970 00:00:00 GMT",
        "Wed, 31 Dec 9999 23:59:60 GMT",
        "immich_shared_link_token=abc; Path=/; HttpOnly",
    ];
    let mut bytes = rng.pick(VALUES).as_bytes().to_vec();
    for _ in 0..rng.below(3) {
        mutate(rng, &mut bytes);
    }
    // Header values may not hold CR, LF or NUL; anything else goes (obs-text included).
    bytes.truncate(if rng.chance(2) { 8192 } else { 256 });
    bytes.retain(|&b| b != b'\r' && b != b'\n' && b != 0);
    HeaderValue::from_bytes(&bytes).unwrap_or(HeaderValue::from_static("x"))
}

fn headers(rng: &mut Rng) -> HeaderMap {
    const NAMES: &[&str] = &[
        "content-type",
        "content-length",
        "content-range",
        "etag",
        "last-modified",
        "location",
        "set-cookie",
        "x-immich-cid",
        "retry-after",
        "accept-ranges",
    ];
    let mut map = HeaderMap::new();
    if rng.chance(70) {
        map.insert("content-type", HeaderValue::from_static("application/json"));
    }
    for _ in 0..rng.below(4) {
        let name = HeaderName::from_static(rng.pick::<&str>(NAMES));
        map.append(name, odd_value(rng));
    }
    map
}

/// One thing under test: its name and what one case does with it.
type Target<'a> = (String, Box<dyn Fn(&mut Rng, &mut String) + Sync + 'a>);

/// Collects a target for every generated operation.
struct Collect<'a> {
    corpus: &'a Corpus,
    server: &'a Server,
    targets: Vec<Target<'a>>,
}

impl<'a> Visit for Collect<'a> {
    fn endpoint<E>(&mut self, endpoint: E)
    where
        E: Endpoint + std::fmt::Debug + Clone + Send + Sync + 'static,
        E::Output: std::fmt::Debug + Send,
    {
        self.targets.push(endpoint_target(self.corpus, endpoint));
    }

    fn media<M>(&mut self, media: M)
    where
        M: MediaEndpoint + std::fmt::Debug + Clone + Send + Sync + 'static,
    {
        let (corpus, server) = (self.corpus, self.server);
        self.targets.push((
            format!("media {}", M::OPERATION_ID),
            Box::new(move |rng, input| {
                let _ = media.request(server);
                let response = corpus.response(rng);
                if rng.recording() {
                    *input = format!("{response:?}");
                }
                let (head, body) = response.into_parts();
                match immich_proto::media_head(M::OPERATION_ID, &head) {
                    Ok(immich_proto::media::MediaOutcome::Stream(head)) => {
                        let _ = head.last_modified_time();
                        let _ = head.check_len(M::OPERATION_ID, rng.next() >> rng.below(64));
                    }
                    Ok(immich_proto::media::MediaOutcome::ReadError) => {
                        let _ = immich_proto::media::media_error(&head, &body);
                    }
                    Err(_) => {}
                }
            }),
        ));
    }
}

/// `parse_response` of one endpoint on a random answer.
fn endpoint_target<'a, E>(corpus: &'a Corpus, endpoint: E) -> Target<'a>
where
    E: Endpoint + std::fmt::Debug + Sync + 'a,
    E::Output: std::fmt::Debug,
{
    let shapes = shapes(|body| {
        let response = Response::new(Bytes::from(body));
        immich_proto::parse_response(&endpoint, response).map(|_| ())
    });
    PARSED.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    if !shapes.is_empty() {
        SHAPED.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }
    (
        E::OPERATION_ID.to_owned(),
        Box::new(move |rng, input| {
            let response = corpus.response_for(rng, &shapes);
            if rng.recording() {
                *input = format!("{response:?}");
            }
            if let Ok(output) = immich_proto::parse_response(&endpoint, response) {
                ACCEPTED.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                // Formatting walks the whole value: a panicking Debug counts too.
                let _ = format!("{output:?}");
            }
        }),
    )
}

/// Bodies of the shape a parser wants, found by asking it: start from `{}` (or `[]`), and
/// follow serde's complaints (a missing field, a wrong type, an unknown variant) until the
/// parser accepts; then once more with one element in each empty array.
fn shapes(parse: impl Fn(Vec<u8>) -> Result<(), immich_proto::Error>) -> Vec<Value> {
    let mut found = Vec::new();
    for start in [Value::Object(Default::default()), Value::Array(Vec::new())] {
        if let Some(value) = solve(&parse, start) {
            let mut fuller = value.clone();
            if fill_arrays(&mut fuller, 0) {
                if let Some(fuller) = solve(&parse, fuller) {
                    found.push(fuller);
                }
            }
            found.push(value);
            break;
        }
    }
    found
}

/// One `{}` in each empty array; whether there was one.
fn fill_arrays(value: &mut Value, depth: u32) -> bool {
    match value {
        Value::Array(items) if items.is_empty() && depth < 6 => {
            items.push(Value::Object(Default::default()));
            true
        }
        Value::Array(items) => items
            .iter_mut()
            .fold(false, |any, v| fill_arrays(v, depth + 1) | any),
        Value::Object(map) => map
            .values_mut()
            .fold(false, |any, v| fill_arrays(v, depth + 1) | any),
        _ => false,
    }
}

/// The node at a serde_path_to_error path (`.`, `a.b[0].c`).
fn node_at<'v>(value: &'v mut Value, path: &str) -> Option<&'v mut Value> {
    if path == "." {
        return Some(value);
    }
    let mut node = value;
    for segment in path.split('.') {
        let (key, mut rest) = segment
            .split_once('[')
            .map_or((segment, ""), |(k, r)| (k, r));
        if !key.is_empty() {
            node = node.as_object_mut()?.get_mut(key)?;
        }
        while !rest.is_empty() {
            let (index, after) = rest.split_once(']')?;
            node = node.as_array_mut()?.get_mut(index.parse::<usize>().ok()?)?;
            rest = after.strip_prefix('[').unwrap_or(after);
        }
    }
    Some(node)
}

/// [`shapes`] from one start: `None` when the parser wants something serde does not name.
fn solve(
    parse: &impl Fn(Vec<u8>) -> Result<(), immich_proto::Error>,
    mut value: Value,
) -> Option<Value> {
    const STRINGS: &[&str] = &[
        immich_tests::samples::SAMPLE_UUID,
        "2024-01-02T03:04:05.000Z",
        "2024-01-02",
        "1.118.0",
        "x",
    ];
    let mut tries: std::collections::HashMap<String, usize> = Default::default();
    for _ in 0..400 {
        let body = serde_json::to_vec(&value).expect("a Value serializes");
        let decode = match parse(body) {
            Ok(()) => return Some(value),
            Err(immich_proto::Error::Decode(decode)) => decode,
            Err(_) => return None,
        };
        let message = decode.message.as_str();
        let node = node_at(&mut value, &decode.path)?;
        if let Some(rest) = message.strip_prefix("missing field `") {
            let name = rest.split('`').next()?.to_owned();
            node.as_object_mut()?.insert(name, Value::Null);
            continue;
        }
        let expected = message.rsplit("expected ").next().unwrap_or("");
        if message.starts_with("unknown variant") {
            *node = Value::String(expected.split('`').nth(1)?.to_owned());
            continue;
        }
        let attempt = tries.entry(decode.path.clone()).or_default();
        *attempt += 1;
        let guess = if expected.contains("sequence") || expected.contains("Vec") {
            Value::Array(Vec::new())
        } else if expected.contains("map") || expected.contains("struct") {
            Value::Object(Default::default())
        } else if expected.contains("bool") {
            Value::Bool(true)
        } else if expected.contains("f32") || expected.contains("f64") || expected.contains("float")
        {
            Value::from(1.5)
        } else if ["u8", "u16", "u32", "u64", "i32", "i64", "integer", "usize"]
            .iter()
            .any(|t| expected.contains(t))
        {
            Value::from(1)
        } else {
            // A string of some custom format, or a type serde did not name: try in turn.
            match STRINGS.get(*attempt - 1) {
                Some(s) => Value::String((*s).to_owned()),
                None => match *attempt - STRINGS.len() {
                    1 => Value::from(1),
                    2 => Value::Bool(true),
                    3 => Value::Array(Vec::new()),
                    4 => Value::Object(Default::default()),
                    _ => return None,
                },
            }
        };
        *node = guess;
    }
    None
}

/// A flow driven through up to eight random answers.
fn flow_target<'a, F>(
    corpus: &'a Corpus,
    server: &'a Server,
    name: &str,
    make: impl Fn() -> F + Sync + 'a,
) -> Target<'a>
where
    F: Flow,
    F::Output: std::fmt::Debug,
{
    (
        format!("flow {name}"),
        Box::new(move |rng, input| {
            let mut flow = make();
            let mut last = None;
            input.clear();
            for _ in 0..8 {
                match flow.step(server, last.take()) {
                    Ok(Step::Send(_)) => {
                        let response = corpus.response(rng);
                        if rng.recording() {
                            input.push_str(&format!("{response:?}\n"));
                        }
                        last = Some(response);
                    }
                    Ok(Step::Done(output)) => {
                        ACCEPTED.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let _ = format!("{output:?}");
                        return;
                    }
                    Err(_) => return,
                }
            }
        }),
    )
}

/// The hand-written endpoints and flows of immich-proto (the generated ones come from the
/// samples).
fn hand_written<'a>(corpus: &'a Corpus, server: &'a Server, out: &mut Vec<Target<'a>>) {
    use immich_proto::albums::*;
    use immich_proto::assets::*;
    use immich_proto::search::*;
    use immich_proto::{
        api_keys, authentication, map, memories, paging::Pager, people, server as srv,
        shared_links, stacks, timeline, trash,
    };
    let album = || AlbumId::parse("a1b00000-0000-4000-8000-000000000001").expect("an id");
    let asset = || AssetId::parse("a55e7000-0000-4000-8000-000000000001").expect("an id");
    let user = || UserId::parse("05e70000-0000-4000-8000-000000000001").expect("an id");
    let item = || {
        BulkUploadCheckItem::new(
            "one",
            immich_proto::Sha1Digest::from_hex("fe05bcdcdc4928012781a5f1a2a77cbb5398e106")
                .expect("a digest"),
        )
    };

    out.push(endpoint_target(corpus, srv::GetServerVersion));
    out.push(endpoint_target(corpus, srv::GetServerFeatures));
    out.push(endpoint_target(corpus, srv::GetVersionCheck));
    out.push(endpoint_target(corpus, srv::GetSupportedMediaTypes));
    out.push(endpoint_target(corpus, srv::PingServer));
    out.push(endpoint_target(corpus, stacks::SearchStacks::new()));
    out.push(endpoint_target(
        corpus,
        shared_links::SharedLinkLogin::new("pw"),
    ));
    out.push(endpoint_target(
        corpus,
        shared_links::GetAllSharedLinks::new(),
    ));
    out.push(endpoint_target(
        corpus,
        shared_links::CreateSharedLink::for_album(album()),
    ));
    out.push(endpoint_target(corpus, shared_links::GetMySharedLink));
    out.push(endpoint_target(corpus, GetAssetInfo::new(asset())));
    out.push(endpoint_target(
        corpus,
        UpdateAsset::new(asset(), AssetChanges::new()),
    ));
    out.push(endpoint_target(corpus, CheckBulkUpload::new(vec![item()])));
    out.push(endpoint_target(
        corpus,
        UpdateAssets::new(vec![asset()], AssetChanges::new()),
    ));
    out.push(endpoint_target(corpus, DeleteAssets::new(vec![asset()])));
    out.push(endpoint_target(corpus, GetAssetStatistics::new()));
    out.push(endpoint_target(
        corpus,
        SearchAssets::new(MetadataSearch::all()),
    ));
    out.push(endpoint_target(
        corpus,
        SearchRandom::new(RandomSearch::new(5)),
    ));
    out.push(endpoint_target(corpus, SearchPerson::new("ann")));
    out.push(endpoint_target(
        corpus,
        SearchSmart::new(SmartSearch::new("dog")),
    ));
    out.push(endpoint_target(corpus, api_keys::GetMyApiKey));
    out.push(endpoint_target(
        corpus,
        timeline::GetTimeBucket::new(immich_proto::time::Date::new(2024, 2, 1).expect("a date")),
    ));
    out.push(endpoint_target(corpus, timeline::GetTimeBuckets::new()));
    out.push(endpoint_target(corpus, GetAlbumStatistics));
    out.push(endpoint_target(corpus, GetAlbumInfo::new(album())));
    out.push(endpoint_target(corpus, CreateAlbum::new("a")));
    out.push(endpoint_target(
        corpus,
        AddAssetsToAlbum::new(album(), vec![asset()]),
    ));
    out.push(endpoint_target(
        corpus,
        RemoveAssetFromAlbum::new(album(), vec![asset()]),
    ));
    out.push(endpoint_target(
        corpus,
        RemoveUserFromAlbum::new(album(), user()),
    ));
    out.push(endpoint_target(
        corpus,
        UpdateAlbumUser::new(album(), user(), AlbumUserRole::Viewer),
    ));
    out.push(endpoint_target(corpus, UpdateAlbumInfo::new(album())));
    out.push(endpoint_target(
        corpus,
        AddUsersToAlbum::new(
            album(),
            vec![NewAlbumUser::new(user(), AlbumUserRole::Editor)],
        ),
    ));
    out.push(endpoint_target(corpus, map::GetMapMarkers::new()));
    out.push(endpoint_target(corpus, authentication::Logout));
    out.push(endpoint_target(corpus, authentication::ValidateAccessToken));
    out.push(endpoint_target(
        corpus,
        authentication::Login::new("a@example.com", "pw"),
    ));
    out.push(endpoint_target(corpus, memories::SearchMemories::new()));
    out.push(endpoint_target(corpus, trash::EmptyTrash::new()));
    out.push(endpoint_target(corpus, people::PeopleCount::new()));
    out.push(endpoint_target(corpus, people::GetAllPeople::new()));

    out.push(flow_target(
        corpus,
        server,
        "GetAllAlbums",
        GetAllAlbums::new,
    ));
    out.push(flow_target(corpus, server, "AlbumAssets", move || {
        AlbumAssets::new(vec![album(), album()])
    }));
    out.push(flow_target(corpus, server, "SearchInAlbums", move || {
        let mut search = MetadataSearch::all();
        search.album_ids = vec![album()];
        SearchInAlbums::new(search)
    }));
    out.push(flow_target(
        corpus,
        server,
        "CheckBulkUploadBatches",
        move || CheckBulkUploadBatches::new(vec![item(), item()]),
    ));
    out.push(flow_target(corpus, server, "Pager<SearchAssets>", || {
        Pager::new(SearchAssets::new(MetadataSearch::all()))
    }));
    out.push(flow_target(corpus, server, "Pager<SearchSmart>", || {
        Pager::new(SearchSmart::new(SmartSearch::new("dog")))
    }));
    out.push(flow_target(corpus, server, "Pager<GetAllPeople>", || {
        Pager::new(people::GetAllPeople::new())
    }));
}

/// The parsers that are not an operation's.
fn others<'a>(corpus: &'a Corpus, out: &mut Vec<Target<'a>>) {
    out.push((
        "error_from_response".to_owned(),
        Box::new(|rng, input| {
            let response = corpus.response(rng);
            let (mut head, body) = response.into_parts();
            head.status = StatusCode::from_u16(400 + rng.below(200) as u16).expect("a status");
            let body = if rng.chance(80) {
                corpus.error_body(rng)
            } else {
                body
            };
            if rng.recording() {
                *input = format!("{head:?} {body:?}");
            }
            let error = immich_proto::error_from_response(&head, &body);
            let _ = format!("{error} {error:?}");
        }),
    ));
    out.push((
        "ContentRange::parse".to_owned(),
        Box::new(|rng, input| {
            let value = odd_value(rng);
            if rng.recording() {
                *input = format!("{value:?}");
            }
            let text = String::from_utf8_lossy(value.as_bytes());
            let _ = immich_proto::media::ContentRange::parse(&text);
        }),
    ));
    let cache = EtagCache::new(8, 4096);
    let server = Server::new("http://photos.example.com").expect("a server");
    out.push((
        "EtagCache".to_owned(),
        Box::new(move |rng, input| {
            let path = *rng.pick(&[
                "/albums",
                "/users/me",
                "/server/version",
                "/search/metadata",
            ]);
            let mut request = Request::new(Bytes::new());
            *request.uri_mut() = server.uri(path, None).expect("a uri");
            let first = corpus.response(rng);
            let second = if rng.chance(60) {
                let mut r = Response::new(Bytes::new());
                *r.status_mut() = StatusCode::NOT_MODIFIED;
                *r.headers_mut() = headers(rng);
                r
            } else {
                corpus.response(rng)
            };
            if rng.recording() {
                *input = format!("{path} {first:?} then {second:?}");
            }
            let ticket = cache.prepare(&mut request);
            let _ = cache.finish(ticket, first);
            let mut request = Request::new(Bytes::new());
            *request.uri_mut() = server.uri(path, None).expect("a uri");
            let ticket = cache.prepare(&mut request);
            let answer = cache.finish(ticket, second);
            let _ = immich_proto::parse_response(&immich_proto::albums::GetAlbumStatistics, answer);
            assert!(cache.len() <= 8 && cache.total_bytes() <= 4096);
        }),
    ));
    out.push((
        "Server::new".to_owned(),
        Box::new(|rng, input| {
            const PIECES: &[&str] = &[
                "http://",
                "https://",
                "HTTP://",
                "ftp://",
                "http:/",
                "",
                "é://",
                "user:s3cr3t@",
                "@",
                "localhost",
                "127.0.0.1",
                "[::1]",
                "[::1",
                "photos.example.com",
                "é.com",
                ":",
                ":2283",
                ":99999",
                ":-1",
                "/",
                "/immich",
                "/api",
                "//",
                "?",
                "?k=s3cr3t",
                "#",
                "#frag",
                "%",
                "%2F",
                "%00",
                " ",
                "\t",
                "\\",
                "😀",
                "..",
            ];
            let mut url = String::new();
            for _ in 0..1 + rng.below(7) {
                url.push_str(rng.pick::<&str>(PIECES));
            }
            if rng.chance(20) {
                let mut bytes = url.into_bytes();
                mutate(rng, &mut bytes);
                url = String::from_utf8_lossy(&bytes).into_owned();
            }
            if rng.recording() {
                *input = format!("{url:?}");
            }
            // The secret is user info only between `scheme://` and the first `/`, `?` or `#`.
            let after_scheme = url.split_once("://").map_or(url.as_str(), |(_, rest)| rest);
            let in_user_info = after_scheme
                .split(['/', '?', '#'])
                .next()
                .is_some_and(|authority| authority.contains("s3cr3t@"));
            match Server::new(&url) {
                Ok(server) => {
                    server
                        .uri("/albums", Some("a=b"))
                        .expect("a uri from a valid server");
                    if in_user_info {
                        assert!(!format!("{server:?}").contains("s3cr3t"), "secret shown");
                    }
                }
                Err(error @ immich_proto::Error::InvalidUrl { .. }) => {
                    if in_user_info {
                        assert!(
                            !format!("{error} {error:?}").contains("s3cr3t"),
                            "secret shown"
                        );
                    }
                }
                Err(other) => panic!("not InvalidUrl: {other:?}"),
            }
        }),
    ));
    out.push((
        "safe_file_name".to_owned(),
        Box::new(|rng, input| {
            const PIECES: &[&str] = &[
                "IMG_1.jpg", ".", "..", "/", "\\", "CON", "nul.txt", "COM1", "LPT9.", " ", ":",
                "a:b", "\u{7}", "\u{85}", "\u{202e}", "é", "😀", "\0", ".hidden", "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
            ];
            let mut name = String::new();
            for _ in 0..rng.below(12) {
                name.push_str(rng.pick::<&str>(PIECES));
            }
            let fallback = *rng.pick(&["", "..", "0000a55e", "CON", "/"]);
            if rng.recording() {
                *input = format!("{name:?} {fallback:?}");
            }
            let safe = immich_proto::names::safe_file_name(&name, fallback);
            assert!(immich_proto::names::is_safe_file_name(&safe), "{safe:?}");
            let numbered = immich_proto::names::numbered_file_name(&safe, rng.next());
            assert!(immich_proto::names::is_safe_file_name(&numbered), "{numbered:?}");
        }),
    ));
    out.push((
        "test server multipart".to_owned(),
        Box::new(|rng, input| {
            let boundary = *rng.pick(&["b0undary", "x", "----immich", "a\"b"]);
            let mut body = format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"deviceId\"\r\n\r\nrs\r\n\
                 --{boundary}\r\nContent-Disposition: form-data; name=\"assetData\"; \
                 filename=\"a.jpg\"\r\nContent-Type: image/jpeg\r\n\r\nJPEG--{boundary}\r\n\
                 --{boundary}--\r\n"
            )
            .into_bytes();
            for _ in 0..rng.below(4) {
                mutate(rng, &mut body);
            }
            let mut content_type = format!("multipart/form-data; boundary={boundary}").into_bytes();
            if rng.chance(20) {
                mutate(rng, &mut content_type);
            }
            let content_type = String::from_utf8_lossy(&content_type).into_owned();
            let body = Bytes::from(body);
            if rng.recording() {
                *input = format!("{content_type:?} {body:?}");
            }
            let _ = immich_tests::server::fuzz_multipart(&content_type, &body);
        }),
    ));
}

fn env_u64(name: &str) -> Option<u64> {
    let value = std::env::var(name).ok()?;
    Some(
        value
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("{name}={value:?} is not a number")),
    )
}

/// Runs `cases` cases from `seed`; each case's generator is seeded by (seed, case), so one case
/// replays alone.
fn run(targets: &[Target<'_>], seed: u64, cases: u64) -> Result<(), String> {
    for case in 0..cases {
        let (name, target) = &targets[(case % targets.len() as u64) as usize];
        let case_rng = Rng::new(seed ^ case.wrapping_mul(0x9e37_79b9_7f4a_7c15));
        let mut input = String::new();
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            target(&mut case_rng.clone(), &mut input)
        }));
        if let Err(panic) = outcome {
            // Again, writing the input down this time.
            let mut rng = case_rng;
            rng.1 = true;
            let _ = catch_unwind(AssertUnwindSafe(|| target(&mut rng, &mut input)));
            let message = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                .unwrap_or_default();
            let mut shown = input;
            if shown.len() > 4000 {
                let mut cut = 4000;
                while !shown.is_char_boundary(cut) {
                    cut -= 1;
                }
                shown.truncate(cut);
                shown.push('…');
            }
            return Err(format!(
                "fuzz: {name} panicked ({message}) at IMMICH_FUZZ_SEED={seed} case {case}; \
                 replay with IMMICH_FUZZ_SEED={seed} IMMICH_FUZZ_CASES={}\ninput: {shown}",
                case + 1
            ));
        }
    }
    Ok(())
}

#[test]
fn every_parser_survives_mutated_input() {
    let corpus = Corpus::load();
    let v3 = Server::new("https://photos.example.com/immich")
        .expect("a server")
        .with_api_key("secret")
        .expect("a key")
        .with_version(immich_proto::version::ServerVersion::new(3, 0, 0));
    let mut targets = Vec::new();
    let mut collect = Collect {
        corpus: &corpus,
        server: &v3,
        targets: Vec::new(),
    };
    visit_all(&mut collect);
    let generated = collect.targets.len();
    assert_eq!(generated, immich_tests::samples::SAMPLED.len());
    targets.extend(collect.targets);
    hand_written(&corpus, &v3, &mut targets);
    others(&corpus, &mut targets);

    let cases = env_u64("IMMICH_FUZZ_CASES").unwrap_or(DEFAULT_CASES);
    let seeds = match env_u64("IMMICH_FUZZ_SEED") {
        Some(seed) => vec![seed],
        None => {
            use std::hash::{BuildHasher, Hasher};
            let random = std::collections::hash_map::RandomState::new()
                .build_hasher()
                .finish();
            vec![FIXED_SEED, random]
        }
    };
    // One thread per seed.
    let started = Instant::now();
    let targets = &targets;
    let failures: Vec<String> = std::thread::scope(|scope| {
        let runs: Vec<_> = seeds
            .iter()
            .map(|&seed| scope.spawn(move || run(targets, seed, cases)))
            .collect();
        runs.into_iter()
            .filter_map(|run| run.join().expect("a fuzz thread").err())
            .collect()
    });
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    report(&format!(
        "fuzz: {} cases over {} targets ({generated} generated operations; \
         bodies shaped for {} of {} parsers; {} answers accepted), \
         seeds {seeds:?}, in {:.2?}",
        cases * seeds.len() as u64,
        targets.len(),
        SHAPED.load(std::sync::atomic::Ordering::Relaxed),
        PARSED.load(std::sync::atomic::Ordering::Relaxed),
        ACCEPTED.load(std::sync::atomic::Ordering::Relaxed),
        started.elapsed()
    ));
}
