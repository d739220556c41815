//! Tests of SmartREST 2.0 against every documented example (docs/protocol.md §7.5, §7.6, §11.11), in both
//! directions and byte for byte, plus every error.

use proptest::prelude::*;

use super::*;
use crate::smartrest::{MAX_PACKET_SIZE, QoS, Record, RowBuilder, decode, join_rows, max_payload_len};
use crate::topic::XId;
use crate::value::{AlarmStatus, Number, OperationStatus, Severity};

fn record(line: &str) -> Record {
    let mut rows = decode(line.as_bytes()).unwrap();
    assert_eq!(rows.len(), 1, "{line:?}");
    rows.remove(0)
}

fn req(line: &str) -> RequestTemplate {
    RequestTemplate::from_record(&record(line)).unwrap_or_else(|e| panic!("{line}: {e}"))
}

fn req_err(line: &str) -> DefinitionError {
    RequestTemplate::from_record(&record(line)).unwrap_err()
}

fn resp(line: &str) -> ResponseTemplate {
    ResponseTemplate::from_record(&record(line)).unwrap_or_else(|e| panic!("{line}: {e}"))
}

fn resp_err(line: &str) -> DefinitionError {
    ResponseTemplate::from_record(&record(line)).unwrap_err()
}

/// The built template renders as `line`, and `line` parses to it and renders back unchanged.
fn both_ways(built: &RequestTemplate, line: &str) {
    assert_eq!(built.to_row(), line);
    let parsed = req(line);
    assert_eq!(&parsed, built);
    assert_eq!(parsed.to_row(), line);
    assert_eq!(parsed.to_canonical_row(), line);
}

fn template(msg_id: &str, request: Request, custom: Vec<CustomValue>) -> RequestTemplate {
    RequestTemplate::new(msg_id, request)
        .unwrap()
        .with_custom_values(custom)
        .unwrap()
}

fn text(t: &str) -> Slot {
    Slot::text(t)
}

// --- documented request templates (docs/protocol.md §7.5, §7.6, §11.11) ---------------------

fn measurement_999() -> RequestTemplate {
    template(
        "999",
        Request::MeasurementPost {
            measurement_type: text("c8y_MyMeasurement"),
            time: Slot::AtUse,
        },
        vec![CustomValue::at_use(
            "c8y_MyMeasurement.M.value",
            ValueType::Number,
        )],
    )
}

fn inventory_get(lookup: InventoryLookup) -> RequestTemplate {
    template("999", Request::InventoryGet { lookup }, vec![])
}

fn inventory_put_999() -> RequestTemplate {
    template(
        "999",
        Request::InventoryPut {
            lookup: InventoryLookup::ByExternalId {
                id_type: text("c8y_Serial"),
            },
        },
        vec![CustomValue::at_use("c8y_MyCustomValue", ValueType::String)],
    )
}

fn alarm_put_999() -> RequestTemplate {
    template(
        "999",
        Request::AlarmPut {
            alarm_type: text("c8y_MyCustomALarm"),
        },
        vec![
            CustomValue::fixed("status", ValueType::AlarmStatus, "CLEARED"),
            CustomValue::at_use("c8y_CustomFragment.reason", ValueType::String),
        ],
    )
}

fn operation_put_999() -> RequestTemplate {
    template(
        "999",
        Request::OperationPut {
            fragment: text("c8y_MyOperation"),
        },
        vec![
            CustomValue::fixed("status", ValueType::OperationStatus, "SUCCESSFUL"),
            CustomValue::at_use("c8y_Fragment.val", ValueType::Number),
        ],
    )
}

fn event_101() -> RequestTemplate {
    template(
        "101",
        Request::EventPost {
            event_type: text("c8y_CustomEvent"),
            text: text("mytext"),
            time: Slot::AtUse,
        },
        vec![],
    )
}

fn alarm_102() -> RequestTemplate {
    template(
        "102",
        Request::AlarmPost {
            alarm_type: text("c8y_CustomAlarm"),
            text: text("mytext"),
            status: Slot::Fixed(AlarmStatus::Active),
            severity: Slot::Fixed(Severity::Major),
            time: Slot::AtUse,
        },
        vec![],
    )
}

fn measurement_100() -> RequestTemplate {
    template(
        "100",
        Request::MeasurementPost {
            measurement_type: text("c8y_MyMeasurement"),
            time: Slot::AtUse,
        },
        vec![CustomValue::at_use(
            "c8y_MyMeasurement.M.value",
            ValueType::Number,
        )],
    )
    .with_response(false)
}

fn perf_999() -> RequestTemplate {
    template(
        "999",
        Request::MeasurementPost {
            measurement_type: text("T"),
            time: Slot::AtUse,
        },
        vec![CustomValue::at_use("T.M.value", ValueType::Number)],
    )
    .with_response(true)
}

#[test]
fn measurement_post() {
    both_ways(
        &measurement_999(),
        "10,999,POST,MEASUREMENT,,c8y_MyMeasurement,,c8y_MyMeasurement.M.value,NUMBER,",
    );
    both_ways(
        &measurement_100(),
        "10,100,POST,MEASUREMENT,false,c8y_MyMeasurement,,c8y_MyMeasurement.M.value,NUMBER,",
    );
}

#[test]
fn alarm_post() {
    both_ways(
        &alarm_102(),
        "10,102,POST,ALARM,,c8y_CustomAlarm,mytext,ACTIVE,MAJOR,",
    );
}

#[test]
fn inventory_get_three_ways() {
    both_ways(
        &inventory_get(InventoryLookup::ById),
        "10,999,GET,INVENTORY,,true",
    );
    both_ways(
        &inventory_get(InventoryLookup::ByExternalId {
            id_type: text("c8y_Serial"),
        }),
        "10,999,GET,INVENTORY,,false,c8y_Serial",
    );
    both_ways(
        &inventory_get(InventoryLookup::ByExternalId { id_type: Slot::AtUse }),
        "10,999,GET,INVENTORY,,false",
    );
}

#[test]
fn inventory_alarm_and_operation_put() {
    both_ways(
        &inventory_put_999(),
        "10,999,PUT,INVENTORY,,false,c8y_Serial,c8y_MyCustomValue,STRING,",
    );
    both_ways(
        &alarm_put_999(),
        "10,999,PUT,ALARM,,c8y_MyCustomALarm,status,ALARMSTATUS,CLEARED,c8y_CustomFragment.reason,STRING,",
    );
    both_ways(
        &operation_put_999(),
        "10,999,PUT,OPERATION,,c8y_MyOperation,status,OPERATIONSTATUS,SUCCESSFUL,c8y_Fragment.val,NUMBER,",
    );
}

