//! Deleting the marked contacts: never one keystroke. The prompt says how
//! many, and the user types that number back; then each contact is its
//! own delete, queued with the others, taken out of the list at once and
//! put back if HighLevel refuses it. It cannot be undone.

use crate::app::forms::{edit_line, line_input, text_of};
use crate::app::*;
use ratatui_textarea::TextArea;

#[derive(Debug, Clone)]
pub struct BulkDelete {
    pub contacts: Vec<String>,
    pub input: TextArea<'static>,
    pub error: Option<String>,
}

pub(crate) fn open_bulk_delete(s: &mut State, contacts: Vec<String>) {
    if s.bulk.is_some() {
        s.notice = Some("A bulk change is still under way; wait for it to finish.".into());
        return;
    }
    s.overlay = Some(Overlay::BulkDelete(Box::new(BulkDelete {
        contacts,
        input: line_input(""),
        error: None,
    })));
}

pub(crate) fn bulk_delete_key(
    s: &mut State,
    mut p: Box<BulkDelete>,
    k: KeyEvent,
    out: &mut Vec<Command>,
) -> Option<Overlay> {
    match k.code {
        KeyCode::Esc => return None,
        KeyCode::Enter => {
            let n = p.contacts.len();
            if text_of(&p.input).trim() != n.to_string() {
                p.error = Some(format!("Type {n} to delete them, or esc to keep them."));
                return Some(Overlay::BulkDelete(p));
            }
            delete_many(s, &p.contacts, out);
            return None;
        }
        _ => {
            if edit_line(&mut p.input, k) {
                p.error = None;
            }
        }
    }
    Some(Overlay::BulkDelete(p))
}

fn delete_many(s: &mut State, ids: &[String], out: &mut Vec<Command>) {
    let mut restore = Vec::new();
    let mut ops = Vec::new();
    for id in ids {
        if let Some(c) = s.remove_contact(id) {
            restore.push(c);
        }
        ops.push(ApiOp::DeleteContact { id: id.clone() });
    }
    s.undo
        .push(Undo::Final(format!("deleting {} contacts", ids.len())));
    s.run_each("Deleting", "", ops, out);
    if let Some(b) = s.bulk.as_mut() {
        b.restore = restore.into_iter().map(|c| (c.id.clone(), c)).collect();
    }
}
