//! The access-token cache of a certificate device (docs/protocol.md §3, "JWT over MQTT"): a
//! token is asked for (`s/uat` → `71,<jwt>`) when first needed, kept, and asked for again
//! before its `exp` or once after the platform answered 401 with it.
//!
//! Choices:
//! * **Single flight**: the cache is one async mutex held across the request, so callers that
//!   need a token at the same time wait for the one request in flight and share its answer;
//!   never two `s/uat` requests at once.
//! * **Refresh before expiry**: a token is renewed once less than
//!   [`REFRESH_MARGIN`] or half its lifetime (whichever is shorter) remains; the platform allows
//!   a new token once half the lifetime has passed (docs/protocol.md §3). A download that
//!   starts with a token about to expire would otherwise fail on its first resume, the most
//!   common field failure of Cumulocity agents.
//! * **Decoding without verification**: only the payload's `exp` (and `iat`) are read, with
//!   base64url + `serde_json`; the device cannot verify the platform's signature and does not
//!   need to. A token without a readable `exp` is used until a 401.
//! * **401**: [`TokenCache::invalidate`] drops the token only if it is still the cached one, so
//!   a burst of requests failing with the same old token causes one refresh, not one each.

use std::future::Future;
use std::pin::Pin;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::client::Secret;

use super::HttpError;

/// Renew a token at the latest this long before its `exp`.
pub const REFRESH_MARGIN: Duration = Duration::from_secs(60);

/// A future returned by a [`TokenSource`].
pub type TokenFuture<'a> = Pin<Box<dyn Future<Output = Result<Secret, HttpError>> + Send + 'a>>;

/// Where new tokens come from: the device client's `s/uat` request, or a stand-in in tests.
pub trait TokenSource: Send + Sync {
    /// Asks for a new token.
    fn request(&self) -> TokenFuture<'_>;
}

/// The claims the cache reads from a JWT payload, in seconds since the epoch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenTimes {
    /// `iat`: when the token was issued.
    pub issued: Option<u64>,
    /// `exp`: when it expires.
    pub expires: Option<u64>,
}

/// Reads `iat` and `exp` from a JWT's payload without verifying the signature.
///
/// ```
/// use c8y_mqtt::http::token_times;
/// // {"iat":1000,"exp":4600}
/// let jwt = "eyJhbGciOiJIUzI1NiJ9.eyJpYXQiOjEwMDAsImV4cCI6NDYwMH0.sig";
/// let times = token_times(jwt);
/// assert_eq!((times.issued, times.expires), (Some(1000), Some(4600)));
/// assert_eq!(token_times("not a jwt").expires, None);
/// ```
pub fn token_times(jwt: &str) -> TokenTimes {
    let claims = jwt
        .split('.')
        .nth(1)
        .and_then(|payload| URL_SAFE_NO_PAD.decode(payload.trim_end_matches('=')).ok())
        .and_then(|bytes| serde_json::from_slice::<serde_json::Value>(&bytes).ok());
    let seconds = |name: &str| {
        claims
            .as_ref()
            .and_then(|c| c.get(name))
            .and_then(|v| v.as_u64().or_else(|| v.as_f64().map(|f| f as u64)))
    };
    TokenTimes {
        issued: seconds("iat"),
        expires: seconds("exp"),
    }
}

fn now_seconds() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// A cached token and when to renew it (seconds since the epoch; `None`: until a 401).
struct Cached {
    token: Secret,
    renew_at: Option<u64>,
}

impl Cached {
    fn new(token: Secret) -> Self {
        let times = token_times(token.expose());
        let renew_at = times.expires.map(|exp| {
            let lifetime = exp.saturating_sub(times.issued.unwrap_or_else(now_seconds));
            exp.saturating_sub(REFRESH_MARGIN.as_secs().min(lifetime / 2))
        });
        Self { token, renew_at }
    }

    fn fresh(&self) -> bool {
        self.renew_at.is_none_or(|at| now_seconds() < at)
    }
}

/// The token cache (see the module documentation).
pub struct TokenCache {
    source: Box<dyn TokenSource>,
    cached: tokio::sync::Mutex<Option<Cached>>,
}

impl std::fmt::Debug for TokenCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenCache").finish_non_exhaustive()
    }
}

impl TokenCache {
    /// A cache asking `source` for tokens.
    pub fn new(source: impl TokenSource + 'static) -> Self {
        Self {
            source: Box::new(source),
            cached: tokio::sync::Mutex::new(None),
        }
    }

    /// The cached token while it is fresh, else a new one (one request at a time).
    pub async fn get(&self) -> Result<Secret, HttpError> {
        let mut cached = self.cached.lock().await;
        if let Some(current) = cached.as_ref().filter(|c| c.fresh()) {
            return Ok(current.token.clone());
        }
        let token = self.source.request().await?;
        *cached = Some(Cached::new(token.clone()));
        tracing::debug!("access token renewed");
        Ok(token)
    }

