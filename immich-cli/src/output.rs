//! Printing: JSON documents, sizes and dates for people, and the progress line.

use std::borrow::Cow;
use std::io::Write;
use std::time::{Duration, Instant};

use immich_blocking::DateTime;
use serde::Serialize;

use crate::Failure;

/// Writes one line to the output; a closed pipe ends the command quietly.
macro_rules! say {
    ($out:expr, $($arg:tt)*) => {
        writeln!($out, $($arg)*).map_err(|_| $crate::Failure::Output)?
    };
}
pub(crate) use say;

/// `text` made safe to print on a terminal: every control character (C0 including newline and
/// tab, DEL, and C1 such as the one-byte CSI `U+009B`) is written as an escape like `\n` or
/// `\u{1b}`, so an album, file, person or tag name, or a server's message, can neither move
/// the cursor, set the window title nor fake a line of output (an ESC sequence loses its ESC
/// and shows as text). The invisible marks that reorder text (bidi embeddings, overrides and
/// isolates, and the directional marks) are escaped the same way, so a name cannot show its
/// characters, or the rest of the line, in another order than they are ("Trojan Source").
/// Other Unicode stays as it is. Every human print of text that came from outside the program
/// goes through this; `--json` prints the exact strings instead.
pub fn shown(text: &str) -> Cow<'_, str> {
    let needs_escape = |c: char| c.is_control() || is_bidi_control(c);
    if !text.chars().any(needs_escape) {
        return Cow::Borrowed(text);
    }
    let mut escaped = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\n' => escaped.push_str("\\n"),
            '\r' => escaped.push_str("\\r"),
            '\t' => escaped.push_str("\\t"),
            c if needs_escape(c) => escaped.push_str(&format!("\\u{{{:x}}}", u32::from(c))),
            c => escaped.push(c),
        }
    }
    Cow::Owned(escaped)
}

/// The Unicode formatting characters that change the display order of text: the Arabic letter
/// mark, left-to-right and right-to-left marks, embeddings and overrides (LRE, RLE, PDF, LRO,
/// RLO) and isolates (LRI, RLI, FSI, PDI).
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{61c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// Prints `value` as one pretty JSON document.
pub fn json(out: &mut dyn Write, value: &impl Serialize) -> Result<(), Failure> {
    serde_json::to_writer_pretty(&mut *out, value).map_err(|_| Failure::Output)?;
    writeln!(out).map_err(|_| Failure::Output)
}

/// `1.5 MiB`.
pub fn bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["KiB", "MiB", "GiB", "TiB", "PiB"];
    if n < 1024 {
        return format!("{n} B");
    }
    let mut value = n as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}

/// `1h02m`, `3m05s`, `42s`.
pub fn duration(d: Duration) -> String {
    let secs = d.as_secs();
    match secs {
        0..=59 => format!("{secs}s"),
        60..=3599 => format!("{}m{:02}s", secs / 60, secs % 60),
        _ => format!("{}h{:02}m", secs / 3600, secs / 60 % 60),
    }
}

/// `2024-05-01 10:00` from a date-time (its own clock, as Immich's local date-times are).
pub fn date_time(t: &DateTime) -> String {
    let text = t.to_string();
    match (text.get(..10), text.get(11..16)) {
        (Some(date), Some(time)) => format!("{date} {time}"),
        _ => text,
    }
}

/// A progress line on stderr, redrawn in place with `\r`; only when stderr is a terminal.
pub struct Progress {
    enabled: bool,
    started: Instant,
    last_draw: Option<Instant>,
    drawn: bool,
}

impl Progress {
    pub fn new(enabled: bool) -> Self {
        Progress {
            enabled,
            started: Instant::now(),
            last_draw: None,
            drawn: false,
        }
    }

    /// Redraws at most ten times a second, and always when `force`.
    pub fn draw(&mut self, err: &mut dyn Write, line: &str, force: bool) {
        if !self.enabled {
            return;
        }
        let now = Instant::now();
        if !force
            && self
                .last_draw
                .is_some_and(|t| now - t < Duration::from_millis(100))
        {
            return;
        }
        self.last_draw = Some(now);
        self.drawn = true;
        // `\x1b[K` clears what a longer earlier line left on the right.
        let _ = write!(err, "\r{line}\x1b[K");
        let _ = err.flush();
    }

    /// Removes the line, before the summary is printed.
    pub fn clear(&mut self, err: &mut dyn Write) {
        if self.drawn {
            let _ = write!(err, "\r\x1b[K");
            let _ = err.flush();
            self.drawn = false;
        }
    }

