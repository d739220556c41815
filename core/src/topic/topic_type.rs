//! [`TopicType`]: the second level of a SmartREST topic (`us`, `dc`, `ucr`, `e`, …), with what
//! each type allows after it, and [`Direction`].

use std::fmt;

/// Who publishes on a topic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    /// The device publishes, the platform receives.
    Upstream,
    /// The platform publishes, the device subscribes.
    Downstream,
}

impl fmt::Display for Direction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Upstream => "upstream",
            Self::Downstream => "downstream",
        })
    }
}

/// The `<direction><type>` level of a `<mode>/<direction><type>[/<X-ID>][/<child>…]` topic
/// (docs/protocol.md §2.1, §2.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TopicType {
    /// `us`: static templates.
    UpStatic,
    /// `uc`: a SmartREST 2.0 collection (`s/uc/<X-ID>`).
    UpCustom,
    /// `ud`: the client id's default collection.
    UpDefault,
    /// `ut`: collection management (`s/ut/<X-ID>`).
    UpTemplate,
    /// `ucr`: bootstrap credential poll.
    UpCredentials,
    /// `uat`: JWT request.
    UpAccessToken,
    /// `ul`: SmartREST 1.0 requests (`s/ul/<X-ID>`).
    UpLegacy,
    /// `ds`: static downstream (operations, responses).
    DownStatic,
    /// `dc`: a SmartREST 2.0 collection's responses (`s/dc/<X-ID>`).
    DownCustom,
    /// `dd`: the default collection's responses.
    DownDefault,
    /// `dt`: collection status.
    DownTemplate,
    /// `dcr`: bootstrap credentials.
    DownCredentials,
    /// `dat`: JWT.
    DownAccessToken,
    /// `e`: error / debug lines.
    Error,
    /// `dl`: SmartREST 1.0 responses (`s/dl/<X-ID>`).
    DownLegacy,
    /// `ol`: SmartREST 1.0 operations (`s/ol/<X-ID>`).
    LegacyOperations,
}

impl TopicType {
    /// Every type, upstream first.
    pub const ALL: [Self; 16] = [
        Self::UpStatic,
        Self::UpCustom,
        Self::UpDefault,
        Self::UpTemplate,
        Self::UpCredentials,
        Self::UpAccessToken,
        Self::UpLegacy,
        Self::DownStatic,
        Self::DownCustom,
        Self::DownDefault,
        Self::DownTemplate,
        Self::DownCredentials,
        Self::DownAccessToken,
        Self::Error,
        Self::DownLegacy,
        Self::LegacyOperations,
    ];

    /// The topic level (`"us"`, `"dc"`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::UpStatic => "us",
            Self::UpCustom => "uc",
            Self::UpDefault => "ud",
            Self::UpTemplate => "ut",
            Self::UpCredentials => "ucr",
            Self::UpAccessToken => "uat",
            Self::UpLegacy => "ul",
            Self::DownStatic => "ds",
            Self::DownCustom => "dc",
            Self::DownDefault => "dd",
            Self::DownTemplate => "dt",
            Self::DownCredentials => "dcr",
            Self::DownAccessToken => "dat",
            Self::Error => "e",
            Self::DownLegacy => "dl",
            Self::LegacyOperations => "ol",
        }
    }

    /// The type named by a topic level.
    pub fn from_level(level: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == level)
    }

    /// Who publishes on topics of this type.
    pub fn direction(self) -> Direction {
        match self {
            Self::UpStatic
            | Self::UpCustom
            | Self::UpDefault
            | Self::UpTemplate
            | Self::UpCredentials
            | Self::UpAccessToken
            | Self::UpLegacy => Direction::Upstream,
            _ => Direction::Downstream,
        }
    }

    /// Whether an X-ID level follows the type (`uc`, `ut`, `ul`, `dc`, `dl`, `ol`).
    pub fn has_xid(self) -> bool {
        matches!(
            self,
            Self::UpCustom
                | Self::UpTemplate
                | Self::UpLegacy
                | Self::DownCustom
                | Self::DownLegacy
                | Self::LegacyOperations
        )
    }

    /// Whether the `t`, `q` and `c` processing modes apply (`us`, `uc`, `ud`, `ul`); every other
    /// type exists with `s` only.
    pub fn has_modes(self) -> bool {
        matches!(
            self,
            Self::UpStatic | Self::UpCustom | Self::UpDefault | Self::UpLegacy
        )
    }

    /// Whether child external ids may follow (the same four types as [`has_modes`](Self::has_modes)).
    pub fn has_children(self) -> bool {
        self.has_modes()
    }
}

impl fmt::Display for TopicType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_are_unique_and_round_trip() {
        for t in TopicType::ALL {
            assert_eq!(TopicType::from_level(t.as_str()), Some(t));
        }
        assert_eq!(TopicType::from_level("ux"), None);
        assert_eq!(TopicType::from_level(""), None);
    }

    #[test]
    fn directions_follow_the_first_letter() {
        for t in TopicType::ALL {
            let upstream = t.as_str().starts_with('u');
            assert_eq!(t.direction() == Direction::Upstream, upstream, "{t}");
        }
    }

    #[test]
    fn only_data_topics_take_modes_and_children() {
        let with: Vec<_> = TopicType::ALL.into_iter().filter(|t| t.has_modes()).collect();
        assert_eq!(
            with,
            [
                TopicType::UpStatic,
                TopicType::UpCustom,
                TopicType::UpDefault,
                TopicType::UpLegacy
            ]
        );
        assert!(
            TopicType::ALL
                .into_iter()
                .all(|t| t.has_modes() == t.has_children())
        );
    }
}
