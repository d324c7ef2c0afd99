//! Where a backup learns what changed since its last run: a [`ChangeSource`].
//!
//! - [`Walk`] (any credential, an API key included): a metadata search for assets updated
//!   after the last checkpoint (minus a safety margin), trashed ones included, plus a cheap
//!   listing of every asset id (the timeline's buckets) to find assets deleted for good; an id
//!   missing from the listing is confirmed with `GET /assets/{id}` before it counts as gone.
//! - [`SyncStream`] (a login session): the server's sync stream (assets, their EXIF, albums,
//!   album-asset links), acknowledged only after the changes are on disk.

use std::collections::{HashMap, HashSet};

use immich_blocking::assets::Asset;
use immich_blocking::proto::assets::GetAssetInfo;
use immich_blocking::proto::bytes::Bytes;
use immich_blocking::proto::http::Response;
use immich_blocking::proto::models::{SyncAckSet, SyncRequestType};
use immich_blocking::proto::sync::{
    family, request_types_named, AckBatcher, AckOutcome, GetSyncStream, ResetPlan, SendSyncAck,
    SyncEntity,
};
use immich_blocking::proto::{AsReceived, Flow, Paged, Received, Server, Single, Step};
use immich_blocking::search::{MetadataSearch, SearchAssets};
use immich_blocking::timeline::{GetTimeBucket, GetTimeBuckets};
use immich_blocking::{AssetId, Client, DateTime, ErrorKind, Pager, ServerVersion};
use serde::Serialize;
use serde_json::Value;

use super::state::{Checkpoint, Entry, State};
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

/// An asset as a source reports it: what planning and the download need. The JSON the server
/// sent (its metadata file) is handed over beside it, once, to an [`Upsert`] sink, which keeps
/// it only for the assets it writes: a library's JSON is too big to hold in memory.
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
}

impl RemoteAsset {
    /// From a typed asset and the JSON it was read from.
    pub fn from_asset(asset: Asset, raw: &Value) -> Self {
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
        }
    }
}

/// Where a source hands each new or changed asset (trashed ones included, flagged) as it reads
/// it, with the JSON the server sent for it.
pub(crate) type Upsert<'a> = dyn FnMut(RemoteAsset, &Value) -> Result<(), Failure> + 'a;

/// A set of asset ids, ignoring case, that costs 16 bytes an id for the UUIDs ids are (a set of
/// every id of a large library is held during a run); any other id is kept as text.
#[derive(Debug, Default)]
pub(crate) struct IdSet {
    uuids: HashSet<u128>,
    others: HashSet<String>,
}

impl IdSet {
    /// Adds `id`; whether it was new.
    pub fn insert(&mut self, id: &str) -> bool {
        match uuid_bits(id) {
            Some(bits) => self.uuids.insert(bits),
            None => self.others.insert(id.to_ascii_lowercase()),
        }
    }

    /// Whether `id` is in the set.
    pub fn contains(&self, id: &str) -> bool {
        match uuid_bits(id) {
            Some(bits) => self.uuids.contains(&bits),
            None => self.others.contains(&id.to_ascii_lowercase()),
        }
    }
}

/// The 128 bits of a UUID written `8-4-4-4-12` in hex (either case), or `None`.
fn uuid_bits(id: &str) -> Option<u128> {
    let bytes = id.as_bytes();
    if bytes.len() != 36 {
        return None;
    }
    let mut bits: u128 = 0;
    for (i, &b) in bytes.iter().enumerate() {
        if matches!(i, 8 | 13 | 18 | 23) {
            if b != b'-' {
                return None;
            }
            continue;
        }
        let digit = char::from(b).to_digit(16)?;
        bits = (bits << 4) | u128::from(digit);
    }
    Some(bits)
}