    /// The platform refused `failed`: forget it if it is still the cached token.
    pub async fn invalidate(&self, failed: &Secret) {
        let mut cached = self.cached.lock().await;
        if cached.as_ref().is_some_and(|c| &c.token == failed) {
            *cached = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU32, Ordering};

    use super::*;

    fn jwt(iat: u64, exp: u64, n: u32) -> String {
        let payload = URL_SAFE_NO_PAD.encode(format!(r#"{{"iat":{iat},"exp":{exp},"n":{n}}}"#));
        format!("eyJhbGciOiJIUzI1NiJ9.{payload}.c2ln")
    }

    /// Counts requests; each answer lives `lifetime` seconds; waits on `gate` before answering.
    struct Counting {
        calls: Arc<AtomicU32>,
        lifetime: u64,
        gate: Arc<tokio::sync::Semaphore>,
    }

    impl TokenSource for Counting {
        fn request(&self) -> TokenFuture<'_> {
            Box::pin(async move {
                let n = self.calls.fetch_add(1, Ordering::SeqCst) + 1;
                let _permit = self.gate.acquire().await.map_err(|_| HttpError::Closed)?;
                let now = now_seconds();
                Ok(Secret::new(jwt(now, now + self.lifetime, n)))
            })
        }
    }

    fn counting(lifetime: u64) -> (TokenCache, Arc<AtomicU32>, Arc<tokio::sync::Semaphore>) {
        let calls = Arc::new(AtomicU32::new(0));
        let gate = Arc::new(tokio::sync::Semaphore::new(0));
        let cache = TokenCache::new(Counting {
            calls: Arc::clone(&calls),
            lifetime,
            gate: Arc::clone(&gate),
        });
        (cache, calls, gate)
    }

    #[tokio::test]
    async fn concurrent_callers_share_one_request() {
        let (cache, calls, gate) = counting(3600);
        let cache = Arc::new(cache);
        let waiters: Vec<_> = (0..8)
            .map(|_| {
                let cache = Arc::clone(&cache);
                tokio::spawn(async move { cache.get().await })
            })
            .collect();
        // Let every waiter reach the cache before the one request is answered.
        while calls.load(Ordering::SeqCst) == 0 {
            tokio::task::yield_now().await;
        }
        for _ in 0..8 {
            tokio::task::yield_now().await;
        }
        gate.add_permits(100);
        let mut tokens = Vec::new();
        for waiter in waiters {
            tokens.push(waiter.await.unwrap().unwrap());
        }
        assert_eq!(calls.load(Ordering::SeqCst), 1, "one request in flight for all");
        assert!(tokens.windows(2).all(|w| w[0] == w[1]));
        // Cached afterwards.
        assert_eq!(cache.get().await.unwrap(), tokens[0]);
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn renewed_before_expiry_and_once_after_a_refusal() {
        // A 10 s token is renewed after half its life: at once here, since `renew_at` = exp - 5 s
        // is in the future, it is fresh; a 1 s token (margin 0 s) is fresh until exp.
        let (cache, calls, gate) = counting(10);
        gate.add_permits(100);
        let first = cache.get().await.unwrap();
        assert_eq!(cache.get().await.unwrap(), first, "fresh: not renewed");
        cache.invalidate(&first).await;
        let second = cache.get().await.unwrap();
        assert_ne!(second, first);
        assert_eq!(calls.load(Ordering::SeqCst), 2);
        cache.invalidate(&first).await; // a late 401 with the old token changes nothing
        assert_eq!(cache.get().await.unwrap(), second);
        assert_eq!(calls.load(Ordering::SeqCst), 2);

        // An expired token (exp now - lifetime 0) is never fresh: asked for on every get.
        let (cache, calls, gate) = counting(0);
        gate.add_permits(100);
        cache.get().await.unwrap();
        cache.get().await.unwrap();
        assert_eq!(calls.load(Ordering::SeqCst), 2);
    }

    #[test]
    fn times_of_malformed_tokens_are_unknown() {
        assert_eq!(
            token_times("a.!!!.c"),
            TokenTimes {
                issued: None,
                expires: None
            }
        );
        let times = token_times(&jwt(5, 65, 1));
        assert_eq!((times.issued, times.expires), (Some(5), Some(65)));
    }

    #[test]
    fn renewal_time_is_the_shorter_margin() {
        let now = now_seconds();
        assert_eq!(
            Cached::new(Secret::new(jwt(now, now + 3600, 1))).renew_at,
            Some(now + 3540)
        );
        assert_eq!(
            Cached::new(Secret::new(jwt(now, now + 20, 1))).renew_at,
            Some(now + 10)
        );
        assert_eq!(Cached::new(Secret::new("opaque")).renew_at, None);
        assert!(!format!("{:?}", Secret::new("opaque")).contains("opaque"));
    }
}
