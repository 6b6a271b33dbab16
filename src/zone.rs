//! The user's time zone for due dates: an IANA zone (`America/Chicago`),
//! the system's local zone, or a fixed offset. The first two follow
//! daylight saving, date by date.
//!
//! A chrono `TimeZone`, so the usual `with_timezone`, `from_local_datetime`
//! and formatting work with it. Its offset type remembers which zone it
//! came from, so a `DateTime<Zone>` never silently turns a zone into the
//! fixed offset of one date.

use chrono::{FixedOffset, LocalResult, NaiveDate, NaiveDateTime, Offset, TimeZone};
use chrono_tz::Tz;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Zone {
    Local,
    Fixed(FixedOffset),
    Named(Tz),
}

impl From<FixedOffset> for Zone {
    fn from(o: FixedOffset) -> Self {
        Zone::Fixed(o)
    }
}

impl From<Tz> for Zone {
    fn from(t: Tz) -> Self {
        Zone::Named(t)
    }
}

impl Zone {
    /// Reads a zone as a user or the API writes it: `local`, `utc`, an
    /// offset (`+02:00`, `-5`), or an IANA name in any case
    /// (`America/Chicago`, `europe/oslo`).
    pub fn parse(s: &str) -> Option<Zone> {
        let s = s.trim();
        match s.to_ascii_lowercase().as_str() {
            "" => None,
            "local" => Some(Zone::Local),
            "utc" | "z" | "gmt" => FixedOffset::east_opt(0).map(Zone::Fixed),
            _ if s.starts_with(['+', '-']) => parse_offset(s).map(Zone::Fixed),
            _ => s
                .parse::<Tz>()
                .ok()
                .or_else(|| {
                    chrono_tz::TZ_VARIANTS
                        .iter()
                        .copied()
                        .find(|t| t.name().eq_ignore_ascii_case(s))
                })
                .map(Zone::Named),
        }
    }

    /// The IANA name, for an API that asks for one (a named zone only).
    pub fn iana(&self) -> Option<&'static str> {
        match self {
            Zone::Named(t) => Some(t.name()),
            _ => None,
        }
    }

    /// How to name it to the user: the IANA name, `local`, or the offset.
    pub fn name(&self) -> String {
        match self {
            Zone::Local => "local".into(),
            Zone::Fixed(f) if f.local_minus_utc() == 0 => "UTC".into(),
            Zone::Fixed(f) => f.to_string(),
            Zone::Named(t) => t.name().into(),
        }
    }

    fn wrap(&self, fixed: FixedOffset) -> ZoneOffset {
        ZoneOffset { fixed, zone: *self }
    }
}

/// `+HH:MM`, `-HH`, `+H`: within ±14 hours.
fn parse_offset(s: &str) -> Option<FixedOffset> {
    let (sign, rest) = match s.as_bytes().first()? {
        b'+' => (1, &s[1..]),
        b'-' => (-1, &s[1..]),
        _ => return None,
    };
    let (h, m) = rest.split_once(':').unwrap_or((rest, "0"));
    let (h, m): (i32, i32) = (h.parse().ok()?, m.parse().ok()?);
    if !(0..=14).contains(&h) || !(0..=59).contains(&m) {
        return None;
    }
    FixedOffset::east_opt(sign * (h * 3600 + m * 60))
}

/// An offset, and the zone it belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ZoneOffset {
    fixed: FixedOffset,
    zone: Zone,
}

impl Offset for ZoneOffset {
    fn fix(&self) -> FixedOffset {
        self.fixed
    }
}

impl std::fmt::Display for ZoneOffset {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.fixed.fmt(f)
    }
}

impl TimeZone for Zone {
    type Offset = ZoneOffset;

    fn from_offset(offset: &ZoneOffset) -> Self {
        offset.zone
    }

