//! Downloads: a URL to a file or to any `AsyncWrite`, streamed in constant memory.
//!
//! Behaviour:
//! * **Resume**: when the connection breaks (a network error, or the body ends short of the
//!   announced length) the download asks for the rest with `Range: bytes=<received>-` and goes
//!   on if the answer is `206` starting at that offset. A `200` instead (no range support)
//!   starts over: a file is truncated, a stream that has received bytes fails with
//!   [`HttpError::NoResume`]. Every attempt counts against [`HttpOptions::attempts`](super::HttpOptions).
//! * **Credentials** as for every call of the client: the device's on platform URLs, none
//!   elsewhere. A 401 with a token renews it once per failure (so a token that expires in the
//!   middle of a long download is renewed for the resume).
//! * **Checks**: the size against [`DownloadOptions::size`] and the length the server
//!   announced, the SHA-256 (hex, any case) against [`DownloadOptions::sha256`]. The digest is
//!   computed while streaming, across resumes.
//! * **Files**: written to a temporary file created new (`O_EXCL`, so never through a symlink)
//!   with mode 0600 in the target's directory, synced, then renamed over the target; on any
//!   failure the temporary file is removed and the target is untouched. Every
//!   [`WRITE_BACK_STEP`] bytes a sync of what was written so far starts on a blocking thread
//!   (one at a time), so the disk works while the network does and the final sync before the
//!   rename has little left to do. Resume is within one
//!   call; a new call starts from zero.
//! * **Progress**: [`DownloadOptions::progress`] is called with (bytes received, total if known)
//!   as chunks arrive, and once at the end.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use futures_util::StreamExt;
use reqwest::StatusCode;
use reqwest::header::{CONTENT_RANGE, RANGE};
use sha2::{Digest, Sha256};
use tokio::io::{AsyncSeekExt, AsyncWrite, AsyncWriteExt};

use super::error::shown;
use super::{HttpClient, HttpError, error_chain};

/// A progress callback: (bytes received, total bytes when known).
pub type Progress = Arc<dyn Fn(u64, Option<u64>) + Send + Sync>;

/// What a download checks and reports.
#[derive(Clone, Default)]
pub struct DownloadOptions {
    /// The expected size in bytes.
    pub size: Option<u64>,
    /// The expected SHA-256 as hex.
    pub sha256: Option<String>,
    /// Called as bytes arrive.
    pub progress: Option<Progress>,
}

impl std::fmt::Debug for DownloadOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DownloadOptions")
            .field("size", &self.size)
            .field("sha256", &self.sha256)
            .field("progress", &self.progress.is_some())
            .finish()
    }
}

/// A completed download.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Downloaded {
    /// Bytes written.
    pub bytes: u64,
    /// Their SHA-256, lower-case hex.
    pub sha256: String,
    /// How many times the download was resumed with `Range`.
    pub resumes: u32,
}

/// The write buffer of a file download: the file is written in pieces of this size (each a
/// trip to a blocking thread), not once per network chunk.
const FILE_BUFFER: usize = 1 << 20;

/// How many bytes a file download writes between two background syncs.
pub const WRITE_BACK_STEP: u64 = 16 << 20;

/// Where the bytes go.
enum Sink<'a> {
    File {
        file: tokio::io::BufWriter<tokio::fs::File>,
        path: &'a Path,
        /// Bytes written since the last background sync started.
        unsynced: u64,
        /// The background sync in progress.
        syncing: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
    },
    Writer(&'a mut (dyn AsyncWrite + Unpin + Send)),
}

impl Sink<'_> {
    async fn write(&mut self, bytes: &[u8]) -> Result<(), HttpError> {
        match self {
            Self::File {
                file,
                path,
                unsynced,
                syncing,
            } => {
                file.write_all(bytes).await.map_err(|e| HttpError::io(path, e))?;
                *unsynced += bytes.len() as u64;
                if *unsynced >= WRITE_BACK_STEP && syncing.as_ref().is_none_or(|s| s.is_finished()) {
                    *unsynced = 0;
                    // A second handle on the same file: syncing it writes back what this one
                    // wrote. Its errors are left to the final sync, which reports them.
                    file.flush().await.map_err(|e| HttpError::io(path, e))?;
                    let handle = file
                        .get_ref()
                        .try_clone()
                        .await
                        .map_err(|e| HttpError::io(path, e))?
                        .into_std()
                        .await;
                    *syncing = Some(tokio::task::spawn_blocking(move || handle.sync_data()));
                }
                Ok(())
            }
            Self::Writer(writer) => writer
                .write_all(bytes)
                .await
                .map_err(|e| HttpError::io(Path::new("<stream>"), e)),
        }
    }

    /// Starts over (the server ignored the range).
    async fn rewind(&mut self, url: &reqwest::Url) -> Result<(), HttpError> {
        match self {
            Self::File { file, path, .. } => {
                file.flush().await.map_err(|e| HttpError::io(path, e))?;
                let file = file.get_mut();
                file.set_len(0).await.map_err(|e| HttpError::io(path, e))?;
                file.rewind().await.map_err(|e| HttpError::io(path, e))?;
                Ok(())
            }
            Self::Writer(_) => Err(HttpError::NoResume { url: shown(url) }),
        }
    }
}

