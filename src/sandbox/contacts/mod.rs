//! The Contacts service (`apps/contacts.json`): contacts, their tasks and
//! notes, tags and appointments. The store's behaviour for each endpoint,
//! and the routes that reach it.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::{get, post, put};
use serde_json::{Value, json};

mod search;
pub(in crate::sandbox) mod stored;

use crate::sandbox::Shared;
use crate::sandbox::http::{JsonBody, outcome, with_store};
use crate::sandbox::seed::make_id;
use crate::sandbox::store::*;
use crate::sandbox::validate::{Field, Kind, opt, req};
use search::digits;

/// The `Version` the service's operations declare.
pub const VERSION: &str = "2021-07-28";

/// The service's routes, with the spec's paths.
pub(super) fn routes() -> Router<Arc<Shared>> {
    let api = child_routes(
        Router::new(),
        Child::Task,
        "/contacts/{contact_id}/tasks",
        "/contacts/{contact_id}/tasks/{task_id}",
    );
    child_routes(
        api,
        Child::Note,
        "/contacts/{contact_id}/notes",
        "/contacts/{contact_id}/notes/{id}",
    )
    .route("/contacts/", get(list_contacts).post(create_contact))
    .route("/contacts", get(list_contacts).post(create_contact))
    .route("/contacts/search", post(search_contacts))
    .route("/contacts/search/duplicate", get(duplicate))
    .route("/contacts/upsert", post(upsert_contact))
    .route("/contacts/business/{business_id}", get(business_contacts))
    .route(
        "/contacts/{contact_id}",
        get(get_contact).put(update_contact).delete(delete_contact),
    )
    .route(
        "/contacts/{contact_id}/tasks/{task_id}/completed",
        put(complete_task),
    )
    .route(
        "/contacts/{contact_id}/tags",
        post(add_tags).delete(remove_tags),
    )
    .route("/contacts/bulk/tags/update/{kind}", post(bulk_tags))
    .route(
        "/contacts/{contact_id}/followers",
        post(add_followers).delete(remove_followers),
    )
    .route("/contacts/{contact_id}/appointments", get(appointments))
}

const CONTACT_COMMON: &[Field] = &[
    opt("firstName", Kind::NullableStr),
    opt("lastName", Kind::NullableStr),
    opt("name", Kind::NullableStr),
    opt("email", Kind::NullableEmail),
    opt("phone", Kind::NullableStr),
    opt("address1", Kind::NullableStr),
    opt("city", Kind::NullableStr),
    opt("state", Kind::NullableStr),
    opt("postalCode", Kind::Str),
    opt("website", Kind::NullableStr),
    opt("timezone", Kind::NullableStr),
    opt("dnd", Kind::Bool),
    opt("dndSettings", Kind::Object),
    opt("inboundDndSettings", Kind::Object),
    opt("tags", Kind::StrArray),
    opt("customFields", Kind::Array),
    opt("dateOfBirth", Kind::NullableObject),
    opt("country", Kind::Str),
    opt("assignedTo", Kind::NullableStr),
];

fn create_contact_fields(upsert: bool) -> Vec<Field> {
    let mut f = CONTACT_COMMON.to_vec();
    f.extend([
        req("locationId", Kind::Str),
        opt("gender", Kind::Str),
        opt("source", Kind::Str),
        opt("companyName", Kind::NullableStr),
    ]);
    if upsert {
        f.push(opt("createNewIfDuplicateAllowed", Kind::Bool));
    }
    f
}

/// PUT /contacts/{id}: the spec's UpdateContactDto, plus what the live
/// service is reported to take as well (GoHighLevel/highlevel-api-docs#314):
/// companyName, type, keyword and ssn (dateOfBirth, source and timezone are
/// in the DTO). Anything else is still refused with 422.
fn update_contact_fields() -> Vec<Field> {
    let mut f = CONTACT_COMMON.to_vec();
    f.extend([
        opt("source", Kind::NullableStr),
        opt("companyName", Kind::NullableStr),
        opt("type", Kind::Str),
        opt("keyword", Kind::Str),
        opt("ssn", Kind::Str),
    ]);
    f
}

const CREATE_TASK: &[Field] = &[
    req("title", Kind::Str),
    opt("body", Kind::Str),
    req("dueDate", Kind::IsoDate),
    req("completed", Kind::Bool),
    opt("assignedTo", Kind::Str),
];

const UPDATE_TASK: &[Field] = &[
    opt("title", Kind::Str),
    opt("body", Kind::Str),
    opt("dueDate", Kind::IsoDate),
    opt("completed", Kind::Bool),
    opt("assignedTo", Kind::Str),
];

