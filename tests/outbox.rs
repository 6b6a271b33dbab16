//! The outbox's promises, against the sandbox over loopback: a create is
//! sent exactly once even when it matches something that already exists;
//! edits to items not yet created wait and are rewritten with the real id;
//! an edit changed while in flight is never lost.

mod support;

use std::path::PathBuf;

use rolo::api::actor::ApiOp;
use rolo::api::model::*;
use rolo::cache::Cache;
use rolo::cache::outbox::drain;
use rolo::sandbox::faults::{Fault, Faults};

fn temp_db(name: &str) -> PathBuf {
    std::env::temp_dir()
        .join(format!(
            "rolo-outbox-it-{name}-{}-{}",
            std::process::id(),
            fastrand::u64(..)
        ))
        .join("cache.db")
}

async fn first_contact(client: &rolo::api::Client) -> Contact {
    client
        .search_contacts(&SearchContacts {
            page_limit: 1,
            ..Default::default()
        })
        .await
        .unwrap()
        .contacts
        .remove(0)
}

fn task(title: &str) -> NewTask {
    NewTask {
        title: title.into(),
        body: Some("same body".into()),
        due_date: "2026-12-04T09:00:00.000Z".into(),
        completed: false,
        assigned_to: None,
    }
}

/// For each way a first attempt can end without an answer, whether the
/// server applied it: a create identical to an item that already exists is
/// sent when the first attempt did not land, and not sent twice when it did.
#[tokio::test]
async fn a_create_equal_to_an_existing_item_is_applied_exactly_once() {
    for (fault, applied) in [
        (Fault::Status(503), false),
        (Fault::Malformed, true),
        (Fault::Reset, true),
    ] {
        let sb = support::sandbox(support::config(5)).await;
        let client = support::client(&sb);
        let c = first_contact(&client).await;
        let note = NewNote {
            body: "Left voicemail".into(),
            ..Default::default()
        };
        client.create_note(&c.id, &note).await.unwrap();
        client.create_task(&c.id, &task("Call back")).await.unwrap();
        let notes_before = client.notes(&c.id).await.unwrap().len();
        let tasks_before = client.tasks(&c.id).await.unwrap().len();

        let path = temp_db("same");
        let mut cache = Cache::open(&path).unwrap();
        cache
            .enqueue(&ApiOp::CreateNote {
                contact_id: c.id.clone(),
                note: note.clone(),
            })
            .unwrap();
        cache
            .enqueue(&ApiOp::CreateTask {
                contact_id: c.id.clone(),
                task: task("Call back"),
            })
            .unwrap();
        // Each create: a look at what exists, then its first attempt fails.
        sb.set_faults(Faults {
            script: [Fault::None, fault, Fault::None, fault].into(),
            ..Faults::default()
        });
        let left = drain(&client, &path, true, |_| {}).await.unwrap();
        assert_eq!(left.total(), 0, "{fault:?}: everything confirmed");
        let _ = applied;
        let voicemails = client
            .notes(&c.id)
            .await
            .unwrap()
            .iter()
            .filter(|n| n.body.as_deref() == Some("Left voicemail"))
            .count();
        assert_eq!(
            voicemails, 2,
            "{fault:?}: the old note and the new one, once"
        );
        assert_eq!(
            client.notes(&c.id).await.unwrap().len(),
            notes_before + 1,
            "{fault:?}"
        );
        assert_eq!(
            client.tasks(&c.id).await.unwrap().len(),
            tasks_before + 1,
            "{fault:?}"
        );
    }
}

#[tokio::test]
async fn a_contact_equal_to_an_existing_one_is_created_once() {
    for fault in [Fault::Status(503), Fault::Malformed] {
        let sb = support::sandbox(support::config(5)).await;
        let client = support::client(&sb);
        let new = NewContact {
            first_name: Some("Ann".into()),
            last_name: Some("Twice".into()),
            ..Default::default()
        };
        client.create_contact(&new).await.unwrap();
        let path = temp_db("contact");
        Cache::open(&path)
            .unwrap()
            .enqueue_as(&ApiOp::CreateContact(new.clone()), Some("pending-t-1"))
            .unwrap();
        sb.set_faults(Faults {
            script: [Fault::None, fault].into(),
            ..Faults::default()
        });
        drain(&client, &path, true, |_| {}).await.unwrap();
        let found = client
            .search_contacts(&SearchContacts {
                query: Some("Ann Twice".into()),
                page_limit: 20,
                ..Default::default()
            })
            .await
            .unwrap()
            .contacts
            .into_iter()
            .filter(|c| c.last_name.as_deref() == Some("Twice"))
            .count();
        assert_eq!(found, 2, "{fault:?}");
    }
}

