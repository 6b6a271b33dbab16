//! DetailPane (fields, tags, tasks, notes, appointments) and TodayView.

use chrono::{DateTime, Utc};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::{bold, clean, fit};
use crate::api::model::{Contact, Task, parse_timestamp};
use crate::app::{DetailItem, Focus, Remote, State};
use crate::due::relative;
use crate::theme::Theme;

pub(super) fn section<'a, T>(
    title: &str,
    remote: &Remote<T>,
    count: impl Fn(&T) -> String,
    theme: &Theme,
) -> Line<'a> {
    let status = match remote {
        Remote::Idle | Remote::Loading => " loading…".to_string(),
        Remote::Failed(e) => format!(" failed: {}", clean(e)),
        Remote::Loaded(t) => count(t),
    };
    let style = if matches!(remote, Remote::Failed(_)) {
        theme.error
    } else {
        theme.dim
    };
    Line::from(vec![
        Span::styled(title.to_string(), theme.title),
        Span::styled(status, style),
    ])
}

fn local(t: DateTime<Utc>, s: &State) -> String {
    t.with_timezone(&s.zone)
        .format("%a %b %-d %H:%M")
        .to_string()
}

pub(super) fn task_style(t: &Task, s: &State, theme: &Theme) -> (Style, String) {
    if t.completed {
        return (theme.done, "done".into());
    }
    match t.due() {
        Some(d) => {
            let rel = relative(d, s.now);
            let today_end = s.now.with_timezone(&s.zone).date_naive();
            if d < s.now {
                (theme.overdue, rel)
            } else if d.with_timezone(&s.zone).date_naive() == today_end {
                (theme.due_today, rel)
            } else {
                (theme.text, rel)
            }
        }
        None => (theme.text, "no due date".into()),
    }
}

/// The contact's own time now, when their zone is not the user's: the
/// first thing a caller wants to know.
fn their_time(c: &Contact, s: &State) -> Option<String> {
    let theirs = crate::zone::Zone::parse(c.timezone.as_deref()?)?;
    let now_theirs = s.now.with_timezone(&theirs);
    let now_ours = s.now.with_timezone(&s.zone);
    (now_theirs.naive_local() != now_ours.naive_local()).then(|| {
        // The city of the zone's name is enough here; `m` shows it whole.
        let name = theirs.name();
        let place = name.rsplit('/').next().unwrap_or(&name).replace('_', " ");
        format!("{} in {place}", now_theirs.format("%a %H:%M"))
    })
}

fn field_lines<'a>(c: &Contact, s: &State, width: usize, theme: &Theme) -> Vec<Line<'a>> {
    let address: Vec<&str> = [&c.address1, &c.city, &c.state, &c.postal_code, &c.country]
        .into_iter()
        .filter_map(|v| v.as_deref())
        .filter(|v| !v.trim().is_empty())
        .collect();
    let address = address.join(", ");
    // Do not disturb: every channel, or the channels that are, with why.
    let channels = c.dnd_channels();
    let dnd = if c.dnd == Some(true) {
        Some("all channels".to_string())
    } else if channels.is_empty() {
        None
    } else {
        Some(
            channels
                .iter()
                .map(|d| {
                    let mut s = d.channel.clone();
                    if d.status == "permanent" {
                        s.push_str(" (permanent)");
                    }
                    if let Some(m) = &d.message {
                        s.push_str(&format!(": {m}"));
                    }
                    s
                })
                .collect::<Vec<_>>()
                .join(" · "),
        )
    };
    let added = c
        .date_added
        .as_deref()
        .and_then(parse_timestamp)
        .map(|t| t.format("%Y-%m-%d").to_string());
    // Lines are few at 80×24: the contact's time shares the phone's line
    // (it is what a caller wants to know), the date added the type's.
    let join = |a: Option<String>, b: Option<String>| match (a, b) {
        (Some(a), Some(b)) if !a.trim().is_empty() => Some(format!("{a} · {b}")),
        (a, None) => a,
        (_, b) => b,
    };
    let time = their_time(c, s);
    let (phone, time) = match c.phone.clone().filter(|p| !p.trim().is_empty()) {
        Some(p) => (join(Some(p), time), None),
        None => (None, time),
    };
    let kind = join(c.contact_type.clone(), added.map(|a| format!("added {a}")));
    let followers = c.followers();
    let watchers = (!followers.is_empty()).then(|| {
        followers
            .iter()
            .map(|u| s.user_label(u))
            .collect::<Vec<_>>()
            .join(", ")
    });
    let fields: [(&str, Option<String>); 10] = [
        ("Email", c.email.clone()),
        ("Phone", phone),
        ("Time", time),
        ("Owner", c.assigned_to.as_deref().map(|u| s.user_label(u))),
        ("Watchers", watchers),
        ("Company", c.company_name.clone()),
        ("Address", Some(address)),
        ("Website", c.website.clone()),
        ("Type", kind),
        ("DND", dnd),
    ];
    fields
        .into_iter()
        .filter_map(|(label, v)| v.filter(|v| !v.trim().is_empty()).map(|v| (label, v)))
        .map(|(label, v)| {
            Line::from(vec![
                Span::styled(format!("{label:<8} "), theme.dim),
                Span::raw(fit(&clean(&v), width.saturating_sub(9))),
            ])
        })
        .collect()
}

