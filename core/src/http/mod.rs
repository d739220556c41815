//! The platform HTTP client of a device: Cumulocity carries files over its REST API, not MQTT
//! (docs/protocol.md §5.7, §5.8), so log uploads, configuration, firmware and software downloads
//! need an HTTP client next to the MQTT one. [`HttpClient`] is that client, one per device
//! client ([`Client::http`](crate::client::Client::http)), on the same tokio runtime.
//!
//! * [`HttpClient::download_to_file`] / [`HttpClient::download_to_writer`]: streamed downloads
//!   (constant memory), resumed with `Range` after a broken connection, checked against size and
//!   SHA-256, written to a private temporary file and renamed when complete ([`download`]).
//! * [`HttpClient::upload_event_binary`], [`HttpClient::upload_inventory_binary`]: file uploads
//!   returning the URL to report ([`upload`]).
//! * [`TokenCache`]: the JWT of a certificate device ([`token`]).
//!
//! Choices:
//! * **reqwest** (rustls, no default features, `stream` + `multipart`) rather than a hand-written
//!   HTTP/1.1 client: redirects, chunked bodies, proxies and connection reuse are its business,
//!   and it takes a preconfigured rustls `ClientConfig`, so TLS runs on the **same provider and
//!   trust roots** as MQTT (`client/transport.rs`), with no second TLS stack or root store.
//! * **Proxy**: the MQTT setting ([`ConfigBuilder::http_proxy`](crate::client::ConfigBuilder::http_proxy))
//!   applies to HTTP too; without it no proxy is used (environment variables are never read,
//!   as for MQTT).
//! * **Base URL**: [`Config::http_base_url`](crate::client::Config::http_base_url): `mqtt.<domain>`
//!   becomes `https://<domain>`, a tenant domain is used as it is, or set it explicitly.
//! * **Credentials only for the platform**: a URL on the base URL's scheme, host and port gets
//!   the device's credentials (Basic `<tenant>/<user>` for password devices, `Bearer <jwt>` for
//!   certificate devices); **any other host gets none**. Redirects to another host lose the
//!   `Authorization` header (reqwest strips it on a cross-origin redirect).
//! * **Retries**: network errors, 408, 429 and 5xx answers are retried with a doubling delay, up
//!   to [`HttpOptions::attempts`]; a 401 with a token renews the token once and retries. A
//!   download counts its resumes against the same limit, and each resume request has its own
//!   retries for a connection that cannot be opened.
//! * Secrets never reach logs or `Debug`: the client's `Debug` shows the base URL and the kind
//!   of credentials only, and errors show URLs without their query.

pub mod download;
mod error;
pub mod token;
pub mod upload;

use std::sync::{Arc, Weak};
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use reqwest::header::{AUTHORIZATION, HeaderValue};
use reqwest::{RequestBuilder, Response, StatusCode, Url};

use crate::client::{Client, ConfigError, Credentials, Secret};

pub use download::{DownloadOptions, Downloaded, Progress};
pub use error::HttpError;
pub use token::{TokenCache, TokenFuture, TokenSource, TokenTimes, token_times};
pub use upload::{BinaryUpload, UploadSource};

/// How long a token request over MQTT may take.
pub const TOKEN_TIMEOUT: Duration = Duration::from_secs(30);

/// Retry and timeout settings of the HTTP client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HttpOptions {
    /// Most attempts of one request or download (resumes count), at least 1. Default 5.
    pub attempts: u32,
    /// Delay before the first retry, doubled for each next one up to 8 s. Default 500 ms.
    pub retry_delay: Duration,
    /// Most time without any bytes arriving on a connection. Default 60 s.
    pub read_timeout: Duration,
}

impl Default for HttpOptions {
    fn default() -> Self {
        Self {
            attempts: 5,
            retry_delay: Duration::from_millis(500),
            read_timeout: Duration::from_secs(60),
        }
    }
}

impl HttpOptions {
    /// The delay before retry number `retry` (1 = first retry).
    pub(crate) fn delay(&self, retry: u32) -> Duration {
        let factor = 1u32 << retry.saturating_sub(1).min(5);
        (self.retry_delay * factor).min(Duration::from_secs(8))
    }
}

