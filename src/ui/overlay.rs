//! Overlays: HelpOverlay, ConfirmDialog, TagPrompt, TaskForm, NoteEditor.

use ratatui::Frame;
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};
use ratatui_textarea::TextArea;

use super::{clean, fit};
use crate::app::forms::{TagMode, TaskField, text_of};
use crate::app::{Overlay, State, tag_suggestions};
use crate::keymap::{Binding, Context};
use crate::theme::Theme;

fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let [v] = Layout::vertical([Constraint::Length(height.min(area.height))])
        .flex(Flex::Center)
        .areas(area);
    let [h] = Layout::horizontal([Constraint::Length(width.min(area.width))])
        .flex(Flex::Center)
        .areas(v);
    h
}

fn boxed<'a>(title: &str, theme: &Theme) -> Block<'a> {
    Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border_focused)
        .title(Span::styled(format!(" {title} "), theme.title))
}

/// A text area drawn with or without its cursor.
fn input(f: &mut Frame, t: &TextArea<'static>, area: Rect, focused: bool, theme: &Theme) {
    let mut t = t.clone();
    t.set_cursor_line_style(Style::default());
    if !focused {
        t.set_cursor_style(Style::default());
    }
    t.set_style(if focused { theme.text } else { theme.dim });
    f.render_widget(&t, area);
}

