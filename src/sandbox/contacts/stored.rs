//! The sandbox's contacts, held so that a million of them fit: a seeded
//! contact nobody has changed is kept as the random stream's state where it
//! began (see [`Generator`]) and drawn again when asked for; a contact
//! created or changed is held whole. Alongside, the order of GET /contacts/
//! and POST /contacts/search by `dateAdded`, and a count of the emails and
//! phones in use, so that the duplicate check of an edit does not read every
//! contact.

use std::borrow::Cow;
use std::collections::hash_map::DefaultHasher;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::hash::{Hash, Hasher};
use std::ops::Bound::{self, Excluded, Included, Unbounded};

use super::search::digits;
use crate::api::model::parse_timestamp;
use crate::sandbox::seed::{Drawn, Generator};
use crate::sandbox::store::{Obj, text};

/// The key of a contact: (dateAdded in ms, id).
pub(in crate::sandbox) type Key = (i64, String);

pub(in crate::sandbox) enum Slot {
    /// Seeded contact `i`, drawn from stream state `state`, last updated
    /// at `updated` (ms): enough to pass over it in a search for recent
    /// changes without drawing it.
    Seeded {
        i: u32,
        state: u64,
        updated: i64,
    },
    Held(Box<Obj>),
}

pub(in crate::sandbox) struct Stored {
    generator: Generator,
    order: BTreeMap<Key, Slot>,
    by_id: HashMap<String, i64>,
    /// How many contacts hold each email (lowercased) and phone (digits),
    /// by hash; those in `unkeyed` are not counted.
    keys: HashMap<u64, u32>,
    /// Contacts handed out by [`Stored::get_mut`], whose email or phone
    /// may have changed since they were counted.
    unkeyed: HashSet<String>,
}

fn ms_of(c: &Obj, field: &str) -> i64 {
    parse_timestamp(text(c, field)).map_or(0, |t| t.timestamp_millis())
}

/// The hashed email and phone of a contact, as the duplicate check
/// compares them.
fn keys_of(c: &Obj) -> [Option<u64>; 2] {
    [
        email_key(Some(text(c, "email"))),
        phone_key(Some(text(c, "phone"))),
    ]
}

fn hashed(kind: u8, s: &str) -> u64 {
    let mut h = DefaultHasher::new();
    (kind, s).hash(&mut h);
    h.finish()
}

pub(in crate::sandbox) fn email_key(email: Option<&str>) -> Option<u64> {
    let e = email?.to_lowercase();
    (!e.is_empty()).then(|| hashed(b'e', &e))
}

pub(in crate::sandbox) fn phone_key(phone: Option<&str>) -> Option<u64> {
    let p = digits(phone?);
    (!p.is_empty()).then(|| hashed(b'p', &p))
}

impl Stored {
    pub fn new(generator: Generator) -> Self {
        Stored {
            generator,
            order: BTreeMap::new(),
            by_id: HashMap::new(),
            keys: HashMap::new(),
            unkeyed: HashSet::new(),
        }
    }

    fn count_keys(&mut self, c: &Obj, up: bool) {
        for k in keys_of(c).into_iter().flatten() {
            let n = self.keys.entry(k).or_default();
            *n = if up { *n + 1 } else { n.saturating_sub(1) };
            if *n == 0 {
                self.keys.remove(&k);
            }
        }
    }

    /// The next seeded contact, `i`, drawn from `rng`.
    pub fn draw_seed(&self, i: usize, rng: &mut fastrand::Rng) -> Drawn {
        self.generator.one(i, rng)
    }

    /// Seeded contact `i`, drawn from stream state `state`.
    pub fn put_seeded(&mut self, i: usize, state: u64, c: &Obj) {
        let key = (ms_of(c, "dateAdded"), text(c, "id").to_string());
        self.count_keys(c, true);
        self.by_id.insert(key.1.clone(), key.0);
        let slot = Slot::Seeded {
            i: i as u32,
            state,
            updated: ms_of(c, "dateUpdated"),
        };
        self.order.insert(key, slot);
    }

    /// Stores `c` whole, in place of the contact with its id if there is one.
    pub fn put(&mut self, c: Obj) {
        let id = text(&c, "id").to_string();
        self.remove(&id);
        self.count_keys(&c, true);
        let ms = ms_of(&c, "dateAdded");
        self.by_id.insert(id.clone(), ms);
        self.order.insert((ms, id), Slot::Held(Box::new(c)));
    }

    pub fn remove(&mut self, id: &str) -> bool {
        let Some(ms) = self.by_id.remove(id) else {
            return false;
        };
        let key = (ms, id.to_string());
        if !self.unkeyed.remove(id)
            && let Some(c) = self.order.get(&key).map(|s| self.draw(s))
        {
            let c = c.into_owned();
            self.count_keys(&c, false);
        }
        self.order.remove(&key);
        true
    }

