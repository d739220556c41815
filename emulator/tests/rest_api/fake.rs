//! An in-memory fake of the platform model (both `ApiExecutor` and `ApiReader`) that records
//! every request, and a running REST server on an ephemeral loopback port with an HTTP client.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use c8y_mqtt_emulator::http::rest::{self, ExternalIdWriter, RestState};
use c8y_mqtt_emulator::platform::request::{
    ApiError, ApiExecutor, ApiReader, ApiRequest, DeviceRequest, Document, ObjectRef, RequestContext,
    Resource,
};
use serde_json::{Value, json};

/// Where the fake says its objects live: links from the model are re-based by the REST layer.
pub const MODEL_BASE: &str = "https://model.invalid";

fn path(resource: Resource) -> &'static str {
    match resource {
        Resource::ManagedObject => "/inventory/managedObjects",
        Resource::Measurement => "/measurement/measurements",
        Resource::Event => "/event/events",
        Resource::Alarm => "/alarm/alarms",
        Resource::Operation => "/devicecontrol/operations",
    }
}

#[derive(Default)]
pub struct FakeModel {
    objects: Mutex<HashMap<Resource, Vec<Document>>>,
    pub requests: Mutex<Vec<(RequestContext, ApiRequest)>>,
    pub external_ids: Mutex<Vec<(String, String, String)>>,
    pub device_requests: Mutex<Vec<DeviceRequest>>,
    pub accepted: Mutex<Vec<String>>,
    next_id: Mutex<u64>,
}

pub fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap()
}

pub fn doc(value: Value) -> Document {
    match value {
        Value::Object(map) => map,
        other => panic!("not an object: {other}"),
    }
}

impl FakeModel {
    /// Stores `object` as it is (it must carry its `id`).
    pub fn seed(&self, resource: Resource, object: Value) {
        lock(&self.objects).entry(resource).or_default().push(doc(object));
    }

    pub fn requests(&self) -> Vec<ApiRequest> {
        lock(&self.requests)
            .iter()
            .map(|(_, request)| request.clone())
            .collect()
    }

    fn find(&self, resource: Resource, target: &ObjectRef) -> Result<usize, ApiError> {
        let ObjectRef::Id(id) = target else {
            return Err(ApiError::NotSupported("only ids".into()));
        };
        lock(&self.objects)
            .get(&resource)
            .and_then(|objects| objects.iter().position(|o| o.get("id") == Some(&json!(id))))
            .ok_or_else(|| ApiError::NotFound(format!("No {resource:?} for id '{id}'!")))
    }

    fn create(&self, resource: Resource, mut body: Document) -> Result<Value, ApiError> {
        if body.contains_key("invalid") {
            return Err(ApiError::Invalid("invalid: the model rejects this body".into()));
        }
        if body.contains_key("unsupported") {
            return Err(ApiError::NotSupported("the model does not support this".into()));
        }
        let id = {
            let mut next = lock(&self.next_id);
            *next += 1;
            format!("{}", 100 + *next)
        };
        body.insert("id".into(), json!(id));
        body.insert(
            "self".into(),
            json!(format!("{MODEL_BASE}{}/{id}", path(resource))),
        );
        body.entry("creationTime")
            .or_insert(json!("2024-05-01T12:00:00.000Z"));
        if resource == Resource::Operation {
            body.insert("status".into(), json!("PENDING"));
        }
        lock(&self.objects)
            .entry(resource)
            .or_default()
            .push(body.clone());
        Ok(Value::Object(body))
    }
}

impl ApiExecutor for FakeModel {
    fn execute(&self, context: &RequestContext, request: ApiRequest) -> Result<Value, ApiError> {
        lock(&self.requests).push((context.clone(), request.clone()));
        match request {
            ApiRequest::Create { resource, body, .. } => self.create(resource, body),
            ApiRequest::CreateBulk { resource, bodies } => {
                let created = bodies
                    .into_iter()
                    .map(|body| self.create(resource, body))
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(json!({ "measurements": created }))
            }
            ApiRequest::Update {
                resource,
                target,
                body,
            } => {
                if body.contains_key("invalid") {
                    return Err(ApiError::Invalid("invalid: the model rejects this body".into()));
                }
                let index = self.find(resource, &target)?;
                let mut objects = lock(&self.objects);
                let object = &mut objects.get_mut(&resource).unwrap()[index];
                for (key, value) in body {
                    if value.is_null() {
                        object.remove(&key);
                    } else {
                        object.insert(key, value);
                    }
                }
                Ok(Value::Object(object.clone()))
            }
            ApiRequest::Delete { resource, target } => {
                let index = self.find(resource, &target)?;
                lock(&self.objects).get_mut(&resource).unwrap().remove(index);
                Ok(Value::Null)
            }
            ApiRequest::Get { resource, target } => {
                let index = self.find(resource, &target)?;
                Ok(Value::Object(lock(&self.objects)[&resource][index].clone()))
            }
        }
    }
}

impl ApiReader for FakeModel {
    fn all(&self, resource: Resource) -> Vec<Document> {
        lock(&self.objects).get(&resource).cloned().unwrap_or_default()
    }

    fn resolve_external_id(&self, id_type: &str, value: &str) -> Option<String> {
        lock(&self.external_ids)
            .iter()
            .find(|(t, v, _)| t == id_type && v == value)
            .map(|(_, _, id)| id.clone())
    }

