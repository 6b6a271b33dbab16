//! One async fn per HighLevel v2 endpoint rolo uses, over reqwest + rustls.
//!
//! Every request carries `Authorization: Bearer`, the `Version` header of its
//! spec file and `Accept: application/json`. The shared [`Client::call`]
//! applies the rate limiter, the retry policy and the error mapping, so the
//! endpoint functions only say what to send and what comes back.

use std::sync::Arc;
use std::time::Duration;

use reqwest::header::{ACCEPT, AUTHORIZATION, HeaderMap, HeaderValue, RETRY_AFTER};
use reqwest::{StatusCode, Url};
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::error::{ApiError, RateScope};
use super::limiter::{Limiter, RateBudget, RateConfig, WaitReason, Waiting};
use super::model::*;
use super::token::Token;

/// The real service.
pub const DEFAULT_BASE_URL: &str = "https://services.leadconnectorhq.com";
/// `Version` for contacts.json and locations.json.

#[derive(Debug, Clone)]
pub struct RetryPolicy {
    /// Retries after the first attempt.
    pub max_retries: u32,
    pub base_delay: Duration,
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_retries: 5,
            base_delay: Duration::from_millis(250),
            max_delay: Duration::from_secs(30),
        }
    }
}

impl RetryPolicy {
    /// Full-jitter exponential backoff: uniform in [0, min(max, base * 2^n)].
    fn backoff(&self, attempt: u32) -> Duration {
        let ceiling = self
            .base_delay
            .saturating_mul(1u32 << attempt.min(16))
            .min(self.max_delay);
        let ms = u64::try_from(ceiling.as_millis()).unwrap_or(u64::MAX);
        Duration::from_millis(fastrand::u64(ms / 2..=ms.max(1)))
    }
}

#[derive(Debug, Clone)]
pub struct ClientConfig {
    pub base_url: String,
    pub location_id: String,
    pub token: Token,
    pub rate: RateConfig,
    pub retry: RetryPolicy,
    /// Per attempt, from connect to the last byte of the body.
    pub timeout: Duration,
    /// OAuth tokens that renew themselves; `token` is then unused.
    pub oauth: Option<super::oauth::OAuthConfig>,
}

impl ClientConfig {
    pub fn new(base_url: impl Into<String>, location_id: impl Into<String>, token: Token) -> Self {
        Self {
            base_url: base_url.into(),
            location_id: location_id.into(),
            token,
            rate: RateConfig::default(),
            retry: RetryPolicy::default(),
            timeout: Duration::from_secs(30),
            oauth: None,
        }
    }
}

/// When a failed attempt may be sent again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Replay {
    /// GET, PUT, DELETE, tag add/remove and the search POSTs: repeating them
    /// changes nothing.
    Idempotent,
    /// A POST that creates something: sent again only when the server cannot
    /// have processed it (429, or the connection never opened).
    OnlyIfUnprocessed,
}

/// What rolo knows about an endpoint: its spec operationId, method, scope,
/// and the `Version` of the service it belongs to.
#[derive(Debug)]
pub(super) struct Endpoint {
    pub(super) name: &'static str,
    pub(super) method: reqwest::Method,
    pub(super) scope: &'static str,
    pub(super) replay: Replay,
    pub(super) version: &'static str,
}

/// An endpoint of a service module: `endpoint!(IDENT, "operation-id",
/// METHOD, "scope", Replay, VERSION)`.
macro_rules! endpoint {
    ($ident:ident, $name:literal, $method:ident, $scope:literal, $replay:ident, $version:expr) => {
        pub(super) const $ident: crate::api::client::Endpoint = crate::api::client::Endpoint {
            name: $name,
            method: reqwest::Method::$method,
            scope: $scope,
            replay: crate::api::client::Replay::$replay,
            version: $version,
        };
    };
}
pub(super) use endpoint;

/// A HighLevel API client for one location. Cheap to clone.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
    /// Tries after the first, when not the configured number.
    retries: Option<u32>,
}

struct Inner {
    http: reqwest::Client,
    base: Url,
    host: String,
    location_id: String,
    auth: HeaderValue,
    oauth: Option<super::oauth::OAuthState>,
    limiter: Limiter,
    retry: RetryPolicy,
    timeout: Duration,
    /// Told of each wait before a retry (the shell prints it on stderr).
    on_retry: std::sync::OnceLock<RetryHook>,
}

