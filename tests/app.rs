//! The app driven through `update` with key events and fake `ApiEvent`s.

mod support;

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use ratatui::backend::CrosstermBackend;
use ratatui::{Terminal, TerminalOptions, Viewport};
use rolo::api::ApiError;
use rolo::api::actor::{ApiOp, ApiResponse};
use rolo::app::{Event, Overlay, Remote};
use support::app::{Harness, code, ctrl, fixture, key, screen};

fn server_error() -> ApiError {
    ApiError::Server {
        status: 500,
        message: "Internal Server Error".into(),
    }
}

#[test]
fn complete_is_optimistic_and_rolls_back_on_500() {
    let f = fixture(40);
    let mut h = Harness::opened(&f);
    h.send(code(KeyCode::Enter));
    let task = h.state.detail.current_task().unwrap().clone();
    assert!(!task.completed);

    h.send(key('x'));
    let find = |h: &Harness| {
        h.state
            .detail
            .sorted_tasks()
            .into_iter()
            .find(|t| t.id == task.id)
            .unwrap()
            .clone()
    };
    assert!(find(&h).completed, "the screen changes at once");
    // The done task sinks below the open ones; the next open task is under the cursor.
    assert_ne!(h.state.detail.current_task().unwrap().id, task.id);
    let req = h.take(|op| {
        matches!(
            op,
            ApiOp::SetTaskCompleted {
                completed: true,
                ..
            }
        )
    });
    h.answer(req.id, Err(server_error()));
    assert!(!find(&h).completed, "rolled back");
    let err = h.state.error.clone().expect("the failure is shown");
    assert!(err.contains("rolled back") && err.contains("500"), "{err}");
    assert!(h.state.undo.is_empty(), "a failed change is not undoable");
    let shown = screen(&h.render(120, 30));
    assert!(shown.contains("rolled back"), "{shown}");
}

#[test]
fn complete_then_undo_sends_the_inverse() {
    let f = fixture(40);
    let mut h = Harness::opened(&f);
    h.send(code(KeyCode::Enter));
    let task = h.state.detail.current_task().unwrap().clone();
    h.send(key('x'));
    let done = h.take(|op| {
        matches!(
            op,
            ApiOp::SetTaskCompleted {
                completed: true,
                ..
            }
        )
    });
    let mut confirmed = task.clone();
    confirmed.completed = true;
    h.answer(done.id, Ok(ApiResponse::Task(confirmed)));
    h.send(key('u'));
    let undo = h.take(|op| matches!(op, ApiOp::SetTaskCompleted { .. }));
    assert_eq!(
        undo.op,
        ApiOp::SetTaskCompleted {
            contact_id: f.rich_contact().id.clone(),
            task_id: task.id.clone(),
            completed: false
        }
    );
    let back = h
        .state
        .detail
        .sorted_tasks()
        .into_iter()
        .find(|t| t.id == task.id)
        .unwrap()
        .clone();
    assert!(!back.completed);
}

#[test]
fn a_stale_detail_load_is_dropped() {
    let f = fixture(40);
    let mut h = Harness::new();
    h.serve(&f);
    let first = h.state.selected_contact().unwrap().id.clone();
    h.wait(500);
    let stale_tasks =
        h.take(|op| matches!(op, ApiOp::ListTasks { contact_id } if *contact_id == first));
    // Move on before the answer arrives, and rest there.
    h.send(key('j'));
    h.wait(200);
    let second = h.state.selected_contact().unwrap().id.clone();
    assert_ne!(first, second);
    h.answer(
        stale_tasks.id,
        Ok(ApiResponse::Tasks(vec![rolo::api::model::Task {
            id: "stale".into(),
            title: Some("from the previous contact".into()),
            ..Default::default()
        }])),
    );
    assert_eq!(h.state.detail.contact_id.as_deref(), Some(second.as_str()));
    assert_eq!(
        h.state.detail.tasks,
        Remote::Loading,
        "the stale answer did not land; the new contact's load is under way"
    );
    let shown = screen(&h.render(120, 30));
    assert!(!shown.contains("from the previous contact"));
}

#[test]
fn moving_fast_loads_only_where_the_cursor_rests() {
    let f = fixture(40);
    let mut h = Harness::new();
    h.serve(&f);
    for _ in 0..10 {
        h.send(key('j'));
        h.wait(30);
    }
    assert!(
        !h.outbox
            .iter()
            .any(|r| matches!(r.op, ApiOp::ListTasks { .. })),
        "no loads while the cursor moves"
    );
    h.wait(200);
    let loads: Vec<_> = h
        .outbox
        .iter()
        .filter(|r| matches!(r.op, ApiOp::ListTasks { .. }))
        .collect();
    assert_eq!(loads.len(), 1);
    let here = h.state.selected_contact().unwrap().id.clone();
    assert!(matches!(&loads[0].op, ApiOp::ListTasks { contact_id } if *contact_id == here));
    assert_eq!(
        loads[0].supersede.as_deref(),
        Some("detail-tasks"),
        "a newer load supersedes it"
    );
    assert!(
        h.outbox
            .iter()
            .any(|r| matches!(r.op, ApiOp::ListNotes { .. }))
    );
    assert!(
        h.outbox
            .iter()
            .any(|r| matches!(r.op, ApiOp::ListAppointments { .. }))
    );
}

#[test]
fn search_filters_per_key_and_asks_the_server_once_typing_pauses() {
    let f = fixture(600);
    let mut h = Harness::new();
    // Only the first page (500 of 600) is loaded.
    let page = h.take(|op| matches!(op, ApiOp::SearchContacts(_)));
    let first: Vec<_> = f.contacts.iter().take(500).cloned().collect();
    h.answer(
        page.id,
        Ok(ApiResponse::SearchPage(rolo::api::model::SearchPage {
            contacts: first,
            total: 600,
            ..Default::default()
        })),
    );
    h.outbox
        .retain(|r| !matches!(r.op, ApiOp::SearchContacts(_)));
    h.send(key('/'));
    let entries: Vec<rolo::search::Entry> = (0..h.state.list.len())
        .map(|i| rolo::search::Entry::new(&h.state.list.contact(i)))
        .collect();
    let mut typed = String::new();
    for c in "emma".chars() {
        h.send(key(c));
        h.wait(50);
        typed.push(c);
        // Exactly what a fresh search of the loaded contacts finds.
        let fresh: Vec<usize> = rolo::search::search(&typed, &entries)
            .iter()
            .map(|x| x.index)
            .collect();
        let shown: Vec<usize> = h.state.list.hits.iter().map(|x| x.index).collect();
        assert!(!shown.is_empty(), "{typed}: the seed has Emmas");
        assert_eq!(
            shown, fresh,
            "{typed}: filtered locally at once, as a fresh search would"
        );
    }
    assert!(
        !h.outbox
            .iter()
            .any(|r| matches!(&r.op, ApiOp::SearchContacts(q) if q.query.is_some())),
        "no server query while typing"
    );
    h.wait(400);
    let server: Vec<_> = h
        .outbox
        .iter()
        .filter(|r| matches!(&r.op, ApiOp::SearchContacts(q) if q.query.is_some()))
        .collect();
    assert_eq!(server.len(), 1);
    assert!(
        matches!(&server[0].op, ApiOp::SearchContacts(q) if q.query.as_deref() == Some("emma"))
    );
    // Esc clears the query, Enter moves to the list and keeps the filter.
    h.send(code(KeyCode::Enter));
    assert_eq!(h.state.list.query, "emma");
    h.send(key('/'));
    h.send(code(KeyCode::Esc));
    assert_eq!(h.state.list.query, "");
    assert_eq!(h.state.list.hits.len(), 500);
}

#[test]
fn matched_characters_are_highlighted() {
    let f = fixture(60);
    let mut h = Harness::new();
    h.serve(&f);
    h.send(key('/'));
    h.keys("ada");
    let t = h.render(100, 30);
    let buf = t.backend().buffer();
    let theme = rolo::theme::Theme::default();
    let highlighted: String = (0..buf.area.width)
        .map(|x| &buf[(x, 2)])
        .filter(|c| c.fg == theme.highlight.fg.unwrap())
        .map(|c| c.symbol().to_string())
        .collect();
    assert_eq!(
        highlighted.to_lowercase(),
        "ada",
        "row: {}",
        screen(&t).lines().nth(2).unwrap()
    );
}

#[test]
fn tags_added_optimistically_roll_back_on_failure() {
    let f = fixture(40);
    let mut h = Harness::new();
    h.serve(&f);
    let c = f.rich_contact().id.clone();
    h.select(&c);
    h.send(code(KeyCode::Enter));
    h.send(key('+'));
    h.serve(&f);
    h.keys("gold, q4");
    h.send(code(KeyCode::Enter));
    let tags = h.state.contact_by_id(&c).unwrap().tags().to_vec();
    assert!(tags.contains(&"gold".to_string()) && tags.contains(&"q4".to_string()));
    let req = h.take(|op| matches!(op, ApiOp::AddTags { .. }));
    assert_eq!(
        req.op,
        ApiOp::AddTags {
            contact_id: c.clone(),
            tags: vec!["gold".into(), "q4".into()]
        }
    );
    h.answer(
        req.id,
        Err(ApiError::Validation {
            status: 422,
            messages: vec!["tags must be shorter".into()],
        }),
    );
    let tags = h.state.contact_by_id(&c).unwrap().tags().to_vec();
    assert!(!tags.contains(&"gold".to_string()));
    assert!(
        h.state
            .error
            .as_deref()
            .unwrap()
            .contains("tags must be shorter")
    );
}

#[test]
fn a_note_that_fails_to_save_is_not_lost() {
    let f = fixture(40);
    let mut h = Harness::opened(&f);
    h.send(code(KeyCode::Enter));
    h.send(key('n'));
    h.keys("Important detail");
    h.send(ctrl('s'));
    assert!(h.state.overlay.is_none());
    let req = h.take(|op| matches!(op, ApiOp::CreateNote { .. }));
    h.answer(req.id, Err(server_error()));
    match &h.state.overlay {
        Some(Overlay::Note(ed)) => assert_eq!(ed.body.lines().join("\n"), "Important detail"),
        other => panic!("expected the editor back, got {other:?}"),
    }
}

#[test]
fn key_releases_are_ignored_and_q_quits() {
    let mut h = Harness::new();
    let mut release = KeyEvent::new(KeyCode::Char('q'), KeyModifiers::NONE);
    release.kind = KeyEventKind::Release;
    h.send(Event::Key(release));
    assert!(!h.quit);
    h.send(key('q'));
    assert!(h.quit);
}

#[test]
fn hostile_text_never_reaches_the_terminal() {
    let f = fixture(120);
    let mut h = Harness::new();
    h.serve(&f);
    let hostile: Vec<String> = f
        .contacts
        .iter()
        .filter(|c| {
            serde_json::to_string(c).unwrap().contains("\\u001b")
                || c.display_name().chars().any(rolo::text::is_unsafe)
        })
        .map(|c| c.id.clone())
        .collect();
    assert!(hostile.len() >= 3, "the seed has hostile contacts");
    for id in hostile {
        h.select(&id);
        h.wait(500);
        h.serve(&f);
        h.send(code(KeyCode::Enter));
        h.send(key('m'));
        for (w, ht) in [(80, 24), (200, 60)] {
            // The cells.
            let t = h.render(w, ht);
            let text = screen(&t);
            assert!(
                !text.chars().any(|c| rolo::text::is_unsafe(c) && c != '\n'),
                "{text}"
            );
            // The bytes a real terminal would receive.
            let mut bytes = Vec::new();
            {
                let mut term = Terminal::with_options(
                    CrosstermBackend::new(&mut bytes),
                    TerminalOptions {
                        viewport: Viewport::Fixed(ratatui::layout::Rect::new(0, 0, w, ht)),
                    },
                )
                .unwrap();
                term.draw(|f| rolo::ui::render(&h.state, f)).unwrap();
            }
            let out = String::from_utf8_lossy(&bytes);
            for bad in [
                "\x1b[2J",
                "\x1b]0;",
                "\x07",
                "\x08",
                "\u{202E}",
                "\x1b[5m",
                "\x1b[1;31m",
                "\0",
                "\r",
            ] {
                assert!(!out.contains(bad), "{bad:?} reached the terminal");
            }
        }
        h.send(code(KeyCode::Esc));
    }
}

#[test]
fn contact_edit_sends_only_changed_fields_and_blocks_invalid_email() {
    let f = fixture(40);
    let mut h = Harness::new();
    h.serve(&f);
    let c = f.rich_contact().clone();
    h.select(&c.id);
    h.send(key('e'));
    assert!(
        h.state.overlay.is_none(),
        "the full record is not loaded yet"
    );
    h.serve(&f);
    h.send(key('e'));
    assert!(matches!(h.state.overlay, Some(Overlay::Contact(_))));
    // To the email field, replace it with something invalid.
    h.send(code(KeyCode::Tab));
    h.send(code(KeyCode::Tab));
    for _ in 0..80 {
        h.send(code(KeyCode::Backspace));
    }
    h.keys("not-an-email");
    h.send(ctrl('s'));
    assert!(h.outbox.is_empty(), "an invalid value cannot be submitted");
    match &h.state.overlay {
        Some(Overlay::Contact(form)) => assert!(form.error.as_deref().unwrap().contains("Email")),
        other => panic!("the form stays open, got {other:?}"),
    }
    for _ in 0..20 {
        h.send(code(KeyCode::Backspace));
    }
    h.keys("new.address@example.com");
    h.send(ctrl('s'));
    let req = h.take(|op| matches!(op, ApiOp::UpdateContact { .. }));
    match &req.op {
        ApiOp::UpdateContact { id, update, .. } => {
            assert_eq!(id, &c.id);
            assert_eq!(
                update.to_json(),
                serde_json::json!({"email": "new.address@example.com"})
            );
        }
        _ => unreachable!(),
    }
    assert_eq!(
        h.state.contact_by_id(&c.id).unwrap().email.as_deref(),
        Some("new.address@example.com")
    );
    h.answer(req.id, Err(server_error()));
    assert_eq!(
        h.state.contact_by_id(&c.id).unwrap().email,
        c.email,
        "rolled back"
    );
}

#[test]
fn deleting_a_contact_asks_first_and_names_it() {
    let f = fixture(40);
    let mut h = Harness::new();
    h.serve(&f);
    let c = f.rich_contact().clone();
    h.select(&c.id);
    h.send(key('D'));
    match &h.state.overlay {
        Some(Overlay::Confirm(conf)) => assert!(conf.message.contains(&c.display_name())),
        other => panic!("expected a confirmation, got {other:?}"),
    }
    h.send(key('n'));
    assert!(
        !h.outbox
            .iter()
            .any(|r| matches!(r.op, ApiOp::DeleteContact { .. }))
    );
    assert!(h.state.contact_by_id(&c.id).is_some());
    let at = h.state.list.selected;
    let next = h.state.list.id(h.state.list.hits[at + 1].index).to_string();
    h.send(key('D'));
    h.send(key('y'));
    let req = h.take(|op| matches!(op, ApiOp::DeleteContact { .. }));
    assert!(h.state.contact_by_id(&c.id).is_none());
    // The cursor stays in its place, on the contact that followed.
    assert_eq!(h.state.list.selected, at);
    assert_eq!(h.state.selected_contact().unwrap().id, next);
    h.answer(req.id, Err(server_error()));
    assert!(
        h.state.contact_by_id(&c.id).is_some(),
        "restored after the failure"
    );
}

#[test]
fn the_palette_reaches_every_action() {
    let f = fixture(40);
    let mut h = Harness::new();
    h.serve(&f);
    h.send(key(':'));
    h.keys("today");
    h.send(code(KeyCode::Enter));
    assert_eq!(h.state.view, rolo::app::View::Today);
    assert!(
        h.outbox
            .iter()
            .any(|r| matches!(r.op, ApiOp::SearchTasks(_)))
    );
    // Every bound action is listed when nothing is typed.
    h.send(key(':'));
    let Some(Overlay::Palette(p)) = &h.state.overlay else {
        panic!("palette open")
    };
    let listed = rolo::app::palette_matches(&h.state.keymap, p).len();
    let bound = rolo::keymap::DEFAULTS.len() - 1; // all but the palette itself
    assert_eq!(listed, bound);
}

#[test]
fn yank_copies_the_chosen_field() {
    let f = fixture(40);
    let mut h = Harness::new();
    h.serve(&f);
    let c = f.rich_contact().clone();
    h.select(&c.id);
    h.send(key('y'));
    let (state, commands) = {
        let cmds = rolo::app::update(&mut h.state, key('e'));
        (h.state.notice.clone(), cmds)
    };
    assert_eq!(
        commands,
        vec![rolo::app::Command::Copy(c.email.clone().unwrap())]
    );
    assert_eq!(state.as_deref(), Some("Copied the email."));
}

#[test]
fn the_detail_pane_waits_for_the_cursor_to_rest() {
    let f = fixture(40);
    let mut h = Harness::new();
    h.serve(&f);
    h.wait(500);
    h.serve(&f);
    let first = h.state.detail.contact_id.clone().unwrap();
    h.send(key('j'));
    assert_eq!(
        h.state.detail.contact_id.as_deref(),
        Some(first.as_str()),
        "moving redraws only the list"
    );
    // Acting on the contact brings the pane to it at once: an edit must
    // never open the contact the cursor just left.
    h.send(key('e'));
    let here = h.state.selected_contact().unwrap().id.clone();
    assert_eq!(h.state.detail.contact_id.as_deref(), Some(here.as_str()));
    h.serve(&f);
    h.send(key('e'));
    match &h.state.overlay {
        Some(Overlay::Contact(form)) => assert_eq!(form.editing.as_ref().unwrap().id, here),
        other => panic!("expected the contact form, got {other:?}"),
    }
    h.send(code(KeyCode::Esc));
    h.send(code(KeyCode::Enter));
    h.send(key('t'));
    match &h.state.overlay {
        Some(Overlay::Task(form)) => assert_eq!(form.contact_id, here),
        other => panic!("expected the task form, got {other:?}"),
    }
}

#[test]
fn a_read_only_profile_blocks_every_write() {
    let f = fixture(40);
    let mut h = Harness::new();
    let mut settings = rolo::config::load(None, None, false).unwrap();
    settings.read_only = true;
    settings.profile = Some("client-x".into());
    h.state.configure(&settings);
    h.serve(&f);
    h.select(&f.rich_contact().id);
    h.wait(500);
    h.serve(&f);
    h.send(code(KeyCode::Enter));
    for k in ['x', 't', 'n', '+', '-', 'd', 'e', 'c', 'D', 'u'] {
        h.send(key(k));
        assert!(h.state.overlay.is_none(), "{k} opened a form");
        assert!(
            h.outbox.iter().all(|r| !r.op.is_write()),
            "{k} sent a write"
        );
        let err = h.state.error.take().unwrap_or_default();
        assert!(err.contains("Read-only profile `client-x`"), "{k}: {err}");
    }
    assert!(screen(&h.render(120, 30)).contains("read-only"));
}

