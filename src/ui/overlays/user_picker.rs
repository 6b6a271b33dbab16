//! The user picker and its choices.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

use super::*;
use crate::app::{AssignTarget, Choice, Remote, UserPicker, user_choices};

pub(super) fn render(p: &UserPicker, s: &State, f: &mut Frame, area: Rect, theme: &Theme) {
    let choices = user_choices(s, p);
    let r = centered(area, 56, 14);
    f.render_widget(Clear, r);
    let (title, hint) = match &p.target {
        AssignTarget::Contact(_) => (
            "Assign the contact".to_string(),
            "type to narrow · ↑↓ pick · enter: assign · esc",
        ),
        AssignTarget::Task { .. } => (
            "Assign the task".to_string(),
            "type to narrow · ↑↓ pick · enter: assign · esc",
        ),
        AssignTarget::Followers(_) => (
            "Followers".to_string(),
            "✓ follows · type to narrow · enter: add or take off · esc",
        ),
        AssignTarget::Many(ids) => (
            format!("Assign {} contacts", ids.len()),
            "type to narrow · ↑↓ pick · enter: assign them all · esc",
        ),
        AssignTarget::FollowersMany {
            contacts,
            add: true,
        } => (
            format!("Add a follower to {} contacts", contacts.len()),
            "type to narrow · enter: add · tab: take off instead · esc",
        ),
        AssignTarget::FollowersMany {
            contacts,
            add: false,
        } => (
            format!("Take a follower off {} contacts", contacts.len()),
            "type to narrow · enter: take off · tab: add instead · esc",
        ),
    };
    let list = prompt(f, r, &title, &p.input, p.error.as_deref(), hint, theme);
    let width = usize::from(list.width);
    let mut lines: Vec<Line> = Vec::new();
    if matches!(s.users, Remote::Idle | Remote::Loading) {
        lines.push(Line::from(Span::styled(
            "loading the location's users…",
            theme.dim,
        )));
    }
    let rows = usize::from(list.height).saturating_sub(lines.len());
    let offset = p.selected.saturating_sub(rows.saturating_sub(1));
    for (i, c) in choices.iter().enumerate().skip(offset).take(rows) {
        let on = i == p.selected;
        let (text, current) = match c {
            Choice::Nobody => (
                "nobody".to_string(),
                p.current.is_none() && matches!(p.target, AssignTarget::Contact(_)),
            ),
            Choice::User(u) => {
                let email = u.email.as_deref().unwrap_or("");
                (
                    format!("{}  {email}", u.display_name()),
                    p.current.as_deref() == Some(u.id.as_str()) || p.followers.contains(&u.id),
                )
            }
        };
        let mark = match (current, &p.target) {
            (true, AssignTarget::Followers(_)) => "✓ ",
            (true, _) => "• ",
            _ => "  ",
        };
        let st = if on { theme.selected } else { theme.text };
        lines.push(Line::from(Span::styled(
            format!("{mark}{}", fit(&clean(&text), width.saturating_sub(2))),
            st,
        )));
    }
    f.render_widget(Paragraph::new(lines), list);
}
