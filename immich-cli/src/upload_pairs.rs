//! Files that belong together, by name, in the same folder: XMP sidecars, live photos, RAW+JPEG
//! and HEIC+JPEG pairs, and bursts. Names only: no file is opened.
//!
//! - Sidecar: `IMG_1.jpg.xmp` goes with `IMG_1.jpg`; `IMG_1.xmp` with every image whose name
//!   without extension is `IMG_1` and that has no sidecar of the first kind.
//! - Live photo: one video (`.mov`, `.mp4`) and photos (`.heic`, `.heif`, `.jpg`, `.jpeg`) of
//!   the same name without extension: the video is the photos' motion part.
//! - Pair: two or more images (RAW, HEIC, JPEG) of the same name without extension: one stack.
//! - Burst: names that say so (`IMG_20240101_120000_BURST001_COVER.jpg` and its `_BURST002`...,
//!   `DSC_0001_BURST20240101120000123.JPG` and the others of that `BURST` time,
//!   `20240101_120000_001.jpg` and the others of that second): one stack, the `_COVER` file (or
//!   the first by name) on top.
//! - Burst by time: numbered names that follow each other (`IMG_0001.JPG`, `IMG_0002.JPG`,
//!   `IMG_0003.JPG`: the same text before the number, the number one more each time, the same
//!   extension) whose capture times (EXIF) are at most one second from the previous frame's:
//!   one stack, the first on top. A file already in a pair or a named burst stays there.
//!
//! Names are compared ignoring case. Only bursts by time need more than names: the capture
//! times the caller read ([`Named::taken`]), for the files [`burst_candidates`] names.

use std::collections::{BTreeMap, HashMap};

use crate::upload_args::StackCover;
use crate::upload_exif::CaptureTime;
use crate::upload_select::extension;

/// One file for pairing: its folder (any key that is equal for files of the same folder), its
/// name, and when it was taken (when known and needed: see [`burst_candidates`]).
#[derive(Debug, Clone, Copy)]
pub struct Named<'a> {
    pub folder: &'a str,
    pub name: &'a str,
    pub taken: Option<CaptureTime>,
}

/// What belongs together, by index into the lists given to [`plan`].
#[derive(Debug, Default, PartialEq)]
pub struct Plan {
    /// Media index -> sidecar index.
    pub sidecar_of: HashMap<usize, usize>,
    /// Photo index -> the index of its live photo video.
    pub live_video_of: HashMap<usize, usize>,
    /// Stacks of media indexes, the cover first.
    pub stacks: Vec<Vec<usize>>,
    /// Sidecars with no media file.
    pub lone_sidecars: Vec<usize>,
}

const RAW: &[&str] = &[
    "3fr", "ari", "arw", "cr2", "cr3", "crw", "dcr", "dng", "erf", "iiq", "k25", "kdc", "mrw",
    "nef", "nrw", "orf", "pef", "raf", "raw", "rw2", "rwl", "sr2", "srf", "srw", "x3f",
];

fn is_raw(ext: &str) -> bool {
    RAW.contains(&ext)
}

fn is_jpeg(ext: &str) -> bool {
    matches!(ext, "jpg" | "jpeg")
}

fn is_still(ext: &str) -> bool {
    is_jpeg(ext) || matches!(ext, "heic" | "heif")
}

fn is_live_video(ext: &str) -> bool {
    matches!(ext, "mov" | "mp4")
}

fn is_image(ext: &str) -> bool {
    is_still(ext)
        || is_raw(ext)
        || matches!(
            ext,
            "png" | "webp" | "avif" | "jxl" | "tif" | "tiff" | "gif"
        )
}

/// The name without its last extension, lower case.
fn stem(name: &str) -> String {
    match name.rsplit_once('.') {
        Some((stem, _)) if !stem.is_empty() => stem.to_lowercase(),
        _ => name.to_lowercase(),
    }
}

