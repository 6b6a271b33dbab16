//! Deals: the location's pipelines (names for the stage ids a deal
//! carries) and lost reasons, and the detail pane's Deals section.

use crate::api::opportunities::{LostReason, Opportunity, Pipeline};
use crate::app::*;

/// What a deals request waits for.
#[derive(Debug, Clone)]
pub(crate) enum DealsWait {
    /// The deals of the contact with this id, for the detail pane.
    Contact(String),
    Pipelines,
    LostReasons,
    /// A change to one of the detail pane's deals.
    Edit(crate::app::overlays::deals::DealEdit),
    /// A new deal, shown under a stand-in id until it is made.
    Create {
        contact_id: String,
        temp_id: String,
    },
}

/// The location's pipelines and lost reasons, as last read.
#[derive(Debug, Clone, Default)]
pub struct DealsMeta {
    pub pipelines: Remote<Vec<Pipeline>>,
    pub lost_reasons: Remote<Vec<LostReason>>,
}

impl DealsMeta {
    pub fn pipeline(&self, id: Option<&str>) -> Option<&Pipeline> {
        let id = id?;
        self.pipelines.loaded()?.iter().find(|p| p.id == id)
    }

    /// "Sales Pipeline", "Proposal sent": a deal's place, by name, as far
    /// as the pipelines say.
    pub fn place(&self, o: &Opportunity) -> (Option<&str>, Option<&str>) {
        let p = self.pipeline(o.pipeline_id.as_deref());
        let stage = p
            .zip(o.pipeline_stage_id.as_deref())
            .and_then(|(p, id)| p.stage(id))
            .map(|(_, s)| s.name.as_str());
        (p.map(|p| p.name.as_str()), stage)
    }

    pub fn lost_reason(&self, id: Option<&str>) -> Option<&str> {
        let id = id?;
        self.lost_reasons
            .loaded()?
            .iter()
            .find(|r| r.id == id)
            .map(|r| r.name.as_str())
    }
}

pub use crate::api::opportunities::sorted;

impl State {
    /// Asks for the pipelines and the lost reasons (at start).
    pub(crate) fn load_deals_meta(&mut self, out: &mut Vec<Command>) {
        self.request(
            out,
            ApiOp::Pipelines,
            Priority::Background,
            Some("pipelines"),
            Purpose::Deals(DealsWait::Pipelines),
        );
        self.request(
            out,
            ApiOp::LostReasons,
            Priority::Background,
            Some("lost-reasons"),
            Purpose::Deals(DealsWait::LostReasons),
        );
    }

    /// Asks for the detail pane's contact's deals.
    pub(crate) fn load_contact_deals(&mut self, cid: &str, out: &mut Vec<Command>) {
        self.detail.deals = Remote::Loading;
        self.request(
            out,
            ApiOp::ContactDeals {
                contact_id: cid.to_string(),
            },
            Priority::Interactive,
            Some("detail-deals"),
            Purpose::Deals(DealsWait::Contact(cid.to_string())),
        );
    }
}

pub(crate) fn deals_answer(
    s: &mut State,
    w: DealsWait,
    r: Result<ApiResponse, ApiError>,
    out: &mut Vec<Command>,
) {
    match (w, r) {
        (DealsWait::Edit(e), r) => crate::app::overlays::deals::deal_edit_answer(s, e, r),
        (
            DealsWait::Create {
                contact_id,
                temp_id,
            },
            r,
        ) => crate::app::overlays::deals::deal_created(s, &contact_id, &temp_id, r),
        (DealsWait::Contact(cid), r) => {
            if s.detail.contact_id.as_deref() != Some(cid.as_str()) {
                return;
            }
            s.detail.deals = match r {
                Ok(ApiResponse::Deals(d)) => Remote::Loaded(d),
                Ok(other) => Remote::Failed(format!("unexpected answer {other:?}")),
                Err(e) => Remote::Failed(e.to_string()),
            };
        }
        (DealsWait::Pipelines, Ok(ApiResponse::Pipelines(p))) => {
            s.deals.pipelines = Remote::Loaded(p);
            // The board waited for them.
            if s.view == View::Board
                && (s.board.pipeline.is_none() || matches!(s.board.status, Remote::Idle))
            {
                s.open_board(out);
            }
        }
        (DealsWait::LostReasons, Ok(ApiResponse::LostReasons(r))) => {
            s.deals.lost_reasons = Remote::Loaded(r);
        }
        (DealsWait::Pipelines | DealsWait::LostReasons, Ok(other)) => {
            tracing::warn!(?other, "unexpected answer");
        }
        // Stages then show as "stage ?"; an old copy stays.
        (DealsWait::Pipelines, Err(e)) => {
            tracing::info!("pipelines unavailable: {e}");
            if s.deals.pipelines.loaded().is_none() {
                s.deals.pipelines = Remote::Failed(e.to_string());
            }
        }
        (DealsWait::LostReasons, Err(e)) => {
            tracing::info!("lost reasons unavailable: {e}");
            if s.deals.lost_reasons.loaded().is_none() {
                s.deals.lost_reasons = Remote::Failed(e.to_string());
            }
        }
    }
}
