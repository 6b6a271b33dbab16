//! A custom field in the contact form: a line for text, numbers, money,
//! phones, emails and dates (typed as due dates are); a pick list for
//! options. Each checks its value by type and turns it into what the
//! spec's `customFields: [{id, field_value}]` carries.

use chrono::{DateTime, NaiveDate};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui_textarea::TextArea;
use serde_json::Value;

use crate::api::locations::{CustomField, FieldKind};
use crate::app::forms::{edit_line, line_input, text_of};
use crate::zone::Zone;

#[derive(Debug, Clone)]
pub enum Editor {
    Line(Box<TextArea<'static>>),
    /// The options, which are chosen, and the one under the cursor.
    Pick {
        options: Vec<String>,
        chosen: Vec<bool>,
        cursor: usize,
    },
    /// A type rolo does not edit: shown as it is, never sent.
    Fixed(String),
}

#[derive(Debug, Clone)]
pub struct FieldInput {
    pub def: CustomField,
    pub editor: Editor,
    /// The editor's state as the form opened (see [`FieldInput::state`]).
    initial: String,
}

impl FieldInput {
    /// The input for `def`, holding the contact's `value`.
    pub fn new(def: &CustomField, value: Option<&Value>) -> Self {
        let kind = def.kind();
        let editor = match kind {
            FieldKind::One | FieldKind::Many => {
                let mut options = def.options();
                let picked = value.map(|v| def.picked(v)).unwrap_or_default();
                // A stored choice that is no longer an option stays one.
                for p in &picked {
                    if !options.contains(p) {
                        options.push(p.clone());
                    }
                }
                let mut chosen: Vec<bool> = options.iter().map(|o| picked.contains(o)).collect();
                if kind == FieldKind::One {
                    // One choice: the first picked.
                    let first = chosen.iter().position(|c| *c);
                    chosen = (0..options.len()).map(|i| Some(i) == first).collect();
                }
                let cursor = chosen.iter().position(|c| *c).unwrap_or(0);
                Editor::Pick {
                    options,
                    chosen,
                    cursor,
                }
            }
            FieldKind::Other => {
                Editor::Fixed(value.and_then(|v| def.format(v)).unwrap_or_default())
            }
            FieldKind::LargeText => {
                let text = match value {
                    Some(Value::String(s)) => s.clone(),
                    Some(Value::Null) | None => String::new(),
                    Some(other) => other.to_string(),
                };
                let mut t = TextArea::new(text.split('\n').map(str::to_string).collect());
                t.move_cursor(ratatui_textarea::CursorMove::Bottom);
                t.move_cursor(ratatui_textarea::CursorMove::End);
                Editor::Line(Box::new(t))
            }
            FieldKind::Date => Editor::Line(Box::new(line_input(
                &value.and_then(|v| def.format(v)).unwrap_or_default(),
            ))),
            _ => Editor::Line(Box::new(line_input(&match value {
                Some(Value::String(s)) => s.clone(),
                Some(Value::Null) | None => String::new(),
                Some(Value::Array(items)) => {
                    crate::api::model::custom_text(&Value::Array(items.clone()))
                }
                Some(other) => other.to_string(),
            }))),
        };
        let mut f = Self {
            def: def.clone(),
            editor,
            initial: String::new(),
        };
        f.initial = f.state();
        f
    }

    pub fn label(&self) -> &str {
        self.def.label()
    }

    pub fn editable(&self) -> bool {
        !matches!(self.editor, Editor::Fixed(_))
    }

    /// What the editor holds, to tell whether it changed.
    fn state(&self) -> String {
        match &self.editor {
            Editor::Line(t) => text_of(t),
            Editor::Pick {
                options, chosen, ..
            } => options
                .iter()
                .zip(chosen)
                .filter(|(_, c)| **c)
                .map(|(o, _)| o.as_str())
                .collect::<Vec<_>>()
                .join("\u{1f}"),
            Editor::Fixed(_) => String::new(),
        }
    }

    pub fn changed(&self) -> bool {
        self.state() != self.initial
    }

    /// Whether `k` is a new line typed into this input: alt-enter or
    /// ctrl-j, in a large text.
    pub fn takes_newline(&self, k: KeyEvent) -> bool {
        self.def.kind() == FieldKind::LargeText
            && ((k.code == KeyCode::Enter && k.modifiers.contains(KeyModifiers::ALT))
                || (k.code == KeyCode::Char('j') && k.modifiers.contains(KeyModifiers::CONTROL)))
    }

