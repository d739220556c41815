//! The emulator's control API: HTTP on loopback, shaped like Cumulocity's REST API.
//!
//! Existing Cumulocity REST clients work against it unchanged: the same paths
//! (`/inventory/managedObjects`, `/identity/externalIds/{type}/{value}`,
//! `/measurement/measurements`, `/event/events`, `/alarm/alarms`, `/devicecontrol/operations`,
//! `/devicecontrol/newDeviceRequests`), basic auth with the tenant's users (`<tenant>/<user>` or
//! `<user>`), Cumulocity's media types (`application/vnd.com.nsn.cumulocity.<type>+json`),
//! absolute `self` links built from the request's `Host`, collections paged by
//! `pageSize`/`currentPage` with `statistics`, the usual query filters, and errors as
//! `{"error","message","info"}` documents. As on Cumulocity, POST and PUT answers carry the object
//! only when the request has an `Accept` header.
//!
//! This layer owns HTTP only: writes go to the model as [`ApiRequest`](crate::platform::request::ApiRequest)s
//! through [`ApiExecutor`], listings come from [`ApiReader`] and are filtered, ordered and paged
//! here. Start it with [`serve`] (or mount [`router`] yourself).
//!
//! Modules: `auth` (basic auth), `error` (error documents), `media` (media types and responses),
//! `request` (the request's base URL and query), `resource` (a model resource on the wire),
//! `links` (absolute `self` links), `paging` (collections), `filters` (query filters and order),
//! and one module per API: `inventory`, `identity`, `data` (measurements, events, alarms),
//! `devicecontrol` (operations, new device requests), `binaries` (inventory and event binaries,
//! with `Range`), `faults` (injected 401s, 5xx, cut and slow downloads). Device tokens
//! (`Authorization: Bearer <jwt>` from `s/uat`) are accepted beside basic auth.

mod auth;
mod binaries;
mod data;
mod devicecontrol;
mod error;
pub mod faults;
mod filters;
mod identity;
mod inventory;
mod links;
mod media;
mod paging;
mod request;
mod resource;
mod rights;
mod smartrest1;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::routing::{MethodRouter, get};

use crate::platform::binaries::BinaryStore;
use crate::platform::request::{ApiError, ApiExecutor, ApiReader, RequestContext};
pub use faults::{FaultRequest, HttpFaults};

pub(crate) use auth::check as check_basic_auth;
pub(crate) use error::RestError;
pub(crate) use rights::is_device_user;

/// Checks a user's password: `(user, password) -> accepted`. The user name comes without the
/// tenant prefix.
pub type CredentialCheck = Arc<dyn Fn(&str, &str) -> bool + Send + Sync>;

/// Registers an external id for an existing managed object
/// (`POST /identity/globalIds/{id}/externalIds`).
///
/// The model's [`ApiExecutor`] only registers external ids when it creates a managed object, so
/// this is an optional extra capability: without it the route answers 405.
pub trait ExternalIdWriter: Send + Sync {
    /// Registers `(id_type, value)` for the managed object `managed_object_id`.
    fn register_external_id(
        &self,
        managed_object_id: &str,
        id_type: &str,
        value: &str,
    ) -> Result<(), ApiError>;
}

/// Everything the control API needs: the model and who may call it.
#[derive(Clone)]
pub struct RestState {
    /// Executes writes and single-object reads on the model.
    pub executor: Arc<dyn ApiExecutor>,
    /// Lists the model's objects.
    pub reader: Arc<dyn ApiReader>,
    /// The tenant id (`t100`): accepted as the `<tenant>/` prefix of basic-auth user names.
    pub tenant: String,
    /// Checks a user's password.
    pub users: CredentialCheck,
    /// Registers external ids for existing managed objects, if the model can.
    pub external_ids: Option<Arc<dyn ExternalIdWriter>>,
    /// SmartREST 1.0 template collections (`POST /s`), if the platform has them.
    pub smartrest1: Option<Arc<dyn SmartRest1Templates>>,
    /// Checks a device token (`Authorization: Bearer <jwt>`) and returns its user, if the
    /// platform issues tokens.
    pub tokens: Option<TokenCheck>,
    /// The stored binaries (`/inventory/binaries`, `/event/events/{id}/binaries`), if the
    /// platform has them.
    pub binaries: Option<Arc<BinaryStore>>,
    /// Faults injected into REST requests.
    pub faults: Arc<HttpFaults>,
    /// Which devices device users (`device_*`) own; without it every user has full rights.
    pub rights: Option<Arc<dyn DeviceRights>>,
}