/// Edits queued for a contact, task and note that are still being created
/// wait for their create and go out with the real ids.
#[tokio::test]
async fn edits_to_items_still_being_created_wait_and_go_out_with_the_real_ids() {
    let sb = support::sandbox(support::config(5)).await;
    let client = support::client(&sb);
    let c = first_contact(&client).await;
    let path = temp_db("local");
    let mut cache = Cache::open(&path).unwrap();
    let new_contact = "pending-s-1";
    let new_task = "pending-s-2";
    let other_task = "pending-s-3";
    let new_note = "pending-s-4";
    let ops: Vec<(ApiOp, Option<&str>)> = vec![
        (
            ApiOp::CreateContact(NewContact {
                first_name: Some("Offline".into()),
                last_name: Some("Newcomer".into()),
                email: Some("offline.newcomer@example.org".into()),
                ..Default::default()
            }),
            Some(new_contact),
        ),
        (
            ApiOp::CreateTask {
                contact_id: new_contact.into(),
                task: task("First call"),
            },
            Some(new_task),
        ),
        (
            ApiOp::AddTags {
                contact_id: new_contact.into(),
                tags: vec!["offline".into()],
            },
            None,
        ),
        (
            ApiOp::SetTaskCompleted {
                contact_id: new_contact.into(),
                task_id: new_task.into(),
                completed: true,
            },
            None,
        ),
        (
            ApiOp::CreateTask {
                contact_id: c.id.clone(),
                task: task("Existing contact, new task"),
            },
            Some(other_task),
        ),
        (
            ApiOp::UpdateTask {
                contact_id: c.id.clone(),
                task_id: other_task.into(),
                update: TaskUpdate {
                    title: Some("Renamed while saving".into()),
                    ..Default::default()
                },
            },
            None,
        ),
        (
            ApiOp::CreateNote {
                contact_id: c.id.clone(),
                note: NewNote {
                    body: "Typed offline, then deleted".into(),
                    ..Default::default()
                },
            },
            Some(new_note),
        ),
        (
            ApiOp::DeleteNote {
                contact_id: c.id.clone(),
                note_id: new_note.into(),
            },
            None,
        ),
    ];
    for (op, local) in &ops {
        cache.enqueue_as(op, *local).unwrap();
    }
    let left = drain(&client, &path, true, |_| {}).await.unwrap();
    assert_eq!(left.total(), 0, "{:?}", cache.outbox().unwrap());
    for r in sb.requests() {
        assert!(
            !r.path.contains("pending-"),
            "a stand-in id reached HighLevel: {}",
            r.path
        );
    }
    let made = client
        .find_duplicate(Some("offline.newcomer@example.org"), None)
        .await
        .unwrap()
        .expect("the contact was created");
    let made = client.get_contact(&made.id).await.unwrap();
    assert!(
        made.tags().iter().any(|t| t == "offline"),
        "{:?}",
        made.tags()
    );
    let tasks = client.tasks(&made.id).await.unwrap();
    assert_eq!(tasks.len(), 1);
    assert!(tasks[0].completed, "completed through its stand-in id");
    let renamed = client.tasks(&c.id).await.unwrap();
    assert!(
        renamed
            .iter()
            .any(|t| t.title.as_deref() == Some("Renamed while saving"))
    );
    assert!(
        !client
            .notes(&c.id)
            .await
            .unwrap()
            .iter()
            .any(|n| n.body.as_deref() == Some("Typed offline, then deleted")),
        "the note was created, then deleted by its real id"
    );
    // An edit queued later by a window that still knows the stand-in id is
    // rewritten when it is queued.
    let seq = cache
        .enqueue(&ApiOp::RemoveTags {
            contact_id: new_contact.into(),
            tags: vec!["offline".into()],
        })
        .unwrap();
    let e = cache.outbox_entry(seq).unwrap().unwrap();
    assert_eq!(e.key, made.id);
    drain(&client, &path, true, |_| {}).await.unwrap();
    assert!(
        client
            .get_contact(&made.id)
            .await
            .unwrap()
            .tags()
            .is_empty()
    );
}

