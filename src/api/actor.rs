//! The API actor: a tokio task that owns the [`Client`] and runs requests for
//! a UI that never awaits.
//!
//! The UI sends [`ApiRequest`]s (each with a [`RequestId`]) through an
//! [`ApiHandle`] and gets [`ApiEvent`]s back on a channel. The actor runs up
//! to `max_in_flight` requests at once, always starting interactive work
//! before background work. A request with a `supersede` key replaces any
//! older *read* with the same key: a queued one is dropped, a running one is
//! aborted, and either way the UI gets a `Cancelled { Superseded }` answer
//! instead of stale data. Writes are never superseded or dropped.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinSet;
use tracing::Instrument;

use super::client::Client;
use super::error::{ApiError, CancelReason};
use super::limiter::RateBudget;
use super::model::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RequestId(pub u64);

impl std::fmt::Display for RequestId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "#{}", self.0)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Priority {
    /// Something the user is waiting to see.
    #[default]
    Interactive,
    /// Sync, prefetch: runs only when no interactive request is waiting.
    Background,
}

/// One call of the HighLevel API, with owned arguments. It serializes so
/// that the outbox can keep writes on disk until they are confirmed.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum ApiOp {
    GetContact {
        id: String,
    },
    ListContacts(ListContacts),
    SearchContacts(SearchContacts),
    BusinessContacts {
        business_id: String,
        query: BusinessContacts,
    },
    FindDuplicate {
        email: Option<String>,
        phone: Option<String>,
    },
    CreateContact(NewContact),
    UpdateContact {
        id: String,
        update: ContactUpdate,
        /// The same fields as the user saw them before the edit: sent
        /// later (from the outbox), a field changed on the server since is
        /// a conflict for the user to settle, not something to overwrite.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        base: Option<ContactUpdate>,
    },
    DeleteContact {
        id: String,
    },
    UpsertContact(NewContact),
    ListTasks {
        contact_id: String,
    },
    GetTask {
        contact_id: String,
        task_id: String,
    },
    CreateTask {
        contact_id: String,
        task: NewTask,
    },
    UpdateTask {
        contact_id: String,
        task_id: String,
        update: TaskUpdate,
    },
    SetTaskCompleted {
        contact_id: String,
        task_id: String,
        completed: bool,
    },
    DeleteTask {
        contact_id: String,
        task_id: String,
    },
    SearchTasks(TaskSearch),
    ListNotes {
        contact_id: String,
    },
    GetNote {
        contact_id: String,
        note_id: String,
    },
    CreateNote {
        contact_id: String,
        note: NewNote,
    },
    UpdateNote {
        contact_id: String,
        note_id: String,
        update: NoteUpdate,
    },
    DeleteNote {
        contact_id: String,
        note_id: String,
    },
    AddTags {
        contact_id: String,
        tags: Vec<String>,
    },
    RemoveTags {
        contact_id: String,
        tags: Vec<String>,
    },
    AddFollowers {
        contact_id: String,
        users: Vec<String>,
    },
    RemoveFollowers {
        contact_id: String,
        users: Vec<String>,
    },
    ListAppointments {
        contact_id: String,
    },
    LocationTags,
    LocationUsers,
    GetLocation,
    CustomFields,
    /// Every deal of a contact, every status.
    ContactDeals {
        contact_id: String,
    },
    Pipelines,
    LostReasons,
    Calendars,
    /// One page of a deal search (the board loads a pipeline page by page).
    DealsPage(crate::api::opportunities::OpportunitySearch),
    /// Every calendar's events from `from` to `to`, merged.
    Agenda {
        from: chrono::DateTime<chrono::Utc>,
        to: chrono::DateTime<chrono::Utc>,
    },
    /// Tags added to (or taken off) many contacts in one request.
    BulkTags {
        add: bool,
        contacts: Vec<String>,
        tags: Vec<String>,
    },
    /// A contact put in a workflow (`add`) or taken out.
    Workflow {
        contact_id: String,
        workflow_id: String,
        add: bool,
    },
    /// A contact taken out of a campaign, or of every one (`None`).
    LeaveCampaign {
        contact_id: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        campaign_id: Option<String>,
    },
    Workflows,
    Campaigns,
    /// A new deal for a contact: a create that must never happen twice.
    CreateDeal {
        contact_id: String,
        deal: crate::api::opportunities::NewOpportunity,
    },
    /// A calendar's free slots from `from` to `to` (in `zone`, an IANA
    /// name, when given).
    FreeSlots {
        calendar_id: String,
        from: chrono::DateTime<chrono::Utc>,
        to: chrono::DateTime<chrono::Utc>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        zone: Option<String>,
    },
    /// A deal's stage, pipeline, name, value or owner. `base` is what the
    /// user saw of those fields: a field changed on the server since is a
    /// conflict, not something to overwrite.
    UpdateDeal {
        contact_id: String,
        id: String,
        update: crate::api::opportunities::OpportunityUpdate,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        base: Option<crate::api::opportunities::OpportunityUpdate>,
    },
    SetDealStatus {
        contact_id: String,
        id: String,
        status: crate::api::opportunities::Status,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        lost_reason: Option<String>,
    },
    DeleteDeal {
        contact_id: String,
        id: String,
    },
    /// A booking: a create that must never happen twice (the outbox looks
    /// for its result before it sends it again).
    Book {
        contact_id: String,
        appointment: crate::api::calendars::NewAppointment,
    },
    SetAppointmentStatus {
        contact_id: String,
        event_id: String,
        status: String,
    },
    /// A message to a contact: a create that must reach the customer at
    /// most once (the outbox looks for it in the thread before any second
    /// attempt, and never sends again after an attempt with no answer).
    SendMessage {
        contact_id: String,
        message: crate::api::conversations::NewMessage,
    },
    /// A conversation marked read (`unreadCount: 0`).
    MarkRead {
        contact_id: String,
        conversation_id: String,
    },
    /// A contact's conversations and their newest `limit` messages;
    /// `known` are the conversation ids rolo has seen for them, read beside
    /// the search.
    ContactThreads {
        contact_id: String,
        #[serde(default)]
        known: Vec<String>,
        limit: u32,
        /// Threads new to rolo by their last message only (see
        /// `Client::contact_threads`).
        #[serde(default)]
        one_trip: bool,
    },
    /// The location's conversations, newest message first, up to `max`:
    /// `unread` only, or all; assigned to `assigned_to` when given.
    Conversations {
        unread: bool,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        assigned_to: Option<String>,
        max: u32,
    },
    /// A page of one conversation's messages older than `before`.
    Messages {
        conversation_id: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        before: Option<String>,
        limit: u32,
    },
}

