//! The contact list and its search: what is listed, in which order, with which matches highlighted, and where the cursor is.

use crate::app::*;

/// The contact list's room: every contact known here, their search index,
/// the query and its hits, the cursor and the window on them, and the walk
/// that loads the list page by page.
pub struct ContactList {
    /// Every contact, in the list's compact block (see [`crate::arena`]),
    /// with its search.
    pub(crate) index: Index,
    /// How many contacts the server says it has, when it said.
    pub total_on_server: Option<u64>,
    pub status: Remote<()>,
    /// The walk through the contact pages (the one page walk sync uses too).
    pub(crate) walk: crate::api::paging::Walk,
    /// Ids the walk has brought, to see a page sent again.
    pub(crate) walk_seen: HashSet<String>,
    pub query: String,
    pub hits: Vec<Hit>,
    /// The cursor, an index into `hits`.
    pub selected: usize,
    /// The first hit on screen.
    pub offset: usize,
    /// When the server is asked too, once typing pauses.
    pub(crate) search_due: Option<u64>,
    /// Match highlights of the visible rows (see [`Highlights`]).
    pub highlighted: Highlights,
    /// Bumped whenever `hits` is recomputed.
    pub(crate) hits_generation: u64,
    /// A filter that stays when the search is cleared: a saved search
    /// recalled (its name and query), until `0` lets it go.
    pub pinned: Option<(String, String)>,
    /// Only the contacts assigned to the profile's user (`M`).
    pub mine: bool,
    /// The filters in force (pinned, mine and typed), as last read.
    pub filter: crate::filter::Filter,
    /// The query's words that are not filters: what the text search gets.
    pub text: String,
    /// The marked contacts, by id (see `marks`).
    pub marks: HashSet<String>,
    /// A filter waits for what it looks at, from the cache.
    pub facts_due: bool,
    pub(crate) facts_asked: bool,
}

impl Default for ContactList {
    fn default() -> Self {
        ContactList {
            index: Index::default(),
            total_on_server: None,
            status: Remote::Idle,
            walk: crate::api::paging::Walk::new(),
            walk_seen: HashSet::new(),
            query: String::new(),
            hits: Vec::new(),
            selected: 0,
            offset: 0,
            search_due: None,
            highlighted: Highlights::default(),
            hits_generation: 0,
            pinned: None,
            mine: false,
            filter: crate::filter::Filter::default(),
            text: String::new(),
            marks: HashSet::new(),
            facts_due: false,
            facts_asked: false,
        }
    }
}

/// Match highlights of the rows on screen. `update` computes them when the
/// query, the hits or the window change; a frame only looks them up.
#[derive(Debug, Default)]
pub struct Highlights {
    /// What they were computed for: query, hits generation, offset, rows.
    key: Option<(String, u64, usize, usize)>,
    rows: Vec<(usize, Vec<u32>)>,
}

/// What the list keeps of a contact: what it shows and searches. The rest
/// (custom fields, address, attribution…) comes with the detail pane's
/// fetch, so that 100,000 contacts fit in a modest amount of memory.
pub(crate) fn slim(c: Contact) -> Contact {
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
        // Whose it is: for names in the list and "mine".
        assigned_to: c.assigned_to,
        ..Contact::default()
    }
}

