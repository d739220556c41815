//! Every topic of docs/protocol.md rendered and parsed back byte for byte, every parse error, and
//! properties over generated topics.

use proptest::prelude::*;

use super::*;

fn ext(s: &str) -> ExternalId {
    ExternalId::new(s).unwrap()
}

fn xid(s: &str) -> XId {
    XId::new(s).unwrap()
}

fn oid(s: &str) -> ObjectId {
    ObjectId::new(s).unwrap()
}

use ProcessingMode::{Cep, Persistent, Quiescent, Transient};

/// The topics of docs/protocol.md (§2.2, §2.4, §7.1, §8, §10, §11.11) and the typed value each one is.
fn reference_topics() -> Vec<(&'static str, Topic)> {
    let up = |t: UpstreamTopic| Topic::Upstream(t);
    let down = |t: DownstreamTopic| Topic::Downstream(t);
    let sr = |t: SmartRestTopic| Topic::Upstream(t.into());
    let json = |t: JsonTopic| Topic::Upstream(t.into());
    vec![
        ("s/us", sr(UpstreamTopic::static_(Persistent))),
        ("t/us", sr(UpstreamTopic::static_(Transient))),
        ("q/us", sr(UpstreamTopic::static_(Quiescent))),
        ("c/us", sr(UpstreamTopic::static_(Cep))),
        (
            "s/us/child1",
            sr(UpstreamTopic::static_(Persistent).child(ext("child1"))),
        ),
        (
            "q/us/child1",
            sr(UpstreamTopic::static_(Quiescent).child(ext("child1"))),
        ),
        (
            "s/us/child1/child2",
            sr(UpstreamTopic::static_(Persistent)
                .child(ext("child1"))
                .child(ext("child2"))),
        ),
        (
            "s/us/child1/child2/child3",
            sr(UpstreamTopic::static_(Persistent).child_path([ext("child1"), ext("child2"), ext("child3")])),
        ),
        (
            "s/us/main:device:child01",
            sr(UpstreamTopic::static_(Persistent).child(ext("main:device:child01"))),
        ),
        (
            "s/uc/myCommon_10",
            sr(UpstreamTopic::custom(Persistent, xid("myCommon_10"))),
        ),
        (
            "t/uc/myCommon_10",
            sr(UpstreamTopic::custom(Transient, xid("myCommon_10"))),
        ),
        (
            "c/uc/myCommon_10",
            sr(UpstreamTopic::custom(Cep, xid("myCommon_10"))),
        ),
        (
            "s/uc/myCommon_10/child1",
            sr(UpstreamTopic::custom(Persistent, xid("myCommon_10")).child(ext("child1"))),
        ),
        ("s/ud", sr(UpstreamTopic::default_collection(Persistent))),
        ("q/ud", sr(UpstreamTopic::default_collection(Quiescent))),
        (
            "s/ud/child1",
            sr(UpstreamTopic::default_collection(Persistent).child(ext("child1"))),
        ),
        (
            "s/ut/myCommon_10",
            up(UpstreamTopic::Template(xid("myCommon_10"))),
        ),
        ("s/ucr", up(UpstreamTopic::CredentialsRequest)),
        ("s/uat", up(UpstreamTopic::TokenRequest)),
        (
            "s/ul/com.acme.gw801-v1",
            sr(UpstreamTopic::legacy(Persistent, xid("com.acme.gw801-v1"))),
        ),
        (
            "t/ul/com.acme.gw801-v1",
            sr(UpstreamTopic::legacy(Transient, xid("com.acme.gw801-v1"))),
        ),
        (
            "q/ul/com.acme.gw801-v1",
            sr(UpstreamTopic::legacy(Quiescent, xid("com.acme.gw801-v1"))),
        ),
        (
            "c/ul/com.acme.gw801-v1",
            sr(UpstreamTopic::legacy(Cep, xid("com.acme.gw801-v1"))),
        ),
        (
            "s/ul/com.acme.gw801-v1/child1",
            sr(UpstreamTopic::legacy(Persistent, xid("com.acme.gw801-v1")).child(ext("child1"))),
        ),
        (
            "measurement/measurements/create",
            json(JsonTopic::create(JsonResource::Measurements)),
        ),
        (
            "t/measurement/measurements/createBulk",
            json(
                JsonTopic::create_bulk(JsonResource::Measurements)
                    .unwrap()
                    .with_mode(Transient),
            ),
        ),
        (
            "inventory/managedObjects/update/<main>:device:child01",
            json(JsonTopic::update(JsonResource::ManagedObjects, oid("<main>:device:child01")).unwrap()),
        ),
        (
            "inventory/managedObjects/update/main-device-id:device:child01",
            json(
                JsonTopic::update(JsonResource::ManagedObjects, ext("main-device-id:device:child01"))
                    .unwrap(),
            ),
        ),
        (
            "event/events/delete/123",
            json(JsonTopic::delete(JsonResource::Events, oid("123")).unwrap()),
        ),
        (
            "alarm/alarms/create",
            json(JsonTopic::create(JsonResource::Alarms)),
        ),
        ("s/ds", down(DownstreamTopic::Static)),
        (
            "s/dc/myCommon_10",
            down(DownstreamTopic::Custom(xid("myCommon_10"))),
        ),
        ("s/dd", down(DownstreamTopic::Default)),
        ("s/dt", down(DownstreamTopic::Template)),
        ("s/dcr", down(DownstreamTopic::Credentials)),
        ("s/dat", down(DownstreamTopic::Token)),
        ("s/e", down(DownstreamTopic::Error)),
        (
            "s/dl/com.acme.gw801-v1",
            down(DownstreamTopic::Legacy(xid("com.acme.gw801-v1"))),
        ),
        (
            "s/ol/com.acme.gw801-v1",
            down(DownstreamTopic::LegacyOperations(xid("com.acme.gw801-v1"))),
        ),
        ("error", down(DownstreamTopic::JsonError)),
        (
            "devicecontrol/notifications",
            down(DownstreamTopic::JsonOperations),
        ),
        (
            "notification/operations",
            down(DownstreamTopic::JsonOperationsLegacy),
        ),
    ]
}

