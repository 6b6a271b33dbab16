//! The command palette: every action by name.

use crate::app::forms::{line_input, text_of};
use crate::app::*;
use ratatui_textarea::TextArea;

/// The `:` command palette: every action, found by typing.
#[derive(Debug, Clone)]
pub struct Palette {
    pub input: TextArea<'static>,
    pub selected: usize,
}

impl Default for Palette {
    fn default() -> Self {
        Self {
            input: line_input(""),
            selected: 0,
        }
    }
}

/// The palette's matches: every bound action whose help or keys contain
/// what was typed, in keymap order.
pub fn palette_matches<'a>(
    keymap: &'a keymap::Keymap,
    p: &forms::Palette,
) -> Vec<&'a keymap::Binding> {
    let q = search::fold(&text_of(&p.input));
    keymap
        .bindings()
        .iter()
        .filter(|b| b.action != Action::Palette && !b.keys.is_empty())
        .filter(|b| {
            q.trim().is_empty()
                || search::fold(b.help).contains(q.trim())
                || format!("{:?}", b.action).to_lowercase().contains(q.trim())
        })
        .collect()
}

pub(crate) fn palette_key(
    s: &mut State,
    mut p: Box<forms::Palette>,
    k: KeyEvent,
    out: &mut Vec<Command>,
) -> Option<Overlay> {
    let matches = palette_matches(&s.keymap, &p);
    match k.code {
        KeyCode::Esc => return None,
        KeyCode::Down | KeyCode::Tab => {
            p.selected = (p.selected + 1).min(matches.len().saturating_sub(1))
        }
        KeyCode::Up | KeyCode::BackTab => p.selected = p.selected.saturating_sub(1),
        KeyCode::Enter => {
            if let Some(b) = matches.get(p.selected) {
                run_action(s, b.action, out);
            }
            // The action may have opened an overlay of its own; keep it.
            return s.overlay.take();
        }
        _ => {
            if let KeyCode::Char(c) = k.code
                && crate::text::is_unsafe(c)
            {
                return Some(Overlay::Palette(p));
            }
            p.input.input(k);
            p.selected = 0;
        }
    }
    Some(Overlay::Palette(p))
}
