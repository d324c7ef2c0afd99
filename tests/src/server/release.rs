//! The emulated release's view of a request, from the catalogue's spans (no list of its own).
//!
//! What a release does with what it does not have, as the real servers do:
//! - an operation outside its span: `404 Cannot METHOD /api/...` (after authentication);
//! - a query parameter or body field it lacks: dropped unread by v1.1xx and v2 (their
//!   validation pipe whitelists and strips unknown properties, so a filter the release lacks
//!   silently widens the answer), refused with `400` by v3 (its schemas reject unknown keys);
//! - an enum value it lacks, of a parameter or field it has: `400` on every release.

use http::StatusCode;
use immich_proto::catalogue::{self, Operation};
use immich_proto::ServerVersion;
use serde_json::Value;

use super::routes::{Ctx, Failure};
use super::Version;

fn server_version(version: Version) -> ServerVersion {
    ServerVersion::new(version.major, version.minor, version.patch)
}

/// Whether `version` has `item` of `operation` (an item without a span of its own is there
/// whenever the operation is).
fn has(operation: &Operation, item: &str, version: Version) -> bool {
    let found = server_version(version);
    operation.span(item).is_none_or(|span| {
        span.since <= found && span.until.as_ref().is_none_or(|last| found <= *last)
    })
}

/// The operation of the request, when the catalogue knows its route.
fn operation(ctx: &Ctx<'_>) -> Option<&'static Operation> {
    catalogue::find_route(ctx.head.method.as_str(), ctx.path)
}

/// `404` when the release does not have the request's operation at all.
pub(crate) fn check_route(ctx: &Ctx<'_>) -> Result<(), Failure> {
    let Some(op) = operation(ctx) else {
        return Ok(());
    };
    let found = server_version(ctx.version);
    if found < op.since || op.until.as_ref().is_some_and(|last| found > *last) {
        return Err(Failure::new(
            StatusCode::NOT_FOUND,
            format!("Cannot {} /api{}", ctx.head.method, ctx.path),
        ));
    }
    Ok(())
}

/// What the release does with something it lacks: `Ok(false)` to drop it unread (v1, v2),
/// a `400` on v3.
fn lacking(ctx: &Ctx<'_>, place: &str, name: &str) -> Result<bool, Failure> {
    if ctx.version.is_v3() {
        return Err(Failure::invalid(
            format!("Unrecognized key: {name}"),
            &[place, name],
        ));
    }
    Ok(false)
}

fn bad_value(name: &str, value: &str, place: &str) -> Failure {
    Failure::invalid(
        format!("{name} has an invalid value: {value}"),
        &[place, name],
    )
}

/// Checks one named item and its value(s): `Ok(true)` to keep it, `Ok(false)` to drop it.
fn screen_one<'v>(
    ctx: &Ctx<'_>,
    op: &Operation,
    kind: &str,
    place: &str,
    name: &str,
    values: impl Iterator<Item = &'v str>,
) -> Result<bool, Failure> {
    if !has(op, &format!("{kind}:{name}"), ctx.version) {
        return lacking(ctx, place, name);
    }
    for value in values {
        if !has(op, &format!("enum:{name}={value}"), ctx.version) {
            return Err(bad_value(name, value, place));
        }
    }
    Ok(true)
}

/// The query pairs the release reads (see the module doc).
pub(crate) fn screen_query(ctx: &Ctx<'_>) -> Result<Vec<(String, String)>, Failure> {
    let Some(op) = operation(ctx).filter(|op| !op.items.is_empty()) else {
        return Ok(ctx.query.clone());
    };
    let mut kept = Vec::new();
    for (name, value) in &ctx.query {
        if screen_one(
            ctx,
            op,
            "query",
            "query",
            name,
            std::iter::once(value.as_str()),
        )? {
            kept.push((name.clone(), value.clone()));
        }
    }
    Ok(kept)
}

/// Drops the top-level fields of a JSON body the release lacks, or refuses them (see the
/// module doc).
pub(crate) fn screen_json(ctx: &Ctx<'_>, body: &mut Value) -> Result<(), Failure> {
    let Some(op) = operation(ctx).filter(|op| !op.items.is_empty()) else {
        return Ok(());
    };
    let Some(fields) = body.as_object_mut() else {
        return Ok(());
    };
    let mut dropped = Vec::new();
    for (name, value) in fields.iter() {
        let values: Vec<&str> = match value {
            Value::Array(values) => values.iter().filter_map(Value::as_str).collect(),
            one => one.as_str().into_iter().collect(),
        };
        if !screen_one(ctx, op, "field", "body", name, values.into_iter())? {
            dropped.push(name.clone());
        }
    }
    for name in dropped {
        fields.remove(&name);
    }
    Ok(())
}

/// The text fields of a form the release reads (see the module doc).
pub(crate) fn screen_form(
    ctx: &Ctx<'_>,
    fields: &[(String, String)],
) -> Result<Vec<(String, String)>, Failure> {
    let Some(op) = operation(ctx).filter(|op| !op.items.is_empty()) else {
        return Ok(fields.to_vec());
    };
    let mut kept = Vec::new();
    for (name, value) in fields {
        if screen_one(
            ctx,
            op,
            "field",
            "body",
            name,
            std::iter::once(value.as_str()),
        )? {
            kept.push((name.clone(), value.clone()));
        }
    }
    Ok(kept)
}
