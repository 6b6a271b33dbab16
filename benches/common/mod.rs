//! What the benchmarks share: seeded contacts and medians.
#![allow(dead_code)]

use std::time::Duration;

use rolo::api::model::Contact;

/// `n` seeded contacts (the sandbox's generator), as the API sends them.
pub fn contacts(n: usize, location: &str) -> Vec<Contact> {
    rolo::sandbox::seed::model_contacts(n, 7, location)
}

/// A contact as one line for fzf: name, company, email, phone, tags.
pub fn fzf_line(c: &Contact) -> String {
    format!(
        "{}\t{}\t{}\t{}\t{}",
        c.display_name(),
        c.company_name.as_deref().unwrap_or(""),
        c.email.as_deref().unwrap_or(""),
        c.phone.as_deref().unwrap_or(""),
        c.tags().join(" ")
    )
}

pub fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

/// Points every place rolo keeps things at `home`: a bench never reads or
/// writes the user's config, cache, outbox, log or keyring.
pub fn hermetic(cmd: &mut portable_pty::CommandBuilder, home: &std::path::Path) {
    for (k, v) in hermetic_env(home) {
        cmd.env(k, v);
    }
}

/// The variables of [`hermetic`].
pub fn hermetic_env(home: &std::path::Path) -> Vec<(&'static str, std::path::PathBuf)> {
    let mut env: Vec<(&'static str, std::path::PathBuf)> = [
        ("HOME", ""),
        ("XDG_CONFIG_HOME", "config"),
        ("XDG_DATA_HOME", "data"),
        ("XDG_STATE_HOME", "state"),
        ("XDG_CACHE_HOME", "cache"),
        ("ROLO_DATA_DIR", "data"),
        ("ROLO_CONFIG", "none.toml"),
    ]
    .into_iter()
    .map(|(k, sub)| (k, home.join(sub)))
    .collect();
    env.push(("ROLO_SECRET_STORES", "file".into()));
    env
}

/// rolo as a user starts it, on the cache under `home` for `location`,
/// with HighLevel out of reach (a closed port).
pub fn offline_rolo(home: &std::path::Path, location: &str) -> portable_pty::CommandBuilder {
    let mut cmd = portable_pty::CommandBuilder::new(env!("CARGO_BIN_EXE_rolo"));
    cmd.env("TERM", "xterm-256color");
    cmd.env("ROLO_TOKEN", "bench-token");
    cmd.env("ROLO_BASE_URL", "http://127.0.0.1:9");
    cmd.env("ROLO_LOCATION_ID", location);
    hermetic(&mut cmd, home);
    cmd
}

/// When a chunk of output arrived, and the list position it left shown.
pub type Chunk = (std::time::Instant, Option<(u64, u64)>);

/// The real binary in a pseudo-terminal, its output read into a terminal
/// emulator, so a bench can wait for what the user would see.
pub struct Pty {
    pub child: Box<dyn portable_pty::Child + Send + Sync>,
    writer: Box<dyn std::io::Write + Send>,
    screen: std::sync::Arc<std::sync::Mutex<vt100::Parser>>,
    /// For each chunk of output: when it arrived, and the list's cursor
    /// position ("12/1000" in its bottom border) once it was applied.
    pub chunks: std::sync::Arc<std::sync::Mutex<Vec<Chunk>>>,
    /// For each chunk of output: when it arrived, and the hits and total
    /// the list's title showed once it was applied.
    pub titles: std::sync::Arc<std::sync::Mutex<Vec<Chunk>>>,
    pub started: std::time::Instant,
    /// Every byte of output so far.
    written: std::sync::Arc<std::sync::atomic::AtomicUsize>,
}

