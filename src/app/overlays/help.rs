//! The help overlay: every key of every context, as the keymap has them.

use crate::app::*;

/// j/k (and the arrows, space, pages) scroll a help taller than the
/// screen; any other key closes it: help is read, then dismissed. `keys`
/// (how many bindings there are) bounds the scroll: no dead presses past
/// the end.
pub(crate) fn help_key(at: u16, k: KeyEvent, keys: u16) -> Option<Overlay> {
    let last = keys.saturating_sub(12);
    let at = at.min(last);
    match k.code {
        KeyCode::Down | KeyCode::Char('j') => Some(Overlay::Help(at.saturating_add(1).min(last))),
        KeyCode::Up | KeyCode::Char('k') => Some(Overlay::Help(at.saturating_sub(1))),
        KeyCode::PageDown | KeyCode::Char(' ') => {
            Some(Overlay::Help(at.saturating_add(10).min(last)))
        }
        KeyCode::PageUp => Some(Overlay::Help(at.saturating_sub(10))),
        _ => None,
    }
}
