//! Conversations: the detail pane's Messages section, what rolo knows of
//! each contact's threads (their unread counts, on the list's rows), and
//! replies, which go through the outbox and show at once as sending.

use crate::api::conversations::{ContactThreads, Conversation, Message, NewMessage, Sent};
use crate::app::*;

/// How many of a contact's newest messages the detail pane lists.
pub const SECTION_MESSAGES: usize = 5;
/// The most unread conversations the inbox reads.
pub const INBOX_MAX: usize = 2000;
/// How many of each thread's newest messages the thread view reads.
pub const THREAD_MESSAGES: u32 = 50;

/// A reply on its way, shown in its thread until HighLevel confirms it.
#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    pub temp_id: String,
    pub message: NewMessage,
    pub at: DateTime<Utc>,
    pub state: ReplyState,
    /// The contact's messages rolo showed when it was queued: none of
    /// them is this reply arriving.
    pub seen: HashSet<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ReplyState {
    Sending,
    /// An attempt had no answer and the thread does not show it: it
    /// waits in the outbox for the user.
    MayHaveBeenSent,
    /// Refused, with the server's words; kept in the outbox.
    Refused(String),
}

/// What a conversation request is for.
#[derive(Debug, Clone)]
pub(crate) enum MessagesWait {
    /// The detail pane's section, for this contact.
    Detail(String),
    /// The thread view, for this contact.
    Thread(String),
    /// The thread view's contact record.
    ThreadContact(String),
    /// The location's unread conversations (the inbox and the list's
    /// unread counts).
    Unread,
    Reply {
        contact_id: String,
        temp_id: String,
    },
    /// A conversation marked read; put back if that fails.
    MarkRead(Box<Conversation>),
}

impl Detail {
    /// The messages the pane lists: the newest few, newest first.
    pub fn shown_messages(&self) -> &[Message] {
        let all = self
            .messages
            .loaded()
            .map(|t| t.messages.as_slice())
            .unwrap_or(&[]);
        &all[..all.len().min(SECTION_MESSAGES)]
    }

    pub fn current_message(&self) -> Option<&Message> {
        match self.current()? {
            DetailItem::Message(i) => self.shown_messages().get(i),
            _ => None,
        }
    }
}

impl State {
    /// Unread messages in a contact's conversations, as far as rolo knows.
    pub fn unread_of(&self, contact_id: &str) -> u32 {
        self.convs.get(contact_id).map_or(0, |cs| {
            cs.iter().map(|c| c.unread_count.max(0.0) as u32).sum()
        })
    }

    /// The replies to a contact not yet confirmed, oldest first.
    pub fn replies_to(&self, contact_id: &str) -> Vec<&Reply> {
        self.replies
            .iter()
            .filter(|r| r.message.contact_id == contact_id)
            .collect()
    }

    /// Replies that waited (as may have been sent, or refused) and are in
    /// the thread now: they go from the list of replies on their way.
    pub(crate) fn retire_arrived(&mut self, contact_id: &str, messages: &[Message]) {
        self.replies.retain(|r| {
            r.message.contact_id != contact_id
                || r.state == ReplyState::Sending
                || !messages.iter().any(|m| {
                    r.message.is(m)
                        && !r.seen.contains(&m.id)
                        && m.at()
                            .is_none_or(|t| t >= r.at - chrono::Duration::minutes(1))
                })
        });
    }

    /// A reply the user discarded from, or sent again through, the
    /// outbox: no longer shown as waiting (`description` is the outbox
    /// entry's).
    pub(crate) fn forget_reply(&mut self, description: &str) {
        self.replies.retain(|r| {
            r.state == ReplyState::Sending
                || ApiOp::SendMessage {
                    contact_id: r.message.contact_id.clone(),
                    message: r.message.clone(),
                }
                .describe()
                    != description
        });
    }

