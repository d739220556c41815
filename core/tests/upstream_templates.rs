//! Upstream static templates seen from outside the crate: every template through the
//! [`Upstream`] enum (exact bytes both ways), every documented upstream example line,
//! parse errors with their exact values, and splitting at the exact packet boundary.

use c8y_mqtt::QoS;
use c8y_mqtt::smartrest::{
    FieldError, FieldErrorKind, MAX_PACKET_SIZE, Record, decode, max_payload_len, publish_packet_size,
};
use c8y_mqtt::templates::upstream::*;
use c8y_mqtt::templates::{TemplateError, UpstreamTemplate};
use c8y_mqtt::value::{Number, Severity, Timestamp};

fn record(line: &str) -> Record {
    let mut rows = decode(line.as_bytes()).unwrap();
    assert_eq!(rows.len(), 1, "{line:?} is not one row");
    rows.remove(0)
}

fn parse(line: &str) -> Result<Upstream, TemplateError> {
    Upstream::parse(&record(line))
}

fn number(text: &str) -> Number {
    text.parse().unwrap()
}

fn time(text: &str) -> Timestamp {
    text.parse().unwrap()
}

fn field_error(template: u16, position: usize, name: &'static str, kind: FieldErrorKind) -> TemplateError {
    TemplateError::Field {
        template,
        error: FieldError { position, name, kind },
    }
}

