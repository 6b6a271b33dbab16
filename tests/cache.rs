//! The cache against a sandbox over loopback: full and delta sync,
//! resuming, deletions, damaged files, and the outbox under faults.

mod support;

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;

use rolo::api::actor::{ApiOp, RequestId};
use rolo::api::model::*;
use rolo::cache::outbox::{Outbox, OutboxEvent};
use rolo::cache::sync::{SyncEvent, SyncOptions, sync};
use rolo::cache::{Cache, CacheError};
use rolo::sandbox::faults::{Fault, Faults};
use serde_json::json;

fn temp_db(name: &str) -> PathBuf {
    std::env::temp_dir()
        .join(format!(
            "rolo-cache-it-{name}-{}-{}",
            std::process::id(),
            fastrand::u64(..)
        ))
        .join("cache.db")
}

fn small_pages() -> SyncOptions {
    SyncOptions {
        page_limit: 100,
        full: false,
        // Page numbers reach 300 records here; the cursor takes over after.
        depth_limit: 300,
    }
}

#[tokio::test]
async fn a_full_sync_stores_every_contact_and_resumes_where_it_stopped() {
    let mut config = support::config(1_250);
    config.page_depth = 300;
    let sb = support::sandbox(config).await;
    let client = support::client(&sb);
    let path = temp_db("full");
    // After five pages the next request is refused: the sync stops there.
    let mut seen = 0u64;
    let mut progress = Vec::new();
    let stop_after = 5;
    let first = {
        let mut pages = 0;
        sync(&client, &path, &small_pages(), |e| match e {
            SyncEvent::Progress(p) => {
                pages += 1;
                progress.push(p);
                if pages == stop_after {
                    sb.set_faults(Faults {
                        script: [Fault::Status(400)].into(),
                        ..Faults::default()
                    });
                }
            }
            SyncEvent::Contacts(c) => seen += c.len() as u64,
            SyncEvent::Removed(_) => {}
        })
        .await
    };
    assert!(first.is_err(), "the refused page stops the sync");
    assert_eq!(seen, 500);
    assert_eq!(Cache::open(&path).unwrap().contact_count().unwrap(), 500);
    assert_eq!(progress.last().unwrap().total, 1_250);
    assert!(progress.last().unwrap().left.is_some());

    sb.clear_requests();
    let summary = sync(&client, &path, &small_pages(), |_| {}).await.unwrap();
    assert!(summary.full);
    assert_eq!(summary.resumed_at, 500, "it resumes after the stored pages");
    assert_eq!(summary.fetched, 750);
    assert_eq!(
        summary.requests, 10,
        "13 pages in all, 5 already stored; and the users and custom fields"
    );
    assert_eq!(sb.requests().len(), 10);
    let cache = Cache::open(&path).unwrap();
    let cached: HashSet<String> = cache
        .load_contacts()
        .unwrap()
        .into_iter()
        .map(|c| c.id)
        .collect();
    let server: HashSet<String> = sb.with_store(|s| s.contact_ids()).into_iter().collect();
    assert_eq!(cached, server, "every contact, once");
    assert!(cache.synced_at().unwrap().is_some());
    // The whole record is kept for the detail pane.
    let any = server.iter().next().unwrap();
    let full = cache.contact(any).unwrap().unwrap();
    assert_eq!(full.location_id.as_deref(), Some(support::LOCATION));
}

#[tokio::test]
async fn a_later_sync_fetches_changes_only_and_notices_deletions() {
    let sb = support::sandbox(support::config(600)).await;
    let client = support::client(&sb);
    let path = temp_db("delta");
    sync(&client, &path, &small_pages(), |_| {}).await.unwrap();
    let ids = sb.with_store(|s| s.contact_ids());

    // One change on the server: a delta of one page plus the count check.
    sb.with_store(|s| {
        s.update_contact(&ids[3], &json!({ "city": "Changed City" }))
            .unwrap()
    });
    sb.clear_requests();
    let mut changed = Vec::new();
    let summary = sync(&client, &path, &small_pages(), |e| {
        if let SyncEvent::Contacts(c) = e {
            changed.extend(c.into_iter().map(|c| c.id));
        }
    })
    .await
    .unwrap();
    assert!(!summary.full);
    // The changes, the count, and the users and custom fields.
    assert_eq!(summary.requests, 4, "{summary:?}");
    assert!(changed.contains(&ids[3]));
    let cache = Cache::open(&path).unwrap();
    assert_eq!(
        cache.contact(&ids[3]).unwrap().unwrap().city.as_deref(),
        Some("Changed City")
    );

    // A deletion on the server: the counts differ, so a full pass runs.
    sb.with_store(|s| s.delete_contact(&ids[7]).unwrap());
    let mut removed = Vec::new();
    let summary = sync(&client, &path, &small_pages(), |e| {
        if let SyncEvent::Removed(r) = e {
            removed.extend(r);
        }
    })
    .await
    .unwrap();
    assert!(summary.full);
    assert_eq!(removed, vec![ids[7].clone()]);
    assert!(cache.contact(&ids[7]).unwrap().is_none());
    assert_eq!(cache.contact_count().unwrap(), 599);
}