/// How the device authenticates on the platform's REST API.
enum Auth {
    /// `Authorization: Basic …` of `<tenant>/<user>:<password>`, pre-encoded.
    Basic(Secret),
    /// `Authorization: Bearer <jwt>` from the token cache.
    Token(TokenCache),
}

struct Inner {
    http: reqwest::Client,
    base: Url,
    auth: Auth,
    options: HttpOptions,
    device_id: String,
    /// The TLS configuration `http` uses, for the remote-access WebSocket.
    #[cfg_attr(not(feature = "remote-access"), allow(dead_code))]
    tls: Arc<tokio_rustls::rustls::ClientConfig>,
    /// The configured HTTP CONNECT proxy, for the remote-access WebSocket.
    #[cfg_attr(not(feature = "remote-access"), allow(dead_code))]
    proxy: Option<crate::client::HttpProxy>,
    /// Managed object ids by external id (`c8y_Serial`), looked up once each.
    managed_objects: parking_lot::Mutex<std::collections::HashMap<String, String>>,
}

/// The platform HTTP client of one device client (see the module documentation). Cheap to
/// clone; clones share connections and the token cache.
#[derive(Clone)]
pub struct HttpClient {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for HttpClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpClient")
            .field("base_url", &self.inner.base.as_str())
            .field(
                "auth",
                &match self.inner.auth {
                    Auth::Basic(_) => "basic",
                    Auth::Token(_) => "token",
                },
            )
            .finish_non_exhaustive()
    }
}

/// Asks the device client for tokens over MQTT.
struct MqttTokens(Weak<crate::client::Shared>);

impl TokenSource for MqttTokens {
    fn request(&self) -> TokenFuture<'_> {
        Box::pin(async move {
            let shared = self.0.upgrade().ok_or(HttpError::Closed)?;
            crate::client::request_access_token(&shared, TOKEN_TIMEOUT)
                .await
                .map_err(|error| match error {
                    crate::client::ClientError::Timeout(t) => HttpError::TokenTimeout(t),
                    crate::client::ClientError::Closed => HttpError::Closed,
                    other => HttpError::Token(other),
                })
        })
    }
}

impl Client {
    /// The device's platform HTTP client, made on first use with [`HttpOptions::default`]
    /// (see [`http`](crate::http)). Fails when the base URL or the TLS configuration cannot be
    /// used.
    pub fn http(&self) -> Result<HttpClient, HttpError> {
        let shared = self.shared();
        if let Some(http) = shared.http.get() {
            return Ok(http.clone());
        }
        let config = self.config();
        let auth = match config.credentials() {
            Credentials::Password {
                tenant,
                user,
                password,
            } => basic_auth(&format!("{tenant}/{user}"), password.expose()),
            _ => Auth::Token(TokenCache::new(MqttTokens(Arc::downgrade(shared)))),
        };
        let http = HttpClient::build(config, auth, HttpOptions::default())?;
        Ok(shared.http.get_or_init(|| http).clone())
    }
}

fn basic_auth(user: &str, password: &str) -> Auth {
    Auth::Basic(Secret::new(format!(
        "Basic {}",
        STANDARD.encode(format!("{user}:{password}"))
    )))
}

impl HttpClient {
    fn build(config: &crate::client::Config, auth: Auth, options: HttpOptions) -> Result<Self, HttpError> {
        let base_text = config.http_base_url();
        let base = Url::parse(&base_text).map_err(|e| HttpError::Url {
            url: base_text.clone(),
            reason: e.to_string(),
        })?;
        let tls = crate::client::transport::http_tls_config(config, base.scheme() == "http")?;
        let tls = Arc::new(tls);
        let mut builder = reqwest::Client::builder()
            .use_preconfigured_tls((*tls).clone())
            .connect_timeout(config.connect_timeout)
            .read_timeout(options.read_timeout)
            .no_proxy();
        if let Some(proxy) = config.http_proxy() {
            let url = format!("http://{}:{}", bracketed(&proxy.host), proxy.port);
            let mut p = reqwest::Proxy::all(&url).map_err(|e| config_error("proxy", e))?;
            if let Some((user, password)) = &proxy.basic_auth {
                p = p.basic_auth(user, password.expose());
            }
            builder = builder.proxy(p);
        }
        let http = builder.build().map_err(|e| config_error("http", e))?;
        Ok(Self {
            inner: Arc::new(Inner {
                http,
                base,
                auth,
                options,
                device_id: config.device_id().to_string(),
                tls,
                proxy: config.http_proxy().cloned(),
                managed_objects: parking_lot::Mutex::new(std::collections::HashMap::new()),
            }),
        })
    }

