//! SmartREST decoding: splits a payload into rows and rows into fields.
//!
//! Rows end at LF or CRLF outside quotes. Rows without content are skipped: blank lines
//! (including a trailing line break) and rows whose fields are all empty (`,,` or `""`), which
//! have no message id and carry nothing (encoding such a row gives an empty line). A field that
//! starts with `"` is quoted, and CR/LF inside it are part of the value.
//!
//! Two quote escapes exist in the wild (docs/protocol.md §4.2): RFC 4180's `""` (what our encoder,
//! thin-edge and most devices write upstream) and the platform's `\"` (what it sends downstream).
//! Together they are ambiguous: `"a\""b"` is `a\"b` in RFC 4180 but `a"` + `b"` with backslash
//! escapes, and `"a=\"` + LF + `b\""` is one platform field or two RFC rows. Which one is meant
//! depends on who wrote the text, so the caller says so with a [`Dialect`]:
//!
//! * [`Dialect::Device`] ([`decode`], [`records`]), for what devices send: each row is read first
//!   as strict RFC 4180 (a quote only opens a field, is doubled inside it, or closes it right
//!   before a comma, a line break or the end). Everything our encoder writes is strict, so it
//!   decodes back exactly, backslashes included. A row that is not strict (a `\"` followed by
//!   more text never is) is read as in the platform dialect.
//! * [`Dialect::Platform`] ([`decode_platform`], [`records_platform`]), for what the platform
//!   sends: inside quotes both `\"` and `""` stand for `"`. This reads every platform field
//!   whose text has no backslash right before a quote or at its end (the platform has no escape
//!   for those). The downstream parsers use it.
//!
//! Both dialects keep text after a closing quote and a `"` in the middle of an unquoted field.
//!
//! An unterminated quote or invalid UTF-8 is a [`DecodeError`] with the row and column; no input
//! makes the decoder panic.

use super::encode::encode_row;

/// One decoded row: the message id followed by its values.
#[derive(Debug, Clone, PartialEq, Eq, Default, Hash)]
pub struct Record {
    fields: Vec<String>,
}

impl Record {
    /// Wraps already decoded fields (the first is the message id).
    pub fn new(fields: Vec<String>) -> Self {
        Self { fields }
    }

    /// The message id (first field), or `""` for a record with no fields.
    pub fn id(&self) -> &str {
        self.fields.first().map_or("", String::as_str)
    }

    /// All fields, the id included.
    pub fn fields(&self) -> &[String] {
        &self.fields
    }

    /// The fields after the id.
    pub fn values(&self) -> &[String] {
        self.fields.get(1..).unwrap_or(&[])
    }

    /// Field `index` (0 is the id).
    pub fn get(&self, index: usize) -> Option<&str> {
        self.fields.get(index).map(String::as_str)
    }

    /// The number of fields, the id included.
    pub fn len(&self) -> usize {
        self.fields.len()
    }

    /// True when the record has no field.
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    /// Gives the fields back.
    pub fn into_fields(self) -> Vec<String> {
        self.fields
    }

    /// Encodes the record back into one row (trailing empty fields are dropped).
    pub fn encode(&self) -> String {
        encode_row(&self.fields)
    }
}

impl<S: Into<String>> FromIterator<S> for Record {
    fn from_iter<T: IntoIterator<Item = S>>(iter: T) -> Self {
        Self::new(iter.into_iter().map(Into::into).collect())
    }
}

/// What went wrong while decoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeErrorKind {
    /// A quoted field is not closed before the end of the payload.
    #[error("unterminated quoted field")]
    UnterminatedQuote,
    /// The row is not valid UTF-8.
    #[error("invalid UTF-8")]
    InvalidUtf8,
}

/// A payload that is not valid SmartREST, with the position of the fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("SmartREST row {row}, column {column}: {kind}")]
pub struct DecodeError {
    /// 1-based index of the row (blank lines are not counted).
    pub row: usize,
    /// 1-based byte offset in the row: the opening quote, or the first invalid byte.
    pub column: usize,
    /// What went wrong.
    pub kind: DecodeErrorKind,
}

/// Who wrote the SmartREST text, which decides how quotes are escaped (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Dialect {
    /// Written by a device (upstream): strict RFC 4180 first, backslash escapes otherwise.
    #[default]
    Device,
    /// Written by the platform (downstream): `\"` and `""` both stand for a quote.
    Platform,
}

