//! The Conversations service (`apps/conversations.json`, `Version:
//! 2021-04-15`): a contact's threads and their messages, and the
//! location's unread conversations.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::client::{Client, endpoint, read_list};
use super::error::ApiError;
use super::model::Extra;

/// The `Version` the Conversations operations declare.
pub const VERSION: &str = "2021-04-15";

endpoint!(
    SEARCH,
    "search-conversation",
    GET,
    "conversations.readonly",
    Idempotent,
    VERSION
);
endpoint!(
    MESSAGES,
    "get-messages",
    GET,
    "conversations/message.readonly",
    Idempotent,
    VERSION
);

/// A conversation (`ConversationSchema`), with the `lastMessage…` fields
/// HighLevel sends beside the spec's.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Conversation {
    #[serde(default)]
    pub id: String,
    #[serde(default)]
    pub contact_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub full_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none", rename = "type")]
    pub kind: Option<String>,
    #[serde(default)]
    pub unread_count: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_message_body: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_message_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_message_direction: Option<String>,
    /// Epoch milliseconds (a number, or a string of one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_message_date: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assigned_to: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

impl Conversation {
    /// When its last message came, if HighLevel says.
    pub fn last_at(&self) -> Option<chrono::DateTime<chrono::Utc>> {
        let ms = match self.last_message_date.as_ref()? {
            Value::Number(n) => n.as_i64()?,
            Value::String(s) => s.trim().parse().ok()?,
            _ => return None,
        };
        chrono::DateTime::from_timestamp_millis(ms)
    }

    /// Who it is with, as HighLevel names them.
    pub fn who(&self) -> &str {
        [
            &self.full_name,
            &self.contact_name,
            &self.email,
            &self.phone,
        ]
        .into_iter()
        .flatten()
        .map(String::as_str)
        .find(|s| !s.trim().is_empty())
        .unwrap_or("")
    }
}

/// A message (`GetMessageResponseDto`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Message {
    #[serde(default)]
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub direction: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_added: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conversation_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Value>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

impl Message {
    pub fn at(&self) -> Option<chrono::DateTime<chrono::Utc>> {
        super::model::parse_timestamp(self.date_added.as_deref()?)
    }

    /// "SMS", "Email", "Call", … from `TYPE_SMS`.
    pub fn channel(&self) -> String {
        let t = self.message_type.as_deref().unwrap_or("");
        let t = t.strip_prefix("TYPE_").unwrap_or(t);
        match t {
            "SMS" | "RCS" | "GMB" => t.to_string(),
            "" => "?".into(),
            other => {
                let mut out = String::new();
                for (i, w) in other.split('_').enumerate() {
                    if i > 0 {
                        out.push(' ');
                    }
                    let mut cs = w.chars();
                    if let Some(c) = cs.next() {
                        out.push(c);
                        out.extend(cs.flat_map(char::to_lowercase));
                    }
                }
                out
            }
        }
    }

    pub fn inbound(&self) -> bool {
        self.direction.as_deref() == Some("inbound")
    }

    /// What a line shows of it: a call's status and length, an email's
    /// subject, else the text's first line.
    pub fn summary(&self) -> String {
        let meta = self.meta.as_ref();
        match self.message_type.as_deref() {
            Some("TYPE_CALL") | Some("TYPE_IVR_CALL") | Some("TYPE_CUSTOM_CALL") => {
                let status = meta
                    .and_then(|m| m.get("callStatus"))
                    .and_then(Value::as_str)
                    .unwrap_or("call");
                match meta.and_then(|m| m.get("callDuration")).and_then(|d| {
                    d.as_str()
                        .and_then(|s| s.parse::<u64>().ok())
                        .or(d.as_u64())
                }) {
                    Some(secs) => format!("{status}, {}:{:02}", secs / 60, secs % 60),
                    None => status.to_string(),
                }
            }
            Some("TYPE_EMAIL") => {
                let subject = meta
                    .and_then(|m| m.get("email"))
                    .and_then(|e| e.get("subject"))
                    .and_then(Value::as_str)
                    .filter(|s| !s.trim().is_empty())
                    .unwrap_or("(no subject)");
                format!("subject: {subject}")
            }
            _ => crate::text::html_line(self.body.as_deref().unwrap_or("")),
        }
    }
}

