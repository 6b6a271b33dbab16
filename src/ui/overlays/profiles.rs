//! The profile switcher.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

use super::*;

pub(super) fn render(selected: usize, s: &State, f: &mut Frame, area: Rect, theme: &Theme) {
    let h = (s.profiles.len() as u16 + 4).min(area.height);
    let r = centered(area, 44, h);
    f.render_widget(Clear, r);
    let mut lines: Vec<Line> = s
        .profiles
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let here = if *p == s.profile { " (current)" } else { "" };
            let st = if i == selected {
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
