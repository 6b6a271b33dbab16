//! The Contacts service (`apps/contacts.json`): contacts, their tasks,
//! notes, tags and appointments. Every call carries the service's
//! `Version`.

use serde::Serialize;
use serde_json::{Value, json};

pub mod types;

use crate::api::client::{Client, Endpoint, Succeeded, endpoint};
use crate::api::error::ApiError;
use crate::api::model::*;

/// The `Version` every Contacts operation declares.
pub const VERSION: &str = "2021-07-28";

endpoint!(
    GET_CONTACT,
    "get-contact",
    GET,
    "contacts.readonly",
    Idempotent,
    VERSION
);
endpoint!(
    LIST_CONTACTS,
    "get-contacts",
    GET,
    "contacts.readonly",
    Idempotent,
    VERSION
);
endpoint!(
    SEARCH_CONTACTS,
    "search-contacts-advanced",
    POST,
    "contacts.readonly",
    Idempotent,
    VERSION
);
endpoint!(
    BUSINESS_CONTACTS,
    "get-contacts-by-businessId",
    GET,
    "contacts.readonly",
    Idempotent,
    VERSION
);
endpoint!(
    DUPLICATE,
    "get-duplicate-contact",
    GET,
    "contacts.readonly",
    Idempotent,
    VERSION
);
endpoint!(
    CREATE_CONTACT,
    "create-contact",
    POST,
    "contacts.write",
    OnlyIfUnprocessed,
    VERSION
);
endpoint!(
    UPDATE_CONTACT,
    "update-contact",
    PUT,
    "contacts.write",
    Idempotent,
    VERSION
);
endpoint!(
    DELETE_CONTACT,
    "delete-contact",
    DELETE,
    "contacts.write",
    Idempotent,
    VERSION
);
endpoint!(
    UPSERT_CONTACT,
    "upsert-contact",
    POST,
    "contacts.write",
    Idempotent,
    VERSION
);
endpoint!(
    GET_TASKS,
    "get-all-tasks",
    GET,
    "contacts.readonly",
    Idempotent,
    VERSION
);
endpoint!(
    GET_TASK,
    "get-task",
    GET,
    "contacts.readonly",
    Idempotent,
    VERSION
);
endpoint!(
    CREATE_TASK,
    "create-task",
    POST,
    "contacts.write",
    OnlyIfUnprocessed,
    VERSION
);
endpoint!(
    UPDATE_TASK,
    "update-task",
    PUT,
    "contacts.write",
    Idempotent,
    VERSION
);
endpoint!(
    COMPLETE_TASK,
    "update-task-completed",
    PUT,
    "contacts.write",
    Idempotent,
    VERSION
);
endpoint!(
    DELETE_TASK,
    "delete-task",
    DELETE,
    "contacts.write",
    Idempotent,
    VERSION
);
endpoint!(
    GET_NOTES,
    "get-all-notes",
    GET,
    "contacts.readonly",
    Idempotent,
    VERSION
);
endpoint!(
    GET_NOTE,
    "get-note",
    GET,
    "contacts.readonly",
    Idempotent,
    VERSION
);
endpoint!(
    CREATE_NOTE,
    "create-note",
    POST,
    "contacts.write",
    OnlyIfUnprocessed,
    VERSION
);
endpoint!(
    UPDATE_NOTE,
    "update-note",
    PUT,
    "contacts.write",
    Idempotent,
    VERSION
);
endpoint!(
    DELETE_NOTE,
    "delete-note",
    DELETE,
    "contacts.write",
    Idempotent,
    VERSION
);
endpoint!(
    ADD_TAGS,
    "add-tags",
    POST,
    "contacts.write",
    Idempotent,
    VERSION
);
endpoint!(
    REMOVE_TAGS,
    "remove-tags",
    DELETE,
    "contacts.write",
    Idempotent,
    VERSION
);
endpoint!(
    BULK_TAGS,
    "create-association",
    POST,
    "contacts.write",
    Idempotent,
    VERSION
);
endpoint!(
    ADD_FOLLOWERS,
    "add-followers-contact",
    POST,
    "contacts.write",
    Idempotent,
    VERSION
);
endpoint!(
    REMOVE_FOLLOWERS,
    "remove-followers-contact",
    DELETE,
    "contacts.write",
    Idempotent,
    VERSION
);
endpoint!(
    APPOINTMENTS,
    "get-appointments-for-contact",
    GET,
    "contacts.readonly",
    Idempotent,
    VERSION
);

/// Page depth that POST /contacts/search reaches with `page`; beyond it
/// paging must continue with `searchAfter`.
pub const SEARCH_PAGE_DEPTH: u64 = 10_000;

