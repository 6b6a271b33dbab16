//! The overlays that take input: task form, note editor, tag prompt, and the
//! confirmation dialog. Each is plain state plus the text areas it edits.

use ratatui_textarea::TextArea;

use crate::api::model::{Note, Task};

/// A one-line text input.
pub fn line_input(initial: &str) -> TextArea<'static> {
    let mut t = TextArea::new(vec![initial.to_string()]);
    t.move_cursor(ratatui_textarea::CursorMove::End);
    t
}

pub fn text_of(t: &TextArea<'_>) -> String {
    t.lines().join("\n")
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaskField {
    Title,
    Due,
    Body,
}

impl TaskField {
    pub fn next(self) -> Self {
        match self {
            TaskField::Title => TaskField::Due,
            TaskField::Due => TaskField::Body,
            TaskField::Body => TaskField::Title,
        }
    }

    pub fn prev(self) -> Self {
        self.next().next()
    }
}

#[derive(Debug, Clone)]
pub struct TaskForm {
    pub contact_id: String,
    /// The task being edited; `None` for a new one.
    pub editing: Option<Task>,
    pub title: TextArea<'static>,
    pub due: TextArea<'static>,
    pub body: TextArea<'static>,
    pub field: TaskField,
    pub error: Option<String>,
    /// The suggested due date is replaced, not appended to, by the first
    /// character typed into it (as if it were selected).
    pub due_untouched: bool,
}

impl TaskForm {
    pub fn new(contact_id: &str) -> Self {
        Self {
            contact_id: contact_id.to_string(),
            editing: None,
            title: line_input(""),
            due: line_input("tomorrow"),
            body: line_input(""),
            field: TaskField::Title,
            error: None,
            due_untouched: true,
        }
    }

    pub fn edit(contact_id: &str, task: &Task, due_text: &str) -> Self {
        Self {
            contact_id: contact_id.to_string(),
            title: line_input(task.title.as_deref().unwrap_or("")),
            due: line_input(due_text),
            body: line_input(task.body.as_deref().unwrap_or("")),
            editing: Some(task.clone()),
            field: TaskField::Title,
            error: None,
            due_untouched: true,
        }
    }

    pub fn focused(&mut self) -> &mut TextArea<'static> {
        match self.field {
            TaskField::Title => &mut self.title,
            TaskField::Due => &mut self.due,
            TaskField::Body => &mut self.body,
        }
    }
}

#[derive(Debug, Clone)]
pub struct NoteEditor {
    pub contact_id: String,
    pub editing: Option<Note>,
    pub body: TextArea<'static>,
    /// Esc on unsaved text asks once more before discarding it.
    pub confirm_discard: bool,
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
        }
    }
}

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
}

impl TagPrompt {
    pub fn new(contact_id: &str, mode: TagMode) -> Self {
        Self {
            contact_id: contact_id.to_string(),
            mode,
            input: line_input(""),
            selected: 0,
            error: None,
        }
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

/// What a confirmation dialog will do on "yes".
#[derive(Debug, Clone, PartialEq)]
pub enum ConfirmAction {
    DeleteTask { contact_id: String, task: Task },
    DeleteNote { contact_id: String, note: Note },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Confirm {
    pub message: String,
    pub action: ConfirmAction,
}
