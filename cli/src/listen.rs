//! `c8y-mqtt listen`: prints what the platform sends the device as it arrives, one line each
//! (or one JSON object per line with `--json`): operations, refusals on `s/e`, lines that could
//! not be read, connection changes. It answers operations when asked: `--succeed FRAGMENT` sets
//! them EXECUTING then SUCCESSFUL, `--exec SCRIPT` runs a script per operation (the operation's
//! values as arguments, its details in `C8Y_OPERATION_*` variables) and sets SUCCESSFUL or
//! FAILED by the script's exit status. An operation's values come from the SDK's typed line,
//! rendered and read back by the SmartREST codec.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

use c8y_mqtt::client::{
    BlockingClient, ConnectionState, Event, NextEvent, OperationSource, ReceivedOperation,
};
use c8y_mqtt::smartrest::decode;
use c8y_mqtt::templates::downstream::{DownstreamLine, Operation};
use serde_json::{Value, json};

use crate::Error;
use crate::connection::ConnectionArgs;

/// How long an answer may take to be acknowledged.
const ANSWER_TIMEOUT: Duration = Duration::from_secs(30);

/// `listen` flags.
#[derive(Debug, clap::Args)]
pub(crate) struct ListenArgs {
    /// One JSON object per line instead of text
    #[arg(long)]
    json: bool,
    /// Answer operations with this fragment (such as c8y_Restart) EXECUTING, then SUCCESSFUL;
    /// repeatable
    #[arg(long, value_name = "FRAGMENT")]
    succeed: Vec<String>,
    /// Run SCRIPT for every other operation: its values are the arguments, C8Y_OPERATION_ID,
    /// _DEVICE, _FRAGMENT, _LINE (static) and _JSON (JSON) the environment; exit status 0 sets
    /// it SUCCESSFUL (a c8y_Command gets the script's output as its result), else FAILED with the
    /// last line of its error output
    #[arg(long, value_name = "SCRIPT")]
    exec: Option<PathBuf>,
    /// Exit after this many operations
    #[arg(long, value_name = "N")]
    count: Option<u64>,
    /// Seconds to wait for the connection
    #[arg(long, default_value_t = 30, value_name = "SECONDS")]
    timeout: u64,
}

/// Runs `listen`.
pub(crate) fn run(connection: &ConnectionArgs, args: ListenArgs) -> Result<(), Error> {
    let config = connection.builder()?.build()?;
    let client = BlockingClient::connect(config)?;
    let result = listen(&client, &args);
    client.close();
    result
}

fn listen(client: &BlockingClient, args: &ListenArgs) -> Result<(), Error> {
    client.wait_connected(Duration::from_secs(args.timeout))?;
    let mut operations = 0;
    loop {
        let event = match client.next_event(Duration::from_secs(1)) {
            NextEvent::Event(event) => event,
            NextEvent::Timeout => continue,
            NextEvent::Closed => return Ok(()),
        };
        match event {
            Event::Operation(op) | Event::OperationResumed(op) => {
                let details = OperationDetails::of(&op);
                print(args, "operation", details.to_json(), details.to_text());
                answer(args, &op, &details)?;
                operations += 1;
                if args.count.is_some_and(|count| operations >= count) {
                    client.flush(ANSWER_TIMEOUT)?;
                    return Ok(());
                }
            }
            Event::SmartRestError(line) => print(
                args,
                "error",
                json!({"code": line.code, "template": line.template, "text": line.text}),
                format!("error {} (template {}): {}", line.code, line.template, line.text),
            ),
            Event::PublishRejected { id, device, line } => print(
                args,
                "rejected",
                json!({"delivery": id.0, "device": device, "code": line.code, "template": line.template, "text": line.text}),
                format!(
                    "rejected delivery {} of {device}: error {} (template {}): {}",
                    id.0, line.code, line.template, line.text
                ),
            ),
            Event::Malformed(error) => print(
                args,
                "malformed",
                json!({"reason": error.to_string()}),
                format!("malformed line: {error}"),
            ),
            Event::MalformedMessage { topic, reason, .. } => print(
                args,
                "malformed",
                json!({"topic": topic, "reason": reason}),
                format!("malformed message on {topic}: {reason}"),
            ),
            Event::JsonError(error) => print(
                args,
                "error",
                json!({"json": format!("{error:?}")}),
                format!("JSON error: {error:?}"),
            ),
            Event::SubscriptionRefused { topic, return_code } => print(
                args,
                "error",
                json!({"subscriptionRefused": topic, "returnCode": return_code}),
                format!("subscription to {topic} refused ({return_code:#x})"),
            ),
            Event::ConnectionState(ConnectionState::Disconnected { error, retry_in }) => print(
                args,
                "disconnected",
                json!({"reason": error.to_string(), "retryInMs": retry_in.as_millis() as u64}),
                format!("disconnected: {error}; retrying in {retry_in:?}"),
            ),
            // Every connection, the first included (its event is still queued).
            Event::ConnectionState(ConnectionState::Connected) => print(
                args,
                "connected",
                json!({}),
                "connected, waiting for operations".to_owned(),
            ),
            Event::ConnectionState(ConnectionState::Stopped { error }) => {
                return Err(format!("stopped: {error}").into());
            }
            _ => {}
        }
    }
}

