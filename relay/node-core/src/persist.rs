//! What the node writes, and what a restart reads back (rule 6).
//!
//! Keys: `blk/` ++ number (big-endian) ++ hash → encoded block; `fin` → (hash, number) of the
//! finalized block; `just/` ++ number (big-endian) → a justification; `voter` → the finality
//! voter's snapshot.

use atoll_consensus::finality::VoterSnapshot;
use atoll_primitives::relay::Justification;
use atoll_primitives::{decode_bounded, BlockNumber, Hash};
use atoll_relay_chain::RelayBlock;
use parity_scale_codec::Encode;

use crate::message::MAX_MESSAGE_SIZE;

/// Prefix of block keys.
pub const BLOCK_PREFIX: &[u8] = b"blk/";
/// Key of the finalized block.
pub const FINALIZED_KEY: &[u8] = b"fin";
/// Prefix of justification keys.
pub const JUSTIFICATION_PREFIX: &[u8] = b"just/";
/// Key of the voter snapshot.
pub const VOTER_KEY: &[u8] = b"voter";

/// The key of a block.
pub fn block_key(number: BlockNumber, hash: &Hash) -> Vec<u8> {
    let mut k = BLOCK_PREFIX.to_vec();
    k.extend_from_slice(&number.0.to_be_bytes());
    k.extend_from_slice(hash.as_bytes());
    k
}

/// The key of a justification.
pub fn justification_key(number: BlockNumber) -> Vec<u8> {
    let mut k = JUSTIFICATION_PREFIX.to_vec();
    k.extend_from_slice(&number.0.to_be_bytes());
    k
}

/// A stored value that does not decode: the store is corrupt, the node refuses to start on it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("corrupt store: the value at key {key} does not decode: {reason}")]
pub struct CorruptStore {
    /// The key, hex.
    pub key: String,
    /// The decoder's reason.
    pub reason: String,
}

/// What a restart reads back.
#[derive(Clone, Debug, Default)]
pub struct Restored {
    /// Every stored block, lowest number first.
    pub blocks: Vec<RelayBlock>,
    /// The finalized block, if any was finalized.
    pub finalized: Option<(Hash, BlockNumber)>,
    /// Stored justifications, lowest first.
    pub justifications: Vec<Justification>,
    /// The voter's last snapshot.
    pub voter: Option<VoterSnapshot>,
}

fn decode<T: parity_scale_codec::Decode>(key: &[u8], value: &[u8]) -> Result<T, CorruptStore> {
    decode_bounded("stored value", value, MAX_MESSAGE_SIZE).map_err(|e| CorruptStore {
        key: key.iter().map(|b| format!("{b:02x}")).collect(),
        reason: e.to_string(),
    })
}

impl Restored {
    /// Reads the node's pairs (any order).
    pub fn from_pairs(
        pairs: impl IntoIterator<Item = (Vec<u8>, Vec<u8>)>,
    ) -> Result<Restored, CorruptStore> {
        let mut restored = Restored::default();
        let mut blocks: Vec<(BlockNumber, RelayBlock)> = Vec::new();
        for (key, value) in pairs {
            if key.starts_with(BLOCK_PREFIX) {
                let block: RelayBlock = decode(&key, &value)?;
                blocks.push((block.header.number, block));
            } else if key == FINALIZED_KEY {
                restored.finalized = Some(decode(&key, &value)?);
            } else if key.starts_with(JUSTIFICATION_PREFIX) {
                restored.justifications.push(decode(&key, &value)?);
            } else if key == VOTER_KEY {
                restored.voter = Some(decode(&key, &value)?);
            }
        }
        blocks.sort_by_key(|(n, b)| (*n, b.hash()));
        restored.blocks = blocks.into_iter().map(|(_, b)| b).collect();
        restored.justifications.sort_by_key(|j| j.target_number);
        Ok(restored)
    }
}

/// The write of a block.
pub fn block_write(block: &RelayBlock) -> (Vec<u8>, Option<Vec<u8>>) {
    (block_key(block.header.number, &block.hash()), Some(block.encode()))
}