/// One value of every upstream template with the exact row it renders.
fn every_template() -> Vec<(Upstream, &'static str)> {
    let t = time("2022-03-19T12:03:27.845Z");
    vec![
        (
            DeviceCreation::new()
                .with_name("My device")
                .with_device_type("c8y_MQTTDevice")
                .into(),
            "100,My device,c8y_MQTTDevice",
        ),
        (
            ChildDeviceCreation::new("child1")
                .unwrap()
                .with_name("Child 1")
                .with_device_type("c8y_MQTTChildDevice")
                .with_is_device(true)
                .into(),
            "101,child1,Child 1,c8y_MQTTChildDevice,true",
        ),
        (
            ServiceCreation::new("myDatabaseDevice", "systemd", "DatabaseService", "up")
                .unwrap()
                .into(),
            "102,myDatabaseDevice,systemd,DatabaseService,up",
        ),
        (ServiceStatusUpdate::new("down").unwrap().into(), "104,down"),
        (GetChildDevices.into(), "105"),
        (
            ClearDeviceFragments::new(["c8y_Position", "c8y_Mobile"])
                .unwrap()
                .into(),
            "107,c8y_Position,c8y_Mobile",
        ),
        (
            Hardware::new()
                .with_serial_number("1234")
                .with_model("Model X")
                .with_revision("1.0")
                .into(),
            "110,1234,Model X,1.0",
        ),
        (
            Mobile::new()
                .with_imei("356938035643809")
                .with_iccid("8991101200003204510")
                .with_cell_id("2F2B")
                .into(),
            "111,356938035643809,8991101200003204510,,,,,2F2B",
        ),
        (
            Position::new()
                .with_latitude(number("52.52"))
                .with_longitude(number("13.405"))
                .with_altitude(34)
                .with_accuracy(5)
                .into(),
            "112,52.52,13.405,34,5",
        ),
        (Configuration::new("a=1\nb=2").into(), "113,\"a=1\nb=2\""),
        (
            SupportedOperations::new(["c8y_Restart", "c8y_Command"])
                .unwrap()
                .into(),
            "114,c8y_Restart,c8y_Command",
        ),
        (
            Firmware::new()
                .with_name("image")
                .with_version("1.2")
                .with_url("https://x.example/fw")
                .into(),
            "115,image,1.2,https://x.example/fw",
        ),
        (
            SoftwareList::new([SoftwareListItem::new("nginx")
                .unwrap()
                .with_version("1.18")
                .with_url("https://x.example/nginx")])
            .into(),
            "116,nginx,1.18,https://x.example/nginx",
        ),
        (RequiredAvailability::new(60).into(), "117,60"),
        (
            SupportedLogs::new(["syslog", "dmesg"]).unwrap().into(),
            "118,syslog,dmesg",
        ),
        (
            SupportedConfigurations::new(["ssh-config"]).unwrap().into(),
            "119,ssh-config",
        ),
        (
            CurrentConfiguration::new("ssh-config", "https://x.example/cfg")
                .unwrap()
                .with_file_name("sshd_config")
                .with_time(t.clone())
                .into(),
            "120,ssh-config,https://x.example/cfg,sshd_config,2022-03-19T12:03:27.845Z",
        ),
        (
            DeviceProfileApplied::new(true).with_profile_id("8012").into(),
            "121,true,8012",
        ),
        (
            AgentInformation::new("thin-edge.io", "1.0.0", "Thin Edge")
                .unwrap()
                .with_url("https://thin-edge.io")
                .into(),
            "122,thin-edge.io,1.0.0,https://thin-edge.io,Thin Edge",
        ),
        (GetManagedObjectId.into(), "123"),
        (Heartbeat.into(), "125"),
        (
            AdvancedSoftwareList::new([
                AdvancedSoftwareItem::new("nginx", "1.18")
                    .unwrap()
                    .with_software_type("apt"),
                AdvancedSoftwareItem::new("app", "2.0").unwrap(),
            ])
            .into(),
            "140,nginx,1.18,apt,,app,2.0",
        ),
        (
            AppendAdvancedSoftware::new([AdvancedSoftwareItem::new("vim", "9.0")
                .unwrap()
                .with_url("https://x.example/vim")])
            .unwrap()
            .into(),
            "141,vim,9.0,,https://x.example/vim",
        ),
        (
            RemoveAdvancedSoftware::new([SoftwareRemovalItem::new("vim", "9.0").unwrap()])
                .unwrap()
                .into(),
            "142,vim,9.0",
        ),
        (
            SupportedSoftwareTypes::new(["apt", "docker"]).unwrap().into(),
            "143,apt,docker",
        ),
        (
            RemoteAccessProtocols::new(["SSH", "PASSTHROUGH"]).unwrap().into(),
            "150,SSH,PASSTHROUGH",
        ),
        (
            CustomMeasurement::new("c8y_Temperature", "T", number("25.3"))
                .unwrap()
                .with_unit("C")
                .with_time(t.clone())
                .into(),
            "200,c8y_Temperature,T,25.3,C,2022-03-19T12:03:27.845Z",
        ),
        (
            MultiSeriesMeasurement::new(
                "Reading",
                [
                    MeasurementSeries::new("f", "a", 1).unwrap().with_unit("kWh"),
                    MeasurementSeries::new("f", "b", number("2.50")).unwrap(),
                ],
            )
            .unwrap()
            .into(),
            "201,Reading,,f,a,1,kWh,f,b,2.50",
        ),
        (
            SignalStrength::from_rssi(-90)
                .with_ber(number("0.1"))
                .with_time(t.clone())
                .into(),
            "210,-90,0.1,2022-03-19T12:03:27.845Z",
        ),
        (Temperature::new(number("21.5")).into(), "211,21.5"),
        (
            Battery::new(87).with_time(t.clone()).into(),
            "212,87,2022-03-19T12:03:27.845Z",
        ),
        (
            CriticalAlarm::new("c8y_TemperatureAlarm")
                .unwrap()
                .with_text("Too hot, really")
                .into(),
            "301,c8y_TemperatureAlarm,\"Too hot, really\"",
        ),
        (
            MajorAlarm::new("c8y_BatteryAlarm")
                .unwrap()
                .with_time(t.clone())
                .into(),
            "302,c8y_BatteryAlarm,,2022-03-19T12:03:27.845Z",
        ),
        (
            MinorAlarm::new("c8y_DoorAlarm")
                .unwrap()
                .with_text("Door open")
                .into(),
            "303,c8y_DoorAlarm,Door open",
        ),
        (WarningAlarm::new("c8y_Fan").unwrap().into(), "304,c8y_Fan"),
        (
            AlarmSeverityUpdate::new("c8y_TemperatureAlarm", Severity::Minor)
                .unwrap()
                .into(),
            "305,c8y_TemperatureAlarm,MINOR",
        ),
        (
            ClearAlarm::new("c8y_TemperatureAlarm").unwrap().into(),
            "306,c8y_TemperatureAlarm",
        ),
        (
            ClearAlarmFragments::new("c8y_TemperatureAlarm", ["c8y_Details"])
                .unwrap()
                .into(),
            "307,c8y_TemperatureAlarm,c8y_Details",
        ),
        (
            Event::new("c8y_MyEvent", "Something happened")
                .unwrap()
                .with_time(t.clone())
                .into(),
            "400,c8y_MyEvent,Something happened,2022-03-19T12:03:27.845Z",
        ),
        (
            LocationUpdate::new()
                .with_latitude(number("52.52"))
                .with_longitude(number("13.405"))
                .with_time(t.clone())
                .into(),
            "401,52.52,13.405,,,2022-03-19T12:03:27.845Z",
        ),
        (
            LocationUpdateWithDevice::new()
                .with_latitude(number("52.52"))
                .with_longitude(number("13.405"))
                .with_altitude(34)
                .with_accuracy(10)
                .into(),
            "402,52.52,13.405,34,10",
        ),
        (
            ClearEventFragments::new("c8y_MyEvent", ["c8y_Details"])
                .unwrap()
                .into(),
            "407,c8y_MyEvent,c8y_Details",
        ),
        (
            DeviceParameterUpdate::new([
                DeviceParameter::new("c8y_RelayStatus.left", "BOOLEAN", "true").unwrap()
            ])
            .unwrap()
            .into(),
            "408,,,,c8y_RelayStatus.left,BOOLEAN,true",
        ),
        (GetPendingOperations.into(), "500"),
        (
            SetExecuting::new("c8y_Restart").unwrap().into(),
            "501,c8y_Restart",
        ),
        (
            SetFailed::new("c8y_Command")
                .unwrap()
                .with_failure_reason("not implemented")
                .into(),
            "502,c8y_Command,not implemented",
        ),
        (
            SetSuccessful::new("c8y_Command")
                .unwrap()
                .with_parameter("hi")
                .into(),
            "503,c8y_Command,hi",
        ),
        (SetExecutingById::new("1234").unwrap().into(), "504,1234"),
        (
            SetFailedById::new("1234")
                .unwrap()
                .with_failure_reason("timeout")
                .into(),
            "505,1234,timeout",
        ),
        (
            SetSuccessfulById::new("1234")
                .unwrap()
                .with_parameter("done, really")
                .into(),
            "506,1234,\"done, really\"",
        ),
        (
            FailAllExecuting::new()
                .with_fragment("c8y_Restart")
                .with_failure_reason("agent restarted")
                .into(),
            "507,c8y_Restart,agent restarted",
        ),
    ]
}