/// One page of a thread, newest first.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MessagesPage {
    pub messages: Vec<Message>,
    pub last_message_id: Option<String>,
    pub next_page: bool,
}

/// What to search conversations by.
#[derive(Debug, Clone, Default)]
pub struct ConversationQuery {
    pub contact_id: Option<String>,
    pub assigned_to: Option<String>,
    /// `all`, `read`, `unread`, `starred`, `recents`.
    pub status: Option<String>,
    pub limit: u32,
    pub start_after: Option<i64>,
}

impl Client {
    /// GET /conversations/search: a page of conversations, newest message
    /// first, and how many match in all.
    pub async fn search_conversations(
        &self,
        q: &ConversationQuery,
    ) -> Result<(Vec<Conversation>, u64), ApiError> {
        let mut query: Vec<(&str, String)> = vec![self.location_query()];
        let pairs: [(&'static str, Option<String>); 7] = [
            ("contactId", q.contact_id.clone()),
            ("assignedTo", q.assigned_to.clone()),
            ("status", q.status.clone()),
            ("limit", Some(q.limit.clamp(1, 100).to_string())),
            ("startAfterDate", q.start_after.map(|t| t.to_string())),
            ("sort", Some("desc".into())),
            ("sortBy", Some("last_message_date".into())),
        ];
        for (k, v) in pairs {
            if let Some(v) = v.filter(|v| !v.is_empty()) {
                query.push((k, v));
            }
        }
        let r: serde_json::Map<String, Value> = self
            .call(
                &SEARCH,
                self.url(&["conversations", "search"]),
                &query,
                None,
                &|| "the conversations".to_string(),
            )
            .await?;
        let list = read_list::<Conversation>(r.get("conversations"), "conversations");
        let total = r
            .get("total")
            .and_then(Value::as_u64)
            .unwrap_or(list.len() as u64);
        Ok((list, total))
    }

    /// Every conversation (`unread` only, or all; assigned to `assigned_to`
    /// when given), newest message first, up to `max`: pages of 100 by the
    /// last message's date. A page that brings nothing older ends it, so a
    /// server that repeats itself or lies about its total cannot loop rolo.
    /// Also says whether the walk was cut short (by `max`, or by a server
    /// that would not go on).
    pub async fn all_conversations(
        &self,
        unread: bool,
        assigned_to: Option<&str>,
        max: usize,
    ) -> Result<(Vec<Conversation>, bool), ApiError> {
        let mut all: Vec<Conversation> = Vec::new();
        let mut seen = std::collections::HashSet::new();
        let mut after = None;
        loop {
            let (page, total) = self
                .search_conversations(&ConversationQuery {
                    status: Some(if unread { "unread" } else { "all" }.into()),
                    assigned_to: assigned_to.map(str::to_string),
                    limit: 100,
                    start_after: after,
                    ..Default::default()
                })
                .await?;
            let oldest = page
                .iter()
                .filter_map(|c| c.last_at())
                .min()
                .map(|t| t.timestamp_millis());
            let n = page.len();
            all.extend(
                page.into_iter()
                    .filter(|c| !unread || c.unread_count > 0.0)
                    .filter(|c| seen.insert(c.id.clone())),
            );
            if all.len() >= max {
                all.truncate(max);
                return Ok((all, true));
            }
            match oldest {
                Some(o)
                    if n == 100 && after.is_none_or(|a| o < a) && (all.len() as u64) < total =>
                {
                    after = Some(o)
                }
                // A full page that brings nothing older, with more said to
                // be left: the server repeats itself; what was read is
                // not all there is.
                _ if n == 100 && (all.len() as u64) < total => return Ok((all, true)),
                _ => return Ok((all, false)),
            }
        }
    }

    /// GET /conversations/{id}/messages: `limit` messages older than
    /// `before` (a message id), newest first. Reads the spec's shape and
    /// HighLevel's, which nests the page under `messages`.
    pub async fn conversation_messages(
        &self,
        conversation_id: &str,
        limit: u32,
        before: Option<&str>,
    ) -> Result<MessagesPage, ApiError> {
        let mut query = vec![("limit", limit.clamp(1, 100).to_string())];
        if let Some(b) = before {
            query.push(("lastMessageId", b.to_string()));
        }
        let r: serde_json::Map<String, Value> = self
            .call(
                &MESSAGES,
                self.url(&["conversations", conversation_id, "messages"]),
                &query,
                None,
                &|| format!("the messages of conversation {conversation_id}"),
            )
            .await?;
        let page = match r.get("messages") {
            Some(Value::Object(inner)) => inner.clone(),
            _ => r,
        };
        Ok(MessagesPage {
            messages: read_list::<Message>(page.get("messages"), "messages"),
            last_message_id: page
                .get("lastMessageId")
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
                .map(str::to_string),
            next_page: page
                .get("nextPage")
                .and_then(Value::as_bool)
                .unwrap_or(false),
        })
    }
}

endpoint!(
    SEND,
    "send-a-new-message",
    POST,
    "conversations/message.write",
    OnlyIfUnprocessed,
    VERSION
);
endpoint!(
    UPDATE,
    "update-conversation",
    PUT,
    "conversations.write",
    Idempotent,
    VERSION
);

/// A message to send (`SendMessageBodyDto`): an SMS, or an email with a
/// subject (or a reply to one of the thread's emails).
///
/// The spec also marks `subType` and `status` required; HighLevel's own
/// SDK and examples send neither (and `subType` is typed an object with a
/// string for its example), so rolo does not invent values for them.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NewMessage {
    /// `SMS` or `Email`.
    #[serde(rename = "type")]
    pub kind: String,
    pub contact_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub html: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply_message_id: Option<String>,
}