    /// Takes a key; whether it was this input's.
    /// Lines take typing; a pick list moves with ←/→ chooses
    /// with space, and jumps to the next option starting with a letter.
    pub fn key(&mut self, k: KeyEvent) -> bool {
        let multi = self.def.kind() == FieldKind::Many;
        let newline = self.takes_newline(k);
        match &mut self.editor {
            Editor::Line(t) if newline => {
                t.insert_newline();
                true
            }
            Editor::Line(t) => edit_line(t, k),
            Editor::Fixed(_) => false,
            Editor::Pick {
                options,
                chosen,
                cursor,
            } => {
                let n = options.len();
                if n == 0 {
                    return false;
                }
                match k.code {
                    KeyCode::Left => *cursor = cursor.checked_sub(1).unwrap_or(n - 1),
                    KeyCode::Right => *cursor = (*cursor + 1) % n,
                    KeyCode::Char(' ') => {
                        let on = !chosen[*cursor];
                        if !multi {
                            chosen.iter_mut().for_each(|c| *c = false);
                        }
                        chosen[*cursor] = on;
                    }
                    KeyCode::Backspace | KeyCode::Delete => {
                        chosen.iter_mut().for_each(|c| *c = false)
                    }
                    KeyCode::Char(c) if !c.is_control() => {
                        let c = crate::search::fold(&c.to_string());
                        let starts = |i: usize| crate::search::fold(&options[i]).starts_with(&c);
                        if let Some(i) = (1..=n).map(|d| (*cursor + d) % n).find(|i| starts(*i)) {
                            *cursor = i;
                        }
                    }
                    _ => return false,
                }
                true
            }
        }
    }

    /// The value to send, checked by type: a string, or a list for a
    /// multi-select; `Err` says what is wrong. `now` is in the user's zone,
    /// for dates typed as `fri` or `+2w`.
    pub fn value(&self, now: DateTime<Zone>) -> Result<Value, String> {
        let text = match &self.editor {
            Editor::Line(t) => text_of(t).trim().to_string(),
            Editor::Fixed(s) => return Ok(Value::String(s.clone())),
            Editor::Pick {
                options, chosen, ..
            } => {
                let picked: Vec<Value> = options
                    .iter()
                    .zip(chosen)
                    .filter(|(_, c)| **c)
                    .map(|(o, _)| Value::String(o.clone()))
                    .collect();
                return Ok(match self.def.kind() {
                    FieldKind::Many => Value::Array(picked),
                    _ => picked
                        .into_iter()
                        .next()
                        .unwrap_or(Value::String(String::new())),
                });
            }
        };
        if text.is_empty() {
            return Ok(Value::String(String::new()));
        }
        let ok = |s: String| Ok(Value::String(s));
        match self.def.kind() {
            FieldKind::Number => match crate::input::plain_number(&text) {
                Some(_) => ok(text.replace(',', "")),
                None => Err("a number, like 12 or 1,250.5".into()),
            },
            FieldKind::Money => {
                let t = text.trim_start_matches('$').trim();
                let t = t
                    .strip_prefix("-$")
                    .map_or(t.to_string(), |r| format!("-{r}"));
                match crate::input::plain_number(&t) {
                    Some(_) => ok(t.replace(',', "")),
                    None => Err("an amount, like 13500 or $1,250.50".into()),
                }
            }
            FieldKind::Phone if !crate::input::is_phone(&text) => {
                Err("7 to 15 digits; + ( ) - . and spaces allowed".into())
            }
            FieldKind::Email if !crate::input::is_email(&text) => {
                Err("not a valid email address".into())
            }
            FieldKind::Date => {
                date(&text, now).map(|d| Value::String(d.format("%Y-%m-%d").to_string()))
            }
            _ => ok(text),
        }
    }
}

/// A date as a person types it: `2026-12-04`, or anything a due date
/// takes (`fri`, `tomorrow`, `+2w`, `12-04`): its day in the user's zone.
pub fn date(text: &str, now: DateTime<Zone>) -> Result<NaiveDate, String> {
    if let Ok(d) = NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d") {
        return Ok(d);
    }
    let zone = now.timezone();
    crate::due::parse_due(text, now)
        .map(|t| t.with_timezone(&zone).date_naive())
        .map_err(|_| "a date: 2026-12-04, fri, tomorrow, +2w".to_string())
}
