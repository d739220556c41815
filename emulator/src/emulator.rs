//! Starting an emulator: [`Emulator::builder`] → [`EmulatorBuilder::start`] → [`EmulatorHandle`].

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use crate::config::{EmulatorConfig, TlsSource, UserCredentials};
use crate::handle::{BlockingEmulator, EmulatorHandle};
use crate::http::control::ControlApi;
use crate::mqtt::listener::{Acceptors, Listeners};
use crate::mqtt::shared::Shared;
use crate::mqtt::tls_certs::{self, TlsMaterialError};
use crate::mqtt::transport::tls::{self, TlsConfigError, TrustVerifiers};
use crate::platform::certificates::TrustedCertificates;
use crate::platform::cumulocity::CumulocityPlatform;
use crate::platform::endpoint::{Platform, Transport};

/// The emulator's entry point.
#[derive(Debug)]
pub struct Emulator;

impl Emulator {
    /// A builder with the defaults: tenant `t12345`, no users, bootstrap password
    /// `bootstrap-secret`, all four listeners on free ports of 127.0.0.1, generated TLS material.
    pub fn builder() -> EmulatorBuilder {
        EmulatorBuilder::default()
    }
}

/// The emulator could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// TLS material could not be generated or loaded.
    #[error(transparent)]
    TlsMaterial(#[from] TlsMaterialError),
    /// The TLS configuration was refused by rustls.
    #[error(transparent)]
    TlsConfig(#[from] TlsConfigError),
    /// A listener could not bind.
    #[error("binding {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// The error.
        source: std::io::Error,
    },
    /// The blocking runtime could not be created.
    #[error("creating the runtime: {0}")]
    Runtime(std::io::Error),
}

/// Configures and starts an emulator.
#[derive(Default)]
pub struct EmulatorBuilder {
    config: EmulatorConfig,
    platform: Option<Arc<dyn Platform>>,
    clock: crate::Clock,
}

impl std::fmt::Debug for EmulatorBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmulatorBuilder")
            .field("config", &self.config)
            .field("platform", &self.platform.is_some())
            .finish()
    }
}

impl EmulatorBuilder {
    /// Replaces the whole configuration.
    pub fn config(mut self, config: EmulatorConfig) -> Self {
        self.config = config;
        self
    }

    /// Sets the default (first) tenant's id.
    pub fn tenant(mut self, tenant: impl Into<String>) -> Self {
        self.config.tenant = tenant.into();
        self
    }

    /// Adds a further tenant, isolated from the others.
    pub fn add_tenant(mut self, tenant: impl Into<String>) -> Self {
        self.config.more_tenants.push(tenant.into());
        self
    }

    /// Adds a user of the default tenant (logs in as `<tenant>/<name>`).
    pub fn user(mut self, name: impl Into<String>, password: impl Into<String>) -> Self {
        self.config.users.push(UserCredentials {
            tenant: None,
            name: name.into(),
            password: password.into(),
        });
        self
    }

    /// Adds a user of `tenant` (added as by [`EmulatorBuilder::add_tenant`] when new).
    pub fn tenant_user(
        mut self,
        tenant: impl Into<String>,
        name: impl Into<String>,
        password: impl Into<String>,
    ) -> Self {
        self.config.users.push(UserCredentials {
            tenant: Some(tenant.into()),
            name: name.into(),
            password: password.into(),
        });
        self
    }

    /// Sets the time source of availability monitoring: a [`Clock::manual`](crate::Clock::manual)
    /// lets a test advance time instead of waiting (default: the system clock).
    pub fn clock(mut self, clock: crate::Clock) -> Self {
        self.clock = clock;
        self
    }

    /// Sets the resource bounds (see [`Limits`](crate::Limits)).
    pub fn limits(mut self, limits: crate::Limits) -> Self {
        self.config.limits = limits;
        self
    }

    /// Sets the password of `management/devicebootstrap`.
    pub fn bootstrap_password(mut self, password: impl Into<String>) -> Self {
        self.config.bootstrap_password = password.into();
        self
    }

    /// Sets the port of a transport: `Some(0)` = a free port, `None` = no listener.
    pub fn port(mut self, transport: Transport, port: Option<u16>) -> Self {
        let ports = &mut self.config.ports;
        match transport {
            Transport::Mqtt => ports.mqtt = port,
            Transport::Mqtts => ports.mqtts = port,
            Transport::Ws => ports.ws = port,
            Transport::Wss => ports.wss = port,
        }
        self
    }

    /// Serves the HTTP control API (Cumulocity's REST shapes) on this port (0 = any free port;
    /// `None`, the default, = not served). Only with the default platform.
    pub fn http_port(mut self, port: Option<u16>) -> Self {
        self.config.http_port = port;
        self
    }

    /// Uses the server certificate chain and key from PEM files instead of generated ones.
    pub fn tls_pem_files(mut self, cert_chain: PathBuf, key: PathBuf, ca: Option<PathBuf>) -> Self {
        self.config.tls = TlsSource::PemFiles { cert_chain, key, ca };
        self
    }

