//! A damaged cache: moved aside and started again, its unsent edits kept
//! (they live in a file of their own), what was done said plainly.

use std::path::{Path, PathBuf};

use super::*;

/// What `open_or_recover` did about a damaged file.
#[derive(Debug, Clone, PartialEq)]
pub struct Recovery {
    /// Where the damaged cache went (`None`: only the outbox was damaged).
    pub moved_to: Option<PathBuf>,
    /// Unsent edits kept, untouched, in the outbox's own file.
    pub kept: usize,
    /// When edits had to be read out of a damaged file.
    pub outbox: Option<OutboxRecovery>,
    pub detail: String,
}

/// Edits read out of a damaged outbox (or a cache from before the outbox
/// had a file of its own).
#[derive(Debug, Clone, PartialEq)]
pub struct OutboxRecovery {
    /// Where the damaged outbox file went, kept for the user.
    pub moved_to: Option<PathBuf>,
    /// The edits read out of it, as JSON, if any could be.
    pub exported: Option<PathBuf>,
    /// How many of those were queued again.
    pub requeued: usize,
    pub salvaged: Vec<outbox::Salvaged>,
}

impl std::fmt::Display for Recovery {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let detail = crate::text::sanitize(&self.detail);
        match &self.moved_to {
            Some(to) => write!(
                f,
                "The cache was damaged ({detail}); it was moved to {} and is being rebuilt from HighLevel",
                to.display()
            )?,
            None => write!(f, "The outbox file was damaged ({detail})")?,
        }
        match &self.outbox {
            None if self.kept > 0 => write!(
                f,
                ". Your {} unsent edit(s) are safe in their own file and will be sent",
                self.kept
            )?,
            None => {}
            Some(o) => {
                write!(
                    f,
                    ". {} unsent edit(s) could be read out of it and were queued again",
                    o.requeued
                )?;
                if let Some(e) = &o.exported {
                    write!(f, " (also saved to {})", e.display())?;
                }
                if let Some(m) = &o.moved_to {
                    write!(
                        f,
                        ". Edits made before the damage may have been lost: the damaged outbox is kept at {}",
                        m.display()
                    )?;
                }
            }
        }
        Ok(())
    }
}

/// Why the outbox file cannot be trusted, if it cannot.
fn outbox_file_fault(ob: &Path) -> Option<String> {
    if !ob.exists() {
        return None;
    }
    if let Err(e) = check_header(ob) {
        return Some(e.to_string());
    }
    let conn = Connection::open_with_flags(ob, rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE)
        .map_err(|e| e.to_string())
        .ok()?;
    let verdict: std::result::Result<String, _> =
        conn.query_row("PRAGMA quick_check(1)", [], |r| r.get(0));
    match verdict {
        Ok(v) if v == "ok" => None,
        Ok(v) => Some(v),
        Err(e) => Some(e.to_string()),
    }
}

/// Reads what it can out of a damaged outbox file, saves it as JSON beside
/// it, moves the file aside, and notes that edits may have been lost.
fn recover_outbox(cache: &Path) -> Result<OutboxRecovery> {
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%S");
    let ob = outbox_path(cache);
    let salvaged = outbox::salvage(&ob);
    let exported = if salvaged.is_empty() {
        None
    } else {
        let out = cache.with_extension(format!("outbox-{stamp}.json"));
        export(&out, &salvaged)?;
        Some(out)
    };
    let moved_to = cache.with_extension(format!("outbox.db.damaged-{stamp}"));
    move_aside(&ob, &moved_to)?;
    Ok(OutboxRecovery {
        moved_to: Some(moved_to),
        exported,
        requeued: 0,
        salvaged,
    })
}

/// Queues salvaged edits again, and records that others may be lost.
fn requeue_salvaged(cache: &Cache, o: &OutboxRecovery) -> Result<usize> {
    let mut c = Cache::open(&cache.path)?;
    let n = c.requeue(&o.salvaged)?;
    if let Some(m) = &o.moved_to {
        c.set_outbox_note(
            outbox::LOST_NOTE,
            &format!(
                "The outbox file was damaged on {}: {n} edit(s) were recovered, but others made before then may have been lost. The damaged file is kept at {}.",
                chrono::Utc::now().format("%Y-%m-%d %H:%M UTC"),
                m.display()
            ),
        )?;
    }
    Ok(n)
}

