//! The outbox against a plain model: random edits over a few contacts
//! (identical texts, edits to items still being created), random faults
//! (5xx, 429, connections reset and answers lost after the server applied
//! the change) and restarts. Afterwards the sandbox's state must equal the
//! model's: every edit applied exactly once, in order, nothing lost.
//! `PROPTEST_CASES=200 cargo test --test outbox_model` hunts longer.

mod support;

use std::collections::{BTreeMap, BTreeSet};

use proptest::prelude::*;
use rolo::api::actor::ApiOp;
use rolo::api::model::*;
use rolo::cache::Cache;
use rolo::cache::outbox::drain;
use rolo::sandbox::faults::{Fault, Faults};

#[derive(Debug, Clone)]
enum Edit {
    Tag {
        c: usize,
        tag: usize,
        add: bool,
    },
    Note {
        c: usize,
        body: usize,
    },
    /// The k-th note this run created on contact c (if any).
    ChangeNote {
        c: usize,
        k: usize,
        body: usize,
    },
    DeleteNote {
        c: usize,
        k: usize,
    },
    Task {
        c: usize,
        title: usize,
    },
    CompleteTask {
        c: usize,
        k: usize,
    },
    City {
        c: usize,
        city: usize,
    },
}

const TAGS: [&str; 2] = ["alpha", "beta"];
const BODIES: [&str; 3] = ["Left voicemail", "Called back", "Left voicemail"];
const TITLES: [&str; 2] = ["Call", "Call"];
const CITIES: [&str; 2] = ["Oslo", "Rome"];

fn edit() -> impl Strategy<Value = Edit> {
    let c = 0..2usize;
    prop_oneof![
        (c.clone(), 0..2usize, any::<bool>()).prop_map(|(c, tag, add)| Edit::Tag { c, tag, add }),
        (c.clone(), 0..3usize).prop_map(|(c, body)| Edit::Note { c, body }),
        (c.clone(), 0..3usize, 0..3usize).prop_map(|(c, k, body)| Edit::ChangeNote { c, k, body }),
        (c.clone(), 0..3usize).prop_map(|(c, k)| Edit::DeleteNote { c, k }),
        (c.clone(), 0..2usize).prop_map(|(c, title)| Edit::Task { c, title }),
        (c.clone(), 0..3usize).prop_map(|(c, k)| Edit::CompleteTask { c, k }),
        (c, 0..2usize).prop_map(|(c, city)| Edit::City { c, city }),
    ]
}

fn fault() -> impl Strategy<Value = Fault> {
    prop_oneof![
        3 => Just(Fault::None),
        1 => Just(Fault::Status(503)),
        1 => Just(Fault::Status(500)),
        1 => Just(Fault::RateLimit),
        1 => Just(Fault::Reset),
        1 => Just(Fault::Malformed),
    ]
}

/// A contact's notes, tasks, tags and city as seeded.
type Seeded = (
    Vec<String>,
    Vec<(String, bool)>,
    BTreeSet<String>,
    Option<String>,
);

