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
