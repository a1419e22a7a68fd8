//! Relay-chain block and consensus types shared by the relay chain's state transition
//! (`atoll-relay-chain`), block production and finality (`atoll-consensus`), the node and the
//! simulator.
//!
//! A [`RelayHeader`] carries a [`PreDigest`] (slot, author, VRF output and proof) and a seal:
//! the author's signature over [`RelayHeader::pre_seal_hash`]. Finality votes are
//! [`SignedVote`]s; a [`Justification`] is the set of precommits that finalized a block.
//! Misbehaviour is proven by [`AuthorEquivocation`] and [`VoteEquivocation`] evidence.

use alloc::vec::Vec;
use parity_scale_codec::{Decode, Encode};

use crate::{BlockNumber, Hash, SessionIndex, Sr25519Public, Sr25519Signature, ValidatorIndex};

/// A validator's public key (sr25519), used for authoring, VRFs and finality votes.
pub type ValidatorId = Sr25519Public;

/// Signing context of block seals.
pub const SEAL_SIGNING_CONTEXT: &[u8] = b"atoll-seal";
/// Signing context of finality votes.
pub const VOTE_SIGNING_CONTEXT: &[u8] = b"atoll-finality-vote";
/// Signing context (and VRF transcript label) of slot VRFs.
pub const SLOT_VRF_CONTEXT: &[u8] = b"atoll-slot-vrf";

/// A slot: `time / slot_duration` since the chain's genesis time.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Encode, Decode)]
pub struct Slot(pub u64);

impl core::fmt::Display for Slot {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "slot#{}", self.0)
    }
}

/// What the author claims about its right to author the block.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct PreDigest {
    /// The slot the block was authored in.
    pub slot: Slot,
    /// The author's index in the session's validator set.
    pub author: ValidatorIndex,
    /// Whether the author claims a primary slot (VRF output under the threshold); otherwise it
    /// is the slot's round-robin secondary author.
    pub primary: bool,
    /// The VRF pre-output over (session randomness, slot, session).
    pub vrf_output: [u8; 32],
    /// The VRF proof.
    pub vrf_proof: [u8; 64],
}

impl Default for PreDigest {
    fn default() -> Self {
        PreDigest {
            slot: Slot(0),
            author: ValidatorIndex(0),
            primary: false,
            vrf_output: [0u8; 32],
            vrf_proof: [0u8; 64],
        }
    }
}

/// A relay block header.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct RelayHeader {
    /// Hash of the parent header ([`RelayHeader::hash`]).
    pub parent_hash: Hash,
    /// Height; genesis is 0.
    pub number: BlockNumber,
    /// Root of the relay state after this block.
    pub state_root: Hash,
    /// Hash of the block body's extrinsics.
    pub extrinsics_root: Hash,
    /// Slot, author and VRF.
    pub pre_digest: PreDigest,
    /// The author's signature over [`RelayHeader::pre_seal_hash`] (all zero in genesis).
    pub seal: Sr25519Signature,
}

impl RelayHeader {
    /// The hash the author seals: every field but the seal.
    pub fn pre_seal_hash(&self) -> Hash {
        Hash::of_encoded(&(
            self.parent_hash,
            self.number,
            self.state_root,
            self.extrinsics_root,
            &self.pre_digest,
        ))
    }

    /// The block hash (covers the seal).
    pub fn hash(&self) -> Hash {
        Hash::of_encoded(self)
    }
}

/// The two stages of a finality round.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Encode, Decode)]
pub enum VoteStage {
    /// First stage.
    Prevote,
    /// Second stage.
    Precommit,
}

/// A finality vote for a block (and, implicitly, all its ancestors).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Encode, Decode)]
pub struct Vote {
    /// The voter set: the session whose validators vote.
    pub set_id: SessionIndex,
    /// The round within the set.
    pub round: u64,
    /// Prevote or precommit.
    pub stage: VoteStage,
    /// The block voted for.
    pub target_hash: Hash,
    /// Its number.
    pub target_number: BlockNumber,
}

impl Vote {
    /// The bytes a voter signs.
    pub fn signing_payload(&self) -> Vec<u8> {
        self.encode()
    }
}

/// A vote with its voter and signature.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Encode, Decode)]
pub struct SignedVote {
    /// The vote.
    pub vote: Vote,
    /// The voter's index in the set.
    pub voter: ValidatorIndex,
    /// The voter's signature over [`Vote::signing_payload`] with [`VOTE_SIGNING_CONTEXT`].
    pub signature: Sr25519Signature,
}

/// Proof that a block is final: supermajority precommits of one round, each for the block or
/// a descendant, with the headers needed to check that ancestry.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct Justification {
    /// The finalized block.
    pub target_hash: Hash,
    /// Its number.
    pub target_number: BlockNumber,
    /// The round.
    pub round: u64,
    /// The voter set.
    pub set_id: SessionIndex,
    /// The precommits.
    pub precommits: Vec<SignedVote>,
    /// Headers from precommit targets down to (excluding) the finalized block.
    pub ancestry: Vec<RelayHeader>,
}

/// Evidence that an author sealed two different headers for one slot.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct AuthorEquivocation {
    /// The session of the slot.
    pub session: SessionIndex,
    /// The offender.
    pub offender: ValidatorId,
    /// One header.
    pub first: RelayHeader,
    /// Another header of the same slot and author.
    pub second: RelayHeader,
}

/// Evidence that a voter signed two different votes for one round and stage.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct VoteEquivocation {
    /// The offender.
    pub offender: ValidatorId,
    /// One vote.
    pub first: SignedVote,
    /// Another vote of the same set, round, stage and voter.
    pub second: SignedVote,
}

/// What block production needs to know about the session a slot falls in. The relay chain
/// computes it from the parent block's state (`atoll-relay-chain`), block production and
/// verification use it (`atoll-consensus`).
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct EpochInfo {
    /// The session the slot falls in.
    pub session: SessionIndex,
    /// Its validators, by [`ValidatorIndex`].
    pub validators: Vec<ValidatorId>,
    /// The session's randomness, input of every slot VRF in it.
    pub randomness: [u8; 32],
    /// A validator is a primary author of a slot when the first 16 bytes (little-endian) of its
    /// slot VRF randomness are below this threshold.
    pub primary_threshold: u128,
    /// Slot duration in milliseconds.
    pub slot_duration_ms: u64,
}

impl EpochInfo {
    /// The VRF input of `slot` in this session.
    pub fn vrf_input(&self, slot: Slot) -> Vec<u8> {
        (b"atoll-slot", self.randomness, slot, self.session).encode()
    }

    /// The round-robin secondary author of `slot`, if the set is not empty.
    pub fn secondary_author(&self, slot: Slot) -> Option<ValidatorIndex> {
        let n = self.validators.len() as u64;
        (n > 0).then(|| ValidatorIndex((slot.0 % n) as u32))
    }
}