type RetryHook = Box<dyn Fn(&str) + Send + Sync>;

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("base", &self.inner.base.as_str())
            .field("location_id", &self.inner.location_id)
            .field("token", &"<redacted>")
            .finish()
    }
}

/// rustls needs one process-wide crypto provider; rolo links ring.
pub fn ensure_crypto_provider() {
    // Err means a provider is already installed, which is all we need.
    let _ = rustls::crypto::ring::default_provider().install_default();
}

impl Client {
    pub fn new(config: ClientConfig) -> Result<Self, ApiError> {
        ensure_crypto_provider();
        let base = Url::parse(config.base_url.trim_end_matches('/')).map_err(|e| {
            ApiError::InvalidRequest(format!("base URL {:?}: {e}", config.base_url))
        })?;
        if base.cannot_be_a_base() || !matches!(base.scheme(), "http" | "https") {
            return Err(ApiError::InvalidRequest(format!(
                "base URL {:?} must be an http(s) URL",
                config.base_url
            )));
        }
        if config.token.is_empty() && config.oauth.is_none() {
            return Err(ApiError::InvalidRequest(
                "no API token: set ROLO_TOKEN or run `rolo auth login`".into(),
            ));
        }
        let host = base.host_str().unwrap_or("?").to_string();
        if base.scheme() != "https" && !is_loopback(&host) {
            return Err(ApiError::InvalidRequest(format!(
                "refusing plain http to {host}: the token would cross the network unencrypted (use https)"
            )));
        }
        let mut auth = HeaderValue::from_str(&format!("Bearer {}", config.token.expose()))
            .map_err(|_| {
                ApiError::InvalidRequest(
                    "the token contains characters a header cannot carry".into(),
                )
            })?;
        auth.set_sensitive(true);
        let http = reqwest::Client::builder()
            .user_agent(concat!("rolo/", env!("CARGO_PKG_VERSION")))
            // HighLevel's API does not redirect; following one could send
            // the token, a search or an OAuth secret to another host.
            .redirect(reqwest::redirect::Policy::none())
            // Every request, the OAuth renewal included, ends in time.
            .timeout(config.timeout)
            .connect_timeout(Duration::from_secs(10))
            // A connection idle longer than servers keep one open (the
            // sandbox's 10 s; load balancers' often more) is not reused: a
            // request on one the server just closed fails mid-way. Waits for
            // the rate limit leave connections idle that long.
            .pool_idle_timeout(Duration::from_secs(5))
            .build()
            .map_err(|e| ApiError::InvalidRequest(format!("HTTP client: {e}")))?;
        Ok(Self {
            inner: Arc::new(Inner {
                http,
                base,
                host,
                location_id: config.location_id,
                auth,
                oauth: config.oauth.map(super::oauth::OAuthState::new),
                limiter: Limiter::new(config.rate),
                retry: config.retry,
                timeout: config.timeout,
                on_retry: std::sync::OnceLock::new(),
            }),
            retries: None,
        })
    }

    /// Has `f` told, in words, of every wait before a retry: "HighLevel is
    /// rate-limiting; retrying in 30 s, attempt 2 of 5". Set once.
    pub fn notify_retries(&self, f: impl Fn(&str) + Send + Sync + 'static) {
        let _ = self.inner.on_retry.set(Box::new(f));
    }

    fn retrying(&self, why: &str, wait: Duration, attempt: u32) {
        if let Some(f) = self.inner.on_retry.get() {
            f(&format!(
                "{}; retrying in {}, attempt {} of {}",
                crate::text::sanitize(why),
                super::error::human_duration(wait),
                attempt + 2,
                self.max_retries() + 1
            ));
        }
    }

    /// The same client (limiter, token and all) that makes one try per
    /// call: for a caller with a backoff of its own, such as the outbox, so
    /// that the two do not multiply.
    pub fn without_retries(&self) -> Client {
        Client {
            inner: self.inner.clone(),
            retries: Some(0),
        }
    }

    fn max_retries(&self) -> u32 {
        self.retries.unwrap_or(self.inner.retry.max_retries)
    }

    pub fn location_id(&self) -> &str {
        &self.inner.location_id
    }

