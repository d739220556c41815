//! [`EmulatorHandle`]: the addresses, credentials and TLS CA of a running emulator, the journal
//! of what happened, server → device publishes, fault injection, and shutdown.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use crate::emulator::StartError;
use crate::mqtt::listener::{Acceptors, Listeners};
use bytes::Bytes;
use c8y_mqtt::QoS;

use crate::config::UserCredentials;
use crate::http::control::ControlApi;
use crate::http::remote_access::{OperatorTunnel, RemoteAccessTunnels};
use crate::http::rest::HttpFaults;
use crate::journal::{EmulatorEvent, JournalStats, WaitTimeout};
use crate::lock;
use crate::mqtt::session_table::DeviceSessions;
use crate::mqtt::shared::Shared;
use crate::mqtt::tls_certs::TlsMaterialError;
use crate::mqtt::transport::ws::WS_PATH;
use crate::platform::certificates::TrustedCertificate;
use crate::platform::cumulocity::CumulocityPlatform;
use crate::platform::endpoint::{
    Connections, DevicePublish, DisconnectReason, SessionInfo, Transport, UndeliveredReason,
};
use crate::platform::request::ApiError;
use crate::platform::store::{AcceptError, DeviceRequest, DeviceRequestStatus, RecordFilter};
use crate::platform::users::BOOTSTRAP_TENANT;
use crate::platform::users::BOOTSTRAP_USER;
use serde_json::Value;

/// How long [`EmulatorHandle::shutdown`] waits for connections to close.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// The bound address of each listener (`None` when disabled).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ListenerAddrs {
    /// Plain MQTT over TCP.
    pub mqtt: Option<SocketAddr>,
    /// MQTT over TLS.
    pub mqtts: Option<SocketAddr>,
    /// WebSocket.
    pub ws: Option<SocketAddr>,
    /// Secure WebSocket.
    pub wss: Option<SocketAddr>,
}

impl ListenerAddrs {
    pub(crate) fn set(&mut self, transport: Transport, addr: SocketAddr) {
        match transport {
            Transport::Mqtt => self.mqtt = Some(addr),
            Transport::Mqtts => self.mqtts = Some(addr),
            Transport::Ws => self.ws = Some(addr),
            Transport::Wss => self.wss = Some(addr),
        }
    }

    /// The address of a transport's listener.
    pub fn get(&self, transport: Transport) -> Option<SocketAddr> {
        match transport {
            Transport::Mqtt => self.mqtt,
            Transport::Mqtts => self.mqtts,
            Transport::Ws => self.ws,
            Transport::Wss => self.wss,
        }
    }
}

/// A publish accepted from a device, with the session that sent it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedPublish {
    /// The publishing session.
    pub session: SessionInfo,
    /// The publish.
    pub publish: DevicePublish,
}

/// A running emulator. Dropping it leaves the emulator running until the runtime ends; call
/// [`EmulatorHandle::shutdown`] to stop it.
#[derive(Debug)]
pub struct EmulatorHandle {
    shared: Arc<Shared>,
    addrs: ListenerAddrs,
    ca_pem: Option<String>,
    acceptors: Acceptors,
    /// The running listeners; `None` after shutdown.
    listeners: tokio::sync::Mutex<Option<Listeners>>,
    /// The default platform, when no custom one was given.
    cumulocity: Option<Arc<CumulocityPlatform>>,
    /// The HTTP control API's address, when one is served.
    http_addr: Option<SocketAddr>,
    /// The running HTTP control API; `None` after shutdown.
    control_api: tokio::sync::Mutex<Option<ControlApi>>,
    /// Faults injected into the REST API.
    http_faults: Arc<HttpFaults>,
    /// The remote-access tunnels waiting for their device.
    remote_access: Arc<RemoteAccessTunnels>,
    /// Stops the availability monitor of the default platform.
    stop_monitor: tokio::sync::watch::Sender<bool>,
}

impl std::fmt::Debug for Shared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shared")
            .field("tenant", &self.config.tenant)
            .finish_non_exhaustive()
    }
}

