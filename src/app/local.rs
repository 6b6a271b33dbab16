//! What the app knows of the local cache: sync progress, freshness, the
//! outbox. The runtime does the disk work; these are its events and the
//! commands that ask for it.

use std::collections::HashSet;

use chrono::{DateTime, Utc};

use crate::api::model::*;
use crate::cache::outbox::Counts;
use crate::cache::sync::Progress;

/// The cache as the status bar and the outbox view show it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Local {
    /// A cache is in use: contacts come from sync, edits go through the outbox.
    pub enabled: bool,
    /// When the data was last known complete (a sync's start).
    pub synced_at: Option<DateTime<Utc>>,
    /// The sync under way.
    pub sync: Option<Progress>,
    /// Why the last sync failed, if it did.
    pub sync_error: Option<String>,
    pub outbox: Counts,
    /// Contacts with edits not yet confirmed: their rows carry a mark.
    pub waiting: HashSet<String>,
    /// Why the last attempt to send an edit failed.
    pub outbox_error: Option<String>,
    /// While the cached list is still being read: how many it holds.
    pub cached: Option<u64>,
}

impl Local {
    /// "synced 3 min ago", "cached 2 h ago", or the sync's progress.
    pub fn freshness(&self, now: DateTime<Utc>) -> Option<String> {
        if !self.enabled {
            return None;
        }
        if let Some(n) = self.cached {
            return Some(format!(
                "reading {} cached contacts…",
                crate::cache::sync::thousands(n)
            ));
        }
        if let Some(p) = &self.sync
            && (p.full || p.done > 0)
        {
            return Some(p.to_string());
        }
        let Some(at) = self.synced_at else {
            return Some(if self.sync.is_some() {
                "First sync…".into()
            } else {
                "Not synced yet".into()
            });
        };
        let age = now.signed_duration_since(at).num_seconds().max(0);
        let ago = if age < 60 {
            "just now".to_string()
        } else if age < 3600 {
            format!("{} min ago", age / 60)
        } else if age < 86_400 {
            format!("{} h ago", age / 3600)
        } else {
            format!("{} d ago", age / 86_400)
        };
        Some(if self.sync_error.is_some() {
            format!("offline · data from {ago}")
        } else if self.sync.is_some() {
            format!("checking · synced {ago}")
        } else {
            format!("synced {ago}")
        })
    }

    /// "3 edits pending", "1 needs attention (O)".
    pub fn outbox_summary(&self, key: &str) -> Option<String> {
        let Counts { pending, attention } = self.outbox;
        let mut parts = Vec::new();
        if pending > 0 {
            parts.push(format!(
                "{pending} edit{} pending",
                if pending == 1 { "" } else { "s" }
            ));
        }
        if attention > 0 {
            parts.push(format!(
                "{attention} need{} attention ({key})",
                if attention == 1 { "s" } else { "" }
            ));
        }
        (!parts.is_empty()).then(|| parts.join(" · "))
    }
}

/// A contact's data as the cache had it, for the detail pane at once.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Cached {
    pub contact_id: String,
    pub contact: Option<Contact>,
    pub tasks: Option<Vec<Task>>,
    pub notes: Option<Vec<Note>>,
    pub appointments: Option<Vec<Appointment>>,
}

/// Data to keep in the cache, as the app learned it.
#[derive(Debug, Clone, PartialEq)]
pub enum StoreWrite {
    Contact(Box<Contact>),
    Tasks(String, Vec<Task>),
    Notes(String, Vec<Note>),
    Appointments(String, Vec<Appointment>),
    LocationTags(Vec<LocationTag>),
    /// The location's own time zone, by name.
    LocationZone(String),
    /// The location's users.
    Users(Vec<User>),
    /// The contacts' custom field definitions.
    CustomFields(Vec<CustomField>),
}

/// The outbox view's requests.
#[derive(Debug, Clone, PartialEq)]
pub enum OutboxAction {
    /// Read the entries (the answer is `Event::OutboxEntries`).
    Load,
    Retry(i64),
    Discard(i64),
    /// Edit the request in `$EDITOR`, then send it again.
    Edit(i64),
}

pub use super::overlays::OutboxView;
