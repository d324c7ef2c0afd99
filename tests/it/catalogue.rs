//! The generated catalogue (`immich_proto::catalogue::OPERATIONS`) against the pinned Immich
//! v3.0.0 OpenAPI document, both ways, and the generated samples against the catalogue.
//!
//! The document is the one the conformance suite uses: obtained by [`setup`] (from PyPI,
//! sha256-checked, cached under `target/`), read here as published (`Setup::original`), not
//! through the generator, so a generator that misreads the document is caught.

use std::any::type_name;
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use immich_proto::catalogue::{self, Operation, OPERATIONS};
use immich_proto::{Endpoint, MediaEndpoint};
use immich_tests::prism::setup;
use immich_tests::samples::{visit_all, Visit, SAMPLED};
use serde_json::Value;

/// The conformance suite's cache: one download of the document serves both.
fn cache_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("conformance")
}

/// What the document says of one operation, in the catalogue's terms.
#[derive(Debug, PartialEq, Eq)]
struct Documented {
    method: String,
    path: String,
    tag: String,
    permission: Option<String>,
    admin_only: bool,
    public: bool,
    deprecated: bool,
}

impl Documented {
    fn of(op: &Operation) -> Self {
        Documented {
            method: op.method.to_owned(),
            path: op.path.to_owned(),
            tag: op.tag.to_owned(),
            permission: op.permission.map(str::to_owned),
            admin_only: op.admin_only,
            public: op.public,
            deprecated: op.deprecated,
        }
    }
}

/// Whether a `security` list may be met without any credential: empty, or with an empty
/// requirement (`{}`) among its alternatives.
fn needs_nothing(security: &Value) -> bool {
    security.as_array().is_some_and(|any_of| {
        any_of.is_empty()
            || any_of
                .iter()
                .any(|r| r == &Value::Object(Default::default()))
    })
}

/// Every operation of the document, by operationId.
fn document_operations() -> BTreeMap<String, Documented> {
    let setup = setup(&cache_dir()).unwrap_or_else(|message| panic!("setup failed: {message}"));
    let bytes = std::fs::read(&setup.original)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", setup.original.display()));
    let document: Value = serde_json::from_slice(&bytes).unwrap();
    // An operation without its own `security` has the document's (none in v3.0.0: public).
    let default_public = document.get("security").is_none_or(needs_nothing);
    let mut operations = BTreeMap::new();
    for (path, item) in document["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("a path item") {
            if ![
                "get", "put", "post", "delete", "options", "head", "patch", "trace",
            ]
            .contains(&method.as_str())
            {
                continue;
            }
            let id = op["operationId"]
                .as_str()
                .unwrap_or_else(|| panic!("{method} {path} has no operationId"));
            let documented = Documented {
                method: method.to_uppercase(),
                path: path.clone(),
                tag: op["tags"][0].as_str().unwrap_or_default().to_owned(),
                permission: op["x-immich-permission"].as_str().map(str::to_owned),
                admin_only: op["x-immich-admin-only"].as_bool().unwrap_or(false),
                public: op.get("security").map_or(default_public, needs_nothing),
                deprecated: op["deprecated"].as_bool().unwrap_or(false),
            };
            let previous = operations.insert(id.to_owned(), documented);
            assert!(previous.is_none(), "{id} twice in the document");
        }
    }
    operations
}

#[test]
fn the_catalogue_is_the_document() {
    let document = document_operations();
    // Every operation of the document is in the catalogue, with the same facts.
    for (id, documented) in &document {
        let entry = catalogue::find(id).unwrap_or_else(|| {
            panic!(
                "{id} ({} {}) is not in OPERATIONS",
                documented.method, documented.path
            )
        });
        assert_eq!(&Documented::of(entry), documented, "{id}");
        let routed = catalogue::find_route(&documented.method, &documented.path).map(|o| o.id);
        assert_eq!(
            routed,
            Some(entry.id),
            "{} {}",
            documented.method,
            documented.path
        );
    }
    // And nothing else.
    for entry in OPERATIONS {
        assert!(
            document.contains_key(entry.id),
            "{} ({} {}) is in OPERATIONS but not in the document",
            entry.id,
            entry.method,
            entry.path
        );
    }
    assert_eq!(OPERATIONS.len(), document.len());
    // The facts the probe and the test server rely on are really there.
    assert!(document.values().any(|d| d.public) && document.values().any(|d| !d.public));
    assert!(document.values().any(|d| d.admin_only));
    assert!(document
        .values()
        .any(|d| d.permission.is_none() && !d.public));
}

