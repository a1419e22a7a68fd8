//! The para block format: a [`Header`] (whose encoding is the para's head data on the relay
//! chain), a [`Block`] of opaque extrinsics, and [`ParachainBlockData`] (block + storage proof)
//! which is what a PoV carries.

use alloc::vec::Vec;
use parity_scale_codec::{Decode, Encode};

use atoll_primitives::{BlockNumber, Hash, HeadData};
use atoll_trie::StorageProof;

/// A para block header. `HeadData(header.encode())` is what the relay chain records.
#[derive(Clone, Debug, Default, PartialEq, Eq, Encode, Decode)]
pub struct Header {
    /// `blake2_256` of the parent's head data (the parent header's encoding).
    pub parent_hash: Hash,
    /// The block's height; genesis is 0.
    pub number: BlockNumber,
    /// The state root after the block.
    pub state_root: Hash,
    /// [`extrinsics_root`] of the block's extrinsics.
    pub extrinsics_root: Hash,
}

impl Header {
    /// The head data the relay chain stores for this header.
    pub fn head_data(&self) -> HeadData {
        HeadData(self.encode())
    }

    /// The block hash: the hash of the head data.
    pub fn hash(&self) -> Hash {
        Hash::of_encoded(self)
    }
}

/// A para block: a header and SCALE-encoded extrinsics, opaque to everything but the runtime.
#[derive(Clone, Debug, Default, PartialEq, Eq, Encode, Decode)]
pub struct Block {
    /// The header.
    pub header: Header,
    /// The extrinsics, each SCALE-encoded.
    pub extrinsics: Vec<Vec<u8>>,
}

/// The block data of an SDK runtime's PoV.
#[derive(Clone, Debug, Default, PartialEq, Eq, Encode, Decode)]
pub struct ParachainBlockData {
    /// The block.
    pub block: Block,
    /// Every trie node of the parent state that executing the block touches.
    pub proof: StorageProof,
}

/// What the collator passes to `initialize_block`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Encode, Decode)]
pub struct BlockInit {
    /// The head to build on.
    pub parent_head: HeadData,
    /// The relay parent's number.
    pub relay_parent_number: BlockNumber,
    /// The relay parent's state root.
    pub relay_parent_storage_root: Hash,
}

/// The extrinsics root: blake2_256 of the SCALE list of each extrinsic's blake2_256.
pub fn extrinsics_root(extrinsic_hashes: &[Hash]) -> Hash {
    Hash::of_encoded(extrinsic_hashes)
}
