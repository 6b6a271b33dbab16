//! The Opportunities service (`apps/opportunities.json`): pipelines and
//! their stages, the deals of the location's contacts, and lost reasons.
//!
//! One deviation from the spec file, on purpose: it types a pipeline's
//! `stages` as an array of arrays (a generator's slip); HighLevel sends,
//! and every client reads, an array of stage objects
//! (`{id, name, position, showInFunnel, showInPieChart}`), and so does the
//! sandbox.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::{get, post, put};
use chrono::{Duration, Utc};
use serde_json::{Value, json};

use super::Shared;
use super::http::{JsonBody, outcome, with_store};
use super::seed::make_id;
use super::store::*;
use super::validate::{Field, Kind, opt, req};
use crate::api::model::{format_timestamp, parse_timestamp};

/// The `Version` the service's operations declare.
pub const VERSION: &str = "2021-07-28";

/// The service's routes, with the spec's paths.
pub(super) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/opportunities/", post(create))
        .route("/opportunities", post(create))
        .route("/opportunities/search", get(search))
        .route("/opportunities/pipelines", get(pipelines))
        .route("/opportunities/lost-reason", get(lost_reasons))
        .route(
            "/opportunities/{id}",
            get(one).put(update).delete(delete_one),
        )
        .route("/opportunities/{id}/status", put(set_status))
}

/// What a deal's `status` may be set to (the spec's enum also has `all`,
/// a search word: the server refuses it on a deal).
pub const STATUSES: &[&str] = &["open", "won", "lost", "abandoned"];

const CREATE: &[Field] = &[
    req("pipelineId", Kind::Str),
    req("locationId", Kind::Str),
    req("name", Kind::Str),
    opt("pipelineStageId", Kind::Str),
    req("status", Kind::Str),
    req("contactId", Kind::Str),
    opt("monetaryValue", Kind::Number),
    opt("assignedTo", Kind::Str),
    opt("customFields", Kind::Array),
];

const UPDATE: &[Field] = &[
    opt("pipelineId", Kind::Str),
    opt("name", Kind::Str),
    opt("pipelineStageId", Kind::Str),
    opt("status", Kind::Str),
    opt("monetaryValue", Kind::Number),
    opt("assignedTo", Kind::Str),
    opt("customFields", Kind::Array),
];

const STATUS: &[Field] = &[req("status", Kind::Str), opt("lostReasonId", Kind::Str)];

const PIPELINES: &[(&str, &[&str])] = &[
    (
        "Sales Pipeline",
        &[
            "New lead",
            "Contacted",
            "Proposal sent",
            "Negotiation",
            "Closing",
        ],
    ),
    ("Renewals", &["Coming up", "In talks", "Renewed"]),
];

const LOST_REASONS: &[&str] = &[
    "Price too high",
    "Chose a competitor",
    "No budget this year",
    "Went silent",
];

const PRODUCTS: &[&str] = &[
    "Website redesign",
    "SEO retainer",
    "Ads management",
    "Annual plan",
    "Onboarding package",
    "Reputation suite",
];

fn uuid_like(rng: &mut fastrand::Rng) -> String {
    let hex = |rng: &mut fastrand::Rng, n: usize| -> String {
        (0..n)
            .map(|_| char::from_digit(rng.u32(..16), 16).unwrap_or('0'))
            .collect()
    };
    format!(
        "{}-{}-{}-{}-{}",
        hex(rng, 8),
        hex(rng, 4),
        hex(rng, 4),
        hex(rng, 4),
        hex(rng, 12)
    )
}

/// The sandbox's seeded deals: pipelines with stages, lost reasons, and
/// about one deal for every two contacts, drawn from their own stream so
/// that the contacts' seed stays as it was.
pub struct Seeded {
    pub pipelines: Vec<Obj>,
    pub lost_reasons: Vec<Obj>,
    pub opportunities: Vec<Obj>,
}