#[test]
fn every_template_renders_and_parses_exactly() {
    let cases = every_template();
    let ids: Vec<u16> = cases.iter().map(|(up, _)| up.template_id()).collect();
    assert_eq!(ids, Upstream::TEMPLATE_IDS, "one case per template, in order");
    for (value, line) in cases {
        assert_eq!(value.to_row(), line);
        assert_eq!(record(line).id(), value.template_id().to_string());
        assert_eq!(parse(line).as_ref(), Ok(&value), "{line}");
        assert_eq!(
            value.to_payloads("s/us", QoS::AtLeastOnce).unwrap(),
            [line],
            "{line}"
        );
    }
}

/// The multi-series example of §5.3.
const KAMSTRUP: &str = "201,KamstrupA220Reading,2022-03-19T12:03:27.845Z,c8y_SinglePhaseEnergyMeasurement,A+:1,1234,kWh,c8y_SinglePhaseEnergyMeasurement,A-:1,2345,kWh";

/// The second 408 example of §5.5; docs/protocol.md elides its end ("…"), completed here with the
/// right relay.
const RELAYS_FLAGGED: &str =
    "408,,,true,c8y_RelayStatus.left,BOOLEAN,false,c8y_RelayStatus.right,BOOLEAN,true";

/// Documented upstream lines that decode and render back byte for byte.
const REFERENCE_LINES: &[&str] = &[
    "100,\"This value, needs escaping\",This value does not need escaping",
    "100,My device,c8y_MQTTDevice",
    "100",
    "102,myDatabaseDevice,systemd,DatabaseService,up",
    "110,1234,Model X,1.0",
    "114,c8y_Restart,c8y_Command",
    "117,60",
    "121,false",
    "121,true",
    "123",
    "125",
    "150,ssh,vnc",
    "150,SSH,PASSTHROUGH",
    "200,c8y_Temperature,T,25.3,C",
    KAMSTRUP,
    "211,21.5",
    "301,c8y_TemperatureAlarm,\"Too hot, really\"",
    "408,,,,c8y_RelayStatus.left,BOOLEAN,true,c8y_RelayStatus.right,BOOLEAN,false",
    RELAYS_FLAGGED,
    "500",
    "501,c8y_Command",
    "501,c8y_Restart",
    "501,c8y_LogfileRequest",
    "503,c8y_Restart",
    "507",
];