impl NewMessage {
    pub fn sms(contact_id: &str, text: &str) -> Self {
        NewMessage {
            kind: "SMS".into(),
            contact_id: contact_id.into(),
            message: Some(text.into()),
            ..NewMessage::default()
        }
    }

    /// An email: plain text, sent as both `message` and an HTML body that
    /// keeps its lines.
    pub fn email(contact_id: &str, subject: Option<&str>, text: &str) -> Self {
        NewMessage {
            kind: "Email".into(),
            contact_id: contact_id.into(),
            message: Some(text.into()),
            html: Some(plain_to_html(text)),
            subject: subject.map(str::to_string),
            ..NewMessage::default()
        }
    }

    pub fn is_email(&self) -> bool {
        self.kind == "Email"
    }

    /// The words the customer reads, as typed.
    pub fn text(&self) -> &str {
        self.message.as_deref().unwrap_or("")
    }

    /// The message type a thread lists this as (`TYPE_SMS`, `TYPE_EMAIL`).
    pub fn message_type(&self) -> &'static str {
        if self.is_email() {
            "TYPE_EMAIL"
        } else {
            "TYPE_SMS"
        }
    }

    /// Whether `m` is this message as a thread lists it: outbound, of its
    /// channel, with its words (an email's as text or as its HTML).
    pub fn is(&self, m: &Message) -> bool {
        if m.inbound() || m.message_type.as_deref() != Some(self.message_type()) {
            return false;
        }
        let body = m.body.as_deref().unwrap_or("").trim();
        let text = self.text().trim();
        body == text
            || self.html.as_deref().is_some_and(|h| body == h.trim())
            || (self.is_email() && crate::text::html_text(body).trim() == text)
    }
}

/// Plain text as the HTML of an email: escaped, one `<br>` per line.
pub fn plain_to_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    for (i, line) in text.lines().enumerate() {
        if i > 0 {
            out.push_str("<br>");
        }
        for c in line.chars() {
            match c {
                '<' => out.push_str("&lt;"),
                '>' => out.push_str("&gt;"),
                '&' => out.push_str("&amp;"),
                '"' => out.push_str("&quot;"),
                c => out.push(c),
            }
        }
    }
    out
}

/// HighLevel's answer to a send (`SendMessageResponseDto`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Sent {
    #[serde(default)]
    pub conversation_id: String,
    #[serde(default)]
    pub message_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
}

/// A contact's conversations and their newest messages, merged newest
/// first: what the detail pane and `rolo messages` show.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ContactThreads {
    pub conversations: Vec<Conversation>,
    pub messages: Vec<Message>,
    /// Some conversation has older messages than these.
    pub more: bool,
    /// Some conversation was new to rolo, and only its last message (as
    /// the search gives it) is here: read its messages next.
    pub partial: bool,
}

/// The id given to a conversation's last message as the search describes
/// it (not a real message id: never replied to, never looked up).
pub fn is_stand_in_message(id: &str) -> bool {
    id.starts_with('~')
}

