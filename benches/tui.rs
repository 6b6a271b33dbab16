//! The TUI's performance figures, each against its budget:
//!
//! - re-filter and rank 100,000 contacts per keystroke (median ≤ 5 ms,
//!   p99 ≤ 16 ms), next to `fzf --filter` on the same lines when fzf is
//!   installed (`apt-get install fzf`), as a ratio;
//! - render one full 200×60 frame (median ≤ 1 ms), with no query and with
//!   a query whose matches are highlighted in every visible row;
//! - filter 100,000 contacts by `assigned:me tag:vip budget:>5000` (and a
//!   word after it) per keystroke, within the same budget;
//! - bytes written to the terminal for one `j` in the list (≤ 400).
//!
//! Memory is measured on the real binary started from its cache, by
//! `cargo bench --bench startup`.
//!
//! Run: `cargo bench --bench tui` (add `-- --quick` for fewer rounds).

mod common;

use std::time::{Duration, Instant};

use chrono::{FixedOffset, TimeZone, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use rolo::api::actor::{ApiEvent, ApiOp, ApiResponse};
use rolo::api::model::{Contact, SearchPage};
use rolo::app::{Command, Event, State, update};

fn percentile(samples: &mut [Duration], p: f64) -> Duration {
    samples.sort();
    let i = ((samples.len() as f64 - 1.0) * p).round() as usize;
    samples[i]
}

fn key(c: char) -> Event {
    Event::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
}

fn contacts(n: usize) -> Vec<Contact> {
    let anchor = Utc.with_ymd_and_hms(2026, 11, 24, 0, 0, 0).unwrap();
    rolo::sandbox::seed::generate(n, 7, "bench-location", anchor)
        .contacts
        .into_iter()
        .map(|m| serde_json::from_value(serde_json::Value::Object(m)).expect("seed fits the model"))
        .collect()
}

/// A state with `list` loaded, as if the first page had arrived.
fn loaded(list: Vec<Contact>) -> State {
    let now = Utc.with_ymd_and_hms(2026, 11, 24, 10, 0, 0).unwrap();
    let (mut s, cmds) = State::new("bench-location", now, FixedOffset::east_opt(0).unwrap());
    let id = cmds
        .iter()
        .find_map(|c| match c {
            Command::Api(r) if matches!(r.op, ApiOp::SearchContacts(_)) => Some(r.id),
            _ => None,
        })
        .expect("the first page is requested");
    let total = list.len() as u64;
    update(
        &mut s,
        Event::Api(ApiEvent {
            id,
            result: Ok(ApiResponse::SearchPage(SearchPage {
                contacts: list,
                total,
                ..Default::default()
            })),
            budget: Default::default(),
            pending: 0,
        }),
    );
    s
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let quick = args.iter().any(|a| a == "--quick");
    let n = 100_000;
    println!(
        "rolo TUI benchmarks on {} cores{}",
        std::thread::available_parallelism().map_or(0, |c| c.get()),
        if quick { " (quick)" } else { "" }
    );

    let list = contacts(n);
    let lines: Vec<String> = list.iter().map(common::fzf_line).collect();
    let mut state = loaded(list);

    // Per keystroke: type each query a character at a time, then clear it.
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
    let rounds = if quick { 1 } else { 5 };
    let mut samples = Vec::new();
    update(&mut state, key('/'));
    for _ in 0..rounds {
        for q in queries {
            for c in q.chars() {
                let t = Instant::now();
                update(&mut state, key(c));
                let d = t.elapsed();
                if std::env::var_os("ROLO_BENCH_VERBOSE").is_some() {
                    eprintln!(
                        "{:>8.2} ms  {:?} ({} hits)",
                        d.as_secs_f64() * 1e3,
                        state.list.query,
                        state.list.hits.len()
                    );
                }
                samples.push(d);
            }
            let t = Instant::now();
            update(
                &mut state,
                Event::Key(KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL)),
            );
            samples.push(t.elapsed());
        }
    }
    update(
        &mut state,
        Event::Key(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE)),
    );
    let med = percentile(&mut samples, 0.5);
    let p99 = percentile(&mut samples, 0.99);
    println!(
        "search: {} keystrokes over {n} contacts: median {:.2} ms, p99 {:.2} ms   budget 5 / 16 ms",
        samples.len(),
        med.as_secs_f64() * 1e3,
        p99.as_secs_f64() * 1e3
    );

    // Filters, per keystroke: `assigned:me tag:vip budget:>5000` typed a
    // character at a time (each a new filter over every contact), then a
    // word searched within them.
    let data = rolo::sandbox::seed::generate(10, 7, "bench-location", Utc::now());
    let users: Vec<rolo::api::model::User> = data
        .users
        .into_iter()
        .filter_map(|m| serde_json::from_value(serde_json::Value::Object(m)).ok())
        .collect();
    let defs: Vec<rolo::api::model::CustomField> =
        rolo::sandbox::locations::custom_field_definitions("bench-location")
            .into_iter()
            .filter_map(|d| serde_json::from_value(d).ok())
            .collect();
    let me = (0..state.list.len())
        .find_map(|i| state.list.contact(i).assigned_to)
        .expect("an owner");
    state.me_email = users
        .iter()
        .find(|u| u.id == me)
        .and_then(|u| u.email.clone());
    state.custom_fields = rolo::app::Remote::Loaded(defs);
    state.set_users(users);
    let mut filtered = Vec::new();
    let mut kept = 0;
    update(&mut state, key('/'));
    for _ in 0..rounds {
        for c in "assigned:me tag:vip budget:>5000 ma".chars() {
            let t = Instant::now();
            update(&mut state, key(c));
            let d = t.elapsed();
            if std::env::var_os("ROLO_BENCH_VERBOSE").is_some() {
                eprintln!(
                    "{:>8.2} ms  {:?} ({} hits)",
                    d.as_secs_f64() * 1e3,
                    state.list.query,
                    state.list.hits.len()
                );
            }
            // Once a filter is typed: the keystrokes before the first
            // colon are a plain word search, measured above.
            if state.list.query.contains(':') {
                filtered.push(d);
            }
        }
        kept = state.list.hits.len();
        assert!(
            state.list.filter.problems.is_empty(),
            "{:?}",
            state.list.filter.problems
        );
        update(
            &mut state,
            Event::Key(KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL)),
        );
    }
    update(
        &mut state,
        Event::Key(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE)),
    );
    let fmed = percentile(&mut filtered, 0.5);
    let fp99 = percentile(&mut filtered, 0.99);
    println!(
        "filter: `assigned:me tag:vip budget:>5000 ma` typed over {n} contacts ({kept} kept), from its first colon on: {} keystrokes, median {:.2} ms, p99 {:.2} ms   budget 5 / 16 ms",
        filtered.len(),
        fmed.as_secs_f64() * 1e3,
        fp99.as_secs_f64() * 1e3
    );

    // fzf on the same contacts, whole process per query, when installed.
    let path = std::env::temp_dir().join(format!("rolo-bench-{}.txt", std::process::id()));
    std::fs::write(&path, lines.join("\n")).expect("temp file");
    let mut fzf = Vec::new();
    for _ in 0..rounds {
        for q in queries {
            let t = Instant::now();
            let out = std::process::Command::new("fzf")
                .args(["--filter", q])
                .stdin(std::fs::File::open(&path).expect("temp file"))
                .output();
            match out {
                Ok(_) => fzf.push(t.elapsed()),
                Err(_) => break,
            }
        }
    }
    let _ = std::fs::remove_file(&path);
    if fzf.is_empty() {
        println!("fzf: not installed; `apt-get install fzf` to compare");
    } else {
        let fzf_med = percentile(&mut fzf, 0.5);
        println!(
            "fzf --filter, same {n} lines, whole query per process: median {:.2} ms; rolo per keystroke / fzf = {:.2}",
            fzf_med.as_secs_f64() * 1e3,
            med.as_secs_f64() / fzf_med.as_secs_f64()
        );
    }

    // One full 200×60 frame.
    let mut term = Terminal::new(TestBackend::new(200, 60)).expect("terminal");
    update(
        &mut state,
        Event::Resize {
            width: 200,
            height: 60,
        },
    );
    let mut render = |state: &State, what: &str| {
        let mut frames = Vec::new();
        for _ in 0..if quick { 50 } else { 300 } {
            let t = Instant::now();
            term.draw(|f| rolo::ui::render(state, f)).expect("draw");
            frames.push(t.elapsed());
        }
        println!(
            "render: 200×60 frame, {what}: median {:.3} ms   budget 1 ms",
            percentile(&mut frames, 0.5).as_secs_f64() * 1e3
        );
    };
    render(&state, "no query");
    // A query that matches names fuzzily and exactly: every visible row
    // has highlighted characters.
    update(&mut state, key('/'));
    for c in "an".chars() {
        update(&mut state, key(c));
    }
    let visible = state.list.hits.len().min(state.list_rows());
    let lit = (0..visible)
        .filter(|i| !state.highlights(state.list.hits[*i].index).is_empty())
        .count();
    render(
        &state,
        &format!("query \"an\" ({lit} of {visible} visible rows highlighted)"),
    );
    update(
        &mut state,
        Event::Key(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE)),
    );

    // Bytes on the wire for one `j`: draw, press j, draw again.
    for (w, h) in [(80u16, 24u16), (200, 60)] {
        let (mut t, written) = common::counting_terminal(w, h);
        update(
            &mut state,
            Event::Resize {
                width: w,
                height: h,
            },
        );
        t.draw(|f| rolo::ui::render(&state, f)).expect("draw");
        update(
            &mut state,
            Event::Key(KeyEvent::new(KeyCode::Home, KeyModifiers::NONE)),
        );
        t.draw(|f| rolo::ui::render(&state, f)).expect("draw");
        let (mut within, mut scrolling, mut settle) = (Vec::new(), Vec::new(), Vec::new());
        let mut clock = 0u64;
        for _ in 0..(h as usize * 2) {
            let offset = state.list.offset;
            let start = written.get();
            update(&mut state, key('j'));
            t.draw(|f| rolo::ui::render(&state, f)).expect("draw");
            let n = written.get() - start;
            if state.list.offset == offset {
                within.push(n)
            } else {
                scrolling.push(n)
            }
            // The cursor rests: the detail pane catches up in one frame.
            clock += 1_000;
            let start = written.get();
            update(
                &mut state,
                Event::Tick {
                    now: Utc.with_ymd_and_hms(2026, 11, 24, 10, 0, 0).unwrap(),
                    elapsed_ms: clock,
                },
            );
            t.draw(|f| rolo::ui::render(&state, f)).expect("draw");
            settle.push(written.get() - start);
        }
        let med = |v: &mut Vec<usize>| {
            v.sort();
            v.get(v.len() / 2).copied().unwrap_or(0)
        };
        println!(
            "bytes at {w}×{h}: one `j` within the page: median {} ({} presses); one `j` that scrolls the list: median {}; \
             the detail pane once the cursor rests: median {}   budget 400 a `j`",
            med(&mut within),
            within.len(),
            med(&mut scrolling),
            med(&mut settle)
        );
    }
}