#[test]
fn reference_lines_round_trip_exactly() {
    for line in REFERENCE_LINES {
        let parsed = parse(line).unwrap_or_else(|e| panic!("{line}: {e}"));
        assert_eq!(parsed.to_row(), *line);
    }
}

/// Documented lines that quote a field needing no quotes. The platform reads both forms the same,
/// and our encoder quotes only where SmartREST needs it (§4.2), so the rendering is unquoted; the
/// advice of docs/protocol.md §11.7 to quote free text is about fields that may hold commas,
/// which the encoder does quote.
#[test]
fn needlessly_quoted_reference_lines_parse_and_render_unquoted() {
    let cases = [
        ("503,c8y_Command,\"hi\"", "503,c8y_Command,hi"),
        (
            "503,c8y_LogfileRequest,\"https://t.example/event/events/157700/binaries\"",
            "503,c8y_LogfileRequest,https://t.example/event/events/157700/binaries",
        ),
        (
            "400,c8y_ConnectionEvent,\"Device connection was lost.\"",
            "400,c8y_ConnectionEvent,Device connection was lost.",
        ),
        (
            "502,c8y_Custom,\"not implemented\"",
            "502,c8y_Custom,not implemented",
        ),
        ("506,1234,\"<command output>\"", "506,1234,<command output>"),
        ("100,,", "100"),
    ];
    for (line, rendered) in cases {
        let parsed = parse(line).unwrap_or_else(|e| panic!("{line}: {e}"));
        assert_eq!(parsed.to_row(), rendered, "{line}");
        assert_eq!(parse(rendered).unwrap(), parsed, "{rendered}");
    }

    let Upstream::SetSuccessful(command) = parse("503,c8y_Command,\"hi\"").unwrap() else {
        panic!("not a 503");
    };
    assert_eq!(command.fragment(), "c8y_Command");
    assert_eq!(command.parameters(), ["hi"]);

    let Upstream::SetSuccessfulById(output) = parse("506,1234,\"<command output>\"").unwrap() else {
        panic!("not a 506");
    };
    assert_eq!(output.operation_id(), "1234");
    assert_eq!(output.parameters(), ["<command output>"]);

    let Upstream::Event(will) = parse("400,c8y_ConnectionEvent,\"Device connection was lost.\"").unwrap()
    else {
        panic!("not a 400");
    };
    assert_eq!(will.event_type(), "c8y_ConnectionEvent");
    assert_eq!(will.text(), "Device connection was lost.");
}

#[test]
fn reference_transcript_payloads_parse() {
    // §11.11: one publish with three rows.
    let rows = decode(b"110,1234,Model X,1.0\n117,60\n114,c8y_Restart,c8y_Command").unwrap();
    let parsed: Vec<Upstream> = rows.iter().map(|r| Upstream::parse(r).unwrap()).collect();
    assert_eq!(
        parsed,
        [
            Upstream::from(
                Hardware::new()
                    .with_serial_number("1234")
                    .with_model("Model X")
                    .with_revision("1.0")
            ),
            Upstream::from(RequiredAvailability::new(60)),
            Upstream::from(SupportedOperations::new(["c8y_Restart", "c8y_Command"]).unwrap()),
        ]
    );
    assert_eq!(
        parse("999,I made this up"),
        Err(TemplateError::UnknownTemplate { id: "999".into() })
    );
    let Upstream::Temperature(temperature) = parse("211,21.5").unwrap() else {
        panic!("not a 211");
    };
    assert_eq!(temperature.value().as_str(), "21.5");
    assert_eq!(temperature.time(), None);
}

