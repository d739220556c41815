//! Property tests of the SmartREST codec: encode/decode round trips over hostile field text,
//! decoding of arbitrary bytes, the quoting helpers, truncation, packet packing, and the value
//! types' text round trips.
//!
//! Strategies favour the characters that break CSV codecs (`,` `"` `\` CR LF TAB, leading and
//! trailing (Unicode) white space, multi-byte text, escape look-alikes such as `\"` and `""`).

use c8y_mqtt::smartrest::{
    self, DecodeErrorKind, MAX_PACKET_SIZE, QoS, Record, RowBuilder, check_packet_size, decode, encode_field,
    encode_field_into, encode_row, encoded_len, join_rows, max_payload_len, needs_quoting, pack_rows,
    publish_packet_size, records, truncate_field, truncate_field_with_marker,
};
use c8y_mqtt::value::{Number, Timestamp};
use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, TimeZone, Timelike};
use proptest::prelude::*;

// ---------------------------------------------------------------------------------------------
// Strategies
// ---------------------------------------------------------------------------------------------

/// Snippets that are hard for a CSV codec, including escape look-alikes.
const HARD_SNIPPETS: &[&str] = &[
    ",", "\"", "\\", "\"\"", "\\\"", "\\\\", "\r", "\n", "\r\n", "\t", " ", "  ", "\u{a0}", "\u{2003}",
    "\u{3000}", "\u{85}", "\u{2028}", "\u{feff}", "é", "日本", "😀", "a", "Z", "0", "-", ".", "c8y_",
];

/// One character, biased towards the troublesome ones.
fn hard_char() -> impl Strategy<Value = char> {
    prop_oneof![
        6 => prop::sample::select(vec![',', '"', '\\', '\r', '\n', '\t', ' ']),
        3 => prop::sample::select(vec!['\u{a0}', '\u{2003}', '\u{3000}', '\u{85}', '\u{2028}', 'é', '日', '😀']),
        4 => prop::char::range('a', 'z'),
        1 => any::<char>(),
    ]
}

/// A field value: empty, built from hard characters, built from hard snippets, or anything.
fn field() -> impl Strategy<Value = String> {
    prop_oneof![
        1 => Just(String::new()),
        4 => prop::collection::vec(hard_char(), 0..12).prop_map(|cs| cs.into_iter().collect()),
        4 => prop::collection::vec(prop::sample::select(HARD_SNIPPETS), 0..8).prop_map(|s| s.concat()),
        1 => any::<String>(),
    ]
}

/// One step of building a row with [`RowBuilder`].
#[derive(Debug, Clone)]
enum Step {
    Field(String),
    Optional(Option<String>),
    Display(String),
    OptionalDisplay(Option<String>),
}

impl Step {
    /// The value the field carries (`""` for an absent optional).
    fn value(&self) -> &str {
        match self {
            Step::Field(v) | Step::Display(v) => v,
            Step::Optional(v) | Step::OptionalDisplay(v) => v.as_deref().unwrap_or(""),
        }
    }

    /// True when the field is written even if empty and last.
    fn is_mandatory(&self) -> bool {
        matches!(self, Step::Field(_) | Step::Display(_))
    }

    fn apply(&self, row: &mut RowBuilder) {
        match self {
            Step::Field(v) => row.field(v),
            Step::Optional(v) => row.optional(v.as_deref()),
            Step::Display(v) => row.display(v),
            Step::OptionalDisplay(v) => row.optional_display(v.as_deref()),
        };
    }
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        field().prop_map(Step::Field),
        prop::option::of(field()).prop_map(Step::Optional),
        field().prop_map(Step::Display),
        prop::option::of(field()).prop_map(Step::OptionalDisplay),
    ]
}

/// The id of a row: a static template number or any field text (empty included).
#[derive(Debug, Clone)]
enum Id {
    Template(u16),
    Text(String),
}

fn id() -> impl Strategy<Value = Id> {
    prop_oneof![
        2 => any::<u16>().prop_map(Id::Template),
        2 => field().prop_map(Id::Text),
        // An empty id: alone, the row is an empty line.
        1 => Just(Id::Text(String::new())),
    ]
}

