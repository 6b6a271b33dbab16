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

/// A row of the palette: an action, or a saved search to recall, or the
/// `save NAME` and `forget NAME` commands typed in full.
#[derive(Debug, Clone, PartialEq)]
pub enum PaletteEntry<'a> {
    Action(&'a keymap::Binding),
    /// Saved search `n` (from 0).
    Recall(usize),
    Save(String),
    Forget(String),
}

/// The palette's rows for what was typed: `save NAME` or `forget NAME`
/// alone, else the saved searches whose name holds it (`@vip`), then the
/// actions.
pub fn palette_entries<'a>(s: &'a State, p: &forms::Palette) -> Vec<PaletteEntry<'a>> {
    let typed = text_of(&p.input);
    let t = typed.trim();
    if let Some(name) = t.strip_prefix("save ") {
        return vec![PaletteEntry::Save(name.trim().to_string())];
    }
    if let Some(name) = t.strip_prefix("forget ") {
        return vec![PaletteEntry::Forget(name.trim().to_string())];
    }
    let q = search::fold(t.trim_start_matches('@'));
    let mut out: Vec<PaletteEntry> = s
        .saved
        .iter()
        .enumerate()
        .filter(|(_, x)| q.is_empty() || search::fold(&x.name).contains(&q))
        .map(|(i, _)| PaletteEntry::Recall(i))
        .collect();
    if !t.starts_with('@') {
        out.extend(
            palette_matches(&s.keymap, p)
                .into_iter()
                .map(PaletteEntry::Action),
        );
    }
    out
}

enum Chosen {
    Action(Action),
    Recall(usize),
    Save(String),
    Forget(String),
}

/// `:save NAME`: the search in force (mine, the recalled one, and what is
/// typed) under a name, kept in rolo's file and recalled at once.
fn save_search(s: &mut State, name: &str, out: &mut Vec<Command>) {
    if let Some(e) = &s.saved_error {
        s.error = Some(format!(
            "Not saved: the saved searches file is unreadable ({e}); fix or move it first."
        ));
        return;
    }
    let name = match crate::searches::check_name(name) {
        Ok(n) => n.to_string(),
        Err(e) => {
            s.error = Some(e);
            return;
        }
    };
    let query = s.list.effective_query();
    if query.is_empty() {
        s.notice = Some("Nothing to save: type a search or filters first (/).".into());
        return;
    }
    s.saved = crate::searches::with(std::mem::take(&mut s.saved), &name, &query);
    out.push(Command::Searches(crate::searches::Change::Save {
        name: name.clone(),
        query: query.clone(),
    }));
    let n = s.saved.iter().position(|x| x.name == name).unwrap_or(0);
    s.list.pinned = Some((name.clone(), query));
    s.list.mine = false;
    s.list.query.clear();
    s.refilter();
    s.notice = Some(if n < 9 {
        format!("Saved as @{name}: key {} recalls it, 0 lets it go.", n + 1)
    } else {
        format!("Saved as @{name}: recall it from the palette (:@{name}).")
    });
}

fn forget_search(s: &mut State, name: &str, out: &mut Vec<Command>) {
    let name = name.trim().trim_start_matches('@');
    if s.saved_error.is_some() {
        s.error = Some("The saved searches file is unreadable; fix or move it first.".into());
        return;
    }
    let before = s.saved.len();
    s.saved.retain(|x| x.name != name);
    if s.saved.len() == before {
        s.notice = Some(format!(
            "No saved search is called {:?}.",
            crate::text::snippet(name, 40)
        ));
        return;
    }
    out.push(Command::Searches(crate::searches::Change::Forget {
        name: name.to_string(),
    }));
    if s.list.pinned.as_ref().is_some_and(|(n, _)| n == name) {
        s.list.pinned = None;
        s.refilter();
    }
    s.notice = Some(format!("Forgot @{name}."));
}

pub(crate) fn palette_key(
    s: &mut State,
    mut p: Box<forms::Palette>,
    k: KeyEvent,
    out: &mut Vec<Command>,
) -> Option<Overlay> {
    // What the row under the cursor does, owned (the rows borrow `s`).
    let (count, chosen) = {
        let entries = palette_entries(s, &p);
        let chosen = entries.get(p.selected).map(|e| match e {
            PaletteEntry::Action(b) => Chosen::Action(b.action),
            PaletteEntry::Recall(n) => Chosen::Recall(*n),
            PaletteEntry::Save(n) => Chosen::Save(n.clone()),
            PaletteEntry::Forget(n) => Chosen::Forget(n.clone()),
        });
        (entries.len(), chosen)
    };
    match k.code {
        KeyCode::Esc => return None,
        KeyCode::Down | KeyCode::Tab => p.selected = (p.selected + 1).min(count.saturating_sub(1)),
        KeyCode::Up | KeyCode::BackTab => p.selected = p.selected.saturating_sub(1),
        KeyCode::Enter => {
            match chosen {
                Some(Chosen::Action(a)) => run_action(s, a, out),
                Some(Chosen::Recall(n)) => recall_search(s, n),
                Some(Chosen::Save(name)) => save_search(s, &name, out),
                Some(Chosen::Forget(name)) => forget_search(s, &name, out),
                None => {}
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