/// The docs' EVENT line has one empty field more than EVENT POST's three columns; the canonical
/// rendering has none, and the parsed template keeps the source row's shape.
#[test]
fn event_post_keeps_the_docs_extra_empty_field() {
    let doc = "10,101,POST,EVENT,,c8y_CustomEvent,mytext,,";
    let canonical = "10,101,POST,EVENT,,c8y_CustomEvent,mytext,";
    let parsed = req(doc);
    assert_eq!(parsed, event_101());
    assert_eq!(parsed.to_row(), doc);
    assert_eq!(parsed.to_canonical_row(), canonical);
    assert_eq!(event_101().to_row(), canonical);
    both_ways(&event_101(), canonical);
}

/// The PERF script leaves out the last (empty) custom value.
#[test]
fn measurement_post_with_response_from_perf() {
    let perf = "10,999,POST,MEASUREMENT,true,T,,T.M.value,NUMBER";
    let parsed = req(perf);
    assert_eq!(parsed, perf_999());
    assert_eq!(parsed.to_row(), perf);
    assert_eq!(
        parsed.to_canonical_row(),
        "10,999,POST,MEASUREMENT,true,T,,T.M.value,NUMBER,"
    );
    assert!(parsed.effective_response());
    both_ways(&perf_999(), "10,999,POST,MEASUREMENT,true,T,,T.M.value,NUMBER,");
}

#[test]
fn source_shape_is_dropped_once_the_template_changes() {
    let parsed = req("10,101,POST,EVENT,,c8y_CustomEvent,mytext,,,");
    assert_eq!(parsed.to_row(), "10,101,POST,EVENT,,c8y_CustomEvent,mytext,,,");
    assert_eq!(
        parsed.with_response(true).to_row(),
        "10,101,POST,EVENT,true,c8y_CustomEvent,mytext,"
    );
    let parsed = req("10,999,GET,INVENTORY,,false,");
    assert_eq!(parsed.to_row(), "10,999,GET,INVENTORY,,false,");
    assert_eq!(parsed.to_canonical_row(), "10,999,GET,INVENTORY,,false");
}

#[test]
fn inventory_post() {
    let fixed = template(
        "5",
        Request::InventoryPost {
            external_id_type: text("c8y_Serial"),
        },
        vec![
            CustomValue::flag("c8y_IsDevice"),
            CustomValue::at_use("name", ValueType::String),
        ],
    );
    both_ways(
        &fixed,
        "10,5,POST,INVENTORY,,c8y_Serial,c8y_IsDevice,FLAG,,name,STRING,",
    );
    let open = template(
        "6",
        Request::InventoryPost {
            external_id_type: Slot::AtUse,
        },
        vec![],
    );
    both_ways(&open, "10,6,POST,INVENTORY,,");
}

#[test]
fn every_fixed_selector_round_trips() {
    let t = template(
        "7",
        Request::AlarmPost {
            alarm_type: Slot::AtUse,
            text: text("Hot, really \"hot\""),
            status: Slot::AtUse,
            severity: Slot::Fixed(Severity::Critical),
            time: Slot::Fixed("2016-06-22T17:03:14.000+02:00".parse().unwrap()),
        },
        vec![CustomValue::fixed("count", ValueType::Unsigned, "3")],
    );
    both_ways(
        &t,
        "10,7,POST,ALARM,,,\"Hot, really \"\"hot\"\"\",,CRITICAL,2016-06-22T17:03:14.000+02:00,count,UNSIGNED,3",
    );
    both_ways(
        &template(
            "8",
            Request::OperationPut {
                fragment: Slot::AtUse,
            },
            vec![],
        ),
        "10,8,PUT,OPERATION,,",
    );
    both_ways(
        &template(
            "9",
            Request::AlarmPut {
                alarm_type: Slot::AtUse,
            },
            vec![],
        ),
        "10,9,PUT,ALARM,,",
    );
    both_ways(
        &template(
            "10",
            Request::InventoryPut {
                lookup: InventoryLookup::ById,
            },
            vec![CustomValue::at_use(
                "c8y_Hardware.serialNumber",
                ValueType::String,
            )],
        ),
        "10,10,PUT,INVENTORY,,true,,c8y_Hardware.serialNumber,STRING,",
    );
}

#[test]
fn lenient_reading_normalizes() {
    let t = req("10,999,post,Measurement,TRUE,c8y_M,,c8y_M.M.value,number,");
    assert_eq!(
        t.to_row(),
        "10,999,POST,MEASUREMENT,true,c8y_M,,c8y_M.M.value,NUMBER,"
    );
    // An empty type means STRING, the documented default.
    let t = req("10,1,PUT,ALARM,,c8y_A,c8y_A.reason,,because");
    assert_eq!(t.custom_values()[0].value_type, ValueType::String);
    assert_eq!(t.to_row(), "10,1,PUT,ALARM,,c8y_A,c8y_A.reason,STRING,because");
    // A severity fixed in lower case is written in upper case.
    assert_eq!(
        req("10,2,POST,ALARM,,T,x,active,minor,").to_row(),
        "10,2,POST,ALARM,,T,x,ACTIVE,MINOR,"
    );
}

#[test]
fn accessors_and_defaults() {
    let t = alarm_put_999();
    assert_eq!(t.msg_id(), "999");
    assert_eq!((t.method(), t.api()), (Method::Put, Api::Alarm));
    assert_eq!(t.response(), None);
    assert!(!t.effective_response());
    assert!(inventory_get(InventoryLookup::ById).effective_response());
    assert!(
        !inventory_get(InventoryLookup::ById)
            .with_response(false)
            .effective_response()
    );
    assert_eq!(t.custom_values().len(), 2);
    assert_eq!(
        t.request(),
        &Request::AlarmPut {
            alarm_type: text("c8y_MyCustomALarm")
        }
    );
    // Fixed("") is the wire's "left for use time".
    let a = RequestTemplate::new(
        "1",
        Request::OperationPut {
            fragment: Slot::Fixed(String::new()),
        },
    )
    .unwrap();
    assert_eq!(
        a.request(),
        &Request::OperationPut {
            fragment: Slot::AtUse
        }
    );
    assert_eq!(Slot::<String>::default(), Slot::AtUse);
    assert_eq!(text("x").fixed().map(String::as_str), Some("x"));
}

