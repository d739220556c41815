//! Measurements, events and alarms.

use c8y_mqtt_emulator::platform::request::{ApiRequest, Resource};
use serde_json::{Value, json};

use crate::fake::*;

fn ids(answer: &Answer, collection: &str) -> Vec<String> {
    answer.body[collection]
        .as_array()
        .unwrap_or_else(|| panic!("no {collection} in {}", answer.body))
        .iter()
        .map(|o| o["id"].as_str().unwrap().to_owned())
        .collect()
}

fn seed_times(server: &Server, resource: Resource, rows: &[(&str, &str, &str, &str)]) {
    for (id, source, kind, time) in rows {
        server.model.seed(
            resource,
            json!({"id": id, "source": {"id": source}, "type": kind, "time": time}),
        );
    }
}

#[tokio::test]
async fn measurement_create_get_delete() {
    let server = start().await;
    let b = &server.base;
    let body = json!({
        "source": {"id": "42"}, "type": "c8y_Temperature", "time": "2024-05-01T10:00:00.000Z",
        "c8y_Temperature": {"T": {"value": 21.5, "unit": "C"}},
    });
    let created = server
        .post("/measurement/measurements", "measurement", body.clone())
        .await;
    assert_eq!(
        (created.status, created.content_type.as_str()),
        (201, media("measurement").as_str())
    );
    let mut expected = body.clone();
    expected["id"] = json!("101");
    expected["self"] = json!(format!("{b}/measurement/measurements/101"));
    expected["source"]["self"] = json!(format!("{b}/inventory/managedObjects/42"));
    expected["creationTime"] = json!("2024-05-01T12:00:00.000Z");
    assert_eq!(created.body, expected);
    assert_eq!(
        server.model.requests(),
        vec![ApiRequest::Create {
            resource: Resource::Measurement,
            body: doc(body),
            external_id: None
        }]
    );

    let got = server.get("/measurement/measurements/101").await;
    assert_eq!((got.status, got.body.clone()), (200, expected));
    assert_eq!(server.delete("/measurement/measurements/101").await.status, 204);
    assert_eq!(server.get("/measurement/measurements/101").await.status, 404);

    let no_source = server
        .post("/measurement/measurements", "measurement", json!({"type": "x"}))
        .await;
    assert_eq!(no_source.status, 422);
    assert_eq!(
        no_source.body,
        error_doc(
            "measurement/Unprocessable Entity",
            "source: may not be null (a source with an id is required)"
        )
    );
    let put = server.put("/measurement/measurements/101", json!({})).await;
    assert_eq!(
        (put.status, put.content_type.as_str()),
        (405, media("error").as_str())
    );
}

#[tokio::test]
async fn measurement_bulk_create() {
    let server = start().await;
    let b = &server.base;
    let bodies = json!([{"source": {"id": "1"}, "type": "a"}, {"source": {"id": "2"}, "type": "b"}]);
    let created = server
        .post(
            "/measurement/measurements",
            "measurementcollection",
            json!({"measurements": bodies}),
        )
        .await;
    assert_eq!(
        (created.status, created.content_type.as_str()),
        (201, media("measurementcollection").as_str())
    );
    assert_eq!(
        created.body["measurements"][1]["self"],
        json!(format!("{b}/measurement/measurements/102"))
    );
    assert_eq!(
        server.model.requests(),
        vec![ApiRequest::CreateBulk {
            resource: Resource::Measurement,
            bodies: bodies.as_array().unwrap().iter().cloned().map(doc).collect(),
        }]
    );
    let bad = server
        .post(
            "/measurement/measurements",
            "measurementcollection",
            json!({"measurements": [1]}),
        )
        .await;
    assert_eq!(bad.status, 400);
}

