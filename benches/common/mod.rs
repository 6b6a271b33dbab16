//! What the benchmarks share: seeded contacts and medians.
#![allow(dead_code)]

use std::time::Duration;

use rolo::api::model::Contact;

/// `n` seeded contacts (the sandbox's generator), as the API sends them.
pub fn contacts(n: usize, location: &str) -> Vec<Contact> {
    rolo::sandbox::seed::model_contacts(n, 7, location)
}

pub fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}
