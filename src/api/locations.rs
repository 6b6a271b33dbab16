//! The Locations service (`apps/locations.json`): the location itself,
//! its tags, and the search of tasks across contacts.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::client::{Client, endpoint};
use super::error::ApiError;
use super::model::*;

/// The `Version` every Locations operation declares.
pub const VERSION: &str = "2021-07-28";

endpoint!(
    GET_LOCATION,
    "get-location",
    GET,
    "locations.readonly",
    Idempotent,
    VERSION
);
endpoint!(
    LOCATION_TAGS,
    "get-location-tags",
    GET,
    "locations/tags.readonly",
    Idempotent,
    VERSION
);
endpoint!(
    SEARCH_TASKS,
    "task-search",
    POST,
    "locations/tasks.readonly",
    Idempotent,
    VERSION
);

endpoint!(
    CUSTOM_FIELDS,
    "get-custom-fields",
    GET,
    "locations/customFields.readonly",
    Idempotent,
    VERSION
);

impl Client {
    /// GET /locations/{locationId}/customFields?model=contact: the
    /// definitions of the contacts' custom fields, in `position` order.
    pub async fn custom_fields(&self) -> Result<Vec<CustomField>, ApiError> {
        #[derive(serde::Deserialize)]
        struct Resp {
            #[serde(default, rename = "customFields")]
            custom_fields: Vec<Value>,
        }
        let loc = self.location_id().to_string();
        let r: Resp = self
            .call(
                &CUSTOM_FIELDS,
                self.url(&["locations", &loc, "customFields"]),
                &[("model", "contact".to_string())],
                None,
                &|| format!("location {loc}"),
            )
            .await?;
        // One odd definition costs only itself, not every field's name.
        let mut fields: Vec<CustomField> = r
            .custom_fields
            .into_iter()
            .filter_map(|v| match serde_json::from_value::<CustomField>(v) {
                Ok(f) => Some(f),
                Err(e) => {
                    tracing::warn!("a custom field definition is not as the spec says: {e}");
                    None
                }
            })
            .filter(|f| !f.id.is_empty())
            .collect();
        let at = |f: &CustomField| {
            f.position
                .as_ref()
                .and_then(|n| n.as_f64())
                .unwrap_or(f64::MAX)
        };
        fields.sort_by(|a, b| at(a).total_cmp(&at(b)));
        Ok(fields)
    }

    /// POST /locations/{locationId}/tasks/search: tasks across contacts.
    pub async fn search_tasks(&self, q: &TaskSearch) -> Result<Vec<Task>, ApiError> {
        #[derive(serde::Deserialize)]
        struct Resp {
            #[serde(default)]
            tasks: Vec<Value>,
        }
        let body = serde_json::to_value(q).map_err(|e| ApiError::InvalidRequest(e.to_string()))?;
        let loc = self.location_id().to_string();
        let r: Resp = self
            .call(
                &SEARCH_TASKS,
                self.url(&["locations", &loc, "tasks", "search"]),
                &[],
                Some(body),
                &|| format!("location {loc}"),
            )
            .await?;
        r.tasks
            .into_iter()
            .enumerate()
            .map(|(i, mut row)| {
                // The live service keys rows `_id`; the spec's TaskSchema `id`.
                if let Some(o) = row.as_object_mut()
                    && !o.contains_key("id")
                    && let Some(id) = o.remove("_id")
                {
                    o.insert("id".into(), id);
                }
                serde_json::from_value::<Task>(row)
                    .map_err(|e| e.to_string())
                    .map_err(|cause| ApiError::Decode {
                        endpoint: SEARCH_TASKS.name,
                        path: format!("tasks[{i}]"),
                        cause,
                        snippet: String::new(),
                    })
            })
            .collect()
    }

