//! The inputs and outputs of parachain validation (DESIGN.md, pipeline steps 1 and 2).
//!
//! A collator produces a [`PoV`] whose [`BlockData`] is the para block plus a storage proof of
//! its parent state. Validators run the para's [`ValidationCode`] (`validate_block`) on
//! [`ValidationParams`] and get a [`ValidationResult`]: the new head and the messages the block
//! sends.

use alloc::vec::Vec;
use parity_scale_codec::{Decode, Encode};

use crate::{hashing::Hash, ids::BlockNumber, ids::ParaId};

/// The head of a parachain as the relay chain records it: opaque bytes (the SDK puts the
/// SCALE-encoded para header here). Its hash identifies the para block.
#[derive(Clone, Debug, Default, PartialEq, Eq, Encode, Decode)]
pub struct HeadData(pub Vec<u8>);

impl HeadData {
    /// The hash of the head bytes (not of their SCALE encoding): what descriptors commit to.
    pub fn hash(&self) -> Hash {
        Hash::of(&self.0)
    }
}

/// A parachain's state transition function: a Wasm module exporting `validate_block`.
#[derive(Clone, Default, PartialEq, Eq, Encode, Decode)]
pub struct ValidationCode(pub Vec<u8>);

impl ValidationCode {
    /// The hash of the code bytes; artifacts, registries and descriptors key by it.
    pub fn hash(&self) -> ValidationCodeHash {
        ValidationCodeHash(Hash::of(&self.0))
    }
}

impl core::fmt::Debug for ValidationCode {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "ValidationCode({} bytes, {})", self.0.len(), self.hash().0)
    }
}

/// The hash of a [`ValidationCode`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Encode, Decode)]
pub struct ValidationCodeHash(pub Hash);

/// The para-specific part of a PoV: for SDK runtimes, an encoded block and a storage proof.
#[derive(Clone, Default, PartialEq, Eq, Encode, Decode)]
pub struct BlockData(pub Vec<u8>);

impl core::fmt::Debug for BlockData {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "BlockData({} bytes)", self.0.len())
    }
}

/// Proof of Validity: everything a validator needs, beyond the relay chain's state, to re-execute
/// a para block.
#[derive(Clone, Debug, Default, PartialEq, Eq, Encode, Decode)]
pub struct PoV {
    /// The block and the proof of the state it reads.
    pub block_data: BlockData,
}

impl PoV {
    /// The hash of the encoded PoV, committed to in the candidate descriptor.
    pub fn hash(&self) -> Hash {
        Hash::of_encoded(self)
    }
}

/// The validation inputs that the relay chain fixes for a candidate (its hash is in the
/// descriptor), stored with the PoV in availability.
#[derive(Clone, Debug, Default, PartialEq, Eq, Encode, Decode)]
pub struct PersistedValidationData {
    /// The para's head at the relay parent.
    pub parent_head: HeadData,
    /// The number of the relay parent.
    pub relay_parent_number: BlockNumber,
    /// The state root of the relay parent, against which the para proves relay state.
    pub relay_parent_storage_root: Hash,
    /// The largest PoV the relay chain accepts for this candidate.
    pub max_pov_size: u32,
}

impl PersistedValidationData {
    /// The hash committed to in the candidate descriptor.
    pub fn hash(&self) -> Hash {
        Hash::of_encoded(self)
    }
}

/// The input of a runtime's `validate_block` export.
#[derive(Clone, Debug, Default, PartialEq, Eq, Encode, Decode)]
pub struct ValidationParams {
    /// The head the block must build on.
    pub parent_head: HeadData,
    /// The PoV's block data.
    pub block_data: BlockData,
    /// The number of the relay parent.
    pub relay_parent_number: BlockNumber,
    /// The state root of the relay parent.
    pub relay_parent_storage_root: Hash,
}

/// A message from a para to the relay chain (UMP): opaque bytes, xcm-lite by convention.
pub type UpwardMessage = Vec<u8>;

/// A message from a para to another para through an HRMP channel.
#[derive(Clone, Debug, Default, PartialEq, Eq, Encode, Decode)]
pub struct OutboundHrmpMessage {
    /// The receiving para.
    pub recipient: ParaId,
    /// The payload (xcm-lite by convention).
    pub data: Vec<u8>,
}

/// The output of a successful `validate_block`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Encode, Decode)]
pub struct ValidationResult {
    /// The new head of the para.
    pub head_data: HeadData,
    /// A code upgrade the block schedules, if any.
    pub new_validation_code: Option<ValidationCode>,
    /// Messages to the relay chain.
    pub upward_messages: Vec<UpwardMessage>,
    /// Messages to other paras, sorted by recipient.
    pub horizontal_messages: Vec<OutboundHrmpMessage>,
    /// How many downward messages the block processed.
    pub processed_downward_messages: u32,
    /// The relay block number up to which inbound HRMP messages were processed.
    pub hrmp_watermark: BlockNumber,
}
