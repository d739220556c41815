//! SmartREST encoding: quoting of single fields, building one row, joining rows.
//!
//! This is the only place in the project that produces SmartREST text. A field is quoted when it
//! contains `,`, `"`, CR, LF or TAB, or when it starts or ends with white space; an embedded `"`
//! is doubled (RFC 4180, the escape Cumulocity accepts upstream, docs/protocol.md §4.2). Empty optional
//! fields at the end of a row are dropped (`100,,` means the same as `100`, docs/protocol.md §4.1).

use std::fmt::Write as _;

/// Returns true when `field` must be written inside double quotes: it contains `,` `"` CR LF or
/// TAB, or starts or ends with white space (Unicode white space too, so that a server that trims
/// fields cannot lose it).
pub fn needs_quoting(field: &str) -> bool {
    field
        .bytes()
        .any(|b| matches!(b, b',' | b'"' | b'\r' | b'\n' | b'\t'))
        || field.chars().next().is_some_and(char::is_whitespace)
        || field.chars().next_back().is_some_and(char::is_whitespace)
}

/// The number of bytes `field` takes once encoded (quotes and doubled `"` included).
pub fn encoded_len(field: &str) -> usize {
    if needs_quoting(field) {
        field.len() + 2 + field.bytes().filter(|&b| b == b'"').count()
    } else {
        field.len()
    }
}

/// Appends `field`, quoted and escaped where needed, to `out`.
pub fn encode_field_into(out: &mut String, field: &str) {
    if !needs_quoting(field) {
        out.push_str(field);
        return;
    }
    out.reserve(field.len() + 2);
    out.push('"');
    let mut rest = field;
    while let Some(pos) = rest.find('"') {
        out.push_str(&rest[..=pos]);
        out.push('"');
        rest = &rest[pos + 1..];
    }
    out.push_str(rest);
    out.push('"');
}

/// Returns `field` encoded as a SmartREST field.
pub fn encode_field(field: &str) -> String {
    let mut out = String::with_capacity(field.len());
    encode_field_into(&mut out, field);
    out
}

/// Builds one SmartREST row field by field.
///
/// Mandatory fields ([`RowBuilder::field`]) are always written, even when empty. Optional fields
/// that are absent or empty are held back and only written (as empty fields) when a later field
/// has a value, so a row never ends in empty optional fields.
///
/// ```
/// use c8y_mqtt::smartrest::RowBuilder;
/// let mut row = RowBuilder::new("301");
/// row.field("c8y_TemperatureAlarm").optional(Some("Too hot, really")).optional(None);
/// assert_eq!(row.finish(), "301,c8y_TemperatureAlarm,\"Too hot, really\"");
/// ```
#[derive(Debug, Clone)]
pub struct RowBuilder {
    buf: String,
    held_back: usize,
    /// Where the row starts in `buf` (after earlier rows when continuing a payload).
    start: usize,
}

impl RowBuilder {
    /// Starts a row whose first field is the message (template) id.
    pub fn new(id: &str) -> Self {
        let mut buf = String::with_capacity(64);
        encode_field_into(&mut buf, id);
        Self {
            buf,
            held_back: 0,
            start: 0,
        }
    }

    /// Starts a row with a numeric static template id.
    pub fn with_template(id: u16) -> Self {
        Self::continuing(String::with_capacity(64), id)
    }

    /// Starts a row with a numeric static template id at the end of `payload`, after an LF when
    /// `payload` holds rows already; [`RowBuilder::finish`] returns the whole payload. Batching
    /// writes rows this way, straight into the packet's payload.
    ///
    /// ```
    /// use c8y_mqtt::smartrest::RowBuilder;
    /// let mut row = RowBuilder::continuing("211,20".to_owned(), 211);
    /// row.field("21");
    /// assert_eq!(row.len(), 6);
    /// assert_eq!(row.finish(), "211,20\n211,21");
    /// ```
    pub fn continuing(mut buf: String, id: u16) -> Self {
        if !buf.is_empty() {
            buf.push('\n');
        }
        let start = buf.len();
        // Digits by hand: this runs for every row, and the formatter costs more than the row.
        let mut digits = [0u8; 5];
        let mut at = digits.len();
        let mut rest = id;
        loop {
            at -= 1;
            digits[at] = b'0' + (rest % 10) as u8;
            rest /= 10;
            if rest == 0 {
                break;
            }
        }
        for &digit in &digits[at..] {
            buf.push(char::from(digit));
        }
        Self {
            buf,
            held_back: 0,
            start,
        }
    }

    fn flush_held_back(&mut self) {
        for _ in 0..self.held_back {
            self.buf.push(',');
        }
        self.held_back = 0;
    }

