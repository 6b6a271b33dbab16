//! The shell commands: quick lookups and single changes without the
//! full-screen workspace. They print plain lines (or `--json`, with the
//! API's field names) and exit with:
//! 0 ok, 1 not found or ambiguous, 2 usage or config, 3 auth, 4 network or
//! server. Errors are one line on stderr with a hint.

use std::collections::HashMap;
use std::io::Write;

use chrono::Utc;

use crate::zone::Zone;
use serde_json::{Value, json};

use crate::api::actor::ApiOp;
use crate::api::model::*;
use crate::api::{ApiError, ApiResponse, Client};
use crate::search::{self, Entry, Tier};
use crate::text::sanitize;

/// A failure with its exit code.
#[derive(Debug)]
pub struct Failure {
    pub code: u8,
    pub message: String,
}

impl Failure {
    pub(super) fn new(code: u8, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }
}

impl From<ApiError> for Failure {
    fn from(e: ApiError) -> Self {
        let code = match &e {
            ApiError::Unauthorized { .. }
            | ApiError::MissingScope { .. }
            | ApiError::Forbidden { .. } => 3,
            ApiError::NotFound { .. } => 1,
            ApiError::Validation { .. } | ApiError::InvalidRequest(_) => 2,
            _ => 4,
        };
        Failure::new(code, e.to_string())
    }
}

impl From<std::io::Error> for Failure {
    fn from(e: std::io::Error) -> Self {
        // `rolo today | head`: the reader has what it wanted.
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            return Failure::new(0, "");
        }
        Failure::new(4, format!("cannot write the output: {e}"))
    }
}

pub type Outcome = Result<(), Failure>;

/// Styles for terminal output: colour only on a terminal, never with
/// `NO_COLOR` (or `TERM=dumb`).
#[derive(Debug, Clone, Copy)]
pub(super) struct Paint(bool);

impl Paint {
    pub(super) fn stdout() -> Paint {
        use std::io::IsTerminal;
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let dumb = std::env::var("TERM").is_ok_and(|t| t == "dumb");
        Paint(std::io::stdout().is_terminal() && !no_color && !dumb)
    }
    /// Styles `s`, which is sanitized first: whatever reaches a style may
    /// come from the server.
    fn wrap(self, code: &str, s: &str) -> String {
        let s = sanitize(s);
        if self.0 {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.into_owned()
        }
    }
    pub(super) fn bold(self, s: &str) -> String {
        self.wrap("1", s)
    }
    pub(super) fn dim(self, s: &str) -> String {
        self.wrap("2", s)
    }
    pub(super) fn red(self, s: &str) -> String {
        self.wrap("31", s)
    }
    pub(super) fn cyan(self, s: &str) -> String {
        self.wrap("36", s)
    }
}

/// The synced cache of the client's location, if there is one.
pub fn synced_cache(client: &Client) -> Option<crate::cache::Cache> {
    if caching_off() {
        return None;
    }
    let path = crate::cache::default_path(client.location_id())?;
    if !path.exists() {
        return None;
    }
    let cache = crate::cache::Cache::open(&path).ok()?;
    cache.synced_at().ok().flatten().map(|_| cache)
}

/// Who the profile acts for, and what a shell query's filters are read
/// against: the users and custom field definitions as the cache keeps
/// them, else (for a query with filters) asked of HighLevel once, briefly.
pub struct Lookups {
    pub users: Vec<User>,
    pub defs: Vec<CustomField>,
    /// The profile's user's email (`user = "…"`), and their id if known.
    pub me_email: Option<String>,
    pub me: Option<String>,
}

impl Lookups {
    /// The users and custom field definitions a cache keeps, if it does.
    pub fn cached(
        cache: Option<&crate::cache::Cache>,
    ) -> (Option<Vec<User>>, Option<Vec<CustomField>>) {
        let cached = |key: &str| {
            cache
                .and_then(|c| c.meta(key).ok().flatten())
                .and_then(|j| serde_json::from_str::<Value>(&j).ok())
        };
        (
            cached(crate::cache::LOCATION_USERS).and_then(|v| serde_json::from_value(v).ok()),
            cached(crate::cache::CUSTOM_FIELDS).and_then(|v| serde_json::from_value(v).ok()),
        )
    }

    /// What a cache alone knows, asking nobody.
    pub fn of_cache(cache: &crate::cache::Cache, me_email: Option<String>) -> Lookups {
        let (users, defs) = Self::cached(Some(cache));
        Self::made(users, defs, me_email)
    }

    pub async fn load(client: &Client, me_email: Option<String>, ask: bool) -> Lookups {
        let cache = synced_cache(client);
        let (mut users, mut defs) = Self::cached(cache.as_ref());
        let quick = std::time::Duration::from_secs(5);
        let once = client.without_retries();
        if ask && users.is_none() {
            users = tokio::time::timeout(quick, once.location_users())
                .await
                .ok()
                .and_then(Result::ok);
        }
        if ask && defs.is_none() {
            defs = tokio::time::timeout(quick, once.custom_fields())
                .await
                .ok()
                .and_then(Result::ok);
        }
        Self::made(users, defs, me_email)
    }

