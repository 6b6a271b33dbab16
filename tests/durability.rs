//! The outbox's promise, tested the hard way: 200 mixed edits queued while
//! HighLevel is down, the real binary killed with SIGKILL at random points
//! while it drains them, restarted, and the server brought up. Every edit
//! must be applied exactly once, as the sandbox's own state shows.

mod support;

use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::path::Path;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use rolo::api::actor::ApiOp;
use rolo::api::model::*;
use rolo::cache::{Cache, Caching};
use rolo::sandbox::Sandbox;
use rolo::sandbox::faults::Faults;
use serde_json::{Value, json};

fn free_port() -> u16 {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn push(port: u16, home: &Path) -> Child {
    support::hermetic_rolo(home)
        .args(["outbox", "push"])
        .env("ROLO_TOKEN", support::TOKEN)
        .env("ROLO_BASE_URL", format!("http://127.0.0.1:{port}"))
        .env("ROLO_LOCATION_ID", support::LOCATION)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("rolo starts")
}

/// Lets the child run for a random while, then SIGKILLs it. Returns true
/// when it had already finished on its own.
fn run_and_kill(mut child: Child, max_ms: u64) -> bool {
    let until = Instant::now() + Duration::from_millis(fastrand::u64(30..max_ms));
    while Instant::now() < until {
        if let Ok(Some(_)) = child.try_wait() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().ok(); // SIGKILL on Unix: no chance to tidy up.
    child.wait().ok();
    false
}

struct Expect {
    task_titles: Vec<(String, String)>,
    note_bodies: Vec<(String, String)>,
    tags_added: Vec<(String, String)>,
    tags_removed: Vec<(String, String)>,
    cities: Vec<(String, String)>,
    completed: Vec<(String, String)>,
    notes_deleted: Vec<(String, String)>,
}

/// 200 edits over 25 contacts: creates, updates, completes, deletes, tags.
fn queue_edits(cache: &mut Cache, sandbox_data: &rolo::sandbox::store::Store) -> Expect {
    let mut e = Expect {
        task_titles: vec![],
        note_bodies: vec![],
        tags_added: vec![],
        tags_removed: vec![],
        cities: vec![],
        completed: vec![],
        notes_deleted: vec![],
    };
    let ids = sandbox_data.contact_ids();
    let mut ops = Vec::new();
    for (i, cid) in ids.iter().take(25).enumerate() {
        let cid = cid.clone();
        for suffix in ["a", "b"] {
            let title = format!("durable task {i}{suffix}");
            ops.push(ApiOp::CreateTask {
                contact_id: cid.clone(),
                task: NewTask {
                    title: title.clone(),
                    body: Some("queued while offline".into()),
                    due_date: "2026-12-01T15:00:00.000Z".into(),
                    completed: false,
                    assigned_to: None,
                },
            });
            e.task_titles.push((cid.clone(), title));
        }
        let note = |body: String, ops: &mut Vec<ApiOp>, e: &mut Expect| {
            ops.push(ApiOp::CreateNote {
                contact_id: cid.clone(),
                note: NewNote {
                    body: body.clone(),
                    ..NewNote::default()
                },
            });
            e.note_bodies.push((cid.clone(), body));
        };
        let tag = |tag: String, ops: &mut Vec<ApiOp>, e: &mut Expect| {
            ops.push(ApiOp::AddTags {
                contact_id: cid.clone(),
                tags: vec![tag.clone()],
            });
            e.tags_added.push((cid.clone(), tag));
        };
        note(format!("durable note {i}"), &mut ops, &mut e);
        // With a tag that the last edit removes again: only sent in order
        // does it end up gone.
        let fleeting = format!("fleeting-{i}");
        ops.push(ApiOp::AddTags {
            contact_id: cid.clone(),
            tags: vec![format!("durable-{i}"), fleeting.clone()],
        });
        e.tags_added.push((cid.clone(), format!("durable-{i}")));
        let city = format!("Durable City {i}");
        ops.push(ApiOp::UpdateContact {
            id: cid.clone(),
            update: ContactUpdate::new().set(ContactField::City, Some(&city)),
            base: None,
        });
        e.cities.push((cid.clone(), city));
        match sandbox_data
            .tasks_of(&cid)
            .iter()
            .find(|t| t["completed"] == json!(false))
        {
            Some(t) => {
                let tid = t["id"].as_str().unwrap().to_string();
                ops.push(ApiOp::SetTaskCompleted {
                    contact_id: cid.clone(),
                    task_id: tid.clone(),
                    completed: true,
                });
                e.completed.push((cid.clone(), tid));
            }
            None => tag(format!("durable-extra-{i}"), &mut ops, &mut e),
        }
        match sandbox_data.notes_of(&cid).first() {
            Some(n) => {
                let nid = n["id"].as_str().unwrap().to_string();
                ops.push(ApiOp::DeleteNote {
                    contact_id: cid.clone(),
                    note_id: nid.clone(),
                });
                e.notes_deleted.push((cid.clone(), nid));
            }
            None => note(format!("durable note {i} bis"), &mut ops, &mut e),
        }
        // Added above, removed again: order matters within a contact.
        ops.push(ApiOp::RemoveTags {
            contact_id: cid.clone(),
            tags: vec![fleeting.clone()],
        });
        e.tags_removed.push((cid.clone(), fleeting));
    }
    assert_eq!(ops.len(), 200);
    for op in &ops {
        cache.enqueue(op).unwrap();
    }
    e
}

fn count(items: &[serde_json::Map<String, Value>], field: &str, value: &str) -> usize {
    items.iter().filter(|x| x[field] == json!(value)).count()
}

#[test]
fn two_hundred_edits_survive_sigkill_and_an_outage_exactly_once() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let home = std::env::temp_dir().join(format!(
        "rolo-durability-{}-{}",
        std::process::id(),
        fastrand::u32(..)
    ));
    let port = free_port();
    let mut config = support::config(60);
    // The client keeps to its own limit; the server's would only add 429s
    // across restarts (each process starts with a fresh budget).
    config.rate_limit.max = 100_000;
    // Each change is made at once but confirmed 60 ms later: a kill in
    // that window leaves an edit applied on the server and not confirmed
    // on disk, which is what the replay must not apply twice.
    config.faults = Faults {
        latency_ms: 5,
        reply_latency_ms: 60,
        ..Faults::default()
    };
    // The same seed the sandbox will use: its ids, tasks and notes.
    let before = rolo::sandbox::store::Store::seeded(support::LOCATION, 60, config.seed);
    let path = Caching::In(home.join("data"))
        .path_for(support::LOCATION)
        .unwrap();
    let expect = {
        let mut cache = Cache::open(&path).unwrap();
        queue_edits(&mut cache, &before)
    };
    let pending = || Cache::open(&path).unwrap().outbox_counts().unwrap();

    // HighLevel is down: rolo retries, and is killed while it does.
    for _ in 0..3 {
        run_and_kill(push(port, &home), 600);
    }
    assert_eq!(pending().pending, 200, "nothing is lost while down");

    // HighLevel comes back. Kill rolo at random points while it drains.
    let sandbox: Sandbox = runtime
        .block_on(Sandbox::start(
            config,
            SocketAddr::from((Ipv4Addr::LOCALHOST, port)),
        ))
        .expect("the sandbox takes the port");
    let mut kills = 0;
    let mut finished = false;
    for _ in 0..60 {
        if pending().pending == 0 {
            break;
        }
        if run_and_kill(push(port, &home), 400) {
            finished = pending().pending == 0;
        } else {
            kills += 1;
        }
    }
    // Whatever is left goes out in one last, uninterrupted run.
    if pending().pending > 0 {
        let status = push(port, &home).wait().unwrap();
        assert!(status.success(), "the last push ends well: {status}");
        finished = true;
    }
    let _ = finished;
    eprintln!("{kills} kills during the drain");
    assert!(kills >= 3, "the drain was interrupted ({kills} kills)");
    let left = pending();
    assert_eq!((left.pending, left.attention), (0, 0));

    sandbox.with_store(|s| {
        for (cid, title) in &expect.task_titles {
            assert_eq!(count(s.tasks_of(cid), "title", title), 1, "{title}");
        }
        for (cid, body) in &expect.note_bodies {
            assert_eq!(count(s.notes_of(cid), "body", body), 1, "{body}");
        }
        for (cid, tag) in &expect.tags_added {
            let tags = &s.contact(cid).unwrap()["tags"];
            assert!(tags.as_array().unwrap().contains(&json!(tag)), "{tag}");
        }
        for (cid, tag) in &expect.tags_removed {
            let tags = &s.contact(cid).unwrap()["tags"];
            assert!(!tags.as_array().unwrap().contains(&json!(tag)), "{tag}");
        }
        for (cid, city) in &expect.cities {
            assert_eq!(s.contact(cid).unwrap()["city"], json!(city));
        }
        for (cid, tid) in &expect.completed {
            assert_eq!(count(s.tasks_of(cid), "id", tid), 1);
            let t = s
                .tasks_of(cid)
                .iter()
                .find(|t| t["id"] == json!(tid))
                .unwrap();
            assert_eq!(t["completed"], json!(true), "{tid}");
        }
        for (cid, nid) in &expect.notes_deleted {
            assert_eq!(count(s.notes_of(cid), "id", nid), 0, "{nid}");
        }
        // No stray creations: seeded plus queued, no more.
        for cid in before.contact_ids().iter().take(25) {
            let queued_tasks = expect.task_titles.iter().filter(|(c, _)| c == cid).count();
            assert_eq!(
                s.tasks_of(cid).len(),
                before.tasks_of(cid).len() + queued_tasks,
                "tasks of {cid}"
            );
            let queued_notes = expect.note_bodies.iter().filter(|(c, _)| c == cid).count();
            let deleted = expect
                .notes_deleted
                .iter()
                .filter(|(c, _)| c == cid)
                .count();
            assert_eq!(
                s.notes_of(cid).len(),
                before.notes_of(cid).len() + queued_notes - deleted,
                "notes of {cid}"
            );
        }
    });
    let _ = std::fs::remove_dir_all(&home);
}

/// A bulk action over 500 contacts, queued with edits of some of them
/// before and after it, drained by the real binary while it is killed at
/// random points: every contact ends changed exactly once, in the order
/// the edits were made, and the tags went in bulk requests.
#[test]
fn a_bulk_action_over_five_hundred_contacts_survives_sigkill_exactly_once() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let home = std::env::temp_dir().join(format!(
        "rolo-durability-bulk-{}-{}",
        std::process::id(),
        fastrand::u32(..)
    ));
    let port = free_port();
    let mut config = support::config(500);
    config.rate_limit.max = 100_000;
    // Applied at once, answered 150 ms later: a kill in between leaves a
    // piece done on the server and not confirmed on disk. Some requests
    // fail and are sent again later: an edit that did not wait its turn
    // would overtake them.
    config.faults = Faults {
        latency_ms: 5,
        reply_latency_ms: 150,
        fail_rate: 0.15,
        ..Faults::default()
    };
    let before = rolo::sandbox::store::Store::seeded(support::LOCATION, 500, config.seed);
    let ids = before.contact_ids();
    assert_eq!(ids.len(), 500);
    let tag = |id: &str, t: &str, add: bool| {
        let (contact_id, tags) = (id.to_string(), vec![t.to_string()]);
        if add {
            ApiOp::AddTags { contact_id, tags }
        } else {
            ApiOp::RemoveTags { contact_id, tags }
        }
    };
    let path = Caching::In(home.join("data"))
        .path_for(support::LOCATION)
        .unwrap();
    let first_piece = {
        let mut cache = Cache::open(&path).unwrap();
        // Before the bulk action: 20 contacts get a tag of their own.
        for (i, id) in ids.iter().take(20).enumerate() {
            cache.enqueue(&tag(id, &format!("pre-{i}"), true)).unwrap();
        }
        // The bulk add, then a bulk remove, each its pieces queued in
        // one transaction; between and after them, edits that only come
        // out right in that order.
        let add = ApiOp::bulk_tags(true, &ids, &["webinar-nov".into()]);
        assert_eq!(add.len(), 5);
        let pieces = cache.enqueue_many(&add).unwrap();
        for id in ids.iter().take(10) {
            cache.enqueue(&tag(id, "webinar-nov", false)).unwrap();
        }
        cache
            .enqueue_many(&ApiOp::bulk_tags(false, &ids, &["vip".into()]))
            .unwrap();
        for id in &ids[10..20] {
            cache.enqueue(&tag(id, "vip", true)).unwrap();
        }
        pieces[0]
    };
    let pending = || Cache::open(&path).unwrap().outbox_counts().unwrap();
    assert_eq!(pending().pending, 20 + 5 + 10 + 5 + 10);

    let sandbox: Sandbox = runtime
        .block_on(Sandbox::start(
            config,
            SocketAddr::from((Ipv4Addr::LOCALHOST, port)),
        ))
        .expect("the sandbox takes the port");
    // The first piece (contacts 0 to 99) was refused and waits for the
    // user: the edits of its contacts queued after it wait too (the ten
    // removes, the second bulk action's first piece, the ten adds); the
    // rest goes, killed at random points.
    {
        let cache = Cache::open(&path).unwrap();
        cache
            .needs_attention(first_piece, "refused, for this test")
            .unwrap();
    }
    let mut kills = 0;
    for _ in 0..60 {
        if pending().pending <= 21 {
            break;
        }
        if !run_and_kill(push(port, &home), 350) {
            kills += 1;
        }
    }
    // It ends saying an edit needs the user (exit 4).
    let status = push(port, &home).wait().unwrap();
    assert_eq!(status.code(), Some(4), "{status}");
    let log = sandbox.requests();
    let touched_alone = |id: &String, method: &str| {
        log.iter()
            .any(|r| r.path == format!("/contacts/{id}/tags") && r.method == method)
    };
    assert!(
        ids.iter().take(20).all(|id| touched_alone(id, "POST")),
        "the edits before the bulk add went"
    );
    assert!(
        !ids.iter().take(10).any(|id| touched_alone(id, "DELETE")),
        "no remove went before the bulk add it follows"
    );
    assert_eq!((pending().pending, pending().attention), (21, 1));
    // The user sends it again.
    Cache::open(&path)
        .unwrap()
        .retry(first_piece, None)
        .unwrap();
    for _ in 0..80 {
        if pending().pending == 0 {
            break;
        }
        if !run_and_kill(push(port, &home), 350) {
            kills += 1;
        }
    }
    if pending().pending > 0 {
        let status = push(port, &home).wait().unwrap();
        assert!(status.success(), "the last push ends well: {status}");
    }
    eprintln!("{kills} kills during the drain");
    assert!(kills >= 3, "the drain was interrupted ({kills} kills)");
    let left = pending();
    assert_eq!((left.pending, left.attention), (0, 0));

    sandbox.with_store(|s| {
        for (i, id) in ids.iter().enumerate() {
            let tags: Vec<String> = s.contact(id).unwrap()["tags"]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| t.as_str().unwrap().to_lowercase())
                .collect();
            let n = |t: &str| tags.iter().filter(|x| *x == t).count();
            assert_eq!(n("webinar-nov"), usize::from(i >= 10), "{id}: {tags:?}");
            assert_eq!(
                n("vip"),
                usize::from((10..20).contains(&i)),
                "{id}: {tags:?}"
            );
            if i < 20 {
                assert_eq!(n(&format!("pre-{i}")), 1, "{id}: {tags:?}");
            }
            // Nothing else changed.
            let mut want: Vec<String> = before.contact(id).unwrap()["tags"]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| t.as_str().unwrap().to_lowercase())
                .filter(|t| t != "vip")
                .collect();
            if i < 20 {
                want.push(format!("pre-{i}"));
            }
            if i >= 10 {
                want.push("webinar-nov".into());
            }
            if (10..20).contains(&i) {
                want.push("vip".into());
            }
            let (mut got, mut want) = (tags.clone(), want);
            got.sort();
            want.sort();
            assert_eq!(got, want, "{id}");
        }
    });
    let log = sandbox.requests();
    let bulk = log
        .iter()
        .filter(|r| r.path.starts_with("/contacts/bulk/tags/update/"))
        .filter(|r| r.status.is_some_and(|s| (200..300).contains(&s)))
        .count();
    // Ten pieces, each carried out again at most once per kill.
    assert!((10..=10 + kills).contains(&bulk), "{bulk} bulk requests");
    assert!(
        !log.iter().any(|r| r.path.ends_with("/tags")
            && !r.path.starts_with("/contacts/bulk/")
            && r.method == "POST"
            && r.path.contains(&ids[400])),
        "no tag request for one contact alone"
    );
    let _ = std::fs::remove_dir_all(&home);
}

