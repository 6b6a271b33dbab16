//! The overlays that take input: task form, note editor, tag prompt, and the
//! confirmation dialog. Each is plain state plus the text areas it edits.

use ratatui_textarea::TextArea;

use crate::api::model::{Contact, Note, Task};

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
    /// Esc (or ctrl-c) on typed text asks once more before losing it.
    pub confirm_discard: bool,
    initial: String,
}

impl TaskForm {
    fn snapshot(&self) -> String {
        [&self.title, &self.due, &self.body]
            .map(text_of)
            .join("\u{0}")
    }

    /// Whether anything was typed since the form opened.
    pub fn unsaved(&self) -> bool {
        self.snapshot() != self.initial
    }

    fn ready(mut self) -> Self {
        self.initial = self.snapshot();
        self
    }

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
            confirm_discard: false,
            initial: String::new(),
        }
        .ready()
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
            confirm_discard: false,
            initial: String::new(),
        }
        .ready()
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
    DeleteContact {
        contact: Box<Contact>,
    },
    DeleteTask {
        contact_id: String,
        task: Task,
    },
    DeleteNote {
        contact_id: String,
        note: Note,
    },
    /// Drop an edit from the outbox.
    DiscardEdit {
        seq: i64,
        description: String,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Confirm {
    pub message: String,
    pub action: ConfirmAction,
}

/// The fields of the contact form, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContactInput {
    FirstName,
    LastName,
    Email,
    Phone,
    /// Only on create: API v2's UpdateContactDto has no `companyName`.
    Company,
    Address1,
    City,
    State,
    PostalCode,
    Country,
    Website,
}

impl ContactInput {
    pub fn label(self) -> &'static str {
        match self {
            ContactInput::FirstName => "First name",
            ContactInput::LastName => "Last name",
            ContactInput::Email => "Email",
            ContactInput::Phone => "Phone",
            ContactInput::Company => "Company",
            ContactInput::Address1 => "Address",
            ContactInput::City => "City",
            ContactInput::State => "State",
            ContactInput::PostalCode => "Postal code",
            ContactInput::Country => "Country",
            ContactInput::Website => "Website",
        }
    }

    fn get(self, c: &Contact) -> Option<&str> {
        match self {
            ContactInput::FirstName => c.first_name.as_deref(),
            ContactInput::LastName => c.last_name.as_deref(),
            ContactInput::Email => c.email.as_deref(),
            ContactInput::Phone => c.phone.as_deref(),
            ContactInput::Company => c.company_name.as_deref(),
            ContactInput::Address1 => c.address1.as_deref(),
            ContactInput::City => c.city.as_deref(),
            ContactInput::State => c.state.as_deref(),
            ContactInput::PostalCode => c.postal_code.as_deref(),
            ContactInput::Country => c.country.as_deref(),
            ContactInput::Website => c.website.as_deref(),
        }
    }

    fn set(self, c: &mut Contact, v: Option<String>) {
        let slot = match self {
            ContactInput::FirstName => &mut c.first_name,
            ContactInput::LastName => &mut c.last_name,
            ContactInput::Email => &mut c.email,
            ContactInput::Phone => &mut c.phone,
            ContactInput::Company => &mut c.company_name,
            ContactInput::Address1 => &mut c.address1,
            ContactInput::City => &mut c.city,
            ContactInput::State => &mut c.state,
            ContactInput::PostalCode => &mut c.postal_code,
            ContactInput::Country => &mut c.country,
            ContactInput::Website => &mut c.website,
        };
        *slot = v;
    }

    /// An inline problem with the value, if any.
    pub fn check(self, v: &str) -> Option<&'static str> {
        let v = v.trim();
        match self {
            _ if v.is_empty() => None,
            ContactInput::Email if !crate::input::is_email(v) => Some("not a valid email address"),
            ContactInput::Phone if !crate::input::is_phone(v) => {
                Some("7 to 15 digits; + ( ) - . and spaces allowed")
            }
            _ => None,
        }
    }
}

#[derive(Debug, Clone)]
pub struct ContactForm {
    /// The contact being edited; `None` creates one.
    pub editing: Option<Contact>,
    pub inputs: Vec<(ContactInput, TextArea<'static>)>,
    pub focus: usize,
    pub error: Option<String>,
    /// Esc (or ctrl-c) on typed text asks once more before losing it.
    pub confirm_discard: bool,
    /// Each input's text as the form opened.
    initial: Vec<String>,
}

impl ContactForm {
    fn snapshot(&self) -> Vec<String> {
        self.inputs.iter().map(|(_, t)| text_of(t)).collect()
    }

    /// Whether anything was typed since the form opened.
    pub fn unsaved(&self) -> bool {
        self.snapshot() != self.initial
    }

    pub fn new(editing: Option<&Contact>) -> Self {
        let mut kinds = vec![
            ContactInput::FirstName,
            ContactInput::LastName,
            ContactInput::Email,
            ContactInput::Phone,
            // Editable too: HighLevel's PUT takes companyName, though the
            // spec's DTO leaves it out (highlevel-api-docs#314).
            ContactInput::Company,
        ];
        kinds.extend([
            ContactInput::Address1,
            ContactInput::City,
            ContactInput::State,
            ContactInput::PostalCode,
            ContactInput::Country,
            ContactInput::Website,
        ]);
        let inputs = kinds
            .into_iter()
            .map(|k| (k, line_input(editing.and_then(|c| k.get(c)).unwrap_or(""))))
            .collect();
        let mut f = Self {
            editing: editing.cloned(),
            inputs,
            focus: 0,
            error: None,
            confirm_discard: false,
            initial: Vec::new(),
        };
        f.initial = f.snapshot();
        f
    }

    pub fn value(&self, k: ContactInput) -> Option<String> {
        self.inputs
            .iter()
            .find(|(kind, _)| *kind == k)
            .map(|(_, t)| text_of(t).trim().to_string())
            .filter(|v| !v.is_empty())
    }

    /// The first field with a problem, and the problem.
    pub fn first_problem(&self) -> Option<(usize, &'static str)> {
        self.inputs
            .iter()
            .enumerate()
            .find_map(|(i, (k, t))| k.check(&text_of(t)).map(|p| (i, p)))
    }

    /// `base` with the form's values applied.
    /// `base` with the fields the user changed: an input left as it was
    /// opened keeps the contact's value exactly (untrimmed, unnormalized),
    /// so only what was typed is sent. `name` is HighLevel's to derive.
    pub fn apply(&self, base: &Contact) -> Contact {
        let mut c = base.clone();
        for (i, (k, t)) in self.inputs.iter().enumerate() {
            if self.initial.get(i).is_none_or(|was| *was != text_of(t)) {
                k.set(&mut c, self.value(*k));
            }
        }
        c
    }

    /// How `after` shows in the list until HighLevel answers: its name
    /// follows a changed first or last name.
    pub fn shown(before: &Contact, after: &Contact) -> Contact {
        let mut c = after.clone();
        if (before.first_name != after.first_name || before.last_name != after.last_name)
            && before.name.is_some()
        {
            let name = [c.first_name.as_deref(), c.last_name.as_deref()]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" ");
            c.name = (!name.is_empty()).then_some(name);
        }
        c
    }
}

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
