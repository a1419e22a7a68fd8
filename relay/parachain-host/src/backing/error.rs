//! [`BackingError`]: why a collation, a statement or a PoV was refused, and the two actions such
//! an error becomes (a penalty of the sender, a [`HostEvent::CollationRejected`] event).

use atoll_primitives::{CandidateHash, GroupIndex, Hash, ParaId, ValidatorIndex};

use crate::availability::AvailabilityError;
use crate::protocol::{HostAction, HostEvent, PeerId};

/// Why a collation, a statement or a PoV was refused (the `reason` of events and penalties).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BackingError {
    /// The relay parent is not a recent block we know.
    #[error("relay parent {relay_parent} is unknown or too old")]
    UnknownRelayParent {
        /// The relay parent.
        relay_parent: Hash,
    },
    /// The descriptor names another relay parent than the one the message is for.
    #[error(
        "{candidate_hash}: the descriptor names relay parent {descriptor}, not {relay_parent}"
    )]
    RelayParentMismatch {
        /// The candidate.
        candidate_hash: CandidateHash,
        /// The relay parent of the message.
        relay_parent: Hash,
        /// The relay parent of the descriptor.
        descriptor: Hash,
    },
    /// We hold no key of the relay parent's validator set.
    #[error("we are not a validator at relay parent {relay_parent}")]
    NotAValidator {
        /// The relay parent.
        relay_parent: Hash,
    },
    /// A validator index outside the relay parent's validator set.
    #[error("{validator} is not a validator at relay parent {relay_parent}")]
    UnknownValidator {
        /// The index.
        validator: ValidatorIndex,
        /// The relay parent.
        relay_parent: Hash,
    },
    /// No core serves the candidate's para at the relay parent.
    #[error("{candidate_hash}: {para_id} has no core at relay parent {relay_parent}")]
    NoCore {
        /// The candidate.
        candidate_hash: CandidateHash,
        /// Its para.
        para_id: ParaId,
        /// The relay parent.
        relay_parent: Hash,
    },
    /// The para is frozen by a dispute.
    #[error("{candidate_hash}: {para_id} is frozen")]
    ParaFrozen {
        /// The candidate.
        candidate_hash: CandidateHash,
        /// Its para.
        para_id: ParaId,
    },
    /// The validator is not in the group backing the para at the relay parent.
    #[error("{candidate_hash}: {validator} is not in {group}, which backs {para_id}")]
    NotInGroup {
        /// The candidate.
        candidate_hash: CandidateHash,
        /// The validator.
        validator: ValidatorIndex,
        /// The group backing the para.
        group: GroupIndex,
        /// The para.
        para_id: ParaId,
    },
    /// We already seconded a candidate at this relay parent.
    #[error("{candidate_hash}: we already seconded {seconded} at relay parent {relay_parent}")]
    AlreadySeconded {
        /// The refused candidate.
        candidate_hash: CandidateHash,
        /// The candidate we seconded.
        seconded: CandidateHash,
        /// The relay parent.
        relay_parent: Hash,
    },
    /// Another collation is being validated for the relay parent and the queue is full.
    #[error("{candidate_hash}: busy with another collation at relay parent {relay_parent}")]
    Busy {
        /// The refused candidate.
        candidate_hash: CandidateHash,
        /// The relay parent.
        relay_parent: Hash,
    },
    /// We already vouched for (or are validating) this candidate.
    #[error("{candidate_hash}: already validated or being validated")]
    AlreadyKnown {
        /// The candidate.
        candidate_hash: CandidateHash,
    },
    /// The validation data differs from the relay chain's for the para.
    #[error("{candidate_hash}: validation data differs from the relay chain's")]
    ValidationDataMismatch {
        /// The candidate.
        candidate_hash: CandidateHash,
    },
    /// The validation data does not hash to the descriptor's hash.
    #[error("{candidate_hash}: validation data does not hash to the descriptor's")]
    ValidationDataHashMismatch {
        /// The candidate.
        candidate_hash: CandidateHash,
    },
    /// The collator's signature on the descriptor does not verify.
    #[error("{candidate_hash}: bad collator signature")]
    BadCollatorSignature {
        /// The candidate.
        candidate_hash: CandidateHash,
    },
    /// The PoV does not hash to the descriptor's `pov_hash`.
    #[error("{candidate_hash}: PoV does not hash to the descriptor's pov_hash")]
    PovHashMismatch {
        /// The candidate.
        candidate_hash: CandidateHash,
    },
    /// The PoV exceeds the validation data's `max_pov_size`.
    #[error("{candidate_hash}: PoV of {size} bytes exceeds {max}")]
    PovTooLarge {
        /// The candidate.
        candidate_hash: CandidateHash,
        /// The PoV's encoded size.
        size: usize,
        /// The limit.
        max: u32,
    },
    /// The descriptor's code hash is not the para's current code.
    #[error("{candidate_hash}: validation code hash {got} is not the para's {expected}")]
    CodeHashMismatch {
        /// The candidate.
        candidate_hash: CandidateHash,
        /// The descriptor's.
        got: Hash,
        /// The para's.
        expected: Hash,
    },
    /// The descriptor's `para_head` is not the hash of the commitments' head data.
    #[error("{candidate_hash}: para_head is not the hash of the committed head data")]
    ParaHeadMismatch {
        /// The candidate.
        candidate_hash: CandidateHash,
    },
    /// Execution succeeded but its outputs differ from the commitments.
    #[error("{candidate_hash}: the validation result differs from the commitments")]
    CommitmentsMismatch {
        /// The candidate.
        candidate_hash: CandidateHash,
    },
    /// The PVF rejected the candidate.
    #[error("{candidate_hash}: invalid: {reason}")]
    Invalid {
        /// The candidate.
        candidate_hash: CandidateHash,
        /// The PVF's reason.
        reason: String,
    },
    /// The available data could not be stored (a wrong erasure root, or too large).
    #[error("{candidate_hash}: {source}")]
    Unavailable {
        /// The candidate.
        candidate_hash: CandidateHash,
        /// What availability said.
        source: Box<AvailabilityError>,
    },
    /// A statement's signature does not verify.
    #[error("{candidate_hash}: bad statement signature of {validator}")]
    BadSignature {
        /// The candidate.
        candidate_hash: CandidateHash,
        /// The claimed signer.
        validator: ValidatorIndex,
    },
    /// A PoV response does not match the descriptor.
    #[error("{candidate_hash}: the PoV or validation data sent does not match the descriptor")]
    PovResponseMismatch {
        /// The candidate.
        candidate_hash: CandidateHash,
    },
}

pub(super) fn penalize(peer: PeerId, error: &BackingError) -> HostAction {
    HostAction::Penalize { peer, reason: error.to_string() }
}

pub(super) fn rejected(candidate_hash: CandidateHash, error: &BackingError) -> HostAction {
    HostAction::Event(HostEvent::CollationRejected { candidate_hash, reason: error.to_string() })
}
