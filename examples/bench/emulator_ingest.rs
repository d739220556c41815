//! Benchmark: how fast the emulator ingests QoS 1 static measurement lines from one client,
//! side by side with mosquitto on the same machine in the same run (issue 3: the emulator must
//! not be the bottleneck of the SDK's benchmarks; aim: at least half of mosquitto's rate).
//!
//! One bare rumqttc client publishes N lines `200,c8y_Temperature,T,<value>,C` on `s/us`, keeping
//! at most 1000 unacknowledged (the peers' setting in `shared/bench`), and the time from the
//! first publish to the last PUBACK is measured. The emulator parses and stores every line.
//!
//! Run: `make bench` (or `cargo run --release -p c8y-mqtt-examples --example emulator_ingest --
//! [N]`). Prints a table and writes `target/bench/emulator_ingest.json`.

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use c8y_mqtt::smartrest::RowBuilder;
use c8y_mqtt_emulator::Emulator;
use rumqttc::{AsyncClient, Event, MqttOptions, Packet, QoS};

type Error = Box<dyn std::error::Error>;

const INFLIGHT: u16 = 1000;

/// Publishes `n` lines to `addr` as fast as PUBACKs allow; returns messages per second.
async fn publish_all(addr: SocketAddr, n: usize, login: Option<(&str, &str)>) -> Result<f64, Error> {
    let mut options = MqttOptions::new("bench-device", addr.ip().to_string(), addr.port());
    options.set_keep_alive(Duration::from_secs(60));
    options.set_inflight(INFLIGHT);
    options.set_clean_session(true);
    if let Some((user, password)) = login {
        options.set_credentials(user, password);
    }
    let (client, mut eventloop) = AsyncClient::new(options, usize::from(INFLIGHT));
    // Connected before the clock starts.
    loop {
        if let Event::Incoming(Packet::ConnAck(_)) = eventloop.poll().await? {
            break;
        }
    }
    let lines: Vec<String> = (0..n)
        .map(|i| {
            let mut row = RowBuilder::with_template(200);
            row.field("c8y_Temperature")
                .field("T")
                .display(i % 100)
                .field("C");
            row.finish()
        })
        .collect();
    let start = Instant::now();
    let publisher = tokio::spawn(async move {
        for line in lines {
            client.publish("s/us", QoS::AtLeastOnce, false, line).await?;
        }
        Ok::<_, rumqttc::ClientError>(client)
    });
    let mut acked = 0;
    while acked < n {
        if let Event::Incoming(Packet::PubAck(_)) = eventloop.poll().await? {
            acked += 1;
        }
    }
    let elapsed = start.elapsed();
    let client = publisher.await??;
    let _ = client.disconnect().await;
    Ok(n as f64 / elapsed.as_secs_f64())
}

/// A free loopback port (bound, then released for mosquitto).
fn free_port() -> Result<u16, Error> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// mosquitto on a loopback port with a config of its own; killed on drop.
struct Mosquitto {
    child: Child,
    addr: SocketAddr,
    dir: std::path::PathBuf,
}

impl Mosquitto {
    fn start() -> Result<Self, Error> {
        let port = free_port()?;
        let dir = std::env::temp_dir().join(format!("c8y-bench-mosquitto-{}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        let conf = dir.join("mosquitto.conf");
        std::fs::write(
            &conf,
            format!("listener {port} 127.0.0.1\nallow_anonymous true\n"),
        )?;
        let child = Command::new("mosquitto")
            .arg("-c")
            .arg(&conf)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("mosquitto could not be started ({e}); `make bench` installs it"))?;
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        // Ready when it accepts connections (bounded wait).
        let deadline = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect(addr).is_err() {
            if Instant::now() > deadline {
                return Err("mosquitto did not start listening within 10 s".into());
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        Ok(Self { child, addr, dir })
    }
}

impl Drop for Mosquitto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    let n: usize = std::env::args()
        .nth(1)
        .map(|a| a.parse())
        .transpose()?
        .unwrap_or(50_000);

    let mosquitto = Mosquitto::start()?;
    let mosquitto_rate = publish_all(mosquitto.addr, n, None).await?;
    drop(mosquitto);

    let emulator = Emulator::builder()
        .tenant("t100")
        .user("device_bench", "secret")
        .start()
        .await?;
    let addr = emulator.mqtt_addr().ok_or("no MQTT listener")?;
    let emulator_rate = publish_all(addr, n, Some(("t100/device_bench", "secret"))).await?;
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