impl Client {
    // ---------------------------------------------------------------- contacts

    /// GET /contacts/{contactId}
    pub async fn get_contact(&self, id: &str) -> Result<Contact, ApiError> {
        #[derive(serde::Deserialize)]
        struct Resp {
            contact: Contact,
        }
        let r: Resp = self
            .call(
                &GET_CONTACT,
                self.url(&["contacts", id]),
                &[],
                None,
                &|| format!("contact {id}"),
            )
            .await?;
        Ok(r.contact)
    }

    /// GET /contacts/ (deprecated upstream, gone in v3; kept as a fallback).
    pub async fn list_contacts(&self, q: &ListContacts) -> Result<ContactsPage, ApiError> {
        let mut query = vec![self.location_query()];
        if let Some(s) = &q.query {
            query.push(("query", s.clone()));
        }
        if let Some(l) = q.limit {
            query.push(("limit", l.min(100).to_string()));
        }
        if let Some(s) = q.start_after {
            query.push(("startAfter", s.to_string()));
        }
        if let Some(s) = &q.start_after_id {
            query.push(("startAfterId", s.clone()));
        }
        self.call(
            &LIST_CONTACTS,
            self.url(&["contacts", ""]),
            &query,
            None,
            &|| "contacts".into(),
        )
        .await
    }

    /// POST /contacts/search
    pub async fn search_contacts(&self, q: &SearchContacts) -> Result<SearchPage, ApiError> {
        if q.page_limit == 0 || q.page_limit > 500 {
            return Err(ApiError::InvalidRequest(format!(
                "pageLimit must be 1 to 500, not {}",
                q.page_limit
            )));
        }
        let mut body =
            serde_json::to_value(q).map_err(|e| ApiError::InvalidRequest(e.to_string()))?;
        body["locationId"] = Value::String(self.location_id().to_string());
        self.call(
            &SEARCH_CONTACTS,
            self.url(&["contacts", "search"]),
            &[],
            Some(body),
            &|| "contacts".into(),
        )
        .await
    }

    /// Every page of a search, in order: page numbers while they reach, then
    /// `searchAfter` past the 10,000-record depth that page numbers allow.
    pub fn search_pages(&self, q: SearchContacts) -> SearchPager {
        SearchPager {
            client: self.clone(),
            query: q,
            depth_limit: SEARCH_PAGE_DEPTH,
            walk: crate::api::paging::Walk::new(),
            seen: std::collections::HashSet::new(),
            done: false,
        }
    }

    /// GET /contacts/business/{businessId}
    pub async fn business_contacts(
        &self,
        business_id: &str,
        q: &BusinessContacts,
    ) -> Result<ContactsPage, ApiError> {
        let mut query = vec![self.location_query()];
        if let Some(s) = &q.query {
            query.push(("query", s.clone()));
        }
        if let Some(l) = q.limit {
            query.push(("limit", l.to_string()));
        }
        if let Some(s) = q.skip {
            query.push(("skip", s.to_string()));
        }
        self.call(
            &BUSINESS_CONTACTS,
            self.url(&["contacts", "business", business_id]),
            &query,
            None,
            &|| format!("business {business_id}"),
        )
        .await
    }

    /// GET /contacts/search/duplicate: the contact with this email or phone,
    /// if the location has one.
    pub async fn find_duplicate(
        &self,
        email: Option<&str>,
        phone: Option<&str>,
    ) -> Result<Option<Contact>, ApiError> {
        #[derive(serde::Deserialize)]
        struct Resp {
            #[serde(default)]
            contact: Option<Contact>,
        }
        let mut query = vec![self.location_query()];
        if let Some(e) = email {
            query.push(("email", e.to_string()));
        }
        if let Some(p) = phone {
            query.push(("number", p.to_string()));
        }
        let r: Resp = self
            .call(
                &DUPLICATE,
                self.url(&["contacts", "search", "duplicate"]),
                &query,
                None,
                &|| "duplicate contact".into(),
            )
            .await?;
        Ok(r.contact)
    }

    /// POST /contacts/ (answers 201).
    pub async fn create_contact(&self, c: &NewContact) -> Result<Contact, ApiError> {
        #[derive(serde::Deserialize)]
        struct Resp {
            contact: Contact,
        }
        let body = self.with_location(c)?;
        let r: Resp = self
            .call(
                &CREATE_CONTACT,
                self.url(&["contacts", ""]),
                &[],
                Some(body),
                &|| "contact".into(),
            )
            .await?;
        Ok(r.contact)
    }