impl ApiOp {
    /// A tag change over many contacts, as the bulk requests that carry it:
    /// `Client::BULK_CHUNK` contacts each.
    pub fn bulk_tags(add: bool, contacts: &[String], tags: &[String]) -> Vec<ApiOp> {
        contacts
            .chunks(crate::api::Client::BULK_CHUNK)
            .map(|c| ApiOp::BulkTags {
                add,
                contacts: c.to_vec(),
                tags: tags.to_vec(),
            })
            .collect()
    }

    /// Whether this changes data on the server.
    pub fn is_write(&self) -> bool {
        matches!(
            self,
            ApiOp::CreateContact(_)
                | ApiOp::UpdateContact { .. }
                | ApiOp::DeleteContact { .. }
                | ApiOp::UpsertContact(_)
                | ApiOp::CreateTask { .. }
                | ApiOp::UpdateTask { .. }
                | ApiOp::SetTaskCompleted { .. }
                | ApiOp::DeleteTask { .. }
                | ApiOp::CreateNote { .. }
                | ApiOp::UpdateNote { .. }
                | ApiOp::DeleteNote { .. }
                | ApiOp::AddTags { .. }
                | ApiOp::RemoveTags { .. }
                | ApiOp::AddFollowers { .. }
                | ApiOp::RemoveFollowers { .. }
                | ApiOp::UpdateDeal { .. }
                | ApiOp::SetDealStatus { .. }
                | ApiOp::DeleteDeal { .. }
                | ApiOp::Book { .. }
                | ApiOp::CreateDeal { .. }
                | ApiOp::BulkTags { .. }
                | ApiOp::Workflow { .. }
                | ApiOp::LeaveCampaign { .. }
                | ApiOp::SetAppointmentStatus { .. }
                | ApiOp::SendMessage { .. }
                | ApiOp::MarkRead { .. }
        )
    }

