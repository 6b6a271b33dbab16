//! The pipeline board: tabs for every stage with its count, then as many
//! stage columns as fit (one at 40 columns, three at 80), each with its
//! count and total value and the cards in view. Only the cards on screen
//! are drawn, whatever the pipeline holds.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use super::{bold, clean, fit};
use crate::app::board::Owner;
use crate::app::{Remote, State};
use crate::theme::Theme;

/// The narrowest a column is drawn.
const COLUMN_WIDTH: u16 = 26;

/// "$950", "$12.5k", "$1.2M": a total that fits a column header.
pub fn short_money(n: f64) -> String {
    let a = n.abs();
    let sign = if n < 0.0 { "-" } else { "" };
    if !n.is_finite() {
        return "$?".into();
    }
    if a < 10_000.0 {
        crate::api::locations::money(n.round())
    } else if a < 1_000_000.0 {
        format!("{sign}${:.1}k", a / 1_000.0)
    } else if a < 1e12 {
        format!("{sign}${:.1}M", a / 1_000_000.0)
    } else {
        format!("{sign}${a:.1e}")
    }
}

pub fn render_board(s: &State, f: &mut Frame, area: Rect, theme: &Theme) {
    let b = &s.board;
    let pipeline = s.board_pipeline();
    let open: usize = b.columns.iter().map(|c| c.cards.len()).sum();
    let total: f64 = b.columns.iter().map(|c| c.total).sum();
    let mut title = vec![Span::styled(
        format!(
            " Board · {} ",
            clean(pipeline.map_or("(no pipeline)", |p| p.name.as_str()))
        ),
        theme.title,
    )];
    title.push(Span::styled(
        format!("{open} open {} ", short_money(total)),
        theme.dim,
    ));
    let owner = match &b.owner {
        Owner::Everyone => None,
        Owner::User(u) => Some(format!("@{}", clean(&s.user_label(u)))),
        Owner::Unassigned => Some("unassigned".into()),
    };
    if let Some(o) = owner {
        title.push(Span::styled(format!("{o} "), theme.accent));
    }
    if b.mine && s.me.is_some() {
        title.push(Span::styled("mine ", theme.accent));
    }
    let searching = s.focus == crate::app::Focus::Search;
    let query = s
        .list
        .pinned
        .as_ref()
        .map(|(n, _)| format!("@{n} "))
        .unwrap_or_default()
        + s.list.query.trim();
    if !query.trim().is_empty() || searching {
        title.push(Span::styled(
            format!("/{}{} ", clean(&query), if searching { "▏" } else { "" }),
            theme.highlight,
        ));
    }
    match &b.status {
        Remote::Loading => title.push(Span::styled(
            format!("loading… {} so far ", b.deals.len()),
            theme.dim,
        )),
        Remote::Failed(_) => title.push(Span::styled("incomplete ", theme.error)),
        _ => {}
    }
    if b.strays > 0 {
        title.push(Span::styled(
            format!("{} in unknown stages ", b.strays),
            theme.dim,
        ));
    }
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border_focused)
        .title(Line::from(title));
    let inner = block.inner(area);
    f.render_widget(block, area);

    let msg = match (&s.deals.pipelines, pipeline) {
        (Remote::Failed(e), _) => Some(format!("Could not read the pipelines: {}", clean(e))),
        (Remote::Loaded(ps), _) if ps.is_empty() => {
            Some("This location has no pipelines.".to_string())
        }
        (Remote::Loaded(_), Some(p)) if p.stages.is_empty() => {
            Some("This pipeline has no stages.".to_string())
        }
        (_, None) => Some("Loading the pipelines…".to_string()),
        _ => match &b.status {
            Remote::Loading if b.deals.is_empty() => Some("Loading the deals…".into()),
            Remote::Failed(e) if b.deals.is_empty() => {
                Some(format!("Could not load the deals: {}", clean(e)))
            }
            _ => None,
        },
    };
    if let Some(m) = msg {
        super::say(f, inner, m, theme);
        return;
    }
    let Some(p) = pipeline else { return };
    if inner.height < 3 || inner.width < 8 {
        return;
    }
    let stages = p.stages.len().min(b.columns.len());
    if stages == 0 {
        return;
    }
    // The tabs: every stage with its count, the one in view lit.
    let mut tabs: Vec<Span> = Vec::new();
    let mut used = 0usize;
    let room = usize::from(inner.width);
    let first_tab = tab_start(p, b, stages, room);
    if first_tab > 0 {
        tabs.push(Span::styled("‹ ", theme.dim));
        used += 2;
    }
    for (i, st) in p.stages.iter().enumerate().take(stages).skip(first_tab) {
        let t = format!(" {} {} ", clean(&st.name), b.columns[i].cards.len());
        let w = unicode_width::UnicodeWidthStr::width(t.as_str());
        if used + w + 2 > room && i > b.column {
            tabs.push(Span::styled("›", theme.dim));
            break;
        }
        used += w + 1;
        let style = if i == b.column {
            theme.selected
        } else {
            theme.dim
        };
        tabs.push(Span::styled(t, style));
        tabs.push(Span::raw(" "));
    }
    f.render_widget(
        Paragraph::new(Line::from(tabs)),
        Rect { height: 1, ..inner },
    );
    let body = Rect {
        y: inner.y + 1,
        height: inner.height - 1,
        ..inner
    };
    let fit_n = usize::from((body.width / COLUMN_WIDTH).max(1)).min(stages);
    let start = ((b.column / fit_n) * fit_n).min(stages - fit_n);
    let col_w = body.width / fit_n as u16;
    for k in 0..fit_n {
        let i = start + k;
        let x = body.x + col_w * k as u16;
        let w = if k + 1 == fit_n {
            body.width - col_w * k as u16
        } else {
            col_w
        };
        let rect = Rect {
            x,
            width: w,
            ..body
        };
        render_column(s, f, rect, i, k > 0, theme);
    }
}

