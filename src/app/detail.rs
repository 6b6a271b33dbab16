//! The detail pane: the selected contact, its tasks, notes and appointments, loaded once the cursor rests.

use crate::app::*;

/// One selectable row of the detail pane.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DetailItem {
    Task(usize),
    Note(usize),
    /// Index into `sorted_appointments`.
    Appointment(usize),
    /// Index into `shown_messages`.
    Message(usize),
}

#[derive(Debug, Clone, Default)]
pub struct Detail {
    pub contact_id: Option<String>,
    /// The full record (the list keeps only what it shows and searches).
    pub contact: Remote<Contact>,
    pub tasks: Remote<Vec<Task>>,
    pub notes: Remote<Vec<Note>>,
    pub appointments: Remote<Vec<Appointment>>,
    /// The contact's deals, every status.
    pub deals: Remote<Vec<crate::api::opportunities::Opportunity>>,
    /// The contact's conversations and their newest messages.
    pub messages: Remote<crate::api::conversations::ContactThreads>,
    /// Index into `items()`.
    pub cursor: usize,
    pub expanded_notes: HashSet<String>,
    pub show_more: bool,
    /// Lines scrolled past the cursor's item (`J`/`K`), for the cursor
    /// position they were scrolled at: a long note or task body reads to
    /// its end; moving the cursor starts afresh.
    /// Negative: above it (K past the cursor's own place, to the fields
    /// a short pane keeps out of view).
    pub scroll: (usize, isize),
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

    /// Appointments upcoming first (soonest first), then past (latest
    /// first), as the pane lists them.
    pub fn sorted_appointments(&self, now: DateTime<Utc>) -> Vec<&Appointment> {
        let all = self.appointments.loaded().map(Vec::as_slice).unwrap_or(&[]);
        let mut upcoming: Vec<&Appointment> = all
            .iter()
            .filter(|a| a.start().is_some_and(|t| t >= now))
            .collect();
        let mut past: Vec<&Appointment> = all
            .iter()
            .filter(|a| a.start().is_none_or(|t| t < now))
            .collect();
        upcoming.sort_by_key(|a| (a.start(), a.id.clone()));
        past.sort_by_key(|a| (std::cmp::Reverse(a.start()), a.id.clone()));
        upcoming.extend(past);
        upcoming
    }

    pub fn items(&self) -> Vec<DetailItem> {
        let tasks = self.sorted_tasks().len();
        let notes = self.sorted_notes().len();
        let appointments = self.appointments.loaded().map_or(0, Vec::len);
        (0..tasks)
            .map(DetailItem::Task)
            .chain((0..notes).map(DetailItem::Note))
            .chain((0..appointments).map(DetailItem::Appointment))
            .chain((0..self.shown_messages().len()).map(DetailItem::Message))
            .collect()
    }

    pub fn current_appointment(&self, now: DateTime<Utc>) -> Option<&Appointment> {
        match self.current()? {
            DetailItem::Appointment(i) => self.sorted_appointments(now).get(i).copied(),
            _ => None,
        }
    }

    pub fn current(&self) -> Option<DetailItem> {
        self.items().get(self.cursor).copied()
    }

    pub fn current_task(&self) -> Option<&Task> {
        match self.current()? {
            DetailItem::Task(i) => self.sorted_tasks().get(i).copied(),
            _ => None,
        }
    }