    /// The spec's operationId, for logs.
    pub fn name(&self) -> &'static str {
        match self {
            ApiOp::GetContact { .. } => "get-contact",
            ApiOp::ListContacts(_) => "get-contacts",
            ApiOp::SearchContacts(_) => "search-contacts-advanced",
            ApiOp::BusinessContacts { .. } => "get-contacts-by-businessId",
            ApiOp::FindDuplicate { .. } => "get-duplicate-contact",
            ApiOp::CreateContact(_) => "create-contact",
            ApiOp::UpdateContact { .. } => "update-contact",
            ApiOp::DeleteContact { .. } => "delete-contact",
            ApiOp::UpsertContact(_) => "upsert-contact",
            ApiOp::ListTasks { .. } => "get-all-tasks",
            ApiOp::GetTask { .. } => "get-task",
            ApiOp::CreateTask { .. } => "create-task",
            ApiOp::UpdateTask { .. } => "update-task",
            ApiOp::SetTaskCompleted { .. } => "update-task-completed",
            ApiOp::DeleteTask { .. } => "delete-task",
            ApiOp::SearchTasks(_) => "task-search",
            ApiOp::ListNotes { .. } => "get-all-notes",
            ApiOp::GetNote { .. } => "get-note",
            ApiOp::CreateNote { .. } => "create-note",
            ApiOp::UpdateNote { .. } => "update-note",
            ApiOp::DeleteNote { .. } => "delete-note",
            ApiOp::AddTags { .. } => "add-tags",
            ApiOp::RemoveTags { .. } => "remove-tags",
            ApiOp::AddFollowers { .. } => "add-followers-contact",
            ApiOp::RemoveFollowers { .. } => "remove-followers-contact",
            ApiOp::ListAppointments { .. } => "get-appointments-for-contact",
            ApiOp::LocationTags => "get-location-tags",
            ApiOp::LocationUsers => "get-user-by-location",
            ApiOp::GetLocation => "get-location",
            ApiOp::CustomFields => "get-custom-fields",
            ApiOp::ContactDeals { .. } => "search-opportunity",
            ApiOp::Pipelines => "get-pipelines",
            ApiOp::LostReasons => "get-lost-reason",
            ApiOp::Calendars => "get-calendars",
            ApiOp::DealsPage(_) => "search-opportunity",
            ApiOp::Agenda { .. } => "get-calendar-events",
            ApiOp::CreateDeal { .. } => "create-opportunity",
            ApiOp::BulkTags { .. } => "create-association",
            ApiOp::Workflow { add: true, .. } => "add-contact-to-workflow",
            ApiOp::Workflow { add: false, .. } => "delete-contact-from-workflow",
            ApiOp::LeaveCampaign {
                campaign_id: Some(_),
                ..
            } => "remove-contact-from-campaign",
            ApiOp::LeaveCampaign { .. } => "remove-contact-from-every-campaign",
            ApiOp::Workflows => "get-workflow",
            ApiOp::Campaigns => "get-campaigns",
            ApiOp::FreeSlots { .. } => "get-slots",
            ApiOp::UpdateDeal { .. } => "update-opportunity",
            ApiOp::SetDealStatus { .. } => "update-opportunity-status",
            ApiOp::DeleteDeal { .. } => "delete-opportunity",
            ApiOp::Book { .. } => "create-appointment",
            ApiOp::SetAppointmentStatus { .. } => "edit-appointment",
            ApiOp::SendMessage { .. } => "send-a-new-message",
            ApiOp::MarkRead { .. } => "update-conversation",
            ApiOp::ContactThreads { .. } => "get-messages",
            ApiOp::Conversations { .. } => "search-conversation",
            ApiOp::Messages { .. } => "get-messages",
        }
    }

    /// A short, human description for logs and the shutdown report.
    pub fn describe(&self) -> String {
        match self {
            ApiOp::GetContact { id } => format!("load contact {id}"),
            ApiOp::ListContacts(_) => "list contacts".into(),
            ApiOp::SearchContacts(q) => format!("search contacts (page {:?})", q.page),
            ApiOp::BusinessContacts { business_id, .. } => format!("list business {business_id}"),
            ApiOp::FindDuplicate { .. } => "look for a duplicate contact".into(),
            ApiOp::CreateContact(_) => "create a contact".into(),
            ApiOp::UpdateContact { id, update, .. } => {
                format!(
                    "update contact {id} ({})",
                    update.keys().collect::<Vec<_>>().join(", ")
                )
            }
            ApiOp::DeleteContact { id } => format!("delete contact {id}"),
            ApiOp::UpsertContact(_) => "upsert a contact".into(),
            ApiOp::ListTasks { contact_id } => format!("load tasks of {contact_id}"),
            ApiOp::GetTask { task_id, .. } => format!("load task {task_id}"),
            ApiOp::CreateTask { contact_id, task } => {
                format!("create task {:?} on {contact_id}", task.title)
            }
            ApiOp::UpdateTask { task_id, .. } => format!("update task {task_id}"),
            ApiOp::SetTaskCompleted {
                task_id, completed, ..
            } => {
                format!(
                    "mark task {task_id} {}",
                    if *completed { "done" } else { "open" }
                )
            }
            ApiOp::DeleteTask { task_id, .. } => format!("delete task {task_id}"),
            ApiOp::SearchTasks(_) => "search tasks".into(),
            ApiOp::ListNotes { contact_id } => format!("load notes of {contact_id}"),
            ApiOp::GetNote { note_id, .. } => format!("load note {note_id}"),
            ApiOp::CreateNote { contact_id, .. } => format!("add a note to {contact_id}"),
            ApiOp::UpdateNote { note_id, .. } => format!("update note {note_id}"),
            ApiOp::DeleteNote { note_id, .. } => format!("delete note {note_id}"),
            ApiOp::AddTags { contact_id, tags } => format!("tag {contact_id} +{}", tags.join(" +")),
            ApiOp::RemoveTags { contact_id, tags } => {
                format!("untag {contact_id} -{}", tags.join(" -"))
            }
            ApiOp::AddFollowers { contact_id, users } => {
                format!("{contact_id}: followed by {}", users.join(", "))
            }
            ApiOp::RemoveFollowers { contact_id, users } => {
                format!("{contact_id}: no longer followed by {}", users.join(", "))
            }
            ApiOp::ListAppointments { contact_id } => format!("load appointments of {contact_id}"),
            ApiOp::LocationTags => "load location tags".into(),
            ApiOp::LocationUsers => "load the location's users".into(),
            ApiOp::GetLocation => "load the location".into(),
            ApiOp::CustomFields => "load the custom field definitions".into(),
            ApiOp::ContactDeals { contact_id } => format!("load the deals of {contact_id}"),
            ApiOp::Pipelines => "load the pipelines".into(),
            ApiOp::LostReasons => "load the lost reasons".into(),
            ApiOp::Calendars => "load the calendars".into(),
            ApiOp::DealsPage(q) => format!("load page {} of the deals", q.page.max(1)),
            ApiOp::Agenda { from, .. } => format!("load the appointments from {from}"),
            ApiOp::BulkTags {
                add,
                contacts,
                tags,
            } => format!(
                "{} {} on {} contacts",
                if *add { "add tags" } else { "remove tags" },
                tags.join(", "),
                contacts.len()
            ),
            ApiOp::Workflow {
                contact_id,
                workflow_id,
                add,
            } => format!(
                "{} {contact_id} {} workflow {workflow_id}",
                if *add { "put" } else { "take" },
                if *add { "in" } else { "out of" }
            ),
            ApiOp::LeaveCampaign {
                contact_id,
                campaign_id,
            } => match campaign_id {
                Some(c) => format!("take {contact_id} out of campaign {c}"),
                None => format!("take {contact_id} out of every campaign"),
            },
            ApiOp::Workflows => "load the workflows".into(),
            ApiOp::Campaigns => "load the campaigns".into(),
            ApiOp::CreateDeal { contact_id, deal } => format!(
                "create the deal {:?} for {contact_id} in pipeline {}",
                deal.name, deal.pipeline_id
            ),
            ApiOp::FreeSlots { calendar_id, .. } => {
                format!("load the free slots of calendar {calendar_id}")
            }
            ApiOp::UpdateDeal { id, update, .. } => {
                let mut what = Vec::new();
                if update.pipeline_stage_id.is_some() {
                    what.push("stage");
                }
                if update.pipeline_id.is_some() {
                    what.push("pipeline");
                }
                if update.name.is_some() {
                    what.push("name");
                }
                if update.monetary_value.is_some() {
                    what.push("value");
                }
                if update.assigned_to.is_some() {
                    what.push("owner");
                }
                format!("update deal {id} ({})", what.join(", "))
            }
            ApiOp::SetDealStatus { id, status, .. } => {
                format!("mark deal {id} {}", status.as_str())
            }
            ApiOp::DeleteDeal { id, .. } => format!("delete deal {id}"),
            ApiOp::Book {
                contact_id,
                appointment,
            } => format!(
                "book {contact_id} at {} on calendar {}",
                appointment.start_time, appointment.calendar_id
            ),
            ApiOp::SetAppointmentStatus {
                event_id, status, ..
            } => format!("mark appointment {event_id} {status}"),
            ApiOp::SendMessage {
                contact_id,
                message,
            } => format!(
                "send {contact_id} {} {:?}",
                if message.is_email() {
                    "the email"
                } else {
                    "the SMS"
                },
                crate::text::snippet(message.text(), 40)
            ),
            ApiOp::MarkRead {
                conversation_id, ..
            } => format!("mark conversation {conversation_id} read"),
            ApiOp::ContactThreads { contact_id, .. } => {
                format!("load the messages of {contact_id}")
            }
            ApiOp::Conversations { unread, .. } => format!(
                "load the {} conversations",
                if *unread { "unread" } else { "latest" }
            ),
            ApiOp::Messages {
                conversation_id, ..
            } => format!("load the messages of conversation {conversation_id}"),
        }
    }

    pub async fn run(self, c: &Client) -> Result<ApiResponse, ApiError> {
        use ApiResponse as R;
        Ok(match self {
            ApiOp::GetContact { id } => R::Contact(c.get_contact(&id).await?),
            ApiOp::ListContacts(q) => R::ContactsPage(c.list_contacts(&q).await?),
            ApiOp::SearchContacts(q) => R::SearchPage(c.search_contacts(&q).await?),
            ApiOp::BusinessContacts { business_id, query } => {
                R::ContactsPage(c.business_contacts(&business_id, &query).await?)
            }
            ApiOp::FindDuplicate { email, phone } => {
                R::Duplicate(c.find_duplicate(email.as_deref(), phone.as_deref()).await?)
            }
            ApiOp::CreateContact(n) => R::Contact(c.create_contact(&n).await?),
            ApiOp::UpdateContact { id, update, .. } => {
                R::Contact(c.update_contact(&id, &update).await?)
            }
            ApiOp::DeleteContact { id } => {
                c.delete_contact(&id).await?;
                R::Deleted
            }
            ApiOp::UpsertContact(n) => R::Upserted(c.upsert_contact(&n).await?),
            ApiOp::ListTasks { contact_id } => R::Tasks(c.tasks(&contact_id).await?),
            ApiOp::GetTask {
                contact_id,
                task_id,
            } => R::Task(c.task(&contact_id, &task_id).await?),
            ApiOp::CreateTask { contact_id, task } => {
                R::Task(c.create_task(&contact_id, &task).await?)
            }
            ApiOp::UpdateTask {
                contact_id,
                task_id,
                update,
            } => R::Task(c.update_task(&contact_id, &task_id, &update).await?),
            ApiOp::SetTaskCompleted {
                contact_id,
                task_id,
                completed,
            } => R::Task(
                c.set_task_completed(&contact_id, &task_id, completed)
                    .await?,
            ),
            ApiOp::DeleteTask {
                contact_id,
                task_id,
            } => {
                c.delete_task(&contact_id, &task_id).await?;
                R::Deleted
            }
            ApiOp::SearchTasks(q) => R::Tasks(c.search_tasks_all(&q).await?),
            ApiOp::ListNotes { contact_id } => R::Notes(c.notes(&contact_id).await?),
            ApiOp::GetNote {
                contact_id,
                note_id,
            } => R::Note(c.note(&contact_id, &note_id).await?),
            ApiOp::CreateNote { contact_id, note } => {
                R::Note(c.create_note(&contact_id, &note).await?)
            }
            ApiOp::UpdateNote {
                contact_id,
                note_id,
                update,
            } => R::Note(c.update_note(&contact_id, &note_id, &update).await?),
            ApiOp::DeleteNote {
                contact_id,
                note_id,
            } => {
                c.delete_note(&contact_id, &note_id).await?;
                R::Deleted
            }
            ApiOp::AddTags { contact_id, tags } => R::Tags(c.add_tags(&contact_id, &tags).await?),
            ApiOp::RemoveTags { contact_id, tags } => {
                R::Tags(c.remove_tags(&contact_id, &tags).await?)
            }
            ApiOp::AddFollowers { contact_id, users } => {
                R::Followers(c.add_followers(&contact_id, &users).await?)
            }
            ApiOp::RemoveFollowers { contact_id, users } => {
                R::Followers(c.remove_followers(&contact_id, &users).await?)
            }
            ApiOp::ListAppointments { contact_id } => {
                R::Appointments(c.appointments(&contact_id).await?)
            }
            ApiOp::LocationTags => R::LocationTags(c.location_tags().await?),
            ApiOp::LocationUsers => R::Users(c.location_users().await?),
            ApiOp::GetLocation => R::Location(Box::new(c.location().await?)),
            ApiOp::CustomFields => R::CustomFields(c.custom_fields().await?),
            ApiOp::ContactDeals { contact_id } => {
                R::Deals(c.contact_opportunities(&contact_id).await?)
            }
            ApiOp::Pipelines => R::Pipelines(c.pipelines().await?),
            ApiOp::LostReasons => R::LostReasons(c.lost_reasons().await?),
            ApiOp::Calendars => R::Calendars(c.calendars().await?),
            ApiOp::DealsPage(q) => R::DealPage(c.opportunities_page(&q).await?),
            ApiOp::Agenda { from, to } => {
                let (calendars, events) = c.agenda(from, to).await?;
                R::Agenda { calendars, events }
            }
            ApiOp::BulkTags {
                add,
                contacts,
                tags,
            } => R::BulkTags(c.bulk_tags(add, &contacts, &tags).await?),
            ApiOp::Workflow {
                contact_id,
                workflow_id,
                add,
            } => {
                if add {
                    c.add_to_workflow(&contact_id, &workflow_id).await?;
                } else {
                    c.remove_from_workflow(&contact_id, &workflow_id).await?;
                }
                R::Done
            }
            ApiOp::LeaveCampaign {
                contact_id,
                campaign_id,
            } => {
                c.remove_from_campaign(&contact_id, campaign_id.as_deref())
                    .await?;
                R::Done
            }
            ApiOp::Workflows => R::Workflows(c.workflows().await?),
            ApiOp::Campaigns => R::Campaigns(c.campaigns().await?),
            ApiOp::CreateDeal { deal, .. } => R::Deal(Box::new(c.create_opportunity(&deal).await?)),
            ApiOp::FreeSlots {
                calendar_id,
                from,
                to,
                zone,
            } => R::Slots(
                c.free_slots(&calendar_id, from, to, zone.as_deref())
                    .await?,
            ),
            ApiOp::UpdateDeal { id, update, .. } => {
                R::Deal(Box::new(c.update_opportunity(&id, &update).await?))
            }
            ApiOp::SetDealStatus {
                id,
                status,
                lost_reason,
                ..
            } => {
                c.set_opportunity_status(&id, status, lost_reason.as_deref())
                    .await?;
                R::Done
            }
            ApiOp::DeleteDeal { id, .. } => {
                c.delete_opportunity(&id).await?;
                R::Deleted
            }
            ApiOp::Book { appointment, .. } => {
                R::Appointment(Box::new(c.book(&appointment).await?))
            }
            ApiOp::SetAppointmentStatus {
                event_id, status, ..
            } => R::Appointment(Box::new(
                c.set_appointment_status(&event_id, &status).await?,
            )),
            ApiOp::SendMessage { message, .. } => R::Sent(c.send_message(&message).await?),
            ApiOp::MarkRead {
                conversation_id, ..
            } => {
                c.mark_read(&conversation_id).await?;
                R::Done
            }
            ApiOp::ContactThreads {
                contact_id,
                known,
                limit,
                one_trip,
            } => R::Threads(Box::new(
                c.contact_threads(&contact_id, &known, limit, one_trip)
                    .await?,
            )),
            ApiOp::Conversations {
                unread,
                assigned_to,
                max,
            } => {
                let (list, cut) = c
                    .all_conversations(unread, assigned_to.as_deref(), max as usize)
                    .await?;
                R::Conversations(list, cut)
            }
            ApiOp::Messages {
                conversation_id,
                before,
                limit,
            } => R::Messages(
                c.conversation_messages(&conversation_id, limit, before.as_deref())
                    .await?,
            ),
        })
    }
}