impl EmulatorHandle {
    pub(crate) fn new(
        shared: Arc<Shared>,
        addrs: ListenerAddrs,
        ca_pem: Option<String>,
        acceptors: Acceptors,
        listeners: Listeners,
        cumulocity: Option<Arc<CumulocityPlatform>>,
        (control_api, http_faults, remote_access): (
            Option<ControlApi>,
            Arc<HttpFaults>,
            Arc<RemoteAccessTunnels>,
        ),
    ) -> Self {
        let stop_monitor = tokio::sync::watch::Sender::new(false);
        if let Some(platform) = &cumulocity {
            tokio::spawn(CumulocityPlatform::monitor_availability(
                Arc::downgrade(platform),
                stop_monitor.subscribe(),
            ));
        }
        Self {
            shared,
            addrs,
            ca_pem,
            acceptors,
            listeners: tokio::sync::Mutex::new(Some(listeners)),
            cumulocity,
            stop_monitor,
            http_addr: control_api.as_ref().map(|api| api.addr),
            control_api: tokio::sync::Mutex::new(control_api),
            http_faults,
            remote_access,
        }
    }

    /// The faults injected into the REST API (401s, 5xx, cut and slow binary downloads); also
    /// armed with `POST /emulator/faults`.
    pub fn http_faults(&self) -> &HttpFaults {
        &self.http_faults
    }

    /// The address of the HTTP control API (Cumulocity's REST API shapes), when it is served
    /// (`EmulatorBuilder::http_port`, default platform only).
    pub fn http_addr(&self) -> Option<SocketAddr> {
        self.http_addr
    }

    pub(crate) fn shared(&self) -> &Shared {
        &self.shared
    }

    // ---- addresses and credentials ----

    /// The bound listener addresses.
    pub fn addrs(&self) -> ListenerAddrs {
        self.addrs
    }

    /// The plain MQTT address.
    pub fn mqtt_addr(&self) -> Option<SocketAddr> {
        self.addrs.mqtt
    }

    /// The MQTT over TLS address.
    pub fn mqtts_addr(&self) -> Option<SocketAddr> {
        self.addrs.mqtts
    }

    /// `ws://<addr>/mqtt`.
    pub fn ws_url(&self) -> Option<String> {
        self.addrs.ws.map(|a| format!("ws://{a}{WS_PATH}"))
    }

    /// `wss://<addr>/mqtt` (the generated certificate names `localhost`, `127.0.0.1` and `::1`).
    pub fn wss_url(&self) -> Option<String> {
        self.addrs.wss.map(|a| format!("wss://{a}{WS_PATH}"))
    }

    /// The PEM of the CA that signed the server certificate (generated, or given in the config).
    pub fn ca_pem(&self) -> Option<&str> {
        self.ca_pem.as_deref()
    }

    /// The tenant id.
    pub fn tenant(&self) -> String {
        lock(&self.shared.credentials).tenant().to_owned()
    }

    /// The users of the tenant, sorted by name.
    pub fn users(&self) -> Vec<UserCredentials> {
        lock(&self.shared.credentials).users()
    }

    /// Every tenant id, sorted.
    pub fn tenants(&self) -> Vec<String> {
        lock(&self.shared.credentials).tenants()
    }

    /// The users of `tenant` (empty for an unknown tenant).
    pub fn users_of(&self, tenant: &str) -> Vec<UserCredentials> {
        lock(&self.shared.credentials)
            .users_of(tenant)
            .unwrap_or_default()
    }

    /// Adds a tenant at run time (users, devices and data isolated from the others); returns
    /// whether it is new.
    pub fn add_tenant(&self, tenant: &str) -> bool {
        if let Some(platform) = &self.cumulocity {
            platform.add_tenant(tenant);
        }
        lock(&self.shared.credentials).add_tenant(tenant)
    }

