//! A complete small device agent: restart (`c8y_Restart`), shell commands (`c8y_Command`, the
//! output reported as the result), and with the SDK's device-management workflows its own log,
//! one configuration file, firmware and software. Everything the agent "installs" is kept in
//! memory, so it runs anywhere without touching the system.
//!
//! Configuration comes from the environment (`C8Y_HOST`, `C8Y_DEVICE_ID`, `C8Y_TENANT`,
//! `C8Y_USER`, `C8Y_PASSWORD`, optionally `C8Y_TRANSPORT`, `C8Y_PORT`, `C8Y_CA_FILE`,
//! `C8Y_HTTP_URL`, …). It runs until Ctrl-C (SIGINT) or SIGTERM, or, with an argument, until
//! that many operations were handled:
//!
//! ```text
//! C8Y_HOST=mqtt.eu-latest.cumulocity.com C8Y_DEVICE_ID=agent-1 C8Y_TENANT=t12345 \
//!   C8Y_USER=device_agent-1 C8Y_PASSWORD=secret cargo run -p c8y-mqtt-examples --example agent [OPERATIONS]
//! ```

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use c8y_mqtt::client::{BlockingClient, Config, Event, NextEvent, ReceivedOperation};
use c8y_mqtt::http::UploadSource;
use c8y_mqtt::templates::downstream::OperationKind;
use c8y_mqtt::templates::upstream::{DeviceCreation, SupportedOperations};
use c8y_mqtt::workflows::{DeviceManagement, InstalledSoftware, SoftwareChangeAction};

type Error = Box<dyn std::error::Error>;

const WAIT: Duration = Duration::from_secs(30);

/// What the agent keeps: its log, its configuration and the installed software.
#[derive(Default)]
struct State {
    log: Vec<String>,
    config: Vec<u8>,
    software: Vec<InstalledSoftware>,
}

type Shared = Arc<Mutex<State>>;

fn log(state: &Shared, line: String) {
    println!("agent: {line}");
    state.lock().expect("state").log.push(line);
}

