//! Tagging 2,000 contacts from the shell, as a user pipes them:
//! `… | rolo tag add - TAG`, the real binary against a sandbox that keeps
//! HighLevel's limit of 100 requests per 10 seconds. Prints the median
//! time, the requests used and any 429s, with the least time the limit
//! allows for those requests and for one request per contact.
//!
//! Twice: with the window to itself, and with 90 of its 100 requests just
//! spent by another program on the same token (rolo must then wait for
//! the window to free, and not be told 429). The least time the limit
//! allows is worked out from the sandbox's own log: each request as early
//! as the window lets it, after the other program's.
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
    /// From rolo's first request to its last, on the sandbox's clock.
    span: Duration,
    /// The least that span could be under the limit.
    least: Duration,
}

/// The earliest times `n` requests can arrive from `start` on, after the
/// arrivals `before`, with at most `limit.max` in any `limit.interval`:
/// the span from `start` to the last of them.
fn least_span(before: &[Duration], start: Duration, n: usize, limit: &RateLimit) -> Duration {
    let mut times: Vec<Duration> = before.to_vec();
    times.sort();
    let max = limit.max as usize;
    let mut t = start;
    for _ in 0..n {
        if times.len() >= max {
            t = t.max(times[times.len() - max] + limit.interval);
        }
        times.push(t);
    }
    t.saturating_sub(start)
}

fn round(runtime: &tokio::runtime::Runtime, round: usize, spent: usize) -> Round {
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
    // Another program on the same token spends part of the window.
    if spent > 0 {
        let (base, id) = (
            sandbox.base_url(),
            sandbox.with_store(|s| s.contact_ids()[0].clone()),
        );
        rolo::api::client::ensure_crypto_provider();
        runtime.block_on(async {
            let http = reqwest::Client::new();
            for _ in 0..spent {
                let r = http
                    .get(format!("{base}/contacts/{id}"))
                    .bearer_auth(TOKEN)
                    .header("Version", "2021-07-28")
                    .send()
                    .await
                    .expect("sandbox answers");
                assert!(r.status().is_success(), "{}", r.status());
            }
        });
    }
    let home = std::env::temp_dir().join(format!(
        "rolo-bulk-bench-{}-{round}-{spent}",
        std::process::id()
    ));
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
    let (other, ours) = log.split_at(spent);
    let before: Vec<Duration> = other.iter().map(|r| r.at).collect();
    let start = ours.first().map_or(Duration::ZERO, |r| r.at);
    let end = ours.last().map_or(Duration::ZERO, |r| r.at);
    Round {
        took,
        requests: ours.len(),
        too_many: ours.iter().filter(|r| r.status == Some(429)).count(),
        most_in_window: rolo::sandbox::max_in_window(&log, Duration::from_secs(10)),
        span: end - start,
        least: least_span(&before, start, ours.len(), &RateLimit::default()),
    }
}

fn main() {
    let rounds = if std::env::args().any(|a| a == "--quick") {
        3
    } else {
        7
    };
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let limit = RateLimit::default();
    println!(
        "tagging {CONTACTS} contacts with `rolo tag add -`, sandbox limit {} requests per {} s, median of {rounds} rounds (a fresh sandbox each)",
        limit.max,
        limit.interval.as_secs()
    );
    for spent in [0, 90] {
        let results: Vec<Round> = (0..rounds).map(|i| round(&runtime, i, spent)).collect();
        let requests = results.iter().map(|r| r.requests).max().unwrap_or(0);
        let too_many: usize = results.iter().map(|r| r.too_many).sum();
        let most = results.iter().map(|r| r.most_in_window).max().unwrap_or(0);
        let took = common::median(results.iter().map(|r| r.took).collect());
        let span = common::median(results.iter().map(|r| r.span).collect());
        let least = common::median(results.iter().map(|r| r.least).collect());
        if spent == 0 {
            println!("\nthe window to itself");
        } else {
            println!(
                "\n{spent} of the window's {} just spent by another program",
                limit.max
            );
        }
        println!(
            "  wall time (process start to exit)  {:>9.1} ms",
            took.as_secs_f64() * 1e3
        );
        println!("  requests used (most in a round)    {requests:>9}");
        println!("  most in any 10 s window, all       {most:>9}");
        println!("  429 answers (all rounds)           {too_many:>9}");
        println!(
            "  first to last request              {:>9.1} ms   least the limit allows: {:.1} ms",
            span.as_secs_f64() * 1e3,
            least.as_secs_f64() * 1e3
        );
    }
    println!(
        "\none request per contact would be {CONTACTS} requests: least time {:.0} s with the window to itself; the bulk path uses {:.1} % of that many",
        least_time(CONTACTS, &limit).as_secs_f64(),
        100.0 * CONTACTS.div_ceil(rolo::api::Client::BULK_CHUNK) as f64 / CONTACTS as f64
    );
}
