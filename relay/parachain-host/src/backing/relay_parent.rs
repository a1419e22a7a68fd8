//! What [`Backing`](super::Backing) keeps per relay parent (Step 1): the block, our index, the
//! seconding state (Step 3), the statement table of candidates with their votes and our own work
//! on each (Steps 5 and 6), and the checks of a candidate that do not need its PoV (Steps 2
//! and 5).

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use atoll_primitives::parachain::{SignedStatement, SigningContext, ValidityAttestation};
use atoll_primitives::{
    CandidateHash, CommittedCandidateReceipt, GroupIndex, ParaId, PersistedValidationData, PoV,
    ValidatorIndex,
};

use super::collation::PendingCollation;
use super::BackingError;
use crate::protocol::PeerId;
use crate::view::RelayBlockInfo;

/// Our own work on a candidate of the table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Work {
    /// Nothing started (not our group, or nobody to fetch from yet).
    Idle,
    /// Fetching the PoV (Step 6): `asked` is the backer asked last (`None`: every backer known
    /// so far was tried), `deadline_ms` when to give up on it.
    Fetching { asked: Option<ValidatorIndex>, tried: BTreeSet<ValidatorIndex>, deadline_ms: u64 },
    /// The shell is executing it.
    Validating,
    /// We signed a statement for it and hold its PoV.
    Vouched,
    /// It proved invalid, or could not be checked: no statement from us.
    GaveUp,
}

/// A candidate of the statement table (Step 5).
pub(super) struct CandidateEntry {
    pub(super) candidate: CommittedCandidateReceipt,
    pub(super) para_id: ParaId,
    pub(super) group: GroupIndex,
    pub(super) votes: BTreeMap<ValidatorIndex, ValidityAttestation>,
    pub(super) reported_backable: bool,
    pub(super) work: Work,
    /// The PoV and validation data, once fetched or delivered (kept to serve them).
    pub(super) data: Option<(PoV, PersistedValidationData)>,
}

/// Everything about one relay parent.
pub(super) struct RelayParentState {
    pub(super) info: RelayBlockInfo,
    pub(super) our_index: Option<ValidatorIndex>,
    /// The collation being validated for seconding (Step 3).
    pub(super) in_flight: Option<PendingCollation>,
    pub(super) queue: VecDeque<PendingCollation>,
    /// What we seconded (Step 3).
    pub(super) seconded: Option<CandidateHash>,
    /// Who seconded what (Step 5, double votes).
    pub(super) seconded_by: BTreeMap<ValidatorIndex, CandidateHash>,
    pub(super) candidates: BTreeMap<CandidateHash, CandidateEntry>,
    /// Verified `Valid` statements for candidates not seen `Seconded` yet.
    pub(super) early: Vec<(PeerId, SignedStatement)>,
}

impl RelayParentState {
    pub(super) fn context(&self) -> SigningContext {
        SigningContext { session: self.info.session.session, parent_hash: self.info.hash }
    }

    pub(super) fn our_group(&self) -> Option<GroupIndex> {
        self.our_index.and_then(|i| self.info.session.group_of(i))
    }

    pub(super) fn group_members(&self, group: GroupIndex) -> &[ValidatorIndex] {
        self.info.session.groups.get(group.0 as usize).map_or(&[], Vec::as_slice)
    }

    /// Step 2 and Step 5: the facts of a candidate at this relay parent that do not depend on
    /// its PoV, with `validator` as its backer. Returns the candidate's group.
    pub(super) fn check_candidate(
        &self,
        candidate: &CommittedCandidateReceipt,
        candidate_hash: CandidateHash,
        validator: ValidatorIndex,
    ) -> Result<GroupIndex, BackingError> {
        let relay_parent = self.info.hash;
        let descriptor = &candidate.descriptor;
        if descriptor.relay_parent != relay_parent {
            return Err(BackingError::RelayParentMismatch {
                candidate_hash,
                relay_parent,
                descriptor: descriptor.relay_parent,
            });
        }
        let para_id = descriptor.para_id;
        let core = self.info.cores.iter().find(|c| c.para_id == para_id);
        let no_core = BackingError::NoCore { candidate_hash, para_id, relay_parent };
        let core = core.ok_or(no_core.clone())?;
        if core.frozen {
            return Err(BackingError::ParaFrozen { candidate_hash, para_id });
        }
        if !self.group_members(core.group).contains(&validator) {
            return Err(BackingError::NotInGroup {
                candidate_hash,
                validator,
                group: core.group,
                para_id,
            });
        }
        let para = self.info.paras.get(&para_id).ok_or(no_core)?;
        if descriptor.persisted_validation_data_hash != para.validation_data.hash() {
            return Err(BackingError::ValidationDataHashMismatch { candidate_hash });
        }
        if descriptor.validation_code_hash != para.code_hash {
            return Err(BackingError::CodeHashMismatch {
                candidate_hash,
                got: descriptor.validation_code_hash.0,
                expected: para.code_hash.0,
            });
        }
        if descriptor.para_head != candidate.commitments.head_data.hash() {
            return Err(BackingError::ParaHeadMismatch { candidate_hash });
        }
        Ok(core.group)
    }

    pub(super) fn new_entry(
        &self,
        candidate: CommittedCandidateReceipt,
        group: GroupIndex,
    ) -> CandidateEntry {
        CandidateEntry {
            para_id: candidate.descriptor.para_id,
            candidate,
            group,
            votes: BTreeMap::new(),
            reported_backable: false,
            work: Work::Idle,
            data: None,
        }
    }
}