    /// Every task a search finds: pages of 500 (the most HighLevel is
    /// known to give) by `skip`, until a short page. A page with no new
    /// task ends it with an error rather than looping.
    pub async fn search_tasks_all(&self, q: &TaskSearch) -> Result<Vec<Task>, ApiError> {
        const PAGE: u32 = 500;
        let mut all: Vec<Task> = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for n in 0u32.. {
            let page = self
                .search_tasks(&TaskSearch {
                    limit: Some(PAGE),
                    skip: Some(n.saturating_mul(PAGE)),
                    ..q.clone()
                })
                .await?;
            let got = page.len();
            let before = all.len();
            all.extend(page.into_iter().filter(|t| seen.insert(t.id.clone())));
            if got < PAGE as usize {
                break;
            }
            if all.len() == before {
                return Err(crate::api::paging::PagingError::Repeated { page: n + 1 }.into());
            }
        }
        Ok(all)
    }

    /// GET /locations/{locationId}: the location's name and settings.
    pub async fn location(&self) -> Result<Location, ApiError> {
        #[derive(serde::Deserialize)]
        struct Resp {
            location: Location,
        }
        let loc = self.location_id().to_string();
        let r: Resp = self
            .call(
                &GET_LOCATION,
                self.url(&["locations", &loc]),
                &[],
                None,
                &|| format!("location {loc}"),
            )
            .await?;
        Ok(r.location)
    }

    /// GET /locations/{locationId}/tags, for tag completion.
    pub async fn location_tags(&self) -> Result<Vec<LocationTag>, ApiError> {
        #[derive(serde::Deserialize)]
        struct Resp {
            #[serde(default)]
            tags: Vec<LocationTag>,
        }
        let loc = self.location_id().to_string();
        let r: Resp = self
            .call(
                &LOCATION_TAGS,
                self.url(&["locations", &loc, "tags"]),
                &[],
                None,
                &|| format!("location {loc}"),
            )
            .await?;
        Ok(r.tags)
    }
}

// ------------------------------------------------------------ wire types

/// A location (sub-account), as GET /locations/{id} returns it
/// (`GetLocationByIdSchema`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Location {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timezone: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// A tag defined on the location (`LocationTagsSchema`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LocationTag {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location_id: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// Body of POST /locations/{locationId}/tasks/search (`TaskSearchParamsDto`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TaskSearch {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact_id: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub completed: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assigned_to: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skip: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub business_id: Option<String>,
}

/// The definition of a custom field (`CustomFieldSchema`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CustomField {
    /// The spec requires no field; a definition without an id is left out.
    #[serde(default)]
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field_key: Option<String>,
    /// TEXT, LARGE_TEXT, NUMERICAL, MONETORY (sic), PHONE, EMAIL, DATE,
    /// CHECKBOX, SINGLE_OPTIONS, MULTIPLE_OPTIONS, RADIO, … as HighLevel
    /// names them; any other is shown as it comes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub position: Option<serde_json::Number>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub picklist_options: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

impl CustomField {
    /// The name to show: `name`, else the key, else the id.
    pub fn label(&self) -> &str {
        [&self.name, &self.field_key]
            .into_iter()
            .flatten()
            .map(|s| s.trim())
            .find(|s| !s.is_empty())
            .unwrap_or(&self.id)
    }

    /// A contact's value of this field as a person reads it: money with
    /// its separators, a date as a date, lists joined, yes/no for a
    /// checkbox; `None` for no value.
    pub fn format(&self, v: &Value) -> Option<String> {
        let text = |v: &Value| match v {
            Value::String(s) => s.trim().to_string(),
            Value::Null => String::new(),
            other => other.to_string(),
        };
        let shown = match (self.data_type.as_deref().unwrap_or(""), v) {
            (_, Value::Array(items)) => items
                .iter()
                .map(text)
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>()
                .join(", "),
            ("MONETORY" | "MONETARY", v) => match crate::input::plain_number(&text(v)) {
                Some(n) => money(n),
                None => text(v),
            },
            ("CHECKBOX", Value::Bool(b)) => if *b { "yes" } else { "no" }.to_string(),
            ("DATE", v) => {
                let t = text(v);
                match v {
                    // Epoch milliseconds: the date in UTC, as stored.
                    Value::Number(n) => n
                        .as_f64()
                        .filter(|f| f.is_finite() && f.abs() < 8.64e18)
                        .and_then(|f| chrono::DateTime::from_timestamp_millis(f as i64))
                        .map_or(t, |d| d.format("%Y-%m-%d").to_string()),
                    // A written date is the date it says, whatever its offset.
                    _ => match t.get(..10) {
                        Some(d) if chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").is_ok() => {
                            d.to_string()
                        }
                        _ => t,
                    },
                }
            }
            (_, v) => text(v),
        };
        (!shown.is_empty()).then_some(shown)
    }
}