pub(crate) fn on_search_key(s: &mut State, k: KeyEvent) {
    match k.code {
        KeyCode::Esc => {
            s.list.query.clear();
            s.focus = Focus::List;
            s.list.search_due = None;
            s.refilter();
        }
        KeyCode::Enter | KeyCode::Down | KeyCode::Tab => s.focus = Focus::List,
        KeyCode::Backspace => {
            if k.modifiers.contains(KeyModifiers::CONTROL)
                || k.modifiers.contains(KeyModifiers::ALT)
            {
                let trimmed = s.list.query.trim_end().to_string();
                let cut = trimmed.rfind(' ').map_or(0, |i| i + 1);
                s.list.query.truncate(cut);
            } else {
                s.list.query.pop();
            }
            after_query_change(s);
        }
        KeyCode::Char('u') if k.modifiers.contains(KeyModifiers::CONTROL) => {
            s.list.query.clear();
            after_query_change(s);
        }
        KeyCode::Char('w') if k.modifiers.contains(KeyModifiers::CONTROL) => {
            let trimmed = s.list.query.trim_end().to_string();
            let cut = trimmed.rfind(' ').map_or(0, |i| i + 1);
            s.list.query.truncate(cut);
            after_query_change(s);
        }
        KeyCode::Char(c)
            if !k.modifiers.contains(KeyModifiers::CONTROL) && !crate::text::is_unsafe(c) =>
        {
            s.list.query.push(c);
            after_query_change(s);
        }
        _ => {}
    }
}

pub(crate) fn after_query_change(s: &mut State) {
    s.list.offset = 0;
    s.refilter_keeping(false);
    s.list.search_due = Some(s.elapsed_ms + SEARCH_DEBOUNCE_MS);
}

pub(crate) fn server_search(s: &mut State, out: &mut Vec<Command>) {
    let q = s.list.query.trim().to_string();
    let complete = s
        .list
        .total_on_server
        .is_some_and(|t| s.list.len() as u64 >= t);
    let _ = q;
    let words = crate::search::server_words(&s.list.text);
    let filters = s.list.filter.to_server();
    if complete || (words.is_none() && filters.is_empty()) {
        return;
    }
    s.request(
        out,
        ApiOp::SearchContacts(SearchContacts {
            query: words,
            page_limit: 100,
            filters,
            ..SearchContacts::default()
        }),
        Priority::Interactive,
        Some("server-search"),
        Purpose::List(ListWait::Search),
    );
}

pub(crate) fn move_cursor(s: &mut State, action: Action) {
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
        (View::Today, _) => s.today.selected = step(s.today.selected, s.today_tasks().len()),
        (View::Agenda, _) => s.agenda.selected = step(s.agenda.selected, s.agenda_rows().len()),
        (View::Board, _) => s.board_cursor(action),
        (View::Inbox, _) => s.inbox.selected = step(s.inbox.selected, s.inbox_rows().len()),
        (View::Contacts, Focus::Detail) => {
            s.detail.cursor = step(s.detail.cursor, s.detail.items().len())
        }
        (View::Contacts, _) => {
            s.list.selected = step(s.list.selected, s.list.hits.len());
            s.ensure_visible();
            s.follow_selection();
        }
    }
}

impl ContactList {
    /// How many contacts are listed, before any search.
    pub fn len(&self) -> usize {
        self.index.len()
    }

    pub fn is_empty(&self) -> bool {
        self.index.is_empty()
    }

    /// Contact `i` (an index of a hit), slim, built from the block.
    pub fn contact(&self, i: usize) -> Contact {
        self.index.rows().contact(i)
    }

    /// Contact `i`'s id.
    pub fn id(&self, i: usize) -> &str {
        self.index.rows().id(i)
    }

    /// Where contact `id` is (an index, as hits hold).
    pub fn position(&self, id: &str) -> Option<usize> {
        self.index.rows().position(id)
    }

    /// The contact under the cursor.
    pub fn selected_contact(&self) -> Option<Contact> {
        let hit = self.hits.get(self.selected)?;
        (hit.index < self.len()).then(|| self.contact(hit.index))
    }

    /// The id of the contact under the cursor.
    pub fn selected_id(&self) -> Option<&str> {
        let hit = self.hits.get(self.selected)?;
        (hit.index < self.len()).then(|| self.id(hit.index))
    }

    pub fn contact_by_id(&self, id: &str) -> Option<Contact> {
        self.position(id).map(|i| self.contact(i))
    }

    /// Puts a prepared list in place (the caller re-ranks).
    fn put(&mut self, p: Prepared) {
        self.index = p.index;
    }

