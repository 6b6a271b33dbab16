//! `$VISUAL` / `$EDITOR` on a temporary file: the one launcher, for the
//! workspace's note editor and outbox entries and for `rolo note add`.
//!
//! The file lives in a fresh directory only the user can enter (0700), is
//! created new with mode 0600 under a random name, and goes with its
//! directory afterwards: another user on the machine can neither read the
//! note nor swap the file for a link.

use std::path::{Path, PathBuf};

/// A private, fresh directory under the system's temp dir.
fn private_temp_dir() -> std::io::Result<PathBuf> {
    let base = std::env::temp_dir();
    for _ in 0..16 {
        let dir = base.join(format!(
            "rolo-edit-{}-{:016x}",
            std::process::id(),
            fastrand::u64(..)
        ));
        let mut b = std::fs::DirBuilder::new();
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut b, 0o700);
        match b.create(&dir) {
            Ok(()) => return Ok(dir),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    Err(std::io::Error::other("no fresh temporary directory"))
}

fn write_new(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut o, 0o600);
    o.open(path)?.write_all(text.as_bytes())
}

/// The editor the user asked for: `$VISUAL`, else `$EDITOR`, else vi.
pub fn editor() -> String {
    std::env::var("VISUAL")
        .or_else(|_| std::env::var("EDITOR"))
        .ok()
        .filter(|e| !e.trim().is_empty())
        .unwrap_or_else(|| "vi".into())
}

/// Opens `text` in the editor and returns what was saved; `around` runs the
/// editor (the workspace gives the terminal back around it).
pub fn edit(
    text: &str,
    around: impl FnOnce(
        &mut dyn FnMut() -> std::io::Result<std::process::ExitStatus>,
    ) -> std::io::Result<std::process::ExitStatus>,
) -> Result<String, String> {
    let editor = editor();
    let dir = private_temp_dir().map_err(|e| format!("cannot make a temporary file: {e}"))?;
    let path = dir.join("note.md");
    let result = (|| {
        write_new(&path, text).map_err(|e| format!("cannot write the temporary file: {e}"))?;
        let mut parts = editor.split_whitespace();
        let program = parts.next().unwrap_or("vi").to_string();
        let args: Vec<String> = parts.map(str::to_string).collect();
        let mut run = || {
            std::process::Command::new(&program)
                .args(&args)
                .arg(&path)
                .status()
        };
        match around(&mut run) {
            Ok(s) if s.success() => std::fs::read_to_string(&path)
                .map_err(|e| format!("cannot read the edited file: {e}")),
            Ok(s) => Err(format!("{editor} exited with {s}; nothing was changed")),
            Err(e) => Err(format!("cannot run {editor}: {e}")),
        }
    })();
    let _ = std::fs::remove_dir_all(&dir);
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn the_temporary_file_is_private_and_gone_afterwards() {
        use std::os::unix::fs::PermissionsExt;
        let mut seen = None;
        let out = edit("hello", |run| {
            // Instead of an editor: look at the file, then "save" it.
            let dir = std::fs::read_dir(std::env::temp_dir())
                .unwrap()
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| {
                    p.file_name().and_then(|n| n.to_str()).is_some_and(|n| {
                        n.starts_with(&format!("rolo-edit-{}-", std::process::id()))
                    })
                })
                .find(|p| p.join("note.md").exists())
                .unwrap();
            let dir_mode = std::fs::metadata(&dir).unwrap().permissions().mode() & 0o777;
            let file_mode = std::fs::metadata(dir.join("note.md"))
                .unwrap()
                .permissions()
                .mode()
                & 0o777;
            seen = Some((dir.clone(), dir_mode, file_mode));
            std::fs::write(dir.join("note.md"), "edited").unwrap();
            let _ = run;
            std::process::Command::new("true").status()
        })
        .unwrap();
        assert_eq!(out, "edited");
        let (dir, dir_mode, file_mode) = seen.unwrap();
        assert_eq!(dir_mode, 0o700);
        assert_eq!(file_mode, 0o600);
        assert!(!dir.exists(), "removed afterwards");
    }
}
