//! The on-disk outbox store behind [`ConfigBuilder::persistence_dir`](super::ConfigBuilder::persistence_dir):
//! one file per queued QoS ≥ 1 packet, written crash-safely, removed once the platform
//! acknowledged the packet, and loaded back into the outbox when a client starts.
//!
//! # Layout
//!
//! * `<delivery:020>-<part:05>.msg`: one packet (a part of one publish call). File names sort in
//!   send order. Contents (little-endian): magic `C8YMSG01`, delivery id (u64), part (u32),
//!   qos (u8), batchable (u8), topic length (u32) + topic, payload length (u32) + payload, and a
//!   CRC-32 of everything before it.
//! * `delivery-ids`: the high-water mark of reserved delivery ids (decimal text). Ids are
//!   reserved in blocks of [`ID_BLOCK`], so they keep increasing across restarts even when the
//!   directory was emptied, at the cost of one extra write per block.
//! * `*.tmp`: a write in progress; left over only by a crash before its rename and deleted on
//!   load (the publish call that wrote it never returned).
//! * `*.corrupt`: a message file that failed to parse, renamed so it is reported once and kept
//!   for inspection.
//!
//! # Why one file per packet
//!
//! Each write is `create tmp → write → fsync file → rename → fsync directory`: a file either
//! exists complete under its final name or not at all, so no recovery scan of a log is needed,
//! a damaged file affects one message only, and removal after PUBACK is a single `unlink` (no
//! compaction). The price is two fsyncs per QoS ≥ 1 packet, which suits device telemetry rates
//! (tens of messages per second at most); use batching for bursts.
//!
//! # Durability guarantee
//!
//! When a QoS ≥ 1 publish call of a client with a persistence directory returns `Ok`, every
//! packet of it is on disk and its directory entry is synced: it survives a crash of the
//! process and, on a file system that honours `fsync`, a power loss. Such a packet is deleted
//! only after the platform acknowledged it (PUBACK / PUBCOMP) or when the overflow policy drops
//! it; closing or a fatal stop keeps it for the next client using the directory. A crash between
//! the acknowledgement and the deletion sends it again (at least once, duplicates possible).
//! QoS 0 messages are never written.
//!
//! The writes happen inside the publish call, under the outbox lock: concurrent publishes and
//! the connection task's bookkeeping wait for the fsyncs. Use one client per directory at a
//! time (nothing locks the directory against a second process).

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use crate::QoS;

/// Delivery ids reserved per write of the `delivery-ids` file.
pub const ID_BLOCK: u64 = 1024;

const MAGIC: &[u8; 8] = b"C8YMSG01";
const COUNTER_FILE: &str = "delivery-ids";
const MESSAGE_EXT: &str = "msg";
/// Held locked (`flock`) by the client using the directory: one client per directory.
const LOCK_FILE: &str = "lock";

/// A file-system error of the persistence store.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("persistence {action} {path}: {kind:?}: {message}")]
pub struct PersistenceError {
    /// What was being done (`"create"`, `"write"`, `"read"`, `"remove"`).
    pub action: &'static str,
    /// The file or directory.
    pub path: PathBuf,
    /// The I/O error kind.
    pub kind: io::ErrorKind,
    /// The I/O error text.
    pub message: String,
}

impl PersistenceError {
    pub(crate) fn io(action: &'static str, path: &Path, error: &io::Error) -> Self {
        Self {
            action,
            path: path.to_owned(),
            kind: error.kind(),
            message: error.to_string(),
        }
    }
}

/// One packet as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredMessage {
    /// The delivery (publish call) it belongs to.
    pub delivery: u64,
    /// Its part within the call (0 for unsplit messages).
    pub part: u32,
    /// Topic.
    pub topic: String,
    /// Payload.
    pub payload: String,
    /// QoS (1 or 2).
    pub qos: QoS,
    /// Whether it may be batched with neighbouring rows.
    pub batchable: bool,
}

/// A file in the directory that was not loaded, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkippedFile {
    /// The file (after renaming a corrupt file, its new name).
    pub path: PathBuf,
    /// Why it was skipped.
    pub reason: String,
}

