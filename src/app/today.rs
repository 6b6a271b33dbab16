//! The Today view: open tasks due today or overdue, across contacts.

use crate::app::*;

/// What the Today view holds: the open tasks due by tonight, and the row
/// the cursor is on.
#[derive(Debug, Clone, Default)]
pub struct Today {
    pub tasks: Remote<Vec<Task>>,
    pub selected: usize,
    /// Only the tasks assigned to the profile's user (`M`).
    pub mine: bool,
}

/// From the Today view to the contact of the task under the cursor.
pub(crate) fn jump_to_task_contact(s: &mut State, out: &mut Vec<Command>) {
    let Some(cid) = s
        .today_tasks()
        .get(s.today.selected)
        .and_then(|t| t.contact_id.clone())
    else {
        return;
    };
    s.open_contact(&cid, out);
}

pub(crate) fn task_under_cursor(s: &State) -> Option<(String, Task)> {
    match s.view {
        View::Today => {
            let t = s.today_tasks().get(s.today.selected).copied()?.clone();
            Some((t.contact_id.clone()?, t))
        }
        View::Contacts if s.focus == Focus::Detail => {
            let t = s.detail.current_task()?.clone();
            Some((s.detail.contact_id.clone()?, t))
        }
        View::Contacts | View::Agenda | View::Board | View::Inbox => None,
    }
}

pub(crate) fn toggle_task(s: &mut State, out: &mut Vec<Command>) {
    let Some((cid, task)) = task_under_cursor(s) else {
        s.notice = Some(match s.view {
            View::Today => "No task is highlighted.".into(),
            _ => format!(
                "{} completes the task under the cursor: open the contact ({}) and pick a task.",
                s.keymap.key_for(Action::ToggleTask),
                s.keymap.key_for(Action::Open)
            ),
        });
        return;
    };
    if !s.may_edit_pending(&task.id) {
        return;
    }
    let done = !task.completed;
    s.with_task(&cid, &task.id, |t| t.completed = done);
    s.undo.push(Undo::Toggle {
        contact_id: cid.clone(),
        task_id: task.id.clone(),
        was: task.completed,
    });
    s.request(
        out,
        ApiOp::SetTaskCompleted {
            contact_id: cid.clone(),
            task_id: task.id.clone(),
            completed: done,
        },
        Priority::Interactive,
        None,
        Purpose::Task(TaskWait::Toggle {
            contact_id: cid,
            task_id: task.id,
            before: task.completed,
        }),
    );
}

pub(crate) fn remove_task(s: &mut State, contact_id: &str, task_id: &str) {
    if s.detail.contact_id.as_deref() == Some(contact_id)
        && let Some(ts) = s.detail.tasks.loaded_mut()
    {
        ts.retain(|t| t.id != task_id);
    }
    if let Some(ts) = s.today.tasks.loaded_mut() {
        ts.retain(|t| t.id != task_id);
    }
    let items = s.detail.items().len();
    s.detail.cursor = s.detail.cursor.min(items.saturating_sub(1));
}

impl State {
    pub(crate) fn load_today(&mut self, out: &mut Vec<Command>) {
        self.today.tasks = Remote::Loading;
        self.request(
            out,
            ApiOp::SearchTasks(TaskSearch {
                completed: Some(false),
                limit: Some(1000),
                ..TaskSearch::default()
            }),
            Priority::Interactive,
            Some("today"),
            Purpose::Today,
        );
    }

    /// Today's tasks: open, due by the end of today in the user's offset.
    /// The open tasks due by tonight: everyone's, or with mine on, those
    /// assigned to the profile's user.
    pub fn today_tasks(&self) -> Vec<&Task> {
        let mine = self.me.as_deref().filter(|_| self.today.mine);
        crate::due::due_by_end_of_today(
            self.today
                .tasks
                .loaded()
                .into_iter()
                .flatten()
                .filter(|t| mine.is_none_or(|m| t.assigned_to.as_deref() == Some(m))),
            self.now,
            self.zone,
        )
    }
}

/// The Today view's answer: the open tasks due by tonight.
pub(crate) fn today_answer(s: &mut State, r: Result<ApiResponse, ApiError>) {
    match r {
        Ok(ApiResponse::Tasks(t)) => {
            s.today.tasks = Remote::Loaded(t);
            s.today.selected = s
                .today
                .selected
                .min(s.today_tasks().len().saturating_sub(1));
        }
        Err(err) => s.today.tasks = Remote::Failed(err.to_string()),
        Ok(other) => tracing::warn!(?other, "unexpected answer for Today"),
    }
}