#[tokio::test]
async fn measurement_filters_and_order() {
    let server = start().await;
    seed_times(
        &server,
        Resource::Measurement,
        &[
            ("m1", "1", "temp", "2024-01-01T00:00:00Z"),
            ("m2", "2", "temp", "2024-01-03T00:00:00Z"),
            ("m3", "1", "hum", "2024-01-02T00:00:00.000+00:00"),
        ],
    );
    server.model.seed(
        Resource::Measurement,
        json!({"id": "m4", "source": {"id": "1"}, "type": "temp", "time": "2024-01-04T00:00:00Z",
               "c8y_Temperature": {"T": {"value": 1}}}),
    );
    let list = |query: &str| {
        let path = format!("/measurement/measurements{query}");
        let server = &server;
        async move { ids(&server.get(&path).await, "measurements") }
    };
    assert_eq!(list("").await, ["m1", "m3", "m2", "m4"]);
    assert_eq!(list("?revert=true").await, ["m4", "m2", "m3", "m1"]);
    assert_eq!(list("?source=1").await, ["m1", "m3", "m4"]);
    assert_eq!(list("?type=temp&source=1").await, ["m1", "m4"]);
    assert_eq!(
        list("?dateFrom=2024-01-02&dateTo=2024-01-04T00:00:00Z").await,
        ["m3", "m2"]
    );
    assert_eq!(
        list("?dateFrom=2024-01-02T01:00:00%2B01:00&revert=true").await,
        ["m4", "m2", "m3"]
    );
    assert_eq!(list("?fragmentType=c8y_Temperature").await, ["m4"]);
    assert_eq!(
        list("?valueFragmentType=c8y_Temperature&valueFragmentSeries=T").await,
        ["m4"]
    );
    assert_eq!(
        list("?valueFragmentType=c8y_Temperature&valueFragmentSeries=X").await,
        Vec::<String>::new()
    );

    let answer = server.get("/measurement/measurements?source=1&pageSize=2").await;
    assert_eq!(answer.content_type, media("measurementcollection"));
    let b = &server.base;
    assert_eq!(
        answer.body["self"],
        json!(format!(
            "{b}/measurement/measurements?source=1&pageSize=2&currentPage=1"
        ))
    );
    assert_eq!(
        answer.body["next"],
        json!(format!(
            "{b}/measurement/measurements?source=1&pageSize=2&currentPage=2"
        ))
    );
    assert_eq!(
        answer.body["measurements"][0]["source"]["self"],
        json!(format!("{b}/inventory/managedObjects/1"))
    );

    let bad_date = server.get("/measurement/measurements?dateFrom=yesterday").await;
    assert_eq!(bad_date.status, 422);
    assert_eq!(
        bad_date.body,
        error_doc(
            "measurement/Unprocessable Entity",
            "Invalid date format of dateFrom: yesterday"
        )
    );
}

#[tokio::test]
async fn events_crud_filters_and_newest_first() {
    let server = start().await;
    let b = &server.base;
    seed_times(
        &server,
        Resource::Event,
        &[
            ("e1", "1", "c8y_Login", "2024-01-01T00:00:00Z"),
            ("e2", "2", "c8y_Login", "2024-01-03T00:00:00Z"),
            ("e3", "1", "c8y_Door", "2024-01-02T00:00:00Z"),
        ],
    );
    let list = |query: &str| {
        let path = format!("/event/events{query}");
        let server = &server;
        async move { ids(&server.get(&path).await, "events") }
    };
    assert_eq!(list("").await, ["e2", "e3", "e1"]);
    assert_eq!(list("?revert=true").await, ["e1", "e3", "e2"]);
    assert_eq!(list("?source=1").await, ["e3", "e1"]);
    assert_eq!(list("?type=c8y_Login").await, ["e2", "e1"]);
    assert_eq!(list("?dateTo=2024-01-02T00:00:00Z").await, ["e1"]);

    let all = server.get("/event/events").await;
    assert_eq!(all.content_type, media("eventcollection"));
    assert_eq!(
        all.body["events"][0],
        json!({"id": "e2", "self": format!("{b}/event/events/e2"), "type": "c8y_Login", "time": "2024-01-03T00:00:00Z",
               "source": {"id": "2", "self": format!("{b}/inventory/managedObjects/2")}})
    );

    let created = server
        .post(
            "/event/events",
            "event",
            json!({"source": {"id": "1"}, "type": "c8y_X", "text": "t", "c8y_Extra": {}}),
        )
        .await;
    assert_eq!(
        (created.status, created.content_type.as_str()),
        (201, media("event").as_str())
    );
    assert_eq!(created.body["self"], json!(format!("{b}/event/events/101")));
    assert_eq!(list("?fragmentType=c8y_Extra").await, ["101"]);

    let updated = server.put("/event/events/101", json!({"text": "new"})).await;
    assert_eq!(
        (updated.status, updated.content_type.as_str()),
        (200, media("event").as_str())
    );
    assert_eq!(updated.body["text"], json!("new"));
    assert_eq!(
        server.model.requests().last(),
        Some(&ApiRequest::Update {
            resource: Resource::Event,
            target: c8y_mqtt_emulator::platform::request::ObjectRef::Id("101".into()),
            body: doc(json!({"text": "new"})),
        })
    );
    assert_eq!(
        server.get("/event/events/e1").await.body["type"],
        json!("c8y_Login")
    );
    assert_eq!(server.delete("/event/events/101").await.status, 204);
    assert_eq!(
        server.delete("/event/events/101").await.body,
        error_doc("event/Not Found", "No Event for id '101'!")
    );
}

