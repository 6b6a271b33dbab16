//! The terminal: set up, the select loop, and restore on every way out.
//!
//! One loop waits on terminal input, API answers and a timer. Every event
//! goes through `app::update`; the screen is drawn only when something
//! changed, at most 60 times a second.

use std::time::Duration;

use anyhow::{Context, Result};
use chrono::Utc;
use crossterm::event::{Event as TermEvent, EventStream, KeyCode, KeyEventKind, KeyModifiers};
use futures_util::StreamExt;
use tokio::time::Instant;

use crate::api::Client;
use crate::api::actor::{ActorConfig, ApiHandle};
use crate::app::local::{Cached, OutboxAction, StoreWrite};
use crate::app::{Command, Event, State, update};
use crate::cache::outbox::{Outbox, OutboxEvent};
use crate::cache::{Cache, Caching};
use crate::config::Settings;

const FRAME: Duration = Duration::from_millis(16);
const TICK: Duration = Duration::from_millis(80);

/// Builds the client and settings of another profile, for switching.
pub type Switcher = Box<dyn Fn(&str) -> Result<(Client, Settings), String> + Send>;

/// One profile's session: its actor, its cache and its app state.
pub struct Session {
    api: ApiHandle,
    /// Shared with the actor, the outbox and the sync: one rate limiter.
    client: Client,
    api_rx: tokio::sync::mpsc::UnboundedReceiver<crate::api::ApiEvent>,
    pub state: State,
    local: Option<LocalSession>,
    /// The search over every location, while its overlay is open.
    everywhere: Everywhere,
}

/// The search over every location synced here: a thread that reads each
/// location's stored list once, then answers queries from them, the
/// latest first, until the overlay closes. Answers come back as events.
struct Everywhere {
    /// Where the caches are, and which profile names which location.
    dir: Option<std::path::PathBuf>,
    profiles: Vec<crate::config::ProfilePlace>,
    zone: Option<crate::zone::Zone>,
    queries: Option<std::sync::mpsc::Sender<(u64, String)>>,
    /// Set on close: the thread stops reading lists and answering.
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    tx: tokio::sync::mpsc::UnboundedSender<Event>,
    rx: tokio::sync::mpsc::UnboundedReceiver<Event>,
}

impl Everywhere {
    fn new(caching: &Caching, settings: &Settings) -> Everywhere {
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        Everywhere {
            dir: caching
                .path_for("everywhere")
                .and_then(|p| p.parent().map(std::path::Path::to_path_buf)),
            profiles: settings.profile_locations.clone(),
            zone: settings.zone,
            queries: None,
            stop: Default::default(),
            tx,
            rx,
        }
    }

    fn ask(&mut self, ask: crate::app::overlays::everywhere::Ask) -> Option<Event> {
        use crate::app::overlays::everywhere::Ask;
        match ask {
            Ask::Close => {
                // The thread stops between lists and ends, letting go of
                // them, when it sees the flag or the channel closed.
                self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
                self.queries = None;
                None
            }
            Ask::Search { generation, query } => {
                let Some(dir) = self.dir.clone() else {
                    return Some(Event::Everywhere {
                        generation,
                        result: Err(
                            "The local caches are off (--no-cache or ROLO_NO_CACHE): there is nothing to search across.".into(),
                        ),
                    });
                };
                if self.queries.is_none() {
                    // One thread per opening; the last one's stops on its flag.
                    let (q_tx, q_rx) = std::sync::mpsc::channel();
                    let (profiles, zone, tx) = (self.profiles.clone(), self.zone, self.tx.clone());
                    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
                    self.stop = stop.clone();
                    std::thread::spawn(move || {
                        search_everywhere(&dir, &profiles, zone, &q_rx, &tx, &stop)
                    });
                    self.queries = Some(q_tx);
                }
                if let Some(q) = &self.queries
                    && q.send((generation, query)).is_err()
                {
                    self.queries = None;
                }
                None
            }
        }
    }
}

