//! `atoll-collator`: the collator binary. `atoll-collator --chain token-2000 --collator
//! [--base-path DIR] [--rpc-port 9944] -- <relay node flags>` runs a collator of the para with
//! an embedded relay node (whose defaults are the relay node's + 1: 30334, 9945, 9616);
//! subcommands export the para's genesis for registration, print its spec, and run the local
//! demo.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};

use atoll_collator::demo::{self, DemoConfig};
use atoll_collator::para_spec::ParaSpec;
use atoll_collator::service::{CollatorFollower, ParaBackend, ParaHealth, ParaState};
use atoll_collator::{CollationGenerator, CollatorConfig, ParaNode};
use atoll_primitives::crypto::Pair;
use atoll_primitives::ParaId;
use atoll_pvf::{PvfConfig, PvfHost};
use atoll_relay::cli::{EmbeddedRelayArgs, KeyCommand};
use atoll_relay::command::{self, PortDefaults};
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "atoll-collator", version, about = "Atoll parachain collator")]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    /// The para: `token-<para id>` (built-in token chain) or a para spec file.
    #[arg(long, value_name = "PARA_SPEC")]
    chain: Option<String>,
    /// Build blocks (without it the node only follows the para).
    #[arg(long)]
    collator: bool,
    /// Data directory (`chains/<para id>/db`; the relay node's is `<base>/polkadot`).
    #[arg(long, short = 'd', conflicts_with = "tmp")]
    base_path: Option<PathBuf>,
    /// Temporary data directory, deleted on exit.
    #[arg(long)]
    tmp: bool,
    /// Node name.
    #[arg(long)]
    name: Option<String>,
    /// The para's JSON-RPC port.
    #[arg(long, default_value_t = 9944)]
    rpc_port: u16,
    /// The para's Prometheus port.
    #[arg(long, default_value_t = 9615)]
    prometheus_port: u16,
    /// No Prometheus exporter for the para.
    #[arg(long)]
    no_prometheus: bool,
    /// The secret URI that signs candidate descriptors (default: //<name>).
    #[arg(long)]
    collator_key: Option<String>,
    /// Log filters (`-l collator=debug`).
    #[arg(long = "log", short = 'l')]
    log: Vec<String>,
    /// The embedded relay node's flags, after `--`.
    #[arg(last = true)]
    relay_args: Vec<String>,
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
    /// Print the para's genesis head (hex), for registration on the relay chain.
    #[command(alias = "export-genesis-state")]
    ExportGenesisHead {
        /// The para spec.
        #[arg(long)]
        chain: Option<String>,
    },
    /// Print the para's validation code (hex), for registration on the relay chain.
    ExportGenesisWasm {
        /// The para spec.
        #[arg(long)]
        chain: Option<String>,
    },
    /// Print the para spec as JSON.
    BuildSpec {
        /// The para spec.
        #[arg(long)]
        chain: Option<String>,
    },
    /// Key utilities.
    #[command(subcommand)]
    Key(KeyCommand),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match &cli.command {
        Some(Command::Demo { blocks, transfers, cache_dir, para_id }) => {
            init_logs(&[]);
            return run_demo(*blocks, *transfers, cache_dir.clone(), *para_id);
        }
        Some(cmd) => {
            return match subcommand(cmd) {
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
        None => {}
    }
    let relay = match EmbeddedRelayArgs::try_parse_from(&cli.relay_args) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("Error in the relay node's flags (after `--`): {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut filters = cli.log.clone();
    filters.extend(relay.run.log.iter().cloned());
    init_logs(&filters);
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("Error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli, relay)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("{e}");
            eprintln!("Error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn init_logs(filters: &[String]) {
    if let Err(e) = atoll_relay::logging::init(filters) {
        eprintln!("Error: {e}");
    }
}

fn para_genesis(spec: &ParaSpec, cache: PathBuf) -> Result<ParaNode, String> {
    let pvf = PvfHost::new(PvfConfig::new(cache)).map_err(|e| e.to_string())?;
    ParaNode::genesis(
        CollatorConfig::new(spec.para_id),
        Arc::new(pvf),
        spec.code.clone(),
        &spec.runtime_genesis(),
    )
    .map_err(|e| e.to_string())
}

fn load_spec(chain: &Option<String>) -> Result<ParaSpec, String> {
    ParaSpec::load(chain.as_deref().unwrap_or("token-2000")).map_err(|e| format!("--chain: {e}"))
}

fn subcommand(cmd: &Command) -> Result<String, String> {
    match cmd {
        Command::Demo { .. } => Err("handled above".into()),
        Command::ExportGenesisHead { chain } => {
            let spec = load_spec(chain)?;
            let node = para_genesis(&spec, std::env::temp_dir().join("atoll-pvf-cache"))?;
            Ok(format!("0x{}", hex::encode(&node.head_data().0)))
        }
        Command::ExportGenesisWasm { chain } => {
            let spec = load_spec(chain)?;
            Ok(format!("0x{}", hex::encode(&spec.code.0)))
        }
        Command::BuildSpec { chain } => Ok(load_spec(chain)?.to_json()),
        Command::Key(k) => {
            atoll_relay::command::run_subcommand(&atoll_relay::cli::Command::Key(k.clone()))
                .map_err(|e| e.to_string())
        }
    }
}

async fn run(cli: Cli, relay: EmbeddedRelayArgs) -> Result<(), String> {
    let spec = load_spec(&cli.chain)?;
    let (base, _tmp) = if let Some(b) = &cli.base_path {
        (b.clone(), None)
    } else if cli.tmp {
        let dir = tempdir()?;
        (dir.0.clone(), Some(dir))
    } else {
        (command::default_base_path(), None)
    };
    let name = cli.name.clone().unwrap_or_else(|| format!("collator-{}", spec.para_id.0));
    let para_dir = base.join("chains").join(&spec.id);
    let relay_base = relay.run.base_path.clone().unwrap_or_else(|| base.join("polkadot"));
    let mut relay_config = command::service_config(&relay.run, &relay_base, PortDefaults::EMBEDDED)
        .map_err(|e| format!("relay node: {e}"))?;
    relay_config.name = format!("{name} (embedded relay node)");
    relay_config.log_imports = false;

    tracing::info!("Atoll collator {}", env!("CARGO_PKG_VERSION"));
    tracing::info!("[Parachain] 📋 Para: {} (para id {})", spec.name, spec.para_id.0);
    tracing::info!("[Parachain] 🏷  Node name: {name}");
    tracing::info!("[Parachain] 💾 Database: sled at {}", para_dir.join("db").display());
    tracing::info!("[Relaychain] 📋 Chain specification: {}", relay_config.chain.spec.name);

    let node = para_genesis(&spec, para_dir.join("pvf-artifacts"))?;
    let key = match &cli.collator_key {
        Some(uri) => Pair::from_uri(uri).map_err(|e| format!("--collator-key: {e}"))?,
        None => Pair::dev(&name),
    };
    let generator = CollationGenerator::new(node, key);
    let para_metrics =
        atoll_rpc::metrics::NodeMetrics::new(&spec.id, &name, env!("CARGO_PKG_VERSION"), 1);
    let mut state = ParaState::open(generator, &para_dir.join("db"), para_metrics.clone())
        .map_err(|e| e.to_string())?;
    state.collate = cli.collator;
    let state = Arc::new(Mutex::new(state));

    let relay_node = atoll_relay::service::start(
        relay_config,
        Some(Box::new(CollatorFollower(state.clone()))),
        |_| jsonrpsee::RpcModule::new(()),
    )
    .await
    .map_err(|e| format!("relay node: {e}"))?;
    tracing::info!("[Relaychain] 🏷  Local node identity is: {}", relay_node.peer_id());

    let info = atoll_rpc::SystemInfo {
        name: name.clone(),
        version: env!("CARGO_PKG_VERSION").into(),
        chain: spec.name.clone(),
        chain_type: spec.chain_type.clone(),
        properties: serde_json::json!({"ss58Format": 42, "tokenSymbol": "TOK", "tokenDecimals": 12, "paraId": spec.para_id.0}),
        roles: vec![if cli.collator { "AUTHORITY".into() } else { "FULL".into() }],
    };
    let backend = Arc::new(ParaBackend { state: state.clone(), relay: relay_node.shared() });
    let module = atoll_rpc::core_module(info, backend);
    let rpc_addr = SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), cli.rpc_port);
    let rpc = atoll_rpc::start_rpc(
        atoll_rpc::RpcConfig::new(rpc_addr),
        module,
        Arc::new(ParaHealth(relay_node.shared())),
    )
    .await
    .map_err(|e| e.to_string())?;
    tracing::info!("[Parachain] Running JSON-RPC server: addr={}", rpc.local_addr());
    let _metrics = if cli.no_prometheus {
        None
    } else {
        let addr = SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), cli.prometheus_port);
        let server = atoll_rpc::metrics::start_metrics(addr, para_metrics)
            .await
            .map_err(|e| e.to_string())?;
        tracing::info!("[Parachain] 〽️ Prometheus exporter started at {}", server.local_addr());
        Some(server)
    };
    relay_node.run_until(atoll_relay::service::shutdown_signal()).await.map_err(|e| e.to_string())
}

struct TmpDir(PathBuf);

impl Drop for TmpDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn tempdir() -> Result<TmpDir, String> {
    let path = std::env::temp_dir().join(format!("atoll-collator-{}", std::process::id()));
    std::fs::create_dir_all(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(TmpDir(path))
}

fn run_demo(blocks: u32, transfers: u32, cache_dir: Option<PathBuf>, para_id: u32) -> ExitCode {
    let config = DemoConfig {
        blocks,
        transfers_per_block: transfers,
        cache_dir: cache_dir.unwrap_or_else(|| std::env::temp_dir().join("atoll-pvf-cache")),
        para_id: ParaId(para_id),
    };
    println!(
        "token chain (para {para_id}): {blocks} blocks x {transfers} signed transfers, each PoV validated by atoll-pvf in Wasm"
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
            let shown: Vec<String> = balances.iter().map(|(n, b)| format!("{n} {b}")).collect();
            println!("balances: {} (total {total}, unchanged)", shown.join(", "));
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