pub fn render(s: &State, f: &mut Frame, area: Rect, theme: &Theme) {
    let Some(o) = &s.overlay else { return };
    match o {
        Overlay::Help => help(f, area, s.keymap.bindings(), theme),
        Overlay::Outbox(v) => outbox(v, f, area, theme),
        Overlay::Confirm(c) => {
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
        Overlay::Tags(p) => {
            let suggestions = tag_suggestions(s, p);
            let r = centered(area, 50, 12);
            f.render_widget(Clear, r);
            let title = match p.mode {
                TagMode::Add => "Add tags",
                TagMode::Remove => "Remove tags",
            };
            let block = boxed(title, theme);
            let inner = block.inner(r);
            f.render_widget(block, r);
            let [line, hint, list] = Layout::vertical([
                Constraint::Length(1),
                Constraint::Length(1),
                Constraint::Min(0),
            ])
            .areas(inner);
            input(f, &p.input, line, true, theme);
            let hint_text = match &p.error {
                Some(e) => Span::styled(clean(e).into_owned(), theme.error),
                None => Span::styled("tab: complete · enter: apply · esc: cancel", theme.dim),
            };
            f.render_widget(Paragraph::new(hint_text), hint);
            let mut lines: Vec<Line> = Vec::new();
            if p.mode == TagMode::Add && s.location_tags.loaded().is_none() {
                lines.push(Line::from(Span::styled(
                    "loading the location's tags…",
                    theme.dim,
                )));
            }
            for (i, t) in suggestions
                .iter()
                .enumerate()
                .take(usize::from(list.height))
            {
                let st = if i == p.selected {
                    theme.selected
                } else {
                    theme.tag
                };
                lines.push(Line::from(Span::styled(
                    format!("#{}", fit(&clean(t), 44)),
                    st,
                )));
            }
            f.render_widget(Paragraph::new(lines), list);
        }
        Overlay::Task(form) => {
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
            let cols = |row: Rect| {
                Layout::horizontal([Constraint::Length(7), Constraint::Min(0)]).split(row)
            };
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
            let echo =
                match crate::due::parse_due(&text_of(&form.due), s.now.with_timezone(&s.zone)) {
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
        Overlay::Contact(form) => {
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
        Overlay::Copy(c) => {
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
        Overlay::Palette(p) => {
            let matches = crate::app::palette_matches(&s.keymap, p);
            let h = (matches.len() as u16 + 4).max(6).min(area.height.min(20));
            let r = centered(area, 70, h);
            f.render_widget(Clear, r);
            let block = boxed("Command", theme);
            let inner = block.inner(r);
            f.render_widget(block, r);
            let [line, list] =
                Layout::vertical([Constraint::Length(1), Constraint::Min(0)]).areas(inner);
            let [colon, field] =
                Layout::horizontal([Constraint::Length(2), Constraint::Min(1)]).areas(line);
            f.render_widget(Paragraph::new(Span::styled(":", theme.accent)), colon);
            input(f, &p.input, field, true, theme);
            let offset = p
                .selected
                .saturating_sub(usize::from(list.height).saturating_sub(1));
            let lines: Vec<Line> = matches
                .iter()
                .enumerate()
                .skip(offset)
                .take(usize::from(list.height))
                .map(|(i, b)| {
                    let st = if i == p.selected {
                        theme.selected
                    } else {
                        theme.text
                    };
                    Line::from(vec![
                        Span::styled(format!(" {:<24}", b.help), st),
                        Span::styled(
                            format!("{:<15}", b.action.name()),
                            if i == p.selected { st } else { theme.dim },
                        ),
                        Span::styled(
                            format!("{:>12} ", b.keys.join(",")),
                            if i == p.selected { st } else { theme.dim },
                        ),
                    ])
                })
                .collect();
            f.render_widget(Paragraph::new(lines), list);
        }
        Overlay::Profiles(selected) => {
            let h = (s.profiles.len() as u16 + 4).min(area.height);
            let r = centered(area, 44, h);
            f.render_widget(Clear, r);
            let mut lines: Vec<Line> = s
                .profiles
                .iter()
                .enumerate()
                .map(|(i, p)| {
                    let here = if *p == s.profile { " (current)" } else { "" };
                    let st = if i == *selected {
                        theme.selected
                    } else {
                        theme.text
                    };
                    Line::from(Span::styled(format!(" {}{here}", fit(&clean(p), 34)), st))
                })
                .collect();
            lines.push(Line::default());
            lines.push(Line::from(Span::styled(
                " enter: switch · esc: cancel",
                theme.dim,
            )));
            f.render_widget(Paragraph::new(lines).block(boxed("Profiles", theme)), r);
        }
        Overlay::Note(n) => {
            let w = area.width.saturating_sub(8).clamp(20, 90);
            let h = area.height.saturating_sub(4).clamp(6, 20);
            let r = centered(area, w, h);
            f.render_widget(Clear, r);
            let block = boxed(
                if n.editing.is_some() {
                    "Edit note"
                } else {
                    "New note"
                },
                theme,
            );
            let inner = block.inner(r);
            f.render_widget(block, r);
            let [text, foot] =
                Layout::vertical([Constraint::Min(1), Constraint::Length(1)]).areas(inner);
            input(f, &n.body, text, true, theme);
            let hint = if n.confirm_discard {
                Span::styled(
                    "unsaved text: esc again discards it, ctrl-s saves",
                    theme.error,
                )
            } else {
                Span::styled("ctrl-s: save · ctrl-e: $EDITOR · esc: cancel", theme.dim)
            };
            f.render_widget(Paragraph::new(hint), foot);
        }
    }
}

fn help_group(
    bindings: &[Binding],
    ctx: Context,
    key_w: usize,
    theme: &Theme,
) -> Vec<Line<'static>> {
    let mut lines = vec![Line::from(Span::styled(ctx.title(), theme.title))];
    for b in bindings
        .iter()
        .filter(|b| b.context == ctx && !b.keys.is_empty())
    {
        lines.push(Line::from(vec![
            Span::styled(format!("  {:<key_w$}", b.keys.join(",")), theme.highlight),
            Span::raw(b.help),
        ]));
    }
    lines
}

/// Generated from the keymap table; two columns when one does not fit.
fn help(f: &mut Frame, area: Rect, bindings: &[Binding], theme: &Theme) {
    let key_w = bindings
        .iter()
        .map(|b| b.keys.join(",").len())
        .max()
        .unwrap_or(10)
        + 1;
    let groups: Vec<Vec<Line>> = [Context::Global, Context::List, Context::Detail]
        .into_iter()
        .map(|c| help_group(bindings, c, key_w, theme))
        .collect();
    let one_column: usize = groups.iter().map(|g| g.len() + 1).sum::<usize>() + 1;
    let footer = Line::from(Span::styled("any key closes this help", theme.dim));
    if one_column + 2 <= usize::from(area.height) {
        let mut lines: Vec<Line> = Vec::new();
        for g in groups {
            lines.extend(g);
            lines.push(Line::default());
        }
        lines.push(footer);
        let r = centered(area, 64, lines.len() as u16 + 2);
        f.render_widget(Clear, r);
        f.render_widget(Paragraph::new(lines).block(boxed("Keys", theme)), r);
        return;
    }
    // Two columns, filled in reading order, split near the middle at a
    // group boundary when one is close.
    let mut all: Vec<Line> = Vec::new();
    let mut starts = Vec::new();
    for g in groups {
        if !all.is_empty() {
            all.push(Line::default());
        }
        starts.push(all.len());
        all.extend(g);
    }
    all.push(Line::default());
    all.push(footer);
    let half = all.len().div_ceil(2);
    let split = starts
        .iter()
        .copied()
        .filter(|s| s.abs_diff(half) <= 3)
        .min_by_key(|s| s.abs_diff(half))
        .unwrap_or(half);
    let right: Vec<Line> = all.split_off(split);
    let left = all;
    let h = (left.len().max(right.len()) as u16 + 2).min(area.height);
    let r = centered(area, area.width, h);
    f.render_widget(Clear, r);
    let block = boxed("Keys", theme);
    let inner = block.inner(r);
    f.render_widget(block, r);
    let [l, rr] =
        Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(inner);
    f.render_widget(Paragraph::new(left), l);
    f.render_widget(Paragraph::new(right), rr);
}

/// The outbox: edits waiting for HighLevel, and those it refused.
fn outbox(v: &crate::app::local::OutboxView, f: &mut Frame, area: Rect, theme: &Theme) {
    use crate::cache::outbox::EntryState;
    let r = centered(
        area,
        area.width.saturating_sub(8).clamp(40, 110),
        area.height.saturating_sub(4).clamp(8, 30),
    );
    f.render_widget(Clear, r);
    let block = boxed("Outbox", theme).title_bottom(
        Line::from(Span::styled(
            " r: send again · e: edit · d: discard · esc: close ",
            theme.dim,
        ))
        .right_aligned(),
    );
    let inner = block.inner(r);
    f.render_widget(block, r);
    let width = usize::from(inner.width);
    // After a damaged outbox file: said first, and never "all confirmed".
    let inner = match &v.lost {
        Some(lost) => {
            let text = clean(lost).into_owned();
            let rows = (text.chars().count() / width.max(1) + 2).min(usize::from(inner.height / 2));
            let [warning, rest] =
                Layout::vertical([Constraint::Length(rows as u16), Constraint::Min(0)])
                    .areas(inner);
            f.render_widget(
                Paragraph::new(Span::styled(text, theme.error)).wrap(Wrap { trim: true }),
                warning,
            );
            rest
        }
        None => inner,
    };
    let Some(entries) = &v.entries else {
        f.render_widget(
            Paragraph::new(Span::styled("Reading the outbox…", theme.dim)),
            inner,
        );
        return;
    };
    if entries.is_empty() {
        f.render_widget(
            Paragraph::new(Span::styled(
                if v.lost.is_some() {
                    "Nothing waiting in the outbox now (see the warning above)."
                } else {
                    "Nothing waiting: HighLevel has confirmed every edit."
                },
                theme.dim,
            )),
            inner,
        );
        return;
    }
    let mut lines = Vec::new();
    for (i, e) in entries.iter().enumerate() {
        let selected = i == v.selected;
        let (mark, style) = match e.state {
            EntryState::Pending => ("pending  ", theme.accent),
            EntryState::Attention => ("REFUSED  ", theme.error),
        };
        let base = if selected { theme.selected } else { theme.text };
        let mut text = clean(&e.description).into_owned();
        if e.attempts > 0 {
            text.push_str(&format!("  ({} tries)", e.attempts));
        }
        let text = fit(&text, width.saturating_sub(mark.len()));
        let pad =
            width.saturating_sub(mark.len() + unicode_width::UnicodeWidthStr::width(text.as_str()));
        lines.push(Line::from(vec![
            Span::styled(mark, if selected { base } else { style }),
            Span::styled(text, base),
            Span::styled(" ".repeat(if selected { pad } else { 0 }), base),
        ]));
        if let Some(err) = &e.error
            && (selected || e.state == EntryState::Attention)
        {
            lines.push(Line::from(Span::styled(
                fit(&format!("         {}", clean(err)), width),
                theme.dim,
            )));
        }
    }
    // Keep the selected entry on screen.
    let height = usize::from(inner.height);
    let at = lines
        .iter()
        .take(entries.len() * 2)
        .position(|l| l.spans.first().is_some_and(|sp| sp.style == theme.selected))
        .unwrap_or(0);
    let skip = at.saturating_sub(height.saturating_sub(1));
    f.render_widget(
        Paragraph::new(lines.into_iter().skip(skip).collect::<Vec<_>>()),
        inner,
    );
}
