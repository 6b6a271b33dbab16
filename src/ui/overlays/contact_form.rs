//! The contact form: the contact's own fields, then the location's custom
//! fields, scrolled so the focused row is always in view.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

use super::*;
use crate::app::overlays::field_input::{Editor, FieldInput};

pub(super) fn render(form: &crate::app::ContactForm, f: &mut Frame, area: Rect, theme: &Theme) {
    let rows = form.rows();
    let r = centered(area, 76, rows as u16 + 4);
    f.render_widget(Clear, r);
    let title = match &form.editing {
        Some(_) => "Edit contact",
        None => "New contact",
    };
    let block = boxed(title, theme);
    let inner = block.inner(r);
    f.render_widget(block, r);
    let [body, _, foot] = Layout::vertical([
        Constraint::Min(1),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(inner);
    // The rows in view: the focused one, and as many around it as fit.
    let room = usize::from(body.height).max(1);
    let first = form
        .focus
        .saturating_sub(room - 1)
        .min(rows.saturating_sub(room));
    let label_w = form
        .inputs
        .iter()
        .map(|(k, _)| k.label().chars().count())
        .chain(form.fields.iter().map(|x| clean(x.label()).chars().count()))
        .max()
        .unwrap_or(8)
        .clamp(12, 20) as u16;
    for (n, i) in (first..rows.min(first + room)).enumerate() {
        let row = Rect {
            y: body.y + n as u16,
            height: 1,
            ..body
        };
        let on = i == form.focus;
        let (label, problem) = match form.inputs.get(i) {
            Some((kind, t)) => (
                kind.label().to_string(),
                kind.check(&text_of(t)).map(str::to_string),
            ),
            None => {
                let x = &form.fields[i - form.inputs.len()];
                (clean(x.label()).to_string(), x.value(form.now).err())
            }
        };
        let note_w = if problem.is_some() { 30 } else { 0 };
        let [l, field, note] = Layout::horizontal([
            Constraint::Length(label_w + 1),
            Constraint::Min(10),
            Constraint::Length(note_w),
        ])
        .areas(row);
        f.render_widget(
            Paragraph::new(Span::styled(
                fit(&label, usize::from(label_w)),
                if on { theme.accent } else { theme.dim },
            )),
            l,
        );
        match form.inputs.get(i) {
            Some((_, t)) => input(f, t, field, on, theme),
            None => render_field(
                &form.fields[i - form.inputs.len()],
                form,
                f,
                field,
                on,
                theme,
            ),
        }
        if let Some(p) = problem {
            f.render_widget(
                Paragraph::new(Span::styled(format!(" {}", fit(&p, 29)), theme.error)),
                note,
            );
        }
    }
    let hint = match form.focused_field().map(|x| &x.editor) {
        Some(Editor::Line(_))
            if form
                .focused_field()
                .is_some_and(|x| x.def.kind() == crate::api::locations::FieldKind::LargeText) =>
        {
            "alt-enter or ctrl-j: new line · tab: next · ctrl-s: save · esc: cancel"
        }
        Some(Editor::Pick { .. })
            if form
                .focused_field()
                .is_some_and(|x| x.def.kind() == crate::api::locations::FieldKind::Many) =>
        {
            "←/→: option · space: tick · tab: next · ctrl-s: save · esc: cancel"
        }
        Some(Editor::Pick { .. }) => {
            "←/→: option · space: choose · tab: next · ctrl-s: save · esc: cancel"
        }
        _ => "tab: next · ctrl-s or enter on the last field: save · esc: cancel",
    };
    let more = if rows > room {
        format!(" ({}/{rows})", form.focus + 1)
    } else {
        String::new()
    };
    let foot_line = match &form.error {
        Some(e) => Line::from(Span::styled(
            fit(&clean(e), usize::from(inner.width)),
            theme.error,
        )),
        None => Line::from(vec![
            Span::styled(
                fit(hint, usize::from(inner.width).saturating_sub(more.len())),
                theme.dim,
            ),
            Span::styled(more, theme.dim),
        ]),
    };
    f.render_widget(Paragraph::new(foot_line), foot);
}

/// A custom field's input: a line, a pick list, or its value read-only.
fn render_field(
    x: &FieldInput,
    form: &crate::app::ContactForm,
    f: &mut Frame,
    area: Rect,
    on: bool,
    theme: &Theme,
) {
    match &x.editor {
        Editor::Line(t) => {
            // A date typed in words shows the day it means.
            let echo = match (x.def.kind(), x.value(form.now)) {
                (crate::api::locations::FieldKind::Date, Ok(serde_json::Value::String(d)))
                    if !d.is_empty() && d != text_of(t).trim() =>
                {
                    Some(format!(" → {d}"))
                }
                (crate::api::locations::FieldKind::LargeText, _) if t.lines().len() > 1 => {
                    Some(format!(" line {}/{}", t.cursor().0 + 1, t.lines().len()))
                }
                _ => None,
            };
            let w = echo.as_ref().map_or(0, |e| e.chars().count() as u16);
            let [a, b] =
                Layout::horizontal([Constraint::Min(6), Constraint::Length(w)]).areas(area);
            input(f, t, a, on, theme);
            if let Some(e) = echo {
                f.render_widget(Paragraph::new(Span::styled(e, theme.dim)), b);
            }
        }
        Editor::Fixed(v) => {
            let shown = format!("{} (not editable here)", clean(v));
            f.render_widget(
                Paragraph::new(Span::styled(
                    fit(&shown, usize::from(area.width)),
                    theme.dim,
                )),
                area,
            );
        }
        Editor::Pick {
            options,
            chosen,
            cursor,
        } => {
            let multi = x.def.kind() == crate::api::locations::FieldKind::Many;
            let width = usize::from(area.width);
            let mut spans = Vec::new();
            let mut used = 0;
            if options.is_empty() {
                spans.push(Span::styled("(no options defined)", theme.dim));
            }
            // Start far enough along that the cursor's option is in view.
            let cell = |i: usize| {
                let mark = match (multi, chosen[i]) {
                    (true, true) => "[x] ",
                    (true, false) => "[ ] ",
                    (false, true) => "(•) ",
                    (false, false) => "( ) ",
                };
                format!("{mark}{}  ", clean(&options[i]))
            };
            // Start far enough along that the cursor's option fits, with
            // the "‹ " before and the "›" after it.
            let mut start = 0;
            while start < *cursor
                && usize::from(start > 0) * 2
                    + (start..=*cursor)
                        .map(|i| cell(i).chars().count())
                        .sum::<usize>()
                    + 1
                    > width
            {
                start += 1;
            }
            if start > 0 {
                spans.push(Span::styled("‹ ", theme.dim));
                used += 2;
            }
            for (i, on_it) in chosen.iter().enumerate().skip(start) {
                let c = cell(i);
                let n = c.chars().count();
                if used + n > width {
                    spans.push(Span::styled("›", theme.dim));
                    break;
                }
                used += n;
                let style = if on && i == *cursor {
                    theme.selected
                } else if *on_it {
                    theme.text
                } else {
                    theme.dim
                };
                spans.push(Span::styled(c, style));
            }
            f.render_widget(Paragraph::new(Line::from(spans)), area);
        }
    }
}
