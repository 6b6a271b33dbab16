//! The Locations service (`apps/locations.json`): the location, its tags,
//! and the search of tasks across contacts.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};

use super::Shared;
use super::http::{JsonBody, outcome, respond, with_store};
use super::store::*;
use super::validate::{Field, Kind, opt};

/// The `Version` the service's operations declare.
pub const VERSION: &str = "2021-07-28";

/// The service's routes, with the spec's paths.
/// The location's own time zone, as GET /locations/{id} reports it.
pub const ZONE: &str = "America/Chicago";

pub(super) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/locations/{location_id}", get(location))
        .route("/locations/{location_id}/tags", get(location_tags))
        .route("/locations/{location_id}/customFields", get(custom_fields))
        .route("/locations/{location_id}/tasks/search", post(search_tasks))
}

const TASK_SEARCH: &[Field] = &[
    opt("contactId", Kind::StrArray),
    opt("completed", Kind::Bool),
    opt("assignedTo", Kind::StrArray),
    opt("query", Kind::Str),
    opt("limit", Kind::Number),
    opt("skip", Kind::Number),
    opt("businessId", Kind::Str),
];

impl Store {
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
                        .is_some_and(|c| c.get("businessId").and_then(Value::as_str) == Some(b))
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
                        .as_deref()
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

    pub fn location_tags(&self) -> Outcome {
        let mut tags: Vec<&Obj> = self.tags.values().collect();
        tags.sort_by_key(|t| t.get("name").and_then(Value::as_str).map(str::to_lowercase));
        ok(json!({ "tags": tags }))
    }
}

async fn search_tasks(
    State(s): State<Arc<Shared>>,
    Path(loc): Path<String>,
    JsonBody(body): JsonBody,
) -> Response {
    outcome(with_store!(s, |st| {
        st.check_path_location(&loc)
            .map_or_else(Err, |()| st.search_tasks(&body))
    }))
}

async fn location_tags(State(s): State<Arc<Shared>>, Path(loc): Path<String>) -> Response {
    outcome(with_store!(s, |st| {
        st.check_path_location(&loc)
            .map_or_else(Err, |()| st.location_tags())
    }))
}

async fn location(State(s): State<Arc<Shared>>, Path(loc): Path<String>) -> Response {
    let known = with_store!(s, |st| st.check_path_location(&loc));
    match known {
        Err(e) => respond(e),
        Ok(()) => axum::Json(json!({
            "location": {
                "id": s.config.location_id,
                "companyId": super::users::COMPANY_ID,
                "name": s.config.location_name,
                "timezone": ZONE,
                "country": "US",
            }
        }))
        .into_response(),
    }
}

/// A definition's id, name, key, type and options.
type Definition<'a> = (&'a str, &'a str, &'a str, &'a str, Option<Vec<&'a str>>);

/// The location's custom field definitions: one of each type HighLevel
/// offers for contacts (and a file upload, which rolo only shows); the
/// seed gives contacts values for them.
pub fn custom_field_definitions(location_id: &str) -> Vec<Value> {
    let sources: Vec<&str> = super::seed::SOURCES.to_vec();
    let defs: [Definition; 12] = [
        (
            "cfBudget0000000000001",
            "Budget",
            "contact.budget",
            "MONETORY",
            None,
        ),
        (
            "cfReferral00000000002",
            "Lead source",
            "contact.lead_source",
            "SINGLE_OPTIONS",
            Some(sources),
        ),
        (
            "cfRenewal000000000003",
            "Next renewal",
            "contact.next_renewal",
            "DATE",
            None,
        ),
        (
            "cfOptIn00000000000004",
            "Newsletter opt-in",
            "contact.newsletter_optin",
            "CHECKBOX",
            Some(vec!["Yes"]),
        ),
        (
            "cfInterests0000000005",
            "Interests",
            "contact.interests",
            "MULTIPLE_OPTIONS",
            Some(vec!["roofing", "solar", "gutters", "windows"]),
        ),
        (
            "cfCrewNotes0000000006",
            "Notes for the crew",
            "contact.notes_for_the_crew",
            "LARGE_TEXT",
            None,
        ),
        (
            "cfSeats00000000000007",
            "Seats",
            "contact.seats",
            "NUMERICAL",
            None,
        ),
        (
            "cfJobTitle00000000008",
            "Job title",
            "contact.job_title",
            "TEXT",
            None,
        ),
        (
            "cfSitePhone0000000009",
            "Site phone",
            "contact.site_phone",
            "PHONE",
            None,
        ),
        (
            "cfBillingEmail0000010",
            "Billing email",
            "contact.billing_email",
            "EMAIL",
            None,
        ),
        (
            "cfPreferred0000000011",
            "Preferred contact",
            "contact.preferred_contact",
            "RADIO",
            Some(vec!["Phone", "Email", "Text message"]),
        ),
        (
            "cfPermitScan000000012",
            "Permit scan",
            "contact.permit_scan",
            "FILE_UPLOAD",
            None,
        ),
    ];
    defs.into_iter()
        .enumerate()
        .map(|(i, (id, name, key, data_type, options))| {
            let mut v = json!({
                "id": id,
                "name": name,
                "fieldKey": key,
                "placeholder": "",
                "dataType": data_type,
                "position": i * 50,
                "locationId": location_id,
                "model": "contact",
            });
            if let Some(o) = options {
                v["picklistOptions"] = json!(o);
            }
            v
        })
        .collect()
}

