//! The C examples are the C tests: `examples/c/*.c` are compiled with `$CC` (default `cc`,
//! `-std=c11 -Wall -Wextra -Wpedantic -Werror`) against the static library cargo built for this
//! test run, then run against the in-process emulator (ephemeral port; host and port on argv).
//! The test drives the platform side (creates the operations) and asserts the emulator's state
//! afterwards.
//!
//! * `VALGRIND=valgrind`: each program runs under `valgrind --error-exitcode=1
//!   --leak-check=full --errors-for-leak-kinds=definite`.
//! * `C8Y_ASAN=1`: the C side is compiled with `-fsanitize=address,undefined`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use c8y_mqtt_emulator::model::RecordFilter;
use c8y_mqtt_emulator::{BlockingEmulator, Emulator};
use serde_json::json;

/// Longest a program may run (valgrind makes it slow).
const RUN_LIMIT: Duration = Duration::from_secs(240);
const WAIT: Duration = Duration::from_secs(120);

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// `target/<profile>/deps`, where cargo put `libc8ymqtt.a` for this run.
fn lib_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("test binary path");
    exe.parent().expect("deps dir").to_path_buf()
}

fn asan() -> bool {
    std::env::var_os("C8Y_ASAN").is_some_and(|v| v == "1")
}

/// Compiles `examples/c/<name>.c` into `target/c-examples/<variant>/<name>`, once per test
/// process: tests running in parallel share the binary, and rewriting it while another test
/// runs it fails with "text file busy".
fn build(name: &str) -> PathBuf {
    static BUILT: Mutex<BTreeMap<String, PathBuf>> = Mutex::new(BTreeMap::new());
    let mut built = BUILT.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(binary) = built.get(name) {
        return binary.clone();
    }
    let binary = compile(name);
    built.insert(name.to_owned(), binary.clone());
    binary
}