    fn made(
        users: Option<Vec<User>>,
        defs: Option<Vec<CustomField>>,
        me_email: Option<String>,
    ) -> Lookups {
        let users = users.unwrap_or_default();
        let me = me_email.as_deref().and_then(|e| {
            users
                .iter()
                .find(|u| {
                    u.email
                        .as_deref()
                        .is_some_and(|x| x.eq_ignore_ascii_case(e))
                })
                .map(|u| u.id.clone())
        });
        Lookups {
            users,
            defs: defs.unwrap_or_default(),
            me_email,
            me,
        }
    }

    /// The id of "me", or why it is unknown.
    pub fn me(&self) -> Result<&str, Failure> {
        match (&self.me, &self.me_email) {
            (Some(m), _) => Ok(m),
            (None, None) => Err(Failure::new(
                2,
                "who is \"me\"? Pick yourself with `rolo auth login --user EMAIL`, or name yourself in the profile: user = \"you@example.com\"",
            )),
            (None, Some(e)) => Err(Failure::new(
                2,
                format!(
                    "the profile's user {} is not among the location's users (as far as rolo knows: `rolo sync` refreshes them)",
                    crate::text::snippet(e, 60)
                ),
            )),
        }
    }
}

/// A shell query as the list reads it: `@NAME` saved searches expanded,
/// `assigned:me` added for `--mine`, then split into filters and text.
/// A filter that cannot be read is an error here (a script gets no
/// silently wider answer).
pub fn shell_filter(
    query: &str,
    mine: bool,
    look: &Lookups,
    zone: Zone,
) -> Result<(crate::filter::Filter, String), Failure> {
    let named = |w: &str| {
        w.strip_prefix('@')
            .is_some_and(|n| !n.is_empty() && !n.contains('.') && !n.contains('@'))
    };
    let mut q = if query.split_whitespace().any(named) {
        let saved = crate::searches::load().map_err(|e| Failure::new(2, e))?;
        crate::searches::expand(query, &saved).map_err(|e| Failure::new(2, e))?
    } else {
        query.to_string()
    };
    if mine {
        look.me()?;
        q = format!("assigned:me {q}");
    }
    let cx = crate::filter::Context {
        me: look.me.as_deref(),
        me_email: look.me_email.as_deref(),
        users: &look.users,
        defs: &look.defs,
        now: Utc::now(),
        zone,
    };
    let (filter, text) = crate::filter::Filter::split(&q, &cx);
    if let Some(p) = filter.problems.first() {
        return Err(Failure::new(2, format!("cannot read the filter {p}")));
    }
    if let Some(w) = filter.incomplete.first() {
        return Err(Failure::new(
            2,
            format!("the filter {} has no value", crate::text::snippet(w, 40)),
        ));
    }
    Ok((filter, text))
}

/// Contacts matching `query`, best first, with rolo's ranking (exact,
/// prefix, substring, fuzzy) and its filters: from the local cache once a
/// sync has filled it, else over the server's search (its `filters` too),
/// checked again here.
pub async fn find_contacts(
    client: &Client,
    query: &str,
    limit: usize,
) -> Result<Vec<(Contact, Tier)>, Failure> {
    find_filtered(client, &crate::filter::Filter::default(), query, limit).await
}

pub async fn find_filtered(
    client: &Client,
    filter: &crate::filter::Filter,
    text: &str,
    limit: usize,
) -> Result<Vec<(Contact, Tier)>, Failure> {
    if let Some(cache) = synced_cache(client) {
        return Ok(cache.find_filtered(text, filter, limit)?);
    }
    // Every page of the server's answer (its filters narrow it; those it
    // cannot express are checked here), up to what a quick look can take.
    const MOST: usize = 10_000;
    let mut q = SearchContacts {
        query: crate::search::server_words(text),
        page_limit: 500,
        filters: filter.to_server(),
        ..SearchContacts::default()
    };
    let mut walk = crate::api::paging::Walk::new();
    let mut seen = std::collections::HashSet::new();
    let mut contacts: Vec<Contact> = Vec::new();
    let mut read = 0usize;
    loop {
        walk.position(q.page_limit, MOST as u64)
            .map_err(|e| Failure::new(4, e.to_string()))?
            .apply(&mut q);
        let page = client.search_contacts(&q).await?;
        read += page.contacts.len();
        let total = page.total;
        let step = walk
            .take(q.page_limit, &page.contacts, &mut seen)
            .map_err(|e| Failure::new(4, e.to_string()))?;
        contacts.extend(
            page.contacts
                .into_iter()
                .filter(|c| filter.matches_entry(&Entry::new(c))),
        );
        if step == crate::api::paging::Step::End {
            break;
        }
        if read >= MOST {
            eprintln!(
                "rolo: looked through the first {read} of {total} contacts; `rolo sync` keeps them all here and searches every one"
            );
            break;
        }
    }
    let entries: Vec<Entry> = contacts.iter().map(Entry::new).collect();
    let hits = search::search(text, &entries);
    Ok(hits
        .into_iter()
        .take(limit)
        .map(|h| (contacts[h.index].clone(), h.tier))
        .collect())
}

