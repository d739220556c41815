//! [`BlockingClient`]: the client for plain threads (and the C and Python layers). It owns a
//! tokio runtime with one worker thread that runs the connection task (and the HTTP transfers
//! and remote-access tunnels started from it); every method blocks at most for the timeout it is
//! given.
//!
//! One worker, not more: the connection is one task, and a second worker gained it nothing but
//! cost it. An idle second worker searches for work to steal and is woken for each wake-up of
//! the connection task, so at QoS 1 against a local broker the C face published at 0.83–0.86×
//! bare rumqttc with two workers and 1.01–1.04× with one (BENCHMARKS.md). Blocking work (file
//! writes, the application handlers the C and Python faces call for device-management
//! requests) runs on tokio's blocking threads, never on the worker; a remote-access tunnel's two
//! directions share the worker.

use std::time::Duration;

use tokio::runtime::Runtime;

use crate::QoS;
use crate::templates::upstream::Upstream;

use super::Client;
use super::config::Config;
use super::delivery::{Delivery, DeliveryId};
use super::entity::{Entity, PublishOptions};
use super::error::{ClientError, FlushTimeout};
use super::events::{ConnectionState, NextEvent};

/// A client that owns its runtime. Do not call its blocking methods (nor drop it) from inside an
/// async task: they block the thread, and a runtime cannot be blocked on from within another.
///
/// ```no_run
/// use std::time::Duration;
/// use c8y_mqtt::client::{BlockingClient, Config, Event, NextEvent};
/// use c8y_mqtt::templates::upstream::{Battery, DeviceCreation};
///
/// let client = BlockingClient::connect(Config::from_env()?.create_device(DeviceCreation::new()).build()?)?;
/// client.wait_connected(Duration::from_secs(30))?;
/// client.publish(Battery::new(87))?.wait(Duration::from_secs(10));
/// loop {
///     match client.next_event(Duration::from_secs(1)) {
///         NextEvent::Event(Event::Operation(op)) => {
///             op.executing()?;
///             op.succeed(Vec::<String>::new())?;
///         }
///         NextEvent::Event(other) => println!("{other:?}"),
///         NextEvent::Timeout => {} // nothing yet: do other work
///         NextEvent::Closed => break,
///     }
/// }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct BlockingClient {
    client: Client,
    runtime: Option<Runtime>,
}

impl BlockingClient {
    /// Starts the client on a runtime of its own (one worker thread) and returns at once; the
    /// connection is made in the background (see [`BlockingClient::wait_connected`]).
    pub fn connect(config: Config) -> Result<Self, ClientError> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("c8y-mqtt")
            .enable_all()
            .build()
            .map_err(|e| ClientError::Runtime(e.to_string()))?;
        let client = {
            let _entered = runtime.enter();
            Client::start(config)?
        };
        Ok(Self {
            client,
            runtime: Some(runtime),
        })
    }

    fn block_on<F: Future>(&self, future: F) -> Option<F::Output> {
        self.runtime.as_ref().map(|rt| rt.block_on(future))
    }

    /// [`Client::request_access_token`], blocking.
    pub fn request_access_token(&self, timeout: Duration) -> Result<super::Secret, ClientError> {
        self.block_on(self.client.request_access_token(timeout))
            .unwrap_or(Err(ClientError::Closed))
    }

    /// Runs `future` to completion on the client's runtime (for the HTTP client and workflows
    /// from plain threads); `None` once the client was closed.
    pub fn run<F: Future>(&self, future: F) -> Option<F::Output> {
        self.block_on(future)
    }

    /// The async client inside.
    pub fn as_async(&self) -> &Client {
        &self.client
    }

    /// The current connection state.
    pub fn state(&self) -> ConnectionState {
        self.client.state()
    }

    /// Blocks until connected, stopped or closed, or `timeout`; see [`Client::wait_connected`].
    pub fn wait_connected(&self, timeout: Duration) -> Result<(), ClientError> {
        self.block_on(self.client.wait_connected(timeout))
            .unwrap_or(Err(ClientError::Closed))
    }

    /// The device itself.
    pub fn device(&self) -> Entity {
        self.client.device()
    }

    /// A child or service handle; see [`Client::child`].
    pub fn child(&self, id: &str) -> Result<Entity, ClientError> {
        self.client.child(id)
    }

    /// Publishes a template for the device; see [`Client::publish`]. Does not block.
    pub fn publish(&self, template: impl Into<Upstream>) -> Result<Delivery, ClientError> {
        self.client.publish(template)
    }

    /// Publishes with options; see [`Client::publish_with`]. Does not block.
    pub fn publish_with(
        &self,
        template: impl Into<Upstream>,
        options: PublishOptions,
    ) -> Result<Delivery, ClientError> {
        self.client.publish_with(template, options)
    }

    /// Publishes a raw payload; see [`Client::publish_raw`]. Does not block.
    pub fn publish_raw(
        &self,
        topic: &str,
        payload: impl Into<String>,
        qos: QoS,
    ) -> Result<Delivery, ClientError> {
        self.client.publish_raw(topic, payload, qos)
    }

    /// The JSON over MQTT publisher; see [`Client::json`]. Does not block.
    pub fn json(&self) -> super::JsonApi {
        self.client.json()
    }

    /// The use-line sender of a registered collection; see [`Client::smartrest2`].
    pub fn smartrest2(&self, xid: &str) -> Result<super::SmartRest2, ClientError> {
        self.client.smartrest2(xid)
    }

    /// The SmartREST 1.0 publisher; see [`Client::smartrest1`].
    pub fn smartrest1(&self, xid: &str) -> Result<super::SmartRest1, ClientError> {
        self.client.smartrest1(xid)
    }

    /// Waits up to `timeout` for the next event. Operations arrive as
    /// [`Event::Operation`](super::Event::Operation); their lifecycle calls
    /// ([`ReceivedOperation::executing`](super::ReceivedOperation::executing), `succeed`, `fail`)
    /// only enqueue and may be called from any thread.
    pub fn next_event(&self, timeout: Duration) -> NextEvent {
        self.client.shared().events.next_blocking(timeout)
    }

    /// Blocks until the outbox is empty (every queued message acknowledged, or written at
    /// QoS 0), or `timeout`; see [`Client::flush`].
    pub fn flush(&self, timeout: Duration) -> Result<(), FlushTimeout> {
        self.block_on(self.client.flush(timeout)).unwrap_or(Ok(()))
    }

    /// A snapshot of the client's operation statistics ([`Client::statistics`]).
    pub fn statistics(&self) -> super::Statistics {
        self.as_async().statistics()
    }

    /// Deliveries not yet completed, oldest first.
    pub fn pending(&self) -> Vec<DeliveryId> {
        self.client.pending()
    }

    /// Blocks until at most `count` deliveries are pending, or `timeout`; see
    /// [`Client::wait_pending`]. True at once for a closed client (nothing is pending then).
    pub fn wait_pending(&self, count: usize, timeout: Duration) -> bool {
        self.block_on(self.client.wait_pending(count, timeout))
            .unwrap_or(true)
    }

    /// Closes the client (see [`Client::close`]) and shuts its runtime down; no SDK thread
    /// outlives this call (bounded by a 5 s grace period).
    pub fn close(mut self) {
        self.shutdown();
    }

    /// Closes the client through a shared reference, for a handle that several threads use
    /// (the C and Python layers): like [`BlockingClient::close`], and every thread blocked in
    /// [`BlockingClient::next_event`] wakes up (it takes the events still queued, then
    /// [`NextEvent::Closed`]). The runtime itself shuts down when the client is dropped. Calling
    /// it again does nothing. Do not call it from inside an async task.
    pub fn close_shared(&self) {
        self.block_on(async {
            let _ = tokio::time::timeout(Duration::from_secs(5), self.client.close()).await;
        });
    }

    fn shutdown(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            runtime.block_on(async {
                let _ = tokio::time::timeout(Duration::from_secs(5), self.client.close()).await;
            });
            runtime.shutdown_timeout(Duration::from_secs(5));
        }
    }
}

