//! The catalogue: every operation of the Immich API in one generated table.
//!
//! [`OPERATIONS`] is the single list of operations: ENDPOINTS.md, the capability probe, the
//! test server's permission checks and the conformance suite are all derived from it, and each
//! operation's request checks it (through [`require_available`]) before anything is sent.

mod operations;

pub use operations::OPERATIONS;

use bytes::Bytes;
use http::Request;

use crate::{Error, ParameterRefused, Server, ServerVersion};

/// The releases that have one parameter, request field or enum value of an operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Span {
    /// `query:NAME`, `path:NAME`, `field:NAME` (a top-level request body property) or
    /// `enum:NAME=VALUE` (a value of a query parameter or top-level body field).
    pub item: &'static str,
    /// The first release that has it (1.0.0: every supported release).
    pub since: ServerVersion,
    /// The last release that has it, when a newer one removed it.
    pub until: Option<ServerVersion>,
}

/// How an operation talks to the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OperationKind {
    /// A JSON answer.
    Json,
    /// No answer body.
    NoContent,
    /// A byte stream answer (a [`MediaEndpoint`](crate::MediaEndpoint)).
    Media,
    /// A `multipart/form-data` upload.
    Multipart,
    /// A form (`application/x-www-form-urlencoded`) body.
    Form,
}

/// One operation of the document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Operation {
    /// The operationId (`getAlbumInfo`).
    pub id: &'static str,
    /// The method (`GET`).
    pub method: &'static str,
    /// The path template under `/api` (`/albums/{id}`).
    pub path: &'static str,
    /// The module of immich-proto that holds it (`albums`).
    pub area: &'static str,
    /// The OpenAPI tag (`Albums`).
    pub tag: &'static str,
    /// The type that implements it, as a path in immich-proto (`albums::GetAlbumInfo`).
    pub rust_type: &'static str,
    /// Its file, relative to `immich-proto/src`.
    pub file: &'static str,
    /// Whether `cargo xtask gen` wrote it (else it is in the generator's override list).
    pub generated: bool,
    /// How it talks.
    pub kind: OperationKind,
    /// The API-key permission it needs (`x-immich-permission`).
    pub permission: Option<&'static str>,
    /// Whether only an admin may call it.
    pub admin_only: bool,
    /// Whether it needs no authentication at all (the document gives it no `security`
    /// requirement): callable without a key or session, such as `pingServer` or `login`.
    pub public: bool,
    /// The first server release that has it.
    pub since: ServerVersion,
    /// The last server release that has it, when a newer one removed it.
    pub until: Option<ServerVersion>,
    /// The document's state for it (`Stable`, `Beta`, `Alpha`, `Deprecated`, `Internal`).
    pub state: &'static str,
    /// Whether the document marks it deprecated.
    pub deprecated: bool,
    /// The document's one-line summary.
    pub summary: &'static str,
    /// The parameters, fields and enum values whose releases differ from the operation's own,
    /// sorted by item; any other is available whenever the operation is.
    pub items: &'static [Span],
}

impl Operation {
    /// The span of `item` (`field:albumIds`), when it differs from the operation's.
    pub fn span(&self, item: &str) -> Option<&'static Span> {
        self.items.iter().find(|span| span.item == item)
    }
}

/// The operation with this operationId.
pub fn find(id: &str) -> Option<&'static Operation> {
    OPERATIONS
        .binary_search_by(|op| op.id.cmp(id))
        .ok()
        .map(|index| &OPERATIONS[index])
}

