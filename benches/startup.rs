//! Start-up from the cache: the time from launching `rolo` to its first
//! drawn frame (the contact list), with 5,000 and 100,000 contacts cached.
//!
//! The real binary runs in a pseudo-terminal, as a user would start it.
//! The clock starts before the spawn and stops when the terminal receives
//! the list's title. The API address is a closed port: the first frame must
//! not wait for the network, so it does not matter that there is none.
//!
//! Then memory, on the same path: the workspace started from the
//! 100,000-contact cache, its whole list loaded and one search typed
//! (`/a`), as a user would have it; RSS and peak (VmHWM) from
//! /proc/PID/status. Next to it, fzf's peak filtering the same contacts as
//! lines (when installed), as a ratio.
//!
//! Run: `cargo bench --bench startup` (add `-- --quick` for fewer runs).

use std::io::Read;
mod common;

use std::time::{Duration, Instant};

use chrono::Utc;
use portable_pty::{CommandBuilder, PtySize, native_pty_system};
use rolo::cache::{Cache, Caching};

const LOCATION: &str = "bench-location";

/// rolo as a user starts it, on the cache under `home`, with HighLevel
/// out of reach (a closed port).
fn command(home: &std::path::Path) -> CommandBuilder {
    common::offline_rolo(home, LOCATION)
}

/// One launch: spawn, wait for the list's title on the terminal, kill.
fn launch(home: &std::path::Path) -> Duration {
    let pty = native_pty_system()
        .openpty(PtySize {
            rows: 40,
            cols: 120,
            pixel_width: 0,
            pixel_height: 0,
        })
        .expect("a pty");
    let cmd = command(home);
    let mut reader = pty.master.try_clone_reader().expect("reader");
    let (tx, rx) = std::sync::mpsc::channel();
    let started = Instant::now();
    let mut child = pty.slave.spawn_command(cmd).expect("rolo starts");
    std::thread::spawn(move || {
        let mut seen = Vec::new();
        let mut buf = [0u8; 65536];
        while let Ok(n) = reader.read(&mut buf) {
            if n == 0 {
                break;
            }
            seen.extend_from_slice(&buf[..n]);
            if memchr::memmem::find(&seen, b"Contacts ").is_some() {
                let _ = tx.send(Instant::now());
                break;
            }
        }
    });
    let drawn = rx
        .recv_timeout(Duration::from_secs(30))
        .expect("the first frame within 30 s");
    child.kill().ok();
    child.wait().ok();
    drawn - started
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--fzf-peak") {
        return fzf_peak_child(&args[i + 1]);
    }
    let quick = args.iter().any(|a| a == "--quick");
    let runs = if quick { 5 } else { 21 };
    println!("start-up to the first frame, from the cache, median of {runs} launches");
    for n in [5_000usize, 100_000] {
        let home = std::env::temp_dir().join(format!("rolo-startup-{}-{n}", std::process::id()));
        let path = Caching::In(home.join("data"))
            .path_for(LOCATION)
            .expect("a path");
        let list = common::contacts(n, LOCATION);
        {
            let mut cache = Cache::open(&path).expect("cache");
            let t = Instant::now();
            cache.put_contacts(&list, Some(1), Some(0)).expect("stored");
            cache
                .set_meta(rolo::cache::sync::SYNCED_AT, &Utc::now().to_rfc3339())
                .expect("meta");
            eprintln!("  ({n} contacts written in {:.1?})", t.elapsed());
        }
        {
            // Read as a new process would: a fresh connection.
            let cache = Cache::open(&path).expect("cache");
            for _ in 0..2 {
                let t = Instant::now();
                let loaded = cache.load_contacts().expect("load");
                let read = t.elapsed();
                let t = Instant::now();
                let n = loaded.len();
                let _prepared = rolo::app::prepare(loaded);
                let indexed = t.elapsed();
                let t = Instant::now();
                let first = cache.first_contacts(96).expect("first screen");
                eprintln!(
                    "  (in process: {n} read in {read:.1?}, indexed in {indexed:.1?}; first screen of {} read in {:.1?})",
                    first.len(),
                    t.elapsed()
                );
            }
        }
        if std::env::args().any(|a| a == "--in-process") {
            eprintln!("  kept at {}", path.display());
            continue;
        }
        // One launch to warm the page cache, as on any second start.
        launch(&home);
        let samples: Vec<Duration> = (0..runs).map(|_| launch(&home)).collect();
        let mut sorted = samples.clone();
        sorted.sort();
        println!(
            "{n:>7} contacts: median {:>6.1} ms  (min {:.1}, max {:.1})",
            common::median(samples).as_secs_f64() * 1e3,
            sorted[0].as_secs_f64() * 1e3,
            sorted[sorted.len() - 1].as_secs_f64() * 1e3,
        );
        if n == 100_000 {
            memory(&home, n, &list);
        }
        let _ = std::fs::remove_dir_all(&home);
    }
}

