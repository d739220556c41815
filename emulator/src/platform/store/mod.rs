//! The in-memory Cumulocity platform model: managed objects (devices, children, services and
//! their external ids), measurements, events, alarms, operations, new device requests and device
//! users, all stored as the JSON documents Cumulocity's REST API returns.
//!
//! The store is plain data with no lock and no I/O; [`crate::CumulocityPlatform`]
//! keeps it behind one `parking_lot::Mutex` that is never held across an await or a call into
//! the connections. Ids are one increasing counter shared by every resource, rendered as strings.
//!
//! Submodules: `inventory` (managed objects, identities, hierarchy), `records` (measurements,
//! events, alarms with (source, type) de-duplication), `operations` (operations and their status
//! machine), `availability` (required intervals, UNAVAILABLE and its alarm), `requests` (bootstrap: new device requests and device users), `execute` (the
//! [`ApiExecutor`](crate::platform::request::ApiExecutor) requests on the model), `rights` (which
//! devices a login may act for), `json` (small JSON helpers).

mod availability;
mod execute;
mod inventory;
mod json;
mod operations;
mod records;
mod requests;
mod rights;

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use c8y_mqtt::value::Timestamp;

use crate::Clock;
use crate::platform::request::Document;

pub use records::RecordFilter;
pub use requests::{AcceptError, DeviceRequest, DeviceRequestStatus};

pub(crate) use inventory::Link;
pub(crate) use json::{number, object, opt_str, text};
pub(crate) use operations::OperationSelector;
pub(crate) use requests::PollOutcome;

/// The first id handed out is one more than this.
pub(crate) const FIRST_ID: u64 = 1000;

/// The external id type of devices, children and services created over MQTT.
pub const SERIAL: &str = "c8y_Serial";

/// The platform state of one tenant.
#[derive(Debug)]
pub(crate) struct Model {
    tenant: String,
    base_url: String,
    /// Ids are unique across the platform's tenants, as on Cumulocity: one counter, shared.
    next_id: Arc<AtomicU64>,
    objects: BTreeMap<u64, Document>,
    identities: HashMap<(String, String), u64>,
    serials: HashMap<u64, String>,
    parents: HashMap<u64, u64>,
    measurements: Vec<Document>,
    events: Vec<Document>,
    alarms: Vec<Document>,
    operations: Vec<Document>,
    requests: BTreeMap<String, DeviceRequest>,
    users: BTreeMap<String, String>,
    /// When each monitored device last sent something, on `clock`.
    last_message: HashMap<u64, availability::Seen>,
    /// The time source of availability monitoring.
    clock: Clock,
    /// Root devices (`c8y_Serial`) claimed by the device user that first connected with them.
    owners: HashMap<String, String>,
}

impl Model {
    /// An empty model of `tenant`, drawing ids from `ids` (shared by the platform's tenants).
    pub(crate) fn new(tenant: &str, ids: Arc<AtomicU64>, clock: Clock) -> Self {
        Self {
            tenant: tenant.to_owned(),
            base_url: format!("https://{tenant}.emulator.local"),
            next_id: ids,
            objects: BTreeMap::new(),
            identities: HashMap::new(),
            serials: HashMap::new(),
            parents: HashMap::new(),
            measurements: Vec::new(),
            events: Vec::new(),
            alarms: Vec::new(),
            operations: Vec::new(),
            requests: BTreeMap::new(),
            users: BTreeMap::new(),
            owners: HashMap::new(),
            last_message: HashMap::new(),
            clock,
        }
    }

    /// The tenant id.
    pub(crate) fn tenant(&self) -> &str {
        &self.tenant
    }

    /// A fresh id.
    fn next_id(&mut self) -> u64 {
        self.next_id.fetch_add(1, Ordering::Relaxed) + 1
    }

    /// The `self` link of an object of `collection` (e.g. `inventory/managedObjects`).
    fn self_link(&self, collection: &str, id: u64) -> String {
        // Pieces pushed in place: the `format!` was about a tenth of storing a measurement row.
        use std::fmt::Write as _;
        let mut link = String::with_capacity(self.base_url.len() + collection.len() + 22);
        link.push_str(&self.base_url);
        link.push('/');
        link.push_str(collection);
        link.push('/');
        let _ = write!(link, "{id}");
        link
    }
}

/// The current server time as the REST API renders it.
pub(crate) fn now() -> String {
    Timestamp::now().to_string()
}

/// Parses a document id.
pub(crate) fn parse_id(id: &str) -> Option<u64> {
    id.parse().ok()
}
