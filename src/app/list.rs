//! The contact list and its search: what is listed, in which order, with which matches highlighted, and where the cursor is.

use crate::app::*;

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
        ..Contact::default()
    }
}

pub(crate) fn on_search_key(s: &mut State, k: KeyEvent) {
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

pub(crate) fn after_query_change(s: &mut State) {
    s.list_offset = 0;
    s.refilter_keeping(false);
    s.search_due = Some(s.elapsed_ms + SEARCH_DEBOUNCE_MS);
}

pub(crate) fn server_search(s: &mut State, out: &mut Vec<Command>) {
    let q = s.query.trim().to_string();
    let complete = s
        .total_on_server
        .is_some_and(|t| s.contacts.len() as u64 >= t);
    let Some(words) = crate::search::server_words(&q).filter(|_| !complete) else {
        return;
    };
    s.request(
        out,
        ApiOp::SearchContacts(SearchContacts {
            query: Some(words),
            page_limit: 100,
            ..SearchContacts::default()
        }),
        Priority::Interactive,
        Some("server-search"),
        Purpose::ServerSearch,
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

impl State {
    /// Puts a prepared list in place, keeping the cursor's contact.
    pub(crate) fn swap_in(&mut self, p: Prepared) {
        let keep = self.selected_contact().map(|c| c.id.clone());
        self.contacts = p.contacts;
        self.index = p.index;
        self.by_id = p.by_id;
        self.refilter_on(keep);
    }

    pub(crate) fn load_page(&mut self, out: &mut Vec<Command>, priority: Priority) {
        use crate::api::paging::Position;
        let depth = crate::api::contacts::SEARCH_PAGE_DEPTH;
        let (page, search_after) = match self.walk.position(PAGE_LIMIT, depth) {
            Ok(Position::Page(n)) => (Some(n), None),
            Ok(Position::After(a)) => (None, Some(a)),
            Err(e) => {
                self.list_status = Remote::Failed(e.to_string());
                self.error = Some(format!("Could not load every contact: {e}"));
                return;
            }
        };
        self.list_status = Remote::Loading;
        let op = ApiOp::SearchContacts(SearchContacts {
            page_limit: PAGE_LIMIT,
            page,
            search_after,
            ..SearchContacts::default()
        });
        self.request(out, op, priority, None, Purpose::ContactsPage);
    }

    pub fn selected_contact(&self) -> Option<&Contact> {
        let hit = self.hits.get(self.selected)?;
        self.contacts.get(hit.index)
    }

    pub(crate) fn merge_contacts(&mut self, incoming: Vec<Contact>) {
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
    pub(crate) fn refilter(&mut self) {
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
    pub(crate) fn refresh_highlights(&mut self) {
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
    pub(crate) fn ensure_visible(&mut self) {
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

    /// Rows of the list that fit on screen (frame minus borders, search,
    /// status and error lines).
    pub fn list_rows(&self) -> usize {
        usize::from(self.height.saturating_sub(4 + self.error_lines())).max(1)
    }
}