/// Discarding a create drops the edits that depended on it, rather than
/// sending them with an id HighLevel never heard of.
#[test]
fn discarding_a_create_takes_its_dependent_edits_with_it() {
    let path = temp_db("discard");
    let mut cache = Cache::open(&path).unwrap();
    let seq = cache
        .enqueue_as(
            &ApiOp::CreateContact(NewContact {
                first_name: Some("Gone".into()),
                ..Default::default()
            }),
            Some("pending-d-1"),
        )
        .unwrap();
    cache
        .enqueue(&ApiOp::AddTags {
            contact_id: "pending-d-1".into(),
            tags: vec!["x".into()],
        })
        .unwrap();
    cache
        .enqueue(&ApiOp::AddTags {
            contact_id: "someone-else".into(),
            tags: vec!["x".into()],
        })
        .unwrap();
    // A bulk piece naming it and others: it goes on for the others.
    cache
        .enqueue_many(&[ApiOp::BulkTags {
            add: true,
            contacts: vec!["real-1".into(), "pending-d-1".into(), "real-2".into()],
            tags: vec!["webinar".into()],
        }])
        .unwrap();
    assert_eq!(cache.discard(seq).unwrap(), 2);
    let left = cache.outbox().unwrap();
    assert_eq!(left.len(), 2);
    assert_eq!(
        left[1].op,
        ApiOp::BulkTags {
            add: true,
            contacts: vec!["real-1".into(), "real-2".into()],
            tags: vec!["webinar".into()],
        }
    );
}

/// `e` in the outbox view on an edit being sent: refused, so the answer to
/// the old request can never delete the new one.
#[test]
fn an_edit_in_flight_cannot_be_changed_or_discarded_and_a_stale_attempt_never_removes_a_newer_one()
{
    let path = temp_db("inflight");
    let mut cache = Cache::open(&path).unwrap();
    let op = |city: &str| ApiOp::UpdateContact {
        id: "c1".into(),
        update: ContactUpdate::new().set(ContactField::City, Some(city)),
        base: None,
    };
    let seq = cache.enqueue(&op("Austin")).unwrap();
    let sent = cache.outbox_entry(seq).unwrap().unwrap();
    assert!(cache.mark_attempt(&sent).unwrap());
    let e = cache.retry(seq, Some(&op("Boston"))).unwrap_err();
    assert!(e.to_string().contains("being sent right now"), "{e}");
    assert!(cache.discard(seq).is_err());
    // Its answer comes; the entry goes.
    cache.confirm(&sent, None).unwrap();
    assert!(cache.outbox_entry(seq).unwrap().is_none());

    // Changed after it was read but before its attempt started: the old
    // version is not sent, and its confirmation would not remove the new.
    let seq = cache.enqueue(&op("Austin")).unwrap();
    let read = cache.outbox_entry(seq).unwrap().unwrap();
    cache.retry(seq, Some(&op("Chicago"))).unwrap();
    assert!(
        !cache.mark_attempt(&read).unwrap(),
        "the stale version does not go"
    );
    cache.confirm(&read, None).unwrap();
    let kept = cache
        .outbox_entry(seq)
        .unwrap()
        .expect("the edited request stays");
    assert_eq!(kept.op, op("Chicago"));
}

