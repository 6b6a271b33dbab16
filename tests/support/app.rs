//! Driving `app::update` without a terminal or a network: fixtures from the
//! sandbox's seed, fake `ApiEvent`s, and rendering into a `TestBackend`.

use chrono::{DateTime, FixedOffset, TimeZone, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use serde_json::Value;

use rolo::api::actor::{ApiEvent, ApiOp, ApiRequest, ApiResponse, RequestId};
use rolo::api::error::ApiError;
use rolo::api::limiter::RateBudget;
use rolo::api::model::*;
use rolo::app::{Command, Event, State, update};

pub fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 24, 10, 0, 0).unwrap()
}

pub fn anchor() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 24, 0, 0, 0).unwrap()
}

pub struct Fixture {
    pub contacts: Vec<Contact>,
    pub tasks: Vec<Task>,
    pub notes: Vec<Note>,
    pub appointments: Vec<Appointment>,
    pub users: Vec<rolo::api::model::User>,
    pub custom_fields: Vec<rolo::api::model::CustomField>,
    pub pipelines: Vec<rolo::api::opportunities::Pipeline>,
    pub lost_reasons: Vec<rolo::api::opportunities::LostReason>,
    pub deals: Vec<rolo::api::opportunities::Opportunity>,
    pub calendars: Vec<rolo::api::calendars::Calendar>,
    /// Conversations, each with its messages oldest first.
    pub threads: Vec<(
        rolo::api::conversations::Conversation,
        Vec<rolo::api::conversations::Message>,
    )>,
}

fn parse<T: serde::de::DeserializeOwned>(items: Vec<serde_json::Map<String, Value>>) -> Vec<T> {
    items
        .into_iter()
        .map(|m| serde_json::from_value(Value::Object(m)).expect("seed data fits the model"))
        .collect()
}

impl Fixture {
    /// A contact that has open tasks, notes and appointments, and a plain name.
    pub fn rich_contact(&self) -> &Contact {
        self.contacts
            .iter()
            .find(|c| {
                let n = |v: usize| v >= 2;
                n(self
                    .tasks
                    .iter()
                    .filter(|t| t.contact_id.as_deref() == Some(&c.id) && !t.completed)
                    .count())
                    && n(self
                        .notes
                        .iter()
                        .filter(|t| t.contact_id.as_deref() == Some(&c.id))
                        .count())
                    && self
                        .appointments
                        .iter()
                        .any(|t| t.contact_id.as_deref() == Some(&c.id))
                    && c.display_name().is_ascii()
            })
            .expect("the seed has a contact with everything")
    }
}

pub fn fixture(count: usize) -> Fixture {
    let d = rolo::sandbox::seed::generate(count, 1, "sandbox-location", anchor());
    let user_ids: Vec<String> = d
        .users
        .iter()
        .filter_map(|u| u.get("id").and_then(Value::as_str).map(str::to_string))
        .collect();
    let mut deals = rolo::sandbox::opportunities::seed(
        "sandbox-location",
        &d.contacts.iter().collect::<Vec<_>>(),
        &user_ids,
        1,
        anchor(),
    );
    // The rich contact's deals: one open, one lost, whatever the seed drew.
    let f = Fixture {
        contacts: parse(d.contacts.clone()),
        tasks: parse(d.tasks.clone()),
        notes: parse(d.notes.clone()),
        appointments: parse(d.appointments.clone()),
        users: Vec::new(),
        custom_fields: Vec::new(),
        pipelines: Vec::new(),
        lost_reasons: Vec::new(),
        deals: Vec::new(),
        calendars: Vec::new(),
        threads: Vec::new(),
    };
    let rich = f.rich_contact().id.clone();
    deals
        .opportunities
        .retain(|o| o["contactId"] != rich.as_str());
    let stages = deals.pipelines[0]["stages"].clone();
    for (i, (status, stage, value)) in [("open", 2, 4500), ("lost", 1, 1200)]
        .into_iter()
        .enumerate()
    {
        let mut o = deals.opportunities[i].clone();
        o.insert("id".into(), format!("richDeal{i}000000000000").into());
        o.insert("contactId".into(), rich.clone().into());
        o.insert(
            "name".into(),
            format!("{} deal", ["Website redesign", "Annual plan"][i]).into(),
        );
        o.insert("status".into(), status.into());
        o.insert("pipelineId".into(), deals.pipelines[0]["id"].clone());
        o.insert("pipelineStageId".into(), stages[stage]["id"].clone());
        o.insert("monetaryValue".into(), (value as f64).into());
        o.insert(
            "lastStageChangeAt".into(),
            (anchor() - chrono::Duration::days(12)).to_rfc3339().into(),
        );
        if status == "lost" {
            o.insert("lostReasonId".into(), deals.lost_reasons[0]["id"].clone());
        } else {
            o.remove("lostReasonId");
        }
        deals.opportunities.push(o);
    }
    let threads = rolo::sandbox::conversations::seed("sandbox-location", &d.contacts, anchor());
    Fixture {
        contacts: parse(d.contacts),
        tasks: parse(d.tasks),
        notes: parse(d.notes),
        appointments: parse(d.appointments),
        users: parse(d.users),
        custom_fields: rolo::sandbox::locations::custom_field_definitions("sandbox-location")
            .into_iter()
            .map(|v| serde_json::from_value(v).expect("definitions fit the model"))
            .collect(),
        pipelines: parse(deals.pipelines),
        lost_reasons: parse(deals.lost_reasons),
        deals: parse(deals.opportunities),
        calendars: parse(rolo::sandbox::calendars::seed(
            "sandbox-location",
            &d.calendar_ids,
            &user_ids,
        )),
        threads: threads
            .into_iter()
            .map(|t| {
                (
                    serde_json::from_value(Value::Object(t.conversation)).expect("fits"),
                    parse(t.messages),
                )
            })
            .collect(),
    }
}