    fn draw<'a>(&self, slot: &'a Slot) -> Cow<'a, Obj> {
        match slot {
            Slot::Held(c) => Cow::Borrowed(c),
            Slot::Seeded { i, state, .. } => {
                Cow::Owned(self.generator.at(*i as usize, *state).contact)
            }
        }
    }

    pub fn get(&self, id: &str) -> Option<Cow<'_, Obj>> {
        let ms = *self.by_id.get(id)?;
        let slot = self.order.get(&(ms, id.to_string()))?;
        Some(self.draw(slot))
    }

    /// The contact to change in place. Its email and phone are looked at
    /// again by each duplicate check from now on.
    pub fn get_mut(&mut self, id: &str) -> Option<&mut Obj> {
        let ms = *self.by_id.get(id)?;
        let key = (ms, id.to_string());
        let c = self.draw(self.order.get(&key)?).into_owned();
        if self.unkeyed.insert(id.to_string()) {
            self.count_keys(&c, false);
        }
        let slot = self.order.get_mut(&key)?;
        if let Slot::Seeded { .. } = slot {
            *slot = Slot::Held(Box::new(c));
        }
        match slot {
            Slot::Held(c) => Some(c),
            Slot::Seeded { .. } => None,
        }
    }

    pub fn contains(&self, id: &str) -> bool {
        self.by_id.contains_key(id)
    }

    pub fn len(&self) -> usize {
        self.order.len()
    }

    /// Every contact, in the order of GET /contacts/.
    pub fn iter(&self) -> impl Iterator<Item = Cow<'_, Obj>> + '_ {
        self.order.values().map(|s| self.draw(s))
    }

    /// Every contact with its key, drawn only when `wanted` says it may be.
    pub fn iter_where<'a>(
        &'a self,
        wanted: impl Fn(&Slot) -> bool + 'a,
    ) -> impl Iterator<Item = (&'a Key, Cow<'a, Obj>)> + 'a {
        self.order
            .iter()
            .filter(move |(_, s)| wanted(s))
            .map(|(k, s)| (k, self.draw(s)))
    }

    pub fn keys(&self) -> impl DoubleEndedIterator<Item = &Key> + '_ {
        self.order.keys()
    }

    pub fn at(&self, key: &Key) -> Option<Cow<'_, Obj>> {
        self.order.get(key).map(|s| self.draw(s))
    }

    /// Up to `limit` keys after `after`, by `dateAdded` (newest first when
    /// `desc`) and then id, as POST /contacts/search orders them, skipping
    /// the first `skip`.
    pub fn page(&self, desc: bool, after: Option<&Key>, skip: usize, limit: usize) -> Vec<&Key> {
        let from = after.map_or(Unbounded, |k| Excluded(k.clone()));
        if !desc {
            let rest = self.order.range((from, Unbounded));
            return rest.map(|(k, _)| k).skip(skip).take(limit).collect();
        }
        // Newest first, but ids ascending within one millisecond: first
        // the rest of the cursor's millisecond, then each older one.
        let head = after.into_iter().flat_map(move |k| {
            let rest = self.order.range((Excluded(k.clone()), Unbounded));
            rest.take_while(move |(x, _)| x.0 == k.0)
        });
        let mut upper: Bound<Key> = after.map_or(Unbounded, |k| Excluded((k.0, String::new())));
        let older = std::iter::from_fn(move || {
            let (k, _) = self.order.range((Unbounded, upper.clone())).next_back()?;
            let ms = k.0;
            upper = Excluded((ms, String::new()));
            let group = self.order.range((Included((ms, String::new())), Unbounded));
            Some(group.take_while(move |(x, _)| x.0 == ms))
        })
        .flatten();
        let all = head.chain(older).map(|(k, _)| k);
        all.skip(skip).take(limit).collect()
    }

    /// Whether a contact other than `except` may hold this email or phone:
    /// false means surely none does.
    pub fn may_hold(&self, keys: [Option<u64>; 2], except: Option<&str>) -> bool {
        let own = except
            .filter(|id| !self.unkeyed.contains(*id))
            .and_then(|id| self.get(id))
            .map(|c| keys_of(&c));
        keys.iter().enumerate().any(|(n, k)| {
            let Some(k) = k else { return false };
            let mine = own.is_some_and(|o| o[n] == Some(*k)) as u32;
            self.keys.get(k).copied().unwrap_or(0) > mine
                || self
                    .unkeyed
                    .iter()
                    .filter(|id| Some(id.as_str()) != except)
                    .filter_map(|id| self.get(id))
                    .any(|c| keys_of(&c)[n] == Some(*k))
        })
    }
}

