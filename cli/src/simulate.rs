//! `c8y-mqtt simulate`: many device sessions in one process, each its own MQTT connection (or
//! one gateway with child devices), sending measurements at a total rate, answering operations
//! SUCCESSFUL, with a progress line on stderr and a summary at the end (`--json`: one object as
//! the last line of stdout).
//!
//! Every device sends `c8y_Simulation.seq` measurements numbered 1, 2, 3, … so that the stored
//! measurements tell what was lost or stored twice: with `--emulator` (an emulator started in
//! this process on a loopback port, every device one of its users) the summary compares, per
//! device, the numbers the emulator stored with those the client saw acknowledged. Against a
//! real tenant (the `C8Y_*` settings, one login for every device id) lost and duplicated are
//! `null`: the tool does not read the platform back.
//!
//! Device ids are `--id-prefix` followed by a number counting from `--first`, so several
//! machines running the same command with different `--first` are shards of one larger test.

use std::collections::{HashMap, HashSet};
use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use c8y_mqtt::client::{
    Client, ClientError, Config, ConfigBuilder, ConnectionState, DeliveryOutcome, Entity, Event, NextEvent,
    TransportKind,
};
use c8y_mqtt::templates::upstream::{CustomMeasurement, DeviceCreation};
use c8y_mqtt_emulator::model::RecordFilter;
use c8y_mqtt_emulator::{Emulator, EmulatorBuilder, EmulatorHandle, Limits, Transport};
use serde_json::{Value, json};
use tokio::sync::Notify;

use crate::Error;
use crate::connection::ConnectionArgs;
use crate::local_emulator::LocalEmulator;
use crate::proc_stats;

/// The measurement every simulated device sends: fragment, series.
const FRAGMENT: &str = "c8y_Simulation";
const SERIES: &str = "seq";
/// The emulator's tenant and the password of every simulated device user.
const EMULATOR_TENANT: &str = "t1000";
const EMULATOR_PASSWORD: &str = "simulate-secret";
/// How often the sender wakes up to send what is due.
const SEND_TICK: Duration = Duration::from_millis(10);

/// `simulate` flags.
#[derive(Debug, clap::Args)]
pub(crate) struct SimulateArgs {
    /// Number of devices (sessions; children with --children)
    #[arg(long, default_value_t = 10)]
    devices: u64,
    /// Measurements per second, in total over all devices [default: one per device]
    #[arg(long)]
    rate: Option<f64>,
    /// Seconds of sending, once the devices are connected
    #[arg(long, default_value_t = 10.0)]
    duration: f64,
    /// Device ids are this prefix followed by a number
    #[arg(long, default_value = "sim-")]
    id_prefix: String,
    /// The number of the first device (shards of a larger test start elsewhere)
    #[arg(long, default_value_t = 1)]
    first: u64,
    /// One gateway session (id PREFIX + "gateway-" + FIRST) with N child devices instead of N
    /// sessions
    #[arg(long)]
    children: bool,
    /// Run against an emulator started in this process on a loopback port, instead of C8Y_*
    #[arg(long)]
    emulator: bool,
    /// Print the summary as one JSON object, the last line of stdout
    #[arg(long)]
    json: bool,
    /// New connections per second while starting (0: all at once)
    #[arg(long, default_value_t = 0.0, value_name = "PER_SECOND")]
    connect_rate: f64,
    /// Seconds to wait for the connections, and for the acknowledgements at the end
    #[arg(long, default_value_t = 60, value_name = "SECONDS")]
    timeout: u64,
    /// No progress line
    #[arg(long)]
    quiet: bool,
}

/// Counters shared by the sessions, the sender and the progress line.
#[derive(Default)]
struct Stats {
    sent: AtomicU64,
    acknowledged: AtomicU64,
    errors: AtomicU64,
    operations: AtomicU64,
    /// Publishes whose outcome is not known yet.
    pending: AtomicU64,
    /// Signalled when `pending` drops to zero.
    settled: Notify,
    /// Publish-to-acknowledgement latencies in microseconds.
    latencies_us: Mutex<Vec<u64>>,
    /// The first errors, for the summary.
    first_errors: Mutex<Vec<String>>,
}

