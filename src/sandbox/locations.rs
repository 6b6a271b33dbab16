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
                "companyId": "sandboxCompany000001",
                "name": s.config.location_name,
                "timezone": "America/Chicago",
                "country": "US",
            }
        }))
        .into_response(),
    }
}

/// A definition's id, name, key, type and options.
type Definition<'a> = (&'a str, &'a str, &'a str, &'a str, Option<Vec<&'a str>>);

/// The location's custom field definitions: the two the seed gives values
/// (`cfBudget…`, `cfReferral…`) and one of each other common type.
pub fn custom_field_definitions(location_id: &str) -> Vec<Value> {
    let sources: Vec<&str> = super::seed::SOURCES.to_vec();
    let defs: [Definition; 7] = [
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