#[test]
fn reference_topics_render_exactly() {
    for (text, topic) in reference_topics() {
        assert_eq!(topic.to_string(), text);
    }
}

#[test]
fn reference_topics_parse_to_their_value_and_render_back() {
    for (text, topic) in reference_topics() {
        let parsed: Topic = text.parse().unwrap_or_else(|e| panic!("{text}: {e}"));
        assert_eq!(parsed, topic, "{text}");
        assert_eq!(parsed.to_string(), text);
        match topic {
            Topic::Upstream(up) => {
                assert_eq!(text.parse::<UpstreamTopic>().as_ref(), Ok(&up));
                assert!(is_upstream(text), "{text}");
            }
            Topic::Downstream(down) => {
                assert_eq!(text.parse::<DownstreamTopic>().as_ref(), Ok(&down));
                assert!(!is_upstream(text), "{text}");
            }
        }
        assert!(is_core_topic(text), "{text}");
    }
}

#[test]
fn every_supported_json_topic_round_trips_in_every_mode() {
    let mut count = 0;
    for mode in ProcessingMode::ALL {
        for resource in JsonResource::ALL {
            for action in JsonAction::ALL.into_iter().filter(|a| resource.supports(*a)) {
                let id = action.needs_id().then(|| oid("42"));
                let topic = JsonTopic::new(resource, action, id).unwrap().with_mode(mode);
                let text = topic.to_string();
                let prefix = if mode == Persistent {
                    String::new()
                } else {
                    format!("{mode}/")
                };
                let suffix = if action.needs_id() { "/42" } else { "" };
                assert_eq!(
                    text,
                    format!(
                        "{prefix}{}/{}/{action}{suffix}",
                        resource.api(),
                        resource.resource()
                    )
                );
                assert_eq!(text.parse::<UpstreamTopic>(), Ok(UpstreamTopic::Json(topic)));
                count += 1;
            }
        }
    }
    // 12 supported combinations (§10 table: 4 + 3 + 3 + 2) in 4 modes.
    assert_eq!(count, 48);
}

#[test]
fn accessors_and_reply_topics() {
    let topic: UpstreamTopic = "q/uc/myCommon_10/child1/child2".parse().unwrap();
    assert_eq!(topic.mode(), Quiescent);
    assert_eq!(topic.children(), [ext("child1"), ext("child2")]);
    let UpstreamTopic::SmartRest(ref sr) = topic else {
        panic!("not a SmartREST topic")
    };
    assert_eq!(sr.leaf(), Some(&ext("child2")));
    assert_eq!(sr.channel.xid(), Some(&xid("myCommon_10")));
    assert_eq!(
        sr.clone().with_mode(Persistent).to_string(),
        "s/uc/myCommon_10/child1/child2"
    );
    assert_eq!(UpstreamTopic::static_(Persistent).leaf(), None);
    assert_eq!(UpstreamTopic::TokenRequest.mode(), Persistent);
    assert!(UpstreamTopic::TokenRequest.children().is_empty());

    let replies = [
        ("s/us", "s/ds"),
        ("t/us/child1", "s/ds"),
        ("s/uc/myCommon_10", "s/dc/myCommon_10"),
        ("s/ud", "s/dd"),
        ("s/ut/myCommon_10", "s/dt"),
        ("s/ucr", "s/dcr"),
        ("s/uat", "s/dat"),
        ("s/ul/com.acme.gw801-v1", "s/dl/com.acme.gw801-v1"),
        ("event/events/create", "error"),
    ];
    for (request, reply) in replies {
        let topic: UpstreamTopic = request.parse().unwrap();
        assert_eq!(topic.reply_topic().to_string(), reply, "{request}");
    }
    assert_eq!(DownstreamTopic::LegacyOperations(xid("x")).xid(), Some(&xid("x")));
    assert_eq!(DownstreamTopic::JsonError.topic_type(), None);
    assert_eq!(DownstreamTopic::Error.topic_type(), Some(TopicType::Error));
}

