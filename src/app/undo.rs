//! Undo: the inverse of the last change, sent as an edit of its own.

use crate::app::*;

/// A change that can be reverted by sending its inverse.
#[derive(Debug, Clone, PartialEq)]
pub enum Undo {
    Toggle {
        contact_id: String,
        task_id: String,
        was: bool,
    },
    TagsAdded {
        contact_id: String,
        tags: Vec<String>,
    },
    TagsRemoved {
        contact_id: String,
        tags: Vec<String>,
    },
    ContactEdited {
        before: Box<Contact>,
        after: Box<Contact>,
    },
    /// A task given to someone else; `was` had it.
    TaskAssigned {
        contact_id: String,
        task_id: String,
        was: String,
    },
    /// A change that cannot be undone (a booking, a delete): `u` says so,
    /// and undoes nothing older.
    Final(String),
    /// An appointment's status changed; `appointment` as it was.
    AppointmentStatus {
        contact_id: String,
        appointment: Box<Appointment>,
    },
    /// A deal's stage, status, name or value changed.
    /// Tags changed in bulk: for each set of tags changed, the contacts
    /// it changed on.
    BulkTags {
        mode: TagMode,
        groups: Vec<(Vec<String>, Vec<String>)>,
    },
    DealEdited {
        contact_id: String,
        before: Box<crate::api::opportunities::Opportunity>,
        after: Box<crate::api::opportunities::Opportunity>,
    },
    /// Contacts put into a workflow (or, with `added` false, taken out).
    Workflow {
        workflow_id: String,
        name: String,
        added: bool,
        contacts: Vec<String>,
    },
    /// Contacts given to other owners; each with whom it had before.
    Assigned {
        before: Vec<(String, Option<String>)>,
    },
    /// A follower added (or, with `added` false, taken off).
    Followed {
        contact_id: String,
        user: String,
        added: bool,
    },
}

impl Undo {
    /// Leaves these contacts out of a bulk change's undo: HighLevel
    /// refused them, so there is nothing of theirs to undo.
    pub(crate) fn forget(&mut self, ids: &[String]) {
        match self {
            Undo::BulkTags { groups, .. } => {
                for (_, contacts) in groups.iter_mut() {
                    contacts.retain(|c| !ids.contains(c));
                }
            }
            Undo::Workflow { contacts, .. } => contacts.retain(|c| !ids.contains(c)),
            Undo::Assigned { before } => before.retain(|(c, _)| !ids.contains(c)),
            _ => {}
        }
    }

    /// Whether it undoes a bulk change.
    pub(crate) fn is_bulk(&self) -> bool {
        matches!(
            self,
            Undo::BulkTags { .. } | Undo::Workflow { .. } | Undo::Assigned { .. }
        )
    }
}

