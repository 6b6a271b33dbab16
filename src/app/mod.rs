//! The application state and the one function that changes it:
//! `update(&mut State, Event) -> Vec<Command>`. No I/O, no terminal, no
//! await: network needs leave as `Command::Api`, answers come back as
//! `Event::Api`, and time arrives as `Event::Tick`.

mod actions;
pub mod agenda;
pub mod board;
pub mod deals;
pub mod detail;
pub mod forms;
pub mod inbox;
mod list;
pub mod local;
pub mod marks;
pub mod messages;
pub mod overlays;
pub mod today;
mod undo;

use actions::*;
use deals::{DealsWait, deals_answer};
pub use detail::{Detail, DetailItem};
use detail::{DetailWait, custom_fields_answer, detail_answer, note_under_cursor, on_cached};
use list::*;
pub use list::{ContactList, Highlights};
use today::*;
pub use undo::Undo;
use undo::*;

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
    /// The saved searches as the file holds them after a change, or why
    /// the change could not be written.
    Searches(Result<Vec<crate::searches::Saved>, String>),
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
    /// This request's edit was discarded from the outbox.
    Discarded(RequestId),
    /// A contact's data as cached, for the detail pane while it loads.
    Cached(Box<Cached>),
    /// The whole cached list, read and indexed off the loop.
    ListLoaded(Box<Prepared>),
    /// The session is set up (state configured): what starts with it.
    Started,
    /// What filters look at, for the cached contacts, by id.
    FactsRead(Box<Result<HashMap<String, crate::filter::Facts>, String>>),
    /// What the search over every location found, for the query numbered
    /// `generation`.
    Everywhere {
        generation: u64,
        result: Result<overlays::everywhere::Found, String>,
    },
    /// Open this contact once the list holds it (after a profile switch).
    OpenAt(String),
}

/// A list read and indexed away from the event loop, ready to swap in.
pub struct Prepared {
    index: Index,
}

impl std::fmt::Debug for Prepared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Prepared({} contacts)", self.index.len())
    }
}

impl Clone for Prepared {
    fn clone(&self) -> Self {
        prepare_rows(self.index.rows().clone(), None)
    }
}

impl Prepared {
    pub fn len(&self) -> usize {
        self.index.len()
    }

    pub fn is_empty(&self) -> bool {
        self.index.is_empty()
    }
}

/// Builds the list's search index: slow for a big list, so the runtime
/// calls it on another thread and sends the result as `Event::ListLoaded`.
pub fn prepare(contacts: Vec<Contact>) -> Prepared {
    let mut rows = crate::arena::Rows::default();
    for c in contacts {
        let facts = crate::filter::Facts::of(&c).encode();
        let c = list::slim(c);
        let entry = Entry::new(&c);
        rows.push(crate::arena::RowIn {
            contact: &c,
            hay: entry.haystack(),
            facts: &facts,
        });
    }
    prepare_rows(rows, None)
}

