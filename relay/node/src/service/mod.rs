//! The node service: opens the database and restores the state machines from it, starts the
//! network, the PVF host, JSON-RPC and metrics, and runs the event loop that feeds the
//! [`NodeShell`] (the only place that reads the clock).

mod feeds;
mod peers;
mod pool;
mod shell;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use atoll_network::{NetworkConfig, NetworkHandle, PeerId as NetPeer};
use atoll_node_core::parachain::SessionCache;
use atoll_node_core::persist::Restored;
use atoll_node_core::{NodeConfig, RelayNode};
use atoll_parachain_host::{HostConfig, HostMessage, ParachainHost};
use atoll_primitives::crypto::Pair;
use atoll_primitives::relay::RelayHeader;
use atoll_primitives::{BlockNumber, Hash, ValidatorIndex};
use atoll_pvf::{PvfConfig, PvfHost};
use atoll_relay_chain::ChainSpec;
use atoll_rpc::metrics::NodeMetrics;
use atoll_trie::StateDb;
use tokio::sync::{mpsc, watch};

pub use feeds::{header_json, hex0x, ParaLog};
pub use pool::{RelayPool, RelayPoolError};
pub use shell::{short, HeadFeeds, NodeShell, PeerStatus, ResponseDone, VerdictDone};

use crate::clock::now_ms;
use crate::store::{Store, StoreError};

/// A collator's hook into the relay node it embeds: called when the best relay block changes
/// and when a relay block is finalized.
pub trait Follower: Send {
    /// The best relay block is now `best`: the collations to send, each to a validator of the
    /// best block's session.
    fn on_new_best(
        &mut self,
        relay: &RelayNode,
        sessions: &mut SessionCache,
        best: Hash,
    ) -> Vec<(ValidatorIndex, HostMessage)>;

    /// Relay block `hash` was finalized.
    fn on_finalized(&mut self, relay: &RelayNode, hash: Hash, number: BlockNumber);
}

/// A chain spec with its genesis state built.
pub struct LoadedChain {
    /// The spec.
    pub spec: ChainSpec,
    /// The genesis header.
    pub genesis: RelayHeader,
    /// A state store holding the genesis state.
    pub db: StateDb,
}

/// Everything the service needs to start.
pub struct ServiceConfig {
    /// The chain.
    pub chain: LoadedChain,
    /// The node's name (logs, RPC, metrics).
    pub name: String,
    /// The database directory.
    pub database_path: PathBuf,
    /// The PVF artifact cache directory.
    pub pvf_cache: PathBuf,
    /// The validator key (`None`: a full node).
    pub key: Option<Pair>,
    /// The network.
    pub network: NetworkConfig,
    /// JSON-RPC address (`None`: no RPC server).
    pub rpc: Option<SocketAddr>,
    /// Prometheus address (`None`: no exporter).
    pub prometheus: Option<SocketAddr>,
    /// Whether to log every imported block.
    pub log_imports: bool,
}

/// Why the node could not start or had to stop.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// The database refused to open or holds bad data.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A stored value does not decode.
    #[error(
        "{0}; refusing to start on bad state (restore a backup, or delete it with `purge-chain`)"
    )]
    Corrupt(#[from] atoll_node_core::persist::CorruptStore),
    /// The stored chain does not replay (a block fails its checks).
    #[error("the database's chain does not replay: {0}; refusing to start on bad state (restore a backup, or delete it with `purge-chain`)")]
    Replay(String),
    /// The PVF host could not start.
    #[error("the PVF host cannot start: {0}")]
    Pvf(String),
    /// The network could not start.
    #[error("the network cannot start: {0}")]
    Network(String),
    /// RPC or metrics could not start.
    #[error("{0}")]
    Rpc(String),
    /// The node stopped on an unrecoverable failure.
    #[error("the node stopped: {0}")]
    Fatal(String),
}

/// A running node.
pub struct RunningNode {
    shell: Arc<Mutex<NodeShell>>,
    peer_id: NetPeer,
    rpc_addr: Option<SocketAddr>,
    metrics_addr: Option<SocketAddr>,
    stop: watch::Sender<bool>,
    task: tokio::task::JoinHandle<Result<(), ServiceError>>,
    _rpc: Option<atoll_rpc::RpcServer>,
    _metrics: Option<atoll_rpc::metrics::MetricsServer>,
}

