//! Benchmark (`make bench-scale`): one process holding N device sessions (the gateway
//! and simulator case) against the emulator running as a separate process, so this process's
//! memory is the clients' alone. Reports resident memory per idle session (VmRSS delta over
//! the sessions, from `/proc/self/status`) and CPU while idle (utime + stime from
//! `/proc/self/stat` over the idle window), next to N paho-mqtt clients in one Python process
//! against the same emulator (`scale_paho.py`). Target: at most 32 KiB per idle session.
//!
//! Run: `make bench-scale`, or `cargo run --release -p c8y-mqtt-examples --example scale -- N
//! IDLE_SECONDS EMULATOR_BINARY [PYTHON PAHO_SCRIPT]`. Writes `target/bench/scale.json`.

mod support;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use c8y_mqtt::client::{Client, Config, TransportKind};
use c8y_mqtt::templates::upstream::DeviceCreation;
use support::Error;

const TARGET_KIB: f64 = 32.0;

/// Most paho-mqtt clients run in one Python process: with 600 not all connected here. Likely
/// cause: each client holds three descriptors (socket and a wake-up socket pair) and its network
/// loop uses `select()`, limited to descriptors below 1024, so about 340 is the ceiling; 300
/// keep a margin.
const PAHO_MAX_SESSIONS: usize = 300;
const TENANT: &str = "t12345";
const USER: &str = "scale";
const PASSWORD: &str = "scale-secret";

/// Resident memory of this process in KiB (`VmRSS`).
fn rss_kib() -> Result<u64, Error> {
    let status = std::fs::read_to_string("/proc/self/status")?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .ok_or_else(|| "no VmRSS in /proc/self/status".into())
}

/// CPU time of this process (user + system) in clock ticks.
fn cpu_ticks() -> Result<u64, Error> {
    let stat = std::fs::read_to_string("/proc/self/stat")?;
    // Fields after the command name (which ends with the last ')'): state is field 3, utime 14.
    let rest = stat
        .rsplit_once(')')
        .map(|(_, r)| r)
        .ok_or("bad /proc/self/stat")?;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let utime: u64 = fields.get(11).ok_or("no utime")?.parse()?;
    let stime: u64 = fields.get(12).ok_or("no stime")?.parse()?;
    Ok(utime + stime)
}

/// Clock ticks per second (`getconf CLK_TCK`, 100 on Linux).
fn ticks_per_second() -> f64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok())
        .unwrap_or(100.0)
}

/// The open-file limit: each session holds one socket.
fn open_files_limit() -> Option<u64> {
    let limits = std::fs::read_to_string("/proc/self/limits").ok()?;
    let line = limits.lines().find(|l| l.starts_with("Max open files"))?;
    line.split_whitespace().nth(3)?.parse().ok()
}

/// The emulator as a child process; killed on drop.
struct EmulatorProcess {
    child: Child,
    port: u16,
}

impl EmulatorProcess {
    fn start(binary: &str) -> Result<Self, Error> {
        let mut child = Command::new(binary)
            .args(["--tenant", TENANT, "--user", &format!("{USER}:{PASSWORD}")])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| format!("cannot start {binary}: {e} (make bench-scale builds it)"))?;
        let stdout = child.stdout.take().ok_or("no stdout")?;
        let mut lines = BufReader::new(stdout).lines();
        let mut port = None;
        for line in lines.by_ref() {
            let line = line?;
            if let Some(addr) = line.strip_prefix("mqtt ") {
                port = addr.rsplit_once(':').and_then(|(_, p)| p.parse().ok());
                break;
            }
        }
        let port = port.ok_or("the emulator printed no `mqtt` address")?;
        // Keep reading what it prints afterwards, so that it never writes to a closed pipe.
        std::thread::spawn(move || lines.for_each(drop));
        Ok(Self { child, port })
    }
}

impl Drop for EmulatorProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// What one side measured.
#[derive(Debug)]
struct Measured {
    sessions: usize,
    kib_per_session: f64,
    idle_cpu_percent: f64,
    connect_seconds: f64,
}

/// N SDK clients in this process.
async fn sdk(port: u16, n: usize, idle: Duration) -> Result<Measured, Error> {
    let before = rss_kib()?;
    let started = Instant::now();
    let mut clients = Vec::with_capacity(n);
    for i in 0..n {
        let config = Config::builder("127.0.0.1", format!("scale-{i}"))
            .port(port)
            .transport(TransportKind::Tcp)
            .password(TENANT, USER, PASSWORD)
            .keep_alive(Duration::from_secs(60))
            .create_device(DeviceCreation::new())
            .build()?;
        clients.push(Client::start(config)?);
    }
    for client in &clients {
        client.wait_connected(Duration::from_secs(120)).await?;
    }
    let connect_seconds = started.elapsed().as_secs_f64();
    // Settle: the connection work is done, then measure over the idle window.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let cpu_before = cpu_ticks()?;
    let idle_start = Instant::now();
    tokio::time::sleep(idle).await;
    let cpu = (cpu_ticks()? - cpu_before) as f64 / ticks_per_second();
    let idle_cpu_percent = 100.0 * cpu / idle_start.elapsed().as_secs_f64();
    let after = rss_kib()?;
    for client in &clients {
        client.close().await;
    }
    Ok(Measured {
        sessions: n,
        kib_per_session: after.saturating_sub(before) as f64 / n as f64,
        idle_cpu_percent,
        connect_seconds,
    })
}

