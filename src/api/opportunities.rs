//! The Opportunities service (`apps/opportunities.json`): a contact's
//! deals, the location's pipelines and their stages, and lost reasons.

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

use super::client::{Client, Succeeded, endpoint};
use super::error::ApiError;
use super::model::Extra;
use super::paging::{Position, Walk};

/// The `Version` every Opportunities operation declares.
pub const VERSION: &str = "2021-07-28";

endpoint!(
    SEARCH,
    "search-opportunity",
    GET,
    "opportunities.readonly",
    Idempotent,
    VERSION
);
endpoint!(
    PIPELINES,
    "get-pipelines",
    GET,
    "opportunities.readonly",
    Idempotent,
    VERSION
);
endpoint!(
    LOST_REASONS,
    "get-lost-reason",
    GET,
    "opportunities.readonly",
    Idempotent,
    VERSION
);
endpoint!(
    GET_ONE,
    "get-opportunity",
    GET,
    "opportunities.readonly",
    Idempotent,
    VERSION
);
endpoint!(
    CREATE,
    "create-opportunity",
    POST,
    "opportunities.write",
    OnlyIfUnprocessed,
    VERSION
);
endpoint!(
    UPDATE,
    "update-opportunity",
    PUT,
    "opportunities.write",
    Idempotent,
    VERSION
);
endpoint!(
    STATUS,
    "update-opportunity-status",
    PUT,
    "opportunities.write",
    Idempotent,
    VERSION
);
endpoint!(
    DELETE,
    "delete-opportunity",
    DELETE,
    "opportunities.write",
    Idempotent,
    VERSION
);

/// Where a deal stands (`status`). The spec's enum also has `all`, which
/// only a search means.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Open,
    Won,
    Lost,
    Abandoned,
}

impl Status {
    pub const ALL: [Status; 4] = [Status::Open, Status::Won, Status::Lost, Status::Abandoned];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Open => "open",
            Status::Won => "won",
            Status::Lost => "lost",
            Status::Abandoned => "abandoned",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        Status::ALL
            .into_iter()
            .find(|st| st.as_str().eq_ignore_ascii_case(s.trim()))
    }
}

/// A deal (`SearchOpportunitiesResponseSchema`). The spec requires no
/// field; one without an id is left out of every list.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Opportunity {
    #[serde(default)]
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient_number"
    )]
    pub monetary_value: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pipeline_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pipeline_stage_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assigned_to: Option<String>,
    /// As the server spells it: an unknown word is kept, not refused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lost_reason_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_stage_change_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_status_change_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact: Option<DealContact>,
    /// Everything else the server sends, kept as it came.
    #[serde(flatten)]
    pub extra: Extra,
}

impl Opportunity {
    pub fn status(&self) -> Option<Status> {
        self.status.as_deref().and_then(Status::parse)
    }
}

/// The contact summary a deal carries.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DealContact {
    #[serde(default)]
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub company_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// A number, or a number in a string ("500"); anything else is none.
fn lenient_number<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    Ok(match Option::<Value>::deserialize(d)? {
        Some(Value::Number(n)) => n.as_f64(),
        Some(Value::String(s)) => s.trim().parse().ok().filter(|v: &f64| v.is_finite()),
        _ => None,
    })
}

/// A pipeline and its stages, in order.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Pipeline {
    #[serde(default)]
    pub id: String,
    #[serde(default)]
    pub name: String,
    /// The spec types these as arrays (a slip); HighLevel sends stage
    /// objects. Whatever is not a stage object is left out.
    #[serde(default, deserialize_with = "stages")]
    pub stages: Vec<Stage>,
    #[serde(flatten)]
    pub extra: Extra,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Stage {
    #[serde(default)]
    pub id: String,
    #[serde(default)]
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub position: Option<f64>,
    #[serde(flatten)]
    pub extra: Extra,
}

fn stages<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Stage>, D::Error> {
    let raw = Option::<Vec<Value>>::deserialize(d)?.unwrap_or_default();
    // A stage id listed twice is one stage (the first): a deal is counted
    // in one place only.
    let mut ids = std::collections::HashSet::new();
    let mut out: Vec<Stage> = raw
        .into_iter()
        .filter_map(|v| serde_json::from_value::<Stage>(v).ok())
        .filter(|s| !s.id.is_empty() && ids.insert(s.id.clone()))
        .collect();
    // By position where given; the server's order otherwise.
    out.sort_by(|a, b| {
        a.position
            .unwrap_or(f64::MAX)
            .total_cmp(&b.position.unwrap_or(f64::MAX))
    });
    Ok(out)
}

