//! The agenda view: the day's appointments in the zone, with the current
//! time as a line among them and overlaps marked.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use super::{clean, fit};
use crate::app::{Remote, State};
use crate::theme::Theme;

pub fn render_agenda(s: &State, f: &mut Frame, area: Rect, theme: &Theme) {
    let rows = s.agenda_rows();
    let day = s.agenda_day();
    let label = match s.agenda.offset {
        0 => format!("Today, {}", day.format("%a %b %-d")),
        1 => format!("Tomorrow, {}", day.format("%a %b %-d")),
        -1 => format!("Yesterday, {}", day.format("%a %b %-d")),
        _ => day.format("%a %b %-d %Y").to_string(),
    };
    let mine = s.agenda.mine && s.me.is_some();
    let all = s.agenda.events.loaded().map(Vec::as_slice).unwrap_or(&[]);
    let overlapping = rows.iter().filter(|a| a.overlaps(all)).count();
    let mut title = vec![
        Span::styled(format!(" Agenda · {label} "), theme.title),
        Span::styled(
            if mine { "mine " } else { "everyone's " },
            if mine { theme.accent } else { theme.dim },
        ),
        Span::styled(
            format!("{} booked ", rows.iter().filter(|a| a.is_live()).count()),
            theme.dim,
        ),
    ];
    let called_off = rows.iter().filter(|a| !a.is_live()).count();
    if called_off > 0 {
        title.push(Span::styled(format!("{called_off} cancelled "), theme.dim));
    }
    if overlapping > 0 {
        title.push(Span::styled(
            format!("{overlapping} overlap "),
            theme.overdue,
        ));
    }
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border_focused)
        .title(Line::from(title));
    let inner = block.inner(area);
    f.render_widget(block, area);
    let keys = format!(
        "{}/{}: day, {}/{}: week, {}: today",
        s.keymap.key_for(crate::keymap::Action::PrevDay),
        s.keymap.key_for(crate::keymap::Action::NextDay),
        s.keymap.key_for(crate::keymap::Action::PrevWeek),
        s.keymap.key_for(crate::keymap::Action::NextWeek),
        s.keymap.key_for(crate::keymap::Action::GoToday),
    );
    let msg = match &s.agenda.events {
        Remote::Idle | Remote::Loading => Some("Loading the appointments…".to_string()),
        Remote::Failed(e) => Some(format!("Could not load the appointments: {}", clean(e))),
        Remote::Loaded(_) if rows.is_empty() && mine => Some(format!(
            "Nothing of yours booked that day. M: everyone's. {keys}."
        )),
        Remote::Loaded(_) if rows.is_empty() => Some(format!("Nothing booked that day. {keys}.")),
        Remote::Loaded(_) => None,
    };
    if let Some(m) = msg {
        super::say(f, inner, m, theme);
        return;
    }
    let width = usize::from(inner.width);
    let zone = s.zone;
    let now = s.now;
    // The now line goes before the first appointment still to start.
    let now_at = (s.agenda.offset == 0).then(|| {
        rows.iter()
            .position(|a| a.start().is_some_and(|t| t > now))
            .unwrap_or(rows.len())
    });
    let height = usize::from(inner.height);
    let sel_line = s.agenda.selected + usize::from(now_at.is_some_and(|n| n <= s.agenda.selected));
    let offset = sel_line.saturating_sub(height.saturating_sub(1));
    let calendar = |id: Option<&str>| {
        s.agenda
            .calendars
            .iter()
            .find(|c| Some(c.id.as_str()) == id)
            .map(|c| clean(&c.name).into_owned())
            .unwrap_or_default()
    };
    let who_w = (width / 4).clamp(10, 28);
    let cal_w = (width / 6).clamp(6, 20);
    let mut lines: Vec<Line> = Vec::new();
    for (i, a) in rows.iter().enumerate() {
        if now_at == Some(i) {
            lines.push(now_line(s, width, theme));
        }
        let on = i == s.agenda.selected;
        let st = |x: Style| if on { x.patch(theme.selected) } else { x };
        let start = a.start().map(|t| t.with_timezone(&zone));
        let when = match (start, a.end().map(|t| t.with_timezone(&zone))) {
            (Some(b), Some(e)) => format!("{}–{}", b.format("%H:%M"), e.format("%H:%M")),
            (Some(b), None) => format!("{}      ", b.format("%H:%M")),
            _ => "--:--      ".into(),
        };
        let who = a
            .contact_id
            .as_deref()
            .map(|id| {
                s.contact_by_id(id)
                    .map(|c| clean(&c.display_name()).into_owned())
                    .unwrap_or_else(|| "(contact not loaded)".into())
            })
            .unwrap_or_else(|| clean(a.title.as_deref().unwrap_or("(no contact)")).into_owned());
        let status = a.appointment_status.as_deref().unwrap_or("new");
        let status_style = match status {
            "noshow" | "cancelled" | "invalid" => theme.overdue,
            "showed" => theme.done,
            "confirmed" => theme.accent,
            _ => theme.dim,
        };
        let user = super::user_tag(a.assigned_user_id.as_deref(), s);
        let clash = if a.overlaps(all) { " ⚠ overlaps" } else { "" };
        // Wide enough: the appointment's own title after its calendar.
        let title_w = width.saturating_sub(1 + 12 + who_w + 1 + cal_w + 1 + 10 + 16 + 11);
        let title = if title_w >= 12 {
            format!(
                "{:<title_w$}",
                fit(&clean(a.title.as_deref().unwrap_or("")), title_w - 1)
            )
        } else {
            String::new()
        };
        lines.push(Line::from(vec![
            Span::styled(if on { "▸" } else { " " }, st(theme.text)),
            Span::styled(format!("{when} "), st(theme.text)),
            Span::styled(format!("{:<who_w$} ", fit(&who, who_w)), st(theme.text)),
            Span::styled(
                format!(
                    "{:<cal_w$} ",
                    fit(&calendar(a.calendar_id.as_deref()), cal_w)
                ),
                st(theme.dim),
            ),
            Span::styled(title, st(theme.text)),
            Span::styled(format!("{:<10}", fit(&clean(status), 10)), st(status_style)),
            Span::styled(fit(&user, 16), st(theme.dim)),
            Span::styled(clash, st(theme.overdue)),
        ]));
    }
    if now_at == Some(rows.len()) {
        lines.push(now_line(s, width, theme));
    }
    let shown: Vec<Line> = lines.into_iter().skip(offset).take(height).collect();
    f.render_widget(Paragraph::new(shown), inner);
}

fn now_line(s: &State, width: usize, theme: &Theme) -> Line<'static> {
    let label = format!(" now {} ", s.now.with_timezone(&s.zone).format("%H:%M"));
    let rest = width.saturating_sub(label.chars().count() + 2);
    Line::from(Span::styled(
        format!("──{label}{}", "─".repeat(rest)),
        theme.accent,
    ))
}
