//! The detail pane's Deals section: each deal of the contact with its
//! stage by name, value, age in stage (or how it ended) and owner.

use ratatui::text::{Line, Span};

use super::{clean, fit};
use crate::api::locations::money;
use crate::api::opportunities::Status;
use crate::app::State;
use crate::theme::Theme;

/// "12d" in the stage, "today" for less than a day.
fn age(s: &State, at: Option<&str>) -> Option<String> {
    let t = crate::api::model::parse_timestamp(at?)?;
    Some(match (s.now - t).num_days() {
        d if d < 1 => "today".to_string(),
        d => format!("{d}d"),
    })
}

/// One line for a short pane, in the fields' column: how many deals are
/// open and worth what, and where the first of them stands.
pub(super) fn deal_summary(s: &State, width: usize, theme: &Theme) -> Line<'static> {
    let text = match &s.detail.deals {
        crate::app::Remote::Idle | crate::app::Remote::Loading => "loading…".to_string(),
        crate::app::Remote::Failed(e) => format!("failed: {}", clean(e)),
        crate::app::Remote::Loaded(d) if d.is_empty() => "none".to_string(),
        crate::app::Remote::Loaded(d) => {
            let sorted = crate::app::deals::sorted(d);
            let open: Vec<_> = sorted
                .iter()
                .filter(|o| o.status() == Some(Status::Open))
                .collect();
            let value: f64 = open.iter().filter_map(|o| o.monetary_value).sum();
            let closed = d
                .iter()
                .filter(|o| o.status().is_some_and(|st| st != Status::Open))
                .count();
            let mut t = format!("{} open", open.len());
            if let Some(first) = open.first() {
                t.push_str(&format!(" {}", money(value)));
                if let (_, Some(stage)) = s.deals.place(first) {
                    t.push_str(&format!(" · {}", clean(stage)));
                    if let Some(a) = age(s, first.last_stage_change_at.as_deref()) {
                        t.push_str(&format!(" {a}"));
                    }
                }
                if open.len() > 1 {
                    t.push_str(" …");
                }
            }
            if closed > 0 {
                t.push_str(&format!(", {closed} closed"));
            }
            t
        }
    };
    let style = if matches!(s.detail.deals, crate::app::Remote::Failed(_)) {
        theme.error
    } else {
        theme.text
    };
    Line::from(vec![
        Span::styled("Deals    ", theme.dim),
        Span::styled(fit(&text, width.saturating_sub(9)), style),
    ])
}

pub(super) fn deal_lines(s: &State, width: usize, theme: &Theme) -> Vec<Line<'static>> {
    let deals = s.detail.deals.loaded().map(Vec::as_slice).unwrap_or(&[]);
    let open: Vec<_> = deals
        .iter()
        .filter(|o| o.status() == Some(Status::Open))
        .collect();
    let value: f64 = open.iter().filter_map(|o| o.monetary_value).sum();
    let mut lines = vec![super::detail::section(
        "Deals",
        &s.detail.deals,
        |d| {
            let closed = d
                .iter()
                .filter(|o| o.status().is_some_and(|st| st != Status::Open))
                .count();
            let mut t = format!(" {} open", open.len());
            if !open.is_empty() {
                t.push_str(&format!(" · {}", money(value)));
            }
            if closed > 0 {
                t.push_str(&format!(", {closed} closed"));
            }
            t
        },
        theme,
    )];
    if s.detail.deals.loaded().is_some_and(Vec::is_empty) {
        lines.push(Line::from(Span::styled("  none", theme.dim)));
    }
    let many_pipelines = s.deals.pipelines.loaded().is_some_and(|p| p.len() > 1);
    let vw = value_width(deals);
    // Every open deal; of the closed, the newest few (the rest are a line
    // away in `rolo deals`), so the sections below keep their place.
    let (mut shown, mut shown_closed, mut hidden) = (0, 0, 0);
    for o in crate::app::deals::sorted(deals) {
        let closed = o.status().is_some_and(|st| st != Status::Open);
        if shown >= MAX_DEALS || (closed && shown_closed >= MAX_CLOSED) {
            hidden += 1;
            continue;
        }
        shown += 1;
        shown_closed += usize::from(closed);
        let (value, place, name, style) = row_parts(s, o, width, many_pipelines, vw, theme);
        let place_room = width.saturating_sub(vw + 6).min(44);
        let place = fit(&place, place_room);
        let used = 2 + vw + 2 + unicode_width::UnicodeWidthStr::width(place.as_str()) + 2;
        lines.push(Line::from(vec![
            Span::styled(format!("  {value:>vw$}  "), style),
            Span::styled(place, theme.dim),
            Span::styled(
                format!("  {}", fit(&name, width.saturating_sub(used))),
                style,
            ),
        ]));
    }
    if hidden > 0 {
        lines.push(Line::from(Span::styled(
            format!("  … {hidden} more (rolo deals lists them all)"),
            theme.dim,
        )));
    }
    lines
}

/// The deals the pane lists, and of them the closed ones, before it says
/// how many more there are.
const MAX_DEALS: usize = 8;
const MAX_CLOSED: usize = 3;

/// One deal's columns: its value (cut to `vw`), where it stands, its name
/// with its owner, and the style of an open or a closed one.
pub(super) fn row_parts(
    s: &State,
    o: &crate::api::opportunities::Opportunity,
    width: usize,
    many_pipelines: bool,
    vw: usize,
    theme: &Theme,
) -> (String, String, String, ratatui::style::Style) {
    let (pipeline, stage) = s.deals.place(o);
    let status = o.status();
    let place = match status {
        Some(Status::Open) | None => {
            let stage = stage.map_or_else(|| "stage ?".to_string(), |n| clean(n).into_owned());
            let stage = match pipeline {
                Some(p) if many_pipelines && width >= 70 => format!("{} › {stage}", clean(p)),
                _ => stage,
            };
            // A status rolo does not know is shown as the server said it.
            let stage = match (status, o.status.as_deref()) {
                (None, Some(raw)) if !raw.trim().is_empty() => {
                    format!("{} · {stage}", clean(raw))
                }
                _ => stage,
            };
            match age(
                s,
                o.last_stage_change_at
                    .as_deref()
                    .or(o.created_at.as_deref()),
            ) {
                Some(a) => format!("{stage} · {a}"),
                None => stage,
            }
        }
        Some(Status::Lost) => match s.deals.lost_reason(o.lost_reason_id.as_deref()) {
            Some(r) => format!("lost: {}", clean(r)),
            None => "lost".to_string(),
        },
        Some(st) => st.as_str().to_string(),
    };
    let value = fit(&o.monetary_value.map(money).unwrap_or_default(), vw);
    let name = format!(
        "{}{}",
        clean(o.name.as_deref().unwrap_or("(no name)")),
        super::user_tag(o.assigned_to.as_deref(), s)
    );
    let style = if status == Some(Status::Open) {
        theme.text
    } else {
        theme.dim
    };
    (value, place, name, style)
}

/// The values right-aligned, as wide as the widest of them (at most 16).
pub(super) fn value_width(deals: &[crate::api::opportunities::Opportunity]) -> usize {
    deals
        .iter()
        .map(|o| {
            o.monetary_value
                .map(money)
                .unwrap_or_default()
                .chars()
                .count()
        })
        .max()
        .unwrap_or(0)
        .min(16)
}
