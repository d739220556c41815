//! The Rust agent (`examples/rust/agent.rs`) as a device would run it: the example program,
//! configured by `C8Y_*` variables, against the in-process emulator (ephemeral ports). The test
//! plays the operator: it creates a shell command, a restart, a firmware update, a software
//! update, a configuration download and a log request, and checks what the platform stored.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use c8y_mqtt_emulator::Emulator;
use c8y_mqtt_emulator::platform::binaries::StoredBinary;
use serde_json::{Value, json};

const DEVICE: &str = "rust-agent-1";
const WAIT: Duration = Duration::from_secs(60);

/// `target/<profile>/examples/agent`, built by cargo when this run did not build it already.
fn agent_binary() -> PathBuf {
    let exe = std::env::current_exe().expect("test binary path");
    let profile_dir = exe.parent().and_then(|deps| deps.parent()).expect("profile dir");
    let binary = profile_dir.join("examples/agent");
    if !binary.exists() {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
        let mut build = Command::new(cargo);
        build.args(["build", "-q", "-p", "c8y-mqtt-examples", "--example", "agent"]);
        if profile_dir.ends_with("release") {
            build.arg("--release");
        }
        let status = build.status().expect("cargo runs");
        assert!(status.success(), "building the agent example failed");
    }
    binary
}

fn binary(data: &[u8]) -> StoredBinary {
    StoredBinary {
        name: "blob.bin".to_owned(),
        content_type: "application/octet-stream".to_owned(),
        data: data.to_vec().into(),
    }
}

#[test]
fn the_agent_runs_commands_and_every_workflow() {
    let binary_path = agent_binary();
    let emulator = Emulator::builder()
        .tenant("t100")
        .user("device_rust-agent-1", "secret")
        .http_port(Some(0))
        .start_blocking()
        .expect("emulator starts");
    let handle = emulator.handle();
    let base = format!("http://{}", handle.http_addr().expect("http served"));
    let platform = handle.cumulocity().expect("default platform");
    let image: Vec<u8> = (0..50_000u32).map(|i| (i % 199) as u8).collect();
    platform.binaries().put_inventory("fw", binary(&image));
    platform.binaries().put_inventory("pkg", binary(b"package"));
    platform.binaries().put_inventory("cfg", binary(b"interval=5\n"));

    let mut child = Command::new(&binary_path)
        .arg("6")
        .env("C8Y_HOST", "127.0.0.1")
        .env("C8Y_PORT", handle.mqtt_addr().expect("mqtt").port().to_string())
        .env("C8Y_TRANSPORT", "tcp")
        .env("C8Y_DEVICE_ID", DEVICE)
        .env("C8Y_TENANT", "t100")
        .env("C8Y_USER", "device_rust-agent-1")
        .env("C8Y_PASSWORD", "secret")
        .env("C8Y_HTTP_URL", &base)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("agent starts");
    emulator
        .block_on(handle.wait_for_managed_object(
            DEVICE,
            |mo| mo["c8y_SupportedLogs"] == json!(["agent"]),
            WAIT,
        ))
        .expect("the agent declares its log");
    let device = handle.managed_object_by_external_id(DEVICE).expect("device");
    let supported = device["c8y_SupportedOperations"].as_array().expect("114 sent");
    for fragment in [
        "c8y_Restart",
        "c8y_Command",
        "c8y_LogfileRequest",
        "c8y_Firmware",
        "c8y_SoftwareUpdate",
    ] {
        assert!(supported.contains(&json!(fragment)), "{fragment}: {supported:?}");
    }

    let operations = [
        json!({"c8y_Command": {"text": "echo hello from the agent"}}),
        json!({"c8y_Restart": {}}),
        json!({"c8y_Firmware": {"name": "core", "version": "2.0", "url": format!("{base}/inventory/binaries/fw")}}),
        json!({"c8y_SoftwareUpdate": [{"name": "nginx", "version": "1.2",
            "url": format!("{base}/inventory/binaries/pkg"), "action": "install"}]}),
        json!({"c8y_DownloadConfigFile": {"type": "agent.conf", "url": format!("{base}/inventory/binaries/cfg")}}),
        json!({"c8y_LogfileRequest": {"logFile": "agent", "dateFrom": "2021-09-21T11:40:27+0200",
            "dateTo": "2036-09-22T11:40:27+0200", "searchText": "", "maximumLines": 100}}),
    ];
    let ids: Vec<String> = operations
        .into_iter()
        .map(|fragments| {
            let op = handle.create_operation(DEVICE, fragments).expect("operation");
            op["id"].as_str().expect("id").to_owned()
        })
        .collect();

    let deadline = Instant::now() + WAIT;
    while child.try_wait().expect("wait").is_none() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let output = child.wait_with_output().expect("output");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "agent failed ({}):\n{stdout}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("stopped after 6 operation(s)"), "{stdout}");

    let done: Vec<Value> = ids
        .iter()
        .map(|id| {
            emulator
                .block_on(handle.wait_for_operation_status(id, "SUCCESSFUL", Duration::from_secs(5)))
                .unwrap_or_else(|_| panic!("{id} not SUCCESSFUL: {:?}", handle.operation(id)))
        })
        .collect();
    assert_eq!(done[0]["c8y_Command"]["result"], "hello from the agent");

    let device = handle.managed_object_by_external_id(DEVICE).expect("device");
    assert_eq!(device["c8y_Firmware"]["name"], "core");
    assert_eq!(device["c8y_Firmware"]["version"], "2.0");
    assert_eq!(device["c8y_SoftwareList"][0]["name"], "nginx");
    assert_eq!(device["c8y_SoftwareList"][0]["version"], "1.2");

    // The log the agent uploaded: its own lines about the operations before.
    let url = done[5]["c8y_LogfileRequest"]["file"].as_str().expect("log URL");
    let event = url.rsplit('/').nth(1).expect("event id");
    let log = platform.binaries().event(event).expect("log attached").data;
    let log = String::from_utf8_lossy(&log);
    for line in [
        "started",
        "c8y_Command SUCCESSFUL",
        "c8y_Restart SUCCESSFUL",
        "firmware core 2.0 (50000 bytes)",
        "c8y_SoftwareUpdate SUCCESSFUL",
        "c8y_DownloadConfigFile SUCCESSFUL",
        "operation c8y_LogfileRequest (rust-agent-1)",
    ] {
        assert!(log.lines().any(|l| l == line), "{line:?} not in the log:\n{log}");
    }
    emulator.shutdown();
}