    /// Trusts a CA certificate (PEM) for X.509 device login into `tenant`, at run time; with
    /// `auto_registration`, devices it issued are registered on their first login. Returns the
    /// certificate's fingerprint.
    pub fn trust_certificate(
        &self,
        tenant: &str,
        ca_pem: &str,
        auto_registration: bool,
    ) -> Result<String, TlsMaterialError> {
        let mut fingerprint = String::new();
        for der in crate::mqtt::tls_certs::parse_device_cas(&[ca_pem.to_owned()])? {
            fingerprint = self
                .shared
                .trust
                .add(tenant, der.to_vec(), auto_registration)
                .fingerprint;
        }
        Ok(fingerprint)
    }

    /// Stops trusting a CA certificate of `tenant`; returns whether it was trusted. Sessions
    /// already connected stay.
    pub fn untrust_certificate(&self, tenant: &str, fingerprint: &str) -> bool {
        self.shared.trust.remove(tenant, fingerprint)
    }

    /// The CA certificates `tenant` trusts.
    pub fn trusted_certificates(&self, tenant: &str) -> Vec<TrustedCertificate> {
        self.shared.trust.of_tenant(tenant)
    }

    /// Adds or replaces a user of `tenant`; returns `false` for an unknown tenant.
    pub fn set_tenant_user(&self, tenant: &str, name: &str, password: &str) -> bool {
        lock(&self.shared.credentials).set_tenant_user(tenant, name, password)
    }

    /// The MQTT username of a tenant user: `<tenant>/<user>`.
    pub fn username(&self, user: &str) -> String {
        format!("{}/{user}", self.tenant())
    }

    /// The bootstrap username, `management/devicebootstrap`.
    pub fn bootstrap_username(&self) -> String {
        format!("{BOOTSTRAP_TENANT}/{BOOTSTRAP_USER}")
    }

    /// The bootstrap password.
    pub fn bootstrap_password(&self) -> &str {
        &self.shared.config.bootstrap_password
    }

    /// Adds or replaces a user of the tenant.
    pub fn set_user(&self, name: &str, password: &str) {
        lock(&self.shared.credentials).set_user(name, password);
    }

    // ---- journal ----

    /// Everything recorded so far.
    pub fn events(&self) -> Vec<EmulatorEvent> {
        self.shared.journal.snapshot()
    }

    /// How many events and payload bytes the journal holds, and how many it dropped.
    pub fn journal_stats(&self) -> JournalStats {
        self.shared.journal.stats()
    }

    /// The device publishes (and wills) handed to the platform so far.
    pub fn publishes(&self) -> Vec<ReceivedPublish> {
        self.events().into_iter().filter_map(as_publish).collect()
    }

    /// Waits for the first recorded event (past or future) that `pred` accepts.
    pub async fn wait_for_event(
        &self,
        pred: impl FnMut(&EmulatorEvent) -> bool,
        timeout: Duration,
    ) -> Result<EmulatorEvent, WaitTimeout> {
        self.shared.journal.wait_for(pred, timeout).await
    }

    /// Waits for the first device publish (past or future) that `pred` accepts.
    pub async fn wait_for_publish(
        &self,
        mut pred: impl FnMut(&ReceivedPublish) -> bool,
        timeout: Duration,
    ) -> Result<ReceivedPublish, WaitTimeout> {
        let event = self
            .wait_for_event(|e| as_publish(e.clone()).is_some_and(|p| pred(&p)), timeout)
            .await?;
        as_publish(event).ok_or(WaitTimeout(timeout))
    }

    /// Waits until the session with `device_id` ends; returns why.
    pub async fn wait_for_disconnect(
        &self,
        device_id: &str,
        timeout: Duration,
    ) -> Result<DisconnectReason, WaitTimeout> {
        match self
            .wait_for_event(
                |e| matches!(e, EmulatorEvent::Disconnected { session, .. } if session.device_id == device_id),
                timeout,
            )
            .await?
        {
            EmulatorEvent::Disconnected { reason, .. } => Ok(reason),
            _ => Err(WaitTimeout(timeout)),
        }
    }

    // ---- server → device ----

    /// The server's connections, as the platform sees them.
    pub fn connections(&self) -> Arc<dyn Connections> {
        Arc::new(DeviceSessions::new(
            Arc::clone(&self.shared.registry),
            Arc::clone(&self.shared.journal),
        ))
    }

