//! Topics a device publishes to: [`UpstreamTopic`], and [`SmartRestTopic`] for the four
//! SmartREST request topics that take a processing mode and a child path (docs/protocol.md §2.2, §2.4,
//! §7.1, §8).

use std::fmt;
use std::str::FromStr;

use super::downstream::DownstreamTopic;
use super::id::{ExternalId, XId};
use super::json::JsonTopic;
use super::mode::ProcessingMode;
use super::parse::{Topic, TopicError};
use super::topic_type::{Direction, TopicType};

/// Which SmartREST request stream a [`SmartRestTopic`] carries.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum SmartRestChannel {
    /// `us`: static templates.
    Static,
    /// `uc/<X-ID>`: a SmartREST 2.0 collection.
    Custom(XId),
    /// `ud`: the default SmartREST 2.0 collection named in the client id.
    Default,
    /// `ul/<X-ID>`: SmartREST 1.0 requests.
    Legacy(XId),
}

impl SmartRestChannel {
    /// The topic type level of this channel.
    pub fn topic_type(&self) -> TopicType {
        match self {
            Self::Static => TopicType::UpStatic,
            Self::Custom(_) => TopicType::UpCustom,
            Self::Default => TopicType::UpDefault,
            Self::Legacy(_) => TopicType::UpLegacy,
        }
    }

    /// The X-ID of a custom or SmartREST 1.0 channel.
    pub fn xid(&self) -> Option<&XId> {
        match self {
            Self::Custom(xid) | Self::Legacy(xid) => Some(xid),
            Self::Static | Self::Default => None,
        }
    }
}

/// A SmartREST request topic `<mode>/<type>[/<X-ID>][/<child>…]`: `s/us`, `s/uc/<X-ID>`, `s/ud`
/// or `s/ul/<X-ID>`, in any [`ProcessingMode`], for the connected device or one of its children.
///
/// `children` is the path of external ids below the connected device; empty means the device
/// itself. Nested children may be addressed by their full ancestor path (`s/us/child1/child2`) or
/// by the leaf alone (`s/us/child2`); both work against the platform (docs/protocol.md §2.4), and the
/// platform resolves the [`leaf`](Self::leaf).
///
/// ```
/// use c8y_mqtt::topic::{ExternalId, ProcessingMode, UpstreamTopic, XId};
/// let child1 = ExternalId::new("child1").unwrap();
/// let child2 = ExternalId::new("child2").unwrap();
/// let t = UpstreamTopic::static_(ProcessingMode::Persistent).child(child1).child(child2);
/// assert_eq!(t.to_string(), "s/us/child1/child2");
/// let t = UpstreamTopic::custom(ProcessingMode::Transient, XId::new("myCommon_10").unwrap());
/// assert_eq!(t.to_string(), "t/uc/myCommon_10");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SmartRestTopic {
    /// The processing mode (first level).
    pub mode: ProcessingMode,
    /// The request stream.
    pub channel: SmartRestChannel,
    /// External ids of the addressed child, outermost first; empty for the connected device.
    pub children: Vec<ExternalId>,
}

impl SmartRestTopic {
    /// A topic for the connected device.
    pub fn new(mode: ProcessingMode, channel: SmartRestChannel) -> Self {
        Self {
            mode,
            channel,
            children: Vec::new(),
        }
    }

    /// Appends a child level: the topic then addresses that child (below any earlier ones).
    #[must_use]
    pub fn child(mut self, id: impl Into<ExternalId>) -> Self {
        self.children.push(id.into());
        self
    }

    /// Appends several child levels, outermost first.
    #[must_use]
    pub fn child_path(mut self, ids: impl IntoIterator<Item = ExternalId>) -> Self {
        self.children.extend(ids);
        self
    }

    /// The same topic with another processing mode.
    #[must_use]
    pub fn with_mode(mut self, mode: ProcessingMode) -> Self {
        self.mode = mode;
        self
    }

    /// The addressed child's external id (the last level), or `None` for the connected device.
    pub fn leaf(&self) -> Option<&ExternalId> {
        self.children.last()
    }
}

impl fmt::Display for SmartRestTopic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_topic(f, self.mode, &self.channel, &self.children)
    }
}

/// Writes `<mode>/<type>[/<X-ID>][/<child>…]`: the one rendering of a SmartREST topic.
fn write_topic(
    out: &mut impl fmt::Write,
    mode: ProcessingMode,
    channel: &SmartRestChannel,
    children: &[ExternalId],
) -> fmt::Result {
    out.write_str(mode.as_str())?;
    out.write_str("/")?;
    out.write_str(channel.topic_type().as_str())?;
    if let Some(xid) = channel.xid() {
        out.write_str("/")?;
        out.write_str(xid.as_str())?;
    }
    for child in children {
        out.write_str("/")?;
        out.write_str(child.as_str())?;
    }
    Ok(())
}

