//! The pipeline board (`B`): a pipeline's open deals, one column per
//! stage. `h`/`l` pick the stage, `j`/`k` the card, `>`/`<` move the card
//! a stage on or back (at once, through the outbox, `u` undoes), `enter`
//! opens its contact, `p` the next pipeline, `@` steps through the
//! owners, `M` keeps the profile user's, and `/` narrows it to the
//! contacts the list's search finds.
//!
//! Deals load page by page in the background; the columns are worked out
//! in `update` when what they depend on changes, so a frame only draws
//! the cards in view.

use std::collections::HashSet;

use crate::api::opportunities::{Opportunity, OpportunitySearch, PAGE_LIMIT, Status};
use crate::api::paging::{Position, Step, Walk};
use crate::app::*;

/// Whose deals the board shows.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub enum Owner {
    #[default]
    Everyone,
    User(String),
    Unassigned,
}

/// One stage's cards after the filters: indices into `Board::deals`, and
/// their total value.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Column {
    pub cards: Vec<usize>,
    pub total: f64,
}

/// What the columns were worked out from.
#[derive(Debug, Clone, PartialEq)]
struct Key {
    pipeline: Option<String>,
    version: u64,
    owner: Owner,
    mine: Option<String>,
    search: Option<u64>,
    /// The pipeline's stages, by id, in order.
    stages: Vec<String>,
    /// The hour (ages in days move on with it).
    hour: i64,
}

#[derive(Debug, Clone, Default)]
pub struct Board {
    /// The pipeline shown, by id (the first one until `p` picks another).
    pub pipeline: Option<String>,
    /// Its open deals, as loaded so far.
    pub deals: Vec<Opportunity>,
    /// Loading while pages still come; what stopped it, if something did.
    pub status: Remote<()>,
    walk: Walk,
    seen: HashSet<String>,
    /// Rows HighLevel sent that could not be read.
    pub unreadable: usize,
    /// The stage in view, by index in the pipeline.
    pub column: usize,
    /// The highlighted card of each stage.
    pub cursor: Vec<usize>,
    pub owner: Owner,
    pub mine: bool,
    /// The cards per stage, as the filters leave them.
    pub columns: Vec<Column>,
    /// Open deals whose stage the pipeline does not list.
    pub strays: usize,
    /// Days in its stage, per deal (by index in `deals`), as of the last
    /// time the columns were worked out.
    pub ages: Vec<Option<i64>>,
    key: Option<Key>,
    /// Bumped by every change to `deals`.
    version: u64,
    /// Bumped by every new load: a page of an older one is not taken in.
    generation: u64,
}

impl Board {
    pub fn card(&self, column: usize, row: usize) -> Option<&Opportunity> {
        let i = *self.columns.get(column)?.cards.get(row)?;
        self.deals.get(i)
    }

    /// The highlighted card.
    pub fn current(&self) -> Option<&Opportunity> {
        self.card(
            self.column,
            self.cursor.get(self.column).copied().unwrap_or(0),
        )
    }

    /// A deal as it is now (moved, marked, saved, put back, made): shown
    /// when it is an open deal of the pipeline on the board, taken off
    /// when it no longer is. Nothing while the board was never loaded.
    pub(crate) fn show(&mut self, o: &Opportunity) {
        if matches!(self.status, Remote::Idle) {
            return;
        }
        let belongs = self.pipeline.is_some()
            && o.pipeline_id == self.pipeline
            && o.status() == Some(Status::Open);
        match self.deals.iter().position(|d| d.id == o.id) {
            Some(at) if belongs => self.deals[at] = o.clone(),
            Some(at) => {
                self.deals.remove(at);
            }
            None if belongs => {
                self.seen.insert(o.id.clone());
                self.deals.push(o.clone());
            }
            None => return,
        }
        self.version += 1;
    }

    /// A stand-in id became the real one.
    pub(crate) fn rename(&mut self, old: &str, new: &str) {
        for d in self.deals.iter_mut().filter(|d| d.id == old) {
            d.id = new.to_string();
            self.version += 1;
        }
    }

    pub(crate) fn remove(&mut self, id: &str) {
        let before = self.deals.len();
        self.deals.retain(|d| d.id != id);
        if self.deals.len() != before {
            self.version += 1;
        }
    }
}

