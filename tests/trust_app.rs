//! The app's side of the trust issue, driven through `update`: nothing
//! typed is lost, undo touches only what it changed, keys act where the
//! user is, and edits to items still being created wait for them.

mod support;

use crossterm::event::KeyCode;
use rolo::api::ApiError;
use rolo::api::actor::{ApiOp, ApiResponse};
use rolo::api::model::Contact;
use rolo::app::{Event, Overlay};
use support::app::{Harness, code, ctrl, fixture, key};

fn refused() -> ApiError {
    ApiError::Validation {
        status: 422,
        messages: vec!["body is too long".into()],
    }
}

fn tags(h: &Harness, id: &str) -> Vec<String> {
    h.state.contact_by_id(id).unwrap().tags().to_vec()
}

#[test]
fn undo_removes_only_the_tags_the_change_added() {
    let f = fixture(40);
    let mut h = Harness::opened(&f);
    let c = f.rich_contact().id.clone();
    let had = tags(&h, &c);
    assert!(!had.is_empty(), "the rich contact has tags");
    h.send(code(KeyCode::Enter));
    h.send(key('+'));
    h.serve(&f);
    // One tag it has already, one new.
    h.keys(&format!("{}, brand-new", had[0]));
    h.send(code(KeyCode::Enter));
    let req = h.take(|op| matches!(op, ApiOp::AddTags { .. }));
    assert_eq!(
        req.op,
        ApiOp::AddTags {
            contact_id: c.clone(),
            tags: vec!["brand-new".into()]
        },
        "only the new tag is sent"
    );
    let mut all = had.clone();
    all.push("brand-new".into());
    h.answer(req.id, Ok(ApiResponse::Tags(all)));
    h.send(key('u'));
    let undo = h.take(|op| matches!(op, ApiOp::RemoveTags { .. }));
    assert_eq!(
        undo.op,
        ApiOp::RemoveTags {
            contact_id: c.clone(),
            tags: vec!["brand-new".into()]
        },
        "undo leaves the tags the contact had before"
    );
}

#[test]
fn a_failed_tag_change_leaves_no_undo_behind() {
    let f = fixture(40);
    let mut h = Harness::opened(&f);
    let c = f.rich_contact().id.clone();
    let had = tags(&h, &c);
    h.send(code(KeyCode::Enter));
    h.send(key('+'));
    h.serve(&f);
    h.keys("doomed");
    h.send(code(KeyCode::Enter));
    let req = h.take(|op| matches!(op, ApiOp::AddTags { .. }));
    h.answer(req.id, Err(refused()));
    assert_eq!(tags(&h, &c), had, "rolled back");
    h.send(key('u'));
    assert!(
        !h.outbox
            .iter()
            .any(|r| matches!(r.op, ApiOp::RemoveTags { .. })),
        "nothing to undo: {:?}",
        h.outbox
    );
}

#[test]
fn a_failed_note_reopens_even_after_the_user_moved_on() {
    let f = fixture(40);
    let mut h = Harness::opened(&f);
    h.send(code(KeyCode::Enter));
    h.send(key('n'));
    h.keys("Important detail");
    h.send(ctrl('s'));
    let req = h.take(|op| matches!(op, ApiOp::CreateNote { .. }));
    // The user goes to another contact, and opens a task form there.
    h.send(code(KeyCode::Esc));
    h.send(key('j'));
    h.send(key('j'));
    h.wait(500);
    h.serve(&f);
    h.send(key('t'));
    assert!(matches!(h.state.overlay, Some(Overlay::Task(_))));
    h.answer(req.id, Err(refused()));
    assert!(
        matches!(h.state.overlay, Some(Overlay::Task(_))),
        "the open form is not replaced"
    );
    h.send(code(KeyCode::Esc));
    match &h.state.overlay {
        Some(Overlay::Note(ed)) => {
            assert_eq!(ed.body.lines().join("\n"), "Important detail");
            assert_eq!(
                ed.contact_id,
                f.rich_contact().id,
                "for the contact it was written for"
            );
        }
        other => panic!("expected the note back, got {other:?}"),
    }
}