    /// Publishes to a connected device if it subscribed to exactly `topic`; see
    /// [`Connections::publish_to`].
    pub fn publish_to(
        &self,
        device_id: &str,
        topic: &str,
        payload: impl Into<Bytes>,
        qos: QoS,
    ) -> Result<QoS, UndeliveredReason> {
        self.connections()
            .publish_to(&self.tenant_of(device_id), device_id, topic, payload.into(), qos)
    }

    /// The tenant of the connected session of `device_id`: the default tenant's session first,
    /// else any tenant's (the bootstrap user's included); the default tenant when none is
    /// connected.
    fn tenant_of(&self, device_id: &str) -> String {
        let default = &self.shared.config.tenant;
        if self.shared.registry.session(default, device_id).is_some() {
            return default.clone();
        }
        self.sessions()
            .into_iter()
            .find(|s| s.device_id == device_id)
            .map_or_else(|| default.clone(), |s| s.tenant().to_owned())
    }

    /// The connected sessions, oldest first.
    pub fn sessions(&self) -> Vec<SessionInfo> {
        self.connections().sessions()
    }

    // ---- the Cumulocity platform model (empty answers with a custom platform) ----

    /// The default platform (`None` when started with a custom [`crate::Platform`]); it also
    /// executes [`crate::platform::request::ApiRequest`]s and takes [`crate::OperationRenderer`]s.
    pub fn cumulocity(&self) -> Option<&Arc<CumulocityPlatform>> {
        self.cumulocity.as_ref()
    }

    fn no_platform() -> ApiError {
        ApiError::NotSupported("the emulator runs a custom platform".into())
    }

    /// The managed object with this `c8y_Serial`.
    pub fn managed_object_by_external_id(&self, external_id: &str) -> Option<Value> {
        self.cumulocity
            .as_ref()?
            .managed_object_by_external_id(external_id)
    }

    /// Deletes the device with this `c8y_Serial`, as an administrator would in the platform
    /// (its sessions stay connected); false when there is none.
    pub fn delete_device(&self, external_id: &str) -> bool {
        self.cumulocity
            .as_ref()
            .is_some_and(|c| c.delete_device(external_id))
    }

    /// The child devices of the device with this `c8y_Serial`.
    pub fn child_devices(&self, external_id: &str) -> Vec<Value> {
        self.cumulocity
            .as_ref()
            .map(|c| c.child_devices(external_id))
            .unwrap_or_default()
    }

    /// Stored measurements that `filter` selects, oldest first.
    pub fn measurements(&self, filter: &RecordFilter) -> Vec<Value> {
        self.cumulocity
            .as_ref()
            .map(|c| c.measurements(filter))
            .unwrap_or_default()
    }

    /// Stored events that `filter` selects, oldest first.
    pub fn platform_events(&self, filter: &RecordFilter) -> Vec<Value> {
        self.cumulocity
            .as_ref()
            .map(|c| c.events(filter))
            .unwrap_or_default()
    }

    /// Alarms that `filter` selects, oldest first.
    pub fn alarms(&self, filter: &RecordFilter) -> Vec<Value> {
        self.cumulocity
            .as_ref()
            .map(|c| c.alarms(filter))
            .unwrap_or_default()
    }

    /// Operations that `filter` selects, oldest first.
    pub fn operations(&self, filter: &RecordFilter) -> Vec<Value> {
        self.cumulocity
            .as_ref()
            .map(|c| c.operations(filter))
            .unwrap_or_default()
    }

    /// The operation with this id.
    pub fn operation(&self, id: &str) -> Option<Value> {
        self.cumulocity.as_ref()?.operation(id)
    }

    /// Creates an operation for the device with this `c8y_Serial` and delivers it; see
    /// [`CumulocityPlatform::create_operation`].
    pub fn create_operation(&self, device_external_id: &str, fragments: Value) -> Result<Value, ApiError> {
        self.cumulocity
            .as_ref()
            .ok_or_else(Self::no_platform)?
            .create_operation(device_external_id, fragments)
    }

