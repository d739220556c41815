//! The rows a connection remembers after their PUBACK, so that a later `s/e` line can be tied
//! to the row that caused it (docs/protocol.md §6.1: errors arrive on their own topic, after the
//! acknowledgement, naming the template of the offending row).
//!
//! A row is *held* while its rejection window runs: its delivery is not finished yet, because an
//! `s/e` line may still reject it. When the window passes it is *released* (finished as
//! acknowledged) but still remembered for the correlation window, so that a late line is
//! reported against it rather than as an unattributed error.
//!
//! Rows are appended in acknowledgement order and the window is the same for all of them, so the
//! released rows always form a prefix of the queue. The queue keeps the length of that prefix,
//! which makes finding the next held row, and releasing the due ones, cost nothing per remembered
//! row: a PUBACK on a busy connection does not walk the thousands of rows still remembered.
//!
//! Times are the client's [`Clock`](crate::clock::Clock) readings (time since it started), so a
//! test that advances a manual clock ends the windows at once.

use std::collections::VecDeque;
use std::time::Duration;

use super::delivery::DeliveryOutcome;
use super::outbox::{AckedRow, Finished};
use super::statistics::OutcomeCounters;

/// Acknowledged rows of known template, oldest first, with when they were acknowledged (on the
/// client's clock).
#[derive(Debug, Default)]
pub(crate) struct AckedRows {
    rows: VecDeque<(AckedRow, Duration)>,
    /// How many rows at the front are released (no longer held). Every row behind them is held.
    released: usize,
}

impl AckedRows {
    /// Remembers rows acknowledged at `at` (later than every row already remembered).
    pub(crate) fn extend(&mut self, rows: impl IntoIterator<Item = AckedRow>, at: Duration) {
        self.rows.extend(rows.into_iter().map(|row| (row, at)));
    }

    /// Releases the held rows whose rejection `window` passed at `now` (their deliveries end as
    /// acknowledged), then forgets the rows past `keep_for` and all but the newest `capacity`
    /// (a forgotten row still held is released first). Appends what ended to `finished`.
    pub(crate) fn release_due(
        &mut self,
        now: Duration,
        window: Duration,
        keep_for: Duration,
        capacity: usize,
        counters: &OutcomeCounters,
        finished: &mut Vec<Finished>,
    ) {
        for (row, at) in self.rows.range_mut(self.released..) {
            if row.is_held() && now.saturating_sub(*at) < window {
                break;
            }
            row.finish(DeliveryOutcome::Acknowledged, counters, finished);
            self.released += 1;
        }
        while let Some((_, at)) = self.rows.front() {
            if now.saturating_sub(*at) < keep_for && self.rows.len() <= capacity {
                break;
            }
            if let Some((mut row, _)) = self.rows.pop_front() {
                row.finish(DeliveryOutcome::Acknowledged, counters, finished);
                self.released = self.released.saturating_sub(1);
            }
        }
    }

    /// When the oldest held row's rejection `window` ends; `None` when no row is held.
    pub(crate) fn next_release(&self, window: Duration) -> Option<Duration> {
        self.rows
            .get(self.released)
            .filter(|(row, _)| row.is_held())
            .map(|(_, at)| *at + window)
    }

    /// The one remembered row an `s/e` line naming `template` can point at: the only row with
    /// that id, standing for a single row (not an entry of merged rows). `None` when no row or
    /// several rows match, or the match stands for merged rows.
    pub(crate) fn named_single(&self, template: &str) -> Option<usize> {
        let mut named = self
            .rows
            .iter()
            .enumerate()
            .filter(|(_, (row, _))| row.row_id.is_named_by(template));
        match (named.next(), named.next()) {
            (Some((index, (row, _))), None) if row.rows == 1 => Some(index),
            _ => None,
        }
    }

    /// Whether any remembered row has the id `template` names.
    pub(crate) fn any_named(&self, template: &str) -> bool {
        self.rows.iter().any(|(row, _)| row.row_id.is_named_by(template))
    }

    /// Takes the row at `index` out of the queue.
    pub(crate) fn remove(&mut self, index: usize) -> Option<AckedRow> {
        let (row, _) = self.rows.remove(index)?;
        if index < self.released {
            self.released -= 1;
        }
        Some(row)
    }

    /// Finishes every row still held as acknowledged (the connection ended); appends what ended
    /// to `finished`.
    pub(crate) fn release_all(&mut self, counters: &OutcomeCounters, finished: &mut Vec<Finished>) {
        for (row, _) in self.rows.range_mut(self.released..) {
            row.finish(DeliveryOutcome::Acknowledged, counters, finished);
        }
        self.released = self.rows.len();
    }

