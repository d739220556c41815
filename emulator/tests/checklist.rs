//! The rest of the emulator checklist (docs/protocol.md §11.8): `532` rendered on `s/ds`.

mod common;
mod platform_support;

use platform_support::{next_on, ready_device, start_with};
use serde_json::json;

#[tokio::test]
async fn a_parameter_update_is_rendered_as_532() {
    let emulator = start_with(&["1"]).await;
    let mut device = ready_device(&emulator, "1").await;
    emulator
        .create_operation(
            "1",
            json!({
                "c8y_ParameterUpdate": {},
                "c8y_ParameterUpdate_AutoUpdater": {},
                "AutoUpdater": {"enabled": true, "interval": "hourly", "retries": 3},
                "Unmarked": {"ignored": 1}
            }),
        )
        .expect("operation created");
    assert_eq!(
        next_on(&mut device, "s/ds").await,
        "532,1,AutoUpdater.enabled,b,true,AutoUpdater.interval,s,hourly,AutoUpdater.retries,n,3"
    );
    // An update naming no parameter is not rendered; the next operation is the next row.
    emulator
        .create_operation("1", json!({"c8y_ParameterUpdate": {}}))
        .expect("operation created");
    emulator
        .create_operation("1", json!({"c8y_Restart": {}}))
        .expect("operation created");
    assert_eq!(next_on(&mut device, "s/ds").await, "510,1");
    emulator.shutdown().await;
}
