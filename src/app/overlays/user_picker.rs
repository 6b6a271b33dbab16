//! The user picker: who a contact or a task is assigned to, picked from the
//! location's users by name or email, or nobody. This room also holds the
//! location's users (loaded at start, kept in the cache) and the writes
//! that assign.

use crate::app::forms::{line_input, text_of};
use crate::app::*;
use ratatui_textarea::TextArea;

/// What is being assigned.
#[derive(Debug, Clone, PartialEq)]
pub enum AssignTarget {
    Contact(String),
    Task {
        contact_id: String,
        task_id: String,
    },
    /// Who follows the contact: enter adds the user picked, or takes them
    /// off if they follow already.
    Followers(String),
    /// The marked contacts, all to the one picked (or to nobody).
    Many(Vec<String>),
    /// A follower added to every marked contact (or, `add` false, taken
    /// off); `tab` turns it.
    FollowersMany {
        contacts: Vec<String>,
        add: bool,
    },
}

#[derive(Debug, Clone)]
pub struct UserPicker {
    pub target: AssignTarget,
    /// Who it is assigned to now.
    pub current: Option<String>,
    /// Who follows the contact now (the followers picker).
    pub followers: Vec<String>,
    pub input: TextArea<'static>,
    /// Index into the current choices.
    pub selected: usize,
    pub error: Option<String>,
}

/// One line of the picker.
#[derive(Debug, Clone, PartialEq)]
pub enum Choice {
    Nobody,
    User(User),
}

/// The users whose name or email starts with, then contains, what is
/// typed; "nobody" first for a contact (HighLevel cannot unassign a task).
pub fn user_choices(s: &State, p: &UserPicker) -> Vec<Choice> {
    let word = search::fold(text_of(&p.input).trim());
    let users: &[User] = s.users.loaded().map_or(&[], Vec::as_slice);
    // The name and the email's own part (every user shares the domain).
    let hay = |u: &User| {
        let local = u
            .email
            .as_deref()
            .unwrap_or("")
            .split('@')
            .next()
            .unwrap_or("");
        format!(
            "{} {}",
            search::fold(&u.display_name()),
            search::fold(local)
        )
    };
    let starts = |u: &User| {
        let h = hay(u);
        h.starts_with(&word) || h.split([' ', '.', '_', '-']).any(|w| w.starts_with(&word))
    };
    let mut out: Vec<Choice> = Vec::new();
    if matches!(p.target, AssignTarget::Contact(_) | AssignTarget::Many(_))
        && "nobody".starts_with(&word)
    {
        out.push(Choice::Nobody);
    }
    out.extend(
        users
            .iter()
            .filter(|u| starts(u))
            .cloned()
            .map(Choice::User),
    );
    out.extend(
        users
            .iter()
            .filter(|u| !starts(u) && hay(u).contains(&word))
            .cloned()
            .map(Choice::User),
    );
    out
}

impl State {
    /// A user's name, when the location's users are known.
    pub fn user_name(&self, id: &str) -> Option<String> {
        self.users
            .loaded()?
            .iter()
            .find(|u| u.id == id)
            .map(User::display_name)
    }

    /// A user as shown: the name, else the id.
    pub fn user_label(&self, id: &str) -> String {
        self.user_name(id).unwrap_or_else(|| id.to_string())
    }
}

