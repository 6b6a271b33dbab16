//! rolo against servers that lie: wrong or missing totals, repeated pages,
//! looping cursors, redirects, endless bodies, escapes in every string.
//! Each case must end with a clear message: no hang, no panic, no lost
//! data, no raw escape.

mod support;

use std::path::PathBuf;

use rolo::cache::Cache;
use rolo::cache::sync::{SyncError, SyncOptions, sync};
use serde_json::{Value, json};
use support::hostile::{Hostile, Seen, contact, json};

fn temp_db(name: &str) -> PathBuf {
    std::env::temp_dir()
        .join(format!(
            "rolo-hostile-{name}-{}-{}",
            std::process::id(),
            fastrand::u64(..)
        ))
        .join("cache.db")
}

fn people(n: u64) -> Vec<Value> {
    (0..n).map(|i| contact(&format!("c{i:05}"), i)).collect()
}

/// Pages of `all` as HighLevel serves them (page numbers or searchAfter),
/// with whatever `total` the test wants to claim (`None`: left out).
fn page_of(all: &[Value], s: &Seen, total: Option<u64>) -> axum::response::Response {
    // GET /contacts/{id}: the contact, or 404 when it is gone.
    if s.method == axum::http::Method::GET
        && let Some(id) = s.path.strip_prefix("/contacts/")
    {
        return match all.iter().find(|c| c["id"] == id) {
            Some(c) => json(200, json!({ "contact": c })),
            None => json(
                404,
                json!({"statusCode": 404, "message": "Contact not found"}),
            ),
        };
    }
    let limit = s.body["pageLimit"].as_u64().unwrap_or(100) as usize;
    let start = match s.body.get("searchAfter").and_then(Value::as_array) {
        Some(after) => {
            let id = after.get(1).and_then(Value::as_str).unwrap_or("");
            all.iter()
                .position(|c| c["id"] == id)
                .map_or(all.len(), |i| i + 1)
        }
        None => (s.body["page"].as_u64().unwrap_or(1) as usize - 1) * limit,
    };
    let rows: Vec<Value> = all.iter().skip(start).take(limit).cloned().collect();
    let mut body = json!({ "contacts": rows });
    if let Some(t) = total {
        body["total"] = json!(t);
    }
    json(200, body)
}

fn opts(full: bool) -> SyncOptions {
    SyncOptions {
        page_limit: 100,
        full,
        depth_limit: 300,
    }
}

async fn fill(path: &std::path::Path, n: u64) {
    let all = people(n);
    let honest = Hostile::start(move |s| page_of(&all, s, Some(n))).await;
    sync(&honest.client(), path, &opts(true), |_| {})
        .await
        .unwrap();
    assert_eq!(Cache::open(path).unwrap().contact_count().unwrap(), n);
}

#[tokio::test]
async fn a_missing_or_low_total_never_deletes_cached_contacts() {
    for claimed in [None, Some(500), Some(0), Some(1)] {
        let path = temp_db("total");
        fill(&path, 1_200).await;
        let all = people(1_200);
        let liar = Hostile::start(move |s| page_of(&all, s, claimed)).await;
        let summary = sync(&liar.client(), &path, &opts(true), |_| {})
            .await
            .unwrap();
        assert_eq!(summary.removed, 0, "total {claimed:?}");
        assert_eq!(
            Cache::open(&path).unwrap().contact_count().unwrap(),
            1_200,
            "total {claimed:?}: every contact is kept"
        );
        // 12 full pages and the short one that proves the end; nothing was
        // even a candidate for deletion.
        assert_eq!(liar.count_of("/contacts/search"), 13, "total {claimed:?}");
    }
}