fn compile(name: &str) -> PathBuf {
    let lib = lib_dir().join("libc8ymqtt.a");
    assert!(
        lib.exists(),
        "{} missing: cargo builds it with the test",
        lib.display()
    );
    let out_dir = lib_dir()
        .join("../../c-examples")
        .join(if asan() { "asan" } else { "plain" });
    std::fs::create_dir_all(&out_dir).expect("output dir");
    let binary = out_dir.join(name);
    let cc = std::env::var("CC").unwrap_or_else(|_| "cc".to_owned());
    let mut command = Command::new(&cc);
    command.args(["-std=c11", "-g", "-Wall", "-Wextra", "-Wpedantic", "-Werror"]);
    if asan() {
        command.args([
            "-fsanitize=address,undefined",
            "-fno-omit-frame-pointer",
            "-fno-sanitize-recover=all",
        ]);
    }
    command
        .arg("-I")
        .arg(repo().join("include"))
        .arg(repo().join(format!("examples/c/{name}.c")))
        .arg(&lib)
        .args(["-lpthread", "-ldl", "-lm", "-o"])
        .arg(&binary);
    let output = command.output().unwrap_or_else(|e| panic!("{cc}: {e}"));
    assert!(
        output.status.success(),
        "{cc} failed for {name}.c:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    binary
}

/// Starts `binary` with `args`, under valgrind when `VALGRIND` is set.
fn spawn(binary: &Path, args: &[String]) -> Child {
    let mut command = match std::env::var("VALGRIND") {
        Ok(valgrind) if !valgrind.is_empty() => {
            let mut c = Command::new(valgrind);
            c.args([
                "--error-exitcode=1",
                "--leak-check=full",
                "--errors-for-leak-kinds=definite",
                "--quiet",
            ])
            .arg(binary);
            c
        }
        _ => Command::new(binary),
    };
    command
        .args(args)
        .env("ASAN_OPTIONS", "detect_leaks=1:abort_on_error=0")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{}: {e}", binary.display()))
}

/// Waits for the program (killing it after [`RUN_LIMIT`]) and asserts it succeeded.
fn finish(child: Child, name: &str) -> String {
    let mut child = child;
    let deadline = Instant::now() + RUN_LIMIT;
    while child.try_wait().expect("wait").is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let Output {
        status,
        stdout,
        stderr,
    } = child.wait_with_output().expect("output");
    let stdout = String::from_utf8_lossy(&stdout).into_owned();
    assert!(
        status.success(),
        "{name} failed ({status}):\n--- stdout\n{stdout}\n--- stderr\n{}",
        String::from_utf8_lossy(&stderr)
    );
    stdout
}

fn emulator(user: &str) -> BlockingEmulator {
    Emulator::builder()
        .tenant("t100")
        .user(user, "secret")
        .start_blocking()
        .expect("emulator starts")
}

fn endpoint(emulator: &BlockingEmulator) -> Vec<String> {
    let port = emulator.handle().mqtt_addr().expect("mqtt listener").port();
    vec!["127.0.0.1".to_owned(), port.to_string()]
}

fn measurements(emulator: &BlockingEmulator, source: &str) -> usize {
    emulator
        .handle()
        .measurements(&RecordFilter::all().source(source))
        .len()
}

#[test]
fn quickstart_connects_measures_and_restarts() {
    const DEVICE: &str = "c-quickstart-1";
    let binary = build("quickstart");
    let emulator = emulator("device_c-quickstart-1");
    let handle = emulator.handle();
    let child = spawn(&binary, &endpoint(&emulator));
    emulator
        .block_on(handle.wait_for_managed_object(DEVICE, |_| true, WAIT))
        .expect("the example creates its device");
    let operation = handle
        .create_operation(DEVICE, json!({"c8y_Restart": {}}))
        .expect("operation");
    let id = operation["id"].as_str().expect("operation id").to_owned();
    let stdout = finish(child, "quickstart");
    assert!(stdout.contains("quickstart: done"), "{stdout}");
    assert!(stdout.contains("c8y-mqtt-ffi/"), "prints c8y_version(): {stdout}");
    let op = emulator
        .block_on(handle.wait_for_operation_status(&id, "SUCCESSFUL", Duration::from_secs(5)))
        .expect("restart SUCCESSFUL");
    assert_eq!(op["status"], "SUCCESSFUL");
    assert_eq!(measurements(&emulator, DEVICE), 3);
    emulator
        .block_on(handle.wait_for_managed_object(
            DEVICE,
            |mo| mo["name"] == "C quickstart" && mo["c8y_SupportedOperations"] == json!(["c8y_Restart"]),
            Duration::from_secs(5),
        ))
        .expect("device named, restart supported");
    emulator.shutdown();
}

#[test]
fn gateway_creates_children_with_data() {
    const DEVICE: &str = "c-gateway-1";
    let binary = build("gateway");
    let emulator = emulator("device_c-gateway-1");
    let handle = emulator.handle();
    let child = spawn(&binary, &endpoint(&emulator));
    let sensor2 = format!("{DEVICE}:sensor-2");
    emulator
        .block_on(handle.wait_for_managed_object(&sensor2, |_| true, WAIT))
        .expect("the example creates its children");
    let operation = handle
        .create_operation(&sensor2, json!({"c8y_Restart": {}}))
        .expect("operation");
    let id = operation["id"].as_str().expect("operation id").to_owned();
    let stdout = finish(child, "gateway");
    assert!(stdout.contains("gateway: done"), "{stdout}");
    emulator
        .block_on(handle.wait_for_operation_status(&id, "SUCCESSFUL", Duration::from_secs(5)))
        .expect("child restart SUCCESSFUL");
    let children = handle.child_devices(DEVICE);
    assert_eq!(children.len(), 2, "{children:?}");
    for sensor in ["sensor-1", "sensor-2"] {
        let source = format!("{DEVICE}:{sensor}");
        assert_eq!(measurements(&emulator, &source), 1, "{source}");
        let alarms = handle.alarms(&RecordFilter::all().source(&source));
        assert_eq!(alarms.len(), 1, "{source}: {alarms:?}");
        assert_eq!(alarms[0]["severity"], "MINOR");
    }
    emulator
        .block_on(handle.wait_for_managed_object(
            DEVICE,
            |mo| mo["c8y_Hardware"]["serialNumber"] == "GW-0001",
            Duration::from_secs(5),
        ))
        .expect("gateway hardware set");
    emulator.shutdown();
}

#[test]
fn bench_pub_prints_the_peer_format() {
    let binary = build("bench_pub");
    let emulator = emulator("device_bench-c8y-c");
    let port = emulator.handle().mqtt_addr().expect("mqtt listener").port();
    let args = [port.to_string(), "300".to_owned(), "1".to_owned()];
    let stdout = finish(spawn(&binary, &args), "bench_pub");
    let line = stdout.trim();
    let rate = line
        .strip_prefix("c8y-c qos1 n=300 ")
        .and_then(|rest| rest.strip_suffix(" msg/s"))
        .unwrap_or_else(|| panic!("unexpected output {line:?}"));
    assert!(rate.parse::<u64>().is_ok_and(|r| r > 0), "{line:?}");
    assert_eq!(measurements(&emulator, "bench-c8y-c"), 300);
    emulator.shutdown();
}

#[test]
fn files_download_and_upload_binaries() {
    use sha2::{Digest, Sha256};
    const DEVICE: &str = "c-files-1";
    let binary = build("files");
    let emulator = Emulator::builder()
        .tenant("t100")
        .user("device_c-files-1", "secret")
        .http_port(Some(0))
        .start_blocking()
        .expect("emulator starts");
    let handle = emulator.handle();
    let base = format!("http://{}", handle.http_addr().expect("http served"));
    let content: Vec<u8> = (0..300_000u32).map(|i| (i % 241) as u8).collect();
    let platform = handle.cumulocity().expect("default platform");
    platform.binaries().put_inventory(
        "900",
        c8y_mqtt_emulator::platform::binaries::StoredBinary {
            name: "fw.bin".to_owned(),
            content_type: "application/octet-stream".to_owned(),
            data: content.clone().into(),
        },
    );
    // The connection breaks half way: the library resumes.
    handle.http_faults().cut_next_download(150_000);
    let sha: String = Sha256::digest(&content)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let dir = lib_dir().join(format!("../../c-examples/files-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("work dir");
    let mut args = endpoint(&emulator);
    args.extend([
        base.clone(),
        format!("{base}/inventory/binaries/900"),
        sha,
        dir.display().to_string(),
    ]);
    let stdout = finish(spawn(&binary, &args), "files");
    assert!(stdout.contains("files: done"), "{stdout}");
    assert!(
        stdout.contains("downloaded 300000 bytes (progress saw 300000)"),
        "{stdout}"
    );
    assert_eq!(
        std::fs::read(dir.join("firmware.bin")).expect("downloaded"),
        content
    );
    let event_url = stdout
        .lines()
        .find_map(|l| l.strip_prefix("files: event binary "))
        .expect("event binary URL");
    let event_id = event_url.rsplit('/').nth(1).expect("event id");
    assert_eq!(
        platform.binaries().event(event_id).expect("attached").data,
        content
    );
    let inventory_url = stdout
        .lines()
        .find_map(|l| l.strip_prefix("files: inventory binary "))
        .expect("inventory binary URL");
    let id = inventory_url.rsplit('/').next().expect("binary id");
    assert_eq!(platform.binaries().inventory(id).expect("stored").data, content);
    assert!(handle.managed_object_by_external_id(DEVICE).is_some());
    std::fs::remove_dir_all(dir).expect("cleanup");
    emulator.shutdown();
}

#[test]
fn workflows_upload_a_log_and_install_firmware() {
    const DEVICE: &str = "c-workflows-1";
    let binary = build("workflows");
    let emulator = Emulator::builder()
        .tenant("t100")
        .user("device_c-workflows-1", "secret")
        .http_port(Some(0))
        .start_blocking()
        .expect("emulator starts");
    let handle = emulator.handle();
    let base = format!("http://{}", handle.http_addr().expect("http served"));
    let platform = handle.cumulocity().expect("default platform");
    let image: Vec<u8> = (0..100_000u32).map(|i| (i % 199) as u8).collect();
    platform.binaries().put_inventory(
        "901",
        c8y_mqtt_emulator::platform::binaries::StoredBinary {
            name: "core.bin".to_owned(),
            content_type: "application/octet-stream".to_owned(),
            data: image.into(),
        },
    );
    let dir = lib_dir().join(format!("../../c-examples/workflows-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("work dir");
    let mut args = endpoint(&emulator);
    args.extend([base.clone(), dir.display().to_string(), "3".to_owned()]);
    let child = spawn(&binary, &args);
    emulator
        .block_on(handle.wait_for_managed_object(
            DEVICE,
            |mo| mo["c8y_SupportedLogs"] == json!(["syslog"]),
            WAIT,
        ))
        .expect("the example declares its log types");
    let log = |log_type: &str| {
        json!({"c8y_LogfileRequest": {"logFile": log_type, "dateFrom": "2021-09-21T11:40:27+0200",
            "dateTo": "2021-09-22T11:40:27+0200", "searchText": "", "maximumLines": 5}})
    };
    let ids: Vec<String> = [
        log("syslog"),
        json!({"c8y_Firmware": {"name": "core", "version": "2.0", "url": format!("{base}/inventory/binaries/901")}}),
        log("dmesg"),
    ]
    .into_iter()
    .map(|fragments| {
        let op = handle.create_operation(DEVICE, fragments).expect("operation");
        op["id"].as_str().expect("id").to_owned()
    })
    .collect();
    let stdout = finish(child, "workflows");
    assert!(stdout.contains("workflows: done"), "{stdout}");
    assert!(stdout.contains("installed core 2.0 (100000 bytes)"), "{stdout}");
    let status = |id: &str, want: &str| {
        emulator
            .block_on(handle.wait_for_operation_status(id, want, Duration::from_secs(5)))
            .unwrap_or_else(|_| panic!("operation {id} not {want}: {:?}", handle.operation(id)))
    };
    let done = status(&ids[0], "SUCCESSFUL");
    let url = done["c8y_LogfileRequest"]["file"].as_str().expect("log URL");
    let event_id = url.rsplit('/').nth(1).expect("event id");
    assert_eq!(
        platform.binaries().event(event_id).expect("log attached").data,
        b"boot ok (at most 5 lines)\n".as_slice()
    );
    status(&ids[1], "SUCCESSFUL");
    let failed = status(&ids[2], "FAILED");
    assert_eq!(
        failed["failureReason"],
        "Reading the log failed: no log of type dmesg"
    );
    assert_eq!(
        std::fs::read_dir(&dir).expect("work dir").count(),
        0,
        "no file left behind"
    );
    std::fs::remove_dir_all(dir).expect("cleanup");
    emulator.shutdown();
}

#[test]
fn agent_names_the_missing_variable_and_fails() {
    // The library reads the C8Y_* variables (c8y_options_from_env), as the other faces do.
    let binary = build("agent");
    let output = Command::new(&binary)
        .env_clear()
        .env("C8Y_HOST", "127.0.0.1")
        .env("C8Y_TENANT", "t100")
        .env("C8Y_USER", "device_x")
        .env("C8Y_PASSWORD", "secret")
        .output()
        .expect("agent runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("creating the client: ")
            && stderr.contains("(104)")
            && stderr.contains("C8Y_DEVICE_ID"),
        "{stderr}"
    );
    let output = Command::new(&binary)
        .env_clear()
        .env("C8Y_HOST", "127.0.0.1")
        .env("C8Y_DEVICE_ID", "x")
        .env("C8Y_TRANSPORT", "carrier-pigeon")
        .env("C8Y_TENANT", "t100")
        .env("C8Y_USER", "device_x")
        .env("C8Y_PASSWORD", "secret")
        .output()
        .expect("agent runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("C8Y_TRANSPORT"), "{stderr}");
}

#[test]
fn agent_runs_commands_and_workflows_until_its_operation_count() {
    const DEVICE: &str = "c-agent-1";
    let binary = build("agent");
    let emulator = Emulator::builder()
        .tenant("t100")
        .user("device_c-agent-1", "secret")
        .http_port(Some(0))
        .start_blocking()
        .expect("emulator starts");
    let handle = emulator.handle();
    let base = format!("http://{}", handle.http_addr().expect("http served"));
    let platform = handle.cumulocity().expect("default platform");
    let stored = |data: &[u8]| c8y_mqtt_emulator::platform::binaries::StoredBinary {
        name: "blob.bin".to_owned(),
        content_type: "application/octet-stream".to_owned(),
        data: data.to_vec().into(),
    };
    let image: Vec<u8> = (0..70_000u32).map(|i| (i % 211) as u8).collect();
    platform.binaries().put_inventory("fw", stored(&image));
    platform.binaries().put_inventory("pkg", stored(b"package"));
    platform.binaries().put_inventory("cfg", stored(b"interval=5\n"));

    // The agent reads its settings from C8Y_* variables; the argument is the operation count.
    let mut command = match std::env::var("VALGRIND") {
        Ok(valgrind) if !valgrind.is_empty() => {
            let mut c = Command::new(valgrind);
            c.args([
                "--error-exitcode=1",
                "--leak-check=full",
                "--errors-for-leak-kinds=definite",
                "--quiet",
            ])
            .arg(&binary);
            c
        }
        _ => Command::new(&binary),
    };
    let port = handle.mqtt_addr().expect("mqtt listener").port();
    let child = command
        .arg("7")
        .env("C8Y_HOST", "127.0.0.1")
        .env("C8Y_PORT", port.to_string())
        .env("C8Y_TRANSPORT", "tcp")
        .env("C8Y_DEVICE_ID", DEVICE)
        .env("C8Y_TENANT", "t100")
        .env("C8Y_USER", "device_c-agent-1")
        .env("C8Y_PASSWORD", "secret")
        .env("C8Y_HTTP_URL", &base)
        .env("ASAN_OPTIONS", "detect_leaks=1:abort_on_error=0")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("agent starts");
    emulator
        .block_on(handle.wait_for_managed_object(
            DEVICE,
            |mo| mo["c8y_SupportedConfigurations"] == json!(["agent.conf"]),
            WAIT,
        ))
        .expect("the agent declares its configuration");
    let ids: Vec<String> = [
        json!({"c8y_Command": {"text": "echo hello from C"}}),
        json!({"c8y_Restart": {}}),
        json!({"c8y_Firmware": {"name": "core", "version": "3.1", "url": format!("{base}/inventory/binaries/fw")}}),
        json!({"c8y_SoftwareUpdate": [{"name": "nginx", "version": "1.2",
            "url": format!("{base}/inventory/binaries/pkg"), "action": "install"}]}),
        json!({"c8y_DownloadConfigFile": {"type": "agent.conf", "url": format!("{base}/inventory/binaries/cfg")}}),
        json!({"c8y_UploadConfigFile": {"type": "agent.conf"}}),
        json!({"c8y_LogfileRequest": {"logFile": "agent", "dateFrom": "2021-09-21T11:40:27+0200",
            "dateTo": "2036-09-22T11:40:27+0200", "searchText": "", "maximumLines": 100}}),
    ]
    .into_iter()
    .map(|fragments| {
        let op = handle.create_operation(DEVICE, fragments).expect("operation");
        op["id"].as_str().expect("id").to_owned()
    })
    .collect();
    let stdout = finish(child, "agent");
    assert!(stdout.contains("agent: stopped"), "{stdout}");
    let done: Vec<serde_json::Value> = ids
        .iter()
        .map(|id| {
            emulator
                .block_on(handle.wait_for_operation_status(id, "SUCCESSFUL", Duration::from_secs(5)))
                .unwrap_or_else(|_| panic!("operation {id} not SUCCESSFUL: {:?}", handle.operation(id)))
        })
        .collect();
    assert_eq!(done[0]["c8y_Command"]["result"], "hello from C");
    let device = handle.managed_object_by_external_id(DEVICE).expect("device");
    assert_eq!(
        (
            &device["c8y_Firmware"]["name"],
            &device["c8y_Firmware"]["version"]
        ),
        (&json!("core"), &json!("3.1"))
    );
    let uploaded = |op: &serde_json::Value, url: &str| {
        let event = url.rsplit('/').nth(1).expect("event id").to_owned();
        let data = platform.binaries().event(&event);
        data.unwrap_or_else(|| panic!("nothing attached for {op}")).data
    };
    // The configuration upload returns what the download applied.
    let config_url = handle
        .publishes()
        .into_iter()
        .map(|p| String::from_utf8_lossy(&p.publish.payload).into_owned())
        .find_map(|p| p.strip_prefix("503,c8y_UploadConfigFile,").map(str::to_owned))
        .expect("configuration URL reported");
    assert_eq!(uploaded(&done[5], &config_url), b"interval=5\n".as_slice());
    let log_url = done[6]["c8y_LogfileRequest"]["file"].as_str().expect("log URL");
    let log = String::from_utf8_lossy(&uploaded(&done[6], log_url)).into_owned();
    for line in [
        "started",
        "c8y_Command SUCCESSFUL",
        "c8y_Restart SUCCESSFUL",
        "firmware core 3.1 (70000 bytes)",
        "software install nginx 1.2",
        "configuration agent.conf applied (11 bytes)",
        "c8y_UploadConfigFile SUCCESSFUL",
        "operation c8y_LogfileRequest (c-agent-1)",
    ] {
        assert!(log.lines().any(|l| l == line), "{line:?} not in the log:\n{log}");
    }
    emulator.shutdown();
}

#[test]
fn quickstart_in_two_tenants_keeps_each_tenants_data_apart() {
    const DEVICE: &str = "c-quickstart-1";
    const USER: &str = "device_c-quickstart-1";
    let binary = build("quickstart");
    let emulator = Emulator::builder()
        .tenant("t100")
        .add_tenant("t200")
        .user(USER, "secret-100")
        .tenant_user("t200", USER, "secret-200")
        .start_blocking()
        .expect("emulator starts");
    let handle = emulator.handle();
    let platform = handle.cumulocity().expect("default platform");
    for tenant in ["t100", "t200"] {
        // The same device id and user name in both tenants, each with its tenant's password.
        let mut args = endpoint(&emulator);
        args.extend([
            DEVICE.to_owned(),
            tenant.to_owned(),
            USER.to_owned(),
            format!("secret-{}", &tenant[1..]),
        ]);
        let child = spawn(&binary, &args);
        emulator
            .block_on(platform.wait_for(|p| p.managed_object_in(tenant, DEVICE).map(|_| ()), WAIT))
            .unwrap_or_else(|_| panic!("the example creates its device in {tenant}"));
        let op = platform
            .create_operation_in(tenant, DEVICE, json!({"c8y_Restart": {}}))
            .expect("operation");
        let id = op["id"].as_str().expect("operation id").to_owned();
        let stdout = finish(child, "quickstart");
        assert!(stdout.contains("quickstart: done"), "{tenant}: {stdout}");
        let op = platform.operation_in(tenant, &id).expect("operation stored");
        assert_eq!(op["status"], "SUCCESSFUL", "{tenant}: {op}");
    }
    // Each tenant holds its own device with its own three measurements, and nothing else.
    let t100 = platform.managed_object_in("t100", DEVICE).expect("t100 device");
    let t200 = platform.managed_object_in("t200", DEVICE).expect("t200 device");
    for (tenant, device) in [("t100", &t100), ("t200", &t200)] {
        let measurements = platform.measurements_in(tenant, &RecordFilter::all());
        assert_eq!(measurements.len(), 3, "{tenant}: {measurements:?}");
        assert!(
            measurements.iter().all(|m| m["source"]["id"] == device["id"]),
            "{tenant} holds only its device's measurements: {measurements:?}"
        );
    }
    assert_ne!(t100["id"], t200["id"]);
    emulator.shutdown();
}

/// A server on the device's side that echoes each connection until it ends; counts the
/// connections it accepted.
fn echo_server() -> (u16, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("echo listener");
    let port = listener.local_addr().expect("echo address").port();
    let accepted = std::sync::Arc::new(AtomicUsize::new(0));
    let count = std::sync::Arc::clone(&accepted);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { break };
            count.fetch_add(1, Ordering::SeqCst);
            std::thread::spawn(move || {
                let mut reader = stream.try_clone().expect("clone");
                let _ = std::io::copy(&mut reader, &mut stream);
                let _ = stream.shutdown(std::net::Shutdown::Write);
            });
        }
    });
    (port, accepted)
}

#[test]
fn remote_access_relays_an_allowed_tunnel_and_refuses_another_target() {
    use std::io::{Read, Write};
    use std::sync::atomic::Ordering;
    const DEVICE: &str = "c-remote-1";
    const LEN: usize = 1 << 20;
    let binary = build("remote_access");
    let emulator = Emulator::builder()
        .tenant("t100")
        .user("device_c-remote-1", "secret")
        .http_port(Some(0))
        .start_blocking()
        .expect("emulator starts");
    let handle = emulator.handle();
    let base = format!("http://{}", handle.http_addr().expect("http served"));
    let (port, accepted) = echo_server();
    // A second local service the allow-list does not name: it must never see a connection.
    let (forbidden, forbidden_accepted) = echo_server();
    let mut args = endpoint(&emulator);
    args.extend([base, format!("127.0.0.1:{port}"), "1".to_owned()]);
    let child = spawn(&binary, &args);
    emulator
        .block_on(handle.wait_for_managed_object(
            DEVICE,
            |mo| mo["c8y_SupportedOperations"] == json!(["c8y_RemoteAccessConnect"]),
            WAIT,
        ))
        .expect("the example declares remote access");

    let refused = emulator
        .block_on(handle.open_remote_access(DEVICE, "127.0.0.1", forbidden))
        .expect("operation created");
    let failed = emulator
        .block_on(handle.wait_for_operation_status(&refused.operation_id, "FAILED", WAIT))
        .expect("a target not allowed is FAILED");
    assert_eq!(
        failed["failureReason"],
        format!("Target 127.0.0.1:{forbidden} is not allowed on this device")
    );

    let opened = emulator
        .block_on(handle.open_remote_access(DEVICE, "127.0.0.1", port))
        .expect("operation created");
    emulator
        .block_on(handle.wait_for_operation_status(&opened.operation_id, "SUCCESSFUL", WAIT))
        .expect("the allowed tunnel is SUCCESSFUL");
    let operator = std::net::TcpStream::connect(opened.addr).expect("operator connects");
    operator.set_read_timeout(Some(WAIT)).expect("timeout");
    let data: Vec<u8> = (0..LEN).map(|i| (i % 251) as u8 ^ (i >> 12) as u8).collect();
    let mut writer = operator.try_clone().expect("clone");
    let sent = data.clone();
    let writing = std::thread::spawn(move || writer.write_all(&sent));
    let mut echoed = vec![0u8; LEN];
    (&operator).read_exact(&mut echoed).expect("the echo comes back");
    writing.join().expect("writer").expect("written");
    assert!(echoed == data, "the echo differs from what was sent");
    drop(operator);

    let stdout = finish(child, "remote_access");
    assert!(
        stdout.contains(&format!(
            "remote_access: refused: Target 127.0.0.1:{forbidden} is not allowed"
        )),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!("remote_access: tunnel 1 opened to 127.0.0.1:{port}\n")),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!(
            "remote_access: tunnel 1 closed (platform closed): {LEN} bytes to target, {LEN} from target"
        )),
        "{stdout}"
    );
    assert!(stdout.contains("remote_access: done"), "{stdout}");
    assert_eq!(accepted.load(Ordering::SeqCst), 1);
    assert_eq!(forbidden_accepted.load(Ordering::SeqCst), 0);
    emulator.shutdown();
}
