//! Tagging 2,000 contacts from the shell, as a user pipes them:
//! `… | rolo tag add - TAG`, the real binary against a sandbox that keeps
//! HighLevel's limit of 100 requests per 10 seconds. Prints the median
//! time, the requests used and any 429s, with the least time the limit
//! allows for those requests and for one request per contact.
//!
//! Run: `cargo bench --bench bulk` (`-- --quick` for fewer rounds).

use std::io::Write;
use std::net::{Ipv4Addr, SocketAddr};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

mod common;

use rolo::sandbox::{RateLimit, Sandbox, SandboxConfig};

const TOKEN: &str = "bench-token-0123456789";
const LOCATION: &str = "bench-location";
const CONTACTS: usize = 2_000;

/// The least time `requests` take under `max` per `interval`, starting
/// with the window empty: every full window after the first waits.
fn least_time(requests: usize, limit: &RateLimit) -> Duration {
    let windows = requests.div_ceil(limit.max as usize).saturating_sub(1);
    limit.interval * windows as u32
}

struct Round {
    took: Duration,
    requests: usize,
    too_many: usize,
    most_in_window: usize,
}

fn round(runtime: &tokio::runtime::Runtime, round: usize) -> Round {
    let config = SandboxConfig {
        token: TOKEN.into(),
        location_id: LOCATION.into(),
        contacts: CONTACTS,
        rate_limit: RateLimit::default(),
        ..SandboxConfig::default()
    };
    let sandbox = runtime
        .block_on(Sandbox::start(
            config,
            SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
        ))
        .expect("sandbox");
    let ids: String = sandbox.with_store(|s| {
        s.contact_ids()
            .into_iter()
            .map(|id| format!("{id}\n"))
            .collect()
    });
    let home = std::env::temp_dir().join(format!("rolo-bulk-bench-{}-{round}", std::process::id()));
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_rolo"));
    cmd.args(["tag", "add", "-", "bulk-bench"])
        .env("ROLO_TOKEN", TOKEN)
        .env("ROLO_BASE_URL", sandbox.base_url())
        .env("ROLO_LOCATION_ID", LOCATION)
        .env("ROLO_CONFIG", home.join("none.toml"))
        .env("ROLO_DATA_DIR", home.join("data"))
        .env("HOME", &home)
        .env("XDG_STATE_HOME", home.join("state"))
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_DATA_HOME", home.join("xdg-data"))
        .env("XDG_CACHE_HOME", home.join("cache"))
        .env("ROLO_SECRET_STORES", "file")
        .env_remove("ROLO_NO_CACHE")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let start = Instant::now();
    let mut child = cmd.spawn().expect("rolo runs");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(ids.as_bytes())
        .expect("ids written");
    let out = child.wait_with_output().expect("rolo ends");
    let took = start.elapsed();
    assert!(
        out.status.success(),
        "rolo tag add failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let tagged = sandbox.with_store(|s| {
        s.contact_ids()
            .iter()
            .filter(|id| {
                s.contact(id).unwrap()["tags"]
                    .as_array()
                    .is_some_and(|t| t.iter().any(|t| t == "bulk-bench"))
            })
            .count()
    });
    assert_eq!(tagged, CONTACTS, "every contact tagged");
    let log = sandbox.requests();
    let _ = std::fs::remove_dir_all(&home);
    Round {
        took,
        requests: log.len(),
        too_many: log.iter().filter(|r| r.status == Some(429)).count(),
        most_in_window: rolo::sandbox::max_in_window(&log, Duration::from_secs(10)),
    }
}

fn main() {
    let rounds = if std::env::args().any(|a| a == "--quick") {
        3
    } else {
        9
    };
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let limit = RateLimit::default();
    let results: Vec<Round> = (0..rounds).map(|i| round(&runtime, i)).collect();
    let requests = results.iter().map(|r| r.requests).max().unwrap_or(0);
    let too_many: usize = results.iter().map(|r| r.too_many).sum();
    let most = results.iter().map(|r| r.most_in_window).max().unwrap_or(0);
    let took = common::median(results.iter().map(|r| r.took).collect());
    println!(
        "tagging {CONTACTS} contacts with `rolo tag add -`, sandbox limit {} requests per {} s, median of {rounds} rounds (a fresh sandbox each)",
        limit.max,
        limit.interval.as_secs()
    );
    println!(
        "  wall time (process start to exit)  {:>9.1} ms",
        took.as_secs_f64() * 1e3
    );
    println!("  requests used (most in a round)    {requests:>9}");
    println!("  most in any 10 s window            {most:>9}");
    println!("  429 answers (all rounds)           {too_many:>9}");
    println!(
        "  least time the limit allows        {:>9.1} s   for {requests} requests",
        least_time(requests, &limit).as_secs_f64()
    );
    println!(
        "  one request per contact            {CONTACTS:>9}   requests; least time {:.0} s",
        least_time(CONTACTS, &limit).as_secs_f64()
    );
    println!(
        "  requests ratio (bulk / one each)   {:>9.3}",
        requests as f64 / CONTACTS as f64
    );
}