/// The burst a name without extension belongs to, and whether it is the burst's cover.
pub fn burst_key(stem: &str) -> Option<(String, bool)> {
    let upper = stem.to_ascii_uppercase();
    if let Some(at) = upper.find("_BURST") {
        let rest = &upper[at + 6..];
        let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
        let after = &rest[digits.len()..];
        let cover = after == "_COVER";
        if !digits.is_empty() && (after.is_empty() || cover) {
            // Sony names each frame differently and the burst by its time; others name the
            // burst and number the frames.
            return Some(if digits.len() >= 14 {
                (format!("burst:{digits}"), cover)
            } else {
                (format!("burst:{}", &upper[..at]), cover)
            });
        }
    }
    // 20240101_120000_001: frames of one second.
    let b = upper.as_bytes();
    let digit = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
    if b.len() == 19
        && digit(0..8)
        && b[8] == b'_'
        && digit(9..15)
        && b[15] == b'_'
        && digit(16..19)
    {
        return Some((format!("burst:{}", &upper[..15]), false));
    }
    None
}

/// A name without extension split into the text before its trailing number and that number
/// (`IMG_0001` -> `img_`, 1); `None` without one, or with a number too long to be a counter.
fn numbered(stem: &str) -> Option<(&str, u64)> {
    let prefix = stem.trim_end_matches(|c: char| c.is_ascii_digit());
    let digits = &stem[prefix.len()..];
    if digits.is_empty() || digits.len() > 18 {
        return None;
    }
    Some((prefix, digits.parse().ok()?))
}

/// The key of a possible burst by time: folder, text before the number, extension.
type NumberedKey<'a> = (&'a str, String, String);

