//! The emulator's HTTP control API: one Cumulocity-shaped REST API per tenant ([`TenantView`]
//! gives each its own model), chosen by the login's tenant prefix, plus the tenant and user
//! administration (`crate::http::tenants`), served beside the MQTT listeners (the REST routes
//! themselves live in [`crate::http::rest`]).

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::Value;
use tower::ServiceExt;

use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::http::remote_access::{self, RemoteAccessTunnels};
use crate::platform::certificates::TrustedCertificates;
use crate::platform::cumulocity::CumulocityPlatform;
use crate::platform::request::{ApiError, ApiReader, DeviceRequest as ApiDeviceRequest, Document, Resource};
use crate::platform::store::{AcceptError, DeviceRequest, parse_id};
use crate::platform::users::Credentials;

/// External id type of SmartREST 1.0 collections (docs/protocol.md §7.4).
const SMARTREST1_IDENTIFIER: &str = "c8y_SmartRestDeviceIdentifier";
use crate::http::rest::{DeviceRights, ExternalIdWriter, HttpFaults, RestState, SmartRest1Templates, router};
use crate::platform::request::{ApiExecutor, ApiRequest, RequestContext};

fn api_request(request: DeviceRequest) -> ApiDeviceRequest {
    ApiDeviceRequest {
        id: request.id,
        status: request.status.as_str().to_owned(),
    }
}

/// One tenant of the platform, as its REST API sees it: every read and write goes to that
/// tenant's model only.
#[derive(Debug, Clone)]
pub(crate) struct TenantView {
    platform: Arc<CumulocityPlatform>,
    tenant: String,
}

impl TenantView {
    fn unknown(&self) -> ApiError {
        ApiError::NotFound(format!("Tenant {} not found", self.tenant))
    }
}

impl ApiExecutor for TenantView {
    fn execute(&self, context: &RequestContext, request: ApiRequest) -> Result<Value, ApiError> {
        let context = RequestContext {
            tenant: self.tenant.clone(),
            ..context.clone()
        };
        self.platform.execute(&context, request)
    }
}

impl ApiReader for TenantView {
    fn all(&self, resource: Resource) -> Vec<Document> {
        self.platform
            .read_tenant(&self.tenant, |m| match resource {
                Resource::ManagedObject => m.managed_objects(),
                other => m.records(other).to_vec(),
            })
            .unwrap_or_default()
    }

    fn resolve_external_id(&self, id_type: &str, value: &str) -> Option<String> {
        self.platform
            .read_tenant(&self.tenant, |m| m.find_external(id_type, value))
            .flatten()
            .map(|id| id.to_string())
    }

    fn external_ids(&self, managed_object_id: &str) -> Vec<(String, String)> {
        parse_id(managed_object_id)
            .and_then(|id| self.platform.read_tenant(&self.tenant, |m| m.external_ids_of(id)))
            .unwrap_or_default()
    }

    fn device_requests(&self) -> Vec<ApiDeviceRequest> {
        self.platform
            .read_tenant(&self.tenant, |m| m.requests())
            .unwrap_or_default()
            .into_iter()
            .map(api_request)
            .collect()
    }

    fn register_device(&self, id: &str) -> Result<ApiDeviceRequest, ApiError> {
        self.platform
            .with_tenant(&self.tenant, |m| m.register_request(id))
            .map(api_request)
            .ok_or_else(|| self.unknown())
    }

    fn accept_device_request(&self, id: &str) -> Result<ApiDeviceRequest, ApiError> {
        self.platform
            .with_tenant(&self.tenant, |m| m.accept_request(id))
            .ok_or_else(|| self.unknown())?
            .map(api_request)
            .map_err(|e| match e {
                AcceptError::Unknown(_) => ApiError::NotFound(e.to_string()),
                AcceptError::NotPolled(_) => ApiError::Invalid(e.to_string()),
            })
    }
}

