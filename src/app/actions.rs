//! Keys to actions, and what each action does where the user is.

use crate::app::*;

pub(crate) fn read_only_message(profile: &str) -> String {
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
pub(crate) fn writes(action: Action) -> bool {
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
            | Action::Assign
            | Action::Dnd
            | Action::Follow
            | Action::StageNext
            | Action::StagePrev
            | Action::Workflows
            | Action::Campaigns
    )
}

/// A key with no meaning here says so, rather than nothing.
pub(crate) fn unbound(s: &mut State, key: &str) {
    let place = match (s.view, s.focus) {
        (View::Today, _) => "in Today",
        (View::Agenda, _) => "in the agenda",
        (View::Board, _) => "on the board",
        (_, Focus::Detail) => "in the detail pane",
        _ => "in the list",
    };
    s.notice = Some(format!(
        "{} does nothing {place} ({} lists the keys)",
        crate::text::sanitize(key),
        s.keymap.key_for(Action::Help)
    ));
}

pub(crate) fn on_key(s: &mut State, k: KeyEvent, out: &mut Vec<Command>) {
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
    if std::mem::take(&mut s.quit_asked) {
        // The "ctrl-c again" warning is answered by any other key.
        s.notice = None;
    }
    // Stopping a wait works from anywhere, forms and search included.
    if s.waiting.is_some()
        && keymap::key_name(&k).is_some_and(|n| n == s.keymap.key_for(Action::CancelWait))
    {
        run_action(s, Action::CancelWait, out);
        return;
    }
    if s.overlay.is_some() {
        on_overlay_key(s, k, out);
        return;
    }
    if s.focus == Focus::Search {
        if is_everywhere_key(s, &k) {
            run_action(s, Action::Everywhere, out);
        } else {
            on_search_key(s, k);
        }
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
    s.last_key = name;
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
    if matches!(
        action,
        Action::AddTag
            | Action::RemoveTag
            | Action::Workflows
            | Action::Campaigns
            | Action::Export
            | Action::Assign
            | Action::Follow
            | Action::DeleteContact
    ) && s.ask_scope(action)
    {
        return;
    }
    match action {
        Action::Quit => out.push(Command::Quit),
        Action::Mark | Action::MarkAll | Action::InvertMarks | Action::ClearMarks
            if s.view != View::Contacts =>
        {
            s.notice = Some("Marks are made in the contact list.".into());
        }
        Action::Mark => s.toggle_mark(),
        Action::MarkAll => s.ask_mark_all(),
        Action::InvertMarks => s.invert_marks(),
        Action::ClearMarks => s.clear_marks(),
        Action::Workflows => open_automation(s, AutoKind::Workflow, out),
        Action::Campaigns => open_automation(s, AutoKind::Campaign, out),
        Action::Export => open_export(s),
        Action::Thread => {
            if let Some(cid) = s.target_contact() {
                let name = s
                    .contact_record(&cid)
                    .map(|c| c.display_name())
                    .or_else(|| s.inbox_current().map(|c| c.who().to_string()))
                    .filter(|n| !n.trim().is_empty())
                    .unwrap_or_else(|| cid.clone());
                s.open_thread(&cid, crate::text::sanitize(&name).into_owned(), out);
            }
        }
        Action::Inbox => {
            if s.view == View::Inbox {
                s.view = View::Contacts;
            } else {
                s.open_inbox(out);
            }
        }
        Action::Agenda => {
            if s.view == View::Agenda {
                s.view = View::Contacts;
            } else {
                s.view = View::Agenda;
                s.load_agenda(out);
            }
        }
        Action::Board => {
            if s.view == View::Board {
                s.view = View::Contacts;
            } else {
                s.open_board(out);
            }
        }
        Action::NextDay
        | Action::PrevDay
        | Action::NextWeek
        | Action::PrevWeek
        | Action::GoToday => {
            if s.view != View::Agenda {
                s.view = View::Agenda;
            }
            let by = match action {
                Action::NextDay => Some(1),
                Action::PrevDay => Some(-1),
                Action::NextWeek => Some(7),
                Action::PrevWeek => Some(-7),
                _ => None,
            };
            s.step_agenda(by, out);
        }
        Action::ColumnLeft
        | Action::ColumnRight
        | Action::StageNext
        | Action::StagePrev
        | Action::NextPipeline
        | Action::OwnerFilter
            if s.view != View::Board =>
        {
            s.notice = Some(format!(
                "That works on the pipeline board ({}).",
                s.keymap.key_for(Action::Board)
            ));
        }
        Action::ColumnLeft => s.board_column(-1),
        Action::ColumnRight => s.board_column(1),
        Action::StageNext => s.board_move(1, out),
        Action::StagePrev => s.board_move(-1, out),
        Action::NextPipeline => s.next_pipeline(out),
        Action::OwnerFilter => s.step_owner(),
        Action::Palette => s.overlay = Some(Overlay::Palette(Box::default())),
        Action::Everywhere => open_everywhere(s, out),
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
            if let Some(c) = s.current_contact() {
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
        Action::Help => s.overlay = Some(Overlay::Help(0)),
        Action::Search => {
            // The board narrows to what the list's search finds, in place.
            if s.view != View::Board {
                s.view = View::Contacts;
            }
            s.focus = Focus::Search;
        }
        Action::DismissError => s.error = None,
        Action::Mine => toggle_mine(s),
        Action::RecallSearch => {
            let n = s.last_key.parse::<usize>().unwrap_or(1);
            recall_search(s, n.saturating_sub(1));
        }
        Action::ClearFilter => {
            if s.list.pinned.is_none() && !s.list.mine {
                s.notice = Some("No saved search or mine to let go of.".into());
            } else {
                s.list.pinned = None;
                s.list.mine = false;
                s.refilter();
            }
        }
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
            } else if s.view == View::Agenda {
                s.load_agenda(out);
            } else if s.view == View::Board {
                s.load_deals_meta(out);
                s.load_board(out);
            } else if s.view == View::Inbox {
                s.load_unread(Priority::Interactive, out);
            } else if s.local.enabled {
                s.load_unread(Priority::Background, out);
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
                s.load_unread(Priority::Background, out);
                s.list.walk = crate::api::paging::Walk::new();
                s.list.walk_seen.clear();
                s.load_page(out, Priority::Interactive);
                s.load_detail(out);
            }
        }
        Action::Undo => undo(s, out),
        Action::Assign => open_picker(s),
        Action::Dnd => open_dnd(s),
        Action::Deals => open_deals(s),
        Action::AppointmentStatus => open_status(s),
        Action::Book => open_booking(s, out),
        Action::Follow => open_followers(s),
        Action::ScrollDown | Action::ScrollUp => {
            let (at, by) = s.detail.scroll;
            let by = if at == s.detail.cursor { by } else { 0 };
            s.detail.scroll = (
                s.detail.cursor,
                if action == Action::ScrollDown {
                    by.saturating_add(3).min(10_000)
                } else {
                    by.saturating_sub(3).max(-10_000)
                },
            );
        }
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
        Action::Open if s.view == View::Agenda => {
            crate::app::agenda::jump_to_appointment_contact(s, out)
        }
        Action::Open if s.view == View::Inbox => s.open_inbox_thread(out),
        Action::MarkRead if s.view == View::Inbox => s.mark_read_and_next(out),
        Action::MarkRead => {}
        Action::Open
            if s.view == View::Contacts
                && s.focus == Focus::Detail
                && s.detail.current_message().is_some() =>
        {
            if let Some(cid) = s.detail.contact_id.clone() {
                let name = s
                    .contact_record(&cid)
                    .map(|c| crate::text::sanitize(&c.display_name()).into_owned())
                    .unwrap_or_default();
                s.open_thread(&cid, name, out);
            }
        }
        Action::Open if s.view == View::Board => {
            match s.board.current().and_then(|d| d.contact_id.clone()) {
                Some(cid) => s.open_contact(&cid, out),
                None => s.notice = Some("No deal with a contact is highlighted.".into()),
            }
        }
        Action::Open => {
            if s.selected_contact().is_some() {
                s.focus = Focus::Detail;
                s.settle_detail(out);
            }
        }
        Action::Back => {
            if s.view != View::Contacts {
                s.view = View::Contacts;
            } else {
                s.focus = Focus::List;
            }
        }
        Action::ToggleTask | Action::Edit | Action::Delete
            if matches!(s.view, View::Agenda | View::Board) =>
        {
            s.notice = Some(format!(
                "{} acts on the task or note under the cursor: {} opens the contact. Deals change here with {} and {}, or with {} on the contact.",
                s.keymap.key_for(action),
                s.keymap.key_for(Action::Open),
                s.keymap.key_for(Action::StageNext),
                s.keymap.key_for(Action::StagePrev),
                s.keymap.key_for(Action::Deals),
            ));
        }
        Action::ToggleMore => s.detail.show_more = !s.detail.show_more,
        Action::ToggleTask => toggle_task(s, out),
        Action::NewTask => {
            if let Some(cid) = s.target_contact() {
                // For the profile's user, when rolo knows who that is.
                let form = TaskForm::new(&cid).for_user(s.me.clone());
                s.overlay = Some(Overlay::Task(Box::new(form)));
            }
        }
        Action::NewContact => {
            s.view = View::Contacts;
            s.overlay = Some(Overlay::Contact(Box::new(s.contact_form(None))));
        }
        Action::DeleteContact if s.bulk_targets().is_some() => {
            let ids = s.bulk_targets().unwrap_or_default();
            open_bulk_delete(s, ids);
        }
        Action::DeleteContact => {
            if let Some(c) = s.selected_contact().filter(|_| s.view == View::Contacts) {
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
                let form = TaskForm::edit(&cid, &task, &due).for_user(task.assigned_to.clone());
                s.overlay = Some(Overlay::Task(Box::new(form)));
            } else if let Some((cid, note)) = note_under_cursor(s) {
                if !s.may_edit_pending(&note.id) {
                    return;
                }
                s.overlay = Some(Overlay::Note(Box::new(NoteEditor::new(&cid, Some(&note)))));
            } else if s.view == View::Contacts
                && let Some(c) = s.selected_contact()
            {
                let c = &c;
                let full = s.detail.contact.loaded().filter(|full| {
                    full.id == c.id && s.detail.contact_id.as_deref() == Some(c.id.as_str())
                });
                if is_stand_in(&c.id) {
                    if s.may_edit_pending(&c.id) {
                        // Not on the server yet: the list's copy is all
                        // there is; the edit waits for the create.
                        s.overlay = Some(Overlay::Contact(Box::new(s.contact_form(Some(c)))));
                    }
                } else if let Some(full) = full {
                    s.overlay = Some(Overlay::Contact(Box::new(s.contact_form(Some(full)))));
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
            } else if let Some((cid, note)) = note_under_cursor(s) {
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
            let mode = if action == Action::AddTag {
                TagMode::Add
            } else {
                TagMode::Remove
            };
            // The marked contacts, from the list: in bulk.
            if let Some(ids) = s.bulk_targets() {
                if s.bulk.is_some() {
                    s.notice =
                        Some("A bulk change is still under way; wait for it to finish.".into());
                    return;
                }
                if mode == TagMode::Add {
                    s.load_location_tags(out);
                }
                s.overlay = Some(Overlay::Tags(Box::new(TagPrompt::bulk(ids, mode))));
                return;
            }
            let Some(cid) = s.target_contact() else {
                return;
            };
            if mode == TagMode::Remove && s.tags_of(&cid).is_empty() {
                s.notice = Some("This contact has no tags.".into());
                return;
            }
            if mode == TagMode::Add {
                s.load_location_tags(out);
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

impl State {
    /// The location's tags, for the tag prompt's completion: asked for
    /// unless known or on their way.
    fn load_location_tags(&mut self, out: &mut Vec<Command>) {
        if matches!(self.location_tags, Remote::Idle | Remote::Failed(_)) {
            self.location_tags = Remote::Loading;
            self.request(
                out,
                ApiOp::LocationTags,
                Priority::Interactive,
                Some("location-tags"),
                Purpose::Tags(TagWait::Location),
            );
        }
    }

    pub(crate) fn context(&self) -> Context {
        match (self.view, self.focus) {
            (View::Agenda, _) => Context::Agenda,
            (View::Board, _) => Context::Board,
            (View::Inbox, _) => Context::Inbox,
            (View::Today, _) | (_, Focus::Detail) => Context::Detail,
            _ => Context::List,
        }
    }

    /// The contact a contact action acts on: the highlighted row of the
    /// list, the contact open in the detail pane, or in Today the contact
    /// of the task under the cursor. Says so when there is none.
    pub(crate) fn target_contact(&mut self) -> Option<String> {
        let id = match (self.view, self.focus) {
            (View::Today, _) => self
                .today_tasks()
                .get(self.today.selected)
                .and_then(|t| t.contact_id.clone()),
            (View::Agenda, _) => self.agenda_current().and_then(|a| a.contact_id.clone()),
            (View::Board, _) => self.board.current().and_then(|d| d.contact_id.clone()),
            (View::Inbox, _) => self.inbox_current().map(|c| c.contact_id.clone()),
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
    pub(crate) fn may_edit_pending(&mut self, id: &str) -> bool {
        if !is_stand_in(id) || self.local.enabled {
            return true;
        }
        self.notice = Some("That is still being created; try again in a moment.".into());
        false
    }
}

/// `M`: in Today, the tasks assigned to the profile's user or everyone's;
/// in the list, the contacts assigned to them or everyone.
pub(crate) fn toggle_mine(s: &mut State) {
    if s.me.is_none() {
        s.notice = Some(match &s.me_email {
            None => format!(
                "Who is \"me\"? `rolo auth login --user EMAIL` picks you, or user = \"you@example.com\" in the profile ({}).",
                if s.profile.is_empty() {
                    "default"
                } else {
                    s.profile.as_str()
                }
            ),
            Some(e) => format!(
                "{} is not among this location's users (yet): mine is unknown.",
                crate::text::snippet(e, 60)
            ),
        });
        return;
    }
    match s.view {
        View::Today => {
            s.today.mine = !s.today.mine;
            s.today.selected = 0;
        }
        View::Agenda => {
            s.agenda.mine = !s.agenda.mine;
            s.agenda.selected = 0;
        }
        View::Inbox => {
            s.inbox.mine = !s.inbox.mine;
            s.inbox.selected = 0;
        }
        View::Board => {
            s.board.mine = !s.board.mine;
            for c in &mut s.board.cursor {
                *c = 0;
            }
        }
        View::Contacts => {
            s.list.mine = !s.list.mine;
            s.list.offset = 0;
            s.refilter();
            s.list.search_due = Some(s.elapsed_ms + SEARCH_DEBOUNCE_MS);
        }
    }
}

/// Recalls saved search `n` (from 0): it stays as the list's filter until
/// `0`, whatever is typed or cleared in the search.
pub(crate) fn recall_search(s: &mut State, n: usize) {
    let Some(saved) = s.saved.get(n).cloned() else {
        s.notice = Some(match (&s.saved_error, s.saved.len()) {
            (Some(e), _) => format!("The saved searches cannot be read: {e}"),
            (None, 0) => "No saved searches: type a search, then `:save NAME` saves it.".into(),
            (None, 1) => "Only one saved search: key 1.".into(),
            (None, k) => format!("Only {k} saved searches: keys 1-{}.", k.min(9)),
        });
        return;
    };
    s.view = View::Contacts;
    s.list.pinned = Some((saved.name, saved.query));
    s.list.offset = 0;
    s.refilter_keeping(false);
    s.list.search_due = Some(s.elapsed_ms + SEARCH_DEBOUNCE_MS);
}
