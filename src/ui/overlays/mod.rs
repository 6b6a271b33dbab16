//! Overlays, one file each, mirroring `app/overlays/`; what they share
//! (a centred box, a text input) is here.

mod appointment_status;
mod automation;
mod booking;
mod bulk_delete;
mod confirm;
mod contact_form;
mod copy;
mod deals;
mod dnd;
mod everywhere;
mod export;
mod help;
mod note_editor;
mod outbox;
mod palette;
mod profiles;
mod tag_prompt;
mod task_form;
mod thread;
mod user_picker;

use ratatui::Frame;
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::Span;
use ratatui::widgets::{Block, Borders, Paragraph};
use ratatui_textarea::TextArea;

use super::{clean, fit};
use crate::app::forms::{TagMode, TaskField, text_of};
use crate::app::{Overlay, State, tag_suggestions};
use crate::theme::Theme;

pub(super) fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let [v] = Layout::vertical([Constraint::Length(height.min(area.height))])
        .flex(Flex::Center)
        .areas(area);
    let [h] = Layout::horizontal([Constraint::Length(width.min(area.width))])
        .flex(Flex::Center)
        .areas(v);
    h
}

pub(super) fn boxed<'a>(title: &str, theme: &Theme) -> Block<'a> {
    Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border_focused)
        .title(Span::styled(format!(" {title} "), theme.title))
}

/// A text area drawn with or without its cursor.
pub(super) fn input(
    f: &mut Frame,
    t: &TextArea<'static>,
    area: Rect,
    focused: bool,
    theme: &Theme,
) {
    let mut t = t.clone();
    t.set_cursor_line_style(Style::default());
    if !focused {
        t.set_cursor_style(Style::default());
    }
    t.set_style(if focused { theme.text } else { theme.dim });
    f.render_widget(&t, area);
}

/// A prompt: a titled box with a one-line input, a hint (or the error)
/// under it, and the area left for its list.
pub(super) fn prompt(
    f: &mut Frame,
    r: Rect,
    title: &str,
    field: &TextArea<'static>,
    error: Option<&str>,
    hint: &str,
    theme: &Theme,
) -> Rect {
    let block = boxed(title, theme);
    let inner = block.inner(r);
    f.render_widget(block, r);
    let [line, hint_row, list] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Min(0),
    ])
    .areas(inner);
    input(f, field, line, true, theme);
    let hint_text = match error {
        Some(e) => Span::styled(clean(e).into_owned(), theme.error),
        None => Span::styled(hint.to_string(), theme.dim),
    };
    f.render_widget(Paragraph::new(hint_text), hint_row);
    list
}

pub fn render(s: &State, f: &mut Frame, area: Rect, theme: &Theme) {
    let Some(o) = &s.overlay else { return };
    // The status bar's row stays in view: what it says (a warning that
    // ctrl-c again quits, a notice) matters while an overlay is open.
    let area = Rect {
        height: area.height.saturating_sub(1).max(1),
        ..area
    };
    match o {
        Overlay::Help(at) => help::render(f, area, s.keymap.bindings(), *at, theme),
        Overlay::Outbox(v) => outbox::render(v, f, area, theme),
        Overlay::Assign(p) => user_picker::render(p, s, f, area, theme),
        Overlay::Dnd(p) => dnd::render(p, f, area, theme),
        Overlay::Deals(p) => deals::render(p, s, f, area, theme),
        Overlay::Status(p) => appointment_status::render(p, s, f, area, theme),
        Overlay::Booking(p) => booking::render(p, s, f, area, theme),
        Overlay::Automation(p) => automation::render(p, s, f, area, theme),
        Overlay::Export(p) => export::render(p, f, area, theme),
        Overlay::BulkDelete(p) => bulk_delete::render(p, f, area, theme),
        Overlay::Confirm(c) => confirm::render(c, f, area, theme),
        Overlay::Tags(p) => tag_prompt::render(p, s, f, area, theme),
        Overlay::Task(form) => task_form::render(form, s, f, area, theme),
        Overlay::Contact(form) => contact_form::render(form, f, area, theme),
        Overlay::Copy(c) => copy::render(c, f, area, theme),
        Overlay::Palette(p) => palette::render(p, s, f, area, theme),
        Overlay::Profiles(selected) => profiles::render(*selected, s, f, area, theme),
        Overlay::Note(n) => {
            // A reply is typed over its thread.
            if let Some(r) = &n.reply {
                thread::render(&r.back, s, f, area, theme);
            }
            note_editor::render(n, f, area, theme)
        }
        Overlay::Thread(v) => thread::render(v, s, f, area, theme),
        Overlay::Everywhere(e) => everywhere::render(e, s, f, area, theme),
    }
}
