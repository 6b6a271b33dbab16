//! Marks in the list, and what acts on the marked contacts at once.
//!
//! `v` marks or unmarks the highlighted contact (and moves on), `V` marks
//! every contact the search shows (asking first, with the count), `~`
//! inverts the marks among them, `U` clears them all. Marks are ids: they
//! stay through any change of the search, so a set can be gathered from
//! several. With contacts marked, `+` and `-` change their tags in bulk
//! requests (100 contacts each), queued together in the outbox; the
//! status bar shows how far it got, and `u` undoes it with the inverse.

use std::collections::BTreeMap;

use crate::app::*;

/// A bulk change under way: what it says, how far it is, and what to put
/// back for the contacts it could not change.
#[derive(Debug, Clone, Default)]
pub struct BulkRun {
    pub id: u64,
    /// "Tagging", "Untagging", "Enrolling".
    pub label: String,
    /// After the count: "in Webinar follow-up" (or nothing).
    pub what: String,
    pub total: usize,
    pub done: usize,
    pub refused: Vec<(String, String)>,
    /// Each contact's tags before, to put back if refused.
    before: BTreeMap<String, Vec<String>>,
    /// Each contact as it was, to put back if refused (an assignment).
    pub(crate) restore: BTreeMap<String, Contact>,
    /// Whether the newest undo entry is this run's (refusals are then
    /// left out of it).
    pub(crate) recorded: bool,
}

impl BulkRun {
    /// "Enrolling 40 contacts in Webinar follow-up".
    pub fn title(&self) -> String {
        let what = if self.what.is_empty() {
            String::new()
        } else {
            format!(" {}", self.what)
        };
        format!("{} {} contacts{what}", self.label, self.total)
    }
}

/// What a bulk request waits for.
#[derive(Debug, Clone)]
pub(crate) struct BulkWait {
    pub run: u64,
    pub contacts: Vec<String>,
}

impl State {
    /// The marked contacts, in list order (those not loaded are left out).
    pub fn marked(&self) -> Vec<String> {
        let mut v: Vec<(usize, String)> = self
            .list
            .marks
            .iter()
            .filter_map(|id| self.list.position(id).map(|i| (i, id.clone())))
            .collect();
        v.sort();
        v.into_iter().map(|(_, id)| id).collect()
    }

    /// The contacts the search shows, by id.
    pub(crate) fn shown_ids(&self) -> Vec<String> {
        self.list
            .hits
            .iter()
            .map(|h| self.list.id(h.index).to_string())
            .collect()
    }

    /// `v`: the highlighted contact marked or unmarked, and the cursor on.
    pub(crate) fn toggle_mark(&mut self) {
        let Some(id) = self.selected_contact().map(|c| c.id.clone()) else {
            return;
        };
        if !self.list.marks.remove(&id) {
            self.list.marks.insert(id);
        }
        move_cursor(self, Action::Down);
    }

    /// `V`: every contact the search shows, after a yes (with the count).
    pub(crate) fn ask_mark_all(&mut self) {
        let n = self.list.hits.len();
        if n == 0 {
            self.notice = Some("The search shows no contacts to mark.".into());
            return;
        }
        self.overlay = Some(Overlay::Confirm(Box::new(Confirm {
            message: format!(
                "Mark all {n} contacts the search shows ({} marked now)?",
                self.list.marks.len()
            ),
            action: ConfirmAction::MarkAll,
        })));
    }

    pub(crate) fn mark_all_shown(&mut self) {
        let ids = self.shown_ids();
        let before = self.list.marks.len();
        self.list.marks.extend(ids);
        self.notice = Some(format!(
            "{} marked ({} new).",
            self.list.marks.len(),
            self.list.marks.len() - before
        ));
    }

    /// `~`: among the contacts the search shows, the marked unmarked and
    /// the others marked. Marks elsewhere stay.
    pub(crate) fn invert_marks(&mut self) {
        for id in self.shown_ids() {
            if !self.list.marks.remove(&id) {
                self.list.marks.insert(id);
            }
        }
        self.notice = Some(format!("{} marked.", self.list.marks.len()));
    }

    /// `U`: no contact marked.
    pub(crate) fn clear_marks(&mut self) {
        let n = self.list.marks.len();
        self.list.marks.clear();
        self.notice = Some(if n == 0 {
            "Nothing was marked.".into()
        } else {
            format!("{n} marks cleared.")
        });
    }

    /// Tags added to (or taken off) every contact in `ids`: shown at once,
    /// sent `Client::BULK_CHUNK` contacts a request. Only what changes is sent and
    /// recorded for undo: a contact that had the tag keeps it on undo.
    pub(crate) fn bulk_tags(
        &mut self,
        ids: &[String],
        mode: TagMode,
        tags: &[String],
        record: bool,
        out: &mut Vec<Command>,
    ) {
        self.bulk_tag_sets(&[(tags.to_vec(), ids.to_vec())], mode, record, out);
    }