/// One visited sample: its operationId, permission and Rust type.
#[derive(Debug)]
struct Sampled {
    operation_id: &'static str,
    permission: Option<&'static str>,
    type_name: &'static str,
    media: bool,
}

#[derive(Default)]
struct Collect(Vec<Sampled>);

impl Visit for Collect {
    fn endpoint<E>(&mut self, _endpoint: E)
    where
        E: Endpoint + std::fmt::Debug + Clone + Send + Sync + 'static,
        E::Output: std::fmt::Debug + Send,
    {
        self.0.push(Sampled {
            operation_id: E::OPERATION_ID,
            permission: E::PERMISSION,
            type_name: type_name::<E>(),
            media: false,
        });
    }

    fn media<M>(&mut self, _media: M)
    where
        M: MediaEndpoint + std::fmt::Debug + Clone + Send + Sync + 'static,
    {
        self.0.push(Sampled {
            operation_id: M::OPERATION_ID,
            permission: M::PERMISSION,
            type_name: type_name::<M>(),
            media: true,
        });
    }
}

/// The generated samples name every generated type through its area module
/// (`immich_proto::tags::CreateTag`), so an area that stops exposing one fails to compile;
/// here each sample is checked against its catalogue entry, and every generated entry has one.
#[test]
fn every_generated_operation_has_a_sample_of_its_catalogued_type() {
    let mut collect = Collect::default();
    visit_all(&mut collect);
    let visited: Vec<&str> = collect.0.iter().map(|s| s.operation_id).collect();
    assert_eq!(visited, SAMPLED);
    let generated: BTreeSet<&str> = OPERATIONS
        .iter()
        .filter(|op| op.generated)
        .map(|op| op.id)
        .collect();
    let sampled: BTreeSet<&str> = visited.iter().copied().collect();
    assert_eq!(sampled.len(), visited.len(), "a sample twice");
    assert_eq!(sampled, generated);
    for sample in &collect.0 {
        let entry = catalogue::find(sample.operation_id).unwrap();
        assert_eq!(sample.permission, entry.permission, "{}", entry.id);
        assert_eq!(
            sample.media,
            entry.kind == catalogue::OperationKind::Media,
            "{}",
            entry.id
        );
        // `immich_proto::tags::create_tag::CreateTag` for `tags::CreateTag` in
        // `tags/create_tag.rs` (the path of its definition, not of the re-export).
        let (area, name) = entry.rust_type.split_once("::").unwrap();
        let module = entry.file.trim_end_matches(".rs").replace('/', "::");
        assert_eq!(area, entry.area, "{}", entry.id);
        assert_eq!(
            sample.type_name,
            format!("immich_proto::{module}::{name}"),
            "{}",
            entry.id
        );
    }
}

/// Builds each sample's request for a v3 server and checks it against its catalogue entry.
struct Golden {
    server: immich_proto::Server,
    checked: usize,
    problems: Vec<String>,
}

impl Golden {
    fn check(
        &mut self,
        id: &str,
        request: Result<http::Request<bytes::Bytes>, immich_proto::Error>,
    ) {
        let Some(op) = catalogue::find(id) else {
            self.problems.push(format!("{id}: not in the catalogue"));
            return;
        };
        let request = match request {
            Ok(request) => request,
            Err(e) => {
                self.problems
                    .push(format!("{id}: the sample's request fails: {e}"));
                return;
            }
        };
        // The path template with every `{parameter}` filled by the sample's value.
        let path = request.uri().path();
        let template: Vec<&str> = op.path.trim_matches('/').split('/').collect();
        let actual: Vec<&str> = path
            .strip_prefix("/api")
            .unwrap_or(path)
            .trim_matches('/')
            .split('/')
            .collect();
        let matches = template.len() == actual.len()
            && template
                .iter()
                .zip(&actual)
                .all(|(t, a)| t.starts_with('{') && !a.is_empty() || t == a);
        if request.method().as_str() != op.method || !path.starts_with("/api/") || !matches {
            self.problems.push(format!(
                "{id}: sent {} {path}, the catalogue says {} {}",
                request.method(),
                op.method,
                op.path
            ));
        }
        // A JSON body is declared as such, and every request asks for what it reads.
        if !request.body().is_empty() && !request.headers().contains_key("content-type") {
            self.problems
                .push(format!("{id}: a body without a content type"));
        }
        self.checked += 1;
    }
}