/// [`prepare`] for the list's block as the cache keeps it, with its name
/// order when that is known.
pub fn prepare_rows(rows: crate::arena::Rows, by_name: Option<Vec<u32>>) -> Prepared {
    Prepared {
        index: Index::from_rows(rows, by_name),
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
    /// The same, landing on the contact with this id.
    SwitchProfileAt(String, String),
    /// Search every location (answer: `Event::Everywhere`), or stop.
    Everywhere(overlays::everywhere::Ask),
    /// Read a contact's cached data (answer: `Event::Cached`).
    ReadCache(String),
    /// Read what filters look at for every cached contact (answer:
    /// `Event::FactsRead`): they stay on disk until a filter is used.
    ReadFacts,
    /// Keep what the server sent in the cache.
    Store(Box<StoreWrite>),
    /// Start a sync (answers: `Event::Sync`, then `Event::SyncDone`).
    Sync {
        full: bool,
    },
    Outbox(OutboxAction),
    /// Give up every request waiting for a rate limit or a retry.
    CancelWaits,
    /// Save or forget a search in its file (answer: `Event::Searches`).
    Searches(crate::searches::Change),
    /// Write contacts to a file (answer: `Event::Info`).
    Export(Box<overlays::export::ExportJob>),
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
    Agenda,
    Board,
    Inbox,
}

#[derive(Debug, Clone)]
pub enum Overlay {
    /// The keys; the lines scrolled past when they do not fit.
    Help(u16),
    Confirm(Box<Confirm>),
    Tags(Box<TagPrompt>),
    Task(Box<TaskForm>),
    Note(Box<NoteEditor>),
    Contact(Box<ContactForm>),
    /// Which field of this contact to copy.
    Copy(Box<Contact>),
    Palette(Box<forms::Palette>),
    /// The search over every location synced here.
    Everywhere(Box<overlays::Everywhere>),
    /// Pick a profile to switch to; the index of the highlighted one.
    Profiles(usize),
    /// Edits not yet confirmed, and those that need attention.
    Outbox(Box<OutboxView>),
    /// Who a contact or task is assigned to.
    Assign(Box<UserPicker>),
    /// Do not disturb, per channel.
    Dnd(Box<DndPanel>),
    /// The contact's deals, and what moves them on.
    Deals(Box<DealsPanel>),
    /// An appointment's status.
    Status(Box<StatusPicker>),
    /// A calendar and a free slot to book.
    Booking(Box<BookingPanel>),
    /// A workflow to put contacts in or take them out of, or a campaign.
    Automation(Box<AutoPicker>),
    /// The file to export contacts to.
    Export(Box<ExportPrompt>),
    /// Deleting many contacts: their count typed back first.
    BulkDelete(Box<BulkDelete>),
    /// A contact's messages, in full, and replies.
    Thread(Box<ThreadView>),
}

/// What an in-flight request is for: the room that waits for its answer,
/// with what that room needs to place it, or to put back if an edit fails.
/// A new room that asks the API adds its variant here and its arm in
/// [`on_api`].
#[derive(Debug, Clone)]
enum Purpose {
    List(ListWait),
    Detail(DetailWait),
    Today,
    Tags(TagWait),
    Task(TaskWait),
    Note(NoteWait),
    Contact(ContactWait),
    /// The location itself: its own time zone.
    Location,
    /// The location's users.
    Users,
    /// A task assigned to someone.
    Assign(AssignWait),
    Followers(FollowWait),
    /// The definitions of the contacts' custom fields.
    CustomFields,
    Deals(DealsWait),
    Status(overlays::appointment_status::StatusWait),
    Booking(overlays::booking::BookingWait),
    /// The appointments of this day (in the zone).
    Agenda(chrono::NaiveDate),
    /// A piece of a bulk change.
    Bulk(marks::BulkWait),
    /// The location's workflows or campaigns.
    Automation(overlays::automation::AutoWait),
    /// A page of the board's deals, for the pipeline with this id, of the
    /// load with this generation.
    Board(String, u64),
    /// Conversations: the pane's Messages, the thread view, the inbox,
    /// replies.
    Messages(messages::MessagesWait),
}

impl Purpose {
    /// The stand-in id of what this request creates.
    fn local_id(&self) -> Option<String> {
        match self {
            Purpose::Task(TaskWait::Create { temp_id, .. })
            | Purpose::Note(NoteWait::Create { temp_id, .. })
            | Purpose::Contact(ContactWait::Create { temp_id, .. }) => Some(temp_id.clone()),
            Purpose::Booking(overlays::booking::BookingWait::Book(w)) => Some(w.temp_id.clone()),
            Purpose::Deals(deals::DealsWait::Create { temp_id, .. }) => Some(temp_id.clone()),
            _ => None,
        }
    }
}

/// An API answer, handed to the room that waits for it.
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
    let r = e.result;
    match purpose {
        Purpose::List(w) => list_answer(s, w, r, out),
        Purpose::Detail(w) => detail_answer(s, w, r, out),
        Purpose::Today => today_answer(s, r),
        Purpose::Tags(w) => tag_answer(s, w, r, out),
        Purpose::Task(w) => task_answer(s, w, r),
        Purpose::Note(w) => note_answer(s, w, r),
        Purpose::Contact(w) => contact_answer(s, w, r),
        Purpose::Location => location_answer(s, r, out),
        Purpose::Users => users_answer(s, r, out),
        Purpose::Assign(w) => assign_answer(s, w, r),
        Purpose::Followers(w) => follow_answer(s, w, r),
        Purpose::CustomFields => custom_fields_answer(s, r, out),
        Purpose::Deals(w) => deals_answer(s, w, r, out),
        Purpose::Status(w) => overlays::appointment_status::status_answer(s, w, r),
        Purpose::Booking(w) => overlays::booking::booking_answer(s, w, r),
        Purpose::Agenda(day) => agenda::agenda_answer(s, day, r),
        Purpose::Bulk(w) => marks::bulk_answer(s, w, r),
        Purpose::Automation(w) => overlays::automation::automation_answer(s, w, r),
        Purpose::Board(p, g) => board::board_answer(s, p, g, r, out),
        Purpose::Messages(w) => messages::messages_answer(s, w, r, out),
    }
}

