//! Operations (reference §5.6–§5.8, §11.5): static rendering on `s/ds` to the root session,
//! child operations with the child's external id, `500` re-delivery of the whole hierarchy, the
//! status machine by fragment and by id, `507`, SUCCESSFUL side effects, operations without a
//! static template, the twice-delivery fault and the renderer hook.

mod common;
mod platform_support;

use std::sync::Arc;

use c8y_mqtt_emulator::OperationRenderer;
use c8y_mqtt_emulator::model::RecordFilter;
use c8y_mqtt_emulator::platform::request::{Document, Reply};
use common::WAIT;
use platform_support::*;
use rumqttc::Packet;
use serde_json::{Value, json};

fn id(op: &Value) -> String {
    op["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn operations_render_statically_and_children_route_to_the_root() {
    let emulator = start_with(&["root"]).await;
    let mut device = ready_device(&emulator, "root").await;
    publish(&device, "s/us/child1", "212,1").await;
    emulator
        .wait_for_managed_object("child1", |_| true, WAIT)
        .await
        .unwrap();

    let cases = [
        (json!({"c8y_Restart": {}}), "510,root"),
        (json!({"c8y_Command": {"text": "ls -l"}}), "511,root,ls -l"),
        (json!({"c8y_Configuration": {"config": "a=1"}}), "513,root,a=1"),
        (
            json!({"c8y_Firmware": {"name": "fw", "version": "2", "url": "http://f"}}),
            "515,root,fw,2,http://f",
        ),
        (json!({"c8y_Relay": {"relayState": "OPEN"}}), "518,root,OPEN"),
        (
            json!({"c8y_RelayArray": ["OPEN", "CLOSED"]}),
            "519,root,OPEN,CLOSED",
        ),
        (json!({"c8y_UploadConfigFile": {}}), "520,root"),
        (
            json!({"c8y_DownloadConfigFile": {"url": "http://c"}}),
            "521,root,http://c",
        ),
        (json!({"c8y_CommunicationMode": {"mode": "SMS"}}), "523,root,SMS"),
        (
            json!({"c8y_DownloadConfigFile": {"url": "http://c", "type": "ssh"}}),
            "524,root,http://c,ssh",
        ),
        (json!({"c8y_UploadConfigFile": {"type": "ssh"}}), "526,root,ssh"),
        (
            json!({"c8y_SoftwareUpdate": [{"name": "a", "version": "1", "url": "u", "action": "install"}]}),
            "528,root,a,1,u,install",
        ),
        (
            json!({"c8y_RemoteAccessConnect": {"hostname": "127.0.0.1", "port": 22, "connectionKey": "k"}}),
            "530,root,127.0.0.1,22,k",
        ),
    ];
    for (fragments, row) in cases {
        emulator.create_operation("root", fragments).unwrap();
        assert_eq!(next_on(&mut device, "s/ds").await, row);
    }
    emulator
        .create_operation("child1", json!({"c8y_Restart": {}}))
        .unwrap();
    assert_eq!(next_on(&mut device, "s/ds").await, "510,child1");

    // no static template: stored, not delivered
    let custom = emulator
        .create_operation("root", json!({"c8y_Custom": {"x": 1}}))
        .unwrap();
    assert_eq!(custom["status"], "PENDING");
    device
        .expect_no_incoming(|p| matches!(p, Packet::Publish(_)))
        .await;
    assert!(
        emulator
            .create_operation("nobody", json!({"c8y_Restart": {}}))
            .is_err()
    );
    emulator.shutdown().await;
}

#[tokio::test]
async fn pending_operations_of_the_hierarchy_are_redelivered_on_500_and_statuses_follow_the_rules() {
    let emulator = start_with(&["agent"]).await;
    let mut device = ready_device(&emulator, "agent").await;
    publish(&device, "s/us", "101,kid").await;
    emulator
        .wait_for_managed_object("kid", |_| true, WAIT)
        .await
        .unwrap();
    let first = emulator
        .create_operation("agent", json!({"c8y_Command": {"text": "one"}}))
        .unwrap();
    let second = emulator
        .create_operation("agent", json!({"c8y_Command": {"text": "two"}}))
        .unwrap();
    let kid_op = emulator
        .create_operation("kid", json!({"c8y_Restart": {}}))
        .unwrap();
    assert_eq!(
        next_n_on(&mut device, "s/ds", 3).await,
        vec!["511,agent,one", "511,agent,two", "510,kid"]
    );
    publish(&device, "s/us", "500").await;
    assert_eq!(
        next_n_on(&mut device, "s/ds", 3).await,
        vec!["511,agent,one", "511,agent,two", "510,kid"]
    );
    let delivered = emulator.operation(&id(&first)).unwrap();
    assert_eq!(delivered["delivery"]["log"].as_array().unwrap().len(), 2);
    assert_eq!(
        delivered["externalSource"],
        json!({"externalId": "agent", "type": "c8y_Serial"})
    );

    // 501 picks the oldest PENDING of the fragment; 503 the oldest EXECUTING, with the result
    publish(&device, "s/us", "501,c8y_Command").await;
    emulator
        .wait_for_operation_status(&id(&first), "EXECUTING", WAIT)
        .await
        .unwrap();
    assert_eq!(emulator.operation(&id(&second)).unwrap()["status"], "PENDING");
    publish(&device, "s/us", "503,c8y_Command,\"total 0\"").await;
    let done = emulator
        .wait_for_operation_status(&id(&first), "SUCCESSFUL", WAIT)
        .await
        .unwrap();
    assert_eq!(done["c8y_Command"]["result"], "total 0");
    publish(&device, "s/us", "501,c8y_Command\n502,c8y_Command,\"it broke\"").await;
    let failed = emulator
        .wait_for_operation_status(&id(&second), "FAILED", WAIT)
        .await
        .unwrap();
    assert_eq!(failed["failureReason"], "it broke");

    // the child's operation: by fragment on the child topic, not on the root's
    publish(&device, "s/us", "501,c8y_Restart").await;
    assert_eq!(
        next_on(&mut device, "s/e").await,
        format!(
            "50,501,No PENDING operation with fragment c8y_Restart for device id {}",
            emulator.managed_object_by_external_id("agent").unwrap()["id"]
                .as_str()
                .unwrap()
        )
    );
    publish(&device, "s/us/kid", "501,c8y_Restart").await;
    emulator
        .wait_for_operation_status(&id(&kid_op), "EXECUTING", WAIT)
        .await
        .unwrap();
    publish(&device, "s/us/kid", "507").await;
    let failed = emulator
        .wait_for_operation_status(&id(&kid_op), "FAILED", WAIT)
        .await
        .unwrap();
    assert!(failed.get("failureReason").is_none());

    // nothing PENDING is left: 500 sends nothing
    publish(&device, "s/us", "500").await;
    device
        .expect_no_incoming(|p| matches!(p, Packet::Publish(p) if p.topic == "s/ds"))
        .await;
    emulator.shutdown().await;
}

#[tokio::test]
async fn by_id_updates_507_and_successful_side_effects() {
    let emulator = start_with(&["fx"]).await;
    let mut device = ready_device(&emulator, "fx").await;
    let log = emulator
        .create_operation(
            "fx",
            json!({"c8y_LogfileRequest": {"logFile": "syslog", "dateFrom": "2021-09-21T11:40:27+0200", "dateTo": "2021-09-22T11:40:27+0200", "searchText": "ERROR", "maximumLines": 1000}}),
        )
        .unwrap();
    assert_eq!(
        next_on(&mut device, "s/ds").await,
        "522,fx,syslog,2021-09-21T11:40:27+0200,2021-09-22T11:40:27+0200,ERROR,1000"
    );
    let relays = emulator
        .create_operation("fx", json!({"c8y_RelayArray": ["OPEN", "OPEN"]}))
        .unwrap();
    let mode = emulator
        .create_operation("fx", json!({"c8y_CommunicationMode": {"mode": "SMS"}}))
        .unwrap();
    let config = emulator
        .create_operation(
            "fx",
            json!({"c8y_DownloadConfigFile": {"url": "http://c", "c8y_ConfigurationDump": {"id": "777"}}}),
        )
        .unwrap();
    let a = emulator
        .create_operation("fx", json!({"c8y_Restart": {}}))
        .unwrap();
    let b = emulator
        .create_operation("fx", json!({"c8y_Command": {"text": "x"}}))
        .unwrap();
    next_n_on(&mut device, "s/ds", 5).await;

    for op in [&log, &relays, &mode, &config, &a, &b] {
        publish(&device, "s/us", &format!("504,{}", id(op))).await;
    }
    publish(
        &device,
        "s/us",
        &format!(
            "506,{},\"https://t.example/event/events/157700/binaries\"\n506,{},CLOSED,OPEN\n506,{}\n506,{},2024-05-05T05:05:05.000Z",
            id(&log),
            id(&relays),
            id(&mode),
            id(&config)
        ),
    )
    .await;
    publish(&device, "s/us", "507,c8y_Restart,\"crash recovery\"").await;
    let restarted = emulator
        .wait_for_operation_status(&id(&a), "FAILED", WAIT)
        .await
        .unwrap();
    assert_eq!(restarted["failureReason"], "crash recovery");
    assert_eq!(
        emulator.operation(&id(&b)).unwrap()["status"],
        "EXECUTING",
        "507 with a fragment"
    );
    publish(&device, "s/us", &format!("505,{},\"no shell\"", id(&b))).await;
    emulator
        .wait_for_operation_status(&id(&b), "FAILED", WAIT)
        .await
        .unwrap();

    let log = emulator.operation(&id(&log)).unwrap();
    assert_eq!(log["status"], "SUCCESSFUL");
    assert_eq!(
        log["c8y_LogfileRequest"]["file"],
        "https://t.example/event/events/157700/binaries"
    );
    let mo = emulator.managed_object_by_external_id("fx").unwrap();
    assert_eq!(mo["c8y_RelayArray"], json!(["CLOSED", "OPEN"]));
    assert_eq!(mo["c8y_CommunicationMode"], json!({"mode": "SMS"}));
    assert_eq!(
        mo["c8y_ConfigurationDump"],
        json!({"id": "777", "time": "2024-05-05T05:05:05.000Z"})
    );
    let fx_ops = emulator.operations(&RecordFilter::all().source("fx"));
    assert_eq!(fx_ops.len(), 6);
    emulator.shutdown().await;
}

struct Echo;

impl OperationRenderer for Echo {
    fn render(&self, root: &str, operation: &Document) -> Vec<Reply> {
        vec![Reply::new(
            "s/ol/hook",
            format!("{root}:{}", operation["id"].as_str().unwrap_or_default()),
        )]
    }
}

#[tokio::test]
async fn twice_delivery_fault_and_renderer_hook() {
    let emulator = start_with(&["dup"]).await;
    let mut device = ready_device(&emulator, "dup").await;
    // A topic only the test's renderer uses (the built-in JSON rendering owns
    // devicecontrol/notifications).
    subscribe(&mut device, "s/ol/hook").await;
    emulator
        .cumulocity()
        .unwrap()
        .add_operation_renderer(Arc::new(Echo));
    emulator.deliver_operation_twice(true);
    let op = emulator
        .create_operation("dup", json!({"c8y_Restart": {}}))
        .unwrap();
    let notification = format!("dup:{}", id(&op));
    let once = vec![
        ("s/ds".to_owned(), "510,dup".to_owned()),
        ("s/ol/hook".to_owned(), notification),
    ];
    let twice: Vec<(String, String)> = once.iter().chain(once.iter()).cloned().collect();
    assert_eq!(next_publishes(&mut device, 4).await, twice);
    emulator.deliver_operation_twice(false);
    publish(&device, "s/us", "500").await;
    assert_eq!(next_publishes(&mut device, 2).await, once);
    device
        .expect_no_incoming(|p| matches!(p, Packet::Publish(_)))
        .await;
    emulator.shutdown().await;
}
