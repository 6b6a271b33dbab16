//! What the overlays' inputs share: a one-line text input and its text.
//! Each overlay's own state lives in its room under `overlays/`; the
//! names are re-exported here for the code that reached them this way.

use ratatui_textarea::TextArea;

/// A one-line text input.
pub fn line_input(initial: &str) -> TextArea<'static> {
    let mut t = TextArea::new(vec![initial.to_string()]);
    t.move_cursor(ratatui_textarea::CursorMove::End);
    t
}

pub fn text_of(t: &TextArea<'_>) -> String {
    t.lines().join("\n")
}

pub use super::overlays::{
    Confirm, ConfirmAction, ContactForm, ContactInput, NoteEditor, Palette, TagMode, TagPrompt,
    TaskField, TaskForm,
};
