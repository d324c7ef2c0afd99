//! When a photo was taken, from its EXIF block: what `--date-range` compares, and what tells a
//! burst of numbered frames (upload_pairs.rs) from photos taken apart.
//!
//! Only a bounded prefix of a file is read, through [`Entry::open`], so a video or a huge RAW
//! is never read whole and a zip archive's entries (not seekable) are read like files on disk.
//! The parser (kamadak-exif) reads JPEG, HEIC/HEIF/AVIF, TIFF and the RAW formats built on it
//! (DNG, CR2, NEF, ARW...), PNG and WebP. A block that is missing, malformed, or stored past
//! the prefix gives no date: the caller falls back to the file's modification time. A
//! QuickTime/MP4 video has no EXIF: its movie header's creation time stands for it (box
//! headers only are read, seeking in a file on disk, within the prefix in an archive).

use std::io::{Cursor, Read, Seek, SeekFrom};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

use exif::{Exif, In, Reader, Tag, Value};
use immich_blocking::proto::time::DateTime;

use crate::upload_pairs::{self, Named};
use crate::upload_select::Entry;

/// Bytes read first, and all that is read of a JPEG: its EXIF segment (at most 64 KiB) comes
/// first or after a JFIF one, before the image data.
const FIRST_READ: u64 = 128 * 1024;
/// Bytes read at most, when the first read held no date: a RAW's EXIF IFD, or a HEIF's EXIF
/// item placed after other items, may sit further in.
const MAX_READ: u64 = 1024 * 1024;

/// An instant a photo was taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CaptureTime {
    /// Seconds since the Unix epoch, UTC.
    pub unix_seconds: i64,
    /// Nanoseconds within the second, when the EXIF block has sub-seconds.
    pub nanos: Option<u32>,
}

impl CaptureTime {
    /// Whether `other` is at most one second away: to the nanosecond when both have
    /// sub-seconds, else by whole seconds (12:00:00 and 12:00:01 are within one second).
    pub fn within_a_second_of(self, other: CaptureTime) -> bool {
        let seconds = i128::from(other.unix_seconds) - i128::from(self.unix_seconds);
        match (self.nanos, other.nanos) {
            (Some(a), Some(b)) => {
                let nanos = seconds * 1_000_000_000 + i128::from(b) - i128::from(a);
                nanos.abs() <= 1_000_000_000
            }
            _ => seconds.abs() <= 1,
        }
    }
}

/// The capture time of `entry`, from the EXIF block in its first bytes (a video: its movie
/// header); `None` when it has none, when it cannot be read, or when the block is malformed.
pub fn capture_time(entry: &Entry) -> Option<CaptureTime> {
    let mut reader = entry.open().ok()?;
    let mut prefix = Vec::new();
    reader
        .by_ref()
        .take(FIRST_READ)
        .read_to_end(&mut prefix)
        .ok()?;
    if let Some(time) = capture_time_in(&prefix) {
        return Some(time);
    }
    if is_iso_media(&prefix) && !is_heif(&prefix) {
        // A QuickTime or MP4 video: its movie header, found by seeking from box to box in a
        // file on disk (the `moov` box usually follows the media data), within the prefix in
        // an archive.
        return match entry.path() {
            Some(path) => {
                let mut file = std::fs::File::open(path).ok()?;
                let len = file.metadata().ok()?.len();
                movie_time(&mut file, len)
            }
            None => movie_time(&mut Cursor::new(&prefix), prefix.len() as u64),
        };
    }
    if (prefix.len() as u64) < FIRST_READ || prefix.starts_with(&[0xFF, 0xD8]) {
        // That was the whole file, or all of a JPEG that can hold EXIF.
        return None;
    }
    reader
        .take(MAX_READ - FIRST_READ)
        .read_to_end(&mut prefix)
        .ok()?;
    capture_time_in(&prefix)
}

