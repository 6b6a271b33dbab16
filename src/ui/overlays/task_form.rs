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
    let cols =
        |row: Rect| Layout::horizontal([Constraint::Length(7), Constraint::Min(0)]).split(row);
    // A labelled input on a row, lit when it has the focus.
    let field = |f: &mut Frame, row: Rect, name: &str, which: TaskField, t| {
        let on = form.field == which;
        let style = if on { theme.accent } else { theme.dim };
        let c = cols(row);
        f.render_widget(Paragraph::new(Span::styled(name.to_string(), style)), c[0]);
        input(f, t, c[1], on, theme);
    };
    field(f, rows[0], "Title", TaskField::Title, &form.title);
    field(f, rows[2], "Due", TaskField::Due, &form.due);
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
    // Who it is for: ←/→ through the users.
    let on = form.field == TaskField::Assignee;
    let c = cols(rows[4]);
    f.render_widget(
        Paragraph::new(Span::styled(
            "For",
            if on { theme.accent } else { theme.dim },
        )),
        c[0],
    );
    let who = form
        .assignee
        .as_deref()
        .map_or_else(|| "nobody".to_string(), |u| s.user_label(u));
    let shown = if on {
        format!("‹ {} ›  ←/→", clean(&who))
    } else {
        clean(&who).into_owned()
    };
    f.render_widget(
        Paragraph::new(Span::styled(
            fit(&shown, usize::from(c[1].width)),
            if on { theme.text } else { theme.dim },
        )),
        c[1],
    );
    field(f, rows[5], "Body", TaskField::Body, &form.body);
    let foot = match &form.error {
        Some(e) => Span::styled(clean(e).into_owned(), theme.error),
        None => Span::styled(
            "tab: next field · ctrl-s or enter on body: save · esc: cancel",
            theme.dim,
        ),
    };
    f.render_widget(Paragraph::new(foot), rows[7]);
}
