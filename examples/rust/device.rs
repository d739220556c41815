//! A device connected to Cumulocity (or the local emulator) with the blocking client: it creates
//! itself and a child, announces its supported operations, sends a few measurements and an
//! alarm, waits until the platform acknowledged them, then reports the events it receives for a
//! few seconds (operations are moved to EXECUTING and SUCCESSFUL).
//!
//! Configuration comes from the environment (`C8Y_HOST`, `C8Y_DEVICE_ID`, `C8Y_TENANT`,
//! `C8Y_USER`, `C8Y_PASSWORD`, optionally `C8Y_TRANSPORT`, `C8Y_PORT`, `C8Y_CA_FILE`, …):
//!
//! ```text
//! C8Y_HOST=localhost C8Y_PORT=8883 C8Y_CA_FILE=ca.pem C8Y_DEVICE_ID=1234 C8Y_TENANT=t12345 \
//!   C8Y_USER=device_1234 C8Y_PASSWORD=secret cargo run -p c8y-mqtt-examples --example device
//! ```

use std::time::{Duration, Instant};

use c8y_mqtt::client::{BlockingClient, Config, Event, NextEvent};
use c8y_mqtt::templates::upstream::{
    CriticalAlarm, CustomMeasurement, DeviceCreation, SupportedOperations, Temperature,
};

type Error = Box<dyn std::error::Error>;

fn main() -> Result<(), Error> {
    let config = Config::from_env()?.build()?;
    println!(
        "connecting to {}:{} as {}",
        config.host(),
        config.port(),
        config.client_id()
    );
    let client = BlockingClient::connect(config)?;
    client.wait_connected(Duration::from_secs(30))?;
    println!("connected");

    client.publish(
        DeviceCreation::new()
            .with_name("c8y-mqtt example")
            .with_device_type("c8y_Example"),
    )?;
    client.publish(SupportedOperations::new(["c8y_Restart"])?)?;
    let (child, _) = client
        .device()
        .create_child("example-child-1", "Example child", "c8y_Sensor")?;

    let mut deliveries = Vec::new();
    for value in [20, 21, 22] {
        deliveries.push(client.publish(Temperature::new(value))?);
    }
    deliveries.push(child.publish(CustomMeasurement::new("c8y_Humidity", "h", 45)?.with_unit("%"))?);
    deliveries
        .push(client.publish(CriticalAlarm::new("c8y_ExampleAlarm")?.with_text("Raised by the example"))?);

    match client.flush(Duration::from_secs(30)) {
        Ok(()) => println!("{} messages acknowledged", deliveries.len()),
        Err(pending) => println!("not confirmed: {:?}", pending.pending),
    }

    let until = Instant::now() + Duration::from_secs(5);
    while let Some(left) = until.checked_duration_since(Instant::now()) {
        match client.next_event(left) {
            NextEvent::Event(Event::Operation(op)) => {
                println!("operation {} for {}", op.fragment, op.device);
                op.executing()?;
                op.succeed(Vec::<String>::new())?;
            }
            NextEvent::Event(event) => println!("{event:?}"),
            NextEvent::Timeout => break,
            NextEvent::Closed => return Ok(()),
        }
    }
    client.flush(Duration::from_secs(10))?;
    client.close();
    Ok(())
}
