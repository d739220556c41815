//! Shared by the benchmarks: the bare rumqttc publisher (the ceiling every SDK face is compared
//! with), the SDK's Rust-face publisher, and a mosquitto broker on a loopback port.
#![allow(dead_code)]

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use c8y_mqtt::client::{
    BlockingClient, Client, Config, Delivery, FlushTimeout, OutboxLimits, Subscriptions, TransportKind,
};
use c8y_mqtt::smartrest::RowBuilder;
use c8y_mqtt::templates::upstream::CustomMeasurement;
use rumqttc::{AsyncClient, Event, MqttOptions, Outgoing, Packet, QoS};

pub type Error = Box<dyn std::error::Error>;

/// The measurement line every benchmark sends (the one the peers in `examples/bench/peers` send).
pub fn measurement_line(i: usize) -> String {
    let mut row = RowBuilder::with_template(200);
    row.field("c8y_Temperature")
        .field("T")
        .display(i % 100)
        .field("C");
    row.finish()
}

/// Most unacknowledged messages of every publisher (the peers use the same).
pub const INFLIGHT: u16 = 1000;

/// The paced publishers keep every this many-th delivery to wait for.
const PACE_EVERY: usize = 100;

/// The pacing of the SDK publishers: at most the window in flight and as many again queued.
/// Every [`PACE_EVERY`]-th delivery is kept; once more than two windows' worth are kept, the
/// oldest (sent twice the window earlier) is handed back for the caller to wait for, in its
/// own way (async or blocking).
#[derive(Default)]
struct Pacer {
    marks: std::collections::VecDeque<Delivery>,
}

impl Pacer {
    /// Notes the `i`-th publish; returns the delivery to wait for before publishing more.
    fn sent(&mut self, i: usize, delivery: Delivery) -> Option<Delivery> {
        if !i.is_multiple_of(PACE_EVERY) {
            return None;
        }
        self.marks.push_back(delivery);
        if self.marks.len() > 2 * usize::from(INFLIGHT) / PACE_EVERY {
            self.marks.pop_front()
        } else {
            None
        }
    }
}

/// How long an SDK run may take from the first publish until everything is sent/acknowledged.
pub const SDK_TIMEOUT: Duration = Duration::from_secs(60);

/// The bare rumqttc publisher: `n` pre-formatted lines to `addr` as client `client_id`, as fast
/// as the window allows; a QoS 1 run ends when every line is acknowledged, a QoS 0 run when
/// every line is written. Returns messages per second (the clock starts once connected).
pub async fn publish_all(
    addr: SocketAddr,
    client_id: &str,
    n: usize,
    qos: QoS,
    login: Option<(&str, &str)>,
) -> Result<f64, Error> {
    let mut options = MqttOptions::new(client_id, addr.ip().to_string(), addr.port());
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
    let lines: Vec<String> = (0..n).map(measurement_line).collect();
    let start = Instant::now();
    let publisher = tokio::spawn(async move {
        for line in lines {
            client.publish("s/us", qos, false, line).await?;
        }
        Ok::<_, rumqttc::ClientError>(client)
    });
    let mut done = 0;
    while done < n {
        match eventloop.poll().await? {
            Event::Incoming(Packet::PubAck(_)) if qos != QoS::AtMostOnce => done += 1,
            Event::Outgoing(Outgoing::Publish(_)) if qos == QoS::AtMostOnce => done += 1,
            _ => {}
        }
    }
    let elapsed = start.elapsed();
    let client = publisher.await??;
    let _ = client.disconnect().await;
    Ok(n as f64 / elapsed.as_secs_f64())
}

/// The configuration of the SDK's Rust-face publishers: plain TCP to `addr`, the window of
/// [`INFLIGHT`], an outbox that holds all `n` messages, no delivery events, optionally
/// auto-batched with `linger`.
fn sdk_config(
    addr: SocketAddr,
    client_id: &str,
    n: usize,
    qos: c8y_mqtt::QoS,
    linger: Option<Duration>,
) -> Result<Config, Error> {
    let mut builder = Config::builder(addr.ip().to_string(), client_id)
        .port(addr.port())
        .transport(TransportKind::Tcp)
        .password("t100", "bench", "secret")
        .subscriptions(Subscriptions {
            static_downstream: false,
            errors: false,
            ..Subscriptions::default()
        })
        .default_qos(qos)
        .max_inflight(INFLIGHT)
        .outbox(OutboxLimits {
            max_messages: n + 1,
            max_bytes: 1 << 30,
            ..OutboxLimits::default()
        })
        .delivery_events(false);
    if let Some(linger) = linger {
        builder = builder.batching(linger);
    }
    Ok(builder.build()?)
}

