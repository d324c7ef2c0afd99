//! The catalogue table and ENDPOINTS.md, both from the same list of operations.

use std::collections::BTreeMap;

use crate::operations::Operation;

/// Renders `immich-proto/src/catalogue/operations.rs`.
pub fn render_table(operations: &[Operation], header: &str, version: &str) -> String {
    let mut out = String::new();
    out.push_str(header);
    out.push_str(&format!(
        "//! Every operation of the Immich v{version} API document, sorted by operationId.\n\n"
    ));
    out.push_str("use super::{Operation, OperationKind, Span};\nuse crate::ServerVersion;\n\n");
    out.push_str(&format!(
        "/// Every operation of the document ({} in all), sorted by operationId.\n",
        operations.len()
    ));
    out.push_str("pub static OPERATIONS: &[Operation] = &[\n");
    for op in operations {
        let (major, minor, patch) = op.since();
        out.push_str(&format!(
            "    Operation {{ id: {:?}, method: {:?}, path: {:?}, area: {:?}, tag: {:?}, rust_type: {:?}, file: {:?}, generated: {}, kind: OperationKind::{}, permission: {}, admin_only: {}, public: {}, since: ServerVersion::new({major}, {minor}, {patch}), until: {}, state: {:?}, deprecated: {}, summary: {:?}, items: &[{}] }},\n",
            op.id,
            op.method,
            op.path,
            op.area,
            op.tag,
            op.rust_path(),
            op.file(),
            op.hand.is_none(),
            op.kind,
            match &op.permission {
                Some(p) => format!("Some({p:?})"),
                None => "None".to_owned(),
            },
            op.admin_only,
            op.public,
            match op.until() {
                Some((a, b, c)) => format!("Some(ServerVersion::new({a}, {b}, {c}))"),
                None => "None".to_owned(),
            },
            op.state,
            op.deprecated,
            op.summary.trim(),
            render_spans(op),
        ));
    }
    out.push_str("];\n");
    out
}

/// The spans of an operation's parameters, fields and enum values that differ from its own,
/// as `Span` literals.
fn render_spans(op: &Operation) -> String {
    let version = |text: &str| {
        let (a, b, c) = crate::operations::parse_version(text);
        format!("ServerVersion::new({a}, {b}, {c})")
    };
    op.items
        .iter()
        .map(|(item, since, until)| {
            let until = match until {
                Some(until) => format!("Some({})", version(until)),
                None => "None".to_owned(),
            };
            format!(
                "Span {{ item: {item:?}, since: {}, until: {until} }}, ",
                version(since)
            )
        })
        .collect()
}

/// Renders ENDPOINTS.md.
pub fn render_endpoints_md(operations: &[Operation], version: &str, generated_by: &str) -> String {
    let hand = operations.iter().filter(|o| o.hand.is_some()).count();
    let mut out = String::new();
    out.push_str(&format!("<!-- {generated_by} -->\n"));
    out.push_str("# Endpoints\n\n");
    out.push_str(&format!(
        "Every operation of the Immich v{version} OpenAPI document: {} in all, {} generated \
         from the document and {hand} written by hand (they carry version handling, streaming or \
         secrets; the generator's override list, [`codegen/src/overrides.rs`](codegen/src/overrides.rs), \
         says why for each). Each is a type in `immich-proto`: send it with any transport's \
         `send` (or `media` for a byte stream), e.g. \
         `client.send(&immich_proto::tags::CreateTag::new(body))`.\n\n",
        operations.len(),
        operations.len() - hand,
    ));
    out.push_str(
        "Columns: the operationId; the method and path (under `/api`); the Rust type and its \
         file; the API-key permission (`x-immich-permission`); the first release that has it \
         (`since`; \"any\" when every supported release has it), which the client checks \
         before sending; notes (admin only, no \
         authentication at all, state, deprecation).\n\n",
    );
    let mut by_tag: BTreeMap<&str, Vec<&Operation>> = BTreeMap::new();
    for op in operations {
        by_tag.entry(op.tag.as_str()).or_default().push(op);
    }
    for (tag, ops) in by_tag {
        out.push_str(&format!("## {tag} (`immich_proto::{}`)\n\n", ops[0].area));
        out.push_str("| operation | method and path | type | permission | since | notes |\n");
        out.push_str("|---|---|---|---|---|---|\n");
        for op in ops {
            let since = match op.since() {
                // Older than the oldest release the history has read: every supported server.
                (1, 0, 0) => "any".to_owned(),
                (major, minor, patch) => format!("v{major}.{minor}.{patch}"),
            };
            let mut notes = Vec::new();
            if op.hand.is_some() {
                notes.push("hand-written".to_owned());
            }
            if op.admin_only {
                notes.push("admin only".to_owned());
            }
            if op.public {
                notes.push("no authentication".to_owned());
            }
            if !op.state.is_empty() && op.state != "Stable" {
                notes.push(op.state.to_lowercase());
            }
            if op.deprecated && op.state != "Deprecated" {
                notes.push("deprecated".to_owned());
            }
            if op.kind != "Json" {
                notes.push(
                    match op.kind {
                        "NoContent" => "no answer body",
                        "Media" => "byte stream",
                        "Multipart" => "multipart upload",
                        "Form" => "form body",
                        other => other,
                    }
                    .to_owned(),
                );
            }
            let type_name = op.rust_path();
            let short = type_name.rsplit("::").next().unwrap_or(&type_name);
            out.push_str(&format!(
                "| `{}` | `{} {}` | [`{short}`](immich-proto/src/{}) | {} | {since} | {} |\n",
                op.id,
                op.method,
                op.path,
                op.file(),
                op.permission
                    .as_deref()
                    .map(|p| format!("`{p}`"))
                    .unwrap_or_else(|| "none".to_owned()),
                notes.join(", "),
            ));
        }
        out.push('\n');
    }
    out
}
