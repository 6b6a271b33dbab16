//! The Calendars service (`apps/calendars.json`, `Version: 2021-04-15`):
//! the location's calendars, their events (the appointments the contacts
//! service lists per contact: one store), free slots that honour what is
//! booked, booking, and an appointment's status.
//!
//! One deviation from the spec file, on purpose: it types an event's
//! `startTime`, `endTime`, `dateAdded` and `dateUpdated` as objects, with
//! strings for examples (a generator's slip for "a date or a string");
//! HighLevel sends ISO strings, and so does the sandbox.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::{get, post};
use chrono::{DateTime, Datelike, Duration, TimeZone, Utc};
use serde_json::{Value, json};

use super::Shared;
use super::http::{JsonBody, outcome, with_store};
use super::seed::make_id;
use super::store::*;
use super::validate::{Field, Kind, opt, req};
use crate::api::model::{format_timestamp, parse_timestamp};

/// The `Version` the service's operations declare.
pub const VERSION: &str = "2021-04-15";

/// The statuses an appointment may be given (AppointmentEditSchema).
pub const STATUSES: &[&str] = &[
    "new",
    "confirmed",
    "cancelled",
    "showed",
    "noshow",
    "invalid",
];

/// The calendars' names and their slot length in minutes, in seed order.
const CALENDARS: &[(&str, i64)] = &[("Sales calls", 30), ("Site visits", 60), ("Onboarding", 45)];

/// The group every seeded calendar belongs to (`groupId`).
pub const GROUP_ID: &str = "sandboxGroup00000001";

/// Open hours of every seeded calendar: weekdays 9 to 17, in the
/// location's zone.
const OPEN: (u32, u32) = (9, 17);

pub(super) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/calendars/", get(calendars))
        .route("/calendars", get(calendars))
        .route("/calendars/events", get(events))
        .route("/calendars/events/appointments", post(book))
        .route(
            "/calendars/events/appointments/{event_id}",
            get(event).put(edit),
        )
        .route("/calendars/{calendar_id}/free-slots", get(free_slots))
}

const EDIT: &[Field] = &[
    opt("title", Kind::Str),
    opt("meetingLocationType", Kind::Str),
    opt("meetingLocationId", Kind::Str),
    opt("overrideLocationConfig", Kind::Bool),
    opt("appointmentStatus", Kind::Str),
    opt("assignedUserId", Kind::Str),
    opt("description", Kind::Str),
    opt("address", Kind::Str),
    opt("ignoreDateRange", Kind::Bool),
    opt("toNotify", Kind::Bool),
    opt("ignoreFreeSlotValidation", Kind::Bool),
    opt("rrule", Kind::Str),
    opt("calendarId", Kind::Str),
    opt("startTime", Kind::IsoDate),
    opt("endTime", Kind::IsoDate),
];

const CREATE: &[Field] = &[
    opt("title", Kind::Str),
    opt("meetingLocationType", Kind::Str),
    opt("meetingLocationId", Kind::Str),
    opt("overrideLocationConfig", Kind::Bool),
    opt("appointmentStatus", Kind::Str),
    opt("assignedUserId", Kind::Str),
    opt("description", Kind::Str),
    opt("address", Kind::Str),
    opt("ignoreDateRange", Kind::Bool),
    opt("toNotify", Kind::Bool),
    opt("ignoreFreeSlotValidation", Kind::Bool),
    opt("rrule", Kind::Str),
    req("calendarId", Kind::Str),
    req("locationId", Kind::Str),
    req("contactId", Kind::Str),
    req("startTime", Kind::IsoDate),
    opt("endTime", Kind::IsoDate),
];

