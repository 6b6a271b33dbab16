//! Many contacts at once from the shell: `-` for the ids on standard
//! input, tags in bulk requests, workflows and campaigns.

use std::io::{BufRead, IsTerminal};

use super::verbs::{Failure, Outcome, apply_all, resolve_contact};
use crate::api::ApiResponse;
use crate::api::Client;
use crate::api::actor::ApiOp;
use crate::api::model::BulkTags;
use crate::text::{sanitize, snippet};

/// How many contacts one bulk tag request names.
pub const CHUNK: usize = Client::BULK_CHUNK;

/// Whether a CONTACT argument means "the ids on standard input".
pub fn is_stdin(who: &str) -> bool {
    who == "-"
}

/// The contact ids on standard input: one per line, the first word of
/// each (so `rolo find`'s own lines work too), blank lines and `#`
/// comments skipped, each id once, in order.
pub fn stdin_ids() -> Result<Vec<String>, Failure> {
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        return Err(Failure::new(
            2,
            "`-` reads contact ids from standard input, one per line: rolo find QUERY --ids | rolo tag add - TAG",
        ));
    }
    read_ids(stdin.lock())
}

pub fn read_ids(input: impl BufRead) -> Result<Vec<String>, Failure> {
    let mut seen = std::collections::HashSet::new();
    let mut ids = Vec::new();
    for (n, line) in input.lines().enumerate() {
        let line = line.map_err(|e| Failure::new(2, format!("reading standard input: {e}")))?;
        // A byte-order mark before the first id is not part of it.
        let line = line.trim_start_matches('\u{feff}');
        let Some(id) = line.split_whitespace().next() else {
            continue;
        };
        if id.starts_with('#') {
            continue;
        }
        let plain = id.len() <= 64
            && id.chars().any(|c| c.is_ascii_alphanumeric())
            && id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if !plain {
            return Err(Failure::new(
                2,
                format!(
                    "line {}: {:?} is not a contact id (one id per line; nothing was changed)",
                    n + 1,
                    snippet(id, 40)
                ),
            ));
        }
        if seen.insert(id.to_string()) {
            ids.push(id.to_string());
        }
    }
    if ids.is_empty() {
        return Err(Failure::new(
            2,
            "no contact ids on standard input; nothing was changed",
        ));
    }
    Ok(ids)
}

