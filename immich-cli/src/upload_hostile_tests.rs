//! Bounded property runs of hostile local input for `immich upload`: mutated Takeout JSONs and
//! random Takeout names, mutated image and video prefixes for the capture-time reader, mutated
//! zip archives for the lister. The property for all: no panic, no hang (each case bounded in
//! time), and answers that keep their rules. A fixed seed, so a failure replays; the input is
//! in the failure message.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::{Duration, Instant};

use crate::upload_exif::{capture_time_in, movie_time};
use crate::upload_takeout::{match_names, parse_json};
use crate::upload_zip::list;

/// The longest one case may take (debug builds, a busy machine): a parser that loops is far
/// slower than this.
const CASE_TIME: Duration = Duration::from_secs(2);

/// `default` cases, or `IMMICH_HOSTILE_CASES` of them (a longer run by hand).
fn cases(default: u64) -> u64 {
    std::env::var("IMMICH_HOSTILE_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// xorshift64*: small, fast, and enough to pick mutations.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1)
    }
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    /// In `0..n` (`n > 0`).
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// Byte runs that parsers of lengths and offsets find hardest.
const ODD_BYTES: &[&[u8]] = &[
    &[0xFF],
    &[0x00],
    &[0xFF, 0xFF, 0xFF, 0xFF],
    &[0x00, 0x00, 0x00, 0x00],
    &[0x7F, 0xFF, 0xFF, 0xFF],
    &[0x80, 0x00, 0x00, 0x00],
    &[0x00, 0x00, 0x00, 0x01],
    &[0xFF, 0xD8, 0xFF, 0xE1],
    b"Exif\0\0",
    b"II*\0",
    b"MM\0*",
    b"meta",
    b"iloc",
    b"ftyp",
    b"RIFF",
    b"EXIF",
    b"eXIf",
];

/// One to four mutations: flipped bytes, odd runs written over or inserted, cuts, a slice
/// repeated.
fn mutate(rng: &mut Rng, bytes: &mut Vec<u8>) {
    for _ in 0..=rng.below(4) {
        let at = rng.below(bytes.len() + 1);
        match rng.below(6) {
            0 if at < bytes.len() => bytes[at] ^= 1 << rng.below(8),
            1 if at < bytes.len() => bytes[at] = rng.next() as u8,
            2 => {
                let run = *rng.pick(ODD_BYTES);
                let end = (at + run.len()).min(bytes.len());
                bytes.splice(at..end, run.iter().copied());
            }
            3 => {
                let run = *rng.pick(ODD_BYTES);
                bytes.splice(at..at, run.iter().copied());
            }
            4 => bytes.truncate(at),
            _ => {
                let len = rng.below(16).min(bytes.len() - at.min(bytes.len()));
                let slice: Vec<u8> = bytes[at.min(bytes.len())..at.min(bytes.len()) + len].to_vec();
                bytes.splice(at..at, slice);
            }
        }
    }
}

/// Runs `check` on `input`; a panic or a slow case fails with the input.
fn guarded(what: &str, input: &[u8], check: impl FnOnce()) {
    let started = Instant::now();
    let outcome = catch_unwind(AssertUnwindSafe(check));
    let took = started.elapsed();
    assert!(
        outcome.is_ok(),
        "{what} panicked on {:?}",
        String::from_utf8_lossy(input)
    );
    assert!(
        took < CASE_TIME,
        "{what} took {took:?} on {:?}",
        String::from_utf8_lossy(input)
    );
}

/// An ISO box: size, type, body.
fn iso_box(kind: &[u8; 4], body: &[u8]) -> Vec<u8> {
    let mut b = u32::try_from(8 + body.len())
        .unwrap_or(u32::MAX)
        .to_be_bytes()
        .to_vec();
    b.extend(kind);
    b.extend(body);
    b
}

/// Small files of each kind the capture-time reader knows, each with a date in it.
fn image_seeds() -> Vec<Vec<u8>> {
    let jpeg = crate::upload_exif::tests::jpeg_with_exif(&[
        (0x9003, "2024:06:15 10:00:00"),
        (0x9011, "+02:00"),
        (0x9291, "123"),
    ]);
    // The TIFF inside the JPEG's APP1 (after marker, length and `Exif\0\0`; before the scan).
    let tiff = jpeg[12..jpeg.len() - 6].to_vec();
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    png.extend(u32::try_from(tiff.len()).unwrap_or(0).to_be_bytes());
    png.extend(b"eXIf");
    png.extend(&tiff);
    png.extend([0, 0, 0, 0]);
    let mut webp_body = b"WEBP".to_vec();
    webp_body.extend(b"EXIF");
    webp_body.extend(u32::try_from(tiff.len()).unwrap_or(0).to_le_bytes());
    webp_body.extend(&tiff);
    let mut webp = b"RIFF".to_vec();
    webp.extend(u32::try_from(webp_body.len()).unwrap_or(0).to_le_bytes());
    webp.extend(webp_body);
    let mut exif_item = vec![0, 0, 0, 6];
    exif_item.extend(b"Exif\0\0");
    exif_item.extend(&tiff);
    let mut heif = iso_box(b"ftyp", b"heic\0\0\0\0mif1heic");
    heif.extend(iso_box(b"meta", &[0u8; 4]));
    heif.extend(iso_box(b"mdat", &exif_item));
    let mut movie = iso_box(b"ftyp", b"qt  \0\0\0\0qt  ");
    let mut mvhd = vec![0u8, 0, 0, 0];
    mvhd.extend(3_801_290_400u32.to_be_bytes());
    mvhd.extend([0u8; 90]);
    movie.extend(iso_box(b"moov", &iso_box(b"mvhd", &mvhd)));
    vec![jpeg, tiff, png, webp, heif, movie]
}

#[test]
fn the_capture_time_readers_survive_mutated_images_and_movies() {
    let seeds = image_seeds();
    // The seeds are read as they are (the run is not all rejections).
    // The seeds are read as they are (the run is not all rejections): the EXIF ones by the
    // EXIF reader, the movie by the movie reader (the HEIF one is only a shape to bend).
    let read = |s: &[u8]| {
        capture_time_in(s).is_some()
            || movie_time(&mut std::io::Cursor::new(s), s.len() as u64).is_some()
    };
    let read: Vec<bool> = seeds.iter().map(|s| read(s)).collect();
    assert_eq!(read, [true, true, true, true, false, true]);
    let mut rng = Rng::new(0x1_3a9e_5eed);
    for _ in 0..cases(4_000) {
        let mut bytes = rng.pick(&seeds).clone();
        mutate(&mut rng, &mut bytes);
        guarded("capture_time_in", &bytes, || {
            let _ = capture_time_in(&bytes);
        });
        guarded("movie_time", &bytes, || {
            let _ = movie_time(&mut std::io::Cursor::new(&bytes), bytes.len() as u64);
        });
    }
}

/// Pieces of Takeout names: counters, dots, the supplemental suffix whole and cut, edited
/// copies, unicode.
const NAME_PARTS: &[&str] = &[
    "IMG_1",
    "photo",
    "a",
    ".",
    ".jpg",
    ".JPG",
    ".heic",
    ".mp4",
    "(1)",
    "(2)",
    "(12)",
    "(",
    ")",
    "-edited",
    "-bearbeitet",
    "-modifié",
    ".supplemental-metadata",
    ".suppl",
    ".s",
    "é",
    "🌞",
    " ",
];

fn random_name(rng: &mut Rng) -> String {
    let mut name = String::new();
    for _ in 0..=rng.below(6) {
        let part: &&str = rng.pick(NAME_PARTS);
        name.push_str(part);
    }
    if rng.below(4) == 0 {
        // Long names, for the cut rules (46 and 47 characters).
        name.push_str(&"n".repeat(30 + rng.below(30)));
        let extension: &&str = rng.pick(&[".jpg", ".mp4", ""]);
        name.push_str(extension);
    }
    name
}

/// A JSON name for `media`: by one of Google's rules, or at random.
fn json_name(rng: &mut Rng, media: &str) -> String {
    let cut = |text: &str, n: usize| -> String { text.chars().take(n).collect() };
    match rng.below(7) {
        0 => format!("{media}.json"),
        1 => format!("{media}.supplemental-metadata.json"),
        2 => format!("{media}.suppl.json"),
        3 => match media.rsplit_once('.') {
            Some((stem, _)) => format!("{stem}.json"),
            None => format!("{media}.json"),
        },
        4 => format!("{}.json", cut(media, 46 + rng.below(2))),
        5 => format!("{}{}.json", random_name(rng), rng.pick(&["", "(1)", "(2)"])),
        _ => format!("{media}(1).json"),
    }
}

/// The name a JSON stands for, loosely: `.json` off, a counter at the end off, the
/// supplemental suffix (or a start of it) off. `None` when it does not end in `.json`.
fn json_stands_for(json: &str) -> Option<(String, Option<String>)> {
    let lower = json.to_lowercase();
    let text = lower.strip_suffix(".json")?;
    let (text, counter) = match text.strip_suffix(')').and_then(|t| t.rsplit_once('(')) {
        Some((base, digits))
            if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) =>
        {
            (base, Some(format!("({digits})")))
        }
        _ => (text, None),
    };
    let text = match text.rsplit_once('.') {
        Some((stem, suffix)) if !stem.is_empty() && "supplemental-metadata".starts_with(suffix) => {
            stem
        }
        _ => text,
    };
    Some((text.to_owned(), counter))
}