pub fn seed(
    location_id: &str,
    contacts: &[&Obj],
    users: &[String],
    seed: u64,
    now: chrono::DateTime<Utc>,
) -> Seeded {
    let mut rng = fastrand::Rng::with_seed(seed ^ 0x000d_ea15);
    let created = format_timestamp(now - Duration::days(400));
    let pipelines: Vec<Obj> = PIPELINES
        .iter()
        .map(|(name, stages)| {
            let stages: Vec<Value> = stages
                .iter()
                .enumerate()
                .map(|(i, s)| {
                    json!({"id": uuid_like(&mut rng), "name": s, "position": i,
                           "showInFunnel": true, "showInPieChart": true})
                })
                .collect();
            object(json!({
                "id": make_id(&mut rng), "name": name, "stages": stages,
                "showInFunnel": true, "showInPieChart": true, "locationId": location_id,
            }))
        })
        .collect();
    let lost_reasons: Vec<Obj> = LOST_REASONS
        .iter()
        .map(|n| {
            object(
                json!({"id": make_id(&mut rng), "name": n, "locationId": location_id,
                          "createdAt": created, "updatedAt": created}),
            )
        })
        .collect();
    let mut opportunities = Vec::new();
    // HighLevel keeps one open deal per contact and pipeline: so does the seed.
    let mut open = std::collections::HashSet::new();
    for c in contacts {
        let n = match rng.u32(..10) {
            0..=4 => 0,
            5..=8 => 1,
            _ => 2,
        };
        for _ in 0..n {
            let p = &pipelines[if rng.u32(..4) == 0 { 1 } else { 0 }];
            let stages = p["stages"].as_array().cloned().unwrap_or_default();
            let stage = &stages[rng.usize(..stages.len().max(1)).min(stages.len() - 1)];
            let status = match rng.u32(..100) {
                0..=74 => "open",
                75..=86 => "won",
                87..=94 => "lost",
                _ => "abandoned",
            };
            let twin = !open.insert((text(c, "id").to_string(), text(p, "id").to_string()));
            let status = if status == "open" && twin {
                "won"
            } else {
                status
            };
            if status != "open" && !twin {
                open.remove(&(text(c, "id").to_string(), text(p, "id").to_string()));
            }
            let age = rng.i64(1..120 * 24);
            let created = now - Duration::hours(age);
            let moved = created + Duration::hours(rng.i64(0..=age));
            let who = if c.get("companyName").and_then(Value::as_str).is_some() {
                text(c, "companyName").to_string()
            } else {
                format!("{} {}", text(c, "firstName"), text(c, "lastName"))
                    .trim()
                    .to_string()
            };
            let product = PRODUCTS[rng.usize(..PRODUCTS.len())];
            let mut o = object(json!({
                "id": make_id(&mut rng),
                "name": format!("{who} – {product}"),
                "monetaryValue": (rng.u32(10..1000) * 50) as f64,
                "pipelineId": p["id"],
                "pipelineStageId": stage["id"],
                "status": status,
                "source": "",
                "lastStatusChangeAt": format_timestamp(moved),
                "lastStageChangeAt": format_timestamp(moved),
                "lastActionDate": format_timestamp(moved),
                "createdAt": format_timestamp(created),
                "updatedAt": format_timestamp(moved),
                "contactId": c["id"],
                "locationId": location_id,
                "customFields": [],
                "followers": [],
            }));
            if let Some(u) = c
                .get("assignedTo")
                .cloned()
                .or_else(|| (!users.is_empty()).then(|| json!(users[rng.usize(..users.len())])))
            {
                o.insert("assignedTo".into(), u);
            }
            if status == "lost" {
                o.insert(
                    "lostReasonId".into(),
                    lost_reasons[rng.usize(..lost_reasons.len())]["id"].clone(),
                );
            }
            opportunities.push(o);
        }
    }
    Seeded {
        pipelines,
        lost_reasons,
        opportunities,
    }
}

/// A query parameter by its v2 name or its v3 camelCase one.
fn param<'a>(q: &'a HashMap<String, String>, v2: &str, v3: &str) -> Option<&'a str> {
    [v2, v3]
        .iter()
        .filter_map(|k| q.get(*k))
        .map(String::as_str)
        .find(|s| !s.is_empty())
}

fn not_found_deal() -> Reply {
    bad_request("Opportunity not found")
}