#[test]
fn the_reference_multi_series_example_is_typed() {
    let Upstream::MultiSeriesMeasurement(m) = parse(KAMSTRUP).unwrap() else {
        panic!("not a 201");
    };
    assert_eq!(m.measurement_type(), "KamstrupA220Reading");
    assert_eq!(m.time(), Some(&time("2022-03-19T12:03:27.845Z")));
    let series: Vec<_> = m
        .series()
        .iter()
        .map(|s| (s.fragment(), s.series(), s.value().as_str(), s.unit()))
        .collect();
    assert_eq!(
        series,
        [
            ("c8y_SinglePhaseEnergyMeasurement", "A+:1", "1234", Some("kWh")),
            ("c8y_SinglePhaseEnergyMeasurement", "A-:1", "2345", Some("kWh")),
        ]
    );
}

#[test]
fn the_reference_parameter_update_examples_are_typed() {
    let Upstream::DeviceParameterUpdate(update) = parse(RELAYS_FLAGGED).unwrap() else {
        panic!("not a 408");
    };
    assert_eq!(update.leading_fields(), [None, None, Some("true")]);
    let params: Vec<_> = update
        .parameters()
        .iter()
        .map(|p| (p.path(), p.value_type(), p.value()))
        .collect();
    assert_eq!(
        params,
        [
            ("c8y_RelayStatus.left", "BOOLEAN", "false"),
            ("c8y_RelayStatus.right", "BOOLEAN", "true"),
        ]
    );
}

#[test]
fn free_text_is_quoted_and_escaped() {
    let text = "Line 1, with \"quotes\"\nLine 2\twith a tab";
    let cases: Vec<(Upstream, String)> = vec![
        (
            Event::new("c8y_Log", text).unwrap().into(),
            "400,c8y_Log,\"Line 1, with \"\"quotes\"\"\nLine 2\twith a tab\"".to_owned(),
        ),
        (
            SetFailed::new("c8y_Command")
                .unwrap()
                .with_failure_reason(text)
                .into(),
            "502,c8y_Command,\"Line 1, with \"\"quotes\"\"\nLine 2\twith a tab\"".to_owned(),
        ),
        (
            SetSuccessful::new("c8y_Command")
                .unwrap()
                .with_parameter(" leading space")
                .into(),
            "503,c8y_Command,\" leading space\"".to_owned(),
        ),
        (
            DeviceCreation::new().with_name("Pump, north").into(),
            "100,\"Pump, north\"".to_owned(),
        ),
    ];
    for (value, line) in cases {
        assert_eq!(value.to_row(), line);
        assert_eq!(parse(&line).unwrap(), value);
    }
    // The platform's backslash escape reads the same as the doubled quote.
    assert_eq!(
        parse("400,c8y_Log,\"say \\\"hi\\\"\"").unwrap(),
        parse("400,c8y_Log,\"say \"\"hi\"\"\"").unwrap()
    );
}

#[test]
fn parse_errors_carry_template_position_and_kind() {
    assert_eq!(
        parse("103,x"),
        Err(TemplateError::UnknownTemplate { id: "103".into() })
    );
    let missing = parse("301").unwrap_err();
    assert_eq!(
        missing,
        field_error(301, 1, "alarm type", FieldErrorKind::Missing)
    );
    assert_eq!(missing.smartrest_code(), 45);
    assert_eq!(
        missing.to_string(),
        "template 301: Missing mandatory field alarm type (field 1)"
    );
    assert_eq!(
        parse("200,c8y_Temperature,T"),
        Err(field_error(200, 3, "value", FieldErrorKind::Missing))
    );
    // An unquoted decimal comma makes a second field, which is no date.
    assert_eq!(
        parse("211,21,5").unwrap_err(),
        field_error(
            211,
            2,
            "time",
            FieldErrorKind::Invalid {
                expected: "DATE",
                value: "5".into()
            }
        )
    );
    assert_eq!(
        parse("212,ninety"),
        Err(field_error(
            212,
            1,
            "value",
            FieldErrorKind::Invalid {
                expected: "NUMBER",
                value: "ninety".into()
            }
        ))
    );
    assert_eq!(
        parse("400,c8y_MyEvent,text,2022-13-01T00:00:00Z")
            .unwrap_err()
            .to_string(),
        "template 400: Value is not a DATE: 2022-13-01T00:00:00Z (time at field 3)"
    );
    assert_eq!(
        parse("117,sixty"),
        Err(field_error(
            117,
            1,
            "interval",
            FieldErrorKind::Invalid {
                expected: "INTEGER",
                value: "sixty".into()
            }
        ))
    );
    assert_eq!(
        parse("121,maybe"),
        Err(field_error(
            121,
            1,
            "profile executed",
            FieldErrorKind::Invalid {
                expected: "BOOLEAN",
                value: "maybe".into()
            }
        ))
    );
    let extra = parse("306,c8y_TemperatureAlarm,extra,more").unwrap_err();
    assert_eq!(
        extra,
        field_error(306, 2, "", FieldErrorKind::Unexpected { count: 2 })
    );
    assert_eq!(
        extra.to_string(),
        "template 306: Wrong number of arguments: 2 unexpected from field 2"
    );
    assert_eq!(
        parse("501,c8y_Restart,oops"),
        Err(field_error(501, 2, "", FieldErrorKind::Unexpected { count: 1 }))
    );
}

