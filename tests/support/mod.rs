//! Shared test helpers: a sandbox on loopback and a client pointed at it.
#![allow(dead_code)]

pub mod app;
pub mod hostile;
pub mod schema;

use std::future::Future;
use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use rolo::api::{Client, ClientConfig, RetryPolicy, Token};
use rolo::sandbox::{Sandbox, SandboxConfig};

/// The whole environment a spawned rolo gets (apply after clearing the
/// inherited one): nothing of this machine's user reaches it. No real
/// keyring (no D-Bus session, the file store in the temp home), no config,
/// cache, outbox or log of the user's. Tests add what they need after.
pub fn hermetic_env(home: &std::path::Path) -> Vec<(String, std::ffi::OsString)> {
    let mut env: Vec<(String, std::ffi::OsString)> = ["PATH", "LANG", "LC_ALL", "TZ"]
        .iter()
        .filter_map(|k| std::env::var_os(k).map(|v| (k.to_string(), v)))
        .collect();
    for (k, sub) in [
        ("HOME", ""),
        ("XDG_CONFIG_HOME", "config"),
        ("XDG_DATA_HOME", "data"),
        ("XDG_STATE_HOME", "state"),
        ("XDG_CACHE_HOME", "cache"),
        ("XDG_RUNTIME_DIR", "run"),
        ("ROLO_DATA_DIR", "data"),
        ("ROLO_CONFIG", "none.toml"),
    ] {
        env.push((k.to_string(), home.join(sub).into_os_string()));
    }
    env.push(("ROLO_SECRET_STORES".into(), "file".into()));
    env
}

/// `rolo` with [`hermetic_env`] in `home`.
pub fn hermetic_rolo(home: &std::path::Path) -> std::process::Command {
    let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_rolo"));
    c.env_clear();
    for (k, v) in hermetic_env(home) {
        c.env(k, v);
    }
    c
}

pub const TOKEN: &str = "test-token-full-0123456789";
pub const RO_TOKEN: &str = "test-token-read-9876543210";
pub const LOCATION: &str = "sandbox-location";

pub fn config(contacts: usize) -> SandboxConfig {
    SandboxConfig {
        token: TOKEN.into(),
        readonly_token: Some(RO_TOKEN.into()),
        contacts,
        ..SandboxConfig::default()
    }
}

pub async fn sandbox(config: SandboxConfig) -> Sandbox {
    Sandbox::start(config, SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))
        .await
        .expect("sandbox starts on loopback")
}

/// A client with fast retries, so fault tests do not wait for long backoffs.
pub fn client_config(sb: &Sandbox, token: &str) -> ClientConfig {
    let mut c = ClientConfig::new(sb.base_url(), LOCATION, Token::new(token));
    c.retry = RetryPolicy {
        max_retries: 4,
        base_delay: Duration::from_millis(20),
        max_delay: Duration::from_millis(500),
    };
    c
}

pub fn client(sb: &Sandbox) -> Client {
    Client::new(client_config(sb, TOKEN)).expect("client builds")
}

/// Waits for a condition with a generous deadline: CI machines are small.
pub async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        if check().await {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for: {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
