//! A local HTTP server that speaks the HighLevel API v2 for one location,
//! with seeded demo data, the real rate limits, and fault injection.
//!
//! `rolo --demo` runs one in process; every integration test talks to one
//! over loopback; `rolo sandbox` serves one for other programs.

pub mod calendars;
pub mod campaigns;
mod conn;
pub mod contacts;
pub mod conversations;
pub mod faults;
mod http;
pub mod locations;
pub mod opportunities;
pub mod seed;
pub mod store;
pub mod users;
pub mod validate;
pub mod workflows;

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::http::{HeaderMap, HeaderValue, Method};
use tokio::time::Instant;

pub use conn::MAX_CONNECTIONS;
pub use faults::{Fault, Faults};
pub use http::{SDK_VERSIONS, service_version};
pub use store::Store;

/// The server's rate limits: HighLevel's are 100 per 10 s and 200,000 a day,
/// counted per app (here: per token) per location.
#[derive(Debug, Clone, PartialEq)]
pub struct RateLimit {
    pub max: u32,
    pub interval: Duration,
    pub daily: u32,
}

impl Default for RateLimit {
    fn default() -> Self {
        Self {
            max: 100,
            interval: Duration::from_secs(10),
            daily: 200_000,
        }
    }
}

/// An OAuth app the sandbox knows, for POST /oauth/token.
#[derive(Debug, Clone)]
pub struct OAuthClient {
    pub client_id: String,
    pub client_secret: String,
    /// The refresh token issued at "install"; each one works once.
    pub refresh_token: String,
    /// How long issued access tokens last (HighLevel: about a day).
    pub access_ttl: Duration,
}

/// Tokens issued through /oauth/token.
#[derive(Debug, Default)]
pub(crate) struct OAuthState {
    pub(crate) refresh_tokens: std::collections::HashSet<String>,
    pub(crate) access: HashMap<String, Instant>,
    /// Access tokens that authorized at least one request.
    pub(crate) used: std::collections::HashSet<String>,
    pub(crate) token_calls: usize,
}

#[derive(Debug, Clone)]
pub struct SandboxConfig {
    pub token: String,
    pub readonly_token: Option<String>,
    pub location_id: String,
    /// The location's name, as GET /locations/{id} reports it.
    pub location_name: String,
    pub contacts: usize,
    pub seed: u64,
    pub faults: Faults,
    pub rate_limit: RateLimit,
    /// How deep `page` may reach in POST /contacts/search (10,000 upstream).
    pub page_depth: u64,
    pub oauth: Option<OAuthClient>,
    /// How long a connection may go without sending a whole request head.
    pub idle_timeout: Duration,
}

impl Default for SandboxConfig {
    fn default() -> Self {
        Self {
            token: "sandbox-token".into(),
            readonly_token: None,
            location_id: "sandbox-location".into(),
            location_name: "Sandbox Demo Co".into(),
            contacts: 500,
            seed: 1,
            faults: Faults::default(),
            rate_limit: RateLimit::default(),
            page_depth: 10_000,
            idle_timeout: Duration::from_secs(10),
            oauth: None,
        }
    }
}

/// One request as the sandbox saw it.
#[derive(Debug, Clone, PartialEq)]
pub struct LoggedRequest {
    /// Arrival, from the sandbox's start.
    pub at: Duration,
    pub method: String,
    pub path: String,
    /// `None` while unanswered (or hung).
    pub status: Option<u16>,
    /// When the answer was ready, from the sandbox's start.
    pub finished: Option<Duration>,
    /// The `Version` header the request carried.
    pub version: Option<String>,
    /// The query string, as sent (without the `?`).
    pub query: Option<String>,
    /// The body, when it was JSON of at most 64 KiB (for checking what
    /// clients send against the spec).
    pub body: Option<serde_json::Value>,
}

/// Most requests being handled at the same moment.
pub fn max_concurrent(log: &[LoggedRequest]) -> usize {
    let mut edges: Vec<(Duration, i32)> = Vec::new();
    for r in log {
        edges.push((r.at, 1));
        edges.push((r.finished.unwrap_or(Duration::MAX), -1));
    }
    // Ends before starts at the same instant: back-to-back is not overlap.
    edges.sort();
    let (mut now, mut best) = (0i32, 0i32);
    for (_, d) in edges {
        now += d;
        best = best.max(now);
    }
    best as usize
}

