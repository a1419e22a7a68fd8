//! Candidates: what a collator proposes and backers vouch for (DESIGN.md, pipeline steps 1–4).
//!
//! The [`CandidateHash`] is the hash of the encoded pair (descriptor, hash of commitments), so a
//! [`CandidateReceipt`] (which carries only the commitments hash) and a
//! [`CommittedCandidateReceipt`] (which carries the commitments) of one candidate hash alike.

use alloc::vec::Vec;
use parity_scale_codec::{Decode, Encode};

use crate::{
    hashing::Hash,
    ids::{BlockNumber, ParaId},
    keys::{Sr25519Public, Sr25519Signature},
    validation::{
        HeadData, OutboundHrmpMessage, UpwardMessage, ValidationCode, ValidationCodeHash,
        ValidationResult,
    },
};

/// Signing context of a collator's signature on a [`CandidateDescriptor`].
pub const COLLATOR_SIGNING_CONTEXT: &[u8] = b"atoll-collator";

/// The identity of a candidate.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Encode, Decode)]
pub struct CandidateHash(pub Hash);

impl core::fmt::Display for CandidateHash {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "candidate {}", self.0)
    }
}

/// The fixed facts of a candidate, known before execution.
#[derive(Clone, Debug, Default, PartialEq, Eq, Encode, Decode)]
pub struct CandidateDescriptor {
    /// The para the candidate extends.
    pub para_id: ParaId,
    /// The relay block the candidate builds on (its context).
    pub relay_parent: Hash,
    /// The collator that produced it.
    pub collator: Sr25519Public,
    /// Hash of the [`crate::PersistedValidationData`] it was built against.
    pub persisted_validation_data_hash: Hash,
    /// Hash of the [`crate::PoV`].
    pub pov_hash: Hash,
    /// Merkle root of the erasure-coded chunks of (PoV, persisted validation data).
    pub erasure_root: Hash,
    /// The collator's signature over [`CandidateDescriptor::signing_payload`].
    pub signature: Sr25519Signature,
    /// Hash of the new head data.
    pub para_head: Hash,
    /// Hash of the validation code the candidate must be checked with.
    pub validation_code_hash: ValidationCodeHash,
}

impl CandidateDescriptor {
    /// The bytes the collator signs: every field but the signature.
    pub fn signing_payload(&self) -> Vec<u8> {
        (
            self.para_id,
            self.relay_parent,
            self.collator,
            self.persisted_validation_data_hash,
            self.pov_hash,
            self.erasure_root,
            self.para_head,
            self.validation_code_hash,
        )
            .encode()
    }
}

#[cfg(feature = "std")]
impl CandidateDescriptor {
    /// Sets `collator` to `pair`'s public key and signs the descriptor with it
    /// ([`COLLATOR_SIGNING_CONTEXT`] over [`CandidateDescriptor::signing_payload`]).
    pub fn sign(&mut self, pair: &crate::crypto::Pair) {
        self.collator = pair.public();
        self.signature = pair.sign(COLLATOR_SIGNING_CONTEXT, &self.signing_payload());
    }

    /// Whether the signature is the named collator's over this descriptor.
    pub fn check_signature(&self) -> bool {
        crate::crypto::verify(
            COLLATOR_SIGNING_CONTEXT,
            &self.signing_payload(),
            &self.signature,
            &self.collator,
        )
    }
}

/// What executing the candidate produces, committed to by backers.
#[derive(Clone, Debug, Default, PartialEq, Eq, Encode, Decode)]
pub struct CandidateCommitments {
    /// Messages to the relay chain.
    pub upward_messages: Vec<UpwardMessage>,
    /// Messages to other paras, sorted by recipient.
    pub horizontal_messages: Vec<OutboundHrmpMessage>,
    /// A code upgrade, if any.
    pub new_validation_code: Option<ValidationCode>,
    /// The new head.
    pub head_data: HeadData,
    /// Downward messages processed.
    pub processed_downward_messages: u32,
    /// The HRMP watermark.
    pub hrmp_watermark: BlockNumber,
}

