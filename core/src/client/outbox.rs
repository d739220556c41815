//! The SDK-owned outbox: every publish is kept here until the platform acknowledged it (QoS ≥ 1)
//! or it was written to the network (QoS 0), and is sent again after a reconnect, because
//! Cumulocity needs clean sessions and rumqttc then drops what was in flight.
//!
//! The outbox is bounded by message count and payload bytes; [`OverflowPolicy`] says what happens
//! when a publish would exceed a bound. Each publish call gets a [`Delivery`] handle (a
//! [`DeliveryId`] and its completion), which resolves once every packet of the call finished.
//! With a persistence directory, QoS ≥ 1 entries are also written to a [`Store`] before the
//! publish call returns and deleted after their acknowledgement (see [`super::persistence`] for
//! the exact guarantee); [`Outbox::open`] loads what a previous client left there.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use parking_lot::Mutex;
use tokio::sync::Notify;

use crate::QoS;
use crate::smartrest::{check_packet_size, max_payload_len, push_row};

use super::config::{OutboxLimits, OverflowPolicy};
use super::delivery::Completion;
pub use super::delivery::{Delivery, DeliveryId, DeliveryOutcome, DropReason, Finished};
use super::error::ClientError;
use super::persistence::{self, SkippedFile, Store, StoredMessage};

mod queue;
use queue::EntryQueue;

/// One packet waiting in the outbox.
#[derive(Debug)]
struct Entry {
    delivery: DeliveryId,
    topic: String,
    payload: String,
    qos: QoS,
    batchable: bool,
    submitted: bool,
    /// Held back until this gate opens (a SmartREST 2.0 collection not confirmed yet).
    gate: Option<Arc<str>>,
    /// What an `s/e` line names to point at this row, for tying the line to it.
    row_id: Option<RowId>,
    completion: Arc<Completion>,
    /// The entry's file in the persistence directory.
    file: Option<PathBuf>,
}

/// What an `s/e` line names to point at the row that caused it (docs/protocol.md §6.1: the
/// second field is the template id of the offending row): the id of a static template, or the
/// message id of a SmartREST 2.0 use line (its request template).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum RowId {
    /// A static template (`200`, `400`, …).
    Template(u16),
    /// A SmartREST 2.0 request template's message id.
    UseLine(Arc<str>),
}

impl RowId {
    /// Whether an `s/e` line naming `named` points at a row with this id.
    pub(crate) fn is_named_by(&self, named: &str) -> bool {
        match self {
            RowId::Template(id) => named.parse::<u16>() == Ok(*id),
            RowId::UseLine(id) => **id == *named,
        }
    }
}

/// A row of known id the platform acknowledged, kept a while to tie an `s/e` line to it.
#[derive(Debug)]
pub(crate) struct AckedRow {
    /// What an `s/e` line names to point at it.
    pub(crate) row_id: RowId,
    /// Its delivery.
    pub(crate) delivery: DeliveryId,
    /// Its topic (names the device or child).
    pub(crate) topic: String,
    /// The delivery's completion while it is held.
    completion: Option<Arc<Completion>>,
}

impl AckedRow {
    /// Whether its delivery is still held.
    pub(crate) fn is_held(&self) -> bool {
        self.completion.is_some()
    }

    /// Finishes a held delivery with `outcome`; the finished delivery, if this ended it.
    pub(crate) fn finish(&mut self, outcome: DeliveryOutcome) -> Option<Finished> {
        let completion = self.completion.take()?;
        completion
            .part_done(outcome)
            .map(|outcome| (self.delivery, outcome))
    }
}

/// A packet (one or several batched entries) to hand to the MQTT layer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Submission {
    /// The outbox entries it carries (completed together).
    pub entries: Vec<u64>,
    /// Topic.
    pub topic: String,
    /// Payload (batched rows joined by LF).
    pub payload: String,
    /// QoS.
    pub qos: QoS,
}

/// A message to queue: topic, payloads (one per packet), QoS, and whether its rows may be
/// batched with neighbours (SmartREST rows only).
#[derive(Debug, Clone)]
pub struct Message {
    /// Topic.
    pub topic: String,
    /// One payload per packet, each already checked against the size limit.
    pub payloads: Vec<String>,
    /// QoS.
    pub qos: QoS,
    /// Whether the rows may share a packet with neighbouring rows for the same topic.
    pub batchable: bool,
    /// Held back while this gate is closed ([`Outbox::close_gate`]): the X-ID of a SmartREST
    /// 2.0 collection whose existence is not confirmed yet.
    pub gate: Option<String>,
    /// The id of a single-row message's template (static, or a SmartREST 2.0 use line's), so
    /// that an `s/e` line naming it can be tied to this delivery.
    pub(crate) row_id: Option<RowId>,
}

