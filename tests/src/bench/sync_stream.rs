//! The sync stream case: decode 1,000,000 asset events (`AssetV2` lines from the sink's
//! generated stream, made a chunk at a time) through each transport's `sync_stream`, with
//! bounded memory.

use immich_proto::models::SyncRequestType;
use immich_proto::sync::GetSyncStream;

use super::process::measure;
use super::{count_label, median, median_kib, Bench, Better, Failure, Row, RSS_GOAL_KIB};
use crate::server::{fixtures, Options, TestServer};

/// Events per second each transport must decode.
const GOAL: f64 = 200_000.0;

/// How many asset events the case streams.
fn events(smoke: bool) -> u64 {
    if smoke {
        20_000
    } else {
        1_000_000
    }
}

fn request() -> GetSyncStream {
    GetSyncStream::new(vec![SyncRequestType::AssetsV2])
}

/// The child's side, blocking: logs in (the stream refuses API keys) and reads every event.
/// Returns `(events, ack bytes)`.
pub(crate) fn read_blocking(client: &immich_blocking::Client) -> Result<(u64, u64), Failure> {
    let (session, _) = client
        .login(fixtures::EMAIL, fixtures::PASSWORD)
        .map_err(|e| Failure(format!("login: {e}")))?;
    let mut counts = (0, 0);
    for event in session
        .sync_stream(&request())
        .map_err(|e| Failure(format!("sync stream: {e}")))?
    {
        let event = event.map_err(|e| Failure(format!("sync event: {e}")))?;
        counts.0 += 1;
        counts.1 += event.ack.len() as u64;
    }
    Ok(counts)
}

/// The child's side, async: as [`read_blocking`].
pub(crate) async fn read_tokio(client: &immich_tokio::Client) -> Result<(u64, u64), Failure> {
    use futures_util::StreamExt;
    let (session, _) = client
        .login(fixtures::EMAIL, fixtures::PASSWORD)
        .await
        .map_err(|e| Failure(format!("login: {e}")))?;
    let mut events = session
        .sync_stream(&request())
        .await
        .map_err(|e| Failure(format!("sync stream: {e}")))?;
    let mut counts = (0, 0);
    while let Some(event) = events.next().await {
        let event = event.map_err(|e| Failure(format!("sync event: {e}")))?;
        counts.0 += 1;
        counts.1 += event.ack.len() as u64;
    }
    Ok(counts)
}

impl Bench<'_> {
    /// Every event of a generated sync stream through each transport, on a sink of its own.
    pub(super) fn sync_stream(&mut self) -> Result<(), Failure> {
        let config = self.config;
        let n = events(config.smoke);
        let server = TestServer::try_start(Options::sink().sink_sync_assets(n))
            .map_err(|e| Failure(format!("cannot start the sink server: {e}")))?;
        let case = format!("sync stream, {} asset events", count_label(n as usize));
        let transports = ["tokio", "blocking"];
        let mut rates: Vec<Vec<f64>> = vec![Vec::new(); transports.len()];
        let mut rss: Vec<Vec<u64>> = vec![Vec::new(); transports.len()];
        for _ in 0..config.runs {
            for (i, name) in transports.iter().enumerate() {
                let args = [
                    "--child".to_owned(),
                    "client".to_owned(),
                    format!("transport={name}"),
                    "op=sync".to_owned(),
                    format!("url={}", server.url()),
                    format!("key={}", server.api_key()),
                ];
                let m = measure(&config.exe, config.child_timeout, &config.exe, &args)?;
                let items = m.field("items")? as u64;
                // Every asset event and SyncCompleteV1.
                if items != n + 1 {
                    return Err(Failure(format!(
                        "{name} decoded {items} of {} sync events",
                        n + 1
                    )));
                }
                rates[i].push(items as f64 / m.field("op_seconds")?);
                rss[i].push(m.field("hwm_kib")? as u64);
            }
        }
        for (i, name) in transports.iter().enumerate() {
            let value = median(&rates[i]);
            let peak = median_kib(&rss[i]);
            self.rows.push(Row {
                case: case.clone(),
                client: (*name).to_owned(),
                value,
                samples: rates[i].clone(),
                unit: "events/s",
                better: Better::Higher,
                peak_rss_kib: peak,
                ratio: Some((value / GOAL, "200,000/s".to_owned())),
                goal: ">= 200,000 events/s; peak RSS <= 32 MiB".to_owned(),
                met: Some(value >= GOAL && peak.is_some_and(|p| p <= RSS_GOAL_KIB)),
            });
        }
        Ok(())
    }
}
