//! The operations of the document, and the file of each generated one.

use openapiv3::{OpenAPI, Parameter, ParameterSchemaOrContent, ReferenceOr, StatusCode};

use crate::names;
use crate::overrides::{HandOperation, HAND_OPERATIONS, KIND_OVERRIDES, SESSION_QUERY_PARAMETERS};
use crate::types::{Dir, Kind, Place, Ty, Types};

/// How an operation's answer is read.
#[derive(Debug, Clone, PartialEq)]
pub enum Answer {
    /// A JSON body decoded into this type.
    Json(Ty),
    /// No body worth reading.
    Nothing,
    /// A byte stream (a `MediaEndpoint`).
    Media,
}

/// How an operation's request body is sent.
#[derive(Debug, Clone, PartialEq)]
pub enum Body {
    /// JSON.
    Json {
        /// The body's type.
        ty: Ty,
        /// Whether the document requires a body.
        required: bool,
    },
    /// `application/x-www-form-urlencoded`, from a generated model's fields.
    Form(Ty),
    /// `multipart/form-data` of files: the field names, and whether each is required.
    Files(Vec<(String, bool, Option<String>)>),
}

/// A path or query parameter.
#[derive(Debug, Clone)]
pub struct Param {
    /// The name on the wire.
    pub json: String,
    /// The Rust name.
    pub rust: String,
    /// Its type.
    pub ty: Ty,
    /// Whether it is required.
    pub required: bool,
    /// Its description.
    pub doc: Option<String>,
}

/// One operation of the document.
#[derive(Debug, Clone)]
pub struct Operation {
    /// The operationId.
    pub id: String,
    /// `GET`, `POST`, ...
    pub method: String,
    /// The path template, without the `/api` prefix.
    pub path: String,
    /// The OpenAPI tag.
    pub tag: String,
    /// The module of the tag.
    pub area: String,
    /// The Rust type's name.
    pub type_name: String,
    /// The file's module name.
    pub module: String,
    /// The one-line summary.
    pub summary: String,
    /// The description.
    pub description: String,
    /// `x-immich-permission`.
    pub permission: Option<String>,
    /// `x-immich-admin-only`.
    pub admin_only: bool,
    /// Whether it needs no authentication: no `security` requirement (its own, or else the
    /// document's), or one that may be met by nothing (`{}`).
    pub public: bool,
    /// `x-immich-history`: (version, state) pairs.
    pub history: Vec<(String, String)>,
    /// `x-immich-state`.
    pub state: String,
    /// Whether the document marks it deprecated.
    pub deprecated: bool,
    /// Path parameters, in path order.
    pub path_params: Vec<Param>,
    /// Query parameters.
    pub query: Vec<Param>,
    /// Header parameters.
    pub headers: Vec<Param>,
    /// The body.
    pub body: Option<Body>,
    /// The answer.
    pub answer: Answer,
    /// The override, when hand-written.
    pub hand: Option<&'static HandOperation>,
    /// How it talks: `Json`, `NoContent`, `Media`, `Multipart` or `Form`.
    pub kind: &'static str,
    /// The first release with it, from the release-precise history (codegen/api-history.tsv).
    pub since_release: Option<String>,
    /// The last release with it, from the same history, when a newer one removed it.
    pub until_release: Option<String>,
    /// Parameters, fields and enum values whose span differs from the operation's, from the
    /// same history: item (`field:albumIds`), first release, last release (when removed).
    pub items: Vec<(String, String, Option<String>)>,
}

impl Operation {
    /// The first release that has it, as `(major, minor, patch)`: the release-precise history
    /// where it knows better, else `x-immich-history`'s "Added".
    pub fn since(&self) -> (u64, u64, u64) {
        let documented = self
            .history
            .iter()
            .find(|(_, state)| state == "Added")
            .map(|(version, _)| parse_version(version))
            .unwrap_or((1, 0, 0));
        match &self.since_release {
            Some(release) => parse_version(release).max(documented),
            None => documented,
        }
    }