/// GET /locations/{locationId}/customFields?model=: the definitions.
async fn custom_fields(
    State(s): State<Arc<Shared>>,
    Path(loc): Path<String>,
    axum::extract::Query(q): axum::extract::Query<std::collections::HashMap<String, String>>,
) -> Response {
    if let Err(e) = with_store!(s, |st| st.check_path_location(&loc)) {
        return respond(e);
    }
    let fields = match q.get("model").map(String::as_str) {
        None | Some("contact") | Some("all") => custom_field_definitions(&loc),
        Some("opportunity") => Vec::new(),
        Some(other) => {
            return respond(unprocessable(vec![format!(
                "model must be one of the following values: contact, opportunity, all (got {other:?})"
            )]));
        }
    };
    axum::Json(json!({ "customFields": fields })).into_response()
}

impl Store {
    /// The definition a custom field input names, by `id` or by `key`
    /// (`contact.budget` or `budget`).
    pub(super) fn custom_definition(&self, input: &Value) -> Option<Value> {
        let defs = custom_field_definitions(&self.location_id);
        let by = |k: &str, want: &str| {
            defs.iter()
                .find(|d| {
                    let v = d.get(k).and_then(Value::as_str).unwrap_or("");
                    v == want || (k == "fieldKey" && v.strip_prefix("contact.") == Some(want))
                })
                .cloned()
        };
        match (
            input.get("id").and_then(Value::as_str),
            input.get("key").and_then(Value::as_str),
        ) {
            (Some(id), _) => by("id", id),
            (None, Some(key)) => by("fieldKey", key),
            _ => None,
        }
    }

    /// 422 unless each `customFields` input names a field of the location
    /// and its value fits the field's type: a number for numbers and
    /// money, a date for dates, a valid phone or email, and only the
    /// field's options for option fields.
    pub(super) fn check_custom_fields(&self, body: &Obj) -> Result<(), Reply> {
        let Some(inputs) = body.get("customFields").and_then(Value::as_array) else {
            return Ok(());
        };
        let mut bad = Vec::new();
        for (n, input) in inputs.iter().enumerate() {
            let Some(def) = self.custom_definition(input) else {
                bad.push(format!(
                    "customFields.{n} must name a custom field of this location by id or key"
                ));
                continue;
            };
            let name = def["name"].as_str().unwrap_or("").to_string();
            let value = input
                .get("field_value")
                .or_else(|| input.get("value"))
                .cloned()
                .unwrap_or(Value::Null);
            let options: Vec<&str> = def["picklistOptions"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .collect();
            if let Err(why) =
                check_custom_value(def["dataType"].as_str().unwrap_or(""), &value, &options)
            {
                bad.push(format!("customFields.{n} ({name}) {why}"));
            }
        }
        if bad.is_empty() {
            Ok(())
        } else {
            Err(unprocessable(bad))
        }
    }
}

/// Whether `value` fits a custom field of type `data_type`; "" (or
/// nothing, or an empty list) clears any field.
pub fn check_custom_value(data_type: &str, value: &Value, options: &[&str]) -> Result<(), String> {
    let text = match value {
        Value::Null => return Ok(()),
        Value::String(s) if s.trim().is_empty() => return Ok(()),
        Value::Array(a) if a.is_empty() => return Ok(()),
        Value::String(s) => Some(s.trim()),
        _ => None,
    };
    let number = |v: &Value| match v {
        Value::Number(n) => n.as_f64().is_some_and(f64::is_finite),
        Value::String(s) => crate::input::plain_number(s).is_some(),
        _ => false,
    };
    match data_type {
        "NUMERICAL" | "MONETORY" if !number(value) => Err("must be a number".into()),
        "DATE" => {
            let ok = match (value, text) {
                (Value::Number(_), _) => true,
                (_, Some(t)) => t
                    .get(..10)
                    .is_some_and(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").is_ok()),
                _ => false,
            };
            if ok {
                Ok(())
            } else {
                Err("must be a date (YYYY-MM-DD)".into())
            }
        }
        "PHONE" if !text.is_some_and(crate::input::is_phone) => {
            Err("must be a valid phone number".into())
        }
        "EMAIL" if !text.is_some_and(crate::input::is_email) => Err("must be a valid email".into()),
        "SINGLE_OPTIONS" | "RADIO" => match text {
            Some(t) if options.contains(&t) => Ok(()),
            _ => Err(format!("must be one of: {}", options.join(", "))),
        },
        "MULTIPLE_OPTIONS" | "CHECKBOX" => {
            let items: Vec<String> = match value {
                Value::Array(a) => a
                    .iter()
                    .map(|v| v.as_str().unwrap_or("\u{0}").trim().to_string())
                    .collect(),
                _ => text
                    .unwrap_or("\u{0}")
                    .split(',')
                    .map(|s| s.trim().to_string())
                    .collect(),
            };
            match items.iter().find(|i| !options.contains(&i.as_str())) {
                None => Ok(()),
                Some(_) => Err(format!("must be a list of: {}", options.join(", "))),
            }
        }
        "TEXT" | "LARGE_TEXT" | "PHONE" | "EMAIL" | "NUMERICAL" | "MONETORY"
            if text.is_none() && !number(value) =>
        {
            Err("must be a string".into())
        }
        _ => Ok(()),
    }
}
