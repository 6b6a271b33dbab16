//! The deals panel: the contact's deals, the one under the cursor lit,
//! and what the panel asks for (a stage, a lost reason, a value, a name,
//! a yes to delete).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

use super::*;
use crate::app::{DealsMode, DealsPanel};

pub(super) fn render(p: &DealsPanel, s: &State, f: &mut Frame, area: Rect, theme: &Theme) {
    let deals = s.detail.deals.loaded().map(Vec::as_slice).unwrap_or(&[]);
    let sorted = crate::app::deals::sorted(deals);
    let current = sorted.get(p.cursor).copied();
    let asked: Vec<Line> = match (&p.mode, current) {
        (DealsMode::Stage(at), Some(o)) => {
            let mut v = vec![Line::from(Span::styled(
                "Move to which stage?",
                theme.title,
            ))];
            if let Some(pl) = s.deals.pipeline(o.pipeline_id.as_deref()) {
                for (i, st) in pl.stages.iter().enumerate() {
                    let here = o.pipeline_stage_id.as_deref() == Some(st.id.as_str());
                    let style = if i == *at { theme.selected } else { theme.text };
                    v.push(Line::from(Span::styled(
                        format!(" {} {}", if here { "•" } else { " " }, clean(&st.name)),
                        style,
                    )));
                }
            }
            v.push(Line::from(Span::styled(
                "enter: move · esc: back · • where it is",
                theme.dim,
            )));
            v
        }
        (DealsMode::LostReason(at), Some(_)) => {
            let mut v = vec![Line::from(Span::styled("Lost, because…", theme.title))];
            let reasons = s
                .deals
                .lost_reasons
                .loaded()
                .map(Vec::as_slice)
                .unwrap_or(&[]);
            let names = std::iter::once("(no reason given)".to_string())
                .chain(reasons.iter().map(|r| clean(&r.name).into_owned()));
            for (i, n) in names.enumerate() {
                let style = if i == *at { theme.selected } else { theme.text };
                v.push(Line::from(Span::styled(format!("   {n}"), style)));
            }
            v.push(Line::from(Span::styled(
                "enter: mark lost · esc: back",
                theme.dim,
            )));
            v
        }
        (DealsMode::Value(t), Some(_)) => vec![
            Line::from(vec![
                Span::styled("Value: ", theme.title),
                Span::styled(format!("{}▏", clean(t)), theme.text),
            ]),
            Line::from(Span::styled(
                "4500, 4,500.50 or 4.5k · enter: save · esc: back",
                theme.dim,
            )),
        ],
        (DealsMode::Name(t), Some(_)) => vec![
            Line::from(vec![
                Span::styled("Name: ", theme.title),
                Span::styled(format!("{}▏", clean(t)), theme.text),
            ]),
            Line::from(Span::styled("enter: save · esc: back", theme.dim)),
        ],
        (DealsMode::NewPipeline(at), _) => {
            let mut v = vec![Line::from(Span::styled(
                "A new deal in which pipeline?",
                theme.title,
            ))];
            for (i, pl) in s.deals.pipelines.loaded().into_iter().flatten().enumerate() {
                let style = if i == *at { theme.selected } else { theme.text };
                v.push(Line::from(Span::styled(
                    format!("   {}", clean(&pl.name)),
                    style,
                )));
            }
            v.push(Line::from(Span::styled(
                "enter: pick · esc: back",
                theme.dim,
            )));
            v
        }
        (DealsMode::NewName(pl, t), _) => vec![
            Line::from(vec![
                Span::styled(
                    format!(
                        "New deal in {}: ",
                        clean(s.deals.pipeline(Some(pl)).map_or("?", |p| p.name.as_str()))
                    ),
                    theme.title,
                ),
                Span::styled(format!("{}▏", clean(t)), theme.text),
            ]),
            Line::from(Span::styled(
                "its name · enter: create (first stage, open) · esc: back",
                theme.dim,
            )),
        ],
        (DealsMode::ConfirmDelete, Some(o)) => vec![
            Line::from(Span::styled(
                format!(
                    "Delete “{}”? It cannot be undone.",
                    clean(o.name.as_deref().unwrap_or("(no name)"))
                ),
                theme.error,
            )),
            Line::from(Span::styled(
                "y: delete · any other key: keep it",
                theme.dim,
            )),
        ],
        _ => vec![
            Line::from(Span::styled(
                "> < stage · s pick a stage · w won · L lost · A abandoned · o open",
                theme.dim,
            )),
            Line::from(Span::styled(
                "v value · r name · n new deal · D delete · u undo · esc close",
                theme.dim,
            )),
        ],
    };
    let rows = sorted.len().max(1) as u16;
    let height = (rows + asked.len() as u16 + 3).min(area.height);
    let width = area.width.saturating_sub(4).min(110);
    let r = centered(area, width, height);
    f.render_widget(Clear, r);
    let title = format!("Deals · {}", clean(&p.contact_name));
    let block = boxed(&fit(&title, usize::from(width.saturating_sub(6))), theme);
    let inner = block.inner(r);
    f.render_widget(block, r);
    let w = usize::from(inner.width);
    let many = s.deals.pipelines.loaded().is_some_and(|p| p.len() > 1);
    let vw = crate::ui::deals::value_width(deals);
    // The list keeps the cursor in view above what is asked.
    let room = usize::from(inner.height)
        .saturating_sub(asked.len() + 1)
        .max(1);
    let first = p.cursor.saturating_sub(room.saturating_sub(1));
    let mut lines: Vec<Line> = Vec::new();
    if sorted.is_empty() {
        lines.push(Line::from(Span::styled(" No deals.", theme.dim)));
    }
    for (i, o) in sorted.iter().enumerate().skip(first).take(room) {
        let (value, place, name, style) = crate::ui::deals::row_parts(s, o, w, many, vw, theme);
        let on = i == p.cursor;
        let st = |x| if on { theme.selected } else { x };
        let place = fit(&place, w.saturating_sub(vw + 6).min(50));
        let used = 2 + vw + 2 + unicode_width::UnicodeWidthStr::width(place.as_str()) + 2;
        lines.push(Line::from(vec![
            Span::styled(
                format!("{}{value:>vw$}  ", if on { "▸ " } else { "  " }),
                st(style),
            ),
            Span::styled(place, st(theme.dim)),
            Span::styled(
                format!("  {}", fit(&name, w.saturating_sub(used))),
                st(style),
            ),
        ]));
    }
    lines.push(Line::raw(""));
    lines.extend(asked.into_iter().map(|l| {
        let text: String = l.spans.iter().map(|s| s.content.as_ref()).collect();
        let style = l.spans.first().map(|s| s.style).unwrap_or_default();
        if l.spans.len() == 1 {
            Line::from(Span::styled(fit(&text, w), style))
        } else {
            l
        }
    }));
    f.render_widget(Paragraph::new(lines), inner);
}
