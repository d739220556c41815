//! The session table: one session per device id and its subscriptions, and [`DeviceSessions`],
//! the server's implementation of the platform's [`Connections`], through which the platform
//! (and tests) publish to connected devices or drop their connections.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use c8y_mqtt::QoS;
use tokio::sync::mpsc;

use crate::journal::{EmulatorEvent, Journal};
use crate::lock;
use crate::platform::endpoint::{Connections, DisconnectReason, SessionInfo, UndeliveredReason};

/// An instruction to a running session.
#[derive(Debug)]
pub(crate) enum SessionCommand {
    /// Publish to the device (the subscription was checked by the registry).
    Deliver { topic: String, payload: Bytes, qos: QoS },
    /// Close the connection.
    Close(DisconnectReason),
}

#[derive(Debug)]
struct Entry {
    info: SessionInfo,
    subscriptions: HashMap<String, QoS>,
    commands: mpsc::UnboundedSender<SessionCommand>,
}

/// The connected sessions by tenant, then device id: one session per device id of a tenant.
/// The bootstrap user's sessions live under its own tenant (`management`), so a bootstrap
/// connection never takes over a device's session or receives its messages.
#[derive(Debug, Default)]
pub(crate) struct Registry {
    sessions: Mutex<HashMap<String, HashMap<String, Entry>>>,
}

impl Registry {
    /// Registers a session; an older session of the same device id is told to close (takeover).
    pub(crate) fn register(&self, info: SessionInfo, commands: mpsc::UnboundedSender<SessionCommand>) {
        let tenant = info.tenant().to_owned();
        let device_id = info.device_id.clone();
        let entry = Entry {
            info,
            subscriptions: HashMap::new(),
            commands,
        };
        let mut sessions = lock(&self.sessions);
        if let Some(old) = sessions.entry(tenant).or_default().insert(device_id, entry) {
            let _ = old
                .commands
                .send(SessionCommand::Close(DisconnectReason::TakenOver));
        }
    }

    /// Removes the session if it is still the registered one for its device id.
    pub(crate) fn unregister(&self, info: &SessionInfo) {
        let mut sessions = lock(&self.sessions);
        if let Some(tenant) = sessions.get_mut(info.tenant())
            && tenant
                .get(&info.device_id)
                .is_some_and(|e| e.info.connection_id == info.connection_id)
        {
            tenant.remove(&info.device_id);
        }
    }

    /// Records a granted subscription (`Some(qos)`) or an unsubscription (`None`).
    pub(crate) fn set_subscription(&self, info: &SessionInfo, topic: &str, qos: Option<QoS>) {
        let mut sessions = lock(&self.sessions);
        let Some(entry) = sessions
            .get_mut(info.tenant())
            .and_then(|t| t.get_mut(&info.device_id))
            .filter(|e| e.info.connection_id == info.connection_id)
        else {
            return;
        };
        match qos {
            Some(qos) => entry.subscriptions.insert(topic.to_owned(), qos),
            None => entry.subscriptions.remove(topic),
        };
    }

    /// The session of `device_id` in `tenant`, if connected.
    pub(crate) fn session(&self, tenant: &str, device_id: &str) -> Option<SessionInfo> {
        lock(&self.sessions)
            .get(tenant)
            .and_then(|t| t.get(device_id))
            .map(|e| e.info.clone())
    }

    fn send(
        &self,
        tenant: &str,
        device_id: &str,
        make: impl FnOnce(&Entry) -> Result<SessionCommand, UndeliveredReason>,
    ) -> Result<(), UndeliveredReason> {
        let sessions = lock(&self.sessions);
        let entry = sessions
            .get(tenant)
            .and_then(|t| t.get(device_id))
            .ok_or(UndeliveredReason::NotConnected)?;
        let command = make(entry)?;
        entry
            .commands
            .send(command)
            .map_err(|_| UndeliveredReason::NotConnected)
    }

    fn subscriptions(&self, tenant: &str, device_id: &str) -> Vec<String> {
        let sessions = lock(&self.sessions);
        let mut topics: Vec<String> = sessions
            .get(tenant)
            .and_then(|t| t.get(device_id))
            .map(|e| e.subscriptions.keys().cloned().collect())
            .unwrap_or_default();
        topics.sort();
        topics
    }

    fn sessions(&self) -> Vec<SessionInfo> {
        let mut list: Vec<_> = lock(&self.sessions)
            .values()
            .flat_map(HashMap::values)
            .map(|e| e.info.clone())
            .collect();
        list.sort_by_key(|s| s.connection_id);
        list
    }

    pub(crate) fn close_all(&self, reason: &DisconnectReason) {
        for entry in lock(&self.sessions).values().flat_map(HashMap::values) {
            let _ = entry.commands.send(SessionCommand::Close(reason.clone()));
        }
    }
}

/// The server's [`Connections`]: the platform's (and tests') way to reach connected devices.
/// Cheap to clone.
#[derive(Debug, Clone)]
pub(crate) struct DeviceSessions {
    registry: Arc<Registry>,
    journal: Arc<Journal>,
}

impl DeviceSessions {
    pub(crate) fn new(registry: Arc<Registry>, journal: Arc<Journal>) -> Self {
        Self { registry, journal }
    }
}

impl Connections for DeviceSessions {
    fn publish_to(
        &self,
        tenant: &str,
        device_id: &str,
        topic: &str,
        payload: Bytes,
        qos: QoS,
    ) -> Result<QoS, UndeliveredReason> {
        let mut delivered_qos = qos;
        let result = self.registry.send(tenant, device_id, |entry| {
            let granted = entry
                .subscriptions
                .get(topic)
                .ok_or(UndeliveredReason::NotSubscribed)?;
            delivered_qos = qos.min(*granted);
            Ok(SessionCommand::Deliver {
                topic: topic.to_owned(),
                payload: payload.clone(),
                qos: delivered_qos,
            })
        });
        match result {
            Ok(()) => Ok(delivered_qos),
            Err(reason) => {
                self.journal.record(EmulatorEvent::Undelivered {
                    tenant: tenant.to_owned(),
                    device_id: device_id.to_owned(),
                    topic: topic.to_owned(),
                    payload,
                    reason,
                });
                Err(reason)
            }
        }
    }

    fn drop_connection(&self, tenant: &str, device_id: &str) -> bool {
        self.registry
            .send(tenant, device_id, |_| {
                Ok(SessionCommand::Close(DisconnectReason::Dropped))
            })
            .is_ok()
    }

    fn sessions(&self) -> Vec<SessionInfo> {
        self.registry.sessions()
    }

    fn subscriptions(&self, tenant: &str, device_id: &str) -> Vec<String> {
        self.registry.subscriptions(tenant, device_id)
    }
}