/// `rolo tag add|rm - TAGS`: the tags on every contact named on standard
/// input, `CHUNK` contacts a request, queued together before any is sent.
/// A chunk HighLevel refuses as a whole goes contact by contact.
pub async fn tags(client: &Client, ids: &[String], add: bool, tags: &[String]) -> Outcome {
    let ops = ApiOp::bulk_tags(add, ids, tags);
    let requests = ops.len();
    let answers = apply_all(client, ops).await?;
    let mut done = 0usize;
    let mut refused: Vec<(String, String)> = Vec::new();
    let mut later: Vec<String> = Vec::new();
    let mut one_by_one: Vec<String> = Vec::new();
    for (chunk, answer) in ids.chunks(CHUNK).zip(answers) {
        match answer {
            Ok(ApiResponse::BulkTags(BulkTags {
                done: d,
                refused: r,
                ..
            })) => {
                done += d.len();
                refused.extend(r);
            }
            Ok(_) => later.push("an unexpected answer to a bulk tag request".into()),
            // Refused for what it holds (not for who asks): each alone.
            Err(f) if f.code == 1 || f.code == 2 => one_by_one.extend(chunk.iter().cloned()),
            // Not allowed (token, scope): no request more can be, either.
            Err(f) if f.code == 3 => return Err(f),
            Err(f) => later.push(f.message),
        }
    }
    let mut extra = 0;
    if !one_by_one.is_empty() {
        let ops: Vec<ApiOp> = one_by_one
            .iter()
            .map(|id| {
                let (contact_id, tags) = (id.clone(), tags.to_vec());
                if add {
                    ApiOp::AddTags { contact_id, tags }
                } else {
                    ApiOp::RemoveTags { contact_id, tags }
                }
            })
            .collect();
        extra = ops.len();
        for (id, answer) in one_by_one.iter().zip(apply_all(client, ops).await?) {
            match answer {
                Ok(_) => done += 1,
                Err(f) if f.code == 4 => later.push(f.message),
                Err(f) => refused.push((id.clone(), f.message)),
            }
        }
    }
    let tag_list: Vec<String> = tags.iter().map(|t| format!("#{}", sanitize(t))).collect();
    if done == 0 && refused.is_empty() {
        for why in &later {
            eprintln!("rolo: {}", sanitize(why));
        }
        return Err(Failure::new(
            4,
            format!(
                "nothing is confirmed yet for the {} contacts; the change waits in the outbox",
                ids.len()
            ),
        ));
    }
    println!(
        "{} {} {} {done} of {} contacts, in {requests} bulk request(s){}",
        if add { "Added" } else { "Removed" },
        tag_list.join(" "),
        if add { "to" } else { "from" },
        ids.len(),
        if extra > 0 {
            format!(" and {extra} one by one")
        } else {
            String::new()
        }
    );
    for (id, why) in &refused {
        eprintln!("rolo: {}: {}", sanitize(id), sanitize(why));
    }
    for why in &later {
        eprintln!("rolo: {}", sanitize(why));
    }
    match (refused.is_empty(), later.is_empty()) {
        (true, true) => Ok(()),
        (_, false) => Err(Failure::new(
            4,
            "some changes are not confirmed yet (see above)",
        )),
        (false, true) => Err(Failure::new(
            1,
            format!("{} contact(s) were refused (see above)", refused.len()),
        )),
    }
}

/// The contacts a CONTACT argument names: the ids on standard input for
/// `-`, else the one contact it finds.
pub async fn contacts_of(client: &Client, who: &str) -> Result<Vec<(String, String)>, Failure> {
    if is_stdin(who) {
        return Ok(stdin_ids()?
            .into_iter()
            .map(|id| (id.clone(), id))
            .collect());
    }
    let c = resolve_contact(client, who).await?;
    Ok(vec![(c.id.clone(), c.display_name())])
}

/// `rolo workflow add|rm CONTACT WORKFLOW`: the workflow by name (or the
/// start of one) or id.
pub async fn workflow(client: &Client, who: &str, add: bool, workflow: &str) -> Outcome {
    let all = client.workflows().await?;
    let by_id = all.iter().find(|w| w.id == workflow);
    let w = match by_id {
        Some(w) => w,
        None => super::deals::pick_named(&all, Some(workflow), |w| &w.name, "workflows")?[0],
    };
    let targets = contacts_of(client, who).await?;
    let ops = targets
        .iter()
        .map(|(id, _)| ApiOp::Workflow {
            contact_id: id.clone(),
            workflow_id: w.id.clone(),
            add,
        })
        .collect();
    report(
        apply_all(client, ops).await?,
        &targets,
        &format!(
            "{} workflow {}",
            if add { "in" } else { "out of" },
            sanitize(&w.name)
        ),
    )
}

/// `rolo campaign rm CONTACT CAMPAIGN|--all`
pub async fn campaign_rm(client: &Client, who: &str, campaign: Option<&str>) -> Outcome {
    let (id, label) = match campaign {
        None => (None, "out of every campaign".to_string()),
        Some(name) => {
            let all = client.campaigns().await?;
            let c = match all.iter().find(|c| c.id == name) {
                Some(c) => c,
                None => super::deals::pick_named(&all, Some(name), |c| &c.name, "campaigns")?[0],
            };
            (
                Some(c.id.clone()),
                format!("out of campaign {}", sanitize(&c.name)),
            )
        }
    };
    let targets = contacts_of(client, who).await?;
    let ops = targets
        .iter()
        .map(|(cid, _)| ApiOp::LeaveCampaign {
            contact_id: cid.clone(),
            campaign_id: id.clone(),
        })
        .collect();
    report(apply_all(client, ops).await?, &targets, &label)
}