#[derive(Debug, Default)]
struct Inner {
    entries: EntryQueue<Entry>,
    bytes: usize,
    next_entry: u64,
    /// Every entry below this key is submitted: entries are submitted in key order, so the
    /// unsubmitted ones form a suffix and a scan starts here instead of walking the in-flight
    /// ones again. Back to 0 when a connection is lost.
    scan_from: u64,
    next_delivery: u64,
    store: Option<Store>,
    /// Acknowledged entries whose files are being deleted (outside the lock) right now.
    removing_files: usize,
    /// Gates that hold entries back until opened.
    closed_gates: Vec<Arc<str>>,
}

impl Inner {
    /// Nothing queued and no acknowledged entry's file still on disk.
    fn is_settled(&self) -> bool {
        self.entries.is_empty() && self.removing_files == 0
    }
}

/// What [`Outbox::open`] loaded from the persistence directory.
#[derive(Debug, Default)]
pub struct LoadReport {
    /// Deliveries loaded, oldest first. Their completion is reported as
    /// [`Event::Delivery`](super::Event::Delivery) (no handle exists for them).
    pub recovered: Vec<DeliveryId>,
    /// Files not loaded: corrupt, or beyond the outbox limits (those stay on disk).
    pub skipped: Vec<SkippedFile>,
}

/// The outbox (see the module docs). Cheap to share behind an `Arc`.
#[derive(Debug)]
pub struct Outbox {
    limits: OutboxLimits,
    inner: Mutex<Inner>,
    /// Woken when entries are added (the connection task submits them).
    pub(crate) added: Notify,
    /// Woken when the outbox becomes empty (flush waits on it). Only then: waking a waiting
    /// flush for every acknowledgement would cost a thread wake-up per message.
    pub(crate) emptied: Notify,
}

impl Outbox {
    /// An empty outbox with these limits.
    pub fn new(limits: OutboxLimits) -> Self {
        Self {
            limits,
            inner: Mutex::new(Inner {
                next_delivery: 1,
                ..Inner::default()
            }),
            added: Notify::new(),
            emptied: Notify::new(),
        }
    }

    /// An outbox backed by the persistence directory `dir` (when given): loads the packets a
    /// previous client left there, in order and within the limits, and continues its delivery
    /// ids.
    pub fn open(limits: OutboxLimits, dir: Option<&Path>) -> Result<(Self, LoadReport), ClientError> {
        let outbox = Self::new(limits);
        let Some(dir) = dir else {
            return Ok((outbox, LoadReport::default()));
        };
        let (store, next_delivery, recovered) = Store::open(dir).map_err(ClientError::Persistence)?;
        let mut report = LoadReport {
            recovered: Vec::new(),
            skipped: recovered.skipped,
        };
        {
            let mut inner = outbox.inner.lock();
            inner.next_delivery = next_delivery;
            let mut messages = recovered.messages.into_iter().peekable();
            while let Some(first) = messages.next() {
                let delivery = first.delivery;
                let mut group = vec![first];
                while let Some(next) = messages.next_if(|m| m.delivery == delivery) {
                    group.push(next);
                }
                let size: usize = group.iter().map(|m| m.payload.len()).sum();
                if inner.entries.len() + group.len() > limits.max_messages
                    || inner.bytes + size > limits.max_bytes
                {
                    let rest: Vec<StoredMessage> = messages.by_ref().collect();
                    for m in group.iter().chain(&rest) {
                        report.skipped.push(SkippedFile {
                            path: store.path_of(m.delivery, m.part),
                            reason: "outbox limits reached; left on disk".to_owned(),
                        });
                    }
                    break;
                }
                let id = DeliveryId(delivery);
                let completion = Completion::new(group.len());
                for m in group {
                    let key = inner.next_entry;
                    inner.next_entry += 1;
                    inner.bytes += m.payload.len();
                    let file = Some(store.path_of(m.delivery, m.part));
                    inner.entries.insert(
                        key,
                        Entry {
                            delivery: id,
                            topic: m.topic,
                            payload: m.payload,
                            qos: m.qos,
                            batchable: m.batchable,
                            submitted: false,
                            gate: None,
                            row_id: None,
                            completion: Arc::clone(&completion),
                            file,
                        },
                    );
                }
                report.recovered.push(id);
            }
            inner.store = Some(store);
        }
        Ok((outbox, report))
    }

