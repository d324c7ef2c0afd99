//! A strict `multipart/form-data` reader (RFC 7578): the test server parses upload bodies for
//! real, so a client that writes a malformed body fails here instead of passing by luck.

use bytes::Bytes;

/// One part of a form.
#[derive(Debug, Clone)]
pub(crate) struct Part {
    pub name: String,
    pub filename: Option<String>,
    pub content_type: Option<String>,
    pub data: Bytes,
}

/// The boundary from a `Content-Type: multipart/form-data; boundary=...` value.
pub(crate) fn boundary(content_type: &str) -> Result<String, String> {
    let mut params = content_type.split(';');
    let mime = params.next().unwrap_or("").trim();
    if !mime.eq_ignore_ascii_case("multipart/form-data") {
        return Err(format!("expected multipart/form-data, got {mime:?}"));
    }
    for param in params {
        if let Some((key, value)) = param.trim().split_once('=') {
            if key.trim().eq_ignore_ascii_case("boundary") {
                let value = value.trim().trim_matches('"');
                if value.is_empty() || value.len() > 70 {
                    return Err("the boundary must be 1 to 70 characters".into());
                }
                return Ok(value.to_owned());
            }
        }
    }
    Err("multipart/form-data without a boundary".into())
}

/// Splits a whole body into parts. CRLF line endings are required, as RFC 7578 says.
pub(crate) fn parse(body: &Bytes, boundary: &str) -> Result<Vec<Part>, String> {
    let opening = format!("--{boundary}\r\n");
    if !body.starts_with(opening.as_bytes()) {
        return Err("the body does not start with --boundary CRLF".into());
    }
    let delimiter = format!("\r\n--{boundary}");
    let mut parts = Vec::new();
    let mut pos = opening.len();
    loop {
        // A delimiter is CRLF--boundary followed by `--` or CRLF; anything else is data.
        let mut search = pos;
        let (part_end, after) = loop {
            let Some(found) = find(&body[search..], delimiter.as_bytes()) else {
                return Err("a part is not terminated by a boundary".into());
            };
            let at = search + found;
            let after = at + delimiter.len();
            if body[after..].starts_with(b"--") || body[after..].starts_with(b"\r\n") {
                break (at, after);
            }
            search = at + 1;
        };
        parts.push(parse_part(body.slice(pos..part_end))?);
        let rest = &body[after..];
        if rest.starts_with(b"--") {
            let epilogue = &rest[2..];
            if !(epilogue.is_empty() || epilogue == b"\r\n") {
                return Err("unexpected bytes after the closing boundary".into());
            }
            return Ok(parts);
        }
        if !rest.starts_with(b"\r\n") {
            return Err("a boundary line is not followed by CRLF".into());
        }
        pos = after + 2;
    }
}

fn parse_part(raw: Bytes) -> Result<Part, String> {
    let Some(head_end) = find(&raw, b"\r\n\r\n") else {
        return Err("a part has no blank line after its headers".into());
    };
    let head = std::str::from_utf8(&raw[..head_end])
        .map_err(|_| "part headers are not UTF-8".to_owned())?;
    let mut name = None;
    let mut filename = None;
    let mut content_type = None;
    for line in head.split("\r\n") {
        if line.contains('\n') || line.contains('\r') {
            return Err("a part header contains a bare CR or LF".into());
        }
        let Some((key, value)) = line.split_once(':') else {
            return Err(format!("malformed part header {line:?}"));
        };
        let key = key.trim();
        if key.eq_ignore_ascii_case("content-disposition") {
            let mut params = value.split(';');
            if params.next().map(str::trim) != Some("form-data") {
                return Err("Content-Disposition must be form-data".into());
            }
            for param in params {
                let Some((k, v)) = param.trim().split_once('=') else {
                    return Err(format!("malformed Content-Disposition parameter {param:?}"));
                };
                let v = v.trim();
                if !(v.len() >= 2 && v.starts_with('"') && v.ends_with('"')) {
                    return Err(format!("unquoted Content-Disposition parameter {param:?}"));
                }
                let v = v[1..v.len() - 1].to_owned();
                match k.trim() {
                    "name" => name = Some(v),
                    "filename" => filename = Some(v),
                    _ => {}
                }
            }
        } else if key.eq_ignore_ascii_case("content-type") {
            content_type = Some(value.trim().to_owned());
        }
    }
    let Some(name) = name else {
        return Err("a part has no name".into());
    };
    Ok(Part {
        name,
        filename,
        content_type,
        data: raw.slice(head_end + 4..),
    })
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() || haystack.len() < needle.len() {
        return None;
    }
    let first = needle[0];
    let mut start = 0;
    while start + needle.len() <= haystack.len() {
        let offset = haystack[start..=haystack.len() - needle.len()]
            .iter()
            .position(|&b| b == first)?;
        let at = start + offset;
        if &haystack[at..at + needle.len()] == needle {
            return Some(at);
        }
        start = at + 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_fields_and_files() {
        let body = Bytes::from_static(
            b"--B\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n\
              --B\r\nContent-Disposition: form-data; name=\"f\"; filename=\"x.jpg\"\r\n\
              Content-Type: image/jpeg\r\n\r\n\r\n--Bx\r\n--B--\r\n",
        );
        let parts = parse(&body, "B").unwrap();
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0].name, "a");
        assert_eq!(&parts[0].data[..], b"1");
        assert_eq!(parts[1].filename.as_deref(), Some("x.jpg"));
        assert_eq!(&parts[1].data[..], b"\r\n--Bx");
    }

    #[test]
    fn rejects_bare_lf_and_missing_end() {
        let lf =
            Bytes::from_static(b"--B\nContent-Disposition: form-data; name=\"a\"\n\n1\n--B--\n");
        assert!(parse(&lf, "B").is_err());
        let open =
            Bytes::from_static(b"--B\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1");
        assert!(parse(&open, "B").is_err());
        assert!(boundary("multipart/form-data").is_err());
        assert_eq!(
            boundary("multipart/form-data; boundary=xyz").unwrap(),
            "xyz"
        );
    }
}
