//! An appointment's status (`s` on an appointment in the detail pane):
//! confirmed, showed, no-show or cancelled (or new), picked with j/k and
//! enter, or with its digit. Shown at once, sent through the outbox, and
//! undone with `u`.

use crate::api::model::Appointment;
use crate::app::*;

/// The statuses offered, in the order a day goes.
pub const CHOICES: &[(&str, &str)] = &[
    ("confirmed", "confirmed"),
    ("showed", "showed up"),
    ("noshow", "no-show"),
    ("cancelled", "cancelled"),
    ("new", "new (unconfirmed)"),
];

#[derive(Debug, Clone)]
pub struct StatusPicker {
    pub contact_id: String,
    pub appointment: Box<Appointment>,
    pub cursor: usize,
    /// The choice already warned about (showed or no-show before the
    /// appointment has started): picked again, it is meant.
    pub warned: Option<usize>,
}

/// What a status change waits for: the appointment as it was.
#[derive(Debug, Clone)]
pub(crate) struct StatusWait {
    pub contact_id: String,
    pub before: Box<Appointment>,
}

/// `s`: the picker for the appointment under the cursor: the agenda's
/// row, or the detail pane's.
pub(crate) fn open_status(s: &mut State) {
    let (cid, current) = if s.view == View::Agenda {
        let a = s.agenda_current().cloned();
        match a.as_ref().and_then(|a| a.contact_id.clone()) {
            Some(c) => (c, a),
            None if a.is_some() => {
                s.notice = Some(
                    "That appointment names no contact, so rolo cannot file its change.".into(),
                );
                return;
            }
            None => {
                s.notice = Some("No appointment is highlighted.".into());
                return;
            }
        }
    } else {
        let Some(cid) = s.detail.contact_id.clone() else {
            return;
        };
        let a = s.detail.current_appointment(s.now).cloned();
        (cid, a)
    };
    match current {
        Some(a) if crate::app::is_stand_in(&a.id) => {
            s.notice = Some("That appointment is still being booked.".into());
        }
        Some(a) => {
            let cursor = CHOICES
                .iter()
                .position(|(k, _)| Some(*k) == a.appointment_status.as_deref())
                .unwrap_or(0);
            s.overlay = Some(Overlay::Status(Box::new(StatusPicker {
                contact_id: cid,
                appointment: Box::new(a),
                cursor,
                warned: None,
            })));
        }
        None => {
            s.notice =
                Some("Move to an appointment (below the notes), then s sets its status.".into());
        }
    }
}

impl State {
    /// Shows `status` on the appointment at once, and sends it.
    pub(crate) fn set_appointment_status(
        &mut self,
        contact_id: &str,
        before: &Appointment,
        status: &str,
        record: bool,
        out: &mut Vec<Command>,
    ) {
        if self.detail.contact_id.as_deref() == Some(contact_id)
            && let Some(all) = self.detail.appointments.loaded_mut()
        {
            all.iter_mut()
                .filter(|a| a.id == before.id)
                .for_each(|a| a.appointment_status = Some(status.to_string()));
        }
        let mut shown = before.clone();
        shown.appointment_status = Some(status.to_string());
        self.agenda_replace(&shown);
        if record {
            self.undo.push(Undo::AppointmentStatus {
                contact_id: contact_id.to_string(),
                appointment: Box::new(before.clone()),
            });
        }
        self.request(
            out,
            ApiOp::SetAppointmentStatus {
                contact_id: contact_id.to_string(),
                event_id: before.id.clone(),
                status: status.to_string(),
            },
            Priority::Interactive,
            None,
            Purpose::Status(StatusWait {
                contact_id: contact_id.to_string(),
                before: Box::new(before.clone()),
            }),
        );
    }
}

pub(crate) fn status_answer(s: &mut State, w: StatusWait, r: Result<ApiResponse, ApiError>) {
    if let Err(e) = r {
        if s.detail.contact_id.as_deref() == Some(w.contact_id.as_str())
            && let Some(all) = s.detail.appointments.loaded_mut()
        {
            all.iter_mut()
                .filter(|a| a.id == w.before.id)
                .for_each(|a| a.appointment_status = w.before.appointment_status.clone());
        }
        s.agenda_replace(&w.before);
        let id = w.before.id.clone();
        s.undo.retain(
            |u| !matches!(u, Undo::AppointmentStatus { appointment, .. } if appointment.id == id),
        );
        s.set_error("Could not set the appointment's status (put back)", &e);
    }
}

pub(crate) fn status_key(
    s: &mut State,
    mut p: Box<StatusPicker>,
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
        return Some(Overlay::Status(p));
    }
    let pick = match k.code {
        KeyCode::Esc | KeyCode::Char('q') => return None,
        KeyCode::Down | KeyCode::Char('j') => {
            p.cursor = (p.cursor + 1).min(CHOICES.len() - 1);
            None
        }
        KeyCode::Up | KeyCode::Char('k') => {
            p.cursor = p.cursor.saturating_sub(1);
            None
        }
        KeyCode::Enter => Some(p.cursor),
        KeyCode::Char(c @ '1'..='5') => Some(usize::from(c as u8 - b'1')),
        _ => None,
    };
    let Some(i) = pick else {
        return Some(Overlay::Status(p));
    };
    let i = i.min(CHOICES.len() - 1);
    let (status, label) = CHOICES[i];
    if p.appointment.appointment_status.as_deref() == Some(status) {
        s.notice = Some(format!("It is {label} already."));
        return None;
    }
    // Showed or no-show for what has not begun: a slip of the finger, most
    // likely. Picked again, it is meant.
    if matches!(status, "showed" | "noshow")
        && p.appointment.start().is_some_and(|t| t > s.now)
        && p.warned != Some(i)
    {
        p.warned = Some(i);
        p.cursor = i;
        s.notice = Some(format!(
            "It has not started yet ({}): pick {label} again to mark it anyway.",
            p.appointment
                .start()
                .map(|t| crate::due::describe(t, &s.zone))
                .unwrap_or_default()
        ));
        return Some(Overlay::Status(p));
    }
    if s.read_only {
        s.error = Some(read_only_message(&s.profile));
        return None;
    }
    s.notice = Some(format!("Marked {label}."));
    let cid = p.contact_id.clone();
    s.set_appointment_status(&cid, &p.appointment, status, true, out);
    None
}
