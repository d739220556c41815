//! The time source of time-based behaviour: the client's rejection window and the rows it keeps
//! for tying `s/e` lines to them (docs/protocol.md §6.1), and the emulator's availability
//! monitoring (docs/protocol.md §11.3). The system's monotonic clock, or a manual clock that
//! tests advance instead of sleeping: a test of a five-second window moves the clock five
//! seconds and sees the outcome at once.
//!
//! The manual clock is behind the `test-util` feature (off by default, like tokio's feature of
//! that name): firmware builds carry only the system clock. The emulator turns it on.

use std::fmt;
#[cfg(feature = "test-util")]
use std::sync::Arc;
use std::time::{Duration, Instant};

#[cfg(feature = "test-util")]
use parking_lot::Mutex;
#[cfg(feature = "test-util")]
use tokio::sync::Notify;

/// A monotonic time source. Cheap to clone; clones share the time.
#[derive(Clone)]
pub struct Clock {
    kind: Kind,
}

#[derive(Clone)]
enum Kind {
    System(Instant),
    #[cfg(feature = "test-util")]
    Manual(Arc<Manual>),
}

/// A manual clock's time and how many times it was advanced (so a ticker can tell whether an
/// advance came since it last looked), and the waiters an advance wakes. A `Notify` rather than
/// a `watch` channel: the client already links `Notify`.
#[cfg(feature = "test-util")]
struct Manual {
    state: Mutex<ManualState>,
    advanced: Notify,
}

#[cfg(feature = "test-util")]
#[derive(Clone, Copy)]
struct ManualState {
    elapsed: Duration,
    advances: u64,
}

impl fmt::Debug for Clock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self.kind {
            Kind::System(_) => "system",
            #[cfg(feature = "test-util")]
            Kind::Manual(_) => "manual",
        };
        f.debug_struct("Clock")
            .field("kind", &kind)
            .field("elapsed", &self.elapsed())
            .finish()
    }
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

    /// A clock that stands still until [`Clock::advance`] moves it (feature `test-util`).
    #[cfg(feature = "test-util")]
    pub fn manual() -> Self {
        Self {
            kind: Kind::Manual(Arc::new(Manual {
                state: Mutex::new(ManualState {
                    elapsed: Duration::ZERO,
                    advances: 0,
                }),
                advanced: Notify::new(),
            })),
        }
    }

    /// Moves a manual clock forward by `by` and wakes what waits on it (a client's rejection
    /// window ends, the emulator's availability monitor checks at once). Does nothing on the
    /// system clock.
    pub fn advance(&self, by: Duration) {
        #[cfg(not(feature = "test-util"))]
        let _ = by;
        #[cfg(feature = "test-util")]
        if let Kind::Manual(manual) = &self.kind {
            {
                let mut state = manual.state.lock();
                state.elapsed += by;
                state.advances += 1;
            }
            manual.advanced.notify_waiters();
        }
    }

    /// The time since the clock started.
    pub fn elapsed(&self) -> Duration {
        match &self.kind {
            Kind::System(start) => start.elapsed(),
            #[cfg(feature = "test-util")]
            Kind::Manual(manual) => manual.state.lock().elapsed,
        }
    }

    /// Resolves once [`Clock::elapsed`] reaches `elapsed`: a timer on the system clock, a wait
    /// for [`Clock::advance`] on a manual one.
    pub async fn sleep_until(&self, elapsed: Duration) {
        match &self.kind {
            Kind::System(start) => tokio::time::sleep_until((*start + elapsed).into()).await,
            #[cfg(feature = "test-util")]
            Kind::Manual(manual) => loop {
                // Registered before the check, so an advance between the two is not missed.
                let advanced = manual.advanced.notified();
                tokio::pin!(advanced);
                advanced.as_mut().enable();
                if manual.state.lock().elapsed >= elapsed {
                    return;
                }
                advanced.await;
            },
        }
    }

    /// A ticker for a loop that re-checks time-based state: see [`Ticks::next`].
    pub fn ticks(&self) -> Ticks {
        match &self.kind {
            Kind::System(_) => Ticks {
                #[cfg(feature = "test-util")]
                manual: None,
                #[cfg(feature = "test-util")]
                seen: 0,
            },
            #[cfg(feature = "test-util")]
            Kind::Manual(manual) => Ticks {
                seen: manual.state.lock().advances,
                manual: Some(Arc::clone(manual)),
            },
        }
    }
}

/// Wakes a checking loop. It counts from its creation, so no advance made since is missed.
pub struct Ticks {
    #[cfg(feature = "test-util")]
    manual: Option<Arc<Manual>>,
    /// The manual clock's advance count when this ticker last resolved.
    #[cfg(feature = "test-util")]
    seen: u64,
}

impl fmt::Debug for Ticks {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Ticks").finish_non_exhaustive()
    }
}

impl Ticks {
    /// Resolves after `tick` of real time, or as soon as a manual clock is advanced (at once
    /// when it was advanced since this ticker last resolved).
    pub async fn next(&mut self, tick: Duration) {
        #[cfg(not(feature = "test-util"))]
        tokio::time::sleep(tick).await;
        #[cfg(feature = "test-util")]
        self.next_manual(tick).await;
    }

    #[cfg(feature = "test-util")]
    async fn next_manual(&mut self, tick: Duration) {
        let Some(manual) = &self.manual else {
            tokio::time::sleep(tick).await;
            return;
        };
        let advanced = manual.advanced.notified();
        tokio::pin!(advanced);
        advanced.as_mut().enable();
        if manual.state.lock().advances == self.seen {
            let _ = tokio::time::timeout(tick, advanced).await;
        }
        self.seen = manual.state.lock().advances;
    }
}

#[cfg(all(test, feature = "test-util"))]
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
    async fn an_advance_before_the_tick_is_waited_for_is_not_missed() {
        let clock = Clock::manual();
        let mut ticks = clock.ticks();
        clock.advance(Duration::from_secs(1));
        tokio::time::timeout(Duration::from_secs(10), ticks.next(Duration::from_secs(3600)))
            .await
            .expect("the advance made before counts");
        // Seen now: the next tick waits for a new advance (here: its real-time tick).
        tokio::time::timeout(Duration::from_millis(20), ticks.next(Duration::from_secs(3600)))
            .await
            .expect_err("no new advance");
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