/// What a successful request returns, owned.
#[derive(Debug, Clone, PartialEq)]
pub enum ApiResponse {
    /// Every follower of a contact after a change to them.
    Followers(Vec<String>),
    Contact(Contact),
    ContactsPage(ContactsPage),
    SearchPage(SearchPage),
    Duplicate(Option<Contact>),
    Upserted(UpsertResult),
    Tasks(Vec<Task>),
    Task(Task),
    Notes(Vec<Note>),
    Note(Note),
    /// A contact's tags after an add or remove.
    Tags(Vec<String>),
    Appointments(Vec<Appointment>),
    LocationTags(Vec<LocationTag>),
    Users(Vec<User>),
    Location(Box<Location>),
    CustomFields(Vec<CustomField>),
    Deals(Vec<crate::api::opportunities::Opportunity>),
    Pipelines(Vec<crate::api::opportunities::Pipeline>),
    LostReasons(Vec<crate::api::opportunities::LostReason>),
    Deal(Box<crate::api::opportunities::Opportunity>),
    Appointment(Box<Appointment>),
    Calendars(Vec<crate::api::calendars::Calendar>),
    Slots(Vec<chrono::DateTime<chrono::FixedOffset>>),
    DealPage(crate::api::opportunities::DealPage),
    BulkTags(crate::api::model::BulkTags),
    Workflows(Vec<crate::api::workflows::Workflow>),
    Campaigns(Vec<crate::api::campaigns::Campaign>),
    Agenda {
        calendars: Vec<crate::api::calendars::Calendar>,
        events: Vec<Appointment>,
    },
    Sent(crate::api::conversations::Sent),
    Threads(Box<crate::api::conversations::ContactThreads>),
    /// Conversations, and whether there were more than asked for.
    Conversations(Vec<crate::api::conversations::Conversation>, bool),
    Messages(crate::api::conversations::MessagesPage),
    /// A change that answers only that it succeeded.
    Done,
    Deleted,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ApiRequest {
    pub id: RequestId,
    pub op: ApiOp,
    pub priority: Priority,
    /// Reads with the same key replace each other: only the newest answers.
    pub supersede: Option<String>,
    /// For a create: the stand-in id the app shows for its result until it
    /// is confirmed (the outbox rewrites later edits that name it).
    pub local_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ApiEvent {
    pub id: RequestId,
    pub result: Result<ApiResponse, ApiError>,
    /// The rate-limit budget after this request, for the status bar.
    pub budget: RateBudget,
    /// Requests queued or running after this one finished.
    pub pending: usize,
}

/// A write that had not finished when the actor shut down.
#[derive(Debug, Clone, PartialEq)]
pub struct UnfinishedWrite {
    pub id: RequestId,
    pub description: String,
    /// Whether it had been sent: the server may have applied it.
    pub was_running: bool,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct ShutdownReport {
    pub unfinished_writes: Vec<UnfinishedWrite>,
    pub cancelled_reads: usize,
}

#[derive(Debug, Clone)]
pub struct ActorConfig {
    pub max_in_flight: usize,
}

impl Default for ActorConfig {
    fn default() -> Self {
        Self { max_in_flight: 6 }
    }
}

enum Command {
    Request(Box<ApiRequest>),
    Cancel(RequestId),
    Shutdown {
        grace: Duration,
        reply: oneshot::Sender<ShutdownReport>,
    },
}

/// The UI's side of the actor. Cloning it shares the same actor.
#[derive(Clone)]
pub struct ApiHandle {
    tx: mpsc::UnboundedSender<Command>,
    next_id: Arc<AtomicU64>,
}

impl std::fmt::Debug for ApiHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiHandle").finish_non_exhaustive()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the API actor has stopped")]
pub struct ActorGone;

impl ApiHandle {
    /// Starts the actor on the current tokio runtime.
    pub fn spawn(
        client: Client,
        config: ActorConfig,
    ) -> (ApiHandle, mpsc::UnboundedReceiver<ApiEvent>) {
        let (tx, rx) = mpsc::unbounded_channel();
        let (events_tx, events_rx) = mpsc::unbounded_channel();
        let actor = Actor {
            client,
            max_in_flight: config.max_in_flight.max(1),
            events: events_tx,
            interactive: VecDeque::new(),
            background: VecDeque::new(),
            running: HashMap::new(),
            tasks: JoinSet::new(),
        };
        tokio::spawn(actor.run(rx));
        (
            ApiHandle {
                tx,
                next_id: Arc::new(AtomicU64::new(1)),
            },
            events_rx,
        )
    }

