//! The on-disk cache: one SQLite database (WAL mode) per location.
//!
//! It holds what rolo last saw of the account (contacts, tasks, notes,
//! appointments, location tags), the sync cursors, and the outbox of edits
//! not yet confirmed by HighLevel. Each part of the program opens its own
//! connection; SQLite serializes the writers.
//!
//! The start-up path reads only the `contacts` table, whose rows hold the
//! few columns the list and search need. The whole JSON of each contact
//! lives apart in `contact_raw`, read one at a time for the detail pane.

mod find;
pub mod list;
pub mod outbox;
mod recover;
pub mod sync;

pub use recover::{OutboxRecovery, Recovery};

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::api::model::{Appointment, Contact, LocationTag, Note, Task};

/// The `meta` key of the location's own time zone, as HighLevel gave it.
pub const LOCATION_TIMEZONE: &str = "location_timezone";

/// The `meta` key of the location's users, as JSON.
pub const LOCATION_USERS: &str = "location_users";

/// The `meta` key of the contacts' custom field definitions, as JSON.
pub const CUSTOM_FIELDS: &str = "custom_fields";

/// The schema this binary writes. Each step of `MIGRATIONS` moves a file
/// from version N to N + 1.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

const MIGRATIONS: &[&str] = &[
    // 1: contacts, their children, sync state and the outbox.
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
     CREATE TABLE contacts (
        id TEXT PRIMARY KEY,
        ord INTEGER NOT NULL,
        name TEXT, first_name TEXT, last_name TEXT, email TEXT, phone TEXT,
        company TEXT, tags TEXT, date_added TEXT, date_updated TEXT,
        pass INTEGER NOT NULL DEFAULT 0,
        sort_name TEXT NOT NULL DEFAULT '',
        haystack TEXT NOT NULL DEFAULT ''
     );
     CREATE INDEX contacts_sort ON contacts (sort_name, ord);
     -- Covers `rolo find`'s scan: a narrow read instead of every column.
     CREATE INDEX contacts_haystack ON contacts (haystack, ord);
     CREATE TABLE contact_raw (id TEXT PRIMARY KEY, raw TEXT NOT NULL);
     CREATE TABLE tasks (contact_id TEXT NOT NULL, id TEXT NOT NULL, raw TEXT NOT NULL,
        PRIMARY KEY (contact_id, id));
     CREATE TABLE notes (contact_id TEXT NOT NULL, id TEXT NOT NULL, raw TEXT NOT NULL,
        PRIMARY KEY (contact_id, id));
     CREATE TABLE appointments (contact_id TEXT NOT NULL, id TEXT NOT NULL, raw TEXT NOT NULL,
        PRIMARY KEY (contact_id, id));
     CREATE TABLE children_loaded (contact_id TEXT NOT NULL, kind TEXT NOT NULL,
        PRIMARY KEY (contact_id, kind));
     CREATE TABLE location_tags (id TEXT PRIMARY KEY, raw TEXT NOT NULL);
     CREATE TABLE outbox (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        key TEXT NOT NULL,
        op TEXT NOT NULL,
        description TEXT NOT NULL,
        state TEXT NOT NULL DEFAULT 'pending',
        attempts INTEGER NOT NULL DEFAULT 0,
        next_at INTEGER NOT NULL DEFAULT 0,
        error TEXT,
        created_at INTEGER NOT NULL,
        base TEXT
     );
     CREATE INDEX outbox_key ON outbox (key, seq);",
    // 2: the outbox moves to a file of its own (see OUTBOX_MIGRATIONS), so
    // that damage to the contact cache can never reach unsent edits.
    // New seqs, after whatever the outbox file holds already; a row copied
    // by an earlier, interrupted run is not copied twice.
    "INSERT INTO ob.outbox
        (key, op, description, state, attempts, next_at, error, created_at, base)
        SELECT m.key, m.op, m.description, m.state, m.attempts, m.next_at, m.error,
               m.created_at, m.base
        FROM main.outbox m
        WHERE NOT EXISTS (SELECT 1 FROM ob.outbox o
                          WHERE o.op = m.op AND o.created_at = m.created_at)
        ORDER BY m.seq;
     DROP TABLE main.outbox;",
    // 3: what filters look at (assignee, source, dnd, dates, custom field
    // values), compactly beside each list row: the column is added (when
    // missing) and filled from the raw records by `Cache::fill_facts`.
    "SELECT 1;",
    // 4: no query reads the search text by index (search runs over the
    // stored list block), and at a million contacts the index cost a random
    // write per contact synced and about 100 MB.
    "DROP INDEX IF EXISTS contacts_haystack;",
];

/// The outbox file's schema (`LOCATION.outbox.db`, attached as `ob`).
pub const OUTBOX_SCHEMA_VERSION: i64 = OUTBOX_MIGRATIONS.len() as i64;

