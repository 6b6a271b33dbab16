//! `rolo agenda` and `rolo appointment status`: who is booked, day by day
//! in the location's zone, and marking how an appointment went.

use std::collections::HashMap;
use std::io::Write;

use chrono::{Duration, Utc};
use serde_json::{Value, json};

use super::verbs::{
    Failure, Lookups, Outcome, Paint, apply, print_json, resolve_contact, synced_cache,
};
use crate::api::Client;
use crate::api::model::Appointment;
use crate::text::sanitize;
use crate::zone::Zone;

/// The most contacts one agenda asks HighLevel to name (the rest show by
/// id): a cache, once synced, names them all.
const MAX_LOOKUPS: usize = 100;

pub async fn agenda(
    client: &Client,
    days: u32,
    mine: bool,
    me_email: Option<String>,
    as_json: bool,
    zone: Zone,
) -> Outcome {
    let look = Lookups::load(client, me_email, true).await;
    let me = if mine {
        Some(look.me()?.to_string())
    } else {
        None
    };
    let now = Utc::now();
    let today = now.with_timezone(&zone).date_naive();
    let from = crate::due::day_start(today, &zone);
    let to = crate::due::day_start(today + Duration::days(i64::from(days)), &zone)
        - Duration::milliseconds(1);
    let (calendars, events) = client.agenda(from, to).await?;
    let events: Vec<Appointment> = events
        .into_iter()
        .filter(|e| me.as_ref().is_none_or(|m| e.involves(m)))
        .collect();
    // Names: the cache's, else HighLevel's (for the first hundred).
    let cache = synced_cache(client);
    let mut names: HashMap<String, String> = HashMap::new();
    let mut asked = 0;
    for cid in events.iter().filter_map(|e| e.contact_id.as_deref()) {
        if names.contains_key(cid) {
            continue;
        }
        let cached = cache
            .as_ref()
            .and_then(|c| c.contact(cid).ok().flatten())
            .map(|c| c.display_name());
        let name = match cached {
            Some(n) => Some(n),
            None if asked < MAX_LOOKUPS => {
                asked += 1;
                client.get_contact(cid).await.ok().map(|c| c.display_name())
            }
            None => None,
        };
        if let Some(n) = name {
            names.insert(cid.to_string(), n);
        }
    }
    let calendar = |id: Option<&str>| {
        calendars
            .iter()
            .find(|c| Some(c.id.as_str()) == id)
            .map(|c| c.name.clone())
    };
    let user = |id: Option<&str>| {
        id.and_then(|id| look.users.iter().find(|u| u.id == id))
            .map(|u| u.display_name())
    };
    if as_json {
        let rows: Vec<Value> = events
            .iter()
            .map(|e| {
                let mut v = serde_json::to_value(e).unwrap_or(Value::Null);
                v["calendarName"] = json!(calendar(e.calendar_id.as_deref()));
                v["contactName"] = json!(e.contact_id.as_deref().and_then(|c| names.get(c)));
                v["assignedUserName"] = json!(user(e.assigned_user_id.as_deref()));
                v["overlaps"] = json!(e.overlaps(&events));
                v
            })
            .collect();
        return print_json(&Value::Array(rows));
    }
    let paint = Paint::stdout();
    let mut out = std::io::stdout().lock();
    for d in 0..i64::from(days) {
        let day = today + Duration::days(d);
        let here: Vec<&Appointment> = events
            .iter()
            .filter(|e| {
                e.start()
                    .is_some_and(|s| s.with_timezone(&zone).date_naive() == day)
            })
            .collect();
        let label = match d {
            0 => format!("Today, {}", day.format("%a %b %-d")),
            1 => format!("Tomorrow, {}", day.format("%a %b %-d")),
            _ => day.format("%a %b %-d").to_string(),
        };
        writeln!(out, "{}", paint.bold(&format!("{label} ({})", here.len())))?;
        let mut line_drawn = d != 0;
        for e in &here {
            let start = e.start().map(|s| s.with_timezone(&zone));
            // The current time, as a line among today's appointments.
            if !line_drawn && start.is_some_and(|s| s > now.with_timezone(&zone)) {
                writeln!(
                    out,
                    "  {}",
                    paint.cyan(&format!(
                        "── now {} ──",
                        now.with_timezone(&zone).format("%H:%M")
                    ))
                )?;
                line_drawn = true;
            }
            let when = match (start, e.end().map(|x| x.with_timezone(&zone))) {
                (Some(s), Some(en)) => format!("{}–{}", s.format("%H:%M"), en.format("%H:%M")),
                (Some(s), None) => s.format("%H:%M").to_string(),
                _ => "--:--".into(),
            };
            let who = e
                .contact_id
                .as_deref()
                .map(|c| names.get(c).cloned().unwrap_or_else(|| c.to_string()))
                .unwrap_or_default();
            let status = e.appointment_status.as_deref().unwrap_or("");
            let status = match status {
                "noshow" | "cancelled" => paint.red(status),
                _ => sanitize(status).into_owned(),
            };
            let flag = if e.overlaps(&events) {
                paint.red("  overlaps")
            } else {
                String::new()
            };
            writeln!(
                out,
                "  {when}  {}  {}  {}  {status}  {}{flag}  {}",
                crate::text::snippet(&who, 40),
                crate::text::snippet(&calendar(e.calendar_id.as_deref()).unwrap_or_default(), 30),
                crate::text::snippet(e.title.as_deref().unwrap_or(""), 50),
                sanitize(&user(e.assigned_user_id.as_deref()).unwrap_or_default()),
                paint.dim(&format!("[{}]", e.id))
            )?;
        }
        if !line_drawn && here.iter().all(|e| e.start().is_some_and(|s| s <= now)) && d == 0 {
            writeln!(
                out,
                "  {}",
                paint.cyan(&format!(
                    "── now {} ──",
                    now.with_timezone(&zone).format("%H:%M")
                ))
            )?;
        }
    }
    Ok(())
}

