//! The note editor.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Span;
use ratatui::widgets::{Clear, Paragraph};

use super::*;

pub(super) fn render(n: &crate::app::NoteEditor, f: &mut Frame, area: Rect, theme: &Theme) {
    let w = area.width.saturating_sub(8).clamp(20, 90);
    let h = area.height.saturating_sub(4).clamp(6, 20);
    let r = centered(area, w, h);
    f.render_widget(Clear, r);
    let title = match &n.reply {
        Some(r) if r.channel == "Email" => match r.subject.as_deref() {
            Some(subject) => format!("Email to {} · {}", fit(&r.to, 30), fit(&clean(subject), 40)),
            None => format!(
                "Email to {} · the first line is the subject",
                fit(&r.to, 30)
            ),
        },
        Some(r) => format!("SMS to {}", fit(&r.to, 40)),
        None if n.editing.is_some() => "Edit note".into(),
        None => "New note".into(),
    };
    let block = boxed(&title, theme);
    let inner = block.inner(r);
    f.render_widget(block, r);
    let [text, foot] = Layout::vertical([Constraint::Min(1), Constraint::Length(1)]).areas(inner);
    input(f, &n.body, text, true, theme);
    let hint = if n.confirm_discard {
        Span::styled(
            if n.reply.is_some() {
                "unsaved text: esc again discards it, ctrl-s sends"
            } else {
                "unsaved text: esc again discards it, ctrl-s saves"
            },
            theme.error,
        )
    } else {
        Span::styled(
            match &n.reply {
                // An SMS's length, in the 160-character parts it goes as
                // (70 when it needs more than GSM's characters).
                Some(r) if r.channel == "SMS" => {
                    let text = crate::app::forms::text_of(&n.body);
                    let chars = text.chars().count();
                    // One part holds 160 (70 beyond GSM's characters);
                    // parts of a longer one hold 153 (67).
                    let (one, part) = if text.is_ascii() {
                        (160, 153)
                    } else {
                        (70, 67)
                    };
                    let parts = if chars <= one {
                        1
                    } else {
                        chars.div_ceil(part)
                    };
                    format!(
                        "{chars} chars, {parts} SMS · ctrl-s: send · ctrl-e: $EDITOR · esc: back"
                    )
                }
                Some(_) => "ctrl-s: send · ctrl-e: $EDITOR · esc: back to the thread".into(),
                None => "ctrl-s: save · ctrl-e: $EDITOR · esc: cancel".into(),
            },
            theme.dim,
        )
    };
    f.render_widget(Paragraph::new(hint), foot);
}