#[test]
fn method_api_words() {
    for m in Method::ALL {
        assert_eq!(m.as_str().parse::<Method>(), Ok(*m));
        assert_eq!(m.to_string(), m.as_str());
    }
    for a in Api::ALL {
        assert_eq!(a.as_str().to_lowercase().parse::<Api>(), Ok(*a));
        assert_eq!(a.to_string(), a.as_str());
    }
    assert_eq!(
        "DELETE".parse::<Method>(),
        Err(DefinitionError::UnknownMethod("DELETE".into()))
    );
}

/// §7.3: exactly these eight combinations parse; the other seven are typed errors.
#[test]
fn supported_combinations() {
    let mut supported = Vec::new();
    for m in Method::ALL {
        for a in Api::ALL {
            let selector = match (m, a) {
                (Method::Get | Method::Put, Api::Inventory) => "true",
                _ => "x",
            };
            let mut row = RowBuilder::new("10");
            row.field("1").display(m).display(a).field("").field(selector);
            let row = row.finish();
            match RequestTemplate::from_record(&record(&row)) {
                Ok(t) => {
                    assert_eq!((t.method(), t.api()), (*m, *a));
                    assert!(Request::is_supported(*m, *a));
                    supported.push(format!("{m} {a}"));
                }
                Err(e) => {
                    assert_eq!(e, DefinitionError::UnsupportedCombination { method: *m, api: *a });
                    assert!(!Request::is_supported(*m, *a));
                }
            }
        }
    }
    assert_eq!(
        supported,
        [
            "GET INVENTORY",
            "POST INVENTORY",
            "POST MEASUREMENT",
            "POST ALARM",
            "POST EVENT",
            "PUT INVENTORY",
            "PUT ALARM",
            "PUT OPERATION",
        ]
    );
    assert_eq!(
        req_err("10,999,GET,EVENT"),
        DefinitionError::UnsupportedCombination {
            method: Method::Get,
            api: Api::Event
        }
    );
    assert_eq!(
        req_err("10,999,PUT,MEASUREMENT,,T").to_string(),
        "PUT is not supported on MEASUREMENT"
    );
}

// --- request definition errors ---------------------------------------------------------------

#[test]
fn request_definition_errors() {
    use DefinitionError as E;
    let cases: Vec<(&str, E)> = vec![
        (
            "11,999,POST,MEASUREMENT",
            E::WrongRow {
                expected: "10",
                found: "11".into(),
            },
        ),
        ("10", E::MissingMsgId),
        ("10,,POST,MEASUREMENT,,T,,", E::MissingMsgId),
        (
            "10,\" 999\",POST,MEASUREMENT",
            E::InvalidMsgId {
                msg_id: " 999".into(),
            },
        ),
        ("10,999", E::MissingMethod),
        ("10,999,,MEASUREMENT", E::MissingMethod),
        // The SmartREST quick-reference page's api-before-method order is wrong, and read as such.
        (
            "10,999,MEASUREMENT,POST,,T,,",
            E::UnknownMethod("MEASUREMENT".into()),
        ),
        ("10,999,DELETE,EVENT", E::UnknownMethod("DELETE".into())),
        ("10,999,POST", E::MissingApi),
        ("10,999,POST,DEVICE", E::UnknownApi("DEVICE".into())),
        (
            "10,999,POST,MEASUREMENT,yes,T",
            E::InvalidBoolean {
                column: "response",
                value: "yes".into(),
            },
        ),
        (
            "10,999,GET,INVENTORY,,maybe",
            E::InvalidBoolean {
                column: "byId",
                value: "maybe".into(),
            },
        ),
        ("10,999,GET,INVENTORY,", E::MissingById),
        ("10,999,PUT,INVENTORY,,,c8y_Serial,a,STRING,", E::MissingById),
        (
            "10,999,GET,INVENTORY,,true,c8y_Serial",
            E::ExternalIdTypeWithById {
                id_type: "c8y_Serial".into(),
            },
        ),
        (
            "10,102,POST,ALARM,,T,x,BOGUS,MAJOR,",
            E::InvalidFixedValue {
                column: "status".into(),
                value_type: ValueType::AlarmStatus,
                value: "BOGUS".into(),
            },
        ),
        (
            "10,102,POST,ALARM,,T,x,ACTIVE,HIGH,",
            E::InvalidFixedValue {
                column: "severity".into(),
                value_type: ValueType::Severity,
                value: "HIGH".into(),
            },
        ),
        (
            "10,1,POST,EVENT,,T,x,yesterday",
            E::InvalidFixedValue {
                column: "time".into(),
                value_type: ValueType::Date,
                value: "yesterday".into(),
            },
        ),
        (
            "10,1,POST,MEASUREMENT,,T,,T.M.value,NUMBER,abc",
            E::InvalidFixedValue {
                column: "T.M.value".into(),
                value_type: ValueType::Number,
                value: "abc".into(),
            },
        ),
        (
            "10,1,PUT,ALARM,,T,status,ALARMSTATUS,SUCCESSFUL",
            E::InvalidFixedValue {
                column: "status".into(),
                value_type: ValueType::AlarmStatus,
                value: "SUCCESSFUL".into(),
            },
        ),
        ("10,1,POST,MEASUREMENT,,T,,,NUMBER,", E::MissingPath { index: 0 }),
        (
            "10,1,POST,MEASUREMENT,,T,,a,NUMBER,,,,,b,NUMBER,",
            E::MissingPath { index: 1 },
        ),
        (
            "10,1,POST,MEASUREMENT,,T,,a,BOOLEAN,",
            E::InvalidValueType {
                path: "a".into(),
                error: ValueTypeError::Unknown("BOOLEAN".into()),
            },
        ),
        (
            "10,1,POST,MEASUREMENT,,T,,a,ARRAY,",
            E::InvalidValueType {
                path: "a".into(),
                error: ValueTypeError::StaticOnly("ARRAY".into()),
            },
        ),
        (
            "10,1,POST,INVENTORY,,c8y_Serial,c8y_IsDevice,FLAG,x",
            E::FlagWithValue {
                path: "c8y_IsDevice".into(),
                value: "x".into(),
            },
        ),
        (
            "10,999,GET,INVENTORY,,false,c8y_Serial,a,STRING,",
            E::CustomValuesNotSupported {
                method: Method::Get,
                api: Api::Inventory,
            },
        ),
    ];
    for (line, expected) in cases {
        assert_eq!(req_err(line), expected, "{line}");
    }
}