/// The first tab drawn: far enough on that the one in view fits.
fn tab_start(
    p: &crate::api::opportunities::Pipeline,
    b: &crate::app::board::Board,
    stages: usize,
    room: usize,
) -> usize {
    let width = |i: usize| {
        unicode_width::UnicodeWidthStr::width(
            format!(
                " {} {} ",
                clean(&p.stages[i].name),
                b.columns[i].cards.len()
            )
            .as_str(),
        ) + 1
    };
    let mut start = 0;
    while start < b.column.min(stages - 1) {
        let span: usize = (start..=b.column.min(stages - 1)).map(width).sum::<usize>() + 4;
        if span <= room {
            break;
        }
        start += 1;
    }
    start
}

fn render_column(s: &State, f: &mut Frame, area: Rect, i: usize, rule: bool, theme: &Theme) {
    let b = &s.board;
    let Some(p) = s.board_pipeline() else { return };
    let (Some(stage), Some(col)) = (p.stages.get(i), b.columns.get(i)) else {
        return;
    };
    let on_col = i == b.column;
    let inner_w = usize::from(area.width.saturating_sub(u16::from(rule) + 1));
    let per_card = 2usize;
    let room = usize::from(area.height.saturating_sub(1)) / per_card;
    let cursor = b.cursor.get(i).copied().unwrap_or(0);
    // A page of cards at a time: moving within it repaints two cards, not
    // the column.
    let offset = (cursor / room.max(1)) * room.max(1);
    let above = if offset > 0 {
        format!("↑{offset} ")
    } else {
        String::new()
    };
    let head = format!("{above}{} · {}", col.cards.len(), short_money(col.total));
    let name_w = inner_w.saturating_sub(head.chars().count() + 1);
    let mut lines = vec![Line::from(vec![
        Span::styled(
            format!("{:<name_w$} ", fit(&clean(&stage.name), name_w)),
            if on_col {
                bold(theme.title)
            } else {
                theme.title
            },
        ),
        Span::styled(head, theme.dim),
    ])];
    if col.cards.is_empty() {
        lines.push(Line::from(Span::styled(" (none)", theme.dim)));
    }
    for (row, &di) in col.cards.iter().enumerate().skip(offset).take(room) {
        let d = &b.deals[di];
        let on = on_col && row == cursor;
        let st = |x: Style| if on { x.patch(theme.selected) } else { x };
        let who = d
            .contact_id
            .as_deref()
            .and_then(|c| s.contact_by_id(c))
            .map(|c| c.display_name())
            .or_else(|| d.contact.as_ref().and_then(|c| c.name.clone()))
            .or_else(|| d.name.clone())
            .unwrap_or_else(|| "(unnamed)".into());
        let value = d
            .monetary_value
            .map(crate::api::locations::money)
            .unwrap_or_else(|| "—".into());
        let age = match b.ages.get(di).copied().flatten() {
            Some(0) => "today".to_string(),
            Some(n) => format!("{n}d"),
            None => String::new(),
        };
        let owner = super::user_tag(d.assigned_to.as_deref(), s);
        // Only the highlighted card is padded to the column's width (for
        // its highlight): blanks elsewhere would only cost time and bytes.
        let pad = |t: String| {
            if on { format!("{t:<inner_w$}") } else { t }
        };
        let mark = if on { "▸" } else { " " };
        lines.push(Line::from(Span::styled(
            pad(format!(
                "{mark}{}",
                fit(&clean(&who), inner_w.saturating_sub(1))
            )),
            st(bold(theme.text)),
        )));
        let second = format!(" {value} · {age}{owner}");
        lines.push(Line::from(Span::styled(
            pad(fit(&second, inner_w)),
            st(theme.dim),
        )));
    }
    let hidden = col.cards.len().saturating_sub(offset + room);
    if hidden > 0 && lines.len() < usize::from(area.height) {
        lines.push(Line::from(Span::styled(
            format!(" +{hidden} more"),
            theme.dim,
        )));
    }
    // Straight into the buffer: a Block and a Paragraph per column would
    // each restyle the column's every cell on every frame.
    let buf = f.buffer_mut();
    if rule {
        for y in area.top()..area.bottom() {
            buf[(area.x, y)].set_symbol("│").set_style(theme.border);
        }
    }
    let x = area.x + u16::from(rule);
    for (k, line) in lines.iter().enumerate().take(usize::from(area.height)) {
        buf.set_line(x, area.y + k as u16, line, inner_w as u16);
    }
}
