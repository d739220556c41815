//! [`Topic`], either direction, and the one topic parser behind every `FromStr` in this module,
//! with its error type [`TopicError`].

use std::fmt;
use std::str::{FromStr, Split};

use super::downstream::DownstreamTopic;
use super::id::{ExternalId, IdError, XId};
use super::json::{JsonResource, JsonTopic, JsonTopicError};
use super::mode::ProcessingMode;
use super::topic_type::{Direction, TopicType};
use super::upstream::{SmartRestChannel, SmartRestTopic, UpstreamTopic};

/// A topic that is not a valid Cumulocity Core MQTT topic, or not of the expected kind.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TopicError {
    /// Not a topic of docs/protocol.md.
    #[error("unknown topic {topic:?}")]
    Unknown {
        /// The topic.
        topic: String,
    },
    /// A SmartREST topic type after a first level that is not a processing mode (`x/us`).
    #[error("unknown processing mode {found:?} (s, t, q or c)")]
    UnknownMode {
        /// The first level.
        found: String,
    },
    /// A processing mode followed by an unknown topic type (`s/xx`).
    #[error("unknown SmartREST topic type {found:?}")]
    UnknownType {
        /// The second level.
        found: String,
    },
    /// A `t`, `q` or `c` mode on a topic that exists with `s` only (`t/ut/…`, `t/ds`).
    #[error("the {mode}/ mode does not exist for {topic_type} topics, only s/")]
    ModeNotAllowed {
        /// The mode found.
        mode: ProcessingMode,
        /// The topic type.
        topic_type: TopicType,
    },
    /// A topic type that needs an X-ID level without one (`s/uc`).
    #[error("{topic_type} topics need an X-ID level")]
    MissingXId {
        /// The topic type.
        topic_type: TopicType,
    },
    /// Levels after a topic that takes no more (`s/ds/child1`, `s/ut/x/child1`).
    #[error("{topic_type} topics take no further levels")]
    UnexpectedLevels {
        /// The topic type.
        topic_type: TopicType,
    },
    /// A valid topic of the other direction.
    #[error("{topic:?} is not an {expected} topic")]
    WrongDirection {
        /// The topic.
        topic: String,
        /// The direction that was asked for.
        expected: Direction,
    },
    /// A valid upstream topic that is not `us`, `uc`, `ud` or `ul`, parsed as a
    /// [`SmartRestTopic`].
    #[error("{topic:?} is not a SmartREST request topic (us, uc, ud or ul)")]
    NotSmartRestRequest {
        /// The topic.
        topic: String,
    },
    /// An X-ID or child level is not a valid id.
    #[error("invalid topic level: {0}")]
    Id(IdError),
    /// An invalid JSON via MQTT topic.
    #[error("{0}")]
    Json(JsonTopicError),
}

/// Any Cumulocity Core topic of docs/protocol.md, upstream or downstream.
///
/// ```
/// use c8y_mqtt::topic::{Direction, Topic};
/// let t: Topic = "s/dcr".parse().unwrap();
/// assert_eq!(t.direction(), Direction::Downstream);
/// assert_eq!(t.to_string(), "s/dcr");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Topic {
    /// A topic the device publishes to.
    Upstream(UpstreamTopic),
    /// A topic the device subscribes to.
    Downstream(DownstreamTopic),
}

impl Topic {
    /// Who publishes on the topic.
    pub fn direction(&self) -> Direction {
        match self {
            Self::Upstream(_) => Direction::Upstream,
            Self::Downstream(_) => Direction::Downstream,
        }
    }
}

impl fmt::Display for Topic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Upstream(t) => fmt::Display::fmt(t, f),
            Self::Downstream(t) => fmt::Display::fmt(t, f),
        }
    }
}

impl From<UpstreamTopic> for Topic {
    fn from(topic: UpstreamTopic) -> Self {
        Self::Upstream(topic)
    }
}

impl From<DownstreamTopic> for Topic {
    fn from(topic: DownstreamTopic) -> Self {
        Self::Downstream(topic)
    }
}

impl FromStr for Topic {
    type Err = TopicError;

    fn from_str(s: &str) -> Result<Self, TopicError> {
        parse(s)
    }
}

impl TryFrom<&str> for Topic {
    type Error = TopicError;

    fn try_from(s: &str) -> Result<Self, TopicError> {
        parse(s)
    }
}

