//! `rolo auth login | status | logout`: where a token comes from and where
//! it is kept.

use std::process::ExitCode;

use anyhow::{Context, Result};

use super::args::{AuthCommand, ServerArgs};
use super::load_settings;
use crate::api::client::DEFAULT_BASE_URL;

pub(crate) fn stores() -> (Vec<Box<dyn crate::auth::SecretStore>>, Vec<String>) {
    crate::auth::available_stores(
        std::env::var("ROLO_SECRET_STORES").ok().as_deref(),
        crate::auth::FileStore::default_dir(),
    )
}

pub async fn run(cmd: AuthCommand, server: ServerArgs) -> Result<ExitCode> {
    // Logging in is how a new profile comes to exist: an unknown name is
    // fine here, with the config's other settings.
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let known = crate::config::load(
        crate::config::config_path().as_deref(),
        server.profile.as_deref(),
        no_color,
    );
    // Who the config itself names (a pick at login never overrides it).
    let config_user = known.as_ref().ok().and_then(|s| s.user.clone());
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
    let account = crate::auth::account(settings.profile.as_deref());
    let (stores, skipped) = stores();
    match cmd {
        AuthCommand::Login {
            with_token,
            insecure_storage,
            oauth,
            user,
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
            let mut config = crate::api::ClientConfig::new(
                &base_url,
                location.clone(),
                crate::api::Token::new(token.clone()),
            );
            // Renewals during the check land here, to be stored below.
            let rotated: std::sync::Arc<std::sync::Mutex<Option<crate::api::oauth::OAuthTokens>>> =
                std::sync::Arc::default();
            if let Some((id, secret, refresh)) = &oauth_parts {
                let r = rotated.clone();
                config.oauth = Some(crate::api::oauth::OAuthConfig {
                    client_id: id.clone(),
                    client_secret: crate::api::Token::new(secret.clone()),
                    tokens: crate::api::oauth::OAuthTokens {
                        access_token: crate::api::Token::new(""),
                        refresh_token: crate::api::Token::new(refresh.clone()),
                        expires_at: chrono::Utc::now(),
                    },
                    persist: std::sync::Arc::new(move |t| {
                        *r.lock().map_err(|_| "poisoned".to_string())? = Some(t.clone());
                        Ok(())
                    }),
                });
            }
            let client = crate::api::Client::new(config)?;
            let verified = match crate::auth::verify(&client).await {
                Ok(a) => a,
                Err(e) => {
                    eprintln!("rolo: the token was not accepted: {e}");
                    return Ok(ExitCode::from(if e.is_transient() { 4 } else { 3 }));
                }
            };
            let access = verified.access;
            let shown = match &verified.location_name {
                Some(n) => format!("{} ({location})", crate::text::sanitize(n)),
                None => format!("{location} (its name needs the locations.readonly scope)"),
            };
            println!(
                "The token works for location {shown}: read yes, write {}.",
                access.write
            );
            // Who the profile acts for: picked before anything is stored,
            // so that a wrong --user leaves nothing half done.
            let interactive = !with_token && std::io::IsTerminal::is_terminal(&std::io::stdin());
            let kept = crate::identity::load(&account);
            let me = match who_am_i(
                &client,
                config_user.as_deref(),
                kept.as_deref(),
                user.map(|u| u.trim().to_string()),
                interactive,
            )
            .await
            {
                Ok(me) => me,
                Err(message) => {
                    eprintln!("rolo: {message}");
                    return Ok(ExitCode::from(2));
                }
            };
            // Kept with the token when it is not HighLevel's own, so that a
            // later run without the flag never sends it elsewhere.
            let kept_base = (base_url.trim_end_matches('/')
                != DEFAULT_BASE_URL.trim_end_matches('/'))
            .then(|| base_url.clone());
            let credential = match (oauth_parts, rotated.lock().ok().and_then(|r| r.clone())) {
                (Some((client_id, client_secret, _)), Some(t)) => crate::auth::Credential {
                    location_id: location,
                    base_url: kept_base.clone(),
                    token: t.access_token.expose().to_string(),
                    oauth: Some(crate::auth::StoredOAuth {
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
                (None, _) => crate::auth::Credential {
                    location_id: location,
                    base_url: kept_base.clone(),
                    token,
                    oauth: None,
                },
            };
            match crate::auth::save(&stores, &skipped, &account, &credential, insecure_storage) {
                Ok((store, reasons)) => {
                    println!("Saved for profile `{account}` in {}.", store.describe());
                    for r in reasons {
                        println!("  (a better store was skipped: {r})");
                    }
                    if let Some(w) = store.warning() {
                        eprintln!("warning: {w}");
                    }
                    match me {
                        Me::Configured(email) => println!(
                            "You act as {} (the profile's `user` in the config).",
                            crate::text::sanitize(&email)
                        ),
                        Me::Kept(email) => println!(
                            "You act as {}, as picked before (`--user EMAIL` picks another).",
                            crate::text::sanitize(&email)
                        ),
                        Me::Picked(shown, email, checked) => {
                            match crate::identity::pick(&account, Some(&email)) {
                                Ok(path) => println!(
                                    "You act as {shown}{}: `assigned:me` and mine mean them (kept in {}).",
                                    if checked {
                                        ""
                                    } else {
                                        " (not checked: the location's users cannot be read)"
                                    },
                                    path.display()
                                ),
                                Err(e) => {
                                    eprintln!(
                                        "rolo: the token is saved, but who you are is not: {e}"
                                    );
                                    return Ok(ExitCode::from(3));
                                }
                            }
                        }
                        Me::Unknown(why) => println!("{why}"),
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
            match (&config_user, crate::identity::load_checked(&account)) {
                (Some(u), _) => {
                    println!("user:     {} (from the config)", crate::text::sanitize(u))
                }
                (None, Ok(Some(u))) => {
                    println!("user:     {} (picked at login)", crate::text::sanitize(&u))
                }
                (None, Ok(None)) => println!(
                    "user:     none named (`rolo auth login --user EMAIL`, or `user =` in the profile)"
                ),
                (None, Err(e)) => println!(
                    "user:     unknown: {} (fix or remove the file, then log in again)",
                    crate::text::sanitize(&e)
                ),
            }
            if let Ok(t) = std::env::var("ROLO_TOKEN") {
                println!(
                    "token:    {} from ROLO_TOKEN (stored tokens are not used)",
                    crate::api::Token::new(t).masked()
                );
                return Ok(ExitCode::SUCCESS);
            }
            match crate::auth::load(&stores, &account)? {
                Some((c, store)) => {
                    println!("location: {}", c.location_id);
                    if let Some(b) = &c.base_url {
                        println!("api:      {}", crate::text::sanitize(b));
                    }
                    println!("store:    {}", store.describe());
                    println!(
                        "token:    {}",
                        crate::api::Token::new(c.token.clone()).masked()
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
                        crate::auth::AuthError::NotLoggedIn { profile: account }
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
            if crate::identity::load(&account).is_some()
                && let Err(e) = crate::identity::pick(&account, None)
            {
                eprintln!("rolo: who the profile acts for is still kept: {e}");
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

/// Who a profile acts for, as settled at login.
enum Me {
    /// The config's `user =` names them.
    Configured(String),
    /// Picked now: the name to show, the email to keep, and whether it
    /// was checked against the location's users.
    Picked(String, String, bool),
    /// Picked at an earlier login, and kept.
    Kept(String),
    /// Nobody: the line that says how to name them.
    Unknown(String),
}

/// Settles who the profile acts for: `--user`, checked against the
/// location's users when they can be read; else the config's `user =`;
/// else, at a terminal, a pick from the users; else a hint.
async fn who_am_i(
    client: &crate::api::Client,
    config_user: Option<&str>,
    kept: Option<&str>,
    flag: Option<String>,
    interactive: bool,
) -> Result<Me, String> {
    let hint = "Nobody is named as you, so `assigned:me` and mine mean nothing yet: \
                log in again with --user EMAIL, or set `user =` in the profile.";
    if let (Some(f), Some(u)) = (&flag, config_user)
        && !f.eq_ignore_ascii_case(u.trim())
    {
        return Err(format!(
            "the profile's config names {} as you (`user =`), and it wins over --user: change it there",
            crate::text::sanitize(u)
        ));
    }
    if flag.is_none() {
        if let Some(u) = config_user {
            return Ok(Me::Configured(u.to_string()));
        }
        if !interactive {
            return Ok(match kept {
                Some(k) => Me::Kept(k.to_string()),
                None => Me::Unknown(hint.to_string()),
            });
        }
    }
    // At the prompt, skipping keeps an earlier pick.
    let skipped = || match kept {
        Some(k) => Me::Kept(k.to_string()),
        None => Me::Unknown(hint.to_string()),
    };
    let users = match client.location_users().await {
        Ok(u) => u,
        Err(e) => {
            let why = crate::text::sanitize(&e.to_string()).into_owned();
            return match flag {
                // Unchecked, but what was asked for.
                Some(email) => Ok(Me::Picked(
                    crate::text::sanitize(&email).into_owned(),
                    email,
                    false,
                )),
                None => Ok(match kept {
                    Some(k) => Me::Kept(k.to_string()),
                    None => Me::Unknown(format!("The users cannot be read ({why}). {hint}")),
                }),
            };
        }
    };
    let with_email: Vec<&crate::api::users::User> = users
        .iter()
        .filter(|u| u.email.as_deref().is_some_and(|e| !e.trim().is_empty()))
        .collect();
    let shown = |u: &crate::api::users::User| {
        format!(
            "{} <{}>",
            crate::text::sanitize(&u.display_name()),
            crate::text::sanitize(u.email.as_deref().unwrap_or_default())
        )
    };
    let find = |email: &str| {
        with_email
            .iter()
            .find(|u| {
                u.email
                    .as_deref()
                    .is_some_and(|e| e.trim().eq_ignore_ascii_case(email.trim()))
            })
            .copied()
    };
    if let Some(email) = flag {
        return match find(&email) {
            Some(u) => Ok(Me::Picked(
                shown(u),
                u.email.clone().unwrap_or_default().trim().to_string(),
                true,
            )),
            None if with_email.is_empty() => Ok(Me::Picked(
                crate::text::sanitize(&email).into_owned(),
                email,
                false,
            )),
            None => Err(format!(
                "no user of this location has the email {:?} (they are: {})",
                crate::text::snippet(&email, 60),
                with_email
                    .iter()
                    .map(|u| crate::text::sanitize(u.email.as_deref().unwrap_or_default()))
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        };
    }
    if with_email.is_empty() {
        return Ok(Me::Unknown(format!(
            "The location has no users with an email. {hint}"
        )));
    }
    eprintln!("Which of the location's users are you?");
    for (i, u) in with_email.iter().enumerate() {
        eprintln!("  {:>2}  {}", i + 1, shown(u));
    }
    loop {
        eprint!("Number or email (empty to skip): ");
        let mut line = String::new();
        if std::io::stdin()
            .read_line(&mut line)
            .map_err(|e| e.to_string())?
            == 0
        {
            eprintln!();
            return Ok(skipped());
        }
        let answer = line.trim();
        if answer.is_empty() {
            return Ok(skipped());
        }
        let picked = match answer.parse::<usize>() {
            Ok(n) => n.checked_sub(1).and_then(|i| with_email.get(i).copied()),
            Err(_) => find(answer),
        };
        match picked {
            Some(u) => {
                return Ok(Me::Picked(
                    shown(u),
                    u.email.clone().unwrap_or_default().trim().to_string(),
                    true,
                ));
            }
            None => eprintln!(
                "  {:?} is none of them: a number from 1 to {}, or one of their emails.",
                crate::text::snippet(answer, 40),
                with_email.len()
            ),
        }
    }
}