/// The workspace's memory with `n` cached contacts loaded and searched.
fn memory(home: &std::path::Path, n: usize, list: &[rolo::api::model::Contact]) {
    let mut term = common::Pty::spawn(command(home), 40, 120);
    let loaded = term.wait_screen(Duration::from_secs(60), |s| {
        common::list_position(s).is_some_and(|(_, total)| total == n as u64)
    });
    assert!(loaded, "the whole list never showed: {}", term.contents());
    let (idle, _) = term.memory_kb().expect("/proc");
    term.send(b"/a");
    let searched = term.wait_screen(Duration::from_secs(60), |s| {
        let text = s.contents();
        text.contains(&format!("/{n} ")) && text.contains("/a")
    });
    assert!(searched, "the search never showed: {}", term.contents());
    let (rss, peak) = term.memory_kb().expect("/proc");
    let mb = |kb: u64| kb as f64 / 1024.0;
    println!(
        "memory: {n} contacts from the cache, list loaded: {:.0} MB RSS; after a search: {:.0} MB RSS, peak {:.0} MB   budget 150 MB",
        mb(idle),
        mb(rss),
        mb(peak)
    );
    match fzf_peak_kb(list, home) {
        Some(fzf) => println!(
            "fzf --filter a on the same {n} contacts as lines: peak {:.0} MB; rolo / fzf = {:.1}",
            mb(fzf),
            peak as f64 / fzf as f64
        ),
        None => println!("fzf: not installed; `apt-get install fzf` to compare"),
    }
}

/// fzf's peak RSS (kB) filtering the contacts as lines, from `wait4`.
fn fzf_peak_kb(list: &[rolo::api::model::Contact], home: &std::path::Path) -> Option<u64> {
    let path = home.join("lines.txt");
    let lines: Vec<String> = list.iter().map(common::fzf_line).collect();
    std::fs::write(&path, lines.join("\n")).ok()?;
    // From a small process of its own: a child's peak counts the memory of
    // the process it was spawned from (until its exec), and this one holds
    // every contact several times over.
    let out = std::process::Command::new(std::env::current_exe().ok()?)
        .args(["--fzf-peak", path.to_str()?])
        .output()
        .ok()?;
    String::from_utf8_lossy(&out.stdout).trim().parse().ok()
}

/// In the small process: run fzf on `path` and print its peak RSS (kB).
fn fzf_peak_child(path: &str) {
    let Ok(child) = std::process::Command::new("fzf")
        .args(["--filter", "a"])
        .stdin(std::fs::File::open(path).expect("lines"))
        .stdout(std::process::Stdio::null())
        .spawn()
    else {
        return;
    };
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: a plain wait4 on our own child, with valid out-pointers.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let waited = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    std::mem::forget(child);
    if waited == pid {
        println!("{}", usage.ru_maxrss);
    }
}