/// The static-template topic (`<mode>/us[/<child>…]`) as text, the same text as
/// `UpstreamTopic::static_(mode).child_path(children)` displays, without cloning the child ids
/// or going through a formatter: the client renders it for every publish.
pub fn static_topic_text(mode: ProcessingMode, children: &[ExternalId]) -> String {
    let len = 5 + children.iter().map(|c| 1 + c.as_str().len()).sum::<usize>();
    let mut topic = String::with_capacity(len);
    // Writing into a String cannot fail.
    let _ = write_topic(&mut topic, mode, &SmartRestChannel::Static, children);
    topic
}

/// Calls `f` with the static-template topic text of [`static_topic_text`], written into a
/// buffer on the stack when it fits (always for the device and children of ordinary depth): the
/// batched publish path compares it with the open batch's topic without allocating.
pub fn with_static_topic<R>(mode: ProcessingMode, children: &[ExternalId], f: impl FnOnce(&str) -> R) -> R {
    let mut text = StackText {
        bytes: [0; 256],
        len: 0,
    };
    if write_topic(&mut text, mode, &SmartRestChannel::Static, children).is_ok()
        && let Some(topic) = text.as_str()
    {
        return f(topic);
    }
    f(&static_topic_text(mode, children))
}

/// A short text in a fixed buffer; writing more than fits is an error.
struct StackText {
    bytes: [u8; 256],
    len: usize,
}

impl StackText {
    fn as_str(&self) -> Option<&str> {
        std::str::from_utf8(self.bytes.get(..self.len)?).ok()
    }
}

impl fmt::Write for StackText {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let end = self.len + s.len();
        self.bytes
            .get_mut(self.len..end)
            .ok_or(fmt::Error)?
            .copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

impl FromStr for SmartRestTopic {
    type Err = TopicError;

    fn from_str(s: &str) -> Result<Self, TopicError> {
        match s.parse::<UpstreamTopic>()? {
            UpstreamTopic::SmartRest(topic) => Ok(topic),
            _ => Err(TopicError::NotSmartRestRequest { topic: s.to_owned() }),
        }
    }
}

/// A topic a device publishes to (docs/protocol.md §2.2).
///
/// ```
/// use c8y_mqtt::topic::{UpstreamTopic, XId};
/// let t: UpstreamTopic = "q/us/child1".parse().unwrap();
/// assert_eq!(t.to_string(), "q/us/child1");
/// assert_eq!(UpstreamTopic::Template(XId::new("myCommon_10").unwrap()).to_string(), "s/ut/myCommon_10");
/// assert_eq!(UpstreamTopic::CredentialsRequest.to_string(), "s/ucr");
/// assert!("t/ut/myCommon_10".parse::<UpstreamTopic>().is_err());
/// assert!("s/ds".parse::<UpstreamTopic>().is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum UpstreamTopic {
    /// `<mode>/us`, `<mode>/uc/<X-ID>`, `<mode>/ud`, `<mode>/ul/<X-ID>`, each with optional child
    /// levels.
    SmartRest(SmartRestTopic),
    /// `s/ut/<X-ID>`: create or query a SmartREST 2.0 collection; answers on `s/dt`.
    Template(XId),
    /// `s/ucr`: the bootstrap credential poll (empty payload); answers on `s/dcr`.
    CredentialsRequest,
    /// `s/uat`: the JWT request of a certificate device (empty payload); answers on `s/dat`.
    TokenRequest,
    /// `[<mode>/]<api>/<resource>/<action>[/<id>]`: JSON via MQTT.
    Json(JsonTopic),
}

impl UpstreamTopic {
    /// `<mode>/us`: static templates for the connected device; add children with
    /// [`SmartRestTopic::child`].
    pub fn static_(mode: ProcessingMode) -> SmartRestTopic {
        SmartRestTopic::new(mode, SmartRestChannel::Static)
    }

    /// `<mode>/uc/<X-ID>`: a SmartREST 2.0 collection.
    pub fn custom(mode: ProcessingMode, xid: XId) -> SmartRestTopic {
        SmartRestTopic::new(mode, SmartRestChannel::Custom(xid))
    }

    /// `<mode>/ud`: the client id's default SmartREST 2.0 collection.
    pub fn default_collection(mode: ProcessingMode) -> SmartRestTopic {
        SmartRestTopic::new(mode, SmartRestChannel::Default)
    }