fn err(topic: &str) -> TopicError {
    match topic.parse::<Topic>() {
        Ok(t) => panic!("{topic:?} parsed as {t:?}"),
        Err(e) => e,
    }
}

#[test]
fn invalid_levels_are_typed_id_errors() {
    let external = IdKind::External;
    assert_eq!(err("s/us/"), TopicError::Id(IdError::Empty { kind: external }));
    assert_eq!(
        err("s/us//child1"),
        TopicError::Id(IdError::Empty { kind: external })
    );
    assert_eq!(err("s/uc/"), TopicError::Id(IdError::Empty { kind: IdKind::XId }));
    assert_eq!(
        err("s/us/+"),
        TopicError::Id(IdError::Wildcard {
            kind: external,
            character: '+',
            position: 0
        })
    );
    assert_eq!(
        err("s/uc/#"),
        TopicError::Id(IdError::Wildcard {
            kind: IdKind::XId,
            character: '#',
            position: 0
        })
    );
    assert_eq!(
        err("s/us/a\0"),
        TopicError::Id(IdError::Nul {
            kind: external,
            position: 1
        })
    );
    assert_eq!(
        err("s/us/ a"),
        TopicError::Id(IdError::SurroundingWhitespace { kind: external })
    );
    assert_eq!(
        err("s/dl/x\ny"),
        TopicError::Id(IdError::ControlCharacter {
            kind: IdKind::XId,
            character: '\n',
            position: 1
        })
    );
    assert_eq!(
        err("event/events/delete/"),
        TopicError::Json(JsonTopicError::Id(IdError::Empty { kind: IdKind::Object }))
    );
    assert_eq!(
        err("event/events/delete/1+"),
        TopicError::Json(JsonTopicError::Id(IdError::Wildcard {
            kind: IdKind::Object,
            character: '+',
            position: 1
        }))
    );
}

#[test]
fn unsupported_json_topics_are_refused() {
    use JsonAction::{CreateBulk, Delete, Update};
    use JsonResource::{Alarms, Events, ManagedObjects, Measurements};
    let unsupported = |resource, action| TopicError::Json(JsonTopicError::Unsupported { resource, action });
    assert_eq!(err("alarm/alarms/delete/1"), unsupported(Alarms, Delete));
    assert_eq!(
        err("measurement/measurements/update/1"),
        unsupported(Measurements, Update)
    );
    assert_eq!(
        err("inventory/managedObjects/createBulk"),
        unsupported(ManagedObjects, CreateBulk)
    );
    assert_eq!(
        err("t/inventory/managedObjects/delete/1"),
        unsupported(ManagedObjects, Delete)
    );
    assert_eq!(
        err("event/events/update"),
        TopicError::Json(JsonTopicError::MissingId {
            resource: Events,
            action: Update
        })
    );
    assert_eq!(
        err("measurement/measurements/create/1"),
        TopicError::Json(JsonTopicError::UnexpectedId {
            resource: Measurements,
            action: JsonAction::Create
        })
    );
    assert_eq!(
        err("event/events/delete/1/2"),
        TopicError::Json(JsonTopicError::UnexpectedLevels {
            resource: Events,
            action: Delete
        })
    );
    assert_eq!(
        err("event/events"),
        TopicError::Json(JsonTopicError::MissingAction { resource: Events })
    );
    assert_eq!(
        err("event/events/Create"),
        TopicError::Json(JsonTopicError::UnknownAction {
            resource: Events,
            found: "Create".into()
        })
    );
    assert_eq!(
        err("event/alarms/create"),
        TopicError::Json(JsonTopicError::UnknownResource {
            api: "event".into(),
            resource: "alarms".into()
        })
    );
    assert_eq!(
        err("inventory"),
        TopicError::Json(JsonTopicError::UnknownResource {
            api: "inventory".into(),
            resource: String::new()
        })
    );
}

