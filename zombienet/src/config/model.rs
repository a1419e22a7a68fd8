//! The network definition after parsing and validation: what the native provider spawns.
//! Node groups and collator groups are already expanded into nodes (`name-1`, `name-2`, ...),
//! `{{ENV_VAR}}` placeholders already substituted, defaults already filled in.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

use atoll_primitives::ParaId;

/// The default relay-chain command.
pub const DEFAULT_RELAY_COMMAND: &str = "atoll-relay";
/// The default collator command.
pub const DEFAULT_COLLATOR_COMMAND: &str = "atoll-collator";
/// The default relay chain (`atoll-relay build-spec --chain <chain>`).
pub const DEFAULT_RELAY_CHAIN: &str = "local";
/// HRMP channel capacity when `max_capacity` is omitted (zombienet-sdk's default).
pub const DEFAULT_HRMP_MAX_CAPACITY: u32 = 8;
/// HRMP message size when `max_message_size` is omitted (zombienet-sdk's default).
pub const DEFAULT_HRMP_MAX_MESSAGE_SIZE: u32 = 512;

/// A whole network definition.
#[derive(Clone, Debug, PartialEq)]
pub struct NetworkConfig {
    /// `[settings]`.
    pub settings: Settings,
    /// `[relaychain]`.
    pub relaychain: RelayChainConfig,
    /// `[[parachains]]`, in file order.
    pub parachains: Vec<ParachainConfig>,
    /// `[[hrmp_channels]]`, in file order.
    pub hrmp_channels: Vec<HrmpChannelConfig>,
    /// The directory relative paths in the definition are resolved against (the definition
    /// file's directory; the current directory for a network built in Rust).
    pub definition_dir: PathBuf,
}

/// Where the provider runs nodes. Only native processes are supported.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Provider {
    /// Local child processes, each in its own process group.
    Native,
}

/// The readiness stages, in the order a network passes them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Stage {
    /// Every process is alive.
    ProcessUp,
    /// Every node answers JSON-RPC (`system_name`).
    RpcAnswering,
    /// Every relay node imported a block above genesis.
    BlocksImporting,
    /// Every relay node's finalized height is above genesis.
    FinalityAdvancing,
    /// Every para in genesis has a head above its genesis head, included on the relay chain,
    /// and each of its collators reports a finalized para block.
    ParaHeadsAdvancing,
}

impl Stage {
    /// Every stage, in order.
    pub const ALL: [Stage; 5] = [
        Stage::ProcessUp,
        Stage::RpcAnswering,
        Stage::BlocksImporting,
        Stage::FinalityAdvancing,
        Stage::ParaHeadsAdvancing,
    ];

    /// The stage's name in definitions (`[settings.readiness]` keys and `wait_for` values).
    pub fn key(self) -> &'static str {
        match self {
            Stage::ProcessUp => "process_up",
            Stage::RpcAnswering => "rpc",
            Stage::BlocksImporting => "blocks",
            Stage::FinalityAdvancing => "finality",
            Stage::ParaHeadsAdvancing => "para_heads",
        }
    }

    /// A human description.
    pub fn describe(self) -> &'static str {
        match self {
            Stage::ProcessUp => "process up",
            Stage::RpcAnswering => "RPC answering",
            Stage::BlocksImporting => "blocks importing",
            Stage::FinalityAdvancing => "finality advancing",
            Stage::ParaHeadsAdvancing => "para heads advancing",
        }
    }
}

/// `[settings]`.
#[derive(Clone, Debug, PartialEq)]
pub struct Settings {
    /// `timeout` (s): the whole spawn, every stage included (default 300).
    pub timeout: Duration,
    /// `provider` (default and only value: `native`; others are rejected).
    pub provider: Provider,
    /// `base_dir`: where the network's directory goes (default: a new directory under the
    /// system's temporary directory).
    pub base_dir: Option<PathBuf>,
    /// `local_ip` (default 127.0.0.1): the address nodes listen on.
    pub local_ip: IpAddr,
    /// `[settings.readiness]` stage timeouts; `node_spawn_timeout` sets the first two.
    pub readiness: Readiness,
}

/// `[settings.readiness]`: one timeout per stage, and the last stage `spawn` waits for.
#[derive(Clone, Debug, PartialEq)]
pub struct Readiness {
    /// Timeout of each stage, counted from the end of the previous one. Keys: the stages'
    /// [`Stage::key`]s, in seconds. Defaults: process_up 10, rpc 30, blocks 30, finality 60,
    /// para_heads 90. `node_spawn_timeout` (zombienet's key) sets process_up and rpc.
    pub timeouts: BTreeMap<Stage, Duration>,
    /// `wait_for`: the last stage `spawn` waits for (default `para_heads`).
    pub wait_for: Stage,
}