/// Overwrites the root page of `table` with garbage, as a disk fault would.
fn damage_table(path: &std::path::Path, table: &str) {
    let (root, page_size): (i64, i64) = {
        let conn = rusqlite::Connection::open(path).unwrap();
        conn.pragma_update(None, "wal_checkpoint", "TRUNCATE").ok();
        let root = conn
            .query_row(
                "SELECT rootpage FROM sqlite_master WHERE name = ?1",
                [table],
                |r| r.get(0),
            )
            .unwrap();
        let size = conn
            .pragma_query_value(None, "page_size", |r| r.get(0))
            .unwrap();
        (root, size)
    };
    use std::io::{Seek, SeekFrom, Write};
    let mut f = std::fs::OpenOptions::new().write(true).open(path).unwrap();
    f.seek(SeekFrom::Start(((root - 1) * page_size) as u64))
        .unwrap();
    f.write_all(&vec![0xA5; page_size as usize]).unwrap();
    f.sync_all().unwrap();
}

fn cache_with_edits(name: &str) -> PathBuf {
    let path = temp_db(name);
    let mut cache = Cache::open(&path).unwrap();
    let contacts: Vec<Contact> = (0..2_000)
        .map(|i| Contact {
            id: format!("c{i}"),
            name: Some(format!("Contact {i}")),
            ..Contact::default()
        })
        .collect();
    cache.put_contacts(&contacts, Some(1), Some(0)).unwrap();
    for i in 0..3 {
        cache
            .enqueue(&ApiOp::AddTags {
                contact_id: format!("c{i}"),
                tags: vec!["kept".into()],
            })
            .unwrap();
    }
    path
}

fn assert_edits_kept(path: &std::path::Path, how: &str) {
    let (cache, recovery) = Cache::open_or_recover(path).unwrap();
    if how == "cut to nothing" {
        // A file cut to nothing is an empty database to SQLite: nothing to
        // move aside, the contacts are synced again, the edits still wait.
        assert!(recovery.is_none(), "{how}");
        assert_eq!(
            cache.outbox().unwrap().len(),
            3,
            "{how}: the edits still wait"
        );
        assert_eq!(cache.contact_count().unwrap(), 0, "{how}");
        return;
    }
    let r = recovery.unwrap();
    assert!(
        r.moved_to.as_ref().is_some_and(|p| p.exists()),
        "{how}: the damaged file is kept, not deleted"
    );
    assert_eq!(r.kept, 3, "{how}");
    assert_eq!(
        cache.outbox().unwrap().len(),
        3,
        "{how}: the edits still wait"
    );
    assert_eq!(
        cache.contact_count().unwrap(),
        0,
        "{how}: rebuilt from the server"
    );
    let message = r.to_string();
    assert!(
        message.contains("moved to") && message.contains("3 unsent edit(s) are safe"),
        "{how}: {message}"
    );
    assert_eq!(
        cache.outbox_note(rolo::cache::outbox::LOST_NOTE).unwrap(),
        None
    );
}

