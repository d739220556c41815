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
//!
//! With auto-batching (`Outbox::with_row_merging`), `Outbox::enqueue_row` writes a static
//! template's row straight into the payload of the newest entry while that entry is waiting for
//! the same topic, QoS and template and the packet still has room: one entry, one buffer and
//! one shared completion per packet instead of one per row. Without auto-batching it renders
//! each row into an entry of its own, without the payload list of a [`Message`]. Each row keeps
//! its own delivery id (the ids of an entry's rows are consecutive), and the bounds still count
//! rows.

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
use super::statistics::OutcomeCounters;

mod queue;
use queue::EntryQueue;

/// One packet waiting in the outbox.
#[derive(Debug)]
struct Entry {
    /// The delivery of its first row; the other rows have the following ids.
    delivery: DeliveryId,
    /// Rows merged into `payload` by [`Outbox::enqueue_row`] (1 for every other entry).
    rows: u32,
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

impl Entry {
    /// The payload bytes counted against the bound: its rows, without the LFs between them.
    fn row_bytes(&self) -> usize {
        self.payload.len() - (self.rows as usize - 1)
    }

    /// Whether the next row, of delivery `next`, may be merged into this entry.
    fn takes_row(&self, topic: &str, qos: QoS, template: u16, next: u64) -> bool {
        !self.submitted
            && self.batchable
            && self.file.is_none()
            && self.gate.is_none()
            && self.qos == qos
            && self.row_id == Some(RowId::Template(template))
            && self.delivery.0 + u64::from(self.rows) == next
            && self.topic == topic
    }

    /// The delivery ids of its rows with `outcome`, appended to `finished`.
    fn finish_rows(delivery: DeliveryId, rows: u32, outcome: DeliveryOutcome, finished: &mut Vec<Finished>) {
        finished.extend((0..u64::from(rows)).map(|i| (DeliveryId(delivery.0 + i), outcome)));
    }
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
    /// Its delivery (the first, when several rows of this template were merged into one entry).
    pub(crate) delivery: DeliveryId,
    /// How many rows of this template it stands for: a line naming it is tied to it only when 1.
    pub(crate) rows: u32,
    /// Its topic (names the device or child).
    pub(crate) topic: String,
    /// The delivery's completion while it is held.
    completion: Option<Arc<Completion>>,
}

impl AckedRow {
    /// A row for tests: held (with a completion of its own) or already released.
    #[cfg(test)]
    pub(crate) fn for_test(row_id: RowId, delivery: DeliveryId, held: bool) -> Self {
        Self {
            row_id,
            delivery,
            rows: 1,
            topic: String::new(),
            completion: held.then(|| Completion::new(1)),
        }
    }

    /// Whether its delivery is still held.
    pub(crate) fn is_held(&self) -> bool {
        self.completion.is_some()
    }

