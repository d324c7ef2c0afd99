//! `immich upload --takeout`: a Google Photos Takeout (its zips, one or many parts, or the
//! extracted folder) read as one library.
//!
//! The layout is `Takeout/Google Photos/<folder>/<files>`: year folders (`Photos from 2019`)
//! hold every photo of their year; a folder with album metadata (`metadata.json`, or a
//! localized name: any JSON of the folder with a `title` and no `photoTakenTime`) is an album
//! named by its `title` (by the folder's name when the title is empty); other folders
//! (`Archive`, `Trash`...) are none. Each media file has a JSON sidecar
//! (capture time, GPS, description, favourite, archived, trashed) whose name Google derives
//! from the media's name with quirks; [`match_names`] pairs them by name only, within a
//! folder, and never guesses: a file no rule pairs is reported, not given a near miss.
//!
//! A Takeout split over several zips is one Takeout: files are grouped by their folder below
//! `Google Photos`, whatever part they are in. After the upload, [`apply`] sets what the JSON
//! says on each asset; on assets that were on the server already it compares with the asset's
//! current state and sends only what differs (the re-run that repairs an earlier import).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::Read;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use immich_blocking::assets::{AssetChanges, AssetVisibility};
use immich_blocking::proto::assets::{GetAssetInfo, UpdateAsset};
use immich_blocking::proto::DateTime;
use immich_blocking::{AssetId, Client};
use serde::{Deserialize, Serialize};

use crate::upload_select::{extension, Entry};

/// The largest JSON read from a Takeout: a sidecar is a few hundred bytes, so more is hostile
/// or not a sidecar.
pub const MAX_JSON_BYTES: u64 = 4 << 20;

/// The suffix Google now puts between the media name and `.json` (cut short when the whole
/// name would pass 51 characters).
const SUPPLEMENTAL: &str = "supplemental-metadata";

/// How many characters of a long name Google keeps in its JSON's name (without `.json`).
const TRUNCATED_LENGTHS: [usize; 2] = [46, 47];

/// What Google Photos appends to the name of an edited copy, per language. The copy has no
/// JSON of its own: it uses the original's.
const EDITED_SUFFIXES: &[&str] = &[
    "-edited",
    "-bearbeitet",
    "-modifié",
    "-modifie",
    "-editado",
    "-editada",
    "-modificato",
    "-bewerkt",
    "-redigerad",
    "-redigeret",
    "-redigert",
    "-muokattu",
    "-edytowane",
    "-upraveno",
    "-szerkesztett",
];

// ---- the JSON files

/// A `{"timestamp": "..."}` object of a Takeout JSON.
#[derive(Debug, Deserialize)]
struct TimeField {
    #[serde(default)]
    timestamp: Option<StringOrNumber>,
}

/// Google writes numbers as strings; a number is taken too.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum StringOrNumber {
    Text(String),
    Number(i64),
}

/// A `geoData` / `geoDataExif` object.
#[derive(Debug, Deserialize)]
struct GeoField {
    #[serde(default)]
    latitude: Option<f64>,
    #[serde(default)]
    longitude: Option<f64>,
}

/// The fields read from any JSON of a Takeout folder; the others are ignored, a field of the
/// wrong type makes the whole file malformed.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawJson {
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    photo_taken_time: Option<TimeField>,
    #[serde(default)]
    geo_data: Option<GeoField>,
    #[serde(default)]
    geo_data_exif: Option<GeoField>,
    #[serde(default)]
    favorited: Option<bool>,
    #[serde(default)]
    archived: Option<bool>,
    #[serde(default)]
    trashed: Option<bool>,
}

/// What a media file's JSON sidecar says.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MediaMeta {
    /// When it was taken (unix seconds).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub taken: Option<i64>,
    /// Latitude and longitude (a JSON's 0,0 means none).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<(f64, f64)>,
    /// Its description, when not empty.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub favorite: bool,
    pub archived: bool,
    pub trashed: bool,
}

impl MediaMeta {
    /// When it was taken, as a file time.
    pub fn taken_time(&self) -> Option<SystemTime> {
        let seconds = self.taken?;
        if seconds >= 0 {
            UNIX_EPOCH.checked_add(Duration::from_secs(seconds.unsigned_abs()))
        } else {
            UNIX_EPOCH.checked_sub(Duration::from_secs(seconds.unsigned_abs()))
        }
    }

    /// The metadata as words, for a dry run's line.
    pub fn describe(&self) -> String {
        let mut words = Vec::new();
        if let Some(taken) = self.taken {
            words.push(format!(
                "taken {}",
                DateTime::from_unix(taken, 0).to_utc_string()
            ));
        }
        if let Some((lat, lon)) = self.location {
            words.push(format!("GPS {lat},{lon}"));
        }
        if self.description.is_some() {
            words.push("a description".to_owned());
        }
        if self.favorite {
            words.push("favourite".to_owned());
        }
        if self.archived {
            words.push("archived".to_owned());
        }
        words.join(", ")
    }
}

/// One JSON of a Takeout folder, read.
#[derive(Debug, Clone, PartialEq)]
pub enum TakeoutJson {
    /// A media file's sidecar.
    Media(MediaMeta),
    /// The album's metadata (`metadata.json` and its localized names): its title.
    Album(Option<String>),
}

