//! The Conversations service (`apps/conversations.json`, `Version:
//! 2021-04-15`): each contact's threads (SMS and calls on the phone
//! conversation, email on its own), searched across the location, read a
//! page of messages at a time, marked read, and added to by sends, which
//! honour do-not-disturb as HighLevel does (422).

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::{get, post};
use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};

use super::Shared;
use super::http::{JsonBody, outcome, with_store};
use super::store::*;
use super::validate::{Field, Kind, opt, req};

/// The `Version` the service's operations declare.
pub const VERSION: &str = "2021-04-15";

pub(super) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/conversations/search", get(search))
        .route("/conversations/messages", post(send))
        .route("/conversations/{conversation_id}/messages", get(messages))
        .route("/conversations/{conversation_id}", get(one).put(update))
}

/// A sent message's internal mark: the instant (epoch ms) it shows from.
const HIDDEN_UNTIL: &str = "_hiddenUntil";

/// A conversation's messages, oldest first.
#[derive(Debug, Clone, Default)]
pub struct Thread {
    pub conversation: Obj,
    pub messages: Vec<Obj>,
}

const SMS_IN: &[&str] = &[
    "Hi, is Thursday still on?",
    "Can you send me the quote again?",
    "Thanks! See you then.",
    "Running 10 minutes late, sorry",
    "What time do you open tomorrow?",
];
const SMS_OUT: &[&str] = &[
    "Yes, Thursday at 10 works. See you then!",
    "Sent it to your email just now.",
    "Great, thanks for confirming.",
    "No problem, we'll hold the slot.",
];

