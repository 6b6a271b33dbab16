//! Scale: the workspace with 100,000 and 1,000,000 contacts cached, each
//! figure from the real binary as a user runs it, next to fzf on the same
//! contacts in the same run.
//!
//! Rows, at each size:
//! - memory: RSS and peak (VmHWM, from /proc) of the workspace started
//!   from its cache, once its list is loaded and a search typed;
//! - launch to hits: a query typed at once after launch, in a pty, until
//!   the list shows its hits; next to `fzf --filter` on the same contacts
//!   as lines, whole process; medians, and their ratio;
//! - search per keystroke: a key typed in the running workspace until the
//!   frame with its hits arrives (pty), and the index alone in process;
//! - bytes written for a `j` that scrolls the list, and the median over a
//!   walk of 1,000 `j` presses, at 80×24 and 200×60 (pty);
//! - cache size, and what takes the space;
//! - the sandbox seeded with that many contacts (`rolo sandbox`): time
//!   until it listens, and its memory; then a first `rolo sync` of them
//!   all, against the rate limit's bound (100 requests per 10 s), with
//!   the 429s it met; and a sync stopped halfway, then run again, with
//!   how much the second run fetched;
//! - and once: `rolo find --all` over 40 profiles of 25,000 contacts,
//!   whole process, beside fzf on the same million lines.
//!
//! The API is a closed port: nothing here waits on a network.
//!
//! Run: `cargo bench --bench scale` (`-- --quick` for 100,000 only and
//! fewer runs; `-- --sizes 100000,1000000` to choose; `-- --bytes` for
//! the bytes rows alone; `-- --across` for `find --all` over 40 profiles
//! alone, which the full run includes; `-- --sync` for the sandbox and
//! sync rows alone).

mod common;

use std::time::{Duration, Instant};

use chrono::Utc;
use portable_pty::CommandBuilder;
use rolo::api::model::Contact;
use rolo::cache::{Cache, Caching};

const LOCATION: &str = "scale-location";
/// Contacts are generated in pieces of this many, each its own seed.
const PIECE: usize = 25_000;

fn command(home: &std::path::Path) -> CommandBuilder {
    common::offline_rolo(home, LOCATION)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn percentile(v: &mut [Duration], p: f64) -> Duration {
    v.sort();
    v[((v.len() as f64 - 1.0) * p).round() as usize]
}

fn mb(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

/// Piece `k` of the seeded contacts.
fn piece(k: usize) -> Vec<Contact> {
    rolo::sandbox::seed::model_contacts(PIECE, 1000 + k as u64, LOCATION)
}

/// Writes `n` contacts into the cache under `home`, and their fzf lines.
fn build(home: &std::path::Path, n: usize) -> std::path::PathBuf {
    let path = Caching::In(home.join("data"))
        .path_for(LOCATION)
        .expect("a path");
    let t = Instant::now();
    let mut cache = Cache::open(&path).expect("cache");
    let mut lines = String::new();
    for k in 0..n.div_ceil(PIECE) {
        let list = piece(k);
        let take = PIECE.min(n - k * PIECE);
        cache
            .put_contacts(&list[..take], Some(1), Some((k * PIECE) as i64))
            .expect("stored");
        for c in &list[..take] {
            lines.push_str(&common::fzf_line(c));
            lines.push('\n');
        }
    }
    cache
        .set_meta(rolo::cache::sync::SYNCED_AT, &Utc::now().to_rfc3339())
        .expect("meta");
    std::fs::write(home.join("lines.txt"), lines).expect("lines");
    let t2 = Instant::now();
    let block = cache.list_block().expect("block");
    eprintln!(
        "  ({n} contacts written in {:.1?}; the list's block built and stored in {:.1?}, {:?})",
        t2 - t,
        t2.elapsed(),
        block.origin
    );
    path
}

/// The sizes of the cache's files, and what takes the space.
fn sizes(path: &std::path::Path, n: usize) {
    let size = |p: &std::path::Path| std::fs::metadata(p).map_or(0, |m| m.len());
    let db = size(path);
    let block = size(&rolo::cache::list::block_path(path));
    let conn = rusqlite::Connection::open(path).expect("sqlite");
    let sum = |sql: &str| conn.query_row(sql, [], |r| r.get::<_, i64>(0)).unwrap_or(0) as u64;
    let raw = sum("SELECT coalesce(sum(length(raw)), 0) FROM contact_raw");
    let hay = sum("SELECT coalesce(sum(length(haystack)), 0) FROM contacts");
    let facts = sum("SELECT coalesce(sum(length(facts)), 0) FROM contacts");
    let cols = sum(
        "SELECT coalesce(sum(length(id) + length(name) + length(first_name) + length(last_name)
            + length(email) + length(phone) + length(company) + length(tags) + length(date_added)
            + length(date_updated) + length(sort_name)), 0) FROM contacts",
    );
    // Per table and index, from SQLite's own page accounting when built in.
    let mut by_object = Vec::new();
    if let Ok(mut stmt) = conn.prepare(
        "SELECT name, sum(pgsize) FROM dbstat GROUP BY name ORDER BY sum(pgsize) DESC LIMIT 6",
    ) && let Ok(rows) = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))
    {
        by_object = rows.flatten().collect();
    }
    println!(
        "  cache: {:.0} MB ({:.0} bytes a contact) + list block {:.0} MB ({:.0} bytes a contact)",
        mb(db),
        db as f64 / n as f64,
        mb(block),
        block as f64 / n as f64
    );
    println!(
        "    in it: raw records {:.0} MB, list columns {:.0} MB, search text {:.0} MB (twice: column and index), facts {:.0} MB",
        mb(raw),
        mb(cols),
        mb(hay),
        mb(facts)
    );
    if !by_object.is_empty() {
        let parts: Vec<String> = by_object
            .iter()
            .map(|(name, b)| format!("{name} {:.0} MB", mb(*b as u64)))
            .collect();
        println!("    by table and index: {}", parts.join(", "));
    }
}

