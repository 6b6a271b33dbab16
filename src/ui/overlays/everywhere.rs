//! The search over every location.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

use super::*;
use crate::app::overlays::everywhere::Everywhere;
use crate::ui::fit_pad;

pub(super) fn render(e: &Everywhere, s: &State, f: &mut Frame, area: Rect, theme: &Theme) {
    let r = centered(
        area,
        area.width.saturating_sub(4).min(120),
        area.height.saturating_sub(2),
    );
    f.render_widget(Clear, r);
    let here = e
        .found
        .hits
        .iter()
        .filter(|h| h.location_id == s.location)
        .count();
    let hint = if e.query().trim().is_empty() {
        "Type to search every location synced here.".to_string()
    } else if e.searching && e.open_when_done {
        "Searching every location… enter opens the first hit when it comes (a move takes it back)."
            .to_string()
    } else if e.searching && e.found.hits.is_empty() {
        "Searching every location…".to_string()
    } else {
        let n = e.found.hits.len();
        let more = if n >= crate::app::overlays::everywhere::LIMIT {
            " (the best)"
        } else {
            ""
        };
        format!(
            "{n}{more} hit{} in {} location{}, {here} here{}",
            if n == 1 { "" } else { "s" },
            e.found.searched,
            if e.found.searched == 1 { "" } else { "s" },
            if e.searching { " · searching…" } else { "" }
        )
    };
    let list = prompt(
        f,
        r,
        "Every location",
        &e.input,
        e.error.as_deref(),
        &hint,
        theme,
    );
    if list.height == 0 {
        return;
    }
    // The last two rows: what was left out, and the keys.
    let rows = usize::from(list.height.saturating_sub(2));
    let width = usize::from(list.width);
    let label_w = e
        .found
        .hits
        .iter()
        .map(|h| unicode_width::UnicodeWidthStr::width(clean(&h.label).as_ref()))
        .max()
        .unwrap_or(0)
        .min(20);
    let name_w = (width / 3).clamp(10, 30);
    let offset = e.selected.saturating_sub(rows.saturating_sub(1));
    let mut lines: Vec<Line> = e
        .found
        .hits
        .iter()
        .enumerate()
        .skip(offset)
        .take(rows)
        .map(|(i, h)| {
            let selected = i == e.selected;
            let st = if selected { theme.selected } else { theme.text };
            let side = if selected { theme.selected } else { theme.dim };
            let c = &h.contact;
            let rest: Vec<String> = [&c.company_name, &c.email, &c.phone]
                .into_iter()
                .flatten()
                .filter(|v| !v.trim().is_empty())
                .map(|v| clean(v).into_owned())
                .collect();
            // This location's own hits in the title's colour, the
            // others' in the accent.
            let label_st = match (selected, h.location_id == s.location) {
                (true, _) => st,
                (false, true) => theme.title,
                (false, false) => theme.accent,
            };
            let rest_w = width.saturating_sub(label_w + name_w + 3);
            Line::from(vec![
                Span::styled(
                    format!(" {} ", fit_pad(&clean(&h.label), label_w.max(1))),
                    label_st,
                ),
                Span::styled(
                    format!("{} ", fit_pad(&clean(&c.display_name()), name_w)),
                    st,
                ),
                Span::styled(fit(&rest.join(" · "), rest_w), side),
            ])
        })
        .collect();
    while lines.len() < rows {
        lines.push(Line::default());
    }
    let skipped = match e.found.skipped.as_slice() {
        [] => String::new(),
        [one] => format!(" Left out: {}", clean(one)),
        [first, more @ ..] => format!(" Left out: {} (and {} more)", clean(first), more.len()),
    };
    lines.push(Line::from(Span::styled(fit(&skipped, width), theme.error)));
    lines.push(Line::from(Span::styled(
        fit(
            &format!(
                " enter: open (another location switches profile) · ↑↓ · {}: this location · esc: close",
                s.keymap.key_for(crate::keymap::Action::Everywhere)
            ),
            width,
        ),
        theme.dim,
    )));
    f.render_widget(Paragraph::new(lines), list);
}
