//! Fault injection: the misbehaviour of a real network and a real server,
//! on demand. Set from flags at start, and changed at runtime either in
//! process ([`super::Sandbox::set_faults`]) or over HTTP
//! (`PUT /_sandbox/faults` with the same JSON).

use std::collections::VecDeque;

use serde::{Deserialize, Serialize};

/// One scripted misbehaviour, applied to the next request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", tag = "kind", content = "status")]
pub enum Fault {
    /// Answer with this HTTP status and a generic error body.
    Status(u16),
    /// 429, as if the burst limit were hit.
    RateLimit,
    /// Drop the connection in the middle of the response.
    Reset,
    /// Answer 200 with a truncated JSON body.
    Malformed,
    /// No fault: the request is served as usual (a script's placeholder).
    None,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Faults {
    /// Added to every API request before it is handled.
    pub latency_ms: u64,
    /// Added after a request is handled, before the answer leaves: the
    /// change is made, but the client hears of it late (or never, if it
    /// dies meanwhile).
    pub reply_latency_ms: u64,
    /// A sent message shows in its thread only this long after it was
    /// made (HighLevel queues sends): a client that looks at once for a
    /// message whose answer it lost does not find it yet.
    pub message_delay_ms: u64,
    /// Fraction (0 to 1) of requests answered 500, 502 or 503.
    pub fail_rate: f64,
    /// Fraction of requests whose connection drops mid-response.
    pub reset_rate: f64,
    /// Fraction of requests answered 200 with broken JSON.
    pub malformed_rate: f64,
    /// The next N requests are refused with 429: a "429 storm".
    pub storm_requests: u32,
    /// Sent as `Retry-After` (seconds) during a storm. The real API
    /// documents no `Retry-After`, so it is off unless asked for.
    pub storm_retry_after: Option<u64>,
    /// Requests whose path starts with one of these never get an answer.
    pub hang_paths: Vec<String>,
    /// Requests whose path starts with one of these are carried out, and
    /// then never answered: the change is made, the client never hears
    /// (as when it dies, or its connection does, at that moment).
    pub lost_answer_paths: Vec<String>,
    /// Faults for the next requests, one each, in order.
    pub script: VecDeque<Fault>,
}

impl Faults {
    /// Decides the fate of one request. `roll` gives uniform numbers in [0, 1).
    pub fn next(&mut self, path: &str, mut roll: impl FnMut() -> f64) -> Decision {
        if self
            .hang_paths
            .iter()
            .any(|p| !p.is_empty() && path.starts_with(p.as_str()))
        {
            return Decision::Hang;
        }
        if let Some(f) = self.script.pop_front() {
            return match f {
                Fault::None => Decision::Proceed,
                f => Decision::Fault(f, None),
            };
        }
        if self.storm_requests > 0 {
            self.storm_requests -= 1;
            return Decision::Fault(Fault::RateLimit, self.storm_retry_after);
        }
        if self.fail_rate > 0.0 && roll() < self.fail_rate {
            let status = [500, 502, 503][(roll() * 3.0) as usize % 3];
            return Decision::Fault(Fault::Status(status), None);
        }
        if self.reset_rate > 0.0 && roll() < self.reset_rate {
            return Decision::Fault(Fault::Reset, None);
        }
        if self.malformed_rate > 0.0 && roll() < self.malformed_rate {
            return Decision::Fault(Fault::Malformed, None);
        }
        Decision::Proceed
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Proceed,
    Hang,
    /// The fault and, for a 429, the `Retry-After` to send.
    Fault(Fault, Option<u64>),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn script_then_storm_then_normal() {
        let mut f = Faults {
            script: [Fault::Status(503)].into(),
            storm_requests: 2,
            storm_retry_after: Some(1),
            ..Default::default()
        };
        let zero = || 0.0;
        assert_eq!(
            f.next("/x", zero),
            Decision::Fault(Fault::Status(503), None)
        );
        assert_eq!(
            f.next("/x", zero),
            Decision::Fault(Fault::RateLimit, Some(1))
        );
        assert_eq!(
            f.next("/x", zero),
            Decision::Fault(Fault::RateLimit, Some(1))
        );
        assert_eq!(f.next("/x", zero), Decision::Proceed);
    }

    #[test]
    fn json_shape_is_stable() {
        let f: Faults = serde_json::from_str(
            r#"{"failRate":0.3,"hangPaths":["/contacts/search"],"script":[{"kind":"status","status":502},{"kind":"reset"}]}"#,
        )
        .unwrap();
        assert_eq!(f.fail_rate, 0.3);
        assert_eq!(f.script, VecDeque::from([Fault::Status(502), Fault::Reset]));
    }
}