    /// As `bulk_tags`, for several sets of tags each on its contacts (an
    /// undo puts back exactly what each contact got).
    pub(crate) fn bulk_tag_sets(
        &mut self,
        sets: &[(Vec<String>, Vec<String>)],
        mode: TagMode,
        record: bool,
        out: &mut Vec<Command>,
    ) {
        let has = |list: &[String], t: &str| list.iter().any(|a| a.eq_ignore_ascii_case(t));
        // Contacts by what changes for them (usually one group).
        let mut groups: BTreeMap<Vec<String>, Vec<String>> = BTreeMap::new();
        let mut before = BTreeMap::new();
        for (tags, id) in sets
            .iter()
            .flat_map(|(tags, ids)| ids.iter().map(move |id| (tags, id)))
        {
            if before.contains_key(id) {
                continue;
            }
            let now = self.tags_of(id);
            let changed: Vec<String> = tags
                .iter()
                .filter(|t| match mode {
                    TagMode::Add => !has(&now, t),
                    TagMode::Remove => has(&now, t),
                })
                .cloned()
                .collect();
            if changed.is_empty() {
                continue;
            }
            let mut after = now.clone();
            match mode {
                TagMode::Add => after.extend(changed.iter().cloned()),
                TagMode::Remove => after.retain(|a| !has(&changed, a)),
            }
            before.insert(id.clone(), now);
            self.set_tags(id, after);
            groups.entry(changed).or_default().push(id.clone());
        }
        let total: usize = groups.values().map(Vec::len).sum();
        if total == 0 {
            self.notice = Some(match mode {
                TagMode::Add => "Every one of them has those tags already.".into(),
                TagMode::Remove => "None of them has those tags.".into(),
            });
            return;
        }
        let label = match mode {
            TagMode::Add => "Tagging",
            TagMode::Remove => "Untagging",
        };
        let run = self.start_bulk(label, "", total);
        if let Some(b) = self.bulk.as_mut() {
            b.before = before;
            b.recorded = record;
        }
        if record {
            self.undo.push(Undo::BulkTags {
                mode,
                groups: groups.clone().into_iter().collect(),
            });
        }
        let ops = groups
            .iter()
            .flat_map(|(changed, contacts)| {
                ApiOp::bulk_tags(mode == TagMode::Add, contacts, changed)
            })
            .collect();
        self.send_pieces(run, ops, out);
    }

    /// A bulk run's edits, each waited for as a piece of run `run`.
    pub(crate) fn send_pieces(&mut self, run: u64, ops: Vec<ApiOp>, out: &mut Vec<Command>) {
        for op in ops {
            let contacts = crate::cache::outbox::contacts_touched(&op)
                .into_iter()
                .map(String::from)
                .collect();
            self.request(
                out,
                op,
                Priority::Interactive,
                None,
                Purpose::Bulk(BulkWait { run, contacts }),
            );
        }
    }

    /// What a bulk-capable action acts on, and how its title names them:
    /// the marked (or all shown, answered to the scope question), else the
    /// contact in view. None (said) when there is none.
    pub(crate) fn targets(&mut self) -> Option<(Vec<String>, String)> {
        if let Some(ids) = self.bulk_targets() {
            let label = format!("{} contacts", ids.len());
            return Some((ids, label));
        }
        let cid = self.target_contact()?;
        let name = self
            .contact_by_id(&cid)
            .map(|c| c.display_name())
            .unwrap_or_else(|| cid.clone());
        Some((vec![cid], name))
    }

    /// A bulk run begins: the status bar counts it through. Its id.
    pub(crate) fn start_bulk(&mut self, label: &str, what: &str, total: usize) -> u64 {
        self.temp_ids += 1;
        let run = self.temp_ids;
        self.bulk = Some(BulkRun {
            id: run,
            label: label.into(),
            what: what.into(),
            total,
            ..BulkRun::default()
        });
        run
    }

    /// Before a bulk-capable action in the list with nothing marked and
    /// the search narrowing it: asks whether to act on all it shows (with
    /// the count) or on the highlighted contact. True when it asked.
    pub(crate) fn ask_scope(&mut self, action: Action) -> bool {
        let one = std::mem::take(&mut self.scope_one);
        let shown = self.list.hits.len();
        if one
            || self.view != View::Contacts
            || self.focus != Focus::List
            || !self.list.marks.is_empty()
            || shown < 2
            || shown >= self.list.len()
        {
            return false;
        }
        let Some(name) = self.selected_contact().map(|c| c.display_name()) else {
            return false;
        };
        let (all, one) = (
            format!("all {shown} contacts the search shows"),
            crate::text::snippet(&name, 30),
        );
        let message = match action {
            Action::AddTag => format!("Add tags to {all}, or just to {one}?"),
            Action::RemoveTag => format!("Remove tags from {all}, or just from {one}?"),
            Action::Workflows => format!("Pick a workflow for {all}, or just for {one}?"),
            Action::Campaigns => format!("Take {all} out of a campaign, or just {one}?"),
            Action::Export => format!("Export {all}, or just {one}?"),
            Action::Assign => format!("Assign {all}, or just {one}?"),
            Action::Follow => format!("Change the followers of {all}, or just of {one}?"),
            Action::DeleteContact => format!("Delete {all}, or just {one}?"),
            _ => format!("Act on {all}, or just on {one}?"),
        };
        self.overlay = Some(Overlay::Confirm(Box::new(Confirm {
            message,
            action: ConfirmAction::Scope {
                action,
                shown,
                one: name,
            },
        })));
        true
    }

