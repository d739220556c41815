//! Tests of the downstream lines: every documented downstream example (and of the
//! Cumulocity pages it cites) as exact bytes, both ways where the direction applies; payloads
//! with several rows; unknown and malformed rows; redaction of secrets.

use proptest::prelude::*;

use super::*;
use crate::smartrest::{DecodeErrorKind, FieldErrorKind, decode};
use crate::value::Timestamp;

/// Parses a payload that must hold exactly one row.
fn one<T: DownstreamLine>(payload: &str) -> Result<T, DownstreamError> {
    let mut rows = parse_payload::<T>(payload.as_bytes());
    assert_eq!(rows.len(), 1, "{payload:?}");
    rows.remove(0)
}

/// Parses `line` as `expected` and renders both the parsed and the expected value back to
/// exactly `line`.
fn exact<T: DownstreamLine + PartialEq + fmt::Debug>(line: &str, expected: T) {
    let parsed = one::<T>(line).unwrap_or_else(|e| panic!("{line:?}: {e}"));
    assert_eq!(parsed, expected, "{line:?}");
    assert_eq!(parsed.to_row(), line);
    assert_eq!(expected.to_row(), line);
}

/// An `s/ds` line that must be the operation `kind` for `DeviceSerial`, byte for byte.
fn exact_op(line: &str, kind: OperationKind) {
    exact(
        line,
        StaticDownstream::Operation(Operation::new("DeviceSerial", kind)),
    );
}

fn op(line: &str) -> Operation {
    match one::<StaticDownstream>(line) {
        Ok(StaticDownstream::Operation(op)) => op,
        other => panic!("{line:?}: {other:?}"),
    }
}

fn time(text: &str) -> Timestamp {
    text.parse().unwrap()
}

fn s(text: &str) -> String {
    text.to_owned()
}

fn sw(name: &str, version: &str, url: &str, action: SoftwareAction) -> SoftwareUpdateItem {
    SoftwareUpdateItem {
        name: s(name),
        version: s(version),
        url: s(url),
        action,
    }
}

fn typed_sw(
    name: &str,
    version: &str,
    software_type: &str,
    url: &str,
    action: SoftwareAction,
) -> AdvancedSoftwareUpdateItem {
    AdvancedSoftwareUpdateItem {
        name: s(name),
        version: s(version),
        software_type: s(software_type),
        url: s(url),
        action,
    }
}

fn conf(url: &str, config_type: &str) -> ProfileConfiguration {
    ProfileConfiguration {
        url: s(url),
        config_type: s(config_type),
    }
}

fn malformed(result: Result<StaticDownstream, DownstreamError>) -> (Record, FieldError) {
    match result {
        Err(DownstreamError::Malformed {
            channel: Channel::Static,
            record,
            error,
        }) => (record, error),
        other => panic!("expected a malformed row, got {other:?}"),
    }
}

// ---------------------------------------------------------------------------------------------
// Operations, docs/protocol.md §5.7 and the static-template page examples.

#[test]
fn restart_510() {
    exact_op("510,DeviceSerial", OperationKind::Restart);
    assert_eq!(op("510,DeviceSerial").fragment(), "c8y_Restart");
}

#[test]
fn command_511() {
    exact_op(
        "511,DeviceSerial,execute this",
        OperationKind::Command {
            text: s("execute this"),
        },
    );
}

