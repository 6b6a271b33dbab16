//! The copy menu: which field of the contact goes on the clipboard.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

use super::*;

pub(super) fn render(c: &crate::api::model::Contact, f: &mut Frame, area: Rect, theme: &Theme) {
    let r = centered(area, 44, 8);
    f.render_widget(Clear, r);
    let row = |k: &str, what: &str, v: Option<&str>| {
        Line::from(vec![
            Span::styled(format!(" {k} "), theme.highlight),
            Span::styled(format!("{what:<6}"), theme.dim),
            Span::raw(fit(&clean(v.unwrap_or("—")), 32)),
        ])
    };
    let name = c.display_name();
    let lines = vec![
        row("e", "email", c.email.as_deref()),
        row("p", "phone", c.phone.as_deref()),
        row("n", "name", Some(&name)),
        row("i", "id", Some(&c.id)),
        Line::default(),
        Line::from(Span::styled(" esc: cancel", theme.dim)),
    ];
    f.render_widget(Paragraph::new(lines).block(boxed("Copy", theme)), r);
}
