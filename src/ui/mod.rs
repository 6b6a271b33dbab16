//! Rendering: a pure function of `State`. One file per view.
//!
//! Every string that came from the API goes through `clean` (the one
//! sanitizer) before it reaches a cell.

mod agenda;
pub mod board;
mod deals;
mod detail;
mod inbox;
mod list;
mod overlays;
mod today;

use std::borrow::Cow;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::api::limiter::WaitReason;
use crate::app::{Focus, State, View};
use crate::keymap::Action;
use crate::theme::Theme;

/// Untrusted text, made safe for a terminal cell.
pub(crate) fn clean(s: &str) -> Cow<'_, str> {
    crate::text::sanitize(s)
}

const SPINNER: [&str; 10] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

pub fn render(s: &State, f: &mut Frame) {
    let theme = &s.theme;
    let area = f.area();
    let [main, error, status] = frame_areas(s, area);
    if let (Some(text), true) = (s.error_text(), error.height > 0) {
        f.render_widget(
            Paragraph::new(format!(" {text}"))
                .style(theme.error)
                .wrap(ratatui::widgets::Wrap { trim: false }),
            error,
        );
    }
    match s.view {
        View::Contacts => {
            let [left, right] = contacts_areas(main);
            list::render(s, f, left, theme);
            detail::render_contact(s, f, right, theme);
        }
        View::Today => today::render_today(s, f, main, theme),
        View::Agenda => agenda::render_agenda(s, f, main, theme),
        View::Board => board::render_board(s, f, main, theme),
        View::Inbox => inbox::render_inbox(s, f, main, theme),
    }
    render_status(s, f, status, theme);
    overlays::render(s, f, area, theme);
}

/// The frame's main area, its error lines and its status line.
fn frame_areas(s: &State, area: Rect) -> [Rect; 3] {
    Layout::vertical([
        Constraint::Min(1),
        Constraint::Length(s.error_lines()),
        Constraint::Length(1),
    ])
    .areas(area)
}

/// The contacts view's list and detail pane.
fn contacts_areas(main: Rect) -> [Rect; 2] {
    // The list gets about two fifths, and never less than 30 columns.
    let list_w = (main.width * 2 / 5).max(30.min(main.width));
    Layout::horizontal([Constraint::Length(list_w), Constraint::Min(0)]).areas(main)
}

/// Where the list's rows were drawn, and from which row: what tells the
/// next frame that they moved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListFrame {
    rows: Rect,
    offset: usize,
    generation: u64,
}

/// The list as a frame of `area` draws it, when the contacts view is shown
/// with nothing over it.
pub fn list_frame(s: &State, area: Rect) -> Option<ListFrame> {
    if s.view != View::Contacts || s.overlay.is_some() {
        return None;
    }
    let [main, _, _] = frame_areas(s, area);
    let [left, _] = contacts_areas(main);
    let (_, rows) = list::areas(s, left);
    Some(ListFrame {
        rows,
        offset: s.list.offset,
        generation: s.list.hits_generation,
    })
}

/// What moved between two frames of the list: its rows, scrolled by the
/// change of its first row, when nothing else about the list changed.
pub fn list_moved(
    before: Option<&ListFrame>,
    now: Option<&ListFrame>,
) -> Option<crate::screen::Hint> {
    let (b, n) = (before?, now?);
    if b.rows != n.rows || b.generation != n.generation || n.rows.height == 0 {
        return None;
    }
    let by = n.offset as i64 - b.offset as i64;
    if by == 0 || by.unsigned_abs() >= u64::from(n.rows.height) {
        return None;
    }
    Some(crate::screen::Hint {
        rows: n.rows.y..n.rows.y + n.rows.height,
        by: by as i32,
    })
}