/// A cache written before the outbox had its own file: its edits move over,
/// even when the outbox file already holds edits with the same numbers, and
/// an interrupted create from then is never taken as sent.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn edits_in_an_old_cache_move_over_whole_and_an_old_interrupted_create_waits_for_the_user() {
    let sb = support::sandbox(support::config(5)).await;
    let client = support::client(&sb);
    let c = first_contact(&client).await;
    let note = NewNote {
        body: "Left voicemail".into(),
        ..Default::default()
    };
    client.create_note(&c.id, &note).await.unwrap();
    let path = temp_db("legacy");
    {
        // The outbox file already has edit 1.
        let mut cache = Cache::open(&path).unwrap();
        cache
            .enqueue(&ApiOp::AddTags {
                contact_id: c.id.clone(),
                tags: vec!["from-the-outbox-file".into()],
            })
            .unwrap();
    }
    {
        // The cache itself, as schema 1 left it: its own outbox, edit 1 too.
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch(
            "CREATE TABLE outbox (
                seq INTEGER PRIMARY KEY AUTOINCREMENT, key TEXT NOT NULL, op TEXT NOT NULL,
                description TEXT NOT NULL, state TEXT NOT NULL DEFAULT 'pending',
                attempts INTEGER NOT NULL DEFAULT 0, next_at INTEGER NOT NULL DEFAULT 0,
                error TEXT, created_at INTEGER NOT NULL, base TEXT);
             PRAGMA user_version = 1;",
        )
        .unwrap();
        let op = serde_json::to_string(&ApiOp::CreateNote {
            contact_id: c.id.clone(),
            note: note.clone(),
        })
        .unwrap();
        conn.execute(
            "INSERT INTO outbox (seq, key, op, description, attempts, created_at)
             VALUES (1, ?1, ?2, 'note', 1, 0)",
            rusqlite::params![c.id, op],
        )
        .unwrap();
    }
    let cache = Cache::open(&path).unwrap();
    let entries = cache.outbox().unwrap();
    assert_eq!(entries.len(), 2, "both edits kept: {entries:?}");
    // Opening again copies nothing twice.
    drop(cache);
    assert_eq!(Cache::open(&path).unwrap().outbox().unwrap().len(), 2);
    let left = drain(&client, &path, true, |_| {}).await.unwrap();
    assert_eq!(left.attention, 1, "the old create waits for the user");
    let voicemails = |notes: Vec<Note>| {
        notes
            .iter()
            .filter(|n| n.body.as_deref() == Some("Left voicemail"))
            .count()
    };
    assert_eq!(
        voicemails(client.notes(&c.id).await.unwrap()),
        1,
        "not sent blindly"
    );
    let cache = Cache::open(&path).unwrap();
    let waiting = cache.outbox().unwrap();
    assert!(
        waiting[0]
            .error
            .as_deref()
            .unwrap()
            .contains("cannot be told"),
        "{waiting:?}"
    );
    // The user checked and sends it: now it goes, once.
    cache.retry(waiting[0].seq, None).unwrap();
    drain(&client, &path, true, |_| {}).await.unwrap();
    assert_eq!(voicemails(client.notes(&c.id).await.unwrap()), 2);
    assert!(Cache::open(&path).unwrap().outbox().unwrap().is_empty());
}

/// `rolo outbox push` while another rolo holds the sender lock (a
/// workspace window): with nothing to send it returns at once; with edits
/// waiting it says who sends them, within seconds, instead of waiting
/// silently for as long as that window stays open.
#[tokio::test]
async fn a_push_while_another_rolo_sends_says_so_instead_of_waiting() {
    let sb = support::sandbox(support::config(5)).await;
    let client = support::client(&sb);
    let path = temp_db("elsewhere");
    let _cache = Cache::open(&path).unwrap();
    let _held = rolo::cache::outbox::SenderLock::try_take(&path).expect("the lock is free");
    let started = std::time::Instant::now();
    let counts = drain(&client, &path, true, |_| {}).await.unwrap();
    assert_eq!(counts.pending, 0);
    assert!(started.elapsed() < std::time::Duration::from_secs(1));

    let c = first_contact(&client).await;
    Cache::open(&path)
        .unwrap()
        .enqueue(&ApiOp::AddTags {
            contact_id: c.id.clone(),
            tags: vec!["elsewhere".into()],
        })
        .unwrap();
    let started = std::time::Instant::now();
    let e = drain(&client, &path, true, |_| {}).await.unwrap_err();
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
    assert!(e.to_string().contains("another rolo is sending"), "{e}");
    assert_eq!(
        Cache::open(&path).unwrap().outbox_counts().unwrap().pending,
        1,
        "the edit still waits for its sender"
    );
}

