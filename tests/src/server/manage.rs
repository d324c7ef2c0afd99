//! The endpoints uploaders, backup tools, viewers and frames use beyond the basics: asset
//! management and the trash, album management, shared links, memories, random picks, the
//! timeline, the map, stacks and the API key's permissions. Each answers in the emulated
//! version's shape and validates what the real server would refuse.

use std::collections::BTreeSet;

use http::StatusCode;
use immich_proto::catalogue;
use serde_json::{json, Value};

use super::body::ReplyBody;
use super::routes::{body_bool, body_int, id_list, json_with_etag, Ctx, Failure, Handled, Reply};
use super::store::{self, fixtures, Asset, Kind, Store};
use super::util::{self, is_uuid};
use super::{lock, Version};

const NOW: &str = "2025-01-01T00:00:00.000Z";

fn no_content() -> Reply {
    Reply::new(StatusCode::NO_CONTENT, "", ReplyBody::empty())
}

fn body_str<'a>(body: &'a Value, key: &str) -> Result<Option<&'a str>, Failure> {
    match body.get(key) {
        None => Ok(None),
        Some(Value::String(text)) => Ok(Some(text)),
        Some(_) => Err(Failure::invalid(
            format!("{key} must be a string"),
            &["body", key],
        )),
    }
}

fn body_number(body: &Value, key: &str, min: f64, max: f64) -> Result<Option<f64>, Failure> {
    match body.get(key) {
        None => Ok(None),
        Some(value) => match value.as_f64() {
            Some(n) if (min..=max).contains(&n) => Ok(Some(n)),
            _ => Err(Failure::invalid(
                format!("{key} must be a number from {min} to {max}"),
                &["body", key],
            )),
        },
    }
}

fn visibility_value(ctx: &Ctx<'_>, text: &str, place: &[&str]) -> Result<String, Failure> {
    let allowed: &[&str] = if ctx.version.at_least(1, 133) {
        &["archive", "timeline", "hidden", "locked"]
    } else {
        &[]
    };
    if allowed.contains(&text) {
        Ok(text.to_owned())
    } else {
        Err(Failure::invalid(
            format!("visibility must be one of: {}", allowed.join(", ")),
            place,
        ))
    }
}

/// Checks the changes of `PUT /assets` and `PUT /assets/{id}` and applies them to `ids`.
fn apply_changes(ctx: &Ctx<'_>, ids: &[String], body: &Value) -> Result<(), Failure> {
    let favorite = body_bool(body, "isFavorite")?;
    let description = body_str(body, "description")?.map(str::to_owned);
    let rating = match body.get("rating") {
        None => None,
        // v2.6 and newer clear with null; older servers with 0.
        Some(Value::Null) if ctx.version.at_least(2, 6) => Some(None),
        Some(value) => match value.as_i64() {
            Some(0) if !ctx.version.at_least(2, 6) => Some(None),
            Some(n @ 1..=5) => Some(Some(n)),
            _ => {
                return Err(Failure::invalid(
                    "rating must be an integer from 1 to 5, or null",
                    &["body", "rating"],
                ))
            }
        },
    };
    let visibility = match body_str(body, "visibility")? {
        Some(text) => Some(visibility_value(ctx, text, &["body", "visibility"])?),
        None => None,
    };
    let archived = body_bool(body, "isArchived")?;
    if archived.is_some() && ctx.version.at_least(1, 133) {
        return Err(Failure::invalid(
            "Unrecognized key: isArchived",
            &["body", "isArchived"],
        ));
    }
    let taken = match body_str(body, "dateTimeOriginal")? {
        Some(text) if util::is_rfc3339(text) => Some(text.to_owned()),
        Some(_) => {
            return Err(Failure::invalid(
                "dateTimeOriginal must be a date-time",
                &["body", "dateTimeOriginal"],
            ))
        }
        None => None,
    };
    let latitude = body_number(body, "latitude", -90.0, 90.0)?;
    let longitude = body_number(body, "longitude", -180.0, 180.0)?;
    if latitude.is_some() != longitude.is_some() {
        return Err(Failure::bad_request("latitude and longitude go together"));
    }
    let mut store = lock(&ctx.shared.store);
    for id in ids {
        let Some(asset) = store
            .assets
            .iter_mut()
            .find(|a| a.id.eq_ignore_ascii_case(id) && a.owner == fixtures::me())
        else {
            return Err(Failure::no_access("asset.update"));
        };
        if let Some(favorite) = favorite {
            asset.favorite = favorite;
        }
        if let Some(visibility) = &visibility {
            asset.visibility.clone_from(visibility);
        }
        if let Some(archived) = archived {
            asset.visibility = if archived { "archive" } else { "timeline" }.to_owned();
        }
        let edits = store.edits_mut(id);
        if let Some(description) = &description {
            edits.description = Some(description.clone());
        }
        if let Some(rating) = rating {
            edits.rating = rating;
        }
        if let Some(taken) = &taken {
            edits.taken = Some(taken.clone());
        }
        if let (Some(lat), Some(lon)) = (latitude, longitude) {
            edits.location = Some((lat, lon));
        }
    }
    Ok(())
}

