//! Trusted CA certificates per tenant, for X.509 device login (docs/protocol.md §1.3): a device
//! whose certificate chains to a CA that a tenant trusts logs in to that tenant as
//! `device_<CN>`. With `autoRegistrationEnabled` the device user exists from its first login;
//! without it, the user must have been registered in the tenant (else CONNACK 5).
//!
//! The store is plain data (DER bytes and flags) shared with the TLS layer, which builds its
//! verifiers from it; every change bumps [`TrustedCertificates::generation`] so the TLS layer
//! rebuilds them. Certificates are named by their SHA-1 fingerprint in lower-case hex, as
//! Cumulocity's trusted-certificates API names them.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};

use parking_lot::RwLock;

/// One trusted CA certificate of a tenant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustedCertificate {
    /// The tenant that trusts it.
    pub tenant: String,
    /// SHA-1 fingerprint of the DER, lower-case hex.
    pub fingerprint: String,
    /// The certificate (DER).
    pub der: Vec<u8>,
    /// Whether devices it issued are registered on their first login.
    pub auto_registration: bool,
}

impl TrustedCertificate {
    /// The certificate as PEM.
    pub fn pem(&self) -> String {
        use base64::Engine;
        let body = base64::engine::general_purpose::STANDARD.encode(&self.der);
        let mut pem = String::from("-----BEGIN CERTIFICATE-----\n");
        for line in body.as_bytes().chunks(64) {
            pem.push_str(std::str::from_utf8(line).unwrap_or_default());
            pem.push('\n');
        }
        pem.push_str("-----END CERTIFICATE-----\n");
        pem
    }
}

/// The trusted CA certificates of every tenant (see the module documentation).
#[derive(Debug, Default)]
pub struct TrustedCertificates {
    /// By (tenant, fingerprint).
    entries: RwLock<BTreeMap<(String, String), TrustedCertificate>>,
    generation: AtomicU64,
}

/// The SHA-1 fingerprint of `der`, lower-case hex.
pub fn fingerprint(der: &[u8]) -> String {
    ring::digest::digest(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY, der)
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

impl TrustedCertificates {
    /// Trusts `der` for `tenant` (replacing the flag of an existing entry); returns the entry.
    pub fn add(&self, tenant: &str, der: Vec<u8>, auto_registration: bool) -> TrustedCertificate {
        let entry = TrustedCertificate {
            tenant: tenant.to_owned(),
            fingerprint: fingerprint(&der),
            der,
            auto_registration,
        };
        self.entries
            .write()
            .insert((tenant.to_owned(), entry.fingerprint.clone()), entry.clone());
        self.generation.fetch_add(1, Ordering::Release);
        entry
    }

    /// Stops trusting a certificate; returns whether it was trusted.
    pub fn remove(&self, tenant: &str, fingerprint: &str) -> bool {
        let removed = self
            .entries
            .write()
            .remove(&(tenant.to_owned(), fingerprint.to_owned()))
            .is_some();
        if removed {
            self.generation.fetch_add(1, Ordering::Release);
        }
        removed
    }

    /// Turns auto-registration on or off; returns the entry, if trusted.
    pub fn set_auto_registration(
        &self,
        tenant: &str,
        fingerprint: &str,
        on: bool,
    ) -> Option<TrustedCertificate> {
        let mut entries = self.entries.write();
        let entry = entries.get_mut(&(tenant.to_owned(), fingerprint.to_owned()))?;
        entry.auto_registration = on;
        let entry = entry.clone();
        drop(entries);
        self.generation.fetch_add(1, Ordering::Release);
        Some(entry)
    }

    /// The certificates `tenant` trusts, by fingerprint.
    pub fn of_tenant(&self, tenant: &str) -> Vec<TrustedCertificate> {
        self.entries
            .read()
            .values()
            .filter(|e| e.tenant == tenant)
            .cloned()
            .collect()
    }

    /// Every trusted certificate, by tenant then fingerprint.
    pub fn all(&self) -> Vec<TrustedCertificate> {
        self.entries.read().values().cloned().collect()
    }

    /// Bumped by every change.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn per_tenant_entries_and_generations() {
        let store = TrustedCertificates::default();
        let g0 = store.generation();
        let a = store.add("t1", vec![1, 2, 3], true);
        assert_eq!(a.fingerprint, "7037807198c22a7d2b0807371d763779a84fdfcf");
        store.add("t2", vec![1, 2, 3], false);
        assert_eq!(store.of_tenant("t1").len(), 1);
        assert!(!store.of_tenant("t2")[0].auto_registration);
        assert!(store.generation() > g0);
        assert!(store.remove("t1", &a.fingerprint));
        assert!(!store.remove("t1", &a.fingerprint));
        assert!(store.of_tenant("t1").is_empty());
        assert_eq!(store.all().len(), 1);
    }
}
