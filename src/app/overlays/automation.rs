//! Workflows and campaigns: the picker that puts contacts into one of the
//! location's workflows or takes them out of it (`w`), or takes them out
//! of a campaign, or of every campaign (`C`). It acts on the marked
//! contacts, else on the one in view; each contact is its own edit,
//! queued with the others in one transaction, and the status bar counts
//! them through. Enrolling and removing from a workflow undo (`u`) with
//! the inverse, for the contacts it was done for.
//!
//! HighLevel's API does not say which workflows or campaigns a contact is
//! in, so the picker cannot show it: it offers the location's lists.

use crate::app::forms::{line_input, text_of};
use crate::app::*;
use ratatui_textarea::TextArea;

/// Which list the picker offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AutoKind {
    Workflow,
    Campaign,
}

#[derive(Debug, Clone)]
pub struct AutoPicker {
    pub kind: AutoKind,
    /// Workflows: into the one picked (true) or out of it; `tab` turns it.
    /// Campaigns: always out.
    pub add: bool,
    /// The contacts it acts on, and how they are named in the title.
    pub contacts: Vec<String>,
    pub label: String,
    pub input: TextArea<'static>,
    pub selected: usize,
    pub error: Option<String>,
}

/// One line of the picker: every campaign at once, or one item.
#[derive(Debug, Clone, PartialEq)]
pub enum AutoChoice {
    AllCampaigns,
    Item {
        id: String,
        name: String,
        status: Option<String>,
    },
}

/// A workflow or a campaign, as the picker lists it.
#[derive(Debug, Clone, PartialEq)]
pub struct AutoItem {
    pub id: String,
    pub name: String,
    pub status: Option<String>,
}

impl State {
    /// The location's workflows or campaigns.
    pub fn automation_list(&self, kind: AutoKind) -> &Remote<Vec<AutoItem>> {
        match kind {
            AutoKind::Workflow => &self.workflows,
            AutoKind::Campaign => &self.campaigns,
        }
    }

    fn automation_list_mut(&mut self, kind: AutoKind) -> &mut Remote<Vec<AutoItem>> {
        match kind {
            AutoKind::Workflow => &mut self.workflows,
            AutoKind::Campaign => &mut self.campaigns,
        }
    }
}

/// What a list load waits for.
#[derive(Debug, Clone, Copy)]
pub(crate) enum AutoWait {
    Workflows,
    Campaigns,
}

/// The items whose name starts with, then contains, what is typed
/// (accents and case ignored); "every campaign" first for campaigns.
pub fn auto_choices(s: &State, p: &AutoPicker) -> Vec<AutoChoice> {
    let word = search::fold(text_of(&p.input).trim());
    let items: Vec<(String, String, Option<String>)> = s
        .automation_list(p.kind)
        .loaded()
        .map_or(&[][..], Vec::as_slice)
        .iter()
        .map(|w| (w.id.clone(), w.name.clone(), w.status.clone()))
        .collect();
    let mut out = Vec::new();
    let item = |(id, name, status): &(String, String, Option<String>)| AutoChoice::Item {
        id: id.clone(),
        name: name.clone(),
        status: status.clone(),
    };
    let folded = |n: &str| search::fold(n);
    let starts = |n: &str| {
        let f = folded(n);
        f.starts_with(&word) || f.split([' ', '-', '_']).any(|w| w.starts_with(&word))
    };
    out.extend(items.iter().filter(|i| starts(&i.1)).map(item));
    out.extend(
        items
            .iter()
            .filter(|i| !starts(&i.1) && folded(&i.1).contains(&word))
            .map(item),
    );
    // Last, never under the cursor by default: it cannot be undone.
    if p.kind == AutoKind::Campaign && "every campaign all".contains(&word) {
        out.push(AutoChoice::AllCampaigns);
    }
    out
}

