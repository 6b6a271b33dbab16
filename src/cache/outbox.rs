//! The outbox: every edit is committed to disk before it is sent, and
//! leaves only when HighLevel confirms it.
//!
//! - A network error, 5xx, 429 or expired token leaves the edit queued; it
//!   is retried with backoff, across restarts.
//! - A refusal that will not heal (400, 403, 404, 422) moves it to *needs
//!   attention*, with the server's message, until the user retries or
//!   discards it.
//! - Edits to one contact (its fields, tags, tasks and notes) go one at a
//!   time, in the order they were made. Different contacts go in parallel.
//! - A create whose earlier attempt may have reached the server is not sent
//!   again blindly: the worker first looks for what it would create.
//!   Updates, tag changes and deletes are idempotent, so a replay is safe;
//!   a delete that finds nothing to delete has done its job.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::time::Duration;

use rusqlite::params;
use serde::{Deserialize, Serialize};
use tokio::sync::mpsc;
use tokio::task::JoinSet;

use super::{Cache, CacheError, Result};
use crate::api::actor::{ApiEvent, ApiOp, ApiResponse, RequestId};
use crate::api::error::ApiError;
use crate::api::{Client, model::*};

/// One sender per outbox, across processes: two rolo windows on the same
/// location must not both send an edit. The OS drops the lock when its
/// holder dies, even by SIGKILL.
pub struct SenderLock(#[allow(dead_code)] std::fs::File);

impl SenderLock {
    /// The lock of the outbox in `db`, if no other process holds it.
    pub fn try_take(db: &Path) -> Option<SenderLock> {
        let path = db.with_extension("sender.lock");
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(path)
            .ok()?;
        file.try_lock().ok()?;
        Some(SenderLock(file))
    }
}

const ELSEWHERE: &str = "another rolo is sending this location's edits";

/// How often a worker that is not the sender, or is idle, looks again
/// (another process may have queued edits or let go of the lock).
const RESCAN: Duration = Duration::from_secs(2);

/// How many contacts' edits are sent at once.
pub const CONCURRENCY: usize = 4;
/// The longest wait between two attempts of one edit.
pub const MAX_BACKOFF: Duration = Duration::from_secs(30);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntryState {
    /// Waiting to be sent (or sent again).
    Pending,
    /// Refused by the server; waits for the user.
    Attention,
}

/// One queued edit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    pub seq: i64,
    /// Edits with the same key are sent in order: the contact's id.
    pub key: String,
    pub op: ApiOp,
    pub description: String,
    pub state: EntryState,
    /// Attempts started so far: above zero, it may have reached the server.
    pub attempts: u32,
    /// Unix milliseconds before which it is not retried.
    pub next_at: i64,
    /// The last failure, as the server or the network put it.
    pub error: Option<String>,
    pub created_at: i64,
}

impl Entry {
    /// The contact the edit is about, when it is about one that exists.
    pub fn contact_id(&self) -> Option<&str> {
        contact_of(&self.op)
    }
}

/// The contact an edit belongs to.
pub fn contact_of(op: &ApiOp) -> Option<&str> {
    match op {
        ApiOp::UpdateContact { id, .. } | ApiOp::DeleteContact { id } => Some(id),
        ApiOp::CreateTask { contact_id, .. }
        | ApiOp::UpdateTask { contact_id, .. }
        | ApiOp::SetTaskCompleted { contact_id, .. }
        | ApiOp::DeleteTask { contact_id, .. }
        | ApiOp::CreateNote { contact_id, .. }
        | ApiOp::UpdateNote { contact_id, .. }
        | ApiOp::DeleteNote { contact_id, .. }
        | ApiOp::AddTags { contact_id, .. }
        | ApiOp::RemoveTags { contact_id, .. } => Some(contact_id),
        _ => None,
    }
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// How many edits wait, and how many need the user.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub pending: usize,
    pub attention: usize,
}

impl Cache {
    /// Commits an edit to the outbox; returns its sequence number.
    pub fn enqueue(&mut self, op: &ApiOp) -> Result<i64> {
        if !op.is_write() {
            return Err(CacheError::Sqlite {
                path: self.path.clone(),
                detail: format!("only edits go to the outbox, not {}", op.name()),
            });
        }
        let text = serde_json::to_string(op).unwrap_or_default();
        let conn = self.conn();
        conn.execute(
            "INSERT INTO outbox (key, op, description, created_at) VALUES ('', ?1, ?2, ?3)",
            params![text, op.describe(), now_ms()],
        )
        .map_err(|e| self.err(e))?;
        let seq = conn.last_insert_rowid();
        let key = contact_of(op).map_or_else(|| format!("new-{seq}"), str::to_string);
        conn.execute(
            "UPDATE outbox SET key = ?1 WHERE seq = ?2",
            params![key, seq],
        )
        .map_err(|e| self.err(e))?;
        Ok(seq)
    }

