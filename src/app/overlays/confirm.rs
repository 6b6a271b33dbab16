//! The confirmation dialog, and what each confirmed action does.

use crate::app::*;

/// What a confirmation dialog will do on "yes".
#[derive(Debug, Clone, PartialEq)]
pub enum ConfirmAction {
    DeleteContact {
        contact: Box<Contact>,
    },
    DeleteTask {
        contact_id: String,
        task: Task,
    },
    DeleteNote {
        contact_id: String,
        note: Note,
    },
    /// Drop an edit from the outbox.
    DiscardEdit {
        seq: i64,
        description: String,
    },
    /// Mark every contact the search shows.
    MarkAll,
    /// Take these contacts out of every campaign.
    LeaveAllCampaigns {
        contacts: Vec<String>,
        label: String,
    },
    /// Nothing is marked and the search narrows the list: the action acts
    /// on all it shows (`a`, marking them), or on the highlighted one.
    Scope {
        action: crate::keymap::Action,
        shown: usize,
        one: String,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Confirm {
    pub message: String,
    pub action: ConfirmAction,
}

pub(crate) fn confirmed(s: &mut State, action: ConfirmAction, out: &mut Vec<Command>) {
    match action {
        ConfirmAction::Scope { action, .. } => {
            s.scope_one = true;
            run_action(s, action, out);
        }
        ConfirmAction::MarkAll => s.mark_all_shown(),
        ConfirmAction::LeaveAllCampaigns { contacts, label } => {
            crate::app::overlays::automation::leave_all_campaigns(s, contacts, label, out)
        }
        ConfirmAction::DiscardEdit { seq, description } => {
            out.push(Command::Outbox(OutboxAction::Discard(seq)));
            s.forget_reply(&description);
            s.notice = Some(format!("Discarded: {description}"));
        }
        ConfirmAction::DeleteContact { contact } => {
            s.remove_contact(&contact.id);
            s.focus = Focus::List;
            s.request(
                out,
                ApiOp::DeleteContact {
                    id: contact.id.clone(),
                },
                Priority::Interactive,
                None,
                Purpose::Contact(ContactWait::Delete { contact }),
            );
        }
        ConfirmAction::DeleteTask { contact_id, task } => {
            remove_task(s, &contact_id, &task.id);
            s.request(
                out,
                ApiOp::DeleteTask {
                    contact_id: contact_id.clone(),
                    task_id: task.id.clone(),
                },
                Priority::Interactive,
                None,
                Purpose::Task(TaskWait::Delete { contact_id, task }),
            );
        }
        ConfirmAction::DeleteNote { contact_id, note } => {
            if let Some(ns) = s.detail.notes.loaded_mut() {
                ns.retain(|n| n.id != note.id);
            }
            let items = s.detail.items().len();
            s.detail.cursor = s.detail.cursor.min(items.saturating_sub(1));
            s.request(
                out,
                ApiOp::DeleteNote {
                    contact_id: contact_id.clone(),
                    note_id: note.id.clone(),
                },
                Priority::Interactive,
                None,
                Purpose::Note(NoteWait::Delete { contact_id, note }),
            );
        }
    }
}

pub(crate) fn confirm_key(
    s: &mut State,
    c: Box<Confirm>,
    k: KeyEvent,
    out: &mut Vec<Command>,
) -> Option<Overlay> {
    if let ConfirmAction::Scope { action, .. } = &c.action {
        let action = *action;
        return match k.code {
            KeyCode::Char('a') | KeyCode::Char('A') => {
                // For this action only: the marks stay as they were.
                s.scope_all = Some(s.shown_ids());
                s.scope_one = true;
                run_action(s, action, out);
                s.scope_all = None;
                s.scope_one = false;
                s.overlay.take()
            }
            KeyCode::Enter | KeyCode::Char('1') | KeyCode::Char('o') => {
                confirmed(s, c.action.clone(), out);
                s.overlay.take()
            }
            KeyCode::Esc | KeyCode::Char('n') | KeyCode::Char('q') => None,
            _ => Some(Overlay::Confirm(c)),
        };
    }
    // What cannot be undone is never one enter away: y only.
    let enter_ok = !matches!(c.action, ConfirmAction::LeaveAllCampaigns { .. });
    match k.code {
        KeyCode::Enter if !enter_ok => Some(Overlay::Confirm(c)),
        KeyCode::Char('y') | KeyCode::Char('Y') | KeyCode::Enter => {
            confirmed(s, c.action.clone(), out);
            None
        }
        KeyCode::Char('n') | KeyCode::Char('N') | KeyCode::Esc | KeyCode::Char('q') => None,
        _ => Some(Overlay::Confirm(c)),
    }
}