    pub fn next_id(&self) -> RequestId {
        RequestId(self.next_id.fetch_add(1, Ordering::Relaxed))
    }

    /// Queues a request; never waits.
    pub fn send(&self, request: ApiRequest) -> Result<(), ActorGone> {
        self.tx
            .send(Command::Request(Box::new(request)))
            .map_err(|_| ActorGone)
    }

    /// Queues `op` with a fresh id and returns the id.
    pub fn submit(
        &self,
        op: ApiOp,
        priority: Priority,
        supersede: Option<&str>,
    ) -> Result<RequestId, ActorGone> {
        let id = self.next_id();
        self.send(ApiRequest {
            id,
            op,
            priority,
            supersede: supersede.map(str::to_string),
            local_id: None,
        })?;
        Ok(id)
    }

    /// Cancels a read (writes run to completion). Its answer becomes
    /// `Cancelled { Superseded }`.
    pub fn cancel(&self, id: RequestId) -> Result<(), ActorGone> {
        self.tx.send(Command::Cancel(id)).map_err(|_| ActorGone)
    }

    /// Stops the actor: reads are cancelled at once; writes get `grace` to
    /// finish. Every request still gets its event, and the report names the
    /// writes that did not finish.
    pub async fn shutdown(&self, grace: Duration) -> ShutdownReport {
        let (reply, rx) = oneshot::channel();
        if self.tx.send(Command::Shutdown { grace, reply }).is_err() {
            return ShutdownReport::default();
        }
        rx.await.unwrap_or_default()
    }
}

/// What a request task returns.
type TaskOutput = (RequestId, Result<ApiResponse, ApiError>);
/// What `JoinSet::join_next_with_id` gives back for one.
type Finished = Result<(tokio::task::Id, TaskOutput), tokio::task::JoinError>;

struct Running {
    request_id: RequestId,
    supersede: Option<String>,
    is_write: bool,
    description: String,
    abort: tokio::task::AbortHandle,
}

struct Actor {
    client: Client,
    max_in_flight: usize,
    events: mpsc::UnboundedSender<ApiEvent>,
    interactive: VecDeque<ApiRequest>,
    background: VecDeque<ApiRequest>,
    running: HashMap<tokio::task::Id, Running>,
    tasks: JoinSet<TaskOutput>,
}

impl Actor {
    async fn run(mut self, mut rx: mpsc::UnboundedReceiver<Command>) {
        loop {
            self.start_queued();
            tokio::select! {
                cmd = rx.recv() => match cmd {
                    Some(Command::Request(r)) => self.enqueue(*r),
                    Some(Command::Cancel(id)) => self.cancel(id, CancelReason::Superseded),
                    Some(Command::Shutdown { grace, reply }) => {
                        let report = self.shutdown(grace).await;
                        let _ = reply.send(report);
                        return;
                    }
                    // Every handle is gone: nobody can receive answers, but
                    // writes already accepted still go out.
                    None => {
                        self.shutdown(Duration::from_secs(30)).await;
                        return;
                    }
                },
                Some(done) = self.tasks.join_next_with_id(), if !self.tasks.is_empty() => {
                    self.finished(done);
                }
            }
        }
    }

