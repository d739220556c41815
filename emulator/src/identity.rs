//! Client-id parsing: `[d:]<deviceId>[:<defaultX-ID>]` (reference §1.4).
//!
//! This is the ONLY place the emulator interprets an MQTT client id. At merge time it is meant to
//! be swapped for `c8y_mqtt::topic::ClientId::parse`; keep its callers on [`parse_client_id`] and
//! [`ClientIdentity`].
//!
//! Rules (the reference's inference, made strict where it is ambiguous):
//! * one segment: the device id (`mySerialNumber`);
//! * two segments: `<connectionType>:<deviceId>`; three: `<connectionType>:<deviceId>:<xid>`;
//! * the connection type, when present, must be `d` (device). The `d:`-less two-segment form seen
//!   in one cheat sheet (`1234:myDevice_10`) is therefore refused: it reads as connection type
//!   `1234`, which is unknown;
//! * the device id must be non-empty; an empty X-ID segment is refused too;
//! * more than three segments is refused (a device id must not contain `:`).

/// The parts of a valid client id.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ClientIdentity {
    /// The device identifier: the `c8y_Serial` external id and the session key.
    pub device_id: String,
    /// The SmartREST 2.0 default template X-ID, when given.
    pub default_xid: Option<String>,
}

/// Why a client id is refused (CONNACK 2).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClientIdError {
    /// The client id is empty.
    #[error("the client id is empty")]
    Empty,
    /// More than three `:`-separated segments.
    #[error("the client id has {0} ':'-separated segments, at most 3 are allowed")]
    TooManySegments(usize),
    /// The connection type is not `d`.
    #[error("unknown connection type {0:?} (only \"d\" is defined)")]
    UnknownConnectionType(String),
    /// The device id segment is empty.
    #[error("the device id is empty")]
    EmptyDeviceId,
    /// The default X-ID segment is present but empty.
    #[error("the default template X-ID is empty")]
    EmptyXid,
}

/// Parses a client id into its device id and default X-ID.
pub fn parse_client_id(client_id: &str) -> Result<ClientIdentity, ClientIdError> {
    if client_id.is_empty() {
        return Err(ClientIdError::Empty);
    }
    let segments: Vec<&str> = client_id.split(':').collect();
    let (device_id, default_xid) = match segments.as_slice() {
        [id] => (*id, None),
        [kind, id] => (checked_kind(kind).map(|()| *id)?, None),
        [kind, id, xid] => {
            checked_kind(kind)?;
            if xid.is_empty() {
                return Err(ClientIdError::EmptyXid);
            }
            (*id, Some((*xid).to_owned()))
        }
        more => return Err(ClientIdError::TooManySegments(more.len())),
    };
    if device_id.is_empty() {
        return Err(ClientIdError::EmptyDeviceId);
    }
    Ok(ClientIdentity {
        device_id: device_id.to_owned(),
        default_xid,
    })
}

fn checked_kind(kind: &str) -> Result<(), ClientIdError> {
    if kind == "d" {
        Ok(())
    } else {
        Err(ClientIdError::UnknownConnectionType(kind.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(id: &str, xid: Option<&str>) -> ClientIdentity {
        ClientIdentity {
            device_id: id.to_owned(),
            default_xid: xid.map(str::to_owned),
        }
    }

    #[test]
    fn documented_examples_parse() {
        assert_eq!(parse_client_id("mySerialNumber"), Ok(ok("mySerialNumber", None)));
        assert_eq!(
            parse_client_id("d:mySerialNumber"),
            Ok(ok("mySerialNumber", None))
        );
        assert_eq!(
            parse_client_id("d:mySerialNumber:myDefaultTemplate"),
            Ok(ok("mySerialNumber", Some("myDefaultTemplate")))
        );
    }

    #[test]
    fn refusals() {
        assert_eq!(parse_client_id(""), Err(ClientIdError::Empty));
        assert_eq!(parse_client_id("d:"), Err(ClientIdError::EmptyDeviceId));
        assert_eq!(
            parse_client_id(":x"),
            Err(ClientIdError::UnknownConnectionType(String::new()))
        );
        assert_eq!(parse_client_id("d::x"), Err(ClientIdError::EmptyDeviceId));
        assert_eq!(parse_client_id("d:a:"), Err(ClientIdError::EmptyXid));
        assert_eq!(parse_client_id("d:a:b:c"), Err(ClientIdError::TooManySegments(4)));
        assert_eq!(
            parse_client_id("1234:myDevice_10"),
            Err(ClientIdError::UnknownConnectionType("1234".to_owned()))
        );
    }
}