    /// The last release that has it, when a newer one removed it.
    pub fn until(&self) -> Option<(u64, u64, u64)> {
        self.until_release.as_deref().map(parse_version)
    }

    /// The file, relative to `immich-proto/src`.
    pub fn file(&self) -> String {
        match self.hand {
            Some(hand) => hand.file.to_owned(),
            None => format!("{}/{}.rs", self.area, self.module),
        }
    }

    /// The Rust type, as a path from the crate root.
    pub fn rust_path(&self) -> String {
        match self.hand {
            Some(hand) => hand.rust_type.to_owned(),
            None => format!("{}::{}", self.area, self.type_name),
        }
    }

    /// The history as one line: `added in v1; beta in v1; stable in v2`.
    pub fn history_line(&self) -> String {
        self.history
            .iter()
            .map(|(version, state)| format!("{} in {version}", state.to_lowercase()))
            .collect::<Vec<_>>()
            .join("; ")
    }
}

/// `v2.5.0`, `v2` or `v1` as numbers.
pub fn parse_version(text: &str) -> (u64, u64, u64) {
    let mut parts = text
        .trim_start_matches('v')
        .split('.')
        .map(|p| p.parse::<u64>().unwrap_or(0));
    (
        parts.next().unwrap_or(0),
        parts.next().unwrap_or(0),
        parts.next().unwrap_or(0),
    )
}

/// Reads every operation of the document, resolving the types of the generated ones.
pub fn read_operations(
    doc: &OpenAPI,
    releases: &crate::history::History,
    types: &mut Types<'_>,
) -> Result<Vec<Operation>, String> {
    let mut operations = Vec::new();
    for (path, item) in &doc.paths.paths {
        let ReferenceOr::Item(item) = item else {
            return Err(format!("{path}: a path reference"));
        };
        for (method, op) in item.iter() {
            let id = op
                .operation_id
                .clone()
                .ok_or_else(|| format!("{method} {path} has no operationId"))?;
            let tag = op
                .tags
                .first()
                .cloned()
                .ok_or_else(|| format!("{id} has no tag"))?;
            let hand = HAND_OPERATIONS.iter().find(|h| h.id == id);
            let extension = |key: &str| op.extensions.get(key);
            let history = extension("x-immich-history")
                .and_then(|v| v.as_array())
                .map(|entries| {
                    entries
                        .iter()
                        .map(|e| {
                            (
                                e["version"].as_str().unwrap_or("v1").to_owned(),
                                e["state"].as_str().unwrap_or("").to_owned(),
                            )
                        })
                        .collect()
                })
                .unwrap_or_default();
            let mut operation = Operation {
                type_name: names::type_name(&id),
                module: names::module(&id),
                area: names::area(&tag),
                id: id.clone(),
                method: method.to_uppercase(),
                path: path.clone(),
                tag: tag.clone(),
                summary: op.summary.clone().unwrap_or_default(),
                description: op.description.clone().unwrap_or_default(),
                permission: extension("x-immich-permission")
                    .and_then(|v| v.as_str())
                    .map(str::to_owned),
                admin_only: extension("x-immich-admin-only")
                    .and_then(|v| v.as_bool())
                    .unwrap_or(false),
                public: op
                    .security
                    .as_ref()
                    .or(doc.security.as_ref())
                    .is_none_or(|any_of| any_of.is_empty() || any_of.iter().any(|r| r.is_empty())),
                history,
                state: extension("x-immich-state")
                    .and_then(|v| v.as_str())
                    .unwrap_or("")
                    .to_owned(),
                deprecated: op.deprecated,
                path_params: Vec::new(),
                query: Vec::new(),
                headers: Vec::new(),
                body: None,
                answer: Answer::Nothing,
                hand,
                kind: KIND_OVERRIDES
                    .iter()
                    .find(|o| o.id == id)
                    .map_or_else(|| kind_of(op), |o| o.kind),
                since_release: releases.since(&id).map(str::to_owned),
                until_release: releases.until(&id).map(str::to_owned),
                items: releases
                    .operations
                    .get(&id)
                    .map(|history| {
                        history
                            .items
                            .iter()
                            .map(|(item, (since, until))| {
                                // From the oldest release read means "at or before": from any.
                                let since = if *since == releases.oldest {
                                    "v1.0.0".to_owned()
                                } else {
                                    since.clone()
                                };
                                (item.clone(), since, until.clone())
                            })
                            .collect()
                    })
                    .unwrap_or_default(),
            };
            if hand.is_none() {
                resolve(doc, op, &mut operation, types)?;
            }
            operations.push(operation);
        }
    }
    operations.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(operations)
}

