//! SHA-1 checksums as Immich uses them.
//!
//! Immich identifies a file by the SHA-1 of its contents. The same 20 bytes travel in two
//! spellings: lowercase hex in the `x-immich-checksum` upload header and in bulk-upload checks
//! (as the Immich CLI sends them), and standard base64 in the asset model's `checksum` field.
//! The server accepts either spelling where it reads one, so [`Sha1Digest`] parses both.
//!
//! Hashing reads the file, so the caller (a transport) feeds the bytes:
//!
//! ```
//! use immich_proto::checksum::Sha1Checksum;
//!
//! let mut hasher = Sha1Checksum::new();
//! hasher.update(b"ab");
//! hasher.update(b"c");
//! let digest = hasher.finish();
//! assert_eq!(digest.to_hex(), "a9993e364706816aba3e25717850c26c9cd0d89d");
//! assert_eq!(digest.to_base64(), "qZk+NkcGgWq6PiVxeFDCbJzQ2J0=");
//! ```

use std::fmt;

use sha1::{Digest, Sha1};

/// The length of a SHA-1 digest in bytes.
pub const SHA1_LEN: usize = 20;

/// A streaming SHA-1 hasher: [`new`](Self::new), [`update`](Self::update) with each chunk,
/// [`finish`](Self::finish).
#[derive(Clone, Default)]
pub struct Sha1Checksum {
    hasher: Sha1,
    len: u64,
}

impl Sha1Checksum {
    /// A hasher that has seen no bytes yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Feeds the next chunk of the file.
    pub fn update(&mut self, chunk: &[u8]) {
        self.hasher.update(chunk);
        self.len += chunk.len() as u64;
    }

    /// How many bytes have been fed so far (a transport can compare it with the file's size).
    pub fn bytes_hashed(&self) -> u64 {
        self.len
    }

    /// The digest of everything fed.
    pub fn finish(self) -> Sha1Digest {
        Sha1Digest(self.hasher.finalize().into())
    }

    /// The digest of one in-memory buffer.
    pub fn digest(data: &[u8]) -> Sha1Digest {
        let mut hasher = Self::new();
        hasher.update(data);
        hasher.finish()
    }
}

impl fmt::Debug for Sha1Checksum {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sha1Checksum")
            .field("bytes_hashed", &self.len)
            .finish_non_exhaustive()
    }
}

/// A 20-byte SHA-1 digest. `Display` and `Debug` show lowercase hex.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Sha1Digest(pub [u8; SHA1_LEN]);

impl Sha1Digest {
    /// The raw bytes.
    pub fn as_bytes(&self) -> &[u8; SHA1_LEN] {
        &self.0
    }

    /// 40 lowercase hex digits: what `x-immich-checksum` and bulk-upload checks send.
    pub fn to_hex(&self) -> String {
        const DIGITS: &[u8; 16] = b"0123456789abcdef";
        let mut out = String::with_capacity(SHA1_LEN * 2);
        for byte in self.0 {
            out.push(char::from(DIGITS[usize::from(byte >> 4)]));
            out.push(char::from(DIGITS[usize::from(byte & 0x0f)]));
        }
        out
    }

    /// 28 characters of standard, padded base64: what the asset model's `checksum` holds.
    pub fn to_base64(&self) -> String {
        base64_encode(&self.0)
    }

    /// Parses 40 hex digits (either case).
    pub fn from_hex(text: &str) -> Option<Self> {
        let text = text.as_bytes();
        if text.len() != SHA1_LEN * 2 {
            return None;
        }
        let mut out = [0u8; SHA1_LEN];
        for (slot, pair) in out.iter_mut().zip(text.chunks_exact(2)) {
            *slot = (hex_value(pair[0])? << 4) | hex_value(pair[1])?;
        }
        Some(Sha1Digest(out))
    }

    /// Parses the 28-character base64 form (padding optional).
    pub fn from_base64(text: &str) -> Option<Self> {
        let bytes = base64_decode(text)?;
        <[u8; SHA1_LEN]>::try_from(bytes.as_slice())
            .ok()
            .map(Sha1Digest)
    }

    /// Parses either spelling, as the server does: 40 hex digits or base64.
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        Self::from_hex(text).or_else(|| Self::from_base64(text))
    }
}

impl fmt::Display for Sha1Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl fmt::Debug for Sha1Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Sha1Digest({})", self.to_hex())
    }
}

/// Converts a base64 checksum (as in the asset model) to lowercase hex; `None` if it is not
/// a SHA-1 digest in base64.
pub fn base64_to_hex(base64: &str) -> Option<String> {
    Sha1Digest::from_base64(base64.trim()).map(|d| d.to_hex())
}

/// Converts a hex checksum (as in `x-immich-checksum`) to base64; `None` if it is not 40 hex
/// digits.
pub fn hex_to_base64(hex: &str) -> Option<String> {
    Sha1Digest::from_hex(hex.trim()).map(|d| d.to_base64())
}

