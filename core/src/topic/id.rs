//! Validated identifiers that appear in client ids and topic levels: [`DeviceId`] (the client
//! id's device part), [`ExternalId`] (children and services), [`XId`] (template collections) and
//! [`ObjectId`] (the id level of a JSON-via-MQTT topic), and [`IdError`], the rule an id broke.
//!
//! # Rules
//!
//! Every id must be
//!
//! * **not empty**;
//! * free of `/` (it would split the topic level), `+` and `#` (MQTT wildcards, which a topic
//!   name must not contain) and NUL (forbidden in every MQTT string, MQTT 3.1.1 §1.5.3);
//! * free of other control characters (U+0001–U+001F, U+007F–U+009F) and of Unicode
//!   non-characters: MQTT 3.1.1 §1.5.3 says a string *should not* contain them and a server may
//!   close the connection when it does, and no Cumulocity id needs them;
//! * free of leading and trailing whitespace. docs/protocol.md does not say how the platform treats
//!   it; such an id is invisible in the UI and almost always a configuration slip, so it is
//!   rejected rather than sent. Whitespace inside an id (`My Device`) is allowed.
//!
//! A [`DeviceId`] must also be free of `:`, which separates the parts of the client id
//! (docs/protocol.md §1.4). Child and service ids may contain `:` (`main:device:child01`, §2.4), and so
//! may X-IDs in topics; only the X-ID inside a client id must not ([`ClientId`]).
//!
//! Lengths are not limited here: the whole topic counts towards Cumulocity's packet limit, which
//! [`check_packet_size`] enforces.
//!
//! [`ClientId`]: super::ClientId
//! [`check_packet_size`]: crate::smartrest::check_packet_size

use std::borrow::Borrow;
use std::fmt;
use std::str::FromStr;

/// Which kind of identifier an [`IdError`] is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IdKind {
    /// The device part of the client id ([`DeviceId`]).
    Device,
    /// A child or service external id ([`ExternalId`]).
    External,
    /// A SmartREST template collection id ([`XId`]).
    XId,
    /// The id level of a JSON-via-MQTT topic ([`ObjectId`]).
    Object,
}

impl IdKind {
    /// The name used in error messages (`device id`, `external id`, `X-ID`, `object id`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Device => "device id",
            Self::External => "external id",
            Self::XId => "X-ID",
            Self::Object => "object id",
        }
    }
}

impl fmt::Display for IdKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An identifier that breaks one of the rules in the [module documentation](self).
///
/// `position` is the byte offset of the offending character in the id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum IdError {
    /// The id is empty.
    #[error("{kind} must not be empty")]
    Empty {
        /// The kind of id.
        kind: IdKind,
    },
    /// The id contains `/`, which would split it into two topic levels.
    #[error("{kind} must not contain '/' (byte {position}): it separates topic levels")]
    LevelSeparator {
        /// The kind of id.
        kind: IdKind,
        /// Byte offset of the `/`.
        position: usize,
    },
    /// The id contains the MQTT wildcard `+` or `#`.
    #[error("{kind} must not contain the MQTT wildcard {character:?} (byte {position})")]
    Wildcard {
        /// The kind of id.
        kind: IdKind,
        /// `+` or `#`.
        character: char,
        /// Byte offset of the wildcard.
        position: usize,
    },
    /// The id contains U+0000, which MQTT forbids in every string.
    #[error("{kind} must not contain NUL (byte {position})")]
    Nul {
        /// The kind of id.
        kind: IdKind,
        /// Byte offset of the NUL.
        position: usize,
    },
    /// The id contains `:`, which separates the parts of a client id.
    #[error("{kind} must not contain ':' (byte {position}): it separates the parts of the client id")]
    Colon {
        /// The kind of id.
        kind: IdKind,
        /// Byte offset of the `:`.
        position: usize,
    },
    /// The id contains a control character other than NUL.
    #[error("{kind} must not contain the control character {character:?} (byte {position})")]
    ControlCharacter {
        /// The kind of id.
        kind: IdKind,
        /// The control character.
        character: char,
        /// Byte offset of the character.
        position: usize,
    },
    /// The id contains a Unicode non-character (U+FDD0–U+FDEF, U+xFFFE, U+xFFFF).
    #[error("{kind} must not contain the Unicode non-character {character:?} (byte {position})")]
    NonCharacter {
        /// The kind of id.
        kind: IdKind,
        /// The non-character.
        character: char,
        /// Byte offset of the character.
        position: usize,
    },
    /// The id starts or ends with whitespace.
    #[error("{kind} must not start or end with whitespace")]
    SurroundingWhitespace {
        /// The kind of id.
        kind: IdKind,
    },
}

impl IdError {
    /// The kind of id the error is about.
    pub fn kind(&self) -> IdKind {
        match self {
            Self::Empty { kind }
            | Self::LevelSeparator { kind, .. }
            | Self::Wildcard { kind, .. }
            | Self::Nul { kind, .. }
            | Self::Colon { kind, .. }
            | Self::ControlCharacter { kind, .. }
            | Self::NonCharacter { kind, .. }
            | Self::SurroundingWhitespace { kind } => *kind,
        }
    }
}