    /// Every queued edit, oldest first.
    pub fn outbox(&self) -> Result<Vec<Entry>> {
        self.entries("SELECT * FROM outbox ORDER BY seq", [])
    }

    pub fn outbox_entry(&self, seq: i64) -> Result<Option<Entry>> {
        Ok(self
            .entries("SELECT * FROM outbox WHERE seq = ?1", [seq])?
            .into_iter()
            .next())
    }

    pub fn outbox_counts(&self) -> Result<Counts> {
        let mut counts = Counts::default();
        let mut stmt = self
            .conn()
            .prepare_cached("SELECT state, count(*) FROM outbox GROUP BY state")
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))
            .map_err(|e| self.err(e))?;
        for row in rows {
            let (state, n) = row.map_err(|e| self.err(e))?;
            if state == "attention" {
                counts.attention = n as usize;
            } else {
                counts.pending += n as usize;
            }
        }
        Ok(counts)
    }

    /// The contacts with edits still queued, for the list's pending marks.
    pub fn pending_contacts(&self) -> Result<HashSet<String>> {
        let mut stmt = self
            .conn()
            .prepare_cached("SELECT DISTINCT key FROM outbox")
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([], |r| r.get::<_, String>(0))
            .map_err(|e| self.err(e))?;
        rows.collect::<rusqlite::Result<_>>()
            .map_err(|e| self.err(e))
    }

    /// The edits that may go now: the oldest of each key, if it is
    /// pending and due, leaving out keys already being sent.
    pub fn ready(&self, now: i64, busy: &HashSet<String>, limit: usize) -> Result<Vec<Entry>> {
        let heads = self.entries(
            "SELECT o.* FROM outbox o
             JOIN (SELECT key, min(seq) AS head FROM outbox GROUP BY key) h ON o.seq = h.head
             WHERE o.state = 'pending' AND o.next_at <= ?1
             ORDER BY o.seq",
            [now],
        )?;
        Ok(heads
            .into_iter()
            .filter(|e| !busy.contains(&e.key))
            .take(limit)
            .collect())
    }

    /// When the next waiting edit comes due, if one waits.
    pub fn next_due(&self, busy: &HashSet<String>) -> Result<Option<i64>> {
        let heads = self.entries(
            "SELECT o.* FROM outbox o
             JOIN (SELECT key, min(seq) AS head FROM outbox GROUP BY key) h ON o.seq = h.head
             WHERE o.state = 'pending' ORDER BY o.next_at",
            [],
        )?;
        Ok(heads
            .into_iter()
            .find(|e| !busy.contains(&e.key))
            .map(|e| e.next_at))
    }

    /// Records that an attempt starts: from now on it may reach the server.
    pub fn mark_attempt(&self, seq: i64) -> Result<()> {
        self.conn()
            .execute(
                "UPDATE outbox SET attempts = attempts + 1 WHERE seq = ?1",
                [seq],
            )
            .map(drop)
            .map_err(|e| self.err(e))
    }

    /// The server confirmed it: the edit leaves the outbox.
    pub fn confirm(&self, seq: i64) -> Result<()> {
        self.conn()
            .execute("DELETE FROM outbox WHERE seq = ?1", [seq])
            .map(drop)
            .map_err(|e| self.err(e))
    }

    pub fn retry_later(&self, seq: i64, at: i64, error: &str) -> Result<()> {
        self.conn()
            .execute(
                "UPDATE outbox SET next_at = ?2, error = ?3 WHERE seq = ?1",
                params![seq, at, error],
            )
            .map(drop)
            .map_err(|e| self.err(e))
    }

    pub fn needs_attention(&self, seq: i64, error: &str) -> Result<()> {
        self.conn()
            .execute(
                "UPDATE outbox SET state = 'attention', error = ?2 WHERE seq = ?1",
                params![seq, error],
            )
            .map(drop)
            .map_err(|e| self.err(e))
    }

    /// Sends an edit that needed attention again, changed or not. Sent
    /// again, a contact update overwrites: the user has seen the conflict.
    pub fn retry(&self, seq: i64, op: Option<&ApiOp>) -> Result<()> {
        let conn = self.conn();
        let stored = match op {
            Some(_) => None,
            None => self.outbox_entry(seq)?.map(|e| e.op),
        };
        let op = op.or(stored.as_ref());
        if let Some(op) = op {
            let mut op = op.clone();
            if let ApiOp::UpdateContact { base, .. } = &mut op {
                *base = None;
            }
            let op = &op;
            conn.execute(
                "UPDATE outbox SET op = ?2, description = ?3 WHERE seq = ?1",
                params![
                    seq,
                    serde_json::to_string(op).unwrap_or_default(),
                    op.describe()
                ],
            )
            .map_err(|e| self.err(e))?;
        }
        conn.execute(
            "UPDATE outbox SET state = 'pending', next_at = 0 WHERE seq = ?1",
            [seq],
        )
        .map(drop)
        .map_err(|e| self.err(e))
    }

    /// Drops an edit: the user chose to discard it.
    pub fn discard(&self, seq: i64) -> Result<bool> {
        self.conn()
            .execute("DELETE FROM outbox WHERE seq = ?1", [seq])
            .map(|n| n > 0)
            .map_err(|e| self.err(e))
    }

    /// A fresh start tries every waiting edit at once.
    pub fn wake_all(&self) -> Result<()> {
        self.conn()
            .execute("UPDATE outbox SET next_at = 0 WHERE state = 'pending'", [])
            .map(drop)
            .map_err(|e| self.err(e))
    }

    /// Queues salvaged edits again, keeping their attempt counts.
    pub(crate) fn requeue(&mut self, edits: &[Salvaged]) -> Result<usize> {
        let mut n = 0;
        for e in edits {
            let Ok(op) = serde_json::from_value::<ApiOp>(e.op.clone()) else {
                continue;
            };
            let seq = self.enqueue(&op)?;
            self.conn()
                .execute(
                    "UPDATE outbox SET attempts = ?2, state = ?3 WHERE seq = ?1",
                    params![seq, e.attempts, e.state],
                )
                .map_err(|e| self.err(e))?;
            n += 1;
        }
        Ok(n)
    }

    fn entries<P: rusqlite::Params>(&self, sql: &str, p: P) -> Result<Vec<Entry>> {
        let mut stmt = self.conn().prepare_cached(sql).map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map(p, |r| {
                Ok((
                    r.get::<_, i64>("seq")?,
                    r.get::<_, String>("key")?,
                    r.get::<_, String>("op")?,
                    r.get::<_, String>("description")?,
                    r.get::<_, String>("state")?,
                    r.get::<_, i64>("attempts")?,
                    r.get::<_, i64>("next_at")?,
                    r.get::<_, Option<String>>("error")?,
                    r.get::<_, i64>("created_at")?,
                ))
            })
            .map_err(|e| self.err(e))?;
        let mut out = Vec::new();
        for row in rows {
            let (seq, key, op, description, state, attempts, next_at, error, created_at) =
                row.map_err(|e| self.err(e))?;
            let op = match serde_json::from_str::<ApiOp>(&op) {
                Ok(op) => op,
                Err(e) => {
                    // Written by a newer or broken rolo: keep it for the user.
                    tracing::warn!(seq, "an outbox entry cannot be read: {e}");
                    continue;
                }
            };
            out.push(Entry {
                seq,
                key,
                op,
                description,
                state: if state == "attention" {
                    EntryState::Attention
                } else {
                    EntryState::Pending
                },
                attempts: attempts.clamp(0, u32::MAX as i64) as u32,
                next_at,
                error,
                created_at,
            });
        }
        Ok(out)
    }
}