/// A row as it is built, with the fields its decoding must give back.
#[derive(Debug, Clone)]
struct BuiltRow {
    encoded: String,
    /// `None` for a row without content (all fields empty), which decoding skips.
    expected: Option<Vec<String>>,
}

fn build_row(id: &Id, steps: &[Step]) -> BuiltRow {
    let (mut row, id_text) = match id {
        Id::Template(n) => (RowBuilder::with_template(*n), n.to_string()),
        Id::Text(t) => (RowBuilder::new(t), t.clone()),
    };
    for s in steps {
        s.apply(&mut row);
    }
    let encoded = row.finish();
    // Trailing optional fields that are empty are dropped; everything up to the last mandatory or
    // non-empty field is kept.
    let kept = steps
        .iter()
        .rposition(|s| s.is_mandatory() || !s.value().is_empty())
        .map_or(0, |last| last + 1);
    let mut fields = vec![id_text];
    fields.extend(steps[..kept].iter().map(|s| s.value().to_owned()));
    // A row with an empty id and nothing else is an empty line: decoding skips blank lines.
    let blank = fields.len() == 1 && fields[0].is_empty();
    assert_eq!(
        encoded.is_empty(),
        blank,
        "only an empty id alone encodes to an empty line"
    );
    // A row whose fields are all empty (`,,`) has no content: decoding skips it too.
    let without_content = fields.iter().all(String::is_empty);
    BuiltRow {
        encoded,
        expected: (!without_content).then_some(fields),
    }
}

fn built_row() -> impl Strategy<Value = BuiltRow> {
    (id(), prop::collection::vec(step(), 0..8)).prop_map(|(id, steps)| build_row(&id, &steps))
}

/// Bytes biased towards the decoder's special bytes and invalid UTF-8.
fn hostile_bytes() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(
        prop_oneof![
            6 => prop::sample::select(b",\"\\\r\n".to_vec()),
            3 => prop::sample::select(b"ab1 \t".to_vec()),
            // Continuation bytes, lead bytes, bytes never valid in UTF-8.
            2 => prop::sample::select(vec![0x80u8, 0xbf, 0xc3, 0xa9, 0xe6, 0xf0, 0x9f, 0xc0, 0xff]),
            1 => any::<u8>(),
        ],
        0..64,
    )
}

fn decoded_fields(payload: &[u8]) -> Result<Vec<Vec<String>>, smartrest::DecodeError> {
    decode(payload).map(|rows| rows.into_iter().map(Record::into_fields).collect())
}

/// What a decoded record becomes after `Record::encode` and decoding again: trailing empty
/// fields are dropped, and a record without content (all fields empty) is skipped.
fn normalized(record: &Record) -> Option<Vec<String>> {
    let fields = record.fields();
    let keep = fields
        .iter()
        .skip(1)
        .rposition(|f| !f.is_empty())
        .map_or(1, |last| last + 2);
    let fields: Vec<String> = fields.iter().take(keep).cloned().collect();
    (!fields.iter().all(String::is_empty)).then_some(fields)
}

