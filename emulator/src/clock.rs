//! The time source of time-based platform behaviour (availability monitoring,
//! docs/protocol.md §11.3): the system's monotonic clock, or a manual clock that tests advance
//! instead of sleeping.

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

    /// Moves a manual clock forward by `by` and wakes what waits on it (the availability
    /// monitor checks at once). Does nothing on the system clock.
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

    /// A ticker for a loop that re-checks time-based state: see [`Ticks::next`].
    pub(crate) fn ticks(&self) -> Ticks {
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
pub(crate) struct Ticks {
    changes: Option<watch::Receiver<Duration>>,
}

impl Ticks {
    /// Resolves after `tick` of real time, or as soon as a manual clock is advanced.
    pub(crate) async fn next(&mut self, tick: Duration) {
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