const OUTBOX_MIGRATIONS: &[&str] = &[
    // 1: the queue; `version` grows with each change to an entry's request,
    // `sending` is set while an attempt is in flight, `local_id` is the
    // stand-in id a create's result is known by until it is confirmed,
    // `before_ids` the matching items that existed before its first attempt.
    "CREATE TABLE ob.outbox (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        key TEXT NOT NULL,
        op TEXT NOT NULL,
        description TEXT NOT NULL,
        state TEXT NOT NULL DEFAULT 'pending',
        attempts INTEGER NOT NULL DEFAULT 0,
        next_at INTEGER NOT NULL DEFAULT 0,
        error TEXT,
        created_at INTEGER NOT NULL,
        base TEXT,
        version INTEGER NOT NULL DEFAULT 0,
        sending INTEGER NOT NULL DEFAULT 0,
        local_id TEXT,
        before_ids TEXT
     );
     CREATE INDEX ob.outbox_key ON outbox (key, seq);
     CREATE TABLE ob.local_ids (local_id TEXT PRIMARY KEY, real_id TEXT NOT NULL);
     CREATE TABLE ob.notes (key TEXT PRIMARY KEY, value TEXT NOT NULL);",
    // 2: `unsure` is set when an attempt starts and cleared by an answer
    // that says it was not made: set, the attempt may have reached the
    // server unanswered (a timeout, a reset, a sender killed mid-request).
    // `claimed` holds the messages this outbox knows it sent: a later
    // message's look in the thread never takes one of them for its own.
    "ALTER TABLE ob.outbox ADD COLUMN unsure INTEGER NOT NULL DEFAULT 0;
     CREATE TABLE ob.claimed (id TEXT PRIMARY KEY, at INTEGER NOT NULL);",
];

/// Where a cache's outbox lives: beside it, `NAME.outbox.db`.
pub fn outbox_path(cache: &Path) -> PathBuf {
    cache.with_extension("outbox.db")
}

/// Creates `dir` (and its parents) readable by the user alone.
pub(crate) fn private_dir(dir: &Path) -> std::io::Result<()> {
    let mut b = std::fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut b, 0o700);
    b.create(dir)
}

/// Writes `value` as pretty JSON to `path` atomically (a new file renamed
/// over the old), in a folder of the user's alone.
pub(crate) fn write_json_atomic(
    path: &Path,
    value: &impl serde::Serialize,
) -> std::result::Result<(), String> {
    let dir = path.parent().ok_or("no data directory")?;
    private_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let tmp = path.with_extension("json.tmp");
    let text = serde_json::to_string_pretty(value).map_err(|e| e.to_string())?;
    std::fs::write(&tmp, text + "\n").map_err(|e| format!("{}: {e}", tmp.display()))?;
    std::fs::rename(&tmp, path).map_err(|e| format!("{}: {e}", path.display()))
}

/// Creates `path` empty, readable and writable by the user alone, unless it
/// exists (SQLite gives its -wal and -shm files the same mode).
pub(crate) fn private_file(path: &Path) -> std::io::Result<()> {
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create(true).truncate(false);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut o, 0o600);
    o.open(path).map(drop)
}

#[derive(Debug, thiserror::Error)]
pub enum CacheError {
    #[error(
        "the cache {path} was written by a newer rolo (schema {found}; this rolo knows up to {known}): upgrade rolo, or move the file aside to start afresh"
    )]
    Newer {
        path: PathBuf,
        found: i64,
        known: i64,
    },
    #[error("the cache {path} is damaged: {detail}")]
    Corrupt { path: PathBuf, detail: String },
    #[error("the cache {path}: {detail}")]
    Sqlite { path: PathBuf, detail: String },
    #[error("cannot create the cache folder {path}: {detail}")]
    Folder { path: PathBuf, detail: String },
    /// The thing asked for cannot be done now (say, an edit in flight).
    #[error("{0}")]
    Busy(String),
}

impl CacheError {
    pub fn is_corrupt(&self) -> bool {
        matches!(self, CacheError::Corrupt { .. })
    }
}

pub type Result<T> = std::result::Result<T, CacheError>;

/// The first bytes of every SQLite 3 database file.
const MAGIC: &[u8; 16] = b"SQLite format 3\0";

/// Where the cache for `location` lives: `$ROLO_DATA_DIR`, else the
/// platform's data dir (`~/.local/share/rolo` on Linux).
pub fn default_path(location: &str) -> Option<PathBuf> {
    Some(
        data_dir()?
            .join("cache")
            .join(format!("{}.db", file_safe(location))),
    )
}

/// rolo's data dir: `$ROLO_DATA_DIR`, else the platform's
/// (`~/.local/share/rolo` on Linux).
pub fn data_dir() -> Option<PathBuf> {
    match std::env::var_os("ROLO_DATA_DIR") {
        Some(d) if !d.is_empty() => Some(PathBuf::from(d)),
        _ => Some(
            directories::ProjectDirs::from("", "", "rolo")?
                .data_dir()
                .to_path_buf(),
        ),
    }
}

