//! The command palette.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

use super::*;

pub(super) fn render(p: &crate::app::Palette, s: &State, f: &mut Frame, area: Rect, theme: &Theme) {
    use crate::app::PaletteEntry;
    let entries = crate::app::palette_entries(s, p);
    let h = (entries.len() as u16 + 4).max(6).min(area.height.min(20));
    let r = centered(area, 70, h);
    f.render_widget(Clear, r);
    let block = boxed("Command", theme);
    let inner = block.inner(r);
    f.render_widget(block, r);
    let [line, list] = Layout::vertical([Constraint::Length(1), Constraint::Min(0)]).areas(inner);
    let [colon, field] =
        Layout::horizontal([Constraint::Length(2), Constraint::Min(1)]).areas(line);
    f.render_widget(Paragraph::new(Span::styled(":", theme.accent)), colon);
    input(f, &p.input, field, true, theme);
    let offset = p
        .selected
        .saturating_sub(usize::from(list.height).saturating_sub(1));
    // The description takes what the name and keys leave, cut to fit.
    let help_w = usize::from(list.width).saturating_sub(1 + 15 + 15).max(8);
    let lines: Vec<Line> = entries
        .iter()
        .enumerate()
        .skip(offset)
        .take(usize::from(list.height))
        .map(|(i, e)| {
            let st = if i == p.selected {
                theme.selected
            } else {
                theme.text
            };
            let side = if i == p.selected { st } else { theme.dim };
            let (help, name, keys) = match e {
                PaletteEntry::Action(b) => (b.help.to_string(), b.action.name(), b.keys.join(",")),
                PaletteEntry::Recall(n) => {
                    let x = &s.saved[*n];
                    (
                        format!("recall: {}", clean(&x.query)),
                        format!("@{}", clean(&x.name)),
                        if *n < 9 {
                            (n + 1).to_string()
                        } else {
                            String::new()
                        },
                    )
                }
                PaletteEntry::Save(n) => (
                    format!("save the search in force as @{}", clean(n)),
                    "save".into(),
                    "enter".into(),
                ),
                PaletteEntry::Forget(n) => (
                    format!("forget the saved search @{}", clean(n)),
                    "forget".into(),
                    "enter".into(),
                ),
            };
            Line::from(vec![
                Span::styled(format!(" {:<help_w$}", fit(&help, help_w - 1)), st),
                Span::styled(format!("{:<15}", fit(&name, 14)), side),
                Span::styled(format!("{:>14} ", fit(&keys, 14)), side),
            ])
        })
        .collect();
    f.render_widget(Paragraph::new(lines), list);
}
