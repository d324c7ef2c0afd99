//! Where a backup learns what changed since its last run: a [`ChangeSource`].
//!
//! - [`Walk`] (any credential, an API key included): a metadata search for assets updated
//!   after the last checkpoint (minus a safety margin), trashed ones included, plus a cheap
//!   listing of every asset id (the timeline's buckets) to find assets deleted for good; an id
//!   missing from the listing is confirmed with `GET /assets/{id}` before it counts as gone.
//! - [`SyncStream`] (a login session): the server's sync stream (assets, their EXIF, albums,
//!   album-asset links), acknowledged only after the changes are on disk.

use std::collections::HashSet;

use immich_blocking::assets::Asset;
use immich_blocking::proto::assets::GetAssetInfo;
use immich_blocking::proto::models::{SyncAckSet, SyncRequestType};
use immich_blocking::proto::sync::{
    family, request_types_named, AckBatcher, AckOutcome, GetSyncStream, ResetPlan, SendSyncAck,
    SyncEntity,
};
use immich_blocking::proto::{AsReceived, Received, Single};
use immich_blocking::search::{MetadataSearch, SearchAssets};
use immich_blocking::timeline::{GetTimeBucket, GetTimeBuckets};
use immich_blocking::{AssetId, Client, DateTime, ErrorKind, Pager, ServerVersion};
use serde::Serialize;
use serde_json::Value;

use super::state::{Checkpoint, State};
use crate::Failure;

/// How far before the last checkpoint a walk looks again: changes committed on the server
/// while the previous walk was reading (or with a clock a little behind) are not missed.
/// Re-read assets that did not change cost nothing but their JSON.
pub(crate) const WALK_MARGIN_SECS: i64 = 3600;

/// Which change source a run used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum SourceKind {
    /// Metadata search and id listing.
    Walk,
    /// The sync stream.
    Sync,
}

impl SourceKind {
    pub fn name(self) -> &'static str {
        match self {
            SourceKind::Walk => "walk",
            SourceKind::Sync => "sync",
        }
    }
}

/// An asset as a source reports it: what the backup needs, and the JSON the server sent.
#[derive(Debug, Clone)]
pub(crate) struct RemoteAsset {
    pub id: AssetId,
    /// Base64 SHA-1 of the original.
    pub checksum: String,
    pub original_file_name: String,
    /// The capture date as the server gives it (local wall-clock time).
    pub local_date_time: String,
    /// When the server's record last changed.
    pub updated_at: String,
    /// When the file was last modified (for the saved file's modification time).
    pub file_modified_at: Option<DateTime>,
    /// In the server's trash: gone from the backup's point of view.
    pub is_trashed: bool,
    /// The asset as the server sent it (its metadata file).
    pub raw: Value,
}

impl RemoteAsset {
    /// From a typed asset and the JSON it was read from.
    pub fn from_asset(asset: Asset, raw: Value) -> Self {
        let text = |name: &str| raw.get(name).and_then(Value::as_str).map(str::to_owned);
        RemoteAsset {
            local_date_time: text("localDateTime")
                .unwrap_or_else(|| asset.local_date_time.to_string()),
            updated_at: text("updatedAt").unwrap_or_else(|| asset.updated_at.to_string()),
            file_modified_at: Some(asset.file_modified_at),
            id: asset.id,
            checksum: asset.checksum,
            original_file_name: asset.original_file_name,
            is_trashed: asset.is_trashed,
            raw,
        }
    }
}

/// What changed since the checkpoint.
#[derive(Debug, Default)]
pub(crate) struct Changes {
    /// Assets new or changed on the server, trashed ones included (flagged).
    pub upserts: Vec<RemoteAsset>,
    /// Ids of backed-up assets that are gone from the server (deleted or trashed).
    pub gone: Vec<AssetId>,
    /// The checkpoint to store once every change is safely on disk.
    pub checkpoint: Checkpoint,
}

/// A source of changes. The engine calls [`changes`](Self::changes), applies them, writes the
/// state with the new checkpoint, then calls [`committed`](Self::committed) (where a sync
/// source acknowledges what it read: never before the state is on disk).
pub(crate) trait ChangeSource {
    /// Which source this is.
    fn kind(&self) -> SourceKind;
    /// Everything that changed since `state`'s checkpoint.
    fn changes(&mut self, client: &Client, state: &State) -> Result<Changes, Failure>;
    /// The state holding the checkpoint of [`changes`](Self::changes) is on disk.
    fn committed(&mut self, client: &Client, checkpoint: &Checkpoint) -> Result<(), Failure>;
}

