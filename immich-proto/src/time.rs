//! Date-times and dates as typed values.
//!
//! The server sends RFC 3339 date-times with `Z` or `+hh:mm` and 0 to 9 fractional digits;
//! requests must be UTC ending in `Z` (the v3 document's pattern). The core never reads a clock:
//! times are inputs ([`DateTime::from_unix`]).

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// An instant with the UTC offset it was written with.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct DateTime {
    /// Seconds since 1970-01-01T00:00:00Z.
    unix_seconds: i64,
    /// Nanoseconds within the second.
    nanos: u32,
    /// The offset east of UTC, in minutes, as written (0 for `Z`).
    offset_minutes: i16,
}

/// A calendar date (`birthDate`), `YYYY-MM-DD`.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    /// Year.
    pub year: i32,
    /// Month, 1 to 12.
    pub month: u8,
    /// Day, 1 to 31.
    pub day: u8,
}

impl DateTime {
    /// An instant in UTC from seconds and nanoseconds since the Unix epoch.
    pub fn from_unix(unix_seconds: i64, nanos: u32) -> Self {
        let extra = i64::from(nanos / 1_000_000_000);
        DateTime {
            unix_seconds: unix_seconds.saturating_add(extra),
            nanos: nanos % 1_000_000_000,
            offset_minutes: 0,
        }
    }

    /// An instant from a `SystemTime`-style duration relative to the epoch
    /// (`Ok` after the epoch, `Err` before it), as `SystemTime::duration_since` returns.
    pub fn from_system_time(since_epoch: Result<std::time::Duration, std::time::Duration>) -> Self {
        match since_epoch {
            // Times beyond ±292 billion years saturate instead of overflowing.
            Ok(d) => DateTime::from_unix(
                i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
                d.subsec_nanos(),
            ),
            Err(before) => {
                let secs = i64::try_from(before.as_secs()).unwrap_or(i64::MAX);
                let nanos = before.subsec_nanos();
                if nanos == 0 {
                    DateTime::from_unix(-secs, 0)
                } else {
                    DateTime::from_unix(-secs - 1, 1_000_000_000 - nanos)
                }
            }
        }
    }

    /// Seconds since the Unix epoch.
    pub fn unix_seconds(&self) -> i64 {
        self.unix_seconds
    }

    /// Nanoseconds within the second.
    pub fn nanos(&self) -> u32 {
        self.nanos
    }

    /// The offset east of UTC the value was written with, in minutes.
    pub fn offset_minutes(&self) -> i16 {
        self.offset_minutes
    }

    /// The same instant, expressed in UTC.
    pub fn to_utc(self) -> Self {
        DateTime {
            offset_minutes: 0,
            ..self
        }
    }

    /// Parses RFC 3339: `2024-01-01T10:00:00Z`, `2024-01-01T10:00:00.123456+02:00`.
    pub fn parse(text: &str) -> Option<Self> {
        let b = text.as_bytes();
        if b.len() < 20
            || b[4] != b'-'
            || b[7] != b'-'
            || !matches!(b[10], b'T' | b't' | b' ')
            || b[13] != b':'
            || b[16] != b':'
        {
            return None;
        }
        let num = |range: std::ops::Range<usize>| -> Option<u32> {
            let s = text.get(range)?;
            if !s.bytes().all(|c| c.is_ascii_digit()) {
                return None;
            }
            s.parse().ok()
        };
        let (year, month, day) = (num(0..4)? as i32, num(5..7)? as u8, num(8..10)? as u8);
        let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
        Date::new(year, month, day)?;
        if hour > 23 || minute > 59 || second > 60 {
            return None;
        }
        let mut i = 19;
        let mut nanos = 0u32;
        if b[i] == b'.' {
            i += 1;
            let start = i;
            while i < b.len() && b[i].is_ascii_digit() {
                if i - start < 9 {
                    nanos = nanos * 10 + u32::from(b[i] - b'0');
                }
                i += 1;
            }
            let digits = i - start;
            if digits == 0 {
                return None;
            }
            for _ in digits.min(9)..9 {
                nanos *= 10;
            }
        }
        let offset_minutes: i16 = match b.get(i..)? {
            [b'Z' | b'z'] => 0,
            [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
                let digits = [*h1, *h2, *m1, *m2];
                if !digits.iter().all(u8::is_ascii_digit) {
                    return None;
                }
                let hours = i16::from((h1 - b'0') * 10 + (h2 - b'0'));
                let minutes = i16::from((m1 - b'0') * 10 + (m2 - b'0'));
                if hours > 23 || minutes > 59 {
                    return None;
                }
                let total = hours * 60 + minutes;
                if *sign == b'-' {
                    -total
                } else {
                    total
                }
            }
            _ => return None,
        };
        let days = days_from_civil(year, month, day);
        let local = days * 86_400 + i64::from(hour * 3600 + minute * 60 + second.min(59));
        Some(DateTime {
            unix_seconds: local - i64::from(offset_minutes) * 60,
            nanos,
            offset_minutes,
        })
    }

