//! What the node hands the RPC server: static facts ([`SystemInfo`]), a live view of the chain
//! ([`ChainBackend`]) and, for the HTTP probes, a [`HealthSource`].

use std::sync::Arc;

use crate::error::BackendError;

/// A 32-byte block hash (or extrinsic hash).
pub type Hash32 = [u8; 32];

/// Static facts answered by the `system_*` methods.
#[derive(Clone, Debug)]
pub struct SystemInfo {
    /// The node's name (`system_name`), e.g. "atoll-relay".
    pub name: String,
    /// The node's version (`system_version`).
    pub version: String,
    /// The chain spec's name (`system_chain`).
    pub chain: String,
    /// The chain spec's type (`system_chainType`), e.g. "Development" or "Live".
    pub chain_type: String,
    /// The chain spec's properties (`system_properties`), e.g. token symbol and decimals.
    pub properties: serde_json::Value,
    /// The node's roles (`system_nodeRoles`), e.g. `["AUTHORITY"]` or `["FULL"]`.
    pub roles: Vec<String>,
}

/// The answer of `system_health` and `GET /health`.
#[derive(Clone, Debug, serde::Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Health {
    /// Connected peers.
    pub peers: usize,
    /// Whether the node is major-syncing (far behind the network).
    pub is_syncing: bool,
    /// Whether the node is expected to have peers (false for a lone dev node).
    pub should_have_peers: bool,
}

impl Health {
    /// Whether the node is ready to serve: not major-syncing, and connected unless it is not
    /// expected to have peers (rule 3).
    pub fn is_ready(&self) -> bool {
        !self.is_syncing && (self.peers > 0 || !self.should_have_peers)
    }
}

/// One connected peer as `system_peers` lists it.
#[derive(Clone, Debug, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PeerInfo {
    /// The peer's libp2p id (base58).
    pub peer_id: String,
    /// The peer's roles, e.g. "AUTHORITY" or "FULL".
    pub roles: String,
    /// The peer's best block hash, `0x`-hex.
    pub best_hash: String,
    /// The peer's best block number.
    pub best_number: u64,
}

/// What the node gives the RPC server. Implementations must be cheap and non-blocking-ish (they
/// lock the node state briefly): the methods are called on the server's connection tasks.
pub trait ChainBackend: Send + Sync + 'static {
    /// The node's health (`system_health`, `GET /health`).
    fn health(&self) -> Health;
    /// The connected peers (`system_peers`).
    fn peers(&self) -> Vec<PeerInfo>;
    /// The node's own libp2p id (`system_localPeerId`).
    fn local_peer_id(&self) -> String;
    /// Header JSON in Substrate's shape (`{parentHash, number: "0x..", stateRoot,
    /// extrinsicsRoot, digest: {logs: []}}`) of `at` or of the best block; `None` for an
    /// unknown block.
    fn header(&self, at: Option<Hash32>) -> Result<Option<serde_json::Value>, BackendError>;
    /// `{block: {header, extrinsics: ["0x.."]}, justifications: null|[..]}` of `at` or of the
    /// best block; `None` for an unknown block.
    fn block(&self, at: Option<Hash32>) -> Result<Option<serde_json::Value>, BackendError>;
    /// Hash of the best-chain block at `number` (None: the best block); `None` if the best chain
    /// is shorter.
    fn block_hash(&self, number: Option<u64>) -> Result<Option<Hash32>, BackendError>;
    /// Hash of the last finalized block.
    fn finalized_head(&self) -> Hash32;
    /// The storage value at `key` in the state of `at` or of the best block; `None` if absent.
    fn storage(&self, key: &[u8], at: Option<Hash32>) -> Result<Option<Vec<u8>>, BackendError>;
    /// Hands a SCALE-encoded extrinsic to the transaction pool; returns its hash.
    fn submit_extrinsic(&self, extrinsic: Vec<u8>) -> Result<Hash32, BackendError>;
    /// A receiver of header JSONs for every new best block.
    fn subscribe_new_heads(&self) -> tokio::sync::broadcast::Receiver<serde_json::Value>;
    /// A receiver of header JSONs for every newly finalized block.
    fn subscribe_finalized_heads(&self) -> tokio::sync::broadcast::Receiver<serde_json::Value>;
}

/// Where the HTTP probes (`GET /health`, `GET /health/readiness`) read the node's health.
///
/// Every [`ChainBackend`] is one; a node holding only an `Arc<dyn ChainBackend>` turns it into an
/// `Arc<dyn HealthSource>` with [`health_source`].
pub trait HealthSource: Send + Sync + 'static {
    /// The node's current health.
    fn health(&self) -> Health;
}

impl<T: ChainBackend + ?Sized> HealthSource for T {
    fn health(&self) -> Health {
        ChainBackend::health(self)
    }
}

/// The health of a shared backend, as the `Arc<dyn HealthSource>` [`crate::start_rpc`] takes.
pub fn health_source(backend: Arc<dyn ChainBackend>) -> Arc<dyn HealthSource> {
    Arc::new(BackendHealth(backend))
}

/// Adapter behind [`health_source`].
struct BackendHealth(Arc<dyn ChainBackend>);

impl HealthSource for BackendHealth {
    fn health(&self) -> Health {
        self.0.health()
    }
}
