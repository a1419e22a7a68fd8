//! Availability's errors: [`AvailabilityError`], why data could not be stored or a bitfield or
//! chunk was refused, and [`RecoveryFailure`], why a recovery did not produce the data.

use atoll_primitives::{CandidateHash, Hash, ValidatorIndex};

use crate::erasure::ErasureError;

/// Why data could not be stored, or a bitfield or chunk was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AvailabilityError {
    /// The data's erasure root is not the descriptor's.
    #[error("{candidate_hash}: erasure root mismatch: the descriptor says {expected}, the data gives {computed}")]
    RootMismatch {
        /// The candidate.
        candidate_hash: CandidateHash,
        /// The descriptor's root.
        expected: Hash,
        /// The root of the data.
        computed: Hash,
    },
    /// The data could not be erasure coded.
    #[error("{candidate_hash}: cannot erasure code the available data: {source}")]
    Erasure {
        /// The candidate.
        candidate_hash: CandidateHash,
        /// What the codec said.
        source: ErasureError,
    },
    /// A bitfield signer outside the block's validator set.
    #[error("bitfield for {relay_parent}: {validator} is not a validator")]
    UnknownValidator {
        /// The claimed signer.
        validator: ValidatorIndex,
        /// The block.
        relay_parent: Hash,
    },
    /// A bitfield with the wrong number of bits.
    #[error("bitfield of {validator} for {relay_parent}: {len} bits for {expected} cores")]
    BitfieldLength {
        /// The signer.
        validator: ValidatorIndex,
        /// The block.
        relay_parent: Hash,
        /// Its bits.
        len: usize,
        /// The cores.
        expected: usize,
    },
    /// A bitfield whose signature does not verify.
    #[error("bitfield of {validator} for {relay_parent}: bad signature")]
    BadSignature {
        /// The claimed signer.
        validator: ValidatorIndex,
        /// The block.
        relay_parent: Hash,
    },
    /// A chunk whose proof does not lead to the erasure root.
    #[error("{candidate_hash}: chunk {index} refused: {source}")]
    BadChunk {
        /// The candidate.
        candidate_hash: CandidateHash,
        /// The chunk's index.
        index: ValidatorIndex,
        /// Why.
        source: ErasureError,
    },
}

impl AvailabilityError {
    /// Whether the error is ours rather than the candidate's (a validator count the codec does
    /// not support, a codec failure): such a failure is never held against a candidate.
    pub fn is_internal(&self) -> bool {
        matches!(
            self,
            AvailabilityError::Erasure {
                source: ErasureError::TooFewValidators { .. }
                    | ErasureError::TooManyValidators { .. }
                    | ErasureError::Codec(_),
                ..
            }
        )
    }
}

/// Why a recovery did not produce the data (Step 6).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RecoveryFailure {
    /// The chunks do not encode data matching the descriptor: the candidate is invalid.
    #[error("the candidate's available data is invalid: {0}")]
    Invalid(String),
    /// Not enough chunks could be had: no verdict either way.
    #[error("not enough chunks could be recovered")]
    Unavailable,
}