/// An edit read out of a damaged cache.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Salvaged {
    pub seq: i64,
    pub description: String,
    pub op: serde_json::Value,
    pub attempts: i64,
    pub state: String,
    pub error: Option<String>,
}

/// Reads whatever outbox rows a damaged database still gives.
pub(crate) fn salvage(path: &Path) -> Vec<Salvaged> {
    let Ok(conn) = rusqlite::Connection::open_with_flags(
        path,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
    ) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let Ok(mut stmt) = conn
        .prepare("SELECT seq, description, op, attempts, state, error FROM outbox ORDER BY seq")
    else {
        return out;
    };
    let Ok(mut rows) = stmt.query([]) else {
        return out;
    };
    while let Ok(Some(r)) = rows.next() {
        let row = (|| -> rusqlite::Result<Salvaged> {
            let op: String = r.get(2)?;
            Ok(Salvaged {
                seq: r.get(0)?,
                description: r.get(1)?,
                op: serde_json::from_str(&op).unwrap_or(serde_json::Value::String(op)),
                attempts: r.get(3)?,
                state: r.get(4)?,
                error: r.get(5)?,
            })
        })();
        if let Ok(s) = row {
            out.push(s);
        }
    }
    out
}

/// What the outbox worker reports.
#[derive(Debug, Clone, PartialEq)]
pub enum OutboxEvent {
    /// The final answer to an edit queued in this run by request `id`.
    Answer(Box<ApiEvent>),
    /// An edit queued by an earlier run was applied (`ok`) or refused.
    Settled {
        seq: i64,
        contact_id: Option<String>,
        ok: bool,
        message: Option<String>,
    },
    /// An edit this process queued (request `id`) was sent and confirmed
    /// by another process; its answer is not known here.
    SentElsewhere(RequestId),
    /// The outbox changed: counts, the contacts still waiting, and the
    /// reason the last attempt failed, if it did.
    Status {
        counts: Counts,
        waiting: Vec<String>,
        last_error: Option<String>,
    },
    /// The cache cannot be written: edits are not safe.
    Failed(String),
}

