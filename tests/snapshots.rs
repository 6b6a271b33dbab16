//! Every view and overlay, rendered into a `TestBackend` at 80×24 and
//! 160×48 and compared with reviewed snapshots.

mod support;

use crossterm::event::KeyCode;
use insta::assert_snapshot;
use rolo::api::ApiError;
use rolo::api::actor::ApiOp;
use rolo::app::Overlay;
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
fn user_picker() {
    let (mut h, _) = loaded();
    h.send(key('a'));
    h.keys("m");
    snap(&mut h, "user_picker_contact");
    h.send(code(KeyCode::Esc));
    h.send(code(KeyCode::Enter));
    h.send(key('a'));
    snap(&mut h, "user_picker_task");
}

#[test]
fn today_view() {
    let (mut h, f) = loaded();
    h.send(key('T'));
    snap(&mut h, "today_loading");
    h.serve(&f);
    snap(&mut h, "today");
    // Mine: the profile's user's tasks only.
    let me = f.tasks.iter().find_map(|t| t.assigned_to.clone()).unwrap();
    h.state.me_email = f.users.iter().find(|u| u.id == me).unwrap().email.clone();
    h.state.set_users(f.users.clone());
    h.send(key('M'));
    snap(&mut h, "today_mine");
}

#[test]
fn help_overlay() {
    let (mut h, _) = loaded();
    h.send(key('?'));
    snap(&mut h, "help");
    // Taller than the screen at 80×24: j scrolls to the last keys.
    for _ in 0..200 {
        h.send(key('j'));
    }
    let t = h.render(80, 24);
    let text = screen(&t);
    assert!(text.contains("Keys") && text.contains("m "), "{text}");
    assert_snapshot!("help_scrolled_80x24", text);
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

/// Started from the cache, mid-sync, with edits waiting.
#[test]
fn cached_list_syncing_with_edits_waiting() {
    use rolo::app::Event;
    use rolo::cache::outbox::Counts;
    use rolo::cache::sync::{Progress, SyncEvent};
    let f = support::app::fixture(60);
    let mut h = Harness::cached(&f, Some(support::app::now() - chrono::Duration::hours(3)));
    h.send(Event::Sync(SyncEvent::Progress(Progress {
        done: 12_300,
        total: 45_000,
        left: Some(std::time::Duration::from_secs(38)),
        full: true,
    })));
    let waiting = vec![
        h.state.list.id(h.state.list.hits[1].index).to_string(),
        h.state.list.id(h.state.list.hits[4].index).to_string(),
    ];
    h.send(Event::OutboxStatus {
        counts: Counts {
            pending: 3,
            attention: 0,
        },
        waiting,
        last_error: None,
    });
    snap(&mut h, "cached_syncing");
    h.send(Event::SyncDone(Ok(())));
    snap(&mut h, "cached_synced");
}

#[test]
fn outbox_view() {
    use rolo::app::Event;
    use rolo::app::local::OutboxAction;
    let f = support::app::fixture(20);
    let mut h = Harness::cached(&f, Some(support::app::now()));
    h.send(key('O'));
    snap(&mut h, "outbox_reading");
    assert!(
        h.effects
            .contains(&rolo::app::Command::Outbox(OutboxAction::Load))
    );
    h.send(Event::OutboxEntries {
        entries: outbox_entries(),
        lost: None,
    });
    h.send(key('j'));
    snap(&mut h, "outbox_entries");
    h.send(Event::OutboxEntries {
        entries: Vec::new(),
        lost: None,
    });
    snap(&mut h, "outbox_empty");
    // After a damaged outbox file: never "every edit is confirmed".
    h.send(Event::OutboxEntries {
        entries: Vec::new(),
        lost: Some("The outbox file was damaged: 2 edit(s) were read back and queued again; others may have been lost (the damaged file is kept at \u{1b}[31mOUTBOX.damaged)".into()),
    });
    snap(&mut h, "outbox_empty_after_loss");
    let shown = support::app::screen(&h.render(80, 24));
    assert!(!shown.contains("confirmed every edit"), "{shown}");
    assert!(shown.contains("may have been lost"), "{shown}");
}

fn outbox_entries() -> Vec<rolo::cache::outbox::Entry> {
    use rolo::cache::outbox::{Entry, EntryState};
    let entry = |seq, description: &str, state, error: Option<&str>| Entry {
        seq,
        key: "c".into(),
        op: ApiOp::DeleteContact { id: "c".into() },
        description: description.into(),
        state,
        attempts: 2,
        next_at: 0,
        error: error.map(str::to_string),
        created_at: 0,
        version: 0,
        sending: false,
        local_id: None,
        before_ids: None,
        unsure: false,
    };
    vec![
        entry(
            7,
            "tag c1 +vip",
            EntryState::Pending,
            Some("network error talking to services.leadconnectorhq.com: connection refused"),
        ),
        entry(
            8,
            "create task \"Call back \u{1b}[31mtomorrow\" on c2",
            EntryState::Attention,
            Some("rejected by the server: title must be shorter than or equal to 255 characters"),
        ),
        entry(9, "update contact c3", EntryState::Pending, None),
    ]
}

/// Gives the open contact a value for every custom field type, a long
/// text among them, and one whose definition is unknown.
fn every_custom_type(h: &mut Harness) {
    use serde_json::json;
    if let rolo::app::Remote::Loaded(full) = &mut h.state.detail.contact {
        full.custom_fields = Some(
            [
                ("cfBudget0000000000001", json!("13500")),
                ("cfReferral00000000002", json!("referral")),
                ("cfRenewal000000000003", json!("2027-01-15T00:00:00.000Z")),
                ("cfOptIn00000000000004", json!("Yes")),
                ("cfInterests0000000005", json!(["roofing", "solar"])),
                ("cfCrewNotes0000000006", json!("Gate code 4411; the dog is friendly but loud. Park on the street, not the drive: the slab is new and still curing.\nCall from the gate.")),
                ("cfSeats00000000000007", json!("12")),
                ("cfJobTitle00000000008", json!("Facilities lead")),
                ("cfSitePhone0000000009", json!("+1 (555) 201-3344")),
                ("cfBillingEmail0000010", json!("billing@example.com")),
                ("cfPreferred0000000011", json!("Text message")),
                ("cfPermitScan000000012", json!("permit-4411.pdf")),
                ("cfFromAnotherApp00013", json!("kept as it came")),
            ]
            .into_iter()
            .map(|(id, v)| serde_json::from_value(json!({"id": id, "value": v})).unwrap())
            .collect(),
        );
    }
}

#[test]
fn detail_with_custom_fields_of_every_type() {
    let (mut h, _) = loaded();
    every_custom_type(&mut h);
    h.send(code(KeyCode::Enter));
    h.send(key('m'));
    snap(&mut h, "detail_custom_fields");
}

#[test]
fn contact_form_custom_fields_with_a_validation_error() {
    let (mut h, _) = loaded();
    every_custom_type(&mut h);
    h.send(key('e'));
    // To Seats: 11 of the contact's own, then Budget … Seats.
    while !matches!(&h.state.overlay, Some(rolo::app::Overlay::Contact(f)) if f.focused_field().is_some_and(|x| x.label() == "Seats"))
    {
        h.send(code(KeyCode::Tab));
    }
    h.send(code(KeyCode::Backspace));
    h.send(code(KeyCode::Backspace));
    h.keys("a dozen");
    h.send(ctrl('s'));
    snap(&mut h, "contact_form_custom_fields_error");
    // The pick lists, with the cursor on one.
    h.send(code(KeyCode::Up));
    h.send(code(KeyCode::Up));
    h.send(code(KeyCode::Right));
    snap(&mut h, "contact_form_custom_fields_pick");
}

#[test]
fn dnd_panel() {
    let (mut h, _) = loaded();
    if let rolo::app::Remote::Loaded(full) = &mut h.state.detail.contact {
        full.extra.insert(
            "dndSettings",
            serde_json::json!({
                "SMS": {"status": "active", "message": "opted out by text"},
                "Call": {"status": "permanent", "message": "STOP \u{1b}[31mred"},
            }),
        );
    }
    h.send(key('!'));
    h.send(key('j'));
    h.send(key('j'));
    h.send(key(' '));
    snap(&mut h, "dnd_panel");
}

/// The Deals section: an open deal with its stage by name and age, a lost
/// one with its reason, and deals the pane must show without trusting:
/// a stage the pipeline no longer has, a status HighLevel never sent, and
/// a name full of escape sequences.
#[test]
fn detail_deals() {
    let (mut h, f) = loaded();
    let cid = f.rich_contact().id.clone();
    let mut deals = h.state.detail.deals.loaded().unwrap().clone();
    let mut odd = deals[0].clone();
    odd.id = "oddDeal0000000000000".into();
    odd.name = Some("\u{1b}[31mRed\u{1b}]0;title\u{7} deal\u{9b}2J".into());
    odd.pipeline_stage_id = Some("gone-stage".into());
    odd.monetary_value = Some(1_234_567.5);
    let mut weird = deals[1].clone();
    weird.id = "weirdDeal00000000000".into();
    weird.status = Some("paused".into());
    weird.monetary_value = None;
    deals.extend([odd, weird]);
    assert_eq!(h.state.detail.contact_id.as_deref(), Some(cid.as_str()));
    h.state.detail.deals = rolo::app::Remote::Loaded(deals);
    snap(&mut h, "detail_deals");
    let t = h.render(160, 48);
    let text = screen(&t);
    assert!(
        !text.contains('\u{1b}') && !text.contains('\u{9b}'),
        "{text}"
    );
    assert!(text.contains("stage ?"), "{text}");
    assert!(
        text.contains("paused · Sales Pipeline › Contacted"),
        "{text}"
    );
    // A short pane lists them all under `m`.
    h.send(code(KeyCode::Enter));
    h.send(key('m'));
    snap(&mut h, "detail_deals_more");
}

/// The deals panel (`$`) over the detail pane, its stage picker, and the
/// lost-reason prompt.
#[test]
fn deals_panel_stage_picker_and_lost_reason() {
    let (mut h, _) = loaded();
    h.send(key('$'));
    snap(&mut h, "deals_panel");
    h.send(key('s'));
    snap(&mut h, "deals_stage_picker");
    h.send(code(KeyCode::Esc));
    h.send(key('L'));
    h.send(key('j'));
    snap(&mut h, "deals_lost_reason");
}

/// Booking: the calendars, then a calendar's free slots by day.
#[test]
fn booking_calendars_and_slot_picker() {
    let (mut h, f) = loaded();
    h.state.zone = rolo::zone::Zone::Named(chrono_tz::America::Chicago);
    h.send(key('b'));
    h.serve(&f);
    snap(&mut h, "booking_calendars");
    h.send(code(KeyCode::Enter));
    h.serve(&f);
    h.send(key('j'));
    snap(&mut h, "booking_slots");
}

/// The pipeline board: three stages at 80 columns, all five at 160; an
/// owner filter; the loading state.
#[test]
fn pipeline_board() {
    let f = fixture(300);
    let mut h = Harness::opened(&f);
    h.send(key('B'));
    snap(&mut h, "board_loading");
    h.serve(&f);
    snap(&mut h, "board");
    h.send(key('l'));
    h.send(key('l'));
    h.send(key('l'));
    h.send(key('j'));
    h.send(key('@'));
    snap(&mut h, "board_owner_fourth_stage");
}

/// The agenda: a day's appointments in Chicago, with the now line and a
/// status picked for the highlighted one.
#[test]
fn agenda_view() {
    let f = fixture(300);
    let mut h = Harness::opened(&f);
    h.state.zone = rolo::zone::Zone::Named(chrono_tz::America::Chicago);
    h.send(key('A'));
    snap(&mut h, "agenda_loading");
    h.serve(&f);
    let mut n = 0;
    while h.state.agenda_rows().len() < 2 && n < 30 {
        h.send(key(']'));
        h.serve(&f);
        n += 1;
    }
    snap(&mut h, "agenda");
    h.send(key('s'));
    snap(&mut h, "agenda_status");
}

/// A new deal from the deals panel: the pipeline, then its name.
#[test]
fn deals_new_deal() {
    let (mut h, _) = loaded();
    h.send(key('$'));
    h.send(key('n'));
    snap(&mut h, "deals_new_pipeline");
    h.send(key('j'));
    h.send(code(KeyCode::Enter));
    snap(&mut h, "deals_new_name");
}

/// Marks in the list (the bar, the count in the status bar) and the bulk
/// tag prompt for them.
#[test]
fn marks_and_the_bulk_tag_prompt() {
    let (mut h, _) = loaded();
    h.send(code(KeyCode::Esc));
    h.send(code(KeyCode::Home));
    for _ in 0..3 {
        h.send(key('v'));
    }
    h.send(key('j'));
    h.send(key('v'));
    snap(&mut h, "list_marks");
    h.send(key('+'));
    h.keys("webinar");
    snap(&mut h, "bulk_tag_prompt");
}

/// The workflow picker for marked contacts (enroll, then turned to take
/// out), the campaign picker, and the question a narrowed list asks.
#[test]
fn workflow_and_campaign_pickers_and_the_scope_question() {
    use rolo::api::actor::ApiResponse;
    use rolo::api::workflows::Workflow;
    let (mut h, f) = loaded();
    h.send(code(KeyCode::Esc));
    h.send(key('v'));
    h.send(key('v'));
    h.send(key('w'));
    let r = h.take(|op| matches!(op, ApiOp::Workflows));
    let wf = |id: &str, name: &str, status: &str| Workflow {
        id: id.into(),
        name: name.into(),
        status: Some(status.into()),
        ..Default::default()
    };
    h.answer(
        r.id,
        Ok(ApiResponse::Workflows(vec![
            wf("w1", "Webinar follow-up", "published"),
            wf("w2", "New lead nurture \u{1b}[31m", "draft"),
        ])),
    );
    snap(&mut h, "workflow_picker");
    h.send(code(KeyCode::Tab));
    h.keys("nurt");
    snap(&mut h, "workflow_picker_take_out");
    h.send(code(KeyCode::Esc));
    h.send(key('C'));
    let r = h.take(|op| matches!(op, ApiOp::Campaigns));
    h.answer(r.id, Ok(ApiResponse::Campaigns(vec![])));
    snap(&mut h, "campaign_picker_empty");
    h.send(code(KeyCode::Esc));
    h.send(key('U'));
    h.send(key('/'));
    h.keys("#vip");
    h.send(code(KeyCode::Enter));
    let _ = f;
    h.send(key('w'));
    snap(&mut h, "scope_question");
}

/// With contacts marked: the assign picker, the delete prompt (the count
/// typed back) and the export prompt.
#[test]
fn bulk_assign_delete_and_export_prompts() {
    let (mut h, _) = loaded();
    h.send(code(KeyCode::Esc));
    h.send(code(KeyCode::Home));
    for _ in 0..3 {
        h.send(key('v'));
    }
    h.send(key('a'));
    snap(&mut h, "bulk_assign_picker");
    h.send(code(KeyCode::Esc));
    h.send(key('D'));
    h.keys("2");
    h.send(code(KeyCode::Enter));
    snap(&mut h, "bulk_delete_prompt");
    h.send(code(KeyCode::Esc));
    h.send(key('E'));
    snap(&mut h, "export_prompt");
}

#[test]
fn messages_in_the_detail_pane() {
    let (mut h, _) = loaded();
    h.send(code(KeyCode::Enter));
    let at = h
        .state
        .detail
        .items()
        .iter()
        .position(|i| matches!(i, rolo::app::DetailItem::Message(_)))
        .expect("the rich contact has messages");
    for _ in 0..at {
        h.send(key('j'));
    }
    snap(&mut h, "detail_messages");
}

/// A long email thread: HTML bodies as text, a link, an attachment, a call
/// and an SMS between; at the newest, then scrolled to the oldest.
#[test]
fn a_long_email_thread() {
    use rolo::api::conversations::{ContactThreads, Message};
    let (mut h, f) = loaded();
    let rich = f.rich_contact().id.clone();
    let at = |m: i64| {
        rolo::api::model::format_timestamp(support::app::now() - chrono::Duration::minutes(m))
    };
    let email = |id: &str, mins: i64, inbound: bool, subject: &str, html: &str| Message {
        id: id.into(),
        message_type: Some("TYPE_EMAIL".into()),
        direction: Some(if inbound { "inbound" } else { "outbound" }.into()),
        date_added: Some(at(mins)),
        body: Some(html.into()),
        meta: Some(serde_json::json!({"email": {"subject": subject}})),
        ..Message::default()
    };
    let mut first = email(
        "m1",
        300,
        true,
        "Quote for the kitchen",
        "<html><head><style>p{color:red}</style></head><body><p>Hi,</p><p>Could you send a quote for the kitchen? The <b>measurements</b> are attached, and the photos are <a href=\"https://example.com/photos\">here</a>.</p><p>Thanks,<br>Ana</p></body></html>",
    );
    first.attachments = vec!["https://files.example.com/u/measurements.pdf?sig=1".into()];
    let messages = vec![
        Message {
            id: "m5".into(),
            message_type: Some("TYPE_SMS".into()),
            direction: Some("inbound".into()),
            date_added: Some(at(5)),
            body: Some("Got it, thanks! \u{1b}[31mred?".into()),
            ..Message::default()
        },
        Message {
            id: "m4".into(),
            message_type: Some("TYPE_CALL".into()),
            direction: Some("outbound".into()),
            date_added: Some(at(60)),
            meta: Some(serde_json::json!({"callStatus": "completed", "callDuration": 185})),
            ..Message::default()
        },
        email(
            "m3",
            120,
            false,
            "Re: Quote for the kitchen",
            "<p>Hello Ana,</p><p>Here is the quote:</p><ul><li>Cabinets: $4,500</li><li>Worktop: $1,200</li><li>Fitting: $900</li></ul><p>It holds for 30 days. Reply to this email or call 555-0100 with any question; we can start on the 14th if that suits you, and the fitting takes two days.</p><p>Best,<br>Sam &amp; the team</p>",
        ),
        email(
            "m2",
            200,
            true,
            "Re: Quote for the kitchen",
            "<div>One more thing: can the fitting be on a weekend?</div>",
        ),
        first,
    ];
    h.state.overlay = Some(Overlay::Thread(Box::new(rolo::app::ThreadView {
        contact_id: rich,
        name: "Ana Ortiz".into(),
        threads: rolo::app::Remote::Loaded(ContactThreads {
            conversations: Vec::new(),
            messages,
            more: false,
            partial: false,
        }),
        complete: true,
        scroll: 0,
        contact: None,
    })));
    snap(&mut h, "thread_email");
    // g at the oldest, at the size the terminal says it is.
    for (w, ht) in SIZES {
        h.send(rolo::app::Event::Resize {
            width: w,
            height: ht,
        });
        h.send(key('g'));
        let t = h.render(w, ht);
        assert_snapshot!(format!("thread_email_oldest_{w}x{ht}"), screen(&t));
    }
}

#[test]
fn the_inbox() {
    let (mut h, f) = loaded();
    h.send(key('I'));
    h.serve(&f);
    snap(&mut h, "inbox");
}

/// A reply being typed, then sent (not yet confirmed); and a refusal for
/// DND before anything is sent.
#[test]
fn a_reply_being_sent_and_a_dnd_refusal() {
    let (mut h, f) = loaded();
    let rich = f.rich_contact().id.clone();
    if let rolo::app::Remote::Loaded(c) = &mut h.state.detail.contact {
        c.phone = Some("+15550100".into());
        c.dnd = Some(false);
        c.extra.insert("dndSettings", serde_json::json!({}));
    }
    h.send(code(KeyCode::Enter));
    let at = h
        .state
        .detail
        .items()
        .iter()
        .position(|i| matches!(i, rolo::app::DetailItem::Message(_)))
        .unwrap();
    for _ in 0..at {
        h.send(key('j'));
    }
    h.send(code(KeyCode::Enter));
    h.serve(&f);
    h.send(key('s'));
    h.keys("On my way, 10 minutes.");
    snap(&mut h, "reply_editor");
    h.send(ctrl('s'));
    snap(&mut h, "reply_sending");
    let _ = rich;
    if let Some(Overlay::Thread(v)) = &mut h.state.overlay {
        v.contact.as_mut().unwrap().extra.insert(
            "dndSettings",
            serde_json::json!({"SMS": {"status": "active", "message": "asked us to stop"}}),
        );
    }
    h.send(key('s'));
    snap(&mut h, "reply_dnd_refused");
}

/// The search over every location: hits from three locations, this one's
/// among them, one location left out.
#[test]
fn everywhere() {
    use rolo::app::overlays::everywhere::{Elsewhere, Found};
    let (mut h, f) = loaded();
    h.send(key('/'));
    h.keys("ada");
    h.send(ctrl('o'));
    let generation = match h.effects.last() {
        Some(rolo::app::Command::Everywhere(rolo::app::overlays::everywhere::Ask::Search {
            generation,
            ..
        })) => *generation,
        other => panic!("no search asked: {other:?}"),
    };
    snap(&mut h, "everywhere_searching");
    let hit = |label: &str, loc: &str, c: &rolo::api::model::Contact| Elsewhere {
        label: label.into(),
        profile: Some(label.into()),
        location_id: loc.into(),
        contact: c.clone(),
    };
    let mut hostile = f.contacts[3].clone();
    hostile.first_name = Some("Esc\u{1b}[2J".into());
    hostile.name = None;
    h.send(rolo::app::Event::Everywhere {
        generation,
        result: Ok(Found {
            hits: vec![
                hit("bravo-roofing", "loc-bravo", &f.contacts[1]),
                hit("here", "sandbox-location", &f.contacts[2]),
                hit("loc-\u{1b}]0;x\u{7}", "loc-orphan", &hostile),
            ],
            skipped: vec!["charlie: cannot read the filter budget:>5".into()],
            searched: 3,
        }),
    });
    h.send(code(KeyCode::Down));
    snap(&mut h, "everywhere");
}