impl Stats {
    fn error(&self, what: String) {
        self.errors.fetch_add(1, Ordering::Relaxed);
        let mut first = self.first_errors.lock().unwrap_or_else(|e| e.into_inner());
        if first.len() < 5 {
            first.push(what);
        }
    }
}

/// One simulated device: where its measurements go, what was acknowledged.
struct Device {
    id: String,
    entity: Entity,
    /// The last sequence number sent.
    seq: AtomicU64,
    /// Sequence numbers the platform acknowledged.
    acknowledged: Mutex<Vec<u64>>,
}

/// Runs `simulate`.
pub(crate) fn run(connection: &ConnectionArgs, args: SimulateArgs) -> Result<(), Error> {
    if args.devices == 0 {
        return Err("--devices must be at least 1".into());
    }
    let rate = args.rate.unwrap_or(args.devices as f64);
    if !rate.is_finite() || rate <= 0.0 || !args.duration.is_finite() || args.duration < 0.0 {
        return Err("--rate must be positive and --duration not negative".into());
    }
    // One descriptor per session, and a margin for the runtime, listeners and /proc reads. The
    // emulator's end of each connection is in a descriptor table of its own (see
    // `local_emulator`), with the same limit.
    let sessions = if args.children { 1 } else { args.devices };
    let needed = sessions + 256;
    let open_files = proc_stats::raise_open_files_limit(needed)
        .map_err(|e| format!("cannot raise the open-file limit: {e}"))?;
    if open_files < needed {
        eprintln!(
            "warning: the open-file limit is {open_files}; {} sessions need about {needed}",
            args.devices
        );
    }
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(simulate(connection, args))
}

/// The device ids of this run, in order.
fn device_ids(args: &SimulateArgs) -> Vec<String> {
    (args.first..args.first + args.devices)
        .map(|n| format!("{}{n}", args.id_prefix))
        .collect()
}

/// The gateway's id with `--children`.
fn gateway_id(args: &SimulateArgs) -> String {
    format!("{}gateway-{}", args.id_prefix, args.first)
}