/// The thread of [`Everywhere`].
fn search_everywhere(
    dir: &std::path::Path,
    profiles: &[crate::config::ProfilePlace],
    zone: Option<crate::zone::Zone>,
    queries: &std::sync::mpsc::Receiver<(u64, String)>,
    tx: &tokio::sync::mpsc::UnboundedSender<Event>,
    stop: &std::sync::atomic::AtomicBool,
) {
    use crate::app::overlays::everywhere::{Elsewhere, Found, LIMIT};
    use crate::shell::across;
    let places = across::places(dir, profiles);
    let (mut loaded, unread) = across::load_all(&places, zone, stop);
    let said = |i: usize, why: &str| format!("{}: {}", places[i].label, why);
    while let Ok(mut next) = queries.recv() {
        if stop.load(std::sync::atomic::Ordering::Relaxed) {
            return;
        }
        // Only the latest query matters.
        while let Ok(later) = queries.try_recv() {
            next = later;
        }
        let (generation, query) = next;
        let (found, failed) = across::search_all(&mut loaded, &query, false, LIMIT);
        let skipped = unread
            .iter()
            .chain(&failed)
            .map(|(i, f)| said(*i, &f.message))
            .collect();
        let hits = found
            .into_iter()
            .map(|f| Elsewhere {
                label: places[f.place].label.clone(),
                profile: places[f.place].profile.clone(),
                location_id: places[f.place].location_id.clone(),
                contact: f.contact,
            })
            .collect();
        let result = Ok(Found {
            hits,
            skipped,
            searched: loaded.len() - failed.len(),
        });
        if tx.send(Event::Everywhere { generation, result }).is_err() {
            return;
        }
    }
}

/// From the cache's threads and tasks to the loop.
// Mostly app events; the rare `Damaged` is small.
#[allow(clippy::large_enum_variant)]
enum LocalMsg {
    /// For the app.
    App(Event),
    /// The cache file turned out damaged while being read.
    Damaged(String),
}

/// What the first screen starts from: the whole list (its stored block),
/// or the top of it while the rest is read.
enum First {
    Whole(Box<crate::app::Prepared>),
    Top(Vec<crate::api::model::Contact>),
}

/// A cache opened: the session, what the list starts from, how many
/// contacts it holds, and what was done about damage.
type Opened = (LocalSession, First, u64, Option<String>);

/// The cache side of a session: reads and writes on this thread, the
/// outbox worker and the sync in tasks of their own.
struct LocalSession {
    path: std::path::PathBuf,
    cache: Cache,
    client: Client,
    outbox: Outbox,
    outbox_rx: tokio::sync::mpsc::UnboundedReceiver<OutboxEvent>,
    sync_tx: tokio::sync::mpsc::UnboundedSender<LocalMsg>,
    sync_rx: tokio::sync::mpsc::UnboundedReceiver<LocalMsg>,
    sync_task: Option<tokio::task::JoinHandle<()>>,
}

impl LocalSession {
    /// Opens the cache (moving a damaged one aside) and reads the top of
    /// the list, for the first screen; a thread reads the rest.
    fn open(client: &Client, path: &std::path::Path, rows: usize) -> Result<Opened, String> {
        let (mut cache, mut recovery) = Cache::open_or_recover(path).map_err(|e| e.to_string())?;
        let first = cache
            .contact_count()
            .and_then(|n| cache.first_contacts(rows).map(|f| (f, n)));
        let (first, count) = match first {
            Ok(f) => f,
            Err(e) if e.is_corrupt() => {
                drop(cache);
                let (c, r) = Cache::recover(path, e.to_string()).map_err(|e| e.to_string())?;
                cache = c;
                recovery = Some(r);
                (Vec::new(), 0)
            }
            Err(e) => return Err(e.to_string()),
        };
        // The whole list at once from its stored block, when that is of
        // these rows: the first frame and the first hits come from it.
        let stored = match cache.stored_list() {
            Ok(Some(b)) => Some(Box::new(crate::app::prepare_rows(b.rows, b.by_name))),
            Ok(None) => None,
            Err(e) => {
                tracing::info!("the list's block is not read: {e}");
                None
            }
        };
        let first = match stored {
            Some(p) => First::Whole(p),
            None => First::Top(first),
        };
        let (outbox, outbox_rx) = Outbox::spawn(client.clone(), path).map_err(|e| e.to_string())?;
        let (sync_tx, sync_rx) = tokio::sync::mpsc::unbounded_channel();
        if matches!(first, First::Top(_)) {
            // The whole list, read, indexed and stored off the loop.
            let (tx, at) = (sync_tx.clone(), path.to_path_buf());
            std::thread::spawn(move || {
                let msg = match Cache::open(&at).and_then(|c| c.list_block()) {
                    Ok(b) => LocalMsg::App(Event::ListLoaded(Box::new(crate::app::prepare_rows(
                        b.rows, b.by_name,
                    )))),
                    Err(e) if e.is_corrupt() => LocalMsg::Damaged(e.to_string()),
                    Err(e) => {
                        let _ = tx.send(LocalMsg::App(Event::Info(format!(
                            "Could not read the cached contacts ({e}); they come from HighLevel instead"
                        ))));
                        LocalMsg::App(Event::ListLoaded(Box::new(crate::app::prepare(Vec::new()))))
                    }
                };
                let _ = tx.send(msg);
            });
        }
        Ok((
            LocalSession {
                path: path.to_path_buf(),
                cache,
                client: client.clone(),
                outbox,
                outbox_rx,
                sync_tx,
                sync_rx,
                sync_task: None,
            },
            first,
            count,
            recovery.map(|r| r.to_string()),
        ))
    }

