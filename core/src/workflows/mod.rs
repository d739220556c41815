//! Operation workflows: the device-management operations that move files, driven from
//! EXECUTING to SUCCESSFUL or FAILED by the SDK, with only the device-specific step left to the
//! application (docs/protocol.md §5.7, §5.8, §11.2).
//!
//! | Operation | SDK | Application |
//! |---|---|---|
//! | `522` `c8y_LogfileRequest` | creates a `c8y_Logfile` event, attaches the log as its binary, `503` with the URL | returns the log for type, period, search text, line limit |
//! | `526`/`520` `c8y_UploadConfigFile` | uploads the configuration as an event binary (event type = configuration type), `503` with the URL | returns the configuration of a type |
//! | `524`/`521` `c8y_DownloadConfigFile` | downloads the file, `120` (current configuration), `503` | applies the downloaded file |
//! | `515`/`525` `c8y_Firmware` | downloads the image (none for `$PROVIDED`), `115`, `503` | installs it |
//! | `528`/`529` `c8y_SoftwareUpdate` | downloads each item to install, then `116` (528) or `140`/`141` (529) with the list the application reports, `503` | installs or removes each item; reports the installed list |
//! | `527`/`531` `c8y_DeviceProfile` | `121,false`; firmware, then software, then configuration as above; `121,true`; `503` | the same steps |
//!
//! Choices:
//! * **Built on [`ReceivedOperation`]**: `executing`, `succeed` and `fail` keep their meaning
//!   (`504`–`506` by id when known, `501`–`503` by fragment otherwise, on the target device's
//!   topic). A workflow waits for the platform's acknowledgement of its EXECUTING update before
//!   starting work, and of its final update before returning.
//! * **Sequential**: [`DeviceManagement::handle`] runs one operation to its end; operations are
//!   handled in arrival order, as the fragment-based status templates require (§11.2).
//! * **Failures** at any step end in `502`/`505` with a reason naming the step and the cause
//!   (`Download of firmware image failed: …`), cut to fit a packet by
//!   [`ReceivedOperation::fail`]. An application handler reports failure with an `Err(text)`.
//! * **Downloads** go to [`DeviceManagementBuilder::download_dir`] (the system temp directory by
//!   default) through [`HttpClient::download_to_file`] (resumed, checked, private file), and
//!   the file is removed once the application's step returns: the application moves or copies
//!   what it keeps.
//! * Handlers are async closures returning boxed futures; what a face (C, Python) registers is
//!   wrapped into them.
//! * **`527` and `531`**: the platform sends a profile with typed software twice, as `527` and
//!   then `531` (§5.7). A `531` that repeats the profile of the `527` just run for the same
//!   device is recognised (same firmware, software names and versions, configurations) and
//!   handled without sending anything: the profile runs once. A `531` alone runs as usual.

mod handlers;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::client::{Client, ClientError, DeliveryOutcome, Entity, ReceivedOperation};
use crate::http::{DownloadOptions, HttpClient, HttpError, UploadSource};
use crate::templates::downstream::{
    AdvancedSoftwareUpdateItem, DeviceProfile, FirmwareUrl, OperationKind, ProfileConfiguration,
    ProfileFirmware, SoftwareAction, SoftwareUpdateItem,
};
use crate::templates::upstream::{
    AdvancedSoftwareItem, AdvancedSoftwareList, CurrentConfiguration, DeviceProfileApplied, Firmware,
    SoftwareList, SoftwareListItem, SupportedConfigurations, SupportedLogs, Upstream,
};

pub use handlers::{
    BoxFuture, ConfigApply, ConfigRequest, FirmwareInstall, InstalledSoftware, LogRequest, SoftwareChange,
    SoftwareChangeAction,
};

/// How long a workflow waits for the platform to acknowledge one of its status updates.
pub const ACK_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// Why a workflow failed; its text is the failure reason sent to the platform.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct WorkflowError(pub String);