/// The seeded calendars, one per id the appointments name.
pub fn seed(location_id: &str, ids: &[String], users: &[String]) -> Vec<Obj> {
    ids.iter()
        .zip(CALENDARS)
        .enumerate()
        .map(|(i, (id, (name, minutes)))| {
            let members: Vec<Value> = users
                .iter()
                .skip(i)
                .step_by(2)
                .take(3)
                .map(|u| json!({"userId": u, "priority": 0.5, "isPrimary": false}))
                .collect();
            object(json!({
                "id": id,
                "locationId": location_id,
                "groupId": GROUP_ID,
                "name": name,
                "description": format!("{name}, {minutes} minutes"),
                "isActive": true,
                "calendarType": "round_robin",
                "eventType": "RoundRobin_OptimizeForAvailability",
                "slotDuration": minutes,
                "slotDurationUnit": "mins",
                "slotInterval": minutes,
                "slotIntervalUnit": "mins",
                "teamMembers": members,
                "openHours": [{
                    "daysOfTheWeek": [1, 2, 3, 4, 5],
                    "hours": [{"openHour": OPEN.0, "openMinute": 0, "closeHour": OPEN.1, "closeMinute": 0}]
                }],
            }))
        })
        .collect()
}

/// Epoch milliseconds in a query, as the spec sends them (a string or a
/// number, possibly "1.7e12"-like from the SDKs' floats).
fn millis(q: &HashMap<String, String>, k: &str) -> Result<Option<DateTime<Utc>>, Reply> {
    match q.get(k).filter(|v| !v.trim().is_empty()) {
        None => Ok(None),
        Some(v) => v
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|n| n.is_finite() && n.abs() < 1e16)
            .and_then(|n| Utc.timestamp_millis_opt(n as i64).single())
            .map(Some)
            .ok_or_else(|| bad_request(format!("{k} must be a time in milliseconds"))),
    }
}

impl Store {
    pub fn calendar_list(&self) -> &[Obj] {
        &self.calendars
    }

    fn calendar(&self, id: &str) -> Option<&Obj> {
        self.calendars.iter().find(|c| text(c, "id") == id)
    }

    fn all_events(&self) -> impl Iterator<Item = &Obj> {
        self.appointments.values().flatten()
    }

    /// Every appointment of every contact, as stored (for tests that
    /// compare the whole calendar before and after).
    pub fn appointment_list(&self) -> Vec<Value> {
        let mut all: Vec<Value> = self
            .all_events()
            .map(|e| Value::Object(e.clone()))
            .collect();
        all.sort_by(|a, b| a["id"].as_str().cmp(&b["id"].as_str()));
        all
    }

    /// The event with this id, wherever (whichever contact) it is.
    pub fn event(&self, id: &str) -> Option<&Obj> {
        self.all_events().find(|e| text(e, "id") == id)
    }

    fn event_mut(&mut self, id: &str) -> Option<&mut Obj> {
        self.appointments
            .values_mut()
            .flatten()
            .find(|e| text(e, "id") == id)
    }

    /// GET /calendars/?locationId=
    pub fn calendars(&self, q: &HashMap<String, String>) -> Outcome {
        self.check_location(q.get("locationId").map(String::as_str))
            .map_err(|e| match e.status {
                422 => bad_request("locationId should not be empty"),
                _ => e,
            })?;
        ok(json!({ "calendars": self.calendars }))
    }

    /// GET /calendars/events: the events of a calendar, a user or a group
    /// (one of them is required) that start between `startTime` and
    /// `endTime` (milliseconds), soonest first.
    pub fn calendar_events(&self, q: &HashMap<String, String>) -> Outcome {
        self.check_location(q.get("locationId").map(String::as_str))
            .map_err(|e| match e.status {
                422 => bad_request("locationId should not be empty"),
                _ => e,
            })?;
        let pick = |k: &str| q.get(k).map(String::as_str).filter(|v| !v.is_empty());
        let (calendar, user, group) = (pick("calendarId"), pick("userId"), pick("groupId"));
        if calendar.is_none() && user.is_none() && group.is_none() {
            return Err(bad_request(
                "Either of calendarId, userId or groupId is required",
            ));
        }
        let (Some(start), Some(end)) = (millis(q, "startTime")?, millis(q, "endTime")?) else {
            return Err(bad_request("startTime and endTime are required"));
        };
        let mut found: Vec<&Obj> = self
            .all_events()
            .filter(|e| calendar.is_none_or(|c| text(e, "calendarId") == c))
            .filter(|e| {
                user.is_none_or(|u| {
                    text(e, "assignedUserId") == u
                        || e["users"]
                            .as_array()
                            .is_some_and(|us| us.iter().any(|x| x == u))
                })
            })
            .filter(|e| {
                group.is_none_or(|g| {
                    self.calendar(text(e, "calendarId"))
                        .is_some_and(|c| text(c, "groupId") == g)
                })
            })
            .filter(|e| {
                parse_timestamp(text(e, "startTime")).is_some_and(|t| t >= start && t <= end)
            })
            .collect();
        found.sort_by_key(|e| (text(e, "startTime").to_string(), text(e, "id").to_string()));
        let shown: Vec<Value> = found.into_iter().map(|e| self.as_event(e)).collect();
        ok(json!({ "events": shown }))
    }

