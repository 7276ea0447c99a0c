//! Text people type. One rule for every one-line text the API accepts (names, titles, subjects,
//! labels) and one for free text (descriptions, notes), so that what one field refuses no other
//! field lets through into a mail greeting or a header.
//!
//! What was sent is checked against the published limit before anything is trimmed, and
//! characters that break a line or reorder text on screen are refused, never trimmed away:
//! control characters (U+0085 included, which Unicode also counts as white space), line and
//! paragraph separators, the byte-order mark, and the bidirectional embeddings, overrides and
//! isolates. The plain direction marks (U+200E, U+200F, U+061C) stay allowed: Arabic and Hebrew
//! names carry them, and they reorder nothing beyond the characters next to them.

/// Why a text was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TextError {
    #[error("1 to {max} characters of one line, without control or formatting characters")]
    OneLine { max: usize },
    #[error("1 to {max} characters, without control or formatting characters")]
    Free { max: usize },
}

/// Characters that must not reach a single line shown to people or written into a mail header.
fn breaks_a_line(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{2028}' | '\u{2029}' | '\u{FEFF}')
        || ('\u{202A}'..='\u{202E}').contains(&c)
        || ('\u{2066}'..='\u{2069}').contains(&c)
}

/// A name, a title, a subject or a label: 1 to `max` characters as sent, on one line; the
/// spaces around it are not kept.
pub fn one_line(raw: &str, max: usize) -> Result<String, TextError> {
    let text = raw.trim();
    if raw.chars().count() > max || text.is_empty() || raw.chars().any(breaks_a_line) {
        return Err(TextError::OneLine { max });
    }
    Ok(text.to_owned())
}

/// A description or a note: 1 to `max` characters as sent; line breaks and tabs allowed.
pub fn free(raw: &str, max: usize) -> Result<String, TextError> {
    let text = raw.trim();
    let refused = |c: char| breaks_a_line(c) && !matches!(c, '\n' | '\r' | '\t');
    if raw.chars().count() > max || text.is_empty() || raw.chars().any(refused) {
        return Err(TextError::Free { max });
    }
    Ok(text.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_refuses_what_breaks_or_reorders_a_line_wherever_it_stands() {
        assert_eq!(one_line("  Mail is slow ", 200), Ok("Mail is slow".to_owned()));
        for bad in [
            "a\nb",
            "a\u{2028}b",
            "a\u{202E}b",
            "a\u{2067}b",
            "a\u{202B}b",
            "a\u{FEFF}b",
            "",
            "   ",
            "\u{0085}Name",
            "Name\u{0085}",
            "\tName",
        ] {
            assert_eq!(one_line(bad, 200), Err(TextError::OneLine { max: 200 }), "{bad:?}");
        }
    }

    #[test]
    fn names_written_right_to_left_keep_their_direction_marks() {
        assert!(one_line("\u{200F}\u{5D3}\u{5E0}\u{5D4} \u{5DB}\u{5D4}\u{5DF}", 200).is_ok());
        assert!(one_line("\u{627}\u{644}\u{61C}\u{639}\u{644}\u{64A} (Ali)\u{200E}", 200).is_ok());
    }

    #[test]
    fn the_limit_counts_what_was_sent() {
        assert!(one_line(&"x".repeat(200), 200).is_ok());
        assert!(one_line(&"x".repeat(201), 200).is_err());
        // Spaces around a name count: the published limit is on what was sent.
        assert!(one_line(&format!(" {}", "x".repeat(200)), 200).is_err());
        assert!(one_line(&format!("\u{0085}{}", "x".repeat(200)), 200).is_err());
    }

    #[test]
    fn free_text_keeps_its_lines() {
        assert_eq!(free("First line.\nSecond\tline.\r\n", 100), Ok("First line.\nSecond\tline.".to_owned()));
        for bad in ["a\u{202E}b", "a\u{0000}b", "a\u{0085}b", "  "] {
            assert!(free(bad, 100).is_err(), "{bad:?}");
        }
        assert!(free(&"x".repeat(101), 100).is_err());
    }
}