impl Pipeline {
    pub fn stage(&self, id: &str) -> Option<(usize, &Stage)> {
        self.stages.iter().enumerate().find(|(_, s)| s.id == id)
    }
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LostReason {
    #[serde(default)]
    pub id: String,
    #[serde(default)]
    pub name: String,
    #[serde(flatten)]
    pub extra: Extra,
}

/// The body of POST /opportunities/ (`CreateDto`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NewOpportunity {
    pub pipeline_id: String,
    pub location_id: String,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pipeline_stage_id: Option<String>,
    pub status: Status,
    pub contact_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub monetary_value: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assigned_to: Option<String>,
}

/// The body of PUT /opportunities/{id} (`UpdateOpportunityDto`): only
/// what changes.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OpportunityUpdate {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pipeline_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pipeline_stage_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub monetary_value: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assigned_to: Option<String>,
}

/// One page of GET /opportunities/search, as asked.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct OpportunitySearch {
    pub contact_id: Option<String>,
    pub pipeline_id: Option<String>,
    pub stage_id: Option<String>,
    /// `None` is every status.
    pub status: Option<Status>,
    pub assigned_to: Option<String>,
    pub query: Option<String>,
    pub page: u32,
    pub limit: u32,
}

/// A page (or a whole walk) of deals: those rolo could read, how many
/// rows the server sent, and how many of them could not be read.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DealPage {
    pub deals: Vec<Opportunity>,
    pub sent: usize,
    pub unreadable: usize,
}

/// A contact's deals as rolo lists them: open ones first, newest first
/// within each status.
pub fn sorted(deals: &[Opportunity]) -> Vec<&Opportunity> {
    let mut v: Vec<&Opportunity> = deals.iter().collect();
    v.sort_by(|a, b| {
        (a.status() != Some(Status::Open))
            .cmp(&(b.status() != Some(Status::Open)))
            .then_with(|| b.created_at.cmp(&a.created_at))
            .then_with(|| a.id.cmp(&b.id))
    });
    v
}

/// The most one page of opportunities holds.
pub const PAGE_LIMIT: u32 = 100;

/// The most deals one walk reads (a bound on a server that never ends).
pub const MAX_DEALS: usize = 100_000;

impl Client {
    /// GET /opportunities/pipelines?locationId=
    pub async fn pipelines(&self) -> Result<Vec<Pipeline>, ApiError> {
        #[derive(Deserialize)]
        struct Resp {
            #[serde(default)]
            pipelines: Vec<Value>,
        }
        let loc = self.location_id().to_string();
        let r: Resp = self
            .call(
                &PIPELINES,
                self.url(&["opportunities", "pipelines"]),
                &[self.location_query()],
                None,
                &|| format!("the pipelines of location {loc}"),
            )
            .await?;
        Ok(r.pipelines
            .into_iter()
            .filter_map(|v| match serde_json::from_value::<Pipeline>(v) {
                Ok(p) => Some(p),
                Err(e) => {
                    tracing::warn!("a pipeline is not as the spec says: {e}");
                    None
                }
            })
            .filter(|p| !p.id.is_empty())
            .collect())
    }

    /// GET /opportunities/lost-reason?locationId=: every reason a deal can
    /// be lost for.
    pub async fn lost_reasons(&self) -> Result<Vec<LostReason>, ApiError> {
        #[derive(Deserialize)]
        struct Resp {
            #[serde(default, rename = "lostReasons")]
            lost_reasons: Vec<LostReason>,
        }
        let loc = self.location_id().to_string();
        let mut walk = Walk::new();
        let mut seen = std::collections::HashSet::new();
        let mut out = Vec::new();
        let mut sent = 0usize;
        while !walk.ended {
            let r: Resp = self
                .call(
                    &LOST_REASONS,
                    self.url(&["opportunities", "lost-reason"]),
                    &[
                        self.location_query(),
                        ("limit", PAGE_LIMIT.to_string()),
                        ("skip", sent.to_string()),
                    ],
                    None,
                    &|| format!("the lost reasons of location {loc}"),
                )
                .await?;
            let got = r.lost_reasons.len();
            sent += got;
            let fresh: Vec<LostReason> = r
                .lost_reasons
                .into_iter()
                .filter(|r| !r.id.is_empty() && seen.insert(r.id.clone()))
                .collect();
            walk.advance(PAGE_LIMIT, got, fresh.len(), None)
                .map_err(|e| ApiError::Server {
                    status: 200,
                    message: e.to_string(),
                })?;
            out.extend(fresh);
        }
        Ok(out)
    }