impl WorkflowError {
    fn step(step: &str, cause: impl std::fmt::Display) -> Self {
        Self(format!("{step} failed: {cause}"))
    }
}

type Handler<In, Out> = Arc<dyn Fn(In) -> BoxFuture<Result<Out, String>> + Send + Sync>;

/// The application's handlers; each `None` leaves that operation to the application.
#[derive(Clone, Default)]
struct Handlers {
    log: Option<Handler<LogRequest, UploadSource>>,
    log_types: Vec<String>,
    config_upload: Option<Handler<ConfigRequest, UploadSource>>,
    config_apply: Option<Handler<ConfigApply, ()>>,
    config_types: Vec<String>,
    firmware: Option<Handler<FirmwareInstall, ()>>,
    software: Option<Handler<SoftwareChange, ()>>,
    software_list: Option<Handler<String, Vec<InstalledSoftware>>>,
}

/// Builds a [`DeviceManagement`]: register a handler for each operation the device supports.
pub struct DeviceManagementBuilder {
    http: HttpClient,
    root: Option<Entity>,
    handlers: Handlers,
    download_dir: PathBuf,
}

/// The operation workflows of one device client (see the module documentation).
///
/// ```no_run
/// # async fn run(client: c8y_mqtt::client::Client) -> Result<(), Box<dyn std::error::Error>> {
/// use c8y_mqtt::client::{Event, NextEvent};
/// use c8y_mqtt::http::UploadSource;
/// use c8y_mqtt::workflows::DeviceManagement;
///
/// let management = DeviceManagement::builder(&client)?
///     .logs(["syslog"], |request| async move {
///         Ok(UploadSource::File(format!("/var/log/{}", request.log_type).into()))
///     })
///     .firmware(|install| async move {
///         // flash install.path (None for $PROVIDED images) …
///         Ok(())
///     })
///     .build();
/// management.declare()?; // 118 (and 119) with the supported types
/// while let NextEvent::Event(event) = client.next_event().await {
///     if let Event::Operation(op) = event {
///         if management.supports(&op) {
///             let _ = management.handle(&op).await; // 501 … 503 or 502
///         }
///     }
/// }
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct DeviceManagement {
    http: HttpClient,
    root: Option<Entity>,
    /// The last `527` profile run (device, profile), to recognise the `531` sent with it.
    last_profile: Arc<parking_lot::Mutex<Option<(String, ProfileKey)>>>,
    handlers: Handlers,
    download_dir: PathBuf,
}

impl std::fmt::Debug for DeviceManagement {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeviceManagement")
            .field("operations", &self.supported_operations())
            .field("download_dir", &self.download_dir)
            .finish_non_exhaustive()
    }
}

impl DeviceManagementBuilder {
    /// The log types (`118`) and the handler that returns a log for a request.
    pub fn logs<S, F, Fut>(mut self, types: impl IntoIterator<Item = S>, handler: F) -> Self
    where
        S: Into<String>,
        F: Fn(LogRequest) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<UploadSource, String>> + Send + 'static,
    {
        self.handlers.log_types = types.into_iter().map(Into::into).collect();
        self.handlers.log = Some(Arc::new(move |r| Box::pin(handler(r))));
        self
    }

    /// The configuration types (`119`), the handler that returns a configuration (upload) and
    /// the one that applies a downloaded one.
    pub fn configurations<S, U, UFut, A, AFut>(
        mut self,
        types: impl IntoIterator<Item = S>,
        upload: U,
        apply: A,
    ) -> Self
    where
        S: Into<String>,
        U: Fn(ConfigRequest) -> UFut + Send + Sync + 'static,
        UFut: Future<Output = Result<UploadSource, String>> + Send + 'static,
        A: Fn(ConfigApply) -> AFut + Send + Sync + 'static,
        AFut: Future<Output = Result<(), String>> + Send + 'static,
    {
        self.handlers.config_types = types.into_iter().map(Into::into).collect();
        self.handlers.config_upload = Some(Arc::new(move |r| Box::pin(upload(r))));
        self.handlers.config_apply = Some(Arc::new(move |r| Box::pin(apply(r))));
        self
    }

