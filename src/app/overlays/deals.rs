//! The deals panel (`$`): the contact's deals with their stages, and the
//! keys that move them on. `>`/`<` the next or previous stage, `s` a stage
//! picked from the pipeline, `w` won, `L` lost (with a lost reason), `A`
//! abandoned, `o` open again, `v` the value, `r` the name, `D` delete
//! (asks first). Each change shows at once, goes through the outbox, and
//! `u` undoes it.

use crate::api::opportunities::{Opportunity, OpportunityUpdate, Status};
use crate::app::*;

/// What the panel asks for, over its list.
#[derive(Debug, Clone, PartialEq)]
pub enum DealsMode {
    List,
    /// A stage of the deal's pipeline; the index of the highlighted one.
    Stage(usize),
    /// A lost reason; 0 is "no reason", then the location's reasons.
    LostReason(usize),
    /// The value, as typed.
    Value(String),
    /// The name, as typed.
    Name(String),
    ConfirmDelete,
    /// A new deal: its pipeline (the index of the highlighted one).
    NewPipeline(usize),
    /// A new deal in this pipeline (by id): its name, as typed.
    NewName(String, String),
}

#[derive(Debug, Clone)]
pub struct DealsPanel {
    pub contact_id: String,
    pub contact_name: String,
    /// Index into the deals as `deals::sorted` lists them.
    pub cursor: usize,
    pub mode: DealsMode,
    /// The deal a prompt is about, by id: the list may re-sort (an answer
    /// put something back) while it is open.
    pub target: Option<String>,
}

impl DealsPanel {
    /// The deal under the cursor, as the detail pane has it now.
    pub fn current<'a>(&self, s: &'a State) -> Option<&'a Opportunity> {
        let deals = s.detail.deals.loaded()?;
        crate::app::deals::sorted(deals).get(self.cursor).copied()
    }
}

/// What a deal edit waits for: the deal as it was, to put back if the
/// edit fails.
#[derive(Debug, Clone)]
pub(crate) struct DealEdit {
    pub contact_id: String,
    pub before: Box<Opportunity>,
    pub deleted: bool,
}

/// `$`: the panel for the contact in view, once its deals are in.
pub(crate) fn open_deals(s: &mut State) {
    let Some(cid) = s.target_contact() else {
        return;
    };
    if is_stand_in(&cid) {
        s.notice = Some("The contact is still being created; it has no deals yet.".into());
        return;
    }
    if s.detail.contact_id.as_deref() != Some(cid.as_str()) {
        s.notice = Some("Open the contact first (enter), then $.".into());
        return;
    }
    match &s.detail.deals {
        Remote::Loaded(_) => {
            let name = s
                .contact_by_id(&cid)
                .map(|c| c.display_name())
                .unwrap_or_default();
            s.overlay = Some(Overlay::Deals(Box::new(DealsPanel {
                contact_id: cid,
                contact_name: name,
                cursor: 0,
                mode: DealsMode::List,
                target: None,
            })));
        }
        Remote::Failed(e) => {
            s.notice = Some(format!(
                "The deals could not be read ({}); r reloads.",
                crate::text::snippet(e, 80)
            ))
        }
        _ => s.notice = Some("The deals are still loading; press $ again in a moment.".into()),
    }
}

/// The stage `by` steps from the deal's (none past either end).
pub(crate) fn step_stage(s: &State, o: &Opportunity, by: isize) -> Result<String, String> {
    let p = s
        .deals
        .pipeline(o.pipeline_id.as_deref())
        .ok_or("The deal's pipeline is not known (yet); r reloads.")?;
    let at = o
        .pipeline_stage_id
        .as_deref()
        .and_then(|id| p.stage(id))
        .map(|(i, _)| i as isize);
    let next = match at {
        Some(i) => i + by,
        None => 0,
    };
    match usize::try_from(next).ok().and_then(|i| p.stages.get(i)) {
        Some(st) => Ok(st.id.clone()),
        None if by > 0 => Err(format!(
            "{} is the pipeline's last stage.",
            crate::text::sanitize(&p.stages.last().map(|s| s.name.clone()).unwrap_or_default())
        )),
        None => Err("That is the pipeline's first stage.".into()),
    }
}

