//! Filters in the search language: `assigned:me`, `tag:vip`, `-tag:cold`,
//! `added:<7d`, `updated:>2026-11-01`, `dnd:yes`, `source:facebook`, and
//! custom fields by name (`budget:>5000`, `lead-source:referral`). Any of
//! them negated with a leading `-`. What is not a filter is left to the
//! text search.
//!
//! A filter is checked against a contact's [`Facts`]: the few fields it
//! looks at, kept compactly beside each search entry, so that filtering
//! 100,000 cached contacts takes a scan of small records. The same filter
//! becomes POST /contacts/search `filters` when the cache is not complete.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use serde_json::{Value, json};

use crate::api::locations::{CustomField, FieldKind};
use crate::api::model::{Contact, User, custom_text, parse_timestamp};
use crate::search::fold;
use crate::zone::Zone;

/// The few fields of a contact that filters look at.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Facts {
    pub assigned: Option<Arc<str>>,
    /// Folded.
    pub source: Option<Arc<str>>,
    pub dnd: bool,
    /// Epoch milliseconds; `i64::MIN` when unknown.
    pub added: i64,
    pub updated: i64,
    /// Custom field values by field slot (see [`slot`]), folded, a list
    /// as its items joined by ", "; with the value read as a number (NaN
    /// when it is not one), read once here rather than at each keystroke.
    pub custom: Box<[(u16, Arc<str>, f64)]>,
}

fn as_number(v: &str) -> f64 {
    crate::input::plain_number(v.trim_start_matches('$')).unwrap_or(f64::NAN)
}

#[derive(Default)]
struct Slots {
    by_id: HashMap<String, u16>,
    ids: Vec<String>,
}

fn slots() -> std::sync::MutexGuard<'static, Slots> {
    static SLOTS: OnceLock<Mutex<Slots>> = OnceLock::new();
    SLOTS
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner())
}

/// A small number for a custom field id, the same for the whole process,
/// so that each contact's values do not repeat the ids. Past 65,535 ids
/// (never, in practice) the rest share the last slot.
pub fn slot(id: &str) -> u16 {
    let mut m = slots();
    if let Some(s) = m.by_id.get(id) {
        return *s;
    }
    let next = u16::try_from(m.ids.len()).unwrap_or(u16::MAX);
    if next < u16::MAX {
        m.by_id.insert(id.to_string(), next);
        m.ids.push(id.to_string());
    }
    next
}

fn slot_id(slot: u16) -> Option<String> {
    slots().ids.get(usize::from(slot)).cloned()
}

/// One shared copy of each value: a location's contacts repeat their
/// owners, sources and options (and many numbers and dates) thousands of
/// times, and 100,000 contacts' facts should cost their distinct values,
/// not their count.
pub fn intern(s: &str) -> Arc<str> {
    static SEEN: OnceLock<Mutex<std::collections::HashSet<Arc<str>>>> = OnceLock::new();
    let mut seen = SEEN
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    if let Some(v) = seen.get(s) {
        return v.clone();
    }
    let v: Arc<str> = Arc::from(s);
    seen.insert(v.clone());
    v
}

fn ms(t: Option<&str>) -> i64 {
    t.and_then(parse_timestamp)
        .map_or(i64::MIN, |t| t.timestamp_millis())
}

impl Facts {
    pub fn of(c: &Contact) -> Self {
        let nonblank = |s: &Option<String>| {
            s.as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(intern)
        };
        Facts {
            assigned: nonblank(&c.assigned_to),
            source: c
                .source
                .as_deref()
                .map(|s| fold(s.trim()))
                .filter(|s| !s.is_empty())
                .map(|s| intern(&s)),
            dnd: c.dnd.unwrap_or(false),
            added: ms(c.date_added.as_deref()),
            updated: ms(c.date_updated.as_deref()),
            custom: c
                .custom_fields
                .iter()
                .flatten()
                .filter_map(|v| {
                    let t = custom_text(v.value.as_ref()?);
                    (!t.is_empty()).then(|| {
                        let t = fold(&t);
                        let n = as_number(&t);
                        (slot(&v.id), intern(&t), n)
                    })
                })
                .collect(),
        }
    }