enum Msg {
    Submitted { seq: i64, id: RequestId },
    Kick,
}

/// The runtime's side of the outbox: it commits edits, then wakes the worker.
pub struct Outbox {
    cache: Cache,
    tx: mpsc::UnboundedSender<Msg>,
    worker: tokio::task::JoinHandle<()>,
}

impl std::fmt::Debug for Outbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Outbox")
            .field("path", &self.cache.path)
            .finish()
    }
}

impl Outbox {
    /// Starts the worker that sends the edits in the cache at `path`.
    pub fn spawn(
        client: Client,
        path: &Path,
    ) -> Result<(Outbox, mpsc::UnboundedReceiver<OutboxEvent>)> {
        Self::spawn_with(client, path, Backoff::default())
    }

    /// As `spawn`, with another backoff (tests keep it short).
    pub fn spawn_with(
        client: Client,
        path: &Path,
        backoff: Backoff,
    ) -> Result<(Outbox, mpsc::UnboundedReceiver<OutboxEvent>)> {
        let cache = Cache::open(path)?;
        let worker_cache = Cache::open(path)?;
        worker_cache.wake_all()?;
        let (tx, rx) = mpsc::unbounded_channel();
        let (events, events_rx) = mpsc::unbounded_channel();
        let worker = tokio::spawn(
            Worker {
                client,
                backoff,
                path: path.to_path_buf(),
                lock: None,
                sending: HashSet::new(),
                cache: worker_cache,
                events,
                requests: HashMap::new(),
                busy: HashSet::new(),
                last_status: None,
                last_error: None,
            }
            .run(rx),
        );
        Ok((Outbox { cache, tx, worker }, events_rx))
    }

    /// Commits `op` to disk, then hands it to the worker. Once this
    /// returns `Ok`, the edit survives a crash.
    pub fn submit(&mut self, id: RequestId, op: &ApiOp) -> Result<i64> {
        let seq = self.cache.enqueue(op)?;
        let _ = self.tx.send(Msg::Submitted { seq, id });
        Ok(seq)
    }

    /// The cache connection of the runtime, for the outbox view's actions.
    pub fn cache(&self) -> &Cache {
        &self.cache
    }

    /// Something changed (a retry, a discard): look again.
    pub fn kick(&self) {
        let _ = self.tx.send(Msg::Kick);
    }

    /// Stops the worker; edits not yet confirmed stay on disk.
    pub fn stop(self) {
        self.worker.abort();
    }

    /// Stops the worker but keeps the handle (to replace it).
    pub fn halt(&self) {
        self.worker.abort();
    }
}

struct Worker {
    client: Client,
    backoff: Backoff,
    path: std::path::PathBuf,
    lock: Option<SenderLock>,
    /// The edits this process is sending now.
    sending: HashSet<i64>,
    cache: Cache,
    events: mpsc::UnboundedSender<OutboxEvent>,
    requests: HashMap<i64, RequestId>,
    busy: HashSet<String>,
    last_status: Option<(Counts, Vec<String>)>,
    last_error: Option<String>,
}

type Done = (Entry, std::result::Result<ApiResponse, ApiError>);