#[test]
fn request_builder_errors() {
    use DefinitionError as E;
    let m = |id: &str| {
        RequestTemplate::new(
            id,
            Request::OperationPut {
                fragment: text("c8y_Restart"),
            },
        )
    };
    assert_eq!(m("").unwrap_err(), E::MissingMsgId);
    assert_eq!(m("a,b").unwrap_err(), E::InvalidMsgId { msg_id: "a,b".into() });
    assert_eq!(m("9\n").unwrap_err(), E::InvalidMsgId { msg_id: "9\n".into() });
    let t = m("9").unwrap();
    assert_eq!(
        t.clone()
            .with_custom_value(CustomValue::at_use("", ValueType::String))
            .unwrap_err(),
        E::MissingPath { index: 0 }
    );
    assert_eq!(
        t.clone()
            .with_custom_values([
                CustomValue::at_use("a", ValueType::String),
                CustomValue::fixed("b", ValueType::Integer, "1.5"),
            ])
            .unwrap_err(),
        E::InvalidFixedValue {
            column: "b".into(),
            value_type: ValueType::Integer,
            value: "1.5".into()
        }
    );
    assert_eq!(
        t.with_custom_value(CustomValue {
            path: "c8y_IsDevice".into(),
            value_type: ValueType::Flag,
            value: text("{}"),
        })
        .unwrap_err(),
        E::FlagWithValue {
            path: "c8y_IsDevice".into(),
            value: "{}".into()
        }
    );
    assert_eq!(
        inventory_get(InventoryLookup::ById)
            .with_custom_value(CustomValue::at_use("a", ValueType::String))
            .unwrap_err(),
        E::CustomValuesNotSupported {
            method: Method::Get,
            api: Api::Inventory
        }
    );
}

#[test]
fn definition_error_texts() {
    use DefinitionError as E;
    assert_eq!(
        E::UnknownApi("X".into()).smartrest_text(),
        "Bad request template definition"
    );
    assert_eq!(
        E::InvalidValueType {
            path: "a".into(),
            error: ValueTypeError::Unknown("X".into())
        }
        .smartrest_text(),
        "Bad value type"
    );
    assert_eq!(E::EmptyPattern { index: 1 }.smartrest_text(), "Bad pattern");
    assert_eq!(
        E::MissingPattern.smartrest_text(),
        "Bad response template definition"
    );
    assert_eq!(
        E::InvalidMsgId {
            msg_id: "a b ".into()
        }
        .smartrest_text(),
        "Not a valid message identifier for template creation"
    );
    assert_eq!(
        req_err("10,1,POST,MEASUREMENT,,T,,a,NUMBER,x").to_string(),
        "value of a is not a NUMBER: \"x\""
    );
}

// --- response templates (§7.6, §11.11) ---------------------------------------------------------

#[test]
fn response_templates_from_the_reference() {
    /// msgId, base, condition, patterns, the documented line.
    type Case<'a> = (&'a str, Option<&'a str>, Option<&'a str>, &'a [&'a str], &'a str);
    let cases: [Case; 7] = [
        (
            "111",
            Some("c8y_CustomConfiguration"),
            Some("deviceId"),
            &["val1", "val2", "customValues[*]"],
            "11,111,c8y_CustomConfiguration,deviceId,val1,val2,customValues[*]",
        ),
        (
            "222",
            None,
            Some("deviceId"),
            &["c8y_CustomConfiguration.val1", "c8y_CustomConfiguration.val2"],
            "11,222,,deviceId,c8y_CustomConfiguration.val1,c8y_CustomConfiguration.val2",
        ),
        (
            "333",
            None,
            Some("deviceId"),
            &["val1", "val2", "customValues[*]"],
            "11,333,,deviceId,val1,val2,customValues[*]",
        ),
        // docs/protocol.md elides this template's patterns with "…"; taken literally here.
        (
            "444",
            Some("c8y_CustomConfiguration"),
            Some("c8y_CustomConfiguration.val3"),
            &["…"],
            "11,444,c8y_CustomConfiguration,c8y_CustomConfiguration.val3,…",
        ),
        (
            "888",
            None,
            Some("c8y_IsDevice"),
            &["type", "c8y_Test", "c8y_Configuration"],
            "11,888,,c8y_IsDevice,type,c8y_Test,c8y_Configuration",
        ),
        (
            "888",
            None,
            Some("T"),
            &["type", "id", "T.M.value"],
            "11,888,,T,type,id,T.M.value",
        ),
        (
            "888",
            None,
            Some("c8y_Command"),
            &["c8y_Command.text"],
            "11,888,,c8y_Command,c8y_Command.text",
        ),
    ];
    for (id, base, condition, patterns, line) in cases {
        let built = ResponseTemplate::new(id, base, condition, patterns.iter().copied()).unwrap();
        assert_eq!(built.to_row(), line);
        let parsed = resp(line);
        assert_eq!(parsed, built, "{line}");
        assert_eq!(parsed.to_row(), line);
        assert_eq!(
            (parsed.msg_id(), parsed.base(), parsed.condition()),
            (id, base, condition)
        );
        assert_eq!(parsed.patterns(), patterns);
    }
}

#[test]
fn response_template_edge_cases() {
    // No base, no condition; trailing empty fields are not patterns.
    let t = resp("11,5,,,$.id,,");
    assert_eq!(t.to_row(), "11,5,,,$.id");
    // Empty base/condition given in code count as none.
    assert_eq!(
        ResponseTemplate::new("5", Some(""), Some(""), ["$.id"]).unwrap(),
        t
    );
    // Patterns needing quotes are quoted.
    let t = ResponseTemplate::new("6", None, None, ["$['a,b']"]).unwrap();
    assert_eq!(t.to_row(), "11,6,,,\"$['a,b']\"");
    assert_eq!(resp(&t.to_row()), t);
}

#[test]
fn response_definition_errors() {
    use DefinitionError as E;
    assert_eq!(
        resp_err("10,888,,c8y_Command,x"),
        E::WrongRow {
            expected: "11",
            found: "10".into()
        }
    );
    assert_eq!(resp_err("11,,,c8y_Command,x"), E::MissingMsgId);
    assert_eq!(resp_err("11"), E::MissingMsgId);
    assert_eq!(
        resp_err("11,\"8,8\",,c,x"),
        E::InvalidMsgId { msg_id: "8,8".into() }
    );
    assert_eq!(resp_err("11,888,,c8y_Command"), E::MissingPattern);
    assert_eq!(resp_err("11,888"), E::MissingPattern);
    assert_eq!(resp_err("11,888,,c8y_Command,,"), E::MissingPattern);
    assert_eq!(resp_err("11,888,,,a,,b"), E::EmptyPattern { index: 1 });
    assert_eq!(
        ResponseTemplate::new("1", None, None, Vec::<String>::new()).unwrap_err(),
        E::MissingPattern
    );
    assert_eq!(
        ResponseTemplate::new("1", None, None, ["", "a"]).unwrap_err(),
        E::EmptyPattern { index: 0 }
    );
}

