//! `tests/src/samples.rs`: one sample of every generated operation, with a valid value for each
//! required argument, so the golden tests and the conformance suite cover every operation
//! without a hand-written list.

use crate::names;
use crate::operations::{Answer, Body, Operation};
use crate::types::{Holding, Kind, Model, Ty, Types};

/// The uuid every sample id holds (a version-4 UUID, as the v3 document's pattern wants).
const SAMPLE_UUID: &str = "0000a55e-0000-4000-8000-0000000000aa";

/// Renders the file.
pub fn render(operations: &[Operation], types: &Types<'_>, header: &str) -> Result<String, String> {
    let mut out = String::new();
    out.push_str(header);
    out.push_str(
        "//! A sample of every generated operation of immich-proto, with a valid value for each\n\
         //! required argument: the golden tests and the conformance suite walk them all.\n\n\
         #![allow(clippy::too_many_lines)]\n\n",
    );
    out.push_str(&format!(
        "/// The id every sample holds.\npub const SAMPLE_UUID: &str = {SAMPLE_UUID:?};\n\n"
    ));
    out.push_str(
        "/// What a walk over the samples does with each.\n\
         pub trait Visit {\n\
         \x20   /// An operation with a JSON (or empty) answer.\n\
         \x20   fn endpoint<E>(&mut self, endpoint: E)\n\
         \x20   where\n\
         \x20       E: immich_proto::Endpoint + std::fmt::Debug + Clone + Send + Sync + 'static,\n\
         \x20       E::Output: std::fmt::Debug + Send;\n\
         \x20   /// An operation whose answer is a byte stream.\n\
         \x20   fn media<M>(&mut self, media: M)\n\
         \x20   where\n\
         \x20       M: immich_proto::MediaEndpoint + std::fmt::Debug + Clone + Send + Sync + 'static;\n\
         }\n\n",
    );
    let generated: Vec<&Operation> = operations.iter().filter(|o| o.hand.is_none()).collect();
    out.push_str(&format!(
        "/// The operationIds of the samples ({}), in the order [`visit_all`] hands them out.\n",
        generated.len()
    ));
    out.push_str("pub const SAMPLED: &[&str] = &[\n");
    for op in &generated {
        out.push_str(&format!("    {:?},\n", op.id));
    }
    out.push_str("];\n\n");
    let mut walk = String::new();
    walk.push_str(
        "/// Hands a sample of every generated operation to `visit`, in operationId order.\n",
    );
    walk.push_str("pub fn visit_all(visit: &mut impl Visit) {\n");
    for op in &generated {
        // Optional files are sent too, so every multipart field is validated.
        let mut optional_files = Vec::new();
        let mut args = Vec::new();
        for p in &op.path_params {
            args.push(sample(&p.ty, types, 0)?);
        }
        for p in op.query.iter().chain(&op.headers).filter(|p| p.required) {
            args.push(sample(&p.ty, types, 0)?);
        }
        match &op.body {
            Some(Body::Json { ty, required: true }) | Some(Body::Form(ty)) => {
                args.push(sample(ty, types, 0)?)
            }
            Some(Body::Files(files)) => {
                for (name, required, _) in files {
                    if *required {
                        args.push(FORM_FILE.to_owned());
                    } else {
                        optional_files.push(names::field(name));
                    }
                }
            }
            _ => {}
        }
        let call = match op.answer {
            Answer::Media => "media",
            _ => "endpoint",
        };
        let new = format!("immich_proto::{}::new({})", op.rust_path(), args.join(", "));
        if optional_files.is_empty() {
            walk.push_str(&format!("    visit.{call}({new});\n"));
        } else {
            walk.push_str(&format!(
                "    visit.{call}({{\n        let mut operation = {new};\n"
            ));
            for field in optional_files {
                walk.push_str(&format!("        operation.{field} = Some({FORM_FILE});\n"));
            }
            walk.push_str("        operation\n    });\n");
        }
    }
    walk.push_str("}\n");
    // The helpers the samples use (an unused one would be dead code).
    if calls(&walk, "date_time") {
        out.push_str(
            "fn date_time() -> immich_proto::DateTime {\n\
             \x20   immich_proto::DateTime::from_unix(1_704_164_645, 0)\n\
             }\n\n",
        );
    }
    if calls(&walk, "date") {
        out.push_str(
            "fn date() -> immich_proto::Date {\n\
             \x20   immich_proto::Date::parse(\"2024-01-02\").unwrap_or_else(|| unreachable!(\"a valid date\"))\n\
             }\n\n",
        );
    }
    out.push_str(&walk);
    Ok(out)
}

