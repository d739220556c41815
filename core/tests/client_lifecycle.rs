//! SmartREST 2.0 collections from code, JSON over MQTT, `s/e` errors, and a device's whole
//! lifecycle through the client against the emulator: bootstrap → device → child → data →
//! operation round trip → custom template operation round trip.

mod client_support;

use c8y_mqtt::QoS;
use c8y_mqtt::client::{
    BootstrapConfig, Client, ClientError, CollectionState, DeliveryOutcome, Event, OperationSource,
    ReceivedOperation, Response, Subscriptions, TransportKind, register,
};
use c8y_mqtt::smartrest2::{
    CustomValue, Request, RequestTemplate, ResponseTemplate, Slot, TemplateCollection, ValueType,
};
use c8y_mqtt::templates::upstream::{DeviceCreation, Temperature};
use c8y_mqtt_emulator::model::{DeviceRequestStatus, RecordFilter};
use client_support::*;
use serde_json::{Value, json};

const XID: &str = "ops_1";

/// A measurement request (999: time and value at use) and two operation responses: 777 for
/// `c8y_Restart` (the id), 778 for `c8y_Command` (the id and the command text).
fn collection() -> TemplateCollection {
    let measurement = RequestTemplate::new(
        "999",
        Request::MeasurementPost {
            measurement_type: Slot::text("c8y_MyMeasurement"),
            time: Slot::AtUse,
        },
    )
    .unwrap()
    .with_custom_value(CustomValue::at_use(
        "c8y_MyMeasurement.M.value",
        ValueType::Number,
    ))
    .unwrap();
    TemplateCollection::new(XID)
        .unwrap()
        .with_request(measurement)
        .unwrap()
        .with_response(ResponseTemplate::new("777", None, Some("c8y_Restart"), ["id"]).unwrap())
        .unwrap()
        .with_response(
            ResponseTemplate::new("778", None, Some("c8y_Command"), ["id", "c8y_Command.text"]).unwrap(),
        )
        .unwrap()
}

async fn next_operation(client: &Client) -> ReceivedOperation {
    match expect_event(client, |e| matches!(e, Event::Operation(_))).await {
        Event::Operation(op) => *op,
        _ => unreachable!(),
    }
}

async fn next_collection_state(client: &Client) -> CollectionState {
    match expect_event(client, |e| matches!(e, Event::Collection { .. })).await {
        Event::Collection { xid, state } => {
            assert_eq!(xid, XID);
            state
        }
        _ => unreachable!(),
    }
}

fn op_id(op: &Value) -> String {
    op["id"].as_str().expect("operation id").to_owned()
}