    /// A client whose tokens come from `source` (tests, tools, or a device whose tokens come
    /// another way), on `config`'s base URL, TLS and proxy settings. Device clients use
    /// [`Client::http`], whose token source is the MQTT connection.
    pub fn with_token_source(
        config: &crate::client::Config,
        source: impl TokenSource + 'static,
        options: HttpOptions,
    ) -> Result<Self, HttpError> {
        Self::build(config, Auth::Token(TokenCache::new(source)), options)
    }

    /// A client with the password credentials of `config` (which must be password
    /// credentials) and these options.
    pub fn with_options(config: &crate::client::Config, options: HttpOptions) -> Result<Self, HttpError> {
        let auth = match config.credentials() {
            Credentials::Password {
                tenant,
                user,
                password,
            } => basic_auth(&format!("{tenant}/{user}"), password.expose()),
            _ => {
                return Err(config_error(
                    "credentials",
                    "a certificate device needs a token source (HttpClient::with_token_source)",
                ));
            }
        };
        Self::build(config, auth, options)
    }

    /// The REST API's base URL.
    pub fn base_url(&self) -> &Url {
        &self.inner.base
    }

    /// The retry and timeout settings.
    pub fn options(&self) -> HttpOptions {
        self.inner.options
    }

    /// The device id (`c8y_Serial`) of the device client.
    pub fn device_id(&self) -> &str {
        &self.inner.device_id
    }

    /// The current access token of a certificate device (cached, renewed before expiry; see
    /// [`TokenCache`]); `None` for a password device.
    pub async fn access_token(&self) -> Result<Option<Secret>, HttpError> {
        match &self.inner.auth {
            Auth::Basic(_) => Ok(None),
            Auth::Token(cache) => cache.get().await.map(Some),
        }
    }

