//! What the node asks its shell to do, and what it reports.

use atoll_primitives::relay::Slot;
use atoll_primitives::{BlockNumber, Hash, ValidatorIndex};

use crate::message::NetworkMessage;

/// A peer as the shell numbers it (the simulator's node id, a libp2p peer's local index).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PeerId(pub u64);

impl core::fmt::Display for PeerId {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "peer#{}", self.0)
    }
}

/// An output of the node, to be carried out in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NodeAction {
    /// Send to one peer.
    Send(PeerId, NetworkMessage),
    /// Send to every peer.
    Broadcast(NetworkMessage),
    /// Call [`crate::RelayNode::on_tick`] at (or after) this time.
    WakeAt(u64),
    /// Write these pairs (`None` deletes) as one atomic batch.
    Persist(Vec<(Vec<u8>, Option<Vec<u8>>)>),
    /// Make every write so far durable before carrying out the next actions.
    Flush,
    /// The peer sent something invalid.
    Penalize {
        /// Who.
        peer: PeerId,
        /// Why.
        reason: String,
    },
    /// Something worth reporting happened.
    Event(NodeEvent),
}

/// What the node reports (for logs, metrics, tests and the simulator's invariants).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NodeEvent {
    /// A block was imported.
    Imported {
        /// Its hash.
        hash: Hash,
        /// Its number.
        number: BlockNumber,
        /// Its parent.
        parent: Hash,
        /// Its slot.
        slot: Slot,
        /// Whether it was ours.
        own: bool,
    },
    /// We authored a block.
    Authored {
        /// Its hash.
        hash: Hash,
        /// Its number.
        number: BlockNumber,
        /// The slot.
        slot: Slot,
        /// Whether it was a primary claim.
        primary: bool,
    },
    /// Blocks were reverted (rule 7).
    Reverted {
        /// The first reverted block.
        hash: Hash,
        /// Its number.
        number: BlockNumber,
        /// How many blocks (it and its descendants) were abandoned.
        blocks: u32,
    },
    /// A block became final.
    Finalized {
        /// Its hash.
        hash: Hash,
        /// Its number.
        number: BlockNumber,
    },
    /// A block was refused.
    Rejected {
        /// Its hash.
        hash: Hash,
        /// Who sent it.
        from: Option<PeerId>,
        /// Why.
        reason: String,
    },
    /// Evidence of equivocation was found (and will go into our next block).
    EquivocationDetected {
        /// `"author"` or `"vote"`.
        kind: &'static str,
        /// The offender's index in its set.
        offender: ValidatorIndex,
    },
}
