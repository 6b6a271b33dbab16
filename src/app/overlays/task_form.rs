//! The task form: title, due date, who it is for, body.

use crate::app::forms::{line_input, text_of};
use crate::app::*;
use ratatui_textarea::TextArea;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaskField {
    Title,
    Due,
    /// Who the task is for: ←/→ through the location's users.
    Assignee,
    Body,
}

impl TaskField {
    pub fn next(self) -> Self {
        match self {
            TaskField::Title => TaskField::Due,
            TaskField::Due => TaskField::Assignee,
            TaskField::Assignee => TaskField::Body,
            TaskField::Body => TaskField::Title,
        }
    }

    pub fn prev(self) -> Self {
        self.next().next().next()
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
    /// Who it is for (a user id); a new task starts with the profile's
    /// user, an edited one with its assignee.
    pub assignee: Option<String>,
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
        let mut s = [&self.title, &self.due, &self.body]
            .map(text_of)
            .join("\u{0}");
        s.push_str(self.assignee.as_deref().unwrap_or(""));
        s
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
        Self::with(contact_id, None, "", "tomorrow", "")
    }

    pub fn edit(contact_id: &str, task: &Task, due_text: &str) -> Self {
        Self::with(
            contact_id,
            Some(task.clone()),
            task.title.as_deref().unwrap_or(""),
            due_text,
            task.body.as_deref().unwrap_or(""),
        )
    }

    fn with(contact_id: &str, editing: Option<Task>, title: &str, due: &str, body: &str) -> Self {
        Self {
            contact_id: contact_id.to_string(),
            editing,
            title: line_input(title),
            due: line_input(due),
            body: line_input(body),
            assignee: None,
            field: TaskField::Title,
            error: None,
            due_untouched: true,
            confirm_discard: false,
            initial: String::new(),
        }
        .ready()
    }

    /// The form with `who` as the assignee, as opened (not a change).
    pub fn for_user(mut self, who: Option<String>) -> Self {
        self.assignee = who;
        self.ready()
    }

    pub fn focused(&mut self) -> &mut TextArea<'static> {
        match self.field {
            TaskField::Title => &mut self.title,
            TaskField::Due | TaskField::Assignee => &mut self.due,
            TaskField::Body => &mut self.body,
        }
    }

    /// ←/→ on the assignee: the next (or previous) of the location's
    /// users; a new task may also go to nobody, a task that has someone
    /// may not (HighLevel cannot unassign a task).
    fn step_assignee(&mut self, users: &[User], forward: bool) {
        let mut ids: Vec<Option<String>> = Vec::new();
        if self
            .editing
            .as_ref()
            .is_none_or(|t| t.assigned_to.is_none())
        {
            ids.push(None);
        }
        ids.extend(users.iter().map(|u| Some(u.id.clone())));
        if ids.is_empty() {
            return;
        }
        let at = ids.iter().position(|i| *i == self.assignee);
        let n = ids.len();
        let next = match (at, forward) {
            (None, _) => 0,
            (Some(i), true) => (i + 1) % n,
            (Some(i), false) => (i + n - 1) % n,
        };
        self.assignee = ids[next].clone();
    }
}

