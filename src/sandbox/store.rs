//! The sandbox's in-memory location: contacts, tasks, notes, appointments
//! and tags, stored as the JSON objects the API sends. The endpoints'
//! behaviour lives with their service (`contacts.rs`, `locations.rs`);
//! HTTP concerns (auth, limits, faults) in `http.rs`.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Timelike, Utc};
use serde_json::{Map, Value, json};

use super::contacts::stored::Stored;
use super::seed::{self, make_id};
use super::validate::{Field, check};
use crate::api::model::{format_timestamp, parse_timestamp};

pub(super) type Obj = Map<String, Value>;

/// An HTTP answer: status and JSON body.
#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    pub status: u16,
    pub body: Value,
}

pub type Outcome = Result<Reply, Reply>;

/// A `json!({...})` literal as the object it is (seeds build records so).
pub(super) fn object(v: Value) -> Obj {
    match v {
        Value::Object(o) => o,
        _ => Obj::new(),
    }
}

/// A record's string field, or "" when absent or not a string.
pub(super) fn text<'a>(o: &'a Obj, k: &str) -> &'a str {
    o.get(k).and_then(Value::as_str).unwrap_or("")
}

pub(super) fn ok(body: Value) -> Outcome {
    Ok(Reply { status: 200, body })
}

pub(super) fn created(body: Value) -> Outcome {
    Ok(Reply { status: 201, body })
}

pub fn bad_request(message: impl Into<String>) -> Reply {
    Reply {
        status: 400,
        body: json!({"statusCode": 400, "message": message.into()}),
    }
}

pub fn not_found(message: impl Into<String>) -> Reply {
    Reply {
        status: 404,
        body: json!({"statusCode": 404, "message": message.into()}),
    }
}

pub fn unprocessable(messages: Vec<String>) -> Reply {
    Reply {
        status: 422,
        body: json!({"statusCode": 422, "message": messages, "error": "Unprocessable Entity"}),
    }
}

pub fn forbidden(message: impl Into<String>) -> Reply {
    Reply {
        status: 403,
        body: json!({"statusCode": 403, "message": message.into(), "error": "Forbidden"}),
    }
}

/// The tags a contact object carries.
pub(super) fn tags_in(c: &Obj) -> Vec<String> {
    c.get("tags")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|t| t.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

pub(super) fn checked<'a>(body: &'a Value, fields: &[Field]) -> Result<&'a Obj, Reply> {
    check(body, fields).map_err(unprocessable)
}

pub struct Store {
    pub(super) location_id: String,
    /// Ordered by (dateAdded in ms, id): the order of GET /contacts/.
    pub(super) contacts: Stored,
    pub(super) tasks: HashMap<String, Vec<Obj>>,
    pub(super) notes: HashMap<String, Vec<Obj>>,
    pub(super) appointments: HashMap<String, Vec<Obj>>,
    pub(super) tags: BTreeMap<String, Obj>,
    pub(super) users: Vec<Obj>,
    pub(super) pipelines: Vec<Obj>,
    pub(super) lost_reasons: Vec<Obj>,
    pub(super) opportunities: Vec<Obj>,
    pub(super) calendars: Vec<Obj>,
    pub(super) workflows: Vec<Obj>,
    pub(super) campaigns: Vec<Obj>,
    /// The workflows each contact is enrolled in, by contact id.
    pub(super) enrollments: HashMap<String, Vec<String>>,
    /// The campaigns each contact is in, by contact id.
    pub(super) in_campaigns: HashMap<String, Vec<String>>,
    /// Every conversation with its messages.
    pub(super) threads: Vec<super::conversations::Thread>,
    /// Messages sent so far (for their ids).
    pub(super) sent: u64,
    /// How long a sent message stays out of its thread (see
    /// `Faults::message_delay_ms`).
    pub(super) message_delay_ms: u64,
    pub(super) rng: fastrand::Rng,
    /// How deep `page` may reach in POST /contacts/search.
    pub page_depth: u64,
}

