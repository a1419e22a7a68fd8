//! The messages relay nodes exchange, decoded from untrusted bytes with a bound (principle 4).

use atoll_primitives::relay::{Justification, SignedVote};
use atoll_primitives::{decode_bounded, BlockNumber, DecodeError, Hash};
use atoll_relay_chain::RelayBlock;
use parity_scale_codec::{Decode, Encode};

/// Largest encoded message accepted, in bytes.
pub const MAX_MESSAGE_SIZE: usize = 16 * 1024 * 1024;

/// A message between relay nodes.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub enum NetworkMessage {
    /// A new block (authors broadcast what they seal).
    Block(RelayBlock),
    /// A finality vote.
    Vote(SignedVote),
    /// Proof that a block is final.
    Justification(Justification),
    /// Our best and finalized blocks (rule 5).
    Status {
        /// Best block.
        best: (Hash, BlockNumber),
        /// Finalized block.
        finalized: (Hash, BlockNumber),
    },
    /// Please send blocks of your best chain above `above`.
    BlocksRequest {
        /// The requester's finalized height.
        above: BlockNumber,
        /// At most this many.
        max: u32,
    },
    /// Please send block `hash` and its ancestors above `above` (a vote named a block we do not
    /// have, for example one of a fork that never reached us).
    AncestryRequest {
        /// The block.
        hash: Hash,
        /// The requester's finalized height.
        above: BlockNumber,
    },
    /// Blocks (parents first) and the justifications a lagging node needs.
    BlocksResponse {
        /// The blocks.
        blocks: Vec<RelayBlock>,
        /// Justifications, lowest first.
        justifications: Vec<Justification>,
    },
}

/// Why bytes from a peer were refused.
pub type MessageError = DecodeError;

impl NetworkMessage {
    /// Decodes a message from a peer.
    pub fn decode_untrusted(bytes: &[u8]) -> Result<NetworkMessage, MessageError> {
        decode_bounded("network message", bytes, MAX_MESSAGE_SIZE)
    }
}
