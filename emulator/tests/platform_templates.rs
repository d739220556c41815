//! The effect of every upstream static template family on the platform model (docs/protocol.md §5,
//! §11.6): inventory fragments, children and services, measurements, events, `105`/`123`
//! replies, processing modes.

mod common;
mod platform_support;

use c8y_mqtt_emulator::model::RecordFilter;
use common::WAIT;
use platform_support::*;
use serde_json::{Value, json};

/// Publishes `rows` one publish each, then `123`, and waits for the `124` reply, so every row
/// has been processed.
async fn publish_all(client: &mut common::TestClient, topic: &str, rows: &[&str]) -> String {
    for row in rows {
        publish(client, topic, row).await;
    }
    publish(client, "s/us", "123").await;
    next_on(client, "s/ds").await
}

#[tokio::test]
async fn inventory_templates_set_their_fragments() {
    let emulator = start_with(&["fx"]).await;
    let mut device = ready_device(&emulator, "fx").await;
    let reply = publish_all(
        &mut device,
        "s/us",
        &[
            "110,S1,M1,R1",
            "111,imei1,iccid1,imsi1,mcc1,mnc1,lac1,cell1",
            "112,52.2,13.1,100,5",
            "113,\"key=value, more\"",
            "114,c8y_Restart,c8y_Command",
            "115,fw,1.0,http://fw",
            "116,a,1,u1,b,2,u2",
            "117,30",
            "117,60",
            "118,syslog,dmesg",
            "119,ssh,agent",
            "120,ssh,http://cfg,sshd.conf,2024-01-01T00:00:00.000Z",
            "121,true,42",
            "122,agent,1.2,http://a,me",
            "143,apt,,docker",
            "150,SSH,VNC",
            "111,x",
            "107,c8y_Mobile",
        ],
    )
    .await;
    let mo = emulator.managed_object_by_external_id("fx").unwrap();
    assert_eq!(reply, format!("124,{}", mo["id"].as_str().unwrap()));
    let expected: &[(&str, Value)] = &[
        (
            "c8y_Hardware",
            json!({"serialNumber": "S1", "model": "M1", "revision": "R1"}),
        ),
        (
            "c8y_Position",
            json!({"lat": 52.2, "lng": 13.1, "alt": 100, "accuracy": 5}),
        ),
        ("c8y_Configuration", json!({"config": "key=value, more"})),
        ("c8y_SupportedOperations", json!(["c8y_Restart", "c8y_Command"])),
        (
            "c8y_Firmware",
            json!({"name": "fw", "version": "1.0", "url": "http://fw"}),
        ),
        (
            "c8y_SoftwareList",
            json!([{"name": "a", "version": "1", "url": "u1"}, {"name": "b", "version": "2", "url": "u2"}]),
        ),
        ("c8y_RequiredAvailability", json!({"responseInterval": 30})),
        ("c8y_SupportedLogs", json!(["syslog", "dmesg"])),
        ("c8y_SupportedConfigurations", json!(["ssh", "agent"])),
        (
            "c8y_Configuration_ssh",
            json!({"name": "sshd.conf", "type": "ssh", "url": "http://cfg", "time": "2024-01-01T00:00:00.000Z"}),
        ),
        ("c8y_Profile", json!({"profileId": "42", "profileExecuted": true})),
        (
            "c8y_Agent",
            json!({"name": "agent", "version": "1.2", "url": "http://a", "maintainer": "me"}),
        ),
        ("c8y_SupportedSoftwareTypes", json!(["apt", "docker"])),
        ("c8y_RemoteAccessSupportedProtocols", json!(["SSH", "VNC"])),
    ];
    for (fragment, value) in expected {
        assert_eq!(&mo[*fragment], value, "{fragment}");
    }
    assert!(mo.get("c8y_Mobile").is_none(), "107 removed c8y_Mobile: {mo}");
    assert_eq!(str_at(&mo, "/c8y_Availability/status"), "AVAILABLE");

    // an empty 143 / 150 removes the fragment
    publish_all(&mut device, "s/us", &["143", "150"]).await;
    let mo = emulator.managed_object_by_external_id("fx").unwrap();
    assert!(mo.get("c8y_SupportedSoftwareTypes").is_none());
    assert!(mo.get("c8y_RemoteAccessSupportedProtocols").is_none());
    emulator.shutdown().await;
}