/// The outbound messages of a contact's threads with these words.
fn sent_with(s: &rolo::sandbox::store::Store, contact: &str, words: &str) -> usize {
    s.threads_of(contact)
        .iter()
        .flat_map(|t| t.messages.iter())
        .filter(|m| m["direction"] == "outbound" && m["body"] == words)
        .count()
}

#[test]
fn a_hundred_replies_survive_sigkill_and_lost_answers_and_none_is_sent_twice() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let home = std::env::temp_dir().join(format!(
        "rolo-durability-replies-{}-{}",
        std::process::id(),
        fastrand::u32(..)
    ));
    let port = free_port();
    let mut config = support::config(120);
    config.rate_limit.max = 100_000;
    // Carried out at once and answered 150 ms later, so a kill in between
    // leaves a message sent and unconfirmed; some connections drop after
    // the message is made, some requests fail before it is. A sent message
    // shows in its thread only 1.5 s later, so a look straight after a
    // lost answer does not find it.
    config.faults = Faults {
        latency_ms: 5,
        reply_latency_ms: 150,
        fail_rate: 0.1,
        reset_rate: 0.1,
        message_delay_ms: 1500,
        ..Faults::default()
    };
    let before = rolo::sandbox::store::Store::seeded(support::LOCATION, 120, config.seed);
    let open_to_sms = |id: &String| {
        let c = before.contact(id).unwrap();
        let sms = &c["dndSettings"]["SMS"]["status"];
        c["phone"].as_str().is_some_and(|p| !p.is_empty())
            && c["dnd"] != json!(true)
            && sms != "active"
            && sms != "permanent"
    };
    let contacts: Vec<String> = before
        .contact_ids()
        .into_iter()
        .filter(open_to_sms)
        .take(25)
        .collect();
    assert_eq!(contacts.len(), 25);
    // 100 replies, four per contact; each contact's first two say the same
    // ("ok", on purpose twice, one straight after the other): the second
    // "ok" must not be taken for the first, nor the first for the second.
    let mut replies: Vec<(String, String)> = Vec::new();
    for round in 0..4 {
        for (i, c) in contacts.iter().enumerate() {
            let words = if round < 2 {
                "ok".to_string()
            } else {
                format!("reply {round} to contact {i}")
            };
            replies.push((c.clone(), words));
        }
    }
    let path = Caching::In(home.join("data"))
        .path_for(support::LOCATION)
        .unwrap();
    {
        let mut cache = Cache::open(&path).unwrap();
        for (c, words) in &replies {
            cache
                .enqueue(&ApiOp::SendMessage {
                    contact_id: c.clone(),
                    message: rolo::api::conversations::NewMessage::sms(c, words),
                })
                .unwrap();
        }
    }
    let pending = || Cache::open(&path).unwrap().outbox_counts().unwrap();
    assert_eq!(pending().pending, 100);
    let sandbox: Sandbox = runtime
        .block_on(Sandbox::start(
            config,
            SocketAddr::from((Ipv4Addr::LOCALHOST, port)),
        ))
        .expect("the sandbox takes the port");
    let never_twice = |sandbox: &Sandbox| {
        sandbox.with_store(|s| {
            for c in &contacts {
                assert!(sent_with(s, c, "ok") <= 2, "{c}: ok sent more than twice");
                for round in 2..4 {
                    let i = contacts.iter().position(|x| x == c).unwrap();
                    let w = format!("reply {round} to contact {i}");
                    assert!(sent_with(s, c, &w) <= 1, "{c}: {w:?} sent twice");
                }
            }
        })
    };
    let mut kills = 0;
    for _ in 0..50 {
        if pending().pending == 0 {
            break;
        }
        if !run_and_kill(push(port, &home), 500) {
            kills += 1;
        }
        never_twice(&sandbox);
    }
    if pending().pending > 0 {
        push(port, &home).wait().unwrap();
    }
    eprintln!("{kills} kills during the drain");
    assert!(kills >= 3, "the drain was interrupted ({kills} kills)");
    never_twice(&sandbox);
    // What waits for the user waits as "may have been sent" (and the
    // replies to that contact queued after it wait behind it); everything
    // else is in its thread exactly once.
    let waiting = Cache::open(&path).unwrap().outbox().unwrap();
    let held: Vec<&String> = waiting
        .iter()
        .filter(|e| e.state == rolo::cache::outbox::EntryState::Attention)
        .map(|e| &e.key)
        .collect();
    for e in &waiting {
        if e.state == rolo::cache::outbox::EntryState::Attention {
            assert_eq!(
                e.error.as_deref(),
                Some(rolo::cache::outbox::MAY_HAVE_BEEN_SENT),
                "{e:?}"
            );
        } else {
            assert!(held.contains(&&e.key), "{e:?} waits behind nothing");
        }
    }
    eprintln!(
        "{} replies wait as may have been sent, {} behind them",
        held.len(),
        waiting.len() - held.len()
    );
    sandbox.with_store(|s| {
        for c in &contacts {
            let i = contacts.iter().position(|x| x == c).unwrap();
            let waits = |w: &str| {
                waiting
                    .iter()
                    .filter(|e| {
                        matches!(&e.op, ApiOp::SendMessage { contact_id, message }
                            if contact_id == c && message.text() == w)
                    })
                    .count()
            };
            // Nothing lost: what does not wait was sent. What waits as
            // "may have been sent" may be in the thread already.
            let ok = sent_with(s, c, "ok");
            assert!(ok <= 2 && ok + waits("ok") >= 2, "{c}: {ok} ok");
            for round in 2..4 {
                let w = format!("reply {round} to contact {i}");
                let n = sent_with(s, c, &w);
                assert!(n <= 1 && n + waits(&w) >= 1, "{c}: {w}: {n}");
            }
        }
    });
    // The user checks the threads (where what was sent shows by now),
    // and sends the waiting ones again: each arrives once.
    let deadline = Instant::now() + Duration::from_secs(30);
    while sandbox.with_store(|s| s.hidden_messages()) > 0 {
        assert!(Instant::now() < deadline, "sent messages never showed");
        std::thread::sleep(Duration::from_millis(50));
    }
    // The network has healed by then.
    sandbox.set_faults(Faults::default());
    {
        let cache = Cache::open(&path).unwrap();
        for e in &waiting {
            if e.state == rolo::cache::outbox::EntryState::Attention {
                cache.retry(e.seq, None).unwrap();
            }
        }
    }
    let status = push(port, &home).wait().unwrap();
    assert!(status.success(), "{status}");
    sandbox.with_store(|s| {
        for (i, c) in contacts.iter().enumerate() {
            assert_eq!(sent_with(s, c, "ok"), 2, "{c}");
            for round in 2..4 {
                assert_eq!(sent_with(s, c, &format!("reply {round} to contact {i}")), 1);
            }
        }
    });
    let _ = std::fs::remove_dir_all(&home);
}