    fn offset_from_local_date(&self, local: &NaiveDate) -> LocalResult<ZoneOffset> {
        match self {
            Zone::Local => chrono::Local
                .offset_from_local_date(local)
                .map(|o| self.wrap(o.fix())),
            Zone::Named(t) => t.offset_from_local_date(local).map(|o| self.wrap(o.fix())),
            Zone::Fixed(f) => LocalResult::Single(self.wrap(*f)),
        }
    }

    fn offset_from_local_datetime(&self, local: &NaiveDateTime) -> LocalResult<ZoneOffset> {
        match self {
            Zone::Local => chrono::Local
                .offset_from_local_datetime(local)
                .map(|o| self.wrap(o.fix())),
            Zone::Named(t) => t
                .offset_from_local_datetime(local)
                .map(|o| self.wrap(o.fix())),
            Zone::Fixed(f) => LocalResult::Single(self.wrap(*f)),
        }
    }

    fn offset_from_utc_date(&self, utc: &NaiveDate) -> ZoneOffset {
        match self {
            Zone::Local => self.wrap(chrono::Local.offset_from_utc_date(utc).fix()),
            Zone::Named(t) => self.wrap(t.offset_from_utc_date(utc).fix()),
            Zone::Fixed(f) => self.wrap(*f),
        }
    }

    fn offset_from_utc_datetime(&self, utc: &NaiveDateTime) -> ZoneOffset {
        match self {
            Zone::Local => self.wrap(chrono::Local.offset_from_utc_datetime(utc).fix()),
            Zone::Named(t) => self.wrap(t.offset_from_utc_datetime(utc).fix()),
            Zone::Fixed(f) => self.wrap(*f),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;

    #[test]
    fn local_stays_local_through_datetime_operations() {
        let now = Utc::now().with_timezone(&Zone::Local);
        assert_eq!(now.timezone(), Zone::Local);
        let later = now + chrono::Duration::days(200);
        assert_eq!(later.timezone(), Zone::Local);
        // Each date gets the system's offset for that date.
        let expected = chrono::Local
            .offset_from_utc_datetime(&later.naive_utc())
            .fix();
        assert_eq!(later.offset().fix(), expected);
    }

    #[test]
    fn fixed_is_fixed() {
        let z = Zone::Fixed(FixedOffset::east_opt(3600).unwrap());
        let t = Utc::now().with_timezone(&z);
        assert_eq!(t.timezone(), z);
        assert_eq!(t.offset().fix().local_minus_utc(), 3600);
    }

    #[test]
    fn named_zones_follow_daylight_saving() {
        let z = Zone::parse("America/Chicago").unwrap();
        assert_eq!(z, Zone::parse("america/CHICAGO").unwrap());
        let winter = chrono::DateTime::parse_from_rfc3339("2026-01-15T12:00:00Z").unwrap();
        let summer = chrono::DateTime::parse_from_rfc3339("2026-07-15T12:00:00Z").unwrap();
        assert_eq!(
            winter.with_timezone(&z).offset().fix().local_minus_utc(),
            -6 * 3600
        );
        assert_eq!(
            summer.with_timezone(&z).offset().fix().local_minus_utc(),
            -5 * 3600
        );
        assert_eq!(summer.with_timezone(&z).timezone(), z);
        assert_eq!(z.name(), "America/Chicago");
    }

    #[test]
    fn every_spelling_reads_or_is_refused() {
        let east = |s| FixedOffset::east_opt(s).map(Zone::Fixed);
        assert_eq!(Zone::parse("local"), Some(Zone::Local));
        assert_eq!(Zone::parse(" UTC "), east(0));
        assert_eq!(Zone::parse("+02:00"), east(7200));
        assert_eq!(Zone::parse("-5"), east(-5 * 3600));
        for bad in ["", "Mars/Olympus", "+15", "+02:60", "+-1", "Europe/", "+"] {
            assert_eq!(Zone::parse(bad), None, "{bad:?}");
        }
    }
}
