//! `c8y-emulator`: runs the Cumulocity MQTT endpoint emulator from the command line.
//!
//! Prints one line per listener (`mqtt 127.0.0.1:PORT`, `mqtts …`, `ws ws://…/mqtt`,
//! `wss wss://…/mqtt`), then `tenant <id>` (the default tenant), one
//! `user <tenant>/<name> <password>` line per user of every tenant
//! and `bootstrap management/devicebootstrap <password>`, and runs until SIGINT or SIGTERM.
//! With `--http-port N` the HTTP control API (Cumulocity's REST shapes) is served too and printed
//! as `http http://127.0.0.1:PORT` after the MQTT listeners.

use std::path::PathBuf;
use std::process::ExitCode;

use c8y_mqtt_emulator::{Emulator, Transport};
use clap::Parser;

/// Local emulator of Cumulocity IoT's MQTT endpoint.
#[derive(Debug, Parser)]
#[command(name = "c8y-emulator", version)]
struct Args {
    /// Plain MQTT port (0 = a free port).
    #[arg(long, default_value_t = 0)]
    mqtt_port: u16,
    /// MQTT over TLS port (0 = a free port).
    #[arg(long, default_value_t = 0)]
    mqtts_port: u16,
    /// WebSocket port, path /mqtt (0 = a free port).
    #[arg(long, default_value_t = 0)]
    ws_port: u16,
    /// Secure WebSocket port, path /mqtt (0 = a free port).
    #[arg(long, default_value_t = 0)]
    wss_port: u16,
    /// HTTP control API port (0 = a free port; not served when absent).
    #[arg(long)]
    http_port: Option<u16>,
    /// Tenant id (repeatable: the first is the default tenant; default t12345).
    #[arg(long = "tenant", value_name = "ID")]
    tenants: Vec<String>,
    /// A user as [TENANT/]NAME:PASSWORD, of the default tenant when TENANT is absent
    /// (repeatable). Users named device_* are device users, the others administrators.
    #[arg(long = "user", value_name = "[TENANT/]NAME:PASSWORD", value_parser = parse_user)]
    users: Vec<(Option<String>, String, String)>,
    /// Password of management/devicebootstrap.
    #[arg(long, default_value = "bootstrap-secret")]
    bootstrap_password: String,
    /// Server certificate chain (PEM) instead of a generated one; needs --tls-key.
    #[arg(long, requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// Private key (PEM) of --tls-cert.
    #[arg(long, requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// CA certificate (PEM) clients should trust, with --tls-cert.
    #[arg(long, requires = "tls_cert")]
    tls_ca: Option<PathBuf>,
    /// A CA certificate (PEM file) trusted for X.509 device login on the MQTT/TLS port
    /// (repeatable).
    #[arg(long = "device-ca", value_name = "PEM")]
    device_cas: Vec<PathBuf>,
    /// Write the CA certificate clients should trust to this file.
    #[arg(long)]
    write_ca: Option<PathBuf>,
}

fn parse_user(text: &str) -> Result<(Option<String>, String, String), String> {
    let (login, password) = text
        .split_once(':')
        .filter(|(login, password)| !login.is_empty() && !password.is_empty())
        .ok_or_else(|| "expected [TENANT/]NAME:PASSWORD".to_owned())?;
    match login.split_once('/') {
        Some((tenant, name)) if !tenant.is_empty() && !name.is_empty() => {
            Ok((Some(tenant.to_owned()), name.to_owned(), password.to_owned()))
        }
        Some(_) => Err("expected [TENANT/]NAME:PASSWORD".to_owned()),
        None => Ok((None, login.to_owned(), password.to_owned())),
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    let mut signals = match Signals::install() {
        Ok(signals) => signals,
        Err(e) => {
            eprintln!("c8y-emulator: installing signal handlers: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut tenants = args.tenants.into_iter();
    let mut builder = Emulator::builder()
        .tenant(tenants.next().unwrap_or_else(|| "t12345".to_owned()))
        .bootstrap_password(args.bootstrap_password)
        .port(Transport::Mqtt, Some(args.mqtt_port))
        .port(Transport::Mqtts, Some(args.mqtts_port))
        .port(Transport::Ws, Some(args.ws_port))
        .port(Transport::Wss, Some(args.wss_port))
        .http_port(args.http_port);
    for tenant in tenants {
        builder = builder.add_tenant(tenant);
    }
    for (tenant, name, password) in args.users {
        builder = match tenant {
            Some(tenant) => builder.tenant_user(tenant, name, password),
            None => builder.user(name, password),
        };
    }
    for path in &args.device_cas {
        match std::fs::read_to_string(path) {
            Ok(pem) => builder = builder.trusted_device_ca(pem),
            Err(e) => {
                eprintln!("c8y-emulator: reading {}: {e}", path.display());
                return ExitCode::FAILURE;
            }
        }
    }
    if let (Some(cert), Some(key)) = (args.tls_cert, args.tls_key) {
        builder = builder.tls_pem_files(cert, key, args.tls_ca);
    }
    let emulator = match builder.start().await {
        Ok(emulator) => emulator,
        Err(e) => {
            eprintln!("c8y-emulator: {e}");
            return ExitCode::FAILURE;
        }
    };
    let addrs = emulator.addrs();
    if let Some(addr) = addrs.mqtt {
        println!("mqtt {addr}");
    }
    if let Some(addr) = addrs.mqtts {
        println!("mqtts {addr}");
    }
    if let Some(url) = emulator.ws_url() {
        println!("ws {url}");
    }
    if let Some(url) = emulator.wss_url() {
        println!("wss {url}");
    }
    if let Some(addr) = emulator.http_addr() {
        println!("http http://{addr}");
    }
    println!("tenant {}", emulator.tenant());
    for tenant in emulator.tenants() {
        for user in emulator.users_of(&tenant) {
            println!("user {tenant}/{} {}", user.name, user.password);
        }
    }
    println!(
        "bootstrap {} {}",
        emulator.bootstrap_username(),
        emulator.bootstrap_password()
    );
    if let (Some(path), Some(pem)) = (args.write_ca, emulator.ca_pem())
        && let Err(e) = std::fs::write(&path, pem)
    {
        eprintln!("c8y-emulator: writing {}: {e}", path.display());
        emulator.shutdown().await;
        return ExitCode::FAILURE;
    }
    signals.wait().await;
    emulator.shutdown().await;
    ExitCode::SUCCESS
}

/// SIGINT (Ctrl-C) and SIGTERM listeners, installed before anything is printed so that a signal
/// sent right after the output is handled.
struct Signals {
    #[cfg(unix)]
    interrupt: tokio::signal::unix::Signal,
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
}

impl Signals {
    fn install() -> std::io::Result<Self> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Ok(Self {
                interrupt: signal(SignalKind::interrupt())?,
                terminate: signal(SignalKind::terminate())?,
            })
        }
        #[cfg(not(unix))]
        {
            Ok(Self {})
        }
    }

    /// Resolves on the first SIGINT or SIGTERM.
    async fn wait(&mut self) {
        #[cfg(unix)]
        tokio::select! {
            _ = self.interrupt.recv() => {}
            _ = self.terminate.recv() => {}
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}