pub(crate) fn task_key(
    s: &mut State,
    mut f: TaskForm,
    k: KeyEvent,
    out: &mut Vec<Command>,
) -> Option<Overlay> {
    let save = (k.code == KeyCode::Char('s') && k.modifiers.contains(KeyModifiers::CONTROL))
        || (k.code == KeyCode::Enter && f.field == TaskField::Body);
    if k.code == KeyCode::Esc {
        if !f.unsaved() || f.confirm_discard {
            return None;
        }
        f.confirm_discard = true;
        f.error = Some(DISCARD_HINT.into());
        return Some(Overlay::Task(Box::new(f)));
    }
    f.confirm_discard = false;
    match k.code {
        KeyCode::Tab | KeyCode::Down => f.field = f.field.next(),
        KeyCode::BackTab | KeyCode::Up => f.field = f.field.prev(),
        KeyCode::Enter if !save => f.field = f.field.next(),
        _ if save => {}
        KeyCode::Left | KeyCode::Right if f.field == TaskField::Assignee => {
            let users = s.users.loaded().cloned().unwrap_or_default();
            f.step_assignee(&users, k.code == KeyCode::Right);
            f.error = None;
        }
        _ if f.field == TaskField::Assignee => {
            if s.users.loaded().is_none() {
                f.error = Some("The location's users are not known (yet).".into());
            }
        }
        _ => {
            if f.field == TaskField::Due && f.due_untouched && matches!(k.code, KeyCode::Char(_)) {
                f.due = forms::line_input("");
            }
            if f.field == TaskField::Due {
                f.due_untouched = false;
            }
            f.focused().input(k);
            f.error = None;
        }
    }
    if !save {
        return Some(Overlay::Task(Box::new(f)));
    }
    let title = text_of(&f.title).trim().to_string();
    if title.is_empty() {
        f.error = Some("The task needs a title.".into());
        f.field = TaskField::Title;
        return Some(Overlay::Task(Box::new(f)));
    }
    let due = match crate::due::parse_due(&text_of(&f.due), s.now.with_timezone(&s.zone)) {
        Ok(d) => d,
        Err(e) => {
            f.error = Some(e);
            f.field = TaskField::Due;
            return Some(Overlay::Task(Box::new(f)));
        }
    };
    let body = text_of(&f.body).trim().to_string();
    let body = (!body.is_empty()).then_some(body);
    let due_s = format_timestamp(due);
    let cid = f.contact_id.clone();
    let mut form = Box::new(f.clone());
    form.error = None;
    match f.editing {
        None => {
            let temp = s.temp_id();
            let task = Task {
                id: temp.clone(),
                title: Some(title.clone()),
                body: body.clone(),
                due_date: Some(due_s.clone()),
                contact_id: Some(cid.clone()),
                assigned_to: f.assignee.clone(),
                ..Task::default()
            };
            if s.detail.contact_id.as_deref() == Some(cid.as_str())
                && let Some(ts) = s.detail.tasks.loaded_mut()
            {
                ts.push(task);
            }
            s.request(
                out,
                ApiOp::CreateTask {
                    contact_id: cid.clone(),
                    task: NewTask {
                        title,
                        body,
                        due_date: due_s,
                        completed: false,
                        assigned_to: f.assignee.clone(),
                    },
                },
                Priority::Interactive,
                None,
                Purpose::Task(TaskWait::Create {
                    contact_id: cid,
                    temp_id: temp,
                    form,
                }),
            );
        }
        Some(before) => {
            let update = TaskUpdate {
                title: (before.title.as_deref() != Some(title.as_str())).then(|| title.clone()),
                body: (before.body != body).then(|| body.clone().unwrap_or_default()),
                due_date: (before.due() != Some(due)).then(|| due_s.clone()),
                assigned_to: f
                    .assignee
                    .clone()
                    .filter(|a| before.assigned_to.as_deref() != Some(a.as_str())),
                ..TaskUpdate::default()
            };
            if update == TaskUpdate::default() {
                s.notice = Some("No changes.".into());
                return None;
            }
            s.with_task(&cid, &before.id, |t| {
                t.title = Some(title.clone());
                t.body = body.clone();
                t.due_date = Some(due_s.clone());
                if f.assignee.is_some() {
                    t.assigned_to = f.assignee.clone();
                }
            });
            s.request(
                out,
                ApiOp::UpdateTask {
                    contact_id: cid.clone(),
                    task_id: before.id.clone(),
                    update,
                },
                Priority::Interactive,
                None,
                Purpose::Task(TaskWait::Update {
                    contact_id: cid,
                    before,
                    form,
                }),
            );
        }
    }
    None
}

/// The writes of tasks, and what to put back if one fails: the form's
/// saves, and the toggles and deletes made from the detail pane or Today.
#[derive(Debug, Clone)]
pub(crate) enum TaskWait {
    Toggle {
        contact_id: String,
        task_id: String,
        before: bool,
    },
    Create {
        contact_id: String,
        temp_id: String,
        /// What was typed, to reopen if the save fails.
        form: Box<TaskForm>,
    },
    Update {
        contact_id: String,
        before: Task,
        form: Box<TaskForm>,
    },
    Delete {
        contact_id: String,
        task: Task,
    },
}

pub(crate) fn task_answer(s: &mut State, w: TaskWait, r: Result<ApiResponse, ApiError>) {
    match (w, r) {
        (
            TaskWait::Toggle {
                contact_id,
                task_id,
                ..
            },
            Ok(ApiResponse::Task(t)),
        ) => {
            s.with_task(&contact_id, &task_id, |x| x.completed = t.completed);
        }
        (
            TaskWait::Toggle {
                contact_id,
                task_id,
                before,
            },
            Err(err),
        ) => {
            s.with_task(&contact_id, &task_id, |x| x.completed = before);
            s.undo
                .retain(|u| !matches!(u, Undo::Toggle { task_id: t, .. } if *t == task_id));
            s.set_error("Could not change the task (rolled back)", &err);
        }
        (
            TaskWait::Create {
                contact_id,
                temp_id,
                ..
            },
            Ok(ApiResponse::Task(t)),
        ) => {
            s.with_task(&contact_id, &temp_id, |x| *x = t.clone());
        }
        (
            TaskWait::Create {
                contact_id,
                temp_id,
                form,
            },
            Err(err),
        ) => {
            remove_task(s, &contact_id, &temp_id);
            s.keep_typed("task", Overlay::Task(form), &err);
        }
        (
            TaskWait::Update {
                contact_id, before, ..
            },
            Ok(ApiResponse::Task(t)),
        ) => {
            s.with_task(&contact_id, &before.id, |x| *x = t.clone());
        }
        (
            TaskWait::Update {
                contact_id,
                before,
                form,
            },
            Err(err),
        ) => {
            s.with_task(&contact_id, &before.id, |x| *x = before.clone());
            s.keep_typed("task", Overlay::Task(form), &err);
        }
        (TaskWait::Delete { .. }, Ok(_)) => {}
        (TaskWait::Delete { contact_id, task }, Err(err)) => {
            if s.detail.contact_id.as_deref() == Some(contact_id.as_str())
                && let Some(ts) = s.detail.tasks.loaded_mut()
            {
                ts.push(task);
            }
            s.set_error("Could not delete the task (restored)", &err);
        }
        (w, r) => tracing::warn!(?w, ?r, "unexpected answer"),
    }
}
