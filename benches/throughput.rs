//! Request throughput over loopback: the sandbox on its own (raw HTTP
//! clients), rolo's `Client`, and the API actor, each against the same
//! sandbox with its rate limit lifted.
//!
//! Run: `cargo bench --bench throughput` (add `-- --quick` for a short run).
//! Prints the median of several rounds, in requests per second, and each
//! path's ratio to the raw sandbox figure.

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rolo::api::actor::{ActorConfig, ApiOp, Priority};
use rolo::api::{ApiHandle, Client, ClientConfig, RateConfig, Token};
use rolo::sandbox::{RateLimit, Sandbox, SandboxConfig};

const TOKEN: &str = "bench-token-0123456789";

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

async fn raw_round(base: &str, ids: &Arc<Vec<String>>, requests: usize, concurrency: usize) -> f64 {
    let http = reqwest::Client::new();
    let start = Instant::now();
    let per_worker = requests / concurrency;
    let mut workers = Vec::new();
    for w in 0..concurrency {
        let (http, ids, base) = (http.clone(), ids.clone(), base.to_string());
        workers.push(tokio::spawn(async move {
            for i in 0..per_worker {
                let id = &ids[(w * per_worker + i) % ids.len()];
                let r = http
                    .get(format!("{base}/contacts/{id}"))
                    .bearer_auth(TOKEN)
                    .header("Version", "2021-07-28")
                    .send()
                    .await
                    .expect("sandbox answers");
                assert!(r.status().is_success());
                r.bytes().await.expect("body");
            }
        }));
    }
    for w in workers {
        w.await.expect("worker");
    }
    (per_worker * concurrency) as f64 / start.elapsed().as_secs_f64()
}

async fn client_round(
    client: &Client,
    ids: &Arc<Vec<String>>,
    requests: usize,
    concurrency: usize,
) -> f64 {
    let start = Instant::now();
    let per_worker = requests / concurrency;
    let mut workers = Vec::new();
    for w in 0..concurrency {
        let (client, ids) = (client.clone(), ids.clone());
        workers.push(tokio::spawn(async move {
            for i in 0..per_worker {
                let id = &ids[(w * per_worker + i) % ids.len()];
                client.get_contact(id).await.expect("contact");
            }
        }));
    }
    for w in workers {
        w.await.expect("worker");
    }
    (per_worker * concurrency) as f64 / start.elapsed().as_secs_f64()
}

async fn actor_round(client: &Client, ids: &Arc<Vec<String>>, requests: usize) -> f64 {
    let (api, mut events) = ApiHandle::spawn(client.clone(), ActorConfig::default());
    let start = Instant::now();
    for i in 0..requests {
        api.submit(
            ApiOp::GetContact {
                id: ids[i % ids.len()].clone(),
            },
            Priority::Interactive,
            None,
        )
        .expect("actor alive");
    }
    for _ in 0..requests {
        let e = events.recv().await.expect("event");
        e.result.expect("contact");
    }
    let rate = requests as f64 / start.elapsed().as_secs_f64();
    api.shutdown(Duration::from_secs(5)).await;
    rate
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let (rounds, requests) = if quick { (3, 2_000) } else { (7, 10_000) };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async move {
        let config = SandboxConfig {
            token: TOKEN.into(),
            contacts: 500,
            rate_limit: RateLimit {
                max: u32::MAX,
                daily: u32::MAX,
                ..RateLimit::default()
            },
            ..SandboxConfig::default()
        };
        let sb = Sandbox::start(config, SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))
            .await
            .expect("sandbox");
        let ids = Arc::new(sb.with_store(|s| s.contact_ids()));
        let mut cc = ClientConfig::new(sb.base_url(), "sandbox-location", Token::new(TOKEN));
        cc.rate = RateConfig::unlimited();
        let client = Client::new(cc).expect("client");

        println!("throughput over loopback, GET /contacts/{{id}}, {requests} requests a round, median of {rounds} rounds");
        println!("machine: {} cores", std::thread::available_parallelism().map_or(0, |n| n.get()));
        let mut results = Vec::new();
        for (name, concurrency) in [("sandbox, raw reqwest", 6), ("sandbox, raw reqwest", 32)] {
            let mut v = Vec::new();
            for _ in 0..rounds {
                v.push(raw_round(&sb.base_url(), &ids, requests, concurrency).await);
                sb.clear_requests();
            }
            results.push((format!("{name} x{concurrency}"), median(v)));
        }
        for concurrency in [6, 32] {
            let mut v = Vec::new();
            for _ in 0..rounds {
                v.push(client_round(&client, &ids, requests, concurrency).await);
                sb.clear_requests();
            }
            results.push((format!("rolo Client x{concurrency}"), median(v)));
        }
        let mut v = Vec::new();
        for _ in 0..rounds {
            v.push(actor_round(&client, &ids, requests).await);
            sb.clear_requests();
        }
        results.push(("API actor (6 in flight)".into(), median(v)));

        let raw6 = results[0].1;
        for (name, rate) in &results {
            println!("{name:<28} {rate:>9.0} req/s   {:.2}x raw x6", rate / raw6);
        }
    });
}