    /// The contact's record, as fresh as rolo has it.
    pub fn contact_record(&self, contact_id: &str) -> Option<std::borrow::Cow<'_, Contact>> {
        match &self.detail.contact {
            Remote::Loaded(c) if c.id == contact_id => Some(std::borrow::Cow::Borrowed(c)),
            _ => self.contact_by_id(contact_id).map(std::borrow::Cow::Owned),
        }
    }

    /// The detail pane's Messages: asked beside its other sections, with
    /// the threads rolo knows of (so no second round trip for them).
    pub(crate) fn load_detail_messages(&mut self, cid: &str, out: &mut Vec<Command>) {
        self.detail.messages = Remote::Loading;
        self.ask_detail_messages(cid, Priority::Interactive, out);
    }

    fn ask_detail_messages(&mut self, cid: &str, priority: Priority, out: &mut Vec<Command>) {
        let known = self.known_threads(cid);
        self.request(
            out,
            ApiOp::ContactThreads {
                contact_id: cid.to_string(),
                known,
                limit: SECTION_MESSAGES as u32,
                one_trip: true,
            },
            priority,
            Some("detail-messages"),
            Purpose::Messages(MessagesWait::Detail(cid.to_string())),
        );
    }

    fn known_threads(&self, cid: &str) -> Vec<String> {
        self.convs
            .get(cid)
            .map(|cs| cs.iter().map(|c| c.id.clone()).collect())
            .unwrap_or_default()
    }

    /// The location's unread conversations: the inbox's rows, and the
    /// unread counts on the list.
    pub(crate) fn load_unread(&mut self, priority: Priority, out: &mut Vec<Command>) {
        if !matches!(self.inbox.rows, Remote::Loaded(_)) {
            self.inbox.rows = Remote::Loading;
        }
        self.request(
            out,
            ApiOp::Conversations {
                unread: true,
                assigned_to: None,
                max: INBOX_MAX as u32,
            },
            priority,
            Some("unread"),
            Purpose::Messages(MessagesWait::Unread),
        );
    }

    /// Opens a contact's full thread, from the pane or the inbox.
    pub fn open_thread(&mut self, contact_id: &str, name: String, out: &mut Vec<Command>) {
        let shown = match &self.detail.messages {
            Remote::Loaded(t) if self.detail.contact_id.as_deref() == Some(contact_id) => {
                Remote::Loaded(t.clone())
            }
            _ => Remote::Loading,
        };
        // The full record, read now, says whether DND refuses a reply
        // (the pane's copy may be the cache's, which lacks DND).
        let contact = None;
        self.read_thread_contact(contact_id, out);
        self.overlay = Some(Overlay::Thread(Box::new(ThreadView {
            contact_id: contact_id.to_string(),
            name,
            threads: shown,
            complete: false,
            scroll: 0,
            contact,
        })));
        let known = self.known_threads(contact_id);
        self.request(
            out,
            ApiOp::ContactThreads {
                contact_id: contact_id.to_string(),
                known,
                limit: THREAD_MESSAGES,
                one_trip: false,
            },
            Priority::Interactive,
            Some("thread"),
            Purpose::Messages(MessagesWait::Thread(contact_id.to_string())),
        );
    }

    fn read_thread_contact(&mut self, contact_id: &str, out: &mut Vec<Command>) {
        self.request(
            out,
            ApiOp::GetContact {
                id: contact_id.to_string(),
            },
            Priority::Interactive,
            Some("thread-contact"),
            Purpose::Messages(MessagesWait::ThreadContact(contact_id.to_string())),
        );
    }

    /// What rolo knows of a contact's conversations, from an answer.
    fn note_threads(&mut self, contact_id: &str, conversations: &[Conversation]) {
        self.convs
            .insert(contact_id.to_string(), conversations.to_vec());
    }

    /// Starts a reply to a contact on `channel` (`SMS`, `Email`): refused
    /// at once when DND or a missing phone or address would refuse it.
    pub(crate) fn start_reply(
        &mut self,
        contact_id: &str,
        channel: &str,
        back: Box<ThreadView>,
        out: &mut Vec<Command>,
    ) {
        // Only the full record has the DND settings (the list's copy may
        // lack them): no reply before it is read.
        let Some(c) = back.contact.as_deref().filter(|c| c.id == contact_id) else {
            // Asked again (an earlier read may have failed).
            self.read_thread_contact(contact_id, out);
            self.notice = Some(
                "Still reading the contact's Do Not Disturb settings; try again in a moment."
                    .into(),
            );
            self.overlay = Some(Overlay::Thread(back));
            return;
        };
        let c = c.clone();
        if let Some(why) = c.refuses(channel) {
            self.error = Some(why);
            self.overlay = Some(Overlay::Thread(back));
            return;
        }
        if self.read_only {
            self.error = Some(read_only_message(&self.profile));
            self.overlay = Some(Overlay::Thread(back));
            return;
        }
        // An email answers the thread's newest email, under its subject.
        let last_email = back.threads.loaded().and_then(|t| {
            t.messages.iter().find(|m| {
                m.message_type.as_deref() == Some("TYPE_EMAIL")
                    && !crate::api::conversations::is_stand_in_message(&m.id)
            })
        });
        let (subject, reply_to) = match (channel, last_email) {
            ("Email", Some(m)) => {
                let subject = m
                    .meta
                    .as_ref()
                    .and_then(|v| v.pointer("/email/subject"))
                    .and_then(serde_json::Value::as_str)
                    .map(|s| {
                        if s.to_ascii_lowercase().starts_with("re:") {
                            s.to_string()
                        } else {
                            format!("Re: {s}")
                        }
                    });
                (subject, Some(m.id.clone()))
            }
            // A first email: the first line typed is its subject.
            ("Email", None) => (None, None),
            _ => (None, None),
        };
        self.notice = None;
        let mut ed = NoteEditor::new(contact_id, None);
        ed.reply = Some(ReplyTo {
            channel: channel.to_string(),
            subject,
            reply_message_id: reply_to,
            to: crate::text::sanitize(&c.display_name()).into_owned(),
            back,
        });
        self.overlay = Some(Overlay::Note(Box::new(ed)));
    }

    /// A reply typed and saved: queued in the outbox, shown as sending.
    pub(crate) fn send_reply(
        &mut self,
        to: &ReplyTo,
        contact_id: &str,
        text: String,
        out: &mut Vec<Command>,
    ) {
        let message = if to.channel == "Email" {
            let (subject, body) = match &to.subject {
                Some(s) => (s.clone(), text.clone()),
                None => {
                    let (first, rest) = text.split_once('\n').unwrap_or((&text, ""));
                    let rest = rest.trim_start_matches('\n');
                    let body = if rest.trim().is_empty() { first } else { rest };
                    (first.trim().to_string(), body.to_string())
                }
            };
            let mut m = NewMessage::email(contact_id, Some(&subject), &body);
            m.reply_message_id = to.reply_message_id.clone();
            m
        } else {
            NewMessage::sms(contact_id, &text)
        };
        let temp_id = self.temp_id();
        let mut seen: HashSet<String> = to
            .back
            .threads
            .loaded()
            .map(|t| t.messages.iter().map(|m| m.id.clone()).collect())
            .unwrap_or_default();
        if self.detail.contact_id.as_deref() == Some(contact_id)
            && let Some(t) = self.detail.messages.loaded()
        {
            seen.extend(t.messages.iter().map(|m| m.id.clone()));
        }
        self.replies.push(Reply {
            temp_id: temp_id.clone(),
            message: message.clone(),
            at: self.now,
            state: ReplyState::Sending,
            seen,
        });
        self.request(
            out,
            ApiOp::SendMessage {
                contact_id: contact_id.to_string(),
                message,
            },
            Priority::Interactive,
            None,
            Purpose::Messages(MessagesWait::Reply {
                contact_id: contact_id.to_string(),
                temp_id,
            }),
        );
    }
}