#[test]
fn a_failed_note_edit_and_task_save_reopen_with_the_typed_text() {
    let f = fixture(40);
    let mut h = Harness::opened(&f);
    h.send(code(KeyCode::Enter));
    // To the first note of the detail pane, then edit it.
    for _ in 0..30 {
        if h.state.detail.current_note().is_some() {
            break;
        }
        h.send(key('j'));
    }
    h.send(key('e'));
    assert!(matches!(h.state.overlay, Some(Overlay::Note(_))));
    h.keys(" and more");
    h.send(ctrl('s'));
    let req = h.take(|op| matches!(op, ApiOp::UpdateNote { .. }));
    h.answer(req.id, Err(refused()));
    match &h.state.overlay {
        Some(Overlay::Note(ed)) => assert!(ed.body.lines().join("\n").ends_with(" and more")),
        other => panic!("expected the edited note back, got {other:?}"),
    }
    h.send(code(KeyCode::Esc));
    h.send(code(KeyCode::Esc));
    h.send(key('t'));
    h.keys("Call the supplier");
    h.send(ctrl('s'));
    let req = h.take(|op| matches!(op, ApiOp::CreateTask { .. }));
    h.answer(req.id, Err(refused()));
    match &h.state.overlay {
        Some(Overlay::Task(t)) => {
            assert_eq!(rolo::app::forms::text_of(&t.title), "Call the supplier")
        }
        other => panic!("expected the task form back, got {other:?}"),
    }
}

#[test]
fn forms_with_typed_text_ask_before_esc_or_ctrl_c_loses_it() {
    let f = fixture(40);
    let mut h = Harness::opened(&f);
    h.send(code(KeyCode::Enter));
    for (open, name) in [('t', "task"), ('c', "contact"), ('n', "note")] {
        h.send(key(open));
        assert!(h.state.overlay.is_some(), "{name} form opens");
        h.keys("typed");
        h.send(code(KeyCode::Esc));
        assert!(h.state.overlay.is_some(), "{name}: the first esc asks");
        h.send(ctrl('c'));
        assert!(!h.quit, "{name}: ctrl-c asks first too");
        h.send(ctrl('c'));
        assert!(h.quit, "{name}: asked twice, it quits");
        h.quit = false;
        // Back to a clean slate for the next form.
        h.state.overlay = None;
    }
    // An untouched form closes at once, and ctrl-c outside a form quits.
    h.send(key('t'));
    h.send(code(KeyCode::Esc));
    assert!(h.state.overlay.is_none());
    h.send(ctrl('c'));
    assert!(h.quit);
}

#[test]
fn a_contact_edit_sends_only_the_field_typed_in() {
    let f = fixture(40);
    let mut h = Harness::new();
    h.serve(&f);
    let mut c: Contact = f.rich_contact().clone();
    h.select(&c.id);
    h.wait(500);
    // The server's copy: a name that is not first + last, padded fields.
    c.name = Some("Grace H.".into());
    c.city = Some(" Austin ".into());
    let id = c.id.clone();
    let mut pending: Vec<_> = std::mem::take(&mut h.outbox);
    while let Some(r) = pending.pop() {
        let result = match &r.op {
            ApiOp::GetContact { .. } => Ok(ApiResponse::Contact(c.clone())),
            _ => support::app::answer_for(&f, &r),
        };
        h.answer(r.id, result);
    }
    // From the list row: the contact (in the detail pane, e edits the item).
    h.send(key('e'));
    assert!(
        matches!(h.state.overlay, Some(Overlay::Contact(_))),
        "{:?}",
        h.state.notice
    );
    // Phone: the fourth input.
    for _ in 0..3 {
        h.send(code(KeyCode::Tab));
    }
    for _ in 0..40 {
        h.send(code(KeyCode::Backspace));
    }
    h.keys("+15550001234");
    h.send(ctrl('s'));
    let req = h.take(|op| matches!(op, ApiOp::UpdateContact { .. }));
    match &req.op {
        ApiOp::UpdateContact {
            id: got, update, ..
        } => {
            assert_eq!(got, &id);
            assert_eq!(
                update.to_json(),
                serde_json::json!({"phone": "+15550001234"})
            );
        }
        _ => unreachable!(),
    }
}

#[test]
fn e_on_a_list_row_edits_the_contact_even_when_it_has_notes_and_no_tasks() {
    let f = fixture(40);
    let c = f
        .contacts
        .iter()
        .find(|c| {
            !f.tasks
                .iter()
                .any(|t| t.contact_id.as_deref() == Some(&c.id))
                && f.notes
                    .iter()
                    .any(|n| n.contact_id.as_deref() == Some(&c.id))
        })
        .expect("the seed has a contact with notes and no tasks")
        .clone();
    let mut h = Harness::new();
    h.serve(&f);
    h.select(&c.id);
    h.wait(500);
    h.serve(&f);
    h.send(key('e'));
    match &h.state.overlay {
        Some(Overlay::Contact(form)) => {
            assert_eq!(
                form.editing.as_ref().map(|x| x.id.as_str()),
                Some(c.id.as_str())
            )
        }
        other => panic!("expected the contact form, got {other:?}"),
    }
    // d on the list row does not delete the note either: it says what to do.
    h.state.overlay = None;
    h.send(key('d'));
    assert!(h.state.overlay.is_none());
    assert!(h.state.notice.as_deref().unwrap_or("").contains("deletes"));
}

