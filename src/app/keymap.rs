//! Keys to actions. The table is data: the help overlay is generated from
//! it, so help cannot drift from the bindings.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    Quit,
    Help,
    Search,
    Down,
    Up,
    Top,
    Bottom,
    PageDown,
    PageUp,
    Open,
    Back,
    NextPane,
    Today,
    Refresh,
    NewTask,
    Edit,
    Yank,
    OpenWeb,
    Palette,
    NewContact,
    DeleteContact,
    ToggleTask,
    Delete,
    AddTag,
    RemoveTag,
    NewNote,
    Undo,
    ToggleMore,
    DismissError,
}

/// Where a binding applies, as the help overlay groups them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Context {
    Global,
    List,
    Detail,
}

impl Context {
    pub fn title(self) -> &'static str {
        match self {
            Context::Global => "Everywhere",
            Context::List => "Contact list",
            Context::Detail => "Detail pane and Today view",
        }
    }
}

pub struct Binding {
    pub keys: &'static [&'static str],
    pub action: Action,
    pub context: Context,
    pub help: &'static str,
}

/// The default keymap. Keys are written as the help shows them.
pub const BINDINGS: &[Binding] = &[
    Binding {
        keys: &["q", "ctrl-c"],
        action: Action::Quit,
        context: Context::Global,
        help: "quit",
    },
    Binding {
        keys: &["?"],
        action: Action::Help,
        context: Context::Global,
        help: "this help",
    },
    Binding {
        keys: &["/"],
        action: Action::Search,
        context: Context::Global,
        help: "search: #tag email:",
    },
    Binding {
        keys: &["T"],
        action: Action::Today,
        context: Context::Global,
        help: "today's due tasks",
    },
    Binding {
        keys: &["r"],
        action: Action::Refresh,
        context: Context::Global,
        help: "refresh",
    },
    Binding {
        keys: &["u"],
        action: Action::Undo,
        context: Context::Global,
        help: "undo last change",
    },
    Binding {
        keys: &["ctrl-l"],
        action: Action::DismissError,
        context: Context::Global,
        help: "dismiss the error",
    },
    Binding {
        keys: &["j", "down"],
        action: Action::Down,
        context: Context::Global,
        help: "move down",
    },
    Binding {
        keys: &["k", "up"],
        action: Action::Up,
        context: Context::Global,
        help: "move up",
    },
    Binding {
        keys: &["g", "home"],
        action: Action::Top,
        context: Context::Global,
        help: "first",
    },
    Binding {
        keys: &["G", "end"],
        action: Action::Bottom,
        context: Context::Global,
        help: "last",
    },
    Binding {
        keys: &["ctrl-d", "pagedown"],
        action: Action::PageDown,
        context: Context::Global,
        help: "page down",
    },
    Binding {
        keys: &["ctrl-u", "pageup"],
        action: Action::PageUp,
        context: Context::Global,
        help: "page up",
    },
    Binding {
        keys: &["tab"],
        action: Action::NextPane,
        context: Context::Global,
        help: "switch pane",
    },
    Binding {
        keys: &["enter", "l", "right"],
        action: Action::Open,
        context: Context::List,
        help: "open the contact",
    },
    Binding {
        keys: &["e"],
        action: Action::Edit,
        context: Context::Global,
        help: "edit contact or item",
    },
    Binding {
        keys: &["y"],
        action: Action::Yank,
        context: Context::Global,
        help: "copy email/phone/id",
    },
    Binding {
        keys: &["o"],
        action: Action::OpenWeb,
        context: Context::Global,
        help: "open in the web app",
    },
    Binding {
        keys: &[":"],
        action: Action::Palette,
        context: Context::Global,
        help: "command palette",
    },
    Binding {
        keys: &["c"],
        action: Action::NewContact,
        context: Context::Global,
        help: "new contact",
    },
    Binding {
        keys: &["D"],
        action: Action::DeleteContact,
        context: Context::Global,
        help: "delete contact (asks)",
    },
    Binding {
        keys: &["enter"],
        action: Action::Open,
        context: Context::Detail,
        help: "Today: go to contact",
    },
    Binding {
        keys: &["esc", "h", "left"],
        action: Action::Back,
        context: Context::Detail,
        help: "back to the list",
    },
    Binding {
        keys: &["t"],
        action: Action::NewTask,
        context: Context::Detail,
        help: "new task",
    },
    Binding {
        keys: &["x", "space"],
        action: Action::ToggleTask,
        context: Context::Detail,
        help: "complete / reopen",
    },
    Binding {
        keys: &["d"],
        action: Action::Delete,
        context: Context::Detail,
        help: "delete (asks first)",
    },
    Binding {
        keys: &["+"],
        action: Action::AddTag,
        context: Context::Detail,
        help: "add tags",
    },
    Binding {
        keys: &["-"],
        action: Action::RemoveTag,
        context: Context::Detail,
        help: "remove a tag",
    },
    Binding {
        keys: &["n"],
        action: Action::NewNote,
        context: Context::Detail,
        help: "new note",
    },
    Binding {
        keys: &["m"],
        action: Action::ToggleMore,
        context: Context::Detail,
        help: "more fields",
    },
];