#[test]
fn a_damaged_cache_is_moved_aside_and_its_unsent_edits_kept() {
    // A destroyed page, a file cut to half, to nothing, or its header
    // overwritten: the edits live in their own file and are all kept.
    let path = cache_with_edits("damaged");
    damage_table(&path, "contacts");
    assert_edits_kept(&path, "a destroyed page");
    for (how, cut) in [
        ("cut to half", Some(0.5)),
        ("cut to nothing", Some(0.0)),
        ("header overwritten", None),
    ] {
        let path = cache_with_edits(how);
        // What a crash leaves: the WAL folded in, then the file is hurt.
        Cache::open(&path).unwrap().check_integrity().unwrap();
        let len = std::fs::metadata(&path).unwrap().len();
        match cut {
            Some(f) => {
                let f_ = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
                f_.set_len((len as f64 * f) as u64).unwrap();
            }
            None => {
                use std::io::{Seek, SeekFrom, Write};
                let mut f_ = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
                f_.seek(SeekFrom::Start(0)).unwrap();
                f_.write_all(b"overwritten header, not sqlite").unwrap();
            }
        }
        assert_edits_kept(&path, how);
    }

    // A file that is not a database at all.
    let path = temp_db("garbage");
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, b"this is not a database, it is a shopping list").unwrap();
    assert!(matches!(
        Cache::open(&path),
        Err(CacheError::Corrupt { .. })
    ));
    let (_, r) = Cache::open_or_recover(&path).unwrap();
    let r = r.unwrap();
    assert!(r.moved_to.unwrap().exists());
    assert!(r.outbox.is_none());
}

#[test]
fn a_damaged_outbox_file_is_salvaged_and_the_possible_loss_said_plainly() {
    let path = cache_with_edits("outbox-damaged");
    let ob = rolo::cache::outbox_path(&path);
    Cache::open(&path).unwrap().check_integrity().unwrap();
    // Its header overwritten: nothing can be read, and that is said.
    {
        use std::io::{Seek, SeekFrom, Write};
        let mut f = std::fs::OpenOptions::new().write(true).open(&ob).unwrap();
        f.seek(SeekFrom::Start(0)).unwrap();
        f.write_all(b"overwritten header, not sqlite").unwrap();
    }
    let (cache, r) = Cache::open_or_recover(&path).unwrap();
    let r = r.expect("noticed");
    assert_eq!(r.moved_to, None, "the contacts are fine and stay");
    assert_eq!(cache.contact_count().unwrap(), 2_000);
    let o = r.outbox.as_ref().expect("the outbox recovery is reported");
    assert!(
        o.moved_to.as_ref().unwrap().exists(),
        "the damaged outbox is kept"
    );
    let message = r.to_string();
    assert!(message.contains("may have been lost"), "{message}");
    let note = cache
        .outbox_note(rolo::cache::outbox::LOST_NOTE)
        .unwrap()
        .expect("the loss is remembered for `rolo outbox`");
    assert!(note.contains("may have been lost"), "{note}");
}

