//! The help overlay: every key of every context, as the keymap has them.

use crate::app::*;

/// j/k (and the arrows, space, pages) scroll a help taller than the
/// screen; any other key closes it: help is read, then dismissed.
pub(crate) fn help_key(at: u16, k: KeyEvent) -> Option<Overlay> {
    match k.code {
        KeyCode::Down | KeyCode::Char('j') => Some(Overlay::Help(at.saturating_add(1).min(200))),
        KeyCode::Up | KeyCode::Char('k') => Some(Overlay::Help(at.saturating_sub(1))),
        KeyCode::PageDown | KeyCode::Char(' ') => {
            Some(Overlay::Help(at.saturating_add(10).min(200)))
        }
        KeyCode::PageUp => Some(Overlay::Help(at.saturating_sub(10))),
        _ => None,
    }
}