    /// `<mode>/ul/<X-ID>`: SmartREST 1.0 requests.
    pub fn legacy(mode: ProcessingMode, xid: XId) -> SmartRestTopic {
        SmartRestTopic::new(mode, SmartRestChannel::Legacy(xid))
    }

    /// The processing mode (persistent for topics without mode variants).
    pub fn mode(&self) -> ProcessingMode {
        match self {
            Self::SmartRest(t) => t.mode,
            Self::Json(t) => t.mode(),
            Self::Template(_) | Self::CredentialsRequest | Self::TokenRequest => ProcessingMode::Persistent,
        }
    }

    /// The child path (empty for the connected device and for topics without children).
    pub fn children(&self) -> &[ExternalId] {
        match self {
            Self::SmartRest(t) => &t.children,
            _ => &[],
        }
    }

    /// The topic the platform answers on: `s/us` → `s/ds`, `s/uc/<X>` → `s/dc/<X>`, `s/ud` →
    /// `s/dd`, `s/ut/<X>` → `s/dt`, `s/ucr` → `s/dcr`, `s/uat` → `s/dat`, `s/ul/<X>` → `s/dl/<X>`,
    /// JSON → `error` (JSON via MQTT only answers with errors). SmartREST errors also come on
    /// `s/e`, whatever the topic.
    pub fn reply_topic(&self) -> DownstreamTopic {
        match self {
            Self::SmartRest(t) => match &t.channel {
                SmartRestChannel::Static => DownstreamTopic::Static,
                SmartRestChannel::Custom(xid) => DownstreamTopic::Custom(xid.clone()),
                SmartRestChannel::Default => DownstreamTopic::Default,
                SmartRestChannel::Legacy(xid) => DownstreamTopic::Legacy(xid.clone()),
            },
            Self::Template(_) => DownstreamTopic::Template,
            Self::CredentialsRequest => DownstreamTopic::Credentials,
            Self::TokenRequest => DownstreamTopic::Token,
            Self::Json(_) => DownstreamTopic::JsonError,
        }
    }
}

impl From<SmartRestTopic> for UpstreamTopic {
    fn from(topic: SmartRestTopic) -> Self {
        Self::SmartRest(topic)
    }
}

impl From<JsonTopic> for UpstreamTopic {
    fn from(topic: JsonTopic) -> Self {
        Self::Json(topic)
    }
}

impl fmt::Display for UpstreamTopic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::SmartRest(t) => fmt::Display::fmt(t, f),
            Self::Template(xid) => {
                f.write_str("s/ut/")?;
                f.write_str(xid.as_str())
            }
            Self::CredentialsRequest => f.write_str("s/ucr"),
            Self::TokenRequest => f.write_str("s/uat"),
            Self::Json(t) => fmt::Display::fmt(t, f),
        }
    }
}

impl FromStr for UpstreamTopic {
    type Err = TopicError;

    /// Parses an upstream topic; a valid downstream topic gives [`TopicError::WrongDirection`].
    fn from_str(s: &str) -> Result<Self, TopicError> {
        match s.parse::<Topic>()? {
            Topic::Upstream(topic) => Ok(topic),
            Topic::Downstream(_) => Err(TopicError::WrongDirection {
                topic: s.to_owned(),
                expected: Direction::Upstream,
            }),
        }
    }
}

impl TryFrom<&str> for UpstreamTopic {
    type Error = TopicError;

    fn try_from(s: &str) -> Result<Self, TopicError> {
        s.parse()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stack_topic_matches_the_allocated_one() {
        let short = [ExternalId::new("child-1").unwrap()];
        let long = [ExternalId::new("x".repeat(300)).unwrap()];
        for children in [&[][..], &short[..], &long[..]] {
            let expected = static_topic_text(ProcessingMode::Transient, children);
            with_static_topic(ProcessingMode::Transient, children, |topic| {
                assert_eq!(topic, expected)
            });
        }
    }

    #[test]
    fn static_topic_text_matches_the_displayed_topic() {
        let children = [
            ExternalId::new("child-1").unwrap(),
            ExternalId::new("sensor").unwrap(),
        ];
        let modes = [
            ProcessingMode::Persistent,
            ProcessingMode::Transient,
            ProcessingMode::Quiescent,
            ProcessingMode::Cep,
        ];
        for mode in modes {
            for depth in 0..=children.len() {
                let path = &children[..depth];
                let expected = UpstreamTopic::static_(mode)
                    .child_path(path.iter().cloned())
                    .to_string();
                assert_eq!(static_topic_text(mode, path), expected);
            }
        }
        assert_eq!(
            static_topic_text(ProcessingMode::Transient, &children),
            "t/us/child-1/sensor"
        );
    }
}
