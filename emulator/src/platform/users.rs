//! Login: which principal a CONNECT's credentials (or the TLS client certificate) name, or which
//! CONNACK code refuses them (reference §1.3, §1.5).
//!
//! Decisions where the reference is ambiguous:
//! * no username, or an empty password → 5 (the table says 4 is "not used for empty password");
//! * a username without the `<tenant>/` prefix → 5;
//! * an unknown tenant → 5 (not this endpoint's tenant: "not authorized");
//! * an unknown user of the tenant, or a wrong password → 4;
//! * `management/devicebootstrap` with the configured bootstrap password → the bootstrap
//!   principal; with any other non-empty password → 4.
//! * a verified client certificate (MQTT/TLS port only) is tried first, as on Cumulocity, and a
//!   username/password in the same CONNECT is then ignored. Its Common Name must equal the client
//!   id's device id, else 5 (every certificate problem is 5, never 4). The login is the tenant's
//!   user `device_<CN>`; every device of a trusted CA is accepted (auto-registration on).

use std::collections::HashMap;

use crate::config::UserCredentials;

/// The client certificate a device presented (already verified against a trusted CA).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientCertificate {
    /// The subject's Common Name, if the certificate has one.
    pub common_name: Option<String>,
}

/// The tenant of the bootstrap user.
pub const BOOTSTRAP_TENANT: &str = "management";
/// The bootstrap user's name.
pub const BOOTSTRAP_USER: &str = "devicebootstrap";

/// Who a session is logged in as.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Principal {
    /// A user of the emulated tenant.
    User {
        /// Tenant id.
        tenant: String,
        /// User name without the tenant prefix.
        user: String,
    },
    /// The registration user `management/devicebootstrap`.
    Bootstrap,
    /// A device logged in with an X.509 client certificate.
    Certificate {
        /// Tenant id (the tenant that trusts the issuing CA).
        tenant: String,
        /// The device user, `device_<CN>`.
        user: String,
    },
}

impl Principal {
    /// The tenant part of the login (`management` for the bootstrap user).
    pub fn tenant(&self) -> &str {
        match self {
            Principal::User { tenant, .. } | Principal::Certificate { tenant, .. } => tenant,
            Principal::Bootstrap => BOOTSTRAP_TENANT,
        }
    }

    /// The user part of the login (`devicebootstrap` for the bootstrap user).
    pub fn user(&self) -> &str {
        match self {
            Principal::User { user, .. } | Principal::Certificate { user, .. } => user,
            Principal::Bootstrap => BOOTSTRAP_USER,
        }
    }
}

/// Why credentials are refused, with the CONNACK code each maps to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    /// No username (certificate login is not available yet): CONNACK 5.
    #[error("no username")]
    NoUsername,
    /// Empty password: CONNACK 5.
    #[error("empty password")]
    EmptyPassword,
    /// Username without `<tenant>/`: CONNACK 5.
    #[error("username has no tenant prefix")]
    NoTenantPrefix,
    /// Tenant other than the emulated one: CONNACK 5.
    #[error("unknown tenant")]
    UnknownTenant,
    /// No such user in the tenant: CONNACK 4.
    #[error("unknown user")]
    UnknownUser,
    /// Wrong password: CONNACK 4.
    #[error("wrong password")]
    WrongPassword,
    /// The client certificate has no Common Name: CONNACK 5.
    #[error("the client certificate has no Common Name")]
    CertificateWithoutCommonName,
    /// The client certificate's Common Name differs from the device id: CONNACK 5.
    #[error("the client certificate's Common Name is not the device id")]
    CommonNameMismatch,
}

impl AuthError {
    /// The CONNACK return code for this refusal (4 = bad username or password, 5 = not authorized).
    pub fn connack_code(self) -> u8 {
        match self {
            AuthError::UnknownUser | AuthError::WrongPassword => 4,
            AuthError::NoUsername
            | AuthError::EmptyPassword
            | AuthError::NoTenantPrefix
            | AuthError::UnknownTenant
            | AuthError::CertificateWithoutCommonName
            | AuthError::CommonNameMismatch => 5,
        }
    }
}

/// The credentials store of the emulated tenant.
#[derive(Debug, Clone)]
pub struct Credentials {
    tenant: String,
    users: HashMap<String, String>,
    bootstrap_password: String,
}

