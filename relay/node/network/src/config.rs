//! [`NetworkConfig`]: who the node is, where it listens, whom it dials first, and the limits.

use std::time::Duration;

use libp2p::{identity::Keypair, Multiaddr};

/// Everything [`start`](crate::start) needs. Build it with [`NetworkConfig::new`] and adjust the
/// public fields.
#[derive(Clone, Debug)]
pub struct NetworkConfig {
    /// The node identity (ed25519); its public key is the node's [`PeerId`](crate::PeerId).
    pub keypair: Keypair,
    /// Addresses to listen on, e.g. `/ip4/127.0.0.1/tcp/30333`; port 0 picks a free port (see
    /// [`NetworkEvent::Listening`](crate::NetworkEvent::Listening)).
    pub listen_addresses: Vec<Multiaddr>,
    /// Peers dialled at start, each address ending in `/p2p/<PeerId>`. While one is not
    /// connected it is re-dialled every [`redial_interval`](Self::redial_interval) (rule 6).
    pub bootnodes: Vec<Multiaddr>,
    /// Namespace of every topic and protocol: `"<prefix>/<name>/1"`. Must start with `/`,
    /// e.g. `"/atoll/local_testnet"`. Nodes with different prefixes do not understand each other.
    pub protocol_prefix: String,
    /// Sent to peers by identify, e.g. `"atoll-relay/0.1.0"`.
    pub agent_version: String,
    /// The largest gossip payload, in bytes; larger publications are refused locally. The
    /// gossipsub frame limit is this plus a fixed allowance for the signed envelope.
    pub max_gossip_size: usize,
    /// How long an outbound request waits for its response (and an inbound one for ours).
    pub request_timeout: Duration,
    /// How long a penalised peer stays blocked (rule 5).
    pub ban_duration: Duration,
    /// How often a disconnected bootnode is re-dialled (rule 6).
    pub redial_interval: Duration,
    /// The gossipsub heartbeat (mesh maintenance); short for small test networks.
    pub gossip_heartbeat: Duration,
    /// Announce our listen addresses to the network and dial the peers heard of that way, so
    /// that nodes which only know a common bootnode still connect to each other (rule 7).
    /// Default `true`; turn it off to keep a hand-made topology (e.g. a line of nodes).
    pub discovery: bool,
}

impl NetworkConfig {
    /// The default gossip payload limit, in bytes.
    pub const DEFAULT_MAX_GOSSIP_SIZE: usize = 65_536;

    /// A configuration with the defaults: no listen addresses, no bootnodes,
    /// `max_gossip_size` 65 536 bytes, `request_timeout` 10 s, `ban_duration` 60 s,
    /// `redial_interval` 2 s, `gossip_heartbeat` 200 ms, discovery on, agent version
    /// `"atoll/<crate version>"`.
    pub fn new(keypair: Keypair, protocol_prefix: impl Into<String>) -> Self {
        NetworkConfig {
            keypair,
            listen_addresses: Vec::new(),
            bootnodes: Vec::new(),
            protocol_prefix: protocol_prefix.into(),
            agent_version: format!("atoll/{}", env!("CARGO_PKG_VERSION")),
            max_gossip_size: Self::DEFAULT_MAX_GOSSIP_SIZE,
            request_timeout: Duration::from_secs(10),
            ban_duration: Duration::from_secs(60),
            redial_interval: Duration::from_secs(2),
            gossip_heartbeat: Duration::from_millis(200),
            discovery: true,
        }
    }
}
