//! The confirmation dialog.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Wrap};

use super::*;

pub(super) fn render(c: &crate::app::Confirm, f: &mut Frame, area: Rect, theme: &Theme) {
    let scope = matches!(c.action, crate::app::ConfirmAction::Scope { .. });
    let width = (c.message.chars().count() as u16 + 6)
        .max(if scope { 66 } else { 30 })
        .min(area.width);
    // A message wider than the screen wraps: room for its lines.
    let inner = usize::from(width.saturating_sub(4)).max(1);
    let lines = c.message.chars().count().div_ceil(inner).max(1) as u16;
    let r = centered(area, width, 4 + lines);
    f.render_widget(Clear, r);
    let keys = match &c.action {
        crate::app::ConfirmAction::Scope { shown, .. } => Line::from(vec![
            Span::styled("a", theme.highlight),
            Span::raw(format!(": all {shown}   ")),
            Span::styled("enter", theme.highlight),
            Span::raw(": just this one   "),
            Span::styled("esc", theme.highlight),
            Span::raw(": neither"),
        ]),
        _ => Line::from(vec![
            Span::styled("y", theme.highlight),
            Span::raw(": yes   "),
            Span::styled("n", theme.highlight),
            Span::raw("/esc: no"),
        ]),
    };
    let p = Paragraph::new(vec![
        Line::from(clean(&c.message).into_owned()),
        Line::default(),
        keys,
    ])
    .wrap(Wrap { trim: true })
    .block(boxed("Confirm", theme));
    f.render_widget(p, r);
}
