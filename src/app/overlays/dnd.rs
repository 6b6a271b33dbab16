//! The do-not-disturb panel: the contact's DND per channel (`dndSettings`:
//! Call, Email, SMS, WhatsApp, GMB, FB) with its status and message, and
//! all of them at once; space toggles, enter sends the change with
//! PUT /contacts/{id} (`dnd` and `dndSettings`), esc leaves it as it was.

use serde_json::{Map, Value, json};

use crate::api::model::DND_CHANNELS;
use crate::app::*;

/// One channel's setting, as the panel shows and edits it.
#[derive(Debug, Clone, PartialEq)]
pub struct DndRow {
    pub channel: String,
    /// `active` (do not disturb), `inactive`, or `permanent` (set by
    /// HighLevel, e.g. after a STOP; rolo never lifts it).
    pub status: String,
    pub message: Option<String>,
    /// The setting as it came, with what rolo does not model (`code`).
    raw: Map<String, Value>,
}

#[derive(Debug, Clone)]
pub struct DndPanel {
    pub contact: Box<Contact>,
    pub rows: Vec<DndRow>,
    /// 0 is "all channels", then the rows.
    pub cursor: usize,
    initial: Vec<String>,
}

impl DndPanel {
    pub fn new(c: &Contact) -> Self {
        let settings = match c.extra.get("dndSettings") {
            Some(Value::Object(m)) => m,
            _ => Map::new(),
        };
        let all = c.dnd == Some(true);
        let rows: Vec<DndRow> = DND_CHANNELS
            .iter()
            .map(|ch| {
                let raw = match settings.get(*ch) {
                    Some(Value::Object(m)) => m.clone(),
                    _ => Map::new(),
                };
                let status = match raw.get("status").and_then(Value::as_str) {
                    Some(s @ ("active" | "inactive" | "permanent")) => s.to_string(),
                    // `dnd: true` with no channel settings: all are off limits.
                    _ if all => "active".into(),
                    _ => "inactive".into(),
                };
                let message = raw
                    .get("message")
                    .and_then(Value::as_str)
                    .map(str::trim)
                    .filter(|m| !m.is_empty())
                    .map(str::to_string);
                DndRow {
                    channel: ch.to_string(),
                    status,
                    message,
                    raw,
                }
            })
            .collect();
        let initial = rows.iter().map(|r| r.status.clone()).collect();
        DndPanel {
            contact: Box::new(c.clone()),
            rows,
            cursor: 0,
            initial,
        }
    }

    pub fn changed(&self) -> bool {
        self.rows.iter().map(|r| &r.status).ne(self.initial.iter())
    }

    /// Whether every channel is off limits.
    pub fn all_on(&self) -> bool {
        self.rows.iter().all(|r| r.status != "inactive")
    }

    /// Space: the channel under the cursor on or off; on "all channels",
    /// all of them (on unless all already are). A permanent one stays.
    pub fn toggle(&mut self) {
        let flip = |r: &mut DndRow, on: bool| {
            if r.status != "permanent" {
                r.status = if on { "active" } else { "inactive" }.into();
            }
        };
        match self.cursor.checked_sub(1) {
            None => {
                let on = !self.all_on();
                self.rows.iter_mut().for_each(|r| flip(r, on));
            }
            Some(i) => {
                if let Some(r) = self.rows.get_mut(i) {
                    let on = r.status == "inactive";
                    flip(r, on);
                }
            }
        }
    }

    /// The contact with the panel's settings: `dnd` true when every
    /// channel is off limits, each channel's `status` set, its message
    /// and code kept.
    pub fn apply(&self) -> Contact {
        let mut c = (*self.contact).clone();
        let mut settings = match c.extra.get("dndSettings") {
            Some(Value::Object(m)) => m,
            _ => Map::new(),
        };
        for r in &self.rows {
            let mut v = r.raw.clone();
            v.insert("status".into(), json!(r.status));
            settings.insert(r.channel.clone(), Value::Object(v));
        }
        c.extra.insert("dndSettings", Value::Object(settings));
        c.dnd = Some(self.all_on());
        c
    }
}

/// `!`: the panel for the contact in view (its whole record is needed).
pub(crate) fn open_dnd(s: &mut State) {
    let Some(cid) = s.target_contact() else {
        return;
    };
    if !s.may_edit_pending(&cid) {
        return;
    }
    match s.detail.contact.loaded() {
        Some(full) if full.id == cid => {
            s.overlay = Some(Overlay::Dnd(Box::new(DndPanel::new(full))));
        }
        _ => s.notice = Some("The contact is still loading; press ! again in a moment.".into()),
    }
}

pub(crate) fn dnd_key(
    s: &mut State,
    mut p: Box<DndPanel>,
    k: KeyEvent,
    out: &mut Vec<Command>,
) -> Option<Overlay> {
    let last = p.rows.len();
    match k.code {
        KeyCode::Esc | KeyCode::Char('q') => return None,
        KeyCode::Down | KeyCode::Char('j') | KeyCode::Tab => p.cursor = (p.cursor + 1).min(last),
        KeyCode::Up | KeyCode::Char('k') | KeyCode::BackTab => {
            p.cursor = p.cursor.saturating_sub(1)
        }
        KeyCode::Char(' ') | KeyCode::Char('x') => p.toggle(),
        KeyCode::Enter => {
            if !p.changed() {
                s.notice = Some("No changes.".into());
                return None;
            }
            let before = (*p.contact).clone();
            let after = p.apply();
            let update = ContactUpdate::diff(&before, &after);
            let base = ContactUpdate::diff(&after, &before);
            s.notice = Some(format!(
                "Do not disturb: {}.",
                if after.dnd == Some(true) {
                    "all channels".to_string()
                } else {
                    let on: Vec<&str> = p
                        .rows
                        .iter()
                        .filter(|r| r.status != "inactive")
                        .map(|r| r.channel.as_str())
                        .collect();
                    if on.is_empty() {
                        "none".into()
                    } else {
                        on.join(", ")
                    }
                }
            ));
            s.edit_contact(before, after.clone(), after, update, Some(base), None, out);
            return None;
        }
        _ => {}
    }
    Some(Overlay::Dnd(p))
}
