//! What an uploader needs beyond plain uploads: tags created by path (`PUT /tags`) and put on
//! assets, stacks (`POST /stacks`), live photos (`livePhotoVideoId` on upload: the video must be
//! the caller's video, and is hidden like `onBeforeLink` does), sidecars (the `sidecarData`
//! part, remembered), and the job queues an admin pauses and resumes (`GET /queues`,
//! `PUT /queues/{name}`, and the legacy `PUT /jobs/{name}`).

use std::collections::{BTreeSet, HashMap};

use http::StatusCode;
use serde_json::{json, Value};

use super::lock;
use super::routes::{id_list, Ctx, Failure, Handled, Reply};
use super::store::{self, Kind, Store, Tag};
use super::util;

/// The uploader's state, kept in the [`Store`].
#[derive(Debug, Default)]
pub(crate) struct Extras {
    /// Photo id -> the id of its live photo video.
    pub live_photo: HashMap<String, String>,
    /// Asset id -> the sidecar's file name and length.
    pub sidecars: HashMap<String, (String, u64)>,
    /// The paused queues.
    pub paused: BTreeSet<String>,
    /// Every pause (`true`) and resume (`false`), in order.
    pub queue_events: Vec<(String, bool)>,
    pub next_stack: u64,
    pub next_tag: u64,
}

/// One stored asset as an uploader test sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct AssetView {
    /// The asset's id.
    pub id: String,
    /// Its original file name.
    pub file_name: String,
    /// `timeline`, `hidden`, `archive` or `locked`.
    pub visibility: String,
    /// The full values (`Trips/2025`) of its tags.
    pub tags: Vec<String>,
    /// The id of its live photo video.
    pub live_photo_video_id: Option<String>,
    /// The sidecar received with it: file name and length.
    pub sidecar: Option<(String, u64)>,
    /// The stack it is in, and whether it is the stack's primary asset.
    pub stack: Option<(String, bool)>,
    /// The names of the albums that hold it.
    pub albums: Vec<String>,
}

/// Every asset as an [`AssetView`], oldest first.
pub(crate) fn views(store: &Store) -> Vec<AssetView> {
    store
        .assets
        .iter()
        .map(|a| AssetView {
            id: a.id.clone(),
            file_name: a.file_name.clone(),
            visibility: a.visibility.clone(),
            tags: a
                .tags
                .iter()
                .filter_map(|t| store.tag(t))
                .map(|t| t.value.clone())
                .collect(),
            live_photo_video_id: store.upload_extras.live_photo.get(&a.id).cloned(),
            sidecar: store.upload_extras.sidecars.get(&a.id).cloned(),
            stack: store
                .stacks
                .iter()
                .find(|(_, members)| members.contains(&a.id))
                .map(|(id, members)| (id.clone(), members.first() == Some(&a.id))),
            albums: store.albums_of(&a.id).map(|al| al.name.clone()).collect(),
        })
        .collect()
}

/// Before an upload with `livePhotoVideoId` is stored: the video must be the caller's video
/// (`onBeforeLink`); it is hidden from the timeline.
pub(crate) fn link_live_photo(store: &mut Store, video: &str) -> Result<(), Failure> {
    let video = video.to_ascii_lowercase();
    let Some(asset) = store.assets.iter_mut().find(|a| a.id == video) else {
        return Err(Failure::bad_request("Live photo video not found"));
    };
    if asset.kind != Kind::Video {
        return Err(Failure::bad_request("Live photo video must be a video"));
    }
    if asset.visibility == "timeline" {
        asset.visibility = "hidden".to_owned();
    }
    Ok(())
}

/// After an upload is stored: what came with it.
pub(crate) fn remember(
    store: &mut Store,
    id: &str,
    live_photo_video: Option<&str>,
    sidecar: Option<(String, u64)>,
) {
    if let Some(video) = live_photo_video {
        store
            .upload_extras
            .live_photo
            .insert(id.to_owned(), video.to_ascii_lowercase());
    }
    if let Some(sidecar) = sidecar {
        store.upload_extras.sidecars.insert(id.to_owned(), sidecar);
    }
}

