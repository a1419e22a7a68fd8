//! `atoll-relay`: the relay-chain validator and full node.

use std::process::ExitCode;

use atoll_relay::cli::Cli;
use atoll_relay::command::{self, PortDefaults};
use clap::Parser;

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Some(sub) = &cli.command {
        return match command::run_subcommand(sub) {
            Ok(out) => {
                println!("{out}");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("Error: {e}");
                ExitCode::FAILURE
            }
        };
    }
    if let Err(e) = atoll_relay::logging::init(&cli.run.log) {
        eprintln!("Error: {e}");
        return ExitCode::FAILURE;
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("Error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("{e}");
            eprintln!("Error: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> Result<(), String> {
    let (base, _tmp) = command::base_path(&cli.run).map_err(|e| e.to_string())?;
    let config =
        command::service_config(&cli.run, &base, PortDefaults::RELAY).map_err(|e| e.to_string())?;
    tracing::info!("Atoll relay node {}", env!("CARGO_PKG_VERSION"));
    tracing::info!("📋 Chain specification: {}", config.chain.spec.name);
    tracing::info!("🏷  Node name: {}", config.name);
    tracing::info!("👤 Role: {}", if config.key.is_some() { "AUTHORITY" } else { "FULL" });
    tracing::info!("💾 Database: sled at {}", config.database_path.display());
    let node = atoll_relay::service::start(config, None, |_| jsonrpsee::RpcModule::new(()))
        .await
        .map_err(|e| e.to_string())?;
    tracing::info!("🏷  Local node identity is: {}", node.peer_id());
    node.run_until(atoll_relay::service::shutdown_signal()).await.map_err(|e| e.to_string())
}