fn is_non_character(c: char) -> bool {
    let cp = u32::from(c);
    (0xFDD0..=0xFDEF).contains(&cp) || cp & 0xFFFE == 0xFFFE
}

/// Checks `text` against the rules for `kind`; `:` is rejected unless `colon_allowed`.
pub(crate) fn check(kind: IdKind, text: &str, colon_allowed: bool) -> Result<(), IdError> {
    if text.is_empty() {
        return Err(IdError::Empty { kind });
    }
    for (position, character) in text.char_indices() {
        match character {
            '/' => return Err(IdError::LevelSeparator { kind, position }),
            '+' | '#' => {
                return Err(IdError::Wildcard {
                    kind,
                    character,
                    position,
                });
            }
            '\0' => return Err(IdError::Nul { kind, position }),
            ':' if !colon_allowed => return Err(IdError::Colon { kind, position }),
            c if c.is_control() => {
                return Err(IdError::ControlCharacter {
                    kind,
                    character,
                    position,
                });
            }
            c if is_non_character(c) => {
                return Err(IdError::NonCharacter {
                    kind,
                    character,
                    position,
                });
            }
            _ => {}
        }
    }
    let starts = text.chars().next().is_some_and(char::is_whitespace);
    let ends = text.chars().next_back().is_some_and(char::is_whitespace);
    if starts || ends {
        return Err(IdError::SurroundingWhitespace { kind });
    }
    Ok(())
}

