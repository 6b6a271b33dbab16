//! Sync: bring the cached contacts in line with HighLevel.
//!
//! - The first sync (and any sync after the cache lost track) is a *full
//!   pass*: POST /contacts/search, 500 a page, by page number up to the
//!   10,000 records page numbers reach, then by `searchAfter`. Each page is
//!   committed with the pass's cursor, so an interrupted pass resumes at the
//!   page after the last one stored. At the end, contacts the pass did not
//!   see were deleted on the server and go from the cache too.
//! - A later sync asks only for contacts whose `dateUpdated` is after the
//!   last sync started (less a margin: the API says updates take a few
//!   seconds to reach search). Then one request with `pageLimit` 1 reads the
//!   server's total; if the cache holds a different number, something was
//!   deleted, and a full pass follows.

use std::path::Path;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{Cache, CacheError, put_contacts_tx};
use crate::api::contacts::SEARCH_PAGE_DEPTH;
use crate::api::error::ApiError;
use crate::api::paging::{PagingError, Position, Step, Walk};
use crate::api::{Client, model::*};

/// Meta key: when the last complete sync started (RFC 3339).
pub const SYNCED_AT: &str = "sync.synced_at";
/// Meta key: the full pass under way, if one is.
const FULL: &str = "sync.full";
/// Meta key: the number of the last full pass.
const PASS: &str = "sync.pass";

/// The most contacts one sync asks for by id before deleting them; the
/// rest wait for the next sync.
pub const MAX_DELETION_CHECKS: usize = 500;

/// How far back a delta sync looks before the last sync's start.
pub const DELTA_MARGIN: Duration = Duration::from_secs(5 * 60);

#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error(transparent)]
    Api(#[from] ApiError),
    #[error(transparent)]
    Cache(#[from] CacheError),
    #[error("{0}; the cache keeps every contact it had")]
    Paging(#[from] PagingError),
}

#[derive(Debug, Clone)]
pub struct SyncOptions {
    /// Contacts a page (the API allows 1 to 500).
    pub page_limit: u32,
    /// Skip the delta sync and walk every contact.
    pub full: bool,
    /// Records page numbers reach (10,000 on HighLevel).
    pub depth_limit: u64,
}

impl Default for SyncOptions {
    fn default() -> Self {
        Self {
            page_limit: 500,
            full: false,
            depth_limit: SEARCH_PAGE_DEPTH,
        }
    }
}

/// A full pass under way, as stored after each page.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct FullPass {
    pass: i64,
    #[serde(flatten)]
    walk: Walk,
    done: u64,
    total: u64,
    started_at: String,
}

/// How far a sync has come.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Progress {
    pub done: u64,
    pub total: u64,
    /// The estimate of the time left, once there is a pace to go by.
    pub left: Option<Duration>,
    pub full: bool,
}

impl std::fmt::Display for Progress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let what = if self.full {
            "Syncing contacts"
        } else {
            "Checking for changes"
        };
        write!(
            f,
            "{what} {} / {}",
            thousands(self.done),
            thousands(self.total.max(self.done))
        )?;
        if let Some(left) = self.left {
            write!(f, " · {} left", short_duration(left))?;
        }
        Ok(())
    }
}

/// 12345 as "12,345".
pub fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn short_duration(d: Duration) -> String {
    let s = d.as_secs_f64().ceil() as u64;
    if s >= 3600 {
        format!("{}h {}m", s / 3600, (s % 3600) / 60)
    } else if s >= 60 {
        format!("{}m {}s", s / 60, s % 60)
    } else {
        format!("{s} s")
    }
}

