//! The export prompt: the file's name.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

use super::*;

pub(super) fn render(p: &crate::app::ExportPrompt, f: &mut Frame, area: Rect, theme: &Theme) {
    let r = centered(area, 64, 8);
    f.render_widget(Clear, r);
    let title = format!("Export {}", clean(&p.label));
    let rest = prompt(
        f,
        r,
        &title,
        &p.input,
        p.error.as_deref(),
        "enter: write · esc: cancel",
        theme,
    );
    let lines = vec![
        Line::from(Span::styled(
            ".vcf: vCard 4.0 (address books) · .csv: a spreadsheet",
            theme.dim,
        )),
        Line::from(Span::styled(
            "from where rolo started (~/ for home); never overwrites",
            theme.dim,
        )),
    ];
    f.render_widget(Paragraph::new(lines), rest);
}