/// Whether `code` calls the helper `name()` (not a function whose name ends like it).
fn calls(code: &str, name: &str) -> bool {
    let call = format!("{name}()");
    code.match_indices(&call).any(|(at, _)| {
        !code[..at]
            .chars()
            .next_back()
            .is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':')
    })
}

/// The in-memory file every sample sends in a multipart field.
const FORM_FILE: &str = "immich_proto::multipart::FormFile::new(\"sample.jpg\", \"image/jpeg\", bytes::Bytes::from_static(b\"sample\"))";

/// A Rust expression for a valid value of `ty`.
fn sample(ty: &Ty, types: &Types<'_>, depth: usize) -> Result<String, String> {
    if depth > 8 {
        return Err(format!("sample of {}: the schema nests too deep", ty.rust));
    }
    let rust = ty.rust.replace("crate::", "immich_proto::");
    Ok(match &ty.kind {
        Kind::Text(pattern, format) => format!(
            "{:?}.to_owned()",
            text_for(pattern.as_deref(), format.as_deref())
        ),
        Kind::Secret(pattern) => format!(
            "immich_proto::Secret::new({:?})",
            match pattern.as_deref() {
                Some(p) => text_for(Some(p), None),
                None => "sample-secret",
            }
        ),
        Kind::DateTime => "date_time()".to_owned(),
        Kind::Date => "date()".to_owned(),
        Kind::Id => format!("{rust}::new_unchecked(SAMPLE_UUID)"),
        Kind::Bool => "false".to_owned(),
        Kind::Int(min) => format!("{}_i64", min.unwrap_or(1).max(1)),
        // The minimum itself where there is one: the schema's maximum may be below 1
        // (`DuplicateDetectionConfig.maxDistance` is 0.001 to 0.1), never below its minimum.
        Kind::Float(min) => format!("{:?}_f64", min.unwrap_or(1.0)),
        Kind::Enum(first) => format!("{rust}::from({first:?})"),
        Kind::Struct(name) => {
            let Some(Model::Struct { fields, .. }) = types.models.get(name) else {
                return Err(format!("sample of {name}: not a generated struct"));
            };
            let mut args = Vec::new();
            for field in fields.iter().filter(|f| f.holding(true) == Holding::Plain) {
                args.push(sample(&field.ty, types, depth + 1)?);
            }
            format!("{rust}::new({})", args.join(", "))
        }
        Kind::OneOf(name) => {
            let Some(Model::OneOf { variants, .. }) = types.models.get(name) else {
                return Err(format!("sample of {name}: not a generated anyOf"));
            };
            let (variant, inner) = variants
                .first()
                .ok_or_else(|| format!("sample of {name}: no variants"))?;
            format!("{rust}::{variant}({})", sample(inner, types, depth + 1)?)
        }
        // As many items as `minItems` asks for (`StackCreateDto.assetIds` wants 2), at least one.
        Kind::List(item, min_items) => {
            let item = sample(item, types, depth + 1)?;
            format!("vec![{}]", vec![item; (*min_items).max(1)].join(", "))
        }
        Kind::JsonObject => "serde_json::Map::new()".to_owned(),
        Kind::Json => "serde_json::Value::Null".to_owned(),
        Kind::Hand => {
            return Err(format!(
                "sample of hand-written {}: a generated request needs a hand-written model",
                ty.rust
            ))
        }
    })
}

/// A text that matches the schema's pattern and format (the document's are few and known).
fn text_for(pattern: Option<&str>, format: Option<&str>) -> &'static str {
    match pattern {
        None => match format {
            Some("uri") => "https://example.com/sample",
            Some("email") => "user@example.com",
            _ => "sample",
        },
        Some(p) if p.contains('@') => "user@example.com",
        Some(p) if p.contains("IM(SV|CL)") => "IMCL-AAAA-AAAA-AAAA-AAAA-AAAA-AAAA-AAAA-AAAA",
        Some(p) if p.contains("[0-9A-Fa-f]{3}") => "#ff0000",
        Some(p) if p.contains("\\d{6}") => "123456",
        Some(p) if p.contains("[01]\\d|2[0-3]") => "12:00",
        Some(p) if p.contains("\\*") => "0 0 * * *",
        Some(_) => "sample",
    }
}
