//! The thread view: every channel's messages in order, the newest at the
//! bottom, each in full; replies on their way after them.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

use super::*;
use crate::api::conversations::Message;
use crate::app::messages::ReplyState;
use crate::app::{Remote, ThreadView};

pub(super) fn render(v: &ThreadView, s: &State, f: &mut Frame, area: Rect, theme: &Theme) {
    f.render_widget(Clear, area);
    let (count, unread, more) = match v.threads.loaded() {
        Some(t) => (t.messages.len(), t.unread(), t.more),
        None => (0, 0, false),
    };
    let mut title = format!(
        "Messages · {} · {count} message{}",
        fit(&v.name, 40),
        if count == 1 { "" } else { "s" }
    );
    if unread > 0 {
        title.push_str(&format!(" · {unread} unread"));
    }
    let block = boxed(&title, theme);
    let inner = block.inner(area);
    f.render_widget(block, area);
    // An error (a refusal before sending, a reply not sent) shows here:
    // the view covers the screen's own error line.
    let error = s.error_text();
    let [body, said, foot] = Layout::vertical([
        Constraint::Min(1),
        Constraint::Length(if error.is_some() { 2 } else { 0 }),
        Constraint::Length(1),
    ])
    .areas(inner);
    if let Some(e) = &error {
        f.render_widget(
            Paragraph::new(Span::styled(clean(e).into_owned(), theme.error))
                .wrap(ratatui::widgets::Wrap { trim: true }),
            said,
        );
    }
    let width = usize::from(body.width);
    let mut lines: Vec<Line> = Vec::new();
    match &v.threads {
        Remote::Idle | Remote::Loading => {
            lines.push(Line::from(Span::styled("Loading the messages…", theme.dim)))
        }
        Remote::Failed(e) => lines.push(Line::from(Span::styled(
            format!("Could not load the messages: {}", clean(e)),
            theme.error,
        ))),
        Remote::Loaded(t) => {
            if more && v.complete {
                lines.push(Line::from(Span::styled(
                    format!(
                        "(the newest {} of each conversation; older ones are in HighLevel)",
                        crate::app::messages::THREAD_MESSAGES
                    ),
                    theme.dim,
                )));
            }
            if t.messages.is_empty() && s.replies_to(&v.contact_id).is_empty() {
                lines.push(Line::from(Span::styled(
                    "No messages yet. s: send an SMS · m: an email",
                    theme.dim,
                )));
            }
            for m in t.messages.iter().rev() {
                message_lines(m, s, width, theme, &mut lines);
            }
        }
    }
    let outbox = if s.local.enabled {
        format!(
            " ({} opens the outbox)",
            s.keymap.key_for(crate::keymap::Action::Outbox)
        )
    } else {
        String::new()
    };
    let mut stuck = false;
    for r in s.replies_to(&v.contact_id) {
        let (state, style) = match &r.state {
            // The outbox sends a contact's messages in order: behind one
            // that waits for the user, the next waits too.
            ReplyState::Sending if stuck && s.local.enabled => (
                format!("waits behind the message above, which needs you{outbox}"),
                theme.error,
            ),
            ReplyState::Sending => ("sending…".to_string(), theme.accent),
            ReplyState::MayHaveBeenSent => (
                format!("may have been sent: not sent again unless you say so{outbox}"),
                theme.error,
            ),
            ReplyState::Refused(why) => (format!("not sent: {}", clean(why)), theme.error),
        };
        stuck |= r.state != ReplyState::Sending;
        let when = r.at.with_timezone(&s.zone).format("%a %b %-d %H:%M");
        let channel = if r.message.is_email() { "Email" } else { "SMS" };
        let head = format!("{when} · {channel} · → out · ");
        let room = width.saturating_sub(unicode_width::UnicodeWidthStr::width(head.as_str()));
        lines.push(Line::from(Span::styled(head, theme.dim)).patch_style(theme.dim));
        // The state on a line of its own when it does not fit beside.
        let last = lines.len() - 1;
        if unicode_width::UnicodeWidthStr::width(state.as_str()) <= room {
            lines[last].spans.push(Span::styled(state, style));
        } else {
            for l in crate::text::wrap(&state, width.saturating_sub(2).max(8)) {
                lines.push(Line::from(Span::styled(format!("  {l}"), style)));
            }
        }
        if let Some(subject) = &r.message.subject {
            lines.push(Line::from(Span::styled(
                format!(
                    "  subject: {}",
                    fit(&clean(subject), width.saturating_sub(12))
                ),
                theme.text,
            )));
        }
        text_lines(r.message.text(), width, theme, &mut lines);
        lines.push(Line::default());
    }
    let height = usize::from(body.height);
    let top = lines.len().saturating_sub(height);
    let start = top.saturating_sub(v.scroll.min(top));
    let shown: Vec<Line> = lines.into_iter().skip(start).take(height).collect();
    f.render_widget(Paragraph::new(shown), body);
    let hint = if start > 0 && v.scroll == 0 {
        "r: reply · s: SMS · m: email · k/j: older/newer · g: oldest · esc: close"
    } else {
        "r: reply · s: SMS · m: email · k/j: older/newer · G: newest · esc: close"
    };
    f.render_widget(
        Paragraph::new(Span::styled(fit(hint, width), theme.dim)),
        foot,
    );
}