pub(crate) fn update_asset(ctx: &Ctx<'_>, id: &str, body: Value) -> Handled {
    apply_changes(ctx, &[id.to_owned()], &body)?;
    let store = lock(&ctx.shared.store);
    let asset = store
        .asset(id)
        .ok_or_else(|| Failure::no_access("asset.update"))?;
    Ok(Reply::json(
        StatusCode::OK,
        &store::asset_json(asset, ctx.version, &store, true),
    ))
}

fn required_ids(ctx: &Ctx<'_>, body: &Value) -> Result<Vec<String>, Failure> {
    match id_list(ctx, body, "ids")? {
        Some(ids) if !ids.is_empty() => Ok(ids),
        _ => Err(Failure::invalid(
            "ids must be a non-empty array",
            &["body", "ids"],
        )),
    }
}

pub(crate) fn update_assets(ctx: &Ctx<'_>, body: Value) -> Handled {
    let ids = required_ids(ctx, &body)?;
    apply_changes(ctx, &ids, &body)?;
    Ok(no_content())
}

pub(crate) fn delete_assets(ctx: &Ctx<'_>, body: Value) -> Handled {
    let ids = required_ids(ctx, &body)?;
    let force = body_bool(&body, "force")?.unwrap_or(false);
    let mut store = lock(&ctx.shared.store);
    for id in &ids {
        if store
            .asset(id)
            .is_none_or(|asset| asset.owner != fixtures::me())
        {
            return Err(Failure::no_access("asset.delete"));
        }
    }
    for id in &ids {
        if force {
            store.assets.retain(|a| !a.id.eq_ignore_ascii_case(id));
            for album in &mut store.albums {
                album.assets.retain(|a| !a.eq_ignore_ascii_case(id));
            }
        } else {
            store.edits_mut(id).trashed = true;
            store.touch(id);
        }
    }
    Ok(no_content())
}

pub(crate) fn empty_trash(ctx: &Ctx<'_>) -> Handled {
    let mut store = lock(&ctx.shared.store);
    let trashed: Vec<String> = store
        .assets
        .iter()
        .filter(|a| a.owner == fixtures::me() && store.is_trashed(&a.id))
        .map(|a| a.id.clone())
        .collect();
    store.assets.retain(|a| !trashed.contains(&a.id));
    if ctx.v3() {
        Ok(Reply::json(
            StatusCode::OK,
            &json!({ "count": trashed.len() }),
        ))
    } else {
        // Older servers answered without a count.
        Ok(no_content())
    }
}

/// The caller's assets that pass the usual filters (`isFavorite`, `isTrashed` default false,
/// `visibility` or `isArchived`) of a query.
fn my_assets<'a>(ctx: &Ctx<'_>, store: &'a Store) -> Result<Vec<&'a Asset>, Failure> {
    let favorite = ctx.bool_query("isFavorite")?;
    let trashed = ctx.bool_query("isTrashed")?.unwrap_or(false);
    let visibility = match ctx.query("visibility") {
        Some(text) => Some(visibility_value(ctx, text, &["query", "visibility"])?),
        None => None,
    };
    let archived = ctx.bool_query("isArchived")?;
    Ok(store
        .assets
        .iter()
        .filter(|a| a.owner == fixtures::me())
        .filter(|a| store.is_trashed(&a.id) == trashed)
        .filter(|a| favorite.is_none_or(|f| a.favorite == f))
        .filter(|a| visibility.as_ref().is_none_or(|v| a.visibility == *v))
        .filter(|a| archived.is_none_or(|v| (a.visibility == "archive") == v))
        .collect())
}

