//! The application state and the one function that changes it:
//! `update(&mut State, Event) -> Vec<Command>`. No I/O, no terminal, no
//! await: network needs leave as `Command::Api`, answers come back as
//! `Event::Api`, and time arrives as `Event::Tick`.

pub mod forms;
pub mod local;
pub mod overlays;

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use crate::api::actor::{ApiEvent, ApiOp, ApiRequest, ApiResponse, Priority, RequestId};
use crate::api::error::{ApiError, CancelReason};
use crate::api::limiter::{RateBudget, Waiting};
use crate::api::model::*;
use crate::keymap::{self, Action, Context};
use crate::search::{self, Entry, Hit, Index};
use local::{Cached, Local, OutboxAction, StoreWrite};
pub use overlays::*;

use crate::cache::outbox::{Counts, Entry as OutboxEntry};
use crate::cache::sync::SyncEvent;

/// Data that comes from the network, in one of its four states.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Remote<T> {
    #[default]
    Idle,
    Loading,
    Loaded(T),
    Failed(String),
}

impl<T> Remote<T> {
    pub fn loaded(&self) -> Option<&T> {
        match self {
            Remote::Loaded(t) => Some(t),
            _ => None,
        }
    }

    pub fn loaded_mut(&mut self) -> Option<&mut T> {
        match self {
            Remote::Loaded(t) => Some(t),
            _ => None,
        }
    }
}

// A handful of these move per keystroke or answer; boxing would only add
// allocations.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
pub enum Event {
    Key(KeyEvent),
    Api(ApiEvent),
    /// Requests are held back by a rate limit or a retry (or no longer are).
    Waiting(Option<Waiting>),
    /// The user's cancel gave up this many waiting requests.
    WaitsCancelled(usize),
    /// Time passes: `now` for due dates, `elapsed_ms` (monotonic) for debouncing.
    Tick {
        now: DateTime<Utc>,
        elapsed_ms: u64,
    },
    Resize {
        width: u16,
        height: u16,
    },
    /// What became of a side effect (copy, open), to show the user.
    Info(String),
    /// Text back from `$EDITOR`.
    Edited(String),
    /// Sync progress and the contacts it stored.
    Sync(SyncEvent),
    /// The sync ended: `Err` says why it stopped.
    SyncDone(Result<(), String>),
    /// The outbox changed.
    OutboxStatus {
        counts: Counts,
        waiting: Vec<String>,
        last_error: Option<String>,
    },
    /// An edit queued by an earlier run was applied or refused.
    OutboxSettled {
        contact_id: Option<String>,
        ok: bool,
        message: Option<String>,
    },
    /// The outbox's entries, for its view.
    OutboxEntries {
        entries: Vec<OutboxEntry>,
        /// Edits may have been lost to a damaged outbox file: what to say.
        lost: Option<String>,
    },
    /// Another rolo sent this request's edit; its answer is not known here.
    SentElsewhere(RequestId),
    /// A contact's data as cached, for the detail pane while it loads.
    Cached(Box<Cached>),
    /// The whole cached list, read and indexed off the loop.
    ListLoaded(Box<Prepared>),
}

/// A list read and indexed away from the event loop, ready to swap in.
pub struct Prepared {
    contacts: Vec<Contact>,
    index: Index,
    by_id: HashMap<String, usize>,
}

impl std::fmt::Debug for Prepared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Prepared({} contacts)", self.contacts.len())
    }
}

impl Clone for Prepared {
    fn clone(&self) -> Self {
        prepare(self.contacts.clone())
    }
}

/// Builds the list's search index: slow for a big list, so the runtime
/// calls it on another thread and sends the result as `Event::ListLoaded`.
pub fn prepare(contacts: Vec<Contact>) -> Prepared {
    let by_id = contacts
        .iter()
        .enumerate()
        .map(|(i, c)| (c.id.clone(), i))
        .collect();
    let mut index = Index::default();
    for c in &contacts {
        index.push(Entry::new(c));
    }
    // Rank now (by name, and the search arena), not on the first keystroke.
    let _ = index.search("");
    Prepared {
        contacts,
        index,
        by_id,
    }
}

#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    Api(ApiRequest),
    Quit,
    /// Put text on the clipboard (OSC 52: works over SSH).
    Copy(String),
    /// Open a URL in the browser (or copy it, over SSH).
    Open(String),
    /// Edit text in `$EDITOR`; the result comes back as `Event::Edited`.
    Edit(String),
    /// Open another profile's session in place of this one.
    SwitchProfile(String),
    /// Read a contact's cached data (answer: `Event::Cached`).
    ReadCache(String),
    /// Keep what the server sent in the cache.
    Store(Box<StoreWrite>),
    /// Start a sync (answers: `Event::Sync`, then `Event::SyncDone`).
    Sync {
        full: bool,
    },
    Outbox(OutboxAction),
    /// Give up every request waiting for a rate limit or a retry.
    CancelWaits,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Focus {
    List,
    Search,
    Detail,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    Contacts,
    Today,
}

#[derive(Debug, Clone)]
pub enum Overlay {
    Help,
    Confirm(Box<Confirm>),
    Tags(Box<TagPrompt>),
    Task(Box<TaskForm>),
    Note(Box<NoteEditor>),
    Contact(Box<ContactForm>),
    /// Which field of this contact to copy.
    Copy(Box<Contact>),
    Palette(Box<forms::Palette>),
    /// Pick a profile to switch to; the index of the highlighted one.
    Profiles(usize),
    /// Edits not yet confirmed, and those that need attention.
    Outbox(Box<OutboxView>),
}

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

/// What an in-flight request is for, and what to undo if it fails.
#[derive(Debug, Clone)]
enum Purpose {
    ContactsPage,
    Contact(String),
    ServerSearch,
    Tasks(String),
    Notes(String),
    Appointments(String),
    Today,
    LocationTags,
    Toggle {
        contact_id: String,
        task_id: String,
        before: bool,
    },
    CreateTask {
        contact_id: String,
        temp_id: String,
        /// What was typed, to reopen if the save fails.
        form: Box<TaskForm>,
    },
    UpdateTask {
        contact_id: String,
        before: Task,
        form: Box<TaskForm>,
    },
    DeleteTask {
        contact_id: String,
        task: Task,
    },
    CreateNote {
        contact_id: String,
        temp_id: String,
        form: Box<NoteEditor>,
    },
    UpdateNote {
        contact_id: String,
        before: Note,
        form: Box<NoteEditor>,
    },
    DeleteNote {
        contact_id: String,
        note: Note,
    },
    Tags {
        contact_id: String,
        before: Vec<String>,
        /// The undo entry this change recorded, if it did.
        undo: Option<Undo>,
    },
    CreateContact {
        temp_id: String,
        form: Box<ContactForm>,
    },
    UpdateContact {
        before: Box<Contact>,
        /// The form it was typed in (not for an undo).
        form: Option<Box<ContactForm>>,
    },
    DeleteContact {
        contact: Box<Contact>,
    },
}

/// A change that can be reverted by sending its inverse.
#[derive(Debug, Clone, PartialEq)]
pub enum Undo {
    Toggle {
        contact_id: String,
        task_id: String,
        was: bool,
    },
    TagsAdded {
        contact_id: String,
        tags: Vec<String>,
    },
    TagsRemoved {
        contact_id: String,
        tags: Vec<String>,
    },
    ContactEdited {
        before: Box<Contact>,
        after: Box<Contact>,
    },
}

pub use crate::config::DEFAULT_WEB_URL;

/// How many contacts one page of the initial load asks for (the API's max).
pub const PAGE_LIMIT: u32 = 500;
/// How long the cursor must rest before the detail pane loads.
pub const DETAIL_DEBOUNCE_MS: u64 = 120;
/// How long typing must pause before the server is asked too.
pub const SEARCH_DEBOUNCE_MS: u64 = 300;

