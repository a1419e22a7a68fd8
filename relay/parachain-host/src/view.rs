//! What the parachain host learns from the relay chain: one [`RelayBlockInfo`] per imported
//! relay block, extracted from the block's state by the node (the host never reads relay state
//! itself, so it stays pure and testable with hand-made views).

use std::collections::BTreeMap;
use std::sync::Arc;

use atoll_primitives::parachain::ValidityAttestation;
use atoll_primitives::relay::ValidatorId;
use atoll_primitives::{
    BlockNumber, CandidateHash, CandidateReceipt, CommittedCandidateReceipt, CoreIndex, GroupIndex,
    Hash, HeadData, ParaId, PersistedValidationData, SessionIndex, ValidationCodeHash,
    ValidatorIndex,
};

/// The parts of a session the host needs; shared by every block of the session.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionInfo {
    /// The session.
    pub session: SessionIndex,
    /// The validators, by index.
    pub validators: Vec<ValidatorId>,
    /// The backing groups, by group index.
    pub groups: Vec<Vec<ValidatorIndex>>,
    /// Number of availability cores (one per para).
    pub n_cores: u32,
    /// Backing votes a candidate needs, before capping by the group size.
    pub minimum_backing_votes: u32,
    /// Approval votes a candidate needs (already capped at n − 1).
    pub needed_approvals: u32,
    /// VRF samples of the tranche-0 (modulo) criterion per validator and block.
    pub relay_vrf_modulo_samples: u32,
    /// Number of delay tranches of the delay criterion.
    pub n_delay_tranches: u32,
    /// Length of one tranche, ms.
    pub tranche_ms: u64,
    /// Time after a checker's tranche starts after which a missing approval is a no-show, ms.
    pub no_show_ms: u64,
}

impl SessionInfo {
    /// The backing threshold of a group: `min(group size, minimum_backing_votes)`.
    pub fn backing_threshold(&self, group: GroupIndex) -> usize {
        let size = self.groups.get(group.0 as usize).map_or(0, Vec::len);
        size.min(self.minimum_backing_votes as usize)
    }

    /// The group a validator belongs to.
    pub fn group_of(&self, validator: ValidatorIndex) -> Option<GroupIndex> {
        self.groups.iter().position(|g| g.contains(&validator)).map(|i| GroupIndex(i as u32))
    }

    /// Number of validators.
    pub fn n_validators(&self) -> usize {
        self.validators.len()
    }
}

/// A candidate pending availability on a core.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OccupiedCore {
    /// The candidate.
    pub candidate: CandidateReceipt,
    /// Its hash.
    pub candidate_hash: CandidateHash,
    /// The group that backed it.
    pub backing_group: GroupIndex,
    /// The validators whose backing votes were accepted.
    pub backers: Vec<ValidatorIndex>,
    /// The block number it was backed in.
    pub backed_in: BlockNumber,
}

/// One availability core as of a relay block.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CoreInfo {
    /// The core.
    pub core: CoreIndex,
    /// The para it serves.
    pub para_id: ParaId,
    /// The group that backs candidates whose relay parent is this block (the group assigned
    /// at the next block).
    pub group: GroupIndex,
    /// The candidate pending availability, if any.
    pub occupied: Option<OccupiedCore>,
    /// Whether the para is frozen (a dispute concluded against one of its finalized
    /// candidates): no candidate of it is accepted.
    pub frozen: bool,
}

/// What a collator builds on and a backer checks against, for a para at a relay parent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParaData {
    /// The para's current head.
    pub head: HeadData,
    /// Hash of the para's current validation code.
    pub code_hash: ValidationCodeHash,
    /// The persisted validation data of a candidate with this relay parent.
    pub validation_data: PersistedValidationData,
}

/// A candidate enacted (included) by a relay block.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IncludedCandidate {
    /// The candidate.
    pub candidate: CandidateReceipt,
    /// Its hash.
    pub candidate_hash: CandidateHash,
    /// The core it was pending on.
    pub core: CoreIndex,
    /// The group that backed it.
    pub backing_group: GroupIndex,
}

/// A candidate that became pending availability in a relay block, with its backing votes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BackedInBlock {
    /// The candidate with its commitments.
    pub candidate: CommittedCandidateReceipt,
    /// Its hash.
    pub candidate_hash: CandidateHash,
    /// The core.
    pub core: CoreIndex,
    /// The backing votes the chain accepted (they count as `Valid` dispute statements, of kind
    /// `BackingSeconded`/`BackingValid` with the candidate's relay parent).
    pub votes: Vec<(ValidatorIndex, ValidityAttestation)>,
}

/// A dispute the relay chain concluded in a block.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConcludedDispute {
    /// The candidate.
    pub candidate_hash: CandidateHash,
    /// `true` if it concluded valid.
    pub valid: bool,
}

/// Everything the host needs to know about one imported relay block.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RelayBlockInfo {
    /// The block.
    pub hash: Hash,
    /// Its parent.
    pub parent_hash: Hash,
    /// Its number.
    pub number: BlockNumber,
    /// The start of its slot, ms since the chain's time origin (tranche 0 starts here).
    pub slot_start_ms: u64,
    /// Its state root.
    pub state_root: Hash,
    /// The session of the block's children (the one backing statements with this block as
    /// relay parent are signed in).
    pub session: Arc<SessionInfo>,
    /// Validators disabled for the rest of the session (their backing votes do not count).
    pub disabled: Vec<ValidatorIndex>,
    /// The cores after this block.
    pub cores: Vec<CoreInfo>,
    /// Per para: head, code and validation data for candidates with this block as relay parent.
    pub paras: BTreeMap<ParaId, ParaData>,
    /// Candidates this block enacted, in order; the position is the `candidate_index` of
    /// approval assignments and votes.
    pub included: Vec<IncludedCandidate>,
    /// Candidates this block put pending availability.
    pub backed: Vec<BackedInBlock>,
    /// Disputes this block concluded.
    pub concluded_disputes: Vec<ConcludedDispute>,
    /// The randomness approval assignments of this block's candidates are drawn from
    /// (derived from the block author's VRF output).
    pub approval_story: [u8; 32],
}

/// What the collator needs to know about a relay block to build on it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RelayParentView {
    /// The relay block.
    pub hash: Hash,
    /// Its number.
    pub number: BlockNumber,
    /// The head to build on: the head of the candidate pending availability if there is one
    /// (it may be included by the block that backs ours), else the para's head.
    pub para_head: HeadData,
    /// The validation data the relay chain expects for a candidate on it.
    pub validation_data: PersistedValidationData,
    /// The para's current code hash.
    pub code_hash: ValidationCodeHash,
    /// The group that backs candidates with this relay parent.
    pub group: Vec<ValidatorIndex>,
    /// The number of validators (chunks).
    pub n_validators: usize,
    /// Whether the para is frozen (a dispute concluded against one of its finalized
    /// candidates): nothing may be built on it.
    pub frozen: bool,
}