#[test]
fn trailing_empty_fields_are_accepted() {
    for (line, rendered) in [
        ("306,c8y_TemperatureAlarm,,,", "306,c8y_TemperatureAlarm"),
        ("211,21.5,", "211,21.5"),
        ("110,1234,,,,", "110,1234"),
        ("105,", "105"),
        ("201,Reading,,f,a,1,,,", "201,Reading,,f,a,1"),
        ("140,a,1.0,,,", "140,a,1.0"),
        ("114,c8y_Restart,,", "114,c8y_Restart"),
    ] {
        assert_eq!(parse(line).unwrap().to_row(), rendered, "{line}");
    }
}

// ---------------------------------------------------------------------------------------------
// Packet limits
// ---------------------------------------------------------------------------------------------

const TOPIC: &str = "s/us";
const QOS: QoS = QoS::AtLeastOnce;

fn limit() -> usize {
    max_payload_len(TOPIC, QOS)
}

fn software(name: &str) -> AdvancedSoftwareItem {
    AdvancedSoftwareItem::new(name, "1.0").unwrap()
}

/// Names `pkg00000`, `pkg00001`, … (all of one width, so each adds the same length), the last
/// one padded so that `render(names)` is exactly `target` bytes long.
fn names_filling(target: usize, render: impl Fn(&[String]) -> usize) -> Vec<String> {
    let name = |i: usize| format!("pkg{i:05}");
    let one = render(&[name(0)]);
    let step = render(&[name(0), name(1)]) - one;
    let count = (target - one) / step + 1;
    let mut names: Vec<String> = (0..count).map(name).collect();
    let len = render(&names);
    names.last_mut().unwrap().push_str(&"x".repeat(target - len));
    assert_eq!(render(&names), target);
    names
}

fn advanced_list(names: &[String]) -> AdvancedSoftwareList {
    AdvancedSoftwareList::new(names.iter().map(|n| software(n)))
}

#[test]
fn a_140_list_that_exactly_fits_stays_one_packet() {
    let names = names_filling(limit(), |names| advanced_list(names).to_row().len());
    let list = advanced_list(&names);
    let payloads = list.to_payloads(TOPIC, QOS).unwrap();
    assert_eq!(payloads, [list.to_row()]);
    assert_eq!(
        publish_packet_size(TOPIC, payloads[0].len(), QOS),
        MAX_PACKET_SIZE
    );
}

#[test]
fn one_more_item_splits_140_into_140_and_141() {
    let mut names = names_filling(limit(), |names| advanced_list(names).to_row().len());
    let full = advanced_list(&names).to_row();
    names.push("extra".into());
    let payloads = advanced_list(&names).to_payloads(TOPIC, QOS).unwrap();
    assert_eq!(payloads, [full, "141,extra,1.0".to_owned()]);
}