/// A bulk piece goes after the earlier edits of its contacts and before
/// their later ones, and a contact it names that HighLevel refuses stays
/// in the outbox as its own edit needing attention, with the server's
/// message, while the rest is done.
#[tokio::test]
async fn a_bulk_piece_keeps_order_with_its_contacts_and_leaves_each_refusal_for_the_user() {
    let sb = support::sandbox(support::config(10)).await;
    let client = support::client(&sb);
    let ids: Vec<String> = sb.with_store(|s| s.contact_ids().into_iter().take(3).collect());
    let path = temp_db("bulk-order");
    let mut cache = Cache::open(&path).unwrap();
    // Before the piece: a remove of the tag it adds (a no-op if it went
    // first, so the order shows in the end state), after it: a remove.
    cache
        .enqueue(&ApiOp::AddTags {
            contact_id: ids[0].clone(),
            tags: vec!["early".into()],
        })
        .unwrap();
    let mut contacts = ids.clone();
    contacts.push("no-such-contact".into());
    cache
        .enqueue_many(&[ApiOp::BulkTags {
            add: true,
            contacts,
            tags: vec!["bulk-order".into()],
        }])
        .unwrap();
    let later = cache
        .enqueue(&ApiOp::RemoveTags {
            contact_id: ids[1].clone(),
            tags: vec!["bulk-order".into()],
        })
        .unwrap();
    // Only the first edit may go: the piece waits for it, the remove for
    // the piece (sent together, the remove could land first).
    let now = chrono::Utc::now().timestamp_millis();
    let first: Vec<i64> = (cache.ready(now, &Default::default(), 10).unwrap())
        .iter()
        .map(|e| e.seq)
        .collect();
    assert_eq!(first.len(), 1, "{first:?}");
    assert!(first[0] < later);
    let left = drain(&client, &path, true, |_| {}).await.unwrap();
    assert_eq!((left.pending, left.attention), (0, 1), "one refusal waits");
    let tags = |id: &str| sb.with_store(|s| s.contact(id).unwrap()["tags"].clone());
    assert!(
        tags(&ids[0])
            .as_array()
            .unwrap()
            .contains(&"bulk-order".into())
    );
    assert!(tags(&ids[0]).as_array().unwrap().contains(&"early".into()));
    assert!(
        !tags(&ids[1])
            .as_array()
            .unwrap()
            .contains(&"bulk-order".into()),
        "the later remove went after the piece: {}",
        tags(&ids[1])
    );
    assert!(
        tags(&ids[2])
            .as_array()
            .unwrap()
            .contains(&"bulk-order".into())
    );
    let waiting = cache.outbox().unwrap();
    assert_eq!(waiting.len(), 1);
    assert_eq!(
        waiting[0].op,
        ApiOp::AddTags {
            contact_id: "no-such-contact".into(),
            tags: vec!["bulk-order".into()],
        }
    );
    assert_eq!(waiting[0].key, "no-such-contact");
    assert!(
        waiting[0]
            .error
            .as_deref()
            .unwrap_or("")
            .contains("not found"),
        "{:?}",
        waiting[0].error
    );
}

/// A contact that takes SMS: a phone, and no DND.
async fn texting_contact(sb: &rolo::sandbox::Sandbox) -> String {
    sb.with_store(|s| {
        s.contact_ids()
            .into_iter()
            .find(|id| {
                let c = s.contact(id).unwrap();
                let sms = &c["dndSettings"]["SMS"]["status"];
                c["phone"].as_str().is_some_and(|p| !p.is_empty())
                    && c["dnd"] != serde_json::json!(true)
                    && sms != "active"
                    && sms != "permanent"
            })
            .expect("a seeded contact takes SMS")
    })
}

fn sms_count(sb: &rolo::sandbox::Sandbox, contact: &str, words: &str) -> usize {
    sb.with_store(|s| {
        s.threads_of(contact)
            .iter()
            .flat_map(|t| t.messages.iter())
            .filter(|m| m["direction"] == "outbound" && m["body"] == words)
            .count()
    })
}