// --- use lines ---------------------------------------------------------------------------------

fn columns(t: &RequestTemplate) -> Vec<(String, ValueType, bool)> {
    t.use_columns()
        .into_iter()
        .map(|c| (c.column.name().to_owned(), c.value_type, c.required))
        .collect()
}

fn col(name: &str, t: ValueType, required: bool) -> (String, ValueType, bool) {
    (name.to_owned(), t, required)
}

/// `values` build `line` against `t`, and `line` reads back to `expected` bound values.
fn use_both_ways(t: &RequestTemplate, values: &[&str], line: &str, expected: &[Option<UseValue>]) {
    let built = t.use_line(values.iter().copied()).unwrap();
    assert_eq!(built.to_row(), line);
    let read = t.read_use_line(&record(line)).unwrap();
    let got: Vec<_> = read.iter().map(|b| b.value.clone()).collect();
    assert_eq!(got, expected, "{line}");
    assert_eq!(
        read.into_iter().map(|b| b.column).collect::<Vec<_>>(),
        t.use_columns()
    );
    let raw = UseLine::from_record(&record(line));
    assert_eq!(raw.msg_id, t.msg_id());
    assert_eq!(raw.to_row(), line);
}

fn num(n: &str) -> Option<UseValue> {
    Some(UseValue::Number(n.parse::<Number>().unwrap()))
}

fn txt(s: &str) -> Option<UseValue> {
    Some(UseValue::Text(s.into()))
}

#[test]
fn measurement_use_lines() {
    use ValueType as T;
    let t = measurement_999();
    assert_eq!(
        columns(&t),
        [
            col("time", T::Date, false),
            col("c8y_MyMeasurement.M.value", T::Number, false)
        ]
    );
    let time = "2016-06-22T17:03:14.000+02:00";
    use_both_ways(
        &t,
        &[time, "25"],
        "999,2016-06-22T17:03:14.000+02:00,25",
        &[Some(UseValue::Date(time.parse().unwrap())), num("25")],
    );
    use_both_ways(&t, &["", "25"], "999,,25", &[None, num("25")]);
    use_both_ways(&perf_999(), &["", "42"], "999,,42", &[None, num("42")]);
}

#[test]
fn minimal_templates_are_used_bare() {
    for (t, n) in [(measurement_100(), 2), (event_101(), 1), (alarm_102(), 1)] {
        let line = t.msg_id().to_owned();
        assert_eq!(t.use_columns().len(), n);
        use_both_ways(&t, &[], &line, &vec![None; n]);
    }
    assert_eq!(columns(&event_101()), [col("time", ValueType::Date, false)]);
}

#[test]
fn inventory_use_lines() {
    use ValueType as T;
    let by_id = inventory_get(InventoryLookup::ById);
    assert_eq!(columns(&by_id), [col("moId", T::String, true)]);
    use_both_ways(&by_id, &["123456"], "999,123456", &[txt("123456")]);
    use_both_ways(&by_id, &["12345"], "999,12345", &[txt("12345")]);

    let fixed = inventory_get(InventoryLookup::ByExternalId {
        id_type: text("c8y_Serial"),
    });
    assert_eq!(columns(&fixed), [col("externalId", T::String, true)]);
    use_both_ways(
        &fixed,
        &["myDeviceImei"],
        "999,myDeviceImei",
        &[txt("myDeviceImei")],
    );

    let open = inventory_get(InventoryLookup::ByExternalId { id_type: Slot::AtUse });
    assert_eq!(
        columns(&open),
        [
            col("externalIdType", T::String, true),
            col("externalId", T::String, true)
        ]
    );
    use_both_ways(
        &open,
        &["c8y_Serial", "myDeviceImei"],
        "999,c8y_Serial,myDeviceImei",
        &[txt("c8y_Serial"), txt("myDeviceImei")],
    );

    let put = inventory_put_999();
    assert_eq!(
        columns(&put),
        [
            col("externalId", T::String, true),
            col("c8y_MyCustomValue", T::String, false)
        ]
    );
    use_both_ways(
        &put,
        &["myDeviceImei", "myValue"],
        "999,myDeviceImei,myValue",
        &[txt("myDeviceImei"), txt("myValue")],
    );

    // POST: value first, then the type when the template leaves it open; a FLAG takes none.
    let post = req("10,6,POST,INVENTORY,,,c8y_IsDevice,FLAG,,name,STRING,");
    assert_eq!(
        columns(&post),
        [
            col("externalId", T::String, false),
            col("externalIdType", T::String, false),
            col("name", T::String, false)
        ]
    );
    use_both_ways(
        &post,
        &["myImei", "c8y_Serial", "My device"],
        "6,myImei,c8y_Serial,My device",
        &[txt("myImei"), txt("c8y_Serial"), txt("My device")],
    );
    use_both_ways(&post, &[], "6", &[None, None, None]);
    let post_fixed = req("10,5,POST,INVENTORY,,c8y_Serial");
    assert_eq!(columns(&post_fixed), [col("externalId", T::String, false)]);
    use_both_ways(&post_fixed, &["myImei"], "5,myImei", &[txt("myImei")]);
}

#[test]
fn alarm_and_operation_put_use_lines() {
    let alarm = alarm_put_999();
    assert_eq!(
        columns(&alarm),
        [col("c8y_CustomFragment.reason", ValueType::String, false)]
    );
    use_both_ways(
        &alarm,
        &["Device resolved alarm on its own"],
        "999,Device resolved alarm on its own",
        &[txt("Device resolved alarm on its own")],
    );
    let op = operation_put_999();
    assert_eq!(columns(&op), [col("c8y_Fragment.val", ValueType::Number, false)]);
    use_both_ways(&op, &["24"], "999,24", &[num("24")]);

    // Open selectors of PUTs find the object, so they are required.
    let open = template(
        "9",
        Request::AlarmPut {
            alarm_type: Slot::AtUse,
        },
        vec![],
    );
    assert_eq!(columns(&open), [col("type", ValueType::String, true)]);
    let open = template(
        "9",
        Request::OperationPut {
            fragment: Slot::AtUse,
        },
        vec![],
    );
    assert_eq!(columns(&open), [col("fragment", ValueType::String, true)]);
}

