//! Operations and new device requests.

use c8y_mqtt_emulator::platform::request::{ApiRequest, DeviceRequest, ObjectRef, Resource};
use serde_json::json;

use crate::fake::*;

#[tokio::test]
async fn creating_an_operation_reaches_the_model() {
    let server = start().await;
    let b = &server.base;
    let body = json!({"deviceId": "42", "description": "Restart", "c8y_Restart": {}});
    let created = server
        .post("/devicecontrol/operations", "operation", body.clone())
        .await;
    assert_eq!(
        (created.status, created.content_type.as_str()),
        (201, media("operation").as_str())
    );
    assert_eq!(
        created.body,
        json!({
            "id": "101", "deviceId": "42", "description": "Restart", "c8y_Restart": {}, "status": "PENDING",
            "creationTime": "2024-05-01T12:00:00.000Z", "self": format!("{b}/devicecontrol/operations/101"),
        })
    );
    assert_eq!(
        server.model.requests(),
        vec![ApiRequest::Create {
            resource: Resource::Operation,
            body: doc(body),
            external_id: None
        }]
    );

    let missing = server
        .post(
            "/devicecontrol/operations",
            "operation",
            json!({"c8y_Restart": {}}),
        )
        .await;
    assert_eq!(missing.status, 422);
    assert_eq!(
        missing.body,
        error_doc("devicecontrol/Unprocessable Entity", "deviceId: may not be null")
    );
    assert_eq!(server.model.requests().len(), 1);

    let updated = server
        .put("/devicecontrol/operations/101", json!({"status": "EXECUTING"}))
        .await;
    assert_eq!(
        (updated.status, updated.content_type.as_str()),
        (200, media("operation").as_str())
    );
    assert_eq!(updated.body["status"], json!("EXECUTING"));
    assert_eq!(
        server.model.requests().last(),
        Some(&ApiRequest::Update {
            resource: Resource::Operation,
            target: ObjectRef::Id("101".into()),
            body: doc(json!({"status": "EXECUTING"})),
        })
    );
    let got = server.get("/devicecontrol/operations/101").await;
    assert_eq!(
        (got.status, got.body["status"].clone()),
        (200, json!("EXECUTING"))
    );
    assert_eq!(server.get("/devicecontrol/operations/7").await.status, 404);
}