impl HttpClient {
    /// Downloads `url` (absolute, or a path on the platform) to `path`, replacing it only when
    /// the download is complete and checked (see the module documentation).
    pub async fn download_to_file(
        &self,
        url: &str,
        path: &Path,
        options: &DownloadOptions,
    ) -> Result<Downloaded, HttpError> {
        let url = self.url(url)?;
        let (file, temp) = create_temp(path)?;
        let mut sink = Sink::File {
            file: tokio::io::BufWriter::with_capacity(FILE_BUFFER, tokio::fs::File::from_std(file)),
            path: &temp,
            unsynced: 0,
            syncing: None,
        };
        let result = async {
            let done = self.fetch(&url, &mut sink, options).await?;
            if let Sink::File { file, syncing, .. } = &mut sink {
                if let Some(background) = syncing.take() {
                    let _ = background.await;
                }
                file.flush().await.map_err(|e| HttpError::io(&temp, e))?;
                file.get_ref()
                    .sync_all()
                    .await
                    .map_err(|e| HttpError::io(&temp, e))?;
            }
            tokio::fs::rename(&temp, path)
                .await
                .map_err(|e| HttpError::io(path, e))?;
            Ok(done)
        }
        .await;
        if result.is_err() {
            let _ = std::fs::remove_file(&temp);
        }
        result
    }

    /// Downloads `url` into `writer` as the bytes arrive (see the module documentation); the
    /// checks run at the end, so a caller must discard what it received when this fails.
    pub async fn download_to_writer(
        &self,
        url: &str,
        writer: &mut (dyn AsyncWrite + Unpin + Send),
        options: &DownloadOptions,
    ) -> Result<Downloaded, HttpError> {
        let url = self.url(url)?;
        let mut sink = Sink::Writer(writer);
        let done = self.fetch(&url, &mut sink, options).await?;
        if let Sink::Writer(writer) = &mut sink {
            writer
                .flush()
                .await
                .map_err(|e| HttpError::io(Path::new("<stream>"), e))?;
        }
        Ok(done)
    }