impl Conversation {
    /// Its last message, from the search's `lastMessage…` fields.
    pub fn last_message(&self) -> Option<Message> {
        let at = self.last_at()?;
        Some(Message {
            id: format!("~{}", self.id),
            message_type: self.last_message_type.clone(),
            direction: self.last_message_direction.clone(),
            date_added: Some(super::model::format_timestamp(at)),
            body: self.last_message_body.clone(),
            conversation_id: Some(self.id.clone()),
            ..Message::default()
        })
    }
}

impl ContactThreads {
    pub fn unread(&self) -> u32 {
        self.conversations
            .iter()
            .map(|c| c.unread_count.max(0.0) as u32)
            .sum()
    }
}

impl Client {
    /// POST /conversations/messages.
    pub async fn send_message(&self, m: &NewMessage) -> Result<Sent, ApiError> {
        let body = serde_json::to_value(m).map_err(|e| ApiError::InvalidRequest(e.to_string()))?;
        self.call(
            &SEND,
            self.url(&["conversations", "messages"]),
            &[],
            Some(body),
            &|| format!("a message to contact {}", m.contact_id),
        )
        .await
    }

    /// PUT /conversations/{id} with `unreadCount: 0`.
    pub async fn mark_read(&self, conversation_id: &str) -> Result<(), ApiError> {
        let body = serde_json::json!({
            "locationId": self.location_id(),
            "unreadCount": 0,
        });
        let _: Value = self
            .call(
                &UPDATE,
                self.url(&["conversations", conversation_id]),
                &[],
                Some(body),
                &|| format!("conversation {conversation_id}"),
            )
            .await?;
        Ok(())
    }

    /// A contact's conversations (up to 20) and the newest `limit`
    /// messages of each, merged newest first. `known` conversations are
    /// read beside the search, so a contact whose threads rolo has seen
    /// costs one round trip; a thread new to rolo costs a second.
    ///
    /// With `one_trip`, a thread new to rolo is not read: its last message
    /// comes from the search, and `partial` says the rest is to be read.
    pub async fn contact_threads(
        &self,
        contact_id: &str,
        known: &[String],
        limit: u32,
        one_trip: bool,
    ) -> Result<ContactThreads, ApiError> {
        let q = ConversationQuery {
            contact_id: Some(contact_id.to_string()),
            limit: 20,
            ..ConversationQuery::default()
        };
        let pages = futures_util::future::join_all(known.iter().map(|id| async move {
            (
                id.clone(),
                self.conversation_messages(id, limit, None).await,
            )
        }));
        let (found, pages) = tokio::join!(self.search_conversations(&q), pages);
        let (conversations, _) = found?;
        let mut read: Vec<(String, MessagesPage)> = Vec::new();
        for (id, page) in pages {
            match page {
                Ok(p) => read.push((id, p)),
                // Gone since rolo saw it: the search says what is left.
                Err(ApiError::NotFound { .. }) => {}
                Err(e) => return Err(e),
            }
        }
        let new: Vec<&Conversation> = conversations
            .iter()
            .filter(|c| c.contact_id == contact_id || c.contact_id.is_empty())
            .filter(|c| !read.iter().any(|(id, _)| *id == c.id))
            .collect();
        let mut out = ContactThreads::default();
        let new: Vec<&Conversation> = if one_trip {
            out.partial = !new.is_empty();
            Vec::new()
        } else {
            new
        };
        let more_pages = futures_util::future::join_all(new.iter().map(|c| async move {
            (
                c.id.clone(),
                self.conversation_messages(&c.id, limit, None).await,
            )
        }))
        .await;
        for (id, page) in more_pages {
            read.push((id, page?));
        }
        for c in &conversations {
            if !(c.contact_id == contact_id || c.contact_id.is_empty()) {
                continue;
            }
            if let Some((_, page)) = read.iter().find(|(id, _)| *id == c.id) {
                out.more |= page.next_page;
                out.messages
                    .extend(page.messages.iter().cloned().map(|mut m| {
                        m.conversation_id.get_or_insert_with(|| c.id.clone());
                        m
                    }));
            } else if let Some(m) = c.last_message() {
                out.more = true;
                out.messages.push(m);
            }
            out.conversations.push(c.clone());
        }
        out.messages
            .sort_by_key(|m| std::cmp::Reverse(m.at().map(|t| t.timestamp_millis())));
        Ok(out)
    }
}
