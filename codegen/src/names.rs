//! How the document's names become Rust names.

use heck::{ToSnakeCase, ToUpperCamelCase};

/// Rust's reserved words that may appear as field or parameter names.
const KEYWORDS: &[&str] = &[
    "as", "async", "await", "box", "break", "const", "continue", "crate", "dyn", "else", "enum",
    "extern", "false", "fn", "for", "gen", "if", "impl", "in", "let", "loop", "match", "mod",
    "move", "mut", "override", "priv", "pub", "ref", "return", "self", "static", "struct", "super",
    "trait", "true", "try", "type", "typeof", "unsafe", "use", "where", "while", "yield",
];

/// A field or parameter name: `albumName` becomes `album_name`, `type` becomes `r#type`.
pub fn field(json: &str) -> String {
    let snake = json.to_snake_case();
    let snake = if snake.is_empty() {
        "value".to_owned()
    } else {
        snake
    };
    if KEYWORDS.contains(&snake.as_str()) {
        format!("r#{snake}")
    } else if snake.starts_with(|c: char| c.is_ascii_digit()) {
        format!("n{snake}")
    } else {
        snake
    }
}

/// What serde's `rename_all = "camelCase"` makes of a Rust field name.
pub fn serde_camel(rust: &str) -> String {
    let rust = rust.strip_prefix("r#").unwrap_or(rust);
    let mut out = String::new();
    let mut upper = false;
    for c in rust.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// A type name from an operationId or a schema name: `getAllAlbums` becomes `GetAllAlbums`.
pub fn type_name(name: &str) -> String {
    let camel = name.to_upper_camel_case();
    if camel.starts_with(|c: char| c.is_ascii_digit()) {
        format!("N{camel}")
    } else {
        camel
    }
}

/// The module (file) name of an operation: `getAllAlbums` becomes `get_all_albums`.
pub fn module(name: &str) -> String {
    let snake = name.to_snake_case();
    if KEYWORDS.contains(&snake.as_str()) {
        format!("{snake}_operation")
    } else {
        snake
    }
}

/// The area (module) of an OpenAPI tag: `Users (admin)` becomes `users_admin`.
pub fn area(tag: &str) -> String {
    tag.replace("(admin)", "admin").to_snake_case()
}

/// An enum variant from a wire value: `asset.read` becomes `AssetRead`, `1:1` becomes `N11`.
pub fn variant(value: &str) -> String {
    let cleaned: String = value
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { ' ' })
        .collect();
    let camel = cleaned.to_upper_camel_case();
    if camel.is_empty() {
        "Empty".to_owned()
    } else if camel == "Unknown" {
        // `Unknown(String)` is every enum's catch-all for values a newer server sends.
        "UnknownValue".to_owned()
    } else if camel.starts_with(|c: char| c.is_ascii_digit()) {
        format!("N{camel}")
    } else {
        camel
    }
}

/// Text for a `///` or `//!` comment: trimmed, lines kept, and nothing rustdoc would read as
/// markup it cannot render (bare URLs become links, brackets are escaped).
pub fn doc_text(text: &str) -> String {
    text.trim()
        .replace('[', "\\[")
        .replace(']', "\\]")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Writes `text` as doc comment lines with `prefix` (`///` or `//!`) and `indent`.
pub fn doc_lines(out: &mut String, indent: &str, prefix: &str, text: &str) {
    for line in text.lines() {
        let line = line.trim_end();
        if line.is_empty() {
            out.push_str(&format!("{indent}{prefix}\n"));
        } else {
            out.push_str(&format!("{indent}{prefix} {line}\n"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(field("albumName"), "album_name");
        assert_eq!(field("type"), "r#type");
        assert_eq!(serde_camel("album_name"), "albumName");
        assert_eq!(serde_camel("r#type"), "type");
        assert_ne!(serde_camel(&field("isHEIC")), "isHEIC");
        assert_eq!(type_name("getAllAlbums"), "GetAllAlbums");
        assert_eq!(module("getAllAlbums"), "get_all_albums");
        assert_eq!(area("Users (admin)"), "users_admin");
        assert_eq!(area("API keys"), "api_keys");
        assert_eq!(variant("asset.read"), "AssetRead");
        assert_eq!(variant("1:1"), "N11");
    }
}