/// The walk source: see the module doc.
#[derive(Debug, Default)]
pub(crate) struct Walk;

impl ChangeSource for Walk {
    fn kind(&self) -> SourceKind {
        SourceKind::Walk
    }

    fn changes(&mut self, client: &Client, state: &State) -> Result<Changes, Failure> {
        let after = state
            .checkpoint
            .walk_updated_after
            .as_deref()
            .and_then(DateTime::parse)
            .map(|t| DateTime::from_unix(t.unix_seconds().saturating_sub(WALK_MARGIN_SECS), 0));
        let old_search = client
            .server()
            .version()
            .is_some_and(|v| v < ServerVersion::new(1, 133, 0));
        let search = walk_search(after, old_search);
        let found: Received<Vec<Asset>> =
            client.run(AsReceived::new(Pager::new(SearchAssets::new(search))))?;
        let ids: Vec<String> = found.typed.iter().map(|a| a.id.to_string()).collect();
        let raws = found.items(ids.iter().map(String::as_str));
        let mut newest = state
            .checkpoint
            .walk_updated_after
            .as_deref()
            .and_then(DateTime::parse);
        let mut upserts = Vec::with_capacity(found.typed.len());
        for (asset, raw) in found.typed.into_iter().zip(raws) {
            // The user's own assets only (what the server's search returns anyway).
            let theirs = state
                .user_id
                .as_deref()
                .is_none_or(|me| asset.owner_id.as_str().eq_ignore_ascii_case(me));
            if !theirs {
                continue;
            }
            if newest.as_ref().is_none_or(|n| asset.updated_at > *n) {
                newest = Some(asset.updated_at);
            }
            upserts.push(RemoteAsset::from_asset(asset, raw));
        }
        // Deleted for good: backed-up ids the listing no longer has (a first run has none).
        let mut gone = Vec::new();
        if !state.assets.is_empty() {
            let listed = list_ids(client)?;
            let reported: HashSet<String> = upserts
                .iter()
                .map(|a| a.id.as_str().to_ascii_lowercase())
                .collect();
            for id in state.assets.keys() {
                let key = id.to_ascii_lowercase();
                if listed.contains(&key) || reported.contains(&key) {
                    continue;
                }
                let Ok(id) = AssetId::parse(id.as_str()) else {
                    continue;
                };
                if is_gone(client, &id)? {
                    gone.push(id);
                }
            }
        }
        Ok(Changes {
            upserts,
            gone,
            checkpoint: Checkpoint {
                walk_updated_after: newest.map(|t| t.to_utc_string()),
                sync_acks: Vec::new(),
            },
        })
    }

    fn committed(&mut self, _client: &Client, _checkpoint: &Checkpoint) -> Result<(), Failure> {
        Ok(())
    }
}

/// The walk's search: everything (first run), or what changed after `after` with the trashed
/// assets too (so a move to the trash is seen). Only fields the release has are sent
/// (`updatedAfter`, `withDeleted`, `page`, `size`: since v1; `withArchived` only before
/// v1.133, whose search leaves archived assets out without it; the core's gate checks).
fn walk_search(after: Option<DateTime>, before_v1_133: bool) -> MetadataSearch {
    let mut search = MetadataSearch::all();
    if before_v1_133 {
        search.with_archived = Some(true);
    }
    if after.is_some() {
        search.with_deleted = Some(true);
    }
    search.updated_after = after;
    search
}

/// Every asset id the timeline shows (lower-cased): one request per month, and on v1.133+
/// only columns, not assets.
fn list_ids(client: &Client) -> Result<HashSet<String>, Failure> {
    let mut ids = HashSet::new();
    for bucket in client.time_buckets(GetTimeBuckets::new())? {
        let Some(date) = bucket.date() else {
            return Err(Failure::Message(format!(
                "the server sent a timeline bucket that is not a date: {:?}",
                bucket.time_bucket
            )));
        };
        let assets = client.time_bucket(GetTimeBucket::new(date))?;
        ids.extend(assets.id.iter().map(|id| id.as_str().to_ascii_lowercase()));
        ids.extend(
            assets
                .assets
                .iter()
                .map(|a| a.id.as_str().to_ascii_lowercase()),
        );
    }
    Ok(ids)
}