/// How many days a deal has been in its stage.
pub fn days_in_stage(o: &Opportunity, now: chrono::DateTime<chrono::Utc>) -> Option<i64> {
    let since = o
        .last_stage_change_at
        .as_deref()
        .or(o.created_at.as_deref())
        .and_then(crate::api::model::parse_timestamp)?;
    Some((now - since).num_days().max(0))
}

impl State {
    /// The pipeline the board shows.
    pub fn board_pipeline(&self) -> Option<&crate::api::opportunities::Pipeline> {
        self.deals.pipeline(self.board.pipeline.as_deref())
    }

    /// Opens the board: the pipeline shown before, or the first.
    pub(crate) fn open_board(&mut self, out: &mut Vec<Command>) {
        self.view = View::Board;
        if self.focus == Focus::Detail {
            self.focus = Focus::List;
        }
        let Some(pipelines) = self.deals.pipelines.loaded() else {
            if !matches!(self.deals.pipelines, Remote::Loading) {
                self.load_deals_meta(out);
            }
            self.deals.pipelines = Remote::Loading;
            return;
        };
        let known = self
            .board
            .pipeline
            .as_ref()
            .is_some_and(|id| pipelines.iter().any(|p| &p.id == id));
        if !known {
            self.board.pipeline = pipelines.first().map(|p| p.id.clone());
        }
        if self.board.pipeline.is_some()
            && (!known || matches!(self.board.status, Remote::Idle | Remote::Failed(_)))
        {
            self.load_board(out);
        }
    }

    /// Reads the pipeline's open deals again, from the first page.
    pub(crate) fn load_board(&mut self, out: &mut Vec<Command>) {
        let b = &mut self.board;
        b.deals.clear();
        b.seen.clear();
        b.unreadable = 0;
        b.walk = Walk::new();
        b.version += 1;
        b.generation += 1;
        b.status = Remote::Loading;
        self.board_page(out, Priority::Interactive);
    }

    fn board_page(&mut self, out: &mut Vec<Command>, priority: Priority) {
        let Some(pipeline) = self.board.pipeline.clone() else {
            return;
        };
        let Ok(Position::Page(page)) = self.board.walk.position(PAGE_LIMIT, u64::MAX) else {
            self.board.status = Remote::Loaded(());
            return;
        };
        self.request(
            out,
            ApiOp::DealsPage(OpportunitySearch {
                pipeline_id: Some(pipeline.clone()),
                status: Some(Status::Open),
                page,
                limit: PAGE_LIMIT,
                ..OpportunitySearch::default()
            }),
            priority,
            Some("board"),
            Purpose::Board(pipeline, self.board.generation),
        );
    }

    /// `p`: the next pipeline.
    pub(crate) fn next_pipeline(&mut self, out: &mut Vec<Command>) {
        let Some(pipelines) = self.deals.pipelines.loaded() else {
            self.notice = Some("The pipelines are still loading.".into());
            return;
        };
        if pipelines.len() < 2 {
            self.notice = Some(if pipelines.is_empty() {
                "This location has no pipelines.".into()
            } else {
                "This location has only the one pipeline.".into()
            });
            return;
        }
        let at = pipelines
            .iter()
            .position(|p| Some(&p.id) == self.board.pipeline.as_ref())
            .map_or(0, |i| (i + 1) % pipelines.len());
        self.board.pipeline = Some(pipelines[at].id.clone());
        self.board.column = 0;
        self.board.cursor.clear();
        self.load_board(out);
    }

    /// `@`: everyone's, then each owner's in turn, then the unassigned.
    pub(crate) fn step_owner(&mut self) {
        let mut owners: Vec<&str> = self
            .board
            .deals
            .iter()
            .filter_map(|d| d.assigned_to.as_deref())
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        owners.sort_by_key(|id| (self.user_label(id), id.to_string()));
        let next = match &self.board.owner {
            Owner::Everyone => owners.first().map(|o| Owner::User(o.to_string())),
            Owner::User(u) => match owners.iter().position(|o| o == u) {
                Some(i) if i + 1 < owners.len() => Some(Owner::User(owners[i + 1].to_string())),
                _ => Some(Owner::Unassigned),
            },
            Owner::Unassigned => Some(Owner::Everyone),
        };
        self.board.owner = next.unwrap_or(Owner::Unassigned);
        for c in &mut self.board.cursor {
            *c = 0;
        }
    }