    async fn fetch(
        &self,
        url: &reqwest::Url,
        sink: &mut Sink<'_>,
        options: &DownloadOptions,
    ) -> Result<Downloaded, HttpError> {
        let attempts = self.options().attempts.max(1);
        let mut received: u64 = 0;
        let mut total = options.size;
        let mut hasher = Sha256::new();
        let mut attempt = 0;
        let mut resumes = 0;
        let mut last_error: HttpError;
        loop {
            attempt += 1;
            let from = received;
            let answer = self
                .send(url, |http| {
                    let request = http.get(url.clone());
                    Ok(if from > 0 {
                        request.header(RANGE, format!("bytes={from}-"))
                    } else {
                        request
                    })
                })
                .await;
            let response = match answer {
                Ok(response) => response,
                Err(HttpError::Network { reason, .. }) if received > 0 => {
                    // The connection broke again while resuming: keep the bytes, try again.
                    last_error = HttpError::Network {
                        url: shown(url),
                        attempts: attempt,
                        reason,
                    };
                    if attempt >= attempts {
                        return Err(last_error);
                    }
                    tokio::time::sleep(self.options().delay(attempt)).await;
                    continue;
                }
                Err(error) => return Err(error),
            };
            let status = response.status();
            match status {
                StatusCode::PARTIAL_CONTENT if from > 0 => {
                    let range = content_range(&response);
                    if range.map(|(start, _)| start) != Some(from) {
                        return Err(HttpError::Answer {
                            url: shown(url),
                            reason: format!("asked for bytes {from}-, got range {range:?}"),
                        });
                    }
                    check_total(&mut total, range.and_then(|(_, t)| t))?;
                    resumes += 1;
                }
                StatusCode::RANGE_NOT_SATISFIABLE if from > 0 && total == Some(from) => break,
                StatusCode::OK => {
                    if received > 0 {
                        sink.rewind(url).await?;
                        received = 0;
                        hasher = Sha256::new();
                    }
                    check_total(&mut total, response.content_length())?;
                }
                _ => {
                    return Err(HttpError::Status {
                        url: shown(url),
                        status: status.as_u16(),
                    });
                }
            }
            let mut body = response.bytes_stream();
            let mut broken = None;
            while let Some(chunk) = body.next().await {
                match chunk {
                    Ok(bytes) => {
                        if total.is_some_and(|t| received + bytes.len() as u64 > t) {
                            return Err(HttpError::Size {
                                expected: total.unwrap_or_default(),
                                actual: received + bytes.len() as u64,
                            });
                        }
                        sink.write(&bytes).await?;
                        hasher.update(&bytes);
                        received += bytes.len() as u64;
                        if let Some(progress) = &options.progress {
                            progress(received, total);
                        }
                    }
                    Err(error) => {
                        broken = Some(error_chain(&error));
                        break;
                    }
                }
            }
            let complete = match total {
                Some(t) => received == t,
                None => broken.is_none(),
            };
            if complete {
                break;
            }
            last_error = HttpError::Network {
                url: shown(url),
                attempts: attempt,
                reason: broken.unwrap_or_else(|| format!("connection closed after {received} bytes")),
            };
            tracing::info!(url = %shown(url), received, "download interrupted, resuming");
            if attempt >= attempts {
                return Err(last_error);
            }
            tokio::time::sleep(self.options().delay(attempt)).await;
        }
        if let Some(expected) = options.size
            && expected != received
        {
            return Err(HttpError::Size {
                expected,
                actual: received,
            });
        }
        let sha256 = hex(&hasher.finalize());
        if let Some(expected) = &options.sha256
            && !expected.eq_ignore_ascii_case(&sha256)
        {
            return Err(HttpError::Checksum {
                expected: expected.clone(),
                actual: sha256,
            });
        }
        if let Some(progress) = &options.progress {
            progress(received, Some(received));
        }
        Ok(Downloaded {
            bytes: received,
            sha256,
            resumes,
        })
    }
}

/// Records the total the server announced; a different expected size is an error.
fn check_total(total: &mut Option<u64>, announced: Option<u64>) -> Result<(), HttpError> {
    match (*total, announced) {
        (Some(expected), Some(actual)) if expected != actual => Err(HttpError::Size { expected, actual }),
        (None, Some(actual)) => {
            *total = Some(actual);
            Ok(())
        }
        _ => Ok(()),
    }
}

/// `Content-Range: bytes <start>-<end>/<total|*>` as (start, total).
fn content_range(response: &reqwest::Response) -> Option<(u64, Option<u64>)> {
    let value = response.headers().get(CONTENT_RANGE)?.to_str().ok()?;
    let rest = value.trim().strip_prefix("bytes ")?;
    let (range, total) = rest.split_once('/')?;
    let start = range.split_once('-')?.0.trim().parse().ok()?;
    Some((start, total.trim().parse().ok()))
}

/// Lower-case hex.
pub(crate) fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

/// Creates `.<name>.<random>.part` next to `target`: new (never an existing file or symlink),
/// readable and writable by the owner only.
fn create_temp(target: &Path) -> Result<(std::fs::File, PathBuf), HttpError> {
    let name = target
        .file_name()
        .ok_or_else(|| HttpError::io(target, "not a file name"))?
        .to_string_lossy()
        .into_owned();
    let dir = match target.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
        _ => PathBuf::from("."),
    };
    for _ in 0..8 {
        let temp = dir.join(format!(".{name}.{:016x}.part", fastrand::u64(..)));
        let mut open = std::fs::OpenOptions::new();
        open.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            open.mode(0o600);
        }
        match open.open(&temp) {
            Ok(file) => return Ok((file, temp)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(HttpError::io(&temp, e)),
        }
    }
    Err(HttpError::io(target, "no free temporary file name"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_is_lower_case() {
        assert_eq!(hex(&[0, 0xab, 0x10]), "00ab10");
    }

    #[test]
    fn temp_files_are_private_and_new() {
        let dir = std::env::temp_dir().join(format!("c8y-dl-{}", fastrand::u64(..)));
        std::fs::create_dir_all(&dir).unwrap();
        let (_file, temp) = create_temp(&dir.join("fw.bin")).unwrap();
        assert_eq!(temp.parent(), Some(dir.as_path()));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&temp).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn totals_must_agree() {
        let mut total = None;
        check_total(&mut total, Some(10)).unwrap();
        assert_eq!(total, Some(10));
        assert_eq!(
            check_total(&mut Some(5), Some(10)),
            Err(HttpError::Size {
                expected: 5,
                actual: 10
            })
        );
    }
}