    /// Time since the progress started.
    pub fn elapsed(&self) -> Duration {
        self.started.elapsed()
    }

    /// `files 3/10, 1.2 MiB/4.0 MiB, 2.1 MiB/s, 1m20s left`.
    pub fn transfer_line(
        &self,
        verb: &str,
        files: (usize, usize),
        done_bytes: u64,
        total_bytes: u64,
    ) -> String {
        transfer_line_after(self.elapsed(), verb, files, done_bytes, total_bytes)
    }
}

/// The progress line after `elapsed`.
fn transfer_line_after(
    elapsed: Duration,
    verb: &str,
    files: (usize, usize),
    done_bytes: u64,
    total_bytes: u64,
) -> String {
    let secs = elapsed.as_secs_f64();
    let rate = if secs > 0.0 {
        done_bytes as f64 / secs
    } else {
        0.0
    };
    let mut line = format!(
        "{verb} {}/{} files, {}/{}",
        files.0,
        files.1,
        bytes(done_bytes),
        bytes(total_bytes)
    );
    if rate >= 1.0 {
        line.push_str(&format!(", {}/s", bytes(rate as u64)));
        let left = total_bytes.saturating_sub(done_bytes) as f64 / rate;
        if left.is_finite() && done_bytes < total_bytes {
            line.push_str(&format!(
                ", {} left",
                duration(Duration::from_secs_f64(left))
            ));
        }
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_shown_escaped() {
        assert_eq!(shown("Été 🌞 ok"), "Été 🌞 ok");
        assert!(matches!(shown("plain"), Cow::Borrowed(_)));
        assert_eq!(
            shown("a\u{1b}]0;title\u{7}b\nc\td\re\u{7f}f\u{9b}2J"),
            "a\\u{1b}]0;title\\u{7}b\\nc\\td\\re\\u{7f}f\\u{9b}2J"
        );
    }

    #[test]
    fn text_reordering_marks_are_shown_escaped() {
        // A file name that would show as "invoice_fdp.exe" with the override acting.
        assert_eq!(shown("invoice_\u{202e}exe.pdf"), "invoice_\\u{202e}exe.pdf");
        assert_eq!(
            shown("a\u{2066}b\u{2069}c\u{200f}d\u{61c}"),
            "a\\u{2066}b\\u{2069}c\\u{200f}d\\u{61c}"
        );
        // Right-to-left text itself is data, shown as it is.
        assert!(matches!(shown("שלום مرحبا"), Cow::Borrowed(_)));
    }

    #[test]
    fn sizes_and_durations() {
        assert_eq!(bytes(0), "0 B");
        assert_eq!(bytes(1023), "1023 B");
        assert_eq!(bytes(1536), "1.5 KiB");
        assert_eq!(bytes(5 * 1024 * 1024 * 1024), "5.0 GiB");
        assert_eq!(duration(Duration::from_secs(42)), "42s");
        assert_eq!(duration(Duration::from_secs(185)), "3m05s");
        assert_eq!(duration(Duration::from_secs(3720)), "1h02m");
    }

    #[test]
    fn dates_for_people() {
        let t = DateTime::parse("2024-05-01T10:00:00.000Z").unwrap();
        assert_eq!(date_time(&t), "2024-05-01 10:00");
    }

    #[test]
    fn transfer_lines_say_rate_and_time_left() {
        let line = transfer_line_after(
            Duration::from_secs(2),
            "uploading",
            (1, 4),
            2 << 20,
            10 << 20,
        );
        assert_eq!(
            line,
            "uploading 1/4 files, 2.0 MiB/10.0 MiB, 1.0 MiB/s, 8s left"
        );
        let start = transfer_line_after(Duration::ZERO, "hashing", (0, 4), 0, 10 << 20);
        assert_eq!(start, "hashing 0/4 files, 0 B/10.0 MiB");
        let done = transfer_line_after(Duration::from_secs(1), "uploading", (4, 4), 1024, 1024);
        assert_eq!(done, "uploading 4/4 files, 1.0 KiB/1.0 KiB, 1.0 KiB/s");
    }

    #[test]
    fn progress_only_on_a_terminal() {
        let mut quiet = Progress::new(false);
        let mut sink = Vec::new();
        quiet.draw(&mut sink, "x", true);
        quiet.clear(&mut sink);
        assert!(sink.is_empty());

        let mut shown = Progress::new(true);
        shown.draw(&mut sink, "uploading 1/2 files", true);
        shown.clear(&mut sink);
        let text = String::from_utf8(sink).unwrap();
        assert!(text.starts_with("\ruploading 1/2 files"));
        assert!(text.ends_with("\r\x1b[K"));
    }
}
