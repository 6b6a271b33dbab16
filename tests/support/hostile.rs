//! A server that lies: each test scripts its answers with a closure that
//! sees the request and returns any status, headers and body, including
//! endless or stalled ones. Served on loopback only.

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Body;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::Response;
use rolo::api::{Client, ClientConfig, RetryPolicy, Token};

/// One request as the server saw it.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: Method,
    pub path: String,
    pub query: String,
    pub headers: HeaderMap,
    pub body: serde_json::Value,
    /// How many requests came before this one.
    pub n: usize,
}

pub type Script = dyn Fn(&Seen) -> Response + Send + Sync;

pub struct Hostile {
    pub addr: SocketAddr,
    pub seen: Arc<Mutex<Vec<Seen>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Hostile {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Hostile {
    pub async fn start(script: impl Fn(&Seen) -> Response + Send + Sync + 'static) -> Hostile {
        let script: Arc<Script> = Arc::new(script);
        let seen: Arc<Mutex<Vec<Seen>>> = Arc::default();
        let log = seen.clone();
        let app = axum::Router::new().fallback(
            move |method: Method, uri: Uri, headers: HeaderMap, body: axum::body::Bytes| {
                let script = script.clone();
                let log = log.clone();
                async move {
                    let s = {
                        let mut log = log.lock().unwrap();
                        let s = Seen {
                            method,
                            path: uri.path().to_string(),
                            query: uri.query().unwrap_or("").to_string(),
                            headers,
                            body: serde_json::from_slice(&body).unwrap_or_default(),
                            n: log.len(),
                        };
                        log.push(s.clone());
                        s
                    };
                    script(&s)
                }
            },
        );
        let listener = tokio::net::TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))
            .await
            .unwrap();
        let addr = listener.local_addr().unwrap();
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Hostile { addr, seen, task }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn count(&self) -> usize {
        self.seen.lock().unwrap().len()
    }

    /// How many requests went to `path`.
    pub fn count_of(&self, path: &str) -> usize {
        self.seen
            .lock()
            .unwrap()
            .iter()
            .filter(|s| s.path == path)
            .count()
    }

    pub fn client(&self) -> Client {
        Client::new(self.config()).unwrap()
    }

    pub fn config(&self) -> ClientConfig {
        let mut c = ClientConfig::new(self.url(), "hostile-location", Token::new("hostile-token"));
        c.retry = RetryPolicy {
            max_retries: 2,
            base_delay: Duration::from_millis(10),
            max_delay: Duration::from_millis(50),
        };
        c.timeout = Duration::from_secs(5);
        c
    }
}

/// A JSON answer.
pub fn json(status: u16, v: serde_json::Value) -> Response {
    Response::builder()
        .status(StatusCode::from_u16(status).unwrap())
        .header("content-type", "application/json")
        .body(Body::from(v.to_string()))
        .unwrap()
}

/// A contact row as search pages carry it.
pub fn contact(id: &str, n: u64) -> serde_json::Value {
    serde_json::json!({
        "id": id,
        "locationId": "hostile-location",
        "firstName": format!("Person{n}"),
        "lastName": "Hostile",
        "email": format!("p{n}@example.com"),
        "dateAdded": "2026-01-01T00:00:00.000Z",
        "dateUpdated": "2026-01-01T00:00:00.000Z",
        "searchAfter": [n, id],
    })
}