    /// One page of GET /opportunities/search: the deals rolo could read.
    pub async fn search_opportunities(
        &self,
        q: &OpportunitySearch,
    ) -> Result<Vec<Opportunity>, ApiError> {
        Ok(self.opportunities_page(q).await?.deals)
    }

    /// One page, with how many rows the server sent: a row that cannot be
    /// read is left out of `deals` but still counts toward the page (a
    /// short page is what ends a walk).
    pub async fn opportunities_page(&self, q: &OpportunitySearch) -> Result<DealPage, ApiError> {
        #[derive(Deserialize)]
        struct Resp {
            #[serde(default)]
            opportunities: Vec<Value>,
        }
        let mut query = vec![
            ("location_id", self.location_id().to_string()),
            ("limit", q.limit.clamp(1, PAGE_LIMIT).to_string()),
            ("page", q.page.max(1).to_string()),
        ];
        for (k, v) in [
            ("contact_id", &q.contact_id),
            ("pipeline_id", &q.pipeline_id),
            ("pipeline_stage_id", &q.stage_id),
            ("assigned_to", &q.assigned_to),
            ("q", &q.query),
        ] {
            if let Some(v) = v {
                query.push((k, v.clone()));
            }
        }
        if let Some(s) = q.status {
            query.push(("status", s.as_str().to_string()));
        }
        let r: Resp = self
            .call(
                &SEARCH,
                self.url(&["opportunities", "search"]),
                &query,
                None,
                &|| "the opportunities".to_string(),
            )
            .await?;
        let sent = r.opportunities.len();
        let deals: Vec<Opportunity> = r
            .opportunities
            .into_iter()
            .filter_map(|v| match serde_json::from_value::<Opportunity>(v) {
                Ok(o) => Some(o),
                Err(e) => {
                    tracing::warn!("a deal is not as the spec says: {e}");
                    None
                }
            })
            .filter(|o| !o.id.is_empty())
            .collect();
        Ok(DealPage {
            unreadable: sent - deals.len(),
            sent,
            deals,
        })
    }

    /// Every deal the search finds, page after page: only a short page
    /// ends it, and a page with nothing new stops it with an error (a
    /// server that sends the same page forever). With how many rows could
    /// not be read.
    pub async fn all_opportunities(&self, q: &OpportunitySearch) -> Result<DealPage, ApiError> {
        let mut walk = Walk::new();
        let mut seen = std::collections::HashSet::new();
        let mut out = DealPage::default();
        while !walk.ended {
            let Ok(Position::Page(page)) = walk.position(PAGE_LIMIT, u64::MAX) else {
                break;
            };
            let p = self
                .opportunities_page(&OpportunitySearch {
                    page,
                    limit: PAGE_LIMIT,
                    ..q.clone()
                })
                .await?;
            let fresh: Vec<Opportunity> = p
                .deals
                .into_iter()
                .filter(|o| seen.insert(o.id.clone()))
                .collect();
            // Unreadable rows are new as far as anyone can tell.
            walk.advance(PAGE_LIMIT, p.sent, fresh.len() + p.unreadable, None)
                .map_err(|e| ApiError::Server {
                    status: 200,
                    message: e.to_string(),
                })?;
            out.sent += p.sent;
            out.unreadable += p.unreadable;
            out.deals.extend(fresh);
            if out.deals.len() >= MAX_DEALS {
                break;
            }
        }
        Ok(out)
    }

    /// A contact's deals, every status.
    pub async fn contact_opportunities(
        &self,
        contact_id: &str,
    ) -> Result<Vec<Opportunity>, ApiError> {
        Ok(self
            .all_opportunities(&OpportunitySearch {
                contact_id: Some(contact_id.to_string()),
                ..OpportunitySearch::default()
            })
            .await?
            .deals)
    }

    /// GET /opportunities/{id}
    pub async fn opportunity(&self, id: &str) -> Result<Opportunity, ApiError> {
        #[derive(Deserialize)]
        struct Resp {
            opportunity: Opportunity,
        }
        let r: Resp = self
            .call(
                &GET_ONE,
                self.url(&["opportunities", id]),
                &[],
                None,
                &|| format!("opportunity {id}"),
            )
            .await?;
        Ok(r.opportunity)
    }