    /// Opens a Cloud Remote Access tunnel to `host:port` on the side of the device with this
    /// `c8y_Serial` (default tenant), as an operator would: creates the `530` operation with a new
    /// connection key and listens on 127.0.0.1 (the returned address) for one operator
    /// connection, relayed to the device's WebSocket for that key (served on the HTTP port, which
    /// must be enabled). See [`crate::http::remote_access`].
    pub async fn open_remote_access(
        &self,
        device_external_id: &str,
        host: &str,
        port: u16,
    ) -> Result<OperatorTunnel, ApiError> {
        let platform = self.cumulocity.as_ref().ok_or_else(Self::no_platform)?;
        if self.http_addr.is_none() {
            return Err(ApiError::NotSupported(
                "remote access needs the HTTP port (EmulatorBuilder::http_port)".to_owned(),
            ));
        }
        self.remote_access
            .open(platform, &platform.tenant(), device_external_id, host, port)
            .await
    }

    /// Duplicates (or stops duplicating) every operation delivery.
    pub fn deliver_operation_twice(&self, twice: bool) {
        if let Some(c) = &self.cumulocity {
            c.deliver_operation_twice(twice);
        }
    }

    /// Registers a device id for bootstrap (WAITING_FOR_CONNECTION).
    pub fn register_device(&self, id: &str) -> Option<DeviceRequest> {
        self.cumulocity.as_ref().map(|c| c.register_device(id))
    }

    /// Accepts a device request (PENDING_ACCEPTANCE → ACCEPTED).
    pub fn accept_device_request(&self, id: &str) -> Result<DeviceRequest, AcceptError> {
        match &self.cumulocity {
            Some(c) => c.accept_device_request(id),
            None => Err(AcceptError::Unknown(id.to_owned())),
        }
    }

    /// Every device request.
    pub fn device_requests(&self) -> Vec<DeviceRequest> {
        self.cumulocity
            .as_ref()
            .map(|c| c.device_requests())
            .unwrap_or_default()
    }

    /// Waits until the operation has `status`.
    pub async fn wait_for_operation_status(
        &self,
        id: &str,
        status: &str,
        timeout: Duration,
    ) -> Result<Value, WaitTimeout> {
        match &self.cumulocity {
            Some(c) => c.wait_for_operation_status(id, status, timeout).await,
            None => Err(WaitTimeout(timeout)),
        }
    }

    /// Waits for a stored measurement that `pred` accepts.
    pub async fn wait_for_measurement(
        &self,
        pred: impl FnMut(&Value) -> bool,
        timeout: Duration,
    ) -> Result<Value, WaitTimeout> {
        match &self.cumulocity {
            Some(c) => c.wait_for_measurement(pred, timeout).await,
            None => Err(WaitTimeout(timeout)),
        }
    }

    /// Waits until the managed object with this `c8y_Serial` exists and `pred` accepts it.
    pub async fn wait_for_managed_object(
        &self,
        external_id: &str,
        pred: impl FnMut(&Value) -> bool,
        timeout: Duration,
    ) -> Result<Value, WaitTimeout> {
        match &self.cumulocity {
            Some(c) => c.wait_for_managed_object(external_id, pred, timeout).await,
            None => Err(WaitTimeout(timeout)),
        }
    }

    /// Waits until the device request `id` has `status`.
    pub async fn wait_for_device_request(
        &self,
        id: &str,
        status: DeviceRequestStatus,
        timeout: Duration,
    ) -> Result<DeviceRequest, WaitTimeout> {
        match &self.cumulocity {
            Some(c) => c.wait_for_device_request(id, status, timeout).await,
            None => Err(WaitTimeout(timeout)),
        }
    }

    // ---- faults ----

    /// Closes the device's connection as a network failure would (its will is published).
    /// Returns whether it was connected.
    pub fn drop_connection(&self, device_id: &str) -> bool {
        self.connections()
            .drop_connection(&self.tenant_of(device_id), device_id)
    }

    /// Refuses new connections with CONNACK 3 for `duration`, or until
    /// [`EmulatorHandle::accept_connections`] when `None`. Connected sessions are not affected.
    pub fn refuse_connections(&self, duration: Option<Duration>) {
        self.shared.faults.refuse_connections(duration);
    }