#[test]
fn alarm_post_open_columns_in_template_order() {
    use ValueType as T;
    let t = req("10,3,POST,ALARM,,,,,,,c8y_A.count,INTEGER,");
    assert_eq!(
        columns(&t),
        [
            col("type", T::String, false),
            col("text", T::String, false),
            col("status", T::AlarmStatus, false),
            col("severity", T::Severity, false),
            col("time", T::Date, false),
            col("c8y_A.count", T::Integer, false),
        ]
    );
    use_both_ways(
        &t,
        &["c8y_A", "Too hot, really", "ACTIVE", "MAJOR", "", "-3"],
        "3,c8y_A,\"Too hot, really\",ACTIVE,MAJOR,,-3",
        &[
            txt("c8y_A"),
            txt("Too hot, really"),
            Some(UseValue::AlarmStatus(AlarmStatus::Active)),
            Some(UseValue::Severity(Severity::Major)),
            None,
            Some(UseValue::Integer(-3)),
        ],
    );
    let e = req("10,4,POST,EVENT,,,,");
    assert_eq!(
        columns(&e),
        [
            col("type", T::String, false),
            col("text", T::String, false),
            col("time", T::Date, false)
        ]
    );
}

#[test]
fn use_line_errors() {
    use ValueType as T;
    let by_id = inventory_get(InventoryLookup::ById);
    let too_many = UseError::TooManyValues {
        msg_id: "999".into(),
        expected: 1,
        found: 2,
    };
    assert_eq!(by_id.use_line(["1", "2"]).unwrap_err(), too_many);
    assert_eq!(by_id.read_use_line(&record("999,1,2")).unwrap_err(), too_many);
    assert_eq!(by_id.read_use_line(&record("999,,2")).unwrap_err(), too_many);
    // Trailing empty fields on the wire are not values.
    assert_eq!(by_id.read_use_line(&record("999,1,,")).unwrap().len(), 1);
    assert_eq!(
        by_id.use_line(["1", ""]).unwrap_err(),
        UseError::TooManyValues {
            msg_id: "999".into(),
            expected: 1,
            found: 2
        }
    );

    let missing = UseError::MissingValue {
        position: 1,
        column: "moId".into(),
    };
    assert_eq!(by_id.use_line(Vec::<&str>::new()).unwrap_err(), missing);
    assert_eq!(by_id.use_line([""]).unwrap_err(), missing);
    assert_eq!(by_id.read_use_line(&record("999")).unwrap_err(), missing);
    assert_eq!(missing.to_string(), "Missing mandatory field moId (field 1)");

    let open = inventory_get(InventoryLookup::ByExternalId { id_type: Slot::AtUse });
    assert_eq!(
        open.use_line(["c8y_Serial"]).unwrap_err(),
        UseError::MissingValue {
            position: 2,
            column: "externalId".into()
        }
    );

    assert_eq!(
        by_id.read_use_line(&record("998,1")).unwrap_err(),
        UseError::WrongMsgId {
            expected: "999".into(),
            found: "998".into()
        }
    );

    let m = measurement_999();
    let bad_time = m.use_line(["yesterday", "25"]).unwrap_err();
    assert_eq!(
        bad_time,
        UseError::InvalidValue {
            position: 1,
            column: "time".into(),
            value_type: T::Date,
            value: "yesterday".into()
        }
    );
    let bad_number = m.read_use_line(&record("999,,abc")).unwrap_err();
    assert_eq!(
        bad_number.to_string(),
        "Value is not a NUMBER: abc (c8y_MyMeasurement.M.value at field 2)"
    );
    assert_eq!(bad_number.smartrest_code(), 45);
    assert_eq!(
        UseError::WrongMsgId {
            expected: "1".into(),
            found: "2".into()
        }
        .smartrest_code(),
        40
    );

    // Every checked type rejects a bad value, building and reading.
    let typed = template(
        "20",
        Request::OperationPut {
            fragment: text("c8y_X"),
        },
        vec![
            CustomValue::at_use("i", T::Integer),
            CustomValue::at_use("u", T::Unsigned),
            CustomValue::at_use("s", T::Severity),
            CustomValue::at_use("a", T::AlarmStatus),
            CustomValue::at_use("o", T::OperationStatus),
            CustomValue::at_use("d", T::Date),
            CustomValue::at_use("n", T::Number),
        ],
    );
    let good = [
        "-1",
        "1",
        "MINOR",
        "CLEARED",
        "FAILED",
        "2020-01-01T00:00:00Z",
        "1e3",
    ];
    typed.use_line(good).unwrap();
    let bad = ["1.5", "-1", "HIGH", "DONE", "CLEARED", "2020-13-01", "1,5"];
    for (i, b) in bad.into_iter().enumerate() {
        let mut values = good;
        values[i] = b;
        let err = typed.use_line(values).unwrap_err();
        assert!(
            matches!(&err, UseError::InvalidValue { position, value, .. } if *position == i + 1 && value == b),
            "{err:?}"
        );
        let line = typed.use_line(good).unwrap();
        let mut fields = vec![line.msg_id.clone()];
        fields.extend(values.iter().map(|v| v.to_string()));
        let err = typed.read_use_line(&Record::new(fields)).unwrap_err();
        assert!(
            matches!(&err, UseError::InvalidValue { position, .. } if *position == i + 1),
            "{err:?}"
        );
    }
    let bound = typed
        .read_use_line(&record(&typed.use_line(good).unwrap().to_row()))
        .unwrap();
    assert_eq!(bound[2].value, Some(UseValue::Severity(Severity::Minor)));
    assert_eq!(
        bound[4].value,
        Some(UseValue::OperationStatus(OperationStatus::Failed))
    );
    assert_eq!(bound[1].value, Some(UseValue::Unsigned(1)));
}

#[test]
fn use_line_values_are_written_as_given_and_quoted() {
    let t = alarm_put_999();
    let line = t.use_line(["Resolved, \"finally\""]).unwrap();
    assert_eq!(line.to_row(), "999,\"Resolved, \"\"finally\"\"\"");
    assert_eq!(
        t.read_use_line(&record(&line.to_row())).unwrap()[0].value,
        txt("Resolved, \"finally\"")
    );
    assert_eq!(UseLine::new("999", ["", "25", ""]).to_row(), "999,,25");
    assert_eq!(Column::Custom("a.b".into()).to_string(), "a.b");
}

// --- collections -------------------------------------------------------------------------------

const TRANSCRIPT: &str = "10,999,POST,MEASUREMENT,,c8y_MyMeasurement,,c8y_MyMeasurement.M.value,NUMBER,\n\
                          11,888,,c8y_Command,c8y_Command.text";

fn transcript_collection() -> TemplateCollection {
    TemplateCollection::new("myCommon_10")
        .unwrap()
        .with_request(measurement_999())
        .unwrap()
        .with_response(ResponseTemplate::new("888", None, Some("c8y_Command"), ["c8y_Command.text"]).unwrap())
        .unwrap()
}

