//! The sync stream: the body read in chunks as it arrives and handed to the core's
//! [`SyncDecoder`]; every decision (the request, the session rule, the decoding, acks and
//! resets) is the core's ([`immich_proto::sync`]).

use std::io::Read;

use immich_proto::sync::{GetSyncStream, SyncDecoder, SyncEvent};

use crate::client::{Client, MediaBody};
use crate::Error;

/// How much of the body one read takes.
const CHUNK: usize = 64 * 1024;

impl Client {
    /// Opens the sync stream (`POST /sync/stream`, `getSyncStream`): the events, typed, as the
    /// body arrives (nothing holds the whole body). Needs a login session
    /// ([`login`](Self::login)): with only an API key it fails before sending with the core's
    /// `SessionRequired`. Acknowledge what you applied with
    /// [`immich_proto::sync::AckBatcher`] and [`send`](Self::send).
    pub fn sync_stream(&self, request: &GetSyncStream) -> Result<SyncEvents, Error> {
        let media = self.media(request)?;
        Ok(SyncEvents {
            body: media.body,
            decoder: request.decoder(),
            buffer: vec![0; CHUNK],
            done: false,
        })
    }
}

/// The events of a sync stream, read as they arrive; see [`Client::sync_stream`]. A line that
/// is not an event is an error item and the stream goes on; a broken connection or a stream
/// cut inside a line is the last item.
pub struct SyncEvents {
    body: MediaBody,
    decoder: SyncDecoder,
    buffer: Vec<u8>,
    done: bool,
}

impl std::fmt::Debug for SyncEvents {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SyncEvents")
            .field("lines", &self.decoder.lines())
            .field("done", &self.done)
            .finish_non_exhaustive()
    }
}

impl Iterator for SyncEvents {
    type Item = Result<SyncEvent, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(item) = self.decoder.next_event() {
                return Some(item.map_err(|e| immich_proto::Error::from(e).into()));
            }
            if self.done {
                return None;
            }
            match self.body.read(&mut self.buffer) {
                Ok(0) => {
                    self.done = true;
                    if let Err(e) = self.decoder.finish() {
                        return Some(Err(immich_proto::Error::from(e).into()));
                    }
                }
                Ok(n) => self.decoder.push(&self.buffer[..n]),
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => {
                    self.done = true;
                    return Some(Err(e.into()));
                }
            }
        }
    }
}