/// `rolo appointment status ID STATUS`
pub async fn set_status(client: &Client, id: &str, status: &str) -> Outcome {
    let a = client.set_appointment_status(id, status).await?;
    let shown = a.appointment_status.as_deref().unwrap_or(status);
    if shown != status {
        return Err(Failure::new(
            4,
            format!(
                "HighLevel answered with the status {:?}, not {status:?}",
                crate::text::snippet(shown, 20)
            ),
        ));
    }
    writeln!(
        std::io::stdout().lock(),
        "Appointment {} is {status}.",
        sanitize(id)
    )?;
    Ok(())
}

/// `rolo book CONTACT --calendar NAME --at WHEN`: the free slot nearest
/// to WHEN (the slot itself when it is free), booked through the outbox:
/// an attempt whose answer was lost is looked for before it is sent again.
pub async fn book(
    client: &Client,
    who: &str,
    calendar: &str,
    at: &str,
    title: Option<String>,
    zone: Zone,
) -> Outcome {
    let now = Utc::now();
    let wanted =
        crate::due::parse_due(at, now.with_timezone(&zone)).map_err(|e| Failure::new(2, e))?;
    if wanted < now - Duration::minutes(1) {
        return Err(Failure::new(
            2,
            format!("{} is in the past", crate::due::describe(wanted, &zone)),
        ));
    }
    let c = resolve_contact(client, who).await?;
    let calendars = client.calendars().await?;
    let cal =
        super::deals::pick_named(&calendars, Some(calendar), |c| c.name.as_str(), "calendars")?
            .first()
            .copied()
            .cloned()
            .ok_or_else(|| Failure::new(1, "the location has no calendars"))?;
    // A week either side of the time asked, never before now (HighLevel
    // answers at most 31 days at once).
    let from = (wanted - Duration::days(7)).max(now);
    let to = wanted + Duration::days(7);
    let slots = client.free_slots(&cal.id, from, to, zone.iana()).await?;
    let Some(slot) = slots
        .iter()
        .min_by_key(|s| ((s.with_timezone(&Utc) - wanted).num_seconds().abs(), **s))
        .copied()
    else {
        return Err(Failure::new(
            1,
            format!(
                "{} has no free slot within a week of {}",
                sanitize(&cal.name),
                crate::due::describe(wanted, &zone)
            ),
        ));
    };
    let op = crate::api::actor::ApiOp::Book {
        contact_id: c.id.clone(),
        appointment: crate::api::calendars::NewAppointment {
            calendar_id: cal.id.clone(),
            location_id: client.location_id().to_string(),
            contact_id: c.id.clone(),
            start_time: slot.to_rfc3339(),
            end_time: None,
            title,
            assigned_user_id: None,
        },
    };
    let asked = crate::due::describe(slot.with_timezone(&Utc), &zone);
    let answer = apply(client, op).await.map_err(|mut f| {
        f.message = format!("{} (the slot: {} {asked})", f.message, sanitize(&cal.name));
        f
    })?;
    let crate::api::ApiResponse::Appointment(a) = answer else {
        return Err(Failure::new(4, "unexpected answer to a booking"));
    };
    let when = crate::due::describe(slot.with_timezone(&Utc), &zone);
    let exact = slot.with_timezone(&Utc) == wanted;
    println!(
        "Booked {} on {} {when} ({}){}; appointment {}.",
        sanitize(&c.display_name()),
        sanitize(&cal.name),
        zone.name(),
        if exact {
            String::new()
        } else {
            format!(
                ", the free slot nearest to {}",
                crate::due::describe(wanted, &zone)
            )
        },
        sanitize(&a.id)
    );
    Ok(())
}
