//! The terminal: set up, the select loop, and restore on every way out.
//!
//! One loop waits on terminal input, API answers and a timer. Every event
//! goes through `app::update`; the screen is drawn only when something
//! changed, at most 60 times a second.

use std::time::Duration;

use anyhow::{Context, Result};
use chrono::{Local, Offset, Utc};
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

/// Runs the workspace until the user quits.
/// `warning` (a config problem, say) is shown in the status bar at start.
pub async fn run(client: Client, settings: &Settings, warning: Option<String>) -> Result<()> {
    let location = client.location_id().to_string();
    let (api, mut api_rx) = ApiHandle::spawn(client, ActorConfig::default());
    let mut terminal = ratatui::try_init().context("cannot set up the terminal")?;
    let result = event_loop(
        &mut terminal,
        &api,
        &mut api_rx,
        &location,
        settings,
        warning,
    )
    .await;
    ratatui::restore();
    let report = api.shutdown(Duration::from_secs(10)).await;
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
    result
}

async fn event_loop(
    terminal: &mut DefaultTerminal,
    api: &ApiHandle,
    api_rx: &mut tokio::sync::mpsc::UnboundedReceiver<crate::api::ApiEvent>,
    location: &str,
    settings: &Settings,
    warning: Option<String>,
) -> Result<()> {
    let started = Instant::now();
    let offset = settings
        .offset
        .unwrap_or_else(|| Local::now().offset().fix());
    let (mut state, commands) = State::new(location, Utc::now(), offset);
    state.configure(settings);
    state.error = warning;
    let size = terminal.size()?;
    update(
        &mut state,
        Event::Resize {
            width: size.width,
            height: size.height,
        },
    );
    if dispatch(terminal, api, &mut state, commands)? {
        return Ok(());
    }
    let mut input = EventStream::new();
    let mut tick = tokio::time::interval(TICK);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut dirty = true;
    let mut last_draw = Instant::now() - FRAME;
    loop {
        if dirty && last_draw.elapsed() >= FRAME {
            terminal.draw(|f| crate::ui::render(&state, f))?;
            last_draw = Instant::now();
            dirty = false;
        }
        let next_frame = last_draw + FRAME;
        let mut commands = Vec::new();
        tokio::select! {
            ev = input.next() => match ev {
                None => return Ok(()),
                Some(Err(e)) => return Err(e).context("reading the terminal"),
                Some(Ok(TermEvent::Key(k))) if k.kind != KeyEventKind::Release => {
                    if k.code == KeyCode::Char('z') && k.modifiers.contains(KeyModifiers::CONTROL) && state.overlay.is_none() {
                        suspend(terminal)?;
                    } else {
                        commands = update(&mut state, Event::Key(k));
                    }
                    dirty = true;
                }
                Some(Ok(TermEvent::Resize(width, height))) => {
                    commands = update(&mut state, Event::Resize { width, height });
                    terminal.autoresize()?;
                    dirty = true;
                }
                Some(Ok(_)) => {}
            },
            Some(e) = api_rx.recv() => {
                commands = update(&mut state, Event::Api(e));
                // Drain whatever else arrived: one frame for the lot.
                while let Ok(e) = api_rx.try_recv() {
                    commands.extend(update(&mut state, Event::Api(e)));
                }
                dirty = true;
            },
            _ = tick.tick() => {
                let before = (state.spinner, state.pending);
                commands = update(&mut state, Event::Tick {
                    now: Utc::now(),
                    elapsed_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
                });
                dirty |= !commands.is_empty() || before != (state.spinner, state.pending);
            },
            _ = tokio::time::sleep_until(next_frame), if dirty => {},
        }
        if dispatch(terminal, api, &mut state, commands)? {
            return Ok(());
        }
    }
}

/// Carries out commands; true when the app asked to quit. Side effects
/// report back to the app as events.
fn dispatch(
    terminal: &mut DefaultTerminal,
    api: &ApiHandle,
    state: &mut State,
    commands: Vec<Command>,
) -> Result<bool> {
    let mut queue: std::collections::VecDeque<Command> = commands.into();
    while let Some(c) = queue.pop_front() {
        let feedback = match c {
            Command::Api(r) => {
                api.send(r).context("the API actor stopped")?;
                None
            }
            Command::Quit => return Ok(true),
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
    Ok(false)
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