    /// The handler that installs a firmware image.
    pub fn firmware<F, Fut>(mut self, install: F) -> Self
    where
        F: Fn(FirmwareInstall) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<(), String>> + Send + 'static,
    {
        self.handlers.firmware = Some(Arc::new(move |r| Box::pin(install(r))));
        self
    }

    /// The handler that installs or removes one software item, and the one that lists the
    /// installed software of a device (external id) after an update.
    pub fn software<F, Fut, L, LFut>(mut self, change: F, list: L) -> Self
    where
        F: Fn(SoftwareChange) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<(), String>> + Send + 'static,
        L: Fn(String) -> LFut + Send + Sync + 'static,
        LFut: Future<Output = Result<Vec<InstalledSoftware>, String>> + Send + 'static,
    {
        self.handlers.software = Some(Arc::new(move |r| Box::pin(change(r))));
        self.handlers.software_list = Some(Arc::new(move |d| Box::pin(list(d))));
        self
    }

    /// Where downloads are written before the application's step (default: the system temp
    /// directory).
    pub fn download_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.download_dir = dir.into();
        self
    }

    /// The workflows.
    pub fn build(self) -> DeviceManagement {
        DeviceManagement {
            http: self.http,
            root: self.root,
            last_profile: Arc::default(),
            handlers: self.handlers,
            download_dir: self.download_dir,
        }
    }
}

impl DeviceManagement {
    /// A builder on the client's HTTP client ([`Client::http`]).
    pub fn builder(client: &Client) -> Result<DeviceManagementBuilder, HttpError> {
        let mut builder = Self::builder_with(client.http()?);
        builder.root = Some(client.device());
        Ok(builder)
    }

    /// A builder on this HTTP client.
    pub fn builder_with(http: HttpClient) -> DeviceManagementBuilder {
        DeviceManagementBuilder {
            http,
            root: None,
            handlers: Handlers::default(),
            download_dir: std::env::temp_dir(),
        }
    }

