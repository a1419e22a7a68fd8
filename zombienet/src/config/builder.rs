//! Networks written in Rust, for tests: [`NetworkBuilder`] fills in the same defaults as a
//! definition file and [`NetworkBuilder::build`] runs the same checks ([`super::validate`]).
//! Also home of the model's defaults (shared with the parser).
//!
//! ```
//! use zombienet::config::NetworkBuilder;
//!
//! let network = NetworkBuilder::new()
//!     .validator("alice")
//!     .validator("bob")
//!     .parachain(2000, |p| p.collator("collator-2000"))
//!     .parachain(2001, |p| p.collator("collator-2001").chain("token-2001"))
//!     .hrmp_channel(2000, 2001)
//!     .build()
//!     .unwrap();
//! assert_eq!(network.relaychain.nodes.len(), 2);
//! ```

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr};
use std::path::PathBuf;
use std::time::Duration;

use atoll_primitives::ParaId;

use super::error::ConfigErrors;
use super::model::{
    HrmpChannelConfig, NetworkConfig, NodeConfig, ParachainConfig, Provider, Readiness,
    RelayChainConfig, Settings, Stage, DEFAULT_COLLATOR_COMMAND, DEFAULT_HRMP_MAX_CAPACITY,
    DEFAULT_HRMP_MAX_MESSAGE_SIZE, DEFAULT_RELAY_CHAIN, DEFAULT_RELAY_COMMAND,
};
use super::validate;

/// A node account's genesis balance when `balance` is omitted (zombienet's default), in planck.
pub const DEFAULT_NODE_BALANCE: u128 = 2_000_000_000_000;
/// `settings.timeout` when omitted: the whole spawn, every stage included.
pub const DEFAULT_SPAWN_TIMEOUT: Duration = Duration::from_secs(300);
/// `settings.local_ip` when omitted.
pub const DEFAULT_LOCAL_IP: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);

impl Readiness {
    /// A stage's timeout when `[settings.readiness]` does not set it.
    pub fn default_timeout(stage: Stage) -> Duration {
        let seconds = match stage {
            Stage::ProcessUp => 10,
            Stage::RpcAnswering => 30,
            Stage::BlocksImporting => 30,
            Stage::FinalityAdvancing => 60,
            Stage::ParaHeadsAdvancing => 90,
        };
        Duration::from_secs(seconds)
    }
}

impl Default for Readiness {
    /// Every stage at its default timeout, waiting for every stage.
    fn default() -> Self {
        let timeouts: BTreeMap<Stage, Duration> =
            Stage::ALL.iter().map(|stage| (*stage, Readiness::default_timeout(*stage))).collect();
        Readiness { timeouts, wait_for: Stage::ParaHeadsAdvancing }
    }
}

impl Default for Settings {
    /// 300 s, native processes, a temporary base directory, 127.0.0.1, default readiness.
    fn default() -> Self {
        Settings {
            timeout: DEFAULT_SPAWN_TIMEOUT,
            provider: Provider::Native,
            base_dir: None,
            local_ip: DEFAULT_LOCAL_IP,
            readiness: Readiness::default(),
        }
    }
}

impl Default for RelayChainConfig {
    /// `atoll-relay`, chain `local`, no extra args, no genesis patch, no nodes.
    fn default() -> Self {
        RelayChainConfig {
            default_command: DEFAULT_RELAY_COMMAND.to_owned(),
            chain: DEFAULT_RELAY_CHAIN.to_owned(),
            chain_spec_path: None,
            default_args: Vec::new(),
            genesis: None,
            nodes: Vec::new(),
        }
    }
}

impl NetworkConfig {
    /// An empty network (default settings and relay chain, no nodes, no paras) whose relative
    /// paths resolve against `definition_dir`.
    pub fn new(definition_dir: impl Into<PathBuf>) -> Self {
        NetworkConfig {
            settings: Settings::default(),
            relaychain: RelayChainConfig::default(),
            parachains: Vec::new(),
            hrmp_channels: Vec::new(),
            definition_dir: definition_dir.into(),
        }
    }
}

impl NodeConfig {
    /// A relay validator named `name` with every default (no command override, no args, no
    /// fixed ports, the default balance).
    pub fn named(name: impl Into<String>) -> Self {
        NodeConfig {
            name: name.into(),
            command: None,
            args: Vec::new(),
            validator: true,
            env: Vec::new(),
            rpc_port: None,
            p2p_port: None,
            prometheus_port: None,
            balance: DEFAULT_NODE_BALANCE,
            group: None,
        }
    }