/// A contact's state in the sandbox: note bodies, (title, completed) of
/// its tasks, its tags and city.
fn state_of(s: &rolo::sandbox::store::Store, id: &str) -> Seeded {
    let notes = s
        .notes_of(id)
        .iter()
        .map(|n| n["body"].as_str().unwrap_or("").to_string())
        .collect();
    let tasks = s
        .tasks_of(id)
        .iter()
        .map(|t| {
            (
                t["title"].as_str().unwrap_or("").to_string(),
                t["completed"] == true,
            )
        })
        .collect();
    let c = s.contact(id).unwrap();
    let tags = c
        .get("tags")
        .and_then(|t| t.as_array())
        .map(|a| {
            a.iter()
                .filter_map(|t| t.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    let city = c.get("city").and_then(|v| v.as_str()).map(str::to_string);
    (notes, tasks, tags, city)
}

/// What one contact should look like at the end.
#[derive(Debug, Default, Clone, PartialEq)]
struct Model {
    tags: BTreeSet<String>,
    /// Note bodies, by the note's place (None: deleted).
    notes: Vec<Option<String>>,
    /// (title, completed) of the tasks this run created.
    tasks: Vec<(String, bool)>,
    city: Option<String>,
}

fn run_case(edits: Vec<Edit>, faults: Vec<Fault>, restarts: usize) -> Result<(), TestCaseError> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async move {
        // A one-second window: a 429's wait is the window's, kept short.
        let mut config = support::config(3);
        config.rate_limit.interval = std::time::Duration::from_secs(1);
        let sb = support::sandbox(config).await;
        let client = support::client(&sb);
        let ids: Vec<String> = {
            let mut v = sb.with_store(|s| s.contact_ids());
            v.sort();
            v.truncate(2);
            v
        };
        let seeded: Vec<Seeded> = sb.with_store(|s| ids.iter().map(|id| state_of(s, id)).collect());
        let mut model: Vec<Model> = seeded
            .iter()
            .map(|(_, _, tags, city)| Model {
                tags: tags.clone(),
                city: city.clone(),
                ..Model::default()
            })
            .collect();
        // Stand-in ids of the notes and tasks this run creates, per contact.
        let mut note_ids: Vec<Vec<String>> = vec![Vec::new(); 2];
        let mut task_ids: Vec<Vec<String>> = vec![Vec::new(); 2];
        let path = std::env::temp_dir()
            .join(format!(
                "rolo-model-{}-{}",
                std::process::id(),
                fastrand::u64(..)
            ))
            .join("cache.db");
        let mut cache = Cache::open(&path).unwrap();
        let mut n = 0;
        for e in &edits {
            n += 1;
            let (op, local) = match e.clone() {
                Edit::Tag { c, tag, add } => {
                    let t = TAGS[tag].to_string();
                    if add {
                        model[c].tags.insert(t.clone());
                        (
                            ApiOp::AddTags {
                                contact_id: ids[c].clone(),
                                tags: vec![t],
                            },
                            None,
                        )
                    } else {
                        model[c].tags.remove(&t);
                        (
                            ApiOp::RemoveTags {
                                contact_id: ids[c].clone(),
                                tags: vec![t],
                            },
                            None,
                        )
                    }
                }
                Edit::Note { c, body } => {
                    let local = format!("pending-m-{n}");
                    note_ids[c].push(local.clone());
                    model[c].notes.push(Some(BODIES[body].into()));
                    (
                        ApiOp::CreateNote {
                            contact_id: ids[c].clone(),
                            note: NewNote {
                                body: BODIES[body].into(),
                                ..Default::default()
                            },
                        },
                        Some(local),
                    )
                }
                Edit::ChangeNote { c, k, body } => {
                    let Some(id) = note_ids[c].get(k).cloned() else {
                        continue;
                    };
                    if model[c].notes[k].is_none() {
                        continue;
                    }
                    model[c].notes[k] = Some(format!("{} (edited)", BODIES[body]));
                    (
                        ApiOp::UpdateNote {
                            contact_id: ids[c].clone(),
                            note_id: id,
                            update: NoteUpdate {
                                body: Some(format!("{} (edited)", BODIES[body])),
                                ..Default::default()
                            },
                        },
                        None,
                    )
                }
                Edit::DeleteNote { c, k } => {
                    let Some(id) = note_ids[c].get(k).cloned() else {
                        continue;
                    };
                    if model[c].notes[k].take().is_none() {
                        continue;
                    }
                    (
                        ApiOp::DeleteNote {
                            contact_id: ids[c].clone(),
                            note_id: id,
                        },
                        None,
                    )
                }
                Edit::Task { c, title } => {
                    let local = format!("pending-m-{n}");
                    task_ids[c].push(local.clone());
                    model[c].tasks.push((TITLES[title].into(), false));
                    (
                        ApiOp::CreateTask {
                            contact_id: ids[c].clone(),
                            task: NewTask {
                                title: TITLES[title].into(),
                                body: None,
                                due_date: "2026-12-04T09:00:00.000Z".into(),
                                completed: false,
                                assigned_to: None,
                            },
                        },
                        Some(local),
                    )
                }
                Edit::CompleteTask { c, k } => {
                    let Some(id) = task_ids[c].get(k).cloned() else {
                        continue;
                    };
                    model[c].tasks[k].1 = true;
                    (
                        ApiOp::SetTaskCompleted {
                            contact_id: ids[c].clone(),
                            task_id: id,
                            completed: true,
                        },
                        None,
                    )
                }
                Edit::City { c, city } => {
                    model[c].city = Some(CITIES[city].into());
                    (
                        ApiOp::UpdateContact {
                            id: ids[c].clone(),
                            update: ContactUpdate::new()
                                .set(ContactField::City, Some(CITIES[city])),
                            base: None,
                        },
                        None,
                    )
                }
            };
            cache.enqueue_as(&op, local.as_deref()).unwrap();
        }
        sb.set_faults(Faults {
            script: faults.into(),
            ..Faults::default()
        });
        // Each pass is a fresh sender, as after a restart; the faults run
        // out, and the queue must drain.
        for pass in 0..60 {
            if pass == restarts.max(1) * 4 {
                sb.set_faults(Faults::default());
            }
            drain(&client, &path, false, |_| {}).await.unwrap();
            let left = Cache::open(&path).unwrap();
            let counts = left.outbox_counts().unwrap();
            prop_assert_eq!(counts.attention, 0, "{:?}", left.outbox().unwrap());
            if counts.total() == 0 {
                break;
            }
            left.wake_all().unwrap();
        }
        let left = Cache::open(&path).unwrap().outbox().unwrap();
        prop_assert!(left.is_empty(), "still queued: {:?}", left);
        for r in sb.requests() {
            prop_assert!(
                !r.path.contains("pending-"),
                "a stand-in id was sent: {}",
                r.path
            );
        }
        sb.with_store(|s| {
            for (c, id) in ids.iter().enumerate() {
                let (seed_notes, seed_tasks, _, _) = &seeded[c];
                let (now_notes, mut got_tasks, tags, city) = state_of(s, id);
                let count = |bodies: Vec<String>| {
                    let mut m: BTreeMap<String, usize> = BTreeMap::new();
                    for b in bodies {
                        *m.entry(b).or_default() += 1;
                    }
                    m
                };
                let want_notes = count(
                    seed_notes
                        .iter()
                        .cloned()
                        .chain(model[c].notes.iter().flatten().cloned())
                        .collect(),
                );
                prop_assert_eq!(&count(now_notes), &want_notes, "notes of contact {}", c);
                let mut want_tasks: Vec<(String, bool)> = seed_tasks
                    .iter()
                    .cloned()
                    .chain(model[c].tasks.iter().cloned())
                    .collect();
                want_tasks.sort();
                got_tasks.sort();
                prop_assert_eq!(&got_tasks, &want_tasks, "tasks of contact {}", c);
                prop_assert_eq!(&tags, &model[c].tags, "tags of contact {}", c);
                prop_assert_eq!(&city, &model[c].city, "city of contact {}", c);
            }
            Ok(())
        })
    })
}

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(24)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn every_edit_is_applied_exactly_once_in_order_through_faults_and_restarts(
        edits in proptest::collection::vec(edit(), 1..14),
        faults in proptest::collection::vec(fault(), 0..16),
        restarts in 0..4usize,
    ) {
        run_case(edits, faults, restarts)?;
    }
}
