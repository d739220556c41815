//! The record of operations this client set EXECUTING and has not finished, kept in the
//! persistence directory (`<dir>/operations.json`) so that the next client after a restart knows
//! exactly which operations were left in progress: it hands back the ones the application can
//! finish across a reboot and fails each of the others precisely (see
//! [`operations`](super::operations) for what happens at start-up).
//!
//! Format: one JSON object per line, rewritten whole (through a fresh 0600 temporary file and a
//! rename, then a directory sync) whenever an operation is set EXECUTING or finished; a few
//! operations at a time at most, so the rewrite is cheap. Each object holds the target device,
//! the fragment, the platform's id when the rendering carried one, and the rendering itself
//! (the static line, the JSON object, or the SmartREST 2.0 response values) so that a resumed
//! operation has its parameters. A file that cannot be read is reported and ignored: the
//! operations it named then stay EXECUTING on the platform, as they would without the file.

use std::path::{Path, PathBuf};

use serde_json::{Map, Value, json};

use crate::templates::downstream::{DownstreamLine, Operation};

use super::operations::OperationSource;
use super::persistence::{self, PersistenceError};

/// The journal's file name inside the persistence directory.
pub const FILE_NAME: &str = "operations.json";

/// One operation set EXECUTING and not finished.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Started {
    /// The platform's id, when the rendering carries it.
    pub(crate) id: Option<String>,
    /// External id of the target device.
    pub(crate) device: String,
    /// The fragment.
    pub(crate) fragment: String,
    /// The rendering with its parameters.
    pub(crate) source: OperationSource,
}

impl Started {
    /// Whether `other` names the same operation (by id when both have one, else by device,
    /// fragment and rendering).
    pub(crate) fn same(&self, other: &Started) -> bool {
        match (&self.id, &other.id) {
            (Some(a), Some(b)) => a == b,
            _ => {
                self.device == other.device && self.fragment == other.fragment && self.source == other.source
            }
        }
    }

    fn to_json(&self) -> Value {
        let mut object = Map::new();
        if let Some(id) = &self.id {
            object.insert("id".into(), json!(id));
        }
        object.insert("device".into(), json!(self.device));
        object.insert("fragment".into(), json!(self.fragment));
        match &self.source {
            OperationSource::Static(kind) => {
                let line = Operation::new(self.device.clone(), kind.clone()).to_row();
                object.insert("static".into(), json!(line));
            }
            OperationSource::Json(value) => {
                object.insert("json".into(), value.clone());
            }
            OperationSource::SmartRest2 { xid, msg_id, values } => {
                object.insert(
                    "smartrest2".into(),
                    json!({"xid": xid, "msg_id": msg_id, "values": values}),
                );
            }
        }
        Value::Object(object)
    }

    fn from_json(value: &Value) -> Option<Self> {
        let text = |key: &str| value.get(key).and_then(Value::as_str).map(str::to_owned);
        let source = if let Some(line) = text("static") {
            let record = crate::smartrest::decode(line.as_bytes())
                .ok()?
                .into_iter()
                .next()?;
            OperationSource::Static(Operation::from_record(&record).ok()?.kind)
        } else if let Some(json) = value.get("json") {
            OperationSource::Json(json.clone())
        } else {
            let sr2 = value.get("smartrest2")?;
            OperationSource::SmartRest2 {
                xid: sr2.get("xid")?.as_str()?.to_owned(),
                msg_id: sr2.get("msg_id")?.as_str()?.to_owned(),
                values: sr2
                    .get("values")?
                    .as_array()?
                    .iter()
                    .map(|v| v.as_str().map(str::to_owned))
                    .collect::<Option<Vec<_>>>()?,
            }
        };
        Some(Self {
            id: text("id"),
            device: text("device")?,
            fragment: text("fragment")?,
            source,
        })
    }
}

/// The journal file of a persistence directory.
#[derive(Debug, Clone)]
pub(crate) struct OperationJournal {
    path: PathBuf,
    dir: PathBuf,
}

impl OperationJournal {
    /// The journal in `dir`.
    pub(crate) fn new(dir: &Path) -> Self {
        Self {
            path: dir.join(FILE_NAME),
            dir: dir.to_owned(),
        }
    }

    /// The operations recorded by an earlier client (none when there is no file). Lines that
    /// cannot be read are skipped.
    pub(crate) fn load(&self) -> Result<Vec<Started>, PersistenceError> {
        let text = match std::fs::read_to_string(&self.path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(PersistenceError::io("read", &self.path, &e)),
        };
        Ok(text
            .lines()
            .filter_map(|line| serde_json::from_str::<Value>(line).ok())
            .filter_map(|value| Started::from_json(&value))
            .collect())
    }

    /// Replaces the file's contents with `started`.
    pub(crate) fn save(&self, started: &[Started]) -> Result<(), PersistenceError> {
        let mut text = String::new();
        for op in started {
            text.push_str(&op.to_json().to_string());
            text.push('\n');
        }
        persistence::write_atomic(&self.path, text.as_bytes(), None)?;
        persistence::sync_dir(&self.dir)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::templates::downstream::OperationKind;

    #[test]
    fn records_round_trip_through_the_file() {
        let dir = std::env::temp_dir().join(format!("c8y-op-journal-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let journal = OperationJournal::new(&dir);
        assert_eq!(journal.load().unwrap(), Vec::new());
        let records = vec![
            Started {
                id: None,
                device: "dev".into(),
                fragment: "c8y_Command".into(),
                source: OperationSource::Static(OperationKind::Command {
                    text: "echo \"a,b\"".into(),
                }),
            },
            Started {
                id: Some("42".into()),
                device: "child".into(),
                fragment: "c8y_Restart".into(),
                source: OperationSource::Json(json!({"id": "42", "c8y_Restart": {}})),
            },
            Started {
                id: None,
                device: "dev".into(),
                fragment: "c8y_Custom".into(),
                source: OperationSource::SmartRest2 {
                    xid: "x".into(),
                    msg_id: "m".into(),
                    values: vec!["1".into(), "two".into()],
                },
            },
        ];
        journal.save(&records).unwrap();
        assert_eq!(journal.load().unwrap(), records);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.join(FILE_NAME))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        std::fs::write(dir.join(FILE_NAME), "not json\n{\"device\":\"d\"}\n").unwrap();
        assert_eq!(
            journal.load().unwrap(),
            Vec::new(),
            "unreadable lines are skipped"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
