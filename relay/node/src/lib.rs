//! # atoll-relay
//!
//! The relay-chain node: the pure state machines of `atoll-node-core` (blocks, finality, sync)
//! and `atoll-parachain-host` (backing, availability, approvals, disputes) driven by real I/O —
//! libp2p (`atoll-network`), sled, the wasmtime PVF host, JSON-RPC and Prometheus
//! (`atoll-rpc`) — behind a Polkadot-style command line. The `atoll-collator` binary embeds it
//! as its relay node through [`service::Follower`].
//!
//! ## Bird's-eye view, in the order the types are used
//!
//! - [`cli::Cli`] / [`cli::RunArgs`]: the flags; [`command`] turns them into a
//!   [`service::ServiceConfig`] and carries out the subcommands (`key`, `build-spec`,
//!   `purge-chain`).
//! - [`store::Store`]: the sled database, atomic batches, checksummed values.
//! - [`service::start`]: restores the state machines from the store, starts the network, RPC
//!   and metrics, and spawns the event loop around [`service::NodeShell`].
//! - [`wire`]: which message goes on which gossip topic or request-response protocol, and the
//!   authority records.
//! - [`rpc`]: the standard JSON-RPC methods and `paras_*`.
//! - [`informant`]: the periodic status line.
//! - [`testnet`]: spawning nodes as processes for this crate's multi-process tests and network
//!   benchmark, and the JSON-RPC/HTTP client the load generator and `zombienet` use (networks
//!   for users are `zombienet spawn`'s).
//!
//! ## Rules (numbered; the code cites them)
//!
//! 1. Every write the state machines ask for is applied as one atomic sled batch.
//! 2. A `Flush` makes every earlier write durable before the next action is carried out (so a
//!    finality vote is never sent before the voter state that justifies it is on disk).
//! 3. Opening the database checks every value's checksum and the chain it was made for; a
//!    stored chain that does not replay, or a value that fails, stops the start with the key
//!    named. Nothing is deleted to repair it, and a refused write stops the node.
//! 4. Broadcasts go on gossip topics (blocks and status; finality votes and justifications;
//!    statements; bitfields; assignments and approvals; dispute votes), or directly to every
//!    peer when larger than the gossip cap.
//! 5. Directed messages travel on request-response protocols: sync requests, PoV and chunk
//!    fetches get their answer on the reply; collations and everything else get an empty
//!    acknowledgement.
//! 6. Every inbound payload is size-bounded and decoded with limits, and must belong to the
//!    topic or protocol it came on; otherwise its sender is penalised (disconnected and banned
//!    for a while). Bad signatures found by the state machines penalise the sender too.
//! 7. Validators sign and gossip an authority record (validator key → network peer) every 2 s;
//!    messages for "validator i" go to the peer its record names.
//! 8. The parachain host sees every imported relay block; after a restart it is told about the
//!    unfinalized part of the best chain and the finalized block.
//! 9. PVF executions run off the event loop (blocking threads); their code comes from the
//!    relay parent's state, and a failure to load it is an internal error, never `Invalid`.

pub mod cli;
pub mod clock;
pub mod command;
pub mod informant;
pub mod logging;
pub mod rpc;
pub mod service;
pub mod store;
pub mod testnet;
pub mod wire;