/// One message: a header (when, channel, in or out), an email's subject,
/// the text in full, wrapped, and the attachments by name and address.
fn message_lines<'a>(m: &Message, s: &State, width: usize, theme: &Theme, out: &mut Vec<Line<'a>>) {
    let when = m
        .at()
        .map(|t| {
            t.with_timezone(&s.zone)
                .format("%a %b %-d %H:%M")
                .to_string()
        })
        .unwrap_or_else(|| "(no date)".into());
    let (dir, style) = if m.inbound() {
        ("← in", theme.accent)
    } else {
        ("→ out", theme.dim)
    };
    let mut head = format!("{when} · {} · {dir}", clean(&m.channel()));
    if let Some(st) = m.status.as_deref().filter(|x| !x.is_empty()) {
        head.push_str(&format!(" · {}", clean(st)));
    }
    out.push(Line::from(Span::styled(fit(&head, width), style)));
    let kind = m.message_type.as_deref().unwrap_or("");
    let text = if kind == "TYPE_EMAIL" {
        if let Some(subject) = m
            .meta
            .as_ref()
            .and_then(|v| v.pointer("/email/subject"))
            .and_then(serde_json::Value::as_str)
        {
            out.push(Line::from(Span::styled(
                format!(
                    "  subject: {}",
                    fit(&clean(subject), width.saturating_sub(12))
                ),
                theme.title,
            )));
        }
        crate::text::html_text(m.body.as_deref().unwrap_or(""))
    } else if kind.contains("CALL") {
        m.summary()
    } else {
        m.body.clone().unwrap_or_default()
    };
    text_lines(&text, width, theme, out);
    for a in &m.attachments {
        let name = a
            .split(['?', '#'])
            .next()
            .and_then(|p| p.trim_end_matches('/').rsplit('/').next())
            .filter(|n| !n.is_empty())
            .unwrap_or("attachment");
        out.push(Line::from(Span::styled(
            fit(&format!("  📎 {} <{}>", clean(name), clean(a)), width),
            theme.dim,
        )));
    }
    out.push(Line::default());
}

/// A message's text, line by line (each made safe on its own, so that its
/// line breaks stay), wrapped and indented.
fn text_lines<'a>(text: &str, width: usize, theme: &Theme, out: &mut Vec<Line<'a>>) {
    for para in text.trim_end().lines() {
        if para.trim().is_empty() {
            out.push(Line::default());
            continue;
        }
        for l in crate::text::wrap(&clean(para), width.saturating_sub(2).max(8)) {
            out.push(Line::from(Span::styled(format!("  {l}"), theme.text)));
        }
    }
}
