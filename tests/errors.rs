//! Errors, rate limits, retries and faults, against the sandbox.

mod support;

use std::time::Duration;

use rolo::api::error::RateScope;
use rolo::api::model::*;
use rolo::api::{ApiError, Client, RateConfig};
use rolo::sandbox::{Fault, Faults, RateLimit, max_in_window};
use support::{RO_TOKEN, TOKEN, client, client_config, sandbox};

fn new_task(title: &str) -> NewTask {
    NewTask {
        title: title.into(),
        body: None,
        due_date: "2026-12-01T09:00:00.000Z".into(),
        completed: false,
        assigned_to: None,
    }
}

#[tokio::test]
async fn wrong_token_is_unauthorized_with_a_hint() {
    let sb = sandbox(support::config(5)).await;
    let c = Client::new(client_config(&sb, "not-the-token-123")).unwrap();
    let e = c.get_contact("anything").await.unwrap_err();
    assert!(matches!(e, ApiError::Unauthorized { .. }), "{e:?}");
    assert!(e.to_string().contains("rolo auth login"));
}

#[tokio::test]
async fn read_only_token_reads_but_cannot_write() {
    let sb = sandbox(support::config(5)).await;
    let ro = Client::new(client_config(&sb, RO_TOKEN)).unwrap();
    let cid = sb.with_store(|s| s.contact_ids()[0].clone());
    ro.get_contact(&cid).await.expect("reads work");
    let before = sb.with_store(|s| s.tasks_of(&cid).len());
    let e = ro.create_task(&cid, &new_task("nope")).await.unwrap_err();
    match &e {
        ApiError::MissingScope { scope, .. } => assert_eq!(*scope, "contacts.write"),
        other => panic!("expected a scope error, got {other:?}"),
    }
    assert!(e.to_string().contains("contacts.write"));
    assert_eq!(
        sb.with_store(|s| s.tasks_of(&cid).len()),
        before,
        "nothing was written"
    );
}

#[tokio::test]
async fn validation_messages_come_through_verbatim() {
    let sb = sandbox(support::config(5)).await;
    let c = client(&sb);
    let cid = sb.with_store(|s| s.contact_ids()[0].clone());
    let mut t = new_task("");
    t.due_date = "next blue moon".into();
    match c.create_task(&cid, &t).await {
        Err(ApiError::Validation {
            status: 422,
            messages,
        }) => assert_eq!(
            messages,
            vec![
                "title should not be empty".to_string(),
                "dueDate must be a valid ISO 8601 date string".to_string(),
            ]
        ),
        other => panic!("expected 422, got {other:?}"),
    }
}

#[tokio::test]
async fn a_429_storm_is_ridden_out_within_the_limit() {
    let mut config = support::config(5);
    // A 429 says the window is spent; a 1 s window keeps the wait short.
    config.rate_limit.interval = Duration::from_secs(1);
    config.faults = Faults {
        storm_requests: 3,
        ..Faults::default()
    };
    let sb = sandbox(config).await;
    let c = client(&sb);
    let cid = sb.with_store(|s| s.contact_ids()[0].clone());
    let contact = c.get_contact(&cid).await.expect("succeeds after the storm");
    assert_eq!(contact.id, cid);
    let log = sb.requests();
    let statuses: Vec<_> = log.iter().map(|r| r.status).collect();
    assert_eq!(statuses, vec![Some(429), Some(429), Some(429), Some(200)]);
    assert!(max_in_window(&log, Duration::from_secs(10)) < 100);
}

/// A long `Retry-After` shows as a wait the user can give up: the request
/// ends at once with a cancel, not after the server's 30 s.
#[tokio::test]
async fn a_rate_limit_wait_is_shown_and_can_be_cancelled() {
    let mut config = support::config(5);
    config.faults = Faults {
        storm_requests: 1,
        storm_retry_after: Some(30),
        ..Faults::default()
    };
    let sb = sandbox(config).await;
    let c = client(&sb);
    let cid = sb.with_store(|s| s.contact_ids()[0].clone());
    let started = std::time::Instant::now();
    let read = tokio::spawn({
        let c = c.clone();
        async move { c.get_contact(&cid).await }
    });
    support::eventually("the wait is shown", || {
        let w = c.waiting();
        async move { w.is_some_and(|w| w.left > Duration::from_secs(20)) }
    })
    .await;
    assert_eq!(
        c.waiting().map(|w| w.reason),
        Some(rolo::api::limiter::WaitReason::RateLimit)
    );
    assert_eq!(c.cancel_waits(), 1);
    let e = read.await.unwrap().unwrap_err();
    assert!(
        matches!(e, ApiError::Cancelled { .. }),
        "expected a cancel, got {e:?}"
    );
    assert!(e.to_string().contains("stopped waiting"), "{e}");
    assert!(started.elapsed() < Duration::from_secs(20));
    assert_eq!(c.waiting(), None);
    assert_eq!(sb.requests().len(), 1, "nothing was sent after the 429");
}