const TASK_COMPLETED: &[Field] = &[req("completed", Kind::Bool)];

const CREATE_NOTE: &[Field] = &[
    opt("userId", Kind::Str),
    req("body", Kind::Str),
    opt("title", Kind::Str),
    opt("color", Kind::Str),
    opt("pinned", Kind::Bool),
];

const UPDATE_NOTE: &[Field] = &[
    opt("userId", Kind::Str),
    opt("body", Kind::Str),
    opt("title", Kind::Str),
    opt("color", Kind::Str),
    opt("pinned", Kind::Bool),
];

const TAGS: &[Field] = &[req("tags", Kind::StrArray)];
const BULK_TAGS: &[Field] = &[
    req("contacts", Kind::StrArray),
    req("tags", Kind::StrArray),
    req("locationId", Kind::Str),
    opt("removeAllTags", Kind::Bool),
];

/// The most contacts one bulk tag request may name.
pub const BULK_MAX: usize = 1_000;
const FOLLOWERS: &[Field] = &[req("followers", Kind::StrArray)];

/// The records that hang off a contact and share one shape of endpoints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Child {
    Task,
    Note,
}

impl Child {
    fn singular(self) -> &'static str {
        match self {
            Child::Task => "task",
            Child::Note => "note",
        }
    }

    fn plural(self) -> &'static str {
        match self {
            Child::Task => "tasks",
            Child::Note => "notes",
        }
    }

    fn missing(self) -> &'static str {
        match self {
            Child::Task => "Task not found",
            Child::Note => "Note not found",
        }
    }

    fn create_fields(self) -> &'static [Field] {
        match self {
            Child::Task => CREATE_TASK,
            Child::Note => CREATE_NOTE,
        }
    }

    fn update_fields(self) -> &'static [Field] {
        match self {
            Child::Task => UPDATE_TASK,
            Child::Note => UPDATE_NOTE,
        }
    }
}

impl Store {
    pub fn get_contact(&self, id: &str) -> Outcome {
        match self.contact(id) {
            Some(c) => ok(json!({ "contact": c })),
            None => Err(not_found("Contact not found")),
        }
    }

    /// GET /contacts/search/duplicate
    pub fn duplicate(&self, q: &HashMap<String, String>) -> Outcome {
        self.check_location(q.get("locationId").map(String::as_str))?;
        let found = self.find_existing(
            q.get("email").map(String::as_str),
            q.get("number").map(String::as_str),
            None,
        );
        match found.and_then(|id| self.contact(&id)) {
            Some(c) => ok(json!({ "contact": c })),
            None => ok(json!({})),
        }
    }

    /// The id of a contact with this email (case-insensitive) or phone (by digits).
    /// `except` (the contact being edited) is passed over.
    pub(super) fn find_existing(
        &self,
        email: Option<&str>,
        phone: Option<&str>,
        except: Option<&str>,
    ) -> Option<String> {
        let keys = [stored::email_key(email), stored::phone_key(phone)];
        if !self.contacts.may_hold(keys, except) {
            return None;
        }
        let email = email.map(str::to_lowercase).filter(|e| !e.is_empty());
        let phone = phone.map(digits).filter(|p| !p.is_empty());
        let others = self
            .contacts
            .iter()
            .filter(|c| Some(text(c, "id")) != except);
        others.into_iter().find_map(|c| {
            let e = c
                .get("email")
                .and_then(Value::as_str)
                .map(str::to_lowercase);
            let p = c.get("phone").and_then(Value::as_str).map(digits);
            let hit = (email.is_some() && e == email) || (phone.is_some() && p == phone);
            hit.then(|| {
                c.get("id")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string()
            })
        })
    }