/// Reads one JSON of a Takeout folder: album metadata when it has a `title` and no
/// `photoTakenTime`, a media sidecar otherwise. Anything malformed is an error (never a
/// default).
pub fn parse_json(bytes: &[u8]) -> Result<TakeoutJson, String> {
    let raw: RawJson =
        serde_json::from_slice(bytes).map_err(|e| format!("malformed Takeout JSON: {e}"))?;
    if raw.photo_taken_time.is_none() && raw.title.is_some() {
        return Ok(TakeoutJson::Album(
            raw.title.filter(|t| !t.trim().is_empty()),
        ));
    }
    let taken = match raw.photo_taken_time.and_then(|t| t.timestamp) {
        None => None,
        Some(StringOrNumber::Number(n)) => Some(n),
        Some(StringOrNumber::Text(text)) => Some(text.trim().parse::<i64>().map_err(|_| {
            format!("malformed Takeout JSON: photoTakenTime.timestamp {text:?} is not a number")
        })?),
    };
    let location = [raw.geo_data_exif, raw.geo_data]
        .into_iter()
        .flatten()
        .filter_map(|g| Some((g.latitude?, g.longitude?)))
        .find(|(lat, lon)| {
            (*lat != 0.0 || *lon != 0.0)
                && (-90.0..=90.0).contains(lat)
                && (-180.0..=180.0).contains(lon)
        });
    Ok(TakeoutJson::Media(MediaMeta {
        taken,
        location,
        description: raw.description.filter(|d| !d.trim().is_empty()),
        favorite: raw.favorited.unwrap_or(false),
        archived: raw.archived.unwrap_or(false),
        trashed: raw.trashed.unwrap_or(false),
    }))
}

// ---- matching names

/// `NAME(n)` at the end of `text`: the name and the counter.
fn split_counter_end(text: &str) -> Option<(&str, u32)> {
    let inner = text.strip_suffix(')')?;
    let open = inner.rfind('(')?;
    let digits = &inner[open + 1..];
    if digits.is_empty() || digits.len() > 6 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some((&text[..open], digits.parse().ok()?))
}

/// A media name's counter, which sits before its extension: `IMG_1(1).jpg` is `IMG_1.jpg`
/// and 1.
fn split_media_counter(name: &str) -> Option<(String, u32)> {
    match name.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() => {
            let (base, n) = split_counter_end(stem)?;
            Some((format!("{base}.{ext}"), n))
        }
        _ => {
            let (base, n) = split_counter_end(name)?;
            Some((base.to_owned(), n))
        }
    }
}

/// The media name a JSON's name stands for (maybe cut short, maybe without extension), and
/// its counter: `.json` off, then a `(n)` counter at the end, then the supplemental-metadata
/// suffix or any start of it (and a dot left bare by the cut).
fn json_key(json_name: &str) -> Option<(String, Option<u32>)> {
    let dot = json_name.len().checked_sub(5)?;
    if !json_name.is_char_boundary(dot) || !json_name[dot..].eq_ignore_ascii_case(".json") {
        return None;
    }
    let text = &json_name[..dot];
    let (text, counter) = match split_counter_end(text) {
        Some((base, n)) => (base, Some(n)),
        None => (text, None),
    };
    let text = match text.rsplit_once('.') {
        Some((stem, suffix))
            if !stem.is_empty()
                && suffix.len() <= SUPPLEMENTAL.len()
                && SUPPLEMENTAL.starts_with(&suffix.to_ascii_lowercase()) =>
        {
            stem
        }
        _ => text,
    };
    if text.is_empty() {
        return None;
    }
    Some((text.to_owned(), counter))
}

/// The original's name of an edited copy: `IMG_1-edited.jpg` is `IMG_1.jpg` (a counter
/// stays: `IMG_1-edited(1).jpg` is `IMG_1(1).jpg`).
fn edited_original(name: &str) -> Option<String> {
    let (stem, ext) = match name.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() => (stem, Some(ext)),
        _ => (name, None),
    };
    let (stem, counter) = match split_counter_end(stem) {
        Some((base, n)) => (base, Some(n)),
        None => (stem, None),
    };
    let lower = stem.to_lowercase();
    let suffix = EDITED_SUFFIXES.iter().find(|s| lower.ends_with(*s))?;
    // Lower-casing can change byte lengths: cut by characters.
    let keep = stem.chars().count().checked_sub(suffix.chars().count())?;
    if keep == 0 {
        return None;
    }
    let mut original: String = stem.chars().take(keep).collect();
    if let Some(n) = counter {
        original.push_str(&format!("({n})"));
    }
    if let Some(ext) = ext {
        original.push('.');
        original.push_str(ext);
    }
    Some(original)
}

/// The media JSONs of one folder, by the name each stands for.
struct JsonIndex {
    by_key: HashMap<(String, Option<u32>), usize>,
}

impl JsonIndex {
    fn new(jsons: &[&str]) -> JsonIndex {
        let mut by_key = HashMap::new();
        for (i, name) in jsons.iter().enumerate() {
            if let Some(key) = json_key(name) {
                by_key.entry(key).or_insert(i);
            }
        }
        JsonIndex { by_key }
    }

    fn get(&self, stem: &str, counter: Option<u32>) -> Option<usize> {
        self.by_key.get(&(stem.to_owned(), counter)).copied()
    }

