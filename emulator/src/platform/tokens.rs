//! Device access tokens: the JWT a device gets on `s/dat` after an empty `s/uat` (docs/protocol.md
//! §3, "JWT over MQTT") and presents to the REST API as `Authorization: Bearer <jwt>`.
//!
//! Choices:
//! * HS256 with a random secret per tenant (made on the tenant's first token; `fastrand`,
//!   enough for an emulator), claims `sub` (user), `ten` (tenant), `iat`, `exp`, `jti`. A token
//!   verifies only for the tenant it names, with that tenant's secret.
//! * Lifetime: [`DEFAULT_LIFETIME`] (the platform's default of one hour), changeable for tests.
//! * Faults for tests: [`TokenIssuer::expire_issued`] makes every token issued so far invalid
//!   at once (a token that "expires early" from the device's view), and a short lifetime makes
//!   tokens expire by their own `exp`. Expired, revoked, forged (other secret) and malformed
//!   tokens are all refused the same way, as 401.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use std::collections::HashMap;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use parking_lot::Mutex;
use serde::{Deserialize, Serialize};

/// The platform's default token lifetime.
pub const DEFAULT_LIFETIME: Duration = Duration::from_secs(3600);

#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    sub: String,
    ten: String,
    iat: u64,
    exp: u64,
    jti: u64,
}

struct State {
    lifetime: Duration,
    /// Tokens with a `jti` below this are refused.
    first_valid: u64,
    next: u64,
}

/// Issues and checks the device tokens of every tenant.
#[derive(Default)]
pub struct TokenIssuer {
    secrets: Mutex<HashMap<String, Vec<u8>>>,
    state: Mutex<State>,
}

impl Default for State {
    fn default() -> Self {
        Self {
            lifetime: DEFAULT_LIFETIME,
            first_valid: 1,
            next: 1,
        }
    }
}

impl std::fmt::Debug for TokenIssuer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenIssuer").finish_non_exhaustive()
    }
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

impl TokenIssuer {
    /// An issuer; each tenant gets a random secret on its first token.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the secret of `tenant` (tests forge tokens with another one).
    pub fn set_secret(&self, tenant: &str, secret: Vec<u8>) {
        self.secrets.lock().insert(tenant.to_owned(), secret);
    }

    fn secret(&self, tenant: &str) -> Vec<u8> {
        self.secrets
            .lock()
            .entry(tenant.to_owned())
            .or_insert_with(|| (0..32).map(|_| fastrand::u8(..)).collect())
            .clone()
    }

    /// The lifetime of tokens issued from now on.
    pub fn set_lifetime(&self, lifetime: Duration) {
        self.state.lock().lifetime = lifetime;
    }

    /// Refuses every token issued so far (they "expire early").
    pub fn expire_issued(&self) {
        let mut state = self.state.lock();
        state.first_valid = state.next;
    }

    /// A new token for `user` of `tenant`.
    pub fn issue(&self, tenant: &str, user: &str) -> String {
        let (jti, lifetime) = {
            let mut state = self.state.lock();
            let jti = state.next;
            state.next += 1;
            (jti, state.lifetime)
        };
        let iat = now();
        let claims = Claims {
            sub: user.to_owned(),
            ten: tenant.to_owned(),
            iat,
            exp: iat + lifetime.as_secs(),
            jti,
        };
        jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &EncodingKey::from_secret(&self.secret(tenant)),
        )
        .unwrap_or_default()
    }

    /// The user of a token valid for `tenant`; `None` for an expired, revoked, forged,
    /// malformed or other tenant's token.
    pub fn verify(&self, tenant: &str, token: &str) -> Option<String> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 0;
        validation.set_required_spec_claims(&["exp", "sub"]);
        let key = DecodingKey::from_secret(&self.secret(tenant));
        let claims = jsonwebtoken::decode::<Claims>(token, &key, &validation)
            .ok()?
            .claims;
        let first_valid = self.state.lock().first_valid;
        (claims.ten == tenant && claims.jti >= first_valid && claims.exp > now()).then_some(claims.sub)
    }

    /// The tenant a token names, read without verification (to route the request).
    pub fn tenant_of(&self, token: &str) -> Option<String> {
        let payload = token.split('.').nth(1)?;
        let bytes = URL_SAFE_NO_PAD.decode(payload.trim_end_matches('=')).ok()?;
        let value: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
        value.get("ten")?.as_str().map(str::to_owned)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issued_tokens_verify_until_expired_or_revoked() {
        let issuer = TokenIssuer::new();
        let token = issuer.issue("t100", "device_1");
        assert_eq!(issuer.verify("t100", &token).as_deref(), Some("device_1"));
        assert_eq!(issuer.tenant_of(&token).as_deref(), Some("t100"));
        assert_eq!(issuer.verify("t200", &token), None, "another tenant");
        issuer.expire_issued();
        assert_eq!(issuer.verify("t100", &token), None, "revoked");
        let fresh = issuer.issue("t100", "device_1");
        assert_eq!(issuer.verify("t100", &fresh).as_deref(), Some("device_1"));
        issuer.set_lifetime(Duration::ZERO);
        assert_eq!(
            issuer.verify("t100", &issuer.issue("t100", "device_1")),
            None,
            "expired"
        );
    }

    #[test]
    fn forged_and_malformed_tokens_are_refused() {
        let issuer = TokenIssuer::new();
        let forger = TokenIssuer::new();
        forger.set_secret("t100", b"other".to_vec());
        assert_eq!(issuer.verify("t100", &forger.issue("t100", "device_1")), None);
        assert_eq!(issuer.verify("t100", "a.b.c"), None);
        assert_eq!(issuer.verify("t100", ""), None);
        assert_eq!(issuer.tenant_of("garbage"), None);
    }
}