/// Which managed objects a device user has rights on (docs/protocol.md §1.3).
pub trait DeviceRights: Send + Sync {
    /// Whether device user `user` has rights on managed object `managed_object_id`: it owns it
    /// or the root device above it.
    fn owns(&self, user: &str, managed_object_id: &str) -> bool;
}

/// Checks a device token: the user it was issued to, `None` when it is not valid.
pub type TokenCheck = Arc<dyn Fn(&str) -> Option<String> + Send + Sync>;

/// SmartREST 1.0 template collections, registered over HTTP (`POST /s` with `X-Id`).
pub trait SmartRest1Templates: Send + Sync {
    /// The managed-object id of collection `xid`, if it is registered.
    fn find(&self, tenant: &str, xid: &str) -> Option<String>;

    /// Registers collection `xid` from its `10`/`11` rows; returns its managed-object id, or the
    /// SmartREST 1.0 error text (e.g. "Cannot create templates for already existing template
    /// object").
    fn register(&self, tenant: &str, xid: &str, rows: &[u8]) -> Result<String, String>;
}

/// The state shared by every handler.
pub(crate) struct Shared {
    pub(crate) state: RestState,
    /// Used for `self` links when a request has no `Host` header.
    pub(crate) local_addr: Option<SocketAddr>,
}

/// Shared state as the handlers receive it.
pub(crate) type AppState = Arc<Shared>;

impl Shared {
    /// The request context for HTTP requests: the tenant, no device (sources are explicit),
    /// persistent.
    pub(crate) fn context(&self) -> RequestContext {
        RequestContext {
            tenant: self.state.tenant.clone(),
            device: String::new(),
            persistent: true,
            scope: None,
        }
    }
}