/// The operation at `method` and `path` (a concrete path under `/api`, such as
/// `/albums/0000…/assets`): what a server or proxy uses to tell which operation a request is.
/// Literal segments win over `{parameters}` (`/albums/statistics` is not `/albums/{id}`).
pub fn find_route(method: &str, path: &str) -> Option<&'static Operation> {
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    OPERATIONS
        .iter()
        .filter(|op| op.method.eq_ignore_ascii_case(method))
        .filter_map(|op| {
            let template: Vec<&str> = op.path.trim_matches('/').split('/').collect();
            if template.len() != segments.len() {
                return None;
            }
            let mut literal = 0;
            for (t, s) in template.iter().zip(&segments) {
                if t.starts_with('{') {
                    continue;
                }
                if t != s {
                    return None;
                }
                literal += 1;
            }
            Some((literal, op))
        })
        .max_by_key(|(literal, _)| *literal)
        .map(|(_, op)| op)
}

/// Fails before a request exists when the connected server is known to lack operation `id`:
/// older than the release that added it ([`Error::Unsupported`], naming the operation, the
/// version it needs and the server's), or newer than the last release that had it
/// ([`Error::Removed`]). An unknown version passes: the server's own answer then tells.
pub fn require_available(server: &Server, id: &'static str) -> Result<(), Error> {
    let Some(operation) = find(id) else {
        return Ok(());
    };
    let Some(found) = server.version() else {
        return Ok(());
    };
    if found < operation.since {
        return Err(Error::Unsupported {
            operation: id,
            minimum: operation.since.clone(),
            found,
        });
    }
    match &operation.until {
        Some(last) if found > *last => Err(Error::Removed {
            operation: id,
            last: last.clone(),
            found,
        }),
        _ => Ok(()),
    }
}

/// Whether release `version` has `item` (`field:filename`, `query:size`, `enum:size=original`)
/// of operation `id`, by the catalogue's spans: an item without a span of its own is there
/// whenever the operation is. For requests built per release (the upload's form fields).
pub fn has_item(id: &str, item: &str, version: &ServerVersion) -> bool {
    let Some(operation) = find(id) else {
        return true;
    };
    check_item(operation, item, version).is_ok()
}

/// Fails when the connected server is known to lack something `request` of operation `id`
/// carries: the operation itself ([`require_available`]), a query parameter, a top-level JSON
/// body field (null or not), a `multipart/form-data` part, or an enum value of any of them (a
/// string, or each string of an array). The error ([`Error::UnsupportedParameter`],
/// [`Error::RemovedParameter`]) names the operation, the item, the release that added it (or
/// the last that had it) and the server's version. The operation is the one at the request's
/// method and path (a flow names itself, not each request; a redirect is gated as the
/// operation it leads to), else `id`. An unknown version, an operation outside the catalogue
/// and a body that is neither JSON nor a form (bytes) pass what cannot be read.
pub fn gate(server: &Server, id: &'static str, request: &Request<Bytes>) -> Result<(), Error> {
    let Some((operation, found)) = gated(server, id, request.method(), request.uri())? else {
        return Ok(());
    };
    let content_type = request
        .headers()
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if request.body().is_empty() {
        return Ok(());
    }
    if content_type.starts_with("application/json") {
        if let Ok(serde_json::Value::Object(fields)) =
            serde_json::from_slice::<serde_json::Value>(request.body())
        {
            for (name, value) in &fields {
                check_item(operation, &format!("field:{name}"), &found)?;
                let values = match value {
                    serde_json::Value::Array(values) => values.iter().collect(),
                    one => vec![one],
                };
                for value in values.into_iter().filter_map(|v| v.as_str()) {
                    check_item(operation, &format!("enum:{name}={value}"), &found)?;
                }
            }
        }
    } else if let Some(boundary) = form_boundary(content_type) {
        for (name, value) in form_parts(request.body(), &boundary) {
            check_form_part(operation, &name, value.as_deref(), &found)?;
        }
    }
    Ok(())
}