    /// The UTC form the v3 server requires: `YYYY-MM-DDTHH:MM:SS.mmmZ`.
    pub fn to_utc_string(&self) -> String {
        let days = self.unix_seconds.div_euclid(86_400);
        let secs = self.unix_seconds.rem_euclid(86_400);
        let (y, m, d) = civil_from_days(days);
        format!(
            "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{:03}Z",
            secs / 3600,
            secs / 60 % 60,
            secs % 60,
            self.nanos / 1_000_000
        )
    }
}

impl PartialOrd for DateTime {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for DateTime {
    /// Orders by instant; the written offset only breaks ties.
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.unix_seconds, self.nanos, self.offset_minutes).cmp(&(
            other.unix_seconds,
            other.nanos,
            other.offset_minutes,
        ))
    }
}

impl fmt::Debug for DateTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DateTime({})", self.to_utc_string())
    }
}

impl fmt::Display for DateTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_utc_string())
    }
}

impl Serialize for DateTime {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_utc_string())
    }
}

impl<'de> Deserialize<'de> for DateTime {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // A visitor reads the text where it lies (`Cow<str>` would copy every value into a
        // new `String`: a search page holds thousands of date-times).
        struct Text;
        impl serde::de::Visitor<'_> for Text {
            type Value = DateTime;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an RFC 3339 date-time")
            }
            fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<DateTime, E> {
                DateTime::parse(text)
                    .ok_or_else(|| E::custom(format_args!("invalid date-time {text:?}")))
            }
        }
        deserializer.deserialize_str(Text)
    }
}

impl Date {
    /// A valid calendar date, or `None`.
    pub fn new(year: i32, month: u8, day: u8) -> Option<Self> {
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
        let days_in_month = match month {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            2 if leap => 29,
            2 => 28,
            _ => return None,
        };
        (1..=days_in_month)
            .contains(&day)
            .then_some(Date { year, month, day })
    }

    /// Parses `YYYY-MM-DD`; a full date-time is accepted too (old servers sent one).
    pub fn parse(text: &str) -> Option<Self> {
        let b = text.as_bytes();
        if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
            return None;
        }
        if b.len() > 10 {
            DateTime::parse(text)?;
        }
        let num = |r: std::ops::Range<usize>| {
            text.get(r)
                .filter(|s| s.bytes().all(|c| c.is_ascii_digit()))?
                .parse::<u32>()
                .ok()
        };
        Date::new(num(0..4)? as i32, num(5..7)? as u8, num(8..10)? as u8)
    }
}

