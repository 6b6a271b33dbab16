//! The shell side of rolo: the dispatch of a parsed command line (to the
//! workspace, the sandbox, the auth flow or a verb), and what every run
//! sets up: logging, settings, the client.

pub mod across;
mod agenda;
pub mod args;
mod auth;
mod bulk;
mod conversations;
mod deals;
mod sandbox;
pub mod verbs;

use std::process::ExitCode;

use anyhow::Result;

use crate::api::client::DEFAULT_BASE_URL;
use args::{AppointmentCommand, Cli, Command, NoteCommand, OutboxCommand, ServerArgs, TaskCommand};

pub use verbs::{Failure, one_line};

/// Carries out a parsed command line.
pub async fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Some(Command::Sandbox(args)) => sandbox::serve(args).await,
        Some(Command::Auth(cmd)) => auth::run(cmd, cli.server).await,
        Some(Command::Completions { shell }) => {
            let mut cmd = <Cli as clap::CommandFactory>::command();
            clap_complete::generate(shell, &mut cmd, "rolo", &mut std::io::stdout());
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Man) => {
            let cmd = <Cli as clap::CommandFactory>::command();
            clap_mangen::Man::new(cmd).render(&mut std::io::stdout())?;
            Ok(ExitCode::SUCCESS)
        }
        Some(cmd) => {
            verbs::set_caching_off(cli.no_cache);
            shell(cmd, cli.server).await
        }
        None if cli.demo => {
            let (settings, warning) = match load_settings(None) {
                Ok(s) => s,
                Err(code) => return Ok(code),
            };
            let demo = crate::demo::start().await?;
            // The demo's data lives as long as its sandbox: a fresh cache.
            let dir = std::env::temp_dir().join(format!("rolo-demo-{}", std::process::id()));
            let caching = if cli.no_cache {
                crate::cache::Caching::Off
            } else {
                crate::cache::Caching::In(dir.clone())
            };
            let result = crate::tui::run_with(demo.client, &settings, warning, None, caching).await;
            drop(demo.sandbox);
            let _ = std::fs::remove_dir_all(&dir);
            result?;
            Ok(ExitCode::SUCCESS)
        }
        None => {
            let (settings, warning) = match load_settings(cli.server.profile.as_deref()) {
                Ok(s) => s,
                Err(code) => return Ok(code),
            };
            let client = match client_for(
                &settings,
                cli.server.base_url.clone(),
                cli.server.location_id.clone(),
                true,
            ) {
                Ok(c) => c,
                Err((code, message)) => {
                    eprintln!("rolo: {message}");
                    return Ok(ExitCode::from(code));
                }
            };
            // Other profiles come from the config and the stored logins
            // (flags and ROLO_TOKEN belong to the first one).
            let switcher: crate::tui::Switcher = Box::new(|name: &str| {
                let (settings, warning) =
                    load_settings(Some(name)).map_err(|_| format!("no profile named `{name}`"))?;
                if let Some(w) = warning {
                    return Err(w);
                }
                let client = client_for(&settings, None, None, false).map_err(|(_, m)| m)?;
                Ok((client, settings))
            });
            let caching = if cli.no_cache {
                crate::cache::Caching::Off
            } else {
                crate::cache::Caching::Default
            };
            crate::tui::run_with(client, &settings, warning, Some(switcher), caching).await?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Logs go to a file in the state dir, never to the terminal the TUI owns.
pub fn init_logging(level: Option<&str>) {
    let Some(path) = crate::config::log_path() else {
        return;
    };
    // Readable by the user alone: it holds server messages and ids.
    let file = path
        .parent()
        .map(|d| {
            let mut b = std::fs::DirBuilder::new();
            b.recursive(true);
            #[cfg(unix)]
            std::os::unix::fs::DirBuilderExt::mode(&mut b, 0o700);
            b.create(d)
        })
        .transpose()
        .and_then(|_| {
            let mut o = std::fs::OpenOptions::new();
            o.create(true).append(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut o, 0o600);
            o.open(&path)
        });
    #[cfg(unix)]
    if let Ok(f) = &file {
        use std::os::unix::fs::PermissionsExt;
        // A log from an older rolo may be 0644: tighten it.
        let _ = f.set_permissions(std::fs::Permissions::from_mode(0o600));
    }
    let Ok(file) = file else { return };
    let filter = tracing_subscriber::EnvFilter::try_new(level.unwrap_or("warn"))
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(false)
        .with_writer(std::sync::Mutex::new(crate::text::SanitizedWriter(file)))
        .try_init();
}

/// The profile's settings: the config's table, or, for a profile that
/// lives in the credential store alone (made by `rolo auth login --profile
/// NAME`, with no table in the config), the config's general settings.
/// With who the profile acts for, as picked at login, where the config
/// names nobody.
fn profile_settings(profile: Option<&str>) -> Result<crate::config::Settings, Unresolved> {
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let path = crate::config::config_path();
    match crate::config::load(path.as_deref(), profile, no_color) {
        Ok(s) => Ok(with_identity(s)),
        Err(e) if profile.is_some() && e.message.starts_with("no profile named") => {
            let name = profile.unwrap_or_default();
            let (stores, _) = auth::stores();
            let stored = crate::auth::load(&stores, &crate::auth::account(Some(name)))
                .ok()
                .flatten();
            match (stored, crate::config::load(path.as_deref(), None, no_color)) {
                (Some(_), Ok(mut s)) => {
                    s.profile = Some(name.to_string());
                    s.location_id = None;
                    s.base_url = None;
                    s.read_only = false;
                    s.user = None;
                    Ok(with_identity(s))
                }
                _ => Err(Unresolved::NoProfile(format!(
                    "{e} (or sign in to it with `rolo auth login --profile {name}`)"
                ))),
            }
        }
        Err(e) => Err(Unresolved::Broken(e)),
    }
}

enum Unresolved {
    /// The profile asked for exists nowhere.
    NoProfile(String),
    /// The config file cannot be used.
    Broken(crate::config::ConfigError),
}

/// The config's settings, or the defaults and a warning to show when the
/// file is broken (the TUI still starts). An unknown `--profile` is an
/// error: the user asked for something that does not exist.
pub(crate) fn load_settings(
    profile: Option<&str>,
) -> Result<(crate::config::Settings, Option<String>), ExitCode> {
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    match profile_settings(profile) {
        Ok(s) => Ok((s, None)),
        Err(Unresolved::NoProfile(message)) => {
            eprintln!("rolo: {message}");
            Err(ExitCode::from(2))
        }
        Err(Unresolved::Broken(e)) => {
            let defaults = crate::config::load(None, None, no_color).map_err(|e| {
                eprintln!("rolo: {e}");
                ExitCode::from(2)
            })?;
            Ok((
                defaults,
                Some(format!("Config ignored, defaults in use: {e}")),
            ))
        }
    }
}

/// The settings with who the profile acts for, as picked at login, where
/// the config names nobody.
fn with_identity(mut s: crate::config::Settings) -> crate::config::Settings {
    if s.user.is_none() {
        s.user = crate::identity::load(&crate::auth::account(s.profile.as_deref()));
    }
    s
}

/// A client for the profile in `settings`: flags first, then the profile,
/// then what `rolo auth login` stored. The token is `ROLO_TOKEN` when
/// `env_token` and it is set, else the stored one.
pub(crate) fn client_for(
    settings: &crate::config::Settings,
    base_flag: Option<String>,
    location_flag: Option<String>,
    env_token: bool,
) -> Result<crate::api::Client, (u8, String)> {
    let mut oauth = None;
    let env = std::env::var("ROLO_TOKEN").ok().filter(|_| env_token);
    let (token, stored_location, stored_base) = match env {
        Some(t) => (crate::api::Token::new(t), None, None),
        None => {
            let (stores, _) = auth::stores();
            let account = crate::auth::account(settings.profile.as_deref());
            match crate::auth::load(&stores, &account).map_err(|e| (3, e.to_string()))? {
                Some((c, store)) => {
                    let persist = crate::auth::persist_to(store.name(), account.clone(), c.clone());
                    oauth = c.oauth_config(persist);
                    (
                        crate::api::Token::new(c.token),
                        Some(c.location_id),
                        c.base_url,
                    )
                }
                None => {
                    return Err((
                        3,
                        format!(
                            "{} (or set ROLO_TOKEN, or try `rolo --demo`)",
                            crate::auth::AuthError::NotLoggedIn { profile: account }
                        ),
                    ));
                }
            }
        }
    };
    let location = location_flag
        .or(settings.location_id.clone())
        .or(stored_location)
        .ok_or((
            2,
            "no location id: pass --location-id, set ROLO_LOCATION_ID or a profile's location_id (or try `rolo --demo`)"
                .to_string(),
        ))?;
    let base_url = base_flag
        .or(settings.base_url.clone())
        .or(stored_base)
        .unwrap_or_else(|| DEFAULT_BASE_URL.to_string());
    let mut config = crate::api::ClientConfig::new(&base_url, location, token);
    config.rate.max_requests = settings.rate_limit;
    config.timeout = std::time::Duration::from_secs(settings.timeout_secs);
    config.oauth = oauth;
    crate::api::Client::new(config).map_err(|e| (2, e.to_string()))
}

/// The shell commands: strict config (a broken file is exit 2), then one
/// call each.
async fn shell(cmd: Command, server: ServerArgs) -> Result<ExitCode> {
    let settings = match profile_settings(server.profile.as_deref()) {
        Ok(s) => s,
        Err(Unresolved::NoProfile(message)) => {
            eprintln!("rolo: {message}");
            return Ok(ExitCode::from(2));
        }
        Err(Unresolved::Broken(e)) => {
            eprintln!("rolo: {e}");
            return Ok(ExitCode::from(2));
        }
    };
    if let Command::Find {
        query,
        limit,
        json,
        mine,
        all: true,
        ..
    } = &cmd
    {
        let shape = if *json {
            verbs::Shape::Json
        } else {
            verbs::Shape::Lines
        };
        let done = across::find_all(
            &settings.profile_locations,
            &query.join(" "),
            limit.unwrap_or(10),
            shape,
            *mine,
            settings.zone,
        );
        return Ok(finish(done));
    }
    let client = match client_for(&settings, server.base_url, server.location_id, true) {
        Ok(c) => c,
        Err((code, message)) => {
            eprintln!("rolo: {message}");
            return Ok(ExitCode::from(code));
        }
    };
    let zone_setting = settings.zone;
    let me_email = settings.user.clone();
    // Never a silent wait: each retry is said on stderr.
    client.notify_retries(|m| eprintln!("rolo: {m}"));
    // And never an endless one: a quick answer has a deadline; sync and
    // push show progress and go on.
    // Ids on standard input: a bulk run goes as fast as the rate limit
    // lets it (each request has its own timeout), with its progress on
    // stderr, so no total deadline cuts it off half done.
    let bulk = matches!(&cmd,
        Command::Tag { contact, .. } | Command::Workflow { contact, .. } | Command::Campaign { contact, .. }
            if contact == "-");
    let deadline = match cmd {
        Command::Sync { .. } | Command::Outbox { .. } => None,
        _ if bulk => None,
        _ => Some(shell_deadline()),
    };
    // A tag is a word: an empty one (or only commas) would reach HighLevel
    // as nothing, or as a tag named ",".
    if let Command::Tag { tags, .. } = &cmd
        && let Some(bad) = tags.iter().find(|t| t.trim().is_empty() || t.contains(','))
    {
        eprintln!(
            "rolo: {:?} is not a tag (a tag is not empty and holds no comma: give each as its own word); nothing was changed",
            crate::text::sanitize(bad)
        );
        return Ok(ExitCode::from(2));
    }
    // A note's text comes on standard input: ids cannot come there too.
    if let Command::Note(NoteCommand::Add { contact }) = &cmd
        && bulk::is_stdin(contact)
    {
        eprintln!(
            "rolo: a note's text comes on standard input, so `-` cannot bring contact ids there too; name one contact"
        );
        return Ok(ExitCode::from(2));
    }
    // The note's text first: time in the editor is not HighLevel's time.
    let note = matches!(cmd, Command::Note(_) | Command::Send { text: None, .. }).then(note_body);
    let typed = note.as_ref().and_then(|n| n.as_ref().ok().cloned());
    let writes = matches!(
        cmd,
        Command::Note(_)
            | Command::Send { .. }
            | Command::Tag { .. }
            | Command::Task(_)
            | Command::Book { .. }
            | Command::Workflow { .. }
            | Command::Campaign { .. }
    );
    // A read-only profile changes nothing, from the shell as in the TUI.
    if settings.read_only && (writes || matches!(cmd, Command::Appointment(_))) {
        eprintln!(
            "rolo: profile `{}` is read-only (read_only = true in its config): nothing was changed",
            settings.profile.as_deref().unwrap_or("default")
        );
        return Ok(ExitCode::from(2));
    }
    let queued = || {
        cache_path(&client)
            .ok()
            .filter(|p| p.exists())
            .and_then(|p| crate::cache::Cache::open(&p).ok())
            .and_then(|c| c.outbox_counts().ok())
            .map(|c| c.total())
    };
    let queued_before = if writes { queued() } else { None };
    let needs_zone = match &cmd {
        Command::Show { .. }
        | Command::Messages { .. }
        | Command::Inbox { .. }
        | Command::Today { .. }
        | Command::Agenda { .. }
        | Command::Book { .. }
        | Command::Task(TaskCommand::Add { .. }) => true,
        // Dates in filters (updated:yesterday) are days in the same zone
        // as in the list.
        Command::Find { query, .. } => query.iter().any(|w| w.contains(':') || w.starts_with('@')),
        _ => false,
    };
    let work = async {
        let zone = zone_for(zone_setting, &client, needs_zone).await;
        run_shell(cmd, &client, zone, note, me_email).await
    };
    let result = match deadline {
        None => work.await,
        Some(d) => match tokio::time::timeout(d, work).await {
            Ok(r) => r,
            Err(_) => {
                // The work was dropped mid-way: say what became of the
                // edit, and keep a typed note whatever happened.
                let mut message = format!(
                    "no answer from HighLevel within {} s (ROLO_DEADLINE sets the limit)",
                    d.as_secs()
                );
                let now_queued = if writes { queued() } else { None };
                if writes && now_queued.unwrap_or(0) > queued_before.unwrap_or(0) {
                    message
                        .push_str("; the edit is kept in the outbox: `rolo outbox push` sends it");
                } else if let Some(text) = &typed {
                    match crate::cache::keep_unsent("note", text) {
                        Some(p) => message.push_str(&format!(
                            "; the note was neither added nor queued: your note is kept in {}",
                            p.display()
                        )),
                        None => message.push_str(
                            "; the note was neither added nor queued, and could not be saved",
                        ),
                    }
                } else if writes {
                    message.push_str(
                        "; the change was neither made nor queued: run the command again",
                    );
                }
                Err(verbs::Failure { code: 4, message })
            }
        },
    };
    Ok(finish(result))
}

/// A shell command's exit: its code, its failure said on stderr.
fn finish(result: verbs::Outcome) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) if f.code == 0 => ExitCode::SUCCESS,
        Err(f) => {
            // The log's writer sanitizes too.
            tracing::warn!(exit = f.code, "{}", f.message);
            eprintln!("rolo: {}", crate::text::sanitize(&f.message));
            ExitCode::from(f.code)
        }
    }
}

