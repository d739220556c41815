//! Topics a device subscribes to: [`DownstreamTopic`] (docs/protocol.md §2.2, §7.1, §8, §10).

use std::fmt;
use std::str::FromStr;

use super::id::XId;
use super::parse::{Topic, TopicError};
use super::topic_type::{Direction, TopicType};

/// A topic the platform publishes on and a device subscribes to.
///
/// All SmartREST downstream topics use the `s/` prefix only and take no child levels: operations
/// for every device of the hierarchy arrive on the root device's subscription (docs/protocol.md §2.4).
///
/// ```
/// use c8y_mqtt::topic::{DownstreamTopic, XId};
/// assert_eq!(DownstreamTopic::Static.to_string(), "s/ds");
/// assert_eq!(DownstreamTopic::Custom(XId::new("myCommon_10").unwrap()).to_string(), "s/dc/myCommon_10");
/// assert_eq!("devicecontrol/notifications".parse(), Ok(DownstreamTopic::JsonOperations));
/// assert!("t/ds".parse::<DownstreamTopic>().is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum DownstreamTopic {
    /// `s/ds`: static responses and operations.
    Static,
    /// `s/dc/<X-ID>`: responses and operations rendered by a SmartREST 2.0 collection.
    Custom(XId),
    /// `s/dd`: the same for the client id's default collection.
    Default,
    /// `s/dt`: collection status (`20,…` / `41,…`).
    Template,
    /// `s/dcr`: bootstrap credentials (`70,…`).
    Credentials,
    /// `s/dat`: JWT (`71,…`).
    Token,
    /// `s/e`: SmartREST error and debug lines.
    Error,
    /// `s/dl/<X-ID>`: SmartREST 1.0 responses.
    Legacy(XId),
    /// `s/ol/<X-ID>`: SmartREST 1.0 rendering of real-time operations.
    LegacyOperations(XId),
    /// `error`: JSON via MQTT errors.
    JsonError,
    /// `devicecontrol/notifications`: operations as JSON.
    JsonOperations,
    /// `notification/operations`: the older name of [`JsonOperations`](Self::JsonOperations).
    JsonOperationsLegacy,
}

impl DownstreamTopic {
    /// The SmartREST topic type, or `None` for the JSON topics.
    pub fn topic_type(&self) -> Option<TopicType> {
        Some(match self {
            Self::Static => TopicType::DownStatic,
            Self::Custom(_) => TopicType::DownCustom,
            Self::Default => TopicType::DownDefault,
            Self::Template => TopicType::DownTemplate,
            Self::Credentials => TopicType::DownCredentials,
            Self::Token => TopicType::DownAccessToken,
            Self::Error => TopicType::Error,
            Self::Legacy(_) => TopicType::DownLegacy,
            Self::LegacyOperations(_) => TopicType::LegacyOperations,
            Self::JsonError | Self::JsonOperations | Self::JsonOperationsLegacy => return None,
        })
    }

    /// The X-ID of `s/dc`, `s/dl` and `s/ol`.
    pub fn xid(&self) -> Option<&XId> {
        match self {
            Self::Custom(xid) | Self::Legacy(xid) | Self::LegacyOperations(xid) => Some(xid),
            _ => None,
        }
    }
}

impl fmt::Display for DownstreamTopic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (topic_type, xid) = match self {
            Self::JsonError => return f.write_str("error"),
            Self::JsonOperations => return f.write_str("devicecontrol/notifications"),
            Self::JsonOperationsLegacy => return f.write_str("notification/operations"),
            Self::Static => (TopicType::DownStatic, None),
            Self::Custom(xid) => (TopicType::DownCustom, Some(xid)),
            Self::Default => (TopicType::DownDefault, None),
            Self::Template => (TopicType::DownTemplate, None),
            Self::Credentials => (TopicType::DownCredentials, None),
            Self::Token => (TopicType::DownAccessToken, None),
            Self::Error => (TopicType::Error, None),
            Self::Legacy(xid) => (TopicType::DownLegacy, Some(xid)),
            Self::LegacyOperations(xid) => (TopicType::LegacyOperations, Some(xid)),
        };
        f.write_str("s/")?;
        f.write_str(topic_type.as_str())?;
        if let Some(xid) = xid {
            f.write_str("/")?;
            f.write_str(xid.as_str())?;
        }
        Ok(())
    }
}

impl FromStr for DownstreamTopic {
    type Err = TopicError;

    /// Parses a downstream topic; a valid upstream topic gives [`TopicError::WrongDirection`].
    fn from_str(s: &str) -> Result<Self, TopicError> {
        match s.parse::<Topic>()? {
            Topic::Downstream(topic) => Ok(topic),
            Topic::Upstream(_) => Err(TopicError::WrongDirection {
                topic: s.to_owned(),
                expected: Direction::Downstream,
            }),
        }
    }
}

impl TryFrom<&str> for DownstreamTopic {
    type Error = TopicError;

    fn try_from(s: &str) -> Result<Self, TopicError> {
        s.parse()
    }
}