    fn pending(&self) -> usize {
        self.interactive.len() + self.background.len() + self.running.len()
    }

    fn emit(&self, id: RequestId, result: Result<ApiResponse, ApiError>) {
        let _ = self.events.send(ApiEvent {
            id,
            result,
            budget: self.client.budget(),
            pending: self.pending(),
        });
    }

    fn enqueue(&mut self, r: ApiRequest) {
        if let Some(key) = r.supersede.clone().filter(|_| !r.op.is_write()) {
            self.supersede(&key);
        }
        match r.priority {
            Priority::Interactive => self.interactive.push_back(r),
            Priority::Background => self.background.push_back(r),
        }
    }

    /// Drops every queued or running read with this key.
    fn supersede(&mut self, key: &str) {
        let stale = |r: &ApiRequest| !r.op.is_write() && r.supersede.as_deref() == Some(key);
        let mut dropped = Vec::new();
        for q in [&mut self.interactive, &mut self.background] {
            q.retain(|r| {
                if stale(r) {
                    dropped.push(r.id);
                    false
                } else {
                    true
                }
            });
        }
        let running: Vec<tokio::task::Id> = self
            .running
            .iter()
            .filter(|(_, r)| !r.is_write && r.supersede.as_deref() == Some(key))
            .map(|(id, _)| *id)
            .collect();
        for task in running {
            if let Some(r) = self.running.remove(&task) {
                r.abort.abort();
                dropped.push(r.request_id);
            }
        }
        for id in dropped {
            tracing::debug!(%id, key, "superseded");
            self.emit(
                id,
                Err(ApiError::Cancelled {
                    reason: CancelReason::Superseded,
                }),
            );
        }
    }

