//! The overlays: one room each, with its state, its keys, and what it does
//! when it is done. `overlay_key` hands a key to the one that is open.

use crate::app::*;

pub mod appointment_status;
pub mod automation;
pub mod booking;
pub mod bulk_delete;
pub mod confirm;
pub mod contact_form;
pub mod copy;
pub mod deals;
pub mod dnd;
pub mod everywhere;
pub mod export;
pub mod field_input;
pub mod help;
pub mod note_editor;
pub mod outbox;
pub mod palette;
pub mod profiles;
pub mod tag_prompt;
pub mod task_form;
pub mod thread;
pub mod user_picker;

pub use appointment_status::*;
pub use automation::*;
pub use booking::*;
pub use bulk_delete::*;
pub use confirm::*;
pub use contact_form::*;
pub(crate) use copy::*;
pub use deals::*;
pub use dnd::*;
pub use everywhere::*;
pub use export::*;
pub(crate) use help::*;
pub use note_editor::*;
pub use outbox::*;
pub use palette::*;
pub(crate) use profiles::*;
pub use tag_prompt::*;
pub use task_form::*;
pub use thread::*;
pub use user_picker::*;

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
    reopen_draft(s);
}

/// Once no overlay is open, a form whose save failed comes back.
pub(crate) fn reopen_draft(s: &mut State) {
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
        // A header and a blank line for each of the six groups.
        Overlay::Help(at) => help_key(at, k, s.keymap.bindings().len() as u16 + 12),
        Overlay::Confirm(c) => confirm_key(s, c, k, out),
        Overlay::Tags(p) => tag_key(s, *p, k, out),
        Overlay::Task(f) => task_key(s, *f, k, out),
        Overlay::Note(n) => note_key(s, *n, k, out),
        Overlay::Contact(f) => contact_key(s, f, k, out),
        Overlay::Copy(c) => copy_key(s, c, k, out),
        Overlay::Palette(p) => palette_key(s, p, k, out),
        Overlay::Outbox(v) => outbox_key(s, v, k, out),
        Overlay::Profiles(i) => profiles_key(s, i, k, out),
        Overlay::Assign(p) => picker_key(s, p, k, out),
        Overlay::Dnd(p) => dnd_key(s, p, k, out),
        Overlay::Deals(p) => deals_key(s, p, k, out),
        Overlay::Status(p) => status_key(s, p, k, out),
        Overlay::Booking(p) => booking_key(s, p, k, out),
        Overlay::Automation(p) => automation_key(s, p, k, out),
        Overlay::Export(p) => export_key(s, p, k, out),
        Overlay::BulkDelete(p) => bulk_delete_key(s, p, k, out),
        Overlay::Thread(v) => thread_key(s, v, k, out),
        Overlay::Everywhere(e) => everywhere_key(s, e, k, out),
    };
}