#[test]
fn contact_keys_act_on_the_highlighted_row_from_the_list() {
    let f = fixture(40);
    let mut h = Harness::new();
    h.serve(&f);
    // Straight from the list, before the detail pane has loaded anything.
    let target = h.state.selected_contact().unwrap().id.clone();
    for (k, what) in [
        ('t', "task form"),
        ('n', "note editor"),
        ('+', "tag prompt"),
    ] {
        h.send(key(k));
        let on = match &h.state.overlay {
            Some(Overlay::Task(t)) => t.contact_id.clone(),
            Some(Overlay::Note(n)) => n.contact_id.clone(),
            Some(Overlay::Tags(p)) => p.contact_id.clone(),
            other => panic!("{k}: expected the {what}, got {other:?}"),
        };
        assert_eq!(on, target, "{what}");
        h.state.overlay = None;
        h.outbox.clear();
    }
    // x has no task to act on here: it says so.
    h.send(key('x'));
    assert!(
        h.state
            .notice
            .as_deref()
            .unwrap_or("")
            .contains("completes the task")
    );
}

#[test]
fn with_the_outbox_a_task_still_saving_can_be_completed_and_its_save_keeps_its_local_id() {
    let f = fixture(40);
    let mut h = Harness::cached(&f, Some(support::app::now()));
    let c = f.rich_contact().id.clone();
    h.select(&c);
    h.wait(500);
    h.serve(&f);
    h.send(code(KeyCode::Enter));
    h.send(key('t'));
    h.keys("Fresh task");
    h.send(ctrl('s'));
    let create = h.take(|op| matches!(op, ApiOp::CreateTask { .. }));
    let local = create
        .local_id
        .clone()
        .expect("a create carries its stand-in id");
    assert!(local.starts_with("pending-"));
    // The new task is under the cursor somewhere; find it and complete it.
    for _ in 0..30 {
        if h.state.detail.current_task().is_some_and(|t| t.id == local) {
            break;
        }
        h.send(key('j'));
    }
    h.send(key('x'));
    let toggle = h.take(|op| matches!(op, ApiOp::SetTaskCompleted { .. }));
    match toggle.op {
        ApiOp::SetTaskCompleted { task_id, .. } => assert_eq!(task_id, local),
        _ => unreachable!(),
    }
    // Refused through the outbox: the text waits there; nothing reopens.
    h.answer(create.id, Err(refused()));
    assert!(h.state.overlay.is_none());
    assert!(
        h.state
            .error
            .as_deref()
            .unwrap()
            .contains("waits in the outbox")
    );
    let _ = Event::Tick {
        now: support::app::now(),
        elapsed_ms: 0,
    };
}

#[test]
fn copying_puts_only_printable_text_on_the_clipboard() {
    let f = fixture(40);
    let mut h = Harness::new();
    let mut page = h.take(|op| matches!(op, ApiOp::SearchContacts(_)));
    let mut c = f.rich_contact().clone();
    c.email = Some("eve@example.com\r\u{1b}[201~rm -rf ~\u{7}\u{9b}".into());
    c.id = "id\u{1b}]52;c;x\u{7}".into();
    page.op = ApiOp::LocationTags;
    h.answer(
        page.id,
        Ok(ApiResponse::SearchPage(rolo::api::model::SearchPage {
            contacts: vec![c.clone()],
            total: 1,
            ..Default::default()
        })),
    );
    for (k, want) in [('e', "eve@example.com[201~rm -rf ~"), ('i', "id]52;c;x")] {
        h.send(key('y'));
        let commands = rolo::app::update(&mut h.state, key(k));
        assert_eq!(commands, vec![rolo::app::Command::Copy(want.into())], "{k}");
    }
    // The web link names the id percent-encoded.
    let commands = rolo::app::update(&mut h.state, key('o'));
    match &commands[..] {
        [rolo::app::Command::Open(url)] => {
            assert!(url.contains("id%1B%5D52%3Bc%3Bx%07"), "{url}");
            assert!(!url.chars().any(rolo::text::is_unsafe), "{url:?}");
        }
        other => panic!("{other:?}"),
    }
}

