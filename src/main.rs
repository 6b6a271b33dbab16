//! The `rolo` binary: parses the command line and hands over to the library.

use std::io::Write;
use std::net::SocketAddr;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{Args, Parser, Subcommand};

use rolo::api::client::DEFAULT_BASE_URL;
use rolo::sandbox::{Faults, RateLimit, Sandbox, SandboxConfig};

#[derive(Parser, Debug)]
#[command(
    name = "rolo",
    version,
    about = "A fast keyboard workspace for HighLevel CRM contacts"
)]
struct Cli {
    /// Run against a built-in sandbox with demo data (no account needed).
    #[arg(long)]
    demo: bool,

    #[command(flatten)]
    server: ServerArgs,

    /// Keep nothing on disk: no contact cache, and edits go straight to
    /// HighLevel instead of through the outbox.
    #[arg(long, env = "ROLO_NO_CACHE", global = true, action = clap::ArgAction::SetTrue,
          value_parser = rolo::config::parse_boolish)]
    no_cache: bool,

    /// Log filter (error, warn, info, debug, trace, or a tracing directive).
    #[arg(long, env = "ROLO_LOG", global = true)]
    log_level: Option<String>,

    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Args, Debug)]
struct ServerArgs {
    /// API base URL [default: the profile's, else https://services.leadconnectorhq.com].
    /// The token comes from ROLO_TOKEN, never from a flag.
    #[arg(long, env = "ROLO_BASE_URL", global = true)]
    base_url: Option<String>,

    /// The HighLevel location (sub-account) id [default: the profile's].
    #[arg(long, env = "ROLO_LOCATION_ID", global = true)]
    location_id: Option<String>,

    /// The config profile to use [default: `default_profile` in the config].
    /// The config file is $ROLO_CONFIG, else ~/.config/rolo/config.toml.
    #[arg(long, env = "ROLO_PROFILE", global = true)]
    profile: Option<String>,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Serve the sandbox API (HighLevel v2 over HTTP) until killed.
    Sandbox(SandboxArgs),
    /// Sign in, see where the token is kept, sign out.
    #[command(subcommand)]
    Auth(AuthCommand),
    /// The best matches for a query, one line each.
    Find {
        query: String,
        #[arg(long, default_value_t = 10)]
        limit: usize,
        /// JSON, with the API's field names.
        #[arg(long)]
        json: bool,
    },
    /// A contact card: fields, tags, open tasks, recent notes, upcoming appointments.
    Show {
        /// A contact id or a query that matches one contact.
        contact: String,
        #[arg(long)]
        json: bool,
    },
    /// Open tasks due today or overdue, across contacts.
    Today {
        #[arg(long)]
        json: bool,
    },
    /// Address-book lookup for mutt/neomutt `query_command` and aerc `address-book-cmd`.
    Query { query: String },
    /// Add or complete a task.
    #[command(subcommand)]
    Task(TaskCommand),
    /// Add or remove tags.
    Tag {
        /// add or rm
        #[arg(value_parser = ["add", "rm"])]
        op: String,
        contact: String,
        #[arg(required = true)]
        tags: Vec<String>,
    },
    /// Add a note; the body comes from standard input, or from $EDITOR.
    #[command(subcommand)]
    Note(NoteCommand),
    /// Bring the local cache up to date (edits waiting go out first).
    Sync {
        /// Walk every contact, not only those changed since the last sync.
        #[arg(long)]
        full: bool,
    },
    /// Edits waiting to be confirmed by HighLevel: list, push, retry, discard.
    Outbox {
        #[command(subcommand)]
        action: Option<OutboxCommand>,
        #[arg(long)]
        json: bool,
    },
    /// Print shell completions: `rolo completions bash > ~/.local/share/bash-completion/completions/rolo`.
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff): `rolo man | man -l -`.
    Man,
}

#[derive(Subcommand, Debug)]
enum TaskCommand {
    /// Add a task to a contact.
    Add {
        contact: String,
        #[arg(long)]
        title: String,
        /// today 17:00, tomorrow, fri 9am, +3d, 2026-12-01 14:30
        #[arg(long)]
        due: String,
        #[arg(long)]
        body: Option<String>,
    },
    /// Mark a contact's task done.
    Done { contact: String, task_id: String },
}

