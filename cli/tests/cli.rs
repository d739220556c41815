//! The `c8y-mqtt` binary end to end: each test starts an emulator in the test process (loopback,
//! free ports) and runs the built binary against it, configured by `C8Y_*` variables and flags,
//! then checks what the emulator stored: a sent measurement, an operation answered by `listen`,
//! the credentials file written by `register`, and the summary of `simulate --emulator`.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use c8y_mqtt_emulator::model::{DeviceRequestStatus, RecordFilter};
use c8y_mqtt_emulator::{BlockingEmulator, Emulator};
use serde_json::{Value, json};

/// How long any wait may take before the test fails.
const WAIT: Duration = Duration::from_secs(30);
const TENANT: &str = "t100";
const DEVICE: &str = "cli-dev1";
const USER: &str = "device_cli-dev1";
const PASSWORD: &str = "secret-1";

/// An emulator with one device user.
fn emulator() -> BlockingEmulator {
    Emulator::builder()
        .tenant(TENANT)
        .user(USER, PASSWORD)
        .bootstrap_password("boot")
        .start_blocking()
        .expect("emulator starts")
}

/// The binary, with no `C8Y_*` variable of the test's environment and the emulator's address
/// (plain MQTT) as `C8Y_HOST`, `C8Y_PORT`, `C8Y_TRANSPORT`.
fn c8y_mqtt(emulator: &BlockingEmulator) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_c8y-mqtt"));
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("C8Y_") {
            command.env_remove(name);
        }
    }
    let addr = emulator.handle().mqtt_addr().expect("MQTT listener");
    command
        .env("C8Y_HOST", addr.ip().to_string())
        .env("C8Y_PORT", addr.port().to_string())
        .env("C8Y_TRANSPORT", "tcp")
        .stdin(Stdio::null());
    command
}

/// [`c8y_mqtt`] logged in as the test device.
fn as_device(emulator: &BlockingEmulator) -> Command {
    let mut command = c8y_mqtt(emulator);
    command
        .env("C8Y_DEVICE_ID", DEVICE)
        .env("C8Y_TENANT", TENANT)
        .env("C8Y_USER", USER)
        .env("C8Y_PASSWORD", PASSWORD);
    command
}

fn text(output: &Output) -> String {
    format!(
        "status {}\nstdout:\n{}\nstderr:\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// A child process killed and reaped when dropped, also when the test fails.
struct KillOnDrop(Option<Child>);

impl KillOnDrop {
    fn new(child: Child) -> Self {
        Self(Some(child))
    }

    fn child(&mut self) -> &mut Child {
        self.0.as_mut().expect("child present until taken")
    }

    /// The child, no longer killed on drop (to collect its output).
    fn take(mut self) -> Child {
        self.0.take().expect("child present until taken")
    }
}

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        if let Some(child) = &mut self.0 {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// The child's stdout lines, read by a thread of their own.
fn stdout_lines(child: &mut Child) -> mpsc::Receiver<String> {
    let stdout = child.stdout.take().expect("piped stdout");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                return;
            }
        }
    });
    rx
}

/// Waits for the next stdout line that is a JSON object of `kind`.
fn expect_line(lines: &mpsc::Receiver<String>, kind: &str) -> Value {
    loop {
        let line = lines
            .recv_timeout(WAIT)
            .unwrap_or_else(|_| panic!("no {kind:?} line within {WAIT:?}"));
        let value: Value = serde_json::from_str(&line).unwrap_or_else(|e| panic!("{line:?}: {e}"));
        if value["type"] == kind {
            return value;
        }
    }
}