/// Match highlights of the rows on screen. `update` computes them when the
/// query, the hits or the window change; a frame only looks them up.
#[derive(Debug, Default)]
pub struct Highlights {
    /// What they were computed for: query, hits generation, offset, rows.
    key: Option<(String, u64, usize, usize)>,
    rows: Vec<(usize, Vec<u32>)>,
}

pub struct State {
    /// Match highlights of the visible rows (see [`Highlights`]).
    pub highlighted: Highlights,
    /// Bumped whenever `hits` is recomputed.
    hits_generation: u64,
    pub location: String,
    /// The profile's name, shown in the status bar.
    pub profile: String,
    pub keymap: keymap::Keymap,
    pub theme: crate::theme::Theme,
    /// Writes are refused: for looking around a client's account safely.
    pub read_only: bool,
    /// The web app's contact page, with `{location}` and `{contact}`.
    pub web_url: String,
    /// The profiles the config defines, for switching.
    pub profiles: Vec<String>,
    /// The start of a key sequence typed so far ("g" of "g g").
    pub pending_keys: String,
    pub contacts: Vec<Contact>,
    index: Index,
    by_id: HashMap<String, usize>,
    pub total_on_server: Option<u64>,
    pub list_status: Remote<()>,
    next_page: u32,
    cursor: Option<Vec<serde_json::Value>>,

    pub query: String,
    pub hits: Vec<Hit>,
    pub selected: usize,
    pub list_offset: usize,
    pub focus: Focus,
    pub view: View,

    pub detail: Detail,
    detail_due: Option<u64>,
    search_due: Option<u64>,

    pub today: Remote<Vec<Task>>,
    pub today_selected: usize,
    pub location_tags: Remote<Vec<LocationTag>>,

    pub overlay: Option<Overlay>,
    requests: HashMap<RequestId, Purpose>,
    next_request: u64,
    temp_ids: u64,
    /// Tells this session's stand-in ids from another's (its start time).
    session: String,
    /// Ctrl-c was pressed once over unsaved text: the next one quits.
    quit_asked: bool,
    /// Forms whose save failed while another overlay was open: each opens
    /// when the one before it closes.
    drafts: Vec<Overlay>,
    pub undo: Vec<Undo>,

    pub budget: RateBudget,
    /// The longest wait for HighLevel in progress, as the tick last saw it.
    pub waiting: Option<Waiting>,
    /// The local cache: freshness, sync, outbox.
    pub local: Local,
    pub pending: usize,
    pub error: Option<String>,
    pub notice: Option<String>,
    pub spinner: usize,
    pub now: DateTime<Utc>,
    /// The user's zone for due dates (daylight saving included).
    pub zone: crate::zone::Zone,
    pub elapsed_ms: u64,
    pub height: u16,
    pub width: u16,
}

impl State {
    /// A fresh state and the commands that start loading.
    pub fn new(
        location: &str,
        now: DateTime<Utc>,
        zone: impl Into<crate::zone::Zone>,
    ) -> (State, Vec<Command>) {
        let mut s = State {
            location: location.to_string(),
            profile: String::new(),
            keymap: keymap::Keymap::default(),
            theme: crate::theme::Theme::default(),
            read_only: false,
            web_url: DEFAULT_WEB_URL.to_string(),
            profiles: Vec::new(),
            pending_keys: String::new(),
            contacts: Vec::new(),
            index: Index::default(),
            by_id: HashMap::new(),
            total_on_server: None,
            list_status: Remote::Idle,
            next_page: 1,
            cursor: None,
            query: String::new(),
            hits: Vec::new(),
            selected: 0,
            list_offset: 0,
            focus: Focus::List,
            view: View::Contacts,
            detail: Detail::default(),
            detail_due: None,
            search_due: None,
            today: Remote::Idle,
            today_selected: 0,
            location_tags: Remote::Idle,
            overlay: None,
            requests: HashMap::new(),
            next_request: 1,
            temp_ids: 0,
            session: format!("{:x}", now.timestamp_millis()),
            drafts: Vec::new(),
            quit_asked: false,
            undo: Vec::new(),
            budget: RateBudget::default(),
            highlighted: Highlights::default(),
            hits_generation: 0,
            waiting: None,
            local: Local::default(),
            pending: 0,
            error: None,
            notice: None,
            spinner: 0,
            now,
            zone: zone.into(),
            elapsed_ms: 0,
            height: 24,
            width: 80,
        };
        let mut out = Vec::new();
        s.load_page(&mut out, Priority::Interactive);
        (s, out)
    }

    /// A state drawn from the cache at once: the contacts as last synced,
    /// then a sync in the background brings them up to date.
    ///
    /// `first` is the top of the list, enough for the first screen; the
    /// whole list follows as `Event::ListLoaded` (`cached` contacts), and
    /// then the sync starts.
    pub fn from_cache(
        location: &str,
        now: DateTime<Utc>,
        zone: impl Into<crate::zone::Zone>,
        first: Vec<Contact>,
        cached: u64,
        synced_at: Option<DateTime<Utc>>,
    ) -> (State, Vec<Command>) {
        let (mut s, _) = State::new(location, now, zone);
        s.requests.clear();
        s.pending = 0;
        s.local.enabled = true;
        s.local.synced_at = synced_at;
        s.local.cached = Some(cached);
        s.swap_in(prepare(first));
        s.list_status = if cached == 0 && synced_at.is_none() {
            Remote::Loading
        } else {
            Remote::Loaded(())
        };
        (s, Vec::new())
    }

    /// Puts a prepared list in place, keeping the cursor's contact.
    fn swap_in(&mut self, p: Prepared) {
        let keep = self.selected_contact().map(|c| c.id.clone());
        self.contacts = p.contacts;
        self.index = p.index;
        self.by_id = p.by_id;
        self.refilter_on(keep);
    }

    /// Applies the config's settings for this run.
    pub fn configure(&mut self, settings: &crate::config::Settings) {
        self.profile = settings.profile.clone().unwrap_or_default();
        self.keymap = settings.keymap.clone();
        self.theme = settings.theme.clone();
        self.read_only = settings.read_only;
        self.web_url = settings.web_url.clone();
        self.profiles = settings.profiles.clone();
    }

    fn request(
        &mut self,
        out: &mut Vec<Command>,
        op: ApiOp,
        priority: Priority,
        supersede: Option<&str>,
        purpose: Purpose,
    ) -> RequestId {
        let id = RequestId(self.next_request);
        self.next_request += 1;
        if self.read_only && op.is_write() {
            // The actions are gated already; this is the backstop.
            self.error = Some(read_only_message(&self.profile));
            return id;
        }
        let local_id = match &purpose {
            Purpose::CreateTask { temp_id, .. }
            | Purpose::CreateNote { temp_id, .. }
            | Purpose::CreateContact { temp_id, .. } => Some(temp_id.clone()),
            _ => None,
        };
        self.requests.insert(id, purpose);
        self.pending += 1;
        out.push(Command::Api(ApiRequest {
            id,
            op,
            priority,
            supersede: supersede.map(str::to_string),
            local_id,
        }));
        id
    }

    fn load_page(&mut self, out: &mut Vec<Command>, priority: Priority) {
        self.list_status = Remote::Loading;
        let by_page = u64::from(self.next_page) * u64::from(PAGE_LIMIT)
            <= crate::api::contacts::SEARCH_PAGE_DEPTH;
        let op = ApiOp::SearchContacts(SearchContacts {
            page_limit: PAGE_LIMIT,
            page: by_page.then_some(self.next_page),
            search_after: if by_page { None } else { self.cursor.clone() },
            ..SearchContacts::default()
        });
        self.request(out, op, priority, None, Purpose::ContactsPage);
    }

    pub fn selected_contact(&self) -> Option<&Contact> {
        let hit = self.hits.get(self.selected)?;
        self.contacts.get(hit.index)
    }