/// [`gate`] for a streamed upload ([`UploadBody`](crate::multipart::UploadBody)): the query,
/// and every form part the core wrote (text fields with their values, file parts by name).
pub fn gate_upload(
    server: &Server,
    id: &'static str,
    request: &Request<crate::multipart::UploadBody>,
) -> Result<(), Error> {
    let Some((operation, found)) = gated(server, id, request.method(), request.uri())? else {
        return Ok(());
    };
    // The bytes the core wrote, with the files left out: every part's headers and every text
    // field are there, and the delimiters still frame each part.
    let mut written = Vec::new();
    for segment in request.body().segments() {
        if let crate::multipart::Segment::Bytes(bytes) = segment {
            written.extend_from_slice(bytes);
        }
    }
    let boundary = request.body().boundary().as_str().to_owned();
    for (name, value) in form_parts(&written, &boundary) {
        check_form_part(operation, &name, value.as_deref(), &found)?;
    }
    Ok(())
}

/// The operation a request is gated as (see [`gate`]), after the operation and query checks;
/// `None` when nothing more can be checked.
fn gated(
    server: &Server,
    id: &'static str,
    method: &http::Method,
    uri: &http::Uri,
) -> Result<Option<(&'static Operation, ServerVersion)>, Error> {
    let Some(found) = server.version() else {
        return Ok(None);
    };
    // What is sent decides: a flow's requests are of other operations than the flow's name.
    let routed = uri
        .path()
        .strip_prefix(server.api_path().trim_end_matches('/'))
        .and_then(|rest| find_route(method.as_str(), rest));
    let Some(operation) = routed.or_else(|| find(id)) else {
        return Ok(None);
    };
    require_available(server, operation.id)?;
    if operation.items.is_empty() {
        return Ok(None);
    }
    for pair in uri.query().unwrap_or_default().split('&') {
        if pair.is_empty() {
            continue;
        }
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        let name = decode(name);
        check_item(operation, &format!("query:{name}"), &found)?;
        check_item(operation, &format!("enum:{name}={}", decode(value)), &found)?;
    }
    Ok(Some((operation, found)))
}

/// A form part: the field (`field:NAME`) and, for a text field, its value (`enum:NAME=VALUE`).
fn check_form_part(
    operation: &Operation,
    name: &str,
    value: Option<&str>,
    found: &ServerVersion,
) -> Result<(), Error> {
    check_item(operation, &format!("field:{name}"), found)?;
    if let Some(value) = value {
        check_item(operation, &format!("enum:{name}={value}"), found)?;
    }
    Ok(())
}

/// The boundary of a `multipart/form-data` content type.
fn form_boundary(content_type: &str) -> Option<String> {
    let mut params = content_type.split(';');
    let kind = params.next()?.trim();
    if !kind.eq_ignore_ascii_case("multipart/form-data") {
        return None;
    }
    params.find_map(|p| {
        let (key, value) = p.split_once('=')?;
        key.trim()
            .eq_ignore_ascii_case("boundary")
            .then(|| value.trim().trim_matches('"').to_owned())
    })
}

/// The parts of a `multipart/form-data` body: each part's name, and its value when it is a
/// text field (no `filename`) that is UTF-8. A part without a name is skipped.
fn form_parts(body: &[u8], boundary: &str) -> Vec<(String, Option<String>)> {
    let delimiter = format!("--{boundary}");
    let delimiter = delimiter.as_bytes();
    let mut parts = Vec::new();
    let mut rest = body;
    // Each part runs from one delimiter to the next; the first piece is the preamble.
    let mut pieces = Vec::new();
    while let Some(at) = position_of(rest, delimiter) {
        pieces.push(&rest[..at]);
        rest = &rest[at + delimiter.len()..];
    }
    for piece in pieces.into_iter().skip(1) {
        let piece = piece.strip_prefix(b"\r\n").unwrap_or(piece);
        let Some(end) = position_of(piece, b"\r\n\r\n") else {
            continue;
        };
        let headers = String::from_utf8_lossy(&piece[..end]);
        let Some(disposition) = headers.split("\r\n").find(|line| {
            line.to_ascii_lowercase()
                .starts_with("content-disposition:")
        }) else {
            continue;
        };
        let param = |key: &str| {
            disposition.split(';').skip(1).find_map(|p| {
                let (k, v) = p.split_once('=')?;
                (k.trim() == key).then(|| v.trim().trim_matches('"').to_owned())
            })
        };
        let Some(name) = param("name") else {
            continue;
        };
        let value = if param("filename").is_some() {
            None
        } else {
            let content = &piece[end + 4..];
            let content = content.strip_suffix(b"\r\n").unwrap_or(content);
            std::str::from_utf8(content).ok().map(str::to_owned)
        };
        parts.push((name, value));
    }
    parts
}

