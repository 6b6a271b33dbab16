//! The terminal: set up, the select loop, and restore on every way out.
//!
//! One loop waits on terminal input, API answers and a timer. Every event
//! goes through `app::update`; the screen is drawn only when something
//! changed, at most 60 times a second.

use std::time::Duration;

use anyhow::{Context, Result};
use chrono::Utc;
use crossterm::event::{Event as TermEvent, EventStream, KeyCode, KeyEventKind, KeyModifiers};
use futures_util::StreamExt;
use ratatui::DefaultTerminal;
use tokio::time::Instant;

use crate::api::Client;
use crate::api::actor::{ActorConfig, ApiHandle};
use crate::app::{Command, Event, State, update};
use crate::config::Settings;

const FRAME: Duration = Duration::from_millis(16);
const TICK: Duration = Duration::from_millis(80);

/// Builds the client and settings of another profile, for switching.
pub type Switcher = Box<dyn Fn(&str) -> Result<(Client, Settings), String> + Send>;

/// One profile's session: its actor and its app state.
struct Session {
    api: ApiHandle,
    api_rx: tokio::sync::mpsc::UnboundedReceiver<crate::api::ApiEvent>,
    state: State,
}

impl Session {
    fn open(
        client: Client,
        settings: &Settings,
        size: ratatui::layout::Size,
    ) -> (Session, Vec<Command>) {
        let location = client.location_id().to_string();
        let (api, api_rx) = ApiHandle::spawn(client, ActorConfig::default());
        let zone = settings
            .offset
            .map_or(crate::zone::Zone::Local, crate::zone::Zone::Fixed);
        let (mut state, mut commands) = State::new(&location, Utc::now(), zone);
        state.configure(settings);
        commands.extend(update(
            &mut state,
            Event::Resize {
                width: size.width,
                height: size.height,
            },
        ));
        (Session { api, api_rx, state }, commands)
    }
}

/// Runs the workspace until the user quits.
pub async fn run(client: Client, settings: &Settings, warning: Option<String>) -> Result<()> {
    run_with(client, settings, warning, None).await
}

/// Runs the workspace; `warning` (a config problem, say) shows at start,
/// and `switcher`, when given, lets the user change profiles.
pub async fn run_with(
    client: Client,
    settings: &Settings,
    warning: Option<String>,
    switcher: Option<Switcher>,
) -> Result<()> {
    let mut terminal = ratatui::try_init().context("cannot set up the terminal")?;
    let size = terminal.size().unwrap_or_default();
    let (mut session, commands) = Session::open(client, settings, size);
    session.state.error = warning;
    let result = event_loop(&mut terminal, &mut session, commands, switcher.as_ref()).await;
    ratatui::restore();
    report_unfinished(&session.api.shutdown(Duration::from_secs(10)).await);
    result
}

fn report_unfinished(report: &crate::api::actor::ShutdownReport) {
    for w in &report.unfinished_writes {
        eprintln!(
            "rolo: not confirmed by HighLevel before exit: {} ({})",
            w.description,
            if w.was_running {
                "it may have been applied; check it"
            } else {
                "it was not sent"
            }
        );
    }
}

async fn event_loop(
    terminal: &mut DefaultTerminal,
    session: &mut Session,
    commands: Vec<Command>,
    switcher: Option<&Switcher>,
) -> Result<()> {
    let started = Instant::now();
    let mut pending_commands = commands;
    let mut input = EventStream::new();
    let mut tick = tokio::time::interval(TICK);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut dirty = true;
    let mut last_draw = Instant::now() - FRAME;
    loop {
        match dispatch(
            terminal,
            &session.api,
            &mut session.state,
            std::mem::take(&mut pending_commands),
        )? {
            Flow::Continue => {}
            Flow::Quit => return Ok(()),
            Flow::Switch(name) => {
                let outcome = match switcher {
                    None => Err(
                        "profiles need a real account: the demo has a single sandbox".to_string(),
                    ),
                    Some(make) => make(&name),
                };
                match outcome {
                    Err(e) => {
                        pending_commands = update(
                            &mut session.state,
                            Event::Info(format!("Cannot switch: {e}")),
                        )
                    }
                    Ok((client, settings)) => {
                        let (next, commands) =
                            Session::open(client, &settings, terminal.size().unwrap_or_default());
                        let old = std::mem::replace(session, next);
                        let report = old.api.shutdown(Duration::from_secs(5)).await;
                        let unfinished = report.unfinished_writes.len();
                        session.state.notice = Some(if unfinished == 0 {
                            format!("Switched to profile `{name}`.")
                        } else {
                            format!(
                                "Switched to `{name}`; {unfinished} change(s) of the last profile were not confirmed"
                            )
                        });
                        pending_commands = commands;
                    }
                }
                dirty = true;
                continue;
            }
        }
        if dirty && last_draw.elapsed() >= FRAME {
            terminal.draw(|f| crate::ui::render(&session.state, f))?;
            last_draw = Instant::now();
            dirty = false;
        }
        let next_frame = last_draw + FRAME;
        let state = &mut session.state;
        let api_rx = &mut session.api_rx;
        tokio::select! {
            ev = input.next() => match ev {
                None => return Ok(()),
                Some(Err(e)) => return Err(e).context("reading the terminal"),
                Some(Ok(TermEvent::Key(k))) if k.kind != KeyEventKind::Release => {
                    if k.code == KeyCode::Char('z') && k.modifiers.contains(KeyModifiers::CONTROL) && state.overlay.is_none() {
                        suspend(terminal)?;
                    } else {
                        pending_commands = update(state, Event::Key(k));
                    }
                    dirty = true;
                }
                Some(Ok(TermEvent::Resize(width, height))) => {
                    pending_commands = update(state, Event::Resize { width, height });
                    terminal.autoresize()?;
                    dirty = true;
                }
                Some(Ok(_)) => {}
            },
            Some(e) = api_rx.recv() => {
                pending_commands = update(state, Event::Api(e));
                // Drain whatever else arrived: one frame for the lot.
                while let Ok(e) = api_rx.try_recv() {
                    pending_commands.extend(update(state, Event::Api(e)));
                }
                dirty = true;
            },
            _ = tick.tick() => {
                let before = (state.spinner, state.pending);
                pending_commands = update(state, Event::Tick {
                    now: Utc::now(),
                    elapsed_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
                });
                dirty |= !pending_commands.is_empty() || before != (state.spinner, state.pending);
            },
            _ = tokio::time::sleep_until(next_frame), if dirty => {},
        }
    }
}

