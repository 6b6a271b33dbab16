//! What comes back: API answers, sync progress and cache reads, each handed to the part of the state that waits for it.

use crate::app::*;

pub(crate) fn on_sync(s: &mut State, e: SyncEvent) {
    match e {
        SyncEvent::Progress(p) => s.local.sync = Some(p),
        SyncEvent::Contacts(list) => s.merge_contacts(list),
        SyncEvent::Removed(ids) => {
            for id in ids {
                if s.detail.contact_id.as_deref() == Some(id.as_str()) {
                    s.notice = Some("This contact was deleted in HighLevel.".into());
                }
                s.remove_contact(&id);
            }
        }
    }
}

/// Cached data fills what is still loading; answers from the server win.
pub(crate) fn on_cached(s: &mut State, c: Cached) {
    if s.detail.contact_id.as_deref() != Some(c.contact_id.as_str()) {
        return;
    }
    fn fill<T>(slot: &mut Remote<T>, v: Option<T>) {
        if let (Some(v), Remote::Loading | Remote::Idle | Remote::Failed(_)) = (v, &slot) {
            *slot = Remote::Loaded(v);
        }
    }
    fill(&mut s.detail.contact, c.contact);
    fill(&mut s.detail.tasks, c.tasks);
    fill(&mut s.detail.notes, c.notes);
    fill(&mut s.detail.appointments, c.appointments);
}

/// One detail section's answer: shown (and kept in the cache, with
/// `keep`), or, when it failed, the cached copy kept on screen.
pub(crate) fn section<T: Clone>(
    slot: &mut Remote<T>,
    answer: Result<ApiResponse, ApiError>,
    take: impl FnOnce(ApiResponse) -> Result<T, Box<ApiResponse>>,
    keep: Option<impl FnOnce(T) -> StoreWrite>,
    out: &mut Vec<Command>,
    notice: &mut Option<String>,
) {
    match answer.map(take) {
        Ok(Ok(v)) => {
            if let Some(keep) = keep {
                out.push(Command::Store(Box::new(keep(v.clone()))));
            }
            *slot = Remote::Loaded(v);
        }
        Ok(Err(other)) => *slot = Remote::Failed(format!("unexpected answer {other:?}")),
        Err(err) => failed_keeping(slot, &err, notice),
    }
}

/// A failed load keeps the cached data it would have replaced.
pub(crate) fn failed_keeping<T>(slot: &mut Remote<T>, err: &ApiError, notice: &mut Option<String>) {
    let by_user = matches!(
        err,
        ApiError::Cancelled {
            reason: CancelReason::ByUser
        }
    );
    if matches!(slot, Remote::Loaded(_)) {
        // After the user's own cancel, its notice says enough.
        if !by_user {
            *notice = Some(format!("Showing cached data: {err}"));
        }
    } else {
        *slot = Remote::Failed(err.to_string());
    }
}

