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

/// Types a key into a one-line input; control characters and new lines
/// are refused. Whether the text changed.
pub fn edit_line(t: &mut TextArea<'static>, k: crossterm::event::KeyEvent) -> bool {
    use crossterm::event::KeyCode;
    match k.code {
        KeyCode::Enter => false,
        // As in a shell: ctrl-u clears back to the start of the line.
        KeyCode::Char('u')
            if k.modifiers
                .contains(crossterm::event::KeyModifiers::CONTROL) =>
        {
            t.delete_line_by_head()
        }
        KeyCode::Char(c) if crate::text::is_unsafe(c) => false,
        _ => t.input(k),
    }
}

pub use super::overlays::{
    Confirm, ConfirmAction, ContactForm, ContactInput, NoteEditor, Palette, TagMode, TagPrompt,
    TaskField, TaskForm,
};