/// What kind of input a custom field takes, from its `dataType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    Text,
    LargeText,
    Number,
    Money,
    Phone,
    Email,
    Date,
    /// One of `picklistOptions` (SINGLE_OPTIONS, RADIO).
    One,
    /// Any of `picklistOptions` (MULTIPLE_OPTIONS, CHECKBOX): sent as an
    /// array, as the spec's MultiSelectField and CheckboxField say.
    Many,
    /// A type rolo does not edit (FILE_UPLOAD, SIGNATURE, anything new):
    /// shown as it comes, never sent.
    Other,
}

impl CustomField {
    pub fn kind(&self) -> FieldKind {
        match self.data_type.as_deref().unwrap_or("") {
            "TEXT" => FieldKind::Text,
            "LARGE_TEXT" => FieldKind::LargeText,
            "NUMERICAL" => FieldKind::Number,
            "MONETORY" | "MONETARY" => FieldKind::Money,
            "PHONE" => FieldKind::Phone,
            "EMAIL" => FieldKind::Email,
            "DATE" => FieldKind::Date,
            "SINGLE_OPTIONS" | "RADIO" => FieldKind::One,
            "MULTIPLE_OPTIONS" | "CHECKBOX" => FieldKind::Many,
            _ => FieldKind::Other,
        }
    }

    /// The options it offers, in order, without blanks or repeats.
    pub fn options(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for o in self.picklist_options.iter().flatten() {
            if !o.trim().is_empty() && !out.contains(o) {
                out.push(o.clone());
            }
        }
        out
    }

    /// The options a stored value picks. A list is taken item by item; a
    /// string is an option itself, else the options it joins with commas
    /// (how a multi-select reads as text); anything left over is kept as
    /// written, so an unknown choice is never dropped.
    pub fn picked(&self, v: &Value) -> Vec<String> {
        let item = |v: &Value| match v {
            Value::String(s) => s.trim().to_string(),
            Value::Null => String::new(),
            other => other.to_string(),
        };
        let mut out: Vec<String> = match v {
            Value::Array(items) => items.iter().map(item).collect(),
            Value::Bool(true) => self.options().into_iter().take(1).collect(),
            Value::Bool(false) | Value::Null => Vec::new(),
            Value::String(s) if self.options().iter().any(|o| o == s.trim()) => {
                vec![s.trim().to_string()]
            }
            Value::String(s) if self.kind() == FieldKind::Many => {
                s.split(',').map(|p| p.trim().to_string()).collect()
            }
            other => vec![item(other)],
        };
        out.retain(|s| !s.is_empty());
        out.dedup();
        out
    }
}

/// A contact's custom field values, by name and formatted by type, in the
/// definitions' order; then any value whose definition is unknown, by id
/// and as it came (shown, never dropped).
pub fn named_values(
    defs: &[CustomField],
    values: &[super::model::CustomFieldValue],
) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for d in defs {
        if let Some(v) = values
            .iter()
            .find(|v| v.id == d.id)
            .and_then(|v| v.value.as_ref())
            .and_then(|v| d.format(v))
        {
            out.push((d.label().to_string(), v));
        }
    }
    for v in values.iter().filter(|v| !defs.iter().any(|d| d.id == v.id)) {
        let raw = match &v.value {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Null) | None => String::new(),
            Some(other) => other.to_string(),
        };
        if !raw.trim().is_empty() {
            out.push((format!("custom {}", v.id), raw));
        }
    }
    out
}