#[test]
fn a_long_140_list_becomes_full_140_and_141_rows() {
    let items: Vec<AdvancedSoftwareItem> = (0..3000)
        .map(|i| {
            let item = software(&format!("package-{i}"));
            match i % 3 {
                0 => item.with_software_type("apt"),
                1 => item.with_url(format!("https://x.example/{i}")),
                _ => item,
            }
        })
        .collect();
    let list = AdvancedSoftwareList::new(items.clone());
    let payloads = Upstream::from(list).to_payloads(TOPIC, QOS).unwrap();
    assert!(payloads.len() >= 3, "{}", payloads.len());

    let mut seen = Vec::new();
    for (i, payload) in payloads.iter().enumerate() {
        assert!(payload.len() <= limit());
        assert!(!payload.contains('\n'), "one row per packet");
        let count_before = seen.len();
        match parse(payload).unwrap() {
            Upstream::AdvancedSoftwareList(part) if i == 0 => seen.extend_from_slice(part.items()),
            Upstream::AppendAdvancedSoftware(part) if i > 0 => seen.extend_from_slice(part.items()),
            other => panic!("payload {i} is template {}", other.template_id()),
        }
        // As full as fits: the next item would not have fitted.
        if let Some(next) = items.get(seen.len()) {
            let mut with_next = seen[count_before..].to_vec();
            with_next.push(next.clone());
            let row = if i == 0 {
                AdvancedSoftwareList::new(with_next).to_row()
            } else {
                AppendAdvancedSoftware::new(with_next).unwrap().to_row()
            };
            assert!(row.len() > limit(), "payload {i} could hold one more item");
        }
    }
    assert_eq!(seen, items);
}

#[test]
fn append_and_remove_split_into_their_own_template() {
    let items: Vec<AdvancedSoftwareItem> = (0..2000).map(|i| software(&format!("package-{i}"))).collect();
    let append = AppendAdvancedSoftware::new(items.clone()).unwrap();
    let payloads = append.to_payloads(TOPIC, QOS).unwrap();
    assert!(payloads.len() >= 2);
    assert!(
        payloads
            .iter()
            .all(|p| p.starts_with("141,") && p.len() <= limit())
    );
    let mut seen = Vec::new();
    for p in &payloads {
        seen.extend_from_slice(AppendAdvancedSoftware::from_record(&record(p)).unwrap().items());
    }
    assert_eq!(seen, items);

    let removals: Vec<SoftwareRemovalItem> = (0..2000)
        .map(|i| SoftwareRemovalItem::new(format!("package-{i}"), "1.0").unwrap())
        .collect();
    let payloads = RemoveAdvancedSoftware::new(removals.clone())
        .unwrap()
        .to_payloads(TOPIC, QOS)
        .unwrap();
    assert!(payloads.len() >= 2);
    let mut seen = Vec::new();
    for p in &payloads {
        assert!(p.starts_with("142,") && p.len() <= limit());
        seen.extend_from_slice(RemoveAdvancedSoftware::from_record(&record(p)).unwrap().items());
    }
    assert_eq!(seen, removals);
}

#[test]
fn a_142_list_that_exactly_fits_stays_one_packet_and_one_more_splits() {
    let render = |names: &[String]| {
        RemoveAdvancedSoftware::new(names.iter().map(|n| SoftwareRemovalItem::new(n, "1").unwrap())).unwrap()
    };
    let mut names = names_filling(limit(), |names| render(names).to_row().len());
    let full = render(&names);
    assert_eq!(full.to_payloads(TOPIC, QOS).unwrap(), [full.to_row()]);
    names.push("z".into());
    assert_eq!(
        render(&names).to_payloads(TOPIC, QOS).unwrap(),
        [full.to_row(), "142,z,1".to_owned()]
    );
}

#[test]
fn fragment_removals_split_into_rows_of_the_same_template() {
    let fragments: Vec<String> = (0..3000).map(|i| format!("c8y_Fragment{i}")).collect();

    let device = ClearDeviceFragments::new(fragments.clone()).unwrap();
    let payloads = device.to_payloads(TOPIC, QOS).unwrap();
    assert!(payloads.len() >= 2);
    let mut seen = Vec::new();
    for p in &payloads {
        assert!(p.len() <= limit());
        seen.extend_from_slice(ClearDeviceFragments::from_record(&record(p)).unwrap().fragments());
    }
    assert_eq!(seen, fragments);

    let alarm = ClearAlarmFragments::new("c8y_TemperatureAlarm", fragments.clone()).unwrap();
    let payloads = alarm.to_payloads(TOPIC, QOS).unwrap();
    assert!(payloads.len() >= 2);
    let mut seen = Vec::new();
    for p in &payloads {
        assert!(p.starts_with("307,c8y_TemperatureAlarm,c8y_Fragment"));
        assert!(p.len() <= limit());
        seen.extend_from_slice(ClearAlarmFragments::from_record(&record(p)).unwrap().fragments());
    }
    assert_eq!(seen, fragments);

    let event = ClearEventFragments::new("c8y_MyEvent", fragments.clone()).unwrap();
    let payloads = event.to_payloads(TOPIC, QOS).unwrap();
    assert!(payloads.len() >= 2);
    let mut seen = Vec::new();
    for p in &payloads {
        assert!(p.starts_with("407,c8y_MyEvent,c8y_Fragment"));
        assert!(p.len() <= limit());
        seen.extend_from_slice(ClearEventFragments::from_record(&record(p)).unwrap().fragments());
    }
    assert_eq!(seen, fragments);
}

