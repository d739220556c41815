//! The `c8y-emulator` binary: flags, the printed listener/tenant/user lines, and a clean exit on
//! SIGTERM.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

#[test]
fn prints_listeners_tenant_and_users_then_runs_until_sigterm() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_c8y-emulator"))
        .args([
            "--tenant",
            "t777",
            "--user",
            "device_9:pw9",
            "--user",
            "ops:secret",
        ])
        .args(["--bootstrap-password", "bp", "--http-port", "0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("binary starts");
    let stdout = child.stdout.take().expect("stdout piped");
    let mut lines = Vec::new();
    for line in BufReader::new(stdout).lines() {
        let line = line.expect("utf-8 line");
        let last = line.starts_with("bootstrap ");
        lines.push(line);
        if last {
            break;
        }
    }
    let words: Vec<Vec<&str>> = lines.iter().map(|l| l.split(' ').collect()).collect();
    assert_eq!(words.len(), 9, "{lines:?}");
    assert_eq!(words[0][0], "mqtt");
    assert!(words[0][1].starts_with("127.0.0.1:"), "{lines:?}");
    assert_eq!(words[1][0], "mqtts");
    assert_eq!(words[4][0], "http");
    assert!(
        words[2][1].starts_with("ws://127.0.0.1:") && words[2][1].ends_with("/mqtt"),
        "{lines:?}"
    );
    assert!(
        words[3][1].starts_with("wss://127.0.0.1:") && words[3][1].ends_with("/mqtt"),
        "{lines:?}"
    );
    assert!(words[4][1].starts_with("http://127.0.0.1:"), "{lines:?}");
    assert_eq!(lines[5], "tenant t777");
    assert_eq!(lines[6], "user t777/device_9 pw9");
    assert_eq!(lines[7], "user t777/ops secret");
    assert_eq!(lines[8], "bootstrap management/devicebootstrap bp");

    // The printed ports accept connections.
    let mqtt = words[0][1];
    assert!(std::net::TcpStream::connect(mqtt).is_ok());
    let http = words[4][1].trim_start_matches("http://");
    assert!(std::net::TcpStream::connect(http).is_ok());

    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success());
    let exit = child.wait().expect("binary exits");
    assert!(exit.success(), "{exit:?}");
}

#[test]
fn rejects_a_user_without_a_password() {
    let output = Command::new(env!("CARGO_BIN_EXE_c8y-emulator"))
        .args(["--user", "device_9"])
        .output()
        .expect("binary runs");
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("NAME:PASSWORD"));
}