/// How an operation talks, from its content types alone.
pub(crate) fn kind_of(op: &openapiv3::Operation) -> &'static str {
    let sends = |wanted: &str| matches!(&op.request_body, Some(ReferenceOr::Item(b)) if b.content.contains_key(wanted));
    let answers = |wanted: &str| {
        op.responses.responses.iter().any(|(status, r)| {
            matches!(status, StatusCode::Code(c) if (200..300).contains(c))
                && matches!(r, ReferenceOr::Item(r) if r.content.contains_key(wanted))
        })
    };
    if sends("multipart/form-data") {
        "Multipart"
    } else if sends("application/x-www-form-urlencoded") {
        "Form"
    } else if op.responses.responses.iter().any(|(status, r)| {
        matches!(status, StatusCode::Code(c) if (200..300).contains(c))
            && matches!(r, ReferenceOr::Item(r) if r.content.keys().any(|k| k != "application/json"))
    }) {
        "Media"
    } else if answers("application/json") {
        "Json"
    } else {
        "NoContent"
    }
}

fn resolve(
    doc: &OpenAPI,
    op: &openapiv3::Operation,
    operation: &mut Operation,
    types: &mut Types<'_>,
) -> Result<(), String> {
    let id = operation.id.clone();
    for parameter in &op.parameters {
        let ReferenceOr::Item(parameter) = parameter else {
            return Err(format!("{id}: a parameter reference"));
        };
        let (data, location) = match parameter {
            Parameter::Path { parameter_data, .. } => (parameter_data, "path"),
            Parameter::Query { parameter_data, .. } => (parameter_data, "query"),
            Parameter::Header { parameter_data, .. } => (parameter_data, "header"),
            Parameter::Cookie { parameter_data, .. } => (parameter_data, "cookie"),
        };
        if location == "query" && SESSION_QUERY_PARAMETERS.contains(&data.name.as_str()) {
            continue;
        }
        let ParameterSchemaOrContent::Schema(schema) = &data.format else {
            return Err(format!("{id}: parameter {} has content", data.name));
        };
        // `{id}` in a path is the area's own id; a query `id` may be anything (`GET /faces?id=`
        // is an asset id), so it stays the generic `Uuid`.
        let place = Place {
            owner: &operation.type_name,
            name: &data.name,
            area_tag: (location == "path").then_some(operation.tag.as_str()),
            description: data.description.as_deref(),
        };
        let (ty, _) = types.resolve(schema, place, Dir::Request)?;
        let param = Param {
            json: data.name.clone(),
            rust: names::field(&data.name),
            ty,
            required: data.required,
            doc: data.description.clone(),
        };
        match location {
            "path" => operation.path_params.push(param),
            "query" => operation.query.push(param),
            "header" => operation.headers.push(param),
            other => {
                return Err(format!(
                    "{id}: {other} parameter {} (the generator sends none; write the operation by hand)",
                    data.name
                ))
            }
        }
    }
    // Path parameters in the order the path names them.
    let path = operation.path.clone();
    operation
        .path_params
        .sort_by_key(|p| path.find(&format!("{{{}}}", p.json)).unwrap_or(usize::MAX));

    if let Some(body) = &op.request_body {
        let ReferenceOr::Item(body) = body else {
            return Err(format!("{id}: a request body reference"));
        };
        let (content_type, media) = body
            .content
            .first()
            .ok_or_else(|| format!("{id}: a request body without content"))?;
        let schema = media
            .schema
            .as_ref()
            .ok_or_else(|| format!("{id}: a request body without a schema"))?;
        let place = Place {
            owner: &operation.type_name,
            name: "body",
            area_tag: Some(&operation.tag),
            description: None,
        };
        operation.body = Some(match content_type.as_str() {
            "application/json" => Body::Json {
                ty: types.resolve(schema, place, Dir::Request)?.0,
                required: body.required,
            },
            "application/x-www-form-urlencoded" => {
                Body::Form(types.resolve(schema, place, Dir::Request)?.0)
            }
            "multipart/form-data" => Body::Files(file_fields(doc, &id, schema)?),
            other => return Err(format!("{id}: request content {other}")),
        });
    }

    let mut answer = Answer::Nothing;
    for (status, response) in &op.responses.responses {
        let StatusCode::Code(code) = status else {
            continue;
        };
        if !(200..300).contains(code) {
            continue;
        }
        let ReferenceOr::Item(response) = response else {
            return Err(format!("{id}: a response reference"));
        };
        for (content_type, media) in &response.content {
            answer = match content_type.as_str() {
                "application/json" => {
                    let schema = media
                        .schema
                        .as_ref()
                        .ok_or_else(|| format!("{id}: a JSON answer without a schema"))?;
                    let place = Place {
                        owner: &operation.type_name,
                        name: "answer",
                        area_tag: Some(&operation.tag),
                        description: None,
                    };
                    Answer::Json(types.resolve(schema, place, Dir::Response)?.0)
                }
                // Any other answer (octet-stream, an HLS playlist or segment, an image) is a
                // byte stream for the transport to hand over as it comes.
                _ => Answer::Media,
            };
        }
    }
    operation.answer = answer;
    Ok(())
}