    /// The operation fragments these workflows handle, for the supported operations (`114`).
    pub fn supported_operations(&self) -> Vec<&'static str> {
        let h = &self.handlers;
        let mut fragments = Vec::new();
        if h.log.is_some() {
            fragments.push("c8y_LogfileRequest");
        }
        if h.config_upload.is_some() {
            fragments.extend(["c8y_UploadConfigFile", "c8y_DownloadConfigFile"]);
        }
        if h.firmware.is_some() {
            fragments.push("c8y_Firmware");
        }
        if h.software.is_some() {
            fragments.push("c8y_SoftwareUpdate");
        }
        if h.firmware.is_some() || h.software.is_some() || h.config_apply.is_some() {
            fragments.push("c8y_DeviceProfile");
        }
        fragments
    }

    /// Publishes the supported log types (`118`) and configuration types (`119`) for the
    /// client's device, when handlers for them are registered; returns the deliveries.
    pub fn declare_for(&self, device: &Entity) -> Result<Vec<crate::client::Delivery>, ClientError> {
        let mut deliveries = Vec::new();
        if self.handlers.log.is_some() && !self.handlers.log_types.is_empty() {
            deliveries.push(device.publish(SupportedLogs::new(self.handlers.log_types.clone())?)?);
        }
        if self.handlers.config_upload.is_some() && !self.handlers.config_types.is_empty() {
            deliveries
                .push(device.publish(SupportedConfigurations::new(self.handlers.config_types.clone())?)?);
        }
        Ok(deliveries)
    }

    /// [`DeviceManagement::declare_for`] the client's device (nothing when built with
    /// [`DeviceManagement::builder_with`], which knows no client).
    pub fn declare(&self) -> Result<Vec<crate::client::Delivery>, ClientError> {
        match &self.root {
            Some(root) => self.declare_for(root),
            None => Ok(Vec::new()),
        }
    }

    /// Whether a workflow handles this operation.
    pub fn supports(&self, op: &ReceivedOperation) -> bool {
        let h = &self.handlers;
        match op.kind() {
            Some(OperationKind::LogfileRequest { .. }) => h.log.is_some(),
            Some(OperationKind::UploadConfigFile | OperationKind::UploadConfigFileTyped { .. }) => {
                h.config_upload.is_some()
            }
            Some(
                OperationKind::DownloadConfigFile { .. } | OperationKind::DownloadConfigFileTyped { .. },
            ) => h.config_apply.is_some(),
            Some(OperationKind::Firmware { .. } | OperationKind::FirmwarePatch { .. }) => {
                h.firmware.is_some()
            }
            Some(OperationKind::SoftwareUpdate(_) | OperationKind::AdvancedSoftwareUpdate(_)) => {
                h.software.is_some()
            }
            Some(OperationKind::DeviceProfile(_) | OperationKind::AdvancedDeviceProfile(_)) => {
                h.firmware.is_some() || h.software.is_some() || h.config_apply.is_some()
            }
            _ => false,
        }
    }

    /// Runs the workflow of `op` to its end: EXECUTING, the work, then SUCCESSFUL or FAILED
    /// with the reason. Returns `None` for an operation no workflow handles (nothing is sent),
    /// else the outcome. `Err` also means the failure was reported (if the platform could be
    /// reached at all).
    pub async fn handle(&self, op: &ReceivedOperation) -> Option<Result<(), WorkflowError>> {
        if !self.supports(op) {
            return None;
        }
        Some(self.run(op).await)
    }

    async fn run(&self, op: &ReceivedOperation) -> Result<(), WorkflowError> {
        match op.kind() {
            Some(OperationKind::DeviceProfile(profile)) => {
                *self.last_profile.lock() = Some((
                    op.device.clone(),
                    ProfileKey::of(profile, |s| (&s.name, &s.version)),
                ));
            }
            Some(OperationKind::AdvancedDeviceProfile(profile)) => {
                let key = ProfileKey::of(profile, |s| (&s.name, &s.version));
                if self.last_profile.lock().take() == Some((op.device.clone(), key)) {
                    tracing::debug!("531 of the profile just run as 527: already done");
                    return Ok(());
                }
            }
            _ => {}
        }
        acknowledged(op.executing())
            .await
            .map_err(|e| WorkflowError::step("EXECUTING", e))?;
        let result = self.work(op).await;
        let status = match &result {
            Ok(parameters) => op.succeed(parameters.clone()),
            Err(error) => op.fail(&error.0),
        };
        acknowledged(status)
            .await
            .map_err(|e| WorkflowError::step("status update", e))?;
        result.map(drop)
    }

    /// The work between EXECUTING and the final status; returns the SUCCESSFUL parameters.
    async fn work(&self, op: &ReceivedOperation) -> Result<Vec<String>, WorkflowError> {
        let device = op
            .target_device()
            .map_err(|e| WorkflowError::step("target device", e))?;
        let external_id = op.device.clone();
        let Some(kind) = op.kind() else {
            return Err(WorkflowError("not a static operation".to_owned()));
        };
        match kind {
            OperationKind::LogfileRequest {
                log_file,
                date_from,
                date_to,
                search_text,
                maximum_lines,
            } => {
                let handler = self.handlers.log.as_ref().ok_or_else(unsupported)?;
                let request = LogRequest {
                    device: external_id.clone(),
                    log_type: log_file.clone(),
                    date_from: date_from.clone(),
                    date_to: date_to.clone(),
                    search_text: search_text.clone(),
                    maximum_lines: *maximum_lines,
                };
                let content = handler(request)
                    .await
                    .map_err(|e| WorkflowError::step("Reading the log", e))?;
                let upload = self
                    .http
                    .upload_as_event(
                        &external_id,
                        "c8y_Logfile",
                        &format!("{log_file} log"),
                        &content,
                        &format!("{log_file}.log"),
                        "text/plain",
                    )
                    .await;
                content.discard();
                let upload = upload.map_err(|e| WorkflowError::step("Log upload", e))?;
                Ok(vec![upload.url])
            }
            OperationKind::UploadConfigFile | OperationKind::UploadConfigFileTyped { .. } => {
                let config_type = match kind {
                    OperationKind::UploadConfigFileTyped { config_type } => config_type.clone(),
                    _ => String::new(),
                };
                let handler = self.handlers.config_upload.as_ref().ok_or_else(unsupported)?;
                let content = handler(ConfigRequest {
                    device: external_id.clone(),
                    config_type: config_type.clone(),
                })
                .await
                .map_err(|e| WorkflowError::step("Reading the configuration", e))?;
                let event_type = if config_type.is_empty() {
                    "c8y_ConfigurationDump".to_owned()
                } else {
                    config_type.clone()
                };
                let upload = self
                    .http
                    .upload_as_event(
                        &external_id,
                        &event_type,
                        "Configuration snapshot",
                        &content,
                        &file_name(&event_type),
                        "application/octet-stream",
                    )
                    .await;
                content.discard();
                let upload = upload.map_err(|e| WorkflowError::step("Configuration upload", e))?;
                Ok(vec![upload.url])
            }
            OperationKind::DownloadConfigFile { url } => {
                self.apply_configuration(&device, &external_id, url, "").await?;
                Ok(Vec::new())
            }
            OperationKind::DownloadConfigFileTyped { url, config_type } => {
                self.apply_configuration(&device, &external_id, url, config_type)
                    .await?;
                Ok(Vec::new())
            }
            OperationKind::Firmware { name, version, url } => {
                self.install_firmware(&device, &external_id, name, version, url, None)
                    .await?;
                Ok(Vec::new())
            }
            OperationKind::FirmwarePatch {
                name,
                version,
                url,
                dependency,
            } => {
                let dependency = Some(dependency.clone()).filter(|d| !d.is_empty());
                self.install_firmware(&device, &external_id, name, version, url, dependency)
                    .await?;
                Ok(Vec::new())
            }
            OperationKind::SoftwareUpdate(items) => {
                self.update_software(&device, &external_id, &legacy_changes(items), false)
                    .await?;
                Ok(Vec::new())
            }
            OperationKind::AdvancedSoftwareUpdate(items) => {
                self.update_software(&device, &external_id, &advanced_changes(items), true)
                    .await?;
                Ok(Vec::new())
            }
            OperationKind::DeviceProfile(profile) => {
                self.apply_profile(&device, &external_id, profile, legacy_changes, false)
                    .await?;
                Ok(Vec::new())
            }
            OperationKind::AdvancedDeviceProfile(profile) => {
                self.apply_profile(&device, &external_id, profile, advanced_changes, true)
                    .await?;
                Ok(Vec::new())
            }
            _ => Err(unsupported()),
        }
    }

    /// Downloads `url` into the download directory; the file is removed when the guard drops.
    async fn download(&self, what: &str, url: &str) -> Result<TempDownload, WorkflowError> {
        std::fs::create_dir_all(&self.download_dir).map_err(|e| {
            WorkflowError::step(
                &format!("Download of {what}"),
                HttpError::io(&self.download_dir, e),
            )
        })?;
        let path = self
            .download_dir
            .join(format!("c8y-download-{:016x}", fastrand::u64(..)));
        self.http
            .download_to_file(url, &path, &DownloadOptions::default())
            .await
            .map_err(|e| WorkflowError::step(&format!("Download of {what}"), e))?;
        Ok(TempDownload(path))
    }

    async fn apply_configuration(
        &self,
        device: &Entity,
        external_id: &str,
        url: &str,
        config_type: &str,
    ) -> Result<(), WorkflowError> {
        let handler = self.handlers.config_apply.as_ref().ok_or_else(unsupported)?;
        let what = if config_type.is_empty() {
            "configuration".to_owned()
        } else {
            format!("configuration {config_type}")
        };
        let file = self.download(&what, url).await?;
        handler(ConfigApply {
            device: external_id.to_owned(),
            config_type: config_type.to_owned(),
            url: url.to_owned(),
            path: file.0.clone(),
        })
        .await
        .map_err(|e| WorkflowError::step(&format!("Applying {what}"), e))?;
        drop(file);
        if !config_type.is_empty() {
            let current = CurrentConfiguration::new(config_type, url)
                .map_err(|e| WorkflowError::step("Reporting the configuration", e))?;
            publish_acknowledged(device, current, "Reporting the configuration").await?;
        }
        Ok(())
    }

    async fn install_firmware(
        &self,
        device: &Entity,
        external_id: &str,
        name: &str,
        version: &str,
        url: &FirmwareUrl,
        dependency: Option<String>,
    ) -> Result<(), WorkflowError> {
        let handler = self.handlers.firmware.as_ref().ok_or_else(unsupported)?;
        let file = match url.url() {
            Some(link) if !link.is_empty() => Some(self.download("firmware image", link).await?),
            _ => None,
        };
        handler(FirmwareInstall {
            device: external_id.to_owned(),
            name: name.to_owned(),
            version: version.to_owned(),
            url: url.clone(),
            dependency,
            path: file.as_ref().map(|f| f.0.clone()),
        })
        .await
        .map_err(|e| WorkflowError::step("Firmware installation", e))?;
        drop(file);
        let firmware = Firmware::new()
            .with_name(name)
            .with_version(version)
            .with_url(url.as_str());
        publish_acknowledged(device, firmware, "Reporting the firmware").await
    }

    async fn update_software(
        &self,
        device: &Entity,
        external_id: &str,
        changes: &[SoftwareChange],
        advanced: bool,
    ) -> Result<(), WorkflowError> {
        let handler = self.handlers.software.as_ref().ok_or_else(unsupported)?;
        for change in changes {
            let what = format!("software {} {}", change.name, change.version);
            let file = match &change.action {
                SoftwareChangeAction::Install { .. } if !change.url.is_empty() => {
                    Some(self.download(&what, &change.url).await?)
                }
                _ => None,
            };
            let mut change = change.clone();
            change.device = external_id.to_owned();
            if let SoftwareChangeAction::Install { path } = &mut change.action {
                *path = file.as_ref().map(|f| f.0.clone());
            }
            let verb = match change.action {
                SoftwareChangeAction::Install { .. } => "Installing",
                SoftwareChangeAction::Delete => "Removing",
                SoftwareChangeAction::Other(_) => "Changing",
            };
            handler(change)
                .await
                .map_err(|e| WorkflowError::step(&format!("{verb} {what}"), e))?;
        }
        let Some(list) = self.handlers.software_list.as_ref() else {
            return Ok(());
        };
        let installed = list(external_id.to_owned())
            .await
            .map_err(|e| WorkflowError::step("Listing the software", e))?;
        let template: Upstream = if advanced {
            let items = installed
                .iter()
                .map(|s| {
                    AdvancedSoftwareItem::new(&s.name, &s.version).map(|item| {
                        item.with_software_type(s.software_type.clone().unwrap_or_default())
                            .with_url(s.url.clone())
                    })
                })
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| WorkflowError::step("Reporting the software", e))?;
            AdvancedSoftwareList::new(items).into()
        } else {
            let items = installed
                .iter()
                .map(|s| SoftwareListItem::new(&s.name).map(|i| i.with_version(&s.version).with_url(&s.url)))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| WorkflowError::step("Reporting the software", e))?;
            SoftwareList::new(items).into()
        };
        publish_acknowledged(device, template, "Reporting the software").await
    }

    async fn apply_profile<S>(
        &self,
        device: &Entity,
        external_id: &str,
        profile: &DeviceProfile<S>,
        changes: fn(&[S]) -> Vec<SoftwareChange>,
        advanced: bool,
    ) -> Result<(), WorkflowError> {
        publish_acknowledged(device, DeviceProfileApplied::new(false), "Reporting the profile").await?;
        if let Some(ProfileFirmware {
            name,
            version,
            url,
            is_patch,
            dependency,
        }) = &profile.firmware
        {
            let dependency = dependency.clone().filter(|_| *is_patch);
            self.install_firmware(device, external_id, name, version, url, dependency)
                .await?;
        }
        if !profile.software.is_empty() {
            self.update_software(device, external_id, &changes(&profile.software), advanced)
                .await?;
        }
        for ProfileConfiguration { url, config_type } in &profile.configurations {
            self.apply_configuration(device, external_id, url, config_type)
                .await?;
        }
        publish_acknowledged(device, DeviceProfileApplied::new(true), "Reporting the profile").await
    }
}

