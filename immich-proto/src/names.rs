//! File names from the server made safe to create on any operating system.
//!
//! A server (or whoever uploaded to it) chooses an asset's `originalFileName`; a tool that
//! saves the asset under that name must not let it leave the chosen folder, hide itself as a
//! dotfile, name a device on Windows or carry terminal control characters. [`safe_file_name`]
//! turns any string into a name that is safe on Linux, macOS and Windows alike, and
//! [`numbered_file_name`] gives the `name (1).jpg` form for a name that is already taken.
//! Nothing here touches a disk: whether a name is free is the caller's question.

/// The longest name, in bytes, that every common file system takes (ext4, APFS; NTFS counts
/// UTF-16 units, of which a name this long in UTF-8 never has more).
pub const MAX_FILE_NAME_BYTES: usize = 255;

/// The longest extension (dot included) kept whole when a name is shortened; anything longer
/// counts as part of the name.
const MAX_EXTENSION_BYTES: usize = 16;

/// What replaces a character no file system should see.
const REPLACEMENT: char = '_';

/// Characters Windows refuses in names (`:` also starts drive prefixes and NTFS streams).
const WINDOWS_FORBIDDEN: [char; 9] = ['<', '>', ':', '"', '/', '\\', '|', '?', '*'];

/// Device names Windows reserves, with or without an extension and in any case.
const WINDOWS_RESERVED: [&str; 6] = ["CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"];

/// A name for `original` that is safe to create inside a folder on any operating system:
///
/// - only its last component: anything up to the last `/` or `\` goes, so `../../x` is `x`;
/// - control characters (C0, DEL, C1) and the characters Windows refuses (`<>:"|?*`, which
///   covers drive prefixes like `C:` and stream syntax like `a:b`) become `_`;
/// - no leading dots or spaces (no hidden files, no `.` or `..`), no trailing dots or spaces;
/// - a Windows device name (`CON`, `NUL`, `COM1`, `LPT9`, ... in any case, with or without an
///   extension) gets a leading `_`;
/// - at most [`MAX_FILE_NAME_BYTES`] bytes, cut on a character boundary, keeping the extension.
///
/// When nothing usable is left, `fallback` (for example the asset id) is made safe the same
/// way and used instead; when that is empty too, `file`. The result is never empty, and
/// [`is_safe_file_name`] holds for it.
pub fn safe_file_name(original: &str, fallback: &str) -> String {
    clean(original)
        .or_else(|| clean(fallback))
        .unwrap_or_else(|| "file".to_owned())
}

/// `name` with ` (n)` before its extension (`IMG_1 (2).jpg`), for when `name` is taken; still
/// within [`MAX_FILE_NAME_BYTES`]. `name` should come from [`safe_file_name`]; the result is
/// then safe too.
pub fn numbered_file_name(name: &str, number: u64) -> String {
    let (stem, extension) = split_extension(name);
    let suffix = format!(" ({number})");
    let room = MAX_FILE_NAME_BYTES.saturating_sub(suffix.len() + extension.len());
    let stem = cut_to_bytes(stem, room);
    format!("{stem}{suffix}{extension}")
}

/// Whether `name` follows every rule of [`safe_file_name`] (which always returns such a
/// name): not empty, at most [`MAX_FILE_NAME_BYTES`] bytes, no separators, control or
/// Windows-forbidden characters, no leading dot or space, no trailing dot or space, and no
/// Windows device name.
pub fn is_safe_file_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= MAX_FILE_NAME_BYTES
        && !name.chars().any(is_unsafe_char)
        && !name.starts_with(['.', ' '])
        && !name.ends_with(['.', ' '])
        && !is_windows_device(name)
}

