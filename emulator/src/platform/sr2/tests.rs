//! SmartREST 2.0 engine tests against the fake executor: the §11.11 exchange, every §7.5
//! request example as the exact `ApiRequest`, responses, operations and errors.

use serde_json::{Value, json};

use super::fake_executor::{FakeExecutor, context};
use super::{Sr2Channel, Sr2Registry, Sr2Subscription};
use crate::platform::request::{ApiError, ApiRequest, Document, ObjectRef, Reply, Resource};

fn doc(value: Value) -> Document {
    match value {
        Value::Object(map) => map,
        _ => panic!("not an object"),
    }
}

fn create(resource: Resource, body: Value) -> ApiRequest {
    ApiRequest::Create {
        resource,
        body: doc(body),
        external_id: None,
    }
}

/// A registry with collection `xid` defined from `rows`; the executor's log is cleared.
fn with_collection(xid: &str, rows: &str) -> (Sr2Registry, FakeExecutor) {
    let registry = Sr2Registry::new();
    let executor = FakeExecutor::new();
    let replies = registry.on_template_topic(&context("dev"), xid, rows.as_bytes(), &executor);
    assert_eq!(replies, vec![], "definition of {xid} refused");
    executor.requests.lock().clear();
    (registry, executor)
}

/// The single request one use line on `s/uc/c` makes, asserting no reply.
fn request_of(template: &str, line: &str) -> ApiRequest {
    let (registry, executor) = with_collection("c", template);
    let replies = registry.on_use(
        &context("dev"),
        "c",
        Sr2Channel::Custom,
        line.as_bytes(),
        &executor,
    );
    assert_eq!(replies, vec![], "{line}");
    let mut requests = executor.requests();
    assert_eq!(requests.len(), 1, "{line}");
    requests.remove(0)
}

