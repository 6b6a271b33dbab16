//! The appointment status picker.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

use super::*;
use crate::app::StatusPicker;
use crate::app::overlays::appointment_status::CHOICES;

pub(super) fn render(p: &StatusPicker, s: &State, f: &mut Frame, area: Rect, theme: &Theme) {
    let r = centered(area, 52, CHOICES.len() as u16 + 5);
    f.render_widget(Clear, r);
    let when = p
        .appointment
        .start()
        .map(|t| {
            t.with_timezone(&s.zone)
                .format("%a %b %-d %H:%M")
                .to_string()
        })
        .unwrap_or_default();
    let title = format!(
        "{} · {when}",
        clean(p.appointment.title.as_deref().unwrap_or("Appointment"))
    );
    let block = boxed(&fit(&title, 46), theme);
    let inner = block.inner(r);
    f.render_widget(block, r);
    let now = p.appointment.appointment_status.as_deref();
    let mut lines: Vec<Line> = CHOICES
        .iter()
        .enumerate()
        .map(|(i, (key, label))| {
            let style = if i == p.cursor {
                theme.selected
            } else {
                theme.text
            };
            let here = if Some(*key) == now { " (now)" } else { "" };
            Line::from(Span::styled(format!(" {} {label}{here}", i + 1), style))
        })
        .collect();
    lines.push(Line::raw(""));
    lines.push(Line::from(Span::styled(
        fit(
            "1-5 or enter: set · esc: leave it",
            usize::from(inner.width),
        ),
        theme.dim,
    )));
    f.render_widget(Paragraph::new(lines), inner);
}
