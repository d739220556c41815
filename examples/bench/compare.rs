//! Benchmark (`make bench`): every way to publish SmartREST measurement lines, side by
//! side in one run against one mosquitto on loopback, QoS 0 and QoS 1, with and without the
//! SDK's auto-batching: a bare rumqttc publisher (the ceiling), the SDK's Rust face (typed API:
//! the async `Client` on this program's runtime, and a `BlockingClient` with its own), and
//! external programs — the SDK's C and Python faces and the peers Paho C and paho-mqtt.
//!
//! External programs are listed in [`EXTERNAL`]; each is run as `<program> PORT N QOS` and
//! prints one line `<name> qos<Q> n=<N> <rate> msg/s`. A program that is missing or fails is
//! a row saying so, and the run exits non-zero at the end (never silently skipped).
//! `BENCH_FACES` (default `rust,c,python`) chooses which SDK faces run, e.g. `BENCH_FACES=rust`
//! while the C and Python faces do not exist; the peers always run.
//!
//! Each publisher runs `BENCH_ROUNDS` times (default 5), the publishers taking turns round by
//! round, and its row is the median of its rounds with their range.
//!
//! Every publisher keeps at most 1000 messages in flight (sent, not acknowledged). Behind them
//! bare rumqttc's request channel holds up to 1000 more, the C and Python faces keep 1000 more
//! queued (outbox limit, delivery window), and so does the Rust face's `BlockingClient` and,
//! unbatched, its async `Client` (each awaits the delivery sent twice the window earlier). A
//! QoS 1 run ends when every message is acknowledged, a QoS 0 run when every message is written.
//!
//! Run: `make bench`, or `cargo run --release -p c8y-mqtt-examples --example compare -- [N]`
//! (the peers' paths come from `BENCH_PAHO_C`, `BENCH_PYTHON`, `BENCH_PEERS`; `make bench`
//! builds and sets them). Prints a table and writes `target/bench/compare.json`.

mod support;

use std::path::PathBuf;
use std::time::Duration;

use c8y_mqtt::QoS;
use support::{Error, INFLIGHT, Mosquitto, publish_all, sdk_blocking_publish_all, sdk_publish_all};

/// Longest an external program may run.
const EXTERNAL_TIMEOUT: Duration = Duration::from_secs(300);

/// The auto-batching linger of the batched SDK rows.
const LINGER: Duration = Duration::from_millis(5);

/// Where an external program is found.
#[derive(Debug, Clone, Copy)]
enum Program {
    /// An executable: path from the environment variable, else the default.
    Binary {
        env: &'static str,
        default: &'static str,
    },
    /// A Python script run by the bench virtualenv's interpreter (`BENCH_PYTHON`).
    Python {
        env: &'static str,
        default: &'static str,
        file: &'static str,
    },
}

/// An external publisher: its row name, the `BENCH_FACES` key that selects it (`peers` always
/// runs), how to start it and how it is built when missing.
#[derive(Debug, Clone, Copy)]
struct External {
    client: &'static str,
    face: &'static str,
    program: Program,
    hint: &'static str,
}

/// The external programs, in table order.
const EXTERNAL: &[External] = &[
    External {
        client: "SDK C face",
        face: "c",
        program: Program::Binary {
            env: "BENCH_C_FACE",
            default: "target/bench/c8y_bench_pub",
        },
        hint: "`make bench` builds it from examples/c/bench_pub.c and ffi/",
    },
    External {
        client: "SDK Python face",
        face: "python",
        program: Program::Python {
            env: "BENCH_PY_DIR",
            default: "examples/python",
            file: "bench_pub.py",
        },
        hint: "`make bench` installs python/ into target/bench/venv",
    },
    External {
        client: "Paho C (MQTTAsync)",
        face: "peers",
        program: Program::Binary {
            env: "BENCH_PAHO_C",
            default: "target/bench/paho_c_pub",
        },
        hint: "`make bench` builds it (apt-get install libpaho-mqtt-dev)",
    },
    External {
        client: "paho-mqtt (Python)",
        face: "peers",
        program: Program::Python {
            env: "BENCH_PEERS",
            default: "examples/bench/peers",
            file: "paho_py_pub.py",
        },
        hint: "`make bench` creates target/bench/venv with paho-mqtt",
    },
];

/// How a row ended.
#[derive(Debug, Clone)]
enum Outcome {
    Rate(f64),
    /// The program is not there.
    Missing(String),
    /// It ran and failed (exit status, unreadable output, timeout, error).
    Failed(String),
    /// Deselected with `BENCH_FACES`.
    NotRun(String),
}

