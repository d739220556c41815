//! Operations as published on `devicecontrol/notifications` (reference §10): the operation as
//! the REST API returns it, without its `self` link, with
//! `externalSource: {"externalId": <device>, "type": "c8y_Serial"}` added, one compact JSON
//! object per line (several operations in one publish are newline-delimited).

use serde_json::{Value, json};

/// The topic operations are published on.
pub const OPERATIONS_TOPIC: &str = "devicecontrol/notifications";

/// The notification for `operation` (as the model returns it: `id`, `deviceId`, `status`,
/// `creationTime`, `delivery`, `description`, fragments…) addressed to the device with external id
/// `device_external_id`. An `externalSource` the operation has already is kept. Compact JSON on
/// one line.
pub fn operation_notification(operation: &Value, device_external_id: &str) -> String {
    let mut operation = operation.clone();
    if let Value::Object(map) = &mut operation {
        map.remove("self");
        map.entry("externalSource")
            .or_insert_with(|| json!({"externalId": device_external_id, "type": "c8y_Serial"}));
    }
    operation.to_string()
}

/// Several operations in one publish: one [`operation_notification`] per line.
pub fn operation_notifications<'a>(operations: impl IntoIterator<Item = (&'a Value, &'a str)>) -> String {
    let lines: Vec<String> = operations
        .into_iter()
        .map(|(operation, device)| operation_notification(operation, device))
        .collect();
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documented_shape() {
        let op = json!({"id":"123","deviceId":"2","agentId":"1","status":"PENDING","creationTime":"2024-01-01T00:00:00.000Z",
            "self":"http://x/devicecontrol/operations/123",
            "delivery":{"log":[],"status":"PENDING","time":"2024-01-01T00:00:00.000Z"},
            "description":"Execute shell command","c8y_Command":{"text":"Do something"}});
        let text = operation_notification(&op, "3");
        assert!(!text.contains('\n'));
        let back: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(
            back,
            json!({"id":"123","deviceId":"2","agentId":"1","status":"PENDING","creationTime":"2024-01-01T00:00:00.000Z",
                "delivery":{"log":[],"status":"PENDING","time":"2024-01-01T00:00:00.000Z"},
                "description":"Execute shell command","c8y_Command":{"text":"Do something"},
                "externalSource":{"externalId":"3","type":"c8y_Serial"}})
        );
    }

    #[test]
    fn existing_external_source_is_kept_and_batches_are_one_per_line() {
        let a = json!({"id":"1","externalSource":{"externalId":"child","type":"c8y_Serial"},"c8y_Command":{"text":"a\nb"}});
        let b = json!({"id":"2"});
        let text = operation_notifications([(&a, "root"), (&b, "root")]);
        let lines: Vec<&str> = text.split('\n').collect();
        assert_eq!(lines.len(), 2);
        let first: Value = serde_json::from_str(lines[0]).unwrap();
        assert_eq!(first["externalSource"]["externalId"], "child");
        assert_eq!(first["c8y_Command"]["text"], "a\nb");
        let second: Value = serde_json::from_str(lines[1]).unwrap();
        assert_eq!(
            second["externalSource"],
            json!({"externalId":"root","type":"c8y_Serial"})
        );
    }
}
