//! The sandbox under abuse: idle and half-sent connections, answers the
//! framework gives itself, and cursors that were never handed out.

mod support;

use std::io::{Read, Write};
use std::time::{Duration, Instant};

fn raw(addr: std::net::SocketAddr, request: &str) -> String {
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s.write_all(request.as_bytes()).unwrap();
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    String::from_utf8_lossy(&out).into_owned()
}

fn body_of(resp: &str) -> serde_json::Value {
    let body = resp.split("\r\n\r\n").nth(1).unwrap_or("");
    serde_json::from_str(body).unwrap_or_else(|e| panic!("not JSON ({e}): {resp}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_and_half_sent_connections_are_dropped_and_never_lock_others_out() {
    let mut config = support::config(5);
    config.idle_timeout = Duration::from_millis(800);
    let sb = support::sandbox(config).await;
    let addr = sb.addr();
    let hoard = tokio::task::spawn_blocking(move || {
        let mut idle: Vec<std::net::TcpStream> = (0..300)
            .map(|i| {
                let mut s = std::net::TcpStream::connect(addr).unwrap();
                if i % 2 == 0 {
                    // Half a request, never finished.
                    s.write_all(b"POST /contacts/search HTTP/1.1\r\nHost: x\r\n")
                        .unwrap();
                }
                s
            })
            .collect();
        // Each is closed by the server within a little more than the timeout.
        let start = Instant::now();
        for s in &mut idle {
            s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
            let mut buf = [0u8; 512];
            loop {
                match s.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(_) => continue,
                }
            }
        }
        start.elapsed()
    });
    // Meanwhile an ordinary client is served.
    let client = support::client(&sb);
    client
        .get_contact(&sb.with_store(|s| s.contact_ids()[0].clone()))
        .await
        .unwrap();
    let took = hoard.await.unwrap();
    assert!(
        took < Duration::from_secs(8),
        "idle connections lingered {took:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn framework_errors_have_the_api_error_shape_and_bad_cursors_are_refused() {
    let sb = support::sandbox(support::config(5)).await;
    let addr = sb.addr();
    let auth = format!(
        "Authorization: Bearer {}\r\nVersion: 2021-07-28\r\n",
        support::TOKEN
    );
    let resp = tokio::task::spawn_blocking({
        let auth = auth.clone();
        move || {
            raw(
                addr,
                &format!(
                    "DELETE /contacts/search HTTP/1.1\r\nHost: x\r\n{auth}Connection: close\r\n\r\n"
                ),
            )
        }
    })
    .await
    .unwrap();
    assert!(resp.starts_with("HTTP/1.1 405"), "{resp}");
    let v = body_of(&resp);
    assert_eq!(v["statusCode"], 405);
    assert!(v["error"].is_string() && v["message"].is_string(), "{v}");

    let big = "x".repeat(3 << 20);
    let resp = tokio::task::spawn_blocking({
        let auth = auth.clone();
        move || {
            raw(
                addr,
                &format!(
                    "POST /contacts/search HTTP/1.1\r\nHost: x\r\n{auth}Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{big}",
                    big.len()
                ),
            )
        }
    })
    .await
    .unwrap();
    assert!(
        resp.starts_with("HTTP/1.1 413"),
        "{}",
        &resp[..resp.len().min(300)]
    );
    assert_eq!(body_of(&resp)["statusCode"], 413);

    let client = support::client(&sb);
    for garbage in [
        serde_json::json!(["x"]),
        serde_json::json!([{"a": 1}, "id"]),
        serde_json::json!([1, 2, 3, 4]),
    ] {
        let e = client
            .search_contacts(&rolo::api::model::SearchContacts {
                page_limit: 10,
                search_after: Some(garbage.as_array().unwrap().clone()),
                ..Default::default()
            })
            .await
            .unwrap_err();
        assert!(
            matches!(e, rolo::api::ApiError::Validation { status: 422, .. }),
            "{garbage}: {e:?}"
        );
    }
}

/// The answers hyper gives before the router sees a request (a URI too
/// long, too many or too large headers, a head that does not parse) have
/// the API's error shape too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_and_unparsable_request_heads_get_json_errors() {
    let sb = support::sandbox(support::config(5)).await;
    let addr = sb.addr();
    let auth = format!(
        "Authorization: Bearer {}\r\nVersion: 2021-07-28\r\n",
        support::TOKEN
    );
    let many: String = (0..150).map(|i| format!("X-Filler-{i}: y\r\n")).collect();
    let cases = [
        (
            414,
            format!(
                "GET /contacts/{} HTTP/1.1\r\nHost: x\r\n{auth}Connection: close\r\n\r\n",
                "a".repeat(70_000)
            ),
        ),
        (
            431,
            format!("GET /contacts/x HTTP/1.1\r\nHost: x\r\n{auth}{many}Connection: close\r\n\r\n"),
        ),
        (
            431,
            format!(
                "GET /contacts/x HTTP/1.1\r\nHost: x\r\n{auth}X-Big: {}\r\nConnection: close\r\n\r\n",
                "b".repeat(600_000)
            ),
        ),
        (400, "NOT HTTP AT ALL\r\n\r\n".to_string()),
    ];
    for (status, request) in cases {
        let resp = tokio::task::spawn_blocking(move || raw(addr, &request))
            .await
            .unwrap();
        assert!(
            resp.starts_with(&format!("HTTP/1.1 {status} ")),
            "{}",
            &resp[..resp.len().min(300)]
        );
        let v = body_of(&resp);
        assert_eq!(v["statusCode"], status, "{v}");
        assert!(v["error"].is_string() && v["message"].is_string(), "{v}");
    }
    // The sandbox still serves everyone else.
    support::client(&sb)
        .get_contact(&sb.with_store(|s| s.contact_ids()[0].clone()))
        .await
        .unwrap();
}

/// A request whose head arrived but whose body stops after one byte holds
/// its connection no longer than an idle one: answered 408 and closed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn half_sent_bodies_are_answered_and_dropped() {
    let mut config = support::config(5);
    config.idle_timeout = Duration::from_millis(800);
    let sb = support::sandbox(config).await;
    let addr = sb.addr();
    let head = format!(
        "POST /contacts/search HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\nVersion: 2021-07-28\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{{",
        support::TOKEN
    );
    let took = tokio::task::spawn_blocking(move || {
        let mut held: Vec<std::net::TcpStream> = (0..50)
            .map(|_| {
                let mut s = std::net::TcpStream::connect(addr).unwrap();
                s.write_all(head.as_bytes()).unwrap();
                s
            })
            .collect();
        let start = Instant::now();
        let mut answers = Vec::new();
        for s in &mut held {
            s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
            let mut out = Vec::new();
            let _ = s.read_to_end(&mut out);
            answers.push(String::from_utf8_lossy(&out).into_owned());
        }
        (start.elapsed(), answers)
    })
    .await
    .unwrap();
    let (took, answers) = took;
    assert!(took < Duration::from_secs(8), "bodies held {took:?}");
    for a in &answers {
        assert!(a.starts_with("HTTP/1.1 408"), "{a}");
        assert_eq!(body_of(a)["statusCode"], 408);
    }
}