    /// Queues a message. On overflow either refuses it ([`ClientError::OutboxFull`]) or drops
    /// the oldest entries, whose finished deliveries are returned for reporting.
    pub fn enqueue(&self, mut message: Message) -> Result<(Delivery, Vec<Finished>), ClientError> {
        let size: usize = message.payloads.iter().map(String::len).sum();
        let count = message.payloads.len();
        if count > self.limits.max_messages || size > self.limits.max_bytes {
            let inner = self.inner.lock();
            return Err(ClientError::OutboxFull {
                messages: inner.entries.len(),
                bytes: inner.bytes,
            });
        }
        let mut finished = Vec::new();
        let mut dropped_files = Vec::new();
        let delivery = {
            let mut inner = self.inner.lock();
            while inner.entries.len() + count > self.limits.max_messages
                || inner.bytes + size > self.limits.max_bytes
            {
                match self.limits.overflow {
                    OverflowPolicy::Reject => {
                        return Err(ClientError::OutboxFull {
                            messages: inner.entries.len(),
                            bytes: inner.bytes,
                        });
                    }
                    OverflowPolicy::DropOldest => {
                        let Some((_, oldest)) = inner.entries.pop_first() else {
                            break;
                        };
                        inner.bytes -= oldest.payload.len();
                        dropped_files.extend(oldest.file);
                        if let Some(outcome) = oldest
                            .completion
                            .part_done(DeliveryOutcome::Dropped(DropReason::Overflow))
                        {
                            finished.push((oldest.delivery, outcome));
                        }
                    }
                }
            }
            let id = DeliveryId(inner.next_delivery);
            // One file per payload with a persistence directory, none without.
            let mut files = Vec::new();
            if message.qos != QoS::AtMostOnce
                && let Some(store) = inner.store.as_mut()
            {
                let stored: Vec<StoredMessage> = message
                    .payloads
                    .iter()
                    .enumerate()
                    .map(|(part, payload)| StoredMessage {
                        delivery: id.0,
                        part: u32::try_from(part).unwrap_or(u32::MAX),
                        topic: message.topic.clone(),
                        payload: payload.clone(),
                        qos: message.qos,
                        batchable: message.batchable,
                    })
                    .collect();
                let written = store
                    .reserve(id.0)
                    .and_then(|()| store.write(&stored))
                    .map_err(ClientError::Persistence);
                match written {
                    Ok(paths) => files = paths,
                    Err(error) => {
                        drop(inner);
                        persistence::remove_files(&dropped_files);
                        return Err(error);
                    }
                }
            }
            inner.next_delivery += 1;
            let gate = message
                .gate
                .as_deref()
                .and_then(|name| inner.closed_gates.iter().find(|g| &***g == name).cloned());
            let completion = Completion::new(count);
            let mut files = files.into_iter();
            let mut payloads = message.payloads.into_iter().peekable();
            while let Some(payload) = payloads.next() {
                let key = inner.next_entry;
                inner.next_entry += 1;
                inner.bytes += payload.len();
                // The last (usually the only) packet takes the topic itself.
                let topic = if payloads.peek().is_some() {
                    message.topic.clone()
                } else {
                    std::mem::take(&mut message.topic)
                };
                let file = files.next();
                inner.entries.insert(
                    key,
                    Entry {
                        delivery: id,
                        topic,
                        payload,
                        qos: message.qos,
                        batchable: message.batchable,
                        submitted: false,
                        gate: gate.clone(),
                        row_id: message.row_id.clone(),
                        completion: Arc::clone(&completion),
                        file,
                    },
                );
            }
            Delivery { id, completion }
        };
        persistence::remove_files(&dropped_files);
        // Entries of a dropped-oldest call that are still queued are removed as well.
        if !finished.is_empty() {
            self.remove_finished_entries();
        }
        if count == 0
            && let Some(outcome) = delivery.completion.part_done(DeliveryOutcome::Acknowledged)
        {
            finished.push((delivery.id, outcome));
        }
        self.added.notify_one();
        if !finished.is_empty() && self.is_empty() {
            self.emptied.notify_waiters();
        }
        Ok((delivery, finished))
    }