fn render_status(s: &State, f: &mut Frame, area: Rect, theme: &Theme) {
    let label = if s.profile.is_empty() {
        clean(&s.location).into_owned()
    } else {
        format!("{} · {}", clean(&s.profile), clean(&s.location))
    };
    let mut spans: Vec<Span> = vec![Span::styled(format!(" {label} "), theme.badge)];
    if s.read_only {
        spans.push(Span::styled(" read-only ", theme.error));
    }
    // First after the label: a wait must be seen at any width.
    if let Some(w) = &s.waiting {
        let what = match w.reason {
            WaitReason::RateLimit => "rate-limited",
            WaitReason::Retry => "retrying in",
        };
        spans.push(Span::styled(
            format!(
                " {what} {} s, {} stops ",
                w.left.as_secs() + u64::from(w.left.subsec_nanos() > 0),
                s.keymap.key_for(Action::CancelWait)
            ),
            theme.error,
        ));
    }
    if s.pending > 0 {
        spans.push(Span::styled(
            format!(" {} {} ", SPINNER[s.spinner % SPINNER.len()], s.pending),
            theme.accent,
        ));
    }
    if let Some(b) = &s.bulk {
        spans.push(Span::styled(
            format!(" {}: {} / {} ", clean(&b.title()), b.done, b.total),
            theme.accent,
        ));
    }
    if !s.list.marks.is_empty() {
        spans.push(Span::styled(
            format!(" {} marked ", s.list.marks.len()),
            theme.badge,
        ));
    }
    // How fresh the data is: always when a sync failed, else only when it
    // leaves room for what follows (a notice matters more).
    let fresh = s.local.freshness(s.now).map(|fresh| {
        let style = if s.local.sync_error.is_some() {
            theme.error
        } else {
            theme.dim
        };
        Span::styled(format!(" {fresh} "), style)
    });
    let outbox = s
        .local
        .outbox_summary(&s.keymap.key_for(Action::Outbox))
        .map(|outbox| {
            let style = if s.local.outbox.attention > 0 {
                theme.error
            } else {
                theme.accent
            };
            Span::styled(format!(" {outbox} "), style)
        });
    let width = usize::from(area.width);
    // What shows after the bar's state: the error, a key sequence begun, a
    // notice, or else the key hints, cut to fit (help always stays).
    let tail = |room: usize| -> Vec<Span> {
        if let (Some(e), 0) = (&s.error, s.error_lines()) {
            vec![
                Span::styled(format!(" {} ", clean(e)), theme.error),
                Span::styled(
                    format!("({} to dismiss) ", s.keymap.key_for(Action::DismissError)),
                    theme.dim,
                ),
            ]
        } else if !s.pending_keys.is_empty() {
            vec![Span::styled(
                format!(" {} …", clean(&s.pending_keys)),
                theme.accent,
            )]
        } else if let Some(n) = &s.notice {
            vec![Span::styled(format!(" {} ", clean(n)), theme.notice)]
        } else {
            vec![Span::styled(hints(s, room), theme.dim)]
        }
    };
    if let Some(fresh) = fresh {
        let head: usize = spans.iter().map(Span::width).sum();
        let after = outbox.as_ref().map_or(0, Span::width) + shown_width(&tail(usize::MAX));
        let fits = head + fresh.width() + after <= width;
        if fits || s.local.sync_error.is_some() || (s.notice.is_none() && s.error.is_none()) {
            spans.push(fresh);
        }
    }
    spans.extend(outbox);
    let head: usize = spans.iter().map(Span::width).sum();
    // The request budget is the least urgent thing on the bar: it shows when
    // it leaves room for all that follows it, or when it is nearly spent.
    if let (Some(r), Some(m)) = (s.budget.remaining, s.budget.max) {
        let budget = format!(" {r}/{m} ");
        let nearly_spent = u64::from(r) * 10 <= u64::from(m);
        if nearly_spent || head + shown_width(&tail(usize::MAX)) + budget.len() <= width {
            spans.push(Span::styled(budget, theme.dim));
        }
    }
    let head: usize = spans.iter().map(Span::width).sum();
    spans.extend(tail(width.saturating_sub(head)));
    f.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// The columns spans take on screen, trailing blanks left out (they may be
/// cut).
fn shown_width(spans: &[Span]) -> usize {
    use unicode_width::UnicodeWidthStr;
    let text: String = spans.iter().map(|s| s.content.as_ref()).collect();
    text.trim_end().width()
}

fn hints(s: &State, room: usize) -> String {
    let pairs: &[(Action, &str)] = match (s.view, s.focus) {
        (View::Board, Focus::Search) => {
            return " type to narrow the board · enter: done · esc: clear".into();
        }
        (_, Focus::Search) => return " type to filter · enter: list · esc: clear".into(),
        (View::Today, _) => &[
            (Action::ToggleTask, "done"),
            (Action::Edit, "edit"),
            (Action::Open, "go to contact"),
            (Action::Back, "back"),
            (Action::Help, "help"),
        ],
        (View::Inbox, _) => &[
            (Action::Open, "read"),
            (Action::MarkRead, "mark read, next"),
            (Action::Mine, "mine"),
            (Action::NewTask, "task"),
            (Action::Back, "back"),
            (Action::Help, "help"),
        ],
        (View::Agenda, _) => &[
            (Action::AppointmentStatus, "status"),
            (Action::NextDay, "next day"),
            (Action::PrevDay, "prev"),
            (Action::Open, "contact"),
            (Action::Back, "back"),
            (Action::Help, "help"),
        ],
        (View::Board, _) => &[
            (Action::StageNext, "move on"),
            (Action::StagePrev, "back a stage"),
            (Action::Open, "contact"),
            (Action::NextPipeline, "pipeline"),
            (Action::OwnerFilter, "owner"),
            (Action::Back, "back"),
            (Action::Help, "help"),
        ],
        (View::Contacts, Focus::Detail) => &[
            (Action::ToggleTask, "done"),
            (Action::NewTask, "task"),
            (Action::NewNote, "note"),
            (Action::AddTag, "tag"),
            (Action::Back, "list"),
            (Action::Help, "help"),
        ],
        (View::Contacts, Focus::List) => &[
            (Action::Search, "search"),
            (Action::Open, "open"),
            (Action::Today, "today"),
            (Action::Help, "help"),
            (Action::Quit, "quit"),
        ],
    };
    let mut items: Vec<(bool, String)> = pairs
        .iter()
        .map(|(a, label)| {
            (
                *a == Action::Help,
                format!("{}:{label}", s.keymap.key_for(*a)),
            )
        })
        .collect();
    let text = |items: &[(bool, String)]| {
        let shown: Vec<&str> = items.iter().map(|(_, t)| t.as_str()).collect();
        format!(" {}  ", shown.join("  "))
    };
    // Too narrow: the last hints go first, the way to help stays.
    loop {
        let t = text(&items);
        if shown_width(&[Span::raw(t.as_str())]) <= room {
            return t;
        }
        match items.iter().rposition(|(help, _)| !help) {
            Some(i) => {
                items.remove(i);
            }
            None => return t,
        }
    }
}

/// Whose a task is, by first name (" @Maya"), when the user is known; the
/// full name is in the picker (`a`).
pub(crate) fn assignee_tag(t: &crate::api::model::Task, s: &State) -> String {
    user_tag(t.assigned_to.as_deref(), s)
}

/// A user by first name, as ` @Maya` (nothing when unknown).
pub(crate) fn user_tag(id: Option<&str>, s: &State) -> String {
    id.and_then(|u| s.user_name(u))
        .and_then(|n| {
            n.split_whitespace()
                .next()
                .map(|f| format!(" @{}", clean(f)))
        })
        .unwrap_or_default()
}

/// Truncates to `width` columns with an ellipsis, by display width.
/// A view's one line instead of its rows (loading, failed, empty),
/// wrapped and dim.
pub(super) fn say(f: &mut Frame, area: Rect, text: String, theme: &Theme) {
    f.render_widget(
        Paragraph::new(Span::styled(text, theme.dim)).wrap(ratatui::widgets::Wrap { trim: true }),
        area,
    );
}

pub(crate) fn fit(s: &str, width: usize) -> String {
    crate::text::fit_width(s, width)
}

/// [`fit`], then padded with spaces to `width` columns (wide characters
/// counted as the terminal counts them).
pub(crate) fn fit_pad(s: &str, width: usize) -> String {
    let mut out = fit(s, width);
    let used = unicode_width::UnicodeWidthStr::width(out.as_str());
    out.push_str(&" ".repeat(width.saturating_sub(used)));
    out
}

/// A bordered pane, its border lit when it has the focus.
pub(crate) fn pane<'a>(focused: bool, theme: &Theme) -> ratatui::widgets::Block<'a> {
    ratatui::widgets::Block::default()
        .borders(ratatui::widgets::Borders::ALL)
        .border_style(if focused {
            theme.border_focused
        } else {
            theme.border
        })
}

pub(crate) fn bold(s: Style) -> Style {
    s.add_modifier(Modifier::BOLD)
}