/// "4,500", "$4,500.50", "4.5k": a value as people type it.
pub fn parse_value(text: &str) -> Result<f64, String> {
    let raw = text.trim().trim_start_matches('$');
    // A comma groups thousands: three digits after it, then the end, a
    // point or another comma. "1,5k" is someone's decimal comma, and
    // would otherwise read as 15,000.
    let whole = raw.split('.').next().unwrap_or("");
    let groups: Vec<&str> = whole.split(',').collect();
    if groups.len() > 1
        && groups[1..].iter().any(|g| {
            g.trim_end_matches(['k', 'K', 'm', 'M']).len() != 3
                || !g
                    .trim_end_matches(['k', 'K', 'm', 'M'])
                    .chars()
                    .all(|c| c.is_ascii_digit())
        })
    {
        return Err(format!(
            "{:?}: a comma groups thousands (4,500); for a decimal write a point (1.5k)",
            crate::text::snippet(text, 30)
        ));
    }
    let t = raw.replace([',', '_', ' '], "");
    let (num, times) = match t.strip_suffix(['k', 'K']) {
        Some(n) => (n.to_string(), 1_000.0),
        None => match t.strip_suffix(['m', 'M']) {
            Some(n) => (n.to_string(), 1_000_000.0),
            None => (t.clone(), 1.0),
        },
    };
    match num.parse::<f64>() {
        Ok(v) if v.is_finite() && v >= 0.0 && v * times < 1e15 => Ok(v * times),
        Ok(_) => Err(format!(
            "{:?} is not a value a deal can have",
            crate::text::snippet(text, 30)
        )),
        Err(_) => Err(format!(
            "{:?} is not an amount (4500, 4,500.50 or 4.5k)",
            crate::text::snippet(text, 30)
        )),
    }
}

impl State {
    /// A deal as shown now: in the detail pane (for its contact), or on
    /// the board.
    pub(crate) fn deal_now(&self, contact_id: &str, id: &str) -> Option<Opportunity> {
        self.detail
            .deals
            .loaded()
            .filter(|_| self.detail.contact_id.as_deref() == Some(contact_id))
            .and_then(|d| d.iter().find(|o| o.id == id))
            .or_else(|| self.board.deals.iter().find(|o| o.id == id))
            .cloned()
    }

    /// Why the contact cannot have another deal in the pipeline: HighLevel
    /// keeps one open deal per contact and pipeline.
    fn open_deal_in(&self, contact_id: &str, pipeline: &str) -> Option<String> {
        let deals = self
            .detail
            .deals
            .loaded()
            .filter(|_| self.detail.contact_id.as_deref() == Some(contact_id))?;
        let o = deals.iter().find(|o| {
            o.pipeline_id.as_deref() == Some(pipeline) && o.status() == Some(Status::Open)
        })?;
        Some(format!(
            "The contact has an open deal in that pipeline already (\"{}\"): HighLevel allows one.",
            crate::text::snippet(o.name.as_deref().unwrap_or(""), 40)
        ))
    }