/// What [`Store::open`] found.
#[derive(Debug, Default)]
pub struct Recovered {
    /// The stored packets, in send order.
    pub messages: Vec<StoredMessage>,
    /// Files skipped (corrupt or unreadable).
    pub skipped: Vec<SkippedFile>,
}

/// Takes the directory's lock file, or fails with [`io::ErrorKind::WouldBlock`] when another
/// client (in this process or another) holds it: two clients sharing a directory would send
/// and delete each other's messages.
fn lock_directory(dir: &Path) -> Result<File, PersistenceError> {
    let path = dir.join(LOCK_FILE);
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|e| PersistenceError::io("create", &path, &e))?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(fs::TryLockError::WouldBlock) => Err(PersistenceError {
            action: "lock",
            path,
            kind: io::ErrorKind::WouldBlock,
            message: "the directory is in use by another client (one client per persistence directory)"
                .to_owned(),
        }),
        Err(fs::TryLockError::Error(e)) => Err(PersistenceError::io("lock", &path, &e)),
    }
}

/// The store of one persistence directory.
#[derive(Debug)]
pub struct Store {
    dir: PathBuf,
    /// The locked lock file; the lock ends when the store is dropped.
    _lock: File,
    /// Ids below this are reserved in the counter file.
    reserved_until: u64,
}

impl Store {
    /// Opens (creating when missing) the directory, deletes stale temporary files, and loads
    /// every stored packet. Returns the store, the first delivery id to use, and what was
    /// found. Corrupt files are renamed to `*.corrupt` and reported, never loaded.
    pub fn open(dir: &Path) -> Result<(Self, u64, Recovered), PersistenceError> {
        fs::create_dir_all(dir).map_err(|e| PersistenceError::io("create", dir, &e))?;
        let lock = lock_directory(dir)?;
        let mut names: Vec<PathBuf> = fs::read_dir(dir)
            .map_err(|e| PersistenceError::io("read", dir, &e))?
            .filter_map(|entry| entry.ok().map(|e| e.path()))
            .collect();
        names.sort();
        let mut recovered = Recovered::default();
        // Delivery ids start at 1 (see `DeliveryId`).
        let mut next = 1u64;
        let mut reserved_until = 0u64;
        for path in names {
            let ext = path.extension().and_then(|e| e.to_str()).unwrap_or_default();
            if ext == "tmp" {
                let _ = fs::remove_file(&path);
                continue;
            }
            if path.file_name().and_then(|n| n.to_str()) == Some(COUNTER_FILE) {
                match fs::read_to_string(&path)
                    .ok()
                    .and_then(|t| t.trim().parse::<u64>().ok())
                {
                    Some(mark) => reserved_until = mark,
                    None => recovered.skipped.push(SkippedFile {
                        path: path.clone(),
                        reason: "unreadable delivery id counter".to_owned(),
                    }),
                }
                continue;
            }
            if ext != MESSAGE_EXT {
                continue;
            }
            match fs::read(&path)
                .map_err(|e| e.to_string())
                .and_then(|bytes| decode(&bytes))
            {
                Ok(message) => {
                    next = next.max(message.delivery.saturating_add(1));
                    recovered.messages.push(message);
                }
                Err(reason) => {
                    let corrupt = path.with_extension("corrupt");
                    let reported = if fs::rename(&path, &corrupt).is_ok() {
                        corrupt
                    } else {
                        path
                    };
                    tracing::warn!(path = %reported.display(), %reason, "skipping a corrupt outbox file");
                    recovered.skipped.push(SkippedFile {
                        path: reported,
                        reason,
                    });
                }
            }
        }
        recovered.messages.sort_by_key(|m| (m.delivery, m.part));
        let next = next.max(reserved_until);
        let mut store = Self {
            dir: dir.to_owned(),
            _lock: lock,
            reserved_until,
        };
        store.reserve(next)?;
        Ok((store, next, recovered))
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Makes sure delivery id `id` is reserved on disk (writes a new block when needed).
    pub fn reserve(&mut self, id: u64) -> Result<(), PersistenceError> {
        if id < self.reserved_until {
            return Ok(());
        }
        let mark = id.saturating_add(ID_BLOCK);
        let path = self.dir.join(COUNTER_FILE);
        write_atomic(&path, mark.to_string().as_bytes(), None)?;
        sync_dir(&self.dir)?;
        self.reserved_until = mark;
        Ok(())
    }

    /// The file of one packet.
    pub fn path_of(&self, delivery: u64, part: u32) -> PathBuf {
        self.dir.join(format!("{delivery:020}-{part:05}.{MESSAGE_EXT}"))
    }

    /// Writes packets durably (see the module docs); on error, the ones already written are
    /// removed again. Returns their paths.
    pub fn write(&mut self, messages: &[StoredMessage]) -> Result<Vec<PathBuf>, PersistenceError> {
        let mut written = Vec::with_capacity(messages.len());
        for message in messages {
            let path = self.path_of(message.delivery, message.part);
            if let Err(error) = write_atomic(&path, &encode(message), None) {
                remove_files(&written);
                return Err(error);
            }
            written.push(path);
        }
        if let Err(error) = sync_dir(&self.dir) {
            remove_files(&written);
            return Err(error);
        }
        Ok(written)
    }
}

/// Deletes packet files (acknowledged or dropped); failures are logged.
pub fn remove_files(paths: &[PathBuf]) {
    for path in paths {
        if let Err(error) = fs::remove_file(path)
            && error.kind() != io::ErrorKind::NotFound
        {
            tracing::warn!(path = %path.display(), %error, "cannot remove an outbox file");
        }
    }
}

/// Writes `bytes` to `path` through a temporary file: create, write, fsync, rename. The caller
/// syncs the directory.
///
/// The temporary file gets a random name beside `path` (`.<name>.<random>.tmp`) and is created
/// new (`O_CREAT | O_EXCL`, which never follows a symbolic link) with the Unix permissions
/// `mode` from the start (default 0600: payloads and credentials are private), so neither a
/// file planted under a predictable name nor a symbolic link can widen its permissions or
/// redirect the secret elsewhere. A `path` that is itself a symbolic link is refused
/// ([`io::ErrorKind::InvalidInput`]): the rename would replace the link, not write where the
/// caller believes.
pub(crate) fn write_atomic(path: &Path, bytes: &[u8], mode: Option<u32>) -> Result<(), PersistenceError> {
    refuse_symlink(path)?;
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let mut prefix = std::ffi::OsString::from(".");
    prefix.push(path.file_name().unwrap_or_default());
    prefix.push(".");
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix).suffix(".tmp");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(fs::Permissions::from_mode(mode.unwrap_or(0o600)));
    }
    #[cfg(not(unix))]
    let _ = mode;
    let result = (|| {
        // Dropping the temporary file on an error removes it.
        let mut file = builder.tempfile_in(dir)?;
        file.write_all(bytes)?;
        file.as_file().sync_all()?;
        file.persist(path).map_err(|e| e.error)?;
        Ok(())
    })();
    result.map_err(|e: io::Error| PersistenceError::io("write", path, &e))
}

