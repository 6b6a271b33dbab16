//! The do-not-disturb panel.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

use super::*;
use crate::app::DndPanel;

pub(super) fn render(p: &DndPanel, f: &mut Frame, area: Rect, theme: &Theme) {
    let r = centered(area, 64, p.rows.len() as u16 + 7);
    f.render_widget(Clear, r);
    let title = format!("Do not disturb · {}", clean(&p.contact.display_name()));
    let block = boxed(&fit(&title, 56), theme);
    let inner = block.inner(r);
    f.render_widget(block, r);
    let width = usize::from(inner.width);
    let mark = |status: &str| match status {
        "active" => "[x]",
        "permanent" => "[!]",
        _ => "[ ]",
    };
    let row = |i: usize, mark: &str, name: &str, what: String| {
        let on = i == p.cursor;
        let st = if on { theme.selected } else { theme.text };
        Line::from(vec![
            Span::styled(format!(" {mark} {name:<14}"), st),
            Span::styled(
                fit(&what, width.saturating_sub(20)),
                if on { st } else { theme.dim },
            ),
        ])
    };
    let mut lines = vec![row(
        0,
        if p.all_on() { "[x]" } else { "[ ]" },
        "All channels",
        if p.all_on() {
            "nothing reaches them".into()
        } else {
            String::new()
        },
    )];
    for (i, d) in p.rows.iter().enumerate() {
        let what = match (d.status.as_str(), &d.message) {
            ("permanent", m) => format!(
                "permanent{}",
                m.as_ref()
                    .map(|m| format!(": {}", clean(m)))
                    .unwrap_or_default()
            ),
            ("active", Some(m)) => clean(m).into_owned(),
            ("active", None) => "off limits".into(),
            _ => String::new(),
        };
        lines.push(row(i + 1, mark(&d.status), &d.channel, what));
    }
    lines.push(Line::raw(""));
    lines.push(Line::from(Span::styled(
        fit(
            "space: on/off · enter: save · esc: leave as it was · [!] permanent: HighLevel's, kept",
            width,
        ),
        theme.dim,
    )));
    if p.changed() {
        lines.push(Line::from(Span::styled(
            "changed: enter saves",
            theme.accent,
        )));
    }
    f.render_widget(Paragraph::new(lines), inner);
}