#[derive(Subcommand, Debug)]
enum OutboxCommand {
    /// Send every waiting edit now; retries until none is left to send.
    Push,
    /// Send an edit that needs attention again.
    Retry { seq: i64 },
    /// Drop an edit that needs attention.
    Discard { seq: i64 },
}

#[derive(Subcommand, Debug)]
enum NoteCommand {
    /// Add a note to a contact.
    Add { contact: String },
}

#[derive(Subcommand, Debug)]
enum AuthCommand {
    /// Check a Private Integration token with the API and store it.
    Login {
        /// Read the token from standard input (for scripts), not a prompt.
        #[arg(long)]
        with_token: bool,
        /// Allow a plain file (mode 0600) when no keyring is available.
        #[arg(long)]
        insecure_storage: bool,
        /// Import an OAuth app's client id, secret and refresh token
        /// instead (with --with-token: three lines on standard input).
        #[arg(long)]
        oauth: bool,
    },
    /// Show the profile, location, store and masked token.
    Status,
    /// Remove the stored token from every store that has it.
    Logout,
}

#[derive(Args, Debug)]
struct SandboxArgs {
    /// Address to listen on; port 0 picks a free port.
    #[arg(long, default_value = "127.0.0.1:0")]
    addr: SocketAddr,
    /// The bearer token with full access.
    #[arg(long)]
    token: String,
    /// A second token that may only read.
    #[arg(long)]
    readonly_token: Option<String>,
    /// The one location the sandbox serves.
    #[arg(long, default_value = "sandbox-location")]
    location_id: String,
    /// How many contacts to seed.
    #[arg(long, default_value_t = 500)]
    contacts: usize,
    /// Seed for the generated data.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Latency added to every request, in milliseconds.
    #[arg(long, default_value_t = 0)]
    latency_ms: u64,
    /// Fraction (0 to 1) of requests answered 500/502/503.
    #[arg(long, default_value_t = 0.0, value_parser = parse_fraction)]
    fail_rate: f64,
    /// Burst limit: requests per 10 s per token.
    #[arg(long, default_value_t = 100)]
    rate_limit: u32,
}

