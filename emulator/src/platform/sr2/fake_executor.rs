//! A test [`ApiExecutor`]: records every request and answers with canned REST-shaped JSON.

use parking_lot::Mutex;
use serde_json::{Value, json};

use crate::platform::request::{ApiError, ApiExecutor, ApiRequest, RequestContext};

/// Records requests; answers from `answers` in order when given, else echoes the body with an
/// `id` (`"100"`, `"101"`, …), `{"id":<id>}` for GET, `null` for DELETE.
#[derive(Default)]
pub(crate) struct FakeExecutor {
    pub(crate) requests: Mutex<Vec<(RequestContext, ApiRequest)>>,
    pub(crate) answers: Mutex<Vec<Result<Value, ApiError>>>,
}

impl FakeExecutor {
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// Queues one answer for the next request.
    pub(crate) fn answer(&self, answer: Result<Value, ApiError>) -> &Self {
        self.answers.lock().push(answer);
        self
    }

    /// The requests made so far (without contexts).
    pub(crate) fn requests(&self) -> Vec<ApiRequest> {
        self.requests.lock().iter().map(|(_, r)| r.clone()).collect()
    }

    /// The contexts of the requests made so far.
    pub(crate) fn contexts(&self) -> Vec<RequestContext> {
        self.requests.lock().iter().map(|(c, _)| c.clone()).collect()
    }
}

impl ApiExecutor for FakeExecutor {
    fn execute(&self, context: &RequestContext, request: ApiRequest) -> Result<Value, ApiError> {
        let n = {
            let mut requests = self.requests.lock();
            requests.push((context.clone(), request.clone()));
            requests.len()
        };
        let mut answers = self.answers.lock();
        if !answers.is_empty() {
            return answers.remove(0);
        }
        let id = (99 + n).to_string();
        Ok(match request {
            ApiRequest::Create { body, .. } | ApiRequest::Update { body, .. } => {
                let mut body = body;
                body.entry("id").or_insert(Value::String(id));
                Value::Object(body)
            }
            ApiRequest::CreateBulk { bodies, .. } => json!({ "items": bodies }),
            ApiRequest::Delete { .. } => Value::Null,
            ApiRequest::Get { .. } => json!({ "id": id }),
        })
    }
}

/// A persistent context for device `device` of tenant `t100`.
pub(crate) fn context(device: &str) -> RequestContext {
    RequestContext {
        tenant: "t100".into(),
        device: device.into(),
        persistent: true,
        scope: None,
    }
}
