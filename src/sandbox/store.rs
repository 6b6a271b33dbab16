//! The sandbox's in-memory location: contacts, tasks, notes, appointments and
//! tags, stored as the JSON objects the API sends, with the behaviour of each
//! endpoint. HTTP concerns (auth, limits, faults) live in `http.rs`.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};

use super::seed::{self, make_id};
use super::validate::{Field, Kind, check, opt, req};
use crate::api::model::{format_timestamp, parse_timestamp};

type Obj = Map<String, Value>;

/// An HTTP answer: status and JSON body.
#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    pub status: u16,
    pub body: Value,
}

pub type Outcome = Result<Reply, Reply>;

/// A contact as POST /contacts/search rows carry it on the live service
/// (GoHighLevel/highlevel-api-docs#314 and #43), unlike GET /contacts/{id}:
/// `address` for `address1`, `dateOfBirth` in epoch milliseconds, and no
/// `dndSettings`.
fn search_row(mut c: Obj) -> Obj {
    if let Some(a) = c.remove("address1") {
        c.insert("address".into(), a);
    }
    if let Some(d) = c.get("dateOfBirth").and_then(Value::as_str)
        && let Ok(day) = chrono::NaiveDate::parse_from_str(&d[..d.len().min(10)], "%Y-%m-%d")
    {
        let ms = day
            .and_hms_opt(0, 0, 0)
            .map(|t| t.and_utc().timestamp_millis());
        c.insert("dateOfBirth".into(), json!(ms));
    }
    c.remove("dndSettings");
    c
}

fn ok(body: Value) -> Outcome {
    Ok(Reply { status: 200, body })
}

fn created(body: Value) -> Outcome {
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

fn checked<'a>(body: &'a Value, fields: &[Field]) -> Result<&'a Obj, Reply> {
    check(body, fields).map_err(unprocessable)
}

// The DTOs of the spec, as whitelists.
const CONTACT_COMMON: &[Field] = &[
    opt("firstName", Kind::NullableStr),
    opt("lastName", Kind::NullableStr),
    opt("name", Kind::NullableStr),
    opt("email", Kind::NullableEmail),
    opt("phone", Kind::NullableStr),
    opt("address1", Kind::NullableStr),
    opt("city", Kind::NullableStr),
    opt("state", Kind::NullableStr),
    opt("postalCode", Kind::Str),
    opt("website", Kind::NullableStr),
    opt("timezone", Kind::NullableStr),
    opt("dnd", Kind::Bool),
    opt("dndSettings", Kind::Object),
    opt("inboundDndSettings", Kind::Object),
    opt("tags", Kind::StrArray),
    opt("customFields", Kind::Array),
    opt("dateOfBirth", Kind::NullableObject),
    opt("country", Kind::Str),
    opt("assignedTo", Kind::NullableStr),
];

fn create_contact_fields(upsert: bool) -> Vec<Field> {
    let mut f = CONTACT_COMMON.to_vec();
    f.extend([
        req("locationId", Kind::Str),
        opt("gender", Kind::Str),
        opt("source", Kind::Str),
        opt("companyName", Kind::NullableStr),
    ]);
    if upsert {
        f.push(opt("createNewIfDuplicateAllowed", Kind::Bool));
    }
    f
}

/// PUT /contacts/{id}: the spec's UpdateContactDto, plus what the live
/// service is reported to take as well (GoHighLevel/highlevel-api-docs#314):
/// companyName, type, keyword and ssn (dateOfBirth, source and timezone are
/// in the DTO). Anything else is still refused with 422.
fn update_contact_fields() -> Vec<Field> {
    let mut f = CONTACT_COMMON.to_vec();
    f.extend([
        opt("source", Kind::NullableStr),
        opt("companyName", Kind::NullableStr),
        opt("type", Kind::Str),
        opt("keyword", Kind::Str),
        opt("ssn", Kind::Str),
    ]);
    f
}

const CREATE_TASK: &[Field] = &[
    req("title", Kind::Str),
    opt("body", Kind::Str),
    req("dueDate", Kind::IsoDate),
    req("completed", Kind::Bool),
    opt("assignedTo", Kind::Str),
];
const UPDATE_TASK: &[Field] = &[
    opt("title", Kind::Str),
    opt("body", Kind::Str),
    opt("dueDate", Kind::IsoDate),
    opt("completed", Kind::Bool),
    opt("assignedTo", Kind::Str),
];
const TASK_COMPLETED: &[Field] = &[req("completed", Kind::Bool)];
const CREATE_NOTE: &[Field] = &[
    opt("userId", Kind::Str),
    req("body", Kind::Str),
    opt("title", Kind::Str),
    opt("color", Kind::Str),
    opt("pinned", Kind::Bool),
];
const UPDATE_NOTE: &[Field] = &[
    opt("userId", Kind::Str),
    opt("body", Kind::Str),
    opt("title", Kind::Str),
    opt("color", Kind::Str),
    opt("pinned", Kind::Bool),
];
const TAGS: &[Field] = &[req("tags", Kind::StrArray)];
const SEARCH: &[Field] = &[
    req("locationId", Kind::Str),
    req("pageLimit", Kind::Number),
    opt("page", Kind::Number),
    opt("searchAfter", Kind::Array),
    opt("filters", Kind::Array),
    opt("sort", Kind::Array),
    opt("query", Kind::Str),
];
const TASK_SEARCH: &[Field] = &[
    opt("contactId", Kind::StrArray),
    opt("completed", Kind::Bool),
    opt("assignedTo", Kind::StrArray),
    opt("query", Kind::Str),
    opt("limit", Kind::Number),
    opt("skip", Kind::Number),
    opt("businessId", Kind::Str),
];