/// Decodes a whole payload a device wrote ([`Dialect::Device`]); the first faulty row makes it
/// fail.
pub fn decode(payload: &[u8]) -> Result<Vec<Record>, DecodeError> {
    records(payload).collect()
}

/// Decodes a whole payload the platform wrote ([`Dialect::Platform`]); the first faulty row makes
/// it fail.
pub fn decode_platform(payload: &[u8]) -> Result<Vec<Record>, DecodeError> {
    records_platform(payload).collect()
}

/// Decodes a payload a device wrote ([`Dialect::Device`]) row by row; see [`records_in`].
pub fn records(payload: &[u8]) -> Records<'_> {
    records_in(payload, Dialect::Device)
}

/// Decodes a payload the platform wrote ([`Dialect::Platform`]) row by row; see [`records_in`].
pub fn records_platform(payload: &[u8]) -> Records<'_> {
    records_in(payload, Dialect::Platform)
}

/// Decodes a payload row by row in `dialect`. A row with invalid UTF-8 yields an error and
/// decoding goes on with the next row; an unterminated quote yields an error and ends the
/// iteration (the rest of the payload belongs to the open field).
pub fn records_in(payload: &[u8], dialect: Dialect) -> Records<'_> {
    Records {
        input: payload,
        pos: 0,
        row: 0,
        done: false,
        dialect,
    }
}

/// Iterator over the rows of a payload; see [`records_in`].
#[derive(Debug, Clone)]
pub struct Records<'a> {
    input: &'a [u8],
    pos: usize,
    row: usize,
    done: bool,
    dialect: Dialect,
}

impl Records<'_> {
    /// Length of the line break at `at` (1 for LF, 2 for CRLF, 0 for none).
    fn line_break_at(&self, at: usize) -> usize {
        match self.input.get(at..) {
            Some([b'\n', ..]) => 1,
            Some([b'\r', b'\n', ..]) => 2,
            _ => 0,
        }
    }

    fn skip_blank_lines(&mut self) {
        loop {
            let n = self.line_break_at(self.pos);
            if n == 0 {
                return;
            }
            self.pos += n;
        }
    }

    /// Parses one quoted field starting at the opening quote; returns the value bytes.
    fn quoted_field(&mut self, start: usize, out: &mut Vec<u8>) -> Result<(), DecodeError> {
        let open = self.pos;
        self.pos += 1;
        loop {
            match self.input.get(self.pos..) {
                Some([b'"', b'"', ..]) | Some([b'\\', b'"', ..]) => {
                    out.push(b'"');
                    self.pos += 2;
                }
                Some([b'"', ..]) => {
                    self.pos += 1;
                    return Ok(());
                }
                Some([b, ..]) => {
                    out.push(*b);
                    self.pos += 1;
                }
                _ => {
                    self.done = true;
                    return Err(DecodeError {
                        row: self.row,
                        column: open - start + 1,
                        kind: DecodeErrorKind::UnterminatedQuote,
                    });
                }
            }
        }
    }

    /// Parses the row at `self.pos` as strict RFC 4180: a `"` only opens a field or, doubled,
    /// stands for itself inside quotes, and a closing quote is followed by `,`, a line break or
    /// the end. Returns the raw fields and the position after the row, or `None` when the row is
    /// not strict RFC 4180 (then [`Self::row_fields`] reads it leniently, with `\"` escapes).
    fn strict_row(&self) -> Option<(Vec<Vec<u8>>, usize)> {
        let mut pos = self.pos;
        // Room for a typical row's fields at once (a measurement row has five).
        let mut fields = Vec::with_capacity(8);
        loop {
            let mut field = Vec::new();
            if self.input.get(pos) == Some(&b'"') {
                pos += 1;
                loop {
                    match self.input.get(pos..)? {
                        [b'"', b'"', ..] => {
                            field.push(b'"');
                            pos += 2;
                        }
                        [b'"', ..] => {
                            pos += 1;
                            break;
                        }
                        [b, ..] => {
                            field.push(*b);
                            pos += 1;
                        }
                        [] => return None,
                    }
                }
            } else {
                let begin = pos;
                while let Some(&b) = self.input.get(pos) {
                    if b == b',' || self.line_break_at(pos) > 0 {
                        break;
                    }
                    if b == b'"' {
                        return None;
                    }
                    pos += 1;
                }
                // One allocation of the field's size, not one growth per byte.
                field.extend_from_slice(&self.input[begin..pos]);
            }
            fields.push(field);
            match self.input.get(pos) {
                None => return Some((fields, pos)),
                Some(b',') => pos += 1,
                Some(_) => {
                    let line_break = self.line_break_at(pos);
                    return (line_break > 0).then_some((fields, pos + line_break));
                }
            }
        }
    }

    /// Parses the row starting at `self.pos` leniently into raw field bytes (both `""` and `\"`
    /// escapes inside quotes).
    fn row_fields(&mut self, start: usize) -> Result<Vec<Vec<u8>>, DecodeError> {
        let mut fields = Vec::new();
        let mut field = Vec::new();
        if self.input.get(self.pos) == Some(&b'"') {
            self.quoted_field(start, &mut field)?;
        }
        loop {
            let Some(&b) = self.input.get(self.pos) else {
                fields.push(field);
                return Ok(fields);
            };
            let line_break = self.line_break_at(self.pos);
            if line_break > 0 {
                fields.push(field);
                self.pos += line_break;
                return Ok(fields);
            }
            self.pos += 1;
            if b == b',' {
                fields.push(std::mem::take(&mut field));
                if self.input.get(self.pos) == Some(&b'"') {
                    self.quoted_field(start, &mut field)?;
                }
            } else {
                field.push(b);
            }
        }
    }
}