impl Store {
    pub fn pipeline_list(&self) -> &[Obj] {
        &self.pipelines
    }

    pub fn opportunity(&self, id: &str) -> Option<&Obj> {
        self.opportunities.iter().find(|o| text(o, "id") == id)
    }

    pub fn opportunity_list(&self) -> &[Obj] {
        &self.opportunities
    }

    /// The pipelines as stored, to change in tests (a stage renamed, a
    /// hostile name).
    pub fn pipelines_mut(&mut self) -> &mut Vec<Obj> {
        &mut self.pipelines
    }

    fn stage_of(&self, pipeline: &str, stage: &str) -> bool {
        self.pipelines.iter().any(|p| {
            text(p, "id") == pipeline
                && p["stages"]
                    .as_array()
                    .is_some_and(|s| s.iter().any(|s| s["id"] == stage))
        })
    }

    fn first_stage(&self, pipeline: &str) -> Option<Value> {
        let p = self.pipelines.iter().find(|p| text(p, "id") == pipeline)?;
        p["stages"].as_array()?.first().map(|s| s["id"].clone())
    }

    /// A deal as the API sends it: with its contact's current summary.
    fn shown(&self, o: &Obj) -> Value {
        let mut o = o.clone();
        if let Some(c) = self.contact(text(&o, "contactId")) {
            let c = &*c;
            let name = format!("{} {}", text(c, "firstName"), text(c, "lastName"))
                .trim()
                .to_string();
            let mut summary = json!({"id": c["id"], "name": name, "tags": tags_in(c)});
            for k in ["companyName", "email", "phone"] {
                if let Some(v) = c.get(k).filter(|v| v.is_string()) {
                    summary[k] = v.clone();
                }
            }
            o.insert("contact".into(), summary);
        }
        for k in ["notes", "tasks", "calendarEvents"] {
            o.entry(k).or_insert_with(|| json!([]));
        }
        Value::Object(o)
    }

    /// The checks every write makes of the fields it was given.
    fn check_deal(&self, b: &Obj, pipeline: &str) -> Result<(), Reply> {
        let mut bad = Vec::new();
        if let Some(s) = b.get("status").and_then(Value::as_str)
            && !STATUSES.contains(&s)
        {
            bad.push(format!(
                "status must be one of the following values: {}",
                STATUSES.join(", ")
            ));
        }
        if !self.pipelines.iter().any(|p| text(p, "id") == pipeline) {
            bad.push("pipelineId must be the id of a pipeline of this location".into());
        } else if let Some(stage) = b.get("pipelineStageId").and_then(Value::as_str)
            && !self.stage_of(pipeline, stage)
        {
            bad.push("pipelineStageId must be a stage of the pipeline".into());
        }
        if b.get("name")
            .and_then(Value::as_str)
            .is_some_and(|n| n.trim().is_empty())
        {
            bad.push("name should not be empty".into());
        }
        if bad.is_empty() {
            self.check_user_ids(b)
        } else {
            Err(unprocessable(bad))
        }
    }

    /// GET /opportunities/pipelines?locationId=
    pub fn pipelines(&self, q: &HashMap<String, String>) -> Outcome {
        match q.get("locationId").map(String::as_str) {
            None | Some("") => Err(bad_request("locationId should not be empty")),
            loc => {
                self.check_location(loc).map_err(|e| match e.status {
                    422 => bad_request("locationId should not be empty"),
                    _ => e,
                })?;
                ok(json!({ "pipelines": self.pipelines }))
            }
        }
    }