    /// `h`/`l`: the stage to the left or right.
    pub(crate) fn board_column(&mut self, by: isize) {
        let n = self.board.columns.len();
        if n == 0 {
            return;
        }
        self.board.column = self.board.column.saturating_add_signed(by).min(n - 1);
    }

    /// `j`/`k`/`g`/`G`: the card in the stage.
    pub(crate) fn board_cursor(&mut self, action: Action) {
        let col = self.board.column;
        let len = self.board.columns.get(col).map_or(0, |c| c.cards.len());
        if self.board.cursor.len() <= col {
            self.board.cursor.resize(col + 1, 0);
        }
        let page = usize::from(self.height.saturating_sub(6) / 2).max(1);
        let at = &mut self.board.cursor[col];
        *at = match action {
            Action::Down => at.saturating_add(1),
            Action::Up => at.saturating_sub(1),
            Action::Top => 0,
            Action::Bottom => usize::MAX,
            Action::PageDown => at.saturating_add(page),
            Action::PageUp => at.saturating_sub(page),
            _ => *at,
        }
        .min(len.saturating_sub(1));
    }

    /// `>`/`<`: the highlighted card a stage on or back.
    pub(crate) fn board_move(&mut self, by: isize, out: &mut Vec<Command>) {
        if self.read_only {
            self.error = Some(read_only_message(&self.profile));
            return;
        }
        let Some(deal) = self.board.current().cloned() else {
            self.notice = Some("No deal is highlighted.".into());
            return;
        };
        if !self.may_edit_pending(&deal.id) {
            return;
        }
        let Some(cid) = deal.contact_id.clone() else {
            self.notice =
                Some("That deal names no contact, so rolo cannot file its change.".into());
            return;
        };
        match crate::app::overlays::deals::step_stage(self, &deal, by) {
            Ok(stage) => self.move_deal(&cid, &deal, stage, out),
            Err(why) => self.notice = Some(why),
        }
    }