impl Iterator for Records<'_> {
    type Item = Result<Record, DecodeError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let item = self.next_row()?;
            if matches!(&item, Ok(record) if record.fields().iter().all(String::is_empty)) {
                // A row without content: skipped like a blank line, and not counted.
                self.row -= 1;
                continue;
            }
            return Some(item);
        }
    }
}

impl Records<'_> {
    /// The next row that is not a blank line, content or not.
    fn next_row(&mut self) -> Option<Result<Record, DecodeError>> {
        if self.done {
            return None;
        }
        self.skip_blank_lines();
        if self.pos >= self.input.len() {
            self.done = true;
            return None;
        }
        self.row += 1;
        let start = self.pos;
        let strict = match self.dialect {
            Dialect::Device => self.strict_row(),
            Dialect::Platform => None,
        };
        let raw_fields = if let Some((fields, end)) = strict {
            self.pos = end;
            fields
        } else {
            match self.row_fields(start) {
                Ok(fields) => fields,
                Err(e) => return Some(Err(e)),
            }
        };
        // All separators are ASCII, so the row is valid UTF-8 exactly when its raw text is.
        if let Err(e) = std::str::from_utf8(&self.input[start..self.pos]) {
            return Some(Err(DecodeError {
                row: self.row,
                column: e.valid_up_to() + 1,
                kind: DecodeErrorKind::InvalidUtf8,
            }));
        }
        let fields = raw_fields
            .into_iter()
            .map(|f| {
                String::from_utf8(f).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
            })
            .collect();
        Some(Ok(Record::new(fields)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(payload: &str) -> Vec<Vec<String>> {
        decode(payload.as_bytes())
            .unwrap()
            .into_iter()
            .map(Record::into_fields)
            .collect()
    }

    #[test]
    fn plain_rows() {
        assert_eq!(fields("510,DeviceSerial"), [["510", "DeviceSerial"]]);
        assert_eq!(
            fields("110,1234,Model X,1.0\n117,60\n"),
            vec![vec!["110", "1234", "Model X", "1.0"], vec!["117", "60"]]
        );
    }

    #[test]
    fn crlf_and_blank_lines() {
        assert_eq!(
            fields("106,a\r\n\r\n124,5\r\n"),
            vec![vec!["106", "a"], vec!["124", "5"]]
        );
        assert!(fields("").is_empty());
        assert!(fields("\n\r\n").is_empty());
    }

    #[test]
    fn empty_fields() {
        assert_eq!(fields("100,,"), [["100", "", ""]]);
        assert_eq!(fields(",,1"), [["", "", "1"]]);
    }

    #[test]
    fn rows_without_content_are_skipped_and_not_counted() {
        assert!(fields(",,\n\"\"\r\n,").is_empty());
        assert_eq!(fields("\"\"\n110,a"), [["110", "a"]]);
        let err = decode(b",,\n110,\"open").unwrap_err();
        assert_eq!((err.row, err.column), (1, 5));
    }

    #[test]
    fn both_quote_escapes_and_line_breaks_inside_quotes() {
        assert_eq!(
            fields("511,myDeviceSerial,\"execute this\nand this\nand \\\"this\\\"\""),
            [["511", "myDeviceSerial", "execute this\nand this\nand \"this\""]]
        );
        assert_eq!(fields("1,\"a \"\"b\"\"\""), [["1", "a \"b\""]]);
        assert_eq!(fields("1,\"x\r\ny\",z"), [["1", "x\r\ny", "z"]]);
        assert_eq!(fields("\"1\",\"\""), [["1", ""]]);
    }

    #[test]
    fn backslashes_next_to_quotes_round_trip() {
        use crate::smartrest::encode_row;
        for value in [
            "a\\\"b",
            "a\\\"b,c",
            "path \"C:\\\" not found",
            "\\\"",
            ",\\",
            " x\\",
            "C:\\dir\\",
        ] {
            let row = encode_row(["1", value]);
            assert_eq!(fields(&row), [["1", value]], "{row}");
        }
        // The platform's own escapes still read as quotes.
        assert_eq!(fields("511,d,\"echo \\\"hi\\\"\""), [["511", "d", "echo \"hi\""]]);
        assert_eq!(fields("1,\"\\\"\""), [["1", "\""]]);
    }

    #[test]
    fn the_platform_dialect_reads_backslash_escapes_before_line_breaks() {
        // `a="` LF `b"`: in the device dialect the first line is a complete RFC 4180 row.
        let platform = b"513,d,\"a=\\\"\nb\\\"\"";
        let rows = decode_platform(platform).unwrap();
        assert_eq!(rows[0].fields(), ["513", "d", "a=\"\nb\""]);
        assert_eq!(
            decode(platform).unwrap().len(),
            2,
            "the device dialect reads RFC 4180 first"
        );
        // Both escapes in the platform dialect.
        assert_eq!(
            decode_platform(b"1,\"x\"\"y\\\"z\"").unwrap()[0].fields(),
            ["1", "x\"y\"z"]
        );
    }

    #[test]
    fn lenient_quotes() {
        assert_eq!(fields("1,ab\"c,\"d\"e"), [["1", "ab\"c", "de"]]);
    }

    #[test]
    fn lone_cr_is_kept() {
        assert_eq!(fields("1,a\rb"), [["1", "a\rb"]]);
    }

    #[test]
    fn unterminated_quote_reports_row_and_column() {
        let err = decode(b"110,a\n511,dev,\"open\nmore").unwrap_err();
        assert_eq!(
            err,
            DecodeError {
                row: 2,
                column: 9,
                kind: DecodeErrorKind::UnterminatedQuote
            }
        );
        assert_eq!(
            err.to_string(),
            "SmartREST row 2, column 9: unterminated quoted field"
        );
        let err = decode(b"\"").unwrap_err();
        assert_eq!((err.row, err.column), (1, 1));
        // `"a\"` is a complete RFC 4180 field ending in a backslash, not an open `\"` escape.
        assert_eq!(fields("1,\"a\\\""), [["1", "a\\"]]);
        let err = decode(b"1,\"a\\\"b").unwrap_err();
        assert_eq!(err.kind, DecodeErrorKind::UnterminatedQuote);
    }

    #[test]
    fn invalid_utf8_reports_row_and_column_and_iteration_goes_on() {
        let payload = b"110,ok\n400,\xff\xfe,x\n211,25";
        let rows: Vec<_> = records(payload).collect();
        assert_eq!(rows.len(), 3);
        assert_eq!(
            rows[1],
            Err(DecodeError {
                row: 2,
                column: 5,
                kind: DecodeErrorKind::InvalidUtf8
            })
        );
        assert_eq!(rows[2].as_ref().unwrap().fields(), ["211", "25"]);
        assert!(decode(payload).is_err());
    }

    #[test]
    fn record_accessors() {
        let r: Record = ["200", "c8y_T", "T", "1"].into_iter().collect();
        assert_eq!(r.id(), "200");
        assert_eq!(r.values(), ["c8y_T", "T", "1"]);
        assert_eq!(r.get(2), Some("T"));
        assert_eq!(r.len(), 4);
        assert_eq!(Record::default().id(), "");
        assert!(Record::default().values().is_empty());
        assert_eq!(Record::new(vec!["100".into(), String::new()]).encode(), "100");
    }
}
