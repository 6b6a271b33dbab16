//! ContactList: the left pane, with the search line and match highlights.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use unicode_width::UnicodeWidthStr;

use super::{clean, fit};
use crate::app::{Focus, Remote, State};
use crate::theme::Theme;

/// The list pane's search line (empty when hidden) and its rows.
pub(super) fn areas(s: &State, area: Rect) -> (Rect, Rect) {
    let inner = super::pane(false, &s.theme).inner(area);
    let show_search = s.focus == Focus::Search || !s.list.query.is_empty();
    let [search_area, rows_area] = Layout::vertical([
        Constraint::Length(u16::from(show_search)),
        Constraint::Min(0),
    ])
    .areas(inner);
    (search_area, rows_area)
}

pub fn render(s: &State, f: &mut Frame, area: Rect, theme: &Theme) {
    let focused = matches!(s.focus, Focus::List | Focus::Search);
    let count = if let Some(n) = s.local.cached {
        format!(" Contacts {n} ")
    } else if s.list.effective_query().is_empty() {
        format!(" Contacts {} ", s.list.len())
    } else {
        format!(" Contacts {}/{} ", s.list.hits.len(), s.list.len())
    };
    let mut title = vec![Span::styled(count, theme.title)];
    if let Some(total) = s.list.total_on_server.filter(|t| *t > s.list.len() as u64) {
        title.push(Span::styled(format!("of {total} "), theme.dim));
    }
    // The filters that stay: mine, and the saved search recalled.
    if s.list.mine {
        title.push(Span::styled(" mine ", theme.accent));
    }
    if let Some((name, q)) = &s.list.pinned {
        title.push(Span::styled(format!(" @{} ", clean(name)), theme.accent));
        title.push(Span::styled(format!("{} ", fit(&clean(q), 40)), theme.dim));
    }
    if let Some(p) = s.list.filter.problems.first() {
        title.push(Span::styled(
            format!(" ✗ {} ", fit(&clean(p), 60)),
            theme.error,
        ));
    }
    let position = if s.list.hits.is_empty() {
        String::new()
    } else {
        format!(" {}/{} ", s.list.selected + 1, s.list.hits.len())
    };
    let block = super::pane(focused, theme)
        .title(Line::from(title))
        .title_bottom(Line::from(Span::styled(position, theme.dim)).right_aligned());
    f.render_widget(block, area);

    let (search_area, rows_area) = areas(s, area);
    if search_area.height > 0 {
        let mut spans = vec![
            Span::styled("/", theme.accent),
            Span::raw(clean(&s.list.query).into_owned()),
        ];
        if s.focus == Focus::Search {
            spans.push(Span::styled("█", theme.accent));
        }
        // What of it could not be read as a filter, where the eye is.
        if let Some(p) = s.list.filter.problems.first() {
            let used: usize = spans.iter().map(|x| x.content.width()).sum();
            let room = usize::from(search_area.width).saturating_sub(used + 2);
            spans.push(Span::styled(
                format!("  {}", fit(&clean(p), room)),
                theme.error,
            ));
        }
        f.render_widget(Paragraph::new(Line::from(spans)), search_area);
    }

    let width = usize::from(rows_area.width);
    if s.list.hits.is_empty() {
        let msg = match &s.list.status {
            _ if s.list.facts_due => "Reading what the filters look at…".to_string(),
            Remote::Loading | Remote::Idle => "Loading contacts…".to_string(),
            Remote::Failed(e) => format!("Could not load contacts: {}", clean(e)),
            Remote::Loaded(()) if s.list.effective_query().is_empty() => {
                "No contacts in this location.".into()
            }
            Remote::Loaded(()) if s.list.query.trim().is_empty() => format!(
                "None {}. {}: everyone.",
                if s.list.pinned.is_some() {
                    "match the saved search"
                } else {
                    "are yours"
                },
                if s.list.pinned.is_some() { "0" } else { "M" }
            ),
            Remote::Loaded(()) if s.list.pinned.is_some() || s.list.mine => {
                "No match. Esc clears the search; 0 lets go of the saved search and mine.".into()
            }
            Remote::Loaded(()) => "No match. Esc clears the search.".into(),
        };
        f.render_widget(
            Paragraph::new(Span::styled(fit(&msg, width), theme.dim)),
            rows_area,
        );
        return;
    }
    let rows = usize::from(rows_area.height);
    let mut lines = Vec::with_capacity(rows);
    for (i, hit) in s
        .list
        .hits
        .iter()
        .enumerate()
        .skip(s.list.offset)
        .take(rows)
    {
        let c = &s.list.contact(hit.index);
        let selected = i == s.list.selected;
        let base = if selected {
            if focused {
                theme.selected
            } else {
                theme.selected_unfocused
            }
        } else {
            theme.text
        };
        let mut spans: Vec<Span> = Vec::new();
        // Marked: a bar before the name.
        let marked = s.list.marks.contains(&c.id);
        if !s.list.marks.is_empty() {
            spans.push(Span::styled(
                if marked { "▌" } else { " " },
                if selected { base } else { theme.accent },
            ));
        }
        // An edit of this contact waits in the outbox.
        let waiting = s.local.waiting.contains(&c.id);
        if waiting {
            spans.push(Span::styled(
                "↑",
                if selected { base } else { theme.accent },
            ));
        }
        // The name, with matched characters highlighted.
        let name = clean(&c.display_name()).into_owned();
        let gutter = usize::from(waiting) + usize::from(!s.list.marks.is_empty());
        let name_budget = (width * 3 / 5).max(12).min(width).saturating_sub(gutter);
        let name = fit(&name, name_budget);
        let positions = s.highlights(hit.index);
        let mut run = String::new();
        let mut run_hl = false;
        for (ci, ch) in name.chars().enumerate() {
            let hl = positions.contains(&(ci as u32));
            if hl != run_hl && !run.is_empty() {
                spans.push(Span::styled(
                    std::mem::take(&mut run),
                    style(base, theme.highlight, run_hl),
                ));
            }
            run_hl = hl;
            run.push(ch);
        }
        if !run.is_empty() {
            spans.push(Span::styled(run, style(base, theme.highlight, run_hl)));
        }
        let mut used = name.width() + gutter;
        // Unread messages: a count after the name.
        let unread = s.unread_of(&c.id);
        if unread > 0 {
            let badge = format!(" ●{unread}");
            if used + badge.width() <= width {
                used += badge.width();
                spans.push(Span::styled(
                    badge,
                    if selected { base } else { theme.accent },
                ));
            }
        }
        let secondary = c
            .company_name
            .as_deref()
            .filter(|s| !s.trim().is_empty())
            .or(c.email.as_deref())
            .or(c.phone.as_deref())
            .unwrap_or("");
        if used + 3 < width && !secondary.is_empty() {
            let text = fit(&clean(secondary), width - used - 2);
            used += 2 + text.width();
            spans.push(Span::styled("  ", base));
            spans.push(Span::styled(text, if selected { base } else { theme.dim }));
        }
        for tag in c.tags() {
            let chip = format!(" #{}", clean(tag));
            if used + chip.width() > width {
                break;
            }
            used += chip.width();
            spans.push(Span::styled(chip, if selected { base } else { theme.tag }));
        }
        if selected && used < width {
            spans.push(Span::styled(" ".repeat(width - used), base));
        }
        lines.push(Line::from(spans));
    }
    f.render_widget(Paragraph::new(lines), rows_area);
}

fn style(base: Style, highlight: Style, on: bool) -> Style {
    if on { base.patch(highlight) } else { base }
}