async fn simulate(connection: &ConnectionArgs, args: SimulateArgs) -> Result<(), Error> {
    let ids = device_ids(&args);
    let session_ids = if args.children {
        vec![gateway_id(&args)]
    } else {
        ids.clone()
    };
    let emulator = if args.emulator {
        let emulator = LocalEmulator::start(emulator_builder(&session_ids))?;
        if !emulator.own_descriptor_table {
            eprintln!("warning: the emulator shares this process's open-file limit with the sessions");
        }
        Some(emulator)
    } else {
        None
    };
    let configs = session_ids
        .iter()
        .map(|id| session_config(connection, emulator.as_ref().map(LocalEmulator::handle), id))
        .collect::<Result<Vec<_>, _>>()?;

    // Opened before the sessions take the descriptors: read again and again, they keep
    // working when the sessions use up the open-file limit.
    let proc = proc_stats::ProcFiles::open();
    let stats = Arc::new(Stats::default());
    let rss_before = proc.rss_kib();
    let cpu_before = proc.cpu_ticks();
    let started = Instant::now();

    // Connect every session (at --connect-rate), each with a task answering its operations.
    let mut clients = Vec::with_capacity(configs.len());
    for (i, config) in configs.into_iter().enumerate() {
        if args.connect_rate > 0.0 {
            let due = started + Duration::from_secs_f64(i as f64 / args.connect_rate);
            tokio::time::sleep_until(due.into()).await;
        }
        let client = Arc::new(Client::start(config)?);
        tokio::spawn(answer_operations(Arc::clone(&client), Arc::clone(&stats)));
        clients.push(client);
    }
    let progress = Progress::start(&args, Arc::clone(&stats), clients.clone(), ids.len() as u64);
    let timeout = Duration::from_secs(args.timeout);
    // One deadline for all: each wait only watches a state, so waiting in turn is as quick as
    // waiting together.
    let deadline = Instant::now() + timeout;
    for client in &clients {
        let left = deadline.saturating_duration_since(Instant::now());
        if let Err(error) = client.wait_connected(left).await {
            let id = client.config().device_id();
            match error {
                ClientError::ConnectTimeout { .. } => {
                    stats.error(format!("{id}: not connected within {timeout:?}"));
                }
                error => stats.error(format!("{id}: {error}")),
            }
        }
    }
    let connect_seconds = started.elapsed().as_secs_f64();

    let devices = if args.children {
        create_children(&clients[0], &ids, &stats, timeout).await?
    } else {
        clients
            .iter()
            .zip(&ids)
            .map(|(client, id)| device(id, client.device()))
            .collect()
    };
    let devices: Arc<Vec<Device>> = Arc::new(devices);
    let rss_connected = proc.rss_kib();

    // Send for --duration at --rate, round robin over the devices.
    let sending = Instant::now();
    let send_cpu_before = proc.cpu_ticks();
    send(&args, &devices, &stats).await;
    let send_seconds = sending.elapsed().as_secs_f64();

    // Wait for the outstanding acknowledgements.
    let drain = tokio::time::Instant::now() + timeout;
    loop {
        let settled = stats.settled.notified();
        tokio::pin!(settled);
        settled.as_mut().enable();
        if stats.pending.load(Ordering::SeqCst) == 0 {
            break;
        }
        if tokio::time::timeout_at(drain, settled).await.is_err() {
            break;
        }
    }
    let cpu_after = proc.cpu_ticks();
    let connected_now = clients
        .iter()
        .filter(|c| c.state() == ConnectionState::Connected)
        .count() as u64;
    let devices_connected = if args.children {
        if connected_now == 1 {
            devices.len() as u64
        } else {
            0
        }
    } else {
        connected_now
    };
    progress.stop();

    // What was acknowledged up to here is what the summary reports and compares (later
    // acknowledgements of reconnected sessions are left out of both).
    let acknowledged: Vec<Vec<u64>> = devices
        .iter()
        .map(|d| d.acknowledged.lock().unwrap_or_else(|e| e.into_inner()).clone())
        .collect();
    let sent = stats.sent.load(Ordering::SeqCst);
    let acknowledged_total: u64 = acknowledged.iter().map(|a| a.len() as u64).sum();
    let (lost, duplicated, stored) = match &emulator {
        Some(emulator) => {
            // Read after the acknowledgements: the emulator stores a measurement before it
            // acknowledges it, so everything acknowledged so far is in what is read now.
            let (lost, duplicated, stored) = compare(emulator.handle(), &devices, &acknowledged);
            (json!(lost), json!(duplicated), json!(stored))
        }
        None => (Value::Null, Value::Null, Value::Null),
    };
    for client in &clients {
        client.close().await;
    }
    if let Some(emulator) = emulator {
        emulator.shutdown();
    }

    let acknowledged = acknowledged_total;
    let mut latencies = std::mem::take(&mut *stats.latencies_us.lock().unwrap_or_else(|e| e.into_inner()));
    latencies.sort_unstable();
    let percentile = |p: f64| -> Value {
        if latencies.is_empty() {
            return Value::Null;
        }
        let rank = ((p / 100.0) * latencies.len() as f64).ceil() as usize;
        let us = latencies[rank.clamp(1, latencies.len()) - 1];
        json!((us as f64 / 1000.0 * 1000.0).round() / 1000.0)
    };
    let kib_per_device = match (rss_before, rss_connected) {
        (Some(before), Some(after)) => {
            let sessions = if args.children {
                devices.len()
            } else {
                clients.len()
            };
            json!((after.saturating_sub(before) as f64 / sessions as f64 * 10.0).round() / 10.0)
        }
        _ => Value::Null,
    };
    let cpu_percent = match (send_cpu_before, cpu_after) {
        (Some(before), Some(after)) => {
            let seconds = (after - before) as f64 / proc_stats::ticks_per_second();
            let wall = sending.elapsed().as_secs_f64().max(f64::EPSILON);
            json!((100.0 * seconds / wall * 10.0).round() / 10.0)
        }
        _ => Value::Null,
    };
    let total_cpu_seconds = match (cpu_before, cpu_after) {
        (Some(before), Some(after)) => json!((after - before) as f64 / proc_stats::ticks_per_second()),
        _ => Value::Null,
    };
    let errors = stats.errors.load(Ordering::SeqCst);
    let first_errors = stats
        .first_errors
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .clone();
    let summary = json!({
        "devices": ids.len(),
        "sessions": clients.len(),
        "devices_connected": devices_connected,
        "sent": sent,
        "acknowledged": acknowledged,
        "unacknowledged": sent - acknowledged.min(sent),
        "lost": lost,
        "duplicated": duplicated,
        "stored": stored,
        "errors": errors,
        "first_errors": first_errors,
        "operations_answered": stats.operations.load(Ordering::SeqCst),
        "rate_per_second": (sent as f64 / send_seconds.max(f64::EPSILON) * 10.0).round() / 10.0,
        "connect_seconds": (connect_seconds * 1000.0).round() / 1000.0,
        "send_seconds": (send_seconds * 1000.0).round() / 1000.0,
        "kib_per_device": kib_per_device,
        "cpu_percent": cpu_percent,
        "cpu_seconds_total": total_cpu_seconds,
        "latency_ms": {"p50": percentile(50.0), "p90": percentile(90.0), "p99": percentile(99.0)},
        "emulator": args.emulator,
    });
    print_summary(&args, &summary);
    Ok(())
}

