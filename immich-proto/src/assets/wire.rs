//! Lenient decoders for values whose wire form changed between server generations.
//!
//! Each one accepts every form a real server has sent and refuses anything else with a serde
//! error, so [`decode_json`](crate::decode_json) names the JSON path instead of inventing a value.

use std::fmt;
use std::time::Duration;

use serde::de::{self, Deserializer, Visitor};

/// `duration`: `"H:MM:SS.fffff"` (servers before v3), integer milliseconds (v3), or `null`.
pub(crate) fn duration<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Duration>, D::Error> {
    struct DurationVisitor;

    impl<'de> Visitor<'de> for DurationVisitor {
        type Value = Option<Duration>;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("milliseconds, a string like \"0:01:02.50000\", or null")
        }

        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_some<D2: Deserializer<'de>>(self, d: D2) -> Result<Self::Value, D2::Error> {
            d.deserialize_any(self)
        }

        fn visit_u64<E: de::Error>(self, millis: u64) -> Result<Self::Value, E> {
            Ok(Some(Duration::from_millis(millis)))
        }

        fn visit_i64<E: de::Error>(self, millis: i64) -> Result<Self::Value, E> {
            u64::try_from(millis)
                .map(|m| Some(Duration::from_millis(m)))
                .map_err(|_| E::custom(format_args!("negative duration {millis}")))
        }

        fn visit_f64<E: de::Error>(self, millis: f64) -> Result<Self::Value, E> {
            if (0.0..1e15).contains(&millis) {
                Ok(Some(Duration::from_secs_f64(millis / 1000.0)))
            } else {
                Err(E::custom(format_args!("invalid duration {millis}")))
            }
        }

        fn visit_str<E: de::Error>(self, text: &str) -> Result<Self::Value, E> {
            parse_clock_duration(text)
                .map(Some)
                .ok_or_else(|| E::custom(format_args!("invalid duration {text:?}")))
        }
    }

    d.deserialize_option(DurationVisitor)
}

/// Writes a `duration` so [`duration`] reads it back exactly: whole milliseconds as v3 sends
/// them, a finer value in the old `H:MM:SS.fffffffff` form (which keeps every nanosecond).
pub(crate) fn duration_millis<S: serde::Serializer>(
    value: &Option<Duration>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match value {
        None => serializer.serialize_none(),
        Some(d) if d.subsec_nanos() % 1_000_000 == 0 => serializer.serialize_u64(
            d.as_secs()
                .saturating_mul(1000)
                .saturating_add(u64::from(d.subsec_millis())),
        ),
        Some(d) => {
            let secs = d.as_secs();
            let text = format!(
                "{}:{:02}:{:02}.{:09}",
                secs / 3600,
                secs / 60 % 60,
                secs % 60,
                d.subsec_nanos()
            );
            serializer.serialize_str(&text)
        }
    }
}

/// Parses `H:MM:SS`, `H:MM:SS.f…` (any number of fraction digits), as old servers wrote them.
pub(crate) fn parse_clock_duration(text: &str) -> Option<Duration> {
    let mut parts = text.split(':');
    let (hours, minutes, seconds) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let digits = |s: &str| !s.is_empty() && s.len() <= 9 && s.bytes().all(|b| b.is_ascii_digit());
    let (whole, fraction) = seconds.split_once('.').unwrap_or((seconds, ""));
    if !digits(hours) || !digits(minutes) || !digits(whole) {
        return None;
    }
    if !fraction.is_empty() && !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let (hours, minutes, whole): (u64, u64, u64) = (
        hours.parse().ok()?,
        minutes.parse().ok()?,
        whole.parse().ok()?,
    );
    if minutes >= 60 || whole >= 60 {
        return None;
    }
    // Nanoseconds from the first nine fraction digits; more digits are below a nanosecond.
    let mut nanos = 0u32;
    for i in 0..9 {
        let digit = fraction
            .as_bytes()
            .get(i)
            .map_or(0, |b| u32::from(b - b'0'));
        nanos = nanos * 10 + digit;
    }
    let secs = hours.checked_mul(3600)?.checked_add(minutes * 60 + whole)?;
    Some(Duration::new(secs, nanos))
}

/// An optional integer that may arrive as an integer, a whole float (`4000.0`), or a decimal
/// string (PostgreSQL `bigint` columns on some old servers).
pub(crate) fn lenient_i64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    struct IntVisitor;

    impl<'de> Visitor<'de> for IntVisitor {
        type Value = Option<i64>;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("an integer, a whole number, a decimal string, or null")
        }

        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_some<D2: Deserializer<'de>>(self, d: D2) -> Result<Self::Value, D2::Error> {
            d.deserialize_any(self)
        }

        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
            Ok(Some(v))
        }

        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
            i64::try_from(v)
                .map(Some)
                .map_err(|_| E::custom(format_args!("integer {v} is too large")))
        }

        fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
            // 2^53: beyond it a float no longer holds every integer exactly.
            if v.is_finite() && v.fract() == 0.0 && v.abs() <= 9_007_199_254_740_992.0 {
                Ok(Some(v as i64))
            } else {
                Err(E::custom(format_args!("expected a whole number, got {v}")))
            }
        }

        fn visit_str<E: de::Error>(self, text: &str) -> Result<Self::Value, E> {
            text.trim()
                .parse::<i64>()
                .map(Some)
                .map_err(|_| E::custom(format_args!("expected an integer, got {text:?}")))
        }
    }

    d.deserialize_option(IntVisitor)
}

/// An optional text value that old servers sometimes sent as a number (`orientation`).
pub(crate) fn lenient_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    struct TextVisitor;

    impl<'de> Visitor<'de> for TextVisitor {
        type Value = Option<String>;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a string, a number, or null")
        }

        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_some<D2: Deserializer<'de>>(self, d: D2) -> Result<Self::Value, D2::Error> {
            d.deserialize_any(self)
        }

        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            Ok(Some(v.to_owned()))
        }

        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
            Ok(Some(v.to_string()))
        }

        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
            Ok(Some(v.to_string()))
        }

        fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
            Ok(Some(v.to_string()))
        }
    }

    d.deserialize_option(TextVisitor)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clock_durations() {
        assert_eq!(parse_clock_duration("0:00:00.00000"), Some(Duration::ZERO));
        assert_eq!(
            parse_clock_duration("1:02:03.5"),
            Some(Duration::new(3723, 500_000_000))
        );
        assert_eq!(
            parse_clock_duration("0:00:07.123456"),
            Some(Duration::new(7, 123_456_000))
        );
        assert_eq!(
            parse_clock_duration("25:00:00"),
            Some(Duration::from_secs(90_000))
        );
        for bad in [
            "",
            "1:2",
            "0:60:00",
            "0:00:61",
            "a:00:00",
            "0:00:00.x",
            "0:00:00:00",
            "-1:00:00",
        ] {
            assert_eq!(parse_clock_duration(bad), None, "{bad}");
        }
    }
}