    fn close(mut self) -> usize {
        if let Some(t) = self.sync_task.take() {
            t.abort();
        }
        let waiting = self.cache.outbox_counts().map(|c| c.pending).unwrap_or(0);
        self.outbox.stop();
        waiting
    }

    fn start_sync(&mut self, full: bool) {
        if self.sync_task.as_ref().is_some_and(|t| !t.is_finished()) {
            return;
        }
        let (client, path, tx) = (self.client.clone(), self.path.clone(), self.sync_tx.clone());
        self.sync_task = Some(tokio::spawn(async move {
            let opts = crate::cache::sync::SyncOptions {
                full,
                ..Default::default()
            };
            let progress = tx.clone();
            let result = crate::cache::sync::sync(&client, &path, &opts, move |e| {
                let _ = progress.send(LocalMsg::App(Event::Sync(e)));
            })
            .await;
            if result.is_ok() {
                // The stored list, made of the rows as synced, for the next start.
                let at = path.clone();
                let _ = tokio::task::spawn_blocking(move || {
                    if let Err(e) = Cache::open(&at).and_then(|c| c.refresh_list_block()) {
                        tracing::info!("the list's block is not stored: {e}");
                    }
                })
                .await;
            }
            let _ = tx.send(match result {
                Err(crate::cache::sync::SyncError::Cache(e)) if e.is_corrupt() => {
                    LocalMsg::Damaged(e.to_string())
                }
                r => LocalMsg::App(Event::SyncDone(r.map(|_| ()).map_err(|e| e.to_string()))),
            });
        }));
    }

    /// The file went bad under us: stop writing to it, move it aside
    /// (its unsent edits saved and queued again), and start afresh.
    fn recover(&mut self, detail: String) -> Vec<Event> {
        if let Some(t) = self.sync_task.take() {
            t.abort();
        }
        self.outbox.halt();
        let mut events = Vec::new();
        match Cache::recover(&self.path, detail) {
            Ok((cache, r)) => {
                self.cache = cache;
                events.push(Event::Info(r.to_string()));
            }
            Err(e) => events.push(Event::Info(format!("The cache is damaged: {e}"))),
        }
        match Outbox::spawn(self.client.clone(), &self.path) {
            Ok((outbox, rx)) => {
                self.outbox = outbox;
                self.outbox_rx = rx;
            }
            Err(e) => events.push(Event::Info(format!("The outbox cannot start: {e}"))),
        }
        // The list is rebuilt from HighLevel.
        events.push(Event::ListLoaded(Box::new(crate::app::prepare(Vec::new()))));
        events
    }

    /// Reads what filters look at off the loop (answer: `FactsRead`).
    fn read_facts(&self) {
        let (tx, at) = (self.sync_tx.clone(), self.path.clone());
        std::thread::spawn(move || {
            let r = Cache::open(&at)
                .and_then(|c| c.facts_by_id())
                .map_err(|e| e.to_string());
            let _ = tx.send(LocalMsg::App(Event::FactsRead(Box::new(r))));
        });
    }

    fn read(&self, contact_id: &str) -> Cached {
        let c = &self.cache;
        Cached {
            contact_id: contact_id.to_string(),
            contact: c.contact(contact_id).ok().flatten(),
            tasks: c.tasks(contact_id).ok().flatten(),
            notes: c.notes(contact_id).ok().flatten(),
            appointments: c.appointments(contact_id).ok().flatten(),
        }
    }