#[tokio::test]
async fn alarms_crud_and_filters() {
    let server = start().await;
    let b = &server.base;
    for (id, source, status, severity, time) in [
        ("a1", "1", "ACTIVE", "MAJOR", "2024-01-01T00:00:00Z"),
        ("a2", "1", "ACKNOWLEDGED", "MINOR", "2024-01-02T00:00:00Z"),
        ("a3", "2", "CLEARED", "MAJOR", "2024-01-03T00:00:00Z"),
    ] {
        server.model.seed(
            Resource::Alarm,
            json!({"id": id, "source": {"id": source}, "type": format!("t_{id}"), "status": status,
                   "severity": severity, "time": time}),
        );
    }
    let list = |query: &str| {
        let path = format!("/alarm/alarms{query}");
        let server = &server;
        async move { ids(&server.get(&path).await, "alarms") }
    };
    assert_eq!(list("").await, ["a3", "a2", "a1"]);
    assert_eq!(list("?revert=true").await, ["a1", "a2", "a3"]);
    assert_eq!(list("?status=ACTIVE,ACKNOWLEDGED").await, ["a2", "a1"]);
    assert_eq!(list("?status=CLEARED").await, ["a3"]);
    assert_eq!(list("?severity=MAJOR").await, ["a3", "a1"]);
    assert_eq!(list("?source=1&severity=MINOR").await, ["a2"]);
    assert_eq!(list("?resolved=true").await, ["a3"]);
    assert_eq!(list("?resolved=false").await, ["a2", "a1"]);
    assert_eq!(list("?type=t_a1,t_a3").await, ["a3", "a1"]);
    assert_eq!(list("?dateFrom=2024-01-02").await, ["a3", "a2"]);
    assert_eq!(
        server.get("/alarm/alarms").await.content_type,
        media("alarmcollection")
    );

    let created = server
        .post(
            "/alarm/alarms",
            "alarm",
            json!({"source": {"id": "1"}, "type": "c8y_Fire", "text": "fire", "severity": "CRITICAL"}),
        )
        .await;
    assert_eq!(
        (created.status, created.content_type.as_str()),
        (201, media("alarm").as_str())
    );
    assert_eq!(
        created.location.as_deref(),
        Some(format!("{b}/alarm/alarms/101").as_str())
    );
    let cleared = server
        .put("/alarm/alarms/101", json!({"status": "CLEARED"}))
        .await;
    assert_eq!(
        (cleared.status, cleared.body["status"].clone()),
        (200, json!("CLEARED"))
    );
    let got = server.get("/alarm/alarms/101").await;
    assert_eq!(
        (got.content_type.as_str(), got.body["severity"].clone()),
        (media("alarm").as_str(), json!("CRITICAL"))
    );
    assert_eq!(server.delete("/alarm/alarms/101").await.status, 405);
    assert_eq!(
        server
            .post("/alarm/alarms", "alarm", json!({"type": "x"}))
            .await
            .status,
        422
    );
    let rejected = server
        .post(
            "/alarm/alarms",
            "alarm",
            json!({"source": {"id": "1"}, "invalid": true}),
        )
        .await;
    assert_eq!(rejected.status, 422);
    assert_eq!(
        rejected.body,
        error_doc(
            "alarm/Unprocessable Entity",
            "invalid: the model rejects this body"
        )
    );
    let unsupported = server
        .post(
            "/alarm/alarms",
            "alarm",
            json!({"source": {"id": "1"}, "unsupported": 1}),
        )
        .await;
    assert_eq!(
        unsupported.body,
        error_doc("alarm/Method Not Allowed", "the model does not support this")
    );
    let _: Value = unsupported.body;
}
