//! Reconnect timing: [`ReconnectPolicy`] (exponential backoff with a cap, jitter, and a reset
//! once a connection stayed up for a stable period) and [`Backoff`], the per-client state.

use std::time::Duration;

use super::error::ConfigError;

/// How the client waits between connection attempts.
///
/// The n-th consecutive failed attempt (n = 0, 1, …) waits `min(max_delay, initial_delay ×
/// multiplier^n)`, of which a random share of up to `jitter` is taken off, so with `jitter` 0.5
/// the wait is uniformly within `[base / 2, base]`: never more than `max_delay`, never less than
/// `(1 - jitter) × base`. A connection that stayed up for `stable_after` resets n to 0.
///
/// ```
/// use std::time::Duration;
/// use c8y_mqtt::client::{Config, ReconnectPolicy};
///
/// // A battery device: start at 5 s, never wait more than 10 minutes.
/// let policy = ReconnectPolicy {
///     initial_delay: Duration::from_secs(5),
///     max_delay: Duration::from_secs(600),
///     ..ReconnectPolicy::default()
/// };
/// let config = Config::builder("example.cumulocity.com", "sensor-0042")
///     .password("t100", "device_sensor-0042", "secret")
///     .reconnect(policy.clone())
///     .build()?;
/// assert_eq!(config.reconnect(), &policy);
/// # Ok::<(), c8y_mqtt::client::ConfigError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct ReconnectPolicy {
    /// Base wait after the first failure; default 1 s.
    pub initial_delay: Duration,
    /// Cap of any wait; default 60 s.
    pub max_delay: Duration,
    /// Growth per failed attempt; default 2.
    pub multiplier: f64,
    /// Share of the wait that is randomized, 0.0–1.0; default 0.5.
    pub jitter: f64,
    /// A connection up this long resets the backoff; default 30 s.
    pub stable_after: Duration,
}

impl Default for ReconnectPolicy {
    fn default() -> Self {
        Self {
            initial_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(60),
            multiplier: 2.0,
            jitter: 0.5,
            stable_after: Duration::from_secs(30),
        }
    }
}

impl ReconnectPolicy {
    /// Checks the values: jitter within 0–1, multiplier ≥ 1, initial ≤ max.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let invalid = |reason: &str| {
            Err(ConfigError::Invalid {
                name: "reconnect".to_owned(),
                reason: reason.to_owned(),
            })
        };
        if !(0.0..=1.0).contains(&self.jitter) {
            return invalid("jitter must be within 0.0..=1.0");
        }
        if !(self.multiplier >= 1.0 && self.multiplier.is_finite()) {
            return invalid("multiplier must be a finite number >= 1");
        }
        if self.initial_delay > self.max_delay {
            return invalid("initial_delay must not exceed max_delay");
        }
        Ok(())
    }

    /// The wait before the retry after `failures` consecutive failures, before jitter.
    pub fn base_delay(&self, failures: u32) -> Duration {
        let max = self.max_delay.as_secs_f64();
        let exponent = i32::try_from(failures).unwrap_or(i32::MAX);
        let base = self.initial_delay.as_secs_f64() * self.multiplier.powi(exponent);
        if base.is_finite() && base < max {
            Duration::from_secs_f64(base)
        } else {
            self.max_delay
        }
    }

    /// The jittered wait for `failures` consecutive failures, with `random` uniform in 0–1.
    pub fn delay(&self, failures: u32, random: f64) -> Duration {
        let base = self.base_delay(failures);
        let cut = self.jitter * random.clamp(0.0, 1.0);
        base.mul_f64(1.0 - cut)
    }
}

/// The backoff state of one client: counts consecutive failures.
#[derive(Debug, Clone)]
pub struct Backoff {
    policy: ReconnectPolicy,
    failures: u32,
}

impl Backoff {
    /// Fresh state for `policy`.
    pub fn new(policy: ReconnectPolicy) -> Self {
        Self { policy, failures: 0 }
    }

    /// Consecutive failures counted so far.
    pub fn failures(&self) -> u32 {
        self.failures
    }

    /// Records a failed attempt (or a connection that ended before the stable period) and
    /// returns how long to wait before the next attempt.
    pub fn next_delay(&mut self) -> Duration {
        let delay = self.policy.delay(self.failures, fastrand::f64());
        self.failures = self.failures.saturating_add(1);
        delay
    }

    /// Records that a connection ended after being up for `uptime`: resets the count when it was
    /// stable.
    pub fn connection_ended(&mut self, uptime: Duration) {
        if uptime >= self.policy.stable_after {
            self.failures = 0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> ReconnectPolicy {
        ReconnectPolicy {
            initial_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(5),
            multiplier: 2.0,
            jitter: 0.5,
            stable_after: Duration::from_secs(10),
        }
    }

    #[test]
    fn base_grows_exponentially_up_to_the_cap() {
        let p = policy();
        assert_eq!(p.base_delay(0), Duration::from_millis(100));
        assert_eq!(p.base_delay(1), Duration::from_millis(200));
        assert_eq!(p.base_delay(5), Duration::from_millis(3200));
        assert_eq!(p.base_delay(6), Duration::from_secs(5));
        assert_eq!(p.base_delay(u32::MAX), Duration::from_secs(5));
    }

    #[test]
    fn jitter_stays_within_its_range() {
        let p = policy();
        assert_eq!(p.delay(1, 0.0), Duration::from_millis(200));
        assert_eq!(p.delay(1, 1.0), Duration::from_millis(100));
        assert_eq!(p.delay(1, 0.5), Duration::from_millis(150));
        for failures in 0..40 {
            for i in 0..=10 {
                let d = p.delay(failures, f64::from(i) / 10.0);
                let base = p.base_delay(failures);
                assert!(d <= base && d <= p.max_delay, "{d:?}");
                assert!(d >= base / 2, "{d:?} < half of {base:?}");
            }
        }
    }

    #[test]
    fn random_draws_differ_and_stay_in_bounds() {
        let mut backoff = Backoff::new(policy());
        let delays: Vec<Duration> = (0..20).map(|_| backoff.next_delay()).collect();
        assert_eq!(backoff.failures(), 20);
        assert!(delays.iter().all(|d| *d <= Duration::from_secs(5)));
        let capped: Vec<&Duration> = delays[10..].iter().collect();
        assert!(capped.iter().all(|d| **d >= Duration::from_millis(2500)));
        assert!(
            capped.windows(2).any(|w| w[0] != w[1]),
            "jitter varies: {capped:?}"
        );
    }

    #[test]
    fn stable_connection_resets() {
        let mut backoff = Backoff::new(policy());
        for _ in 0..5 {
            backoff.next_delay();
        }
        backoff.connection_ended(Duration::from_secs(9));
        assert_eq!(backoff.failures(), 5);
        backoff.connection_ended(Duration::from_secs(10));
        assert_eq!(backoff.failures(), 0);
        assert!(backoff.next_delay() <= Duration::from_millis(100));
    }

    #[test]
    fn validation() {
        assert!(policy().validate().is_ok());
        let bad = ReconnectPolicy {
            jitter: 1.5,
            ..policy()
        };
        assert!(bad.validate().is_err());
        let bad = ReconnectPolicy {
            multiplier: 0.5,
            ..policy()
        };
        assert!(bad.validate().is_err());
        let bad = ReconnectPolicy {
            initial_delay: Duration::from_secs(10),
            ..policy()
        };
        assert!(bad.validate().is_err());
    }
}