/// `PUT /tags`: each path's tags created when missing, parents first; answers the tags named.
pub(crate) fn upsert_tags(ctx: &Ctx<'_>, body: Value) -> Handled {
    let Some(names) = body.get("tags").and_then(Value::as_array) else {
        return Err(Failure::invalid("tags must be an array", &["body", "tags"]));
    };
    let mut store = lock(&ctx.shared.store);
    let mut answer = Vec::new();
    for name in names {
        let Some(path) = name.as_str() else {
            return Err(Failure::invalid(
                "each value in tags must be a string",
                &["body", "tags"],
            ));
        };
        let mut parent: Option<String> = None;
        let mut value = String::new();
        let mut leaf = None;
        for part in path.split('/').map(str::trim).filter(|p| !p.is_empty()) {
            if !value.is_empty() {
                value.push('/');
            }
            value.push_str(part);
            let id = match store.tags.iter().find(|t| t.value == value) {
                Some(tag) => tag.id.clone(),
                None => {
                    store.upload_extras.next_tag += 1;
                    let id = util::uuid(0x7a9, 0x100 + store.upload_extras.next_tag);
                    store.tags.push(Tag {
                        id: id.clone(),
                        name: part.to_owned(),
                        value: value.clone(),
                        parent: parent.clone(),
                        color: None,
                    });
                    id
                }
            };
            parent = Some(id.clone());
            leaf = Some(id);
        }
        if let Some(tag) = leaf.and_then(|id| store.tag(&id)) {
            answer.push(store::tag_json(tag));
        }
    }
    Ok(Reply::json(StatusCode::OK, &Value::Array(answer)))
}

fn tag_one(store: &mut Store, tag: &str, asset: &str) -> Result<bool, &'static str> {
    if store.tag(tag).is_none() {
        return Err("not_found");
    }
    let Some(asset) = store.assets.iter_mut().find(|a| a.id == asset) else {
        return Err("not_found");
    };
    if asset.tags.iter().any(|t| t == tag) {
        return Ok(false);
    }
    asset.tags.push(tag.to_owned());
    Ok(true)
}

/// `PUT /tags/assets`: every tag on every asset; answers how many pairs are new.
pub(crate) fn bulk_tag_assets(ctx: &Ctx<'_>, body: Value) -> Handled {
    let assets = id_list(ctx, &body, "assetIds")?.unwrap_or_default();
    let tags = id_list(ctx, &body, "tagIds")?.unwrap_or_default();
    let mut store = lock(&ctx.shared.store);
    let mut count = 0;
    for tag in &tags {
        for asset in &assets {
            if tag_one(&mut store, tag, asset) == Ok(true) {
                count += 1;
            }
        }
    }
    Ok(Reply::json(StatusCode::OK, &json!({ "count": count })))
}

/// `PUT /tags/{id}/assets`: one tag on the assets; a result per asset.
pub(crate) fn tag_assets(ctx: &Ctx<'_>, tag: &str, body: Value) -> Handled {
    let Some(ids) = id_list(ctx, &body, "ids")? else {
        return Err(Failure::invalid("ids must be an array", &["body", "ids"]));
    };
    let mut store = lock(&ctx.shared.store);
    if store.tag(tag).is_none() {
        return Err(Failure::no_access("tag.asset"));
    }
    let results: Vec<Value> = ids
        .iter()
        .map(|id| match tag_one(&mut store, tag, id) {
            Ok(true) => json!({ "id": id, "success": true }),
            Ok(false) => json!({ "id": id, "success": false, "error": "duplicate" }),
            Err(error) => json!({ "id": id, "success": false, "error": error }),
        })
        .collect();
    Ok(Reply::json(StatusCode::OK, &Value::Array(results)))
}

