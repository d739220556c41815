//! `make demo`: a full device session with no configuration. Against the embedded Cumulocity
//! emulator by default, or against a real tenant when `C8Y_HOST` (and the other `C8Y_*`
//! variables) are set.
//!
//! With the emulator the device first registers through the bootstrap flow (the demo plays the
//! operator who registers and accepts it). It connects over TLS, creates itself and a child, announces what it supports, sends
//! measurements and an alarm and waits until the platform acknowledged each, then handles a
//! restart operation with the lifecycle helper (EXECUTING, then SUCCESSFUL), and a log request
//! and a firmware update with the SDK's device-management workflows (the SDK uploads the log
//! and downloads the image over HTTP; the demo's handlers only produce the log lines and
//! "install" the image). With the embedded emulator the demo also plays the operator: it
//! uploads a firmware image, creates the three operations and shows what the platform stored.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use c8y_mqtt::client::{
    BlockingClient, BootstrapConfig, Config, Event, NextEvent, TransportKind, TrustRoots, register_blocking,
};
use c8y_mqtt::http::UploadSource;
use c8y_mqtt::templates::upstream::{
    CriticalAlarm, CustomMeasurement, DeviceCreation, SupportedOperations, Temperature,
};
use c8y_mqtt::value::Number;
use c8y_mqtt::workflows::DeviceManagement;
use c8y_mqtt_emulator::model::{DeviceRequestStatus, RecordFilter};
use c8y_mqtt_emulator::platform::binaries::StoredBinary;
use c8y_mqtt_emulator::{BlockingEmulator, Emulator};
use serde_json::json;

type Error = Box<dyn std::error::Error>;

const DEVICE: &str = "demo-0001";
const WAIT: Duration = Duration::from_secs(20);
/// The device's log, as the log handler serves it.
const LOG: &[&str] = &[
    "boot: c8y-mqtt demo starting",
    "net: connected over TLS",
    "sensor: temperature 21.5 C",
    "sensor: humidity 45 %",
];
/// The size of the firmware image the operator uploads.
const IMAGE_SIZE: usize = 64 * 1024;

/// The embedded emulator, and a config for it with credentials the device got by bootstrap
/// registration (TLS, trusting the emulator's generated CA).
fn embedded() -> Result<(BlockingEmulator, Config), Error> {
    let emulator = Emulator::builder()
        .tenant("t12345")
        .bootstrap_password("demo-bootstrap")
        .http_port(Some(0))
        .start_blocking()?;
    let handle = emulator.handle();
    let addr = handle.mqtts_addr().ok_or("no TLS listener")?;
    let ca = handle.ca_pem().ok_or("no CA")?.to_owned();
    let http = format!("http://{}", handle.http_addr().ok_or("no REST listener")?);
    println!("embedded Cumulocity emulator on mqtts://{addr} and {http} (tenant t12345)");
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
        .http_base_url(http)
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

    // Device management: the SDK runs each workflow (EXECUTING, the HTTP transfer, SUCCESSFUL or
    // FAILED); the handlers do the device's part.
    let installed = Arc::new(AtomicU64::new(0));
    let management = device_management(&client, Arc::clone(&installed))?;
    let mut supported = vec!["c8y_Restart"];
    supported.extend(management.supported_operations());
    client.publish(SupportedOperations::new(supported)?)?;
    management.declare()?; // 118,demo: the log types
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

    let expected = if let Some(emulator) = &emulator {
        operator_creates_operations(emulator)?
    } else {
        println!("\nwaiting 30 s for operations (create one in the Device management UI)");
        0
    };

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
                if management.supports(&op) {
                    // The whole workflow, to its final status.
                    match client.run(management.handle(&op)).flatten() {
                        Some(Ok(())) => println!("-> EXECUTING ... SUCCESSFUL (workflow)"),
                        Some(Err(e)) => println!("-> EXECUTING ... FAILED: {e}"),
                        None => println!("-> not handled"),
                    }
                } else {
                    // The lifecycle helper picks 504/506 when the id is known, else 501/503, on
                    // the target device's topic.
                    op.executing()?.wait(WAIT);
                    println!("-> EXECUTING");
                    op.succeed(Vec::<String>::new())?.wait(WAIT);
                    println!("-> SUCCESSFUL");
                }
                handled += 1;
                if emulator.is_some() && handled == expected {
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
            let fragment = ["c8y_Restart", "c8y_LogfileRequest", "c8y_Firmware"]
                .into_iter()
                .find(|f| op.get(f).is_some())
                .unwrap_or("?");
            println!(
                "  operation {} {fragment}: {}",
                op["id"].as_str().unwrap_or_default(),
                op["status"].as_str().unwrap_or_default()
            );
        }
        // The log the workflow uploaded: the operation names the event binary's URL.
        let log_url = operations
            .iter()
            .find_map(|op| op["c8y_LogfileRequest"]["file"].as_str())
            .unwrap_or_default();
        let log = log_url
            .rsplit('/')
            .nth(1)
            .and_then(|event| platform.cumulocity()?.binaries().event(event))
            .map(|binary| String::from_utf8_lossy(&binary.data).into_owned())
            .unwrap_or_default();
        println!("  log file {log_url}:");
        for line in log.lines() {
            println!("    {line}");
        }
        let firmware = &device["c8y_Firmware"];
        println!("  device c8y_Firmware: {firmware}");
        println!(
            "  the device installed {} bytes",
            installed.load(Ordering::SeqCst)
        );
        let complete = handled == expected
            && operations.len() == expected
            && operations.iter().all(|op| op["status"] == "SUCCESSFUL")
            && measurements == 4
            && log.lines().count() == 2 // the request asks for the lines with "sensor"
            && firmware["name"] == "demo-firmware"
            && firmware["version"] == "1.1.0"
            && installed.load(Ordering::SeqCst) == IMAGE_SIZE as u64;
        if !complete {
            return Err("the demo session did not complete".into());
        }
        emulator.shutdown();
        println!("\ndemo complete");
    }
    Ok(())
}