    /// Removes entries whose call already has an outcome (another part was dropped).
    fn remove_finished_entries(&self) {
        let mut files = Vec::new();
        let mut inner = self.inner.lock();
        let done: Vec<u64> = inner
            .entries
            .iter()
            .filter(|(_, e)| e.completion.outcome().is_some())
            .map(|(k, _)| k)
            .collect();
        for key in done {
            if let Some(entry) = inner.entries.remove(key) {
                inner.bytes -= entry.payload.len();
                files.extend(entry.file);
            }
        }
        drop(inner);
        persistence::remove_files(&files);
    }

    /// Takes up to `max_qos_packets` QoS ≥ 1 packets (and any QoS 0 packets between them) not yet
    /// submitted on this connection, oldest first, and marks them submitted. QoS 0 packets need
    /// no packet id and are written as fast as the network takes them; the MQTT layer's request
    /// queue is sized to hold the whole outbox for that reason. With `batch`, consecutive
    /// batchable entries for the same topic and QoS share a packet while it fits.
    pub fn take_submissions(&self, max_qos_packets: usize, batch: bool) -> Vec<Submission> {
        let mut inner = self.inner.lock();
        let mut out: Vec<Submission> = Vec::new();
        let mut qos_packets = 0;
        let mut last_batchable = false;
        let scan_from = inner.scan_from;
        let mut stopped_at = None;
        let mut first_held = None;
        for (key, entry) in inner
            .entries
            .range_mut_from(scan_from)
            .filter(|(_, e)| !e.submitted)
        {
            if entry.gate.is_some() {
                first_held.get_or_insert(key);
                continue;
            }
            if batch
                && entry.batchable
                && last_batchable
                && let Some(last) = out.last_mut()
                && last.topic == entry.topic
                && last.qos == entry.qos
            {
                // Appended in place: re-joining the growing payload would be quadratic.
                let joined_len = last.payload.len() + 1 + entry.payload.len();
                if check_packet_size(&last.topic, joined_len, last.qos).is_ok() {
                    if last.entries.len() == 1 {
                        // A batch starts: room for a full packet at once, instead of
                        // growing (and copying) the payload a row at a time.
                        let room = max_payload_len(&last.topic, last.qos);
                        last.payload.reserve(room.saturating_sub(last.payload.len()));
                    }
                    push_row(&mut last.payload, &entry.payload);
                    last.entries.push(key);
                    entry.submitted = true;
                    continue;
                }
            }
            if entry.qos != QoS::AtMostOnce {
                if qos_packets >= max_qos_packets {
                    stopped_at = Some(key);
                    break;
                }
                qos_packets += 1;
            }
            entry.submitted = true;
            last_batchable = entry.batchable;
            out.push(Submission {
                entries: vec![key],
                topic: entry.topic.clone(),
                payload: entry.payload.clone(),
                qos: entry.qos,
            });
        }
        let next = stopped_at.unwrap_or(inner.next_entry);
        inner.scan_from = first_held.map_or(next, |held| held.min(next));
        out
    }

    /// Holds back entries queued with this gate ([`Message::gate`]) from now on, until
    /// [`Outbox::open_gate`] or [`Outbox::fail_gate`].
    pub fn close_gate(&self, gate: &str) {
        let mut inner = self.inner.lock();
        if !inner.closed_gates.iter().any(|g| &**g == gate) {
            inner.closed_gates.push(Arc::from(gate));
        }
    }

    /// Releases the entries held by `gate`, in their order; later entries are not held.
    pub fn open_gate(&self, gate: &str) {
        let mut inner = self.inner.lock();
        let Some(at) = inner.closed_gates.iter().position(|g| &**g == gate) else {
            return;
        };
        inner.closed_gates.swap_remove(at);
        let mut first = None;
        for (key, entry) in inner.entries.range_mut_from(0) {
            if entry.gate.as_deref() == Some(gate) {
                entry.gate = None;
                first.get_or_insert(key);
            }
        }
        if let Some(first) = first {
            inner.scan_from = inner.scan_from.min(first);
            drop(inner);
            self.added.notify_one();
        }
    }

    /// Gives up the entries held by `gate` ([`DropReason::CollectionFailed`]); later entries
    /// are not held. Returns the finished deliveries.
    pub fn fail_gate(&self, gate: &str) -> Vec<Finished> {
        let keys: Vec<u64> = {
            let mut inner = self.inner.lock();
            inner.closed_gates.retain(|g| &**g != gate);
            inner
                .entries
                .iter()
                .filter(|(_, e)| e.gate.as_deref() == Some(gate))
                .map(|(key, _)| key)
                .collect()
        };
        let outcome = DeliveryOutcome::Dropped(DropReason::CollectionFailed);
        self.remove_entries(&keys, |entry| entry.completion.part_done(outcome))
    }

