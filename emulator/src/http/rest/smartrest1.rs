//! `POST /s`: SmartREST 1.0 template collections registered over HTTP, as on Cumulocity. The
//! `X-Id` header names the collection; a body of `10`/`11` rows registers it (answered
//! `20,<collection id>`), an empty body asks whether it exists (`20,<collection id>` or
//! `40,"No template for this X-ID."`). Errors come back as SmartREST lines with status 200, as
//! SmartREST clients expect (`41,<text>` for a template creation error).

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use c8y_mqtt::smartrest::RowBuilder;

use super::AppState;
use super::error::RestError;

/// The SmartREST response of one line.
fn line(row: RowBuilder) -> Response {
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "text/plain;charset=UTF-8")],
        row.finish(),
    )
        .into_response()
}

pub(crate) async fn post(State(shared): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let Some(templates) = shared.state.smartrest1.as_ref() else {
        return RestError::not_supported("smartrest", "SmartREST 1.0 is not available").into_response();
    };
    let Some(xid) = headers
        .get("X-Id")
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty())
    else {
        return RestError::bad_request("the X-Id header is missing").into_response();
    };
    let tenant = &shared.state.tenant;
    if body.iter().all(u8::is_ascii_whitespace) {
        return match templates.find(tenant, xid) {
            Some(id) => {
                let mut row = RowBuilder::new("20");
                row.field(&id);
                line(row)
            }
            None => {
                let mut row = RowBuilder::new("40");
                row.field("No template for this X-ID.");
                line(row)
            }
        };
    }
    match templates.register(tenant, xid, &body) {
        Ok(id) => {
            let mut row = RowBuilder::new("20");
            row.field(&id);
            line(row)
        }
        Err(text) => {
            let mut row = RowBuilder::new("41");
            row.field(&text);
            line(row)
        }
    }
}
