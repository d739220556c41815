//! The rate limit on wrong-password logins per client address: a brute-force guard, as the
//! platform has one (docs/protocol.md §1.5: refusals for "no permission" are CONNACK 5).
//!
//! After [`LoginFailureLimit::max_failures`] wrong-password refusals (CONNACK 4) from one IP
//! address within [`LoginFailureLimit::window`] (counted from the first), every further CONNECT
//! from that address is refused with CONNACK 5 before its credentials are checked, until the
//! window ends. The table forgets expired addresses, so it stays small.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;

use tokio::time::Instant;

use crate::LoginFailureLimit;
use crate::lock;

/// Expired entries are swept once the table holds this many addresses.
const SWEEP_AT: usize = 4096;

/// Wrong-password refusals per address (see the module documentation).
#[derive(Debug)]
pub(crate) struct LoginLimiter {
    limit: Option<LoginFailureLimit>,
    failures: Mutex<HashMap<IpAddr, (Instant, u32)>>,
}

impl LoginLimiter {
    /// A limiter with `limit` (`None`: never limits).
    pub(crate) fn new(limit: Option<LoginFailureLimit>) -> Self {
        Self {
            limit,
            failures: Mutex::new(HashMap::new()),
        }
    }

    /// Whether logins from `addr` are refused now.
    pub(crate) fn is_blocked(&self, addr: IpAddr) -> bool {
        let Some(limit) = self.limit else {
            return false;
        };
        lock(&self.failures)
            .get(&addr)
            .is_some_and(|(since, count)| since.elapsed() < limit.window && *count >= limit.max_failures)
    }

    /// Counts a wrong-password refusal from `addr`.
    pub(crate) fn record_failure(&self, addr: IpAddr) {
        let Some(limit) = self.limit else {
            return;
        };
        let mut failures = lock(&self.failures);
        if failures.len() >= SWEEP_AT {
            failures.retain(|_, (since, _)| since.elapsed() < limit.window);
        }
        let entry = failures.entry(addr).or_insert((Instant::now(), 0));
        if entry.0.elapsed() >= limit.window {
            *entry = (Instant::now(), 0);
        }
        entry.1 = entry.1.saturating_add(1);
    }
}

#[cfg(test)]
mod tests {
    use std::net::Ipv4Addr;
    use std::time::Duration;

    use super::*;

    #[tokio::test(start_paused = true)]
    async fn blocks_after_the_limit_until_the_window_ends() {
        let limiter = LoginLimiter::new(Some(LoginFailureLimit {
            max_failures: 2,
            window: Duration::from_secs(60),
        }));
        let a = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2));
        let b = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 3));
        limiter.record_failure(a);
        assert!(!limiter.is_blocked(a));
        limiter.record_failure(a);
        assert!(limiter.is_blocked(a));
        assert!(!limiter.is_blocked(b), "per address");
        tokio::time::advance(Duration::from_secs(60)).await;
        assert!(!limiter.is_blocked(a), "the window ended");
        limiter.record_failure(a);
        assert!(!limiter.is_blocked(a), "a new window starts counting at 1");
    }

    #[test]
    fn no_limit_never_blocks() {
        let limiter = LoginLimiter::new(None);
        let a = IpAddr::V4(Ipv4Addr::LOCALHOST);
        for _ in 0..1000 {
            limiter.record_failure(a);
        }
        assert!(!limiter.is_blocked(a));
    }
}