/// Whether the server no longer has asset `id` for us: not found, or in the trash.
fn is_gone(client: &Client, id: &AssetId) -> Result<bool, Failure> {
    match client.asset_info(id.clone()) {
        Ok(asset) => Ok(asset.is_trashed),
        // Immich answers an asset that does not exist (or is not ours) with 400, newer
        // releases with 404.
        Err(e)
            if e.kind() == ErrorKind::Status
                && e.status()
                    .is_some_and(|s| s.as_u16() == 400 || s.as_u16() == 404) =>
        {
            Ok(true)
        }
        Err(e) => Err(Failure::Client(e)),
    }
}

/// The request-type families the sync source follows: assets, their EXIF, albums and the
/// album-asset links.
const SYNC_FAMILIES: [&str; 4] = ["Assets", "AssetExifs", "Albums", "AlbumToAssets"];

/// The sync source: the server's sync stream, on a login session.
///
/// The server keeps acks per session, and a backup logs in afresh every run (and out at the
/// end), so the acks of the last completed run are kept in the state and given to the new
/// session before it streams: the stream then holds only what changed since (deletes
/// included). Without stored acks (a first run, or a server that refused them) the stream is
/// complete, and a backed-up asset it does not mention is gone (confirmed asset by asset).
/// The new acks are written to the state with the changes, and only then sent.
#[derive(Debug, Default)]
pub(crate) struct SyncStream {
    batcher: AckBatcher,
}

/// What one stream said.
#[derive(Debug, Default)]
struct Streamed {
    /// Asset id (lower-case) -> its checksum, for the user's assets not in the trash.
    assets: std::collections::BTreeMap<String, (AssetId, String)>,
    /// Assets whose EXIF changed.
    exif: HashSet<String>,
    /// Assets deleted or trashed.
    gone: Vec<AssetId>,
    /// The server asked to start over.
    reset: bool,
}

impl ChangeSource for SyncStream {
    fn kind(&self) -> SourceKind {
        SourceKind::Sync
    }

    fn changes(&mut self, client: &Client, state: &State) -> Result<Changes, Failure> {
        let version = client.server().version().ok_or_else(|| {
            Failure::Message("the server's version is unknown: use --source walk".into())
        })?;
        let types: Vec<SyncRequestType> = request_types_named(&version)
            .into_iter()
            .filter(|name| SYNC_FAMILIES.contains(&family(name).0))
            .map(SyncRequestType::from)
            .collect();
        if types.is_empty() {
            return Err(Failure::Message(format!(
                "Immich v{version} has no sync stream (v1.127 and later do): use --source walk"
            )));
        }
        // Where the last completed run stopped, given to this session.
        let mut incremental = false;
        if !state.checkpoint.sync_acks.is_empty() {
            for ack in &state.checkpoint.sync_acks {
                self.batcher.record_ack(ack);
            }
            let stored = SendSyncAck::new(SyncAckSet::new(state.checkpoint.sync_acks.clone()));
            match client.send(&stored) {
                Ok(()) => incremental = true,
                // Acks this server does not take: a complete stream instead.
                Err(e) if e.kind() == ErrorKind::Status => self.batcher = AckBatcher::new(),
                Err(e) => return Err(Failure::Client(e)),
            }
        }
        let me = state.user_id.as_deref().unwrap_or_default();
        let mut streamed = self.stream(client, &GetSyncStream::new(types.clone()), me)?;
        if streamed.reset {
            // The server wants this session to start over: forget its acks and stream all.
            let plan = ResetPlan::new(types);
            client.send(&plan.delete_acks)?;
            self.batcher = AckBatcher::new();
            incremental = false;
            streamed = self.stream(client, &plan.stream, me)?;
            if streamed.reset {
                return Err(Failure::Message(
                    "the server asked to start the sync over twice in a row".into(),
                ));
            }
        }

        let mut upserts = Vec::new();
        let mut gone = streamed.gone;
        let gone_keys: HashSet<String> = gone
            .iter()
            .map(|id| id.as_str().to_ascii_lowercase())
            .collect();
        let mut ask: Vec<AssetId> = Vec::new();
        for (key, (id, checksum)) in &streamed.assets {
            if gone_keys.contains(key) {
                continue;
            }
            let known_same = state
                .assets
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(key))
                .is_some_and(|(_, e)| e.checksum == *checksum);
            // In a complete stream every asset comes by: only new or changed ones are asked
            // about. After the stored acks, each event is a change (metadata included).
            if incremental || !known_same {
                ask.push(id.clone());
            }
        }
        if incremental {
            for key in &streamed.exif {
                if streamed.assets.contains_key(key) || gone_keys.contains(key) {
                    continue;
                }
                if let Some((id, _)) = state
                    .assets
                    .iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case(key))
                {
                    if let Ok(id) = AssetId::parse(id.as_str()) {
                        ask.push(id);
                    }
                }
            }
        }
        for id in ask {
            match client.run(AsReceived::new(Single(GetAssetInfo::new(id.clone())))) {
                Ok(found) => {
                    let raw = found.answer();
                    upserts.push(RemoteAsset::from_asset(found.typed, raw));
                }
                Err(e) if is_not_found(&e) => gone.push(id),
                Err(e) => return Err(Failure::Client(e)),
            }
        }
        if !incremental {
            // A complete stream lists every asset: a backed-up one it left out is gone.
            for key in state.assets.keys() {
                let lower = key.to_ascii_lowercase();
                if streamed.assets.contains_key(&lower) || gone_keys.contains(&lower) {
                    continue;
                }
                let Ok(id) = AssetId::parse(key.as_str()) else {
                    continue;
                };
                if is_gone(client, &id)? {
                    gone.push(id);
                }
            }
        }
        Ok(Changes {
            upserts,
            gone,
            checkpoint: Checkpoint {
                walk_updated_after: state.checkpoint.walk_updated_after.clone(),
                sync_acks: self.batcher.pending().map(str::to_owned).collect(),
            },
        })
    }

    fn committed(&mut self, client: &Client, _checkpoint: &Checkpoint) -> Result<(), Failure> {
        while let Some(batch) = self.batcher.take_batch() {
            client.send(&batch)?;
        }
        Ok(())
    }
}