    fn store(&mut self, w: StoreWrite) {
        let c = &mut self.cache;
        let r = match w {
            StoreWrite::Contact(x) => c.put_contacts(std::slice::from_ref(&*x), None, None),
            StoreWrite::Tasks(id, t) => c.put_tasks(&id, &t),
            StoreWrite::Notes(id, n) => c.put_notes(&id, &n),
            StoreWrite::Appointments(id, a) => c.put_appointments(&id, &a),
            StoreWrite::LocationTags(t) => c.put_location_tags(&t),
            StoreWrite::LocationZone(z) => c.set_meta(crate::cache::LOCATION_TIMEZONE, &z),
            // Plain data: serializing it cannot fail.
            StoreWrite::Users(u) => c.set_meta(
                crate::cache::LOCATION_USERS,
                &serde_json::to_string(&u).unwrap_or_else(|_| "[]".into()),
            ),
            StoreWrite::CustomFields(d) => c.set_meta(
                crate::cache::CUSTOM_FIELDS,
                &serde_json::to_string(&d).unwrap_or_else(|_| "[]".into()),
            ),
        };
        if let Err(e) = r {
            tracing::warn!("cache write failed: {e}");
        }
    }

    fn entries(&self) -> Event {
        Event::OutboxEntries {
            entries: self.cache.outbox().unwrap_or_default(),
            lost: self
                .cache
                .outbox_note(crate::cache::outbox::LOST_NOTE)
                .ok()
                .flatten(),
        }
    }
}

fn outbox_event(e: OutboxEvent) -> Event {
    match e {
        OutboxEvent::Answer(a) => Event::Api(*a),
        OutboxEvent::Settled {
            contact_id,
            ok,
            message,
            ..
        } => Event::OutboxSettled {
            contact_id,
            ok,
            message,
        },
        OutboxEvent::Status {
            counts,
            waiting,
            last_error,
        } => Event::OutboxStatus {
            counts,
            waiting,
            last_error,
        },
        OutboxEvent::SentElsewhere(id) => Event::SentElsewhere(id),
        OutboxEvent::Discarded(id) => Event::Discarded(id),
        OutboxEvent::Failed(m) => Event::Info(format!("The outbox cannot be written: {m}")),
    }
}

/// Waits on a receiver that may not exist.
async fn recv_maybe<T>(rx: Option<&mut tokio::sync::mpsc::UnboundedReceiver<T>>) -> Option<T> {
    match rx {
        Some(rx) => rx.recv().await,
        None => std::future::pending().await,
    }
}

impl Session {
    pub fn open(
        client: Client,
        settings: &Settings,
        size: ratatui::layout::Size,
        caching: &Caching,
    ) -> (Session, Vec<Command>) {
        let location = client.location_id().to_string();
        let zone = settings.zone.unwrap_or(crate::zone::Zone::Local);
        let rows = usize::from(size.height.max(24)) * 2;
        let opened = caching
            .path_for(&location)
            .map(|path| LocalSession::open(&client, &path, rows));
        let (api, api_rx) = ApiHandle::spawn(client.clone(), ActorConfig::default());
        let (mut state, mut commands, local) = match opened {
            Some(Ok((local, first, count, recovered))) => {
                let synced = local.cache.synced_at().ok().flatten();
                let (mut state, commands) = match first {
                    First::Top(top) => {
                        State::from_cache(&location, Utc::now(), zone, top, count, synced)
                    }
                    First::Whole(p) => {
                        let (mut s, mut c) = State::from_cache(
                            &location,
                            Utc::now(),
                            zone,
                            Vec::new(),
                            count,
                            synced,
                        );
                        c.extend(update(&mut s, Event::ListLoaded(p)));
                        (s, c)
                    }
                };
                state.error = recovered;
                (state, commands, Some(local))
            }
            Some(Err(e)) => {
                let (mut state, commands) = State::new(&location, Utc::now(), zone);
                state.error = Some(format!("Running without the local cache: {e}"));
                (state, commands, None)
            }
            None => {
                let (state, commands) = State::new(&location, Utc::now(), zone);
                (state, commands, None)
            }
        };
        state.configure(settings);
        if settings.zone.is_none()
            && let Some(z) = local
                .as_ref()
                .and_then(|l| l.cache.meta(crate::cache::LOCATION_TIMEZONE).ok().flatten())
                .and_then(|t| crate::zone::Zone::parse(&t))
        {
            // The location's zone as last seen, until HighLevel says again.
            state.zone = z;
        }
        // The users and field definitions as last seen: names show
        // offline, and at once.
        let cached = |key: &str| {
            local
                .as_ref()
                .and_then(|l| l.cache.meta(key).ok().flatten())
        };
        if let Some(users) =
            cached(crate::cache::LOCATION_USERS).and_then(|json| serde_json::from_str(&json).ok())
        {
            state.set_users(users);
        }
        if let Some(defs) =
            cached(crate::cache::CUSTOM_FIELDS).and_then(|json| serde_json::from_str(&json).ok())
        {
            state.custom_fields = crate::app::Remote::Loaded(defs);
            state.refilter();
        }
        match crate::searches::load() {
            Ok(saved) => state.saved = saved,
            Err(e) => {
                state.notice = Some(format!("Saved searches unreadable (left as they are): {e}"));
                state.saved_error = Some(e);
            }
        }
        commands.extend(update(&mut state, Event::Started));
        commands.extend(update(
            &mut state,
            Event::Resize {
                width: size.width,
                height: size.height,
            },
        ));
        (
            Session {
                api,
                client,
                api_rx,
                state,
                local,
                everywhere: Everywhere::new(caching, settings),
            },
            commands,
        )
    }