/// What identifies a device profile across its `527` and `531` renderings: the firmware, the
/// software names and versions, the configurations (the software types only exist in `531`).
#[derive(Debug, Clone, PartialEq, Eq)]
struct ProfileKey {
    firmware: Option<ProfileFirmware>,
    software: Vec<(String, String)>,
    configurations: Vec<ProfileConfiguration>,
}

impl ProfileKey {
    fn of<S>(profile: &DeviceProfile<S>, item: impl Fn(&S) -> (&String, &String)) -> Self {
        Self {
            firmware: profile.firmware.clone(),
            software: profile
                .software
                .iter()
                .map(|s| {
                    let (name, version) = item(s);
                    (name.clone(), version.clone())
                })
                .collect(),
            configurations: profile.configurations.clone(),
        }
    }
}

/// A downloaded file, removed when dropped.
struct TempDownload(PathBuf);

impl Drop for TempDownload {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

fn unsupported() -> WorkflowError {
    WorkflowError("Unsupported operation".to_owned())
}

/// A file name for an uploaded configuration: the type with path separators replaced.
fn file_name(config_type: &str) -> String {
    Path::new(config_type)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| "configuration".to_owned())
}

fn legacy_changes(items: &[SoftwareUpdateItem]) -> Vec<SoftwareChange> {
    items
        .iter()
        .map(|i| SoftwareChange::new(&i.name, &i.version, None, &i.url, &i.action))
        .collect()
}