    /// Works the columns out again when what they depend on changed.
    pub(crate) fn settle_board(&mut self) {
        if self.view != View::Board {
            return;
        }
        let stage_ids: Vec<String> = self
            .board_pipeline()
            .map(|p| p.stages.iter().map(|st| st.id.clone()).collect())
            .unwrap_or_default();
        let stages = stage_ids.len();
        let searching = !self.list.query.trim().is_empty() || self.list.pinned.is_some();
        let key = Key {
            pipeline: self.board.pipeline.clone(),
            version: self.board.version,
            owner: self.board.owner.clone(),
            mine: self.me.clone().filter(|_| self.board.mine),
            search: searching.then_some(self.list.hits_generation),
            stages: stage_ids,
            hour: self.now.timestamp().div_euclid(3_600),
        };
        if self.board.key.as_ref() == Some(&key) {
            return;
        }
        // The cursors stay on their deals, whatever moves around them; the
        // one in view follows its deal to another stage.
        let kept: Vec<Option<String>> = (0..self.board.columns.len())
            .map(|c| {
                let row = self.board.cursor.get(c).copied().unwrap_or(0);
                self.board.card(c, row).map(|d| d.id.clone())
            })
            .collect();
        let focused = kept.get(self.board.column).cloned().flatten();
        // The list's search: the contacts it shows, by list index.
        let shown: Option<Vec<bool>> = searching.then(|| {
            let mut v = vec![false; self.list.len()];
            for h in &self.list.hits {
                if let Some(x) = v.get_mut(h.index) {
                    *x = true;
                }
            }
            v
        });
        let Some(p) = self.board_pipeline() else {
            self.board.columns.clear();
            self.board.key = Some(key);
            return;
        };
        let stage_at: HashMap<&str, usize> = p
            .stages
            .iter()
            .enumerate()
            .map(|(i, s)| (s.id.as_str(), i))
            .collect();
        let mut columns = vec![Column::default(); stages];
        let mut strays = 0;
        let now = self.now;
        for (i, d) in self.board.deals.iter().enumerate() {
            let owner_ok = match &self.board.owner {
                Owner::Everyone => true,
                Owner::User(u) => d.assigned_to.as_deref() == Some(u.as_str()),
                Owner::Unassigned => d.assigned_to.is_none(),
            };
            let mine_ok = key
                .mine
                .as_deref()
                .is_none_or(|m| d.assigned_to.as_deref() == Some(m));
            let search_ok = shown.as_ref().is_none_or(|v| {
                d.contact_id
                    .as_deref()
                    .and_then(|c| self.list.position(c))
                    .is_some_and(|at| v.get(at).copied().unwrap_or(false))
            });
            if !(owner_ok && mine_ok && search_ok) {
                continue;
            }
            match d.pipeline_stage_id.as_deref().and_then(|s| stage_at.get(s)) {
                Some(&c) => {
                    columns[c].cards.push(i);
                    columns[c].total += d.monetary_value.unwrap_or(0.0);
                }
                None => strays += 1,
            }
        }
        // Longest in its stage first: what needs a push.
        let deals = &self.board.deals;
        let ages: Vec<Option<i64>> = deals.iter().map(|d| days_in_stage(d, now)).collect();
        for c in &mut columns {
            c.cards.sort_by_cached_key(|&i| {
                (
                    std::cmp::Reverse(ages[i].unwrap_or(0)),
                    deals[i].name.clone().unwrap_or_default().to_lowercase(),
                    deals[i].id.clone(),
                )
            });
        }
        self.board.columns = columns;
        self.board.ages = ages;
        self.board.strays = strays;
        self.board.key = Some(key);
        self.board.cursor.resize(stages, 0);
        let deals = &self.board.deals;
        let row_of = |c: &Column, id: &str| c.cards.iter().position(|&i| deals[i].id == id);
        for (ci, c) in self.board.columns.iter().enumerate() {
            if let Some(Some(id)) = kept.get(ci)
                && let Some(row) = row_of(c, id)
            {
                self.board.cursor[ci] = row;
            }
        }
        if let Some(id) = &focused {
            for (ci, c) in self.board.columns.iter().enumerate() {
                if let Some(row) = row_of(c, id) {
                    self.board.column = ci;
                    self.board.cursor[ci] = row;
                }
            }
        }
        self.board.column = self.board.column.min(stages.saturating_sub(1));
        for (ci, c) in self.board.columns.iter().enumerate() {
            self.board.cursor[ci] = self.board.cursor[ci].min(c.cards.len().saturating_sub(1));
        }
    }
}

/// A page of the board's deals: shown, and the next one asked for.
pub(crate) fn board_answer(
    s: &mut State,
    pipeline: String,
    generation: u64,
    r: Result<ApiResponse, ApiError>,
    out: &mut Vec<Command>,
) {
    // A page of an earlier load (of this pipeline or another) is old news.
    if s.board.pipeline.as_deref() != Some(pipeline.as_str()) || s.board.generation != generation {
        return;
    }
    match r {
        Ok(ApiResponse::DealPage(page)) => {
            let fresh: Vec<Opportunity> = page
                .deals
                .into_iter()
                .filter(|o| s.board.seen.insert(o.id.clone()))
                .collect();
            let new = fresh.len() + page.unreadable;
            // The search asked for open deals of this pipeline; a server
            // that sends others is not believed.
            let fresh = fresh.into_iter().filter(|o| {
                o.pipeline_id.as_deref() == Some(pipeline.as_str())
                    && o.status() == Some(Status::Open)
            });
            s.board.unreadable += page.unreadable;
            s.board.deals.extend(fresh);
            s.board.version += 1;
            match s.board.walk.advance(PAGE_LIMIT, page.sent, new, None) {
                Ok(Step::More) if s.board.deals.len() < crate::api::opportunities::MAX_DEALS => {
                    s.board_page(out, Priority::Background)
                }
                Ok(_) => s.board.status = Remote::Loaded(()),
                Err(e) => {
                    s.board.status = Remote::Failed(e.to_string());
                    s.error = Some(format!("Stopped loading the board: {e}"));
                }
            }
        }
        Ok(other) => tracing::warn!(?other, "unexpected answer for the board"),
        Err(e) => {
            s.board.status = Remote::Failed(e.to_string());
            s.set_error("Could not load the board", &e);
        }
    }
}