/// The file fields of a multipart body (every field must be a binary file).
fn file_fields(
    doc: &OpenAPI,
    id: &str,
    schema: &ReferenceOr<openapiv3::Schema>,
) -> Result<Vec<(String, bool, Option<String>)>, String> {
    let ReferenceOr::Reference { reference } = schema else {
        return Err(format!("{id}: an inline multipart schema"));
    };
    let name = reference.trim_start_matches("#/components/schemas/");
    let Some(ReferenceOr::Item(schema)) = doc.components.as_ref().and_then(|c| c.schemas.get(name))
    else {
        return Err(format!("{id}: multipart schema {name} not found"));
    };
    let openapiv3::SchemaKind::Type(openapiv3::Type::Object(object)) = &schema.schema_kind else {
        return Err(format!("{id}: multipart schema {name} is not an object"));
    };
    let mut fields = Vec::new();
    for (field, property) in &object.properties {
        let binary = matches!(
            property,
            ReferenceOr::Item(s) if matches!(
                &s.schema_kind,
                openapiv3::SchemaKind::Type(openapiv3::Type::String(t))
                    if t.format == openapiv3::VariantOrUnknownOrEmpty::Item(openapiv3::StringFormat::Binary)
            )
        );
        if !binary {
            return Err(format!(
                "{id}: multipart field {field} is not a file (the generator sends files only; write the operation by hand)"
            ));
        }
        let doc = match property {
            ReferenceOr::Item(s) => s.schema_data.description.clone(),
            ReferenceOr::Reference { .. } => None,
        };
        fields.push((field.clone(), object.required.contains(field), doc));
    }
    Ok(fields)
}

/// The value of a parameter of type `ty` held in `expr` (a reference), as a query string
/// `String`, or an expression that may fail with `?` (ids are checked for the server).
fn to_text(expr: &str, ty: &Ty) -> String {
    match &ty.kind {
        Kind::Id => format!("{expr}.checked(server)?.to_owned()"),
        Kind::DateTime => format!("{expr}.to_utc_string()"),
        Kind::Enum(_) => format!("{expr}.as_str().to_owned()"),
        Kind::Secret(_) => format!("{expr}.expose_secret().to_owned()"),
        Kind::Text(..) => format!("{expr}.clone()"),
        _ => format!("{expr}.to_string()"),
    }
}

