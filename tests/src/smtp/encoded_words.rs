//! RFC 2047 encoded-words in header values (`=?utf-8?b?...?=`, `=?utf-8?q?...?=`), decoded.

use base64::Engine as _;

use super::mime::decode_charset;
use super::BASE64;

/// One parsed encoded-word: where it sits in the text, its charset and its decoded bytes.
struct EncodedWord<'t> {
    start: usize,
    end: usize,
    charset: &'t str,
    bytes: Vec<u8>,
}

/// The first well-formed encoded-word (`=?charset?B|Q?text?=`) in `text`, if any.
fn next_encoded_word(text: &str) -> Option<EncodedWord<'_>> {
    let mut from = 0;
    while let Some(at) = text[from..].find("=?") {
        let start = from + at;
        if let Some(word) = parse_encoded_word(text, start) {
            return Some(word);
        }
        from = start + 2;
    }
    None
}

fn parse_encoded_word(text: &str, start: usize) -> Option<EncodedWord<'_>> {
    let rest = &text[start + 2..];
    let (charset, rest) = rest.split_once('?')?;
    let (encoding, rest) = rest.split_once('?')?;
    let end_in_rest = rest.find("?=")?;
    let payload = &rest[..end_in_rest];
    let token = |s: &str| !s.is_empty() && !s.contains(|c: char| c.is_ascii_whitespace() || c == '=');
    if !token(charset) || payload.contains(|c: char| c.is_ascii_whitespace()) {
        return None;
    }
    let bytes = match encoding {
        "B" | "b" => BASE64.decode(payload).ok()?,
        "Q" | "q" => decode_q(payload),
        _ => return None,
    };
    let end = text.len() - rest.len() + end_in_rest + 2;
    Some(EncodedWord { start, end, charset, bytes })
}

/// The "Q" encoding: quoted-printable where `_` stands for a space.
fn decode_q(payload: &str) -> Vec<u8> {
    let bytes = payload.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'_' => out.push(b' '),
            b'=' => {
                let hex = bytes.get(i + 1..i + 3).and_then(|pair| std::str::from_utf8(pair).ok());
                if let Some(value) = hex.and_then(|pair| u8::from_str_radix(pair, 16).ok()) {
                    out.push(value);
                    i += 3;
                    continue;
                }
                out.push(b'=');
            }
            byte => out.push(byte),
        }
        i += 1;
    }
    out
}

/// Decodes RFC 2047 encoded-words in an unfolded header value. Whitespace between two adjacent
/// encoded-words is dropped (RFC 2047 6.2), and their bytes are joined before the charset is
/// applied, so a character split across two words (as some encoders do) survives.
pub(super) fn decode_encoded_words(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut pending: Vec<u8> = Vec::new();
    let mut pending_charset: Option<String> = None;
    let mut rest = value;
    while let Some(word) = next_encoded_word(rest) {
        let between = &rest[..word.start];
        let adjacent = pending_charset.is_some() && between.chars().all(|c| c.is_ascii_whitespace());
        let same_charset = pending_charset.as_deref().is_some_and(|c| c.eq_ignore_ascii_case(word.charset));
        if !(adjacent && same_charset) {
            out.push_str(&decode_charset(&pending, pending_charset.as_deref()));
            pending.clear();
            if !adjacent {
                out.push_str(between);
            }
        }
        pending.extend_from_slice(&word.bytes);
        pending_charset = Some(word.charset.to_owned());
        rest = &rest[word.end..];
    }
    out.push_str(&decode_charset(&pending, pending_charset.as_deref()));
    out.push_str(rest);
    out
}
