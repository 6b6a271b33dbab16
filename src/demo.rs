//! `rolo --demo`: an in-process sandbox on loopback with the app pointed at
//! it. Until the TUI lands, the app side is a plain-text summary drawn
//! through the API actor, the same path the TUI will use.

use std::net::{Ipv4Addr, SocketAddr};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use chrono::Utc;

use crate::api::actor::{ActorConfig, ApiOp, ApiResponse, Priority};
use crate::api::model::{SearchContacts, TaskSearch};
use crate::api::{ApiHandle, Client, ClientConfig, Token};
use crate::sandbox::{Sandbox, SandboxConfig};
use crate::text::sanitize;

/// Starts a sandbox with a random token on a free loopback port and runs
/// the app against it.
pub async fn run_demo() -> Result<ExitCode> {
    let token = format!("demo-{:016x}", fastrand::u64(..));
    let config = SandboxConfig {
        token: token.clone(),
        ..SandboxConfig::default()
    };
    let location = config.location_id.clone();
    let sandbox = Sandbox::start(config, SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))
        .await
        .context("cannot start the demo sandbox on loopback")?;
    println!(
        "rolo demo: sandbox serving location {location} at {}",
        sandbox.base_url()
    );
    let code = run_against(&sandbox.base_url(), &location, Token::new(token)).await;
    drop(sandbox);
    code
}

/// The placeholder front end: first contacts and today's tasks.
pub async fn run_against(base_url: &str, location: &str, token: Token) -> Result<ExitCode> {
    let client = Client::new(ClientConfig::new(base_url, location, token))?;
    let (api, mut events) = ApiHandle::spawn(client, ActorConfig::default());
    let contacts_id = api.submit(
        ApiOp::SearchContacts(SearchContacts {
            page_limit: 15,
            page: Some(1),
            ..SearchContacts::default()
        }),
        Priority::Interactive,
        None,
    )?;
    let tasks_id = api.submit(
        ApiOp::SearchTasks(TaskSearch {
            completed: Some(false),
            limit: Some(500),
            ..TaskSearch::default()
        }),
        Priority::Interactive,
        None,
    )?;
    let mut pending = 2;
    while pending > 0 {
        let event = tokio::time::timeout(Duration::from_secs(60), events.recv())
            .await
            .context("no answer from the API within 60 s")?
            .context("the API actor stopped")?;
        pending -= 1;
        let response = event.result?;
        match response {
            ApiResponse::SearchPage(page) if event.id == contacts_id => {
                println!(
                    "{} contacts; the first {}:",
                    page.total,
                    page.contacts.len()
                );
                for c in &page.contacts {
                    let company = c.company_name.as_deref().unwrap_or("");
                    let reach = c.email.as_deref().or(c.phone.as_deref()).unwrap_or("");
                    println!(
                        "  {:<28} {:<26} {}",
                        clip(&sanitize(&c.display_name()), 28),
                        clip(&sanitize(company), 26),
                        clip(&sanitize(reach), 40)
                    );
                }
            }
            ApiResponse::Tasks(tasks) if event.id == tasks_id => {
                let end_of_today = Utc::now()
                    .date_naive()
                    .and_hms_opt(23, 59, 59)
                    .map(|t| t.and_utc())
                    .unwrap_or_else(Utc::now);
                let now = Utc::now();
                let due: Vec<_> = tasks
                    .iter()
                    .filter(|t| t.due().is_some_and(|d| d <= end_of_today))
                    .collect();
                let overdue = due
                    .iter()
                    .filter(|t| t.due().is_some_and(|d| d < now))
                    .count();
                println!("Today: {} open tasks due, {overdue} overdue.", due.len());
            }
            other => bail!("unexpected answer {other:?}"),
        }
    }
    let report = api.shutdown(Duration::from_secs(5)).await;
    if !report.unfinished_writes.is_empty() {
        eprintln!("{} writes did not finish", report.unfinished_writes.len());
    }
    println!("(The full-screen workspace arrives with the TUI issue.)");
    Ok(ExitCode::SUCCESS)
}

fn clip(s: &str, width: usize) -> String {
    let n = s.chars().count();
    if n <= width {
        s.to_string()
    } else {
        let mut out: String = s.chars().take(width.saturating_sub(1)).collect();
        out.push('…');
        out
    }
}
