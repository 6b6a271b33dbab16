//! The API actor against the sandbox: concurrency bound, priorities,
//! superseded loads, and a shutdown that loses nothing silently.

mod support;

use std::time::Duration;

use rolo::api::ApiHandle;
use rolo::api::actor::{ActorConfig, ApiEvent, ApiOp, ApiResponse, Priority, RequestId};
use rolo::api::error::{ApiError, CancelReason};
use rolo::api::model::NewTask;
use rolo::sandbox::{Faults, max_concurrent};
use support::{client, sandbox};
use tokio::sync::mpsc::UnboundedReceiver;

async fn next(events: &mut UnboundedReceiver<ApiEvent>) -> ApiEvent {
    tokio::time::timeout(Duration::from_secs(30), events.recv())
        .await
        .expect("an event within 30 s")
        .expect("the actor is alive")
}

async fn collect(events: &mut UnboundedReceiver<ApiEvent>, n: usize) -> Vec<ApiEvent> {
    let mut out = Vec::new();
    for _ in 0..n {
        out.push(next(events).await);
    }
    out
}

#[tokio::test]
async fn runs_at_most_six_at_once_and_answers_every_id() {
    let mut config = support::config(10);
    config.faults.latency_ms = 150;
    let sb = sandbox(config).await;
    let (api, mut events) = ApiHandle::spawn(client(&sb), ActorConfig::default());
    let cid = sb.with_store(|s| s.contact_ids()[0].clone());
    let mut ids = Vec::new();
    for _ in 0..18 {
        ids.push(
            api.submit(
                ApiOp::ListTasks {
                    contact_id: cid.clone(),
                },
                Priority::Interactive,
                None,
            )
            .unwrap(),
        );
    }
    let got = collect(&mut events, 18).await;
    let mut answered: Vec<RequestId> = got.iter().map(|e| e.id).collect();
    answered.sort();
    assert_eq!(answered, ids);
    assert!(
        got.iter()
            .all(|e| matches!(e.result, Ok(ApiResponse::Tasks(_))))
    );
    let peak = max_concurrent(&sb.requests());
    assert!(peak <= 6, "{peak} requests ran at once");
    assert!(peak >= 2, "requests ran concurrently (peak {peak})");
    assert!(
        got.last().unwrap().budget.remaining.is_some(),
        "events carry the rate budget"
    );
}

#[tokio::test]
async fn interactive_work_jumps_the_background_queue() {
    let mut config = support::config(10);
    config.faults.latency_ms = 50;
    let sb = sandbox(config).await;
    let (api, mut events) = ApiHandle::spawn(client(&sb), ActorConfig { max_in_flight: 1 });
    let background: Vec<RequestId> = (0..4)
        .map(|_| {
            api.submit(ApiOp::LocationTags, Priority::Background, None)
                .unwrap()
        })
        .collect();
    let urgent = api
        .submit(ApiOp::LocationTags, Priority::Interactive, None)
        .unwrap();
    let order: Vec<RequestId> = collect(&mut events, 5).await.iter().map(|e| e.id).collect();
    let pos = order.iter().position(|id| *id == urgent).unwrap();
    assert!(
        pos <= 1,
        "interactive request answered at position {pos}: {order:?}"
    );
    assert_eq!(order.iter().filter(|id| background.contains(id)).count(), 4);
}

#[tokio::test]
async fn a_newer_load_supersedes_the_older_one() {
    let mut config = support::config(10);
    config.faults.latency_ms = 300;
    let sb = sandbox(config).await;
    let (api, mut events) = ApiHandle::spawn(client(&sb), ActorConfig::default());
    let ids = sb.with_store(|s| s.contact_ids());
    let first = api
        .submit(
            ApiOp::GetContact { id: ids[0].clone() },
            Priority::Interactive,
            Some("detail"),
        )
        .unwrap();
    let second = api
        .submit(
            ApiOp::GetContact { id: ids[1].clone() },
            Priority::Interactive,
            Some("detail"),
        )
        .unwrap();
    let a = next(&mut events).await;
    assert_eq!(a.id, first);
    assert_eq!(
        a.result,
        Err(ApiError::Cancelled {
            reason: CancelReason::Superseded
        })
    );
    let b = next(&mut events).await;
    assert_eq!(b.id, second);
    match b.result {
        Ok(ApiResponse::Contact(c)) => assert_eq!(c.id, ids[1]),
        other => panic!("expected the second contact, got {other:?}"),
    }
    // No stale answer for the first arrives later.
    let late = tokio::time::timeout(Duration::from_millis(600), events.recv()).await;
    assert!(late.is_err(), "unexpected event {late:?}");
}