    /// A new open deal for the contact in the pipeline's first stage,
    /// shown at once under a stand-in id, for the profile's user.
    pub(crate) fn create_deal(
        &mut self,
        contact_id: &str,
        pipeline: &str,
        name: String,
        out: &mut Vec<Command>,
    ) -> String {
        let stage = self
            .deals
            .pipeline(Some(pipeline))
            .and_then(|p| p.stages.first())
            .map(|st| st.id.clone());
        let temp_id = self.temp_id();
        let at = crate::api::model::format_timestamp(self.now);
        let shown = Opportunity {
            id: temp_id.clone(),
            name: Some(name.clone()),
            pipeline_id: Some(pipeline.to_string()),
            pipeline_stage_id: stage.clone(),
            assigned_to: self.me.clone(),
            status: Some(Status::Open.as_str().to_string()),
            contact_id: Some(contact_id.to_string()),
            created_at: Some(at.clone()),
            last_stage_change_at: Some(at),
            ..Opportunity::default()
        };
        if self.detail.contact_id.as_deref() == Some(contact_id)
            && let Some(deals) = self.detail.deals.loaded_mut()
        {
            deals.push(shown.clone());
        }
        self.board.show(&shown);
        self.undo.push(Undo::Final(
            "a new deal (D in the deals panel deletes it)".into(),
        ));
        self.notice = Some(format!(
            "New deal \"{}\" in {}.",
            crate::text::snippet(&name, 40),
            crate::text::sanitize(self.deals.place(&shown).0.unwrap_or("its pipeline"))
        ));
        self.request(
            out,
            ApiOp::CreateDeal {
                contact_id: contact_id.to_string(),
                deal: crate::api::opportunities::NewOpportunity {
                    pipeline_id: pipeline.to_string(),
                    location_id: self.location.clone(),
                    name,
                    pipeline_stage_id: stage,
                    status: Status::Open,
                    contact_id: contact_id.to_string(),
                    monetary_value: None,
                    assigned_to: self.me.clone(),
                },
            },
            Priority::Interactive,
            None,
            Purpose::Deals(DealsWait::Create {
                contact_id: contact_id.to_string(),
                temp_id: temp_id.clone(),
            }),
        );
        temp_id
    }

    /// Shows `after` in place of the deal at once, and sends the change.
    fn change_deal(
        &mut self,
        contact_id: &str,
        before: &Opportunity,
        after: Opportunity,
        op: ApiOp,
        out: &mut Vec<Command>,
    ) {
        if let Some(deals) = self.detail.deals.loaded_mut() {
            deals
                .iter_mut()
                .filter(|o| o.id == before.id)
                .for_each(|o| *o = after.clone());
        }
        self.board.show(&after);
        self.undo.push(Undo::DealEdited {
            contact_id: contact_id.to_string(),
            before: Box::new(before.clone()),
            after: Box::new(after),
        });
        self.request(
            out,
            op,
            Priority::Interactive,
            None,
            Purpose::Deals(DealsWait::Edit(DealEdit {
                contact_id: contact_id.to_string(),
                before: Box::new(before.clone()),
                deleted: false,
            })),
        );
    }

    /// The deal to `stage` (of its pipeline).
    pub(crate) fn move_deal(
        &mut self,
        contact_id: &str,
        before: &Opportunity,
        stage: String,
        out: &mut Vec<Command>,
    ) {
        let mut after = before.clone();
        after.pipeline_stage_id = Some(stage.clone());
        after.last_stage_change_at = Some(crate::api::model::format_timestamp(self.now));
        let name = self
            .deals
            .place(&after)
            .1
            .map(|n| crate::text::sanitize(n).into_owned())
            .unwrap_or_default();
        self.notice = Some(format!("Moved to {name}."));
        let op = ApiOp::UpdateDeal {
            contact_id: contact_id.to_string(),
            id: before.id.clone(),
            update: OpportunityUpdate {
                pipeline_stage_id: Some(stage),
                ..OpportunityUpdate::default()
            },
            base: Some(OpportunityUpdate {
                pipeline_stage_id: before.pipeline_stage_id.clone(),
                ..OpportunityUpdate::default()
            }),
        };
        self.change_deal(contact_id, before, after, op, out);
    }