    /// Ends the session: the actor finishes what it can; the outbox keeps
    /// what is not confirmed for next time.
    async fn close(self, grace: Duration) -> (crate::api::actor::ShutdownReport, usize) {
        let waiting = self.local.map_or(0, LocalSession::close);
        (self.api.shutdown(grace).await, waiting)
    }
}

/// Runs the workspace until the user quits.
pub async fn run(client: Client, settings: &Settings, warning: Option<String>) -> Result<()> {
    run_with(client, settings, warning, None, Caching::Default).await
}

/// Runs the workspace; `warning` (a config problem, say) shows at start,
/// and `switcher`, when given, lets the user change profiles.
pub async fn run_with(
    client: Client,
    settings: &Settings,
    warning: Option<String>,
    switcher: Option<Switcher>,
    caching: Caching,
) -> Result<()> {
    let mut terminal = take_terminal().context("cannot set up the terminal")?;
    let size = terminal.size().unwrap_or_default();
    let (mut session, commands) = Session::open(client, settings, size, &caching);
    if warning.is_some() {
        session.state.error = warning;
    }
    let result = event_loop(
        &mut terminal,
        &mut session,
        commands,
        switcher.as_ref(),
        &caching,
    )
    .await;
    ratatui::restore();
    let (report, waiting) = session.close(Duration::from_secs(10)).await;
    report_unfinished(&report);
    if waiting > 0 {
        eprintln!(
            "rolo: {waiting} edit(s) wait in the outbox; they go out at the next start, or with `rolo outbox push`"
        );
    }
    result
}

fn report_unfinished(report: &crate::api::actor::ShutdownReport) {
    for w in &report.unfinished_writes {
        eprintln!(
            "rolo: not confirmed by HighLevel before exit: {} ({})",
            w.description,
            if w.was_running {
                "it may have been applied; check it"
            } else {
                "it was not sent"
            }
        );
    }
}

