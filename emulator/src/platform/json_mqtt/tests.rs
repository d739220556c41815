//! JSON over MQTT engine tests against the fake executor: every supported resource/action, the
//! source rules, and the errors.

use c8y_mqtt::topic::{JsonTopic, UpstreamTopic};
use serde_json::{Value, json};

use super::{on_publish, on_topic_error};
use crate::platform::request::{ApiError, ApiRequest, Document, ObjectRef, Reply, RequestContext, Resource};
use crate::platform::sr2::fake_executor::{FakeExecutor, context};

fn doc(value: Value) -> Document {
    match value {
        Value::Object(map) => map,
        _ => panic!("not an object"),
    }
}

fn topic(text: &str) -> JsonTopic {
    match text.parse::<UpstreamTopic>() {
        Ok(UpstreamTopic::Json(topic)) => topic,
        other => panic!("{text}: {other:?}"),
    }
}

/// Publishes `payload` on `topic` with packet id 3; returns replies, requests and contexts.
fn publish(topic_text: &str, payload: &str, executor: &FakeExecutor) -> Vec<Reply> {
    on_publish(
        &context("dev"),
        &topic(topic_text),
        payload.as_bytes(),
        Some(3),
        executor,
    )
}

fn single(topic_text: &str, payload: &str) -> (ApiRequest, RequestContext) {
    let executor = FakeExecutor::new();
    assert_eq!(publish(topic_text, payload, &executor), vec![], "{topic_text}");
    let mut all = executor.requests.lock().clone();
    assert_eq!(all.len(), 1);
    let (context, request) = all.remove(0);
    (request, context)
}

#[test]
fn create_for_each_resource_overwrites_source() {
    for (topic_text, resource) in [
        ("event/events/create", Resource::Event),
        ("alarm/alarms/create", Resource::Alarm),
        ("measurement/measurements/create", Resource::Measurement),
    ] {
        let (request, ctx) = single(topic_text, r#"{"type":"t","source":{"id":"999"},"text":"x"}"#);
        assert_eq!(
            request,
            ApiRequest::Create {
                resource,
                body: doc(json!({"type":"t","text":"x"})),
                external_id: None
            }
        );
        assert_eq!(ctx, context("dev"));
    }
    let (request, _) = single(
        "inventory/managedObjects/create",
        r#"{"name":"n","c8y_IsDevice":{}}"#,
    );
    assert_eq!(
        request,
        ApiRequest::Create {
            resource: Resource::ManagedObject,
            body: doc(json!({"name":"n","c8y_IsDevice":{}})),
            external_id: None
        }
    );
}

#[test]
fn external_source_names_the_device() {
    let (request, ctx) = single(
        "t/measurement/measurements/create",
        r#"{"type":"t","externalSource":{"externalId":"dev:device:child01","type":"c8y_Serial"},"T":{"T":{"value":1}}}"#,
    );
    assert_eq!(
        request,
        ApiRequest::Create {
            resource: Resource::Measurement,
            body: doc(json!({"type":"t","T":{"T":{"value":1}}})),
            external_id: None
        }
    );
    assert_eq!(ctx.device, "dev:device:child01");
}

#[test]
fn create_bulk_for_each_resource() {
    for (topic_text, key, resource) in [
        ("event/events/createBulk", "events", Resource::Event),
        ("alarm/alarms/createBulk", "alarms", Resource::Alarm),
        (
            "measurement/measurements/createBulk",
            "measurements",
            Resource::Measurement,
        ),
    ] {
        let payload = json!({ key: [{"type":"a","source":{"id":"1"}}, {"type":"b"}] }).to_string();
        let (request, ctx) = single(topic_text, &payload);
        assert_eq!(
            request,
            ApiRequest::CreateBulk {
                resource,
                bodies: vec![doc(json!({"type":"a"})), doc(json!({"type":"b"}))]
            }
        );
        assert_eq!(ctx, context("dev"));
    }
}

#[test]
fn create_bulk_splits_per_device() {
    let executor = FakeExecutor::new();
    let payload =
        r#"{"events":[{"type":"a"},{"type":"b","externalSource":{"externalId":"c1"}},{"type":"c"}]}"#;
    assert_eq!(publish("event/events/createBulk", payload, &executor), vec![]);
    let requests = executor.requests.lock().clone();
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[0].0.device, "dev");
    assert_eq!(
        requests[0].1,
        ApiRequest::CreateBulk {
            resource: Resource::Event,
            bodies: vec![doc(json!({"type":"a"})), doc(json!({"type":"c"}))]
        }
    );
    assert_eq!(requests[1].0.device, "c1");
}

