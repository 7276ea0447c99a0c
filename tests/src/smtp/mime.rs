//! What a test reads of a received message: its headers, and its text and HTML parts decoded from MIME.

use base64::Engine as _;

use super::encoded_words::decode_encoded_words;
use super::{Received, BASE64};

impl Received {
    /// A header's value from the top-level headers (case-insensitive name; the first one if it
    /// occurs several times), unfolded and trimmed, with RFC 2047 encoded-words
    /// (`=?utf-8?b?...?=`, `=?utf-8?q?...?=`, any case; UTF-8, US-ASCII or ISO-8859-1) decoded.
    pub fn header(&self, name: &str) -> Option<String> {
        let normalised = normalise_newlines(&self.data);
        let (headers, _) = split_entity(&normalised);
        find_header(&headers, name).map(decode_encoded_words)
    }

    /// The decoded `Subject`.
    pub fn subject(&self) -> Option<String> {
        self.header("Subject")
    }

    /// The decoded body of the first MIME part whose Content-Type starts with `text/plain` (or
    /// the whole body of a message that is not multipart and is text/plain, the default when it
    /// has no Content-Type), looking into nested multiparts (multipart/alternative inside
    /// multipart/mixed, ...) depth first and skipping parts marked `Content-Disposition:
    /// attachment`. Content-Transfer-Encoding 7bit, 8bit, binary, quoted-printable and base64
    /// are undone and the charset applied (UTF-8, US-ASCII, ISO-8859-1). Line endings are
    /// normalised to `\n` and trailing line breaks removed, so lettre's `"Hello"` reads `"Hello"`.
    pub fn text(&self) -> Option<String> {
        self.body_of("text/plain")
    }

    /// The same as [`Received::text`] for `text/html`.
    pub fn html(&self) -> Option<String> {
        self.body_of("text/html")
    }

    fn body_of(&self, media_type: &str) -> Option<String> {
        let normalised = normalise_newlines(&self.data);
        find_part(&normalised, media_type, 0)
    }
}

fn normalise_newlines(text: &str) -> String {
    text.replace("\r\n", "\n")
}

/// Splits an entity (`\n` line endings) into its unfolded headers and its body.
fn split_entity(entity: &str) -> (Vec<(&str, String)>, &str) {
    let (head, body) = if let Some(body) = entity.strip_prefix('\n') {
        ("", body)
    } else {
        match entity.find("\n\n") {
            Some(at) => (&entity[..at], &entity[at + 2..]),
            None => (entity.trim_end_matches('\n'), ""),
        }
    };
    let mut headers: Vec<(&str, String)> = Vec::new();
    for line in head.split('\n') {
        if line.starts_with([' ', '\t']) {
            // Unfolding removes the line break only; the whitespace stays.
            if let Some((_, value)) = headers.last_mut() {
                value.push_str(line);
            }
        } else if let Some((name, value)) = line.split_once(':') {
            headers.push((name.trim(), value.to_owned()));
        }
    }
    for (_, value) in &mut headers {
        *value = value.trim().to_owned();
    }
    (headers, body)
}

fn find_header<'h>(headers: &'h [(&str, String)], name: &str) -> Option<&'h str> {
    headers.iter().find(|(candidate, _)| candidate.eq_ignore_ascii_case(name)).map(|(_, value)| value.as_str())
}

/// Nested multiparts deeper than this are a malformed (or hostile) message, not a real one.
const MAX_DEPTH: usize = 16;

/// Depth first: the decoded content of the first non-attachment part of `media_type`.
fn find_part(entity: &str, media_type: &str, depth: usize) -> Option<String> {
    if depth > MAX_DEPTH {
        return None;
    }
    let (headers, body) = split_entity(entity);
    let content_type = find_header(&headers, "Content-Type").unwrap_or("text/plain");
    let (kind, parameters) = parse_content_type(content_type);
    if kind.starts_with("multipart/") {
        let boundary = parameter(&parameters, "boundary")?;
        return split_multipart(body, boundary).into_iter().find_map(|part| find_part(part, media_type, depth + 1));
    }
    let attachment = find_header(&headers, "Content-Disposition").is_some_and(|disposition| {
        disposition.split(';').next().is_some_and(|kind| kind.trim().eq_ignore_ascii_case("attachment"))
    });
    if !kind.starts_with(media_type) || attachment {
        return None;
    }
    let encoding = find_header(&headers, "Content-Transfer-Encoding").unwrap_or("7bit").to_ascii_lowercase();
    let text = match encoding.as_str() {
        "base64" => {
            let compact: String = body.chars().filter(|c| !c.is_ascii_whitespace()).collect();
            let bytes = BASE64.decode(compact).ok()?;
            decode_charset(&bytes, parameter(&parameters, "charset"))
        }
        "quoted-printable" => decode_charset(&decode_quoted_printable(body), parameter(&parameters, "charset")),
        // 7bit, 8bit, binary: the text as it came (the DATA is already text).
        _ => body.to_owned(),
    };
    Some(normalise_newlines(&text).trim_end_matches('\n').to_owned())
}