pub use crate::config::DEFAULT_WEB_URL;

/// How many contacts one page of the initial load asks for (the API's max).
pub const PAGE_LIMIT: u32 = 500;
/// How long the cursor must rest before the detail pane loads.
pub const DETAIL_DEBOUNCE_MS: u64 = 120;
/// How long typing must pause before the server is asked too.
pub const SEARCH_DEBOUNCE_MS: u64 = 300;

pub struct State {
    pub location: String,
    /// A contact to open once the list holds it (see `Event::OpenAt`).
    pub start_at: Option<String>,
    /// Searches asked of every location so far (numbers each one).
    pub everywhere_asked: u64,
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
    /// The key that ran the action being run ("3" for saved search 3).
    pub last_key: String,
    /// The saved searches, in order (`1`-`9` recall the first nine).
    pub saved: Vec<crate::searches::Saved>,
    /// Why the saved searches could not be read: saving is refused until
    /// the file is fixed, so it is never overwritten unread.
    pub saved_error: Option<String>,
    /// The contact list and its search (see [`list::ContactList`]).
    pub list: ContactList,
    pub focus: Focus,
    pub view: View,

    pub detail: Detail,
    detail_due: Option<u64>,

    /// The Today view's state (see [`today::Today`]).
    pub today: today::Today,
    /// The agenda view's (see [`agenda::Agenda`]).
    pub agenda: agenda::Agenda,
    /// The pipeline board's (see [`board::Board`]).
    pub board: board::Board,
    /// The location's unread conversations (`I`).
    pub inbox: inbox::Inbox,
    /// Each contact's conversations, as far as rolo knows them: their
    /// unread counts for the list, their ids so that opening a contact
    /// reads its messages beside its other sections.
    pub convs: HashMap<String, Vec<crate::api::conversations::Conversation>>,
    /// Replies not yet confirmed.
    pub replies: Vec<messages::Reply>,
    /// A bulk change under way (see [`marks`]).
    pub bulk: Option<marks::BulkRun>,
    pub location_tags: Remote<Vec<LocationTag>>,
    /// The location's users, for names and assigning (see `user_picker`).
    pub users: Remote<Vec<User>>,
    /// The profile's user, by email, as the config names it.
    pub me_email: Option<String>,
    /// That user's id, once the users are known.
    pub me: Option<String>,
    /// The contacts' custom field definitions, in position order.
    pub custom_fields: Remote<Vec<CustomField>>,
    /// The location's pipelines and lost reasons.
    pub deals: deals::DealsMeta,
    /// The location's calendars (read when booking first asks).
    pub calendars: Remote<Vec<crate::api::calendars::Calendar>>,
    /// The location's workflows and campaigns, loaded when first picked.
    pub workflows: Remote<Vec<overlays::automation::AutoItem>>,
    pub campaigns: Remote<Vec<overlays::automation::AutoItem>>,

