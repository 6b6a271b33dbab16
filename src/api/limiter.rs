//! Client-side rate limiting: stay under HighLevel's burst limit (100
//! requests per 10 s per app per location) before the server has to say 429.
//!
//! Two inputs shape the budget:
//! - a sliding log of our own sends, capped by `RateConfig::max_requests`;
//! - the server's `X-RateLimit-Remaining`, which also counts requests other
//!   programs made with the same app on the same location. When the server
//!   reports less room than our own log suggests, the server wins.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::Duration;

use reqwest::header::HeaderMap;
use tokio::time::Instant;

use super::error::{ApiError, RateScope};

#[derive(Debug, Clone, PartialEq)]
pub struct RateConfig {
    /// Most requests sent in any `interval`. The server allows 100; the
    /// default keeps a little headroom because the server counts arrivals and
    /// we count departures, and network jitter can bunch them up.
    pub max_requests: u32,
    pub interval: Duration,
}

impl Default for RateConfig {
    fn default() -> Self {
        Self {
            max_requests: 95,
            interval: Duration::from_secs(10),
        }
    }
}

impl RateConfig {
    /// No client-side limit (for benchmarks against a sandbox without limits).
    pub fn unlimited() -> Self {
        Self {
            max_requests: u32::MAX,
            interval: Duration::from_secs(10),
        }
    }
}

/// What the status bar shows: the budget left, as the server last reported it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RateBudget {
    /// Requests left in the current burst window.
    pub remaining: Option<u32>,
    /// The burst window's size.
    pub max: Option<u32>,
    pub daily_remaining: Option<u32>,
    pub daily_limit: Option<u32>,
}

/// A send slot: when it was taken, so the server's answer to it can be
/// lined up against our own log.
#[derive(Debug, Clone, Copy)]
pub struct Permit {
    at: Instant,
}

#[derive(Debug)]
struct State {
    sent: VecDeque<Instant>,
    /// The server's word: at most this many sends in the window until `until`.
    server_cap: Option<(usize, Instant)>,
    /// Nothing is sent before this (after a 429).
    blocked_until: Option<Instant>,
    daily_blocked_until: Option<Instant>,
    budget: RateBudget,
}

#[derive(Debug)]
pub struct Limiter {
    config: RateConfig,
    state: Mutex<State>,
}

