//! [`EntryQueue`]: the outbox's entries in key order. Keys only grow, so new entries go to the
//! back, a key is found by binary search, and acknowledgements, which mostly complete the
//! oldest entries, remove near the front. This replaced a `BTreeMap`, whose node inserts and
//! moves were the largest cost of a publish.

use std::collections::VecDeque;

/// Values keyed by increasing `u64` keys (see the module docs).
#[derive(Debug)]
pub(super) struct EntryQueue<T> {
    items: VecDeque<(u64, T)>,
}

impl<T> Default for EntryQueue<T> {
    fn default() -> Self {
        Self {
            items: VecDeque::new(),
        }
    }
}

impl<T> EntryQueue<T> {
    /// Appends `value` under `key`, which must be greater than every key present (the outbox
    /// numbers its entries); a smaller key is inserted in order instead, at a cost.
    pub(super) fn insert(&mut self, key: u64, value: T) {
        match self.items.back() {
            Some((last, _)) if *last >= key => {
                let at = self.items.partition_point(|(k, _)| *k < key);
                if self.items.get(at).is_some_and(|(k, _)| *k == key) {
                    if let Some(slot) = self.items.get_mut(at) {
                        slot.1 = value;
                    }
                } else {
                    self.items.insert(at, (key, value));
                }
            }
            _ => self.items.push_back((key, value)),
        }
    }

    /// Removes the value under `key`.
    pub(super) fn remove(&mut self, key: u64) -> Option<T> {
        // Acknowledgements arrive mostly in order: look at the front first.
        let at = match self.items.front() {
            Some((first, _)) if *first == key => 0,
            _ => self.items.binary_search_by_key(&key, |(k, _)| *k).ok()?,
        };
        self.items.remove(at).map(|(_, value)| value)
    }

    /// The value with the smallest key.
    pub(super) fn front_mut(&mut self) -> Option<&mut T> {
        self.items.front_mut().map(|(_, v)| v)
    }

    /// The value with the largest key.
    pub(super) fn back_mut(&mut self) -> Option<&mut T> {
        self.items.back_mut().map(|(_, v)| v)
    }

    /// Removes the entry with the smallest key.
    pub(super) fn pop_first(&mut self) -> Option<(u64, T)> {
        self.items.pop_front()
    }

    /// Entries with keys from `from` on, in key order.
    pub(super) fn range_mut_from(&mut self, from: u64) -> impl Iterator<Item = (u64, &mut T)> {
        let at = self.position_from(from);
        self.items.range_mut(at..).map(|(k, v)| (*k, v))
    }

    /// The index of the first entry with a key from `from` on. Keys are mostly consecutive (only
    /// an entry removed out of order leaves a gap), so the entry `from - first key` places along
    /// is tried before a binary search: the submission after each acknowledgement then costs no
    /// search through a long queue.
    fn position_from(&self, from: u64) -> usize {
        let (Some((first, _)), Some((last, _))) = (self.items.front(), self.items.back()) else {
            return 0;
        };
        if *last < from {
            return self.items.len();
        }
        let guess = usize::try_from(from.saturating_sub(*first)).unwrap_or(usize::MAX);
        // Keys strictly increase, so an entry with the key `from` is the first from `from` on.
        if self.items.get(guess).is_some_and(|(k, _)| *k == from) {
            return guess;
        }
        self.items.partition_point(|(k, _)| *k < from)
    }

    /// All entries in key order.
    pub(super) fn iter(&self) -> impl Iterator<Item = (u64, &T)> {
        self.items.iter().map(|(k, v)| (*k, v))
    }

    /// All values in key order.
    pub(super) fn values(&self) -> impl Iterator<Item = &T> {
        self.items.iter().map(|(_, v)| v)
    }

    /// All values in key order, mutably.
    pub(super) fn values_mut(&mut self) -> impl Iterator<Item = &mut T> {
        self.items.iter_mut().map(|(_, v)| v)
    }

    /// Takes every value out, in key order.
    pub(super) fn drain_values(&mut self) -> impl Iterator<Item = T> {
        std::mem::take(&mut self.items).into_iter().map(|(_, v)| v)
    }

    /// Number of entries.
    #[cfg(test)]
    pub(super) fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether there are no entries.
    pub(super) fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys<T>(queue: &EntryQueue<T>) -> Vec<u64> {
        queue.iter().map(|(k, _)| k).collect()
    }

    #[test]
    fn keeps_key_order_and_removes_anywhere() {
        let mut queue = EntryQueue::default();
        for key in 0..6 {
            queue.insert(key, key * 10);
        }
        assert_eq!(queue.remove(0), Some(0));
        assert_eq!(queue.remove(3), Some(30));
        assert_eq!(queue.remove(3), None);
        assert_eq!(queue.remove(99), None);
        assert_eq!(keys(&queue), vec![1, 2, 4, 5]);
        assert_eq!(queue.pop_first(), Some((1, 10)));
        let from_four: Vec<u64> = queue.range_mut_from(3).map(|(k, _)| k).collect();
        assert_eq!(from_four, vec![4, 5]);
        assert_eq!(queue.len(), 3);
    }

    #[test]
    fn a_range_starts_at_the_first_key_from_its_start_with_or_without_gaps() {
        let mut queue = EntryQueue::default();
        for key in 10..20 {
            queue.insert(key, ());
        }
        let from = |queue: &mut EntryQueue<()>, start| -> Vec<u64> {
            queue.range_mut_from(start).map(|(k, _)| k).collect()
        };
        assert_eq!(from(&mut queue, 0), (10..20).collect::<Vec<_>>());
        assert_eq!(from(&mut queue, 17), vec![17, 18, 19]);
        assert_eq!(from(&mut queue, 20), Vec::<u64>::new());
        // Gaps before the start move its index nearer the front than `start - first`.
        queue.remove(12);
        queue.remove(13);
        assert_eq!(from(&mut queue, 15), vec![15, 16, 17, 18, 19]);
        assert_eq!(from(&mut queue, 13), vec![14, 15, 16, 17, 18, 19]);
        assert_eq!(from(&mut queue, 12), vec![14, 15, 16, 17, 18, 19]);
        queue.remove(19);
        assert_eq!(from(&mut queue, 19), Vec::<u64>::new());
        assert_eq!(from(&mut queue, 18), vec![18]);
        let mut empty = EntryQueue::default();
        assert_eq!(from(&mut empty, 3), Vec::<u64>::new());
    }

    #[test]
    fn an_out_of_order_key_is_inserted_in_order() {
        let mut queue = EntryQueue::default();
        queue.insert(5, 'a');
        queue.insert(2, 'b');
        queue.insert(9, 'c');
        queue.insert(5, 'd');
        assert_eq!(
            queue.iter().collect::<Vec<_>>(),
            vec![(2, &'b'), (5, &'d'), (9, &'c')]
        );
    }

    #[test]
    fn drain_empties_in_order() {
        let mut queue = EntryQueue::default();
        queue.insert(1, "x");
        queue.insert(2, "y");
        assert_eq!(queue.drain_values().collect::<Vec<_>>(), vec!["x", "y"]);
        assert!(queue.is_empty());
        for value in queue.values_mut() {
            *value = "z";
        }
        assert_eq!(queue.values().count(), 0);
    }
}