/// N paho-mqtt clients in a Python process: the script prints
/// `paho-mqtt n=<N> kib_per_session=<K> idle_cpu_percent=<C> connect_seconds=<S>`.
fn paho(python: &str, script: &str, port: u16, n: usize, idle: Duration) -> Result<Measured, Error> {
    let output = Command::new(python)
        .arg(script)
        .args([
            port.to_string(),
            n.to_string(),
            idle.as_secs().to_string(),
            format!("{TENANT}/{USER}"),
            PASSWORD.to_owned(),
        ])
        .stderr(Stdio::inherit())
        .output()?;
    if !output.status.success() {
        return Err(format!("{script} failed: {}", output.status).into());
    }
    let text = String::from_utf8_lossy(&output.stdout);
    let value = |key: &str| -> Result<f64, Error> {
        text.split_whitespace()
            .find_map(|w| w.strip_prefix(key)?.strip_prefix('='))
            .ok_or_else(|| format!("no {key} in {text:?}"))?
            .parse()
            .map_err(Into::into)
    };
    Ok(Measured {
        sessions: n,
        kib_per_session: value("kib_per_session")?,
        idle_cpu_percent: value("idle_cpu_percent")?,
        connect_seconds: value("connect_seconds")?,
    })
}

fn row(name: &str, m: &Measured) {
    let verdict = if m.kib_per_session <= TARGET_KIB {
        "met"
    } else {
        "NOT met"
    };
    println!(
        "| {name:<26} | {:>8} | {:>12.1} | {:>13.2} | {:>10.1} | ≤ {TARGET_KIB} KiB {verdict} |",
        m.sessions, m.kib_per_session, m.idle_cpu_percent, m.connect_seconds
    );
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    let args: Vec<String> = std::env::args().collect();
    let n: usize = args.get(1).map(|a| a.parse()).transpose()?.unwrap_or(1000);
    let idle = Duration::from_secs(args.get(2).map(|a| a.parse()).transpose()?.unwrap_or(5));
    let emulator_binary = args.get(3).map_or("target/release/c8y-emulator", String::as_str);
    if let Some(limit) = open_files_limit()
        && limit < (n as u64) * 2 + 64
    {
        return Err(format!(
            "open-file limit {limit} is too low for {n} sessions here and in the emulator: \
                 raise it (`ulimit -n {}`)",
            n * 2 + 64
        )
        .into());
    }
    let emulator = EmulatorProcess::start(emulator_binary)?;
    let sdk = sdk(emulator.port, n, idle).await?;
    let paho_n = n.min(PAHO_MAX_SESSIONS);
    let paho = match (args.get(4), args.get(5)) {
        (Some(python), Some(script)) => Some(paho(python, script, emulator.port, paho_n, idle)),
        _ => None,
    };

    println!(
        "{n} idle device sessions in one process against the emulator (separate process), idle {idle:?}"
    );
    println!(
        "| client                     | sessions | KiB/session | idle CPU %    | connect s  | target            |"
    );
    println!(
        "|----------------------------|---------:|------------:|--------------:|-----------:|-------------------|"
    );
    row("SDK Rust (Client)", &sdk);
    let mut json = serde_json::json!({
        "benchmark": "scale",
        "sessions": n,
        "idle_seconds": idle.as_secs(),
        "target_kib_per_session": TARGET_KIB,
        "sdk": {"kib_per_session": sdk.kib_per_session, "idle_cpu_percent": sdk.idle_cpu_percent,
                "connect_seconds": sdk.connect_seconds},
    });
    let mut failed = None;
    match paho {
        Some(Ok(p)) => {
            row("paho-mqtt (loop_start)", &p);
            if paho_n < n {
                println!(
                    "paho-mqtt ran {paho_n} sessions, not {n}: more do not all connect in one process (select() limit)"
                );
            }
            json["paho_mqtt"] = serde_json::json!({"kib_per_session": p.kib_per_session,
                "idle_cpu_percent": p.idle_cpu_percent, "connect_seconds": p.connect_seconds});
        }
        Some(Err(e)) => {
            println!("| paho-mqtt                  | failed: {e} |");
            failed = Some(e.to_string());
        }
        None => println!("| paho-mqtt                  | not run (no python / script given) |"),
    }
    std::fs::create_dir_all("target/bench")?;
    std::fs::write("target/bench/scale.json", serde_json::to_string_pretty(&json)?)?;
    println!("written: target/bench/scale.json");
    drop(emulator);
    match failed {
        Some(e) => Err(e.into()),
        None => Ok(()),
    }
}
