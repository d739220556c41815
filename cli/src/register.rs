//! `c8y-mqtt register`: bootstrap registration through the SDK (`register_blocking`). The device
//! polls with the bootstrap user until an administrator accepts its request, then the SDK keeps
//! the credentials in the file with mode 0600; an existing valid file is used as it is. Host,
//! port, transport and CA come from the same `C8Y_*` variables and flags as every command.

use std::path::PathBuf;
use std::time::Duration;

use c8y_mqtt::client::{BOOTSTRAP_USER, BootstrapConfig, TrustRoots, register_blocking};

use crate::Error;
use crate::connection::ConnectionArgs;

/// `register` flags.
#[derive(Debug, clap::Args)]
pub(crate) struct RegisterArgs {
    /// The bootstrap password [env: C8Y_BOOTSTRAP_PASSWORD]
    #[arg(long, value_name = "PASSWORD")]
    bootstrap_password: Option<String>,
    /// The bootstrap user as TENANT/USER [env: C8Y_BOOTSTRAP_USER; default management/devicebootstrap]
    #[arg(long, value_name = "USER")]
    bootstrap_user: Option<String>,
    /// Seconds between polls while the request waits for acceptance
    #[arg(long, default_value_t = 5.0, value_name = "SECONDS")]
    poll_interval: f64,
    /// Seconds to wait in total
    #[arg(long, default_value_t = 600, value_name = "SECONDS")]
    timeout: u64,
}

/// Runs `register`.
pub(crate) fn run(connection: &ConnectionArgs, args: RegisterArgs) -> Result<(), Error> {
    let file: PathBuf = connection
        .credentials_file()
        .ok_or("register needs --credentials-file FILE (or C8Y_CREDENTIALS_FILE)")?;
    let password = args
        .bootstrap_password
        .or_else(|| std::env::var("C8Y_BOOTSTRAP_PASSWORD").ok())
        .filter(|p| !p.is_empty())
        .ok_or("register needs --bootstrap-password (or C8Y_BOOTSTRAP_PASSWORD)")?;
    let user = args
        .bootstrap_user
        .or_else(|| std::env::var("C8Y_BOOTSTRAP_USER").ok())
        .filter(|u| !u.is_empty())
        .unwrap_or_else(|| BOOTSTRAP_USER.to_owned());
    let (bootstrap_tenant, bootstrap_name) =
        user.split_once('/').ok_or("the bootstrap user is TENANT/USER")?;
    // Host, device id, transport and port as the SDK reads them, logged in as the bootstrap
    // user for the occasion.
    let config = connection
        .builder_with(|name| match name {
            "C8Y_TENANT" => Some(bootstrap_tenant.to_owned()),
            "C8Y_USER" => Some(bootstrap_name.to_owned()),
            "C8Y_PASSWORD" => Some(password.clone()),
            "C8Y_CERT_FILE" => Some(String::new()),
            _ => None,
        })?
        .build()?;
    let device = config.device_id().to_string();
    let mut bootstrap = BootstrapConfig::new(config.host(), device.as_str(), password.as_str(), &file);
    bootstrap.port = Some(config.port());
    bootstrap.transport = config.transport();
    bootstrap.bootstrap_user = user.clone();
    bootstrap.poll_interval = Duration::from_secs_f64(args.poll_interval.max(0.01));
    bootstrap.timeout = Duration::from_secs(args.timeout);
    if let Some(ca) = connection.get("C8Y_CA_FILE") {
        let pem = std::fs::read_to_string(&ca).map_err(|e| format!("C8Y_CA_FILE {ca}: {e}"))?;
        bootstrap.trust = TrustRoots::CaPem(pem);
    }
    eprintln!("registering {device}: waiting until its device request is accepted");
    let credentials = register_blocking(bootstrap)?;
    println!(
        "registered {device} as {}/{}; credentials in {}",
        credentials.tenant,
        credentials.user,
        file.display()
    );
    Ok(())
}