/// Whether pairing `media` with `json` follows from a rule: what the JSON stands for starts
/// the media name, or its name without the counter, or its original's (an edited copy), and a
/// counter in the JSON is one the media name has.
fn a_rule_holds(media: &str, json: &str) -> bool {
    let Some((stands_for, counter)) = json_stands_for(json) else {
        return false;
    };
    let lower = media.to_lowercase();
    let mut forms = vec![lower.clone()];
    if let Some(counter) = &counter {
        if !lower.contains(counter.as_str()) {
            return false;
        }
        forms.push(lower.replacen(counter.as_str(), "", 1));
    }
    for form in forms.clone() {
        for suffix in [
            "-edited",
            "-bearbeitet",
            "-modifié",
            "-modificado",
            "-modifica",
        ] {
            if form.contains(suffix) {
                forms.push(form.replacen(suffix, "", 1));
            }
        }
    }
    forms.iter().any(|form| form.starts_with(&stands_for))
}

#[test]
fn takeout_names_pair_only_by_a_rule_and_jsons_never_panic() {
    let mut rng = Rng::new(0x7a_4e07);
    let mut paired = 0;
    let runs = cases(3_000);
    for _ in 0..runs {
        let media: Vec<String> = (0..=rng.below(5)).map(|_| random_name(&mut rng)).collect();
        let jsons: Vec<String> = (0..=rng.below(6))
            .map(|_| {
                let of = rng.pick(&media).clone();
                json_name(&mut rng, &of)
            })
            .collect();
        let media_refs: Vec<&str> = media.iter().map(String::as_str).collect();
        let json_refs: Vec<&str> = jsons.iter().map(String::as_str).collect();
        let input = format!("{media:?} {jsons:?}");
        let mut pairs = Vec::new();
        guarded("match_names", input.as_bytes(), || {
            pairs = match_names(&media_refs, &json_refs);
        });
        assert_eq!(pairs.len(), media.len(), "{input}");
        for (name, pair) in media.iter().zip(&pairs) {
            if let Some(i) = pair {
                let json = jsons.get(*i).map_or("", String::as_str);
                assert!(a_rule_holds(name, json), "{name:?} paired with {json:?}");
                paired += 1;
            }
        }
    }
    assert!(
        paired > runs / 3,
        "only {paired} pairs: the run tests little"
    );

    let seeds: [&[u8]; 3] = [
        br#"{"title":"IMG_1.jpg","photoTakenTime":{"timestamp":"1718445600"},"geoData":{"latitude":48.1,"longitude":11.5},"description":"x","favorited":true}"#,
        br#"{"title":"Holidays","description":""}"#,
        br#"{"photoTakenTime":{"timestamp":1718445600},"geoDataExif":{"latitude":0.0,"longitude":0.0},"archived":true}"#,
    ];
    for _ in 0..runs {
        let mut bytes = rng.pick(&seeds).to_vec();
        mutate(&mut rng, &mut bytes);
        guarded("parse_json", &bytes, || {
            let _ = parse_json(&bytes);
        });
    }
}