async fn event_loop(
    terminal: &mut Tui,
    session: &mut Session,
    commands: Vec<Command>,
    switcher: Option<&Switcher>,
    caching: &Caching,
) -> Result<()> {
    let started = Instant::now();
    let mut pending_commands = commands;
    let mut input = EventStream::new();
    let mut tick = tokio::time::interval(TICK);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut dirty = true;
    let mut last_draw = Instant::now() - FRAME;
    // The list as the last frame drew it.
    let mut drawn_list = None;
    loop {
        match dispatch(terminal, session, std::mem::take(&mut pending_commands))? {
            Flow::Continue => {}
            Flow::Quit => return Ok(()),
            Flow::Switch(name, at) => {
                let outcome = match switcher {
                    None => Err(
                        "profiles need a real account: the demo has a single sandbox".to_string(),
                    ),
                    Some(make) => make(&name),
                };
                match outcome {
                    Err(e) => {
                        pending_commands = update(
                            &mut session.state,
                            Event::Info(format!("Cannot switch: {e}")),
                        )
                    }
                    Ok((client, settings)) => {
                        let (next, mut commands) = Session::open(
                            client,
                            &settings,
                            terminal.size().unwrap_or_default(),
                            caching,
                        );
                        let old = std::mem::replace(session, next);
                        let (report, _) = old.close(Duration::from_secs(5)).await;
                        let unfinished = report.unfinished_writes.len();
                        if let Some(id) = at {
                            commands.extend(update(&mut session.state, Event::OpenAt(id)));
                        }
                        session.state.notice = Some(if unfinished == 0 {
                            format!("Switched to profile `{name}`.")
                        } else {
                            format!(
                                "Switched to `{name}`; {unfinished} change(s) of the last profile were not confirmed"
                            )
                        });
                        pending_commands = commands;
                    }
                }
                dirty = true;
                continue;
            }
        }
        if dirty && last_draw.elapsed() >= FRAME {
            let size = terminal.size().unwrap_or_default();
            let area = ratatui::layout::Rect::new(0, 0, size.width, size.height);
            let list = crate::ui::list_frame(&session.state, area);
            let moved = crate::ui::list_moved(drawn_list.as_ref(), list.as_ref());
            terminal.backend_mut().hint(moved);
            terminal.draw(|f| crate::ui::render(&session.state, f))?;
            drawn_list = list;
            last_draw = Instant::now();
            dirty = false;
        }
        let next_frame = last_draw + FRAME;
        let state = &mut session.state;
        let api_rx = &mut session.api_rx;
        let (outbox_rx, sync_rx) = match session.local.as_mut() {
            Some(l) => (Some(&mut l.outbox_rx), Some(&mut l.sync_rx)),
            None => (None, None),
        };
        tokio::select! {
            ev = input.next() => match ev {
                None => return Ok(()),
                Some(Err(e)) => return Err(e).context("reading the terminal"),
                Some(Ok(TermEvent::Key(k))) if k.kind != KeyEventKind::Release => {
                    if k.code == KeyCode::Char('z') && k.modifiers.contains(KeyModifiers::CONTROL) && state.overlay.is_none() {
                        suspend(terminal)?;
                    } else {
                        pending_commands = update(state, Event::Key(k));
                    }
                    dirty = true;
                }
                Some(Ok(TermEvent::Resize(width, height))) => {
                    pending_commands = update(state, Event::Resize { width, height });
                    terminal.autoresize()?;
                    dirty = true;
                }
                Some(Ok(_)) => {}
            },
            Some(e) = api_rx.recv() => {
                pending_commands = update(state, Event::Api(e));
                // Drain whatever else arrived: one frame for the lot.
                while let Ok(e) = api_rx.try_recv() {
                    pending_commands.extend(update(state, Event::Api(e)));
                }
                dirty = true;
            },
            Some(e) = recv_maybe(outbox_rx) => {
                pending_commands = update(state, outbox_event(e));
                dirty = true;
            },
            Some(first) = recv_maybe(sync_rx) => {
                // A sync page is 500 contacts: take what else is ready too.
                let mut msgs = vec![first];
                if let Some(l) = session.local.as_mut() {
                    while let Ok(m) = l.sync_rx.try_recv() {
                        msgs.push(m);
                    }
                }
                for m in msgs {
                    let events = match m {
                        LocalMsg::App(e) => vec![e],
                        LocalMsg::Damaged(detail) => session
                            .local
                            .as_mut()
                            .map(|l| l.recover(detail))
                            .unwrap_or_default(),
                    };
                    for e in events {
                        pending_commands.extend(update(&mut session.state, e));
                    }
                }
                dirty = true;
            },
            Some(e) = session.everywhere.rx.recv() => {
                pending_commands = update(&mut session.state, e);
                dirty = true;
            },
            _ = tick.tick() => {
                let before = (state.spinner, state.pending);
                pending_commands = update(state, Event::Tick {
                    now: Utc::now(),
                    elapsed_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
                });
                // The status bar counts down in whole seconds.
                let waiting = session.client.waiting();
                let shown = |w: Option<crate::api::limiter::Waiting>| w.map(|w| (w.reason, w.left.as_secs(), w.requests));
                if shown(waiting) != shown(state.waiting) {
                    pending_commands.extend(update(state, Event::Waiting(waiting)));
                    dirty = true;
                }
                dirty |= !pending_commands.is_empty() || before != (state.spinner, state.pending);
            },
            _ = tokio::time::sleep_until(next_frame), if dirty => {},
        }
    }
}