    /// Adds contacts, or replaces those with their ids, slimmed: the
    /// replaced ones in one pass over the block.
    fn upsert_many(&mut self, incoming: Vec<Contact>) {
        // The facts from the whole record, before it is slimmed.
        let rows: Vec<(Contact, String, String)> = incoming
            .into_iter()
            .map(|c| {
                let facts = crate::filter::Facts::of(&c).encode();
                let c = slim(c);
                let hay = Entry::new(&c).haystack().to_string();
                (c, hay, facts)
            })
            .collect();
        let mut replace: Vec<(usize, crate::arena::RowIn<'_>)> = Vec::new();
        let mut new: Vec<crate::arena::RowIn<'_>> = Vec::new();
        let mut seen_new: HashMap<&str, usize> = HashMap::new();
        for (c, hay, facts) in &rows {
            let r = crate::arena::RowIn {
                contact: c,
                hay,
                facts,
            };
            match self.position(&c.id) {
                Some(i) => match replace.iter_mut().find(|(j, _)| *j == i) {
                    Some(slot) => slot.1 = r,
                    None => replace.push((i, r)),
                },
                // The same new contact twice in one batch: the later wins.
                None => match seen_new.get(c.id.as_str()) {
                    Some(&k) => new[k] = r,
                    None => {
                        seen_new.insert(&c.id, new.len());
                        new.push(r);
                    }
                },
            }
        }
        self.index.rewrite(&replace, &[]);
        for r in new {
            self.index.push(r);
        }
    }

    /// Takes contact `id` out (the caller re-ranks).
    pub(crate) fn take(&mut self, id: &str) -> Option<Contact> {
        let i = self.position(id)?;
        let c = self.contact(i);
        self.index.rewrite(&[], &[i]);
        Some(c)
    }

    /// Gives the stand-in `old_id`'s place to `new_id`.
    pub(crate) fn rename(&mut self, old_id: &str, new_id: &str) -> bool {
        let Some(i) = self.position(old_id) else {
            return false;
        };
        let mut c = self.contact(i);
        c.id = new_id.to_string();
        let rows = self.index.rows();
        let (hay, facts) = (rows.hay(i).to_string(), rows.facts(i).to_string());
        let r = crate::arena::RowIn {
            contact: &c,
            hay: &hay,
            facts: &facts,
        };
        self.index.rewrite(&[(i, r)], &[]);
        true
    }

    /// Re-ranks for the query, putting the cursor on contact `keep` when it
    /// is listed, then keeps it within a window of `rows`.
    /// The whole query in force: mine, the pinned filter, then what was
    /// typed.
    pub fn effective_query(&self) -> String {
        let mut parts: Vec<&str> = Vec::new();
        if self.mine {
            parts.push("assigned:me");
        }
        if let Some((_, q)) = &self.pinned {
            parts.push(q);
        }
        parts.push(&self.query);
        parts.join(" ").trim().to_string()
    }

    fn rerank(&mut self, keep: Option<String>, rows: usize, cx: &crate::filter::Context) {
        let (filter, text) = crate::filter::Filter::split(&self.effective_query(), cx);
        self.filter = filter;
        self.text = text;
        self.hits = self.index.search_filtered(&self.text, &self.filter);
        if !self.filter.is_empty() && self.index.facts_missing() {
            self.facts_due = true;
        }
        self.hits_generation += 1;
        self.selected = keep
            .and_then(|id| self.hits.iter().position(|h| self.id(h.index) == id))
            .unwrap_or(0)
            .min(self.hits.len().saturating_sub(1));
        self.ensure_visible(rows);
    }

    /// Highlighted char positions of a listed contact's name: those
    /// computed for the visible rows, else (a row outside the window the
    /// app knows of) computed now.
    pub fn highlights(&self, index: usize) -> std::borrow::Cow<'_, [u32]> {
        if let Some((_, p)) = self.highlighted.rows.iter().find(|(i, _)| *i == index) {
            return std::borrow::Cow::Borrowed(p);
        }
        let q = search::Query::parse(&self.text);
        if q.is_empty() {
            return std::borrow::Cow::Borrowed(&[]);
        }
        std::borrow::Cow::Owned(search::Searcher::default().highlight(&q, self.index.view(index)))
    }