/// Opens the picker for the marked contacts, else for the task under the
/// cursor, else for the contact.
pub(crate) fn open_picker(s: &mut State) {
    if let Some(ids) = s.bulk_targets() {
        open_many(s, AssignTarget::Many(ids));
        return;
    }
    let (target, current) = match task_under_cursor(s) {
        Some((contact_id, t)) => (
            AssignTarget::Task {
                contact_id,
                task_id: t.id.clone(),
            },
            t.assigned_to.clone(),
        ),
        None => {
            let Some(cid) = s.target_contact() else {
                return;
            };
            let current = s.contact_by_id(&cid).and_then(|c| c.assigned_to.clone());
            let current = match s.detail.contact.loaded() {
                Some(full) if full.id == cid => full.assigned_to.clone(),
                _ => current,
            };
            (AssignTarget::Contact(cid), current)
        }
    };
    let id = match &target {
        AssignTarget::Contact(id) | AssignTarget::Followers(id) => id,
        AssignTarget::Task { task_id, .. } => task_id,
        AssignTarget::Many(_) | AssignTarget::FollowersMany { .. } => return,
    };
    if !s.may_edit_pending(id) {
        return;
    }
    if matches!(s.users, Remote::Failed(_)) {
        s.notice = Some(match &s.users {
            Remote::Failed(e) => format!("The location's users cannot be read: {e}"),
            _ => String::new(),
        });
        return;
    }
    let mut p = UserPicker {
        target,
        current,
        followers: Vec::new(),
        input: line_input(""),
        selected: 0,
        error: None,
    };
    // On who has it now, else the first user: never on "nobody" by
    // default, so `a` then enter does not unassign.
    let choices = user_choices(s, &p);
    p.selected = choices
        .iter()
        .position(|c| matches!(c, Choice::User(u) if Some(&u.id) == p.current.as_ref()))
        .or_else(|| choices.iter().position(|c| matches!(c, Choice::User(_))))
        .unwrap_or(0);
    s.overlay = Some(Overlay::Assign(Box::new(p)));
}

/// The picker for many contacts at once (the marked).
fn open_many(s: &mut State, target: AssignTarget) {
    if s.bulk.is_some() {
        s.notice = Some("A bulk change is still under way; wait for it to finish.".into());
        return;
    }
    match &s.users {
        Remote::Failed(e) => {
            s.notice = Some(format!("The location's users cannot be read: {e}"));
            return;
        }
        // "Nobody" would be the only choice, under the cursor.
        Remote::Idle | Remote::Loading => {
            s.notice =
                Some("The location's users are still loading; try again in a moment.".into());
            return;
        }
        Remote::Loaded(_) => {}
    }
    let mut p = UserPicker {
        target,
        current: None,
        followers: Vec::new(),
        input: line_input(""),
        selected: 0,
        error: None,
    };
    // Never on "nobody" by default.
    p.selected = user_choices(s, &p)
        .iter()
        .position(|c| matches!(c, Choice::User(_)))
        .unwrap_or(0);
    s.overlay = Some(Overlay::Assign(Box::new(p)));
}

/// `F`: the followers picker for the marked contacts, else for the
/// contact in view (its whole record says who follows it).
pub(crate) fn open_followers(s: &mut State) {
    if let Some(contacts) = s.bulk_targets() {
        open_many(
            s,
            AssignTarget::FollowersMany {
                contacts,
                add: true,
            },
        );
        return;
    }
    let Some(cid) = s.target_contact() else {
        return;
    };
    if !s.may_edit_pending(&cid) {
        return;
    }
    let followers = match s.detail.contact.loaded() {
        Some(full) if full.id == cid => full.followers(),
        _ => {
            s.notice = Some("The contact is still loading; press F again in a moment.".into());
            return;
        }
    };
    if let Remote::Failed(e) = &s.users {
        s.notice = Some(format!("The location's users cannot be read: {e}"));
        return;
    }
    s.overlay = Some(Overlay::Assign(Box::new(UserPicker {
        target: AssignTarget::Followers(cid),
        current: None,
        followers,
        input: line_input(""),
        selected: 0,
        error: None,
    })));
}

/// Adds `user` to the contact's followers, or takes them off, on screen at
/// once; HighLevel's answer (every follower) then stands, and a refusal
/// puts the list back.
pub(crate) fn toggle_follower(
    s: &mut State,
    contact_id: &str,
    user: &str,
    record: bool,
    out: &mut Vec<Command>,
) {
    let before = match s.detail.contact.loaded() {
        Some(full) if full.id == contact_id => full.followers(),
        _ => return,
    };
    let adding = !before.iter().any(|f| f == user);
    let mut after = before.clone();
    if adding {
        after.push(user.to_string());
    } else {
        after.retain(|f| f != user);
    }
    set_followers(s, contact_id, &after);
    if record {
        s.undo.push(Undo::Followed {
            contact_id: contact_id.to_string(),
            user: user.to_string(),
            added: adding,
        });
    }
    let (contact_id, users) = (contact_id.to_string(), vec![user.to_string()]);
    let op = if adding {
        ApiOp::AddFollowers {
            contact_id: contact_id.clone(),
            users,
        }
    } else {
        ApiOp::RemoveFollowers {
            contact_id: contact_id.clone(),
            users,
        }
    };
    s.notice = Some(format!(
        "{} {} the contact.",
        s.user_label(user),
        if adding {
            "now follows"
        } else {
            "no longer follows"
        }
    ));
    s.request(
        out,
        op,
        Priority::Interactive,
        None,
        Purpose::Followers(FollowWait {
            contact_id,
            before,
            user: user.to_string(),
            added: adding,
        }),
    );
}