/// Refuses a path that is a symbolic link (a missing path is fine).
fn refuse_symlink(path: &Path) -> Result<(), PersistenceError> {
    match fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_symlink() => Err(PersistenceError {
            action: "write",
            path: path.to_owned(),
            kind: io::ErrorKind::InvalidInput,
            message: "refusing to write through a symbolic link".to_owned(),
        }),
        _ => Ok(()),
    }
}

/// Makes renames and removals in `dir` durable.
pub(crate) fn sync_dir(dir: &Path) -> Result<(), PersistenceError> {
    #[cfg(unix)]
    {
        File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(|e| PersistenceError::io("sync", dir, &e))
    }
    #[cfg(not(unix))]
    {
        let _ = (dir, File::open::<&Path>);
        Ok(())
    }
}

fn qos_byte(qos: QoS) -> u8 {
    match qos {
        QoS::AtMostOnce => 0,
        QoS::AtLeastOnce => 1,
        QoS::ExactlyOnce => 2,
    }
}

/// The file contents of one packet.
pub fn encode(message: &StoredMessage) -> Vec<u8> {
    let topic = message.topic.as_bytes();
    let payload = message.payload.as_bytes();
    let mut out = Vec::with_capacity(34 + topic.len() + payload.len());
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&message.delivery.to_le_bytes());
    out.extend_from_slice(&message.part.to_le_bytes());
    out.push(qos_byte(message.qos));
    out.push(u8::from(message.batchable));
    // Topics and payloads are bounded by the MQTT packet limit, far below u32::MAX.
    out.extend_from_slice(&u32::try_from(topic.len()).unwrap_or(u32::MAX).to_le_bytes());
    out.extend_from_slice(topic);
    out.extend_from_slice(&u32::try_from(payload.len()).unwrap_or(u32::MAX).to_le_bytes());
    out.extend_from_slice(payload);
    let crc = crc32fast::hash(&out);
    out.extend_from_slice(&crc.to_le_bytes());
    out
}

