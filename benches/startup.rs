//! Start-up from the cache: the time from launching `rolo` to its first
//! drawn frame (the contact list), with 5,000 and 100,000 contacts cached.
//!
//! The real binary runs in a pseudo-terminal, as a user would start it.
//! The clock starts before the spawn and stops when the terminal receives
//! the list's title. The API address is a closed port: the first frame must
//! not wait for the network, so it does not matter that there is none.
//!
//! Run: `cargo bench --bench startup` (add `-- --quick` for fewer runs).

use std::io::Read;
mod common;

use std::time::{Duration, Instant};

use chrono::Utc;
use portable_pty::{CommandBuilder, PtySize, native_pty_system};
use rolo::cache::{Cache, Caching};

const LOCATION: &str = "bench-location";

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
    let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_rolo"));
    cmd.env("TERM", "xterm-256color");
    cmd.env("ROLO_TOKEN", "bench-token");
    cmd.env("ROLO_BASE_URL", "http://127.0.0.1:9");
    cmd.env("ROLO_LOCATION_ID", LOCATION);
    cmd.env("ROLO_CONFIG", home.join("none.toml"));
    cmd.env("ROLO_DATA_DIR", home.join("data"));
    cmd.env("XDG_STATE_HOME", home.join("state"));
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
    let quick = std::env::args().any(|a| a == "--quick");
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
        let _ = std::fs::remove_dir_all(&home);
    }
}