    /// GET /opportunities/lost-reason?locationId=: the reasons a deal can
    /// be lost for, by `name`/`query` if given, paged by `skip` and `limit`.
    pub fn lost_reasons(&self, q: &HashMap<String, String>) -> Outcome {
        self.check_location(q.get("locationId").map(String::as_str))?;
        // The official SDKs type these as floats: "10.0" is 10.
        let number = |k: &str, default: usize| match q.get(k) {
            None => Ok(default),
            Some(v) => v
                .parse::<f64>()
                .ok()
                .filter(|n| n.fract() == 0.0 && *n >= 0.0 && *n < 1e15)
                .map(|n| n as usize)
                .ok_or_else(|| unprocessable(vec![format!("{k} must be a number string")])),
        };
        let (skip, limit) = (number("skip", 0)?, number("limit", 100)?);
        let words = q
            .get("name")
            .or_else(|| q.get("query"))
            .map(|s| s.to_lowercase())
            .unwrap_or_default();
        let found: Vec<&Obj> = self
            .lost_reasons
            .iter()
            .filter(|r| text(r, "name").to_lowercase().contains(&words))
            .collect();
        let total = found.len();
        let page: Vec<&Obj> = found.into_iter().skip(skip).take(limit).collect();
        ok(json!({"lostReasons": page, "total": total}))
    }

    /// GET /opportunities/search: the deals matching the filters, newest
    /// first (`order=added_asc` for oldest), paged by `page` and `limit`
    /// (at most 100) or after the `startAfter`/`startAfterId` cursor. The
    /// query names of the v2 file (`location_id`) and of v3 and the
    /// official SDKs (`locationId`) both work.
    pub fn search_opportunities(&self, q: &HashMap<String, String>) -> Outcome {
        let loc = param(q, "location_id", "locationId");
        if loc.is_none() {
            return Err(unprocessable(vec![
                "location_id should not be empty".into(),
            ]));
        }
        self.check_location(loc)?;
        let number = |k: &str| -> Result<Option<i64>, Reply> {
            match q.get(k).filter(|v| !v.is_empty()) {
                None => Ok(None),
                // The official SDKs type these as floats: "20.0" is 20.
                Some(v) => v
                    .parse::<f64>()
                    .ok()
                    .filter(|n| n.fract() == 0.0 && n.abs() < 1e15)
                    .map(|n| Some(n as i64))
                    .ok_or_else(|| unprocessable(vec![format!("{k} must be a number string")])),
            }
        };
        let limit = number("limit")?.unwrap_or(20);
        if limit > 100 {
            return Err(unprocessable(vec![
                "limit must not be greater than 100".into(),
            ]));
        }
        if limit < 1 {
            return Err(unprocessable(vec!["limit must not be less than 1".into()]));
        }
        let page = number("page")?.unwrap_or(1).max(1);
        let status = param(q, "status", "status").unwrap_or("all");
        if status != "all" && !STATUSES.contains(&status) {
            return Err(unprocessable(vec![format!(
                "status must be one of the following values: all, {}",
                STATUSES.join(", ")
            )]));
        }
        let filters = [
            (param(q, "pipeline_id", "pipelineId"), "pipelineId"),
            (
                param(q, "pipeline_stage_id", "pipelineStageId"),
                "pipelineStageId",
            ),
            (param(q, "contact_id", "contactId"), "contactId"),
            (param(q, "assigned_to", "assignedTo"), "assignedTo"),
            (param(q, "id", "id"), "id"),
        ];
        let words = param(q, "q", "q").map(str::to_lowercase);
        let ms =
            |o: &Obj| parse_timestamp(text(o, "createdAt")).map_or(0, |t| t.timestamp_millis());
        let mut found: Vec<&Obj> = self
            .opportunities
            .iter()
            .filter(|o| status == "all" || text(o, "status") == status)
            .filter(|o| {
                filters
                    .iter()
                    .all(|(want, k)| want.is_none_or(|w| text(o, k) == w))
            })
            .filter(|o| {
                words.as_ref().is_none_or(|w| {
                    let contact = self.contact(text(o, "contactId"));
                    let c = |k: &str| contact.as_deref().map_or("", |c| text(c, k)).to_lowercase();
                    text(o, "name").to_lowercase().contains(w)
                        || format!("{} {}", c("firstName"), c("lastName")).contains(w)
                        || c("email").contains(w)
                        || c("companyName").contains(w)
                })
            })
            .collect();
        let ascending = q.get("order").is_some_and(|o| o == "added_asc");
        found.sort_by(|a, b| {
            let key = |o: &Obj| (ms(o), text(o, "id").to_string());
            if ascending {
                key(a).cmp(&key(b))
            } else {
                key(b).cmp(&key(a))
            }
        });
        let total = found.len();
        // The cursor, when given, wins over the page number.
        let start = match (
            number("startAfter")?,
            param(q, "startAfterId", "startAfterId"),
        ) {
            (Some(after), Some(id)) => found
                .iter()
                .position(|o| ms(o) == after && text(o, "id") == id)
                .map_or(total, |i| i + 1),
            _ => ((page - 1) * limit) as usize,
        };
        let rows: Vec<Value> = found
            .iter()
            .skip(start)
            .take(limit as usize)
            .map(|o| self.shown(o))
            .collect();
        let mut meta = json!({"total": total, "currentPage": page});
        let end = start + rows.len();
        if let Some(last) = end
            .checked_sub(1)
            .filter(|_| !rows.is_empty())
            .map(|i| found[i])
        {
            meta["startAfterId"] = json!(text(last, "id"));
            meta["startAfter"] = json!(ms(last));
        }
        if let Some(last) = end.checked_sub(1).filter(|_| end < total).map(|i| found[i]) {
            meta["nextPage"] = json!(page + 1);
            meta["nextPageUrl"] = json!(format!(
                "/opportunities/search?location_id={}&limit={limit}&page={}&startAfter={}&startAfterId={}",
                self.location_id,
                page + 1,
                ms(last),
                text(last, "id")
            ));
        }
        if page > 1 {
            meta["prevPage"] = json!(page - 1);
        }
        ok(json!({"opportunities": rows, "meta": meta, "aggregations": {}}))
    }

