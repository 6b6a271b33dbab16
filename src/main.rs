//! The `rolo` binary: parses the command line and hands over to the library.

use std::process::ExitCode;

use clap::Parser;
use rolo::shell::args::Cli;

fn main() -> ExitCode {
    let cli = Cli::parse();
    rolo::shell::init_logging(cli.log_level.as_deref());
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("rolo: cannot start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    match runtime.block_on(rolo::shell::run(cli)) {
        Ok(code) => code,
        // `rolo man | head`: the reader has what it wanted.
        Err(e)
            if e.chain().any(|c| {
                c.downcast_ref::<std::io::Error>()
                    .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            }) =>
        {
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("rolo: {e:#}");
            ExitCode::from(1)
        }
    }
}