#[test]
fn transcript_collection_both_ways() {
    let c = transcript_collection();
    assert_eq!(c.topic().to_string(), "s/ut/myCommon_10");
    assert_eq!(c.creation_payload(QoS::AtLeastOnce).unwrap(), TRANSCRIPT);
    let parsed = TemplateCollection::parse("myCommon_10", TRANSCRIPT.as_bytes()).unwrap();
    assert_eq!(parsed, c);
    assert_eq!(parsed.creation_payload(QoS::AtLeastOnce).unwrap(), TRANSCRIPT);
    assert_eq!(parsed.xid(), "myCommon_10");
    assert_eq!(parsed.len(), 2);
    // …then `999,,25` on s/ud uses it.
    let t = parsed.request("999").unwrap();
    assert_eq!(t.use_line(["", "25"]).unwrap().to_row(), "999,,25");
    assert!(parsed.request("888").is_none());
    assert_eq!(parsed.response("888").unwrap().patterns(), ["c8y_Command.text"]);
    // CRLF and a trailing line break read the same.
    let crlf = format!("{}\r\n", TRANSCRIPT.replace('\n', "\r\n"));
    assert_eq!(
        TemplateCollection::parse("myCommon_10", crlf.as_bytes()).unwrap(),
        c
    );
}

#[test]
fn every_reference_line_in_one_collection() {
    let rows = [
        "10,1,POST,MEASUREMENT,,c8y_MyMeasurement,,c8y_MyMeasurement.M.value,NUMBER,",
        "10,2,POST,MEASUREMENT,false,c8y_MyMeasurement,,c8y_MyMeasurement.M.value,NUMBER,",
        "10,3,POST,EVENT,,c8y_CustomEvent,mytext,,",
        "10,4,POST,ALARM,,c8y_CustomAlarm,mytext,ACTIVE,MAJOR,",
        "10,5,GET,INVENTORY,,true",
        "10,6,GET,INVENTORY,,false,c8y_Serial",
        "10,7,GET,INVENTORY,,false",
        "10,8,PUT,INVENTORY,,false,c8y_Serial,c8y_MyCustomValue,STRING,",
        "10,9,PUT,ALARM,,c8y_MyCustomALarm,status,ALARMSTATUS,CLEARED,c8y_CustomFragment.reason,STRING,",
        "10,10,PUT,OPERATION,,c8y_MyOperation,status,OPERATIONSTATUS,SUCCESSFUL,c8y_Fragment.val,NUMBER,",
        "10,11,POST,MEASUREMENT,true,T,,T.M.value,NUMBER",
        "11,111,c8y_CustomConfiguration,deviceId,val1,val2,customValues[*]",
        "11,222,,deviceId,c8y_CustomConfiguration.val1,c8y_CustomConfiguration.val2",
        "11,333,,deviceId,val1,val2,customValues[*]",
        "11,888,,c8y_IsDevice,type,c8y_Test,c8y_Configuration",
    ];
    let payload = join_rows(rows);
    let c = TemplateCollection::parse("all", payload.as_bytes()).unwrap();
    assert_eq!((c.requests().len(), c.responses().len()), (11, 4));
    assert_eq!(c.creation_payload(QoS::AtMostOnce).unwrap(), payload);
    assert_eq!(c.rows(), rows);
}

#[test]
fn rows_are_grouped_requests_first() {
    let payload = "11,888,,c8y_Command,c8y_Command.text\n10,5,GET,INVENTORY,,true";
    let c = TemplateCollection::parse("x", payload.as_bytes()).unwrap();
    assert_eq!(
        c.creation_payload(QoS::AtLeastOnce).unwrap(),
        "10,5,GET,INVENTORY,,true\n11,888,,c8y_Command,c8y_Command.text"
    );
    assert_eq!(
        TemplateRow::from_record(&record("11,1,,,a")).unwrap().to_row(),
        "11,1,,,a"
    );
    assert_eq!(
        TemplateRow::from_record(&record("10,5,GET,INVENTORY,,true"))
            .unwrap()
            .msg_id(),
        "5"
    );
}

#[test]
fn message_ids_are_unique_across_the_collection() {
    let c = transcript_collection();
    let same_as_request = ResponseTemplate::new("999", None, None, ["id"]).unwrap();
    assert_eq!(
        c.clone().with_response(same_as_request).unwrap_err(),
        CollectionError::DuplicateMsgId {
            msg_id: "999".into(),
            row: None
        }
    );
    let mut c2 = c.clone();
    let err = c2.add_request(inventory_get(InventoryLookup::ById)).unwrap_err();
    assert_eq!(
        err.smartrest_text(),
        "Duplicate message identifiers are not allowed"
    );
    assert_eq!(c2, c);
    let payload = join_rows([TRANSCRIPT, "11,999,,,id"]);
    let err = TemplateCollection::parse("myCommon_10", payload.as_bytes()).unwrap_err();
    assert_eq!(
        err,
        CollectionError::DuplicateMsgId {
            msg_id: "999".into(),
            row: Some(3)
        }
    );
    assert_eq!(err.row(), Some(3));
    let payload = "10,5,GET,INVENTORY,,true\n10,5,GET,INVENTORY,,false";
    assert!(matches!(
        TemplateCollection::parse("x", payload.as_bytes()),
        Err(CollectionError::DuplicateMsgId { row: Some(2), .. })
    ));
}

