//! Small checks and encodings the server needs (kept here so the server depends on nothing of
//! the client it tests).

/// Checks the UUID shape; with `v4`, also the version and variant nibbles (the v3 pattern).
pub(crate) fn is_uuid(value: &str, v4: bool) -> bool {
    let b = value.as_bytes();
    if b.len() != 36 {
        return false;
    }
    for (i, c) in b.iter().enumerate() {
        let dash = matches!(i, 8 | 13 | 18 | 23);
        if dash != (*c == b'-') || (!dash && !c.is_ascii_hexdigit()) {
            return false;
        }
    }
    !v4 || (b[14] == b'4' && matches!(b[19], b'8' | b'9' | b'a' | b'b' | b'A' | b'B'))
}

/// A version-4 UUID made from a kind tag and a counter: readable, stable across runs.
pub fn uuid(kind: u32, n: u64) -> String {
    format!("{kind:08x}-0000-4000-8000-{n:012x}")
}

/// The v3 document's date-time pattern: UTC, ending in `Z`, optional fraction.
pub(crate) fn is_utc_date_time(value: &str) -> bool {
    let b = value.as_bytes();
    if b.len() < 20 || b[b.len() - 1] != b'Z' {
        return false;
    }
    is_date_time_prefix(b) && {
        let rest = &b[19..b.len() - 1];
        rest.is_empty()
            || (rest[0] == b'.' && rest.len() > 1 && rest[1..].iter().all(u8::is_ascii_digit))
    }
}

/// Any RFC 3339 date-time (offset or `Z`), as servers before v3 accept.
pub(crate) fn is_rfc3339(value: &str) -> bool {
    let b = value.as_bytes();
    if b.len() < 20 || !is_date_time_prefix(b) {
        return false;
    }
    let mut rest = &b[19..];
    if rest.first() == Some(&b'.') {
        let digits = rest[1..].iter().take_while(|c| c.is_ascii_digit()).count();
        if digits == 0 {
            return false;
        }
        rest = &rest[1 + digits..];
    }
    match rest {
        [b'Z'] | [b'z'] => true,
        [sign, h1, h2, b':', m1, m2] => {
            matches!(sign, b'+' | b'-') && [h1, h2, m1, m2].iter().all(|c| c.is_ascii_digit())
        }
        _ => false,
    }
}

fn is_date_time_prefix(b: &[u8]) -> bool {
    let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
    digits(0..4)
        && b[4] == b'-'
        && digits(5..7)
        && b[7] == b'-'
        && digits(8..10)
        && matches!(b[10], b'T' | b't')
        && digits(11..13)
        && b[13] == b':'
        && digits(14..16)
        && b[16] == b':'
        && digits(17..19)
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Standard base64 with padding (Immich's checksum format in asset JSON).
pub(crate) fn base64(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = (u32::from(chunk[0]) << 16)
            | (u32::from(*chunk.get(1).unwrap_or(&0)) << 8)
            | u32::from(*chunk.get(2).unwrap_or(&0));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(B64[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Reads a SHA-1 given as 40 hex digits or as base64 (both forms reach Immich's
/// `x-immich-checksum`).
pub(crate) fn parse_sha1(text: &str) -> Option<[u8; 20]> {
    let text = text.trim();
    let mut out = [0u8; 20];
    if text.len() == 40 {
        for (i, pair) in text.as_bytes().chunks(2).enumerate() {
            let hex = std::str::from_utf8(pair).ok()?;
            out[i] = u8::from_str_radix(hex, 16).ok()?;
        }
        return Some(out);
    }
    let mut bits = 0u32;
    let mut nbits = 0;
    let mut len = 0;
    for c in text.trim_end_matches('=').bytes() {
        let v = B64.iter().position(|&b| b == c)? as u32;
        bits = (bits << 6) | v;
        nbits += 6;
        if nbits >= 8 {
            nbits -= 8;
            if len == 20 {
                return None;
            }
            out[len] = (bits >> nbits) as u8;
            len += 1;
        }
    }
    (len == 20).then_some(out)
}

/// SHA-1 of some bytes.
pub(crate) fn sha1(bytes: &[u8]) -> [u8; 20] {
    use sha1::Digest;
    sha1::Sha1::digest(bytes).into()
}

/// Lower-case hex.
pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Splits a query string into decoded pairs (`+` is a space, `%XX` decoded).
pub(crate) fn query_pairs(query: Option<&str>) -> Vec<(String, String)> {
    let Some(query) = query else {
        return Vec::new();
    };
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(k), percent_decode(v))
        })
        .collect()
}

/// Decodes `%XX` and `+`; invalid escapes are kept as they are.
pub(crate) fn percent_decode(text: &str) -> String {
    let b = text.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' if i + 2 < b.len() => {
                match std::str::from_utf8(&b[i + 1..i + 3])
                    .ok()
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
                {
                    Some(v) => {
                        out.push(v);
                        i += 3;
                        continue;
                    }
                    None => out.push(b'%'),
                }
            }
            b'+' => out.push(b' '),
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuids_and_dates() {
        assert!(is_uuid(&uuid(1, 2), true));
        assert!(!is_uuid("01890a5d-ac96-774b-bcce-b302099a8057", true));
        assert!(is_uuid("01890a5d-ac96-774b-bcce-b302099a8057", false));
        assert!(!is_uuid("../admin", false));
        assert!(is_utc_date_time("2024-01-01T00:00:00.000Z"));
        assert!(is_utc_date_time("2024-01-01T00:00:00Z"));
        assert!(!is_utc_date_time("2024-01-01T00:00:00+02:00"));
        assert!(is_rfc3339("2024-01-01T00:00:00.123456+02:00"));
        assert!(!is_rfc3339("2024-01-01 00:00"));
    }

    #[test]
    fn checksums() {
        let sum = sha1(b"abc");
        assert_eq!(hex(&sum), "a9993e364706816aba3e25717850c26c9cd0d89d");
        assert_eq!(base64(&sum), "qZk+NkcGgWq6PiVxeFDCbJzQ2J0=");
        assert_eq!(parse_sha1(&hex(&sum)), Some(sum));
        assert_eq!(parse_sha1(&base64(&sum)), Some(sum));
        assert_eq!(parse_sha1("nope"), None);
        assert_eq!(base64(b"ab"), "YWI=");
    }

    #[test]
    fn queries() {
        assert_eq!(
            query_pairs(Some("name=Ann%20%26+Bob&x")),
            vec![("name".into(), "Ann & Bob".into()), ("x".into(), "".into())]
        );
        assert_eq!(percent_decode("100%"), "100%");
    }
}
