//! The sync stream end to end, through both transports against the in-process test server: a
//! first stream, acks, then only the changes; a connection dropped mid-stream, then acks of
//! what was processed and a second stream that together hold every event exactly once; a
//! malformed line and an unknown entity type; an API key refused before sending; a reset
//! followed through the core's `ResetPlan`; and a v3.1 server, which refuses `AssetsV1`.
//!
//! One suite, written once: `suite!` expands it for immich-tokio (`async`, `.await`, a
//! `Stream`) and for immich-blocking (plain calls, an `Iterator`).
#![cfg(unix)]

use std::collections::BTreeSet;

use http::StatusCode;
use immich_proto::models::SyncRequestType;
use immich_proto::sync::{
    AckBatcher, AckOutcome, GetSyncStream, ResetPlan, SyncEntity, SyncEvent, SyncStreamError,
};
use immich_proto::transport::ErrorKind;
use immich_tests::server::{fixtures, SyncFault};
use immich_tests::{Options, TestServer, Version};

/// More items than any stream here has: a stream that does not end fails the test instead of
/// hanging it.
const MAX_ITEMS: usize = 10_000;

/// The acks of the events that carry data (not the `SyncCompleteV1` that closes a stream).
fn data_acks(events: &[SyncEvent]) -> Vec<String> {
    events
        .iter()
        .filter(|e| !matches!(e.entity, SyncEntity::SyncCompleteV1(_)))
        .map(|e| e.ack.clone())
        .collect()
}

/// The ids of the `AssetV2` events, in order.
fn asset_ids(events: &[SyncEvent]) -> Vec<String> {
    events
        .iter()
        .filter_map(|e| match &e.entity {
            SyncEntity::AssetV2(asset) => Some(asset.id.clone()),
            _ => None,
        })
        .collect()
}

/// Whether the stream closed as a complete one does.
fn ends_complete(events: &[SyncEvent]) -> bool {
    matches!(
        events.last().map(|e| &e.entity),
        Some(SyncEntity::SyncCompleteV1(_))
    )
}

/// An acker that has applied `events`.
fn acked(events: &[SyncEvent]) -> AckBatcher {
    let mut acks = AckBatcher::new();
    for event in events {
        acks.record(event);
    }
    acks
}

