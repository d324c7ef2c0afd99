//! The typed events of the sync stream (`POST /sync/stream`, `getSyncStream`): a model for
//! every sync payload schema of the document, and `immich-proto/src/sync/events.rs`, one
//! variant per `SyncEntityType` value carrying its payload.
//!
//! No operation of the document reaches the payload schemas (the stream's answer is declared
//! without content), so they are collected here: every `Sync...V<n>` schema, and the schema
//! each entity type carries, by name or from [`SYNC_PAYLOADS`].

use std::collections::BTreeSet;

use openapiv3::{OpenAPI, ReferenceOr, Schema, SchemaKind, Type};

use crate::names;
use crate::overrides::SYNC_PAYLOADS;
use crate::types::{Dir, Types};

/// One entity type and what it carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entity {
    /// The wire value (`AssetV2`).
    pub kind: String,
    /// The payload schema (`SyncAssetV2`).
    pub schema: String,
    /// The generated model's Rust path (`crate::models::SyncAssetV2`).
    pub rust: String,
}

/// The string values of a string enum schema, when the document has it.
fn enum_values(doc: &OpenAPI, name: &str) -> Option<Vec<String>> {
    match doc.components.as_ref()?.schemas.get(name)? {
        ReferenceOr::Item(Schema {
            schema_kind: SchemaKind::Type(Type::String(s)),
            ..
        }) => Some(s.enumeration.iter().flatten().cloned().collect()),
        _ => None,
    }
}

fn has_schema(doc: &OpenAPI, name: &str) -> bool {
    doc.components
        .as_ref()
        .is_some_and(|c| c.schemas.contains_key(name))
}

/// Whether a schema name is a sync payload: `Sync`, a name, `V` and a number.
fn is_payload_name(name: &str) -> bool {
    let Some(rest) = name.strip_prefix("Sync") else {
        return false;
    };
    match rest.rfind('V') {
        Some(at) if at > 0 => {
            let digits = &rest[at + 1..];
            !digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit())
        }
        _ => false,
    }
}

/// The schema an entity type carries by the naming rule, when the document has it.
fn by_name(doc: &OpenAPI, kind: &str) -> Option<String> {
    let prefixed = format!("Sync{kind}");
    if has_schema(doc, &prefixed) {
        return Some(prefixed);
    }
    (kind.starts_with("Sync") && has_schema(doc, kind)).then(|| kind.to_owned())
}

/// Resolves every entity type of the document (generating the models of the payloads and of
/// every other sync payload schema) and checks [`SYNC_PAYLOADS`]. `None` when the document has
/// no `SyncEntityType`.
pub fn read_entities(doc: &OpenAPI, types: &mut Types<'_>) -> Result<Option<Vec<Entity>>, String> {
    read_entities_with(doc, types, SYNC_PAYLOADS)
}

fn read_entities_with(
    doc: &OpenAPI,
    types: &mut Types<'_>,
    payloads: &[(&str, &str)],
) -> Result<Option<Vec<Entity>>, String> {
    let Some(kinds) = enum_values(doc, "SyncEntityType") else {
        return Ok(None);
    };
    let known: BTreeSet<&str> = kinds.iter().map(String::as_str).collect();
    let mut problems = Vec::new();
    for (kind, schema) in payloads {
        if !known.contains(kind) {
            problems.push(format!(
                "sync payload override {kind} => {schema} no longer matches: SyncEntityType has no value {kind}"
            ));
        } else if !has_schema(doc, schema) {
            problems.push(format!(
                "sync payload override {kind} => {schema} no longer matches: the document has no schema {schema}"
            ));
        } else if let Some(found) = by_name(doc, kind) {
            problems.push(format!(
                "sync payload override {kind} => {schema} no longer matches: the schema {found} is found by name"
            ));
        }
    }
    let mut entities = Vec::new();
    for kind in &kinds {
        let schema = match by_name(doc, kind) {
            Some(schema) => schema,
            None => match payloads.iter().find(|(k, _)| k == kind) {
                Some((_, schema)) => (*schema).to_owned(),
                None => {
                    problems.push(format!(
                        "SyncEntityType {kind} has no payload schema: no schema Sync{kind}; add the \
                         schema it carries (the server's SyncItem map) to SYNC_PAYLOADS in codegen/src/overrides.rs"
                    ));
                    continue;
                }
            },
        };
        if !problems.is_empty() {
            continue;
        }
        let ty = types.named(&schema, Dir::Response)?;
        entities.push(Entity {
            kind: kind.clone(),
            schema,
            rust: ty.rust,
        });
    }
    if !problems.is_empty() {
        return Err(problems.join("\n"));
    }
    // The payload schemas no entity type names yet still get their models.
    let names: Vec<String> = doc
        .components
        .iter()
        .flat_map(|c| c.schemas.keys())
        .filter(|name| is_payload_name(name))
        .cloned()
        .collect();
    for name in names {
        types.named(&name, Dir::Response)?;
    }
    // The stream's request body, for the hand-written operation (the generator resolves no
    // hand-written operation's types).
    if has_schema(doc, "SyncStreamDto") {
        types.named("SyncStreamDto", Dir::Request)?;
    }
    Ok(Some(entities))
}

