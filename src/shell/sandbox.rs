//! `rolo sandbox`: the sandbox served until killed.

use std::io::Write;
use std::process::ExitCode;

use anyhow::{Context, Result};

use super::args::SandboxArgs;
use crate::sandbox::{Faults, RateLimit, Sandbox, SandboxConfig};

pub async fn serve(args: SandboxArgs) -> Result<ExitCode> {
    let config = SandboxConfig {
        token: args.token,
        readonly_token: args.readonly_token,
        location_id: args.location_id,
        contacts: args.contacts,
        seed: args.seed,
        faults: Faults {
            latency_ms: args.latency_ms,
            fail_rate: args.fail_rate,
            ..Faults::default()
        },
        rate_limit: RateLimit {
            max: args.rate_limit,
            ..RateLimit::default()
        },
        ..SandboxConfig::default()
    };
    let sandbox = Sandbox::start(config, args.addr)
        .await
        .with_context(|| format!("cannot listen on {}", args.addr))?;
    {
        let mut out = std::io::stdout().lock();
        writeln!(out, "listening on {}", sandbox.base_url())?;
        out.flush()?;
    }
    tokio::select! {
        _ = sandbox.wait() => {}
        _ = tokio::signal::ctrl_c() => {}
    }
    Ok(ExitCode::SUCCESS)
}
