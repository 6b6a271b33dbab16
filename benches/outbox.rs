//! The outbox under fire, with the real TUI: 1,000 edits queued, the
//! sandbox failing 30% of requests with 5xx and refusing every request
//! with 429 for 5 s out of every 30, HighLevel's own limit of 100 requests
//! per 10 s in force.
//!
//! `rolo` runs in a pseudo-terminal while its outbox drains. A key (j, k)
//! goes in every 100 ms; the time until the terminal shows the list's
//! cursor moved (read through a terminal emulator: a status-bar redraw
//! does not count) is the UI's response time. The longest of those is the
//! longest the frame loop was kept from answering a key. At the end, every edit is checked
//! on the sandbox: each task and note exactly once, each tag present.
//!
//! Run: `cargo bench --bench outbox` (about three minutes; `-- --edits N`
//! for another count).

mod common;

use std::net::{Ipv4Addr, SocketAddr};
use std::time::{Duration, Instant};

use portable_pty::CommandBuilder;
use rolo::api::actor::ApiOp;
use rolo::api::model::*;
use rolo::cache::{Cache, Caching};
use rolo::sandbox::{Faults, Sandbox, SandboxConfig};
use serde_json::json;

const TOKEN: &str = "bench-token";

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let edits: usize = args
        .iter()
        .position(|a| a == "--edits")
        .and_then(|i| args.get(i + 1))
        .and_then(|n| n.parse().ok())
        .unwrap_or(1_000);
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let config = SandboxConfig {
        token: TOKEN.into(),
        contacts: 200,
        faults: Faults {
            fail_rate: 0.3,
            ..Faults::default()
        },
        ..SandboxConfig::default()
    };
    let location = config.location_id.clone();
    let sb = runtime
        .block_on(Sandbox::start(
            config,
            SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
        ))
        .expect("sandbox");
    let home = std::env::temp_dir().join(format!("rolo-outbox-bench-{}", std::process::id()));
    let path = Caching::In(home.join("data"))
        .path_for(&location)
        .expect("path");
    let ids = sb.with_store(|s| s.contact_ids());
    let mut ops = Vec::new();
    {
        let mut cache = Cache::open(&path).expect("cache");
        for i in 0..edits {
            let cid = ids[i % ids.len()].clone();
            let op = match i % 3 {
                0 => ApiOp::AddTags {
                    contact_id: cid,
                    tags: vec![format!("storm-{i}")],
                },
                1 => ApiOp::CreateNote {
                    contact_id: cid,
                    note: NewNote {
                        body: format!("storm note {i}"),
                        ..NewNote::default()
                    },
                },
                _ => ApiOp::CreateTask {
                    contact_id: cid,
                    task: NewTask {
                        title: format!("storm task {i}"),
                        body: None,
                        due_date: "2026-12-01T15:00:00.000Z".into(),
                        completed: false,
                        assigned_to: None,
                    },
                },
            };
            cache.enqueue(&op).expect("queued");
            ops.push(op);
        }
    }

    let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_rolo"));
    cmd.env("TERM", "xterm-256color");
    cmd.env("ROLO_TOKEN", TOKEN);
    cmd.env("ROLO_BASE_URL", sb.base_url());
    cmd.env("ROLO_LOCATION_ID", &location);
    common::hermetic(&mut cmd, &home);
    let mut term = common::Pty::spawn(cmd, 30, 120);
    assert!(
        term.wait_screen(Duration::from_secs(30), |s| common::list_position(s)
            .is_some_and(|(_, n)| n > 1)),
        "the list shows: {}",
        term.contents()
    );
    let started = Instant::now();
    // Storms: every request refused with 429 for 5 s, every 30 s, as when
    // another app spends the location's budget.
    let mut next_storm = started + Duration::from_secs(20);
    let mut storm_ends: Option<Instant> = None;
    let mut storms = 0;
    let mut latencies = Vec::new();
    let mut presses = 0u64;
    let deadline = started + Duration::from_secs(900);
    loop {
        if Instant::now() >= next_storm {
            let mut f = sb.faults();
            f.storm_requests = u32::MAX;
            sb.set_faults(f);
            storm_ends = Some(Instant::now() + Duration::from_secs(5));
            next_storm += Duration::from_secs(30);
            storms += 1;
        }
        if storm_ends.is_some_and(|t| Instant::now() >= t) {
            let mut f = sb.faults();
            f.storm_requests = 0;
            sb.set_faults(f);
            storm_ends = None;
        }
        // j then k, from the first row: the cursor goes to row 2 and back.
        let (key, want) = if presses.is_multiple_of(2) {
            (b"j", 2)
        } else {
            (b"k", 1)
        };
        let before = term.chunks.lock().unwrap().len();
        let sent = Instant::now();
        term.send(key);
        presses += 1;
        // The frame that shows the cursor moved; status-bar redraws (the
        // outbox count, the spinner) do not count.
        let answered = loop {
            if let Some(t) = term.chunks.lock().unwrap().get(before..).and_then(|c| {
                c.iter()
                    .find(|(t, pos)| *t >= sent && pos.is_some_and(|(p, _)| p == want))
                    .map(|(t, _)| *t)
            }) {
                break Some(t);
            }
            if sent.elapsed() > Duration::from_secs(10) {
                break None;
            }
            std::thread::sleep(Duration::from_millis(1));
        };
        latencies.push(answered.map_or(Duration::from_secs(10), |t| t - sent));
        std::thread::sleep(Duration::from_millis(100));
        if presses.is_multiple_of(20) {
            let counts = Cache::open(&path)
                .and_then(|c| c.outbox_counts())
                .expect("counts");
            if counts.pending + counts.attention == 0 {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "the outbox did not drain: {counts:?}"
            );
        }
    }
    let drained = started.elapsed();
    term.send(b"q");
    let _ = term.child.wait();

    // Every edit landed, once.
    let mut missing = 0;
    sb.with_store(|s| {
        for op in &ops {
            let n = match op {
                ApiOp::AddTags { contact_id, tags } => usize::from(
                    s.contact(contact_id).unwrap()["tags"]
                        .as_array()
                        .unwrap()
                        .contains(&json!(tags[0])),
                ),
                ApiOp::CreateNote { contact_id, note } => s
                    .notes_of(contact_id)
                    .iter()
                    .filter(|n| n["body"] == json!(note.body))
                    .count(),
                ApiOp::CreateTask { contact_id, task } => s
                    .tasks_of(contact_id)
                    .iter()
                    .filter(|t| t["title"] == json!(task.title))
                    .count(),
                _ => 1,
            };
            assert!(n <= 1, "applied twice: {op:?}");
            missing += usize::from(n == 0);
        }
    });
    let log = sb.requests();
    let status = |code: u16| log.iter().filter(|r| r.status == Some(code)).count();
    latencies.sort();
    let pct = |p: f64| latencies[((latencies.len() - 1) as f64 * p).round() as usize];
    println!("{edits} edits through 30% 5xx and 429 storms, HighLevel's limit in force");
    println!(
        "  drained in {:.0} s through {storms} storms; {} requests: {} answered 5xx, {} answered 429",
        drained.as_secs_f64(),
        log.len(),
        status(500) + status(502) + status(503),
        status(429)
    );
    println!(
        "  edits applied: {} of {edits}, none twice",
        edits - missing
    );
    println!(
        "  UI response to a key, over {} keys: median {:.1} ms, p99 {:.1} ms, longest {:.1} ms",
        latencies.len(),
        pct(0.5).as_secs_f64() * 1e3,
        pct(0.99).as_secs_f64() * 1e3,
        latencies.last().unwrap().as_secs_f64() * 1e3,
    );
    let _ = std::fs::remove_dir_all(&home);
    assert_eq!(missing, 0, "edits were lost");
}
