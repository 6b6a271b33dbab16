//! The Campaigns service (`apps/campaigns.json`): the location's
//! campaigns, and (in the Contacts service's paths) taking a contact out
//! of one or of all.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::{delete, get};
use serde_json::{Value, json};

use super::Shared;
use super::http::{outcome, with_store};
use super::store::*;

/// The `Version` the service's operations declare.
pub const VERSION: &str = "2021-07-28";

pub(super) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/campaigns/", get(list))
        .route("/campaigns", get(list))
        // `removeAll` is the spec's path; the official SDKs (generated from
        // newer docs) send `remove-all`. Neither is a campaign id.
        .route(
            "/contacts/{contact_id}/campaigns/removeAll",
            delete(leave_all),
        )
        .route(
            "/contacts/{contact_id}/campaigns/remove-all",
            delete(leave_all),
        )
        .route(
            "/contacts/{contact_id}/campaigns/{campaign_id}",
            delete(leave).post(join),
        )
}

const NAMES: &[(&str, &str)] = &[
    ("Spring promo drip", "published"),
    ("Old newsletter", "published"),
    ("Win-back 2025", "published"),
    ("Holiday offers", "draft"),
];

/// The seeded campaigns, with fixed ids.
pub fn seed(location_id: &str) -> Vec<Obj> {
    NAMES
        .iter()
        .enumerate()
        .map(|(i, (name, status))| {
            let v = json!({
                "id": format!("cmp{:02}Sandbox0000000", i + 1),
                "name": name,
                "status": status,
                "locationId": location_id,
            });
            object(v)
        })
        .collect()
}

impl Store {
    /// GET /campaigns/?locationId=&status=
    pub fn campaign_list(&self, q: &HashMap<String, String>) -> Outcome {
        match q.get("locationId").map(String::as_str) {
            None | Some("") => return Err(bad_request("locationId should not be empty")),
            loc => self.check_location(loc)?,
        }
        let status = q.get("status").filter(|s| !s.is_empty());
        let list: Vec<&Obj> = self
            .campaigns
            .iter()
            .filter(|c| status.is_none_or(|s| c.get("status").and_then(Value::as_str) == Some(s)))
            .collect();
        ok(json!({ "campaigns": list }))
    }

    fn need_campaign(&self, id: &str) -> Result<(), Reply> {
        if self
            .campaigns
            .iter()
            .any(|c| c.get("id").and_then(Value::as_str) == Some(id))
        {
            Ok(())
        } else {
            Err(bad_request("Campaign not found"))
        }
    }

    /// POST /contacts/{contactId}/campaigns/{campaignId}: 201.
    pub fn join_campaign(&mut self, contact_id: &str, campaign_id: &str) -> Outcome {
        self.need_contact(contact_id)?;
        self.need_campaign(campaign_id)?;
        let on = self.in_campaigns.entry(contact_id.to_string()).or_default();
        if !on.iter().any(|c| c == campaign_id) {
            on.push(campaign_id.to_string());
        }
        created(json!({ "succeded": true }))
    }

    /// DELETE /contacts/{contactId}/campaigns/{campaignId}
    pub fn leave_campaign(&mut self, contact_id: &str, campaign_id: &str) -> Outcome {
        self.need_contact(contact_id)?;
        self.need_campaign(campaign_id)?;
        if let Some(on) = self.in_campaigns.get_mut(contact_id) {
            on.retain(|c| c != campaign_id);
        }
        ok(json!({ "succeded": true }))
    }

    /// DELETE /contacts/{contactId}/campaigns/removeAll
    pub fn leave_all_campaigns(&mut self, contact_id: &str) -> Outcome {
        self.need_contact(contact_id)?;
        self.in_campaigns.remove(contact_id);
        ok(json!({ "succeded": true }))
    }

    /// The campaigns a contact is in, by id.
    pub fn campaigns_of(&self, contact_id: &str) -> Vec<String> {
        self.in_campaigns
            .get(contact_id)
            .cloned()
            .unwrap_or_default()
    }
}

async fn list(State(s): State<Arc<Shared>>, Query(q): Query<HashMap<String, String>>) -> Response {
    outcome(with_store!(s, |st| st.campaign_list(&q)))
}

async fn join(State(s): State<Arc<Shared>>, Path((cid, id)): Path<(String, String)>) -> Response {
    outcome(with_store!(s, |st| st.join_campaign(&cid, &id)))
}

async fn leave(State(s): State<Arc<Shared>>, Path((cid, id)): Path<(String, String)>) -> Response {
    outcome(with_store!(s, |st| st.leave_campaign(&cid, &id)))
}

async fn leave_all(State(s): State<Arc<Shared>>, Path(cid): Path<String>) -> Response {
    outcome(with_store!(s, |st| st.leave_all_campaigns(&cid)))
}