/// Keeps text the user wrote that could not be saved anywhere else (a
/// note from `$EDITOR` that HighLevel refused or could not be reached
/// for), readable by the user alone; returns where.
pub fn keep_unsent(kind: &str, text: &str) -> Option<PathBuf> {
    let dir = data_dir()?.join("unsent");
    private_dir(&dir).ok()?;
    let path = dir.join(format!(
        "{kind}-{}.txt",
        chrono::Utc::now().format("%Y%m%dT%H%M%S%.3f")
    ));
    private_file(&path).ok()?;
    std::fs::write(&path, text).ok()?;
    Some(path)
}

/// Whether, and where, a session keeps its cache.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Caching {
    /// No cache: everything from the network, edits sent directly.
    Off,
    /// The platform's data dir (or `$ROLO_DATA_DIR`).
    Default,
    /// Under this folder (the demo uses a temporary one).
    In(PathBuf),
}

impl Caching {
    /// The cache file for `location`, if caching.
    pub fn path_for(&self, location: &str) -> Option<PathBuf> {
        match self {
            Caching::Off => None,
            Caching::Default => default_path(location),
            Caching::In(dir) => Some(
                dir.join("cache")
                    .join(format!("{}.db", file_safe(location))),
            ),
        }
    }
}

/// A location id as a file name: anything but [A-Za-z0-9_-] becomes `_`.
pub(crate) fn file_safe(s: &str) -> String {
    let s: String = s
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if s.is_empty() { "default".into() } else { s }
}

pub struct Cache {
    conn: Connection,
    path: PathBuf,
}

impl std::fmt::Debug for Cache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cache").field("path", &self.path).finish()
    }
}

impl Cache {
    /// Opens (creating if needed) and migrates the cache at `path` and
    /// its outbox beside it.
    pub fn open(path: &Path) -> Result<Cache> {
        if let Some(dir) = path.parent()
            && !dir.as_os_str().is_empty()
        {
            private_dir(dir).map_err(|e| CacheError::Folder {
                path: dir.to_path_buf(),
                detail: e.to_string(),
            })?;
        }
        let ob = outbox_path(path);
        check_header(path)?;
        check_header(&ob)?;
        for p in [path, ob.as_path()] {
            private_file(p).map_err(|e| CacheError::Sqlite {
                path: p.to_path_buf(),
                detail: e.to_string(),
            })?;
        }
        let conn = Connection::open(path).map_err(|e| classify(path, e))?;
        let mut cache = Cache {
            conn,
            path: path.to_path_buf(),
        };
        cache.setup("main").map_err(|e| classify(path, e))?;
        cache
            .conn
            .execute("ATTACH DATABASE ?1 AS ob", [ob.to_string_lossy()])
            .map_err(|e| classify(&ob, e))?;
        cache.setup("ob").map_err(|e| classify(&ob, e))?;
        let _ = cache.migrate("ob", &ob, OUTBOX_MIGRATIONS)?;
        let was = cache.migrate("main", path, MIGRATIONS)?;
        if was < 3
            || !cache
                .has_column("contacts", "facts")
                .map_err(|e| classify(path, e))?
        {
            cache.fill_facts().map_err(|e| classify(path, e))?;
        }
        cache.ensure_row_stamp().map_err(|e| classify(path, e))?;
        Ok(cache)
    }