impl fmt::Debug for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Date({self})")
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl Serialize for Date {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Date {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        Date::parse(&text)
            .ok_or_else(|| serde::de::Error::custom(format_args!("invalid date {text:?}")))
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i32, month: u8, day: u8) -> i64 {
    let y = i64::from(year) - i64::from(month <= 2);
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The inverse of [`days_from_civil`].
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn date_times_decode_from_borrowed_escaped_and_owned_text() {
        let expected = DateTime::parse("2024-05-01T10:00:00.000Z").unwrap();
        // Borrowed straight from the input.
        let borrowed: DateTime = serde_json::from_str(r#""2024-05-01T10:00:00.000Z""#).unwrap();
        // An escape makes serde_json hand over a temporary copy instead.
        let escaped: DateTime = serde_json::from_str(r#""2024-05-01T10:00:00\u002e000Z""#).unwrap();
        // A `Value` hands over an owned `String`.
        let owned: DateTime =
            serde_json::from_value(serde_json::json!("2024-05-01T10:00:00.000Z")).unwrap();
        assert_eq!((borrowed, escaped, owned), (expected, expected, expected));
        let error = serde_json::from_str::<DateTime>(r#""yesterday""#).unwrap_err();
        assert!(
            error
                .to_string()
                .contains("invalid date-time \"yesterday\""),
            "{error}"
        );
        assert!(serde_json::from_str::<DateTime>("17").is_err());
    }

    #[test]
    fn parses_every_form_the_server_sends() {
        let z = DateTime::parse("2024-01-01T00:00:00Z").unwrap();
        assert_eq!(z.unix_seconds(), 1_704_067_200);
        for text in [
            "2024-01-01T02:00:00+02:00",
            "2023-12-31T23:00:00.000-01:00",
            "2024-01-01T00:00:00.000000Z",
        ] {
            let t = DateTime::parse(text).unwrap();
            assert_eq!(t.unix_seconds(), 1_704_067_200, "{text}");
            assert_eq!(t.nanos(), 0);
        }
        let frac = DateTime::parse("2024-02-29T12:34:56.123456+05:30").unwrap();
        assert_eq!(frac.nanos(), 123_456_000);
        assert_eq!(frac.offset_minutes(), 330);
        assert_eq!(frac.to_utc_string(), "2024-02-29T07:04:56.123Z");
        assert_eq!(
            DateTime::parse("2024-01-01T00:00:00.5Z").unwrap().nanos(),
            500_000_000
        );
        for bad in [
            "2024-01-01",
            "2024-13-01T00:00:00Z",
            "2023-02-29T00:00:00Z",
            "2024-01-01T00:00:00",
            "2024-01-01T00:00:00.Z",
            "2024-01-01T00:00:00+2:00",
            "x024-01-01T00:00:00Z",
        ] {
            assert_eq!(DateTime::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn formats_utc_with_z() {
        assert_eq!(
            DateTime::from_unix(0, 0).to_utc_string(),
            "1970-01-01T00:00:00.000Z"
        );
        assert_eq!(
            DateTime::from_unix(-1, 999_000_000).to_utc_string(),
            "1969-12-31T23:59:59.999Z"
        );
        assert_eq!(
            DateTime::from_unix(951_782_400, 7_000_000).to_utc_string(),
            "2000-02-29T00:00:00.007Z"
        );
        let before = DateTime::from_system_time(Err(std::time::Duration::from_millis(1500)));
        assert_eq!(before.to_utc_string(), "1969-12-31T23:59:58.500Z");
        let json =
            serde_json::to_string(&DateTime::parse("2024-06-01T12:00:00+02:00").unwrap()).unwrap();
        assert_eq!(json, "\"2024-06-01T10:00:00.000Z\"");
    }

    #[test]
    fn extreme_file_times_do_not_panic() {
        let far = DateTime::from_system_time(Ok(std::time::Duration::MAX));
        assert_eq!(far.unix_seconds(), i64::MAX);
        let past = DateTime::from_system_time(Err(std::time::Duration::MAX));
        assert_eq!(past.unix_seconds(), -i64::MAX - 1);
        assert!(!far.to_utc_string().is_empty() && !past.to_utc_string().is_empty());
        assert_eq!(
            DateTime::from_unix(i64::MAX, 1_999_999_999).unix_seconds(),
            i64::MAX
        );
    }

    #[test]
    fn dates() {
        assert_eq!(Date::parse("1990-05-17"), Date::new(1990, 5, 17));
        assert_eq!(
            Date::parse("1990-05-17T00:00:00.000Z"),
            Date::new(1990, 5, 17)
        );
        assert_eq!(Date::parse("1990-02-30"), None);
        assert_eq!(
            serde_json::to_string(&Date::new(2001, 1, 2).unwrap()).unwrap(),
            "\"2001-01-02\""
        );
    }

    #[test]
    fn round_trips_many_days() {
        for days in (-800_000..800_000).step_by(997) {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y as i32, m as u8, d as u8), days);
        }
    }
}