fn set_followers(s: &mut State, contact_id: &str, ids: &[String]) {
    if let Remote::Loaded(full) = &mut s.detail.contact
        && full.id == contact_id
    {
        full.set_followers(ids);
    }
}

/// A change to a contact's followers waiting for HighLevel, and who
/// followed before.
#[derive(Debug, Clone)]
pub(crate) struct FollowWait {
    contact_id: String,
    before: Vec<String>,
    user: String,
    added: bool,
}

pub(crate) fn follow_answer(s: &mut State, w: FollowWait, r: Result<ApiResponse, ApiError>) {
    match r {
        Ok(ApiResponse::Followers(now)) => set_followers(s, &w.contact_id, &now),
        // Queued in the outbox: the change stays on screen meanwhile.
        Ok(other) => tracing::debug!(?other, "followers answer"),
        Err(err) => {
            set_followers(s, &w.contact_id, &w.before);
            // This change's undo goes with it; earlier ones stay.
            let this = Undo::Followed {
                contact_id: w.contact_id.clone(),
                user: w.user.clone(),
                added: w.added,
            };
            if let Some(i) = s.undo.iter().rposition(|u| *u == this) {
                s.undo.remove(i);
            }
            s.set_error("Could not change the followers (put back)", &err);
        }
    }
}

pub(crate) fn picker_key(
    s: &mut State,
    mut p: Box<UserPicker>,
    k: KeyEvent,
    out: &mut Vec<Command>,
) -> Option<Overlay> {
    let choices = user_choices(s, &p);
    match k.code {
        KeyCode::Esc => return None,
        KeyCode::Tab | KeyCode::BackTab
            if matches!(p.target, AssignTarget::FollowersMany { .. }) =>
        {
            if let AssignTarget::FollowersMany { add, .. } = &mut p.target {
                *add = !*add;
            }
        }
        KeyCode::Down | KeyCode::Tab => {
            p.selected = (p.selected + 1).min(choices.len().saturating_sub(1))
        }
        KeyCode::Up | KeyCode::BackTab => p.selected = p.selected.saturating_sub(1),
        KeyCode::Enter => {
            let Some(choice) = choices.get(p.selected) else {
                p.error = Some(if s.users.loaded().is_some() {
                    "Nobody matches that.".into()
                } else {
                    "The location's users are still loading.".into()
                });
                return Some(Overlay::Assign(p));
            };
            let user = match choice {
                Choice::Nobody => None,
                Choice::User(u) => Some(u.id.clone()),
            };
            if let (AssignTarget::Followers(cid), Some(u)) = (&p.target, &user) {
                toggle_follower(s, cid, u, true, out);
                return None;
            }
            if let (AssignTarget::FollowersMany { contacts, add }, Some(u)) = (&p.target, &user) {
                follow_many(s, contacts, u, *add, true, out);
                return None;
            }
            if let AssignTarget::Many(ids) = &p.target {
                let owners: Vec<(String, Option<String>)> =
                    ids.iter().map(|id| (id.clone(), user.clone())).collect();
                assign_many(s, &owners, true, out);
                return None;
            }
            assign(s, &p.target, user, out);
            return None;
        }
        _ => {
            if forms::edit_line(&mut p.input, k) {
                // On the first user, never on "nobody" unless it is all
                // that matches (typed out, say): enter must not unassign
                // by surprise.
                p.selected = user_choices(s, &p)
                    .iter()
                    .position(|c| matches!(c, Choice::User(_)))
                    .unwrap_or(0);
                p.error = None;
            }
        }
    }
    Some(Overlay::Assign(p))
}

