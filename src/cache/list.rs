//! The list's block (see [`crate::arena`]) kept beside the cache, so that
//! start-up reads every contact's list fields and search text in one piece
//! instead of reading, parsing and folding each row.
//!
//! The block names the rows it was built from: the cache's own random
//! instance and a generation that triggers bump on every change to a listed
//! column. A block of other rows, of another format, or damaged, is
//! rebuilt from the rows; it is never trusted.

use super::*;
use crate::arena::{RowIn, Rows, Stale};

const INSTANCE: &str = "rows_instance";
const GENERATION: &str = "rows_generation";

/// The columns whose change makes the stored block stale.
const LISTED: &[&str] = &[
    "id",
    "ord",
    "name",
    "first_name",
    "last_name",
    "email",
    "phone",
    "company",
    "tags",
    "date_added",
    "haystack",
];

/// Where the list's block lives: beside the cache, `NAME.list`.
pub fn block_path(cache: &Path) -> PathBuf {
    cache.with_extension("list")
}

/// Where a list came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// The stored block, read in one piece.
    Stored,
    /// Built from the rows, because the stored block could not be used.
    Built(Stale),
}

/// The list as the workspace starts from it.
#[derive(Debug)]
pub struct ListBlock {
    pub rows: Rows,
    /// The name order, when the stored block had it.
    pub by_name: Option<Vec<u32>>,
    /// Which rows it is of (see [`Cache::rows_stamp`]).
    pub stamp: String,
    pub origin: Origin,
}

impl Cache {
    /// Gives the cache its instance and the triggers that count changes
    /// to listed rows (once; a cache from an older rolo gets them here).
    pub(super) fn ensure_row_stamp(&mut self) -> rusqlite::Result<()> {
        let has: bool = self
            .conn
            .prepare("SELECT 1 FROM sqlite_master WHERE type = 'trigger' AND name = 'contacts_gen_delete'")?
            .exists([])?;
        if has {
            return Ok(());
        }
        let changed = LISTED
            .iter()
            .map(|c| format!("old.{c} IS NOT new.{c}"))
            .collect::<Vec<_>>()
            .join(" OR ");
        let bump = format!(
            "UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = '{GENERATION}'"
        );
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        tx.execute_batch(&format!(
            "INSERT OR IGNORE INTO meta (key, value) VALUES ('{INSTANCE}', lower(hex(randomblob(8))));
             INSERT OR IGNORE INTO meta (key, value) VALUES ('{GENERATION}', '0');
             CREATE TRIGGER IF NOT EXISTS contacts_gen_insert AFTER INSERT ON contacts
                BEGIN {bump}; END;
             CREATE TRIGGER IF NOT EXISTS contacts_gen_update AFTER UPDATE ON contacts
                WHEN {changed} BEGIN {bump}; END;
             CREATE TRIGGER IF NOT EXISTS contacts_gen_delete AFTER DELETE ON contacts
                BEGIN {bump}; END;"
        ))?;
        tx.commit()
    }

    /// Which rows the cache holds now: its instance and the generation of
    /// its listed rows. Equal stamps mean the same list.
    pub fn rows_stamp(&self) -> Result<String> {
        Ok(format!(
            "{}:{}",
            self.meta(INSTANCE)?.unwrap_or_default(),
            self.meta(GENERATION)?.unwrap_or_default()
        ))
    }

    /// The stored block, when it is of these rows (`None` when it is
    /// missing, stale or damaged: see [`Cache::list_block`]).
    pub fn stored_list(&self) -> Result<Option<ListBlock>> {
        let stamp = self.rows_stamp()?;
        match Rows::read_file(&block_path(&self.path), &stamp) {
            Ok((rows, by_name)) => Ok(Some(ListBlock {
                rows,
                by_name: Some(by_name),
                stamp,
                origin: Origin::Stored,
            })),
            Err(why) => {
                if why != Stale::Missing {
                    tracing::info!("the stored list is not used: {why}");
                }
                Ok(None)
            }
        }
    }