/// Prints one line: `{"type": kind, ...fields}` with `--json`, else `text`.
fn print(args: &ListenArgs, kind: &str, fields: Value, text: String) {
    if args.json {
        let mut object = json!({ "type": kind });
        if let (Some(object), Value::Object(fields)) = (object.as_object_mut(), fields) {
            object.extend(fields);
        }
        println!("{object}");
    } else {
        println!("{text}");
    }
}

/// What is shown and passed on of an operation.
struct OperationDetails {
    id: Option<String>,
    device: String,
    fragment: String,
    /// The static line as received, for static operations.
    line: Option<String>,
    /// The operation's values after the device id (static and SmartREST 2.0), or the JSON
    /// object as one value.
    values: Vec<String>,
    json: Option<Value>,
}

impl OperationDetails {
    fn of(op: &ReceivedOperation) -> Self {
        let mut details = Self {
            id: op.id.clone(),
            device: op.device.clone(),
            fragment: op.fragment.clone(),
            line: None,
            values: Vec::new(),
            json: None,
        };
        match &op.source {
            OperationSource::Static(kind) => {
                let line = Operation::new(op.device.as_str(), kind.clone()).to_row();
                // The codec reads the line back into its fields: template id, device, values.
                if let Ok(rows) = decode(line.as_bytes())
                    && let Some(row) = rows.first()
                {
                    details.values = row.values().iter().skip(1).cloned().collect();
                }
                details.line = Some(line);
            }
            OperationSource::Json(value) => {
                details.values = vec![value.to_string()];
                details.json = Some(value.clone());
            }
            OperationSource::SmartRest2 { values, .. } => details.values = values.clone(),
            _ => {}
        }
        details
    }

    fn to_json(&self) -> Value {
        json!({
            "id": self.id,
            "device": self.device,
            "fragment": self.fragment,
            "line": self.line,
            "values": self.values,
            "json": self.json,
        })
    }

    fn to_text(&self) -> String {
        let id = self.id.as_deref().unwrap_or("-");
        let what = match (&self.line, &self.json) {
            (Some(line), _) => line.clone(),
            (None, Some(json)) => json.to_string(),
            (None, None) => self.values.join(" "),
        };
        format!(
            "operation {} for {} (id {id}): {what}",
            self.fragment, self.device
        )
    }
}

/// Answers the operation when a flag asks for it; waits until the answer is acknowledged.
fn answer(args: &ListenArgs, op: &ReceivedOperation, details: &OperationDetails) -> Result<(), Error> {
    let outcome = if args.succeed.contains(&op.fragment) {
        op.executing()?;
        Ok(Vec::new())
    } else if let Some(script) = &args.exec {
        op.executing()?;
        run_script(script, details)
    } else {
        return Ok(());
    };
    let (delivery, status, text) = match outcome {
        Ok(parameters) => (op.succeed(parameters)?, "SUCCESSFUL", String::new()),
        Err(reason) => (op.fail(&reason)?, "FAILED", reason),
    };
    let acknowledged = delivery.wait(ANSWER_TIMEOUT).is_some_and(|o| o.is_success());
    print(
        args,
        "answered",
        json!({"device": op.device, "fragment": op.fragment, "id": op.id, "status": status, "reason": text, "acknowledged": acknowledged}),
        format!(
            "answered {} for {}: {status}{}{}",
            op.fragment,
            op.device,
            if text.is_empty() {
                String::new()
            } else {
                format!(" ({text})")
            },
            if acknowledged { "" } else { " (not acknowledged)" }
        ),
    );
    Ok(())
}

/// Runs the script; `Ok(parameters of SUCCESSFUL)` or `Err(failure reason)`.
fn run_script(script: &PathBuf, details: &OperationDetails) -> Result<Vec<String>, String> {
    let mut command = Command::new(script);
    command
        .args(&details.values)
        .env("C8Y_OPERATION_DEVICE", &details.device)
        .env("C8Y_OPERATION_FRAGMENT", &details.fragment)
        .env("C8Y_OPERATION_ID", details.id.as_deref().unwrap_or(""))
        .env("C8Y_OPERATION_LINE", details.line.as_deref().unwrap_or(""))
        .env(
            "C8Y_OPERATION_JSON",
            details.json.as_ref().map(Value::to_string).unwrap_or_default(),
        )
        .stdin(Stdio::null());
    let output = command
        .output()
        .map_err(|e| format!("cannot run {}: {e}", script.display()))?;
    if output.status.success() {
        let stdout = String::from_utf8_lossy(&output.stdout).trim_end().to_owned();
        Ok(if details.fragment == "c8y_Command" {
            vec![stdout]
        } else {
            Vec::new()
        })
    } else {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let last = stderr.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or("");
        Err(
            format!("{} exited with {}: {last}", script.display(), output.status)
                .trim_end_matches(": ")
                .to_owned(),
        )
    }
}
