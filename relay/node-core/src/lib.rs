//! # atoll-node-core
//!
//! The relay node as a pure state machine (DESIGN.md, principles 1 and 2): it imports, verifies
//! and executes blocks, authors blocks in the slots it wins, runs the finality voter, detects
//! equivocations and syncs with peers, and it does all of it by taking events (with the current
//! time as a value) and returning [`NodeAction`]s. The simulator (`atoll-sim`) and the
//! `atoll-relay` binary are thin shells around it.
//!
//! ## Bird's-eye view, in the order the types are used
//!
//! - [`NodeConfig`]: timers and bounds.
//! - [`NetworkMessage`]: what nodes send each other (blocks, votes, justifications, status,
//!   block requests and responses), decoded from untrusted bytes with a size bound.
//! - [`RelayNode`]: the state machine; [`RelayNode::on_tick`], [`RelayNode::on_message`].
//! - [`NodeAction`] and [`NodeEvent`]: what the shell carries out and what it reports.
//! - [`parachain`]: what the parachain host ([`parachain::relay_block_info`]) and a collator
//!   ([`parachain::collator_view`]) learn from an imported relay block.
//! - [`persist`]: the keys the node writes and [`persist::Restored`], what a restart reads back.
//!
//! ## Rules (numbered; the code cites them)
//!
//! 1. A block is imported only if its parent is known, its header verifies against the epoch
//!    its slot falls in (author, VRF, seal, slot), and executing it on the parent state gives
//!    its state root. A block with an unknown parent waits (bounded) while its parent is
//!    requested from the sender; a block failing a check is rejected and its sender penalised.
//! 2. The node authors in a slot it can claim (primary or secondary), on the best viable leaf,
//!    including the equivocation evidence it holds, and broadcasts the sealed block.
//! 3. A second header of one slot and author is equivocation evidence; a second vote of one
//!    voter, round and stage too. Evidence goes into the next block the node authors.
//! 4. Finality: the voter of the current set sees every imported block and the best block; its
//!    snapshot is persisted and flushed before its vote is broadcast (so a restart never
//!    equivocates); a finalized block prunes the fork tree and is persisted with its
//!    justification. The first block of a new session schedules a voter-set change; when it is
//!    finalized the next set's voter takes over from it.
//! 5. Every `status_interval_ms` the node broadcasts its best and finalized blocks; a peer that
//!    is ahead is asked for blocks above our finalized block; responses carry the justifications
//!    a lagging node needs (set-change blocks' and the latest), so a node that was away catches
//!    up by importing blocks and justifications. A vote for a block we lack makes us ask its
//!    sender for that block's ancestry (a fork that never reached us).
//! 6. Blocks are persisted and flushed when imported; a restart re-imports them from the store
//!    and restores the finalized block and the voter snapshot.
//! 7. A block the parachain host reports as carrying a candidate a dispute concluded invalid is
//!    reverted with its descendants (never below the finalized block): the best chain and
//!    the next author move to the last block before it.

mod action;
mod config;
mod message;
mod node;
pub mod parachain;
pub mod persist;

pub use action::{NodeAction, NodeEvent, PeerId};
pub use config::NodeConfig;
pub use message::{MessageError, NetworkMessage, MAX_MESSAGE_SIZE};
pub use node::{NodeError, RelayNode};
