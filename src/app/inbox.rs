//! The inbox (`I`): the location's conversations with unread messages,
//! newest first, to clear from the keyboard. `enter` opens the thread,
//! `R` marks it read and moves on to the next, `M` keeps the profile
//! user's only; the contact actions (`t`, `n`, `+`, `b`, …) act on the
//! conversation's contact.

use std::collections::HashSet;

use crate::api::conversations::Conversation;
use crate::app::*;

#[derive(Debug, Clone, Default)]
pub struct Inbox {
    /// Unread conversations, newest message first.
    pub rows: Remote<Vec<Conversation>>,
    pub selected: usize,
    /// Only those assigned to the profile's user.
    pub mine: bool,
    /// Marked read, the answer not yet in: kept out of a reload's rows.
    pub read: HashSet<String>,
    /// There were more unread conversations than rolo reads.
    pub cut: bool,
}

impl Inbox {
    /// The rows shown: every unread conversation, or the user's.
    pub fn shown<'a>(&'a self, me: Option<&'a str>) -> Vec<&'a Conversation> {
        let mine = me.filter(|_| self.mine);
        self.rows
            .loaded()
            .into_iter()
            .flatten()
            .filter(|c| mine.is_none_or(|m| c.assigned_to.as_deref() == Some(m)))
            .collect()
    }

    pub(crate) fn clamp(&mut self, me: Option<&str>) {
        let n = self.shown(me).len();
        self.selected = self.selected.min(n.saturating_sub(1));
    }
}

impl State {
    pub fn inbox_rows(&self) -> Vec<&Conversation> {
        self.inbox.shown(self.me.as_deref())
    }

    pub fn inbox_current(&self) -> Option<&Conversation> {
        self.inbox_rows().get(self.inbox.selected).copied()
    }

    pub(crate) fn open_inbox(&mut self, out: &mut Vec<Command>) {
        self.view = View::Inbox;
        self.load_unread(Priority::Interactive, out);
    }

    /// `enter`: the highlighted conversation's contact, every thread.
    pub(crate) fn open_inbox_thread(&mut self, out: &mut Vec<Command>) {
        let Some(c) = self.inbox_current().cloned() else {
            self.notice = Some("No conversation is highlighted.".into());
            return;
        };
        let name = match self.contact_record(&c.contact_id) {
            Some(k) => k.display_name(),
            None => c.who().to_string(),
        };
        self.open_thread(
            &c.contact_id,
            crate::text::sanitize(&name).into_owned(),
            out,
        );
    }

    /// `R`: the highlighted conversation read; the cursor stays where it
    /// is, on the next one.
    pub(crate) fn mark_read_and_next(&mut self, out: &mut Vec<Command>) {
        let Some(c) = self.inbox_current().cloned() else {
            self.notice = Some("No conversation is highlighted.".into());
            return;
        };
        if self.read_only {
            self.error = Some(read_only_message(&self.profile));
            return;
        }
        if let Some(rows) = self.inbox.rows.loaded_mut() {
            rows.retain(|x| x.id != c.id);
        }
        if let Some(k) = self
            .convs
            .get_mut(&c.contact_id)
            .and_then(|cs| cs.iter_mut().find(|x| x.id == c.id))
        {
            k.unread_count = 0.0;
        }
        if self.detail.contact_id.as_deref() == Some(c.contact_id.as_str())
            && let Some(t) = self.detail.messages.loaded_mut()
            && let Some(k) = t.conversations.iter_mut().find(|x| x.id == c.id)
        {
            k.unread_count = 0.0;
        }
        self.inbox.read.insert(c.id.clone());
        self.inbox.clamp(self.me.as_deref());
        self.request(
            out,
            ApiOp::MarkRead {
                contact_id: c.contact_id.clone(),
                conversation_id: c.id.clone(),
            },
            Priority::Interactive,
            None,
            Purpose::Messages(messages::MessagesWait::MarkRead(Box::new(c))),
        );
    }
}