    /// Copies the writable fields of a validated body onto a contact:
    /// `null` and "" clear, custom field inputs become `{id, value}`.
    pub(super) fn apply_contact_fields(&mut self, c: &mut Obj, body: &Obj) {
        for (k, v) in body {
            match k.as_str() {
                "locationId" | "createNewIfDuplicateAllowed" => {}
                "customFields" => {
                    let mut current: Vec<Value> = c
                        .get("customFields")
                        .and_then(Value::as_array)
                        .cloned()
                        .unwrap_or_default();
                    for input in v.as_array().into_iter().flatten() {
                        let Some(id) = self
                            .custom_definition(input)
                            .and_then(|d| d["id"].as_str().map(str::to_string))
                        else {
                            continue;
                        };
                        // Kept as the spec's contact shows it: a string,
                        // a list as its items joined by ", ".
                        let value = match input.get("field_value").or_else(|| input.get("value")) {
                            Some(Value::String(s)) => s.trim().to_string(),
                            Some(Value::Array(items)) => items
                                .iter()
                                .filter_map(Value::as_str)
                                .map(str::trim)
                                .filter(|s| !s.is_empty())
                                .collect::<Vec<_>>()
                                .join(", "),
                            Some(Value::Null) | None => String::new(),
                            Some(other) => other.to_string(),
                        };
                        current
                            .retain(|f| f.get("id").and_then(Value::as_str) != Some(id.as_str()));
                        if !value.is_empty() {
                            current.push(json!({ "id": id, "value": value }));
                        }
                    }
                    c.insert(k.clone(), Value::Array(current));
                }
                "tags" => {
                    let mut tags: Vec<String> = Vec::new();
                    for t in v.as_array().into_iter().flatten().filter_map(Value::as_str) {
                        let t = t.trim().to_string();
                        if !t.is_empty() && !tags.contains(&t) {
                            tags.push(t);
                        }
                    }
                    c.insert(k.clone(), json!(tags));
                }
                _ => match v {
                    Value::Null => {
                        c.remove(k);
                    }
                    Value::String(s) if s.is_empty() => {
                        c.remove(k);
                    }
                    v => {
                        c.insert(k.clone(), v.clone());
                    }
                },
            }
        }
        // Derived fields, as the server keeps them.
        let s = |c: &Obj, k: &str| {
            c.get(k)
                .and_then(Value::as_str)
                .unwrap_or("")
                .trim()
                .to_string()
        };
        let (first, last) = (s(c, "firstName"), s(c, "lastName"));
        for (k, v) in [("firstNameLowerCase", &first), ("lastNameLowerCase", &last)] {
            if v.is_empty() {
                c.remove(k);
            } else {
                c.insert(k.into(), json!(v.to_lowercase()));
            }
        }
        let full = format!("{first} {last}").trim().to_string();
        if !body.contains_key("name") || s(c, "name").is_empty() {
            if full.is_empty() {
                c.remove("name");
            } else {
                c.insert("name".into(), json!(full));
            }
        }
        if full.is_empty() {
            c.remove("fullNameLowerCase");
        } else {
            c.insert("fullNameLowerCase".into(), json!(full.to_lowercase()));
        }
        match c
            .get("email")
            .and_then(Value::as_str)
            .map(str::to_lowercase)
        {
            Some(e) => {
                c.insert("emailLowerCase".into(), json!(e));
            }
            None => {
                c.remove("emailLowerCase");
            }
        }
        let snapshot = c.clone();
        self.register_tags(&snapshot);
    }

    pub(super) fn duplicate_reply(&self, id: &str, field: &str) -> Reply {
        let name = self
            .contact(id)
            .map(|c| text(&c, "name").to_string())
            .unwrap_or_default();
        Reply {
            status: 400,
            body: json!({
                "statusCode": 400,
                "message": "This location does not allow duplicated contacts.",
                "meta": {"contactName": name, "contactId": id, "matchingField": field},
            }),
        }
    }

    /// POST /contacts/
    pub fn create_contact(&mut self, body: &Value) -> Outcome {
        let fields = create_contact_fields(false);
        let b = checked(body, &fields)?;
        self.check_location(b.get("locationId").and_then(Value::as_str))?;
        self.check_user_ids(b)?;
        self.check_custom_fields(b)?;
        let email = b.get("email").and_then(Value::as_str);
        let phone = b.get("phone").and_then(Value::as_str);
        if let Some(id) = self.find_existing(email, None, None) {
            return Err(self.duplicate_reply(&id, "email"));
        }
        if let Some(id) = self.find_existing(None, phone, None) {
            return Err(self.duplicate_reply(&id, "phone"));
        }
        let c = self.new_contact(b);
        created(json!({ "contact": c }))
    }

    pub(super) fn new_contact(&mut self, b: &Obj) -> Obj {
        let now = Self::now();
        let mut c = Obj::new();
        c.insert("id".into(), json!(make_id(&mut self.rng)));
        c.insert("locationId".into(), json!(self.location_id));
        c.insert("dateAdded".into(), json!(now));
        c.insert("dateUpdated".into(), json!(now));
        c.insert("type".into(), json!("lead"));
        c.insert("tags".into(), json!([]));
        self.apply_contact_fields(&mut c, b);
        self.insert_contact(c.clone());
        c
    }

