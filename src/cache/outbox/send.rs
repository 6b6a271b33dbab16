//! Sending the outbox: the worker that drains it while rolo runs, the
//! shell's `drain`, and the one send loop both use: one edit per contact
//! at a time, backoff on what can heal, a look before any create is sent
//! again.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::time::Duration;

use tokio::sync::mpsc;
use tokio::task::JoinSet;

use super::super::{Cache, CacheError};
use super::*;
use crate::api::actor::{ApiEvent, ApiOp, ApiResponse, RequestId};
use crate::api::error::ApiError;
use crate::api::{Client, model::*};

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
    /// An edit this process queued (request `id`) was discarded by the
    /// user: it was never sent, or its answer will never be known.
    Discarded(RequestId),
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
    Submitted {
        seq: i64,
        id: RequestId,
    },
    /// These edits were discarded (one, and those that depended on it).
    Discarded(Vec<i64>),
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
                sender: SendLoop::new(client, worker_cache, backoff),
                path: path.to_path_buf(),
                lock: None,
                events,
                requests: HashMap::new(),
                unclaimed: HashMap::new(),
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
        self.submit_as(id, op, None)
    }

    /// As `submit`, for a create the app shows under the stand-in id
    /// `local_id` until HighLevel confirms it.
    pub fn submit_as(&mut self, id: RequestId, op: &ApiOp, local_id: Option<&str>) -> Result<i64> {
        let seq = self.cache.enqueue_as(op, local_id)?;
        let _ = self.tx.send(Msg::Submitted { seq, id });
        Ok(seq)
    }

    /// Commits several edits in one transaction (a bulk change's pieces),
    /// then hands each to the worker.
    pub fn submit_many(&mut self, edits: &[(RequestId, &ApiOp, Option<&str>)]) -> Result<Vec<i64>> {
        let ops: Vec<(&ApiOp, Option<&str>)> = edits.iter().map(|(_, op, l)| (*op, *l)).collect();
        let seqs = self.cache.enqueue_all(&ops)?;
        for ((id, _, _), seq) in edits.iter().zip(&seqs) {
            let _ = self.tx.send(Msg::Submitted { seq: *seq, id: *id });
        }
        Ok(seqs)
    }

    /// The cache connection of the runtime, for the outbox view's actions.
    pub fn cache(&self) -> &Cache {
        &self.cache
    }

    /// Discards an edit (and the edits that depend on it), and tells the
    /// worker which went, so their requests are answered as discarded,
    /// not as sent by another rolo.
    pub fn discard(&self, seq: i64) -> Result<usize> {
        let before: std::collections::HashSet<i64> =
            self.cache.outbox()?.iter().map(|e| e.seq).collect();
        let n = self.cache.discard(seq)?;
        let after: std::collections::HashSet<i64> =
            self.cache.outbox()?.iter().map(|e| e.seq).collect();
        let gone: Vec<i64> = before.difference(&after).copied().collect();
        let _ = self.tx.send(Msg::Discarded(gone));
        Ok(n)
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

/// What became of one attempt at an edit.
#[derive(Debug)]
#[allow(clippy::large_enum_variant)] // one at a time, moved straight on
pub enum Settled {
    /// HighLevel confirmed it; it left the outbox.
    Confirmed(Entry, ApiResponse),
    /// Refused for good: it waits for the user.
    Refused(Entry, ApiError),
    /// Failed in a way that may heal: it is tried again later.
    Later(Entry, ApiError),
}

/// One step of the send loop, as a spawned task returns it.
#[allow(clippy::large_enum_variant)] // at most CONCURRENCY of them exist
enum Done {
    /// A create's look at what exists before its first attempt.
    Before(Entry, std::result::Result<Vec<String>, ApiError>),
    /// A message's look in the thread before any attempt after the first.
    Looked(Entry, std::result::Result<Option<ApiResponse>, ApiError>),
    Sent(Entry, std::result::Result<ApiResponse, ApiError>),
}

/// The one send loop, for the workspace's worker and `rolo outbox push`:
/// the heads of each contact's queue, up to [`CONCURRENCY`] at once, each
/// attempt recorded before it starts and its outcome after.
struct SendLoop {
    client: Client,
    cache: Cache,
    backoff: Backoff,
    /// Keys with an attempt in flight.
    busy: HashSet<String>,
    /// The edits this process is sending now.
    sending: HashSet<i64>,
    /// Messages whose thread was just looked at (and did not hold them):
    /// their next attempt is sent.
    looked: HashSet<i64>,
    inflight: JoinSet<Done>,
}

impl SendLoop {
    fn new(client: Client, cache: Cache, backoff: Backoff) -> Self {
        Self {
            // The loop's backoff is the only one: a client retrying inside
            // each attempt would make one attempt up to six requests.
            client: client.without_retries(),
            cache,
            backoff,
            busy: HashSet::new(),
            sending: HashSet::new(),
            looked: HashSet::new(),
            inflight: JoinSet::new(),
        }
    }

    /// Just took the sender's lock: marks left by a dead sender go.
    fn took_over(&self) -> Result<()> {
        self.cache.clear_sending()
    }

    fn start_ready(&mut self) -> Result<()> {
        let room = CONCURRENCY.saturating_sub(self.inflight.len());
        if room == 0 {
            return Ok(());
        }
        for entry in self.cache.ready(now_ms(), &self.busy, room)? {
            let client = self.client.clone();
            if needs_before(&entry) {
                self.busy.insert(entry.key.clone());
                self.inflight.spawn(async move {
                    let r = before_ids(&client, &entry).await;
                    Done::Before(entry, r)
                });
                continue;
            }
            if matches!(entry.op, ApiOp::SendMessage { .. })
                && entry.attempts > 0
                && !self.looked.remove(&entry.seq)
            {
                // Tried before: the thread may hold it already (but not
                // as a message this outbox knows it sent for another).
                let mut entry = entry;
                entry
                    .before_ids
                    .get_or_insert_with(Vec::new)
                    .extend(self.cache.claimed_messages()?);
                self.busy.insert(entry.key.clone());
                self.inflight.spawn(async move {
                    let r = already_created(&client, &entry).await;
                    Done::Looked(entry, r)
                });
                continue;
            }
            if !self.cache.mark_attempt(&entry)? {
                continue;
            }
            self.busy.insert(entry.key.clone());
            self.sending.insert(entry.seq);
            self.inflight.spawn(async move {
                let r = send(&client, &entry).await;
                Done::Sent(entry, r)
            });
        }
        Ok(())
    }

    /// The next attempt to finish, once one does (never, with none).
    async fn next(&mut self) -> Option<Done> {
        loop {
            match self.inflight.join_next().await? {
                Ok(done) => return Some(done),
                Err(e) => tracing::warn!("an outbox attempt was lost: {e}"),
            }
        }
    }

    /// Records an attempt's outcome; `None` when it was only the look
    /// before a create (the create itself follows).
    fn finish(&mut self, done: Done) -> Result<Option<Settled>> {
        match done {
            Done::Before(entry, Ok(ids)) => {
                self.busy.remove(&entry.key);
                self.cache.set_before(entry.seq, &ids)?;
                Ok(None)
            }
            Done::Before(entry, Err(e)) | Done::Looked(entry, Err(e)) => {
                self.busy.remove(&entry.key);
                self.failed(entry, e).map(Some)
            }
            Done::Looked(entry, Ok(Some(found))) => {
                self.busy.remove(&entry.key);
                tracing::info!(seq = entry.seq, "the message is in the thread already");
                self.cache.confirm(&entry, Some(&found))?;
                Ok(Some(Settled::Confirmed(entry, found)))
            }
            Done::Looked(entry, Ok(None)) if entry.unsure => {
                // It may still reach the thread, or have reached the
                // customer without showing: never sent again unasked.
                self.busy.remove(&entry.key);
                self.cache.needs_attention(entry.seq, MAY_HAVE_BEEN_SENT)?;
                Ok(Some(Settled::Refused(
                    entry,
                    ApiError::Conflict(MAY_HAVE_BEEN_SENT.into()),
                )))
            }
            Done::Looked(entry, Ok(None)) => {
                // The last attempt was answered with a refusal or a
                // failure, and the thread does not hold it: it goes.
                self.busy.remove(&entry.key);
                self.looked.insert(entry.seq);
                Ok(None)
            }
            Done::Sent(entry, result) => {
                self.busy.remove(&entry.key);
                self.sending.remove(&entry.seq);
                match result {
                    Ok(r) => {
                        self.cache.confirm(&entry, Some(&r))?;
                        self.note_in_cache(&entry, &r);
                        Ok(Some(Settled::Confirmed(entry, r)))
                    }
                    Err(e) => {
                        if !e.unanswered() {
                            self.cache.answered(entry.seq)?;
                        }
                        self.failed(entry, e).map(Some)
                    }
                }
            }
        }
    }

    fn failed(&mut self, entry: Entry, e: ApiError) -> Result<Settled> {
        if heals(&e) {
            let mut wait = self.backoff.after(entry.attempts + 1, &e);
            if matches!(
                e,
                ApiError::Cancelled {
                    reason: crate::api::error::CancelReason::ByUser
                }
            ) {
                // The user stopped waiting for the rate limit: try again
                // once it has passed, not at once into the same wait.
                wait = wait.max(self.client.held_back().unwrap_or_default());
            }
            let at = now_ms() + wait.as_millis() as i64;
            self.cache.retry_later(entry.seq, at, &e.to_string())?;
            Ok(Settled::Later(entry, e))
        } else {
            self.cache.needs_attention(entry.seq, &e.to_string())?;
            Ok(Settled::Refused(entry, e))
        }
    }

    /// Keeps the cache in step with a confirmed edit.
    fn note_in_cache(&mut self, entry: &Entry, response: &ApiResponse) {
        let r = match (&entry.op, response) {
            (ApiOp::DeleteContact { id }, _) => self.cache.delete_contact(id),
            (_, ApiResponse::Contact(c)) => {
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
}

struct Worker {
    sender: SendLoop,
    path: std::path::PathBuf,
    lock: Option<SenderLock>,
    events: mpsc::UnboundedSender<OutboxEvent>,
    requests: HashMap<i64, RequestId>,
    /// Answers to edits this process may have queued but not yet named
    /// (their `Submitted` still on its way: the worker can pick an edit
    /// up from disk first). Claimed when it comes; after `UNCLAIMED` they
    /// are taken for another run's, and said as settled.
    unclaimed: HashMap<
        i64,
        (
            tokio::time::Instant,
            Entry,
            std::result::Result<ApiResponse, ApiError>,
        ),
    >,
    last_status: Option<(Counts, Vec<String>)>,
    last_error: Option<String>,
}

/// How long an answer waits for its edit to be named by this process.
const UNCLAIMED: Duration = Duration::from_secs(2);

impl Worker {
    async fn run(mut self, mut rx: mpsc::UnboundedReceiver<Msg>) {
        loop {
            if self.lock.is_none() {
                self.lock = SenderLock::try_take(&self.path);
                self.last_error = match self.lock {
                    None => Some(ELSEWHERE.into()),
                    Some(_) if self.last_error.as_deref() == Some(ELSEWHERE) => None,
                    Some(_) => self.last_error.take(),
                };
                if self.lock.is_some()
                    && let Err(e) = self.sender.took_over()
                {
                    let _ = self.events.send(OutboxEvent::Failed(e.to_string()));
                }
            }
            // Name every edit queued so far before any is picked up.
            self.read_messages(&mut rx);
            self.unclaimed_expire();
            if self.lock.is_some()
                && let Err(e) = self.sender.start_ready()
            {
                let _ = self.events.send(OutboxEvent::Failed(e.to_string()));
            }
            // A discard just made is said as one, not as sent elsewhere.
            self.read_messages(&mut rx);
            self.settled_elsewhere();
            self.report();
            let wake = self.sender.cache.next_due(&self.sender.busy).ok().flatten();
            let ms = wake.map_or(RESCAN.as_millis() as i64, |at| {
                (at - now_ms()).clamp(0, RESCAN.as_millis() as i64)
            });
            let sleep = tokio::time::sleep(Duration::from_millis(ms as u64 + 1));
            let idle = self.sender.inflight.is_empty();
            tokio::select! {
                msg = rx.recv() => match msg {
                    None => break,
                    Some(msg) => self.message(msg),
                },
                Some(done) = self.sender.next(), if !idle => self.finish(done),
                _ = sleep => {}
            }
        }
        // The handle is gone: let what runs finish, so that its answer is
        // recorded rather than sent again next time.
        while let Some(done) = self.sender.next().await {
            self.finish(done);
        }
    }

    fn read_messages(&mut self, rx: &mut mpsc::UnboundedReceiver<Msg>) {
        while let Ok(msg) = rx.try_recv() {
            self.message(msg);
        }
    }

    fn message(&mut self, msg: Msg) {
        match msg {
            Msg::Submitted { seq, id } => self.submitted(seq, id),
            Msg::Discarded(seqs) => {
                for seq in seqs {
                    self.unclaimed.remove(&seq);
                    if let Some(id) = self.requests.remove(&seq) {
                        let _ = self.events.send(OutboxEvent::Discarded(id));
                    }
                }
            }
            Msg::Kick => {}
        }
    }

    /// An edit this process queued, named: its answer, if it came first,
    /// goes out now.
    fn submitted(&mut self, seq: i64, id: RequestId) {
        match self.unclaimed.remove(&seq) {
            Some((_, _, result)) => {
                let _ = self.events.send(OutboxEvent::Answer(Box::new(ApiEvent {
                    id,
                    result,
                    budget: self.sender.client.budget(),
                    pending: 0,
                })));
            }
            None => {
                self.requests.insert(seq, id);
            }
        }
    }

    /// Answers nobody here claimed in time: another run's edits.
    fn unclaimed_expire(&mut self) {
        let now = tokio::time::Instant::now();
        let old: Vec<i64> = self
            .unclaimed
            .iter()
            .filter(|(_, (at, _, _))| now.duration_since(*at) >= UNCLAIMED)
            .map(|(seq, _)| *seq)
            .collect();
        for seq in old {
            if let Some((_, entry, result)) = self.unclaimed.remove(&seq) {
                let _ = self.events.send(OutboxEvent::Settled {
                    seq: entry.seq,
                    contact_id: entry.contact_id().map(str::to_string),
                    ok: result.is_ok(),
                    message: result.err().map(|e| e.to_string()),
                });
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
            .filter(|seq| !self.sender.sending.contains(seq))
            .filter(|seq| matches!(self.sender.cache.outbox_entry(*seq), Ok(None)))
            .collect();
        for seq in gone {
            if let Some(id) = self.requests.remove(&seq) {
                let _ = self.events.send(OutboxEvent::SentElsewhere(id));
            }
        }
    }

    fn finish(&mut self, done: Done) {
        let (entry, result) = match self.sender.finish(done) {
            Err(e) => {
                let _ = self.events.send(OutboxEvent::Failed(e.to_string()));
                return;
            }
            Ok(None) => return,
            Ok(Some(Settled::Later(_, e))) => {
                self.last_error = Some(e.to_string());
                return;
            }
            Ok(Some(Settled::Confirmed(entry, r))) => {
                self.last_error = None;
                (entry, Ok(r))
            }
            Ok(Some(Settled::Refused(entry, e))) => (entry, Err(e)),
        };
        let event = match self.requests.remove(&entry.seq) {
            Some(id) => OutboxEvent::Answer(Box::new(ApiEvent {
                id,
                result,
                budget: self.sender.client.budget(),
                pending: 0,
            })),
            None => {
                self.unclaimed
                    .insert(entry.seq, (tokio::time::Instant::now(), entry, result));
                return;
            }
        };
        let _ = self.events.send(event);
    }

    fn report(&mut self) {
        let cache = &self.sender.cache;
        let counts = cache.outbox_counts().unwrap_or_default();
        let mut waiting: Vec<String> = cache
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
pub(super) fn heals(e: &ApiError) -> bool {
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
    pub(super) fn after(&self, attempts: u32, e: &ApiError) -> Duration {
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

/// What a message that may have been sent waits with, for the user.
pub const MAY_HAVE_BEEN_SENT: &str = "may have been sent: an attempt got no answer, and the conversation does not show the message; rolo will not send it again by itself. Check the thread, then send it again (after one more look) or discard it if it arrived";

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
    if let ApiOp::UpdateDeal {
        id,
        update,
        base: Some(base),
        ..
    } = &entry.op
    {
        let now = client.opportunity(id).await?;
        if deal_conflict(&now, update, base, &HashMap::new()).is_some() {
            // Stages and pipelines by name, as the user knows them (by id
            // when the pipelines cannot be read).
            let names: HashMap<String, String> = client
                .pipelines()
                .await
                .unwrap_or_default()
                .into_iter()
                .flat_map(|p| {
                    let stages: Vec<(String, String)> = p
                        .stages
                        .iter()
                        .map(|st| (st.id.clone(), st.name.clone()))
                        .collect();
                    std::iter::once((p.id, p.name)).chain(stages)
                })
                .collect();
            if let Some(conflict) = deal_conflict(&now, update, base, &names) {
                return Err(ApiError::Conflict(conflict));
            }
        }
    }
    if entry.attempts > 0
        && entry.before_ids.is_none()
        && matches!(
            entry.op,
            ApiOp::CreateTask { .. }
                | ApiOp::CreateNote { .. }
                | ApiOp::Book { .. }
                | ApiOp::CreateDeal { .. }
                | ApiOp::SendMessage { .. }
        )
    {
        // Tried by a rolo that kept no record of what existed before: an
        // identical older item cannot be told from this one's result.
        return Err(ApiError::Conflict(
            "this create was tried before rolo kept a record of what already existed, so whether it reached HighLevel cannot be told: check the contact, then send it (r) or discard it (d)".into(),
        ));
    }
    if entry.attempts > 0
        // A message's look came before this attempt (see `SendLoop`).
        && !matches!(entry.op, ApiOp::SendMessage { .. })
        && let Some(found) = already_created(client, entry).await?
    {
        // Only what did not exist before the first attempt can be its
        // result (see `before_ids`).
        tracing::info!(seq = entry.seq, "found the result of an earlier attempt");
        return Ok(found);
    }
    match entry.op.clone().run(client).await {
        Err(ApiError::NotFound { .. })
            if matches!(
                entry.op,
                ApiOp::DeleteContact { .. }
                    | ApiOp::DeleteTask { .. }
                    | ApiOp::DeleteNote { .. }
                    | ApiOp::DeleteDeal { .. }
            ) =>
        {
            Ok(ApiResponse::Deleted)
        }
        r => r,
    }
}

/// A deal's fields that the server changed since the user saw them (and
/// that the edit would set otherwise): said with both values.
pub fn deal_conflict(
    server: &crate::api::opportunities::Opportunity,
    update: &crate::api::opportunities::OpportunityUpdate,
    base: &crate::api::opportunities::OpportunityUpdate,
    names: &HashMap<String, String>,
) -> Option<String> {
    let text = |v: Option<&str>| v.unwrap_or("(none)").to_string();
    let named = |v: Option<String>| v.map(|id| names.get(&id).cloned().unwrap_or(id));
    let money = |v: Option<f64>| v.map_or("(none)".to_string(), |n| n.to_string());
    let mut out = Vec::new();
    let mut check = |field: &str, saw: Option<String>, now: String, want: Option<String>| {
        if let (Some(saw), Some(want)) = (saw, want)
            && saw != now
            && want != now
        {
            out.push(format!(
                "{field}: HighLevel now has {}, you saw {} and set {}",
                crate::text::snippet(&now, 40),
                crate::text::snippet(&saw, 40),
                crate::text::snippet(&want, 40)
            ));
        }
    };
    check(
        "stage",
        named(base.pipeline_stage_id.clone()),
        text(named(server.pipeline_stage_id.clone()).as_deref()),
        named(update.pipeline_stage_id.clone()),
    );
    check(
        "pipeline",
        named(base.pipeline_id.clone()),
        text(named(server.pipeline_id.clone()).as_deref()),
        named(update.pipeline_id.clone()),
    );
    check(
        "name",
        base.name.clone(),
        text(server.name.as_deref()),
        update.name.clone(),
    );
    check(
        "value",
        base.monetary_value.map(|v| money(Some(v))),
        money(server.monetary_value),
        update.monetary_value.map(|v| money(Some(v))),
    );
    check(
        "owner",
        base.assigned_to.clone(),
        text(server.assigned_to.as_deref()),
        update.assigned_to.clone(),
    );
    (!out.is_empty()).then(|| format!("the deal changed in HighLevel since: {}", out.join("; ")))
}

/// The fields the server changed since the user read them, and the user
/// changed too: both values, for the user to choose.
pub fn conflict(server: &Contact, update: &ContactUpdate, base: &ContactUpdate) -> Option<String> {
    let now = serde_json::to_value(server).unwrap_or_default();
    let base_json = base.to_json();
    let mine = update.to_json();
    let text = |v: Option<&serde_json::Value>| -> String {
        match v {
            None | Some(serde_json::Value::Null) => String::new(),
            Some(serde_json::Value::String(s)) => s.clone(),
            Some(other) => other.to_string(),
        }
    };
    let mut clashes = Vec::new();
    // Custom fields one by one: the server lists all of them as
    // `{id, value}`, the update only its own as `{id, field_value}`.
    let theirs_of = |id: &str| {
        server
            .custom_fields
            .iter()
            .flatten()
            .find(|v| v.id == id)
            .and_then(|v| v.value.clone())
            .unwrap_or(serde_json::Value::Null)
    };
    for (id, was) in base.custom_values() {
        let yours = update
            .custom_values()
            .into_iter()
            .find(|(i, _)| *i == id)
            .map(|(_, v)| custom_text(v))
            .unwrap_or_default();
        let (was, theirs) = (custom_text(was), custom_text(&theirs_of(id)));
        if theirs != was && theirs != yours {
            clashes.push(format!(
                "custom field {id} is now \"{theirs}\" in HighLevel (it was \"{was}\"); yours: \"{yours}\""
            ));
        }
    }
    for (field, was) in base_json.as_object()?.iter() {
        if field == "customFields" {
            continue;
        }
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

/// Whether a create still has to look at what exists before its first
/// attempt.
fn needs_before(entry: &Entry) -> bool {
    entry.attempts == 0
        && entry.before_ids.is_none()
        && matches!(
            entry.op,
            ApiOp::CreateTask { .. }
                | ApiOp::CreateNote { .. }
                | ApiOp::CreateContact(_)
                | ApiOp::Book { .. }
                | ApiOp::CreateDeal { .. }
                | ApiOp::SendMessage { .. }
        )
}

/// The items a create would take for its own result if they turned up
/// after an attempt whose answer was lost: recorded before the first one.
async fn before_ids(client: &Client, entry: &Entry) -> std::result::Result<Vec<String>, ApiError> {
    Ok(matching(client, entry, None)
        .await?
        .into_iter()
        .filter_map(|r| created_id(&r).map(str::to_string))
        .collect())
}

/// What an earlier attempt of a create made, if the server has it: a
/// matching item that was not there before the first attempt.
async fn already_created(
    client: &Client,
    entry: &Entry,
) -> std::result::Result<Option<ApiResponse>, ApiError> {
    let before = entry.before_ids.clone();
    Ok(matching(client, entry, before.as_deref())
        .await?
        .into_iter()
        .find(|r| {
            let id = created_id(r).unwrap_or("");
            before.as_ref().is_none_or(|b| !b.iter().any(|x| x == id))
        }))
}

/// The server's items that match what a create would make. Without a
/// record of what existed before (an entry queued by an older rolo), a
/// contact must also have been added since the edit was queued.
async fn matching(
    client: &Client,
    entry: &Entry,
    before: Option<&[String]>,
) -> std::result::Result<Vec<ApiResponse>, ApiError> {
    Ok(match &entry.op {
        ApiOp::CreateTask { contact_id, task } => client
            .tasks(contact_id)
            .await?
            .into_iter()
            .filter(|t| {
                t.title.as_deref() == Some(task.title.as_str())
                    && same_instant(t.due_date.as_deref(), Some(task.due_date.as_str()))
                    && t.body.as_deref().unwrap_or("") == task.body.as_deref().unwrap_or("")
            })
            .map(ApiResponse::Task)
            .collect(),
        // A booking's result: the contact's live appointment on that
        // calendar at that instant.
        ApiOp::Book {
            contact_id,
            appointment,
        } => client
            .appointments(contact_id)
            .await?
            .into_iter()
            .filter(|a| {
                a.calendar_id.as_deref() == Some(appointment.calendar_id.as_str())
                    && same_instant(
                        a.start_time.as_deref(),
                        Some(appointment.start_time.as_str()),
                    )
                    && !matches!(
                        a.appointment_status.as_deref(),
                        Some("cancelled" | "invalid")
                    )
            })
            .map(|a| ApiResponse::Appointment(Box::new(a)))
            .collect(),
        // A new deal's result: the contact's deal of that name in that
        // pipeline.
        ApiOp::CreateDeal { contact_id, deal } => client
            .contact_opportunities(contact_id)
            .await?
            .into_iter()
            .filter(|o| {
                o.pipeline_id.as_deref() == Some(deal.pipeline_id.as_str())
                    && o.name.as_deref().map(str::trim) == Some(deal.name.trim())
            })
            .map(|o| ApiResponse::Deal(Box::new(o)))
            .collect(),
        // A message's result: an outbound message of its channel with its
        // words, in the contact's threads, dated after it was queued.
        ApiOp::SendMessage {
            contact_id,
            message,
        } => client
            .contact_threads(contact_id, &[], 50, false)
            .await?
            .messages
            .into_iter()
            .filter(|m| {
                message.is(m)
                    && m.at()
                        .is_none_or(|t| t.timestamp_millis() >= entry.created_at - 5 * 60_000)
            })
            .map(|m| {
                ApiResponse::Sent(crate::api::conversations::Sent {
                    conversation_id: m.conversation_id.unwrap_or_default(),
                    message_id: m.id,
                    status: m.status,
                })
            })
            .collect(),
        ApiOp::CreateNote { contact_id, note } => client
            .notes(contact_id)
            .await?
            .into_iter()
            .filter(|n| n.body.as_deref().map(str::trim) == Some(note.body.trim()))
            .map(ApiResponse::Note)
            .collect(),
        ApiOp::CreateContact(new) => {
            let mut found = Vec::new();
            if new.email.is_some() || new.phone.is_some() {
                found.extend(
                    client
                        .find_duplicate(new.email.as_deref(), new.phone.as_deref())
                        .await?,
                );
            }
            let name = [new.first_name.as_deref(), new.last_name.as_deref()]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" ");
            if !name.is_empty() {
                let page = client
                    .search_contacts(&SearchContacts {
                        query: Some(name),
                        page_limit: 20,
                        ..SearchContacts::default()
                    })
                    .await?;
                found.extend(page.contacts.into_iter().filter(|c| {
                    c.first_name == new.first_name
                        && c.last_name == new.last_name
                        && c.email == new.email
                        && c.phone == new.phone
                        && (before.is_some()
                            || c.date_added
                                .as_deref()
                                .and_then(parse_ms)
                                .is_some_and(|t| t >= entry.created_at - 5 * 60_000))
                }));
            }
            found.into_iter().map(ApiResponse::Contact).collect()
        }
        _ => Vec::new(),
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
    mut progress: impl FnMut(&Settled),
) -> Result<Counts> {
    let cache = Cache::open(path)?;
    // A sender that just died lets go within moments; a live one (a
    // workspace window) sends these edits itself: say so, never wait on it.
    let give_up = tokio::time::Instant::now() + Duration::from_secs(5);
    let _lock = loop {
        match SenderLock::try_take(path) {
            Some(l) => break l,
            None if !wait => return cache.outbox_counts(),
            None if cache.outbox_counts()?.pending == 0 => return cache.outbox_counts(),
            None if tokio::time::Instant::now() >= give_up => {
                return Err(CacheError::Busy(format!(
                    "{ELSEWHERE} (a workspace window, say): they go out from there; `rolo outbox` shows what is left"
                )));
            }
            None => tokio::time::sleep(Duration::from_millis(200)).await,
        }
    };
    if wait {
        cache.wake_all()?;
    }
    let mut sender = SendLoop::new(client.clone(), cache, Backoff::default());
    sender.took_over()?;
    loop {
        sender.start_ready()?;
        if sender.inflight.is_empty() {
            match sender.cache.next_due(&sender.busy)? {
                None => return sender.cache.outbox_counts(),
                Some(at) if !wait && at > now_ms() => return sender.cache.outbox_counts(),
                Some(at) => {
                    let ms = (at - now_ms()).clamp(0, MAX_BACKOFF.as_millis() as i64);
                    tokio::time::sleep(Duration::from_millis(ms as u64 + 1)).await;
                    continue;
                }
            }
        }
        if let Some(done) = sender.next().await
            && let Some(settled) = sender.finish(done)?
        {
            progress(&settled);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn with_values(values: &[(&str, serde_json::Value)]) -> Contact {
        Contact {
            id: "c1".into(),
            custom_fields: Some(
                values
                    .iter()
                    .map(|(id, v)| CustomFieldValue {
                        id: id.to_string(),
                        value: Some(v.clone()),
                        ..CustomFieldValue::default()
                    })
                    .collect(),
            ),
            ..Contact::default()
        }
    }

    /// Custom fields clash one by one: a field the server changed since
    /// it was read, and the user changed too, is a conflict; other fields
    /// the server lists are not, nor a list it writes as text.
    #[test]
    fn custom_fields_conflict_field_by_field() {
        let read = with_values(&[
            ("budget", json!("6000")),
            ("interests", json!("solar, roofing")),
        ]);
        let mut mine = read.clone();
        mine.custom_fields.as_mut().unwrap()[0].value = Some(json!("7000"));
        mine.custom_fields.as_mut().unwrap()[1].value = Some(json!(["solar"]));
        let update = ContactUpdate::diff(&read, &mine);
        let base = ContactUpdate::diff(&mine, &read);
        // The server as read, plus a field nobody edited: no clash.
        let mut server = read.clone();
        server
            .custom_fields
            .as_mut()
            .unwrap()
            .push(CustomFieldValue {
                id: "seats".into(),
                value: Some(json!("12")),
                ..CustomFieldValue::default()
            });
        assert_eq!(conflict(&server, &update, &base), None);
        // Someone else set the budget meanwhile: a clash naming it.
        server.custom_fields.as_mut().unwrap()[0].value = Some(json!("6500"));
        let c = conflict(&server, &update, &base).unwrap();
        assert!(
            c.contains("budget") && c.contains("6500") && c.contains("7000"),
            "{c}"
        );
        assert!(!c.contains("interests"), "{c}");
        // They set it to what the user typed: no clash.
        server.custom_fields.as_mut().unwrap()[0].value = Some(json!("7000"));
        assert_eq!(conflict(&server, &update, &base), None);
    }
}
