//! Benchmark: QoS 1 throughput of static measurement lines through the SDK's typed API, side by
//! side in one run with a bare rumqttc publisher of the same pre-formatted lines (the ceiling),
//! against mosquitto on loopback (aims: typed API at least 0.95x bare rumqttc; with
//! auto-batching, measurements per second at least 10x that).
//!
//! Every publisher keeps at most 1000 messages unacknowledged. The SDK runs with its outbox,
//! delivery handles and events as a user gets them; the time runs from the first publish call to
//! `flush` returning (every message acknowledged).
//!
//! Run: `make bench`, or `cargo run --release -p c8y-mqtt-examples --example client_throughput --
//! [N]`. Prints a table and writes `target/bench/client_throughput.json`.

mod support;

use std::time::Duration;

use support::{Error, INFLIGHT, Mosquitto, publish_all, sdk_publish_all};

/// Publishes `n` typed measurements through the SDK; returns measurements per second.
async fn sdk(mosquitto: &Mosquitto, n: usize, batching: Option<Duration>) -> Result<f64, Error> {
    sdk_publish_all(
        mosquitto.addr,
        "bench-sdk",
        n,
        c8y_mqtt::QoS::AtLeastOnce,
        batching,
    )
    .await
}

/// The bare rumqttc publisher at QoS 1; messages per second.
async fn bare(mosquitto: &Mosquitto, n: usize) -> Result<f64, Error> {
    publish_all(mosquitto.addr, "bench-device", n, rumqttc::QoS::AtLeastOnce, None).await
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    let n: usize = std::env::args()
        .nth(1)
        .map(|a| a.parse())
        .transpose()?
        .unwrap_or(50_000);
    // `PROFILE=typed|batched` runs only that publisher (for a profiler), prints its rate and exits.
    if let Ok(which) = std::env::var("PROFILE") {
        let mosquitto = Mosquitto::start()?;
        let cpu_before = process_cpu_ns();
        let rate = match which.as_str() {
            "bare" => bare(&mosquitto, n).await?,
            "batched" => sdk(&mosquitto, n, Some(Duration::from_millis(5))).await?,
            _ => sdk(&mosquitto, n, None).await?,
        };
        let cpu = process_cpu_ns().saturating_sub(cpu_before);
        println!(
            "{which}: {rate:.0} msg/s, {:.2} µs CPU per message in this process",
            cpu as f64 / 1e3 / n as f64
        );
        return Ok(());
    }
    let mosquitto = Mosquitto::start()?;
    let bare = bare(&mosquitto, n).await?;
    let typed = sdk(&mosquitto, n, None).await?;
    let batched = sdk(&mosquitto, n, Some(Duration::from_millis(5))).await?;

    println!("QoS 1 static measurement lines to mosquitto, N = {n}, at most {INFLIGHT} unacknowledged");
    println!("| publisher                          |  msg/s | ratio to bare rumqttc | aim    |");
    println!("|------------------------------------|-------:|----------------------:|--------|");
    println!("| bare rumqttc, pre-formatted lines  | {bare:>6.0} |                  1.00 |        |");
    let verdict = |ratio: f64, aim: f64| if ratio >= aim { "met" } else { "NOT met" };
    let typed_ratio = typed / bare;
    let batched_ratio = batched / bare;
    println!(
        "| SDK typed API (CustomMeasurement)  | {typed:>6.0} | {typed_ratio:>21.2} | ≥ 0.95 {} |",
        verdict(typed_ratio, 0.95)
    );
    println!(
        "| SDK typed API, auto-batching 5 ms  | {batched:>6.0} | {batched_ratio:>21.2} | ≥ 10 {} |",
        verdict(batched_ratio, 10.0)
    );
    let json = serde_json::json!({
        "benchmark": "client_throughput",
        "messages": n,
        "qos": 1,
        "inflight": INFLIGHT,
        "msg_per_s": {"bare_rumqttc": bare.round(), "sdk_typed": typed.round(), "sdk_batched": batched.round()},
        "ratio_to_bare": {"sdk_typed": (typed_ratio * 100.0).round() / 100.0, "sdk_batched": (batched_ratio * 100.0).round() / 100.0},
    });
    std::fs::create_dir_all("target/bench")?;
    std::fs::write(
        "target/bench/client_throughput.json",
        serde_json::to_string_pretty(&json)?,
    )?;
    Ok(())
}

/// CPU time used so far by this process's live threads, in nanoseconds (Linux schedstat; 0
/// elsewhere): steadier than wall time when other processes load the machine.
fn process_cpu_ns() -> u64 {
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return 0;
    };
    tasks
        .filter_map(|task| std::fs::read_to_string(task.ok()?.path().join("schedstat")).ok())
        .filter_map(|stat| stat.split_whitespace().next()?.parse::<u64>().ok())
        .sum()
}