/// The outbox under 30% 5xx and 429 storms: every edit lands once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_edit_lands_once_through_server_errors_and_storms() {
    let mut config = support::config(40);
    // The storms are the faults here, not the steady limit.
    config.rate_limit.max = 100_000;
    // A storm's `remaining: 0` holds the client back one window: keep it short.
    config.rate_limit.interval = std::time::Duration::from_secs(1);
    let sb = support::sandbox(config).await;
    sb.set_faults(Faults {
        fail_rate: 0.3,
        ..Faults::default()
    });
    let mut cc = support::client_config(&sb, support::TOKEN);
    // No retries inside the client: the outbox does the retrying here.
    cc.retry.max_retries = 0;
    cc.rate.max_requests = 1_000;
    let client = rolo::api::Client::new(cc).unwrap();
    let path = temp_db("faults");
    // Backoff in milliseconds: the chains of failures a 30% rate brings
    // would otherwise take most of the run in waiting.
    let quick = rolo::cache::outbox::Backoff {
        first: std::time::Duration::from_millis(20),
        max: std::time::Duration::from_millis(400),
    };
    let (mut outbox, mut events) = Outbox::spawn_with(client, &path, quick).unwrap();
    let ids = sb.with_store(|s| s.contact_ids());
    let mut sent = HashMap::new();
    let n = 120;
    for i in 0..n {
        let cid = ids[i % ids.len()].clone();
        let op = if i % 3 == 0 {
            ApiOp::AddTags {
                contact_id: cid,
                tags: vec![format!("t{i}")],
            }
        } else if i % 3 == 1 {
            ApiOp::CreateNote {
                contact_id: cid,
                note: NewNote {
                    body: format!("note {i}"),
                    ..NewNote::default()
                },
            }
        } else {
            ApiOp::CreateTask {
                contact_id: cid,
                task: NewTask {
                    title: format!("task {i}"),
                    body: None,
                    due_date: "2026-12-01T15:00:00.000Z".into(),
                    completed: false,
                    assigned_to: None,
                },
            }
        };
        outbox.submit(RequestId(i as u64), &op).unwrap();
        sent.insert(RequestId(i as u64), op);
        if i % 40 == 20 {
            sb.set_faults(Faults {
                fail_rate: 0.3,
                storm_requests: 15,
                // Without it the client rests a whole 10 s window per storm.
                storm_retry_after: Some(1),
                ..Faults::default()
            });
        }
    }
    let mut answered = HashSet::new();
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(120);
    while answered.len() < n {
        let e = tokio::time::timeout_at(deadline, events.recv())
            .await
            .expect("every edit is answered in time")
            .unwrap();
        if let OutboxEvent::Answer(a) = e {
            assert!(a.result.is_ok(), "{:?}", a.result);
            assert!(answered.insert(a.id), "one answer per edit");
        }
    }
    let counts = outbox.cache().outbox_counts().unwrap();
    assert_eq!((counts.pending, counts.attention), (0, 0));
    // Through the server's state: each note and task exists exactly once.
    sb.with_store(|s| {
        for (id, op) in &sent {
            match op {
                ApiOp::CreateNote { contact_id, note } => {
                    let n = s
                        .notes_of(contact_id)
                        .iter()
                        .filter(|x| x["body"] == json!(note.body))
                        .count();
                    assert_eq!(n, 1, "{id}: {}", note.body);
                }
                ApiOp::CreateTask { contact_id, task } => {
                    let n = s
                        .tasks_of(contact_id)
                        .iter()
                        .filter(|x| x["title"] == json!(task.title))
                        .count();
                    assert_eq!(n, 1, "{id}: {}", task.title);
                }
                ApiOp::AddTags { contact_id, tags } => {
                    let c = s.contact(contact_id).unwrap();
                    assert!(c["tags"].as_array().unwrap().contains(&json!(tags[0])));
                }
                _ => unreachable!(),
            }
        }
    });
    outbox.stop();
}

#[tokio::test]
async fn a_refused_edit_waits_for_the_user_and_deletes_of_missing_things_are_done() {
    let sb = support::sandbox(support::config(5)).await;
    let client = support::client(&sb);
    let path = temp_db("refused");
    let (mut outbox, mut events) = Outbox::spawn(client, &path).unwrap();
    let ids = sb.with_store(|s| s.contact_ids());
    outbox
        .submit(
            RequestId(1),
            &ApiOp::CreateTask {
                contact_id: ids[0].clone(),
                task: NewTask {
                    title: String::new(),
                    body: None,
                    due_date: "2026-12-01T15:00:00.000Z".into(),
                    completed: false,
                    assigned_to: None,
                },
            },
        )
        .unwrap();
    outbox
        .submit(
            RequestId(2),
            &ApiOp::DeleteNote {
                contact_id: ids[1].clone(),
                note_id: "no-such-note".into(),
            },
        )
        .unwrap();
    let mut answers = HashMap::new();
    while answers.len() < 2 {
        if let Some(OutboxEvent::Answer(a)) = events.recv().await {
            answers.insert(a.id, a.result);
        }
    }
    assert!(
        answers[&RequestId(1)].is_err(),
        "the empty title is refused"
    );
    assert!(
        answers[&RequestId(2)].is_ok(),
        "nothing left to delete is done"
    );
    let entries = outbox.cache().outbox().unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].state, rolo::cache::outbox::EntryState::Attention);
    assert!(entries[0].error.as_deref().unwrap().contains("rejected"));
    assert_eq!(outbox.cache().discard(entries[0].seq).unwrap(), 1);
    outbox.stop();
}

