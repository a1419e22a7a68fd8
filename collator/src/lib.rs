//! # atoll-collator
//!
//! The collator of an Atoll parachain. This crate is the library part (the binary of the same
//! name drives it): it keeps the para's Merkle state, takes transactions from a pool, builds
//! blocks by running the para's runtime **in Wasm** through the same wasmtime host validators
//! use (`atoll-pvf`), and produces the block, the PoV (block + storage proof) and the candidate
//! commitments.
//!
//! ## Bird's-eye view, in the order the types are used
//!
//! - [`TransactionPool`]: submitted extrinsics, bounded, deduplicated, in arrival order.
//! - [`BuildingState`]: the storage host functions of the runtime while it builds a block: a
//!   write overlay over the para's [`atoll_trie::StateDb`], recording every trie node read or
//!   touched, which becomes the PoV's storage proof.
//! - [`ParaNode`]: the para's state and head; [`ParaNode::build_block`] produces a
//!   [`Collation`].
//! - [`CollationGenerator`]: the collator protocol: follows relay blocks
//!   ([`RelayParentView`]), builds on the para's recorded head and addresses the collation to
//!   the assigned backing group (its own rules, in its module docs).
//! - [`para_spec::ParaSpec`]: which para a collator runs (built-in `token-<id>` or a file).
//! - [`service`]: the networked collator: the para's blocks persisted in sled, the hook the
//!   embedded relay node (`atoll-relay`'s service) calls on each new relay block, the para's
//!   JSON-RPC.
//! - [`load`]: the load generator behind `atoll-collator load`.
//! - [`demo`]: the local demo behind `atoll-collator demo` (blocks of transfers, each PoV
//!   validated by `atoll-pvf`).
//!
//! ## Building a block (numbered steps; the code cites them)
//!
//! 1. Move the state into a [`BuildingState`] and instantiate the runtime for building.
//! 2. `initialize_block` on the current head with the relay parent.
//! 3. `apply_extrinsic` for each pooled transaction in order: applied ones enter the block,
//!    refused ones are dropped (a nonce from the future goes back to the pool).
//! 4. `finalize_block` with the hashes of the applied extrinsics returns the header.
//! 5. Take the state back, commit the overlay and require the committed root to equal the
//!    header's state root; the recorder's nodes are the storage proof.
//! 6. Assemble the PoV, the persisted validation data and the commitments.
//!
//! The state is restored whatever happens in steps 2–4.

mod collation;
pub mod demo;
mod error;
pub mod load;
mod node;
pub mod para_spec;
mod pool;
pub mod service;
mod storage_host;

pub use atoll_parachain_host::view::RelayParentView;
pub use collation::{CollationGenerator, CollatorBehaviour, ReadyCollation};
pub use error::CollatorError;
pub use node::{Collation, CollatorConfig, ParaNode};
pub use pool::{PoolError, TransactionPool};
pub use storage_host::{BuildingState, SharedStateDb};
