//! The booking panel: the calendars, then a calendar's free slots by day
//! (in the location's zone), with a line to type a time into.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

use super::*;
use crate::app::{BookingPanel, BookingStep, Remote};

pub(super) fn render(p: &BookingPanel, s: &State, f: &mut Frame, area: Rect, theme: &Theme) {
    let width = area.width.saturating_sub(4).min(72);
    let height = area.height.saturating_sub(2).min(24);
    let w = usize::from(width.saturating_sub(2));
    let rows = usize::from(height.saturating_sub(2));
    let mut lines: Vec<Line> = Vec::new();
    match &p.step {
        BookingStep::Calendar(at) => {
            lines.push(Line::from(Span::styled("Which calendar?", theme.title)));
            match &s.calendars {
                Remote::Loaded(cals) if cals.is_empty() => {
                    lines.push(Line::from(Span::styled(
                        " The location has no calendars.",
                        theme.dim,
                    )));
                }
                Remote::Loaded(cals) => {
                    for (i, c) in cals.iter().enumerate() {
                        let style = if i == *at { theme.selected } else { theme.text };
                        lines.push(Line::from(Span::styled(
                            format!(" {}", fit(&clean(&c.name), w.saturating_sub(2))),
                            style,
                        )));
                    }
                }
                Remote::Failed(e) => lines.push(Line::from(Span::styled(
                    fit(&format!(" failed: {}", clean(e)), w),
                    theme.error,
                ))),
                _ => lines.push(Line::from(Span::styled(" loading…", theme.dim))),
            }
            lines.push(Line::raw(""));
            lines.push(Line::from(Span::styled(
                "enter: its free slots · esc: close",
                theme.dim,
            )));
        }
        BookingStep::Slots {
            calendar,
            slots,
            cursor,
            typed,
        } => {
            lines.push(Line::from(Span::styled(
                fit(
                    &format!(
                        "{}: free slots, next 7 days ({})",
                        clean(&calendar.name),
                        s.zone.name()
                    ),
                    w,
                ),
                theme.title,
            )));
            lines.push(Line::from(vec![
                Span::styled("Jump to: ", theme.dim),
                Span::styled(format!("{}▏", clean(typed)), theme.text),
            ]));
            match slots {
                Remote::Loaded(v) if v.is_empty() => lines.push(Line::from(Span::styled(
                    " No free slot in the next 7 days.",
                    theme.dim,
                ))),
                Remote::Loaded(v) => {
                    // Day by day, as many as fit, the cursor's day in view.
                    let room = rows.saturating_sub(4).max(1);
                    let mut body: Vec<(bool, Line)> = Vec::new();
                    let mut day = None;
                    let mut cursor_row = 0;
                    for (i, slot) in v.iter().enumerate() {
                        let t = slot.with_timezone(&s.zone);
                        let d = t.date_naive();
                        if day != Some(d) {
                            day = Some(d);
                            body.push((
                                false,
                                Line::from(Span::styled(
                                    t.format("%a %b %-d").to_string(),
                                    theme.accent,
                                )),
                            ));
                        }
                        if i == *cursor {
                            cursor_row = body.len();
                        }
                        let style = if i == *cursor {
                            theme.selected
                        } else {
                            theme.text
                        };
                        body.push((
                            i == *cursor,
                            Line::from(Span::styled(format!("  {}", t.format("%H:%M")), style)),
                        ));
                    }
                    let first = cursor_row.saturating_sub(room.saturating_sub(1));
                    lines.extend(body.into_iter().skip(first).take(room).map(|(_, l)| l));
                }
                Remote::Failed(e) => lines.push(Line::from(Span::styled(
                    fit(&format!(" failed: {}", clean(e)), w),
                    theme.error,
                ))),
                _ => lines.push(Line::from(Span::styled(" loading…", theme.dim))),
            }
            lines.push(Line::from(Span::styled(
                fit(
                    "j/k: slot · type fri 10am + enter: nearest · enter: book · esc: back",
                    w,
                ),
                theme.dim,
            )));
        }
    }
    // As tall as what it shows.
    let r = centered(area, width, (lines.len() as u16 + 2).min(height));
    f.render_widget(Clear, r);
    let title = format!("Book · {}", clean(&p.contact_name));
    let block = boxed(&fit(&title, usize::from(width.saturating_sub(6))), theme);
    let inner = block.inner(r);
    f.render_widget(block, r);
    f.render_widget(Paragraph::new(lines), inner);
}