    /// Appends a mandatory field; it is written even when empty.
    pub fn field(&mut self, value: &str) -> &mut Self {
        self.flush_held_back();
        self.buf.push(',');
        encode_field_into(&mut self.buf, value);
        self
    }

    /// Appends an optional field; `None` and `""` are dropped when nothing follows them.
    pub fn optional(&mut self, value: Option<&str>) -> &mut Self {
        match value {
            Some(v) if !v.is_empty() => self.field(v),
            _ => {
                self.held_back += 1;
                self
            }
        }
    }

    /// Appends a mandatory field rendered with `Display` (numbers, enums, dates).
    pub fn display(&mut self, value: impl std::fmt::Display) -> &mut Self {
        self.flush_held_back();
        self.buf.push(',');
        let start = self.buf.len();
        let _ = write!(self.buf, "{value}");
        if needs_quoting(&self.buf[start..]) {
            let raw = self.buf.split_off(start);
            encode_field_into(&mut self.buf, &raw);
        }
        self
    }

    /// Appends a mandatory number field (its exact decimal text, which never needs quoting).
    pub fn number(&mut self, value: &crate::value::Number) -> &mut Self {
        self.flush_held_back();
        self.buf.push(',');
        self.buf.push_str(value.as_str());
        self
    }

    /// Appends an optional field rendered with `Display`.
    pub fn optional_display(&mut self, value: Option<impl std::fmt::Display>) -> &mut Self {
        match value {
            Some(v) => {
                let mark = (self.buf.len(), self.held_back);
                self.display(v);
                // A value that renders as "" counts as absent.
                if self.buf.len() == mark.0 + mark.1 + 1 {
                    self.buf.truncate(mark.0);
                    self.held_back = mark.1 + 1;
                }
                self
            }
            None => self.optional(None),
        }
    }

    /// Appends every item as a mandatory field.
    pub fn fields<S: AsRef<str>>(&mut self, values: impl IntoIterator<Item = S>) -> &mut Self {
        for v in values {
            self.field(v.as_ref());
        }
        self
    }

    /// Appends every item as an optional field.
    pub fn optionals<S: AsRef<str>>(&mut self, values: impl IntoIterator<Item = S>) -> &mut Self {
        for v in values {
            self.optional(Some(v.as_ref()));
        }
        self
    }

    /// The length in bytes of the row as it would be finished now.
    pub fn len(&self) -> usize {
        self.buf.len() - self.start
    }

    /// True when the row holds no text at all (only possible with an empty id).
    pub fn is_empty(&self) -> bool {
        self.buf.len() == self.start
    }

    /// Returns the encoded row (no line break).
    pub fn finish(self) -> String {
        self.buf
    }
}

/// Encodes one row from its fields (the first is the message id). Every field after the id is
/// treated as optional, so trailing empty fields are dropped.
pub fn encode_row<S: AsRef<str>>(fields: impl IntoIterator<Item = S>) -> String {
    let mut iter = fields.into_iter();
    let Some(id) = iter.next() else {
        return String::new();
    };
    let mut row = RowBuilder::new(id.as_ref());
    row.optionals(iter);
    row.finish()
}

/// Joins already encoded rows into one payload, separated by LF.
pub fn join_rows<S: AsRef<str>>(rows: impl IntoIterator<Item = S>) -> String {
    let mut out = String::new();
    for (i, row) in rows.into_iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(row.as_ref());
    }
    out
}

/// Appends an encoded row after the last row of `payload` (LF between rows), in place:
/// [`join_rows`] for a payload that grows one row at a time.
pub fn push_row(payload: &mut String, row: &str) {
    payload.push('\n');
    payload.push_str(row);
}