/// `rolo task add - TITLE`: the same task for every contact named on
/// standard input, queued together; each create is made once.
pub async fn task_add_each(
    client: &Client,
    title: &str,
    due_date: String,
    body: Option<&str>,
    zone: &crate::zone::Zone,
    due: chrono::DateTime<chrono::Utc>,
) -> Outcome {
    let targets = contacts_of(client, "-").await?;
    let ops = targets
        .iter()
        .map(|(cid, _)| ApiOp::CreateTask {
            contact_id: cid.clone(),
            task: crate::api::model::NewTask {
                title: title.to_string(),
                body: body.map(str::to_string),
                due_date: due_date.clone(),
                completed: false,
                assigned_to: None,
            },
        })
        .collect();
    report(
        apply_all(client, ops).await?,
        &targets,
        &format!(
            "given the task {}, due {} ({})",
            sanitize(title),
            crate::due::describe(due, zone),
            zone.name()
        ),
    )
}

/// `rolo show -` / `rolo deals -`: each contact named on standard input in
/// turn, a blank line between (with `--json`, one object a line); one not
/// found is said and the rest go on.
pub async fn each<F, Fut>(mut one: F) -> Outcome
where
    F: FnMut(String) -> Fut,
    Fut: std::future::Future<Output = Outcome>,
{
    let ids = stdin_ids()?;
    let (mut failed, mut worst) = (0, 0);
    for (i, id) in ids.iter().enumerate() {
        if i > 0 {
            println!();
        }
        if let Err(f) = one(id.clone()).await {
            failed += 1;
            worst = worst.max(f.code);
            eprintln!("rolo: {}: {}", sanitize(id), sanitize(&f.message));
        }
    }
    if failed == 0 {
        Ok(())
    } else {
        Err(Failure::new(
            worst.max(1),
            format!("{failed} of {} could not be shown (see above)", ids.len()),
        ))
    }
}

/// One line per contact changed or refused, and the exit code for them.
fn report(
    answers: Vec<Result<ApiResponse, Failure>>,
    targets: &[(String, String)],
    what: &str,
) -> Outcome {
    let mut failed = 0;
    let mut worst = 0;
    for ((_, name), a) in targets.iter().zip(answers) {
        match a {
            Ok(_) => println!("{} is now {what}", sanitize(name)),
            Err(f) => {
                failed += 1;
                worst = worst.max(f.code);
                eprintln!("rolo: {}: {}", sanitize(name), sanitize(&f.message));
            }
        }
    }
    if failed == 0 {
        Ok(())
    } else {
        Err(Failure::new(
            worst.max(1),
            format!("{failed} of {} not changed (see above)", targets.len()),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::read_ids;
    use proptest::prelude::*;

    #[test]
    fn ids_one_a_line_first_word_once_each() {
        let got = read_ids("a1\n\n  b2  Ada Allen\n# c3\na1\n".as_bytes()).unwrap();
        assert_eq!(got, vec!["a1".to_string(), "b2".to_string()]);
        assert_eq!(read_ids("a1\nx;y\n".as_bytes()).unwrap_err().code, 2);
        assert_eq!(read_ids("\n# nothing\n".as_bytes()).unwrap_err().code, 2);
    }

    proptest! {
        /// No input panics; what is read is plain ids, each once.
        #[test]
        fn any_input_reads_or_is_refused(input in ".{0,400}") {
            if let Ok(ids) = read_ids(input.as_bytes()) {
                let set: std::collections::HashSet<_> = ids.iter().collect();
                prop_assert_eq!(set.len(), ids.len());
                for id in &ids {
                    prop_assert!(id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'));
                    prop_assert!(!id.is_empty() && id.len() <= 64);
                }
            }
        }
    }
}
