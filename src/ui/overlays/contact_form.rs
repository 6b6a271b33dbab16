//! The contact form.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Span;
use ratatui::widgets::{Clear, Paragraph};

use super::*;

pub(super) fn render(form: &crate::app::ContactForm, f: &mut Frame, area: Rect, theme: &Theme) {
    let rows_needed = form.inputs.len() as u16 + 4;
    let r = centered(area, 70, rows_needed);
    f.render_widget(Clear, r);
    let block = boxed(
        if form.editing.is_some() {
            "Edit contact"
        } else {
            "New contact"
        },
        theme,
    );
    let inner = block.inner(r);
    f.render_widget(block, r);
    let mut constraints = vec![Constraint::Length(1); form.inputs.len()];
    constraints.extend([Constraint::Length(1), Constraint::Length(1)]);
    let rows = Layout::vertical(constraints).split(inner);
    for (i, (kind, t)) in form.inputs.iter().enumerate() {
        let on = i == form.focus;
        let problem = kind.check(&text_of(t));
        let [label, field, note] = Layout::horizontal([
            Constraint::Length(12),
            Constraint::Min(10),
            Constraint::Length(if problem.is_some() { 26 } else { 0 }),
        ])
        .areas(rows[i]);
        f.render_widget(
            Paragraph::new(Span::styled(
                kind.label(),
                if on { theme.accent } else { theme.dim },
            )),
            label,
        );
        input(f, t, field, on, theme);
        if let Some(p) = problem {
            f.render_widget(
                Paragraph::new(Span::styled(format!(" {}", fit(p, 25)), theme.error)),
                note,
            );
        }
    }
    let next = form.inputs.len();
    let foot = match &form.error {
        Some(e) => Span::styled(fit(&clean(e), usize::from(inner.width)), theme.error),
        None => Span::styled(
            "tab: next · ctrl-s or enter on the last field: save · esc: cancel",
            theme.dim,
        ),
    };
    f.render_widget(Paragraph::new(foot), rows[next + 1]);
}