    /// GET /calendars/events/appointments/{eventId}
    pub fn get_event(&self, id: &str) -> Outcome {
        match self.event(id) {
            Some(e) => ok(json!({ "event": self.as_event(e) })),
            None => Err(bad_request("Appointment not found")),
        }
    }

    /// An event as the calendar endpoints send it (`CalendarEventDTO`):
    /// with its calendar's `groupId`.
    fn as_event(&self, e: &Obj) -> Value {
        let mut e = e.clone();
        let group = self
            .calendar(text(&e, "calendarId"))
            .map(|c| text(c, "groupId").to_string())
            .unwrap_or_default();
        e.entry("groupId").or_insert_with(|| json!(group));
        Value::Object(e)
    }

    /// The appointment as POST and PUT answer it (AppointmentSchemaResponse).
    fn appointment_reply(e: &Obj) -> Value {
        let mut out = Obj::new();
        for k in [
            "id",
            "calendarId",
            "locationId",
            "contactId",
            "startTime",
            "endTime",
            "title",
            "appointmentStatus",
            "assignedUserId",
            "address",
        ] {
            if let Some(v) = e.get(k).filter(|v| v.is_string()) {
                out.insert(k.into(), v.clone());
            }
        }
        out.insert("isRecurring".into(), json!(false));
        Value::Object(out)
    }

    /// The slot length of a calendar, in minutes.
    fn slot_minutes(c: &Obj) -> i64 {
        c.get("slotDuration")
            .and_then(Value::as_i64)
            .unwrap_or(30)
            .max(5)
    }

    /// Whether `[start, end)` overlaps a live (not cancelled) event of
    /// the calendar, other than `except`.
    fn booked(
        &self,
        calendar: &str,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
        except: &str,
    ) -> bool {
        self.all_events().any(|e| {
            text(e, "calendarId") == calendar
                && text(e, "id") != except
                && !matches!(text(e, "appointmentStatus"), "cancelled" | "invalid")
                && match (
                    parse_timestamp(text(e, "startTime")),
                    parse_timestamp(text(e, "endTime")),
                ) {
                    (Some(s), Some(en)) => s < end && start < en,
                    _ => false,
                }
        })
    }

