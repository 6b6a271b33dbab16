//! The help overlay, generated from the keymap.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

use super::*;
use crate::keymap::{Binding, Context};

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

/// Generated from the keymap table; two columns when one does not fit,
/// and one that scrolls (j/k) when two do not either.
pub(super) fn render(f: &mut Frame, area: Rect, bindings: &[Binding], at: u16, theme: &Theme) {
    let key_w = bindings
        .iter()
        .map(|b| b.keys.join(",").len())
        .max()
        .unwrap_or(10)
        + 1;
    let groups: Vec<Vec<Line>> = [
        Context::Global,
        Context::List,
        Context::Detail,
        Context::Agenda,
        Context::Board,
        Context::Inbox,
    ]
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
    if one_column.div_ceil(2) + 2 > usize::from(area.height) {
        // Taller than two columns: one, scrolled.
        let rows = usize::from(area.height.saturating_sub(3)).max(1);
        let mut lines: Vec<Line> = Vec::new();
        for g in groups {
            lines.extend(g);
            lines.push(Line::default());
        }
        let at = usize::from(at).min(lines.len().saturating_sub(rows));
        let more = lines.len() > at + rows;
        let mut shown: Vec<Line> = lines.into_iter().skip(at).take(rows).collect();
        shown.push(Line::from(Span::styled(
            if more || at > 0 {
                "j/k: scroll · any other key closes"
            } else {
                "any key closes this help"
            },
            theme.dim,
        )));
        let r = centered(area, 64.min(area.width), shown.len() as u16 + 2);
        f.render_widget(Clear, r);
        f.render_widget(Paragraph::new(shown).block(boxed("Keys", theme)), r);
        return;
    }
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