impl Drop for BlockingClient {
    fn drop(&mut self) {
        self.shutdown();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::{ConnectionState, Event};
    use std::sync::Arc;
    use std::time::Instant;

    /// `wait_pending` is woken by finished deliveries: here the drop of everything queued when
    /// the client closes.
    #[test]
    fn wait_pending_wakes_when_deliveries_finish() {
        let config = Config::builder("127.0.0.1", "dev1")
            .port(1)
            .transport(crate::client::TransportKind::Tcp)
            .password("t1", "u", "p")
            .build()
            .unwrap();
        let client = Arc::new(BlockingClient::connect(config).unwrap());
        for _ in 0..3 {
            client
                .publish(crate::templates::upstream::Temperature::new(
                    crate::value::Number::from(1),
                ))
                .unwrap();
        }
        assert!(client.wait_pending(3, Duration::from_millis(10)));
        assert!(!client.wait_pending(2, Duration::from_millis(50)));
        let waiter = {
            let client = Arc::clone(&client);
            std::thread::spawn(move || client.wait_pending(0, Duration::from_secs(30)))
        };
        std::thread::sleep(Duration::from_millis(100));
        let started = Instant::now();
        client.close_shared();
        assert!(waiter.join().unwrap());
        assert!(started.elapsed() < Duration::from_secs(5));
    }

    /// `close_shared` wakes a thread blocked in `next_event` (the C API's close-before-free).
    #[test]
    fn close_shared_wakes_a_blocked_next_event() {
        // Port 1 refuses connections: the client keeps retrying until closed.
        let config = Config::builder("127.0.0.1", "dev1")
            .port(1)
            .transport(crate::client::TransportKind::Tcp)
            .password("t1", "u", "p")
            .build()
            .unwrap();
        let client = Arc::new(BlockingClient::connect(config).unwrap());
        let puller = {
            let client = Arc::clone(&client);
            std::thread::spawn(move || {
                let mut last = None;
                loop {
                    match client.next_event(Duration::from_secs(30)) {
                        NextEvent::Event(event) => last = Some(event),
                        NextEvent::Timeout => panic!("not woken"),
                        NextEvent::Closed => return last,
                    }
                }
            })
        };
        std::thread::sleep(Duration::from_millis(100));
        let started = Instant::now();
        client.close_shared();
        let last = puller.join().unwrap();
        assert!(started.elapsed() < Duration::from_secs(5));
        assert_eq!(last, Some(Event::ConnectionState(ConnectionState::Closed)));
        assert_eq!(client.state(), ConnectionState::Closed);
        client.close_shared(); // idempotent
    }
}