    /// Resolves `url`: absolute, or a path on the base URL (`/inventory/binaries/12`).
    pub fn url(&self, url: &str) -> Result<Url, HttpError> {
        let parsed = if url.starts_with('/') {
            self.inner.base.join(url)
        } else {
            Url::parse(url)
        };
        let parsed = parsed.map_err(|e| HttpError::Url {
            url: url.split('?').next().unwrap_or_default().to_owned(),
            reason: e.to_string(),
        })?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(HttpError::Url {
                url: error::shown(&parsed),
                reason: "only http and https URLs".to_owned(),
            });
        }
        Ok(parsed)
    }

    /// A URL on the platform from path segments (each percent-encoded as needed).
    pub fn path_url(&self, segments: &[&str]) -> Result<Url, HttpError> {
        let mut url = self.inner.base.clone();
        let shown_base = error::shown(&url);
        url.path_segments_mut()
            .map_err(|()| HttpError::Url {
                url: shown_base,
                reason: "cannot be a base".to_owned(),
            })?
            .pop_if_empty()
            .extend(segments);
        Ok(url)
    }

    /// Whether `url` is on the platform (the base URL's scheme, host and port): only those get
    /// the device's credentials.
    pub fn is_platform_url(&self, url: &Url) -> bool {
        let base = &self.inner.base;
        url.scheme() == base.scheme()
            && url.host_str().map(str::to_ascii_lowercase) == base.host_str().map(str::to_ascii_lowercase)
            && url.port_or_known_default() == base.port_or_known_default()
    }

    /// Sends the request `build` makes (called again for a retry), with the device's
    /// credentials when `url` is on the platform. Retries network errors, 408, 429 and 5xx; on a
    /// 401 with a token, renews it once and retries. Returns the first answer that is neither.
    pub(crate) async fn send(
        &self,
        url: &Url,
        build: impl Fn(&reqwest::Client) -> Result<RequestBuilder, HttpError>,
    ) -> Result<Response, HttpError> {
        let platform = self.is_platform_url(url);
        let mut attempt = 0;
        let mut renewed = false;
        loop {
            attempt += 1;
            let request = build(&self.inner.http)?;
            let (request, token) = if platform {
                self.authorize(request).await?
            } else {
                (request, None)
            };
            let retry = match request.send().await {
                Ok(response) if response.status() == StatusCode::UNAUTHORIZED && platform => match token {
                    Some(token) if !renewed => {
                        tracing::info!(url = %error::shown(url), "401: renewing the access token");
                        self.token_refused(&token).await;
                        renewed = true;
                        attempt -= 1;
                        continue;
                    }
                    _ => {
                        return Err(HttpError::Unauthorized {
                            url: error::shown(url),
                        });
                    }
                },
                Ok(response) if retryable(response.status()) => HttpError::Status {
                    url: error::shown(url),
                    status: response.status().as_u16(),
                },
                Ok(response) => return Ok(response),
                Err(e) => HttpError::Network {
                    url: error::shown(url),
                    attempts: attempt,
                    reason: error_chain(&e),
                },
            };
            if attempt >= self.inner.options.attempts.max(1) {
                return Err(match retry {
                    HttpError::Network { url, reason, .. } => HttpError::Network {
                        url,
                        attempts: attempt,
                        reason,
                    },
                    other => other,
                });
            }
            tracing::debug!(error = %retry, attempt, "retrying");
            tokio::time::sleep(self.inner.options.delay(attempt)).await;
        }
    }

    /// Adds the device's credentials; returns the token used, if any.
    pub(crate) async fn authorize(
        &self,
        request: RequestBuilder,
    ) -> Result<(RequestBuilder, Option<Secret>), HttpError> {
        match &self.inner.auth {
            Auth::Basic(value) => Ok((request.header(AUTHORIZATION, sensitive(value.expose())?), None)),
            Auth::Token(cache) => {
                let token = cache.get().await?;
                let value = sensitive(&format!("Bearer {}", token.expose()))?;
                Ok((request.header(AUTHORIZATION, value), Some(token)))
            }
        }
    }

    /// The `Authorization` header value for the platform, and the token it carries, if any
    /// (for connections reqwest does not make, such as the remote-access WebSocket).
    #[cfg(feature = "remote-access")]
    pub(crate) async fn authorization(&self) -> Result<(Secret, Option<Secret>), HttpError> {
        match &self.inner.auth {
            Auth::Basic(value) => Ok((value.clone(), None)),
            Auth::Token(cache) => {
                let token = cache.get().await?;
                Ok((Secret::new(format!("Bearer {}", token.expose())), Some(token)))
            }
        }
    }

    /// The TLS configuration of the platform connections (trust roots as for MQTT).
    #[cfg(feature = "remote-access")]
    pub(crate) fn tls_config(&self) -> Arc<tokio_rustls::rustls::ClientConfig> {
        Arc::clone(&self.inner.tls)
    }

    /// The configured HTTP CONNECT proxy, if any.
    #[cfg(feature = "remote-access")]
    pub(crate) fn proxy(&self) -> Option<&crate::client::HttpProxy> {
        self.inner.proxy.as_ref()
    }

    /// The platform refused `token` (401).
    pub(crate) async fn token_refused(&self, token: &Secret) {
        if let Auth::Token(cache) = &self.inner.auth {
            cache.invalidate(token).await;
        }
    }

    /// The platform's managed object id of the device with this external id (`c8y_Serial`),
    /// looked up once (`GET /identity/externalIds/c8y_Serial/{id}`).
    pub async fn managed_object_id(&self, external_id: &str) -> Result<String, HttpError> {
        if let Some(id) = self.inner.managed_objects.lock().get(external_id) {
            return Ok(id.clone());
        }
        let url = self.path_url(&["identity", "externalIds", "c8y_Serial", external_id])?;
        let document = self.get_json(&url).await?;
        let id = document
            .get("managedObject")
            .and_then(|mo| mo.get("id"))
            .and_then(json_id)
            .ok_or_else(|| HttpError::Answer {
                url: error::shown(&url),
                reason: "no managedObject.id".to_owned(),
            })?;
        self.inner
            .managed_objects
            .lock()
            .insert(external_id.to_owned(), id.clone());
        Ok(id)
    }

    /// GETs a JSON document.
    pub(crate) async fn get_json(&self, url: &Url) -> Result<serde_json::Value, HttpError> {
        let response = self
            .send(url, |http| {
                Ok(http.get(url.clone()).header("Accept", "application/json"))
            })
            .await?;
        read_json(url, response).await
    }

    /// POSTs a JSON document and reads the JSON answer.
    pub(crate) async fn post_json(
        &self,
        url: &Url,
        body: &serde_json::Value,
    ) -> Result<serde_json::Value, HttpError> {
        let text = body.to_string();
        let response = self
            .send(url, |http| {
                Ok(http
                    .post(url.clone())
                    .header("Content-Type", "application/json")
                    .header("Accept", "application/json")
                    .body(text.clone()))
            })
            .await?;
        read_json(url, response).await
    }
}

