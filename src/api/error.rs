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
    /// The user stopped waiting for a rate limit or a retry.
    ByUser,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ApiError {
    #[error(
        "token invalid or expired: run `rolo auth login` (server said: {})",
        clean(message)
    )]
    Unauthorized { message: String },

    #[error(
        "the token lacks the `{scope}` scope needed for {endpoint}: add it to the Private Integration or app (server said: {})",
        clean(message)
    )]
    MissingScope {
        scope: &'static str,
        endpoint: &'static str,
        message: String,
    },

    #[error(
        "forbidden: {} (this needs the `{scope}` scope on this location)",
        clean(message)
    )]
    Forbidden {
        scope: &'static str,
        message: String,
    },

    #[error("not found: {} (server said: {})", clean(what), clean(message))]
    NotFound { what: String, message: String },

    /// 422, and 400 with a message: the server's words, verbatim.
    #[error("rejected by the server: {}", clean(&messages.join("; ")))]
    Validation { status: u16, messages: Vec<String> },

    #[error("{}", rate_limited_message(*scope, *retry_after))]
    RateLimited {
        scope: RateScope,
        retry_after: Option<Duration>,
    },

    #[error(
        "HighLevel server error {status}: {} (try again shortly)",
        clean(message)
    )]
    Server { status: u16, message: String },

    #[error(
        "network error talking to {}: {} (check the connection or --base-url)",
        clean(host),
        clean(cause)
    )]
    Network {
        host: String,
        cause: String,
        /// The connection had opened: the request may have reached the
        /// server (a reset, a closed connection), unlike a refused connect.
        opened: bool,
    },

    #[error("no answer from {} within {}s (the server may be overloaded; try again)", clean(host), after.as_secs())]
    Timeout { host: String, after: Duration },

    #[error(
        "unexpected response from {endpoint}: {} at `{}`; body starts: {}",
        clean(cause),
        clean(path),
        clean(snippet)
    )]
    Decode {
        endpoint: &'static str,
        path: String,
        cause: String,
        snippet: String,
    },

    #[error("unexpected HTTP {status} from {endpoint}: {}", clean(message))]
    UnexpectedStatus {
        status: u16,
        endpoint: &'static str,
        message: String,
    },

    #[error("{}", match reason {
        CancelReason::Superseded => "cancelled: a newer request replaced it",
        CancelReason::Shutdown => "cancelled: rolo was shutting down before the request finished",
        CancelReason::ByUser => "cancelled: you stopped waiting for HighLevel",
    })]
    Cancelled { reason: CancelReason },

    #[error("invalid request: {}", clean(.0))]
    InvalidRequest(String),

    /// The contact changed on the server since the user read it.
    #[error("{}", clean(.0))]
    Conflict(String),

    /// An answer larger than rolo reads (an endless or broken body).
    #[error("the answer from {endpoint} is larger than {} MiB, the most rolo reads: not read further", limit / (1024 * 1024))]
    TooLarge { endpoint: &'static str, limit: u64 },

    /// HighLevel's API never redirects: a redirect is not followed (it
    /// could carry the token or the request elsewhere).
    #[error(
        "{endpoint} answered with a redirect (HTTP {status}) to {}; HighLevel's API does not redirect, so it was not followed: check --base-url",
        clean(location)
    )]
    Redirected {
        endpoint: &'static str,
        status: u16,
        location: String,
    },

    /// A search whose pages do not add up (repeats, loops, no cursor).
    #[error(transparent)]
    Paging(#[from] crate::api::paging::PagingError),
}

