//! The real binary: `rolo sandbox` as other programs use it, and bad input.
//! The TUI itself is driven in a pseudo-terminal by `tests/e2e.rs`.

use std::io::{BufRead, BufReader, Read};
mod support;

use std::process::{Child, Command, Stdio};
use std::time::Duration;

struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// rolo with a home of its own: nothing of this machine's user.
fn rolo() -> Command {
    let home = std::env::temp_dir().join(format!(
        "rolo-cli-{}-{}",
        std::process::id(),
        fastrand::u64(..)
    ));
    support::hermetic_rolo(&home)
}

#[tokio::test]
async fn sandbox_prints_one_line_then_serves() {
    let child = rolo()
        .args([
            "sandbox",
            "--addr",
            "127.0.0.1:0",
            "--token",
            "cli-token-123456",
            "--readonly-token",
            "cli-ro-654321",
            "--contacts",
            "25",
            "--seed",
            "9",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("rolo runs");
    let mut child = Killed(child);
    let stdout = child.0.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut first = String::new();
        let mut reader = BufReader::new(stdout);
        let _ = reader.read_line(&mut first);
        let _ = tx.send(first);
        // Anything more on stdout would break scripts that read one line.
        let mut rest = String::new();
        let _ = reader.read_to_string(&mut rest);
        assert!(rest.is_empty(), "unexpected output: {rest}");
    });
    let line = rx
        .recv_timeout(Duration::from_secs(60))
        .expect("a line within 60 s");
    let url = line
        .trim_end()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .to_string();
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");

    let mut config = rolo::api::ClientConfig::new(
        &url,
        "sandbox-location",
        rolo::api::Token::new("cli-token-123456"),
    );
    config.timeout = Duration::from_secs(20);
    let client = rolo::api::Client::new(config).unwrap();
    let page = client
        .search_contacts(&rolo::api::model::SearchContacts {
            page_limit: 100,
            ..Default::default()
        })
        .await
        .expect("the sandbox answers");
    assert_eq!(page.total, 25);

    let ro = rolo::api::Client::new(rolo::api::ClientConfig::new(
        &url,
        "sandbox-location",
        rolo::api::Token::new("cli-ro-654321"),
    ))
    .unwrap();
    let e = ro
        .add_tags(&page.contacts[0].id, &["x".to_string()])
        .await
        .unwrap_err();
    assert!(
        matches!(e, rolo::api::ApiError::MissingScope { .. }),
        "{e:?}"
    );
}

#[test]
fn missing_settings_give_a_clear_message() {
    let out = rolo().output().expect("rolo runs");
    assert_eq!(out.status.code(), Some(3), "no token is an auth error");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("rolo auth login") && err.contains("ROLO_TOKEN") && err.contains("--demo"),
        "{err}"
    );

    let out = rolo()
        .env("ROLO_TOKEN", "pit-abcdefgh12345678")
        .output()
        .expect("rolo runs");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--location-id"), "{err}");

    let out = rolo()
        .args(["sandbox", "--token", "t", "--fail-rate", "2"])
        .output()
        .expect("rolo runs");
    assert_eq!(out.status.code(), Some(2), "usage errors exit 2");
    assert!(String::from_utf8_lossy(&out.stderr).contains("between 0 and 1"));
}

#[test]
fn plain_http_to_a_remote_host_is_refused() {
    let out = rolo()
        .args([
            "--location-id",
            "loc",
            "--base-url",
            "http://crm.example.com",
        ])
        .env("ROLO_TOKEN", "pit-abcdefgh12345678")
        .output()
        .expect("rolo runs");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("https"), "{err}");
    assert!(!err.contains("abcdefgh12345678"), "the token leaked: {err}");
}

#[test]
fn an_unknown_profile_is_a_usage_error() {
    let dir = std::env::temp_dir().join(format!("rolo-cli-profile-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("config.toml");
    std::fs::write(&path, "[profiles.acme]\nlocation_id = \"loc\"\n").unwrap();
    let out = rolo()
        .args(["--profile", "acem"])
        .env("ROLO_CONFIG", &path)
        .output()
        .expect("rolo runs");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("no profile named `acem`; did you mean `acme`?"),
        "{err}"
    );
    // The profile supplies the location: only the token is missing now.
    let out = rolo()
        .args(["--profile", "acme"])
        .env("ROLO_CONFIG", &path)
        .output()
        .expect("rolo runs");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("ROLO_TOKEN"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}