    /// The JSON of `name` by the rules that need no edit: the whole name, the name without
    /// extension, the name cut to 46 or 47 characters; each with the counter where Google puts
    /// it in a JSON (after the extension) or kept in the name.
    fn lookup(&self, name: &str) -> Option<usize> {
        let mut forms: Vec<(String, Option<u32>)> = vec![(name.to_owned(), None)];
        if let Some((base, n)) = split_media_counter(name) {
            forms.push((base, Some(n)));
        }
        for (form, counter) in &forms {
            if let Some(i) = self.get(form, *counter) {
                return Some(i);
            }
        }
        for (form, counter) in &forms {
            if let Some((stem, _)) = form.rsplit_once('.').filter(|(s, _)| !s.is_empty()) {
                if let Some(i) = self.get(stem, *counter) {
                    return Some(i);
                }
            }
        }
        for (form, counter) in &forms {
            let chars = form.chars().count();
            for len in TRUNCATED_LENGTHS {
                if chars > len {
                    let cut: String = form.chars().take(len).collect();
                    if let Some(i) = self.get(&cut, *counter) {
                        return Some(i);
                    }
                }
            }
        }
        None
    }
}

/// Pairs the media files of one folder with its media JSONs, by name only: for each media
/// name, the index of its JSON, or `None` when no rule pairs them (never a near miss).
///
/// The rules, first match wins: `IMG_1.jpg.json`; the supplemental-metadata suffix, whole or
/// cut (`IMG_1.jpg.supplemental-metadata.json`, `IMG_1.jpg.suppl.json`); the counter moved
/// behind the extension (`IMG_1(1).jpg` with `IMG_1.jpg(1).json`); no extension
/// (`IMG_1.json`); a long name cut to 46 or 47 characters; an edited copy
/// (`IMG_1-edited.jpg`, `-bearbeitet`, `-modifié`, ...) with its original's JSON.
pub fn match_names(media: &[&str], jsons: &[&str]) -> Vec<Option<usize>> {
    let index = JsonIndex::new(jsons);
    media
        .iter()
        .map(|name| {
            index
                .lookup(name)
                .or_else(|| edited_original(name).and_then(|o| index.lookup(&o)))
        })
        .collect()
}

/// The album of a Takeout folder: only a folder with album metadata is an album (the title,
/// or the folder's name when the title is empty). Year folders have none, and neither do the
/// Takeout's other folders without it ("Archive", "Trash", "Failed Videos", in the user's
/// language): naming albums after those would invent albums the user never had.
pub fn album_of(folder: &str, metadata: Option<Option<&str>>) -> Option<String> {
    match metadata {
        Some(Some(title)) if !title.trim().is_empty() => Some(title.to_owned()),
        Some(_) if !folder.is_empty() => Some(folder.to_owned()),
        _ => None,
    }
}

// ---- reading a Takeout

/// The folder of an entry below the Takeout's product folder (`Google Photos`): the parts
/// after `Takeout/<product>/`, or the entry's own folder when the path has no `Takeout`
/// part (a `Google Photos` or album folder named directly). Empty at the top.
fn takeout_folder(entry: &Entry) -> String {
    let parts = entry.folder_parts();
    if let Some(at) = parts.iter().rposition(|p| *p == "Takeout") {
        return parts.get(at + 2..).unwrap_or_default().join("/");
    }
    match parts.last() {
        Some(last) if !last.starts_with("Google ") => (*last).to_owned(),
        _ => String::new(),
    }
}

/// The folder's own name (its last part).
fn folder_name(folder: &str) -> &str {
    folder.rsplit('/').next().unwrap_or(folder)
}

/// What the Takeout says about one of its media files.
#[derive(Debug, Clone, Default)]
pub struct TakeoutFile {
    /// The JSON sidecar matched (as reports name it).
    pub json: Option<String>,
    /// What it says.
    pub meta: Option<MediaMeta>,
    /// The album of its folder.
    pub album: Option<String>,
}

/// A file of the Takeout passed over, and why.
#[derive(Debug, Clone)]
pub struct TakeoutPassed {
    /// As reports name it.
    pub path: String,
    pub reason: String,
    /// A failure (unreadable or malformed), not a choice.
    pub failed: bool,
}

/// A Takeout, read: its files other than its JSONs, and what the JSONs say about them.
#[derive(Debug, Default)]
pub struct Takeout {
    /// Every file but the JSONs of its folders and the trashed media left out.
    pub found: Vec<Entry>,
    /// JSONs that could not be read or matched nothing, trashed media.
    pub passed: Vec<TakeoutPassed>,
    /// By [`Entry::shown`]: the JSON, metadata and album of each file of a Takeout folder.
    pub files: HashMap<String, TakeoutFile>,
    /// (JSON, media file) pairs, as reports name them.
    pub sidecars: Vec<(String, String)>,
}

impl TakeoutFile {
    /// When it was taken, by its JSON.
    pub fn taken_time(&self) -> Option<SystemTime> {
        self.meta.as_ref().and_then(MediaMeta::taken_time)
    }

    /// What a dry run says of it: the metadata its JSON gives, or that none matched.
    pub fn plan_note(&self) -> String {
        match &self.meta {
            None => NO_JSON.to_owned(),
            Some(meta) => {
                let words = meta.describe();
                if words.is_empty() {
                    "with its Takeout JSON".to_owned()
                } else {
                    format!("with its Takeout JSON: {words}")
                }
            }
        }
    }
}