/// Rewrites a payload written by this encoder in the platform's downstream style: inside quoted
/// fields a doubled `""` becomes `\"` (docs/protocol.md §4.2: the platform sends backslash escapes).
/// Used by the emulator so that devices see what the real endpoint sends; the decoder reads both
/// styles. Text outside quoted fields is unchanged.
///
/// ```
/// use c8y_mqtt::smartrest::{decode, encode_row, with_backslash_escapes};
/// let row = encode_row(["511", "1234", "echo \"hi\""]);
/// assert_eq!(row, r#"511,1234,"echo ""hi""""#);
/// let platform = with_backslash_escapes(&row);
/// assert_eq!(platform, r#"511,1234,"echo \"hi\"""#);
/// assert_eq!(decode(platform.as_bytes()).unwrap()[0].get(2), Some("echo \"hi\""));
/// ```
pub fn with_backslash_escapes(payload: &str) -> String {
    let mut out = String::with_capacity(payload.len());
    let mut in_quotes = false;
    let mut at_field_start = true;
    let mut chars = payload.chars().peekable();
    while let Some(c) = chars.next() {
        if in_quotes {
            if c == '"' {
                if chars.peek() == Some(&'"') {
                    chars.next();
                    out.push_str("\\\"");
                } else {
                    in_quotes = false;
                    out.push('"');
                }
            } else {
                out.push(c);
            }
            continue;
        }
        if c == '"' && at_field_start {
            in_quotes = true;
        }
        at_field_start = matches!(c, ',' | '\n');
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_ids_render_as_decimal_text() {
        for id in [0u16, 7, 10, 200, 999, 1000, 65535] {
            assert_eq!(RowBuilder::with_template(id).finish(), id.to_string());
        }
    }

    #[test]
    fn number_fields_are_written_as_their_text() {
        let value: crate::value::Number = "-25.50".parse().unwrap();
        let mut row = RowBuilder::with_template(200);
        row.field("c8y_Temperature").optional(None).number(&value);
        assert_eq!(row.finish(), "200,c8y_Temperature,,-25.50");
    }

    #[test]
    fn plain_fields_are_not_quoted() {
        assert_eq!(encode_field("c8y_Temperature"), "c8y_Temperature");
        assert_eq!(encode_field(""), "");
        assert_eq!(encode_field("a b"), "a b");
    }

    #[test]
    fn special_characters_force_quotes() {
        assert_eq!(
            encode_field("This value, needs escaping"),
            "\"This value, needs escaping\""
        );
        assert_eq!(encode_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(encode_field("a\nb"), "\"a\nb\"");
        assert_eq!(encode_field("a\r\nb"), "\"a\r\nb\"");
        assert_eq!(encode_field("a\tb"), "\"a\tb\"");
        assert_eq!(encode_field(" lead"), "\" lead\"");
        assert_eq!(encode_field("trail "), "\"trail \"");
        assert_eq!(encode_field("\u{a0}nbsp"), "\"\u{a0}nbsp\"");
        assert_eq!(encode_field("\""), "\"\"\"\"");
    }

    #[test]
    fn encoded_len_matches_encoding() {
        for f in ["", "abc", "a,b", "\"\"", " x", "ü,\"ß\""] {
            assert_eq!(encoded_len(f), encode_field(f).len(), "{f:?}");
        }
    }

    #[test]
    fn trailing_optional_fields_are_dropped() {
        let mut row = RowBuilder::new("100");
        row.optional(None).optional(Some(""));
        assert_eq!(row.finish(), "100");

        let mut row = RowBuilder::new("110");
        row.optional(None).optional(Some("Model X")).optional(None);
        assert_eq!(row.finish(), "110,,Model X");
    }

    #[test]
    fn mandatory_empty_fields_are_kept() {
        let mut row = RowBuilder::new("10");
        row.field("999").field("").field("");
        assert_eq!(row.finish(), "10,999,,");
    }

    #[test]
    fn display_values_are_quoted_when_needed() {
        let mut row = RowBuilder::with_template(200);
        row.display(1.5).display("a,b").optional_display(None::<u8>);
        assert_eq!(row.finish(), "200,1.5,\"a,b\"");
    }

    #[test]
    fn optional_display_of_empty_rendering_is_dropped() {
        let mut row = RowBuilder::with_template(400);
        row.optional_display(Some("")).optional_display(Some("x"));
        assert_eq!(row.finish(), "400,,x");
        let mut row = RowBuilder::with_template(400);
        row.optional_display(Some(""));
        assert_eq!(row.finish(), "400");
    }

    #[test]
    fn backslash_style_changes_only_escaped_quotes() {
        let rows = join_rows([
            encode_row(["511", "d", "say \"hi\", then\nleave"]),
            encode_row(["513", "d", "plain"]),
            encode_row(["1", "a\"b unquoted? no: quoted", "\""]),
        ]);
        assert_eq!(
            with_backslash_escapes(&rows),
            "511,d,\"say \\\"hi\\\", then\nleave\"\n513,d,plain\n1,\"a\\\"b unquoted? no: quoted\",\"\\\"\""
        );
        assert_eq!(with_backslash_escapes("106"), "106");
        assert_eq!(with_backslash_escapes(""), "");
    }

    #[test]
    fn push_row_appends_like_join_rows() {
        let mut payload = "211,1".to_owned();
        push_row(&mut payload, "211,2");
        push_row(&mut payload, "400,t,\"a,b\"");
        assert_eq!(payload, join_rows(["211,1", "211,2", "400,t,\"a,b\""]));
    }

    #[test]
    fn rows_are_joined_with_lf() {
        assert_eq!(join_rows(["110,1", "117,60"]), "110,1\n117,60");
        assert_eq!(encode_row(["100", "", ""]), "100");
        assert_eq!(
            encode_row(["100", "My device", "c8y_MQTTDevice"]),
            "100,My device,c8y_MQTTDevice"
        );
        assert_eq!(encode_row(Vec::<String>::new()), "");
    }
}