// ---------------------------------------------------------------------------------------------
// Encode -> decode round trips
// ---------------------------------------------------------------------------------------------

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// A single field, encoded and put after an id, decodes back to itself.
    #[test]
    fn every_field_round_trips(value in field()) {
        let row = format!("1,{}", encode_field(&value));
        // An empty field is still a field here: `1,` decodes to `["1", ""]`.
        prop_assert_eq!(decoded_fields(row.as_bytes()), Ok(vec![vec!["1".to_owned(), value]]), "row {:?}", row);
    }

    /// Rows built with `RowBuilder` and joined with `join_rows` decode to exactly their fields.
    #[test]
    fn built_rows_round_trip(rows in prop::collection::vec(built_row(), 0..6)) {
        let payload = join_rows(rows.iter().map(|r| &r.encoded));
        let expected: Vec<Vec<String>> = rows.iter().filter_map(|r| r.expected.clone()).collect();
        prop_assert_eq!(decoded_fields(payload.as_bytes()), Ok(expected), "payload {:?}", payload);
        // `records` agrees with `decode` row by row.
        let by_row: Result<Vec<Record>, _> = records(payload.as_bytes()).collect();
        prop_assert_eq!(by_row, decode(payload.as_bytes()));
    }

    /// `encode_row` treats every field after the id as optional.
    #[test]
    fn encode_row_round_trips(fields in prop::collection::vec(field(), 1..8)) {
        let encoded = encode_row(&fields);
        let steps: Vec<Step> = fields[1..].iter().map(|f| Step::Optional(Some(f.clone()))).collect();
        let built = build_row(&Id::Text(fields[0].clone()), &steps);
        prop_assert_eq!(&encoded, &built.encoded);
        let expected: Vec<Vec<String>> = built.expected.into_iter().collect();
        prop_assert_eq!(decoded_fields(encoded.as_bytes()), Ok(expected));
    }

    /// Rows separated by CRLF instead of LF decode the same.
    #[test]
    fn crlf_row_separators_decode_the_same(rows in prop::collection::vec(built_row(), 0..5)) {
        let lf = join_rows(rows.iter().map(|r| &r.encoded));
        let crlf: String = rows.iter().map(|r| format!("{}\r\n", r.encoded)).collect();
        prop_assert_eq!(decode(crlf.as_bytes()), decode(lf.as_bytes()));
    }
}

// ---------------------------------------------------------------------------------------------
// Decoding arbitrary bytes
// ---------------------------------------------------------------------------------------------

/// The 0-based offsets where a row may start: 0 and after every LF.
fn line_starts(payload: &[u8]) -> impl Iterator<Item = usize> + '_ {
    std::iter::once(0).chain(
        payload
            .iter()
            .enumerate()
            .filter(|(_, b)| **b == b'\n')
            .map(|(i, _)| i + 1),
    )
}

/// Checks everything `records` promises on any input; returns the decoded records.
fn check_records(payload: &[u8]) -> Result<Vec<Record>, TestCaseError> {
    let mut iter = records(payload);
    let mut items = Vec::new();
    // Every row consumes at least one byte, so there are at most `len` rows: the iteration must
    // end within that many steps.
    for _ in 0..=payload.len() + 1 {
        match iter.next() {
            Some(item) => items.push(item),
            None => break,
        }
    }
    prop_assert!(
        items.len() <= payload.len(),
        "{} items from {} bytes",
        items.len(),
        payload.len()
    );
    prop_assert!(iter.next().is_none(), "iteration does not stay finished");

    let mut ok = Vec::new();
    for (index, item) in items.iter().enumerate() {
        match item {
            Ok(record) => {
                prop_assert!(!record.is_empty());
                ok.push(record.clone());
            }
            Err(err) => {
                prop_assert_eq!(err.row, index + 1, "rows are numbered by iteration order");
                prop_assert!(err.column >= 1);
                // The column points into a row that starts at a line start: at the opening quote
                // for an unterminated quote, at the first invalid byte for bad UTF-8.
                let located = line_starts(payload).any(|start| {
                    let at = start + err.column - 1;
                    match err.kind {
                        DecodeErrorKind::UnterminatedQuote => payload.get(at) == Some(&b'"'),
                        DecodeErrorKind::InvalidUtf8 => {
                            at < payload.len()
                                && std::str::from_utf8(&payload[start..at]).is_ok()
                                && std::str::from_utf8(&payload[at..]).is_err_and(|e| e.valid_up_to() == 0)
                        }
                        _ => false,
                    }
                });
                prop_assert!(located, "error {:?} points at no plausible byte", err);
                if err.kind == DecodeErrorKind::UnterminatedQuote {
                    prop_assert_eq!(index + 1, items.len(), "an unterminated quote ends the payload");
                }
            }
        }
    }
    // `decode` is `records` stopped at the first error.
    let first_error = items.iter().find_map(|i| i.as_ref().err().copied());
    match first_error {
        Some(err) => prop_assert_eq!(decode(payload), Err(err)),
        None => prop_assert_eq!(decode(payload), Ok(ok.clone())),
    }
    Ok(ok)
}