/// Server text in an error line is untrusted: no escapes reach a terminal.
fn clean(s: &str) -> std::borrow::Cow<'_, str> {
    crate::text::sanitize(s)
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
    /// The error with every occurrence of `secret` masked: a server (or a
    /// proxy) that echoes the request's token must not make it show.
    pub fn redact(self, secret: &str) -> ApiError {
        if secret.len() < 6 {
            return self;
        }
        let r = |s: String| s.replace(secret, "****");
        match self {
            ApiError::Unauthorized { message } => ApiError::Unauthorized {
                message: r(message),
            },
            ApiError::MissingScope {
                scope,
                endpoint,
                message,
            } => ApiError::MissingScope {
                scope,
                endpoint,
                message: r(message),
            },
            ApiError::Forbidden { scope, message } => ApiError::Forbidden {
                scope,
                message: r(message),
            },
            ApiError::NotFound { what, message } => ApiError::NotFound {
                what: r(what),
                message: r(message),
            },
            ApiError::Validation { status, messages } => ApiError::Validation {
                status,
                messages: messages.into_iter().map(r).collect(),
            },
            ApiError::Server { status, message } => ApiError::Server {
                status,
                message: r(message),
            },
            ApiError::Network {
                host,
                cause,
                opened,
            } => ApiError::Network {
                host,
                cause: r(cause),
                opened,
            },
            ApiError::Decode {
                endpoint,
                path,
                cause,
                snippet,
            } => ApiError::Decode {
                endpoint,
                path: r(path),
                cause: r(cause),
                snippet: r(snippet),
            },
            ApiError::UnexpectedStatus {
                status,
                endpoint,
                message,
            } => ApiError::UnexpectedStatus {
                status,
                endpoint,
                message: r(message),
            },
            ApiError::Redirected {
                endpoint,
                status,
                location,
            } => ApiError::Redirected {
                endpoint,
                status,
                location: r(location),
            },
            ApiError::InvalidRequest(m) => ApiError::InvalidRequest(r(m)),
            ApiError::Conflict(m) => ApiError::Conflict(r(m)),
            other => other,
        }
    }

    /// Whether the request may have reached the server with no answer to
    /// say what became of it: a timeout, a connection lost after it
    /// opened, a cut-short or unreadable answer, a cancelled request.
    /// A gateway's 502, 503 or 504 counts: the origin behind it may have
    /// taken the request. Stopping a rate-limit wait (ctrl-g) does not: it
    /// happens before the request leaves.
    pub fn unanswered(&self) -> bool {
        matches!(
            self,
            ApiError::Timeout { .. }
                | ApiError::Network { opened: true, .. }
                | ApiError::Decode { .. }
                | ApiError::TooLarge { .. }
                | ApiError::Server {
                    status: 502..=504,
                    ..
                }
                | ApiError::Cancelled {
                    reason: CancelReason::Shutdown | CancelReason::Superseded
                }
        )
    }

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
    fn server_text_in_an_error_line_is_sanitized() {
        let hostile = "\u{1b}]52;c;cm0gLXJmIH4=\u{7}\u{9b}2J\u{202e}\u{7f}x".to_string();
        let errors = [
            ApiError::Unauthorized {
                message: hostile.clone(),
            },
            ApiError::NotFound {
                what: hostile.clone(),
                message: hostile.clone(),
            },
            ApiError::Validation {
                status: 422,
                messages: vec![hostile.clone()],
            },
            ApiError::Server {
                status: 500,
                message: hostile.clone(),
            },
            ApiError::Network {
                host: hostile.clone(),
                cause: hostile.clone(),
                opened: true,
            },
            ApiError::Decode {
                endpoint: "x",
                path: hostile.clone(),
                cause: hostile.clone(),
                snippet: hostile.clone(),
            },
            ApiError::UnexpectedStatus {
                status: 418,
                endpoint: "x",
                message: hostile.clone(),
            },
            ApiError::Forbidden {
                scope: "x",
                message: hostile.clone(),
            },
            ApiError::Conflict(hostile.clone()),
            ApiError::InvalidRequest(hostile.clone()),
        ];
        for e in errors {
            let shown = e.to_string();
            assert!(!shown.chars().any(crate::text::is_unsafe), "{shown:?}");
        }
    }

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