    /// The contact the user is looking at: the Today task's, or the list's.
    pub fn current_contact(&self) -> Option<&Contact> {
        match self.view {
            View::Today => self
                .today_tasks()
                .get(self.today_selected)
                .and_then(|t| t.contact_id.as_deref())
                .and_then(|id| self.contact_by_id(id)),
            View::Contacts => self.selected_contact(),
        }
    }

    pub fn contact_by_id(&self, id: &str) -> Option<&Contact> {
        self.by_id.get(id).and_then(|i| self.contacts.get(*i))
    }

    /// The error as shown, with how to dismiss it.
    pub fn error_text(&self) -> Option<String> {
        let e = self.error.as_ref()?;
        Some(format!(
            "{} ({} to dismiss)",
            crate::text::sanitize(e),
            self.keymap.key_for(Action::DismissError)
        ))
    }

    /// Lines above the status bar for an error too long to share it: up to 4.
    pub fn error_lines(&self) -> u16 {
        let Some(text) = self.error_text() else {
            return 0;
        };
        let len = text.chars().count() as u16 + 2;
        if len <= self.width / 2 {
            0
        } else {
            len.div_ceil(self.width.max(1)).min(4)
        }
    }

    /// Rows of the list that fit on screen (frame minus borders, search,
    /// status and error lines).
    pub fn list_rows(&self) -> usize {
        usize::from(self.height.saturating_sub(4 + self.error_lines())).max(1)
    }

    fn context(&self) -> Context {
        match (self.view, self.focus) {
            (View::Today, _) | (_, Focus::Detail) => Context::Detail,
            _ => Context::List,
        }
    }

    /// The contact a contact action acts on: the highlighted row of the
    /// list, the contact open in the detail pane, or in Today the contact
    /// of the task under the cursor. Says so when there is none.
    fn target_contact(&mut self) -> Option<String> {
        let id = match (self.view, self.focus) {
            (View::Today, _) => self
                .today_tasks()
                .get(self.today_selected)
                .and_then(|t| t.contact_id.clone()),
            (View::Contacts, Focus::Detail) => self.detail.contact_id.clone(),
            (View::Contacts, _) => self.selected_contact().map(|c| c.id.clone()),
        };
        if id.is_none() {
            self.notice = Some("No contact is highlighted.".into());
        }
        id
    }

    /// Whether an item may be changed now. One still being created (a
    /// stand-in id) may, when edits go through the outbox: they wait for
    /// the create and go out with the real id. Sent directly, they cannot.
    fn may_edit_pending(&mut self, id: &str) -> bool {
        if !id.starts_with("pending-") || self.local.enabled {
            return true;
        }
        self.notice = Some("That is still being created; try again in a moment.".into());
        false
    }

    /// A save failed: never lose what was typed. Through the outbox, the
    /// refused edit waits there with all of it; sent directly, the form
    /// comes back (after the one open now, if one is).
    fn keep_typed(&mut self, what: &str, form: Overlay, err: &ApiError) {
        if self.local.enabled {
            self.set_error(
                &format!(
                    "HighLevel refused the {what}; it waits in the outbox ({}) with everything you typed",
                    self.keymap.key_for(Action::Outbox)
                ),
                err,
            );
            return;
        }
        self.reopen(form);
        self.set_error(
            &format!("Could not save the {what} (reopened with what you typed)"),
            err,
        );
    }

    /// Opens a form again, or queues it behind the overlay open now.
    fn reopen(&mut self, form: Overlay) {
        if self.overlay.is_none() {
            self.overlay = Some(form);
        } else {
            self.drafts.push(form);
        }
    }

    /// A stand-in id for something not yet created. Unique across
    /// sessions too: the outbox keeps edits that name it across restarts.
    fn temp_id(&mut self) -> String {
        self.temp_ids += 1;
        format!("pending-{}-{}", self.session, self.temp_ids)
    }

    // ---------------------------------------------------------- contacts

    fn merge_contacts(&mut self, incoming: Vec<Contact>) {
        for c in incoming {
            if self.detail.contact_id.as_deref() == Some(c.id.as_str())
                && let Remote::Loaded(full) = &mut self.detail.contact
            {
                *full = c.clone();
            }
            let c = slim(c);
            let entry = Entry::new(&c);
            match self.by_id.get(&c.id) {
                Some(&i) => {
                    self.contacts[i] = c;
                    self.index.set(i, entry);
                }
                None => {
                    self.by_id.insert(c.id.clone(), self.contacts.len());
                    self.contacts.push(c);
                    self.index.push(entry);
                }
            }
        }
        self.refilter();
    }

    /// Re-ranks after the query or the data changed, keeping the cursor on
    /// the same contact when it is still there.
    fn refilter(&mut self) {
        self.refilter_keeping(true);
    }

    /// Re-ranks; with `keep`, the cursor stays on the same contact when it
    /// is still listed, else it goes to the best match.
    fn refilter_keeping(&mut self, keep: bool) {
        let keep = keep
            .then(|| self.selected_contact().map(|c| c.id.clone()))
            .flatten();
        self.refilter_on(keep);
    }

    /// Re-ranks, putting the cursor on contact `keep` when it is listed.
    fn refilter_on(&mut self, keep: Option<String>) {
        self.hits = self.index.search(&self.query);
        self.hits_generation += 1;
        self.selected = keep
            .and_then(|id| {
                self.hits
                    .iter()
                    .position(|h| self.contacts[h.index].id == id)
            })
            .unwrap_or(0)
            .min(self.hits.len().saturating_sub(1));
        self.ensure_visible();
        self.follow_selection();
    }