fn parse(s: &str) -> Result<Topic, TopicError> {
    match s {
        "error" => return Ok(Topic::Downstream(DownstreamTopic::JsonError)),
        "devicecontrol/notifications" => return Ok(Topic::Downstream(DownstreamTopic::JsonOperations)),
        "notification/operations" => return Ok(Topic::Downstream(DownstreamTopic::JsonOperationsLegacy)),
        _ => {}
    }
    let mut levels = s.split('/');
    let first = levels.next().unwrap_or_default();
    if let Some(resource) = JsonResource::from_api(first) {
        return json(ProcessingMode::Persistent, resource, levels);
    }
    let Some(second) = levels.next() else {
        return Err(TopicError::Unknown { topic: s.to_owned() });
    };
    match (ProcessingMode::from_level(first), TopicType::from_level(second)) {
        (Some(mode), Some(topic_type)) => smartrest(mode, topic_type, levels),
        (None, Some(_)) => Err(TopicError::UnknownMode {
            found: first.to_owned(),
        }),
        (Some(mode), None) => match JsonResource::from_api(second) {
            // JSON topics have no `s/` prefix: persistent is written without one.
            Some(resource) if mode != ProcessingMode::Persistent => json(mode, resource, levels),
            Some(_) => Err(TopicError::Unknown { topic: s.to_owned() }),
            None => Err(TopicError::UnknownType {
                found: second.to_owned(),
            }),
        },
        (None, None) => Err(TopicError::Unknown { topic: s.to_owned() }),
    }
}

fn json(mode: ProcessingMode, resource: JsonResource, levels: Split<'_, char>) -> Result<Topic, TopicError> {
    JsonTopic::from_levels(mode, resource, levels)
        .map(|t| Topic::Upstream(UpstreamTopic::Json(t)))
        .map_err(TopicError::Json)
}

fn xid(topic_type: TopicType, levels: &mut Split<'_, char>) -> Result<XId, TopicError> {
    let level = levels.next().ok_or(TopicError::MissingXId { topic_type })?;
    XId::new(level).map_err(TopicError::Id)
}

fn smartrest(
    mode: ProcessingMode,
    topic_type: TopicType,
    mut levels: Split<'_, char>,
) -> Result<Topic, TopicError> {
    if mode != ProcessingMode::Persistent && !topic_type.has_modes() {
        return Err(TopicError::ModeNotAllowed { mode, topic_type });
    }
    let topic = match topic_type {
        TopicType::UpStatic => return data(mode, SmartRestChannel::Static, levels),
        TopicType::UpCustom => {
            let channel = SmartRestChannel::Custom(xid(topic_type, &mut levels)?);
            return data(mode, channel, levels);
        }
        TopicType::UpDefault => return data(mode, SmartRestChannel::Default, levels),
        TopicType::UpLegacy => {
            let channel = SmartRestChannel::Legacy(xid(topic_type, &mut levels)?);
            return data(mode, channel, levels);
        }
        TopicType::UpTemplate => Topic::Upstream(UpstreamTopic::Template(xid(topic_type, &mut levels)?)),
        TopicType::UpCredentials => Topic::Upstream(UpstreamTopic::CredentialsRequest),
        TopicType::UpAccessToken => Topic::Upstream(UpstreamTopic::TokenRequest),
        TopicType::DownStatic => Topic::Downstream(DownstreamTopic::Static),
        TopicType::DownCustom => Topic::Downstream(DownstreamTopic::Custom(xid(topic_type, &mut levels)?)),
        TopicType::DownDefault => Topic::Downstream(DownstreamTopic::Default),
        TopicType::DownTemplate => Topic::Downstream(DownstreamTopic::Template),
        TopicType::DownCredentials => Topic::Downstream(DownstreamTopic::Credentials),
        TopicType::DownAccessToken => Topic::Downstream(DownstreamTopic::Token),
        TopicType::Error => Topic::Downstream(DownstreamTopic::Error),
        TopicType::DownLegacy => Topic::Downstream(DownstreamTopic::Legacy(xid(topic_type, &mut levels)?)),
        TopicType::LegacyOperations => {
            Topic::Downstream(DownstreamTopic::LegacyOperations(xid(topic_type, &mut levels)?))
        }
    };
    if levels.next().is_some() {
        return Err(TopicError::UnexpectedLevels { topic_type });
    }
    Ok(topic)
}

/// The rest of a `us`, `uc`, `ud` or `ul` topic: the child path.
fn data(
    mode: ProcessingMode,
    channel: SmartRestChannel,
    levels: Split<'_, char>,
) -> Result<Topic, TopicError> {
    let children = levels
        .map(ExternalId::new)
        .collect::<Result<Vec<_>, _>>()
        .map_err(TopicError::Id)?;
    Ok(Topic::Upstream(UpstreamTopic::SmartRest(SmartRestTopic {
        mode,
        channel,
        children,
    })))
}
