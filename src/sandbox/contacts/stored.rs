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
    Seeded { i: u32, state: u64, updated: i64 },
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

