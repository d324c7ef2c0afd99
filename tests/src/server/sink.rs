//! Sink mode, for benchmarks: no state, no log, nothing computed per request that can be
//! computed once. Uploads are counted and discarded; every asset's video is a repeated buffer.

use std::sync::atomic::Ordering;

use bytes::Bytes;
use http::header::{CONTENT_LENGTH, CONTENT_TYPE, ETAG, RANGE};
use http::{HeaderValue, Method, Request, StatusCode};
use http_body_util::BodyExt;
use hyper::body::Incoming;
use serde_json::json;

use super::body::ReplyBody;
use super::routes::{apply_range, Reply};
use super::store::{self, Asset, Kind, Store};
use super::{Shared, Version};

/// The video is this buffer repeated, so each frame of its body is at most this long. Large
/// frames make large socket writes, and copying more than about 128 KiB per system call is
/// several times slower on the benchmark machine (see BENCHMARKS.md): the sink must not be
/// what limits a client.
const VIDEO_CHUNK: usize = 128 * 1024;

/// What sink mode precomputes on first use.
pub(crate) struct Cache {
    about: Bytes,
    version: Bytes,
    video_chunk: Bytes,
    thumbnail: Bytes,
    /// The pages of `POST /search/metadata`, each built when asked for.
    search: SearchPages,
}

/// The marker in [`SearchPages::items`] where each page writes its number.
const PAGE_MARK: &str = "~PG~";

/// `POST /search/metadata` in sink mode: any number of pages, each generated on request from
/// one template, so a million-asset library costs the server one page of memory and a copy per
/// page (a benchmark client must never wait for the server to build JSON).
///
/// The template is one page's items with [`PAGE_MARK`] where the page number goes (six digits,
/// in each asset's id, file name, path and checksum): every asset of the library differs.
struct SearchPages {
    pages: usize,
    per_page: usize,
    /// The items' JSON (without the brackets), split at the marks.
    items: Vec<Bytes>,
}

impl SearchPages {
    /// Page `page` (1-based), or `None` past the last.
    fn page(&self, page: usize) -> Option<Bytes> {
        if page == 0 || page > self.pages {
            return None;
        }
        let digits = format!("{page:06}");
        let total = self.pages * self.per_page;
        let next = if page < self.pages {
            format!("\"{}\"", page + 1)
        } else {
            "null".to_owned()
        };
        let body_len: usize = self.items.iter().map(Bytes::len).sum::<usize>()
            + self.items.len() * digits.len()
            + 200;
        let mut out = Vec::with_capacity(body_len);
        out.extend_from_slice(
            format!(
                "{{\"albums\":{{\"total\":0,\"count\":0,\"items\":[],\"facets\":[]}},\
                 \"assets\":{{\"total\":{total},\"count\":{},\"items\":[",
                self.per_page
            )
            .as_bytes(),
        );
        for (i, segment) in self.items.iter().enumerate() {
            if i > 0 {
                out.extend_from_slice(digits.as_bytes());
            }
            out.extend_from_slice(segment);
        }
        out.extend_from_slice(format!("],\"facets\":[],\"nextPage\":{next}}}}}").as_bytes());
        Some(Bytes::from(out))
    }
}

impl Cache {
    fn build(shared: &Shared) -> Self {
        let options = &shared.options;
        let version = options.version;
        let video_chunk: Bytes = (0..VIDEO_CHUNK as u32).map(|i| (i % 251) as u8).collect();
        let thumbnail: Bytes = (0..options.sink_thumbnail_len as u32)
            .map(|i| (i % 241) as u8)
            .collect();
        let (pages, per_page) = options.sink_search;
        let store = Store::seeded(0, 0);
        let template = Asset {
            id: String::new(),
            owner: store::fixtures::me(),
            checksum: [7; 20],
            bytes: Bytes::from_static(b"sink"),
            file_name: String::new(),
            content_type: "image/jpeg".to_owned(),
            kind: Kind::Image,
            favorite: false,
            created: "2024-05-01T10:00:00.000Z".to_owned(),
            modified: "2024-05-01T10:00:00.000Z".to_owned(),
            uploaded: "2024-05-01T10:00:00.000Z".to_owned(),
            device_asset_id: Some("sink".to_owned()),
            device_id: Some("sink".to_owned()),
            visibility: "timeline".to_owned(),
            tags: Vec::new(),
            people: Vec::new(),
        };
        // The varying fields follow the asset's place in its page; the page number (the
        // marker) makes ids, names and checksums unique across the library.
        let items: Vec<String> = (0..per_page)
            .map(|i| {
                let n = i as u64;
                let asset = Asset {
                    id: format!("{:08x}-0000-4000-8000-{PAGE_MARK}{n:06}", 0x51c),
                    file_name: format!("IMG_{PAGE_MARK}_{n:06}.jpg"),
                    ..template.clone()
                };
                realistic(store::asset_json(&asset, version, &store, true), n).to_string()
            })
            .collect();
        let items = items
            .join(",")
            .split(PAGE_MARK)
            .map(|segment| Bytes::copy_from_slice(segment.as_bytes()))
            .collect();
        let search = SearchPages {
            pages,
            per_page,
            items,
        };
        Cache {
            about: Bytes::from(store::about_json(version).to_string()),
            version: Bytes::from(
                json!({ "major": version.major, "minor": version.minor, "patch": version.patch })
                    .to_string(),
            ),
            video_chunk,
            thumbnail,
            search,
        }
    }
}