/// Defines a validated string newtype with the shared conversions.
macro_rules! validated_id {
    ($(#[$doc:meta])* $name:ident, $kind:expr, colon_allowed = $colon:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(String);

        impl $name {
            /// Validates `id` (see the [module rules](self)).
            pub fn new(id: impl Into<String>) -> Result<Self, IdError> {
                let id = id.into();
                check($kind, &id, $colon)?;
                Ok(Self(id))
            }

            /// The id as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// The id as an owned string.
            pub fn into_string(self) -> String {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl FromStr for $name {
            type Err = IdError;

            fn from_str(s: &str) -> Result<Self, IdError> {
                Self::new(s)
            }
        }

        impl TryFrom<&str> for $name {
            type Error = IdError;

            fn try_from(s: &str) -> Result<Self, IdError> {
                Self::new(s)
            }
        }

        impl TryFrom<String> for $name {
            type Error = IdError;

            fn try_from(s: String) -> Result<Self, IdError> {
                Self::new(s)
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl Borrow<str> for $name {
            fn borrow(&self) -> &str {
                &self.0
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.0 == other
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.0 == *other
            }
        }
    };
}

validated_id!(
    /// The device identifier of the client id: the `c8y_Serial` external id of the connecting
    /// device (docs/protocol.md §1.4, §9). Colon-free.
    ///
    /// ```
    /// use c8y_mqtt::topic::{DeviceId, IdError, IdKind};
    /// assert_eq!(DeviceId::new("mySerialNumber").unwrap().as_str(), "mySerialNumber");
    /// assert_eq!(
    ///     DeviceId::new("a:b"),
    ///     Err(IdError::Colon { kind: IdKind::Device, position: 1 })
    /// );
    /// ```
    DeviceId,
    IdKind::Device,
    colon_allowed = false
);

validated_id!(
    /// The external id (`c8y_Serial`) of a child device or service, used as a topic level to
    /// address it (docs/protocol.md §2.4). May contain `:`.
    ///
    /// ```
    /// use c8y_mqtt::topic::ExternalId;
    /// assert!(ExternalId::new("main:device:child01").is_ok());
    /// assert!(ExternalId::new("child/1").is_err());
    /// ```
    ExternalId,
    IdKind::External,
    colon_allowed = true
);

validated_id!(
    /// A SmartREST template collection id (X-ID), as in `s/uc/<X-ID>` or `s/ul/<X-ID>`
    /// (docs/protocol.md §7, §8). May contain `:` in topics; a client id's default X-ID may not.
    ///
    /// ```
    /// use c8y_mqtt::topic::XId;
    /// assert_eq!(XId::new("com.acme.gw801-v1").unwrap().to_string(), "com.acme.gw801-v1");
    /// assert!(XId::new("").is_err());
    /// ```
    XId,
    IdKind::XId,
    colon_allowed = true
);

validated_id!(
    /// The last level of a JSON-via-MQTT `update` or `delete` topic: an internal object id such
    /// as `123`, or for the inventory an external id such as `main:device:child01`
    /// (docs/protocol.md §10). Same rules as [`ExternalId`].
    ///
    /// ```
    /// use c8y_mqtt::topic::ObjectId;
    /// assert!(ObjectId::new("123").is_ok());
    /// assert!(ObjectId::new("12#3").is_err());
    /// ```
    ObjectId,
    IdKind::Object,
    colon_allowed = true
);

impl From<DeviceId> for ExternalId {
    /// A device id is also a valid external id (it is the device's `c8y_Serial`).
    fn from(id: DeviceId) -> Self {
        Self(id.0)
    }
}

impl From<ExternalId> for ObjectId {
    /// Inventory updates accept the external id of the target (docs/protocol.md §10).
    fn from(id: ExternalId) -> Self {
        Self(id.0)
    }
}

impl From<DeviceId> for ObjectId {
    /// Inventory updates accept the device's own `c8y_Serial` (docs/protocol.md §10).
    fn from(id: DeviceId) -> Self {
        Self(id.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_ids_keep_their_text() {
        for text in ["mySerialNumber", "1234", "My Device", "ü-ñ_42", "a.b-c_d"] {
            assert_eq!(DeviceId::new(text).unwrap().as_str(), text);
            assert_eq!(ExternalId::new(text).unwrap().to_string(), text);
            assert_eq!(XId::new(text).unwrap().into_string(), text);
            assert_eq!(ObjectId::new(text).unwrap(), text);
        }
    }

    #[test]
    fn colon_is_only_rejected_in_device_ids() {
        assert_eq!(
            DeviceId::new("main:device:child01"),
            Err(IdError::Colon {
                kind: IdKind::Device,
                position: 4
            })
        );
        assert_eq!(
            ExternalId::new("main:device:child01").unwrap(),
            "main:device:child01"
        );
        assert_eq!(XId::new("a:b").unwrap(), "a:b");
        assert_eq!(
            ObjectId::new("main:device:child01").unwrap(),
            "main:device:child01"
        );
    }

    #[test]
    fn empty_is_rejected_for_every_kind() {
        assert_eq!(DeviceId::new(""), Err(IdError::Empty { kind: IdKind::Device }));
        assert_eq!(
            ExternalId::new(""),
            Err(IdError::Empty {
                kind: IdKind::External
            })
        );
        assert_eq!(XId::new(""), Err(IdError::Empty { kind: IdKind::XId }));
        assert_eq!(ObjectId::new(""), Err(IdError::Empty { kind: IdKind::Object }));
    }

    #[test]
    fn topic_characters_are_rejected_with_their_position() {
        let kind = IdKind::External;
        assert_eq!(
            ExternalId::new("a/b"),
            Err(IdError::LevelSeparator { kind, position: 1 })
        );
        assert_eq!(
            ExternalId::new("ab+"),
            Err(IdError::Wildcard {
                kind,
                character: '+',
                position: 2
            })
        );
        assert_eq!(
            ExternalId::new("#"),
            Err(IdError::Wildcard {
                kind,
                character: '#',
                position: 0
            })
        );
        assert_eq!(ExternalId::new("a\0"), Err(IdError::Nul { kind, position: 1 }));
        // Positions are byte offsets, also after multi-byte characters.
        assert_eq!(
            XId::new("é/"),
            Err(IdError::LevelSeparator {
                kind: IdKind::XId,
                position: 2
            })
        );
    }

    #[test]
    fn control_and_non_characters_are_rejected() {
        let kind = IdKind::Device;
        for (text, character) in [
            ("a\nb", '\n'),
            ("\tab", '\t'),
            ("a\u{7f}", '\u{7f}'),
            ("a\u{85}", '\u{85}'),
        ] {
            assert!(
                matches!(DeviceId::new(text), Err(IdError::ControlCharacter { kind: k, character: c, .. }) if k == kind && c == character),
                "{text:?}"
            );
        }
        for character in ['\u{fdd0}', '\u{fffe}', '\u{ffff}', '\u{1fffe}'] {
            assert_eq!(
                DeviceId::new(format!("x{character}")),
                Err(IdError::NonCharacter {
                    kind,
                    character,
                    position: 1
                })
            );
        }
    }

    #[test]
    fn surrounding_whitespace_is_rejected_inner_is_kept() {
        for text in [" a", "a ", "\u{a0}a", "a\u{3000}"] {
            assert_eq!(
                ExternalId::new(text),
                Err(IdError::SurroundingWhitespace {
                    kind: IdKind::External
                }),
                "{text:?}"
            );
        }
        assert!(ExternalId::new("a b").is_ok());
    }

    #[test]
    fn conversions_agree_with_new() {
        assert_eq!("abc".parse::<DeviceId>().unwrap(), DeviceId::new("abc").unwrap());
        assert_eq!(XId::try_from("x/y"), XId::new("x/y"));
        assert_eq!(ExternalId::try_from(String::from("c1")).unwrap(), "c1");
        let device = DeviceId::new("1234").unwrap();
        assert_eq!(ExternalId::from(device.clone()), "1234");
        assert_eq!(ObjectId::from(device), "1234");
        assert_eq!(String::from(XId::new("x").unwrap()), "x");
        assert_eq!(IdError::Empty { kind: IdKind::XId }.kind(), IdKind::XId);
    }

    #[test]
    fn error_texts_name_the_kind_and_rule() {
        assert_eq!(
            DeviceId::new("a:b").unwrap_err().to_string(),
            "device id must not contain ':' (byte 1): it separates the parts of the client id"
        );
        assert_eq!(XId::new("").unwrap_err().to_string(), "X-ID must not be empty");
        assert_eq!(
            ExternalId::new("c+").unwrap_err().to_string(),
            "external id must not contain the MQTT wildcard '+' (byte 1)"
        );
    }
}