    /// HighLevel keeps one open deal per contact and pipeline.
    fn check_no_open_twin(&self, contact: &str, pipeline: &str) -> Result<(), Reply> {
        if self.opportunities.iter().any(|o| {
            text(o, "contactId") == contact
                && text(o, "pipelineId") == pipeline
                && text(o, "status") == "open"
        }) {
            return Err(bad_request(
                "Can not create duplicate opportunity for the contact.",
            ));
        }
        Ok(())
    }

    /// GET /opportunities/{id}
    pub fn get_opportunity(&self, id: &str) -> Outcome {
        let o = self.opportunity(id).ok_or_else(not_found_deal)?;
        ok(json!({ "opportunity": self.shown(o) }))
    }

    /// POST /opportunities/: a new deal for a contact, in the pipeline's
    /// first stage unless one is named. HighLevel refuses a second open
    /// deal for the same contact in the same pipeline.
    pub fn create_opportunity(&mut self, body: &Value) -> Outcome {
        let b = checked(body, CREATE)?;
        self.check_location(b.get("locationId").and_then(Value::as_str))?;
        let pipeline = text(b, "pipelineId").to_string();
        self.check_deal(b, &pipeline)?;
        let contact = text(b, "contactId").to_string();
        if self.contact(&contact).is_none() {
            return Err(unprocessable(vec![
                "contactId must be the id of a contact of this location".into(),
            ]));
        }
        if text(b, "status") == "open" {
            self.check_no_open_twin(&contact, &pipeline)?;
        }
        let now = Self::now();
        let mut o = b.clone();
        o.remove("customFields");
        if !o.contains_key("pipelineStageId")
            && let Some(first) = self.first_stage(&pipeline)
        {
            o.insert("pipelineStageId".into(), first);
        }
        let id = make_id(&mut self.rng);
        for (k, v) in [
            ("id", json!(id)),
            ("source", json!("")),
            ("lastStatusChangeAt", json!(now)),
            ("lastStageChangeAt", json!(now)),
            ("lastActionDate", json!(now)),
            ("createdAt", json!(now)),
            ("updatedAt", json!(now)),
            ("customFields", json!([])),
            ("followers", json!([])),
        ] {
            o.insert(k.into(), v);
        }
        o.entry("monetaryValue").or_insert(json!(0));
        self.opportunities.push(o);
        let shown = self.get_opportunity(&id)?.body;
        created(shown)
    }

