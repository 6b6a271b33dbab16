//! `rolo find --all`: one query over the cache of every location this
//! machine has synced, the hits ranked together and each named by its
//! profile. Offline: each cache's stored list is searched as the workspace
//! searches it, its filters read against that location's own users and
//! fields.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde_json::json;

use super::verbs::{Failure, Lookups, Outcome, Paint, Shape, found_line, print_json, shell_filter};
use crate::api::model::Contact;
use crate::cache::Cache;
use crate::config::ProfilePlace;
use crate::text::sanitize;
use crate::zone::Zone;

/// A location's cache, and what its rows are called.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    /// The profile (or profiles, joined by ","), else the location id.
    pub label: String,
    pub location_id: String,
    /// The profile named first, when one names this location.
    pub profile: Option<String>,
    /// The profile's user, for `--mine` and `assigned:me`.
    pub user: Option<String>,
    pub path: PathBuf,
}

/// Every location cache in `dir` (a `LOCATION.db` beside its outbox and
/// list), each named by the profiles whose config names its location.
pub fn places(dir: &Path, profiles: &[ProfilePlace]) -> Vec<Place> {
    let Ok(read) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out: Vec<Place> = read
        .filter_map(Result::ok)
        .filter_map(|e| {
            let name = e.file_name().into_string().ok()?;
            let stem = name.strip_suffix(".db")?;
            if stem.ends_with(".outbox") || stem.is_empty() || !is_database(&e) {
                return None;
            }
            let named: Vec<&ProfilePlace> = profiles
                .iter()
                .filter(|p| crate::cache::file_safe(&p.location_id) == stem)
                .collect();
            let location_id = named
                .first()
                .map_or_else(|| stem.to_string(), |p| p.location_id.clone());
            let label = if named.is_empty() {
                location_id.clone()
            } else {
                named
                    .iter()
                    .map(|p| p.profile.as_str())
                    .collect::<Vec<_>>()
                    .join(",")
            };
            Some(Place {
                label,
                location_id,
                profile: named.first().map(|p| p.profile.clone()),
                user: named.iter().find_map(|p| p.user.clone()),
                path: e.path(),
            })
        })
        .collect();
    out.sort_by(|a, b| a.label.cmp(&b.label).then(a.path.cmp(&b.path)));
    out
}

/// Whether a directory entry is a database rolo may open: a regular file
/// (not a link, which could point anywhere, nor a pipe, which would hang
/// the read) that starts as SQLite's files do. Anything else is left
/// alone: opening it as a cache would turn it into one.
fn is_database(e: &std::fs::DirEntry) -> bool {
    use std::io::Read;
    if !e.file_type().is_ok_and(|t| t.is_file()) {
        return false;
    }
    let mut head = [0u8; 16];
    std::fs::File::open(e.path())
        .and_then(|mut f| f.read_exact(&mut head))
        .is_ok()
        && &head == b"SQLite format 3\0"
}

/// One hit, with where it is from.
pub struct Found {
    pub place: usize,
    pub contact: Contact,
    pub score: u32,
    key: String,
}

/// A place's cache, read and indexed, ready for queries.
pub struct Loaded {
    pub at: usize,
    index: crate::search::Index,
    look: Lookups,
    zone: Zone,
    /// Facts, read once a filter needs them.
    cache: Cache,
}

/// Reads a place's stored list (built and stored when stale). `None`
/// when the place was never synced: nothing to search.
pub fn load(place: &Place, at: usize, zone: Option<Zone>) -> Result<Option<Loaded>, Failure> {
    let cache = Cache::open(&place.path).map_err(|e| Failure::new(2, e.to_string()))?;
    if !matches!(cache.synced_at(), Ok(Some(_))) {
        return Ok(None);
    }
    let user = place
        .user
        .clone()
        .or_else(|| crate::identity::load(&crate::auth::account(place.profile.as_deref())));
    let look = Lookups::of_cache(&cache, user);
    let zone = zone
        .or_else(|| {
            cache
                .meta(crate::cache::LOCATION_TIMEZONE)
                .ok()
                .flatten()
                .and_then(|t| Zone::parse(&t))
        })
        .unwrap_or(Zone::Local);
    let block = cache
        .list_block()
        .map_err(|e| Failure::new(2, e.to_string()))?;
    Ok(Some(Loaded {
        at,
        index: crate::search::Index::from_rows(block.rows, block.by_name),
        look,
        zone,
        cache,
    }))
}

impl Loaded {
    /// The best `limit` hits here for `query` (words, filters, `@NAME`),
    /// its filters read against this location's users and fields.
    pub fn search(&mut self, query: &str, mine: bool, limit: usize) -> Result<Vec<Found>, Failure> {
        let (filter, text) = shell_filter(query, mine, &self.look, self.zone)?;
        if !filter.is_empty() && self.index.facts_missing() {
            let facts = self
                .cache
                .facts_by_id()
                .map_err(|e| Failure::new(2, e.to_string()))?;
            self.index.supply_facts(facts);
        }
        let hits = self.index.search_filtered(&text, &filter);
        let rows = self.index.rows();
        Ok(hits
            .into_iter()
            .take(limit)
            .map(|h| {
                let contact = rows.contact(h.index);
                Found {
                    place: self.at,
                    key: crate::search::fold(&contact.display_name()),
                    contact,
                    score: h.score,
                }
            })
            .collect())
    }
}