#[derive(Debug, Clone)]
struct Row {
    client: String,
    qos: u8,
    batching: bool,
    /// The median of its rounds (or the first round that did not give a rate).
    outcome: Outcome,
    /// The lowest and highest rate of its rounds.
    spread: Option<(f64, f64)>,
}

impl Row {
    fn rate(&self) -> Option<f64> {
        match self.outcome {
            Outcome::Rate(rate) => Some(rate),
            _ => None,
        }
    }
}

fn qos_of(qos: u8) -> QoS {
    if qos == 0 {
        QoS::AtMostOnce
    } else {
        QoS::AtLeastOnce
    }
}

/// The bare rumqttc publisher of pre-formatted lines; messages per second.
async fn bare(mosquitto: &Mosquitto, n: usize, qos: u8) -> Result<f64, Error> {
    let mqtt_qos = if qos == 0 {
        rumqttc::QoS::AtMostOnce
    } else {
        rumqttc::QoS::AtLeastOnce
    };
    publish_all(mosquitto.addr, &format!("bench-bare-{qos}"), n, mqtt_qos, None).await
}

/// The SDK's Rust face; messages per second.
async fn sdk(mosquitto: &Mosquitto, n: usize, qos: u8, batching: bool) -> Result<f64, Error> {
    let linger = batching.then_some(LINGER);
    sdk_publish_all(
        mosquitto.addr,
        &format!("bench-sdk-{qos}"),
        n,
        qos_of(qos),
        linger,
    )
    .await
}

/// The SDK's Rust face through a `BlockingClient` (its own one-worker runtime, publishing from
/// a plain thread, as the C and Python faces do); messages per second.
async fn sdk_blocking(mosquitto: &Mosquitto, n: usize, qos: u8) -> Result<f64, Error> {
    let addr = mosquitto.addr;
    let client_id = format!("bench-sdk-blocking-{qos}");
    tokio::task::spawn_blocking(move || {
        sdk_blocking_publish_all(addr, &client_id, n, qos_of(qos)).map_err(|e| e.to_string())
    })
    .await?
    .map_err(Error::from)
}

/// The command for an external program, or why it cannot run.
fn command(external: &External) -> Result<tokio::process::Command, String> {
    let path = |env: &str, default: &str| {
        std::env::var_os(env)
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(default))
    };
    match external.program {
        Program::Binary { env, default } => {
            let binary = path(env, default);
            if !binary.is_file() {
                return Err(format!("{} not found ({})", binary.display(), external.hint));
            }
            Ok(tokio::process::Command::new(binary))
        }
        Program::Python { env, default, file } => {
            let script = path(env, default).join(file);
            if !script.is_file() {
                return Err(format!("{} not found ({})", script.display(), external.hint));
            }
            let python = path("BENCH_PYTHON", "target/bench/venv/bin/python");
            if !python.is_file() {
                return Err(format!(
                    "{} not found (`make bench` creates the venv)",
                    python.display()
                ));
            }
            let mut command = tokio::process::Command::new(python);
            command.arg(script);
            Ok(command)
        }
    }
}

/// The rate in a line `<name> qos<Q> n=<N> <rate> msg/s`: the number before `msg/s`.
fn parse_rate(output: &str) -> Option<f64> {
    output.lines().rev().find_map(|line| {
        let words: Vec<&str> = line.split_whitespace().collect();
        let at = words.iter().position(|w| *w == "msg/s")?;
        words.get(at.checked_sub(1)?)?.parse().ok()
    })
}

/// `key=value` lines a program prints besides its rate (the Python face prints
/// `import_to_connected_ms=<x>`: the time from `import c8y_mqtt` to connected).
fn parse_extras(output: &str) -> Vec<(String, String)> {
    output
        .lines()
        .filter_map(|line| {
            let (key, value) = line.trim().split_once('=')?;
            let plain = |t: &str| !t.is_empty() && !t.contains(char::is_whitespace);
            (plain(key) && plain(value)).then(|| (key.to_owned(), value.to_owned()))
        })
        .collect()
}