/// The cleaned name, or `None` when nothing is left.
fn clean(original: &str) -> Option<String> {
    let last = original.rsplit(['/', '\\']).next().unwrap_or_default();
    let replaced: String = last
        .chars()
        .map(|c| if is_unsafe_char(c) { REPLACEMENT } else { c })
        .collect();
    let mut name = trim_edges(&replaced).to_owned();
    if name.len() > MAX_FILE_NAME_BYTES {
        let (stem, extension) = split_extension(&name);
        let stem = cut_to_bytes(stem, MAX_FILE_NAME_BYTES - extension.len());
        name = trim_edges(&format!("{stem}{extension}")).to_owned();
    }
    if name.is_empty() {
        return None;
    }
    if is_windows_device(&name) {
        let room = MAX_FILE_NAME_BYTES - REPLACEMENT.len_utf8();
        let rest = trim_edges(cut_to_bytes(&name, room));
        name = format!("{REPLACEMENT}{rest}");
    }
    Some(name)
}

/// Separators, control characters (C0, DEL, C1) and what Windows refuses.
fn is_unsafe_char(c: char) -> bool {
    c.is_control() || WINDOWS_FORBIDDEN.contains(&c)
}

/// Without leading dots and white space, and without trailing dots and white space.
fn trim_edges(name: &str) -> &str {
    name.trim_start_matches(|c: char| c == '.' || c.is_whitespace())
        .trim_end_matches(|c: char| c == '.' || c.is_whitespace())
}

/// `("IMG_1", ".jpg")`; `(name, "")` without a short extension.
fn split_extension(name: &str) -> (&str, &str) {
    match name.rfind('.') {
        Some(dot) if dot > 0 && name.len() - dot <= MAX_EXTENSION_BYTES => name.split_at(dot),
        _ => (name, ""),
    }
}