    /// Highlighted char positions of a listed contact's name: those
    /// computed for the visible rows, else (a row outside the window the
    /// app knows of) computed now.
    pub fn highlights(&self, index: usize) -> std::borrow::Cow<'_, [u32]> {
        if let Some((_, p)) = self.highlighted.rows.iter().find(|(i, _)| *i == index) {
            return std::borrow::Cow::Borrowed(p);
        }
        let q = search::Query::parse(&self.query);
        if q.is_empty() {
            return std::borrow::Cow::Borrowed(&[]);
        }
        std::borrow::Cow::Owned(search::Searcher::default().highlight(&q, self.index.entry(index)))
    }

    /// Recomputes the visible rows' highlights when what they depend on
    /// changed: once per keystroke or scroll, never per frame.
    fn refresh_highlights(&mut self) {
        let rows = self.list_rows();
        let current = |k: &(String, u64, usize, usize)| {
            k.0 == self.query && (k.1, k.2, k.3) == (self.hits_generation, self.list_offset, rows)
        };
        if self.highlighted.key.as_ref().is_some_and(current) {
            return;
        }
        let q = search::Query::parse(&self.query);
        let mut shown = Vec::new();
        if !q.is_empty() {
            let mut searcher = search::Searcher::default();
            // A row or two more than the list's estimate, for layouts that show more.
            for hit in self.hits.iter().skip(self.list_offset).take(rows + 2) {
                shown.push((
                    hit.index,
                    searcher.highlight(&q, self.index.entry(hit.index)),
                ));
            }
        }
        self.highlighted = Highlights {
            key: Some((
                self.query.clone(),
                self.hits_generation,
                self.list_offset,
                rows,
            )),
            rows: shown,
        };
    }

    /// Keeps the cursor on screen. When it leaves the page, the list jumps
    /// by half a page rather than one row: a scroll repaints every row, and
    /// over SSH one repaint per half page is far cheaper than one per key.
    fn ensure_visible(&mut self) {
        let rows = self.list_rows();
        let jump = rows / 2;
        if self.selected < self.list_offset {
            self.list_offset = self.selected.saturating_sub(jump);
        } else if self.selected >= self.list_offset + rows {
            self.list_offset = (self.selected + 1 + jump).saturating_sub(rows);
        }
        let max_offset = self.hits.len().saturating_sub(rows);
        self.list_offset = self.list_offset.min(max_offset);
    }

    /// The detail pane follows the cursor once it rests: while the cursor
    /// moves, only the list redraws (cheap over SSH) and nothing is loaded.
    fn follow_selection(&mut self) {
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
    fn settle_detail(&mut self, out: &mut Vec<Command>) {
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

    fn load_detail(&mut self, out: &mut Vec<Command>) {
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

    fn load_today(&mut self, out: &mut Vec<Command>) {
        self.today = Remote::Loading;
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
    pub fn today_tasks(&self) -> Vec<&Task> {
        let end = self
            .now
            .with_timezone(&self.zone)
            .date_naive()
            .and_hms_opt(23, 59, 59)
            .and_then(|t| t.and_local_timezone(self.zone).single())
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or(self.now);
        let mut tasks: Vec<&Task> = self
            .today
            .loaded()
            .map(|ts| {
                ts.iter()
                    .filter(|t| t.due().is_some_and(|d| d <= end))
                    .collect()
            })
            .unwrap_or_default();
        tasks.sort_by_key(|t| (t.due(), t.id.clone()));
        tasks
    }

    // --------------------------------------------------------- the update

    fn set_error(&mut self, context: &str, e: &ApiError) {
        self.error = Some(format!("{context}: {e}"));
    }

    /// Applies a function to a task wherever it is shown (detail and Today).
    fn with_task(&mut self, contact_id: &str, task_id: &str, f: impl Fn(&mut Task)) {
        if self.detail.contact_id.as_deref() == Some(contact_id)
            && let Some(tasks) = self.detail.tasks.loaded_mut()
        {
            tasks.iter_mut().filter(|t| t.id == task_id).for_each(&f);
        }
        if let Some(tasks) = self.today.loaded_mut() {
            tasks.iter_mut().filter(|t| t.id == task_id).for_each(&f);
        }
    }

    fn set_tags(&mut self, contact_id: &str, tags: Vec<String>) {
        if self.detail.contact_id.as_deref() == Some(contact_id)
            && let Remote::Loaded(full) = &mut self.detail.contact
        {
            full.tags = Some(tags.clone());
        }
        if let Some(&i) = self.by_id.get(contact_id) {
            self.contacts[i].tags = Some(tags);
            self.index.set(i, Entry::new(&self.contacts[i]));
        }
    }

    /// Takes a contact out of the list (after a delete).
    fn remove_contact(&mut self, id: &str) -> Option<Contact> {
        // Read before the indexes shift.
        let keep = self
            .selected_contact()
            .map(|c| c.id.clone())
            .filter(|k| k != id);
        let i = self.by_id.remove(id)?;
        let c = self.contacts.remove(i);
        self.index.remove(i);
        for (k, v) in self.by_id.iter_mut() {
            if *v > i {
                *v -= 1;
            }
            debug_assert!(k != id);
        }
        self.refilter_on(keep);
        Some(c)
    }

    /// Replaces a contact, or the pending stand-in `old_id`, with `c`.
    fn replace_contact(&mut self, old_id: &str, c: Contact) {
        if old_id != c.id
            && let Some(i) = self.by_id.remove(old_id)
        {
            self.by_id.insert(c.id.clone(), i);
            if self.detail.contact_id.as_deref() == Some(old_id) {
                self.detail.contact_id = Some(c.id.clone());
            }
        }
        self.merge_contacts(vec![c]);
    }

    fn tags_of(&self, contact_id: &str) -> Vec<String> {
        self.contact_by_id(contact_id)
            .map(|c| c.tags().to_vec())
            .unwrap_or_default()
    }
}

/// What the list keeps of a contact: what it shows and searches. The rest
/// (custom fields, address, attribution…) comes with the detail pane's
/// fetch, so that 100,000 contacts fit in a modest amount of memory.
fn slim(c: Contact) -> Contact {
    Contact {
        id: c.id,
        name: c.name,
        first_name: c.first_name,
        last_name: c.last_name,
        email: c.email,
        phone: c.phone,
        company_name: c.company_name,
        tags: c.tags,
        date_added: c.date_added,
        ..Contact::default()
    }
}

fn read_only_message(profile: &str) -> String {
    format!(
        "Read-only profile{}: changes are blocked (set read_only = false in its [profiles] table to allow them)",
        if profile.is_empty() {
            String::new()
        } else {
            format!(" `{profile}`")
        }
    )
}

/// Whether an action changes data on the server.
fn writes(action: Action) -> bool {
    matches!(
        action,
        Action::NewTask
            | Action::Edit
            | Action::ToggleTask
            | Action::Delete
            | Action::AddTag
            | Action::RemoveTag
            | Action::NewNote
            | Action::NewContact
            | Action::DeleteContact
            | Action::Undo
    )
}

/// The single place where state changes.
pub fn update(s: &mut State, event: Event) -> Vec<Command> {
    let mut out = Vec::new();
    match event {
        Event::Tick { now, elapsed_ms } => {
            s.now = now;
            s.elapsed_ms = elapsed_ms;
            if s.pending > 0 {
                s.spinner = s.spinner.wrapping_add(1);
            }
            if s.detail_due.is_some_and(|due| elapsed_ms >= due) {
                s.settle_detail(&mut out);
            }
            if s.search_due.is_some_and(|due| elapsed_ms >= due) {
                s.search_due = None;
                server_search(s, &mut out);
            }
        }
        Event::Resize { width, height } => {
            s.width = width;
            s.height = height;
            s.ensure_visible();
        }
        Event::Api(e) => on_api(s, e, &mut out),
        Event::Info(m) => s.notice = Some(m),
        Event::Waiting(w) => s.waiting = w,
        Event::WaitsCancelled(n) => {
            s.waiting = None;
            s.notice = Some(match n {
                0 => "Nothing was waiting for HighLevel any more.".into(),
                n => format!(
                    "Stopped waiting: {n} request(s) given up. Queued edits stay in the outbox and are sent later."
                ),
            });
        }
        Event::Edited(text) => {
            if let Some(Overlay::Note(ed)) = &mut s.overlay {
                let lines: Vec<String> = text
                    .trim_end_matches('\n')
                    .lines()
                    .map(str::to_string)
                    .collect();
                ed.body = ratatui_textarea::TextArea::new(if lines.is_empty() {
                    vec![String::new()]
                } else {
                    lines
                });
                ed.body.move_cursor(ratatui_textarea::CursorMove::Bottom);
                ed.body.move_cursor(ratatui_textarea::CursorMove::End);
            }
        }
        Event::Key(k) => {
            if k.kind == KeyEventKind::Release {
                return out;
            }
            on_key(s, k, &mut out);
        }
        Event::Sync(e) => on_sync(s, e),
        Event::SyncDone(r) => {
            s.local.sync = None;
            match r {
                Ok(()) => {
                    s.local.synced_at = Some(s.now);
                    s.local.sync_error = None;
                    s.list_status = Remote::Loaded(());
                    s.total_on_server = Some(s.contacts.len() as u64);
                }
                Err(e) => {
                    if matches!(s.list_status, Remote::Loading) && s.contacts.is_empty() {
                        s.list_status = Remote::Failed(e.clone());
                    }
                    s.error = Some(format!(
                        "Sync stopped: {e} (showing the cached data; {} retries)",
                        s.keymap.key_for(Action::Refresh)
                    ));
                    s.local.sync_error = Some(e);
                }
            }
        }
        Event::OutboxStatus {
            counts,
            waiting,
            last_error,
        } => {
            s.local.outbox = counts;
            s.local.waiting = waiting.into_iter().collect();
            s.local.outbox_error = last_error;
            if matches!(s.overlay, Some(Overlay::Outbox(_))) {
                out.push(Command::Outbox(OutboxAction::Load));
            }
        }
        Event::OutboxSettled {
            contact_id,
            ok,
            message,
        } => {
            if !ok {
                s.notice = Some(format!(
                    "An edit from an earlier session was refused: {} (see the outbox, {})",
                    message.unwrap_or_default(),
                    s.keymap.key_for(Action::Outbox)
                ));
            }
            if contact_id.is_some() && contact_id == s.detail.contact_id {
                s.load_detail(&mut out);
            }
        }
        Event::SentElsewhere(id) => {
            if s.requests.remove(&id).is_some() {
                s.pending = s.pending.saturating_sub(1);
                // The server's copy replaces what was shown (a created
                // task's temporary id, say).
                if s.detail.contact_id.is_some() {
                    s.load_detail(&mut out);
                }
            }
        }
        Event::OutboxEntries { entries, lost } => {
            if let Some(Overlay::Outbox(v)) = &mut s.overlay {
                v.selected = v.selected.min(entries.len().saturating_sub(1));
                v.entries = Some(entries);
                v.lost = lost;
            }
        }
        Event::Cached(c) => on_cached(s, *c),
        Event::ListLoaded(p) => {
            // What changed on screen meanwhile (a detail fetch, an edit)
            // is newer than the file.
            let shown = std::mem::take(&mut s.contacts);
            s.swap_in(*p);
            let changed: Vec<Contact> = shown
                .into_iter()
                .filter(|c| s.contact_by_id(&c.id) != Some(c))
                .collect();
            if !changed.is_empty() {
                s.merge_contacts(changed);
            }
            s.local.cached = None;
            s.local.sync = Some(crate::cache::sync::Progress {
                done: 0,
                total: 0,
                left: None,
                full: s.local.synced_at.is_none(),
            });
            out.push(Command::Sync { full: false });
        }
    }
    s.refresh_highlights();
    out
}

fn on_sync(s: &mut State, e: SyncEvent) {
    match e {
        SyncEvent::Progress(p) => s.local.sync = Some(p),
        SyncEvent::Contacts(list) => s.merge_contacts(list),
        SyncEvent::Removed(ids) => {
            for id in ids {
                if s.detail.contact_id.as_deref() == Some(id.as_str()) {
                    s.notice = Some("This contact was deleted in HighLevel.".into());
                }
                s.remove_contact(&id);
            }
        }
    }
}

/// Cached data fills what is still loading; answers from the server win.
fn on_cached(s: &mut State, c: Cached) {
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
    if matches!(slot, Remote::Loaded(_)) {
        *notice = Some(format!("Showing cached data: {err}"));
    } else {
        *slot = Remote::Failed(err.to_string());
    }
}

fn server_search(s: &mut State, out: &mut Vec<Command>) {
    let q = s.query.trim().to_string();
    let complete = s
        .total_on_server
        .is_some_and(|t| s.contacts.len() as u64 >= t);
    // Field tokens are ours; the server gets the plain words.
    let words: Vec<&str> = q
        .split_whitespace()
        .filter(|w| !w.starts_with('#') && !w.contains(':'))
        .collect();
    if complete || words.is_empty() {
        return;
    }
    s.request(
        out,
        ApiOp::SearchContacts(SearchContacts {
            query: Some(words.join(" ")),
            page_limit: 100,
            ..SearchContacts::default()
        }),
        Priority::Interactive,
        Some("server-search"),
        Purpose::ServerSearch,
    );
}

fn on_api(s: &mut State, e: ApiEvent, out: &mut Vec<Command>) {
    s.budget = e.budget;
    let Some(purpose) = s.requests.remove(&e.id) else {
        return;
    };
    s.pending = s.pending.saturating_sub(1);
    if let Err(ApiError::Cancelled { reason }) = &e.result {
        // A superseded load: a newer one is on its way. A shutdown: nothing to show.
        if *reason == CancelReason::Superseded || *reason == CancelReason::Shutdown {
            return;
        }
    }
    match (purpose, e.result) {
        (Purpose::ContactsPage, Ok(ApiResponse::SearchPage(page))) => {
            s.total_on_server = Some(page.total);
            s.cursor = page.contacts.last().and_then(|c| c.search_after.clone());
            let got = page.contacts.len();
            s.next_page += 1;
            s.merge_contacts(page.contacts);
            let more = got as u32 == PAGE_LIMIT && (s.contacts.len() as u64) < page.total;
            if more {
                s.load_page(out, Priority::Background);
            } else {
                s.list_status = Remote::Loaded(());
            }
        }
        (Purpose::Contact(cid), r) if s.detail.contact_id.as_deref() == Some(cid.as_str()) => {
            match r {
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
                Ok(other) => {
                    s.detail.contact = Remote::Failed(format!("unexpected answer {other:?}"))
                }
                Err(err) => failed_keeping(&mut s.detail.contact, &err, &mut s.notice),
            }
        }
        (Purpose::Contact(_), _) => {}
        (Purpose::ContactsPage, Err(err)) => {
            s.list_status = Remote::Failed(err.to_string());
            s.set_error("Could not load contacts", &err);
        }
        (Purpose::ServerSearch, Ok(ApiResponse::SearchPage(page))) => {
            s.merge_contacts(page.contacts)
        }
        (Purpose::ServerSearch, Err(err)) => s.set_error("Server search failed", &err),
        (Purpose::Tasks(cid), r) if s.detail.contact_id.as_deref() == Some(cid.as_str()) => {
            let keep = s.local.enabled.then_some(|t| StoreWrite::Tasks(cid, t));
            let take = |a| match a {
                ApiResponse::Tasks(t) => Ok(t),
                other => Err(Box::new(other)),
            };
            section(&mut s.detail.tasks, r, take, keep, out, &mut s.notice);
        }
        (Purpose::Notes(cid), r) if s.detail.contact_id.as_deref() == Some(cid.as_str()) => {
            let keep = s.local.enabled.then_some(|n| StoreWrite::Notes(cid, n));
            let take = |a| match a {
                ApiResponse::Notes(n) => Ok(n),
                other => Err(Box::new(other)),
            };
            section(&mut s.detail.notes, r, take, keep, out, &mut s.notice);
        }
        (Purpose::Appointments(cid), r) if s.detail.contact_id.as_deref() == Some(cid.as_str()) => {
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
        // Answers for a contact no longer shown.
        (Purpose::Tasks(_) | Purpose::Notes(_) | Purpose::Appointments(_), _) => {}
        (Purpose::Today, Ok(ApiResponse::Tasks(t))) => {
            s.today = Remote::Loaded(t);
            s.today_selected = s
                .today_selected
                .min(s.today_tasks().len().saturating_sub(1));
        }
        (Purpose::Today, Err(err)) => s.today = Remote::Failed(err.to_string()),
        (Purpose::LocationTags, Ok(ApiResponse::LocationTags(t))) => {
            if s.local.enabled {
                out.push(Command::Store(Box::new(StoreWrite::LocationTags(
                    t.clone(),
                ))));
            }
            s.location_tags = Remote::Loaded(t)
        }
        (Purpose::LocationTags, Err(err)) => s.location_tags = Remote::Failed(err.to_string()),
        (
            Purpose::Toggle {
                contact_id,
                task_id,
                ..
            },
            Ok(ApiResponse::Task(t)),
        ) => {
            s.with_task(&contact_id, &task_id, |x| x.completed = t.completed);
        }
        (
            Purpose::Toggle {
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
            Purpose::CreateTask {
                contact_id,
                temp_id,
                ..
            },
            Ok(ApiResponse::Task(t)),
        ) => {
            s.with_task(&contact_id, &temp_id, |x| *x = t.clone());
        }
        (
            Purpose::CreateTask {
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
            Purpose::UpdateTask {
                contact_id, before, ..
            },
            Ok(ApiResponse::Task(t)),
        ) => {
            s.with_task(&contact_id, &before.id, |x| *x = t.clone());
        }
        (
            Purpose::UpdateTask {
                contact_id,
                before,
                form,
            },
            Err(err),
        ) => {
            s.with_task(&contact_id, &before.id, |x| *x = before.clone());
            s.keep_typed("task", Overlay::Task(form), &err);
        }
        (Purpose::DeleteTask { .. }, Ok(_)) => {}
        (Purpose::DeleteTask { contact_id, task }, Err(err)) => {
            if s.detail.contact_id.as_deref() == Some(contact_id.as_str())
                && let Some(ts) = s.detail.tasks.loaded_mut()
            {
                ts.push(task);
            }
            s.set_error("Could not delete the task (restored)", &err);
        }
        (
            Purpose::CreateNote {
                contact_id,
                temp_id,
                ..
            },
            Ok(ApiResponse::Note(n)),
        ) => {
            if s.detail.contact_id.as_deref() == Some(contact_id.as_str())
                && let Some(ns) = s.detail.notes.loaded_mut()
            {
                ns.iter_mut()
                    .filter(|x| x.id == temp_id)
                    .for_each(|x| *x = n.clone());
            }
        }
        (
            Purpose::CreateNote {
                contact_id,
                temp_id,
                form,
            },
            Err(err),
        ) => {
            if s.detail.contact_id.as_deref() == Some(contact_id.as_str())
                && let Some(ns) = s.detail.notes.loaded_mut()
            {
                ns.retain(|x| x.id != temp_id);
            }
            s.keep_typed("note", Overlay::Note(form), &err);
        }
        (
            Purpose::UpdateNote {
                contact_id,
                before,
                form,
            },
            r,
        ) => {
            if s.detail.contact_id.as_deref() == Some(contact_id.as_str())
                && let Some(ns) = s.detail.notes.loaded_mut()
            {
                match &r {
                    Ok(ApiResponse::Note(n)) => ns
                        .iter_mut()
                        .filter(|x| x.id == before.id)
                        .for_each(|x| *x = n.clone()),
                    _ => ns
                        .iter_mut()
                        .filter(|x| x.id == before.id)
                        .for_each(|x| *x = before.clone()),
                }
            }
            if let Err(err) = r {
                s.keep_typed("note", Overlay::Note(form), &err);
            }
        }
        (Purpose::DeleteNote { .. }, Ok(_)) => {}
        (Purpose::DeleteNote { contact_id, note }, Err(err)) => {
            if s.detail.contact_id.as_deref() == Some(contact_id.as_str())
                && let Some(ns) = s.detail.notes.loaded_mut()
            {
                ns.push(note);
            }
            s.set_error("Could not delete the note (restored)", &err);
        }
        (Purpose::Tags { contact_id, .. }, Ok(ApiResponse::Tags(tags))) => {
            s.set_tags(&contact_id, tags)
        }
        (
            Purpose::Tags {
                contact_id,
                before,
                undo,
            },
            Err(err),
        ) => {
            s.set_tags(&contact_id, before);
            // What failed cannot be undone: its entry goes too.
            if let Some(u) = undo
                && let Some(i) = s.undo.iter().rposition(|x| *x == u)
            {
                s.undo.remove(i);
            }
            s.set_error("Could not change the tags (rolled back)", &err);
        }
        (Purpose::CreateContact { temp_id, .. }, Ok(ApiResponse::Contact(c))) => {
            s.replace_contact(&temp_id, c);
        }
        (Purpose::CreateContact { temp_id, mut form }, Err(err)) => {
            s.remove_contact(&temp_id);
            form.error = Some(err.to_string());
            s.keep_typed("contact", Overlay::Contact(form), &err);
        }
        (Purpose::UpdateContact { before, .. }, Ok(ApiResponse::Contact(c))) => {
            s.replace_contact(&before.id, c);
        }
        (Purpose::UpdateContact { before, form }, Err(err)) => {
            let id = before.id.clone();
            s.undo
                .retain(|u| !matches!(u, Undo::ContactEdited { after, .. } if after.id == id));
            s.replace_contact(&id, *before);
            match form {
                Some(form) => s.keep_typed("contact edit", Overlay::Contact(form), &err),
                None => s.set_error("Could not save the contact (rolled back)", &err),
            }
        }
        (Purpose::DeleteContact { .. }, Ok(_)) => {}
        (Purpose::DeleteContact { contact }, Err(err)) => {
            s.merge_contacts(vec![*contact]);
            s.set_error("Could not delete the contact (restored)", &err);
        }
        (p, r) => {
            tracing::warn!(?p, ?r, "unexpected answer");
        }
    }
}

fn remove_task(s: &mut State, contact_id: &str, task_id: &str) {
    if s.detail.contact_id.as_deref() == Some(contact_id)
        && let Some(ts) = s.detail.tasks.loaded_mut()
    {
        ts.retain(|t| t.id != task_id);
    }
    if let Some(ts) = s.today.loaded_mut() {
        ts.retain(|t| t.id != task_id);
    }
    let items = s.detail.items().len();
    s.detail.cursor = s.detail.cursor.min(items.saturating_sub(1));
}

/// A key with no meaning here says so, rather than nothing.
fn unbound(s: &mut State, key: &str) {
    let place = match (s.view, s.focus) {
        (View::Today, _) => "in Today",
        (_, Focus::Detail) => "in the detail pane",
        _ => "in the list",
    };
    s.notice = Some(format!(
        "{} does nothing {place} ({} lists the keys)",
        crate::text::sanitize(key),
        s.keymap.key_for(Action::Help)
    ));
}

fn on_key(s: &mut State, k: KeyEvent, out: &mut Vec<Command>) {
    if k.modifiers.contains(KeyModifiers::CONTROL) && k.code == KeyCode::Char('c') {
        let unsaved = s.overlay.as_ref().is_some_and(Overlay::unsaved) || !s.drafts.is_empty();
        if unsaved && !s.quit_asked {
            s.quit_asked = true;
            s.notice =
                Some("Unsaved text: ctrl-c again quits and loses it; ctrl-s saves it.".into());
            return;
        }
        out.push(Command::Quit);
        return;
    }
    s.quit_asked = false;
    if s.overlay.is_some() {
        on_overlay_key(s, k, out);
        return;
    }
    if s.focus == Focus::Search {
        on_search_key(s, k);
        return;
    }
    s.notice = None;
    let Some(name) = keymap::key_name(&k) else {
        s.pending_keys.clear();
        return;
    };
    // Key sequences ("g g"): keep the start, and show it, until it
    // completes a binding or cannot.
    let seq = if s.pending_keys.is_empty() {
        name.clone()
    } else {
        format!("{} {name}", s.pending_keys)
    };
    let action = match s.keymap.lookup(&seq, s.context()) {
        keymap::Lookup::Action(a) => a,
        keymap::Lookup::Prefix => {
            s.pending_keys = seq;
            return;
        }
        keymap::Lookup::None if !s.pending_keys.is_empty() => {
            // A dead end: the last key starts afresh.
            s.pending_keys.clear();
            match s.keymap.lookup(&name, s.context()) {
                keymap::Lookup::Action(a) => a,
                keymap::Lookup::Prefix => {
                    s.pending_keys = name;
                    return;
                }
                keymap::Lookup::None => return unbound(s, &name),
            }
        }
        keymap::Lookup::None => return unbound(s, &name),
    };
    s.pending_keys.clear();
    let moving = matches!(
        action,
        Action::Down
            | Action::Up
            | Action::Top
            | Action::Bottom
            | Action::PageDown
            | Action::PageUp
    );
    // Anything but moving acts on the contact under the cursor: bring the
    // detail pane up to it first.
    if !moving && s.view == View::Contacts && s.detail_due.is_some() {
        s.settle_detail(out);
    }
    run_action(s, action, out);
}

/// Does what an action means here; keys and the command palette both land here.
pub fn run_action(s: &mut State, action: Action, out: &mut Vec<Command>) {
    if s.read_only && writes(action) {
        s.error = Some(read_only_message(&s.profile));
        return;
    }
    match action {
        Action::Quit => out.push(Command::Quit),
        Action::Palette => s.overlay = Some(Overlay::Palette(Box::default())),
        Action::SwitchProfile => {
            if s.profiles.is_empty() {
                s.notice = Some(
                    "No profiles in the config: add [profiles.NAME] tables to switch between them."
                        .into(),
                );
            } else {
                let here = s.profiles.iter().position(|p| *p == s.profile).unwrap_or(0);
                s.overlay = Some(Overlay::Profiles(here));
            }
        }
        Action::Yank => {
            if let Some(c) = s.current_contact().cloned() {
                s.overlay = Some(Overlay::Copy(Box::new(c)));
            }
        }
        Action::OpenWeb => {
            if let Some(c) = s.current_contact() {
                let url = s
                    .web_url
                    .replace("{location}", &crate::text::url_segment(&s.location))
                    .replace("{contact}", &crate::text::url_segment(&c.id));
                out.push(Command::Open(url));
            }
        }
        Action::Help => s.overlay = Some(Overlay::Help),
        Action::Search => {
            s.view = View::Contacts;
            s.focus = Focus::Search;
        }
        Action::DismissError => s.error = None,
        Action::CancelWait => {
            if s.waiting.is_some() {
                out.push(Command::CancelWaits);
            } else {
                s.notice = Some("Nothing is waiting for HighLevel.".into());
            }
        }
        Action::Today => {
            if s.view == View::Today {
                s.view = View::Contacts;
            } else {
                s.view = View::Today;
                s.load_today(out);
            }
        }
        Action::Refresh => {
            if s.view == View::Today {
                s.load_today(out);
            } else if s.local.enabled {
                if s.local.sync.is_none() {
                    s.local.sync = Some(crate::cache::sync::Progress {
                        done: 0,
                        total: 0,
                        left: None,
                        full: false,
                    });
                    out.push(Command::Sync { full: false });
                }
                s.load_detail(out);
            } else {
                s.next_page = 1;
                s.cursor = None;
                s.load_page(out, Priority::Interactive);
                s.load_detail(out);
            }
        }
        Action::Undo => undo(s, out),
        Action::Outbox => {
            if s.local.enabled {
                s.overlay = Some(Overlay::Outbox(Box::default()));
                out.push(Command::Outbox(OutboxAction::Load));
            } else {
                s.notice = Some(
                    "No local cache in this session, so no outbox: edits go straight to HighLevel."
                        .into(),
                );
            }
        }
        Action::Down
        | Action::Up
        | Action::Top
        | Action::Bottom
        | Action::PageDown
        | Action::PageUp => move_cursor(s, action),
        Action::NextPane => {
            s.focus = if s.focus == Focus::Detail {
                Focus::List
            } else {
                Focus::Detail
            };
        }
        Action::Open if s.view == View::Today => jump_to_task_contact(s, out),
        Action::Open => {
            if s.selected_contact().is_some() {
                s.focus = Focus::Detail;
                s.settle_detail(out);
            }
        }
        Action::Back => {
            if s.view == View::Today {
                s.view = View::Contacts;
            } else {
                s.focus = Focus::List;
            }
        }
        Action::ToggleMore => s.detail.show_more = !s.detail.show_more,
        Action::ToggleTask => toggle_task(s, out),
        Action::NewTask => {
            if let Some(cid) = s.target_contact() {
                s.overlay = Some(Overlay::Task(Box::new(TaskForm::new(&cid))));
            }
        }
        Action::NewContact => {
            s.view = View::Contacts;
            s.overlay = Some(Overlay::Contact(Box::new(ContactForm::new(None))));
        }
        Action::DeleteContact => {
            if let Some(c) = s
                .selected_contact()
                .filter(|_| s.view == View::Contacts)
                .cloned()
            {
                s.overlay = Some(Overlay::Confirm(Box::new(Confirm {
                    message: format!(
                        "Delete the contact {}, with its tasks and notes? This cannot be undone.",
                        crate::text::snippet(&c.display_name(), 40)
                    ),
                    action: ConfirmAction::DeleteContact {
                        contact: Box::new(c),
                    },
                })));
            }
        }
        Action::Edit => {
            if let Some((cid, task)) = task_under_cursor(s) {
                if !s.may_edit_pending(&task.id) {
                    return;
                }
                let due = task
                    .due()
                    .map(|d| {
                        d.with_timezone(&s.zone)
                            .format("%Y-%m-%d %H:%M")
                            .to_string()
                    })
                    .unwrap_or_default();
                s.overlay = Some(Overlay::Task(Box::new(TaskForm::edit(&cid, &task, &due))));
            } else if let Some(note) = s
                .detail
                .current_note()
                .cloned()
                .filter(|_| s.view == View::Contacts && s.focus == Focus::Detail)
                && let Some(cid) = s.detail.contact_id.clone()
            {
                if !s.may_edit_pending(&note.id) {
                    return;
                }
                s.overlay = Some(Overlay::Note(Box::new(NoteEditor::new(&cid, Some(&note)))));
            } else if s.view == View::Contacts
                && let Some(c) = s.selected_contact().cloned()
            {
                let c = &c;
                let full = s.detail.contact.loaded().filter(|full| {
                    full.id == c.id && s.detail.contact_id.as_deref() == Some(c.id.as_str())
                });
                if c.id.starts_with("pending-") {
                    if s.may_edit_pending(&c.id) {
                        // Not on the server yet: the list's copy is all
                        // there is; the edit waits for the create.
                        s.overlay = Some(Overlay::Contact(Box::new(ContactForm::new(Some(c)))));
                    }
                } else if let Some(full) = full {
                    s.overlay = Some(Overlay::Contact(Box::new(ContactForm::new(Some(full)))));
                } else if s.detail_due.is_some() || matches!(s.detail.contact, Remote::Idle) {
                    s.load_detail(out);
                    s.notice = Some("Loading the contact; press e again in a moment.".into());
                } else {
                    s.notice = Some("The contact is still loading.".into());
                }
            }
        }
        Action::Delete => {
            if let Some((cid, task)) = task_under_cursor(s) {
                if !s.may_edit_pending(&task.id) {
                    return;
                }
                s.overlay = Some(Overlay::Confirm(Box::new(Confirm {
                    message: format!(
                        "Delete the task \"{}\"?",
                        task.title.as_deref().unwrap_or("(untitled)")
                    ),
                    action: ConfirmAction::DeleteTask {
                        contact_id: cid,
                        task,
                    },
                })));
            } else if let Some(note) = s
                .detail
                .current_note()
                .cloned()
                .filter(|_| s.view == View::Contacts && s.focus == Focus::Detail)
                && let Some(cid) = s.detail.contact_id.clone()
            {
                if !s.may_edit_pending(&note.id) {
                    return;
                }
                let first = note
                    .body
                    .as_deref()
                    .unwrap_or("")
                    .lines()
                    .next()
                    .unwrap_or("")
                    .to_string();
                s.overlay = Some(Overlay::Confirm(Box::new(Confirm {
                    message: format!("Delete the note \"{}\"?", crate::text::snippet(&first, 40)),
                    action: ConfirmAction::DeleteNote {
                        contact_id: cid,
                        note,
                    },
                })));
            } else {
                s.notice = Some(format!(
                    "{} deletes the task or note under the cursor (open the contact first); {} deletes the contact.",
                    s.keymap.key_for(Action::Delete),
                    s.keymap.key_for(Action::DeleteContact)
                ));
            }
        }
        Action::AddTag | Action::RemoveTag => {
            let Some(cid) = s.target_contact() else {
                return;
            };
            let mode = if action == Action::AddTag {
                TagMode::Add
            } else {
                TagMode::Remove
            };
            if mode == TagMode::Remove && s.tags_of(&cid).is_empty() {
                s.notice = Some("This contact has no tags.".into());
                return;
            }
            if mode == TagMode::Add && matches!(s.location_tags, Remote::Idle | Remote::Failed(_)) {
                s.location_tags = Remote::Loading;
                s.request(
                    out,
                    ApiOp::LocationTags,
                    Priority::Interactive,
                    Some("location-tags"),
                    Purpose::LocationTags,
                );
            }
            s.overlay = Some(Overlay::Tags(Box::new(TagPrompt::new(&cid, mode))));
        }
        Action::NewNote => {
            if let Some(cid) = s.target_contact() {
                s.overlay = Some(Overlay::Note(Box::new(NoteEditor::new(&cid, None))));
            }
        }
    }
}

/// From the Today view to the contact of the task under the cursor.
fn jump_to_task_contact(s: &mut State, out: &mut Vec<Command>) {
    let Some(cid) = s
        .today_tasks()
        .get(s.today_selected)
        .and_then(|t| t.contact_id.clone())
    else {
        return;
    };
    if s.contact_by_id(&cid).is_none() {
        s.notice = Some("That contact is not loaded yet; try again when loading finishes.".into());
        return;
    }
    s.view = View::Contacts;
    if !s.hits.iter().any(|h| s.contacts[h.index].id == cid) {
        s.query.clear();
        s.refilter();
    }
    if let Some(pos) = s.hits.iter().position(|h| s.contacts[h.index].id == cid) {
        s.selected = pos;
        s.ensure_visible();
        s.follow_selection();
        s.focus = Focus::Detail;
        s.settle_detail(out);
    }
}

fn task_under_cursor(s: &State) -> Option<(String, Task)> {
    match s.view {
        View::Today => {
            let t = s.today_tasks().get(s.today_selected).copied()?.clone();
            Some((t.contact_id.clone()?, t))
        }
        View::Contacts if s.focus == Focus::Detail => {
            let t = s.detail.current_task()?.clone();
            Some((s.detail.contact_id.clone()?, t))
        }
        View::Contacts => None,
    }
}

fn move_cursor(s: &mut State, action: Action) {
    let page = s.list_rows().saturating_sub(1).max(1);
    let step = |cur: usize, len: usize| -> usize {
        let last = len.saturating_sub(1);
        match action {
            Action::Down => (cur + 1).min(last),
            Action::Up => cur.saturating_sub(1),
            Action::Top => 0,
            Action::Bottom => last,
            Action::PageDown => (cur + page).min(last),
            Action::PageUp => cur.saturating_sub(page),
            _ => cur,
        }
    };
    match (s.view, s.focus) {
        (View::Today, _) => s.today_selected = step(s.today_selected, s.today_tasks().len()),
        (View::Contacts, Focus::Detail) => {
            s.detail.cursor = step(s.detail.cursor, s.detail.items().len())
        }
        (View::Contacts, _) => {
            s.selected = step(s.selected, s.hits.len());
            s.ensure_visible();
            s.follow_selection();
        }
    }
}

fn toggle_task(s: &mut State, out: &mut Vec<Command>) {
    let Some((cid, task)) = task_under_cursor(s) else {
        s.notice = Some(match s.view {
            View::Today => "No task is highlighted.".into(),
            View::Contacts => format!(
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
        Purpose::Toggle {
            contact_id: cid,
            task_id: task.id,
            before: task.completed,
        },
    );
}

fn undo(s: &mut State, out: &mut Vec<Command>) {
    let Some(u) = s.undo.pop() else {
        s.notice = Some("Nothing to undo.".into());
        return;
    };
    match u {
        Undo::Toggle {
            contact_id,
            task_id,
            was,
        } => {
            let before = !was;
            s.with_task(&contact_id, &task_id, |t| t.completed = was);
            s.request(
                out,
                ApiOp::SetTaskCompleted {
                    contact_id: contact_id.clone(),
                    task_id: task_id.clone(),
                    completed: was,
                },
                Priority::Interactive,
                None,
                Purpose::Toggle {
                    contact_id,
                    task_id,
                    before,
                },
            );
            s.notice = Some("Undone: task status restored.".into());
        }
        Undo::TagsAdded { contact_id, tags } => {
            change_tags(s, out, &contact_id, TagMode::Remove, tags, false);
            s.notice = Some("Undone: tags removed again.".into());
        }
        Undo::ContactEdited { before, after } => {
            let update = ContactUpdate::diff(&after, &before);
            let base = Some(ContactUpdate::diff(&before, &after));
            let id = before.id.clone();
            s.replace_contact(&id, (*before).clone());
            s.request(
                out,
                ApiOp::UpdateContact { id, update, base },
                Priority::Interactive,
                None,
                Purpose::UpdateContact {
                    before: after,
                    form: None,
                },
            );
            s.notice = Some("Undone: contact fields restored.".into());
        }
        Undo::TagsRemoved { contact_id, tags } => {
            change_tags(s, out, &contact_id, TagMode::Add, tags, false);
            s.notice = Some("Undone: tags restored.".into());
        }
    }
}

fn change_tags(
    s: &mut State,
    out: &mut Vec<Command>,
    cid: &str,
    mode: TagMode,
    tags: Vec<String>,
    record: bool,
) {
    let before = s.tags_of(cid);
    let has = |list: &[String], t: &str| list.iter().any(|a| a.eq_ignore_ascii_case(t));
    // Only what this change really changes: undoing it must not touch
    // tags the contact had before, nor remove ones it never had.
    let mut changed: Vec<String> = Vec::new();
    for t in &tags {
        let present = has(&before, t);
        let wanted = match mode {
            TagMode::Add => !present,
            TagMode::Remove => present,
        };
        if wanted && !has(&changed, t) {
            changed.push(t.clone());
        }
    }
    if changed.is_empty() {
        s.notice = Some(match mode {
            TagMode::Add => "The contact has those tags already.".into(),
            TagMode::Remove => "The contact has none of those tags.".into(),
        });
        return;
    }
    let mut after = before.clone();
    match mode {
        TagMode::Add => after.extend(changed.iter().cloned()),
        TagMode::Remove => after.retain(|a| !has(&changed, a)),
    }
    s.set_tags(cid, after);
    let undo = record.then(|| match mode {
        TagMode::Add => Undo::TagsAdded {
            contact_id: cid.to_string(),
            tags: changed.clone(),
        },
        TagMode::Remove => Undo::TagsRemoved {
            contact_id: cid.to_string(),
            tags: changed.clone(),
        },
    });
    if let Some(u) = &undo {
        s.undo.push(u.clone());
    }
    let op = match mode {
        TagMode::Add => ApiOp::AddTags {
            contact_id: cid.to_string(),
            tags: changed,
        },
        TagMode::Remove => ApiOp::RemoveTags {
            contact_id: cid.to_string(),
            tags: changed,
        },
    };
    s.request(
        out,
        op,
        Priority::Interactive,
        None,
        Purpose::Tags {
            contact_id: cid.to_string(),
            before,
            undo,
        },
    );
}

fn on_search_key(s: &mut State, k: KeyEvent) {
    match k.code {
        KeyCode::Esc => {
            s.query.clear();
            s.focus = Focus::List;
            s.search_due = None;
            s.refilter();
        }
        KeyCode::Enter | KeyCode::Down | KeyCode::Tab => s.focus = Focus::List,
        KeyCode::Backspace => {
            if k.modifiers.contains(KeyModifiers::CONTROL)
                || k.modifiers.contains(KeyModifiers::ALT)
            {
                let trimmed = s.query.trim_end().to_string();
                let cut = trimmed.rfind(' ').map_or(0, |i| i + 1);
                s.query.truncate(cut);
            } else {
                s.query.pop();
            }
            after_query_change(s);
        }
        KeyCode::Char('u') if k.modifiers.contains(KeyModifiers::CONTROL) => {
            s.query.clear();
            after_query_change(s);
        }
        KeyCode::Char('w') if k.modifiers.contains(KeyModifiers::CONTROL) => {
            let trimmed = s.query.trim_end().to_string();
            let cut = trimmed.rfind(' ').map_or(0, |i| i + 1);
            s.query.truncate(cut);
            after_query_change(s);
        }
        KeyCode::Char(c)
            if !k.modifiers.contains(KeyModifiers::CONTROL) && !crate::text::is_unsafe(c) =>
        {
            s.query.push(c);
            after_query_change(s);
        }
        _ => {}
    }
}

fn after_query_change(s: &mut State) {
    s.list_offset = 0;
    s.refilter_keeping(false);
    s.search_due = Some(s.elapsed_ms + SEARCH_DEBOUNCE_MS);
}