pub(crate) fn asset_statistics(ctx: &Ctx<'_>) -> Handled {
    let store = lock(&ctx.shared.store);
    let assets = my_assets(ctx, &store)?;
    let images = assets.iter().filter(|a| a.kind == Kind::Image).count();
    let videos = assets.len() - images;
    Ok(json_with_etag(
        ctx,
        &json!({ "images": images, "videos": videos, "total": assets.len() }),
    ))
}

// ---- albums

/// Members from a body's `albumUsers`: `[{userId, role}]`, role `editor` or `viewer`.
pub(crate) fn members(ctx: &Ctx<'_>, body: &Value) -> Result<Vec<(String, String)>, Failure> {
    let Some(users) = body.get("albumUsers") else {
        return Ok(Vec::new());
    };
    let Some(users) = users.as_array() else {
        return Err(Failure::invalid(
            "albumUsers must be an array",
            &["body", "albumUsers"],
        ));
    };
    users
        .iter()
        .map(|user| {
            let id = user.get("userId").and_then(Value::as_str).unwrap_or("");
            let role = user.get("role").and_then(Value::as_str).unwrap_or("");
            if !is_uuid(id, ctx.v3()) {
                return Err(Failure::invalid(
                    "Invalid UUID",
                    &["body", "albumUsers", "userId"],
                ));
            }
            role_value(role)?;
            Ok((id.to_ascii_lowercase(), role.to_owned()))
        })
        .collect()
}

fn role_value(role: &str) -> Result<(), Failure> {
    if matches!(role, "editor" | "viewer") {
        Ok(())
    } else {
        Err(Failure::invalid(
            "role must be one of: editor, viewer",
            &["body", "role"],
        ))
    }
}

/// The caller's own album `id`, to change.
fn my_album<'a>(
    store: &'a mut Store,
    id: &str,
    permission: &str,
) -> Result<&'a mut store::Album, Failure> {
    store
        .albums
        .iter_mut()
        .find(|a| a.id.eq_ignore_ascii_case(id) && a.owner == fixtures::me())
        .ok_or_else(|| Failure::no_access(permission))
}

fn album_reply(ctx: &Ctx<'_>, store: &Store, id: &str) -> Handled {
    let album = store
        .album(id)
        .ok_or_else(|| Failure::no_access("album.read"))?;
    Ok(Reply::json(
        StatusCode::OK,
        &store::album_json(album, ctx.version, store, !ctx.v3()),
    ))
}

pub(crate) fn update_album(ctx: &Ctx<'_>, id: &str, body: Value) -> Handled {
    let name = body_str(&body, "albumName")?.map(str::to_owned);
    let description = body_str(&body, "description")?.map(str::to_owned);
    let order = match body_str(&body, "order")? {
        Some(order @ ("asc" | "desc")) => Some(order.to_owned()),
        Some(_) => {
            return Err(Failure::invalid(
                "order must be one of: asc, desc",
                &["body", "order"],
            ))
        }
        None => None,
    };
    body_bool(&body, "isActivityEnabled")?;
    if let Some(thumbnail) = body_str(&body, "albumThumbnailAssetId")? {
        if !is_uuid(thumbnail, ctx.v3()) {
            return Err(Failure::invalid(
                "Invalid UUID",
                &["body", "albumThumbnailAssetId"],
            ));
        }
    }
    let mut store = lock(&ctx.shared.store);
    let album = my_album(&mut store, id, "album.update")?;
    if let Some(name) = name {
        album.name = name;
    }
    if let Some(description) = description {
        album.description = description;
    }
    if let Some(order) = order {
        album.order = order;
    }
    album_reply(ctx, &store, id)
}

pub(crate) fn delete_album(ctx: &Ctx<'_>, id: &str) -> Handled {
    let mut store = lock(&ctx.shared.store);
    my_album(&mut store, id, "album.delete")?;
    store.albums.retain(|a| !a.id.eq_ignore_ascii_case(id));
    Ok(no_content())
}