    /// PUT /contacts/{contactId}
    pub fn update_contact(&mut self, id: &str, body: &Value) -> Outcome {
        let fields = update_contact_fields();
        let b = checked(body, &fields)?.clone();
        self.need_contact(id)?;
        self.check_user_ids(&b)?;
        self.check_custom_fields(&b)?;
        check_dnd_settings(&b)?;
        let email = b.get("email").and_then(Value::as_str);
        if let Some(other) = self.find_existing(email, None, Some(id)) {
            return Err(self.duplicate_reply(&other, "email"));
        }
        let mut c = self
            .contact(id)
            .map(std::borrow::Cow::into_owned)
            .unwrap_or_default();
        self.apply_contact_fields(&mut c, &b);
        c.insert("dateUpdated".into(), json!(Self::now()));
        self.insert_contact(c.clone());
        ok(json!({ "succeded": true, "contact": c }))
    }

    /// DELETE /contacts/{contactId}
    pub fn delete_contact(&mut self, id: &str) -> Outcome {
        if !self.contacts.remove(id) {
            return Err(not_found("Contact not found"));
        }
        self.tasks.remove(id);
        self.notes.remove(id);
        self.appointments.remove(id);
        ok(json!({ "succeded": true }))
    }

    /// POST /contacts/upsert
    pub fn upsert_contact(&mut self, body: &Value) -> Outcome {
        let fields = create_contact_fields(true);
        let b = checked(body, &fields)?.clone();
        self.check_location(b.get("locationId").and_then(Value::as_str))?;
        self.check_user_ids(&b)?;
        self.check_custom_fields(&b)?;
        let trace = make_id(&mut self.rng);
        let allow_dup = b
            .get("createNewIfDuplicateAllowed")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        let existing = if allow_dup {
            None
        } else {
            self.find_existing(
                b.get("email").and_then(Value::as_str),
                b.get("phone").and_then(Value::as_str),
                None,
            )
        };
        match existing {
            Some(id) => {
                let mut c = self
                    .contact(&id)
                    .map(std::borrow::Cow::into_owned)
                    .unwrap_or_default();
                let mut merged = b.clone();
                // Upsert adds tags; it does not drop the ones already there.
                if let Some(new_tags) = b.get("tags").and_then(Value::as_array) {
                    let mut tags: Vec<Value> = c
                        .get("tags")
                        .and_then(Value::as_array)
                        .cloned()
                        .unwrap_or_default();
                    for t in new_tags {
                        if !tags.contains(t) {
                            tags.push(t.clone());
                        }
                    }
                    merged.insert("tags".into(), Value::Array(tags));
                }
                self.apply_contact_fields(&mut c, &merged);
                c.insert("dateUpdated".into(), json!(Self::now()));
                self.insert_contact(c.clone());
                ok(json!({ "new": false, "contact": c, "traceId": trace }))
            }
            None => {
                let c = self.new_contact(&b);
                ok(json!({ "new": true, "contact": c, "traceId": trace }))
            }
        }
    }

    pub(super) fn children(&mut self, kind: Child) -> &mut HashMap<String, Vec<Obj>> {
        match kind {
            Child::Task => &mut self.tasks,
            Child::Note => &mut self.notes,
        }
    }

    /// GET /contacts/{id}/tasks or /notes
    pub fn list_children(&self, kind: Child, contact_id: &str) -> Outcome {
        self.need_contact(contact_id)?;
        let items = match kind {
            Child::Task => self.tasks_of(contact_id),
            Child::Note => self.notes_of(contact_id),
        };
        ok(json!({ kind.plural(): items }))
    }

    pub(super) fn find_child(
        &mut self,
        kind: Child,
        contact_id: &str,
        id: &str,
    ) -> Result<&mut Obj, Reply> {
        self.need_contact(contact_id)?;
        self.children(kind)
            .get_mut(contact_id)
            .and_then(|items| {
                items
                    .iter_mut()
                    .find(|t| t.get("id").and_then(Value::as_str) == Some(id))
            })
            .ok_or_else(|| not_found(kind.missing()))
    }

    /// GET /contacts/{id}/tasks/{taskId} or /notes/{id}
    pub fn get_child(&mut self, kind: Child, contact_id: &str, id: &str) -> Outcome {
        let t = self.find_child(kind, contact_id, id)?;
        ok(json!({ kind.singular(): t }))
    }