async fn wait_status(emulator: &c8y_mqtt_emulator::EmulatorHandle, id: &str, status: &str) -> Value {
    emulator
        .wait_for_operation_status(id, status, WAIT)
        .await
        .unwrap_or_else(|_| panic!("operation {id} never {status}: {:?}", emulator.operation(id)))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn collection_is_created_once_then_used() {
    let emulator = emulator().await;
    let builder = || {
        config(&emulator, TransportKind::Tcp)
            .collection(collection())
            .operation_response(XID, "777")
    };
    let client = connected_client(builder()).await;
    assert_eq!(next_collection_state(&client).await, CollectionState::Checking);
    assert_eq!(next_collection_state(&client).await, CollectionState::Creating);
    assert!(matches!(
        next_collection_state(&client).await,
        CollectionState::Ready { .. }
    ));
    let creation = collection().creation_payload(QoS::AtLeastOnce).unwrap();
    let on_ut: Vec<String> = payloads(&emulator)
        .into_iter()
        .filter(|(topic, _)| topic == "s/ut/ops_1")
        .map(|(_, payload)| payload)
        .collect();
    assert_eq!(on_ut, ["", creation.as_str(), ""]);

    // A use line becomes a measurement.
    let sr2 = client.smartrest2(XID).unwrap();
    sr2.send("999", ["", "25"]).unwrap();
    expect_publish(&emulator, "s/uc/ops_1", "999,,25").await;
    let measurement = emulator
        .wait_for_measurement(|m| m["type"] == "c8y_MyMeasurement", WAIT)
        .await
        .expect("measurement stored");
    assert_eq!(measurement["c8y_MyMeasurement"]["M"]["value"], json!(25));
    assert!(matches!(
        sr2.send("999", ["", "twenty"]),
        Err(ClientError::UseLine(_))
    ));
    assert!(matches!(
        sr2.send("998", [""]),
        Err(ClientError::UnknownTemplate { .. })
    ));

    // A custom operation rendered by response template 777, run by id.
    let id = op_id(
        &emulator
            .create_operation(DEVICE, json!({"c8y_Restart": {}}))
            .unwrap(),
    );
    let op = next_operation(&client).await;
    assert_eq!(op.id.as_deref(), Some(id.as_str()));
    assert_eq!(op.device, DEVICE);
    assert_eq!(op.fragment, "c8y_Restart");
    assert_eq!(
        op.source,
        OperationSource::SmartRest2 {
            xid: XID.to_owned(),
            msg_id: "777".to_owned(),
            values: vec![id.clone()],
        }
    );
    op.executing().unwrap();
    expect_publish(&emulator, "s/us", &format!("504,{id}")).await;
    op.succeed(Vec::<String>::new()).unwrap();
    expect_publish(&emulator, "s/us", &format!("506,{id}")).await;
    wait_status(&emulator, &id, "SUCCESSFUL").await;
    client.close().await;

    // The next connect finds it: no second creation.
    let client = connected_client(builder()).await;
    assert_eq!(next_collection_state(&client).await, CollectionState::Checking);
    assert!(matches!(
        next_collection_state(&client).await,
        CollectionState::Ready { .. }
    ));
    let creations = payloads(&emulator)
        .into_iter()
        .filter(|(topic, payload)| topic == "s/ut/ops_1" && !payload.is_empty())
        .count();
    assert_eq!(creations, 1);
    client.close().await;
}

/// With a default X-ID, `s/dd` carries the default collection's responses: an operation
/// response template becomes a typed operation, any other response a `SmartRest2Response`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn default_collection_responses_arrive_on_s_dd() {
    let emulator = emulator().await;
    let builder = config(&emulator, TransportKind::Tcp)
        .default_xid(XID)
        .collection(collection())
        .operation_response(XID, "777")
        .subscriptions(Subscriptions {
            default_collection: true,
            ..Subscriptions::default()
        });
    let client = connected_client(builder).await;
    emulator
        .publish_to(DEVICE, "s/dd", format!("777,{DEVICE},4711"), QoS::AtLeastOnce)
        .expect("the client subscribed s/dd");
    let op = next_operation(&client).await;
    assert_eq!(op.id.as_deref(), Some("4711"));
    assert_eq!(op.device, DEVICE);
    assert_eq!(
        op.source,
        OperationSource::SmartRest2 {
            xid: XID.to_owned(),
            msg_id: "777".to_owned(),
            values: vec!["4711".to_owned()],
        }
    );
    emulator
        .publish_to(
            DEVICE,
            "s/dd",
            format!("778,{DEVICE},4712,\"ls -l\""),
            QoS::AtLeastOnce,
        )
        .expect("the client subscribed s/dd");
    let response = expect_event(&client, |e| matches!(e, Event::SmartRest2Response(_))).await;
    assert_eq!(
        response,
        Event::SmartRest2Response(Response {
            xid: XID.to_owned(),
            msg_id: "778".to_owned(),
            values: vec![DEVICE.to_owned(), "4712".to_owned(), "ls -l".to_owned()],
        })
    );
    client.close().await;
}