    /// POST /opportunities/
    pub async fn create_opportunity(&self, new: &NewOpportunity) -> Result<Opportunity, ApiError> {
        #[derive(Deserialize)]
        struct Resp {
            opportunity: Opportunity,
        }
        let body =
            serde_json::to_value(new).map_err(|e| ApiError::InvalidRequest(e.to_string()))?;
        let r: Resp = self
            .call(
                &CREATE,
                self.url(&["opportunities", ""]),
                &[],
                Some(body),
                &|| format!("a new opportunity for contact {}", new.contact_id),
            )
            .await?;
        Ok(r.opportunity)
    }

    /// PUT /opportunities/{id}
    pub async fn update_opportunity(
        &self,
        id: &str,
        update: &OpportunityUpdate,
    ) -> Result<Opportunity, ApiError> {
        #[derive(Deserialize)]
        struct Resp {
            opportunity: Opportunity,
        }
        let body =
            serde_json::to_value(update).map_err(|e| ApiError::InvalidRequest(e.to_string()))?;
        let r: Resp = self
            .call(
                &UPDATE,
                self.url(&["opportunities", id]),
                &[],
                Some(body),
                &|| format!("opportunity {id}"),
            )
            .await?;
        Ok(r.opportunity)
    }

    /// PUT /opportunities/{id}/status: `lost` may carry a lost reason.
    pub async fn set_opportunity_status(
        &self,
        id: &str,
        status: Status,
        lost_reason: Option<&str>,
    ) -> Result<(), ApiError> {
        let mut body = serde_json::json!({ "status": status.as_str() });
        if let Some(r) = lost_reason.filter(|_| status == Status::Lost) {
            body["lostReasonId"] = Value::String(r.to_string());
        }
        let r: Succeeded = self
            .call(
                &STATUS,
                self.url(&["opportunities", id, "status"]),
                &[],
                Some(body),
                &|| format!("opportunity {id}"),
            )
            .await?;
        r.check(&STATUS)
    }

    /// DELETE /opportunities/{id}
    pub async fn delete_opportunity(&self, id: &str) -> Result<(), ApiError> {
        let r: Succeeded = self
            .call(
                &DELETE,
                self.url(&["opportunities", id]),
                &[],
                None,
                &|| format!("opportunity {id}"),
            )
            .await?;
        r.check(&DELETE)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_pipeline_keeps_its_stage_objects_in_order_and_drops_what_is_not_one() {
        let p: Pipeline = serde_json::from_value(json!({
            "id": "p1", "name": "Sales",
            "stages": [
                {"id": "s2", "name": "Won", "position": 2},
                [],
                {"name": "no id"},
                {"id": "s1", "name": "New", "position": 0, "showInFunnel": true},
            ],
            "showInFunnel": true
        }))
        .unwrap();
        let names: Vec<&str> = p.stages.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["New", "Won"]);
        assert_eq!(p.stage("s2").map(|(i, _)| i), Some(1));
        assert_eq!(p.extra["showInFunnel"], true);
    }

    #[test]
    fn a_deal_reads_what_servers_send_and_keeps_the_rest() {
        let v = json!({"id": "o1", "name": "Deal", "monetaryValue": "1250.5",
                       "status": "open", "indexVersion": 3, "contact": {"id": "c1", "name": "Ana", "tags": ["a"]}});
        let o: Opportunity = serde_json::from_value(v).unwrap();
        assert_eq!(o.monetary_value, Some(1250.5));
        assert_eq!(o.status(), Some(Status::Open));
        assert_eq!(o.extra["indexVersion"], 3);
        assert_eq!(o.contact.as_ref().unwrap().extra["tags"], json!(["a"]));
        let odd: Opportunity = serde_json::from_value(
            json!({"id": "o2", "monetaryValue": {"x": 1}, "status": "weird"}),
        )
        .unwrap();
        assert_eq!(odd.monetary_value, None);
        assert_eq!(odd.status(), None);
        assert_eq!(odd.status.as_deref(), Some("weird"));
    }

    #[test]
    fn the_bodies_are_as_the_spec_spells_them() {
        let new = NewOpportunity {
            pipeline_id: "p".into(),
            location_id: "l".into(),
            name: "n".into(),
            pipeline_stage_id: None,
            status: Status::Open,
            contact_id: "c".into(),
            monetary_value: Some(10.0),
            assigned_to: None,
        };
        assert_eq!(
            serde_json::to_value(&new).unwrap(),
            json!({"pipelineId": "p", "locationId": "l", "name": "n", "status": "open",
                   "contactId": "c", "monetaryValue": 10.0})
        );
        let u = OpportunityUpdate {
            pipeline_stage_id: Some("s".into()),
            ..OpportunityUpdate::default()
        };
        assert_eq!(
            serde_json::to_value(&u).unwrap(),
            json!({"pipelineStageId": "s"})
        );
    }
}