    /// PUT /contacts/{contactId}, sending only the changed fields.
    pub async fn update_contact(&self, id: &str, u: &ContactUpdate) -> Result<Contact, ApiError> {
        #[derive(serde::Deserialize)]
        struct Resp {
            contact: Contact,
        }
        let r: Resp = self
            .call(
                &UPDATE_CONTACT,
                self.url(&["contacts", id]),
                &[],
                Some(u.to_json()),
                &|| format!("contact {id}"),
            )
            .await?;
        Ok(r.contact)
    }

    /// DELETE /contacts/{contactId}
    pub async fn delete_contact(&self, id: &str) -> Result<(), ApiError> {
        let r: Succeeded = self
            .call(
                &DELETE_CONTACT,
                self.url(&["contacts", id]),
                &[],
                None,
                &|| format!("contact {id}"),
            )
            .await?;
        r.check(&DELETE_CONTACT)
    }

    /// POST /contacts/upsert: update the contact with this email/phone, or
    /// create it.
    pub async fn upsert_contact(&self, c: &NewContact) -> Result<UpsertResult, ApiError> {
        let body = self.with_location(c)?;
        self.call(
            &UPSERT_CONTACT,
            self.url(&["contacts", "upsert"]),
            &[],
            Some(body),
            &|| "contact".into(),
        )
        .await
    }

    fn with_location<T: Serialize>(&self, v: &T) -> Result<Value, ApiError> {
        let mut body =
            serde_json::to_value(v).map_err(|e| ApiError::InvalidRequest(e.to_string()))?;
        body["locationId"] = Value::String(self.location_id().to_string());
        Ok(body)
    }

    // ------------------------------------------------------------------- tasks

    /// GET /contacts/{contactId}/tasks
    pub async fn tasks(&self, contact_id: &str) -> Result<Vec<Task>, ApiError> {
        #[derive(serde::Deserialize)]
        struct Resp {
            #[serde(default)]
            tasks: Vec<Task>,
        }
        let r: Resp = self
            .call(
                &GET_TASKS,
                self.url(&["contacts", contact_id, "tasks"]),
                &[],
                None,
                &|| format!("contact {contact_id}"),
            )
            .await?;
        Ok(r.tasks)
    }

    /// GET /contacts/{contactId}/tasks/{taskId}
    pub async fn task(&self, contact_id: &str, task_id: &str) -> Result<Task, ApiError> {
        self.task_call(
            &GET_TASK,
            &["contacts", contact_id, "tasks", task_id],
            None,
            task_id,
        )
        .await
    }

    /// POST /contacts/{contactId}/tasks (answers 201).
    pub async fn create_task(&self, contact_id: &str, t: &NewTask) -> Result<Task, ApiError> {
        let body = serde_json::to_value(t).map_err(|e| ApiError::InvalidRequest(e.to_string()))?;
        self.task_call(
            &CREATE_TASK,
            &["contacts", contact_id, "tasks"],
            Some(body),
            contact_id,
        )
        .await
    }

    /// PUT /contacts/{contactId}/tasks/{taskId}
    pub async fn update_task(
        &self,
        contact_id: &str,
        task_id: &str,
        u: &TaskUpdate,
    ) -> Result<Task, ApiError> {
        let body = serde_json::to_value(u).map_err(|e| ApiError::InvalidRequest(e.to_string()))?;
        self.task_call(
            &UPDATE_TASK,
            &["contacts", contact_id, "tasks", task_id],
            Some(body),
            task_id,
        )
        .await
    }

    /// PUT /contacts/{contactId}/tasks/{taskId}/completed
    pub async fn set_task_completed(
        &self,
        contact_id: &str,
        task_id: &str,
        completed: bool,
    ) -> Result<Task, ApiError> {
        self.task_call(
            &COMPLETE_TASK,
            &["contacts", contact_id, "tasks", task_id, "completed"],
            Some(json!({ "completed": completed })),
            task_id,
        )
        .await
    }

    async fn task_call(
        &self,
        ep: &'static Endpoint,
        segments: &[&str],
        body: Option<Value>,
        what: &str,
    ) -> Result<Task, ApiError> {
        #[derive(serde::Deserialize)]
        struct Resp {
            task: Task,
        }
        let r: Resp = self
            .call(ep, self.url(segments), &[], body, &|| {
                format!("task {what}")
            })
            .await?;
        Ok(r.task)
    }

    /// DELETE /contacts/{contactId}/tasks/{taskId}
    pub async fn delete_task(&self, contact_id: &str, task_id: &str) -> Result<(), ApiError> {
        let r: Succeeded = self
            .call(
                &DELETE_TASK,
                self.url(&["contacts", contact_id, "tasks", task_id]),
                &[],
                None,
                &|| format!("task {task_id}"),
            )
            .await?;
        r.check(&DELETE_TASK)
    }