/// Use lines sent before the platform confirmed their collection wait in the outbox and go out
/// in order once it exists: none is refused for a missing collection (docs/protocol.md §7.4).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn use_lines_wait_for_their_collection_and_go_out_in_order() {
    let emulator = emulator().await;
    let client = Client::start(
        config(&emulator, TransportKind::Tcp)
            .collection(collection())
            .build()
            .unwrap(),
    )
    .unwrap();
    // Queued at once, before the client even connected.
    let sr2 = client.smartrest2(XID).unwrap();
    let deliveries: Vec<_> = (1..=5)
        .map(|i| sr2.send("999", ["".to_owned(), i.to_string()]).unwrap())
        .collect();
    for delivery in deliveries {
        assert_eq!(delivery.await, DeliveryOutcome::Acknowledged);
    }
    let sent: Vec<(String, String)> = payloads(&emulator)
        .into_iter()
        .filter(|(topic, _)| topic.starts_with("s/u"))
        .collect();
    let created = sent
        .iter()
        .position(|(topic, payload)| topic == "s/ut/ops_1" && !payload.is_empty())
        .expect("collection created");
    let uses: Vec<usize> = sent
        .iter()
        .enumerate()
        .filter(|(_, (topic, _))| topic == "s/uc/ops_1")
        .map(|(i, _)| i)
        .collect();
    assert!(uses.iter().all(|&i| i > created), "{sent:?}");
    let values: Vec<&str> = uses.iter().map(|&i| sent[i].1.as_str()).collect();
    assert_eq!(values, ["999,,1", "999,,2", "999,,3", "999,,4", "999,,5"]);
    assert!(
        !emulator.events().iter().any(|e| matches!(
            e,
            c8y_mqtt_emulator::EmulatorEvent::Delivered { topic, .. } if topic == "s/e"
        )),
        "nothing refused"
    );
    let stored = emulator.measurements(&RecordFilter::all().of_type("c8y_MyMeasurement"));
    assert_eq!(stored.len(), 5);
    client.close().await;
}

