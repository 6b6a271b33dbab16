//! Who a profile acts for, as picked at `rolo auth login`: a Private
//! Integration token names no user, so "me" (`assigned:me`, mine) needs
//! one. Kept in a file rolo owns (`me.json` in the data dir), never in the
//! user's config; a `user =` in the profile's config wins over it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The file: `$ROLO_DATA_DIR/me.json` (or the platform's data dir), a map
/// from the profile's account name to the user's email.
pub fn path() -> Option<PathBuf> {
    Some(crate::cache::data_dir()?.join("me.json"))
}

fn load_all(p: &Path) -> Result<BTreeMap<String, String>, String> {
    match std::fs::read_to_string(p) {
        Ok(text) => serde_json::from_str(&text).map_err(|e| format!("{}: {e}", p.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(BTreeMap::new()),
        Err(e) => Err(format!("{}: {e}", p.display())),
    }
}

/// The email picked for `account`, if any. A damaged file is as good as
/// none here (it is said by [`pick_at`] when one is next picked).
pub fn load(account: &str) -> Option<String> {
    load_at(&path()?, account)
}

pub fn load_at(p: &Path, account: &str) -> Option<String> {
    load_all(p).ok()?.remove(account)
}

/// [`load`], with a damaged file said (naming it).
pub fn load_checked(account: &str) -> Result<Option<String>, String> {
    match path() {
        Some(p) => Ok(load_all(&p)?.remove(account)),
        None => Ok(None),
    }
}

/// Keeps `email` as who `account` acts for (`None` forgets it). A file that
/// cannot be read is left as it is and the error said.
pub fn pick_at(p: &Path, account: &str, email: Option<&str>) -> Result<(), String> {
    let mut all = load_all(p)?;
    match email {
        Some(e) => all.insert(account.to_string(), e.to_string()),
        None => all.remove(account),
    };
    crate::cache::write_json_atomic(p, &all)
}

pub fn pick(account: &str, email: Option<&str>) -> Result<PathBuf, String> {
    let p = path().ok_or("no data directory (set ROLO_DATA_DIR)")?;
    pick_at(&p, account, email)?;
    Ok(p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pick_is_kept_per_profile_and_a_damaged_file_is_never_overwritten() {
        let dir = std::env::temp_dir().join(format!(
            "rolo-identity-{}-{}",
            std::process::id(),
            fastrand::u32(..)
        ));
        let p = dir.join("me.json");
        assert_eq!(load_at(&p, "default"), None);
        pick_at(&p, "default", Some("a@example.com")).unwrap();
        pick_at(&p, "acme", Some("b@example.com")).unwrap();
        assert_eq!(load_at(&p, "default").as_deref(), Some("a@example.com"));
        assert_eq!(load_at(&p, "acme").as_deref(), Some("b@example.com"));
        pick_at(&p, "default", None).unwrap();
        assert_eq!(load_at(&p, "default"), None);
        assert_eq!(load_at(&p, "acme").as_deref(), Some("b@example.com"));
        std::fs::write(&p, "{ not json").unwrap();
        let e = pick_at(&p, "acme", Some("c@example.com")).unwrap_err();
        assert!(e.contains("me.json"), "{e}");
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "{ not json");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
