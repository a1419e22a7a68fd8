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
    /// Most extrinsics per para block.
    #[arg(long, default_value_t = 1_000)]
    max_extrinsics_per_block: usize,
    /// Transaction pool capacity.
    #[arg(long, default_value_t = 10_000)]
    pool_capacity: usize,
    /// Stop adding transactions to a block after this many ms, so that it is built, sent and
    /// backed within its relay slot (0: no limit).
    #[arg(long, default_value_t = 800)]
    block_build_budget_ms: u64,
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
    /// Sign and submit token transfers to a collator's RPC at a set rate; report what was
    /// included and finalized.
    Load {
        /// The collator's JSON-RPC address.
        #[arg(long, default_value = "127.0.0.1:9944")]
        rpc: SocketAddr,
        /// The para id (signatures are bound to it).
        #[arg(long, default_value_t = 2000)]
        para_id: u32,
        /// Transfers per second.
        #[arg(long, default_value_t = 100)]
        rate: u32,
        /// Seconds to submit for.
        #[arg(long, default_value_t = 30)]
        duration: u64,
        /// Seconds to wait for finality after the last submission.
        #[arg(long, default_value_t = 20)]
        drain: u64,
        /// Print the final report as one JSON line.
        #[arg(long)]
        json: bool,
        /// Most accepted transfers waiting to be executed (back-pressure).
        #[arg(long, default_value_t = 30_000)]
        max_in_flight: u64,
    },
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

fn para_genesis(
    spec: &ParaSpec,
    cache: PathBuf,
    config: CollatorConfig,
) -> Result<ParaNode, String> {
    let pvf = PvfHost::new(PvfConfig::new(cache)).map_err(|e| e.to_string())?;
    ParaNode::genesis(config, Arc::new(pvf), spec.code.clone(), &spec.runtime_genesis())
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
            let node = para_genesis(
                &spec,
                std::env::temp_dir().join("atoll-pvf-cache"),
                CollatorConfig::new(spec.para_id),
            )?;
            Ok(format!("0x{}", hex::encode(&node.head_data().0)))
        }
        Command::ExportGenesisWasm { chain } => {
            let spec = load_spec(chain)?;
            Ok(format!("0x{}", hex::encode(&spec.code.0)))
        }
        Command::BuildSpec { chain } => Ok(load_spec(chain)?.to_json()),
        Command::Load { rpc, para_id, rate, duration, drain, json, max_in_flight } => {
            run_load(*rpc, *para_id, *rate, *duration, *drain, *json, *max_in_flight)
        }
        Command::Key(k) => {
            atoll_relay::command::run_subcommand(&atoll_relay::cli::Command::Key(k.clone()))
                .map_err(|e| e.to_string())
        }
    }
}

fn run_load(
    rpc: SocketAddr,
    para_id: u32,
    rate: u32,
    duration: u64,
    drain: u64,
    json: bool,
    max_in_flight: u64,
) -> Result<String, String> {
    use atoll_collator::load;
    let config = load::LoadConfig {
        rpc,
        para_id: ParaId(para_id),
        rate,
        duration: std::time::Duration::from_secs(duration),
        tick: std::time::Duration::from_millis(100),
        drain: std::time::Duration::from_secs(drain),
        max_in_flight,
    };
    eprintln!("submitting {rate} transfers/s to {rpc} (para {para_id}) for {duration} s");
    let report = load::run(&config, |r| {
        eprintln!(
            "  {:>5.1} s: submitted {:>8}, refused {:>6}, included {:>8}, finalized {:>8}",
            r.elapsed_ms as f64 / 1000.0,
            r.submitted,
            r.refused,
            r.included,
            r.finalized
        )
    })
    .map_err(|e| e.to_string())?;
    if json {
        return Ok(load::report_json(&report).to_string());
    }
    Ok(format!(
        "submitted {} in {:.1} s ({:.0}/s), refused {}, included {}, finalized {}",
        report.submitted,
        report.elapsed_ms as f64 / 1000.0,
        report.submitted as f64 * 1000.0 / report.elapsed_ms.max(1) as f64,
        report.refused,
        report.included,
        report.finalized
    ))
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

    // Signatures checked on submission are not verified again while building (rule 5 of
    // `service`); 2^18 verdicts (a few pools' worth) hold ~60 MiB at most.
    atoll_primitives::crypto::verification_cache::enable(1 << 18);
    let mut collator_config = CollatorConfig::new(spec.para_id);
    collator_config.max_extrinsics_per_block = cli.max_extrinsics_per_block;
    collator_config.pool_capacity = cli.pool_capacity;
    collator_config.build_time_budget = (cli.block_build_budget_ms > 0)
        .then(|| std::time::Duration::from_millis(cli.block_build_budget_ms));
    let node = para_genesis(&spec, para_dir.join("pvf-artifacts"), collator_config)?;
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