impl Credentials {
    /// A store for `tenant` with `users` and the bootstrap password.
    pub fn new(tenant: &str, users: &[UserCredentials], bootstrap_password: &str) -> Self {
        Self {
            tenant: tenant.to_owned(),
            users: users
                .iter()
                .map(|u| (u.name.clone(), u.password.clone()))
                .collect(),
            bootstrap_password: bootstrap_password.to_owned(),
        }
    }

    /// Adds or replaces a user (as the registration flow will in a later phase).
    pub fn set_user(&mut self, name: &str, password: &str) {
        self.users.insert(name.to_owned(), password.to_owned());
    }

    /// The tenant id.
    pub fn tenant(&self) -> &str {
        &self.tenant
    }

    /// Users as `(name, password)`, sorted by name.
    pub fn users(&self) -> Vec<UserCredentials> {
        let mut users: Vec<_> = self
            .users
            .iter()
            .map(|(name, password)| UserCredentials {
                name: name.clone(),
                password: password.clone(),
            })
            .collect();
        users.sort_by(|a, b| a.name.cmp(&b.name));
        users
    }

    /// Checks a verified client certificate against the client id's device id.
    pub fn authenticate_certificate(
        &self,
        certificate: &ClientCertificate,
        device_id: &str,
    ) -> Result<Principal, AuthError> {
        let common_name = certificate
            .common_name
            .as_deref()
            .ok_or(AuthError::CertificateWithoutCommonName)?;
        if common_name != device_id {
            return Err(AuthError::CommonNameMismatch);
        }
        Ok(Principal::Certificate {
            tenant: self.tenant.clone(),
            user: format!("device_{common_name}"),
        })
    }

    /// Checks a CONNECT's username and password.
    pub fn authenticate(&self, username: Option<&str>, password: &str) -> Result<Principal, AuthError> {
        let username = username.filter(|u| !u.is_empty()).ok_or(AuthError::NoUsername)?;
        if password.is_empty() {
            return Err(AuthError::EmptyPassword);
        }
        let (tenant, user) = username.split_once('/').ok_or(AuthError::NoTenantPrefix)?;
        if tenant == BOOTSTRAP_TENANT && user == BOOTSTRAP_USER {
            return if password == self.bootstrap_password {
                Ok(Principal::Bootstrap)
            } else {
                Err(AuthError::WrongPassword)
            };
        }
        if tenant != self.tenant {
            return Err(AuthError::UnknownTenant);
        }
        match self.users.get(user) {
            None => Err(AuthError::UnknownUser),
            Some(expected) if expected != password => Err(AuthError::WrongPassword),
            Some(_) => Ok(Principal::User {
                tenant: tenant.to_owned(),
                user: user.to_owned(),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> Credentials {
        let users = [UserCredentials {
            name: "device_1".to_owned(),
            password: "pw".to_owned(),
        }];
        Credentials::new("t1", &users, "boot")
    }

    #[test]
    fn decisions() {
        let s = store();
        assert_eq!(
            s.authenticate(Some("t1/device_1"), "pw"),
            Ok(Principal::User {
                tenant: "t1".to_owned(),
                user: "device_1".to_owned()
            })
        );
        assert_eq!(
            s.authenticate(Some("t1/device_1"), "bad")
                .map_err(AuthError::connack_code),
            Err(4)
        );
        assert_eq!(
            s.authenticate(Some("t1/nobody"), "pw")
                .map_err(AuthError::connack_code),
            Err(4)
        );
        assert_eq!(
            s.authenticate(Some("t2/device_1"), "pw")
                .map_err(AuthError::connack_code),
            Err(5)
        );
        assert_eq!(
            s.authenticate(Some("device_1"), "pw")
                .map_err(AuthError::connack_code),
            Err(5)
        );
        assert_eq!(
            s.authenticate(Some("t1/device_1"), "")
                .map_err(AuthError::connack_code),
            Err(5)
        );
        assert_eq!(
            s.authenticate(None, "pw").map_err(AuthError::connack_code),
            Err(5)
        );
        assert_eq!(
            s.authenticate(Some("management/devicebootstrap"), "boot"),
            Ok(Principal::Bootstrap)
        );
        assert_eq!(
            s.authenticate(Some("management/devicebootstrap"), "nope")
                .map_err(AuthError::connack_code),
            Err(4)
        );
    }
}