/// A small stored archive of three entries (one in a folder).
fn small_zip() -> Vec<u8> {
    use std::io::Write;
    use zip::write::SimpleFileOptions;
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for (name, body) in [
        ("IMG_1.jpg", &b"\xFF\xD8\xFF\xD9"[..]),
        ("album/IMG_2.jpg", b"\xFF\xD8 two \xFF\xD9"),
        ("IMG_1.jpg.json", br#"{"title":"IMG_1.jpg"}"#),
    ] {
        if writer.start_file(name, options).is_err() || writer.write_all(body).is_err() {
            return Vec::new();
        }
    }
    writer.finish().map(|c| c.into_inner()).unwrap_or_default()
}

#[test]
fn the_zip_lister_lists_or_refuses_every_mutated_archive() {
    let seed = small_zip();
    assert!(!seed.is_empty());
    let dir = std::env::temp_dir().join(format!("immich-zip-fuzz-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("archive.zip");
    let mut rng = Rng::new(0x21b_f022);
    for case in 0..cases(1_500) {
        let mut bytes = seed.clone();
        if case > 0 {
            mutate(&mut rng, &mut bytes);
        }
        std::fs::write(&path, &bytes).unwrap();
        let mut listing = None;
        guarded("upload_zip::list", &bytes, || {
            listing = Some(list(&path, true));
        });
        let Some(listing) = listing else { continue };
        // Nothing vanishes: with a file in the archive (as the zip crate reads it, or when it
        // cannot), something is listed, or there is a reason why not.
        let files = match zip::ZipArchive::new(std::io::Cursor::new(bytes.as_slice())) {
            Ok(mut archive) => (0..archive.len())
                .filter(|&i| archive.by_index_raw(i).map_or(true, |e| !e.is_dir()))
                .count(),
            Err(_) => 1,
        };
        assert!(
            files == 0 || !listing.found.is_empty() || !listing.passed.is_empty(),
            "nothing listed and no reason, case {case}"
        );
        for passed in &listing.passed {
            assert!(!passed.reason.trim().is_empty(), "case {case}: {passed:?}");
        }
        for entry in &listing.found {
            assert!(
                !entry.rel.is_empty()
                    && !entry.rel.starts_with('/')
                    && !entry.rel.split('/').any(|p| p == ".." || p.is_empty()),
                "case {case}: {:?}",
                entry.rel
            );
        }
        if case == 0 {
            assert_eq!(listing.found.len(), 3, "{listing:?}");
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}
