//! Managed objects, child devices and identity.

use c8y_mqtt_emulator::platform::request::{ApiRequest, Resource};
use serde_json::json;

use crate::fake::*;

#[tokio::test]
async fn managed_object_create_get_update_delete() {
    let server = start().await;
    let b = &server.base;

    let created = server
        .post(
            "/inventory/managedObjects",
            "managedobject",
            json!({"name": "Pump", "c8y_IsDevice": {}}),
        )
        .await;
    assert_eq!(created.status, 201);
    assert_eq!(created.content_type, media("managedobject"));
    assert_eq!(
        created.location.as_deref(),
        Some(format!("{b}/inventory/managedObjects/101").as_str())
    );
    assert_eq!(
        created.body,
        json!({
            "id": "101", "name": "Pump", "c8y_IsDevice": {},
            "creationTime": "2024-05-01T12:00:00.000Z",
            "self": format!("{b}/inventory/managedObjects/101"),
        })
    );
    assert_eq!(
        server.model.requests(),
        vec![ApiRequest::Create {
            resource: Resource::ManagedObject,
            body: doc(json!({"name": "Pump", "c8y_IsDevice": {}})),
            external_id: None,
        }]
    );
    let context = lock(&server.model.requests)[0].0.clone();
    assert_eq!(
        (
            context.tenant.as_str(),
            context.device.as_str(),
            context.persistent
        ),
        ("t100", "", true)
    );

    let got = server.get("/inventory/managedObjects/101").await;
    assert_eq!(
        (got.status, got.content_type.as_str()),
        (200, media("managedobject").as_str())
    );
    assert_eq!(got.body, created.body);

    let updated = server
        .put(
            "/inventory/managedObjects/101",
            json!({"name": "Pump 2", "c8y_IsDevice": null}),
        )
        .await;
    assert_eq!(
        (updated.status, updated.content_type.as_str()),
        (200, media("managedobject").as_str())
    );
    assert_eq!(
        updated.body,
        json!({
            "id": "101", "name": "Pump 2", "creationTime": "2024-05-01T12:00:00.000Z",
            "self": format!("{b}/inventory/managedObjects/101"),
        })
    );

    let deleted = server.delete("/inventory/managedObjects/101").await;
    assert_eq!(
        (deleted.status, deleted.body.clone()),
        (204, serde_json::Value::Null)
    );
    let gone = server.get("/inventory/managedObjects/101").await;
    assert_eq!(
        (gone.status, gone.content_type.as_str()),
        (404, media("error").as_str())
    );
    assert_eq!(
        gone.body,
        error_doc("inventory/Not Found", "No ManagedObject for id '101'!")
    );
}