#[tokio::test]
async fn a_high_total_is_a_reason_to_recheck_never_to_delete() {
    let path = temp_db("high");
    fill(&path, 1_200).await;
    // 100 contacts really went, but the server claims far more than it pages.
    let all = people(1_100);
    let liar = Hostile::start(move |s| page_of(&all, s, Some(1_000_000))).await;
    let summary = sync(&liar.client(), &path, &opts(true), |_| {})
        .await
        .unwrap();
    assert_eq!(summary.removed, 0);
    assert_eq!(Cache::open(&path).unwrap().contact_count().unwrap(), 1_200);
    // The same pages with an honest total: now the deletions are sure.
    let all = people(1_100);
    let honest = Hostile::start(move |s| page_of(&all, s, Some(1_100))).await;
    let summary = sync(&honest.client(), &path, &opts(true), |_| {})
        .await
        .unwrap();
    assert_eq!(summary.removed, 100);
}

#[tokio::test]
async fn a_page_that_shifts_under_the_walk_never_costs_a_live_contact() {
    let path = temp_db("shift");
    fill(&path, 300).await;
    // c00000 is deleted on the server after page 1 was read: every later
    // page shifts by one, so c00100 is on neither page 1 nor page 2, and the
    // counts still agree (299 seen, total 299).
    let all = people(300);
    let liar = Hostile::start(move |s| {
        let rest: Vec<Value> = all[1..].to_vec();
        if s.method == axum::http::Method::POST && s.body["page"] == 1 {
            page_of(&all, s, Some(299))
        } else {
            page_of(&rest, s, Some(299))
        }
    })
    .await;
    let summary = sync(&liar.client(), &path, &opts(true), |_| {})
        .await
        .unwrap();
    assert_eq!(summary.removed, 0, "{summary:?}");
    let cache = Cache::open(&path).unwrap();
    assert!(
        cache.contact("c00100").unwrap().is_some(),
        "the contact the shift skipped is asked for, found, and kept"
    );
    // The next sync sees the server as it is now: c00000 is asked for,
    // is gone, and only it goes.
    let rest = people(300)[1..].to_vec();
    let now = Hostile::start(move |s| page_of(&rest, s, Some(299))).await;
    let summary = sync(&now.client(), &path, &opts(true), |_| {})
        .await
        .unwrap();
    assert_eq!(summary.removed, 1);
    let cache = Cache::open(&path).unwrap();
    assert!(cache.contact("c00000").unwrap().is_none());
    assert_eq!(cache.contact_count().unwrap(), 299);
}

#[tokio::test]
async fn the_same_page_forever_ends_the_sync_with_a_message_and_keeps_the_cache() {
    let path = temp_db("forever");
    fill(&path, 250).await;
    let page = people(100);
    let liar =
        Hostile::start(move |_| json(200, json!({"contacts": page, "total": 1_000_000_000u64})))
            .await;
    let e = sync(&liar.client(), &path, &opts(true), |_| {})
        .await
        .unwrap_err();
    assert!(matches!(e, SyncError::Paging(_)), "{e}");
    let shown = e.to_string();
    assert!(
        shown.contains("page 2 again") && shown.contains("keeps every contact"),
        "{shown}"
    );
    assert_eq!(liar.count(), 2, "it stops at the first repeat");
    assert_eq!(Cache::open(&path).unwrap().contact_count().unwrap(), 250);
    // The delta sync (not a full one) stops the same way.
    let page = people(100);
    let liar =
        Hostile::start(move |_| json(200, json!({"contacts": page, "total": 1_000_000_000u64})))
            .await;
    let e = sync(&liar.client(), &path, &opts(false), |_| {})
        .await
        .unwrap_err();
    assert!(matches!(e, SyncError::Paging(_)), "{e}");
    assert!(liar.count() <= 3, "{} requests", liar.count());
}

#[tokio::test]
async fn a_looping_cursor_ends_the_sync_with_a_message() {
    let path = temp_db("loop");
    // Page numbers reach 300 records; past that the cursor goes A, B, A, …
    // with fresh ids each time, so only the cursor shows the loop.
    let liar = Hostile::start(|s| {
        let rows: Vec<Value> = (0..100)
            .map(|i| {
                let n = (s.n * 100 + i) as u64;
                let mut c = contact(&format!("x{n}"), n);
                c["searchAfter"] = json!([if s.n % 2 == 0 { "A" } else { "B" }]);
                c
            })
            .collect();
        json(200, json!({"contacts": rows, "total": 1_000_000_000u64}))
    })
    .await;
    let e = sync(&liar.client(), &path, &opts(true), |_| {})
        .await
        .unwrap_err();
    assert!(e.to_string().contains("cursor came back"), "{e}");
    assert!(liar.count() <= 6, "{} requests", liar.count());
}