#[test]
fn command_511_with_backslash_escaped_quotes() {
    // docs/protocol.md §11.11: the platform escapes quotes with a backslash.
    let line = r#"511,1234,"echo \"hi\"""#;
    let parsed = op(line);
    assert_eq!(
        parsed,
        Operation::new(
            "1234",
            OperationKind::Command {
                text: s(r#"echo "hi""#)
            }
        )
    );
    // Our encoder doubles the quotes; the result reads back to the same value.
    let rendered = parsed.to_row();
    assert_eq!(rendered, r#"511,1234,"echo ""hi""""#);
    assert_eq!(op(&rendered), parsed);
}

#[test]
fn command_511_with_real_line_breaks_and_escaped_quotes() {
    // docs/protocol.md §4.3, with real LF bytes inside the quoted field.
    let line = "511,myDeviceSerial,\"execute this\nand this\nand \\\"this\\\"\"";
    let parsed = op(line);
    assert_eq!(parsed.device, "myDeviceSerial");
    assert_eq!(
        parsed.kind,
        OperationKind::Command {
            text: s("execute this\nand this\nand \"this\"")
        }
    );
    let rendered = parsed.to_row();
    assert_eq!(
        rendered,
        "511,myDeviceSerial,\"execute this\nand this\nand \"\"this\"\"\""
    );
    assert_eq!(op(&rendered), parsed);

    // thin-edge #1831: the bytes a real platform sent.
    let parsed = op("511,dev,\"echo \\\"hello\\\"\necho \\\"world\\\"\"");
    assert_eq!(
        parsed.kind,
        OperationKind::Command {
            text: s("echo \"hello\"\necho \"world\"")
        }
    );
}

#[test]
fn configuration_513() {
    // The page's example quotes a text with a literal backslash-n, which stays two characters.
    let parsed = op(r#"513,DeviceSerial,"val1=1\nval2=2""#);
    assert_eq!(
        parsed.kind,
        OperationKind::Configuration {
            text: s(r"val1=1\nval2=2")
        }
    );
    assert_eq!(parsed.fragment(), "c8y_Configuration");
    // Nothing in the text needs quotes, so our encoder writes it bare.
    assert_eq!(parsed.to_row(), r"513,DeviceSerial,val1=1\nval2=2");
    exact_op(
        "513,DeviceSerial,\"val1=1\nval2=2\"",
        OperationKind::Configuration {
            text: s("val1=1\nval2=2"),
        },
    );
}

#[test]
fn firmware_515() {
    exact_op(
        "515,DeviceSerial,myFimrware,1.0,http://www.my.url",
        OperationKind::Firmware {
            name: s("myFimrware"),
            version: s("1.0"),
            url: FirmwareUrl::Url(s("http://www.my.url")),
        },
    );
    exact_op(
        "515,DeviceSerial,myFirmware,1.0,$PROVIDED",
        OperationKind::Firmware {
            name: s("myFirmware"),
            version: s("1.0"),
            url: FirmwareUrl::Provided,
        },
    );
    assert_eq!(FirmwareUrl::Provided.url(), None);
    assert_eq!(FirmwareUrl::from("http://x").url(), Some("http://x"));
}

#[test]
fn software_list_516() {
    exact_op(
        "516,DeviceSerial,softwareA,1.0,url1,softwareB,2.0,url2",
        OperationKind::SoftwareList(vec![
            SoftwareListItem {
                name: s("softwareA"),
                version: s("1.0"),
                url: s("url1"),
            },
            SoftwareListItem {
                name: s("softwareB"),
                version: s("2.0"),
                url: s("url2"),
            },
        ]),
    );
    exact_op("516,DeviceSerial", OperationKind::SoftwareList(vec![]));
}

#[test]
fn measurement_request_517() {
    exact_op(
        "517,DeviceSerial,LOGA",
        OperationKind::MeasurementRequest {
            request_name: s("LOGA"),
        },
    );
    assert_eq!(
        op("517,DeviceSerial").fragment(),
        "c8y_MeasurementRequestOperation"
    );
}

#[test]
fn relay_518() {
    exact_op(
        "518,DeviceSerial,OPEN",
        OperationKind::Relay {
            state: RelayState::Open,
        },
    );
    exact_op(
        "518,DeviceSerial,CLOSED",
        OperationKind::Relay {
            state: RelayState::Closed,
        },
    );
    // Unknown words are kept, not rejected.
    exact_op(
        "518,DeviceSerial,CLOSE",
        OperationKind::Relay {
            state: RelayState::Other(s("CLOSE")),
        },
    );
    // The fragment page's example without the device id cannot be read.
    let (record, error) = malformed(one("518,OPEN"));
    assert_eq!(record.fields(), ["518", "OPEN"]);
    assert_eq!((error.position, error.name), (2, "relay state"));
    assert_eq!(error.kind, FieldErrorKind::Missing);
}

#[test]
fn relay_array_519() {
    exact_op(
        "519,DeviceSerial,OPEN,CLOSE,CLOSE,OPEN",
        OperationKind::RelayArray(vec![s("OPEN"), s("CLOSE"), s("CLOSE"), s("OPEN")]),
    );
    assert_eq!(
        op("519,DeviceSerial,OPEN,,CLOSED,").kind,
        OperationKind::RelayArray(vec![s("OPEN"), s(""), s("CLOSED")])
    );
}

#[test]
fn configuration_files_520_521_524_526() {
    exact_op("520,DeviceSerial", OperationKind::UploadConfigFile);
    exact_op(
        "521,DeviceSerial,http://www.my.url",
        OperationKind::DownloadConfigFile {
            url: s("http://www.my.url"),
        },
    );
    exact_op(
        "524,DeviceSerial,http://www.my.url,type",
        OperationKind::DownloadConfigFileTyped {
            url: s("http://www.my.url"),
            config_type: s("type"),
        },
    );
    exact_op(
        "526,DeviceSerial,type",
        OperationKind::UploadConfigFileTyped {
            config_type: s("type"),
        },
    );
    for (line, fragment) in [
        ("520,d", "c8y_UploadConfigFile"),
        ("526,d,t", "c8y_UploadConfigFile"),
        ("521,d,u", "c8y_DownloadConfigFile"),
        ("524,d,u,t", "c8y_DownloadConfigFile"),
    ] {
        assert_eq!(op(line).fragment(), fragment);
    }
}

#[test]
fn logfile_request_522() {
    // docs/protocol.md §5.7: server dates with an offset without colon.
    exact_op(
        "522,DeviceSerial,syslog,2021-09-21T11:40:27+0200,2021-09-22T11:40:27+0200,ERROR,1000",
        OperationKind::LogfileRequest {
            log_file: s("syslog"),
            date_from: time("2021-09-21T11:40:27+0200"),
            date_to: time("2021-09-22T11:40:27+0200"),
            search_text: s("ERROR"),
            maximum_lines: Some(1000),
        },
    );
    exact_op(
        "522,DeviceSerial,logfileA,2013-06-22T17:03:14.000+02:00,2013-06-22T18:03:14.000+02:00,ERROR,1000",
        OperationKind::LogfileRequest {
            log_file: s("logfileA"),
            date_from: time("2013-06-22T17:03:14.000+02:00"),
            date_to: time("2013-06-22T18:03:14.000+02:00"),
            search_text: s("ERROR"),
            maximum_lines: Some(1000),
        },
    );
    // Empty search text is kept as an empty field.
    exact_op(
        "522,DeviceSerial,syslog,2021-09-21T11:40:27Z,2021-09-22T11:40:27Z,,50",
        OperationKind::LogfileRequest {
            log_file: s("syslog"),
            date_from: time("2021-09-21T11:40:27Z"),
            date_to: time("2021-09-22T11:40:27Z"),
            search_text: s(""),
            maximum_lines: Some(50),
        },
    );
    let OperationKind::LogfileRequest { date_from, .. } =
        op("522,D,syslog,2021-09-21T11:40:27+0200,2021-09-22T11:40:27+0200,ERROR,1000").kind
    else {
        panic!()
    };
    assert_eq!(date_from.as_datetime().offset().local_minus_utc(), 7200);

    let (record, error) = malformed(one("522,D,syslog,yesterday,2021-09-22T11:40:27Z,,5"));
    assert_eq!(record.get(3), Some("yesterday"));
    assert_eq!((error.position, error.name), (3, "dateFrom"));
    assert_eq!(
        error.kind,
        FieldErrorKind::Invalid {
            expected: "DATE",
            value: s("yesterday")
        }
    );
    let (_, error) = malformed(one(
        "522,D,syslog,2021-09-21T11:40:27Z,2021-09-22T11:40:27Z,,many",
    ));
    assert_eq!((error.position, error.name), (6, "maximumLines"));
}

#[test]
fn communication_mode_523() {
    exact_op(
        "523,DeviceSerial,SMS",
        OperationKind::CommunicationMode { mode: s("SMS") },
    );
}

#[test]
fn firmware_patch_525() {
    exact_op(
        "525,DeviceSerial,firmwareName,1.0,http://www.my.url,dependency",
        OperationKind::FirmwarePatch {
            name: s("firmwareName"),
            version: s("1.0"),
            url: FirmwareUrl::Url(s("http://www.my.url")),
            dependency: s("dependency"),
        },
    );
    assert_eq!(op("525,D,n,1,u,d").fragment(), "c8y_Firmware");
}

#[test]
fn device_profile_527_all_sections() {
    exact_op(
        "527,DeviceSerial,$FW,firmwareName,1.0,http://www.my.url,true,dependency,$SW,softwareA,1.0,\
         http://www.my.url1,action1,softwareB,2.0,http://www.my.url2,action2,$CONF,http://www.my.url1,type1,\
         http://www.my.url2,type2",
        OperationKind::DeviceProfile(DeviceProfile {
            firmware: Some(ProfileFirmware {
                name: s("firmwareName"),
                version: s("1.0"),
                url: FirmwareUrl::Url(s("http://www.my.url")),
                is_patch: true,
                dependency: Some(s("dependency")),
            }),
            software: vec![
                sw(
                    "softwareA",
                    "1.0",
                    "http://www.my.url1",
                    SoftwareAction::Other(s("action1")),
                ),
                sw(
                    "softwareB",
                    "2.0",
                    "http://www.my.url2",
                    SoftwareAction::Other(s("action2")),
                ),
            ],
            configurations: vec![
                conf("http://www.my.url1", "type1"),
                conf("http://www.my.url2", "type2"),
            ],
        }),
    );
    // The device-profile page's example: not a patch, empty dependency.
    exact_op(
        "527,DeviceSerial,$FW,device_fw,1.0.1,https://cumulocity.com/fw,false,,$SW,curl,2.3.4,\
         http://my.url.com,install,cumulocity_agent,1.2.3,https://cumulocity.com/agent,install,$CONF,\
         http://cumulocity.com/conf,ssh_conf,https://demos.cumulocity.com/inventory/binaries/156719,agent_conf",
        OperationKind::DeviceProfile(DeviceProfile {
            firmware: Some(ProfileFirmware {
                name: s("device_fw"),
                version: s("1.0.1"),
                url: FirmwareUrl::Url(s("https://cumulocity.com/fw")),
                is_patch: false,
                dependency: None,
            }),
            software: vec![
                sw("curl", "2.3.4", "http://my.url.com", SoftwareAction::Install),
                sw(
                    "cumulocity_agent",
                    "1.2.3",
                    "https://cumulocity.com/agent",
                    SoftwareAction::Install,
                ),
            ],
            configurations: vec![
                conf("http://cumulocity.com/conf", "ssh_conf"),
                conf(
                    "https://demos.cumulocity.com/inventory/binaries/156719",
                    "agent_conf",
                ),
            ],
        }),
    );
    assert_eq!(op("527,D,$FW,$SW,$CONF").fragment(), "c8y_DeviceProfile");
}

#[test]
fn device_profile_527_empty_sections() {
    exact_op(
        "527,DeviceSerial,$FW,$SW,$CONF",
        OperationKind::DeviceProfile(DeviceProfile::default()),
    );
    exact_op(
        "527,DeviceSerial,$FW,$SW,a,1.0,u,delete,$CONF",
        OperationKind::DeviceProfile(DeviceProfile {
            software: vec![sw("a", "1.0", "u", SoftwareAction::Delete)],
            ..DeviceProfile::default()
        }),
    );
    exact_op(
        "527,DeviceSerial,$FW,fw,2,$PROVIDED,false,,$SW,$CONF,http://c,ssh_conf",
        OperationKind::DeviceProfile(DeviceProfile {
            firmware: Some(ProfileFirmware {
                name: s("fw"),
                version: s("2"),
                url: FirmwareUrl::Provided,
                is_patch: false,
                dependency: None,
            }),
            software: vec![],
            configurations: vec![conf("http://c", "ssh_conf")],
        }),
    );
    // A firmware section of empty fields is no firmware; missing markers are empty sections;
    // the order of sections does not matter.
    let empty_fw = op("527,DeviceSerial,$FW,,,,,,$SW,a,1.0,u,install,$CONF");
    let no_markers = op("527,DeviceSerial,$SW,a,1.0,u,install");
    let reordered = op("527,DeviceSerial,$CONF,$SW,a,1.0,u,install,$FW");
    let expected = OperationKind::DeviceProfile(DeviceProfile {
        software: vec![sw("a", "1.0", "u", SoftwareAction::Install)],
        ..DeviceProfile::default()
    });
    for parsed in [empty_fw, no_markers, reordered] {
        assert_eq!(parsed.kind, expected);
        assert_eq!(parsed.to_row(), "527,DeviceSerial,$FW,$SW,a,1.0,u,install,$CONF");
    }
    assert_eq!(
        op("527,DeviceSerial").kind,
        OperationKind::DeviceProfile(DeviceProfile::default())
    );
}

#[test]
fn device_profile_errors_name_the_field_in_the_row() {
    // A value before the first marker.
    let (record, error) = malformed(one("527,D,stray,$FW,$SW,$CONF"));
    assert_eq!(record.fields().len(), 6);
    assert_eq!(error.position, 2);
    assert_eq!(error.kind, FieldErrorKind::Unexpected { count: 4 });
    // A marker twice.
    let (_, error) = malformed(one("527,D,$FW,$SW,a,1,u,install,$SW,$CONF"));
    assert_eq!(error.position, 8);
    assert_eq!(error.kind, FieldErrorKind::Unexpected { count: 2 });
    // A bad isPatch, reported at its place in the row.
    let (_, error) = malformed(one("527,D,$FW,fw,1,u,maybe,,$SW,$CONF"));
    assert_eq!((error.position, error.name), (6, "firmware isPatch"));
    assert_eq!(
        error.kind,
        FieldErrorKind::Invalid {
            expected: "BOOLEAN",
            value: s("maybe")
        }
    );
    // Firmware without a name, too many firmware fields, a software item without action,
    // a configuration without type.
    let (_, error) = malformed(one("527,D,$FW,,1,u,false,,$SW,$CONF"));
    assert_eq!((error.position, error.name), (3, "firmware name"));
    let (_, error) = malformed(one("527,D,$FW,fw,1,u,false,dep,extra,$SW,$CONF"));
    assert_eq!(error.position, 8);
    assert_eq!(error.kind, FieldErrorKind::Unexpected { count: 1 });
    let (_, error) = malformed(one("527,D,$FW,$SW,a,1,u,$CONF"));
    assert_eq!((error.position, error.name), (7, "action"));
    let (_, error) = malformed(one("527,D,$FW,$SW,$CONF,http://c"));
    assert_eq!((error.position, error.name), (6, "configuration type"));
}

#[test]
fn device_profile_531_with_typed_software() {
    exact_op(
        "531,DeviceSerial,$FW,device_fw,1.0.1,https://cumulocity.com/fw,false,,$SW,curl,2.3.4,apt,\
         http://my.url.com,install,tool,1.0,,http://t,delete,$CONF,http://cumulocity.com/conf,ssh_conf",
        OperationKind::AdvancedDeviceProfile(DeviceProfile {
            firmware: Some(ProfileFirmware {
                name: s("device_fw"),
                version: s("1.0.1"),
                url: FirmwareUrl::Url(s("https://cumulocity.com/fw")),
                is_patch: false,
                dependency: None,
            }),
            software: vec![
                typed_sw(
                    "curl",
                    "2.3.4",
                    "apt",
                    "http://my.url.com",
                    SoftwareAction::Install,
                ),
                typed_sw("tool", "1.0", "", "http://t", SoftwareAction::Delete),
            ],
            configurations: vec![conf("http://cumulocity.com/conf", "ssh_conf")],
        }),
    );
    exact_op(
        "531,DeviceSerial,$FW,$SW,$CONF",
        OperationKind::AdvancedDeviceProfile(DeviceProfile::default()),
    );
    exact_op(
        "531,DeviceSerial,$FW,fw,1,u,true,0.9,$SW,$CONF",
        OperationKind::AdvancedDeviceProfile(DeviceProfile {
            firmware: Some(ProfileFirmware {
                name: s("fw"),
                version: s("1"),
                url: FirmwareUrl::Url(s("u")),
                is_patch: true,
                dependency: Some(s("0.9")),
            }),
            ..DeviceProfile::default()
        }),
    );
    let parsed = op("531,D,$FW,$SW,$CONF");
    assert_eq!(
        (parsed.template_id(), parsed.fragment()),
        (531, "c8y_DeviceProfile")
    );
}

#[test]
fn software_update_528() {
    exact_op(
        "528,DeviceSerial,softwareA,1.0,url1,install,softwareB,2.0,url2,delete",
        OperationKind::SoftwareUpdate(vec![
            sw("softwareA", "1.0", "url1", SoftwareAction::Install),
            sw("softwareB", "2.0", "url2", SoftwareAction::Delete),
        ]),
    );
    exact_op(
        "528,DeviceSerial,softwareA,1.0,url1,install,softwareB,2.0,url2,install",
        OperationKind::SoftwareUpdate(vec![
            sw("softwareA", "1.0", "url1", SoftwareAction::Install),
            sw("softwareB", "2.0", "url2", SoftwareAction::Install),
        ]),
    );
    // A removal without url.
    exact_op(
        "528,DeviceSerial,old,0.1,,delete",
        OperationKind::SoftwareUpdate(vec![sw("old", "0.1", "", SoftwareAction::Delete)]),
    );
    let (_, error) = malformed(one("528,DeviceSerial,softwareA,1.0,url1"));
    assert_eq!((error.position, error.name), (5, "action"));
}

#[test]
fn advanced_software_update_529() {
    let parsed = op(
        "529,deviceSerial,software_a,4.0.0,\"type A\",http://example.com/software_a,install,software_b,\
         3.0.0,\"type B\",http://example.com/software_b,delete",
    );
    assert_eq!(parsed.device, "deviceSerial");
    assert_eq!(
        parsed.kind,
        OperationKind::AdvancedSoftwareUpdate(vec![
            typed_sw(
                "software_a",
                "4.0.0",
                "type A",
                "http://example.com/software_a",
                SoftwareAction::Install
            ),
            typed_sw(
                "software_b",
                "3.0.0",
                "type B",
                "http://example.com/software_b",
                SoftwareAction::Delete
            ),
        ])
    );
    // "type A" needs no quotes, so our rendering drops them.
    assert_eq!(
        parsed.to_row(),
        "529,deviceSerial,software_a,4.0.0,type A,http://example.com/software_a,install,software_b,\
         3.0.0,type B,http://example.com/software_b,delete"
    );
    exact_op(
        "529,DeviceSerial,softwareA,1.0,apt,url1,install",
        OperationKind::AdvancedSoftwareUpdate(vec![typed_sw(
            "softwareA",
            "1.0",
            "apt",
            "url1",
            SoftwareAction::Install,
        )]),
    );
    // The static page's example leaves out the type (docs/protocol.md §5.7 [DIFF]); read as 5-tuples
    // it cannot fit, and the row is reported whole instead of being misread silently.
    let line = "529,DeviceSerial,softwareA,1.0,url1,install,softwareB,2.0,url2,install";
    let (record, error) = malformed(one(line));
    assert_eq!(record, decode(line.as_bytes()).unwrap()[0]);
    assert_eq!((error.position, error.name), (11, "action"));
}

#[test]
fn remote_access_530() {
    exact_op(
        "530,DeviceSerial,10.0.0.67,22,eb5e9d13-1caa-486b-bdda-130ca0d87df8",
        OperationKind::RemoteAccessConnect {
            hostname: s("10.0.0.67"),
            port: 22,
            connection_key: s("eb5e9d13-1caa-486b-bdda-130ca0d87df8"),
        },
    );
    for (line, value) in [
        ("530,DeviceSerial,10.0.0.67,ssh,key", "ssh"),
        ("530,DeviceSerial,10.0.0.67,70000,key", "70000"),
        ("530,DeviceSerial,10.0.0.67,-1,key", "-1"),
    ] {
        let (record, error) = malformed(one(line));
        assert_eq!(record, decode(line.as_bytes()).unwrap()[0]);
        assert_eq!((error.position, error.name), (3, "port"));
        assert_eq!(
            error.kind,
            FieldErrorKind::Invalid {
                expected: "INTEGER",
                value: s(value)
            }
        );
    }
}

#[test]
fn parameter_update_532() {
    exact_op(
        "532,DeviceSerial,c8y_RelayStatus.left,b,false",
        OperationKind::ParameterUpdate(vec![ParameterChange {
            path: s("c8y_RelayStatus.left"),
            value_type: s("b"),
            value: s("false"),
        }]),
    );
    let line = "532,DeviceSerial,c8y_RelayStatus.left,b,false,c8y_RelayStatus.right,b,true";
    let parsed = op(line);
    let OperationKind::ParameterUpdate(changes) = &parsed.kind else {
        panic!()
    };
    assert_eq!(changes.len(), 2);
    assert_eq!(changes[1].path, "c8y_RelayStatus.right");
    assert_eq!(
        changes.iter().map(ParameterChange::as_bool).collect::<Vec<_>>(),
        [Some(false), Some(true)]
    );
    assert_eq!(parsed.to_row(), line);
    assert_eq!(parsed.fragment(), "c8y_ParameterUpdate");
    let text = ParameterChange {
        path: s("p"),
        value_type: s("s"),
        value: s("true"),
    };
    assert_eq!(text.as_bool(), None);
}

#[test]
fn every_kind_knows_its_template_and_fragment() {
    let samples = [
        "510,d",
        "511,d,x",
        "513,d,x",
        "515,d,n,1,u",
        "516,d",
        "517,d",
        "518,d,OPEN",
        "519,d",
        "520,d",
        "521,d,u",
        "522,d,l,2021-09-21T11:40:27Z,2021-09-21T11:40:27Z",
        "523,d,SMS",
        "524,d,u,t",
        "525,d,n,1,u,dep",
        "526,d,t",
        "527,d,$FW,$SW,$CONF",
        "528,d",
        "529,d",
        "530,d,h,22,k",
        "531,d,$FW,$SW,$CONF",
        "532,d",
    ];
    let ids: Vec<u16> = samples.iter().map(|line| op(line).template_id()).collect();
    assert_eq!(ids, OperationKind::TEMPLATE_IDS);
    for line in samples {
        let parsed = op(line);
        assert_eq!(parsed.to_row(), line);
        assert_eq!(
            OperationKind::fragment_for_template(parsed.template_id()),
            Some(parsed.fragment())
        );
        assert!(parsed.to_row().starts_with(&parsed.template_id().to_string()));
    }
    assert_eq!(OperationKind::fragment_for_template(512), None);
    assert_eq!(OperationKind::fragment_for_template(106), None);
}

#[test]
fn malformed_operations_keep_the_raw_row() {
    for (line, position, name, kind) in [
        ("510", 1, "device id", FieldErrorKind::Missing),
        ("510,", 1, "device id", FieldErrorKind::Missing),
        ("510,,", 1, "device id", FieldErrorKind::Missing),
        ("510,dev,extra", 2, "", FieldErrorKind::Unexpected { count: 1 }),
        ("521,dev", 2, "url", FieldErrorKind::Missing),
        ("523,dev,", 2, "mode", FieldErrorKind::Missing),
        ("524,dev,url", 3, "configuration type", FieldErrorKind::Missing),
        ("526,dev", 2, "configuration type", FieldErrorKind::Missing),
        ("530,dev,host,22", 4, "connectionKey", FieldErrorKind::Missing),
        ("515,dev,,1,u", 2, "name", FieldErrorKind::Missing),
        ("516,dev,,1,u", 2, "name", FieldErrorKind::Missing),
        ("532,dev,,b,true", 2, "path", FieldErrorKind::Missing),
    ] {
        let result = one::<StaticDownstream>(line);
        let err = result.clone().unwrap_err();
        assert_eq!(err.smartrest_code(), 45);
        assert_eq!(err.channel(), Channel::Static);
        assert_eq!(err.record(), Some(&decode(line.as_bytes()).unwrap()[0]), "{line}");
        let (_, error) = malformed(result);
        assert_eq!(
            (error.position, error.name, error.kind),
            (position, name, kind),
            "{line}"
        );
    }
    let err = one::<StaticDownstream>("530,dev,host,abc,key").unwrap_err();
    assert_eq!(
        err.to_string(),
        "s/ds: message 530: Value is not a INTEGER: abc (port at field 3)"
    );
}

// ---------------------------------------------------------------------------------------------
// 106, 124, unknown ids.

#[test]
fn child_devices_106() {
    exact(
        "106,child1,child2,child3",
        StaticDownstream::ChildDevices(vec![s("child1"), s("child2"), s("child3")]),
    );
    exact("106", StaticDownstream::ChildDevices(vec![]));
    assert_eq!(
        one::<StaticDownstream>("106,a,"),
        Ok(StaticDownstream::ChildDevices(vec![s("a")]))
    );
    exact(
        "106,main:device:child01",
        StaticDownstream::ChildDevices(vec![s("main:device:child01")]),
    );
}

#[test]
fn managed_object_id_124() {
    exact("124,12345", StaticDownstream::ManagedObjectId(s("12345")));
    let (record, error) = malformed(one("124"));
    assert_eq!(record.fields(), ["124"]);
    assert_eq!(error.kind, FieldErrorKind::Missing);
    assert!(one::<StaticDownstream>("124,1,2").is_err());
}

#[test]
fn unknown_ids_are_kept_whole() {
    exact(
        "512,DeviceSerial,x",
        StaticDownstream::Unknown {
            id: s("512"),
            fields: vec![s("DeviceSerial"), s("x")],
        },
    );
    exact(
        "999,a,,b,",
        StaticDownstream::Unknown {
            id: s("999"),
            fields: vec![s("a"), s(""), s("b"), s("")],
        },
    );
    exact(
        "600",
        StaticDownstream::Unknown {
            id: s("600"),
            fields: vec![],
        },
    );
    // Only the exact id text selects a template: "0510" is not 510.
    exact(
        "0510,DeviceSerial",
        StaticDownstream::Unknown {
            id: s("0510"),
            fields: vec![s("DeviceSerial")],
        },
    );
    let unknown = one::<StaticDownstream>("533,dev,\"a,b\"").unwrap();
    assert_eq!(
        unknown,
        StaticDownstream::Unknown {
            id: s("533"),
            fields: vec![s("dev"), s("a,b")]
        }
    );
    assert_eq!(unknown.to_row(), "533,dev,\"a,b\"");
}

#[test]
fn operation_parser_alone_rejects_other_ids() {
    let rows = parse_payload::<Operation>(b"510,d\n106,a\n999");
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[0], Ok(Operation::new("d", OperationKind::Restart)));
    for row in &rows[1..] {
        let err = row.clone().unwrap_err();
        assert!(matches!(err, DownstreamError::UnexpectedMessage { .. }));
        assert_eq!(err.smartrest_code(), 43);
    }
    assert_eq!(
        rows[1].clone().unwrap_err().to_string(),
        "s/ds: unexpected message id \"106\""
    );
    assert_eq!(
        StaticDownstream::from(Operation::new("d", OperationKind::Restart)).to_row(),
        "510,d"
    );
}

// ---------------------------------------------------------------------------------------------
// Payloads.

#[test]
fn multi_row_payload_with_crlf_keeps_every_row_in_order() {
    let payload =
        b"510,DeviceSerial\r\n511,child1,\"line one\r\nline \\\"two\\\"\"\r\n530,dev,host,port,key\r\n\
                    999,x\r\n\r\n124,42\r\n";
    let rows = parse_static(payload);
    assert_eq!(rows.len(), 5);
    assert_eq!(
        rows[0],
        Ok(StaticDownstream::Operation(Operation::new(
            "DeviceSerial",
            OperationKind::Restart
        )))
    );
    assert_eq!(
        rows[1],
        Ok(StaticDownstream::Operation(Operation::new(
            "child1",
            OperationKind::Command {
                text: s("line one\r\nline \"two\"")
            }
        )))
    );
    assert!(matches!(&rows[2], Err(DownstreamError::Malformed { record, .. }) if record.id() == "530"));
    assert_eq!(
        rows[3],
        Ok(StaticDownstream::Unknown {
            id: s("999"),
            fields: vec![s("x")]
        })
    );
    assert_eq!(rows[4], Ok(StaticDownstream::ManagedObjectId(s("42"))));

    let good: Vec<StaticDownstream> = rows.into_iter().filter_map(Result::ok).collect();
    assert_eq!(
        render_payload(&good),
        "510,DeviceSerial\n511,child1,\"line one\r\nline \"\"two\"\"\"\n999,x\n124,42"
    );
    assert_eq!(parse_static(render_payload(&good).as_bytes()).len(), 4);
}

#[test]
fn decode_errors_take_their_place() {
    let rows = parse_static(b"510,a\n511,b,\xff\n510,c\n511,d,\"open");
    assert_eq!(rows.len(), 4);
    assert!(rows[0].is_ok());
    assert_eq!(
        rows[1],
        Err(DownstreamError::Decode {
            channel: Channel::Static,
            error: DecodeError {
                row: 2,
                column: 7,
                kind: DecodeErrorKind::InvalidUtf8
            }
        })
    );
    assert!(rows[2].is_ok());
    let err = rows[3].clone().unwrap_err();
    assert_eq!(err.smartrest_code(), 42);
    assert_eq!(err.record(), None);
    assert_eq!(
        err.to_string(),
        "s/ds: SmartREST row 4, column 7: unterminated quoted field"
    );
    assert!(parse_static(b"").is_empty());
    assert!(parse_static(b"\r\n\n").is_empty());
}

// ---------------------------------------------------------------------------------------------
// s/dcr, s/dat.

#[test]
fn credentials_70() {
    exact(
        "70,t12345,device_1234,S3cr3t",
        Credentials::new("t12345", "device_1234", "S3cr3t"),
    );
    let c = one::<Credentials>("70,t12345,device_1234,S3cr3t").unwrap();
    assert_eq!(c.mqtt_username(), "t12345/device_1234");
    assert_eq!(c.password, "S3cr3t");
    // A password with a comma and a quote survives the round trip.
    let tricky = Credentials::new("t1", "u", "pa,ss\"w");
    assert_eq!(tricky.to_row(), "70,t1,u,\"pa,ss\"\"w\"");
    assert_eq!(one::<Credentials>(&tricky.to_row()), Ok(tricky));
    assert_eq!(
        parse_credentials(b"70,t,u,p\r\n"),
        [Ok(Credentials::new("t", "u", "p"))]
    );
}

#[test]
fn credentials_errors() {
    let err = one::<Credentials>("70,t12345,device_1234").unwrap_err();
    assert_eq!(err.smartrest_code(), 45);
    assert_eq!(err.record().map(Record::len), Some(3));
    let err = one::<Credentials>("71,token").unwrap_err();
    assert!(matches!(
        err,
        DownstreamError::UnexpectedMessage {
            channel: Channel::Credentials,
            ..
        }
    ));
}

#[test]
fn secrets_never_show_in_debug_or_display() {
    let secret = "S3cr3t";
    let c = Credentials::new("t12345", "device_1234", secret);
    let debug = format!("{c:?}");
    assert!(!debug.contains(secret), "{debug}");
    assert_eq!(
        debug,
        "Credentials { tenant: \"t12345\", user: \"device_1234\", password: \"<redacted>\" }"
    );
    assert!(!format!("{c:#?}").contains(secret));

    let token = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJkZXYifQ.c2ln";
    let t = one::<AccessToken>("71,eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJkZXYifQ.c2ln").unwrap();
    assert_eq!(t.token, token);
    assert_eq!(format!("{t:?}"), "AccessToken { token: \"<redacted>\" }");

    // Errors about rows on secret channels hide the row.
    let with_extra = one::<Credentials>("70,t12345,device_1234,S3cr3t,more").unwrap_err();
    let bare_token = one::<AccessToken>(token).unwrap_err();
    let token_extra = one::<AccessToken>("71,eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJkZXYifQ.c2ln,x").unwrap_err();
    let secret_in_id = one::<Credentials>("S3cr3t,x").unwrap_err();
    for err in [&with_extra, &bare_token, &token_extra, &secret_in_id] {
        for text in [format!("{err}"), format!("{err:?}"), format!("{err:#?}")] {
            assert!(!text.contains(secret), "{text}");
            assert!(!text.contains("eyJ"), "{text}");
        }
    }
    assert_eq!(
        with_extra.to_string(),
        "s/dcr: malformed row: Wrong number of arguments: 1 unexpected from field 4"
    );
    assert_eq!(bare_token.to_string(), "s/dat: unexpected message id");
    assert!(format!("{bare_token:?}").contains("<redacted row of 1 fields>"));
    // The row is still there for whoever asks for it explicitly.
    assert_eq!(bare_token.record().and_then(|r| r.get(0)), Some(token));
    assert_eq!(with_extra.record().and_then(|r| r.get(3)), Some(secret));
}

#[test]
fn access_token_71() {
    exact(
        "71,eyJ0eXAi.eyJzdWIi.sig",
        AccessToken::new("eyJ0eXAi.eyJzdWIi.sig"),
    );
    assert!(one::<AccessToken>("71").is_err());
    assert!(matches!(
        one::<AccessToken>("70,t,u,p"),
        Err(DownstreamError::UnexpectedMessage {
            channel: Channel::AccessToken,
            ..
        })
    ));
    assert_eq!(parse_access_token(b"71,a\n71,b").len(), 2);
}

// ---------------------------------------------------------------------------------------------
// s/dt.

#[test]
fn template_status_20_and_41() {
    exact(
        "20,myCommon_10,12345",
        TemplateStatus::Exists {
            x_id: s("myCommon_10"),
            collection_id: s("12345"),
        },
    );
    exact(
        "41,myCommon_10",
        TemplateStatus::Missing {
            x_id: s("myCommon_10"),
        },
    );
    assert_eq!(
        one::<TemplateStatus>("20,myCommon_10,12345").unwrap().x_id(),
        "myCommon_10"
    );
    let rows = parse_template_status(b"41,a\r\n20,a,9\r\n");
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[1].as_ref().map(TemplateStatus::x_id), Ok("a"));

    let err = one::<TemplateStatus>("20,myCommon_10").unwrap_err();
    assert!(matches!(&err, DownstreamError::Malformed { record, .. } if record.len() == 2));
    assert_eq!(
        err.to_string(),
        "s/dt: message 20: Missing mandatory field collection id (field 2)"
    );
    assert!(one::<TemplateStatus>("41").is_err());
    assert!(matches!(
        one::<TemplateStatus>("40,x"),
        Err(DownstreamError::UnexpectedMessage { .. })
    ));
}

// ---------------------------------------------------------------------------------------------
// s/e.

#[test]
fn error_lines() {
    exact(
        "40,999,No static template for this message id",
        ErrorLine::unknown_template("999"),
    );
    exact(
        "41,100,Device already existing",
        ErrorLine::device_already_existing(),
    );
    exact(
        "45,211,Value is not a NUMBER: abc",
        ErrorLine::new(45, "211", "Value is not a NUMBER: abc"),
    );
    exact(
        "50,myCommon_msg,Internal error",
        ErrorLine::new(ErrorCode::ServerError.code(), "myCommon_msg", "Internal error"),
    );
    // Found by fuzzing: trailing empty fields are dropped on parse, as rendering drops them.
    let line = one::<ErrorLine>("302,c8y_Alarm,text,true,9,,").unwrap();
    assert_eq!(line.extra, ["true", "9"]);
    assert_eq!(one::<ErrorLine>(&line.to_row()), Ok(line));
    let line = one::<ErrorLine>("40,999,No static template for this message id").unwrap();
    assert_eq!((line.code, line.kind()), (40, ErrorCode::UnknownTemplate));
    assert_eq!(line.template, "999");
}

#[test]
fn error_lines_of_other_shapes_are_kept() {
    // Quoted text with a comma.
    let line = one::<ErrorLine>("45,200,\"Wrong number of arguments: 1, expected 3\"").unwrap();
    assert_eq!(line.text, "Wrong number of arguments: 1, expected 3");
    assert_eq!(line.kind(), ErrorCode::InvalidArguments);
    // More fields than documented (the SR1 shape `50,<line>,<status>,<text>`).
    exact(
        "50,1,401,Unauthorized",
        ErrorLine {
            code: 50,
            template: s("1"),
            text: s("401"),
            extra: vec![s("Unauthorized")],
        },
    );
    // Fewer fields.
    exact("42", ErrorLine::new(42, "", ""));
    exact(
        "43,,no id",
        ErrorLine::new(ErrorCode::InvalidMessageId.code(), "", "no id"),
    );
    // Unknown codes stay numeric.
    let other = one::<ErrorLine>("47,100,Something new").unwrap();
    assert_eq!(other.kind(), ErrorCode::Other(47));
    assert_eq!(ErrorCode::Other(47).code(), 47);
    for code in [40, 41, 42, 43, 45, 50, 99] {
        assert_eq!(ErrorCode::from_code(code).code(), code);
        assert_eq!(ErrorCode::from(code).to_string(), code.to_string());
    }
    // A first field that is not a code is an error that keeps the row.
    let err = one::<ErrorLine>("oops,something").unwrap_err();
    assert_eq!(
        err.record().map(Record::fields),
        Some(&[s("oops"), s("something")][..])
    );
    assert_eq!(
        err.to_string(),
        "s/e: message oops: Value is not a INTEGER: oops (code at field 0)"
    );
    let rows =
        parse_errors(b"40,999,No static template for this message id\r\nx\r\n41,100,Device already existing");
    assert_eq!(rows.len(), 3);
    assert!(rows[0].is_ok() && rows[1].is_err() && rows[2].is_ok());
}

#[test]
fn channels_name_their_topics() {
    let all = [
        (Channel::Static, "s/ds", false),
        (Channel::Credentials, "s/dcr", true),
        (Channel::AccessToken, "s/dat", true),
        (Channel::TemplateStatus, "s/dt", false),
        (Channel::Errors, "s/e", false),
    ];
    for (channel, topic, secret) in all {
        assert_eq!(channel.topic(), topic);
        assert_eq!(channel.to_string(), topic);
        assert_eq!(channel.carries_secrets(), secret);
    }
    assert_eq!(StaticDownstream::CHANNEL, Channel::Static);
    assert_eq!(ErrorLine::CHANNEL, Channel::Errors);
}

#[test]
fn error_sources_are_exposed() {
    use std::error::Error as _;
    let err = one::<StaticDownstream>("510").unwrap_err();
    assert!(err.source().is_some());
    let err = one::<Credentials>("71,x").unwrap_err();
    assert!(err.source().is_none());
}

// ---------------------------------------------------------------------------------------------
// Properties.

proptest! {
    /// Any command text, rendered by us in the platform's style (`\"`, as the emulator sends it),
    /// reads back unchanged. Text ending in a backslash is left out: the platform's escape
    /// cannot carry it (`"a\"` reads as an escaped quote).
    #[test]
    fn command_text_round_trips(device in "[A-Za-z0-9:_-]{1,20}", text in any::<String>()) {
        prop_assume!(!text.ends_with('\\'));
        let op = Operation::new(device, OperationKind::Command { text });
        let row = crate::smartrest::with_backslash_escapes(&op.to_row());
        prop_assert_eq!(one::<StaticDownstream>(&row), Ok(StaticDownstream::Operation(op)));
    }

    /// Any list of software changes, rendered by us, reads back unchanged.
    #[test]
    fn software_updates_round_trip(
        items in proptest::collection::vec((".{1,8}", ".{0,8}", ".{0,8}", "[a-z]{1,8}"), 0..5)
    ) {
        let items: Vec<_> = items
            .into_iter()
            .map(|(name, version, url, action)| SoftwareUpdateItem {
                name, version, url, action: SoftwareAction::from(action.as_str()),
            })
            .filter(|item| !item.name.is_empty())
            .collect();
        prop_assume!(items.iter().all(|i| [&i.name, &i.version, &i.url].iter().all(|f| !f.ends_with('\\'))));
        let op = Operation::new("d", OperationKind::SoftwareUpdate(items));
        let row = crate::smartrest::with_backslash_escapes(&op.to_row());
        prop_assert_eq!(one::<Operation>(&row), Ok(op));
    }

    /// No payload makes any parser panic, and every row is accounted for.
    #[test]
    fn parsers_never_panic(payload in proptest::collection::vec(any::<u8>(), 0..200)) {
        let rows = records_platform(&payload).count();
        prop_assert_eq!(parse_static(&payload).len(), rows);
        prop_assert_eq!(parse_credentials(&payload).len(), rows);
        prop_assert_eq!(parse_access_token(&payload).len(), rows);
        prop_assert_eq!(parse_template_status(&payload).len(), rows);
        prop_assert_eq!(parse_errors(&payload).len(), rows);
    }

    /// Rows made of the markers and short fields never panic the profile reader.
    #[test]
    fn profile_reader_never_panics(
        fields in proptest::collection::vec(prop_oneof!["\\$FW", "\\$SW", "\\$CONF", "[a-z]{0,3}", "true"], 0..20)
    ) {
        let mut row = vec![s("527"), s("d")];
        row.extend(fields);
        let record = Record::new(row);
        if let Ok(StaticDownstream::Operation(op)) = StaticDownstream::from_record(&record) {
            prop_assert_eq!(one::<Operation>(&op.to_row()), Ok(op));
        }
    }
}

#[test]
fn values_are_the_fields_after_the_device_id() {
    for line in [
        "510,dev",
        "511,dev,\"ls -la; echo \"\"hi\"\"\"",
        "515,dev,fw,1.0,$PROVIDED",
        "516,dev,a,1,,b,2,http://x",
        "522,dev,syslog,2026-01-01T00:00:00+0200,2026-01-02T00:00:00+0200,ERROR,100",
        "532,dev,a.b,STRING,x",
    ] {
        let row = decode(line.as_bytes()).unwrap().remove(0);
        assert_eq!(op(line).kind.values(), row.values()[1..], "{line}");
    }
}

#[test]
fn fields_are_the_row_template_id_first() {
    let line: StaticDownstream = one("106,child1,\"a,b\"").unwrap();
    assert_eq!(line.fields(), ["106", "child1", "a,b"]);
}