    pub(crate) fn set_deal_status(
        &mut self,
        contact_id: &str,
        before: &Opportunity,
        status: Status,
        lost_reason: Option<String>,
        out: &mut Vec<Command>,
    ) {
        let mut after = before.clone();
        after.status = Some(status.as_str().to_string());
        after.lost_reason_id = lost_reason.clone().filter(|_| status == Status::Lost);
        after.last_status_change_at = Some(crate::api::model::format_timestamp(self.now));
        self.notice = Some(
            match self.deals.lost_reason(after.lost_reason_id.as_deref()) {
                Some(r) => format!("Marked lost: {}.", crate::text::sanitize(r)),
                None => format!("Marked {}.", status.as_str()),
            },
        );
        let op = ApiOp::SetDealStatus {
            contact_id: contact_id.to_string(),
            id: before.id.clone(),
            status,
            lost_reason: after.lost_reason_id.clone(),
        };
        self.change_deal(contact_id, before, after, op, out);
    }

    pub(crate) fn edit_deal_fields(
        &mut self,
        contact_id: &str,
        before: &Opportunity,
        name: Option<String>,
        value: Option<f64>,
        out: &mut Vec<Command>,
    ) {
        let mut after = before.clone();
        if let Some(n) = &name {
            after.name = Some(n.clone());
        }
        if let Some(v) = value {
            after.monetary_value = Some(v);
        }
        let op = ApiOp::UpdateDeal {
            contact_id: contact_id.to_string(),
            id: before.id.clone(),
            update: OpportunityUpdate {
                name: name.clone(),
                monetary_value: value,
                ..OpportunityUpdate::default()
            },
            base: Some(OpportunityUpdate {
                name: name.and(before.name.clone()),
                monetary_value: value.and(before.monetary_value),
                ..OpportunityUpdate::default()
            }),
        };
        self.notice = Some("Deal saved.".into());
        self.change_deal(contact_id, before, after, op, out);
    }

    fn delete_deal(&mut self, contact_id: &str, before: &Opportunity, out: &mut Vec<Command>) {
        if let Some(deals) = self.detail.deals.loaded_mut() {
            deals.retain(|o| o.id != before.id);
        }
        self.board.remove(&before.id);
        // Its earlier changes cannot be undone now, and the delete itself
        // cannot be: `u` says so rather than undoing something older.
        self.undo
            .retain(|u| !matches!(u, Undo::DealEdited { before: b, .. } if b.id == before.id));
        self.undo.push(Undo::Final("a deleted deal".into()));
        self.notice = Some("Deal deleted.".into());
        self.request(
            out,
            ApiOp::DeleteDeal {
                contact_id: contact_id.to_string(),
                id: before.id.clone(),
            },
            Priority::Interactive,
            None,
            Purpose::Deals(DealsWait::Edit(DealEdit {
                contact_id: contact_id.to_string(),
                before: Box::new(before.clone()),
                deleted: true,
            })),
        );
    }
}

/// A new deal's answer: the server's copy in place of the stand-in, or
/// the stand-in taken away.
pub(crate) fn deal_created(
    s: &mut State,
    contact_id: &str,
    temp_id: &str,
    r: Result<ApiResponse, ApiError>,
) {
    let here = s.detail.contact_id.as_deref() == Some(contact_id);
    match r {
        Ok(ApiResponse::Deal(o)) => {
            if here && let Some(deals) = s.detail.deals.loaded_mut() {
                deals
                    .iter_mut()
                    .filter(|d| d.id == temp_id)
                    .for_each(|d| *d = (*o).clone());
            }
            s.board.rename(temp_id, &o.id);
            s.board.show(&o);
            // Changes made to it meanwhile are undone by its real id.
            for u in &mut s.undo {
                if let Undo::DealEdited { before, after, .. } = u
                    && before.id == temp_id
                {
                    before.id = o.id.clone();
                    after.id = o.id.clone();
                }
            }
        }
        Ok(other) => tracing::warn!(?other, "unexpected answer to a new deal"),
        Err(e) => {
            if here && let Some(deals) = s.detail.deals.loaded_mut() {
                deals.retain(|d| d.id != temp_id);
            }
            s.board.remove(temp_id);
            s.set_error("Could not create the deal", &e);
        }
    }
}

