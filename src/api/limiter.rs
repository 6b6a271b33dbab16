//! Client-side rate limiting: stay under HighLevel's burst limit (100
//! requests per 10 s per app per location) before the server has to say 429.
//!
//! Two inputs shape the budget:
//! - a sliding log of our own sends, capped by `RateConfig::max_requests`;
//! - the server's `X-RateLimit-Remaining`, which also counts requests other
//!   programs made with the same app on the same location. When the server
//!   reports less room than our own log suggests, the server wins.

use std::collections::{BTreeMap, HashSet, VecDeque};
use std::sync::Mutex;
use std::time::Duration;

use reqwest::header::HeaderMap;
use tokio::time::Instant;

use super::error::{ApiError, CancelReason, RateScope};

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

/// Why requests are held back, for the status bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum WaitReason {
    /// A retry after a failure (5xx, a dropped connection).
    Retry,
    /// HighLevel's rate limit: a 429, `Retry-After`, or a spent window.
    RateLimit,
}

/// The longest wait in progress: what the user may cancel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Waiting {
    pub reason: WaitReason,
    /// Time left until the longest wait ends.
    pub left: Duration,
    /// Requests held back now.
    pub requests: usize,
}

/// A send slot. Hand it back with [`Limiter::observe`] when the answer
/// arrives, or [`Limiter::release`] when none will.
#[derive(Debug)]
#[must_use = "a permit must be observed or released"]
pub struct Permit {
    seq: u64,
}

#[derive(Debug)]
struct State {
    /// Sends still waiting for an answer: they may be counted by the server
    /// at any moment, so they hold their place in the window until answered.
    in_flight: HashSet<u64>,
    /// When each answered send got its answer, oldest first (answers are
    /// recorded as they happen, so this stays sorted). That is the latest
    /// moment the server can have counted it, so a send is forgotten one
    /// window after its answer.
    done: VecDeque<Instant>,
    next_seq: u64,
    /// The server's word: at most this many of ours in the window until `until`.
    server_cap: Option<(usize, Instant)>,
    /// Nothing is sent before this (after a 429).
    blocked_until: Option<Instant>,
    daily_blocked_until: Option<Instant>,
    budget: RateBudget,
    /// The burst window: the server's `X-RateLimit-Interval-Milliseconds`
    /// once seen, the configured one before.
    interval: Duration,
    /// Waits in progress, by ticket: why, and until when.
    waits: BTreeMap<u64, (WaitReason, Instant)>,
    next_wait: u64,
}

impl State {
    fn prune(&mut self, now: Instant) {
        while self
            .done
            .front()
            .is_some_and(|d| now.duration_since(*d) >= self.interval)
        {
            self.done.pop_front();
        }
    }

    fn in_window(&self) -> usize {
        self.in_flight.len() + self.done.len()
    }

    fn finish(&mut self, seq: u64, now: Instant) {
        if self.in_flight.remove(&seq) {
            self.done.push_back(now);
        }
    }
}

#[derive(Debug)]
pub struct Limiter {
    config: RateConfig,
    state: Mutex<State>,
    /// Bumped when the user cancels: every wait begun before gives up.
    cancel: tokio::sync::watch::Sender<u64>,
}

/// Removes a wait from the table however it ends.
struct WaitTicket<'a> {
    limiter: &'a Limiter,
    id: u64,
}

impl Drop for WaitTicket<'_> {
    fn drop(&mut self) {
        self.limiter.lock().waits.remove(&self.id);
    }
}

/// The longest burst window believed from a server's
/// `X-RateLimit-Interval-Milliseconds` (HighLevel's is 10 s), and the
/// shortest: a lying header must not stall every request, nor lift the limit.
pub const MAX_INTERVAL: Duration = Duration::from_secs(60);
pub const MIN_INTERVAL: Duration = Duration::from_secs(1);
/// The longest pause a `Retry-After` or 429 may impose at once.
pub const MAX_PAUSE: Duration = Duration::from_secs(60);
/// The longest daily-limit reset believed.
pub const MAX_DAILY_RESET: Duration = Duration::from_secs(24 * 3600);

/// How long to look again when only in-flight requests fill the window.
const POLL: Duration = Duration::from_millis(20);

impl Limiter {
    pub fn new(config: RateConfig) -> Self {
        Self {
            state: Mutex::new(State {
                in_flight: HashSet::new(),
                done: VecDeque::new(),
                next_seq: 0,
                server_cap: None,
                blocked_until: None,
                daily_blocked_until: None,
                budget: RateBudget::default(),
                interval: config.interval,
                waits: BTreeMap::new(),
                next_wait: 0,
            }),
            config,
            cancel: tokio::sync::watch::Sender::new(0),
        }
    }

