//! `rolo deals CONTACT` and `rolo pipeline [NAME]`: where a contact's deals
//! stand, and a pipeline's open deals per stage, with names, never ids.

use std::io::Write;

use chrono::Utc;
use serde_json::{Value, json};

use super::verbs::{Failure, Lookups, Outcome, Paint, print_json, resolve_contact};
use crate::api::Client;
use crate::api::locations::money;
use crate::api::opportunities::{Opportunity, OpportunitySearch, Pipeline, Status};
use crate::text::sanitize;

/// What a deal's ids name, as far as the location says.
pub struct Named<'a> {
    pub pipeline: Option<&'a Pipeline>,
    pub stage: Option<&'a str>,
    pub owner: Option<String>,
    pub lost_reason: Option<&'a str>,
    /// Whole days since the deal came into its stage.
    pub days_in_stage: Option<i64>,
}

pub fn named<'a>(
    o: &Opportunity,
    pipelines: &'a [Pipeline],
    users: &[crate::api::users::User],
    reasons: &'a [crate::api::opportunities::LostReason],
    now: chrono::DateTime<Utc>,
) -> Named<'a> {
    let pipeline = pipelines
        .iter()
        .find(|p| Some(p.id.as_str()) == o.pipeline_id.as_deref());
    let stage = pipeline
        .zip(o.pipeline_stage_id.as_deref())
        .and_then(|(p, s)| p.stage(s))
        .map(|(_, s)| s.name.as_str());
    let owner = o
        .assigned_to
        .as_deref()
        .filter(|id| !id.is_empty())
        .map(|id| {
            users
                .iter()
                .find(|u| u.id == id)
                .map_or_else(|| id.to_string(), |u| u.display_name())
        });
    let lost_reason = o
        .lost_reason_id
        .as_deref()
        .and_then(|id| reasons.iter().find(|r| r.id == id).map(|r| r.name.as_str()));
    let days_in_stage = o
        .last_stage_change_at
        .as_deref()
        .or(o.created_at.as_deref())
        .and_then(crate::api::model::parse_timestamp)
        .map(|t| (now - t).num_days().max(0));
    Named {
        pipeline,
        stage,
        owner,
        lost_reason,
        days_in_stage,
    }
}

/// `rolo deals CONTACT`: each of the contact's deals, open ones first.
pub async fn deals(client: &Client, what: &str, as_json: bool) -> Outcome {
    let c = resolve_contact(client, what).await?;
    let (found, pipelines, reasons, look) = tokio::join!(
        client.contact_opportunities(&c.id),
        client.pipelines(),
        client.lost_reasons(),
        Lookups::load(client, None, true),
    );
    let found = found?;
    let pipelines = pipelines?;
    // Without the reasons (an old token, say), a lost deal says only "lost".
    let reasons = reasons.unwrap_or_default();
    let now = Utc::now();
    let found: Vec<Opportunity> = crate::api::opportunities::sorted(&found)
        .into_iter()
        .cloned()
        .collect();
    if as_json {
        let rows: Vec<Value> = found
            .iter()
            .map(|o| {
                let n = named(o, &pipelines, &look.users, &reasons, now);
                let mut v = serde_json::to_value(o).unwrap_or(Value::Null);
                v["pipelineName"] = json!(n.pipeline.map(|p| p.name.clone()));
                v["stageName"] = json!(n.stage);
                v["assignedToName"] = json!(n.owner);
                v["lostReasonName"] = json!(n.lost_reason);
                v["daysInStage"] = json!(n.days_in_stage);
                v
            })
            .collect();
        return print_json(&Value::Array(rows));
    }
    let paint = Paint::stdout();
    let mut out = std::io::stdout().lock();
    let open_value: f64 = found
        .iter()
        .filter(|o| o.status() == Some(Status::Open))
        .filter_map(|o| o.monetary_value)
        .sum();
    let open = found
        .iter()
        .filter(|o| o.status() == Some(Status::Open))
        .count();
    writeln!(
        out,
        "{}  {}",
        paint.bold(&sanitize(&c.display_name())),
        paint.dim(&format!("({})", c.id))
    )?;
    writeln!(
        out,
        "{}",
        paint.bold(&format!(
            "Deals ({}; {open} open, {})",
            found.len(),
            money(open_value)
        ))
    )?;
    for o in &found {
        let n = named(o, &pipelines, &look.users, &reasons, now);
        let status = match (o.status.as_deref(), n.lost_reason) {
            (Some("lost"), Some(r)) => format!("lost: {}", sanitize(r)),
            (Some(s), _) => sanitize(s).into_owned(),
            (None, _) => "?".into(),
        };
        let place = match (n.pipeline, n.stage) {
            (Some(p), Some(s)) => format!("{} › {}", sanitize(&p.name), sanitize(s)),
            (Some(p), None) => format!("{} › (a stage it no longer has)", sanitize(&p.name)),
            (None, _) => "(a pipeline rolo cannot see)".into(),
        };
        let days = n
            .days_in_stage
            .filter(|_| o.status() == Some(Status::Open))
            .map(|d| format!("{d}d in stage"))
            .unwrap_or_default();
        writeln!(
            out,
            "  {}  {}  {}  {}  {}  {}  {}",
            crate::text::snippet(o.name.as_deref().unwrap_or("(no name)"), 60),
            o.monetary_value.map(money).unwrap_or_default(),
            status,
            place,
            days,
            sanitize(n.owner.as_deref().unwrap_or("nobody")),
            paint.dim(&format!("[{}]", o.id))
        )?;
    }
    Ok(())
}

