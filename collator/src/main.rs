//! `atoll-collator`: the collator binary. For now it runs the local demo (`atoll-collator
//! demo`); the networked collator comes with the real-nodes work.

use std::path::PathBuf;
use std::process::ExitCode;

use atoll_collator::demo::{self, DemoConfig};
use atoll_primitives::ParaId;
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "atoll-collator", version, about = "Atoll parachain collator")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Builds blocks of the token chain full of signed transfers, validating each PoV in Wasm.
    Demo {
        /// Blocks to build.
        #[arg(long, default_value_t = 10)]
        blocks: u32,
        /// Signed transfers per block.
        #[arg(long, default_value_t = 100)]
        transfers: u32,
        /// PVF artifact cache directory (default: the system temp dir).
        #[arg(long)]
        cache_dir: Option<PathBuf>,
        /// Para id of the token chain.
        #[arg(long, default_value_t = 1000)]
        para_id: u32,
    },
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_target(false)
        .init();
    let cli = Cli::parse();
    match cli.command {
        Command::Demo { blocks, transfers, cache_dir, para_id } => {
            let config = DemoConfig {
                blocks,
                transfers_per_block: transfers,
                cache_dir: cache_dir
                    .unwrap_or_else(|| std::env::temp_dir().join("atoll-pvf-cache")),
                para_id: ParaId(para_id),
            };
            println!(
                "token chain (para {}): {} blocks x {} signed transfers, each PoV validated by atoll-pvf in Wasm",
                para_id, blocks, transfers
            );
            println!(
                "{:>6}  {:<20}  {:>9}  {:>10}  {:>9}  {:>12}",
                "block", "head", "transfers", "PoV", "build", "validation"
            );
            let result = demo::run(&config, |b| {
                let head = b.head_hash.to_string();
                println!(
                    "{:>6}  {}..{}  {:>9}  {:>7.1} KiB  {:>6.1} ms  {:>9.2} ms",
                    format!("#{}", b.number.0),
                    &head[..10],
                    &head[head.len() - 6..],
                    b.transfers,
                    b.pov_bytes as f64 / 1024.0,
                    b.build_ms,
                    b.validate_ms
                );
            });
            match result {
                Ok(balances) => {
                    let total: u128 = balances.values().sum();
                    let shown: Vec<String> =
                        balances.iter().map(|(n, b)| format!("{n} {b}")).collect();
                    println!("balances: {} (total {total}, unchanged)", shown.join(", "));
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("error: {e}");
                    ExitCode::FAILURE
                }
            }
        }
    }
}
