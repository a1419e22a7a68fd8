//! # atoll-sim
//!
//! The deterministic network simulator (DESIGN.md, principle 2): the same pure state machines
//! that run in the real binaries run here against virtual time, a lossy, partitionable network
//! and crashing storage, with seeded randomness, so that a scenario run twice with one seed
//! produces the same event log hash.
//!
//! ## Bird's-eye view, in the order a scenario uses it
//!
//! - [`SimNode`]: what a simulated node implements: react to start, messages and timers through
//!   a [`Ctx`] (the current time, its own seeded RNG, its [`SimStore`], and outboxes).
//! - [`Network`] and [`LinkProfile`]: latency, jitter and loss per link, partitions.
//! - [`SimStore`]: the node's storage; writes are buffered until `flush`, and a crash loses
//!   whatever was not flushed.
//! - [`Simulation`]: the event queue in virtual time; `run_until`, `crash`, `restart`,
//!   `partition`, `heal`.
//! - [`EventLog`]: every delivery, timer, crash and note, folded into one blake2b hash.
//! - [`relay_node::RelaySimNode`]: `atoll-node-core`'s relay node as a [`SimNode`], honest or
//!   one of the named byzantine stand-ins ([`relay_node::Behaviour`]: silent validator,
//!   equivocating author, equivocating finality voter).
//! - [`relay_net::RelayNet`]: a relay network of validators with scenario controls and the
//!   invariant checks every scenario runs.
//! - [`para_node::ParaSimNode`]: a validator (relay node + parachain host, with PVF executions
//!   in the real wasmtime host charged as virtual time) or a collator (a following relay node
//!   building its para's blocks in Wasm), honest or a named byzantine stand-in.
//! - [`para_net::ParaNet`]: the whole parachain pipeline over a relay network, with the
//!   pipeline's invariants.
//!
//! ## Rules (numbered; the code cites them)
//!
//! 1. Events are ordered by (virtual time, sequence number); nothing depends on wall time or on
//!    hash map iteration order.
//! 2. All randomness (latency jitter, loss, each node's RNG) comes from ChaCha streams seeded
//!    from the scenario seed and the node id.
//! 3. A message is delivered after `base + U[0, jitter]` ms unless the link drops it (loss) or
//!    the endpoints are in different partition groups at send time or either is down at
//!    delivery time.
//! 4. A crashed node receives nothing and its timers are cancelled; its store keeps only
//!    flushed writes; `restart` rebuilds the node from that store.
//! 5. Every handled event is appended to the event log as `(time, node, kind, digest)`.

mod engine;
mod event_log;
mod network;
mod node;
pub mod para_net;
pub mod para_node;
pub mod relay_net;
pub mod relay_node;
mod store;

pub use engine::{NodeStatus, SimConfig, Simulation};
pub use event_log::{EventKind, EventLog};
pub use network::{LinkProfile, Network};
pub use node::{Ctx, NodeId, SimNode};
pub use store::SimStore;
