//! Sync (OpenAPI tag `Sync`): the incremental synchronization Immich's mobile app uses, for any
//! client that keeps a local copy.
//!
//! `POST /sync/stream` ([`GetSyncStream`]) answers JSON lines (`application/jsonlines+json`),
//! one event a line: `{"type":"AssetV2","data":{...},"ack":"AssetV2|<id>"}`. The server keeps,
//! per login session, the last ack of each entity type it was sent (`POST /sync/ack`) and
//! streams only what changed after it.
//!
//! ## How a client syncs
//!
//! 1. **Log in.** The server refuses sync to API keys: a client that holds only one fails
//!    before sending with [`Error::SessionRequired`], as does the
//!    server's `403`. Log in first (`Client::login(email, password)` in the transports).
//! 2. **Choose what to follow:** [`request_types`] for the server's version gives the newest
//!    generation of each family (`AssetsV2`, not the deprecated `AssetsV1`).
//! 3. **Stream:** send [`GetSyncStream`] and feed its body, in chunks as they arrive, to a
//!    [`SyncDecoder`] (the transports' `sync_stream` do). Each [`SyncEvent`] is a typed
//!    [`SyncEntity`] with its ack.
//! 4. **Apply, then acknowledge:** apply each event to local state, then give it to an
//!    [`AckBatcher`], which keeps the latest ack per type; send its batches
//!    ([`AckBatcher::take_batch`], a [`SendSyncAck`]) as you go and at the end. An event not
//!    acknowledged comes again next time, so apply before you acknowledge.
//! 5. **`SyncCompleteV1`** ends a stream: acknowledge it too; the server uses it to tell a
//!    client that was away too long (30 days) to start over.
//! 6. **`SyncResetV1`** means the server wants the client to start over: stop applying, drop
//!    the local state, and follow the [`ResetPlan`]: delete the acks ([`DeleteSyncAck`]) and
//!    stream again with `reset` set. [`AckBatcher::record`] says so
//!    ([`AckOutcome::Reset`]) and drops the acks it held.
//!
//! `GET /sync/ack` ([`GetSyncAck`]) lists the acks the server keeps for the session.

include!("operations.rs");

mod acks;
mod decoder;
mod events;
mod get_sync_stream;
mod versions;

pub use acks::{ack_type, AckBatcher, AckOutcome, ResetPlan, MAX_ACKS_PER_REQUEST};
pub use decoder::{SyncDecoder, SyncEvent, SyncStreamError, DEFAULT_MAX_LINE};
pub use events::{SyncEntity, ENTITY_TYPES, REQUEST_TYPES};
pub use get_sync_stream::GetSyncStream;
pub use versions::{family, request_types, request_types_named};

use crate::{ApiError, Auth, Error, Server};

/// The server's `403` for sync with an API key: "Sync endpoints cannot be used with API keys".
pub(crate) fn refuses_api_key(api: &ApiError) -> bool {
    api.status == http::StatusCode::FORBIDDEN
        && api
            .messages
            .iter()
            .chain(std::iter::once(&api.message))
            .any(|m| m.contains("cannot be used with API keys"))
}

/// Fails with [`Error::SessionRequired`] when `server`'s only credential is an API key, which
/// the server refuses for every sync endpoint. Any other credential passes (the server's
/// answer then tells).
pub fn require_session(server: &Server) -> Result<(), Error> {
    match server.auth() {
        Auth::ApiKey(_) => Err(Error::SessionRequired),
        _ => Ok(()),
    }
}