/// Assigns at once on screen, then asks HighLevel; a refusal puts it back.
fn assign(s: &mut State, target: &AssignTarget, user: Option<String>, out: &mut Vec<Command>) {
    let who = user
        .as_deref()
        .map_or_else(|| "nobody".to_string(), |u| s.user_label(u));
    match target {
        AssignTarget::Contact(cid) => {
            // The full record knows the owner; the list's copy may not (one
            // read from the cache), so then no base is claimed for it.
            let (before, known) = match s.detail.contact.loaded() {
                Some(full) if full.id == *cid => (Some(full.clone()), true),
                _ => (s.contact_by_id(cid), false),
            };
            let Some(before) = before else { return };
            if before.assigned_to == user {
                s.notice = Some(format!("Already assigned to {who}."));
                return;
            }
            let mut after = before.clone();
            after.assigned_to = user.clone();
            let update = ContactUpdate::new().set(ContactField::AssignedTo, user.as_deref());
            let base =
                ContactUpdate::new().set(ContactField::AssignedTo, before.assigned_to.as_deref());
            s.edit_contact(
                before,
                after.clone(),
                after,
                update,
                known.then_some(base),
                None,
                out,
            );
            s.notice = Some(format!("Contact assigned to {who}."));
        }
        AssignTarget::Task {
            contact_id,
            task_id,
        } => {
            let Some(user) = user else { return };
            assign_task(s, contact_id, task_id, user, true, out);
            s.notice = Some(format!("Task assigned to {who}."));
        }
        AssignTarget::Followers(_) | AssignTarget::Many(_) | AssignTarget::FollowersMany { .. } => {
        }
    }
}

/// Each contact to its owner (`None`: nobody), shown at once, one edit
/// each, counted through; with `record`, undone by giving each back to
/// whom it had.
pub(crate) fn assign_many(
    s: &mut State,
    owners: &[(String, Option<String>)],
    record: bool,
    out: &mut Vec<Command>,
) {
    let mut before: Vec<(String, Option<String>)> = Vec::new();
    let mut ops = Vec::new();
    let mut restore = Vec::new();
    for (id, user) in owners {
        let Some(c) = s.contact_by_id(id) else {
            continue;
        };
        if c.assigned_to == *user {
            continue;
        }
        before.push((id.clone(), c.assigned_to.clone()));
        let mut after = c.clone();
        after.assigned_to = user.clone();
        restore.push(c);
        s.replace_contact(id, after);
        ops.push(ApiOp::UpdateContact {
            id: id.clone(),
            update: ContactUpdate::new().set(ContactField::AssignedTo, user.as_deref()),
            // Many at once, on purpose: whoever had them, they go.
            base: None,
        });
    }
    if ops.is_empty() {
        s.notice = Some("Every one of them is assigned so already.".into());
        return;
    }
    let who = match owners
        .iter()
        .map(|(_, u)| u)
        .collect::<std::collections::BTreeSet<_>>()
    {
        one if one.len() == 1 => match one.into_iter().next().cloned().flatten() {
            Some(u) => format!("to {}", s.user_label(&u)),
            None => "to nobody".to_string(),
        },
        _ => "back".to_string(),
    };
    if record {
        s.undo.push(Undo::Assigned { before });
    }
    s.run_each("Assigning", &who, ops, out);
    if let Some(b) = s.bulk.as_mut() {
        b.restore = restore.into_iter().map(|c| (c.id.clone(), c)).collect();
        b.recorded = record;
    }
}

/// `user` added as a follower of each contact (or taken off), one edit
/// each, counted through.
pub(crate) fn follow_many(
    s: &mut State,
    contacts: &[String],
    user: &str,
    add: bool,
    record: bool,
    out: &mut Vec<Command>,
) {
    let users = vec![user.to_string()];
    let ops = contacts
        .iter()
        .map(|c| {
            let contact_id = c.clone();
            if add {
                ApiOp::AddFollowers {
                    contact_id,
                    users: users.clone(),
                }
            } else {
                ApiOp::RemoveFollowers {
                    contact_id,
                    users: users.clone(),
                }
            }
        })
        .collect();
    // The open contact's watchers show the change at once.
    if let Some(open) = s.detail.contact.loaded().map(|c| c.id.clone())
        && contacts.contains(&open)
        && let Some(mut now) = s.detail.contact.loaded().map(Contact::followers)
    {
        now.retain(|f| f != user);
        if add {
            now.push(user.to_string());
        }
        set_followers(s, &open, &now);
    }
    // Not undone: HighLevel's answer does not say for whom the user was
    // a follower already, and an undo must not take off those it did not
    // add (or add those it did not take off).
    if record {
        s.undo.push(Undo::Final(format!(
            "a follower change on {} contacts (HighLevel does not say who followed them before)",
            contacts.len()
        )));
    }
    let what = format!(
        "{} {} as follower",
        if add { "with" } else { "without" },
        s.user_label(user)
    );
    s.run_each(
        if add { "Following" } else { "Unfollowing" },
        &what,
        ops,
        out,
    );
}