impl Limiter {
    pub fn new(config: RateConfig) -> Self {
        Self {
            config,
            state: Mutex::new(State {
                sent: VecDeque::new(),
                server_cap: None,
                blocked_until: None,
                daily_blocked_until: None,
                budget: RateBudget::default(),
            }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // A panic while holding this lock cannot leave the log inconsistent
        // in a harmful way, so a poisoned lock is simply reused.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Waits until a request may be sent and records it. Fails at once when
    /// the daily limit is exhausted, rather than waiting for hours.
    pub async fn acquire(&self) -> Result<Permit, ApiError> {
        loop {
            let wait = {
                let mut s = self.lock();
                let now = Instant::now();
                if let Some(until) = s.daily_blocked_until {
                    if until > now {
                        return Err(ApiError::RateLimited {
                            scope: RateScope::Daily,
                            retry_after: Some(until - now),
                        });
                    }
                    s.daily_blocked_until = None;
                }
                while s
                    .sent
                    .front()
                    .is_some_and(|t| now.duration_since(*t) >= self.config.interval)
                {
                    s.sent.pop_front();
                }
                let mut cap = self.config.max_requests as usize;
                match s.server_cap {
                    Some((server, until)) if until > now => cap = cap.min(server),
                    Some(_) => s.server_cap = None,
                    None => {}
                }
                let blocked = s.blocked_until.filter(|b| *b > now);
                if blocked.is_none() && s.sent.len() < cap {
                    s.sent.push_back(now);
                    return Ok(Permit { at: now });
                }
                let mut wake = blocked.unwrap_or(now);
                if s.sent.len() >= cap {
                    // The oldest send that must expire before there is room.
                    let idx = s.sent.len() - cap.max(1).min(s.sent.len());
                    let expiry = s
                        .sent
                        .get(idx)
                        .map(|t| *t + self.config.interval)
                        .unwrap_or(now);
                    // With a server cap of zero and nothing of ours in the
                    // log, wait for the server's window to pass instead.
                    let expiry = match (cap, s.server_cap) {
                        (0, Some((_, until))) => until,
                        _ => expiry,
                    };
                    wake = wake.max(expiry);
                }
                wake.saturating_duration_since(now)
                    .max(Duration::from_millis(1))
            };
            tokio::time::sleep(wait).await;
        }
    }

    /// Reads the `X-RateLimit-*` headers of the answer to `permit`.
    pub fn observe(&self, permit: Permit, headers: &HeaderMap) {
        let num = |name: &str| -> Option<u64> {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u64>().ok())
        };
        let remaining = num("x-ratelimit-remaining");
        let max = num("x-ratelimit-max");
        let interval = num("x-ratelimit-interval-milliseconds").map(Duration::from_millis);
        let daily_remaining = num("x-ratelimit-daily-remaining");
        let daily_limit = num("x-ratelimit-limit-daily");
        let daily_reset = num("x-ratelimit-daily-reset").map(Duration::from_millis);

        let mut s = self.lock();
        let now = Instant::now();
        let to_u32 = |v: u64| u32::try_from(v).unwrap_or(u32::MAX);
        s.budget = RateBudget {
            remaining: remaining.map(to_u32).or(s.budget.remaining),
            max: max.map(to_u32).or(s.budget.max),
            daily_remaining: daily_remaining.map(to_u32).or(s.budget.daily_remaining),
            daily_limit: daily_limit.map(to_u32).or(s.budget.daily_limit),
        };
        if let Some(remaining) = remaining {
            // Sends up to and including this one are already counted by the
            // server; those after it are not yet.
            let counted = s.sent.iter().filter(|t| **t <= permit.at).count();
            let window = interval.unwrap_or(self.config.interval);
            let cap = counted.saturating_add(usize::try_from(remaining).unwrap_or(usize::MAX));
            s.server_cap = Some((cap, now + window));
        }
        if daily_remaining == Some(0) {
            let reset = daily_reset.unwrap_or(Duration::from_secs(60));
            s.daily_blocked_until = Some(now + reset);
        }
    }

    /// After a 429: send nothing for `pause`.
    pub fn pause(&self, pause: Duration) {
        let mut s = self.lock();
        let until = Instant::now() + pause;
        s.blocked_until = Some(s.blocked_until.map_or(until, |b| b.max(until)));
    }

    pub fn budget(&self) -> RateBudget {
        self.lock().budget
    }

    /// Whether the server said the daily budget is spent.
    pub fn daily_exhausted(&self) -> bool {
        self.lock().budget.daily_remaining == Some(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    #[tokio::test(start_paused = true)]
    async fn never_more_than_max_in_any_window() {
        let l = Limiter::new(RateConfig {
            max_requests: 5,
            interval: Duration::from_secs(10),
        });
        let start = Instant::now();
        let mut times = Vec::new();
        for _ in 0..12 {
            l.acquire().await.unwrap();
            times.push(Instant::now() - start);
        }
        for (i, t) in times.iter().enumerate() {
            let in_window = times
                .iter()
                .skip(i)
                .filter(|u| **u - *t < Duration::from_secs(10))
                .count();
            assert!(in_window <= 5, "{in_window} sends in a window at {t:?}");
        }
        // 12 sends at 5 per 10 s need two full windows of waiting.
        assert_eq!(times[11], Duration::from_secs(20));
    }

    #[tokio::test(start_paused = true)]
    async fn server_remaining_slows_us_down() {
        let l = Limiter::new(RateConfig::default());
        let p = l.acquire().await.unwrap();
        let mut h = HeaderMap::new();
        h.insert("x-ratelimit-remaining", HeaderValue::from_static("1"));
        h.insert("x-ratelimit-max", HeaderValue::from_static("100"));
        h.insert(
            "x-ratelimit-interval-milliseconds",
            HeaderValue::from_static("10000"),
        );
        l.observe(p, &h);
        let start = Instant::now();
        l.acquire().await.unwrap(); // the one request the server still allows
        assert_eq!(Instant::now(), start);
        l.acquire().await.unwrap(); // must wait for the window to roll
        assert!(Instant::now() - start >= Duration::from_secs(9));
        assert_eq!(l.budget().remaining, Some(1));
    }

    #[tokio::test(start_paused = true)]
    async fn daily_exhaustion_fails_fast() {
        let l = Limiter::new(RateConfig::default());
        let p = l.acquire().await.unwrap();
        let mut h = HeaderMap::new();
        h.insert("x-ratelimit-daily-remaining", HeaderValue::from_static("0"));
        h.insert(
            "x-ratelimit-daily-reset",
            HeaderValue::from_static("3600000"),
        );
        l.observe(p, &h);
        match l.acquire().await {
            Err(ApiError::RateLimited {
                scope: RateScope::Daily,
                retry_after: Some(d),
            }) => assert!(d > Duration::from_secs(3500)),
            other => panic!("expected a daily rate limit, got {other:?}"),
        }
    }

    #[tokio::test(start_paused = true)]
    async fn pause_blocks_sends() {
        let l = Limiter::new(RateConfig::default());
        l.pause(Duration::from_secs(3));
        let start = Instant::now();
        l.acquire().await.unwrap();
        assert_eq!(Instant::now() - start, Duration::from_secs(3));
    }
}
