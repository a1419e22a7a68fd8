//! The host's wire messages ([`HostMessage`]), its outputs ([`HostAction`]) and the answers the
//! shell feeds back ([`ValidationVerdict`]).

use atoll_primitives::parachain::{
    ErasureChunk, IndirectAssignmentCert, IndirectSignedApprovalVote, SignedAvailabilityBitfield,
    SignedDisputeStatement, SignedStatement,
};
use atoll_primitives::{
    BlockNumber, CandidateHash, CandidateReceipt, CommittedCandidateReceipt, CoreIndex, Hash,
    ParaId, PersistedValidationData, PoV, SessionIndex, ValidationResult, ValidatorIndex,
};
use parity_scale_codec::{Decode, Encode};

/// A peer of the network, as the shell names it (validators and collators alike).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Encode, Decode)]
pub struct PeerId(pub u64);

/// Largest encoded [`HostMessage`] accepted from the wire: a PoV at the hard limit plus room
/// for the candidate and validation data.
pub const MAX_HOST_MESSAGE_SIZE: usize = atoll_primitives::limits::MAX_POV_SIZE as usize + 65_536;

/// A message between validators, or from a collator to a validator.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub enum HostMessage {
    /// A collator delivers a collation to a member of the group assigned to its para's core.
    #[codec(index = 0)]
    Collation {
        /// The relay parent the candidate is built on.
        relay_parent: Hash,
        /// The candidate.
        candidate: CommittedCandidateReceipt,
        /// Its proof of validity.
        pov: PoV,
        /// The validation data it was built against.
        validation_data: PersistedValidationData,
    },
    /// A backing statement, broadcast to every validator.
    #[codec(index = 1)]
    Statement {
        /// The candidate's relay parent (with the session, the signing context).
        relay_parent: Hash,
        /// The statement.
        statement: SignedStatement,
    },
    /// Asks a backer for a candidate's PoV.
    #[codec(index = 2)]
    PovRequest {
        /// The candidate's relay parent.
        relay_parent: Hash,
        /// The candidate.
        candidate_hash: CandidateHash,
    },
    /// The answer to a [`HostMessage::PovRequest`] (`None`: not held).
    #[codec(index = 3)]
    PovResponse {
        /// The candidate.
        candidate_hash: CandidateHash,
        /// The PoV and the validation data.
        pov: Option<(PoV, PersistedValidationData)>,
    },
    /// Asks for the chunk of `index` of a candidate.
    #[codec(index = 4)]
    ChunkRequest {
        /// The candidate.
        candidate_hash: CandidateHash,
        /// Which chunk.
        index: ValidatorIndex,
    },
    /// The answer to a [`HostMessage::ChunkRequest`] (`None`: not held).
    #[codec(index = 5)]
    ChunkResponse {
        /// The candidate.
        candidate_hash: CandidateHash,
        /// The chunk with its proof.
        chunk: Option<ErasureChunk>,
    },
    /// A signed availability bitfield, broadcast to every validator.
    #[codec(index = 6)]
    Bitfield {
        /// The relay block the bitfield is about (its cores), which is the relay parent of
        /// the block that will carry it.
        relay_parent: Hash,
        /// The bitfield.
        bitfield: SignedAvailabilityBitfield,
    },
    /// An approval assignment, broadcast to every validator.
    #[codec(index = 7)]
    Assignment(IndirectAssignmentCert),
    /// An approval vote, broadcast to every validator.
    #[codec(index = 8)]
    Approval(IndirectSignedApprovalVote),
    /// A dispute statement with the candidate it is about, broadcast to every validator.
    #[codec(index = 9)]
    DisputeVote {
        /// The candidate (so that every validator can recover and re-execute it).
        candidate: CandidateReceipt,
        /// The statement.
        statement: SignedDisputeStatement,
    },
}

impl HostMessage {
    /// Decodes a message from the wire, refusing more than [`MAX_HOST_MESSAGE_SIZE`] bytes and
    /// trailing bytes.
    pub fn decode_untrusted(bytes: &[u8]) -> Result<HostMessage, atoll_primitives::DecodeError> {
        atoll_primitives::decode_bounded("host message", bytes, MAX_HOST_MESSAGE_SIZE)
    }
}

/// Where a message goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    /// The validator at this index of the current session (the shell knows its peer).
    Validator(ValidatorIndex),
    /// A peer by its network id (a collator, or whoever asked).
    Peer(PeerId),
}

/// Which execution timeout applies (research/protocol.md §11): backing's is short, approval's
/// and dispute's is 6× longer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode)]
pub enum ExecutionKind {
    /// Backing: [`atoll_primitives::limits::BACKING_TIMEOUT_MS`].
    Backing,
    /// Approval checking and disputes: [`atoll_primitives::limits::APPROVAL_TIMEOUT_MS`].
    Approval,
}

/// Why the host wants a candidate executed; the shell hands it back with the verdict.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode)]
pub enum CheckPurpose {
    /// Backing (seconding or a `Valid` statement) at a relay parent.
    Backing {
        /// The relay parent.
        relay_parent: Hash,
    },
    /// Approval checking of the candidate at `candidate_index` of block `block`.
    Approval {
        /// The including block.
        block: Hash,
        /// The candidate's index in the block.
        candidate_index: u32,
    },
    /// Participation in a dispute.
    Dispute,
}

/// A request to the shell: execute `pov` against `validation_data` with the code whose hash
/// the candidate's descriptor names (the shell finds the code in relay state), under the
/// timeout of `kind`, and answer [`crate::ParachainHost::on_validation_result`] with `id`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValidationRequest {
    /// Correlates the answer.
    pub id: u64,
    /// The candidate.
    pub candidate: CandidateReceipt,
    /// The inputs.
    pub validation_data: PersistedValidationData,
    /// The PoV.
    pub pov: PoV,
    /// The timeout.
    pub kind: ExecutionKind,
    /// Why.
    pub purpose: CheckPurpose,
}

