//! Device access tokens: the JWT a device gets on `s/dat` after an empty `s/uat` (docs/protocol.md
//! §3, "JWT over MQTT") and presents to the REST API as `Authorization: Bearer <jwt>`.
//!
//! Choices:
//! * HS256 with a random secret per tenant (made when the platform starts; `fastrand`, enough
//!   for an emulator), claims `sub` (user), `ten` (tenant), `iat`, `exp`, `jti`.
//! * Lifetime: [`DEFAULT_LIFETIME`] (the platform's default of one hour), changeable for tests.
//! * Faults for tests: [`TokenIssuer::expire_issued`] makes every token issued so far invalid
//!   at once (a token that "expires early" from the device's view), and a short lifetime makes
//!   tokens expire by their own `exp`. Expired, revoked, forged (other secret) and malformed
//!   tokens are all refused the same way, as 401.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

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

/// Issues and checks the device tokens of one tenant.
pub struct TokenIssuer {
    tenant: String,
    secret: Vec<u8>,
    state: Mutex<State>,
}

impl std::fmt::Debug for TokenIssuer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenIssuer")
            .field("tenant", &self.tenant)
            .finish_non_exhaustive()
    }
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

impl TokenIssuer {
    /// An issuer for `tenant` with a fresh random secret.
    pub fn new(tenant: &str) -> Self {
        Self::with_secret(tenant, (0..32).map(|_| fastrand::u8(..)).collect())
    }

    /// An issuer with a given secret (tests forge tokens with another one).
    pub fn with_secret(tenant: &str, secret: Vec<u8>) -> Self {
        Self {
            tenant: tenant.to_owned(),
            secret,
            state: Mutex::new(State {
                lifetime: DEFAULT_LIFETIME,
                first_valid: 1,
                next: 1,
            }),
        }
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

    /// A new token for `user`.
    pub fn issue(&self, user: &str) -> String {
        let (jti, lifetime) = {
            let mut state = self.state.lock();
            let jti = state.next;
            state.next += 1;
            (jti, state.lifetime)
        };
        let iat = now();
        let claims = Claims {
            sub: user.to_owned(),
            ten: self.tenant.clone(),
            iat,
            exp: iat + lifetime.as_secs(),
            jti,
        };
        jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &EncodingKey::from_secret(&self.secret),
        )
        .unwrap_or_default()
    }

    /// The user of a valid token; `None` for an expired, revoked, forged or malformed one.
    pub fn verify(&self, token: &str) -> Option<String> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 0;
        validation.set_required_spec_claims(&["exp", "sub"]);
        let data =
            jsonwebtoken::decode::<Claims>(token, &DecodingKey::from_secret(&self.secret), &validation)
                .ok()?;
        let claims = data.claims;
        let first_valid = self.state.lock().first_valid;
        (claims.ten == self.tenant && claims.jti >= first_valid && claims.exp > now()).then_some(claims.sub)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issued_tokens_verify_until_expired_or_revoked() {
        let issuer = TokenIssuer::new("t100");
        let token = issuer.issue("device_1");
        assert_eq!(issuer.verify(&token).as_deref(), Some("device_1"));
        issuer.expire_issued();
        assert_eq!(issuer.verify(&token), None, "revoked");
        let fresh = issuer.issue("device_1");
        assert_eq!(issuer.verify(&fresh).as_deref(), Some("device_1"));
        issuer.set_lifetime(Duration::ZERO);
        assert_eq!(issuer.verify(&issuer.issue("device_1")), None, "expired");
    }

    #[test]
    fn forged_and_malformed_tokens_are_refused() {
        let issuer = TokenIssuer::new("t100");
        let forger = TokenIssuer::with_secret("t100", b"other".to_vec());
        assert_eq!(issuer.verify(&forger.issue("device_1")), None);
        assert_eq!(issuer.verify("a.b.c"), None);
        assert_eq!(issuer.verify(""), None);
        let other_tenant = TokenIssuer::with_secret("t200", issuer.secret.clone());
        assert_eq!(issuer.verify(&other_tenant.issue("device_1")), None);
    }
}