    pub fn budget(&self) -> RateBudget {
        self.inner.limiter.budget()
    }

    /// The longest wait for a rate limit or a retry now in progress.
    pub fn waiting(&self) -> Option<Waiting> {
        self.inner.limiter.waiting()
    }

    /// How long the limiter holds every request back now, if at all.
    pub fn held_back(&self) -> Option<Duration> {
        self.inner.limiter.held_back()
    }

    /// Gives up every wait in progress (see [`Limiter::cancel_waits`]).
    pub fn cancel_waits(&self) -> usize {
        self.inner.limiter.cancel_waits()
    }

    /// `base` + one path segment per element, each percent-encoded, so an id
    /// from anywhere cannot change the path.
    pub(super) fn url(&self, segments: &[&str]) -> Url {
        let mut url = self.inner.base.clone();
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty();
            // "." and ".." would be resolved away as dot-segments.
            path.extend(segments.iter().map(|s| match *s {
                "." => "%2E",
                ".." => "%2E%2E",
                s => s,
            }));
        }
        url
    }

    pub(super) async fn call<T: DeserializeOwned>(
        &self,
        ep: &'static Endpoint,
        url: Url,
        query: &[(&str, String)],
        body: Option<Value>,
        what: &(dyn Fn() -> String + Sync),
    ) -> Result<T, ApiError> {
        self.send(ep, url, query, body, what).await.map_err(|e| {
            let (auth, _) = self.auth_header();
            let token = auth
                .to_str()
                .unwrap_or("")
                .trim_start_matches("Bearer ")
                .to_string();
            e.redact(&token)
        })
    }

    async fn send<T: DeserializeOwned>(
        &self,
        ep: &'static Endpoint,
        url: Url,
        query: &[(&str, String)],
        body: Option<Value>,
        what: &(dyn Fn() -> String + Sync),
    ) -> Result<T, ApiError> {
        let inner = &self.inner;
        let mut attempt: u32 = 0;
        // At most one OAuth refresh per call, ahead of expiry or after a 401.
        let mut refreshed = false;
        loop {
            let (auth, generation) = self.auth_header();
            if let Some(o) = &inner.oauth
                && !refreshed
                && o.expires_soon()
            {
                refreshed = true;
                o.refresh(&inner.http, self.url(&["oauth", "token"]), generation)
                    .await?;
                continue;
            }
            let permit = inner.limiter.acquire().await?;
            let mut req = inner
                .http
                .request(ep.method.clone(), url.clone())
                .header(AUTHORIZATION, auth)
                .header("Version", ep.version)
                .header(ACCEPT, "application/json")
                .timeout(inner.timeout);
            if !query.is_empty() {
                req = req.query(query);
            }
            if let Some(b) = &body {
                req = req.json(b);
            }
            tracing::debug!(endpoint = ep.name, attempt, "sending");
            let can_retry = attempt < self.max_retries();
            let resp = match req.send().await {
                Ok(r) => r,
                Err(e) => {
                    inner.limiter.release(permit);
                    let unprocessed = e.is_connect();
                    let err = self.transport_error(&e);
                    if can_retry
                        && !e.is_timeout()
                        && (ep.replay == Replay::Idempotent || unprocessed)
                    {
                        let wait = inner.retry.backoff(attempt);
                        tracing::warn!(endpoint = ep.name, attempt, ?wait, error = %err, "retrying");
                        self.retrying(&format!("cannot reach {}", inner.host), wait, attempt);
                        inner.limiter.sleep(wait, WaitReason::Retry).await?;
                        attempt += 1;
                        continue;
                    }
                    return Err(err);
                }
            };
            inner.limiter.observe(permit, resp.headers());
            let status = resp.status();
            let retry_after = parse_retry_after(resp.headers());
            let daily = resp
                .headers()
                .get("x-ratelimit-daily-remaining")
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.trim() == "0");
            if status.is_redirection() {
                return Err(redirected(ep.name, &resp));
            }
            let bytes = match read_capped(resp, MAX_BODY).await {
                Ok(b) => b,
                Err(None) => {
                    return Err(ApiError::TooLarge {
                        endpoint: ep.name,
                        limit: MAX_BODY,
                    });
                }
                Err(Some(e)) => {
                    let err = self.transport_error(&e);
                    if can_retry && ep.replay == Replay::Idempotent && !e.is_timeout() {
                        inner
                            .limiter
                            .sleep(inner.retry.backoff(attempt), WaitReason::Retry)
                            .await?;
                        attempt += 1;
                        continue;
                    }
                    return Err(err);
                }
            };

            if status.is_success() {
                return decode(ep, &bytes);
            }
            if status == StatusCode::TOO_MANY_REQUESTS {
                let scope = if daily {
                    RateScope::Daily
                } else {
                    RateScope::Burst
                };
                // A 429 was refused before any processing, so even a create
                // may be sent again.
                if scope == RateScope::Burst && can_retry {
                    self.retrying(
                        "HighLevel is rate-limiting",
                        retry_after.unwrap_or_else(|| inner.retry.backoff(attempt)),
                        attempt,
                    );
                    match retry_after {
                        Some(wait) => inner.limiter.retry_after(wait),
                        // The headers said the window is spent; the limiter
                        // waits for it, and the backoff spreads retries.
                        None => inner.limiter.pause(inner.retry.backoff(attempt)),
                    }
                    tracing::warn!(
                        endpoint = ep.name,
                        attempt,
                        ?retry_after,
                        "429, backing off"
                    );
                    attempt += 1;
                    continue;
                }
                return Err(ApiError::RateLimited { scope, retry_after });
            }
            if matches!(status.as_u16(), 502..=504) && ep.replay == Replay::Idempotent && can_retry
            {
                let wait = retry_after.unwrap_or_else(|| inner.retry.backoff(attempt));
                tracing::warn!(endpoint = ep.name, %status, attempt, ?wait, "retrying");
                self.retrying(
                    &format!("HighLevel answered {}", status.as_u16()),
                    wait,
                    attempt,
                );
                inner.limiter.sleep(wait, WaitReason::Retry).await?;
                attempt += 1;
                continue;
            }
            let err = error_from_status(ep, status, &bytes, what);
            if let (Some(o), ApiError::Unauthorized { .. }, false) = (&inner.oauth, &err, refreshed)
            {
                // Expired or revoked: renew once (or wait for the renewal
                // another request started) and send it again.
                refreshed = true;
                o.refresh(&inner.http, self.url(&["oauth", "token"]), generation)
                    .await?;
                continue;
            }
            return Err(err);
        }
    }

    /// The `Authorization` value to send now, and its OAuth generation.
    fn auth_header(&self) -> (HeaderValue, u64) {
        match &self.inner.oauth {
            None => (self.inner.auth.clone(), 0),
            Some(o) => {
                let (token, generation) = o.current();
                let mut h = HeaderValue::from_str(&format!("Bearer {}", token.expose()))
                    .unwrap_or_else(|_| self.inner.auth.clone());
                h.set_sensitive(true);
                (h, generation)
            }
        }
    }

    fn transport_error(&self, e: &reqwest::Error) -> ApiError {
        if e.is_timeout() {
            return ApiError::Timeout {
                host: self.inner.host.clone(),
                after: self.inner.timeout,
            };
        }
        // The innermost cause says the most ("connection refused").
        let mut cause = e.to_string();
        let mut src = std::error::Error::source(e);
        while let Some(s) = src {
            cause = s.to_string();
            src = s.source();
        }
        ApiError::Network {
            host: self.inner.host.clone(),
            cause: crate::text::snippet(&cause, 200),
            opened: !e.is_connect(),
        }
    }

    pub(super) fn location_query(&self) -> (&'static str, String) {
        ("locationId", self.inner.location_id.clone())
    }

    /// GET a location's list (`{key: [..]}` for `?locationId=`, and
    /// `extra` query): the items that read as `T`; one that does not is
    /// left out (and logged), never the whole answer.
    pub(super) async fn location_list<T: DeserializeOwned>(
        &self,
        ep: &'static Endpoint,
        path: &[&str],
        key: &str,
        extra: &[(&str, String)],
    ) -> Result<Vec<T>, ApiError> {
        let loc = self.location_id().to_string();
        let mut query = vec![self.location_query()];
        query.extend(extra.iter().cloned());
        // Not an object at all: a decode error, not an empty list.
        let r: serde_json::Map<String, Value> = self
            .call(ep, self.url(path), &query, None, &|| {
                format!("the {key} of location {loc}")
            })
            .await?;
        Ok(read_list(r.get(key), key))
    }
}