    /// Sleeps for `wait`, shown to the user as a wait for `reason` (when it
    /// is long enough to notice) and given up when the user cancels it.
    pub async fn sleep(&self, wait: Duration, reason: WaitReason) -> Result<(), ApiError> {
        let mut cancelled = self.cancel.subscribe();
        cancelled.mark_unchanged();
        let ticket = {
            let mut s = self.lock();
            let id = s.next_wait;
            s.next_wait += 1;
            s.waits.insert(id, (reason, Instant::now() + wait));
            WaitTicket { limiter: self, id }
        };
        let outcome = tokio::select! {
            _ = tokio::time::sleep(wait) => Ok(()),
            _ = cancelled.changed() => Err(ApiError::Cancelled { reason: CancelReason::ByUser }),
        };
        drop(ticket);
        outcome
    }

    /// The longest wait in progress that a person would notice (a second
    /// or more), or `None`.
    pub fn waiting(&self) -> Option<Waiting> {
        let s = self.lock();
        let now = Instant::now();
        let requests = s.waits.values().filter(|(_, until)| *until > now).count();
        let (reason, until) = s
            .waits
            .values()
            .filter(|(_, until)| *until > now)
            .max_by_key(|(reason, until)| (*until, *reason))?;
        let left = *until - now;
        (left >= Duration::from_secs(1)).then_some(Waiting {
            reason: *reason,
            left,
            requests,
        })
    }

    /// How long from now nothing may be sent (after a 429 or
    /// `Retry-After`), if at all.
    pub fn held_back(&self) -> Option<Duration> {
        let s = self.lock();
        let now = Instant::now();
        s.blocked_until.filter(|b| *b > now).map(|b| b - now)
    }