/// `POST /stacks`: the first asset is the primary; stacks the assets were in are merged in.
pub(crate) fn create_stack(ctx: &Ctx<'_>, body: Value) -> Handled {
    let ids = id_list(ctx, &body, "assetIds")?.unwrap_or_default();
    if ids.len() < 2 {
        return Err(Failure::invalid(
            "assetIds must contain at least 2 elements",
            &["body", "assetIds"],
        ));
    }
    let mut store = lock(&ctx.shared.store);
    if ids.iter().any(|id| store.asset(id).is_none()) {
        return Err(Failure::no_access("stack.create"));
    }
    let mut members = ids.clone();
    for (_, old) in store
        .stacks
        .iter()
        .filter(|(_, m)| m.iter().any(|a| ids.contains(a)))
    {
        for asset in old {
            if !members.contains(asset) {
                members.push(asset.clone());
            }
        }
    }
    store
        .stacks
        .retain(|(_, m)| !m.iter().any(|a| members.contains(a)));
    store.upload_extras.next_stack += 1;
    let id = util::uuid(0x57ac, 0x100 + store.upload_extras.next_stack);
    store.stacks.push((id.clone(), members.clone()));
    let assets: Vec<Value> = members
        .iter()
        .filter_map(|m| store.asset(m))
        .map(|a| store::asset_json(a, ctx.version, &store, false))
        .collect();
    Ok(Reply::json(
        StatusCode::CREATED,
        &json!({ "id": id, "primaryAssetId": members[0], "assets": assets }),
    ))
}

/// The queues the server lists.
const QUEUES: &[&str] = &[
    "thumbnailGeneration",
    "metadataExtraction",
    "videoConversion",
    "faceDetection",
    "facialRecognition",
    "smartSearch",
    "duplicateDetection",
    "backgroundTask",
    "storageTemplateMigration",
    "migration",
    "search",
    "sidecar",
    "library",
    "notifications",
    "backupDatabase",
    "ocr",
    "workflow",
    "editor",
];

fn statistics() -> Value {
    json!({ "active": 0, "completed": 0, "delayed": 0, "failed": 0, "paused": 0, "waiting": 0 })
}

fn queue_json(name: &str, paused: bool) -> Value {
    json!({ "name": name, "isPaused": paused, "statistics": statistics() })
}

/// `GET /queues`.
pub(crate) fn queues(ctx: &Ctx<'_>) -> Handled {
    let store = lock(&ctx.shared.store);
    let list: Vec<Value> = QUEUES
        .iter()
        .map(|q| queue_json(q, store.upload_extras.paused.contains(*q)))
        .collect();
    Ok(Reply::json(StatusCode::OK, &Value::Array(list)))
}

fn set_paused(store: &mut Store, name: &str, paused: bool) -> Result<(), Failure> {
    if !QUEUES.contains(&name) {
        return Err(Failure::invalid(
            format!("name must be one of: {}", QUEUES.join(", ")),
            &["params", "name"],
        ));
    }
    let extras = &mut store.upload_extras;
    if paused {
        extras.paused.insert(name.to_owned());
    } else {
        extras.paused.remove(name);
    }
    extras.queue_events.push((name.to_owned(), paused));
    Ok(())
}

/// `PUT /queues/{name}` `{isPaused}`.
pub(crate) fn update_queue(ctx: &Ctx<'_>, name: &str, body: Value) -> Handled {
    let mut store = lock(&ctx.shared.store);
    if let Some(paused) = super::routes::body_bool(&body, "isPaused")? {
        set_paused(&mut store, name, paused)?;
    }
    let paused = store.upload_extras.paused.contains(name);
    Ok(Reply::json(StatusCode::OK, &queue_json(name, paused)))
}

/// The legacy `PUT /jobs/{name}` `{command}`: pause and resume are kept, the others accepted.
pub(crate) fn job_command(ctx: &Ctx<'_>, name: &str, body: Value) -> Handled {
    let mut store = lock(&ctx.shared.store);
    match body.get("command").and_then(Value::as_str) {
        Some("pause") => set_paused(&mut store, name, true)?,
        Some("resume") => set_paused(&mut store, name, false)?,
        Some("start" | "empty" | "clear-failed") => {}
        _ => {
            return Err(Failure::invalid(
                "command must be one of: start, pause, resume, empty, clear-failed",
                &["body", "command"],
            ))
        }
    }
    let paused = store.upload_extras.paused.contains(name);
    Ok(Reply::json(
        StatusCode::OK,
        &json!({
            "jobCounts": statistics(),
            "queueStatus": { "isActive": false, "isPaused": paused },
        }),
    ))
}