/// The answers conversation requests bring.
pub(crate) fn messages_answer(
    s: &mut State,
    w: MessagesWait,
    r: Result<ApiResponse, ApiError>,
    out: &mut Vec<Command>,
) {
    match w {
        MessagesWait::Detail(cid) => {
            if let Ok(ApiResponse::Threads(t)) = &r {
                s.note_threads(&cid, &t.conversations);
            }
            if s.detail.contact_id.as_deref() != Some(cid.as_str()) {
                return;
            }
            match r {
                Ok(ApiResponse::Threads(t)) => {
                    // Threads new to rolo showed by their last message;
                    // their messages come next (they are known now).
                    if t.partial {
                        s.ask_detail_messages(&cid, Priority::Background, out);
                    }
                    s.detail.messages = Remote::Loaded(*t);
                }
                Ok(other) => {
                    s.detail.messages = Remote::Failed(format!("unexpected answer {other:?}"))
                }
                Err(e) => s.detail.messages = Remote::Failed(e.to_string()),
            }
        }
        MessagesWait::Thread(cid) => {
            if let Ok(ApiResponse::Threads(t)) = &r {
                s.note_threads(&cid, &t.conversations);
            }
            let Some(Overlay::Thread(v)) = &mut s.overlay else {
                return;
            };
            if v.contact_id != cid {
                return;
            }
            match r {
                Ok(ApiResponse::Threads(t)) => {
                    v.threads = Remote::Loaded(*t.clone());
                    v.complete = true;
                    s.retire_arrived(&cid, &t.messages);
                }
                Ok(other) => v.threads = Remote::Failed(format!("unexpected answer {other:?}")),
                Err(e) => {
                    // Replies go on what there is (an email then answers
                    // nothing); what the pane had stays on screen.
                    v.complete = true;
                    if v.threads.loaded().is_some() {
                        s.notice = Some(format!("The whole thread could not be read: {e}"));
                    } else {
                        v.threads = Remote::Failed(e.to_string());
                    }
                }
            }
        }
        MessagesWait::ThreadContact(cid) => match r {
            Ok(ApiResponse::Contact(c)) => {
                if let Some(Overlay::Thread(v)) = &mut s.overlay
                    && v.contact_id == cid
                {
                    v.contact = Some(Box::new(c.clone()));
                }
                if let Some(Overlay::Note(ed)) = &mut s.overlay
                    && let Some(r) = &mut ed.reply
                    && r.back.contact_id == cid
                {
                    r.back.contact = Some(Box::new(c.clone()));
                }
                s.merge_contacts(vec![c]);
            }
            Ok(other) => tracing::warn!(?other, "unexpected answer for a thread's contact"),
            Err(e) => {
                if matches!(&s.overlay, Some(Overlay::Thread(v)) if v.contact_id == cid) {
                    s.error = Some(format!(
                        "The contact could not be read, so a reply cannot be checked against Do Not Disturb: {e}"
                    ));
                }
            }
        },
        MessagesWait::Unread => match r {
            Ok(ApiResponse::Conversations(list, cut)) => {
                s.inbox.cut = cut;
                // The unread counts rolo knew are replaced by these (when
                // they are all of them).
                if !cut {
                    for cs in s.convs.values_mut() {
                        for c in cs.iter_mut() {
                            c.unread_count = 0.0;
                        }
                    }
                }
                for c in &list {
                    let known = s.convs.entry(c.contact_id.clone()).or_default();
                    match known.iter_mut().find(|k| k.id == c.id) {
                        Some(k) => *k = c.clone(),
                        None => known.push(c.clone()),
                    }
                }
                let rows: Vec<Conversation> = list
                    .into_iter()
                    .filter(|c| c.unread_count > 0.0 && !s.inbox.read.contains(&c.id))
                    .collect();
                s.inbox.rows = Remote::Loaded(rows);
                s.inbox.clamp(s.me.as_deref());
            }
            Ok(other) => tracing::warn!(?other, "unexpected answer for the inbox"),
            Err(e) => {
                if s.inbox.rows.loaded().is_some() {
                    if s.view == View::Inbox {
                        s.notice = Some(format!("Showing the inbox as it was: {e}"));
                    }
                } else {
                    s.inbox.rows = Remote::Failed(e.to_string());
                }
            }
        },
        MessagesWait::Reply {
            contact_id,
            temp_id,
        } => reply_answer(s, &contact_id, &temp_id, r),
        MessagesWait::MarkRead(conv) => {
            s.inbox.read.remove(&conv.id);
            if let Err(e) = r {
                // Unread again, where it was.
                if let Some(rows) = s.inbox.rows.loaded_mut()
                    && !rows.iter().any(|c| c.id == conv.id)
                {
                    rows.push((*conv).clone());
                    rows.sort_by_key(|c| std::cmp::Reverse(c.last_at()));
                }
                if let Some(k) = s
                    .convs
                    .get_mut(&conv.contact_id)
                    .and_then(|cs| cs.iter_mut().find(|c| c.id == conv.id))
                {
                    k.unread_count = conv.unread_count;
                }
                s.error = Some(format!(
                    "The conversation with {} is still unread: {e}",
                    crate::text::snippet(&crate::text::sanitize(conv.who()), 40)
                ));
            }
        }
    }
}