    // ------------------------------------------------------------------- notes

    /// GET /contacts/{contactId}/notes
    pub async fn notes(&self, contact_id: &str) -> Result<Vec<Note>, ApiError> {
        #[derive(serde::Deserialize)]
        struct Resp {
            #[serde(default)]
            notes: Vec<Note>,
        }
        let r: Resp = self
            .call(
                &GET_NOTES,
                self.url(&["contacts", contact_id, "notes"]),
                &[],
                None,
                &|| format!("contact {contact_id}"),
            )
            .await?;
        Ok(r.notes)
    }

    /// GET /contacts/{contactId}/notes/{id}
    pub async fn note(&self, contact_id: &str, note_id: &str) -> Result<Note, ApiError> {
        self.note_call(
            &GET_NOTE,
            &["contacts", contact_id, "notes", note_id],
            None,
            note_id,
        )
        .await
    }

    /// POST /contacts/{contactId}/notes (answers 201).
    pub async fn create_note(&self, contact_id: &str, n: &NewNote) -> Result<Note, ApiError> {
        let body = serde_json::to_value(n).map_err(|e| ApiError::InvalidRequest(e.to_string()))?;
        self.note_call(
            &CREATE_NOTE,
            &["contacts", contact_id, "notes"],
            Some(body),
            contact_id,
        )
        .await
    }

    /// PUT /contacts/{contactId}/notes/{id}
    pub async fn update_note(
        &self,
        contact_id: &str,
        note_id: &str,
        u: &NoteUpdate,
    ) -> Result<Note, ApiError> {
        let body = serde_json::to_value(u).map_err(|e| ApiError::InvalidRequest(e.to_string()))?;
        self.note_call(
            &UPDATE_NOTE,
            &["contacts", contact_id, "notes", note_id],
            Some(body),
            note_id,
        )
        .await
    }

    async fn note_call(
        &self,
        ep: &'static Endpoint,
        segments: &[&str],
        body: Option<Value>,
        what: &str,
    ) -> Result<Note, ApiError> {
        #[derive(serde::Deserialize)]
        struct Resp {
            note: Note,
        }
        let r: Resp = self
            .call(ep, self.url(segments), &[], body, &|| {
                format!("note {what}")
            })
            .await?;
        Ok(r.note)
    }

    /// DELETE /contacts/{contactId}/notes/{id}
    pub async fn delete_note(&self, contact_id: &str, note_id: &str) -> Result<(), ApiError> {
        let r: Succeeded = self
            .call(
                &DELETE_NOTE,
                self.url(&["contacts", contact_id, "notes", note_id]),
                &[],
                None,
                &|| format!("note {note_id}"),
            )
            .await?;
        r.check(&DELETE_NOTE)
    }

    // -------------------------------------------------------------------- tags

    /// POST /contacts/{contactId}/tags: the contact's tags afterwards.
    pub async fn add_tags(
        &self,
        contact_id: &str,
        tags: &[String],
    ) -> Result<Vec<String>, ApiError> {
        self.tags_call(&ADD_TAGS, contact_id, tags).await
    }

    /// DELETE /contacts/{contactId}/tags, with a JSON body as the spec says.
    pub async fn remove_tags(
        &self,
        contact_id: &str,
        tags: &[String],
    ) -> Result<Vec<String>, ApiError> {
        self.tags_call(&REMOVE_TAGS, contact_id, tags).await
    }

    async fn tags_call(
        &self,
        ep: &'static Endpoint,
        contact_id: &str,
        tags: &[String],
    ) -> Result<Vec<String>, ApiError> {
        self.list_call(ep, contact_id, "tags", tags).await
    }

    /// A POST or DELETE on `/contacts/{id}/{key}` whose body and answer are
    /// both `{key: [strings]}` (tags, followers): the list as it is now.
    async fn list_call(
        &self,
        ep: &'static Endpoint,
        contact_id: &str,
        key: &'static str,
        items: &[String],
    ) -> Result<Vec<String>, ApiError> {
        if items.is_empty() {
            return Err(ApiError::InvalidRequest(format!("no {key} given")));
        }
        #[derive(serde::Deserialize)]
        struct Resp {
            #[serde(default)]
            tags: Vec<String>,
            #[serde(default)]
            followers: Vec<String>,
        }
        let r: Resp = self
            .call(
                ep,
                self.url(&["contacts", contact_id, key]),
                &[],
                Some(json!({ key: items })),
                &|| format!("contact {contact_id}"),
            )
            .await?;
        Ok(if key == "tags" { r.tags } else { r.followers })
    }