#[tokio::test]
async fn writes_are_never_superseded() {
    let mut config = support::config(10);
    config.faults.latency_ms = 100;
    let sb = sandbox(config).await;
    let (api, mut events) = ApiHandle::spawn(client(&sb), ActorConfig::default());
    let cid = sb.with_store(|s| s.contact_ids()[0].clone());
    let before = sb.with_store(|s| s.tasks_of(&cid).len());
    for title in ["one", "two"] {
        api.submit(
            ApiOp::CreateTask {
                contact_id: cid.clone(),
                task: NewTask {
                    title: title.into(),
                    body: None,
                    due_date: "2026-12-01T09:00:00.000Z".into(),
                    completed: false,
                    assigned_to: None,
                },
            },
            Priority::Interactive,
            Some("same-key"),
        )
        .unwrap();
    }
    let got = collect(&mut events, 2).await;
    assert!(
        got.iter()
            .all(|e| matches!(e.result, Ok(ApiResponse::Task(_))))
    );
    assert_eq!(sb.with_store(|s| s.tasks_of(&cid).len()), before + 2);
}

#[tokio::test]
async fn shutdown_finishes_writes_and_reports_the_rest() {
    let mut config = support::config(10);
    config.faults.latency_ms = 100;
    let sb = sandbox(config).await;
    let (api, mut events) = ApiHandle::spawn(client(&sb), ActorConfig { max_in_flight: 2 });
    let cid = sb.with_store(|s| s.contact_ids()[0].clone());
    let read = api
        .submit(
            ApiOp::ListNotes {
                contact_id: cid.clone(),
            },
            Priority::Background,
            None,
        )
        .unwrap();
    let mut writes = Vec::new();
    for i in 0..3 {
        writes.push(
            api.submit(
                ApiOp::AddTags {
                    contact_id: cid.clone(),
                    tags: vec![format!("batch-{i}")],
                },
                Priority::Interactive,
                None,
            )
            .unwrap(),
        );
    }
    let report = api.shutdown(Duration::from_secs(20)).await;
    assert!(report.unfinished_writes.is_empty(), "{report:?}");
    let got = collect(&mut events, 4).await;
    for w in &writes {
        let e = got
            .iter()
            .find(|e| e.id == *w)
            .expect("every write is answered");
        assert!(matches!(e.result, Ok(ApiResponse::Tags(_))), "{e:?}");
    }
    let tags = sb.with_store(|s| s.contact(&cid).unwrap()["tags"].clone());
    for i in 0..3 {
        assert!(
            tags.as_array()
                .unwrap()
                .iter()
                .any(|t| t == &format!("batch-{i}"))
        );
    }
    let r = got
        .iter()
        .find(|e| e.id == read)
        .expect("the read is answered too");
    assert!(
        r.result.is_ok()
            || matches!(
                r.result,
                Err(ApiError::Cancelled {
                    reason: CancelReason::Shutdown
                })
            )
    );
}

#[tokio::test]
async fn shutdown_names_writes_that_could_not_finish() {
    let mut config = support::config(10);
    config.faults = Faults {
        hang_paths: vec!["/contacts/".into()],
        ..Faults::default()
    };
    let sb = sandbox(config).await;
    let (api, mut events) = ApiHandle::spawn(client(&sb), ActorConfig::default());
    let cid = sb.with_store(|s| s.contact_ids()[0].clone());
    let w = api
        .submit(
            ApiOp::DeleteTask {
                contact_id: cid.clone(),
                task_id: "t1".into(),
            },
            Priority::Interactive,
            None,
        )
        .unwrap();
    support::eventually("the delete reaches the server", || {
        let n = sb.requests().len();
        async move { n == 1 }
    })
    .await;
    let report = api.shutdown(Duration::from_millis(200)).await;
    assert_eq!(report.unfinished_writes.len(), 1);
    assert_eq!(report.unfinished_writes[0].id, w);
    assert!(report.unfinished_writes[0].was_running);
    assert!(
        report.unfinished_writes[0]
            .description
            .contains("delete task t1")
    );
    let e = next(&mut events).await;
    assert_eq!(e.id, w);
    assert_eq!(
        e.result,
        Err(ApiError::Cancelled {
            reason: CancelReason::Shutdown
        })
    );
}