pub fn key(c: char) -> Event {
    Event::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
}

pub fn code(c: KeyCode) -> Event {
    Event::Key(KeyEvent::new(c, KeyModifiers::NONE))
}

pub fn ctrl(c: char) -> Event {
    Event::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL))
}

pub fn budget() -> RateBudget {
    RateBudget {
        remaining: Some(97),
        max: Some(100),
        daily_remaining: Some(199_000),
        daily_limit: Some(200_000),
    }
}

/// An app under test: its state and the requests it has sent but that
/// have not been answered yet.
pub struct Harness {
    pub state: State,
    pub outbox: Vec<ApiRequest>,
    pub quit: bool,
    pub clock: u64,
    /// Copy, open and edit commands, for the runtime to carry out.
    pub effects: Vec<Command>,
}

impl Harness {
    pub fn new() -> Self {
        let (state, commands) =
            State::new("sandbox-location", now(), FixedOffset::east_opt(0).unwrap());
        Self::with(state, commands)
    }

    fn with(state: State, commands: Vec<Command>) -> Self {
        let mut h = Harness {
            state,
            outbox: Vec::new(),
            quit: false,
            clock: 0,
            effects: Vec::new(),
        };
        h.absorb(commands);
        h
    }

    /// The app as it starts from a cache holding the fixture's contacts.
    pub fn cached(f: &Fixture, synced_at: Option<DateTime<Utc>>) -> Self {
        let (state, commands) = State::from_cache(
            "sandbox-location",
            now(),
            FixedOffset::east_opt(0).unwrap(),
            Vec::new(),
            f.contacts.len() as u64,
            synced_at,
        );
        let mut h = Self::with(state, commands);
        // The runtime's reader thread delivers the whole list.
        h.send(Event::ListLoaded(Box::new(rolo::app::prepare(
            f.contacts.clone(),
        ))));
        h
    }

    fn absorb(&mut self, commands: Vec<Command>) {
        for c in commands {
            match c {
                Command::Api(r) => self.outbox.push(r),
                Command::Quit => self.quit = true,
                other => self.effects.push(other),
            }
        }
    }

    pub fn send(&mut self, e: Event) {
        let c = update(&mut self.state, e);
        self.absorb(c);
    }

    pub fn keys(&mut self, text: &str) {
        for c in text.chars() {
            self.send(key(c));
        }
    }

    /// Lets `ms` of monotonic time pass in one tick.
    pub fn wait(&mut self, ms: u64) {
        self.clock += ms;
        self.send(Event::Tick {
            now: now(),
            elapsed_ms: self.clock,
        });
    }

    /// Takes the oldest outstanding request matching `pred`.
    pub fn take(&mut self, pred: impl Fn(&ApiOp) -> bool) -> ApiRequest {
        let i = self
            .outbox
            .iter()
            .position(|r| pred(&r.op))
            .unwrap_or_else(|| panic!("no matching request in {:#?}", self.outbox));
        self.outbox.remove(i)
    }

