//! [`ApiExecutor`] on the Cumulocity platform: every request variant on every resource, the
//! REST errors, and operation delivery of created operations.

mod common;
mod platform_support;

use c8y_mqtt_emulator::model::RecordFilter;
use c8y_mqtt_emulator::platform::request::{
    ApiError, ApiExecutor, ApiRequest, Document, ObjectRef, RequestContext, Resource,
};
use platform_support::*;
use serde_json::{Value, json};

fn body(value: Value) -> Document {
    value.as_object().cloned().expect("object")
}

fn context(device: &str, persistent: bool) -> RequestContext {
    RequestContext {
        tenant: TENANT.to_owned(),
        device: device.to_owned(),
        persistent,
        scope: None,
    }
}

#[tokio::test]
async fn every_request_variant() {
    let emulator = start_with(&["api"]).await;
    let mut device = ready_device(&emulator, "api").await;
    let platform = emulator.cumulocity().unwrap().clone();
    let ctx = context("api", true);
    let device_id = emulator.managed_object_by_external_id("api").unwrap()["id"].clone();

    // managed objects: create with external id, duplicate id, update by external id, get, delete
    let created = platform
        .execute(
            &ctx,
            ApiRequest::Create {
                resource: Resource::ManagedObject,
                body: body(json!({"name": "Thing", "type": "thing"})),
                external_id: Some(("c8y_Serial".to_owned(), "thing1".to_owned())),
            },
        )
        .unwrap();
    assert!(created["id"].is_string() && created["self"].is_string() && created["creationTime"].is_string());
    let duplicate = platform.execute(
        &ctx,
        ApiRequest::Create {
            resource: Resource::ManagedObject,
            body: Document::new(),
            external_id: Some(("c8y_Serial".to_owned(), "thing1".to_owned())),
        },
    );
    assert!(matches!(duplicate, Err(ApiError::Invalid(_))));
    let thing = ObjectRef::External {
        id_type: "c8y_Serial".to_owned(),
        value: "thing1".to_owned(),
    };
    let updated = platform
        .execute(
            &ctx,
            ApiRequest::Update {
                resource: Resource::ManagedObject,
                target: thing.clone(),
                body: body(json!({"c8y_Foo": {"a": 1}, "type": null})),
            },
        )
        .unwrap();
    assert_eq!(updated["c8y_Foo"], json!({"a": 1}));
    assert!(updated.get("type").is_none(), "null removes a fragment");
    let got = platform
        .execute(
            &ctx,
            ApiRequest::Get {
                resource: Resource::ManagedObject,
                target: ObjectRef::Id(created["id"].as_str().unwrap().to_owned()),
            },
        )
        .unwrap();
    assert_eq!(got, updated);
    assert_eq!(
        platform.execute(
            &ctx,
            ApiRequest::Delete {
                resource: Resource::ManagedObject,
                target: thing.clone()
            }
        ),
        Ok(Value::Null)
    );
    let gone = platform.execute(
        &ctx,
        ApiRequest::Get {
            resource: Resource::ManagedObject,
            target: thing,
        },
    );
    assert_eq!(gone.as_ref().map_err(ApiError::http_status), Err(404));

    // measurements: mandatory type, default source and time, bulk, transient, delete
    let missing = platform.execute(
        &ctx,
        ApiRequest::Create {
            resource: Resource::Measurement,
            body: Document::new(),
            external_id: None,
        },
    );
    assert_eq!(
        missing,
        Err(ApiError::Invalid(
            "Following mandatory fields should be included: type".to_owned()
        ))
    );
    let measurement = platform
        .execute(
            &ctx,
            ApiRequest::Create {
                resource: Resource::Measurement,
                body: body(json!({"type": "c8y_T", "c8y_T": {"T": {"value": 1}}})),
                external_id: None,
            },
        )
        .unwrap();
    assert_eq!(measurement["source"]["id"], device_id);
    assert!(measurement["time"].is_string());
    let bulk = platform
        .execute(
            &ctx,
            ApiRequest::CreateBulk {
                resource: Resource::Measurement,
                bodies: vec![body(json!({"type": "a"})), body(json!({"type": "b"}))],
            },
        )
        .unwrap();
    assert_eq!(bulk["measurements"].as_array().unwrap().len(), 2);
    platform
        .execute(
            &context("api", false),
            ApiRequest::Create {
                resource: Resource::Measurement,
                body: body(json!({"type": "t"})),
                external_id: None,
            },
        )
        .unwrap();
    assert_eq!(
        emulator.measurements(&RecordFilter::all().source("api")).len(),
        3,
        "transient not stored"
    );
    let measurement_id = measurement["id"].as_str().unwrap().to_owned();
    platform
        .execute(
            &ctx,
            ApiRequest::Delete {
                resource: Resource::Measurement,
                target: ObjectRef::Id(measurement_id),
            },
        )
        .unwrap();
    assert_eq!(emulator.measurements(&RecordFilter::all().source("api")).len(), 2);

    // events and alarms; alarm by type
    let event = platform.execute(
        &ctx,
        ApiRequest::Create {
            resource: Resource::Event,
            body: body(json!({"type": "e"})),
            external_id: None,
        },
    );
    assert_eq!(
        event,
        Err(ApiError::Invalid(
            "Following mandatory fields should be included: text".to_owned()
        ))
    );
    platform
        .execute(
            &ctx,
            ApiRequest::Create {
                resource: Resource::Alarm,
                body: body(json!({"type": "c8y_A", "text": "t", "severity": "MAJOR"})),
                external_id: None,
            },
        )
        .unwrap();
    let cleared = platform
        .execute(
            &ctx,
            ApiRequest::Update {
                resource: Resource::Alarm,
                target: ObjectRef::AlarmOfType("c8y_A".to_owned()),
                body: body(json!({"status": "CLEARED"})),
            },
        )
        .unwrap();
    assert_eq!(cleared["status"], "CLEARED");
    let again = platform.execute(
        &ctx,
        ApiRequest::Update {
            resource: Resource::Alarm,
            target: ObjectRef::AlarmOfType("c8y_A".to_owned()),
            body: Document::new(),
        },
    );
    assert!(matches!(again, Err(ApiError::NotFound(_))));

    // operations: created through the API are delivered; by fragment: EXECUTING, else PENDING
    let op = platform
        .execute(
            &ctx,
            ApiRequest::Create {
                resource: Resource::Operation,
                body: body(json!({"deviceId": device_id, "c8y_Restart": {}})),
                external_id: None,
            },
        )
        .unwrap();
    assert_eq!(next_on(&mut device, "s/ds").await, "510,api");
    let executing = platform
        .execute(
            &ctx,
            ApiRequest::Update {
                resource: Resource::Operation,
                target: ObjectRef::OperationWithFragment("c8y_Restart".to_owned()),
                body: body(json!({"status": "EXECUTING"})),
            },
        )
        .unwrap();
    assert_eq!(executing["id"], op["id"]);
    assert_eq!(
        emulator.operation(op["id"].as_str().unwrap()).unwrap()["status"],
        "EXECUTING"
    );
    let bad = platform.execute(
        &ctx,
        ApiRequest::Create {
            resource: Resource::Operation,
            body: body(json!({"c8y_Restart": {}})),
            external_id: None,
        },
    );
    assert_eq!(bad.map_err(|e| e.http_status()), Err(422));
    let unsupported = platform.execute(
        &ctx,
        ApiRequest::Get {
            resource: Resource::Event,
            target: ObjectRef::AlarmOfType("x".to_owned()),
        },
    );
    assert_eq!(unsupported.map_err(|e| e.http_status()), Err(405));

    // an unknown request device is auto-created as a root device
    platform
        .execute(
            &context("newcomer", true),
            ApiRequest::Create {
                resource: Resource::Event,
                body: body(json!({"type": "e", "text": "hi"})),
                external_id: None,
            },
        )
        .unwrap();
    let newcomer = emulator.managed_object_by_external_id("newcomer").unwrap();
    assert_eq!(newcomer["name"], "MQTT Device newcomer");
    emulator.shutdown().await;
}
