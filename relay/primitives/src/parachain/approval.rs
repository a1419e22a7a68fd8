//! Approval checking (pipeline step 5): VRF assignments of checkers to included candidates, in
//! tranches, and the approval votes checkers sign after re-executing.

use alloc::vec::Vec;
use parity_scale_codec::{Decode, Encode};

use crate::{CandidateHash, CoreIndex, Hash, SessionIndex, Sr25519Signature, ValidatorIndex};

/// VRF context (transcript label) of approval assignments.
pub const ASSIGNMENT_VRF_CONTEXT: &[u8] = b"atoll-approval-assignment";
/// Signing context of approval votes.
pub const APPROVAL_SIGNING_CONTEXT: &[u8] = b"atoll-approval";

/// A tranche: a fixed tick after the including block's slot start, at which assigned checkers
/// start work. Tranche 0 comes first.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Encode, Decode)]
pub struct DelayTranche(pub u32);

/// Which criterion a VRF assignment satisfies.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode)]
pub enum AssignmentKind {
    /// Tranche 0: the VRF over (block randomness, `sample`) picks `core` modulo the number of
    /// cores.
    #[codec(index = 0)]
    RelayVrfModulo {
        /// The sample number (below the configured sample count).
        sample: u32,
    },
    /// A later tranche: the VRF over (block randomness, `core`) gives the delay.
    #[codec(index = 1)]
    RelayVrfDelay {
        /// The core the candidate was included from.
        core: CoreIndex,
    },
}

/// A VRF proof that a validator is assigned to check a core's candidate.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct AssignmentCert {
    /// The criterion.
    pub kind: AssignmentKind,
    /// The VRF pre-output.
    pub vrf_output: [u8; 32],
    /// The VRF proof.
    pub vrf_proof: [u8; 64],
}

/// An assignment as gossiped: the including block, the validator, the cert and the candidate's
/// position among the block's included candidates.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct IndirectAssignmentCert {
    /// The block that included the candidate.
    pub block_hash: Hash,
    /// The assigned validator.
    pub validator: ValidatorIndex,
    /// The proof.
    pub cert: AssignmentCert,
    /// The tranche the validator claims.
    pub tranche: DelayTranche,
    /// The index of the candidate among the block's included candidates.
    pub candidate_index: u32,
}

/// "I re-executed this candidate and it is valid."
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode)]
pub struct ApprovalVote(pub CandidateHash);

impl ApprovalVote {
    /// The signed bytes: `(b"APPR", candidate hash, session)`.
    pub fn signing_payload(&self, session: SessionIndex) -> Vec<u8> {
        (b"APPR", self.0, session).encode()
    }
}

/// An approval vote as gossiped.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct IndirectSignedApprovalVote {
    /// The block that included the candidate.
    pub block_hash: Hash,
    /// The index of the candidate among the block's included candidates.
    pub candidate_index: u32,
    /// The approving validator.
    pub validator: ValidatorIndex,
    /// sr25519 over [`ApprovalVote::signing_payload`] with [`APPROVAL_SIGNING_CONTEXT`].
    pub signature: Sr25519Signature,
}

#[cfg(feature = "std")]
impl ApprovalVote {
    /// Signs the vote as a validator of `session`.
    pub fn sign(&self, pair: &crate::crypto::Pair, session: SessionIndex) -> Sr25519Signature {
        pair.sign(APPROVAL_SIGNING_CONTEXT, &self.signing_payload(session))
    }

    /// Whether `signature` is `public`'s approval of the candidate in `session`.
    pub fn check(
        &self,
        session: SessionIndex,
        signature: &Sr25519Signature,
        public: &crate::Sr25519Public,
    ) -> bool {
        crate::crypto::verify(
            APPROVAL_SIGNING_CONTEXT,
            &self.signing_payload(session),
            signature,
            public,
        )
    }
}