#[tokio::test]
async fn managed_object_listing_filters_and_shape() {
    let server = start().await;
    let b = &server.base;
    server.model.seed(
        Resource::ManagedObject,
        json!({"id": "1", "type": "pump", "c8y_IsDevice": {}, "owner": "a"}),
    );
    server.model.seed(
        Resource::ManagedObject,
        json!({"id": "2", "type": "valve", "owner": "b"}),
    );
    server.model.seed(
        Resource::ManagedObject,
        json!({"id": "3", "type": "pump", "owner": "b"}),
    );

    let all = server.get("/inventory/managedObjects").await;
    assert_eq!(
        (all.status, all.content_type.as_str()),
        (200, media("managedobjectcollection").as_str())
    );
    let mo = |id: &str, rest: serde_json::Value| {
        let mut object = rest;
        object["id"] = json!(id);
        object["self"] = json!(format!("{b}/inventory/managedObjects/{id}"));
        object
    };
    assert_eq!(
        all.body,
        json!({
            "managedObjects": [
                mo("1", json!({"type": "pump", "c8y_IsDevice": {}, "owner": "a"})),
                mo("2", json!({"type": "valve", "owner": "b"})),
                mo("3", json!({"type": "pump", "owner": "b"})),
            ],
            "self": format!("{b}/inventory/managedObjects?pageSize=5&currentPage=1"),
            "statistics": {"pageSize": 5, "currentPage": 1},
        })
    );

    let ids = |answer: &Answer| -> Vec<String> {
        answer.body["managedObjects"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["id"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(
        ids(&server.get("/inventory/managedObjects?type=pump").await),
        ["1", "3"]
    );
    assert_eq!(
        ids(&server
            .get("/inventory/managedObjects?fragmentType=c8y_IsDevice")
            .await),
        ["1"]
    );
    assert_eq!(
        ids(&server.get("/inventory/managedObjects?ids=3,2").await),
        ["2", "3"]
    );
    assert_eq!(
        ids(&server.get("/inventory/managedObjects?owner=b&type=pump").await),
        ["3"]
    );
}

#[tokio::test]
async fn paging_next_prev_and_totals() {
    let server = start().await;
    let b = &server.base;
    for id in 1..=7 {
        server
            .model
            .seed(Resource::ManagedObject, json!({"id": id.to_string()}));
    }
    let page =
        |n: usize| format!("{b}/inventory/managedObjects?withTotalPages=true&pageSize=3&currentPage={n}");
    let first = server
        .get("/inventory/managedObjects?withTotalPages=true&pageSize=3")
        .await;
    assert_eq!(first.body["self"], json!(page(1)));
    assert_eq!(first.body["next"], json!(page(2)));
    assert_eq!(first.body.get("prev"), None);
    assert_eq!(
        first.body["statistics"],
        json!({"pageSize": 3, "currentPage": 1, "totalPages": 3})
    );

    let last = server
        .get("/inventory/managedObjects?withTotalPages=true&pageSize=3&currentPage=3")
        .await;
    assert_eq!(
        last.body["managedObjects"],
        json!([{"id": "7", "self": format!("{b}/inventory/managedObjects/7")}])
    );
    assert_eq!(last.body.get("next"), None);
    assert_eq!(last.body["prev"], json!(page(2)));

    let beyond = server
        .get("/inventory/managedObjects?pageSize=3&currentPage=9&withTotalElements=true")
        .await;
    assert_eq!(beyond.body["managedObjects"], json!([]));
    assert_eq!(
        beyond.body["statistics"],
        json!({"pageSize": 3, "currentPage": 9, "totalElements": 7})
    );

    let capped = server.get("/inventory/managedObjects?pageSize=100000").await;
    assert_eq!(
        capped.body["statistics"],
        json!({"pageSize": 2000, "currentPage": 1})
    );

    let bad = server.get("/inventory/managedObjects?currentPage=0").await;
    assert_eq!(bad.status, 422);
    assert_eq!(
        bad.body,
        error_doc(
            "general/Unprocessable Entity",
            "Invalid value of query parameter currentPage: 0"
        )
    );
}

#[tokio::test]
async fn child_devices_are_references() {
    let server = start().await;
    let b = &server.base;
    server.model.seed(
        Resource::ManagedObject,
        json!({"id": "1", "name": "gateway", "childDevices": {
            "self": "https://model.invalid/inventory/managedObjects/1/childDevices",
            "references": [{"managedObject": {"id": "2", "self": "https://model.invalid/inventory/managedObjects/2"}}],
        }}),
    );
    server
        .model
        .seed(Resource::ManagedObject, json!({"id": "2", "name": "child A"}));
    server.model.seed(
        Resource::ManagedObject,
        json!({"id": "3", "name": "child B", "deviceParents": {"references": [{"managedObject": {"id": "1"}}]}}),
    );

    let answer = server.get("/inventory/managedObjects/1/childDevices").await;
    assert_eq!(
        (answer.status, answer.content_type.as_str()),
        (200, media("managedobjectreferencecollection").as_str())
    );
    assert_eq!(
        answer.body,
        json!({
            "references": [
                {"managedObject": {"id": "2", "name": "child A", "self": format!("{b}/inventory/managedObjects/2")},
                 "self": format!("{b}/inventory/managedObjects/1/childDevices/2")},
                {"managedObject": {"id": "3", "name": "child B",
                                   "self": format!("{b}/inventory/managedObjects/3"),
                                   "deviceParents": {"references": [{"managedObject": {"id": "1"}}]}},
                 "self": format!("{b}/inventory/managedObjects/1/childDevices/3")},
            ],
            "self": format!("{b}/inventory/managedObjects/1/childDevices?pageSize=5&currentPage=1"),
            "statistics": {"pageSize": 5, "currentPage": 1},
        })
    );
    assert_eq!(
        server
            .get("/inventory/managedObjects/9/childDevices")
            .await
            .status,
        404
    );
}

#[tokio::test]
async fn external_ids_resolve_list_and_register() {
    let server = start().await;
    let b = &server.base;
    server.model.seed(Resource::ManagedObject, json!({"id": "42"}));
    lock(&server.model.external_ids).push(("c8y_Serial".into(), "dev 1".into(), "42".into()));

    let answer = server.get("/identity/externalIds/c8y_Serial/dev%201").await;
    assert_eq!(
        (answer.status, answer.content_type.as_str()),
        (200, media("externalid").as_str())
    );
    let serial = json!({
        "externalId": "dev 1",
        "type": "c8y_Serial",
        "self": format!("{b}/identity/externalIds/c8y_Serial/dev%201"),
        "managedObject": {"id": "42", "self": format!("{b}/inventory/managedObjects/42")},
    });
    assert_eq!(answer.body, serial);

    let missing = server.get("/identity/externalIds/c8y_Serial/nope").await;
    assert_eq!(missing.status, 404);
    assert_eq!(
        missing.body,
        error_doc(
            "identity/Not Found",
            "External id not found; external id = ID [type=c8y_Serial, value=nope]"
        )
    );

    let created = server
        .post(
            "/identity/globalIds/42/externalIds",
            "externalid",
            json!({"type": "c8y_IMEI", "externalId": "123"}),
        )
        .await;
    assert_eq!(
        (created.status, created.content_type.as_str()),
        (201, media("externalid").as_str())
    );
    let imei = json!({
        "externalId": "123",
        "type": "c8y_IMEI",
        "self": format!("{b}/identity/externalIds/c8y_IMEI/123"),
        "managedObject": {"id": "42", "self": format!("{b}/inventory/managedObjects/42")},
    });
    assert_eq!(created.body, imei);
    assert_eq!(
        created.location.as_deref(),
        Some(format!("{b}/identity/externalIds/c8y_IMEI/123").as_str())
    );

    let list = server.get("/identity/globalIds/42/externalIds").await;
    assert_eq!(
        (list.status, list.content_type.as_str()),
        (200, media("externalidcollection").as_str())
    );
    assert_eq!(
        list.body,
        json!({
            "externalIds": [serial, imei],
            "self": format!("{b}/identity/globalIds/42/externalIds?pageSize=5&currentPage=1"),
            "statistics": {"pageSize": 5, "currentPage": 1},
        })
    );

    assert_eq!(server.get("/identity/globalIds/7/externalIds").await.status, 404);
    let taken = server
        .post(
            "/identity/globalIds/42/externalIds",
            "externalid",
            json!({"type": "c8y_IMEI", "externalId": "123"}),
        )
        .await;
    assert_eq!(
        taken.body,
        error_doc("identity/Unprocessable Entity", "c8y_IMEI/123 is taken")
    );
    let incomplete = server
        .post(
            "/identity/globalIds/42/externalIds",
            "externalid",
            json!({"type": "x"}),
        )
        .await;
    assert_eq!(incomplete.status, 422);
}

#[tokio::test]
async fn registering_external_ids_without_a_writer_is_405() {
    let server = start_with(false).await;
    server.model.seed(Resource::ManagedObject, json!({"id": "42"}));
    let answer = server
        .post(
            "/identity/globalIds/42/externalIds",
            "externalid",
            json!({"type": "c8y_IMEI", "externalId": "123"}),
        )
        .await;
    assert_eq!(answer.status, 405);
    assert_eq!(
        answer.body,
        error_doc(
            "identity/Method Not Allowed",
            "Registering external ids is not supported by this model"
        )
    );
}