/// fzf's whole-process time filtering the lines for `q`.
fn fzf_once(home: &std::path::Path, q: &str) -> Option<Duration> {
    let t = Instant::now();
    let status = std::process::Command::new("fzf")
        .args(["--filter", q])
        .stdin(std::fs::File::open(home.join("lines.txt")).ok()?)
        .stdout(std::process::Stdio::null())
        .status()
        .ok()?;
    status.success().then(|| t.elapsed())
}

/// `ours` and `fzf --filter q` run by turns, `runs` times each: their
/// medians (fzf's when it is installed).
fn beside_fzf(
    runs: usize,
    fzf: bool,
    home: &std::path::Path,
    q: &str,
    mut ours: impl FnMut() -> Duration,
) -> (Duration, Option<Duration>) {
    let (mut us, mut them) = (Vec::new(), Vec::new());
    for _ in 0..runs {
        us.push(ours());
        if fzf && let Some(d) = fzf_once(home, q) {
            them.push(d);
        }
    }
    (
        common::median(us),
        (!them.is_empty()).then(|| common::median(them)),
    )
}

/// `rolo find --all` over 40 profiles of 25,000 contacts each, whole
/// process, beside `fzf --filter` on the same million lines.
fn across(runs: usize, fzf: bool) {
    const PROFILES: usize = 40;
    let home = std::env::temp_dir().join(format!("rolo-scale-across-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&home);
    std::fs::create_dir_all(&home).expect("home");
    println!("\nfind --all: {PROFILES} profiles of {PIECE} contacts");
    let t = Instant::now();
    let mut lines = String::new();
    let mut config = String::new();
    for k in 0..PROFILES {
        let location = format!("scale-loc-{k:02}");
        let path = Caching::In(home.join("data"))
            .path_for(&location)
            .expect("a path");
        let mut cache = Cache::open(&path).expect("cache");
        let list = rolo::sandbox::seed::model_contacts(PIECE, 1000 + k as u64, &location);
        cache.put_contacts(&list, Some(1), Some(0)).expect("stored");
        cache
            .set_meta(rolo::cache::sync::SYNCED_AT, &Utc::now().to_rfc3339())
            .expect("meta");
        cache.list_block().expect("block");
        for c in &list {
            lines.push_str(&common::fzf_line(c));
            lines.push('\n');
        }
        config.push_str(&format!(
            "[profiles.p{k:02}]\nlocation_id = \"{location}\"\n"
        ));
    }
    std::fs::write(home.join("lines.txt"), lines).expect("lines");
    std::fs::write(home.join("none.toml"), config).expect("config");
    eprintln!("  (written in {:.1?})", t.elapsed());
    let q = "ada";
    let once = || {
        let t = Instant::now();
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_rolo"))
            .env_clear()
            .envs(common::hermetic_env(&home))
            .args(["find", "--all", q, "--limit", "20"])
            .output()
            .expect("rolo runs");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        (t.elapsed(), out.stdout)
    };
    let (_, first) = once();
    let shown = String::from_utf8_lossy(&first).lines().count();
    let (ours, theirs) = beside_fzf(runs, fzf, &home, q, || once().0);
    match theirs {
        Some(f) => println!(
            "  rolo find --all {q:?} ({shown} rows): {:.0} ms; fzf --filter {q:?} on the same {} lines, whole process: {:.0} ms; ratio {:.2}   goal ≤ 1.0",
            ms(ours),
            PROFILES * PIECE,
            ms(f),
            ours.as_secs_f64() / f.as_secs_f64()
        ),
        None => println!("  rolo find --all {q:?}: {:.0} ms", ms(ours)),
    }
    let _ = std::fs::remove_dir_all(&home);
}

/// The hits the workspace shows for `q`, worked out in process.
fn expected_hits(path: &std::path::Path, q: &str) -> usize {
    let cache = Cache::open(path).expect("cache");
    let b = cache.list_block().expect("block");
    let mut index = rolo::search::Index::from_rows(b.rows, b.by_name);
    index.search(q).len()
}

/// One launch with `q` typed at once: the time until its hits show.
fn launch_to_hits(home: &std::path::Path, q: &str, hits: usize) -> Duration {
    let mut term = common::Pty::spawn(command(home), 40, 120);
    let mut keys = b"/".to_vec();
    keys.extend_from_slice(q.as_bytes());
    term.send(&keys);
    let want = format!(" Contacts {hits}/");
    let shown = term.wait_screen(Duration::from_secs(120), |s| {
        let text = s.contents();
        text.contains(&want) && text.contains(&format!("/{q}"))
    });
    assert!(shown, "the hits never showed: {}", term.contents());
    // The first chunk after which the screen showed them.
    let titles = term.titles.lock().unwrap();
    let at = titles
        .iter()
        .find(|(_, p)| p.is_some_and(|(h, _)| h == hits as u64))
        .map_or_else(Instant::now, |(t, _)| *t);
    at - term.started
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let quick = args.iter().any(|a| a == "--quick");
    // `--bytes`: the bytes rows alone.
    let only_bytes = args.iter().any(|a| a == "--bytes");
    let sizes_arg = args
        .iter()
        .position(|a| a == "--sizes")
        .and_then(|i| args.get(i + 1))
        .map(|s| s.split(',').filter_map(|v| v.parse().ok()).collect());
    let sizes_list: Vec<usize> = sizes_arg.unwrap_or_else(|| {
        if quick {
            vec![100_000]
        } else {
            vec![100_000, 1_000_000]
        }
    });
    let runs = if quick { 5 } else { 11 };
    let fzf = std::process::Command::new("fzf")
        .arg("--version")
        .output()
        .is_ok();
    println!(
        "rolo at scale, on {} cores; medians of {runs} runs{}",
        std::thread::available_parallelism().map_or(0, |c| c.get()),
        if fzf {
            ""
        } else {
            "; fzf not installed (apt-get install fzf): no ratios"
        }
    );
    let across_only = args.iter().any(|a| a == "--across");
    let only_sync = args.iter().any(|a| a == "--sync");
    if only_sync {
        for n in sizes_list {
            println!("\n{n} contacts");
            sync_rows(n);
        }
        return;
    }
    if across_only || !quick {
        across(runs, fzf);
    }
    if across_only {
        return;
    }
    for n in sizes_list {
        let home = std::env::temp_dir().join(format!("rolo-scale-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&home);
        println!("\n{n} contacts");
        let path = build(&home, n);
        if only_bytes {
            for (w, h) in [(80u16, 24u16), (200, 60)] {
                bytes_per_j(&home, n, w, h, if quick { 300 } else { 1_000 });
            }
            let _ = std::fs::remove_dir_all(&home);
            continue;
        }
        let q = "ada";
        let hits = expected_hits(&path, q);

        // Launch to hits, beside fzf's whole process, interleaved.
        launch_to_hits(&home, q, hits);
        let (ours, theirs) = beside_fzf(runs, fzf, &home, q, || launch_to_hits(&home, q, hits));
        match theirs {
            Some(f) => println!(
                "  launch to hits of {q:?} ({hits} hits): {:.0} ms; fzf --filter {q:?}, whole process: {:.0} ms; ratio {:.2}   goal ≤ 1.0",
                ms(ours),
                ms(f),
                ours.as_secs_f64() / f.as_secs_f64()
            ),
            None => println!("  launch to hits of {q:?}: {:.0} ms", ms(ours)),
        }

        // Memory, and search per keystroke, in one running workspace.
        let mut term = common::Pty::spawn(command(&home), 60, 200);
        let loaded = term.wait_screen(Duration::from_secs(120), |s| {
            common::list_position(s).is_some_and(|(_, total)| total == n as u64)
        });
        assert!(loaded, "the list never showed: {}", term.contents());
        let (idle, _) = term.memory_kb().expect("/proc");
        per_keystroke(&mut term, &path, quick);
        let (rss, peak) = term.memory_kb().expect("/proc");
        println!(
            "  memory, loaded from the cache: {:.0} MB RSS; after searches: {:.0} MB RSS, peak {:.0} MB   goal ≤ 60 MB at 100,000",
            idle as f64 / 1024.0,
            rss as f64 / 1024.0,
            peak as f64 / 1024.0
        );
        drop(term);
        for (w, h) in [(80u16, 24u16), (200, 60)] {
            bytes_per_j(&home, n, w, h, if quick { 300 } else { 1_000 });
        }
        sizes(&path, n);
        let _ = std::fs::remove_dir_all(&home);
        sync_rows(n);
    }
}

/// `rolo` as a user runs it, with every place it keeps things under `home`.
fn rolo_at(home: &std::path::Path) -> std::process::Command {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_rolo"));
    cmd.envs(common::hermetic_env(home));
    cmd.env("ROLO_LOG", "warn");
    cmd
}

/// The sandbox seeded with `n` contacts, then `rolo sync` of them all,
/// then a sync stopped halfway and run again.
fn sync_rows(n: usize) {
    use std::io::{BufRead, BufReader};
    let home = std::env::temp_dir().join(format!("rolo-scale-sync-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&home);
    std::fs::create_dir_all(&home).expect("home");
    let started = Instant::now();
    let mut sandbox = rolo_at(&home)
        .args(["sandbox", "--addr", "127.0.0.1:0", "--token", "scale-token"])
        .args(["--location-id", LOCATION, "--seed", "1"])
        .args(["--contacts", &n.to_string()])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("rolo sandbox");
    let mut out = BufReader::new(sandbox.stdout.take().expect("stdout"));
    let mut line = String::new();
    out.read_line(&mut line)
        .expect("the sandbox says where it listens");
    let seeded = started.elapsed();
    let base = line
        .trim()
        .rsplit(' ')
        .next()
        .unwrap_or_default()
        .to_string();
    assert!(base.starts_with("http://"), "the sandbox said {line:?}");
    let (rss, _) = common::memory_kb(sandbox.id()).expect("/proc");
    println!(
        "  sandbox seeded with {n} contacts: listening after {:.1} s, {:.0} MB RSS",
        seeded.as_secs_f64(),
        rss as f64 / 1024.0
    );
    let sync = |home: &std::path::Path| {
        let mut cmd = rolo_at(home);
        cmd.arg("sync")
            .env("ROLO_TOKEN", "scale-token")
            .env("ROLO_BASE_URL", &base)
            .env("ROLO_LOCATION_ID", LOCATION);
        cmd
    };
    // A first sync of every contact.
    let t = Instant::now();
    let done = sync(&home).output().expect("rolo sync");
    let took = t.elapsed();
    let said = String::from_utf8_lossy(&done.stdout).to_string();
    let errors = String::from_utf8_lossy(&done.stderr).to_string();
    assert!(done.status.success(), "rolo sync failed: {said} {errors}");
    let requests = number_before(&said, " requests").unwrap_or(0);
    // Each 429 is logged (to the state dir's log) as it backs off.
    let limited = |home: &std::path::Path| {
        std::fs::read_to_string(home.join("state/rolo/rolo.log"))
            .unwrap_or_default()
            .matches("429, backing off")
            .count()
    };
    let limited = limited(&home);
    // 100 requests in each 10 s: the last one cannot start before this.
    let bound = Duration::from_secs(10 * requests.saturating_sub(1) / 100);
    let (_, peak) = common::memory_kb(sandbox.id()).expect("/proc");
    println!(
        "  rolo sync, first, of {n}: {:.1} s, {requests} requests, {limited} answered 429; the rate limit's bound {:.0} s; ratio {:.3}   goal ≤ 1.10, no 429; sandbox peak {:.0} MB",
        took.as_secs_f64(),
        bound.as_secs_f64(),
        took.as_secs_f64() / bound.as_secs_f64().max(1e-9),
        peak as f64 / 1024.0
    );
    // Stopped halfway (as a closed laptop or ctrl-c would), then again.
    let other = home.join("again");
    let mut first = sync(&other)
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("rolo sync");
    let progress = BufReader::new(first.stderr.take().expect("stderr"));
    for line in progress.split(b'\n').map_while(Result::ok) {
        let line = String::from_utf8_lossy(&line).replace(',', "");
        if number_before(&line, " / ").is_some_and(|d| d as usize >= n / 2) {
            break;
        }
    }
    first.kill().ok();
    first.wait().ok();
    let t = Instant::now();
    let again = sync(&other).output().expect("rolo sync");
    let said = String::from_utf8_lossy(&again.stdout).to_string();
    assert!(again.status.success(), "the second sync failed: {said}");
    let fetched = number_before(&said.replace(',', ""), " fetched").unwrap_or(0);
    println!(
        "  rolo sync stopped halfway, then again: the second run fetched {fetched} of {n} in {:.1} s ({})",
        t.elapsed().as_secs_f64(),
        said.trim()
    );
    sandbox.kill().ok();
    sandbox.wait().ok();
    let _ = std::fs::remove_dir_all(&home);
}

/// The number just before `word` in `text` ("2003 requests").
fn number_before(text: &str, word: &str) -> Option<u64> {
    let head = &text[..text.find(word)?];
    let digits: String = head
        .chars()
        .rev()
        .take_while(|c| c.is_ascii_digit())
        .collect();
    digits.chars().rev().collect::<String>().parse().ok()
}

/// Types queries a key at a time into the running workspace: the time
/// from each key to the frame showing its hits; and the index alone.
fn per_keystroke(term: &mut common::Pty, path: &std::path::Path, quick: bool) {
    let queries = [
        "jose",
        "ada lov",
        "5551",
        "#vip ma",
        "acme roof",
        "olivia",
        "zzq",
        "e",
    ];
    let cache = Cache::open(path).expect("cache");
    let b = cache.list_block().expect("block");
    let mut index = rolo::search::Index::from_rows(b.rows, b.by_name);
    let rounds = if quick { 1 } else { 3 };
    let (mut frames, mut alone) = (Vec::new(), Vec::new());
    term.send(b"/");
    for _ in 0..rounds {
        for q in queries {
            for end in 1..=q.len() {
                let typed = &q[..end];
                let t = Instant::now();
                let hits = index.search(typed).len() as u64;
                alone.push(t.elapsed());
                let before = term.titles.lock().unwrap().len();
                let sent = Instant::now();
                term.send(&typed.as_bytes()[end - 1..end]);
                let shown = term.wait_screen(Duration::from_secs(30), |s| {
                    s.contents().contains(&format!("/{typed}"))
                        && common::list_title(s).is_some_and(|(h, _)| h == hits)
                });
                assert!(shown, "{typed:?} never showed {hits}: {}", term.contents());
                let titles = term.titles.lock().unwrap();
                let at = titles[before..]
                    .iter()
                    .find(|(_, p)| p.is_some_and(|(h, _)| h == hits))
                    .map_or_else(Instant::now, |(t, _)| *t);
                frames.push(at - sent);
            }
            term.send(b"\x15"); // ctrl-u
            index.search("");
        }
    }
    term.send(b"\x1b");
    let (fm, f99) = (percentile(&mut frames, 0.5), percentile(&mut frames, 0.99));
    let (am, a99) = (percentile(&mut alone, 0.5), percentile(&mut alone, 0.99));
    println!(
        "  search per keystroke, key to frame in the binary: median {:.1} ms, p99 {:.1} ms; the index alone: median {:.1} ms, p99 {:.1} ms ({} keys)   goal median ≤ 5, p99 ≤ 16",
        ms(fm),
        ms(f99),
        ms(am),
        ms(a99),
        frames.len()
    );
}

/// Bytes written for each `j` of a walk down the list at `w`×`h`.
fn bytes_per_j(home: &std::path::Path, n: usize, w: u16, h: u16, presses: usize) {
    let mut term = common::Pty::spawn(command(home), h, w);
    let loaded = term.wait_screen(Duration::from_secs(120), |s| {
        common::list_position(s).is_some_and(|(_, total)| total == n as u64)
    });
    assert!(loaded, "the list never showed: {}", term.contents());
    // Past the top of the list first: the seed's hostile names sort there
    // (escapes, bidi marks), and vt100 misplaces what follows the U+FFFD
    // rolo shows for them, garbling the position this walk reads. The
    // cursor goes to row `start` with `G`-free page jumps, then the walk.
    let start = (n as u64 / 2).min(2_000);
    let half_page = (u64::from(h).saturating_sub(6) / 2).max(1);
    term.send(&vec![0x04; start.div_ceil(half_page) as usize + 1]);
    let there = term.wait_screen(Duration::from_secs(60), |s| {
        common::list_position(s).is_some_and(|(sel, _)| sel >= start)
    });
    assert!(
        there,
        "ctrl-d never reached row {start}: {}",
        term.contents()
    );
    quiet(&term, Duration::from_millis(100));
    let from = term.position().map_or(1, |(sel, _)| sel);
    // Let the first detail fetch and the status settle.
    quiet(&term, Duration::from_millis(300));
    let (mut all, mut scrolls) = (Vec::new(), Vec::new());
    let mut top = first_row(&term);
    for i in 0..presses {
        let before = term.bytes();
        term.send(b"j");
        let at = from + 1 + i as u64;
        let moved = term.wait_screen(Duration::from_secs(10), |s| {
            common::list_position(s).is_some_and(|(sel, _)| sel == at)
        });
        assert!(moved, "j {i} never moved the cursor: {}", term.contents());
        quiet(&term, Duration::from_millis(15));
        let b = term.bytes() - before;
        all.push(b);
        let now_top = first_row(&term);
        if now_top != top {
            scrolls.push(b);
            top = now_top;
        }
    }
    let med = |v: &mut Vec<usize>| {
        v.sort();
        v.get(v.len() / 2).copied().unwrap_or(0)
    };
    println!(
        "  bytes at {w}×{h}: a `j` that scrolls the list: median {} ({} of them); over a walk of {presses} `j`: median {}   goal ≤ 1,000 and ≤ 400 at 200×60",
        med(&mut scrolls),
        scrolls.len(),
        med(&mut all)
    );
}

/// Waits until no output has come for `gap`.
fn quiet(term: &common::Pty, gap: Duration) {
    let mut last = term.bytes();
    let mut since = Instant::now();
    while since.elapsed() < gap {
        std::thread::sleep(Duration::from_millis(1));
        let now = term.bytes();
        if now != last {
            last = now;
            since = Instant::now();
        }
    }
}

/// The list's first row on screen (to tell a scroll).
fn first_row(term: &common::Pty) -> String {
    term.contents()
        .lines()
        .nth(2)
        .unwrap_or("")
        .chars()
        .take(30)
        .collect()
}