pub(crate) fn remove_assets(ctx: &Ctx<'_>, id: &str, body: Value) -> Handled {
    let ids = required_ids(ctx, &body)?;
    let mut store = lock(&ctx.shared.store);
    let album = my_album(&mut store, id, "albumAsset.delete")?;
    let results: Vec<Value> = ids
        .iter()
        .map(|asset| {
            if album.assets.contains(asset) {
                album.assets.retain(|a| a != asset);
                json!({ "id": asset, "success": true })
            } else {
                json!({ "id": asset, "success": false, "error": "not_found" })
            }
        })
        .collect();
    Ok(Reply::json(StatusCode::OK, &Value::Array(results)))
}

pub(crate) fn add_users(ctx: &Ctx<'_>, id: &str, body: Value) -> Handled {
    let added = members(ctx, &body)?;
    if added.is_empty() {
        return Err(Failure::invalid(
            "albumUsers must not be empty",
            &["body", "albumUsers"],
        ));
    }
    let mut store = lock(&ctx.shared.store);
    let album = my_album(&mut store, id, "albumUser.create")?;
    for (user, role) in added {
        if user == album.owner || album.members.iter().any(|(u, _)| *u == user) {
            return Err(Failure::bad_request("User already added"));
        }
        album.members.push((user, role));
    }
    album.shared = true;
    album_reply(ctx, &store, id)
}

/// `PUT` (with a body: change the role) or `DELETE` (without) `/albums/{id}/user/{user}`.
pub(crate) fn update_member(ctx: &Ctx<'_>, id: &str, user: &str, body: Option<Value>) -> Handled {
    let user = if user == "me" && body.is_none() {
        fixtures::me()
    } else if is_uuid(user, false) {
        user.to_ascii_lowercase()
    } else {
        return Err(Failure::invalid("Invalid UUID", &["params", "userId"]));
    };
    let role = match &body {
        Some(body) => {
            let role = body_str(body, "role")?.unwrap_or("");
            role_value(role)?;
            Some(role.to_owned())
        }
        None => None,
    };
    let mut store = lock(&ctx.shared.store);
    let permission = if role.is_some() {
        "albumUser.update"
    } else {
        "albumUser.delete"
    };
    let album = my_album(&mut store, id, permission)?;
    let Some(index) = album.members.iter().position(|(u, _)| *u == user) else {
        return Err(Failure::bad_request("User not found in album"));
    };
    match role {
        Some(role) => album.members[index].1 = role,
        None => {
            album.members.remove(index);
            album.shared = !album.members.is_empty();
        }
    }
    Ok(no_content())
}

pub(crate) fn album_statistics(ctx: &Ctx<'_>) -> Handled {
    let store = lock(&ctx.shared.store);
    let me = fixtures::me();
    let owned = store.albums.iter().filter(|a| a.owner == me).count();
    let shared = store.albums.iter().filter(|a| a.shared).count();
    let not_shared = store
        .albums
        .iter()
        .filter(|a| a.owner == me && !a.shared)
        .count();
    Ok(json_with_etag(
        ctx,
        &json!({ "owned": owned, "shared": shared, "notShared": not_shared }),
    ))
}

// ---- shared links

pub(crate) fn link_json(ctx: &Ctx<'_>, store: &Store, link: &store::SharedLink) -> Value {
    let assets: Vec<Value> = link
        .assets
        .iter()
        .filter_map(|id| store.asset(id))
        .map(|a| store::asset_json(a, ctx.version, store, false))
        .collect();
    let mut value = json!({
        "id": link.id,
        "key": link.key,
        "type": if link.album.is_some() { "ALBUM" } else { "INDIVIDUAL" },
        "userId": fixtures::me(),
        "assets": assets,
        "allowDownload": link.allow_download,
        "allowUpload": link.allow_upload,
        "showMetadata": link.show_metadata,
        "createdAt": NOW,
        "expiresAt": link.expires,
        "description": link.description,
        "password": link.password,
        "slug": link.slug,
    });
    if let Some(album) = link.album.as_deref().and_then(|id| store.album(id)) {
        value["album"] = store::album_json(album, ctx.version, store, false);
    }
    value
}

pub(crate) fn shared_links(ctx: &Ctx<'_>) -> Handled {
    let album = ctx.query("albumId").map(str::to_ascii_lowercase);
    let store = lock(&ctx.shared.store);
    let links: Vec<Value> = store
        .shared_links
        .iter()
        .filter(|l| album.is_none() || l.album == album)
        .map(|l| link_json(ctx, &store, l))
        .collect();
    Ok(json_with_etag(ctx, &Value::Array(links)))
}

