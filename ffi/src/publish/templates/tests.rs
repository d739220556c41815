//! Every function of this module against the emulator: the exact rows it queues, on the
//! device's topic or a child's, the delivery id it returns, and its refusals.

use std::ptr::{null, null_mut};

use super::*;
use crate::client::{c8y_client_flush, c8y_client_free};
use crate::test_support::{connected, emulator};

/// The rows the device published after start-up (not its 100 and 500), as (topic, payload).
fn published(emulator: &c8y_mqtt_emulator::BlockingEmulator) -> Vec<(String, String)> {
    emulator
        .handle()
        .publishes()
        .into_iter()
        .map(|p| {
            (
                p.publish.topic.clone(),
                String::from_utf8_lossy(&p.publish.payload).into_owned(),
            )
        })
        .filter(|(topic, payload)| {
            topic.starts_with("s/us") && !payload.starts_with("100") && !payload.starts_with("500")
        })
        .collect()
}

#[test]
fn each_function_queues_its_template() {
    let emulator = emulator();
    let c = connected(&emulator);
    let mut ids = Vec::new();
    let mut expected: Vec<(&str, &str)> = Vec::new();
    let mut check = |rc: c8y_result, id: u64, topic: &'static str, row: &'static str| {
        assert_eq!(rc, c8y_result::Ok, "{row}: {}", crate::error::last_error());
        assert_ne!(id, 0, "{row}");
        ids.push(id);
        expected.push((topic, row));
    };
    let dev = "s/us";
    let mut id = 0u64;
    // SAFETY: `c` is live until freed; every pointer is valid for the call.
    unsafe {
        let rc = c8y_client_create_service(
            c,
            null(),
            c"dev1:db".as_ptr(),
            c"systemd".as_ptr(),
            c"Database".as_ptr(),
            c"up".as_ptr(),
            &mut id,
        );
        check(rc, id, dev, "102,dev1:db,systemd,Database,up");
        let rc = c8y_client_set_service_status(c, c"dev1:db".as_ptr(), c"down".as_ptr(), &mut id);
        check(rc, id, "s/us/dev1:db", "104,down");
        let rc = c8y_client_request_child_devices(c, null(), &mut id);
        check(rc, id, dev, "105");
        let fragments = [c"c8y_Position".as_ptr(), c"c8y_Mobile".as_ptr()];
        let rc = c8y_client_clear_device_fragments(c, null(), fragments.as_ptr(), 2, &mut id);
        check(rc, id, dev, "107,c8y_Position,c8y_Mobile");
        let rc = c8y_client_set_mobile(
            c,
            null(),
            c"356938035643809".as_ptr(),
            null(),
            null(),
            c"262".as_ptr(),
            null(),
            null(),
            c"2F2B".as_ptr(),
            &mut id,
        );
        check(rc, id, dev, "111,356938035643809,,,262,,,2F2B");
        let (lat, lon, alt, acc) = (52.520008, 13.404954, 34.0, 5i64);
        let rc = c8y_client_set_position(c, null(), &lat, &lon, &alt, &acc, &mut id);
        check(rc, id, dev, "112,52.520008,13.404954,34,5");
        let rc = c8y_client_set_position(c, null(), null(), null(), &-2.0, null(), &mut id);
        check(rc, id, dev, "112,,,-2");
        let rc = c8y_client_set_configuration(c, null(), c"val=1, two".as_ptr(), &mut id);
        check(rc, id, dev, "113,\"val=1, two\"");
        let software = [
            c8y_software_item {
                name: c"nginx".as_ptr(),
                version: c"1.2".as_ptr(),
                url: c"https://x.example/n".as_ptr(),
            },
            c8y_software_item {
                name: c"vim".as_ptr(),
                version: null(),
                url: null(),
            },
        ];
        let rc = c8y_client_set_software_list(c, null(), software.as_ptr(), 2, &mut id);
        check(rc, id, dev, "116,nginx,1.2,https://x.example/n,vim");
        let logs = [c"syslog".as_ptr(), c"dmesg".as_ptr()];
        let rc = c8y_client_set_supported_logs(c, null(), logs.as_ptr(), 2, &mut id);
        check(rc, id, dev, "118,syslog,dmesg");
        let rc = c8y_client_set_supported_logs(c, null(), null(), 0, &mut id);
        check(rc, id, dev, "118");
        let configs = [c"ssh-config".as_ptr()];
        let rc = c8y_client_set_supported_configurations(c, null(), configs.as_ptr(), 1, &mut id);
        check(rc, id, dev, "119,ssh-config");
        let rc = c8y_client_set_current_configuration(
            c,
            null(),
            c"ssh-config".as_ptr(),
            c"https://t.example/b/1".as_ptr(),
            c"sshd_config".as_ptr(),
            c"2016-06-22T17:03:14.000+02:00".as_ptr(),
            &mut id,
        );
        check(
            rc,
            id,
            dev,
            "120,ssh-config,https://t.example/b/1,sshd_config,2016-06-22T17:03:14.000+02:00",
        );
        let rc = c8y_client_set_device_profile_applied(c, null(), false, null(), &mut id);
        check(rc, id, dev, "121,false");
        let rc = c8y_client_set_device_profile_applied(c, null(), true, c"8012".as_ptr(), &mut id);
        check(rc, id, dev, "121,true,8012");
        let rc = c8y_client_set_agent_information(
            c,
            null(),
            c"thin-edge.io".as_ptr(),
            c"1.0.0".as_ptr(),
            c"Thin Edge".as_ptr(),
            null(),
            &mut id,
        );
        check(rc, id, dev, "122,thin-edge.io,1.0.0,,Thin Edge");
        let rc = c8y_client_send_heartbeat(c, null(), &mut id);
        check(rc, id, dev, "125");
        let rc = c8y_client_send_heartbeat(c, c"dev1:db".as_ptr(), &mut id);
        check(rc, id, "s/us/dev1:db", "125");
        let advanced = [
            c8y_advanced_software_item {
                name: c"nginx".as_ptr(),
                version: c"1.2".as_ptr(),
                software_type: c"apt".as_ptr(),
                url: null(),
            },
            c8y_advanced_software_item {
                name: c"app".as_ptr(),
                version: c"2".as_ptr(),
                software_type: null(),
                url: c"https://u".as_ptr(),
            },
        ];
        let rc = c8y_client_set_advanced_software_list(c, null(), advanced.as_ptr(), 2, &mut id);
        check(rc, id, dev, "140,nginx,1.2,apt,,app,2,,https://u");
        let rc = c8y_client_append_advanced_software(c, null(), advanced.as_ptr(), 1, &mut id);
        check(rc, id, dev, "141,nginx,1.2,apt");
        let removal = [c8y_software_removal_item {
            name: c"curl".as_ptr(),
            version: c"7.0".as_ptr(),
        }];
        let rc = c8y_client_remove_advanced_software(c, null(), removal.as_ptr(), 1, &mut id);
        check(rc, id, dev, "142,curl,7.0");
        let types = [c"apt".as_ptr(), c"docker".as_ptr()];
        let rc = c8y_client_set_supported_software_types(c, null(), types.as_ptr(), 2, &mut id);
        check(rc, id, dev, "143,apt,docker");
        let protocols = [c"SSH".as_ptr(), c"VNC".as_ptr()];
        let rc = c8y_client_set_remote_access_protocols(c, null(), protocols.as_ptr(), 2, &mut id);
        check(rc, id, dev, "150,SSH,VNC");
        let rc = c8y_client_send_signal_strength(c, null(), &-90.0, &0.1, null(), &mut id);
        check(rc, id, dev, "210,-90,0.1");
        let rc = c8y_client_send_signal_strength(
            c,
            null(),
            null(),
            &5.0,
            c"2022-03-19T12:03:27.845Z".as_ptr(),
            &mut id,
        );
        check(rc, id, dev, "210,,5,2022-03-19T12:03:27.845Z");
        let rc = c8y_client_send_temperature(c, null(), 21.5, null(), &mut id);
        check(rc, id, dev, "211,21.5");
        let rc = c8y_client_send_battery(c, c"dev1:db".as_ptr(), 88.0, null(), &mut id);
        check(rc, id, "s/us/dev1:db", "212,88");
        let rc = c8y_client_send_location(
            c,
            null(),
            -33.8688,
            151.2093,
            null(),
            null(),
            null(),
            true,
            &mut id,
        );
        check(rc, id, dev, "402,-33.8688,151.2093");
        let rc = c8y_client_send_location(c, null(), 1.0, 2.0, &3.0, null(), null(), false, &mut id);
        check(rc, id, dev, "401,1,2,3");
        let rc = c8y_client_set_alarm_severity(c, null(), c"c8y_TemperatureAlarm".as_ptr(), 3, &mut id);
        check(rc, id, dev, "305,c8y_TemperatureAlarm,MINOR");
        let details = [c"c8y_Details".as_ptr(), c"c8y_Extra".as_ptr()];
        let rc = c8y_client_clear_alarm_fragments(
            c,
            null(),
            c"c8y_TemperatureAlarm".as_ptr(),
            details.as_ptr(),
            2,
            &mut id,
        );
        check(rc, id, dev, "307,c8y_TemperatureAlarm,c8y_Details,c8y_Extra");
        let rc = c8y_client_clear_event_fragments(
            c,
            null(),
            c"c8y_MyEvent".as_ptr(),
            details.as_ptr(),
            1,
            &mut id,
        );
        check(rc, id, dev, "407,c8y_MyEvent,c8y_Details");
        let rc = c8y_client_clear_event_fragments(c, null(), c"c8y_MyEvent".as_ptr(), null(), 0, &mut id);
        check(rc, id, dev, "407,c8y_MyEvent");
        let parameters = [
            c8y_device_parameter {
                path: c"c8y_RelayStatus.left".as_ptr(),
                value_type: c"BOOLEAN".as_ptr(),
                value: c"true".as_ptr(),
            },
            c8y_device_parameter {
                path: c"c8y_Label.text".as_ptr(),
                value_type: c"STRING".as_ptr(),
                value: c"".as_ptr(),
            },
        ];
        let rc = c8y_client_send_device_parameter_update(c, null(), parameters.as_ptr(), 2, &mut id);
        check(
            rc,
            id,
            dev,
            "408,,,,c8y_RelayStatus.left,BOOLEAN,true,c8y_Label.text,STRING,",
        );
        let rc = c8y_client_set_operation_executing(c, null(), c"c8y_Restart".as_ptr(), &mut id);
        check(rc, id, dev, "501,c8y_Restart");
        let rc = c8y_client_set_operation_failed(
            c,
            c"dev1:db".as_ptr(),
            c"c8y_Command".as_ptr(),
            c"exit code 2, \"stderr\"".as_ptr(),
            &mut id,
        );
        check(
            rc,
            id,
            "s/us/dev1:db",
            "502,c8y_Command,\"exit code 2, \"\"stderr\"\"\"",
        );
        let results = [c"done".as_ptr(), c"a,b".as_ptr()];
        let rc = c8y_client_set_operation_successful(
            c,
            null(),
            c"c8y_Command".as_ptr(),
            results.as_ptr(),
            2,
            &mut id,
        );
        check(rc, id, dev, "503,c8y_Command,done,\"a,b\"");
        let rc = c8y_client_set_operation_successful(c, null(), c"c8y_Restart".as_ptr(), null(), 0, &mut id);
        check(rc, id, dev, "503,c8y_Restart");
        // Created once per client: the second call sends nothing and writes 0.
        let rc = c8y_client_create_service(
            c,
            null(),
            c"dev1:db".as_ptr(),
            c"systemd".as_ptr(),
            c"Database".as_ptr(),
            c"up".as_ptr(),
            &mut id,
        );
        assert_eq!((rc, id), (c8y_result::Ok, 0));
        assert_eq!(
            c8y_client_flush(c, 15_000),
            c8y_result::Ok,
            "{}",
            crate::error::last_error()
        );
        let got = published(&emulator);
        let want: Vec<(String, String)> = expected
            .iter()
            .map(|(t, p)| ((*t).to_owned(), (*p).to_owned()))
            .collect();
        assert_eq!(got, want);
        let mut unique = ids.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), ids.len(), "one delivery id per publish");
        assert_eq!(c8y_client_free(c), c8y_result::Ok);
    }
}