#[test]
fn collection_errors() {
    for xid in ["", "a/b", "a+b", "#", "a\0"] {
        assert_eq!(
            TemplateCollection::new(xid).unwrap_err(),
            CollectionError::InvalidXid {
                xid: xid.into(),
                error: XId::new(xid).unwrap_err()
            }
        );
        assert!(matches!(
            TemplateCollection::parse(xid, TRANSCRIPT.as_bytes()),
            Err(CollectionError::InvalidXid { .. })
        ));
    }
    let empty = TemplateCollection::new("x").unwrap();
    assert!(empty.is_empty());
    assert_eq!(
        empty.creation_payload(QoS::AtLeastOnce).unwrap_err(),
        CollectionError::Empty
    );
    assert_eq!(
        TemplateCollection::parse("x", b"").unwrap_err(),
        CollectionError::Empty
    );
    assert_eq!(
        TemplateCollection::parse("x", b"\r\n\n").unwrap_err(),
        CollectionError::Empty
    );

    let err = TemplateCollection::parse("x", b"11,1,,,a\n11,2,,,\"open").unwrap_err();
    assert!(matches!(err, CollectionError::Decode(_)));
    assert_eq!(err.row(), Some(2));

    let err = TemplateCollection::parse("x", b"11,1,,,a\n10,2,GET,EVENT").unwrap_err();
    assert_eq!(
        err,
        CollectionError::Row {
            row: 2,
            row_id: "10".into(),
            error: DefinitionError::UnsupportedCombination {
                method: Method::Get,
                api: Api::Event
            }
        }
    );
    assert_eq!(err.row(), Some(2));
    assert_eq!(err.smartrest_text(), "Bad request template definition");
    assert_eq!(err.to_string(), "row 2: GET is not supported on EVENT");

    let err = TemplateCollection::parse("x", b"15,myxid").unwrap_err();
    assert_eq!(
        err,
        CollectionError::Row {
            row: 1,
            row_id: "15".into(),
            error: DefinitionError::WrongRow {
                expected: "10 or 11",
                found: "15".into()
            }
        }
    );
    assert_eq!(
        err.smartrest_text(),
        "Not a valid message identifier for template creation"
    );
    let err = TemplateCollection::parse("x", b"11,,,,a").unwrap_err();
    assert_eq!(err.smartrest_text(), "Bad response template definition");
    let err = TemplateCollection::parse("x", b"10,,POST,EVENT").unwrap_err();
    assert_eq!(err.smartrest_text(), "Bad request template definition");
    let err = TemplateCollection::parse("x", b"11,1,,,a,,b").unwrap_err();
    assert_eq!(err.smartrest_text(), "Bad pattern");
}

/// A collection with one response template whose pattern makes the payload `len` bytes.
fn collection_of_len(xid: &str, len: usize) -> TemplateCollection {
    let base = "11,1,,,".len();
    let pattern = "p".repeat(len - base);
    TemplateCollection::new(xid)
        .unwrap()
        .with_response(ResponseTemplate::new("1", None, None, [pattern]).unwrap())
        .unwrap()
}

#[test]
fn size_limit_at_the_exact_boundary() {
    let xid = "myCommon_10";
    for qos in [QoS::AtMostOnce, QoS::AtLeastOnce, QoS::ExactlyOnce] {
        let max = max_payload_len("s/ut/myCommon_10", qos);
        let fits = collection_of_len(xid, max);
        assert_eq!(fits.creation_payload(qos).unwrap().len(), max);
        let err = collection_of_len(xid, max + 1).creation_payload(qos).unwrap_err();
        match err {
            CollectionError::TooLarge { xid: x, error } => {
                assert_eq!(x, xid);
                assert_eq!(error.size, MAX_PACKET_SIZE + 1);
                assert_eq!(error.limit, MAX_PACKET_SIZE);
            }
            other => panic!("{other:?}"),
        }
    }
    // 16184 = fixed header 1 + remaining length 2 + topic length 2 + topic 16 + packet id 2.
    assert_eq!(max_payload_len("s/ut/myCommon_10", QoS::AtLeastOnce), 16_184 - 23);
    // The topic counts: a longer X-ID leaves less room.
    let max = max_payload_len("s/ut/myCommon_10", QoS::AtLeastOnce);
    assert!(
        collection_of_len("myCommon_10_", max)
            .creation_payload(QoS::AtLeastOnce)
            .is_err()
    );
    // At QoS 0 there is no packet id: two more bytes fit.
    assert!(
        collection_of_len(xid, max + 2)
            .creation_payload(QoS::AtMostOnce)
            .is_ok()
    );
}

// --- properties --------------------------------------------------------------------------------

fn any_text() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9 ,\"\n._$*\\[\\]é]{1,12}"
}

fn any_slot() -> impl Strategy<Value = Slot> {
    prop_oneof![Just(Slot::AtUse), any_text().prop_map(Slot::Fixed)]
}

fn any_request() -> impl Strategy<Value = Request> {
    let lookup = prop_oneof![
        Just(InventoryLookup::ById),
        any_slot().prop_map(|id_type| InventoryLookup::ByExternalId { id_type })
    ];
    prop_oneof![
        (any_slot(), any_slot()).prop_map(|(t, x)| Request::EventPost {
            event_type: t,
            text: x,
            time: Slot::AtUse
        }),
        any_slot().prop_map(|t| Request::MeasurementPost {
            measurement_type: t,
            time: Slot::AtUse
        }),
        any_slot().prop_map(|t| Request::InventoryPost { external_id_type: t }),
        lookup.clone().prop_map(|lookup| Request::InventoryGet { lookup }),
        lookup.prop_map(|lookup| Request::InventoryPut { lookup }),
        any_slot().prop_map(|t| Request::AlarmPut { alarm_type: t }),
        any_slot().prop_map(|t| Request::OperationPut { fragment: t }),
    ]
}

proptest! {
    #[test]
    fn built_request_templates_round_trip(
        request in any_request(),
        response in proptest::option::of(any::<bool>()),
        custom in proptest::collection::vec((any_text(), any_slot()), 0..4),
    ) {
        let mut t = RequestTemplate::new("42", request).unwrap();
        if let Some(r) = response {
            t = t.with_response(r);
        }
        if t.request().takes_custom_values() {
            for (path, value) in custom {
                t = t.with_custom_value(CustomValue { path, value_type: ValueType::String, value }).unwrap();
            }
        }
        let row = t.to_row();
        let parsed = RequestTemplate::from_record(&record(&row)).unwrap();
        prop_assert_eq!(&parsed, &t);
        prop_assert_eq!(parsed.to_row(), row);
    }

    #[test]
    fn string_use_lines_round_trip(values in proptest::collection::vec("[a-z ,\"\n]{0,8}", 0..4)) {
        let mut t = RequestTemplate::new("7", Request::OperationPut { fragment: Slot::text("c8y_X") }).unwrap();
        for i in 0..values.len() {
            t = t.with_custom_value(CustomValue::at_use(format!("v{i}"), ValueType::String)).unwrap();
        }
        let line = t.use_line(&values).unwrap().to_row();
        let bound = t.read_use_line(&record(&line)).unwrap();
        let got: Vec<String> = bound.iter().map(|b| b.value.as_ref().map(|v| v.to_string()).unwrap_or_default()).collect();
        prop_assert_eq!(got, values);
    }

    #[test]
    fn response_templates_round_trip(
        base in proptest::option::of(any_text()),
        condition in proptest::option::of(any_text()),
        patterns in proptest::collection::vec(any_text(), 1..5),
    ) {
        let t = ResponseTemplate::new("8", base.as_deref(), condition.as_deref(), patterns).unwrap();
        let row = t.to_row();
        prop_assert_eq!(ResponseTemplate::from_record(&record(&row)).unwrap(), t);
    }
}