/// `w` / `C`: the picker, for the marked contacts or the one in view.
pub(crate) fn open_automation(s: &mut State, kind: AutoKind, out: &mut Vec<Command>) {
    if s.bulk.is_some() {
        s.notice = Some("A bulk change is still under way; wait for it to finish.".into());
        return;
    }
    let Some((contacts, label)) = s.targets() else {
        return;
    };
    if contacts.len() == 1 && is_stand_in(&contacts[0]) {
        s.notice = Some("The contact is still being created; try once it is saved.".into());
        return;
    }
    let (op, wait) = match kind {
        AutoKind::Workflow => (ApiOp::Workflows, AutoWait::Workflows),
        AutoKind::Campaign => (ApiOp::Campaigns, AutoWait::Campaigns),
    };
    let list = s.automation_list_mut(kind);
    if matches!(list, Remote::Idle | Remote::Failed(_)) {
        *list = Remote::Loading;
        let key = op.name();
        s.request(
            out,
            op,
            Priority::Interactive,
            Some(key),
            Purpose::Automation(wait),
        );
    }
    s.overlay = Some(Overlay::Automation(Box::new(AutoPicker {
        kind,
        add: kind == AutoKind::Workflow,
        contacts,
        label,
        input: line_input(""),
        selected: 0,
        error: None,
    })));
}

pub(crate) fn automation_answer(s: &mut State, w: AutoWait, r: Result<ApiResponse, ApiError>) {
    let kind = match w {
        AutoWait::Workflows => AutoKind::Workflow,
        AutoWait::Campaigns => AutoKind::Campaign,
    };
    let item = |id: &str, name: &str, status: &Option<String>| AutoItem {
        id: id.to_string(),
        name: name.to_string(),
        status: status.clone(),
    };
    let got = match r {
        Ok(ApiResponse::Workflows(v)) if kind == AutoKind::Workflow => {
            Ok(v.iter().map(|w| item(&w.id, &w.name, &w.status)).collect())
        }
        Ok(ApiResponse::Campaigns(v)) if kind == AutoKind::Campaign => {
            Ok(v.iter().map(|c| item(&c.id, &c.name, &c.status)).collect())
        }
        Ok(_) => Err("HighLevel's answer was not the list asked for".to_string()),
        Err(e) => Err(e.to_string()),
    };
    let list = s.automation_list_mut(kind);
    match got {
        Ok(v) => *list = Remote::Loaded(v),
        Err(why) if list.loaded().is_none() => *list = Remote::Failed(why),
        Err(_) => {}
    }
}

pub(crate) fn automation_key(
    s: &mut State,
    mut p: Box<AutoPicker>,
    k: KeyEvent,
    out: &mut Vec<Command>,
) -> Option<Overlay> {
    let n = auto_choices(s, &p).len();
    match k.code {
        KeyCode::Esc => return None,
        KeyCode::Tab | KeyCode::BackTab if p.kind == AutoKind::Workflow => p.add = !p.add,
        KeyCode::Down => p.selected = (p.selected + 1).min(n.saturating_sub(1)),
        KeyCode::Up => p.selected = p.selected.saturating_sub(1),
        KeyCode::Char('n') if k.modifiers.contains(KeyModifiers::CONTROL) => {
            p.selected = (p.selected + 1).min(n.saturating_sub(1))
        }
        KeyCode::Char('p') if k.modifiers.contains(KeyModifiers::CONTROL) => {
            p.selected = p.selected.saturating_sub(1)
        }
        KeyCode::Enter => {
            let Some(choice) = auto_choices(s, &p).get(p.selected).cloned() else {
                p.error = Some(match s.automation_list(p.kind) {
                    Remote::Loaded(_) => "Nothing matches that.".into(),
                    Remote::Failed(e) => format!("The list cannot be read: {e}"),
                    _ => "The list is still loading.".into(),
                });
                return Some(Overlay::Automation(p));
            };
            apply(s, &p, choice, out);
            // "Every campaign" asks once more.
            return s.overlay.take();
        }
        _ => {
            if crate::app::forms::edit_line(&mut p.input, k) {
                p.selected = 0;
                p.error = None;
            }
        }
    }
    Some(Overlay::Automation(p))
}