#[tokio::test]
async fn operation_filters_and_order() {
    let server = start().await;
    server.model.seed(
        Resource::ManagedObject,
        json!({"id": "1", "childDevices": {"references": [{"managedObject": {"id": "2"}}]}}),
    );
    server.model.seed(
        Resource::ManagedObject,
        json!({"id": "2", "childDevices": {"references": [{"managedObject": {"id": "3"}}]}}),
    );
    server.model.seed(Resource::ManagedObject, json!({"id": "3"}));
    for (id, device, status, created, fragment) in [
        ("o1", "1", "PENDING", "2024-01-02T00:00:00Z", "c8y_Restart"),
        ("o2", "3", "EXECUTING", "2024-01-01T00:00:00Z", "c8y_Firmware"),
        ("o3", "9", "PENDING", "2024-01-03T00:00:00Z", "c8y_Restart"),
    ] {
        server.model.seed(
            Resource::Operation,
            json!({"id": id, "deviceId": device, "status": status, "creationTime": created, fragment: {}}),
        );
    }
    let list = |query: &str| {
        let path = format!("/devicecontrol/operations{query}");
        let server = &server;
        async move {
            let answer = server.get(&path).await;
            assert_eq!(answer.content_type, media("operationcollection"));
            answer.body["operations"]
                .as_array()
                .unwrap()
                .iter()
                .map(|o| o["id"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(list("").await, ["o2", "o1", "o3"]);
    assert_eq!(list("?revert=true").await, ["o3", "o1", "o2"]);
    assert_eq!(list("?deviceId=3").await, ["o2"]);
    assert_eq!(list("?agentId=1").await, ["o2", "o1"]);
    assert_eq!(list("?agentId=2").await, ["o2"]);
    assert_eq!(list("?status=PENDING").await, ["o1", "o3"]);
    assert_eq!(list("?fragmentType=c8y_Restart&revert=true").await, ["o3", "o1"]);
    assert_eq!(list("?dateFrom=2024-01-02&dateTo=2024-01-03").await, ["o1"]);
    let b = &server.base;
    assert_eq!(
        server.get("/devicecontrol/operations?deviceId=3").await.body,
        json!({
            "operations": [{"id": "o2", "deviceId": "3", "status": "EXECUTING", "creationTime": "2024-01-01T00:00:00Z",
                            "c8y_Firmware": {}, "self": format!("{b}/devicecontrol/operations/o2")}],
            "self": format!("{b}/devicecontrol/operations?deviceId=3&pageSize=5&currentPage=1"),
            "statistics": {"pageSize": 5, "currentPage": 1},
        })
    );
}

#[tokio::test]
async fn new_device_requests_register_list_and_accept() {
    let server = start().await;
    let b = &server.base;
    let created = server
        .post(
            "/devicecontrol/newDeviceRequests",
            "newdevicerequest",
            json!({"id": "dev-1"}),
        )
        .await;
    assert_eq!(
        (created.status, created.content_type.as_str()),
        (201, media("newdevicerequest").as_str())
    );
    assert_eq!(
        created.body,
        json!({"id": "dev-1", "status": "WAITING_FOR_CONNECTION",
               "self": format!("{b}/devicecontrol/newDeviceRequests/dev-1")})
    );
    lock(&server.model.device_requests).push(DeviceRequest {
        id: "dev-2".into(),
        status: "PENDING_ACCEPTANCE".into(),
    });

    let list = server.get("/devicecontrol/newDeviceRequests").await;
    assert_eq!(
        (list.status, list.content_type.as_str()),
        (200, media("newdevicerequestcollection").as_str())
    );
    assert_eq!(
        list.body,
        json!({
            "newDeviceRequests": [
                {"id": "dev-1", "status": "WAITING_FOR_CONNECTION", "self": format!("{b}/devicecontrol/newDeviceRequests/dev-1")},
                {"id": "dev-2", "status": "PENDING_ACCEPTANCE", "self": format!("{b}/devicecontrol/newDeviceRequests/dev-2")},
            ],
            "self": format!("{b}/devicecontrol/newDeviceRequests?pageSize=5&currentPage=1"),
            "statistics": {"pageSize": 5, "currentPage": 1},
        })
    );
    let pending = server
        .get("/devicecontrol/newDeviceRequests?status=PENDING_ACCEPTANCE")
        .await;
    assert_eq!(
        pending.body["newDeviceRequests"].as_array().map(Vec::len),
        Some(1)
    );

    let one = server.get("/devicecontrol/newDeviceRequests/dev-2").await;
    assert_eq!(
        (one.status, one.body["status"].clone()),
        (200, json!("PENDING_ACCEPTANCE"))
    );

    let wrong_status = server
        .put(
            "/devicecontrol/newDeviceRequests/dev-2",
            json!({"status": "PENDING"}),
        )
        .await;
    assert_eq!(wrong_status.status, 422);
    assert!(lock(&server.model.accepted).is_empty());

    let accepted = server
        .put(
            "/devicecontrol/newDeviceRequests/dev-2",
            json!({"status": "ACCEPTED"}),
        )
        .await;
    assert_eq!(
        (accepted.status, accepted.content_type.as_str()),
        (200, media("newdevicerequest").as_str())
    );
    assert_eq!(
        accepted.body,
        json!({"id": "dev-2", "status": "ACCEPTED", "self": format!("{b}/devicecontrol/newDeviceRequests/dev-2")})
    );
    assert_eq!(*lock(&server.model.accepted), ["dev-2"]);

    let too_early = server
        .put(
            "/devicecontrol/newDeviceRequests/dev-1",
            json!({"status": "ACCEPTED"}),
        )
        .await;
    assert_eq!(too_early.status, 422);
    assert_eq!(
        too_early.body,
        error_doc(
            "devicecontrol/Unprocessable Entity",
            "dev-1 is WAITING_FOR_CONNECTION, not PENDING_ACCEPTANCE"
        )
    );
    let unknown = server
        .put(
            "/devicecontrol/newDeviceRequests/nope",
            json!({"status": "ACCEPTED"}),
        )
        .await;
    assert_eq!(unknown.status, 404);
    assert_eq!(
        server.get("/devicecontrol/newDeviceRequests/nope").await.status,
        404
    );
    let duplicate = server
        .post(
            "/devicecontrol/newDeviceRequests",
            "newdevicerequest",
            json!({"id": "dev-1"}),
        )
        .await;
    assert_eq!(duplicate.status, 422);
    assert_eq!(
        server
            .delete("/devicecontrol/newDeviceRequests/dev-1")
            .await
            .status,
        405
    );
}