    pub fn current_note(&self) -> Option<&Note> {
        match self.current()? {
            DetailItem::Note(i) => self.sorted_notes().get(i).copied(),
            _ => None,
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
        if is_stand_in(&cid) {
            // Not created on the server yet: nothing there to ask for. The
            // list's copy is the record, and it has no tasks, notes or
            // appointments but those added here (the create's answer
            // brings the full record).
            if !matches!(self.detail.contact, Remote::Loaded(_))
                && let Some(c) = self.contact_by_id(&cid)
            {
                self.detail.contact = Remote::Loaded(c);
            }
            empty_sections(&mut self.detail);
            return;
        }
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
        // Five requests at once; a newer contact's loads supersede these.
        self.request(
            out,
            ApiOp::GetContact { id: cid.clone() },
            Priority::Interactive,
            Some("detail-contact"),
            Purpose::Detail(DetailWait::Contact(cid.clone())),
        );
        self.request(
            out,
            ApiOp::ListTasks {
                contact_id: cid.clone(),
            },
            Priority::Interactive,
            Some("detail-tasks"),
            Purpose::Detail(DetailWait::Tasks(cid.clone())),
        );
        self.request(
            out,
            ApiOp::ListNotes {
                contact_id: cid.clone(),
            },
            Priority::Interactive,
            Some("detail-notes"),
            Purpose::Detail(DetailWait::Notes(cid.clone())),
        );
        self.request(
            out,
            ApiOp::ListAppointments {
                contact_id: cid.clone(),
            },
            Priority::Interactive,
            Some("detail-appointments"),
            Purpose::Detail(DetailWait::Appointments(cid.clone())),
        );
        self.load_contact_deals(&cid, out);
        self.load_detail_messages(&cid, out);
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
        if let Some(i) = self.list.position(contact_id) {
            let mut c = self.list.contact(i);
            c.tags = Some(tags);
            let facts = self.list.index.rows().facts(i).to_string();
            let hay = Entry::new(&c).haystack().to_string();
            let r = crate::arena::RowIn {
                contact: &c,
                hay: &hay,
                facts: &facts,
            };
            self.list.index.rewrite(&[(i, r)], &[]);
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

/// What the detail pane waits for, for the contact with this id.
#[derive(Debug, Clone)]
pub(crate) enum DetailWait {
    Contact(String),
    Tasks(String),
    Notes(String),
    Appointments(String),
}

pub(crate) fn detail_answer(
    s: &mut State,
    w: DetailWait,
    r: Result<ApiResponse, ApiError>,
    out: &mut Vec<Command>,
) {
    let (DetailWait::Contact(cid)
    | DetailWait::Tasks(cid)
    | DetailWait::Notes(cid)
    | DetailWait::Appointments(cid)) = &w;
    // Answers for a contact no longer shown.
    if s.detail.contact_id.as_deref() != Some(cid.as_str()) {
        return;
    }
    match w {
        DetailWait::Contact(_) => match r {
            Ok(ApiResponse::Contact(c)) => {
                s.detail.contact = Remote::Loaded(c.clone());
                if s.local.enabled {
                    out.push(Command::Store(Box::new(StoreWrite::Contact(Box::new(
                        c.clone(),
                    )))));
                }
                // Fresher than the list's copy: show it there too.
                s.merge_contacts(vec![c]);
            }
            Ok(other) => s.detail.contact = Remote::Failed(format!("unexpected answer {other:?}")),
            Err(err) => failed_keeping(&mut s.detail.contact, &err, &mut s.notice),
        },
        DetailWait::Tasks(cid) => {
            let keep = s.local.enabled.then_some(|t| StoreWrite::Tasks(cid, t));
            let take = |a| match a {
                ApiResponse::Tasks(t) => Ok(t),
                other => Err(Box::new(other)),
            };
            section(&mut s.detail.tasks, r, take, keep, out, &mut s.notice);
        }
        DetailWait::Notes(cid) => {
            let keep = s.local.enabled.then_some(|n| StoreWrite::Notes(cid, n));
            let take = |a| match a {
                ApiResponse::Notes(n) => Ok(n),
                other => Err(Box::new(other)),
            };
            section(&mut s.detail.notes, r, take, keep, out, &mut s.notice);
        }
        DetailWait::Appointments(cid) => {
            let keep = s
                .local
                .enabled
                .then_some(|a| StoreWrite::Appointments(cid, a));
            let take = |a| match a {
                ApiResponse::Appointments(a) => Ok(a),
                other => Err(Box::new(other)),
            };
            section(
                &mut s.detail.appointments,
                r,
                take,
                keep,
                out,
                &mut s.notice,
            );
        }
    }
}

/// Cached data fills what is still loading; answers from the server win.
pub(crate) fn on_cached(s: &mut State, c: Cached) {
    if s.detail.contact_id.as_deref() != Some(c.contact_id.as_str()) {
        return;
    }
    fn fill<T>(slot: &mut Remote<T>, v: Option<T>) {
        if let (Some(v), Remote::Loading | Remote::Idle | Remote::Failed(_)) = (v, &slot) {
            *slot = Remote::Loaded(v);
        }
    }
    fill(&mut s.detail.contact, c.contact);
    fill(&mut s.detail.tasks, c.tasks);
    fill(&mut s.detail.notes, c.notes);
    fill(&mut s.detail.appointments, c.appointments);
}

/// One detail section's answer: shown (and kept in the cache, with
/// `keep`), or, when it failed, the cached copy kept on screen.
fn section<T: Clone>(
    slot: &mut Remote<T>,
    answer: Result<ApiResponse, ApiError>,
    take: impl FnOnce(ApiResponse) -> Result<T, Box<ApiResponse>>,
    keep: Option<impl FnOnce(T) -> StoreWrite>,
    out: &mut Vec<Command>,
    notice: &mut Option<String>,
) {
    match answer.map(take) {
        Ok(Ok(v)) => {
            if let Some(keep) = keep {
                out.push(Command::Store(Box::new(keep(v.clone()))));
            }
            *slot = Remote::Loaded(v);
        }
        Ok(Err(other)) => *slot = Remote::Failed(format!("unexpected answer {other:?}")),
        Err(err) => failed_keeping(slot, &err, notice),
    }
}

/// A failed load keeps the cached data it would have replaced.
fn failed_keeping<T>(slot: &mut Remote<T>, err: &ApiError, notice: &mut Option<String>) {
    let by_user = matches!(
        err,
        ApiError::Cancelled {
            reason: CancelReason::ByUser
        }
    );
    if matches!(slot, Remote::Loaded(_)) {
        // After the user's own cancel, its notice says enough.
        if !by_user {
            *notice = Some(format!("Showing cached data: {err}"));
        }
    } else {
        *slot = Remote::Failed(err.to_string());
    }
}

/// A stand-in contact's sections: empty unless something was added here.
fn empty_sections(d: &mut Detail) {
    fn empty<T>(slot: &mut Remote<Vec<T>>) {
        if !matches!(slot, Remote::Loaded(_)) {
            *slot = Remote::Loaded(Vec::new());
        }
    }
    empty(&mut d.tasks);
    empty(&mut d.notes);
    empty(&mut d.appointments);
    empty(&mut d.deals);
    if !matches!(d.messages, Remote::Loaded(_)) {
        d.messages = Remote::Loaded(Default::default());
    }
}

/// The custom field definitions: names and types for the values the pane
/// shows, kept in the cache for the next start.
pub(crate) fn custom_fields_answer(
    s: &mut State,
    r: Result<ApiResponse, ApiError>,
    out: &mut Vec<Command>,
) {
    match r {
        Ok(ApiResponse::CustomFields(defs)) => {
            if s.local.enabled {
                out.push(Command::Store(Box::new(StoreWrite::CustomFields(
                    defs.clone(),
                ))));
            }
            s.custom_fields = Remote::Loaded(defs);
            // Filters by a field's name can be read now.
            s.refilter();
        }
        Ok(other) => tracing::warn!(?other, "unexpected answer"),
        // Values then show by id, as before; a cached copy stays.
        Err(e) => {
            tracing::info!("custom field definitions unavailable: {e}");
            if s.custom_fields.loaded().is_none() {
                s.custom_fields = Remote::Failed(e.to_string());
            }
        }
    }
}