fn parse_fraction(s: &str) -> Result<f64, String> {
    let v: f64 = s.parse().map_err(|_| format!("{s:?} is not a number"))?;
    if (0.0..=1.0).contains(&v) {
        Ok(v)
    } else {
        Err(format!("{v} is not between 0 and 1"))
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(cli.log_level.as_deref());
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("rolo: cannot start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        // `rolo man | head`: the reader has what it wanted.
        Err(e)
            if e.chain().any(|c| {
                c.downcast_ref::<std::io::Error>()
                    .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            }) =>
        {
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("rolo: {e:#}");
            ExitCode::from(1)
        }
    }
}

/// Logs go to a file in the state dir, never to the terminal the TUI owns.
fn init_logging(level: Option<&str>) {
    let Some(path) = rolo::config::log_path() else {
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
        .with_writer(std::sync::Mutex::new(rolo::text::SanitizedWriter(file)))
        .try_init();
}

/// The config's settings, or the defaults and a warning to show when the
/// file is broken (the TUI still starts). An unknown `--profile` is an
/// error: the user asked for something that does not exist.
fn load_settings(
    profile: Option<&str>,
) -> Result<(rolo::config::Settings, Option<String>), ExitCode> {
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let path = rolo::config::config_path();
    match rolo::config::load(path.as_deref(), profile, no_color) {
        Ok(s) => Ok((s, None)),
        Err(e) if profile.is_some() && e.message.starts_with("no profile named") => {
            // A profile may live in the credential store alone (made by
            // `rolo auth login --profile NAME`), with no table in the config.
            let name = profile.unwrap_or_default();
            let (stores, _) = stores();
            let stored = rolo::auth::load(&stores, &rolo::auth::account(Some(name)))
                .ok()
                .flatten();
            match (stored, rolo::config::load(path.as_deref(), None, no_color)) {
                (Some(_), Ok(mut s)) => {
                    s.profile = Some(name.to_string());
                    s.location_id = None;
                    s.base_url = None;
                    s.read_only = false;
                    Ok((s, None))
                }
                _ => {
                    eprintln!(
                        "rolo: {e} (or sign in to it with `rolo auth login --profile {name}`)"
                    );
                    Err(ExitCode::from(2))
                }
            }
        }
        Err(e) => {
            let defaults = rolo::config::load(None, None, no_color).map_err(|e| {
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

async fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Some(Command::Sandbox(args)) => serve_sandbox(args).await,
        Some(Command::Auth(cmd)) => auth(cmd, cli.server).await,
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
        Some(cmd) => shell(cmd, cli.server).await,
        None if cli.demo => {
            let (settings, warning) = match load_settings(None) {
                Ok(s) => s,
                Err(code) => return Ok(code),
            };
            let demo = rolo::demo::start().await?;
            // The demo's data lives as long as its sandbox: a fresh cache.
            let dir = std::env::temp_dir().join(format!("rolo-demo-{}", std::process::id()));
            let caching = if cli.no_cache {
                rolo::cache::Caching::Off
            } else {
                rolo::cache::Caching::In(dir.clone())
            };
            let result = rolo::tui::run_with(demo.client, &settings, warning, None, caching).await;
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
            let switcher: rolo::tui::Switcher = Box::new(|name: &str| {
                let (settings, warning) =
                    load_settings(Some(name)).map_err(|_| format!("no profile named `{name}`"))?;
                if let Some(w) = warning {
                    return Err(w);
                }
                let client = client_for(&settings, None, None, false).map_err(|(_, m)| m)?;
                Ok((client, settings))
            });
            let caching = if cli.no_cache {
                rolo::cache::Caching::Off
            } else {
                rolo::cache::Caching::Default
            };
            rolo::tui::run_with(client, &settings, warning, Some(switcher), caching).await?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

async fn serve_sandbox(args: SandboxArgs) -> Result<ExitCode> {
    let config = SandboxConfig {
        token: args.token,
        readonly_token: args.readonly_token,
        location_id: args.location_id,
        contacts: args.contacts,
        seed: args.seed,
        faults: Faults {
            latency_ms: args.latency_ms,
            fail_rate: args.fail_rate,
            ..Faults::default()
        },
        rate_limit: RateLimit {
            max: args.rate_limit,
            ..RateLimit::default()
        },
        ..SandboxConfig::default()
    };
    let sandbox = Sandbox::start(config, args.addr)
        .await
        .with_context(|| format!("cannot listen on {}", args.addr))?;
    {
        let mut out = std::io::stdout().lock();
        writeln!(out, "listening on {}", sandbox.base_url())?;
        out.flush()?;
    }
    tokio::select! {
        _ = sandbox.wait() => {}
        _ = tokio::signal::ctrl_c() => {}
    }
    Ok(ExitCode::SUCCESS)
}

fn stores() -> (Vec<Box<dyn rolo::auth::SecretStore>>, Vec<String>) {
    rolo::auth::available_stores(
        std::env::var("ROLO_SECRET_STORES").ok().as_deref(),
        rolo::auth::FileStore::default_dir(),
    )
}

async fn auth(cmd: AuthCommand, server: ServerArgs) -> Result<ExitCode> {
    // Logging in is how a new profile comes to exist: an unknown name is
    // fine here, with the config's other settings.
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let known = rolo::config::load(
        rolo::config::config_path().as_deref(),
        server.profile.as_deref(),
        no_color,
    );
    let (settings, warning) = match (known, &server.profile) {
        (Err(e), Some(name)) if e.message.starts_with("no profile named") => {
            match load_settings(None) {
                Ok((mut s, w)) => {
                    s.profile = Some(name.clone());
                    (s, w)
                }
                Err(code) => return Ok(code),
            }
        }
        _ => match load_settings(server.profile.as_deref()) {
            Ok(s) => s,
            Err(code) => return Ok(code),
        },
    };
    if let Some(w) = warning {
        eprintln!("rolo: {w}");
        return Ok(ExitCode::from(2));
    }
    let account = rolo::auth::account(settings.profile.as_deref());
    let (stores, skipped) = stores();
    match cmd {
        AuthCommand::Login {
            with_token,
            insecure_storage,
            oauth,
        } => {
            let location = match server.location_id.or(settings.location_id.clone()) {
                Some(l) => l,
                None if with_token => {
                    eprintln!(
                        "rolo: with --with-token, give the location with --location-id or the profile's location_id"
                    );
                    return Ok(ExitCode::from(2));
                }
                None => {
                    eprint!("HighLevel location (sub-account) id: ");
                    let mut line = String::new();
                    std::io::stdin().read_line(&mut line)?;
                    line.trim().to_string()
                }
            };
            if location.is_empty() {
                eprintln!("rolo: no location id given");
                return Ok(ExitCode::from(2));
            }
            let read_line = |prompt: &str, hidden: bool| -> Result<String> {
                if with_token {
                    let mut line = String::new();
                    std::io::stdin().read_line(&mut line)?;
                    Ok(line.trim().to_string())
                } else if hidden {
                    Ok(rpassword::prompt_password(prompt)
                        .context(
                            "no terminal to read the secret from: pipe it in with --with-token",
                        )?
                        .trim()
                        .to_string())
                } else {
                    eprint!("{prompt}");
                    let mut line = String::new();
                    std::io::stdin().read_line(&mut line)?;
                    Ok(line.trim().to_string())
                }
            };
            // OAuth: the app's credentials and a refresh token; the access
            // token comes from renewing at once, which also proves them.
            let (oauth_parts, token) = if oauth {
                let client_id = read_line("OAuth client id: ", false)?;
                let client_secret = read_line("OAuth client secret (input hidden): ", true)?;
                let refresh = read_line("Refresh token (input hidden): ", true)?;
                if [&client_id, &client_secret, &refresh]
                    .iter()
                    .any(|v| v.is_empty())
                {
                    eprintln!("rolo: the client id, secret and refresh token are all needed");
                    return Ok(ExitCode::from(2));
                }
                (Some((client_id, client_secret, refresh)), String::new())
            } else {
                let token = read_line("Private Integration token (input hidden): ", true)?;
                if token.is_empty() {
                    eprintln!("rolo: no token given");
                    return Ok(ExitCode::from(2));
                }
                (None, token)
            };
            let base_url = server
                .base_url
                .or(settings.base_url.clone())
                .unwrap_or_else(|| DEFAULT_BASE_URL.to_string());
            let mut config = rolo::api::ClientConfig::new(
                &base_url,
                location.clone(),
                rolo::api::Token::new(token.clone()),
            );
            // Renewals during the check land here, to be stored below.
            let rotated: std::sync::Arc<std::sync::Mutex<Option<rolo::api::oauth::OAuthTokens>>> =
                std::sync::Arc::default();
            if let Some((id, secret, refresh)) = &oauth_parts {
                let r = rotated.clone();
                config.oauth = Some(rolo::api::oauth::OAuthConfig {
                    client_id: id.clone(),
                    client_secret: rolo::api::Token::new(secret.clone()),
                    tokens: rolo::api::oauth::OAuthTokens {
                        access_token: rolo::api::Token::new(""),
                        refresh_token: rolo::api::Token::new(refresh.clone()),
                        expires_at: chrono::Utc::now(),
                    },
                    persist: std::sync::Arc::new(move |t| {
                        *r.lock().map_err(|_| "poisoned".to_string())? = Some(t.clone());
                        Ok(())
                    }),
                });
            }
            let client = rolo::api::Client::new(config)?;
            let verified = match rolo::auth::verify(&client).await {
                Ok(a) => a,
                Err(e) => {
                    eprintln!("rolo: the token was not accepted: {e}");
                    return Ok(ExitCode::from(if e.is_transient() { 4 } else { 3 }));
                }
            };
            let access = verified.access;
            let shown = match &verified.location_name {
                Some(n) => format!("{} ({location})", rolo::text::sanitize(n)),
                None => format!("{location} (its name needs the locations.readonly scope)"),
            };
            println!(
                "The token works for location {shown}: read yes, write {}.",
                access.write
            );
            let credential = match (oauth_parts, rotated.lock().ok().and_then(|r| r.clone())) {
                (Some((client_id, client_secret, _)), Some(t)) => rolo::auth::Credential {
                    location_id: location,
                    token: t.access_token.expose().to_string(),
                    oauth: Some(rolo::auth::StoredOAuth {
                        client_id,
                        client_secret,
                        refresh_token: t.refresh_token.expose().to_string(),
                        expires_at: t.expires_at,
                    }),
                },
                (Some(_), None) => {
                    eprintln!("rolo: the OAuth token was never renewed; nothing to store");
                    return Ok(ExitCode::from(3));
                }
                (None, _) => rolo::auth::Credential {
                    location_id: location,
                    token,
                    oauth: None,
                },
            };
            match rolo::auth::save(&stores, &skipped, &account, &credential, insecure_storage) {
                Ok((store, reasons)) => {
                    println!("Saved for profile `{account}` in {}.", store.describe());
                    for r in reasons {
                        println!("  (a better store was skipped: {r})");
                    }
                    if let Some(w) = store.warning() {
                        eprintln!("warning: {w}");
                    }
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => {
                    eprintln!("rolo: {e}");
                    Ok(ExitCode::from(3))
                }
            }
        }
        AuthCommand::Status => {
            println!("profile:  {account}");
            if let Ok(t) = std::env::var("ROLO_TOKEN") {
                println!(
                    "token:    {} from ROLO_TOKEN (stored tokens are not used)",
                    rolo::api::Token::new(t).masked()
                );
                return Ok(ExitCode::SUCCESS);
            }
            match rolo::auth::load(&stores, &account)? {
                Some((c, store)) => {
                    println!("location: {}", c.location_id);
                    println!("store:    {}", store.describe());
                    println!(
                        "token:    {}",
                        rolo::api::Token::new(c.token.clone()).masked()
                    );
                    match &c.oauth {
                        Some(o) => println!(
                            "expiry:   {} (OAuth; renewed automatically with the stored refresh token)",
                            o.expires_at.format("%Y-%m-%d %H:%M UTC")
                        ),
                        None => println!(
                            "expiry:   none (a Private Integration token lasts until it is rotated)"
                        ),
                    }
                    Ok(ExitCode::SUCCESS)
                }
                None => {
                    eprintln!(
                        "rolo: {}",
                        rolo::auth::AuthError::NotLoggedIn { profile: account }
                    );
                    Ok(ExitCode::from(3))
                }
            }
        }
        AuthCommand::Logout => {
            let mut removed = Vec::new();
            for s in &stores {
                if s.delete(&account)? {
                    removed.push(s.describe());
                }
            }
            if removed.is_empty() {
                println!("Nothing was stored for profile `{account}`.");
            } else {
                println!(
                    "Removed the token of profile `{account}` from {}.",
                    removed.join(" and ")
                );
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// A client for the profile in `settings`: flags first, then the profile,
/// then what `rolo auth login` stored. The token is `ROLO_TOKEN` when
/// `env_token` and it is set, else the stored one.
fn client_for(
    settings: &rolo::config::Settings,
    base_flag: Option<String>,
    location_flag: Option<String>,
    env_token: bool,
) -> Result<rolo::api::Client, (u8, String)> {
    let mut oauth = None;
    let env = std::env::var("ROLO_TOKEN").ok().filter(|_| env_token);
    let (token, stored_location) = match env {
        Some(t) => (rolo::api::Token::new(t), None),
        None => {
            let (stores, _) = stores();
            let account = rolo::auth::account(settings.profile.as_deref());
            match rolo::auth::load(&stores, &account).map_err(|e| (3, e.to_string()))? {
                Some((c, store)) => {
                    let persist = rolo::auth::persist_to(store.name(), account.clone(), c.clone());
                    oauth = c.oauth_config(persist);
                    (rolo::api::Token::new(c.token), Some(c.location_id))
                }
                None => {
                    return Err((
                        3,
                        format!(
                            "{} (or set ROLO_TOKEN, or try `rolo --demo`)",
                            rolo::auth::AuthError::NotLoggedIn { profile: account }
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
        .unwrap_or_else(|| DEFAULT_BASE_URL.to_string());
    let mut config = rolo::api::ClientConfig::new(&base_url, location, token);
    config.rate.max_requests = settings.rate_limit;
    config.timeout = std::time::Duration::from_secs(settings.timeout_secs);
    config.oauth = oauth;
    rolo::api::Client::new(config).map_err(|e| (2, e.to_string()))
}

/// The shell commands: strict config (a broken file is exit 2), then one
/// call each.
async fn shell(cmd: Command, server: ServerArgs) -> Result<ExitCode> {
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let settings = match rolo::config::load(
        rolo::config::config_path().as_deref(),
        server.profile.as_deref(),
        no_color,
    ) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("rolo: {e}");
            return Ok(ExitCode::from(2));
        }
    };
    let client = match client_for(&settings, server.base_url, server.location_id, true) {
        Ok(c) => c,
        Err((code, message)) => {
            eprintln!("rolo: {message}");
            return Ok(ExitCode::from(code));
        }
    };
    let offset = settings
        .offset
        .map_or(rolo::zone::Zone::Local, rolo::zone::Zone::Fixed);
    // Never a silent wait: each retry is said on stderr.
    client.notify_retries(|m| eprintln!("rolo: {m}"));
    // And never an endless one: a quick answer has a deadline; sync and
    // push show progress and go on.
    let deadline = match cmd {
        Command::Sync { .. } | Command::Outbox { .. } => None,
        _ => Some(shell_deadline()),
    };
    // The note's text first: time in the editor is not HighLevel's time.
    let note = matches!(cmd, Command::Note(_)).then(note_body);
    let work = run_shell(cmd, &client, offset, note);
    let result = match deadline {
        None => work.await,
        Some(d) => match tokio::time::timeout(d, work).await {
            Ok(r) => r,
            Err(_) => Err(rolo::cli::Failure {
                code: 4,
                message: format!(
                    "no answer from HighLevel within {} s (ROLO_DEADLINE sets the limit); an edit, if any, is kept in the outbox: `rolo outbox push` sends it",
                    d.as_secs()
                ),
            }),
        },
    };
    match result {
        Ok(()) => Ok(ExitCode::SUCCESS),
        Err(f) if f.code == 0 => Ok(ExitCode::SUCCESS),
        Err(f) => {
            // The log's writer sanitizes too.
            tracing::warn!(exit = f.code, "{}", f.message);
            eprintln!("rolo: {}", rolo::text::sanitize(&f.message));
            Ok(ExitCode::from(f.code))
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
    client: &rolo::api::Client,
    offset: rolo::zone::Zone,
    note: Option<Result<String, String>>,
) -> Result<(), rolo::cli::Failure> {
    let client = client.clone();
    use rolo::cli;
    match cmd {
        Command::Find { query, limit, json } => cli::find(&client, &query, limit, json).await,
        Command::Show { contact, json } => cli::show(&client, &contact, json, offset).await,
        Command::Today { json } => cli::today(&client, json, offset).await,
        Command::Query { query } => cli::query(&client, &query).await,
        Command::Task(TaskCommand::Add {
            contact,
            title,
            due,
            body,
        }) => cli::task_add(&client, &contact, &title, &due, body.as_deref(), offset).await,
        Command::Task(TaskCommand::Done { contact, task_id }) => {
            cli::task_done(&client, &contact, &task_id).await
        }
        Command::Tag { op, contact, tags } => {
            cli::tags(&client, &contact, op == "add", &tags).await
        }
        Command::Note(NoteCommand::Add { contact }) => match note.unwrap_or_else(note_body) {
            Ok(body) => cli::note_add(&client, &contact, &body).await,
            Err(e) => Err(cli::Failure {
                code: 2,
                message: e,
            }),
        },
        Command::Sync { full } => match cache_path(&client) {
            Ok(path) => cli::sync(&client, &path, full).await,
            Err(f) => Err(f),
        },
        Command::Outbox { action, json } => match (cache_path(&client), action) {
            (Err(f), _) => Err(f),
            (Ok(path), None) => cli::outbox_list(&path, json),
            (Ok(path), Some(OutboxCommand::Push)) => cli::outbox_push(&client, &path).await,
            (Ok(path), Some(OutboxCommand::Retry { seq })) => cli::outbox_settle(&path, seq, true),
            (Ok(path), Some(OutboxCommand::Discard { seq })) => {
                cli::outbox_settle(&path, seq, false)
            }
        },
        Command::Sandbox(_) | Command::Auth(_) | Command::Completions { .. } | Command::Man => {
            Ok(())
        }
    }
}

/// The cache file of the client's location.
fn cache_path(client: &rolo::api::Client) -> Result<std::path::PathBuf, rolo::cli::Failure> {
    rolo::cache::default_path(client.location_id()).ok_or_else(|| rolo::cli::Failure {
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
    rolo::editor::edit("", |run| run())
}
