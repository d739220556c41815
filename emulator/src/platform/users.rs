//! Login: which principal a CONNECT's credentials (or the TLS client certificate) name, or which
//! CONNACK code refuses them (docs/protocol.md §1.3, §1.5).
//!
//! Decisions where docs/protocol.md is ambiguous:
//! * no username, or an empty password → 5 (the table says 4 is "not used for empty password");
//! * a username without the `<tenant>/` prefix → 5;
//! * an unknown tenant → 5 (no tenant of this endpoint: "not authorized");
//! * an unknown user of the tenant, or a wrong password → 4;
//! * `management/devicebootstrap` with the configured bootstrap password → the bootstrap
//!   principal; with any other non-empty password → 4.
//! * a verified client certificate (MQTT/TLS port only) is tried first, as on Cumulocity, and a
//!   username/password in the same CONNECT is then ignored. Its Common Name must equal the client
//!   id's device id, else 5 (every certificate problem is 5, never 4). The login is the tenant's
//!   user `device_<CN>`; every device of a trusted CA is accepted (auto-registration on).

use std::collections::{BTreeMap, HashMap};

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

/// The credentials store: the users of every tenant, and the bootstrap password.
#[derive(Debug, Clone)]
pub struct Credentials {
    default_tenant: String,
    tenants: BTreeMap<String, HashMap<String, String>>,
    bootstrap_password: String,
}

impl Credentials {
    /// A store whose default tenant is `tenant`, with `users` (each in its own tenant, the
    /// default one when it names none; a named tenant is created) and the bootstrap password.
    pub fn new(tenant: &str, users: &[UserCredentials], bootstrap_password: &str) -> Self {
        let mut store = Self {
            default_tenant: tenant.to_owned(),
            tenants: BTreeMap::from([(tenant.to_owned(), HashMap::new())]),
            bootstrap_password: bootstrap_password.to_owned(),
        };
        for user in users {
            let tenant = user.tenant.as_deref().unwrap_or(tenant).to_owned();
            store.add_tenant(&tenant);
            store.set_tenant_user(&tenant, &user.name, &user.password);
        }
        store
    }

    /// Adds a tenant without users; returns whether it is new.
    pub fn add_tenant(&mut self, tenant: &str) -> bool {
        if self.tenants.contains_key(tenant) {
            return false;
        }
        self.tenants.insert(tenant.to_owned(), HashMap::new());
        true
    }

    /// The tenant ids, sorted.
    pub fn tenants(&self) -> Vec<String> {
        self.tenants.keys().cloned().collect()
    }

    /// Adds or replaces a user of the default tenant (as bootstrap does).
    pub fn set_user(&mut self, name: &str, password: &str) {
        let tenant = self.default_tenant.clone();
        self.set_tenant_user(&tenant, name, password);
    }

    /// Adds or replaces a user of `tenant`; returns `false` when the tenant does not exist.
    pub fn set_tenant_user(&mut self, tenant: &str, name: &str, password: &str) -> bool {
        match self.tenants.get_mut(tenant) {
            Some(users) => {
                users.insert(name.to_owned(), password.to_owned());
                true
            }
            None => false,
        }
    }

    /// The default tenant's id.
    pub fn tenant(&self) -> &str {
        &self.default_tenant
    }

    /// The default tenant's users as `(name, password)`, sorted by name.
    pub fn users(&self) -> Vec<UserCredentials> {
        self.users_of(&self.default_tenant).unwrap_or_default()
    }

    /// The users of `tenant`, sorted by name (`tenant` set unless it is the default tenant);
    /// `None` when the tenant does not exist.
    pub fn users_of(&self, tenant: &str) -> Option<Vec<UserCredentials>> {
        let named = (tenant != self.default_tenant).then(|| tenant.to_owned());
        let mut users: Vec<_> = self
            .tenants
            .get(tenant)?
            .iter()
            .map(|(name, password)| UserCredentials {
                tenant: named.clone(),
                name: name.clone(),
                password: password.clone(),
            })
            .collect();
        users.sort_by(|a, b| a.name.cmp(&b.name));
        Some(users)
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
            tenant: self.default_tenant.clone(),
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
        let users = self.tenants.get(tenant).ok_or(AuthError::UnknownTenant)?;
        match users.get(user) {
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
            tenant: None,
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