    /// Recomputes the highlights of a window of `rows` when what they
    /// depend on changed: once per keystroke or scroll, never per frame.
    fn refresh_highlights(&mut self, rows: usize) {
        let current = |k: &(String, u64, usize, usize)| {
            k.0 == self.text && (k.1, k.2, k.3) == (self.hits_generation, self.offset, rows)
        };
        if self.highlighted.key.as_ref().is_some_and(current) {
            return;
        }
        let q = search::Query::parse(&self.text);
        let mut shown = Vec::new();
        if !q.is_empty() {
            let mut searcher = search::Searcher::default();
            // A row or two more than the list's estimate, for layouts that show more.
            for hit in self.hits.iter().skip(self.offset).take(rows + 2) {
                shown.push((
                    hit.index,
                    searcher.highlight(&q, self.index.view(hit.index)),
                ));
            }
        }
        self.highlighted = Highlights {
            key: Some((self.text.clone(), self.hits_generation, self.offset, rows)),
            rows: shown,
        };
    }

    /// Keeps the cursor within a window of `rows`. When it leaves the page,
    /// the list jumps by half a page rather than one row: beside the
    /// detail pane a moved list costs about a repaint even with a scroll
    /// region (see [`crate::screen`]), and over SSH one per half page is
    /// far cheaper than one per key.
    fn ensure_visible(&mut self, rows: usize) {
        let jump = rows / 2;
        if self.selected < self.offset {
            self.offset = self.selected.saturating_sub(jump);
        } else if self.selected >= self.offset + rows {
            self.offset = (self.selected + 1 + jump).saturating_sub(rows);
        }
        let max_offset = self.hits.len().saturating_sub(rows);
        self.offset = self.offset.min(max_offset);
    }
}

impl State {
    /// Puts a prepared list in place, keeping the cursor's contact.
    pub(crate) fn swap_in(&mut self, p: Prepared) {
        let keep = self.selected_contact().map(|c| c.id.clone());
        self.swap_in_on(p, keep);
    }

    /// Puts a prepared list in place, the cursor on contact `keep`.
    pub(crate) fn swap_in_on(&mut self, p: Prepared, keep: Option<String>) {
        self.list.put(p);
        self.refilter_on(keep);
    }

    pub(crate) fn load_page(&mut self, out: &mut Vec<Command>, priority: Priority) {
        use crate::api::paging::Position;
        let depth = crate::api::contacts::SEARCH_PAGE_DEPTH;
        let (page, search_after) = match self.list.walk.position(PAGE_LIMIT, depth) {
            Ok(Position::Page(n)) => (Some(n), None),
            Ok(Position::After(a)) => (None, Some(a)),
            Err(e) => {
                self.list.status = Remote::Failed(e.to_string());
                self.error = Some(format!("Could not load every contact: {e}"));
                return;
            }
        };
        self.list.status = Remote::Loading;
        let op = ApiOp::SearchContacts(SearchContacts {
            page_limit: PAGE_LIMIT,
            page,
            search_after,
            ..SearchContacts::default()
        });
        self.request(out, op, priority, None, Purpose::List(ListWait::Page));
    }

    pub fn selected_contact(&self) -> Option<Contact> {
        self.list.selected_contact()
    }

    /// The id of the contact under the cursor.
    pub fn selected_id(&self) -> Option<&str> {
        self.list.selected_id()
    }

    /// Keeps what the server sent: in the list (slimmed) and, for the
    /// contact open in the detail pane, in full.
    pub fn merge_contacts(&mut self, incoming: Vec<Contact>) {
        for c in &incoming {
            if self.detail.contact_id.as_deref() == Some(c.id.as_str())
                && let Remote::Loaded(full) = &mut self.detail.contact
            {
                *full = c.clone();
            }
        }
        self.list.upsert_many(incoming);
        self.refilter();
    }

