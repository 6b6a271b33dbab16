//! The workflow and campaign picker.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

use super::*;
use crate::app::{AutoChoice, AutoKind, AutoPicker, Remote, auto_choices};

pub(super) fn render(p: &AutoPicker, s: &State, f: &mut Frame, area: Rect, theme: &Theme) {
    let choices = auto_choices(s, p);
    let r = centered(area, 64, 16);
    f.render_widget(Clear, r);
    let who = clean(&p.label);
    let (title, hint) = match (p.kind, p.add) {
        (AutoKind::Workflow, true) => (
            format!("Put {who} in a workflow"),
            "type to narrow · enter: enroll · tab: take out instead · esc",
        ),
        (AutoKind::Workflow, false) => (
            format!("Take {who} out of a workflow"),
            "type to narrow · enter: take out · tab: enroll instead · esc",
        ),
        (AutoKind::Campaign, _) => (
            format!("Take {who} out of a campaign"),
            "type to narrow · ↑↓ · enter: take out · esc",
        ),
    };
    let list = prompt(f, r, &title, &p.input, p.error.as_deref(), hint, theme);
    let width = usize::from(list.width);
    let mut lines: Vec<Line> = Vec::new();
    match s.automation_list(p.kind) {
        Remote::Idle | Remote::Loading => lines.push(Line::from(Span::styled(
            "loading the location's list…",
            theme.dim,
        ))),
        Remote::Failed(e) => lines.push(Line::from(Span::styled(
            fit(&format!("cannot be read: {}", clean(e)), width),
            theme.error,
        ))),
        Remote::Loaded(v) if v.is_empty() => {
            lines.push(Line::from(Span::styled("the location has none", theme.dim)))
        }
        Remote::Loaded(_) => {}
    }
    let rows = usize::from(list.height).saturating_sub(lines.len());
    let offset = p.selected.saturating_sub(rows.saturating_sub(1));
    for (i, c) in choices.iter().enumerate().skip(offset).take(rows) {
        let st = if i == p.selected {
            theme.selected
        } else {
            theme.text
        };
        let text = match c {
            AutoChoice::AllCampaigns => "every campaign".to_string(),
            AutoChoice::Item { name, status, .. } => {
                let status = status.as_deref().map(clean).unwrap_or_default();
                let name = fit(
                    &clean(name),
                    width.saturating_sub(status.chars().count() + 3),
                );
                let pad = width.saturating_sub(name.chars().count() + status.chars().count() + 1);
                format!("{name}{}{status}", " ".repeat(pad.max(1)))
            }
        };
        lines.push(Line::from(Span::styled(
            fit(&format!(" {text}"), width),
            st,
        )));
    }
    f.render_widget(Paragraph::new(lines), list);
}