fn hex_value(digit: u8) -> Option<u8> {
    match digit {
        b'0'..=b'9' => Some(digit - b'0'),
        b'a'..=b'f' => Some(digit - b'a' + 10),
        b'A'..=b'F' => Some(digit - b'A' + 10),
        _ => None,
    }
}

const BASE64_ALPHABET: &[u8; 64] =
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Standard base64 (RFC 4648 section 4) with `=` padding.
fn base64_encode(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                let index = (n >> (18 - 6 * i)) & 0x3f;
                out.push(char::from(BASE64_ALPHABET[index as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Decodes standard base64; padding is optional, anything else (whitespace, URL-safe
/// characters, bits left over) is refused.
fn base64_decode(text: &str) -> Option<Vec<u8>> {
    let text = text.as_bytes();
    let unpadded = match text {
        [rest @ .., b'=', b'='] => rest,
        [rest @ .., b'='] => rest,
        _ => text,
    };
    if text.len() != unpadded.len() && !text.len().is_multiple_of(4) {
        return None;
    }
    if unpadded.len() % 4 == 1 {
        return None;
    }
    let value = |c: u8| -> Option<u32> {
        BASE64_ALPHABET
            .iter()
            .position(|&a| a == c)
            .map(|p| p as u32)
    };
    let mut out = Vec::with_capacity(unpadded.len() * 3 / 4);
    for chunk in unpadded.chunks(4) {
        let mut n = 0u32;
        for (i, &c) in chunk.iter().enumerate() {
            n |= value(c)? << (18 - 6 * i);
        }
        let bytes = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
        let produced = chunk.len() - 1;
        // Bits below the last whole byte must be zero, so each text has one decoding.
        let leftover_mask = match produced {
            1 => 0xffff,
            2 => 0xff,
            _ => 0,
        };
        if n & leftover_mask != 0 {
            return None;
        }
        out.extend_from_slice(&bytes[..produced]);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_vectors() {
        // FIPS 180-1 / RFC 3174 test vectors.
        let cases: [(&[u8], &str); 3] = [
            (b"", "da39a3ee5e6b4b0d3255bfef95601890afd80709"),
            (b"abc", "a9993e364706816aba3e25717850c26c9cd0d89d"),
            (
                b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
                "84983e441c3bd26ebaae4aa1f95129e5e54670f1",
            ),
        ];
        for (input, hex) in cases {
            let digest = Sha1Checksum::digest(input);
            assert_eq!(digest.to_hex(), hex);
            assert_eq!(Sha1Digest::from_hex(hex), Some(digest));
        }
        assert_eq!(
            Sha1Checksum::digest(b"").to_base64(),
            "2jmj7l5rSw0yVb/vlWAYkK/YBwk="
        );
    }

    #[test]
    fn streaming_equals_one_shot() {
        let data: Vec<u8> = (0..10_000u32).map(|i| (i * 7 % 251) as u8).collect();
        let mut hasher = Sha1Checksum::new();
        for chunk in data.chunks(333) {
            hasher.update(chunk);
        }
        assert_eq!(hasher.bytes_hashed(), 10_000);
        assert_eq!(hasher.finish(), Sha1Checksum::digest(&data));
    }

    #[test]
    fn hex_and_base64_round_trip() {
        let hex = "a9993e364706816aba3e25717850c26c9cd0d89d";
        let b64 = "qZk+NkcGgWq6PiVxeFDCbJzQ2J0=";
        assert_eq!(hex_to_base64(hex).as_deref(), Some(b64));
        assert_eq!(hex_to_base64(&hex.to_uppercase()).as_deref(), Some(b64));
        assert_eq!(base64_to_hex(b64).as_deref(), Some(hex));
        assert_eq!(
            base64_to_hex(b64.trim_end_matches('=')).as_deref(),
            Some(hex)
        );
        assert_eq!(Sha1Digest::parse(b64), Sha1Digest::parse(hex));
        assert!(Sha1Digest::parse(hex).is_some());
        for bad in [
            "",
            "a9993e",
            "g9993e364706816aba3e25717850c26c9cd0d89d",
            "qZk+NkcGgWq6PiVxeFDCbJzQ2J1=",
            "qZk-NkcGgWq6PiVxeFDCbJzQ2J0=",
            "qZk+NkcGgWq6PiVxeFDCbJzQ2J0==",
            "qZk+NkcGgWq6PiVxeFDCbJzQ",
        ] {
            assert_eq!(Sha1Digest::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn base64_rfc4648_vectors() {
        let cases = [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ];
        for (plain, encoded) in cases {
            assert_eq!(base64_encode(plain.as_bytes()), encoded);
            assert_eq!(base64_decode(encoded).as_deref(), Some(plain.as_bytes()));
        }
        assert_eq!(base64_decode("Zg"), Some(b"f".to_vec()));
        assert_eq!(base64_decode("Zh=="), None, "non-zero leftover bits");
        assert_eq!(base64_decode("Z"), None);
    }
}