/// What changed since the checkpoint.
#[derive(Debug, Default)]
pub(crate) struct Changes {
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
    /// Everything that changed since `state`'s checkpoint: each new or changed asset goes to
    /// `upsert` as it is read; what is gone and the checkpoint come back.
    fn changes(
        &mut self,
        client: &Client,
        state: &State,
        upsert: &mut Upsert<'_>,
    ) -> Result<Changes, Failure>;
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

    fn changes(
        &mut self,
        client: &Client,
        state: &State,
        upsert: &mut Upsert<'_>,
    ) -> Result<Changes, Failure> {
        // A checkpoint can only be a time that has passed: a server that dated an asset in the
        // future (a wrong clock, or on purpose) would otherwise make every later walk ask for
        // changes after that date and miss them all. Capped at this machine's clock (when it
        // has one); a server clock ahead of it only makes later walks list a little more.
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .ok()
            .and_then(|d| i64::try_from(d.as_secs()).ok());
        let passed = |t: &DateTime| now.is_none_or(|now| t.unix_seconds() <= now);
        let stored = state
            .checkpoint
            .walk_updated_after
            .as_deref()
            .and_then(DateTime::parse)
            .filter(passed);
        let after = stored
            .as_ref()
            .map(|t| DateTime::from_unix(t.unix_seconds().saturating_sub(WALK_MARGIN_SECS), 0));
        let old_search = client
            .server()
            .version()
            .is_some_and(|v| v < ServerVersion::new(1, 133, 0));
        let mut pager = Pager::new(SearchAssets::new(walk_search(after, old_search)));
        let mut newest = stored;
        // Ids reported, for the deletion check below (only a later run has one).
        let mut reported = IdSet::default();
        // One page at a time: its JSON is let go before the next is read.
        loop {
            let mut page = client.run(AsReceived::new(OnePage(&mut pager)))?;
            let Some(assets) = page.typed.take() else {
                break;
            };
            // The page's items as sent, moved out (not copied), in the typed items' order.
            let raws = match page
                .answers
                .first_mut()
                .and_then(|answer| answer.pointer_mut("/assets/items"))
                .map(Value::take)
            {
                Some(Value::Array(items)) => items,
                _ => Vec::new(),
            };
            drop(page);
            let aligned = raws.len() == assets.len()
                && raws.iter().zip(&assets).all(|(raw, asset)| {
                    raw.get("id")
                        .and_then(Value::as_str)
                        .is_some_and(|id| id.eq_ignore_ascii_case(asset.id.as_str()))
                });
            if !aligned {
                return Err(Failure::Message(
                    "the server's search page does not list its assets as it decoded".into(),
                ));
            }
            for (asset, raw) in assets.into_iter().zip(&raws) {
                // The user's own assets only (what the server's search returns anyway).
                let theirs = state
                    .user_id
                    .as_deref()
                    .is_none_or(|me| asset.owner_id.as_str().eq_ignore_ascii_case(me));
                if !theirs {
                    continue;
                }
                if passed(&asset.updated_at)
                    && newest.as_ref().is_none_or(|n| asset.updated_at > *n)
                {
                    newest = Some(asset.updated_at);
                }
                if !state.assets.is_empty() {
                    reported.insert(asset.id.as_str());
                }
                upsert(RemoteAsset::from_asset(asset, raw), raw)?;
            }
        }
        // Deleted for good: backed-up ids the listing no longer has (a first run has none).
        let mut gone = Vec::new();
        if !state.assets.is_empty() {
            let listed = list_ids(client)?;
            for id in state.assets.keys() {
                if listed.contains(id) || reported.contains(id) {
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

/// The next page of a [`Pager`] as a flow of its own (`None` when there is none), so that the
/// walk holds one page of JSON at a time.
struct OnePage<'a, P: Paged>(&'a mut Pager<P>);

impl<P: Paged> Flow for OnePage<'_, P> {
    type Output = Option<Vec<P::Item>>;
    const OPERATION_ID: &'static str = P::OPERATION_ID;

    fn step(
        &mut self,
        server: &Server,
        response: Option<Response<Bytes>>,
    ) -> Result<Step<Self::Output>, immich_blocking::proto::Error> {
        if let Some(response) = response {
            return Ok(Step::Done(Some(self.0.handle_response(response)?)));
        }
        Ok(match self.0.next_request(server)? {
            Some(request) => Step::Send(request),
            None => Step::Done(None),
        })
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

/// Every asset id the timeline shows: one request per month, and on v1.133+ only columns, not
/// assets.
fn list_ids(client: &Client) -> Result<IdSet, Failure> {
    let mut ids = IdSet::default();
    for bucket in client.time_buckets(GetTimeBuckets::new())? {
        let Some(date) = bucket.date() else {
            return Err(Failure::Message(format!(
                "the server sent a timeline bucket that is not a date: {:?}",
                bucket.time_bucket
            )));
        };
        let assets = client.time_bucket(GetTimeBucket::new(date))?;
        for id in &assets.id {
            ids.insert(id.as_str());
        }
        for asset in &assets.assets {
            ids.insert(asset.id.as_str());
        }
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

/// The most entity types whose acks one stream may carry (Immich has a few dozen).
const MAX_ACK_TYPES: usize = 256;
/// The longest ack taken from a stream (Immich's are a type name and a UUID or two).
const MAX_ACK_BYTES: usize = 1024;

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
    /// Assets deleted or trashed, each once.
    gone: Vec<AssetId>,
    /// The lower-case ids in `gone`: a stream repeating a delete must not grow it.
    gone_keys: HashSet<String>,
    /// The server asked to start over.
    reset: bool,
}

/// The backed-up assets by lower-case id, in constant time: the state's keys are the server's
/// ids, lower case as Immich writes them, so only keys in another case need an entry of their
/// own (a scan per streamed asset would take time in the square of the library).
pub(crate) struct StateIndex<'a> {
    state: &'a State,
    other_case: HashMap<String, &'a str>,
}

impl<'a> StateIndex<'a> {
    pub(crate) fn new(state: &'a State) -> Self {
        let other_case = state
            .assets
            .keys()
            .filter(|k| k.bytes().any(|b| b.is_ascii_uppercase()))
            .map(|k| (k.to_ascii_lowercase(), k.as_str()))
            .collect();
        StateIndex { state, other_case }
    }

    /// The entry of `lower_key` (a lower-case id), and its key as the state writes it.
    pub(crate) fn get(&self, lower_key: &str) -> Option<(&'a String, &'a Entry)> {
        let key = self.other_case.get(lower_key).copied().unwrap_or(lower_key);
        self.state.assets.get_key_value(key)
    }
}

impl ChangeSource for SyncStream {
    fn kind(&self) -> SourceKind {
        SourceKind::Sync
    }

    fn changes(
        &mut self,
        client: &Client,
        state: &State,
        upsert: &mut Upsert<'_>,
    ) -> Result<Changes, Failure> {
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

        let mut gone = streamed.gone;
        let gone_keys: HashSet<String> = gone
            .iter()
            .map(|id| id.as_str().to_ascii_lowercase())
            .collect();
        let mut ask: Vec<AssetId> = Vec::new();
        let backed_up = StateIndex::new(state);
        for (key, (id, checksum)) in &streamed.assets {
            if gone_keys.contains(key) {
                continue;
            }
            let known_same = backed_up
                .get(key)
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
                if let Some((id, _)) = backed_up.get(key) {
                    if let Ok(id) = AssetId::parse(id.as_str()) {
                        ask.push(id);
                    }
                }
            }
        }
        for id in ask {
            match client.run(AsReceived::new(Single(GetAssetInfo::new(id.clone())))) {
                Ok(Received { typed, answers, .. }) => {
                    let raw = answers.first().unwrap_or(&Value::Null);
                    upsert(RemoteAsset::from_asset(typed, raw), raw)?;
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
        // Servers that end a stream with `SyncCompleteV1` (v1.141 and later): a stream that
        // stops without it was cut short, and what it left out is not known to be unchanged.
        let ends_complete = client
            .server()
            .version()
            .is_some_and(|v| v >= ServerVersion::new(1, 141, 0));
        let mut complete = false;
        for item in client.sync_stream(request)? {
            let event = item?;
            // Acks are stored in the state and sent back: an ack is a type and an id.
            if event.ack.len() > MAX_ACK_BYTES {
                return Err(Failure::Message(format!(
                    "the server's sync stream sent an ack of {} bytes (at most {MAX_ACK_BYTES} \
                     expected); nothing was acknowledged",
                    event.ack.len()
                )));
            }
            match self.batcher.record(&event) {
                AckOutcome::Reset => {
                    streamed.reset = true;
                    return Ok(streamed);
                }
                AckOutcome::Complete => complete = true,
                _ => {}
            }
            // The server keeps one ack per entity type, of which there are a few dozen; acks
            // of ever new types would be kept (and searched) without end.
            if self.batcher.len() > MAX_ACK_TYPES {
                return Err(Failure::Message(format!(
                    "the server's sync stream acknowledges more than {MAX_ACK_TYPES} kinds of \
                     change; nothing was acknowledged"
                )));
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
                    if streamed.gone_keys.insert(key) {
                        streamed.gone.push(id);
                    }
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
                        let key = id.as_str().to_ascii_lowercase();
                        streamed.assets.remove(&key);
                        if streamed.gone_keys.insert(key) {
                            streamed.gone.push(id);
                        }
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
        if ends_complete && !complete {
            return Err(Failure::Message(
                "the server's sync stream ended before SyncCompleteV1 (cut short); nothing \
                 was acknowledged, the next run reads it again"
                    .into(),
            ));
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_state_index_finds_ids_in_any_case_the_state_wrote() {
        let entry = |path: &str| -> Entry {
            serde_json::from_value(serde_json::json!({
                "path": path, "checksum": "c2hh", "updatedAt": "2024-01-01T00:00:00.000Z",
                "size": 1, "mtimeNs": 0
            }))
            .unwrap()
        };
        let mut state = State::default();
        let lower = "0000a55e-0000-4000-8000-000000000101";
        let upper = "0000A55E-0000-4000-8000-000000000102";
        state.assets.insert(lower.into(), entry("a.jpg"));
        state.assets.insert(upper.into(), entry("b.jpg"));
        let index = StateIndex::new(&state);
        assert_eq!(
            index.get(lower).map(|(_, e)| e.path.as_str()),
            Some("a.jpg")
        );
        let (key, found) = index.get(&upper.to_ascii_lowercase()).unwrap();
        assert_eq!((key.as_str(), found.path.as_str()), (upper, "b.jpg"));
        assert!(index.get("0000a55e-0000-4000-8000-000000000103").is_none());
        // Only the key in another case has an entry of its own.
        assert_eq!(index.other_case.len(), 1);
    }

    #[test]
    fn id_sets_ignore_case_and_keep_other_ids_as_text() {
        let mut set = IdSet::default();
        assert!(set.insert("0000A55E-0000-4000-8000-000000000101"));
        assert!(!set.insert("0000a55e-0000-4000-8000-000000000101"));
        assert!(set.contains("0000a55e-0000-4000-8000-000000000101"));
        assert!(!set.contains("0000a55e-0000-4000-8000-000000000102"));
        // Not a UUID: the dash in the wrong place, a non-hex digit, another length.
        for other in [
            "0000a55e0-000-4000-8000-000000000101",
            "0000a55g-0000-4000-8000-000000000101",
            "x",
        ] {
            assert!(!set.contains(other));
            assert!(set.insert(other));
            assert!(set.contains(&other.to_uppercase()));
        }
        assert_eq!(uuid_bits("00000000-0000-0000-0000-0000000000ff"), Some(255));
    }
}