    /// PUT /opportunities/{id}: the fields given, checked together (a new
    /// stage must be of the deal's pipeline, or of the new one).
    pub fn update_opportunity(&mut self, id: &str, body: &Value) -> Outcome {
        let b = checked(body, UPDATE)?.clone();
        let current = self.opportunity(id).ok_or_else(not_found_deal)?;
        let pipeline = b
            .get("pipelineId")
            .and_then(Value::as_str)
            .unwrap_or(text(current, "pipelineId"))
            .to_string();
        let moved_pipeline = pipeline != text(current, "pipelineId");
        if moved_pipeline && !b.contains_key("pipelineStageId") {
            return Err(unprocessable(vec![
                "pipelineStageId must be given with a new pipelineId".into(),
            ]));
        }
        self.check_deal(&b, &pipeline)?;
        let now = Self::now();
        let o = self
            .opportunities
            .iter_mut()
            .find(|o| text(o, "id") == id)
            .ok_or_else(not_found_deal)?;
        if b.get("pipelineStageId")
            .is_some_and(|s| Some(s) != o.get("pipelineStageId"))
        {
            o.insert("lastStageChangeAt".into(), json!(now));
        }
        if b.get("status").is_some_and(|s| Some(s) != o.get("status")) {
            o.insert("lastStatusChangeAt".into(), json!(now));
            if b["status"] != "lost" {
                o.remove("lostReasonId");
            }
        }
        for (k, v) in b {
            if k != "customFields" {
                o.insert(k, v);
            }
        }
        o.insert("updatedAt".into(), json!(now));
        o.insert("lastActionDate".into(), json!(now));
        self.get_opportunity(id)
    }

    /// PUT /opportunities/{id}/status: `won`, `lost` (with a lost reason
    /// of the location, if any), `abandoned` or `open` again.
    pub fn set_opportunity_status(&mut self, id: &str, body: &Value) -> Outcome {
        let b = checked(body, STATUS)?;
        let status = text(b, "status").to_string();
        if !STATUSES.contains(&status.as_str()) {
            return Err(unprocessable(vec![format!(
                "status must be one of the following values: {}",
                STATUSES.join(", ")
            )]));
        }
        let reason = b
            .get("lostReasonId")
            .and_then(Value::as_str)
            .map(str::to_string);
        if let Some(r) = &reason {
            if status != "lost" {
                return Err(unprocessable(vec![
                    "lostReasonId is only for the status lost".into(),
                ]));
            }
            if !self.lost_reasons.iter().any(|l| text(l, "id") == r) {
                return Err(unprocessable(vec![
                    "lostReasonId must be the id of a lost reason of this location".into(),
                ]));
            }
        }
        let current = self.opportunity(id).ok_or_else(not_found_deal)?;
        if status == "open" && text(current, "status") != "open" {
            self.check_no_open_twin(text(current, "contactId"), text(current, "pipelineId"))?;
        }
        let now = Self::now();
        let o = self
            .opportunities
            .iter_mut()
            .find(|o| text(o, "id") == id)
            .ok_or_else(not_found_deal)?;
        if text(o, "status") != status {
            o.insert("lastStatusChangeAt".into(), json!(now));
        }
        o.insert("status".into(), json!(status));
        match reason {
            Some(r) => o.insert("lostReasonId".into(), json!(r)),
            None => o.remove("lostReasonId"),
        };
        o.insert("updatedAt".into(), json!(now));
        o.insert("lastActionDate".into(), json!(now));
        ok(json!({"succeded": true}))
    }

    /// DELETE /opportunities/{id}
    pub fn delete_opportunity(&mut self, id: &str) -> Outcome {
        let before = self.opportunities.len();
        self.opportunities.retain(|o| text(o, "id") != id);
        if self.opportunities.len() == before {
            return Err(not_found_deal());
        }
        ok(json!({"succeded": true}))
    }
}

async fn pipelines(
    State(s): State<Arc<Shared>>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    outcome(with_store!(s, |st| st.pipelines(&q)))
}

async fn lost_reasons(
    State(s): State<Arc<Shared>>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    outcome(with_store!(s, |st| st.lost_reasons(&q)))
}

async fn search(
    State(s): State<Arc<Shared>>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    outcome(with_store!(s, |st| st.search_opportunities(&q)))
}