/// What the loop does after carrying out commands.
enum Flow {
    Continue,
    Quit,
    /// To this profile, at this contact.
    Switch(String, Option<String>),
}

/// Carries out commands. Side effects report back to the app as events.
fn dispatch(terminal: &mut Tui, session: &mut Session, commands: Vec<Command>) -> Result<Flow> {
    let api = &session.api;
    let state = &mut session.state;
    let mut local = session.local.as_mut();
    let mut queue: std::collections::VecDeque<Command> = commands.into();
    while let Some(c) = queue.pop_front() {
        let feedback = match c {
            // Edits go to disk first; the outbox sends them.
            Command::Api(r) if r.op.is_write() && local.is_some() => {
                let l = local.as_mut().expect("checked");
                // Edits that come together (a bulk change's pieces) are
                // kept together: one transaction, all or none.
                let mut batch = vec![r];
                while let Some(Command::Api(next)) = queue.front()
                    && next.op.is_write()
                {
                    if let Some(Command::Api(next)) = queue.pop_front() {
                        batch.push(next);
                    }
                }
                let edits: Vec<_> = batch
                    .iter()
                    .map(|r| (r.id, &r.op, r.local_id.as_deref()))
                    .collect();
                match l.outbox.submit_many(&edits) {
                    Ok(_) => None,
                    Err(e) => {
                        for r in batch {
                            api.send(r).context("the API actor stopped")?;
                        }
                        Some(Event::Info(format!(
                            "Could not keep the edit on disk ({e}); sent directly"
                        )))
                    }
                }
            }
            Command::Api(r) => {
                api.send(r).context("the API actor stopped")?;
                None
            }
            Command::ReadCache(id) => local.as_ref().map(|l| Event::Cached(Box::new(l.read(&id)))),
            Command::ReadFacts => match local.as_ref() {
                Some(l) => {
                    l.read_facts();
                    None
                }
                None => Some(Event::FactsRead(Box::new(Ok(Default::default())))),
            },
            Command::Store(w) => {
                if let Some(l) = local.as_mut() {
                    l.store(*w);
                }
                None
            }
            Command::Sync { full } => match local.as_mut() {
                Some(l) => {
                    l.start_sync(full);
                    None
                }
                None => Some(Event::SyncDone(Err("no local cache".into()))),
            },
            Command::Outbox(action) => local.as_mut().map(|l| {
                let outcome = match action {
                    OutboxAction::Load => Ok(None),
                    OutboxAction::Retry(seq) => l.cache.retry(seq, None).map(|_| None),
                    OutboxAction::Discard(seq) => l.outbox.discard(seq).map(|_| None),
                    OutboxAction::Edit(seq) => Ok(Some(edit_entry(terminal, l, seq))),
                };
                l.outbox.kick();
                match outcome {
                    Ok(None) => l.entries(),
                    Ok(Some(message)) => {
                        queue.extend(update(state, l.entries()));
                        Event::Info(message)
                    }
                    Err(e) => Event::Info(format!("The outbox: {e}")),
                }
            }),
            Command::CancelWaits => Some(Event::WaitsCancelled(session.client.cancel_waits())),
            Command::Searches(change) => Some(Event::Searches(crate::searches::change(&change))),
            Command::Export(job) => {
                let cache = local.as_ref().map(|l| &l.cache);
                let full = |id: &str| cache.and_then(|c| c.contact(id).ok().flatten());
                Some(Event::Info(crate::app::write_export(&job, full)))
            }
            Command::Quit => return Ok(Flow::Quit),
            Command::SwitchProfile(name) => return Ok(Flow::Switch(name, None)),
            Command::SwitchProfileAt(name, id) => return Ok(Flow::Switch(name, Some(id))),
            Command::Everywhere(ask) => session.everywhere.ask(ask),
            Command::Copy(text) => {
                copy(&text);
                None
            }
            Command::Open(url) => Some(Event::Info(open(&url))),
            Command::Edit(text) => Some(match edit_externally(terminal, &text) {
                Ok(t) => Event::Edited(t),
                Err(e) => Event::Info(format!("The editor failed: {e:#}")),
            }),
        };
        if let Some(e) = feedback {
            queue.extend(update(state, e));
        }
    }
    Ok(Flow::Continue)
}