    /// GET /calendars/{calendarId}/free-slots: per day (in `timezone`, the
    /// location's by default), the starts of the calendar's open slots
    /// between `startDate` and `endDate` (at most 31 days), none in the
    /// past, none that overlap what is booked.
    pub fn free_slots(&self, calendar_id: &str, q: &HashMap<String, String>) -> Outcome {
        let c = self
            .calendar(calendar_id)
            .ok_or_else(|| bad_request("Calendar not found"))?;
        let (Some(start), Some(end)) = (millis(q, "startDate")?, millis(q, "endDate")?) else {
            return Err(bad_request("startDate and endDate are required"));
        };
        if end < start || end - start > Duration::days(31) {
            return Err(bad_request("The date range cannot be more than 31 days"));
        }
        let zone_name = q
            .get("timezone")
            .filter(|z| !z.is_empty())
            .cloned()
            .unwrap_or_else(|| super::locations::ZONE.to_string());
        let zone: chrono_tz::Tz = zone_name
            .parse()
            .map_err(|_| bad_request(format!("timezone {zone_name:?} is not a time zone")))?;
        let minutes = Self::slot_minutes(c);
        let now = Utc::now();
        let mut days = serde_json::Map::new();
        let mut day = start.with_timezone(&zone).date_naive();
        let last = end.with_timezone(&zone).date_naive();
        while day <= last {
            let weekday = day.weekday().number_from_monday();
            if weekday <= 5 {
                let mut slots = Vec::new();
                let mut t = day
                    .and_hms_opt(OPEN.0, 0, 0)
                    .and_then(|t| zone.from_local_datetime(&t).earliest());
                let close = day
                    .and_hms_opt(OPEN.1, 0, 0)
                    .and_then(|t| zone.from_local_datetime(&t).earliest());
                while let (Some(s), Some(close)) = (t, close) {
                    let e = s + Duration::minutes(minutes);
                    if e > close {
                        break;
                    }
                    let su = s.with_timezone(&Utc);
                    if su >= start
                        && su <= end
                        && su > now
                        && !self.booked(calendar_id, su, e.with_timezone(&Utc), "")
                    {
                        slots.push(json!(s.to_rfc3339()));
                    }
                    t = Some(e);
                }
                if !slots.is_empty() {
                    days.insert(
                        day.format("%Y-%m-%d").to_string(),
                        json!({ "slots": slots }),
                    );
                }
            }
            day = match day.succ_opt() {
                Some(d) => d,
                None => break,
            };
        }
        ok(Value::Object(days))
    }

    /// POST /calendars/events/appointments: books a slot of the calendar
    /// for a contact. A slot that overlaps a booking is refused unless
    /// `ignoreFreeSlotValidation`.
    pub fn book(&mut self, body: &Value) -> Outcome {
        let b = checked(body, CREATE)?.clone();
        self.check_location(b.get("locationId").and_then(Value::as_str))?;
        let calendar = text(&b, "calendarId").to_string();
        let c = self
            .calendar(&calendar)
            .ok_or_else(|| bad_request("Calendar not found"))?
            .clone();
        let contact = text(&b, "contactId").to_string();
        self.need_contact(&contact)
            .map_err(|_| bad_request("Contact not found"))?;
        if let Some(s) = b.get("appointmentStatus").and_then(Value::as_str)
            && !STATUSES.contains(&s)
        {
            return Err(unprocessable(vec![format!(
                "appointmentStatus must be one of the following values: {}",
                STATUSES.join(", ")
            )]));
        }
        self.check_user_ids(&b)?;
        let start = parse_timestamp(text(&b, "startTime"))
            .ok_or_else(|| bad_request("startTime must be a valid ISO 8601 date string"))?;
        let end = match b.get("endTime").and_then(Value::as_str) {
            Some(e) => parse_timestamp(e)
                .ok_or_else(|| bad_request("endTime must be a valid ISO 8601 date string"))?,
            None => start + Duration::minutes(Self::slot_minutes(&c)),
        };
        if end <= start {
            return Err(bad_request("endTime must be after startTime"));
        }
        let ignore = b
            .get("ignoreFreeSlotValidation")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        if !ignore && self.booked(&calendar, start, end, "") {
            return Err(bad_request(
                "The slot you have selected is no longer available.",
            ));
        }
        let now = Self::now();
        let id = make_id(&mut self.rng);
        let user = b
            .get("assignedUserId")
            .and_then(Value::as_str)
            .map(str::to_string)
            .or_else(|| c["teamMembers"][0]["userId"].as_str().map(str::to_string));
        let first = self
            .contact(&contact)
            .map(|c| text(&c, "firstName").to_string())
            .unwrap_or_default();
        let mut e = object(json!({
            "id": id,
            "calendarId": calendar,
            "locationId": self.location_id,
            "contactId": contact,
            "title": b.get("title").and_then(Value::as_str).map_or_else(
                || format!("{} with {first}", text(&c, "name")).trim().to_string(),
                str::to_string,
            ),
            "status": "booked",
            "appointmentStatus": b.get("appointmentStatus").and_then(Value::as_str).unwrap_or("confirmed"),
            "address": b.get("address").and_then(Value::as_str).unwrap_or(""),
            "notes": "",
            "startTime": format_timestamp(start),
            "endTime": format_timestamp(end),
            "dateAdded": now,
            "dateUpdated": now,
        }));
        if let Some(u) = user {
            e.insert("assignedUserId".into(), json!(u));
            e.insert("users".into(), json!([u]));
        } else {
            e.insert("users".into(), json!([]));
        }
        let reply = Self::appointment_reply(&e);
        self.appointments.entry(contact).or_default().push(e);
        ok(reply)
    }

