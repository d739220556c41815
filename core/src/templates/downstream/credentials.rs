//! Secrets the platform hands to a device: bootstrap credentials (`70` on `s/dcr`, docs/protocol.md §3)
//! and the JWT for certificate devices (`71` on `s/dat`). Neither `Debug` shows the secret.

use std::fmt;

use super::{Channel, DownstreamError, DownstreamLine, read_strict};
use crate::smartrest::{Record, RowBuilder};

/// Template id of the credentials line.
const CREDENTIALS_ID: &str = "70";
/// Template id of the access-token line.
const ACCESS_TOKEN_ID: &str = "71";

/// Device credentials from bootstrap: `70,<tenant>,<user>,<password>` on `s/dcr`.
///
/// The device connects with them as `<tenant>/<user>` ([`Credentials::mqtt_username`]). `Debug`
/// prints `<redacted>` instead of the password.
///
/// ```
/// use c8y_mqtt::templates::downstream::{Credentials, DownstreamLine};
/// let c = Credentials::new("t12345", "device_1234", "S3cr3t");
/// assert_eq!(c.to_row(), "70,t12345,device_1234,S3cr3t");
/// assert_eq!(c.mqtt_username(), "t12345/device_1234");
/// assert!(!format!("{c:?}").contains("S3cr3t"));
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    /// The tenant id (used as the username prefix).
    pub tenant: String,
    /// The device user name.
    pub user: String,
    /// The password. Never printed by `Debug`.
    pub password: String,
}

impl Credentials {
    /// Credentials from their parts.
    pub fn new(tenant: impl Into<String>, user: impl Into<String>, password: impl Into<String>) -> Self {
        Self {
            tenant: tenant.into(),
            user: user.into(),
            password: password.into(),
        }
    }

    /// The MQTT user name for these credentials: `<tenant>/<user>`.
    pub fn mqtt_username(&self) -> String {
        let mut name = String::with_capacity(self.tenant.len() + 1 + self.user.len());
        name.push_str(&self.tenant);
        name.push('/');
        name.push_str(&self.user);
        name
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("tenant", &self.tenant)
            .field("user", &self.user)
            .field("password", &"<redacted>")
            .finish()
    }
}

impl DownstreamLine for Credentials {
    const CHANNEL: Channel = Channel::Credentials;

    fn from_record(record: &Record) -> Result<Self, DownstreamError> {
        if record.id() != CREDENTIALS_ID {
            return Err(DownstreamError::unexpected(Self::CHANNEL, record));
        }
        read_strict(Self::CHANNEL, record, |f| {
            Ok(Self::new(
                f.required("tenant")?,
                f.required("user")?,
                f.required("password")?,
            ))
        })
    }

    fn to_row(&self) -> String {
        let mut row = RowBuilder::new(CREDENTIALS_ID);
        row.field(&self.tenant).field(&self.user).field(&self.password);
        row.finish()
    }
}

/// A JWT for a certificate-authenticated device: `71,<token>` on `s/dat` (docs/protocol.md §3, "JWT over
/// MQTT"). `Debug` prints `<redacted>` instead of the token.
///
/// ```
/// use c8y_mqtt::templates::downstream::{AccessToken, DownstreamLine};
/// let t = AccessToken::new("eyJhbGciOi.payload.sig");
/// assert_eq!(t.to_row(), "71,eyJhbGciOi.payload.sig");
/// assert!(!format!("{t:?}").contains("eyJ"));
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct AccessToken {
    /// The token as sent (base64url JWT). Never printed by `Debug`.
    pub token: String,
}

impl AccessToken {
    /// A token from its text.
    pub fn new(token: impl Into<String>) -> Self {
        Self { token: token.into() }
    }
}

impl fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccessToken")
            .field("token", &"<redacted>")
            .finish()
    }
}

impl DownstreamLine for AccessToken {
    const CHANNEL: Channel = Channel::AccessToken;

    fn from_record(record: &Record) -> Result<Self, DownstreamError> {
        if record.id() != ACCESS_TOKEN_ID {
            return Err(DownstreamError::unexpected(Self::CHANNEL, record));
        }
        read_strict(Self::CHANNEL, record, |f| Ok(Self::new(f.required("token")?)))
    }

    fn to_row(&self) -> String {
        let mut row = RowBuilder::new(ACCESS_TOKEN_ID);
        row.field(&self.token);
        row.finish()
    }
}