/// Item 8: a wait for HighLevel's rate limit shows in the status bar, and
/// the key that stops it asks the runtime to give the waiting requests up.
#[test]
fn a_rate_limit_wait_shows_in_the_status_bar_and_ctrl_g_stops_it() {
    use rolo::api::limiter::{WaitReason, Waiting};
    use rolo::app::Command;
    let f = fixture(40);
    let mut h = Harness::opened(&f);
    let status = |h: &mut Harness, width| {
        let t = h.render(width, 24);
        support::app::screen(&t).lines().last().unwrap().to_string()
    };
    assert!(!status(&mut h, 200).contains("rate-limited"));
    // Nothing waits: the key says so and asks for nothing.
    h.send(ctrl('g'));
    assert!(!h.effects.iter().any(|c| matches!(c, Command::CancelWaits)));
    assert_eq!(
        h.state.notice.as_deref(),
        Some("Nothing is waiting for HighLevel.")
    );
    h.send(Event::Waiting(Some(Waiting {
        reason: WaitReason::RateLimit,
        left: std::time::Duration::from_millis(29_200),
        requests: 2,
    })));
    for width in [200, 80] {
        let line = status(&mut h, width);
        assert!(
            line.contains("rate-limited 30 s, ctrl-g stops"),
            "{width}: {line}"
        );
    }
    // From a form and from the search line too.
    h.send(key('t'));
    assert!(matches!(h.state.overlay, Some(Overlay::Task(_))));
    h.effects.clear();
    h.send(ctrl('g'));
    assert!(
        h.effects.iter().any(|c| matches!(c, Command::CancelWaits)),
        "from the task form"
    );
    assert!(
        matches!(h.state.overlay, Some(Overlay::Task(_))),
        "the form stays open"
    );
    h.send(code(KeyCode::Esc));
    h.send(key('/'));
    h.effects.clear();
    h.send(ctrl('g'));
    assert!(
        h.effects.iter().any(|c| matches!(c, Command::CancelWaits)),
        "from the search line"
    );
    assert!(!h.state.list.query.contains('g'));
    h.send(code(KeyCode::Esc));
    // From the list and from the detail pane alike.
    for focus in [KeyCode::Esc, KeyCode::Enter] {
        h.send(code(focus));
        h.effects.clear();
        h.send(ctrl('g'));
        assert!(
            h.effects.iter().any(|c| matches!(c, Command::CancelWaits)),
            "ctrl-g asks to stop waiting (after {focus:?})"
        );
    }
    h.send(Event::WaitsCancelled(2));
    assert!(
        h.state
            .notice
            .as_deref()
            .is_some_and(|n| n.contains("2 request(s) given up")),
        "{:?}",
        h.state.notice
    );
    assert!(!status(&mut h, 200).contains("rate-limited"));
    // What the cancel stopped reports back as the user's doing, not an error.
    h.send(Event::SyncDone(Err(ApiError::Cancelled {
        reason: rolo::api::error::CancelReason::ByUser,
    }
    .to_string())));
    assert_eq!(h.state.error, None);
    assert!(
        h.state
            .notice
            .as_deref()
            .is_some_and(|n| n.contains("Sync stopped")),
        "{:?}",
        h.state.notice
    );
}

/// Without a cache the list pages through the one page walk: a `total`
/// lower than what arrives does not stop it, and a page sent again ends it
/// with an error instead of asking forever.
#[test]
fn the_list_pages_past_a_lying_total_and_stops_at_a_repeated_page() {
    use rolo::api::model::SearchPage;
    let f = fixture(500);
    let mut h = Harness::new();
    let page = |h: &mut Harness| {
        let req = h.take(|op| matches!(op, ApiOp::SearchContacts(_)));
        h.answer(
            req.id,
            Ok(ApiResponse::SearchPage(SearchPage {
                contacts: f.contacts.clone(),
                total: 10,
                ..Default::default()
            })),
        );
    };
    page(&mut h);
    assert!(
        h.outbox
            .iter()
            .any(|r| matches!(&r.op, ApiOp::SearchContacts(q) if q.page == Some(2))),
        "a full page asks for the next one, whatever the total says"
    );
    page(&mut h);
    assert!(
        !h.outbox
            .iter()
            .any(|r| matches!(r.op, ApiOp::SearchContacts(_))),
        "the same page again ends the walk"
    );
    let error = h.state.error.clone().unwrap_or_default();
    assert!(error.contains("sent page 2 again"), "{error}");
    assert_eq!(h.state.list.len(), 500);
}
