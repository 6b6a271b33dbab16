//! Wire types for the HighLevel API v2, named exactly as in the official spec
//! (`shared/ghl-openapi/apps/contacts.json`, `locations.json`).
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

/// A contact as returned by GET /contacts/{id}, PUT, upsert, list and search
/// (`GetContectByIdSchema` and `ContactsSearchSchema` in the spec).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Contact {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub company_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// Search rows call it `address` (highlevel-api-docs#314).
    #[serde(alias = "address")]
    pub address1: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postal_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub website: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timezone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none", rename = "type")]
    pub contact_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assigned_to: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dnd: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_fields: Option<Vec<CustomFieldValue>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub business_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_added: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_updated: Option<String>,
    /// The cursor POST /contacts/search puts on each result; send the last
    /// one back to read the next page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub search_after: Option<Vec<Value>>,
    #[serde(flatten)]
    pub extra: RawFields,
}

impl Contact {
    /// The name to show: `name`, else first + last, else email, else phone, else the id.
    pub fn display_name(&self) -> String {
        if let Some(n) = self
            .name
            .as_deref()
            .map(str::trim)
            .filter(|n| !n.is_empty())
        {
            return n.to_string();
        }
        let joined = [self.first_name.as_deref(), self.last_name.as_deref()]
            .into_iter()
            .flatten()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        if !joined.is_empty() {
            return joined;
        }
        self.email
            .clone()
            .or_else(|| self.phone.clone())
            .unwrap_or_else(|| self.id.clone())
    }

    pub fn tags(&self) -> &[String] {
        self.tags.as_deref().unwrap_or_default()
    }
}

/// One custom field value on a contact. The spec types `value` as a string,
/// but older accounts send numbers and lists, so it is kept as raw JSON.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CustomFieldValue {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<Value>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// A task on a contact (`TaskSchema`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Task {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assigned_to: Option<String>,
    /// ISO 8601 timestamp, as the server sent it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due_date: Option<String>,
    #[serde(default)]
    pub completed: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact_id: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

impl Task {
    pub fn due(&self) -> Option<chrono::DateTime<chrono::Utc>> {
        parse_timestamp(self.due_date.as_deref()?)
    }
}

/// A note on a contact (`GetNoteSchema`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Note {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_added: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub color: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pinned: Option<bool>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// An appointment as GET /contacts/{id}/appointments returns it (`GetEventSchema`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Appointment {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub calendar_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assigned_user_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_time: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_time: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub appointment_status: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub users: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_added: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_updated: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assigned_resources: Option<Vec<String>>,
    #[serde(flatten)]
    pub extra: Extra,
}

impl Appointment {
    pub fn start(&self) -> Option<chrono::DateTime<chrono::Utc>> {
        parse_timestamp(self.start_time.as_deref()?)
    }
}

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

/// A page of GET /contacts/ or GET /contacts/business/{id}.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ContactsPage {
    pub contacts: Vec<Contact>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<ListMeta>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// A page of POST /contacts/search: `{contacts, total}`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct SearchPage {
    pub contacts: Vec<Contact>,
    #[serde(default)]
    pub total: u64,
    #[serde(flatten)]
    pub extra: Extra,
}

/// The result of POST /contacts/upsert.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpsertResult {
    #[serde(default)]
    pub new: bool,
    pub contact: Contact,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trace_id: Option<String>,
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

/// Body of POST /contacts/ and POST /contacts/upsert (`CreateContactDto`).
/// `locationId` is filled in by the client.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NewContact {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub company_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address1: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postal_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub website: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timezone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assigned_to: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<String>>,
    /// Custom field inputs, `{id, key?, field_value}`; values are sent as
    /// strings because the spec rejects numbers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_fields: Option<Vec<Value>>,
}

/// The fields PUT /contacts/{id} accepts (`UpdateContactDto`). `locationId`,
/// `gender` and `companyName` are not among them in the v2 spec.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ContactField {
    FirstName,
    LastName,
    Name,
    Email,
    Phone,
    Address1,
    City,
    State,
    PostalCode,
    Country,
    Website,
    Timezone,
    Source,
    AssignedTo,
    /// Not in the spec's UpdateContactDto, but taken by HighLevel's PUT.
    CompanyName,
}

impl ContactField {
    pub const ALL: [ContactField; 15] = [
        ContactField::FirstName,
        ContactField::LastName,
        ContactField::Name,
        ContactField::Email,
        ContactField::Phone,
        ContactField::Address1,
        ContactField::City,
        ContactField::State,
        ContactField::PostalCode,
        ContactField::Country,
        ContactField::Website,
        ContactField::Timezone,
        ContactField::Source,
        ContactField::AssignedTo,
        ContactField::CompanyName,
    ];

