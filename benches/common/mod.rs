//! What the benchmarks share: seeded contacts and medians.
#![allow(dead_code)]

use std::time::Duration;

use chrono::{TimeZone, Utc};
use rolo::api::model::Contact;

/// `n` seeded contacts (the sandbox's generator), as the API sends them.
pub fn contacts(n: usize, location: &str) -> Vec<Contact> {
    let anchor = Utc.with_ymd_and_hms(2026, 11, 24, 0, 0, 0).unwrap();
    rolo::sandbox::seed::generate(n, 7, location, anchor)
        .contacts
        .into_iter()
        .map(|m| serde_json::from_value(serde_json::Value::Object(m)).expect("seed fits the model"))
        .collect()
}

pub fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}