impl Readiness {
    /// The timeout of `stage`.
    pub fn timeout(&self, stage: Stage) -> Duration {
        self.timeouts.get(&stage).copied().unwrap_or(Duration::from_secs(60))
    }
}

/// `[relaychain]`.
#[derive(Clone, Debug, PartialEq)]
pub struct RelayChainConfig {
    /// `default_command` (default `atoll-relay`): a bare name (looked up next to the zombienet
    /// executable, then in `PATH`) or a path (relative to the definition's directory).
    pub default_command: String,
    /// `chain` (default `local`): the chain passed to `<command> build-spec --chain`.
    pub chain: String,
    /// `chain_spec_path`: a plain (human) chain spec to start from instead of `build-spec`.
    pub chain_spec_path: Option<PathBuf>,
    /// `default_args`: flags added to every relay node.
    pub default_args: Vec<String>,
    /// `genesis`: a JSON merge patch for the chain spec's genesis. Keys under
    /// `runtimeGenesis` patch `genesis` itself; anything else patches
    /// `genesis.runtimeGenesis.patch` (e.g. `configuration.config.needed_approvals`).
    pub genesis: Option<serde_json::Value>,
    /// `[[relaychain.nodes]]` then the expanded `[[relaychain.node_groups]]`, in file order.
    pub nodes: Vec<NodeConfig>,
}

/// One node (relay node or collator).
#[derive(Clone, Debug, PartialEq)]
pub struct NodeConfig {
    /// `name`: unique in the network; spaces become dashes. The validator key is the dev
    /// derivation `//<Name>` (first letter upper case: `alice` -> `//Alice`).
    pub name: String,
    /// `command`: overrides the chain's default command.
    pub command: Option<String>,
    /// `args`: extra flags (after the chain's default args).
    pub args: Vec<String>,
    /// `validator` (relay nodes; default true). Collators are always `--collator`.
    pub validator: bool,
    /// `env`: extra environment variables, `[{ name, value }]`.
    pub env: Vec<(String, String)>,
    /// `rpc_port`: a fixed JSON-RPC port (default: reserved by the provider).
    pub rpc_port: Option<u16>,
    /// `p2p_port`: a fixed libp2p port (default: reserved by the provider).
    pub p2p_port: Option<u16>,
    /// `prometheus_port`: a fixed metrics port (default: reserved by the provider).
    pub prometheus_port: Option<u16>,
    /// `balance`: the node account's genesis balance in planck (relay nodes; default
    /// 2_000_000_000_000, zombienet's).
    pub balance: u128,
    /// The `node_groups`/`collator_groups` entry it came from, if any.
    pub group: Option<String>,
}

/// `[[parachains]]`.
#[derive(Clone, Debug, PartialEq)]
pub struct ParachainConfig {
    /// `id`: unique among the paras.
    pub id: ParaId,
    /// `chain`: the collator's `--chain` (default `token-<id>`, the built-in token chain).
    pub chain: Option<String>,
    /// `chain_spec_path`: a para spec file, passed as `--chain <path>` (exclusive with `chain`).
    pub chain_spec_path: Option<PathBuf>,
    /// `default_command` (default `atoll-collator`).
    pub default_command: String,
    /// `default_args`: flags added to every collator of this para.
    pub default_args: Vec<String>,
    /// `add_to_genesis` (default true): register the para in the relay genesis.
    pub add_to_genesis: bool,
    /// `genesis_wasm_path`: the validation code (hex or binary file) instead of
    /// `<command> export-genesis-wasm`.
    pub genesis_wasm_path: Option<PathBuf>,
    /// `genesis_state_path`: the genesis head (hex or binary file) instead of
    /// `<command> export-genesis-head`.
    pub genesis_state_path: Option<PathBuf>,
    /// `[parachains.collator]`, `[[parachains.collators]]` and the expanded
    /// `[[parachains.collator_groups]]`, in file order. At least one.
    pub collators: Vec<NodeConfig>,
}

impl ParachainConfig {
    /// The collator's `--chain` value: the spec file, the chain name, or `token-<id>`.
    pub fn chain_arg(&self) -> String {
        match (&self.chain_spec_path, &self.chain) {
            (Some(p), _) => p.display().to_string(),
            (None, Some(c)) => c.clone(),
            (None, None) => format!("token-{}", self.id.0),
        }
    }
}

/// `[[hrmp_channels]]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HrmpChannelConfig {
    /// `sender`: a para id in the definition.
    pub sender: ParaId,
    /// `recipient`: another para id in the definition.
    pub recipient: ParaId,
    /// `max_capacity` (default 8): messages the channel holds.
    pub max_capacity: u32,
    /// `max_message_size` (default 512): bytes per message.
    pub max_message_size: u32,
}