/// A deal edit's answer: the server's copy shown, or the deal put back.
pub(crate) fn deal_edit_answer(s: &mut State, w: DealEdit, r: Result<ApiResponse, ApiError>) {
    let here = s.detail.contact_id.as_deref() == Some(w.contact_id.as_str());
    match r {
        Ok(ApiResponse::Deal(o)) => {
            if here && let Some(deals) = s.detail.deals.loaded_mut() {
                deals
                    .iter_mut()
                    .filter(|d| d.id == o.id)
                    .for_each(|d| *d = (*o).clone());
            }
            s.board.show(&o);
        }
        Ok(_) => {}
        Err(e) => {
            s.board.show(&w.before);
            if here && let Some(deals) = s.detail.deals.loaded_mut() {
                if w.deleted {
                    deals.push((*w.before).clone());
                } else {
                    deals
                        .iter_mut()
                        .filter(|d| d.id == w.before.id)
                        .for_each(|d| *d = (*w.before).clone());
                }
            }
            let id = w.before.id.clone();
            s.undo
                .retain(|u| !matches!(u, Undo::DealEdited { before, .. } if before.id == id));
            s.set_error(
                if w.deleted {
                    "Could not delete the deal (restored)"
                } else {
                    "Could not change the deal (put back)"
                },
                &e,
            );
        }
    }
}