impl ExternalIdWriter for TenantView {
    fn register_external_id(
        &self,
        managed_object_id: &str,
        id_type: &str,
        value: &str,
    ) -> Result<(), ApiError> {
        let id = parse_id(managed_object_id)
            .ok_or_else(|| ApiError::NotFound(format!("Managed object {managed_object_id} not found")))?;
        self.platform
            .with_tenant(&self.tenant, |m| {
                if m.managed_object(id).is_none() {
                    return Err(ApiError::NotFound(format!(
                        "Managed object {managed_object_id} not found"
                    )));
                }
                if m.find_external(id_type, value).is_some() {
                    return Err(ApiError::Invalid(format!(
                        "External id {id_type}/{value} exists already"
                    )));
                }
                m.register_external_id(id, id_type, value);
                Ok(())
            })
            .ok_or_else(|| self.unknown())?
    }
}

impl DeviceRights for TenantView {
    fn owns(&self, user: &str, managed_object_id: &str) -> bool {
        parse_id(managed_object_id).is_some_and(|id| {
            self.platform
                .read_tenant(&self.tenant, |m| {
                    m.managed_object(id).is_some() && m.owns(user, id)
                })
                .unwrap_or(false)
        })
    }
}

impl SmartRest1Templates for TenantView {
    fn find(&self, tenant: &str, xid: &str) -> Option<String> {
        self.platform.engines().sr1.collection(tenant, xid)?;
        self.resolve_external_id(SMARTREST1_IDENTIFIER, xid)
    }

    fn register(&self, tenant: &str, xid: &str, rows: &[u8]) -> Result<String, String> {
        self.platform
            .engines()
            .sr1
            .register(tenant, xid, rows)
            .map_err(|e| e.to_string())?;
        // Stored in the inventory like SmartREST 2.0 collections, so it has an id.
        let mut body = Document::new();
        body.insert("name".into(), xid.into());
        body.insert("type".into(), "c8y_SmartRestTemplate".into());
        let request = ApiRequest::Create {
            resource: Resource::ManagedObject,
            body,
            external_id: Some((SMARTREST1_IDENTIFIER.to_owned(), xid.to_owned())),
        };
        let context = RequestContext {
            tenant: tenant.to_owned(),
            device: String::new(),
            persistent: true,
            scope: None,
        };
        let created = self.execute(&context, request).map_err(|e| e.to_string())?;
        Ok(created["id"].as_str().unwrap_or_default().to_owned())
    }
}

/// Routes each request to the REST API of the login's tenant (`<tenant>/<user>`; a login
/// without prefix is the default tenant's), and serves the tenant and user administration.
pub(crate) struct Dispatch {
    pub(crate) platform: Arc<CumulocityPlatform>,
    pub(crate) credentials: Arc<std::sync::Mutex<Credentials>>,
    pub(crate) trust: Arc<TrustedCertificates>,
    local_addr: Option<SocketAddr>,
    routers: parking_lot::Mutex<HashMap<String, Router>>,
    /// Faults injected into every tenant's REST API.
    faults: Arc<HttpFaults>,
    /// The remote-access tunnels waiting for their device.
    pub(crate) remote_access: Arc<RemoteAccessTunnels>,
}

impl Dispatch {
    /// The REST router of `tenant` (built once), or `None` for an unknown tenant.
    fn router(&self, tenant: &str) -> Option<Router> {
        if !self.platform.tenants().iter().any(|t| t == tenant) {
            return None;
        }
        let mut routers = self.routers.lock();
        let router = routers.entry(tenant.to_owned()).or_insert_with(|| {
            let view = Arc::new(TenantView {
                platform: Arc::clone(&self.platform),
                tenant: tenant.to_owned(),
            });
            let credentials = Arc::clone(&self.credentials);
            let check_tenant = tenant.to_owned();
            let state = RestState {
                executor: Arc::clone(&view) as _,
                reader: Arc::clone(&view) as _,
                tenant: tenant.to_owned(),
                users: Arc::new(move |user: &str, password: &str| {
                    let username = [check_tenant.as_str(), user].join("/");
                    crate::lock(&credentials)
                        .authenticate(Some(&username), password)
                        .is_ok()
                }),
                external_ids: Some(Arc::clone(&view) as _),
                smartrest1: Some(Arc::clone(&view) as _),
                rights: Some(view as _),
                tokens: Some({
                    let platform = Arc::clone(&self.platform);
                    let tenant = tenant.to_owned();
                    Arc::new(move |token: &str| platform.tokens().verify(&tenant, token))
                }),
                binaries: Some(self.platform.binaries_handle()),
                faults: Arc::clone(&self.faults),
            };
            router(state, self.local_addr)
        });
        Some(router.clone())
    }