/// How a media file of the Takeout without a JSON is reported.
pub const NO_JSON: &str = "no JSON sidecar matched";

impl Takeout {
    /// What the Takeout says about `entry` (nothing for a file outside its folders).
    pub fn file(&self, entry: &Entry) -> Option<&TakeoutFile> {
        self.files.get(&entry.shown())
    }
}

/// Reads the JSON of an entry, at most [`MAX_JSON_BYTES`].
fn read_json(entry: &Entry) -> Result<TakeoutJson, String> {
    if entry.size > MAX_JSON_BYTES {
        return Err(format!(
            "a Takeout JSON of {} bytes: refused (more than {MAX_JSON_BYTES})",
            entry.size
        ));
    }
    let mut bytes = Vec::new();
    entry
        .open()
        .and_then(|r| r.take(MAX_JSON_BYTES + 1).read_to_end(&mut bytes))
        .map_err(|e| format!("cannot read it: {e}"))?;
    if bytes.len() as u64 > MAX_JSON_BYTES {
        return Err(format!(
            "a Takeout JSON of more than {MAX_JSON_BYTES} bytes: refused"
        ));
    }
    parse_json(&bytes)
}

/// The files of one Takeout folder (from every part).
#[derive(Default)]
struct FolderFiles {
    /// Everything but its JSONs.
    media: Vec<Entry>,
    /// Its JSONs, read.
    jsons: Vec<(Entry, TakeoutJson)>,
}

/// Splits the files found in the Takeout's parts: the JSONs of its folders are read and
/// matched with the media files of the same folder (all parts together); trashed media are
/// left out unless `include_trashed`.
pub fn read(found: Vec<Entry>, include_trashed: bool) -> Takeout {
    let mut takeout = Takeout::default();
    let mut folders: BTreeMap<String, FolderFiles> = BTreeMap::new();
    for entry in found {
        let folder = takeout_folder(&entry);
        let is_json = extension(entry.name()) == "json";
        if is_json && !folder.is_empty() {
            match read_json(&entry) {
                Ok(json) => folders.entry(folder).or_default().jsons.push((entry, json)),
                Err(reason) => takeout.passed.push(TakeoutPassed {
                    path: entry.shown(),
                    reason,
                    failed: true,
                }),
            }
        } else {
            folders.entry(folder).or_default().media.push(entry);
        }
    }
    for (folder, FolderFiles { media, jsons }) in folders {
        let metadata = jsons.iter().find_map(|(_, j)| match j {
            TakeoutJson::Album(title) => Some(title.as_deref()),
            TakeoutJson::Media(_) => None,
        });
        let album = album_of(folder_name(&folder), metadata);
        let sidecars: Vec<(&Entry, &MediaMeta)> = jsons
            .iter()
            .filter_map(|(e, j)| match j {
                TakeoutJson::Media(meta) => Some((e, meta)),
                TakeoutJson::Album(_) => None,
            })
            .collect();
        let json_names: Vec<&str> = sidecars.iter().map(|(e, _)| e.name()).collect();
        let media_names: Vec<&str> = media.iter().map(Entry::name).collect();
        let matched = if folder.is_empty() {
            vec![None; media.len()]
        } else {
            match_names(&media_names, &json_names)
        };
        let mut used = HashSet::new();
        for (entry, json) in media.into_iter().zip(matched) {
            let sidecar = json.and_then(|j| sidecars.get(j).map(|s| (j, s)));
            if let Some((j, (json_entry, _))) = sidecar {
                used.insert(j);
                takeout.sidecars.push((json_entry.shown(), entry.shown()));
            }
            let meta = sidecar.map(|(_, (_, meta))| (*meta).clone());
            if meta.as_ref().is_some_and(|m| m.trashed) && !include_trashed {
                takeout.passed.push(TakeoutPassed {
                    path: entry.shown(),
                    reason: "trashed in Google Photos (--include-trashed takes it)".into(),
                    failed: false,
                });
                continue;
            }
            if !folder.is_empty() {
                takeout.files.insert(
                    entry.shown(),
                    TakeoutFile {
                        json: sidecar.map(|(_, (e, _))| e.shown()),
                        meta,
                        album: album.clone(),
                    },
                );
            }
            takeout.found.push(entry);
        }
        for (j, (entry, _)) in sidecars.iter().enumerate() {
            if !used.contains(&j) {
                takeout.passed.push(TakeoutPassed {
                    path: entry.shown(),
                    reason: "a Takeout JSON that no file of its folder matched".into(),
                    failed: false,
                });
            }
        }
    }
    takeout
}

// ---- after the upload

/// One asset to give its Takeout metadata.
pub struct Apply<'a> {
    pub id: AssetId,
    /// The file, as reports name it.
    pub path: String,
    pub meta: &'a MediaMeta,
    /// Uploaded by this run: nothing to compare with, everything the JSON says is sent (but
    /// the date, see [`changes_for`]).
    pub new: bool,
    /// The file (for a new asset, its own EXIF date is read).
    pub entry: &'a Entry,
}