    /// As the cache keeps them: one line of fields split by unit
    /// separators (assignee, source, dnd, added, updated), then each
    /// custom value as `id ␞ value`, split by group separators. Quick to
    /// read back for 100,000 rows at start.
    pub fn encode(&self) -> String {
        let clean = |s: &str| -> String {
            s.chars()
                .map(|c| {
                    if matches!(c, '\u{1d}' | '\u{1e}' | '\u{1f}') {
                        ' '
                    } else {
                        c
                    }
                })
                .collect()
        };
        let mut out = format!(
            "1\u{1f}{}\u{1f}{}\u{1f}{}\u{1f}{}\u{1f}{}\u{1f}",
            clean(self.assigned.as_deref().unwrap_or("")),
            clean(self.source.as_deref().unwrap_or("")),
            u8::from(self.dnd),
            self.added,
            self.updated
        );
        let mut first = true;
        for (s, v, _) in self.custom.iter() {
            let Some(id) = slot_id(*s) else { continue };
            if !first {
                out.push('\u{1d}');
            }
            first = false;
            out.push_str(&clean(&id));
            out.push('\u{1e}');
            out.push_str(&clean(v));
        }
        out
    }

    /// What [`Facts::encode`] wrote; anything else reads as no facts.
    pub fn decode(s: &str) -> Self {
        let mut parts = s.splitn(7, '\u{1f}');
        if parts.next() != Some("1") {
            return Facts::default();
        }
        let text = |p: Option<&str>| p.filter(|v| !v.is_empty()).map(intern);
        let (assigned, source) = (text(parts.next()), text(parts.next()));
        let dnd = parts.next() == Some("1");
        let time = |p: Option<&str>| p.and_then(|t| t.parse::<i64>().ok()).unwrap_or(i64::MIN);
        let (added, updated) = (time(parts.next()), time(parts.next()));
        let custom = parts
            .next()
            .unwrap_or("")
            .split('\u{1d}')
            .filter_map(|pair| {
                let (id, v) = pair.split_once('\u{1e}')?;
                (!id.is_empty() && !v.is_empty()).then(|| (slot(id), intern(v), as_number(v)))
            })
            .collect();
        Facts {
            assigned,
            source,
            dnd,
            added,
            updated,
            custom,
        }
    }

    fn value(&self, slot: u16) -> Option<&str> {
        self.custom
            .iter()
            .find(|(s, _, _)| *s == slot)
            .map(|(_, v, _)| &**v)
    }

    fn number(&self, slot: u16) -> Option<f64> {
        self.custom
            .iter()
            .find(|(s, _, _)| *s == slot)
            .map(|(_, _, n)| *n)
            .filter(|n| !n.is_nan())
    }
}

/// What a filter is read against: who "me" is, the location's users (for
/// names), its custom fields (by name), and now (for `added:<7d`).
#[derive(Clone, Copy)]
pub struct Context<'a> {
    pub me: Option<&'a str>,
    /// The profile's user as the config names them (for what to say when
    /// they are not found).
    pub me_email: Option<&'a str>,
    pub users: &'a [User],
    pub defs: &'a [CustomField],
    pub now: DateTime<Utc>,
    pub zone: Zone,
}

/// An inclusive range of epoch milliseconds.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Span {
    lo: i64,
    hi: i64,
}

#[derive(Debug, Clone, PartialEq)]
enum Test {
    /// Assigned to any of these users; none: to nobody.
    Assigned(Vec<String>),
    Tag(String),
    Added(Span),
    Updated(Span),
    Dnd(bool),
    Source(String),
    /// A custom field has a value at all (`budget:*`).
    Has(u16),
    Number {
        slot: u16,
        lo: f64,
        hi: f64,
    },
    Date {
        slot: u16,
        lo: NaiveDate,
        hi: NaiveDate,
    },
    /// An option (or, in a multi-select, any of them) starts with this.
    Option {
        slot: u16,
        text: String,
    },
    /// The text holds this.
    Text {
        slot: u16,
        text: String,
    },
}

/// One filter of a query (see [`Filter::clauses`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Clause {
    not: bool,
    test: Test,
    /// The custom field's id, for the server.
    field_id: Option<String>,
}

/// The filters of a query. `problems` says what could not be read (each
/// such word is left out, and said in the list's title).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Filter {
    clauses: Vec<Clause>,
    pub problems: Vec<String>,
    /// The filter words as typed, to tell one filter from another.
    pub words: Vec<String>,
    /// Filter words without a value yet (`budget:`): left out.
    pub incomplete: Vec<String>,
}