    /// Takes the oldest outstanding request matching `pred`, if any.
    pub fn try_take(&mut self, pred: impl Fn(&ApiOp) -> bool) -> Option<ApiRequest> {
        let i = self.outbox.iter().position(|r| pred(&r.op))?;
        Some(self.outbox.remove(i))
    }

    pub fn answer(&mut self, id: RequestId, result: Result<ApiResponse, ApiError>) {
        self.send(Event::Api(ApiEvent {
            id,
            result,
            budget: budget(),
            pending: 0,
        }));
    }

    /// The app with the list loaded and the fixture's rich contact open in
    /// the detail pane, everything answered.
    pub fn opened(f: &Fixture) -> Self {
        let mut h = Harness::new();
        // As at a start: the location's users are known (names, not ids).
        h.state.users = rolo::app::Remote::Loaded(f.users.clone());
        h.state.custom_fields = rolo::app::Remote::Loaded(f.custom_fields.clone());
        h.state.deals.pipelines = rolo::app::Remote::Loaded(f.pipelines.clone());
        h.state.deals.lost_reasons = rolo::app::Remote::Loaded(f.lost_reasons.clone());
        h.serve(f);
        h.select(&f.rich_contact().id);
        h.wait(500);
        h.serve(f);
        h
    }

    /// Answers every outstanding request from the fixture.
    pub fn serve(&mut self, f: &Fixture) {
        while !self.outbox.is_empty() {
            self.serve_one(f);
        }
    }

    /// Answers the oldest outstanding request: reads from the fixture,
    /// writes with what the server would plausibly send back.
    pub fn serve_one(&mut self, f: &Fixture) {
        if self.outbox.is_empty() {
            return;
        }
        let r = self.outbox.remove(0);
        let result = answer_for(f, &r);
        self.answer(r.id, result);
    }

    /// Moves the list cursor to the contact with this id, key by key.
    pub fn select(&mut self, id: &str) {
        let target = self
            .state
            .list
            .hits
            .iter()
            .position(|h| self.state.list.id(h.index) == id)
            .unwrap_or_else(|| panic!("contact {id} is not in the list"));
        self.send(code(KeyCode::Home));
        for _ in 0..target {
            self.send(key('j'));
        }
    }

    /// Draws the state at a size without telling the app (no resize event).
    pub fn clone_render(&self, width: u16, height: u16) -> Terminal<TestBackend> {
        let mut t = Terminal::new(TestBackend::new(width, height)).unwrap();
        t.draw(|f| rolo::ui::render(&self.state, f)).unwrap();
        t
    }

    /// Draws the state at a size (after telling the app about that size).
    pub fn render(&mut self, width: u16, height: u16) -> Terminal<TestBackend> {
        self.send(Event::Resize { width, height });
        let mut t = Terminal::new(TestBackend::new(width, height)).unwrap();
        t.draw(|f| rolo::ui::render(&self.state, f)).unwrap();
        t
    }
}