    /// Writes each row's facts from its raw record (once, after the
    /// migration that adds them).
    fn fill_facts(&mut self) -> rusqlite::Result<()> {
        let tx = self.conn.transaction()?;
        let has: bool = tx
            .prepare("SELECT 1 FROM pragma_table_info('contacts') WHERE name = 'facts'")?
            .exists([])?;
        if !has {
            tx.execute_batch("ALTER TABLE contacts ADD COLUMN facts TEXT NOT NULL DEFAULT '';")?;
        }
        {
            let mut read = tx.prepare(
                "SELECT r.id, r.raw FROM contact_raw r JOIN contacts c ON c.id = r.id
                 WHERE c.facts = ''",
            )?;
            let mut write = tx.prepare("UPDATE contacts SET facts = ?2 WHERE id = ?1")?;
            let rows: Vec<(String, String)> = read
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<rusqlite::Result<_>>()?;
            for (id, raw) in rows {
                if let Ok(c) = serde_json::from_str::<Contact>(&raw) {
                    write.execute(params![id, crate::filter::Facts::of(&c).encode()])?;
                }
            }
        }
        tx.commit()
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub(crate) fn conn(&self) -> &Connection {
        &self.conn
    }

    fn setup(&self, schema: &str) -> rusqlite::Result<()> {
        self.conn.busy_timeout(Duration::from_secs(10))?;
        self.conn
            .pragma_update(Some(schema), "journal_mode", "WAL")
            .or_else(|e| match e {
                // journal_mode answers with a row; some builds report it so.
                rusqlite::Error::ExecuteReturnedResults => Ok(()),
                e => Err(e),
            })?;
        // The outbox is durable at each commit. The cache is consistent
        // after a crash or power cut but may lose its last commits (WAL with
        // NORMAL): what it held comes back from HighLevel, and a sync resumes
        // from the page it last kept. It spares a flush per page of a sync.
        let sync = if schema == "ob" { "FULL" } else { "NORMAL" };
        self.conn.pragma_update(Some(schema), "synchronous", sync)?;
        self.conn.pragma_update(None, "foreign_keys", "ON")?;
        Ok(())
    }

    fn has_column(&self, table: &str, column: &str) -> rusqlite::Result<bool> {
        self.conn
            .prepare("SELECT 1 FROM pragma_table_info(?1) WHERE name = ?2")?
            .exists([table, column])
    }

    /// Brings `schema` to the newest version; the version it was at.
    fn migrate(&mut self, schema: &str, path: &Path, steps: &[&str]) -> Result<i64> {
        let found: i64 = self
            .conn
            .pragma_query_value(Some(schema), "user_version", |r| r.get(0))
            .map_err(|e| classify(path, e))?;
        if found > steps.len() as i64 {
            return Err(CacheError::Newer {
                path: path.to_path_buf(),
                found,
                known: steps.len() as i64,
            });
        }
        for (i, step) in steps.iter().enumerate().skip(found.max(0) as usize) {
            let tx = self
                .conn
                .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
                .map_err(|e| classify(path, e))?;
            tx.execute_batch(step).map_err(|e| classify(path, e))?;
            tx.pragma_update(Some(schema), "user_version", (i + 1) as i64)
                .map_err(|e| classify(path, e))?;
            tx.commit().map_err(|e| classify(path, e))?;
        }
        Ok(found)
    }

    /// Reads a little of every table, so that a damaged file shows now
    /// rather than halfway through a session.
    pub fn probe(&self) -> Result<()> {
        let run = || -> rusqlite::Result<()> {
            for table in [
                "meta",
                "contacts",
                "contact_raw",
                "tasks",
                "notes",
                "appointments",
                "location_tags",
            ] {
                // The table itself, not an index: its root page and first leaf.
                self.conn.query_row(
                    &format!("SELECT count(*) FROM (SELECT * FROM {table} NOT INDEXED LIMIT 1)"),
                    [],
                    |r| r.get::<_, i64>(0),
                )?;
            }
            Ok(())
        };
        run().map_err(|e| classify(&self.path, e))?;
        self.conn
            .query_row(
                "SELECT count(*) FROM (SELECT * FROM ob.outbox NOT INDEXED LIMIT 1)",
                [],
                |r| r.get::<_, i64>(0),
            )
            .map_err(|e| classify(&outbox_path(&self.path), e))?;
        Ok(())
    }

    /// The full integrity check: reads every page. Slow on a big cache.
    pub fn check_integrity(&self) -> Result<()> {
        let verdict: String = self
            .conn
            .query_row("PRAGMA quick_check(1)", [], |r| r.get(0))
            .map_err(|e| classify(&self.path, e))?;
        if verdict == "ok" {
            Ok(())
        } else {
            Err(CacheError::Corrupt {
                path: self.path.clone(),
                detail: verdict,
            })
        }
    }

    /// A write transaction, begun at once (IMMEDIATE): a second writer
    /// waits for it instead of failing with "database is locked".
    pub(crate) fn write(&mut self) -> Result<rusqlite::Transaction<'_>> {
        let path = self.path.clone();
        self.conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(|e| classify(&path, e))
    }

    /// Runs one statement on this connection, for its effect.
    pub(crate) fn run<P: rusqlite::Params>(&self, sql: &str, p: P) -> Result<()> {
        self.conn.execute(sql, p).map(drop).map_err(|e| self.err(e))
    }

    pub(crate) fn err(&self, e: rusqlite::Error) -> CacheError {
        classify(&self.path, e)
    }

    pub fn meta(&self, key: &str) -> Result<Option<String>> {
        self.conn
            .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
            .optional()
            .map_err(|e| self.err(e))
    }

    pub fn set_meta(&self, key: &str, value: &str) -> Result<()> {
        self.conn
            .execute(
                "INSERT INTO meta (key, value) VALUES (?1, ?2)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                params![key, value],
            )
            .map(drop)
            .map_err(|e| self.err(e))
    }

    /// When the last complete sync started (its data is at least this fresh).
    pub fn synced_at(&self) -> Result<Option<chrono::DateTime<chrono::Utc>>> {
        Ok(self
            .meta(sync::SYNCED_AT)?
            .and_then(|s| chrono::DateTime::parse_from_rfc3339(&s).ok())
            .map(|t| t.with_timezone(&chrono::Utc)))
    }

    pub fn contact_count(&self) -> Result<u64> {
        self.conn
            .query_row("SELECT count(*) FROM contacts", [], |r| r.get::<_, i64>(0))
            .map(|n| n.max(0) as u64)
            .map_err(|e| self.err(e))
    }

    /// Every cached contact, slim (the list's fields), in sync order.
    pub fn load_contacts(&self) -> Result<Vec<Contact>> {
        Ok(self.load_list()?.into_iter().map(|(c, _)| c).collect())
    }

