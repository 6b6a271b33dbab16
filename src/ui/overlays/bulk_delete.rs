//! Deleting many contacts: the count, typed back.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

use super::*;

pub(super) fn render(p: &crate::app::BulkDelete, f: &mut Frame, area: Rect, theme: &Theme) {
    let n = p.contacts.len();
    let r = centered(area, 64, 8);
    f.render_widget(Clear, r);
    let title = format!("Delete {n} contacts");
    let rest = prompt(
        f,
        r,
        &title,
        &p.input,
        p.error.as_deref(),
        &format!("type {n}, then enter, to delete them · esc keeps them"),
        theme,
    );
    let lines = vec![Line::from(Span::styled(
        "With their tasks and notes. This cannot be undone.",
        theme.error,
    ))];
    f.render_widget(Paragraph::new(lines), rest);
}