#[test]
fn transcript_11_11() {
    let registry = Sr2Registry::new();
    let executor = FakeExecutor::new();
    let ctx = context("1234");
    assert_eq!(
        registry.on_template_topic(&ctx, "myCommon_10", b"", &executor),
        vec![Reply::new("s/dt", "41,myCommon_10")]
    );
    let definition = "10,999,POST,MEASUREMENT,,c8y_MyMeasurement,,c8y_MyMeasurement.M.value,NUMBER,\n\
                      11,888,,c8y_Command,c8y_Command.text";
    assert_eq!(
        registry.on_template_topic(&ctx, "myCommon_10", definition.as_bytes(), &executor),
        vec![]
    );
    // The collection was stored as an inventory object with its identifier.
    let requests = executor.requests();
    let ApiRequest::Create {
        resource: Resource::ManagedObject,
        body,
        external_id,
    } = &requests[0]
    else {
        panic!("{requests:?}")
    };
    assert_eq!(body["type"], "c8y_SmartRest2Template");
    assert_eq!(body["name"], "myCommon_10");
    assert_eq!(
        body["com_cumulocity_model_smartrest_csv_CsvSmartRestTemplate"]["requestTemplates"][0]["msgId"],
        "999"
    );
    assert_eq!(
        external_id,
        &Some((
            "c8y_SmartRest2DeviceIdentifier".to_owned(),
            "myCommon_10".to_owned()
        ))
    );
    assert_eq!(
        registry.on_template_topic(&ctx, "myCommon_10", b"", &executor),
        vec![Reply::new("s/dt", "20,myCommon_10,100")]
    );
    assert_eq!(
        registry.collection_id("t100", "myCommon_10").as_deref(),
        Some("100")
    );

    executor.requests.lock().clear();
    assert_eq!(
        registry.on_use(&ctx, "myCommon_10", Sr2Channel::Default, b"999,,25", &executor),
        vec![]
    );
    assert_eq!(
        executor.requests(),
        vec![create(
            Resource::Measurement,
            json!({"type":"c8y_MyMeasurement","c8y_MyMeasurement":{"M":{"value":25}}})
        )]
    );
    assert_eq!(executor.contexts(), vec![ctx.clone()]);

    // The c8y_Command operation rendered for s/dd.
    let operation = json!({"id":"7","deviceId":"5","status":"PENDING","c8y_Command":{"text":"echo \"hi\""}});
    let subscriptions = [Sr2Subscription {
        xid: "myCommon_10".into(),
        channel: Sr2Channel::Default,
    }];
    assert_eq!(
        registry.render_operation("t100", &subscriptions, &operation, "1234"),
        vec![Reply::new("s/dd", r#"888,1234,"echo ""hi""""#)]
    );
}

#[test]
fn collections_are_immutable_and_per_tenant() {
    let (registry, executor) = with_collection("x", "10,1,POST,EVENT,,t,txt,");
    assert_eq!(
        registry.on_template_topic(&context("dev"), "x", b"10,2,POST,EVENT,,t,txt,", &executor),
        vec![Reply::new(
            "s/e",
            "41,x,Cannot create templates for already existing template object"
        )]
    );
    assert!(executor.requests().is_empty());
    let mut other = context("dev");
    other.tenant = "t200".into();
    assert_eq!(
        registry.on_template_topic(&other, "x", b"", &executor),
        vec![Reply::new("s/dt", "41,x")]
    );
    assert!(registry.remove("t100", "x"));
    assert_eq!(registry.collection("t100", "x"), None);
}

#[test]
fn malformed_definition_is_refused_with_41_on_s_e() {
    let registry = Sr2Registry::new();
    let executor = FakeExecutor::new();
    let replies = registry.on_template_topic(&context("dev"), "x", b"10,1,GET,MEASUREMENT", &executor);
    assert_eq!(replies.len(), 1);
    assert_eq!(replies[0].topic, "s/e");
    assert!(
        replies[0]
            .payload
            .starts_with("41,x,Bad request template definition"),
        "{replies:?}"
    );
    assert!(executor.requests().is_empty());
    assert_eq!(
        registry.on_template_topic(&context("dev"), "x", b"", &executor),
        vec![Reply::new("s/dt", "41,x")]
    );
}

#[test]
fn failed_storage_is_reported_and_nothing_is_registered() {
    let registry = Sr2Registry::new();
    let executor = FakeExecutor::new();
    executor.answer(Err(ApiError::Invalid("no".into())));
    assert_eq!(
        registry.on_template_topic(&context("dev"), "x", b"10,1,POST,EVENT,,t,txt,", &executor),
        vec![Reply::new("s/e", "50,x,no")]
    );
    assert_eq!(registry.collection("t100", "x"), None);
}

// §7.5 examples, each mapped to the exact request.

#[test]
fn measurement_with_time() {
    assert_eq!(
        request_of(
            "10,999,POST,MEASUREMENT,,c8y_MyMeasurement,,c8y_MyMeasurement.M.value,NUMBER,",
            "999,2016-06-22T17:03:14.000+02:00,25"
        ),
        create(
            Resource::Measurement,
            json!({"type":"c8y_MyMeasurement","time":"2016-06-22T17:03:14.000+02:00",
                   "c8y_MyMeasurement":{"M":{"value":25}}})
        )
    );
}

#[test]
fn minimal_posts() {
    assert_eq!(
        request_of(
            "10,100,POST,MEASUREMENT,false,c8y_MyMeasurement,,c8y_MyMeasurement.M.value,NUMBER,",
            "100"
        ),
        create(Resource::Measurement, json!({"type":"c8y_MyMeasurement"}))
    );
    assert_eq!(
        request_of("10,101,POST,EVENT,,c8y_CustomEvent,mytext,,", "101"),
        create(Resource::Event, json!({"type":"c8y_CustomEvent","text":"mytext"}))
    );
    assert_eq!(
        request_of("10,102,POST,ALARM,,c8y_CustomAlarm,mytext,ACTIVE,MAJOR,", "102"),
        create(
            Resource::Alarm,
            json!({"type":"c8y_CustomAlarm","text":"mytext","status":"ACTIVE","severity":"MAJOR"})
        )
    );
}

#[test]
fn alarm_post_at_use() {
    assert_eq!(
        request_of(
            "10,5,POST,ALARM,,,,,,",
            "5,t,\"a, b\",ACKNOWLEDGED,MINOR,2020-01-01T00:00:00Z"
        ),
        create(
            Resource::Alarm,
            json!({"type":"t","text":"a, b","status":"ACKNOWLEDGED","severity":"MINOR",
                   "time":"2020-01-01T00:00:00Z"})
        )
    );
}

#[test]
fn inventory_get_by_id() {
    assert_eq!(
        request_of("10,999,GET,INVENTORY,,true", "999,123456"),
        ApiRequest::Get {
            resource: Resource::ManagedObject,
            target: ObjectRef::Id("123456".into())
        }
    );
}

#[test]
fn inventory_get_by_fixed_external_id_type() {
    assert_eq!(
        request_of("10,999,GET,INVENTORY,,false,c8y_Serial", "999,myDeviceImei"),
        ApiRequest::Get {
            resource: Resource::ManagedObject,
            target: ObjectRef::External {
                id_type: "c8y_Serial".into(),
                value: "myDeviceImei".into()
            }
        }
    );
}

#[test]
fn inventory_get_by_external_id_with_type_in_line() {
    assert_eq!(
        request_of("10,999,GET,INVENTORY,,false", "999,c8y_Serial,myDeviceImei"),
        ApiRequest::Get {
            resource: Resource::ManagedObject,
            target: ObjectRef::External {
                id_type: "c8y_Serial".into(),
                value: "myDeviceImei".into()
            }
        }
    );
}

#[test]
fn inventory_put_by_external_id() {
    assert_eq!(
        request_of(
            "10,999,PUT,INVENTORY,,false,c8y_Serial,c8y_MyCustomValue,STRING,",
            "999,myDeviceImei,myValue"
        ),
        ApiRequest::Update {
            resource: Resource::ManagedObject,
            target: ObjectRef::External {
                id_type: "c8y_Serial".into(),
                value: "myDeviceImei".into()
            },
            body: doc(json!({"c8y_MyCustomValue":"myValue"}))
        }
    );
}

#[test]
fn inventory_post_value_first() {
    assert_eq!(
        request_of(
            "10,9,POST,INVENTORY,,,name,STRING,,c8y_IsDevice,FLAG,",
            "9,child-1,c8y_Serial,My device"
        ),
        ApiRequest::Create {
            resource: Resource::ManagedObject,
            body: doc(json!({"name":"My device","c8y_IsDevice":{}})),
            external_id: Some(("c8y_Serial".into(), "child-1".into()))
        }
    );
    // Empty external id: none is registered; fixed type.
    assert_eq!(
        request_of("10,9,POST,INVENTORY,,c8y_Imei", "9"),
        ApiRequest::Create {
            resource: Resource::ManagedObject,
            body: Document::new(),
            external_id: None
        }
    );
    assert_eq!(
        request_of("10,9,POST,INVENTORY,,c8y_Imei", "9,42"),
        ApiRequest::Create {
            resource: Resource::ManagedObject,
            body: Document::new(),
            external_id: Some(("c8y_Imei".into(), "42".into()))
        }
    );
}

#[test]
fn alarm_clear_with_extra_fragment() {
    assert_eq!(
        request_of(
            "10,999,PUT,ALARM,,c8y_MyCustomALarm,status,ALARMSTATUS,CLEARED,c8y_CustomFragment.reason,STRING,",
            "999,Device resolved alarm on its own"
        ),
        ApiRequest::Update {
            resource: Resource::Alarm,
            target: ObjectRef::AlarmOfType("c8y_MyCustomALarm".into()),
            body: doc(
                json!({"status":"CLEARED","c8y_CustomFragment":{"reason":"Device resolved alarm on its own"}})
            )
        }
    );
}

#[test]
fn operation_status() {
    assert_eq!(
        request_of(
            "10,999,PUT,OPERATION,,c8y_MyOperation,status,OPERATIONSTATUS,SUCCESSFUL,c8y_Fragment.val,NUMBER,",
            "999,24"
        ),
        ApiRequest::Update {
            resource: Resource::Operation,
            target: ObjectRef::OperationWithFragment("c8y_MyOperation".into()),
            body: doc(json!({"status":"SUCCESSFUL","c8y_Fragment":{"val":24}}))
        }
    );
}

#[test]
fn typed_custom_values_and_server_time_for_empty_custom_dates() {
    let request = request_of(
        "10,1,POST,EVENT,,t,x,,a.i,INTEGER,,a.u,UNSIGNED,,a.d,DATE,,a.s,SEVERITY,,a.f,FLAG,,a.n,NUMBER,7.50",
        "1,,-3,4,,CRITICAL",
    );
    let ApiRequest::Create { body, .. } = request else {
        panic!()
    };
    assert_eq!(body["a"]["i"], json!(-3));
    assert_eq!(body["a"]["u"], json!(4));
    assert_eq!(body["a"]["s"], json!("CRITICAL"));
    assert_eq!(body["a"]["f"], json!({}));
    assert_eq!(body["a"]["n"], json!(7.5));
    let date = body["a"]["d"].as_str().unwrap();
    assert!(date.parse::<c8y_mqtt::value::Timestamp>().is_ok(), "{date}");
    assert!(body.get("time").is_none());
}

#[test]
fn children_are_the_context_device() {
    let (registry, executor) = with_collection("c", "10,101,POST,EVENT,,c8y_CustomEvent,mytext,,");
    let child = context("child1");
    assert_eq!(
        registry.on_use(&child, "c", Sr2Channel::Custom, b"101", &executor),
        vec![]
    );
    assert_eq!(executor.contexts(), vec![child]);
}

// Responses.

#[test]
fn get_responds_on_s_dc_by_default() {
    let (registry, executor) = with_collection(
        "c",
        "10,999,GET,INVENTORY,,true\n11,888,,c8y_IsDevice,type,c8y_Test,c8y_Configuration",
    );
    executor.answer(Ok(json!({
        "id": "12345", "type": "myMqttDevice", "c8y_IsDevice": {}, "c8y_Configuration": "val1=1\nval2=2"
    })));
    assert_eq!(
        registry.on_use(&context("dev"), "c", Sr2Channel::Custom, b"999,12345", &executor),
        vec![Reply::new("s/dc/c", "888,myMqttDevice,,\"val1=1\nval2=2\"")]
    );
}

#[test]
fn post_with_response_true_and_default_channel() {
    let (registry, executor) = with_collection(
        "perf",
        "10,999,POST,MEASUREMENT,true,T,,T.M.value,NUMBER\n11,888,,T,type,id,T.M.value",
    );
    assert_eq!(
        registry.on_use(
            &context("dev"),
            "perf",
            Sr2Channel::Default,
            b"999,,42",
            &executor
        ),
        vec![Reply::new("s/dd", "888,T,100,42")]
    );
}

#[test]
fn response_false_and_default_post_emit_nothing() {
    let (registry, executor) = with_collection(
        "c",
        "10,1,POST,MEASUREMENT,,T,,T.M.value,NUMBER\n10,2,GET,INVENTORY,false,true\n11,888,,,id",
    );
    assert_eq!(
        registry.on_use(&context("dev"), "c", Sr2Channel::Custom, b"1,,1\n2,5", &executor),
        vec![]
    );
    assert_eq!(executor.requests().len(), 2);
}

#[test]
fn every_matching_response_template_emits_a_line() {
    let (registry, executor) = with_collection(
        "c",
        "10,1,GET,INVENTORY,,true\n11,a,,id,id\n11,b,,name,name\n11,c,,c8y_IsDevice,type",
    );
    executor.answer(Ok(json!({"id":"5","type":"x","c8y_IsDevice":{}})));
    assert_eq!(
        registry.on_use(&context("dev"), "c", Sr2Channel::Custom, b"1,5", &executor),
        vec![Reply::new("s/dc/c", "a,5\nc,x")]
    );
}

// Errors.

#[test]
fn unknown_xid_on_s_uc() {
    let registry = Sr2Registry::new();
    let executor = FakeExecutor::new();
    assert_eq!(
        registry.on_use(
            &context("dev"),
            "nope",
            Sr2Channel::Custom,
            b"999,1\n998",
            &executor
        ),
        vec![Reply::new(
            "s/e",
            "40,999,No template for this X-ID.\n40,998,No template for this X-ID."
        )]
    );
    assert!(executor.requests().is_empty());
}

#[test]
fn errors_leave_other_rows_alone() {
    let (registry, executor) = with_collection(
        "c",
        "10,999,POST,MEASUREMENT,,c8y_MyMeasurement,,c8y_MyMeasurement.M.value,NUMBER,\n\
         10,7,PUT,ALARM,,c8y_A,status,ALARMSTATUS,CLEARED",
    );
    executor
        .answer(Ok(json!({"id":"1"})))
        .answer(Err(ApiError::NotFound("Alarm of type c8y_A not found".into())))
        .answer(Ok(json!({"id":"2"})));
    let payload = "555,1\n999,,abc\n999,,1,2\n999,,25\n7\n999,,26";
    let replies = registry.on_use(
        &context("dev"),
        "c",
        Sr2Channel::Custom,
        payload.as_bytes(),
        &executor,
    );
    assert_eq!(
        replies,
        vec![Reply::new(
            "s/e",
            "40,555,No template for this message id\n\
             45,999,Value is not a NUMBER: abc (c8y_MyMeasurement.M.value at field 2)\n\
             45,999,\"Wrong number of arguments: template 999 takes 2 values, got 3\"\n\
             50,7,Alarm of type c8y_A not found"
        )]
    );
    assert_eq!(executor.requests().len(), 3);
}

#[test]
fn missing_required_value() {
    let (registry, executor) = with_collection("c", "10,7,PUT,ALARM,,,status,ALARMSTATUS,CLEARED");
    assert_eq!(
        registry.on_use(&context("dev"), "c", Sr2Channel::Custom, b"7", &executor),
        vec![Reply::new("s/e", "45,7,Missing mandatory field type (field 1)")]
    );
    assert!(executor.requests().is_empty());
}

#[test]
fn operations_render_through_every_subscribed_collection() {
    let registry = Sr2Registry::new();
    let executor = FakeExecutor::new();
    let ctx = context("dev");
    let one = "11,111,c8y_CustomConfiguration,deviceId,val1,val2,customValues[*]\n\
               11,444,c8y_CustomConfiguration,c8y_CustomConfiguration.val3,val1,val2";
    let two = "11,222,,deviceId,c8y_CustomConfiguration.val1,c8y_CustomConfiguration.val2\n\
               11,333,,deviceId,val1,val2,customValues[*]";
    assert_eq!(
        registry.on_template_topic(&ctx, "one", one.as_bytes(), &executor),
        vec![]
    );
    assert_eq!(
        registry.on_template_topic(&ctx, "two", two.as_bytes(), &executor),
        vec![]
    );
    let operation = json!({
        "c8y_CustomConfiguration": {"val1": "1", "val2": "2", "customValues": ["a", "b", "c"]},
        "deviceId": "12345"
    });
    let subscriptions = [
        Sr2Subscription {
            xid: "one".into(),
            channel: Sr2Channel::Custom,
        },
        Sr2Subscription {
            xid: "missing".into(),
            channel: Sr2Channel::Custom,
        },
        Sr2Subscription {
            xid: "two".into(),
            channel: Sr2Channel::Default,
        },
    ];
    assert_eq!(
        registry.render_operation("t100", &subscriptions, &operation, "myMqttTestDevice"),
        vec![
            Reply::new("s/dc/one", "111,myMqttTestDevice,1,2,a,b,c"),
            Reply::new("s/dd", "222,myMqttTestDevice,1,2\n333,myMqttTestDevice,,,"),
        ]
    );
    assert!(
        registry
            .render_operation("t200", &subscriptions, &operation, "x")
            .is_empty()
    );
}

#[test]
fn responses_larger_than_a_packet_are_split() {
    let (registry, executor) = with_collection("c", "10,1,GET,INVENTORY,,true\n11,a,,,text");
    let big = "x".repeat(6000);
    for _ in 0..4 {
        executor.answer(Ok(json!({ "text": big })));
    }
    let replies = registry.on_use(
        &context("dev"),
        "c",
        Sr2Channel::Custom,
        b"1,1\n1,2\n1,3\n1,4",
        &executor,
    );
    assert_eq!(replies.len(), 2);
    let rows: usize = replies.iter().map(|r| r.payload.split('\n').count()).sum();
    assert_eq!(rows, 4);
    for reply in &replies {
        assert_eq!(reply.topic, "s/dc/c");
        assert!(reply.payload.len() <= 16184);
    }
}