impl ValidationRequest {
    /// The `validate_block` input the request stands for.
    pub fn validation_params(&self) -> atoll_primitives::ValidationParams {
        atoll_primitives::ValidationParams {
            parent_head: self.validation_data.parent_head.clone(),
            block_data: self.pov.block_data.clone(),
            relay_parent_number: self.validation_data.relay_parent_number,
            relay_parent_storage_root: self.validation_data.relay_parent_storage_root,
        }
    }
}

/// The shell's answer to a [`ValidationRequest`]. `Internal` (the shell's own failure) never
/// becomes an `Invalid` vote (DESIGN.md principle 3).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ValidationVerdict {
    /// The PVF accepted the block; its outputs, to compare with the commitments.
    Valid(ValidationResult),
    /// The PVF rejected the block (trap, bad PoV, timeout), with the reason.
    Invalid(String),
    /// The shell could not execute (no code for the hash, a host error), with the reason.
    Internal(String),
}

/// Something the host reports (for logs, metrics and the simulator's invariants).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HostEvent {
    /// We seconded a candidate.
    Seconded {
        /// The candidate.
        candidate_hash: CandidateHash,
        /// Its para.
        para_id: ParaId,
        /// Its relay parent.
        relay_parent: Hash,
    },
    /// We signed `Valid` for a candidate another validator seconded.
    Validated {
        /// The candidate.
        candidate_hash: CandidateHash,
    },
    /// A candidate reached its backing threshold.
    Backable {
        /// The candidate.
        candidate_hash: CandidateHash,
        /// Its para.
        para_id: ParaId,
    },
    /// A validator signed two different `Seconded` statements for one relay parent (or a
    /// `Seconded` and `Valid` pair that contradict): evidence of a double vote.
    BackingEquivocation {
        /// The offender.
        validator: ValidatorIndex,
        /// The relay parent.
        relay_parent: Hash,
    },
    /// We refused to back a candidate, with the reason (a bad collation, an invalid PoV).
    CollationRejected {
        /// The candidate.
        candidate_hash: CandidateHash,
        /// Why.
        reason: String,
    },
    /// We signed an availability bitfield.
    BitfieldSigned {
        /// The relay block the bits are about.
        relay_parent: Hash,
        /// Set bits.
        bits: usize,
    },
    /// We triggered our approval assignment.
    AssignmentTriggered {
        /// The candidate.
        candidate_hash: CandidateHash,
        /// The tranche.
        tranche: u32,
    },
    /// We approved a candidate after re-executing it.
    ApprovalSigned {
        /// The candidate.
        candidate_hash: CandidateHash,
    },
    /// An assigned checker did not approve in time.
    NoShow {
        /// The checker.
        validator: ValidatorIndex,
        /// The candidate.
        candidate_hash: CandidateHash,
    },
    /// A relay block (with its ancestors) became approved.
    BlockApproved {
        /// The block.
        hash: Hash,
        /// Its number.
        number: BlockNumber,
    },
    /// Recovery of a candidate's data failed, with the reason.
    RecoveryFailed {
        /// The candidate.
        candidate_hash: CandidateHash,
        /// Why.
        reason: String,
    },
    /// A dispute opened (opposing votes seen).
    DisputeOpened {
        /// The candidate.
        candidate_hash: CandidateHash,
    },
    /// We voted in a dispute.
    DisputeVoteCast {
        /// The candidate.
        candidate_hash: CandidateHash,
        /// Our vote.
        valid: bool,
    },
    /// A dispute reached `n − f` votes on one side.
    DisputeConcluded {
        /// The candidate.
        candidate_hash: CandidateHash,
        /// `true` if valid.
        valid: bool,
    },
    /// A validation the shell could not perform (never a vote).
    InternalError {
        /// The candidate.
        candidate_hash: CandidateHash,
        /// Why.
        reason: String,
    },
}

/// What the host asks its shell to do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HostAction {
    /// Send a message to one target.
    Send(Target, HostMessage),
    /// Send a message to every validator of the current session.
    Broadcast(HostMessage),
    /// Execute a candidate (see [`ValidationRequest`]).
    Validate(ValidationRequest),
    /// Call [`crate::ParachainHost::on_tick`] at this time (ms).
    WakeAt(u64),
    /// A peer misbehaved (undecodable data, a bad signature, a chunk with a bad proof).
    Penalize {
        /// The peer.
        peer: PeerId,
        /// Why.
        reason: String,
    },
    /// The relay block and its descendants must be reverted: they include a candidate that a
    /// dispute concluded invalid (the node marks them non-viable).
    Revert {
        /// The first block to abandon.
        block: Hash,
    },
    /// Recover a candidate's data from chunks and execute it (approval checking, dispute
    /// participation). Internal: [`crate::ParachainHost`] turns it into availability recovery
    /// and a [`HostAction::Validate`]; the shell never sees it.
    Check(CheckRequest),
    /// A report.
    Event(HostEvent),
}

/// Where a sub-machine wants a candidate's data recovered from chunks (approval checking and
/// disputes); the router runs availability recovery, then validation, then hands the verdict
/// back with the purpose.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckRequest {
    /// The candidate.
    pub candidate: CandidateReceipt,
    /// The session it was backed in (whose validators hold the chunks).
    pub session: SessionIndex,
    /// The core it was pending on (unused by recovery; kept for reports).
    pub core: Option<CoreIndex>,
    /// Why.
    pub purpose: CheckPurpose,
}