impl Visit for Golden {
    fn endpoint<E>(&mut self, endpoint: E)
    where
        E: Endpoint + std::fmt::Debug + Clone + Send + Sync + 'static,
        E::Output: std::fmt::Debug + Send,
    {
        let request = endpoint.request(&self.server);
        self.check(E::OPERATION_ID, request);
    }

    fn media<M>(&mut self, media: M)
    where
        M: MediaEndpoint + std::fmt::Debug + Clone + Send + Sync + 'static,
    {
        let request = media.request(&self.server);
        self.check(M::OPERATION_ID, request);
    }
}

/// Golden requests, table-driven from the catalogue: every generated operation's sample builds
/// a request with the catalogue's method and path (parameters filled in, under `/api`).
#[test]
fn every_generated_operation_sends_its_catalogued_method_and_path() {
    let server = immich_proto::Server::new("http://immich.test:2283")
        .and_then(|s| s.with_api_key("golden-key"))
        .unwrap()
        .with_version(immich_proto::ServerVersion::new(3, 0, 0));
    let mut golden = Golden {
        server,
        checked: 0,
        problems: Vec::new(),
    };
    visit_all(&mut golden);
    assert!(golden.problems.is_empty(), "{:#?}", golden.problems);
    assert_eq!(golden.checked, SAMPLED.len());
    let generated = OPERATIONS.iter().filter(|op| op.generated).count();
    assert_eq!(golden.checked, generated);
}

/// An operation the connected server is too old for fails before any request exists, naming
/// the operation, the release it needs and the server's version.
#[test]
fn operations_newer_than_the_server_are_refused_before_sending() {
    let newest = OPERATIONS
        .iter()
        .filter(|op| op.generated)
        .max_by(|a, b| a.since.cmp(&b.since))
        .unwrap();
    assert!(newest.since > immich_proto::ServerVersion::new(1, 118, 0));
    let old = immich_proto::Server::new("http://immich.test:2283")
        .and_then(|s| s.with_api_key("golden-key"))
        .unwrap()
        .with_version(immich_proto::ServerVersion::new(1, 118, 0));
    struct Refused<'a> {
        server: &'a immich_proto::Server,
        refused: Vec<String>,
        sent: Vec<String>,
    }
    impl Visit for Refused<'_> {
        fn endpoint<E>(&mut self, endpoint: E)
        where
            E: Endpoint + std::fmt::Debug + Clone + Send + Sync + 'static,
            E::Output: std::fmt::Debug + Send,
        {
            match endpoint.request(self.server) {
                Err(immich_proto::Error::Unsupported {
                    operation,
                    minimum,
                    found,
                }) => {
                    assert_eq!(operation, E::OPERATION_ID);
                    assert_eq!(Some(&minimum), catalogue::find(operation).map(|o| &o.since));
                    assert_eq!(found, immich_proto::ServerVersion::new(1, 118, 0));
                    self.refused.push(operation.to_owned());
                }
                _ => self.sent.push(E::OPERATION_ID.to_owned()),
            }
        }
        fn media<M>(&mut self, _media: M)
        where
            M: MediaEndpoint + std::fmt::Debug + Clone + Send + Sync + 'static,
        {
        }
    }
    let mut visit = Refused {
        server: &old,
        refused: Vec::new(),
        sent: Vec::new(),
    };
    visit_all(&mut visit);
    // Exactly the operations the catalogue dates after v1.118.0 are refused.
    for id in &visit.refused {
        assert!(catalogue::find(id).unwrap().since > immich_proto::ServerVersion::new(1, 118, 0));
    }
    for id in &visit.sent {
        assert!(catalogue::find(id).unwrap().since <= immich_proto::ServerVersion::new(1, 118, 0));
    }
    assert!(
        !visit.refused.is_empty(),
        "no operation is newer than v1.118.0"
    );
    let message = immich_proto::Error::Unsupported {
        operation: "getQueues",
        minimum: immich_proto::ServerVersion::new(2, 4, 0),
        found: immich_proto::ServerVersion::new(1, 118, 0),
    }
    .to_string();
    assert_eq!(
        message,
        "getQueues needs Immich v2.4.0 or newer; this server is v1.118.0"
    );
}
