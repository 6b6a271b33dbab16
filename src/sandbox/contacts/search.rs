//! POST /contacts/search, GET /contacts/ and the business listing: the
//! sandbox's search, filters, sorting and paging, as the live service does
//! them.

use std::borrow::Cow;
use std::collections::HashMap;

use serde_json::{Value, json};

use super::super::store::*;
use super::super::validate::{Field, Kind, opt, req};
use super::stored::{Key, Slot, seeded_updated};
use crate::api::model::parse_timestamp;

/// A contact as POST /contacts/search rows carry it on the live service
/// (GoHighLevel/highlevel-api-docs#314 and #43), unlike GET /contacts/{id}:
/// `address` for `address1`, `dateOfBirth` in epoch milliseconds, and no
/// `dndSettings`.
pub(in crate::sandbox) fn search_row(mut c: Obj) -> Obj {
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

const SEARCH: &[Field] = &[
    req("locationId", Kind::Str),
    req("pageLimit", Kind::Number),
    opt("page", Kind::Number),
    opt("searchAfter", Kind::Array),
    opt("filters", Kind::Array),
    opt("sort", Kind::Array),
    opt("query", Kind::Str),
];

/// Fields a contact can be sorted or filtered by in POST /contacts/search.
/// The value of custom field `id` on a contact (`customFields.{id}` in a
/// search filter, as HighLevel's search doc has it); numbers as numbers.
pub(in crate::sandbox) fn custom_field(c: &Obj, id: &str) -> Option<Value> {
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

pub(in crate::sandbox) fn field_value(c: &Obj, field: &str) -> Option<Value> {
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

pub(in crate::sandbox) fn lower(v: &Value) -> Value {
    match v {
        Value::String(s) => Value::String(s.to_lowercase()),
        v => v.clone(),
    }
}

/// Sort key: (value as a comparable key, id). Dates sort by millisecond.
pub(in crate::sandbox) fn sort_key(c: &Obj, field: &str) -> Value {
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

pub(in crate::sandbox) fn cmp_values(a: &Value, b: &Value) -> std::cmp::Ordering {
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

pub(in crate::sandbox) fn digits(s: &str) -> String {
    s.chars().filter(char::is_ascii_digit).collect()
}

/// The free-text `query`: a case-insensitive substring of name, email,
/// company or phone (by digits).
pub(in crate::sandbox) fn matches_query(c: &Obj, q: &str) -> bool {
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

/// Whether a sort key lies within a `range` filter's bounds (dates as
/// milliseconds).
fn in_range(key: &Value, want: Option<&Value>) -> bool {
    if key.is_null() {
        return false;
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
    bound("gte").is_none_or(|b| cmp_values(key, &b) != Less)
        && bound("gt").is_none_or(|b| cmp_values(key, &b) == Greater)
        && bound("lte").is_none_or(|b| cmp_values(key, &b) != Greater)
        && bound("lt").is_none_or(|b| cmp_values(key, &b) == Less)
}

/// The `dateUpdated` ranges among the top-level filters: a seeded contact
/// outside one of them need not be drawn.
fn updated_ranges(filters: &[Value]) -> Vec<Option<&Value>> {
    filters
        .iter()
        .filter(|f| {
            f.get("group").is_none()
                && f.get("field").and_then(Value::as_str) == Some("dateUpdated")
                && f.get("operator").and_then(Value::as_str) == Some("range")
        })
        .map(|f| f.get("value"))
        .collect()
}

pub(in crate::sandbox) fn filter_matches(c: &Obj, f: &Value) -> Result<bool, String> {
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
            in_range(&key, want)
        }
        o => return Err(format!("operator {o} is not supported")),
    })
}

impl Store {
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
        // Only a query needs each contact drawn.
        let matching: Vec<&Key> = if query.trim().is_empty() {
            self.contacts.keys().collect()
        } else {
            let all = self.contacts.iter_where(|_| true);
            all.filter(|(_, c)| matches_query(c, query))
                .map(|(k, _)| k)
                .collect()
        };
        let total = matching.len() as u64;
        let start = match &after {
            Some(k) => matching.partition_point(|key| *key <= k),
            None => 0,
        };
        let page: Vec<Cow<'_, Obj>> = matching
            .iter()
            .skip(start)
            .take(limit as usize)
            .filter_map(|k| self.contacts.at(k))
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
            let id = text(last, "id");
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
        // A filter is refused for what it says, whatever the contacts.
        for f in &filters {
            filter_matches(&Obj::new(), f).map_err(|e| unprocessable(vec![e]))?;
        }
        // Newest or oldest first with nothing to match: the stored order.
        let cursor = match after.map(|a| a.as_slice()) {
            None => Some(None),
            Some([Value::Number(ms), Value::String(id)]) => {
                ms.as_i64().map(|ms| Some((ms, id.clone())))
            }
            Some(_) => None,
        };
        if let (true, true, [(field, desc)], Some(cursor)) = (
            query.trim().is_empty(),
            filters.is_empty(),
            sort.as_slice(),
            &cursor,
        ) && field == "dateAdded"
        {
            let skip = page.map_or(0, |p| ((p - 1) * limit) as usize);
            let keys = self
                .contacts
                .page(*desc, cursor.as_ref(), skip, limit as usize);
            let contacts: Vec<Value> = keys
                .into_iter()
                .filter_map(|k| Some((k, self.contacts.at(k)?)))
                .map(|((ms, id), c)| {
                    let mut c = search_row(c.into_owned());
                    c.insert("searchAfter".into(), json!([ms, id]));
                    Value::Object(c)
                })
                .collect();
            return ok(json!({ "contacts": contacts, "total": self.contacts.len() }));
        }
        let ranges = updated_ranges(&filters);
        let wanted = |slot: &Slot| {
            seeded_updated(slot)
                .is_none_or(|ms| ranges.iter().all(|w| in_range(&Value::from(ms), *w)))
        };
        let mut hits: Vec<(Vec<Value>, Cow<'_, Obj>)> = Vec::new();
        for (_, c) in self.contacts.iter_where(wanted) {
            if !matches_query(&c, query) {
                continue;
            }
            let mut keep = true;
            for f in &filters {
                match filter_matches(&c, f) {
                    Ok(true) => {}
                    Ok(false) => keep = false,
                    Err(e) => return Err(unprocessable(vec![e])),
                }
            }
            if keep {
                let mut key: Vec<Value> = sort.iter().map(|(f, _)| sort_key(&c, f)).collect();
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
                let mut c = search_row(c.clone().into_owned());
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
        let all: Vec<Cow<'_, Obj>> = self
            .contacts
            .iter()
            .filter(|c| c.get("businessId").and_then(Value::as_str) == Some(business_id))
            .filter(|c| matches_query(c, query))
            .collect();
        let page: Vec<&Cow<'_, Obj>> = all.iter().skip(skip).take(limit).collect();
        ok(json!({ "contacts": page, "count": all.len() }))
    }
}