/// The capture times of `entries`, read with `threads` threads, in their order.
pub fn capture_times(entries: &[&Entry], threads: usize) -> Vec<Option<CaptureTime>> {
    let times: Vec<OnceLock<Option<CaptureTime>>> =
        entries.iter().map(|_| OnceLock::new()).collect();
    let next = AtomicUsize::new(0);
    std::thread::scope(|scope| {
        for _ in 0..threads.clamp(1, entries.len().max(1)) {
            scope.spawn(|| loop {
                let index = next.fetch_add(1, Ordering::Relaxed);
                let Some(entry) = entries.get(index) else {
                    break;
                };
                let _ = times[index].set(capture_time(entry));
            });
        }
    });
    times
        .into_iter()
        .map(|time| time.into_inner().flatten())
        .collect()
}

/// Fills in the capture times of the files that may be a burst by time
/// ([`upload_pairs::burst_candidates`]) and have none yet: `named[i]` is `entries[i]`.
pub fn read_burst_times(named: &mut [Named<'_>], entries: &[Entry], stack: bool, threads: usize) {
    let wanted: Vec<usize> = upload_pairs::burst_candidates(named, stack)
        .into_iter()
        .filter(|&i| named[i].taken.is_none() && i < entries.len())
        .collect();
    let files: Vec<&Entry> = wanted.iter().map(|&i| &entries[i]).collect();
    for (i, taken) in wanted.into_iter().zip(capture_times(&files, threads)) {
        named[i].taken = taken;
    }
}

/// Boxes looked at, at most, at the top level of a video and inside its `moov`.
const MAX_BOXES: usize = 64;
/// Seconds from 1904-01-01 (QuickTime's epoch) to 1970-01-01.
const QUICKTIME_EPOCH_OFFSET: i64 = 2_082_844_800;

/// Whether `prefix` starts like an ISO base media file (MP4, QuickTime, HEIF): an `ftyp` box.
fn is_iso_media(prefix: &[u8]) -> bool {
    prefix.get(4..8) == Some(b"ftyp")
}

/// Whether the `ftyp` box names a HEIF brand (its EXIF is an item, not a movie header).
fn is_heif(prefix: &[u8]) -> bool {
    const BRANDS: [&[u8; 4]; 10] = [
        b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1", b"avif", b"avis",
    ];
    let size = prefix
        .get(0..4)
        .map_or(0, |b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize);
    let Some(ftyp) = prefix.get(8..size.min(prefix.len())) else {
        return false;
    };
    // The major brand, the minor version, then the compatible brands.
    ftyp.chunks_exact(4)
        .enumerate()
        .any(|(i, brand)| i != 1 && BRANDS.iter().any(|b| b.as_slice() == brand))
}

/// The creation time in a QuickTime/MP4 movie header (`moov`/`mvhd`, UTC by the format's
/// definition), reading box headers only; `None` when it is missing, zero or malformed.
pub fn movie_time<R: Read + Seek>(file: &mut R, len: u64) -> Option<CaptureTime> {
    let mut at = 0;
    for _ in 0..MAX_BOXES {
        let (kind, body, end) = box_at(file, at, len)?;
        if &kind == b"moov" {
            let mut child = body;
            for _ in 0..MAX_BOXES {
                let (kind, body, child_end) = box_at(file, child, end)?;
                if &kind == b"mvhd" {
                    return movie_header_time(file, body);
                }
                child = child_end;
            }
            return None;
        }
        at = end;
    }
    None
}

/// The box at `at`, ending by `limit`: its type, where its body starts and where it ends.
fn box_at<R: Read + Seek>(file: &mut R, at: u64, limit: u64) -> Option<([u8; 4], u64, u64)> {
    if at.checked_add(8)? > limit {
        return None;
    }
    file.seek(SeekFrom::Start(at)).ok()?;
    let mut header = [0u8; 8];
    file.read_exact(&mut header).ok()?;
    let kind = [header[4], header[5], header[6], header[7]];
    let (header_len, size) = match u32::from_be_bytes([header[0], header[1], header[2], header[3]])
    {
        // The size in the next 8 bytes.
        1 => {
            let mut large = [0u8; 8];
            file.read_exact(&mut large).ok()?;
            (16, u64::from_be_bytes(large))
        }
        // To the end.
        0 => (8, limit - at),
        size => (8, u64::from(size)),
    };
    if size < header_len {
        return None;
    }
    Some((kind, at + header_len, at.checked_add(size)?.min(limit)))
}

/// The creation time in an `mvhd` body: version 0 has 32-bit times, version 1 64-bit ones,
/// in seconds since 1904-01-01 UTC.
fn movie_header_time<R: Read + Seek>(file: &mut R, body: u64) -> Option<CaptureTime> {
    file.seek(SeekFrom::Start(body)).ok()?;
    let mut version_flags = [0u8; 4];
    file.read_exact(&mut version_flags).ok()?;
    let since_1904 = match version_flags[0] {
        0 => {
            let mut time = [0u8; 4];
            file.read_exact(&mut time).ok()?;
            u64::from(u32::from_be_bytes(time))
        }
        1 => {
            let mut time = [0u8; 8];
            file.read_exact(&mut time).ok()?;
            u64::from_be_bytes(time)
        }
        _ => return None,
    };
    if since_1904 == 0 {
        return None;
    }
    Some(CaptureTime {
        unix_seconds: i64::try_from(since_1904).ok()? - QUICKTIME_EPOCH_OFFSET,
        nanos: None,
    })
}

/// The capture time in the EXIF block of a file's first bytes (possibly cut short): the
/// DateTimeOriginal, else the DateTimeDigitized (the server's order too), with its
/// sub-seconds and its UTC offset (OffsetTimeOriginal/OffsetTimeDigitized) when present.
///
/// Damage elsewhere in the block (a thumbnail IFD cut off by the prefix) does not hide a date
/// that reads well; a date that does not is no date.
///
/// Without an offset, the local time the camera wrote is taken as UTC: the photo's own
/// calendar day then stays its day against `--date-range`'s UTC days, and a burst's frames,
/// all written alike, compare alike.
pub fn capture_time_in(bytes: &[u8]) -> Option<CaptureTime> {
    // The parser is meant never to panic; should hostile bytes find a way, that file simply
    // has no date rather than ending the upload.
    catch_unwind(AssertUnwindSafe(|| parse(bytes)))
        .ok()
        .flatten()
}

fn parse(bytes: &[u8]) -> Option<CaptureTime> {
    let mut reader = Reader::new();
    // A broken thumbnail IFD, or one cut off by the prefix, must not hide the date.
    reader.continue_on_error(true);
    let exif = match reader.read_from_container(&mut Cursor::new(bytes)) {
        Ok(exif) => exif,
        Err(e) => e.distill_partial_result(|_| {}).ok()?,
    };
    [
        (
            Tag::DateTimeOriginal,
            Tag::SubSecTimeOriginal,
            Tag::OffsetTimeOriginal,
        ),
        (
            Tag::DateTimeDigitized,
            Tag::SubSecTimeDigitized,
            Tag::OffsetTimeDigitized,
        ),
    ]
    .into_iter()
    .find_map(|(date, subsec, offset)| {
        let date = ascii(&exif, date)?;
        let subsec = ascii(&exif, subsec).and_then(digits);
        let offset = ascii(&exif, offset);
        instant(date, subsec, offset)
    })
}

/// The first string of an ASCII field, without its padding.
fn ascii(exif: &Exif, tag: Tag) -> Option<&[u8]> {
    let field = exif.get_field(tag, In::PRIMARY)?;
    let Value::Ascii(strings) = &field.value else {
        return None;
    };
    let text = strings.first()?;
    let end = text
        .iter()
        .rposition(|c| !matches!(c, 0 | b' '))
        .map_or(0, |i| i + 1);
    Some(&text[..end])
}

/// The leading digits of a SubSecTime field (`"123"`), if any.
fn digits(text: &[u8]) -> Option<&[u8]> {
    let count = text.iter().take_while(|c| c.is_ascii_digit()).count();
    (count > 0).then(|| &text[..count])
}

/// `YYYY:MM:DD HH:MM:SS`, sub-second digits and `+HH:MM` as one instant; a malformed offset
/// counts as none, a malformed date as no date.
fn instant(date: &[u8], subsec: Option<&[u8]>, offset: Option<&[u8]>) -> Option<CaptureTime> {
    let date = date.get(..19)?;
    if !date.is_ascii() {
        return None;
    }
    let mut text = String::with_capacity(40);
    for (i, &c) in date.iter().enumerate() {
        text.push(match (i, c) {
            // Some writers use `-` between the date's parts.
            (4 | 7, b':' | b'-') => '-',
            (10, b' ' | b'T') => 'T',
            _ => char::from(c),
        });
    }
    if let Some(subsec) = subsec {
        text.push('.');
        text.extend(subsec.iter().take(9).map(|&c| char::from(c)));
    }
    let with_offset = offset
        .filter(|o| o.len() == 6 && o.is_ascii())
        .map(|o| format!("{text}{}", String::from_utf8_lossy(o)))
        .and_then(|full| DateTime::parse(&full));
    let time = with_offset.or_else(|| DateTime::parse(&format!("{text}Z")))?;
    Some(CaptureTime {
        unix_seconds: time.unix_seconds(),
        nanos: subsec.map(|_| time.nanos()),
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A minimal JPEG whose EXIF block (little-endian TIFF) has IFD0 pointing at an EXIF IFD
    /// with these ASCII fields, in tag order.
    pub(crate) fn jpeg_with_exif(fields: &[(u16, &str)]) -> Vec<u8> {
        let tiff = tiff_with_exif(fields);
        let mut jpeg = vec![0xFF, 0xD8, 0xFF, 0xE1];
        let len = u16::try_from(2 + 6 + tiff.len()).unwrap();
        jpeg.extend(len.to_be_bytes());
        jpeg.extend(b"Exif\0\0");
        jpeg.extend(tiff);
        // A scan of nothing, then the end.
        jpeg.extend([0xFF, 0xDA, 0x00, 0x02, 0xFF, 0xD9]);
        jpeg
    }

    fn tiff_with_exif(fields: &[(u16, &str)]) -> Vec<u8> {
        let mut t: Vec<u8> = Vec::new();
        t.extend(b"II");
        t.extend(42u16.to_le_bytes());
        t.extend(8u32.to_le_bytes());
        // IFD0: one entry, the EXIF IFD's offset.
        let exif_ifd = 8 + 2 + 12 + 4;
        t.extend(1u16.to_le_bytes());
        t.extend(0x8769u16.to_le_bytes());
        t.extend(4u16.to_le_bytes());
        t.extend(1u32.to_le_bytes());
        t.extend((exif_ifd as u32).to_le_bytes());
        t.extend(0u32.to_le_bytes());
        // The EXIF IFD; values longer than 4 bytes follow it.
        let mut data_at = exif_ifd + 2 + 12 * fields.len() + 4;
        let mut data: Vec<u8> = Vec::new();
        t.extend(u16::try_from(fields.len()).unwrap().to_le_bytes());
        for (tag, text) in fields {
            let mut value = text.as_bytes().to_vec();
            value.push(0);
            t.extend(tag.to_le_bytes());
            t.extend(2u16.to_le_bytes());
            t.extend(u32::try_from(value.len()).unwrap().to_le_bytes());
            if value.len() <= 4 {
                value.resize(4, 0);
                t.extend(value);
            } else {
                t.extend(u32::try_from(data_at).unwrap().to_le_bytes());
                data_at += value.len();
                data.extend(value);
            }
        }
        t.extend(0u32.to_le_bytes());
        t.extend(data);
        t
    }

    const DATE_TIME_ORIGINAL: u16 = 0x9003;
    const DATE_TIME_DIGITIZED: u16 = 0x9004;
    const OFFSET_TIME_ORIGINAL: u16 = 0x9011;
    const SUB_SEC_TIME_ORIGINAL: u16 = 0x9291;

    fn utc(text: &str) -> i64 {
        DateTime::parse(text).unwrap().unix_seconds()
    }

    #[test]
    fn the_original_date_with_its_offset_and_sub_seconds() {
        let jpeg = jpeg_with_exif(&[
            (DATE_TIME_ORIGINAL, "2024:06:01 12:30:45"),
            (OFFSET_TIME_ORIGINAL, "+02:00"),
            (SUB_SEC_TIME_ORIGINAL, "25"),
        ]);
        assert_eq!(
            capture_time_in(&jpeg),
            Some(CaptureTime {
                unix_seconds: utc("2024-06-01T10:30:45Z"),
                nanos: Some(250_000_000),
            })
        );
    }

    #[test]
    fn a_date_without_offset_is_taken_as_utc() {
        let jpeg = jpeg_with_exif(&[(DATE_TIME_ORIGINAL, "2019:12:31 23:59:59")]);
        assert_eq!(
            capture_time_in(&jpeg),
            Some(CaptureTime {
                unix_seconds: utc("2019-12-31T23:59:59Z"),
                nanos: None,
            })
        );
        // A malformed offset counts as none.
        let jpeg = jpeg_with_exif(&[
            (DATE_TIME_ORIGINAL, "2019:12:31 23:59:59"),
            (OFFSET_TIME_ORIGINAL, "+99:77"),
        ]);
        assert_eq!(
            capture_time_in(&jpeg).map(|t| t.unix_seconds),
            Some(utc("2019-12-31T23:59:59Z"))
        );
    }

    #[test]
    fn the_digitized_date_when_there_is_no_original() {
        let jpeg = jpeg_with_exif(&[(DATE_TIME_DIGITIZED, "2020:02:29 08:00:00")]);
        assert_eq!(
            capture_time_in(&jpeg).map(|t| t.unix_seconds),
            Some(utc("2020-02-29T08:00:00Z"))
        );
    }

    #[test]
    fn a_bare_tiff_is_read_too() {
        let tiff = tiff_with_exif(&[(DATE_TIME_ORIGINAL, "2021:03:04 05:06:07")]);
        assert_eq!(
            capture_time_in(&tiff).map(|t| t.unix_seconds),
            Some(utc("2021-03-04T05:06:07Z"))
        );
    }

    #[test]
    fn malformed_dates_and_blocks_give_no_date() {
        for bad in [
            "2024:13:01 00:00:00",
            "2023:02:29 00:00:00",
            "2024:06:01 24:00:00",
            "    :  :     :  :  ",
            "2024:06:01",
            "yesterday at noon!!",
        ] {
            let jpeg = jpeg_with_exif(&[(DATE_TIME_ORIGINAL, bad)]);
            assert_eq!(capture_time_in(&jpeg), None, "{bad:?}");
        }
        // The EXIF IFD pointer past the end, or back at IFD0 (a loop); the date's value past
        // the end; no EXIF at all.
        let good = jpeg_with_exif(&[(DATE_TIME_ORIGINAL, "2024:06:01 12:00:00")]);
        let tiff_at = 4 + 2 + 6;
        let pointer_at = tiff_at + 8 + 2 + 8;
        let date_value_at = tiff_at + 26 + 2 + 8;
        for (at, value) in [
            (pointer_at, 0xFFFF_FFF0u32),
            (pointer_at, 8),
            (date_value_at, 0xFFFF_FFF0),
        ] {
            let mut jpeg = good.clone();
            jpeg[at..at + 4].copy_from_slice(&value.to_le_bytes());
            assert_eq!(capture_time_in(&jpeg), None, "{value} at {at}");
        }
        assert_eq!(capture_time_in(&[0xFF, 0xD8, 0xFF, 0xD9]), None);
        assert_eq!(capture_time_in(b""), None);
        assert_eq!(capture_time_in(b"not an image at all"), None);
    }

    #[test]
    fn a_truncated_block_gives_no_date_and_never_panics() {
        let jpeg = jpeg_with_exif(&[
            (DATE_TIME_ORIGINAL, "2024:06:01 12:30:45"),
            (OFFSET_TIME_ORIGINAL, "-05:30"),
            (SUB_SEC_TIME_ORIGINAL, "5"),
        ]);
        let whole = capture_time_in(&jpeg);
        assert!(whole.is_some());
        // Cut anywhere inside the EXIF segment: no date (or, once the date is in, the same).
        for end in 0..jpeg.len() {
            let cut = capture_time_in(&jpeg[..end]);
            assert!(cut.is_none() || cut == whole, "cut at {end}: {cut:?}");
        }
        assert_eq!(capture_time_in(&jpeg[..jpeg.len() / 2]), None);
        // Every byte flipped in turn: never a panic.
        for at in 0..jpeg.len() {
            let mut bent = jpeg.clone();
            bent[at] ^= 0xA5;
            let _ = capture_time_in(&bent);
        }
    }

    /// An ISO box: size, type, body.
    fn iso_box(kind: &[u8; 4], body: &[u8]) -> Vec<u8> {
        let mut b = u32::try_from(8 + body.len())
            .unwrap()
            .to_be_bytes()
            .to_vec();
        b.extend(kind);
        b.extend(body);
        b
    }

    fn movie_header(version: u8, since_1904: u64) -> Vec<u8> {
        let mut body = vec![version, 0, 0, 0];
        if version == 1 {
            body.extend(since_1904.to_be_bytes());
        } else {
            body.extend(u32::try_from(since_1904).unwrap().to_be_bytes());
        }
        body.extend([0u8; 90]);
        iso_box(b"mvhd", &body)
    }

    #[test]
    fn a_movie_header_after_the_media_data() {
        // 2024-06-15T10:00:00Z.
        let since_1904 = 1_718_445_600 + 2_082_844_800;
        for version in [0, 1] {
            let mut movie = iso_box(b"ftyp", b"qt  \0\0\0\0qt  ");
            movie.extend(iso_box(b"mdat", &[7u8; 5000]));
            let mut moov = iso_box(b"udta", b"xyz");
            moov.extend(movie_header(version, since_1904));
            movie.extend(iso_box(b"moov", &moov));
            assert!(is_iso_media(&movie) && !is_heif(&movie));
            let len = movie.len() as u64;
            assert_eq!(
                movie_time(&mut Cursor::new(&movie), len),
                Some(CaptureTime {
                    unix_seconds: 1_718_445_600,
                    nanos: None
                })
            );
            // Cut anywhere, or bent anywhere: no date or the same, never a panic.
            for end in 0..movie.len() {
                let cut = movie_time(&mut Cursor::new(&movie[..end]), end as u64);
                assert!(cut.is_none() || cut.map(|t| t.unix_seconds) == Some(1_718_445_600));
            }
            for at in (0..movie.len()).step_by(7) {
                let mut bent = movie.clone();
                bent[at] ^= 0xFF;
                let _ = movie_time(&mut Cursor::new(&bent), len);
            }
        }
        // No time set, a box of size 0 (to the end) with no moov, a box shorter than its header.
        let mut unset = iso_box(b"ftyp", b"mp42\0\0\0\0");
        unset.extend(iso_box(b"moov", &movie_header(0, 0)));
        assert_eq!(
            movie_time(&mut Cursor::new(&unset), unset.len() as u64),
            None
        );
        let mut open_ended = iso_box(b"ftyp", b"mp42\0\0\0\0");
        open_ended.extend(b"\0\0\0\0mdat0123456789");
        let len = open_ended.len() as u64;
        assert_eq!(movie_time(&mut Cursor::new(&open_ended), len), None);
        let mut short = iso_box(b"ftyp", b"mp42\0\0\0\0");
        short.extend(b"\0\0\0\x04moov");
        let len = short.len() as u64;
        assert_eq!(movie_time(&mut Cursor::new(&short), len), None);
        // HEIF is not a movie.
        assert!(is_heif(&iso_box(b"ftyp", b"mif1\0\0\0\0mif1heic")));
    }

    #[test]
    fn one_second_apart_or_less() {
        let at = |unix_seconds, nanos| CaptureTime {
            unix_seconds,
            nanos,
        };
        assert!(at(10, None).within_a_second_of(at(11, None)));
        assert!(at(11, None).within_a_second_of(at(10, None)));
        assert!(!at(10, None).within_a_second_of(at(12, None)));
        assert!(at(10, Some(900_000_000)).within_a_second_of(at(11, Some(900_000_000))));
        assert!(!at(10, Some(100_000_000)).within_a_second_of(at(11, Some(200_000_000))));
        assert!(at(10, Some(100_000_000)).within_a_second_of(at(11, None)));
        assert!(!at(i64::MIN, None).within_a_second_of(at(i64::MAX, None)));
    }
}
