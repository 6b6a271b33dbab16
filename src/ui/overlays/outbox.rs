//! The outbox view.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Wrap};

use super::*;

/// The outbox: edits waiting for HighLevel, and those it refused.
pub(super) fn render(v: &crate::app::local::OutboxView, f: &mut Frame, area: Rect, theme: &Theme) {
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
            EntryState::Attention
                if e.error.as_deref() == Some(crate::cache::outbox::MAY_HAVE_BEEN_SENT) =>
            {
                ("UNSURE   ", theme.error)
            }
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
