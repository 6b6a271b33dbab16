//! The wire types every HighLevel service shares: kept-verbatim fields,
//! timestamps, list metadata and the error body. Each service's own types
//! live in its module (`contacts::types`, `locations`); they are re-exported
//! here, so `api::model::*` names every wire type.
//!
//! Every object keeps the fields rolo does not model in `extra`, so a value
//! read from the server and written back loses nothing: custom fields,
//! attribution, DND settings, and whatever the server adds tomorrow.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Fields rolo does not model, kept verbatim.
pub type Extra = Map<String, Value>;

/// A contact's unmodelled fields, kept verbatim as compact JSON text.
///
/// A list holds tens of thousands of contacts, and as a map every nested
/// object (DND settings, attribution…) would cost a tree node of its own:
/// several kilobytes a contact. As text it costs its length.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct RawFields(Box<str>);

impl RawFields {
    pub fn from_map(map: &Map<String, Value>) -> Self {
        if map.is_empty() {
            return Self::default();
        }
        Self(Value::Object(map.clone()).to_string().into_boxed_str())
    }

    pub fn to_map(&self) -> Map<String, Value> {
        if self.0.is_empty() {
            return Map::new();
        }
        serde_json::from_str(&self.0).unwrap_or_default()
    }

    pub fn get(&self, key: &str) -> Option<Value> {
        self.to_map().remove(key)
    }

    pub fn contains_key(&self, key: &str) -> bool {
        self.to_map().contains_key(key)
    }

    pub fn len(&self) -> usize {
        self.to_map().len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn insert(&mut self, key: &str, value: Value) {
        let mut m = self.to_map();
        m.insert(key.to_string(), value);
        *self = Self::from_map(&m);
    }
}

impl std::fmt::Debug for RawFields {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "RawFields({})",
            if self.0.is_empty() { "{}" } else { &self.0 }
        )
    }
}

impl Serialize for RawFields {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.to_map().serialize(s)
    }
}

impl<'de> Deserialize<'de> for RawFields {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let map = Map::<String, Value>::deserialize(d)?;
        Ok(Self::from_map(&map))
    }
}

/// Parses the timestamps the API sends: RFC 3339 (`2021-07-08T12:02:11.285Z`),
/// the spec's own examples' `2021-07-16 11:00:00` (read as UTC), or, from
/// some older endpoints, milliseconds since the epoch.
///
/// Only years 1000 to 9999 are taken: anything further out is a broken
/// value, and chrono's edge of range would overflow in any zone east of UTC
/// the moment it is shown.
pub fn parse_timestamp(s: &str) -> Option<chrono::DateTime<chrono::Utc>> {
    use chrono::Datelike;
    let s = s.trim();
    let t = if let Ok(t) = chrono::DateTime::parse_from_rfc3339(s) {
        Some(t.with_timezone(&chrono::Utc))
    } else if let Ok(ms) = s.parse::<i64>() {
        chrono::DateTime::from_timestamp_millis(ms)
    } else {
        // Without an offset: read as UTC.
        [
            "%Y-%m-%dT%H:%M:%S%.f",
            "%Y-%m-%d %H:%M:%S%.f",
            "%Y-%m-%d %H:%M",
        ]
        .iter()
        .find_map(|f| chrono::NaiveDateTime::parse_from_str(s, f).ok())
        .map(|n| n.and_utc())
    }?;
    (1000..=9999).contains(&t.year()).then_some(t)
}

/// Formats a timestamp the way the API writes them: `2026-12-01T14:30:00.000Z`.
pub fn format_timestamp(t: chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

// ---------------------------------------------------------------------------
// Responses
// ---------------------------------------------------------------------------

/// `meta` of the deprecated GET /contacts/ (the spec's `ContactsMetaSchema`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListMeta {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_page_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_after_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_after: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current_page: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_page: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prev_page: Option<u64>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// The HighLevel error bodies (`BadRequestDTO`, `UnauthorizedDTO`,
/// `UnprocessableDTO`): `message` is a string or, on 422, a list.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ErrorBody {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_code: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<Messages>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Messages {
    One(String),
    Many(Vec<String>),
}

impl Messages {
    pub fn into_vec(self) -> Vec<String> {
        match self {
            Messages::One(m) => vec![m],
            Messages::Many(v) => v,
        }
    }
}

impl ErrorBody {
    /// The server's messages: `message` (split if a list), else `error`.
    pub fn messages(&self) -> Vec<String> {
        match (&self.message, &self.error) {
            (Some(m), _) => m.clone().into_vec(),
            (None, Some(e)) => vec![e.clone()],
            (None, None) => Vec::new(),
        }
    }
}

// ---------------------------------------------------------------------------
// Requests
// ---------------------------------------------------------------------------

pub use super::contacts::types::*;
pub use super::locations::{CustomField, Location, LocationTag, TaskSearch};
pub use super::users::User;

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn error_body_message_string_or_list() {
        let one: ErrorBody =
            serde_json::from_value(json!({"statusCode": 400, "message": "Bad Request"})).unwrap();
        assert_eq!(one.messages(), vec!["Bad Request"]);
        let many: ErrorBody = serde_json::from_value(
            json!({"statusCode": 422, "message": ["title should not be empty", "x"], "error": "Unprocessable Entity"}),
        )
        .unwrap();
        assert_eq!(many.messages(), vec!["title should not be empty", "x"]);
    }

    #[test]
    fn timestamps_parse_iso_and_millis() {
        let a = parse_timestamp("2021-07-08T12:02:11.285Z").unwrap();
        let b = parse_timestamp("1625745731285").unwrap();
        assert_eq!(a, b);
        assert_eq!(format_timestamp(a), "2021-07-08T12:02:11.285Z");
        assert!(parse_timestamp("not a date").is_none());
        // The spec's example format, without an offset: UTC.
        let spec = parse_timestamp("2021-07-16 11:00:00").unwrap();
        assert_eq!(format_timestamp(spec), "2021-07-16T11:00:00.000Z");
        // Epoch milliseconds at chrono's edge: refused, not a panic later.
        assert!(parse_timestamp("8210266876799999").is_none());
        assert!(parse_timestamp("-8334601228800000").is_none());
    }
}
