//! A full sync of 20,000 contacts against a sandbox that enforces
//! HighLevel's burst limit (100 requests per 10 s), compared with the
//! least time that limit allows, and the 429s it drew (the goal: none).
//!
//! The least time for N requests is 10 s for every full hundred before the
//! last (the limit's waits), plus the unthrottled time of the requests in
//! the last window (measured against a sandbox without a limit).
//!
//! Run: `cargo bench --bench sync`.

use std::net::{Ipv4Addr, SocketAddr};
use std::time::{Duration, Instant};

use rolo::api::{Client, ClientConfig, Token};
use rolo::cache::sync::{SyncOptions, sync};
use rolo::sandbox::{RateLimit, Sandbox, SandboxConfig};

const CONTACTS: usize = 20_000;

async fn run(page_limit: u32, client_max: u32, server_limited: bool) -> (Duration, u64, usize) {
    let config = SandboxConfig {
        token: "bench-token".into(),
        contacts: CONTACTS,
        rate_limit: if server_limited {
            RateLimit::default()
        } else {
            RateLimit {
                max: 1_000_000,
                ..RateLimit::default()
            }
        },
        ..SandboxConfig::default()
    };
    let location = config.location_id.clone();
    let sb = Sandbox::start(config, SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))
        .await
        .expect("sandbox");
    let mut cc = ClientConfig::new(sb.base_url(), &location, Token::new("bench-token"));
    cc.rate.max_requests = client_max;
    let client = Client::new(cc).expect("client");
    let dir = std::env::temp_dir().join(format!(
        "rolo-sync-bench-{}-{}",
        std::process::id(),
        fastrand::u32(..)
    ));
    let path = dir.join("cache.db");
    let opts = SyncOptions {
        page_limit,
        full: true,
        ..SyncOptions::default()
    };
    let t = Instant::now();
    let summary = sync(&client, &path, &opts, |_| {}).await.expect("sync");
    let took = t.elapsed();
    assert_eq!(summary.cached, CONTACTS as u64);
    let refused = sb
        .requests()
        .iter()
        .filter(|r| r.status == Some(429))
        .count();
    let _ = std::fs::remove_dir_all(&dir);
    (took, summary.requests, refused)
}

fn least(requests: u64, free: Duration) -> Duration {
    let waits = (requests.saturating_sub(1)) / 100;
    let last = requests - waits * 100;
    Duration::from_secs(10 * waits) + free.mul_f64(last as f64 / requests as f64)
}

#[tokio::main]
async fn main() {
    println!("full sync of {CONTACTS} contacts; the sandbox allows 100 requests per 10 s");
    println!(
        "{:<34} {:>8} {:>9} {:>9} {:>7} {:>5}",
        "case", "requests", "took", "least", "ratio", "429s"
    );
    let only_fast = std::env::args().any(|a| a == "--quick");
    for (page_limit, client_max) in [(500u32, 95u32), (100, 100), (100, 95)] {
        if only_fast && page_limit != 500 {
            continue;
        }
        // Short runs vary: the median of three, each way.
        let rounds = if page_limit == 500 { 3 } else { 1 };
        let mut frees = Vec::new();
        let mut tooks = Vec::new();
        let (mut requests, mut refused) = (0, 0);
        for _ in 0..rounds {
            frees.push(run(page_limit, 1_000_000, false).await.0);
            let (t, r, x) = run(page_limit, client_max, true).await;
            tooks.push(t);
            requests = r;
            refused += x;
        }
        frees.sort();
        tooks.sort();
        let (free, took) = (frees[rounds / 2], tooks[rounds / 2]);
        let bound = least(requests, free);
        println!(
            "{:<34} {:>8} {:>8.2}s {:>8.2}s {:>7.3} {:>5}",
            format!("pageLimit {page_limit}, client cap {client_max}/10 s"),
            requests,
            took.as_secs_f64(),
            bound.as_secs_f64(),
            took.as_secs_f64() / bound.as_secs_f64(),
            refused
        );
    }
}
