//! Binaries: files stored on the platform (docs/protocol.md §5.7, §5.8: firmware, software and
//! configuration URLs point at them; a log request's answer points at an event binary).
//!
//! * **Inventory binaries** (`/inventory/binaries/{id}`): each is also a managed object (created
//!   through the model, so it has a platform id and shows in the inventory) with `name`,
//!   `type` (content type), `length`, `contentType` and `c8y_IsBinary`; the bytes live here.
//! * **Event binaries** (`/event/events/{id}/binaries`): one attachment per event, as on
//!   Cumulocity; attaching a second one is refused (409) until the first is deleted.
//!
//! Bytes are kept in memory as `Bytes`, so a download hands out slices without copying.

use std::collections::HashMap;

use bytes::Bytes;
use parking_lot::Mutex;

/// One stored file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredBinary {
    /// File name.
    pub name: String,
    /// Content type.
    pub content_type: String,
    /// The bytes.
    pub data: Bytes,
}

/// The binaries of a tenant.
#[derive(Debug, Default)]
pub struct BinaryStore {
    inventory: Mutex<HashMap<String, StoredBinary>>,
    events: Mutex<HashMap<String, StoredBinary>>,
}

impl BinaryStore {
    /// Stores (or replaces) the bytes of inventory binary `id`.
    pub fn put_inventory(&self, id: &str, binary: StoredBinary) {
        self.inventory.lock().insert(id.to_owned(), binary);
    }

    /// The inventory binary `id`.
    pub fn inventory(&self, id: &str) -> Option<StoredBinary> {
        self.inventory.lock().get(id).cloned()
    }

    /// Removes inventory binary `id`; whether it existed.
    pub fn remove_inventory(&self, id: &str) -> bool {
        self.inventory.lock().remove(id).is_some()
    }

    /// Attaches a binary to event `id`; `false` when it has one already.
    pub fn attach_event(&self, id: &str, binary: StoredBinary) -> bool {
        let mut events = self.events.lock();
        if events.contains_key(id) {
            return false;
        }
        events.insert(id.to_owned(), binary);
        true
    }

    /// Replaces the binary of event `id`.
    pub fn replace_event(&self, id: &str, binary: StoredBinary) {
        self.events.lock().insert(id.to_owned(), binary);
    }

    /// The binary of event `id`.
    pub fn event(&self, id: &str) -> Option<StoredBinary> {
        self.events.lock().get(id).cloned()
    }

    /// Removes the binary of event `id`; whether it existed.
    pub fn remove_event(&self, id: &str) -> bool {
        self.events.lock().remove(id).is_some()
    }
}
