//! The user's time zone for due dates: the system's local zone (daylight
//! saving included, date by date) or a fixed offset from the config.
//!
//! A chrono `TimeZone`, so the usual `with_timezone`, `from_local_datetime`
//! and formatting work with it. Its offset type remembers which kind of
//! zone it came from, so a `DateTime<Zone>` never silently turns a local
//! zone into the fixed offset of one date.

use chrono::{FixedOffset, LocalResult, NaiveDate, NaiveDateTime, Offset, TimeZone};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Zone {
    Local,
    Fixed(FixedOffset),
}

impl From<FixedOffset> for Zone {
    fn from(o: FixedOffset) -> Self {
        Zone::Fixed(o)
    }
}

/// An offset, and whether it belongs to the local zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ZoneOffset {
    fixed: FixedOffset,
    local: bool,
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

impl Zone {
    fn wrap(&self, fixed: FixedOffset) -> ZoneOffset {
        ZoneOffset {
            fixed,
            local: matches!(self, Zone::Local),
        }
    }
}

impl TimeZone for Zone {
    type Offset = ZoneOffset;

    fn from_offset(offset: &ZoneOffset) -> Self {
        if offset.local {
            Zone::Local
        } else {
            Zone::Fixed(offset.fixed)
        }
    }

    fn offset_from_local_date(&self, local: &NaiveDate) -> LocalResult<ZoneOffset> {
        match self {
            Zone::Local => chrono::Local
                .offset_from_local_date(local)
                .map(|o| self.wrap(o.fix())),
            Zone::Fixed(f) => LocalResult::Single(self.wrap(*f)),
        }
    }

    fn offset_from_local_datetime(&self, local: &NaiveDateTime) -> LocalResult<ZoneOffset> {
        match self {
            Zone::Local => chrono::Local
                .offset_from_local_datetime(local)
                .map(|o| self.wrap(o.fix())),
            Zone::Fixed(f) => LocalResult::Single(self.wrap(*f)),
        }
    }

    fn offset_from_utc_date(&self, utc: &NaiveDate) -> ZoneOffset {
        match self {
            Zone::Local => self.wrap(chrono::Local.offset_from_utc_date(utc).fix()),
            Zone::Fixed(f) => self.wrap(*f),
        }
    }

    fn offset_from_utc_datetime(&self, utc: &NaiveDateTime) -> ZoneOffset {
        match self {
            Zone::Local => self.wrap(chrono::Local.offset_from_utc_datetime(utc).fix()),
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
}