pub(crate) fn create_shared_link(ctx: &Ctx<'_>, body: Value) -> Handled {
    let link_type = body_str(&body, "type")?.unwrap_or("");
    let album = body_str(&body, "albumId")?.map(str::to_ascii_lowercase);
    let assets = id_list(ctx, &body, "assetIds")?.unwrap_or_default();
    let expires = match body.get("expiresAt") {
        None | Some(Value::Null) => None,
        Some(Value::String(text))
            if (ctx.v3() && util::is_utc_date_time(text))
                || (!ctx.v3() && util::is_rfc3339(text)) =>
        {
            Some(text.clone())
        }
        Some(_) => {
            return Err(Failure::invalid(
                "expiresAt must be a date-time (UTC, ending in Z)",
                &["body", "expiresAt"],
            ))
        }
    };
    let mut store = lock(&ctx.shared.store);
    match link_type {
        "ALBUM" => {
            let known = album.as_deref().is_some_and(|id| store.album(id).is_some());
            if !known {
                return Err(Failure::bad_request("Invalid albumId"));
            }
        }
        "INDIVIDUAL" => {
            if assets.is_empty() || assets.iter().any(|id| store.asset(id).is_none()) {
                return Err(Failure::bad_request("Invalid assetIds"));
            }
        }
        _ => {
            return Err(Failure::invalid(
                "type must be one of: ALBUM, INDIVIDUAL",
                &["body", "type"],
            ))
        }
    }
    store.next_link += 1;
    let n = store.next_link;
    let link = store::SharedLink {
        id: util::uuid(0x5a7e, n),
        key: format!("key-{n:04}"),
        album: album.filter(|_| link_type == "ALBUM"),
        assets,
        expires,
        description: body_str(&body, "description")?.map(str::to_owned),
        password: body_str(&body, "password")?.map(str::to_owned),
        // Servers before v1.137 drop the field they do not know.
        slug: body_str(&body, "slug")?
            .filter(|_| ctx.version.at_least(1, 137))
            .map(str::to_owned),
        allow_download: body_bool(&body, "allowDownload")?.unwrap_or(true),
        allow_upload: body_bool(&body, "allowUpload")?.unwrap_or(false),
        show_metadata: body_bool(&body, "showMetadata")?.unwrap_or(true),
    };
    let value = link_json(ctx, &store, &link);
    store.shared_links.push(link);
    Ok(Reply::json(StatusCode::CREATED, &value))
}

pub(crate) fn remove_shared_link(ctx: &Ctx<'_>, id: &str) -> Handled {
    let mut store = lock(&ctx.shared.store);
    let before = store.shared_links.len();
    store
        .shared_links
        .retain(|l| !l.id.eq_ignore_ascii_case(id));
    if store.shared_links.len() == before {
        return Err(Failure::no_access("sharedLink.delete"));
    }
    Ok(no_content())
}

// ---- viewers and frames

pub(crate) fn memories(ctx: &Ctx<'_>) -> Handled {
    if !ctx.version.at_least(1, 127) {
        return Err(Failure::new(
            StatusCode::NOT_FOUND,
            "Cannot GET /api/memories",
        ));
    }
    if let Some(day) = ctx.query("for") {
        // v3.0.0 to v3.0.2 require a UTC date-time; v3.0.3 a date.
        let date_only = ctx.version >= Version::new(3, 0, 3);
        let ok = if date_only {
            day.len() == 10 && util::is_rfc3339(&format!("{day}T00:00:00Z"))
        } else {
            util::is_rfc3339(day)
        };
        if !ok {
            return Err(Failure::invalid(
                "for must be a valid date",
                &["query", "for"],
            ));
        }
    }
    ctx.bool_query("isSaved")?;
    ctx.bool_query("isTrashed")?;
    let size = ctx.int_query("size", 1, 9_007_199_254_740_991, 100)? as usize;
    let store = lock(&ctx.shared.store);
    let Some(beach) = store.asset(&fixtures::asset_beach()) else {
        return Ok(json_with_etag(ctx, &json!([])));
    };
    let memory = json!({
        "id": util::uuid(0x3e3, 1),
        "ownerId": fixtures::me(),
        "type": "on_this_day",
        "data": { "year": 2024 },
        "isSaved": false,
        "memoryAt": "2024-05-01T00:00:00.000Z",
        "createdAt": NOW,
        "updatedAt": NOW,
        "assets": [store::asset_json(beach, ctx.version, &store, false)],
    });
    let all = vec![memory];
    Ok(json_with_etag(
        ctx,
        &Value::Array(all.into_iter().take(size).collect()),
    ))
}