#[tokio::test]
async fn mobile_fields_are_stored_by_name() {
    let emulator = start_with(&["mob"]).await;
    let mut device = ready_device(&emulator, "mob").await;
    publish_all(
        &mut device,
        "s/us",
        &["111,imei1,iccid1,imsi1,mcc1,mnc1,lac1,cell1"],
    )
    .await;
    let mo = emulator.managed_object_by_external_id("mob").unwrap();
    assert_eq!(
        mo["c8y_Mobile"],
        json!({"imei": "imei1", "iccid": "iccid1", "imsi": "imsi1", "mcc": "mcc1", "mnc": "mnc1", "lac": "lac1", "cellId": "cell1"})
    );
    emulator.shutdown().await;
}

#[tokio::test]
async fn children_services_and_the_105_reply() {
    let emulator = start_with(&["par"]).await;
    let mut device = ready_device(&emulator, "par").await;
    publish_all(
        &mut device,
        "s/us",
        &[
            "101,kid1,Kid,kid_type,false",
            "101,kid2",
            "101,kid1",
            "102,svc1,systemd,Database,up",
        ],
    )
    .await;
    publish_all(&mut device, "s/us/svc1", &["104,down"]).await;
    publish_all(&mut device, "s/us/kid2", &["101,grandkid,Grand"]).await;

    let kid1 = emulator.managed_object_by_external_id("kid1").unwrap();
    assert_eq!(
        (kid1["name"].as_str(), kid1["type"].as_str()),
        (Some("Kid"), Some("kid_type"))
    );
    assert!(
        kid1.get("c8y_IsDevice").is_none(),
        "4th field false: no c8y_IsDevice"
    );
    let kid2 = emulator.managed_object_by_external_id("kid2").unwrap();
    assert_eq!(kid2["name"], "MQTT Device kid2");
    assert_eq!(kid2["type"], "c8y_MQTTChildDevice");
    assert_eq!(kid2["c8y_IsDevice"], json!({}));
    let service = emulator.managed_object_by_external_id("svc1").unwrap();
    assert_eq!(
        (
            service["type"].as_str(),
            service["serviceType"].as_str(),
            service["name"].as_str(),
            service["status"].as_str()
        ),
        (
            Some("c8y_Service"),
            Some("systemd"),
            Some("Database"),
            Some("down")
        )
    );
    let parent = emulator.managed_object_by_external_id("par").unwrap();
    assert_eq!(
        str_at(&parent, "/childAdditions/references/0/managedObject/id"),
        service["id"].as_str().unwrap()
    );
    let children: Vec<Value> = emulator
        .child_devices("par")
        .iter()
        .map(|c| c["id"].clone())
        .collect();
    assert_eq!(children, vec![kid1["id"].clone(), kid2["id"].clone()]);
    assert_eq!(emulator.child_devices("kid2")[0]["name"], "Grand");

    publish(&device, "s/us", "105").await;
    assert_eq!(next_on(&mut device, "s/ds").await, "106,kid1,kid2");
    publish(&device, "s/us/kid1", "105").await;
    assert_eq!(next_on(&mut device, "s/ds").await, "106");

    // a grandchild addressed by the full path or by its own id; deeper unknown ids are refused
    publish_all(&mut device, "s/us/kid2/grandkid", &["212,50"]).await;
    publish_all(&mut device, "s/us/grandkid", &["212,51"]).await;
    assert_eq!(
        emulator
            .measurements(&RecordFilter::all().source("grandkid"))
            .len(),
        2
    );
    publish(&device, "s/us/kid2/nobody", "212,52").await;
    assert_eq!(
        next_on(&mut device, "s/e").await,
        "50,212,Device nobody not found in the hierarchy of par"
    );
    assert!(emulator.managed_object_by_external_id("nobody").is_none());
    emulator.shutdown().await;
}

