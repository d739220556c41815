//! The time source of time-based behaviour: the client's rejection window and the rows it keeps
//! for tying `s/e` lines to them (docs/protocol.md §6.1), and the emulator's availability
//! monitoring (docs/protocol.md §11.3). The system's monotonic clock, or a manual clock that
//! tests advance instead of sleeping: a test of a five-second window moves the clock five
//! seconds and sees the outcome at once.

use std::sync::Arc;
use std::time::{Duration, Instant};

use parking_lot::Mutex;
use tokio::sync::watch;

/// A monotonic time source. Cheap to clone; clones share the time.
#[derive(Debug, Clone)]
pub struct Clock {
    kind: Kind,
}

#[derive(Debug, Clone)]
enum Kind {
    System(Instant),
    Manual(Arc<Manual>),
}

#[derive(Debug)]
struct Manual {
    elapsed: Mutex<Duration>,
    changes: watch::Sender<Duration>,
}

impl Default for Clock {
    fn default() -> Self {
        Self::system()
    }
}

impl Clock {
    /// The system's monotonic clock.
    pub fn system() -> Self {
        Self {
            kind: Kind::System(Instant::now()),
        }
    }

    /// A clock that stands still until [`Clock::advance`] moves it.
    pub fn manual() -> Self {
        Self {
            kind: Kind::Manual(Arc::new(Manual {
                elapsed: Mutex::new(Duration::ZERO),
                changes: watch::Sender::new(Duration::ZERO),
            })),
        }
    }

    /// Moves a manual clock forward by `by` and wakes what waits on it (a client's rejection
    /// window ends, the emulator's availability monitor checks at once). Does nothing on the
    /// system clock.
    pub fn advance(&self, by: Duration) {
        if let Kind::Manual(manual) = &self.kind {
            let now = {
                let mut elapsed = manual.elapsed.lock();
                *elapsed += by;
                *elapsed
            };
            manual.changes.send_replace(now);
        }
    }

    /// The time since the clock started.
    pub fn elapsed(&self) -> Duration {
        match &self.kind {
            Kind::System(start) => start.elapsed(),
            Kind::Manual(manual) => *manual.elapsed.lock(),
        }
    }

    /// Resolves once [`Clock::elapsed`] reaches `elapsed`: a timer on the system clock, a wait
    /// for [`Clock::advance`] on a manual one.
    pub async fn sleep_until(&self, elapsed: Duration) {
        match &self.kind {
            Kind::System(start) => tokio::time::sleep_until((*start + elapsed).into()).await,
            Kind::Manual(manual) => {
                let mut changes = manual.changes.subscribe();
                // `wait_for` checks the current value first, so an advance made before the
                // subscription is not missed.
                let _ = changes.wait_for(|now| *now >= elapsed).await;
            }
        }
    }

    /// A ticker for a loop that re-checks time-based state: see [`Ticks::next`].
    pub fn ticks(&self) -> Ticks {
        Ticks {
            changes: match &self.kind {
                Kind::System(_) => None,
                Kind::Manual(manual) => Some(manual.changes.subscribe()),
            },
        }
    }
}

/// Wakes a checking loop (subscribed when created, so no advance is missed).
#[derive(Debug)]
pub struct Ticks {
    changes: Option<watch::Receiver<Duration>>,
}

impl Ticks {
    /// Resolves after `tick` of real time, or as soon as a manual clock is advanced.
    pub async fn next(&mut self, tick: Duration) {
        match &mut self.changes {
            None => tokio::time::sleep(tick).await,
            Some(changes) => {
                let _ = tokio::time::timeout(tick, changes.changed()).await;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_manual_clock_moves_only_when_advanced() {
        let clock = Clock::manual();
        let shared = clock.clone();
        assert_eq!(clock.elapsed(), Duration::ZERO);
        shared.advance(Duration::from_secs(90));
        assert_eq!(clock.elapsed(), Duration::from_secs(90));
    }

    #[tokio::test]
    async fn a_sleep_on_a_manual_clock_ends_when_the_clock_reaches_it() {
        let clock = Clock::manual();
        let sleeper = clock.clone();
        let waiter = tokio::spawn(async move { sleeper.sleep_until(Duration::from_secs(5)).await });
        clock.advance(Duration::from_secs(4));
        tokio::task::yield_now().await;
        assert!(!waiter.is_finished(), "woken before the clock reached the time");
        clock.advance(Duration::from_secs(1));
        tokio::time::timeout(Duration::from_secs(10), waiter)
            .await
            .expect("woken when the clock reached the time")
            .expect("task");
    }

    #[tokio::test]
    async fn a_sleep_on_a_manual_clock_already_past_ends_at_once() {
        let clock = Clock::manual();
        clock.advance(Duration::from_secs(6));
        tokio::time::timeout(Duration::from_secs(10), clock.sleep_until(Duration::from_secs(5)))
            .await
            .expect("no wait for a time already reached");
    }

    #[tokio::test]
    async fn advancing_wakes_a_tick() {
        let clock = Clock::manual();
        let mut ticks = clock.ticks();
        let waiter = tokio::spawn(async move { ticks.next(Duration::from_secs(3600)).await });
        clock.advance(Duration::from_secs(1));
        tokio::time::timeout(Duration::from_secs(10), waiter)
            .await
            .expect("woken by the advance")
            .expect("task");
    }
}