/// What a sync reports as it goes.
#[derive(Debug, Clone, PartialEq)]
pub enum SyncEvent {
    Progress(Progress),
    /// Contacts stored, as the server sent them.
    Contacts(Vec<Contact>),
    /// Contacts deleted on the server, now gone from the cache.
    Removed(Vec<String>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct SyncSummary {
    pub full: bool,
    /// Contacts received.
    pub fetched: u64,
    /// The count a resumed pass started from.
    pub resumed_at: u64,
    pub removed: usize,
    /// Contacts in the cache afterwards.
    pub cached: u64,
    pub requests: u64,
    pub elapsed: Duration,
}

/// Syncs the cache at `path`; `on` hears of progress and changes.
pub async fn sync(
    client: &Client,
    path: &Path,
    opts: &SyncOptions,
    mut on: impl FnMut(SyncEvent),
) -> Result<SyncSummary, SyncError> {
    let mut cache = Cache::open(path)?;
    let started = Instant::now();
    let mut requests = 0;
    let in_progress = cache
        .meta(FULL)?
        .and_then(|s| serde_json::from_str::<FullPass>(&s).ok());
    let synced_at = cache.synced_at()?;
    if !opts.full
        && in_progress.is_none()
        && let Some(since) = synced_at
    {
        let (fetched, n) = delta(client, &mut cache, opts, since, &mut on).await?;
        requests += n;
        let total = client
            .search_contacts(&SearchContacts {
                page_limit: 1,
                ..SearchContacts::default()
            })
            .await?
            .total;
        requests += 1;
        let cached = cache.contact_count()?;
        if cached == total {
            requests += refresh_lookups(client, &mut cache).await;
            return Ok(SyncSummary {
                full: false,
                fetched,
                resumed_at: 0,
                removed: 0,
                cached,
                requests,
                elapsed: started.elapsed(),
            });
        }
        tracing::info!(cached, total, "counts differ after the delta: full pass");
    }
    let mut summary = full_pass(client, &mut cache, opts, in_progress, &mut on).await?;
    summary.requests += requests + refresh_lookups(client, &mut cache).await;
    summary.elapsed = started.elapsed();
    Ok(summary)
}

/// The location's users and custom field definitions, refreshed with
/// each sync: names and filters read them offline. Either may be refused
/// (a token without `users.readonly`): what was kept stays. How many
/// requests it took.
async fn refresh_lookups(client: &Client, cache: &mut Cache) -> u64 {
    let users = client.location_users().await;
    let defs = client.custom_fields().await;
    let keep = |key: &str, json: serde_json::Result<String>| {
        if let Err(e) = json
            .map_err(|e| e.to_string())
            .and_then(|j| cache.set_meta(key, &j).map_err(|e| e.to_string()))
        {
            tracing::warn!("cannot keep {key}: {e}");
        }
    };
    match users {
        Ok(u) => keep(super::LOCATION_USERS, serde_json::to_string(&u)),
        Err(e) => tracing::info!("the location's users are not refreshed: {e}"),
    }
    match defs {
        Ok(d) => keep(super::CUSTOM_FIELDS, serde_json::to_string(&d)),
        Err(e) => tracing::info!("the custom fields are not refreshed: {e}"),
    }
    2
}

async fn delta(
    client: &Client,
    cache: &mut Cache,
    opts: &SyncOptions,
    since: chrono::DateTime<chrono::Utc>,
    on: &mut impl FnMut(SyncEvent),
) -> Result<(u64, u64), SyncError> {
    let started_at = chrono::Utc::now();
    let from = since - chrono::Duration::from_std(DELTA_MARGIN).unwrap_or_default();
    let mut query = SearchContacts {
        page_limit: opts.page_limit,
        filters: vec![json!({
            "field": "dateUpdated",
            "operator": "range",
            "value": { "gt": from.to_rfc3339_opts(chrono::SecondsFormat::Millis, true) },
        })],
        sort: vec![SortBy {
            field: "dateUpdated".into(),
            direction: SortDirection::Asc,
        }],
        ..SearchContacts::default()
    };
    let (mut walk, mut done, mut requests) = (Walk::new(), 0u64, 0u64);
    let mut seen = std::collections::HashSet::new();
    loop {
        set_position(
            &mut query,
            walk.position(opts.page_limit, opts.depth_limit)?,
        );
        let page = client.search_contacts(&query).await?;
        requests += 1;
        let got = page.contacts.len() as u64;
        done += got;
        let step = walk.take(opts.page_limit, &page.contacts, &mut seen);
        {
            let path = cache.path.clone();
            let tx = cache.write()?;
            put_contacts_tx(&tx, &page.contacts, None, None)
                .map_err(|e| super::classify(&path, e))?;
            tx.commit().map_err(|e| super::classify(&path, e))?;
        }
        on(SyncEvent::Progress(Progress {
            done,
            total: page.total,
            left: None,
            full: false,
        }));
        if !page.contacts.is_empty() {
            on(SyncEvent::Contacts(page.contacts));
        }
        if step? == Step::End {
            break;
        }
    }
    cache.set_meta(SYNCED_AT, &started_at.to_rfc3339())?;
    Ok((done, requests))
}

/// A page asked for ahead of its turn. Dropped unanswered (the pass
/// failed or stopped), the request is cancelled.
struct Ahead(tokio::task::JoinHandle<Result<SearchPage, ApiError>>);

impl Ahead {
    fn ask(client: &Client, query: SearchContacts) -> Ahead {
        let client = client.clone();
        Ahead(tokio::spawn(
            async move { client.search_contacts(&query).await },
        ))
    }

    async fn page(mut self) -> Option<Result<SearchPage, ApiError>> {
        (&mut self.0).await.ok()
    }
}

impl Drop for Ahead {
    fn drop(&mut self) {
        self.0.abort();
    }
}

fn set_position(q: &mut SearchContacts, at: Position) {
    at.apply(q);
}

/// How many of `ids` this pass has not stored yet.
fn unseen(tx: &rusqlite::Transaction<'_>, pass: i64, ids: &[&str]) -> rusqlite::Result<usize> {
    let seen: i64 = tx.query_row(
        "SELECT count(*) FROM contacts WHERE pass = ?1 AND id IN (SELECT value FROM json_each(?2))",
        rusqlite::params![pass, serde_json::to_string(ids).unwrap_or_default()],
        |r| r.get(0),
    )?;
    let distinct: std::collections::HashSet<&str> = ids.iter().copied().collect();
    Ok(distinct.len().saturating_sub(seen as usize))
}

async fn full_pass(
    client: &Client,
    cache: &mut Cache,
    opts: &SyncOptions,
    resume: Option<FullPass>,
    on: &mut impl FnMut(SyncEvent),
) -> Result<SyncSummary, SyncError> {
    let path = cache.path.clone();
    let err = |e| super::classify(&path, e);
    let mut state = match resume {
        Some(s) => s,
        None => FullPass {
            pass: cache.meta(PASS)?.and_then(|p| p.parse().ok()).unwrap_or(0) + 1,
            walk: Walk::new(),
            done: 0,
            total: 0,
            started_at: chrono::Utc::now().to_rfc3339(),
        },
    };
    let resumed_at = state.done;
    let mut query = SearchContacts {
        page_limit: opts.page_limit,
        sort: vec![SortBy {
            field: "dateAdded".into(),
            direction: SortDirection::Desc,
        }],
        ..SearchContacts::default()
    };
    let started = Instant::now();
    let mut requests = 0u64;
    let ended_short_of_total;
    // The next page, asked for while this one is written: the write then
    // costs no time of its own, and the pass keeps to the rate limit.
    let mut ahead: Option<Ahead> = None;
    loop {
        let at = match state.walk.position(opts.page_limit, opts.depth_limit) {
            Ok(at) => at,
            Err(e) => {
                cache
                    .conn()
                    .execute("DELETE FROM meta WHERE key = ?1", [FULL])
                    .map_err(err)?;
                return Err(e.into());
            }
        };
        set_position(&mut query, at);
        let page = match ahead.take() {
            // Lost on the way (it cannot panic): asked for again.
            Some(next) => match next.page().await {
                Some(answer) => answer?,
                None => client.search_contacts(&query).await?,
            },
            None => client.search_contacts(&query).await?,
        };
        requests += 1;
        let first_ord = state.done as i64;
        state.total = page.total;
        let cursor = page.contacts.last().and_then(|c| c.search_after.clone());
        let step = {
            let tx = cache.write()?;
            let ids: Vec<&str> = page.contacts.iter().map(|c| c.id.as_str()).collect();
            let new = unseen(&tx, state.pass, &ids).map_err(err)?;
            let step = state
                .walk
                .advance(opts.page_limit, page.contacts.len(), new, cursor);
            state.done += new as u64;
            if let Ok(Step::More) = step
                && let Ok(at) = state.walk.position(opts.page_limit, opts.depth_limit)
            {
                let mut next = query.clone();
                set_position(&mut next, at);
                ahead = Some(Ahead::ask(client, next));
            }
            put_contacts_tx(&tx, &page.contacts, Some(state.pass), Some(first_ord)).map_err(err)?;
            if step.is_ok() {
                tx.execute(
                    "INSERT INTO meta (key, value) VALUES (?1, ?2)
                     ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    rusqlite::params![FULL, serde_json::to_string(&state).unwrap_or_default()],
                )
                .map_err(err)?;
            } else {
                // A broken walk starts afresh next time.
                tx.execute("DELETE FROM meta WHERE key = ?1", [FULL])
                    .map_err(err)?;
            }
            tx.commit().map_err(err)?;
            step?
        };
        let last = step == Step::End;
        let fetched = state.done - resumed_at;
        let left = (fetched > 0 && !last).then(|| {
            let per = started.elapsed().as_secs_f64() / fetched as f64;
            Duration::from_secs_f64(per * state.total.saturating_sub(state.done) as f64)
        });
        on(SyncEvent::Progress(Progress {
            done: state.done,
            total: state.total,
            left,
            full: true,
        }));
        if !page.contacts.is_empty() {
            on(SyncEvent::Contacts(page.contacts));
        }
        if last {
            // Pages that end before the server's own count may have lost
            // some on the way (or the count is wrong): delete nothing.
            ended_short_of_total = state.done < state.total;
            break;
        }
    }
    // What this pass did not see may be gone from the server. Each such
    // contact is asked for by id, and only a 404 proves it gone: a contact
    // deleted on an earlier page shifts the later ones, so a walk by page
    // number can skip a live contact while every count still agrees.
    if ended_short_of_total {
        tracing::warn!(
            done = state.done,
            total = state.total,
            "the pages ended before the server's total: nothing deleted"
        );
    }
    let candidates: Vec<String> = if ended_short_of_total {
        Vec::new()
    } else {
        let mut stmt = cache
            .conn()
            .prepare(
                // Contacts with edits still queued stay: they may be new.
                "SELECT id FROM contacts WHERE pass <> ?1
                 AND id NOT IN (SELECT key FROM ob.outbox)",
            )
            .map_err(err)?;
        stmt.query_map([state.pass], |r| r.get(0))
            .map_err(err)?
            .collect::<rusqlite::Result<_>>()
            .map_err(err)?
    };
    let (mut gone, mut alive) = (Vec::new(), Vec::new());
    for id in candidates.iter().take(MAX_DELETION_CHECKS) {
        requests += 1;
        match client.get_contact(id).await {
            Ok(c) => alive.push(c),
            Err(ApiError::NotFound { .. }) => gone.push(id.clone()),
            Err(e) => {
                // Unsure: keep it, and the rest, for the next sync.
                tracing::warn!("a deletion could not be checked: {e}");
                break;
            }
        }
    }
    let removed: Vec<String> = {
        let tx = cache.write()?;
        put_contacts_tx(&tx, &alive, Some(state.pass), None).map_err(err)?;
        for id in &gone {
            for table in ["contacts", "contact_raw"] {
                tx.execute(&format!("DELETE FROM {table} WHERE id = ?1"), [id])
                    .map_err(err)?;
            }
            for table in ["tasks", "notes", "appointments", "children_loaded"] {
                tx.execute(&format!("DELETE FROM {table} WHERE contact_id = ?1"), [id])
                    .map_err(err)?;
            }
        }
        tx.execute("DELETE FROM meta WHERE key = ?1", [FULL])
            .map_err(err)?;
        for (k, v) in [
            (PASS, state.pass.to_string()),
            (SYNCED_AT, state.started_at.clone()),
        ] {
            tx.execute(
                "INSERT INTO meta (key, value) VALUES (?1, ?2)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                rusqlite::params![k, v],
            )
            .map_err(err)?;
        }
        tx.commit().map_err(err)?;
        gone
    };
    if !alive.is_empty() {
        on(SyncEvent::Contacts(alive));
    }
    if !removed.is_empty() {
        on(SyncEvent::Removed(removed.clone()));
    }
    Ok(SyncSummary {
        full: true,
        fetched: state.done - resumed_at,
        resumed_at,
        removed: removed.len(),
        cached: cache.contact_count()?,
        requests,
        elapsed: started.elapsed(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_reads_like_the_status_bar() {
        let p = Progress {
            done: 12_300,
            total: 45_000,
            left: Some(Duration::from_millis(37_400)),
            full: true,
        };
        assert_eq!(
            p.to_string(),
            "Syncing contacts 12,300 / 45,000 · 38 s left"
        );
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_000_000), "1,000,000");
    }
}
