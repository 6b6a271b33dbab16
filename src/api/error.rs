//! What can go wrong talking to HighLevel, each case saying what to do next.

use std::time::Duration;

/// Which limit a 429 hit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RateScope {
    /// 100 requests per 10 s per app per location.
    Burst,
    /// 200,000 requests per day.
    Daily,
}

/// Why a request got no answer from the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CancelReason {
    /// A newer load of the same thing replaced it.
    Superseded,
    /// The actor shut down before it ran or finished.
    Shutdown,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ApiError {
    #[error("token invalid or expired: run `rolo auth login` (server said: {message})")]
    Unauthorized { message: String },

    #[error(
        "the token lacks the `{scope}` scope needed for {endpoint}: add it to the Private Integration or app (server said: {message})"
    )]
    MissingScope {
        scope: &'static str,
        endpoint: &'static str,
        message: String,
    },

    #[error("forbidden: {message} (this needs the `{scope}` scope on this location)")]
    Forbidden {
        scope: &'static str,
        message: String,
    },

    #[error("not found: {what} (server said: {message})")]
    NotFound { what: String, message: String },

    /// 422, and 400 with a message: the server's words, verbatim.
    #[error("rejected by the server: {}", messages.join("; "))]
    Validation { status: u16, messages: Vec<String> },

    #[error("{}", rate_limited_message(*scope, *retry_after))]
    RateLimited {
        scope: RateScope,
        retry_after: Option<Duration>,
    },

    #[error("HighLevel server error {status}: {message} (try again shortly)")]
    Server { status: u16, message: String },

    #[error("network error talking to {host}: {cause} (check the connection or --base-url)")]
    Network { host: String, cause: String },

    #[error("no answer from {host} within {}s (the server may be overloaded; try again)", after.as_secs())]
    Timeout { host: String, after: Duration },

    #[error("unexpected response from {endpoint}: {cause} at `{path}`; body starts: {snippet}")]
    Decode {
        endpoint: &'static str,
        path: String,
        cause: String,
        snippet: String,
    },

    #[error("unexpected HTTP {status} from {endpoint}: {message}")]
    UnexpectedStatus {
        status: u16,
        endpoint: &'static str,
        message: String,
    },

    #[error("{}", match reason {
        CancelReason::Superseded => "cancelled: a newer request replaced it",
        CancelReason::Shutdown => "cancelled: rolo was shutting down before the request finished",
    })]
    Cancelled { reason: CancelReason },

    #[error("invalid request: {0}")]
    InvalidRequest(String),

    /// The contact changed on the server since the user read it.
    #[error("{0}")]
    Conflict(String),
}

fn rate_limited_message(scope: RateScope, retry_after: Option<Duration>) -> String {
    let what = match scope {
        RateScope::Burst => "rate limited by HighLevel (100 requests per 10 s)",
        RateScope::Daily => "daily HighLevel API limit reached (200,000 requests per day)",
    };
    match retry_after {
        Some(d) => format!("{what}: retry in {}", human_duration(d)),
        None => format!("{what}: retry shortly"),
    }
}

pub(crate) fn human_duration(d: Duration) -> String {
    let s = d.as_secs();
    if s >= 3600 {
        format!("{}h {}m", s / 3600, (s % 3600) / 60)
    } else if s >= 60 {
        format!("{}m {}s", s / 60, s % 60)
    } else {
        format!("{:.1}s", d.as_secs_f64())
    }
}

impl ApiError {
    /// Whether the same request may succeed later without any change.
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            ApiError::RateLimited { .. }
                | ApiError::Server { .. }
                | ApiError::Network { .. }
                | ApiError::Timeout { .. }
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_tell_the_user_what_to_do() {
        let e = ApiError::Unauthorized {
            message: "Invalid token".into(),
        };
        assert!(e.to_string().contains("rolo auth login"));
        let e = ApiError::RateLimited {
            scope: RateScope::Burst,
            retry_after: Some(Duration::from_millis(2500)),
        };
        assert_eq!(
            e.to_string(),
            "rate limited by HighLevel (100 requests per 10 s): retry in 2.5s"
        );
        let e = ApiError::Validation {
            status: 422,
            messages: vec!["title should not be empty".into(), "b".into()],
        };
        assert_eq!(
            e.to_string(),
            "rejected by the server: title should not be empty; b"
        );
    }
}
