//! The confirmation dialog.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Wrap};

use super::*;

pub(super) fn render(c: &crate::app::Confirm, f: &mut Frame, area: Rect, theme: &Theme) {
    let width = (c.message.chars().count() as u16 + 6)
        .max(30)
        .min(area.width);
    let r = centered(area, width, 5);
    f.render_widget(Clear, r);
    let p = Paragraph::new(vec![
        Line::from(clean(&c.message).into_owned()),
        Line::default(),
        Line::from(vec![
            Span::styled("y", theme.highlight),
            Span::raw(": yes   "),
            Span::styled("n", theme.highlight),
            Span::raw("/esc: no"),
        ]),
    ])
    .wrap(Wrap { trim: true })
    .block(boxed("Confirm", theme));
    f.render_widget(p, r);
}