/// The key as the table writes it ("ctrl-d", "G", "enter").
pub fn key_name(k: &KeyEvent) -> Option<String> {
    let base = match k.code {
        KeyCode::Char(' ') => "space".to_string(),
        KeyCode::Char(c) => c.to_string(),
        KeyCode::Enter => "enter".into(),
        KeyCode::Esc => "esc".into(),
        KeyCode::Tab => "tab".into(),
        KeyCode::BackTab => "backtab".into(),
        KeyCode::Up => "up".into(),
        KeyCode::Down => "down".into(),
        KeyCode::Left => "left".into(),
        KeyCode::Right => "right".into(),
        KeyCode::Home => "home".into(),
        KeyCode::End => "end".into(),
        KeyCode::PageUp => "pageup".into(),
        KeyCode::PageDown => "pagedown".into(),
        KeyCode::Backspace => "backspace".into(),
        KeyCode::Delete => "delete".into(),
        _ => return None,
    };
    if k.modifiers.contains(KeyModifiers::CONTROL) {
        Some(format!("ctrl-{base}"))
    } else if k.modifiers.contains(KeyModifiers::ALT) {
        Some(format!("alt-{base}"))
    } else {
        Some(base)
    }
}

/// The action bound to a key in a context (global bindings apply everywhere).
pub fn action_for(k: &KeyEvent, context: Context) -> Option<Action> {
    let name = key_name(k)?;
    BINDINGS
        .iter()
        .filter(|b| b.context == Context::Global || b.context == context)
        .find(|b| b.keys.contains(&name.as_str()))
        .map(|b| b.action)
}

/// The first key of an action, for hints.
pub fn key_for(action: Action) -> &'static str {
    BINDINGS
        .iter()
        .find(|b| b.action == action)
        .and_then(|b| b.keys.first())
        .copied()
        .unwrap_or("?")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_key_is_bound_twice_in_one_context() {
        for a in BINDINGS {
            for b in BINDINGS {
                if std::ptr::eq(a, b) {
                    continue;
                }
                let overlap = a.context == b.context
                    || a.context == Context::Global
                    || b.context == Context::Global;
                if overlap {
                    for k in a.keys {
                        assert!(
                            !b.keys.contains(k),
                            "{k} is bound to {:?} and {:?}",
                            a.action,
                            b.action
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn keys_resolve() {
        let ctrl_d = KeyEvent::new(KeyCode::Char('d'), KeyModifiers::CONTROL);
        assert_eq!(action_for(&ctrl_d, Context::List), Some(Action::PageDown));
        let d = KeyEvent::new(KeyCode::Char('d'), KeyModifiers::NONE);
        assert_eq!(action_for(&d, Context::Detail), Some(Action::Delete));
        assert_eq!(action_for(&d, Context::List), None);
        let shift_g = KeyEvent::new(KeyCode::Char('G'), KeyModifiers::SHIFT);
        assert_eq!(action_for(&shift_g, Context::List), Some(Action::Bottom));
    }
}