/// Runs an external program against the broker; its outcome and the extra figures it printed.
async fn run_external(external: &External, port: u16, n: usize, qos: u8) -> (Outcome, Vec<(String, String)>) {
    let mut command = match command(external) {
        Ok(command) => command,
        Err(why) => return (Outcome::Missing(why), Vec::new()),
    };
    command
        .args([port.to_string(), n.to_string(), qos.to_string()])
        .stdin(std::process::Stdio::null())
        .kill_on_drop(true);
    let output = match tokio::time::timeout(EXTERNAL_TIMEOUT, command.output()).await {
        Err(_) => {
            return (
                Outcome::Failed(format!("no result within {EXTERNAL_TIMEOUT:?}")),
                Vec::new(),
            );
        }
        Ok(Err(e)) => return (Outcome::Failed(format!("cannot start: {e}")), Vec::new()),
        Ok(Ok(output)) => output,
    };
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let last_error = stderr.lines().last().unwrap_or("").trim().to_owned();
    if !output.status.success() {
        return (
            Outcome::Failed(format!("{}: {last_error}", output.status)),
            Vec::new(),
        );
    }
    let outcome = match parse_rate(&stdout) {
        Some(rate) => Outcome::Rate(rate),
        None => Outcome::Failed(format!("no `<rate> msg/s` line in its output: {stdout:?}")),
    };
    (outcome, parse_extras(&stdout))
}

fn outcome_of(result: Result<f64, Error>) -> Outcome {
    match result {
        Ok(rate) => Outcome::Rate(rate),
        Err(e) => Outcome::Failed(e.to_string()),
    }
}

/// The median rate of one publisher's rounds, with the lowest and highest; the first outcome
/// that is not a rate when a round did not give one.
fn median(outcomes: Vec<Outcome>) -> (Outcome, Option<(f64, f64)>) {
    let mut rates = Vec::new();
    for outcome in outcomes {
        match outcome {
            Outcome::Rate(rate) => rates.push(rate),
            other => return (other, None),
        }
    }
    rates.sort_by(f64::total_cmp);
    match (rates.first(), rates.last()) {
        (Some(&low), Some(&high)) => (Outcome::Rate(rates[rates.len() / 2]), Some((low, high))),
        _ => (Outcome::Failed("no round ran".to_owned()), None),
    }
}

fn ratio(row: &Row, rows: &[Row], peer: &str) -> Option<f64> {
    let base = rows
        .iter()
        .find(|r| r.client == peer && r.qos == row.qos && !r.batching)?;
    Some(row.rate()? / base.rate()?)
}

fn cell(value: Option<f64>) -> String {
    value.map_or_else(|| "–".to_owned(), |v| format!("{v:.2}"))
}

const BARE: &str = "bare rumqttc";
const SDK_RUST: &str = "SDK Rust face (typed)";
const SDK_RUST_BLOCKING: &str = "SDK Rust, BlockingClient";
const PAHO_C: &str = "Paho C (MQTTAsync)";
const PAHO_PY: &str = "paho-mqtt (Python)";