    /// A collator named `name` with every default (`validator` is false: collators never
    /// validate on the relay chain).
    pub fn collator(name: impl Into<String>) -> Self {
        NodeConfig { validator: false, ..NodeConfig::named(name) }
    }
}

impl ParachainConfig {
    /// Para `id` with every default (`atoll-collator`, chain `token-<id>`, in genesis) and no
    /// collators yet.
    pub fn new(id: ParaId) -> Self {
        ParachainConfig {
            id,
            chain: None,
            chain_spec_path: None,
            default_command: DEFAULT_COLLATOR_COMMAND.to_owned(),
            default_args: Vec::new(),
            add_to_genesis: true,
            genesis_wasm_path: None,
            genesis_state_path: None,
            collators: Vec::new(),
        }
    }
}

impl HrmpChannelConfig {
    /// A channel `sender -> recipient` with the default capacity and message size.
    pub fn new(sender: ParaId, recipient: ParaId) -> Self {
        HrmpChannelConfig {
            sender,
            recipient,
            max_capacity: DEFAULT_HRMP_MAX_CAPACITY,
            max_message_size: DEFAULT_HRMP_MAX_MESSAGE_SIZE,
        }
    }
}

/// Node names as in definitions: spaces become dashes.
fn node_name(name: impl Into<String>) -> String {
    name.into().replace(' ', "-")
}

fn strings<I, S>(items: I) -> Vec<String>
where
    I: IntoIterator<Item = S>,
    S: Into<String>,
{
    items.into_iter().map(Into::into).collect()
}

/// Builds a [`NetworkConfig`] in Rust. Every method takes and returns the builder; nothing is
/// checked until [`NetworkBuilder::build`], which reports every problem at once.
#[derive(Clone, Debug)]
pub struct NetworkBuilder {
    config: NetworkConfig,
}

impl Default for NetworkBuilder {
    fn default() -> Self {
        NetworkBuilder::new()
    }
}

impl NetworkBuilder {
    /// A network with the definition file's defaults; relative paths resolve against the
    /// current directory (`.` if it cannot be read).
    pub fn new() -> Self {
        let current_dir = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
        NetworkBuilder { config: NetworkConfig::new(current_dir) }
    }

    /// The relay chain's `default_command`.
    pub fn relay_command(mut self, command: impl Into<String>) -> Self {
        self.config.relaychain.default_command = command.into();
        self
    }

    /// The relay chain's `chain` (passed to `build-spec --chain`).
    pub fn relay_chain(mut self, chain: impl Into<String>) -> Self {
        self.config.relaychain.chain = chain.into();
        self
    }

    /// The relay chain's `chain_spec_path`: a plain spec to start from.
    pub fn relay_chain_spec_path(mut self, path: impl Into<PathBuf>) -> Self {
        self.config.relaychain.chain_spec_path = Some(path.into());
        self
    }

    /// The relay chain's `default_args`, added to every relay node (replaces earlier ones).
    pub fn relay_default_args<I, S>(mut self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.config.relaychain.default_args = strings(args);
        self
    }

    /// The relay chain's `genesis` patch (a JSON object).
    pub fn genesis_patch(mut self, patch: serde_json::Value) -> Self {
        self.config.relaychain.genesis = Some(patch);
        self
    }

    /// Adds a relay validator with every default.
    pub fn validator(mut self, name: impl Into<String>) -> Self {
        self.config.relaychain.nodes.push(NodeConfig::named(node_name(name)));
        self
    }

    /// Adds a relay node configured by `node` (starting as a validator with every default).
    pub fn with_node(mut self, node: impl FnOnce(NodeBuilder) -> NodeBuilder) -> Self {
        let built = node(NodeBuilder { node: NodeConfig::named("") });
        self.config.relaychain.nodes.push(built.node);
        self
    }

    /// Adds para `id` configured by `para` (starting with every default and no collator).
    pub fn parachain(
        mut self,
        id: u32,
        para: impl FnOnce(ParachainBuilder) -> ParachainBuilder,
    ) -> Self {
        let built = para(ParachainBuilder { para: ParachainConfig::new(ParaId(id)) });
        self.config.parachains.push(built.para);
        self
    }