/// Gives a task to `user` on screen and asks HighLevel; with `record`, the
/// change can be undone (when the task had someone before: HighLevel
/// cannot give a task back to nobody).
pub(crate) fn assign_task(
    s: &mut State,
    contact_id: &str,
    task_id: &str,
    user: String,
    record: bool,
    out: &mut Vec<Command>,
) {
    let before = task_assignee(s, contact_id, task_id);
    if before.as_deref() == Some(user.as_str()) {
        s.notice = Some(format!("Already assigned to {}.", s.user_label(&user)));
        return;
    }
    s.with_task(contact_id, task_id, |t| t.assigned_to = Some(user.clone()));
    if record && let Some(was) = before.clone() {
        s.undo.push(Undo::TaskAssigned {
            contact_id: contact_id.to_string(),
            task_id: task_id.to_string(),
            was,
        });
    }
    s.request(
        out,
        ApiOp::UpdateTask {
            contact_id: contact_id.to_string(),
            task_id: task_id.to_string(),
            update: TaskUpdate {
                assigned_to: Some(user),
                ..TaskUpdate::default()
            },
        },
        Priority::Interactive,
        None,
        Purpose::Assign(AssignWait {
            contact_id: contact_id.to_string(),
            task_id: task_id.to_string(),
            before,
        }),
    );
}

fn task_assignee(s: &State, contact_id: &str, task_id: &str) -> Option<String> {
    let in_detail = (s.detail.contact_id.as_deref() == Some(contact_id))
        .then(|| s.detail.tasks.loaded())
        .flatten()
        .into_iter()
        .flatten();
    let in_today = s.today.tasks.loaded().into_iter().flatten();
    in_detail
        .chain(in_today)
        .find(|t| t.id == task_id)
        .and_then(|t| t.assigned_to.clone())
}

/// A task's assignment waiting for HighLevel, and who had it before.
#[derive(Debug, Clone)]
pub(crate) struct AssignWait {
    contact_id: String,
    task_id: String,
    before: Option<String>,
}

pub(crate) fn assign_answer(s: &mut State, w: AssignWait, r: Result<ApiResponse, ApiError>) {
    match r {
        Ok(ApiResponse::Task(t)) => s.with_task(&w.contact_id, &w.task_id, |x| {
            x.assigned_to = t.assigned_to.clone()
        }),
        Ok(other) => tracing::warn!(?other, "unexpected answer"),
        Err(err) => {
            s.with_task(&w.contact_id, &w.task_id, |x| {
                x.assigned_to = w.before.clone()
            });
            s.set_error("Could not assign the task (put back)", &err);
        }
    }
}

/// The location's users: kept, and cached for the next start.
pub(crate) fn users_answer(
    s: &mut State,
    r: Result<ApiResponse, ApiError>,
    out: &mut Vec<Command>,
) {
    match r {
        Ok(ApiResponse::Users(users)) => {
            if s.local.enabled {
                out.push(Command::Store(Box::new(StoreWrite::Users(users.clone()))));
            }
            s.set_users(users);
        }
        Ok(other) => tracing::warn!(?other, "unexpected answer"),
        Err(err) => {
            // Said once; ids show where names would.
            if s.users.loaded().is_none() {
                let why = match &err {
                    ApiError::Unauthorized { .. } | ApiError::Forbidden { .. } => {
                        "this token lacks the users.readonly scope".to_string()
                    }
                    other => other.to_string(),
                };
                s.notice = Some(format!("Showing user ids, not names: {why}."));
                s.users = Remote::Failed(why);
            }
        }
    }
}