/// Reads a JSON answer, failing on an error status.
pub(crate) async fn read_json(url: &Url, response: Response) -> Result<serde_json::Value, HttpError> {
    let status = response.status();
    if !status.is_success() {
        return Err(HttpError::Status {
            url: error::shown(url),
            status: status.as_u16(),
        });
    }
    let bytes = response.bytes().await.map_err(|e| HttpError::Network {
        url: error::shown(url),
        attempts: 1,
        reason: error_chain(&e),
    })?;
    serde_json::from_slice(&bytes).map_err(|e| HttpError::Answer {
        url: error::shown(url),
        reason: e.to_string(),
    })
}

/// An id as the platform writes it: a string or a number.
pub(crate) fn json_id(value: &serde_json::Value) -> Option<String> {
    match value {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Whether an answer is worth another attempt.
pub(crate) fn retryable(status: StatusCode) -> bool {
    status.is_server_error()
        || status == StatusCode::REQUEST_TIMEOUT
        || status == StatusCode::TOO_MANY_REQUESTS
}

/// A header value marked sensitive (hyper never prints it).
fn sensitive(value: &str) -> Result<HeaderValue, HttpError> {
    let mut value =
        HeaderValue::from_str(value).map_err(|_| config_error("credentials", "not a valid header"))?;
    value.set_sensitive(true);
    Ok(value)
}

/// The error and its sources on one line.
pub(crate) fn error_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

fn config_error(name: &str, reason: impl std::fmt::Display) -> HttpError {
    HttpError::Config(ConfigError::Invalid {
        name: name.to_owned(),
        reason: reason.to_string(),
    })
}

fn bracketed(host: &str) -> String {
    if host.contains(':') {
        format!("[{host}]")
    } else {
        host.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client(base: &str) -> HttpClient {
        let config = crate::client::Config::builder("mqtt.example.com", "dev1")
            .password("t1", "device_dev1", "hunter2")
            .http_base_url(base)
            .build()
            .unwrap();
        HttpClient::with_options(&config, HttpOptions::default()).unwrap()
    }

    #[test]
    fn platform_urls_are_the_base_scheme_host_and_port() {
        let http = client("https://Example.com");
        let yes = |u: &str| http.is_platform_url(&http.url(u).unwrap());
        assert!(yes("https://example.com/inventory/binaries/1"));
        assert!(yes("https://EXAMPLE.com:443/x"));
        assert!(yes("/event/events/1/binaries"));
        assert!(!yes("http://example.com/x"), "another scheme");
        assert!(!yes("https://example.com:8443/x"), "another port");
        assert!(!yes("https://example.com.evil.org/x"), "another host");
        assert!(!yes("https://evil.org/?u=https://example.com"));
        assert!(http.url("ftp://example.com/x").is_err());
    }

    #[test]
    fn debug_shows_no_secret() {
        let http = client("http://127.0.0.1:1");
        let debug = format!("{http:?}");
        assert!(
            !debug.contains("hunter2") && !debug.contains("aHVudGVy"),
            "{debug}"
        );
        assert!(debug.contains("basic"));
    }

    #[test]
    fn retry_delays_double_up_to_a_cap() {
        let options = HttpOptions::default();
        assert_eq!(options.delay(1), Duration::from_millis(500));
        assert_eq!(options.delay(2), Duration::from_secs(1));
        assert_eq!(options.delay(10), Duration::from_secs(8));
    }
}