pub(crate) fn on_api(s: &mut State, e: ApiEvent, out: &mut Vec<Command>) {
    s.budget = e.budget;
    let Some(purpose) = s.requests.remove(&e.id) else {
        return;
    };
    s.pending = s.pending.saturating_sub(1);
    if let Err(ApiError::Cancelled { reason }) = &e.result {
        // A superseded load: a newer one is on its way. A shutdown: nothing to show.
        if *reason == CancelReason::Superseded || *reason == CancelReason::Shutdown {
            return;
        }
    }
    match (purpose, e.result) {
        (Purpose::ContactsPage, Ok(ApiResponse::SearchPage(page))) => {
            // Only a short page ends the walk; `total` is shown, never trusted.
            s.list.total_on_server = Some(page.total);
            let cursor = page.contacts.last().and_then(|c| c.search_after.clone());
            let got = page.contacts.len();
            let new = page
                .contacts
                .iter()
                .filter(|c| s.list.walk_seen.insert(c.id.clone()))
                .count();
            s.merge_contacts(page.contacts);
            match s.list.walk.advance(PAGE_LIMIT, got, new, cursor) {
                Ok(crate::api::paging::Step::More) => s.load_page(out, Priority::Background),
                Ok(crate::api::paging::Step::End) => s.list.status = Remote::Loaded(()),
                Err(e) => {
                    s.list.status = Remote::Loaded(());
                    s.error = Some(format!("Stopped loading contacts: {e}"));
                }
            }
        }
        (Purpose::Contact(cid), r) if s.detail.contact_id.as_deref() == Some(cid.as_str()) => {
            match r {
                Ok(ApiResponse::Contact(c)) => {
                    s.detail.contact = Remote::Loaded(c.clone());
                    if s.local.enabled {
                        out.push(Command::Store(Box::new(StoreWrite::Contact(Box::new(
                            c.clone(),
                        )))));
                    }
                    // Fresher than the list's copy: show it there too.
                    s.merge_contacts(vec![c]);
                }
                Ok(other) => {
                    s.detail.contact = Remote::Failed(format!("unexpected answer {other:?}"))
                }
                Err(err) => failed_keeping(&mut s.detail.contact, &err, &mut s.notice),
            }
        }
        (Purpose::Contact(_), _) => {}
        (Purpose::ContactsPage, Err(err)) => {
            s.list.status = Remote::Failed(err.to_string());
            s.set_error("Could not load contacts", &err);
        }
        (Purpose::ServerSearch, Ok(ApiResponse::SearchPage(page))) => {
            s.merge_contacts(page.contacts)
        }
        (Purpose::ServerSearch, Err(err)) => s.set_error("Server search failed", &err),
        (Purpose::Tasks(cid), r) if s.detail.contact_id.as_deref() == Some(cid.as_str()) => {
            let keep = s.local.enabled.then_some(|t| StoreWrite::Tasks(cid, t));
            let take = |a| match a {
                ApiResponse::Tasks(t) => Ok(t),
                other => Err(Box::new(other)),
            };
            section(&mut s.detail.tasks, r, take, keep, out, &mut s.notice);
        }
        (Purpose::Notes(cid), r) if s.detail.contact_id.as_deref() == Some(cid.as_str()) => {
            let keep = s.local.enabled.then_some(|n| StoreWrite::Notes(cid, n));
            let take = |a| match a {
                ApiResponse::Notes(n) => Ok(n),
                other => Err(Box::new(other)),
            };
            section(&mut s.detail.notes, r, take, keep, out, &mut s.notice);
        }
        (Purpose::Appointments(cid), r) if s.detail.contact_id.as_deref() == Some(cid.as_str()) => {
            let keep = s
                .local
                .enabled
                .then_some(|a| StoreWrite::Appointments(cid, a));
            let take = |a| match a {
                ApiResponse::Appointments(a) => Ok(a),
                other => Err(Box::new(other)),
            };
            section(
                &mut s.detail.appointments,
                r,
                take,
                keep,
                out,
                &mut s.notice,
            );
        }
        // Answers for a contact no longer shown.
        (Purpose::Tasks(_) | Purpose::Notes(_) | Purpose::Appointments(_), _) => {}
        (Purpose::Today, Ok(ApiResponse::Tasks(t))) => {
            s.today.tasks = Remote::Loaded(t);
            s.today.selected = s
                .today
                .selected
                .min(s.today_tasks().len().saturating_sub(1));
        }
        (Purpose::Today, Err(err)) => s.today.tasks = Remote::Failed(err.to_string()),
        (Purpose::LocationTags, Ok(ApiResponse::LocationTags(t))) => {
            if s.local.enabled {
                out.push(Command::Store(Box::new(StoreWrite::LocationTags(
                    t.clone(),
                ))));
            }
            s.location_tags = Remote::Loaded(t)
        }
        (Purpose::LocationTags, Err(err)) => s.location_tags = Remote::Failed(err.to_string()),
        (
            Purpose::Toggle {
                contact_id,
                task_id,
                ..
            },
            Ok(ApiResponse::Task(t)),
        ) => {
            s.with_task(&contact_id, &task_id, |x| x.completed = t.completed);
        }
        (
            Purpose::Toggle {
                contact_id,
                task_id,
                before,
            },
            Err(err),
        ) => {
            s.with_task(&contact_id, &task_id, |x| x.completed = before);
            s.undo
                .retain(|u| !matches!(u, Undo::Toggle { task_id: t, .. } if *t == task_id));
            s.set_error("Could not change the task (rolled back)", &err);
        }
        (
            Purpose::CreateTask {
                contact_id,
                temp_id,
                ..
            },
            Ok(ApiResponse::Task(t)),
        ) => {
            s.with_task(&contact_id, &temp_id, |x| *x = t.clone());
        }
        (
            Purpose::CreateTask {
                contact_id,
                temp_id,
                form,
            },
            Err(err),
        ) => {
            remove_task(s, &contact_id, &temp_id);
            s.keep_typed("task", Overlay::Task(form), &err);
        }
        (
            Purpose::UpdateTask {
                contact_id, before, ..
            },
            Ok(ApiResponse::Task(t)),
        ) => {
            s.with_task(&contact_id, &before.id, |x| *x = t.clone());
        }
        (
            Purpose::UpdateTask {
                contact_id,
                before,
                form,
            },
            Err(err),
        ) => {
            s.with_task(&contact_id, &before.id, |x| *x = before.clone());
            s.keep_typed("task", Overlay::Task(form), &err);
        }
        (Purpose::DeleteTask { .. }, Ok(_)) => {}
        (Purpose::DeleteTask { contact_id, task }, Err(err)) => {
            if s.detail.contact_id.as_deref() == Some(contact_id.as_str())
                && let Some(ts) = s.detail.tasks.loaded_mut()
            {
                ts.push(task);
            }
            s.set_error("Could not delete the task (restored)", &err);
        }
        (
            Purpose::CreateNote {
                contact_id,
                temp_id,
                ..
            },
            Ok(ApiResponse::Note(n)),
        ) => {
            if s.detail.contact_id.as_deref() == Some(contact_id.as_str())
                && let Some(ns) = s.detail.notes.loaded_mut()
            {
                ns.iter_mut()
                    .filter(|x| x.id == temp_id)
                    .for_each(|x| *x = n.clone());
            }
        }
        (
            Purpose::CreateNote {
                contact_id,
                temp_id,
                form,
            },
            Err(err),
        ) => {
            if s.detail.contact_id.as_deref() == Some(contact_id.as_str())
                && let Some(ns) = s.detail.notes.loaded_mut()
            {
                ns.retain(|x| x.id != temp_id);
            }
            s.keep_typed("note", Overlay::Note(form), &err);
        }
        (
            Purpose::UpdateNote {
                contact_id,
                before,
                form,
            },
            r,
        ) => {
            if s.detail.contact_id.as_deref() == Some(contact_id.as_str())
                && let Some(ns) = s.detail.notes.loaded_mut()
            {
                match &r {
                    Ok(ApiResponse::Note(n)) => ns
                        .iter_mut()
                        .filter(|x| x.id == before.id)
                        .for_each(|x| *x = n.clone()),
                    _ => ns
                        .iter_mut()
                        .filter(|x| x.id == before.id)
                        .for_each(|x| *x = before.clone()),
                }
            }
            if let Err(err) = r {
                s.keep_typed("note", Overlay::Note(form), &err);
            }
        }
        (Purpose::DeleteNote { .. }, Ok(_)) => {}
        (Purpose::DeleteNote { contact_id, note }, Err(err)) => {
            if s.detail.contact_id.as_deref() == Some(contact_id.as_str())
                && let Some(ns) = s.detail.notes.loaded_mut()
            {
                ns.push(note);
            }
            s.set_error("Could not delete the note (restored)", &err);
        }
        (Purpose::Tags { contact_id, .. }, Ok(ApiResponse::Tags(tags))) => {
            s.set_tags(&contact_id, tags)
        }
        (
            Purpose::Tags {
                contact_id,
                before,
                undo,
            },
            Err(err),
        ) => {
            s.set_tags(&contact_id, before);
            // What failed cannot be undone: its entry goes too.
            if let Some(u) = undo
                && let Some(i) = s.undo.iter().rposition(|x| *x == u)
            {
                s.undo.remove(i);
            }
            s.set_error("Could not change the tags (rolled back)", &err);
        }
        (Purpose::CreateContact { temp_id, .. }, Ok(ApiResponse::Contact(c))) => {
            s.replace_contact(&temp_id, c);
        }
        (Purpose::CreateContact { temp_id, mut form }, Err(err)) => {
            s.remove_contact(&temp_id);
            form.error = Some(err.to_string());
            s.keep_typed("contact", Overlay::Contact(form), &err);
        }
        (Purpose::UpdateContact { before, .. }, Ok(ApiResponse::Contact(c))) => {
            s.replace_contact(&before.id, c);
        }
        (Purpose::UpdateContact { before, form }, Err(err)) => {
            let id = before.id.clone();
            s.undo
                .retain(|u| !matches!(u, Undo::ContactEdited { after, .. } if after.id == id));
            s.replace_contact(&id, *before);
            match form {
                Some(form) => s.keep_typed("contact edit", Overlay::Contact(form), &err),
                None => s.set_error("Could not save the contact (rolled back)", &err),
            }
        }
        (Purpose::DeleteContact { .. }, Ok(_)) => {}
        (Purpose::DeleteContact { contact }, Err(err)) => {
            s.merge_contacts(vec![*contact]);
            s.set_error("Could not delete the contact (restored)", &err);
        }
        (p, r) => {
            tracing::warn!(?p, ?r, "unexpected answer");
        }
    }
}