/// Edits an outbox entry's request as JSON in `$EDITOR`, then queues it
/// to be sent again. Returns what happened, for the status line.
fn edit_entry(terminal: &mut Tui, l: &mut LocalSession, seq: i64) -> String {
    let entry = match l.cache.outbox_entry(seq) {
        Ok(Some(e)) => e,
        Ok(None) => return "That edit is no longer in the outbox.".into(),
        Err(e) => return format!("The outbox: {e}"),
    };
    let text = serde_json::to_string_pretty(&entry.op).unwrap_or_default();
    let edited = match edit_externally(terminal, &text) {
        Ok(t) => t,
        Err(e) => return format!("The editor failed: {e:#}"),
    };
    if edited.trim() == text.trim() {
        return "Unchanged: the edit waits as it was (r sends it again).".into();
    }
    let op: crate::api::actor::ApiOp = match serde_json::from_str(&edited) {
        Ok(op) => op,
        Err(e) => return format!("Not saved: that is not a valid request ({e})"),
    };
    if !op.is_write() {
        return format!("Not saved: {} is not an edit", op.name());
    }
    match l.cache.retry(seq, Some(&op)) {
        Ok(()) => format!("Saved; sending again: {}", op.describe()),
        Err(e) => format!("Not saved: {e}"),
    }
}

/// OSC 52: the terminal (even across SSH and tmux) puts it on the clipboard.
fn copy(text: &str) {
    use std::io::Write;
    let mut out = std::io::stdout();
    let _ = crossterm::execute!(
        out,
        crossterm::clipboard::CopyToClipboard::to_clipboard_from(text)
    );
    let _ = out.flush();
}

/// Opens a URL in the local browser; over SSH there is none, so the link
/// goes to the clipboard instead.
fn open(url: &str) -> String {
    let remote =
        std::env::var_os("SSH_CONNECTION").is_some() || std::env::var_os("SSH_TTY").is_some();
    if !remote {
        let opener = if cfg!(target_os = "macos") {
            "open"
        } else {
            "xdg-open"
        };
        let spawned = std::process::Command::new(opener)
            .arg(url)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn();
        if spawned.is_ok() {
            return "Opened in the browser.".into();
        }
    }
    let url = crate::text::printable(url);
    copy(&url);
    format!("Link copied to the clipboard: {url}")
}

/// The terminal as the workspace draws on it: through a backend that
/// scrolls what moved (see [`crate::screen`]).
pub type Tui = ratatui::Terminal<
    crate::screen::Scrolling<ratatui::backend::CrosstermBackend<std::io::Stdout>>,
>;

/// Raw mode, the alternate screen and the panic hook (as
/// `ratatui::try_init`), with the scrolling backend.
fn take_terminal() -> std::io::Result<Tui> {
    ratatui::try_init()?;
    ratatui::Terminal::new(crate::screen::Scrolling::new(
        ratatui::backend::CrosstermBackend::new(std::io::stdout()),
    ))
}

/// Suspends the UI, runs the editor on `text` (see [`crate::editor`]),
/// and returns what was saved.
fn edit_externally(terminal: &mut Tui, text: &str) -> Result<String> {
    let mut back = Ok(());
    let edited = crate::editor::edit(&format!("{text}\n"), |run| {
        ratatui::restore();
        let status = tokio::task::block_in_place(run);
        back = take_terminal()
            .map(|t| *terminal = t)
            .map_err(|e| anyhow::anyhow!("cannot take the terminal back: {e}"));
        status
    });
    back?;
    terminal.clear()?;
    edited.map_err(|e| anyhow::anyhow!(e))
}

/// ctrl-z: give the terminal back, stop, and take it again on `fg`.
#[cfg(unix)]
fn suspend(terminal: &mut Tui) -> Result<()> {
    ratatui::restore();
    // SAFETY: raising SIGTSTP on our own process; the default action stops
    // it until SIGCONT, then execution continues here.
    unsafe {
        libc::raise(libc::SIGTSTP);
    }
    *terminal = take_terminal().context("cannot take the terminal back")?;
    terminal.clear()?;
    Ok(())
}

#[cfg(not(unix))]
fn suspend(_terminal: &mut Tui) -> Result<()> {
    Ok(())
}
