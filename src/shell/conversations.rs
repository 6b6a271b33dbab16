//! `rolo messages CONTACT` and `rolo inbox`: what the contact said last,
//! and the location's unread conversations. Every string from HighLevel
//! is sanitized before it is printed.

use std::io::Write;

use serde_json::{Value, json};

use super::verbs::{Failure, Lookups, Outcome, print_json, resolve_contact};
use crate::api::Client;
use crate::api::conversations::{Message, NewMessage};
use crate::text::{sanitize, snippet};
use crate::zone::Zone;

/// `rolo messages CONTACT [--limit N] [--json]`: the contact's messages on
/// every channel, newest first.
pub async fn messages(
    client: &Client,
    who: &str,
    limit: usize,
    as_json: bool,
    zone: Zone,
) -> Outcome {
    let c = resolve_contact(client, who).await?;
    let threads = client
        .contact_threads(&c.id, &[], limit.clamp(1, 100) as u32, false)
        .await?;
    let unread = threads.unread();
    let mut all = threads.messages;
    all.truncate(limit);
    if as_json {
        return print_json(&serde_json::to_value(&all).unwrap_or(Value::Null));
    }
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "{}: {} message{}{}",
        sanitize(&c.display_name()),
        all.len(),
        if all.len() == 1 { "" } else { "s" },
        if unread > 0 {
            format!(", {unread} unread")
        } else {
            String::new()
        }
    )?;
    for m in &all {
        writeln!(out, "{}", line(m, &zone))?;
    }
    Ok(())
}

/// Each conversation's newest `limit` messages, fetched side by side.
/// `2026-12-01 14:05  SMS   ← Hi, is Thursday still on?`
fn line(m: &Message, zone: &Zone) -> String {
    let at = m
        .at()
        .map(|t| t.with_timezone(zone).format("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_else(|| "????-??-?? ??:??".into());
    format!(
        "{at}  {:<6} {} {}",
        sanitize(&snippet(&m.channel(), 6)),
        if m.inbound() { "←" } else { "→" },
        sanitize(&snippet(&m.summary(), 100))
    )
}

/// `rolo inbox [--mine] [--json]`: the conversations with unread
/// messages, newest first.
pub async fn inbox(
    client: &Client,
    mine: bool,
    me_email: Option<String>,
    as_json: bool,
    zone: Zone,
) -> Outcome {
    let assigned_to = if mine {
        Some(
            Lookups::load(client, me_email, true)
                .await
                .me()?
                .to_string(),
        )
    } else {
        None
    };
    let (all, _) = client
        .all_conversations(true, assigned_to.as_deref(), 10_000)
        .await?;
    if as_json {
        return print_json(&json!(all));
    }
    let mut out = std::io::stdout().lock();
    if all.is_empty() {
        writeln!(
            out,
            "No unread conversations{}.",
            if mine { " of yours" } else { "" }
        )?;
        return Ok(());
    }
    for c in &all {
        let when = c
            .last_at()
            .map(|t| t.with_timezone(&zone).format("%m-%d %H:%M").to_string())
            .unwrap_or_default();
        let channel = c
            .last_message_type
            .as_deref()
            .map(|t| {
                Message {
                    message_type: Some(t.to_string()),
                    ..Default::default()
                }
                .channel()
            })
            .unwrap_or_default();
        let first = crate::text::html_line(c.last_message_body.as_deref().unwrap_or(""));
        writeln!(
            out,
            "{:<24} {:>2} unread  {:<6} {:<12} {}",
            sanitize(&snippet(c.who(), 24)),
            c.unread_count as u64,
            sanitize(&snippet(&channel, 6)),
            sanitize(&when),
            sanitize(&snippet(&first, 70))
        )?;
    }
    Ok(())
}

/// `rolo send CONTACT (--sms | --email --subject S) [TEXT]`: through the
/// outbox, so a message is sent once; DND and a missing phone or address
/// refuse before anything is sent.
pub async fn send(
    client: &Client,
    who: &str,
    email: bool,
    subject: Option<&str>,
    words: &str,
) -> Outcome {
    match send_once(client, who, email, subject, words).await {
        // Neither sent nor queued (nor refused): the words typed are kept.
        Err(mut f)
            if f.code != 2
                && !f.message.contains("outbox")
                && !f.message.contains("queued as edit") =>
        {
            if let Some(p) = crate::cache::keep_unsent("message", words) {
                f.message = format!("{}; your message is kept in {}", f.message, p.display());
            }
            Err(f)
        }
        other => other,
    }
}

async fn send_once(
    client: &Client,
    who: &str,
    email: bool,
    subject: Option<&str>,
    words: &str,
) -> Outcome {
    let words = words.trim_end();
    if words.trim().is_empty() {
        return Err(Failure::new(2, "the message is empty; nothing was sent"));
    }
    if email && subject.is_none_or(|s| s.trim().is_empty()) {
        return Err(Failure::new(
            2,
            "an email needs --subject; nothing was sent",
        ));
    }
    let c = resolve_contact(client, who).await?;
    let channel = if email { "Email" } else { "SMS" };
    if let Some(why) = c.refuses(channel) {
        return Err(Failure::new(2, why));
    }
    let message = if email {
        NewMessage::email(&c.id, subject, words)
    } else {
        NewMessage::sms(&c.id, words)
    };
    let op = crate::api::actor::ApiOp::SendMessage {
        contact_id: c.id.clone(),
        message,
    };
    let r = if super::verbs::caching_off() {
        // No outbox: sent once, straight; no answer means it may be sent.
        match op.run(client).await {
            Ok(r) => r,
            Err(e) if e.unanswered() => {
                return Err(Failure::new(
                    4,
                    format!(
                        "{e}: the message may have been sent (there is no outbox with caching off, so it is not kept); check `rolo messages {}` before sending it again",
                        sanitize(&c.id)
                    ),
                ));
            }
            Err(e) => return Err(e.into()),
        }
    } else {
        super::verbs::apply(client, op).await?
    };
    let mut out = std::io::stdout().lock();
    match r {
        crate::api::actor::ApiResponse::Sent(s) => writeln!(
            out,
            "sent {} to {} (message {}, conversation {})",
            if email { "the email" } else { "the SMS" },
            sanitize(&c.display_name()),
            sanitize(&s.message_id),
            sanitize(&s.conversation_id)
        )?,
        _ => writeln!(out, "sent to {}", sanitize(&c.display_name()))?,
    }
    Ok(())
}