/// Renders `immich-proto/src/sync/events.rs`.
pub fn render_events(doc: &OpenAPI, entities: &[Entity], header: &str) -> String {
    let requests = enum_values(doc, "SyncRequestType").unwrap_or_default();
    let mut out = String::from(header);
    out.push_str(
        "//! The typed events of `POST /sync/stream` (`getSyncStream`): one variant of\n\
         //! [`SyncEntity`] per `SyncEntityType` of the document, carrying its payload model, and\n\
         //! [`SyncEntity::Unknown`] for a type this client does not know (never an error).\n\
         //!\n\
         //! Which schema a type carries comes from the document's names (`AssetV2` carries\n\
         //! `SyncAssetV2`) and the generator's `SYNC_PAYLOADS` table (a partner's or an album's\n\
         //! asset reuses the asset's schema).\n\n\
         #![allow(clippy::doc_markdown)]\n\n\
         use serde::de::MapAccess;\n\
         use serde_json::value::RawValue;\n\n",
    );
    out.push_str(
        "/// What one line of the sync stream carries: the entity type and its typed payload.\n\
         #[derive(Debug, Clone, PartialEq)]\n\
         #[non_exhaustive]\n\
         pub enum SyncEntity {\n",
    );
    for e in entities {
        let short = e.rust.trim_start_matches("crate::models::");
        out.push_str(&format!(
            "    /// `{}`: a [`{short}`]({}).\n    {}({}),\n",
            e.kind,
            e.rust,
            names::variant(&e.kind),
            e.rust
        ));
    }
    out.push_str(
        "    /// An entity type this client does not know, kept as sent.\n\
         \x20   Unknown {\n\
         \x20       /// The `type` as sent.\n\
         \x20       kind: String,\n\
         \x20       /// The `data` as sent: its JSON text.\n\
         \x20       raw: String,\n\
         \x20   },\n}\n\n",
    );
    out.push_str(
        "impl SyncEntity {\n    /// The entity type as sent on the wire (`AssetV2`).\n    pub fn kind(&self) -> &str {\n        match self {\n",
    );
    for e in entities {
        out.push_str(&format!(
            "            SyncEntity::{}(_) => {:?},\n",
            names::variant(&e.kind),
            e.kind
        ));
    }
    out.push_str("            SyncEntity::Unknown { kind, .. } => kind,\n        }\n    }\n}\n\n");
    out.push_str(
        "/// Every entity type this client knows, with the schema its payload has: `(type, schema)`.\n\
         pub const ENTITY_TYPES: &[(&str, &str)] = &[\n",
    );
    for e in entities {
        out.push_str(&format!("    ({:?}, {:?}),\n", e.kind, e.schema));
    }
    out.push_str("];\n\n");
    out.push_str(
        "/// Every request type of the document (`SyncRequestType`), in its order.\n\
         pub const REQUEST_TYPES: &[&str] = &[\n",
    );
    for r in &requests {
        out.push_str(&format!("    {r:?},\n"));
    }
    out.push_str("];\n\n");
    out.push_str(
        "/// Reads the `data` of an entity of type `kind` as the next value of `map`.\n\
         pub(crate) fn next_data<'de, A: MapAccess<'de>>(kind: &str, map: &mut A) -> Result<SyncEntity, A::Error> {\n\
         \x20   Ok(match kind {\n",
    );
    for e in entities {
        out.push_str(&format!(
            "        {:?} => SyncEntity::{}(map.next_value()?),\n",
            e.kind,
            names::variant(&e.kind)
        ));
    }
    out.push_str(
        "        other => SyncEntity::Unknown {\n\
         \x20           kind: other.to_owned(),\n\
         \x20           raw: map.next_value::<&'de RawValue>()?.get().to_owned(),\n\
         \x20       },\n    })\n}\n\n",
    );
    out.push_str(
        "/// Reads the `data` of an entity of type `kind` from its JSON text (when `data` came\n\
         /// before `type` on the line).\n\
         pub(crate) fn from_raw(kind: &str, raw: &RawValue) -> Result<SyncEntity, serde_json::Error> {\n\
         \x20   let text = raw.get();\n\
         \x20   Ok(match kind {\n",
    );
    for e in entities {
        out.push_str(&format!(
            "        {:?} => SyncEntity::{}(serde_json::from_str(text)?),\n",
            e.kind,
            names::variant(&e.kind)
        ));
    }
    out.push_str(
        "        other => SyncEntity::Unknown {\n\
         \x20           kind: other.to_owned(),\n\
         \x20           raw: text.to_owned(),\n\
         \x20       },\n    })\n}\n",
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOCUMENT: &str = r#"{
        "openapi": "3.0.0",
        "info": {"title": "t", "version": "3.0.0"},
        "paths": {},
        "components": {"schemas": {
            "SyncEntityType": {"type": "string", "enum": ["AssetV1", "PartnerAssetV1", "SyncAckV1"]},
            "SyncAssetV1": {"type": "object", "required": ["id"], "properties": {"id": {"type": "string"}}},
            "SyncAckV1": {"type": "object", "properties": {}},
            "SyncOrphanV1": {"type": "object", "properties": {}}
        }}
    }"#;

    fn read(payloads: &[(&str, &str)]) -> Result<Vec<Entity>, String> {
        let doc: OpenAPI = serde_json::from_str(DOCUMENT).unwrap();
        let mut types = Types::new(&doc);
        let entities = read_entities_with(&doc, &mut types, payloads)?.unwrap();
        assert!(
            types.models.contains_key("SyncOrphanV1"),
            "every payload schema"
        );
        Ok(entities)
    }

    #[test]
    fn entity_types_find_their_schemas_and_overrides_are_checked() {
        let entities = read(&[("PartnerAssetV1", "SyncAssetV1")]).unwrap();
        let pairs: Vec<(&str, &str)> = entities
            .iter()
            .map(|e| (e.kind.as_str(), e.schema.as_str()))
            .collect();
        assert_eq!(
            pairs,
            [
                ("AssetV1", "SyncAssetV1"),
                ("PartnerAssetV1", "SyncAssetV1"),
                ("SyncAckV1", "SyncAckV1")
            ]
        );
        let missing = read(&[]).unwrap_err();
        assert!(
            missing.contains("SyncEntityType PartnerAssetV1 has no payload schema"),
            "{missing}"
        );
        let gone = read(&[
            ("PartnerAssetV1", "SyncAssetV1"),
            ("StackV9", "SyncAssetV1"),
        ])
        .unwrap_err();
        assert!(
            gone.contains("override StackV9 => SyncAssetV1 no longer matches"),
            "{gone}"
        );
        let by_name = read(&[
            ("PartnerAssetV1", "SyncAssetV1"),
            ("AssetV1", "SyncAssetV1"),
        ])
        .unwrap_err();
        assert!(by_name.contains("is found by name"), "{by_name}");
        let no_schema = read(&[("PartnerAssetV1", "SyncPartnerAssetV1")]).unwrap_err();
        assert!(
            no_schema.contains("has no schema SyncPartnerAssetV1"),
            "{no_schema}"
        );
    }

    #[test]
    fn payload_names() {
        assert!(is_payload_name("SyncAssetV2"));
        assert!(is_payload_name("SyncAckV1"));
        assert!(!is_payload_name("SyncStreamDto"));
        assert!(!is_payload_name("SyncEntityType"));
        assert!(!is_payload_name("AssetV1"));
    }
}