impl Worker {
    async fn run(mut self, mut rx: mpsc::UnboundedReceiver<Msg>) {
        let mut inflight: JoinSet<Done> = JoinSet::new();
        loop {
            if self.lock.is_none() {
                self.lock = SenderLock::try_take(&self.path);
                self.last_error = match self.lock {
                    None => Some(ELSEWHERE.into()),
                    Some(_) if self.last_error.as_deref() == Some(ELSEWHERE) => None,
                    Some(_) => self.last_error.take(),
                };
            }
            if self.lock.is_some()
                && let Err(e) = self.start_ready(&mut inflight)
            {
                let _ = self.events.send(OutboxEvent::Failed(e.to_string()));
            }
            self.settled_elsewhere();
            self.report();
            let wake = self.cache.next_due(&self.busy).ok().flatten();
            let ms = wake.map_or(RESCAN.as_millis() as i64, |at| {
                (at - now_ms()).clamp(0, RESCAN.as_millis() as i64)
            });
            let sleep = tokio::time::sleep(Duration::from_millis(ms as u64 + 1));
            tokio::select! {
                msg = rx.recv() => match msg {
                    None => break,
                    Some(Msg::Submitted { seq, id }) => { self.requests.insert(seq, id); }
                    Some(Msg::Kick) => {}
                },
                Some(done) = inflight.join_next(), if !inflight.is_empty() => {
                    if let Ok(done) = done {
                        self.finish(done);
                    }
                }
                _ = sleep => {}
            }
        }
        // The handle is gone: let what runs finish, so that its answer is
        // recorded rather than sent again next time.
        while let Some(done) = inflight.join_next().await {
            if let Ok(done) = done {
                self.finish(done);
            }
        }
    }

    /// Edits this process queued that another process sent: the answer
    /// is not known here, only that HighLevel confirmed them.
    fn settled_elsewhere(&mut self) {
        let gone: Vec<i64> = self
            .requests
            .keys()
            .copied()
            .filter(|seq| !self.sending.contains(seq))
            .filter(|seq| matches!(self.cache.outbox_entry(*seq), Ok(None)))
            .collect();
        for seq in gone {
            if let Some(id) = self.requests.remove(&seq) {
                let _ = self.events.send(OutboxEvent::SentElsewhere(id));
            }
        }
    }

    fn start_ready(&mut self, inflight: &mut JoinSet<Done>) -> Result<()> {
        let room = CONCURRENCY.saturating_sub(inflight.len());
        if room == 0 {
            return Ok(());
        }
        for entry in self.cache.ready(now_ms(), &self.busy, room)? {
            self.cache.mark_attempt(entry.seq)?;
            self.busy.insert(entry.key.clone());
            self.sending.insert(entry.seq);
            let client = self.client.clone();
            inflight.spawn(async move {
                let result = send(&client, &entry).await;
                (entry, result)
            });
        }
        Ok(())
    }

    fn finish(&mut self, (entry, result): Done) {
        self.busy.remove(&entry.key);
        self.sending.remove(&entry.seq);
        let outcome = match &result {
            Ok(_) => self.cache.confirm(entry.seq).map(|_| true),
            Err(e) if heals(e) => {
                let at = now_ms() + self.backoff.after(entry.attempts + 1, e).as_millis() as i64;
                self.last_error = Some(e.to_string());
                self.cache
                    .retry_later(entry.seq, at, &e.to_string())
                    .map(|_| false)
            }
            Err(e) => self
                .cache
                .needs_attention(entry.seq, &e.to_string())
                .map(|_| true),
        };
        match outcome {
            Err(e) => {
                let _ = self.events.send(OutboxEvent::Failed(e.to_string()));
            }
            Ok(false) => {}
            Ok(true) => {
                if result.is_ok() {
                    self.last_error = None;
                    self.note_in_cache(&entry, result.as_ref().ok());
                }
                let event = match self.requests.remove(&entry.seq) {
                    Some(id) => OutboxEvent::Answer(Box::new(ApiEvent {
                        id,
                        result,
                        budget: self.client.budget(),
                        pending: 0,
                    })),
                    None => OutboxEvent::Settled {
                        seq: entry.seq,
                        contact_id: entry.contact_id().map(str::to_string),
                        ok: result.is_ok(),
                        message: result.err().map(|e| e.to_string()),
                    },
                };
                let _ = self.events.send(event);
            }
        }
    }

    /// Keeps the cache in step with a confirmed edit.
    fn note_in_cache(&mut self, entry: &Entry, response: Option<&ApiResponse>) {
        let r = match (&entry.op, response) {
            (ApiOp::DeleteContact { id }, _) => self.cache.delete_contact(id),
            (_, Some(ApiResponse::Contact(c))) => {
                self.cache.put_contacts(std::slice::from_ref(c), None, None)
            }
            _ => Ok(()),
        };
        if let Err(e) = r {
            tracing::warn!("cache not updated after an edit: {e}");
        }
        if let Some(cid) = entry.contact_id() {
            // Its tasks or notes changed: the next look fetches them.
            let _ = self
                .cache
                .conn()
                .execute("DELETE FROM children_loaded WHERE contact_id = ?1", [cid]);
        }
    }