/// A cursor over file bytes that never panics.
struct Reader<'a> {
    bytes: &'a [u8],
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        if n > self.bytes.len() {
            return Err("truncated".to_owned());
        }
        let (head, rest) = self.bytes.split_at(n);
        self.bytes = rest;
        Ok(head)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], String> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(N)?);
        Ok(out)
    }

    fn text(&mut self, what: &str) -> Result<String, String> {
        let len = u32::from_le_bytes(self.array()?) as usize;
        let bytes = self.take(len)?;
        String::from_utf8(bytes.to_vec()).map_err(|_| format!("{what} is not UTF-8"))
    }
}

/// Parses the file contents of one packet; the error says what is wrong.
pub fn decode(bytes: &[u8]) -> Result<StoredMessage, String> {
    if bytes.len() < 4 {
        return Err("truncated".to_owned());
    }
    let (body, crc) = bytes.split_at(bytes.len() - 4);
    let mut crc_bytes = [0u8; 4];
    crc_bytes.copy_from_slice(crc);
    if !body.starts_with(MAGIC) {
        return Err("not an outbox file (bad magic)".to_owned());
    }
    if crc32fast::hash(body) != u32::from_le_bytes(crc_bytes) {
        return Err("checksum mismatch".to_owned());
    }
    let mut reader = Reader { bytes: body };
    reader.take(MAGIC.len())?;
    let delivery = u64::from_le_bytes(reader.array()?);
    let part = u32::from_le_bytes(reader.array()?);
    let [qos, batchable] = reader.array()?;
    let qos = match qos {
        1 => QoS::AtLeastOnce,
        2 => QoS::ExactlyOnce,
        other => return Err(format!("invalid QoS {other}")),
    };
    let topic = reader.text("topic")?;
    let payload = reader.text("payload")?;
    if !reader.bytes.is_empty() {
        return Err("trailing bytes".to_owned());
    }
    Ok(StoredMessage {
        delivery,
        part,
        topic,
        payload,
        qos,
        batchable: batchable != 0,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(delivery: u64, part: u32, payload: &str) -> StoredMessage {
        StoredMessage {
            delivery,
            part,
            topic: "s/us".to_owned(),
            payload: payload.to_owned(),
            qos: QoS::AtLeastOnce,
            batchable: true,
        }
    }

    fn tempdir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("c8y-store-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        dir
    }

    #[cfg(unix)]
    fn mode_of(path: &Path) -> u32 {
        use std::os::unix::fs::PermissionsExt;
        fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    /// A world-readable file planted under the old predictable temporary name changes nothing:
    /// the secret lands in a fresh 0600 file, and the planted file is left as it was.
    #[cfg(unix)]
    #[test]
    fn write_atomic_ignores_a_planted_temporary_file() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempdir("planted");
        fs::create_dir_all(&dir).unwrap();
        let target = dir.join("credentials");
        let planted = dir.join("credentials.tmp");
        fs::write(&planted, b"planted").unwrap();
        fs::set_permissions(&planted, fs::Permissions::from_mode(0o644)).unwrap();
        write_atomic(&target, b"70,t1,u,secret\n", Some(0o600)).unwrap();
        assert_eq!(fs::read(&target).unwrap(), b"70,t1,u,secret\n");
        assert_eq!(mode_of(&target), 0o600);
        assert_eq!(fs::read(&planted).unwrap(), b"planted");
        let names: Vec<String> = fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names.len(), 2, "no temporary file left behind: {names:?}");
        fs::remove_dir_all(&dir).unwrap();
    }

    /// A symbolic link planted under the old temporary name is not followed.
    #[cfg(unix)]
    #[test]
    fn write_atomic_never_writes_through_a_planted_link() {
        let dir = tempdir("planted-link");
        fs::create_dir_all(&dir).unwrap();
        let victim = dir.join("victim");
        fs::write(&victim, b"untouched").unwrap();
        std::os::unix::fs::symlink(&victim, dir.join("credentials.tmp")).unwrap();
        write_atomic(&dir.join("credentials"), b"secret", Some(0o600)).unwrap();
        assert_eq!(fs::read(&victim).unwrap(), b"untouched");
        assert_eq!(fs::read(dir.join("credentials")).unwrap(), b"secret");
        fs::remove_dir_all(&dir).unwrap();
    }

    /// A target path that is a symbolic link is refused with a clear error.
    #[cfg(unix)]
    #[test]
    fn write_atomic_refuses_a_symlinked_target() {
        let dir = tempdir("symlinked-target");
        fs::create_dir_all(&dir).unwrap();
        let victim = dir.join("victim");
        fs::write(&victim, b"untouched").unwrap();
        let target = dir.join("credentials");
        std::os::unix::fs::symlink(&victim, &target).unwrap();
        let error = write_atomic(&target, b"secret", Some(0o600)).unwrap_err();
        assert_eq!(error.kind, io::ErrorKind::InvalidInput);
        assert!(error.message.contains("symbolic link"), "{error}");
        assert_eq!(fs::read(&victim).unwrap(), b"untouched");
        assert!(fs::symlink_metadata(&target).unwrap().file_type().is_symlink());
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn encode_decode_round_trip_and_detects_damage() {
        let m = message(7, 1, "200,a,\"b,c\"");
        let bytes = encode(&m);
        assert_eq!(decode(&bytes), Ok(m));
        for cut in 0..bytes.len() {
            assert!(decode(&bytes[..cut]).is_err(), "truncated at {cut}");
        }
        let mut flipped = bytes.clone();
        flipped[20] ^= 1;
        assert_eq!(decode(&flipped), Err("checksum mismatch".to_owned()));
    }

    #[test]
    fn a_directory_serves_one_store_at_a_time() {
        let dir = std::env::temp_dir().join(format!("c8y-store-lock-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        let (first, _, _) = Store::open(&dir).unwrap();
        let error = Store::open(&dir).unwrap_err();
        assert_eq!((error.action, error.kind), ("lock", io::ErrorKind::WouldBlock));
        drop(first);
        let (again, _, recovered) = Store::open(&dir).unwrap();
        assert!(recovered.messages.is_empty() && recovered.skipped.is_empty());
        drop(again);
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn open_loads_in_order_skips_corrupt_and_keeps_ids_increasing() {
        let dir = tempdir("open");
        let (mut store, next, recovered) = Store::open(&dir).unwrap();
        assert_eq!(next, 1, "delivery ids start at 1");
        assert!(recovered.messages.is_empty());
        store.write(&[message(3, 0, "b"), message(1, 0, "a")]).unwrap();
        fs::write(dir.join("00000000000000000002-00000.msg"), b"garbage").unwrap();
        fs::write(dir.join("00000000000000000009-00000.msg.tmp"), b"half").unwrap();
        drop(store);

        let (store, next, recovered) = Store::open(&dir).unwrap();
        let payloads: Vec<&str> = recovered.messages.iter().map(|m| m.payload.as_str()).collect();
        assert_eq!(payloads, ["a", "b"]);
        assert_eq!(recovered.skipped.len(), 1);
        assert!(
            recovered.skipped[0]
                .path
                .ends_with("00000000000000000002-00000.corrupt")
        );
        assert!(!dir.join("00000000000000000009-00000.msg.tmp").exists());
        assert_eq!(
            next,
            1 + ID_BLOCK,
            "the first block was reserved on the first open"
        );

        for m in recovered.messages {
            fs::remove_file(dir.join(format!("{:020}-{:05}.msg", m.delivery, m.part))).unwrap();
        }
        drop(store);
        let (_store, next_again, _) = Store::open(&dir).unwrap();
        assert!(
            next_again >= next,
            "ids never go back, even with an empty directory"
        );
        let _ = fs::remove_dir_all(&dir);
    }
}