    /// Hands entries back that could not be passed on after [`Outbox::take_submissions`]: they
    /// are submitted again by the next call.
    pub fn unsubmit(&self, entries: &[u64]) {
        let mut inner = self.inner.lock();
        let Some(&first) = entries.iter().min() else {
            return;
        };
        for (key, entry) in inner.entries.range_mut_from(first) {
            if entries.contains(&key) {
                entry.submitted = false;
            }
        }
        inner.scan_from = inner.scan_from.min(first);
    }

    /// Completes entries (acknowledged or sent); returns the deliveries this finished.
    pub fn complete(&self, entries: &[u64], outcome: DeliveryOutcome) -> Vec<Finished> {
        self.remove_entries(entries, |entry| entry.completion.part_done(outcome))
    }

    /// Completes acknowledged entries like [`Outbox::complete`] with
    /// [`DeliveryOutcome::Acknowledged`], and records the rows of known template in `rows` so
    /// that a later `s/e` line can be tied to them. With `hold`, those rows' deliveries are not
    /// finished yet: the caller finishes them ([`AckedRow::finish`]) when no rejection came in
    /// time.
    pub(crate) fn acknowledge(&self, entries: &[u64], hold: bool, rows: &mut Vec<AckedRow>) -> Vec<Finished> {
        self.remove_entries(entries, |entry| {
            if let Some(row_id) = entry.row_id {
                rows.push(AckedRow {
                    row_id,
                    delivery: entry.delivery,
                    topic: entry.topic,
                    completion: hold.then(|| Arc::clone(&entry.completion)),
                });
                if hold {
                    return None;
                }
            }
            entry.completion.part_done(DeliveryOutcome::Acknowledged)
        })
    }

    /// Removes these entries (those still queued), ending each with `end`; deletes their files
    /// outside the lock and wakes a waiting flush when the outbox is settled.
    fn remove_entries(
        &self,
        entries: &[u64],
        mut end: impl FnMut(Entry) -> Option<DeliveryOutcome>,
    ) -> Vec<Finished> {
        let mut finished = Vec::new();
        let mut files = Vec::new();
        let mut emptied = {
            let mut inner = self.inner.lock();
            for key in entries {
                let Some(mut entry) = inner.entries.remove(*key) else {
                    continue;
                };
                inner.bytes -= entry.payload.len();
                files.extend(entry.file.take());
                let delivery = entry.delivery;
                if let Some(outcome) = end(entry) {
                    finished.push((delivery, outcome));
                }
            }
            if !files.is_empty() {
                inner.removing_files += 1;
            }
            inner.is_settled()
        };
        if !files.is_empty() {
            // Outside the lock (file-system work); a flush waits for it.
            persistence::remove_files(&files);
            let mut inner = self.inner.lock();
            inner.removing_files -= 1;
            emptied = inner.is_settled();
        }
        if emptied {
            self.emptied.notify_waiters();
        }
        finished
    }

    /// Handed-over rows an `s/e` line naming `named` points at, not acknowledged yet: (entry
    /// key, delivery, topic).
    pub(crate) fn submitted_rows(&self, named: &str) -> Vec<(u64, DeliveryId, String)> {
        let inner = self.inner.lock();
        inner
            .entries
            .iter()
            .filter(|(_, e)| e.submitted && e.row_id.as_ref().is_some_and(|id| id.is_named_by(named)))
            .map(|(key, e)| (key, e.delivery, e.topic.clone()))
            .collect()
    }

    /// After a connection ended: every entry not completed is sent again on the next one.
    pub fn connection_lost(&self) {
        let mut inner = self.inner.lock();
        inner.scan_from = 0;
        for entry in inner.entries.values_mut() {
            entry.submitted = false;
        }
    }

    /// Gives up every entry (close, fatal stop); returns the finished deliveries. Persisted
    /// entries stay on disk for the next client using the directory.
    pub fn drain(&self, reason: DropReason) -> Vec<Finished> {
        let entries: Vec<Entry> = {
            let mut inner = self.inner.lock();
            inner.bytes = 0;
            // The client is done with the directory: release its lock for the next client.
            inner.store = None;
            inner.entries.drain_values().collect()
        };
        let finished = entries
            .into_iter()
            .filter_map(|e| {
                e.completion
                    .part_done(DeliveryOutcome::Dropped(reason))
                    .map(|o| (e.delivery, o))
            })
            .collect();
        self.emptied.notify_waiters();
        finished
    }

