//! Booking (`b`): pick a calendar, then one of its free slots over the
//! next week (in the location's zone), or type a time ("fri 10am") to jump
//! to the nearest free one; enter books it for the contact in view. The
//! booking shows at once as "saving…" and goes through the outbox, which
//! never makes it twice.

use chrono::{DateTime, Duration, FixedOffset, Utc};

use crate::api::calendars::{Calendar, NewAppointment};
use crate::api::model::Appointment;
use crate::app::*;

/// How far ahead the slot picker looks.
pub const SLOT_DAYS: i64 = 7;

#[derive(Debug, Clone, PartialEq)]
pub enum BookingStep {
    /// The index of the highlighted calendar.
    Calendar(usize),
    /// The calendar chosen; its slots once they are in.
    Slots {
        calendar: Box<Calendar>,
        slots: Remote<Vec<DateTime<FixedOffset>>>,
        cursor: usize,
        /// A time being typed, to jump to the nearest slot.
        typed: String,
    },
}

#[derive(Debug, Clone)]
pub struct BookingPanel {
    pub contact_id: String,
    pub contact_name: String,
    pub step: BookingStep,
}

/// What a booking waits for: the stand-in shown meanwhile.
#[derive(Debug, Clone)]
pub(crate) struct BookWait {
    pub contact_id: String,
    pub temp_id: String,
}

/// What the booking panel's requests wait for.
#[derive(Debug, Clone)]
pub(crate) enum BookingWait {
    Calendars,
    Slots { calendar_id: String },
    Book(BookWait),
}

/// `b`: the panel for the contact in view.
pub(crate) fn open_booking(s: &mut State, out: &mut Vec<Command>) {
    let Some(cid) = s.target_contact() else {
        return;
    };
    if is_stand_in(&cid) {
        s.notice = Some("The contact is still being created; book once it is saved.".into());
        return;
    }
    if s.read_only {
        s.error = Some(read_only_message(&s.profile));
        return;
    }
    if s.calendars.loaded().is_none() {
        s.request(
            out,
            ApiOp::Calendars,
            Priority::Interactive,
            Some("calendars"),
            Purpose::Booking(BookingWait::Calendars),
        );
    }
    let name = s
        .contact_by_id(&cid)
        .map(|c| c.display_name())
        .unwrap_or_default();
    s.overlay = Some(Overlay::Booking(Box::new(BookingPanel {
        contact_id: cid,
        contact_name: name,
        step: BookingStep::Calendar(0),
    })));
}

/// The slot nearest to `want` (ties: the earlier).
pub fn nearest(slots: &[DateTime<FixedOffset>], want: DateTime<Utc>) -> Option<usize> {
    slots
        .iter()
        .enumerate()
        .min_by_key(|(_, s)| ((s.with_timezone(&Utc) - want).num_seconds().abs(), **s))
        .map(|(i, _)| i)
}

pub(crate) fn booking_answer(s: &mut State, w: BookingWait, r: Result<ApiResponse, ApiError>) {
    match (w, r) {
        (BookingWait::Calendars, Ok(ApiResponse::Calendars(c))) => {
            s.calendars = Remote::Loaded(c);
        }
        (BookingWait::Calendars, Err(e)) => {
            if s.calendars.loaded().is_none() {
                s.calendars = Remote::Failed(e.to_string());
            }
        }
        (BookingWait::Slots { calendar_id }, r) => {
            if let Some(Overlay::Booking(p)) = &mut s.overlay
                && let BookingStep::Slots {
                    calendar, slots, ..
                } = &mut p.step
                && calendar.id == calendar_id
            {
                *slots = match r {
                    Ok(ApiResponse::Slots(v)) => Remote::Loaded(v),
                    Ok(other) => Remote::Failed(format!("unexpected answer {other:?}")),
                    Err(e) => Remote::Failed(e.to_string()),
                };
            }
        }
        (BookingWait::Book(w), Ok(ApiResponse::Appointment(a))) => {
            if s.detail.contact_id.as_deref() == Some(w.contact_id.as_str())
                && let Some(all) = s.detail.appointments.loaded_mut()
            {
                all.iter_mut()
                    .filter(|x| x.id == w.temp_id)
                    .for_each(|x| *x = (*a).clone());
            }
        }
        (BookingWait::Book(w), Err(e)) => {
            if let Some(all) = s.detail.appointments.loaded_mut() {
                all.retain(|x| x.id != w.temp_id);
            }
            s.set_error("Could not book (taken off)", &e);
        }
        (w, r) => tracing::warn!(?w, ?r, "unexpected answer"),
    }
}

