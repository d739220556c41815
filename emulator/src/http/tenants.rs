//! Tenant and user administration in the shapes of Cumulocity's tenant and user APIs:
//! `GET/POST /tenant/tenants` and `GET/POST /user/{tenant}/users` (docs/protocol.md §1.3).
//!
//! Decisions:
//! * the default (first) tenant plays the management tenant: its administrators (users not named
//!   `device_*`) list and create tenants and manage every tenant's users; a tenant's own
//!   administrators manage that tenant's users; everyone else gets 401 or 403;
//! * `POST /tenant/tenants` takes `{"id": "t2"}` (or a `domain` whose first label becomes the
//!   id) and answers 201 with the tenant; an existing id is 409;
//! * `POST /user/{tenant}/users` takes `{"userName", "password"}` and answers 201 with the user
//!   (never its password); users are listed without passwords.

use axum::body::to_bytes;
use axum::extract::Request;
use axum::http::{Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::control::{Dispatch, login_tenant};
use super::rest::RestError;

/// The largest body read.
const MAX_BODY: usize = 64 * 1024;

/// Serves `/tenant/...` and `/user/...`.
pub(crate) async fn handle(dispatch: &Dispatch, request: Request) -> Response {
    match serve(dispatch, request).await {
        Ok(response) => response,
        Err(error) => error.into_response(),
    }
}

async fn serve(dispatch: &Dispatch, request: Request) -> Result<Response, RestError> {
    let caller_tenant = login_tenant(&request).unwrap_or_else(|| dispatch.default_tenant());
    let caller = authenticate(dispatch, &caller_tenant, &request)?;
    let base = request
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .map_or_else(|| "http://localhost".to_owned(), |h| format!("http://{h}"));
    let method = request.method().clone();
    let path = request.uri().path().trim_matches('/').to_owned();
    let body = to_bytes(request.into_body(), MAX_BODY)
        .await
        .map_err(|e| RestError::invalid("request", e.to_string()))?;
    let segments: Vec<&str> = path.split('/').collect();
    let management = caller_tenant == dispatch.default_tenant();
    match (segments.as_slice(), method) {
        (["tenant", "tenants"], Method::GET) if management => {
            let tenants: Vec<Value> = dispatch
                .platform
                .tenants()
                .iter()
                .map(|t| tenant_document(&base, t))
                .collect();
            Ok(collection(&base, "tenant/tenants", "tenants", tenants))
        }
        (["tenant", "tenants"], Method::POST) if management => {
            let body = json_body(&body)?;
            let id = body["id"]
                .as_str()
                .map(str::to_owned)
                .or_else(|| {
                    body["domain"]
                        .as_str()
                        .and_then(|d| d.split('.').next())
                        .map(str::to_owned)
                })
                .filter(|id| valid_name(id))
                .ok_or_else(|| {
                    RestError::invalid("tenant", "A tenant needs an id (letters, digits, - and _)")
                })?;
            let added = crate::lock(&dispatch.credentials).add_tenant(&id);
            dispatch.platform.add_tenant(&id);
            if !added {
                return Err(RestError::new(
                    StatusCode::CONFLICT,
                    "tenant/Conflict",
                    format!("Tenant {id} exists already"),
                ));
            }
            Ok(created(tenant_document(&base, &id)))
        }
        (["user", tenant, "users"], method) if management || *tenant == caller_tenant => {
            let tenant = (*tenant).to_owned();
            let Some(users) = crate::lock(&dispatch.credentials).users_of(&tenant) else {
                return Err(RestError::not_found("user", format!("Tenant {tenant} not found")));
            };
            match method {
                Method::GET => {
                    let list = users
                        .iter()
                        .map(|u| user_document(&base, &tenant, &u.name))
                        .collect();
                    Ok(collection(&base, &format!("user/{tenant}/users"), "users", list))
                }
                Method::POST => {
                    let body = json_body(&body)?;
                    let (Some(name), Some(password)) = (body["userName"].as_str(), body["password"].as_str())
                    else {
                        return Err(RestError::invalid("user", "A user needs userName and password"));
                    };
                    if !valid_name(name) || password.is_empty() {
                        return Err(RestError::invalid("user", "Invalid userName or empty password"));
                    }
                    crate::lock(&dispatch.credentials).set_tenant_user(&tenant, name, password);
                    Ok(created(user_document(&base, &tenant, name)))
                }
                _ => Err(method_not_allowed()),
            }
        }
        (["tenant", "tenants"] | ["user", _, "users"], Method::GET | Method::POST) => {
            Err(RestError::forbidden(format!("Access is denied for {caller}")))
        }
        (["tenant", "tenants"] | ["user", _, "users"], _) => Err(method_not_allowed()),
        _ => Err(RestError::not_found("tenant", format!("Unknown path /{path}"))),
    }
}

/// Checks the login; only administrators (users not named `device_*`) pass.
fn authenticate(dispatch: &Dispatch, tenant: &str, request: &Request) -> Result<String, RestError> {
    let credentials = std::sync::Arc::clone(&dispatch.credentials);
    let check_tenant = tenant.to_owned();
    let users = move |user: &str, password: &str| {
        let username = [check_tenant.as_str(), user].join("/");
        crate::lock(&credentials)
            .authenticate(Some(&username), password)
            .is_ok()
    };
    let authorization = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    let user = super::rest::check_basic_auth(authorization, tenant, &users)
        .map_err(|_| RestError::unauthorized("Invalid credentials! : Bad credentials"))?;
    if super::rest::is_device_user(&user) {
        return Err(RestError::forbidden("Access is denied"));
    }
    Ok(user)
}

/// Tenant ids and user names: letters, digits, `-`, `_`, `.`, `@`.
fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '@'))
}

fn json_body(body: &[u8]) -> Result<Value, RestError> {
    serde_json::from_slice(body).map_err(|e| RestError::invalid("request", format!("Invalid JSON: {e}")))
}

fn tenant_document(base: &str, id: &str) -> Value {
    json!({
        "id": id,
        "self": format!("{base}/tenant/tenants/{id}"),
        "domain": format!("{id}.emulator.local"),
        "status": "ACTIVE",
    })
}

fn user_document(base: &str, tenant: &str, name: &str) -> Value {
    json!({
        "id": name,
        "userName": name,
        "self": format!("{base}/user/{tenant}/users/{name}"),
        "enabled": true,
    })
}

fn collection(base: &str, path: &str, key: &str, items: Vec<Value>) -> Response {
    let count = items.len();
    let body = json!({
        "self": format!("{base}/{path}"),
        key: items,
        "statistics": {"currentPage": 1, "pageSize": count.max(5), "totalPages": 1},
    });
    json_response(StatusCode::OK, &body)
}

fn created(document: Value) -> Response {
    json_response(StatusCode::CREATED, &document)
}

fn json_response(status: StatusCode, body: &Value) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

fn method_not_allowed() -> RestError {
    RestError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "tenant/Method Not Allowed",
        "Method not allowed",
    )
}