/// Where `needle` first occurs in `haystack`.
fn position_of(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Refuses `item` when the operation's table says server `found` lacks it.
fn check_item(operation: &Operation, item: &str, found: &ServerVersion) -> Result<(), Error> {
    let Some(span) = operation.span(item) else {
        return Ok(());
    };
    if *found < span.since {
        return Err(Error::UnsupportedParameter(Box::new(ParameterRefused {
            operation: operation.id,
            parameter: span.item,
            release: span.since.clone(),
            found: found.clone(),
        })));
    }
    match &span.until {
        Some(last) if found > last => Err(Error::RemovedParameter(Box::new(ParameterRefused {
            operation: operation.id,
            parameter: span.item,
            release: last.clone(),
            found: found.clone(),
        }))),
        _ => Ok(()),
    }
}

/// A query component, percent-decoded (`+` is a space); undecodable bytes stay as they are.
fn decode(text: &str) -> String {
    let text = text.replace('+', " ");
    percent_encoding::percent_decode_str(&text)
        .decode_utf8_lossy()
        .into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_sorted_and_unique() {
        assert!(OPERATIONS.windows(2).all(|w| w[0].id < w[1].id));
        assert_eq!(find("getAlbumInfo").map(|o| o.path), Some("/albums/{id}"));
        assert!(find("noSuchOperation").is_none());
    }

    #[test]
    fn routes_prefer_literal_segments() {
        let op = find_route("GET", "/albums/statistics").map(|o| o.id);
        assert_eq!(op, Some("getAlbumStatistics"));
        let op = find_route("GET", "/albums/0000a55e-0000-4000-8000-0000000000aa").map(|o| o.id);
        assert_eq!(op, Some("getAlbumInfo"));
        assert!(find_route("GET", "/no/such/route").is_none());
    }

    fn search(version: &str, body: &str) -> Result<(), Error> {
        let server = Server::new("http://localhost:2283")
            .unwrap()
            .with_version(ServerVersion::parse(version).unwrap());
        let request = Request::post("http://localhost:2283/api/search/metadata")
            .header("content-type", "application/json")
            .body(Bytes::from(body.to_owned()))
            .unwrap();
        gate(&server, "searchAssets", &request)
    }

    #[test]
    fn the_gate_refuses_fields_and_values_the_release_lacks() {
        let albums = r#"{"albumIds":["0000a55e-0000-4000-8000-0000000000aa"]}"#;
        assert_eq!(
            search("1.132.3", albums),
            Err(Error::UnsupportedParameter(Box::new(ParameterRefused {
                operation: "searchAssets",
                parameter: "field:albumIds",
                release: ServerVersion::new(1, 135, 0),
                found: ServerVersion::new(1, 132, 3),
            })))
        );
        assert_eq!(search("1.135.0", albums), Ok(()));
        let message = search("1.132.3", albums).unwrap_err().to_string();
        assert!(
            message.contains("albumIds") && message.contains("v1.135.0"),
            "{message}"
        );
        assert!(search("1.126.0", r#"{"rating":3}"#).is_err());
        assert_eq!(search("1.127.0", r#"{"rating":3}"#), Ok(()));
        assert!(matches!(
            search("1.133.0", r#"{"isArchived":true}"#),
            Err(Error::RemovedParameter(_))
        ));
        assert_eq!(search("1.118.0", r#"{"isArchived":true}"#), Ok(()));
        assert_eq!(
            search("1.118.0", r#"{"isFavorite":true,"size":10}"#),
            Ok(())
        );
        let server = Server::new("http://localhost:2283").unwrap();
        let request = Request::get("http://localhost:2283/api/assets/x/thumbnail?size=original")
            .body(Bytes::new())
            .unwrap();
        assert_eq!(
            gate(&server, "viewAsset", &request),
            Ok(()),
            "unknown version"
        );
        let old = server.with_version(ServerVersion::new(2, 4, 0));
        assert!(matches!(
            gate(&old, "viewAsset", &request),
            Err(Error::UnsupportedParameter(refused)) if refused.parameter == "enum:size=original"
        ));
    }

    fn server_at(version: ServerVersion) -> Server {
        Server::new("http://localhost:2283")
            .unwrap()
            .with_api_key("k")
            .unwrap()
            .with_version(version)
    }

    #[test]
    fn form_parts_are_gated_by_name_and_value() {
        use crate::multipart::{Boundary, MultipartBuilder};
        let mut form = MultipartBuilder::new(Boundary::from_seed(3));
        form.text("visibility", "locked").unwrap();
        form.file_bytes("assetData", "a.jpg", "image/jpeg", b"abc")
            .unwrap();
        let body = form.finish().unwrap();
        let written: Vec<u8> = body
            .segments()
            .iter()
            .flat_map(|s| match s {
                crate::multipart::Segment::Bytes(b) => b.to_vec(),
                crate::multipart::Segment::File(_) => Vec::new(),
            })
            .collect();
        assert_eq!(
            form_parts(&written, body.boundary().as_str()),
            vec![
                ("visibility".to_owned(), Some("locked".to_owned())),
                ("assetData".to_owned(), None)
            ]
        );
        let request = Request::post("http://localhost:2283/api/assets")
            .header("content-type", body.content_type())
            .body(Bytes::from(written))
            .unwrap();
        let old = server_at(ServerVersion::new(1, 132, 3));
        assert!(matches!(
            gate(&old, "uploadAsset", &request),
            Err(Error::UnsupportedParameter(refused)) if refused.parameter == "field:visibility"
        ));
        let new = server_at(ServerVersion::new(1, 133, 0));
        assert_eq!(gate(&new, "uploadAsset", &request), Ok(()));
        assert!(has_item(
            "uploadAsset",
            "field:filename",
            &ServerVersion::new(1, 135, 0)
        ));
        assert!(!has_item(
            "uploadAsset",
            "field:filename",
            &ServerVersion::new(1, 134, 1)
        ));
        assert!(has_item(
            "uploadAsset",
            "field:isFavorite",
            &ServerVersion::new(1, 118, 0)
        ));
    }

    #[test]
    fn streamed_uploads_are_built_for_the_release_and_gated() {
        use crate::assets::{AssetVisibility, UploadAsset};
        use crate::DateTime;
        let taken = DateTime::parse("2024-05-01T12:00:00Z").unwrap();
        let upload = || UploadAsset::new("a.jpg", 3, taken, taken);
        let fields = |version: ServerVersion, upload: UploadAsset| {
            let request = upload.request(&server_at(version))?;
            let written: Vec<u8> = request
                .body()
                .segments()
                .iter()
                .flat_map(|s| match s {
                    crate::multipart::Segment::Bytes(b) => b.to_vec(),
                    crate::multipart::Segment::File(_) => Vec::new(),
                })
                .collect();
            let boundary = request.body().boundary().as_str().to_owned();
            Ok::<_, Error>(
                form_parts(&written, &boundary)
                    .into_iter()
                    .map(|(name, _)| name)
                    .collect::<Vec<_>>(),
            )
        };
        let old = fields(ServerVersion::new(1, 132, 3), upload()).unwrap();
        assert!(old.contains(&"deviceAssetId".to_owned()), "{old:?}");
        assert!(!old.contains(&"filename".to_owned()), "{old:?}");
        let new = fields(ServerVersion::new(3, 0, 0), upload()).unwrap();
        assert!(new.contains(&"filename".to_owned()), "{new:?}");
        assert!(!new.contains(&"deviceAssetId".to_owned()), "{new:?}");
        let locked = || upload().visibility(AssetVisibility::Locked);
        assert!(matches!(
            fields(ServerVersion::new(1, 132, 3), locked()),
            Err(Error::UnsupportedParameter(refused))
                if refused.parameter == "field:visibility"
                    && refused.release == ServerVersion::new(1, 133, 0)
        ));
        assert!(fields(ServerVersion::new(1, 133, 0), locked()).is_ok());
    }

    #[test]
    fn a_redirect_is_gated_as_the_operation_it_leads_to() {
        let session = crate::Session::new(server_at(ServerVersion::new(2, 4, 0)));
        let first = Request::get("http://localhost:2283/api/assets/a1/thumbnail?size=preview")
            .body(Bytes::new())
            .unwrap();
        assert_eq!(session.admit("viewAsset", &first), Ok(()));
        let head = |location: &str| {
            http::Response::builder()
                .status(302)
                .header("location", location)
                .body(())
                .unwrap()
                .into_parts()
                .0
        };
        let mut redirects = crate::Redirects::new("viewAsset", &first);
        let refused = session.follow_redirect(&mut redirects, &head("thumbnail?size=original"));
        assert!(matches!(
            refused,
            Err(Error::UnsupportedParameter(r)) if r.parameter == "enum:size=original"
        ));
        let mut redirects = crate::Redirects::new("viewAsset", &first);
        let refused = session.follow_redirect(&mut redirects, &head("original?edited=true"));
        assert!(matches!(
            refused,
            Err(Error::UnsupportedParameter(r))
                if r.operation == "downloadAsset" && r.parameter == "query:edited"
        ));
        let mut redirects = crate::Redirects::new("viewAsset", &first);
        let next = session.follow_redirect(&mut redirects, &head("original"));
        assert!(matches!(next, Ok(Some(_))));
        // An operation the release does not have at all.
        let mut redirects = crate::Redirects::new("viewAsset", &first);
        let old = crate::Session::new(server_at(ServerVersion::new(1, 132, 3)));
        let gone = old.follow_redirect(&mut redirects, &head("/api/server/version-check"));
        assert!(
            matches!(
                gone,
                Err(Error::Unsupported {
                    operation: "getVersionCheck",
                    ..
                })
            ),
            "{gone:?}"
        );
    }

    #[test]
    fn enum_values_inside_arrays_are_gated_one_by_one() {
        let request = |permissions: &str| {
            Request::post("http://localhost:2283/api/api-keys")
                .header("content-type", "application/json")
                .body(Bytes::from(format!(
                    r#"{{"name":"k","permissions":{permissions}}}"#
                )))
                .unwrap()
        };
        let old = server_at(ServerVersion::new(1, 136, 0));
        let new_name = request(r#"["asset.read","adminUser.read"]"#);
        assert!(matches!(
            gate(&old, "createApiKey", &new_name),
            Err(Error::UnsupportedParameter(r)) if r.parameter == "enum:permissions=adminUser.read"
        ));
        let new = server_at(ServerVersion::new(1, 137, 0));
        assert_eq!(gate(&new, "createApiKey", &new_name), Ok(()));
        let old_name = request(r#"["admin.user.read"]"#);
        assert_eq!(gate(&old, "createApiKey", &old_name), Ok(()));
        assert!(matches!(
            gate(&new, "createApiKey", &old_name),
            Err(Error::RemovedParameter(r)) if r.parameter == "enum:permissions=admin.user.read"
        ));
    }
}