/// With a default X-ID the client subscribes `s/dd` by itself and sends the default
/// collection's use lines on `s/ud`; use lines for a child go to `.../<child>`
/// (docs/protocol.md §7.1, §7.7).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn default_collection_and_child_use_lines() {
    let emulator = emulator().await;
    let client = connected_client(
        config(&emulator, TransportKind::Tcp)
            .default_xid(XID)
            .collection(collection()),
    )
    .await;
    let subscribed = emulator.events().iter().any(|e| {
        matches!(e, c8y_mqtt_emulator::EmulatorEvent::Subscribed { topic, granted: Some(_), .. } if topic == "s/dd")
    });
    assert!(subscribed, "s/dd subscribed without asking");
    let sr2 = client.smartrest2(XID).unwrap();
    assert_eq!(
        sr2.send("999", ["", "7"]).unwrap().await,
        DeliveryOutcome::Acknowledged
    );
    expect_publish(&emulator, "s/ud", "999,,7").await;

    client
        .device()
        .create_child("dev1_meter", "Meter", "c8y_Meter")
        .unwrap()
        .1
        .unwrap()
        .await;
    let meter = sr2.child("dev1_meter").unwrap();
    assert_eq!(
        meter.send("999", ["", "8"]).unwrap().await,
        DeliveryOutcome::Acknowledged
    );
    expect_publish(&emulator, "s/ud/dev1_meter", "999,,8").await;
    let stored = emulator
        .wait_for_measurement(|m| m["c8y_MyMeasurement"]["M"]["value"] == json!(8), WAIT)
        .await
        .expect("child measurement stored");
    let child = emulator.managed_object_by_external_id("dev1_meter").unwrap();
    assert_eq!(stored["source"]["id"], child["id"], "{stored}");
    client.close().await;

    // Without a default X-ID: `s/uc/<X-ID>/<child>`.
    let other = connected_client(config(&emulator, TransportKind::Tcp).collection(collection())).await;
    let sr2 = other.smartrest2(XID).unwrap().child("dev1_meter").unwrap();
    assert_eq!(
        sr2.send("999", ["", "9"]).unwrap().await,
        DeliveryOutcome::Acknowledged
    );
    expect_publish(&emulator, "s/uc/ops_1/dev1_meter", "999,,9").await;
    other.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_measurement_is_stored_and_errors_are_typed() {
    let emulator = emulator().await;
    let client = connected_client(config(&emulator, TransportKind::Tcp).json_errors(true)).await;
    client
        .json()
        .create_measurement(&json!({
            "type": "c8y_JsonTemperature",
            "time": "2026-01-01T00:00:00.000Z",
            "c8y_JsonTemperature": {"T": {"value": 21.5, "unit": "C"}}
        }))
        .unwrap();
    expect_publish(
        &emulator,
        "measurement/measurements/create",
        r#"{"c8y_JsonTemperature":{"T":{"unit":"C","value":21.5}},"time":"2026-01-01T00:00:00.000Z","type":"c8y_JsonTemperature"}"#,
    )
    .await;
    let stored = emulator
        .wait_for_measurement(|m| m["type"] == "c8y_JsonTemperature", WAIT)
        .await
        .expect("measurement stored");
    assert_eq!(stored["c8y_JsonTemperature"]["T"]["value"], json!(21.5));

    // A JSON document the platform refuses comes back on `error`.
    client.json().create_alarm(&json!({"type": "c8y_Bad"})).unwrap();
    let event = expect_event(&client, |e| matches!(e, Event::JsonError(_))).await;
    let Event::JsonError(error) = event else {
        unreachable!()
    };
    assert!(!error.error.is_empty() && !error.message.is_empty(), "{error:?}");

    // A static row with an unknown template id: the s/e line names it.
    client.publish_raw("s/us", "999,bad", QoS::AtLeastOnce).unwrap();
    let event = expect_event(&client, |e| matches!(e, Event::SmartRestError(_))).await;
    let Event::SmartRestError(line) = event else {
        unreachable!()
    };
    assert_eq!(line.code, 40);
    assert_eq!(line.template, "999");
    assert_eq!(line.text, "No static template for this message id");

    // A JSON document too large for one packet is refused at the call.
    let huge = json!({"type": "x", "text": "y".repeat(20_000)});
    assert!(matches!(
        client.json().create_event(&huge),
        Err(ClientError::MessageTooLarge { .. })
    ));
    client.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn whole_device_lifecycle() {
    let emulator = emulator().await;
    // Bootstrap: the operator registers the id, the device polls s/ucr with the bootstrap user,
    // the operator accepts, the device gets 70,<tenant>,<user>,<password> (kept in a 0600 file).
    emulator.register_device(DEVICE).expect("platform model");
    let dir = std::env::temp_dir().join(format!("c8y-lifecycle-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let mut bootstrap = BootstrapConfig::new(
        "127.0.0.1",
        DEVICE,
        emulator.bootstrap_password(),
        dir.join("credentials"),
    );
    bootstrap.port = Some(emulator.mqtt_addr().expect("mqtt").port());
    bootstrap.transport = TransportKind::Tcp;
    bootstrap.poll_interval = std::time::Duration::from_millis(50);
    bootstrap.timeout = WAIT;
    let registration = tokio::spawn(register(bootstrap));
    emulator
        .wait_for_device_request(DEVICE, DeviceRequestStatus::PendingAcceptance, WAIT)
        .await
        .expect("the device polled");
    emulator.accept_device_request(DEVICE).unwrap();
    let credentials = registration.await.unwrap().expect("credentials delivered");
    assert_eq!(
        (credentials.tenant.as_str(), credentials.user.as_str()),
        (TENANT, USER)
    );
    std::fs::remove_dir_all(&dir).unwrap();

    // With those credentials: device creation → subscriptions.
    let client = connected_client(
        config(&emulator, TransportKind::Tcp)
            .credentials_from(&credentials)
            .create_device(
                DeviceCreation::new()
                    .with_name("Lifecycle device")
                    .with_device_type("c8y_Test"),
            )
            .collection(collection())
            .operation_response(XID, "778"),
    )
    .await;
    emulator
        .wait_for_managed_object(DEVICE, |mo| mo["name"] == "Lifecycle device", WAIT)
        .await
        .expect("device created");
    assert_eq!(next_collection_state(&client).await, CollectionState::Checking);

    // A child, created once.
    let (child, delivery) = client
        .device()
        .create_child("dev1:c1", "Child 1", "c8y_Child")
        .unwrap();
    delivery.expect("first creation sends 101");
    let (_, again) = client
        .device()
        .create_child("dev1:c1", "Child 1", "c8y_Child")
        .unwrap();
    assert!(again.is_none(), "created once");
    expect_publish(&emulator, "s/us", "101,dev1:c1,Child 1,c8y_Child").await;

    // Data for the child.
    child.publish(Temperature::new(21)).unwrap();
    expect_publish(&emulator, "s/us/dev1:c1", "211,21").await;
    emulator
        .wait_for_measurement(|m| m["type"] == "c8y_TemperatureMeasurement", WAIT)
        .await
        .expect("temperature stored");
    assert_eq!(
        emulator
            .measurements(&RecordFilter::all().source("dev1:c1"))
            .len(),
        1
    );
    assert_eq!(emulator.child_devices(DEVICE).len(), 1);

    // A static operation for the child, answered on the child's topic.
    let restart = op_id(
        &emulator
            .create_operation("dev1:c1", json!({"c8y_Restart": {}}))
            .unwrap(),
    );
    let op = next_operation(&client).await;
    assert_eq!(op.device, "dev1:c1");
    assert_eq!(op.id, None);
    op.executing().unwrap();
    expect_publish(&emulator, "s/us/dev1:c1", "501,c8y_Restart").await;
    op.succeed(Vec::<String>::new()).unwrap();
    expect_publish(&emulator, "s/us/dev1:c1", "503,c8y_Restart").await;
    wait_status(&emulator, &restart, "SUCCESSFUL").await;

    // A custom-template operation (response 778) for the device, run by id; its static 511
    // rendering is not delivered a second time.
    let command = op_id(
        &emulator
            .create_operation(DEVICE, json!({"c8y_Command": {"text": "uptime"}}))
            .unwrap(),
    );
    let op = next_operation(&client).await;
    assert_eq!(op.id.as_deref(), Some(command.as_str()));
    assert_eq!(op.fragment, "c8y_Command");
    assert_eq!(
        op.source,
        OperationSource::SmartRest2 {
            xid: XID.to_owned(),
            msg_id: "778".to_owned(),
            values: vec![command.clone(), "uptime".to_owned()],
        }
    );
    op.executing().unwrap();
    op.succeed(["up 3 days"]).unwrap();
    expect_publish(&emulator, "s/us", &format!("506,{command},up 3 days")).await;
    wait_status(&emulator, &command, "SUCCESSFUL").await;

    // Nothing else was delivered as an operation: the next one is the next created.
    let last = op_id(
        &emulator
            .create_operation(DEVICE, json!({"c8y_Command": {"text": "date"}}))
            .unwrap(),
    );
    assert_eq!(next_operation(&client).await.id, Some(last));
    client.flush(WAIT).await.expect("everything acknowledged");
    client.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn smartrest1_row_and_response() {
    let emulator = emulator().await;
    let templates = concat!(
        "10,100,POST,/inventory/managedObjects,application/json,application/json,%%,STRING,",
        "\"{\"\"name\"\":\"\"%%\"\",\"\"c8y_IsDevice\"\":{}}\"\n",
        "11,800,,$.c8y_IsDevice,$.id\n",
    );
    emulator
        .cumulocity()
        .unwrap()
        .engines()
        .sr1
        .register(TENANT, "com.acme-v1", templates.as_bytes())
        .unwrap();
    let client = connected_client(
        config(&emulator, TransportKind::Tcp).smartrest1(c8y_mqtt::topic::XId::new("com.acme-v1").unwrap()),
    )
    .await;
    client
        .smartrest1("com.acme-v1")
        .unwrap()
        .send("100", ["My \"device\", 1"])
        .unwrap();
    expect_publish(&emulator, "s/ul/com.acme-v1", r#"100,"My ""device"", 1""#).await;
    let event = expect_event(&client, |e| matches!(e, Event::SmartRest1Response { .. })).await;
    let Event::SmartRest1Response { xid, fields } = event else {
        unreachable!()
    };
    assert_eq!(xid, "com.acme-v1");
    // 800, the request row's number, then the created object's id.
    assert_eq!(fields.len(), 3, "{fields:?}");
    assert_eq!(fields[..2], ["800", "1"]);
    let created = emulator
        .cumulocity()
        .unwrap()
        .managed_object(&fields[2])
        .expect("object created");
    assert_eq!(created["name"], "My \"device\", 1");
    client.close().await;
}

/// What the C and Python layers do: operations through `next_event` on a plain thread, the
/// lifecycle calls without a runtime.
#[test]
fn blocking_client_runs_an_operation() {
    use c8y_mqtt::client::{BlockingClient, NextEvent, Subscriptions};
    let emulator = c8y_mqtt_emulator::Emulator::builder()
        .tenant(TENANT)
        .user(USER, PASSWORD)
        .start_blocking()
        .expect("emulator starts");
    let handle = emulator.handle();
    let subscriptions = Subscriptions {
        json_operations: true,
        ..Subscriptions::default()
    };
    let client = BlockingClient::connect(
        config(handle, TransportKind::Tcp)
            .subscriptions(subscriptions)
            .build()
            .unwrap(),
    )
    .unwrap();
    client.wait_connected(WAIT).expect("connected");
    let id = op_id(
        &handle
            .create_operation(DEVICE, json!({"c8y_Restart": {}}))
            .unwrap(),
    );
    let op = loop {
        match client.next_event(WAIT) {
            NextEvent::Event(Event::Operation(op)) => break op,
            NextEvent::Event(_) => {}
            other => panic!("{other:?}"),
        }
    };
    assert_eq!(op.id.as_deref(), Some(id.as_str()));
    op.executing().unwrap();
    op.succeed(Vec::<String>::new()).unwrap();
    emulator
        .block_on(handle.wait_for_operation_status(&id, "SUCCESSFUL", WAIT))
        .expect("SUCCESSFUL");
    client
        .json()
        .create_event(&json!({"type": "c8y_Done", "text": "done"}))
        .unwrap();
    client.flush(WAIT).expect("flushed");
    client.close();
    emulator.shutdown();
}

/// The collection `XID` as a later firmware declares it: template 999's value typed as text,
/// while the platform keeps the definition it has (a number): a collection cannot be changed
/// over MQTT (docs/protocol.md §7.4).
fn collection_with_text_value() -> TemplateCollection {
    let measurement = RequestTemplate::new(
        "999",
        Request::MeasurementPost {
            measurement_type: Slot::text("c8y_MyMeasurement"),
            time: Slot::AtUse,
        },
    )
    .unwrap()
    .with_custom_value(CustomValue::at_use(
        "c8y_MyMeasurement.M.value",
        ValueType::String,
    ))
    .unwrap();
    TemplateCollection::new(XID)
        .unwrap()
        .with_request(measurement)
        .unwrap()
}

/// A use line the platform refuses on `s/e` names its request template's message id
/// (docs/protocol.md §6.1): it is tied to its delivery like a static row, the delivery ends
/// rejected and the event names the device.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_use_line_names_its_delivery_and_ends_rejected() {
    let emulator = emulator().await;
    // The device's first firmware creates the collection with a numeric value.
    let first = connected_client(config(&emulator, TransportKind::Tcp).collection(collection())).await;
    let created = first.smartrest2(XID).unwrap().send("999", ["", "1"]).unwrap();
    assert_eq!(created.await, DeliveryOutcome::Acknowledged);
    first.close().await;

    // A later firmware declares it with a text value; the platform keeps its own definition.
    let second = connected_client(
        config(&emulator, TransportKind::Tcp)
            .collection(collection_with_text_value())
            .rejection_window(std::time::Duration::from_secs(2)),
    )
    .await;
    let sr2 = second.smartrest2(XID).unwrap();
    let refused = sr2.send("999", ["", "warm"]).unwrap();
    let event = expect_event(&second, |e| matches!(e, Event::PublishRejected { .. })).await;
    let Event::PublishRejected { id, device, line } = event else {
        unreachable!()
    };
    assert_eq!((id, device.as_str()), (refused.id(), DEVICE));
    assert_eq!((line.code, line.template.as_str()), (45, "999"), "{line:?}");
    assert_eq!(refused.await, DeliveryOutcome::Rejected { code: 45 });
    // A line the platform takes is acknowledged as before.
    let fine = sr2.send("999", ["", "2"]).unwrap();
    assert_eq!(fine.await, DeliveryOutcome::Acknowledged);
    second.close().await;
}

/// Polls `f` until it returns true (panics after `WAIT`).
async fn until(mut f: impl FnMut() -> bool) {
    let deadline = std::time::Instant::now() + WAIT;
    while !f() {
        assert!(std::time::Instant::now() < deadline, "condition not met in time");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_create_bulk_update_and_delete() {
    use c8y_mqtt::topic::JsonResource;
    let emulator = emulator().await;
    let client = connected_client(config(&emulator, TransportKind::Tcp)).await;
    let api = client.json();
    let bulk = json!({"events": [
        {"type": "c8y_Bulk", "text": "a", "time": "2026-01-01T00:00:00.000Z"},
        {"type": "c8y_Bulk", "text": "b", "time": "2026-01-01T00:01:00.000Z"}
    ]});
    api.create_bulk(JsonResource::Events, &bulk).unwrap();
    expect_publish(&emulator, "event/events/createBulk", &bulk.to_string()).await;
    let stored = || emulator.platform_events(&RecordFilter::all().of_type("c8y_Bulk"));
    until(|| stored().len() == 2).await;
    let first = stored().into_iter().find(|e| e["text"] == "a").expect("event a");
    let id = first["id"].as_str().unwrap().to_owned();

    api.update(JsonResource::Events, &id, &json!({"text": "changed"}))
        .unwrap();
    expect_publish(
        &emulator,
        &format!("event/events/update/{id}"),
        r#"{"text":"changed"}"#,
    )
    .await;
    until(|| {
        stored()
            .iter()
            .any(|e| e["id"] == id.as_str() && e["text"] == "changed")
    })
    .await;

    api.delete(JsonResource::Events, &id).unwrap();
    expect_publish(&emulator, &format!("event/events/delete/{id}"), "").await;
    until(|| stored().len() == 1).await;

    // Inventory create is the generic create's.
    api.create(
        JsonResource::ManagedObjects,
        &json!({"name": "json-made", "c8y_Gadget": {}}),
    )
    .unwrap();
    expect_publish(
        &emulator,
        "inventory/managedObjects/create",
        r#"{"c8y_Gadget":{},"name":"json-made"}"#,
    )
    .await;

    // What the platform does not support is refused at the call.
    assert!(matches!(
        api.create_bulk(JsonResource::ManagedObjects, &json!({})),
        Err(ClientError::Json(_))
    ));
    assert!(matches!(
        api.update(JsonResource::Measurements, "1", &json!({})),
        Err(ClientError::Json(_))
    ));
    assert!(matches!(
        api.delete(JsonResource::Alarms, "1"),
        Err(ClientError::Json(_))
    ));
    assert!(matches!(
        api.delete(JsonResource::Events, "a/b"),
        Err(ClientError::Id(_))
    ));

    // `send`, the publish by resource every face offers: creates, or updates the inventory.
    api.send(
        JsonResource::Alarms,
        None,
        &json!({"type": "c8y_Sent", "text": "t", "severity": "MINOR"}),
    )
    .unwrap();
    expect_publish(
        &emulator,
        "alarm/alarms/create",
        r#"{"severity":"MINOR","text":"t","type":"c8y_Sent"}"#,
    )
    .await;
    api.send(
        JsonResource::ManagedObjects,
        Some("dev1"),
        &json!({"c8y_Sent": {}}),
    )
    .unwrap();
    expect_publish(
        &emulator,
        "inventory/managedObjects/update/dev1",
        r#"{"c8y_Sent":{}}"#,
    )
    .await;
    assert!(matches!(
        api.send(JsonResource::ManagedObjects, None, &json!({})),
        Err(ClientError::Json(_))
    ));
    assert!(matches!(
        api.send(JsonResource::Events, Some("1"), &json!({})),
        Err(ClientError::Json(_))
    ));
    client.close().await;
}
