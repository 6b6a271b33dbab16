//! The tag prompt: add or remove tags, with suggestions.

use crate::app::forms::{line_input, text_of};
use crate::app::*;
use ratatui_textarea::TextArea;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TagMode {
    Add,
    Remove,
}

#[derive(Debug, Clone)]
pub struct TagPrompt {
    pub contact_id: String,
    pub mode: TagMode,
    pub input: TextArea<'static>,
    /// Index into the current suggestions.
    pub selected: usize,
    pub error: Option<String>,
    /// In bulk: the marked contacts (then `contact_id` is the first).
    pub bulk: Vec<String>,
}

impl TagPrompt {
    pub fn new(contact_id: &str, mode: TagMode) -> Self {
        Self {
            contact_id: contact_id.to_string(),
            mode,
            input: line_input(""),
            selected: 0,
            error: None,
            bulk: Vec::new(),
        }
    }

    /// The prompt for the marked contacts.
    pub fn bulk(ids: Vec<String>, mode: TagMode) -> Self {
        let mut p = Self::new(ids.first().map_or("", String::as_str), mode);
        p.bulk = ids;
        p
    }

    /// The word being typed: after the last comma or space.
    pub fn current_word(&self) -> String {
        let text = text_of(&self.input);
        text.rsplit([',', ' '])
            .next()
            .unwrap_or("")
            .trim()
            .to_string()
    }

    /// Every tag typed, split on commas and spaces.
    pub fn tags(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for t in text_of(&self.input).split([',', ' ']) {
            let t = t.trim();
            if !t.is_empty() && !out.iter().any(|o| o == t) {
                out.push(t.to_string());
            }
        }
        out
    }
}

/// Tag suggestions for the prompt: location tags (add) or the contact's
/// own (remove) that start with, then contain, the word being typed.
pub fn tag_suggestions(s: &State, p: &TagPrompt) -> Vec<String> {
    let word = search::fold(&p.current_word());
    // In bulk: what any of them has (to remove), nothing to leave out (to add).
    let have = if p.bulk.is_empty() {
        s.tags_of(&p.contact_id)
    } else if p.mode == TagMode::Remove {
        let mut all: Vec<String> = Vec::new();
        for id in &p.bulk {
            for t in s.tags_of(id) {
                if !all.iter().any(|a| a.eq_ignore_ascii_case(&t)) {
                    all.push(t);
                }
            }
        }
        all
    } else {
        Vec::new()
    };
    let pool: Vec<String> = match p.mode {
        TagMode::Add => s
            .location_tags
            .loaded()
            .map(|t| {
                t.iter()
                    .map(|t| t.name.clone())
                    .filter(|n| !have.contains(n))
                    .collect()
            })
            .unwrap_or_default(),
        TagMode::Remove => have,
    };
    let mut prefix: Vec<String> = pool
        .iter()
        .filter(|t| search::fold(t).starts_with(&word))
        .cloned()
        .collect();
    let contains = pool.iter().filter(|t| {
        let f = search::fold(t);
        !f.starts_with(&word) && f.contains(&word)
    });
    prefix.extend(contains.cloned());
    prefix
}

pub(crate) fn tag_key(
    s: &mut State,
    mut p: TagPrompt,
    k: KeyEvent,
    out: &mut Vec<Command>,
) -> Option<Overlay> {
    let suggestions = tag_suggestions(s, &p);
    match k.code {
        KeyCode::Esc => return None,
        KeyCode::Down => p.selected = (p.selected + 1).min(suggestions.len().saturating_sub(1)),
        KeyCode::Up => p.selected = p.selected.saturating_sub(1),
        KeyCode::Tab => {
            if let Some(choice) = suggestions.get(p.selected) {
                let text = text_of(&p.input);
                // Everything up to the word being typed (split as
                // `current_word` splits, so the cut is on a char boundary).
                let keep = text.rfind([',', ' ']).map_or(0, |i| i + 1);
                let mut new = text[..keep].to_string();
                new.push_str(choice);
                new.push(' ');
                p.input = forms::line_input(&new);
                p.selected = 0;
            }
        }
        KeyCode::Enter => {
            let mut tags = p.tags();
            if tags.is_empty()
                && let Some(choice) = suggestions.get(p.selected)
            {
                tags.push(choice.clone());
            }
            if tags.is_empty() {
                p.error = Some("Type a tag first.".into());
                return Some(Overlay::Tags(Box::new(p)));
            }
            if !p.bulk.is_empty() {
                let ids = std::mem::take(&mut p.bulk);
                s.bulk_tags(&ids, p.mode, &tags, true, out);
                return None;
            }
            if p.mode == TagMode::Remove {
                let have = s.tags_of(&p.contact_id);
                let unknown: Vec<&String> = tags
                    .iter()
                    .filter(|t| !have.iter().any(|h| h.eq_ignore_ascii_case(t)))
                    .collect();
                if !unknown.is_empty() {
                    p.error = Some(format!(
                        "Not on this contact: {}",
                        unknown
                            .iter()
                            .map(|s| s.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ));
                    return Some(Overlay::Tags(Box::new(p)));
                }
            }
            let cid = p.contact_id.clone();
            change_tags(s, out, &cid, p.mode, tags, true);
            return None;
        }
        _ => {
            if forms::edit_line(&mut p.input, k) {
                p.selected = 0;
                p.error = None;
            }
        }
    }
    Some(Overlay::Tags(Box::new(p)))
}

/// What the tag prompt waits for: the location's tags, for completion, or
/// a contact's tags changed.
#[derive(Debug, Clone)]
pub(crate) enum TagWait {
    Location,
    Change {
        contact_id: String,
        before: Vec<String>,
        /// The undo entry this change recorded, if it did.
        undo: Option<Undo>,
    },
}

pub(crate) fn tag_answer(
    s: &mut State,
    w: TagWait,
    r: Result<ApiResponse, ApiError>,
    out: &mut Vec<Command>,
) {
    match (w, r) {
        (TagWait::Location, Ok(ApiResponse::LocationTags(t))) => {
            if s.local.enabled {
                out.push(Command::Store(Box::new(StoreWrite::LocationTags(
                    t.clone(),
                ))));
            }
            s.location_tags = Remote::Loaded(t)
        }
        (TagWait::Location, Err(err)) => s.location_tags = Remote::Failed(err.to_string()),
        (TagWait::Change { contact_id, .. }, Ok(ApiResponse::Tags(tags))) => {
            s.set_tags(&contact_id, tags)
        }
        (
            TagWait::Change {
                contact_id,
                before,
                undo,
            },
            Err(err),
        ) => {
            s.set_tags(&contact_id, before);
            // What failed cannot be undone: its entry goes too.
            if let Some(u) = undo
                && let Some(i) = s.undo.iter().rposition(|x| *x == u)
            {
                s.undo.remove(i);
            }
            s.set_error("Could not change the tags (rolled back)", &err);
        }
        (w, r) => tracing::warn!(?w, ?r, "unexpected answer"),
    }
}