fn export(out: &Path, edits: &[outbox::Salvaged]) -> Result<()> {
    let text = serde_json::to_string_pretty(edits).unwrap_or_default();
    private_file(out)
        .and_then(|_| std::fs::write(out, text))
        .map_err(|e| CacheError::Folder {
            path: out.to_path_buf(),
            detail: format!("cannot save the unsent edits: {e}"),
        })
}

/// Renames a database and its -wal and -shm files.
fn move_aside(from: &Path, to: &Path) -> Result<()> {
    std::fs::rename(from, to).map_err(|e| CacheError::Folder {
        path: from.to_path_buf(),
        detail: format!("cannot move the damaged file aside: {e}"),
    })?;
    for suffix in ["-wal", "-shm"] {
        let mut side = from.as_os_str().to_owned();
        side.push(suffix);
        let side = PathBuf::from(side);
        if side.exists() {
            let mut dest = to.as_os_str().to_owned();
            dest.push(suffix);
            let _ = std::fs::rename(&side, PathBuf::from(dest));
        }
    }
    Ok(())
}

impl Cache {
    /// Opens the cache; a damaged file is moved aside and a new one
    /// started. Unsent edits live in a file of their own and are kept; if
    /// that file is the damaged one, what can be read of it is queued again.
    pub fn open_or_recover(path: &Path) -> Result<(Cache, Option<Recovery>)> {
        let ob = outbox_path(path);
        let detail = match Cache::open(path).and_then(|c| c.probe().map(|_| c)) {
            Ok(c) => return Ok((c, None)),
            Err(CacheError::Corrupt { detail, path: p }) if p == ob => {
                // Only the outbox is damaged: the contacts stay.
                let outbox = recover_outbox(path)?;
                let cache = Cache::open(path)?;
                let requeued = requeue_salvaged(&cache, &outbox)?;
                return Ok((
                    cache,
                    Some(Recovery {
                        moved_to: None,
                        kept: 0,
                        outbox: Some(OutboxRecovery { requeued, ..outbox }),
                        detail,
                    }),
                ));
            }
            Err(CacheError::Corrupt { detail, .. }) => detail,
            Err(e) => return Err(e),
        };
        Cache::recover(path, detail).map(|(c, r)| (c, Some(r)))
    }

    /// Moves a damaged cache aside and starts a new one. The outbox file is
    /// checked on its own and kept when sound; when it is not, the edits it
    /// still gives are exported to a JSON file and queued again.
    pub fn recover(path: &Path, detail: String) -> Result<(Cache, Recovery)> {
        let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%S");
        let ob = outbox_path(path);
        let outbox = match outbox_file_fault(&ob) {
            Some(_) => Some(recover_outbox(path)?),
            None => None,
        };
        // A cache from before the outbox had its own file keeps it inside.
        let legacy = outbox::salvage(path);
        let legacy_export = if legacy.is_empty() {
            None
        } else {
            let out = path.with_extension(format!("outbox-{stamp}.json"));
            export(&out, &legacy)?;
            Some(out)
        };
        let moved_to = path.with_extension(format!("db.damaged-{stamp}"));
        move_aside(path, &moved_to)?;
        let cache = Cache::open(path)?;
        let mut requeued = 0;
        if let Some(o) = &outbox {
            requeued += requeue_salvaged(&cache, o)?;
        }
        let mut cache = cache;
        requeued += cache.requeue(&legacy)?;
        let kept = cache.outbox_counts()?.total();
        tracing::warn!(?moved_to, requeued, kept, "cache damaged: {detail}");
        let outbox = match (outbox, legacy_export) {
            (Some(o), _) => Some(OutboxRecovery { requeued, ..o }),
            (None, Some(exported)) => Some(OutboxRecovery {
                moved_to: None,
                exported: Some(exported),
                requeued,
                salvaged: legacy,
            }),
            (None, None) => None,
        };
        Ok((
            cache,
            Recovery {
                moved_to: Some(moved_to),
                kept,
                outbox,
                detail,
            },
        ))
    }
}