    /// Adds the HRMP channel `sender -> recipient` with the default capacity (8) and message
    /// size (512).
    pub fn hrmp_channel(mut self, sender: u32, recipient: u32) -> Self {
        let channel = HrmpChannelConfig::new(ParaId(sender), ParaId(recipient));
        self.config.hrmp_channels.push(channel);
        self
    }

    /// Adds the HRMP channel `sender -> recipient` with the given capacity (messages) and
    /// maximum message size (bytes).
    pub fn hrmp_channel_with(
        mut self,
        sender: u32,
        recipient: u32,
        max_capacity: u32,
        max_message_size: u32,
    ) -> Self {
        self.config.hrmp_channels.push(HrmpChannelConfig {
            max_capacity,
            max_message_size,
            ..HrmpChannelConfig::new(ParaId(sender), ParaId(recipient))
        });
        self
    }

    /// `settings.timeout`: the whole spawn.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.config.settings.timeout = timeout;
        self
    }

    /// One readiness stage's timeout.
    pub fn stage_timeout(mut self, stage: Stage, timeout: Duration) -> Self {
        self.config.settings.readiness.timeouts.insert(stage, timeout);
        self
    }

    /// The last readiness stage `spawn` waits for.
    pub fn wait_for(mut self, stage: Stage) -> Self {
        self.config.settings.readiness.wait_for = stage;
        self
    }

    /// `settings.base_dir`: where the network's directory goes.
    pub fn base_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.config.settings.base_dir = Some(dir.into());
        self
    }

    /// `settings.local_ip`: the address nodes listen on.
    pub fn local_ip(mut self, ip: IpAddr) -> Self {
        self.config.settings.local_ip = ip;
        self
    }

    /// The directory relative paths resolve against (default: the current directory).
    pub fn definition_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.config.definition_dir = dir.into();
        self
    }

    /// The network, or every problem [`super::validate::check`] finds in it.
    pub fn build(self) -> Result<NetworkConfig, ConfigErrors> {
        let errors = validate::check(&self.config);
        if errors.is_empty() {
            Ok(self.config)
        } else {
            Err(ConfigErrors(errors))
        }
    }
}

/// Configures one node (a relay node in [`NetworkBuilder::with_node`], a collator in
/// [`ParachainBuilder::with_collator`]).
#[derive(Clone, Debug)]
pub struct NodeBuilder {
    node: NodeConfig,
}

impl NodeBuilder {
    /// The node's name (required; spaces become dashes).
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.node.name = node_name(name);
        self
    }

    /// Overrides the chain's default command.
    pub fn command(mut self, command: impl Into<String>) -> Self {
        self.node.command = Some(command.into());
        self
    }

    /// Extra flags, after the chain's default args (replaces earlier ones).
    pub fn args<I, S>(mut self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.node.args = strings(args);
        self
    }

    /// Whether a relay node validates (default true; ignored for collators).
    pub fn validator(mut self, validator: bool) -> Self {
        self.node.validator = validator;
        self
    }

    /// Adds an environment variable.
    pub fn env(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.node.env.push((name.into(), value.into()));
        self
    }

    /// A fixed JSON-RPC port.
    pub fn rpc_port(mut self, port: u16) -> Self {
        self.node.rpc_port = Some(port);
        self
    }

    /// A fixed libp2p port.
    pub fn p2p_port(mut self, port: u16) -> Self {
        self.node.p2p_port = Some(port);
        self
    }

    /// A fixed Prometheus port.
    pub fn prometheus_port(mut self, port: u16) -> Self {
        self.node.prometheus_port = Some(port);
        self
    }

    /// The node account's genesis balance in planck (relay nodes).
    pub fn balance(mut self, balance: u128) -> Self {
        self.node.balance = balance;
        self
    }
}

/// Configures one para in [`NetworkBuilder::parachain`].
#[derive(Clone, Debug)]
pub struct ParachainBuilder {
    para: ParachainConfig,
}

impl ParachainBuilder {
    /// Adds a collator with every default.
    pub fn collator(mut self, name: impl Into<String>) -> Self {
        self.para.collators.push(NodeConfig::collator(node_name(name)));
        self
    }

