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
    let block = boxed(
        if n.editing.is_some() {
            "Edit note"
        } else {
            "New note"
        },
        theme,
    );
    let inner = block.inner(r);
    f.render_widget(block, r);
    let [text, foot] = Layout::vertical([Constraint::Min(1), Constraint::Length(1)]).areas(inner);
    input(f, &n.body, text, true, theme);
    let hint = if n.confirm_discard {
        Span::styled(
            "unsaved text: esc again discards it, ctrl-s saves",
            theme.error,
        )
    } else {
        Span::styled("ctrl-s: save · ctrl-e: $EDITOR · esc: cancel", theme.dim)
    };
    f.render_widget(Paragraph::new(hint), foot);
}