    /// PUT /calendars/events/appointments/{eventId}: the fields given
    /// (its status, a new time that must be free, a title).
    pub fn edit_event(&mut self, id: &str, body: &Value) -> Outcome {
        let b = checked(body, EDIT)?.clone();
        let current = self
            .event(id)
            .ok_or_else(|| bad_request("Appointment not found"))?
            .clone();
        if let Some(s) = b.get("appointmentStatus").and_then(Value::as_str)
            && !STATUSES.contains(&s)
        {
            return Err(unprocessable(vec![format!(
                "appointmentStatus must be one of the following values: {}",
                STATUSES.join(", ")
            )]));
        }
        self.check_user_ids(&b)?;
        let calendar = b
            .get("calendarId")
            .and_then(Value::as_str)
            .unwrap_or(text(&current, "calendarId"))
            .to_string();
        if self.calendar(&calendar).is_none() {
            return Err(bad_request("Calendar not found"));
        }
        if b.contains_key("startTime") || b.contains_key("endTime") {
            let start = b
                .get("startTime")
                .and_then(Value::as_str)
                .or(current.get("startTime").and_then(Value::as_str))
                .and_then(parse_timestamp);
            let end = b
                .get("endTime")
                .and_then(Value::as_str)
                .or(current.get("endTime").and_then(Value::as_str))
                .and_then(parse_timestamp);
            if let (Some(s), Some(e)) = (start, end) {
                let ignore = b
                    .get("ignoreFreeSlotValidation")
                    .and_then(Value::as_bool)
                    .unwrap_or(false);
                if e <= s {
                    return Err(bad_request("endTime must be after startTime"));
                }
                if !ignore && self.booked(&calendar, s, e, id) {
                    return Err(bad_request(
                        "The slot you have selected is no longer available.",
                    ));
                }
            }
        }
        let now = Self::now();
        let e = self
            .event_mut(id)
            .ok_or_else(|| bad_request("Appointment not found"))?;
        for k in [
            "title",
            "appointmentStatus",
            "assignedUserId",
            "address",
            "calendarId",
            "startTime",
            "endTime",
            "description",
        ] {
            if let Some(v) = b.get(k) {
                let v = match (k, v.as_str().and_then(parse_timestamp)) {
                    ("startTime" | "endTime", Some(t)) => json!(format_timestamp(t)),
                    _ => v.clone(),
                };
                e.insert(k.into(), v);
            }
        }
        if let Some(u) = b.get("assignedUserId").and_then(Value::as_str) {
            e.insert("users".into(), json!([u]));
        }
        e.insert("dateUpdated".into(), json!(now));
        let reply = Self::appointment_reply(e);
        ok(reply)
    }
}

async fn calendars(
    State(s): State<Arc<Shared>>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    outcome(with_store!(s, |st| st.calendars(&q)))
}

async fn events(
    State(s): State<Arc<Shared>>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    outcome(with_store!(s, |st| st.calendar_events(&q)))
}

async fn event(State(s): State<Arc<Shared>>, Path(id): Path<String>) -> Response {
    outcome(with_store!(s, |st| st.get_event(&id)))
}

async fn edit(
    State(s): State<Arc<Shared>>,
    Path(id): Path<String>,
    JsonBody(body): JsonBody,
) -> Response {
    outcome(with_store!(s, |st| st.edit_event(&id, &body)))
}

