//! Disputes (pipeline step 7): statements for or against a candidate. Backing and approval
//! signatures count as `Valid` dispute statements, so each kind names the payload and context
//! its signature was made with.

use alloc::vec::Vec;
use parity_scale_codec::{Decode, Encode};

use crate::parachain::{
    ApprovalVote, CompactStatement, SigningContext, APPROVAL_SIGNING_CONTEXT,
    BACKING_SIGNING_CONTEXT,
};
use crate::{CandidateHash, Hash, SessionIndex, Sr25519Signature, ValidatorIndex};

/// Signing context of explicit dispute statements.
pub const DISPUTE_SIGNING_CONTEXT: &[u8] = b"atoll-dispute";

/// How a `Valid` statement was made.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode)]
pub enum ValidDisputeStatementKind {
    /// An explicit dispute vote.
    #[codec(index = 0)]
    Explicit,
    /// A `Seconded` backing statement with this relay parent.
    #[codec(index = 1)]
    BackingSeconded(Hash),
    /// A `Valid` backing statement with this relay parent.
    #[codec(index = 2)]
    BackingValid(Hash),
    /// An approval vote.
    #[codec(index = 3)]
    ApprovalChecking,
}

/// How an `Invalid` statement was made.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode)]
pub enum InvalidDisputeStatementKind {
    /// An explicit dispute vote.
    #[codec(index = 0)]
    Explicit,
}

/// A statement for or against a candidate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode)]
pub enum DisputeStatement {
    /// The candidate is valid.
    #[codec(index = 0)]
    Valid(ValidDisputeStatementKind),
    /// The candidate is invalid.
    #[codec(index = 1)]
    Invalid(InvalidDisputeStatementKind),
}

impl DisputeStatement {
    /// Whether the statement says "valid".
    pub fn is_valid(&self) -> bool {
        matches!(self, DisputeStatement::Valid(_))
    }

    /// Whether the statement comes from backing (whose signers are the candidate's backers).
    pub fn is_backing(&self) -> bool {
        matches!(
            self,
            DisputeStatement::Valid(
                ValidDisputeStatementKind::BackingSeconded(_)
                    | ValidDisputeStatementKind::BackingValid(_)
            )
        )
    }

    /// The signing context and signed bytes of this statement about `candidate` in `session`.
    pub fn signing_payload(
        &self,
        candidate: CandidateHash,
        session: SessionIndex,
    ) -> (&'static [u8], Vec<u8>) {
        match self {
            DisputeStatement::Valid(ValidDisputeStatementKind::Explicit) => {
                (DISPUTE_SIGNING_CONTEXT, (b"DISP", true, candidate, session).encode())
            }
            DisputeStatement::Invalid(InvalidDisputeStatementKind::Explicit) => {
                (DISPUTE_SIGNING_CONTEXT, (b"DISP", false, candidate, session).encode())
            }
            DisputeStatement::Valid(ValidDisputeStatementKind::BackingSeconded(parent)) => (
                BACKING_SIGNING_CONTEXT,
                CompactStatement::Seconded(candidate)
                    .signing_payload(&SigningContext { session, parent_hash: *parent }),
            ),
            DisputeStatement::Valid(ValidDisputeStatementKind::BackingValid(parent)) => (
                BACKING_SIGNING_CONTEXT,
                CompactStatement::Valid(candidate)
                    .signing_payload(&SigningContext { session, parent_hash: *parent }),
            ),
            DisputeStatement::Valid(ValidDisputeStatementKind::ApprovalChecking) => {
                (APPROVAL_SIGNING_CONTEXT, ApprovalVote(candidate).signing_payload(session))
            }
        }
    }
}

/// One validator's signed dispute statement about a candidate.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct SignedDisputeStatement {
    /// The candidate.
    pub candidate_hash: CandidateHash,
    /// The session the candidate was backed in.
    pub session: SessionIndex,
    /// The statement.
    pub statement: DisputeStatement,
    /// The signer.
    pub validator: ValidatorIndex,
    /// The signature, made as [`DisputeStatement::signing_payload`] says.
    pub signature: Sr25519Signature,
}

#[cfg(feature = "std")]
impl SignedDisputeStatement {
    /// Signs an explicit statement (`valid` or not) as `validator`.
    pub fn sign_explicit(
        pair: &crate::crypto::Pair,
        candidate_hash: CandidateHash,
        session: SessionIndex,
        valid: bool,
        validator: ValidatorIndex,
    ) -> Self {
        let statement = if valid {
            DisputeStatement::Valid(ValidDisputeStatementKind::Explicit)
        } else {
            DisputeStatement::Invalid(InvalidDisputeStatementKind::Explicit)
        };
        let (context, payload) = statement.signing_payload(candidate_hash, session);
        let signature = pair.sign(context, &payload);
        SignedDisputeStatement { candidate_hash, session, statement, validator, signature }
    }

    /// Whether the signature is `public`'s.
    pub fn check(&self, public: &crate::Sr25519Public) -> bool {
        let (context, payload) = self.statement.signing_payload(self.candidate_hash, self.session);
        crate::crypto::verify(context, &payload, &self.signature, public)
    }
}

/// The statements about one candidate that a block imports on chain.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct DisputeStatementSet {
    /// The candidate.
    pub candidate_hash: CandidateHash,
    /// The session the candidate was backed in.
    pub session: SessionIndex,
    /// The para of the candidate (so a conclusion can act on it without the receipt).
    pub para_id: crate::ParaId,
    /// The statements: (statement, validator, signature), at most one per validator and side.
    pub statements: Vec<(DisputeStatement, ValidatorIndex, Sr25519Signature)>,
}
