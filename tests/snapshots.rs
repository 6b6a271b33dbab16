//! Every view and overlay, rendered into a `TestBackend` at 80×24 and
//! 160×48 and compared with reviewed snapshots.

mod support;

use crossterm::event::KeyCode;
use insta::assert_snapshot;
use rolo::api::ApiError;
use rolo::api::actor::ApiOp;
use support::app::{Harness, code, ctrl, fixture, key, screen};

const SIZES: [(u16, u16); 2] = [(80, 24), (160, 48)];

fn snap(h: &mut Harness, name: &str) {
    for (w, ht) in SIZES {
        let t = h.render(w, ht);
        assert_snapshot!(format!("{name}_{w}x{ht}"), screen(&t));
    }
}

/// The app with the contact list loaded and a rich contact's detail open.
fn loaded() -> (Harness, support::app::Fixture) {
    let f = fixture(60);
    (Harness::opened(&f), f)
}

#[test]
fn loading() {
    let mut h = Harness::new();
    snap(&mut h, "loading");
}

#[test]
fn list_and_detail() {
    let (mut h, _) = loaded();
    snap(&mut h, "list_and_detail");
}

#[test]
fn detail_focused_on_a_note() {
    let (mut h, _) = loaded();
    h.send(code(KeyCode::Enter));
    let tasks = h.state.detail.sorted_tasks().len();
    for _ in 0..tasks {
        h.send(key('j'));
    }
    h.send(key('m'));
    snap(&mut h, "detail_note_expanded");
}

#[test]
fn detail_sections_loading_and_failed() {
    let f = fixture(60);
    let mut h = Harness::new();
    h.serve(&f);
    h.select(&f.rich_contact().id);
    h.wait(500);
    snap(&mut h, "detail_loading");
    let tasks = h.take(|op| matches!(op, ApiOp::ListTasks { .. }));
    h.answer(
        tasks.id,
        Err(ApiError::Server {
            status: 503,
            message: "Service Unavailable".into(),
        }),
    );
    h.serve(&f);
    snap(&mut h, "detail_tasks_failed");
}

#[test]
fn list_failed() {
    let mut h = Harness::new();
    let r = h.take(|op| matches!(op, ApiOp::SearchContacts(_)));
    h.answer(
        r.id,
        Err(ApiError::Unauthorized {
            message: "Invalid token: access token is invalid".into(),
        }),
    );
    snap(&mut h, "list_failed");
}

#[test]
fn search_with_highlights_and_no_match() {
    let (mut h, _) = loaded();
    h.send(key('/'));
    h.keys("ada");
    snap(&mut h, "search_ada");
    h.keys("zzz");
    snap(&mut h, "search_no_match");
}

#[test]
fn task_form_with_a_validation_error() {
    let (mut h, _) = loaded();
    h.send(code(KeyCode::Enter));
    h.send(key('t'));
    h.send(code(KeyCode::Tab));
    h.keys("fri 9am");
    h.send(ctrl('s'));
    snap(&mut h, "task_form_error");
}

#[test]
fn tag_prompt_with_completion() {
    let (mut h, f) = loaded();
    h.send(code(KeyCode::Enter));
    h.send(key('+'));
    h.serve(&f);
    h.keys("l");
    snap(&mut h, "tag_prompt");
}

#[test]
fn today_view() {
    let (mut h, f) = loaded();
    h.send(key('T'));
    snap(&mut h, "today_loading");
    h.serve(&f);
    snap(&mut h, "today");
}

#[test]
fn help_overlay() {
    let (mut h, _) = loaded();
    h.send(key('?'));
    snap(&mut h, "help");
}

#[test]
fn confirm_delete() {
    let (mut h, _) = loaded();
    h.send(code(KeyCode::Enter));
    h.send(key('d'));
    snap(&mut h, "confirm_delete_task");
}

#[test]
fn note_editor() {
    let (mut h, _) = loaded();
    h.send(code(KeyCode::Enter));
    h.send(key('n'));
    h.keys("Called back; wants the premium plan.");
    snap(&mut h, "note_editor");
}

#[test]
fn contact_form_with_an_invalid_email() {
    let (mut h, _) = loaded();
    h.send(key('e'));
    h.send(code(KeyCode::Tab));
    h.send(code(KeyCode::Tab));
    h.keys("@@");
    snap(&mut h, "contact_form_invalid_email");
}

#[test]
fn new_contact_form() {
    let (mut h, _) = loaded();
    h.send(key('c'));
    h.keys("Zed");
    snap(&mut h, "contact_form_new");
}

#[test]
fn copy_menu_and_palette() {
    let (mut h, _) = loaded();
    h.send(key('y'));
    snap(&mut h, "copy_menu");
    h.send(code(KeyCode::Esc));
    h.send(key(':'));
    h.keys("ta");
    snap(&mut h, "palette");
}