/// One contact from an id or an unambiguous query; otherwise the matches
/// are listed on stderr and the exit code is 1.
pub async fn resolve_contact(client: &Client, what: &str) -> Result<Contact, Failure> {
    if super::bulk::is_stdin(what) {
        return Err(Failure::new(
            2,
            "`-` (the ids on standard input) works with show, deals, task add, tag, workflow and campaign; this command takes one contact",
        ));
    }
    let looks_like_id = what.len() >= 16 && what.chars().all(|c| c.is_ascii_alphanumeric());
    if looks_like_id {
        match client.get_contact(what).await {
            Ok(c) => return Ok(c),
            Err(ApiError::NotFound { .. }) => {}
            // Unreachable: the cache knows the contact, and the edit can
            // wait in the outbox.
            Err(e) if e.is_transient() => {
                match synced_cache(client).and_then(|c| c.contact(what).ok().flatten()) {
                    Some(c) => return Ok(c),
                    None => return Err(e.into()),
                }
            }
            Err(e) => return Err(e.into()),
        }
    }
    let found = find_contacts(client, what, 10).await?;
    match found.as_slice() {
        [] => Err(Failure::new(1, format!("no contact matches {what:?}"))),
        [(only, _)] => Ok(client.get_contact(&only.id).await?),
        [(best, t1), (_, t2), ..] if t1 > t2 && *t1 >= Tier::Prefix => {
            Ok(client.get_contact(&best.id).await?)
        }
        many => {
            let mut lines = format!(
                "{} contacts match {what:?}; say which (by id or a longer query):",
                many.len()
            );
            for (c, _) in many {
                lines.push_str(&format!("\n  {}  {}", c.id, one_line(c)));
            }
            Err(Failure::new(1, lines))
        }
    }
}

/// name · company · email · phone · #tags, sanitized.
pub fn one_line(c: &Contact) -> String {
    let mut parts = vec![sanitize(&c.display_name()).into_owned()];
    for v in [&c.company_name, &c.email, &c.phone].into_iter().flatten() {
        if !v.trim().is_empty() {
            parts.push(sanitize(v).into_owned());
        }
    }
    let tags: Vec<String> = c
        .tags()
        .iter()
        .map(|t| format!("#{}", sanitize(t)))
        .collect();
    if !tags.is_empty() {
        parts.push(tags.join(" "));
    }
    parts.join(" · ")
}

/// "in 2h", "3d overdue", or nothing for a task without a due date.
fn due_in(t: &Task, now: chrono::DateTime<Utc>) -> String {
    t.due()
        .map(|d| crate::due::relative(d, now))
        .unwrap_or_default()
}

pub(super) fn print_json(v: &Value) -> Outcome {
    let text = serde_json::to_string_pretty(v).map_err(|e| Failure::new(4, e.to_string()))?;
    writeln!(std::io::stdout().lock(), "{}", json_escaped(&text))?;
    Ok(())
}