/// `1234567.5` as `$1,234,567.50` (whole amounts without cents).
pub fn money(n: f64) -> String {
    // Past what whole cents can say: the number as it is, never a wrong one.
    if !n.is_finite() || n.abs() >= 1e15 {
        return format!("${n:e}");
    }
    let neg = n < 0.0;
    let cents = (n.abs() * 100.0).round() as u128;
    let (whole, frac) = (cents / 100, cents % 100);
    let digits = whole.to_string();
    let mut grouped = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    let sign = if neg && cents > 0 { "-" } else { "" };
    if frac == 0 {
        format!("{sign}${grouped}")
    } else {
        format!("{sign}${grouped}.{frac:02}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn field(t: &str) -> CustomField {
        CustomField {
            id: "cf1".into(),
            name: Some("Budget".into()),
            data_type: Some(t.into()),
            ..CustomField::default()
        }
    }

    #[test]
    fn values_are_shown_by_their_type() {
        assert_eq!(
            field("MONETORY").format(&json!("6000")).as_deref(),
            Some("$6,000")
        );
        assert_eq!(
            field("MONETORY").format(&json!(1234567.5)).as_deref(),
            Some("$1,234,567.50")
        );
        assert_eq!(
            field("MONETORY").format(&json!("-12.345")).as_deref(),
            Some("-$12.35")
        );
        assert_eq!(
            field("MONETORY").format(&json!("lots")).as_deref(),
            Some("lots")
        );
        // Not read as a wrong amount: shown as written.
        for odd in [
            "1e300",
            "1.234,56",
            "12,50",
            "1,2345",
            "99999999999999999999",
        ] {
            assert_eq!(field("MONETORY").format(&json!(odd)).as_deref(), Some(odd));
        }
        let f = |v: Value, t: &str| field(t).format(&v);
        assert_eq!(f(json!("-0.001"), "MONETORY").as_deref(), Some("$0"));
        assert_eq!(
            f(json!("12,500.5"), "MONETORY").as_deref(),
            Some("$12,500.50")
        );
        assert_eq!(
            f(json!("2026-03-04T00:00:00+11:00"), "DATE").as_deref(),
            Some("2026-03-04")
        );
        assert_eq!(
            f(json!(1772582400000.0), "DATE").as_deref(),
            Some("2026-03-04")
        );
        assert_eq!(
            field("CHECKBOX").format(&json!(true)).as_deref(),
            Some("yes")
        );
        assert_eq!(
            field("MULTIPLE_OPTIONS")
                .format(&json!(["a", "", "b"]))
                .as_deref(),
            Some("a, b")
        );
        assert_eq!(
            field("DATE")
                .format(&json!("2026-03-04T00:00:00.000Z"))
                .as_deref(),
            Some("2026-03-04")
        );
        assert_eq!(
            field("DATE").format(&json!(1772582400000i64)).as_deref(),
            Some("2026-03-04")
        );
        assert_eq!(field("TEXT").format(&json!("  ")), None);
        assert_eq!(field("TEXT").format(&Value::Null), None);
        assert_eq!(
            field("SOMETHING_NEW").format(&json!({"k": 1})).as_deref(),
            Some("{\"k\":1}")
        );
        // Huge and odd numbers never panic.
        for n in [f64::MAX, f64::MIN, 1e300, -0.0] {
            let _ = field("MONETORY").format(&json!(n));
        }
    }

    #[test]
    fn a_definition_keeps_what_rolo_does_not_model() {
        let v = json!({"id": "cf1", "name": "Budget", "dataType": "MONETORY", "position": 0,
                       "isAllowedCustomOption": false, "picklistImageOptions": []});
        let f: CustomField = serde_json::from_value(v.clone()).unwrap();
        assert_eq!(serde_json::to_value(&f).unwrap(), v);
        assert_eq!(f.label(), "Budget");
    }
}