/// The longest prefix of `text` of at most `max` bytes that ends on a character boundary.
fn cut_to_bytes(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// `CON`, `nul.txt`, `Com1.tar.gz`, `LPT9 .jpg`, `COM¹`: names Windows opens as devices.
fn is_windows_device(name: &str) -> bool {
    let stem = name.split('.').next().unwrap_or_default();
    let stem = stem.trim_end_matches([' ', '.']).to_uppercase();
    if WINDOWS_RESERVED.contains(&stem.as_str()) {
        return true;
    }
    let mut chars = stem.chars();
    let prefix: String = chars.by_ref().take(3).collect();
    let rest: Vec<char> = chars.collect();
    (prefix == "COM" || prefix == "LPT")
        && matches!(rest.as_slice(), [digit] if digit.is_ascii_digit() || matches!(digit, '¹' | '²' | '³'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn ordinary_names_stay() {
        assert_eq!(safe_file_name("IMG_1.jpg", "id"), "IMG_1.jpg");
        assert_eq!(
            safe_file_name("Été à Zürich 🌞.heic", "id"),
            "Été à Zürich 🌞.heic"
        );
        assert_eq!(safe_file_name("a.b.c.tar.gz", "id"), "a.b.c.tar.gz");
    }

    #[test]
    fn names_never_leave_the_folder() {
        assert_eq!(safe_file_name("../../etc/passwd", "id"), "passwd");
        assert_eq!(safe_file_name(r"C:\x\y.png", "id"), "y.png");
        assert_eq!(safe_file_name("..", "id"), "id");
        assert_eq!(safe_file_name(".", "id"), "id");
        assert_eq!(safe_file_name("dir/", "id"), "id");
        assert_eq!(safe_file_name("", ""), "file");
        assert_eq!(safe_file_name("...", "../.."), "file");
    }

    #[test]
    fn no_hidden_files_and_no_trailing_dots_or_spaces() {
        assert_eq!(safe_file_name(".bashrc", "id"), "bashrc");
        assert_eq!(safe_file_name("..hidden.jpg", "id"), "hidden.jpg");
        assert_eq!(safe_file_name(" . x.jpg. . ", "id"), "x.jpg");
    }

    #[test]
    fn control_and_windows_characters_are_replaced() {
        assert_eq!(safe_file_name("a\u{1b}[2Jb.jpg", "id"), "a_[2Jb.jpg");
        assert_eq!(safe_file_name("a\u{0}b\u{7f}c\u{9b}d", "id"), "a_b_c_d");
        assert_eq!(safe_file_name("C:photo.jpg", "id"), "C_photo.jpg");
        assert_eq!(safe_file_name("a.jpg:stream", "id"), "a.jpg_stream");
        assert_eq!(safe_file_name("what?<*>|\".jpg", "id"), "what______.jpg");
    }

    #[test]
    fn windows_device_names_are_prefixed() {
        for name in [
            "CON",
            "con",
            "Nul.txt",
            "COM1",
            "lpt9.tar.gz",
            "AUX .jpg",
            "COM¹",
        ] {
            let safe = safe_file_name(name, "id");
            assert!(safe.starts_with('_'), "{name} -> {safe}");
            assert!(is_safe_file_name(&safe), "{name} -> {safe}");
        }
        for name in ["CONSOLE.jpg", "COM10", "LPT", "nullable.txt", "icon.png"] {
            assert_eq!(safe_file_name(name, "id"), name);
        }
    }

    #[test]
    fn long_names_keep_their_extension_and_whole_characters() {
        let long = format!("{}.jpeg", "é".repeat(300));
        let safe = safe_file_name(&long, "id");
        assert!(safe.len() <= MAX_FILE_NAME_BYTES, "{}", safe.len());
        assert!(safe.ends_with("é.jpeg"), "{safe}");
        let device = format!("CON.{}", "x".repeat(300));
        let safe_device = safe_file_name(&device, "id");
        assert!(safe_device.starts_with("_CON."), "{safe_device}");
        assert!(is_safe_file_name(&safe_device), "{}", safe_device.len());
        let no_extension = "x".repeat(1000);
        assert_eq!(
            safe_file_name(&no_extension, "id").len(),
            MAX_FILE_NAME_BYTES
        );
        let numbered = numbered_file_name(&safe, 12);
        assert!(numbered.len() <= MAX_FILE_NAME_BYTES);
        assert!(numbered.ends_with(" (12).jpeg"), "{numbered}");
    }

    #[test]
    fn collisions_are_numbered_before_the_extension() {
        assert_eq!(numbered_file_name("IMG_1.jpg", 1), "IMG_1 (1).jpg");
        assert_eq!(numbered_file_name("README", 2), "README (2)");
        assert_eq!(numbered_file_name("_CON.txt", 1), "_CON (1).txt");
    }

    fn config() -> ProptestConfig {
        ProptestConfig {
            cases: 4096,
            failure_persistence: None,
            ..ProptestConfig::default()
        }
    }

    /// Names built from the parts that cause trouble, more often than random text would.
    fn awkward_name() -> impl Strategy<Value = String> {
        let part = prop_oneof![
            Just(".".to_owned()),
            Just("..".to_owned()),
            Just("/".to_owned()),
            Just("\\".to_owned()),
            Just(" ".to_owned()),
            Just(":".to_owned()),
            Just("C:".to_owned()),
            Just("\u{1b}]0;".to_owned()),
            Just("con".to_owned()),
            Just("LPT1".to_owned()),
            Just("é".to_owned()),
            Just("🌞".to_owned()),
            Just(".jpg".to_owned()),
            "[a-z]{0,90}",
            any::<char>().prop_map(String::from),
        ];
        prop::collection::vec(part, 0..16).prop_map(|parts| parts.concat())
    }

    proptest! {
        #![proptest_config(config())]

        /// Any string at all gives a safe name, and so does its numbered form.
        #[test]
        fn any_string_gives_a_safe_name(original in any::<String>(), fallback in any::<String>()) {
            let safe = safe_file_name(&original, &fallback);
            prop_assert!(is_safe_file_name(&safe), "{original:?} -> {safe:?}");
            let numbered = numbered_file_name(&safe, 7);
            prop_assert!(is_safe_file_name(&numbered), "{safe:?} -> {numbered:?}");
        }

        /// The awkward parts, in any order: still safe.
        #[test]
        fn awkward_names_give_safe_names(original in awkward_name(), number in any::<u64>()) {
            let safe = safe_file_name(&original, "");
            prop_assert!(is_safe_file_name(&safe), "{original:?} -> {safe:?}");
            let numbered = numbered_file_name(&safe, number);
            prop_assert!(is_safe_file_name(&numbered), "{safe:?} -> {numbered:?}");
        }
    }
}