fn advanced_changes(items: &[AdvancedSoftwareUpdateItem]) -> Vec<SoftwareChange> {
    items
        .iter()
        .map(|i| {
            let software_type = Some(i.software_type.clone()).filter(|t| !t.is_empty());
            SoftwareChange::new(&i.name, &i.version, software_type, &i.url, &i.action)
        })
        .collect()
}

impl SoftwareChange {
    fn new(
        name: &str,
        version: &str,
        software_type: Option<String>,
        url: &str,
        action: &SoftwareAction,
    ) -> Self {
        Self {
            device: String::new(),
            name: name.to_owned(),
            version: version.to_owned(),
            software_type,
            url: url.to_owned(),
            action: match action {
                SoftwareAction::Install => SoftwareChangeAction::Install { path: None },
                SoftwareAction::Delete => SoftwareChangeAction::Delete,
                SoftwareAction::Other(word) => SoftwareChangeAction::Other(word.clone()),
            },
        }
    }
}

/// Waits until the platform acknowledged a status update.
pub(crate) async fn acknowledged(
    delivery: Result<crate::client::Delivery, ClientError>,
) -> Result<(), String> {
    let delivery = delivery.map_err(|e| e.to_string())?;
    match tokio::time::timeout(ACK_TIMEOUT, delivery).await {
        Ok(DeliveryOutcome::Acknowledged | DeliveryOutcome::Sent) => Ok(()),
        Ok(other) => Err(format!("{other:?}")),
        Err(_) => Err(format!("not acknowledged within {ACK_TIMEOUT:?}")),
    }
}

async fn publish_acknowledged(
    device: &Entity,
    template: impl Into<Upstream>,
    step: &str,
) -> Result<(), WorkflowError> {
    acknowledged(device.publish(template))
        .await
        .map_err(|e| WorkflowError::step(step, e))
}