#[test]
fn unknown_prefixes_types_and_topics() {
    assert_eq!(err("x/us"), TopicError::UnknownMode { found: "x".into() });
    assert_eq!(err("S/us"), TopicError::UnknownMode { found: "S".into() });
    assert_eq!(err("/ds"), TopicError::UnknownMode { found: String::new() });
    assert_eq!(err("s/xx"), TopicError::UnknownType { found: "xx".into() });
    assert_eq!(err("s/"), TopicError::UnknownType { found: String::new() });
    assert_eq!(
        err("t/error"),
        TopicError::UnknownType {
            found: "error".into()
        }
    );
    for topic in [
        "",
        "s",
        "foo",
        "foo/bar",
        "errors",
        "error/x",
        "devicecontrol/notifications/x",
        "devicecontrol",
        // JSON topics take no `s/` prefix: persistent is written without one.
        "s/measurement/measurements/create",
    ] {
        assert_eq!(
            err(topic),
            TopicError::Unknown { topic: topic.into() },
            "{topic:?}"
        );
    }
}

#[test]
fn modes_on_topics_that_have_none_are_refused() {
    for (topic, mode, topic_type) in [
        ("t/ut/myCommon_10", Transient, TopicType::UpTemplate),
        ("q/ucr", Quiescent, TopicType::UpCredentials),
        ("c/uat", Cep, TopicType::UpAccessToken),
        ("t/ds", Transient, TopicType::DownStatic),
        ("q/dc/myCommon_10", Quiescent, TopicType::DownCustom),
        ("c/dd", Cep, TopicType::DownDefault),
        ("t/dt", Transient, TopicType::DownTemplate),
        ("t/dcr", Transient, TopicType::DownCredentials),
        ("t/dat", Transient, TopicType::DownAccessToken),
        ("t/e", Transient, TopicType::Error),
        ("q/dl/x", Quiescent, TopicType::DownLegacy),
        ("c/ol/x", Cep, TopicType::LegacyOperations),
    ] {
        assert_eq!(
            err(topic),
            TopicError::ModeNotAllowed { mode, topic_type },
            "{topic}"
        );
    }
}

#[test]
fn missing_xids_and_extra_levels_are_refused() {
    for (topic, topic_type) in [
        ("s/uc", TopicType::UpCustom),
        ("t/uc", TopicType::UpCustom),
        ("s/ut", TopicType::UpTemplate),
        ("s/ul", TopicType::UpLegacy),
        ("s/dc", TopicType::DownCustom),
        ("s/dl", TopicType::DownLegacy),
        ("s/ol", TopicType::LegacyOperations),
    ] {
        assert_eq!(err(topic), TopicError::MissingXId { topic_type }, "{topic}");
    }
    for (topic, topic_type) in [
        ("s/ds/child1", TopicType::DownStatic),
        ("s/dd/child1", TopicType::DownDefault),
        ("s/ut/myCommon_10/child1", TopicType::UpTemplate),
        ("s/ucr/x", TopicType::UpCredentials),
        ("s/uat/x", TopicType::UpAccessToken),
        ("s/e/x", TopicType::Error),
        ("s/dc/myCommon_10/child1", TopicType::DownCustom),
        ("s/dt/myCommon_10", TopicType::DownTemplate),
    ] {
        assert_eq!(err(topic), TopicError::UnexpectedLevels { topic_type }, "{topic}");
    }
}

#[test]
fn direction_and_kind_mismatches() {
    assert_eq!(
        "s/ds".parse::<UpstreamTopic>(),
        Err(TopicError::WrongDirection {
            topic: "s/ds".into(),
            expected: Direction::Upstream
        })
    );
    assert_eq!(
        "error".parse::<UpstreamTopic>(),
        Err(TopicError::WrongDirection {
            topic: "error".into(),
            expected: Direction::Upstream
        })
    );
    assert_eq!(
        "s/us".parse::<DownstreamTopic>(),
        Err(TopicError::WrongDirection {
            topic: "s/us".into(),
            expected: Direction::Downstream
        })
    );
    assert_eq!(
        "s/ucr".parse::<SmartRestTopic>(),
        Err(TopicError::NotSmartRestRequest {
            topic: "s/ucr".into()
        })
    );
    assert_eq!(
        "t/us/c1".parse::<SmartRestTopic>(),
        Ok(UpstreamTopic::static_(Transient).child(ext("c1")))
    );
    // Errors of the one parser pass through unchanged.
    assert_eq!("t/ut/x".parse::<UpstreamTopic>(), Err(err("t/ut/x")));
    assert_eq!(UpstreamTopic::try_from("s/us"), "s/us".parse());
    assert_eq!(DownstreamTopic::try_from("s/e"), Ok(DownstreamTopic::Error));
    assert_eq!(
        Topic::try_from("s/e").map(|t| t.direction()),
        Ok(Direction::Downstream)
    );
}

