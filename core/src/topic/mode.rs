//! [`ProcessingMode`]: the first topic level of an upstream topic (docs/protocol.md §2.3).

use std::fmt;
use std::str::FromStr;

/// How the platform processes what a device publishes, chosen by the topic's first level
/// (docs/protocol.md §2.3). Downstream and special topics always use `s`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ProcessingMode {
    /// `s/`: stored, processed in real time, notifications sent. The default.
    #[default]
    Persistent,
    /// `t/`: processed in real time only, not stored.
    Transient,
    /// `q/`: stored and processed, but no real-time notifications (measurements and events).
    Quiescent,
    /// `c/`: processed by the real-time (CEP) engine only (measurements and events).
    Cep,
}

impl ProcessingMode {
    /// All modes in docs/protocol.md's order.
    pub const ALL: [Self; 4] = [Self::Persistent, Self::Transient, Self::Quiescent, Self::Cep];

    /// The prefix character: `s`, `t`, `q` or `c`.
    pub fn prefix(self) -> char {
        match self {
            Self::Persistent => 's',
            Self::Transient => 't',
            Self::Quiescent => 'q',
            Self::Cep => 'c',
        }
    }

    /// The prefix as a topic level: `"s"`, `"t"`, `"q"` or `"c"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Persistent => "s",
            Self::Transient => "t",
            Self::Quiescent => "q",
            Self::Cep => "c",
        }
    }

    /// Whether data sent in this mode is stored by the platform (docs/protocol.md §2.3): persistent
    /// (`s`) and quiescent (`q`) are; transient (`t`) and CEP (`c`) only reach real-time
    /// processing.
    pub fn stores_data(self) -> bool {
        matches!(self, Self::Persistent | Self::Quiescent)
    }

    /// The mode a row of static template `template_id` is published in when this mode is asked
    /// for: the platform applies the non-persistent modes to measurements (2xx) and events
    /// (4xx) only (docs/protocol.md §2.3), so every other row (device and child creation, inventory,
    /// alarms, operation status) always uses `s/`. An operation status sent on `t/` would never
    /// be stored and the operation would stay EXECUTING.
    ///
    /// ```
    /// use c8y_mqtt::topic::ProcessingMode;
    /// assert_eq!(ProcessingMode::Transient.for_template(211), ProcessingMode::Transient);
    /// assert_eq!(ProcessingMode::Quiescent.for_template(400), ProcessingMode::Quiescent);
    /// assert_eq!(ProcessingMode::Transient.for_template(503), ProcessingMode::Persistent);
    /// assert_eq!(ProcessingMode::Quiescent.for_template(301), ProcessingMode::Persistent);
    /// ```
    pub fn for_template(self, template_id: u16) -> Self {
        match template_id {
            200..=299 | 400..=499 => self,
            _ => Self::Persistent,
        }
    }

    /// The mode for a prefix character.
    pub fn from_prefix(prefix: char) -> Option<Self> {
        match prefix {
            's' => Some(Self::Persistent),
            't' => Some(Self::Transient),
            'q' => Some(Self::Quiescent),
            'c' => Some(Self::Cep),
            _ => None,
        }
    }

    /// The mode for a whole topic level (`"s"`, `"t"`, `"q"`, `"c"`).
    pub fn from_level(level: &str) -> Option<Self> {
        let mut chars = level.chars();
        match (chars.next(), chars.next()) {
            (Some(c), None) => Self::from_prefix(c),
            _ => None,
        }
    }
}

impl fmt::Display for ProcessingMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Text that is not a processing-mode prefix.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a processing mode (s, t, q or c): {0:?}")]
pub struct UnknownMode(pub String);

impl FromStr for ProcessingMode {
    type Err = UnknownMode;

    fn from_str(s: &str) -> Result<Self, UnknownMode> {
        Self::from_level(s).ok_or_else(|| UnknownMode(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_round_trip() {
        let expected = [("s", 's'), ("t", 't'), ("q", 'q'), ("c", 'c')];
        for (mode, (text, prefix)) in ProcessingMode::ALL.into_iter().zip(expected) {
            assert_eq!(mode.as_str(), text);
            assert_eq!(mode.prefix(), prefix);
            assert_eq!(mode.to_string(), text);
            assert_eq!(text.parse::<ProcessingMode>(), Ok(mode));
            assert_eq!(ProcessingMode::from_prefix(prefix), Some(mode));
        }
        assert_eq!(ProcessingMode::default(), ProcessingMode::Persistent);
    }

    #[test]
    fn persistent_and_quiescent_store_data() {
        let stored: Vec<bool> = ProcessingMode::ALL.iter().map(|m| m.stores_data()).collect();
        assert_eq!(stored, [true, false, true, false]);
    }

    #[test]
    fn other_text_is_not_a_mode() {
        for text in ["", "S", "x", "ss", "u"] {
            assert_eq!(text.parse::<ProcessingMode>(), Err(UnknownMode(text.to_owned())));
        }
    }
}
