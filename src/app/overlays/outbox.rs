//! The outbox view: edits not yet confirmed, retried, edited or discarded.

use crate::app::*;
use crate::cache::outbox::Entry;

/// The outbox overlay.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct OutboxView {
    pub entries: Option<Vec<Entry>>,
    pub selected: usize,
    /// Edits may have been lost (a damaged outbox file was salvaged).
    pub lost: Option<String>,
}

impl OutboxView {
    pub fn current(&self) -> Option<&Entry> {
        self.entries.as_ref()?.get(self.selected)
    }
}

/// The outbox view: move, retry, edit, discard.
pub(crate) fn outbox_key(
    s: &mut State,
    mut v: Box<OutboxView>,
    k: KeyEvent,
    out: &mut Vec<Command>,
) -> Option<Overlay> {
    let len = v.entries.as_ref().map_or(0, Vec::len);
    match k.code {
        KeyCode::Esc | KeyCode::Char('q') | KeyCode::Char('O') => return None,
        KeyCode::Down | KeyCode::Char('j') => {
            v.selected = (v.selected + 1).min(len.saturating_sub(1))
        }
        KeyCode::Up | KeyCode::Char('k') => v.selected = v.selected.saturating_sub(1),
        KeyCode::Char('r') | KeyCode::Char('e') | KeyCode::Char('d') if s.read_only => {
            s.error = Some(read_only_message(&s.profile));
        }
        KeyCode::Char('r') => {
            if let Some(e) = v.current() {
                out.push(Command::Outbox(OutboxAction::Retry(e.seq)));
                let description = e.description.clone();
                s.forget_reply(&description);
                s.notice = Some(format!(
                    "Sending again (after one more look in the thread): {description}"
                ));
            }
        }
        KeyCode::Char('e') => {
            if let Some(e) = v.current() {
                out.push(Command::Outbox(OutboxAction::Edit(e.seq)));
            }
        }
        KeyCode::Char('d') | KeyCode::Char('x') => {
            if let Some(e) = v.current() {
                let (seq, description) = (e.seq, e.description.clone());
                s.overlay = Some(Overlay::Confirm(Box::new(Confirm {
                    message: format!(
                        "Discard this edit? It was never confirmed by HighLevel and will be lost:\n{description}"
                    ),
                    action: ConfirmAction::DiscardEdit { seq, description },
                })));
                return s.overlay.take();
            }
        }
        _ => {}
    }
    Some(Overlay::Outbox(v))
}
