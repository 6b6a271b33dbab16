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
    Outbox,
    NewTask,
    Edit,
    Yank,
    OpenWeb,
    Palette,
    SwitchProfile,
    Everywhere,
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
    CancelWait,
    Assign,
    Mine,
    RecallSearch,
    ClearFilter,
    Dnd,
    Deals,
    AppointmentStatus,
    Book,
    Follow,
    ScrollDown,
    ScrollUp,
    Agenda,
    Board,
    NextDay,
    PrevDay,
    NextWeek,
    PrevWeek,
    GoToday,
    ColumnLeft,
    ColumnRight,
    StageNext,
    StagePrev,
    NextPipeline,
    OwnerFilter,
    Mark,
    MarkAll,
    InvertMarks,
    ClearMarks,
    Workflows,
    Campaigns,
    Export,
    Inbox,
    MarkRead,
    Thread,
}

/// Where a binding applies, as the help overlay groups them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Context {
    Global,
    List,
    Detail,
    Agenda,
    Board,
    Inbox,
}

impl Context {
    pub fn title(self) -> &'static str {
        match self {
            Context::Global => "Everywhere",
            Context::List => "Contact list",
            Context::Detail => "Detail pane and Today view",
            Context::Agenda => "Agenda",
            Context::Board => "Pipeline board",
            Context::Inbox => "Inbox",
        }
    }
}

/// One entry of the built-in table.
pub struct Default {
    pub keys: &'static [&'static str],
    pub action: Action,
    pub context: Context,
    pub help: &'static str,
}

/// A binding in force: the built-in one, or the user's override of its keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binding {
    pub keys: Vec<String>,
    pub action: Action,
    pub context: Context,
    pub help: &'static str,
}