#[tokio::test]
async fn no_cursor_past_the_page_depth_ends_the_sync_instead_of_asking_for_more_pages() {
    let path = temp_db("nocursor");
    let liar = Hostile::start(|s| {
        let page = s.body["page"].as_u64().unwrap_or(0);
        let rows: Vec<Value> = (0..100)
            .map(|i| {
                let mut c = contact(&format!("p{page}-{i}"), i);
                c.as_object_mut().unwrap().remove("searchAfter");
                c
            })
            .collect();
        json(200, json!({"contacts": rows, "total": 1_000_000u64}))
    })
    .await;
    let e = sync(&liar.client(), &path, &opts(true), |_| {})
        .await
        .unwrap_err();
    assert!(
        e.to_string()
            .contains("no searchAfter cursor past the first 300"),
        "{e}"
    );
    assert_eq!(liar.count(), 3, "three pages by number, then it stops");
    for s in liar.seen.lock().unwrap().iter() {
        assert!(s.body["page"].as_u64().unwrap() <= 3, "{:?}", s.body);
    }
}

#[tokio::test]
async fn the_clients_pager_stops_on_the_same_lies() {
    let page = people(100);
    let liar = Hostile::start(move |_| json(200, json!({"contacts": page}))).await;
    let mut pages = liar
        .client()
        .search_pages(rolo::api::model::SearchContacts {
            page_limit: 100,
            ..Default::default()
        });
    let mut n = 0;
    let mut last = None;
    while let Some(p) = pages.next().await {
        n += 1;
        last = Some(p);
        assert!(n < 10, "the pager does not end");
    }
    assert!(last.unwrap().is_err(), "a repeated page is an error");
    assert_eq!(liar.count(), 2);
}

#[tokio::test]
async fn redirects_are_reported_not_followed() {
    // Where the redirect points: it must never be asked anything.
    let elsewhere = Hostile::start(|_| json(200, json!({"contacts": [], "total": 0}))).await;
    let target = format!("{}/contacts/search", elsewhere.url());
    for status in [301u16, 302, 307, 308] {
        let target = target.clone();
        let liar = Hostile::start(move |_| {
            axum::response::Response::builder()
                .status(status)
                .header("location", target.clone())
                .body(axum::body::Body::empty())
                .unwrap()
        })
        .await;
        let e = liar
            .client()
            .search_contacts(&rolo::api::model::SearchContacts {
                page_limit: 10,
                ..Default::default()
            })
            .await
            .unwrap_err();
        let shown = e.to_string();
        assert!(
            shown.contains("redirect") && shown.contains("not followed"),
            "{shown}"
        );
        assert!(!shown.chars().any(rolo::text::is_unsafe), "{shown:?}");
    }
    assert_eq!(elsewhere.count(), 0, "nothing followed the redirects");
}

#[tokio::test]
async fn a_huge_body_is_cut_off_with_the_limit_named() {
    let liar = Hostile::start(|_| {
        // A body with no end, as fast as the socket takes it.
        let chunk = bytes_of(1 << 20);
        let stream =
            futures_util::stream::repeat_with(move || Ok::<_, std::io::Error>(chunk.clone()));
        axum::response::Response::builder()
            .status(200)
            .header("content-type", "application/json")
            .body(axum::body::Body::from_stream(stream))
            .unwrap()
    })
    .await;
    let e = liar.client().get_contact("x").await.unwrap_err();
    assert!(e.to_string().contains("larger than 32 MiB"), "{e}");
}

fn bytes_of(n: usize) -> axum::body::Bytes {
    axum::body::Bytes::from(vec![b' '; n])
}

