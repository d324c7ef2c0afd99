//! Acknowledging what was applied: the latest ack per entity type, sent in batches, and what
//! a reset asks of the client.

use crate::models::{SyncAckDelete, SyncAckSet, SyncRequestType};

use super::{DeleteSyncAck, GetSyncStream, SendSyncAck, SyncEntity, SyncEvent};

/// The most acks one `POST /sync/ack` takes (the server's `ArrayMaxSize(1000)`).
pub const MAX_ACKS_PER_REQUEST: usize = 1000;

/// The entity type an ack is for: the part before the first `|` (`AssetV2` of
/// `AssetV2|0190...`). The server keeps one ack per such type. A `SyncAckV1` line's ack names
/// another type: the one it moves forward.
pub fn ack_type(ack: &str) -> &str {
    ack.split_once('|').map_or(ack, |(kind, _)| kind)
}

/// What [`AckBatcher::record`] saw.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum AckOutcome {
    /// The ack is kept (replacing the one before of its type).
    Recorded,
    /// `SyncCompleteV1`: the stream is complete. Its ack is kept too (the server tells from it
    /// when the client last caught up).
    Complete,
    /// `SyncResetV1`: the server wants the client to start over. Every ack held was dropped
    /// (they belong to the state being discarded); follow a [`ResetPlan`].
    Reset,
}

/// Keeps the latest ack of each entity type until it is sent: apply an event, then
/// [`record`](Self::record) it; send [`take_batch`](Self::take_batch) as a `POST /sync/ack`
/// whenever convenient (after a batch of events, and at the end of the stream).
///
/// The server keeps the last ack per type and streams what came after it, so only the newest
/// of each type is worth sending: a stream of a million assets needs one ack, not a million.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AckBatcher {
    /// `(type, ack)`, in the order the types were first seen since the last batch.
    latest: Vec<(String, String)>,
}

impl AckBatcher {
    /// An empty batcher.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records an applied event. `SyncAckV1` (a marker that moves another type forward),
    /// `SyncCompleteV1` and every entity are kept under the type their ack names;
    /// `SyncResetV1` drops everything held (see [`AckOutcome::Reset`]).
    pub fn record(&mut self, event: &SyncEvent) -> AckOutcome {
        match event.entity {
            SyncEntity::SyncResetV1(_) => {
                self.latest.clear();
                AckOutcome::Reset
            }
            SyncEntity::SyncCompleteV1(_) => {
                self.record_ack(&event.ack);
                AckOutcome::Complete
            }
            _ => {
                self.record_ack(&event.ack);
                AckOutcome::Recorded
            }
        }
    }

    /// Records an ack as sent by the server (the event already applied). An ack for
    /// `SyncResetV1` is not kept: sent, it would make the server forget every other ack of the
    /// batch (it resets the session's progress and ignores the rest).
    pub fn record_ack(&mut self, ack: &str) {
        let kind = ack_type(ack);
        if kind == "SyncResetV1" {
            return;
        }
        match self.latest.iter_mut().find(|(k, _)| k == kind) {
            Some((_, held)) => {
                held.clear();
                held.push_str(ack);
            }
            None => self.latest.push((kind.to_owned(), ack.to_owned())),
        }
    }

    /// How many acks wait to be sent (one per type).
    pub fn len(&self) -> usize {
        self.latest.len()
    }

    /// Whether nothing waits to be sent.
    pub fn is_empty(&self) -> bool {
        self.latest.is_empty()
    }

    /// The acks waiting, in order.
    pub fn pending(&self) -> impl Iterator<Item = &str> {
        self.latest.iter().map(|(_, ack)| ack.as_str())
    }

    /// The next `POST /sync/ack` (at most [`MAX_ACKS_PER_REQUEST`] acks), taking them out;
    /// `None` when nothing waits. If sending it fails, the events come again next time
    /// (the server did not move forward), which is safe when applying is idempotent.
    pub fn take_batch(&mut self) -> Option<SendSyncAck> {
        if self.latest.is_empty() {
            return None;
        }
        let n = self.latest.len().min(MAX_ACKS_PER_REQUEST);
        let acks = self.latest.drain(..n).map(|(_, ack)| ack).collect();
        Some(SendSyncAck::new(SyncAckSet::new(acks)))
    }
}

/// What a client does after `SyncResetV1`, in order, as plain data:
///
/// 1. stop applying the stream and drop its local copy (nothing here: that is the app's);
/// 2. send [`delete_acks`](Self::delete_acks): `DELETE /sync/ack` for every type;
/// 3. send [`stream`](Self::stream): the same request types with `reset` set, and apply it
///    from scratch.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ResetPlan {
    /// `DELETE /sync/ack` without types: all of the session's acks.
    pub delete_acks: DeleteSyncAck,
    /// The stream again, from the start.
    pub stream: GetSyncStream,
}

impl ResetPlan {
    /// The plan for a client that follows `types`.
    pub fn new(types: Vec<SyncRequestType>) -> Self {
        ResetPlan {
            delete_acks: DeleteSyncAck::new(SyncAckDelete::new()),
            stream: GetSyncStream::new(types).reset(true),
        }
    }

    /// The plan for the stream `after` (its types and line limit).
    pub fn after(after: &GetSyncStream) -> Self {
        ResetPlan {
            delete_acks: DeleteSyncAck::new(SyncAckDelete::new()),
            stream: after.clone().reset(true),
        }
    }
}
