//! [`ClientId`]: the MQTT client identifier a Cumulocity device connects with (docs/protocol.md §1.4,
//! §7.7), and [`ClientIdError`].

use std::fmt;
use std::str::FromStr;

use super::id::{self, DeviceId, IdError, IdKind, XId};

/// The MQTT client id `[d:]<deviceId>[:<defaultX-ID>]` (docs/protocol.md §1.4).
///
/// The connection type is always `d` (device), the only one documented. The device id becomes the
/// device's `c8y_Serial` external id; the optional default X-ID selects the SmartREST 2.0
/// collection used on `s/ud` / `s/dd` (§7.7).
///
/// # Rendering
///
/// Without a default X-ID the client id is the bare device id (`mySerialNumber`); with one it is
/// `d:<id>:<xid>`, the form docs/protocol.md requires when a default X-ID is used.
///
/// # Parsing
///
/// Segments are separated by `:`:
///
/// | form | reading |
/// |---|---|
/// | `<id>` | device id |
/// | `d:<id>` | device id (explicit connection type) |
/// | `d:<id>:<xid>` | device id and default X-ID |
/// | `<id>:<xid>` (first segment not `d`) | device id and default X-ID |
/// | `<other>:<id>:<xid>` | [`ClientIdError::UnknownConnectionType`] |
/// | four or more segments | [`ClientIdError::TooManySegments`] |
///
/// The d-less two-segment form is ambiguous: the official documents always write `d:` before a
/// default X-ID, while a community cheat sheet connects with `1234:myDevice_10`. The most lenient
/// reading is taken: when the first of two segments is not `d`, it is the device id and the second
/// is the default X-ID. `d:<x>` stays the connection type followed by the device id `x`. Parsing
/// therefore accepts every documented spelling, and rendering always gives the canonical one, so
/// `d:mySerialNumber` renders as `mySerialNumber` and `1234:myDevice_10` as `d:1234:myDevice_10`
/// (the same identity: the platform tells sessions apart by device id only).
///
/// ```
/// use c8y_mqtt::topic::ClientId;
/// let id: ClientId = "d:1234:myCommon_10".parse().unwrap();
/// assert_eq!(id.device().as_str(), "1234");
/// assert_eq!(id.default_xid().map(|x| x.as_str()), Some("myCommon_10"));
/// assert_eq!(id.to_string(), "d:1234:myCommon_10");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ClientId {
    device: DeviceId,
    default_xid: Option<XId>,
}

/// A client id that cannot be parsed or built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ClientIdError {
    /// The first of three segments is not the connection type `d`.
    #[error("unknown connection type {found:?} in client id (only \"d\" is defined)")]
    UnknownConnectionType {
        /// The first segment.
        found: String,
    },
    /// More than three `:`-separated segments.
    #[error("client id has {count} ':'-separated segments, at most 3 are allowed")]
    TooManySegments {
        /// How many segments were found.
        count: usize,
    },
    /// The device id part is not a valid [`DeviceId`].
    #[error("invalid client id: {0}")]
    Device(IdError),
    /// The default X-ID part is not a valid [`XId`] or contains `:`.
    #[error("invalid client id: default {0}")]
    DefaultXId(IdError),
}

impl ClientId {
    /// A client id for `device` without a default X-ID.
    pub fn new(device: DeviceId) -> Self {
        Self {
            device,
            default_xid: None,
        }
    }

    /// A client id for `device` with the default X-ID `xid`, which must not contain `:`.
    pub fn with_default_xid(device: DeviceId, xid: XId) -> Result<Self, ClientIdError> {
        id::check(IdKind::XId, xid.as_str(), false).map_err(ClientIdError::DefaultXId)?;
        Ok(Self {
            device,
            default_xid: Some(xid),
        })
    }

    /// The device id (the device's `c8y_Serial`).
    pub fn device(&self) -> &DeviceId {
        &self.device
    }

    /// The default SmartREST 2.0 X-ID, if any.
    pub fn default_xid(&self) -> Option<&XId> {
        self.default_xid.as_ref()
    }
}

impl fmt::Display for ClientId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.default_xid {
            None => f.write_str(self.device.as_str()),
            Some(xid) => {
                f.write_str("d:")?;
                f.write_str(self.device.as_str())?;
                f.write_str(":")?;
                f.write_str(xid.as_str())
            }
        }
    }
}

/// The only connection type docs/protocol.md defines.
const DEVICE_CONNECTION: &str = "d";

fn parts(device: &str, xid: Option<&str>) -> Result<ClientId, ClientIdError> {
    let device = DeviceId::new(device).map_err(ClientIdError::Device)?;
    match xid {
        None => Ok(ClientId::new(device)),
        Some(xid) => {
            let xid = XId::new(xid).map_err(ClientIdError::DefaultXId)?;
            ClientId::with_default_xid(device, xid)
        }
    }
}

impl FromStr for ClientId {
    type Err = ClientIdError;