async fn one(State(s): State<Arc<Shared>>, Path(id): Path<String>) -> Response {
    outcome(with_store!(s, |st| st.get_opportunity(&id)))
}

async fn create(State(s): State<Arc<Shared>>, JsonBody(body): JsonBody) -> Response {
    outcome(with_store!(s, |st| st.create_opportunity(&body)))
}

async fn update(
    State(s): State<Arc<Shared>>,
    Path(id): Path<String>,
    JsonBody(body): JsonBody,
) -> Response {
    outcome(with_store!(s, |st| st.update_opportunity(&id, &body)))
}

async fn set_status(
    State(s): State<Arc<Shared>>,
    Path(id): Path<String>,
    JsonBody(body): JsonBody,
) -> Response {
    outcome(with_store!(s, |st| st.set_opportunity_status(&id, &body)))
}

async fn delete_one(State(s): State<Arc<Shared>>, Path(id): Path<String>) -> Response {
    outcome(with_store!(s, |st| st.delete_opportunity(&id)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn the_seed_spreads_deals_over_contacts_in_real_stages() {
        let st = Store::seeded("loc", 200, 3);
        let deals = st.opportunity_list();
        assert!(deals.len() > 60 && deals.len() < 200, "{}", deals.len());
        for o in deals {
            assert!(st.contact(text(o, "contactId")).is_some());
            assert!(st.stage_of(text(o, "pipelineId"), text(o, "pipelineStageId")));
            assert!(STATUSES.contains(&text(o, "status")));
            assert_eq!(o.contains_key("lostReasonId"), text(o, "status") == "lost");
        }
        let mut open = std::collections::HashSet::new();
        for o in deals.iter().filter(|o| text(o, "status") == "open") {
            assert!(
                open.insert((text(o, "contactId"), text(o, "pipelineId"))),
                "two open deals of one contact in one pipeline"
            );
        }
        let statuses: std::collections::BTreeSet<&str> =
            deals.iter().map(|o| text(o, "status")).collect();
        assert_eq!(statuses.len(), 4, "{statuses:?}");
    }

    #[test]
    fn search_pages_by_number_and_by_cursor_alike_with_both_spellings() {
        let st = Store::seeded("loc", 300, 5);
        let all = st
            .search_opportunities(&q(&[("location_id", "loc"), ("limit", "100")]))
            .unwrap()
            .body;
        let total = all["meta"]["total"].as_u64().unwrap() as usize;
        assert_eq!(total, st.opportunity_list().len());
        let mut by_page = Vec::new();
        let mut by_cursor = Vec::new();
        let mut cursor: Option<(String, String)> = None;
        for page in 1.. {
            let p = page.to_string();
            let r = st
                .search_opportunities(&q(&[("locationId", "loc"), ("limit", "7"), ("page", &p)]))
                .unwrap()
                .body;
            let rows = r["opportunities"].as_array().unwrap().clone();
            by_page.extend(rows.iter().map(|o| o["id"].as_str().unwrap().to_string()));
            let mut args = vec![("location_id", "loc"), ("limit", "7")];
            let c = cursor.clone();
            if let Some((after, id)) = &c {
                args.push(("startAfter", after));
                args.push(("startAfterId", id));
            }
            let r2 = st.search_opportunities(&q(&args)).unwrap().body;
            by_cursor.extend(
                r2["opportunities"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|o| o["id"].as_str().unwrap().to_string()),
            );
            cursor = r2["meta"]["startAfterId"]
                .as_str()
                .map(|id| (r2["meta"]["startAfter"].to_string(), id.to_string()));
            if rows.len() < 7 {
                break;
            }
        }
        assert_eq!(by_page.len(), total);
        assert_eq!(by_page, by_cursor);
        // Filters, in either spelling.
        let cid = text(&st.opportunity_list()[0], "contactId").to_string();
        for key in ["contact_id", "contactId"] {
            let r = st
                .search_opportunities(&q(&[("location_id", "loc"), (key, &cid)]))
                .unwrap()
                .body;
            let rows = r["opportunities"].as_array().unwrap();
            assert!(!rows.is_empty());
            assert!(rows.iter().all(|o| o["contactId"] == cid.as_str()));
            assert_eq!(rows[0]["contact"]["id"], cid.as_str());
        }
        assert_eq!(
            st.search_opportunities(&q(&[("location_id", "other")]))
                .unwrap_err()
                .status,
            403
        );
        assert_eq!(
            st.search_opportunities(&q(&[("location_id", "loc"), ("status", "maybe")]))
                .unwrap_err()
                .status,
            422
        );
    }

    #[test]
    fn writes_are_checked_and_change_exactly_what_they_say() {
        let mut st = Store::seeded("loc", 50, 9);
        let p = st.pipeline_list()[0].clone();
        let stages = p["stages"].as_array().unwrap().clone();
        let other = st.pipeline_list()[1]["stages"][0]["id"].clone();
        let cid = st.contact_ids()[0].clone();
        let bad = st
            .create_opportunity(
                &json!({"pipelineId": p["id"], "locationId": "loc", "name": "x",
                "status": "maybe", "contactId": cid, "pipelineStageId": other, "extra": 1}),
            )
            .unwrap_err();
        assert_eq!(bad.status, 422);
        assert!(
            bad.body
                .to_string()
                .contains("property extra should not exist")
        );
        let bad = st
            .create_opportunity(
                &json!({"pipelineId": p["id"], "locationId": "loc", "name": "x",
                "status": "maybe", "contactId": cid, "pipelineStageId": other}),
            )
            .unwrap_err();
        let text = bad.body.to_string();
        assert!(
            text.contains("status must be one of") && text.contains("stage of the pipeline"),
            "{text}"
        );
        st.opportunities.retain(|o| o["contactId"] != cid.as_str());
        let made = st
            .create_opportunity(
                &json!({"pipelineId": p["id"], "locationId": "loc", "name": "New deal",
                "status": "open", "contactId": cid, "monetaryValue": 1200}),
            )
            .unwrap();
        assert_eq!(made.status, 201);
        let id = made.body["opportunity"]["id"].as_str().unwrap().to_string();
        assert_eq!(made.body["opportunity"]["pipelineStageId"], stages[0]["id"]);
        let again = st
            .create_opportunity(
                &json!({"pipelineId": p["id"], "locationId": "loc", "name": "Twice",
                "status": "open", "contactId": cid}),
            )
            .unwrap_err();
        assert_eq!(again.status, 400);
        let before = st.opportunity(&id).unwrap().clone();
        let r = st
            .update_opportunity(&id, &json!({"pipelineStageId": stages[2]["id"]}))
            .unwrap();
        assert_eq!(r.body["opportunity"]["pipelineStageId"], stages[2]["id"]);
        let after = st.opportunity(&id).unwrap().clone();
        for (k, v) in &before {
            if ![
                "pipelineStageId",
                "lastStageChangeAt",
                "updatedAt",
                "lastActionDate",
            ]
            .contains(&k.as_str())
            {
                assert_eq!(after.get(k), Some(v), "{k} changed");
            }
        }
        assert_eq!(
            st.update_opportunity(&id, &json!({"pipelineStageId": other}))
                .unwrap_err()
                .status,
            422
        );
        let reason = st.lost_reasons[0]["id"].clone();
        st.set_opportunity_status(&id, &json!({"status": "lost", "lostReasonId": reason}))
            .unwrap();
        assert_eq!(st.opportunity(&id).unwrap()["lostReasonId"], reason);
        assert_eq!(
            st.set_opportunity_status(&id, &json!({"status": "lost", "lostReasonId": "nope"}))
                .unwrap_err()
                .status,
            422
        );
        st.set_opportunity_status(&id, &json!({"status": "open"}))
            .unwrap();
        assert!(!st.opportunity(&id).unwrap().contains_key("lostReasonId"));
        assert!(st.delete_opportunity(&id).is_ok());
        assert_eq!(st.delete_opportunity(&id).unwrap_err().status, 400);
        assert_eq!(st.get_opportunity(&id).unwrap_err().status, 400);
    }
}
