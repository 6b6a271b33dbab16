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

use std::collections::HashSet;
use std::path::Path;
use std::time::Duration;

use rusqlite::params;
use serde::{Deserialize, Serialize};

use super::{Cache, CacheError, Result};

mod send;
use crate::api::actor::{ApiOp, ApiResponse};
pub use send::*;

/// One sender per outbox, across processes: two rolo windows on the same
/// location must not both send an edit. The OS drops the lock when its
/// holder dies, even by SIGKILL.
pub struct SenderLock(#[allow(dead_code)] std::fs::File);

impl SenderLock {
    /// The lock of the outbox in `db`, if no other process holds it.
    pub fn try_take(db: &Path) -> Option<SenderLock> {
        let path = db.with_extension("sender.lock");
        let mut o = std::fs::OpenOptions::new();
        o.create(true).truncate(false).write(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut o, 0o600);
        let file = o.open(path).ok()?;
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
    /// Grows with each change to the request: an answer to an older
    /// request never removes a newer one.
    #[serde(default)]
    pub version: i64,
    /// An attempt is in flight (it may reach the server at any moment).
    #[serde(default)]
    pub sending: bool,
    /// For a create: the stand-in id the app shows until it is confirmed;
    /// later edits that name it are rewritten with the real id.
    #[serde(default)]
    pub local_id: Option<String>,
    /// For a create: the ids of matching items that existed before its
    /// first attempt, which a retry must not take for its own result.
    #[serde(default)]
    pub before_ids: Option<Vec<String>>,
    /// The last attempt may have reached the server without an answer
    /// saying what became of it (see [`Cache::answered`]).
    #[serde(default)]
    pub unsure: bool,
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
        | ApiOp::RemoveTags { contact_id, .. }
        | ApiOp::AddFollowers { contact_id, .. }
        | ApiOp::RemoveFollowers { contact_id, .. }
        | ApiOp::UpdateDeal { contact_id, .. }
        | ApiOp::SetDealStatus { contact_id, .. }
        | ApiOp::DeleteDeal { contact_id, .. }
        | ApiOp::Book { contact_id, .. }
        | ApiOp::CreateDeal { contact_id, .. }
        | ApiOp::Workflow { contact_id, .. }
        | ApiOp::LeaveCampaign { contact_id, .. }
        | ApiOp::SetAppointmentStatus { contact_id, .. }
        | ApiOp::SendMessage { contact_id, .. }
        | ApiOp::MarkRead { contact_id, .. } => Some(contact_id),
        _ => None,
    }
}

/// The per-contact edits a bulk piece's answer refused, each with the
/// server's message.
pub fn refusals(op: &ApiOp, response: Option<&ApiResponse>) -> Vec<(ApiOp, String)> {
    let (ApiOp::BulkTags { add, tags, .. }, Some(ApiResponse::BulkTags(b))) = (op, response) else {
        return Vec::new();
    };
    b.refused
        .iter()
        .map(|(id, why)| {
            let (contact_id, tags) = (id.clone(), tags.clone());
            let op = if *add {
                ApiOp::AddTags { contact_id, tags }
            } else {
                ApiOp::RemoveTags { contact_id, tags }
            };
            (op, why.clone())
        })
        .collect()
}

/// Every contact an edit touches: a bulk piece's, or the one of
/// `contact_of`.
pub fn contacts_touched(op: &ApiOp) -> Vec<&str> {
    match op {
        ApiOp::BulkTags { contacts, .. } => contacts.iter().map(String::as_str).collect(),
        _ => contact_of(op).into_iter().collect(),
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

impl Counts {
    pub fn total(&self) -> usize {
        self.pending + self.attention
    }
}

/// Outbox note: edits may have been lost (a damaged outbox file).
pub const LOST_NOTE: &str = "lost";

/// Why an entry cannot be changed now.
pub const IN_FLIGHT: &str =
    "that edit is being sent right now; wait for HighLevel's answer, then try again";

/// The stand-in ids (`"pending-…"`, quoted) that a request's JSON names.
fn local_ids_in(json: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = json;
    while let Some(i) = rest.find("\"pending-") {
        let after = &rest[i + 1..];
        let Some(end) = after.find('"') else { break };
        out.push(&after[..end]);
        rest = &after[end..];
    }
    out
}

/// The real id in a create's answer.
fn created_id(r: &ApiResponse) -> Option<&str> {
    match r {
        ApiResponse::Contact(c) => Some(&c.id),
        ApiResponse::Task(t) => Some(&t.id),
        ApiResponse::Note(n) => Some(&n.id),
        ApiResponse::Appointment(a) => Some(&a.id),
        ApiResponse::Deal(d) => Some(&d.id),
        ApiResponse::Sent(m) => Some(&m.message_id),
        _ => None,
    }
}

impl Cache {
    /// Commits an edit to the outbox; returns its sequence number.
    pub fn enqueue(&mut self, op: &ApiOp) -> Result<i64> {
        self.enqueue_as(op, None)
    }

    /// Commits an edit; for a create, `local_id` is the stand-in id the
    /// app shows for its result. Stand-in ids of creates already confirmed
    /// are replaced by the real ones here.
    pub fn enqueue_as(&mut self, op: &ApiOp, local_id: Option<&str>) -> Result<i64> {
        Ok(self.enqueue_all(&[(op, local_id)])?[0])
    }

    /// Commits several edits in one transaction (a bulk action's pieces):
    /// all of them are queued, or none.
    pub fn enqueue_many(&mut self, ops: &[ApiOp]) -> Result<Vec<i64>> {
        let all: Vec<(&ApiOp, Option<&str>)> = ops.iter().map(|o| (o, None)).collect();
        self.enqueue_all(&all)
    }

    pub(crate) fn enqueue_all(&mut self, ops: &[(&ApiOp, Option<&str>)]) -> Result<Vec<i64>> {
        if let Some((op, _)) = ops.iter().find(|(op, _)| !op.is_write()) {
            return Err(CacheError::Sqlite {
                path: self.path.clone(),
                detail: format!("only edits go to the outbox, not {}", op.name()),
            });
        }
        let path = self.path.clone();
        let err = |e| super::classify(&path, e);
        let tx = self.write()?;
        let mut seqs = Vec::with_capacity(ops.len());
        for (op, local_id) in ops {
            let mut text = serde_json::to_string(op).unwrap_or_default();
            for local in local_ids_in(&text.clone()) {
                let real: Option<String> = tx
                    .query_row(
                        "SELECT real_id FROM ob.local_ids WHERE local_id = ?1",
                        [local],
                        |r| r.get(0),
                    )
                    .ok();
                if let Some(real) = real {
                    text = text.replace(&format!("\"{local}\""), &format!("\"{real}\""));
                }
            }
            let op: ApiOp = serde_json::from_str(&text).map_err(|e| CacheError::Sqlite {
                path: path.clone(),
                detail: format!("an edit cannot be stored: {e}"),
            })?;
            tx.execute(
                "INSERT INTO ob.outbox (key, op, description, created_at, local_id)
                 VALUES ('', ?1, ?2, ?3, ?4)",
                params![text, op.describe(), now_ms(), local_id],
            )
            .map_err(err)?;
            let seq = tx.last_insert_rowid();
            // A new contact's own edits (its tasks, notes, tags) name it by
            // its stand-in id, so they share its key and wait for it. A bulk
            // piece is its own: one refused never holds back the others.
            let key = match (contact_of(&op), local_id) {
                (Some(c), _) => c.to_string(),
                (None, Some(local)) => local.to_string(),
                (None, None) => format!("new-{seq}"),
            };
            tx.execute(
                "UPDATE ob.outbox SET key = ?1 WHERE seq = ?2",
                params![key, seq],
            )
            .map_err(err)?;
            seqs.push(seq);
        }
        tx.commit().map_err(err)?;
        Ok(seqs)
    }

    /// Every queued edit, oldest first.
    pub fn outbox(&self) -> Result<Vec<Entry>> {
        self.entries("SELECT * FROM ob.outbox ORDER BY seq", [])
    }

    pub fn outbox_entry(&self, seq: i64) -> Result<Option<Entry>> {
        Ok(self
            .entries("SELECT * FROM ob.outbox WHERE seq = ?1", [seq])?
            .into_iter()
            .next())
    }

    pub fn outbox_counts(&self) -> Result<Counts> {
        let mut counts = Counts::default();
        let mut stmt = self
            .conn()
            .prepare_cached("SELECT state, count(*) FROM ob.outbox GROUP BY state")
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

    /// The contacts with edits still queued, for the list's pending marks
    /// (a bulk piece's contacts included).
    pub fn pending_contacts(&self) -> Result<HashSet<String>> {
        let mut stmt = self
            .conn()
            .prepare_cached(
                "SELECT DISTINCT key, CASE WHEN key LIKE 'new-%' THEN op END FROM ob.outbox",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, Option<String>>(1)?))
            })
            .map_err(|e| self.err(e))?;
        let mut out = HashSet::new();
        for row in rows {
            let (key, op) = row.map_err(|e| self.err(e))?;
            match op.as_deref().map(serde_json::from_str::<ApiOp>) {
                Some(Ok(op)) => out.extend(contacts_touched(&op).into_iter().map(String::from)),
                _ => {
                    out.insert(key);
                }
            }
        }
        Ok(out)
    }

    /// The edits that may go now: those `heads` lets go that are due,
    /// oldest first.
    pub fn ready(&self, now: i64, busy: &HashSet<String>, limit: usize) -> Result<Vec<Entry>> {
        let mut out = Vec::new();
        for (seq, next_at) in self.heads(busy)? {
            if out.len() == limit {
                break;
            }
            if next_at <= now
                && let Some(e) = self.outbox_entry(seq)?
            {
                out.push(e);
            }
        }
        Ok(out)
    }

    /// When the next waiting edit comes due, if one waits.
    pub fn next_due(&self, busy: &HashSet<String>) -> Result<Option<i64>> {
        Ok(self.heads(busy)?.into_iter().map(|(_, at)| at).min())
    }

    /// The pending edits nothing older holds back, as (seq, due time): an
    /// edit waits for every older one of its key, and for every older one
    /// touching any contact it touches, whatever the key (but for one
    /// contact's edit that needs the user: that holds back its key only). So a bulk piece
    /// over 100 contacts waits for their own earlier edits, and an edit to
    /// one of them made after the bulk action waits for the piece. Keys
    /// being sent (`busy`) are left out.
    fn heads(&self, busy: &HashSet<String>) -> Result<Vec<(i64, i64)>> {
        let mut stmt = self
            .conn()
            .prepare_cached(
                "SELECT seq, key, state, sending, next_at,
                        CASE WHEN key LIKE 'new-%' THEN op END AS op
                 FROM ob.outbox ORDER BY seq",
            )
            .map_err(|e| self.err(e))?;
        type Row = (i64, String, String, i64, i64, Option<String>);
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                ))
            })
            .map_err(|e| self.err(e))?
            .collect::<rusqlite::Result<Vec<Row>>>()
            .map_err(|e| self.err(e))?;
        let mut keys: HashSet<String> = HashSet::new();
        let mut touched: HashSet<String> = HashSet::new();
        let mut out = Vec::new();
        for (seq, key, state, sending, next_at, op) in rows {
            let contacts: Vec<String> = match op.as_deref().map(serde_json::from_str::<ApiOp>) {
                Some(Ok(op)) => contacts_touched(&op)
                    .into_iter()
                    .map(String::from)
                    .collect(),
                _ => vec![key.clone()],
            };
            let free = !keys.contains(&key) && contacts.iter().all(|c| !touched.contains(c));
            if free && state == "pending" && sending == 0 && !busy.contains(&key) {
                out.push((seq, next_at));
            }
            // One contact's edit needing the user holds back the later
            // edits of its own key only, never a bulk piece over that
            // contact and 99 others: it waits for a decision that may not
            // come. A bulk piece (of any size) or a create needing the user
            // holds back every edit of its contacts.
            let one_contacts_edit = !key.starts_with("new-") && !key.starts_with("pending-");
            if state == "pending" || !one_contacts_edit {
                touched.extend(contacts);
            }
            keys.insert(key);
        }
        Ok(out)
    }

    /// Records that an attempt of this version of the entry starts: from
    /// now on it may reach the server. False when the entry changed or
    /// went meanwhile (it is then not sent).
    pub fn mark_attempt(&self, entry: &Entry) -> Result<bool> {
        self.conn()
            .execute(
                "UPDATE ob.outbox SET attempts = attempts + 1, sending = 1, unsure = 1
                 WHERE seq = ?1 AND version = ?2 AND state = 'pending' AND sending = 0",
                params![entry.seq, entry.version],
            )
            .map(|n| n == 1)
            .map_err(|e| self.err(e))
    }

    /// An answer came that says the attempt was not made (a refusal, a
    /// rate limit, a connection that never opened): not unsure any more.
    pub fn answered(&self, seq: i64) -> Result<()> {
        self.run("UPDATE ob.outbox SET unsure = 0 WHERE seq = ?1", [seq])
    }

    /// The messages this outbox sent (see `ob.claimed`).
    pub fn claimed_messages(&self) -> Result<Vec<String>> {
        let mut stmt = self
            .conn()
            .prepare_cached("SELECT id FROM ob.claimed")
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([], |r| r.get::<_, String>(0))
            .map_err(|e| self.err(e))?;
        rows.collect::<rusqlite::Result<Vec<_>>>()
            .map_err(|e| self.err(e))
    }

    /// Nothing is in flight: for the sender, at start (a sender that died
    /// mid-attempt left its marks).
    pub fn clear_sending(&self) -> Result<()> {
        self.run("UPDATE ob.outbox SET sending = 0 WHERE sending = 1", [])
    }

    /// The matching items that existed before a create's first attempt.
    pub fn set_before(&self, seq: i64, ids: &[String]) -> Result<()> {
        self.run(
            "UPDATE ob.outbox SET before_ids = ?2 WHERE seq = ?1",
            params![seq, serde_json::to_string(ids).unwrap_or_default()],
        )
    }

    /// The server confirmed it: the edit leaves the outbox. A create's
    /// stand-in id is replaced by the real one in the edits after it.
    pub fn confirm(&mut self, entry: &Entry, response: Option<&ApiResponse>) -> Result<()> {
        let path = self.path.clone();
        let err = |e| super::classify(&path, e);
        let tx = self.write()?;
        tx.execute(
            "DELETE FROM ob.outbox WHERE seq = ?1 AND version = ?2",
            params![entry.seq, entry.version],
        )
        .map_err(err)?;
        // A bulk piece's refused contacts stay, one edit each, needing the
        // user, with the server's word for why; the rest of it is done.
        for (op, why) in refusals(&entry.op, response) {
            let text = serde_json::to_string(&op).unwrap_or_default();
            let key = contact_of(&op).unwrap_or_default().to_string();
            tx.execute(
                "INSERT INTO ob.outbox (key, op, description, created_at, state, error)
                 VALUES (?1, ?2, ?3, ?4, 'attention', ?5)",
                params![key, text, op.describe(), now_ms(), why],
            )
            .map_err(err)?;
        }
        if let Some(ApiResponse::Sent(m)) = response
            && !m.message_id.is_empty()
        {
            // Kept a month: a look never goes further back than that.
            tx.execute(
                "DELETE FROM ob.claimed WHERE at < ?1",
                [now_ms() - 30 * 86_400_000],
            )
            .map_err(err)?;
            tx.execute(
                "INSERT OR IGNORE INTO ob.claimed (id, at) VALUES (?1, ?2)",
                params![m.message_id, now_ms()],
            )
            .map_err(err)?;
        }
        if let (Some(local), Some(real)) = (&entry.local_id, response.and_then(created_id)) {
            tx.execute(
                "INSERT OR REPLACE INTO ob.local_ids (local_id, real_id) VALUES (?1, ?2)",
                params![local, real],
            )
            .map_err(err)?;
            let (quoted, real_quoted) = (format!("\"{local}\""), format!("\"{real}\""));
            tx.execute(
                "UPDATE ob.outbox
                 SET op = replace(op, ?1, ?2),
                     key = CASE WHEN key = ?3 THEN ?4 ELSE key END,
                     version = version + 1
                 WHERE instr(op, ?1) > 0 OR key = ?3",
                params![quoted, real_quoted, local, real],
            )
            .map_err(err)?;
        }
        tx.commit().map_err(err)
    }

    pub fn retry_later(&self, seq: i64, at: i64, error: &str) -> Result<()> {
        self.run(
            "UPDATE ob.outbox SET next_at = ?2, error = ?3, sending = 0 WHERE seq = ?1",
            params![seq, at, error],
        )
    }

    pub fn needs_attention(&self, seq: i64, error: &str) -> Result<()> {
        self.run(
            "UPDATE ob.outbox SET state = 'attention', error = ?2, sending = 0 WHERE seq = ?1",
            params![seq, error],
        )
    }

    fn refuse_in_flight(&self, seq: i64) -> Result<()> {
        match self.outbox_entry(seq)? {
            Some(e) if e.sending => Err(CacheError::Busy(IN_FLIGHT.into())),
            _ => Ok(()),
        }
    }

    /// Sends an edit that needed attention again, changed or not. Sent
    /// again, a contact or deal update overwrites: the user has seen the conflict.
    /// Refused while an attempt is in flight: its answer could otherwise
    /// remove the changed edit with it.
    pub fn retry(&self, seq: i64, op: Option<&ApiOp>) -> Result<()> {
        self.refuse_in_flight(seq)?;
        let conn = self.conn();
        let stored = match op {
            Some(_) => None,
            None => self.outbox_entry(seq)?.map(|e| e.op),
        };
        let op = op.or(stored.as_ref());
        if let Some(op) = op {
            let mut op = op.clone();
            match &mut op {
                ApiOp::UpdateContact { base, .. } => *base = None,
                ApiOp::UpdateDeal { base, .. } => *base = None,
                _ => {}
            }
            let op = &op;
            let n = conn
                .execute(
                    "UPDATE ob.outbox SET op = ?2, description = ?3, version = version + 1
                     WHERE seq = ?1 AND sending = 0",
                    params![
                        seq,
                        serde_json::to_string(op).unwrap_or_default(),
                        op.describe()
                    ],
                )
                .map_err(|e| self.err(e))?;
            if n == 0 && self.outbox_entry(seq)?.is_some() {
                // It went out between the check and now: not changed.
                return Err(CacheError::Busy(IN_FLIGHT.into()));
            }
        }
        // Sent again by the user: a create without a record of what
        // existed before is sent as new (the user has checked).
        let n = conn
            .execute(
                "UPDATE ob.outbox SET state = 'pending', next_at = 0, unsure = 0,
                   attempts = CASE WHEN before_ids IS NULL THEN 0 ELSE attempts END
                 WHERE seq = ?1 AND sending = 0",
                [seq],
            )
            .map_err(|e| self.err(e))?;
        if n == 0 && self.outbox_entry(seq)?.is_some() {
            return Err(CacheError::Busy(IN_FLIGHT.into()));
        }
        Ok(())
    }

    /// Drops an edit: the user chose to discard it. Discarding a create
    /// also drops the edits queued after it for what it would have made.
    /// Refused while an attempt is in flight. Returns how many went.
    pub fn discard(&self, seq: i64) -> Result<usize> {
        self.refuse_in_flight(seq)?;
        let entry = self.outbox_entry(seq)?;
        let mut n = self
            .conn()
            .execute(
                "DELETE FROM ob.outbox WHERE seq = ?1 AND sending = 0",
                [seq],
            )
            .map_err(|e| self.err(e))?;
        if n > 0
            && let Some(local) = entry.and_then(|e| e.local_id)
        {
            // A bulk piece naming the discarded create goes on without it:
            // the other contacts' change stays.
            for later in self.entries(
                "SELECT * FROM ob.outbox WHERE seq > ?1 AND sending = 0
                 AND key != ?2 AND instr(op, ?3) > 0",
                params![seq, local, format!("\"{local}\"")],
            )? {
                if let ApiOp::BulkTags {
                    add,
                    contacts,
                    tags,
                } = &later.op
                {
                    let rest: Vec<String> =
                        contacts.iter().filter(|c| **c != local).cloned().collect();
                    if !rest.is_empty() {
                        let op = ApiOp::BulkTags {
                            add: *add,
                            contacts: rest,
                            tags: tags.clone(),
                        };
                        self.conn()
                            .execute(
                                "UPDATE ob.outbox SET op = ?2, description = ?3, version = version + 1
                                 WHERE seq = ?1",
                                params![
                                    later.seq,
                                    serde_json::to_string(&op).unwrap_or_default(),
                                    op.describe()
                                ],
                            )
                            .map_err(|e| self.err(e))?;
                    }
                }
            }
            n += self
                .conn()
                .execute(
                    "DELETE FROM ob.outbox WHERE seq > ?1 AND sending = 0
                     AND (key = ?2 OR instr(op, ?3) > 0)",
                    params![seq, local, format!("\"{local}\"")],
                )
                .map_err(|e| self.err(e))?;
        }
        Ok(n)
    }

    /// A fresh start tries every waiting edit at once.
    pub fn wake_all(&self) -> Result<()> {
        self.run(
            "UPDATE ob.outbox SET next_at = 0 WHERE state = 'pending'",
            [],
        )
    }

    /// A note about the outbox for the user (see [`LOST_NOTE`]).
    pub fn outbox_note(&self, key: &str) -> Result<Option<String>> {
        match self
            .conn()
            .query_row("SELECT value FROM ob.notes WHERE key = ?1", [key], |r| {
                r.get(0)
            }) {
            Ok(v) => Ok(Some(v)),
            Err(rusqlite::Error::QueryReturnedNoRows) => Ok(None),
            Err(e) => Err(self.err(e)),
        }
    }

    pub fn set_outbox_note(&self, key: &str, value: &str) -> Result<()> {
        self.run(
            "INSERT OR REPLACE INTO ob.notes (key, value) VALUES (?1, ?2)",
            params![key, value],
        )
    }

    pub fn clear_outbox_note(&self, key: &str) -> Result<()> {
        self.run("DELETE FROM ob.notes WHERE key = ?1", [key])
    }

    /// Queues salvaged edits again, keeping their attempt counts.
    pub(crate) fn requeue(&mut self, edits: &[Salvaged]) -> Result<usize> {
        let mut n = 0;
        for e in edits {
            let Ok(op) = serde_json::from_value::<ApiOp>(e.op.clone()) else {
                continue;
            };
            let seq = self.enqueue_as(&op, e.local_id.as_deref())?;
            self.conn()
                .execute(
                    "UPDATE ob.outbox SET attempts = ?2, state = ?3 WHERE seq = ?1",
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
                let op: String = r.get("op")?;
                let state: String = r.get("state")?;
                let attempts: i64 = r.get("attempts")?;
                let before: Option<String> = r.get("before_ids")?;
                Ok((
                    op,
                    Entry {
                        seq: r.get("seq")?,
                        key: r.get("key")?,
                        op: ApiOp::DeleteContact { id: String::new() },
                        description: r.get("description")?,
                        state: if state == "attention" {
                            EntryState::Attention
                        } else {
                            EntryState::Pending
                        },
                        attempts: attempts.clamp(0, u32::MAX as i64) as u32,
                        next_at: r.get("next_at")?,
                        error: r.get("error")?,
                        created_at: r.get("created_at")?,
                        version: r.get("version")?,
                        sending: r.get::<_, i64>("sending")? != 0,
                        local_id: r.get("local_id")?,
                        before_ids: before.and_then(|b| serde_json::from_str(&b).ok()),
                        unsure: r.get::<_, i64>("unsure")? != 0,
                    },
                ))
            })
            .map_err(|e| self.err(e))?;
        let mut out = Vec::new();
        for row in rows {
            let (op, mut entry) = row.map_err(|e| self.err(e))?;
            entry.op = match serde_json::from_str::<ApiOp>(&op) {
                Ok(op) => op,
                Err(e) => {
                    // Written by a newer or broken rolo: keep it for the user.
                    tracing::warn!(seq = entry.seq, "an outbox entry cannot be read: {e}");
                    continue;
                }
            };
            out.push(entry);
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
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub local_id: Option<String>,
}

/// Reads whatever outbox rows a damaged database still gives: as it is,
/// and when that gives nothing, from a copy relaxed for reading (cut pages
/// put back as empty ones, the indexes forgotten), since the rows may sit
/// in pages that are whole while the schema points past the end.
pub(crate) fn salvage(path: &Path) -> Vec<Salvaged> {
    let rows = read_rows(path, false);
    if !rows.is_empty() {
        return rows;
    }
    let copy = path.with_extension("salvage-copy");
    let relaxed = (|| -> std::io::Result<()> {
        let bytes = std::fs::read(path)?;
        super::private_file(&copy)?;
        let mut bytes = bytes;
        // The header says how big the file should be: pad a cut file.
        if bytes.len() >= 32 {
            let page = match u16::from_be_bytes([bytes[16], bytes[17]]) {
                1 => 65_536,
                n => usize::from(n),
            };
            let pages = u32::from_be_bytes([bytes[28], bytes[29], bytes[30], bytes[31]]) as usize;
            let want = page.saturating_mul(pages).min(64 << 20);
            if want > bytes.len() {
                bytes.resize(want, 0);
            }
        }
        std::fs::write(&copy, bytes)
    })();
    let rows = if relaxed.is_ok() {
        read_rows(&copy, true)
    } else {
        Vec::new()
    };
    let _ = std::fs::remove_file(&copy);
    rows
}

fn read_rows(path: &Path, relax: bool) -> Vec<Salvaged> {
    let flags = if relax {
        rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX
    } else {
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX
    };
    let Ok(mut conn) = rusqlite::Connection::open_with_flags(path, flags) else {
        return Vec::new();
    };
    if relax {
        // Only the table is read: an index whose pages are gone must not
        // make the schema unreadable.
        let _ = conn.execute_batch(
            "PRAGMA writable_schema = ON;
             DELETE FROM sqlite_master WHERE type IN ('index', 'trigger');
             PRAGMA writable_schema = OFF;",
        );
        drop(conn);
        let Ok(c) = rusqlite::Connection::open_with_flags(path, flags) else {
            return Vec::new();
        };
        conn = c;
    }
    let mut out = Vec::new();
    // The outbox file has `local_id`; a cache from before it had not.
    let Ok(mut stmt) = conn
        .prepare(
            "SELECT seq, description, op, attempts, state, error, local_id FROM outbox ORDER BY seq",
        )
        .or_else(|_| {
            conn.prepare(
                "SELECT seq, description, op, attempts, state, error, NULL FROM outbox ORDER BY seq",
            )
        })
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
                local_id: r.get(6)?,
            })
        })();
        if let Ok(s) = row {
            out.push(s);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::send::heals;
    use super::*;
    use crate::api::error::ApiError;
    use crate::api::model::*;

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
    fn a_bulk_piece_and_its_contacts_own_edits_keep_their_order() {
        let mut c = Cache::open(&temp()).unwrap();
        let bulk = |add: bool, ids: &[&str]| ApiOp::BulkTags {
            add,
            contacts: ids.iter().map(|s| s.to_string()).collect(),
            tags: vec!["t".into()],
        };
        let a1 = c.enqueue(&tag("a", "1")).unwrap();
        let piece = c.enqueue_many(&[bulk(true, &["a", "b"])]).unwrap()[0];
        let b2 = c.enqueue(&tag("b", "2")).unwrap();
        let other = c.enqueue_many(&[bulk(false, &["z"])]).unwrap()[0];
        let none = HashSet::new();
        let ready = |c: &Cache| -> Vec<i64> {
            let entries = c.ready(now_ms(), &none, 10).unwrap();
            entries.iter().map(|e| e.seq).collect()
        };
        // The piece waits for a's older edit; b's newer one waits for the
        // piece; the piece over z alone goes.
        assert_eq!(ready(&c), [a1, other]);
        assert!(
            c.pending_contacts()
                .unwrap()
                .is_superset(&["a", "b", "z"].map(String::from).into())
        );
        let e = c.outbox_entry(a1).unwrap().unwrap();
        c.confirm(&e, None).unwrap();
        assert_eq!(ready(&c), [piece, other]);
        let e = c.outbox_entry(piece).unwrap().unwrap();
        c.confirm(&e, None).unwrap();
        assert_eq!(ready(&c), [b2, other]);
        assert!(c.next_due(&none).unwrap().is_some());
        // One contact's edit needing the user holds back its own key, not
        // a later bulk piece over it and others.
        c.needs_attention(b2, "refused").unwrap();
        let over_b = c.enqueue_many(&[bulk(true, &["b", "y"])]).unwrap()[0];
        let b3 = c.enqueue(&tag("b", "3")).unwrap();
        let r = ready(&c);
        assert!(r.contains(&over_b) && !r.contains(&b3), "{r:?}");
        // A bulk piece needing the user, even over one contact, holds back
        // that contact's later edits; so does a create, for its stand-in.
        let solo = c.enqueue_many(&[bulk(true, &["q"])]).unwrap()[0];
        c.needs_attention(solo, "refused").unwrap();
        let q1 = c.enqueue(&tag("q", "1")).unwrap();
        let create = c
            .enqueue_as(
                &ApiOp::CreateContact(NewContact::default()),
                Some("pending-n1"),
            )
            .unwrap();
        c.needs_attention(create, "refused").unwrap();
        let over_new = c.enqueue_many(&[bulk(true, &["pending-n1", "w"])]).unwrap()[0];
        let r = ready(&c);
        assert!(!r.contains(&q1) && !r.contains(&over_new), "{r:?}");
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
        let first = c.outbox_entry(a1).unwrap().unwrap();
        c.confirm(&first, None).unwrap();
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
        let b = Backoff::default();
        // Doubling beats the ±25% jitter: each wait is longer than the last
        // until the cap.
        let mut last = Duration::ZERO;
        for n in 1..=7 {
            let d = b.after(n, &server);
            assert!(d > last, "attempt {n}: {d:?} after {last:?}");
            // Jitter applies to the capped wait, so the last uncapped ones
            // are checked against the cap.
            let base = (Duration::from_millis(500) * 2u32.pow(n - 1)).min(MAX_BACKOFF);
            assert!(
                d >= base.mul_f64(0.75) && d <= base.mul_f64(1.25),
                "attempt {n}: {d:?}"
            );
            last = d;
        }
        for n in [12, 30, u32::MAX] {
            let d = b.after(n, &server);
            assert!(
                d <= MAX_BACKOFF && d >= MAX_BACKOFF.mul_f64(0.75),
                "attempt {n}: {d:?}"
            );
        }
        // The server's Retry-After wins, up to the cap.
        let limited = |secs| ApiError::RateLimited {
            scope: crate::api::error::RateScope::Burst,
            retry_after: Some(Duration::from_secs(secs)),
        };
        assert_eq!(b.after(1, &limited(7)), Duration::from_secs(7));
        assert_eq!(b.after(1, &limited(86_400)), MAX_BACKOFF);
        assert!(heals(&server));
        assert!(!heals(&ApiError::Validation {
            status: 422,
            messages: vec![]
        }));
    }
}