/// The edits for the choice, one per contact, queued together; shown in
/// the status bar as they are answered.
fn apply(s: &mut State, p: &AutoPicker, choice: AutoChoice, out: &mut Vec<Command>) {
    if choice == AutoChoice::AllCampaigns && !std::mem::take(&mut s.all_campaigns_confirmed) {
        let n = p.contacts.len();
        s.overlay = Some(Overlay::Confirm(Box::new(Confirm {
            message: format!(
                "Take {} out of every campaign? It cannot be undone (HighLevel does not say which they were in).",
                if n == 1 {
                    crate::text::snippet(&p.label, 40)
                } else {
                    format!("{n} contacts")
                }
            ),
            action: ConfirmAction::LeaveAllCampaigns {
                contacts: p.contacts.clone(),
                label: p.label.clone(),
            },
        })));
        return;
    }
    // "Enrolling 40 contacts in Webinar: 23 / 40", as the status bar says.
    let (label, what, ops): (&str, String, Vec<ApiOp>) = match (&choice, p.kind) {
        (AutoChoice::AllCampaigns, _) => (
            "Taking",
            "out of every campaign".into(),
            p.contacts
                .iter()
                .map(|c| ApiOp::LeaveCampaign {
                    contact_id: c.clone(),
                    campaign_id: None,
                })
                .collect(),
        ),
        (AutoChoice::Item { id, name, .. }, AutoKind::Campaign) => (
            "Taking",
            format!("out of {}", crate::text::snippet(name, 40)),
            p.contacts
                .iter()
                .map(|c| ApiOp::LeaveCampaign {
                    contact_id: c.clone(),
                    campaign_id: Some(id.clone()),
                })
                .collect(),
        ),
        (AutoChoice::Item { id, name, .. }, AutoKind::Workflow) => (
            if p.add { "Enrolling" } else { "Taking" },
            format!(
                "{} {}",
                if p.add { "in" } else { "out of" },
                crate::text::snippet(name, 40)
            ),
            p.contacts
                .iter()
                .map(|c| ApiOp::Workflow {
                    contact_id: c.clone(),
                    workflow_id: id.clone(),
                    add: p.add,
                })
                .collect(),
        ),
    };
    let mut recorded = false;
    match (&choice, p.kind) {
        // Enrolled: undone by taking them out. Taken out: putting them back
        // would start the workflow over, for some maybe never in it
        // (HighLevel does not say who was), so that is not undone.
        (AutoChoice::Item { id, name, .. }, AutoKind::Workflow) if p.add => {
            recorded = true;
            s.undo.push(Undo::Workflow {
                workflow_id: id.clone(),
                name: name.clone(),
                added: true,
                contacts: p.contacts.clone(),
            })
        }
        (AutoChoice::Item { name, .. }, AutoKind::Workflow) => s.undo.push(Undo::Final(format!(
            "taking contacts out of {} (putting them back would start it over for them)",
            crate::text::snippet(name, 40)
        ))),
        _ => s.undo.push(Undo::Final(format!(
            "taking {} {what}",
            if p.contacts.len() == 1 {
                "a contact".to_string()
            } else {
                format!("{} contacts", p.contacts.len())
            }
        ))),
    }
    s.run_each(label, &what, ops, out);
    if let Some(b) = s.bulk.as_mut() {
        b.recorded = recorded;
    }
}

/// The picker's choice of every campaign, once confirmed.
pub(crate) fn leave_all_campaigns(
    s: &mut State,
    contacts: Vec<String>,
    label: String,
    out: &mut Vec<Command>,
) {
    let p = AutoPicker {
        kind: AutoKind::Campaign,
        add: false,
        contacts,
        label,
        input: line_input(""),
        selected: 0,
        error: None,
    };
    s.all_campaigns_confirmed = true;
    apply(s, &p, AutoChoice::AllCampaigns, out);
}

impl State {
    /// One edit per contact, as one bulk run: queued together (the event
    /// loop puts consecutive edits in one transaction), each answer
    /// counted in the status bar.
    pub(crate) fn run_each(
        &mut self,
        label: &str,
        what: &str,
        ops: Vec<ApiOp>,
        out: &mut Vec<Command>,
    ) {
        let run = self.start_bulk(label, what, ops.len());
        self.send_pieces(run, ops, out);
    }
}