#[tokio::test]
async fn advanced_software_list_is_kept_outside_the_device() {
    let emulator = start_with(&["sw"]).await;
    let mut device = ready_device(&emulator, "sw").await;
    publish_all(
        &mut device,
        "s/us",
        &["140,a,1,apt,,b,2", "141,c,3,,http://c", "142,a,1"],
    )
    .await;
    let mo = emulator.managed_object_by_external_id("sw").unwrap();
    let holder_id = str_at(&mo, "/childAdditions/references/0/managedObject/id").to_owned();
    let holder = emulator.cumulocity().unwrap().managed_object(&holder_id).unwrap();
    assert_eq!(holder["type"], "c8y_InstalledSoftwareList");
    assert_eq!(
        holder["c8y_InstalledSoftwareList"],
        json!([{"name": "b", "version": "2"}, {"name": "c", "version": "3", "url": "http://c"}])
    );
    emulator.shutdown().await;
}

#[tokio::test]
async fn measurement_templates() {
    let emulator = start_with(&["ms"]).await;
    let mut device = ready_device(&emulator, "ms").await;
    publish_all(
        &mut device,
        "s/us",
        &[
            "200,c8y_Pressure,P,1013.5,hPa,2024-01-01T10:00:00.000Z",
            "201,Kamstrup,2022-03-19T12:03:27.845Z,c8y_E,A+:1,1234,kWh,c8y_E,A-:1,2345,kWh",
            "210,-90,5",
            "210,,7",
            "211,21.5",
            "212,95",
        ],
    )
    .await;
    let all = emulator.measurements(&RecordFilter::all().source("ms"));
    let bodies: Vec<Value> = all
        .iter()
        .map(|m| {
            let mut m = m.as_object().unwrap().clone();
            for key in ["id", "self", "source", "creationTime"] {
                m.remove(key);
            }
            if m["type"] != "c8y_Pressure" && m["type"] != "Kamstrup" {
                m.remove("time");
            }
            Value::Object(m)
        })
        .collect();
    assert_eq!(
        bodies,
        vec![
            json!({"type": "c8y_Pressure", "time": "2024-01-01T10:00:00.000Z", "c8y_Pressure": {"P": {"value": 1013.5, "unit": "hPa"}}}),
            json!({"type": "Kamstrup", "time": "2022-03-19T12:03:27.845Z", "c8y_E": {"A+:1": {"value": 1234, "unit": "kWh"}, "A-:1": {"value": 2345, "unit": "kWh"}}}),
            json!({"type": "c8y_SignalStrength", "c8y_SignalStrength": {"rssi": {"value": -90, "unit": "dBm"}, "ber": {"value": 5, "unit": "%"}}}),
            json!({"type": "c8y_SignalStrength", "c8y_SignalStrength": {"ber": {"value": 7, "unit": "%"}}}),
            json!({"type": "c8y_TemperatureMeasurement", "c8y_TemperatureMeasurement": {"T": {"value": 21.5, "unit": "C"}}}),
            json!({"type": "c8y_Battery", "c8y_Battery": {"level": {"value": 95, "unit": "%"}}}),
        ]
    );
    let mo = emulator.managed_object_by_external_id("ms").unwrap();
    for m in &all {
        assert_eq!(m["source"]["id"], mo["id"]);
        assert!(m["time"].is_string() && m["id"].is_string());
    }

    // transient (t/) and CEP (c/) measurements are processed, not stored; q/ stores
    publish_all(&mut device, "t/us", &["212,1"]).await;
    publish_all(&mut device, "c/us", &["212,2"]).await;
    publish_all(&mut device, "q/us", &["212,3"]).await;
    let batteries = emulator.measurements(&RecordFilter::all().of_type("c8y_Battery"));
    let values: Vec<&Value> = batteries
        .iter()
        .map(|m| &m["c8y_Battery"]["level"]["value"])
        .collect();
    assert_eq!(values, vec![&json!(95), &json!(3)]);
    emulator.shutdown().await;
}