impl SyncStream {
    /// Reads one stream to its end; any line that cannot be read fails the run (nothing is
    /// acknowledged, so the next run reads it again).
    fn stream(
        &mut self,
        client: &Client,
        request: &GetSyncStream,
        me: &str,
    ) -> Result<Streamed, Failure> {
        let mut streamed = Streamed::default();
        let mine = |owner: &str| me.is_empty() || owner.eq_ignore_ascii_case(me);
        for item in client.sync_stream(request)? {
            let event = item?;
            if self.batcher.record(&event) == AckOutcome::Reset {
                streamed.reset = true;
                return Ok(streamed);
            }
            let mut asset = |id: &str, owner: &str, checksum: &str, trashed: bool| {
                if !mine(owner) {
                    return;
                }
                let Ok(id) = AssetId::parse(id) else {
                    return;
                };
                let key = id.as_str().to_ascii_lowercase();
                if trashed {
                    streamed.assets.remove(&key);
                    streamed.gone.push(id);
                } else {
                    streamed.assets.insert(key, (id, checksum.to_owned()));
                }
            };
            match &event.entity {
                SyncEntity::AssetV1(a) => {
                    asset(&a.id, &a.owner_id, &a.checksum, a.deleted_at.is_some())
                }
                SyncEntity::AssetV2(a) => {
                    asset(&a.id, &a.owner_id, &a.checksum, a.deleted_at.is_some())
                }
                SyncEntity::AssetDeleteV1(d) => {
                    if let Ok(id) = AssetId::parse(d.asset_id.as_str()) {
                        streamed.assets.remove(&id.as_str().to_ascii_lowercase());
                        streamed.gone.push(id);
                    }
                }
                SyncEntity::AssetExifV1(e) => {
                    streamed.exif.insert(e.asset_id.to_ascii_lowercase());
                }
                // Albums and their assets: `albums.json` is rebuilt from the albums' own
                // `updatedAt` and counts; these events only need acknowledging.
                _ => {}
            }
        }
        Ok(streamed)
    }
}

/// A status that says the asset is not there (or not ours): 400 on Immich, 404 on newer.
fn is_not_found(e: &immich_blocking::Error) -> bool {
    e.kind() == ErrorKind::Status
        && e.status()
            .is_some_and(|s| s.as_u16() == 400 || s.as_u16() == 404)
}

/// The sync source.
pub(crate) fn sync_source() -> Option<Box<dyn ChangeSource>> {
    Some(Box::<SyncStream>::default())
}