pub(crate) fn deals_key(
    s: &mut State,
    mut p: Box<DealsPanel>,
    k: KeyEvent,
    out: &mut Vec<Command>,
) -> Option<Overlay> {
    // The pane moved on to another contact meanwhile: nothing to act on.
    if s.detail.contact_id.as_deref() != Some(p.contact_id.as_str()) {
        return None;
    }
    // A key with ctrl or alt is no command here (ctrl-l still clears the
    // error it offers to dismiss).
    if k.modifiers
        .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT)
    {
        if k.code == KeyCode::Char('l') {
            s.error = None;
        }
        return Some(Overlay::Deals(p));
    }

    let count = s.detail.deals.loaded().map_or(0, Vec::len);
    p.cursor = p.cursor.min(count.saturating_sub(1));
    let cid = p.contact_id.clone();
    let prompting = p.mode != DealsMode::List;
    let current = match (&p.target, prompting) {
        (Some(id), true) => {
            let found = s
                .detail
                .deals
                .loaded()
                .and_then(|d| d.iter().find(|o| &o.id == id))
                .cloned();
            if found.is_none() {
                s.notice = Some("That deal is gone.".into());
                p.mode = DealsMode::List;
                p.target = None;
                return Some(Overlay::Deals(p));
            }
            found
        }
        _ => p.current(s).cloned(),
    };
    // A deal still being created changes only through the outbox (the
    // change waits for the create).
    let changes = matches!(
        k.code,
        KeyCode::Char('>' | '<' | 'l' | 'h' | 's' | 'w' | 'A' | 'o' | 'L' | 'v' | 'r' | 'D')
            | KeyCode::Left
            | KeyCode::Right
            | KeyCode::Enter
    );
    if p.mode == DealsMode::List
        && changes
        && let Some(o) = &current
        && !s.may_edit_pending(&o.id)
    {
        return Some(Overlay::Deals(p));
    }
    let mode = std::mem::replace(&mut p.mode, DealsMode::List);
    let mut created: Option<String> = None;
    let writes = |s: &mut State| {
        if s.read_only {
            s.error = Some(read_only_message(&s.profile));
            false
        } else {
            true
        }
    };
    p.mode = match (mode, k.code) {
        (DealsMode::List, KeyCode::Esc | KeyCode::Char('q')) => return None,
        (DealsMode::List, KeyCode::Down | KeyCode::Char('j')) => {
            p.cursor = (p.cursor + 1).min(count.saturating_sub(1));
            DealsMode::List
        }
        (DealsMode::List, KeyCode::Up | KeyCode::Char('k')) => {
            p.cursor = p.cursor.saturating_sub(1);
            DealsMode::List
        }
        (DealsMode::List, KeyCode::Char('u')) => {
            undo(s, out);
            DealsMode::List
        }
        (DealsMode::List, KeyCode::Char('n')) => {
            if !writes(s) {
                DealsMode::List
            } else {
                match s.deals.pipelines.loaded().map(Vec::len) {
                    Some(0) => {
                        s.notice = Some("This location has no pipelines.".into());
                        DealsMode::List
                    }
                    Some(1) => {
                        let id = s.deals.pipelines.loaded().unwrap_or(&Vec::new())[0]
                            .id
                            .clone();
                        DealsMode::NewName(id, starting_name(&p.contact_name))
                    }
                    Some(_) => DealsMode::NewPipeline(0),
                    None => {
                        s.notice = Some("The pipelines are not known (yet); r reloads.".into());
                        DealsMode::List
                    }
                }
            }
        }
        (DealsMode::NewPipeline(_) | DealsMode::NewName(..), KeyCode::Esc) => DealsMode::List,
        (DealsMode::NewPipeline(i), KeyCode::Down | KeyCode::Char('j')) => {
            let n = s.deals.pipelines.loaded().map_or(0, Vec::len);
            DealsMode::NewPipeline((i + 1).min(n.saturating_sub(1)))
        }
        (DealsMode::NewPipeline(i), KeyCode::Up | KeyCode::Char('k')) => {
            DealsMode::NewPipeline(i.saturating_sub(1))
        }
        (DealsMode::NewPipeline(i), KeyCode::Enter) => {
            match s.deals.pipelines.loaded().and_then(|ps| ps.get(i)) {
                Some(pl) => DealsMode::NewName(pl.id.clone(), starting_name(&p.contact_name)),
                None => DealsMode::List,
            }
        }
        (m @ DealsMode::NewPipeline(_), _) => m,
        (DealsMode::NewName(pl, mut t), KeyCode::Char(c)) => {
            if t.chars().count() < 200 && !crate::text::is_unsafe(c) {
                t.push(c);
            }
            DealsMode::NewName(pl, t)
        }
        (DealsMode::NewName(pl, mut t), KeyCode::Backspace) => {
            t.pop();
            DealsMode::NewName(pl, t)
        }
        (DealsMode::NewName(pl, t), KeyCode::Enter) => {
            let name = t.trim().to_string();
            if name.is_empty() {
                s.notice = Some("A deal needs a name.".into());
                DealsMode::NewName(pl, t)
            } else if let Some(why) = s.open_deal_in(&cid, &pl) {
                s.notice = Some(why);
                DealsMode::NewName(pl, t)
            } else {
                created = Some(s.create_deal(&cid, &pl, name, out));
                DealsMode::List
            }
        }
        (m @ DealsMode::NewName(..), _) => m,
        (DealsMode::List, _) if current.is_none() => {
            s.notice = Some("The contact has no deals.".into());
            DealsMode::List
        }
        (
            DealsMode::List,
            KeyCode::Char('>' | '<' | 'l' | 'h') | KeyCode::Right | KeyCode::Left,
        ) => {
            let o = current.clone().unwrap_or_default();
            let by = match k.code {
                KeyCode::Char('>' | 'l') | KeyCode::Right => 1,
                _ => -1,
            };
            if o.status() != Some(Status::Open) {
                s.notice =
                    Some("Only an open deal moves between stages (o opens it again).".into());
            } else if writes(s) {
                match step_stage(s, &o, by) {
                    Ok(stage) => s.move_deal(&cid, &o, stage, out),
                    Err(why) => s.notice = Some(why),
                }
            }
            DealsMode::List
        }
        (DealsMode::List, KeyCode::Char('s') | KeyCode::Enter) => {
            let o = current.clone().unwrap_or_default();
            match s.deals.pipeline(o.pipeline_id.as_deref()) {
                Some(pl) => DealsMode::Stage(
                    o.pipeline_stage_id
                        .as_deref()
                        .and_then(|id| pl.stage(id))
                        .map_or(0, |(i, _)| i),
                ),
                None => {
                    s.notice = Some("The deal's pipeline is not known (yet).".into());
                    DealsMode::List
                }
            }
        }
        (DealsMode::List, KeyCode::Char(c @ ('w' | 'A' | 'o'))) => {
            let o = current.clone().unwrap_or_default();
            let status = match c {
                'w' => Status::Won,
                'A' => Status::Abandoned,
                _ => Status::Open,
            };
            if o.status() == Some(status) {
                s.notice = Some(format!("The deal is {} already.", status.as_str()));
            } else if writes(s) {
                s.set_deal_status(&cid, &o, status, None, out);
            }
            DealsMode::List
        }
        (DealsMode::List, KeyCode::Char('L')) => DealsMode::LostReason(0),
        (DealsMode::List, KeyCode::Char('v')) => DealsMode::Value(
            current
                .as_ref()
                .and_then(|o| o.monetary_value)
                .map(|v| v.to_string())
                .unwrap_or_default(),
        ),
        (DealsMode::List, KeyCode::Char('r')) => DealsMode::Name(
            current
                .as_ref()
                .and_then(|o| o.name.clone())
                .unwrap_or_default(),
        ),
        (DealsMode::List, KeyCode::Char('D')) => DealsMode::ConfirmDelete,
        (DealsMode::List, _) => {
            s.notice = Some(
                "> < stage · s pick · w won · L lost · A abandoned · o open · v value · r name · n new · D delete · u undo · esc"
                    .into(),
            );
            DealsMode::List
        }

        (DealsMode::Stage(_), KeyCode::Esc) => DealsMode::List,
        (DealsMode::Stage(i), KeyCode::Down | KeyCode::Char('j')) => {
            let n = current
                .as_ref()
                .and_then(|o| s.deals.pipeline(o.pipeline_id.as_deref()))
                .map_or(0, |p| p.stages.len());
            DealsMode::Stage((i + 1).min(n.saturating_sub(1)))
        }
        (DealsMode::Stage(i), KeyCode::Up | KeyCode::Char('k')) => {
            DealsMode::Stage(i.saturating_sub(1))
        }
        (DealsMode::Stage(i), KeyCode::Enter) => {
            let o = current.clone().unwrap_or_default();
            let stage = s
                .deals
                .pipeline(o.pipeline_id.as_deref())
                .and_then(|p| p.stages.get(i))
                .map(|st| st.id.clone());
            match stage {
                Some(st) if Some(&st) == o.pipeline_stage_id.as_ref() => {
                    s.notice = Some("The deal is in that stage already.".into())
                }
                Some(st) if writes(s) => s.move_deal(&cid, &o, st, out),
                _ => {}
            }
            DealsMode::List
        }
        (m @ DealsMode::Stage(_), _) => m,

        (DealsMode::LostReason(_), KeyCode::Esc) => DealsMode::List,
        (DealsMode::LostReason(i), KeyCode::Down | KeyCode::Char('j')) => {
            let n = s.deals.lost_reasons.loaded().map_or(0, Vec::len);
            DealsMode::LostReason((i + 1).min(n))
        }
        (DealsMode::LostReason(i), KeyCode::Up | KeyCode::Char('k')) => {
            DealsMode::LostReason(i.saturating_sub(1))
        }
        (DealsMode::LostReason(i), KeyCode::Enter) => {
            let o = current.clone().unwrap_or_default();
            let reason = i
                .checked_sub(1)
                .and_then(|r| s.deals.lost_reasons.loaded()?.get(r))
                .map(|r| r.id.clone());
            if writes(s) {
                s.set_deal_status(&cid, &o, Status::Lost, reason, out);
            }
            DealsMode::List
        }
        (m @ DealsMode::LostReason(_), _) => m,

        (DealsMode::Value(_) | DealsMode::Name(_), KeyCode::Esc) => DealsMode::List,
        (DealsMode::Value(mut t), KeyCode::Char(c)) => {
            if t.chars().count() < 30 {
                t.push(c);
            }
            DealsMode::Value(t)
        }
        (DealsMode::Name(mut t), KeyCode::Char(c)) => {
            if t.chars().count() < 200 && !c.is_control() {
                t.push(c);
            }
            DealsMode::Name(t)
        }
        (DealsMode::Value(mut t), KeyCode::Backspace) => {
            t.pop();
            DealsMode::Value(t)
        }
        (DealsMode::Name(mut t), KeyCode::Backspace) => {
            t.pop();
            DealsMode::Name(t)
        }
        (DealsMode::Value(t), KeyCode::Enter) => match parse_value(&t) {
            Ok(v) => {
                let o = current.clone().unwrap_or_default();
                if o.monetary_value == Some(v) {
                    s.notice = Some("No change.".into());
                } else if writes(s) {
                    s.edit_deal_fields(&cid, &o, None, Some(v), out);
                }
                DealsMode::List
            }
            Err(why) => {
                s.notice = Some(why);
                DealsMode::Value(t)
            }
        },
        (DealsMode::Name(t), KeyCode::Enter) => {
            let name = t.trim().to_string();
            let o = current.clone().unwrap_or_default();
            if name.is_empty() {
                s.notice = Some("A deal needs a name.".into());
                DealsMode::Name(t)
            } else {
                if o.name.as_deref() == Some(name.as_str()) {
                    s.notice = Some("No change.".into());
                } else if writes(s) {
                    s.edit_deal_fields(&cid, &o, Some(name), None, out);
                }
                DealsMode::List
            }
        }
        (m @ (DealsMode::Value(_) | DealsMode::Name(_)), _) => m,

        (DealsMode::ConfirmDelete, KeyCode::Char('y')) => {
            let o = current.clone().unwrap_or_default();
            if writes(s) {
                s.delete_deal(&cid, &o, out);
                p.cursor = p.cursor.saturating_sub(usize::from(p.cursor + 1 >= count));
            }
            DealsMode::List
        }
        (DealsMode::ConfirmDelete, _) => {
            s.notice = Some("Kept.".into());
            DealsMode::List
        }
    };
    // A prompt remembers its deal by id; the list forgets it.
    p.target = match p.mode {
        DealsMode::List => None,
        _ => current.as_ref().map(|o| o.id.clone()),
    };
    // The cursor stays on the deal it was on: a status change re-sorts
    // the list (open deals first).
    if let Some(o) = &current
        && let Some(deals) = s.detail.deals.loaded()
        && let Some(i) = crate::app::deals::sorted(deals)
            .iter()
            .position(|d| d.id == o.id)
        && !matches!(
            k.code,
            KeyCode::Down | KeyCode::Up | KeyCode::Char('j' | 'k')
        )
    {
        p.cursor = i;
    }
    // A new deal: the cursor on it.
    if let Some(id) = created
        && let Some(deals) = s.detail.deals.loaded()
        && let Some(i) = crate::app::deals::sorted(deals)
            .iter()
            .position(|d| d.id == id)
    {
        p.cursor = i;
    }
    Some(Overlay::Deals(p))
}

/// A new deal's name to start from: the contact's, without what a
/// terminal or HighLevel should not get, at most 200 characters.
fn starting_name(contact: &str) -> String {
    contact
        .chars()
        .filter(|c| !crate::text::is_unsafe(*c))
        .take(200)
        .collect::<String>()
        .trim()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::parse_value;

    #[test]
    fn values_as_people_type_them_and_a_decimal_comma_refused() {
        for (t, v) in [
            ("4500", 4500.0),
            ("4,500", 4500.0),
            ("$4,500.50", 4500.5),
            ("4.5k", 4500.0),
            ("1,234,567", 1_234_567.0),
            ("2m", 2_000_000.0),
            ("1,500k", 1_500_000.0),
        ] {
            assert_eq!(parse_value(t), Ok(v), "{t}");
        }
        for t in ["1,5k", "1,23", "12,3456", "4,5", "abc", "-5", "1,,000"] {
            assert!(parse_value(t).is_err(), "{t} must be refused");
        }
    }
}