#[test]
fn send_stores_a_measurement_and_flags_override_the_environment() {
    let emulator = emulator();
    let output = as_device(&emulator)
        .env("C8Y_DEVICE_ID", "not-this-one")
        .args(["--device-id", DEVICE])
        .args([
            "send",
            "measurement",
            "c8y_Temperature",
            "T",
            "21.5",
            "--unit",
            "C",
        ])
        .output()
        .expect("runs");
    assert!(output.status.success(), "{}", text(&output));
    let stored = emulator
        .handle()
        .measurements(&RecordFilter::all().source(DEVICE));
    let temperature = stored
        .iter()
        .find(|m| m["type"] == "c8y_Temperature")
        .unwrap_or_else(|| panic!("no temperature stored: {stored:?}"));
    assert_eq!(temperature["c8y_Temperature"]["T"]["value"], json!(21.5));
    assert_eq!(temperature["c8y_Temperature"]["T"]["unit"], "C");

    // A static template line, checked by the codec and the template before it is sent.
    let output = as_device(&emulator)
        .args(["send", "line", "400,c8y_DoorOpened,\"Door opened, at last\""])
        .output()
        .expect("runs");
    assert!(output.status.success(), "{}", text(&output));
    let events = emulator
        .handle()
        .platform_events(&RecordFilter::all().source(DEVICE).of_type("c8y_DoorOpened"));
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0]["text"], "Door opened, at last");

    // A line no template reads is refused before connecting, with the reason.
    let output = as_device(&emulator)
        .args(["send", "line", "211,warm"])
        .output()
        .expect("runs");
    assert!(!output.status.success(), "{}", text(&output));
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("211"),
        "{}",
        text(&output)
    );
}

#[test]
fn send_fails_with_the_reason_when_the_login_is_refused() {
    let emulator = emulator();
    let output = as_device(&emulator)
        .env("C8Y_PASSWORD", "wrong")
        .args(["send", "--timeout", "20", "event", "c8y_Test", "never stored"])
        .output()
        .expect("runs");
    assert!(!output.status.success(), "{}", text(&output));
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("c8y-mqtt:"),
        "{}",
        text(&output)
    );
    let events = emulator
        .handle()
        .platform_events(&RecordFilter::all().of_type("c8y_Test"));
    assert!(events.is_empty(), "{events:?}");
}

#[test]
fn listen_answers_operations_and_prints_them() {
    let emulator = emulator();
    let handle = emulator.handle();
    let dir = tempfile::tempdir().expect("temporary directory");
    let script = dir.path().join("operation.sh");
    std::fs::write(
        &script,
        "#!/bin/sh\n\
         if [ \"$1\" = fail ]; then echo 'it went wrong' >&2; exit 3; fi\n\
         echo \"ran $C8Y_OPERATION_FRAGMENT for $C8Y_OPERATION_DEVICE: $1\"\n",
    )
    .expect("script written");
    make_executable(&script);
    let mut listen = KillOnDrop::new(
        as_device(&emulator)
            .args([
                "listen",
                "--json",
                "--succeed",
                "c8y_Restart",
                "--count",
                "3",
                "--exec",
            ])
            .arg(&script)
            .stdout(Stdio::piped())
            .spawn()
            .expect("listen starts"),
    );
    let lines = stdout_lines(listen.child());
    expect_line(&lines, "connected");

    let restart = handle
        .create_operation(DEVICE, json!({"c8y_Restart": {}}))
        .expect("operation created");
    let printed = expect_line(&lines, "operation");
    assert_eq!(printed["fragment"], "c8y_Restart");
    assert_eq!(printed["device"], DEVICE);
    let answered = expect_line(&lines, "answered");
    assert_eq!(answered["status"], "SUCCESSFUL", "{answered}");
    let id = restart["id"].as_str().expect("operation id");
    emulator
        .block_on(handle.wait_for_operation_status(id, "SUCCESSFUL", WAIT))
        .expect("restart SUCCESSFUL");

    // --exec: the script's exit status decides, its output is the command's result.
    let command = handle
        .create_operation(DEVICE, json!({"c8y_Command": {"text": "hello"}}))
        .expect("operation created");
    let done = emulator
        .block_on(handle.wait_for_operation_status(command["id"].as_str().expect("id"), "SUCCESSFUL", WAIT))
        .expect("command SUCCESSFUL");
    assert_eq!(
        done["c8y_Command"]["result"],
        "ran c8y_Command for cli-dev1: hello"
    );
    let failing = handle
        .create_operation(DEVICE, json!({"c8y_Command": {"text": "fail"}}))
        .expect("operation created");
    let failed = emulator
        .block_on(handle.wait_for_operation_status(failing["id"].as_str().expect("id"), "FAILED", WAIT))
        .expect("command FAILED");
    let reason = failed["failureReason"].as_str().unwrap_or_default();
    assert!(reason.contains("it went wrong"), "{failed}");

    // --count 3: it exits on its own, successfully.
    let status = listen.child().wait().expect("listen exits");
    assert!(status.success(), "listen exited with {status}");
}

#[cfg(unix)]
fn make_executable(path: &std::path::Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
}