    pub overlay: Option<Overlay>,
    requests: HashMap<RequestId, Purpose>,
    next_request: u64,
    temp_ids: u64,
    /// Tells this session's stand-in ids from another's (its start time).
    session: String,
    /// Ctrl-c was pressed once over unsaved text: the next one quits.
    quit_asked: bool,
    /// The next bulk-capable action acts on the highlighted contact alone
    /// (the answer to "all shown, or just this one?").
    pub(crate) scope_one: bool,
    /// The contacts the search showed, for the action being run after
    /// "all" was the answer to that question (marks are left as they were).
    pub(crate) scope_all: Option<Vec<String>>,
    /// "Every campaign" was confirmed: the picker's choice goes through.
    pub(crate) all_campaigns_confirmed: bool,
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
    /// The config names no zone: the location's own is used, once known.
    pub zone_follows_location: bool,
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
            start_at: None,
            everywhere_asked: 0,
            profile: String::new(),
            keymap: keymap::Keymap::default(),
            theme: crate::theme::Theme::default(),
            read_only: false,
            web_url: DEFAULT_WEB_URL.to_string(),
            profiles: Vec::new(),
            pending_keys: String::new(),
            last_key: String::new(),
            saved: Vec::new(),
            saved_error: None,
            list: ContactList::default(),
            focus: Focus::List,
            view: View::Contacts,
            detail: Detail::default(),
            detail_due: None,
            today: today::Today::default(),
            agenda: agenda::Agenda::default(),
            board: board::Board::default(),
            inbox: inbox::Inbox::default(),
            convs: HashMap::new(),
            replies: Vec::new(),
            bulk: None,
            location_tags: Remote::Idle,
            users: Remote::Idle,
            me_email: None,
            me: None,
            custom_fields: Remote::Idle,
            deals: deals::DealsMeta::default(),
            calendars: Remote::Idle,
            workflows: Remote::Idle,
            campaigns: Remote::Idle,
            overlay: None,
            requests: HashMap::new(),
            next_request: 1,
            temp_ids: 0,
            session: format!("{:x}", now.timestamp_millis()),
            drafts: Vec::new(),
            quit_asked: false,
            scope_one: false,
            scope_all: None,
            all_campaigns_confirmed: false,
            undo: Vec::new(),
            budget: RateBudget::default(),
            waiting: None,
            local: Local::default(),
            pending: 0,
            error: None,
            notice: None,
            spinner: 0,
            now,
            zone: zone.into(),
            zone_follows_location: false,
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
        s.list.status = if cached == 0 && synced_at.is_none() {
            Remote::Loading
        } else {
            Remote::Loaded(())
        };
        (s, Vec::new())
    }

    /// Applies the config's settings for this run.
    pub fn configure(&mut self, settings: &crate::config::Settings) {
        self.profile = settings.profile.clone().unwrap_or_default();
        self.keymap = settings.keymap.clone();
        self.theme = settings.theme.clone();
        self.read_only = settings.read_only;
        self.web_url = settings.web_url.clone();
        self.profiles = settings.profiles.clone();
        self.zone_follows_location = settings.zone.is_none();
        if let Some(z) = settings.zone {
            self.zone = z;
        }
        self.me_email = settings.user.clone();
        self.resolve_me();
    }

    /// The users of the location, as HighLevel or the cache gave them: who
    /// "me" is follows, and filters by name are read again.
    pub fn set_users(&mut self, users: Vec<User>) {
        self.users = Remote::Loaded(users);
        self.resolve_me();
        self.refilter();
    }

    fn resolve_me(&mut self) {
        let Some(email) = &self.me_email else {
            self.me = None;
            return;
        };
        let found = self.users.loaded().and_then(|us| {
            us.iter().find(|u| {
                u.email
                    .as_deref()
                    .is_some_and(|e| e.eq_ignore_ascii_case(email))
            })
        });
        self.me = found.map(|u| u.id.clone());
        if found.is_none() && self.users.loaded().is_some() {
            self.notice = Some(format!(
                "The profile's user {} is not a user of this location: \"mine\" shows nobody's.",
                crate::text::snippet(email, 60)
            ));
        }
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
        let local_id = purpose.local_id();
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

    /// The contact the user is looking at: the Today task's, or the list's.
    pub fn current_contact(&self) -> Option<Contact> {
        match self.view {
            View::Today => self
                .today_tasks()
                .get(self.today.selected)
                .and_then(|t| t.contact_id.as_deref())
                .and_then(|id| self.contact_by_id(id)),
            View::Contacts => self.selected_contact(),
            View::Agenda => self
                .agenda_current()
                .and_then(|a| a.contact_id.as_deref())
                .and_then(|id| self.contact_by_id(id)),
            View::Board => self
                .board
                .current()
                .and_then(|d| d.contact_id.as_deref())
                .and_then(|id| self.contact_by_id(id)),
            View::Inbox => self
                .inbox_current()
                .and_then(|c| self.contact_by_id(&c.contact_id)),
        }
    }

    pub fn contact_by_id(&self, id: &str) -> Option<Contact> {
        self.list.contact_by_id(id)
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

    // --------------------------------------------------------- the update

    fn set_error(&mut self, context: &str, e: &ApiError) {
        // The user's own cancel was answered by its notice already.
        if !matches!(
            e,
            ApiError::Cancelled {
                reason: CancelReason::ByUser
            }
        ) {
            self.error = Some(format!("{context}: {e}"));
        }
    }

    /// Takes a contact out of the list (after a delete).
    fn remove_contact(&mut self, id: &str) -> Option<Contact> {
        // Read before the indexes shift. When the cursor's contact goes,
        // the cursor stays where it was: on the next one, or the one
        // before at the end.
        let keep = match self.selected_contact() {
            Some(c) if c.id == id => {
                let (hits, n) = (&self.list.hits, self.list.selected);
                hits.get(n + 1)
                    .or_else(|| n.checked_sub(1).and_then(|p| hits.get(p)))
                    .map(|h| self.list.id(h.index).to_string())
            }
            other => other.map(|c| c.id.clone()),
        };
        self.list.marks.remove(id);
        let c = self.list.take(id)?;
        self.refilter_on(keep);
        Some(c)
    }

    /// Replaces a contact, or the pending stand-in `old_id`, with `c`.
    fn replace_contact(&mut self, old_id: &str, c: Contact) {
        if old_id != c.id && self.list.marks.remove(old_id) {
            self.list.marks.insert(c.id.clone());
        }
        if old_id != c.id
            && self.list.rename(old_id, &c.id)
            && self.detail.contact_id.as_deref() == Some(old_id)
        {
            self.detail.contact_id = Some(c.id.clone());
        }
        self.merge_contacts(vec![c]);
    }
}

/// The location's answer: due dates follow its zone unless the config
/// names one.
fn location_answer(s: &mut State, r: Result<ApiResponse, ApiError>, out: &mut Vec<Command>) {
    match r {
        Ok(ApiResponse::Location(l)) if s.zone_follows_location => {
            let Some(z) = l.timezone.as_deref().and_then(crate::zone::Zone::parse) else {
                return;
            };
            if s.local.enabled {
                out.push(Command::Store(Box::new(StoreWrite::LocationZone(z.name()))));
            }
            s.zone = z;
        }
        Ok(_) => {}
        // The zone stays as cached, or the machine's.
        Err(e) => tracing::debug!("the location's zone is unknown: {e}"),
    }
}

/// Whether an id is a stand-in for something not yet created (see
/// `State::temp_id`).
pub fn is_stand_in(id: &str) -> bool {
    id.starts_with("pending-")
}

/// The single place where state changes.
pub fn update(s: &mut State, event: Event) -> Vec<Command> {
    let mut out = Vec::new();
    // Which of the two "not answered here" events this is.
    let discard_event = match &event {
        Event::Discarded(_) => Some(true),
        Event::SentElsewhere(_) => Some(false),
        _ => None,
    };
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
            if s.list.search_due.is_some_and(|due| elapsed_ms >= due) {
                s.list.search_due = None;
                server_search(s, &mut out);
            }
            s.agenda_follow_day(&mut out);
        }
        Event::Resize { width, height } => {
            s.width = width;
            s.height = height;
            s.ensure_visible();
        }
        Event::Api(e) => on_api(s, e, &mut out),
        Event::Info(m) => s.notice = Some(m),
        Event::Searches(Ok(all)) => s.saved = all,
        Event::Searches(Err(e)) => {
            s.error = Some(format!("Could not keep the saved searches: {e}"));
        }
        Event::Waiting(w) => s.waiting = w,
        Event::WaitsCancelled(n) => {
            s.waiting = None;
            s.notice = Some(match (n, s.local.enabled) {
                (0, _) => "Nothing was waiting for HighLevel any more.".into(),
                (n, true) => format!(
                    "Stopped waiting: {n} request(s) given up. Queued edits stay in the outbox and are sent once the limit passes."
                ),
                (n, false) => format!(
                    "Stopped waiting: {n} request(s) given up; an edit among them is reopened or kept as a draft."
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
                    s.list.status = Remote::Loaded(());
                    s.list.total_on_server = Some(s.list.len() as u64);
                }
                Err(e) => {
                    if matches!(s.list.status, Remote::Loading) && s.list.is_empty() {
                        s.list.status = Remote::Failed(e.clone());
                    }
                    let why = format!(
                        "Sync stopped: {e} (showing the cached data; {} retries)",
                        s.keymap.key_for(Action::Refresh)
                    );
                    // The user's own ctrl-g is a notice, not an error.
                    let by_user = e
                        == ApiError::Cancelled {
                            reason: CancelReason::ByUser,
                        }
                        .to_string();
                    if by_user {
                        s.notice = Some(why);
                    } else {
                        s.error = Some(why);
                    }
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
        Event::SentElsewhere(id) | Event::Discarded(id)
            if matches!(s.requests.get(&id), Some(Purpose::Bulk(_))) =>
        {
            let discarded = matches!(discard_event, Some(true));
            if let Some(Purpose::Bulk(w)) = s.requests.remove(&id) {
                s.pending = s.pending.saturating_sub(1);
                if discarded {
                    // Never made: shown as it was, left out of the undo.
                    let why = "discarded from the outbox".to_string();
                    marks::bulk_answer(s, w, Err(ApiError::Conflict(why)));
                } else {
                    // Another rolo sent it and HighLevel confirmed it.
                    marks::bulk_answer(s, w, Ok(ApiResponse::Done));
                }
            }
        }
        Event::SentElsewhere(id) | Event::Discarded(id) => {
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
        Event::Started => {
            s.request(
                &mut out,
                ApiOp::LocationUsers,
                Priority::Background,
                Some("users"),
                Purpose::Users,
            );
            s.request(
                &mut out,
                ApiOp::CustomFields,
                Priority::Background,
                Some("custom-fields"),
                Purpose::CustomFields,
            );
            s.load_deals_meta(&mut out);
            s.load_unread(Priority::Background, &mut out);
            if s.zone_follows_location {
                s.request(
                    &mut out,
                    ApiOp::GetLocation,
                    Priority::Background,
                    Some("location"),
                    Purpose::Location,
                );
            }
        }
        Event::FactsRead(r) => {
            s.list.facts_due = false;
            match *r {
                Ok(by_id) => s.list.index.supply_facts(by_id),
                Err(e) => {
                    s.error = Some(format!(
                        "Could not read what filters look at ({e}); filters match on tags alone"
                    ));
                    s.list.index.supply_facts(HashMap::new());
                }
            }
            s.refilter();
        }
        Event::ListLoaded(p) => {
            // What changed on screen meanwhile (a detail fetch, an edit)
            // is newer than the file.
            let keep = s.selected_contact().map(|c| c.id.clone());
            let shown = std::mem::take(&mut s.list.index);
            s.swap_in_on(*p, keep);
            let changed: Vec<Contact> = (0..shown.len())
                .map(|i| shown.rows().contact(i))
                .filter(|c| s.contact_by_id(&c.id).as_ref() != Some(c))
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
            s.open_pending(&mut out);
        }
        Event::Everywhere { generation, result } => {
            overlays::everywhere::on_everywhere(s, generation, result, &mut out)
        }
        Event::OpenAt(id) => {
            s.start_at = Some(id);
            s.open_pending(&mut out);
        }
    }
    s.refresh_highlights();
    s.settle_board();
    if s.list.facts_due && !s.list.facts_asked {
        s.list.facts_asked = true;
        out.push(Command::ReadFacts);
    }
    out
}
