//! `make demo`: a full device session with no configuration. Against the embedded Cumulocity
//! emulator by default, or against a real tenant when `C8Y_HOST` (and the other `C8Y_*`
//! variables) are set.
//!
//! With the emulator the device first registers through the bootstrap flow (the demo plays the
//! operator who registers and accepts it). It connects over TLS, creates itself and a child, announces what it supports, sends
//! measurements and an alarm and waits until the platform acknowledged each, then handles a
//! restart operation with the lifecycle helper (EXECUTING, then SUCCESSFUL). With the embedded emulator the demo also
//! plays the operator: it creates the operation and shows what the platform stored.

use std::time::{Duration, Instant};

use c8y_mqtt::client::{
    BlockingClient, BootstrapConfig, Config, Event, NextEvent, TransportKind, TrustRoots, register_blocking,
};
use c8y_mqtt::templates::upstream::{
    CriticalAlarm, CustomMeasurement, DeviceCreation, SupportedOperations, Temperature,
};
use c8y_mqtt::value::Number;
use c8y_mqtt_emulator::model::{DeviceRequestStatus, RecordFilter};
use c8y_mqtt_emulator::{BlockingEmulator, Emulator};
use serde_json::json;

type Error = Box<dyn std::error::Error>;

const DEVICE: &str = "demo-0001";
const WAIT: Duration = Duration::from_secs(20);

/// The embedded emulator, and a config for it with credentials the device got by bootstrap
/// registration (TLS, trusting the emulator's generated CA).
fn embedded() -> Result<(BlockingEmulator, Config), Error> {
    let emulator = Emulator::builder()
        .tenant("t12345")
        .bootstrap_password("demo-bootstrap")
        .start_blocking()?;
    let handle = emulator.handle();
    let addr = handle.mqtts_addr().ok_or("no TLS listener")?;
    let ca = handle.ca_pem().ok_or("no CA")?.to_owned();
    println!("embedded Cumulocity emulator on mqtts://{addr} (tenant t12345)");
    println!("(set C8Y_HOST, C8Y_TENANT, C8Y_USER, C8Y_PASSWORD, C8Y_DEVICE_ID for a real tenant)\n");

    // Registration: the operator registers the id, the device polls s/ucr with the bootstrap
    // user, the operator accepts, the device receives 70,<tenant>,<user>,<password>.
    handle.register_device(DEVICE).ok_or("no platform model")?;
    println!("operator: registered device {DEVICE}");
    let file = std::env::temp_dir().join(format!("c8y-demo-{}-credentials", std::process::id()));
    let _ = std::fs::remove_file(&file);
    let mut bootstrap = BootstrapConfig::new("localhost", DEVICE, "demo-bootstrap", &file);
    bootstrap.port = Some(addr.port());
    bootstrap.trust = TrustRoots::CaPem(ca.clone());
    bootstrap.poll_interval = Duration::from_millis(200);
    bootstrap.timeout = WAIT;
    let device = std::thread::spawn(move || register_blocking(bootstrap));
    emulator.block_on(handle.wait_for_device_request(
        DEVICE,
        DeviceRequestStatus::PendingAcceptance,
        WAIT,
    ))?;
    println!("-> s/ucr (device polls with management/devicebootstrap)");
    handle.accept_device_request(DEVICE)?;
    println!("operator: accepted the request");
    let credentials = device.join().map_err(|_| "registration thread panicked")??;
    println!(
        "<- s/dcr 70,{},{},*** (kept in {} with mode 0600)\n",
        credentials.tenant,
        credentials.user,
        file.display()
    );
    let _ = std::fs::remove_file(&file);

    let config = Config::builder("localhost", DEVICE)
        .port(addr.port())
        .transport(TransportKind::Tls)
        .credentials_from(&credentials)
        .trust(TrustRoots::CaPem(ca))
        .create_device(
            DeviceCreation::new()
                .with_name("c8y-mqtt demo")
                .with_device_type("c8y_Demo"),
        )
        .build()?;
    Ok((emulator, config))
}

