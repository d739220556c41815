//! Truncation of free text (failure reasons, command output) to an encoded size.
//!
//! The budget is measured on the *encoded* field, quotes and doubled `"` included, so the
//! truncated text always encodes to a complete, closed field (thin-edge #2567: a cut in the
//! middle of a quoted field lost the closing quote and left the operation stuck). Text is only
//! ever cut on a UTF-8 character boundary.

use std::borrow::Cow;

use super::encode::encoded_len;

/// The longest prefix of `text`, cut on a character boundary, whose encoded form takes at most
/// `max_encoded` bytes.
pub fn truncate_field(text: &str, max_encoded: usize) -> &str {
    if encoded_len(text) <= max_encoded {
        return text;
    }
    let mut best = 0;
    let mut quotes = 0;
    let mut special = false;
    let mut leading_space = false;
    for (i, c) in text.char_indices() {
        let end = i + c.len_utf8();
        if i == 0 {
            leading_space = c.is_whitespace();
        }
        match c {
            '"' => {
                quotes += 1;
                special = true;
            }
            ',' | '\r' | '\n' | '\t' => special = true,
            _ => {}
        }
        // Quotes forced by a special character or a leading space stay for every longer prefix;
        // quotes forced only by a trailing space go away again when a non-space follows.
        let always_quoted = special || leading_space;
        let quoted = always_quoted || c.is_whitespace();
        let encoded = if quoted { end + 2 + quotes } else { end };
        if encoded <= max_encoded {
            best = end;
        } else if always_quoted || end > max_encoded {
            // Every longer prefix costs at least as much.
            break;
        }
    }
    &text[..best]
}

/// Like [`truncate_field`], but when the text is cut, `marker` (for example `"…"`) is appended and
/// the whole still fits the budget. When the budget cannot even hold the marker, the text is cut
/// without it.
pub fn truncate_field_with_marker<'a>(text: &'a str, max_encoded: usize, marker: &str) -> Cow<'a, str> {
    if encoded_len(text) <= max_encoded {
        return Cow::Borrowed(text);
    }
    let marker_cost = marker.len() + marker.bytes().filter(|&b| b == b'"').count();
    let mut budget = max_encoded.saturating_sub(marker_cost);
    loop {
        let head = truncate_field(text, budget);
        let mut candidate = String::with_capacity(head.len() + marker.len());
        candidate.push_str(head);
        candidate.push_str(marker);
        if encoded_len(&candidate) <= max_encoded {
            return Cow::Owned(candidate);
        }
        if budget == 0 {
            return Cow::Borrowed(truncate_field(text, max_encoded));
        }
        budget -= 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::smartrest::{decode, encode_field};

    #[test]
    fn short_text_is_untouched() {
        assert_eq!(truncate_field("hello", 5), "hello");
        assert_eq!(truncate_field("a,b", 5), "a,b");
    }

    #[test]
    fn cut_counts_quotes_and_escapes() {
        // "a,b,c" encodes as 7 bytes; a budget of 6 allows "a,b," (6 bytes).
        assert_eq!(truncate_field("a,b,c", 6), "a,b,");
        // Each '"' costs two bytes inside quotes.
        assert_eq!(truncate_field("\"\"\"", 6), "\"\"");
        assert_eq!(truncate_field("\"\"\"", 5), "\"");
    }

    #[test]
    fn never_splits_a_character() {
        let text = "ééé"; // 2 bytes each
        assert_eq!(truncate_field(text, 5), "éé");
        assert_eq!(truncate_field(text, 1), "");
        assert_eq!(truncate_field("日本語", 7), "日本");
    }

    #[test]
    fn a_prefix_ending_in_space_may_lose_it() {
        // "ab c" fits unquoted in 4; "ab " would need quotes (5 bytes) in a budget of 3.
        assert_eq!(truncate_field("ab cd", 4), "ab c");
        assert_eq!(truncate_field("ab cd", 3), "ab");
    }

    #[test]
    fn result_encodes_within_budget_and_decodes_back() {
        let text = "line one, \"quoted\"\nline two: ünïcödé\tend";
        for max in 0..60 {
            let cut = truncate_field(text, max);
            let encoded = encode_field(cut);
            assert!(encoded.len() <= max, "{max}: {encoded:?}");
            assert!(text.starts_with(cut));
            let row = format!("502,c8y_Command,{encoded}");
            let decoded = decode(row.as_bytes()).unwrap();
            let expected = if cut.is_empty() { None } else { Some(cut) };
            assert_eq!(decoded[0].get(2).filter(|f| !f.is_empty()), expected);
        }
    }

    #[test]
    fn marker_is_added_within_budget() {
        let cut = truncate_field_with_marker("abcdefghij", 6, "…");
        assert_eq!(cut, "abc…");
        assert_eq!(encode_field(&cut).len(), 6);
        assert_eq!(truncate_field_with_marker("abc", 6, "…"), "abc");
        assert_eq!(truncate_field_with_marker("abcdef", 2, "…"), "ab");
    }
}