#[tokio::main]
async fn main() -> Result<(), Error> {
    let n: usize = std::env::args()
        .nth(1)
        .map(|a| a.parse())
        .transpose()?
        .unwrap_or(50_000);
    let faces_setting = std::env::var("BENCH_FACES").unwrap_or_else(|_| "rust,c,python".to_owned());
    let faces: Vec<&str> = faces_setting.split(',').map(str::trim).collect();
    let selected = |face: &str| face == "peers" || faces.contains(&face);
    let mosquitto = Mosquitto::start()?;
    let port = mosquitto.addr.port();

    let rounds: usize = std::env::var("BENCH_ROUNDS")
        .ok()
        .map(|v| v.parse())
        .transpose()?
        .unwrap_or(5)
        .max(1);
    let mut rows = Vec::new();
    let mut extras: Vec<(&str, u8, String, String)> = Vec::new();
    for qos in [1u8, 0] {
        // Every publisher runs once per round, in the same order, and its row is the median of
        // its rounds: a baseline and its comparisons share the machine's moments of load.
        let mut samples: Vec<(&str, bool, Vec<Outcome>)> = Vec::new();
        let mut record = |client: &'static str, batching: bool, outcome: Outcome| {
            eprintln!(
                "{client} qos{qos}{}: {outcome:?}",
                if batching { " batched" } else { "" }
            );
            match samples
                .iter_mut()
                .find(|(c, b, _)| *c == client && *b == batching)
            {
                Some((_, _, outcomes)) => outcomes.push(outcome),
                None => samples.push((client, batching, vec![outcome])),
            }
        };
        for round in 0..rounds {
            record(BARE, false, outcome_of(bare(&mosquitto, n, qos).await));
            for batching in [false, true] {
                let outcome = if selected("rust") {
                    outcome_of(sdk(&mosquitto, n, qos, batching).await)
                } else {
                    Outcome::NotRun(format!("BENCH_FACES={faces_setting}"))
                };
                record(SDK_RUST, batching, outcome);
            }
            let outcome = if selected("rust") {
                outcome_of(sdk_blocking(&mosquitto, n, qos).await)
            } else {
                Outcome::NotRun(format!("BENCH_FACES={faces_setting}"))
            };
            record(SDK_RUST_BLOCKING, false, outcome);
            for external in EXTERNAL {
                let outcome = if selected(external.face) {
                    let (outcome, found) = run_external(external, port, n, qos).await;
                    if round == 0 {
                        extras.extend(found.into_iter().map(|(k, v)| (external.client, qos, k, v)));
                    }
                    outcome
                } else {
                    Outcome::NotRun(format!("BENCH_FACES={faces_setting}"))
                };
                record(external.client, false, outcome);
            }
        }
        for (client, batching, outcomes) in samples {
            let (outcome, spread) = median(outcomes);
            rows.push(Row {
                client: client.to_owned(),
                qos,
                batching,
                outcome,
                spread,
            });
        }
    }

    println!(
        "Static measurement lines to mosquitto on loopback, N = {n} per row, at most {INFLIGHT} in flight, \
         median of {rounds} interleaved rounds (min-max in msg/s)"
    );
    println!(
        "| client                 | QoS | batching | msg/s   | min-max           | × bare rumqttc | × Paho C | × paho-mqtt |"
    );
    println!(
        "|------------------------|-----|----------|--------:|-------------------|---------------:|---------:|------------:|"
    );
    let mut json_rows = Vec::new();
    let mut problems = Vec::new();
    for row in &rows {
        let batching = if row.batching {
            format!("{} ms", LINGER.as_millis())
        } else {
            "no".to_owned()
        };
        let (bare_ratio, paho_c, paho_py) = (
            ratio(row, &rows, BARE),
            ratio(row, &rows, PAHO_C),
            ratio(row, &rows, PAHO_PY),
        );
        let (rate, status) = match &row.outcome {
            Outcome::Rate(rate) => (format!("{rate:.0}"), serde_json::Value::from("ok")),
            Outcome::Missing(why) => {
                problems.push(format!("{} qos{}: missing: {why}", row.client, row.qos));
                (format!("missing: {why}"), format!("missing: {why}").into())
            }
            Outcome::Failed(why) => {
                problems.push(format!("{} qos{}: failed: {why}", row.client, row.qos));
                (format!("failed: {why}"), format!("failed: {why}").into())
            }
            Outcome::NotRun(why) => (format!("not run ({why})"), format!("not run ({why})").into()),
        };
        let spread = row
            .spread
            .map_or_else(String::new, |(low, high)| format!("{low:.0}-{high:.0}"));
        println!(
            "| {:<22} | {:>3} | {:<8} | {:>7} | {:<17} | {:>14} | {:>8} | {:>11} |",
            row.client,
            row.qos,
            batching,
            rate,
            spread,
            cell(bare_ratio),
            cell(paho_c),
            cell(paho_py)
        );
        let round = |v: Option<f64>| v.map(|v| (v * 100.0).round() / 100.0);
        json_rows.push(serde_json::json!({
            "client": row.client,
            "qos": row.qos,
            "batching_ms": if row.batching { Some(LINGER.as_millis()) } else { None },
            "msg_per_s": row.rate().map(f64::round),
            "msg_per_s_min_max": row.spread.map(|(low, high)| [low.round(), high.round()]),
            "status": status,
            "ratio_to_bare_rumqttc": round(bare_ratio),
            "ratio_to_paho_c": round(paho_c),
            "ratio_to_paho_mqtt": round(paho_py),
        }));
    }
    for (client, qos, key, value) in &extras {
        println!("{client}, QoS {qos}: {key} = {value}");
    }
    let extras: Vec<serde_json::Value> = extras
        .iter()
        .map(|(client, qos, key, value)| serde_json::json!({"client": client, "qos": qos, key: value}))
        .collect();
    let json = serde_json::json!({
        "benchmark": "compare",
        "extras": extras,
        "broker": "mosquitto (loopback)",
        "messages_per_row": n,
        "rounds": rounds,
        "inflight": INFLIGHT,
        "faces": faces_setting,
        "rows": json_rows,
        "problems": problems,
    });
    std::fs::create_dir_all("target/bench")?;
    std::fs::write("target/bench/compare.json", serde_json::to_string_pretty(&json)?)?;
    println!("written: target/bench/compare.json");
    if !problems.is_empty() {
        for problem in &problems {
            eprintln!("bench: {problem}");
        }
        return Err(format!("{} row(s) missing or failed", problems.len()).into());
    }
    Ok(())
}