pub(crate) fn random(ctx: &Ctx<'_>, body: Value) -> Handled {
    let size = body_int(&body, "size", 1, 1000)?.unwrap_or(250) as usize;
    let favorite = body_bool(&body, "isFavorite")?;
    let store = lock(&ctx.shared.store);
    // Deterministic for tests: the newest first, not random.
    let picked: Vec<Value> = store
        .assets
        .iter()
        .rev()
        .filter(|a| a.owner == fixtures::me() && !store.is_trashed(&a.id))
        .filter(|a| favorite.is_none_or(|f| a.favorite == f))
        .take(size)
        .map(|a| store::asset_json(a, ctx.version, &store, false))
        .collect();
    Ok(Reply::json(StatusCode::OK, &Value::Array(picked)))
}

/// The month key of an asset (`YYYY-MM`).
fn month(asset: &Asset) -> &str {
    asset.created.get(..7).unwrap_or("")
}

/// The timeline filters every generation shares; v1.133 dropped `size` (before, it was
/// required and had to be `MONTH`).
fn timeline_assets<'a>(ctx: &Ctx<'_>, store: &'a Store) -> Result<Vec<&'a Asset>, Failure> {
    if ctx.version.at_least(1, 133) {
        ctx.refuse_query(&["size"])?;
    } else if ctx.query("size") != Some("MONTH") {
        return Err(Failure::invalid(
            "size must be one of: DAY, MONTH",
            &["query", "size"],
        ));
    }
    let album = ctx.query("albumId").map(str::to_ascii_lowercase);
    let mut assets = my_assets(ctx, store)?;
    if let Some(album) = album {
        let holds = store
            .album(&album)
            .map(|a| a.assets.clone())
            .unwrap_or_default();
        assets.retain(|a| holds.contains(&a.id));
    }
    assets.sort_by(|a, b| b.created.cmp(&a.created));
    Ok(assets)
}

pub(crate) fn time_buckets(ctx: &Ctx<'_>) -> Handled {
    let store = lock(&ctx.shared.store);
    let assets = timeline_assets(ctx, &store)?;
    let mut buckets: Vec<(String, usize)> = Vec::new();
    for asset in assets {
        let key = month(asset);
        match buckets.last_mut() {
            Some((last, count)) if last == key => *count += 1,
            _ => buckets.push((key.to_owned(), 1)),
        }
    }
    let new = ctx.version.at_least(1, 133);
    let value: Vec<Value> = buckets
        .into_iter()
        .map(|(key, count)| {
            let bucket = if new {
                format!("{key}-01")
            } else {
                format!("{key}-01T00:00:00.000Z")
            };
            json!({ "timeBucket": bucket, "count": count })
        })
        .collect();
    Ok(json_with_etag(ctx, &Value::Array(value)))
}