/// The lower-case media type (`text/plain`) and the parameters (lower-case name, unquoted value).
fn parse_content_type(value: &str) -> (String, Vec<(String, String)>) {
    let mut pieces = split_parameters(value).into_iter();
    let kind = pieces.next().unwrap_or_default().trim().to_ascii_lowercase();
    let parameters = pieces
        .filter_map(|piece| {
            let (name, value) = piece.split_once('=')?;
            Some((name.trim().to_ascii_lowercase(), unquote(value.trim())))
        })
        .collect();
    (kind, parameters)
}

/// Splits at `;` outside quoted strings.
fn split_parameters(value: &str) -> Vec<&str> {
    let mut pieces = Vec::new();
    let (mut start, mut quoted, mut escaped) = (0, false, false);
    for (at, c) in value.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if quoted => escaped = true,
            '"' => quoted = !quoted,
            ';' if !quoted => {
                pieces.push(&value[start..at]);
                start = at + 1;
            }
            _ => {}
        }
    }
    pieces.push(&value[start..]);
    pieces
}

fn unquote(value: &str) -> String {
    let Some(inner) = value.strip_prefix('"').and_then(|v| v.strip_suffix('"')) else {
        return value.to_owned();
    };
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            out.extend(chars.next());
        } else {
            out.push(c);
        }
    }
    out
}

fn parameter<'p>(parameters: &'p [(String, String)], name: &str) -> Option<&'p str> {
    parameters.iter().find(|(candidate, _)| candidate == name).map(|(_, value)| value.as_str())
}

/// The body parts between `--boundary` lines, up to `--boundary--` (RFC 2046: the line break
/// before a delimiter belongs to the delimiter, not to the part).
fn split_multipart<'b>(body: &'b str, boundary: &str) -> Vec<&'b str> {
    let delimiter = format!("--{boundary}");
    let closing = format!("--{boundary}--");
    let mut parts = Vec::new();
    let mut start: Option<usize> = None;
    let mut offset = 0;
    for line in body.split('\n') {
        let line_start = offset;
        offset += line.len() + 1;
        let line = line.trim_end();
        let is_closing = line == closing;
        if line != delimiter && !is_closing {
            continue;
        }
        if let Some(start) = start {
            let end = line_start.saturating_sub(1).max(start);
            parts.push(&body[start..end]);
        }
        if is_closing {
            return parts;
        }
        start = Some(offset.min(body.len()));
    }
    // No closing delimiter: the last part runs to the end.
    if let Some(start) = start {
        parts.push(&body[start..]);
    }
    parts
}

/// Quoted-printable (RFC 2045 6.7) on `\n`-separated lines: soft line breaks joined, `=XX`
/// decoded, trailing whitespace (added in transport) dropped, anything malformed kept as is.
fn decode_quoted_printable(body: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len());
    let mut lines = body.split('\n').peekable();
    while let Some(line) = lines.next() {
        let line = line.trim_end_matches([' ', '\t']);
        let (line, soft_break) = match line.strip_suffix('=') {
            Some(line) => (line, true),
            None => (line, false),
        };
        let bytes = line.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            let byte = bytes[i];
            if byte == b'=' {
                let hex = bytes.get(i + 1..i + 3).and_then(|pair| std::str::from_utf8(pair).ok());
                if let Some(value) = hex.and_then(|pair| u8::from_str_radix(pair, 16).ok()) {
                    out.push(value);
                    i += 3;
                    continue;
                }
            }
            out.push(byte);
            i += 1;
        }
        if !soft_break && lines.peek().is_some() {
            out.push(b'\n');
        }
    }
    out
}

/// Bytes in a charset to text: ISO-8859-1 (and its aliases) map byte for byte, everything else
/// is read as UTF-8 (which covers US-ASCII), replacing what is not.
pub(super) fn decode_charset(bytes: &[u8], charset: Option<&str>) -> String {
    // RFC 2231 allows a language after the charset: `utf-8*en`.
    let charset = charset.unwrap_or("utf-8").split('*').next().unwrap_or_default().trim().to_ascii_lowercase();
    match charset.as_str() {
        "iso-8859-1" | "iso8859-1" | "latin1" | "latin-1" => bytes.iter().map(|&b| char::from(b)).collect(),
        _ => String::from_utf8_lossy(bytes).into_owned(),
    }
}