impl RunningNode {
    /// The shell (locked briefly by RPC readers and tests).
    pub fn shell(&self) -> MutexGuard<'_, NodeShell> {
        lock(&self.shell)
    }

    /// The shared shell.
    pub fn shared(&self) -> Arc<Mutex<NodeShell>> {
        self.shell.clone()
    }

    /// The network identity.
    pub fn peer_id(&self) -> NetPeer {
        self.peer_id
    }

    /// Where JSON-RPC listens.
    pub fn rpc_addr(&self) -> Option<SocketAddr> {
        self.rpc_addr
    }

    /// Where metrics are served.
    pub fn metrics_addr(&self) -> Option<SocketAddr> {
        self.metrics_addr
    }

    /// Runs until the node stops by itself (an error) or `shutdown` resolves.
    pub async fn run_until(
        self,
        shutdown: impl std::future::Future<Output = ()>,
    ) -> Result<(), ServiceError> {
        let RunningNode { stop, mut task, .. } = self;
        tokio::select! {
            result = &mut task => return result.unwrap_or_else(|e| Err(ServiceError::Fatal(e.to_string()))),
            _ = shutdown => {}
        }
        let _ = stop.send(true);
        task.await.unwrap_or_else(|e| Err(ServiceError::Fatal(e.to_string())))
    }
}

/// Locks the shell; a panic elsewhere cannot leave it half-updated in a way later readers
/// would misread (every handler finishes its writes before it returns), so poisoning is ignored.
pub fn lock(shell: &Mutex<NodeShell>) -> MutexGuard<'_, NodeShell> {
    shell.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Opens the database and rebuilds the relay node from it (rule 3: refuse bad state).
fn restore_relay(config: &ServiceConfig, now: u64) -> Result<(RelayNode, Store), ServiceError> {
    let chain = &config.chain;
    let genesis_hash = chain.genesis.hash();
    let (store, pairs) = Store::open(&config.database_path, genesis_hash)?;
    let node_config = NodeConfig::for_slot_duration(
        atoll_relay_chain::config(&chain.db, &chain.genesis.state_root)
            .map_err(|e| ServiceError::Replay(e.to_string()))?
            .slot_duration_ms,
    );
    let restored = Restored::from_pairs(pairs)?;
    let relay = if restored.blocks.is_empty() && restored.finalized.is_none() {
        RelayNode::new(
            node_config,
            chain.genesis.clone(),
            chain.db.clone(),
            config.key.clone(),
            now,
        )
        .map_err(|e| ServiceError::Replay(e.to_string()))?
    } else {
        let blocks = restored.blocks.len();
        let relay = RelayNode::restore(
            node_config,
            chain.genesis.clone(),
            chain.db.clone(),
            config.key.clone(),
            restored,
            now,
        )
        .map_err(|e| ServiceError::Replay(e.to_string()))?;
        tracing::info!(
            target: "atoll",
            "💾 Restored {blocks} blocks from the database: best #{}, finalized #{}",
            relay.best().1 .0,
            relay.finalized().1 .0
        );
        relay
    };
    Ok((relay, store))
}