pub(crate) fn time_bucket(ctx: &Ctx<'_>) -> Handled {
    let new = ctx.version.at_least(1, 133);
    let bucket = ctx.query("timeBucket").unwrap_or("");
    let well_formed = if new {
        bucket.len() == 10 && util::is_rfc3339(&format!("{bucket}T00:00:00Z"))
    } else {
        util::is_rfc3339(bucket)
    };
    if !well_formed {
        return Err(Failure::invalid(
            "timeBucket must be a valid date",
            &["query", "timeBucket"],
        ));
    }
    let key = &bucket[..7];
    let store = lock(&ctx.shared.store);
    let assets: Vec<&Asset> = timeline_assets(ctx, &store)?
        .into_iter()
        .filter(|a| month(a) == key)
        .collect();
    if !new {
        let value: Vec<Value> = assets
            .iter()
            .map(|a| store::asset_json(a, ctx.version, &store, true))
            .collect();
        return Ok(json_with_etag(ctx, &Value::Array(value)));
    }
    let with_coordinates = ctx.bool_query("withCoordinates")?.unwrap_or(false);
    let column = |f: &dyn Fn(&Asset) -> Value| -> Value {
        Value::Array(assets.iter().map(|a| f(a)).collect())
    };
    let stack_of = |a: &Asset| -> Value {
        store
            .stacks
            .iter()
            .find(|(_, members)| members.first() == Some(&a.id))
            .map_or(Value::Null, |(id, members)| {
                json!([id, members.len().to_string()])
            })
    };
    let mut value = json!({
        "id": column(&|a| json!(a.id)),
        "ownerId": column(&|a| json!(a.owner)),
        "ratio": column(&|_| json!(640.0 / 480.0)),
        "isFavorite": column(&|a| json!(a.favorite)),
        "visibility": column(&|a| json!(a.visibility)),
        "isTrashed": column(&|a| json!(store.is_trashed(&a.id))),
        "isImage": column(&|a| json!(a.kind == Kind::Image)),
        "thumbhash": column(&|_| Value::Null),
        "fileCreatedAt": column(&|a| json!(a.created)),
        "localOffsetHours": column(&|_| json!(0)),
        "duration": column(&|a| if a.kind == Kind::Video { json!(1500) } else { Value::Null }),
        "stack": column(&stack_of),
        "projectionType": column(&|_| Value::Null),
        "livePhotoVideoId": column(&|_| Value::Null),
        "city": column(&|_| Value::Null),
        "country": column(&|_| Value::Null),
    });
    if ctx.v3() {
        value["createdAt"] = column(&|a| json!(a.uploaded));
    }
    if with_coordinates {
        value["latitude"] = column(&|a| json!(store.edits(&a.id).location.map(|l| l.0)));
        value["longitude"] = column(&|a| json!(store.edits(&a.id).location.map(|l| l.1)));
    }
    Ok(json_with_etag(ctx, &value))
}

pub(crate) fn map_markers(ctx: &Ctx<'_>) -> Handled {
    let favorite = ctx.bool_query("isFavorite")?;
    ctx.bool_query("isArchived")?;
    ctx.bool_query("withPartners")?;
    ctx.bool_query("withSharedAlbums")?;
    let store = lock(&ctx.shared.store);
    let markers: Vec<Value> = store
        .assets
        .iter()
        .filter(|a| a.owner == fixtures::me() && !store.is_trashed(&a.id))
        .filter(|a| favorite.is_none_or(|f| a.favorite == f))
        .filter_map(|a| {
            let (lat, lon) = store.edits(&a.id).location?;
            Some(json!({
                "id": a.id, "lat": lat, "lon": lon,
                "city": null, "state": null, "country": null,
            }))
        })
        .collect();
    Ok(json_with_etag(ctx, &Value::Array(markers)))
}

pub(crate) fn stacks(ctx: &Ctx<'_>) -> Handled {
    let primary = match ctx.query("primaryAssetId") {
        Some(id) => Some(ctx.id(id)?),
        None => None,
    };
    let store = lock(&ctx.shared.store);
    let stacks: Vec<Value> = store
        .stacks
        .iter()
        .filter(|(_, members)| primary.is_none() || members.first() == primary.as_ref())
        .map(|(id, members)| {
            let assets: Vec<Value> = members
                .iter()
                .filter_map(|m| store.asset(m))
                .map(|a| store::asset_json(a, ctx.version, &store, false))
                .collect();
            json!({ "id": id, "primaryAssetId": members.first(), "assets": assets })
        })
        .collect();
    Ok(json_with_etag(ctx, &Value::Array(stacks)))
}

pub(crate) fn my_api_key(ctx: &Ctx<'_>) -> Handled {
    if !ctx.version.at_least(1, 139) {
        // Older servers read `me` as a key id.
        return Err(Failure::invalid("id must be a UUID", &["id"]));
    }
    let denied = &ctx.shared.options.denied_permissions;
    // When some are denied, the key lists every other permission an operation of the
    // catalogue needs (sorted, each once).
    let permissions: Vec<&str> = if denied.is_empty() {
        vec!["all"]
    } else {
        let needed: BTreeSet<&str> = catalogue::OPERATIONS
            .iter()
            .filter_map(|op| op.permission)
            .collect();
        needed
            .into_iter()
            .filter(|p| !denied.iter().any(|d| d == p))
            .collect()
    };
    Ok(json_with_etag(
        ctx,
        &json!({
            "id": util::uuid(0xa91, 1),
            "name": "test key",
            "permissions": permissions,
            "createdAt": NOW,
            "updatedAt": NOW,
        }),
    ))
}
