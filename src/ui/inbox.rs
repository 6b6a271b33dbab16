//! The inbox view: the location's unread conversations, newest first.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use super::{clean, fit};
use crate::app::{Remote, State};
use crate::keymap::Action;
use crate::theme::Theme;

pub fn render_inbox(s: &State, f: &mut Frame, area: Rect, theme: &Theme) {
    let rows = s.inbox_rows();
    let mine = s.inbox.mine && s.me.is_some();
    let unread: u32 = rows.iter().map(|c| c.unread_count.max(0.0) as u32).sum();
    let title = vec![
        Span::styled(" Inbox ", theme.title),
        Span::styled(
            if mine { "mine " } else { "everyone's " },
            if mine { theme.accent } else { theme.dim },
        ),
        Span::styled(
            format!(
                "{}{} conversation{}, {unread} unread ",
                if s.inbox.cut { "the newest " } else { "" },
                rows.len(),
                if rows.len() == 1 { "" } else { "s" }
            ),
            theme.dim,
        ),
    ];
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border_focused)
        .title(Line::from(title));
    let inner = block.inner(area);
    f.render_widget(block, area);
    let msg = match &s.inbox.rows {
        Remote::Idle | Remote::Loading => Some("Loading the unread conversations…".to_string()),
        Remote::Failed(e) => Some(format!("Could not load the conversations: {}", clean(e))),
        Remote::Loaded(_) if rows.is_empty() && mine => Some(format!(
            "Nothing unread of yours. {}: everyone's.",
            s.keymap.key_for(Action::Mine)
        )),
        Remote::Loaded(_) if rows.is_empty() => Some("Inbox zero: nothing unread.".to_string()),
        Remote::Loaded(_) => None,
    };
    if let Some(m) = msg {
        super::say(f, inner, m, theme);
        return;
    }
    let width = usize::from(inner.width);
    let height = usize::from(inner.height);
    let offset = s.inbox.selected.saturating_sub(height.saturating_sub(1));
    let who_w = (width / 4).clamp(10, 28);
    let mut lines: Vec<Line> = Vec::new();
    for (i, c) in rows.iter().enumerate().skip(offset).take(height) {
        let on = i == s.inbox.selected;
        let st = |x: ratatui::style::Style| if on { x.patch(theme.selected) } else { x };
        let when = c
            .last_at()
            .map(|t| {
                let t = t.with_timezone(&s.zone);
                if t.date_naive() == s.now.with_timezone(&s.zone).date_naive() {
                    format!("{:>9}", t.format("%H:%M"))
                } else {
                    t.format("%b %-d %H:%M").to_string()
                }
            })
            .unwrap_or_else(|| "?".into());
        let who = match s.contact_by_id(&c.contact_id) {
            Some(k) => clean(&k.display_name()).into_owned(),
            None => clean(c.who()).into_owned(),
        };
        let channel = c
            .last_message_type
            .as_deref()
            .map(|t| {
                crate::api::conversations::Message {
                    message_type: Some(t.to_string()),
                    ..Default::default()
                }
                .channel()
            })
            .unwrap_or_default();
        let dir = if c.last_message_direction.as_deref() == Some("inbound") {
            "←"
        } else {
            "→"
        };
        let count = format!("●{}", c.unread_count.max(0.0) as u32);
        let mut preview = crate::text::html_line(c.last_message_body.as_deref().unwrap_or(""));
        if preview.is_empty() {
            preview = if channel == "Call" {
                "(a call)".into()
            } else {
                "(no text)".into()
            };
        }
        let used = 1 + 13 + who_w + 1 + 7 + 2 + 5;
        lines.push(Line::from(vec![
            Span::styled(if on { "▸" } else { " " }, st(theme.text)),
            Span::styled(format!("{:<12} ", fit(&when, 12)), st(theme.dim)),
            Span::styled(format!("{:<who_w$} ", fit(&who, who_w)), st(theme.text)),
            Span::styled(format!("{:<6} ", fit(&clean(&channel), 6)), st(theme.dim)),
            Span::styled(format!("{dir} "), st(theme.dim)),
            Span::styled(format!("{count:<4} "), st(theme.accent)),
            Span::styled(
                fit(&clean(&preview), width.saturating_sub(used)),
                st(theme.text),
            ),
        ]));
    }
    f.render_widget(Paragraph::new(lines), inner);
}