    fn from_str(s: &str) -> Result<Self, ClientIdError> {
        let mut segments = s.split(':');
        let first = segments.next().unwrap_or_default();
        match (segments.next(), segments.next(), segments.next()) {
            (None, _, _) => parts(first, None),
            (Some(device), None, _) if first == DEVICE_CONNECTION => parts(device, None),
            // The ambiguous d-less form `<id>:<xid>`, read leniently (see the type's docs).
            (Some(xid), None, _) => parts(first, Some(xid)),
            (Some(device), Some(xid), None) if first == DEVICE_CONNECTION => parts(device, Some(xid)),
            (Some(_), Some(_), None) => Err(ClientIdError::UnknownConnectionType {
                found: first.to_owned(),
            }),
            (Some(_), Some(_), Some(_)) => Err(ClientIdError::TooManySegments {
                count: s.split(':').count(),
            }),
        }
    }
}

impl TryFrom<&str> for ClientId {
    type Error = ClientIdError;

    fn try_from(s: &str) -> Result<Self, ClientIdError> {
        s.parse()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client(device: &str, xid: Option<&str>) -> ClientId {
        let device = DeviceId::new(device).unwrap();
        match xid {
            None => ClientId::new(device),
            Some(x) => ClientId::with_default_xid(device, XId::new(x).unwrap()).unwrap(),
        }
    }

    #[test]
    fn documented_examples_parse() {
        let cases = [
            ("mySerialNumber", "mySerialNumber", None),
            ("d:mySerialNumber", "mySerialNumber", None),
            (
                "d:mySerialNumber:myDefaultTemplate",
                "mySerialNumber",
                Some("myDefaultTemplate"),
            ),
            ("d:1234:myCommon_10", "1234", Some("myCommon_10")),
            ("1234", "1234", None),
        ];
        for (text, device, xid) in cases {
            assert_eq!(text.parse::<ClientId>(), Ok(client(device, xid)), "{text}");
        }
    }

    #[test]
    fn canonical_forms_render_and_round_trip() {
        assert_eq!(client("mySerialNumber", None).to_string(), "mySerialNumber");
        assert_eq!(
            client("mySerialNumber", Some("myDefaultTemplate")).to_string(),
            "d:mySerialNumber:myDefaultTemplate"
        );
        for text in [
            "mySerialNumber",
            "d:mySerialNumber:myDefaultTemplate",
            "d:1234:myCommon_10",
        ] {
            assert_eq!(text.parse::<ClientId>().unwrap().to_string(), text);
        }
    }

    #[test]
    fn explicit_d_without_xid_renders_bare() {
        assert_eq!(
            "d:mySerialNumber".parse::<ClientId>().unwrap().to_string(),
            "mySerialNumber"
        );
    }

    #[test]
    fn d_less_two_segments_read_as_device_and_default_xid() {
        let id: ClientId = "1234:myDevice_10".parse().unwrap();
        assert_eq!(id, client("1234", Some("myDevice_10")));
        assert_eq!(id.to_string(), "d:1234:myDevice_10");
        // A single-letter first segment other than `d` is a device id too.
        assert_eq!("x:tpl".parse::<ClientId>(), Ok(client("x", Some("tpl"))));
    }

    #[test]
    fn bad_client_ids_give_typed_errors() {
        assert_eq!(
            "x:1234:myCommon_10".parse::<ClientId>(),
            Err(ClientIdError::UnknownConnectionType { found: "x".into() })
        );
        assert_eq!(
            "1234:abc:tpl".parse::<ClientId>(),
            Err(ClientIdError::UnknownConnectionType { found: "1234".into() })
        );
        assert_eq!(
            "D:1234:tpl".parse::<ClientId>(),
            Err(ClientIdError::UnknownConnectionType { found: "D".into() })
        );
        assert_eq!(
            "d:1234:my:tpl".parse::<ClientId>(),
            Err(ClientIdError::TooManySegments { count: 4 })
        );
        assert_eq!(
            "".parse::<ClientId>(),
            Err(ClientIdError::Device(IdError::Empty { kind: IdKind::Device }))
        );
        assert_eq!(
            "d:".parse::<ClientId>(),
            Err(ClientIdError::Device(IdError::Empty { kind: IdKind::Device }))
        );
        assert_eq!(
            "d::tpl".parse::<ClientId>(),
            Err(ClientIdError::Device(IdError::Empty { kind: IdKind::Device }))
        );
        assert_eq!(
            "d:1234:".parse::<ClientId>(),
            Err(ClientIdError::DefaultXId(IdError::Empty { kind: IdKind::XId }))
        );
        assert_eq!(
            "dev/1".parse::<ClientId>(),
            Err(ClientIdError::Device(IdError::LevelSeparator {
                kind: IdKind::Device,
                position: 3
            }))
        );
        assert_eq!(
            "d:1234:tpl#".parse::<ClientId>(),
            Err(ClientIdError::DefaultXId(IdError::Wildcard {
                kind: IdKind::XId,
                character: '#',
                position: 3
            }))
        );
    }

    #[test]
    fn default_xid_with_colon_is_refused() {
        let device = DeviceId::new("1234").unwrap();
        let xid = XId::new("my:tpl").unwrap();
        assert_eq!(
            ClientId::with_default_xid(device, xid),
            Err(ClientIdError::DefaultXId(IdError::Colon {
                kind: IdKind::XId,
                position: 2
            }))
        );
    }

    #[test]
    fn error_texts() {
        assert_eq!(
            "x:a:b".parse::<ClientId>().unwrap_err().to_string(),
            "unknown connection type \"x\" in client id (only \"d\" is defined)"
        );
        assert_eq!(
            "d:a:".parse::<ClientId>().unwrap_err().to_string(),
            "invalid client id: default X-ID must not be empty"
        );
    }
}