fn device(id: &str, entity: Entity) -> Device {
    Device {
        id: id.to_owned(),
        entity,
        seq: AtomicU64::new(0),
        acknowledged: Mutex::new(Vec::new()),
    }
}

/// The emulator for `--emulator`: loopback listeners on free ports, one device user
/// (`device_<id>`) per session, no limit on failed logins.
fn emulator_builder(session_ids: &[String]) -> EmulatorBuilder {
    // Plain MQTT only: the other listeners would only take descriptors the sessions need.
    let mut builder = Emulator::builder()
        .tenant(EMULATOR_TENANT)
        .port(Transport::Mqtts, None)
        .port(Transport::Ws, None)
        .port(Transport::Wss, None)
        .limits(Limits {
            login_failures: None,
            ..Limits::default()
        });
    for id in session_ids {
        builder = builder.user(format!("device_{id}"), EMULATOR_PASSWORD);
    }
    builder
}

/// The configuration of one session: for the emulator, or from the `C8Y_*` settings with the
/// session's device id.
fn session_config(
    connection: &ConnectionArgs,
    emulator: Option<&EmulatorHandle>,
    id: &str,
) -> Result<Config, Error> {
    let builder: ConfigBuilder = match emulator {
        Some(emulator) => {
            let addr = emulator.mqtt_addr().ok_or("the emulator has no MQTT listener")?;
            Config::builder(addr.ip().to_string(), id)
                .port(addr.port())
                .transport(TransportKind::Tcp)
                .password(EMULATOR_TENANT, format!("device_{id}"), EMULATOR_PASSWORD)
        }
        None => connection.builder_with(|name| (name == "C8Y_DEVICE_ID").then(|| id.to_owned()))?,
    };
    Ok(builder
        .create_device(DeviceCreation::new().with_device_type("c8y_SimulatedDevice"))
        // Outcomes are awaited per publish; delivery events would only fill the queue.
        .delivery_events(false)
        .build()?)
}

/// Creates the children of the gateway and waits until the platform acknowledged each.
async fn create_children(
    gateway: &Client,
    ids: &[String],
    stats: &Stats,
    timeout: Duration,
) -> Result<Vec<Device>, Error> {
    let mut devices = Vec::with_capacity(ids.len());
    let mut creations = Vec::new();
    for id in ids {
        let (child, delivery) = gateway.device().create_child(id, id, "c8y_SimulatedDevice")?;
        creations.extend(delivery);
        devices.push(device(id, child));
    }
    for delivery in creations {
        match tokio::time::timeout(timeout, delivery.outcome()).await {
            Ok(outcome) if outcome.is_success() => {}
            Ok(outcome) => stats.error(format!("child creation: {outcome:?}")),
            Err(_) => stats.error("child creation not acknowledged in time".to_owned()),
        }
    }
    Ok(devices)
}

