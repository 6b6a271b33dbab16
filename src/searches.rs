//! Saved searches: a name for a query of filters and words, kept in a
//! file rolo owns (`searches.json` in the data dir, never the user's
//! config), recalled in the list with a digit and with `rolo find @NAME`.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Saved {
    pub name: String,
    pub query: String,
}

/// The file: `$ROLO_DATA_DIR/searches.json` (or the platform's data dir).
pub fn path() -> Option<PathBuf> {
    Some(crate::cache::data_dir()?.join("searches.json"))
}

/// A name as it may be saved: letters, digits, `-`, `_` and `.`, up to 40.
pub fn check_name(name: &str) -> Result<&str, String> {
    let name = name.trim().trim_start_matches('@');
    if name.is_empty() {
        return Err("give the search a name: save NAME".into());
    }
    if name.chars().count() > 40
        || !name
            .chars()
            .all(|c| c.is_alphanumeric() || "-_.".contains(c))
    {
        return Err(format!(
            "{:?}: a name is letters, digits, - _ and . (up to 40)",
            crate::text::snippet(name, 40)
        ));
    }
    Ok(name)
}

/// The saved searches, in the order they were saved. A missing file is
/// none; a damaged one is an error that says where it is (it is left as
/// it is, never overwritten unread).
pub fn load() -> Result<Vec<Saved>, String> {
    match path() {
        Some(p) => load_at(&p),
        None => Ok(Vec::new()),
    }
}

fn load_at(p: &std::path::Path) -> Result<Vec<Saved>, String> {
    match std::fs::read_to_string(p) {
        Ok(text) => {
            serde_json::from_str::<Vec<Saved>>(&text).map_err(|e| format!("{}: {e}", p.display()))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(e) => Err(format!("{}: {e}", p.display())),
    }
}

/// Writes them all, atomically (a new file renamed over the old).
pub fn store(all: &[Saved]) -> Result<(), String> {
    store_at(&path().ok_or("no data directory (set ROLO_DATA_DIR)")?, all)
}

fn store_at(p: &std::path::Path, all: &[Saved]) -> Result<(), String> {
    crate::cache::write_json_atomic(p, &all)
}

/// A change to the saved searches, applied to the file as it is when it
/// is written (another window may have saved one meanwhile).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    Save { name: String, query: String },
    Forget { name: String },
}

/// Reads the file, makes `change`, writes it back: every search in it
/// afterwards. A file that cannot be read is left as it is.
pub fn change(c: &Change) -> Result<Vec<Saved>, String> {
    change_at(&path().ok_or("no data directory (set ROLO_DATA_DIR)")?, c)
}

/// [`change`], on the file at `p`.
pub fn change_at(p: &std::path::Path, c: &Change) -> Result<Vec<Saved>, String> {
    let all = load_at(p)?;
    let all = match c {
        Change::Save { name, query } => with(all, name, query),
        Change::Forget { name } => all.into_iter().filter(|s| s.name != *name).collect(),
    };
    store_at(p, &all)?;
    Ok(all)
}

/// `all` with `name` set to `query` (replacing one of that name, in its
/// place).
pub fn with(mut all: Vec<Saved>, name: &str, query: &str) -> Vec<Saved> {
    match all.iter_mut().find(|s| s.name == name) {
        Some(s) => s.query = query.to_string(),
        None => all.push(Saved {
            name: name.to_string(),
            query: query.to_string(),
        }),
    }
    all
}

/// Expands `@NAME` words into their saved queries; an unknown name is an
/// error naming the ones there are.
pub fn expand(query: &str, all: &[Saved]) -> Result<String, String> {
    let mut out = Vec::new();
    for w in query.split_whitespace() {
        match w.strip_prefix('@') {
            Some(name) if !name.is_empty() => match all.iter().find(|s| s.name == name) {
                Some(s) => out.push(s.query.clone()),
                // `@mail.example.com`: a domain searched for, not a name.
                None if name.contains('.') || name.contains('@') => out.push(w.to_string()),
                None => {
                    let known: Vec<&str> = all.iter().map(|s| s.name.as_str()).collect();
                    return Err(format!(
                        "no saved search is called {:?}{}",
                        crate::text::snippet(name, 40),
                        if known.is_empty() {
                            " (none are saved: `:save NAME` in the list saves one)".to_string()
                        } else {
                            format!(" (saved: {})", known.join(", "))
                        }
                    ));
                }
            },
            _ => out.push(w.to_string()),
        }
    }
    Ok(out.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A change is made to the file as it is: a search another window
    /// saved meanwhile stays; a damaged file is left untouched.
    #[test]
    fn a_change_keeps_what_others_saved_and_never_overwrites_a_damaged_file() {
        let dir = std::env::temp_dir().join(format!(
            "rolo-searches-{}-{}",
            std::process::id(),
            fastrand::u64(..)
        ));
        let p = dir.join("searches.json");
        let save = |n: &str, q: &str| Change::Save {
            name: n.into(),
            query: q.into(),
        };
        change_at(&p, &save("mine", "assigned:me")).unwrap();
        // Another window adds one.
        store_at(&p, &with(load_at(&p).unwrap(), "theirs", "tag:vip")).unwrap();
        let all = change_at(&p, &save("big", "budget:>5000")).unwrap();
        let names: Vec<&str> = all.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["mine", "theirs", "big"]);
        let all = change_at(
            &p,
            &Change::Forget {
                name: "mine".into(),
            },
        )
        .unwrap();
        assert_eq!(all.len(), 2);
        std::fs::write(&p, "{ not json").unwrap();
        assert!(change_at(&p, &save("x", "tag:x")).is_err());
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "{ not json");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn names_are_checked_and_expanded() {
        assert_eq!(check_name(" @vip-mine "), Ok("vip-mine"));
        assert!(check_name("").is_err());
        assert!(check_name("a b").is_err());
        assert!(check_name("x\u{1b}[2J").is_err());
        let all = with(Vec::new(), "vip", "tag:vip");
        let all = with(all, "big", "budget:>5000");
        let all = with(all, "vip", "tag:vip assigned:me");
        assert_eq!(all.len(), 2);
        assert_eq!(all[0].query, "tag:vip assigned:me");
        assert_eq!(expand("@vip ada", &all).unwrap(), "tag:vip assigned:me ada");
        assert_eq!(
            expand("@mail.example.com", &all).unwrap(),
            "@mail.example.com"
        );
        let e = expand("@nope", &all).unwrap_err();
        assert!(e.contains("vip, big"), "{e}");
    }
}