fn iso(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

fn message(
    id: String,
    conv: &Obj,
    kind: &str,
    inbound: bool,
    body: &str,
    at: DateTime<Utc>,
    user: Option<&str>,
) -> Obj {
    let number = match kind {
        "TYPE_CALL" => 1,
        "TYPE_SMS" => 2,
        "TYPE_EMAIL" => 3,
        _ => 0,
    };
    let mut m = json!({
        "id": id,
        "type": number,
        "messageType": kind,
        "locationId": text(conv, "locationId"),
        "contactId": text(conv, "contactId"),
        "conversationId": text(conv, "id"),
        "dateAdded": iso(at),
        "body": body,
        "direction": if inbound { "inbound" } else { "outbound" },
        "status": if inbound { "read" } else { "delivered" },
        "contentType": if kind == "TYPE_EMAIL" { "text/html" } else { "text/plain" },
        "attachments": [],
        "source": "app",
    });
    if let Some(u) = user.filter(|_| !inbound) {
        m["userId"] = json!(u);
    }
    if kind == "TYPE_CALL" {
        m["meta"] = json!({"callDuration": "74", "callStatus": "completed"});
    }
    object(m)
}

/// Threads for about half the contacts: an SMS thread (with a call now
/// and then), for every third an email thread too; some end unread.
pub fn seed(location_id: &str, contacts: &[Obj], now: DateTime<Utc>) -> Vec<Thread> {
    let mut out = Vec::new();
    for (i, c) in contacts.iter().enumerate() {
        if i % 2 == 1 {
            continue;
        }
        let cid = text(c, "id").to_string();
        let name = full_name(c);
        let user = c.get("assignedTo").and_then(Value::as_str);
        let last = now - Duration::minutes((i as i64 * 37) % (60 * 24 * 20) + 5);
        let mut channels = vec![("TYPE_PHONE", "TYPE_SMS")];
        if i % 3 == 0 && !text(c, "email").is_empty() {
            channels.push(("TYPE_EMAIL", "TYPE_EMAIL"));
        }
        for (k, (conv_type, msg_type)) in channels.into_iter().enumerate() {
            let conv_id = format!("cv{i:04}{k}{}", &cid[..cid.len().min(12)]);
            let mut conv = new_conversation(
                conv_id,
                c,
                conv_type,
                location_id,
                last - Duration::days(30),
            );
            let n = 2 + (i + k) % 5;
            let mut messages = Vec::new();
            for j in 0..n {
                let at = last - Duration::minutes(((n - 1 - j) * 90 + k * 7) as i64);
                let inbound = (j + i) % 2 == 0 || j == n - 1 && i % 4 == 0;
                let kind = if msg_type == "TYPE_SMS" && j == 1 && i % 5 == 0 {
                    "TYPE_CALL"
                } else {
                    msg_type
                };
                let body = match kind {
                    "TYPE_CALL" => String::new(),
                    "TYPE_EMAIL" if inbound => format!(
                        "<p>Hello,</p><p>About the estimate you sent: {}</p><p>Best,<br>{name}</p>",
                        SMS_IN[(i + j) % SMS_IN.len()]
                    ),
                    "TYPE_EMAIL" => format!(
                        "<p>Hi {name},</p><p>{}</p>",
                        SMS_OUT[(i + j) % SMS_OUT.len()]
                    ),
                    _ if inbound => SMS_IN[(i + j) % SMS_IN.len()].to_string(),
                    _ => SMS_OUT[(i + j) % SMS_OUT.len()].to_string(),
                };
                let mut m = message(
                    format!("ms{}{j:02}", &text(&conv, "id")[2..]),
                    &conv,
                    kind,
                    inbound,
                    &body,
                    at,
                    user,
                );
                if kind == "TYPE_EMAIL" {
                    m.insert(
                        "meta".into(),
                        json!({"email": {"subject": "Your estimate", "direction": if inbound { "inbound" } else { "outbound" }}}),
                    );
                }
                messages.push(m);
            }
            // Every fourth contact's thread ends with unread messages.
            if i % 4 == 0
                && let Some(m) = messages.last_mut()
            {
                m.insert("direction".into(), json!("inbound"));
                m.insert("status".into(), json!("delivered"));
                m.remove("userId");
                conv.insert("unreadCount".into(), json!(1 + i % 3));
            }
            note_last(&mut conv, messages.last());
            out.push(Thread {
                conversation: conv,
                messages,
            });
        }
    }
    out
}

/// The contact's name as a conversation carries it.
fn full_name(c: &Obj) -> String {
    [text(c, "firstName"), text(c, "lastName")]
        .iter()
        .filter(|s| !s.is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join(" ")
}

/// A conversation with the contact, of `kind` (`TYPE_PHONE`,
/// `TYPE_EMAIL`), nothing read or sent yet.
fn new_conversation(id: String, c: &Obj, kind: &str, location: &str, added: DateTime<Utc>) -> Obj {
    let name = full_name(c);
    let mut conv = object(json!({
        "id": id,
        "contactId": text(c, "id"),
        "locationId": location,
        "type": kind,
        "fullName": name,
        "contactName": name,
        "email": text(c, "email"),
        "phone": text(c, "phone"),
        "unreadCount": 0,
        "starred": false,
        "inbox": true,
        "deleted": false,
        "dateAdded": added.timestamp_millis(),
    }));
    if let Some(u) = c.get("assignedTo").and_then(Value::as_str) {
        conv.insert("assignedTo".into(), json!(u));
    }
    conv
}

/// The conversation's `lastMessage…` fields, from its newest message.
fn note_last(conv: &mut Obj, last: Option<&Obj>) {
    let Some(m) = last else { return };
    let at = m
        .get("dateAdded")
        .and_then(Value::as_str)
        .and_then(|d| DateTime::parse_from_rfc3339(d).ok())
        .map_or(0, |d| d.timestamp_millis());
    conv.insert("lastMessageBody".into(), json!(text(m, "body")));
    conv.insert("lastMessageType".into(), json!(text(m, "messageType")));
    conv.insert("lastMessageDirection".into(), json!(text(m, "direction")));
    conv.insert("lastMessageDate".into(), json!(at));
    conv.insert("dateUpdated".into(), json!(at));
}

fn last_date(c: &Obj) -> i64 {
    c.get("lastMessageDate")
        .and_then(Value::as_i64)
        .unwrap_or(0)
}

const SEND: &[Field] = &[
    req("type", Kind::Str),
    req("contactId", Kind::Str),
    // The spec requires these; HighLevel does not, nor does the sandbox.
    opt("subType", Kind::Object),
    opt("status", Kind::Str),
    opt("appointmentId", Kind::Str),
    opt("attachments", Kind::StrArray),
    opt("emailFrom", Kind::Str),
    opt("emailCc", Kind::StrArray),
    opt("emailBcc", Kind::StrArray),
    opt("html", Kind::Str),
    opt("message", Kind::Str),
    opt("subject", Kind::Str),
    opt("replyMessageId", Kind::Str),
    opt("templateId", Kind::Str),
    opt("threadId", Kind::Str),
    opt("scheduledTimestamp", Kind::Number),
    opt("conversationProviderId", Kind::Str),
    opt("emailTo", Kind::Str),
    opt("customSubtypeId", Kind::Str),
    opt("emailReplyMode", Kind::Str),
    opt("fromNumber", Kind::Str),
    opt("toNumber", Kind::Str),
    opt("forward", Kind::Object),
    opt("usesNativeSchedulingAi", Kind::Bool),
    opt("optimizationPeriod", Kind::Str),
];

const UPDATE: &[Field] = &[
    req("locationId", Kind::Str),
    opt("unreadCount", Kind::Number),
    opt("starred", Kind::Bool),
    opt("feedback", Kind::Object),
];

impl Store {
    fn thread(&self, id: &str) -> Result<&Thread, Reply> {
        self.threads
            .iter()
            .find(|t| text(&t.conversation, "id") == id)
            .ok_or_else(|| bad_request("Conversation not found"))
    }

    /// GET /conversations/search: the location's conversations, newest
    /// message first (or oldest, `sort=asc`), filtered as asked; `limit`
    /// (20, at most 100) from after `startAfterDate`.
    pub fn conversation_search(&self, q: &HashMap<String, String>) -> Outcome {
        self.check_location(q.get("locationId").map(String::as_str))?;
        let get = |k: &str| q.get(k).map(String::as_str).filter(|v| !v.is_empty());
        let limit = match get("limit").map(str::parse::<u64>) {
            None => 20,
            Some(Ok(n)) if (1..=100).contains(&n) => n as usize,
            Some(_) => {
                return Err(unprocessable(vec![
                    "limit must not be greater than 100".into(),
                ]));
            }
        };
        let asc = match get("sort") {
            None | Some("desc") => false,
            Some("asc") => true,
            Some(_) => {
                return Err(unprocessable(vec![
                    "sort must be one of the following values: asc, desc".into(),
                ]));
            }
        };
        let status = get("status").unwrap_or("all");
        if !["all", "read", "unread", "starred", "recents"].contains(&status) {
            return Err(unprocessable(vec![
                "status must be one of the following values: all, read, unread, starred, recents"
                    .into(),
            ]));
        }
        let after = match get("startAfterDate").map(str::parse::<i64>) {
            None => None,
            Some(Ok(n)) => Some(n),
            Some(Err(_)) => return Err(bad_request("startAfterDate must be a number")),
        };
        let words = get("query").map(crate::search::fold);
        let mut all: Vec<&Obj> = self
            .threads
            .iter()
            .map(|t| &t.conversation)
            .filter(|c| get("contactId").is_none_or(|v| text(c, "contactId") == v))
            .filter(|c| get("assignedTo").is_none_or(|v| text(c, "assignedTo") == v))
            .filter(|c| get("id").is_none_or(|v| text(c, "id") == v))
            .filter(|c| get("lastMessageType").is_none_or(|v| text(c, "lastMessageType") == v))
            .filter(|c| {
                get("lastMessageDirection").is_none_or(|v| text(c, "lastMessageDirection") == v)
            })
            .filter(|c| {
                let unread = c.get("unreadCount").and_then(Value::as_u64).unwrap_or(0) > 0;
                match status {
                    "unread" => unread,
                    "read" => !unread,
                    "starred" => c.get("starred") == Some(&json!(true)),
                    _ => true,
                }
            })
            .filter(|c| {
                words.as_deref().is_none_or(|w| {
                    ["fullName", "email", "phone", "lastMessageBody"]
                        .iter()
                        .any(|k| crate::search::fold(text(c, k)).contains(w))
                })
            })
            .collect();
        all.sort_by_key(|c| (last_date(c), text(c, "id").to_string()));
        if !asc {
            all.reverse();
        }
        let total = all.len();
        let page: Vec<&Obj> = all
            .into_iter()
            .filter(|c| {
                after.is_none_or(|a| {
                    if asc {
                        last_date(c) > a
                    } else {
                        last_date(c) < a
                    }
                })
            })
            .take(limit)
            .collect();
        ok(json!({ "conversations": page, "total": total }))
    }

    /// GET /conversations/{id}
    pub fn conversation(&self, id: &str) -> Outcome {
        ok(Value::Object(self.thread(id)?.conversation.clone()))
    }

    /// GET /conversations/{id}/messages: newest first, `limit` (20, at
    /// most 100) older than `lastMessageId`, of the `type`s asked.
    pub fn conversation_messages(&self, id: &str, q: &HashMap<String, String>) -> Outcome {
        let t = self.thread(id)?;
        let get = |k: &str| q.get(k).map(String::as_str).filter(|v| !v.is_empty());
        let limit = match get("limit").map(str::parse::<u64>) {
            None => 20,
            Some(Ok(n)) if (1..=100).contains(&n) => n as usize,
            Some(_) => {
                return Err(unprocessable(vec![
                    "limit must not be greater than 100".into(),
                ]));
            }
        };
        let types: Option<Vec<&str>> = get("type").map(|v| v.split(',').map(str::trim).collect());
        let now = Utc::now().timestamp_millis();
        let mut newest_first: Vec<&Obj> = t
            .messages
            .iter()
            .rev()
            .filter(|m| {
                m.get(HIDDEN_UNTIL)
                    .and_then(Value::as_i64)
                    .is_none_or(|at| at <= now)
            })
            .collect();
        if let Some(last) = get("lastMessageId") {
            match newest_first.iter().position(|m| text(m, "id") == last) {
                Some(i) => newest_first.drain(..=i).for_each(drop),
                None => return Err(bad_request("lastMessageId not found in this conversation")),
            }
        }
        let fitting: Vec<&Obj> = newest_first
            .into_iter()
            .filter(|m| {
                types
                    .as_ref()
                    .is_none_or(|ts| ts.contains(&text(m, "messageType")))
            })
            .collect();
        let page: Vec<&Obj> = fitting.iter().take(limit).copied().collect();
        let next = fitting.len() > page.len();
        let last_id = page
            .last()
            .map(|m| text(m, "id").to_string())
            .unwrap_or_default();
        let page: Vec<Obj> = page
            .into_iter()
            .map(|m| {
                let mut m = m.clone();
                m.remove(HIDDEN_UNTIL);
                m
            })
            .collect();
        ok(json!({ "lastMessageId": last_id, "nextPage": next, "messages": page }))
    }

    /// PUT /conversations/{id}: read (`unreadCount: 0`), starred.
    pub fn update_conversation(&mut self, id: &str, body: &Value) -> Outcome {
        let b = checked(body, UPDATE)?.clone();
        self.check_location(b.get("locationId").and_then(Value::as_str))?;
        self.thread(id)?;
        let t = self
            .threads
            .iter_mut()
            .find(|t| text(&t.conversation, "id") == id)
            .expect("found above");
        if let Some(n) = b.get("unreadCount") {
            let Some(n) = n.as_u64() else {
                return Err(unprocessable(vec![
                    "unreadCount must be a positive number".into(),
                ]));
            };
            t.conversation.insert("unreadCount".into(), json!(n));
            if n == 0 {
                for m in t
                    .messages
                    .iter_mut()
                    .filter(|m| text(m, "direction") == "inbound")
                {
                    m.insert("status".into(), json!("read"));
                }
            }
        }
        if let Some(s) = b.get("starred") {
            t.conversation.insert("starred".into(), s.clone());
        }
        let c = t.conversation.clone();
        let mut conversation = json!({
            "id": text(&c, "id"),
            "contactId": text(&c, "contactId"),
            "locationId": text(&c, "locationId"),
            "deleted": false,
            "inbox": true,
            "type": if text(&c, "type") == "TYPE_EMAIL" { 2 } else { 1 },
            "unreadCount": c.get("unreadCount").cloned().unwrap_or(json!(0)),
            "starred": c.get("starred").cloned().unwrap_or(json!(false)),
        });
        if let Some(u) = c.get("assignedTo").filter(|u| u.is_string()) {
            conversation["assignedTo"] = u.clone();
        }
        ok(json!({ "success": true, "conversation": conversation }))
    }

    /// POST /conversations/messages: an SMS or an email to a contact,
    /// added to its thread (made if it has none). Refused (422) on a
    /// channel with do-not-disturb on, as HighLevel does.
    pub fn send_message(&mut self, body: &Value, now: DateTime<Utc>) -> Outcome {
        let b = checked(body, SEND)?.clone();
        let kind = text(&b, "type").to_string();
        let (channel, conv_type, msg_type) = match kind.as_str() {
            "SMS" => ("SMS", "TYPE_PHONE", "TYPE_SMS"),
            "Email" => ("Email", "TYPE_EMAIL", "TYPE_EMAIL"),
            "RCS" | "WhatsApp" | "IG" | "FB" | "Custom" | "Live_Chat" | "TIKTOK" => {
                return Err(unprocessable(vec![format!(
                    "No {kind} channel is connected to this location"
                )]));
            }
            _ => {
                return Err(unprocessable(vec![
                    "type must be one of the following values: SMS, RCS, Email, WhatsApp, IG, FB, Custom, Live_Chat, TIKTOK".into(),
                ]));
            }
        };
        let cid = text(&b, "contactId").to_string();
        let Some(contact) = self.contact(&cid).map(std::borrow::Cow::into_owned) else {
            return Err(bad_request("Contact not found"));
        };
        let words = match channel {
            "SMS" => text(&b, "message").trim().to_string(),
            _ => {
                let html = text(&b, "html");
                if html.trim().is_empty() {
                    text(&b, "message")
                } else {
                    html
                }
                .trim()
                .to_string()
            }
        };
        if words.is_empty() {
            return Err(unprocessable(vec![match channel {
                "SMS" => "message should not be empty".into(),
                _ => "html or message should not be empty".into(),
            }]));
        }
        if channel == "Email"
            && text(&b, "subject").trim().is_empty()
            && b.get("replyMessageId").is_none()
        {
            return Err(unprocessable(vec!["subject should not be empty".into()]));
        }
        let to = if channel == "SMS" { "phone" } else { "email" };
        if text(&contact, to).is_empty() {
            return Err(unprocessable(vec![format!(
                "The contact has no {to} to send to"
            )]));
        }
        let dnd_all = contact.get("dnd") == Some(&json!(true));
        let dnd_channel = contact
            .get("dndSettings")
            .and_then(|s| s.get(channel))
            .and_then(|s| s.get("status"))
            .and_then(Value::as_str)
            .is_some_and(|s| s == "active" || s == "permanent");
        if dnd_all || dnd_channel {
            return Err(unprocessable(vec![format!(
                "Cannot send the message: DND is active for {channel} on this contact"
            )]));
        }
        let location = self.location_id.clone();
        let pos = match self.threads.iter().position(|t| {
            text(&t.conversation, "contactId") == cid && text(&t.conversation, "type") == conv_type
        }) {
            Some(p) => p,
            None => {
                let id = format!(
                    "cvNew{:05}{}",
                    self.threads.len(),
                    &cid[..cid.len().min(10)]
                );
                let conv = new_conversation(id, &contact, conv_type, &location, now);
                self.threads.push(Thread {
                    conversation: conv,
                    messages: Vec::new(),
                });
                self.threads.len() - 1
            }
        };
        self.sent += 1;
        let t = &mut self.threads[pos];
        let id = format!("msSent{:06}{}", self.sent, &cid[..cid.len().min(8)]);
        let mut m = message(
            id.clone(),
            &t.conversation,
            msg_type,
            false,
            &words,
            now,
            None,
        );
        m.insert("source".into(), json!("api"));
        if self.message_delay_ms > 0 {
            // Kept out of reads until then; never shown itself.
            let at = now.timestamp_millis() + self.message_delay_ms as i64;
            m.insert(HIDDEN_UNTIL.into(), json!(at));
        }
        if channel == "Email" {
            m.insert(
                "meta".into(),
                json!({"email": {"subject": text(&b, "subject"), "direction": "outbound"}}),
            );
        }
        t.messages.push(m);
        let last = t.messages.last().cloned();
        note_last(&mut t.conversation, last.as_ref());
        let conv_id = text(&t.conversation, "id").to_string();
        let mut answer = json!({
            "conversationId": conv_id,
            "messageId": id,
            "msg": "Message queued successfully.",
            "status": "delivered",
        });
        if channel == "Email" {
            answer["emailMessageId"] = json!(format!("em{}", &id[2..]));
        }
        ok(answer)
    }

    /// Sent messages not yet shown in their threads (see
    /// `Faults::message_delay_ms`), for tests.
    pub fn hidden_messages(&self) -> usize {
        let now = Utc::now().timestamp_millis();
        self.threads
            .iter()
            .flat_map(|t| t.messages.iter())
            .filter(|m| {
                m.get(HIDDEN_UNTIL)
                    .and_then(Value::as_i64)
                    .is_some_and(|at| at > now)
            })
            .count()
    }

    /// A contact's threads, for tests.
    pub fn threads_of(&self, contact_id: &str) -> Vec<Thread> {
        self.threads
            .iter()
            .filter(|t| text(&t.conversation, "contactId") == contact_id)
            .cloned()
            .collect()
    }
}

async fn search(
    State(s): State<Arc<Shared>>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    outcome(with_store!(s, |st| st.conversation_search(&q)))
}

async fn one(State(s): State<Arc<Shared>>, Path(id): Path<String>) -> Response {
    outcome(with_store!(s, |st| st.conversation(&id)))
}

async fn messages(
    State(s): State<Arc<Shared>>,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    outcome(with_store!(s, |st| st.conversation_messages(&id, &q)))
}

async fn update(
    State(s): State<Arc<Shared>>,
    Path(id): Path<String>,
    JsonBody(body): JsonBody,
) -> Response {
    outcome(with_store!(s, |st| st.update_conversation(&id, &body)))
}

async fn send(State(s): State<Arc<Shared>>, JsonBody(body): JsonBody) -> Response {
    let delay = s
        .faults
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .message_delay_ms;
    outcome(with_store!(s, |st| {
        st.message_delay_ms = delay;
        st.send_message(&body, Utc::now())
    }))
}
