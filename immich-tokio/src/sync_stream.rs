//! The sync stream: the body's frames handed to the core's [`SyncDecoder`] as they arrive;
//! every decision (the request, the session rule, the decoding, acks and resets) is the
//! core's ([`immich_proto::sync`]).

use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::Stream;
use immich_proto::sync::{GetSyncStream, SyncDecoder, SyncEvent};

use crate::body::MediaBody;
use crate::client::Client;
use crate::Error;

impl Client {
    /// Opens the sync stream (`POST /sync/stream`, `getSyncStream`): the events, typed, as the
    /// body arrives (nothing holds the whole body). Needs a login session
    /// ([`login`](Self::login)): with only an API key it fails before sending with the core's
    /// `SessionRequired`. Acknowledge what you applied with
    /// [`immich_proto::sync::AckBatcher`] and [`send`](Self::send).
    pub async fn sync_stream(&self, request: &GetSyncStream) -> Result<SyncEvents, Error> {
        let media = self.media(request).await?;
        Ok(SyncEvents {
            body: media.body,
            decoder: request.decoder(),
            done: false,
        })
    }
}

/// The events of a sync stream, a [`Stream`] of them as they arrive; see
/// [`Client::sync_stream`]. A line that is not an event is an error item and the stream goes
/// on; a broken connection or a stream cut inside a line is the last item.
pub struct SyncEvents {
    body: MediaBody,
    decoder: SyncDecoder,
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

impl Stream for SyncEvents {
    type Item = Result<SyncEvent, Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        loop {
            if let Some(item) = this.decoder.next_event() {
                return Poll::Ready(Some(item.map_err(|e| immich_proto::Error::from(e).into())));
            }
            if this.done {
                return Poll::Ready(None);
            }
            match Pin::new(&mut this.body).poll_next(cx) {
                Poll::Ready(Some(Ok(chunk))) => this.decoder.push(&chunk),
                Poll::Ready(Some(Err(e))) => {
                    this.done = true;
                    return Poll::Ready(Some(Err(e)));
                }
                Poll::Ready(None) => {
                    this.done = true;
                    if let Err(e) = this.decoder.finish() {
                        return Poll::Ready(Some(Err(immich_proto::Error::from(e).into())));
                    }
                }
                Poll::Pending => return Poll::Pending,
            }
        }
    }
}
