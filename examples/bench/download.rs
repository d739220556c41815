//! Benchmark: downloading a 256 MiB binary from the emulator's REST API with the SDK's HTTP
//! client, side by side with `curl` in the same run, against the same server.
//!
//! The SDK streams to a private temporary file and renames it (as every download does), so the
//! figures include that; curl writes its file directly. Throughput is file bytes over wall time;
//! memory is the growth of this process's resident set while the SDK downloads (sampled every
//! 5 ms; the emulator's copy of the binary is in memory before the baseline is taken). A second
//! SDK download into a discarding stream shows what the file, its fsync and the rename cost.
//! Aims:
//! throughput at least 0.8 x curl's, peak growth under 16 MiB.
//!
//! Run: `make bench` (or `cargo run --release -p c8y-mqtt-examples --example download -- [MiB]`).
//! Needs `curl` on the PATH; fails when it is missing.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use c8y_mqtt::client::Config;
use c8y_mqtt::http::{DownloadOptions, HttpClient, HttpOptions};
use c8y_mqtt_emulator::Emulator;
use c8y_mqtt_emulator::platform::binaries::StoredBinary;

type Error = Box<dyn std::error::Error + Send + Sync>;

/// Resident set size of this process, in bytes (`VmRSS` of `/proc/self/status`).
fn rss() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<u64>().ok())
        })
        .map_or(0, |kb| kb * 1024)
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    let mib: usize = std::env::args()
        .nth(1)
        .map(|a| a.parse())
        .transpose()?
        .unwrap_or(256);
    let size = mib << 20;
    let emulator = Emulator::builder()
        .tenant("t100")
        .user("device_bench", "secret")
        .http_port(Some(0))
        .start()
        .await?;
    let base = format!("http://{}", emulator.http_addr().ok_or("no HTTP listener")?);
    let data: Vec<u8> = (0..size).map(|i| (i % 251) as u8).collect();
    emulator
        .cumulocity()
        .ok_or("default platform")?
        .binaries()
        .put_inventory(
            "1",
            StoredBinary {
                name: "image.bin".to_owned(),
                content_type: "application/octet-stream".to_owned(),
                data: data.into(),
            },
        );
    let url = format!("{base}/inventory/binaries/1");
    let dir = std::path::PathBuf::from("target/bench/download");
    std::fs::create_dir_all(&dir)?;

    // curl
    let curl_file = dir.join("curl.bin");
    let started = Instant::now();
    let status = tokio::process::Command::new("curl")
        .args(["-sS", "-f", "-o"])
        .arg(&curl_file)
        .args(["-u", "t100/device_bench:secret", &url])
        .status()
        .await
        .map_err(|e| format!("curl: {e} (install curl to run this benchmark)"))?;
    let curl_time = started.elapsed();
    if !status.success() || std::fs::metadata(&curl_file)?.len() != size as u64 {
        return Err("curl failed".into());
    }

    // SDK
    let config = Config::builder("127.0.0.1", "bench")
        .password("t100", "device_bench", "secret")
        .http_base_url(&base)
        .build()?;
    let http = HttpClient::with_options(&config, HttpOptions::default())?;
    let baseline = rss();
    let peak = Arc::new(AtomicU64::new(baseline));
    let done = Arc::new(AtomicBool::new(false));
    let sampler = {
        let (peak, done) = (Arc::clone(&peak), Arc::clone(&done));
        tokio::spawn(async move {
            while !done.load(Ordering::Relaxed) {
                peak.fetch_max(rss(), Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        })
    };
    let sdk_file = dir.join("sdk.bin");
    let started = Instant::now();
    let downloaded = http
        .download_to_file(&url, &sdk_file, &DownloadOptions::default())
        .await?;
    let sdk_time = started.elapsed();
    done.store(true, Ordering::Relaxed);
    sampler.await?;
    if downloaded.bytes != size as u64 {
        return Err("SDK download incomplete".into());
    }
    let growth = peak.load(Ordering::Relaxed).saturating_sub(baseline);
    // Where the time goes: the same download into a stream that discards it (HTTP, the
    // SHA-256 and the copies, without the file, its fsync and the rename).
    let started = Instant::now();
    let streamed = http
        .download_to_writer(&url, &mut tokio::io::sink(), &DownloadOptions::default())
        .await?;
    let stream_time = started.elapsed();
    if streamed.bytes != size as u64 {
        return Err("SDK stream download incomplete".into());
    }
    emulator.shutdown().await;
    std::fs::remove_dir_all(&dir)?;

    let rate = |t: Duration| size as f64 / (1 << 20) as f64 / t.as_secs_f64();
    let (sdk_rate, curl_rate) = (rate(sdk_time), rate(curl_time));
    let ratio = sdk_rate / curl_rate;
    let growth_mib = growth as f64 / (1 << 20) as f64;
    println!("Download of a {mib} MiB binary from the emulator's REST API (loopback, HTTP)");
    println!("| client | MiB/s  | ratio to curl |");
    println!("|--------|-------:|--------------:|");
    println!("| curl   | {curl_rate:>6.0} |          1.00 |");
    println!("| SDK    | {sdk_rate:>6.0} | {ratio:>13.2} |");
    let stream_rate = rate(stream_time);
    println!(
        "(the SDK into a discarding stream, no file: {stream_rate:.0} MiB/s, {:.2} x curl)",
        stream_rate / curl_rate
    );
    println!(
        "SDK throughput {ratio:.2} x curl (aim: at least 0.80) {}",
        if ratio >= 0.8 { "- met" } else { "- NOT met" }
    );
    println!(
        "SDK peak RSS growth {growth_mib:.1} MiB (aim: under 16) {}",
        if growth_mib < 16.0 { "- met" } else { "- NOT met" }
    );
    Ok(())
}