pub(crate) fn undo(s: &mut State, out: &mut Vec<Command>) {
    let Some(u) = s.undo.pop() else {
        s.notice = Some("Nothing to undo.".into());
        return;
    };
    match u {
        Undo::BulkTags { mode, groups } if s.bulk.is_some() => {
            s.notice = Some("A bulk change is still under way; undo it once it is done.".into());
            s.undo.push(Undo::BulkTags { mode, groups });
        }
        Undo::BulkTags { groups, .. } if groups.iter().all(|(_, c)| c.is_empty()) => {
            s.notice = Some("Nothing to undo: none of them was changed.".into());
        }
        Undo::BulkTags { mode, groups } => {
            let back = match mode {
                TagMode::Add => TagMode::Remove,
                TagMode::Remove => TagMode::Add,
            };
            let n: usize = groups.iter().map(|(_, c)| c.len()).sum();
            s.bulk_tag_sets(&groups, back, false, out);
            s.notice = Some(format!("Undoing the bulk tag change on {n} contacts."));
        }
        Undo::Workflow { .. } | Undo::Assigned { .. } if s.bulk.is_some() => {
            s.notice = Some("A bulk change is still under way; undo it once it is done.".into());
            s.undo.push(u);
        }
        Undo::Workflow {
            workflow_id,
            name,
            added,
            contacts,
        } => {
            if contacts.is_empty() {
                s.notice = Some("Nothing to undo: HighLevel refused every one of them.".into());
                return;
            }
            let ops = contacts
                .iter()
                .map(|c| ApiOp::Workflow {
                    contact_id: c.clone(),
                    workflow_id: workflow_id.clone(),
                    add: !added,
                })
                .collect();
            let what = format!(
                "{} {}",
                if added { "out of" } else { "back in" },
                crate::text::snippet(&name, 40)
            );
            s.run_each(if added { "Taking" } else { "Enrolling" }, &what, ops, out);
        }
        Undo::Assigned { before } => {
            if before.is_empty() {
                s.notice = Some("Nothing to undo: HighLevel refused every one of them.".into());
                return;
            }
            assign_many(s, &before, false, out);
        }
        Undo::Final(what) => {
            s.notice = Some(format!("The last change, {what}, cannot be undone."));
        }
        Undo::AppointmentStatus {
            contact_id,
            appointment,
        } => {
            let was = appointment
                .appointment_status
                .clone()
                .unwrap_or_else(|| "new".into());
            let mut now = (*appointment).clone();
            now.appointment_status = s
                .detail
                .appointments
                .loaded()
                .into_iter()
                .flatten()
                .chain(s.agenda.events.loaded().into_iter().flatten())
                .find(|a| a.id == appointment.id)
                .and_then(|a| a.appointment_status.clone());
            s.set_appointment_status(&contact_id, &now, &was, false, out);
            s.notice = Some("Undone: the appointment's status is as it was.".into());
        }
        Undo::DealEdited {
            contact_id,
            before,
            after,
        } => {
            if s.deal_now(&contact_id, &before.id).is_none() {
                s.notice = Some("Undo: open that contact again to undo its deal's change.".into());
                s.undo.push(Undo::DealEdited {
                    contact_id,
                    before,
                    after,
                });
                return;
            }
            // Each kind of change back by the request that made it; the
            // undo itself is not undone by the next `u`.
            let depth = s.undo.len();
            if (before.status != after.status || before.lost_reason_id != after.lost_reason_id)
                && let Some(st) = before.status()
            {
                s.set_deal_status(&contact_id, &after, st, before.lost_reason_id.clone(), out);
            }
            let now = s
                .deal_now(&contact_id, &before.id)
                .unwrap_or_else(|| (*after).clone());
            if before.pipeline_stage_id != after.pipeline_stage_id
                && let Some(stage) = before.pipeline_stage_id.clone()
            {
                s.move_deal(&contact_id, &now, stage, out);
            }
            let now = s
                .deal_now(&contact_id, &before.id)
                .unwrap_or_else(|| (*after).clone());
            let name = (before.name != after.name)
                .then(|| before.name.clone())
                .flatten();
            // A deal that had no value gets 0 back: HighLevel's update
            // cannot take a value away.
            let value = (before.monetary_value != after.monetary_value)
                .then(|| before.monetary_value.unwrap_or(0.0));
            if name.is_some() || value.is_some() {
                s.edit_deal_fields(&contact_id, &now, name, value, out);
            }
            s.undo.truncate(depth);
            s.notice = Some("Undone: the deal is as it was.".into());
        }
        Undo::Followed {
            contact_id, user, ..
        } => {
            toggle_follower(s, &contact_id, &user, false, out);
            s.notice = Some("Undone: the followers are as they were.".into());
        }
        Undo::TaskAssigned {
            contact_id,
            task_id,
            was,
        } => {
            assign_task(s, &contact_id, &task_id, was, false, out);
            s.notice = Some("Undone: the task has its assignee back.".into());
        }
        Undo::Toggle {
            contact_id,
            task_id,
            was,
        } => {
            let before = !was;
            s.with_task(&contact_id, &task_id, |t| t.completed = was);
            s.request(
                out,
                ApiOp::SetTaskCompleted {
                    contact_id: contact_id.clone(),
                    task_id: task_id.clone(),
                    completed: was,
                },
                Priority::Interactive,
                None,
                Purpose::Task(TaskWait::Toggle {
                    contact_id,
                    task_id,
                    before,
                }),
            );
            s.notice = Some("Undone: task status restored.".into());
        }
        Undo::TagsAdded { contact_id, tags } => {
            change_tags(s, out, &contact_id, TagMode::Remove, tags, false);
            s.notice = Some("Undone: tags removed again.".into());
        }
        Undo::ContactEdited { before, after } => {
            let update = ContactUpdate::diff(&after, &before);
            let base = Some(ContactUpdate::diff(&before, &after));
            let id = before.id.clone();
            s.replace_contact(&id, (*before).clone());
            s.request(
                out,
                ApiOp::UpdateContact { id, update, base },
                Priority::Interactive,
                None,
                Purpose::Contact(ContactWait::Update {
                    before: after,
                    form: None,
                }),
            );
            s.notice = Some("Undone: contact fields restored.".into());
        }
        Undo::TagsRemoved { contact_id, tags } => {
            change_tags(s, out, &contact_id, TagMode::Add, tags, false);
            s.notice = Some("Undone: tags restored.".into());
        }
    }
}

pub(crate) fn change_tags(
    s: &mut State,
    out: &mut Vec<Command>,
    cid: &str,
    mode: TagMode,
    tags: Vec<String>,
    record: bool,
) {
    let before = s.tags_of(cid);
    let has = |list: &[String], t: &str| list.iter().any(|a| a.eq_ignore_ascii_case(t));
    // Only what this change really changes: undoing it must not touch
    // tags the contact had before, nor remove ones it never had.
    let mut changed: Vec<String> = Vec::new();
    for t in &tags {
        let present = has(&before, t);
        let wanted = match mode {
            TagMode::Add => !present,
            TagMode::Remove => present,
        };
        if wanted && !has(&changed, t) {
            changed.push(t.clone());
        }
    }
    if changed.is_empty() {
        s.notice = Some(match mode {
            TagMode::Add => "The contact has those tags already.".into(),
            TagMode::Remove => "The contact has none of those tags.".into(),
        });
        return;
    }
    let mut after = before.clone();
    match mode {
        TagMode::Add => after.extend(changed.iter().cloned()),
        TagMode::Remove => after.retain(|a| !has(&changed, a)),
    }
    s.set_tags(cid, after);
    let undo = record.then(|| match mode {
        TagMode::Add => Undo::TagsAdded {
            contact_id: cid.to_string(),
            tags: changed.clone(),
        },
        TagMode::Remove => Undo::TagsRemoved {
            contact_id: cid.to_string(),
            tags: changed.clone(),
        },
    });
    if let Some(u) = &undo {
        s.undo.push(u.clone());
    }
    let op = match mode {
        TagMode::Add => ApiOp::AddTags {
            contact_id: cid.to_string(),
            tags: changed,
        },
        TagMode::Remove => ApiOp::RemoveTags {
            contact_id: cid.to_string(),
            tags: changed,
        },
    };
    s.request(
        out,
        op,
        Priority::Interactive,
        None,
        Purpose::Tags(TagWait::Change {
            contact_id: cid.to_string(),
            before,
            undo,
        }),
    );
}