    fn external_ids(&self, managed_object_id: &str) -> Vec<(String, String)> {
        lock(&self.external_ids)
            .iter()
            .filter(|(_, _, id)| id == managed_object_id)
            .map(|(t, v, _)| (t.clone(), v.clone()))
            .collect()
    }

    fn device_requests(&self) -> Vec<DeviceRequest> {
        lock(&self.device_requests).clone()
    }

    fn register_device(&self, id: &str) -> Result<DeviceRequest, ApiError> {
        let mut requests = lock(&self.device_requests);
        if requests.iter().any(|r| r.id == id) {
            return Err(ApiError::Invalid(format!(
                "Device request for {id} already exists"
            )));
        }
        let request = DeviceRequest {
            id: id.to_owned(),
            status: "WAITING_FOR_CONNECTION".into(),
        };
        requests.push(request.clone());
        Ok(request)
    }

    fn accept_device_request(&self, id: &str) -> Result<DeviceRequest, ApiError> {
        lock(&self.accepted).push(id.to_owned());
        let mut requests = lock(&self.device_requests);
        let request = requests
            .iter_mut()
            .find(|r| r.id == id)
            .ok_or_else(|| ApiError::NotFound(format!("no request {id}")))?;
        if request.status != "PENDING_ACCEPTANCE" {
            return Err(ApiError::Invalid(format!(
                "{id} is {}, not PENDING_ACCEPTANCE",
                request.status
            )));
        }
        request.status = "ACCEPTED".into();
        Ok(request.clone())
    }
}

impl ExternalIdWriter for FakeModel {
    fn register_external_id(
        &self,
        managed_object_id: &str,
        id_type: &str,
        value: &str,
    ) -> Result<(), ApiError> {
        let mut ids = lock(&self.external_ids);
        if ids.iter().any(|(t, v, _)| t == id_type && v == value) {
            return Err(ApiError::Invalid(format!("{id_type}/{value} is taken")));
        }
        ids.push((id_type.to_owned(), value.to_owned(), managed_object_id.to_owned()));
        Ok(())
    }
}

/// A running control API over a fake model.
pub struct Server {
    pub model: Arc<FakeModel>,
    pub base: String,
    pub client: reqwest::Client,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
}

pub async fn start() -> Server {
    start_with(true).await
}

/// Starts a server; `with_writer` gives it the optional external-id writer.
pub async fn start_with(with_writer: bool) -> Server {
    let model = Arc::new(FakeModel::default());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let state = RestState {
        executor: model.clone(),
        reader: model.clone(),
        tenant: "t100".into(),
        users: Arc::new(|user, password| user == "admin" && password == "secret"),
        external_ids: if with_writer { Some(model.clone()) } else { None },
        smartrest1: None,
        tokens: None,
        binaries: None,
        faults: Arc::default(),
        rights: None,
    };
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(rest::serve(listener, state, async move {
        let _ = stopped.await;
    }));
    Server {
        model,
        base,
        client: reqwest::Client::new(),
        stop: Some(stop),
        task: Some(task),
    }
}

/// A response's status, `Content-Type`, `Location` and body (JSON, or `Null` when empty).
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub content_type: String,
    pub location: Option<String>,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
}

pub fn media(name: &str) -> String {
    format!("application/vnd.com.nsn.cumulocity.{name}+json;charset=UTF-8;ver=0.9")
}

impl Server {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn send(&self, request: reqwest::RequestBuilder) -> Answer {
        let response = request.send().await.unwrap();
        let headers = response.headers().clone();
        let header = |name| {
            headers
                .get(name)
                .map(|v: &reqwest::header::HeaderValue| v.to_str().unwrap().to_owned())
        };
        let content_type = header(reqwest::header::CONTENT_TYPE).unwrap_or_default();
        let location = header(reqwest::header::LOCATION);
        let status = response.status().as_u16();
        let bytes = response.bytes().await.unwrap();
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes).unwrap()
        };
        Answer {
            status,
            content_type,
            location,
            headers,
            body,
        }
    }

    fn authed(&self, request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        request.basic_auth("t100/admin", Some("secret"))
    }

    pub async fn get(&self, path: &str) -> Answer {
        self.send(self.authed(self.client.get(self.url(path)))).await
    }

    pub async fn delete(&self, path: &str) -> Answer {
        self.send(self.authed(self.client.delete(self.url(path)))).await
    }

    pub async fn post(&self, path: &str, media_name: &str, body: Value) -> Answer {
        let request = self
            .client
            .post(self.url(path))
            .header("Content-Type", media(media_name))
            .body(body.to_string());
        self.send(self.authed(request.header("Accept", media(media_name))))
            .await
    }

    pub async fn put(&self, path: &str, body: Value) -> Answer {
        let request = self
            .client
            .put(self.url(path))
            .header("Content-Type", "application/json")
            .header("Accept", "application/json")
            .body(body.to_string());
        self.send(self.authed(request)).await
    }

    /// Stops the server and waits for `serve` to return.
    pub async fn shutdown(mut self) -> std::io::Result<()> {
        let _ = self.stop.take().unwrap().send(());
        self.task.take().unwrap().await.unwrap()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// The error document Cumulocity sends.
pub fn error_doc(error: &str, message: &str) -> Value {
    json!({
        "error": error,
        "message": message,
        "info": "https://cumulocity.com/guides/reference/rest-implementation/#a-name-error-reporting-a-error-reporting",
    })
}