fn main() -> Result<(), Error> {
    let (emulator, config) = if std::env::var_os("C8Y_HOST").is_some() {
        let config = Config::from_env()?
            .create_device(
                DeviceCreation::new()
                    .with_name("c8y-mqtt demo")
                    .with_device_type("c8y_Demo"),
            )
            .build()?;
        (None, config)
    } else {
        let (emulator, config) = embedded()?;
        (Some(emulator), config)
    };
    println!(
        "connecting to {}:{} as {}",
        config.host(),
        config.port(),
        config.client_id()
    );
    let client = BlockingClient::connect(config)?;
    client.wait_connected(WAIT)?;
    println!("connected; subscribed to s/ds and s/e, sent 500\n");

    client.publish(SupportedOperations::new(["c8y_Restart"])?)?;
    let (child, _) = client
        .device()
        .create_child("demo-0001:sensor", "Demo sensor", "c8y_Sensor")?;
    let mut deliveries = Vec::new();
    for value in [21.5, 21.7, 21.6] {
        deliveries.push(client.publish(Temperature::new(Number::try_from(value)?))?);
    }
    deliveries.push(child.publish(CustomMeasurement::new("c8y_Humidity", "h", 45)?.with_unit("%"))?);
    deliveries.push(client.publish(
        CriticalAlarm::new("c8y_DemoAlarm")?.with_text("Raised by the demo, with \"quotes\", commas"),
    )?);
    for delivery in &deliveries {
        let outcome = delivery.wait(WAIT).ok_or("delivery not confirmed in time")?;
        println!("-> delivery {}: {outcome:?}", delivery.id().0);
    }

    if let Some(emulator) = &emulator {
        let op = emulator.handle().create_operation(
            DEVICE,
            json!({"c8y_Restart": {}, "description": "Restart from the demo"}),
        )?;
        println!(
            "\noperator: created operation {} (c8y_Restart)",
            op["id"].as_str().unwrap_or("?")
        );
    } else {
        println!("\nwaiting 30 s for operations (create one in the Device management UI)");
    }

    let until = Instant::now()
        + if emulator.is_some() {
            WAIT
        } else {
            Duration::from_secs(30)
        };
    let mut handled = 0;
    while let Some(left) = until.checked_duration_since(Instant::now()) {
        match client.next_event(left) {
            NextEvent::Event(Event::Operation(op)) => {
                println!("<- operation {} for {}", op.fragment, op.device);
                // The lifecycle helper picks 504/506 when the id is known, else 501/503, on the
                // target device's topic.
                op.executing()?.wait(WAIT);
                println!("-> EXECUTING");
                op.succeed(Vec::<String>::new())?.wait(WAIT);
                println!("-> SUCCESSFUL");
                handled += 1;
                if emulator.is_some() {
                    break;
                }
            }
            NextEvent::Event(Event::SmartRestError(e)) => println!("<- s/e {e:?}"),
            NextEvent::Event(_) => {}
            NextEvent::Timeout | NextEvent::Closed => break,
        }
    }
    client.flush(WAIT)?;
    client.close();

    if let Some(emulator) = emulator {
        let platform = emulator.handle();
        let device = platform
            .managed_object_by_external_id(DEVICE)
            .ok_or("device not created")?;
        let measurements = platform.measurements(&RecordFilter::all()).len();
        let alarms = platform.alarms(&RecordFilter::all().source(DEVICE));
        let operations = platform.operations(&RecordFilter::all().source(DEVICE));
        println!("\nplatform state:");
        println!(
            "  device \"{}\" (id {}), child devices: {}",
            device["name"].as_str().unwrap_or_default(),
            device["id"].as_str().unwrap_or_default(),
            platform.child_devices(DEVICE).len()
        );
        println!("  measurements: {measurements}, alarms: {}", alarms.len());
        for op in &operations {
            println!(
                "  operation {} {}",
                op["id"].as_str().unwrap_or_default(),
                op["status"].as_str().unwrap_or_default()
            );
        }
        if handled != 1 || operations.iter().any(|op| op["status"] != "SUCCESSFUL") || measurements != 4 {
            return Err("the demo session did not complete".into());
        }
        emulator.shutdown();
        println!("\ndemo complete");
    }
    Ok(())
}
