//! Due dates as people type them, and as they want to read them.
//!
//! Accepted: `today`, `tomorrow`, `tod`/`tom`, weekday names (`fri`,
//! `monday`: the next such day, never today), `+3d` `+2h` `+90m` `+1w`,
//! `2026-12-01`, `12-01`; each optionally followed by a time: `17:00`,
//! `9am`, `9:30pm`, `noon`. A day without a time means 09:00, or for today
//! the next of 09:00, 17:00 and 23:59 still ahead.

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, TimeZone, Utc, Weekday};

fn weekday(word: &str) -> Option<Weekday> {
    Some(match word {
        "mon" | "monday" => Weekday::Mon,
        "tue" | "tues" | "tuesday" => Weekday::Tue,
        "wed" | "wednesday" => Weekday::Wed,
        "thu" | "thur" | "thurs" | "thursday" => Weekday::Thu,
        "fri" | "friday" => Weekday::Fri,
        "sat" | "saturday" => Weekday::Sat,
        "sun" | "sunday" => Weekday::Sun,
        _ => return None,
    })
}

fn parse_time(s: &str) -> Option<NaiveTime> {
    let s = s.trim().to_lowercase();
    match s.as_str() {
        "noon" => return NaiveTime::from_hms_opt(12, 0, 0),
        "midnight" => return NaiveTime::from_hms_opt(23, 59, 0),
        "eod" => return NaiveTime::from_hms_opt(17, 0, 0),
        _ => {}
    }
    let (body, pm) = if let Some(b) = s.strip_suffix("pm") {
        (b, Some(true))
    } else if let Some(b) = s.strip_suffix("am") {
        (b, Some(false))
    } else {
        (s.as_str(), None)
    };
    let (h, m) = match body.split_once(':') {
        Some((h, m)) => (h.parse::<u32>().ok()?, m.parse::<u32>().ok()?),
        None if pm.is_some() => (body.parse::<u32>().ok()?, 0),
        None => return None,
    };
    let h = match pm {
        Some(true) if (1..12).contains(&h) => h + 12,
        Some(false) if h == 12 => 0,
        Some(_) if !(1..=12).contains(&h) => return None,
        _ => h,
    };
    NaiveTime::from_hms_opt(h, m, 0)
}

fn next_day(d: NaiveDate) -> Result<NaiveDate, String> {
    d.succ_opt()
        .ok_or_else(|| "that date is past the end of the calendar".to_string())
}