    /// The wire name.
    pub fn key(self) -> &'static str {
        match self {
            ContactField::FirstName => "firstName",
            ContactField::LastName => "lastName",
            ContactField::Name => "name",
            ContactField::Email => "email",
            ContactField::Phone => "phone",
            ContactField::Address1 => "address1",
            ContactField::City => "city",
            ContactField::State => "state",
            ContactField::PostalCode => "postalCode",
            ContactField::Country => "country",
            ContactField::Website => "website",
            ContactField::Timezone => "timezone",
            ContactField::Source => "source",
            ContactField::AssignedTo => "assignedTo",
            ContactField::CompanyName => "companyName",
        }
    }

    /// Whether the spec lets this field be sent as `null` to clear it.
    /// The others are cleared with an empty string.
    pub fn nullable(self) -> bool {
        !matches!(self, ContactField::PostalCode | ContactField::Country)
    }

    pub fn get(self, c: &Contact) -> Option<&str> {
        match self {
            ContactField::FirstName => c.first_name.as_deref(),
            ContactField::LastName => c.last_name.as_deref(),
            ContactField::Name => c.name.as_deref(),
            ContactField::Email => c.email.as_deref(),
            ContactField::Phone => c.phone.as_deref(),
            ContactField::Address1 => c.address1.as_deref(),
            ContactField::City => c.city.as_deref(),
            ContactField::State => c.state.as_deref(),
            ContactField::PostalCode => c.postal_code.as_deref(),
            ContactField::Country => c.country.as_deref(),
            ContactField::Website => c.website.as_deref(),
            ContactField::Timezone => c.timezone.as_deref(),
            ContactField::Source => c.source.as_deref(),
            ContactField::CompanyName => c.company_name.as_deref(),
            ContactField::AssignedTo => c.assigned_to.as_deref(),
        }
    }
}

/// Body of PUT /contacts/{id}: only the fields the user changed.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ContactUpdate {
    fields: Map<String, Value>,
}

impl ContactUpdate {
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets a field; `None` or an empty string clears it.
    pub fn set(mut self, field: ContactField, value: Option<&str>) -> Self {
        let v = match value.filter(|v| !v.is_empty()) {
            Some(v) => Value::String(v.to_string()),
            None if field.nullable() => Value::Null,
            None => Value::String(String::new()),
        };
        self.fields.insert(field.key().to_string(), v);
        self
    }

    /// Replaces all tags (the spec: "overwrites all current tags").
    pub fn tags(mut self, tags: &[String]) -> Self {
        self.fields
            .insert("tags".into(), Value::from(tags.to_vec()));
        self
    }

    pub fn dnd(mut self, dnd: bool) -> Self {
        self.fields.insert("dnd".into(), Value::Bool(dnd));
        self
    }

    /// Custom field values, each sent as a string as the spec requires.
    pub fn custom_field(mut self, id: &str, value: &str) -> Self {
        let entry = self
            .fields
            .entry("customFields")
            .or_insert_with(|| Value::Array(Vec::new()));
        if let Value::Array(items) = entry {
            items.retain(|i| i.get("id").and_then(Value::as_str) != Some(id));
            items.push(serde_json::json!({ "id": id, "field_value": value }));
        }
        self
    }

    /// The fields that differ between `before` and `after`, and only those.
    pub fn diff(before: &Contact, after: &Contact) -> Self {
        let mut update = Self::new();
        for field in ContactField::ALL {
            let (b, a) = (
                field.get(before).filter(|s| !s.is_empty()),
                field.get(after).filter(|s| !s.is_empty()),
            );
            if b != a {
                update = update.set(field, a);
            }
        }
        if before.tags() != after.tags() {
            update = update.tags(after.tags());
        }
        if before.dnd != after.dnd
            && let Some(d) = after.dnd
        {
            update = update.dnd(d);
        }
        update
    }

    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.fields.keys().map(String::as_str)
    }

    pub fn to_json(&self) -> Value {
        Value::Object(self.fields.clone())
    }
}

impl Serialize for ContactUpdate {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.fields.serialize(s)
    }
}

impl<'de> Deserialize<'de> for ContactUpdate {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(ContactUpdate {
            fields: Map::deserialize(d)?,
        })
    }
}

/// Body of POST /contacts/{id}/tasks (`CreateTaskParams`): `title`,
/// `dueDate` and `completed` are required, so `completed` is always sent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NewTask {
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    pub due_date: String,
    pub completed: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assigned_to: Option<String>,
}