/// Most requests that arrived within any `window`.
pub fn max_in_window(log: &[LoggedRequest], window: Duration) -> usize {
    let mut times: Vec<Duration> = log.iter().map(|r| r.at).collect();
    times.sort();
    let mut best = 0;
    let mut lo = 0;
    for hi in 0..times.len() {
        while times[hi] - times[lo] >= window {
            lo += 1;
        }
        best = best.max(hi - lo + 1);
    }
    best
}

/// Burst and daily counters for one token.
#[derive(Debug, Default)]
struct Window {
    accepted: VecDeque<Instant>,
    day_start: Option<Instant>,
    day_count: u32,
}

#[derive(Debug)]
struct RateState {
    limit: RateLimit,
    windows: HashMap<String, Window>,
}

const DAY: Duration = Duration::from_secs(24 * 3600);

impl RateState {
    fn window(&mut self, token: &str) -> &mut Window {
        let now = Instant::now();
        let interval = self.limit.interval;
        let w = self.windows.entry(token.to_string()).or_default();
        while w
            .accepted
            .front()
            .is_some_and(|t| now.duration_since(*t) >= interval)
        {
            w.accepted.pop_front();
        }
        if w.day_start.is_none_or(|d| now.duration_since(d) >= DAY) {
            w.day_start = Some(now);
            w.day_count = 0;
        }
        w
    }

    /// Counts the request if the limits allow it; fills the headers either way.
    fn admit(&mut self, token: &str, headers: &mut HeaderMap) -> bool {
        let (max, daily) = (self.limit.max as usize, self.limit.daily);
        let w = self.window(token);
        let allowed = w.accepted.len() < max && w.day_count < daily;
        if allowed {
            w.accepted.push_back(Instant::now());
            w.day_count += 1;
        }
        self.headers(token, headers);
        allowed
    }

    /// The five documented `X-RateLimit-*` headers, plus the daily reset.
    fn headers(&mut self, token: &str, headers: &mut HeaderMap) {
        let limit = self.limit.clone();
        let w = self.window(token);
        let remaining = (limit.max as usize).saturating_sub(w.accepted.len());
        let daily_remaining = limit.daily.saturating_sub(w.day_count);
        let reset = w
            .day_start
            .map(|d| DAY.saturating_sub(d.elapsed()))
            .unwrap_or(DAY);
        let pairs: [(&str, u64); 6] = [
            ("x-ratelimit-limit-daily", u64::from(limit.daily)),
            ("x-ratelimit-daily-remaining", u64::from(daily_remaining)),
            (
                "x-ratelimit-interval-milliseconds",
                u64::try_from(limit.interval.as_millis()).unwrap_or(u64::MAX),
            ),
            ("x-ratelimit-max", u64::from(limit.max)),
            ("x-ratelimit-remaining", remaining as u64),
            (
                "x-ratelimit-daily-reset",
                u64::try_from(reset.as_millis()).unwrap_or(u64::MAX),
            ),
        ];
        for (name, value) in pairs {
            headers.insert(name, HeaderValue::from(value));
        }
    }
}

struct Shared {
    config: SandboxConfig,
    oauth: Mutex<OAuthState>,
    store: Mutex<Store>,
    faults: Mutex<Faults>,
    rate: Mutex<RateState>,
    rng: Mutex<fastrand::Rng>,
    log: Mutex<Vec<LoggedRequest>>,
    started: Instant,
}

impl Shared {
    fn log_arrival(
        &self,
        method: &Method,
        path: &str,
        version: Option<String>,
        query: Option<String>,
    ) -> usize {
        let mut log = self.log.lock().unwrap_or_else(|p| p.into_inner());
        log.push(LoggedRequest {
            at: self.started.elapsed(),
            method: method.to_string(),
            path: path.to_string(),
            status: None,
            finished: None,
            version,
            query,
            body: None,
        });
        log.len() - 1
    }

    pub(crate) fn log_body(&self, index: usize, body: serde_json::Value) {
        let mut log = self.log.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(r) = log.get_mut(index) {
            r.body = Some(body);
        }
    }