/// Resolves `input` against `now` (in the user's offset) to an instant.
pub fn parse_due<Tz: TimeZone>(input: &str, now: DateTime<Tz>) -> Result<DateTime<Utc>, String> {
    let input = input.trim();
    if input.is_empty() {
        return Err(
            "type a due date: today 17:00, tomorrow, fri 9am, +3d, 2026-12-01 14:30".into(),
        );
    }
    let tz = now.timezone();
    let lower = input.to_lowercase();
    if let Some(rest) = lower.strip_prefix('+') {
        let (num, unit) = rest.split_at(
            rest.find(|c: char| !c.is_ascii_digit())
                .unwrap_or(rest.len()),
        );
        let n: i64 = num
            .parse()
            .map_err(|_| format!("{input:?}: expected a number after +"))?;
        let too_far = || format!("{input:?}: too far away (dates run to the year 9999)");
        let d = match unit.trim() {
            "m" | "min" | "mins" => Duration::try_minutes(n),
            "h" | "hr" | "hrs" | "hours" => Duration::try_hours(n),
            "d" | "day" | "days" | "" => Duration::try_days(n),
            "w" | "wk" | "weeks" => Duration::try_weeks(n),
            u => return Err(format!("{input:?}: unknown unit {u:?} (use m, h, d or w)")),
        }
        .ok_or_else(too_far)?;
        return now
            .checked_add_signed(d)
            .map(|t| t.with_timezone(&Utc))
            .filter(|t| t.year() <= 9999)
            .ok_or_else(too_far);
    }
    let mut words: Vec<&str> = lower.split_whitespace().collect();
    // "fri 9am", "2026-12-01 14:30", "tomorrow at 5pm"
    words.retain(|w| *w != "at");
    let (day_word, time_word) = match words.as_slice() {
        [d] => (*d, None),
        [d, t] => (*d, Some(*t)),
        _ => return Err(format!("{input:?}: expected a day and an optional time")),
    };
    let today = now.date_naive();
    let (date, time_given) = match day_word {
        "today" | "tod" => (today, None),
        "tomorrow" | "tom" | "tmr" => (next_day(today)?, None),
        w if let Some(target) = weekday(w) => {
            // Today's own name with a time still ahead today is today
            // ("tue 4:30pm" on a Tuesday morning); otherwise the next one.
            let later_today = target == today.weekday()
                && time_word.and_then(parse_time).is_some_and(|t| {
                    tz.from_local_datetime(&today.and_time(t))
                        .single()
                        .is_some_and(|at| at > now)
                });
            if later_today {
                (today, None)
            } else {
                let mut d = next_day(today)?;
                while d.weekday() != target {
                    d = next_day(d)?;
                }
                (d, None)
            }
        }
        w => {
            if let Ok(d) = NaiveDate::parse_from_str(w, "%Y-%m-%d") {
                (d, None)
            } else if let Some(d) =
                NaiveDate::parse_from_str(&format!("{}-{w}", today.year()), "%Y-%m-%d")
                    .ok()
                    .map(|d| {
                        if d < today {
                            d.with_year(d.year() + 1).unwrap_or(d)
                        } else {
                            d
                        }
                    })
            {
                (d, None)
            } else if let Some(t) = parse_time(w) {
                // A bare time: today if still ahead, else tomorrow.
                let at = tz.from_local_datetime(&today.and_time(t)).single();
                match at {
                    Some(at) if at > now => (today, Some(t)),
                    _ => (next_day(today)?, Some(t)),
                }
            } else {
                return Err(format!(
                    "{input:?}: not a date (try today 17:00, tomorrow, fri 9am, +3d, 2026-12-01 14:30)"
                ));
            }
        }
    };
    let time = match (time_given, time_word) {
        (Some(t), None) => t,
        (_, Some(t)) => {
            parse_time(t).ok_or_else(|| format!("{t:?}: not a time (try 17:00 or 9am)"))?
        }
        (None, None) if date == today => [(9, 0), (17, 0), (23, 59)]
            .iter()
            .filter_map(|(h, m)| NaiveTime::from_hms_opt(*h, *m, 0))
            .find(|t| {
                tz.from_local_datetime(&today.and_time(*t))
                    .single()
                    .is_some_and(|at| at > now)
            })
            .unwrap_or(NaiveTime::from_hms_opt(23, 59, 0).unwrap_or_default()),
        (None, None) => NaiveTime::from_hms_opt(9, 0, 0).unwrap_or_default(),
    };
    tz.from_local_datetime(&date.and_time(time))
        .single()
        .map(|t| t.with_timezone(&Utc))
        .ok_or_else(|| format!("{input:?}: that time does not exist here"))
        .and_then(|t| {
            (1000..=9999)
                .contains(&t.year())
                .then_some(t)
                .ok_or_else(|| format!("{input:?}: the year must be 1000 to 9999"))
        })
}

/// The first instant of `day` in `zone` (midnight, or the first time
/// that exists where a clock change skips it).
pub fn day_start(day: chrono::NaiveDate, zone: &crate::zone::Zone) -> DateTime<Utc> {
    let midnight = day.and_hms_opt(0, 0, 0).unwrap_or_default();
    (0..=3)
        .find_map(|h| {
            (midnight + chrono::Duration::hours(h))
                .and_local_timezone(*zone)
                .earliest()
        })
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(|| midnight.and_utc())
}

/// "in 2h", "3d overdue", "due now": how a task's due date reads at a glance.
/// The tasks due by the end of today in `zone` (overdue ones included),
/// soonest first: what the Today view and `rolo today` list.
pub fn due_by_end_of_today<'a>(
    tasks: impl IntoIterator<Item = &'a crate::api::model::Task>,
    now: DateTime<Utc>,
    zone: crate::zone::Zone,
) -> Vec<&'a crate::api::model::Task> {
    let end = now
        .with_timezone(&zone)
        .date_naive()
        .and_hms_opt(23, 59, 59)
        .and_then(|t| t.and_local_timezone(zone).single())
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or(now);
    let mut due: Vec<_> = tasks
        .into_iter()
        .filter(|t| t.due().is_some_and(|d| d <= end))
        .collect();
    due.sort_by_key(|t| (t.due(), t.id.clone()));
    due
}

pub fn relative(due: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let d = due - now;
    let mins = d.num_minutes();
    let span = |m: i64| -> String {
        let m = m.abs();
        if m < 60 {
            format!("{m}m")
        } else if m < 60 * 24 {
            format!("{}h", m / 60)
        } else {
            format!("{}d", m / (60 * 24))
        }
    };
    if mins.abs() < 1 {
        "due now".into()
    } else if mins > 0 {
        format!("in {}", span(mins))
    } else {
        format!("{} overdue", span(mins))
    }
}

