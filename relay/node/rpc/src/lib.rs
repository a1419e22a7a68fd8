//! The JSON-RPC server (HTTP and WebSocket on one port), the `/health` and `/health/readiness`
//! endpoints, and the Prometheus exporter shared by Atoll's relay node (`atoll-relay`) and
//! collator (`atoll-collator`).
//!
//! The crate knows nothing about blocks: a [`ChainBackend`] hands it header and block JSON in
//! Substrate's shapes, hashes and bytes, and the server speaks Substrate's legacy method names
//! (research/ecosystem.md §1.9), so polkadot.js, scripts, Kubernetes probes (§1.8) and Grafana
//! dashboards (§1.7) work unchanged.
//!
//! # Bird's-eye view, in the order a node uses it
//!
//! - [`SystemInfo`] (static facts) and a [`ChainBackend`] (the node's live view) go into
//!   [`core_module`], which returns the standard methods as a [`jsonrpsee::RpcModule`]:
//!   `system_health`, `system_name`, `system_version`, `system_chain`, `system_chainType`,
//!   `system_properties`, `system_nodeRoles`, `system_peers`, `system_localPeerId`,
//!   `chain_getHeader`, `chain_getBlock`, `chain_getBlockHash` (alias `chain_getHead`),
//!   `chain_getFinalizedHead` (alias `chain_getFinalisedHead`), `chain_subscribeNewHeads` /
//!   `chain_unsubscribeNewHeads` (aliases `chain_subscribeNewHead`, `subscribe_newHead` and
//!   their unsubscribes; notifications `chain_newHead`), `chain_subscribeFinalizedHeads` /
//!   `chain_unsubscribeFinalizedHeads` (alias `…FinalisedHeads`; notifications
//!   `chain_finalizedHead`), `state_getStorage` (alias `state_getStorageAt`),
//!   `author_submitExtrinsic` and `rpc_methods`.
//! - The node merges its own methods (e.g. `paras_*`) into that module, built with the helpers
//!   [`params`] (hex parameters), [`error_object`] ([`BackendError`] to a JSON-RPC error) and
//!   [`pipe_subscription`] (a broadcast channel into a subscription).
//! - [`start_rpc`] (or [`start_rpc_with_metrics`]) serves the module under an [`RpcConfig`],
//!   answering the health probes from a [`HealthSource`] (every `ChainBackend` is one; see
//!   [`health_source`] for an `Arc<dyn ChainBackend>`), and returns an [`RpcServer`].
//! - [`metrics::NodeMetrics`] holds every exported metric; the node updates it with typed
//!   methods, and [`metrics::start_metrics`] serves it on `GET /metrics`
//!   ([`metrics::MetricsServer`]).
//!
//! # Rules
//!
//! 1. Every parameter is parsed strictly, by position (named parameters and extra parameters are
//!    refused): hashes are `0x` + 64 hex digits, bytes are `0x` + an even number of hex digits,
//!    block numbers are JSON integers or `0x`-hex that fits in 64 bits; an absent or `null`
//!    optional block hash means the best block. Binary results are lower-case `0x`-hex. A
//!    malformed parameter is a JSON-RPC "invalid params" error naming what is wrong.
//! 2. `GET /health` on the JSON-RPC port always answers 200 with the `system_health` JSON
//!    `{"peers":N,"isSyncing":b,"shouldHavePeers":b}`.
//! 3. `GET /health/readiness` answers 200 when the node is not major-syncing and has a peer or
//!    is not expected to have any (`!isSyncing && (peers > 0 || !shouldHavePeers)`), else 500;
//!    the body is the same JSON.
//! 4. A [`BackendError`] becomes a JSON-RPC error whose message is the error's text and whose
//!    code is fixed by its kind ([`error::codes`]). No request can make the server panic.
//! 5. A head subscription first sends the current head (best, or finalized), then every header
//!    the backend broadcasts; a subscriber that lags skips what it missed, and the subscription
//!    ends when the caller unsubscribes or disconnects or the backend closes the channel.
//! 6. `rpc_methods` answers `{"methods": [...]}`, every method name of the served module (aliases
//!    and `rpc_methods` included) sorted; [`start_rpc`] rebuilds it from the final merged module.
//! 7. Metrics carry Substrate's exact names and the constant label `chain="<chain id>"`;
//!    counters are registered without `_total`, which the OpenMetrics encoder appends.
//! 8. The exporter answers `GET /metrics` with the OpenMetrics text exposition (ending in
//!    `# EOF`) and 404 for any other path.

mod backend;
mod core_methods;
pub mod error;
mod health;
pub mod metrics;
pub mod params;
mod request_metrics;
mod server;
mod subscription;

pub use backend::{
    health_source, ChainBackend, Hash32, Health, HealthSource, PeerInfo, SystemInfo,
};
pub use core_methods::core_module;
pub use error::{error_object, BackendError, RpcError};
pub use health::{HealthLayer, HealthService, HEALTH_PATH, READINESS_PATH};
pub use metrics::{start_metrics, MetricsServer, NodeMetrics};
pub use server::{start_rpc, start_rpc_with_metrics, RpcConfig, RpcServer};
pub use subscription::pipe_subscription;