/// The fixture's answer to a request.
pub fn answer_for(f: &Fixture, r: &ApiRequest) -> Result<ApiResponse, ApiError> {
    match &r.op {
        ApiOp::SearchContacts(q) => {
            let start = (q.page.unwrap_or(1) as usize - 1) * q.page_limit as usize;
            Ok(ApiResponse::SearchPage(SearchPage {
                contacts: f
                    .contacts
                    .iter()
                    .skip(start)
                    .take(q.page_limit as usize)
                    .cloned()
                    .collect(),
                total: f.contacts.len() as u64,
                ..Default::default()
            }))
        }
        ApiOp::GetContact { id } => match f.contacts.iter().find(|c| c.id == *id) {
            Some(c) => Ok(ApiResponse::Contact(c.clone())),
            None => Err(rolo::api::ApiError::NotFound {
                what: id.clone(),
                message: "Contact not found".into(),
            }),
        },
        ApiOp::ListTasks { contact_id } => Ok(ApiResponse::Tasks(
            f.tasks
                .iter()
                .filter(|t| t.contact_id.as_deref() == Some(contact_id))
                .cloned()
                .collect(),
        )),
        ApiOp::ListNotes { contact_id } => Ok(ApiResponse::Notes(
            f.notes
                .iter()
                .filter(|t| t.contact_id.as_deref() == Some(contact_id))
                .cloned()
                .collect(),
        )),
        ApiOp::ListAppointments { contact_id } => Ok(ApiResponse::Appointments(
            f.appointments
                .iter()
                .filter(|t| t.contact_id.as_deref() == Some(contact_id))
                .cloned()
                .collect(),
        )),
        ApiOp::SearchTasks(_) => Ok(ApiResponse::Tasks(
            f.tasks.iter().filter(|t| !t.completed).cloned().collect(),
        )),
        ApiOp::LocationUsers => Ok(ApiResponse::Users(f.users.clone())),
        ApiOp::CustomFields => Ok(ApiResponse::CustomFields(f.custom_fields.clone())),
        ApiOp::Pipelines => Ok(ApiResponse::Pipelines(f.pipelines.clone())),
        ApiOp::Calendars => Ok(ApiResponse::Calendars(f.calendars.clone())),
        // Three free slots: this afternoon and tomorrow morning, Chicago.
        ApiOp::FreeSlots { .. } => Ok(ApiResponse::Slots(
            [
                "2026-11-24T15:00:00-06:00",
                "2026-11-24T16:00:00-06:00",
                "2026-11-25T09:00:00-06:00",
            ]
            .iter()
            .map(|s| chrono::DateTime::parse_from_rfc3339(s).unwrap())
            .collect(),
        )),
        ApiOp::Book {
            contact_id,
            appointment,
        } => Ok(ApiResponse::Appointment(Box::new(Appointment {
            id: format!("booked{}", r.id.0),
            calendar_id: Some(appointment.calendar_id.clone()),
            contact_id: Some(contact_id.clone()),
            start_time: Some(appointment.start_time.clone()),
            appointment_status: Some("confirmed".into()),
            title: Some("Booked".into()),
            ..Appointment::default()
        }))),
        ApiOp::LostReasons => Ok(ApiResponse::LostReasons(f.lost_reasons.clone())),
        // The search's pages, as the sandbox pages them.
        ApiOp::DealsPage(q) => {
            let matching: Vec<_> = f
                .deals
                .iter()
                .filter(|o| q.pipeline_id.is_none() || o.pipeline_id == q.pipeline_id)
                .filter(|o| q.status.is_none() || o.status() == q.status)
                .collect();
            let limit = q.limit.max(1) as usize;
            let start = (q.page.max(1) as usize - 1) * limit;
            let deals: Vec<_> = matching
                .into_iter()
                .skip(start)
                .take(limit)
                .cloned()
                .collect();
            Ok(ApiResponse::DealPage(rolo::api::opportunities::DealPage {
                sent: deals.len(),
                unreadable: 0,
                deals,
            }))
        }
        ApiOp::Agenda { from, to } => Ok(ApiResponse::Agenda {
            calendars: f.calendars.clone(),
            events: {
                let mut v: Vec<_> = f
                    .appointments
                    .iter()
                    .filter(|a| a.start().is_some_and(|s| s >= *from && s <= *to))
                    .cloned()
                    .collect();
                v.sort_by_key(|a| (a.start(), a.id.clone()));
                v
            },
        }),
        ApiOp::CreateDeal { deal, .. } => Ok(ApiResponse::Deal(Box::new(
            rolo::api::opportunities::Opportunity {
                id: format!("deal{}", r.id.0),
                name: Some(deal.name.clone()),
                pipeline_id: Some(deal.pipeline_id.clone()),
                pipeline_stage_id: deal.pipeline_stage_id.clone(),
                status: Some("open".into()),
                contact_id: Some(deal.contact_id.clone()),
                assigned_to: deal.assigned_to.clone(),
                ..Default::default()
            },
        ))),
        ApiOp::UpdateDeal { id, update, .. } => {
            let mut o = f
                .deals
                .iter()
                .find(|o| o.id == *id)
                .cloned()
                .unwrap_or_default();
            o.id = id.clone();
            if let Some(st) = &update.pipeline_stage_id {
                o.pipeline_stage_id = Some(st.clone());
            }
            if let Some(n) = &update.name {
                o.name = Some(n.clone());
            }
            if let Some(v) = update.monetary_value {
                o.monetary_value = Some(v);
            }
            Ok(ApiResponse::Deal(Box::new(o)))
        }
        ApiOp::SetAppointmentStatus {
            event_id, status, ..
        } => {
            let mut a = f
                .appointments
                .iter()
                .find(|a| a.id == *event_id)
                .cloned()
                .unwrap_or_default();
            a.appointment_status = Some(status.clone());
            Ok(ApiResponse::Appointment(Box::new(a)))
        }
        ApiOp::ContactDeals { contact_id } => Ok(ApiResponse::Deals(
            f.deals
                .iter()
                .filter(|o| o.contact_id.as_deref() == Some(contact_id))
                .cloned()
                .collect(),
        )),
        ApiOp::LocationTags => Ok(ApiResponse::LocationTags(
            ["vip", "lead", "customer", "newsletter", "follow-up"]
                .iter()
                .map(|n| LocationTag {
                    id: None,
                    name: n.to_string(),
                    location_id: None,
                    extra: Default::default(),
                })
                .collect(),
        )),
        ApiOp::CreateTask { contact_id, task } => Ok(ApiResponse::Task(Task {
            id: format!("t{}", r.id.0),
            title: Some(task.title.clone()),
            due_date: Some(task.due_date.clone()),
            contact_id: Some(contact_id.clone()),
            ..Task::default()
        })),
        ApiOp::UpdateTask { task_id, .. } | ApiOp::SetTaskCompleted { task_id, .. } => {
            Ok(ApiResponse::Task(Task {
                id: task_id.clone(),
                ..Task::default()
            }))
        }
        ApiOp::CreateNote { contact_id, note } => Ok(ApiResponse::Note(Note {
            id: format!("n{}", r.id.0),
            body: Some(note.body.clone()),
            contact_id: Some(contact_id.clone()),
            ..Note::default()
        })),
        ApiOp::UpdateNote { note_id, .. } => Ok(ApiResponse::Note(Note {
            id: note_id.clone(),
            ..Note::default()
        })),
        ApiOp::AddTags { tags, .. } | ApiOp::RemoveTags { tags, .. } => {
            Ok(ApiResponse::Tags(tags.clone()))
        }
        ApiOp::CreateContact(n) => Ok(ApiResponse::Contact(Contact {
            id: format!("c{}", r.id.0),
            first_name: n.first_name.clone(),
            ..Contact::default()
        })),
        ApiOp::UpdateContact { id, .. } => Ok(ApiResponse::Contact(Contact {
            id: id.clone(),
            ..Contact::default()
        })),
        ApiOp::DeleteContact { .. } | ApiOp::DeleteTask { .. } | ApiOp::DeleteNote { .. } => {
            Ok(ApiResponse::Deleted)
        }
        ApiOp::ContactThreads {
            contact_id, limit, ..
        } => {
            let mut out = rolo::api::conversations::ContactThreads::default();
            for (c, ms) in f
                .threads
                .iter()
                .filter(|(c, _)| c.contact_id == *contact_id)
            {
                out.conversations.push(c.clone());
                out.more |= ms.len() > *limit as usize;
                out.messages
                    .extend(ms.iter().rev().take(*limit as usize).cloned());
            }
            out.messages
                .sort_by_key(|m| std::cmp::Reverse(m.at().map(|t| t.timestamp_millis())));
            Ok(ApiResponse::Threads(Box::new(out)))
        }
        ApiOp::Conversations { unread, .. } => {
            let mut list: Vec<_> = f
                .threads
                .iter()
                .map(|(c, _)| c.clone())
                .filter(|c| !unread || c.unread_count > 0.0)
                .collect();
            list.sort_by_key(|c| std::cmp::Reverse(c.last_at()));
            Ok(ApiResponse::Conversations(list, false))
        }
        ApiOp::SendMessage { message, .. } => {
            Ok(ApiResponse::Sent(rolo::api::conversations::Sent {
                conversation_id: format!("conv-of-{}", message.contact_id),
                message_id: format!("msg{}", r.id.0),
                status: Some("delivered".into()),
            }))
        }
        ApiOp::MarkRead { .. } => Ok(ApiResponse::Done),
        other => panic!("the fixture does not answer {other:?}"),
    }
}

/// The screen as text, one line per row.
pub fn screen(t: &Terminal<TestBackend>) -> String {
    let buf = t.backend().buffer();
    let mut out = String::new();
    for y in 0..buf.area.height {
        for x in 0..buf.area.width {
            out.push_str(buf[(x, y)].symbol());
        }
        out.push('\n');
    }
    out
}
