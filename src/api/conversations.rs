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
