//! The detail pane: the selected contact, its tasks, notes and appointments, loaded once the cursor rests.

use crate::app::*;

/// One selectable row of the detail pane.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DetailItem {
    Task(usize),
    Note(usize),
}

#[derive(Debug, Clone, Default)]
pub struct Detail {
    pub contact_id: Option<String>,
    /// The full record (the list keeps only what it shows and searches).
    pub contact: Remote<Contact>,
    pub tasks: Remote<Vec<Task>>,
    pub notes: Remote<Vec<Note>>,
    pub appointments: Remote<Vec<Appointment>>,
    /// Index into `items()`.
    pub cursor: usize,
    pub expanded_notes: HashSet<String>,
    pub show_more: bool,
}

impl Detail {
    /// Tasks open first then done, each by due date.
    pub fn sorted_tasks(&self) -> Vec<&Task> {
        let mut tasks: Vec<&Task> = self
            .tasks
            .loaded()
            .map(|t| t.iter().collect())
            .unwrap_or_default();
        tasks.sort_by_key(|t| {
            (
                t.completed,
                t.due_date.clone().unwrap_or_default(),
                t.id.clone(),
            )
        });
        tasks
    }

    /// Notes newest first.
    pub fn sorted_notes(&self) -> Vec<&Note> {
        let mut notes: Vec<&Note> = self
            .notes
            .loaded()
            .map(|n| n.iter().collect())
            .unwrap_or_default();
        notes.sort_by(|a, b| b.date_added.cmp(&a.date_added).then(a.id.cmp(&b.id)));
        notes
    }

    pub fn items(&self) -> Vec<DetailItem> {
        let tasks = self.sorted_tasks().len();
        let notes = self.sorted_notes().len();
        (0..tasks)
            .map(DetailItem::Task)
            .chain((0..notes).map(DetailItem::Note))
            .collect()
    }

    pub fn current(&self) -> Option<DetailItem> {
        self.items().get(self.cursor).copied()
    }

    pub fn current_task(&self) -> Option<&Task> {
        match self.current()? {
            DetailItem::Task(i) => self.sorted_tasks().get(i).copied(),
            DetailItem::Note(_) => None,
        }
    }

    pub fn current_note(&self) -> Option<&Note> {
        match self.current()? {
            DetailItem::Note(i) => self.sorted_notes().get(i).copied(),
            DetailItem::Task(_) => None,
        }
    }
}

impl State {
    /// The detail pane follows the cursor once it rests: while the cursor
    /// moves, only the list redraws (cheap over SSH) and nothing is loaded.
    pub(crate) fn follow_selection(&mut self) {
        let id = self.selected_contact().map(|c| c.id.clone());
        if id.is_none() {
            self.detail = Detail::default();
        }
        let loaded_here =
            id == self.detail.contact_id && !matches!(self.detail.tasks, Remote::Idle);
        self.detail_due =
            (!loaded_here && id.is_some()).then_some(self.elapsed_ms + DETAIL_DEBOUNCE_MS);
    }

    /// Shows and loads the selected contact now, if the pane is behind.
    pub(crate) fn settle_detail(&mut self, out: &mut Vec<Command>) {
        let id = self.selected_contact().map(|c| c.id.clone());
        if id != self.detail.contact_id {
            self.detail = Detail {
                contact_id: id,
                ..Detail::default()
            };
        }
        if self.detail_due.is_some() || matches!(self.detail.tasks, Remote::Idle) {
            self.load_detail(out);
        }
    }

    pub(crate) fn load_detail(&mut self, out: &mut Vec<Command>) {
        self.detail_due = None;
        let Some(cid) = self.detail.contact_id.clone() else {
            return;
        };
        self.detail.tasks = Remote::Loading;
        self.detail.notes = Remote::Loading;
        self.detail.appointments = Remote::Loading;
        if !matches!(self.detail.contact, Remote::Loaded(_)) {
            self.detail.contact = Remote::Loading;
        }
        if self.local.enabled {
            // What the cache has shows at once; the answers replace it.
            out.push(Command::ReadCache(cid.clone()));
        }
        // Four requests at once; a newer contact's loads supersede these.
        self.request(
            out,
            ApiOp::GetContact { id: cid.clone() },
            Priority::Interactive,
            Some("detail-contact"),
            Purpose::Contact(cid.clone()),
        );
        self.request(
            out,
            ApiOp::ListTasks {
                contact_id: cid.clone(),
            },
            Priority::Interactive,
            Some("detail-tasks"),
            Purpose::Tasks(cid.clone()),
        );
        self.request(
            out,
            ApiOp::ListNotes {
                contact_id: cid.clone(),
            },
            Priority::Interactive,
            Some("detail-notes"),
            Purpose::Notes(cid.clone()),
        );
        self.request(
            out,
            ApiOp::ListAppointments {
                contact_id: cid.clone(),
            },
            Priority::Interactive,
            Some("detail-appointments"),
            Purpose::Appointments(cid),
        );
    }

    /// Applies a function to a task wherever it is shown (detail and Today).
    pub(crate) fn with_task(&mut self, contact_id: &str, task_id: &str, f: impl Fn(&mut Task)) {
        if self.detail.contact_id.as_deref() == Some(contact_id)
            && let Some(tasks) = self.detail.tasks.loaded_mut()
        {
            tasks.iter_mut().filter(|t| t.id == task_id).for_each(&f);
        }
        if let Some(tasks) = self.today.tasks.loaded_mut() {
            tasks.iter_mut().filter(|t| t.id == task_id).for_each(&f);
        }
    }

    pub(crate) fn set_tags(&mut self, contact_id: &str, tags: Vec<String>) {
        if self.detail.contact_id.as_deref() == Some(contact_id)
            && let Remote::Loaded(full) = &mut self.detail.contact
        {
            full.tags = Some(tags.clone());
        }
        if let Some(&i) = self.list.by_id.get(contact_id) {
            self.list.contacts[i].tags = Some(tags);
            self.list.index.set(i, Entry::new(&self.list.contacts[i]));
        }
    }

    pub(crate) fn tags_of(&self, contact_id: &str) -> Vec<String> {
        self.contact_by_id(contact_id)
            .map(|c| c.tags().to_vec())
            .unwrap_or_default()
    }
}

/// The note under the detail pane's cursor, with its contact's id.
pub(crate) fn note_under_cursor(s: &State) -> Option<(String, Note)> {
    if s.view != View::Contacts || s.focus != Focus::Detail {
        return None;
    }
    let note = s.detail.current_note()?.clone();
    Some((s.detail.contact_id.clone()?, note))
}