/// The records that hang off a contact and share one shape of endpoints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Child {
    Task,
    Note,
}

impl Child {
    fn singular(self) -> &'static str {
        match self {
            Child::Task => "task",
            Child::Note => "note",
        }
    }

    fn plural(self) -> &'static str {
        match self {
            Child::Task => "tasks",
            Child::Note => "notes",
        }
    }

    fn missing(self) -> &'static str {
        match self {
            Child::Task => "Task not found",
            Child::Note => "Note not found",
        }
    }

    fn create_fields(self) -> &'static [Field] {
        match self {
            Child::Task => CREATE_TASK,
            Child::Note => CREATE_NOTE,
        }
    }

    fn update_fields(self) -> &'static [Field] {
        match self {
            Child::Task => UPDATE_TASK,
            Child::Note => UPDATE_NOTE,
        }
    }
}

/// Fields a contact can be sorted or filtered by in POST /contacts/search.
/// The value of custom field `id` on a contact (`customFields.{id}` in a
/// search filter, as HighLevel's search doc has it); numbers as numbers.
fn custom_field(c: &Obj, id: &str) -> Option<Value> {
    let v = c
        .get("customFields")?
        .as_array()?
        .iter()
        .find(|f| f.get("id").and_then(Value::as_str) == Some(id))?
        .get("value")?
        .clone();
    Some(match &v {
        Value::String(s) => s.trim().parse::<f64>().map_or(v.clone(), Value::from),
        _ => v,
    })
}

fn field_value(c: &Obj, field: &str) -> Option<Value> {
    if let Some(id) = field.strip_prefix("customFields.") {
        return custom_field(c, id).map(|v| match v {
            // Compared as text by eq and contains.
            Value::Number(n) => Value::String(n.as_f64().map_or(n.to_string(), |f| f.to_string())),
            v => v,
        });
    }
    let key = match field {
        "contactName" => return c.get("name").map(lower),
        "businessName" => "companyName",
        f => f,
    };
    c.get(key).cloned()
}

fn lower(v: &Value) -> Value {
    match v {
        Value::String(s) => Value::String(s.to_lowercase()),
        v => v.clone(),
    }
}

/// Sort key: (value as a comparable key, id). Dates sort by millisecond.
fn sort_key(c: &Obj, field: &str) -> Value {
    match field {
        "dateAdded" | "dateUpdated" => c
            .get(field)
            .and_then(Value::as_str)
            .and_then(parse_timestamp)
            .map(|t| Value::from(t.timestamp_millis()))
            .unwrap_or(Value::from(0)),
        f => field_value(c, f)
            .map(|v| lower(&v))
            .unwrap_or(Value::String(String::new())),
    }
}

fn cmp_values(a: &Value, b: &Value) -> std::cmp::Ordering {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x
            .as_f64()
            .unwrap_or(0.0)
            .total_cmp(&y.as_f64().unwrap_or(0.0)),
        (Value::String(x), Value::String(y)) => x.cmp(y),
        (Value::Bool(x), Value::Bool(y)) => x.cmp(y),
        (Value::Number(_), _) => std::cmp::Ordering::Less,
        (_, Value::Number(_)) => std::cmp::Ordering::Greater,
        _ => a.to_string().cmp(&b.to_string()),
    }
}

fn digits(s: &str) -> String {
    s.chars().filter(char::is_ascii_digit).collect()
}

/// The free-text `query`: a case-insensitive substring of name, email,
/// company or phone (by digits).
fn matches_query(c: &Obj, q: &str) -> bool {
    let q = q.trim().to_lowercase();
    if q.is_empty() {
        return true;
    }
    let text = |k: &str| c.get(k).and_then(Value::as_str).map(str::to_lowercase);
    for k in ["name", "firstName", "lastName", "email", "companyName"] {
        if text(k).is_some_and(|v| v.contains(&q)) {
            return true;
        }
    }
    let qd = digits(&q);
    !qd.is_empty()
        && qd.len() == q.chars().filter(|c| !" +-().".contains(*c)).count()
        && text("phone").is_some_and(|p| digits(&p).contains(&qd))
}

