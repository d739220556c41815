//! Static operation templates (docs/protocol.md §5.6, §5.8): `500` (re-deliver every PENDING
//! operation of the root), the status templates 501–507 and the side effects of SUCCESSFUL.
//!
//! Decisions where the reference is open:
//! * 501–503 with no operation in the needed status give `50,<id>,No <STATUS> operation with
//!   fragment <f> for device id <moId>` on `s/e` (the platform's text is not documented);
//! * 504–506 on an operation of another device (or an unknown id) give
//!   `50,<id>,Operation with id <op> for device id <moId> not found`;
//! * status changes by id are accepted from any status (the platform does not enforce the order);
//! * a `c8y_DownloadConfigFile` SUCCESSFUL sets the device's `c8y_ConfigurationDump` to
//!   `{id, time}` (`id` from the operation's `c8y_DownloadConfigFile.c8y_ConfigurationDump.id`);
//!   a SUCCESSFUL `c8y_Relay` sets the device's `c8y_Relay.relayState`.

use c8y_mqtt::templates::downstream::ErrorLine;
use c8y_mqtt::templates::upstream::Upstream;
use serde_json::{Value, json};

use super::{Row, StaticOutcome};
use crate::platform::store::{Model, OperationSelector, now};

/// Applies `template` if it is of this family (`None` otherwise).
pub(super) fn apply(
    model: &mut Model,
    row: &Row,
    template: &Upstream,
    outcome: &mut StaticOutcome,
) -> Option<Result<(), ErrorLine>> {
    let device = row.device;
    match template {
        Upstream::GetPendingOperations(_) => {
            let root = model.root_of(device);
            outcome.deliver.extend(model.pending_operations(root));
        }
        Upstream::SetExecuting(_)
        | Upstream::SetFailed(_)
        | Upstream::SetSuccessful(_)
        | Upstream::SetExecutingById(_)
        | Upstream::SetFailedById(_)
        | Upstream::SetSuccessfulById(_)
        | Upstream::FailAllExecuting(_) => return Some(apply_status_template(model, device, template)),
        _ => return None,
    }
    Some(Ok(()))
}

/// The fragments whose SUCCESSFUL has a side effect (§5.8), in the order 506 looks for them.
const SIDE_EFFECT_FRAGMENTS: [&str; 6] = [
    "c8y_Command",
    "c8y_RelayArray",
    "c8y_Relay",
    "c8y_CommunicationMode",
    "c8y_LogfileRequest",
    "c8y_DownloadConfigFile",
];

/// Applies a status template (501–507) for `device`.
fn apply_status_template(model: &mut Model, device: u64, template: &Upstream) -> Result<(), ErrorLine> {
    let id = template.template_id();
    let by_fragment = |model: &Model, fragment: &str, status: &str| {
        model
            .select_operation(device, &OperationSelector::Oldest { fragment, status })
            .ok_or_else(|| {
                ErrorLine::new(
                    50,
                    id.to_string(),
                    format!("No {status} operation with fragment {fragment} for device id {device}"),
                )
            })
    };
    let by_id = |model: &Model, op: &str| {
        model
            .select_operation(device, &OperationSelector::Id(op))
            .ok_or_else(|| {
                ErrorLine::new(
                    50,
                    id.to_string(),
                    format!("Operation with id {op} for device id {device} not found"),
                )
            })
    };
    match template {
        Upstream::SetExecuting(t) => {
            let index = by_fragment(model, t.fragment(), "PENDING")?;
            model.set_operation_status(index, "EXECUTING", None);
        }
        Upstream::SetFailed(t) => {
            let index = by_fragment(model, t.fragment(), "EXECUTING")?;
            model.set_operation_status(index, "FAILED", t.failure_reason());
        }
        Upstream::SetSuccessful(t) => {
            let index = by_fragment(model, t.fragment(), "EXECUTING")?;
            succeed(model, device, index, Some(t.fragment()), t.parameters());
        }
        Upstream::SetExecutingById(t) => {
            let index = by_id(model, t.operation_id())?;
            model.set_operation_status(index, "EXECUTING", None);
        }
        Upstream::SetFailedById(t) => {
            let index = by_id(model, t.operation_id())?;
            model.set_operation_status(index, "FAILED", t.failure_reason());
        }
        Upstream::SetSuccessfulById(t) => {
            let index = by_id(model, t.operation_id())?;
            succeed(model, device, index, None, t.parameters());
        }
        Upstream::FailAllExecuting(t) => {
            for index in model.executing_operations(device, t.fragment()) {
                model.set_operation_status(index, "FAILED", t.failure_reason());
            }
        }
        _ => {}
    }
    Ok(())
}

/// Sets the operation SUCCESSFUL and applies the side effects of its parameters (§5.8).
fn succeed(model: &mut Model, device: u64, index: usize, fragment: Option<&str>, parameters: &[String]) {
    let Some(op) = model.set_operation_status(index, "SUCCESSFUL", None) else {
        return;
    };
    let fragment = fragment.or_else(|| SIDE_EFFECT_FRAGMENTS.into_iter().find(|f| op.contains_key(*f)));
    let first = parameters.first();
    match fragment {
        Some("c8y_Command") => {
            if let Some(result) = first {
                model.set_operation_field(index, "c8y_Command", "result", json!(result));
            }
        }
        Some("c8y_LogfileRequest") => {
            if let Some(file) = first {
                model.set_operation_field(index, "c8y_LogfileRequest", "file", json!(file));
            }
        }
        Some("c8y_RelayArray") => {
            let states = if parameters.is_empty() {
                op.get("c8y_RelayArray").cloned().unwrap_or(json!([]))
            } else {
                json!(parameters)
            };
            model.set_fragment(device, "c8y_RelayArray", states);
        }
        Some("c8y_Relay") => {
            if let Some(state) = op.get("c8y_Relay").and_then(|r| r.get("relayState")).cloned() {
                model.set_fragment(device, "c8y_Relay", json!({"relayState": state}));
            }
        }
        Some("c8y_CommunicationMode") => {
            if let Some(mode) = op
                .get("c8y_CommunicationMode")
                .and_then(|m| m.get("mode"))
                .cloned()
            {
                model.set_fragment(device, "c8y_CommunicationMode", json!({"mode": mode}));
            }
        }
        Some("c8y_DownloadConfigFile") => {
            let dump_id = op
                .get("c8y_DownloadConfigFile")
                .and_then(|d| d.pointer("/c8y_ConfigurationDump/id"))
                .cloned()
                .unwrap_or(Value::Null);
            let time = first.cloned().unwrap_or_else(now);
            model.set_fragment(
                device,
                "c8y_ConfigurationDump",
                json!({"id": dump_id, "time": time}),
            );
        }
        _ => {}
    }
}