/// The items a name picks: every one for none; else the one whose name it
/// is, or the only one it starts (case aside). Otherwise exit 1 naming
/// them all (`what`: "pipelines", "calendars").
pub(super) fn pick_named<'a, T>(
    all: &'a [T],
    name: Option<&str>,
    name_of: impl Fn(&T) -> &str,
    what: &str,
) -> Result<Vec<&'a T>, Failure> {
    let Some(name) = name.map(str::trim).filter(|n| !n.is_empty()) else {
        return Ok(all.iter().collect());
    };
    let lower = name.to_lowercase();
    if let Some(p) = all.iter().find(|p| name_of(p).to_lowercase() == lower) {
        return Ok(vec![p]);
    }
    let starts: Vec<&T> = all
        .iter()
        .filter(|p| name_of(p).to_lowercase().starts_with(&lower))
        .collect();
    match starts.as_slice() {
        [one] => Ok(vec![*one]),
        _ => Err(Failure::new(
            1,
            format!(
                "{} {what} match {:?}; the {what}: {}",
                starts.len(),
                crate::text::snippet(name, 40),
                all.iter()
                    .map(|p| sanitize(name_of(p)).into_owned())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )),
    }
}

/// Per stage of `p`, in order: (stage id, name, count, value) of `deals`.
/// Deals in a stage the pipeline no longer has are counted under none.
pub fn stage_totals<'a>(
    p: &'a Pipeline,
    deals: &[Opportunity],
) -> Vec<(&'a str, &'a str, usize, f64)> {
    p.stages
        .iter()
        .map(|s| {
            let here = deals
                .iter()
                .filter(|o| o.pipeline_stage_id.as_deref() == Some(s.id.as_str()));
            let (n, v) = here.fold((0, 0.0), |(n, v), o| {
                (n + 1, v + o.monetary_value.unwrap_or(0.0))
            });
            (s.id.as_str(), s.name.as_str(), n, v)
        })
        .collect()
}

/// `rolo pipeline [NAME]`: the open deals of each pipeline named, counted
/// and summed per stage.
pub async fn pipeline(
    client: &Client,
    name: Option<&str>,
    mine: bool,
    me_email: Option<String>,
    as_json: bool,
) -> Outcome {
    let pipelines = client.pipelines().await?;
    if pipelines.is_empty() {
        return Err(Failure::new(1, "the location has no pipelines"));
    }
    let chosen = pick_named(&pipelines, name, |p| p.name.as_str(), "pipelines")?;
    let me = if mine {
        let look = Lookups::load(client, me_email, true).await;
        Some(look.me()?.to_string())
    } else {
        None
    };
    let mut boards = Vec::new();
    for p in chosen {
        let deals = client
            .all_opportunities(&OpportunitySearch {
                pipeline_id: Some(p.id.clone()),
                status: Some(Status::Open),
                assigned_to: me.clone(),
                ..OpportunitySearch::default()
            })
            .await?;
        // The server's filter is not taken on trust.
        if deals.unreadable > 0 {
            eprintln!(
                "rolo: {} of the deals HighLevel sent for {} could not be read; the counts leave them out",
                deals.unreadable,
                sanitize(&p.name)
            );
        }
        let deals: Vec<Opportunity> = deals
            .deals
            .into_iter()
            .filter(|o| o.pipeline_id.as_deref() == Some(p.id.as_str()))
            .filter(|o| o.status() == Some(Status::Open))
            .filter(|o| me.is_none() || o.assigned_to == me)
            .collect();
        boards.push((p, deals));
    }
    if as_json {
        let v: Vec<Value> = boards
            .iter()
            .map(|(p, deals)| {
                let stages: Vec<Value> = stage_totals(p, deals)
                    .into_iter()
                    .map(|(id, name, n, v)| json!({"id": id, "name": name, "count": n, "value": v}))
                    .collect();
                json!({
                    "id": p.id,
                    "name": p.name,
                    "count": deals.len(),
                    // + 0.0: an empty sum is -0.0.
                    "value": deals.iter().filter_map(|o| o.monetary_value).sum::<f64>() + 0.0,
                    "stages": stages,
                })
            })
            .collect();
        return print_json(&json!({ "pipelines": v }));
    }
    let paint = Paint::stdout();
    let mut out = std::io::stdout().lock();
    for (i, (p, deals)) in boards.iter().enumerate() {
        if i > 0 {
            writeln!(out)?;
        }
        let total: f64 = deals.iter().filter_map(|o| o.monetary_value).sum();
        writeln!(
            out,
            "{}  {}",
            paint.bold(&format!(
                "{} — {} open, {}",
                p.name,
                deals.len(),
                money(total)
            )),
            paint.dim(&format!("({})", p.id))
        )?;
        let rows = stage_totals(p, deals);
        // Names cut to 40 columns (not characters: CJK is two wide).
        let cut = |n: &str| crate::text::fit_width(&sanitize(n), 40);
        let width = rows
            .iter()
            .map(|(_, n, _, _)| unicode_width::UnicodeWidthStr::width(cut(n).as_str()))
            .max()
            .unwrap_or(0);
        for (_, stage, n, v) in rows {
            let stage = cut(stage);
            let pad = width.saturating_sub(unicode_width::UnicodeWidthStr::width(stage.as_str()));
            writeln!(
                out,
                "  {stage}{}  {n:>5}  {:>14}",
                " ".repeat(pad),
                money(v)
            )?;
        }
        let elsewhere = deals
            .len()
            .saturating_sub(stage_totals(p, deals).iter().map(|r| r.2).sum::<usize>());
        if elsewhere > 0 {
            writeln!(
                out,
                "  {}",
                paint.dim(&format!("{elsewhere} in stages the pipeline no longer has"))
            )?;
        }
    }
    Ok(())
}
