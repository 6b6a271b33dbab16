//! The Workflows service (`apps/workflows.json`): the location's
//! workflows, and (in the Contacts service's paths) a contact's
//! enrollment in them.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::{get, post};
use serde_json::{Value, json};

use super::Shared;
use super::http::{JsonBody, outcome, with_store};
use super::store::*;
use super::validate::{Field, Kind, opt};

/// The `Version` the service's operations declare.
pub const VERSION: &str = "2021-07-28";

pub(super) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/workflows/", get(list))
        .route("/workflows", get(list))
        .route(
            "/contacts/{contact_id}/workflow/{workflow_id}",
            post(enroll).delete(unenroll),
        )
}

const NAMES: &[(&str, &str)] = &[
    ("Webinar follow-up", "published"),
    ("New lead nurture", "published"),
    ("Appointment reminders", "published"),
    ("Re-engagement", "published"),
    ("Review request", "draft"),
];

/// The seeded workflows: fixed ids, so that scripts and tests can name them.
pub fn seed(location_id: &str) -> Vec<Obj> {
    NAMES
        .iter()
        .enumerate()
        .map(|(i, (name, status))| {
            let v = json!({
                "id": format!("wf{:02}-0000-4000-8000-{:012}", i + 1, i + 1),
                "name": name,
                "status": status,
                "version": 2 + i,
                "createdAt": "2026-01-05T09:00:00.000Z",
                "updatedAt": "2026-10-01T09:00:00.000Z",
                "locationId": location_id,
            });
            object(v)
        })
        .collect()
}

const ENROLL: &[Field] = &[opt("eventStartTime", Kind::Str)];

impl Store {
    /// GET /workflows/?locationId=
    pub fn workflow_list(&self, q: &HashMap<String, String>) -> Outcome {
        match q.get("locationId").map(String::as_str) {
            None | Some("") => return Err(bad_request("locationId should not be empty")),
            loc => self.check_location(loc)?,
        }
        ok(json!({ "workflows": self.workflows }))
    }

    fn need_workflow(&self, id: &str) -> Result<(), Reply> {
        if self
            .workflows
            .iter()
            .any(|w| w.get("id").and_then(Value::as_str) == Some(id))
        {
            Ok(())
        } else {
            Err(bad_request("Workflow not found"))
        }
    }

    /// POST /contacts/{contactId}/workflow/{workflowId}: enrolled (once).
    pub fn enroll(&mut self, contact_id: &str, workflow_id: &str, body: &Value) -> Outcome {
        checked(body, ENROLL)?;
        self.need_contact(contact_id)?;
        self.need_workflow(workflow_id)?;
        let enrolled = self.enrollments.entry(contact_id.to_string()).or_default();
        if !enrolled.iter().any(|w| w == workflow_id) {
            enrolled.push(workflow_id.to_string());
        }
        ok(json!({ "succeded": true }))
    }

    /// DELETE /contacts/{contactId}/workflow/{workflowId}
    pub fn unenroll(&mut self, contact_id: &str, workflow_id: &str, body: &Value) -> Outcome {
        checked(body, ENROLL)?;
        self.need_contact(contact_id)?;
        self.need_workflow(workflow_id)?;
        if let Some(e) = self.enrollments.get_mut(contact_id) {
            e.retain(|w| w != workflow_id);
        }
        ok(json!({ "succeded": true }))
    }

    /// The workflows a contact is enrolled in, by id.
    pub fn workflows_of(&self, contact_id: &str) -> Vec<String> {
        self.enrollments
            .get(contact_id)
            .cloned()
            .unwrap_or_default()
    }
}

async fn list(State(s): State<Arc<Shared>>, Query(q): Query<HashMap<String, String>>) -> Response {
    outcome(with_store!(s, |st| st.workflow_list(&q)))
}

async fn enroll(
    State(s): State<Arc<Shared>>,
    Path((cid, wid)): Path<(String, String)>,
    JsonBody(body): JsonBody,
) -> Response {
    outcome(with_store!(s, |st| st.enroll(&cid, &wid, &body)))
}

async fn unenroll(
    State(s): State<Arc<Shared>>,
    Path((cid, wid)): Path<(String, String)>,
    JsonBody(body): JsonBody,
) -> Response {
    outcome(with_store!(s, |st| st.unenroll(&cid, &wid, &body)))
}