impl Store {
    pub fn seeded(location_id: &str, count: usize, seed: u64) -> Self {
        let anchor = Utc::now()
            .date_naive()
            .and_hms_opt(0, 0, 0)
            .map(|t| t.and_utc())
            .unwrap_or_else(Utc::now);
        let (generator, users, mut rng) = seed::Generator::new(count, seed, location_id, anchor);
        let calendar_ids = generator.calendar_ids().to_vec();
        let mut store = Store {
            location_id: location_id.to_string(),
            contacts: Stored::new(generator),
            tasks: HashMap::new(),
            notes: HashMap::new(),
            appointments: HashMap::new(),
            tags: BTreeMap::new(),
            users,
            pipelines: Vec::new(),
            lost_reasons: Vec::new(),
            opportunities: Vec::new(),
            calendars: Vec::new(),
            workflows: super::workflows::seed(location_id),
            campaigns: super::campaigns::seed(location_id),
            enrollments: HashMap::new(),
            in_campaigns: HashMap::new(),
            threads: Vec::new(),
            sent: 0,
            message_delay_ms: 0,
            rng: fastrand::Rng::with_seed(seed ^ 0x5eed),
            page_depth: 10_000,
        };
        // Only the contacts with a history are kept whole while seeding:
        // the rest are drawn again when asked for.
        let mut history: Vec<Obj> = Vec::new();
        for i in 0..count {
            let state = rng.get_seed();
            let one = store.contacts.draw_seed(i, &mut rng);
            store.register_tags(&one.contact);
            store.contacts.put_seeded(i, state, &one.contact);
            for (map, items) in [
                (&mut store.tasks, one.tasks),
                (&mut store.notes, one.notes),
                (&mut store.appointments, one.appointments),
            ] {
                for item in items {
                    let cid = text(&item, "contactId").to_string();
                    map.entry(cid).or_default().push(item);
                }
            }
            if i < seed::WITH_HISTORY {
                history.push(one.contact);
            }
        }
        let user_ids: Vec<String> = store
            .users
            .iter()
            .filter_map(|u| u.get("id").and_then(Value::as_str).map(str::to_string))
            .collect();
        // Deals, campaigns and threads go to the contacts with a history:
        // deals in the order of GET /contacts/, the rest by id.
        history.sort_by_key(|c| (Self::added_ms(c), text(c, "id").to_string()));
        let contacts: Vec<&Obj> = history.iter().collect();
        let deals = super::opportunities::seed(location_id, &contacts, &user_ids, seed, anchor);
        store.pipelines = deals.pipelines;
        store.lost_reasons = deals.lost_reasons;
        store.opportunities = deals.opportunities;
        store.calendars = super::calendars::seed(location_id, &calendar_ids, &user_ids);
        history.sort_by(|a, b| text(a, "id").cmp(text(b, "id")));
        // Every third contact is in the first campaign, every fifth in the
        // second: something to take them out of.
        let ids: Vec<String> = history.iter().map(|c| text(c, "id").to_string()).collect();
        for (i, id) in ids.iter().enumerate() {
            let mut on = Vec::new();
            for (k, every) in [3usize, 5].iter().enumerate() {
                if i % every == 0
                    && let Some(c) = store.campaigns.get(k).and_then(|c| c.get("id"))
                {
                    on.push(c.as_str().unwrap_or_default().to_string());
                }
            }
            if !on.is_empty() {
                store.in_campaigns.insert(id.clone(), on);
            }
        }
        // Threads, timed back from this minute (two seedings in one
        // minute agree).
        let minute = Utc::now()
            .with_second(0)
            .and_then(|t| t.with_nanosecond(0))
            .unwrap_or_else(Utc::now);
        store.threads = super::conversations::seed(location_id, &history, minute);
        store
    }

    pub fn location_id(&self) -> &str {
        &self.location_id
    }

    pub(super) fn now() -> String {
        format_timestamp(Utc::now())
    }

    pub(super) fn added_ms(c: &Obj) -> i64 {
        c.get("dateAdded")
            .and_then(Value::as_str)
            .and_then(parse_timestamp)
            .map(|t: DateTime<Utc>| t.timestamp_millis())
            .unwrap_or(0)
    }

    pub(super) fn insert_contact(&mut self, c: Obj) {
        self.contacts.put(c);
    }

    /// A contact to change in place (the sandbox's handlers, and tests).
    pub fn contact_mut(&mut self, id: &str) -> Option<&mut Obj> {
        self.contacts.get_mut(id)
    }

    /// The contact with this id: held, or drawn again from the seed.
    pub fn contact(&self, id: &str) -> Option<Cow<'_, Obj>> {
        self.contacts.get(id)
    }

    pub fn contact_count(&self) -> usize {
        self.contacts.len()
    }

    pub fn tasks_of(&self, contact_id: &str) -> &[Obj] {
        self.tasks
            .get(contact_id)
            .map(Vec::as_slice)
            .unwrap_or_default()
    }

    pub fn notes_of(&self, contact_id: &str) -> &[Obj] {
        self.notes
            .get(contact_id)
            .map(Vec::as_slice)
            .unwrap_or_default()
    }

    pub fn contact_ids(&self) -> Vec<String> {
        self.contacts.keys().map(|(_, id)| id.clone()).collect()
    }

    pub(super) fn need_contact(&self, id: &str) -> Result<(), Reply> {
        if self.contacts.contains(id) {
            Ok(())
        } else {
            Err(not_found("Contact not found"))
        }
    }

    pub(super) fn check_location(&self, loc: Option<&str>) -> Result<(), Reply> {
        match loc {
            None | Some("") => Err(unprocessable(vec!["locationId should not be empty".into()])),
            Some(l) if l == self.location_id => Ok(()),
            Some(_) => Err(forbidden(
                "The token does not have access to this location.",
            )),
        }
    }

    pub fn check_path_location(&self, loc: &str) -> Result<(), Reply> {
        self.check_location(Some(loc))
    }

    pub(super) fn register_tags(&mut self, c: &Obj) {
        let tags: Vec<String> = tags_in(c);
        for t in tags {
            let key = t.to_lowercase();
            if !self.tags.contains_key(&key) {
                let id = make_id(&mut self.rng);
                self.tags.insert(
                    key,
                    json!({"id": id, "name": t, "locationId": self.location_id})
                        .as_object()
                        .cloned()
                        .unwrap_or_default(),
                );
            }
        }
    }
}