/// The `dateUpdated` a seeded slot remembers; None for a held contact.
pub(in crate::sandbox) fn seeded_updated(slot: &Slot) -> Option<i64> {
    match slot {
        Slot::Seeded { updated, .. } => Some(*updated),
        Slot::Held(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use chrono::{DateTime, Duration, TimeZone, Utc};
    use proptest::prelude::*;
    use serde_json::{Value, json};

    use crate::api::model::format_timestamp;
    use crate::sandbox::seed::{self, Generator, WITH_HISTORY};
    use crate::sandbox::store::{Obj, Store, object, text};

    fn today() -> DateTime<Utc> {
        Utc::now()
            .date_naive()
            .and_hms_opt(0, 0, 0)
            .unwrap()
            .and_utc()
    }

    #[test]
    fn a_seeded_contact_drawn_again_is_the_one_the_seed_made() {
        let n = WITH_HISTORY + 300;
        let anchor = Utc.with_ymd_and_hms(2026, 11, 24, 0, 0, 0).unwrap();
        let data = seed::generate(n, 5, "loc", anchor);
        let (generator, _, mut rng) = Generator::new(n, 5, "loc", anchor);
        let states: Vec<u64> = (0..n)
            .map(|i| {
                let s = rng.get_seed();
                generator.one(i, &mut rng);
                s
            })
            .collect();
        let picks = (0..n)
            .step_by(101)
            .chain([1, WITH_HISTORY - 1, WITH_HISTORY, n - 1]);
        for i in picks {
            assert_eq!(
                generator.at(i, states[i]).contact,
                data.contacts[i],
                "contact {i}"
            );
        }
        // Tasks, notes and appointments stop at WITH_HISTORY.
        let index: std::collections::HashMap<&str, usize> = data
            .contacts
            .iter()
            .enumerate()
            .map(|(i, c)| (text(c, "id"), i))
            .collect();
        let owners = |items: &[Obj]| -> Vec<usize> {
            items.iter().map(|t| index[text(t, "contactId")]).collect()
        };
        for items in [&data.tasks, &data.notes, &data.appointments] {
            let at = owners(items);
            assert!(!at.is_empty());
            assert!(
                at.iter().all(|i| *i < WITH_HISTORY),
                "history past the bound"
            );
            assert!(at.iter().any(|i| *i > WITH_HISTORY - 1000));
        }
    }

    #[test]
    fn the_store_serves_every_seeded_contact_as_the_seed_made_it() {
        let n = 1_500;
        let store = Store::seeded("loc", n, 9);
        let data = seed::generate(n, 9, "loc", today());
        assert_eq!(store.contact_count(), n);
        for c in &data.contacts {
            let got = store
                .contact(text(c, "id"))
                .expect("every seeded id is there");
            assert_eq!(*got, *c);
        }
        let tasks: usize = data
            .contacts
            .iter()
            .map(|c| store.tasks_of(text(c, "id")).len())
            .sum();
        assert_eq!(tasks, data.tasks.len());
    }

    /// Every id a walk of POST /contacts/search gives, page by page.
    fn walk(store: &Store, desc: bool, limit: u64, filters: &Value, by_page: bool) -> Vec<String> {
        let mut out = Vec::new();
        let mut after: Option<Value> = None;
        for page in 1.. {
            let mut body = json!({
                "locationId": "loc", "pageLimit": limit, "filters": filters,
                "sort": [{"field": "dateAdded", "direction": if desc {"desc"} else {"asc"}}],
            });
            match (&after, by_page) {
                (_, true) => body["page"] = json!(page),
                (Some(a), false) => body["searchAfter"] = a.clone(),
                (None, false) => {}
            }
            let r = store.search_contacts(&body).expect("search answers");
            let rows = r.body["contacts"].as_array().unwrap().clone();
            if rows.is_empty() {
                break;
            }
            out.extend(rows.iter().map(|c| c["id"].as_str().unwrap().to_string()));
            after = rows.last().map(|c| c["searchAfter"].clone());
            assert!(out.len() <= 10_000, "the walk does not end");
        }
        out
    }

    #[derive(Debug, Clone)]
    enum Op {
        /// A new contact added at one of a few instants (ties on purpose),
        /// with an email and phone from a small pool.
        Add(u8, u8, u8),
        /// Contact k's email and phone changed in place.
        Change(usize, u8, u8),
        Remove(usize),
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            (0..6u8, 0..8u8, 0..8u8).prop_map(|(t, e, p)| Op::Add(t, e, p)),
            (any::<usize>(), 0..8u8, 0..8u8).prop_map(|(k, e, p)| Op::Change(k, e, p)),
            any::<usize>().prop_map(Op::Remove),
        ]
    }

    fn email(n: u8) -> String {
        format!("Pool{n}@Example.com")
    }

    fn phone(n: u8) -> String {
        format!("+1 (555) 000-00{n:02}")
    }

    fn apply(store: &mut Store, ops: &[Op]) {
        let base = today() - Duration::days(3);
        for (n, o) in ops.iter().enumerate() {
            let ids = store.contact_ids();
            match o {
                Op::Add(t, e, p) => {
                    let at = format_timestamp(base + Duration::milliseconds(*t as i64 % 3));
                    store.insert_contact(object(json!({
                        "id": format!("new{n:03}{t}"), "locationId": "loc",
                        "dateAdded": at, "dateUpdated": at,
                        "email": email(*e), "phone": phone(*p), "firstName": "Pool",
                    })));
                }
                Op::Change(k, e, p) => {
                    let id = &ids[k % ids.len()];
                    let c = store.contact_mut(id).unwrap();
                    c.insert("email".into(), json!(email(*e).to_uppercase()));
                    c.insert("phone".into(), json!(phone(*p)));
                }
                Op::Remove(k) if ids.len() > 1 => {
                    let id = ids[k % ids.len()].clone();
                    assert!(store.delete_contact(&id).is_ok());
                }
                Op::Remove(_) => {}
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

        /// With nothing to match, the search reads the stored order; with a
        /// filter every contact passes, it sorts them all. Both agree, by
        /// cursor and by page, either way round, ties included.
        #[test]
        fn the_stored_order_is_the_sorted_order(
            ops in proptest::collection::vec(op(), 0..40),
            limit in 1..40u64,
            desc in any::<bool>(),
        ) {
            let mut store = Store::seeded("loc", 120, 4);
            apply(&mut store, &ops);
            let every = json!([{"field": "id", "operator": "exists"}]);
            let sorted = walk(&store, desc, limit, &every, false);
            prop_assert_eq!(sorted.len(), store.contact_count());
            prop_assert_eq!(&walk(&store, desc, limit, &json!([]), false), &sorted);
            prop_assert_eq!(&walk(&store, desc, limit, &json!([]), true), &sorted);
            let distinct: HashSet<&String> = sorted.iter().collect();
            prop_assert_eq!(distinct.len(), sorted.len());
        }

        /// A search for recent changes passes over seeded contacts by the
        /// date they remember, and finds what a full look finds.
        #[test]
        fn recent_changes_are_found_as_a_full_look_finds_them(
            ops in proptest::collection::vec(op(), 0..30),
            pick in any::<prop::sample::Index>(),
            op in prop::sample::select(vec!["gt", "gte", "lt", "lte"]),
        ) {
            let mut store = Store::seeded("loc", 150, 6);
            apply(&mut store, &ops);
            let all: Vec<Obj> = store.contacts.iter().map(|c| c.into_owned()).collect();
            let at = text(&all[pick.index(all.len())], "dateUpdated").to_string();
            let range = json!({"field": "dateUpdated", "operator": "range", "value": {op: at}});
            let top = walk(&store, false, 50, &json!([range]), false);
            let grouped = json!([{"group": "AND", "filters": [range]}]);
            prop_assert_eq!(&top, &walk(&store, false, 50, &grouped, false));
            if op.ends_with('e') {
                prop_assert!(!top.is_empty(), "the picked contact itself is in range");
            }
        }

        /// The duplicate check answers as reading every contact would,
        /// through adds, changes in place and deletes.
        #[test]
        fn the_duplicate_check_agrees_with_reading_every_contact(
            ops in proptest::collection::vec(op(), 0..40),
            probes in proptest::collection::vec((0..9u8, 0..9u8, any::<Option<usize>>()), 1..12),
        ) {
            let mut store = Store::seeded("loc", 60, 8);
            apply(&mut store, &ops);
            let ids = store.contact_ids();
            for (e, p, except) in probes {
                let e = (e < 8).then(|| email(e).to_lowercase());
                let p = (p < 8).then(|| phone(p));
                let except = except.map(|k| ids[k % ids.len()].clone());
                let digits = |s: &str| -> String { s.chars().filter(char::is_ascii_digit).collect() };
                let want = store
                    .contacts
                    .iter()
                    .filter(|c| Some(text(c, "id")) != except.as_deref())
                    .find(|c| {
                        e.as_deref().is_some_and(|e| text(c, "email").to_lowercase() == e)
                            || p.as_deref().is_some_and(|p| digits(text(c, "phone")) == digits(p))
                    })
                    .map(|c| text(&c, "id").to_string());
                let got = store.find_existing(e.as_deref(), p.as_deref(), except.as_deref());
                prop_assert_eq!(got, want);
            }
        }
    }
}