fn reply_answer(s: &mut State, contact_id: &str, temp_id: &str, r: Result<ApiResponse, ApiError>) {
    let Some(i) = s.replies.iter().position(|x| x.temp_id == temp_id) else {
        return;
    };
    match r {
        Ok(ApiResponse::Sent(sent)) => {
            let reply = s.replies.remove(i);
            let m = sent_message(&reply, &sent);
            let add = |t: &mut ContactThreads| {
                if !t.messages.iter().any(|x| x.id == m.id) {
                    t.messages.insert(0, m.clone());
                }
            };
            if s.detail.contact_id.as_deref() == Some(contact_id)
                && let Some(t) = s.detail.messages.loaded_mut()
            {
                add(t);
            }
            if let Some(Overlay::Thread(v)) = &mut s.overlay
                && v.contact_id == contact_id
                && let Some(t) = v.threads.loaded_mut()
            {
                add(t);
            }
        }
        Ok(other) => {
            tracing::warn!(?other, "unexpected answer to a message");
            s.replies.remove(i);
        }
        // Sent straight to HighLevel (no outbox this session), and no
        // answer: it may have gone. Never said to be kept, never retried.
        Err(e) if !s.local.enabled && e.unanswered() => {
            s.replies[i].state = ReplyState::MayHaveBeenSent;
            s.error = Some(format!(
                "The message to {} may have been sent ({e}). There is no outbox in this session, so it is not kept and not sent again: close the thread and open it again (esc, then {}) to see whether it arrived.",
                name_of(s, contact_id),
                s.keymap.key_for(Action::Thread)
            ));
        }
        Err(ApiError::Conflict(m)) if m == crate::cache::outbox::MAY_HAVE_BEEN_SENT => {
            s.replies[i].state = ReplyState::MayHaveBeenSent;
            s.error = Some(format!(
                "A message to {} {m}. The outbox ({}) has it.",
                name_of(s, contact_id),
                s.keymap.key_for(Action::Outbox)
            ));
        }
        Err(e) if !s.local.enabled => {
            let why = e.to_string();
            s.replies[i].state = ReplyState::Refused(why.clone());
            s.error = Some(format!(
                "The message to {} was not sent: {why}. There is no outbox in this session: its words stay in the thread view, to copy.",
                name_of(s, contact_id)
            ));
        }
        Err(e) => {
            let why = e.to_string();
            s.replies[i].state = ReplyState::Refused(why.clone());
            s.error = Some(format!(
                "The message to {} was not sent: {why}. It is kept in the outbox ({}).",
                name_of(s, contact_id),
                s.keymap.key_for(Action::Outbox)
            ));
        }
    }
}

fn name_of(s: &State, contact_id: &str) -> String {
    s.contact_record(contact_id)
        .map(|c| crate::text::snippet(&crate::text::sanitize(&c.display_name()), 40))
        .unwrap_or_else(|| contact_id.to_string())
}

/// A confirmed reply, as its thread lists it.
fn sent_message(r: &Reply, sent: &Sent) -> Message {
    Message {
        id: sent.message_id.clone(),
        message_type: Some(r.message.message_type().to_string()),
        direction: Some("outbound".into()),
        date_added: Some(format_timestamp(r.at)),
        body: Some(r.message.text().to_string()),
        status: sent.status.clone(),
        conversation_id: Some(sent.conversation_id.clone()),
        meta: r
            .message
            .subject
            .as_ref()
            .map(|s| serde_json::json!({"email": {"subject": s}})),
        ..Message::default()
    }
}