/// JSON text with every non-printing character escaped (`\u009b`,
/// `\u202e`, `\u007f`), not only the U+0000–001F that JSON requires: such
/// characters can only stand inside strings, where the escape means the same.
pub fn json_escaped(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if crate::text::is_unsafe(c) && c != '\n' {
            let mut buf = [0u16; 2];
            for unit in c.encode_utf16(&mut buf) {
                out.push_str(&format!("\\u{unit:04x}"));
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// `rolo find QUERY`
/// How `rolo find` prints what it found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    Lines,
    Json,
    /// Bare ids, one per line.
    Ids,
}

pub async fn find(
    client: &Client,
    query: &str,
    limit: usize,
    shape: Shape,
    mine: bool,
    me_email: Option<String>,
    zone: Zone,
) -> Outcome {
    if limit == 0 {
        return Err(Failure::new(2, "--limit must be at least 1"));
    }
    let filtering =
        mine || query.contains(':') || query.split_whitespace().any(|w| w.starts_with('@'));
    let look = Lookups::load(client, me_email, filtering).await;
    let (filter, text) = shell_filter(query, mine, &look, zone)?;
    let found = find_filtered(client, &filter, &text, limit).await?;
    if shape == Shape::Json {
        return print_json(&json!(found.iter().map(|(c, _)| c).collect::<Vec<_>>()));
    }
    if found.is_empty() {
        return Err(Failure::new(1, format!("no contact matches {query:?}")));
    }
    if shape == Shape::Ids {
        let mut out = std::io::stdout().lock();
        for (c, _) in &found {
            writeln!(out, "{}", sanitize(&c.id))?;
        }
        return Ok(());
    }
    let paint = Paint::stdout();
    let mut out = std::io::stdout().lock();
    for (c, _) in &found {
        writeln!(out, "{}", found_line(paint, c))?;
    }
    Ok(())
}

/// A found contact's line: the id dim, the name in bold, the rest as is.
/// (`one_line` and `paint` sanitize what they are given.)
pub(super) fn found_line(paint: Paint, c: &Contact) -> String {
    let line = one_line(c);
    let name_len = sanitize(&c.display_name()).len();
    let (name, rest) = line.split_at(name_len.min(line.len()));
    format!("{}  {}{rest}", paint.dim(&c.id), paint.bold(name))
}

/// `rolo query QUERY`: the mutt/aerc address-book format.
pub async fn query(client: &Client, query: &str) -> Outcome {
    let found = find_contacts(client, query, 50).await?;
    let with_email: Vec<&Contact> = found
        .iter()
        .map(|(c, _)| c)
        .filter(|c| c.email.is_some())
        .collect();
    let mut out = std::io::stdout().lock();
    writeln!(out, "rolo: {} matches", with_email.len())?;
    for c in &with_email {
        let tabless = |s: &str| sanitize(s).replace('\t', " ");
        writeln!(
            out,
            "{}\t{}\t{}",
            tabless(c.email.as_deref().unwrap_or("")),
            tabless(&c.display_name()),
            tabless(c.company_name.as_deref().unwrap_or(""))
        )?;
    }
    if with_email.is_empty() {
        return Err(Failure::new(
            1,
            format!("no contact with an email matches {query:?}"),
        ));
    }
    Ok(())
}

/// `rolo show ID|QUERY`: a card with fields, tags, open tasks, recent
/// notes and upcoming appointments.
pub async fn show(client: &Client, what: &str, as_json: bool, zone: Zone) -> Outcome {
    let c = resolve_contact(client, what).await?;
    let (tasks, notes, appts, users, defs) = tokio::join!(
        client.tasks(&c.id),
        client.notes(&c.id),
        client.appointments(&c.id),
        client.location_users(),
        client.custom_fields(),
    );
    let (tasks, notes, appts) = (tasks?, notes?, appts?);
    // Names where the API gives ids; without them (no scope, say), ids.
    let users = users.unwrap_or_default();
    let name_of = |id: &str| users.iter().find(|u| u.id == id).map(|u| u.display_name());
    let owner = c.assigned_to.as_deref().map(|id| (id, name_of(id)));
    let custom = crate::api::locations::named_values(
        &defs.unwrap_or_default(),
        c.custom_fields.as_deref().unwrap_or(&[]),
    );
    let now = Utc::now();
    let mut open: Vec<&Task> = tasks.iter().filter(|t| !t.completed).collect();
    open.sort_by_key(|t| t.due());
    let mut recent: Vec<&Note> = notes.iter().collect();
    recent.sort_by(|a, b| b.date_added.cmp(&a.date_added));
    recent.truncate(3);
    let mut upcoming: Vec<&Appointment> = appts
        .iter()
        .filter(|a| a.start().is_some_and(|s| s >= now))
        .collect();
    upcoming.sort_by_key(|a| a.start());
    if as_json {
        return print_json(&json!({
            "contact": c,
            "owner": owner.map(|(id, name)| json!({"id": id, "name": name})),
            "customFields": custom
                .iter()
                .map(|(name, shown)| json!({"name": name, "shown": shown}))
                .collect::<Vec<_>>(),
            "tasks": open,
            "notes": recent,
            "appointments": upcoming,
        }));
    }
    let paint = Paint::stdout();
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "{}  {}",
        paint.bold(&sanitize(&c.display_name())),
        paint.dim(&format!("({})", c.id))
    )?;
    let fields = [
        ("email", &c.email),
        ("phone", &c.phone),
        ("company", &c.company_name),
        ("city", &c.city),
        ("website", &c.website),
    ];
    let owner = owner.map(|(id, name)| name.unwrap_or_else(|| id.to_string()));
    for (k, v) in fields.into_iter().chain([("owner", &owner)]) {
        if let Some(v) = v.as_deref().filter(|v| !v.trim().is_empty()) {
            writeln!(out, "  {} {}", paint.dim(&format!("{k:<8}")), sanitize(v))?;
        }
    }
    for (k, v) in &custom {
        writeln!(
            out,
            "  {} {}",
            paint.dim(&format!("{:<8}", sanitize(k))),
            crate::text::snippet(v, 100)
        )?;
    }
    if !c.tags().is_empty() {
        let tags: Vec<String> = c
            .tags()
            .iter()
            .map(|t| format!("#{}", sanitize(t)))
            .collect();
        writeln!(
            out,
            "  {} {}",
            paint.dim(&format!("{:<8}", "tags")),
            paint.cyan(&tags.join(" "))
        )?;
    }
    writeln!(
        out,
        "{}",
        paint.bold(&format!("Open tasks ({})", open.len()))
    )?;
    for t in &open {
        let when = due_in(t, now);
        let when = if when.contains("overdue") {
            paint.red(&when)
        } else {
            when
        };
        writeln!(
            out,
            "  {}  {}  {}",
            sanitize(t.title.as_deref().unwrap_or("")),
            when,
            paint.dim(&format!("[{}]", t.id))
        )?;
    }
    writeln!(
        out,
        "{}",
        paint.bold(&format!(
            "Recent notes ({} of {})",
            recent.len(),
            notes.len()
        ))
    )?;
    for n in &recent {
        let first = n.body.as_deref().unwrap_or("").lines().next().unwrap_or("");
        writeln!(out, "  {}", crate::text::snippet(first, 100))?;
    }
    writeln!(
        out,
        "{}",
        paint.bold(&format!("Upcoming appointments ({})", upcoming.len()))
    )?;
    for a in &upcoming {
        let when = a
            .start()
            .map(|s| crate::due::describe(s, &zone))
            .unwrap_or_default();
        writeln!(
            out,
            "  {when}  {}  {}",
            sanitize(a.title.as_deref().unwrap_or("")),
            sanitize(a.appointment_status.as_deref().unwrap_or(""))
        )?;
    }
    Ok(())
}

/// `--no-cache` (or `ROLO_NO_CACHE`, which clap reads into the same flag),
/// as the dispatch set it for this run.
static NO_CACHE: std::sync::OnceLock<bool> = std::sync::OnceLock::new();

/// Says, once per run, that the shell keeps nothing on disk.
pub fn set_caching_off(off: bool) {
    let _ = NO_CACHE.set(off);
}

pub(super) fn caching_off() -> bool {
    *NO_CACHE.get_or_init(|| crate::config::env_flag("ROLO_NO_CACHE"))
}

/// `rolo today`: open tasks due today or overdue, across contacts.
pub async fn today(
    client: &Client,
    as_json: bool,
    zone: Zone,
    mine: bool,
    me_email: Option<String>,
) -> Outcome {
    let me = if mine {
        let look = Lookups::load(client, me_email, true).await;
        Some(look.me()?.to_string())
    } else {
        None
    };
    let tasks = client
        .search_tasks_all(&TaskSearch {
            completed: Some(false),
            ..TaskSearch::default()
        })
        .await?;
    let now = Utc::now();
    let due = crate::due::due_by_end_of_today(
        tasks.iter().filter(|t| {
            me.as_deref()
                .is_none_or(|m| t.assigned_to.as_deref() == Some(m))
        }),
        now,
        zone,
    );
    if as_json {
        return print_json(&json!(due));
    }
    let paint = Paint::stdout();
    let mut out = std::io::stdout().lock();
    for t in &due {
        let when = format!("{:<12}", due_in(t, now));
        let when = if when.contains("overdue") {
            paint.red(&when)
        } else {
            paint.bold(&when)
        };
        writeln!(
            out,
            "{when} {}  {}",
            sanitize(t.title.as_deref().unwrap_or("")),
            paint.dim(&format!(
                "[contact {} · task {}]",
                t.contact_id.as_deref().unwrap_or("?"),
                t.id
            ))
        )?;
    }
    if due.is_empty() {
        writeln!(out, "Nothing due today.")?;
    }
    Ok(())
}

/// Makes a change the way the workspace does: committed to the outbox
/// first, then sent (after any earlier edit of the same contact). A
/// refusal is an error and the edit is dropped (the command line still has
/// it); a network or server failure keeps it queued for `rolo outbox push`.
pub(super) async fn apply(client: &Client, op: ApiOp) -> Result<ApiResponse, Failure> {
    apply_all(client, vec![op])
        .await?
        .pop()
        .unwrap_or_else(|| Err(Failure::new(4, "no answer")))
}

/// Several edits through the outbox: queued in one transaction before any
/// is sent, then sent (the outbox's own order and pacing), each answered
/// in turn. An edit refused for good is taken out of the outbox and its
/// error returned; one not confirmed stays there, and says so.
pub(super) async fn apply_all(
    client: &Client,
    ops: Vec<ApiOp>,
) -> Result<Vec<Result<ApiResponse, Failure>>, Failure> {
    let no_cache = caching_off();
    let path = (!no_cache)
        .then(|| crate::cache::default_path(client.location_id()))
        .flatten();
    let Some(path) = path else {
        let mut out = Vec::with_capacity(ops.len());
        for op in ops {
            out.push(op.run(client).await.map_err(Failure::from));
        }
        return Ok(out);
    };
    let seqs = crate::cache::Cache::open(&path)?.enqueue_many(&ops)?;
    let mut answers: HashMap<i64, Result<ApiResponse, ApiError>> = HashMap::new();
    let mut parked: Vec<(i64, ApiOp)> = Vec::new();
    // Many edits: how far they are, on stderr, every 100.
    let (total, mut settled_n) = (seqs.len(), 0usize);
    crate::cache::outbox::drain(client, &path, false, |settled| {
        use crate::cache::outbox::Settled;
        if total > 100
            && let Settled::Confirmed(e, _) | Settled::Refused(e, _) = settled
            && seqs.contains(&e.seq)
        {
            settled_n += 1;
            if settled_n % 100 == 0 && settled_n < total {
                eprintln!("rolo: {settled_n} / {total} sent");
            }
        }
        match settled {
            Settled::Confirmed(e, r) if seqs.contains(&e.seq) => {
                let refused = crate::cache::outbox::refusals(&e.op, Some(r));
                parked.extend(refused.into_iter().map(|(op, _)| (e.seq, op)));
                answers.insert(e.seq, Ok(r.clone()));
            }
            Settled::Refused(e, err) | Settled::Later(e, err) if seqs.contains(&e.seq) => {
                answers.insert(e.seq, Err(err.clone()));
            }
            _ => {}
        }
    })
    .await?;
    // A bulk piece's refusals were kept as edits needing attention; here
    // they are answered (the caller reports them), so they go.
    if !parked.is_empty() {
        let cache = crate::cache::Cache::open(&path)?;
        for e in cache.outbox()? {
            if e.state == crate::cache::outbox::EntryState::Attention
                && parked
                    .iter()
                    .any(|(after, op)| e.seq > *after && *op == e.op)
            {
                cache.discard(e.seq)?;
            }
        }
    }
    let elsewhere = crate::cache::outbox::SenderLock::try_take(&path).is_none();
    let mut out = Vec::with_capacity(seqs.len());
    for seq in seqs {
        out.push(match answers.remove(&seq) {
            Some(Ok(r)) => Ok(r),
            // Never discarded: whether it reached the customer is unknown.
            Some(Err(ApiError::Conflict(m))) if m == crate::cache::outbox::MAY_HAVE_BEEN_SENT => {
                Err(Failure::new(
                    4,
                    format!(
                        "{m}. Kept in the outbox as edit {seq}: `rolo outbox retry {seq}` sends it again, `rolo outbox discard {seq}` drops it"
                    ),
                ))
            }
            Some(Err(e)) if !e.is_transient() && !matches!(e, ApiError::Decode { .. }) => {
                crate::cache::Cache::open(&path)?.discard(seq)?;
                Err(e.into())
            }
            Some(Err(e)) => Err(Failure::new(
                4,
                format!(
                    "not confirmed by HighLevel ({e}); kept in the outbox as edit {seq}: `rolo outbox push` sends it (a message, only once it has looked for it in the conversation)"
                ),
            )),
            // Not sent by this run: another rolo holds the sender's lock, or
            // an earlier edit of this contact goes first.
            None if elsewhere => Err(Failure::new(
                4,
                format!(
                    "queued as edit {seq}: another rolo is sending this location's edits and will send it (see `rolo outbox`)"
                ),
            )),
            None => Err(Failure::new(
                4,
                format!(
                    "queued as edit {seq} behind an earlier edit of this contact that is not through yet: see `rolo outbox`"
                ),
            )),
        });
    }
    Ok(out)
}

/// `rolo task add CONTACT --title T --due WHEN [--body B]`
pub async fn task_add(
    client: &Client,
    who: &str,
    title: &str,
    due: &str,
    body: Option<&str>,
    zone: Zone,
) -> Outcome {
    let due = crate::due::parse_due(due, Utc::now().with_timezone(&zone))
        .map_err(|e| Failure::new(2, e))?;
    if super::bulk::is_stdin(who) {
        return super::bulk::task_add_each(client, title, format_timestamp(due), body, &zone, due)
            .await;
    }
    let c = resolve_contact(client, who).await?;
    let op = ApiOp::CreateTask {
        contact_id: c.id.clone(),
        task: NewTask {
            title: title.to_string(),
            body: body.map(str::to_string),
            due_date: format_timestamp(due),
            completed: false,
            assigned_to: None,
        },
    };
    let ApiResponse::Task(t) = apply(client, op).await? else {
        return Err(Failure::new(4, "unexpected answer to a task creation"));
    };
    println!(
        "Added task {} for {} due {} ({}).",
        sanitize(&t.id),
        sanitize(&c.display_name()),
        crate::due::describe(due, &zone),
        zone.name()
    );
    Ok(())
}

/// `rolo task done CONTACT TASK_ID`
pub async fn task_done(client: &Client, who: &str, task_id: &str) -> Outcome {
    let c = resolve_contact(client, who).await?;
    let op = ApiOp::SetTaskCompleted {
        contact_id: c.id.clone(),
        task_id: task_id.to_string(),
        completed: true,
    };
    let ApiResponse::Task(t) = apply(client, op).await? else {
        return Err(Failure::new(4, "unexpected answer to completing a task"));
    };
    println!("Done: {}.", sanitize(t.title.as_deref().unwrap_or(task_id)));
    Ok(())
}

/// `rolo tag add|rm CONTACT TAG...`
pub async fn tags(client: &Client, who: &str, add: bool, tags: &[String]) -> Outcome {
    let c = resolve_contact(client, who).await?;
    let (contact_id, tags) = (c.id.clone(), tags.to_vec());
    let op = if add {
        ApiOp::AddTags { contact_id, tags }
    } else {
        ApiOp::RemoveTags { contact_id, tags }
    };
    let ApiResponse::Tags(now) = apply(client, op).await? else {
        return Err(Failure::new(4, "unexpected answer to a tag change"));
    };
    let shown: Vec<String> = now.iter().map(|t| format!("#{}", sanitize(t))).collect();
    println!(
        "{} now has: {}",
        sanitize(&c.display_name()),
        if shown.is_empty() {
            "no tags".into()
        } else {
            shown.join(" ")
        }
    );
    Ok(())
}

/// `rolo note add CONTACT`: the body is `body` (from stdin or `$EDITOR`).
/// A note that is neither added nor queued is kept in a file, and the
/// error says where: text typed in an editor exists nowhere else.
pub async fn note_add(client: &Client, who: &str, body: &str) -> Outcome {
    if body.trim().is_empty() {
        return Err(Failure::new(2, "the note is empty; nothing was added"));
    }
    let result = add_note(client, who, body).await;
    match result {
        Err(mut f)
            if !f.message.contains("kept in the outbox")
                && !f.message.contains("queued as edit") =>
        {
            if let Some(p) = crate::cache::keep_unsent("note", body) {
                f.message = format!("{}; your note is kept in {}", f.message, p.display());
            }
            Err(f)
        }
        other => other,
    }
}

async fn add_note(client: &Client, who: &str, body: &str) -> Outcome {
    let c = resolve_contact(client, who).await?;
    let op = ApiOp::CreateNote {
        contact_id: c.id.clone(),
        note: NewNote {
            body: body.trim_end().to_string(),
            ..NewNote::default()
        },
    };
    let ApiResponse::Note(n) = apply(client, op).await? else {
        return Err(Failure::new(4, "unexpected answer to a note creation"));
    };
    println!(
        "Added note {} to {}.",
        sanitize(&n.id),
        sanitize(&c.display_name())
    );
    Ok(())
}

impl From<crate::cache::CacheError> for Failure {
    fn from(e: crate::cache::CacheError) -> Self {
        Failure::new(2, e.to_string())
    }
}

impl From<crate::cache::sync::SyncError> for Failure {
    fn from(e: crate::cache::sync::SyncError) -> Self {
        match e {
            crate::cache::sync::SyncError::Api(e) => e.into(),
            crate::cache::sync::SyncError::Cache(e) => e.into(),
            e @ crate::cache::sync::SyncError::Paging(_) => Failure::new(4, e.to_string()),
        }
    }
}

/// `rolo sync`: a bar on a terminal, a line per page otherwise. Edits
/// waiting in the outbox go first.
pub async fn sync(client: &Client, path: &std::path::Path, full: bool) -> Outcome {
    use std::io::IsTerminal;
    let tty = std::io::stderr().is_terminal();
    let (_, recovery) = crate::cache::Cache::open_or_recover(path)?;
    if let Some(r) = recovery {
        eprintln!("rolo: {r}");
    }
    let counts = crate::cache::Cache::open(path)?.outbox_counts()?;
    if counts.pending > 0 {
        outbox_push(client, path).await?;
    }
    let opts = crate::cache::sync::SyncOptions {
        full,
        ..Default::default()
    };
    let mut err = std::io::stderr().lock();
    let mut repaired = false;
    let summary = loop {
        let summary = crate::cache::sync::sync(client, path, &opts, |e| {
            if let crate::cache::sync::SyncEvent::Progress(p) = e {
                if tty {
                    let _ = write!(err, "\r\x1b[2K{}  {p}", bar(p.done, p.total, 24));
                } else {
                    let _ = writeln!(err, "{p}");
                }
                let _ = err.flush();
            }
        })
        .await;
        if tty {
            let _ = write!(err, "\r\x1b[2K");
        }
        match summary {
            // Damage the start-up check missed (scattered pages): moved
            // aside, unsent edits kept, and the sync runs again, once.
            Err(crate::cache::sync::SyncError::Cache(e)) if e.is_corrupt() && !repaired => {
                repaired = true;
                let (_, r) = crate::cache::Cache::recover(path, e.to_string())?;
                let _ = writeln!(err, "rolo: {r}");
            }
            other => break other,
        }
    };
    let s = summary?;
    // The workspace's next start reads the list as synced in one piece.
    if let Err(e) = crate::cache::Cache::open(path).and_then(|c| c.refresh_list_block()) {
        tracing::info!("the list's block is not stored: {e}");
    }
    let what = if s.full { "full pass" } else { "changes only" };
    writeln!(
        std::io::stdout(),
        "Synced {} contacts ({what}: {} fetched, {} removed, {} requests, {:.1} s)",
        crate::cache::sync::thousands(s.cached),
        crate::cache::sync::thousands(s.fetched),
        s.removed,
        s.requests,
        s.elapsed.as_secs_f64()
    )?;
    Ok(())
}

/// A progress bar of `width` cells.
fn bar(done: u64, total: u64, width: usize) -> String {
    let filled = if total == 0 {
        0
    } else {
        ((done.min(total) as f64 / total as f64) * width as f64).round() as usize
    };
    format!("[{}{}]", "#".repeat(filled), "-".repeat(width - filled))
}

/// `rolo outbox`: the edits not yet confirmed by HighLevel.
pub fn outbox_list(path: &std::path::Path, as_json: bool) -> Outcome {
    let (cache, recovery) = crate::cache::Cache::open_or_recover(path)?;
    if let Some(r) = recovery {
        eprintln!("rolo: {r}");
    }
    let lost = cache.outbox_note(crate::cache::outbox::LOST_NOTE)?;
    if let Some(note) = &lost {
        eprintln!(
            "rolo: {} (`rolo outbox ack` stops this warning)",
            sanitize(note)
        );
    }
    let entries = cache.outbox()?;
    if as_json {
        return print_json(&serde_json::to_value(&entries).unwrap_or_default());
    }
    let mut out = std::io::stdout().lock();
    if entries.is_empty() {
        if lost.is_some() {
            // Not "every edit is confirmed": some may never have been sent.
            writeln!(
                out,
                "Nothing waiting in the outbox now (see the warning above)."
            )?;
        } else {
            writeln!(
                out,
                "Nothing waiting: every edit is confirmed by HighLevel."
            )?;
        }
        return Ok(());
    }
    for e in &entries {
        let state = match e.state {
            crate::cache::outbox::EntryState::Pending => "pending",
            crate::cache::outbox::EntryState::Attention => "NEEDS ATTENTION",
        };
        write!(
            out,
            "{:>5}  {state:<15}  {}",
            e.seq,
            sanitize(&e.description)
        )?;
        if e.attempts > 0 {
            write!(out, "  ({} attempts)", e.attempts)?;
        }
        if let Some(err) = &e.error {
            write!(out, "\n       {}", sanitize(err))?;
        }
        writeln!(out)?;
    }
    Ok(())
}

/// `rolo outbox push`: send what waits, retrying what can heal, until
/// nothing is left to send.
pub async fn outbox_push(client: &Client, path: &std::path::Path) -> Outcome {
    let mut err = std::io::stderr().lock();
    let left = crate::cache::outbox::drain(client, path, true, |settled| {
        use crate::cache::outbox::Settled;
        let _ = match settled {
            Settled::Confirmed(entry, _) => writeln!(err, "sent: {}", sanitize(&entry.description)),
            Settled::Refused(entry, ApiError::Conflict(m))
                if m == crate::cache::outbox::MAY_HAVE_BEEN_SENT =>
            {
                writeln!(err, "unsure: {}: {m}", sanitize(&entry.description))
            }
            Settled::Refused(entry, e) => {
                writeln!(err, "refused: {}: {e}", sanitize(&entry.description))
            }
            Settled::Later(entry, e) => {
                writeln!(err, "not yet: {}: {e}", sanitize(&entry.description))
            }
        };
    })
    .await?;
    if left.attention > 0 {
        return Err(Failure::new(
            4,
            format!(
                "{} edit(s) need attention (refused by HighLevel, or a message that may have been sent): see `rolo outbox`, then `rolo outbox retry SEQ` or `rolo outbox discard SEQ`",
                left.attention
            ),
        ));
    }
    Ok(())
}

/// `rolo outbox ack`: the warning about possibly lost edits is read.
pub fn outbox_ack(path: &std::path::Path) -> Outcome {
    let cache = crate::cache::Cache::open(path)?;
    let lost = crate::cache::outbox::LOST_NOTE;
    if cache.outbox_note(lost)?.is_some() {
        cache.clear_outbox_note(lost)?;
        println!("The warning about lost edits will not be shown again.");
    } else {
        println!("There is no warning about lost edits.");
    }
    Ok(())
}

/// `rolo outbox retry|discard SEQ`
pub fn outbox_settle(path: &std::path::Path, seq: i64, retry: bool) -> Outcome {
    let cache = crate::cache::Cache::open(path)?;
    // With no sender alive (the lock is free), nothing is in flight: marks
    // left by a rolo that was killed mid-send go.
    if let Some(_lock) = crate::cache::outbox::SenderLock::try_take(path) {
        cache.clear_sending()?;
    }
    if cache.outbox_entry(seq)?.is_none() {
        return Err(Failure::new(1, format!("no edit {seq} in the outbox")));
    }
    if retry {
        cache.retry(seq, None)?;
        writeln!(std::io::stdout(), "Edit {seq} will be sent again.")?;
    } else {
        cache.discard(seq)?;
        writeln!(std::io::stdout(), "Edit {seq} discarded.")?;
    }
    Ok(())
}
