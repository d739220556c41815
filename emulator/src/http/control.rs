//! The emulator's HTTP control API: [`ApiReader`] over the Cumulocity platform model, and
//! starting [`rest::serve`](crate::http::rest::serve) beside the MQTT listeners (the REST routes
//! themselves live in [`crate::http::rest`]).

use std::net::SocketAddr;
use std::sync::Arc;

use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::platform::cumulocity::CumulocityPlatform;
use crate::platform::request::{ApiError, ApiReader, DeviceRequest as ApiDeviceRequest, Document, Resource};
use crate::platform::store::{AcceptError, DeviceRequest, parse_id};
use crate::platform::users::Credentials;

/// External id type of SmartREST 1.0 collections (reference §7.4).
const SMARTREST1_IDENTIFIER: &str = "c8y_SmartRestDeviceIdentifier";
use crate::http::rest::{ExternalIdWriter, HttpFaults, RestState, SmartRest1Templates, serve};
use crate::platform::request::{ApiExecutor, ApiRequest, RequestContext};

fn api_request(request: DeviceRequest) -> ApiDeviceRequest {
    ApiDeviceRequest {
        id: request.id,
        status: request.status.as_str().to_owned(),
    }
}

impl ApiReader for CumulocityPlatform {
    fn all(&self, resource: Resource) -> Vec<Document> {
        self.read(|m| match resource {
            Resource::ManagedObject => m.managed_objects(),
            other => m.records(other).to_vec(),
        })
    }

    fn resolve_external_id(&self, id_type: &str, value: &str) -> Option<String> {
        self.read(|m| m.find_external(id_type, value))
            .map(|id| id.to_string())
    }

    fn external_ids(&self, managed_object_id: &str) -> Vec<(String, String)> {
        match parse_id(managed_object_id) {
            Some(id) => self.read(|m| m.external_ids_of(id)),
            None => Vec::new(),
        }
    }

    fn device_requests(&self) -> Vec<ApiDeviceRequest> {
        CumulocityPlatform::device_requests(self)
            .into_iter()
            .map(api_request)
            .collect()
    }

    fn register_device(&self, id: &str) -> Result<ApiDeviceRequest, ApiError> {
        Ok(api_request(CumulocityPlatform::register_device(self, id)))
    }

    fn accept_device_request(&self, id: &str) -> Result<ApiDeviceRequest, ApiError> {
        CumulocityPlatform::accept_device_request(self, id)
            .map(api_request)
            .map_err(|e| match e {
                AcceptError::Unknown(_) => ApiError::NotFound(e.to_string()),
                AcceptError::NotPolled(_) => ApiError::Invalid(e.to_string()),
            })
    }
}

impl ExternalIdWriter for CumulocityPlatform {
    fn register_external_id(
        &self,
        managed_object_id: &str,
        id_type: &str,
        value: &str,
    ) -> Result<(), ApiError> {
        let id = parse_id(managed_object_id)
            .ok_or_else(|| ApiError::NotFound(format!("Managed object {managed_object_id} not found")))?;
        self.with_model(|m| {
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
    }
}

impl SmartRest1Templates for CumulocityPlatform {
    fn find(&self, tenant: &str, xid: &str) -> Option<String> {
        self.engines().sr1.collection(tenant, xid)?;
        self.resolve_external_id(SMARTREST1_IDENTIFIER, xid)
    }

    fn register(&self, tenant: &str, xid: &str, rows: &[u8]) -> Result<String, String> {
        self.engines()
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
        };
        let created = self.execute(&context, request).map_err(|e| e.to_string())?;
        Ok(created["id"].as_str().unwrap_or_default().to_owned())
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
        faults: Arc<HttpFaults>,
    ) -> std::io::Result<Self> {
        let listener = TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let tenant = platform.tenant();
        let check_tenant = tenant.clone();
        let state = RestState {
            executor: Arc::clone(&platform) as _,
            reader: Arc::clone(&platform) as _,
            tenant,
            users: Arc::new(move |user: &str, password: &str| {
                let username = [check_tenant.as_str(), user].join("/");
                crate::lock(&credentials)
                    .authenticate(Some(&username), password)
                    .is_ok()
            }),
            external_ids: Some(Arc::clone(&platform) as _),
            tokens: Some({
                let platform = Arc::clone(&platform);
                Arc::new(move |token: &str| platform.tokens().verify(token))
            }),
            binaries: Some(platform.binaries_handle()),
            faults,
            smartrest1: Some(platform as _),
        };
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(serve(listener, state, async move {
            let _ = stopped.await;
        }));
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