/// A full, unambiguous rendering for the echo under the due-date field.
pub fn describe<Tz: TimeZone>(t: DateTime<Utc>, zone: &Tz) -> String
where
    Tz::Offset: std::fmt::Display,
{
    t.with_timezone(zone)
        .format("%a %Y-%m-%d %H:%M")
        .to_string()
}

#[cfg(test)]
mod tests {

    /// "today 17:00" typed on a UTC machine for a location in Chicago:
    /// 23:00 UTC in winter, 22:00 UTC in summer.
    #[test]
    fn today_at_five_in_chicago_from_a_utc_machine() {
        let chicago = crate::zone::Zone::parse("America/Chicago").unwrap();
        for (now, expected) in [
            ("2026-12-01T15:00:00Z", "2026-12-01T23:00:00Z"),
            ("2026-07-01T15:00:00Z", "2026-07-01T22:00:00Z"),
        ] {
            let now = DateTime::parse_from_rfc3339(now)
                .unwrap()
                .with_timezone(&chicago);
            let due = parse_due("today 17:00", now).unwrap();
            assert_eq!(
                due.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                expected
            );
        }
    }

    use super::*;
    use chrono::FixedOffset;

    /// Tuesday 2026-11-24 10:00 at UTC-6.
    fn now() -> DateTime<FixedOffset> {
        let tz = FixedOffset::west_opt(6 * 3600).unwrap();
        tz.with_ymd_and_hms(2026, 11, 24, 10, 0, 0).unwrap()
    }

    fn at(input: &str) -> String {
        describe(parse_due(input, now()).unwrap(), &now().timezone())
    }

    #[test]
    fn natural_inputs() {
        assert_eq!(at("today 17:00"), "Tue 2026-11-24 17:00");
        assert_eq!(at("today"), "Tue 2026-11-24 17:00", "09:00 has passed");
        assert_eq!(at("tomorrow"), "Wed 2026-11-25 09:00");
        assert_eq!(at("fri 9am"), "Fri 2026-11-27 09:00");
        assert_eq!(
            at("tue"),
            "Tue 2026-12-01 09:00",
            "a weekday alone is never today"
        );
        assert_eq!(
            at("tue 4:30pm"),
            "Tue 2026-11-24 16:30",
            "today's name with a time still ahead is today"
        );
        assert_eq!(
            at("tue 9am"),
            "Tue 2026-12-01 09:00",
            "with a time already past, next week"
        );
        assert_eq!(at("+3d"), "Fri 2026-11-27 10:00");
        assert_eq!(at("+2h"), "Tue 2026-11-24 12:00");
        assert_eq!(at("2026-12-01 14:30"), "Tue 2026-12-01 14:30");
        assert_eq!(at("12-01 2pm"), "Tue 2026-12-01 14:00");
        assert_eq!(
            at("9am"),
            "Wed 2026-11-25 09:00",
            "a past time means tomorrow"
        );
        assert_eq!(at("tomorrow at noon"), "Wed 2026-11-25 12:00");
    }

    #[test]
    fn nonsense_is_explained() {
        for bad in ["", "someday", "fri 25:00", "+3y", "2026-13-01", "13pm"] {
            let e = parse_due(bad, now()).unwrap_err();
            assert!(!e.is_empty(), "{bad}");
        }
    }

    #[test]
    fn far_dates_get_a_message_not_a_panic() {
        for far in [
            "+99999999d",
            "+9999999999999w",
            "+99999999999999999m",
            "99999-01-01",
            "0001-01-01",
        ] {
            let e = parse_due(far, now()).unwrap_err();
            assert!(!e.is_empty(), "{far}");
        }
        let last = chrono::FixedOffset::east_opt(14 * 3600)
            .unwrap()
            .from_utc_datetime(&(chrono::NaiveDateTime::MAX - Duration::days(2)));
        assert!(parse_due("tomorrow", last).is_err());
        assert!(parse_due("fri", last).is_err());
        assert!(parse_due("+1m", last).is_err());
    }

    #[test]
    fn relative_reads_naturally() {
        let n = Utc.with_ymd_and_hms(2026, 11, 24, 12, 0, 0).unwrap();
        assert_eq!(relative(n + Duration::hours(2), n), "in 2h");
        assert_eq!(relative(n - Duration::days(3), n), "3d overdue");
        assert_eq!(relative(n - Duration::minutes(5), n), "5m overdue");
        assert_eq!(relative(n, n), "due now");
    }
}