impl CandidateCommitments {
    /// The hash carried by a [`CandidateReceipt`].
    pub fn hash(&self) -> Hash {
        Hash::of_encoded(self)
    }

    /// Whether a validation result is exactly what these commitments claim (a backer checks
    /// this after executing the PoV).
    pub fn matches(&self, result: &ValidationResult) -> bool {
        self.head_data == result.head_data
            && self.new_validation_code == result.new_validation_code
            && self.upward_messages == result.upward_messages
            && self.horizontal_messages == result.horizontal_messages
            && self.processed_downward_messages == result.processed_downward_messages
            && self.hrmp_watermark == result.hrmp_watermark
    }
}

impl From<ValidationResult> for CandidateCommitments {
    fn from(r: ValidationResult) -> Self {
        Self {
            upward_messages: r.upward_messages,
            horizontal_messages: r.horizontal_messages,
            new_validation_code: r.new_validation_code,
            head_data: r.head_data,
            processed_downward_messages: r.processed_downward_messages,
            hrmp_watermark: r.hrmp_watermark,
        }
    }
}

impl From<CandidateCommitments> for ValidationResult {
    /// The validation result the commitments claim (what an honest execution must return).
    fn from(c: CandidateCommitments) -> Self {
        Self {
            head_data: c.head_data,
            new_validation_code: c.new_validation_code,
            upward_messages: c.upward_messages,
            horizontal_messages: c.horizontal_messages,
            processed_downward_messages: c.processed_downward_messages,
            hrmp_watermark: c.hrmp_watermark,
        }
    }
}

/// A candidate as the relay chain refers to it: the descriptor and a hash of the commitments.
#[derive(Clone, Debug, Default, PartialEq, Eq, Encode, Decode)]
pub struct CandidateReceipt {
    /// The descriptor.
    pub descriptor: CandidateDescriptor,
    /// Hash of the [`CandidateCommitments`].
    pub commitments_hash: Hash,
}

impl CandidateReceipt {
    /// The candidate's identity.
    pub fn hash(&self) -> CandidateHash {
        CandidateHash(Hash::of_encoded(&(&self.descriptor, self.commitments_hash)))
    }
}

/// A candidate with its full commitments, as backers gossip it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Encode, Decode)]
pub struct CommittedCandidateReceipt {
    /// The descriptor.
    pub descriptor: CandidateDescriptor,
    /// The commitments.
    pub commitments: CandidateCommitments,
}

impl CommittedCandidateReceipt {
    /// The plain receipt (commitments replaced by their hash).
    pub fn to_plain(&self) -> CandidateReceipt {
        CandidateReceipt {
            descriptor: self.descriptor.clone(),
            commitments_hash: self.commitments.hash(),
        }
    }

    /// The candidate's identity; equal to the plain receipt's.
    pub fn hash(&self) -> CandidateHash {
        CandidateHash(Hash::of_encoded(&(&self.descriptor, self.commitments.hash())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn committed_and_plain_receipts_share_a_hash() {
        let c = CommittedCandidateReceipt {
            descriptor: CandidateDescriptor { para_id: ParaId(7), ..Default::default() },
            commitments: CandidateCommitments {
                head_data: HeadData(alloc::vec![1, 2, 3]),
                ..Default::default()
            },
        };
        assert_eq!(c.hash(), c.to_plain().hash());
        let mut other = c.clone();
        other.commitments.hrmp_watermark = BlockNumber(1);
        assert_ne!(c.hash(), other.hash());
    }

    #[cfg(feature = "std")]
    #[test]
    fn a_signed_descriptor_checks_and_a_changed_one_does_not() {
        let mut d = CandidateDescriptor { para_id: ParaId(7), ..Default::default() };
        d.sign(&crate::crypto::Pair::dev("Alice"));
        assert!(d.check_signature());
        d.pov_hash = Hash([1; 32]);
        assert!(!d.check_signature());
    }
}