impl State {
    fn book_slot(
        &mut self,
        contact_id: &str,
        calendar: &Calendar,
        slot: DateTime<FixedOffset>,
        out: &mut Vec<Command>,
    ) {
        let temp = self.temp_id();
        let start = slot.with_timezone(&Utc);
        let stand_in = Appointment {
            id: temp.clone(),
            calendar_id: Some(calendar.id.clone()),
            title: Some(calendar.name.clone()),
            contact_id: Some(contact_id.to_string()),
            appointment_status: Some("confirmed".into()),
            start_time: Some(crate::api::model::format_timestamp(start)),
            ..Appointment::default()
        };
        if self.detail.contact_id.as_deref() == Some(contact_id)
            && let Some(all) = self.detail.appointments.loaded_mut()
        {
            all.push(stand_in);
        }
        self.undo.push(Undo::Final(
            "a booking (s on it, then 4, cancels it)".into(),
        ));
        self.notice = Some(format!(
            "Booking {} {}.",
            crate::text::sanitize(&calendar.name),
            start.with_timezone(&self.zone).format("%a %b %-d %H:%M")
        ));
        self.request(
            out,
            ApiOp::Book {
                contact_id: contact_id.to_string(),
                appointment: NewAppointment {
                    calendar_id: calendar.id.clone(),
                    location_id: self.location.clone(),
                    contact_id: contact_id.to_string(),
                    start_time: slot.to_rfc3339(),
                    end_time: None,
                    title: None,
                    assigned_user_id: None,
                },
            },
            Priority::Interactive,
            None,
            Purpose::Booking(BookingWait::Book(BookWait {
                contact_id: contact_id.to_string(),
                temp_id: temp,
            })),
        );
    }
}

pub(crate) fn booking_key(
    s: &mut State,
    mut p: Box<BookingPanel>,
    k: KeyEvent,
    out: &mut Vec<Command>,
) -> Option<Overlay> {
    // A key with ctrl or alt is no command here (ctrl-l still clears the
    // error it offers to dismiss).
    if k.modifiers
        .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT)
    {
        if k.code == KeyCode::Char('l') {
            s.error = None;
        }
        return Some(Overlay::Booking(p));
    }
    let step = std::mem::replace(&mut p.step, BookingStep::Calendar(0));
    p.step = match (step, k.code) {
        (BookingStep::Calendar(_), KeyCode::Esc | KeyCode::Char('q')) => return None,
        (BookingStep::Calendar(i), KeyCode::Down | KeyCode::Char('j')) => {
            let n = s.calendars.loaded().map_or(0, Vec::len);
            BookingStep::Calendar((i + 1).min(n.saturating_sub(1)))
        }
        (BookingStep::Calendar(i), KeyCode::Up | KeyCode::Char('k')) => {
            BookingStep::Calendar(i.saturating_sub(1))
        }
        (BookingStep::Calendar(i), KeyCode::Enter) => {
            match s.calendars.loaded().and_then(|c| c.get(i)).cloned() {
                Some(cal) => {
                    let from = s.now;
                    let to = s.now + Duration::days(SLOT_DAYS);
                    s.request(
                        out,
                        ApiOp::FreeSlots {
                            calendar_id: cal.id.clone(),
                            from,
                            to,
                            zone: s.zone.iana().map(str::to_string),
                        },
                        Priority::Interactive,
                        Some("free-slots"),
                        Purpose::Booking(BookingWait::Slots {
                            calendar_id: cal.id.clone(),
                        }),
                    );
                    BookingStep::Slots {
                        calendar: Box::new(cal),
                        slots: Remote::Loading,
                        cursor: 0,
                        typed: String::new(),
                    }
                }
                None => BookingStep::Calendar(i),
            }
        }
        (step @ BookingStep::Calendar(_), _) => step,

        (BookingStep::Slots { typed, .. }, KeyCode::Esc) if typed.is_empty() => {
            BookingStep::Calendar(0)
        }
        (
            BookingStep::Slots {
                calendar,
                slots,
                cursor,
                typed,
            },
            code,
        ) => {
            let n = slots.loaded().map_or(0, Vec::len);
            let (mut cursor, mut typed) = (cursor, typed);
            match code {
                KeyCode::Esc => typed.clear(),
                KeyCode::Down if typed.is_empty() => cursor = (cursor + 1).min(n.saturating_sub(1)),
                KeyCode::Up if typed.is_empty() => cursor = cursor.saturating_sub(1),
                KeyCode::Char('j') if typed.is_empty() => {
                    cursor = (cursor + 1).min(n.saturating_sub(1))
                }
                KeyCode::Char('k') if typed.is_empty() => cursor = cursor.saturating_sub(1),
                KeyCode::Backspace => {
                    typed.pop();
                }
                KeyCode::Char(c) if !c.is_control() && typed.chars().count() < 40 => typed.push(c),
                KeyCode::Enter if !typed.is_empty() => {
                    match crate::due::parse_due(&typed, s.now.with_timezone(&s.zone)) {
                        Ok(want) => match slots.loaded().and_then(|v| nearest(v, want)) {
                            Some(i) => {
                                cursor = i;
                                typed.clear();
                                s.notice = Some("The nearest free slot: enter books it.".into());
                            }
                            None => s.notice = Some("No free slot to jump to.".into()),
                        },
                        Err(e) => s.notice = Some(e),
                    }
                }
                KeyCode::Enter => {
                    if let Some(slot) = slots.loaded().and_then(|v| v.get(cursor)).copied() {
                        let cid = p.contact_id.clone();
                        s.book_slot(&cid, &calendar, slot, out);
                        return None;
                    }
                }
                _ => {}
            }
            BookingStep::Slots {
                calendar,
                slots,
                cursor,
                typed,
            }
        }
    };
    Some(Overlay::Booking(p))
}