/// What the loop does after carrying out commands.
enum Flow {
    Continue,
    Quit,
    Switch(String),
}

/// Carries out commands. Side effects report back to the app as events.
fn dispatch(
    terminal: &mut DefaultTerminal,
    api: &ApiHandle,
    state: &mut State,
    commands: Vec<Command>,
) -> Result<Flow> {
    let mut queue: std::collections::VecDeque<Command> = commands.into();
    while let Some(c) = queue.pop_front() {
        let feedback = match c {
            Command::Api(r) => {
                api.send(r).context("the API actor stopped")?;
                None
            }
            Command::Quit => return Ok(Flow::Quit),
            Command::SwitchProfile(name) => return Ok(Flow::Switch(name)),
            Command::Copy(text) => {
                copy(&text);
                None
            }
            Command::Open(url) => Some(Event::Info(open(&url))),
            Command::Edit(text) => Some(match edit_externally(terminal, &text) {
                Ok(t) => Event::Edited(t),
                Err(e) => Event::Info(format!("The editor failed: {e:#}")),
            }),
        };
        if let Some(e) = feedback {
            queue.extend(update(state, e));
        }
    }
    Ok(Flow::Continue)
}

/// OSC 52: the terminal (even across SSH and tmux) puts it on the clipboard.
fn copy(text: &str) {
    use std::io::Write;
    let mut out = std::io::stdout();
    let _ = crossterm::execute!(
        out,
        crossterm::clipboard::CopyToClipboard::to_clipboard_from(text)
    );
    let _ = out.flush();
}

/// Opens a URL in the local browser; over SSH there is none, so the link
/// goes to the clipboard instead.
fn open(url: &str) -> String {
    let remote =
        std::env::var_os("SSH_CONNECTION").is_some() || std::env::var_os("SSH_TTY").is_some();
    if !remote {
        let opener = if cfg!(target_os = "macos") {
            "open"
        } else {
            "xdg-open"
        };
        let spawned = std::process::Command::new(opener)
            .arg(url)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn();
        if spawned.is_ok() {
            return "Opened in the browser.".into();
        }
    }
    copy(url);
    format!("Link copied to the clipboard: {url}")
}

/// Suspends the UI, runs `$VISUAL`/`$EDITOR` (else vi) on a temporary file
/// holding `text`, and returns what was saved.
fn edit_externally(terminal: &mut DefaultTerminal, text: &str) -> Result<String> {
    let editor = std::env::var("VISUAL")
        .or_else(|_| std::env::var("EDITOR"))
        .unwrap_or_else(|_| "vi".into());
    let path = std::env::temp_dir().join(format!(
        "rolo-note-{}-{}.md",
        std::process::id(),
        fastrand::u32(..)
    ));
    std::fs::write(&path, format!("{text}\n")).context("writing the temporary file")?;
    ratatui::restore();
    let mut parts = editor.split_whitespace();
    let program = parts.next().unwrap_or("vi");
    let status = tokio::task::block_in_place(|| {
        std::process::Command::new(program)
            .args(parts)
            .arg(&path)
            .status()
    });
    *terminal = ratatui::try_init().context("cannot take the terminal back")?;
    terminal.clear()?;
    let result = match status {
        Ok(s) if s.success() => std::fs::read_to_string(&path).context("reading the edited note"),
        Ok(s) => Err(anyhow::anyhow!(
            "{editor} exited with {s}; the note is unchanged"
        )),
        Err(e) => Err(anyhow::anyhow!("cannot run {editor}: {e}")),
    };
    let _ = std::fs::remove_file(&path);
    result
}

/// ctrl-z: give the terminal back, stop, and take it again on `fg`.
#[cfg(unix)]
fn suspend(terminal: &mut DefaultTerminal) -> Result<()> {
    ratatui::restore();
    // SAFETY: raising SIGTSTP on our own process; the default action stops
    // it until SIGCONT, then execution continues here.
    unsafe {
        libc::raise(libc::SIGTSTP);
    }
    *terminal = ratatui::try_init().context("cannot take the terminal back")?;
    terminal.clear()?;
    Ok(())
}

#[cfg(not(unix))]
fn suspend(_terminal: &mut DefaultTerminal) -> Result<()> {
    Ok(())
}