/// The device's part of the log and firmware workflows.
fn device_management(client: &BlockingClient, installed: Arc<AtomicU64>) -> Result<DeviceManagement, Error> {
    Ok(DeviceManagement::builder(client.as_async())?
        .logs(["demo"], |request| async move {
            // Lines with the search text, at most the requested number.
            let lines: Vec<&str> = LOG
                .iter()
                .copied()
                .filter(|line| line.contains(request.search_text.as_str()))
                .take(request.maximum_lines.unwrap_or(1000) as usize)
                .collect();
            println!("   log handler: {} line(s) of {}", lines.len(), request.log_type);
            Ok(UploadSource::Bytes(format!("{}\n", lines.join("\n")).into()))
        })
        .firmware(move |install| {
            let installed = Arc::clone(&installed);
            async move {
                // The SDK downloaded the image; a real device would flash it here.
                let path = install.path.ok_or("the image is not provided by the platform")?;
                let size = std::fs::metadata(&path).map_err(|e| e.to_string())?.len();
                if size == 0 {
                    return Err("empty firmware image".to_owned());
                }
                println!(
                    "   firmware handler: installing {} {} ({size} bytes)",
                    install.name, install.version
                );
                installed.store(size, Ordering::SeqCst);
                Ok(())
            }
        })
        .build())
}

/// The operator's side with the embedded emulator: uploads a firmware image (an inventory
/// binary) and creates a restart, a log request and a firmware update; returns how many.
fn operator_creates_operations(emulator: &BlockingEmulator) -> Result<usize, Error> {
    let handle = emulator.handle();
    let image: Vec<u8> = (0..IMAGE_SIZE).map(|i| (i % 251) as u8).collect();
    handle
        .cumulocity()
        .ok_or("no platform model")?
        .binaries()
        .put_inventory(
            "demo-image",
            StoredBinary {
                name: "demo-firmware-1.1.0.bin".to_owned(),
                content_type: "application/octet-stream".to_owned(),
                data: image.into(),
            },
        );
    let url = format!(
        "http://{}/inventory/binaries/demo-image",
        handle.http_addr().ok_or("no REST listener")?
    );
    println!("\noperator: uploaded a firmware image of {IMAGE_SIZE} bytes: {url}");
    let operations = [
        json!({"c8y_Restart": {}, "description": "Restart from the demo"}),
        json!({"c8y_LogfileRequest": {"logFile": "demo", "searchText": "sensor",
            "dateFrom": "2026-01-01T00:00:00+0000", "dateTo": "2036-01-01T00:00:00+0000",
            "maximumLines": 100}, "description": "Log request from the demo"}),
        json!({"c8y_Firmware": {"name": "demo-firmware", "version": "1.1.0", "url": url},
            "description": "Firmware update from the demo"}),
    ];
    for fragments in &operations {
        let op = handle.create_operation(DEVICE, fragments.clone())?;
        println!(
            "operator: created operation {} ({})",
            op["id"].as_str().unwrap_or("?"),
            op["description"].as_str().unwrap_or_default()
        );
    }
    Ok(operations.len())
}
