//! Export (`E`): the marked contacts (or the one in view) to a file the
//! user names, CSV or vCard by its extension. The file is written off the
//! update loop, never over an existing one; what came of it is said.

use crate::app::forms::{edit_line, line_input, text_of};
use crate::app::*;
use crate::export::Format;
use ratatui_textarea::TextArea;

#[derive(Debug, Clone)]
pub struct ExportPrompt {
    pub contacts: Vec<String>,
    pub label: String,
    pub input: TextArea<'static>,
    pub error: Option<String>,
}

/// What the effect writes.
#[derive(Debug, Clone, PartialEq)]
pub struct ExportJob {
    pub path: String,
    pub format: Format,
    /// The contacts as the list has them; the effect takes a cached full
    /// record in place of each when it has one.
    pub contacts: Vec<Contact>,
    /// User ids to names, for the owner column.
    pub owners: Vec<(String, String)>,
}

pub(crate) fn open_export(s: &mut State) {
    let Some((contacts, label)) = s.targets() else {
        return;
    };
    let day = s.now.with_timezone(&s.zone).format("%Y-%m-%d");
    s.overlay = Some(Overlay::Export(Box::new(ExportPrompt {
        contacts,
        label,
        input: line_input(&format!("rolo-contacts-{day}.vcf")),
        error: None,
    })));
}

pub(crate) fn export_key(
    s: &mut State,
    mut p: Box<ExportPrompt>,
    k: KeyEvent,
    out: &mut Vec<Command>,
) -> Option<Overlay> {
    match k.code {
        KeyCode::Esc => return None,
        KeyCode::Enter => {
            let path = text_of(&p.input).trim().to_string();
            let Some(format) = Format::for_path(&path) else {
                p.error = Some("End the file's name in .vcf (vCard) or .csv.".into());
                return Some(Overlay::Export(p));
            };
            let contacts: Vec<Contact> = p
                .contacts
                .iter()
                .filter_map(|id| s.contact_by_id(id))
                .collect();
            let owners = s
                .users
                .loaded()
                .map(|us| {
                    us.iter()
                        .map(|u| (u.id.clone(), u.display_name()))
                        .collect()
                })
                .unwrap_or_default();
            s.notice = Some(format!("Exporting {} contacts…", contacts.len()));
            out.push(Command::Export(Box::new(ExportJob {
                path,
                format,
                contacts,
                owners,
            })));
            return None;
        }
        _ => {
            if edit_line(&mut p.input, k) {
                p.error = None;
            }
        }
    }
    Some(Overlay::Export(p))
}

/// Writes the job's file (for the event loop, off `update`): never over
/// an existing file, and a half-written one is removed. What to say.
pub fn write_export(job: &ExportJob, full: impl Fn(&str) -> Option<Contact>) -> String {
    let mut partial = 0;
    let contacts: Vec<Contact> = job
        .contacts
        .iter()
        .map(|c| {
            full(&c.id).unwrap_or_else(|| {
                partial += 1;
                c.clone()
            })
        })
        .collect();
    let owner = |id: &str| {
        job.owners
            .iter()
            .find(|(u, _)| u == id)
            .map_or_else(|| id.to_string(), |(_, n)| n.clone())
    };
    let text = job.format.render(&contacts, owner);
    let path = match job.path.strip_prefix("~/") {
        Some(rest) => match std::env::var_os("HOME") {
            Some(home) => std::path::Path::new(&home).join(rest),
            None => std::path::PathBuf::from(&job.path),
        },
        None => std::path::PathBuf::from(&job.path),
    };
    let shown = crate::text::sanitize(&job.path);
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    // People's details: for the user alone, as the cache is.
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let file = options.open(&path);
    let mut file = match file {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            return format!("Not exported: {shown} exists already; name another file.");
        }
        Err(e) => return format!("Not exported: {shown}: {e}."),
    };
    if let Err(e) = file
        .write_all(text.as_bytes())
        .and_then(|_| file.sync_all())
    {
        let _ = std::fs::remove_file(&path);
        return format!("Not exported: {shown}: {e}.");
    }
    format!(
        "Exported {} contact{} to {shown}{}.",
        contacts.len(),
        if contacts.len() == 1 { "" } else { "s" },
        if partial > 0 {
            format!(
                " ({partial} not in the cache: name, email, phone, company and tags only; `r` syncs)"
            )
        } else {
            String::new()
        }
    )
}