    /// The deliveries still pending, oldest first.
    pub fn pending(&self) -> Vec<DeliveryId> {
        let inner = self.inner.lock();
        let mut ids: Vec<DeliveryId> = inner.entries.values().map(|e| e.delivery).collect();
        ids.dedup();
        ids
    }

    /// Messages (packets) queued.
    pub fn len(&self) -> usize {
        self.inner.lock().entries.len()
    }

    /// Whether nothing is queued.
    pub fn is_empty(&self) -> bool {
        self.inner.lock().entries.is_empty()
    }

    /// Whether nothing is queued and the files of acknowledged entries are deleted: what
    /// [`Client::flush`](super::Client::flush) waits for.
    pub fn is_settled(&self) -> bool {
        self.inner.lock().is_settled()
    }

    /// Payload bytes queued.
    pub fn bytes(&self) -> usize {
        self.inner.lock().bytes
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn delivery_ids_start_at_1() {
        let outbox = Outbox::new(OutboxLimits::default());
        let message = || Message {
            topic: "s/us".to_owned(),
            payloads: vec!["211,20".to_owned()],
            qos: QoS::AtLeastOnce,
            batchable: false,
            gate: None,
            row_id: None,
        };
        let (first, _) = outbox.enqueue(message()).unwrap();
        let (second, _) = outbox.enqueue(message()).unwrap();
        assert_eq!((first.id(), second.id()), (DeliveryId(1), DeliveryId(2)));
    }

    fn limits(max_messages: usize, overflow: OverflowPolicy) -> OutboxLimits {
        OutboxLimits {
            max_messages,
            max_bytes: 1000,
            overflow,
        }
    }

    fn msg(payload: &str) -> Message {
        Message {
            topic: "s/us".to_owned(),
            payloads: vec![payload.to_owned()],
            qos: QoS::AtLeastOnce,
            batchable: true,
            gate: None,
            row_id: None,
        }
    }

    #[test]
    fn entries_behind_a_closed_gate_wait_and_then_go_in_order() {
        let outbox = Outbox::new(limits(10, OverflowPolicy::Reject));
        outbox.close_gate("x1");
        let gated = |payload: &str| Message {
            topic: "s/uc/x1".to_owned(),
            gate: Some("x1".to_owned()),
            ..msg(payload)
        };
        outbox.enqueue(gated("1,a")).unwrap();
        outbox.enqueue(msg("211,1")).unwrap();
        outbox.enqueue(gated("1,b")).unwrap();
        let payloads = |subs: Vec<Submission>| subs.into_iter().map(|s| s.payload).collect::<Vec<_>>();
        assert_eq!(payloads(outbox.take_submissions(10, false)), ["211,1"]);
        assert!(outbox.take_submissions(10, false).is_empty());
        outbox.open_gate("x1");
        assert_eq!(payloads(outbox.take_submissions(10, false)), ["1,a", "1,b"]);
        // Open now: no longer held.
        outbox.enqueue(gated("1,c")).unwrap();
        assert_eq!(payloads(outbox.take_submissions(10, false)), ["1,c"]);
    }

    #[test]
    fn a_failed_gate_drops_what_it_held() {
        let outbox = Outbox::new(limits(10, OverflowPolicy::Reject));
        outbox.close_gate("x1");
        let (held, _) = outbox
            .enqueue(Message {
                topic: "s/uc/x1".to_owned(),
                gate: Some("x1".to_owned()),
                ..msg("1,a")
            })
            .unwrap();
        let finished = outbox.fail_gate("x1");
        assert_eq!(
            finished,
            [(held.id(), DeliveryOutcome::Dropped(DropReason::CollectionFailed))]
        );
        assert!(outbox.is_empty());
    }

    #[test]
    fn reject_policy_refuses_and_keeps_everything() {
        let outbox = Outbox::new(limits(2, OverflowPolicy::Reject));
        outbox.enqueue(msg("200,a")).unwrap();
        outbox.enqueue(msg("200,b")).unwrap();
        let err = outbox.enqueue(msg("200,c")).unwrap_err();
        assert_eq!(
            err,
            ClientError::OutboxFull {
                messages: 2,
                bytes: 10
            }
        );
        assert_eq!(outbox.len(), 2);
    }

    #[test]
    fn drop_oldest_policy_reports_the_dropped_delivery() {
        let outbox = Outbox::new(limits(2, OverflowPolicy::DropOldest));
        let (first, _) = outbox.enqueue(msg("200,a")).unwrap();
        outbox.enqueue(msg("200,b")).unwrap();
        let (_, finished) = outbox.enqueue(msg("200,c")).unwrap();
        assert_eq!(
            finished,
            vec![(first.id(), DeliveryOutcome::Dropped(DropReason::Overflow))]
        );
        assert_eq!(
            first.try_outcome(),
            Some(DeliveryOutcome::Dropped(DropReason::Overflow))
        );
        let subs = outbox.take_submissions(10, false);
        let payloads: Vec<&str> = subs.iter().map(|s| s.payload.as_str()).collect();
        assert_eq!(payloads, ["200,b", "200,c"]);
    }

    #[test]
    fn submissions_respect_the_window_and_replay_after_loss() {
        let outbox = Outbox::new(limits(10, OverflowPolicy::Reject));
        let (d, _) = outbox.enqueue(msg("1")).unwrap();
        outbox.enqueue(msg("2")).unwrap();
        outbox.enqueue(msg("3")).unwrap();
        let first = outbox.take_submissions(2, false);
        assert_eq!(first.len(), 2);
        assert_eq!(outbox.take_submissions(2, false).len(), 1);
        assert!(outbox.take_submissions(2, false).is_empty());
        outbox.connection_lost();
        let again = outbox.take_submissions(10, false);
        assert_eq!(
            again.iter().map(|s| s.payload.as_str()).collect::<Vec<_>>(),
            ["1", "2", "3"]
        );
        let finished = outbox.complete(&again[0].entries, DeliveryOutcome::Acknowledged);
        assert_eq!(finished, vec![(d.id(), DeliveryOutcome::Acknowledged)]);
        assert_eq!(d.wait(Duration::ZERO), Some(DeliveryOutcome::Acknowledged));
        assert_eq!(outbox.len(), 2);
    }

    #[test]
    fn batching_joins_rows_of_one_topic_within_the_limit() {
        let outbox = Outbox::new(OutboxLimits::default());
        outbox.enqueue(msg("211,1")).unwrap();
        outbox.enqueue(msg("211,2")).unwrap();
        let mut other = msg("211,3");
        other.topic = "s/us/child".to_owned();
        outbox.enqueue(other).unwrap();
        let subs = outbox.take_submissions(10, true);
        assert_eq!(subs.len(), 2);
        assert_eq!(subs[0].payload, "211,1\n211,2");
        assert_eq!(subs[0].entries.len(), 2);
        assert_eq!(subs[1].payload, "211,3");

        let big = "x".repeat(9000);
        outbox.enqueue(msg(&big)).unwrap();
        outbox.enqueue(msg(&big)).unwrap();
        let subs = outbox.take_submissions(10, true);
        assert_eq!(subs.len(), 2, "two 9000-byte rows do not share a packet");
    }

    #[test]
    fn only_qos1_packets_count_against_the_window() {
        let outbox = Outbox::new(OutboxLimits::default());
        for i in 0..6 {
            let mut m = msg(&format!("211,{i}"));
            if i % 2 == 0 {
                m.qos = QoS::AtMostOnce;
            }
            outbox.enqueue(m).unwrap();
        }
        // Two QoS 1 packets (1, 3) fill a window of 2; the QoS 0 ones around them go along.
        let first: Vec<String> = outbox
            .take_submissions(2, false)
            .into_iter()
            .map(|s| s.payload)
            .collect();
        assert_eq!(first, ["211,0", "211,1", "211,2", "211,3", "211,4"]);
        assert_eq!(outbox.take_submissions(2, false).len(), 1);
    }

    #[test]
    fn unsubmitted_entries_are_taken_again_in_order() {
        let outbox = Outbox::new(OutboxLimits::default());
        for i in 0..4 {
            outbox.enqueue(msg(&format!("211,{i}"))).unwrap();
        }
        let first = outbox.take_submissions(10, false);
        assert_eq!(first.len(), 4);
        // The last two could not be handed over.
        let back: Vec<u64> = first[2..].iter().flat_map(|s| s.entries.clone()).collect();
        outbox.unsubmit(&back);
        let again: Vec<String> = outbox
            .take_submissions(10, false)
            .into_iter()
            .map(|s| s.payload)
            .collect();
        assert_eq!(again, vec!["211,2", "211,3"]);
        outbox.unsubmit(&[]);
        assert!(outbox.take_submissions(10, false).is_empty());
    }

    #[test]
    fn split_call_completes_when_all_parts_are_acknowledged() {
        let outbox = Outbox::new(OutboxLimits::default());
        let mut m = msg("140,a");
        m.payloads.push("141,b".to_owned());
        let (d, _) = outbox.enqueue(m).unwrap();
        let subs = outbox.take_submissions(10, false);
        assert!(
            outbox
                .complete(&subs[0].entries, DeliveryOutcome::Acknowledged)
                .is_empty()
        );
        assert_eq!(d.try_outcome(), None);
        assert_eq!(
            outbox.complete(&subs[1].entries, DeliveryOutcome::Acknowledged),
            vec![(d.id(), DeliveryOutcome::Acknowledged)]
        );
    }

    #[test]
    fn dropping_one_part_of_a_split_call_drops_the_rest() {
        let outbox = Outbox::new(limits(3, OverflowPolicy::DropOldest));
        let mut split = msg("140,a");
        split.payloads.push("141,b".to_owned());
        let (d, _) = outbox.enqueue(split).unwrap();
        outbox.enqueue(msg("1")).unwrap();
        let (_, finished) = outbox.enqueue(msg("2")).unwrap();
        assert_eq!(
            finished,
            vec![(d.id(), DeliveryOutcome::Dropped(DropReason::Overflow))]
        );
        let left: Vec<String> = outbox
            .take_submissions(10, false)
            .into_iter()
            .map(|s| s.payload)
            .collect();
        assert_eq!(
            left,
            ["1", "2"],
            "the second part of the dropped call is gone too"
        );
        assert_eq!(outbox.bytes(), 2);
    }

    #[test]
    fn open_loads_split_calls_together_and_leaves_what_exceeds_the_limits_on_disk() {
        let dir = std::env::temp_dir().join(format!("c8y-outbox-open-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let (mut store, first, _) = Store::open(&dir).unwrap();
        let stored = |delivery: u64, part: u32, payload: &str| StoredMessage {
            delivery,
            part,
            topic: "s/us".to_owned(),
            payload: payload.to_owned(),
            qos: QoS::AtLeastOnce,
            batchable: false,
        };
        store
            .write(&[
                stored(first, 0, "140,a"),
                stored(first, 1, "141,b"),
                stored(first + 1, 0, "200,c"),
                stored(first + 2, 0, "200,d"),
            ])
            .unwrap();
        drop(store);
        let (outbox, report) = Outbox::open(limits(3, OverflowPolicy::Reject), Some(&dir)).unwrap();
        assert_eq!(report.recovered, vec![DeliveryId(first), DeliveryId(first + 1)]);
        assert_eq!(report.skipped.len(), 1);
        assert!(
            report.skipped[0]
                .path
                .ends_with(format!("{:020}-00000.msg", first + 2))
        );
        assert!(report.skipped[0].path.exists(), "left on disk for a later start");
        let subs = outbox.take_submissions(10, false);
        assert_eq!(
            subs.iter().map(|s| s.payload.as_str()).collect::<Vec<_>>(),
            ["140,a", "141,b", "200,c"]
        );
        // A call's parts complete together; acknowledged files are deleted.
        assert!(
            outbox
                .complete(&subs[0].entries, DeliveryOutcome::Acknowledged)
                .is_empty()
        );
        assert_eq!(
            outbox.complete(&subs[1].entries, DeliveryOutcome::Acknowledged),
            vec![(DeliveryId(first), DeliveryOutcome::Acknowledged)]
        );
        assert!(!dir.join(format!("{first:020}-00000.msg")).exists());
        // New ids continue after the loaded ones; a new QoS 1 call is on disk at return.
        let (d, _) = outbox.enqueue(msg("200,e")).unwrap();
        assert!(d.id() > DeliveryId(first + 2));
        assert!(dir.join(format!("{:020}-00000.msg", d.id().0)).exists());
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn drain_drops_everything() {
        let outbox = Outbox::new(OutboxLimits::default());
        let (d, _) = outbox.enqueue(msg("1")).unwrap();
        assert_eq!(outbox.pending(), vec![d.id()]);
        let finished = outbox.drain(DropReason::Closed);
        assert_eq!(
            finished,
            vec![(d.id(), DeliveryOutcome::Dropped(DropReason::Closed))]
        );
        assert!(outbox.is_empty());
        assert_eq!(outbox.bytes(), 0);
    }
}
