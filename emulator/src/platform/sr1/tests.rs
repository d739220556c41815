//! SmartREST 1.0 engine tests against the fake executor: registration rules, request rows →
//! requests, responses and errors on `s/dl/<X-ID>`.

use serde_json::{Value, json};

use super::{Sr1Error, Sr1Registry};
use crate::platform::request::{ApiError, ApiRequest, Document, ObjectRef, Reply, Resource};
use crate::platform::sr2::fake_executor::{FakeExecutor, context};

const TEMPLATES: &str = concat!(
    "10,100,POST,/inventory/managedObjects,application/json,application/json,%%,STRING,",
    "\"{\"\"name\"\":\"\"%%\"\",\"\"c8y_IsDevice\"\":{}}\"\n",
    "10,200,POST,/measurement/measurements,application/json,,%%,NOW UNSIGNED NUMBER,",
    "\"{\"\"time\"\":\"\"%%\"\",\"\"source\"\":{\"\"id\"\":\"\"%%\"\"},\"\"type\"\":\"\"c8y_T\"\",\"\"c8y_T\"\":{\"\"T\"\":{\"\"value\"\":%%}}}\"\n",
    "10,300,GET,/inventory/managedObjects/%%,,application/json,%%,UNSIGNED,\n",
    "10,400,PUT,/alarm/alarms/%%,application/json,,%%,UNSIGNED STRING,\"{\"\"status\"\":\"\"%%\"\"}\"\n",
    "10,500,PUT,/devicecontrol/operations/%%,application/json,,%%,UNSIGNED,\"{\"\"status\"\":\"\"SUCCESSFUL\"\"}\"\n",
    "10,600,POST,/identity/globalIds,application/json,,,,\n",
    "10,700,DELETE,/event/events/%%,,,%%,UNSIGNED,\n",
    "11,800,,$.c8y_IsDevice,$.id\n",
    "11,801,$.c8y_Hardware,,serialNumber,model\n",
    "11,802,,$.status,$.id,$.status",
);

fn doc(value: Value) -> Document {
    match value {
        Value::Object(map) => map,
        _ => panic!("not an object"),
    }
}

fn registry() -> Sr1Registry {
    let registry = Sr1Registry::new();
    registry
        .register("t100", "com.acme-v1", TEMPLATES.as_bytes())
        .unwrap();
    registry
}

fn publish(registry: &Sr1Registry, executor: &FakeExecutor, payload: &str) -> Vec<Reply> {
    registry.on_publish(&context("dev"), "com.acme-v1", payload.as_bytes(), executor)
}

fn dl(payload: &str) -> Reply {
    Reply::new("s/dl/com.acme-v1", payload)
}

#[test]
fn create_device_round_trip() {
    let registry = registry();
    let executor = FakeExecutor::new();
    assert_eq!(
        publish(&registry, &executor, "100,\"My \"\"device\"\", 1\""),
        vec![dl("800,1,100")]
    );
    assert_eq!(
        executor.requests(),
        vec![ApiRequest::Create {
            resource: Resource::ManagedObject,
            body: doc(json!({"name":"My \"device\", 1","c8y_IsDevice":{}})),
            external_id: None
        }]
    );
}

#[test]
fn measurement_with_now_and_typed_values() {
    let registry = registry();
    let executor = FakeExecutor::new();
    assert_eq!(publish(&registry, &executor, "200,,12345,21.5"), vec![]);
    let ApiRequest::Create {
        resource: Resource::Measurement,
        body,
        ..
    } = executor.requests().remove(0)
    else {
        panic!()
    };
    assert_eq!(body["source"], json!({"id":"12345"}));
    assert_eq!(body["c8y_T"]["T"]["value"], json!(21.5));
    assert!(
        body["time"]
            .as_str()
            .unwrap()
            .parse::<c8y_mqtt::value::Timestamp>()
            .is_ok()
    );
    // A given time is used as it is.
    let executor = FakeExecutor::new();
    publish(&registry, &executor, "200,2020-01-01T00:00:00Z,1,2");
    let ApiRequest::Create { body, .. } = executor.requests().remove(0) else {
        panic!()
    };
    assert_eq!(body["time"], "2020-01-01T00:00:00Z");
}

