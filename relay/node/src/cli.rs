//! The command line, in Polkadot's style: the node's flags (shared with the relay node a
//! collator embeds, given after `--`) and the subcommands.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// `atoll-relay`: an Atoll relay-chain validator or full node.
#[derive(Debug, Parser)]
#[command(name = "atoll-relay", version, about = "Atoll relay-chain node (validator or full node)")]
pub struct Cli {
    /// A subcommand; without one, the node runs.
    #[command(subcommand)]
    pub command: Option<Command>,
    /// The node's flags.
    #[command(flatten)]
    pub run: RunArgs,
}

/// The node's flags.
#[derive(Debug, Clone, Args)]
pub struct RunArgs {
    /// Chain to run: `dev`, `local`, or the path of a chain spec file.
    #[arg(long, value_name = "CHAIN_SPEC")]
    pub chain: Option<String>,
    /// Development mode: `--chain dev --alice --tmp`.
    #[arg(long)]
    pub dev: bool,
    /// Run as a validator (needs a key: `--alice` ... `--ferdie`, or `key insert`).
    #[arg(long)]
    pub validator: bool,
    /// Data directory: `chains/<id>/db`, `chains/<id>/network`, `chains/<id>/keystore`,
    /// `chains/<id>/pvf-artifacts`.
    #[arg(long, short = 'd', value_name = "PATH", conflicts_with = "tmp")]
    pub base_path: Option<PathBuf>,
    /// Use a temporary data directory, deleted on exit.
    #[arg(long)]
    pub tmp: bool,
    /// The node's human-readable name.
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,
    /// libp2p TCP port.
    #[arg(long, value_name = "PORT")]
    pub port: Option<u16>,
    /// Listen on this multiaddress instead (repeatable).
    #[arg(long, value_name = "MULTIADDR")]
    pub listen_addr: Vec<String>,
    /// JSON-RPC port (HTTP and WebSocket).
    #[arg(long, value_name = "PORT")]
    pub rpc_port: Option<u16>,
    /// Listen for RPC on all interfaces, not only localhost.
    #[arg(long)]
    pub rpc_external: bool,
    /// Do not start the RPC server.
    #[arg(long)]
    pub no_rpc: bool,
    /// Prometheus exporter port.
    #[arg(long, value_name = "PORT")]
    pub prometheus_port: Option<u16>,
    /// Expose Prometheus on all interfaces.
    #[arg(long)]
    pub prometheus_external: bool,
    /// Do not start the Prometheus exporter.
    #[arg(long)]
    pub no_prometheus: bool,
    /// Bootnodes: `/ip4/127.0.0.1/tcp/30333/p2p/<PeerId>` (repeatable).
    #[arg(long, value_name = "ADDR", num_args = 1..)]
    pub bootnodes: Vec<String>,
    /// The libp2p identity: 32 bytes of ed25519 secret, hex.
    #[arg(long, value_name = "KEY")]
    pub node_key: Option<String>,
    /// Shortcut for `--name Alice --validator` with //Alice's key.
    #[arg(long)]
    pub alice: bool,
    /// Shortcut for `--name Bob --validator` with //Bob's key.
    #[arg(long)]
    pub bob: bool,
    /// Shortcut for `--name Charlie --validator` with //Charlie's key.
    #[arg(long)]
    pub charlie: bool,
    /// Shortcut for `--name Dave --validator` with //Dave's key.
    #[arg(long)]
    pub dave: bool,
    /// Shortcut for `--name Eve --validator` with //Eve's key.
    #[arg(long)]
    pub eve: bool,
    /// Shortcut for `--name Ferdie --validator` with //Ferdie's key.
    #[arg(long)]
    pub ferdie: bool,
    /// Log filters: `-l sync=debug,parachain=trace` or a bare level (repeatable).
    #[arg(long = "log", short = 'l', value_name = "FILTER")]
    pub log: Vec<String>,
}

impl RunArgs {
    /// The dev account named by `--alice` ... `--ferdie`, if any.
    pub fn dev_account(&self) -> Option<&'static str> {
        [
            (self.alice, "Alice"),
            (self.bob, "Bob"),
            (self.charlie, "Charlie"),
            (self.dave, "Dave"),
            (self.eve, "Eve"),
            (self.ferdie, "Ferdie"),
        ]
        .into_iter()
        .find(|(on, _)| *on)
        .map(|(_, name)| name)
        .or(if self.dev { Some("Alice") } else { None })
    }

    /// The chain to run (`--dev` implies `dev`).
    pub fn chain_id(&self) -> String {
        self.chain.clone().unwrap_or_else(|| if self.dev { "dev".into() } else { "local".into() })
    }
}

/// The relay-node flags alone (what a collator passes after `--`).
#[derive(Debug, Parser)]
#[command(name = "relay-chain-node", no_binary_name = true)]
pub struct EmbeddedRelayArgs {
    /// The node's flags.
    #[command(flatten)]
    pub run: RunArgs,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Key utilities.
    #[command(subcommand)]
    Key(KeyCommand),
    /// Print a chain spec as JSON.
    BuildSpec {
        /// The chain: `dev`, `local` or a path.
        #[arg(long)]
        chain: Option<String>,
        /// Print the raw form (the genesis state itself).
        #[arg(long)]
        raw: bool,
    },
    /// Delete the chain's database.
    PurgeChain {
        /// The chain: `dev`, `local` or a path.
        #[arg(long)]
        chain: Option<String>,
        /// The data directory.
        #[arg(long, short = 'd')]
        base_path: Option<PathBuf>,
        /// Do not ask for confirmation.
        #[arg(short = 'y')]
        yes: bool,
    },
}

/// `key` subcommands.
#[derive(Debug, Clone, Subcommand)]
pub enum KeyCommand {
    /// Generate a new sr25519 key: its secret seed, public key and SS58 address.
    Generate {
        /// SS58 prefix of the printed address.
        #[arg(long, default_value_t = 42)]
        network: u16,
        /// Print JSON.
        #[arg(long)]
        output_json: bool,
    },
    /// Show the public key and SS58 address of a secret URI (`//Alice`, `0x<seed>`) or an
    /// SS58 address.
    Inspect {
        /// The secret URI or address.
        uri: String,
        /// SS58 prefix of the printed address.
        #[arg(long, default_value_t = 42)]
        network: u16,
        /// Print JSON.
        #[arg(long)]
        output_json: bool,
    },
    /// Store a validator's secret URI in the node's keystore (`chains/<id>/keystore`).
    Insert {
        /// The secret URI.
        #[arg(long)]
        suri: String,
        /// The chain.
        #[arg(long)]
        chain: Option<String>,
        /// The data directory.
        #[arg(long, short = 'd')]
        base_path: Option<PathBuf>,
    },
    /// Generate a libp2p node key; prints its PeerId on stderr and the key (hex) on stdout.
    GenerateNodeKey,
    /// Print the PeerId of a node key (hex).
    InspectNodeKey {
        /// The key, hex.
        key: String,
    },
}