/// The contact's custom field values, by name (see
/// [`crate::api::locations::named_values`]).
fn custom_values(c: &Contact, s: &State) -> Vec<(String, String)> {
    let defs = s.custom_fields.loaded().map_or(&[][..], Vec::as_slice);
    crate::api::locations::named_values(defs, c.custom_fields.as_deref().unwrap_or(&[]))
}

/// Custom values on the pane's own lines: the name dim, the value after.
fn custom_lines<'a>(values: &[(String, String)], width: usize, theme: &Theme) -> Vec<Line<'a>> {
    // One column for their names, as wide as the longest (within reason).
    let cap = (width / 2).max(8);
    let col = values
        .iter()
        .map(|(k, _)| clean(k).chars().count().min(cap))
        .max()
        .unwrap_or(0)
        .max(8);
    // A long text wraps, to three lines here (all of it under `m`).
    let mut out = Vec::new();
    for (k, v) in values {
        let room = width.saturating_sub(col + 1).max(4);
        let mut wrapped = crate::text::wrap(v.trim(), room);
        if wrapped.len() > 3 {
            wrapped.truncate(3);
            wrapped[2] = fit(&format!("{}…", wrapped[2]), room);
        }
        for (i, l) in wrapped.into_iter().enumerate() {
            let label = if i == 0 {
                fit(&clean(k), cap)
            } else {
                String::new()
            };
            out.push(Line::from(vec![
                Span::styled(format!("{label:<col$} "), theme.dim),
                Span::raw(l),
            ]));
        }
    }
    out
}

fn more_lines<'a>(
    c: &Contact,
    custom: &[(String, String)],
    width: usize,
    theme: &Theme,
) -> Vec<Line<'a>> {
    let mut out = Vec::new();
    // The custom fields' names in one column, as wide as the longest.
    let col = custom
        .iter()
        .map(|(k, _)| clean(k).chars().count())
        .max()
        .unwrap_or(0)
        .min(22);
    let kv = |k: &str, v: String| {
        Line::from(vec![
            Span::styled(format!("  {} ", fit(&clean(k), 22)), theme.dim),
            Span::raw(fit(&clean(&v), width.saturating_sub(26))),
        ])
    };
    // Custom values in full: a long text wraps under its name.
    let room = width.saturating_sub(col + 3).max(8);
    for (k, v) in custom {
        for (i, l) in crate::text::wrap(v.trim(), room).into_iter().enumerate() {
            let name = if i == 0 {
                fit(&clean(k), col)
            } else {
                String::new()
            };
            out.push(Line::from(vec![
                Span::styled(format!("  {name:<col$} "), theme.dim),
                Span::raw(l),
            ]));
        }
    }
    for (k, v) in [
        ("source", &c.source),
        ("timezone", &c.timezone),
        ("assignedTo", &c.assigned_to),
        ("businessId", &c.business_id),
        ("updated", &c.date_updated),
        ("id", &Some(c.id.clone())),
    ] {
        if let Some(v) = v.as_ref().filter(|v| !v.is_empty()) {
            out.push(kv(k, v.clone()));
        }
    }
    for (k, v) in c.extra.to_map() {
        out.push(kv(&k, v.to_string()));
    }
    out
}

fn count_more(c: &Contact, custom: usize) -> usize {
    custom
        + [
            &c.source,
            &c.timezone,
            &c.assigned_to,
            &c.business_id,
            &c.date_updated,
        ]
        .iter()
        .filter(|v| v.as_ref().is_some_and(|v| !v.is_empty()))
        .count()
        + 1
        + c.extra.len()
}