async fn book(State(s): State<Arc<Shared>>, JsonBody(body): JsonBody) -> Response {
    outcome(with_store!(s, |st| st.book(&body)))
}

async fn free_slots(
    State(s): State<Arc<Shared>>,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    outcome(with_store!(s, |st| st.free_slots(&id, &q)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(pairs: &[(&str, String)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect()
    }

    #[test]
    fn events_free_slots_and_bookings_agree() {
        let mut st = Store::seeded("loc", 120, 4);
        let cal = st.calendar_list()[0]["id"].as_str().unwrap().to_string();
        let now = Utc::now();
        let (from, to) = (
            now.timestamp_millis(),
            (now + Duration::days(14)).timestamp_millis(),
        );
        let window = |cal: &str| {
            q(&[
                ("locationId", "loc".into()),
                ("calendarId", cal.into()),
                ("startTime", from.to_string()),
                ("endTime", to.to_string()),
            ])
        };
        let before = st.calendar_events(&window(&cal)).unwrap().body["events"]
            .as_array()
            .unwrap()
            .len();
        // One of calendarId, userId or groupId is needed.
        let bare = q(&[
            ("locationId", "loc".into()),
            ("startTime", from.to_string()),
            ("endTime", to.to_string()),
        ]);
        assert_eq!(st.calendar_events(&bare).unwrap_err().status, 400);
        let slots = st
            .free_slots(
                &cal,
                &q(&[("startDate", from.to_string()), ("endDate", to.to_string())]),
            )
            .unwrap()
            .body;
        let (day, first) = slots
            .as_object()
            .unwrap()
            .iter()
            .next()
            .map(|(d, v)| (d.clone(), v["slots"][0].as_str().unwrap().to_string()))
            .unwrap();
        assert!(first.starts_with(&day), "{day} {first}");
        let cid = st.contact_ids()[0].clone();
        let made = st
            .book(&json!({"calendarId": cal, "locationId": "loc", "contactId": cid, "startTime": first}))
            .unwrap();
        assert_eq!(made.status, 200);
        let id = made.body["id"].as_str().unwrap().to_string();
        // The slot is taken now: not offered, and not bookable twice.
        let again = st
            .book(&json!({"calendarId": cal, "locationId": "loc", "contactId": cid, "startTime": first}))
            .unwrap_err();
        assert_eq!(again.status, 400);
        let slots = st
            .free_slots(
                &cal,
                &q(&[("startDate", from.to_string()), ("endDate", to.to_string())]),
            )
            .unwrap()
            .body;
        assert!(!slots.to_string().contains(&first), "{first} still offered");
        let after = st.calendar_events(&window(&cal)).unwrap().body["events"]
            .as_array()
            .unwrap()
            .len();
        assert_eq!(after, before + 1);
        // The contact's own appointments show it too (one store).
        assert!(
            st.appointments(&cid)
                .unwrap()
                .body
                .to_string()
                .contains(&id)
        );
        // A status, checked.
        assert_eq!(
            st.edit_event(&id, &json!({"appointmentStatus": "maybe"}))
                .unwrap_err()
                .status,
            422
        );
        let r = st
            .edit_event(&id, &json!({"appointmentStatus": "noshow"}))
            .unwrap();
        assert_eq!(r.body["appointmentStatus"], "noshow");
        assert_eq!(st.event(&id).unwrap()["appointmentStatus"], "noshow");
        // A cancelled one frees its slot.
        st.edit_event(&id, &json!({"appointmentStatus": "cancelled"}))
            .unwrap();
        assert!(
            st.book(&json!({"calendarId": cal, "locationId": "loc", "contactId": cid, "startTime": first}))
                .is_ok()
        );
        assert_eq!(st.get_event("nope").unwrap_err().status, 400);
        // Over 31 days is refused.
        let long = q(&[
            ("startDate", from.to_string()),
            (
                "endDate",
                (now + Duration::days(40)).timestamp_millis().to_string(),
            ),
        ]);
        assert_eq!(st.free_slots(&cal, &long).unwrap_err().status, 400);
    }
}
