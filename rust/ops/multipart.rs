//! `ops.multipartParse`: the Fetch Standard's multipart/form-data parser behind
//! `Request.formData()`/`Response.formData()`. Parts come back as
//! `[name, filename | undefined, content type | undefined, bytes]`; malformed input answers null
//! (the JS side throws the TypeError).

use super::{bytes_of, contents_mut, new_buffer};

/// One parsed part; `body` borrows from the input.
struct Part<'a> {
    name: String,
    filename: Option<String>,
    content_type: Option<String>,
    body: &'a [u8],
}

/// The `boundary` parameter of a multipart/form-data Content-Type value.
fn boundary(content_type: &str) -> Option<String> {
    let (essence, params) = content_type.split_once(';')?;
    if !essence.trim().eq_ignore_ascii_case("multipart/form-data") {
        return None;
    }
    params.split(';').find_map(|param| {
        let (key, value) = param.split_once('=')?;
        if !key.trim().eq_ignore_ascii_case("boundary") {
            return None;
        }
        let value = value.trim();
        let value = value.strip_prefix('"').and_then(|v| v.strip_suffix('"')).unwrap_or(value);
        (!value.is_empty() && value.len() <= 70).then(|| value.to_string())
    })
}

fn find(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    haystack.get(from..)?.windows(needle.len()).position(|w| w == needle).map(|at| at + from)
}

/// A name or filename as the HTML Standard's encoder writes them: quoted, with `"`, CR and LF
/// percent-encoded.
fn unescape(quoted: &str) -> String {
    quoted.replace("%22", "\"").replace("%0D", "\r").replace("%0A", "\n")
}

/// The value of parameter `key` in a Content-Disposition header.
fn disposition_param(value: &str, key: &str) -> Option<String> {
    let mut rest = value.split_once(';')?.1;
    loop {
        rest = rest.trim_start_matches([' ', '\t', ';']);
        let (k, after) = rest.split_once('=')?;
        let after = after.strip_prefix('"')?;
        let end = after.find('"')?;
        if k.trim().eq_ignore_ascii_case(key) {
            return Some(unescape(&after[..end]));
        }
        rest = &after[end + 1..];
    }
}

fn parse_part(part: &[u8]) -> Option<Part<'_>> {
    let split = find(part, b"\r\n\r\n", 0)
        .map(|at| (at, at + 4))
        .or_else(|| part.starts_with(b"\r\n").then_some((0, 2)))?;
    let head = std::str::from_utf8(&part[..split.0]).ok()?;
    let (mut name, mut filename, mut content_type) = (None, None, None);
    for line in head.split("\r\n").filter(|l| !l.is_empty()) {
        let (key, value) = line.split_once(':')?;
        let value = value.trim();
        if key.eq_ignore_ascii_case("content-disposition") {
            if !value.split(';').next()?.trim().eq_ignore_ascii_case("form-data") {
                return None;
            }
            name = Some(disposition_param(value, "name")?);
            filename = disposition_param(value, "filename");
        } else if key.eq_ignore_ascii_case("content-type") {
            content_type = Some(value.to_string());
        }
    }
    Some(Part { name: name?, filename, content_type, body: &part[split.1..] })
}

fn parse<'a>(body: &'a [u8], boundary: &str) -> Option<Vec<Part<'a>>> {
    let delimiter = [b"--", boundary.as_bytes()].concat();
    let mut at = find(body, &delimiter, 0)? + delimiter.len();
    let next_delimiter = [b"\r\n", delimiter.as_slice()].concat();
    let mut parts = Vec::new();
    loop {
        if body.get(at..at + 2) == Some(b"--") {
            return Some(parts);
        }
        at += body.get(at..)?.starts_with(b"\r\n").then_some(2)?;
        let end = find(body, &next_delimiter, at)?;
        parts.push(parse_part(&body[at..end])?);
        at = end + next_delimiter.len();
    }
}

fn string<'s>(scope: &mut v8::PinScope<'s, '_>, s: Option<&str>) -> Option<v8::Local<'s, v8::Value>> {
    match s {
        Some(s) => v8::String::new(scope, s).map(Into::into),
        None => Some(v8::undefined(scope).into()),
    }
}

pub fn op_multipart_parse(
    scope: &mut v8::PinScope,
    args: v8::FunctionCallbackArguments,
    mut rv: v8::ReturnValue<v8::Value>,
) {
    let Some(body) = bytes_of(args.get(0)) else { return rv.set_null() };
    let content_type = args.get(1).to_rust_string_lossy(scope);
    let Some(parts) = boundary(&content_type).and_then(|b| parse(&body, &b)) else { return rv.set_null() };
    let mut out = Vec::with_capacity(parts.len());
    for part in &parts {
        let Some(buffer) = new_buffer(scope, part.body.len()) else { return };
        contents_mut(buffer).copy_from_slice(part.body);
        let (Some(name), Some(filename), Some(content_type), Some(bytes)) = (
            string(scope, Some(&part.name)),
            string(scope, part.filename.as_deref()),
            string(scope, part.content_type.as_deref()),
            v8::Uint8Array::new(scope, buffer, 0, part.body.len()),
        ) else {
            return rv.set_null();
        };
        out.push(v8::Array::new_with_elements(scope, &[name, filename, content_type, bytes.into()]).into());
    }
    rv.set(v8::Array::new_with_elements(scope, &out).into());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_fields_and_files_and_refuses_malformed_bodies() {
        let body = b"--b\r\nContent-Disposition: form-data; name=\"a%22b\"\r\n\r\nv\r\n--b\r\nContent-Disposition: form-data; name=\"f\"; filename=\"x.txt\"\r\nContent-Type: text/plain\r\n\r\n\r\n--b\r\n\r\n--b--\r\n";
        assert_eq!(boundary("multipart/form-data; boundary=\"b\""), Some("b".into()));
        assert!(parse(body, "b").is_none(), "a part without a Content-Disposition is malformed");
        let body = b"--b\r\nContent-Disposition: form-data; name=\"a%22b\"\r\n\r\nv\r\n--b\r\nContent-Disposition: form-data; name=\"f\"; filename=\"x.txt\"\r\nContent-Type: text/plain\r\n\r\n\r\nhi\r\n--b--";
        let parts = parse(body, "b").unwrap();
        assert_eq!((parts[0].name.as_str(), parts[0].body), ("a\"b", &b"v"[..]));
        assert_eq!(parts[1].filename.as_deref(), Some("x.txt"));
        assert_eq!(parts[1].body, b"\r\nhi");
        assert!(
            parse(b"--b\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nunterminated", "b").is_none()
        );
        assert_eq!(boundary("text/plain; boundary=b"), None);
    }
}