/// The images whose name numbers them in a run with another of the same folder, text and
/// extension (`IMG_0001.JPG` and `IMG_0002.JPG`): only their capture times decide whether
/// they are a burst, so only theirs need reading. Images of a pair (same name) are left out:
/// they stay in their pair. None when `stack` is false (`--no-stack`).
pub fn burst_candidates(media: &[Named<'_>], stack: bool) -> Vec<usize> {
    if !stack {
        return Vec::new();
    }
    let mut images_of_stem: HashMap<(&str, String), usize> = HashMap::new();
    for m in media {
        if is_image(&extension(m.name)) {
            *images_of_stem.entry((m.folder, stem(m.name))).or_default() += 1;
        }
    }
    let mut numbers: HashMap<NumberedKey<'_>, Vec<(u64, usize)>> = HashMap::new();
    for (i, m) in media.iter().enumerate() {
        let ext = extension(m.name);
        let stem = stem(m.name);
        if !is_image(&ext) || images_of_stem.get(&(m.folder, stem.clone())) != Some(&1) {
            continue;
        }
        if let Some((prefix, number)) = numbered(&stem) {
            let key = (m.folder, prefix.to_owned(), ext);
            numbers.entry(key).or_default().push((number, i));
        }
    }
    let mut candidates = Vec::new();
    for run in numbers.values() {
        let present: std::collections::HashSet<u64> = run.iter().map(|(n, _)| *n).collect();
        for &(number, i) in run {
            let before = number.checked_sub(1).is_some_and(|n| present.contains(&n));
            let after = number.checked_add(1).is_some_and(|n| present.contains(&n));
            if before || after {
                candidates.push(i);
            }
        }
    }
    candidates.sort_unstable();
    candidates
}

/// Works out what belongs together. `stack` false: no stacks (`--no-stack`).
pub fn plan(media: &[Named<'_>], sidecars: &[Named<'_>], cover: StackCover, stack: bool) -> Plan {
    let mut plan = Plan::default();

    // Sidecars: `name.ext.xmp` first, then `name.xmp`.
    let mut by_full: HashMap<(&str, String), usize> = HashMap::new();
    let mut by_stem: HashMap<(&str, String), usize> = HashMap::new();
    for (i, s) in sidecars.iter().enumerate() {
        let inner = stem(s.name);
        if inner.contains('.') {
            by_full.insert((s.folder, inner), i);
        } else {
            by_stem.insert((s.folder, inner), i);
        }
    }
    let mut used = vec![false; sidecars.len()];
    for (i, m) in media.iter().enumerate() {
        if let Some(&s) = by_full.get(&(m.folder, m.name.to_lowercase())) {
            plan.sidecar_of.insert(i, s);
            used[s] = true;
        }
    }
    for (i, m) in media.iter().enumerate() {
        if plan.sidecar_of.contains_key(&i) || !is_image(&extension(m.name)) {
            continue;
        }
        if let Some(&s) = by_stem.get(&(m.folder, stem(m.name))) {
            plan.sidecar_of.insert(i, s);
            used[s] = true;
        }
    }
    plan.lone_sidecars = (0..sidecars.len()).filter(|i| !used[*i]).collect();

    // Groups of the same name without extension.
    let mut groups: BTreeMap<(&str, String), Vec<usize>> = BTreeMap::new();
    for (i, m) in media.iter().enumerate() {
        groups.entry((m.folder, stem(m.name))).or_default().push(i);
    }
    let mut stacked = vec![false; media.len()];
    for members in groups.values() {
        let ext = |i: usize| extension(media[i].name);
        let videos: Vec<usize> = members
            .iter()
            .copied()
            .filter(|&i| is_live_video(&ext(i)))
            .collect();
        let stills: Vec<usize> = members
            .iter()
            .copied()
            .filter(|&i| is_still(&ext(i)))
            .collect();
        if let ([video], false) = (videos.as_slice(), stills.is_empty()) {
            for &photo in &stills {
                plan.live_video_of.insert(photo, *video);
            }
        }
        let mut images: Vec<usize> = members
            .iter()
            .copied()
            .filter(|&i| is_raw(&ext(i)) || is_still(&ext(i)))
            .collect();
        if stack && images.len() >= 2 {
            // The cover first, then by name.
            let rank = |i: usize| -> u8 {
                let e = ext(i);
                match cover {
                    StackCover::Jpeg if is_jpeg(&e) => 0,
                    StackCover::Raw if is_raw(&e) => 0,
                    StackCover::Raw if !is_jpeg(&e) => 1,
                    _ => 2,
                }
            };
            images.sort_by(|&a, &b| rank(a).cmp(&rank(b)).then(media[a].name.cmp(media[b].name)));
            for &i in &images {
                stacked[i] = true;
            }
            plan.stacks.push(images);
        }
    }

    // Bursts, of the images not already in a pair.
    if stack {
        let mut bursts: BTreeMap<(&str, String), Vec<(bool, usize)>> = BTreeMap::new();
        for (i, m) in media.iter().enumerate() {
            if stacked[i] || !is_image(&extension(m.name)) {
                continue;
            }
            if let Some((key, is_cover)) = burst_key(&stem(m.name)) {
                bursts
                    .entry((m.folder, key))
                    .or_default()
                    .push((is_cover, i));
            }
        }
        for mut frames in bursts.into_values() {
            if frames.len() < 2 {
                continue;
            }
            frames.sort_by(|a, b| b.0.cmp(&a.0).then(media[a.1].name.cmp(media[b.1].name)));
            for (_, i) in &frames {
                stacked[*i] = true;
            }
            plan.stacks
                .push(frames.into_iter().map(|(_, i)| i).collect());
        }
        plan.stacks.extend(bursts_by_time(media, &stacked));
    }
    plan
}

/// Runs of consecutively numbered images, each taken at most a second after the one before
/// (see [`Named::taken`]), among the images not `stacked` yet: the first frame on top.
fn bursts_by_time(media: &[Named<'_>], stacked: &[bool]) -> Vec<Vec<usize>> {
    let mut runs: BTreeMap<NumberedKey<'_>, Vec<(u64, usize)>> = BTreeMap::new();
    for (i, m) in media.iter().enumerate() {
        let ext = extension(m.name);
        if stacked[i] || m.taken.is_none() || !is_image(&ext) {
            continue;
        }
        let stem = stem(m.name);
        if let Some((prefix, number)) = numbered(&stem) {
            let key = (m.folder, prefix.to_owned(), ext);
            runs.entry(key).or_default().push((number, i));
        }
    }
    let mut stacks = Vec::new();
    for mut frames in runs.into_values() {
        frames.sort_unstable();
        let mut burst: Vec<(u64, usize)> = Vec::new();
        for frame in frames {
            let follows = burst.last().is_some_and(|&(number, i)| {
                let close = match (media[i].taken, media[frame.1].taken) {
                    (Some(a), Some(b)) => a.within_a_second_of(b),
                    _ => false,
                };
                number.checked_add(1) == Some(frame.0) && close
            });
            if !follows {
                if burst.len() >= 2 {
                    stacks.push(burst.iter().map(|(_, i)| *i).collect());
                }
                burst.clear();
            }
            burst.push(frame);
        }
        if burst.len() >= 2 {
            stacks.push(burst.iter().map(|(_, i)| *i).collect());
        }
    }
    stacks
}

#[cfg(test)]
mod tests {
    use super::*;

    fn named<'a>(names: &'a [&'a str]) -> Vec<Named<'a>> {
        names
            .iter()
            .map(|name| Named {
                folder: "f",
                name,
                taken: None,
            })
            .collect()
    }

    /// Media named `names`, taken at these (seconds, nanoseconds).
    fn timed<'a>(files: &[(&'a str, i64, Option<u32>)]) -> Vec<Named<'a>> {
        files
            .iter()
            .map(|&(name, unix_seconds, nanos)| Named {
                folder: "f",
                name,
                taken: Some(CaptureTime {
                    unix_seconds,
                    nanos,
                }),
            })
            .collect()
    }

    #[test]
    fn bursts_by_time_and_number() {
        let t = 1_700_000_000;
        let media = timed(&[
            ("IMG_0001.JPG", t, None),
            ("IMG_0002.JPG", t + 1, None),
            ("IMG_0003.JPG", t + 1, None),
            // A gap of two seconds: a new run.
            ("IMG_0004.JPG", t + 3, None),
            ("IMG_0005.JPG", t + 5, None),
            // Within a second, but the numbers do not follow (0007 is missing).
            ("IMG_0006.JPG", t + 10, None),
            ("IMG_0008.JPG", t + 10, None),
            // Sub-seconds: 0.9 s apart is a burst, 1.1 s is not.
            ("DSC_0100.jpg", t + 20, Some(0)),
            ("DSC_0101.jpg", t + 20, Some(900_000_000)),
            ("DSC_0102.jpg", t + 22, Some(0)),
            // Another extension, or another prefix: not the same run.
            ("IMG_0007.HEIC", t + 10, None),
            ("PIC_0009.JPG", t + 10, None),
        ]);
        let p = plan(&media, &[], StackCover::Jpeg, true);
        assert_eq!(p.stacks, vec![vec![7, 8], vec![0, 1, 2]], "{:?}", p.stacks);
        assert!(plan(&media, &[], StackCover::Jpeg, false).stacks.is_empty());

        // Without capture times, numbered names alone are not a burst.
        let untimed = named(&["IMG_0001.JPG", "IMG_0002.JPG", "IMG_0003.JPG"]);
        assert!(plan(&untimed, &[], StackCover::Jpeg, true)
            .stacks
            .is_empty());
    }

    #[test]
    fn pairs_stay_pairs_among_bursts_by_time() {
        let t = 1_700_000_000;
        let media = timed(&[
            ("IMG_0001.JPG", t, None),
            ("IMG_0001.CR2", t, None),
            ("IMG_0002.JPG", t, None),
            ("IMG_0002.CR2", t, None),
            ("IMG_0003.JPG", t, None),
            ("IMG_0004.JPG", t + 1, None),
        ]);
        let p = plan(&media, &[], StackCover::Jpeg, true);
        assert!(p.stacks.contains(&vec![0, 1]), "{:?}", p.stacks);
        assert!(p.stacks.contains(&vec![2, 3]), "{:?}", p.stacks);
        assert!(p.stacks.contains(&vec![4, 5]), "{:?}", p.stacks);
        assert_eq!(p.stacks.len(), 3);
    }

    #[test]
    fn only_numbered_neighbours_are_burst_candidates() {
        let media = named(&[
            "IMG_0001.JPG",
            "IMG_0002.jpg",
            "IMG_0004.JPG",
            "IMG_0010.JPG",
            "IMG_0010.CR2",
            "IMG_0011.JPG",
            "clip_0001.mp4",
            "clip_0002.mp4",
            "IMG_0005.HEIC",
            "notes.jpg",
        ]);
        assert_eq!(burst_candidates(&media, true), vec![0, 1]);
        assert!(burst_candidates(&media, false).is_empty());
        assert_eq!(numbered("img_0001"), Some(("img_", 1)));
        assert_eq!(numbered("img_"), None);
        assert_eq!(numbered("1234567890123456789"), None);
    }

    #[test]
    fn sidecars_of_both_namings() {
        let media = named(&[
            "IMG_1.jpg",
            "IMG_2.jpg",
            "IMG_3.JPG",
            "IMG_3.dng",
            "clip.mp4",
        ]);
        let sidecars = named(&[
            "IMG_1.jpg.xmp",
            "IMG_2.xmp",
            "img_3.xmp",
            "other.xmp",
            "clip.xmp",
        ]);
        let plan = plan(&media, &sidecars, StackCover::Jpeg, true);
        assert_eq!(plan.sidecar_of.get(&0), Some(&0));
        assert_eq!(plan.sidecar_of.get(&1), Some(&1));
        assert_eq!(plan.sidecar_of.get(&2), Some(&2));
        assert_eq!(plan.sidecar_of.get(&3), Some(&2));
        assert_eq!(
            plan.sidecar_of.get(&4),
            None,
            "a video takes only name.ext.xmp"
        );
        assert_eq!(plan.lone_sidecars, vec![3, 4]);
    }

    #[test]
    fn live_photos_pairs_and_bursts() {
        let media = named(&[
            "IMG_10.HEIC",
            "IMG_10.MOV",
            "IMG_20.jpg",
            "IMG_20.cr2",
            "IMG_30.heic",
            "IMG_30.jpg",
            "IMG_40_BURST001_COVER.jpg",
            "IMG_40_BURST002.jpg",
            "IMG_40_BURST003.jpg",
            "20240101_120000_001.jpg",
            "20240101_120000_002.jpg",
            "lonely.jpg",
        ]);
        let p = plan(&media, &[], StackCover::Jpeg, true);
        assert_eq!(p.live_video_of, HashMap::from([(0, 1)]));
        assert!(p.stacks.contains(&vec![2, 3]), "{:?}", p.stacks);
        assert!(p.stacks.contains(&vec![5, 4]), "{:?}", p.stacks);
        assert!(p.stacks.contains(&vec![6, 7, 8]), "{:?}", p.stacks);
        assert!(p.stacks.contains(&vec![9, 10]), "{:?}", p.stacks);
        assert_eq!(p.stacks.len(), 4);
        let raw = plan(&media, &[], StackCover::Raw, true);
        assert!(raw.stacks.contains(&vec![3, 2]), "{:?}", raw.stacks);
        assert!(raw.stacks.contains(&vec![4, 5]), "{:?}", raw.stacks);
        let none = plan(&media, &[], StackCover::Jpeg, false);
        assert!(none.stacks.is_empty());
        assert_eq!(none.live_video_of.len(), 1);
    }

    #[test]
    fn burst_names() {
        assert_eq!(
            burst_key("img_1_burst001_cover"),
            Some(("burst:IMG_1".into(), true))
        );
        assert_eq!(
            burst_key("DSC_0001_BURST20230709220904977"),
            burst_key("DSC_0002_BURST20230709220904977").map(|(k, _)| (k, false))
        );
        assert_eq!(burst_key("IMG_1_BURSTY"), None);
        assert_eq!(burst_key("20240101_120000_001").map(|k| k.1), Some(false));
        assert_eq!(burst_key("20240101_120000"), None);
    }
}
