//! `rolo find` and `rolo query` on a 100,000-contact cache, against
//! `fzf --filter` on the same contacts exported as lines, each as a whole
//! process, as a shell user runs them. fzf is optional: without it, only
//! rolo's times are printed.
//!
//! Run: `cargo bench --bench find` (`-- --quick` for fewer runs).

use std::process::{Command, Stdio};
mod common;

use std::time::{Duration, Instant};

use chrono::Utc;
use rolo::cache::{Cache, Caching};

const LOCATION: &str = "bench-location";
const QUERIES: [&str; 6] = ["ada", "jose g", "acme roofing", "#vip", "5551", "torvlds"];

fn time(mut cmd: Command, runs: usize) -> (Duration, usize) {
    let mut samples = Vec::new();
    let mut lines = 0;
    for _ in 0..runs {
        let t = Instant::now();
        let out = cmd.stderr(Stdio::null()).output().expect("runs");
        samples.push(t.elapsed());
        lines = out.stdout.iter().filter(|b| **b == b'\n').count();
    }
    (common::median(samples), lines)
}

fn main() {
    let runs = if std::env::args().any(|a| a == "--quick") {
        5
    } else {
        21
    };
    let n = 100_000;
    let home = std::env::temp_dir().join(format!("rolo-find-bench-{}", std::process::id()));
    let path = Caching::In(home.join("data"))
        .path_for(LOCATION)
        .expect("path");
    let list = common::contacts(n, LOCATION);
    {
        let mut cache = Cache::open(&path).expect("cache");
        cache.put_contacts(&list, Some(1), Some(0)).expect("stored");
        cache
            .set_meta(rolo::cache::sync::SYNCED_AT, &Utc::now().to_rfc3339())
            .expect("meta");
    }
    let lines = home.join("contacts.txt");
    let text: String = list
        .iter()
        .map(|c| format!("{}  {}\n", c.id, rolo::shell::one_line(c)))
        .collect();
    std::fs::write(&lines, text).expect("export");
    let fzf = Command::new("fzf").arg("--version").output().is_ok();
    let rolo = |args: &[&str]| {
        let mut c = Command::new(env!("CARGO_BIN_EXE_rolo"));
        c.args(args)
            .env("ROLO_TOKEN", "bench-token")
            .env("ROLO_BASE_URL", "http://127.0.0.1:9")
            .env("ROLO_LOCATION_ID", LOCATION)
            .env("ROLO_CONFIG", home.join("none.toml"))
            .env("ROLO_DATA_DIR", home.join("data"))
            .env("XDG_STATE_HOME", home.join("state"))
            .env_remove("ROLO_NO_CACHE");
        c
    };
    println!("{n} cached contacts, whole processes, median of {runs} runs each");
    println!(
        "{:<14} {:>11} {:>11} {:>11} {:>7}",
        "query", "rolo find", "rolo query", "fzf", "ratio"
    );
    let mut ratios = Vec::new();
    for q in QUERIES {
        let (find, found) = time(rolo(&["find", q, "--limit", "20"]), runs);
        let (query, _) = time(rolo(&["query", q]), runs);
        let fzf_time = fzf.then(|| {
            // Its input is a file, opened afresh for each run.
            let samples: Vec<Duration> = (0..runs)
                .map(|_| {
                    let t = Instant::now();
                    Command::new("fzf")
                        .args(["--filter", q])
                        .stdin(std::fs::File::open(&lines).expect("lines"))
                        .stdout(Stdio::null())
                        .status()
                        .expect("fzf runs");
                    t.elapsed()
                })
                .collect();
            common::median(samples)
        });
        let ratio = fzf_time.map(|f| find.as_secs_f64() / f.as_secs_f64());
        if let Some(r) = ratio {
            ratios.push(r);
        }
        println!(
            "{:<14} {:>8.1} ms {:>8.1} ms {:>11} {:>7}   ({found} lines)",
            format!("{q:?}"),
            find.as_secs_f64() * 1e3,
            query.as_secs_f64() * 1e3,
            fzf_time.map_or("-".into(), |f| format!("{:.1} ms", f.as_secs_f64() * 1e3)),
            ratio.map_or("-".into(), |r| format!("{r:.2}")),
        );
    }
    if !ratios.is_empty() {
        ratios.sort_by(f64::total_cmp);
        println!(
            "median ratio rolo find / fzf: {:.2}",
            ratios[ratios.len() / 2]
        );
    }
    if std::env::args().any(|a| a == "--keep") {
        eprintln!("kept: {}", home.display());
    } else {
        let _ = std::fs::remove_dir_all(&home);
    }
}
