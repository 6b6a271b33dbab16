//! The pipeline board with 5,000 open deals, against the list's budgets:
//!
//! - how long the 50 pages of 100 take to take in (`update`, per page);
//! - one full frame at 200×60 and at 80×24 (median ≤ 1 ms): only the
//!   cards in view are drawn;
//! - bytes written to the terminal for one `j` down a stage, one `l` to
//!   the next stage, and one `>` that moves the card (≤ 400 a cursor move).
//!
//! Run: `cargo bench --bench board` (add `-- --quick` for fewer rounds).

mod common;

use std::time::{Duration, Instant};

use chrono::{FixedOffset, TimeZone, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use rolo::api::actor::{ApiEvent, ApiOp, ApiResponse};
use rolo::api::opportunities::{DealPage, Opportunity, Pipeline, Stage};
use rolo::app::{Command, Event, Remote, State, update};

const DEALS: usize = 5_000;

fn key(c: char) -> Event {
    Event::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
}

fn percentile(samples: &mut [Duration], p: f64) -> Duration {
    samples.sort();
    samples[((samples.len() as f64 - 1.0) * p).round() as usize]
}

fn pipeline() -> Pipeline {
    Pipeline {
        id: "pipeBench".into(),
        name: "Sales Pipeline".into(),
        stages: [
            "New lead",
            "Contacted",
            "Proposal sent",
            "Negotiation",
            "Closing",
        ]
        .iter()
        .enumerate()
        .map(|(i, n)| Stage {
            id: format!("stage{i}"),
            name: n.to_string(),
            position: Some(i as f64),
            ..Stage::default()
        })
        .collect(),
        ..Pipeline::default()
    }
}

fn deals(contacts: &[rolo::api::model::Contact]) -> Vec<Opportunity> {
    let anchor = Utc.with_ymd_and_hms(2026, 11, 24, 0, 0, 0).unwrap();
    (0..DEALS)
        .map(|i| {
            let c = &contacts[i % contacts.len()];
            Opportunity {
                id: format!("deal{i:06}"),
                name: Some(format!("{} – plan {i}", c.display_name())),
                monetary_value: Some(((i * 7919) % 50_000) as f64),
                pipeline_id: Some("pipeBench".into()),
                pipeline_stage_id: Some(format!("stage{}", (i * 31) % 5)),
                assigned_to: Some(format!("user{}", i % 12)),
                status: Some("open".into()),
                contact_id: Some(c.id.clone()),
                last_stage_change_at: Some(
                    (anchor - chrono::Duration::hours((i * 13 % 2400) as i64)).to_rfc3339(),
                ),
                ..Opportunity::default()
            }
        })
        .collect()
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let contacts = common::contacts(10_000, "bench-location");
    let all = deals(&contacts);
    let now = Utc.with_ymd_and_hms(2026, 11, 24, 10, 0, 0).unwrap();
    let (mut s, _) = State::new("bench-location", now, FixedOffset::east_opt(0).unwrap());
    update(
        &mut s,
        Event::ListLoaded(Box::new(rolo::app::prepare(contacts))),
    );
    s.deals.pipelines = Remote::Loaded(vec![pipeline()]);
    update(
        &mut s,
        Event::Resize {
            width: 200,
            height: 60,
        },
    );

    // Open the board and answer its pages as they are asked for.
    let mut cmds = update(&mut s, key('B'));
    let mut per_page = Vec::new();
    while let Some((id, page)) = cmds.iter().find_map(|c| match c {
        Command::Api(r) => match &r.op {
            ApiOp::DealsPage(q) => Some((r.id, q.page)),
            _ => None,
        },
        _ => None,
    }) {
        let start = (page as usize - 1) * 100;
        let chunk: Vec<Opportunity> = all.iter().skip(start).take(100).cloned().collect();
        let t = Instant::now();
        cmds = update(
            &mut s,
            Event::Api(ApiEvent {
                id,
                result: Ok(ApiResponse::DealPage(DealPage {
                    sent: chunk.len(),
                    unreadable: 0,
                    deals: chunk,
                })),
                budget: Default::default(),
                pending: 0,
            }),
        );
        per_page.push(t.elapsed());
    }
    let shown: usize = s.board.columns.iter().map(|c| c.cards.len()).sum();
    assert_eq!(shown, DEALS, "every deal is on the board");
    println!(
        "board: {} pages of 100 taken in: median {:.2} ms, p99 {:.2} ms per page ({shown} deals)",
        per_page.len(),
        percentile(&mut per_page, 0.5).as_secs_f64() * 1e3,
        percentile(&mut per_page, 0.99).as_secs_f64() * 1e3
    );

    for (w, h) in [(200u16, 60u16), (80, 24)] {
        update(
            &mut s,
            Event::Resize {
                width: w,
                height: h,
            },
        );
        let mut term = Terminal::new(TestBackend::new(w, h)).expect("terminal");
        let mut frames = Vec::new();
        for _ in 0..if quick { 50 } else { 300 } {
            let t = Instant::now();
            term.draw(|f| rolo::ui::render(&s, f)).expect("draw");
            frames.push(t.elapsed());
        }
        println!(
            "board render: {w}×{h} frame, {DEALS} open deals: median {:.3} ms, p99 {:.3} ms   budget 1 ms",
            percentile(&mut frames, 0.5).as_secs_f64() * 1e3,
            percentile(&mut frames, 0.99).as_secs_f64() * 1e3
        );
    }

    for (w, h) in [(80u16, 24u16), (200, 60)] {
        let (mut t, written) = common::counting_terminal(w, h);
        update(
            &mut s,
            Event::Resize {
                width: w,
                height: h,
            },
        );
        t.draw(|f| rolo::ui::render(&s, f)).expect("draw");
        let mut press = |s: &mut State, e: Event| {
            let start = written.get();
            update(s, e);
            t.draw(|f| rolo::ui::render(s, f)).expect("draw");
            written.get() - start
        };
        let rounds = if quick { 20 } else { 100 };
        let (mut down, mut across, mut moved) = (Vec::new(), Vec::new(), Vec::new());
        // Down the first stage from its top (paging it on the way).
        s.board.column = 0;
        s.board.cursor.iter_mut().for_each(|c| *c = 0);
        for _ in 0..rounds {
            down.push(press(&mut s, key('j')));
        }
        // Between the first two stages, both in view.
        for i in 0..rounds {
            across.push(press(&mut s, key(if i % 2 == 0 { 'l' } else { 'h' })));
        }
        // The highlighted card a stage on, and back.
        for i in 0..rounds {
            moved.push(press(&mut s, key(if i % 2 == 0 { '>' } else { '<' })));
        }
        let med = |v: &mut Vec<usize>| {
            v.sort();
            v[v.len() / 2]
        };
        println!(
            "board bytes at {w}×{h}: one `j` down a stage: median {}; one `l`/`h` between stages in view: median {}; one `>`/`<` (the card moves, the cursor with it): median {}   budget 400 a cursor move",
            med(&mut down),
            med(&mut across),
            med(&mut moved)
        );
    }
}
