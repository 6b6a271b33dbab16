//! The overlays: one room each, with its state, its keys, and what it does
//! when it is done. `overlay_key` hands a key to the one that is open.

use crate::app::*;

pub mod confirm;
pub mod contact_form;
pub mod note_editor;
pub mod outbox;
pub mod palette;
pub mod tag_prompt;
pub mod task_form;

pub use confirm::*;
pub use contact_form::*;
pub use note_editor::*;
pub use outbox::*;
pub use palette::*;
pub use tag_prompt::*;
pub use task_form::*;

/// What the task and contact forms say when esc would lose typed text.
pub(crate) const DISCARD_HINT: &str =
    "Unsaved: esc again discards what you typed; ctrl-s saves it.";

impl Overlay {
    /// Whether closing it would lose something typed.
    pub(crate) fn unsaved(&self) -> bool {
        match self {
            Overlay::Task(f) => f.unsaved(),
            Overlay::Contact(f) => f.unsaved(),
            Overlay::Note(n) => n.unsaved(),
            _ => false,
        }
    }
}

pub(crate) fn on_overlay_key(s: &mut State, k: KeyEvent, out: &mut Vec<Command>) {
    overlay_key(s, k, out);
    if s.overlay.is_none()
        && let Some(draft) = s.drafts.pop()
    {
        s.overlay = Some(draft);
        s.notice = Some("Reopened what you typed before: its save had failed.".into());
    }
}

pub(crate) fn overlay_key(s: &mut State, k: KeyEvent, out: &mut Vec<Command>) {
    let Some(overlay) = s.overlay.take() else {
        return;
    };
    s.overlay = match overlay {
        Overlay::Help => None,
        Overlay::Confirm(c) => match k.code {
            KeyCode::Char('y') | KeyCode::Char('Y') | KeyCode::Enter => {
                confirmed(s, c.action.clone(), out);
                None
            }
            KeyCode::Char('n') | KeyCode::Char('N') | KeyCode::Esc | KeyCode::Char('q') => None,
            _ => Some(Overlay::Confirm(c)),
        },
        Overlay::Tags(p) => tag_key(s, *p, k, out),
        Overlay::Task(f) => task_key(s, *f, k, out),
        Overlay::Note(n) => note_key(s, *n, k, out),
        Overlay::Contact(f) => contact_key(s, f, k, out),
        Overlay::Copy(c) => {
            let field = match k.code {
                KeyCode::Char('e') => c.email.clone().map(|v| ("email", v)),
                KeyCode::Char('p') => c.phone.clone().map(|v| ("phone", v)),
                KeyCode::Char('n') => Some(("name", c.display_name())),
                KeyCode::Char('i') => Some(("id", c.id.clone())),
                KeyCode::Esc | KeyCode::Char('q') => return,
                _ => return s.overlay = Some(Overlay::Copy(c)),
            };
            match field {
                Some((what, v)) => {
                    out.push(Command::Copy(crate::text::printable(&v)));
                    s.notice = Some(format!("Copied the {what}."));
                }
                None => s.notice = Some("That contact has no such field.".into()),
            }
            None
        }
        Overlay::Palette(p) => palette_key(s, p, k, out),
        Overlay::Outbox(v) => outbox_key(s, v, k, out),
        Overlay::Profiles(i) => match k.code {
            KeyCode::Esc | KeyCode::Char('q') => None,
            KeyCode::Down | KeyCode::Char('j') => Some(Overlay::Profiles(
                (i + 1).min(s.profiles.len().saturating_sub(1)),
            )),
            KeyCode::Up | KeyCode::Char('k') => Some(Overlay::Profiles(i.saturating_sub(1))),
            KeyCode::Enter => {
                if let Some(name) = s.profiles.get(i) {
                    out.push(Command::SwitchProfile(name.clone()));
                }
                None
            }
            _ => Some(Overlay::Profiles(i)),
        },
    };
}