    /// Trusts a CA (PEM) for X.509 device login on the MQTT/TLS port: a device presenting a
    /// certificate it issued logs in without a password as `<tenant>/device_<CN>`, and the
    /// certificate's Common Name must equal the client id's device id (else CONNACK 5).
    pub fn trusted_device_ca(mut self, ca_pem: impl Into<String>) -> Self {
        self.config.trusted_device_cas.push(ca_pem.into());
        self
    }

    /// How long a new connection may take to send CONNECT (default 10 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.config.connect_timeout = timeout;
        self
    }

    /// Replaces the platform model that receives device publishes (default: a
    /// [`CumulocityPlatform`] of the configured tenant; the journal records everything
    /// regardless). With a custom platform, the handle's model getters return nothing.
    pub fn platform(mut self, platform: Arc<dyn Platform>) -> Self {
        self.platform = Some(platform);
        self
    }

    /// Binds the listeners and starts serving. Must be called inside a Tokio runtime.
    pub async fn start(self) -> Result<EmulatorHandle, StartError> {
        let needs_tls = self.config.ports.mqtts.is_some() || self.config.ports.wss.is_some();
        let trust = Arc::new(TrustedCertificates::default());
        for ca in tls_certs::parse_device_cas(&self.config.trusted_device_cas)? {
            trust.add(&self.config.tenant, ca.to_vec(), true);
        }
        let trust_verifiers = Arc::new(TrustVerifiers::new(Arc::clone(&trust)));
        let (mqtts_acceptor, wss_acceptor, ca_pem) = if needs_tls {
            let material = tls_certs::load(&self.config.tls)?;
            let mqtts = tls::acceptor(
                material.chain.clone(),
                material.key.clone_key(),
                Some(Arc::clone(&trust_verifiers)),
            )?;
            let wss = tls::acceptor(material.chain, material.key, None)?;
            (Some(mqtts), Some(wss), material.ca_pem)
        } else {
            (None, None, None)
        };
        let acceptors = Acceptors {
            mqtts: mqtts_acceptor,
            wss: wss_acceptor,
        };
        let ports = &self.config.ports;
        let bind = self.config.bind;
        let plan: Vec<(Transport, SocketAddr)> = [
            (Transport::Mqtt, ports.mqtt),
            (Transport::Mqtts, ports.mqtts),
            (Transport::Ws, ports.ws),
            (Transport::Wss, ports.wss),
        ]
        .into_iter()
        .filter_map(|(transport, port)| port.map(|p| (transport, SocketAddr::new(bind, p))))
        .collect();
        let (platform, cumulocity) = match self.platform {
            Some(custom) => (custom, None),
            None => {
                let cumulocity = Arc::new(CumulocityPlatform::with_clock(
                    &self.config.tenant,
                    self.clock.clone(),
                ));
                (Arc::clone(&cumulocity) as Arc<dyn Platform>, Some(cumulocity))
            }
        };
        let http_addr = self.config.http_port.map(|port| SocketAddr::new(bind, port));
        let shared = Arc::new(Shared::new(self.config, Some(platform), trust, trust_verifiers));
        if let Some(cumulocity) = &cumulocity {
            for tenant in crate::lock(&shared.credentials).tenants() {
                cumulocity.add_tenant(&tenant);
            }
            cumulocity.bind_credentials(Arc::clone(&shared.credentials));
        }
        let (addrs, listeners) = Listeners::start(&shared, &plan, &acceptors)
            .await
            .map_err(|(addr, source)| StartError::Bind { addr, source })?;
        let http_faults = Arc::new(crate::http::rest::HttpFaults::default());
        let remote_access = Arc::new(crate::http::remote_access::RemoteAccessTunnels::default());
        let control_api = match (http_addr, &cumulocity) {
            (Some(addr), Some(platform)) => Some(
                ControlApi::start(
                    addr,
                    Arc::clone(platform),
                    Arc::clone(&shared.credentials),
                    Arc::clone(&shared.trust),
                    Arc::clone(&http_faults),
                    Arc::clone(&remote_access),
                )
                .await
                .map_err(|source| StartError::Bind { addr, source })?,
            ),
            _ => None,
        };
        let handle = EmulatorHandle::new(
            shared,
            addrs,
            ca_pem,
            acceptors,
            listeners,
            cumulocity,
            (control_api, http_faults, remote_access),
        );
        if let Some(platform) = &handle.shared().platform {
            platform.attach(handle.connections());
        }
        Ok(handle)
    }

    /// Starts the emulator on a runtime of its own, for callers without one.
    pub fn start_blocking(self) -> Result<BlockingEmulator, StartError> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .map_err(StartError::Runtime)?;
        let handle = runtime.block_on(self.start())?;
        Ok(BlockingEmulator::new(runtime, handle))
    }
}