macro_rules! suite {
    ($transport:ident, $client:ty, $events:ty, [$($test:tt)*], [$($fn_kind:tt)*], [$($aw:tt)*]) => {
        mod $transport {
            use super::*;
            #[allow(unused_imports)]
            use futures_util::StreamExt as _;

            type Client = $client;
            type Error = immich_proto::transport::Error;

            /// Every item of a stream, in order.
            $($fn_kind)* fn drain(mut events: $events) -> Vec<Result<SyncEvent, Error>> {
                let mut items = Vec::new();
                while let Some(item) = events.next()$($aw)* {
                    items.push(item);
                    assert!(items.len() < MAX_ITEMS, "the stream does not end");
                }
                items
            }

            /// Every event of a stream that must have no error.
            $($fn_kind)* fn events(client: &Client, request: &GetSyncStream) -> Vec<SyncEvent> {
                let stream = client.sync_stream(request)$($aw)*.unwrap();
                drain(stream)$($aw)*
                    .into_iter()
                    .map(|item| item.unwrap())
                    .collect()
            }

            /// A login session on `server`, which knows the server's version.
            $($fn_kind)* fn session(server: &TestServer) -> Client {
                let guest = Client::builder(&server.url()).build().unwrap();
                guest.setup()$($aw)*.unwrap();
                guest.login(fixtures::EMAIL, fixtures::PASSWORD)$($aw)*.unwrap().0
            }

            $($test)*
            $($fn_kind)* fn after_the_acks_only_the_changes_come() {
                let server = TestServer::start(Options::v3());
                let client = session(&server)$($aw)*;
                let request = GetSyncStream::for_server(client.server()).unwrap();
                let first = events(&client, &request)$($aw)*;
                assert!(ends_complete(&first));
                let mine = asset_ids(&first);
                assert!(mine.contains(&fixtures::asset_beach()), "{mine:?}");
                assert!(mine.contains(&fixtures::asset_family()), "{mine:?}");

                let mut acks = acked(&first);
                client.send_sync_acks(&mut acks)$($aw)*.unwrap();
                assert!(acks.is_empty());
                let again = events(&client, &request)$($aw)*;
                assert_eq!(again.len(), 1, "{again:?}");
                assert!(ends_complete(&again));

                server.set_asset_favorite(&fixtures::asset_family(), true);
                server.purge_asset(&fixtures::asset_beach());
                let changes = events(&client, &request)$($aw)*;
                assert!(ends_complete(&changes));
                let changed: Vec<_> = changes
                    .iter()
                    .filter_map(|e| match &e.entity {
                        SyncEntity::AssetV2(asset) => Some((asset.id.clone(), asset.is_favorite)),
                        _ => None,
                    })
                    .collect();
                assert_eq!(changed, [(fixtures::asset_family(), true)]);
                let deleted: Vec<_> = changes
                    .iter()
                    .filter_map(|e| match &e.entity {
                        SyncEntity::AssetDeleteV1(gone) => Some(gone.asset_id.clone()),
                        _ => None,
                    })
                    .collect();
                assert_eq!(deleted, [fixtures::asset_beach()]);
                // Nothing already acknowledged comes again.
                let before: BTreeSet<String> = data_acks(&first).into_iter().collect();
                assert!(data_acks(&changes).iter().all(|ack| !before.contains(ack)));
            }

            $($test)*
            $($fn_kind)* fn a_dropped_stream_then_acks_loses_nothing_and_doubles_nothing() {
                let server = TestServer::start(Options::v3());
                let request = GetSyncStream::for_server(
                    session(&server)$($aw)*.server(),
                )
                .unwrap();
                // The full set, as a session that was never cut off sees it.
                let full = events(&session(&server)$($aw)*, &request)$($aw)*;
                let expected = data_acks(&full);
                assert!(expected.len() > 10, "{expected:?}");
                let all_assets: BTreeSet<String> = asset_ids(&full).into_iter().collect();

                let client = session(&server)$($aw)*;
                let cut = expected.len() as u64 / 2;
                server.sync_fault(SyncFault::DropAfter(cut));
                let mut items = drain(client.sync_stream(&request)$($aw)*.unwrap())$($aw)*;
                let error = items
                    .pop()
                    .expect("an item")
                    .expect_err("the stream ends with an error");
                // A line boundary: the transport tells the cut (the chunked body has no end).
                assert_eq!(error.kind(), ErrorKind::Io, "{error:?}");
                assert!(
                    matches!(&error, Error::Io(io) if io.kind() == std::io::ErrorKind::UnexpectedEof),
                    "{error:?}"
                );
                let processed: Vec<SyncEvent> = items.into_iter().map(|i| i.unwrap()).collect();
                assert_eq!(processed.len() as u64, cut);
                assert!(!ends_complete(&processed));

                let mut acks = acked(&processed);
                client.send_sync_acks(&mut acks)$($aw)*.unwrap();
                let rest = events(&client, &request)$($aw)*;
                assert!(ends_complete(&rest));

                let mut union = data_acks(&processed);
                union.extend(data_acks(&rest));
                let distinct: BTreeSet<&String> = union.iter().collect();
                assert_eq!(distinct.len(), union.len(), "an event came twice");
                let mut sorted = union.clone();
                sorted.sort();
                let mut want = expected.clone();
                want.sort();
                assert_eq!(sorted, want, "events lost or added");
                let mut ids = asset_ids(&processed);
                ids.extend(asset_ids(&rest));
                assert_eq!(ids.len(), all_assets.len(), "{ids:?}");
                assert_eq!(ids.into_iter().collect::<BTreeSet<_>>(), all_assets);
            }

            $($test)*
            $($fn_kind)* fn a_malformed_line_is_named_and_an_unknown_type_goes_on() {
                let server = TestServer::start(Options::v3());
                let client = session(&server)$($aw)*;
                let request = GetSyncStream::for_server(client.server()).unwrap();
                let clean = events(&client, &request)$($aw)*;
                assert!(clean.len() > 4, "{clean:?}");

                // Server lines count from 0, the decoder's from 1.
                server.add_sync_fault(SyncFault::MalformedLine(1), Some(1));
                server.add_sync_fault(SyncFault::UnknownType(3), Some(1));
                let items = drain(client.sync_stream(&request)$($aw)*.unwrap())$($aw)*;
                assert_eq!(items.len(), clean.len() + 2, "{items:?}");
                let error = items[1].as_ref().expect_err("line 2 is malformed");
                assert_eq!(error.kind(), ErrorKind::Protocol);
                assert!(
                    matches!(
                        error.proto(),
                        Some(immich_proto::Error::SyncStream(SyncStreamError::Malformed {
                            line: 2,
                            ..
                        }))
                    ),
                    "{error:?}"
                );
                assert!(error.to_string().contains("line 2"), "{error}");
                let unknown = items[3].as_ref().unwrap();
                assert_eq!(unknown.kind(), "FutureThingV9");
                assert!(
                    matches!(&unknown.entity, SyncEntity::Unknown { kind, .. } if kind == "FutureThingV9"),
                    "{unknown:?}"
                );
                assert!(unknown.ack.starts_with("FutureThingV9|"), "{}", unknown.ack);
                // Every other event still came, in order, up to the end.
                let known: Vec<SyncEvent> = items
                    .iter()
                    .filter_map(|i| i.as_ref().ok())
                    .filter(|e| !matches!(e.entity, SyncEntity::Unknown { .. }))
                    .cloned()
                    .collect();
                assert!(ends_complete(&known));
                assert_eq!(data_acks(&known), data_acks(&clean));
                assert_eq!(asset_ids(&known), asset_ids(&clean));
            }

            $($test)*
            $($fn_kind)* fn an_api_key_is_refused_before_sending() {
                let server = TestServer::start(Options::v3());
                let client = Client::new(&server.url(), server.api_key()).unwrap();
                client.setup()$($aw)*.unwrap();
                server.clear_requests();
                let request = GetSyncStream::for_server(client.server()).unwrap();
                let error = client.sync_stream(&request)$($aw)*.unwrap_err();
                assert_eq!(error.proto(), Some(&immich_proto::Error::SessionRequired));
                let message = error.to_string();
                assert!(!message.contains('\n'), "{message}");
                assert!(message.contains("immich backup --email"), "{message}");
                assert!(!message.contains(server.api_key()), "{message}");
                for refused in [
                    client.sync_acks()$($aw)*.map(|_| ()).unwrap_err(),
                    client.send_sync_acks(&mut AckBatcher::new())$($aw)*.unwrap_err(),
                    client.delete_sync_acks(None)$($aw)*.unwrap_err(),
                ] {
                    assert_eq!(refused.proto(), Some(&immich_proto::Error::SessionRequired));
                }
                assert_eq!(server.request_lines(), Vec::<String>::new());
            }

            $($test)*
            $($fn_kind)* fn a_reset_is_followed_and_everything_comes_again() {
                let server = TestServer::start(Options::v3());
                let client = session(&server)$($aw)*;
                let request = GetSyncStream::for_server(client.server()).unwrap();
                let first = events(&client, &request)$($aw)*;
                client.send_sync_acks(&mut acked(&first))$($aw)*.unwrap();
                assert!(!client.sync_acks()$($aw)*.unwrap().is_empty());

                server.require_sync_reset();
                let told = events(&client, &request)$($aw)*;
                assert_eq!(told.len(), 1, "{told:?}");
                assert!(matches!(told[0].entity, SyncEntity::SyncResetV1(_)));
                let mut acks = AckBatcher::new();
                assert_eq!(acks.record(&told[0]), AckOutcome::Reset);
                assert!(acks.is_empty());

                let plan = ResetPlan::after(&request);
                client.send(&plan.delete_acks)$($aw)*.unwrap();
                assert!(client.sync_acks()$($aw)*.unwrap().is_empty());
                let again = events(&client, &plan.stream)$($aw)*;
                assert!(ends_complete(&again));
                assert_eq!(data_acks(&again), data_acks(&first));
                // Acknowledged, the next stream is empty again.
                client.send_sync_acks(&mut acked(&again))$($aw)*.unwrap();
                assert_eq!(events(&client, &request)$($aw)*.len(), 1);
            }

            $($test)*
            $($fn_kind)* fn a_v3_1_server_is_never_asked_for_assets_v1() {
                let server = TestServer::start(Options::old(Version::new(3, 1, 0)));
                let client = session(&server)$($aw)*;
                let request = GetSyncStream::for_server(client.server()).unwrap();
                assert!(!request.types.contains(&SyncRequestType::AssetsV1));
                assert!(request.types.contains(&SyncRequestType::AssetsV2));
                let all = events(&client, &request)$($aw)*;
                assert!(ends_complete(&all));
                assert!(!asset_ids(&all).is_empty());
                assert!(all.iter().all(|e| !matches!(e.entity, SyncEntity::AssetV1(_))));
                // What the choice avoids: the server refuses AssetsV1.
                let old = GetSyncStream::new(vec![SyncRequestType::AssetsV1]);
                let refused = client.sync_stream(&old)$($aw)*.unwrap_err();
                assert_eq!(refused.status(), Some(StatusCode::BAD_REQUEST));
                assert!(
                    refused.to_string().contains("AssetsV1 is deprecated"),
                    "{refused}"
                );
            }
        }
    };
}

suite!(
    through_tokio,
    immich_tokio::Client,
    immich_tokio::SyncEvents,
    [#[tokio::test]],
    [async],
    [.await]
);
suite!(
    through_blocking,
    immich_blocking::Client,
    immich_blocking::SyncEvents,
    [#[test]],
    [],
    []
);