/// The items of an answer's list that read as `T`; one that does not is
/// logged and left out (one odd item never hides the rest).
pub(super) fn read_list<T: DeserializeOwned>(v: Option<&Value>, what: &str) -> Vec<T> {
    v.and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|x| match serde_json::from_value::<T>(x.clone()) {
            Ok(t) => Some(t),
            Err(e) => {
                tracing::warn!("one of the {what} is not as the spec says: {e}");
                None
            }
        })
        .collect()
}

/// `{succeded: true}` (sic, as the v2 spec spells it); v3 sends `succeeded`.
#[derive(serde::Deserialize)]
pub(super) struct Succeeded {
    #[serde(default)]
    succeded: Option<bool>,
    #[serde(default)]
    succeeded: Option<bool>,
}

impl Succeeded {
    pub(super) fn check(&self, ep: &'static Endpoint) -> Result<(), ApiError> {
        match self.succeded.or(self.succeeded) {
            Some(false) => Err(ApiError::Server {
                status: 200,
                message: format!("{} answered that it did not succeed", ep.name),
            }),
            _ => Ok(()),
        }
    }
}

fn is_loopback(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// The most of one answer rolo reads: far above any real page (500
/// contacts are about 1 MiB), a bound on an endless or broken body.
pub const MAX_BODY: u64 = 32 * 1024 * 1024;

/// Reads a body up to `cap` bytes: `Err(None)` past it.
pub(crate) async fn read_capped(
    mut resp: reqwest::Response,
    cap: u64,
) -> Result<Vec<u8>, Option<reqwest::Error>> {
    if resp.content_length().is_some_and(|n| n > cap) {
        return Err(None);
    }
    let mut out = Vec::new();
    while let Some(chunk) = resp.chunk().await.map_err(Some)? {
        if out.len() as u64 + chunk.len() as u64 > cap {
            return Err(None);
        }
        out.extend_from_slice(&chunk);
    }
    Ok(out)
}

pub(crate) fn redirected(endpoint: &'static str, resp: &reqwest::Response) -> ApiError {
    let location = resp
        .headers()
        .get(reqwest::header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .map(|l| crate::text::snippet(l, 120))
        .unwrap_or_else(|| "nowhere given".into());
    ApiError::Redirected {
        endpoint,
        status: resp.status().as_u16(),
        location,
    }
}

fn parse_retry_after(h: &HeaderMap) -> Option<Duration> {
    let v = h.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(secs) = v.parse::<f64>() {
        return (secs.is_finite() && secs >= 0.0)
            .then(|| Duration::from_secs_f64(secs.min(super::limiter::MAX_PAUSE.as_secs_f64())));
    }
    let when = chrono::DateTime::parse_from_rfc2822(v).ok()?;
    let delta = when.with_timezone(&chrono::Utc) - chrono::Utc::now();
    Some(
        delta
            .to_std()
            .unwrap_or(Duration::ZERO)
            .min(super::limiter::MAX_PAUSE),
    )
}

fn decode<T: DeserializeOwned>(ep: &'static Endpoint, bytes: &[u8]) -> Result<T, ApiError> {
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        ApiError::Decode {
            endpoint: ep.name,
            path: if path.is_empty() { ".".into() } else { path },
            cause: inner.to_string(),
            snippet: crate::text::snippet(&String::from_utf8_lossy(bytes), 120),
        }
    })
}