/// The ways a message's attempt can end, and what the outbox does next:
/// an answered failure (a 500, a 429) is sent again once the thread shows
/// it did not land; an attempt with no answer (a gateway's 502 to 504, a
/// reset, a broken answer) whose message the thread does not show waits
/// for the user, never sent again by itself; one the thread shows is done. A message this outbox sent for an earlier entry with the same
/// words is never taken for a later one's.
#[tokio::test]
async fn a_message_is_sent_once_or_waits_as_may_have_been_sent() {
    use rolo::api::conversations::NewMessage;
    use rolo::cache::outbox::{EntryState, MAY_HAVE_BEEN_SENT};
    // (fault on the send, delay before a sent message shows, sent in the
    // end, waits for the user)
    for (fault, delay, sent, waits) in [
        // HighLevel said it failed, and the thread does not show it: sent
        // again, once.
        (Fault::Status(500), 0, 1, false),
        // A gateway's 503 (injected before the origin saw it): unsure, so
        // it waits; never sent twice.
        (Fault::Status(503), 0, 0, true),
        (Fault::RateLimit, 0, 1, false),
        (Fault::Reset, 0, 1, false),
        (Fault::Malformed, 0, 1, false),
        (Fault::Reset, 60_000, 1, true),
        (Fault::Malformed, 60_000, 1, true),
    ] {
        let sb = support::sandbox(support::config(8)).await;
        let client = support::client(&sb);
        let c = texting_contact(&sb).await;
        let path = temp_db("message");
        let mut cache = Cache::open(&path).unwrap();
        let words = format!("On my way ({fault:?}, {delay})");
        cache
            .enqueue(&ApiOp::SendMessage {
                contact_id: c.clone(),
                message: NewMessage::sms(&c, &words),
            })
            .unwrap();
        // The look before it (a search, then each thread), then the send.
        let threads = sb.with_store(|s| s.threads_of(&c).len());
        let mut script: Vec<Fault> = vec![Fault::None; 1 + threads];
        script.push(fault);
        sb.set_faults(Faults {
            script: script.into(),
            message_delay_ms: delay,
            ..Faults::default()
        });
        let left = drain(&client, &path, false, |_| {}).await.unwrap();
        let left = if left.pending > 0 {
            drain(&client, &path, true, |_| {}).await.unwrap()
        } else {
            left
        };
        let label = format!("{fault:?} with the thread {delay} ms late");
        assert_eq!(sms_count(&sb, &c, &words), sent, "{label}");
        let entries = cache.outbox().unwrap();
        if waits {
            assert_eq!((left.pending, left.attention), (0, 1), "{label}");
            assert_eq!(entries[0].state, EntryState::Attention, "{label}");
            assert_eq!(entries[0].error.as_deref(), Some(MAY_HAVE_BEEN_SENT));
        } else {
            assert_eq!(left.total(), 0, "{label}: {entries:?}");
        }
    }

    // "ok", then "ok" again: the first is sent and answered; the second's
    // look before it runs while the first does not show yet, and its
    // attempt is cut off before it leaves (the sender dies). The first
    // "ok", in the thread by then, is not the second's.
    let sb = support::sandbox(support::config(8)).await;
    let client = support::client(&sb);
    let c = texting_contact(&sb).await;
    let path = temp_db("ok-twice");
    let mut cache = Cache::open(&path).unwrap();
    let first = cache
        .enqueue(&ApiOp::SendMessage {
            contact_id: c.clone(),
            message: NewMessage::sms(&c, "ok"),
        })
        .unwrap();
    let second = cache
        .enqueue(&ApiOp::SendMessage {
            contact_id: c.clone(),
            message: NewMessage::sms(&c, "ok"),
        })
        .unwrap();
    let sent = client
        .send_message(&NewMessage::sms(&c, "ok"))
        .await
        .unwrap();
    let e = cache.outbox_entry(first).unwrap().unwrap();
    cache
        .confirm(&e, Some(&rolo::api::actor::ApiResponse::Sent(sent)))
        .unwrap();
    let e = cache.outbox_entry(second).unwrap().unwrap();
    cache.set_before(second, &[]).unwrap();
    assert!(cache.mark_attempt(&e).unwrap());
    cache.clear_sending().unwrap();
    let left = drain(&client, &path, false, |_| {}).await.unwrap();
    assert_eq!(sms_count(&sb, &c, "ok"), 1);
    assert_eq!(
        (left.pending, left.attention),
        (0, 1),
        "the second ok waits"
    );
    let e = cache.outbox_entry(second).unwrap().unwrap();
    assert_eq!(e.error.as_deref(), Some(MAY_HAVE_BEEN_SENT));
    // The user sends it again: now it goes, once.
    cache.retry(second, None).unwrap();
    let left = drain(&client, &path, true, |_| {}).await.unwrap();
    assert_eq!(left.total(), 0);
    assert_eq!(sms_count(&sb, &c, "ok"), 2);
}
