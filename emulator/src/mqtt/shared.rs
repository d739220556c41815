//! State shared by the listeners, the sessions and the handle.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use crate::config::EmulatorConfig;
use crate::journal::Journal;
use crate::mqtt::faults::Faults;
use crate::mqtt::session_table::Registry;
use crate::platform::endpoint::Platform;
use crate::platform::users::Credentials;

/// Everything a session needs from the emulator.
pub(crate) struct Shared {
    pub(crate) config: EmulatorConfig,
    pub(crate) credentials: Arc<Mutex<Credentials>>,
    pub(crate) registry: Arc<Registry>,
    pub(crate) journal: Arc<Journal>,
    pub(crate) faults: Faults,
    pub(crate) platform: Option<Arc<dyn Platform>>,
    next_connection_id: AtomicU64,
}

impl Shared {
    pub(crate) fn new(config: EmulatorConfig, platform: Option<Arc<dyn Platform>>) -> Self {
        let mut credentials = Credentials::new(&config.tenant, &config.users, &config.bootstrap_password);
        for tenant in &config.more_tenants {
            credentials.add_tenant(tenant);
        }
        Self {
            config,
            credentials: Arc::new(Mutex::new(credentials)),
            registry: Arc::default(),
            journal: Arc::new(Journal::new()),
            faults: Faults::default(),
            platform,
            next_connection_id: AtomicU64::new(1),
        }
    }

    pub(crate) fn next_connection_id(&self) -> u64 {
        self.next_connection_id.fetch_add(1, Ordering::Relaxed)
    }
}

/// Resolves once the shutdown flag is set (or its sender is gone).
pub(crate) async fn stopped(shutdown: &mut tokio::sync::watch::Receiver<bool>) {
    let _ = shutdown.wait_for(|stop| *stop).await;
}