/// Starts a node: database, state machines, network, PVF host, RPC, metrics and the event loop.
pub async fn start(
    config: ServiceConfig,
    follower: Option<Box<dyn Follower>>,
    extra_rpc: impl FnOnce(Arc<Mutex<NodeShell>>) -> jsonrpsee::RpcModule<()>,
) -> Result<RunningNode, ServiceError> {
    let now = now_ms();
    let (mut relay, store) = restore_relay(&config, now)?;
    let genesis = config.chain.genesis.hash();
    let pvf = PvfHost::new(PvfConfig::new(&config.pvf_cache))
        .map_err(|e| ServiceError::Pvf(e.to_string()))?;
    let host = config.key.clone().map(|key| {
        let host = ParachainHost::new(Some(key), HostConfig::default());
        relay.set_voting_rule(Arc::new(host.finality_gate()));
        Box::new(host)
    });
    let (network, events) = atoll_network::start(config.network)
        .await
        .map_err(|e| ServiceError::Network(e.to_string()))?;
    let role = if config.key.is_some() { 4 } else { 1 };
    let metrics =
        NodeMetrics::new(&config.chain.spec.id, &config.name, env!("CARGO_PKG_VERSION"), role);
    let (verdict_tx, verdict_rx) = mpsc::unbounded_channel();
    let (response_tx, response_rx) = mpsc::unbounded_channel();
    let feeds = HeadFeeds::new();
    let mut shell = NodeShell::new(shell::ShellParts {
        relay,
        host,
        follower,
        store,
        network: network.clone(),
        pvf: Arc::new(pvf),
        genesis,
        key: config.key.clone(),
        verdict_tx,
        response_tx,
        metrics: metrics.clone(),
        feeds,
    });
    shell.log_imports = config.log_imports;
    shell.start(now_ms());
    let shell = Arc::new(Mutex::new(shell));

    let (rpc_server, rpc_addr) = match config.rpc {
        Some(addr) => {
            let module = crate::rpc::relay_module(
                config.name.clone(),
                &config.chain.spec,
                shell.clone(),
                extra_rpc(shell.clone()),
            )
            .map_err(|e| ServiceError::Rpc(e.to_string()))?;
            let health = Arc::new(crate::rpc::RelayHealth(shell.clone()));
            let server = atoll_rpc::start_rpc(atoll_rpc::RpcConfig::new(addr), module, health)
                .await
                .map_err(|e| ServiceError::Rpc(e.to_string()))?;
            let local = server.local_addr();
            tracing::info!(target: "rpc", "Running JSON-RPC server: addr={local}");
            (Some(server), Some(local))
        }
        None => (None, None),
    };
    let (metrics_server, metrics_addr) = match config.prometheus {
        Some(addr) => {
            let server = atoll_rpc::metrics::start_metrics(addr, metrics.clone())
                .await
                .map_err(|e| ServiceError::Rpc(e.to_string()))?;
            let local = server.local_addr();
            tracing::info!(target: "atoll", "〽️ Prometheus exporter started at {local}");
            (Some(server), Some(local))
        }
        None => (None, None),
    };
    let (stop, stop_rx) = watch::channel(false);
    let peer_id = network.local_peer_id();
    let task =
        tokio::spawn(event_loop(shell.clone(), network, events, verdict_rx, response_rx, stop_rx));
    Ok(RunningNode {
        shell,
        peer_id,
        rpc_addr,
        metrics_addr,
        stop,
        task,
        _rpc: rpc_server,
        _metrics: metrics_server,
    })
}

/// The event loop: the only reader of the clock (DESIGN.md principle 1).
async fn event_loop(
    shell: Arc<Mutex<NodeShell>>,
    network: NetworkHandle,
    mut events: mpsc::Receiver<atoll_network::NetworkEvent>,
    mut verdicts: mpsc::UnboundedReceiver<VerdictDone>,
    mut responses: mpsc::UnboundedReceiver<ResponseDone>,
    mut stop: watch::Receiver<bool>,
) -> Result<(), ServiceError> {
    let mut informant = tokio::time::interval(Duration::from_secs(5));
    let mut authority = tokio::time::interval(Duration::from_secs(2));
    loop {
        let wake_in = {
            let s = lock(&shell);
            if let Some(reason) = &s.fatal {
                return Err(ServiceError::Fatal(reason.clone()));
            }
            s.next_wake().map(|at| at.saturating_sub(now_ms())).unwrap_or(1_000).min(1_000)
        };
        let sleep = tokio::time::sleep(Duration::from_millis(wake_in));
        tokio::select! {
            _ = stop.changed() => return Ok(()),
            event = events.recv() => match event {
                Some(event) => lock(&shell).on_network(event, now_ms()),
                None => return Err(ServiceError::Fatal("the network task ended".into())),
            },
            Some(done) = verdicts.recv() => lock(&shell).on_verdict(done, now_ms()),
            Some(done) = responses.recv() => lock(&shell).on_response(done, now_ms()),
            _ = sleep => lock(&shell).on_tick(now_ms()),
            _ = informant.tick() => crate::informant::report(&lock(&shell), &network),
            // Rule 7: a record is ~130 bytes; every 2 s lets joining and restarted peers learn
            // it quickly.
            _ = authority.tick() => lock(&shell).publish_authority_record(),
        }
    }
}

/// Resolves on Ctrl-C (SIGINT) or SIGTERM.
pub async fn shutdown_signal() {
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(s) => s,
                Err(_) => {
                    let _ = tokio::signal::ctrl_c().await;
                    return;
                }
            };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