    /// Every cached contact, slim, with what filters look at, in sync order.
    pub fn load_list(&self) -> Result<Vec<(Contact, crate::filter::Facts)>> {
        // Read in storage order (a sequential scan), then sort: much faster
        // than walking an index and fetching each row.
        let rows = self.slim_rows(
            "SELECT id, name, first_name, last_name, email, phone, company, tags,
                    date_added, date_updated, ord, facts FROM contacts",
            [],
        )?;
        // Sort small keys, not the (large) contacts themselves.
        let mut order: Vec<(i64, u32)> = rows
            .iter()
            .enumerate()
            .map(|(i, (ord, _, _))| (*ord, i as u32))
            .collect();
        order.sort_unstable();
        let mut slots: Vec<Option<(Contact, crate::filter::Facts)>> =
            rows.into_iter().map(|(_, c, f)| Some((c, f))).collect();
        Ok(order
            .into_iter()
            .filter_map(|(_, i)| slots[i as usize].take())
            .collect())
    }

    /// The first `limit` contacts in the list's order (by name): enough to
    /// draw the first screen before the rest is read.
    pub fn first_contacts(&self, limit: usize) -> Result<Vec<Contact>> {
        Ok(self
            .slim_rows(
                "SELECT id, name, first_name, last_name, email, phone, company, tags,
                        date_added, date_updated, ord, facts
                 FROM contacts ORDER BY sort_name, ord LIMIT ?1",
                [limit as i64],
            )?
            .into_iter()
            .map(|(_, c, _)| c)
            .collect())
    }

    /// Rows of `id … ord, facts`, as the list keeps them.
    fn slim_rows<P: rusqlite::Params>(
        &self,
        sql: &str,
        p: P,
    ) -> Result<Vec<(i64, Contact, crate::filter::Facts)>> {
        let mut stmt = self.conn.prepare_cached(sql).map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map(p, |r| {
                Ok((
                    r.get::<_, i64>(10)?,
                    Contact {
                        id: r.get(0)?,
                        name: r.get(1)?,
                        first_name: r.get(2)?,
                        last_name: r.get(3)?,
                        email: r.get(4)?,
                        phone: r.get(5)?,
                        company_name: r.get(6)?,
                        tags: r.get::<_, Option<String>>(7)?.map(|t| decode_tags(&t)),
                        date_added: r.get(8)?,
                        date_updated: r.get(9)?,
                        ..Contact::default()
                    },
                    crate::filter::Facts::decode(r.get_ref(11)?.as_str().unwrap_or("")),
                ))
            })
            .map_err(|e| self.err(e))?;
        let mut out = Vec::new();
        for row in rows {
            out.push(row.map_err(|e| self.err(e))?);
        }
        Ok(out)
    }

    /// One contact with all its fields, as last seen.
    pub fn contact(&self, id: &str) -> Result<Option<Contact>> {
        let raw: Option<String> = self
            .conn
            .query_row("SELECT raw FROM contact_raw WHERE id = ?1", [id], |r| {
                r.get(0)
            })
            .optional()
            .map_err(|e| self.err(e))?;
        Ok(raw.and_then(|r| serde_json::from_str(&r).ok()))
    }

    /// Stores contacts as the server sent them. `pass` marks them seen by
    /// that sync pass; `ord` numbers them from `first_ord` (new ones only,
    /// when `None`: a detail fetch keeps the row where it is).
    pub fn put_contacts(
        &mut self,
        contacts: &[Contact],
        pass: Option<i64>,
        first_ord: Option<i64>,
    ) -> Result<()> {
        let path = self.path.clone();
        let tx = self.write()?;
        put_contacts_tx(&tx, contacts, pass, first_ord).map_err(|e| classify(&path, e))?;
        tx.commit().map_err(|e| classify(&path, e))
    }

    pub fn delete_contact(&mut self, id: &str) -> Result<()> {
        let path = self.path.clone();
        let tx = self.write()?;
        for table in ["contacts", "contact_raw"] {
            tx.execute(&format!("DELETE FROM {table} WHERE id = ?1"), [id])
                .map_err(|e| classify(&path, e))?;
        }
        for table in ["tasks", "notes", "appointments", "children_loaded"] {
            tx.execute(&format!("DELETE FROM {table} WHERE contact_id = ?1"), [id])
                .map_err(|e| classify(&path, e))?;
        }
        tx.commit().map_err(|e| classify(&path, e))
    }

    pub fn tasks(&self, contact_id: &str) -> Result<Option<Vec<Task>>> {
        self.children("tasks", contact_id)
    }
    pub fn notes(&self, contact_id: &str) -> Result<Option<Vec<Note>>> {
        self.children("notes", contact_id)
    }
    pub fn appointments(&self, contact_id: &str) -> Result<Option<Vec<Appointment>>> {
        self.children("appointments", contact_id)
    }
    pub fn put_tasks(&mut self, contact_id: &str, items: &[Task]) -> Result<()> {
        self.put_children("tasks", contact_id, items, |t| t.id.clone())
    }
    pub fn put_notes(&mut self, contact_id: &str, items: &[Note]) -> Result<()> {
        self.put_children("notes", contact_id, items, |n| n.id.clone())
    }
    pub fn put_appointments(&mut self, contact_id: &str, items: &[Appointment]) -> Result<()> {
        self.put_children("appointments", contact_id, items, |a| a.id.clone())
    }