/// What [`apply`] did to one asset.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Applied {
    pub id: AssetId,
    pub path: String,
    /// Uploaded by this run (else: on the server before, and fixed).
    pub new: bool,
    /// What was set: date, gps, description, favorite, archived.
    pub changes: Vec<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// The most two readings of one instant can differ by when one of them took a local time for
/// UTC: time zones run from UTC-12 to UTC+14.
const ZONE_SKEW_SECONDS: i64 = 14 * 3600;

/// The changes that bring an asset to what its JSON says. A new asset gets everything; one
/// already on the server (`current`) gets what it misses: GPS and a description only when it
/// has none (one set in Immich since is the user's, kept), favourite and archived when the
/// JSON sets them (never taken back).
///
/// The date taken is set only when the asset's own date (the server's, or for a new asset
/// `own_date`, the file's EXIF date) is missing or further from Google's than any time zone
/// can explain: the wrong date of an earlier import (usually the day of the upload), or a
/// date corrected in Google Photos. Google's date is an instant without a zone, so setting it
/// where the file's own date agrees would move the photo to UTC's wall-clock time.
pub fn changes_for(
    meta: &MediaMeta,
    current: Option<&immich_blocking::assets::Asset>,
    own_date: Option<i64>,
) -> (AssetChanges, Vec<&'static str>) {
    let mut changes = AssetChanges::new();
    let mut what = Vec::new();
    let exif = current.and_then(|a| a.exif_info.as_ref());
    if let Some(taken) = meta.taken {
        let now = match current {
            Some(a) => Some(
                exif.and_then(|e| e.date_time_original)
                    .unwrap_or(a.file_created_at)
                    .unix_seconds(),
            ),
            None => own_date,
        };
        if now.is_none_or(|now| now.abs_diff(taken) > ZONE_SKEW_SECONDS.unsigned_abs()) {
            changes = changes.date_time_original(DateTime::from_unix(taken, 0));
            what.push("date");
        }
    }
    if let Some((lat, lon)) = meta.location {
        let has_location = exif.is_some_and(|e| e.latitude.is_some() && e.longitude.is_some());
        if current.is_none() || !has_location {
            changes = changes.location(lat, lon);
            what.push("gps");
        }
    }
    if let Some(description) = &meta.description {
        let has_description = exif.is_some_and(|e| {
            e.description
                .as_deref()
                .is_some_and(|d| !d.trim().is_empty())
        });
        if current.is_none() || !has_description {
            changes = changes.description(description.clone());
            what.push("description");
        }
    }
    if meta.favorite && !current.is_some_and(|a| a.is_favorite) {
        changes = changes.favorite(true);
        what.push("favorite");
    }
    let archived = current
        .is_some_and(|a| a.is_archived || a.visibility.as_ref() == Some(&AssetVisibility::Archive));
    if meta.archived && !archived {
        changes = changes.visibility(AssetVisibility::Archive);
        what.push("archived");
    }
    (changes, what)
}

/// Sets the Takeout's metadata on the assets, `threads` at a time: an update per asset that
/// needs one (an asset already on the server is read first, and only what differs is sent).
pub fn apply(client: &Client, items: &[Apply<'_>], threads: usize) -> Vec<Applied> {
    let mut results: Vec<Option<Applied>> = vec![None; items.len()];
    let never = AtomicBool::new(false);
    crate::upload::parallel(
        items,
        threads,
        &never,
        |item| {
            let mut applied = Applied {
                id: item.id.clone(),
                path: item.path.clone(),
                new: item.new,
                changes: Vec::new(),
                error: None,
            };
            let current = if item.new {
                None
            } else {
                match client.send(&GetAssetInfo::new(item.id.clone())) {
                    Ok(asset) => Some(asset),
                    Err(e) => {
                        applied.error = Some(format!("cannot read the asset: {e}"));
                        return applied;
                    }
                }
            };
            let own_date = if item.new {
                crate::upload_exif::capture_time(item.entry).map(|t| t.unix_seconds)
            } else {
                None
            };
            let (changes, what) = changes_for(item.meta, current.as_ref(), own_date);
            if changes.is_empty() {
                return applied;
            }
            match client.send(&UpdateAsset::new(item.id.clone(), changes)) {
                Ok(_) => applied.changes = what,
                Err(e) => applied.error = Some(format!("cannot set its Takeout metadata: {e}")),
            }
            applied
        },
        |slot, applied| results[slot] = Some(applied),
    );
    results.into_iter().flatten().collect()
}

/// What `--takeout` did, for the summary.
#[derive(Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TakeoutReport {
    /// Media files no JSON sidecar matched (uploaded with their file's dates).
    pub unmatched: Vec<String>,
    /// Assets uploaded by this run that got their JSON's metadata.
    pub set_on_new: usize,
    /// Assets already on the server that were missing some of it, and what they got.
    pub fixed: Vec<Applied>,
    /// Assets whose metadata could not be set.
    pub failed: Vec<Applied>,
}

impl TakeoutReport {
    /// Sorts what [`apply`] did.
    pub fn new(applied: Vec<Applied>, unmatched: Vec<String>) -> TakeoutReport {
        let mut report = TakeoutReport {
            unmatched,
            ..TakeoutReport::default()
        };
        for a in applied {
            if a.error.is_some() {
                report.failed.push(a);
            } else if a.new {
                report.set_on_new += usize::from(!a.changes.is_empty());
            } else if !a.changes.is_empty() {
                report.fixed.push(a);
            }
        }
        report
    }