/// The value of a path parameter of type `ty` held in `expr`, as a `&str` (ids are checked
/// for the server).
fn to_str(expr: &str, ty: &Ty) -> String {
    match &ty.kind {
        Kind::Id => format!("{expr}.checked(server)?"),
        Kind::Enum(_) => format!("{expr}.as_str()"),
        Kind::Secret(_) => format!("{expr}.expose_secret()"),
        Kind::Text(..) => format!("&{expr}"),
        Kind::DateTime => format!("&{expr}.to_utc_string()"),
        _ => format!("&{expr}.to_string()"),
    }
}

/// Renders the file of a generated operation.
pub fn render_operation(op: &Operation, header: &str) -> String {
    let mut out = String::new();
    out.push_str(header);
    out.push_str(&format!(
        "//! `{} {}`: `{}`. {}\n",
        op.method,
        op.path,
        op.id,
        match &op.permission {
            Some(p) => format!("Permission `{p}`."),
            None => "No API-key permission.".to_owned(),
        }
    ));
    if op.admin_only {
        out.push_str("//! Admin only.\n");
    }
    out.push_str("//!\n");
    if !op.description.is_empty() {
        names::doc_lines(&mut out, "", "//!", &names::doc_text(&op.description));
        out.push_str("//!\n");
    }
    let mut history = format!("History: {}", op.history_line());
    if op.deprecated {
        history.push_str(". Deprecated");
    }
    out.push_str(&format!("//! {history}.\n\n"));

    out.push_str("use bytes::Bytes;\nuse http::{Method, Request};\n\n");
    out.push_str("use crate::{Error, Server};\n\n");

    // The struct.
    let summary = if op.summary.is_empty() {
        op.id.clone()
    } else {
        names::doc_text(&op.summary)
    };
    names::doc_lines(&mut out, "", "///", &summary);
    out.push_str("///\n");
    out.push_str(&format!(
        "/// Build it with [`{}::new`], set the optional fields, and send it.\n",
        op.type_name
    ));
    let mut fields: Vec<(String, String, String, bool)> = Vec::new(); // (rust, type, doc, required)
    for p in op.path_params.iter().chain(&op.query).chain(&op.headers) {
        let ty = if p.required {
            p.ty.rust.clone()
        } else {
            format!("Option<{}>", p.ty.rust)
        };
        let doc = p.doc.clone().unwrap_or_else(|| format!("`{}`.", p.json));
        fields.push((p.rust.clone(), ty, doc, p.required));
    }
    match &op.body {
        Some(Body::Json { ty, required }) => {
            let rust = if *required {
                ty.rust.clone()
            } else {
                format!("Option<{}>", ty.rust)
            };
            fields.push(("body".into(), rust, "The request body.".into(), *required));
        }
        Some(Body::Form(ty)) => {
            fields.push((
                "body".into(),
                ty.rust.clone(),
                "The request body.".into(),
                true,
            ));
        }
        Some(Body::Files(files)) => {
            for (name, required, doc) in files {
                let rust = if *required {
                    "crate::multipart::FormFile".to_owned()
                } else {
                    "Option<crate::multipart::FormFile>".to_owned()
                };
                let doc = doc.clone().unwrap_or_else(|| format!("`{name}`."));
                fields.push((names::field(name), rust, doc, *required));
            }
        }
        _ => {}
    }
    if fields.iter().any(|f| f.3) {
        out.push_str("#[derive(Debug, Clone, PartialEq)]\n#[non_exhaustive]\n");
    } else {
        out.push_str("#[derive(Debug, Clone, Default, PartialEq)]\n#[non_exhaustive]\n");
    }
    if fields.is_empty() {
        out.push_str(&format!("pub struct {} {{}}\n\n", op.type_name));
    } else {
        out.push_str(&format!("pub struct {} {{\n", op.type_name));
        for (rust, ty, doc, _) in &fields {
            names::doc_lines(&mut out, "    ", "///", &names::doc_text(doc));
            out.push_str(&format!("    pub {rust}: {ty},\n"));
        }
        out.push_str("}\n\n");
    }

    // The constructor.
    let required: Vec<&(String, String, String, bool)> = fields.iter().filter(|f| f.3).collect();
    out.push_str(&format!("impl {} {{\n", op.type_name));
    if required.is_empty() {
        out.push_str("    /// The operation; its optional fields are unset.\n");
    } else {
        out.push_str(
            "    /// The operation with its required arguments; the optional ones are unset.\n",
        );
    }
    out.push_str("    pub fn new(");
    out.push_str(
        &required
            .iter()
            .map(|(rust, ty, _, _)| format!("{rust}: {ty}"))
            .collect::<Vec<_>>()
            .join(", "),
    );
    out.push_str(&format!(") -> Self {{\n        {} {{", op.type_name));
    for (rust, _, _, req) in &fields {
        if *req {
            out.push_str(&format!(" {rust},"));
        } else {
            out.push_str(&format!(" {rust}: None,"));
        }
    }
    out.push_str(" }\n    }\n}\n\n");

    // The request.
    let trait_name = match op.answer {
        Answer::Media => "crate::MediaEndpoint",
        _ => "crate::Endpoint",
    };
    out.push_str(&format!("impl {trait_name} for {} {{\n", op.type_name));
    if let Answer::Json(ty) = &op.answer {
        out.push_str(&format!("    type Output = {};\n", ty.rust));
    } else if op.answer == Answer::Nothing {
        out.push_str("    type Output = ();\n");
    }
    out.push_str(&format!(
        "    const OPERATION_ID: &'static str = {:?};\n",
        op.id
    ));
    match &op.permission {
        Some(p) => out.push_str(&format!(
            "    const PERMISSION: Option<&'static str> = Some({p:?});\n\n"
        )),
        None => out.push_str("    const PERMISSION: Option<&'static str> = None;\n\n"),
    }
    if !op.query.is_empty() {
        // One push per parameter reads like the parameter list; a `vec![]` would not.
        out.push_str("    #[allow(clippy::vec_init_then_push)]\n");
    }
    // `#[inline]` on `request` and `parse` lets a crate that uses a few operations compile
    // only their encoders and decoders, instead of immich-proto compiling all of them.
    out.push_str("    #[inline]\n");
    out.push_str("    fn request(&self, server: &Server) -> Result<Request<Bytes>, Error> {\n");
    out.push_str("        crate::catalogue::require_available(server, Self::OPERATION_ID)?;\n");
    // Path.
    let mut template = op.path.clone();
    let mut args = Vec::new();
    for p in &op.path_params {
        template = template.replace(&format!("{{{}}}", p.json), "{}");
        args.push(format!(
            "crate::endpoint::path_segment({})",
            to_str(&format!("self.{}", p.rust), &p.ty)
        ));
    }
    let path_arg = if args.is_empty() { "path" } else { "&path" };
    if args.is_empty() {
        out.push_str(&format!("        let path = {template:?};\n"));
    } else {
        out.push_str(&format!(
            "        let path = format!({template:?}, {});\n",
            args.join(", ")
        ));
    }
    // Query.
    if op.query.is_empty() {
        out.push_str("        let query: Option<&str> = None;\n");
    } else {
        out.push_str("        let mut pairs: Vec<(&str, Option<String>)> = Vec::new();\n");
        for p in &op.query {
            let field = format!("self.{}", p.rust);
            match (&p.ty.kind, p.required) {
                (Kind::List(item, _), true) => out.push_str(&format!(
                    "        for value in &{field} {{ pairs.push(({:?}, Some({}))); }}\n",
                    p.json,
                    to_text("value", item)
                )),
                (Kind::List(item, _), false) => out.push_str(&format!(
                    "        for value in {field}.iter().flatten() {{ pairs.push(({:?}, Some({}))); }}\n",
                    p.json,
                    to_text("value", item)
                )),
                (_, true) => out.push_str(&format!(
                    "        pairs.push(({:?}, Some({})));\n",
                    p.json,
                    to_text(&field, &p.ty)
                )),
                (_, false) => out.push_str(&format!(
                    "        if let Some(value) = &{field} {{ pairs.push(({:?}, Some({}))); }}\n",
                    p.json,
                    to_text("value", &p.ty)
                )),
            }
        }
        out.push_str("        let query = crate::endpoint::query_string(pairs);\n");
        out.push_str("        let query = Some(query.as_str()).filter(|q| !q.is_empty());\n");
    }
    let method = format!("Method::{}", op.method);
    let call = match &op.body {
        None => format!(
            "        crate::endpoint::empty_request(server, {method}, {path_arg}, query)\n"
        ),
        Some(Body::Json { required: true, .. }) => format!(
            "        crate::endpoint::json_request(server, {method}, {path_arg}, query, &self.body)\n"
        ),
        Some(Body::Json { required: false, .. }) => format!(
            "        match &self.body {{\n            Some(body) => crate::endpoint::json_request(server, {method}, {path_arg}, query, body),\n            None => crate::endpoint::empty_request(server, {method}, {path_arg}, query),\n        }}\n"
        ),
        Some(Body::Form(_)) => format!(
            "        crate::endpoint::form_request(server, {method}, {path_arg}, query, &self.body)\n"
        ),
        Some(Body::Files(files)) => {
            let parts: Vec<String> = files
                .iter()
                .map(|(name, required, _)| {
                    let rust = names::field(name);
                    if *required {
                        format!("({name:?}, Some(&self.{rust}))")
                    } else {
                        format!("({name:?}, self.{rust}.as_ref())")
                    }
                })
                .collect();
            format!(
                "        crate::multipart::form_request(server, {method}, {path_arg}, query, &[{}])\n",
                parts.join(", ")
            )
        }
    };
    let media = matches!(op.answer, Answer::Media);
    if media || !op.headers.is_empty() {
        out.push_str(&format!("        let mut request = {}?;\n", call.trim()));
        for p in &op.headers {
            let insert = |value: &str| {
                format!(
                    "request.headers_mut().insert(http::HeaderName::from_static({:?}), http::HeaderValue::from_str(&{}).map_err(|e| Error::invalid_input(\"header\", e.to_string()))?);",
                    p.json.to_ascii_lowercase(),
                    to_text(value, &p.ty)
                )
            };
            if p.required {
                out.push_str(&format!(
                    "        {}\n",
                    insert(&format!("self.{}", p.rust))
                ));
            } else {
                out.push_str(&format!(
                    "        if let Some(value) = &self.{} {{ {} }}\n",
                    p.rust,
                    insert("value")
                ));
            }
        }
        if media {
            // A byte stream answers: accept any media type (not the JSON every other request
            // accepts), or a server that honours `Accept`, as Prism does, answers 406.
            out.push_str("        crate::media::accept_any_media(&mut request);\n");
        }
        out.push_str("        Ok(request)\n");
    } else {
        out.push_str(&call);
    }
    out.push_str("    }\n");
    match &op.answer {
        Answer::Json(_) => out.push_str(
            "\n    #[inline]\n    fn parse(&self, _head: &http::response::Parts, body: Bytes) -> Result<Self::Output, Error> {\n        crate::endpoint::decode_json(Self::OPERATION_ID, &body)\n    }\n",
        ),
        Answer::Nothing => out.push_str(
            "\n    fn parse(&self, _head: &http::response::Parts, _body: Bytes) -> Result<(), Error> {\n        Ok(())\n    }\n",
        ),
        Answer::Media => {}
    }
    out.push_str("}\n");
    out
}