    /// The contacts a contact action acts on in bulk: the marked ones,
    /// from the list. None when nothing is marked or the action is about
    /// the contact open in the detail pane.
    pub(crate) fn bulk_targets(&self) -> Option<Vec<String>> {
        // "All it shows", answered to the scope question: for this action.
        if let Some(ids) = &self.scope_all {
            return Some(ids.clone());
        }
        (self.view == View::Contacts && self.focus == Focus::List && !self.list.marks.is_empty())
            .then(|| self.marked())
            .filter(|m| !m.is_empty())
    }
}

/// A bulk request's answer: the refused contacts put back, the progress
/// counted, and the end said.
pub(crate) fn bulk_answer(s: &mut State, w: BulkWait, r: Result<ApiResponse, ApiError>) {
    if s.bulk.as_ref().is_none_or(|b| b.id != w.run) {
        return;
    }
    let mut back: Vec<(String, Vec<String>)> = Vec::new();
    let refused_before = s.bulk.as_ref().map_or(0, |b| b.refused.len());
    match r {
        Ok(ApiResponse::BulkTags(t)) => {
            // What the server did not change (it had changed on the server
            // meanwhile) is not for the undo to change back.
            if !t.unchanged.is_empty()
                && s.bulk.as_ref().is_some_and(|b| b.recorded)
                && let Some(Undo::BulkTags { groups, .. }) = s
                    .undo
                    .iter_mut()
                    .rev()
                    .find(|u| matches!(u, Undo::BulkTags { .. }))
            {
                for (_, contacts) in groups.iter_mut() {
                    contacts.retain(|c| !t.unchanged.contains(c));
                }
            }
            let Some(run) = s.bulk.as_mut().filter(|b| b.id == w.run) else {
                return;
            };
            for (id, why) in t.refused {
                if let Some(b) = run.before.get(&id) {
                    back.push((id.clone(), b.clone()));
                }
                run.refused.push((id, why));
            }
        }
        // One contact's own edit (a workflow, a campaign): done.
        Ok(_) => {}
        Err(e) => {
            let Some(run) = s.bulk.as_mut() else {
                return;
            };
            let why = e.to_string();
            for id in &w.contacts {
                if let Some(b) = run.before.get(id) {
                    back.push((id.clone(), b.clone()));
                }
                run.refused.push((id.clone(), why.clone()));
            }
        }
    }
    // The undo is for what was done: not for the refused.
    let refused_now: Vec<String> = match s.bulk.as_ref() {
        Some(run) => run.refused[refused_before..]
            .iter()
            .map(|(id, _)| id.clone())
            .collect(),
        None => Vec::new(),
    };
    if !refused_now.is_empty()
        && s.bulk.as_ref().is_some_and(|b| b.recorded)
        && let Some(u) = s.undo.iter_mut().rev().find(|u| u.is_bulk())
    {
        u.forget(&refused_now);
    }
    // A refused contact is put back as it was.
    let restore: Vec<Contact> = match s.bulk.as_mut() {
        Some(run) => refused_now
            .iter()
            .filter_map(|id| run.restore.remove(id))
            .collect(),
        None => Vec::new(),
    };
    for c in restore {
        let id = c.id.clone();
        s.replace_contact(&id, c);
    }
    let Some(run) = s.bulk.as_mut() else {
        return;
    };
    run.done += w.contacts.len();
    let finished = run.done >= run.total;
    let summary = finished.then(|| {
        let changed = run.total - run.refused.len();
        match run.refused.first() {
            None => format!("{}: done.", run.title()),
            Some((id, why)) => format!(
                "{}: {changed} changed, {} refused (first: {}: {}).",
                run.title(),
                run.refused.len(),
                crate::text::snippet(id, 24),
                crate::text::snippet(why, 80)
            ),
        }
    });
    let refused_any = !back.is_empty();
    for (id, tags) in back {
        s.set_tags(&id, tags);
    }
    if let Some(m) = summary {
        if refused_any || s.bulk.as_ref().is_some_and(|b| !b.refused.is_empty()) {
            s.error = Some(m);
        } else {
            s.notice = Some(m);
        }
        s.bulk = None;
    }
}