const EVIL: &str = "\u{1b}]52;c;cm0gLXJmIH4=\u{7}\u{1b}[2J\u{9b}31m\u{202e}\u{7f}\r";

fn evil(s: &str) -> String {
    format!("{s}{EVIL}")
}

/// A server whose every string carries escapes: ids, names, messages.
fn escaping_server(s: &Seen) -> axum::response::Response {
    let contact = json!({
        "id": evil("c1"),
        "locationId": "hostile-location",
        "firstName": evil("Eve"),
        "lastName": evil("Evil"),
        "email": evil("eve@example.com"),
        "phone": evil("+1555"),
        "companyName": evil("Acme"),
        "city": evil("Oslo"),
        "tags": [evil("vip")],
        "dateAdded": "2026-01-01T00:00:00.000Z",
    });
    let path = s.path.as_str();
    if path.ends_with("/contacts/search") {
        json(200, json!({"contacts": [contact], "total": 1}))
    } else if path.ends_with("/tasks/search") {
        json(
            201,
            json!({"tasks": [{"_id": evil("t1"), "title": evil("Call"), "dueDate": "2026-01-01T00:00:00.000Z", "completed": false, "contactId": evil("c1")}]}),
        )
    } else if path.ends_with("/tasks") && s.method == axum::http::Method::GET {
        json(
            200,
            json!({"tasks": [{"id": evil("t1"), "title": evil("Call"), "dueDate": "2026-01-01T00:00:00.000Z", "completed": false, "contactId": evil("c1")}]}),
        )
    } else if path.ends_with("/notes") && s.method == axum::http::Method::GET {
        json(
            200,
            json!({"notes": [{"id": evil("n1"), "body": evil("Said things"), "dateAdded": "2026-01-01T00:00:00.000Z"}]}),
        )
    } else if path.ends_with("/appointments") {
        json(
            200,
            json!({"events": [{"id": evil("a1"), "title": evil("Meet"), "startTime": "2030-01-01T00:00:00.000Z", "appointmentStatus": evil("confirmed")}]}),
        )
    } else if path.starts_with("/contacts/") && s.method == axum::http::Method::GET {
        json(200, json!({"contact": contact}))
    } else {
        json(
            422,
            json!({"statusCode": 422, "message": [evil("no such thing")], "error": evil("Unprocessable")}),
        )
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_server_string_reaches_the_terminal_raw_from_the_shell() {
    let liar = Hostile::start(escaping_server).await;
    let home = std::env::temp_dir().join(format!("rolo-hostile-shell-{}", fastrand::u64(..)));
    let runs: &[&[&str]] = &[
        &["find", "eve"],
        &["find", "eve", "--json"],
        &["query", "eve"],
        &["show", "eve"],
        &["show", "eve", "--json"],
        &["today"],
        &["today", "--json"],
        &["tag", "add", "eve", "x"],
        &["task", "add", "eve", "--title", "x", "--due", "tomorrow"],
    ];
    for args in runs {
        let out = support::hermetic_rolo(&home)
            .args(*args)
            .env("ROLO_TOKEN", "hostile-token")
            .env("ROLO_BASE_URL", liar.url())
            .env("ROLO_LOCATION_ID", "hostile-location")
            .env("ROLO_NO_CACHE", "1")
            .output()
            .unwrap();
        for (what, bytes) in [("stdout", &out.stdout), ("stderr", &out.stderr)] {
            let text = String::from_utf8_lossy(bytes);
            let bad: Vec<char> = text
                .chars()
                .filter(|c| rolo::text::is_unsafe(*c) && !matches!(c, '\n' | '\t'))
                .collect();
            assert!(bad.is_empty(), "{args:?} {what}: {bad:?} in {text:?}");
        }
        if args.contains(&"--json") {
            let v: Value = serde_json::from_slice(&out.stdout)
                .unwrap_or_else(|e| panic!("{args:?}: not JSON ({e})"));
            // Escaped, not lost: the value is still there, intact.
            assert!(v.to_string().contains('\u{9b}'), "{args:?}");
        }
    }
}

/// Runs rolo against `url`, killing it if it outlives `guard` (a hang is a
/// failure, not a stuck suite).
fn rolo_at(
    url: &str,
    args: &[&str],
    extra: &[(&str, &str)],
    guard: std::time::Duration,
) -> std::process::Output {
    let home = std::env::temp_dir().join(format!("rolo-hostile-run-{}", fastrand::u64(..)));
    let mut c = support::hermetic_rolo(&home);
    c.args(args)
        .env("ROLO_TOKEN", "hostile-token")
        .env("ROLO_BASE_URL", url)
        .env("ROLO_LOCATION_ID", "hostile-location")
        .env("ROLO_NO_CACHE", "1")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    for (k, v) in extra {
        c.env(k, v);
    }
    let mut child = c.spawn().unwrap();
    let start = std::time::Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            return child.wait_with_output().unwrap();
        }
        if start.elapsed() > guard {
            let _ = child.kill();
            panic!("rolo {args:?} still running after {guard:?}");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_that_always_refuses_gets_progress_and_a_deadline_not_silence() {
    for (status, said) in [
        (429u16, "HighLevel is rate-limiting; retrying in"),
        (503, "HighLevel answered 503; retrying in"),
    ] {
        let liar = Hostile::start(move |_| {
            axum::response::Response::builder()
                .status(status)
                .header("retry-after", "1")
                .header("content-type", "application/json")
                .body(axum::body::Body::from(
                    json!({"statusCode": status, "message": "go away"}).to_string(),
                ))
                .unwrap()
        })
        .await;
        let url = liar.url();
        let out = tokio::task::spawn_blocking(move || {
            rolo_at(
                &url,
                &["show", "c1"],
                &[("ROLO_DEADLINE", "3")],
                std::time::Duration::from_secs(40),
            )
        })
        .await
        .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(4), "{status}: {err}");
        assert!(
            err.contains(said) && err.contains("attempt 2 of"),
            "{status}: {err}"
        );
    }
}

/// A server (or proxy) that echoes the request's token back in every
/// answer: rolo's errors still never show it.
#[tokio::test]
async fn a_token_echoed_by_the_server_never_shows_in_an_error() {
    let echo = Hostile::start(|s| {
        let auth = s
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        match s.n % 4 {
            0 => json(
                422,
                json!({"statusCode": 422, "message": [format!("bad request from {auth}")]}),
            ),
            1 => json(
                500,
                json!({"statusCode": 500, "message": format!("{auth} broke it")}),
            ),
            2 => json(
                401,
                json!({"statusCode": 401, "message": format!("{auth} is not valid")}),
            ),
            _ => axum::response::Response::builder()
                .status(200)
                .header("content-type", "application/json")
                .body(axum::body::Body::from(format!("{{\"contact\": \"{auth}")))
                .unwrap(),
        }
    })
    .await;
    let mut config = echo.config();
    config.token = rolo::api::Token::new("pit-SUPERSECRET-echoed-0000");
    config.retry.max_retries = 0;
    let c = rolo::api::Client::new(config).unwrap();
    for _ in 0..4 {
        let e = c.get_contact("x").await.unwrap_err();
        let shown = format!("{e} {e:?}");
        assert!(!shown.contains("SUPERSECRET"), "token leaked: {shown}");
        assert!(
            shown.contains("****"),
            "the echo is visibly masked: {shown}"
        );
    }
    assert_eq!(echo.count(), 4);
}

/// Deals from a server that lies: a row that cannot be read still counts
/// toward its page (the walk goes on past it, and says how many were
/// unreadable), a page sent again forever ends with an error, and a stage
/// id listed twice counts its deals once.
#[tokio::test]
async fn deal_pages_that_lie_neither_end_early_nor_loop() {
    use rolo::api::opportunities::OpportunitySearch;
    let deal = |i: usize| {
        serde_json::json!({"id": format!("deal{i:016}"), "name": format!("Deal {i}"),
                           "status": "open", "pipelineId": "p1", "pipelineStageId": "s1"})
    };
    // 250 deals, row 50 unreadable (a number for a name).
    let h = Hostile::start(move |seen| {
        let page: usize = seen
            .query
            .split('&')
            .find_map(|kv| kv.strip_prefix("page="))
            .and_then(|v| v.parse().ok())
            .unwrap_or(1);
        let rows: Vec<serde_json::Value> = ((page - 1) * 100..(page * 100).min(250))
            .map(|i| {
                let mut d = deal(i);
                if i == 50 {
                    d["name"] = serde_json::json!(123);
                }
                d
            })
            .collect();
        json(
            200,
            serde_json::json!({"opportunities": rows, "meta": {"total": 250}}),
        )
    })
    .await;
    let all = h
        .client()
        .all_opportunities(&OpportunitySearch::default())
        .await
        .unwrap();
    assert_eq!((all.deals.len(), all.unreadable, all.sent), (249, 1, 250));
    // The same full page forever.
    let h = Hostile::start(move |_| {
        let rows: Vec<serde_json::Value> = (0..100).map(deal).collect();
        json(200, serde_json::json!({"opportunities": rows}))
    })
    .await;
    let e = h
        .client()
        .all_opportunities(&OpportunitySearch::default())
        .await
        .unwrap_err();
    assert!(e.to_string().contains("again"), "{e}");
    assert!(h.count() <= 3, "{} requests", h.count());
    // A stage listed twice is one stage.
    let h = Hostile::start(move |_| {
        json(
            200,
            serde_json::json!({"pipelines": [{"id": "p1", "name": "Main", "stages": [
                {"id": "s1", "name": "A"}, {"id": "s1", "name": "A again"}, {"id": "s2", "name": "B"}]}]}),
        )
    })
    .await;
    let p = h.client().pipelines().await.unwrap();
    let names: Vec<&str> = p[0].stages.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["A", "B"]);
}

/// The same 100 unread conversations on every page, with a total that
/// says there are a million: the inbox's walk stops after the second page
/// with each conversation once; pages that go back in time stop it too.
#[tokio::test]
async fn the_inbox_walk_stops_on_a_repeated_page_or_a_lying_total() {
    let convs: Vec<Value> = (0..100)
        .map(|i| {
            json!({"id": format!("cv{i:03}"), "contactId": format!("c{i:03}"),
                   "unreadCount": 1, "lastMessageDate": 1_700_000_000_000i64 - i * 1000})
        })
        .collect();
    let page = convs.clone();
    let liar =
        Hostile::start(move |_| json(200, json!({"conversations": page, "total": 1_000_000})))
            .await;
    let (all, cut) = liar
        .client()
        .all_conversations(true, None, 10_000)
        .await
        .unwrap();
    assert_eq!((all.len(), cut), (100, true), "said to be cut short");
    assert_eq!(
        liar.count(),
        2,
        "a second page that brings nothing older ends it"
    );
    // A page of newer ones after the first: ends too.
    let liar = Hostile::start(move |s| {
        let shift = if s.n == 0 { 0 } else { -100_000 };
        let page: Vec<Value> = convs
            .iter()
            .map(|c| {
                let mut c = c.clone();
                c["id"] = json!(format!("{}-{}", c["id"].as_str().unwrap(), s.n));
                c["lastMessageDate"] = json!(c["lastMessageDate"].as_i64().unwrap() - shift);
                c
            })
            .collect();
        json(200, json!({"conversations": page, "total": 1_000_000}))
    })
    .await;
    let (all, _) = liar
        .client()
        .all_conversations(true, None, 10_000)
        .await
        .unwrap();
    assert_eq!(all.len(), 200);
    assert_eq!(liar.count(), 2);
    // The cap holds.
    let (all, cut) = liar
        .client()
        .all_conversations(true, None, 150)
        .await
        .unwrap();
    assert_eq!((all.len(), cut), (150, true));
}