#[test]
fn update_events_and_alarms_by_id() {
    for (topic_text, resource) in [
        ("event/events/update/42", Resource::Event),
        ("alarm/alarms/update/42", Resource::Alarm),
    ] {
        let (request, _) = single(topic_text, r#"{"status":"CLEARED"}"#);
        assert_eq!(
            request,
            ApiRequest::Update {
                resource,
                target: ObjectRef::Id("42".into()),
                body: doc(json!({"status":"CLEARED"}))
            }
        );
    }
}

#[test]
fn update_managed_object_by_external_id() {
    let (request, _) = single(
        "inventory/managedObjects/update/main:device:child01",
        r#"{"c8y_Firmware":null}"#,
    );
    assert_eq!(
        request,
        ApiRequest::Update {
            resource: Resource::ManagedObject,
            target: ObjectRef::External {
                id_type: "c8y_Serial".into(),
                value: "main:device:child01".into()
            },
            body: doc(json!({"c8y_Firmware":null}))
        }
    );
}

#[test]
fn update_managed_object_numeric_id_falls_back_to_external_id() {
    let executor = FakeExecutor::new();
    executor
        .answer(Err(ApiError::NotFound("no object 1234".into())))
        .answer(Ok(json!({"id":"7"})));
    assert_eq!(
        publish("inventory/managedObjects/update/1234", r#"{"a":1}"#, &executor),
        vec![]
    );
    let targets: Vec<ObjectRef> = executor
        .requests()
        .into_iter()
        .map(|r| match r {
            ApiRequest::Update { target, .. } => target,
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(
        targets,
        vec![
            ObjectRef::Id("1234".into()),
            ObjectRef::External {
                id_type: "c8y_Serial".into(),
                value: "1234".into()
            }
        ]
    );
    // Found by internal id: no second request.
    let executor = FakeExecutor::new();
    assert_eq!(
        publish("inventory/managedObjects/update/1234", r#"{"a":1}"#, &executor),
        vec![]
    );
    assert_eq!(executor.requests().len(), 1);
}

#[test]
fn delete_events_and_measurements() {
    for (topic_text, resource) in [
        ("event/events/delete/42", Resource::Event),
        ("measurement/measurements/delete/43", Resource::Measurement),
    ] {
        let (request, _) = single(topic_text, "");
        let id = topic_text.rsplit('/').next().unwrap();
        assert_eq!(
            request,
            ApiRequest::Delete {
                resource,
                target: ObjectRef::Id(id.into())
            }
        );
    }
}

#[test]
fn malformed_payloads_are_validation_errors() {
    let executor = FakeExecutor::new();
    let error = |payload: &str, topic_text: &str| {
        let replies = publish(topic_text, payload, &executor);
        assert_eq!(replies.len(), 1, "{payload}");
        assert_eq!(replies[0].topic, "error");
        serde_json::from_str::<Value>(&replies[0].payload).unwrap()
    };
    for (payload, topic_text) in [
        ("", "event/events/create"),
        ("{", "event/events/create"),
        ("[1]", "alarm/alarms/create"),
        (r#"{"alarms":[1]}"#, "alarm/alarms/createBulk"),
        (r#"{"events":[]}"#, "alarm/alarms/createBulk"),
        ("3", "event/events/update/1"),
    ] {
        let e = error(payload, topic_text);
        assert_eq!(e["error"], "undefined/validationError", "{payload}");
        assert_eq!(e["messageId"], 3);
    }
    assert!(executor.requests().is_empty());
}

#[test]
fn refused_requests_are_reported_with_the_packet_id() {
    let executor = FakeExecutor::new();
    executor.answer(Err(ApiError::Invalid(
        "Following mandatory fields should be included: severity,text,time".into(),
    )));
    assert_eq!(
        publish("alarm/alarms/create", r#"{"type":"a"}"#, &executor),
        vec![Reply::new(
            "error",
            r#"{"error":"undefined/validationError","message":"Following mandatory fields should be included: severity,text,time","messageId":3}"#
        )]
    );
    executor.answer(Err(ApiError::NotFound("Event 9 not found".into())));
    assert_eq!(
        on_publish(
            &context("dev"),
            &topic("event/events/delete/9"),
            b"",
            None,
            &executor
        ),
        vec![Reply::new(
            "error",
            r#"{"error":"undefined/notFound","message":"Event 9 not found"}"#
        )]
    );
}

#[test]
fn unsupported_combinations_are_reported() {
    for (text, kind) in [
        ("alarm/alarms/delete/1", "undefined/methodNotAllowed"),
        (
            "inventory/managedObjects/createBulk",
            "undefined/methodNotAllowed",
        ),
        ("measurement/measurements/update/1", "undefined/methodNotAllowed"),
        ("event/events/update", "undefined/notFound"),
        ("event/events/frobnicate", "undefined/notFound"),
    ] {
        let error = match text.parse::<UpstreamTopic>() {
            Err(c8y_mqtt::topic::TopicError::Json(e)) => e,
            other => panic!("{text}: {other:?}"),
        };
        let reply = on_topic_error(&error, Some(5));
        let value: Value = serde_json::from_str(&reply.payload).unwrap();
        assert_eq!(reply.topic, "error");
        assert_eq!(value["error"], kind, "{text}");
        assert_eq!(value["messageId"], 5);
    }
}
