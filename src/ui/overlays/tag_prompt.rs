//! The tag prompt and its suggestions.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

use super::*;

pub(super) fn render(
    p: &crate::app::TagPrompt,
    s: &State,
    f: &mut Frame,
    area: Rect,
    theme: &Theme,
) {
    let suggestions = tag_suggestions(s, p);
    let r = centered(area, 50, 12);
    f.render_widget(Clear, r);
    let title = match (p.mode, p.bulk.len()) {
        (TagMode::Add, 0) => "Add tags".to_string(),
        (TagMode::Remove, 0) => "Remove tags".to_string(),
        (TagMode::Add, n) => format!("Add tags to {n} contacts"),
        (TagMode::Remove, n) => format!("Remove tags from {n} contacts"),
    };
    let list = prompt(
        f,
        r,
        &title,
        &p.input,
        p.error.as_deref(),
        "tab: complete · enter: apply · esc: cancel",
        theme,
    );
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