    fn cancel(&mut self, id: RequestId, reason: CancelReason) {
        let mut found = false;
        for q in [&mut self.interactive, &mut self.background] {
            q.retain(|r| {
                if r.id == id && !r.op.is_write() {
                    found = true;
                    false
                } else {
                    true
                }
            });
        }
        if let Some((&task, _)) = self
            .running
            .iter()
            .find(|(_, r)| r.request_id == id && !r.is_write)
            && let Some(r) = self.running.remove(&task)
        {
            r.abort.abort();
            found = true;
        }
        if found {
            self.emit(id, Err(ApiError::Cancelled { reason }));
        }
    }

    fn start_queued(&mut self) {
        while self.running.len() < self.max_in_flight {
            let Some(r) = self
                .interactive
                .pop_front()
                .or_else(|| self.background.pop_front())
            else {
                break;
            };
            self.start(r);
        }
    }

    fn start(&mut self, r: ApiRequest) {
        let client = self.client.clone();
        let is_write = r.op.is_write();
        // Only writes are named in the shutdown report; reads skip the work.
        let description = if is_write {
            r.op.describe()
        } else {
            String::new()
        };
        let span = tracing::info_span!("api", id = r.id.0, op = r.op.name());
        let request_id = r.id;
        let op = r.op;
        let abort = self.tasks.spawn(
            async move {
                let result = op.run(&client).await;
                if let Err(e) = &result {
                    tracing::warn!(error = %e, "request failed");
                }
                (request_id, result)
            }
            .instrument(span),
        );
        self.running.insert(
            abort.id(),
            Running {
                request_id,
                supersede: r.supersede,
                is_write,
                description,
                abort,
            },
        );
    }