/// The `n` typed measurements of the SDK's publishers (the same lines as [`measurement_line`]).
fn sdk_measurements(n: usize) -> Result<Vec<CustomMeasurement>, Error> {
    (0..n)
        .map(|i| Ok(CustomMeasurement::new("c8y_Temperature", "T", i % 100)?.with_unit("C")))
        .collect()
}

/// The error of a flush that did not complete.
fn incomplete(timeout: &FlushTimeout, n: usize) -> Error {
    format!(
        "not complete after {:?}: {} of {n} messages still queued",
        timeout.timeout,
        timeout.pending.len()
    )
    .into()
}

/// The SDK's Rust face: `n` typed measurements (the same lines) through a [`Client`] on the
/// caller's runtime with the user-visible machinery on (outbox, delivery handles), optionally
/// auto-batched with `linger`; timed from the first publish call until `flush` returns. Returns
/// messages per second.
///
/// Without batching the publisher is paced ([`Pacer`]) like the bare one, whose request channel
/// holds [`INFLIGHT`] messages: at most the window in flight and as many again queued. Awaiting
/// the delivery the pacer hands back lets the connection task, on the same thread, send while
/// the publisher still has messages to queue, as the bare publisher's full channel does.
/// Batched rows are not paced: the window counts packets, each of many rows.
pub async fn sdk_publish_all(
    addr: SocketAddr,
    client_id: &str,
    n: usize,
    qos: c8y_mqtt::QoS,
    linger: Option<Duration>,
) -> Result<f64, Error> {
    let client = Client::start(sdk_config(addr, client_id, n, qos, linger)?)?;
    client.wait_connected(Duration::from_secs(10)).await?;
    let templates = sdk_measurements(n)?;
    let paced = linger.is_none();
    let mut pacer = Pacer::default();
    let start = Instant::now();
    for (i, template) in templates.into_iter().enumerate() {
        let delivery = client.publish(template)?;
        if paced
            && let Some(oldest) = pacer.sent(i, delivery)
            && tokio::time::timeout(SDK_TIMEOUT, oldest.outcome()).await.is_err()
        {
            client.close().await;
            return Err("no acknowledgement within the timeout".into());
        }
    }
    if let Err(timeout) = client.flush(SDK_TIMEOUT).await {
        client.close().await;
        return Err(incomplete(&timeout, n));
    }
    let elapsed = start.elapsed();
    client.close().await;
    Ok(n as f64 / elapsed.as_secs_f64())
}

/// The same through a [`BlockingClient`] (its own runtime; the calls from this thread), as the
/// README's quick start and the C and Python faces use it. Call it from a plain thread.
pub fn sdk_blocking_publish_all(
    addr: SocketAddr,
    client_id: &str,
    n: usize,
    qos: c8y_mqtt::QoS,
) -> Result<f64, Error> {
    let client = BlockingClient::connect(sdk_config(addr, client_id, n, qos, None)?)?;
    client.wait_connected(Duration::from_secs(10))?;
    let templates = sdk_measurements(n)?;
    // Paced like the C and Python bench programs, the steady state of a device that publishes
    // faster than the network takes it.
    let mut pacer = Pacer::default();
    let start = Instant::now();
    for (i, template) in templates.into_iter().enumerate() {
        let delivery = client.publish(template)?;
        if let Some(oldest) = pacer.sent(i, delivery)
            && oldest.wait(SDK_TIMEOUT).is_none()
        {
            client.close();
            return Err("no acknowledgement within the timeout".into());
        }
    }
    if let Err(timeout) = client.flush(SDK_TIMEOUT) {
        client.close();
        return Err(incomplete(&timeout, n));
    }
    let elapsed = start.elapsed();
    client.close();
    Ok(n as f64 / elapsed.as_secs_f64())
}

/// A free loopback port (bound, then released for mosquitto).
pub fn free_port() -> Result<u16, Error> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// mosquitto on a loopback port with a config of its own; killed on drop.
pub struct Mosquitto {
    child: Child,
    /// The broker's address.
    pub addr: SocketAddr,
    dir: std::path::PathBuf,
}

impl Mosquitto {
    pub fn start() -> Result<Self, Error> {
        let port = free_port()?;
        let dir = std::env::temp_dir().join(format!("c8y-bench-mosquitto-{}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        let conf = dir.join("mosquitto.conf");
        // `set_tcp_nodelay`: mosquitto's default leaves Nagle's algorithm on, so a PUBACK written
        // while an earlier one is unacknowledged waits for the publisher's delayed TCP ACK
        // (about 40 ms on Linux). A publisher that stops sending (the end of every row, all of
        // a short batched row) then waits that long for its last acknowledgements.
        std::fs::write(
            &conf,
            format!("listener {port} 127.0.0.1\nallow_anonymous true\nset_tcp_nodelay true\n"),
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
