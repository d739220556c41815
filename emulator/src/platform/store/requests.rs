//! Bootstrap: new device requests (WAITING_FOR_CONNECTION → PENDING_ACCEPTANCE → ACCEPTED) and
//! the device users created when a request's credentials are handed out (reference §3).

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};

use super::Model;

/// The state of a new device request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DeviceRequestStatus {
    /// Registered by an operator; the device has not polled yet.
    WaitingForConnection,
    /// The device polled; waiting for the operator to accept.
    PendingAcceptance,
    /// Accepted: the next poll gets credentials.
    Accepted,
}

impl DeviceRequestStatus {
    /// The REST name (`WAITING_FOR_CONNECTION`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::WaitingForConnection => "WAITING_FOR_CONNECTION",
            Self::PendingAcceptance => "PENDING_ACCEPTANCE",
            Self::Accepted => "ACCEPTED",
        }
    }
}

/// A new device request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceRequest {
    /// The device id (the bootstrap client id).
    pub id: String,
    /// Its state.
    pub status: DeviceRequestStatus,
    /// The credentials handed out (user name without tenant, password), once delivered.
    pub credentials: Option<(String, String)>,
}

/// What a bootstrap poll gets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum PollOutcome {
    /// No reply (not accepted yet).
    Wait,
    /// Credentials for the device user: (user, password).
    Credentials(String, String),
}

/// Why a request cannot be accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AcceptError {
    /// No request with this id.
    #[error("no device request {0}")]
    Unknown(String),
    /// The device has not polled yet (the UI accepts only PENDING_ACCEPTANCE requests).
    #[error("device request {0} is still waiting for the device to connect")]
    NotPolled(String),
}

impl Model {
    /// Registers a device id (WAITING_FOR_CONNECTION); an existing request is kept.
    pub(crate) fn register_request(&mut self, id: &str) -> DeviceRequest {
        self.requests
            .entry(id.to_owned())
            .or_insert_with(|| DeviceRequest {
                id: id.to_owned(),
                status: DeviceRequestStatus::WaitingForConnection,
                credentials: None,
            })
            .clone()
    }

    /// Accepts a request that the device has polled for.
    pub(crate) fn accept_request(&mut self, id: &str) -> Result<DeviceRequest, AcceptError> {
        let request = self
            .requests
            .get_mut(id)
            .ok_or_else(|| AcceptError::Unknown(id.to_owned()))?;
        if request.status == DeviceRequestStatus::WaitingForConnection {
            return Err(AcceptError::NotPolled(id.to_owned()));
        }
        request.status = DeviceRequestStatus::Accepted;
        Ok(request.clone())
    }

    /// Every request, by id.
    pub(crate) fn requests(&self) -> Vec<DeviceRequest> {
        self.requests.values().cloned().collect()
    }

    /// A bootstrap poll (empty `s/ucr`) of device `id`. An unknown id is registered as
    /// PENDING_ACCEPTANCE; a WAITING one moves to PENDING_ACCEPTANCE; an ACCEPTED one gets
    /// credentials (the same ones again on later polls), and its device user is created.
    pub(crate) fn poll_request(&mut self, id: &str) -> PollOutcome {
        let request = self
            .requests
            .entry(id.to_owned())
            .or_insert_with(|| DeviceRequest {
                id: id.to_owned(),
                status: DeviceRequestStatus::PendingAcceptance,
                credentials: None,
            });
        match request.status {
            DeviceRequestStatus::WaitingForConnection | DeviceRequestStatus::PendingAcceptance => {
                request.status = DeviceRequestStatus::PendingAcceptance;
                PollOutcome::Wait
            }
            DeviceRequestStatus::Accepted => {
                let (user, password) = request
                    .credentials
                    .get_or_insert_with(|| (format!("device_{id}"), generate_password()))
                    .clone();
                self.users.insert(user.clone(), password.clone());
                PollOutcome::Credentials(user, password)
            }
        }
    }

    /// The device users created by bootstrap: (user, password).
    pub(crate) fn device_users(&self) -> Vec<(String, String)> {
        self.users.iter().map(|(u, p)| (u.clone(), p.clone())).collect()
    }
}

/// A random 20-character password (letters and digits), from the process's hash seeds.
fn generate_password() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
    let mut password = String::with_capacity(20);
    let mut seed = 0u64;
    for i in 0..20u64 {
        let mut hasher = RandomState::new().build_hasher();
        hasher.write_u64(i ^ seed);
        seed = hasher.finish();
        let index = usize::try_from(seed % ALPHABET.len() as u64).unwrap_or(0);
        password.push(char::from(*ALPHABET.get(index).unwrap_or(&b'x')));
    }
    password
}