    /// The summary's lines (to be escaped for the terminal by the caller).
    pub fn lines(&self, dry_run: bool) -> Vec<String> {
        let mut lines = Vec::new();
        if !dry_run {
            lines.push(format!(
                "takeout: metadata set on {} uploaded asset(s), {} asset(s) already on the \
                 server fixed",
                self.set_on_new,
                self.fixed.len()
            ));
        }
        for a in &self.fixed {
            lines.push(format!("  fixed {}: {}", a.path, a.changes.join(", ")));
        }
        if !self.unmatched.is_empty() {
            lines.push(format!(
                "takeout: {NO_JSON} for {} file(s) (they keep their file's dates):",
                self.unmatched.len()
            ));
            for path in &self.unmatched {
                lines.push(format!("  {path}"));
            }
        }
        lines
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matched(media: &[&str], jsons: &[&str]) -> Vec<Option<String>> {
        match_names(media, jsons)
            .into_iter()
            .map(|m| m.map(|j| jsons[j].to_owned()))
            .collect()
    }

    fn one(media: &str, jsons: &[&str]) -> Option<String> {
        matched(&[media], jsons).remove(0)
    }

    #[test]
    fn plain_names() {
        assert_eq!(
            one("IMG_1.jpg", &["IMG_1.jpg.json"]).as_deref(),
            Some("IMG_1.jpg.json")
        );
        assert_eq!(one("IMG_1.jpg", &["IMG_2.jpg.json"]), None);
        assert_eq!(
            one("IMG_1.jpg", &["IMG_1.JPG.json"]),
            None,
            "names keep their case"
        );
        assert_eq!(
            one(
                "PXL_20231118_035751175.MP.jpg",
                &["PXL_20231118_035751175.MP.jpg.json"]
            )
            .as_deref(),
            Some("PXL_20231118_035751175.MP.jpg.json")
        );
    }

    #[test]
    fn supplemental_metadata_whole_or_cut() {
        for json in [
            "IMG_1.jpg.supplemental-metadata.json",
            "IMG_1.jpg.supplemental-metad.json",
            "IMG_1.jpg.supplemental.json",
            "IMG_1.jpg.suppl.json",
            "IMG_1.jpg.s.json",
            "IMG_1.jpg..json",
            "IMG_1.jpg.SUPPLEMENTAL-METADATA.json",
        ] {
            assert_eq!(one("IMG_1.jpg", &[json]).as_deref(), Some(json), "{json}");
        }
        assert_eq!(one("IMG_1.jpg", &["IMG_1.jpg.other.json"]), None);
        assert_eq!(
            one("IMG_1(1).jpg", &["IMG_1.jpg.supplemental-metadata(1).json"]).as_deref(),
            Some("IMG_1.jpg.supplemental-metadata(1).json")
        );
    }

    #[test]
    fn counters_move_behind_the_extension() {
        let jsons = ["IMG_1.jpg.json", "IMG_1.jpg(1).json", "IMG_1.jpg(2).json"];
        assert_eq!(
            matched(
                &["IMG_1.jpg", "IMG_1(1).jpg", "IMG_1(2).jpg", "IMG_1(3).jpg"],
                &jsons
            ),
            [
                Some("IMG_1.jpg.json".to_owned()),
                Some("IMG_1.jpg(1).json".to_owned()),
                Some("IMG_1.jpg(2).json".to_owned()),
                None
            ]
        );
        // A counter never matches a JSON without one, nor the other way round.
        assert_eq!(one("IMG_2(1).jpg", &["IMG_2.jpg.json"]), None);
        assert_eq!(one("IMG_3.jpg", &["IMG_3.jpg(1).json"]), None);
        // A name with a counter of its own keeps it in the JSON's name.
        assert_eq!(
            one("IMG_4(1).jpg", &["IMG_4(1).jpg.json"]).as_deref(),
            Some("IMG_4(1).jpg.json")
        );
    }

    #[test]
    fn edited_copies_use_the_original_json() {
        for media in [
            "IMG_1-edited.jpg",
            "IMG_1-bearbeitet.jpg",
            "IMG_1-modifié.jpg",
            "IMG_1-EDITED.jpg",
        ] {
            assert_eq!(
                one(media, &["IMG_1.jpg.json"]).as_deref(),
                Some("IMG_1.jpg.json"),
                "{media}"
            );
        }
        assert_eq!(
            one("IMG_1-edited(1).jpg", &["IMG_1.jpg(1).json"]).as_deref(),
            Some("IMG_1.jpg(1).json")
        );
        assert_eq!(one("IMG_1-edited.jpg", &["IMG_2.jpg.json"]), None);
        assert_eq!(one("IMG_1-cropped.jpg", &["IMG_1.jpg.json"]), None);
    }

    #[test]
    fn json_without_the_extension() {
        assert_eq!(
            one("IMG_1.jpg", &["IMG_1.json"]).as_deref(),
            Some("IMG_1.json")
        );
        assert_eq!(
            one("IMG_1(1).jpg", &["IMG_1(1).json"]).as_deref(),
            Some("IMG_1(1).json")
        );
        // The full name wins over the name without extension.
        assert_eq!(
            one("IMG_1.jpg", &["IMG_1.json", "IMG_1.jpg.json"]).as_deref(),
            Some("IMG_1.jpg.json")
        );
    }

    #[test]
    fn long_names_cut_to_46_or_47_characters() {
        let media = "a_very_long_file_name_from_a_phone_camera_app_2019_12_31.jpg";
        assert_eq!(media.len(), 60);
        let cut46 = format!("{}.json", &media[..46]);
        let cut47 = format!("{}.json", &media[..47]);
        assert_eq!(one(media, &[&cut46]), Some(cut46.clone()));
        assert_eq!(one(media, &[&cut47]), Some(cut47.clone()));
        // Cut shorter than Google does: not this file's.
        let cut40 = format!("{}.json", &media[..40]);
        assert_eq!(one(media, &[&cut40]), None);
        // immich-go's cases.
        assert!(one(
            "PXL_20230809_203449253.LONG_EXPOSURE-02.ORIGINA.jpg",
            &["PXL_20230809_203449253.LONG_EXPOSURE-02.ORIGIN.json"]
        )
        .is_some());
        assert!(one(
            "13039_327707840323_537645323_9470255_27214_n(1).jpg",
            &["13039_327707840323_537645323_9470255_27214_n.j(1).json"]
        )
        .is_some());
        // A cut that ends on the extension's dot (`name..json`: the name without its
        // extension).
        let dotted = format!("{}.jpeg", "d".repeat(45));
        let dotted_json = format!("{}..json", "d".repeat(45));
        assert_eq!(one(&dotted, &[&dotted_json]), Some(dotted_json.clone()));
        // Characters, not bytes.
        let wide = "é".repeat(50) + ".jpg";
        let wide_json = "é".repeat(46) + ".json";
        assert_eq!(one(&wide, &[&wide_json]), Some(wide_json.clone()));
    }

    #[test]
    fn no_rule_no_match() {
        assert_eq!(one("IMG_1.jpg", &[]), None);
        assert_eq!(one("IMG_10.jpg", &["IMG_1.jpg.json"]), None);
        assert_eq!(
            one("IMG_1.jpg", &["IMG_10.jpg.json", "metadata.json"]),
            None
        );
        assert_eq!(one("x.jpg", &[".json", "x.jpg.jsonx"]), None);
    }

    #[test]
    fn year_folders_and_albums() {
        assert_eq!(album_of("Photos from 2019", None), None);
        assert_eq!(album_of("", None), None);
        // Without album metadata a folder is no album (Archive, Trash, ...).
        assert_eq!(album_of("Trip", None), None);
        assert_eq!(album_of("Archive", None), None);
        assert_eq!(album_of("Trip", Some(Some("  "))).as_deref(), Some("Trip"));
        assert_eq!(
            album_of("Trip(1)", Some(Some("Trip to Rome"))).as_deref(),
            Some("Trip to Rome")
        );
        // An album's metadata makes a year-like name an album.
        assert_eq!(
            album_of("Summer 2019", Some(Some("Summer 2019"))).as_deref(),
            Some("Summer 2019")
        );
        assert_eq!(
            album_of("Summer 2019", Some(None)).as_deref(),
            Some("Summer 2019")
        );
    }

    #[test]
    fn json_contents() {
        let media = br#"{"title":"IMG_1.jpg","description":"At the beach",
            "photoTakenTime":{"timestamp":"1561939200","formatted":"1 Jul 2019"},
            "geoData":{"latitude":0.0,"longitude":0.0},
            "geoDataExif":{"latitude":48.85,"longitude":2.29,"altitude":30.0},
            "favorited":true,"archived":true,"url":"https://photos.google.com/x",
            "people":[{"name":"A"}]}"#;
        assert_eq!(
            parse_json(media).unwrap(),
            TakeoutJson::Media(MediaMeta {
                taken: Some(1_561_939_200),
                location: Some((48.85, 2.29)),
                description: Some("At the beach".into()),
                favorite: true,
                archived: true,
                trashed: false,
            })
        );
        let bare = br#"{"title":"x.jpg","photoTakenTime":{"timestamp":"0"},"description":"",
            "geoData":{"latitude":0,"longitude":0}}"#;
        assert_eq!(
            parse_json(bare).unwrap(),
            TakeoutJson::Media(MediaMeta {
                taken: Some(0),
                ..MediaMeta::default()
            })
        );
        let trashed = br#"{"photoTakenTime":{"timestamp":"1"},"trashed":true}"#;
        assert!(matches!(parse_json(trashed), Ok(TakeoutJson::Media(m)) if m.trashed));
        // Album metadata: a title and no photoTakenTime, whatever the file is called.
        let album = br#"{"title":"Trip to Rome","description":"","access":"protected",
            "date":{"timestamp":"1561939200"}}"#;
        assert_eq!(
            parse_json(album).unwrap(),
            TakeoutJson::Album(Some("Trip to Rome".into()))
        );
        assert_eq!(
            parse_json(br#"{"title":""}"#).unwrap(),
            TakeoutJson::Album(None)
        );
        // Malformed: an error, never a default.
        for bad in [
            &b"{not json"[..],
            br#"[1,2]"#,
            br#"{"photoTakenTime":{"timestamp":"yesterday"}}"#,
            br#"{"photoTakenTime":{"timestamp":"1"},"favorited":"yes"}"#,
            br#"{"geoData":{"latitude":"north"}}"#,
        ] {
            assert!(parse_json(bad).is_err(), "{}", String::from_utf8_lossy(bad));
        }
    }

    /// An asset as the server answers it, with `exif_info` for its EXIF.
    fn server_asset(
        favorite: bool,
        visibility: &str,
        exif_info: serde_json::Value,
    ) -> immich_blocking::assets::Asset {
        serde_json::from_value(serde_json::json!({
            "id": "7f3c0a52-1b2d-4c3e-9f00-0123456789ab",
            "ownerId": "7f3c0a52-1b2d-4c3e-9f00-0123456789ac",
            "type": "IMAGE",
            "originalFileName": "IMG_1.jpg",
            "checksum": "AAAA",
            "fileCreatedAt": "2024-01-01T00:00:00.000Z",
            "fileModifiedAt": "2024-01-01T00:00:00.000Z",
            "localDateTime": "2024-01-01T00:00:00.000Z",
            "updatedAt": "2024-01-01T00:00:00.000Z",
            "isFavorite": favorite,
            "isArchived": visibility == "archive",
            "isTrashed": false,
            "isOffline": false,
            "visibility": visibility,
            "exifInfo": exif_info,
        }))
        .unwrap()
    }

    #[test]
    fn only_what_differs_is_fixed() {
        let meta = MediaMeta {
            taken: Some(1_561_939_200),
            location: Some((48.85, 2.29)),
            description: Some("Beach".into()),
            favorite: true,
            archived: true,
            trashed: false,
        };
        let (changes, what) = changes_for(&meta, None, None);
        assert!(!changes.is_empty());
        assert_eq!(what, ["date", "gps", "description", "favorite", "archived"]);
        let empty = MediaMeta::default();
        let (changes, what) = changes_for(&empty, None, None);
        assert!(changes.is_empty() && what.is_empty());

        // On the server already: only what differs; favourite and archived never taken back.
        let asset = |favorite: bool, taken: &str, visibility: &str| {
            server_asset(
                favorite,
                visibility,
                serde_json::json!({"dateTimeOriginal": taken, "latitude": 48.85,
                    "longitude": 2.29, "description": "Beach"}),
            )
        };
        let same = asset(true, "2019-07-01T00:00:00.000Z", "archive");
        let (changes, what) = changes_for(&meta, Some(&same), None);
        assert!(changes.is_empty(), "{what:?}");
        let undone = asset(false, "2024-02-02T00:00:00.000Z", "timeline");
        let (_, what) = changes_for(&meta, Some(&undone), None);
        assert_eq!(what, ["date", "favorite", "archived"]);
        // A location or description set in Immich since is the user's: kept, even when it
        // differs; one the asset lacks is added.
        let mut edited = asset(true, "2019-07-01T00:00:00.000Z", "archive");
        if let Some(exif) = edited.exif_info.as_mut() {
            exif.latitude = Some(10.0);
            exif.description = Some("Edited in Immich".into());
        }
        let (changes, what) = changes_for(&meta, Some(&edited), None);
        assert!(changes.is_empty(), "{what:?}");
        if let Some(exif) = edited.exif_info.as_mut() {
            exif.latitude = None;
            exif.longitude = None;
            exif.description = Some(" ".into());
        }
        let (_, what) = changes_for(&meta, Some(&edited), None);
        assert_eq!(what, ["gps", "description"]);
        let plain = MediaMeta {
            taken: Some(1_561_939_200),
            ..MediaMeta::default()
        };
        let (changes, _) = changes_for(&plain, Some(&same), None);
        assert!(
            changes.is_empty(),
            "a favourite or archive is never taken back"
        );
    }

    #[test]
    fn the_date_is_set_only_beyond_what_a_time_zone_explains() {
        let taken = 1_561_939_200; // 2019-07-01T00:00:00Z
        let meta = MediaMeta {
            taken: Some(taken),
            ..MediaMeta::default()
        };
        let dated = |at: &str| {
            server_asset(
                false,
                "timeline",
                serde_json::json!({"dateTimeOriginal": at}),
            )
        };
        // On the server: a camera's local time read as UTC (9 h, or 14 h, off) is the same
        // moment; the day of an earlier upload is not.
        for (at, fixed) in [
            ("2019-07-01T09:00:00.000Z", false),
            ("2019-06-30T10:00:00.000Z", false),
            ("2019-07-01T14:00:00.000Z", false),
            ("2019-07-01T14:00:01.000Z", true),
            ("2024-01-01T00:00:00.000Z", true),
        ] {
            let (_, what) = changes_for(&meta, Some(&dated(at)), None);
            assert_eq!(what.contains(&"date"), fixed, "{at}");
        }
        // A new asset: its file's EXIF date, when it has one, is the server's to read (with
        // its zone); none, or one far off (corrected in Google Photos), and Google's is set.
        let (_, what) = changes_for(&meta, None, Some(taken + 2 * 3600));
        assert!(!what.contains(&"date"));
        let (_, what) = changes_for(&meta, None, Some(taken - 400 * 86_400));
        assert!(what.contains(&"date"));
        let (_, what) = changes_for(&meta, None, None);
        assert!(what.contains(&"date"));
    }
}