    /// How many rows are remembered.
    #[cfg(test)]
    fn len(&self) -> usize {
        self.rows.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::DeliveryId;
    use crate::client::outbox::RowId;

    const WINDOW: Duration = Duration::from_millis(500);
    const KEEP: Duration = Duration::from_secs(10);

    fn row(delivery: u64, template: u16, held: bool) -> AckedRow {
        AckedRow::for_test(RowId::Template(template), DeliveryId(delivery), held)
    }

    fn ids(finished: &[Finished]) -> Vec<u64> {
        finished.iter().map(|(id, _)| id.0).collect()
    }

    /// Releases what is due at `now`, remembering at most `capacity` rows; the delivery ids that
    /// ended, each as acknowledged.
    fn release(acked: &mut AckedRows, now: Duration, capacity: usize) -> Vec<u64> {
        let mut finished = Vec::new();
        acked.release_due(
            now,
            WINDOW,
            KEEP,
            capacity,
            &OutcomeCounters::default(),
            &mut finished,
        );
        assert!(
            finished
                .iter()
                .all(|(_, outcome)| *outcome == DeliveryOutcome::Acknowledged)
        );
        ids(&finished)
    }

    #[test]
    fn releases_held_rows_in_order_as_their_window_passes() {
        let start = Duration::ZERO;
        let ms = Duration::from_millis;
        let mut acked = AckedRows::default();
        acked.extend([row(1, 200, true), row(2, 200, true)], start);
        acked.extend([row(3, 400, true)], start + ms(100));
        assert_eq!(acked.next_release(WINDOW), Some(start + WINDOW));

        assert_eq!(release(&mut acked, start + ms(499), 16), Vec::<u64>::new());
        assert_eq!(release(&mut acked, start + WINDOW, 16), [1, 2]);
        assert_eq!(acked.next_release(WINDOW), Some(start + ms(600)));
        assert_eq!(release(&mut acked, start + ms(600), 16), [3]);
        assert_eq!(acked.next_release(WINDOW), None);
        // Released rows are still remembered for correlation, and never finished twice.
        assert_eq!(acked.len(), 3);
        assert_eq!(release(&mut acked, start + ms(600), 16), Vec::<u64>::new());
    }

    #[test]
    fn rows_not_held_are_passed_over_at_once() {
        let start = Duration::ZERO;
        let mut acked = AckedRows::default();
        acked.extend([row(1, 200, false), row(2, 200, false)], start);
        assert_eq!(acked.next_release(WINDOW), None);
        assert_eq!(release(&mut acked, start, 16), Vec::<u64>::new());
        acked.extend([row(3, 200, true)], start);
        assert_eq!(acked.next_release(WINDOW), Some(start + WINDOW));
    }

    #[test]
    fn forgets_old_rows_and_releases_a_held_row_it_must_forget() {
        let start = Duration::ZERO;
        let mut acked = AckedRows::default();
        acked.extend([row(1, 200, true), row(2, 200, true), row(3, 200, true)], start);
        // Capacity 2: the oldest row is forgotten, and ends as acknowledged though still held.
        assert_eq!(release(&mut acked, start, 2), [1]);
        assert_eq!(acked.len(), 2);
        assert_eq!(acked.next_release(WINDOW), Some(start + WINDOW));
        assert_eq!(release(&mut acked, start + WINDOW, 2), [2, 3]);
        assert_eq!(release(&mut acked, start + KEEP, 2), Vec::<u64>::new());
        assert_eq!(acked.len(), 0);
        acked.extend([row(4, 200, true)], start + KEEP);
        assert_eq!(acked.next_release(WINDOW), Some(start + KEEP + WINDOW));
    }

    #[test]
    fn removing_a_row_keeps_the_released_prefix_right() {
        let start = Duration::ZERO;
        let mut acked = AckedRows::default();
        acked.extend([row(1, 200, true), row(2, 400, true)], start);
        acked.extend([row(3, 301, true)], start + WINDOW);
        let later = start + WINDOW + Duration::from_millis(100);
        acked.extend([row(4, 302, true)], later);
        assert_eq!(release(&mut acked, start + WINDOW, 16), [1, 2]);

        // A released row taken out: the next held row is still row 3.
        let index = acked.named_single("400").expect("one row named 400");
        assert_eq!(acked.remove(index).map(|row| row.delivery.0), Some(2));
        assert_eq!(acked.next_release(WINDOW), Some(start + WINDOW + WINDOW));

        // A held row taken out: the next held row is row 4.
        let index = acked.named_single("301").expect("one row named 301");
        let mut taken = acked.remove(index).expect("row 3");
        assert!(taken.is_held());
        let mut finished = Vec::new();
        taken.finish(
            DeliveryOutcome::Rejected { code: 42 },
            &OutcomeCounters::default(),
            &mut finished,
        );
        assert_eq!(ids(&finished), [3]);
        assert_eq!(acked.next_release(WINDOW), Some(later + WINDOW));

        finished.clear();
        acked.release_all(&OutcomeCounters::default(), &mut finished);
        assert_eq!(ids(&finished), [4]);
        assert_eq!(acked.next_release(WINDOW), None);
    }

    #[test]
    fn a_line_names_one_row_only_when_exactly_one_matches() {
        let start = Duration::ZERO;
        let mut acked = AckedRows::default();
        acked.extend([row(1, 200, true), row(2, 200, true), row(3, 400, true)], start);
        assert_eq!(acked.named_single("200"), None);
        assert!(acked.any_named("200"));
        assert_eq!(acked.named_single("400"), Some(2));
        assert_eq!(acked.named_single("999"), None);
        assert!(!acked.any_named("999"));
    }
}
