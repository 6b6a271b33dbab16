//! The agenda view (`A`): the location's appointments, one day at a time
//! in the location's zone, from every calendar. `]`/`[` step a day, `}`/`{`
//! a week, `.` comes back to today; `s` sets the highlighted one's status,
//! `enter` opens its contact, and `M` keeps only the profile user's.

use chrono::{Duration, NaiveDate};

use crate::api::calendars::Calendar;
use crate::app::*;

#[derive(Debug, Clone, Default)]
pub struct Agenda {
    /// Days from today (in the zone): 0 is today.
    pub offset: i64,
    /// The shown day's appointments, soonest first, every calendar.
    pub events: Remote<Vec<Appointment>>,
    /// The calendars the events came from, for their names.
    pub calendars: Vec<Calendar>,
    pub selected: usize,
    /// Only the appointments of the profile's user.
    pub mine: bool,
    /// The day `events` are of (or are being loaded for).
    pub day: Option<NaiveDate>,
}

impl State {
    /// The day the agenda shows, in the zone.
    pub fn agenda_day(&self) -> NaiveDate {
        self.now.with_timezone(&self.zone).date_naive() + Duration::days(self.agenda.offset)
    }

    /// The agenda's rows: the day's appointments (the profile user's with
    /// mine on), soonest first.
    pub fn agenda_rows(&self) -> Vec<&Appointment> {
        let mine = self.me.as_deref().filter(|_| self.agenda.mine);
        self.agenda
            .events
            .loaded()
            .into_iter()
            .flatten()
            .filter(|e| mine.is_none_or(|m| e.involves(m)))
            .collect()
    }

    pub fn agenda_current(&self) -> Option<&Appointment> {
        self.agenda_rows().get(self.agenda.selected).copied()
    }

    pub(crate) fn load_agenda(&mut self, out: &mut Vec<Command>) {
        let day = self.agenda_day();
        let from = crate::due::day_start(day, &self.zone);
        let to =
            crate::due::day_start(day + Duration::days(1), &self.zone) - Duration::milliseconds(1);
        self.agenda.events = Remote::Loading;
        self.agenda.day = Some(day);
        self.request(
            out,
            ApiOp::Agenda { from, to },
            Priority::Interactive,
            Some("agenda"),
            Purpose::Agenda(day),
        );
    }

    /// Steps the agenda by `days` (0: back to today) and loads that day.
    pub(crate) fn step_agenda(&mut self, days: Option<i64>, out: &mut Vec<Command>) {
        self.agenda.offset = match days {
            Some(d) => self.agenda.offset.saturating_add(d).clamp(-3650, 3650),
            None => 0,
        };
        self.agenda.selected = 0;
        self.load_agenda(out);
    }

    /// The day the agenda shows moved on under it (midnight passed, or
    /// the zone became the location's): that day is loaded.
    pub(crate) fn agenda_follow_day(&mut self, out: &mut Vec<Command>) {
        if self.view == View::Agenda && self.agenda.day != Some(self.agenda_day()) {
            self.load_agenda(out);
        }
    }

    /// An appointment changed (its status): the agenda shows the new copy.
    pub(crate) fn agenda_replace(&mut self, a: &Appointment) {
        if let Some(evs) = self.agenda.events.loaded_mut() {
            evs.iter_mut()
                .filter(|e| e.id == a.id)
                .for_each(|e| *e = a.clone());
        }
    }
}

pub(crate) fn agenda_answer(s: &mut State, day: NaiveDate, r: Result<ApiResponse, ApiError>) {
    // An answer for a day stepped away from is old news.
    if s.agenda.day != Some(day) {
        return;
    }
    match r {
        Ok(ApiResponse::Agenda { calendars, events }) => {
            s.agenda.calendars = calendars;
            s.agenda.events = Remote::Loaded(events);
            let n = s.agenda_rows().len();
            s.agenda.selected = s.agenda.selected.min(n.saturating_sub(1));
        }
        Ok(other) => tracing::warn!(?other, "unexpected answer for the agenda"),
        Err(e) => s.agenda.events = Remote::Failed(e.to_string()),
    }
}

/// `enter` in the agenda: the appointment's contact, in the list.
pub(crate) fn jump_to_appointment_contact(s: &mut State, out: &mut Vec<Command>) {
    let Some(cid) = s.agenda_current().and_then(|a| a.contact_id.clone()) else {
        s.notice = Some("No appointment with a contact is highlighted.".into());
        return;
    };
    s.open_contact(&cid, out);
}

impl State {
    /// Shows a contact in the list with its detail pane open, from another
    /// view. Lets go of the search when it hides the contact.
    pub(crate) fn open_contact(&mut self, cid: &str, out: &mut Vec<Command>) {
        if self.contact_by_id(cid).is_none() {
            self.notice =
                Some("That contact is not loaded yet; try again when loading finishes.".into());
            return;
        }
        self.view = View::Contacts;
        let at = |s: &State| s.list.hits.iter().position(|h| s.list.id(h.index) == cid);
        if at(self).is_none() {
            self.list.query.clear();
            self.list.pinned = None;
            self.list.mine = false;
            self.refilter();
        }
        if let Some(pos) = at(self) {
            self.list.selected = pos;
            self.ensure_visible();
            self.follow_selection();
            self.focus = Focus::Detail;
            self.settle_detail(out);
        }
    }
}