    /// The default tenant's id.
    pub(crate) fn default_tenant(&self) -> String {
        self.platform.tenant()
    }
}

/// The tenant a request's basic-auth login names (`None` without a `<tenant>/` prefix or
/// without basic auth).
pub(crate) fn login_tenant(request: &Request) -> Option<String> {
    let value = request.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, encoded) = value.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = String::from_utf8(STANDARD.decode(encoded.trim()).ok()?).ok()?;
    let (login, _) = decoded.split_once(':')?;
    login.split_once('/').map(|(tenant, _)| tenant.to_owned())
}

/// The tenant a request's device token (`Bearer <jwt>`) names, read without verification
/// (the tenant's REST API verifies it).
fn token_tenant(dispatch: &Dispatch, request: &Request) -> Option<String> {
    let value = request.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return None;
    }
    dispatch.platform.tokens().tenant_of(token.trim())
}

async fn dispatch_route(State(dispatch): State<Arc<Dispatch>>, request: Request) -> Response {
    let path = request.uri().path();
    if path.starts_with("/tenant/") || path.starts_with("/user/") {
        return super::tenants::handle(&dispatch, request).await;
    }
    if path.starts_with(remote_access::DEVICE_PATH) {
        return remote_access::device_endpoint(&dispatch, request).await;
    }
    if path == remote_access::CONTROL_PATH {
        return remote_access::control(&dispatch, request).await;
    }
    let tenant = login_tenant(&request)
        .or_else(|| token_tenant(&dispatch, &request))
        .unwrap_or_else(|| dispatch.default_tenant());
    // An unknown tenant is answered by the default tenant's API, which refuses the login (401).
    let router = dispatch
        .router(&tenant)
        .or_else(|| dispatch.router(&dispatch.default_tenant()));
    match router {
        Some(router) => match router.oneshot(request).await {
            Ok(response) => response,
            Err(never) => match never {},
        },
        None => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

/// The running HTTP control API.
#[derive(Debug)]
pub(crate) struct ControlApi {
    /// The bound address.
    pub(crate) addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<std::io::Result<()>>,
}

impl ControlApi {
    /// Binds `addr` and serves the control API of `platform`; logins are checked against the
    /// tenant's users in `credentials` (the live store, so device users created later work).
    pub(crate) async fn start(
        addr: SocketAddr,
        platform: Arc<CumulocityPlatform>,
        credentials: Arc<std::sync::Mutex<Credentials>>,
        trust: Arc<TrustedCertificates>,
        faults: Arc<HttpFaults>,
        remote_access: Arc<RemoteAccessTunnels>,
    ) -> std::io::Result<Self> {
        let listener = TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let dispatch = Arc::new(Dispatch {
            platform,
            credentials,
            trust,
            local_addr: Some(addr),
            routers: parking_lot::Mutex::new(HashMap::new()),
            faults,
            remote_access,
        });
        let app = Router::new().fallback(dispatch_route).with_state(dispatch);
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            axum::serve(listener, app)
                .with_graceful_shutdown(async move {
                    let _ = stopped.await;
                })
                .await
        });
        Ok(Self {
            addr,
            stop: Some(stop),
            task,
        })
    }

    /// Stops serving and waits for the server task.
    pub(crate) async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let _ = self.task.await;
    }
}
