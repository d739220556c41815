//! The device's access token over MQTT: a certificate device asks with an empty publish on
//! `s/uat` and the platform answers `71,<jwt>` on `s/dat` (docs/protocol.md §3, "JWT over
//! MQTT"). This module owns the MQTT side only: the `s/dat` subscription, the slot holding the
//! latest answer, and [`Client::request_access_token`]. When to ask (caching, refreshing before
//! `exp`, one request at a time) is the business of the HTTP layer that uses the token.
//!
//! Choices:
//! * `s/dat` is subscribed with the other downstream topics whenever the credentials are a
//!   certificate (the only devices the platform documents the exchange for); a password device
//!   authenticates HTTP with its password and never needs it.
//! * Each request waits for an answer that arrives *after* it was sent, so a stale token left
//!   in the slot is never mistaken for the fresh one.
//! * Tokens are [`Secret`]s: never in `Debug`, logs or events. A malformed `s/dat` row is
//!   logged by its length only, because its text may hold a token.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;

use crate::QoS;
use crate::templates::downstream::parse_access_token;
use crate::topic::UpstreamTopic;

use super::config::{Config, Credentials, Secret};
use super::{Client, ClientError, Shared};

/// The latest token received on `s/dat`, numbered so a waiter can tell a new one from the old.
#[derive(Debug)]
pub(crate) struct AccessTokenSlot {
    latest: watch::Sender<(u64, Option<Secret>)>,
}

impl Default for AccessTokenSlot {
    fn default() -> Self {
        Self {
            latest: watch::Sender::new((0, None)),
        }
    }
}

/// Whether the client subscribes `s/dat` (certificate credentials).
pub(crate) fn subscribes_token(config: &Config) -> bool {
    matches!(config.credentials, Credentials::Certificate { .. })
}

/// A message arrived on `s/dat`.
pub(crate) fn on_token(shared: &Shared, payload: &[u8]) {
    for row in parse_access_token(payload) {
        match row {
            Ok(line) => {
                shared.access_token.latest.send_modify(|(generation, token)| {
                    *generation += 1;
                    *token = Some(Secret::new(line.token));
                });
                tracing::debug!("access token received");
            }
            Err(_) => tracing::warn!(bytes = payload.len(), "malformed s/dat row ignored"),
        }
    }
}

/// Publishes the request on `s/uat` and waits for the answer (see
/// [`Client::request_access_token`]).
pub(crate) async fn request(shared: &Arc<Shared>, timeout: Duration) -> Result<Secret, ClientError> {
    shared.check_running()?;
    let mut latest = shared.access_token.latest.subscribe();
    let before = latest.borrow_and_update().0;
    super::entity::publish_payloads(
        shared,
        UpstreamTopic::TokenRequest.to_string(),
        vec![String::new()],
        QoS::AtLeastOnce,
        false,
    )?;
    let wait = latest.wait_for(|(generation, token)| *generation > before && token.is_some());
    match tokio::time::timeout(timeout, wait).await {
        Ok(Ok(answer)) => answer.1.clone().ok_or(ClientError::Closed),
        Ok(Err(_)) => Err(ClientError::Closed),
        Err(_) => Err(ClientError::Timeout(timeout)),
    }
}

impl Client {
    /// Asks the platform for a new access token (JWT) for its REST API: an empty publish on
    /// `s/uat`, answered `71,<jwt>` on `s/dat` (certificate devices; the client subscribes
    /// `s/dat` for them). Waits up to `timeout` for an answer that arrives after the request.
    ///
    /// Every call asks anew; the HTTP client caches tokens and refreshes them before they
    /// expire, so applications rarely need this directly.
    pub async fn request_access_token(&self, timeout: Duration) -> Result<Secret, ClientError> {
        request(self.shared(), timeout).await
    }
}