/// Runs `f` on each item on every core, keeping the items' order.
fn each_core<T: Send, R: Send>(items: Vec<T>, f: impl Fn(T) -> R + Sync) -> Vec<R> {
    let workers = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(items.len())
        .max(1);
    let queue = std::sync::Mutex::new(items.into_iter().enumerate());
    let mut out: Vec<(usize, R)> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                s.spawn(|| {
                    let mut done = Vec::new();
                    loop {
                        let next = queue.lock().map(|mut q| q.next()).ok().flatten();
                        let Some((i, item)) = next else { break };
                        done.push((i, f(item)));
                    }
                    done
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_default())
            .collect()
    });
    out.sort_by_key(|(i, _)| *i);
    out.into_iter().map(|(_, r)| r).collect()
}

/// Every place read and indexed, on every core: those loaded, and those
/// that could not be (by position). Once `stop` is set, no more are read.
pub fn load_all(
    places: &[Place],
    zone: Option<Zone>,
    stop: &std::sync::atomic::AtomicBool,
) -> (Vec<Loaded>, Vec<(usize, Failure)>) {
    let (mut loaded, mut failed) = (Vec::new(), Vec::new());
    let all = each_core(places.iter().enumerate().collect(), |(i, p)| {
        if stop.load(std::sync::atomic::Ordering::Relaxed) {
            return (i, Ok(None));
        }
        (i, load(p, i, zone))
    });
    for (i, r) in all {
        match r {
            Ok(Some(l)) => loaded.push(l),
            Ok(None) => {}
            Err(f) => failed.push((i, f)),
        }
    }
    (loaded, failed)
}

/// The best `limit` hits over every loaded place, ranked together: by
/// score, then by name, then by place; and the places where the query
/// cannot be read.
pub fn search_all(
    loaded: &mut [Loaded],
    query: &str,
    mine: bool,
    limit: usize,
) -> (Vec<Found>, Vec<(usize, Failure)>) {
    let results = each_core(loaded.iter_mut().collect(), |l| {
        (l.at, l.search(query, mine, limit))
    });
    let (mut found, mut failed) = (Vec::new(), Vec::new());
    for (at, r) in results {
        match r {
            Ok(h) => found.extend(h),
            Err(f) => failed.push((at, f)),
        }
    }
    found.sort_by(|a, b| {
        b.score
            .cmp(&a.score)
            .then_with(|| a.key.cmp(&b.key))
            .then(a.place.cmp(&b.place))
    });
    found.truncate(limit);
    (found, failed)
}

/// `rolo find --all QUERY`.
pub fn find_all(
    profiles: &[ProfilePlace],
    query: &str,
    limit: usize,
    shape: Shape,
    mine: bool,
    zone: Option<Zone>,
) -> Outcome {
    if super::verbs::caching_off() {
        return Err(Failure::new(
            2,
            "--all searches the local caches, and --no-cache (or ROLO_NO_CACHE) turns them off",
        ));
    }
    let dir = crate::cache::data_dir()
        .map(|d| d.join("cache"))
        .ok_or_else(|| Failure::new(2, "no data folder: set ROLO_DATA_DIR or HOME"))?;
    if limit == 0 {
        return Err(Failure::new(2, "--limit must be at least 1"));
    }
    let places = places(&dir, profiles);
    let never = std::sync::atomic::AtomicBool::new(false);
    let (mut loaded, mut failed) = load_all(&places, zone, &never);
    let synced = loaded.len();
    let (found, unread) = search_all(&mut loaded, query, mine, limit);
    let searched = loaded.len() - unread.len();
    // Why the query could not be read, from a location that was read.
    let unreadable = unread
        .first()
        .map(|(_, f)| Failure::new(f.code, f.message.clone()));
    failed.extend(unread);
    failed.sort_by_key(|(i, _)| *i);
    for (i, f) in &failed {
        eprintln!(
            "rolo: {}: not searched: {}",
            sanitize(&places[*i].label),
            sanitize(&f.message)
        );
    }
    if searched == 0 {
        return Err(match (unreadable, failed.into_iter().next()) {
            // Synced, but the query can be read in none of them.
            (Some(f), _) if synced > 0 => Failure::new(
                f.code,
                format!("the query cannot be read in any location: {}", f.message),
            ),
            (_, Some((_, f))) if places.len() == 1 => f,
            _ => Failure::new(
                2,
                "no location here has been synced: `rolo sync` (with --profile NAME for each) keeps one's contacts for --all to search",
            ),
        });
    }
    if shape == Shape::Json {
        return print_json(&json!(
            found
                .iter()
                .map(|f| json!({
                    "profile": places[f.place].profile,
                    "locationId": places[f.place].location_id,
                    "contact": f.contact,
                }))
                .collect::<Vec<_>>()
        ));
    }
    if found.is_empty() {
        return Err(Failure::new(
            1,
            format!(
                "no contact matches {query:?} in {searched} location{}",
                if searched == 1 { "" } else { "s" }
            ),
        ));
    }
    let paint = Paint::stdout();
    let labels: Vec<String> = found
        .iter()
        .map(|f| sanitize(&places[f.place].label).into_owned())
        .collect();
    let width = labels
        .iter()
        .map(|l| unicode_width::UnicodeWidthStr::width(l.as_str()))
        .max()
        .unwrap_or(0);
    let mut out = std::io::stdout().lock();
    for (f, label) in found.iter().zip(&labels) {
        let pad = width - unicode_width::UnicodeWidthStr::width(label.as_str());
        writeln!(
            out,
            "{}{}  {}",
            paint.cyan(label),
            " ".repeat(pad),
            found_line(paint, &f.contact)
        )?;
    }
    Ok(())
}