    /// Finishes a held delivery with `outcome`; appends the deliveries this ended to `finished`.
    pub(crate) fn finish(
        &mut self,
        outcome: DeliveryOutcome,
        counters: &OutcomeCounters,
        finished: &mut Vec<Finished>,
    ) {
        let Some(completion) = self.completion.take() else {
            return;
        };
        if let Some(outcome) = completion.part_done(outcome, self.rows, counters) {
            Entry::finish_rows(self.delivery, self.rows, outcome, finished);
        }
    }
}

/// The keys of the outbox entries one packet carries: a single key (every unbatched publish)
/// is kept inline.
pub type EntryKeys = smallvec::SmallVec<[u64; 1]>;

/// A packet (one or several batched entries) to hand to the MQTT layer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Submission {
    /// The outbox entries it carries (completed together).
    pub entries: EntryKeys,
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
    /// Rows queued (what the count bound limits): one per entry, except merged rows.
    rows: usize,
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
    /// Whether [`Outbox::enqueue_row`] may be used: no persistence directory (persisted entries
    /// are written by [`Outbox::enqueue`], one file per publish call).
    row_path: bool,
    /// Whether [`Outbox::enqueue_row`] merges rows into the newest entry.
    merge_rows: bool,
    inner: Mutex<Inner>,
    /// Finished deliveries by outcome, counted as they finish (see [`OutcomeCounters`]).
    pub(crate) outcomes: OutcomeCounters,
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
            row_path: true,
            merge_rows: false,
            inner: Mutex::new(Inner {
                next_delivery: 1,
                ..Inner::default()
            }),
            outcomes: OutcomeCounters::default(),
            added: Notify::new(),
            emptied: Notify::new(),
        }
    }

    /// Turns merging of rows on (see the module docs): for auto-batching without a persistence
    /// directory (persisted entries keep one file per publish call).
    pub(crate) fn with_row_merging(mut self, merge: bool) -> Self {
        self.merge_rows = merge && self.row_path;
        self
    }

    /// Whether single rows may be queued with [`Outbox::enqueue_row`] (no persistence
    /// directory); it merges them only with [`Outbox::with_row_merging`].
    pub(crate) fn takes_rows(&self) -> bool {
        self.row_path
    }

    /// An outbox backed by the persistence directory `dir` (when given): loads the packets a
    /// previous client left there, in order and within the limits, and continues its delivery
    /// ids.
    pub fn open(limits: OutboxLimits, dir: Option<&Path>) -> Result<(Self, LoadReport), ClientError> {
        let mut outbox = Self::new(limits);
        let Some(dir) = dir else {
            return Ok((outbox, LoadReport::default()));
        };
        outbox.row_path = false;
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
                if inner.rows + group.len() > limits.max_messages || inner.bytes + size > limits.max_bytes {
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
                    inner.rows += 1;
                    let file = Some(store.path_of(m.delivery, m.part));
                    inner.entries.insert(
                        key,
                        Entry {
                            delivery: id,
                            rows: 1,
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
                messages: inner.rows,
                bytes: inner.bytes,
            });
        }
        let mut finished = Vec::new();
        let mut dropped_files = Vec::new();
        let delivery = {
            let mut inner = self.inner.lock();
            self.make_room(&mut inner, count, size, &mut finished, &mut dropped_files)?;
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
                inner.rows += 1;
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
                        rows: 1,
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
            && let Some(outcome) =
                delivery
                    .completion
                    .part_done(DeliveryOutcome::Acknowledged, 1, &self.outcomes)
        {
            finished.push((delivery.id, outcome));
        }
        self.added.notify_one();
        if !finished.is_empty() && self.is_empty() {
            self.emptied.notify_waiters();
        }
        Ok((delivery, finished))
    }

    /// Applies the overflow policy until `count` more rows of `size` bytes fit: refuses
    /// ([`ClientError::OutboxFull`]) or drops the oldest rows, whose finished deliveries and
    /// files are appended to `finished` and `files`.
    fn make_room(
        &self,
        inner: &mut Inner,
        count: usize,
        size: usize,
        finished: &mut Vec<Finished>,
        files: &mut Vec<PathBuf>,
    ) -> Result<(), ClientError> {
        while inner.rows + count > self.limits.max_messages || inner.bytes + size > self.limits.max_bytes {
            if self.limits.overflow == OverflowPolicy::Reject {
                return Err(ClientError::OutboxFull {
                    messages: inner.rows,
                    bytes: inner.bytes,
                });
            }
            // DropOldest: the oldest row goes; from a merged entry only its first row.
            let Some(front) = inner.entries.front_mut() else {
                break;
            };
            if front.rows > 1 {
                let cut = front.payload.find('\n').unwrap_or(front.payload.len());
                front.payload.drain(..=cut);
                let id = front.delivery;
                front.delivery = DeliveryId(id.0 + 1);
                front.rows -= 1;
                let outcome = front
                    .completion
                    .drop_front(id, DropReason::Overflow, &self.outcomes);
                inner.bytes -= cut;
                inner.rows -= 1;
                finished.push((id, outcome));
                continue;
            }
            let Some((_, oldest)) = inner.entries.pop_first() else {
                break;
            };
            inner.bytes -= oldest.row_bytes();
            inner.rows -= 1;
            files.extend(oldest.file);
            if let Some(outcome) =
                oldest
                    .completion
                    .part_done(DeliveryOutcome::Dropped(DropReason::Overflow), 1, &self.outcomes)
            {
                finished.push((oldest.delivery, outcome));
            }
        }
        Ok(())
    }

    /// Queues one row of the static template `template`, batchable, written by `render` (which
    /// appends it to the payload it is given, after an LF when there are rows already; see
    /// [`crate::templates::UpstreamTemplate::append_row`]). With row merging on, the row goes
    /// straight into the newest entry's payload when that entry takes it (same topic, QoS and
    /// template, not handed over yet) and the packet still has room; otherwise it starts a new
    /// entry. A row too large for a packet on its own is [`ClientError::MessageTooLarge`]; the
    /// bounds and overflow policy are those of [`Outbox::enqueue`].
    pub(crate) fn enqueue_row(
        &self,
        topic: &str,
        qos: QoS,
        template: u16,
        render: impl FnOnce(&mut String),
    ) -> Result<(Delivery, Vec<Finished>), ClientError> {
        let mut finished = Vec::new();
        let mut dropped_files = Vec::new();
        // Without merging the row needs no queue state to render: rendered before taking the
        // lock, so that the connection task, which takes it for every acknowledgement, waits less.
        let mut render = Some(render);
        let rendered = (!self.merge_rows).then(|| {
            let mut payload = String::with_capacity(64);
            if let Some(render) = render.take() {
                render(&mut payload);
            }
            payload
        });
        let delivery = {
            let mut inner = self.inner.lock();
            let next = inner.next_delivery;
            let merging = self.merge_rows
                && inner
                    .entries
                    .back_mut()
                    .is_some_and(|e| e.takes_row(topic, qos, template, next));
            let mut payload = match inner.entries.back_mut() {
                Some(tail) if merging => {
                    if tail.rows == 1 {
                        // A batch starts: room for a full packet at once, instead of growing
                        // (and copying) the payload a row at a time.
                        let room = max_payload_len(topic, qos);
                        tail.payload.reserve(room.saturating_sub(tail.payload.len()));
                    }
                    std::mem::take(&mut tail.payload)
                }
                _ => rendered.unwrap_or_else(|| String::with_capacity(64)),
            };
            let before = payload.len();
            if let Some(render) = render.take() {
                render(&mut payload);
            }
            let start = if merging { before + 1 } else { 0 };
            let row_len = payload.len() - start;
            let mut merged = merging
                && check_packet_size(topic, payload.len(), qos).is_ok()
                // The front row of a merged entry is found by its LF when it is dropped.
                && !payload[start..].contains('\n');
            let fits = check_packet_size(topic, row_len, qos);
            if merged {
                let over = inner.rows + 1 > self.limits.max_messages
                    || inner.bytes + row_len > self.limits.max_bytes;
                if over {
                    // The policy may remove rows of this very entry: queue the row on its own.
                    merged = false;
                }
            }
            let row = if merged || !merging {
                None
            } else {
                // The row starts an entry of its own: cut it off the newest entry's payload.
                let row = payload[start..].to_owned();
                payload.truncate(before);
                Some(row)
            };
            if merging && let Some(tail) = inner.entries.back_mut() {
                if merged {
                    tail.payload = payload;
                    payload = String::new();
                } else {
                    tail.payload = std::mem::take(&mut payload);
                }
            }
            let payload = row.unwrap_or(payload);
            if let Err(e) = fits {
                return Err(ClientError::MessageTooLarge {
                    size: e.size,
                    limit: e.limit,
                });
            }
            if self.limits.max_messages == 0 || row_len > self.limits.max_bytes {
                return Err(ClientError::OutboxFull {
                    messages: inner.rows,
                    bytes: inner.bytes,
                });
            }
            let id = DeliveryId(next);
            if merged {
                let completion = match inner.entries.back_mut() {
                    Some(tail) => {
                        tail.rows += 1;
                        Arc::clone(&tail.completion)
                    }
                    // Not reached: `merged` means the newest entry took the row.
                    None => Completion::new(0),
                };
                inner.rows += 1;
                inner.bytes += row_len;
                inner.next_delivery += 1;
                Delivery { id, completion }
            } else {
                self.make_room(&mut inner, 1, row_len, &mut finished, &mut dropped_files)?;
                inner.next_delivery += 1;
                let key = inner.next_entry;
                inner.next_entry += 1;
                inner.bytes += row_len;
                inner.rows += 1;
                let completion = Completion::new(1);
                inner.entries.insert(
                    key,
                    Entry {
                        delivery: id,
                        rows: 1,
                        topic: topic.to_owned(),
                        payload,
                        qos,
                        batchable: true,
                        submitted: false,
                        gate: None,
                        row_id: Some(RowId::Template(template)),
                        completion: Arc::clone(&completion),
                        file: None,
                    },
                );
                Delivery { id, completion }
            }
        };
        persistence::remove_files(&dropped_files);
        self.added.notify_one();
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
                inner.bytes -= entry.row_bytes();
                inner.rows -= entry.rows as usize;
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
        let mut out = Vec::new();
        self.take_submissions_into(max_qos_packets, batch, &mut out);
        out
    }

    /// [`Outbox::take_submissions`], appending to `out` (a buffer the connection reuses, so that
    /// the submission after each acknowledgement allocates no list).
    pub(crate) fn take_submissions_into(
        &self,
        max_qos_packets: usize,
        batch: bool,
        out: &mut Vec<Submission>,
    ) {
        let mut inner = self.inner.lock();
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
            if entry.rows > 1 {
                // A merged entry reserved a full packet; kept until acknowledged, it needs only
                // its rows (the allocator usually shrinks in place).
                entry.payload.shrink_to_fit();
            }
            out.push(Submission {
                entries: smallvec::smallvec![key],
                topic: entry.topic.clone(),
                payload: entry.payload.clone(),
                qos: entry.qos,
            });
        }
        let next = stopped_at.unwrap_or(inner.next_entry);
        inner.scan_from = first_held.map_or(next, |held| held.min(next));
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
        self.complete(&keys, DeliveryOutcome::Dropped(DropReason::CollectionFailed))
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
        let mut finished = Vec::new();
        self.complete_into(entries, outcome, &mut finished);
        finished
    }

    /// [`Outbox::complete`], appending the finished deliveries to `finished` (a buffer the
    /// connection reuses, so that an acknowledgement allocates nothing).
    pub(crate) fn complete_into(
        &self,
        entries: &[u64],
        outcome: DeliveryOutcome,
        finished: &mut Vec<Finished>,
    ) {
        let end = |entry: Entry| entry.completion.part_done(outcome, entry.rows, &self.outcomes);
        self.remove_entries(entries, end, finished);
    }

    /// Completes acknowledged entries like [`Outbox::complete`] with
    /// [`DeliveryOutcome::Acknowledged`], and records the rows of known template in `rows` so
    /// that a later `s/e` line can be tied to them. With `hold`, those rows' deliveries are not
    /// finished yet: the caller finishes them ([`AckedRow::finish`]) when no rejection came in
    /// time. Appends the deliveries this finished to `finished`.
    pub(crate) fn acknowledge(
        &self,
        entries: &[u64],
        hold: bool,
        rows: &mut Vec<AckedRow>,
        finished: &mut Vec<Finished>,
    ) {
        let end = |entry: Entry| {
            if let Some(row_id) = entry.row_id {
                rows.push(AckedRow {
                    row_id,
                    delivery: entry.delivery,
                    rows: entry.rows,
                    topic: entry.topic,
                    completion: hold.then(|| Arc::clone(&entry.completion)),
                });
                if hold {
                    return None;
                }
            }
            entry
                .completion
                .part_done(DeliveryOutcome::Acknowledged, entry.rows, &self.outcomes)
        };
        self.remove_entries(entries, end, finished);
    }

    /// Removes these entries (those still queued), ending each with `end`; deletes their files
    /// outside the lock and wakes a waiting flush when the outbox is settled. Appends the
    /// deliveries this finished to `finished`.
    fn remove_entries(
        &self,
        entries: &[u64],
        mut end: impl FnMut(Entry) -> Option<DeliveryOutcome>,
        finished: &mut Vec<Finished>,
    ) {
        let mut files = Vec::new();
        let mut emptied = {
            let mut inner = self.inner.lock();
            for key in entries {
                let Some(mut entry) = inner.entries.remove(*key) else {
                    continue;
                };
                inner.bytes -= entry.row_bytes();
                inner.rows -= entry.rows as usize;
                files.extend(entry.file.take());
                let (delivery, rows) = (entry.delivery, entry.rows);
                if let Some(outcome) = end(entry) {
                    Entry::finish_rows(delivery, rows, outcome, finished);
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
    }

    /// Handed-over rows an `s/e` line naming `named` points at, not acknowledged yet: (entry
    /// key, delivery, topic), an entry of several merged rows once per row (so that the line is
    /// not tied to one of them).
    pub(crate) fn submitted_rows(&self, named: &str) -> Vec<(u64, DeliveryId, String)> {
        let inner = self.inner.lock();
        inner
            .entries
            .iter()
            .filter(|(_, e)| e.submitted && e.row_id.as_ref().is_some_and(|id| id.is_named_by(named)))
            .flat_map(|(key, e)| {
                (0..u64::from(e.rows)).map(move |i| (key, DeliveryId(e.delivery.0 + i), e.topic.clone()))
            })
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
        let mut finished = Vec::new();
        let entries: Vec<Entry> = {
            let mut inner = self.inner.lock();
            inner.bytes = 0;
            inner.rows = 0;
            // The client is done with the directory: release its lock for the next client.
            inner.store = None;
            let entries: Vec<Entry> = inner.entries.drain_values().collect();
            // Finished (and so counted) under the lock: a flush that finds the outbox empty
            // finds the drops counted.
            for e in &entries {
                if let Some(outcome) =
                    e.completion
                        .part_done(DeliveryOutcome::Dropped(reason), e.rows, &self.outcomes)
                {
                    Entry::finish_rows(e.delivery, e.rows, outcome, &mut finished);
                }
            }
            entries
        };
        // The payloads are freed outside the lock.
        drop(entries);
        self.emptied.notify_waiters();
        finished
    }

    /// The deliveries still pending, oldest first.
    pub fn pending(&self) -> Vec<DeliveryId> {
        let inner = self.inner.lock();
        let mut ids: Vec<DeliveryId> = inner
            .entries
            .values()
            .flat_map(|e| (0..u64::from(e.rows)).map(|i| DeliveryId(e.delivery.0 + i)))
            .collect();
        ids.dedup();
        ids
    }

    /// Messages queued: packets, and rows merged by auto-batching one by one.
    pub fn len(&self) -> usize {
        self.inner.lock().rows
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

    /// The statistics of finished deliveries, as a client would read them now.
    fn counted(outbox: &Outbox) -> (u64, u64, u64) {
        let s = super::super::statistics::Counters::default().snapshot(&outbox.outcomes, 0, None);
        (s.acknowledged, s.dropped.overflow, s.dropped.closed)
    }

    #[test]
    fn a_delivery_is_counted_before_its_waiter_wakes() {
        let outbox = Outbox::new(limits(2, OverflowPolicy::DropOldest));
        outbox.enqueue(msg("200,a")).unwrap();
        let (second, _) = outbox.enqueue(msg("200,b")).unwrap();
        outbox.enqueue(msg("200,c")).unwrap();
        assert_eq!(counted(&outbox), (0, 1, 0));
        let subs = outbox.take_submissions(10, false);
        std::thread::scope(|scope| {
            let waiter = scope.spawn(|| {
                let outcome = second.wait(Duration::from_secs(10));
                (outcome, counted(&outbox))
            });
            outbox.complete(&subs[0].entries, DeliveryOutcome::Acknowledged);
            assert_eq!(
                waiter.join().unwrap(),
                (Some(DeliveryOutcome::Acknowledged), (1, 1, 0))
            );
        });
        // The flush condition and the count change together, under the outbox's lock.
        outbox.drain(DropReason::Closed);
        assert!(outbox.is_settled());
        assert_eq!(counted(&outbox), (1, 1, 1));
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

    /// Queues `row` of template 200 through the merging path.
    fn row(outbox: &Outbox, row: &str) -> Delivery {
        let (delivery, _) = outbox
            .enqueue_row("s/us", QoS::AtLeastOnce, 200, |payload| {
                if !payload.is_empty() {
                    payload.push('\n');
                }
                payload.push_str(row);
            })
            .unwrap();
        delivery
    }

    #[test]
    fn merged_rows_share_one_entry_and_keep_their_ids() {
        let outbox = Outbox::new(OutboxLimits::default()).with_row_merging(true);
        let (a, b, c) = (
            row(&outbox, "200,a"),
            row(&outbox, "200,b"),
            row(&outbox, "200,c"),
        );
        assert_eq!(
            (a.id(), b.id(), c.id()),
            (DeliveryId(1), DeliveryId(2), DeliveryId(3))
        );
        assert_eq!((outbox.len(), outbox.bytes()), (3, 15));
        assert_eq!(outbox.pending(), [a.id(), b.id(), c.id()]);
        let subs = outbox.take_submissions(10, true);
        assert_eq!(subs.len(), 1);
        assert_eq!(subs[0].payload, "200,a\n200,b\n200,c");
        assert_eq!(subs[0].entries.len(), 1, "one entry for the three rows");
        // Handed over: the next row starts a new entry.
        let d = row(&outbox, "200,d");
        assert_eq!(outbox.take_submissions(10, true)[0].payload, "200,d");
        let finished = outbox.complete(&subs[0].entries, DeliveryOutcome::Acknowledged);
        let ack = DeliveryOutcome::Acknowledged;
        assert_eq!(finished, [(a.id(), ack), (b.id(), ack), (c.id(), ack)]);
        assert_eq!(
            [a.try_outcome(), b.try_outcome(), c.try_outcome(), d.try_outcome()],
            [Some(ack), Some(ack), Some(ack), None]
        );
        assert_eq!((outbox.len(), outbox.bytes()), (1, 5));
    }

    #[test]
    fn rows_of_another_template_or_without_merging_get_entries_of_their_own() {
        let outbox = Outbox::new(OutboxLimits::default()).with_row_merging(true);
        row(&outbox, "200,a");
        outbox
            .enqueue_row("s/us", QoS::AtLeastOnce, 400, |p| p.push_str("\n400,t,x"))
            .unwrap();
        outbox.enqueue(msg("200,b")).unwrap();
        row(&outbox, "200,c");
        let subs = outbox.take_submissions(10, true);
        assert_eq!(subs.len(), 1, "batching still joins the entries into one packet");
        assert_eq!(subs[0].entries.len(), 4);
        let plain = Outbox::new(OutboxLimits::default());
        row(&plain, "200,a");
        row(&plain, "200,b");
        assert_eq!(plain.take_submissions(10, false).len(), 2);
    }

    #[test]
    fn a_full_packet_starts_a_new_entry_and_an_oversized_row_is_refused() {
        let outbox = Outbox::new(OutboxLimits::default()).with_row_merging(true);
        let big = format!("200,{}", "x".repeat(9000));
        row(&outbox, &big);
        row(&outbox, &big);
        assert_eq!(outbox.take_submissions(10, true).len(), 2);
        let huge = "x".repeat(20_000);
        let refused = outbox.enqueue_row("s/us", QoS::AtLeastOnce, 200, |p| p.push_str(&huge));
        assert!(matches!(refused, Err(ClientError::MessageTooLarge { .. })));
        assert_eq!(outbox.len(), 2);
    }

    #[test]
    fn drop_oldest_drops_single_rows_of_a_merged_entry() {
        let outbox = Outbox::new(limits(2, OverflowPolicy::DropOldest)).with_row_merging(true);
        let a = row(&outbox, "200,a");
        let b = row(&outbox, "200,b");
        let (c, finished) = outbox
            .enqueue_row("s/us", QoS::AtLeastOnce, 200, |p| p.push_str("\n200,c"))
            .unwrap();
        let dropped = DeliveryOutcome::Dropped(DropReason::Overflow);
        assert_eq!(finished, [(a.id(), dropped)]);
        assert_eq!(a.try_outcome(), Some(dropped));
        assert_eq!(a.wait(Duration::ZERO), Some(dropped));
        assert_eq!((b.try_outcome(), outbox.len(), outbox.bytes()), (None, 2, 10));
        let subs = outbox.take_submissions(10, true);
        assert_eq!(subs[0].payload, "200,b\n200,c");
        let finished = outbox.complete(&subs[0].entries, DeliveryOutcome::Acknowledged);
        let ack = DeliveryOutcome::Acknowledged;
        assert_eq!(finished, [(b.id(), ack), (c.id(), ack)]);
        assert_eq!(a.try_outcome(), Some(dropped), "the dropped row stays dropped");
    }

    #[test]
    fn reject_policy_refuses_a_row_and_leaves_the_entry_as_it_was() {
        let outbox = Outbox::new(limits(1, OverflowPolicy::Reject)).with_row_merging(true);
        row(&outbox, "200,a");
        let refused = outbox.enqueue_row("s/us", QoS::AtLeastOnce, 200, |p| p.push_str("\n200,b"));
        assert!(matches!(
            refused,
            Err(ClientError::OutboxFull { messages: 1, .. })
        ));
        assert_eq!(outbox.take_submissions(10, true)[0].payload, "200,a");
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