impl Pty {
    pub fn spawn(cmd: portable_pty::CommandBuilder, rows: u16, cols: u16) -> Pty {
        use portable_pty::{PtySize, native_pty_system};
        let pty = native_pty_system()
            .openpty(PtySize {
                rows,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("a pty");
        let mut reader = pty.master.try_clone_reader().expect("reader");
        let writer = pty.master.take_writer().expect("writer");
        let screen = std::sync::Arc::new(std::sync::Mutex::new(vt100::Parser::new(rows, cols, 0)));
        let chunks: std::sync::Arc<std::sync::Mutex<Vec<_>>> = Default::default();
        let titles: std::sync::Arc<std::sync::Mutex<Vec<_>>> = Default::default();
        let started = std::time::Instant::now();
        let child = pty.slave.spawn_command(cmd).expect("rolo starts");
        let written: std::sync::Arc<std::sync::atomic::AtomicUsize> = Default::default();
        {
            let (screen, chunks, count) = (screen.clone(), chunks.clone(), written.clone());
            let titles = titles.clone();
            // `ROLO_BENCH_TAP=FILE` keeps every byte sent, to see what a
            // frame wrote.
            let mut tap =
                std::env::var_os("ROLO_BENCH_TAP").and_then(|p| std::fs::File::create(p).ok());
            std::thread::spawn(move || {
                // Keeps the master open for as long as the reader runs.
                let _master = pty.master;
                let mut buf = [0u8; 65536];
                while let Ok(n) = std::io::Read::read(&mut reader, &mut buf) {
                    if n == 0 {
                        break;
                    }
                    if let Some(t) = &mut tap {
                        let _ = std::io::Write::write_all(t, &buf[..n]);
                    }
                    let at = std::time::Instant::now();
                    count.fetch_add(n, std::sync::atomic::Ordering::SeqCst);
                    let mut p = screen.lock().unwrap();
                    p.process(&buf[..n]);
                    let position = list_position(p.screen());
                    chunks.lock().unwrap().push((at, position));
                    titles.lock().unwrap().push((at, list_title(p.screen())));
                }
            });
        }
        Pty {
            child,
            writer,
            screen,
            chunks,
            titles,
            started,
            written,
        }
    }

    /// How many bytes the terminal has been sent so far.
    pub fn bytes(&self) -> usize {
        self.written.load(std::sync::atomic::Ordering::SeqCst)
    }

    pub fn send(&mut self, bytes: &[u8]) {
        self.writer.write_all(bytes).expect("key");
        self.writer.flush().ok();
    }

    /// Waits until the screen satisfies `pred`; false after `timeout`.
    pub fn wait_screen(&self, timeout: Duration, pred: impl Fn(&vt100::Screen) -> bool) -> bool {
        let deadline = std::time::Instant::now() + timeout;
        loop {
            if pred(self.screen.lock().unwrap().screen()) {
                return true;
            }
            if std::time::Instant::now() > deadline {
                return false;
            }
            std::thread::sleep(Duration::from_millis(2));
        }
    }

    pub fn contents(&self) -> String {
        self.screen.lock().unwrap().screen().contents()
    }

    /// The list's cursor position and total, as its border shows them.
    pub fn position(&self) -> Option<(u64, u64)> {
        list_position(self.screen.lock().unwrap().screen())
    }

    /// VmRSS and VmHWM of the process, in kB, from /proc.
    pub fn memory_kb(&self) -> Option<(u64, u64)> {
        memory_kb(self.child.process_id()?)
    }
}

/// VmRSS and VmHWM of process `pid`, in kB, from /proc.
pub fn memory_kb(pid: u32) -> Option<(u64, u64)> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let field = |k: &str| {
        status
            .lines()
            .find(|l| l.starts_with(k))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse::<u64>().ok())
    };
    Some((field("VmRSS:")?, field("VmHWM:")?))
}

impl Drop for Pty {
    fn drop(&mut self) {
        self.child.kill().ok();
        self.child.wait().ok();
    }
}

/// The hits and total the list's title shows: " Contacts 12/1000 " (or
/// " Contacts 1000 " with no search), on the screen's first row.
pub fn list_title(screen: &vt100::Screen) -> Option<(u64, u64)> {
    let (_, cols) = screen.size();
    let line: String = (0..cols)
        .map(|c| match screen.cell(0, c).map(|cell| cell.contents()) {
            Some(s) if !s.is_empty() => s.to_string(),
            _ => " ".to_string(),
        })
        .collect();
    let rest = &line[line.find(" Contacts ")? + " Contacts ".len()..];
    let field = rest.split(' ').next()?;
    match field.split_once('/') {
        Some((a, b)) => Some((a.parse().ok()?, b.parse().ok()?)),
        None => {
            let n = field.parse().ok()?;
            Some((n, n))
        }
    }
}

/// The list's cursor position, as its bottom border shows it: " 12/1000 "
/// just before the list pane's corner `┘`.
pub fn list_position(screen: &vt100::Screen) -> Option<(u64, u64)> {
    let (rows, cols) = screen.size();
    (0..rows).rev().find_map(|r| {
        let line: String = (0..cols)
            .map(|c| match screen.cell(r, c).map(|cell| cell.contents()) {
                Some(s) if !s.is_empty() => s.to_string(),
                _ => " ".to_string(),
            })
            .collect();
        let left = &line[..line.find('┘')?];
        if !left.trim_start().starts_with('└') {
            return None;
        }
        let field = left.trim_end_matches('─').trim_end().rsplit(' ').next()?;
        let (a, b) = field.split_once('/')?;
        Some((a.parse().ok()?, b.parse().ok()?))
    })
}

/// Counts the bytes a terminal would be sent.
pub struct ByteCounter(pub std::rc::Rc<std::cell::Cell<usize>>);

impl std::io::Write for ByteCounter {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.set(self.0.get() + b.len());
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// A `w`×`h` terminal that draws as crossterm would, into a byte count
/// (the bytes written so far, shared).
pub fn counting_terminal(
    w: u16,
    h: u16,
) -> (
    ratatui::Terminal<ratatui::backend::CrosstermBackend<ByteCounter>>,
    std::rc::Rc<std::cell::Cell<usize>>,
) {
    let written = std::rc::Rc::new(std::cell::Cell::new(0usize));
    let t = ratatui::Terminal::with_options(
        ratatui::backend::CrosstermBackend::new(ByteCounter(written.clone())),
        ratatui::TerminalOptions {
            viewport: ratatui::Viewport::Fixed(ratatui::layout::Rect::new(0, 0, w, h)),
        },
    )
    .expect("terminal");
    (t, written)
}
