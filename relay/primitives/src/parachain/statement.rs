//! Backing statements (pipeline step 2): `Seconded` and `Valid`, signed in a [`SigningContext`],
//! and the [`BackedCandidate`] a block author puts into the para inherent.

use alloc::vec::Vec;
use parity_scale_codec::{Decode, Encode};

use crate::{
    CandidateHash, CommittedCandidateReceipt, Hash, SessionIndex, Sr25519Signature, ValidatorIndex,
};

/// Signing context of backing statements.
pub const BACKING_SIGNING_CONTEXT: &[u8] = b"atoll-backing";

/// Where a statement is valid: the session and the relay parent of the candidate.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Encode, Decode)]
pub struct SigningContext {
    /// The session of the relay parent's child (the session the group belongs to).
    pub session: SessionIndex,
    /// The candidate's relay parent.
    pub parent_hash: Hash,
}

/// A backing statement with the full candidate when seconding.
// `Seconded` carries the candidate; boxing it would change nothing on the wire and only add an
// allocation per statement.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub enum Statement {
    /// "I executed this candidate, it is valid, and I am its first backer in my group."
    #[codec(index = 1)]
    Seconded(CommittedCandidateReceipt),
    /// "I executed this candidate and it is valid."
    #[codec(index = 2)]
    Valid(CandidateHash),
}

impl Statement {
    /// The compact form, which is what gets signed.
    pub fn to_compact(&self) -> CompactStatement {
        match self {
            Statement::Seconded(c) => CompactStatement::Seconded(c.hash()),
            Statement::Valid(h) => CompactStatement::Valid(*h),
        }
    }

    /// The candidate the statement is about.
    pub fn candidate_hash(&self) -> CandidateHash {
        self.to_compact().candidate_hash()
    }
}

/// A statement reduced to the candidate hash: what a signature covers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode)]
pub enum CompactStatement {
    /// See [`Statement::Seconded`].
    #[codec(index = 1)]
    Seconded(CandidateHash),
    /// See [`Statement::Valid`].
    #[codec(index = 2)]
    Valid(CandidateHash),
}

impl CompactStatement {
    /// The candidate the statement is about.
    pub fn candidate_hash(&self) -> CandidateHash {
        match self {
            CompactStatement::Seconded(h) | CompactStatement::Valid(h) => *h,
        }
    }

    /// The signed bytes: `(b"BKNG", statement, context)`.
    pub fn signing_payload(&self, context: &SigningContext) -> Vec<u8> {
        (b"BKNG", self, context).encode()
    }
}

/// A statement signed by a validator.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct SignedStatement {
    /// The statement.
    pub statement: Statement,
    /// The signer's index in the session's validator set.
    pub validator: ValidatorIndex,
    /// sr25519 over [`CompactStatement::signing_payload`] with [`BACKING_SIGNING_CONTEXT`].
    pub signature: Sr25519Signature,
}

#[cfg(feature = "std")]
impl SignedStatement {
    /// Signs `statement` as `validator`.
    pub fn sign(
        pair: &crate::crypto::Pair,
        statement: Statement,
        context: &SigningContext,
        validator: ValidatorIndex,
    ) -> Self {
        let payload = statement.to_compact().signing_payload(context);
        let signature = pair.sign(BACKING_SIGNING_CONTEXT, &payload);
        SignedStatement { statement, validator, signature }
    }

    /// Whether the signature is `public`'s in `context`.
    pub fn check(&self, context: &SigningContext, public: &crate::Sr25519Public) -> bool {
        let payload = self.statement.to_compact().signing_payload(context);
        crate::crypto::verify(BACKING_SIGNING_CONTEXT, &payload, &self.signature, public)
    }
}

/// A backing vote as carried on chain: the signature of a `Seconded` (implicit validity) or a
/// `Valid` (explicit) statement.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode)]
pub enum ValidityAttestation {
    /// The signature of `CompactStatement::Seconded`.
    #[codec(index = 1)]
    Implicit(Sr25519Signature),
    /// The signature of `CompactStatement::Valid`.
    #[codec(index = 2)]
    Explicit(Sr25519Signature),
}

impl ValidityAttestation {
    /// The compact statement this attestation signed for `candidate`.
    pub fn to_compact(&self, candidate: CandidateHash) -> CompactStatement {
        match self {
            ValidityAttestation::Implicit(_) => CompactStatement::Seconded(candidate),
            ValidityAttestation::Explicit(_) => CompactStatement::Valid(candidate),
        }
    }

    /// The signature.
    pub fn signature(&self) -> &Sr25519Signature {
        match self {
            ValidityAttestation::Implicit(s) | ValidityAttestation::Explicit(s) => s,
        }
    }
}

/// A candidate with enough backing votes, as a block author puts it on chain.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct BackedCandidate {
    /// The candidate with its commitments.
    pub candidate: CommittedCandidateReceipt,
    /// The votes, sorted by validator index, one per validator.
    pub votes: Vec<(ValidatorIndex, ValidityAttestation)>,
}

impl BackedCandidate {
    /// The candidate's hash.
    pub fn hash(&self) -> CandidateHash {
        self.candidate.hash()
    }
}