#[test]
fn a_307_list_that_exactly_fits_stays_one_packet_and_one_more_splits() {
    let render = |names: &[String]| ClearAlarmFragments::new("c8y_A", names.iter()).unwrap();
    let mut names = names_filling(limit(), |names| render(names).to_row().len());
    let full = render(&names);
    assert_eq!(full.to_payloads(TOPIC, QOS).unwrap(), [full.to_row()]);
    names.push("z".into());
    assert_eq!(
        render(&names).to_payloads(TOPIC, QOS).unwrap(),
        [full.to_row(), "307,c8y_A,z".to_owned()]
    );
}

#[test]
fn the_limit_depends_on_topic_and_qos() {
    let names = names_filling(limit(), |names| advanced_list(names).to_row().len());
    let list = advanced_list(&names);
    // A child's topic is longer: the same list no longer fits in one packet.
    assert_eq!(list.to_payloads("s/us/child1", QOS).unwrap().len(), 2);
    // QoS 0 has no packet id: two bytes to spare.
    assert_eq!(list.to_payloads(TOPIC, QoS::AtMostOnce).unwrap().len(), 1);
}

#[test]
fn an_item_too_large_for_any_packet_is_an_error() {
    let huge = software(&"n".repeat(limit()));
    assert_eq!(
        AdvancedSoftwareList::new([software("a"), huge.clone()]).to_payloads(TOPIC, QOS),
        Err(TemplateError::TooLarge {
            template: 141,
            size: publish_packet_size(TOPIC, 4 + limit() + 4, QOS),
            limit: MAX_PACKET_SIZE
        })
    );
}

/// Whole-list templates one byte over the limit: each must refuse, and fit when one byte shorter.
#[test]
fn whole_list_templates_over_the_limit_are_too_large() {
    type Build = fn(&[String]) -> Upstream;
    let builders: [(u16, Build); 7] = [
        (114, |n| SupportedOperations::new(n.iter()).unwrap().into()),
        (116, |n| {
            SoftwareList::new(
                n.iter()
                    .map(|n| SoftwareListItem::new(n).unwrap().with_version("1")),
            )
            .into()
        }),
        (118, |n| SupportedLogs::new(n.iter()).unwrap().into()),
        (119, |n| SupportedConfigurations::new(n.iter()).unwrap().into()),
        (143, |n| SupportedSoftwareTypes::new(n.iter()).unwrap().into()),
        (150, |n| RemoteAccessProtocols::new(n.iter()).unwrap().into()),
        (201, |n| {
            MultiSeriesMeasurement::new(
                "Reading",
                n.iter()
                    .map(|n| MeasurementSeries::new("f", n, 1).unwrap().with_unit("kWh")),
            )
            .unwrap()
            .into()
        }),
    ];
    for (id, build) in builders {
        let fits = names_filling(limit(), |n| build(n).to_row().len());
        let value = build(&fits);
        assert_eq!(value.template_id(), id);
        assert_eq!(value.to_payloads(TOPIC, QOS).unwrap(), [value.to_row()], "{id}");

        let mut over = fits.clone();
        if let Some(last) = over.last_mut() {
            last.push('x');
        }
        assert_eq!(
            build(&over).to_payloads(TOPIC, QOS),
            Err(TemplateError::TooLarge {
                template: id,
                size: MAX_PACKET_SIZE + 1,
                limit: MAX_PACKET_SIZE
            }),
            "{id}"
        );
    }
}

#[test]
fn single_row_templates_over_the_limit_are_too_large() {
    let text = "t".repeat(limit());
    let err = Event::new("c8y_Log", text)
        .unwrap()
        .to_payloads(TOPIC, QOS)
        .unwrap_err();
    assert!(matches!(err, TemplateError::TooLarge { template: 400, .. }));
    assert_eq!(err.smartrest_code(), 45);
}