/// Anything that decodes, once encoded again, decodes to the same fields (up to trailing empty
/// fields and rows left blank, which the encoding drops).
fn check_reencoding(decoded: &[Record]) -> Result<(), TestCaseError> {
    let expected: Vec<Vec<String>> = decoded.iter().filter_map(normalized).collect();
    // A record that encodes to an empty line is left out: decoding skips blank lines.
    let encoded = join_rows(decoded.iter().map(|r| r.encode()).filter(|row| !row.is_empty()));
    let again = decode(encoded.as_bytes());
    prop_assert_eq!(
        again
            .clone()
            .map(|rows| rows.into_iter().map(Record::into_fields).collect::<Vec<_>>()),
        Ok(expected),
        "re-encoded {:?}",
        encoded
    );
    // Encoding is stable: what decoded from our encoding encodes to the same text.
    let again = again.unwrap_or_default();
    prop_assert_eq!(join_rows(again.iter().map(Record::encode)), encoded);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1024))]

    #[test]
    fn decoding_any_bytes_keeps_its_promises(payload in any::<Vec<u8>>()) {
        let ok = check_records(&payload)?;
        check_reencoding(&ok)?;
    }

    #[test]
    fn decoding_hostile_bytes_keeps_its_promises(payload in hostile_bytes()) {
        let ok = check_records(&payload)?;
        check_reencoding(&ok)?;
    }

    #[test]
    fn decoding_hostile_text_keeps_its_promises(text in prop::collection::vec(prop::sample::select(HARD_SNIPPETS), 0..24)) {
        let payload = text.concat();
        let ok = check_records(payload.as_bytes())?;
        check_reencoding(&ok)?;
    }
}

// ---------------------------------------------------------------------------------------------
// Quoting helpers and truncation
// ---------------------------------------------------------------------------------------------

/// Text for truncation: hostile fields, and text that needs quotes only where it starts or ends
/// with white space (the case where a longer prefix may fit when a shorter one does not).
fn truncation_text() -> impl Strategy<Value = String> {
    prop_oneof![
        field(),
        prop::collection::vec(
            prop::sample::select(vec!['a', 'b', ' ', '\u{a0}', 'é', '日']),
            0..12
        )
        .prop_map(|cs| cs.into_iter().collect()),
    ]
}

/// Every prefix of `text` that ends on a character boundary, shortest first.
fn prefixes(text: &str) -> impl Iterator<Item = &str> {
    text.char_indices()
        .map(|(i, _)| &text[..i])
        .chain(std::iter::once(text))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn quoting_helpers_agree(value in field(), prefix in field()) {
        let encoded = encode_field(&value);
        prop_assert_eq!(encoded_len(&value), encoded.len());
        prop_assert_eq!(needs_quoting(&value), encoded != value);
        let expected_quoting = value.contains([',', '"', '\r', '\n', '\t'])
            || value.starts_with(char::is_whitespace)
            || value.ends_with(char::is_whitespace);
        prop_assert_eq!(needs_quoting(&value), expected_quoting);
        if needs_quoting(&value) {
            // Quoted, with every inner quote doubled.
            prop_assert_eq!(&encoded, &format!("\"{}\"", value.replace('"', "\"\"")));
        }
        let mut out = prefix.clone();
        encode_field_into(&mut out, &value);
        prop_assert_eq!(out, format!("{prefix}{encoded}"));
    }

    /// `truncate_field` returns the longest character-boundary prefix that fits (checked against
    /// every prefix).
    #[test]
    fn truncation_is_the_longest_prefix_that_fits(text in truncation_text(), budget in 0usize..40) {
        let cut = truncate_field(&text, budget);
        prop_assert!(text.starts_with(cut));
        prop_assert!(text.is_char_boundary(cut.len()));
        prop_assert!(encoded_len(cut) <= budget, "{:?} takes {} > {}", cut, encoded_len(cut), budget);
        let longest = prefixes(&text).filter(|p| encoded_len(p) <= budget).last().unwrap_or("");
        prop_assert_eq!(cut, longest);
    }

    #[test]
    fn truncation_with_marker_fits_the_budget(
        text in truncation_text(),
        budget in 0usize..40,
        marker in prop::sample::select(vec!["…", "...", "\"", " [cut]", ",", ""]),
    ) {
        let cut = truncate_field_with_marker(&text, budget, marker);
        if encoded_len(&text) <= budget {
            prop_assert_eq!(cut.as_ref(), text.as_str());
        } else {
            prop_assert!(encoded_len(&cut) <= budget, "{:?} takes {} > {}", cut, encoded_len(&cut), budget);
            let head = cut.strip_suffix(marker).filter(|h| text.starts_with(h)).unwrap_or(&cut);
            prop_assert!(text.starts_with(head), "{:?} is not a prefix of {:?} plus the marker", cut, text);
            prop_assert!(cut.len() < text.len() + marker.len());
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Packets
// ---------------------------------------------------------------------------------------------

fn topic() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "s/us",
            "t/us",
            "q/us",
            "c/us",
            "s/us/child1",
            "s/uc/myCommon_10"
        ])
        .prop_map(str::to_owned),
        (0usize..300).prop_map(|n| format!("s/us/{}", "c".repeat(n))),
    ]
}