#[tokio::test]
async fn a_field_changed_on_the_server_meanwhile_is_a_conflict_for_the_user() {
    let sb = support::sandbox(support::config(5)).await;
    let client = support::client(&sb);
    let path = temp_db("conflict");
    let (mut outbox, mut events) = Outbox::spawn(client, &path).unwrap();
    let ids = sb.with_store(|s| s.contact_ids());
    let (a, b) = (ids[0].clone(), ids[1].clone());
    for id in [&a, &b] {
        sb.with_store(|s| s.update_contact(id, &json!({ "city": "Austin" })).unwrap());
    }
    // Someone else edits `a` in the web app after rolo read it.
    sb.with_store(|s| s.update_contact(&a, &json!({ "city": "Boston" })).unwrap());
    let edit = |id: &str| ApiOp::UpdateContact {
        id: id.into(),
        update: ContactUpdate::new().set(ContactField::City, Some("Chicago")),
        base: Some(ContactUpdate::new().set(ContactField::City, Some("Austin"))),
    };
    outbox.submit(RequestId(1), &edit(&a)).unwrap();
    outbox.submit(RequestId(2), &edit(&b)).unwrap();
    let mut answers = HashMap::new();
    while answers.len() < 2 {
        if let Some(OutboxEvent::Answer(e)) = events.recv().await {
            answers.insert(e.id, e.result);
        }
    }
    let err = answers[&RequestId(1)].as_ref().unwrap_err().to_string();
    assert!(
        err.contains("\"Boston\"") && err.contains("\"Chicago\"") && err.contains("\"Austin\""),
        "both values are shown: {err}"
    );
    assert!(answers[&RequestId(2)].is_ok(), "no conflict, no fuss");
    let city = |id: &str| sb.with_store(|s| s.contact(id).unwrap()["city"].clone());
    assert_eq!(city(&a), json!("Boston"), "theirs was not overwritten");
    assert_eq!(city(&b), json!("Chicago"));
    // The user picks their own value: sent again, it overwrites.
    let seq = outbox.cache().outbox().unwrap()[0].seq;
    outbox.cache().retry(seq, None).unwrap();
    outbox.kick();
    support::eventually("the chosen value is sent", || async {
        city(&a) == json!("Chicago")
    })
    .await;
    support::eventually("the outbox empties", || async {
        outbox.cache().outbox().unwrap().is_empty()
    })
    .await;
    outbox.stop();
}

/// Two rolo windows on one location: only one sends, and each edit lands
/// once; the other hears that its edits went out.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_on_one_outbox_send_each_edit_once() {
    let mut config = support::config(10);
    config.rate_limit.max = 100_000;
    config.faults.reply_latency_ms = 20;
    let sb = support::sandbox(config).await;
    let path = temp_db("two");
    // The second window starts first and takes the sender's lock.
    let (second, mut second_events) = Outbox::spawn(support::client(&sb), &path).unwrap();
    assert!(matches!(
        second_events.recv().await,
        Some(OutboxEvent::Status { .. })
    ));
    let (mut first, mut first_events) = Outbox::spawn(support::client(&sb), &path).unwrap();
    let ids = sb.with_store(|s| s.contact_ids());
    let n = 40;
    for i in 0..n {
        let op = ApiOp::CreateNote {
            contact_id: ids[i % ids.len()].clone(),
            note: NewNote {
                body: format!("from two windows {i}"),
                ..NewNote::default()
            },
        };
        first.submit(RequestId(i as u64), &op).unwrap();
    }
    // The second sends them all; the first hears that they went out.
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(60);
    let mut settled = 0;
    while settled < n {
        match tokio::time::timeout_at(deadline, first_events.recv()).await {
            Ok(Some(OutboxEvent::SentElsewhere(_))) => settled += 1,
            Ok(Some(OutboxEvent::Answer(a))) => panic!("the first window sent {:?}", a.id),
            Ok(Some(_)) => {}
            other => panic!("not every edit settled ({settled} of {n}): {other:?}"),
        }
    }
    sb.with_store(|s| {
        for i in 0..n {
            let body = format!("from two windows {i}");
            let cid = &ids[i % ids.len()];
            let count = s
                .notes_of(cid)
                .iter()
                .filter(|x| x["body"] == json!(body))
                .count();
            assert_eq!(count, 1, "{body}");
        }
    });
    first.stop();
    second.stop();
}

/// Item 23 on the outbox file itself: cut to half its size, its rows are
/// still whole on their pages while the schema points past the end; the
/// salvage reads them from a relaxed copy and queues them again.
#[test]
fn a_cut_outbox_file_gives_back_its_edits() {
    let path = cache_with_edits("outbox-cut");
    let ob = rolo::cache::outbox_path(&path);
    Cache::open(&path).unwrap().check_integrity().unwrap();
    let len = std::fs::metadata(&ob).unwrap().len();
    std::fs::OpenOptions::new()
        .write(true)
        .open(&ob)
        .unwrap()
        .set_len(len / 2)
        .unwrap();
    let (cache, r) = Cache::open_or_recover(&path).unwrap();
    let r = r.expect("the damage is noticed");
    let o = r.outbox.as_ref().expect("the outbox recovery is reported");
    assert_eq!(o.requeued, 3, "{}", r);
    let waiting: Vec<String> = cache
        .outbox()
        .unwrap()
        .into_iter()
        .map(|e| e.description)
        .collect();
    assert_eq!(waiting.len(), 3, "{waiting:?}");
    assert!(waiting.iter().all(|d| d.contains("kept")), "{waiting:?}");
}

