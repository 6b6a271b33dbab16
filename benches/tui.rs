//! The TUI's performance figures, each against its budget:
//!
//! - re-filter and rank 100,000 contacts per keystroke (median ≤ 5 ms,
//!   p99 ≤ 16 ms), next to `fzf --filter` on the same lines when fzf is
//!   installed (`apt-get install fzf`), as a ratio;
//! - render one full 200×60 frame (median ≤ 1 ms);
//! - bytes written to the terminal for one `j` in the list (≤ 400);
//! - resident memory with 100,000 contacts loaded (≤ 150 MB).
//!
//! Run: `cargo bench --bench tui` (add `-- --quick` for fewer rounds).

use std::io::Write;
use std::time::{Duration, Instant};

use chrono::{FixedOffset, TimeZone, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::backend::{CrosstermBackend, TestBackend};
use ratatui::layout::Rect;
use ratatui::{Terminal, TerminalOptions, Viewport};
use rolo::api::actor::{ApiEvent, ApiOp, ApiResponse};
use rolo::api::model::{Contact, SearchPage};
use rolo::app::{Command, Event, State, update};

#[allow(dead_code)]
fn rss_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

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

/// In a fresh process: load the pages in `path` (one JSON search page per
/// line, as the API sends them) into the app, and print the RSS.
fn memory_child(path: &str) {
    use std::io::BufRead;
    let pages = std::io::BufReader::new(std::fs::File::open(path).expect("pages")).lines();
    let now = Utc.with_ymd_and_hms(2026, 11, 24, 10, 0, 0).unwrap();
    let (mut s, mut cmds) = State::new("bench-location", now, FixedOffset::east_opt(0).unwrap());
    for page in pages {
        let id = cmds
            .iter()
            .find_map(|c| match c {
                Command::Api(r) if matches!(r.op, ApiOp::SearchContacts(_)) => Some(r.id),
                _ => None,
            })
            .expect("the next page is requested");
        let page: SearchPage = serde_json::from_str(&page.expect("a line")).expect("page");
        cmds = update(
            &mut s,
            Event::Api(ApiEvent {
                id,
                result: Ok(ApiResponse::SearchPage(page)),
                budget: Default::default(),
                pending: 0,
            }),
        );
    }
    // Search once so the index is fully built, as after a first keystroke.
    update(&mut s, key('/'));
    update(&mut s, key('a'));
    let before_trim = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    // SAFETY: glibc's malloc_trim only returns free heap pages to the OS.
    unsafe {
        libc::malloc_trim(0);
    }
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    eprintln!(
        "before trim: {}",
        before_trim
            .lines()
            .find(|l| l.starts_with("VmRSS"))
            .unwrap_or("")
    );
    let field = |k: &str| {
        status
            .lines()
            .find(|l| l.starts_with(k))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
    };
    println!(
        "{} {} {}",
        s.contacts.len(),
        field("VmRSS:"),
        field("VmHWM:")
    );
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--memory-child") {
        return memory_child(&args[i + 1]);
    }
    let quick = args.iter().any(|a| a == "--quick");
    let n = 100_000;
    println!(
        "rolo TUI benchmarks on {} cores{}",
        std::thread::available_parallelism().map_or(0, |c| c.get()),
        if quick { " (quick)" } else { "" }
    );

    let list = contacts(n);
    // Memory: a fresh process loads the contacts as the API sends them (pages
    // of 500) and reports its resident size.
    let pages_path =
        std::env::temp_dir().join(format!("rolo-bench-pages-{}.jsonl", std::process::id()));
    {
        let mut f = std::io::BufWriter::new(std::fs::File::create(&pages_path).expect("temp file"));
        for chunk in list.chunks(500) {
            let page = SearchPage {
                contacts: chunk.to_vec(),
                total: n as u64,
                ..Default::default()
            };
            serde_json::to_writer(&mut f, &page).expect("write");
            f.write_all(b"\n").expect("write");
        }
    }
    let out = std::process::Command::new(std::env::current_exe().expect("exe"))
        .args(["--memory-child", pages_path.to_str().expect("utf-8 path")])
        .output()
        .expect("child runs");
    let _ = std::fs::remove_file(&pages_path);
    let report = String::from_utf8_lossy(&out.stdout);
    let nums: Vec<u64> = report
        .split_whitespace()
        .filter_map(|v| v.parse().ok())
        .collect();
    if let [loaded, rss, peak] = nums[..] {
        println!(
            "memory: {loaded} contacts loaded from API pages: {:.0} MB RSS (peak {:.0} MB)   budget 150 MB",
            rss as f64 / 1024.0,
            peak as f64 / 1024.0
        );
    } else {
        println!(
            "memory: the child failed: {report} {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let lines: Vec<String> = list
        .iter()
        .map(|c| {
            format!(
                "{}\t{}\t{}\t{}\t{}",
                c.display_name(),
                c.company_name.as_deref().unwrap_or(""),
                c.email.as_deref().unwrap_or(""),
                c.phone.as_deref().unwrap_or(""),
                c.tags().join(" ")
            )
        })
        .collect();
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
                        state.query,
                        state.hits.len()
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
    let mut frames = Vec::new();
    for _ in 0..if quick { 50 } else { 300 } {
        let t = Instant::now();
        term.draw(|f| rolo::ui::render(&state, f)).expect("draw");
        frames.push(t.elapsed());
    }
    println!(
        "render: 200×60 frame: median {:.3} ms   budget 1 ms",
        percentile(&mut frames, 0.5).as_secs_f64() * 1e3
    );

    // Bytes on the wire for one `j`: draw, press j, draw again.
    struct Counter(std::rc::Rc<std::cell::Cell<usize>>);
    impl Write for Counter {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.set(self.0.get() + b.len());
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    for (w, h) in [(80u16, 24u16), (200, 60)] {
        let written = std::rc::Rc::new(std::cell::Cell::new(0usize));
        let mut t = Terminal::with_options(
            CrosstermBackend::new(Counter(written.clone())),
            TerminalOptions {
                viewport: Viewport::Fixed(Rect::new(0, 0, w, h)),
            },
        )
        .expect("terminal");
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
            let offset = state.list_offset;
            let start = written.get();
            update(&mut state, key('j'));
            t.draw(|f| rolo::ui::render(&state, f)).expect("draw");
            let n = written.get() - start;
            if state.list_offset == offset {
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
