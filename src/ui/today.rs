//! The Today view: open tasks due today or overdue, across contacts.

use super::detail::task_style;
use super::{clean, fit};
use crate::app::{Remote, State};
use crate::theme::Theme;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

pub fn render_today(s: &State, f: &mut Frame, area: Rect, theme: &Theme) {
    let tasks = s.today_tasks();
    let overdue = tasks
        .iter()
        .filter(|t| !t.completed && t.due().is_some_and(|d| d < s.now))
        .count();
    let mine = s.today.mine && s.me.is_some();
    let title = Line::from(vec![
        Span::styled(" Today ", theme.title),
        Span::styled(
            if mine { "mine " } else { "everyone's " },
            if mine { theme.accent } else { theme.dim },
        ),
        Span::styled(
            format!("{} due, {overdue} overdue ", tasks.len()),
            theme.dim,
        ),
    ]);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border_focused)
        .title(title);
    let inner = block.inner(area);
    f.render_widget(block, area);
    let width = usize::from(inner.width);
    let msg = match &s.today.tasks {
        Remote::Idle | Remote::Loading => Some("Loading today's tasks…".to_string()),
        Remote::Failed(e) => Some(format!("Could not load tasks: {}", clean(e))),
        Remote::Loaded(_) if tasks.is_empty() && mine => {
            Some("Nothing of yours due today. M: everyone's.".into())
        }
        Remote::Loaded(_) if tasks.is_empty() => Some("Nothing due today. Enjoy.".into()),
        Remote::Loaded(_) => None,
    };
    if let Some(m) = msg {
        super::say(f, inner, m, theme);
        return;
    }
    let rows = usize::from(inner.height);
    let offset = s.today.selected.saturating_sub(rows.saturating_sub(1));
    let mut lines = Vec::new();
    for (i, t) in tasks.iter().enumerate().skip(offset).take(rows) {
        let on = i == s.today.selected;
        let (st, when) = task_style(t, s, theme);
        let who = t
            .contact_id
            .as_deref()
            .and_then(|id| s.contact_by_id(id))
            .map(|c| clean(&c.display_name()).into_owned())
            .unwrap_or_else(|| "(contact not loaded)".into());
        let mark = if t.completed { "[x]" } else { "[ ]" };
        let title = clean(t.title.as_deref().unwrap_or("(untitled)")).into_owned();
        let who_w = (width / 3).min(28);
        let title_w = width.saturating_sub(who_w + 18).min(70);
        let owner = fit(&super::assignee_tag(t, s), title_w / 3);
        let title_w = title_w.saturating_sub(owner.chars().count());
        let line_style = |x: Style| if on { x.patch(theme.selected) } else { x };
        lines.push(Line::from(vec![
            Span::styled(
                format!("{}{mark} ", if on { "▸" } else { " " }),
                line_style(st),
            ),
            Span::styled(format!("{:<12}", fit(&when, 12)), line_style(st)),
            Span::styled(
                format!("{:<title_w$}", fit(&title, title_w)),
                line_style(if t.completed { theme.done } else { theme.text }),
            ),
            Span::styled(owner, line_style(theme.dim)),
            Span::styled(
                format!(" {:<who_w$}", fit(&who, who_w)),
                line_style(theme.dim),
            ),
        ]));
    }
    f.render_widget(Paragraph::new(lines), inner);
}