/// The control API as an axum [`Router`], for mounting into another server. `local_addr` is the
/// address used in `self` links when a request carries no `Host` header.
pub fn router(state: RestState, local_addr: Option<SocketAddr>) -> Router {
    let shared: AppState = Arc::new(Shared { state, local_addr });
    let routes = Router::new()
        .route(
            "/inventory/managedObjects",
            with_405(get(inventory::list).post(inventory::create)),
        )
        .route(
            "/inventory/managedObjects/{id}",
            with_405(
                get(inventory::get_one)
                    .put(inventory::update)
                    .delete(inventory::delete),
            ),
        )
        .route(
            "/inventory/managedObjects/{id}/childDevices",
            with_405(get(inventory::child_devices)),
        )
        .route(
            "/identity/externalIds/{type}/{value}",
            with_405(get(identity::get_external_id)),
        )
        .route(
            "/identity/globalIds/{id}/externalIds",
            with_405(get(identity::list_external_ids).post(identity::create_external_id)),
        )
        .route(
            "/measurement/measurements",
            with_405(get(data::list_measurements).post(data::create_measurement)),
        )
        .route(
            "/measurement/measurements/{id}",
            with_405(get(data::get_measurement).delete(data::delete_measurement)),
        )
        .route(
            "/event/events",
            with_405(get(data::list_events).post(data::create_event)),
        )
        .route(
            "/event/events/{id}",
            with_405(
                get(data::get_event)
                    .put(data::update_event)
                    .delete(data::delete_event),
            ),
        )
        .route(
            "/alarm/alarms",
            with_405(get(data::list_alarms).post(data::create_alarm)),
        )
        .route(
            "/alarm/alarms/{id}",
            with_405(get(data::get_alarm).put(data::update_alarm)),
        )
        .route(
            "/devicecontrol/operations",
            with_405(get(devicecontrol::list_operations).post(devicecontrol::create_operation)),
        )
        .route(
            "/devicecontrol/operations/{id}",
            with_405(get(devicecontrol::get_operation).put(devicecontrol::update_operation)),
        )
        .route(
            "/devicecontrol/newDeviceRequests",
            with_405(get(devicecontrol::list_device_requests).post(devicecontrol::create_device_request)),
        )
        .route(
            "/devicecontrol/newDeviceRequests/{id}",
            with_405(get(devicecontrol::get_device_request).put(devicecontrol::update_device_request)),
        )
        .route("/s", with_405(axum::routing::post(smartrest1::post)))
        .route(
            "/inventory/binaries",
            with_405(axum::routing::post(binaries::create_inventory)),
        )
        .route(
            "/inventory/binaries/{id}",
            with_405(
                get(binaries::get_inventory)
                    .put(binaries::replace_inventory)
                    .delete(binaries::delete_inventory),
            ),
        )
        .route(
            "/event/events/{id}/binaries",
            with_405(
                get(binaries::get_event)
                    .post(binaries::attach_event)
                    .delete(binaries::delete_event),
            ),
        )
        .route(
            "/emulator/faults",
            with_405(axum::routing::post(post_faults).delete(clear_faults)),
        )
        .fallback(error::unknown_path);
    routes
        .layer(axum::middleware::from_fn(media::omit_body_without_accept))
        .layer(axum::middleware::from_fn_with_state(
            shared.clone(),
            auth::require_basic_auth,
        ))
        .layer(axum::middleware::from_fn_with_state(
            shared.clone(),
            faults::inject,
        ))
        .layer(axum::extract::DefaultBodyLimit::max(binaries::MAX_UPLOAD))
        .with_state(shared)
}

/// `POST /emulator/faults`: arms REST faults ([`FaultRequest`]); the emulator's own control
/// route, not a Cumulocity resource.
async fn post_faults(
    axum::extract::State(shared): axum::extract::State<AppState>,
    body: axum::body::Bytes,
) -> Result<axum::response::Response, RestError> {
    let request: FaultRequest =
        serde_json::from_slice(&body).map_err(|e| RestError::bad_json(e.to_string()))?;
    shared.state.faults.apply(&request);
    Ok(media::no_content())
}

/// `DELETE /emulator/faults`: clears every armed REST fault.
async fn clear_faults(
    axum::extract::State(shared): axum::extract::State<AppState>,
) -> axum::response::Response {
    shared.state.faults.clear();
    media::no_content()
}

/// Answers methods a path does not support with Cumulocity's 405 error document.
fn with_405(routes: MethodRouter<AppState>) -> MethodRouter<AppState> {
    routes.fallback(error::method_not_allowed)
}

/// Serves the control API on `listener` until `shutdown` completes, then finishes the requests in
/// flight and returns.
///
/// ```no_run
/// # async fn demo(state: c8y_mqtt_emulator::http::rest::RestState) -> std::io::Result<()> {
/// let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
/// let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
/// let server = tokio::spawn(c8y_mqtt_emulator::http::rest::serve(listener, state, async move {
///     let _ = stopped.await;
/// }));
/// // … GET http://127.0.0.1:<port>/inventory/managedObjects as "t100/admin" …
/// let _ = stop.send(());
/// # let _ = server.await;
/// # Ok(()) }
/// ```
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: RestState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let local_addr = listener.local_addr().ok();
    axum::serve(listener, router(state, local_addr))
        .with_graceful_shutdown(shutdown)
        .await
}