/// The words of a query, a quoted part (`lead-source:"google ads"`) kept
/// in its word.
pub fn words(q: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    for c in q.chars() {
        match c {
            '"' => quoted = !quoted,
            c if c.is_whitespace() && !quoted => {
                if !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
                continue;
            }
            _ => {}
        }
        cur.push(c);
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// A custom field's name as a filter key: folded, words joined by `-`
/// ("Lead source" → `lead-source`).
pub fn slug(name: &str) -> String {
    fold(name.trim())
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join("-")
}

const KEYS: [&str; 6] = ["assigned", "tag", "added", "updated", "dnd", "source"];

impl Filter {
    pub fn is_empty(&self) -> bool {
        self.clauses.is_empty()
    }

    /// Splits `query` into its filters and the text left for the search.
    pub fn split(query: &str, cx: &Context) -> (Filter, String) {
        let mut f = Filter::default();
        let mut rest: Vec<String> = Vec::new();
        for word in words(query) {
            let (not, body) = match word.strip_prefix('-') {
                Some(b) => (true, b),
                None => (false, word.as_str()),
            };
            let Some((key, value)) = body.split_once(':') else {
                rest.push(word);
                continue;
            };
            let key = fold(key);
            let value = value.trim_matches('"').trim();
            let def = (!KEYS.contains(&key.as_str()))
                .then(|| {
                    cx.defs.iter().find(|d| {
                        slug(d.label()) == key
                            || d.field_key.as_deref().is_some_and(|k| {
                                let short = k.strip_prefix("contact.").unwrap_or(k);
                                fold(k) == key || fold(short) == key || slug(short) == key
                            })
                    })
                })
                .flatten();
            if !KEYS.contains(&key.as_str()) && def.is_none() {
                // Not a filter (email:, phone:, or just a colon).
                rest.push(word);
                continue;
            }
            f.words.push(word.clone());
            if value.is_empty() {
                // Still being typed.
                f.incomplete.push(word.clone());
                continue;
            }
            let test = match def {
                Some(d) => custom_test(d, value, cx).map(|t| (t, Some(d.id.clone()))),
                None => builtin_test(&key, value, cx).map(|t| (t, None)),
            };
            match test {
                Ok((test, field_id)) => f.clauses.push(Clause {
                    not,
                    test,
                    field_id,
                }),
                Err(why) => f
                    .problems
                    .push(format!("{}: {why}", crate::text::snippet(&word, 40))),
            }
        }
        (f, rest.join(" "))
    }

    /// Whether a contact with these facts passes every filter.
    pub fn matches(&self, x: &Facts) -> bool {
        self.clauses.iter().all(|c| c.test.holds(x) != c.not)
    }

    /// The filters as POST /contacts/search `filters`: those the search
    /// can express, so the server's answer holds at least every match (it
    /// is filtered again here).
    pub fn to_server(&self) -> Vec<Value> {
        let iso =
            |ms: i64| DateTime::from_timestamp_millis(ms).map(crate::api::model::format_timestamp);
        let mut out = Vec::new();
        for c in &self.clauses {
            let field = |f: &str| Value::from(f);
            let v = match (&c.test, c.not) {
                (Test::Assigned(ids), false) if ids.is_empty() => {
                    json!({"field": "assignedTo", "operator": "not_exists"})
                }
                (Test::Assigned(ids), true) if ids.is_empty() => {
                    json!({"field": "assignedTo", "operator": "exists"})
                }
                (Test::Assigned(ids), false) if ids.len() == 1 => {
                    json!({"field": "assignedTo", "operator": "eq", "value": ids[0]})
                }
                (Test::Assigned(ids), false) => json!({"group": "OR", "filters": ids
                    .iter()
                    .map(|i| json!({"field": "assignedTo", "operator": "eq", "value": i}))
                    .collect::<Vec<_>>()}),
                (Test::Assigned(ids), true) => json!({"group": "AND", "filters": ids
                    .iter()
                    .map(|i| json!({"field": "assignedTo", "operator": "not_eq", "value": i}))
                    .collect::<Vec<_>>()}),
                (Test::Tag(t), not) => json!({"field": "tags",
                    "operator": if not { "not_eq" } else { "eq" }, "value": t}),
                (Test::Dnd(d), not) => {
                    json!({"field": "dnd", "operator": "eq", "value": *d != not})
                }
                (Test::Source(s), not) => json!({"field": "source",
                    "operator": if not { "not_contains" } else { "contains" }, "value": s}),
                (Test::Added(sp) | Test::Updated(sp), false) => {
                    let name = if matches!(c.test, Test::Added(_)) {
                        "dateAdded"
                    } else {
                        "dateUpdated"
                    };
                    let mut r = serde_json::Map::new();
                    if sp.lo > i64::MIN
                        && let Some(t) = iso(sp.lo)
                    {
                        r.insert("gte".into(), t.into());
                    }
                    if sp.hi < i64::MAX
                        && let Some(t) = iso(sp.hi)
                    {
                        r.insert("lte".into(), t.into());
                    }
                    json!({"field": field(name), "operator": "range", "value": r})
                }
                (Test::Number { lo, hi, .. }, false) => {
                    let mut r = serde_json::Map::new();
                    if lo.is_finite() {
                        r.insert("gte".into(), json!(lo));
                    }
                    if hi.is_finite() {
                        r.insert("lte".into(), json!(hi));
                    }
                    let Some(id) = &c.field_id else { continue };
                    json!({"field": format!("customFields.{id}"), "operator": "range", "value": r})
                }
                (Test::Has(_), not) => {
                    let Some(id) = &c.field_id else { continue };
                    json!({"field": format!("customFields.{id}"),
                        "operator": if not { "not_exists" } else { "exists" }})
                }
                (Test::Text { text, .. }, not) => {
                    let Some(id) = &c.field_id else { continue };
                    json!({"field": format!("customFields.{id}"),
                        "operator": if not { "not_contains" } else { "contains" }, "value": text})
                }
                // Prefixes, negated ranges and dates: checked here only.
                _ => continue,
            };
            out.push(v);
        }
        out
    }
}

impl Test {
    fn holds(&self, x: &Facts) -> bool {
        let within = |t: i64, s: &Span| t != i64::MIN && s.lo <= t && t <= s.hi;
        match self {
            Test::Assigned(ids) => match &x.assigned {
                None => ids.is_empty(),
                Some(a) => ids.iter().any(|i| **i == **a),
            },
            Test::Tag(_) => false, // checked on the entry's tags, see `matches_entry`
            Test::Added(s) => within(x.added, s),
            Test::Updated(s) => within(x.updated, s),
            Test::Dnd(d) => x.dnd == *d,
            Test::Source(s) => x.source.as_deref().is_some_and(|v| v.contains(s.as_str())),
            Test::Has(slot) => x.value(*slot).is_some(),
            Test::Number { slot, lo, hi } => x.number(*slot).is_some_and(|n| *lo <= n && n <= *hi),
            Test::Date { slot, lo, hi } => x
                .value(*slot)
                .and_then(|v| v.get(..10))
                .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
                .is_some_and(|d| *lo <= d && d <= *hi),
            Test::Option { slot, text } => x
                .value(*slot)
                .is_some_and(|v| v.split(", ").any(|o| o.starts_with(text.as_str()))),
            Test::Text { slot, text } => x.value(*slot).is_some_and(|v| v.contains(text.as_str())),
        }
    }
}

/// A comparison as typed: `>5000`, `<=2026-11-01`, `7d`, and the rest.
fn comparison(v: &str) -> (&'static str, &str) {
    for op in [">=", "<=", ">", "<", "="] {
        if let Some(rest) = v.strip_prefix(op) {
            return (op, rest.trim());
        }
    }
    ("=", v)
}

/// `7d`, `2w`, `12h`, `1y`: how long, in milliseconds.
fn ago(v: &str) -> Option<i64> {
    let split = v.find(|c: char| !c.is_ascii_digit())?;
    let (n, unit) = v.split_at(split);
    let n: i64 = n.parse().ok()?;
    let d = match unit {
        "h" => Duration::try_hours(n),
        "d" => Duration::try_days(n),
        "w" => Duration::try_weeks(n),
        "y" => Duration::try_days(n.checked_mul(365)?),
        _ => None,
    }?;
    Some(d.num_milliseconds())
}

/// The day `v` names (`2026-11-01`, `today`, `yesterday`) in the zone.
fn day(v: &str, cx: &Context) -> Option<NaiveDate> {
    let today = cx.now.with_timezone(&cx.zone).date_naive();
    match v {
        "today" => Some(today),
        "yesterday" => today.pred_opt(),
        _ => NaiveDate::parse_from_str(v, "%Y-%m-%d").ok(),
    }
}

/// A date filter's range of instants.
fn time_span(v: &str, cx: &Context) -> Result<Span, String> {
    let (op, v) = comparison(v);
    let now = cx.now.timestamp_millis();
    if let Some(len) = ago(v) {
        let at = now.saturating_sub(len);
        return Ok(match op {
            // Less than 7 days ago: since then.
            "<" | "<=" => Span {
                lo: at,
                hi: i64::MAX,
            },
            ">" | ">=" => Span {
                lo: i64::MIN,
                hi: at,
            },
            _ => Span {
                lo: at,
                hi: i64::MAX,
            },
        });
    }
    let d = day(v, cx).ok_or("expects 7d, 2w, 12h, a date (2026-11-01) or today")?;
    // The day's first instant: midnight, or (where a clock change skips
    // midnight, as in Santiago or Beirut) the first hour that exists; a
    // date past what the clock can hold bounds nothing.
    let start = |d: NaiveDate| {
        (0..4)
            .filter_map(|h| d.and_hms_opt(h, 0, 0))
            .find_map(|t| cx.zone.from_local_datetime(&t).earliest())
            .map(|t| t.timestamp_millis())
            .unwrap_or(
                d.and_hms_opt(0, 0, 0)
                    .map_or(i64::MIN, |t| t.and_utc().timestamp_millis()),
            )
    };
    let (from, to) = (
        start(d),
        d.succ_opt()
            .map_or(i64::MAX, |n| start(n).saturating_sub(1)),
    );
    Ok(match op {
        ">" => Span {
            lo: to.saturating_add(1),
            hi: i64::MAX,
        },
        ">=" => Span {
            lo: from,
            hi: i64::MAX,
        },
        "<" => Span {
            lo: i64::MIN,
            hi: from.saturating_sub(1),
        },
        "<=" => Span {
            lo: i64::MIN,
            hi: to,
        },
        _ => Span { lo: from, hi: to },
    })
}

fn builtin_test(key: &str, value: &str, cx: &Context) -> Result<Test, String> {
    let v = fold(value);
    match key {
        "assigned" => match v.as_str() {
            "me" => cx
                .me
                .map(|m| Test::Assigned(vec![m.to_string()]))
                .ok_or_else(|| match cx.me_email {
                    Some(e) => format!(
                        "the profile's user {} is not among the location's users",
                        crate::text::snippet(e, 40)
                    ),
                    None => {
                        "who is \"me\"? Name yourself in the profile: user = \"you@example.com\""
                            .to_string()
                    }
                }),
            "none" | "nobody" => Ok(Test::Assigned(Vec::new())),
            _ => {
                let ids: Vec<String> = cx
                    .users
                    .iter()
                    .filter(|u| {
                        let name = fold(&u.display_name());
                        let local = u
                            .email
                            .as_deref()
                            .map(|e| fold(e.split('@').next().unwrap_or("")))
                            .unwrap_or_default();
                        u.id == value
                            || u.email.as_deref().is_some_and(|e| fold(e) == v)
                            || name.starts_with(&v)
                            || name.split(' ').any(|w| w.starts_with(&v))
                            || local.starts_with(&v)
                    })
                    .map(|u| u.id.clone())
                    .collect();
                if ids.is_empty() {
                    Err(format!("no user is called {value:?}"))
                } else {
                    Ok(Test::Assigned(ids))
                }
            }
        },
        "tag" => Ok(Test::Tag(v)),
        "added" => time_span(&v, cx).map(Test::Added),
        "updated" => time_span(&v, cx).map(Test::Updated),
        "dnd" => match v.as_str() {
            "yes" | "y" | "true" | "on" => Ok(Test::Dnd(true)),
            "no" | "n" | "false" | "off" => Ok(Test::Dnd(false)),
            _ => Err("expects yes or no".into()),
        },
        "source" => Ok(Test::Source(v)),
        _ => Err("not a filter".into()),
    }
}

fn custom_test(d: &CustomField, value: &str, cx: &Context) -> Result<Test, String> {
    let slot = slot(&d.id);
    let v = fold(value);
    if v == "*" {
        return Ok(Test::Has(slot));
    }
    match d.kind() {
        FieldKind::Number | FieldKind::Money => {
            let (op, n) = comparison(&v);
            let num = |s: &str| crate::input::plain_number(s.trim_start_matches('$'));
            let (lo, hi) = match n.split_once("..") {
                Some((a, b)) => (
                    num(a).ok_or("expects a number")?,
                    num(b).ok_or("expects a number")?,
                ),
                None => {
                    let n = num(n).ok_or("expects a number: >5000, <=20, 100..500")?;
                    match op {
                        ">" => (next_up(n), f64::INFINITY),
                        ">=" => (n, f64::INFINITY),
                        "<" => (f64::NEG_INFINITY, next_down(n)),
                        "<=" => (f64::NEG_INFINITY, n),
                        _ => (n, n),
                    }
                }
            };
            Ok(Test::Number { slot, lo, hi })
        }
        FieldKind::Date => {
            let (op, rest) = comparison(&v);
            let d = day(rest, cx).ok_or("expects a date: 2026-11-01, >today, <=2027-01-31")?;
            let (lo, hi) = match op {
                ">" => (d.succ_opt().unwrap_or(d), NaiveDate::MAX),
                ">=" => (d, NaiveDate::MAX),
                "<" => (NaiveDate::MIN, d.pred_opt().unwrap_or(d)),
                "<=" => (NaiveDate::MIN, d),
                _ => (d, d),
            };
            Ok(Test::Date { slot, lo, hi })
        }
        FieldKind::One | FieldKind::Many => Ok(Test::Option { slot, text: v }),
        _ => Ok(Test::Text { slot, text: v }),
    }
}

fn next_up(n: f64) -> f64 {
    n + f64::EPSILON * n.abs().max(1.0)
}

fn next_down(n: f64) -> f64 {
    n - f64::EPSILON * n.abs().max(1.0)
}

/// Whether a contact's folded tags (as the search entry keeps them) hold
/// `tag` exactly.
pub fn has_tag<'a>(mut tags: impl Iterator<Item = &'a str>, tag: &str) -> bool {
    tags.any(|t| t == tag)
}

impl Filter {
    /// [`Filter::matches`], with the tags from the search entry.
    pub fn matches_entry(&self, e: &crate::search::Entry) -> bool {
        self.clauses.iter().all(|c| c.matches_entry(e))
    }

    /// Its filters one by one (all must hold), for an index to keep which
    /// contacts pass each while the others change.
    pub fn clauses(&self) -> &[Clause] {
        &self.clauses
    }
}

impl Clause {
    pub fn matches_entry(&self, e: &crate::search::Entry) -> bool {
        self.matches_parts(e.tags(), &e.facts)
    }

    /// Whether a contact with these folded tags and facts passes.
    pub fn matches_parts<'a>(&self, tags: impl Iterator<Item = &'a str>, facts: &Facts) -> bool {
        let holds = match &self.test {
            Test::Tag(t) => has_tag(tags, t),
            other => other.holds(facts),
        };
        holds != self.not
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    struct World {
        contacts: Vec<Contact>,
        users: Vec<User>,
        defs: Vec<CustomField>,
        now: DateTime<Utc>,
    }

    fn world() -> World {
        let anchor = Utc.with_ymd_and_hms(2026, 11, 24, 0, 0, 0).unwrap();
        let data = crate::sandbox::seed::generate(400, 7, "loc", anchor);
        World {
            contacts: data
                .contacts
                .into_iter()
                .filter_map(|m| serde_json::from_value(Value::Object(m)).ok())
                .collect(),
            users: data
                .users
                .into_iter()
                .filter_map(|m| serde_json::from_value(Value::Object(m)).ok())
                .collect(),
            defs: crate::sandbox::locations::custom_field_definitions("loc")
                .into_iter()
                .map(|d| serde_json::from_value(d).unwrap())
                .collect(),
            now: anchor,
        }
    }

    fn value<'a>(c: &'a Contact, id: &str) -> Option<&'a str> {
        c.custom_fields
            .iter()
            .flatten()
            .find(|v| v.id == id)
            .and_then(|v| v.value.as_ref())
            .and_then(Value::as_str)
    }

    /// Each filter keeps exactly the contacts a plain reading of the
    /// contact's fields says it should, from the whole record and from the
    /// facts as the cache keeps them.
    #[test]
    fn each_filter_keeps_what_its_rule_says() {
        let w = world();
        let me = w
            .contacts
            .iter()
            .find_map(|c| c.assigned_to.clone())
            .unwrap();
        let maya = w.users.iter().find(|u| u.id == me).unwrap();
        let first = maya
            .display_name()
            .split(' ')
            .next()
            .unwrap()
            .to_lowercase();
        let cx = Context {
            me: Some(&me),
            me_email: None,
            users: &w.users,
            defs: &w.defs,
            now: w.now,
            zone: Zone::parse("utc").unwrap(),
        };
        let day = |y, m, d| Utc.with_ymd_and_hms(y, m, d, 0, 0, 0).unwrap();
        let added = |c: &Contact| parse_timestamp(c.date_added.as_deref().unwrap()).unwrap();
        let updated = |c: &Contact| parse_timestamp(c.date_updated.as_deref().unwrap()).unwrap();
        let budget =
            |c: &Contact| value(c, "cfBudget0000000000001").and_then(|v| v.parse::<f64>().ok());
        type Rule<'a> = Box<dyn Fn(&Contact) -> bool + 'a>;
        let cases: Vec<(String, Rule)> = vec![
            (
                "assigned:me".into(),
                Box::new(|c: &Contact| c.assigned_to.as_deref() == Some(me.as_str())),
            ),
            (
                format!("assigned:{first}"),
                Box::new(|c: &Contact| c.assigned_to.as_deref() == Some(me.as_str())),
            ),
            (
                "assigned:none".into(),
                Box::new(|c: &Contact| c.assigned_to.is_none()),
            ),
            (
                "-assigned:me".into(),
                Box::new(|c: &Contact| c.assigned_to.as_deref() != Some(me.as_str())),
            ),
            (
                "tag:vip".into(),
                Box::new(|c: &Contact| c.tags().iter().any(|t| t == "vip")),
            ),
            (
                "-tag:vip".into(),
                Box::new(|c: &Contact| !c.tags().iter().any(|t| t == "vip")),
            ),
            (
                "tag:VIP".into(),
                Box::new(|c: &Contact| c.tags().iter().any(|t| t == "vip")),
            ),
            (
                "dnd:yes".into(),
                Box::new(|c: &Contact| c.dnd == Some(true)),
            ),
            ("dnd:no".into(), Box::new(|c: &Contact| c.dnd != Some(true))),
            (
                "source:face".into(),
                Box::new(|c: &Contact| c.source.as_deref().is_some_and(|s| s.contains("face"))),
            ),
            (
                "added:<30d".into(),
                Box::new(|c: &Contact| added(c) >= w.now - Duration::days(30)),
            ),
            (
                "added:>365d".into(),
                Box::new(|c: &Contact| added(c) <= w.now - Duration::days(365)),
            ),
            (
                "updated:>2026-11-01".into(),
                Box::new(|c: &Contact| updated(c) >= day(2026, 11, 2)),
            ),
            (
                "updated:<=2026-11-01".into(),
                Box::new(|c: &Contact| updated(c) < day(2026, 11, 2)),
            ),
            (
                "budget:>5000".into(),
                Box::new(|c: &Contact| budget(c).is_some_and(|b| b > 5000.0)),
            ),
            (
                "budget:<=$5,000".into(),
                Box::new(|c: &Contact| budget(c).is_some_and(|b| b <= 5000.0)),
            ),
            (
                "budget:5000..10000".into(),
                Box::new(|c: &Contact| budget(c).is_some_and(|b| (5000.0..=10000.0).contains(&b))),
            ),
            (
                "-seats:*".into(),
                Box::new(|c: &Contact| value(c, "cfSeats00000000000007").is_none()),
            ),
            (
                "seats:*".into(),
                Box::new(|c: &Contact| value(c, "cfSeats00000000000007").is_some()),
            ),
            (
                "lead-source:referral".into(),
                Box::new(|c: &Contact| value(c, "cfReferral00000000002") == Some("referral")),
            ),
            (
                "lead_source:referral".into(),
                Box::new(|c: &Contact| value(c, "cfReferral00000000002") == Some("referral")),
            ),
            (
                "lead-source:\"google ads\"".into(),
                Box::new(|c: &Contact| value(c, "cfReferral00000000002") == Some("google ads")),
            ),
            (
                "interests:solar".into(),
                Box::new(|c: &Contact| {
                    value(c, "cfInterests0000000005")
                        .is_some_and(|v| v.split(", ").any(|x| x == "solar"))
                }),
            ),
            (
                "next-renewal:<2027-01-01".into(),
                Box::new(|c: &Contact| {
                    value(c, "cfRenewal000000000003").is_some_and(|v| v < "2027-01-01")
                }),
            ),
            (
                "job-title:manager".into(),
                Box::new(|c: &Contact| {
                    value(c, "cfJobTitle00000000008")
                        .is_some_and(|v| v.to_lowercase().contains("manager"))
                }),
            ),
        ];
        for (q, rule) in &cases {
            let (f, text) = Filter::split(q, &cx);
            assert!(f.problems.is_empty(), "{q}: {:?}", f.problems);
            assert_eq!(text, "", "{q}");
            let mut kept = 0;
            for c in &w.contacts {
                let e = crate::search::Entry::new(c);
                let want = rule(c);
                assert_eq!(f.matches_entry(&e), want, "{q} on {}", c.id);
                // The cache's copy of the facts says the same.
                let cached = e.clone().with_facts(Facts::decode(&e.facts.encode()));
                assert_eq!(f.matches_entry(&cached), want, "{q} (cached) on {}", c.id);
                kept += usize::from(want);
            }
            // Each case keeps some and drops some: a rule that is always
            // true or false would prove nothing.
            assert!(kept > 0 && kept < w.contacts.len(), "{q}: kept {kept}");
        }
        // Together, with words for the text search left over.
        let (f, text) = Filter::split("assigned:me ada tag:vip budget:>5000 email:x", &cx);
        assert_eq!(text, "ada email:x");
        assert_eq!(f.words.len(), 3);
    }

    #[test]
    fn what_cannot_be_read_is_said_and_what_is_half_typed_waits() {
        let w = world();
        let cx = Context {
            me: None,
            me_email: None,
            users: &w.users,
            defs: &w.defs,
            now: w.now,
            zone: Zone::Local,
        };
        for (q, says) in [
            ("budget:>lots", "expects a number"),
            ("assigned:zebulon", "no user is called"),
            ("assigned:me", "user = "),
            ("dnd:maybe", "yes or no"),
            ("added:soon", "expects 7d"),
            ("next-renewal:someday", "expects a date"),
        ] {
            let (f, _) = Filter::split(q, &cx);
            assert!(f.is_empty(), "{q}");
            assert!(
                f.problems.first().is_some_and(|p| p.contains(says)),
                "{q}: {:?}",
                f.problems
            );
        }
        for q in ["budget:", "tag:", "-assigned:"] {
            let (f, text) = Filter::split(q, &cx);
            assert!(
                f.is_empty() && f.problems.is_empty() && text.is_empty(),
                "{q}"
            );
        }
        assert_eq!(
            words(r#"a lead-source:"google ads" b"#),
            ["a", "lead-source:\"google ads\"", "b"]
        );
        // Days whose midnight does not exist (Santiago, 2026-09-06), and
        // dates at the ends of the calendar: read, never an overflow.
        let santiago = Context {
            zone: Zone::parse("America/Santiago").unwrap(),
            ..cx
        };
        for q in [
            "added:<2026-09-06",
            "added:>2026-09-05",
            "added:2026-09-06",
            "updated:<=2026-09-06",
            "added:>+262142-12-31",
            "added:<-262143-01-01",
            "added:>262142-12-31",
            "added:<0000-01-01",
            "added:<99999999999999d",
        ] {
            let (f, _) = Filter::split(q, &santiago);
            for c in &w.contacts {
                let _ = f.matches_entry(&crate::search::Entry::new(c));
            }
        }
        let (f, _) = Filter::split("added:2026-09-06", &santiago);
        assert!(f.problems.is_empty(), "{:?}", f.problems);
        // Hostile text in a problem is cut and never panics.
        let (f, _) = Filter::split(&format!("budget:>{}", "\u{1b}[2J".repeat(50)), &cx);
        assert!(f.problems[0].chars().count() < 120);
    }
}
