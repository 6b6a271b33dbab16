//! `rolo --demo`: an in-process sandbox on loopback, seeded with demo data,
//! and the app pointed at it with a throwaway token.

use std::net::{Ipv4Addr, SocketAddr};

use anyhow::{Context, Result};

use crate::api::{Client, ClientConfig, Token};
use crate::sandbox::{Sandbox, SandboxConfig};

/// A running demo sandbox and a client for it.
pub struct Demo {
    pub sandbox: Sandbox,
    pub client: Client,
}

pub async fn start() -> Result<Demo> {
    let token = format!("demo-{:016x}", fastrand::u64(..));
    let config = SandboxConfig {
        token: token.clone(),
        ..SandboxConfig::default()
    };
    let location = config.location_id.clone();
    let sandbox = Sandbox::start(config, SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))
        .await
        .context("cannot start the demo sandbox on loopback")?;
    let client = Client::new(ClientConfig::new(
        sandbox.base_url(),
        location,
        Token::new(token),
    ))?;
    Ok(Demo { sandbox, client })
}