/// Sends measurements at the total rate for the duration, round robin over the devices; each
/// outcome is awaited by a task of its own, which records the latency.
async fn send(args: &SimulateArgs, devices: &Arc<Vec<Device>>, stats: &Arc<Stats>) {
    let start = tokio::time::Instant::now();
    let end = start + Duration::from_secs_f64(args.duration);
    let mut ticker = tokio::time::interval(SEND_TICK);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let rate = args.rate.unwrap_or(args.devices as f64);
    let mut sent: u64 = 0;
    loop {
        let now = ticker.tick().await;
        let elapsed = now.min(end).duration_since(start).as_secs_f64();
        let due = (rate * elapsed).floor() as u64;
        while sent < due {
            let index = (sent % devices.len() as u64) as usize;
            sent += 1;
            publish(devices, index, stats);
        }
        if now >= end {
            break;
        }
    }
}

/// Publishes the next measurement of one device.
fn publish(devices: &Arc<Vec<Device>>, index: usize, stats: &Arc<Stats>) {
    let device = &devices[index];
    let seq = device.seq.fetch_add(1, Ordering::Relaxed) + 1;
    let measurement = match CustomMeasurement::new(FRAGMENT, SERIES, seq) {
        Ok(measurement) => measurement,
        Err(error) => return stats.error(format!("measurement: {error}")),
    };
    let published = Instant::now();
    let delivery = match device.entity.publish(measurement) {
        Ok(delivery) => delivery,
        Err(error) => return stats.error(format!("publish for {}: {error}", device.id)),
    };
    stats.sent.fetch_add(1, Ordering::Relaxed);
    stats.pending.fetch_add(1, Ordering::SeqCst);
    let devices = Arc::clone(devices);
    let stats = Arc::clone(stats);
    tokio::spawn(async move {
        let outcome = delivery.outcome().await;
        let device = &devices[index];
        match outcome {
            DeliveryOutcome::Acknowledged | DeliveryOutcome::Sent => {
                let us = published.elapsed().as_micros() as u64;
                stats
                    .latencies_us
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .push(us);
                device
                    .acknowledged
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .push(seq);
                stats.acknowledged.fetch_add(1, Ordering::Relaxed);
            }
            other => stats.error(format!("{} measurement {seq}: {other:?}", device.id)),
        }
        if stats.pending.fetch_sub(1, Ordering::SeqCst) == 1 {
            stats.settled.notify_waiters();
        }
    });
}

/// Answers every operation of one session EXECUTING, then SUCCESSFUL; counts refusals and a
/// stopped session as errors.
async fn answer_operations(client: Arc<Client>, stats: Arc<Stats>) {
    loop {
        match client.next_event().await {
            NextEvent::Event(Event::Operation(op) | Event::OperationResumed(op)) => {
                let answered = op.executing().and_then(|_| op.succeed(Vec::<String>::new()));
                match answered {
                    Ok(_) => {
                        stats.operations.fetch_add(1, Ordering::Relaxed);
                    }
                    Err(error) => stats.error(format!("answering {}: {error}", op.fragment)),
                }
            }
            NextEvent::Event(Event::PublishRejected { device, line, .. }) => {
                stats.error(format!("{device}: error {} {}", line.code, line.text));
            }
            NextEvent::Event(Event::SmartRestError(line)) => {
                stats.error(format!("error {} {}", line.code, line.text));
            }
            NextEvent::Event(Event::ConnectionState(ConnectionState::Stopped { error })) => {
                stats.error(format!("{} stopped: {error}", client.config().device_id()));
            }
            NextEvent::Event(_) | NextEvent::Timeout => {}
            NextEvent::Closed => return,
        }
    }
}