#[test]
fn error_texts() {
    assert_eq!(
        err("t/ut/x").to_string(),
        "the t/ mode does not exist for ut topics, only s/"
    );
    assert_eq!(err("s/uc").to_string(), "uc topics need an X-ID level");
    assert_eq!(err("s/ds/c").to_string(), "ds topics take no further levels");
    assert_eq!(
        err("x/us").to_string(),
        "unknown processing mode \"x\" (s, t, q or c)"
    );
    assert_eq!(
        err("s/us/").to_string(),
        "invalid topic level: external id must not be empty"
    );
    assert_eq!(
        "s/ds".parse::<UpstreamTopic>().unwrap_err().to_string(),
        "\"s/ds\" is not an upstream topic"
    );
    assert_eq!(
        err("alarm/alarms/delete/1").to_string(),
        "alarm/alarms/delete is not supported by the platform"
    );
}

/// Ids as the platform uses them: word characters, dots, dashes and colons.
fn id_text() -> impl Strategy<Value = String> {
    "[A-Za-z0-9_.:<>-]{1,12}"
}

fn mode() -> impl Strategy<Value = ProcessingMode> {
    prop::sample::select(ProcessingMode::ALL.to_vec())
}

fn smartrest_topic() -> impl Strategy<Value = SmartRestTopic> {
    let channel = prop_oneof![
        Just(SmartRestChannel::Static),
        id_text().prop_map(|x| SmartRestChannel::Custom(xid(&x))),
        Just(SmartRestChannel::Default),
        id_text().prop_map(|x| SmartRestChannel::Legacy(xid(&x))),
    ];
    (mode(), channel, prop::collection::vec(id_text(), 0..4)).prop_map(|(mode, channel, children)| {
        SmartRestTopic::new(mode, channel).child_path(children.iter().map(|c| ext(c)))
    })
}

/// Levels that are often meaningful, so random topics reach deep into the parser.
fn level() -> impl Strategy<Value = String> {
    let words = [
        "s",
        "t",
        "q",
        "c",
        "us",
        "uc",
        "ud",
        "ut",
        "ucr",
        "uat",
        "ul",
        "ds",
        "dc",
        "dd",
        "dt",
        "dcr",
        "dat",
        "e",
        "dl",
        "ol",
        "event",
        "events",
        "alarm",
        "alarms",
        "measurement",
        "measurements",
        "inventory",
        "managedObjects",
        "create",
        "createBulk",
        "update",
        "delete",
        "error",
        "devicecontrol",
        "notifications",
        "+",
        "#",
        "",
    ];
    prop_oneof![
        3 => prop::sample::select(words.to_vec()).prop_map(str::to_owned),
        1 => "[a-z0-9:+# \\x00\\n-]{0,5}",
    ]
}

proptest! {
    #[test]
    fn generated_smartrest_topics_round_trip(topic in smartrest_topic()) {
        let text = topic.to_string();
        prop_assert_eq!(text.parse::<SmartRestTopic>(), Ok(topic));
        prop_assert!(is_upstream(&text));
        prop_assert!(is_core_topic(&text));
    }

    #[test]
    fn accepted_topics_render_back_byte_for_byte(levels in prop::collection::vec(level(), 1..6)) {
        let text = levels.join("/");
        if let Ok(topic) = text.parse::<Topic>() {
            prop_assert_eq!(topic.to_string(), text.clone());
            prop_assert_eq!(is_upstream(&text), topic.direction() == Direction::Upstream);
            prop_assert!(is_core_topic(&text));
        }
    }

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,40}") {
        let _ = text.parse::<Topic>();
        let _ = text.parse::<ClientId>();
        let _ = is_upstream(&text);
        let _ = is_core_topic(&text);
    }

    #[test]
    fn client_ids_round_trip(device in "[A-Za-z0-9_.-]{1,16}", default in prop::option::of("[A-Za-z0-9_.-]{1,16}")) {
        let device = DeviceId::new(device).unwrap();
        let id = match default {
            None => ClientId::new(device),
            Some(x) => ClientId::with_default_xid(device, xid(&x)).unwrap(),
        };
        prop_assert_eq!(id.to_string().parse::<ClientId>(), Ok(id));
    }
}
