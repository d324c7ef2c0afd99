//! Decoding one search page: the core's typed decode against `serde_json::Value` of the same
//! bytes. Pure CPU, so it runs in the benchmark process itself.

use std::hint::black_box;
use std::time::Instant;

use bytes::Bytes;
use http::{response, Request, Response};
use immich_proto::search::{MetadataSearch, SearchAssets};
use immich_proto::{parse_response, Endpoint, Server};

use super::Failure;

/// `POST /search/metadata` answered as raw bytes, to feed both decoders the same page.
struct RawSearchPage(SearchAssets);

impl Endpoint for RawSearchPage {
    type Output = Bytes;
    const OPERATION_ID: &'static str = SearchAssets::OPERATION_ID;
    const PERMISSION: Option<&'static str> = SearchAssets::PERMISSION;

    fn request(&self, server: &Server) -> Result<Request<Bytes>, immich_proto::Error> {
        self.0.request(server)
    }

    fn parse(&self, _head: &response::Parts, body: Bytes) -> Result<Bytes, immich_proto::Error> {
        Ok(body)
    }
}

/// Page 1 of the sink's search, as bytes, fetched through the blocking transport.
pub(crate) fn fetch_page(url: &str, key: &str) -> Result<Bytes, Failure> {
    let client = immich_blocking::Client::builder(url)
        .api_key(key)
        .build()
        .map_err(|e| Failure(format!("client: {e}")))?;
    client.setup().map_err(|e| Failure(format!("setup: {e}")))?;
    client
        .send(&RawSearchPage(SearchAssets::new(MetadataSearch::all())))
        .map_err(|e| Failure(format!("search page: {e}")))
}

/// Seconds per page for each decoder, one entry per run; `iterations` decodes per run, the
/// two decoders interleaved run by run.
pub(crate) fn time_decoders(
    page: &Bytes,
    runs: usize,
    iterations: usize,
) -> Result<(Vec<f64>, Vec<f64>, usize), Failure> {
    let endpoint = SearchAssets::new(MetadataSearch::all());
    let decode_core = || -> Result<usize, Failure> {
        let response = Response::builder()
            .status(200)
            .header("content-type", "application/json; charset=utf-8")
            .body(page.clone())
            .map_err(|e| Failure(e.to_string()))?;
        let decoded = parse_response(&endpoint, response)
            .map_err(|e| Failure(format!("the core cannot decode the page: {e}")))?;
        Ok(black_box(decoded).assets.items.len())
    };
    let decode_value = || -> Result<usize, Failure> {
        let value: serde_json::Value = serde_json::from_slice(black_box(page))
            .map_err(|e| Failure(format!("not JSON: {e}")))?;
        Ok(black_box(value)["assets"]["items"]
            .as_array()
            .map_or(0, Vec::len))
    };
    // Warm up (and check both see the same number of assets).
    let assets = decode_core()?;
    if decode_value()? != assets {
        return Err(Failure(
            "the decoders disagree on the page's size".to_owned(),
        ));
    }
    let iterations = iterations.max(1);
    let (mut core, mut value) = (Vec::new(), Vec::new());
    for _ in 0..runs {
        let started = Instant::now();
        for _ in 0..iterations {
            decode_core()?;
        }
        core.push(started.elapsed().as_secs_f64() / iterations as f64);
        let started = Instant::now();
        for _ in 0..iterations {
            decode_value()?;
        }
        value.push(started.elapsed().as_secs_f64() / iterations as f64);
    }
    Ok((core, value, assets))
}