    /// A contact's cached tasks/notes/appointments: `None` when never loaded.
    fn children<T: DeserializeOwned>(
        &self,
        table: &str,
        contact_id: &str,
    ) -> Result<Option<Vec<T>>> {
        let loaded = self
            .conn
            .query_row(
                "SELECT 1 FROM children_loaded WHERE contact_id = ?1 AND kind = ?2",
                params![contact_id, table],
                |_| Ok(()),
            )
            .optional()
            .map_err(|e| self.err(e))?
            .is_some();
        if !loaded {
            return Ok(None);
        }
        let mut stmt = self
            .conn
            .prepare_cached(&format!(
                "SELECT raw FROM {table} WHERE contact_id = ?1 ORDER BY rowid"
            ))
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([contact_id], |r| r.get::<_, String>(0))
            .map_err(|e| self.err(e))?;
        let mut out = Vec::new();
        for raw in rows {
            let raw = raw.map_err(|e| self.err(e))?;
            if let Ok(item) = serde_json::from_str(&raw) {
                out.push(item);
            }
        }
        Ok(Some(out))
    }

    /// Replaces a contact's whole list of one kind.
    fn put_children<T: Serialize>(
        &mut self,
        table: &str,
        contact_id: &str,
        items: &[T],
        id: impl Fn(&T) -> String,
    ) -> Result<()> {
        let path = self.path.clone();
        let run = |conn: &mut Connection| -> rusqlite::Result<()> {
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            tx.execute(
                &format!("DELETE FROM {table} WHERE contact_id = ?1"),
                [contact_id],
            )?;
            {
                let mut ins = tx.prepare_cached(&format!(
                    "INSERT OR REPLACE INTO {table} (contact_id, id, raw) VALUES (?1, ?2, ?3)"
                ))?;
                for item in items {
                    let raw = serde_json::to_string(item).unwrap_or_default();
                    ins.execute(params![contact_id, id(item), raw])?;
                }
            }
            tx.execute(
                "INSERT OR IGNORE INTO children_loaded (contact_id, kind) VALUES (?1, ?2)",
                params![contact_id, table],
            )?;
            tx.commit()
        };
        run(&mut self.conn).map_err(|e| classify(&path, e))
    }

    pub fn location_tags(&self) -> Result<Vec<LocationTag>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT raw FROM location_tags ORDER BY rowid")
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([], |r| r.get::<_, String>(0))
            .map_err(|e| self.err(e))?;
        let mut out = Vec::new();
        for raw in rows {
            if let Ok(t) = serde_json::from_str(&raw.map_err(|e| self.err(e))?) {
                out.push(t);
            }
        }
        Ok(out)
    }

    pub fn put_location_tags(&mut self, tags: &[LocationTag]) -> Result<()> {
        let path = self.path.clone();
        let run = |conn: &mut Connection| -> rusqlite::Result<()> {
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            tx.execute("DELETE FROM location_tags", [])?;
            for t in tags {
                tx.execute(
                    "INSERT OR REPLACE INTO location_tags (id, raw) VALUES (?1, ?2)",
                    params![t.id, serde_json::to_string(t).unwrap_or_default()],
                )?;
            }
            tx.commit()
        };
        run(&mut self.conn).map_err(|e| classify(&path, e))
    }
}

/// Upserts contacts inside a transaction (see [`Cache::put_contacts`]).
pub(crate) fn put_contacts_tx(
    tx: &rusqlite::Transaction<'_>,
    contacts: &[Contact],
    pass: Option<i64>,
    first_ord: Option<i64>,
) -> rusqlite::Result<()> {
    let next_ord: i64 = match first_ord {
        Some(o) => o,
        None => tx.query_row("SELECT coalesce(max(ord), -1) + 1 FROM contacts", [], |r| {
            r.get(0)
        })?,
    };
    let mut up = tx.prepare_cached(
        "INSERT INTO contacts (id, ord, name, first_name, last_name, email, phone, company,
                               tags, date_added, date_updated, pass, sort_name, haystack, facts)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, coalesce(?12, 0), ?14, ?15, ?16)
         ON CONFLICT (id) DO UPDATE SET
            sort_name = excluded.sort_name, haystack = excluded.haystack, facts = excluded.facts,
            ord = CASE WHEN ?13 THEN excluded.ord ELSE contacts.ord END,
            name = excluded.name, first_name = excluded.first_name,
            last_name = excluded.last_name, email = excluded.email, phone = excluded.phone,
            company = excluded.company, tags = excluded.tags,
            date_added = excluded.date_added, date_updated = excluded.date_updated,
            pass = coalesce(?12, contacts.pass)",
    )?;
    let mut raw = tx.prepare_cached(
        "INSERT INTO contact_raw (id, raw) VALUES (?1, ?2)
         ON CONFLICT (id) DO UPDATE SET raw = excluded.raw",
    )?;
    for (i, c) in contacts.iter().enumerate() {
        // The list's order and `rolo find` use the search entry's own
        // folded name and text.
        let entry = crate::search::Entry::new(c);
        let mut full = c.clone();
        // The cursor belongs to one search, not to the contact.
        full.search_after = None;
        up.execute(params![
            c.id,
            next_ord + i as i64,
            c.name,
            c.first_name,
            c.last_name,
            c.email,
            c.phone,
            c.company_name,
            c.tags.as_deref().map(encode_tags),
            c.date_added,
            c.date_updated,
            pass,
            first_ord.is_some(),
            entry.name,
            entry.haystack(),
            entry.facts.encode(),
        ])?;
        raw.execute(params![
            c.id,
            serde_json::to_string(&full).unwrap_or_default()
        ])?;
    }
    Ok(())
}