pub fn render_contact(s: &State, f: &mut Frame, area: Rect, theme: &Theme) {
    let focused = s.focus == Focus::Detail;
    let block = super::pane(focused, theme);
    // The full record once fetched; the list's slim copy until then.
    let full = s
        .detail
        .contact
        .loaded()
        .filter(|c| s.detail.contact_id.as_deref() == Some(c.id.as_str()));
    let slim = match full {
        Some(_) => None,
        None => s
            .detail
            .contact_id
            .as_deref()
            .and_then(|id| s.contact_by_id(id)),
    };
    let Some(c) = full.or(slim.as_ref()) else {
        let p = Paragraph::new(Span::styled(" No contact selected.", theme.dim)).block(block);
        f.render_widget(p, area);
        return;
    };
    let block = block.title(Line::from(Span::styled(
        format!(
            " {} ",
            fit(
                &clean(&c.display_name()),
                usize::from(area.width.saturating_sub(4))
            )
        ),
        bold(theme.title),
    )));
    let inner = block.inner(area);
    f.render_widget(block, area);
    let width = usize::from(inner.width);

    let mut lines: Vec<Line> = field_lines(c, s, width, theme);
    // Custom fields by name: on the pane's own lines when it is tall
    // enough, else with the rest of the record under `m`.
    let custom = full.map(|c| custom_values(c, s)).unwrap_or_default();
    // At most a handful inline, so the sections keep their place; the
    // rest wait under `m`.
    let inline = if inner.height >= 30 {
        custom.len().min(usize::from(inner.height / 6))
    } else {
        0
    };
    lines.extend(custom_lines(&custom[..inline], width, theme));
    let folded: &[(String, String)] = &custom[inline..];
    // In a short pane the deals take one line among the fields (`m` shows
    // them all, in their own section).
    let short_deals = inner.height < 30 && !s.detail.show_more;
    if short_deals {
        lines.push(super::deals::deal_summary(s, width, theme));
    }
    if !c.tags().is_empty() {
        let mut spans = vec![Span::styled("Tags     ", theme.dim)];
        for t in c.tags() {
            spans.push(Span::styled(format!("#{} ", clean(t)), theme.tag));
        }
        lines.push(Line::from(spans));
    }
    match (&s.detail.contact, full) {
        (_, Some(c)) if s.detail.show_more => {
            lines.push(Line::from(Span::styled("More (m hides)", theme.dim)));
            lines.extend(more_lines(c, folded, width, theme));
        }
        (_, Some(c)) => lines.push(Line::from(Span::styled(
            format!("m: {} more fields", count_more(c, folded.len())),
            theme.dim,
        ))),
        (Remote::Failed(e), None) => lines.push(Line::from(Span::styled(
            fit(
                &format!("full record failed (r retries): {}", clean(e)),
                width,
            ),
            theme.error,
        ))),
        (_, None) => lines.push(Line::from(Span::styled(
            "loading the full record…",
            theme.dim,
        ))),
    }

    let cursor = if focused { s.detail.current() } else { None };
    let mut cursor_line = 0;
    let sel = |on: bool, st: Style| if on { st.patch(theme.selected) } else { st };

    // Deals: where the contact's business stands, before what to do next.
    if !short_deals {
        lines.push(Line::default());
        lines.extend(super::deals::deal_lines(s, width, theme));
    }

    // Tasks: open first, overdue highlighted, due dates relative.
    lines.push(Line::default());
    let tasks = s.detail.sorted_tasks();
    let open = tasks.iter().filter(|t| !t.completed).count();
    lines.push(section(
        "Tasks",
        &s.detail.tasks,
        |_| format!(" {open} open, {} done", tasks.len() - open),
        theme,
    ));
    if s.detail.tasks.loaded().is_some_and(Vec::is_empty) {
        lines.push(Line::from(Span::styled("  none · t adds one", theme.dim)));
    }
    for (i, t) in tasks.iter().enumerate() {
        let on = cursor == Some(DetailItem::Task(i));
        if on {
            cursor_line = lines.len();
        }
        let (st, when) = task_style(t, s, theme);
        let mark = if t.completed { "[x]" } else { "[ ]" };
        let pending = if crate::app::is_stand_in(&t.id) {
            " (saving…)"
        } else {
            ""
        };
        let title = clean(t.title.as_deref().unwrap_or("(untitled)")).into_owned();
        // Whose it is, by first name: the full name is in the picker (a).
        let who = super::assignee_tag(t, s);
        // Capped so the due date stays near its title on wide screens.
        let room = width
            .saturating_sub(when.chars().count() + 7 + pending.len())
            .min(60);
        let who = fit(&who, room / 3);
        let room = room.saturating_sub(who.chars().count());
        lines.push(Line::from(vec![
            Span::styled(
                format!("{}{mark} ", if on { "▸ " } else { "  " }),
                sel(on, st),
            ),
            Span::styled(
                format!("{:<room$}", fit(&title, room)),
                sel(on, if t.completed { theme.done } else { theme.text }),
            ),
            Span::styled(who, sel(on, theme.dim)),
            Span::styled(pending.to_string(), sel(on, theme.dim)),
            Span::styled(format!(" {when}"), sel(on, st)),
        ]));
        // The task under the cursor in full: who it is for, its body.
        if on {
            let pad = " ".repeat(6);
            if let Some(u) = t.assigned_to.as_deref() {
                lines.push(Line::from(Span::styled(
                    format!(
                        "{pad}for {}",
                        fit(&clean(&s.user_label(u)), width.saturating_sub(10))
                    ),
                    theme.dim,
                )));
            }
            let body = t.body.as_deref().unwrap_or("").trim();
            for l in crate::text::wrap(body, width.saturating_sub(7).max(8)) {
                if !body.is_empty() {
                    lines.push(Line::from(vec![Span::raw(pad.clone()), Span::raw(l)]));
                }
            }
        }
    }

    // Notes: newest first, the first lines of each; the one under the cursor in full.
    lines.push(Line::default());
    let notes = s.detail.sorted_notes();
    lines.push(section(
        "Notes",
        &s.detail.notes,
        |n| format!(" {}", n.len()),
        theme,
    ));
    if s.detail.notes.loaded().is_some_and(Vec::is_empty) {
        lines.push(Line::from(Span::styled("  none · n adds one", theme.dim)));
    }
    for (i, n) in notes.iter().enumerate() {
        let on = cursor == Some(DetailItem::Note(i));
        if on {
            cursor_line = lines.len();
        }
        let date = n
            .date_added
            .as_deref()
            .and_then(parse_timestamp)
            .map(|t| t.with_timezone(&s.zone).format("%Y-%m-%d").to_string())
            .unwrap_or_default();
        let body = n.body.as_deref().unwrap_or("");
        // The note under the cursor wrapped and whole (J/K scroll it);
        // the others by their first lines.
        let wrapped: Vec<String> = if on {
            crate::text::wrap(body, width.saturating_sub(14).max(8))
                .into_iter()
                .filter(|l| !l.trim().is_empty())
                .collect()
        } else {
            Vec::new()
        };
        let body_lines: Vec<&str> = if on {
            wrapped.iter().map(String::as_str).collect()
        } else {
            body.lines().filter(|l| !l.trim().is_empty()).collect()
        };
        // On a short pane a note not under the cursor takes one line, so
        // that every section keeps its place.
        let compact = inner.height < 30;
        let shown = if on {
            body_lines.len()
        } else if compact {
            body_lines.len().min(1)
        } else {
            body_lines.len().min(2)
        };
        for (li, l) in body_lines.iter().take(shown.max(1)).enumerate() {
            let prefix = if li == 0 {
                format!("  {date:<10} ")
            } else {
                " ".repeat(13)
            };
            let text = fit(&clean(l), width.saturating_sub(14));
            lines.push(Line::from(vec![
                Span::styled(prefix, sel(on, theme.dim)),
                Span::styled(text, sel(on, theme.text)),
            ]));
        }
        // The note under the cursor says who wrote it.
        if on && let Some(author) = n.user_id.as_deref().map(|u| s.user_label(u)) {
            lines.push(Line::from(Span::styled(
                format!(
                    "{}— {}",
                    " ".repeat(13),
                    fit(&clean(&author), width.saturating_sub(16))
                ),
                sel(on, theme.dim),
            )));
        }
        if body_lines.len() > shown && (on || !compact) {
            lines.push(Line::from(Span::styled(
                {
                    let more = body_lines.len() - shown;
                    format!(
                        "{}… {more} more line{}",
                        " ".repeat(13),
                        if more == 1 { "" } else { "s" }
                    )
                },
                theme.dim,
            )));
        }
    }

    // Appointments: upcoming first (soonest first), then past (latest first).
    lines.push(Line::default());
    lines.push(section(
        "Appointments",
        &s.detail.appointments,
        |a| format!(" {}", a.len()),
        theme,
    ));
    if let Some(appts) = s.detail.appointments.loaded() {
        if appts.is_empty() {
            lines.push(Line::from(Span::styled("  none", theme.dim)));
        }
        for (i, a) in s.detail.sorted_appointments(s.now).into_iter().enumerate() {
            let on = cursor == Some(DetailItem::Appointment(i));
            if on {
                cursor_line = lines.len();
            }
            let when = a.start().map(|t| local(t, s)).unwrap_or_else(|| "?".into());
            let pending = if crate::app::is_stand_in(&a.id) {
                " (saving…)"
            } else {
                ""
            };
            let status = format!(
                "{}{pending}",
                clean(a.appointment_status.as_deref().unwrap_or(""))
            );
            let st = if a.start().is_some_and(|t| t >= s.now) {
                theme.text
            } else {
                theme.dim
            };
            // With whom, by first name (the calendar's user).
            let title = format!(
                "{}{}",
                clean(a.title.as_deref().unwrap_or("")),
                super::user_tag(a.assigned_user_id.as_deref(), s)
            );
            let room = width
                .saturating_sub(when.chars().count() + status.chars().count() + 6)
                .min(60);
            lines.push(Line::from(vec![
                Span::styled(
                    format!("{}{when} ", if on { "▸ " } else { "  " }),
                    sel(on, st),
                ),
                Span::styled(format!("{:<room$}", fit(&title, room)), sel(on, st)),
                Span::styled(format!(" {status}"), sel(on, theme.dim)),
            ]));
        }
    }

    // Messages: the newest few, every channel, newest first.
    lines.push(Line::default());
    lines.push(section(
        "Messages",
        &s.detail.messages,
        |t| {
            let unread = t.unread();
            let shown = t.messages.len().min(crate::app::messages::SECTION_MESSAGES);
            let mut n = if t.more || t.messages.len() > shown {
                format!(" · newest {shown}")
            } else {
                format!(" {shown}")
            };
            if unread > 0 {
                n.push_str(&format!(" · {unread} unread"));
            }
            n
        },
        theme,
    ));
    if let Some(t) = s.detail.messages.loaded() {
        let cid = s.detail.contact_id.as_deref().unwrap_or("");
        let waiting = s
            .replies_to(cid)
            .iter()
            .filter(|r| r.state == crate::app::messages::ReplyState::Sending)
            .count();
        let unsure = s.replies_to(cid).len() - waiting;
        if unsure > 0 {
            lines.push(Line::from(Span::styled(
                format!(
                    "  {unsure} {} not sent, or may have been: {} shows the thread",
                    if unsure == 1 { "message" } else { "messages" },
                    s.keymap.key_for(crate::keymap::Action::Thread)
                ),
                theme.error,
            )));
        }
        if t.messages.is_empty() && waiting == 0 {
            lines.push(Line::from(Span::styled(
                format!(
                    "  none · {} sends one",
                    s.keymap.key_for(crate::keymap::Action::Thread)
                ),
                theme.dim,
            )));
        }
        if waiting > 0 {
            lines.push(Line::from(Span::styled(
                format!(
                    "  {waiting} {} on {} way ({} shows the thread)",
                    if waiting == 1 { "reply" } else { "replies" },
                    if waiting == 1 { "its" } else { "their" },
                    s.keymap.key_for(crate::keymap::Action::Thread)
                ),
                theme.accent,
            )));
        }
        for (i, m) in s.detail.shown_messages().iter().enumerate() {
            let on = cursor == Some(DetailItem::Message(i));
            if on {
                cursor_line = lines.len();
            }
            let when = m.at().map(|t| local(t, s)).unwrap_or_else(|| "?".into());
            let dir = if m.inbound() { "←" } else { "→" };
            let channel = clean(&m.channel()).into_owned();
            let head = format!("{}{when} {channel:<5} {dir} ", if on { "▸ " } else { "  " });
            let room = width.saturating_sub(head.chars().count());
            lines.push(Line::from(vec![
                Span::styled(
                    head,
                    sel(on, if m.inbound() { theme.text } else { theme.dim }),
                ),
                Span::styled(fit(&clean(&m.summary()), room), sel(on, theme.text)),
            ]));
        }
        if focused && s.detail.current_message().is_some() {
            lines.push(Line::from(Span::styled(
                "  enter: the whole thread, and reply",
                theme.dim,
            )));
        }
    }

    let height = usize::from(inner.height);
    // The cursor's item in view, and as far past it as J has scrolled.
    let extra = match s.detail.scroll {
        (at, by) if at == s.detail.cursor && focused => by,
        _ => 0,
    };
    let scroll = cursor_line
        .saturating_sub(height.saturating_sub(3))
        .saturating_add_signed(extra)
        .min(
            lines
                .len()
                .saturating_sub(height.min(lines.len()))
                .max(cursor_line.saturating_sub(height.saturating_sub(3))),
        )
        .min(lines.len().saturating_sub(1));
    let p = Paragraph::new(lines).scroll((u16::try_from(scroll).unwrap_or(u16::MAX), 0));
    f.render_widget(p, inner);
}