/// Makes a search result look like what a real server sends with `withExif`: every EXIF field
/// filled in, a thumbhash, times and places that vary from asset to asset, and now and then a
/// recognised person and a tag. Decoding benchmarks are only meaningful on such pages.
fn realistic(mut asset: serde_json::Value, n: u64) -> serde_json::Value {
    let taken = format!(
        "20{:02}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        10 + n % 15,
        1 + n % 12,
        1 + n % 28,
        n % 24,
        n % 60,
        (n * 7) % 60,
        n % 1000
    );
    let size = 1_000_000 + (n * 7919) % 9_000_000;
    let fields = [
        ("fileCreatedAt", json!(taken)),
        ("fileModifiedAt", json!(taken)),
        ("localDateTime", json!(taken)),
        ("thumbhash", json!("1QcSHQRnh493V4dIh4eXh1h4kJUI")),
        ("checksum", json!(format!("{PAGE_MARK}{n:014}mVzUjKq8mM="))),
        (
            "originalPath",
            json!(format!(
                "/data/library/admin/2024/05/IMG_{PAGE_MARK}_{n:06}.jpg"
            )),
        ),
        ("width", json!(4032)),
        ("height", json!(3024)),
        (
            "exifInfo",
            json!({
                "make": "Apple",
                "model": "iPhone 14 Pro",
                "lensModel": "iPhone 14 Pro back triple camera 6.86mm f/1.78",
                "exifImageWidth": 4032,
                "exifImageHeight": 3024,
                "fileSizeInByte": size,
                "orientation": "1",
                "dateTimeOriginal": taken,
                "modifyDate": taken,
                "timeZone": "Europe/Paris",
                "latitude": 48.8566 + (n % 1000) as f64 * 1.37e-4,
                "longitude": 2.3522 - (n % 997) as f64 * 2.11e-4,
                "city": "Paris",
                "state": "Île-de-France",
                "country": "France",
                "description": if n.is_multiple_of(3) { "Dinner with friends" } else { "" },
                "projectionType": null,
                "rating": if n.is_multiple_of(6) { json!(null) } else { json!(n % 6) },
                "fNumber": 1.78,
                "focalLength": 6.86,
                "iso": 50 + (n % 16) * 50,
                "exposureTime": format!("1/{}", 30 + n % 2000),
            }),
        ),
    ];
    if let Some(object) = asset.as_object_mut() {
        for (key, value) in fields {
            object.insert(key.to_owned(), value);
        }
        if n.is_multiple_of(4) {
            object.insert(
                "people".to_owned(),
                json!([{
                    "id": super::util::uuid(0x9e0, n % 50),
                    "name": format!("Person {}", n % 50),
                    "birthDate": "1990-04-12",
                    "thumbnailPath": format!("/data/thumbs/person-{}.jpeg", n % 50),
                    "isHidden": false,
                    "isFavorite": n.is_multiple_of(8),
                    "color": "#a0b0c0",
                    "updatedAt": "2024-05-01T10:00:00.000Z",
                }]),
            );
        }
        if n.is_multiple_of(5) {
            object.insert(
                "tags".to_owned(),
                json!([{
                    "id": super::util::uuid(0x7a9, n % 20),
                    "name": format!("trip-{}", n % 20),
                    "value": format!("travel/trip-{}", n % 20),
                    "createdAt": "2024-05-01T10:00:00.000Z",
                    "updatedAt": "2024-05-01T10:00:00.000Z",
                    "color": "#336699",
                }]),
            );
        }
    }
    asset
}

fn ok_json(bytes: &Bytes) -> Reply {
    Reply::json_bytes(StatusCode::OK, bytes.clone())
}

fn status(status: StatusCode, message: &str, version: Version) -> Reply {
    let body = if version.is_v3() {
        json!({ "message": message })
    } else {
        json!({ "message": message, "error": status.canonical_reason(), "statusCode": status.as_u16() })
    };
    Reply::json(status, &body)
}