#[test]
fn bad_values_are_refused_and_nothing_is_queued() {
    let emulator = emulator();
    let c = connected(&emulator);
    let mut id = 0u64;
    // SAFETY: `c` is live until freed; every pointer is valid for the call or NULL.
    unsafe {
        assert_eq!(
            c8y_client_send_signal_strength(c, null(), null(), null(), null(), &mut id),
            c8y_result::InvalidTemplate
        );
        assert_eq!(
            c8y_client_send_signal_strength(c, null(), &f64::NAN, null(), null(), &mut id),
            c8y_result::InvalidArgument
        );
        assert_eq!(
            c8y_client_set_alarm_severity(c, null(), c"c8y_A".as_ptr(), 9, &mut id),
            c8y_result::InvalidArgument
        );
        assert_eq!(
            c8y_client_clear_alarm_fragments(c, null(), c"c8y_A".as_ptr(), null(), 0, &mut id),
            c8y_result::InvalidTemplate
        );
        assert_eq!(
            c8y_client_append_advanced_software(c, null(), null(), 0, &mut id),
            c8y_result::InvalidTemplate
        );
        assert_eq!(
            c8y_client_set_operation_executing(c, null(), c"".as_ptr(), &mut id),
            c8y_result::InvalidTemplate,
            "a fragment is required"
        );
        assert_eq!(
            c8y_client_set_operation_failed(c, null(), c"c8y_Restart".as_ptr(), null(), &mut id),
            c8y_result::NullParameter
        );
        assert_eq!(
            c8y_client_send_device_parameter_update(c, null(), null(), 1, &mut id),
            c8y_result::NullParameter
        );
        let empty = [c"ok".as_ptr(), c"".as_ptr()];
        assert_eq!(
            c8y_client_set_supported_logs(c, null(), empty.as_ptr(), 2, &mut id),
            c8y_result::InvalidTemplate
        );
        assert_eq!(
            c8y_client_set_agent_information(
                c,
                null(),
                null(),
                c"1".as_ptr(),
                c"me".as_ptr(),
                null(),
                &mut id
            ),
            c8y_result::NullParameter
        );
        let item = [c8y_advanced_software_item {
            name: c"x".as_ptr(),
            version: null(),
            software_type: null(),
            url: null(),
        }];
        assert_eq!(
            c8y_client_set_advanced_software_list(c, null(), item.as_ptr(), 1, &mut id),
            c8y_result::NullParameter
        );
        assert_eq!(
            c8y_client_send_heartbeat(null(), null(), &mut id),
            c8y_result::NullParameter
        );
        assert_eq!(id, 0, "no delivery id on failure");
        assert_eq!(c8y_client_send_heartbeat(c, null(), null_mut()), c8y_result::Ok);
        assert_eq!(c8y_client_flush(c, 15_000), c8y_result::Ok);
        assert_eq!(published(&emulator), [("s/us".to_owned(), "125".to_owned())]);
        assert_eq!(c8y_client_free(c), c8y_result::Ok);
    }
}
