//! The task form.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Span;
use ratatui::widgets::{Clear, Paragraph};

use super::*;

pub(super) fn render(
    form: &crate::app::TaskForm,
    s: &State,
    f: &mut Frame,
    area: Rect,
    theme: &Theme,
) {
    let r = centered(area, 64, 12);
    f.render_widget(Clear, r);
    let block = boxed(
        if form.editing.is_some() {
            "Edit task"
        } else {
            "New task"
        },
        theme,
    );
    let inner = block.inner(r);
    f.render_widget(block, r);
    let rows = Layout::vertical([Constraint::Length(1); 8]).split(inner);
    let label = |text: &str, on: bool| {
        Paragraph::new(Span::styled(
            text.to_string(),
            if on { theme.accent } else { theme.dim },
        ))
    };
    let cols =
        |row: Rect| Layout::horizontal([Constraint::Length(7), Constraint::Min(0)]).split(row);
    let title_row = cols(rows[0]);
    f.render_widget(label("Title", form.field == TaskField::Title), title_row[0]);
    input(
        f,
        &form.title,
        title_row[1],
        form.field == TaskField::Title,
        theme,
    );
    let due_row = cols(rows[2]);
    f.render_widget(label("Due", form.field == TaskField::Due), due_row[0]);
    input(
        f,
        &form.due,
        due_row[1],
        form.field == TaskField::Due,
        theme,
    );
    // The due date echoed back, resolved, before saving.
    let echo = match crate::due::parse_due(&text_of(&form.due), s.now.with_timezone(&s.zone)) {
        Ok(d) => Span::styled(
            format!("→ {}", crate::due::describe(d, &s.zone)),
            theme.notice,
        ),
        Err(e) => Span::styled(
            fit(&e, usize::from(inner.width).saturating_sub(7)),
            theme.error,
        ),
    };
    f.render_widget(Paragraph::new(echo), cols(rows[3])[1]);
    let body_row = cols(rows[5]);
    f.render_widget(label("Body", form.field == TaskField::Body), body_row[0]);
    input(
        f,
        &form.body,
        body_row[1],
        form.field == TaskField::Body,
        theme,
    );
    let foot = match &form.error {
        Some(e) => Span::styled(clean(e).into_owned(), theme.error),
        None => Span::styled(
            "tab: next field · ctrl-s or enter on body: save · esc: cancel",
            theme.dim,
        ),
    };
    f.render_widget(Paragraph::new(foot), rows[7]);
}
