//! The platform's managed object ids of the device and its children: asked with `123`
//! ([`Entity::request_managed_object_id`](super::Entity::request_managed_object_id), or after
//! every connect with [`ConfigBuilder::request_managed_object_id`]) and learnt from the `124`
//! answers on `s/ds` (docs/protocol.md §5.7).
//!
//! Choices:
//! * **Which device an answer is for.** `124,<id>` names no device, and the platform answers the
//!   requests of one connection in order, so answers are matched to requests first in, first
//!   out. An answer with no request waiting (another client of the same device asked, or the
//!   request was lost with a connection) is taken as the device's own id only when no child
//!   request was ever made; otherwise it is reported as a downstream line and not stored.
//! * **A lost connection** forgets the requests still waiting: their answers cannot come on a
//!   new connection. The ids already learnt are kept for the client's life (a managed object id
//!   never changes while the object exists).

use std::collections::{HashMap, VecDeque};

use parking_lot::Mutex;

use super::ConfigBuilder;

/// Requests waiting for `124` and the ids learnt.
#[derive(Debug, Default)]
pub(crate) struct Identities {
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    /// External ids of the entities whose `123` awaits its answer, oldest first.
    waiting: VecDeque<String>,
    /// Managed object ids by external id.
    ids: HashMap<String, String>,
    /// Whether a child's id was ever requested (unmatched answers are then ambiguous).
    asked_for_children: bool,
}

impl Identities {
    /// A `123` for `external_id` was queued.
    pub(crate) fn requested(&self, external_id: &str, is_root: bool) {
        let mut state = self.state.lock();
        state.waiting.push_back(external_id.to_owned());
        state.asked_for_children |= !is_root;
    }

    /// The newest request could not be sent.
    pub(crate) fn withdrawn(&self) {
        self.state.lock().waiting.pop_back();
    }

    /// A `124` arrived: the external id it answers (`root` when unmatched but unambiguous), or
    /// `None` when it cannot be attributed.
    pub(crate) fn answered(&self, managed_object_id: &str, root: &str) -> Option<String> {
        let mut state = self.state.lock();
        let device = match state.waiting.pop_front() {
            Some(device) => device,
            None if !state.asked_for_children => root.to_owned(),
            None => return None,
        };
        state.ids.insert(device.clone(), managed_object_id.to_owned());
        Some(device)
    }

    /// The managed object id learnt for `external_id`.
    pub(crate) fn get(&self, external_id: &str) -> Option<String> {
        self.state.lock().ids.get(external_id).cloned()
    }

    /// The connection ended: answers to waiting requests will not come.
    pub(crate) fn connection_lost(&self) {
        self.state.lock().waiting.clear();
    }
}

impl ConfigBuilder {
    /// Asks for the device's managed object id (`123`) after every connect until it is known;
    /// read it with [`Client::managed_object_id`](super::Client::managed_object_id) once the
    /// [`Event::ManagedObjectId`](super::Event::ManagedObjectId) arrived. Off by default.
    pub fn request_managed_object_id(mut self, on: bool) -> Self {
        self.request_managed_object_id = on;
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_match_requests_in_order() {
        let identities = Identities::default();
        identities.requested("dev", true);
        identities.requested("child", false);
        assert_eq!(identities.answered("10", "dev").as_deref(), Some("dev"));
        assert_eq!(identities.answered("11", "dev").as_deref(), Some("child"));
        assert_eq!(identities.get("dev").as_deref(), Some("10"));
        assert_eq!(identities.get("child").as_deref(), Some("11"));
        // Unmatched after a child request: ambiguous, not stored.
        assert_eq!(identities.answered("12", "dev"), None);
        assert_eq!(identities.get("dev").as_deref(), Some("10"));
    }

    #[test]
    fn an_unmatched_answer_is_the_device_when_only_the_device_asks() {
        let identities = Identities::default();
        identities.requested("dev", true);
        identities.connection_lost();
        assert_eq!(identities.answered("10", "dev").as_deref(), Some("dev"));
        assert_eq!(identities.get("dev").as_deref(), Some("10"));
    }
}