fn filter_matches(c: &Obj, f: &Value) -> Result<bool, String> {
    if let Some(group) = f.get("group").and_then(Value::as_str) {
        let subs = f
            .get("filters")
            .and_then(Value::as_array)
            .ok_or("a filter group needs a filters list")?;
        let results = subs
            .iter()
            .map(|s| filter_matches(c, s))
            .collect::<Result<Vec<_>, _>>()?;
        return match group {
            "AND" => Ok(results.iter().all(|r| *r)),
            "OR" => Ok(results.iter().any(|r| *r)),
            g => Err(format!("group must be AND or OR, not {g}")),
        };
    }
    let field = f
        .get("field")
        .and_then(Value::as_str)
        .ok_or("each filter needs a field")?;
    let op = f
        .get("operator")
        .and_then(Value::as_str)
        .ok_or("each filter needs an operator")?;
    const FIELDS: &[&str] = &[
        "id",
        "contactName",
        "firstNameLowerCase",
        "lastNameLowerCase",
        "email",
        "phone",
        "companyName",
        "businessName",
        "city",
        "state",
        "country",
        "postalCode",
        "source",
        "type",
        "tags",
        "assignedTo",
        "dnd",
        "website",
        "timezone",
        "dateAdded",
        "dateUpdated",
    ];
    let custom = field
        .strip_prefix("customFields.")
        .is_some_and(|id| !id.is_empty());
    if !FIELDS.contains(&field) && !custom {
        return Err(format!("filter field {field} is not supported"));
    }
    let actual = field_value(c, field);
    let want = f.get("value");
    let as_list = |v: &Option<Value>| -> Vec<String> {
        match v {
            Some(Value::Array(a)) => a
                .iter()
                .filter_map(|x| match x {
                    Value::String(s) => Some(s.to_lowercase()),
                    Value::Number(n) => n.as_f64().map(|f| f.to_string()),
                    _ => None,
                })
                .collect(),
            Some(Value::String(s)) => vec![s.to_lowercase()],
            Some(Value::Bool(b)) => vec![b.to_string()],
            Some(Value::Number(n)) => n.as_f64().map(|f| f.to_string()).into_iter().collect(),
            _ => Vec::new(),
        }
    };
    let have = as_list(&actual);
    let want_list = as_list(&want.cloned());
    Ok(match op {
        "exists" => !have.is_empty(),
        "not_exists" => have.is_empty(),
        "eq" => want_list.iter().all(|w| have.contains(w)) && !want_list.is_empty(),
        "not_eq" => !want_list.iter().any(|w| have.contains(w)),
        "contains" => want_list
            .iter()
            .all(|w| have.iter().any(|h| h.contains(w.as_str()))),
        "not_contains" => !want_list
            .iter()
            .any(|w| have.iter().any(|h| h.contains(w.as_str()))),
        "range" => {
            let key = match field.strip_prefix("customFields.") {
                Some(id) => custom_field(c, id).unwrap_or(Value::Null),
                None => sort_key(c, field),
            };
            if key.is_null() {
                return Ok(false);
            }
            let bound = |k: &str| {
                want.and_then(|w| w.get(k)).map(|b| match b {
                    Value::String(s) => parse_timestamp(s)
                        .map(|t| Value::from(t.timestamp_millis()))
                        .unwrap_or(b.clone()),
                    b => b.clone(),
                })
            };
            use std::cmp::Ordering::*;
            bound("gte").is_none_or(|b| cmp_values(&key, &b) != Less)
                && bound("gt").is_none_or(|b| cmp_values(&key, &b) == Greater)
                && bound("lte").is_none_or(|b| cmp_values(&key, &b) != Greater)
                && bound("lt").is_none_or(|b| cmp_values(&key, &b) == Less)
        }
        o => return Err(format!("operator {o} is not supported")),
    })
}