    fn report(&mut self) {
        let counts = self.cache.outbox_counts().unwrap_or_default();
        let mut waiting: Vec<String> = self
            .cache
            .pending_contacts()
            .unwrap_or_default()
            .into_iter()
            .collect();
        waiting.sort();
        let now = (counts, waiting);
        if self.last_status.as_ref() != Some(&now) {
            let _ = self.events.send(OutboxEvent::Status {
                counts: now.0,
                waiting: now.1.clone(),
                last_error: self.last_error.clone(),
            });
            self.last_status = Some(now);
        }
    }
}

/// Whether waiting may fix it: the edit itself is fine.
fn heals(e: &ApiError) -> bool {
    e.is_transient()
        // The server may have applied it and answered oddly: replay checks.
        || matches!(e, ApiError::Decode { .. } | ApiError::Unauthorized { .. } | ApiError::Cancelled { .. })
}

/// How long a failed edit waits before it is tried again.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Backoff {
    /// After the first failure; it doubles with each one after.
    pub first: Duration,
    pub max: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Self {
            first: Duration::from_millis(500),
            max: MAX_BACKOFF,
        }
    }
}

impl Backoff {
    /// Exponential, capped, with jitter; a server's `Retry-After` wins.
    fn after(&self, attempts: u32, e: &ApiError) -> Duration {
        if let ApiError::RateLimited {
            retry_after: Some(d),
            ..
        } = e
        {
            return (*d).min(self.max);
        }
        let base = self.first * 2u32.saturating_pow(attempts.saturating_sub(1).min(10));
        base.min(self.max)
            .mul_f64(0.75 + fastrand::f64() * 0.5)
            .min(self.max)
    }
}

fn backoff(attempts: u32, e: &ApiError) -> Duration {
    Backoff::default().after(attempts, e)
}

/// Sends one edit. A create tried before first looks for its result.
pub async fn send(client: &Client, entry: &Entry) -> std::result::Result<ApiResponse, ApiError> {
    if let ApiOp::UpdateContact {
        id,
        update,
        base: Some(base),
    } = &entry.op
    {
        let now = client.get_contact(id).await?;
        if let Some(conflict) = conflict(&now, update, base) {
            return Err(ApiError::Conflict(conflict));
        }
    }
    if entry.attempts > 0
        && let Some(found) = already_created(client, entry).await?
    {
        tracing::info!(seq = entry.seq, "found the result of an earlier attempt");
        return Ok(found);
    }
    match entry.op.clone().run(client).await {
        Err(ApiError::NotFound { .. })
            if matches!(
                entry.op,
                ApiOp::DeleteContact { .. } | ApiOp::DeleteTask { .. } | ApiOp::DeleteNote { .. }
            ) =>
        {
            Ok(ApiResponse::Deleted)
        }
        r => r,
    }
}

/// The fields the server changed since the user read them, and the user
/// changed too: both values, for the user to choose.
pub fn conflict(server: &Contact, update: &ContactUpdate, base: &ContactUpdate) -> Option<String> {
    let now = serde_json::to_value(server).unwrap_or_default();
    let base = base.to_json();
    let mine = update.to_json();
    let text = |v: Option<&serde_json::Value>| -> String {
        match v {
            None | Some(serde_json::Value::Null) => String::new(),
            Some(serde_json::Value::String(s)) => s.clone(),
            Some(other) => other.to_string(),
        }
    };
    let mut clashes = Vec::new();
    for (field, was) in base.as_object()?.iter() {
        let (was, theirs, yours) = (text(Some(was)), text(now.get(field)), text(mine.get(field)));
        if theirs != was && theirs != yours {
            clashes.push(format!(
                "{field} is now \"{theirs}\" in HighLevel (it was \"{was}\"); yours: \"{yours}\""
            ));
        }
    }
    (!clashes.is_empty()).then(|| {
        format!(
            "changed in HighLevel since you read it: {}. Send again (r) to keep yours, or discard (d) to keep theirs",
            clashes.join("; ")
        )
    })
}

