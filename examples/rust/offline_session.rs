//! A device session as the SmartREST traffic it produces, with no network: the device creates
//! itself and a child, reports its inventory, defines a SmartREST 2.0 collection, sends
//! measurements, receives operations and reports their status (docs/protocol.md §11.11).
//!
//! Every line below is built by the typed API and the one codec; the platform's side is played
//! by parsing the lines it would send. Run with `make demo`.

use c8y_mqtt::QoS;
use c8y_mqtt::smartrest2::{
    CustomValue, Request, RequestTemplate, ResponseTemplate, Slot, TemplateCollection, ValueType,
};
use c8y_mqtt::templates::downstream::{
    DownstreamLine, OperationKind, StaticDownstream, TemplateStatus, parse_static, parse_template_status,
};
use c8y_mqtt::templates::upstream::{
    ChildDeviceCreation, DeviceCreation, Hardware, MajorAlarm, RequiredAvailability, SetExecuting,
    SetSuccessful, SupportedOperations, Temperature, Upstream,
};
use c8y_mqtt::topic::{ExternalId, ProcessingMode, UpstreamTopic, XId};
use c8y_mqtt::value::{Number, Timestamp};

type Error = Box<dyn std::error::Error>;

/// Prints what the device publishes: one line per packet, rows indented below the first.
fn publish(topic: &UpstreamTopic, message: impl Into<Upstream>) -> Result<(), Error> {
    let topic = topic.to_string();
    for payload in message.into().to_payloads(&topic, QoS::AtLeastOnce)? {
        show("->", &topic, &payload);
    }
    Ok(())
}

fn show(arrow: &str, topic: &str, payload: &str) {
    for (i, row) in payload.lines().enumerate() {
        if i == 0 {
            println!("{arrow} {topic:<20} {row}");
        } else {
            println!("   {:<20} {row}", "");
        }
    }
}

fn main() -> Result<(), Error> {
    let device = "1234";
    let xid = XId::new("myCommon_10")?;
    let us = UpstreamTopic::static_(ProcessingMode::Persistent).into();
    let child_topic = UpstreamTopic::static_(ProcessingMode::Persistent)
        .child(ExternalId::new("1234:child1")?)
        .into();

    println!("# device {device}: create, describe, add a child");
    publish(
        &us,
        DeviceCreation::new()
            .with_name("My device")
            .with_device_type("c8y_MQTTDevice"),
    )?;
    publish(
        &us,
        Hardware::new()
            .with_serial_number(device)
            .with_model("Model X")
            .with_revision("1.0"),
    )?;
    publish(&us, RequiredAvailability::new(60))?;
    publish(&us, SupportedOperations::new(["c8y_Restart", "c8y_Command"])?)?;
    publish(
        &us,
        ChildDeviceCreation::new("1234:child1")?.with_name("Pump, left"),
    )?;

    println!("\n# SmartREST 2.0: ask whether the collection exists, create it");
    let measurement_template = RequestTemplate::new(
        "999",
        Request::MeasurementPost {
            measurement_type: Slot::Fixed("c8y_MyMeasurement".into()),
            time: Slot::AtUse,
        },
    )?
    .with_custom_value(CustomValue::at_use(
        "c8y_MyMeasurement.M.value",
        ValueType::Number,
    ))?;
    let collection = TemplateCollection::new(xid.as_str())?
        .with_request(measurement_template)?
        .with_response(ResponseTemplate::new(
            "888",
            None,
            Some("c8y_Command"),
            ["c8y_Command.text"],
        )?)?;
    let ut = collection.topic().to_string();
    show("->", &ut, "(empty)");
    for status in parse_template_status(b"41,myCommon_10") {
        let status = status?;
        show("<-", "s/dt", &status.to_row());
        if matches!(status, TemplateStatus::Missing { .. }) {
            println!("   (the collection is missing: create it)");
        }
    }
    show("->", &ut, &collection.creation_payload(QoS::AtLeastOnce)?);
    let use_line = collection.requests()[0].use_line(["", "25"])?;
    show("->", "s/ud", &use_line.to_row());

    println!("\n# data for the device and the child");
    let time: Timestamp = "2026-11-29T12:00:00.000Z".parse()?;
    publish(&us, Temperature::new(Number::try_from(21.5)?).with_time(time))?;
    publish(&child_topic, Temperature::new(Number::from(19)))?;
    publish(
        &us,
        MajorAlarm::new("c8y_PressureAlarm")?.with_text("Pressure \"high\", check valve"),
    )?;

    println!("\n# operations: fetch pending ones, run them, report");
    publish(&us, Upstream::GetPendingOperations(Default::default()))?;
    let incoming = b"510,1234\n511,1234,\"echo \\\"hi\\\"\"";
    show("<-", "s/ds", std::str::from_utf8(incoming)?);
    for line in parse_static(incoming) {
        let StaticDownstream::Operation(op) = line? else {
            continue;
        };
        publish(&us, SetExecuting::new(op.kind.fragment())?)?;
        let done = match &op.kind {
            OperationKind::Command { text } => {
                SetSuccessful::new(op.kind.fragment())?.with_parameter(text.as_str())
            }
            _ => SetSuccessful::new(op.kind.fragment())?,
        };
        publish(&us, done)?;
    }
    println!("\n(the live session against the embedded emulator comes with the device client)");
    Ok(())
}
