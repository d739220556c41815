//! Benchmark: throughput of a Cloud Remote Access tunnel, side by side with a direct loopback
//! copy of the same data in the same run.
//!
//! An echo server plays the device's local service. The direct run writes N MiB to it over
//! loopback and reads the echo back; the tunnel run does the same through the emulator's operator
//! listener, the remote-access WebSocket and the SDK's relay (operator → emulator → WebSocket →
//! SDK → echo server and back), so every byte crosses the tunnel twice. Throughput is the bytes
//! sent over the wall time until the last echoed byte arrived.
//!
//! A third run is the reference for the tunnel's shape: the same three TCP connections (operator
//! → relay → relay → echo server) with two plain byte relays (`copy_bidirectional`, 256 KiB
//! buffers) in place of the emulator, the WebSocket and the SDK. It shows how much of the gap to
//! the direct copy is the extra loopback hops themselves, all on the same cores.
//!
//! Run: `make bench` (or `cargo run --release -p c8y-mqtt-examples --example remote_access --
//! [MiB]`, default 256).

use std::time::{Duration, Instant};

use c8y_mqtt::client::{Client, Config, Event, NextEvent, TransportKind};
use c8y_mqtt::remote_access::{AllowList, RemoteAccess};
use c8y_mqtt::templates::upstream::DeviceCreation;
use c8y_mqtt_emulator::Emulator;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

type Error = Box<dyn std::error::Error + Send + Sync>;

const CHUNK: usize = 256 * 1024;

/// Echoes every connection to a free loopback port; returns the port.
async fn echo_server() -> Result<u16, Error> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let port = listener.local_addr()?.port();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let _ = stream.set_nodelay(true);
            tokio::spawn(async move {
                let (mut read, mut write) = stream.split();
                let _ = tokio::io::copy(&mut read, &mut write).await;
                let _ = write.shutdown().await;
            });
        }
    });
    Ok(port)
}

/// A plain byte relay: every connection to the returned port is copied to and from
/// `127.0.0.1:target`.
async fn plain_relay(target: u16) -> Result<u16, Error> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let port = listener.local_addr()?.port();
    tokio::spawn(async move {
        while let Ok((mut inbound, _)) = listener.accept().await {
            tokio::spawn(async move {
                let Ok(mut outbound) = TcpStream::connect(("127.0.0.1", target)).await else {
                    return;
                };
                let _ = inbound.set_nodelay(true);
                let _ = outbound.set_nodelay(true);
                let _ =
                    tokio::io::copy_bidirectional_with_sizes(&mut inbound, &mut outbound, CHUNK, CHUNK).await;
            });
        }
    });
    Ok(port)
}

/// Writes `bytes` through `stream` and reads the echo back; returns MiB/s of `bytes`.
async fn echo_run(stream: TcpStream, bytes: usize) -> Result<f64, Error> {
    let _ = stream.set_nodelay(true);
    let (mut read, mut write) = stream.into_split();
    let start = Instant::now();
    let writer = tokio::spawn(async move {
        let chunk: Vec<u8> = (0..CHUNK).map(|i| (i % 251) as u8).collect();
        let mut sent = 0;
        while sent < bytes {
            let n = CHUNK.min(bytes - sent);
            write.write_all(&chunk[..n]).await?;
            sent += n;
        }
        Ok::<_, std::io::Error>(write)
    });
    let mut buffer = vec![0u8; CHUNK];
    let mut received = 0;
    while received < bytes {
        let n = read.read(&mut buffer).await?;
        if n == 0 {
            return Err(format!("the echo ended after {received} of {bytes} bytes").into());
        }
        received += n;
    }
    let elapsed = start.elapsed();
    drop(writer.await??);
    Ok(bytes as f64 / (1 << 20) as f64 / elapsed.as_secs_f64())
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    let mib: usize = std::env::args()
        .nth(1)
        .map(|a| a.parse())
        .transpose()?
        .unwrap_or(256);
    let bytes = mib << 20;
    let emulator = Emulator::builder()
        .tenant("t100")
        .user("device_bench", "secret")
        .http_port(Some(0))
        .start()
        .await?;
    let base = format!("http://{}", emulator.http_addr().ok_or("no HTTP listener")?);
    let config = Config::builder("127.0.0.1", "bench")
        .port(emulator.mqtt_addr().ok_or("no MQTT listener")?.port())
        .transport(TransportKind::Tcp)
        .password("t100", "device_bench", "secret")
        .create_device(DeviceCreation::new())
        .http_base_url(base)
        .build()?;
    let client = Client::start(config)?;
    client.wait_connected(Duration::from_secs(30)).await?;
    let port = echo_server().await?;

    // Direct: the same data over loopback to the same echo server.
    let direct = echo_run(TcpStream::connect(("127.0.0.1", port)).await?, bytes).await?;

    // Three TCP connections with two plain relays, as the tunnel's path but without WebSocket.
    let second = plain_relay(port).await?;
    let first = plain_relay(second).await?;
    let relays = echo_run(TcpStream::connect(("127.0.0.1", first)).await?, bytes).await?;

    // Through the tunnel.
    let remote = RemoteAccess::new(&client, AllowList::new().allow("127.0.0.1", port))?;
    let opened = emulator.open_remote_access("bench", "127.0.0.1", port).await?;
    let op = loop {
        match tokio::time::timeout(Duration::from_secs(30), client.next_event()).await? {
            NextEvent::Event(Event::Operation(op)) => break op,
            NextEvent::Event(_) => continue,
            other => return Err(format!("client ended: {other:?}").into()),
        }
    };
    remote.handle(&op).await.ok_or("not a 530")??;
    let tunnel = echo_run(TcpStream::connect(opened.addr).await?, bytes).await?;

    println!("remote access, {mib} MiB echoed (each byte crosses twice):");
    println!("  direct loopback copy    {direct:>9.1} MiB/s");
    println!("  two plain TCP relays    {relays:>9.1} MiB/s");
    println!("  through the tunnel      {tunnel:>9.1} MiB/s");
    println!("  ratio relays / direct   {:>9.3}", relays / direct);
    println!("  ratio tunnel / direct   {:>9.3}", tunnel / direct);
    client.close().await;
    emulator.shutdown().await;
    Ok(())
}