    /// Ends [`EmulatorHandle::refuse_connections`].
    pub fn accept_connections(&self) {
        self.shared.faults.accept_connections();
    }

    /// Withholds (or resumes) the acknowledgements of the device's publishes: no PUBACK for QoS 1
    /// (the publish is still processed) and no PUBREC for QoS 2 (so it stays held until the
    /// device re-sends it after the fault is cleared). Applies to later publishes of any session
    /// with that device id.
    pub fn withhold_pubacks(&self, device_id: &str, withhold: bool) {
        self.shared.faults.withhold_acks(device_id, withhold);
    }

    /// Delays (or, with `None`, stops delaying) the acknowledgements of the device's publishes
    /// (PUBACK for QoS 1, PUBREC for QoS 2): the session stalls for `delay` before acknowledging,
    /// as a slow server would. [`EmulatorHandle::withhold_pubacks`] takes precedence.
    pub fn delay_pubacks(&self, device_id: &str, delay: Option<Duration>) {
        self.shared.faults.delay_acks(device_id, delay);
    }

    // ---- lifecycle ----

    /// Stops the listeners and closes every connection (no wills are published), then waits (at
    /// most [`SHUTDOWN_GRACE`]) until every connection task has ended, so the journal holds their
    /// `Disconnected` events and the ports are free. The handle stays usable for inspection.
    pub async fn shutdown(&self) {
        self.stop_monitor.send_replace(true);
        if let Some(api) = self.control_api.lock().await.take() {
            api.stop().await;
        }
        if let Some(listeners) = self.listeners.lock().await.take() {
            listeners
                .stop(&self.shared, &DisconnectReason::Shutdown, SHUTDOWN_GRACE)
                .await;
        }
    }

    /// Restarts the endpoint, keeping everything else (users, journal, faults, platform): every
    /// connection is closed (reason [`DisconnectReason::Restart`], no wills), the ports stay
    /// closed for `down_for` (connection attempts fail at the TCP level), then the same addresses
    /// are served again. Also restarts an emulator that was shut down.
    pub async fn restart(&self, down_for: Duration) -> Result<(), StartError> {
        let mut listeners = self.listeners.lock().await;
        if let Some(running) = listeners.take() {
            running
                .stop(&self.shared, &DisconnectReason::Restart, SHUTDOWN_GRACE)
                .await;
        }
        tokio::time::sleep(down_for).await;
        let plan: Vec<_> = [Transport::Mqtt, Transport::Mqtts, Transport::Ws, Transport::Wss]
            .into_iter()
            .filter_map(|t| self.addrs.get(t).map(|addr| (t, addr)))
            .collect();
        let (_, restarted) = Listeners::start(&self.shared, &plan, &self.acceptors)
            .await
            .map_err(|(addr, source)| StartError::Bind { addr, source })?;
        *listeners = Some(restarted);
        Ok(())
    }
}

fn as_publish(event: EmulatorEvent) -> Option<ReceivedPublish> {
    match event {
        EmulatorEvent::Published { session, publish } => Some(ReceivedPublish { session, publish }),
        _ => None,
    }
}

/// An emulator running on a runtime of its own ([`crate::EmulatorBuilder::start_blocking`]).
#[derive(Debug)]
pub struct BlockingEmulator {
    runtime: tokio::runtime::Runtime,
    handle: EmulatorHandle,
}

impl BlockingEmulator {
    pub(crate) fn new(runtime: tokio::runtime::Runtime, handle: EmulatorHandle) -> Self {
        Self { runtime, handle }
    }

    /// The handle (its synchronous methods can be called directly).
    pub fn handle(&self) -> &EmulatorHandle {
        &self.handle
    }

    /// Runs a future (e.g. `handle().wait_for_publish(…)`) on the emulator's runtime.
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        self.runtime.block_on(future)
    }

    /// Stops the emulator and its runtime.
    pub fn shutdown(self) {
        let Self { runtime, handle } = self;
        runtime.block_on(handle.shutdown());
    }
}