pub struct Store {
    location_id: String,
    /// Ordered by (dateAdded in ms, id): the order of GET /contacts/.
    contacts: BTreeMap<(i64, String), Obj>,
    by_id: HashMap<String, i64>,
    tasks: HashMap<String, Vec<Obj>>,
    notes: HashMap<String, Vec<Obj>>,
    appointments: HashMap<String, Vec<Obj>>,
    tags: BTreeMap<String, Obj>,
    rng: fastrand::Rng,
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
        let data = seed::generate(count, seed, location_id, anchor);
        let mut store = Store {
            location_id: location_id.to_string(),
            contacts: BTreeMap::new(),
            by_id: HashMap::new(),
            tasks: HashMap::new(),
            notes: HashMap::new(),
            appointments: HashMap::new(),
            tags: BTreeMap::new(),
            rng: fastrand::Rng::with_seed(seed ^ 0x5eed),
            page_depth: 10_000,
        };
        for c in data.contacts {
            store.register_tags(&c);
            store.insert_contact(c);
        }
        for (map, items) in [
            (&mut store.tasks, data.tasks),
            (&mut store.notes, data.notes),
            (&mut store.appointments, data.appointments),
        ] {
            for item in items {
                let cid = item
                    .get("contactId")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string();
                map.entry(cid).or_default().push(item);
            }
        }
        store
    }

    pub fn location_id(&self) -> &str {
        &self.location_id
    }

    fn now() -> String {
        format_timestamp(Utc::now())
    }

    fn added_ms(c: &Obj) -> i64 {
        c.get("dateAdded")
            .and_then(Value::as_str)
            .and_then(parse_timestamp)
            .map(|t: DateTime<Utc>| t.timestamp_millis())
            .unwrap_or(0)
    }

    fn insert_contact(&mut self, c: Obj) {
        let id = c
            .get("id")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let ms = Self::added_ms(&c);
        self.by_id.insert(id.clone(), ms);
        self.contacts.insert((ms, id), c);
    }

    fn contact_mut(&mut self, id: &str) -> Option<&mut Obj> {
        let ms = *self.by_id.get(id)?;
        self.contacts.get_mut(&(ms, id.to_string()))
    }

    pub fn contact(&self, id: &str) -> Option<&Obj> {
        let ms = *self.by_id.get(id)?;
        self.contacts.get(&(ms, id.to_string()))
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

    fn need_contact(&self, id: &str) -> Result<(), Reply> {
        if self.by_id.contains_key(id) {
            Ok(())
        } else {
            Err(not_found("Contact not found"))
        }
    }

    fn check_location(&self, loc: Option<&str>) -> Result<(), Reply> {
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

    fn register_tags(&mut self, c: &Obj) {
        let tags: Vec<String> = c
            .get("tags")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|t| t.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
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

    // ------------------------------------------------------------ contacts

    pub fn get_contact(&self, id: &str) -> Outcome {
        match self.contact(id) {
            Some(c) => ok(json!({ "contact": c })),
            None => Err(not_found("Contact not found")),
        }
    }

    /// GET /contacts/ (deprecated): `startAfter`/`startAfterId` cursor.
    pub fn list_contacts(&self, q: &HashMap<String, String>, path: &str) -> Outcome {
        self.check_location(q.get("locationId").map(String::as_str))?;
        let limit = match q.get("limit").map(|l| l.parse::<u64>()) {
            None => 20,
            Some(Ok(l)) if (1..=100).contains(&l) => l,
            Some(Ok(_)) => {
                return Err(unprocessable(vec![
                    "limit must not be greater than 100".into(),
                ]));
            }
            Some(Err(_)) => return Err(unprocessable(vec!["limit must be a number".into()])),
        };
        let query = q.get("query").map(String::as_str).unwrap_or("");
        let after = match (q.get("startAfter"), q.get("startAfterId")) {
            (Some(ms), id) => {
                let ms = ms
                    .parse::<i64>()
                    .map_err(|_| unprocessable(vec!["startAfter must be a number".into()]))?;
                Some((ms, id.cloned().unwrap_or_default()))
            }
            (None, Some(_)) => {
                return Err(unprocessable(vec![
                    "startAfter should not be empty when startAfterId is given".into(),
                ]));
            }
            (None, None) => None,
        };
        let matching: Vec<(&(i64, String), &Obj)> = self
            .contacts
            .iter()
            .filter(|(_, c)| matches_query(c, query))
            .collect();
        let total = matching.len() as u64;
        let start = match &after {
            Some(k) => matching.partition_point(|(key, _)| *key <= k),
            None => 0,
        };
        let page: Vec<&Obj> = matching
            .iter()
            .skip(start)
            .take(limit as usize)
            .map(|(_, c)| *c)
            .collect();
        let current_page = start as u64 / limit + 1;
        let mut meta = json!({
            "total": total,
            "currentPage": current_page,
            "prevPage": if current_page > 1 { json!(current_page - 1) } else { Value::Null },
        });
        let more = start + page.len() < matching.len();
        if let (true, Some(last)) = (more, page.last()) {
            let ms = Self::added_ms(last);
            let id = last.get("id").and_then(Value::as_str).unwrap_or_default();
            meta["startAfter"] = json!(ms);
            meta["startAfterId"] = json!(id);
            meta["nextPage"] = json!(current_page + 1);
            meta["nextPageUrl"] = json!(format!(
                "{path}?locationId={}&limit={limit}&startAfter={ms}&startAfterId={id}",
                self.location_id
            ));
        }
        ok(json!({ "contacts": page, "count": total, "meta": meta }))
    }

    /// POST /contacts/search
    pub fn search_contacts(&self, body: &Value) -> Outcome {
        let b = checked(body, SEARCH)?;
        self.check_location(b.get("locationId").and_then(Value::as_str))?;
        let limit = b.get("pageLimit").and_then(Value::as_u64).unwrap_or(0);
        if !(1..=500).contains(&limit) {
            return Err(unprocessable(vec![
                "pageLimit must be an integer from 1 to 500".into(),
            ]));
        }
        let page = match b.get("page") {
            None => None,
            Some(p) => match p.as_u64() {
                Some(p) if p >= 1 => Some(p),
                _ => {
                    return Err(unprocessable(vec![
                        "page must be a positive integer".into(),
                    ]));
                }
            },
        };
        let after = b.get("searchAfter").and_then(Value::as_array);
        if page.is_some() && after.is_some() {
            return Err(unprocessable(vec![
                "page and searchAfter cannot be used together".into(),
            ]));
        }
        if let Some(p) = page
            && p * limit > self.page_depth
        {
            return Err(unprocessable(vec![format!(
                "page-based pagination reaches at most {} records; continue with searchAfter",
                self.page_depth
            )]));
        }
        let sort: Vec<(String, bool)> = match b.get("sort").and_then(Value::as_array) {
            None => vec![("dateAdded".into(), false)],
            Some(s) if s.len() > 2 => {
                return Err(unprocessable(vec!["sort accepts at most 2 fields".into()]));
            }
            Some(s) => {
                let mut out = Vec::new();
                for item in s {
                    let field = item.get("field").and_then(Value::as_str).unwrap_or("");
                    const SORTABLE: &[&str] = &[
                        "firstNameLowerCase",
                        "lastNameLowerCase",
                        "businessName",
                        "dateAdded",
                        "dateUpdated",
                        "email",
                        "dnd",
                        "source",
                    ];
                    if !SORTABLE.contains(&field) {
                        return Err(unprocessable(vec![format!(
                            "sort field {field:?} is not supported"
                        )]));
                    }
                    let desc = match item.get("direction").and_then(Value::as_str) {
                        Some("desc") => true,
                        Some("asc") | None => false,
                        Some(d) => {
                            return Err(unprocessable(vec![format!(
                                "direction must be asc or desc, not {d}"
                            )]));
                        }
                    };
                    out.push((field.to_string(), desc));
                }
                if out.is_empty() {
                    out.push(("dateAdded".into(), false));
                }
                out
            }
        };
        // A cursor is the searchAfter of an earlier row: one value per sort
        // field, then the id. Anything else is refused, as upstream does.
        if let Some(a) = after {
            let scalar =
                |v: &Value| v.is_string() || v.is_number() || v.is_null() || v.is_boolean();
            if a.len() != sort.len() + 1
                || !a.iter().all(scalar)
                || !a.last().is_some_and(Value::is_string)
            {
                return Err(unprocessable(vec![
                    "searchAfter must be the searchAfter of a row of an earlier page".into(),
                ]));
            }
        }
        let query = b.get("query").and_then(Value::as_str).unwrap_or("");
        let filters = b
            .get("filters")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let mut hits: Vec<(Vec<Value>, &Obj)> = Vec::new();
        for c in self.contacts.values() {
            if !matches_query(c, query) {
                continue;
            }
            let mut keep = true;
            for f in &filters {
                match filter_matches(c, f) {
                    Ok(true) => {}
                    Ok(false) => keep = false,
                    Err(e) => return Err(unprocessable(vec![e])),
                }
            }
            if keep {
                let mut key: Vec<Value> = sort.iter().map(|(f, _)| sort_key(c, f)).collect();
                key.push(c.get("id").cloned().unwrap_or(Value::Null));
                hits.push((key, c));
            }
        }
        let order = |a: &[Value], b: &[Value]| -> std::cmp::Ordering {
            for (i, (x, y)) in a.iter().zip(b).enumerate() {
                let desc = sort.get(i).is_some_and(|(_, d)| *d);
                let o = cmp_values(x, y);
                let o = if desc { o.reverse() } else { o };
                if o != std::cmp::Ordering::Equal {
                    return o;
                }
            }
            std::cmp::Ordering::Equal
        };
        hits.sort_by(|a, b| order(&a.0, &b.0));
        let total = hits.len();
        let start = match (page, after) {
            (Some(p), _) => ((p - 1) * limit) as usize,
            (None, Some(cursor)) => {
                hits.partition_point(|(k, _)| order(k, cursor) != std::cmp::Ordering::Greater)
            }
            (None, None) => 0,
        };
        let contacts: Vec<Value> = hits
            .iter()
            .skip(start)
            .take(limit as usize)
            .map(|(key, c)| {
                let mut c = search_row((*c).clone());
                c.insert("searchAfter".into(), Value::from(key.clone()));
                Value::Object(c)
            })
            .collect();
        ok(json!({ "contacts": contacts, "total": total }))
    }

    /// GET /contacts/business/{businessId}
    pub fn business_contacts(&self, business_id: &str, q: &HashMap<String, String>) -> Outcome {
        self.check_location(q.get("locationId").map(String::as_str))?;
        let num = |k: &str, d: usize| -> Result<usize, Reply> {
            match q.get(k) {
                None => Ok(d),
                Some(v) => v
                    .parse()
                    .map_err(|_| unprocessable(vec![format!("{k} must be a number string")])),
            }
        };
        let (limit, skip) = (num("limit", 25)?, num("skip", 0)?);
        let query = q.get("query").map(String::as_str).unwrap_or("");
        let all: Vec<&Obj> = self
            .contacts
            .values()
            .filter(|c| c.get("businessId").and_then(Value::as_str) == Some(business_id))
            .filter(|c| matches_query(c, query))
            .collect();
        let page: Vec<&Obj> = all.iter().skip(skip).take(limit).copied().collect();
        ok(json!({ "contacts": page, "count": all.len() }))
    }

    /// GET /contacts/search/duplicate
    pub fn duplicate(&self, q: &HashMap<String, String>) -> Outcome {
        self.check_location(q.get("locationId").map(String::as_str))?;
        let found = self.find_existing(
            q.get("email").map(String::as_str),
            q.get("number").map(String::as_str),
        );
        match found.and_then(|id| self.contact(&id)) {
            Some(c) => ok(json!({ "contact": c })),
            None => ok(json!({})),
        }
    }

    /// The id of a contact with this email (case-insensitive) or phone (by digits).
    fn find_existing(&self, email: Option<&str>, phone: Option<&str>) -> Option<String> {
        let email = email.map(str::to_lowercase).filter(|e| !e.is_empty());
        let phone = phone.map(digits).filter(|p| !p.is_empty());
        self.contacts.values().find_map(|c| {
            let e = c
                .get("email")
                .and_then(Value::as_str)
                .map(str::to_lowercase);
            let p = c.get("phone").and_then(Value::as_str).map(digits);
            let hit = (email.is_some() && e == email) || (phone.is_some() && p == phone);
            hit.then(|| {
                c.get("id")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string()
            })
        })
    }

    /// Copies the writable fields of a validated body onto a contact:
    /// `null` and "" clear, custom field inputs become `{id, value}`.
    fn apply_contact_fields(&mut self, c: &mut Obj, body: &Obj) {
        for (k, v) in body {
            match k.as_str() {
                "locationId" | "createNewIfDuplicateAllowed" => {}
                "customFields" => {
                    let mut current: Vec<Value> = c
                        .get("customFields")
                        .and_then(Value::as_array)
                        .cloned()
                        .unwrap_or_default();
                    for input in v.as_array().into_iter().flatten() {
                        let Some(id) = input
                            .get("id")
                            .or_else(|| input.get("key"))
                            .and_then(Value::as_str)
                        else {
                            continue;
                        };
                        let value = input
                            .get("field_value")
                            .or_else(|| input.get("value"))
                            .map(|v| match v {
                                Value::String(s) => s.clone(),
                                other => other.to_string(),
                            })
                            .unwrap_or_default();
                        current.retain(|f| f.get("id").and_then(Value::as_str) != Some(id));
                        current.push(json!({ "id": id, "value": value }));
                    }
                    c.insert(k.clone(), Value::Array(current));
                }
                "tags" => {
                    let mut tags: Vec<String> = Vec::new();
                    for t in v.as_array().into_iter().flatten().filter_map(Value::as_str) {
                        let t = t.trim().to_string();
                        if !t.is_empty() && !tags.contains(&t) {
                            tags.push(t);
                        }
                    }
                    c.insert(k.clone(), json!(tags));
                }
                _ => match v {
                    Value::Null => {
                        c.remove(k);
                    }
                    Value::String(s) if s.is_empty() => {
                        c.remove(k);
                    }
                    v => {
                        c.insert(k.clone(), v.clone());
                    }
                },
            }
        }
        // Derived fields, as the server keeps them.
        let s = |c: &Obj, k: &str| {
            c.get(k)
                .and_then(Value::as_str)
                .unwrap_or("")
                .trim()
                .to_string()
        };
        let (first, last) = (s(c, "firstName"), s(c, "lastName"));
        for (k, v) in [("firstNameLowerCase", &first), ("lastNameLowerCase", &last)] {
            if v.is_empty() {
                c.remove(k);
            } else {
                c.insert(k.into(), json!(v.to_lowercase()));
            }
        }
        let full = format!("{first} {last}").trim().to_string();
        if !body.contains_key("name") || s(c, "name").is_empty() {
            if full.is_empty() {
                c.remove("name");
            } else {
                c.insert("name".into(), json!(full));
            }
        }
        if full.is_empty() {
            c.remove("fullNameLowerCase");
        } else {
            c.insert("fullNameLowerCase".into(), json!(full.to_lowercase()));
        }
        match c
            .get("email")
            .and_then(Value::as_str)
            .map(str::to_lowercase)
        {
            Some(e) => {
                c.insert("emailLowerCase".into(), json!(e));
            }
            None => {
                c.remove("emailLowerCase");
            }
        }
        let snapshot = c.clone();
        self.register_tags(&snapshot);
    }

    fn duplicate_reply(&self, id: &str, field: &str) -> Reply {
        let name = self
            .contact(id)
            .and_then(|c| c.get("name"))
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        Reply {
            status: 400,
            body: json!({
                "statusCode": 400,
                "message": "This location does not allow duplicated contacts.",
                "meta": {"contactName": name, "contactId": id, "matchingField": field},
            }),
        }
    }

    /// POST /contacts/
    pub fn create_contact(&mut self, body: &Value) -> Outcome {
        let fields = create_contact_fields(false);
        let b = checked(body, &fields)?;
        self.check_location(b.get("locationId").and_then(Value::as_str))?;
        let email = b.get("email").and_then(Value::as_str);
        let phone = b.get("phone").and_then(Value::as_str);
        if let Some(id) = self.find_existing(email, None) {
            return Err(self.duplicate_reply(&id, "email"));
        }
        if let Some(id) = self.find_existing(None, phone) {
            return Err(self.duplicate_reply(&id, "phone"));
        }
        let c = self.new_contact(b);
        created(json!({ "contact": c }))
    }

    fn new_contact(&mut self, b: &Obj) -> Obj {
        let now = Self::now();
        let mut c = Obj::new();
        c.insert("id".into(), json!(make_id(&mut self.rng)));
        c.insert("locationId".into(), json!(self.location_id));
        c.insert("dateAdded".into(), json!(now));
        c.insert("dateUpdated".into(), json!(now));
        c.insert("type".into(), json!("lead"));
        c.insert("tags".into(), json!([]));
        self.apply_contact_fields(&mut c, b);
        self.insert_contact(c.clone());
        c
    }

    /// PUT /contacts/{contactId}
    pub fn update_contact(&mut self, id: &str, body: &Value) -> Outcome {
        let fields = update_contact_fields();
        let b = checked(body, &fields)?.clone();
        self.need_contact(id)?;
        let email = b.get("email").and_then(Value::as_str);
        if let Some(other) = self.find_existing(email, None).filter(|o| o != id) {
            return Err(self.duplicate_reply(&other, "email"));
        }
        let mut c = self.contact(id).cloned().unwrap_or_default();
        self.apply_contact_fields(&mut c, &b);
        c.insert("dateUpdated".into(), json!(Self::now()));
        if let Some(slot) = self.contact_mut(id) {
            *slot = c.clone();
        }
        ok(json!({ "succeded": true, "contact": c }))
    }

    /// DELETE /contacts/{contactId}
    pub fn delete_contact(&mut self, id: &str) -> Outcome {
        let Some(ms) = self.by_id.remove(id) else {
            return Err(not_found("Contact not found"));
        };
        self.contacts.remove(&(ms, id.to_string()));
        self.tasks.remove(id);
        self.notes.remove(id);
        self.appointments.remove(id);
        ok(json!({ "succeded": true }))
    }

    /// POST /contacts/upsert
    pub fn upsert_contact(&mut self, body: &Value) -> Outcome {
        let fields = create_contact_fields(true);
        let b = checked(body, &fields)?.clone();
        self.check_location(b.get("locationId").and_then(Value::as_str))?;
        let trace = make_id(&mut self.rng);
        let allow_dup = b
            .get("createNewIfDuplicateAllowed")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        let existing = if allow_dup {
            None
        } else {
            self.find_existing(
                b.get("email").and_then(Value::as_str),
                b.get("phone").and_then(Value::as_str),
            )
        };
        match existing {
            Some(id) => {
                let mut c = self.contact(&id).cloned().unwrap_or_default();
                let mut merged = b.clone();
                // Upsert adds tags; it does not drop the ones already there.
                if let Some(new_tags) = b.get("tags").and_then(Value::as_array) {
                    let mut tags: Vec<Value> = c
                        .get("tags")
                        .and_then(Value::as_array)
                        .cloned()
                        .unwrap_or_default();
                    for t in new_tags {
                        if !tags.contains(t) {
                            tags.push(t.clone());
                        }
                    }
                    merged.insert("tags".into(), Value::Array(tags));
                }
                self.apply_contact_fields(&mut c, &merged);
                c.insert("dateUpdated".into(), json!(Self::now()));
                if let Some(slot) = self.contact_mut(&id) {
                    *slot = c.clone();
                }
                ok(json!({ "new": false, "contact": c, "traceId": trace }))
            }
            None => {
                let c = self.new_contact(&b);
                ok(json!({ "new": true, "contact": c, "traceId": trace }))
            }
        }
    }

    // --------------------------------------------------------------- tasks

    fn children(&mut self, kind: Child) -> &mut HashMap<String, Vec<Obj>> {
        match kind {
            Child::Task => &mut self.tasks,
            Child::Note => &mut self.notes,
        }
    }

    /// GET /contacts/{id}/tasks or /notes
    pub fn list_children(&self, kind: Child, contact_id: &str) -> Outcome {
        self.need_contact(contact_id)?;
        let items = match kind {
            Child::Task => self.tasks_of(contact_id),
            Child::Note => self.notes_of(contact_id),
        };
        ok(json!({ kind.plural(): items }))
    }

    fn find_child(&mut self, kind: Child, contact_id: &str, id: &str) -> Result<&mut Obj, Reply> {
        self.need_contact(contact_id)?;
        self.children(kind)
            .get_mut(contact_id)
            .and_then(|items| {
                items
                    .iter_mut()
                    .find(|t| t.get("id").and_then(Value::as_str) == Some(id))
            })
            .ok_or_else(|| not_found(kind.missing()))
    }

    /// GET /contacts/{id}/tasks/{taskId} or /notes/{id}
    pub fn get_child(&mut self, kind: Child, contact_id: &str, id: &str) -> Outcome {
        let t = self.find_child(kind, contact_id, id)?;
        ok(json!({ kind.singular(): t }))
    }

    /// POST /contacts/{id}/tasks or /notes (answers 201)
    pub fn create_child(&mut self, kind: Child, contact_id: &str, body: &Value) -> Outcome {
        let b = checked(body, kind.create_fields())?.clone();
        self.need_contact(contact_id)?;
        let mut t = Obj::new();
        t.insert("id".into(), json!(make_id(&mut self.rng)));
        t.extend(b);
        t.insert("contactId".into(), json!(contact_id));
        t.insert("dateAdded".into(), json!(Self::now()));
        self.children(kind)
            .entry(contact_id.to_string())
            .or_default()
            .push(t.clone());
        created(json!({ kind.singular(): t }))
    }

    /// PUT /contacts/{id}/tasks/{taskId} or /notes/{id}
    pub fn update_child(
        &mut self,
        kind: Child,
        contact_id: &str,
        id: &str,
        body: &Value,
    ) -> Outcome {
        let b = checked(body, kind.update_fields())?.clone();
        if kind == Child::Note
            && b.get("body")
                .and_then(Value::as_str)
                .is_some_and(|s| s.trim().is_empty())
        {
            return Err(unprocessable(vec!["body should not be empty".into()]));
        }
        let t = self.find_child(kind, contact_id, id)?;
        t.extend(b);
        ok(json!({ kind.singular(): t }))
    }

    /// DELETE /contacts/{id}/tasks/{taskId} or /notes/{id}
    pub fn delete_child(&mut self, kind: Child, contact_id: &str, id: &str) -> Outcome {
        self.find_child(kind, contact_id, id)?;
        if let Some(items) = self.children(kind).get_mut(contact_id) {
            items.retain(|t| t.get("id").and_then(Value::as_str) != Some(id));
        }
        ok(json!({ "succeded": true }))
    }

    pub fn set_task_completed(&mut self, contact_id: &str, task_id: &str, body: &Value) -> Outcome {
        let b = checked(body, TASK_COMPLETED)?.clone();
        let t = self.find_child(Child::Task, contact_id, task_id)?;
        t.insert("completed".into(), b["completed"].clone());
        ok(json!({ "task": t }))
    }

    /// POST /locations/{locationId}/tasks/search, sorted by due date.
    pub fn search_tasks(&self, body: &Value) -> Outcome {
        let b = checked(body, TASK_SEARCH)?;
        let list = |k: &str| -> Option<Vec<&str>> {
            b.get(k)
                .and_then(Value::as_array)
                .map(|a| a.iter().filter_map(Value::as_str).collect())
        };
        let (contacts, assigned) = (list("contactId"), list("assignedTo"));
        let completed = b.get("completed").and_then(Value::as_bool);
        let query = b
            .get("query")
            .and_then(Value::as_str)
            .map(str::to_lowercase)
            .unwrap_or_default();
        let business = b.get("businessId").and_then(Value::as_str);
        let limit = b.get("limit").and_then(Value::as_u64).unwrap_or(25) as usize;
        let skip = b.get("skip").and_then(Value::as_u64).unwrap_or(0) as usize;
        let s = |t: &Obj, k: &str| t.get(k).and_then(Value::as_str).map(str::to_string);
        let mut hits: Vec<&Obj> = self
            .tasks
            .iter()
            .filter(|(cid, _)| contacts.as_ref().is_none_or(|c| c.contains(&cid.as_str())))
            .filter(|(cid, _)| {
                business.is_none_or(|b| {
                    self.contact(cid)
                        .and_then(|c| c.get("businessId"))
                        .and_then(Value::as_str)
                        == Some(b)
                })
            })
            .flat_map(|(_, ts)| ts.iter())
            .filter(|t| {
                completed.is_none_or(|c| t.get("completed").and_then(Value::as_bool) == Some(c))
            })
            .filter(|t| {
                assigned
                    .as_ref()
                    .is_none_or(|a| s(t, "assignedTo").is_some_and(|x| a.contains(&x.as_str())))
            })
            .filter(|t| {
                query.is_empty() || s(t, "title").is_some_and(|x| x.to_lowercase().contains(&query))
            })
            .collect();
        hits.sort_by_key(|t| (s(t, "dueDate"), s(t, "id")));
        // Rows as the live service writes them (bitshaker/ghl_tui's parser
        // and tests; the spec leaves them untyped): keyed `_id`, with the
        // contact's details, a status, and a cursor per row; answered 201.
        let page: Vec<Value> = hits
            .into_iter()
            .skip(skip)
            .take(limit)
            .map(|t| {
                let mut row = t.clone();
                let id = row.remove("id").unwrap_or(Value::Null);
                let cid = s(t, "contactId").unwrap_or_default();
                let contact = self.contact(&cid);
                let field = |k: &str| {
                    contact
                        .and_then(|c| c.get(k))
                        .cloned()
                        .unwrap_or(Value::Null)
                };
                let done = t.get("completed").and_then(Value::as_bool) == Some(true);
                let due_ms = s(t, "dueDate")
                    .and_then(|d| chrono::DateTime::parse_from_rfc3339(&d).ok())
                    .map_or(0, |d| d.timestamp_millis());
                row.insert("_id".into(), id.clone());
                row.insert(
                    "contactDetails".into(),
                    json!({
                        "firstName": field("firstName"),
                        "lastName": field("lastName"),
                        "email": field("email"),
                        "phone": field("phone"),
                    }),
                );
                row.insert(
                    "status".into(),
                    json!(if done { "completed" } else { "incompleted" }),
                );
                row.insert("deleted".into(), json!(false));
                for k in ["dateAdded", "dateUpdated"] {
                    if !row.contains_key(k) {
                        row.insert(k.into(), json!(s(t, "dueDate").unwrap_or_default()));
                    }
                }
                row.insert("searchAfter".into(), json!([due_ms, id]));
                Value::Object(row)
            })
            .collect();
        created(json!({ "tasks": page }))
    }

    // ---------------------------------------------------------------- tags

    fn tags_body(body: &Value) -> Result<Vec<String>, Reply> {
        let b = checked(body, TAGS)?;
        let tags: Vec<String> = b["tags"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .map(|t| t.trim().to_string())
            .filter(|t| !t.is_empty())
            .collect();
        if tags.is_empty() {
            return Err(unprocessable(vec!["tags should not be empty".into()]));
        }
        Ok(tags)
    }

    pub fn add_tags(&mut self, contact_id: &str, body: &Value) -> Outcome {
        let add = Self::tags_body(body)?;
        self.need_contact(contact_id)?;
        let mut c = self.contact(contact_id).cloned().unwrap_or_default();
        let mut tags: Vec<String> = c
            .get("tags")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|t| t.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        for t in add {
            if !tags.iter().any(|x| x.eq_ignore_ascii_case(&t)) {
                tags.push(t);
            }
        }
        c.insert("tags".into(), json!(tags));
        c.insert("dateUpdated".into(), json!(Self::now()));
        self.register_tags(&c);
        if let Some(slot) = self.contact_mut(contact_id) {
            *slot = c;
        }
        created(json!({ "tags": tags }))
    }

    pub fn remove_tags(&mut self, contact_id: &str, body: &Value) -> Outcome {
        let remove = Self::tags_body(body)?;
        self.need_contact(contact_id)?;
        let Some(c) = self.contact_mut(contact_id) else {
            return Err(not_found("Contact not found"));
        };
        let mut tags: Vec<String> = c
            .get("tags")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|t| t.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        tags.retain(|t| !remove.iter().any(|r| r.eq_ignore_ascii_case(t)));
        c.insert("tags".into(), json!(tags));
        c.insert("dateUpdated".into(), json!(Self::now()));
        ok(json!({ "tags": tags }))
    }

    pub fn location_tags(&self) -> Outcome {
        let mut tags: Vec<&Obj> = self.tags.values().collect();
        tags.sort_by_key(|t| t.get("name").and_then(Value::as_str).map(str::to_lowercase));
        ok(json!({ "tags": tags }))
    }

    // -------------------------------------------------------- appointments

    pub fn appointments(&self, contact_id: &str) -> Outcome {
        self.need_contact(contact_id)?;
        let events = self
            .appointments
            .get(contact_id)
            .map(Vec::as_slice)
            .unwrap_or_default();
        ok(json!({ "events": events }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_pages_and_cursor_agree() {
        let s = Store::seeded("loc", 120, 1);
        let mut by_page = Vec::new();
        for p in 1..=3 {
            let r = s
                .search_contacts(&json!({"locationId": "loc", "pageLimit": 50, "page": p}))
                .unwrap();
            for c in r.body["contacts"].as_array().unwrap() {
                by_page.push(c["id"].clone());
            }
        }
        let mut by_cursor = Vec::new();
        let mut cursor: Option<Value> = None;
        loop {
            let mut q = json!({"locationId": "loc", "pageLimit": 50});
            if let Some(c) = &cursor {
                q["searchAfter"] = c.clone();
            }
            let r = s.search_contacts(&q).unwrap();
            let cs = r.body["contacts"].as_array().unwrap().clone();
            if cs.is_empty() {
                break;
            }
            for c in &cs {
                by_cursor.push(c["id"].clone());
            }
            cursor = cs.last().map(|c| c["searchAfter"].clone());
        }
        assert_eq!(by_page.len(), 120);
        assert_eq!(by_page, by_cursor);
    }

    #[test]
    fn page_depth_is_enforced() {
        let mut s = Store::seeded("loc", 10, 1);
        s.page_depth = 100;
        let e = s
            .search_contacts(&json!({"locationId": "loc", "pageLimit": 50, "page": 3}))
            .unwrap_err();
        assert_eq!(e.status, 422);
    }

    #[test]
    fn update_rejects_unknown_properties_and_keeps_others() {
        let mut s = Store::seeded("loc", 5, 1);
        let id = s.contact_ids()[0].clone();
        let before = s.contact(&id).unwrap().clone();
        let e = s
            .update_contact(&id, &json!({"locationId": "loc", "city": "Oslo"}))
            .unwrap_err();
        assert_eq!(e.body["message"][0], "property locationId should not exist");
        let r = s
            .update_contact(&id, &json!({"city": "Oslo", "website": null}))
            .unwrap();
        assert_eq!(r.body["contact"]["city"], "Oslo");
        assert!(r.body["contact"].get("website").is_none());
        assert_eq!(r.body["contact"]["email"], before["email"]);
    }
}