/// A deal moved in the web app after rolo read it: rolo's move waits for
/// the user with both stages said, and is sent (overwriting) only when the
/// user sends it again. A deal nobody else touched moves at once.
#[tokio::test]
async fn a_deal_moved_on_the_server_meanwhile_is_a_conflict_for_the_user() {
    use rolo::api::opportunities::OpportunityUpdate;
    let sb = support::sandbox(support::config(60)).await;
    let client = support::client(&sb);
    let path = temp_db("deal-conflict");
    let (mut outbox, mut events) = Outbox::spawn(client, &path).unwrap();
    let (deals, stages) = sb.with_store(|s| {
        let p = s.pipeline_list()[0].clone();
        let stages: Vec<(String, String)> = p["stages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|st| {
                (
                    st["id"].as_str().unwrap().to_string(),
                    st["name"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        let deals: Vec<(String, String)> = s
            .opportunity_list()
            .iter()
            .filter(|o| o["pipelineId"] == p["id"] && o["status"] == "open")
            .take(2)
            .map(|o| {
                (
                    o["id"].as_str().unwrap().to_string(),
                    o["contactId"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        (deals, stages)
    });
    let names: Vec<String> = stages.iter().map(|(_, n)| n.clone()).collect();
    let stages: Vec<String> = stages.into_iter().map(|(id, _)| id).collect();
    for (id, _) in &deals {
        sb.with_store(|s| {
            s.update_opportunity(id, &json!({"pipelineStageId": stages[0]}))
                .unwrap()
        });
    }
    // Someone moves the first one in the web app.
    sb.with_store(|s| {
        s.update_opportunity(&deals[0].0, &json!({"pipelineStageId": stages[3]}))
            .unwrap()
    });
    let edit = |(id, cid): &(String, String)| ApiOp::UpdateDeal {
        contact_id: cid.clone(),
        id: id.clone(),
        update: OpportunityUpdate {
            pipeline_stage_id: Some(stages[1].clone()),
            ..OpportunityUpdate::default()
        },
        base: Some(OpportunityUpdate {
            pipeline_stage_id: Some(stages[0].clone()),
            ..OpportunityUpdate::default()
        }),
    };
    outbox.submit(RequestId(1), &edit(&deals[0])).unwrap();
    outbox.submit(RequestId(2), &edit(&deals[1])).unwrap();
    let mut answers = HashMap::new();
    while answers.len() < 2 {
        if let Some(OutboxEvent::Answer(e)) = events.recv().await {
            answers.insert(e.id, e.result);
        }
    }
    let err = answers[&RequestId(1)].as_ref().unwrap_err().to_string();
    assert!(
        err.contains("stage")
            && err.contains(&names[3])
            && err.contains(&names[1])
            && err.contains(&names[0])
            && !err.contains(&stages[3]),
        "the stages are said by name: {err}"
    );
    assert!(answers[&RequestId(2)].is_ok(), "no conflict, no fuss");
    let stage = |id: &str| sb.with_store(|s| s.opportunity(id).unwrap()["pipelineStageId"].clone());
    assert_eq!(
        stage(&deals[0].0),
        json!(stages[3]),
        "theirs was not overwritten"
    );
    assert_eq!(stage(&deals[1].0), json!(stages[1]));
    let seq = outbox.cache().outbox().unwrap()[0].seq;
    outbox.cache().retry(seq, None).unwrap();
    outbox.kick();
    support::eventually("the user's stage is sent", || async {
        stage(&deals[0].0) == json!(stages[1])
    })
    .await;
    outbox.stop();
}

/// A bulk change's pieces go in together (all or none) and each under its
/// own key: one that needs attention never holds the others back.
#[test]
fn bulk_pieces_are_queued_together_and_wait_for_nobody() {
    let path = temp_db("bulk-pieces");
    let mut cache = Cache::open(&path).unwrap();
    let piece = |n: usize| ApiOp::BulkTags {
        add: true,
        contacts: (0..100).map(|i| format!("c{n}-{i}")).collect(),
        tags: vec!["t".into()],
    };
    let seqs = cache.enqueue_many(&[piece(1), piece(2), piece(3)]).unwrap();
    assert_eq!(seqs.len(), 3);
    let entries = cache.outbox().unwrap();
    assert_eq!(entries.len(), 3);
    let keys: HashSet<&str> = entries.iter().map(|e| e.key.as_str()).collect();
    assert_eq!(keys.len(), 3, "three keys: {keys:?}");
    // Not an edit: nothing of the batch is queued.
    let err = cache.enqueue_many(&[piece(4), ApiOp::LocationTags]);
    assert!(err.is_err());
    assert_eq!(cache.outbox().unwrap().len(), 3, "all or none");
}

/// A batch of edits queued in one transaction is picked up by the worker
/// from disk as soon as it is committed, maybe before it is told which
/// request each edit answers: every one is still answered to its request
/// (a bulk run in the status bar counts them), none as another run's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_edit_of_a_batch_is_answered_to_its_own_request() {
    let sb = support::sandbox(support::config(40)).await;
    let client = support::client(&sb);
    let path = temp_db("batch-answers");
    let (mut outbox, mut events) = Outbox::spawn(client, &path).unwrap();
    let ids = sb.with_store(|s| s.contact_ids());
    let mut next = 0u64;
    let mut want = HashSet::new();
    for round in 0..2 {
        let ops: Vec<ApiOp> = ids
            .iter()
            .map(|c| ApiOp::Workflow {
                contact_id: c.clone(),
                workflow_id: format!("wf0{}-0000-4000-8000-00000000000{}", round + 1, round + 1),
                add: true,
            })
            .collect();
        let edits: Vec<(RequestId, &ApiOp, Option<&str>)> = ops
            .iter()
            .map(|op| {
                next += 1;
                want.insert(RequestId(next));
                (RequestId(next), op, None)
            })
            .collect();
        outbox.submit_many(&edits).unwrap();
    }
    let mut answered = HashSet::new();
    let mut settled = 0;
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(60);
    while answered.len() < want.len() {
        let e = tokio::time::timeout_at(deadline, events.recv())
            .await
            .unwrap_or_else(|_| {
                panic!(
                    "{} of {} answered to their request, {settled} said as another run's",
                    answered.len(),
                    want.len()
                )
            })
            .unwrap();
        match e {
            OutboxEvent::Answer(a) => {
                assert!(a.result.is_ok(), "{:?}", a.result);
                assert!(answered.insert(a.id), "one answer per edit");
            }
            OutboxEvent::Settled { .. } | OutboxEvent::SentElsewhere(_) => settled += 1,
            _ => {}
        }
    }
    assert_eq!(answered, want);
    assert_eq!(settled, 0);
    outbox.stop();
}

/// An edit the user discards from the outbox view is answered to its
/// request as discarded (a bulk run counts it as not made), never as sent
/// by another rolo.
#[tokio::test]
async fn a_discarded_edit_is_answered_as_discarded() {
    // HighLevel unreachable: nothing is sent, everything waits.
    let client = rolo::api::Client::new(rolo::api::ClientConfig::new(
        "http://127.0.0.1:9",
        "loc",
        rolo::api::Token::new("t"),
    ))
    .unwrap();
    let path = temp_db("discarded");
    let (mut outbox, mut events) = Outbox::spawn(client, &path).unwrap();
    let piece = ApiOp::BulkTags {
        add: true,
        contacts: vec!["a".into(), "b".into()],
        tags: vec!["x".into()],
    };
    let seqs = outbox.submit_many(&[(RequestId(7), &piece, None)]).unwrap();
    outbox.discard(seqs[0]).unwrap();
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let e = tokio::time::timeout_at(deadline, events.recv())
            .await
            .expect("an answer for the discarded edit")
            .unwrap();
        match e {
            OutboxEvent::Discarded(id) => {
                assert_eq!(id, RequestId(7));
                break;
            }
            OutboxEvent::SentElsewhere(_) | OutboxEvent::Answer(_) => panic!("{e:?}"),
            _ => {}
        }
    }
    outbox.stop();
}