#[test]
fn get_put_delete_by_id_with_responses_and_line_numbers() {
    let registry = registry();
    let executor = FakeExecutor::new();
    executor
        .answer(Ok(
            json!({"id":"5","c8y_Hardware":{"serialNumber":"S, 1","model":"M"}}),
        ))
        .answer(Ok(json!({"id":"6","status":"CLEARED"})))
        .answer(Ok(json!({"id":"7","status":"SUCCESSFUL"})))
        .answer(Ok(Value::Null));
    assert_eq!(
        publish(&registry, &executor, "300,5\n400,6,CLEARED\n500,7\n700,8"),
        vec![
            dl("801,1,\"S, 1\",M"),
            dl("802,2,6,CLEARED"),
            dl("802,3,7,SUCCESSFUL")
        ]
    );
    assert_eq!(
        executor.requests(),
        vec![
            ApiRequest::Get {
                resource: Resource::ManagedObject,
                target: ObjectRef::Id("5".into())
            },
            ApiRequest::Update {
                resource: Resource::Alarm,
                target: ObjectRef::Id("6".into()),
                body: doc(json!({"status":"CLEARED"}))
            },
            ApiRequest::Update {
                resource: Resource::Operation,
                target: ObjectRef::Id("7".into()),
                body: doc(json!({"status":"SUCCESSFUL"}))
            },
            ApiRequest::Delete {
                resource: Resource::Event,
                target: ObjectRef::Id("8".into())
            },
        ]
    );
}

#[test]
fn unknown_xid() {
    let registry = registry();
    let executor = FakeExecutor::new();
    assert_eq!(
        registry.on_publish(&context("dev"), "other", b"100,x\n100,y", &executor),
        vec![Reply::new("s/dl/other", "40,No template for this X-ID.")]
    );
    let mut other_tenant = context("dev");
    other_tenant.tenant = "t200".into();
    assert_eq!(
        registry.on_publish(&other_tenant, "com.acme-v1", b"100,x", &executor),
        vec![Reply::new("s/dl/com.acme-v1", "40,No template for this X-ID.")]
    );
    assert!(executor.requests().is_empty());
}

#[test]
fn row_errors_are_reported_per_line() {
    let registry = registry();
    let executor = FakeExecutor::new();
    executor.answer(Err(ApiError::NotFound("Alarm 9 not found".into())));
    assert_eq!(
        publish(
            &registry,
            &executor,
            "999,1\n200,,1,abc\n300,5,6\n300\n400,9,CLEARED\n600\n300,-1"
        ),
        vec![
            dl("43,1,Invalid message identifier"),
            dl("45,2,Value is not a NUMBER: abc"),
            dl("45,3,Wrong number of arguments"),
            dl("45,4,Wrong number of arguments"),
            dl("50,5,404,Alarm 9 not found"),
            dl("50,6,405,POST /identity/globalIds is not supported"),
            dl("45,7,Value is not a UNSIGNED: -1"),
        ]
    );
    assert_eq!(executor.requests().len(), 1);
}

#[test]
fn registration_rules() {
    let registry = registry();
    assert_eq!(
        registry.register(
            "t100",
            "com.acme-v1",
            b"10,1,GET,/inventory/managedObjects/1,,,,,"
        ),
        Err(Sr1Error::AlreadyExisting)
    );
    let err = |payload: &str| {
        Sr1Registry::new()
            .register("t", "x", payload.as_bytes())
            .unwrap_err()
    };
    assert_eq!(
        err("10,1,GET,/a,,,%%,FLOAT,"),
        Sr1Error::BadValueType("FLOAT".into())
    );
    assert_eq!(err("10,1,GET,/a,,,,STRING,"), Sr1Error::ValuesWithoutPlaceholder);
    assert!(matches!(
        err("10,1,GET,/a,,,,,{}"),
        Sr1Error::BadRequestTemplate(_)
    ));
    assert!(matches!(
        err("10,1,GET,/a/%%,,,%%,STRING STRING,"),
        Sr1Error::BadRequestTemplate(_)
    ));
    assert!(matches!(
        err("10,1,FETCH,/a,,,,,"),
        Sr1Error::BadRequestTemplate(_)
    ));
    assert!(matches!(err("10,1,GET,,,,,,"), Sr1Error::BadRequestTemplate(_)));
    assert!(matches!(err("12,1"), Sr1Error::BadRequestTemplate(_)));
    assert!(matches!(err("11,1,,,"), Sr1Error::BadResponseTemplate(_)));
    assert!(matches!(err("11,1,,,a..b"), Sr1Error::InvalidJsonPath(_)));
    assert!(matches!(err("11,1,,$.x[?(@.a)],a"), Sr1Error::InvalidJsonPath(_)));
    assert_eq!(
        err("10,1,GET,/a,,,,,\n11,1,,,a"),
        Sr1Error::DuplicateMsgId("1".into())
    );
    assert_eq!(err(""), Sr1Error::Empty);
    assert_eq!(
        Sr1Error::AlreadyExisting.to_string(),
        "Cannot create templates for already existing template object"
    );
}