#[tokio::test]
async fn event_templates() {
    let emulator = start_with(&["ev"]).await;
    let mut device = ready_device(&emulator, "ev").await;
    publish_all(
        &mut device,
        "s/us",
        &[
            "400,c8y_MyEvent,\"Something, happened\",2024-02-02T02:02:02.000Z",
            "401,52.1,13.2",
            "402,50,10,,3",
            "407,c8y_LocationUpdate,c8y_Position",
            "408,,,,c8y_RelayStatus.left,BOOLEAN,true,c8y_Level,NUMBER,5",
            "408,,,,c8y_RelayStatus.left,BOOLEAN,true",
            "408,,,,c8y_Level,NUMBER,5,c8y_RelayStatus.left,BOOLEAN,true",
        ],
    )
    .await;
    let events = emulator
        .cumulocity()
        .unwrap()
        .events(&RecordFilter::all().source("ev"));
    assert_eq!(events.len(), 4, "{events:?}");
    assert_eq!(
        (
            events[0]["type"].as_str(),
            events[0]["text"].as_str(),
            events[0]["time"].as_str()
        ),
        (
            Some("c8y_MyEvent"),
            Some("Something, happened"),
            Some("2024-02-02T02:02:02.000Z")
        )
    );
    assert_eq!(events[1]["type"], "c8y_LocationUpdate");
    assert_eq!(events[1]["c8y_Position"], json!({"lat": 52.1, "lng": 13.2}));
    assert!(
        events[2].get("c8y_Position").is_none(),
        "407 cleared the latest location event"
    );
    assert_eq!(events[3]["type"], "c8y_ParameterUpdate");
    assert_eq!(
        events[3]["c8y_ParameterUpdate"],
        json!({"c8y_RelayStatus.left": true, "c8y_Level": 5})
    );
    let mo = emulator.managed_object_by_external_id("ev").unwrap();
    assert_eq!(
        mo["c8y_Position"],
        json!({"lat": 50, "lng": 10, "accuracy": 3}),
        "402 sets the device position"
    );
    assert_eq!(mo["c8y_RelayStatus"], json!({"left": true}));
    assert_eq!(mo["c8y_Level"], json!(5));
    emulator.shutdown().await;
}

#[tokio::test]
async fn subscribing_before_the_device_exists_is_refused() {
    let emulator = start_with(&["early"]).await;
    let mut client = device(&emulator, "early").await;
    assert_eq!(
        try_subscribe(&mut client, "s/ds").await,
        rumqttc::SubscribeReasonCode::Failure
    );
    publish(&client, "s/us", "100,Early bird").await;
    emulator
        .wait_for_managed_object("early", |_| true, WAIT)
        .await
        .unwrap();
    subscribe(&mut client, "s/ds").await;
    // a repeated 100 reports the existing device on s/e and changes nothing
    subscribe(&mut client, "s/e").await;
    publish(&client, "s/us", "100,Other name,other_type").await;
    assert_eq!(
        next_on(&mut client, "s/e").await,
        "41,100,Device already existing"
    );
    let mo = emulator.managed_object_by_external_id("early").unwrap();
    assert_eq!(
        (mo["name"].as_str(), mo["type"].as_str()),
        (Some("Early bird"), Some("c8y_MQTTDevice"))
    );
    assert_eq!(str_at(&mo, "/c8y_Connection/status"), "CONNECTED");
    emulator.shutdown().await;
}

#[tokio::test]
async fn any_first_row_auto_creates_the_device_and_a_last_will_counts_as_a_publish() {
    let emulator = start_with(&["auto"]).await;
    let mut options = tcp_options(&emulator, "d:auto", "t12345/device_auto", DEVICE_PASSWORD);
    options.set_last_will(rumqttc::LastWill::new(
        "s/us",
        "400,c8y_ConnectionEvent,\"Device connection was lost.\"",
        rumqttc::QoS::AtLeastOnce,
        false,
    ));
    let mut client = common::spawn_client(options);
    assert_eq!(client.connack_code().await, 0);
    publish(&client, "s/us", "212,80").await;
    let mo = emulator
        .wait_for_managed_object("auto", |_| true, WAIT)
        .await
        .unwrap();
    assert_eq!(
        (mo["name"].as_str(), mo["type"].as_str()),
        (Some("MQTT Device auto"), Some("c8y_MQTTDevice"))
    );
    emulator
        .wait_for_measurement(|m| m["type"] == "c8y_Battery", WAIT)
        .await
        .unwrap();
    assert!(emulator.drop_connection("auto"));
    let event = emulator
        .cumulocity()
        .unwrap()
        .wait_for_event(|e| e["type"] == "c8y_ConnectionEvent", WAIT)
        .await
        .unwrap();
    assert_eq!(event["text"], "Device connection was lost.");
    assert_eq!(event["source"]["id"], mo["id"]);
    emulator.shutdown().await;
}
