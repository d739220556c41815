//! Benchmark: how fast the emulator ingests QoS 1 static measurement lines from one client,
//! side by side with mosquitto on the same machine in the same run (the emulator must
//! not be the bottleneck of the SDK's benchmarks; aim: at least half of mosquitto's rate).
//!
//! One bare rumqttc client publishes N lines `200,c8y_Temperature,T,<value>,C` on `s/us`, keeping
//! at most 1000 unacknowledged (the peers' setting in `examples/bench/peers`), and the time from the
//! first publish to the last PUBACK is measured. The emulator parses and stores every line.
//!
//! Run: `make bench` (or `cargo run --release -p c8y-mqtt-examples --example emulator_ingest --
//! [N]`). Prints a table and writes `target/bench/emulator_ingest.json`.

mod support;

use c8y_mqtt_emulator::Emulator;
use support::{Error, INFLIGHT, Mosquitto, publish_all};

#[tokio::main]
async fn main() -> Result<(), Error> {
    let n: usize = std::env::args()
        .nth(1)
        .map(|a| a.parse())
        .transpose()?
        .unwrap_or(50_000);

    let mosquitto = Mosquitto::start()?;
    let mosquitto_rate =
        publish_all(mosquitto.addr, "bench-device", n, rumqttc::QoS::AtLeastOnce, None).await?;
    drop(mosquitto);

    let emulator = Emulator::builder()
        .tenant("t100")
        .user("device_bench", "secret")
        .start()
        .await?;
    let addr = emulator.mqtt_addr().ok_or("no MQTT listener")?;
    let emulator_rate = publish_all(
        addr,
        "bench-device",
        n,
        rumqttc::QoS::AtLeastOnce,
        Some(("t100/device_bench", "secret")),
    )
    .await?;
    let stored = emulator
        .measurements(&c8y_mqtt_emulator::model::RecordFilter::all())
        .len();
    emulator.shutdown().await;
    if stored != n {
        return Err(format!("the emulator stored {stored} of {n} measurements").into());
    }

    let ratio = emulator_rate / mosquitto_rate;
    println!("QoS 1 static measurement lines from one client, N = {n}, at most {INFLIGHT} unacknowledged");
    println!("| endpoint  |   msg/s | ratio to mosquitto |");
    println!("|-----------|--------:|-------------------:|");
    println!("| mosquitto | {mosquitto_rate:>7.0} |               1.00 |");
    println!("| emulator  | {emulator_rate:>7.0} | {ratio:>18.2} |");
    println!(
        "emulator ingest is {ratio:.2} x mosquitto (aim: at least 0.50) {}",
        if ratio >= 0.5 { "- met" } else { "- NOT met" }
    );
    let json = serde_json::json!({
        "benchmark": "emulator_ingest",
        "messages": n,
        "qos": 1,
        "inflight": INFLIGHT,
        "msg_per_s": {"mosquitto": mosquitto_rate.round(), "emulator": emulator_rate.round()},
        "ratio_emulator_to_mosquitto": (ratio * 100.0).round() / 100.0,
    });
    std::fs::create_dir_all("target/bench")?;
    std::fs::write(
        "target/bench/emulator_ingest.json",
        serde_json::to_string_pretty(&json)?,
    )?;
    Ok(())
}