/// How long a shell command may take in all: `ROLO_DEADLINE` seconds, 60
/// by default.
fn shell_deadline() -> std::time::Duration {
    let secs = std::env::var("ROLO_DEADLINE")
        .ok()
        .and_then(|v| v.trim().parse::<u64>().ok())
        .filter(|s| *s > 0)
        .unwrap_or(60);
    std::time::Duration::from_secs(secs)
}

async fn run_shell(
    cmd: Command,
    client: &crate::api::Client,
    offset: crate::zone::Zone,
    note: Option<Result<String, String>>,
    me_email: Option<String>,
) -> Result<(), verbs::Failure> {
    let client = client.clone();
    match cmd {
        Command::Find {
            query,
            limit,
            json,
            mine,
            ids,
            ..
        } => {
            verbs::find(
                &client,
                &query.join(" "),
                limit.unwrap_or(if ids { usize::MAX } else { 10 }),
                if ids {
                    verbs::Shape::Ids
                } else if json {
                    verbs::Shape::Json
                } else {
                    verbs::Shape::Lines
                },
                mine,
                me_email,
                offset,
            )
            .await
        }
        Command::Show { contact, json } if bulk::is_stdin(&contact) => {
            bulk::each(|id| {
                let client = &client;
                async move { verbs::show(client, &id, json, offset).await }
            })
            .await
        }
        Command::Show { contact, json } => verbs::show(&client, &contact, json, offset).await,
        Command::Deals { contact, json } if bulk::is_stdin(&contact) => {
            bulk::each(|id| {
                let client = &client;
                async move { deals::deals(client, &id, json).await }
            })
            .await
        }
        Command::Deals { contact, json } => deals::deals(&client, &contact, json).await,
        Command::Messages {
            contact,
            limit,
            json,
        } => conversations::messages(&client, &contact, limit as usize, json, offset).await,
        Command::Send {
            contact,
            email,
            subject,
            text,
            ..
        } => match text.map(Ok).or(note).unwrap_or_else(note_body) {
            Ok(words) => {
                conversations::send(&client, &contact, email, subject.as_deref(), &words).await
            }
            Err(e) => Err(verbs::Failure {
                code: 2,
                message: format!("no message to send: {e}"),
            }),
        },
        Command::Inbox { mine, json } => {
            conversations::inbox(&client, mine, me_email, json, offset).await
        }
        Command::Agenda { days, mine, json } => {
            agenda::agenda(&client, days, mine, me_email, json, offset).await
        }
        Command::Book {
            contact,
            calendar,
            at,
            title,
        } => agenda::book(&client, &contact, &calendar, &at, title, offset).await,
        Command::Appointment(AppointmentCommand::Status { id, status }) => {
            agenda::set_status(&client, &id, &status).await
        }
        Command::Pipeline { name, mine, json } => {
            deals::pipeline(&client, name.as_deref(), mine, me_email, json).await
        }
        Command::Today { json, mine } => verbs::today(&client, json, offset, mine, me_email).await,
        Command::Query { query } => verbs::query(&client, &query).await,
        Command::Task(TaskCommand::Add {
            contact,
            title,
            due,
            body,
        }) => verbs::task_add(&client, &contact, &title, &due, body.as_deref(), offset).await,
        Command::Task(TaskCommand::Done { contact, task_id }) => {
            verbs::task_done(&client, &contact, &task_id).await
        }
        Command::Tag { op, contact, tags } if bulk::is_stdin(&contact) => match bulk::stdin_ids() {
            Ok(ids) => bulk::tags(&client, &ids, op == "add", &tags).await,
            Err(f) => Err(f),
        },
        Command::Tag { op, contact, tags } => {
            verbs::tags(&client, &contact, op == "add", &tags).await
        }
        Command::Workflow {
            op,
            contact,
            workflow,
        } => bulk::workflow(&client, &contact, op == "add", &workflow).await,
        Command::Campaign {
            contact, campaign, ..
        } => bulk::campaign_rm(&client, &contact, campaign.as_deref()).await,
        Command::Note(NoteCommand::Add { contact }) => match note.unwrap_or_else(note_body) {
            Ok(body) => verbs::note_add(&client, &contact, &body).await,
            Err(e) => Err(verbs::Failure {
                code: 2,
                message: e,
            }),
        },
        Command::Sync { full } => match cache_path(&client) {
            Ok(path) => verbs::sync(&client, &path, full).await,
            Err(f) => Err(f),
        },
        Command::Outbox { action, json } => match (cache_path(&client), action) {
            (Err(f), _) => Err(f),
            (Ok(path), None) => verbs::outbox_list(&path, json),
            (Ok(path), Some(OutboxCommand::Push)) => verbs::outbox_push(&client, &path).await,
            (Ok(path), Some(OutboxCommand::Retry { seq })) => {
                verbs::outbox_settle(&path, seq, true)
            }
            (Ok(path), Some(OutboxCommand::Discard { seq })) => {
                verbs::outbox_settle(&path, seq, false)
            }
            (Ok(path), Some(OutboxCommand::Ack)) => verbs::outbox_ack(&path),
        },
        Command::Sandbox(_) | Command::Auth(_) | Command::Completions { .. } | Command::Man => {
            Ok(())
        }
    }
}