/// Body of PUT /contacts/{id}/tasks/{taskId} (`UpdateTaskBody`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TaskUpdate {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due_date: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub completed: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assigned_to: Option<String>,
}

/// Body of POST /contacts/{id}/notes (`NotesDTO`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NewNote {
    pub body: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub color: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pinned: Option<bool>,
}

/// Body of PUT /contacts/{id}/notes/{noteId} (`UpdateNoteDTO`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NoteUpdate {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub color: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pinned: Option<bool>,
}

/// Query of the deprecated GET /contacts/.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListContacts {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub query: Option<String>,
    /// At most 100; the server's default is 20.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_after: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_after_id: Option<String>,
}

/// Body of POST /contacts/search (documented outside the spec; see
/// shared/research/ghl-api.md §5). `locationId` is filled in by the client.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SearchContacts {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query: Option<String>,
    /// At most 500.
    pub page_limit: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub search_after: Option<Vec<Value>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub filters: Vec<Value>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sort: Vec<SortBy>,
}

impl Default for SearchContacts {
    fn default() -> Self {
        Self {
            query: None,
            page_limit: 100,
            page: None,
            search_after: None,
            filters: Vec::new(),
            sort: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SortBy {
    pub field: String,
    pub direction: SortDirection,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SortDirection {
    Asc,
    Desc,
}

/// Query of GET /contacts/business/{businessId}. The spec types `limit` and
/// `skip` as strings.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct BusinessContacts {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub query: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub skip: Option<u32>,
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn contact_round_trip_keeps_unmodelled_fields() {
        let wire = json!({
            "id": "c1",
            "firstName": "Ada",
            "email": "ada@example.com",
            "dndSettings": {"Call": {"status": "active", "message": "no"}},
            "attributionSource": {"url": "https://x", "utmSource": null},
            "customFields": [{"id": "cf1", "value": 42}, {"id": "cf2", "value": ["a", "b"]}],
            "lastActivity": 1700000000000_i64,
            "somethingNew": {"nested": [1, 2, 3]}
        });
        let c: Contact = serde_json::from_value(wire.clone()).unwrap();
        assert_eq!(c.first_name.as_deref(), Some("Ada"));
        assert!(c.extra.contains_key("somethingNew"));
        assert_eq!(serde_json::to_value(&c).unwrap(), wire);
    }

    #[test]
    fn absent_fields_are_omitted_not_null() {
        let c = Contact {
            id: "x".into(),
            ..Default::default()
        };
        assert_eq!(serde_json::to_value(&c).unwrap(), json!({"id": "x"}));
    }

    #[test]
    fn update_sends_only_changed_fields() {
        let before = Contact {
            id: "c".into(),
            first_name: Some("Ada".into()),
            email: Some("a@x.io".into()),
            postal_code: Some("12345".into()),
            tags: Some(vec!["vip".into()]),
            ..Default::default()
        };
        let mut after = before.clone();
        after.email = Some("ada@x.io".into());
        after.postal_code = None;
        let u = ContactUpdate::diff(&before, &after);
        assert_eq!(
            u.to_json(),
            json!({"email": "ada@x.io", "postalCode": ""}),
            "unchanged fields and tags are not sent; a cleared non-nullable field is an empty string"
        );
        after.first_name = None;
        let u = ContactUpdate::diff(&before, &after);
        assert_eq!(u.to_json()["firstName"], Value::Null);
        assert!(ContactUpdate::diff(&before, &before).is_empty());
    }

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
    fn search_rows_and_records_both_give_the_address() {
        let row: Contact = serde_json::from_value(
            json!({"id": "c", "address": "1 Main St", "dateOfBirth": 631152000000i64}),
        )
        .unwrap();
        assert_eq!(row.address1.as_deref(), Some("1 Main St"));
        let record: Contact = serde_json::from_value(
            json!({"id": "c", "address1": "1 Main St", "dateOfBirth": "1990-01-01"}),
        )
        .unwrap();
        assert_eq!(record.address1, row.address1);
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

    #[test]
    fn display_name_falls_back() {
        let mut c = Contact {
            id: "id1".into(),
            ..Default::default()
        };
        assert_eq!(c.display_name(), "id1");
        c.email = Some("e@x".into());
        assert_eq!(c.display_name(), "e@x");
        c.last_name = Some("Lovelace".into());
        assert_eq!(c.display_name(), "Lovelace");
        c.name = Some("  ".into());
        assert_eq!(c.display_name(), "Lovelace");
    }
}