    fn finished(&mut self, done: Finished) {
        match done {
            Ok((task, (id, result))) => {
                // Absent from `running` means it was superseded or cancelled
                // and its answer already went out.
                if self.running.remove(&task).is_some() {
                    self.emit(id, result);
                }
            }
            Err(e) => {
                if let Some(r) = self.running.remove(&e.id()) {
                    // A panic inside a request: report it instead of losing it.
                    let message = if e.is_panic() {
                        "internal error while running the request (see the log)".to_string()
                    } else {
                        "the request was stopped".to_string()
                    };
                    tracing::error!(id = %r.request_id, error = %e, "request task failed");
                    self.emit(r.request_id, Err(ApiError::Server { status: 0, message }));
                }
            }
        }
    }

    async fn shutdown(&mut self, grace: Duration) -> ShutdownReport {
        let mut report = ShutdownReport::default();
        // Reads: cancel now.
        let queued_reads: Vec<RequestId> = self
            .interactive
            .iter()
            .chain(self.background.iter())
            .filter(|r| !r.op.is_write())
            .map(|r| r.id)
            .collect();
        for id in queued_reads {
            self.cancel(id, CancelReason::Shutdown);
            report.cancelled_reads += 1;
        }
        let running_reads: Vec<RequestId> = self
            .running
            .values()
            .filter(|r| !r.is_write)
            .map(|r| r.request_id)
            .collect();
        for id in running_reads {
            self.cancel(id, CancelReason::Shutdown);
            report.cancelled_reads += 1;
        }
        // Writes: let them finish within the grace period.
        let deadline = tokio::time::Instant::now() + grace;
        loop {
            self.start_queued();
            if self.running.is_empty() {
                break;
            }
            tokio::select! {
                Some(done) = self.tasks.join_next_with_id() => self.finished(done),
                _ = tokio::time::sleep_until(deadline) => break,
            }
        }
        let unfinished: Vec<UnfinishedWrite> = self
            .running
            .values()
            .map(|r| UnfinishedWrite {
                id: r.request_id,
                description: r.description.clone(),
                was_running: true,
            })
            .chain(
                self.interactive
                    .iter()
                    .chain(self.background.iter())
                    .map(|r| UnfinishedWrite {
                        id: r.id,
                        description: r.op.describe(),
                        was_running: false,
                    }),
            )
            .collect();
        for (_, r) in self.running.drain() {
            r.abort.abort();
        }
        self.interactive.clear();
        self.background.clear();
        for w in &unfinished {
            tracing::warn!(id = %w.id, what = %w.description, "write unfinished at shutdown");
            self.emit(
                w.id,
                Err(ApiError::Cancelled {
                    reason: CancelReason::Shutdown,
                }),
            );
        }
        report.unfinished_writes = unfinished;
        report
    }
}