    /// Gives up every wait in progress: those requests fail with
    /// `Cancelled { ByUser }`. Returns how many were waiting. The limit
    /// itself still holds for requests made afterwards.
    pub fn cancel_waits(&self) -> usize {
        let n = self.waiting().map_or(0, |w| w.requests);
        self.cancel.send_modify(|g| *g = g.wrapping_add(1));
        n
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
                s.prune(now);
                let mut cap = self.config.max_requests as usize;
                match s.server_cap {
                    Some((server, until)) if until > now => cap = cap.min(server),
                    Some(_) => s.server_cap = None,
                    None => {}
                }
                let blocked = s.blocked_until.filter(|b| *b > now);
                if blocked.is_none() && s.in_window() < cap {
                    let seq = s.next_seq;
                    s.next_seq += 1;
                    s.in_flight.insert(seq);
                    return Ok(Permit { seq });
                }
                let mut wake = blocked.unwrap_or(now);
                if s.in_window() >= cap {
                    // Room opens when enough answered sends age out; while
                    // only unanswered ones fill the window, look again soon.
                    let need = s.in_window() + 1 - cap;
                    let mut at = s
                        .done
                        .get(need - 1)
                        .map(|d| *d + s.interval)
                        .unwrap_or(now + POLL);
                    if let Some((0, until)) = s.server_cap {
                        at = at.max(until);
                    }
                    wake = wake.max(at);
                }
                wake.saturating_duration_since(now)
                    .max(Duration::from_millis(1))
            };
            self.sleep(wait, WaitReason::RateLimit).await?;
        }
    }

    /// A send that got no answer: it counts for one window from now.
    pub fn release(&self, permit: Permit) {
        self.lock().finish(permit.seq, Instant::now());
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
        let interval = num("x-ratelimit-interval-milliseconds")
            .map(|ms| Duration::from_millis(ms).clamp(MIN_INTERVAL, MAX_INTERVAL));
        let daily_remaining = num("x-ratelimit-daily-remaining");
        let daily_limit = num("x-ratelimit-limit-daily");
        let daily_reset =
            num("x-ratelimit-daily-reset").map(|ms| Duration::from_millis(ms).min(MAX_DAILY_RESET));

        let mut s = self.lock();
        let now = Instant::now();
        s.finish(permit.seq, now);
        s.prune(now);
        let to_u32 = |v: u64| u32::try_from(v).unwrap_or(u32::MAX);
        s.budget = RateBudget {
            remaining: remaining.map(to_u32).or(s.budget.remaining),
            max: max.map(to_u32).or(s.budget.max),
            daily_remaining: daily_remaining.map(to_u32).or(s.budget.daily_remaining),
            daily_limit: daily_limit.map(to_u32).or(s.budget.daily_limit),
        };
        if let Some(remaining) = remaining {
            // The server has surely counted our finished sends (this one
            // included); in-flight ones may still take from `remaining`.
            // So: at most finished + remaining of ours in the window.
            let finished = s.done.len();
            if let Some(i) = interval.filter(|i| !i.is_zero()) {
                s.interval = i;
            }
            let window = s.interval;
            let cap = finished.saturating_add(usize::try_from(remaining).unwrap_or(usize::MAX));
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
        let until = Instant::now() + pause.min(MAX_PAUSE);
        s.blocked_until = Some(s.blocked_until.map_or(until, |b| b.max(until)));
    }

    /// After a 429 with `Retry-After`: the server named the moment, which
    /// replaces our own estimate of when its window frees.
    pub fn retry_after(&self, wait: Duration) {
        self.pause(wait);
        self.lock().server_cap = None;
    }

    pub fn budget(&self) -> RateBudget {
        self.lock().budget
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
            let p = l.acquire().await.unwrap();
            times.push(Instant::now() - start);
            l.release(p);
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
    async fn lying_headers_stall_nothing_for_longer_than_the_bounds() {
        let l = Limiter::new(RateConfig::default());
        let p = l.acquire().await.unwrap();
        let mut h = HeaderMap::new();
        h.insert("x-ratelimit-remaining", HeaderValue::from_static("0"));
        h.insert(
            "x-ratelimit-interval-milliseconds",
            HeaderValue::from_static("999999999999"),
        );
        l.observe(p, &h);
        let start = Instant::now();
        let _p = l.acquire().await.unwrap();
        let waited = Instant::now() - start;
        assert!(waited <= MAX_INTERVAL, "waited {waited:?}");
        // A Retry-After of a day pauses for the bound at most.
        l.retry_after(Duration::from_secs(86_400));
        let start = Instant::now();
        let _p = l.acquire().await.unwrap();
        assert!(Instant::now() - start <= MAX_PAUSE);
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
        let p = l.acquire().await.unwrap(); // the one request the server still allows
        assert_eq!(Instant::now(), start);
        l.release(p);
        let _p = l.acquire().await.unwrap(); // must wait for the window to roll
        assert!(Instant::now() - start >= Duration::from_secs(9));
        assert_eq!(l.budget().remaining, Some(1));
    }

    #[tokio::test(start_paused = true)]
    async fn in_flight_sends_count_until_answered() {
        let l = Limiter::new(RateConfig {
            max_requests: 2,
            interval: Duration::from_secs(10),
        });
        let a = l.acquire().await.unwrap();
        let _b = l.acquire().await.unwrap();
        tokio::time::advance(Duration::from_secs(30)).await;
        // Both still in flight: the server may count them at any moment.
        let waiting = tokio::time::timeout(Duration::from_secs(5), l.acquire()).await;
        assert!(waiting.is_err(), "no room while both are unanswered");
        l.release(a);
        let t = Instant::now();
        let _c = l.acquire().await.unwrap();
        assert_eq!(
            Instant::now() - t,
            Duration::from_secs(10),
            "a counts for a window after its answer"
        );
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
    async fn a_wait_is_shown_and_the_user_can_give_it_up() {
        let l = std::sync::Arc::new(Limiter::new(RateConfig::default()));
        assert_eq!(l.waiting(), None);
        l.retry_after(Duration::from_secs(30));
        let waiter = tokio::spawn({
            let l = l.clone();
            async move { l.acquire().await.map(|p| l.release(p)) }
        });
        tokio::time::advance(Duration::from_secs(5)).await;
        let w = l.waiting().expect("a request waits for the rate limit");
        assert_eq!(w.reason, WaitReason::RateLimit);
        assert_eq!(w.requests, 1);
        assert!(
            w.left > Duration::from_secs(24) && w.left <= Duration::from_secs(25),
            "{w:?}"
        );
        assert_eq!(l.cancel_waits(), 1);
        let given_up = tokio::time::timeout(Duration::from_millis(10), waiter)
            .await
            .expect("cancelled at once, not after the wait")
            .unwrap();
        assert_eq!(
            given_up,
            Err(ApiError::Cancelled {
                reason: CancelReason::ByUser
            })
        );
        assert_eq!(l.waiting(), None, "nothing is shown once it is given up");
        // The cancel gives up the waiting requests; the limit still holds.
        let start = Instant::now();
        let _p = l.acquire().await.unwrap();
        assert_eq!(Instant::now() - start, Duration::from_secs(25));
    }

    #[tokio::test(start_paused = true)]
    async fn short_waits_are_not_shown() {
        let l = std::sync::Arc::new(Limiter::new(RateConfig::default()));
        l.pause(Duration::from_millis(900));
        let waiter = tokio::spawn({
            let l = l.clone();
            async move { l.acquire().await.map(|p| l.release(p)) }
        });
        tokio::task::yield_now().await;
        assert_eq!(l.waiting(), None);
        waiter.await.unwrap().unwrap();
    }

    #[tokio::test(start_paused = true)]
    async fn pause_blocks_sends() {
        let l = Limiter::new(RateConfig::default());
        l.pause(Duration::from_secs(3));
        let start = Instant::now();
        let _p = l.acquire().await.unwrap();
        assert_eq!(Instant::now() - start, Duration::from_secs(3));
    }
}
