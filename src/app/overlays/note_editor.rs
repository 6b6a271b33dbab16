//! The note editor.

use crate::app::forms::text_of;
use crate::app::*;
use ratatui_textarea::TextArea;

#[derive(Debug, Clone)]
pub struct NoteEditor {
    pub contact_id: String,
    pub editing: Option<Note>,
    pub body: TextArea<'static>,
    /// Esc on unsaved text asks once more before discarding it.
    pub confirm_discard: bool,
    /// A message to send rather than a note (and the thread to go back to).
    pub reply: Option<ReplyTo>,
}

impl NoteEditor {
    pub fn new(contact_id: &str, editing: Option<&Note>) -> Self {
        let lines: Vec<String> = editing
            .and_then(|n| n.body.as_deref())
            .map(|b| b.lines().map(str::to_string).collect())
            .unwrap_or_else(|| vec![String::new()]);
        let mut body = TextArea::new(if lines.is_empty() {
            vec![String::new()]
        } else {
            lines
        });
        body.move_cursor(ratatui_textarea::CursorMove::Bottom);
        body.move_cursor(ratatui_textarea::CursorMove::End);
        Self {
            contact_id: contact_id.to_string(),
            editing: editing.cloned(),
            body,
            confirm_discard: false,
            reply: None,
        }
    }

    /// Whether the text differs from what the editor opened with.
    pub fn unsaved(&self) -> bool {
        let text = text_of(&self.body);
        let was = self
            .editing
            .as_ref()
            .and_then(|e| e.body.clone())
            .unwrap_or_default();
        text != was && !text.trim().is_empty()
    }
}

pub(crate) fn note_key(
    s: &mut State,
    mut n: NoteEditor,
    k: KeyEvent,
    out: &mut Vec<Command>,
) -> Option<Overlay> {
    let text = text_of(&n.body);
    if k.code == KeyCode::Esc {
        if !n.unsaved() || n.confirm_discard {
            return n.reply.map(|r| Overlay::Thread(r.back));
        }
        n.confirm_discard = true;
        return Some(Overlay::Note(Box::new(n)));
    }
    n.confirm_discard = false;
    if k.code == KeyCode::Char('e') && k.modifiers.contains(KeyModifiers::CONTROL) {
        out.push(Command::Edit(text));
        return Some(Overlay::Note(Box::new(n)));
    }
    if !(k.code == KeyCode::Char('s') && k.modifiers.contains(KeyModifiers::CONTROL)) {
        n.body.input(k);
        return Some(Overlay::Note(Box::new(n)));
    }
    if text.trim().is_empty() {
        return Some(Overlay::Note(Box::new(n)));
    }
    let cid = n.contact_id.clone();
    if let Some(to) = n.reply.take() {
        s.send_reply(&to, &cid, text, out);
        return Some(Overlay::Thread(to.back));
    }
    let form = Box::new(n.clone());
    match n.editing {
        None => {
            let temp = s.temp_id();
            if s.detail.contact_id.as_deref() == Some(cid.as_str())
                && let Some(ns) = s.detail.notes.loaded_mut()
            {
                ns.push(Note {
                    id: temp.clone(),
                    body: Some(text.clone()),
                    date_added: Some(format_timestamp(s.now)),
                    contact_id: Some(cid.clone()),
                    ..Note::default()
                });
            }
            s.request(
                out,
                ApiOp::CreateNote {
                    contact_id: cid.clone(),
                    note: NewNote {
                        body: text,
                        ..NewNote::default()
                    },
                },
                Priority::Interactive,
                None,
                Purpose::Note(NoteWait::Create {
                    contact_id: cid,
                    temp_id: temp,
                    form,
                }),
            );
        }
        Some(before) => {
            if let Some(ns) = s.detail.notes.loaded_mut() {
                ns.iter_mut()
                    .filter(|x| x.id == before.id)
                    .for_each(|x| x.body = Some(text.clone()));
            }
            s.request(
                out,
                ApiOp::UpdateNote {
                    contact_id: cid.clone(),
                    note_id: before.id.clone(),
                    update: NoteUpdate {
                        body: Some(text),
                        ..NoteUpdate::default()
                    },
                },
                Priority::Interactive,
                None,
                Purpose::Note(NoteWait::Update {
                    contact_id: cid,
                    before,
                    form,
                }),
            );
        }
    }
    None
}

/// The writes of notes, and what to put back if one fails.
#[derive(Debug, Clone)]
pub(crate) enum NoteWait {
    Create {
        contact_id: String,
        temp_id: String,
        form: Box<NoteEditor>,
    },
    Update {
        contact_id: String,
        before: Note,
        form: Box<NoteEditor>,
    },
    Delete {
        contact_id: String,
        note: Note,
    },
}

pub(crate) fn note_answer(s: &mut State, w: NoteWait, r: Result<ApiResponse, ApiError>) {
    match (w, r) {
        (
            NoteWait::Create {
                contact_id,
                temp_id,
                ..
            },
            Ok(ApiResponse::Note(n)),
        ) => {
            if s.detail.contact_id.as_deref() == Some(contact_id.as_str())
                && let Some(ns) = s.detail.notes.loaded_mut()
            {
                ns.iter_mut()
                    .filter(|x| x.id == temp_id)
                    .for_each(|x| *x = n.clone());
            }
        }
        (
            NoteWait::Create {
                contact_id,
                temp_id,
                form,
            },
            Err(err),
        ) => {
            if s.detail.contact_id.as_deref() == Some(contact_id.as_str())
                && let Some(ns) = s.detail.notes.loaded_mut()
            {
                ns.retain(|x| x.id != temp_id);
            }
            s.keep_typed("note", Overlay::Note(form), &err);
        }
        (
            NoteWait::Update {
                contact_id,
                before,
                form,
            },
            r,
        ) => {
            if s.detail.contact_id.as_deref() == Some(contact_id.as_str())
                && let Some(ns) = s.detail.notes.loaded_mut()
            {
                match &r {
                    Ok(ApiResponse::Note(n)) => ns
                        .iter_mut()
                        .filter(|x| x.id == before.id)
                        .for_each(|x| *x = n.clone()),
                    _ => ns
                        .iter_mut()
                        .filter(|x| x.id == before.id)
                        .for_each(|x| *x = before.clone()),
                }
            }
            if let Err(err) = r {
                s.keep_typed("note", Overlay::Note(form), &err);
            }
        }
        (NoteWait::Delete { .. }, Ok(_)) => {}
        (NoteWait::Delete { contact_id, note }, Err(err)) => {
            if s.detail.contact_id.as_deref() == Some(contact_id.as_str())
                && let Some(ns) = s.detail.notes.loaded_mut()
            {
                ns.push(note);
            }
            s.set_error("Could not delete the note (restored)", &err);
        }
        (w, r) => tracing::warn!(?w, ?r, "unexpected answer"),
    }
}