/// What an earlier attempt of a create made, if the server has it.
async fn already_created(
    client: &Client,
    entry: &Entry,
) -> std::result::Result<Option<ApiResponse>, ApiError> {
    Ok(match &entry.op {
        ApiOp::CreateTask { contact_id, task } => client
            .tasks(contact_id)
            .await?
            .into_iter()
            .find(|t| {
                t.title.as_deref() == Some(task.title.as_str())
                    && same_instant(t.due_date.as_deref(), Some(task.due_date.as_str()))
                    && t.body.as_deref().unwrap_or("") == task.body.as_deref().unwrap_or("")
            })
            .map(ApiResponse::Task),
        ApiOp::CreateNote { contact_id, note } => client
            .notes(contact_id)
            .await?
            .into_iter()
            .find(|n| n.body.as_deref().map(str::trim) == Some(note.body.trim()))
            .map(ApiResponse::Note),
        ApiOp::CreateContact(new) => {
            let found = if new.email.is_some() || new.phone.is_some() {
                client
                    .find_duplicate(new.email.as_deref(), new.phone.as_deref())
                    .await?
            } else {
                None
            };
            match found {
                Some(c) => Some(ApiResponse::Contact(c)),
                None => {
                    let name = [new.first_name.as_deref(), new.last_name.as_deref()]
                        .into_iter()
                        .flatten()
                        .collect::<Vec<_>>()
                        .join(" ");
                    if name.is_empty() {
                        None
                    } else {
                        let page = client
                            .search_contacts(&SearchContacts {
                                query: Some(name),
                                page_limit: 20,
                                ..SearchContacts::default()
                            })
                            .await?;
                        page.contacts
                            .into_iter()
                            .find(|c| {
                                c.first_name == new.first_name
                                    && c.last_name == new.last_name
                                    && c.email == new.email
                                    && c.phone == new.phone
                                    && c.date_added
                                        .as_deref()
                                        .and_then(parse_ms)
                                        .is_some_and(|t| t >= entry.created_at - 5 * 60_000)
                            })
                            .map(ApiResponse::Contact)
                    }
                }
            }
        }
        _ => None,
    })
}

fn parse_ms(s: &str) -> Option<i64> {
    chrono::DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| t.timestamp_millis())
}

fn same_instant(a: Option<&str>, b: Option<&str>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => match (parse_ms(a), parse_ms(b)) {
            (Some(x), Some(y)) => x == y,
            _ => a == b,
        },
        (None, None) => true,
        _ => false,
    }
}