#[test]
fn a_keymap_override_shows_in_help_and_works() {
    let dir = std::env::temp_dir().join(format!("rolo-app-keys-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("config.toml");
    std::fs::write(&path, "[keys]\ntoday = \"ctrl-t\"\n").unwrap();
    let settings = rolo::config::load(Some(&path), None, false).unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    let f = fixture(40);
    let mut h = Harness::new();
    h.state.configure(&settings);
    h.serve(&f);
    h.send(key('?'));
    let help = screen(&h.render(120, 40));
    let line = help
        .lines()
        .find(|l| l.contains("today's due tasks"))
        .unwrap();
    assert!(line.contains("ctrl-t"), "{line}");
    h.send(key('q')); // closes help
    h.send(key('T'));
    assert_eq!(h.state.view, rolo::app::View::Contacts, "T is free now");
    h.send(ctrl('t'));
    assert_eq!(h.state.view, rolo::app::View::Today);
}

#[test]
fn a_key_sequence_binding_works_and_shows_while_typed() {
    let f = fixture(40);
    let mut h = Harness::new();
    let mut settings = rolo::config::load(None, None, false).unwrap();
    settings
        .keymap
        .rebind(rolo::keymap::Action::Top, vec!["g g".into()])
        .unwrap();
    h.state.configure(&settings);
    h.serve(&f);
    for _ in 0..5 {
        h.send(key('j'));
    }
    assert_eq!(h.state.list.selected, 5);
    h.send(key('g'));
    assert_eq!(h.state.pending_keys, "g");
    assert!(screen(&h.render(100, 30)).contains("g …"));
    h.send(key('g'));
    assert_eq!(h.state.list.selected, 0, "g g went to the top");
    assert!(h.state.pending_keys.is_empty());
    // A dead end drops the start and takes the last key afresh.
    h.send(key('g'));
    h.send(key('j'));
    assert_eq!(h.state.list.selected, 1);
}

#[test]
fn every_view_survives_tiny_terminals() {
    let f = fixture(40);
    let mut h = Harness::new();
    let mut settings = rolo::config::load(None, None, false).unwrap();
    settings.profiles = vec!["a".into(), "b".into()];
    h.state.configure(&settings);
    h.serve(&f);
    h.select(&f.rich_contact().id);
    h.wait(500);
    h.serve(&f);
    h.state.error =
        Some("a long error message that has to wrap over several lines somewhere".into());
    let sizes = [
        (1, 1),
        (8, 4),
        (20, 6),
        (31, 9),
        (45, 12),
        (240, 70),
        (400, 120),
    ];
    let mut scenes: Vec<Vec<Event>> = vec![
        vec![],
        vec![key('?')],
        vec![code(KeyCode::Enter), key('t')],
        vec![code(KeyCode::Enter), key('+')],
        vec![code(KeyCode::Enter), key('d')],
        vec![code(KeyCode::Enter), key('n')],
        vec![key('e')],
        vec![key('c')],
        vec![key('y')],
        vec![key(':')],
        vec![key('P')],
        vec![key('T')],
        vec![key('/'), key('z'), key('z')],
    ];
    for scene in scenes.drain(..) {
        let mut h2 = Harness::new();
        h2.state.configure(&settings);
        h2.serve(&f);
        h2.select(&f.rich_contact().id);
        h2.wait(500);
        h2.serve(&f);
        for e in scene {
            h2.send(e);
        }
        h2.serve(&f);
        for (w, ht) in sizes {
            let _ = h2.render(w, ht);
        }
    }
    for (w, ht) in sizes {
        let _ = h.render(w, ht);
    }
}

#[test]
fn tag_completion_replaces_only_the_word_being_typed() {
    let f = fixture(40);
    let mut h = Harness::new();
    h.serve(&f);
    h.select(&f.rich_contact().id);
    h.send(code(KeyCode::Enter));
    h.send(key('+'));
    h.serve(&f);
    h.keys("vip,\u{3000}le");
    h.send(code(KeyCode::Tab));
    match &h.state.overlay {
        Some(Overlay::Tags(p)) => assert_eq!(p.input.lines().join(""), "vip,lead "),
        other => panic!("the prompt stays open, got {other:?}"),
    }
}

#[test]
fn random_keystrokes_and_failures_never_panic() {
    // Deterministic chaos: thousands of keys from everything the keymap and
    // the forms react to, with server answers that succeed or fail at random.
    let f = fixture(60);
    let mut rng = fastrand::Rng::with_seed(7);
    let mut h = Harness::new();
    h.serve(&f);
    let chars: Vec<char> = "jkgGxtTnedcDyou+-/?:Pqm \u{1b}aé🦀#".chars().collect();
    let codes = [
        KeyCode::Enter,
        KeyCode::Esc,
        KeyCode::Tab,
        KeyCode::BackTab,
        KeyCode::Backspace,
        KeyCode::Up,
        KeyCode::Down,
        KeyCode::Left,
        KeyCode::Right,
        KeyCode::Home,
        KeyCode::End,
        KeyCode::PageUp,
        KeyCode::PageDown,
    ];
    for i in 0..6000 {
        let e = match rng.u8(..10) {
            0..=5 => {
                let c = chars[rng.usize(..chars.len())];
                if c == 'q' {
                    key('j') // quitting would end the run early
                } else {
                    key(c)
                }
            }
            6 | 7 => code(codes[rng.usize(..codes.len())]),
            8 => ctrl(['s', 'e', 'l', 'u', 'w', 'd'][rng.usize(..6)]),
            _ => {
                h.wait(rng.u64(0..400));
                continue;
            }
        };
        h.send(e);
        // Answer what was asked, sometimes with a failure.
        if rng.bool() && !h.outbox.is_empty() {
            if rng.u8(..4) == 0 {
                let r = h.outbox.remove(0);
                h.answer(r.id, Err(server_error()));
            } else {
                h.serve_one(&f);
            }
        }
        if i % 250 == 0 {
            let _ = h.render(80, 24);
        }
    }
    let _ = h.render(120, 40);
}

mod cached {
    use super::*;
    use rolo::app::Command;
    use rolo::app::local::{Cached, OutboxAction};
    use rolo::cache::outbox::{Counts, Entry, EntryState};
    use rolo::cache::sync::{Progress, SyncEvent};

    fn synced() -> chrono::DateTime<chrono::Utc> {
        support::app::now() - chrono::Duration::minutes(42)
    }

    #[test]
    fn the_list_comes_from_the_cache_and_a_sync_starts_without_paging() {
        let f = fixture(60);
        let h = Harness::cached(&f, Some(synced()));
        assert_eq!(h.state.list.len(), 60);
        assert!(matches!(h.state.list.status, Remote::Loaded(())));
        assert_eq!(h.effects, vec![Command::Sync { full: false }]);
        assert!(
            h.outbox.is_empty(),
            "no contact page is asked of the API: {:?}",
            h.outbox
        );
        let t = screen(&h.clone_render(80, 24));
        assert!(t.contains("Contacts 60"), "{t}");
    }

    #[test]
    fn the_first_screen_comes_before_the_whole_list() {
        let f = fixture(60);
        let mut by_name = f.contacts.clone();
        by_name.sort_by_key(|c| rolo::search::fold(&c.display_name()));
        let first: Vec<_> = by_name.iter().take(10).cloned().collect();
        let (mut s, commands) = rolo::app::State::from_cache(
            "sandbox-location",
            support::app::now(),
            chrono::FixedOffset::east_opt(0).unwrap(),
            first,
            100_000,
            Some(synced()),
        );
        assert!(commands.is_empty(), "no sync before the list is read");
        let mut t = ratatui::Terminal::new(ratatui::backend::TestBackend::new(100, 16)).unwrap();
        t.draw(|f| rolo::ui::render(&s, f)).unwrap();
        let text = screen(&t);
        assert!(text.contains("Contacts 100000"), "{text}");
        assert!(text.contains("reading 100,000 cached contacts"), "{text}");
        assert!(text.contains(&by_name[1].display_name()), "{text}");
        // The user moves while the rest is read: the cursor stays there.
        rolo::app::update(&mut s, Event::Key(KeyEvent::from(KeyCode::Char('j'))));
        rolo::app::update(&mut s, Event::Key(KeyEvent::from(KeyCode::Char('j'))));
        assert_eq!(s.selected_contact().unwrap().id, by_name[2].id);
        let out = rolo::app::update(
            &mut s,
            Event::ListLoaded(Box::new(rolo::app::prepare(f.contacts.clone()))),
        );
        assert_eq!(out, vec![Command::Sync { full: false }]);
        assert_eq!(s.list.len(), 60);
        assert_eq!(s.selected_contact().unwrap().id, by_name[2].id);
        assert_eq!(s.local.cached, None);
    }

    #[test]
    fn synced_rows_change_in_place_and_the_cursor_stays() {
        let f = fixture(60);
        let mut h = Harness::cached(&f, Some(synced()));
        let target = f.contacts[20].id.clone();
        h.select(&target);
        assert_eq!(h.state.selected_contact().unwrap().id, target, "selected");
        let mut changed = f.contacts[20].clone();
        changed.company_name = Some("Renamed Holdings".into());
        let mut new = f.contacts[0].clone();
        new.id = "brand-new-contact".into();
        new.name = Some("Zed Newcomer".into());
        h.send(Event::Sync(SyncEvent::Contacts(vec![changed, new])));
        assert_eq!(h.state.selected_contact().unwrap().id, target);
        assert_eq!(
            h.state.selected_contact().unwrap().company_name.as_deref(),
            Some("Renamed Holdings")
        );
        assert_eq!(h.state.list.len(), 61);
        let gone = f.contacts[3].id.clone();
        h.send(Event::Sync(SyncEvent::Removed(vec![gone.clone()])));
        assert!(h.state.contact_by_id(&gone).is_none());
        assert_eq!(h.state.selected_contact().unwrap().id, target);
    }

    /// The request budget never pushes the way to help off an 80-column
    /// bar, but a nearly spent budget shows at any width.
    #[test]
    fn the_budget_gives_way_to_the_key_hints_until_it_is_nearly_spent() {
        let f = fixture(60);
        let mut h = Harness::cached(&f, Some(synced()));
        h.send(Event::SyncDone(Ok(())));
        for remaining in [94, 100, 11] {
            h.state.budget = rolo::api::limiter::RateBudget {
                remaining: Some(remaining),
                max: Some(100),
                ..Default::default()
            };
            let t = screen(&h.clone_render(80, 24));
            let bar = t.lines().last().unwrap();
            assert!(bar.contains("synced just now"), "{bar}");
            assert!(bar.contains("?:help"), "{bar}");
            assert!(!bar.contains("/100"), "{bar}");
            let wide = screen(&h.clone_render(160, 24));
            assert!(wide.contains(&format!(" {remaining}/100 ")), "{wide}");
        }
        for remaining in [10, 3, 0] {
            h.state.budget.remaining = Some(remaining);
            let t = screen(&h.clone_render(80, 24));
            assert!(t.contains(&format!(" {remaining}/100 ")), "{t}");
        }
        // Wide and blank characters at a notice's end are measured as
        // columns, not bytes (this once underflowed).
        h.state.budget.remaining = Some(94);
        for tail in ["\u{2003}", "\u{3000}", "\u{a0}", "界"] {
            h.state.notice = Some(format!("Copied{}", tail.repeat(40)));
            for w in [20, 40, 80] {
                let _ = h.clone_render(w, 24);
            }
        }
    }

    /// With a real location id, a profile, the sync's word and the budget
    /// all on an 80-column bar, the hints give way from the end and the
    /// way to help stays, in every view.
    #[test]
    fn the_way_to_help_stays_on_a_crowded_80_column_bar() {
        let f = fixture(60);
        let mut h = Harness::cached(&f, Some(synced()));
        h.send(Event::SyncDone(Ok(())));
        h.state.profile = "acme-dental".into();
        h.state.location = "ve9EPM428h8vShlRW1KT".into();
        h.state.budget = rolo::api::limiter::RateBudget {
            remaining: Some(94),
            max: Some(100),
            ..Default::default()
        };
        let bar = |h: &Harness| {
            let t = screen(&h.clone_render(80, 24));
            t.lines().last().unwrap().to_string()
        };
        let list = bar(&h);
        assert!(
            list.contains("?:help") && list.contains("/:search"),
            "{list}"
        );
        h.send(code(KeyCode::Enter));
        let detail = bar(&h);
        assert!(
            detail.contains("?:help") && detail.contains("x:done"),
            "{detail}"
        );
        h.send(code(KeyCode::Esc));
        h.send(key('T'));
        let today = bar(&h);
        assert!(
            today.contains("?:help") && today.contains("x:done"),
            "{today}"
        );
        for b in [&list, &detail, &today] {
            // Whole hints only: none is cut in the middle.
            assert!(!b.trim_end().ends_with(':'), "{b}");
            assert!(b.contains("synced just now"), "{b}");
        }
    }

    #[test]
    fn the_status_bar_tells_how_fresh_and_what_waits() {
        let f = fixture(60);
        let mut h = Harness::cached(&f, Some(synced()));
        h.send(Event::Sync(SyncEvent::Progress(Progress {
            done: 12_300,
            total: 45_000,
            left: Some(std::time::Duration::from_secs(38)),
            full: true,
        })));
        let t = screen(&h.clone_render(160, 24));
        assert!(
            t.contains("Syncing contacts 12,300 / 45,000 · 38 s left"),
            "{t}"
        );
        h.send(Event::SyncDone(Ok(())));
        let t = screen(&h.clone_render(160, 24));
        assert!(t.contains("synced just now"), "{t}");
        h.send(Event::SyncDone(Err("network error talking to x".into())));
        assert!(h.state.error.as_deref().unwrap().contains("Sync stopped"));
        h.send(Event::OutboxStatus {
            counts: Counts {
                pending: 3,
                attention: 1,
            },
            waiting: vec![h.state.list.id(h.state.list.hits[1].index).to_string()],
            last_error: None,
        });
        h.send(ctrl('l'));
        let t = screen(&h.clone_render(160, 24));
        assert!(t.contains("3 edits pending · 1 needs attention (O)"), "{t}");
        assert!(t.contains('↑'), "the waiting contact carries a mark: {t}");
    }

    #[test]
    fn cached_detail_shows_at_once_and_survives_a_failed_load() {
        let f = fixture(60);
        let mut h = Harness::cached(&f, Some(synced()));
        let c = f.rich_contact().clone();
        h.select(&c.id);
        h.wait(500);
        assert!(h.effects.contains(&Command::ReadCache(c.id.clone())));
        let tasks: Vec<_> = f
            .tasks
            .iter()
            .filter(|t| t.contact_id.as_deref() == Some(c.id.as_str()))
            .cloned()
            .collect();
        h.send(Event::Cached(Box::new(Cached {
            contact_id: c.id.clone(),
            contact: Some(c.clone()),
            tasks: Some(tasks.clone()),
            notes: None,
            appointments: None,
        })));
        assert_eq!(h.state.detail.tasks, Remote::Loaded(tasks.clone()));
        let r = h.take(|op| matches!(op, ApiOp::ListTasks { .. }));
        h.answer(
            r.id,
            Err(ApiError::Network {
                host: "services.leadconnectorhq.com".into(),
                cause: "connection refused".into(),
                opened: false,
            }),
        );
        assert_eq!(h.state.detail.tasks, Remote::Loaded(tasks), "kept");
        assert!(h.state.notice.as_deref().unwrap().contains("cached"));
        // Fresh answers go to the cache.
        let r = h.take(|op| matches!(op, ApiOp::ListNotes { .. }));
        h.answer(r.id, Ok(ApiResponse::Notes(vec![])));
        assert!(h.effects.iter().any(|e| matches!(e, Command::Store(_))));
    }

    #[test]
    fn the_outbox_view_retries_and_discards_after_asking() {
        let f = fixture(10);
        let mut h = Harness::cached(&f, Some(synced()));
        h.effects.clear();
        h.send(key('O'));
        assert_eq!(h.effects.last(), Some(&Command::Outbox(OutboxAction::Load)));
        h.effects.clear();
        h.send(Event::OutboxEntries {
            entries: outbox_entries(),
            lost: None,
        });
        h.send(key('j'));
        h.send(key('r'));
        assert_eq!(h.effects, vec![Command::Outbox(OutboxAction::Retry(8))]);
        h.send(key('d'));
        assert!(matches!(h.state.overlay, Some(Overlay::Confirm(_))));
        assert_eq!(h.effects.len(), 1, "nothing discarded before the answer");
        h.send(key('y'));
        assert_eq!(
            h.effects.last(),
            Some(&Command::Outbox(OutboxAction::Discard(8)))
        );
    }

    #[test]
    fn an_edit_sent_by_another_window_stops_counting_and_reloads() {
        let f = fixture(40);
        let mut h = Harness::opened(&f);
        h.state.local.enabled = true;
        h.send(code(KeyCode::Enter));
        h.send(key('x'));
        let req = h.take(|op| matches!(op, ApiOp::SetTaskCompleted { .. }));
        assert_eq!(h.state.pending, 1);
        h.send(Event::SentElsewhere(req.id));
        // Only the reloads it starts are counted now, not the edit.
        assert_eq!(h.state.pending, h.outbox.len(), "the edit no longer counts");
        assert!(
            h.outbox
                .iter()
                .any(|r| matches!(r.op, ApiOp::ListTasks { .. })),
            "the contact is read again from HighLevel"
        );
        // An unknown id changes nothing.
        let before = h.state.pending;
        h.send(Event::SentElsewhere(rolo::api::actor::RequestId(9_999)));
        assert_eq!(h.state.pending, before);
    }

    pub fn outbox_entries() -> Vec<Entry> {
        vec![
            Entry {
                seq: 7,
                key: "c1".into(),
                op: ApiOp::AddTags {
                    contact_id: "c1".into(),
                    tags: vec!["vip".into()],
                },
                description: "tag c1 +vip".into(),
                state: EntryState::Pending,
                attempts: 2,
                next_at: 0,
                error: Some("network error talking to services.leadconnectorhq.com: connection refused (check the connection or --base-url)".into()),
                created_at: 0,
                version: 0,
                sending: false,
                local_id: None,
                before_ids: None,
                unsure: false,
            },
            Entry {
                seq: 8,
                key: "c2".into(),
                op: ApiOp::DeleteContact { id: "c2".into() },
                description: "delete contact c2".into(),
                state: EntryState::Attention,
                attempts: 1,
                next_at: 0,
                error: Some("forbidden: not allowed (this needs the `contacts.write` scope on this location)".into()),
                created_at: 0,
                version: 0,
                sending: false,
                local_id: None,
                before_ids: None,
                unsure: false,
            },
        ]
    }
}

/// The visible rows' highlights are computed once when the query or the
/// window changes (so a frame only looks them up), and they are exactly
/// what a fresh match gives, after typing and after scrolling.
#[test]
fn highlights_of_the_visible_rows_are_computed_once_and_stay_right() {
    let f = fixture(300);
    let mut h = Harness::new();
    h.serve(&f);
    h.send(Event::Resize {
        width: 120,
        height: 30,
    });
    h.send(key('/'));
    h.keys("an");
    let check = |h: &Harness, when: &str| {
        let q = rolo::search::Query::parse(&h.state.list.query);
        let rows = h.state.list_rows();
        let visible: Vec<usize> = h
            .state
            .list
            .hits
            .iter()
            .skip(h.state.list.offset)
            .take(rows)
            .map(|hit| hit.index)
            .collect();
        assert!(visible.len() > 5, "{when}: few rows to check");
        let mut lit = 0;
        for i in visible {
            let shown = h.state.highlights(i);
            assert!(
                matches!(shown, std::borrow::Cow::Borrowed(_)),
                "{when}: row {i} was computed in the frame, not in update"
            );
            let fresh = rolo::search::Searcher::default().highlight(
                &q,
                rolo::search::Entry::new(&h.state.list.contact(i)).view(),
            );
            assert_eq!(&*shown, &fresh[..], "{when}: row {i}");
            lit += usize::from(!fresh.is_empty());
        }
        assert!(lit > 0, "{when}: nothing highlighted");
    };
    check(&h, "after typing");
    h.send(code(KeyCode::Enter));
    for _ in 0..3 {
        h.send(ctrl('d'));
    }
    assert!(h.state.list.offset > 0, "the list scrolled");
    check(&h, "after scrolling");
    h.send(key('/'));
    h.send(code(KeyCode::Backspace));
    check(&h, "after a backspace");
}

/// A contact being created is not on the server: its detail pane shows the
/// list's copy at once, asks the server nothing for the stand-in id (those
/// asks could only fail, and left the pane "loading…" for good on a slow
/// link), and takes the server's record when the create is answered.
#[test]
fn a_contact_being_created_shows_at_once_and_asks_nothing_for_its_stand_in() {
    let f = fixture(40);
    let mut h = Harness::opened(&f);
    h.send(key('c'));
    h.keys("Zed");
    h.send(ctrl('s'));
    let create = h.take(|op| matches!(op, ApiOp::CreateContact(_)));
    h.wait(500);
    let stand_in = h.state.detail.contact_id.clone().unwrap();
    assert!(rolo::app::is_stand_in(&stand_in), "{stand_in}");
    let asked: Vec<_> = h
        .outbox
        .iter()
        .filter(|r| format!("{:?}", r.op).contains(&stand_in))
        .map(|r| r.op.clone())
        .collect();
    assert!(asked.is_empty(), "asked for the stand-in: {asked:?}");
    let t = screen(&h.clone_render(120, 30));
    assert!(t.contains("Zed"), "{t}");
    assert!(!t.contains("loading"), "{t}");
    let mut made = f.contacts[0].clone();
    made.id = "created0000000000001".into();
    made.first_name = Some("Zed".into());
    made.name = Some("Zed".into());
    made.city = Some("Oslo".into());
    h.answer(create.id, Ok(ApiResponse::Contact(made.clone())));
    assert_eq!(h.state.detail.contact_id.as_deref(), Some(made.id.as_str()));
    assert_eq!(h.state.detail.contact.loaded(), Some(&made));
    let t = screen(&h.clone_render(120, 30));
    assert!(t.contains("Oslo") && !t.contains("loading"), "{t}");
}

/// Long descriptions are cut to their column in the palette, never run
/// into the action's name (seen at 80 columns).
#[test]
fn palette_rows_keep_their_columns_at_80() {
    let f = fixture(20);
    let mut h = Harness::new();
    h.serve(&f);
    h.send(key(':'));
    h.keys("outbox");
    let t = screen(&h.render(80, 24));
    let row = t
        .lines()
        .find(|l| l.contains("edits not yet"))
        .unwrap_or_else(|| panic!("{t}"));
    assert!(
        row.contains("confirmed ") && row.contains("  outbox "),
        "{row}"
    );
}

/// With no zone in the config, the workspace asks for the location once it
/// starts, and due dates then follow the location's zone; a zone named in
/// the config is kept and nothing is asked.
#[test]
fn due_dates_follow_the_locations_zone_once_it_is_known() {
    let f = fixture(20);
    let mut h = Harness::new();
    h.serve(&f);
    let settings = rolo::config::load(None, None, false).unwrap();
    assert_eq!(settings.zone, None);
    h.state.configure(&settings);
    h.send(Event::Started);
    let ask = h.take(|op| matches!(op, ApiOp::GetLocation));
    let chicago = rolo::zone::Zone::parse("America/Chicago").unwrap();
    let location = rolo::api::model::Location {
        id: "sandbox-location".into(),
        timezone: Some("America/Chicago".into()),
        ..Default::default()
    };
    h.answer(
        ask.id,
        Ok(ApiResponse::Location(Box::new(location.clone()))),
    );
    assert_eq!(h.state.zone, chicago);
    // The task form reads "today 17:00" in Chicago: 23:00 UTC in winter.
    h.state.now = chrono::DateTime::parse_from_rfc3339("2026-12-01T15:00:00Z")
        .unwrap()
        .to_utc();
    h.select(&f.contacts[0].id);
    h.send(code(KeyCode::Enter));
    h.send(key('t'));
    h.keys("call back");
    h.send(code(KeyCode::Tab));
    h.send(ctrl('u'));
    h.keys("today 17:00");
    h.send(ctrl('s'));
    let create = h.take(|op| matches!(op, ApiOp::CreateTask { .. }));
    match &create.op {
        ApiOp::CreateTask { task, .. } => {
            assert_eq!(task.due_date, "2026-12-01T23:00:00.000Z")
        }
        other => panic!("{other:?}"),
    }

    // A zone the config names wins, and the location is not asked.
    let mut h = Harness::new();
    h.serve(&f);
    let mut settings = settings;
    settings.zone = rolo::zone::Zone::parse("Europe/Oslo");
    h.state.configure(&settings);
    h.send(Event::Started);
    assert!(
        !h.outbox.iter().any(|r| matches!(r.op, ApiOp::GetLocation)),
        "{:?}",
        h.outbox
    );
    assert_eq!(Some(h.state.zone), rolo::zone::Zone::parse("Europe/Oslo"));
}

/// The detail pane tells the contact's own time when their zone is not the
/// user's, and says nothing when it is, or when their zone is unknown.
#[test]
fn the_detail_pane_tells_their_time_when_it_differs() {
    let f = fixture(20);
    let mut h = Harness::opened(&f);
    let set_zone = |h: &mut Harness, tz: &str| {
        if let Remote::Loaded(c) = &mut h.state.detail.contact {
            c.timezone = Some(tz.into());
        }
    };
    // The harness's clock is fixed; the user is on UTC.
    set_zone(&mut h, "Asia/Kolkata");
    let t = screen(&h.clone_render(120, 30));
    let theirs = h
        .state
        .now
        .with_timezone(&rolo::zone::Zone::parse("Asia/Kolkata").unwrap())
        .format("%a %H:%M")
        .to_string();
    assert!(t.contains(&format!("{theirs} in Kolkata")), "{theirs}\n{t}");
    h.state.zone = rolo::zone::Zone::parse("Asia/Kolkata").unwrap();
    assert!(!screen(&h.clone_render(120, 30)).contains(" in Kolkata"));
    for unknown in ["Mars/Olympus", "", "\u{1b}[2J"] {
        set_zone(&mut h, unknown);
        h.state.zone = rolo::zone::Zone::Local;
        let t = screen(&h.clone_render(120, 30));
        assert!(!t.contains(" in Olympus") && !t.contains("Time "), "{t}");
    }
}

/// `a` assigns the contact (from the list) or the task under the cursor
/// (from the detail pane) to a user picked by name; the change shows at
/// once, goes out as the spec's `assignedTo`, is put back if HighLevel
/// refuses it, and a contact's can be undone or given to nobody.
#[test]
fn assigning_a_contact_and_a_task_by_name() {
    let f = fixture(40);
    let mut h = Harness::opened(&f);
    let cid = f.rich_contact().id.clone();
    let jonas = f
        .users
        .iter()
        .find(|u| u.display_name().starts_with("Jonas"))
        .unwrap()
        .clone();
    // The contact, from the list.
    h.send(key('a'));
    h.keys("jon");
    h.send(code(KeyCode::Enter));
    assert!(h.state.overlay.is_none());
    let req = h.take(|op| matches!(op, ApiOp::UpdateContact { .. }));
    match &req.op {
        ApiOp::UpdateContact { id, update, .. } => {
            assert_eq!(id, &cid);
            assert_eq!(update.to_json()["assignedTo"], serde_json::json!(jonas.id));
            assert_eq!(update.keys().count(), 1, "only the owner changes");
        }
        other => panic!("{other:?}"),
    }
    let t = screen(&h.clone_render(120, 30));
    assert!(t.contains("Owner    Jonas Weber"), "{t}");
    // Refused: put back.
    let before = f.rich_contact().assigned_to.clone();
    h.answer(req.id, Err(server_error()));
    assert_eq!(h.state.contact_by_id(&cid).unwrap().assigned_to, before);
    // To nobody: the spec's nullable assignedTo.
    h.send(key('a'));
    h.keys("nob");
    h.send(code(KeyCode::Enter));
    let req = h.take(|op| matches!(op, ApiOp::UpdateContact { .. }));
    match &req.op {
        ApiOp::UpdateContact { update, .. } => {
            assert_eq!(update.to_json()["assignedTo"], serde_json::Value::Null)
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(h.state.contact_by_id(&cid).unwrap().assigned_to, None);
    // Undone: the owner comes back.
    h.send(key('u'));
    let undo = h.take(|op| matches!(op, ApiOp::UpdateContact { .. }));
    assert_eq!(h.state.contact_by_id(&cid).unwrap().assigned_to, before);
    drop(undo);

    // The task under the cursor, from the detail pane.
    h.send(code(KeyCode::Enter));
    let task = h.state.detail.current_task().unwrap().clone();
    h.send(key('a'));
    match &h.state.overlay {
        Some(Overlay::Assign(p)) => assert!(
            !rolo::app::user_choices(&h.state, p).contains(&rolo::app::Choice::Nobody),
            "HighLevel cannot unassign a task"
        ),
        other => panic!("{other:?}"),
    }
    h.keys("weber");
    h.send(code(KeyCode::Enter));
    let req = h.take(|op| matches!(op, ApiOp::UpdateTask { .. }));
    match &req.op {
        ApiOp::UpdateTask {
            task_id, update, ..
        } => {
            assert_eq!(task_id, &task.id);
            assert_eq!(update.assigned_to.as_deref(), Some(jonas.id.as_str()));
            assert_eq!(update.title, None, "nothing else is sent");
        }
        other => panic!("{other:?}"),
    }
    let shown = |h: &Harness| {
        h.state
            .detail
            .tasks
            .loaded()
            .unwrap()
            .iter()
            .find(|t| t.id == task.id)
            .unwrap()
            .assigned_to
            .clone()
    };
    assert_eq!(shown(&h), Some(jonas.id.clone()));
    h.answer(req.id, Err(server_error()));
    assert_eq!(shown(&h), task.assigned_to, "put back");
    assert!(
        h.state
            .error
            .as_deref()
            .unwrap()
            .contains("Could not assign")
    );
}

/// Without the users scope, rolo says so once and shows ids.
#[test]
fn without_the_users_scope_ids_show_and_it_is_said_once() {
    let f = fixture(20);
    let mut h = Harness::new();
    h.serve(&f);
    h.send(Event::Started);
    let req = h.take(|op| matches!(op, ApiOp::LocationUsers));
    h.answer(
        req.id,
        Err(ApiError::Unauthorized {
            message: "The token is not authorized for this scope.".into(),
        }),
    );
    let n = h.state.notice.clone().unwrap();
    assert!(n.contains("users.readonly"), "{n}");
    let owned = f.contacts.iter().find(|c| c.assigned_to.is_some()).unwrap();
    h.select(&owned.id);
    h.wait(500);
    h.serve(&f);
    let t = screen(&h.clone_render(120, 30));
    assert!(
        t.contains(&format!(
            "Owner    {}",
            owned.assigned_to.as_deref().unwrap()
        )),
        "{t}"
    );
    h.send(key('a'));
    assert!(h.state.overlay.is_none(), "no empty picker");
    assert!(
        h.state
            .notice
            .as_deref()
            .unwrap()
            .contains("cannot be read")
    );
}

/// Custom fields show by name and formatted by type: inline on a tall
/// pane, under `m` on a short one; a value without a known definition
/// shows by its id, never dropped.
#[test]
fn custom_fields_show_by_name_and_type() {
    let f = fixture(40);
    let mut h = Harness::opened(&f);
    let c = f.rich_contact();
    let budget = c
        .custom_fields
        .iter()
        .flatten()
        .find(|v| v.id == "cfBudget0000000000001")
        .and_then(|v| v.value.as_ref())
        .and_then(|v| v.as_str())
        .unwrap()
        .parse::<u64>()
        .unwrap();
    let money = {
        let d = budget.to_string();
        let mut out = String::new();
        for (i, ch) in d.chars().enumerate() {
            if i > 0 && (d.len() - i) % 3 == 0 {
                out.push(',');
            }
            out.push(ch);
        }
        format!("${out}")
    };
    let tall = screen(&h.clone_render(160, 48));
    assert!(tall.contains(&format!("Budget      {money}")), "{tall}");
    let short = screen(&h.clone_render(80, 24));
    assert!(!short.contains("Budget"), "{short}");
    h.send(code(KeyCode::Enter));
    h.send(key('m'));
    // Under 30 rows the fields are under `m` only (31 rows: all of them fit
    // above the task cursor, which the pane keeps in view, below the deals).
    let short = screen(&h.clone_render(80, 31));
    assert!(
        short.contains("Budget") && short.contains(&money),
        "{short}"
    );
    // A value whose definition is unknown.
    if let Remote::Loaded(full) = &mut h.state.detail.contact {
        full.custom_fields.get_or_insert_with(Vec::new).push(
            serde_json::from_value(serde_json::json!({"id": "cfUnknown", "value": "kept"}))
                .unwrap(),
        );
    }
    h.state.custom_fields = Remote::Idle;
    let t = screen(&h.clone_render(160, 48));
    assert!(t.contains("custom cfUnknown") && t.contains("kept"), "{t}");
    assert!(t.contains("custom cfBudget0000000000001"), "{t}");
}

/// Review findings: a read-only profile cannot assign (nothing changes on
/// screen); a task's assignment is undone by `u`; the picker opens on who
/// has it now, never on "nobody".
#[test]
fn assigning_is_a_write_undoable_and_starts_on_the_current_owner() {
    let f = fixture(40);
    let mut h = Harness::opened(&f);
    let cid = f.rich_contact().id.clone();
    let owner = h.state.detail.contact.loaded().unwrap().assigned_to.clone();
    h.send(key('a'));
    match &h.state.overlay {
        Some(Overlay::Assign(p)) => {
            let choices = rolo::app::user_choices(&h.state, p);
            match &choices[p.selected] {
                rolo::app::Choice::User(u) => assert_eq!(Some(&u.id), owner.as_ref()),
                other => panic!("opened on {other:?}"),
            }
        }
        other => panic!("{other:?}"),
    }
    h.send(code(KeyCode::Esc));

    // A task's assignment, undone.
    h.send(code(KeyCode::Enter));
    let task = h.state.detail.current_task().unwrap().clone();
    let was = task
        .assigned_to
        .clone()
        .expect("the fixture's first task has someone");
    let other = f.users.iter().find(|u| u.id != was).unwrap().clone();
    h.send(key('a'));
    h.keys(other.first_name.as_deref().unwrap());
    h.send(code(KeyCode::Enter));
    let req = h.take(|op| matches!(op, ApiOp::UpdateTask { .. }));
    h.answer(
        req.id,
        Ok(ApiResponse::Task(rolo::api::model::Task {
            assigned_to: Some(other.id.clone()),
            ..task.clone()
        })),
    );
    h.send(key('u'));
    let back = h.take(|op| matches!(op, ApiOp::UpdateTask { .. }));
    match &back.op {
        ApiOp::UpdateTask { update, .. } => {
            assert_eq!(update.assigned_to.as_deref(), Some(was.as_str()))
        }
        other => panic!("{other:?}"),
    }
    assert!(h.state.notice.as_deref().unwrap().contains("assignee back"));

    // Read-only: refused, and the screen does not pretend.
    let mut settings = rolo::config::load(None, None, false).unwrap();
    settings.read_only = true;
    h.state.configure(&settings);
    h.send(code(KeyCode::Esc));
    h.select(&cid);
    let before = h.state.contact_by_id(&cid).unwrap().assigned_to.clone();
    h.send(key('a'));
    assert!(
        h.state.overlay.is_none(),
        "no picker in a read-only profile"
    );
    assert_eq!(h.state.contact_by_id(&cid).unwrap().assigned_to, before);
    assert!(
        !h.outbox
            .iter()
            .any(|r| matches!(r.op, ApiOp::UpdateContact { .. }))
    );
}

/// Moves the contact form's focus to the row labelled `label`.
fn focus_row(h: &mut Harness, label: &str) {
    for _ in 0..40 {
        match &h.state.overlay {
            Some(Overlay::Contact(f)) if f.focused_field().is_some_and(|x| x.label() == label) => {
                return;
            }
            Some(Overlay::Contact(_)) => h.send(code(KeyCode::Tab)),
            other => panic!("no contact form: {other:?}"),
        }
    }
    panic!("no row {label}");
}

fn ctrl_s() -> Event {
    ctrl('s')
}

/// The contact form edits custom fields by type: a dropdown by ←/→ and
/// space, a multi-select by ticks, money and dates as people write them.
/// Only the changed ones are sent, as `customFields: [{id, field_value}]`
/// (strings, a list for the multi-select), and the pane shows them at once.
#[test]
fn the_contact_form_edits_custom_fields_and_sends_only_the_changed() {
    let f = fixture(40);
    let mut h = Harness::opened(&f);
    let cid = f.rich_contact().id.clone();
    h.send(key('e'));
    // Lead source: facebook → the next option.
    focus_row(&mut h, "Lead source");
    h.send(code(KeyCode::Right));
    h.send(key(' '));
    // Budget: typed as money.
    focus_row(&mut h, "Budget");
    for _ in 0..10 {
        h.send(code(KeyCode::Backspace));
    }
    h.keys("$14,250.50");
    // Interests: the cursor starts on the first ticked (solar); tick the
    // one before it (roofing), untick nothing.
    focus_row(&mut h, "Interests");
    h.send(code(KeyCode::Left));
    h.send(key(' '));
    // Next renewal: in words.
    focus_row(&mut h, "Next renewal");
    h.keys("2027-01-15");
    // The file upload cannot take focus.
    for _ in 0..30 {
        h.send(code(KeyCode::Tab));
        if let Some(Overlay::Contact(form)) = &h.state.overlay {
            assert_ne!(form.focused_field().map(|x| x.label()), Some("Permit scan"));
        }
    }
    h.send(ctrl_s());
    assert!(h.state.overlay.is_none(), "{:?}", h.state.notice);
    let req = h.take(|op| matches!(op, ApiOp::UpdateContact { .. }));
    let ApiOp::UpdateContact { id, update, .. } = &req.op else {
        unreachable!()
    };
    assert_eq!(id, &cid);
    let body = update.to_json();
    assert_eq!(
        body.as_object().unwrap().len(),
        1,
        "only customFields: {body}"
    );
    let mut sent: Vec<(String, serde_json::Value)> = update
        .custom_values()
        .into_iter()
        .map(|(i, v)| (i.to_string(), v.clone()))
        .collect();
    sent.sort_by(|a, b| a.0.cmp(&b.0));
    let options = rolo::sandbox::seed::SOURCES;
    let was = options.iter().position(|o| *o == "facebook").unwrap();
    assert_eq!(
        sent,
        vec![
            (
                "cfBudget0000000000001".into(),
                serde_json::json!("14250.50")
            ),
            (
                "cfInterests0000000005".into(),
                serde_json::json!(["roofing", "solar", "windows"])
            ),
            (
                "cfReferral00000000002".into(),
                serde_json::json!(options[(was + 1) % options.len()])
            ),
            (
                "cfRenewal000000000003".into(),
                serde_json::json!("2027-01-15")
            ),
        ]
    );
    let t = screen(&h.clone_render(160, 48));
    assert!(t.contains("$14,250.50"), "{t}");
    assert!(t.contains("roofing, solar, windows"), "{t}");
    // Undo sends the old values back, the list as the server had it.
    h.send(key('u'));
    let undo = h.take(|op| matches!(op, ApiOp::UpdateContact { .. }));
    let ApiOp::UpdateContact { update, .. } = &undo.op else {
        unreachable!()
    };
    let back: std::collections::HashMap<&str, &serde_json::Value> =
        update.custom_values().into_iter().collect();
    assert_eq!(back["cfBudget0000000000001"], &serde_json::json!("13500"));
    assert_eq!(
        back["cfInterests0000000005"],
        &serde_json::json!("solar, windows")
    );
    assert_eq!(back["cfRenewal000000000003"], &serde_json::json!(""));
}

/// A value that does not fit its type stops the save, says why on the row
/// and at the foot, and focuses the field; a date in words shows the day
/// it means; opening and saving untouched sends nothing.
#[test]
fn custom_field_values_are_checked_by_type_before_sending() {
    let f = fixture(40);
    let mut h = Harness::opened(&f);
    // Values written otherwise than rolo would write them stay untouched
    // unless edited: nothing is "normalized" behind the user's back.
    if let Remote::Loaded(full) = &mut h.state.detail.contact {
        let list = full.custom_fields.get_or_insert_with(Vec::new);
        list.retain(|v| v.id != "cfRenewal000000000003" && v.id != "cfBudget0000000000001");
        for (id, v) in [
            (
                "cfRenewal000000000003",
                serde_json::json!("2026-03-04T00:00:00.000Z"),
            ),
            ("cfBudget0000000000001", serde_json::json!("13,500")),
            (
                "cfInterests0000000005",
                serde_json::json!(["solar", "retired option"]),
            ),
        ] {
            list.retain(|x| x.id != id);
            list.push(serde_json::from_value(serde_json::json!({"id": id, "value": v})).unwrap());
        }
    }
    h.send(key('e'));
    h.send(ctrl_s());
    assert!(h.state.overlay.is_none());
    assert_eq!(h.state.notice.as_deref(), Some("No changes."));
    assert!(
        h.try_take(|op| matches!(op, ApiOp::UpdateContact { .. }))
            .is_none()
    );
    for (label, bad) in [
        ("Seats", "a dozen"),
        ("Budget", "1.234,56"),
        ("Site phone", "12"),
        ("Billing email", "nope@"),
        ("Next renewal", "someday"),
    ] {
        h.send(key('e'));
        focus_row(&mut h, label);
        for _ in 0..30 {
            h.send(code(KeyCode::Backspace));
        }
        h.keys(bad);
        h.send(code(KeyCode::BackTab));
        h.send(ctrl_s());
        match &h.state.overlay {
            Some(Overlay::Contact(form)) => {
                assert_eq!(form.focused_field().map(|x| x.label()), Some(label));
                assert!(
                    form.error
                        .as_deref()
                        .unwrap()
                        .starts_with(&format!("{label}: "))
                );
            }
            other => panic!("{label}: saved {bad:?}: {other:?}"),
        }
        assert!(
            h.try_take(|op| matches!(op, ApiOp::UpdateContact { .. }))
                .is_none()
        );
        h.send(code(KeyCode::Esc));
        h.send(code(KeyCode::Esc));
        assert!(h.state.overlay.is_none());
    }
    // "fri" in the date field: the day it means, in the user's zone.
    h.send(key('e'));
    focus_row(&mut h, "Next renewal");
    for _ in 0..30 {
        h.send(code(KeyCode::Backspace));
    }
    h.keys("fri");
    let t = screen(&h.clone_render(160, 48));
    let now = h.state.now.with_timezone(&h.state.zone);
    let fri = rolo::app::overlays::field_input::date("fri", now).unwrap();
    assert_eq!(chrono::Datelike::weekday(&fri), chrono::Weekday::Fri);
    assert!(t.contains(&format!("→ {fri}")), "{t}");
}

/// A large text keeps its lines: shown and edited as lines, a new one
/// with alt-enter, and sent with them; untouched, it is not sent.
#[test]
fn a_large_text_field_keeps_its_lines() {
    let f = fixture(40);
    let mut h = Harness::opened(&f);
    if let Remote::Loaded(full) = &mut h.state.detail.contact {
        let list = full.custom_fields.get_or_insert_with(Vec::new);
        list.retain(|v| v.id != "cfCrewNotes0000000006");
        list.push(
            serde_json::from_value(serde_json::json!({"id": "cfCrewNotes0000000006", "value": "Gate code 4411.\nDog is friendly."}))
                .unwrap(),
        );
    }
    h.send(key('e'));
    focus_row(&mut h, "Notes for the crew");
    h.send(Event::Key(crossterm::event::KeyEvent::new(
        KeyCode::Enter,
        crossterm::event::KeyModifiers::ALT,
    )));
    h.keys("Park on the street.");
    h.send(ctrl('s'));
    let req = h.take(|op| matches!(op, ApiOp::UpdateContact { .. }));
    let ApiOp::UpdateContact { update, .. } = &req.op else {
        unreachable!()
    };
    assert_eq!(
        update.custom_values(),
        vec![(
            "cfCrewNotes0000000006",
            &serde_json::json!("Gate code 4411.\nDog is friendly.\nPark on the street.")
        )]
    );
    h.send(code(KeyCode::Enter));
    h.send(key('m'));
    let t = screen(&h.clone_render(160, 48));
    assert!(
        t.contains("Dog is friendly.") && t.contains("Park on the street."),
        "{t}"
    );
}

/// Makes the fixture's first task assignee "me", by email, as a profile
/// with `user = "…"` would.
fn as_user(h: &mut Harness, f: &support::app::Fixture) -> String {
    let me = f
        .tasks
        .iter()
        .find_map(|t| t.assigned_to.clone())
        .expect("an assigned task");
    let email = f.users.iter().find(|u| u.id == me).unwrap().email.clone();
    h.state.me_email = email;
    h.state.set_users(f.users.clone());
    assert_eq!(h.state.me.as_deref(), Some(me.as_str()));
    me
}

/// Filters stay: a search saved from the palette is pinned, named in the
/// title, survives esc, is recalled by its digit, let go by 0; the file
/// is written through a command, never behind the user's back.
#[test]
fn a_saved_search_stays_until_let_go() {
    let f = fixture(40);
    let mut h = Harness::opened(&f);
    let me = as_user(&mut h, &f);
    let all = h.state.list.hits.len();
    h.send(key('/'));
    h.keys("assigned:me");
    let mine: Vec<String> = h
        .state
        .list
        .hits
        .iter()
        .map(|x| h.state.list.id(x.index).to_string())
        .collect();
    assert!(
        !mine.is_empty() && mine.len() < all,
        "{} of {all}",
        mine.len()
    );
    for id in &mine {
        assert_eq!(
            h.state.contact_by_id(id).unwrap().assigned_to.as_deref(),
            Some(me.as_str())
        );
    }
    h.send(code(KeyCode::Enter));
    h.send(key(':'));
    h.keys("save my-people");
    h.send(code(KeyCode::Enter));
    let change = h
        .effects
        .iter()
        .find_map(|c| match c {
            rolo::app::Command::Searches(s) => Some(s.clone()),
            _ => None,
        })
        .expect("the search is kept");
    assert_eq!(
        change,
        rolo::searches::Change::Save {
            name: "my-people".into(),
            query: "assigned:me".into()
        }
    );
    assert_eq!(h.state.saved.len(), 1);
    assert!(
        h.state.list.query.is_empty(),
        "the typed words became the pinned filter"
    );
    assert_eq!(h.state.list.hits.len(), mine.len());
    let t = screen(&h.clone_render(120, 30));
    assert!(t.contains("@my-people"), "{t}");
    // Esc in the search clears only what is typed.
    h.send(key('/'));
    h.keys("zzzz");
    assert!(h.state.list.hits.is_empty());
    h.send(code(KeyCode::Esc));
    assert_eq!(h.state.list.hits.len(), mine.len(), "the filter stayed");
    h.send(key('0'));
    assert_eq!(h.state.list.hits.len(), all);
    h.send(key('1'));
    assert_eq!(h.state.list.hits.len(), mine.len());
    h.send(key('2'));
    assert!(
        h.state
            .notice
            .as_deref()
            .unwrap()
            .contains("Only one saved search")
    );
    // A bad filter is said in the title and left out.
    h.send(key('/'));
    h.keys(" budget:>lots");
    let t = screen(&h.clone_render(160, 30));
    assert!(t.contains("budget:>lots: expects a number"), "{t}");
    assert_eq!(h.state.list.hits.len(), mine.len());
}

/// `M` is mine / everyone, in the list and in Today; without a user in
/// the profile it says how to name one.
#[test]
fn mine_and_everyone_in_the_list_and_today() {
    let f = fixture(40);
    let mut h = Harness::opened(&f);
    h.send(key('M'));
    assert!(
        h.state.notice.as_deref().unwrap().contains("user = "),
        "{:?}",
        h.state.notice
    );
    let me = as_user(&mut h, &f);
    let all = h.state.list.hits.len();
    h.send(key('M'));
    assert!(h.state.list.mine);
    let n = h.state.list.hits.len();
    assert!(n > 0 && n < all);
    assert!(screen(&h.clone_render(120, 30)).contains(" mine "));
    h.send(key('M'));
    assert_eq!(h.state.list.hits.len(), all);
    h.send(key('T'));
    h.serve(&f);
    let everyone = h.state.today_tasks().len();
    h.send(key('M'));
    let mine = h.state.today_tasks();
    assert!(
        !mine.is_empty() && mine.len() < everyone,
        "{} of {everyone}",
        mine.len()
    );
    assert!(
        mine.iter()
            .all(|t| t.assigned_to.as_deref() == Some(me.as_str()))
    );
}

/// `!`: DND per channel. Space toggles the channel under the cursor or
/// all of them; enter sends `dnd` and the whole `dndSettings` (messages
/// kept, a permanent channel never lifted); esc sends nothing; `u` puts
/// it back; a read-only profile cannot.
#[test]
fn dnd_per_channel_and_for_all() {
    let f = fixture(40);
    let mut h = Harness::opened(&f);
    let cid = f.rich_contact().id.clone();
    if let Remote::Loaded(full) = &mut h.state.detail.contact {
        full.dnd = Some(false);
        full.extra.insert(
            "dndSettings",
            serde_json::json!({
                "SMS": {"status": "active", "message": "opted out by text", "code": "30007"},
                "Email": {"status": "inactive"},
                "Call": {"status": "permanent", "message": "STOP"},
            }),
        );
    }
    h.send(key('!'));
    assert!(matches!(h.state.overlay, Some(Overlay::Dnd(_))));
    h.send(code(KeyCode::Esc));
    assert!(h.state.overlay.is_none());
    assert!(
        h.try_take(|op| matches!(op, ApiOp::UpdateContact { .. }))
            .is_none()
    );
    // Email on (row 3: all, Call, Email).
    h.send(key('!'));
    h.send(key('j'));
    h.send(key('j'));
    h.send(key(' '));
    h.send(code(KeyCode::Enter));
    let req = h.take(|op| matches!(op, ApiOp::UpdateContact { .. }));
    let ApiOp::UpdateContact { id, update, .. } = &req.op else {
        unreachable!()
    };
    assert_eq!(id, &cid);
    let body = update.to_json();
    assert_eq!(body["dndSettings"]["Email"]["status"], "active", "{body}");
    assert_eq!(body["dndSettings"]["SMS"]["message"], "opted out by text");
    assert_eq!(body["dndSettings"]["SMS"]["code"], "30007");
    assert_eq!(body["dndSettings"]["Call"]["status"], "permanent");
    assert_eq!(body["dndSettings"]["FB"]["status"], "inactive");
    assert!(body.get("dnd").is_none(), "not every channel: {body}");
    // All off: the permanent one stays.
    h.send(key('!'));
    h.send(key(' '));
    let all_on = match &h.state.overlay {
        Some(Overlay::Dnd(p)) => p.all_on(),
        other => panic!("{other:?}"),
    };
    assert!(all_on, "some were off: all go on first");
    h.send(key(' '));
    h.send(code(KeyCode::Enter));
    let req = h.take(|op| matches!(op, ApiOp::UpdateContact { .. }));
    let ApiOp::UpdateContact { update, .. } = &req.op else {
        unreachable!()
    };
    let body = update.to_json();
    assert_eq!(body["dndSettings"]["Call"]["status"], "permanent", "{body}");
    assert_eq!(body["dndSettings"]["SMS"]["status"], "inactive", "{body}");
    // Undo sends the settings back.
    h.send(key('u'));
    let undo = h.take(|op| matches!(op, ApiOp::UpdateContact { .. }));
    let ApiOp::UpdateContact { update, .. } = &undo.op else {
        unreachable!()
    };
    assert_eq!(update.to_json()["dndSettings"]["SMS"]["status"], "active");
    assert_eq!(update.to_json()["dndSettings"]["Email"]["status"], "active");
    // Read-only: refused before anything opens.
    h.state.read_only = true;
    h.send(key('!'));
    assert!(h.state.overlay.is_none());
}

/// `F`: followers by name. Enter adds the user picked (✓ marks who
/// follows); picked again, they are taken off; each shows at once, goes
/// out as POST or DELETE /followers, is undone by `u`, and put back when
/// HighLevel refuses.
#[test]
fn followers_are_added_and_taken_off_by_name() {
    let f = fixture(40);
    let mut h = Harness::opened(&f);
    let cid = f.rich_contact().id.clone();
    if let Remote::Loaded(full) = &mut h.state.detail.contact {
        full.set_followers(&[]);
    }
    let jonas = f
        .users
        .iter()
        .find(|u| u.display_name().starts_with("Jonas"))
        .unwrap()
        .clone();
    h.send(key('F'));
    assert!(screen(&h.clone_render(120, 30)).contains("Followers"));
    h.keys("jon");
    h.send(code(KeyCode::Enter));
    let req = h.take(|op| matches!(op, ApiOp::AddFollowers { .. }));
    match &req.op {
        ApiOp::AddFollowers { contact_id, users } => {
            assert_eq!(contact_id, &cid);
            assert_eq!(users, &vec![jonas.id.clone()]);
        }
        other => panic!("{other:?}"),
    }
    assert!(screen(&h.clone_render(120, 30)).contains("Watchers Jonas Weber"));
    h.answer(req.id, Ok(ApiResponse::Followers(vec![jonas.id.clone()])));
    // The picker marks him; picked again, he is taken off.
    h.send(key('F'));
    assert!(screen(&h.clone_render(120, 30)).contains("✓ Jonas Weber"));
    h.keys("jon");
    h.send(code(KeyCode::Enter));
    let req = h.take(|op| matches!(op, ApiOp::RemoveFollowers { .. }));
    assert!(!screen(&h.clone_render(120, 30)).contains("Watchers"));
    // Refused: he is back.
    h.answer(req.id, Err(server_error()));
    assert!(screen(&h.clone_render(120, 30)).contains("Watchers Jonas Weber"));
    // Undo of the first change takes him off again.
    h.send(key('u'));
    let undo = h.take(|op| matches!(op, ApiOp::RemoveFollowers { .. }));
    drop(undo);
    assert!(!screen(&h.clone_render(120, 30)).contains("Watchers"));
}

/// A pick list scrolls so the option under the cursor, and the one chosen
/// when the form opens, is always drawn, at any width.
#[test]
fn the_chosen_option_is_always_in_view() {
    let f = fixture(40);
    let mut h = Harness::opened(&f);
    let last = *rolo::sandbox::seed::SOURCES.last().unwrap();
    if let Remote::Loaded(full) = &mut h.state.detail.contact {
        let list = full.custom_fields.get_or_insert_with(Vec::new);
        list.retain(|v| v.id != "cfReferral00000000002");
        list.push(
            serde_json::from_value(
                serde_json::json!({"id": "cfReferral00000000002", "value": last}),
            )
            .unwrap(),
        );
    }
    h.send(key('e'));
    focus_row(&mut h, "Lead source");
    for w in [60u16, 70, 80, 100, 160] {
        let t = screen(&h.clone_render(w, 30));
        assert!(t.contains(&format!("(•) {last}")), "{w} columns:\n{t}");
    }
    // Moving along shows each option in turn.
    for o in rolo::sandbox::seed::SOURCES {
        h.send(code(KeyCode::Right));
        let t = screen(&h.clone_render(60, 30));
        let shown = t.contains(&format!("( ) {o}")) || t.contains(&format!("(•) {o}"));
        assert!(shown, "{o}:\n{t}");
    }
}

/// Appointments name their user, as tasks do: `@Maya`.
#[test]
fn appointments_name_their_user() {
    let f = fixture(40);
    let h = Harness::opened(&f);
    let cid = f.rich_contact().id.clone();
    let a = f
        .appointments
        .iter()
        .find(|a| a.contact_id.as_deref() == Some(cid.as_str()) && a.assigned_user_id.is_some())
        .expect("an appointment with a user");
    let user = f
        .users
        .iter()
        .find(|u| Some(&u.id) == a.assigned_user_id.as_ref())
        .unwrap();
    let first = user.display_name().split(' ').next().unwrap().to_string();
    let t = screen(&h.clone_render(160, 48));
    let line = t
        .lines()
        .find(|l| l.contains(a.title.as_deref().unwrap_or("?")))
        .unwrap_or_else(|| panic!("{t}"));
    assert!(line.contains(&format!("@{first}")), "{line}");
}

/// The task form says who the task is for: a new one starts with the
/// profile's user, ←/→ picks another (or nobody, for a new task), and the
/// choice is sent; editing sends the assignee only when it changed.
#[test]
fn the_task_form_sets_who_the_task_is_for() {
    let f = fixture(40);
    let mut h = Harness::opened(&f);
    let me = as_user(&mut h, &f);
    h.send(code(KeyCode::Enter));
    h.send(key('t'));
    h.keys("Call about the roof");
    h.send(code(KeyCode::Tab));
    h.send(code(KeyCode::Tab));
    let t = screen(&h.clone_render(120, 30));
    let name = h.state.user_label(&me);
    assert!(t.contains(&format!("‹ {name} ›")), "{t}");
    h.send(code(KeyCode::Right));
    let other = match &h.state.overlay {
        Some(Overlay::Task(form)) => form.assignee.clone().unwrap(),
        o => panic!("{o:?}"),
    };
    assert_ne!(other, me);
    h.send(ctrl('s'));
    let req = h.take(|op| matches!(op, ApiOp::CreateTask { .. }));
    let ApiOp::CreateTask { task, .. } = &req.op else {
        unreachable!()
    };
    assert_eq!(task.assigned_to.as_deref(), Some(other.as_str()));
    // Editing an assigned task: unchanged, no assignee is sent.
    let task = h.state.detail.current_task().unwrap().clone();
    h.send(key('e'));
    h.keys(" today");
    h.send(ctrl('s'));
    if let Some(req) = h.try_take(|op| matches!(op, ApiOp::UpdateTask { .. })) {
        let ApiOp::UpdateTask { update, .. } = &req.op else {
            unreachable!()
        };
        assert_eq!(update.assigned_to, None, "{task:?}");
    }
}

/// Nothing is cut at 12 lines: the note under the cursor shows whole,
/// wrapped, and `J`/`K` scroll the pane through it; the task under the
/// cursor shows who it is for and its whole body.
#[test]
fn long_notes_and_task_bodies_read_to_their_end() {
    let f = fixture(40);
    let mut h = Harness::opened(&f);
    let long: String = (1..=40)
        .map(|i| format!("line {i} of the long note\n"))
        .collect();
    let newest = h.state.detail.sorted_notes()[0].id.clone();
    if let Remote::Loaded(notes) = &mut h.state.detail.notes {
        notes.iter_mut().find(|n| n.id == newest).unwrap().body = Some(long);
    }
    if let Remote::Loaded(tasks) = &mut h.state.detail.tasks {
        for t in tasks.iter_mut() {
            t.body = Some("Bring the ladder. Gate code 4411; the dog is friendly.".into());
        }
    }
    h.send(code(KeyCode::Enter));
    // The first task, under the cursor: its body and who it is for.
    let t = screen(&h.clone_render(120, 40));
    assert!(t.contains("Gate code 4411; the dog is friendly."), "{t}");
    let first = h.state.detail.current_task().unwrap().clone();
    if let Some(u) = first.assigned_to.as_deref() {
        assert!(t.contains(&format!("for {}", h.state.user_label(u))), "{t}");
    }
    // To the long note.
    while !matches!(
        h.state.detail.current(),
        Some(rolo::app::DetailItem::Note(_))
    ) {
        h.send(key('j'));
    }
    assert!(matches!(
        h.state.detail.current(),
        Some(rolo::app::DetailItem::Note(0))
    ));
    let t = screen(&h.clone_render(120, 40));
    assert!(t.contains("line 1 of the long note"), "{t}");
    assert!(!t.contains("line 40 of the long note"), "{t}");
    for _ in 0..15 {
        h.send(key('J'));
    }
    let t = screen(&h.clone_render(120, 40));
    assert!(t.contains("line 40 of the long note"), "{t}");
    // Nothing of it is held back (another note, not under the cursor,
    // still says "… 1 more line").
    assert!(!t.contains("more lines"), "{t}");
    for _ in 0..15 {
        h.send(key('K'));
    }
    let t = screen(&h.clone_render(120, 40));
    assert!(t.contains("line 1 of the long note"), "{t}");
}

/// The deals panel (`$`): `>` moves the open deal one stage on, shown at
/// once and sent with the stage the user saw as its base; `L` marks it
/// lost with a reason picked from the location's; `u` puts it back; `v`
/// changes the value ("5k"); a failed edit is rolled back with an error;
/// `D` asks, then deletes; a read-only profile sends nothing.
#[test]
fn deals_move_win_lose_and_undo_through_the_panel() {
    use rolo::api::opportunities::Status;
    let f = fixture(40);
    let mut h = Harness::opened(&f);
    let cid = f.rich_contact().id.clone();
    let stages = f.pipelines[0].stages.clone();
    let deal = |h: &Harness| {
        h.state
            .detail
            .deals
            .loaded()
            .unwrap()
            .iter()
            .find(|o| o.id == "richDeal0000000000000")
            .cloned()
            .unwrap()
    };
    assert_eq!(
        deal(&h).pipeline_stage_id.as_deref(),
        Some(stages[2].id.as_str())
    );
    h.send(key('$'));
    assert!(matches!(h.state.overlay, Some(Overlay::Deals(_))));
    // ctrl-l clears an error; with ctrl, no key is a deal command.
    h.state.error = Some("old".into());
    for c in ['l', 'w', 'o', 'u'] {
        h.send(ctrl(c));
    }
    assert!(h.state.error.is_none());
    assert!(h.try_take(|op| op.is_write()).is_none());
    // The open deal is first: one stage on.
    h.send(key('>'));
    let req = h.take(|op| matches!(op, ApiOp::UpdateDeal { .. }));
    let ApiOp::UpdateDeal {
        contact_id,
        id,
        update,
        base,
    } = &req.op
    else {
        unreachable!()
    };
    assert_eq!(
        (contact_id.as_str(), id.as_str()),
        (cid.as_str(), "richDeal0000000000000")
    );
    assert_eq!(
        update.pipeline_stage_id.as_deref(),
        Some(stages[3].id.as_str())
    );
    assert_eq!(
        serde_json::to_value(update).unwrap(),
        serde_json::json!({"pipelineStageId": stages[3].id}),
        "only the stage is sent"
    );
    assert_eq!(
        base.as_ref().unwrap().pipeline_stage_id.as_deref(),
        Some(stages[2].id.as_str())
    );
    assert_eq!(
        deal(&h).pipeline_stage_id.as_deref(),
        Some(stages[3].id.as_str())
    );
    assert!(screen(&h.clone_render(160, 48)).contains(&stages[3].name));
    // It fails: put back, and said.
    h.answer(
        req.id,
        Err(ApiError::Server {
            status: 503,
            message: "down".into(),
        }),
    );
    assert_eq!(
        deal(&h).pipeline_stage_id.as_deref(),
        Some(stages[2].id.as_str())
    );
    assert!(
        h.state.error.as_deref().unwrap_or("").contains("put back"),
        "{:?}",
        h.state.error
    );
    // Lost, for the first reason.
    h.send(key('L'));
    h.send(key('j'));
    h.send(code(KeyCode::Enter));
    let req = h.take(|op| matches!(op, ApiOp::SetDealStatus { .. }));
    let ApiOp::SetDealStatus {
        status,
        lost_reason,
        ..
    } = &req.op
    else {
        unreachable!()
    };
    assert_eq!(*status, Status::Lost);
    assert_eq!(lost_reason.as_deref(), Some(f.lost_reasons[0].id.as_str()));
    assert_eq!(deal(&h).status(), Some(Status::Lost));
    h.answer(req.id, Ok(ApiResponse::Done));
    // Undone: open again, with no reason.
    h.send(key('u'));
    let req = h.take(|op| matches!(op, ApiOp::SetDealStatus { .. }));
    let ApiOp::SetDealStatus {
        status,
        lost_reason,
        ..
    } = &req.op
    else {
        unreachable!()
    };
    assert_eq!((*status, lost_reason.clone()), (Status::Open, None));
    assert_eq!(deal(&h).status(), Some(Status::Open));
    assert!(
        h.state
            .undo
            .iter()
            .all(|u| !matches!(u, rolo::app::Undo::DealEdited { .. }))
    );
    h.answer(req.id, Ok(ApiResponse::Done));
    // A value as people type it; a bad one is said and kept for fixing.
    h.send(key('v'));
    for _ in 0..10 {
        h.send(code(KeyCode::Backspace));
    }
    h.keys("lots");
    h.send(code(KeyCode::Enter));
    assert!(
        h.try_take(|op| matches!(op, ApiOp::UpdateDeal { .. }))
            .is_none()
    );
    assert!(
        h.state
            .notice
            .as_deref()
            .unwrap_or("")
            .contains("not an amount")
    );
    for _ in 0..4 {
        h.send(code(KeyCode::Backspace));
    }
    h.keys("5k");
    h.send(code(KeyCode::Enter));
    let req = h.take(|op| matches!(op, ApiOp::UpdateDeal { .. }));
    let ApiOp::UpdateDeal { update, .. } = &req.op else {
        unreachable!()
    };
    assert_eq!(
        serde_json::to_value(update).unwrap(),
        serde_json::json!({"monetaryValue": 5000.0})
    );
    assert_eq!(deal(&h).monetary_value, Some(5000.0));
    // Delete asks first.
    h.send(key('D'));
    h.send(key('n'));
    assert!(
        h.try_take(|op| matches!(op, ApiOp::DeleteDeal { .. }))
            .is_none()
    );
    h.send(key('D'));
    // The list re-sorts under the prompt (an answer put a deal back):
    // the yes still deletes the deal the prompt named.
    let named = deal(&h).id.clone();
    if let Remote::Loaded(d) = &mut h.state.detail.deals {
        let mut other = d[0].clone();
        other.id = "newerDeal00000000000".into();
        other.created_at = Some("2099-01-01T00:00:00.000Z".into());
        other.status = Some("open".into());
        d.push(other);
    }
    h.send(key('y'));
    let req = h.take(|op| matches!(op, ApiOp::DeleteDeal { .. }));
    let ApiOp::DeleteDeal { id, .. } = &req.op else {
        unreachable!()
    };
    assert_eq!(id, &named);
    // A delete cannot be undone, and u undoes nothing older instead.
    h.send(key('u'));
    assert!(
        h.state
            .notice
            .as_deref()
            .unwrap_or("")
            .contains("cannot be undone")
    );
    assert!(h.try_take(|op| op.is_write()).is_none());
    assert!(
        h.state
            .detail
            .deals
            .loaded()
            .unwrap()
            .iter()
            .all(|o| o.id != "richDeal0000000000000")
    );
    // Read-only: nothing is sent.
    h.state.read_only = true;
    h.send(key('w'));
    assert!(h.try_take(|op| op.is_write()).is_none());
    assert!(h.state.error.is_some());
}

/// `s` on an appointment in the detail pane: a status picked by its digit
/// is shown at once and sent; `u` puts the old one back; a failed change
/// is put back with an error; on a task, `s` says where to go.
#[test]
fn an_appointments_status_from_the_detail_pane() {
    let f = fixture(40);
    let mut h = Harness::opened(&f);
    h.send(code(KeyCode::Enter));
    h.send(key('s'));
    assert!(h.state.overlay.is_none(), "not on an appointment");
    assert!(
        h.state
            .notice
            .as_deref()
            .unwrap_or("")
            .contains("appointment")
    );
    let appts = h.state.detail.sorted_appointments(h.state.now).len();
    assert!(appts > 0);
    // The last appointment (the messages come after it).
    let last = h
        .state
        .detail
        .items()
        .iter()
        .rposition(|i| matches!(i, rolo::app::DetailItem::Appointment(_)))
        .unwrap();
    for _ in 0..last {
        h.send(key('j'));
    }
    let a = h
        .state
        .detail
        .current_appointment(h.state.now)
        .unwrap()
        .clone();
    let was = a.appointment_status.clone();
    assert!(screen(&h.clone_render(160, 48)).contains("▸ "));
    h.send(key('s'));
    assert!(matches!(h.state.overlay, Some(Overlay::Status(_))));
    let pick = if was.as_deref() == Some("noshow") {
        '2'
    } else {
        '3'
    };
    let want = if pick == '3' { "noshow" } else { "showed" };
    h.send(key(pick));
    let req = h.take(|op| matches!(op, ApiOp::SetAppointmentStatus { .. }));
    let ApiOp::SetAppointmentStatus {
        event_id, status, ..
    } = &req.op
    else {
        unreachable!()
    };
    assert_eq!((event_id.as_str(), status.as_str()), (a.id.as_str(), want));
    let shown = |h: &Harness| {
        h.state
            .detail
            .appointments
            .loaded()
            .unwrap()
            .iter()
            .find(|x| x.id == a.id)
            .unwrap()
            .appointment_status
            .clone()
    };
    assert_eq!(shown(&h).as_deref(), Some(want));
    h.answer(req.id, Ok(ApiResponse::Appointment(Box::new(a.clone()))));
    h.send(key('u'));
    let req = h.take(|op| matches!(op, ApiOp::SetAppointmentStatus { .. }));
    let ApiOp::SetAppointmentStatus { status, .. } = &req.op else {
        unreachable!()
    };
    assert_eq!(Some(status.as_str()), was.as_deref().or(Some("new")));
    assert_eq!(shown(&h), was.clone().or(Some("new".into())));
    // A failure puts it back.
    h.send(key('s'));
    h.send(key(pick));
    let req = h.take(|op| matches!(op, ApiOp::SetAppointmentStatus { .. }));
    h.answer(
        req.id,
        Err(ApiError::Server {
            status: 503,
            message: "down".into(),
        }),
    );
    assert_eq!(shown(&h), was.clone().or(Some("new".into())));
    assert!(h.state.error.as_deref().unwrap_or("").contains("put back"));
}

/// `b` books: a calendar, then its free slots; typing a time jumps to the
/// nearest free one; enter books it, shown at once as saving and sent as a
/// booking of that slot for the contact; the answer's id replaces the
/// stand-in; a refused booking is taken off with an error.
#[test]
fn booking_a_slot_from_the_contact() {
    let f = fixture(40);
    let mut h = Harness::opened(&f);
    let cid = f.rich_contact().id.clone();
    h.state.zone = rolo::zone::Zone::Named(chrono_tz::America::Chicago);
    h.send(key('b'));
    assert!(matches!(h.state.overlay, Some(Overlay::Booking(_))));
    let req = h.take(|op| matches!(op, ApiOp::Calendars));
    h.answer(req.id, Ok(ApiResponse::Calendars(f.calendars.clone())));
    h.send(key('j'));
    h.send(code(KeyCode::Enter));
    let req = h.take(|op| matches!(op, ApiOp::FreeSlots { .. }));
    let ApiOp::FreeSlots {
        calendar_id, zone, ..
    } = &req.op
    else {
        unreachable!()
    };
    assert_eq!(calendar_id, &f.calendars[1].id);
    assert_eq!(zone.as_deref(), Some("America/Chicago"));
    let answer = support::app::answer_for(&f, &req);
    h.answer(req.id, answer);
    assert!(screen(&h.clone_render(80, 24)).contains("Wed Nov 25"));
    // "tomorrow 9am" in Chicago is the third slot.
    h.keys("tomorrow 9am");
    h.send(code(KeyCode::Enter));
    h.send(code(KeyCode::Enter));
    assert!(h.state.overlay.is_none());
    let req = h.take(|op| matches!(op, ApiOp::Book { .. }));
    let ApiOp::Book {
        contact_id,
        appointment,
    } = &req.op
    else {
        unreachable!()
    };
    assert_eq!(contact_id, &cid);
    assert_eq!(appointment.calendar_id, f.calendars[1].id);
    assert_eq!(appointment.start_time, "2026-11-25T09:00:00-06:00");
    assert!(
        req.local_id
            .as_deref()
            .is_some_and(|l| l.starts_with("pending-"))
    );
    let shown = |h: &Harness| -> Vec<String> {
        h.state
            .detail
            .appointments
            .loaded()
            .unwrap()
            .iter()
            .map(|a| a.id.clone())
            .collect()
    };
    assert!(shown(&h).iter().any(|id| id.starts_with("pending-")));
    let tall = screen(&h.clone_render(160, 48));
    assert!(tall.contains("(saving…)"), "{tall}");
    let answer = support::app::answer_for(&f, &req);
    h.answer(req.id, answer);
    assert!(shown(&h).iter().any(|id| id.starts_with("booked")));
    assert!(!shown(&h).iter().any(|id| id.starts_with("pending-")));
    // Refused: taken off, and said.
    h.send(key('b'));
    h.send(code(KeyCode::Enter));
    let req = h.take(|op| matches!(op, ApiOp::FreeSlots { .. }));
    let answer = support::app::answer_for(&f, &req);
    h.answer(req.id, answer);
    h.send(code(KeyCode::Enter));
    let req = h.take(|op| matches!(op, ApiOp::Book { .. }));
    h.answer(
        req.id,
        Err(ApiError::Validation {
            status: 400,
            messages: vec!["The slot you have selected is no longer available.".into()],
        }),
    );
    assert!(!shown(&h).iter().any(|id| id.starts_with("pending-")));
    assert!(
        h.state
            .error
            .as_deref()
            .unwrap_or("")
            .contains("no longer available")
    );
}

/// K scrolls the detail pane above the cursor's own place: with `m` on a
/// short pane, the fields at the top come back into view; moving the
/// cursor starts afresh.
#[test]
fn k_scrolls_a_short_pane_back_to_its_top_fields() {
    let f = fixture(40);
    let mut h = Harness::opened(&f);
    h.send(code(KeyCode::Enter));
    h.send(key('m'));
    h.send(key('G'));
    let pinned = screen(&h.clone_render(80, 24));
    assert!(!pinned.contains("Email    "), "{pinned}");
    for _ in 0..30 {
        h.send(key('K'));
    }
    let top = screen(&h.clone_render(80, 24));
    assert!(top.contains("Email    "), "{top}");
    h.send(key('k'));
    let back = screen(&h.clone_render(80, 24));
    assert!(!back.contains("Email    "), "{back}");
}

/// In the deals panel the cursor stays on its deal when a status change
/// re-sorts the list: `w` then `o` reopen the same deal.
#[test]
fn the_deals_cursor_follows_its_deal_through_a_resort() {
    use rolo::api::opportunities::Status;
    let f = fixture(40);
    let mut h = Harness::opened(&f);
    // Two open deals: the newest first.
    let mut deals = h.state.detail.deals.loaded().unwrap().clone();
    let mut second = deals[0].clone();
    second.id = "secondDeal0000000000".into();
    second.created_at = Some("2020-01-01T00:00:00.000Z".into());
    deals.push(second);
    h.state.detail.deals = Remote::Loaded(deals);
    h.send(key('$'));
    h.send(key('w'));
    let req = h.take(|op| matches!(op, ApiOp::SetDealStatus { .. }));
    let ApiOp::SetDealStatus { id: won, .. } = &req.op else {
        unreachable!()
    };
    let won = won.clone();
    h.send(key('o'));
    let req = h.take(|op| matches!(op, ApiOp::SetDealStatus { .. }));
    let ApiOp::SetDealStatus { id, status, .. } = &req.op else {
        unreachable!()
    };
    assert_eq!((id.as_str(), *status), (won.as_str(), Status::Open));
}

/// The open deals of a pipeline, per stage, by the plain rule.
fn open_per_stage(f: &support::app::Fixture, p: usize) -> Vec<usize> {
    let pl = &f.pipelines[p];
    pl.stages
        .iter()
        .map(|st| {
            f.deals
                .iter()
                .filter(|o| {
                    o.pipeline_id.as_deref() == Some(pl.id.as_str())
                        && o.status.as_deref() == Some("open")
                        && o.pipeline_stage_id.as_deref() == Some(st.id.as_str())
                })
                .count()
        })
        .collect()
}

#[test]
fn the_board_loads_every_page_and_moves_cards_with_undo() {
    let f = fixture(600);
    let mut h = Harness::opened(&f);
    h.send(key('B'));
    assert_eq!(h.state.view, rolo::app::View::Board);
    // Page after page until a short one, each answered as the sandbox would.
    let mut pages = 0;
    while let Some(r) = h.try_take(|op| matches!(op, ApiOp::DealsPage(_))) {
        let ApiOp::DealsPage(q) = &r.op else {
            unreachable!()
        };
        pages += 1;
        assert_eq!(q.page, pages, "pages in order");
        assert_eq!(q.pipeline_id.as_deref(), Some(f.pipelines[0].id.as_str()));
        let result = support::app::answer_for(&f, &r);
        h.answer(r.id, result);
    }
    let want = open_per_stage(&f, 0);
    let total: usize = want.iter().sum();
    assert!(total > 100, "the fixture needs more than one page: {total}");
    assert_eq!(pages as usize, total / 100 + 1);
    let got: Vec<usize> = h
        .state
        .board
        .columns
        .iter()
        .map(|c| c.cards.len())
        .collect();
    assert_eq!(got, want, "every open deal, in its stage");
    assert!(matches!(h.state.board.status, Remote::Loaded(())));
    let text = screen(&h.clone_render(160, 48));
    assert!(text.contains(&f.pipelines[0].stages[0].name), "{text}");
    assert!(text.contains(&format!("{} open", total)), "{text}");

    // The second stage's first card, one stage on: shown there at once,
    // the cursor with it, and only the stage sent.
    h.send(key('l'));
    assert_eq!(h.state.board.column, 1);
    let card = h.state.board.current().unwrap().clone();
    h.send(key('>'));
    let req = h.take(|op| matches!(op, ApiOp::UpdateDeal { .. }));
    let ApiOp::UpdateDeal { id, update, .. } = &req.op else {
        unreachable!()
    };
    let stage2 = f.pipelines[0].stages[2].id.clone();
    assert_eq!(id, &card.id);
    assert_eq!(update.pipeline_stage_id.as_deref(), Some(stage2.as_str()));
    assert_eq!(h.state.board.column, 2, "the cursor follows the card");
    assert_eq!(h.state.board.current().unwrap().id, card.id);
    assert_eq!(h.state.board.columns[1].cards.len(), want[1] - 1);
    assert_eq!(h.state.board.columns[2].cards.len(), want[2] + 1);
    // Refused: put back where it was.
    h.answer(
        req.id,
        Err(ApiError::Server {
            status: 503,
            message: "down".into(),
        }),
    );
    let got: Vec<usize> = h
        .state
        .board
        .columns
        .iter()
        .map(|c| c.cards.len())
        .collect();
    assert_eq!(got, want, "put back");
    assert!(h.state.error.as_deref().unwrap_or("").contains("put back"));
    // Again, accepted; then undone: back to its first stage.
    h.state.error = None;
    h.state.board.column = 1;
    let at = h.state.board.columns[1]
        .cards
        .iter()
        .position(|&i| h.state.board.deals[i].id == card.id)
        .unwrap();
    h.state.board.cursor[1] = at;
    h.send(key('>'));
    let req = h.take(|op| matches!(op, ApiOp::UpdateDeal { .. }));
    let result = support::app::answer_for(&f, &req);
    h.answer(req.id, result);
    assert_eq!(h.state.board.columns[2].cards.len(), want[2] + 1);
    h.send(key('u'));
    let req = h.take(|op| matches!(op, ApiOp::UpdateDeal { .. }));
    let ApiOp::UpdateDeal { update, .. } = &req.op else {
        unreachable!()
    };
    assert_eq!(update.pipeline_stage_id, card.pipeline_stage_id);
    assert_eq!(h.state.board.columns[1].cards.len(), want[1]);

    // The first stage has no stage before it.
    h.send(key('h'));
    h.send(key('h'));
    h.send(key('h'));
    assert_eq!(h.state.board.column, 0);
    h.send(key('<'));
    assert!(h.try_take(|op| op.is_write()).is_none());
    assert!(
        h.state
            .notice
            .as_deref()
            .unwrap_or("")
            .contains("first stage")
    );

    // @: one owner's cards only, then the unassigned, then everyone's.
    h.send(key('@'));
    let rolo::app::board::Owner::User(owner) = h.state.board.owner.clone() else {
        panic!("{:?}", h.state.board.owner)
    };
    let shown: Vec<_> = h
        .state
        .board
        .columns
        .iter()
        .flat_map(|c| c.cards.iter().map(|&i| &h.state.board.deals[i]))
        .collect();
    assert!(!shown.is_empty());
    assert!(
        shown
            .iter()
            .all(|d| d.assigned_to.as_deref() == Some(&owner))
    );
    let theirs = f
        .deals
        .iter()
        .filter(|o| {
            o.pipeline_id.as_deref() == Some(f.pipelines[0].id.as_str())
                && o.status.as_deref() == Some("open")
                && o.assigned_to.as_deref() == Some(owner.as_str())
        })
        .count();
    assert_eq!(shown.len(), theirs);
    for _ in 0..40 {
        if h.state.board.owner == rolo::app::board::Owner::Everyone {
            break;
        }
        h.send(key('@'));
    }
    assert_eq!(h.state.board.owner, rolo::app::board::Owner::Everyone);

    // The list's search narrows the board to its contacts' deals.
    let someone = h
        .state
        .board
        .card(0, 0)
        .unwrap()
        .contact_id
        .clone()
        .unwrap();
    let name = f
        .contacts
        .iter()
        .find(|c| c.id == someone)
        .unwrap()
        .email
        .clone()
        .unwrap();
    h.send(key('/'));
    assert_eq!(
        h.state.view,
        rolo::app::View::Board,
        "the search stays on the board"
    );
    h.keys(&name);
    h.send(code(KeyCode::Enter));
    let shown: Vec<_> = h
        .state
        .board
        .columns
        .iter()
        .flat_map(|c| c.cards.iter().map(|&i| &h.state.board.deals[i]))
        .collect();
    assert!(!shown.is_empty());
    assert!(
        shown
            .iter()
            .all(|d| d.contact_id.as_deref() == Some(someone.as_str())),
        "only the found contact's deals"
    );
    // enter: the card's contact, open in the detail pane.
    let col = h
        .state
        .board
        .columns
        .iter()
        .position(|c| !c.cards.is_empty())
        .unwrap();
    h.state.board.column = col;
    h.send(code(KeyCode::Enter));
    assert_eq!(h.state.view, rolo::app::View::Contacts);
    assert_eq!(h.state.detail.contact_id.as_deref(), Some(someone.as_str()));
    assert_eq!(h.state.focus, rolo::app::Focus::Detail);

    // p: the other pipeline, loaded afresh.
    h.send(key('B'));
    h.send(key('p'));
    let r = h.take(|op| matches!(op, ApiOp::DealsPage(_)));
    let ApiOp::DealsPage(q) = &r.op else {
        unreachable!()
    };
    assert_eq!(q.pipeline_id.as_deref(), Some(f.pipelines[1].id.as_str()));
    assert_eq!(q.page, 1);

    // Read-only: nothing moves.
    h.serve(&f);
    h.state.read_only = true;
    let before: Vec<usize> = h
        .state
        .board
        .columns
        .iter()
        .map(|c| c.cards.len())
        .collect();
    h.send(key('>'));
    assert!(h.try_take(|op| op.is_write()).is_none());
    let after: Vec<usize> = h
        .state
        .board
        .columns
        .iter()
        .map(|c| c.cards.len())
        .collect();
    assert_eq!(before, after);
}

#[test]
fn a_board_page_from_another_pipeline_or_a_repeated_page_is_not_believed() {
    let f = fixture(300);
    let mut h = Harness::opened(&f);
    h.send(key('B'));
    let r = h.take(|op| matches!(op, ApiOp::DealsPage(_)));
    // A page of 100: a closed deal and another pipeline's among them.
    let mut deals: Vec<_> = f.deals.iter().take(100).cloned().collect();
    deals[0].status = Some("won".into());
    deals[1].pipeline_id = Some("elsewhere".into());
    for d in deals.iter_mut().skip(2) {
        d.pipeline_id = Some(f.pipelines[0].id.clone());
        d.status = Some("open".into());
    }
    let page = rolo::api::opportunities::DealPage {
        sent: 100,
        unreadable: 0,
        deals: deals.clone(),
    };
    h.answer(r.id, Ok(ApiResponse::DealPage(page.clone())));
    assert_eq!(h.state.board.deals.len(), 98);
    // The same page again: the walk stops, and says why.
    let r = h.take(|op| matches!(op, ApiOp::DealsPage(_)));
    h.answer(r.id, Ok(ApiResponse::DealPage(page)));
    assert!(h.try_take(|op| matches!(op, ApiOp::DealsPage(_))).is_none());
    assert!(matches!(h.state.board.status, Remote::Failed(_)));
    assert!(h.state.error.as_deref().unwrap_or("").contains("again"));
    assert_eq!(h.state.board.deals.len(), 98);
}

#[test]
fn the_agenda_steps_days_sets_status_and_opens_contacts() {
    let f = fixture(300);
    let mut h = Harness::opened(&f);
    let chicago = rolo::zone::Zone::parse("America/Chicago").unwrap();
    h.state.zone = chicago;
    h.send(key('A'));
    assert_eq!(h.state.view, rolo::app::View::Agenda);
    // Today in Chicago: from its midnight to the next.
    let day = |h: &Harness| {
        let r = h
            .outbox
            .iter()
            .find(|r| matches!(r.op, ApiOp::Agenda { .. }))
            .unwrap();
        let ApiOp::Agenda { from, to } = r.op else {
            unreachable!()
        };
        (from, to)
    };
    let (from, to) = day(&h);
    assert_eq!(from.to_rfc3339(), "2026-11-24T06:00:00+00:00");
    assert_eq!((to - from).num_milliseconds(), 86_400_000 - 1);
    h.serve(&f);
    let want = |from: chrono::DateTime<chrono::Utc>| -> Vec<String> {
        let mut v: Vec<_> = f
            .appointments
            .iter()
            .filter(|a| {
                a.start()
                    .is_some_and(|s| s >= from && s < from + chrono::Duration::days(1))
            })
            .collect();
        v.sort_by_key(|a| (a.start(), a.id.clone()));
        v.into_iter().map(|a| a.id.clone()).collect()
    };
    let ids = |h: &Harness| -> Vec<String> {
        h.state.agenda_rows().iter().map(|a| a.id.clone()).collect()
    };
    assert_eq!(ids(&h), want(from));
    // ] a day on, } a week on, [ a day back, . today.
    let mut stepped = Vec::new();
    for (k, days) in [(']', 1), ('}', 8), ('[', 7), ('{', 0), ('.', 0)] {
        h.send(key(k));
        let (f2, _) = day(&h);
        assert_eq!((f2 - from).num_hours(), days * 24, "after {k}");
        h.serve(&f);
        stepped.push(ids(&h) == want(f2));
    }
    assert!(stepped.iter().all(|x| *x), "{stepped:?}");
    // A day with appointments: the first one's status, no-show.
    let mut offset = 0;
    while h.state.agenda_rows().is_empty() && offset < 30 {
        h.send(key(']'));
        h.serve(&f);
        offset += 1;
    }
    let rows = h.state.agenda_rows().len();
    assert!(rows > 0, "the fixture books someone within a month");
    let a = h.state.agenda_current().unwrap().clone();
    let text = screen(&h.clone_render(160, 48));
    assert!(text.contains("Agenda"), "{text}");
    h.send(key('s'));
    assert!(matches!(h.state.overlay, Some(Overlay::Status(_))));
    let pick = if a.appointment_status.as_deref() == Some("noshow") {
        '2'
    } else {
        '3'
    };
    let want_status = if pick == '3' { "noshow" } else { "showed" };
    h.send(key(pick));
    // One still to come asks once more before showed or no-show.
    if a.start().unwrap() > h.state.now {
        assert!(h.try_take(|op| op.is_write()).is_none(), "asks first");
        assert!(
            h.state
                .notice
                .as_deref()
                .unwrap_or("")
                .contains("not started"),
            "{:?}",
            h.state.notice
        );
        h.send(key(pick));
    }
    let req = h.take(|op| matches!(op, ApiOp::SetAppointmentStatus { .. }));
    let ApiOp::SetAppointmentStatus {
        event_id,
        status,
        contact_id,
    } = &req.op
    else {
        unreachable!()
    };
    assert_eq!(
        (event_id.as_str(), status.as_str()),
        (a.id.as_str(), want_status)
    );
    assert_eq!(Some(contact_id.as_str()), a.contact_id.as_deref());
    assert_eq!(
        h.state
            .agenda_current()
            .unwrap()
            .appointment_status
            .as_deref(),
        Some(want_status),
        "shown at once"
    );
    h.answer(
        req.id,
        Err(ApiError::Server {
            status: 500,
            message: "no".into(),
        }),
    );
    assert_eq!(
        h.state.agenda_current().unwrap().appointment_status,
        a.appointment_status,
        "put back"
    );
    // enter: its contact in the list, with the detail pane open.
    h.send(code(KeyCode::Enter));
    assert_eq!(h.state.view, rolo::app::View::Contacts);
    assert_eq!(h.state.detail.contact_id, a.contact_id);
}

#[test]
fn the_agenda_marks_overlaps_and_the_current_time() {
    use rolo::api::model::Appointment;
    let f = fixture(40);
    let mut h = Harness::opened(&f);
    h.send(key('A'));
    let r = h.take(|op| matches!(op, ApiOp::Agenda { .. }));
    let cid = f.rich_contact().id.clone();
    let at = |hm: &str| format!("2026-11-24T{hm}:00Z");
    let ev = |id: &str, s: &str, e: &str, user: &str| Appointment {
        id: id.into(),
        contact_id: Some(cid.clone()),
        start_time: Some(at(s)),
        end_time: Some(at(e)),
        assigned_user_id: Some(user.into()),
        appointment_status: Some("confirmed".into()),
        ..Appointment::default()
    };
    // 10:00 is now (UTC here): 9:00 before the line, 11:00 after it; the
    // two at 11 overlap for the same user, the one at 12 for another does not.
    let events = vec![
        ev("a1", "09:00", "09:30", "u1"),
        ev("a2", "11:00", "12:00", "u1"),
        ev("a3", "11:30", "12:30", "u1"),
        ev("a4", "12:00", "13:00", "u2"),
    ];
    h.answer(
        r.id,
        Ok(ApiResponse::Agenda {
            calendars: f.calendars.clone(),
            events,
        }),
    );
    let text = screen(&h.clone_render(160, 48));
    let lines: Vec<&str> = text.lines().collect();
    let row = |t: &str| lines.iter().position(|l| l.contains(t)).unwrap();
    let now = row("now 10:00");
    assert!(
        row("09:00–09:30") < now && now < row("11:00–12:00"),
        "{text}"
    );
    assert!(lines[row("11:00–12:00")].contains("overlaps"));
    assert!(lines[row("11:30–12:30")].contains("overlaps"));
    assert!(!lines[row("12:00–13:00")].contains("overlaps"));
    assert!(!lines[row("09:00–09:30")].contains("overlaps"));
    // Showed or no-show for one still to come (11:00, now 10:00) asks
    // once more; the second pick is meant.
    h.send(key('j'));
    assert_eq!(h.state.agenda_current().unwrap().id, "a2");
    h.send(key('s'));
    h.send(key('3'));
    assert!(h.try_take(|op| op.is_write()).is_none(), "asks first");
    assert!(matches!(h.state.overlay, Some(Overlay::Status(_))));
    assert!(
        h.state
            .notice
            .as_deref()
            .unwrap_or("")
            .contains("not started")
    );
    h.send(key('3'));
    let req = h.take(|op| matches!(op, ApiOp::SetAppointmentStatus { .. }));
    let ApiOp::SetAppointmentStatus { status, .. } = &req.op else {
        unreachable!()
    };
    assert_eq!(status, "noshow");
    // Confirmed needs no second word.
    h.send(key('s'));
    h.send(key('1'));
    let req = h.take(|op| matches!(op, ApiOp::SetAppointmentStatus { .. }));
    let ApiOp::SetAppointmentStatus { status, .. } = &req.op else {
        unreachable!()
    };
    assert_eq!(status, "confirmed");
    // Another day: no now line.
    h.send(key(']'));
    let r = h.take(|op| matches!(op, ApiOp::Agenda { .. }));
    h.answer(
        r.id,
        Ok(ApiResponse::Agenda {
            calendars: f.calendars.clone(),
            events: vec![ev("b1", "09:00", "09:30", "u1")],
        }),
    );
    assert!(!screen(&h.clone_render(160, 48)).contains("now 10:00"));
}

#[test]
fn a_new_deal_from_the_deals_panel() {
    let f = fixture(40);
    let mut h = Harness::opened(&f);
    let cid = f.rich_contact().id.clone();
    h.send(code(KeyCode::Enter));
    h.send(key('$'));
    h.send(key('n'));
    // The first pipeline holds the contact's open deal: refused there.
    h.send(code(KeyCode::Enter));
    h.keys(" again");
    h.send(code(KeyCode::Enter));
    assert!(h.try_take(|op| op.is_write()).is_none());
    assert!(
        h.state
            .notice
            .as_deref()
            .unwrap_or("")
            .contains("open deal"),
        "{:?}",
        h.state.notice
    );
    // The second: made, named as typed, in its first stage.
    h.send(code(KeyCode::Esc));
    h.send(key('n'));
    h.send(key('j'));
    h.send(code(KeyCode::Enter));
    for _ in 0..60 {
        h.send(code(KeyCode::Backspace));
    }
    h.keys("Renewal 2027");
    h.send(code(KeyCode::Enter));
    let req = h.take(|op| matches!(op, ApiOp::CreateDeal { .. }));
    let ApiOp::CreateDeal { contact_id, deal } = &req.op else {
        unreachable!()
    };
    assert_eq!(contact_id, &cid);
    let body = serde_json::to_value(deal).unwrap();
    assert_eq!(body["name"], "Renewal 2027");
    assert_eq!(body["pipelineId"], f.pipelines[1].id.as_str());
    assert_eq!(
        body["pipelineStageId"],
        f.pipelines[1].stages[0].id.as_str()
    );
    assert_eq!(body["status"], "open");
    assert_eq!(body["contactId"], cid.as_str());
    assert_eq!(body["locationId"], "sandbox-location");
    assert!(req.local_id.is_some(), "a create carries its stand-in id");
    let shown = |h: &Harness| {
        h.state
            .detail
            .deals
            .loaded()
            .unwrap()
            .iter()
            .find(|o| o.name.as_deref() == Some("Renewal 2027"))
            .map(|o| o.id.clone())
    };
    assert!(rolo::app::is_stand_in(&shown(&h).unwrap()), "shown at once");
    let result = support::app::answer_for(&f, &req);
    h.answer(req.id, result);
    assert_eq!(shown(&h).unwrap(), format!("deal{}", req.id.0));
    // A refused create takes its stand-in away, and says so.
    h.send(key('n'));
    h.send(key('j'));
    h.send(code(KeyCode::Enter));
    // (The new one is open there now: the fixture's server would refuse
    // another, and so does rolo, before sending.)
    h.send(code(KeyCode::Enter));
    assert!(h.try_take(|op| op.is_write()).is_none());
}

#[test]
fn undoing_a_value_given_to_a_deal_without_one_puts_zero_back() {
    let f = fixture(40);
    let mut h = Harness::opened(&f);
    if let Some(deals) = h.state.detail.deals.loaded_mut() {
        for d in deals.iter_mut() {
            d.monetary_value = None;
        }
    }
    h.send(key('$'));
    h.send(key('v'));
    h.keys("2,500");
    h.send(code(KeyCode::Enter));
    let req = h.take(|op| matches!(op, ApiOp::UpdateDeal { .. }));
    let ApiOp::UpdateDeal { update, .. } = &req.op else {
        unreachable!()
    };
    assert_eq!(update.monetary_value, Some(2500.0));
    h.answer(req.id, support::app::answer_for(&f, &req));
    h.send(key('u'));
    let req = h.take(|op| matches!(op, ApiOp::UpdateDeal { .. }));
    let ApiOp::UpdateDeal { update, .. } = &req.op else {
        unreachable!()
    };
    assert_eq!(
        update.monetary_value,
        Some(0.0),
        "HighLevel cannot unset it: 0"
    );
    // A decimal comma is refused, not read as thousands.
    h.send(key('v'));
    for _ in 0..10 {
        h.send(code(KeyCode::Backspace));
    }
    h.keys("1,5k");
    h.send(code(KeyCode::Enter));
    assert!(h.try_take(|op| op.is_write()).is_none());
    assert!(h.state.notice.as_deref().unwrap_or("").contains("comma"));
}

/// Opens the board on the first pipeline with every page answered.
fn board_loaded(f: &support::app::Fixture, h: &mut Harness) {
    h.send(key('B'));
    while let Some(r) = h.try_take(|op| matches!(op, ApiOp::DealsPage(_))) {
        let result = support::app::answer_for(f, &r);
        h.answer(r.id, result);
    }
}

#[test]
fn the_board_cursor_stays_on_its_deal_whatever_moves_around_it() {
    let f = fixture(600);
    let mut h = Harness::opened(&f);
    board_loaded(&f, &mut h);
    h.send(key('l'));
    h.send(key('j'));
    h.send(key('j'));
    let card = h.state.board.current().unwrap().id.clone();
    // A move refused: the card goes back, and the cursor with it.
    h.send(key('>'));
    assert_eq!(h.state.board.current().unwrap().id, card);
    assert_eq!(h.state.board.column, 2);
    let req = h.take(|op| matches!(op, ApiOp::UpdateDeal { .. }));
    h.answer(
        req.id,
        Err(ApiError::Server {
            status: 422,
            message: "no".into(),
        }),
    );
    assert_eq!(h.state.board.column, 1);
    assert_eq!(h.state.board.current().unwrap().id, card, "on its deal");
    // Moved, then undone: the cursor comes back with it.
    h.send(key('>'));
    let req = h.take(|op| matches!(op, ApiOp::UpdateDeal { .. }));
    h.answer(req.id, support::app::answer_for(&f, &req));
    h.send(key('u'));
    assert_eq!(h.state.board.column, 1);
    assert_eq!(h.state.board.current().unwrap().id, card);
    let req = h.take(|op| matches!(op, ApiOp::UpdateDeal { .. }));
    h.answer(req.id, support::app::answer_for(&f, &req));
    // A page of a load that is over: one made-up deal.
    let mut newcomer = h.state.board.card(2, 0).unwrap().clone();
    newcomer.id = "newcomerDeal000000000".into();
    newcomer.pipeline_stage_id = Some(f.pipelines[0].stages[0].id.clone());
    newcomer.last_stage_change_at = Some("2020-01-01T00:00:00Z".into());
    let page = vec![newcomer];
    // (A page of a load that is over is not taken in...)
    let before = h.state.board.deals.len();
    h.send(key('r'));
    let old = h.take(|op| matches!(op, ApiOp::DealsPage(_)));
    h.send(key('r'));
    h.answer(
        old.id,
        Ok(ApiResponse::DealPage(rolo::api::opportunities::DealPage {
            sent: 1,
            unreadable: 0,
            deals: page.clone(),
        })),
    );
    assert!(
        h.state.board.deals.is_empty(),
        "an older load's page is old news"
    );
    // (...the current one's is.)
    while let Some(r) = h.try_take(|op| matches!(op, ApiOp::DealsPage(_))) {
        let result = support::app::answer_for(&f, &r);
        h.answer(r.id, result);
    }
    assert_eq!(h.state.board.deals.len(), before);
    // A deal joins the second stage (the rich contact's lost one, opened
    // again from its panel): the cursor there keeps its deal.
    h.state.board.column = 1;
    let last = h.state.board.columns[1].cards.len() - 1;
    h.state.board.cursor[1] = last;
    let kept = h.state.board.current().unwrap().id.clone();
    h.send(code(KeyCode::Esc));
    h.select(&f.rich_contact().id);
    h.wait(500);
    h.serve(&f);
    h.send(key('$'));
    h.send(key('j'));
    h.send(key('o'));
    let req = h.take(|op| matches!(op, ApiOp::SetDealStatus { .. }));
    h.answer(req.id, Ok(ApiResponse::Done));
    h.send(code(KeyCode::Esc));
    h.send(key('B'));
    assert_eq!(h.state.board.column, 1);
    assert_eq!(
        h.state.board.columns[1].cards.len(),
        last + 2,
        "the reopened deal joined the stage"
    );
    assert_eq!(
        h.state.board.current().unwrap().id,
        kept,
        "the cursor kept its deal"
    );
    let _ = page;
}

#[test]
fn a_deal_marked_won_and_undone_comes_back_to_the_board() {
    let f = fixture(40);
    let mut h = Harness::opened(&f);
    board_loaded(&f, &mut h);
    let count =
        |h: &Harness| -> usize { h.state.board.columns.iter().map(|c| c.cards.len()).sum() };
    let open = count(&h);
    // The rich contact's open deal, won from the deals panel.
    h.send(code(KeyCode::Esc));
    h.select(&f.rich_contact().id);
    h.wait(500);
    h.serve(&f);
    h.send(key('$'));
    h.send(key('w'));
    let req = h.take(|op| matches!(op, ApiOp::SetDealStatus { .. }));
    h.answer(req.id, Ok(ApiResponse::Done));
    h.send(code(KeyCode::Esc));
    h.send(key('B'));
    assert_eq!(count(&h), open - 1, "a won deal leaves the board");
    // Undone from the board itself.
    h.send(key('u'));
    let req = h.take(|op| matches!(op, ApiOp::SetDealStatus { .. }));
    h.answer(req.id, Ok(ApiResponse::Done));
    assert_eq!(count(&h), open, "open again: on the board again");
}

#[test]
fn a_new_deal_moved_before_it_exists_can_be_undone_and_is_highlighted() {
    let f = fixture(40);
    let mut h = Harness::opened(&f);
    // The contact's name carries an escape: the name offered starts clean.
    let cid = f.rich_contact().id.clone();
    if let Some(mut c) = h.state.contact_by_id(&cid) {
        c.name = Some("Grace \u{1b}[31mHamilton".into());
        c.first_name = None;
        c.last_name = None;
        h.state.merge_contacts(vec![c]);
    }
    h.send(code(KeyCode::Enter));
    h.send(key('$'));
    h.send(key('n'));
    h.send(key('j'));
    h.send(code(KeyCode::Enter));
    let Some(Overlay::Deals(p)) = &h.state.overlay else {
        panic!()
    };
    let rolo::app::DealsMode::NewName(_, name) = &p.mode else {
        panic!("{:?}", p.mode)
    };
    assert!(!name.contains('\u{1b}'), "{name:?}");
    h.send(code(KeyCode::Enter));
    let create = h.take(|op| matches!(op, ApiOp::CreateDeal { .. }));
    // The panel's cursor is on the new deal.
    let Some(Overlay::Deals(p)) = &h.state.overlay else {
        panic!()
    };
    let new = p.current(&h.state).unwrap().clone();
    assert!(rolo::app::is_stand_in(&new.id), "{new:?}");
    // Moved before it exists (the outbox keeps the order).
    h.state.local.enabled = true;
    h.send(key('>'));
    let mv = h.take(|op| matches!(op, ApiOp::UpdateDeal { .. }));
    h.answer(create.id, support::app::answer_for(&f, &create));
    h.answer(mv.id, support::app::answer_for(&f, &mv));
    // Undo: by its real id.
    h.send(key('u'));
    let req = h.take(|op| matches!(op, ApiOp::UpdateDeal { .. }));
    let ApiOp::UpdateDeal { id, update, .. } = &req.op else {
        unreachable!()
    };
    assert_eq!(id, &format!("deal{}", create.id.0));
    assert_eq!(
        update.pipeline_stage_id.as_deref(),
        Some(f.pipelines[1].stages[0].id.as_str())
    );
}

#[test]
fn the_agenda_follows_midnight_and_drops_answers_for_another_day() {
    let f = fixture(60);
    let mut h = Harness::opened(&f);
    h.send(key('A'));
    let first = h.take(|op| matches!(op, ApiOp::Agenda { .. }));
    // Stepped on before the answer: today's answer is old news.
    h.send(key(']'));
    h.answer(first.id, support::app::answer_for(&f, &first));
    assert!(matches!(h.state.agenda.events, Remote::Loading));
    h.serve(&f);
    h.send(key('.'));
    h.serve(&f);
    // Midnight passes (UTC here): the new today is loaded.
    let tomorrow = support::app::now() + chrono::Duration::hours(15);
    h.send(Event::Tick {
        now: tomorrow,
        elapsed_ms: 99_000,
    });
    let r = h.take(|op| matches!(op, ApiOp::Agenda { .. }));
    let ApiOp::Agenda { from, .. } = r.op else {
        unreachable!()
    };
    assert_eq!(from.to_rfc3339(), "2026-11-25T00:00:00+00:00");
}

#[test]
fn marks_gather_across_searches_and_tag_in_bulk_with_undo() {
    use rolo::api::model::BulkTags;
    let f = fixture(300);
    let mut h = Harness::opened(&f);
    h.send(code(KeyCode::Esc));
    let tagged = |tag: &str| -> Vec<String> {
        f.contacts
            .iter()
            .filter(|c| c.tags().iter().any(|t| t.eq_ignore_ascii_case(tag)))
            .map(|c| c.id.clone())
            .collect()
    };
    // Every #vip contact, asked first with the count.
    h.send(key('/'));
    h.keys("#vip");
    h.send(code(KeyCode::Enter));
    let vip = tagged("vip");
    assert_eq!(h.state.list.hits.len(), vip.len());
    h.send(key('V'));
    let Some(Overlay::Confirm(c)) = &h.state.overlay else {
        panic!("asks first")
    };
    assert!(
        c.message.contains(&format!("{} contacts", vip.len())),
        "{}",
        c.message
    );
    h.send(key('y'));
    assert_eq!(h.state.list.marks.len(), vip.len());
    // A second search adds one more by hand; the marks stay.
    h.send(key('/'));
    h.send(ctrl('u'));
    h.keys("#lead");
    h.send(code(KeyCode::Enter));
    let lead_only = h
        .state
        .list
        .hits
        .iter()
        .map(|x| h.state.list.id(x.index).to_string())
        .find(|id| !vip.contains(id))
        .unwrap();
    while h.state.selected_contact().unwrap().id != lead_only {
        h.send(key('j'));
    }
    h.send(key('v'));
    assert_eq!(h.state.list.marks.len(), vip.len() + 1);
    assert!(screen(&h.clone_render(120, 30)).contains(&format!("{} marked", vip.len() + 1)));
    // v again unmarks (the cursor moved on: back to it).
    h.send(key('k'));
    h.send(key('v'));
    assert_eq!(h.state.list.marks.len(), vip.len());
    h.send(key('k'));
    h.send(key('v'));
    let all: Vec<String> = h.state.marked();
    assert_eq!(all.len(), vip.len() + 1);

    // + tags them all: 100 a request, each contact shown at once.
    h.send(key('+'));
    h.serve_one(&f); // the location's tags
    h.keys("webinar-nov");
    h.send(code(KeyCode::Enter));
    let reqs: Vec<_> =
        std::iter::from_fn(|| h.try_take(|op| matches!(op, ApiOp::BulkTags { .. }))).collect();
    assert_eq!(reqs.len(), all.len().div_ceil(100));
    let mut sent: Vec<String> = Vec::new();
    for r in &reqs {
        let ApiOp::BulkTags {
            add,
            contacts,
            tags,
        } = &r.op
        else {
            unreachable!()
        };
        assert!(*add);
        assert_eq!(tags, &vec!["webinar-nov".to_string()]);
        assert!(contacts.len() <= 100);
        sent.extend(contacts.clone());
    }
    sent.sort();
    let mut want = all.clone();
    want.sort();
    assert_eq!(sent, want, "every marked contact, once");
    assert!(has_tag(&h, &all[0], "webinar-nov"));
    assert!(screen(&h.clone_render(120, 30)).contains("Tagging"));
    // One contact refused: put back, said; the rest stay.
    let refused = all[1].clone();
    for r in reqs {
        let ApiOp::BulkTags { contacts, .. } = &r.op else {
            unreachable!()
        };
        let done: Vec<String> = contacts
            .iter()
            .filter(|c| **c != refused)
            .cloned()
            .collect();
        let no: Vec<(String, String)> = contacts
            .iter()
            .filter(|c| **c == refused)
            .map(|c| (c.clone(), "contact is deleted".to_string()))
            .collect();
        // And one the server says it did not change: it had the tag
        // already there (added from elsewhere meanwhile).
        let unchanged: Vec<String> = contacts.iter().filter(|c| **c == all[2]).cloned().collect();
        h.answer(
            r.id,
            Ok(ApiResponse::BulkTags(BulkTags {
                done,
                refused: no,
                unchanged,
            })),
        );
    }
    assert!(!has_tag(&h, &refused, "webinar-nov"));
    assert!(has_tag(&h, &all[0], "webinar-nov"));
    assert!(
        h.state.error.as_deref().unwrap_or("").contains("1 refused"),
        "{:?}",
        h.state.error
    );
    assert!(h.state.bulk.is_none());
    // u: the inverse, in bulk, for exactly the contacts it changed.
    h.state.error = None;
    h.send(key('u'));
    let reqs: Vec<_> =
        std::iter::from_fn(|| h.try_take(|op| matches!(op, ApiOp::BulkTags { .. }))).collect();
    assert!(!reqs.is_empty());
    let mut undone: Vec<String> = Vec::new();
    for r in &reqs {
        let ApiOp::BulkTags {
            add,
            contacts,
            tags,
        } = &r.op
        else {
            unreachable!()
        };
        assert!(!*add, "removes");
        assert_eq!(tags, &vec!["webinar-nov".to_string()]);
        undone.extend(contacts.clone());
    }
    assert!(
        !undone.contains(&refused),
        "the refused one was never changed"
    );
    assert!(
        !undone.contains(&all[2]),
        "one that had the tag on the server keeps it"
    );
    assert_eq!(undone.len(), all.len() - 2);
    // U clears the marks; ~ inverts among those shown.
    h.send(key('U'));
    assert!(h.state.list.marks.is_empty());
    h.send(key('~'));
    assert_eq!(h.state.list.marks.len(), h.state.list.hits.len());
}

fn has_tag(h: &Harness, id: &str, tag: &str) -> bool {
    h.state
        .contact_by_id(id)
        .is_some_and(|c| c.tags().iter().any(|t| t == tag))
}

/// `w` and `C` for marked contacts (or, asked, every one a search shows):
/// one edit per contact, counted through; a refusal is said and left out
/// of the undo, which sends the inverse for the rest.
#[test]
fn workflows_and_campaigns_for_many_with_the_scope_question_and_undo() {
    use rolo::api::campaigns::Campaign;
    use rolo::api::workflows::Workflow;
    let f = fixture(300);
    let mut h = Harness::opened(&f);
    h.send(code(KeyCode::Esc));
    h.send(key('/'));
    h.keys("#vip");
    h.send(code(KeyCode::Enter));
    let shown = h.state.list.hits.len();
    assert!(shown > 3 && shown < 300, "{shown}");
    // Nothing marked, the list narrowed: asked, with the count.
    h.send(key('w'));
    let Some(Overlay::Confirm(c)) = &h.state.overlay else {
        panic!("asks first: {:?}", h.state.overlay)
    };
    assert!(c.message.contains(&format!("all {shown}")), "{}", c.message);
    let shown_ids: Vec<String> = h
        .state
        .list
        .hits
        .iter()
        .map(|x| h.state.list.id(x.index).to_string())
        .collect();
    h.send(key('a'));
    assert!(
        h.state.list.marks.is_empty(),
        "all of them, for this action: no marks left behind"
    );
    let r = h.take(|op| matches!(op, ApiOp::Workflows));
    h.answer(
        r.id,
        Ok(ApiResponse::Workflows(vec![
            Workflow {
                id: "wf-nurture".into(),
                name: "New lead nurture".into(),
                ..Default::default()
            },
            Workflow {
                id: "wf-webinar".into(),
                name: "Webinar follow-up".into(),
                ..Default::default()
            },
        ])),
    );
    h.keys("webi");
    h.send(code(KeyCode::Enter));
    let reqs: Vec<_> =
        std::iter::from_fn(|| h.try_take(|op| matches!(op, ApiOp::Workflow { .. }))).collect();
    assert_eq!(reqs.len(), shown, "one edit per contact");
    let marked = shown_ids.clone();
    for (r, id) in reqs.iter().zip(&marked) {
        assert_eq!(
            r.op,
            ApiOp::Workflow {
                contact_id: id.clone(),
                workflow_id: "wf-webinar".into(),
                add: true
            }
        );
    }
    let bar = screen(&h.clone_render(160, 30));
    assert!(
        bar.contains(&format!(
            "Enrolling {shown} contacts in Webinar follow-up: 0 / {shown}"
        )),
        "{bar}"
    );
    // One refused; the rest done.
    let refused = marked[1].clone();
    for r in reqs {
        let res = if matches!(&r.op, ApiOp::Workflow { contact_id, .. } if *contact_id == refused) {
            Err(ApiError::Validation {
                status: 422,
                messages: vec!["contact is in DND".into()],
            })
        } else {
            Ok(ApiResponse::Done)
        };
        h.answer(r.id, res);
    }
    assert!(h.state.bulk.is_none());
    let said = h.state.error.clone().unwrap_or_default();
    assert!(said.contains("1 refused") && said.contains("DND"), "{said}");
    // u: out again, for those put in.
    h.state.error = None;
    h.send(key('u'));
    let back: Vec<_> =
        std::iter::from_fn(|| h.try_take(|op| matches!(op, ApiOp::Workflow { .. }))).collect();
    assert_eq!(back.len(), shown - 1);
    assert!(back.iter().all(|r| matches!(&r.op,
        ApiOp::Workflow { add: false, workflow_id, contact_id }
            if workflow_id == "wf-webinar" && *contact_id != refused)));
    for r in back {
        h.answer(r.id, Ok(ApiResponse::Done));
    }
    // C: every campaign, for all shown (asked again: nothing is marked);
    // last in the list, and asked once more; it cannot be undone.
    h.send(key('C'));
    h.send(key('a'));
    let r = h.take(|op| matches!(op, ApiOp::Campaigns));
    h.answer(
        r.id,
        Ok(ApiResponse::Campaigns(vec![Campaign {
            id: "cmp-1".into(),
            name: "Spring promo".into(),
            ..Default::default()
        }])),
    );
    // Enter at once takes the first campaign's row, not "every campaign".
    let Some(Overlay::Automation(p)) = &h.state.overlay else {
        panic!("the picker")
    };
    assert_eq!(
        rolo::app::auto_choices(&h.state, p).first(),
        Some(&rolo::app::AutoChoice::Item {
            id: "cmp-1".into(),
            name: "Spring promo".into(),
            status: None
        })
    );
    h.keys("every");
    h.send(code(KeyCode::Enter));
    assert!(
        h.try_take(|op| matches!(op, ApiOp::LeaveCampaign { .. }))
            .is_none()
    );
    let Some(Overlay::Confirm(c)) = &h.state.overlay else {
        panic!("asks once more: {:?}", h.state.overlay)
    };
    assert!(c.message.contains("every campaign"), "{}", c.message);
    // Not one enter away: only y.
    h.send(code(KeyCode::Enter));
    assert!(matches!(h.state.overlay, Some(Overlay::Confirm(_))));
    assert!(
        h.try_take(|op| matches!(op, ApiOp::LeaveCampaign { .. }))
            .is_none()
    );
    h.send(key('y'));
    let out: Vec<_> =
        std::iter::from_fn(|| h.try_take(|op| matches!(op, ApiOp::LeaveCampaign { .. }))).collect();
    assert_eq!(out.len(), shown);
    assert!(out.iter().all(|r| matches!(
        &r.op,
        ApiOp::LeaveCampaign {
            campaign_id: None,
            ..
        }
    )));
    for r in out {
        h.answer(r.id, Ok(ApiResponse::Done));
    }
    h.send(key('u'));
    assert!(
        h.state
            .notice
            .as_deref()
            .unwrap_or("")
            .contains("cannot be undone"),
        "{:?}",
        h.state.notice
    );
    // Enter on the question: just the highlighted contact, and one
    // campaign by name.
    let one = h.state.selected_contact().unwrap().id.clone();
    h.send(key('C'));
    assert!(matches!(h.state.overlay, Some(Overlay::Confirm(_))));
    h.send(code(KeyCode::Enter));
    h.keys("spring");
    h.send(code(KeyCode::Enter));
    let r = h.take(|op| matches!(op, ApiOp::LeaveCampaign { .. }));
    assert_eq!(
        r.op,
        ApiOp::LeaveCampaign {
            contact_id: one,
            campaign_id: Some("cmp-1".into())
        }
    );
    assert!(
        h.try_take(|op| matches!(op, ApiOp::LeaveCampaign { .. }))
            .is_none()
    );
    assert!(h.state.list.marks.is_empty(), "enter marks nothing");
}

/// With contacts marked: `a` gives them all to one user (undone to each
/// one's own owner), `F` adds a follower to all, `D` deletes them only
/// once the count is typed back (a refused one comes back), and `E`
/// exports them to the file named.
#[test]
fn marked_contacts_are_assigned_followed_deleted_and_exported() {
    let f = fixture(300);
    let mut h = Harness::opened(&f);
    h.send(code(KeyCode::Esc));
    h.send(code(KeyCode::Home));
    for _ in 0..5 {
        h.send(key('v'));
    }
    let marked = h.state.marked();
    assert_eq!(marked.len(), 5);
    let owners: Vec<Option<String>> = marked
        .iter()
        .map(|id| h.state.contact_by_id(id).unwrap().assigned_to.clone())
        .collect();
    let user = f.users[1].clone();
    // a: every one of them to the user picked.
    h.send(key('a'));
    assert!(
        screen(&h.clone_render(120, 30)).contains("Assign 5 contacts"),
        "{}",
        screen(&h.clone_render(120, 30))
    );
    // Typing, then taking it back, never leaves "nobody" under the cursor.
    h.keys("x");
    h.send(code(KeyCode::Backspace));
    let Some(Overlay::Assign(p)) = &h.state.overlay else {
        panic!("the picker")
    };
    assert!(matches!(
        rolo::app::user_choices(&h.state, p).get(p.selected),
        Some(rolo::app::Choice::User(_))
    ));
    h.keys(&user.first_name.clone().unwrap_or_default().to_lowercase());
    h.send(code(KeyCode::Enter));
    let reqs: Vec<_> =
        std::iter::from_fn(|| h.try_take(|op| matches!(op, ApiOp::UpdateContact { .. }))).collect();
    let changing = owners
        .iter()
        .filter(|o| o.as_deref() != Some(user.id.as_str()))
        .count();
    assert_eq!(reqs.len(), changing);
    for r in &reqs {
        let ApiOp::UpdateContact { id, update, .. } = &r.op else {
            unreachable!()
        };
        assert!(marked.contains(id));
        assert_eq!(
            serde_json::to_value(update).unwrap()["assignedTo"],
            serde_json::json!(user.id)
        );
        assert_eq!(
            h.state.contact_by_id(id).unwrap().assigned_to.as_deref(),
            Some(user.id.as_str())
        );
    }
    // One refused: it goes back to its owner.
    let refused = match &reqs[0].op {
        ApiOp::UpdateContact { id, .. } => id.clone(),
        _ => unreachable!(),
    };
    let was = owners[marked.iter().position(|m| *m == refused).unwrap()].clone();
    for (i, r) in reqs.into_iter().enumerate() {
        let res = if i == 0 {
            Err(ApiError::Validation {
                status: 422,
                messages: vec!["assignedTo is not a user of this location".into()],
            })
        } else {
            Ok(ApiResponse::Done)
        };
        h.answer(r.id, res);
    }
    assert_eq!(h.state.contact_by_id(&refused).unwrap().assigned_to, was);
    assert!(h.state.error.as_deref().unwrap_or("").contains("1 refused"));
    h.state.error = None;
    // u: each one back to whom it had, the refused one left alone.
    h.send(key('u'));
    let back: Vec<_> =
        std::iter::from_fn(|| h.try_take(|op| matches!(op, ApiOp::UpdateContact { .. }))).collect();
    assert_eq!(back.len(), changing - 1);
    for r in &back {
        let ApiOp::UpdateContact { id, update, .. } = &r.op else {
            unreachable!()
        };
        assert_ne!(*id, refused);
        let i = marked.iter().position(|m| m == id).unwrap();
        assert_eq!(
            serde_json::to_value(update).unwrap()["assignedTo"],
            serde_json::json!(owners[i])
        );
    }
    for r in back {
        h.answer(r.id, Ok(ApiResponse::Done));
    }
    // F: a follower for all five.
    h.send(key('F'));
    h.keys(&user.first_name.clone().unwrap_or_default().to_lowercase());
    h.send(code(KeyCode::Enter));
    let follows: Vec<_> =
        std::iter::from_fn(|| h.try_take(|op| matches!(op, ApiOp::AddFollowers { .. }))).collect();
    assert_eq!(follows.len(), 5);
    assert!(follows.iter().all(|r| matches!(&r.op,
        ApiOp::AddFollowers { users, .. } if users == &vec![user.id.clone()])));
    for r in follows {
        h.answer(r.id, Ok(ApiResponse::Done));
    }
    // E: the export, to the file named.
    h.send(key('E'));
    h.send(ctrl('u'));
    h.keys("out.txt");
    h.send(code(KeyCode::Enter));
    assert!(
        matches!(h.state.overlay, Some(Overlay::Export(_))),
        "refused: not .vcf or .csv"
    );
    h.send(ctrl('u'));
    h.keys("marked.csv");
    h.send(code(KeyCode::Enter));
    let job = h
        .effects
        .iter()
        .find_map(|c| match c {
            rolo::app::Command::Export(j) => Some(j.clone()),
            _ => None,
        })
        .expect("an export");
    assert_eq!(job.path, "marked.csv");
    assert_eq!(job.format, rolo::export::Format::Csv);
    let ids: Vec<String> = job.contacts.iter().map(|c| c.id.clone()).collect();
    assert_eq!(ids, marked);
    // D: the count typed back, or nothing happens.
    h.send(key('D'));
    h.keys("4");
    h.send(code(KeyCode::Enter));
    assert!(
        h.try_take(|op| matches!(op, ApiOp::DeleteContact { .. }))
            .is_none()
    );
    assert!(matches!(h.state.overlay, Some(Overlay::BulkDelete(_))));
    h.send(code(KeyCode::Backspace));
    h.keys("5");
    h.send(code(KeyCode::Enter));
    let dels: Vec<_> =
        std::iter::from_fn(|| h.try_take(|op| matches!(op, ApiOp::DeleteContact { .. }))).collect();
    assert_eq!(dels.len(), 5);
    assert!(
        marked.iter().all(|id| h.state.contact_by_id(id).is_none()),
        "gone at once"
    );
    for (i, r) in dels.into_iter().enumerate() {
        let res = if i == 2 {
            Err(ApiError::Validation {
                status: 422,
                messages: vec!["contact is locked".into()],
            })
        } else {
            Ok(ApiResponse::Done)
        };
        h.answer(r.id, res);
    }
    assert!(
        h.state.contact_by_id(&marked[2]).is_some(),
        "the refused one is back"
    );
    assert_eq!(
        marked
            .iter()
            .filter(|id| h.state.contact_by_id(id).is_some())
            .count(),
        1
    );
    h.send(key('u'));
    assert!(
        h.state
            .notice
            .as_deref()
            .unwrap_or("")
            .contains("cannot be undone")
    );
}

/// The export's file: written whole, never over another.
#[test]
fn an_export_writes_a_new_file_and_never_over_one() {
    let f = fixture(20);
    let dir = std::env::temp_dir().join(format!("rolo-export-{}", fastrand::u64(..)));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("a.vcf").to_string_lossy().into_owned();
    let job = rolo::app::ExportJob {
        path: path.clone(),
        format: rolo::export::Format::VCard,
        contacts: f.contacts[..3].to_vec(),
        owners: vec![],
    };
    let said = rolo::app::write_export(&job, |_| None);
    assert!(said.starts_with("Exported 3 contacts"), "{said}");
    let text = std::fs::read_to_string(&path).unwrap();
    assert_eq!(text.matches("BEGIN:VCARD").count(), 3);
    let again = rolo::app::write_export(&job, |_| None);
    assert!(again.contains("exists already"), "{again}");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), text, "untouched");
    let bad = rolo::app::ExportJob {
        path: dir.join("no/such/dir/x.csv").to_string_lossy().into_owned(),
        ..job
    };
    assert!(rolo::app::write_export(&bad, |_| None).starts_with("Not exported"));
    let _ = std::fs::remove_dir_all(&dir);
}

/// The rich contact's messages: asked in the same update as its other
/// sections (one round trip), newest first, unread counted in the title;
/// `enter` on one opens the whole thread; `s` opens the reply editor, and
/// the reply shows as sending at once and goes as one SendMessage; its
/// answer puts it in the thread.
#[test]
fn messages_load_beside_the_sections_and_a_reply_goes_once() {
    let f = fixture(40);
    let mut h = Harness::new();
    h.state.users = Remote::Loaded(f.users.clone());
    h.serve(&f);
    let rich = f.rich_contact().id.clone();
    h.select(&rich);
    h.wait(500);
    // Every section's request is out before any answer comes.
    let asked: Vec<&str> = h.outbox.iter().map(|r| r.op.name()).collect();
    for op in [
        "get-contact",
        "get-all-tasks",
        "get-all-notes",
        "get-appointments-for-contact",
        "get-messages",
    ] {
        assert!(
            asked.contains(&op),
            "{op} not asked with the rest: {asked:?}"
        );
    }
    h.serve(&f);
    let threads = h.state.detail.messages.loaded().expect("loaded").clone();
    assert!(
        !threads.messages.is_empty(),
        "the fixture gives it messages"
    );
    let newest = threads.messages[0].clone();
    let times: Vec<_> = threads.messages.iter().map(|m| m.at()).collect();
    let mut sorted = times.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(times, sorted, "newest first");
    let text = screen(&h.clone_render(160, 48));
    assert!(text.contains("Messages"), "{text}");
    // The known threads are read beside the search next time.
    h.state.detail.contact_id = None;
    h.select(&rich);
    h.send(code(KeyCode::Enter));
    h.wait(500);
    let again = h.take(|op| matches!(op, ApiOp::ContactThreads { .. }));
    let ApiOp::ContactThreads { known, .. } = &again.op else {
        unreachable!()
    };
    assert_eq!(known.len(), threads.conversations.len(), "{known:?}");
    h.answer(again.id, support::app::answer_for(&f, &again));
    h.serve(&f);

    // To the first message, then enter: the thread.
    let first_msg = h
        .state
        .detail
        .items()
        .iter()
        .position(|i| matches!(i, rolo::app::DetailItem::Message(_)))
        .unwrap();
    h.send(key('g'));
    for _ in 0..first_msg {
        h.send(key('j'));
    }
    assert_eq!(
        h.state.detail.current_message().map(|m| &m.id),
        Some(&newest.id)
    );
    h.send(code(KeyCode::Enter));
    assert!(
        matches!(h.state.overlay, Some(Overlay::Thread(_))),
        "{:?}",
        h.state.overlay
    );
    let full = h.take(|op| matches!(op, ApiOp::ContactThreads { limit: 50, .. }));
    h.answer(full.id, support::app::answer_for(&f, &full));
    // The thread reads the contact's full record (its DND) too.
    let record = h.take(|op| matches!(op, ApiOp::GetContact { .. }));
    h.answer(record.id, support::app::answer_for(&f, &record));

    // A reply by SMS (the contact takes SMS in the fixture, or is made to).
    let c = h.state.contact_record(&rich).unwrap().into_owned();
    assert!(
        c.refuses("SMS").is_none() || c.phone.is_none(),
        "{:?}",
        c.refuses("SMS")
    );
    if c.refuses("SMS").is_some() {
        return;
    }
    h.send(key('s'));
    assert!(
        matches!(h.state.overlay, Some(Overlay::Note(_))),
        "{:?}",
        h.state.overlay
    );
    h.keys("On my way");
    h.send(ctrl('s'));
    assert!(
        matches!(h.state.overlay, Some(Overlay::Thread(_))),
        "back to the thread"
    );
    let sends: Vec<_> = h
        .outbox
        .iter()
        .filter(|r| matches!(r.op, ApiOp::SendMessage { .. }))
        .cloned()
        .collect();
    assert_eq!(sends.len(), 1);
    let ApiOp::SendMessage { message, .. } = &sends[0].op else {
        unreachable!()
    };
    assert_eq!(
        (message.kind.as_str(), message.text()),
        ("SMS", "On my way")
    );
    let text = screen(&h.clone_render(80, 24));
    assert!(
        text.contains("sending…") && text.contains("On my way"),
        "{text}"
    );
    let r = h.take(|op| matches!(op, ApiOp::SendMessage { .. }));
    h.answer(r.id, support::app::answer_for(&f, &r));
    assert!(h.state.replies.is_empty());
    let text = screen(&h.clone_render(80, 24));
    assert!(
        !text.contains("sending…") && text.contains("On my way"),
        "{text}"
    );
    // Esc closes the thread.
    h.send(code(KeyCode::Esc));
    assert!(h.state.overlay.is_none());
}

/// DND on the channel refuses before anything is typed or sent; a reply
/// whose attempt had no answer waits as "may have been sent"; one the
/// server refuses says so and is kept.
#[test]
fn a_reply_respects_dnd_and_an_unknown_outcome_is_said() {
    let f = fixture(40);
    let mut h = Harness::opened(&f);
    let rich = f.rich_contact().id.clone();
    // DND on SMS, on the record rolo has.
    if let Remote::Loaded(c) = &mut h.state.detail.contact {
        c.phone = Some("+15550100".into());
        c.dnd = Some(false);
        c.extra.insert(
            "dndSettings",
            serde_json::json!({"SMS": {"status": "active"}}),
        );
    }
    let name = h.state.contact_record(&rich).unwrap().display_name();
    h.state.open_thread(&rich, name, &mut Vec::new());
    let full = match &h.state.detail.contact {
        Remote::Loaded(c) => c.clone(),
        _ => unreachable!(),
    };
    if let Some(Overlay::Thread(v)) = &mut h.state.overlay {
        v.complete = true;
        // As the thread's read of the full record brings it.
        v.contact = Some(Box::new(full));
    }
    h.send(key('s'));
    assert!(
        matches!(h.state.overlay, Some(Overlay::Thread(_))),
        "no editor opens"
    );
    assert!(
        h.state
            .error
            .as_deref()
            .unwrap_or("")
            .contains("Do Not Disturb on for SMS"),
        "{:?}",
        h.state.error
    );
    assert!(
        !h.outbox
            .iter()
            .any(|r| matches!(r.op, ApiOp::SendMessage { .. }))
    );
    let text = screen(&h.clone_render(80, 24));
    assert!(text.contains("Do Not Disturb"), "{text}");
    // Email is open: a reply goes, its answer lost.
    if let Some(Overlay::Thread(v)) = &mut h.state.overlay {
        v.contact.as_mut().unwrap().email = Some("ana@example.com".into());
    }
    h.state.error = None;
    h.send(key('m'));
    let Some(Overlay::Note(ed)) = &h.state.overlay else {
        panic!("{:?}", h.state.overlay)
    };
    assert_eq!(ed.reply.as_ref().unwrap().channel, "Email");
    h.keys("Quote attached");
    h.send(ctrl('s'));
    let r = h.take(|op| matches!(op, ApiOp::SendMessage { .. }));
    let ApiOp::SendMessage { message, .. } = &r.op else {
        unreachable!()
    };
    assert!(message.subject.as_deref().is_some_and(|s| !s.is_empty()));
    h.answer(
        r.id,
        Err(ApiError::Conflict(
            rolo::cache::outbox::MAY_HAVE_BEEN_SENT.into(),
        )),
    );
    assert_eq!(
        h.state.replies[0].state,
        rolo::app::messages::ReplyState::MayHaveBeenSent
    );
    let text = screen(&h.clone_render(160, 48));
    assert!(text.contains("may have been sent"), "{text}");
    // Refused: said, and kept.
    h.send(key('m'));
    h.keys("Second try");
    h.send(ctrl('s'));
    let r = h.take(|op| matches!(op, ApiOp::SendMessage { .. }));
    h.answer(
        r.id,
        Err(ApiError::Validation {
            status: 422,
            messages: vec!["Cannot send the message: DND is active for Email".into()],
        }),
    );
    assert!(
        h.state.error.as_deref().unwrap_or("").contains("not sent"),
        "{:?}",
        h.state.error
    );
    assert!(matches!(
        h.state.replies[1].state,
        rolo::app::messages::ReplyState::Refused(_)
    ));
}

/// The inbox: the unread conversations, newest first; `R` marks the
/// highlighted one read and the cursor lands on the next; a failure puts
/// it back and says so; `M` keeps the user's; `enter` opens the thread;
/// the list's rows show unread counts; contact actions act on the
/// conversation's contact.
#[test]
fn the_inbox_is_read_and_cleared_from_the_keyboard() {
    let f = fixture(40);
    let mut h = Harness::opened(&f);
    // The start's load of the unread fills the list's counts.
    let unread: Vec<_> = f
        .threads
        .iter()
        .filter(|(c, _)| c.unread_count > 0.0)
        .map(|(c, _)| c.clone())
        .collect();
    assert!(unread.len() >= 3, "{}", unread.len());
    h.send(key('I'));
    assert_eq!(h.state.view, rolo::app::View::Inbox);
    h.serve(&f);
    let rows: Vec<String> = h.state.inbox_rows().iter().map(|c| c.id.clone()).collect();
    assert_eq!(rows.len(), unread.len());
    let at: Vec<_> = h.state.inbox_rows().iter().map(|c| c.last_at()).collect();
    let mut sorted = at.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(at, sorted, "newest first");
    let who = &unread[0].contact_id;
    assert!(h.state.unread_of(who) > 0);
    let text = screen(&h.clone_render(160, 48));
    assert!(text.contains("Inbox") && text.contains('●'), "{text}");
    // R: read, and on to the next.
    h.send(key('j'));
    let second = rows[1].clone();
    h.send(key('R'));
    let r = h.take(|op| matches!(op, ApiOp::MarkRead { .. }));
    let ApiOp::MarkRead {
        conversation_id, ..
    } = &r.op
    else {
        unreachable!()
    };
    assert_eq!(conversation_id, &second);
    assert_eq!(
        h.state.inbox_current().map(|c| c.id.clone()),
        Some(rows[2].clone())
    );
    // It fails: unread again, in its place, and said.
    h.answer(r.id, Err(server_error()));
    assert!(h.state.inbox_rows().iter().any(|c| c.id == second));
    assert!(
        h.state
            .error
            .as_deref()
            .unwrap_or("")
            .contains("still unread")
    );
    // Again, and it holds; a reload does not bring it back meanwhile.
    h.state.inbox.selected = 1;
    h.send(key('R'));
    let r = h.take(|op| matches!(op, ApiOp::MarkRead { .. }));
    h.send(key('r'));
    let reload = h.take(|op| matches!(op, ApiOp::Conversations { .. }));
    h.answer(reload.id, support::app::answer_for(&f, &reload));
    assert!(
        !h.state.inbox_rows().iter().any(|c| c.id == second),
        "kept out"
    );
    h.answer(r.id, Ok(ApiResponse::Done));
    assert_eq!(h.state.inbox_rows().len(), rows.len() - 1);
    // enter: the thread of the highlighted conversation's contact.
    h.send(key('g'));
    let cid = h.state.inbox_current().unwrap().contact_id.clone();
    h.send(code(KeyCode::Enter));
    match &h.state.overlay {
        Some(Overlay::Thread(v)) => assert_eq!(v.contact_id, cid),
        other => panic!("{other:?}"),
    }
    h.send(code(KeyCode::Esc));
    // t: a task for that contact.
    h.send(key('t'));
    match &h.state.overlay {
        Some(Overlay::Task(t)) => assert_eq!(t.contact_id, cid),
        other => panic!("{other:?}"),
    }
    h.send(code(KeyCode::Esc));
    // M: mine only (the profile's user is somebody's assignee or none).
    let me = f.users[0].id.clone();
    h.state.me = Some(me.clone());
    h.send(key('M'));
    assert!(
        h.state
            .inbox_rows()
            .iter()
            .all(|c| c.assigned_to.as_deref() == Some(&me))
    );
    h.send(key('M'));
    assert_eq!(h.state.inbox_rows().len(), rows.len() - 1);
    // esc: back to the list.
    h.send(code(KeyCode::Esc));
    assert_eq!(h.state.view, rolo::app::View::Contacts);
}

/// A contact whose threads rolo has not seen: the first answer (one round
/// trip, beside the other sections) shows each thread's last message as
/// the search gives it, and the threads' messages are read next, by id.
#[test]
fn threads_new_to_rolo_show_their_last_message_then_fill_in() {
    let f = fixture(40);
    let mut h = Harness::new();
    h.serve(&f);
    // No unread load answered: rolo knows no thread.
    h.state.convs.clear();
    let rich = f.rich_contact().id.clone();
    h.select(&rich);
    h.wait(500);
    let first = h.take(|op| matches!(op, ApiOp::ContactThreads { .. }));
    let ApiOp::ContactThreads {
        known, one_trip, ..
    } = &first.op
    else {
        unreachable!()
    };
    assert!(known.is_empty() && *one_trip);
    let convs: Vec<_> = f
        .threads
        .iter()
        .filter(|(c, _)| c.contact_id == rich)
        .map(|(c, _)| c.clone())
        .collect();
    assert!(!convs.is_empty());
    let partial = rolo::api::conversations::ContactThreads {
        messages: convs.iter().filter_map(|c| c.last_message()).collect(),
        conversations: convs.clone(),
        more: true,
        partial: true,
    };
    h.answer(first.id, Ok(ApiResponse::Threads(Box::new(partial))));
    let shown = h.state.detail.messages.loaded().unwrap().messages.len();
    assert_eq!(shown, convs.len(), "each thread's last message at once");
    let next = h.take(|op| matches!(op, ApiOp::ContactThreads { .. }));
    let ApiOp::ContactThreads { known, .. } = &next.op else {
        unreachable!()
    };
    let mut want: Vec<_> = convs.iter().map(|c| c.id.clone()).collect();
    let mut got = known.clone();
    want.sort();
    got.sort();
    assert_eq!(got, want);
    h.answer(next.id, support::app::answer_for(&f, &next));
    let t = h.state.detail.messages.loaded().unwrap();
    assert!(!t.partial && t.messages.iter().all(|m| !m.id.starts_with('~')));
    assert!(
        h.try_take(|op| matches!(op, ApiOp::ContactThreads { .. }))
            .is_none()
    );
}

/// Review fixes: with no outbox, a reply with no answer "may have been
/// sent" (never "kept"); a waiting reply goes once its thread shows it;
/// `S` opens the thread of a contact with no messages; the thread's scroll
/// stays within it, so `j` always moves.
#[test]
fn replies_without_an_outbox_and_the_thread_from_any_contact() {
    let f = fixture(40);
    let mut h = Harness::opened(&f);
    h.send(Event::Resize {
        width: 80,
        height: 24,
    });
    assert!(!h.state.local.enabled);
    let rich = f.rich_contact().id.clone();
    if let Remote::Loaded(c) = &mut h.state.detail.contact {
        c.phone = Some("+15550100".into());
        c.dnd = Some(false);
        c.extra.insert("dndSettings", serde_json::json!({}));
    }
    h.send(key('S'));
    assert!(matches!(h.state.overlay, Some(Overlay::Thread(_))));
    h.serve(&f);
    h.send(key('s'));
    h.keys("Running late");
    h.send(ctrl('s'));
    let r = h.take(|op| matches!(op, ApiOp::SendMessage { .. }));
    h.answer(
        r.id,
        Err(ApiError::Timeout {
            host: "services.leadconnectorhq.com".into(),
            after: std::time::Duration::from_secs(30),
        }),
    );
    assert_eq!(
        h.state.replies[0].state,
        rolo::app::messages::ReplyState::MayHaveBeenSent
    );
    let e = h.state.error.clone().unwrap_or_default();
    assert!(
        e.contains("may have been sent") && e.contains("no outbox") && !e.contains("kept in"),
        "{e}"
    );
    // The thread, read again, shows it: it is no longer "waiting".
    let mut t = h.state.detail.messages.loaded().unwrap().clone();
    t.messages.insert(
        0,
        rolo::api::conversations::Message {
            id: "arrived".into(),
            message_type: Some("TYPE_SMS".into()),
            direction: Some("outbound".into()),
            date_added: Some(rolo::api::model::format_timestamp(h.state.now)),
            body: Some("Running late".into()),
            ..Default::default()
        },
    );
    // A message the thread already showed when the reply was queued, with
    // the same words (sent earlier): not this reply arriving.
    let mut earlier = h.state.detail.messages.loaded().unwrap().clone();
    earlier.messages[0].body = Some("Running late".into());
    earlier.messages[0].direction = Some("outbound".into());
    earlier.messages[0].message_type = Some("TYPE_SMS".into());
    earlier.messages[0].date_added = Some(rolo::api::model::format_timestamp(h.state.now));
    let mut out = Vec::new();
    h.state.open_thread(&rich, "x".into(), &mut out);
    for c in out {
        if let rolo::app::Command::Api(req) = c
            && matches!(req.op, ApiOp::ContactThreads { .. })
        {
            h.answer(req.id, Ok(ApiResponse::Threads(Box::new(earlier.clone()))));
        }
    }
    assert_eq!(h.state.replies.len(), 1, "still waiting");
    // The thread read again, answered as the server would now.
    let mut out = Vec::new();
    h.state.open_thread(&rich, "x".into(), &mut out);
    for c in out {
        if let rolo::app::Command::Api(req) = c
            && matches!(req.op, ApiOp::ContactThreads { .. })
        {
            h.answer(req.id, Ok(ApiResponse::Threads(Box::new(t.clone()))));
        }
    }
    assert!(h.state.replies.is_empty(), "{:?}", h.state.replies);
    // Scrolled far past the top, j moves at once.
    for _ in 0..500 {
        h.send(key('k'));
    }
    let Some(Overlay::Thread(v)) = &h.state.overlay else {
        panic!()
    };
    let top = v.scroll;
    assert!(top < 500, "held within the thread: {top}");
    h.send(key('j'));
    let Some(Overlay::Thread(v)) = &h.state.overlay else {
        panic!()
    };
    assert_eq!(v.scroll, top - 1);
    h.send(code(KeyCode::Esc));
    // A contact with no messages: S, then s, sends one.
    let quiet = f
        .contacts
        .iter()
        .find(|c| !f.threads.iter().any(|(t, _)| t.contact_id == c.id))
        .unwrap()
        .id
        .clone();
    h.send(code(KeyCode::Esc));
    h.select(&quiet);
    h.wait(500);
    h.serve(&f);
    h.send(key('S'));
    match &h.state.overlay {
        Some(Overlay::Thread(v)) => assert_eq!(v.contact_id, quiet),
        other => panic!("{other:?}"),
    }
    h.serve(&f);
    let text = screen(&h.clone_render(80, 24));
    assert!(text.contains("No messages yet"), "{text}");
}

/// From the inbox the list's copy of a contact lacks its DND settings:
/// the thread reads the full record first, a reply waits for it, and DND
/// in it refuses before anything is typed or sent.
#[test]
fn a_reply_from_the_inbox_waits_for_the_full_record_and_its_dnd() {
    let mut f = fixture(40);
    let mut h = Harness::opened(&f);
    h.send(key('I'));
    h.serve(&f);
    let cid = h.state.inbox_current().unwrap().contact_id.clone();
    // HighLevel's full record: DND on SMS (the list's copy says nothing).
    for c in f.contacts.iter_mut().filter(|c| c.id == cid) {
        c.phone = Some("+15550100".into());
        c.extra.insert(
            "dndSettings",
            serde_json::json!({"SMS": {"status": "permanent"}}),
        );
    }
    h.send(code(KeyCode::Enter));
    h.send(key('s'));
    assert!(
        matches!(h.state.overlay, Some(Overlay::Thread(_))),
        "no editor yet"
    );
    assert!(
        h.state
            .notice
            .as_deref()
            .unwrap_or("")
            .contains("Do Not Disturb settings"),
        "{:?}",
        h.state.notice
    );
    h.serve(&f);
    h.send(key('s'));
    assert!(
        matches!(h.state.overlay, Some(Overlay::Thread(_))),
        "still no editor"
    );
    assert!(
        h.state
            .error
            .as_deref()
            .unwrap_or("")
            .contains("Do Not Disturb on for SMS"),
        "{:?}",
        h.state.error
    );
    assert!(
        !h.outbox
            .iter()
            .any(|r| matches!(r.op, ApiOp::SendMessage { .. }))
    );
}

mod everywhere {
    use super::*;
    use rolo::app::Command;
    use rolo::app::overlays::everywhere::{Ask, Elsewhere, Found};

    fn asked(h: &Harness) -> Vec<Ask> {
        h.effects
            .iter()
            .filter_map(|c| match c {
                Command::Everywhere(a) => Some(a.clone()),
                _ => None,
            })
            .collect()
    }

    fn last_generation(h: &Harness) -> u64 {
        asked(h)
            .iter()
            .rev()
            .find_map(|a| match a {
                Ask::Search { generation, .. } => Some(*generation),
                Ask::Close => None,
            })
            .expect("a search was asked")
    }

    fn hit(profile: Option<&str>, loc: &str, c: &rolo::api::model::Contact) -> Elsewhere {
        Elsewhere {
            label: profile.unwrap_or(loc).into(),
            profile: profile.map(str::to_string),
            location_id: loc.into(),
            contact: c.clone(),
        }
    }

    fn answered(h: &mut Harness, generation: u64, hits: Vec<Elsewhere>) {
        h.send(Event::Everywhere {
            generation,
            result: Ok(Found {
                hits,
                skipped: Vec::new(),
                searched: 2,
            }),
        });
    }

    /// The list's search with `query`, widened.
    fn widen(h: &mut Harness, query: &str) {
        h.send(key('/'));
        h.keys(query);
        h.send(ctrl('o'));
    }

    /// Answers the query asked last.
    fn answer_last(h: &mut Harness, hits: Vec<Elsewhere>) {
        let g = last_generation(h);
        answered(h, g, hits);
    }

    /// The overlay asked to switch to `profile` at contact `id`.
    fn assert_switched(h: &Harness, profile: &str, id: &str) {
        let want = Command::SwitchProfileAt(profile.into(), id.into());
        assert!(h.effects.contains(&want), "{:?}", h.effects);
    }

    fn switched(h: &Harness) -> bool {
        h.effects
            .iter()
            .any(|c| matches!(c, Command::SwitchProfileAt(..)))
    }

    fn shown(h: &Harness) -> Vec<String> {
        match &h.state.overlay {
            Some(Overlay::Everywhere(e)) => {
                e.found.hits.iter().map(|x| x.contact.id.clone()).collect()
            }
            other => panic!("not open: {other:?}"),
        }
    }

    /// ctrl-o from the search box carries the query; typing asks again;
    /// an answer to an older query is dropped; esc lets go of the search.
    #[test]
    fn the_search_widens_with_its_query_and_drops_stale_answers() {
        let f = fixture(60);
        let mut h = Harness::opened(&f);
        widen(&mut h, "ad");
        assert_eq!(
            asked(&h),
            [Ask::Search {
                generation: 1,
                query: "ad".into()
            }]
        );
        h.keys("a");
        assert_eq!(
            asked(&h).last(),
            Some(&Ask::Search {
                generation: 2,
                query: "ada".into()
            })
        );
        // The answer to "ad" comes late: not shown.
        answered(
            &mut h,
            1,
            vec![hit(Some("bravo"), "loc-bravo", &f.contacts[1])],
        );
        assert!(shown(&h).is_empty());
        answered(
            &mut h,
            2,
            vec![hit(Some("bravo"), "loc-bravo", &f.contacts[2])],
        );
        assert_eq!(shown(&h), [f.contacts[2].id.clone()]);
        // A key that is neither text nor a move changes nothing.
        h.send(ctrl('j'));
        assert_eq!(last_generation(&h), 2);
        h.send(code(KeyCode::Esc));
        assert!(h.state.overlay.is_none());
        assert_eq!(asked(&h).last(), Some(&Ask::Close));
    }

    /// An answer still on its way when the overlay closed cannot pass for
    /// the next opening's, whose first query has its own number.
    #[test]
    fn an_answer_from_an_earlier_opening_is_dropped() {
        let f = fixture(60);
        let mut h = Harness::opened(&f);
        widen(&mut h, "ad");
        let old = last_generation(&h);
        h.send(code(KeyCode::Esc));
        widen(&mut h, "x");
        let new = last_generation(&h);
        assert_ne!(old, new);
        answered(
            &mut h,
            old,
            vec![hit(Some("bravo"), "loc-bravo", &f.contacts[1])],
        );
        assert!(shown(&h).is_empty(), "the old answer was shown");
        answered(
            &mut h,
            new,
            vec![hit(Some("bravo"), "loc-bravo", &f.contacts[2])],
        );
        assert_eq!(shown(&h), [f.contacts[2].id.clone()]);
    }

    /// `enter` while a newer query runs opens that query's first hit when
    /// it comes, not a hit of the query before; a hit of another location
    /// under this profile's own name (its location given by a flag) is
    /// opened by switching, not looked for here.
    #[test]
    fn enter_while_searching_waits_for_the_answer() {
        let f = fixture(60);
        let mut h = Harness::opened(&f);
        h.state.profile = "acme".into();
        widen(&mut h, "a");
        answer_last(
            &mut h,
            vec![hit(Some("bravo"), "loc-bravo", &f.contacts[1])],
        );
        h.keys("d");
        h.send(code(KeyCode::Enter));
        assert!(matches!(h.state.overlay, Some(Overlay::Everywhere(_))));
        assert!(!switched(&h));
        answer_last(
            &mut h,
            vec![hit(Some("acme"), "loc-elsewhere", &f.contacts[2])],
        );
        assert!(h.state.overlay.is_none());
        assert_switched(&h, "acme", &f.contacts[2].id.clone());
    }

    /// A move takes back a waiting `enter`; an answer with no hits says
    /// so; a failed answer clears the hits of the query before.
    #[test]
    fn a_waiting_enter_can_be_taken_back_and_a_failure_shows_nothing_stale() {
        let f = fixture(60);
        let mut h = Harness::opened(&f);
        widen(&mut h, "a");
        answer_last(
            &mut h,
            vec![hit(Some("bravo"), "loc-bravo", &f.contacts[1])],
        );
        h.keys("d");
        h.send(code(KeyCode::Enter));
        h.send(code(KeyCode::Down));
        answer_last(
            &mut h,
            vec![hit(Some("bravo"), "loc-bravo", &f.contacts[2])],
        );
        assert!(matches!(h.state.overlay, Some(Overlay::Everywhere(_))));
        assert!(!switched(&h));
        // Enter, then nothing found.
        h.keys("z");
        h.send(code(KeyCode::Enter));
        answer_last(&mut h, Vec::new());
        assert!(
            h.state
                .notice
                .as_deref()
                .is_some_and(|n| n.contains("Nothing to open"))
        );
        // A failure: the hits shown before go, and enter opens nothing.
        h.keys("q");
        h.send(code(KeyCode::Enter));
        let g = last_generation(&h);
        h.send(Event::Everywhere {
            generation: g,
            result: Err("the disk is gone".into()),
        });
        assert!(shown(&h).is_empty());
        assert!(matches!(h.state.overlay, Some(Overlay::Everywhere(_))));
        assert!(!switched(&h));
    }

    /// A binding to a bare letter still lets the search box type it.
    #[test]
    fn a_letter_bound_to_it_still_types_in_the_search() {
        let f = fixture(60);
        let mut h = Harness::opened(&f);
        h.state
            .keymap
            .rebind(rolo::keymap::Action::Everywhere, vec!["W".into()])
            .unwrap();
        h.send(key('/'));
        h.keys("aW");
        assert_eq!(h.state.list.query, "aW");
        assert!(h.state.overlay.is_none());
        // From the list, the letter opens it.
        h.send(code(KeyCode::Enter));
        h.send(key('W'));
        assert!(matches!(h.state.overlay, Some(Overlay::Everywhere(_))));
        // And there it types.
        h.send(key('W'));
        assert!(matches!(h.state.overlay, Some(Overlay::Everywhere(_))));
    }

    /// From the list (not the search box) the key opens it too; the same
    /// key again goes back to this location's search, with the query.
    #[test]
    fn the_key_again_narrows_back_to_this_location() {
        let f = fixture(60);
        let mut h = Harness::opened(&f);
        h.send(code(KeyCode::Esc));
        h.send(ctrl('o'));
        assert!(matches!(h.state.overlay, Some(Overlay::Everywhere(_))));
        // An empty query asks nothing.
        assert!(asked(&h).is_empty());
        h.keys("zed");
        h.send(ctrl('o'));
        assert!(h.state.overlay.is_none());
        assert_eq!(h.state.list.query, "zed");
        assert_eq!(h.state.focus, rolo::app::Focus::Search);
        assert_eq!(asked(&h).last(), Some(&Ask::Close));
    }

    /// enter: a hit in another location switches to its profile at that
    /// contact; one here opens it in the list; one no profile names says
    /// how to name it and stays.
    #[test]
    fn enter_opens_a_hit_where_it_lives() {
        let f = fixture(60);
        let here = f.contacts[7].clone();
        let hits = vec![
            hit(None, "loc-orphan", &f.contacts[1]),
            hit(Some("bravo"), "loc-bravo", &f.contacts[2]),
            hit(Some("acme"), "sandbox-location", &here),
        ];
        let open = |h: &mut Harness| {
            h.send(key('/'));
            h.keys("a");
            h.send(ctrl('o'));
            let g = last_generation(h);
            answered(h, g, hits.clone());
        };
        let mut h = Harness::opened(&f);
        open(&mut h);
        // No profile names the first one's location.
        h.send(code(KeyCode::Enter));
        assert!(matches!(h.state.overlay, Some(Overlay::Everywhere(_))));
        assert!(
            h.state
                .notice
                .as_deref()
                .is_some_and(|n| n.contains("No profile names location loc-orphan")),
            "{:?}",
            h.state.notice
        );
        // The second: switch to bravo, at that contact.
        h.send(code(KeyCode::Down));
        h.send(code(KeyCode::Enter));
        assert!(h.state.overlay.is_none());
        assert_switched(&h, "bravo", &f.contacts[2].id.clone());
        // Again, on the third: this location's, opened in the list.
        let mut h = Harness::opened(&f);
        open(&mut h);
        h.send(code(KeyCode::Down));
        h.send(code(KeyCode::Down));
        h.send(code(KeyCode::Enter));
        assert!(h.state.overlay.is_none());
        assert_eq!(
            h.state.selected_contact().map(|c| c.id.clone()),
            Some(here.id.clone())
        );
        assert_eq!(h.state.focus, rolo::app::Focus::Detail);
    }

    /// After a switch, the contact asked for opens once the list holds it,
    /// even when the list comes after the ask.
    #[test]
    fn a_switch_lands_on_its_contact_when_the_list_arrives() {
        let f = fixture(60);
        let target = f.contacts[40].clone();
        let (state, commands) = rolo::app::State::from_cache(
            "loc-bravo",
            support::app::now(),
            chrono::FixedOffset::east_opt(0).unwrap(),
            Vec::new(),
            f.contacts.len() as u64,
            Some(support::app::now()),
        );
        let _ = commands;
        let mut h = Harness::new();
        h.state = state;
        h.send(Event::OpenAt(target.id.clone()));
        assert!(h.state.selected_contact().is_none_or(|c| c.id != target.id));
        h.send(Event::ListLoaded(Box::new(rolo::app::prepare(
            f.contacts.clone(),
        ))));
        assert_eq!(
            h.state.selected_contact().map(|c| c.id.clone()),
            Some(target.id.clone())
        );
        assert_eq!(h.state.focus, rolo::app::Focus::Detail);
        assert!(h.state.start_at.is_none());
    }
}