    /// Builds and stores the block when the stored one is not of the rows
    /// now (after a sync, for the next start). Reads only its header when
    /// it is.
    pub fn refresh_list_block(&self) -> Result<bool> {
        let stamp = self.rows_stamp()?;
        if Rows::file_stamp(&block_path(&self.path)).as_deref() == Some(stamp.as_str()) {
            return Ok(false);
        }
        self.list_block().map(|_| true)
    }

    /// The list: the stored block when it is of these rows, else built
    /// from them (and stored for the next start).
    pub fn list_block(&self) -> Result<ListBlock> {
        let path = block_path(&self.path);
        let stamp = self.rows_stamp()?;
        let why = match Rows::read_file(&path, &stamp) {
            Ok((rows, by_name)) => {
                return Ok(ListBlock {
                    rows,
                    by_name: Some(by_name),
                    stamp,
                    origin: Origin::Stored,
                });
            }
            Err(why) => why,
        };
        if why != Stale::Missing {
            tracing::info!("the list's block is rebuilt: {why}");
        }
        let (rows, stamp) = self.build_rows()?;
        let mut index = crate::search::Index::from_rows(rows, None);
        let by_name = index.by_name().to_vec();
        let rows = index.into_rows();
        if let Err(e) = rows.write_file(&path, &stamp, &by_name) {
            tracing::info!("the list's block could not be stored: {e}");
        }
        Ok(ListBlock {
            rows,
            by_name: Some(by_name),
            stamp,
            origin: Origin::Built(why),
        })
    }

    /// What filters look at, for every cached contact, by id.
    pub fn facts_by_id(&self) -> Result<std::collections::HashMap<String, crate::filter::Facts>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT id, facts FROM contacts")
            .map_err(|e| self.err(e))?;
        let mut q = stmt.query([]).map_err(|e| self.err(e))?;
        let mut out = std::collections::HashMap::new();
        while let Some(r) = q.next().map_err(|e| self.err(e))? {
            let id: String = r.get(0).map_err(|e| self.err(e))?;
            let facts = r
                .get_ref(1)
                .map_err(|e| self.err(e))?
                .as_str()
                .unwrap_or("");
            out.insert(id, crate::filter::Facts::decode(facts));
        }
        Ok(out)
    }

    /// Every listed row, in list order, as a block, with the stamp of the
    /// rows read (both from one read, so they agree).
    pub fn build_rows(&self) -> Result<(Rows, String)> {
        let tx = self.conn.unchecked_transaction().map_err(|e| self.err(e))?;
        let stamp = self.rows_stamp()?;
        let mut rows = Rows::default();
        {
            let mut stmt = tx
                .prepare(
                    "SELECT id, name, first_name, last_name, email, phone, company, tags,
                            date_added, haystack FROM contacts ORDER BY ord, id",
                )
                .map_err(|e| self.err(e))?;
            let mut q = stmt.query([]).map_err(|e| self.err(e))?;
            while let Some(r) = q.next().map_err(|e| self.err(e))? {
                let text = |i| -> Result<Option<String>> { r.get(i).map_err(|e| self.err(e)) };
                let c = Contact {
                    id: text(0)?.unwrap_or_default(),
                    name: text(1)?,
                    first_name: text(2)?,
                    last_name: text(3)?,
                    email: text(4)?,
                    phone: text(5)?,
                    company_name: text(6)?,
                    tags: text(7)?.map(|t| crate::arena::decode_tags(&t)),
                    date_added: text(8)?,
                    ..Contact::default()
                };
                let hay = text(9)?.unwrap_or_default();
                // What filters look at stays on disk until a filter is
                // used (see `Cache::facts_by_id`): most sessions never do.
                rows.push(RowIn {
                    contact: &c,
                    hay: &hay,
                    facts: "",
                });
            }
        }
        tx.commit().map_err(|e| self.err(e))?;
        Ok((rows, stamp))
    }
}