#[test]
fn register_writes_the_credentials_file_with_mode_0600() {
    let emulator = emulator();
    let handle = emulator.handle();
    handle.register_device("cli-reg1").expect("registered");
    let dir = tempfile::tempdir().expect("temporary directory");
    let file = dir.path().join("credentials");
    let register = KillOnDrop::new(
        c8y_mqtt(&emulator)
            .env("C8Y_DEVICE_ID", "cli-reg1")
            .env("C8Y_BOOTSTRAP_PASSWORD", "boot")
            .args(["register", "--poll-interval", "0.05", "--timeout", "30"])
            .arg("--credentials-file")
            .arg(&file)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("register starts"),
    );
    emulator
        .block_on(handle.wait_for_device_request("cli-reg1", DeviceRequestStatus::PendingAcceptance, WAIT))
        .expect("device request pending");
    handle.accept_device_request("cli-reg1").expect("accepted");
    let output = register.take().wait_with_output().expect("register exits");
    assert!(output.status.success(), "{}", text(&output));
    assert!(
        String::from_utf8_lossy(&output.stdout).contains("registered cli-reg1"),
        "{}",
        text(&output)
    );

    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file)
            .expect("file written")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "mode {mode:o}");
    }

    // The file logs the device in.
    let output = c8y_mqtt(&emulator)
        .env("C8Y_DEVICE_ID", "cli-reg1")
        .env("C8Y_CREDENTIALS_FILE", &file)
        .args(["send", "event", "c8y_Registered", "registered by the CLI"])
        .output()
        .expect("runs");
    assert!(output.status.success(), "{}", text(&output));
    let events = handle.platform_events(&RecordFilter::all().source("cli-reg1").of_type("c8y_Registered"));
    assert_eq!(events.len(), 1, "{events:?}");
}

#[test]
fn simulate_against_the_embedded_emulator_loses_nothing() {
    let output = Command::new(env!("CARGO_BIN_EXE_c8y-mqtt"))
        .args([
            "simulate",
            "--emulator",
            "--devices",
            "50",
            "--duration",
            "3",
            "--json",
        ])
        .stdin(Stdio::null())
        .output()
        .expect("runs");
    assert!(output.status.success(), "{}", text(&output));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let last = stdout.lines().last().expect("a summary line");
    let summary: Value = serde_json::from_str(last).unwrap_or_else(|e| panic!("{last:?}: {e}"));
    assert_eq!(summary["devices_connected"], 50, "{summary}");
    assert_eq!(summary["lost"], 0, "{summary}");
    assert_eq!(summary["duplicated"], 0, "{summary}");
    assert!(summary["sent"].as_u64().is_some_and(|sent| sent > 0), "{summary}");
    assert_eq!(summary["acknowledged"], summary["sent"], "{summary}");
    assert_eq!(summary["stored"], summary["sent"], "{summary}");
    for key in ["kib_per_device", "cpu_percent"] {
        assert!(summary[key].is_number(), "{key}: {summary}");
    }
    for p in ["p50", "p90", "p99"] {
        assert!(summary["latency_ms"][p].is_number(), "{p}: {summary}");
    }
}

#[test]
fn simulate_with_the_emulator_needs_one_descriptor_per_session_on_each_side() {
    // 300 sessions under an open-file limit of 400: with both ends of every connection in one
    // descriptor table they would need over 600. The emulator's own table makes it fit.
    use std::os::unix::process::CommandExt;
    let mut command = Command::new(env!("CARGO_BIN_EXE_c8y-mqtt"));
    command
        .args([
            "simulate",
            "--emulator",
            "--devices",
            "300",
            "--duration",
            "1",
            "--json",
        ])
        .stdin(Stdio::null());
    // SAFETY: only setrlimit(2) runs between fork and exec.
    unsafe {
        command.pre_exec(|| rlimit::Resource::NOFILE.set(400, 400));
    }
    let output = command.output().expect("runs");
    assert!(output.status.success(), "{}", text(&output));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let last = stdout.lines().last().expect("a summary line");
    let summary: Value = serde_json::from_str(last).unwrap_or_else(|e| panic!("{last:?}: {e}"));
    assert_eq!(summary["devices_connected"], 300, "{summary}");
    assert_eq!(summary["errors"], 0, "{summary}");
    assert_eq!(summary["lost"], 0, "{summary}");
}