fn error_from_status(
    ep: &'static Endpoint,
    status: StatusCode,
    bytes: &[u8],
    what: &(dyn Fn() -> String + Sync),
) -> ApiError {
    let messages: Vec<String> = match serde_json::from_slice::<ErrorBody>(bytes) {
        Ok(b) => b.messages(),
        Err(_) => Vec::new(),
    };
    let messages = if messages.is_empty() {
        let text = String::from_utf8_lossy(bytes);
        if text.trim().is_empty() {
            vec![
                status
                    .canonical_reason()
                    .unwrap_or("no message")
                    .to_string(),
            ]
        } else {
            vec![crate::text::snippet(text.trim(), 200)]
        }
    } else {
        messages
    };
    let joined = messages.join("; ");
    match status.as_u16() {
        401 if joined.to_lowercase().contains("scope") => ApiError::MissingScope {
            scope: ep.scope,
            endpoint: ep.name,
            message: joined,
        },
        401 => ApiError::Unauthorized { message: joined },
        403 => ApiError::Forbidden {
            scope: ep.scope,
            message: joined,
        },
        404 => ApiError::NotFound {
            what: what(),
            message: joined,
        },
        // The services whose spec declares no 404 say it with a 400
        // ("Opportunity not found"); elsewhere a 400 stays a refusal.
        400 if (ep.scope.starts_with("opportunities") || ep.scope.starts_with("calendars"))
            && messages.len() == 1
            && joined.trim().to_lowercase().ends_with("not found") =>
        {
            ApiError::NotFound {
                what: what(),
                message: joined,
            }
        }
        400 | 422 => ApiError::Validation {
            status: status.as_u16(),
            messages,
        },
        s if s >= 500 => ApiError::Server {
            status: s,
            message: joined,
        },
        s => ApiError::UnexpectedStatus {
            status: s,
            endpoint: ep.name,
            message: joined,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::contacts::{CREATE_TASK, GET_CONTACT};

    #[test]
    fn backoff_is_bounded_and_grows() {
        let p = RetryPolicy::default();
        for attempt in 0..20 {
            assert!(p.backoff(attempt) <= p.max_delay);
        }
        assert!(p.backoff(0) <= Duration::from_millis(250));
    }

    #[test]
    fn retry_after_seconds_and_dates() {
        let mut h = HeaderMap::new();
        h.insert(RETRY_AFTER, HeaderValue::from_static("3"));
        assert_eq!(parse_retry_after(&h), Some(Duration::from_secs(3)));
        h.insert(
            RETRY_AFTER,
            HeaderValue::from_static("Wed, 21 Oct 2015 07:28:00 GMT"),
        );
        assert_eq!(parse_retry_after(&h), Some(Duration::ZERO));
        h.insert(RETRY_AFTER, HeaderValue::from_static("soon"));
        assert_eq!(parse_retry_after(&h), None);
    }

    #[test]
    fn ids_cannot_escape_their_path_segment() {
        let c = Client::new(ClientConfig::new(
            "http://127.0.0.1:1",
            "loc",
            Token::new("t0k3n-abcdefgh"),
        ))
        .unwrap();
        let u = c.url(&["contacts", "../locations/x?y=1#z", "tasks"]);
        assert_eq!(u.path(), "/contacts/..%2Flocations%2Fx%3Fy=1%23z/tasks");
        assert_eq!(c.url(&["contacts", ""]).path(), "/contacts/");
        // A bare ".." would climb out of /contacts; it stays a (nonexistent) id.
        assert_eq!(c.url(&["contacts", ".."]).path(), "/contacts/%252E%252E");
        assert!(!format!("{c:?}").contains("t0k3n"));
        let insecure = Client::new(ClientConfig::new(
            "http://crm.example.com",
            "l",
            Token::new("tokentoken"),
        ));
        assert!(matches!(insecure, Err(ApiError::InvalidRequest(m)) if m.contains("https")));
        assert!(
            Client::new(ClientConfig::new(
                "http://[::1]:8080",
                "l",
                Token::new("tokentoken")
            ))
            .is_ok()
        );
    }

    #[test]
    fn status_mapping() {
        let what = || "contact c1".to_string();
        let e = error_from_status(
            &CREATE_TASK,
            StatusCode::UNAUTHORIZED,
            br#"{"statusCode":401,"message":"The token is not authorized for this scope.","error":"Unauthorized"}"#,
            &what,
        );
        assert!(
            matches!(
                e,
                ApiError::MissingScope {
                    scope: "contacts.write",
                    ..
                }
            ),
            "{e:?}"
        );
        let e = error_from_status(&GET_CONTACT, StatusCode::NOT_FOUND, b"", &what);
        assert!(e.to_string().contains("contact c1"));
        let e = error_from_status(
            &GET_CONTACT,
            StatusCode::BAD_GATEWAY,
            b"<html>\x1b[31m</html>",
            &what,
        );
        assert!(!e.to_string().contains('\x1b'));
    }
}