    /// How many contacts rolo names in one bulk tag request.
    pub const BULK_CHUNK: usize = 100;

    /// POST /contacts/bulk/tags/update/{add|remove} (`UpdateTagsDTO`): the
    /// tags on every contact named, in one request; what happened to each.
    pub async fn bulk_tags(
        &self,
        add: bool,
        contacts: &[String],
        tags: &[String],
    ) -> Result<BulkTags, ApiError> {
        if contacts.is_empty() || tags.is_empty() {
            return Err(ApiError::InvalidRequest(
                "no contacts or no tags given".into(),
            ));
        }
        let kind = if add { "add" } else { "remove" };
        let r: Value = self
            .call(
                &BULK_TAGS,
                self.url(&["contacts", "bulk", "tags", "update", kind]),
                &[],
                Some(json!({
                    "contacts": contacts,
                    "tags": tags,
                    "locationId": self.location_id(),
                })),
                &|| format!("the tags of {} contacts", contacts.len()),
            )
            .await?;
        Ok(BulkTags::read(&r, contacts))
    }

    // ------------------------------------------------------------ followers

    /// POST /contacts/{contactId}/followers (`FollowersDTO`): the users to
    /// follow the contact; the answer is every follower now.
    pub async fn add_followers(
        &self,
        contact_id: &str,
        users: &[String],
    ) -> Result<Vec<String>, ApiError> {
        self.followers_call(&ADD_FOLLOWERS, contact_id, users).await
    }

    /// DELETE /contacts/{contactId}/followers, with the same body.
    pub async fn remove_followers(
        &self,
        contact_id: &str,
        users: &[String],
    ) -> Result<Vec<String>, ApiError> {
        self.followers_call(&REMOVE_FOLLOWERS, contact_id, users)
            .await
    }

    async fn followers_call(
        &self,
        ep: &'static Endpoint,
        contact_id: &str,
        users: &[String],
    ) -> Result<Vec<String>, ApiError> {
        self.list_call(ep, contact_id, "followers", users).await
    }

    // ------------------------------------------------------------ appointments

    /// GET /contacts/{contactId}/appointments
    pub async fn appointments(&self, contact_id: &str) -> Result<Vec<Appointment>, ApiError> {
        #[derive(serde::Deserialize)]
        struct Resp {
            #[serde(default)]
            events: Vec<Appointment>,
        }
        let r: Resp = self
            .call(
                &APPOINTMENTS,
                self.url(&["contacts", contact_id, "appointments"]),
                &[],
                None,
                &|| format!("contact {contact_id}"),
            )
            .await?;
        Ok(r.events)
    }
}

/// Walks a search to its end, page by page (see [`crate::api::paging`]).
pub struct SearchPager {
    client: Client,
    query: SearchContacts,
    depth_limit: u64,
    walk: crate::api::paging::Walk,
    seen: std::collections::HashSet<String>,
    done: bool,
}

impl SearchPager {
    /// For tests and servers with a different page-depth limit.
    pub fn with_depth_limit(mut self, limit: u64) -> Self {
        self.depth_limit = limit;
        self
    }

    /// The next page, or `None` after the last one.
    pub async fn next(&mut self) -> Option<Result<SearchPage, ApiError>> {
        use crate::api::paging::{Position, Step};
        if self.done {
            return None;
        }
        let limit = self.query.page_limit.max(1);
        let mut q = self.query.clone();
        let position = self.walk.position(limit, self.depth_limit);
        let result = match position {
            Err(e) => Err(ApiError::from(e)),
            Ok(Position::Page(n)) => {
                q.page = Some(n);
                q.search_after = None;
                self.client.search_contacts(&q).await
            }
            Ok(Position::After(after)) => {
                q.page = None;
                q.search_after = Some(after);
                self.client.search_contacts(&q).await
            }
        };
        let page = match result {
            Ok(p) => p,
            Err(e) => {
                self.done = true;
                return Some(Err(e));
            }
        };
        let new = page
            .contacts
            .iter()
            .filter(|c| self.seen.insert(c.id.clone()))
            .count();
        let cursor = page.contacts.last().and_then(|c| c.search_after.clone());
        match self.walk.advance(limit, page.contacts.len(), new, cursor) {
            Ok(Step::More) => Some(Ok(page)),
            Ok(Step::End) => {
                self.done = true;
                Some(Ok(page))
            }
            Err(e) => {
                self.done = true;
                Some(Err(e.into()))
            }
        }
    }
}