    /// Adds a collator configured by `node`.
    pub fn with_collator(mut self, node: impl FnOnce(NodeBuilder) -> NodeBuilder) -> Self {
        let built = node(NodeBuilder { node: NodeConfig::collator("") });
        self.para.collators.push(NodeConfig { validator: false, ..built.node });
        self
    }

    /// The collators' `--chain` (default `token-<id>`; exclusive with `chain_spec_path`).
    pub fn chain(mut self, chain: impl Into<String>) -> Self {
        self.para.chain = Some(chain.into());
        self
    }

    /// A para chain spec file passed as `--chain` (exclusive with `chain`).
    pub fn chain_spec_path(mut self, path: impl Into<PathBuf>) -> Self {
        self.para.chain_spec_path = Some(path.into());
        self
    }

    /// The collators' default command (default `atoll-collator`).
    pub fn default_command(mut self, command: impl Into<String>) -> Self {
        self.para.default_command = command.into();
        self
    }

    /// Flags added to every collator of the para (replaces earlier ones).
    pub fn default_args<I, S>(mut self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.para.default_args = strings(args);
        self
    }

    /// Whether the para is registered in the relay genesis (default true).
    pub fn add_to_genesis(mut self, add: bool) -> Self {
        self.para.add_to_genesis = add;
        self
    }

    /// The validation code file instead of `export-genesis-wasm`.
    pub fn genesis_wasm_path(mut self, path: impl Into<PathBuf>) -> Self {
        self.para.genesis_wasm_path = Some(path.into());
        self
    }