fn main() -> Result<(), Error> {
    let limit: Option<usize> = std::env::args().nth(1).map(|n| n.parse()).transpose()?;
    let config = Config::from_env()?
        .create_device(
            DeviceCreation::new()
                .with_name("c8y-mqtt agent")
                .with_device_type("c8y_Agent"),
        )
        .build()?;
    let client = BlockingClient::connect(config)?;
    client.wait_connected(WAIT)?;

    let state = Shared::default();
    state.lock().expect("state").config = b"interval=60\n".to_vec();
    let management = device_management(&client, &state)?;
    let mut supported = vec!["c8y_Restart", "c8y_Command"];
    supported.extend(management.supported_operations());
    client.publish(SupportedOperations::new(supported)?)?;
    management.declare()?;
    log(&state, "started".to_owned());

    let stop = Arc::new(AtomicBool::new(false));
    let signals = Arc::clone(&stop);
    client.run(async move {
        tokio::spawn(async move {
            let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
            let terminated = async {
                match term.as_mut() {
                    Some(term) => term.recv().await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = terminated => {}
            }
            signals.store(true, Ordering::SeqCst);
        });
    });

    let mut handled = 0;
    while !stop.load(Ordering::SeqCst) && limit.is_none_or(|limit| handled < limit) {
        match client.next_event(Duration::from_millis(500)) {
            NextEvent::Event(Event::Operation(op)) => {
                log(&state, format!("operation {} ({})", op.fragment, op.device));
                let outcome = if management.supports(&op) {
                    match client.run(management.handle(&op)).flatten() {
                        Some(Ok(())) => Ok(()),
                        Some(Err(e)) => Err(e.0),
                        None => Err("client closed".to_owned()),
                    }
                } else {
                    simple_operation(&op)
                };
                match outcome {
                    Ok(()) => log(&state, format!("{} SUCCESSFUL", op.fragment)),
                    Err(reason) => log(&state, format!("{} FAILED: {reason}", op.fragment)),
                }
                handled += 1;
            }
            NextEvent::Event(Event::SmartRestError(e)) => log(&state, format!("platform error {e:?}")),
            NextEvent::Event(_) | NextEvent::Timeout => {}
            NextEvent::Closed => break,
        }
    }
    client.flush(WAIT)?;
    client.close();
    println!("agent: stopped after {handled} operation(s)");
    Ok(())
}

/// Restart and shell command, with the operation lifecycle helpers.
fn simple_operation(op: &ReceivedOperation) -> Result<(), String> {
    let answer = |result: Result<Vec<String>, String>| {
        let delivery = match &result {
            Ok(parameters) => op.succeed(parameters.clone()),
            Err(reason) => op.fail(reason),
        };
        delivery.map_err(|e| e.to_string())?.wait(WAIT);
        result.map(|_| ())
    };
    op.executing().map_err(|e| e.to_string())?.wait(WAIT);
    match op.kind() {
        // A real agent would reboot here and report SUCCESSFUL once it is back.
        Some(OperationKind::Restart) => answer(Ok(Vec::new())),
        Some(OperationKind::Command { text }) => {
            let output = std::process::Command::new("sh").arg("-c").arg(text).output();
            answer(match output {
                Ok(out) if out.status.success() => {
                    Ok(vec![String::from_utf8_lossy(&out.stdout).trim_end().to_owned()])
                }
                Ok(out) => Err(format!(
                    "{} ({})",
                    String::from_utf8_lossy(&out.stderr).trim_end(),
                    out.status
                )),
                Err(e) => Err(e.to_string()),
            })
        }
        _ => answer(Err(format!("{} is not supported", op.fragment))),
    }
}

/// The device's part of log, configuration, firmware and software.
fn device_management(client: &BlockingClient, state: &Shared) -> Result<DeviceManagement, Error> {
    let (logs, configs, applies, firmware, software, list) = (
        Arc::clone(state),
        Arc::clone(state),
        Arc::clone(state),
        Arc::clone(state),
        Arc::clone(state),
        Arc::clone(state),
    );
    Ok(DeviceManagement::builder(client.as_async())?
        .logs(["agent"], move |request| {
            let lines: Vec<String> = (logs.lock().expect("state").log.iter())
                .filter(|line| line.contains(&request.search_text))
                .take(request.maximum_lines.unwrap_or(u64::MAX) as usize)
                .cloned()
                .collect();
            async move { Ok(UploadSource::Bytes(format!("{}\n", lines.join("\n")).into())) }
        })
        .configurations(
            ["agent.conf"],
            move |_request| {
                let config = configs.lock().expect("state").config.clone();
                async move { Ok(UploadSource::Bytes(config.into())) }
            },
            move |apply| {
                let result = std::fs::read(&apply.path)
                    .map(|bytes| applies.lock().expect("state").config = bytes)
                    .map_err(|e| e.to_string());
                async move { result }
            },
        )
        .firmware(move |install| {
            let size = install
                .path
                .as_ref()
                .and_then(|p| std::fs::metadata(p).ok())
                .map(|m| m.len());
            let line = format!(
                "firmware {} {} ({} bytes)",
                install.name,
                install.version,
                size.unwrap_or(0)
            );
            log(&firmware, line);
            async move { size.map(|_| ()).ok_or_else(|| "no firmware image".to_owned()) }
        })
        .software(
            move |change| {
                let mut state = software.lock().expect("state");
                let result = match change.action {
                    SoftwareChangeAction::Install { .. } => {
                        state.software.retain(|s| s.name != change.name);
                        (state.software).push(InstalledSoftware::new(&change.name, &change.version));
                        Ok(())
                    }
                    SoftwareChangeAction::Delete => {
                        state.software.retain(|s| s.name != change.name);
                        Ok(())
                    }
                    SoftwareChangeAction::Other(word) => Err(format!("cannot {word} {}", change.name)),
                };
                async move { result }
            },
            move |_device| {
                let installed = list.lock().expect("state").software.clone();
                async move { Ok(installed) }
            },
        )
        .build())
}