pub(crate) async fn handle(shared: &Shared, request: Request<Incoming>) -> Reply {
    let cache = shared.sink_cache.get_or_init(|| Cache::build(shared));
    let version = shared.options.version;
    let (head, body) = request.into_parts();
    let path = head.uri.path();
    let path = path.strip_prefix("/api").unwrap_or(path);
    if path == "/server/version" {
        return ok_json(&cache.version);
    }
    if super::sync::is_sink_route(&head) {
        return super::sync::sink_route(shared, &head, body).await;
    }
    let key_ok = head
        .headers
        .get("x-api-key")
        .is_some_and(|k| k.as_bytes() == shared.options.api_key.as_bytes());
    if !key_ok {
        return status(StatusCode::UNAUTHORIZED, "Invalid API key", version);
    }
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    match (&head.method, segments.as_slice()) {
        (&Method::GET, ["server", "about"]) => ok_json(&cache.about),
        (&Method::POST, ["assets"]) => {
            let announced = head
                .headers
                .get(CONTENT_LENGTH)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.parse::<u64>().ok());
            let mut body = body;
            let mut received = 0u64;
            while let Some(frame) = body.frame().await {
                match frame {
                    Ok(frame) => {
                        if let Some(data) = frame.data_ref() {
                            received += data.len() as u64;
                        }
                    }
                    Err(_) => {
                        return status(StatusCode::BAD_REQUEST, "upload body broke off", version)
                    }
                }
            }
            shared.sink_bytes.fetch_add(received, Ordering::Relaxed);
            if announced.is_some_and(|n| n != received) {
                return status(StatusCode::BAD_REQUEST, "body length differs", version);
            }
            let n = shared.sink_uploads.fetch_add(1, Ordering::Relaxed);
            Reply::json(
                StatusCode::CREATED,
                &json!({ "id": super::util::uuid(0x51c, n), "status": "created" }),
            )
        }
        // What `immich upload` asks before it sends: the file types (the full server's list)
        // and which checksums the server has (none: the sink keeps nothing).
        (&Method::GET, ["server", "media-types"]) => Reply::json(
            StatusCode::OK,
            &json!({
                "image": [".jpg", ".jpeg", ".png", ".heic", ".gif", ".webp", ".dng"],
                "video": [".mp4", ".mov", ".webm", ".mkv"],
                "sidecar": [".xmp"],
            }),
        ),
        (&Method::POST, ["assets", "bulk-upload-check"]) => {
            let Ok(collected) = http_body_util::Limited::new(body, 16 << 20).collect().await else {
                return status(StatusCode::BAD_REQUEST, "cannot read the body", version);
            };
            let Ok(request) = serde_json::from_slice::<serde_json::Value>(&collected.to_bytes())
            else {
                return status(StatusCode::BAD_REQUEST, "the body is not JSON", version);
            };
            let Some(items) = request.get("assets").and_then(|a| a.as_array()) else {
                return status(StatusCode::BAD_REQUEST, "assets must be an array", version);
            };
            let results: Vec<serde_json::Value> = items
                .iter()
                .map(|item| json!({ "id": item.get("id"), "action": "accept" }))
                .collect();
            Reply::json(StatusCode::OK, &json!({ "results": results }))
        }
        (&Method::GET, ["assets", _, "video", "playback"]) => {
            let total = shared.options.sink_video_len;
            let mut reply = Reply::new(
                StatusCode::OK,
                "video/mp4",
                ReplyBody::repeat(cache.video_chunk.clone(), 0, total),
            );
            reply
                .headers
                .insert(ETAG, HeaderValue::from_static("\"sink-video\""));
            apply_range(head.headers.get(RANGE), total, reply)
        }
        (&Method::GET, ["assets", _, "thumbnail"]) => {
            let mut reply = Reply::new(
                StatusCode::OK,
                "image/jpeg",
                ReplyBody::bytes(cache.thumbnail.clone()),
            );
            reply
                .headers
                .insert(ETAG, HeaderValue::from_static("\"sink-thumbnail\""));
            reply
        }
        (&Method::POST, ["search", "metadata"]) => {
            let Ok(collected) = http_body_util::Limited::new(body, 1 << 20).collect().await else {
                return status(StatusCode::BAD_REQUEST, "cannot read the body", version);
            };
            let json_body = head
                .headers
                .get(CONTENT_TYPE)
                .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
            let page = serde_json::from_slice::<serde_json::Value>(&collected.to_bytes())
                .ok()
                .filter(|_| json_body)
                .map(|v| v.get("page").and_then(|p| p.as_u64()).unwrap_or(1));
            match page.and_then(|p| cache.search.page(usize::try_from(p).ok()?)) {
                Some(bytes) => ok_json(&bytes),
                None => status(StatusCode::BAD_REQUEST, "no such page", version),
            }
        }
        _ => status(StatusCode::NOT_FOUND, "not in sink mode", version),
    }
}