    /// The genesis head file instead of `export-genesis-head`.
    pub fn genesis_state_path(mut self, path: impl Into<PathBuf>) -> Self {
        self.para.genesis_state_path = Some(path.into());
        self
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use serde_json::json;

    use super::super::error::ConfigError;
    use super::*;

    #[test]
    fn builds_a_network_with_defaults() {
        let network = NetworkBuilder::new()
            .validator("alice")
            .with_node(|n| n.name("bob").validator(false).args(["--log", "debug"]))
            .parachain(2000, |p| p.collator("c1"))
            .build()
            .unwrap();
        assert_eq!(network.settings, Settings::default());
        assert_eq!(network.relaychain.default_command, "atoll-relay");
        assert_eq!(network.relaychain.chain, "local");
        assert_eq!(network.relaychain.nodes[0], NodeConfig::named("alice"));
        let bob = &network.relaychain.nodes[1];
        assert!(!bob.validator);
        assert_eq!(bob.args, vec!["--log", "debug"]);
        assert_eq!(bob.balance, DEFAULT_NODE_BALANCE);
        let para = &network.parachains[0];
        assert_eq!(para.id, ParaId(2000));
        assert_eq!(para.default_command, "atoll-collator");
        assert_eq!(para.chain_arg(), "token-2000");
        assert!(para.add_to_genesis);
        assert_eq!(para.collators, vec![NodeConfig::collator("c1")]);
        assert_eq!(network.definition_dir, std::env::current_dir().unwrap());
    }

    #[test]
    fn every_setter_lands_in_the_model() {
        let network = NetworkBuilder::new()
            .relay_command("/bin/relay")
            .relay_chain("dev")
            .relay_chain_spec_path("relay.json")
            .relay_default_args(["-lruntime=debug"])
            .genesis_patch(json!({ "configuration": { "config": { "needed_approvals": 1 } } }))
            .with_node(|n| {
                n.name("alice one")
                    .command("/bin/other")
                    .env("RUST_LOG", "info")
                    .rpc_port(9944)
                    .p2p_port(30333)
                    .prometheus_port(9615)
                    .balance(7)
            })
            .parachain(2000, |p| {
                p.with_collator(|n| n.name("c1").validator(true).args(["--x"]))
                    .chain("token-2000")
                    .default_command("/bin/collator")
                    .default_args(["--y"])
                    .add_to_genesis(false)
                    .genesis_wasm_path("code.wasm")
                    .genesis_state_path("head.hex")
            })
            .parachain(2001, |p| p.collator("c2").chain_spec_path("para.json"))
            .hrmp_channel_with(2000, 2001, 4, 1024)
            .hrmp_channel(2001, 2000)
            .timeout(Duration::from_secs(100))
            .stage_timeout(Stage::BlocksImporting, Duration::from_secs(5))
            .wait_for(Stage::BlocksImporting)
            .base_dir("/tmp/nets")
            .local_ip("0.0.0.0".parse().unwrap())
            .definition_dir("/defs")
            .build()
            .unwrap();
        let relay = &network.relaychain;
        assert_eq!(relay.default_command, "/bin/relay");
        assert_eq!(relay.chain, "dev");
        assert_eq!(relay.chain_spec_path, Some(PathBuf::from("relay.json")));
        assert_eq!(relay.default_args, vec!["-lruntime=debug"]);
        assert!(relay.genesis.is_some());
        let alice = &relay.nodes[0];
        assert_eq!(alice.name, "alice-one");
        assert_eq!(alice.command.as_deref(), Some("/bin/other"));
        assert_eq!(alice.env, vec![("RUST_LOG".to_owned(), "info".to_owned())]);
        assert_eq!(
            (alice.rpc_port, alice.p2p_port, alice.prometheus_port),
            (Some(9944), Some(30333), Some(9615))
        );
        assert_eq!(alice.balance, 7);
        let para = &network.parachains[0];
        assert!(!para.collators[0].validator);
        assert_eq!(para.collators[0].args, vec!["--x"]);
        assert_eq!(para.default_command, "/bin/collator");
        assert_eq!(para.default_args, vec!["--y"]);
        assert!(!para.add_to_genesis);
        assert_eq!(para.genesis_wasm_path, Some(PathBuf::from("code.wasm")));
        assert_eq!(para.genesis_state_path, Some(PathBuf::from("head.hex")));
        assert_eq!(network.parachains[1].chain_arg(), "para.json");
        assert_eq!(network.hrmp_channels[0].max_capacity, 4);
        assert_eq!(network.hrmp_channels[0].max_message_size, 1024);
        assert_eq!(network.hrmp_channels[1], HrmpChannelConfig::new(ParaId(2001), ParaId(2000)));
        let settings = &network.settings;
        assert_eq!(settings.timeout, Duration::from_secs(100));
        assert_eq!(settings.readiness.timeout(Stage::BlocksImporting), Duration::from_secs(5));
        assert_eq!(settings.readiness.timeout(Stage::ProcessUp), Duration::from_secs(10));
        assert_eq!(settings.readiness.wait_for, Stage::BlocksImporting);
        assert_eq!(settings.base_dir, Some(PathBuf::from("/tmp/nets")));
        assert_eq!(settings.local_ip.to_string(), "0.0.0.0");
        assert_eq!(network.definition_dir, PathBuf::from("/defs"));
    }

    #[test]
    fn build_reports_every_problem() {
        let errors = NetworkBuilder::new()
            .with_node(|n| n.name("alice").validator(false))
            .with_node(|n| n.validator(false))
            .parachain(2000, |p| p.collator("alice"))
            .parachain(2000, |p| p)
            .hrmp_channel(2000, 3000)
            .build()
            .unwrap_err();
        assert_eq!(
            errors.0,
            vec![
                ConfigError::NoValidator { path: "relaychain.nodes".into() },
                ConfigError::DuplicateParaId {
                    path: "parachains[1].id".into(),
                    id: 2000,
                    first: "parachains[0]".into()
                },
                ConfigError::NoCollator { path: "parachains[1]".into(), id: 2000 },
                ConfigError::Invalid {
                    path: "relaychain.nodes[1].name".into(),
                    reason: "a node needs a non-empty name".into()
                },
                ConfigError::DuplicateName {
                    path: "parachains[0].collators[0].name".into(),
                    name: "alice".into(),
                    first: "relaychain.nodes[0]".into()
                },
                ConfigError::UnknownPara { path: "hrmp_channels[0].recipient".into(), id: 3000 },
            ]
        );
        assert!(errors.to_string().starts_with("6 errors in the network definition:\n  - "));
    }

    #[test]
    fn defaults_match_the_documented_values() {
        let readiness = Readiness::default();
        let seconds: Vec<u64> =
            Stage::ALL.iter().map(|stage| readiness.timeout(*stage).as_secs()).collect();
        assert_eq!(seconds, vec![10, 30, 30, 60, 90]);
        assert_eq!(readiness.wait_for, Stage::ParaHeadsAdvancing);
        let settings = Settings::default();
        assert_eq!(settings.timeout, Duration::from_secs(300));
        assert_eq!(settings.local_ip, IpAddr::V4(Ipv4Addr::LOCALHOST));
        assert_eq!(settings.provider, Provider::Native);
    }
}
