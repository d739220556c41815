//! The connection settings every command shares: one flag per `C8Y_*` variable of
//! `Config::from_env`, a flag overriding its variable. The SDK reads them
//! (`Config::from_lookup`), so the tool accepts exactly what an application built on the SDK
//! accepts. A credentials file written by `c8y-mqtt register` can stand in for the password.

use std::path::PathBuf;
use std::time::Duration;

use c8y_mqtt::client::{BootstrapConfig, Config, ConfigBuilder, register_blocking};

use crate::Error;

/// Connection flags; each overrides the `C8Y_*` variable named in its help.
#[derive(Debug, Clone, Default, clap::Args)]
pub(crate) struct ConnectionArgs {
    /// MQTT host [env: C8Y_HOST]
    #[arg(long, global = true, value_name = "HOST")]
    host: Option<String>,
    /// Device id, the client id and c8y_Serial external id [env: C8Y_DEVICE_ID]
    #[arg(long, global = true, value_name = "ID")]
    device_id: Option<String>,
    /// Tenant id [env: C8Y_TENANT]
    #[arg(long, global = true, value_name = "TENANT")]
    tenant: Option<String>,
    /// User name without the tenant [env: C8Y_USER]
    #[arg(long, global = true, value_name = "USER")]
    user: Option<String>,
    /// Password; prefer the variable, a flag is visible to other users [env: C8Y_PASSWORD]
    #[arg(long, global = true, value_name = "PASSWORD")]
    password: Option<String>,
    /// PEM client certificate chain instead of a password [env: C8Y_CERT_FILE]
    #[arg(long, global = true, value_name = "FILE")]
    cert_file: Option<String>,
    /// PEM private key of the client certificate [env: C8Y_KEY_FILE]
    #[arg(long, global = true, value_name = "FILE")]
    key_file: Option<String>,
    /// tcp, tls (default), ws or wss [env: C8Y_TRANSPORT]
    #[arg(long, global = true, value_name = "TRANSPORT")]
    transport: Option<String>,
    /// Port (default: by transport) [env: C8Y_PORT]
    #[arg(long, global = true, value_name = "PORT")]
    port: Option<String>,
    /// PEM CA certificates to trust [env: C8Y_CA_FILE]
    #[arg(long, global = true, value_name = "FILE")]
    ca_file: Option<String>,
    /// Default SmartREST 2.0 X-ID [env: C8Y_XID]
    #[arg(long, global = true, value_name = "XID")]
    xid: Option<String>,
    /// Keep-alive in seconds [env: C8Y_KEEP_ALIVE]
    #[arg(long, global = true, value_name = "SECONDS")]
    keep_alive: Option<String>,
    /// Default QoS 0, 1 or 2 [env: C8Y_QOS]
    #[arg(long, global = true, value_name = "QOS")]
    qos: Option<String>,
    /// Processing mode s, t, q or c [env: C8Y_PROCESSING_MODE]
    #[arg(long, global = true, value_name = "MODE")]
    processing_mode: Option<String>,
    /// REST base URL for file transfer [env: C8Y_HTTP_URL]
    #[arg(long, global = true, value_name = "URL")]
    http_url: Option<String>,
    /// Log in with the credentials `c8y-mqtt register` kept in FILE, unless a password or
    /// certificate is given [env: C8Y_CREDENTIALS_FILE]
    #[arg(long, global = true, value_name = "FILE")]
    credentials_file: Option<PathBuf>,
}

impl ConnectionArgs {
    /// The flag that stands for the variable `name`, when given.
    fn flag(&self, name: &str) -> Option<&String> {
        match name {
            "C8Y_HOST" => self.host.as_ref(),
            "C8Y_DEVICE_ID" => self.device_id.as_ref(),
            "C8Y_TENANT" => self.tenant.as_ref(),
            "C8Y_USER" => self.user.as_ref(),
            "C8Y_PASSWORD" => self.password.as_ref(),
            "C8Y_CERT_FILE" => self.cert_file.as_ref(),
            "C8Y_KEY_FILE" => self.key_file.as_ref(),
            "C8Y_TRANSPORT" => self.transport.as_ref(),
            "C8Y_PORT" => self.port.as_ref(),
            "C8Y_CA_FILE" => self.ca_file.as_ref(),
            "C8Y_XID" => self.xid.as_ref(),
            "C8Y_KEEP_ALIVE" => self.keep_alive.as_ref(),
            "C8Y_QOS" => self.qos.as_ref(),
            "C8Y_PROCESSING_MODE" => self.processing_mode.as_ref(),
            "C8Y_HTTP_URL" => self.http_url.as_ref(),
            _ => None,
        }
    }

    /// The value of `name`: its flag, else the environment; empty counts as unset.
    pub(crate) fn get(&self, name: &str) -> Option<String> {
        self.flag(name)
            .cloned()
            .or_else(|| std::env::var(name).ok())
            .filter(|value| !value.is_empty())
    }

    /// The credentials file, from the flag or `C8Y_CREDENTIALS_FILE`.
    pub(crate) fn credentials_file(&self) -> Option<PathBuf> {
        self.credentials_file.clone().or_else(|| {
            std::env::var_os("C8Y_CREDENTIALS_FILE")
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        })
    }

    /// A configuration builder as `Config::from_env` makes it, with the flags applied.
    pub(crate) fn builder(&self) -> Result<ConfigBuilder, Error> {
        self.builder_with(|_| None)
    }

    /// [`ConnectionArgs::builder`] where `overrides` answers first (for values the command
    /// sets itself, such as a simulated device's id).
    pub(crate) fn builder_with(
        &self,
        overrides: impl Fn(&str) -> Option<String>,
    ) -> Result<ConfigBuilder, Error> {
        let from_file = match overrides("C8Y_PASSWORD") {
            Some(_) => None,
            None => self.file_credentials()?,
        };
        Ok(Config::from_lookup(|name| {
            overrides(name).or_else(|| self.get(name)).or_else(|| {
                let (tenant, user, password) = from_file.as_ref()?;
                match name {
                    "C8Y_TENANT" => Some(tenant.clone()),
                    "C8Y_USER" => Some(user.clone()),
                    "C8Y_PASSWORD" => Some(password.clone()),
                    _ => None,
                }
            })
        })?)
    }

    /// Tenant, user and password from the credentials file, when one is named and neither a
    /// password nor a certificate is configured.
    fn file_credentials(&self) -> Result<Option<(String, String, String)>, Error> {
        let Some(file) = self.credentials_file() else {
            return Ok(None);
        };
        if self.get("C8Y_PASSWORD").is_some() || self.get("C8Y_CERT_FILE").is_some() {
            return Ok(None);
        }
        if !file.is_file() {
            return Err(format!(
                "no credentials file {} (c8y-mqtt register writes it)",
                file.display()
            )
            .into());
        }
        // With a readable credentials file the SDK's registration returns its content without
        // connecting: the same reader the device uses after bootstrap.
        let host = self.get("C8Y_HOST").unwrap_or_default();
        let device = self.get("C8Y_DEVICE_ID").unwrap_or_default();
        // A file that holds no valid line would start a bootstrap: cut that short at once.
        let mut bootstrap = BootstrapConfig::new(host, device, "unused", &file);
        bootstrap.timeout = Duration::from_millis(1);
        let credentials = register_blocking(bootstrap)
            .map_err(|_| format!("credentials file {} holds no valid credentials", file.display()))?;
        Ok(Some((
            credentials.tenant,
            credentials.user,
            credentials.password.expose().to_owned(),
        )))
    }
}