fn qos() -> impl Strategy<Value = QoS> {
    prop::sample::select(vec![QoS::AtMostOnce, QoS::AtLeastOnce, QoS::ExactlyOnce])
}

/// A row for packing; its length may depend on the payload limit of the topic.
#[derive(Debug, Clone)]
enum PacketRow {
    /// A real encoded row (never empty).
    Encoded(String),
    /// Filler of about `len` bytes.
    Filler(usize),
    /// Filler sized so that `parts` of them, LF-separated, fill a payload exactly, give or take
    /// `delta` bytes: this puts the packing right at the limit.
    Share { parts: usize, delta: i8 },
}

impl PacketRow {
    fn text(&self, limit: usize) -> String {
        match self {
            PacketRow::Encoded(row) => row.clone(),
            PacketRow::Filler(len) => "x".repeat(*len),
            PacketRow::Share { parts, delta } => {
                let exact = (limit + 1) / parts - 1;
                "y".repeat(exact.saturating_add_signed(isize::from(*delta)).max(1))
            }
        }
    }
}

fn packet_row() -> impl Strategy<Value = PacketRow> {
    prop_oneof![
        3 => built_row()
            .prop_map(|r| r.encoded)
            .prop_filter("non-empty", |r| !r.is_empty())
            .prop_map(PacketRow::Encoded),
        2 => (1usize..9_000).prop_map(PacketRow::Filler),
        1 => (16_000usize..16_200).prop_map(PacketRow::Filler),
        3 => (1usize..=4, -2i8..=2).prop_map(|(parts, delta)| PacketRow::Share { parts, delta }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn max_payload_len_is_exact(topic in topic(), qos in qos()) {
        let max = max_payload_len(&topic, qos);
        prop_assert!(check_packet_size(&topic, max, qos).is_ok());
        prop_assert!(check_packet_size(&topic, max + 1, qos).is_err());
        prop_assert!(publish_packet_size(&topic, max + 1, qos) > MAX_PACKET_SIZE);
    }

    /// Packets fit, keep the rows in order, and are as few as greedy packing allows.
    #[test]
    fn packing_fits_keeps_order_and_is_greedy(
        topic in topic(),
        qos in qos(),
        rows in prop::collection::vec(packet_row(), 0..10),
    ) {
        let limit = max_payload_len(&topic, qos);
        let rows: Vec<String> = rows.iter().map(|r| r.text(limit)).collect();
        let packed = pack_rows(&topic, qos, &rows);
        if let Some(index) = rows.iter().position(|r| r.len() > limit) {
            let err = packed.expect_err("a row over the limit must be refused");
            prop_assert_eq!(err.index, index);
            prop_assert_eq!(err.size, publish_packet_size(&topic, rows[index].len(), qos));
            prop_assert_eq!(err.limit, MAX_PACKET_SIZE);
            return Ok(());
        }
        let packets = packed.expect("every row fits alone");
        // Cut the input back into the groups the packets hold.
        let mut groups: Vec<&[String]> = Vec::new();
        let mut next = 0;
        for packet in &packets {
            prop_assert!(check_packet_size(&topic, packet.len(), qos).is_ok(), "packet of {} bytes", packet.len());
            let start = next;
            let mut joined = String::new();
            while joined.len() < packet.len() && next < rows.len() {
                if next > start {
                    joined.push('\n');
                }
                joined.push_str(&rows[next]);
                next += 1;
            }
            prop_assert_eq!(&joined, packet, "packet is not the next rows joined by LF");
            groups.push(&rows[start..next]);
        }
        prop_assert_eq!(next, rows.len(), "rows left out of the packets");
        // Greedy: the first row of each packet did not fit after the previous packet.
        for (packet, next_group) in packets.iter().zip(groups.iter().skip(1)) {
            let merged = packet.len() + 1 + next_group[0].len();
            prop_assert!(merged > limit);
            prop_assert!(check_packet_size(&topic, merged, qos).is_err());
        }
    }

    /// Empty rows (an empty line is a blank row) may be dropped, but what the packets decode to
    /// is what the rows decode to.
    #[test]
    fn packing_with_blank_rows_decodes_the_same(
        rows in prop::collection::vec(prop::option::of(packet_row()), 0..8),
    ) {
        let topic = "s/us";
        let qos = QoS::AtLeastOnce;
        let limit = max_payload_len(topic, qos);
        let rows: Vec<String> = rows.iter().map(|r| r.as_ref().map_or_else(String::new, |r| r.text(limit))).collect();
        prop_assume!(rows.iter().all(|r| r.len() <= limit));
        let packets = pack_rows(topic, qos, &rows).expect("every row fits alone");
        let mut from_packets = Vec::new();
        for p in &packets {
            prop_assert!(check_packet_size(topic, p.len(), qos).is_ok());
            from_packets.extend(decode(p.as_bytes()).expect("packets decode"));
        }
        prop_assert_eq!(from_packets, decode(join_rows(&rows).as_bytes()).expect("rows decode"));
    }
}

// ---------------------------------------------------------------------------------------------
// Value types
// ---------------------------------------------------------------------------------------------

/// Timestamps whose local date lies in years 0000..=9999 (what ISO-8601 without a sign allows),
/// with offsets in whole minutes.
fn datetime() -> impl Strategy<Value = DateTime<FixedOffset>> {
    let min_days = NaiveDate::from_ymd_opt(0, 1, 1).unwrap().num_days_from_ce();
    let max_days = NaiveDate::from_ymd_opt(9999, 12, 31).unwrap().num_days_from_ce();
    (
        min_days..=max_days,
        0u32..86_400,
        0u32..1_000_000_000,
        -(24 * 60 - 1)..(24 * 60),
    )
        .prop_map(|(days, secs, nanos, offset_minutes)| {
            let date = NaiveDate::from_num_days_from_ce_opt(days).unwrap();
            let local = date
                .and_hms_nano_opt(secs / 3600, secs / 60 % 60, secs % 60, nanos)
                .unwrap();
            let offset = FixedOffset::east_opt(offset_minutes * 60).unwrap();
            offset.from_local_datetime(&local).single().unwrap()
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn finite_floats_render_text_that_parses_back(v in any::<f64>().prop_filter("finite", |v| v.is_finite())) {
        let n = Number::try_from(v).unwrap();
        let back: f64 = n.as_str().parse().unwrap();
        prop_assert_eq!(back.to_bits(), v.to_bits(), "{} from {:?}", n, v);
        prop_assert_eq!(n.to_f64().to_bits(), v.to_bits());
        // The text is a SmartREST decimal, so it parses as a Number and keeps its text.
        prop_assert_eq!(n.as_str().parse::<Number>().map(|p| p.as_str().to_owned()), Ok(n.as_str().to_owned()));
        prop_assert!(!needs_quoting(n.as_str()));
    }

    #[test]
    fn finite_f32_render_text_that_parses_back(v in any::<f32>().prop_filter("finite", |v| v.is_finite())) {
        let n = Number::try_from(v).unwrap();
        let back: f32 = n.as_str().parse().unwrap();
        prop_assert_eq!(back.to_bits(), v.to_bits(), "{} from {:?}", n, v);
        prop_assert!(n.as_str().parse::<Number>().is_ok());
    }

    #[test]
    fn integers_render_text_that_parses_back(v in any::<i128>()) {
        let n = Number::from(v);
        prop_assert_eq!(n.as_str().parse::<i128>(), Ok(v));
        prop_assert_eq!(n.to_i64(), i64::try_from(v).ok());
        prop_assert!(n.as_str().parse::<Number>().is_ok());
    }

    /// A built timestamp renders ISO-8601 with milliseconds; parsing that text gives the same
    /// instant (to the millisecond) and offset, and renders the same text.
    #[test]
    fn built_timestamps_render_text_that_parses_back(time in datetime()) {
        let ts = Timestamp::from(time);
        let text = ts.to_string();
        let parsed: Timestamp = text.parse().map_err(|e| TestCaseError::fail(format!("{text}: {e}")))?;
        prop_assert_eq!(parsed.to_string(), text.clone());
        let millis = time.timestamp_subsec_nanos() / 1_000_000 * 1_000_000;
        let truncated = time.with_nanosecond(millis).unwrap();
        prop_assert_eq!(&parsed, &Timestamp::from(truncated), "{}", text);
        prop_assert_eq!(parsed.as_datetime().year(), time.year());
        prop_assert!(!needs_quoting(&text));
    }

    /// Any ISO-8601 text the platform may send re-renders byte for byte.
    #[test]
    fn parsed_timestamps_render_their_text(
        time in datetime(),
        fraction_digits in 0usize..=9,
        offset_style in 0u8..3,
    ) {
        let mut text = time.format("%Y-%m-%dT%H:%M:%S").to_string();
        if fraction_digits > 0 {
            let nanos = format!("{:09}", time.timestamp_subsec_nanos());
            text.push('.');
            text.push_str(&nanos[..fraction_digits]);
        }
        let offset = time.offset().local_minus_utc();
        let (sign, abs) = if offset < 0 { ('-', -offset) } else { ('+', offset) };
        match offset_style {
            0 if offset == 0 => text.push('Z'),
            1 => text.push_str(&format!("{sign}{:02}{:02}", abs / 3600, abs / 60 % 60)),
            _ => text.push_str(&format!("{sign}{:02}:{:02}", abs / 3600, abs / 60 % 60)),
        }
        let parsed: Timestamp = text.parse().map_err(|e| TestCaseError::fail(format!("{text}: {e}")))?;
        prop_assert_eq!(parsed.to_string(), text.clone());
        prop_assert_eq!(parsed.as_datetime().offset().local_minus_utc(), offset);
        let again: Timestamp = parsed.to_string().parse().unwrap();
        prop_assert_eq!(&again, &parsed);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// The platform's downstream style (`\"` for a quote) read in the platform dialect decodes to
    /// exactly the fields, backslashes included, except a field ending in a backslash, which that
    /// escape cannot carry (`"a\"` reads as an escaped quote).
    #[test]
    fn backslash_style_decodes_the_same(fields in prop::collection::vec(field(), 1..6)) {
        prop_assume!(fields.iter().all(|f| !f.ends_with('\\')));
        let mut row = vec!["1".to_owned()];
        row.extend(fields);
        let encoded = encode_row(&row);
        let platform = smartrest::with_backslash_escapes(&encoded);
        prop_assert_eq!(
            smartrest::decode_platform(platform.as_bytes()),
            decode(encoded.as_bytes()),
            "{}",
            platform
        );
    }
}
