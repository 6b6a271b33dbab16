//! Sign-in: token verification against the sandbox, secret store
//! selection with injected fake stores, the 0600 file fallback, and the
//! `rolo auth` commands end to end.

mod support;

use std::collections::HashMap;
use std::sync::Mutex;

use rolo::api::{ApiError, Client};
use rolo::auth::{AuthError, Credential, FileStore, SecretStore};
use support::{RO_TOKEN, TOKEN, client_config, sandbox};

#[tokio::test]
async fn verification_tells_read_from_write_and_rejects_bad_tokens() {
    let sb = sandbox(support::config(5)).await;
    let full = Client::new(client_config(&sb, TOKEN)).unwrap();
    let v = rolo::auth::verify(&full).await.unwrap();
    assert!(v.access.read && v.access.write.is_yes());
    assert_eq!(v.location_name.as_deref(), Some("Sandbox Demo Co"));
    let ro = Client::new(client_config(&sb, RO_TOKEN)).unwrap();
    let a = rolo::auth::verify(&ro).await.unwrap().access;
    assert!(
        a.read && a.write == rolo::auth::Write::No,
        "the read-only token is reported as read-only"
    );
    // A write probe that fails for a passing reason is no verdict.
    sb.set_faults(rolo::sandbox::faults::Faults {
        script: [
            rolo::sandbox::faults::Fault::None,
            rolo::sandbox::faults::Fault::Status(503),
            rolo::sandbox::faults::Fault::Status(503),
            rolo::sandbox::faults::Fault::Status(503),
            rolo::sandbox::faults::Fault::Status(503),
            rolo::sandbox::faults::Fault::Status(503),
        ]
        .into(),
        ..Default::default()
    });
    let a = rolo::auth::verify(&full).await.unwrap().access;
    match &a.write {
        rolo::auth::Write::Unknown(why) => assert!(why.contains("503"), "{why}"),
        other => panic!("a 503 is no verdict, got {other:?}"),
    }
    assert!(a.write.to_string().starts_with("unknown"));
    // Nor is a 400 or 422 that is not about the missing contact.
    for status in [400, 422] {
        sb.set_faults(rolo::sandbox::faults::Faults {
            script: [
                rolo::sandbox::faults::Fault::None,
                rolo::sandbox::faults::Fault::Status(status),
            ]
            .into(),
            ..Default::default()
        });
        let a = rolo::auth::verify(&full).await.unwrap().access;
        assert!(
            matches!(a.write, rolo::auth::Write::Unknown(_)),
            "{status}: {:?}",
            a.write
        );
    }
    sb.set_faults(Default::default());
    let bad = Client::new(client_config(&sb, "nope-nope-nope")).unwrap();
    let e = rolo::auth::verify(&bad).await.unwrap_err();
    assert!(matches!(e, ApiError::Unauthorized { .. }), "{e:?}");
    let changed = sb.with_store(|s| {
        s.contact_ids().iter().any(|id| {
            s.contact(id).unwrap()["tags"]
                .to_string()
                .contains("rolo-scope-check")
        })
    });
    assert!(!changed, "verification changes nothing");
}

/// An in-memory store that can be told to fail.
struct Fake {
    name: &'static str,
    broken: bool,
    items: Mutex<HashMap<String, String>>,
}

impl Fake {
    fn boxed(name: &'static str, broken: bool) -> Box<dyn SecretStore> {
        Box::new(Fake {
            name,
            broken,
            items: Mutex::new(HashMap::new()),
        })
    }
    fn fail(&self) -> Result<(), AuthError> {
        if self.broken {
            return Err(AuthError::Store {
                store: "a fake keyring",
                message: "locked".into(),
            });
        }
        Ok(())
    }
}

impl SecretStore for Fake {
    fn describe(&self) -> &'static str {
        "a fake keyring"
    }
    fn name(&self) -> &'static str {
        self.name
    }
    fn get(&self, account: &str) -> Result<Option<String>, AuthError> {
        self.fail()?;
        Ok(self.items.lock().unwrap().get(account).cloned())
    }
    fn set(&self, account: &str, secret: &str) -> Result<(), AuthError> {
        self.fail()?;
        self.items
            .lock()
            .unwrap()
            .insert(account.into(), secret.into());
        Ok(())
    }
    fn delete(&self, account: &str) -> Result<bool, AuthError> {
        self.fail()?;
        Ok(self.items.lock().unwrap().remove(account).is_some())
    }
}

