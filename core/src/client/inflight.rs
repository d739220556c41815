//! [`Inflight`]: what each unacknowledged packet id carries. rumqttc hands out packet ids from 1
//! up to its in-flight limit, so a slot per id replaces a hash map (no hashing per packet).

/// Values by MQTT packet id, with a count of the occupied ids.
#[derive(Debug)]
pub(crate) struct Inflight<T> {
    slots: Vec<Option<T>>,
    len: usize,
}

impl<T> Inflight<T> {
    /// An empty map. It grows to the highest id used (rumqttc's in-flight limit) and no
    /// further, so an idle session holds no slots at all.
    pub(crate) fn new() -> Self {
        Self {
            slots: Vec::new(),
            len: 0,
        }
    }

    /// Stores `value` under `id`, returning what was there.
    pub(crate) fn insert(&mut self, id: u16, value: T) -> Option<T> {
        let index = usize::from(id);
        if index >= self.slots.len() {
            self.slots.resize_with(index + 1, || None);
        }
        let previous = self.slots.get_mut(index).and_then(|slot| slot.replace(value));
        if previous.is_none() {
            self.len += 1;
        }
        previous
    }

    /// Takes the value under `id`.
    pub(crate) fn remove(&mut self, id: u16) -> Option<T> {
        let value = self.slots.get_mut(usize::from(id)).and_then(Option::take);
        if value.is_some() {
            self.len -= 1;
        }
        value
    }

    /// Number of ids in use.
    pub(crate) fn len(&self) -> usize {
        self.len
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn insert_remove_and_count() {
        let mut inflight = Inflight::new();
        assert_eq!(inflight.insert(1, "a"), None);
        assert_eq!(inflight.insert(2, "b"), None);
        assert_eq!(inflight.insert(65535, "c"), None);
        assert_eq!(inflight.len(), 3);
        assert_eq!(inflight.insert(1, "d"), Some("a"));
        assert_eq!(inflight.len(), 3);
        assert_eq!(inflight.remove(1), Some("d"));
        assert_eq!(inflight.remove(1), None);
        assert_eq!(inflight.remove(7), None);
        assert_eq!(inflight.remove(65535), Some("c"));
        assert_eq!(inflight.len(), 1);
    }
}
