//! The Contacts service's wire types (`apps/contacts.json`): contacts,
//! their tasks, notes and appointments, and the bodies that create, change
//! and search them. Named exactly as in the spec; every object keeps the
//! fields rolo does not model, so a value read and written back loses
//! nothing.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::api::model::{Extra, ListMeta, RawFields, parse_timestamp};

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

/// The channels `dndSettings` may hold, in the spec's order.
pub const DND_CHANNELS: [&str; 6] = ["Call", "Email", "SMS", "WhatsApp", "GMB", "FB"];

/// One channel's do-not-disturb state (`DndSettingSchema`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DndChannel {
    pub channel: String,
    /// active, inactive or permanent (or what the server says).
    pub status: String,
    pub message: Option<String>,
}

impl Contact {
    /// The channels whose DND is on (`active` or `permanent`), from
    /// `dndSettings`; a value not shaped as the spec says is skipped.
    /// The users who follow the contact (`followers`, by id).
    pub fn followers(&self) -> Vec<String> {
        match self.extra.get("followers") {
            Some(Value::Array(ids)) => ids
                .iter()
                .filter_map(Value::as_str)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect(),
            _ => Vec::new(),
        }
    }

    pub fn set_followers(&mut self, ids: &[String]) {
        self.extra.insert("followers", Value::from(ids.to_vec()));
    }

    pub fn dnd_channels(&self) -> Vec<DndChannel> {
        let Some(Value::Object(settings)) = self.extra.get("dndSettings") else {
            return Vec::new();
        };
        let mut out: Vec<DndChannel> = settings
            .iter()
            .filter_map(|(channel, v)| {
                let status = v.get("status")?.as_str()?.to_string();
                let message = v
                    .get("message")
                    .and_then(Value::as_str)
                    .map(str::trim)
                    .filter(|m| !m.is_empty())
                    .map(str::to_string);
                Some(DndChannel {
                    channel: channel.clone(),
                    status,
                    message,
                })
            })
            .filter(|d| d.status != "inactive")
            .collect();
        let rank = |c: &str| {
            DND_CHANNELS
                .iter()
                .position(|x| *x == c)
                .unwrap_or(usize::MAX)
        };
        out.sort_by_key(|d| (rank(&d.channel), d.channel.clone()));
        out
    }

    /// Why a message on `channel` (`SMS`, `Email`) cannot go to this
    /// contact: DND on every channel or on that one, or nowhere to send it.
    pub fn refuses(&self, channel: &str) -> Option<String> {
        let shown = self.display_name();
        let name = crate::text::sanitize(&shown);
        if self.dnd == Some(true) {
            return Some(format!(
                "{name} has Do Not Disturb on for every channel: no {channel} was sent"
            ));
        }
        if let Some(d) = self
            .dnd_channels()
            .into_iter()
            .find(|d| d.channel.eq_ignore_ascii_case(channel))
        {
            return Some(format!(
                "{name} has Do Not Disturb on for {channel} ({}): nothing was sent",
                crate::text::sanitize(&d.status)
            ));
        }
        let (to, what) = if channel.eq_ignore_ascii_case("email") {
            (self.email.as_deref(), "email address")
        } else {
            (self.phone.as_deref(), "phone number")
        };
        if to.is_none_or(|t| t.trim().is_empty()) {
            return Some(format!("{name} has no {what}: no {channel} was sent"));
        }
        None
    }

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
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
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

    pub fn end(&self) -> Option<chrono::DateTime<chrono::Utc>> {
        parse_timestamp(self.end_time.as_deref()?)
    }

    /// Still happening: neither cancelled nor invalid.
    pub fn is_live(&self) -> bool {
        !matches!(
            self.appointment_status.as_deref(),
            Some("cancelled" | "invalid")
        )
    }

    /// Whether the user is assigned to it, or among its users.
    pub fn involves(&self, user_id: &str) -> bool {
        self.assigned_user_id.as_deref() == Some(user_id)
            || self
                .users
                .as_ref()
                .is_some_and(|u| u.iter().any(|x| x == user_id))
    }

    /// Whether it overlaps another live appointment of the same person
    /// among `all`.
    pub fn overlaps(&self, all: &[Appointment]) -> bool {
        let (Some(s), Some(e)) = (self.start(), self.end()) else {
            return false;
        };
        self.is_live()
            && all.iter().any(|b| {
                b.id != self.id
                    && b.is_live()
                    && b.assigned_user_id.is_some()
                    && b.assigned_user_id == self.assigned_user_id
                    && matches!((b.start(), b.end()), (Some(bs), Some(be)) if bs < e && s < be)
            })
    }
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

    /// DND per channel (`DndSettingsSchema`: Call, Email, SMS, WhatsApp,
    /// GMB, FB, each `{status, message?, code?}`).
    pub fn dnd_settings(mut self, settings: Value) -> Self {
        self.fields.insert("dndSettings".into(), settings);
        self
    }