#[tokio::test]
async fn retry_after_is_honoured() {
    let mut config = support::config(5);
    config.faults = Faults {
        storm_requests: 1,
        storm_retry_after: Some(1),
        ..Faults::default()
    };
    let sb = sandbox(config).await;
    let c = client(&sb);
    let cid = sb.with_store(|s| s.contact_ids()[0].clone());
    c.get_contact(&cid).await.unwrap();
    let log = sb.requests();
    assert_eq!(log.len(), 2);
    let gap = log[1].at - log[0].at;
    assert!(
        gap >= Duration::from_millis(990),
        "retried after {gap:?}, before Retry-After"
    );
}

#[tokio::test]
async fn a_burst_stays_under_the_server_limit() {
    // The real limit scaled down (20 per 2 s instead of 100 per 10 s) so
    // the test takes seconds; the client keeps the same 5% headroom.
    let mut config = support::config(5);
    config.rate_limit = RateLimit {
        max: 20,
        interval: Duration::from_secs(2),
        daily: 200_000,
    };
    let sb = sandbox(config).await;
    let mut cc = client_config(&sb, TOKEN);
    cc.rate = RateConfig {
        max_requests: 19,
        interval: Duration::from_secs(2),
    };
    let c = Client::new(cc).unwrap();
    let cid = sb.with_store(|s| s.contact_ids()[0].clone());
    let calls = (0..50).map(|_| c.get_contact(&cid));
    let results = futures_util::future::join_all(calls).await;
    assert!(results.iter().all(Result::is_ok));
    let log = sb.requests();
    assert_eq!(
        log.iter().filter(|r| r.status == Some(429)).count(),
        0,
        "the client never hit 429"
    );
    assert!(max_in_window(&log, Duration::from_secs(2)) <= 20);
    let budget = c.budget();
    assert_eq!(budget.max, Some(20));
    assert!(budget.remaining.is_some() && budget.daily_remaining.is_some());
}

#[tokio::test]
async fn daily_limit_exhaustion_is_reported_not_retried() {
    let mut config = support::config(5);
    config.rate_limit.daily = 2;
    let sb = sandbox(config).await;
    let c = client(&sb);
    let cid = sb.with_store(|s| s.contact_ids()[0].clone());
    c.get_contact(&cid).await.unwrap();
    c.get_contact(&cid).await.unwrap(); // this answer says 0 left today
    let e = c.get_contact(&cid).await.unwrap_err();
    assert!(
        matches!(
            e,
            ApiError::RateLimited {
                scope: RateScope::Daily,
                ..
            }
        ),
        "{e:?}"
    );
    assert_eq!(sb.requests().len(), 2, "the client did not even try");
}

#[tokio::test]
async fn server_errors_are_retried_for_idempotent_calls() {
    let mut config = support::config(5);
    config.faults.script = [Fault::Status(503), Fault::Status(502), Fault::Reset].into();
    let sb = sandbox(config).await;
    let c = client(&sb);
    let cid = sb.with_store(|s| s.contact_ids()[0].clone());
    let tasks = c.tasks(&cid).await.expect("succeeds on the fourth attempt");
    assert_eq!(tasks.len(), sb.with_store(|s| s.tasks_of(&cid).len()));
    assert_eq!(sb.requests().len(), 4);
}

#[tokio::test]
async fn a_create_is_never_silently_repeated() {
    let mut config = support::config(5);
    config.rate_limit.interval = Duration::from_secs(1);
    config.faults.script = [Fault::Status(503)].into();
    let sb = sandbox(config).await;
    let c = client(&sb);
    let cid = sb.with_store(|s| s.contact_ids()[0].clone());
    let before = sb.with_store(|s| s.tasks_of(&cid).len());
    let e = c.create_task(&cid, &new_task("Once")).await.unwrap_err();
    assert!(matches!(e, ApiError::Server { status: 503, .. }), "{e:?}");
    assert_eq!(sb.requests().len(), 1, "the POST was sent once");

    // A reset after the server handled it: the task exists, and the client
    // reports the failure instead of sending it again.
    sb.set_faults(Faults {
        script: [Fault::Reset].into(),
        ..Faults::default()
    });
    let e = c.create_task(&cid, &new_task("Maybe")).await.unwrap_err();
    assert!(matches!(e, ApiError::Network { .. }), "{e:?}");
    assert_eq!(sb.requests().len(), 2);
    assert_eq!(sb.with_store(|s| s.tasks_of(&cid).len()), before + 1);

    // A 429 was refused unprocessed, so that one is safe to send again.
    sb.set_faults(Faults {
        script: [Fault::RateLimit].into(),
        ..Faults::default()
    });
    c.create_task(&cid, &new_task("After 429")).await.unwrap();
    assert_eq!(sb.with_store(|s| s.tasks_of(&cid).len()), before + 2);
}