/// The default keymap. Keys are written as the help shows them.
pub const DEFAULTS: &[Default] = &[
    Default {
        keys: &["q", "ctrl-c"],
        action: Action::Quit,
        context: Context::Global,
        help: "quit",
    },
    Default {
        keys: &["?"],
        action: Action::Help,
        context: Context::Global,
        help: "this help",
    },
    Default {
        keys: &["/"],
        action: Action::Search,
        context: Context::Global,
        help: "search: #tag email:",
    },
    Default {
        keys: &["T"],
        action: Action::Today,
        context: Context::Global,
        help: "today's due tasks",
    },
    Default {
        keys: &["A"],
        action: Action::Agenda,
        context: Context::Global,
        help: "agenda: the day's appointments",
    },
    Default {
        keys: &["B"],
        action: Action::Board,
        context: Context::Global,
        help: "pipeline board: deals by stage",
    },
    Default {
        keys: &["I"],
        action: Action::Inbox,
        context: Context::Global,
        help: "inbox: unread conversations",
    },
    Default {
        keys: &["S"],
        action: Action::Thread,
        context: Context::Global,
        help: "the contact's messages: read, send an SMS or email",
    },
    Default {
        keys: &["r"],
        action: Action::Refresh,
        context: Context::Global,
        help: "refresh",
    },
    Default {
        keys: &["O"],
        action: Action::Outbox,
        context: Context::Global,
        help: "outbox: edits not yet confirmed",
    },
    Default {
        keys: &["a"],
        action: Action::Assign,
        context: Context::Global,
        help: "assign the task or contact to someone",
    },
    Default {
        keys: &["J"],
        action: Action::ScrollDown,
        context: Context::Detail,
        help: "scroll the pane down (a long note or task body)",
    },
    Default {
        keys: &["K"],
        action: Action::ScrollUp,
        context: Context::Detail,
        help: "scroll the pane up",
    },
    Default {
        keys: &["F"],
        action: Action::Follow,
        context: Context::Global,
        help: "followers: add or take off one",
    },
    Default {
        keys: &["$"],
        action: Action::Deals,
        context: Context::Global,
        help: "deals: stage, won/lost, value, name",
    },
    Default {
        keys: &["b"],
        action: Action::Book,
        context: Context::Global,
        help: "book: a calendar, a free slot (or type fri 10am)",
    },
    Default {
        keys: &["s"],
        action: Action::AppointmentStatus,
        context: Context::Detail,
        help: "the appointment's status: confirmed, showed, no-show…",
    },
    Default {
        keys: &["!"],
        action: Action::Dnd,
        context: Context::Global,
        help: "do not disturb, per channel or all",
    },
    Default {
        keys: &["M"],
        action: Action::Mine,
        context: Context::Global,
        help: "mine / everyone (the profile's user)",
    },
    Default {
        keys: &["1", "2", "3", "4", "5", "6", "7", "8", "9"],
        action: Action::RecallSearch,
        context: Context::List,
        help: "recall saved search 1-9 (:save NAME saves one)",
    },
    Default {
        keys: &["0"],
        action: Action::ClearFilter,
        context: Context::List,
        help: "let go of the saved search and mine",
    },
    Default {
        keys: &["u"],
        action: Action::Undo,
        context: Context::Global,
        help: "undo last change",
    },
    Default {
        keys: &["ctrl-l"],
        action: Action::DismissError,
        context: Context::Global,
        help: "dismiss the error",
    },
    Default {
        keys: &["ctrl-g"],
        action: Action::CancelWait,
        context: Context::Global,
        help: "stop rate-limit wait",
    },
    Default {
        keys: &["j", "down"],
        action: Action::Down,
        context: Context::Global,
        help: "move down",
    },
    Default {
        keys: &["k", "up"],
        action: Action::Up,
        context: Context::Global,
        help: "move up",
    },
    Default {
        keys: &["g", "home"],
        action: Action::Top,
        context: Context::Global,
        help: "first",
    },
    Default {
        keys: &["G", "end"],
        action: Action::Bottom,
        context: Context::Global,
        help: "last",
    },
    Default {
        keys: &["ctrl-d", "pagedown"],
        action: Action::PageDown,
        context: Context::Global,
        help: "page down",
    },
    Default {
        keys: &["ctrl-u", "pageup"],
        action: Action::PageUp,
        context: Context::Global,
        help: "page up",
    },
    Default {
        keys: &["tab"],
        action: Action::NextPane,
        context: Context::Global,
        help: "switch pane",
    },
    Default {
        keys: &["enter", "l", "right"],
        action: Action::Open,
        context: Context::List,
        help: "open the contact",
    },
    Default {
        keys: &["e"],
        action: Action::Edit,
        context: Context::Global,
        help: "edit contact or item",
    },
    Default {
        keys: &["y"],
        action: Action::Yank,
        context: Context::Global,
        help: "copy email/phone/id",
    },
    Default {
        keys: &["o"],
        action: Action::OpenWeb,
        context: Context::Global,
        help: "open in the web app",
    },
    Default {
        keys: &["P"],
        action: Action::SwitchProfile,
        context: Context::Global,
        help: "switch profile",
    },
    Default {
        keys: &["ctrl-o"],
        action: Action::Everywhere,
        context: Context::Global,
        help: "search every location",
    },
    Default {
        keys: &[":"],
        action: Action::Palette,
        context: Context::Global,
        help: "command palette",
    },
    Default {
        keys: &["c"],
        action: Action::NewContact,
        context: Context::Global,
        help: "new contact",
    },
    Default {
        keys: &["D"],
        action: Action::DeleteContact,
        context: Context::Global,
        help: "delete contact (asks)",
    },
    Default {
        keys: &["enter"],
        action: Action::Open,
        context: Context::Detail,
        help: "Today: go to contact",
    },
    Default {
        keys: &["esc", "h", "left"],
        action: Action::Back,
        context: Context::Detail,
        help: "back to the list",
    },
    Default {
        keys: &["t"],
        action: Action::NewTask,
        context: Context::Global,
        help: "new task",
    },
    Default {
        keys: &["x", "space"],
        action: Action::ToggleTask,
        context: Context::Global,
        help: "complete / reopen",
    },
    Default {
        keys: &["d"],
        action: Action::Delete,
        context: Context::Global,
        help: "delete (asks first)",
    },
    Default {
        keys: &["+"],
        action: Action::AddTag,
        context: Context::Global,
        help: "add tags",
    },
    Default {
        keys: &["-"],
        action: Action::RemoveTag,
        context: Context::Global,
        help: "remove a tag",
    },
    Default {
        keys: &["n"],
        action: Action::NewNote,
        context: Context::Global,
        help: "new note",
    },
    Default {
        keys: &["w"],
        action: Action::Workflows,
        context: Context::Global,
        help: "put the contact (or the marked) in a workflow, or take them out",
    },
    Default {
        keys: &["C"],
        action: Action::Campaigns,
        context: Context::Global,
        help: "take the contact (or the marked) out of a campaign, or of all",
    },
    Default {
        keys: &["E"],
        action: Action::Export,
        context: Context::Global,
        help: "export the contact (or the marked) to a .vcf or .csv file",
    },
    Default {
        keys: &["m"],
        action: Action::ToggleMore,
        context: Context::Detail,
        help: "more fields",
    },
    Default {
        keys: &["v"],
        action: Action::Mark,
        context: Context::List,
        help: "mark / unmark the contact (then + - act on the marked)",
    },
    Default {
        keys: &["V"],
        action: Action::MarkAll,
        context: Context::List,
        help: "mark every contact the search shows (asks, with the count)",
    },
    Default {
        keys: &["~"],
        action: Action::InvertMarks,
        context: Context::List,
        help: "invert the marks among those the search shows",
    },
    Default {
        keys: &["U"],
        action: Action::ClearMarks,
        context: Context::List,
        help: "clear every mark",
    },
    Default {
        keys: &["enter"],
        action: Action::Open,
        context: Context::Agenda,
        help: "go to the appointment's contact",
    },
    Default {
        keys: &["esc"],
        action: Action::Back,
        context: Context::Agenda,
        help: "back to the list",
    },
    Default {
        keys: &["s"],
        action: Action::AppointmentStatus,
        context: Context::Agenda,
        help: "set the appointment's status",
    },
    Default {
        keys: &["]"],
        action: Action::NextDay,
        context: Context::Agenda,
        help: "next day",
    },
    Default {
        keys: &["["],
        action: Action::PrevDay,
        context: Context::Agenda,
        help: "previous day",
    },
    Default {
        keys: &["}"],
        action: Action::NextWeek,
        context: Context::Agenda,
        help: "a week on",
    },
    Default {
        keys: &["{"],
        action: Action::PrevWeek,
        context: Context::Agenda,
        help: "a week back",
    },
    Default {
        keys: &["."],
        action: Action::GoToday,
        context: Context::Agenda,
        help: "back to today",
    },
    Default {
        keys: &["enter"],
        action: Action::Open,
        context: Context::Inbox,
        help: "read the thread (r, s, m reply there)",
    },
    Default {
        keys: &["R"],
        action: Action::MarkRead,
        context: Context::Inbox,
        help: "mark read, and on to the next",
    },
    Default {
        keys: &["esc"],
        action: Action::Back,
        context: Context::Inbox,
        help: "back to the list",
    },
    Default {
        keys: &["enter"],
        action: Action::Open,
        context: Context::Board,
        help: "go to the deal's contact",
    },
    Default {
        keys: &["esc"],
        action: Action::Back,
        context: Context::Board,
        help: "back to the list",
    },
    Default {
        keys: &["h", "left"],
        action: Action::ColumnLeft,
        context: Context::Board,
        help: "stage to the left",
    },
    Default {
        keys: &["l", "right"],
        action: Action::ColumnRight,
        context: Context::Board,
        help: "stage to the right",
    },
    Default {
        keys: &[">"],
        action: Action::StageNext,
        context: Context::Board,
        help: "move the deal to the next stage",
    },
    Default {
        keys: &["<"],
        action: Action::StagePrev,
        context: Context::Board,
        help: "move the deal to the previous stage",
    },
    Default {
        keys: &["p"],
        action: Action::NextPipeline,
        context: Context::Board,
        help: "next pipeline",
    },
    Default {
        keys: &["@"],
        action: Action::OwnerFilter,
        context: Context::Board,
        help: "owner filter: everyone, each owner, unassigned",
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

impl Action {
    /// The name the config file uses: `new_task`, `toggle_task`…
    pub fn name(self) -> String {
        let debug = format!("{self:?}");
        let mut out = String::new();
        for (i, c) in debug.chars().enumerate() {
            if c.is_ascii_uppercase() && i > 0 {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        }
        out
    }

    pub fn from_name(name: &str) -> Option<Action> {
        DEFAULTS.iter().map(|d| d.action).find(|a| a.name() == name)
    }
}

/// Whether `name` is a key the keymap can match ("x", "ctrl-d", "enter").
pub fn valid_key(name: &str) -> bool {
    const NAMED: &[&str] = &[
        "space",
        "enter",
        "esc",
        "tab",
        "backtab",
        "up",
        "down",
        "left",
        "right",
        "home",
        "end",
        "pageup",
        "pagedown",
        "backspace",
        "delete",
    ];
    let base = name
        .strip_prefix("ctrl-")
        .or_else(|| name.strip_prefix("alt-"))
        .unwrap_or(name);
    base.chars().count() == 1 && !base.starts_with(char::is_whitespace) || NAMED.contains(&base)
}

/// The meaning of keys typed so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lookup {
    Action(Action),
    /// More keys may complete a binding ("g" of "g g").
    Prefix,
    None,
}

/// Whether `spec` is a key or a key sequence ("g g", "ctrl-x d").
pub fn valid_binding(spec: &str) -> bool {
    let parts: Vec<&str> = spec.split(' ').collect();
    !parts.is_empty()
        && parts.iter().all(|p| valid_key(p))
        && !(parts.len() > 1 && parts.contains(&"space"))
}

/// The keys in force: the defaults, with the user's overrides applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keymap {
    bindings: Vec<Binding>,
    /// The actions the user has bound: their keys are theirs. A default
    /// key the user gives to another action is taken from its default
    /// owner (so a new default never breaks a config), except the ways
    /// out: quit, help, back and the palette.
    rebound: Vec<Action>,
}

impl std::default::Default for Keymap {
    fn default() -> Self {
        Self {
            bindings: DEFAULTS
                .iter()
                .map(|d| Binding {
                    keys: d.keys.iter().map(|k| k.to_string()).collect(),
                    action: d.action,
                    context: d.context,
                    help: d.help,
                })
                .collect(),
            rebound: Vec::new(),
        }
    }
}

impl Keymap {
    pub fn bindings(&self) -> &[Binding] {
        &self.bindings
    }

    /// Binds `action` to `keys` instead of its defaults. Fails, naming the
    /// other action, when a key is already taken where both apply.
    pub fn rebind(&mut self, action: Action, keys: Vec<String>) -> Result<(), String> {
        if let Some(bad) = keys.iter().find(|k| !valid_binding(k)) {
            return Err(format!(
                "{bad:?} is not a key (write keys like \"x\", \"ctrl-d\", \"enter\", \"pagedown\", or a sequence like \"g g\")"
            ));
        }
        let contexts: Vec<Context> = self
            .bindings
            .iter()
            .filter(|b| b.action == action)
            .map(|b| b.context)
            .collect();
        let mut taken: Vec<(usize, String)> = Vec::new();
        for (i, b) in self
            .bindings
            .iter()
            .enumerate()
            .filter(|(_, b)| b.action != action)
        {
            let overlaps = contexts
                .iter()
                .any(|c| *c == b.context || *c == Context::Global || b.context == Context::Global);
            let yields = !self.rebound.contains(&b.action)
                && !matches!(
                    b.action,
                    Action::Quit | Action::Help | Action::Back | Action::Palette
                );
            if let Some(k) = keys.iter().find(|k| overlaps && b.keys.contains(k)) {
                if yields {
                    taken.push((i, k.clone()));
                    continue;
                }
                return Err(format!(
                    "{k:?} is already bound to {}; rebind that one too",
                    b.action.name()
                ));
            }
            // "g g" cannot work while "g" alone does something else.
            let clash = keys.iter().find_map(|k| {
                b.keys
                    .iter()
                    .find(|o| {
                        overlaps
                            && (k.starts_with(&format!("{o} ")) || o.starts_with(&format!("{k} ")))
                    })
                    .map(|o| (k, o))
            });
            if let Some((k, o)) = clash {
                if yields {
                    taken.push((i, o.clone()));
                    continue;
                }
                return Err(format!(
                    "{k:?} and {o:?} ({}) would shadow each other; rebind that one too",
                    b.action.name()
                ));
            }
        }
        for (i, k) in taken {
            self.bindings[i].keys.retain(|x| *x != k);
        }
        self.rebound.push(action);
        let mut first = true;
        for b in self.bindings.iter_mut().filter(|b| b.action == action) {
            // An action bound in two contexts (Open) keeps one entry with
            // the new keys; the others are emptied.
            b.keys = if first { keys.clone() } else { Vec::new() };
            first = false;
        }
        Ok(())
    }

    /// What a sequence of keys (names joined by spaces, "g g") means in a
    /// context: an action, the start of a longer binding, or nothing.
    pub fn lookup(&self, seq: &str, context: Context) -> Lookup {
        let in_context = || {
            self.bindings
                .iter()
                .filter(move |b| b.context == Context::Global || b.context == context)
        };
        if let Some(b) = in_context().find(|b| b.keys.iter().any(|k| k == seq)) {
            return Lookup::Action(b.action);
        }
        let prefix = format!("{seq} ");
        if in_context().any(|b| b.keys.iter().any(|k| k.starts_with(&prefix))) {
            return Lookup::Prefix;
        }
        Lookup::None
    }

    /// The action bound to a key in a context (global bindings apply everywhere).
    pub fn action_for(&self, k: &KeyEvent, context: Context) -> Option<Action> {
        let name = key_name(k)?;
        self.bindings
            .iter()
            .filter(|b| b.context == Context::Global || b.context == context)
            .find(|b| b.keys.contains(&name))
            .map(|b| b.action)
    }

    /// Whether `key` is one of `action`'s keys.
    pub fn is_bound(&self, key: &str, action: Action) -> bool {
        self.bindings
            .iter()
            .any(|b| b.action == action && b.keys.iter().any(|k| k == key))
    }

    /// The first key of an action, for hints.
    pub fn key_for(&self, action: Action) -> String {
        self.bindings
            .iter()
            .filter(|b| b.action == action)
            .find_map(|b| b.keys.first().cloned())
            .unwrap_or_else(|| ":".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_key_is_bound_twice_in_one_context() {
        for a in DEFAULTS {
            for b in DEFAULTS {
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
        let km = Keymap::default();
        assert_eq!(
            km.action_for(&ctrl_d, Context::List),
            Some(Action::PageDown)
        );
        let d = KeyEvent::new(KeyCode::Char('d'), KeyModifiers::NONE);
        assert_eq!(km.action_for(&d, Context::Detail), Some(Action::Delete));
        // From the list too: it says what it needs there.
        assert_eq!(km.action_for(&d, Context::List), Some(Action::Delete));
        let m = KeyEvent::new(KeyCode::Char('m'), KeyModifiers::NONE);
        assert_eq!(km.action_for(&m, Context::List), None);
        let shift_g = KeyEvent::new(KeyCode::Char('G'), KeyModifiers::SHIFT);
        assert_eq!(km.action_for(&shift_g, Context::List), Some(Action::Bottom));
    }

    #[test]
    fn names_round_trip() {
        for d in DEFAULTS {
            assert_eq!(Action::from_name(&d.action.name()), Some(d.action));
        }
        assert_eq!(Action::NewTask.name(), "new_task");
    }

    #[test]
    fn rebinding() {
        let mut km = Keymap::default();
        km.rebind(Action::Today, vec!["ctrl-t".into()]).unwrap();
        let ctrl_t = KeyEvent::new(KeyCode::Char('t'), KeyModifiers::CONTROL);
        assert_eq!(km.action_for(&ctrl_t, Context::List), Some(Action::Today));
        let big_t = KeyEvent::new(KeyCode::Char('T'), KeyModifiers::SHIFT);
        assert_eq!(
            km.action_for(&big_t, Context::List),
            None,
            "the old key is free"
        );
        let e = km.rebind(Action::Today, vec!["q".into()]).unwrap_err();
        assert!(e.contains("quit"), "{e}");
        let e = km
            .rebind(Action::Today, vec!["hyper-x".into()])
            .unwrap_err();
        assert!(e.contains("not a key"), "{e}");
    }

    #[test]
    fn the_readme_names_every_action() {
        let readme = include_str!("../README.md");
        for d in DEFAULTS {
            let name = format!("`{}`", d.action.name());
            assert!(readme.contains(&name), "README.md does not list {name}");
        }
    }

    #[test]
    fn key_sequences() {
        let mut km = Keymap::default();
        km.rebind(Action::Top, vec!["g g".into()]).unwrap();
        assert_eq!(km.lookup("g", Context::List), Lookup::Prefix);
        assert_eq!(km.lookup("g g", Context::List), Lookup::Action(Action::Top));
        assert_eq!(km.lookup("g x", Context::List), Lookup::None);
        let e = km.rebind(Action::Bottom, vec!["g".into()]).unwrap_err();
        assert!(e.contains("shadow"), "{e}");
        assert!(km.rebind(Action::Today, vec!["g q".into()]).is_ok());
    }

    /// A key the user gives to an action is taken from the default that
    /// had it (a new default never breaks a config), but not from the
    /// ways out, and not from another action the user bound.
    #[test]
    fn a_users_key_wins_over_a_default_but_not_over_the_ways_out() {
        let mut km = Keymap::default();
        km.rebind(Action::AddTag, vec!["a".into()]).unwrap();
        assert_eq!(
            km.lookup("a", Context::Detail),
            Lookup::Action(Action::AddTag)
        );
        km.rebind(Action::Assign, vec!["A".into()]).unwrap();
        assert_eq!(
            km.lookup("A", Context::List),
            Lookup::Action(Action::Assign)
        );
        assert!(
            km.rebind(Action::Today, vec!["a".into()]).is_err(),
            "the user's own"
        );
        assert!(
            km.rebind(Action::Today, vec!["q".into()]).is_err(),
            "a way out"
        );
        let mut km = Keymap::default();
        km.rebind(Action::Today, vec!["a x".into()]).unwrap();
        assert_eq!(km.lookup("a", Context::List), Lookup::Prefix);
    }
}