    /// A custom field's value as a string, as the spec's TextField (and a
    /// validating proxy) wants even for numbers.
    pub fn custom_field(self, id: &str, value: &str) -> Self {
        self.custom_value(id, Value::String(value.to_string()))
    }

    /// A custom field's value as `{id, field_value}`: a string, or a list
    /// of strings for a multi-select or checkbox field; "" or `[]` clears.
    pub fn custom_value(mut self, id: &str, value: Value) -> Self {
        let value = match value {
            Value::Null => Value::String(String::new()),
            Value::Array(items) => Value::Array(
                items
                    .into_iter()
                    .map(|v| match v {
                        Value::String(s) => Value::String(s),
                        other => Value::String(other.to_string()),
                    })
                    .collect(),
            ),
            Value::String(s) => Value::String(s),
            other => Value::String(other.to_string()),
        };
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

    /// The custom field values this update sends, by id.
    pub fn custom_values(&self) -> Vec<(&str, &Value)> {
        self.fields
            .get("customFields")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|i| Some((i.get("id")?.as_str()?, i.get("field_value")?)))
            .collect()
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
        let (was, now) = (
            before.extra.get("dndSettings"),
            after.extra.get("dndSettings"),
        );
        if was != now {
            update = update.dnd_settings(now.unwrap_or_else(|| Value::Object(Map::new())));
        }
        let values = |c: &Contact| -> Vec<(String, Value)> {
            c.custom_fields
                .iter()
                .flatten()
                .map(|v| (v.id.clone(), v.value.clone().unwrap_or(Value::Null)))
                .collect()
        };
        let (b, a) = (values(before), values(after));
        let value_of = |list: &[(String, Value)], id: &str| {
            list.iter()
                .find(|(i, _)| i == id)
                .map(|(_, v)| v.clone())
                .unwrap_or(Value::Null)
        };
        let mut ids: Vec<&str> = a.iter().chain(&b).map(|(i, _)| i.as_str()).collect();
        ids.dedup();
        let mut seen = std::collections::HashSet::new();
        for id in ids {
            if !seen.insert(id) {
                continue;
            }
            let (was, now) = (value_of(&b, id), value_of(&a, id));
            if custom_text(&was) != custom_text(&now) {
                update = update.custom_value(id, now);
            }
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

/// A custom field value as text, to compare values of either shape: a list
/// reads as its items joined by ", ", nothing and "" alike.
pub fn custom_text(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.trim().to_string(),
        Value::Array(items) => items
            .iter()
            .map(custom_text)
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(", "),
        other => other.to_string(),
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

    #[test]
    fn dnd_channels_are_read_from_dnd_settings_and_junk_is_skipped() {
        let c: Contact = serde_json::from_value(json!({
            "id": "c1",
            "dndSettings": {
                "SMS": {"status": "active", "message": " opted out by text "},
                "Email": {"status": "inactive"},
                "Call": {"status": "permanent"},
                "FB": "nonsense",
                "GMB": {"message": "no status"}
            }
        }))
        .unwrap();
        let d = c.dnd_channels();
        assert_eq!(
            d.iter().map(|d| d.channel.as_str()).collect::<Vec<_>>(),
            ["Call", "SMS"]
        );
        assert_eq!(d[1].message.as_deref(), Some("opted out by text"));
        let none: Contact =
            serde_json::from_value(json!({"id": "c2", "dndSettings": [1]})).unwrap();
        assert!(none.dnd_channels().is_empty());
    }
}

/// What a bulk tag request did, per contact named.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct BulkTags {
    /// The contacts changed (or already as asked).
    pub done: Vec<String>,
    /// The contacts refused, with the server's message.
    pub refused: Vec<(String, String)>,
    /// Of `done`, those the server says it did not change (they had the
    /// tags already, or none of them): an undo must leave them be.
    #[serde(default)]
    pub unchanged: Vec<String>,
}

impl BulkTags {
    /// Reads `{succeded, errorCount, responses: [{contactId, type,
    /// message}]}`. A contact asked for that no answer names is refused:
    /// it cannot be told that it changed.
    pub fn read(v: &serde_json::Value, asked: &[String]) -> BulkTags {
        let mut out = BulkTags::default();
        let answers = v["responses"].as_array().cloned().unwrap_or_default();
        for id in asked {
            let a = answers
                .iter()
                .find(|a| a["contactId"].as_str() == Some(id.as_str()));
            let empty = |k: &str| a.is_some_and(|a| a[k].as_array().is_some_and(Vec::is_empty));
            match a {
                Some(a) if a["type"] == "success" => {
                    out.done.push(id.clone());
                    if empty("tagsAdded") && empty("tagsRemoved") {
                        out.unchanged.push(id.clone());
                    }
                }
                Some(a) => out.refused.push((
                    id.clone(),
                    a["message"].as_str().unwrap_or("refused").to_string(),
                )),
                None => out.refused.push((
                    id.clone(),
                    "HighLevel's answer did not name this contact".into(),
                )),
            }
        }
        out
    }
}