    fn log_status(&self, index: usize, status: u16) {
        let mut log = self.log.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(r) = log.get_mut(index) {
            r.status = Some(status);
            r.finished = Some(self.started.elapsed());
        }
    }

    fn requests(&self) -> Vec<LoggedRequest> {
        self.log.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

/// A running sandbox. Dropping it stops the server.
pub struct Sandbox {
    addr: SocketAddr,
    shared: Arc<Shared>,
    server: tokio::task::JoinHandle<()>,
}

impl Sandbox {
    /// Seeds the data and starts serving on `addr` (port 0 picks a free one).
    /// Returns once the socket accepts connections.
    pub async fn start(config: SandboxConfig, addr: SocketAddr) -> std::io::Result<Sandbox> {
        let mut store = Store::seeded(&config.location_id, config.contacts, config.seed);
        store.page_depth = config.page_depth;
        let mut oauth = OAuthState::default();
        if let Some(o) = &config.oauth {
            oauth.refresh_tokens.insert(o.refresh_token.clone());
        }
        let shared = Arc::new(Shared {
            oauth: Mutex::new(oauth),
            store: Mutex::new(store),
            faults: Mutex::new(config.faults.clone()),
            rate: Mutex::new(RateState {
                limit: config.rate_limit.clone(),
                windows: HashMap::new(),
            }),
            rng: Mutex::new(fastrand::Rng::with_seed(config.seed.wrapping_add(99))),
            log: Mutex::new(Vec::new()),
            started: Instant::now(),
            config,
        });
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let app = http::router(shared.clone());
        let idle = shared.config.idle_timeout;
        let server = tokio::spawn(conn::serve(listener, app, idle));
        Ok(Sandbox {
            addr,
            shared,
            server,
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`, ready for `--base-url`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn config(&self) -> &SandboxConfig {
        &self.shared.config
    }

    pub fn faults(&self) -> Faults {
        self.shared
            .faults
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    pub fn set_faults(&self, faults: Faults) {
        *self.shared.faults.lock().unwrap_or_else(|p| p.into_inner()) = faults;
    }

    /// Every request so far, in arrival order.
    pub fn requests(&self) -> Vec<LoggedRequest> {
        self.shared.requests()
    }

    pub fn clear_requests(&self) {
        self.shared
            .log
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
    }

    /// Reads the server-side state (for tests: "is it really on the server?").
    pub fn with_store<R>(&self, f: impl FnOnce(&mut Store) -> R) -> R {
        f(&mut self.shared.store.lock().unwrap_or_else(|p| p.into_inner()))
    }

    /// How many times POST /oauth/token was called.
    pub fn oauth_token_calls(&self) -> usize {
        self.shared
            .oauth
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .token_calls
    }

    /// Whether an issued access token has authorized a request yet.
    pub fn oauth_token_used(&self, access_token: &str) -> bool {
        self.shared
            .oauth
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .used
            .contains(access_token)
    }

    /// Makes every issued access token expire now.
    pub fn expire_access_tokens(&self) {
        let mut o = self.shared.oauth.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        for t in o.access.values_mut() {
            *t = now;
        }
    }

    /// Serves until the task is aborted; for `rolo sandbox`.
    pub async fn wait(mut self) {
        let _ = (&mut self.server).await;
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        // Hung requests would make a graceful shutdown wait forever.
        self.server.abort();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_counting() {
        let at = |ms: u64| LoggedRequest {
            at: Duration::from_millis(ms),
            method: "GET".into(),
            path: "/".into(),
            status: Some(200),
            finished: Some(Duration::from_millis(ms + 50)),
            version: None,
            query: None,
            body: None,
        };
        let log: Vec<_> = [0, 100, 9_999, 10_000, 10_050, 25_000].map(at).to_vec();
        assert_eq!(max_in_window(&log, Duration::from_secs(10)), 4);
        assert_eq!(max_in_window(&[], Duration::from_secs(10)), 0);
        // 9_999..10_049 and 10_000..10_050 overlap with 10_050 only at its end.
        assert_eq!(max_concurrent(&log), 2);
    }
}