    /// POST /contacts/{id}/tasks or /notes (answers 201)
    pub fn create_child(&mut self, kind: Child, contact_id: &str, body: &Value) -> Outcome {
        let b = checked(body, kind.create_fields())?.clone();
        self.need_contact(contact_id)?;
        self.check_user_ids(&b)?;
        let mut t = Obj::new();
        t.insert("id".into(), json!(make_id(&mut self.rng)));
        t.extend(b);
        t.insert("contactId".into(), json!(contact_id));
        t.insert("dateAdded".into(), json!(Self::now()));
        self.children(kind)
            .entry(contact_id.to_string())
            .or_default()
            .push(t.clone());
        created(json!({ kind.singular(): t }))
    }

    /// PUT /contacts/{id}/tasks/{taskId} or /notes/{id}
    pub fn update_child(
        &mut self,
        kind: Child,
        contact_id: &str,
        id: &str,
        body: &Value,
    ) -> Outcome {
        let b = checked(body, kind.update_fields())?.clone();
        self.check_user_ids(&b)?;
        if kind == Child::Note
            && b.get("body")
                .and_then(Value::as_str)
                .is_some_and(|s| s.trim().is_empty())
        {
            return Err(unprocessable(vec!["body should not be empty".into()]));
        }
        let t = self.find_child(kind, contact_id, id)?;
        t.extend(b);
        ok(json!({ kind.singular(): t }))
    }

    /// DELETE /contacts/{id}/tasks/{taskId} or /notes/{id}
    pub fn delete_child(&mut self, kind: Child, contact_id: &str, id: &str) -> Outcome {
        self.find_child(kind, contact_id, id)?;
        if let Some(items) = self.children(kind).get_mut(contact_id) {
            items.retain(|t| t.get("id").and_then(Value::as_str) != Some(id));
        }
        ok(json!({ "succeded": true }))
    }

    pub fn set_task_completed(&mut self, contact_id: &str, task_id: &str, body: &Value) -> Outcome {
        let b = checked(body, TASK_COMPLETED)?.clone();
        let t = self.find_child(Child::Task, contact_id, task_id)?;
        t.insert("completed".into(), b["completed"].clone());
        ok(json!({ "task": t }))
    }