/// Per device, the `acknowledged` sequence numbers the emulator did not store (lost) and the
/// stored ones beyond the first of each number (duplicated); also the total stored.
fn compare(emulator: &EmulatorHandle, devices: &[Device], acknowledged: &[Vec<u64>]) -> (u64, u64, u64) {
    // Managed object id → device index, then one pass over the stored measurements.
    let mut by_object = HashMap::new();
    for (index, device) in devices.iter().enumerate() {
        if let Some(object) = emulator.managed_object_by_external_id(&device.id)
            && let Some(id) = object["id"].as_str()
        {
            by_object.insert(id.to_owned(), index);
        }
    }
    let mut stored: Vec<Vec<u64>> = vec![Vec::new(); devices.len()];
    let mut total = 0;
    for measurement in emulator.measurements(&RecordFilter::all().of_type(FRAGMENT)) {
        let Some(index) = measurement["source"]["id"]
            .as_str()
            .and_then(|id| by_object.get(id))
        else {
            continue;
        };
        if let Some(seq) = measurement[FRAGMENT][SERIES]["value"].as_u64() {
            stored[*index].push(seq);
            total += 1;
        }
    }
    let (mut lost, mut duplicated) = (0, 0);
    for (stored, acknowledged) in stored.iter().zip(acknowledged) {
        let distinct: HashSet<u64> = stored.iter().copied().collect();
        duplicated += (stored.len() - distinct.len()) as u64;
        lost += acknowledged.iter().filter(|seq| !distinct.contains(seq)).count() as u64;
    }
    (lost, duplicated, total)
}

fn print_summary(args: &SimulateArgs, summary: &Value) {
    if args.json {
        println!("{summary}");
        return;
    }
    let get = |key: &str| summary[key].to_string();
    println!(
        "devices connected {}/{}, sent {}, acknowledged {}, lost {}, duplicated {}, errors {}",
        get("devices_connected"),
        get("devices"),
        get("sent"),
        get("acknowledged"),
        get("lost"),
        get("duplicated"),
        get("errors"),
    );
    println!(
        "rate {}/s, latency p50 {} ms, p90 {} ms, p99 {} ms, {} KiB per device, CPU {} %",
        get("rate_per_second"),
        summary["latency_ms"]["p50"],
        summary["latency_ms"]["p90"],
        summary["latency_ms"]["p99"],
        get("kib_per_device"),
        get("cpu_percent"),
    );
}

/// The live progress line on stderr: rewritten in place on a terminal, a line every few
/// seconds otherwise.
struct Progress {
    stop: Arc<Notify>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl Progress {
    fn start(args: &SimulateArgs, stats: Arc<Stats>, clients: Vec<Arc<Client>>, devices: u64) -> Self {
        let stop = Arc::new(Notify::new());
        if args.quiet {
            return Self { stop, task: None };
        }
        let terminal = std::io::stderr().is_terminal();
        let every = if terminal {
            Duration::from_millis(500)
        } else {
            Duration::from_secs(5)
        };
        let children = args.children;
        let stopped = Arc::clone(&stop);
        let task = tokio::spawn(async move {
            let mut ticker = tokio::time::interval(every);
            loop {
                let stop = tokio::select! {
                    _ = ticker.tick() => false,
                    () = stopped.notified() => true,
                };
                let connected = clients
                    .iter()
                    .filter(|c| c.state() == ConnectionState::Connected)
                    .count();
                let line = format!(
                    "{} {connected}/{}, sent {}, acknowledged {}, errors {}",
                    if children {
                        "gateway connected"
                    } else {
                        "connected"
                    },
                    if children { 1 } else { devices },
                    stats.sent.load(Ordering::Relaxed),
                    stats.acknowledged.load(Ordering::Relaxed),
                    stats.errors.load(Ordering::Relaxed),
                );
                let mut stderr = std::io::stderr().lock();
                let _ = if terminal {
                    write!(stderr, "\r{line}\x1b[K{}", if stop { "\n" } else { "" })
                } else {
                    writeln!(stderr, "{line}")
                };
                if stop {
                    return;
                }
            }
        });
        Self {
            stop,
            task: Some(task),
        }
    }

    fn stop(mut self) {
        self.stop.notify_one();
        drop(self.task.take());
    }
}
