//! Fault injection for the REST API, for the device's HTTP client to be tested against what
//! production platforms and networks do: a 401 for credentials that were fine a moment ago, 5xx
//! answers, a download whose connection breaks after some bytes, a slow download. Each fault is
//! armed through [`HttpFaults`] (from the emulator handle or the control route
//! `POST /emulator/faults`) and fires on the next matching request(s).

use std::collections::VecDeque;
use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use parking_lot::Mutex;
use serde::Deserialize;

use super::AppState;
use super::error::RestError;

#[derive(Debug, Default)]
struct State_ {
    /// Answer this many next requests with 401.
    unauthorized: u32,
    /// Answer the next requests with these statuses, one each.
    statuses: VecDeque<u16>,
    /// Break the next binary download's connection after this many bytes of its body.
    cut_after: VecDeque<u64>,
    /// Pause this long between 64 KiB chunks of binary downloads.
    slow: Option<Duration>,
}

/// The armed faults of the REST API (see the module documentation).
#[derive(Debug, Default)]
pub struct HttpFaults {
    state: Mutex<State_>,
}

/// The JSON body of `POST /emulator/faults`; every member optional.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FaultRequest {
    /// Answer this many next requests with 401.
    pub unauthorized: Option<u32>,
    /// Answer the next requests with these statuses.
    pub statuses: Option<Vec<u16>>,
    /// Break the next binary download after this many body bytes.
    pub cut_after: Option<u64>,
    /// Milliseconds to pause between 64 KiB chunks of binary downloads (0 = off).
    pub slow_ms: Option<u64>,
}

impl HttpFaults {
    /// The next `count` requests get 401 (whatever their credentials).
    pub fn unauthorized(&self, count: u32) {
        self.state.lock().unauthorized += count;
    }

    /// The next requests get these statuses, one each (e.g. `[503, 500]`).
    pub fn statuses(&self, statuses: impl IntoIterator<Item = u16>) {
        self.state.lock().statuses.extend(statuses);
    }

    /// The next binary download breaks after `bytes` bytes of its body (the connection closes
    /// short of the announced length).
    pub fn cut_next_download(&self, bytes: u64) {
        self.state.lock().cut_after.push_back(bytes);
    }

    /// Binary downloads pause `pause` between 64 KiB chunks (`None`: full speed).
    pub fn slow_downloads(&self, pause: Option<Duration>) {
        self.state.lock().slow = pause;
    }

    /// Applies a control request.
    pub fn apply(&self, request: &FaultRequest) {
        if let Some(count) = request.unauthorized {
            self.unauthorized(count);
        }
        if let Some(statuses) = &request.statuses {
            self.statuses(statuses.iter().copied());
        }
        if let Some(bytes) = request.cut_after {
            self.cut_next_download(bytes);
        }
        if let Some(ms) = request.slow_ms {
            self.slow_downloads((ms > 0).then(|| Duration::from_millis(ms)));
        }
    }

    /// Clears every armed fault.
    pub fn clear(&self) {
        *self.state.lock() = State_::default();
    }

    /// The status an injected fault answers this request with, if any.
    fn take_status(&self) -> Option<u16> {
        let mut state = self.state.lock();
        if state.unauthorized > 0 {
            state.unauthorized -= 1;
            return Some(401);
        }
        state.statuses.pop_front()
    }

    /// Where the next download breaks, if armed (consumed).
    pub(crate) fn take_cut(&self) -> Option<u64> {
        self.state.lock().cut_after.pop_front()
    }

    /// The pause between download chunks.
    pub(crate) fn pause(&self) -> Option<Duration> {
        self.state.lock().slow
    }
}

/// Middleware: answers with an injected status before anything else.
pub(crate) async fn inject(State(shared): State<AppState>, request: Request, next: Next) -> Response {
    if request.uri().path().starts_with("/emulator/") {
        return next.run(request).await;
    }
    match shared.state.faults.take_status() {
        Some(401) => RestError::unauthorized("Invalid credentials! : injected fault").into_response(),
        Some(status) => StatusCode::from_u16(status)
            .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
            .into_response(),
        None => next.run(request).await,
    }
}