    /// Re-ranks after the query or the data changed, keeping the cursor on
    /// the same contact when it is still there.
    pub fn refilter(&mut self) {
        self.refilter_keeping(true);
    }

    /// Re-ranks; with `keep`, the cursor stays on the same contact when it
    /// is still listed, else it goes to the best match.
    pub(crate) fn refilter_keeping(&mut self, keep: bool) {
        let keep = keep
            .then(|| self.selected_contact().map(|c| c.id.clone()))
            .flatten();
        self.refilter_on(keep);
    }

    /// Re-ranks, putting the cursor on contact `keep` when it is listed.
    pub(crate) fn refilter_on(&mut self, keep: Option<String>) {
        let rows = self.list_rows();
        let users = self.users.loaded().map_or(&[][..], Vec::as_slice);
        let defs = self.custom_fields.loaded().map_or(&[][..], Vec::as_slice);
        let cx = crate::filter::Context {
            me: self.me.as_deref(),
            me_email: self.me_email.as_deref(),
            users,
            defs,
            now: self.now,
            zone: self.zone,
        };
        self.list.rerank(keep, rows, &cx);
        self.follow_selection();
    }

    /// See [`ContactList::highlights`].
    pub fn highlights(&self, index: usize) -> std::borrow::Cow<'_, [u32]> {
        self.list.highlights(index)
    }

    pub(crate) fn refresh_highlights(&mut self) {
        let rows = self.list_rows();
        self.list.refresh_highlights(rows);
    }

    pub(crate) fn ensure_visible(&mut self) {
        let rows = self.list_rows();
        self.list.ensure_visible(rows);
    }

    /// Rows of the list that fit on screen (frame minus borders, search,
    /// status and error lines).
    pub fn list_rows(&self) -> usize {
        usize::from(self.height.saturating_sub(4 + self.error_lines())).max(1)
    }
}

/// What the list waits for: a page of the walk, or the server's side of a
/// search.
#[derive(Debug, Clone)]
pub(crate) enum ListWait {
    Page,
    Search,
}

pub(crate) fn list_answer(
    s: &mut State,
    w: ListWait,
    r: Result<ApiResponse, ApiError>,
    out: &mut Vec<Command>,
) {
    match (w, r) {
        (ListWait::Page, Ok(ApiResponse::SearchPage(page))) => {
            // Only a short page ends the walk; `total` is shown, never trusted.
            s.list.total_on_server = Some(page.total);
            let cursor = page.contacts.last().and_then(|c| c.search_after.clone());
            let got = page.contacts.len();
            let new = page
                .contacts
                .iter()
                .filter(|c| s.list.walk_seen.insert(c.id.clone()))
                .count();
            s.merge_contacts(page.contacts);
            match s.list.walk.advance(PAGE_LIMIT, got, new, cursor) {
                Ok(crate::api::paging::Step::More) => s.load_page(out, Priority::Background),
                Ok(crate::api::paging::Step::End) => s.list.status = Remote::Loaded(()),
                Err(e) => {
                    s.list.status = Remote::Loaded(());
                    s.error = Some(format!("Stopped loading contacts: {e}"));
                }
            }
        }
        (ListWait::Page, Err(err)) => {
            s.list.status = Remote::Failed(err.to_string());
            s.set_error("Could not load contacts", &err);
        }
        (ListWait::Search, Ok(ApiResponse::SearchPage(page))) => s.merge_contacts(page.contacts),
        (ListWait::Search, Err(err)) => s.set_error("Server search failed", &err),
        (w, r) => tracing::warn!(?w, ?r, "unexpected answer"),
    }
}

/// What the sync brings: its progress, and contacts changed or removed.
pub(crate) fn on_sync(s: &mut State, e: SyncEvent) {
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