fn cred() -> Credential {
    Credential {
        location_id: "loc".into(),
        token: "pit-0000111122223333".into(),
        base_url: None,
        oauth: None,
    }
}

/// Runs the real binary against `base_url`, isolated in `home` (file store
/// only), feeding `input` on standard input.
fn run_rolo(
    home: &std::path::Path,
    base_url: &str,
    args: &[&str],
    input: &str,
) -> std::process::Output {
    use std::io::Write;
    use std::process::Stdio;
    let mut child = support::hermetic_rolo(home)
        .args(args)
        .env("ROLO_BASE_URL", base_url)
        .env("ROLO_LOCATION_ID", support::LOCATION)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn temp_dir(tag: &str) -> std::path::PathBuf {
    std::env::temp_dir().join(format!(
        "rolo-auth-{tag}-{}-{}",
        std::process::id(),
        fastrand::u32(..)
    ))
}

#[test]
fn the_best_working_store_wins_and_the_file_needs_consent() {
    let dir = temp_dir("select");
    let stores: Vec<Box<dyn SecretStore>> = vec![
        Fake::boxed("keyring", true),
        Fake::boxed("kernel", false),
        Box::new(FileStore { dir: dir.clone() }),
    ];
    let (used, reasons) = rolo::auth::save(
        &stores,
        &["keyring: no Secret Service".into()],
        "acme",
        &cred(),
        false,
    )
    .unwrap();
    assert_eq!(used.name(), "kernel", "a broken keyring is passed over");
    assert!(reasons.iter().any(|r| r.contains("locked")), "{reasons:?}");
    let (found, from) = rolo::auth::load(&stores[1..], "acme").unwrap().unwrap();
    assert_eq!(found, cred());
    assert_eq!(from.name(), "kernel");

    // Without any keyring, the file is used only when asked for.
    let only_file: Vec<Box<dyn SecretStore>> = vec![
        Fake::boxed("keyring", true),
        Box::new(FileStore { dir: dir.clone() }),
    ];
    let e = rolo::auth::save(&only_file, &[], "acme", &cred(), false)
        .err()
        .unwrap();
    assert!(matches!(e, AuthError::NoStore(_)));
    assert!(e.to_string().contains("--insecure-storage"), "{e}");
    let (used, _) = rolo::auth::save(&only_file, &[], "acme", &cred(), true).unwrap();
    assert_eq!(used.name(), "file");
    assert!(used.warning().unwrap().contains("UNENCRYPTED"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[cfg(unix)]
#[test]
fn the_file_fallback_is_0600_and_written_whole() {
    use std::os::unix::fs::PermissionsExt;
    let dir = temp_dir("file");
    let store = FileStore { dir: dir.clone() };
    store.set("acme", "secret-one").unwrap();
    store.set("acme", "secret-two").unwrap();
    let path = dir.join("acme.json");
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let dir_mode = std::fs::metadata(&dir).unwrap().permissions().mode() & 0o777;
    assert_eq!(dir_mode, 0o700, "the folder is the user's alone too");
    assert_eq!(store.get("acme").unwrap().as_deref(), Some("secret-two"));
    assert!(
        std::fs::read_dir(&dir).unwrap().all(|e| e
            .unwrap()
            .path()
            .extension()
            .is_some_and(|x| x == "json"))
    );
    assert!(store.delete("acme").unwrap());
    assert!(!store.delete("acme").unwrap());
    assert_eq!(store.get("acme").unwrap(), None);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn auth_commands_end_to_end_with_the_file_store() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let sb = runtime.block_on(sandbox(support::config(5)));
    let home = temp_dir("cli");
    let base = sb.base_url();
    let rolo = |args: &[&str]| run_rolo(&home, &base, args, "");
    let login = |extra: &[&str], token: &str| {
        let mut args = vec!["auth", "login", "--with-token"];
        args.extend_from_slice(extra);
        run_rolo(&home, &base, &args, &format!("{token}\n"))
    };

    let out = login(&[], TOKEN);
    assert_eq!(out.status.code(), Some(3), "no secure store and no consent");
    assert!(String::from_utf8_lossy(&out.stderr).contains("--insecure-storage"));

    let out = login(&["--insecure-storage", "--profile", "acme"], TOKEN);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout}{stderr}");
    assert!(stdout.contains("read yes, write yes"), "{stdout}");
    assert!(stdout.contains("Sandbox Demo Co"), "{stdout}");
    assert!(stdout.contains("plain file"), "{stdout}");
    assert!(stderr.contains("UNENCRYPTED"), "{stderr}");
    assert!(
        !stdout.contains(TOKEN) && !stderr.contains(TOKEN),
        "the token was printed"
    );

    let out = rolo(&["auth", "status", "--profile", "acme"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("****") && stdout.contains(support::LOCATION),
        "{stdout}"
    );
    assert!(!stdout.contains(TOKEN));

    // Who a profile acts for: a wrong --user stores nothing at all; a
    // right one (in any case) is kept beside the config, never in it.
    let users = sb.with_store(|s| {
        s.users_by_location(&std::collections::HashMap::from([(
            "locationId".to_string(),
            support::LOCATION.to_string(),
        )]))
        .unwrap()
        .body
    });
    // A user who owns some of the contacts, so that "mine" is not empty.
    let owner = sb.with_store(|s| {
        s.contact_ids()
            .iter()
            .find_map(|id| {
                s.contact(id)
                    .unwrap()
                    .get("assignedTo")?
                    .as_str()
                    .map(str::to_string)
            })
            .unwrap()
    });
    let user = users["users"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["id"] == owner.as_str())
        .unwrap();
    let email = user["email"].as_str().unwrap().to_string();
    let name = user["name"].as_str().unwrap().to_string();
    let out = login(
        &[
            "--insecure-storage",
            "--profile",
            "me",
            "--user",
            "nobody@example.com",
        ],
        TOKEN,
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("no user of this location") && stderr.contains(&email),
        "{stderr}"
    );
    assert_eq!(
        rolo(&["auth", "status", "--profile", "me"]).status.code(),
        Some(3)
    );
    let out = login(
        &[
            "--insecure-storage",
            "--profile",
            "me",
            "--user",
            &email.to_uppercase(),
        ],
        TOKEN,
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains(&format!("You act as {name} <{email}>")),
        "{stdout}"
    );
    let out = rolo(&["auth", "status", "--profile", "me"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains(&format!("user:     {email} (picked at login)")),
        "{stdout}"
    );
    assert!(!home.join("none.toml").exists(), "the config was written");
    // "Mine" now means them, from the shell.
    let out = rolo(&[
        "find",
        "--mine",
        "",
        "--profile",
        "me",
        "--json",
        "--limit",
        "1000",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let found: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let owned = sb.with_store(|s| {
        s.contact_ids()
            .iter()
            .filter(|id| {
                s.contact(id)
                    .unwrap()
                    .get("assignedTo")
                    .and_then(|v| v.as_str())
                    == Some(owner.as_str())
            })
            .count()
    });
    assert!(owned > 0);
    assert_eq!(found.as_array().unwrap().len(), owned);
    // The token stays with the API it was checked against: without the
    // flag, a later run goes there, never to HighLevel's own host.
    let out = support::hermetic_rolo(&home)
        .args(["find", "--profile", "me", "a", "--json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = rolo(&["auth", "status", "--profile", "me"]);
    assert!(
        String::from_utf8_lossy(&out.stdout).contains(&format!("api:      {base}")),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let out = rolo(&["auth", "logout", "--profile", "me"]);
    assert!(out.status.success());
    let out = rolo(&["auth", "status", "--profile", "me"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("none named"));

    let out = login(&["--insecure-storage", "--profile", "ro"], RO_TOKEN);
    assert!(String::from_utf8_lossy(&out.stdout).contains("write NO"));

    let out = login(&["--insecure-storage"], "not-a-valid-token-1");
    assert_eq!(out.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not accepted"));

    let out = rolo(&["auth", "logout", "--profile", "acme"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("Removed"));
    let out = rolo(&["auth", "status", "--profile", "acme"]);
    assert_eq!(out.status.code(), Some(3));
    let _ = std::fs::remove_dir_all(&home);
}

#[test]
fn oauth_login_renews_at_once_and_stores_the_rotated_tokens() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let mut config = support::config(5);
    config.oauth = Some(rolo::sandbox::OAuthClient {
        client_id: "app-id".into(),
        client_secret: "app-secret-123456".into(),
        refresh_token: "refresh-initial".into(),
        access_ttl: std::time::Duration::from_secs(3600),
    });
    let sb = runtime.block_on(sandbox(config));
    let home = temp_dir("oauth");
    let base = sb.base_url();
    let run = |args: &[&str], input: &str| run_rolo(&home, &base, args, input);
    let login = || {
        run(
            &[
                "auth",
                "login",
                "--oauth",
                "--with-token",
                "--insecure-storage",
            ],
            "app-id\napp-secret-123456\nrefresh-initial\n",
        )
    };
    let out = login();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("read yes, write yes"), "{stdout}");
    assert_eq!(sb.oauth_token_calls(), 1);
    let file = std::fs::read_to_string(home.join("data/rolo/credentials/default.json")).unwrap();
    let stored: Credential = serde_json::from_str(&file).unwrap();
    let o = stored.oauth.expect("stored as OAuth");
    assert_ne!(
        o.refresh_token, "refresh-initial",
        "the rotated refresh token is what is kept"
    );
    assert!(sb.oauth_token_used(&stored.token));
    let out = run(&["auth", "status"], "");
    assert!(String::from_utf8_lossy(&out.stdout).contains("renewed automatically"));
    // The spent refresh token cannot log in again.
    let out = login();
    assert_eq!(out.status.code(), Some(3));
    let _ = std::fs::remove_dir_all(&home);
}

#[test]
fn the_kernel_keyring_round_trips_where_this_machine_has_one() {
    // Covers the real keyutils branch on machines that offer it (most
    // Linux hosts, this one included); elsewhere the reason is reported.
    match rolo::auth::KeyringStore::kernel() {
        Ok(store) => {
            let account = format!("rolo-test-{}-{}", std::process::id(), fastrand::u32(..));
            assert_eq!(store.get(&account).unwrap(), None);
            store.set(&account, "secret-value").unwrap();
            assert_eq!(
                store.get(&account).unwrap().as_deref(),
                Some("secret-value")
            );
            assert!(store.delete(&account).unwrap());
            assert_eq!(store.get(&account).unwrap(), None);
            assert!(store.warning().unwrap().contains("reboot"));
        }
        Err(why) => {
            assert!(!why.is_empty());
            eprintln!("no kernel keyring here: {why}");
        }
    }
}

#[test]
fn rolo_token_in_the_environment_wins_and_is_never_stored() {
    let home = temp_dir("env");
    let out = support::hermetic_rolo(&home)
        .args(["auth", "status"])
        .env("ROLO_TOKEN", "pit-from-the-environment-9876")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success());
    assert!(stdout.contains("****9876 from ROLO_TOKEN"), "{stdout}");
    assert!(!stdout.contains("from-the-environment"));
    assert!(!home.join("data").exists(), "nothing was written");
}

#[test]
fn every_skipped_store_says_why() {
    let dir = temp_dir("skip");
    // Only the file is allowed: both keyrings are reported as skipped.
    let (stores, skipped) = rolo::auth::available_stores(Some("file"), Some(dir.clone()));
    assert_eq!(
        stores.iter().map(|s| s.name()).collect::<Vec<_>>(),
        vec!["file"]
    );
    assert_eq!(skipped.len(), 2, "{skipped:?}");
    assert!(skipped.iter().all(|r| r.contains("ROLO_SECRET_STORES")));
    // Everything allowed: each store is either offered or has a reason.
    let (stores, skipped) = rolo::auth::available_stores(None, Some(dir));
    assert_eq!(stores.len() + skipped.len(), 3, "{skipped:?}");
    assert!(skipped.iter().all(|r| !r.is_empty()));
    assert_eq!(
        stores.last().map(|s| s.name()),
        Some("file"),
        "the file is always last"
    );
}