#[tokio::test]
async fn malformed_json_is_a_decode_error_not_a_panic() {
    let mut config = support::config(5);
    config.faults.script = [Fault::Malformed].into();
    let sb = sandbox(config).await;
    let c = client(&sb);
    let cid = sb.with_store(|s| s.contact_ids()[0].clone());
    match c.get_contact(&cid).await {
        Err(ApiError::Decode {
            endpoint, snippet, ..
        }) => {
            assert_eq!(endpoint, "get-contact");
            assert!(snippet.starts_with("{\"contact\""), "{snippet}");
        }
        other => panic!("expected a decode error, got {other:?}"),
    }
}

#[tokio::test]
async fn wrong_shape_names_the_path() {
    // A server that sends a number where a list of tags belongs.
    use axum::routing::get;
    let app = axum::Router::new().route(
        "/contacts/{id}",
        get(|| async { axum::Json(serde_json::json!({"contact": {"id": "x", "tags": [1]}})) }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    let c = Client::new(rolo::api::ClientConfig::new(
        format!("http://{addr}"),
        "l",
        rolo::api::Token::new("tok-123456789"),
    ))
    .unwrap();
    match c.get_contact("x").await {
        Err(ApiError::Decode { path, .. }) => assert_eq!(path, "contact.tags[0]"),
        other => panic!("expected a decode error, got {other:?}"),
    }
}

#[tokio::test]
async fn a_hanging_endpoint_times_out() {
    let mut config = support::config(5);
    config.faults.hang_paths = vec!["/contacts/".into()];
    let sb = sandbox(config).await;
    let mut cc = client_config(&sb, TOKEN);
    cc.timeout = Duration::from_millis(300);
    let c = Client::new(cc).unwrap();
    let e = c.get_contact("abc").await.unwrap_err();
    assert!(matches!(e, ApiError::Timeout { .. }), "{e:?}");
    assert!(e.to_string().contains("127.0.0.1"));
}

#[tokio::test]
async fn nothing_listening_is_a_network_error_naming_the_host() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let mut cc = rolo::api::ClientConfig::new(
        format!("http://{addr}"),
        "l",
        rolo::api::Token::new("tok-123456789"),
    );
    cc.retry.max_retries = 1;
    cc.retry.base_delay = Duration::from_millis(10);
    let c = Client::new(cc).unwrap();
    let e = c.get_contact("x").await.unwrap_err();
    match &e {
        ApiError::Network { host, cause, .. } => {
            assert_eq!(host, "127.0.0.1");
            assert!(!cause.is_empty());
        }
        other => panic!("expected a network error, got {other:?}"),
    }
}

#[tokio::test]
async fn the_token_never_appears_in_errors_or_requests() {
    const SECRET: &str = "pit-SUPERSECRET-0000-1111";
    let mut config = support::config(5);
    config.token = SECRET.into();
    config.faults.script = [Fault::Malformed, Fault::Status(500)].into();
    let sb = sandbox(config).await;
    let mut cc = client_config(&sb, SECRET);
    cc.timeout = Duration::from_millis(300);
    cc.retry.max_retries = 0;
    let c = Client::new(cc.clone()).unwrap();
    let cid = sb.with_store(|s| s.contact_ids()[0].clone());
    let mut errors = vec![
        c.get_contact(&cid).await.unwrap_err(),      // decode
        c.get_contact(&cid).await.unwrap_err(),      // server
        c.get_contact("missing").await.unwrap_err(), // not found
        c.create_task(&cid, &new_task("")).await.unwrap_err(), // validation
    ];
    sb.set_faults(Faults {
        hang_paths: vec!["/".into()],
        ..Faults::default()
    });
    errors.push(c.get_contact(&cid).await.unwrap_err()); // timeout
    let wrong = Client::new(client_config(&sb, "pit-SUPERSECRET-wrong")).unwrap();
    sb.set_faults(Faults::default());
    errors.push(wrong.get_contact(&cid).await.unwrap_err()); // unauthorized
    for e in &errors {
        let shown = format!("{e} {e:?}");
        assert!(!shown.contains("SUPERSECRET"), "token leaked: {shown}");
    }
    let shown = format!("{c:?} {cc:?}");
    assert!(!shown.contains("SUPERSECRET"), "token leaked: {shown}");
    let request = rolo::api::ApiRequest {
        id: rolo::api::RequestId(1),
        op: rolo::api::ApiOp::GetContact { id: cid },
        priority: rolo::api::Priority::Interactive,
        supersede: None,
        local_id: None,
    };
    assert!(!format!("{request:?}").contains("SUPERSECRET"));
}