/// The cache file of the client's location.
/// The zone due dates are read and shown in: the config's; else the
/// location's own, as cached, else asked of HighLevel once (and kept);
/// else the machine's.
async fn zone_for(
    setting: Option<crate::zone::Zone>,
    client: &crate::api::Client,
    needed: bool,
) -> crate::zone::Zone {
    use crate::cache::{Cache, LOCATION_TIMEZONE};
    use crate::zone::Zone;
    if let Some(z) = setting {
        return z;
    }
    if !needed {
        return Zone::Local;
    }
    let cache = (!verbs::caching_off())
        .then(|| cache_path(client).ok())
        .flatten()
        .filter(|p| p.exists())
        .and_then(|p| Cache::open(&p).ok());
    let cached = cache
        .as_ref()
        .and_then(|c| c.meta(LOCATION_TIMEZONE).ok().flatten())
        .and_then(|t| Zone::parse(&t));
    if let Some(z) = cached {
        return z;
    }
    // One try, briefly: the command's own request says what is wrong with
    // the network, and should not wait twice.
    let asked = tokio::time::timeout(
        std::time::Duration::from_secs(5),
        client.without_retries().location(),
    )
    .await;
    let unknown = |why: &str| {
        eprintln!(
            "rolo: the location's time zone is unknown ({why}); dates use this machine's. [ui] timezone in the config names one."
        );
        Zone::Local
    };
    match asked {
        Err(_) => unknown("no answer within 5 s"),
        Ok(Ok(l)) => match l.timezone.as_deref().and_then(Zone::parse) {
            Some(z) => {
                if let Some(c) = &cache
                    && let Err(e) = c.set_meta(LOCATION_TIMEZONE, &z.name())
                {
                    tracing::warn!("cannot keep the location's zone: {e}");
                }
                z
            }
            None => unknown("HighLevel names none, or one that is not a zone"),
        },
        Ok(Err(e)) => unknown(&crate::text::sanitize(&e.to_string())),
    }
}

fn cache_path(client: &crate::api::Client) -> Result<std::path::PathBuf, verbs::Failure> {
    crate::cache::default_path(client.location_id()).ok_or_else(|| verbs::Failure {
        code: 2,
        message: "no data folder: set ROLO_DATA_DIR or HOME".into(),
    })
}

/// A note's body: standard input when it is not a terminal, else $EDITOR.
fn note_body() -> Result<String, String> {
    use std::io::{IsTerminal, Read};
    if !std::io::stdin().is_terminal() {
        let mut body = String::new();
        std::io::stdin()
            .read_to_string(&mut body)
            .map_err(|e| e.to_string())?;
        return Ok(body);
    }
    crate::editor::edit("", |run| run())
}