/// Sends every pending edit, retrying those that can heal, until none is
/// left to send (those needing attention stay). For `rolo outbox push`.
/// Without `wait`, one pass: what fails stays queued for later.
pub async fn drain(
    client: &Client,
    path: &Path,
    wait: bool,
    mut progress: impl FnMut(&Entry, &std::result::Result<ApiResponse, ApiError>),
) -> Result<Counts> {
    let cache = Cache::open(path)?;
    let _lock = loop {
        match SenderLock::try_take(path) {
            Some(l) => break l,
            // Another rolo sends: it will send these too.
            None if !wait => return cache.outbox_counts(),
            None => tokio::time::sleep(Duration::from_millis(200)).await,
        }
    };
    if wait {
        cache.wake_all()?;
    }
    let mut busy = HashSet::new();
    let mut inflight: JoinSet<Done> = JoinSet::new();
    loop {
        let room = CONCURRENCY.saturating_sub(inflight.len());
        for entry in cache.ready(now_ms(), &busy, room)? {
            cache.mark_attempt(entry.seq)?;
            busy.insert(entry.key.clone());
            let client = client.clone();
            inflight.spawn(async move {
                let r = send(&client, &entry).await;
                (entry, r)
            });
        }
        if inflight.is_empty() {
            match cache.next_due(&busy)? {
                None => return cache.outbox_counts(),
                Some(at) if !wait && at > now_ms() => return cache.outbox_counts(),
                Some(at) => {
                    let ms = (at - now_ms()).clamp(0, MAX_BACKOFF.as_millis() as i64);
                    tokio::time::sleep(Duration::from_millis(ms as u64 + 1)).await;
                    continue;
                }
            }
        }
        if let Some(Ok((entry, result))) = inflight.join_next().await {
            busy.remove(&entry.key);
            match &result {
                Ok(_) => cache.confirm(entry.seq)?,
                Err(e) if heals(e) => cache.retry_later(
                    entry.seq,
                    now_ms() + backoff(entry.attempts + 1, e).as_millis() as i64,
                    &e.to_string(),
                )?,
                Err(e) => cache.needs_attention(entry.seq, &e.to_string())?,
            }
            progress(&entry, &result);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp() -> std::path::PathBuf {
        std::env::temp_dir()
            .join(format!(
                "rolo-outbox-{}-{}",
                std::process::id(),
                fastrand::u64(..)
            ))
            .join("c.db")
    }

    fn tag(cid: &str, t: &str) -> ApiOp {
        ApiOp::AddTags {
            contact_id: cid.into(),
            tags: vec![t.into()],
        }
    }

    #[test]
    fn edits_to_one_contact_wait_their_turn() {
        let mut c = Cache::open(&temp()).unwrap();
        let a1 = c.enqueue(&tag("a", "1")).unwrap();
        let a2 = c.enqueue(&tag("a", "2")).unwrap();
        let b1 = c.enqueue(&tag("b", "1")).unwrap();
        let none = HashSet::new();
        let ready = |c: &Cache, busy: &HashSet<String>| -> Vec<i64> {
            let entries = c.ready(now_ms(), busy, 10).unwrap();
            entries.iter().map(|e| e.seq).collect()
        };
        assert_eq!(ready(&c, &none), [a1, b1]);
        // While a's first edit is out, a's second does not go.
        let busy: HashSet<String> = ["a".to_string()].into();
        assert_eq!(ready(&c, &busy), [b1]);
        c.confirm(a1).unwrap();
        assert_eq!(ready(&c, &none), [a2, b1]);
        // One needing attention holds back the later edits of its contact.
        c.needs_attention(a2, "422").unwrap();
        c.enqueue(&tag("a", "3")).unwrap();
        assert_eq!(ready(&c, &none), [b1]);
        assert_eq!(
            c.outbox_counts().unwrap(),
            Counts {
                pending: 2,
                attention: 1
            }
        );
    }

    #[test]
    fn a_retry_waits_for_its_time_and_reads_are_refused() {
        let mut c = Cache::open(&temp()).unwrap();
        let s = c.enqueue(&tag("a", "1")).unwrap();
        c.retry_later(s, now_ms() + 60_000, "503").unwrap();
        assert!(c.ready(now_ms(), &HashSet::new(), 10).unwrap().is_empty());
        assert!(c.next_due(&HashSet::new()).unwrap().unwrap() > now_ms());
        c.wake_all().unwrap();
        assert_eq!(c.ready(now_ms(), &HashSet::new(), 10).unwrap().len(), 1);
        assert!(c.enqueue(&ApiOp::LocationTags).is_err());
    }

    #[test]
    fn every_kind_of_edit_survives_the_round_trip_through_disk() {
        let ops = vec![
            ApiOp::CreateContact(NewContact {
                first_name: Some("Ann".into()),
                ..NewContact::default()
            }),
            ApiOp::UpdateContact {
                id: "c".into(),
                update: ContactUpdate::new().set(ContactField::Email, Some("a@b.c")),
                base: Some(ContactUpdate::new().set(ContactField::Email, None)),
            },
            ApiOp::DeleteContact { id: "c".into() },
            ApiOp::CreateTask {
                contact_id: "c".into(),
                task: NewTask {
                    title: "t".into(),
                    body: None,
                    due_date: "2026-01-01T00:00:00.000Z".into(),
                    completed: false,
                    assigned_to: None,
                },
            },
            ApiOp::SetTaskCompleted {
                contact_id: "c".into(),
                task_id: "t".into(),
                completed: true,
            },
            ApiOp::UpdateNote {
                contact_id: "c".into(),
                note_id: "n".into(),
                update: NoteUpdate {
                    body: Some("x".into()),
                    ..NoteUpdate::default()
                },
            },
            ApiOp::RemoveTags {
                contact_id: "c".into(),
                tags: vec!["vip".into()],
            },
        ];
        let path = temp();
        let mut c = Cache::open(&path).unwrap();
        for op in &ops {
            c.enqueue(op).unwrap();
        }
        drop(c);
        let c = Cache::open(&path).unwrap();
        let back: Vec<ApiOp> = c.outbox().unwrap().into_iter().map(|e| e.op).collect();
        assert_eq!(back, ops);
    }

    #[test]
    fn one_sender_at_a_time_and_the_lock_goes_with_its_holder() {
        let path = temp();
        drop(Cache::open(&path).unwrap());
        let first = SenderLock::try_take(&path).expect("free at first");
        assert!(SenderLock::try_take(&path).is_none(), "held");
        drop(first);
        assert!(SenderLock::try_take(&path).is_some(), "free again");
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        let server = ApiError::Server {
            status: 503,
            message: String::new(),
        };
        assert!(backoff(1, &server) <= Duration::from_millis(625));
        assert!(backoff(4, &server) >= Duration::from_secs(3));
        assert!(backoff(30, &server) <= MAX_BACKOFF);
        assert!(heals(&server));
        assert!(!heals(&ApiError::Validation {
            status: 422,
            messages: vec![]
        }));
    }
}