use crate::arena::{decode_tags, encode_tags};

/// A file that exists but is not an SQLite database is damaged.
fn check_header(path: &Path) -> Result<()> {
    use std::io::Read;
    let Ok(mut f) = std::fs::File::open(path) else {
        return Ok(());
    };
    let mut head = [0u8; 16];
    let mut n = 0;
    while n < head.len() {
        match f.read(&mut head[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) => {
                return Err(CacheError::Sqlite {
                    path: path.to_path_buf(),
                    detail: e.to_string(),
                });
            }
        }
    }
    if n == 0 || &head[..n] == MAGIC.as_slice() {
        return Ok(());
    }
    Err(CacheError::Corrupt {
        path: path.to_path_buf(),
        detail: if n < head.len() {
            "the file is truncated".into()
        } else {
            "the file is not an SQLite database".into()
        },
    })
}

pub(crate) fn classify(path: &Path, e: rusqlite::Error) -> CacheError {
    use rusqlite::ErrorCode::*;
    let code = e.sqlite_error_code();
    match code {
        Some(DatabaseCorrupt) | Some(NotADatabase) => CacheError::Corrupt {
            path: path.to_path_buf(),
            detail: e.to_string(),
        },
        _ => CacheError::Sqlite {
            path: path.to_path_buf(),
            detail: e.to_string(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn temp_path(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "rolo-cache-test-{}-{}-{}",
            std::process::id(),
            name,
            fastrand::u64(..)
        ));
        dir.join("c.db")
    }

    fn contact(id: &str, name: &str) -> Contact {
        Contact {
            id: id.into(),
            name: Some(name.into()),
            email: Some(format!("{id}@example.com")),
            tags: Some(vec!["vip".into(), "a\u{1f}b".into()]),
            city: Some("Austin".into()),
            ..Contact::default()
        }
    }

    #[cfg(unix)]
    #[test]
    fn the_cache_and_its_outbox_are_private() {
        use std::os::unix::fs::PermissionsExt;
        let path = temp_path("modes").join("sub").join("c.db");
        let c = Cache::open(&path).unwrap();
        c.enqueue_probe();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(path.parent().unwrap()), 0o700);
        assert_eq!(mode(&path), 0o600);
        assert_eq!(mode(&outbox_path(&path)), 0o600);
        let _lock = outbox::SenderLock::try_take(&path).unwrap();
        assert_eq!(mode(&path.with_extension("sender.lock")), 0o600);
        for side in ["c.db-wal", "c.outbox.db-wal"] {
            let p = path.with_file_name(side);
            if p.exists() {
                assert_eq!(mode(&p), 0o600, "{side}");
            }
        }
    }

    impl Cache {
        fn enqueue_probe(&self) {
            self.set_meta("probe", "1").unwrap();
        }
    }

    #[test]
    fn contacts_round_trip_slim_and_whole() {
        let path = temp_path("rt");
        let mut c = Cache::open(&path).unwrap();
        c.put_contacts(&[contact("b", "Bea"), contact("a", "Al")], Some(1), Some(0))
            .unwrap();
        let list = c.load_contacts().unwrap();
        assert_eq!(
            list.iter().map(|c| c.id.as_str()).collect::<Vec<_>>(),
            ["b", "a"]
        );
        assert_eq!(list[0].tags.as_ref().unwrap()[1], "a\u{1f}b");
        assert_eq!(list[0].city, None, "the list row is slim");
        assert_eq!(
            c.contact("b").unwrap().unwrap().city.as_deref(),
            Some("Austin")
        );
        // An update in place keeps the row's place when no order is given.
        c.put_contacts(&[contact("b", "Bea Two")], None, None)
            .unwrap();
        let list = c.load_contacts().unwrap();
        assert_eq!(list[0].name.as_deref(), Some("Bea Two"));
        c.delete_contact("b").unwrap();
        assert_eq!(c.contact_count().unwrap(), 1);
        assert!(c.contact("b").unwrap().is_none());
    }

    #[test]
    fn children_distinguish_never_loaded_from_empty() {
        let mut c = Cache::open(&temp_path("children")).unwrap();
        assert_eq!(c.tasks("x").unwrap(), None);
        c.put_tasks("x", &[]).unwrap();
        assert_eq!(c.tasks("x").unwrap(), Some(vec![]));
        let t = Task {
            id: "t1".into(),
            title: Some("Call".into()),
            ..Task::default()
        };
        c.put_tasks("x", std::slice::from_ref(&t)).unwrap();
        assert_eq!(c.tasks("x").unwrap(), Some(vec![t]));
    }

    #[test]
    fn a_version_3_cache_loses_the_unread_search_text_index_and_keeps_its_rows() {
        let path = temp_path("v3");
        let mut c = Cache::open(&path).unwrap();
        let ada = Contact {
            id: "keep".into(),
            first_name: Some("Ada".into()),
            ..Contact::default()
        };
        c.put_contacts(&[ada], None, None).unwrap();
        drop(c);
        let conn = Connection::open(&path).unwrap();
        let index = |conn: &Connection| -> i64 {
            conn.query_row(
                "SELECT count(*) FROM sqlite_master WHERE name = 'contacts_haystack'",
                [],
                |r| r.get(0),
            )
            .unwrap()
        };
        assert_eq!(index(&conn), 0, "a new cache has no such index");
        conn.execute_batch("CREATE INDEX contacts_haystack ON contacts (haystack, ord)")
            .unwrap();
        conn.pragma_update(None, "user_version", 3).unwrap();
        drop(conn);
        let c = Cache::open(&path).unwrap();
        assert_eq!(c.contact_count().unwrap(), 1);
        drop(c);
        let conn = Connection::open(&path).unwrap();
        assert_eq!(index(&conn), 0, "migration 4 drops it");
        let v: i64 = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap();
        assert_eq!(v, SCHEMA_VERSION);
    }

    #[test]
    fn a_newer_schema_is_refused_with_a_clear_message() {
        let path = temp_path("newer");
        drop(Cache::open(&path).unwrap());
        let conn = Connection::open(&path).unwrap();
        conn.pragma_update(None, "user_version", SCHEMA_VERSION + 1)
            .unwrap();
        drop(conn);
        let err = Cache::open(&path).unwrap_err();
        assert!(matches!(err, CacheError::Newer { .. }), "{err}");
        assert!(err.to_string().contains("newer rolo"), "{err}");
        // And it was left alone.
        let conn = Connection::open(&path).unwrap();
        let v: i64 = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap();
        assert_eq!(v, SCHEMA_VERSION + 1);
    }

    #[test]
    fn writers_on_two_connections_wait_for_each_other() {
        let path = temp_path("writers");
        drop(Cache::open(&path).unwrap());
        let run = |tag: &'static str| {
            let path = path.clone();
            std::thread::spawn(move || {
                let mut c = Cache::open(&path).unwrap();
                for i in 0..150 {
                    // No order given: the write starts with a read.
                    c.put_contacts(&[contact(&format!("{tag}{i}"), tag)], None, None)?;
                    c.put_tasks(&format!("{tag}{i}"), &[])?;
                }
                Ok::<_, CacheError>(())
            })
        };
        let (a, b) = (run("a"), run("b"));
        a.join().unwrap().unwrap();
        b.join().unwrap().unwrap();
        assert_eq!(Cache::open(&path).unwrap().contact_count().unwrap(), 300);
    }

    #[test]
    fn find_ranks_as_the_workspace_does() {
        let contacts = crate::sandbox::seed::model_contacts(3_000, 3, "loc");
        let mut c = Cache::open(&temp_path("find")).unwrap();
        c.put_contacts(&contacts, Some(1), Some(0)).unwrap();
        let entries: Vec<crate::search::Entry> =
            contacts.iter().map(crate::search::Entry::new).collect();
        for q in [
            "ada",
            "jose g",
            "#vip",
            "tag:vip ada",
            "acme roofing",
            "5551",
            "555-65",
            "torvlds",
            "adaa",
            "email:example.org",
            "zzqx",
        ] {
            let want: Vec<&str> = crate::search::search(q, &entries)
                .iter()
                .take(15)
                .map(|h| contacts[h.index].id.as_str())
                .collect();
            let got = c.find(q, 15).unwrap();
            let got: Vec<&str> = got.iter().map(|(c, _)| c.id.as_str()).collect();
            assert_eq!(got, want, "query {q:?}");
        }
    }

    #[test]
    fn reopening_keeps_the_data_and_the_schema() {
        let path = temp_path("reopen");
        let mut c = Cache::open(&path).unwrap();
        c.put_contacts(&[contact("a", "Al")], Some(1), Some(0))
            .unwrap();
        c.set_meta("k", "v").unwrap();
        drop(c);
        let c = Cache::open(&path).unwrap();
        assert_eq!(c.contact_count().unwrap(), 1);
        assert_eq!(c.meta("k").unwrap().as_deref(), Some("v"));
    }
}