    pub(super) fn tags_body(body: &Value) -> Result<Vec<String>, Reply> {
        let b = checked(body, TAGS)?;
        let tags: Vec<String> = b["tags"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .map(|t| t.trim().to_string())
            .filter(|t| !t.is_empty())
            .collect();
        if tags.is_empty() {
            return Err(unprocessable(vec!["tags should not be empty".into()]));
        }
        Ok(tags)
    }

    pub fn add_tags(&mut self, contact_id: &str, body: &Value) -> Outcome {
        let add = Self::tags_body(body)?;
        self.need_contact(contact_id)?;
        let mut c = self
            .contact(contact_id)
            .map(std::borrow::Cow::into_owned)
            .unwrap_or_default();
        let mut tags: Vec<String> = tags_in(&c);
        for t in add {
            if !tags.iter().any(|x| x.eq_ignore_ascii_case(&t)) {
                tags.push(t);
            }
        }
        c.insert("tags".into(), json!(tags));
        c.insert("dateUpdated".into(), json!(Self::now()));
        self.register_tags(&c);
        self.insert_contact(c);
        created(json!({ "tags": tags }))
    }

    /// The users a followers body names: ids of this location's users.
    fn followers_body(&self, body: &Value) -> Result<Vec<String>, Reply> {
        let b = checked(body, FOLLOWERS)?;
        let ids: Vec<String> = b["followers"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect();
        if ids.is_empty() {
            return Err(unprocessable(vec!["followers should not be empty".into()]));
        }
        for id in &ids {
            let mut one = Obj::new();
            one.insert("assignedTo".into(), json!(id));
            self.check_user_ids(&one).map_err(|_| {
                unprocessable(vec![format!(
                    "followers: {id} is not a user of this location"
                )])
            })?;
        }
        Ok(ids)
    }

    fn followers_of(c: &Obj) -> Vec<String> {
        c.get("followers")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect()
    }

    /// POST /contacts/{contactId}/followers: 201 with every follower and
    /// those just added.
    pub fn add_followers(&mut self, contact_id: &str, body: &Value) -> Outcome {
        let add = self.followers_body(body)?;
        self.need_contact(contact_id)?;
        let Some(c) = self.contact_mut(contact_id) else {
            return Err(not_found("Contact not found"));
        };
        let mut all = Self::followers_of(c);
        let mut added = Vec::new();
        for id in add {
            if !all.contains(&id) {
                all.push(id.clone());
                added.push(id);
            }
        }
        c.insert("followers".into(), json!(all));
        c.insert("dateUpdated".into(), json!(Self::now()));
        created(json!({ "followers": all, "followersAdded": added }))
    }

    /// DELETE /contacts/{contactId}/followers: 200 with the followers left
    /// and those removed.
    pub fn remove_followers(&mut self, contact_id: &str, body: &Value) -> Outcome {
        let remove = self.followers_body(body)?;
        self.need_contact(contact_id)?;
        let Some(c) = self.contact_mut(contact_id) else {
            return Err(not_found("Contact not found"));
        };
        let mut all = Self::followers_of(c);
        let removed: Vec<String> = all.iter().filter(|f| remove.contains(f)).cloned().collect();
        all.retain(|f| !remove.contains(f));
        c.insert("followers".into(), json!(all));
        c.insert("dateUpdated".into(), json!(Self::now()));
        ok(json!({ "followers": all, "followersRemoved": removed }))
    }

    pub fn remove_tags(&mut self, contact_id: &str, body: &Value) -> Outcome {
        let remove = Self::tags_body(body)?;
        self.need_contact(contact_id)?;
        let Some(c) = self.contact_mut(contact_id) else {
            return Err(not_found("Contact not found"));
        };
        let mut tags: Vec<String> = tags_in(c);
        tags.retain(|t| !remove.iter().any(|r| r.eq_ignore_ascii_case(t)));
        c.insert("tags".into(), json!(tags));
        c.insert("dateUpdated".into(), json!(Self::now()));
        ok(json!({ "tags": tags }))
    }

    /// POST /contacts/bulk/tags/update/{type}: adds (`add`) or removes
    /// (`remove`) the tags on every contact named, or all of a contact's
    /// tags with `removeAllTags`. 201, with one answer per contact: what it
    /// had, what was added or removed, or why it was not touched.
    pub fn bulk_tags(&mut self, kind: &str, body: &Value) -> Outcome {
        let adding = match kind {
            "add" => true,
            "remove" => false,
            _ => {
                return Err(bad_request(
                    "type must be one of the following values: add, remove",
                ));
            }
        };
        let b = checked(body, BULK_TAGS)?.clone();
        self.check_location(b.get("locationId").and_then(Value::as_str))?;
        let strings = |k: &str| -> Vec<String> {
            b[k].as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .map(|t| t.trim().to_string())
                .filter(|t| !t.is_empty())
                .collect()
        };
        let (ids, tags) = (strings("contacts"), strings("tags"));
        let remove_all = b.get("removeAllTags").and_then(Value::as_bool) == Some(true);
        let mut bad = Vec::new();
        if remove_all && adding {
            bad.push("removeAllTags can only be used with remove".to_string());
        }
        if ids.is_empty() {
            bad.push("contacts should not be empty".into());
        }
        if ids.len() > BULK_MAX {
            bad.push(format!(
                "contacts must contain no more than {BULK_MAX} elements"
            ));
        }
        if tags.is_empty() && !remove_all {
            bad.push("tags should not be empty".into());
        }
        if !bad.is_empty() {
            return Err(unprocessable(bad));
        }
        let mut responses = Vec::new();
        let mut errors = 0;
        for id in &ids {
            let Some(c) = self.contact(id).map(std::borrow::Cow::into_owned) else {
                errors += 1;
                responses.push(
                    json!({"contactId": id, "message": "contact not found", "type": "error"}),
                );
                continue;
            };
            let old = tags_in(&c);
            let mut now = old.clone();
            let (mut added, mut removed) = (Vec::new(), Vec::new());
            if adding {
                for t in &tags {
                    if !now.iter().any(|x| x.eq_ignore_ascii_case(t)) {
                        now.push(t.clone());
                        added.push(t.clone());
                    }
                }
            } else {
                now.retain(|x| {
                    let gone = remove_all || tags.iter().any(|t| t.eq_ignore_ascii_case(x));
                    if gone {
                        removed.push(x.clone());
                    }
                    !gone
                });
            }
            if !added.is_empty() || !removed.is_empty() {
                let mut c = c;
                c.insert("tags".into(), json!(now));
                c.insert("dateUpdated".into(), json!(Self::now()));
                self.register_tags(&c);
                self.insert_contact(c);
            }
            responses.push(json!({
                "contactId": id,
                "message": "Tags updated",
                "type": "success",
                "oldTags": old,
                "tagsAdded": added,
                "tagsRemoved": removed,
            }));
        }
        created(json!({"succeded": true, "errorCount": errors, "responses": responses}))
    }

    pub fn appointments(&self, contact_id: &str) -> Outcome {
        self.need_contact(contact_id)?;
        let events = self
            .appointments
            .get(contact_id)
            .map(Vec::as_slice)
            .unwrap_or_default();
        ok(json!({ "events": events }))
    }
}

async fn list_contacts(
    State(s): State<Arc<Shared>>,
    Query(q): Query<HashMap<String, String>>,
    uri: axum::http::Uri,
) -> Response {
    outcome(with_store!(s, |st| st.list_contacts(&q, uri.path())))
}

async fn create_contact(State(s): State<Arc<Shared>>, JsonBody(body): JsonBody) -> Response {
    outcome(with_store!(s, |st| st.create_contact(&body)))
}

async fn search_contacts(State(s): State<Arc<Shared>>, JsonBody(body): JsonBody) -> Response {
    outcome(with_store!(s, |st| st.search_contacts(&body)))
}

async fn duplicate(
    State(s): State<Arc<Shared>>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    outcome(with_store!(s, |st| st.duplicate(&q)))
}

async fn upsert_contact(State(s): State<Arc<Shared>>, JsonBody(body): JsonBody) -> Response {
    outcome(with_store!(s, |st| st.upsert_contact(&body)))
}

async fn business_contacts(
    State(s): State<Arc<Shared>>,
    Path(business_id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    outcome(with_store!(s, |st| st.business_contacts(&business_id, &q)))
}

async fn get_contact(State(s): State<Arc<Shared>>, Path(id): Path<String>) -> Response {
    outcome(with_store!(s, |st| st.get_contact(&id)))
}

async fn update_contact(
    State(s): State<Arc<Shared>>,
    Path(id): Path<String>,
    JsonBody(body): JsonBody,
) -> Response {
    outcome(with_store!(s, |st| st.update_contact(&id, &body)))
}

async fn delete_contact(State(s): State<Arc<Shared>>, Path(id): Path<String>) -> Response {
    outcome(with_store!(s, |st| st.delete_contact(&id)))
}

async fn list_children(kind: Child, s: Arc<Shared>, cid: String) -> Response {
    outcome(with_store!(s, |st| st.list_children(kind, &cid)))
}

async fn create_child(kind: Child, s: Arc<Shared>, cid: String, body: Value) -> Response {
    outcome(with_store!(s, |st| st.create_child(kind, &cid, &body)))
}

async fn get_child(kind: Child, s: Arc<Shared>, (cid, id): (String, String)) -> Response {
    outcome(with_store!(s, |st| st.get_child(kind, &cid, &id)))
}

async fn update_child(
    kind: Child,
    s: Arc<Shared>,
    (cid, id): (String, String),
    body: Value,
) -> Response {
    outcome(with_store!(s, |st| st.update_child(kind, &cid, &id, &body)))
}

async fn delete_child(kind: Child, s: Arc<Shared>, (cid, id): (String, String)) -> Response {
    outcome(with_store!(s, |st| st.delete_child(kind, &cid, &id)))
}

/// The five routes of a child collection, for `Child::Task` or `Child::Note`.
fn child_routes(
    router: Router<Arc<Shared>>,
    kind: Child,
    list: &str,
    one: &str,
) -> Router<Arc<Shared>> {
    router
        .route(
            list,
            get(
                move |State(s): State<Arc<Shared>>, Path(cid): Path<String>| {
                    list_children(kind, s, cid)
                },
            )
            .post(
                move |State(s): State<Arc<Shared>>,
                      Path(cid): Path<String>,
                      JsonBody(b): JsonBody| { create_child(kind, s, cid, b) },
            ),
        )
        .route(
            one,
            get(
                move |State(s): State<Arc<Shared>>, Path(p): Path<(String, String)>| {
                    get_child(kind, s, p)
                },
            )
            .put(
                move |State(s): State<Arc<Shared>>,
                      Path(p): Path<(String, String)>,
                      JsonBody(b): JsonBody| { update_child(kind, s, p, b) },
            )
            .delete(
                move |State(s): State<Arc<Shared>>, Path(p): Path<(String, String)>| {
                    delete_child(kind, s, p)
                },
            ),
        )
}

async fn complete_task(
    State(s): State<Arc<Shared>>,
    Path((cid, tid)): Path<(String, String)>,
    JsonBody(body): JsonBody,
) -> Response {
    outcome(with_store!(s, |st| st.set_task_completed(&cid, &tid, &body)))
}

async fn add_tags(
    State(s): State<Arc<Shared>>,
    Path(cid): Path<String>,
    JsonBody(body): JsonBody,
) -> Response {
    outcome(with_store!(s, |st| st.add_tags(&cid, &body)))
}

async fn bulk_tags(
    State(s): State<Arc<Shared>>,
    Path(kind): Path<String>,
    JsonBody(body): JsonBody,
) -> Response {
    outcome(with_store!(s, |st| st.bulk_tags(&kind, &body)))
}

async fn add_followers(
    State(s): State<Arc<Shared>>,
    Path(cid): Path<String>,
    JsonBody(body): JsonBody,
) -> Response {
    outcome(with_store!(s, |st| st.add_followers(&cid, &body)))
}

async fn remove_followers(
    State(s): State<Arc<Shared>>,
    Path(cid): Path<String>,
    JsonBody(body): JsonBody,
) -> Response {
    outcome(with_store!(s, |st| st.remove_followers(&cid, &body)))
}

async fn remove_tags(
    State(s): State<Arc<Shared>>,
    Path(cid): Path<String>,
    JsonBody(body): JsonBody,
) -> Response {
    outcome(with_store!(s, |st| st.remove_tags(&cid, &body)))
}

async fn appointments(State(s): State<Arc<Shared>>, Path(cid): Path<String>) -> Response {
    outcome(with_store!(s, |st| st.appointments(&cid)))
}

/// `dndSettings` as DndSettingsSchema has it: only the six channels, each
/// an object whose `status` is active, inactive or permanent (and
/// `message`, `code` strings): 422 otherwise, naming the channel.
fn check_dnd_settings(body: &Obj) -> Result<(), Reply> {
    let Some(settings) = body.get("dndSettings") else {
        return Ok(());
    };
    let mut bad = Vec::new();
    for (channel, v) in settings.as_object().into_iter().flatten() {
        if !crate::api::model::DND_CHANNELS.contains(&channel.as_str()) {
            bad.push(format!("property dndSettings.{channel} should not exist"));
            continue;
        }
        match v.get("status").and_then(Value::as_str) {
            Some("active" | "inactive" | "permanent") => {}
            _ => bad.push(format!(
                "dndSettings.{channel}.status must be one of the following values: active, inactive, permanent"
            )),
        }
        for k in ["message", "code"] {
            if v.get(k).is_some_and(|m| !m.is_string()) {
                bad.push(format!("dndSettings.{channel}.{k} must be a string"));
            }
        }
    }
    if bad.is_empty() {
        Ok(())
    } else {
        Err(unprocessable(bad))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sandbox::store::Store;

    #[test]
    fn search_pages_and_cursor_agree() {
        let s = Store::seeded("loc", 120, 1);
        let mut by_page = Vec::new();
        for p in 1..=3 {
            let r = s
                .search_contacts(&json!({"locationId": "loc", "pageLimit": 50, "page": p}))
                .unwrap();
            for c in r.body["contacts"].as_array().unwrap() {
                by_page.push(c["id"].clone());
            }
        }
        let mut by_cursor = Vec::new();
        let mut cursor: Option<Value> = None;
        loop {
            let mut q = json!({"locationId": "loc", "pageLimit": 50});
            if let Some(c) = &cursor {
                q["searchAfter"] = c.clone();
            }
            let r = s.search_contacts(&q).unwrap();
            let cs = r.body["contacts"].as_array().unwrap().clone();
            if cs.is_empty() {
                break;
            }
            for c in &cs {
                by_cursor.push(c["id"].clone());
            }
            cursor = cs.last().map(|c| c["searchAfter"].clone());
        }
        assert_eq!(by_page.len(), 120);
        assert_eq!(by_page, by_cursor);
    }

    #[test]
    fn page_depth_is_enforced() {
        let mut s = Store::seeded("loc", 10, 1);
        s.page_depth = 100;
        let e = s
            .search_contacts(&json!({"locationId": "loc", "pageLimit": 50, "page": 3}))
            .unwrap_err();
        assert_eq!(e.status, 422);
    }

    #[test]
    fn update_rejects_unknown_properties_and_keeps_others() {
        let mut s = Store::seeded("loc", 5, 1);
        let id = s.contact_ids()[0].clone();
        let before = s.contact(&id).unwrap().into_owned();
        let e = s
            .update_contact(&id, &json!({"locationId": "loc", "city": "Oslo"}))
            .unwrap_err();
        assert_eq!(e.body["message"][0], "property locationId should not exist");
        let r = s
            .update_contact(&id, &json!({"city": "Oslo", "website": null}))
            .unwrap();
        assert_eq!(r.body["contact"]["city"], "Oslo");
        assert!(r.body["contact"].get("website").is_none());
        assert_eq!(r.body["contact"]["email"], before["email"]);
    }
}
