//! The Calendars service (`apps/calendars.json`, `Version: 2021-04-15`):
//! the location's calendars, their events over a time range (the spec
//! asks for one calendar, user or group per call: the agenda asks per
//! calendar and merges), free slots, booking and an appointment's status.

use chrono::{DateTime, FixedOffset, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::client::{Client, endpoint};
use super::error::ApiError;
use super::model::{Appointment, Extra};

/// The `Version` every Calendars operation declares.
pub const VERSION: &str = "2021-04-15";

endpoint!(
    CALENDARS,
    "get-calendars",
    GET,
    "calendars.readonly",
    Idempotent,
    VERSION
);
endpoint!(
    EVENTS,
    "get-calendar-events",
    GET,
    "calendars/events.readonly",
    Idempotent,
    VERSION
);
endpoint!(
    FREE_SLOTS,
    "get-slots",
    GET,
    "calendars.readonly",
    Idempotent,
    VERSION
);
endpoint!(
    BOOK,
    "create-appointment",
    POST,
    "calendars/events.write",
    OnlyIfUnprocessed,
    VERSION
);
endpoint!(
    EDIT,
    "edit-appointment",
    PUT,
    "calendars/events.write",
    Idempotent,
    VERSION
);

/// What an appointment's status may be set to (AppointmentEditSchema).
pub const STATUSES: &[&str] = &[
    "new",
    "confirmed",
    "cancelled",
    "showed",
    "noshow",
    "invalid",
];

/// A calendar of the location (`CalendarDTO`; only what rolo shows is
/// modelled, the rest is kept).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Calendar {
    #[serde(default)]
    pub id: String,
    #[serde(default)]
    pub name: String,
    #[serde(flatten)]
    pub extra: Extra,
}

/// The body of POST /calendars/events/appointments (the fields of
/// `AppointmentCreateSchema` rolo sends).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NewAppointment {
    pub calendar_id: String,
    pub location_id: String,
    pub contact_id: String,
    pub start_time: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_time: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assigned_user_id: Option<String>,
}

impl Client {
    /// GET /calendars/?locationId=
    pub async fn calendars(&self) -> Result<Vec<Calendar>, ApiError> {
        let all: Vec<Calendar> = self
            .location_list(&CALENDARS, &["calendars", ""], "calendars", &[])
            .await?;
        Ok(all.into_iter().filter(|c| !c.id.is_empty()).collect())
    }

    /// GET /calendars/events for one calendar, from `from` to `to`.
    pub async fn calendar_events(
        &self,
        calendar_id: &str,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<Appointment>, ApiError> {
        #[derive(Deserialize)]
        struct Resp {
            #[serde(default)]
            events: Vec<Value>,
        }
        let r: Resp = self
            .call(
                &EVENTS,
                self.url(&["calendars", "events"]),
                &[
                    self.location_query(),
                    ("calendarId", calendar_id.to_string()),
                    ("startTime", from.timestamp_millis().to_string()),
                    ("endTime", to.timestamp_millis().to_string()),
                ],
                None,
                &|| format!("the events of calendar {calendar_id}"),
            )
            .await?;
        Ok(r.events
            .into_iter()
            .filter_map(|v| serde_json::from_value::<Appointment>(v).ok())
            .filter(|a| !a.id.is_empty())
            .collect())
    }

    /// Every calendar's events from `from` to `to`, merged (an event two
    /// calendars both return counts once), soonest first.
    pub async fn agenda(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<(Vec<Calendar>, Vec<Appointment>), ApiError> {
        let calendars = self.calendars().await?;
        let mut seen = std::collections::HashSet::new();
        let mut all = Vec::new();
        for c in &calendars {
            for e in self.calendar_events(&c.id, from, to).await? {
                if seen.insert(e.id.clone()) {
                    all.push(e);
                }
            }
        }
        all.sort_by(|a, b| a.start().cmp(&b.start()).then_with(|| a.id.cmp(&b.id)));
        Ok((calendars, all))
    }

    /// GET /calendars/{calendarId}/free-slots: the open slots' starts from
    /// `from` to `to` (at most 31 days), as the server gives them (in
    /// `zone`, an IANA name).
    pub async fn free_slots(
        &self,
        calendar_id: &str,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        zone: Option<&str>,
    ) -> Result<Vec<DateTime<FixedOffset>>, ApiError> {
        let mut query = vec![
            ("startDate", from.timestamp_millis().to_string()),
            ("endDate", to.timestamp_millis().to_string()),
        ];
        if let Some(z) = zone {
            query.push(("timezone", z.to_string()));
        }
        let r: serde_json::Map<String, Value> = self
            .call(
                &FREE_SLOTS,
                self.url(&["calendars", calendar_id, "free-slots"]),
                &query,
                None,
                &|| format!("the free slots of calendar {calendar_id}"),
            )
            .await?;
        // `{"2024-10-28": {"slots": [...]}, ...}`; other keys (`traceId`)
        // and what is not a time are passed over.
        let mut slots: Vec<DateTime<FixedOffset>> = r
            .values()
            .filter_map(|d| d.get("slots")?.as_array())
            .flatten()
            .filter_map(|s| DateTime::parse_from_rfc3339(s.as_str()?).ok())
            .collect();
        slots.sort();
        slots.dedup();
        Ok(slots)
    }

    /// POST /calendars/events/appointments
    pub async fn book(&self, new: &NewAppointment) -> Result<Appointment, ApiError> {
        let body =
            serde_json::to_value(new).map_err(|e| ApiError::InvalidRequest(e.to_string()))?;
        self.call(
            &BOOK,
            self.url(&["calendars", "events", "appointments"]),
            &[],
            Some(body),
            &|| format!("a booking for contact {}", new.contact_id),
        )
        .await
    }

    /// PUT /calendars/events/appointments/{eventId} with a new
    /// `appointmentStatus`.
    pub async fn set_appointment_status(
        &self,
        event_id: &str,
        status: &str,
    ) -> Result<Appointment, ApiError> {
        if !STATUSES.contains(&status) {
            return Err(ApiError::InvalidRequest(format!(
                "{:?} is not an appointment status ({})",
                crate::text::snippet(status, 20),
                STATUSES.join(", ")
            )));
        }
        self.call(
            &EDIT,
            self.url(&["calendars", "events", "appointments", event_id]),
            &[],
            Some(serde_json::json!({ "appointmentStatus": status })),
            &|| format!("appointment {event_id}"),
        )
        .await
    }
}
