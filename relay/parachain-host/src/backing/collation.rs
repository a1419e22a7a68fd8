//! Steps 2 and 3 of backing: a collator's collation is checked ([`Backing::on_collation`]), then
//! validated for seconding, one per relay parent at a time, the others waiting in a bounded
//! queue until one is seconded.

use atoll_primitives::{
    CandidateHash, CommittedCandidateReceipt, Hash, PersistedValidationData, PoV, ValidatorIndex,
};
use parity_scale_codec::Encode;

use super::error::{penalize, rejected};
use super::relay_parent::{RelayParentState, Work};
use super::{next_id, Backing, BackingError};
use crate::availability::Availability;
use crate::protocol::{CheckPurpose, ExecutionKind, HostAction, PeerId, ValidationRequest};

/// A collation being validated for seconding, or waiting for its turn (Step 3).
pub(super) struct PendingCollation {
    pub(super) from: PeerId,
    pub(super) candidate: CommittedCandidateReceipt,
    pub(super) candidate_hash: CandidateHash,
    pub(super) pov: PoV,
    pub(super) validation_data: PersistedValidationData,
}

impl Backing {
    /// A collator delivered a collation (Steps 2 and 3): checked, then validated with the
    /// backing timeout (or queued behind the collation being validated for the relay parent).
    /// `availability` is not needed before the PoV proves valid; it is taken so that every
    /// backing entry point that may store data has the same shape.
    #[allow(clippy::too_many_arguments)]
    pub fn on_collation(
        &mut self,
        from: PeerId,
        relay_parent: Hash,
        candidate: CommittedCandidateReceipt,
        pov: PoV,
        validation_data: PersistedValidationData,
        _now_ms: u64,
        _availability: &mut Availability,
    ) -> Vec<HostAction> {
        let candidate_hash = candidate.hash();
        let Some(state) = self.relay_parents.get_mut(&relay_parent) else {
            // Step 2: possibly a collator ahead of us; not provably its fault.
            let error = BackingError::UnknownRelayParent { relay_parent };
            return vec![rejected(candidate_hash, &error)];
        };
        let (Some(_), Some(our_index)) = (self.key.as_ref(), state.our_index) else {
            let error = BackingError::NotAValidator { relay_parent };
            return vec![rejected(candidate_hash, &error)];
        };
        // Step 2: the collation itself.
        if let Err(error) =
            check_collation(state, &candidate, candidate_hash, our_index, &pov, &validation_data)
        {
            return vec![rejected(candidate_hash, &error), penalize(from, &error)];
        }
        // Step 3: the seconding limit.
        if let Some(seconded) = state.seconded {
            let error = BackingError::AlreadySeconded { candidate_hash, seconded, relay_parent };
            return vec![rejected(candidate_hash, &error)];
        }
        let pending_same = |p: &PendingCollation| p.candidate_hash == candidate_hash;
        let busy_with_it = state.in_flight.as_ref().is_some_and(pending_same)
            || state.queue.iter().any(pending_same)
            || state
                .candidates
                .get(&candidate_hash)
                .is_some_and(|e| matches!(e.work, Work::Validating | Work::Vouched | Work::GaveUp));
        if busy_with_it {
            let error = BackingError::AlreadyKnown { candidate_hash };
            return vec![rejected(candidate_hash, &error)];
        }
        let pending = PendingCollation { from, candidate, candidate_hash, pov, validation_data };
        if state.in_flight.is_some() {
            if state.queue.len() >= self.config.max_queued_collations {
                let error = BackingError::Busy { candidate_hash, relay_parent };
                return vec![rejected(candidate_hash, &error)];
            }
            state.queue.push_back(pending);
            return Vec::new();
        }
        start_seconding(state, pending, &mut self.next_request_id)
    }
}

/// Step 2: the checks of a collation that need its PoV and validation data.
fn check_collation(
    state: &RelayParentState,
    candidate: &CommittedCandidateReceipt,
    candidate_hash: CandidateHash,
    our_index: ValidatorIndex,
    pov: &PoV,
    validation_data: &PersistedValidationData,
) -> Result<(), BackingError> {
    state.check_candidate(candidate, candidate_hash, our_index)?;
    if !candidate.descriptor.check_signature() {
        return Err(BackingError::BadCollatorSignature { candidate_hash });
    }
    let para_id = candidate.descriptor.para_id;
    let para = state.info.paras.get(&para_id).ok_or(BackingError::NoCore {
        candidate_hash,
        para_id,
        relay_parent: state.info.hash,
    })?;
    if *validation_data != para.validation_data {
        return Err(BackingError::ValidationDataMismatch { candidate_hash });
    }
    if pov.hash() != candidate.descriptor.pov_hash {
        return Err(BackingError::PovHashMismatch { candidate_hash });
    }
    let size = pov.encoded_size();
    if size > validation_data.max_pov_size as usize {
        return Err(BackingError::PovTooLarge {
            candidate_hash,
            size,
            max: validation_data.max_pov_size,
        });
    }
    Ok(())
}

/// Step 3: asks the shell to validate a collation for seconding.
fn start_seconding(
    state: &mut RelayParentState,
    pending: PendingCollation,
    counter: &mut u64,
) -> Vec<HostAction> {
    if let Some(entry) = state.candidates.get_mut(&pending.candidate_hash) {
        // Someone else seconded it too: whatever we were fetching is not needed any more.
        entry.work = Work::Validating;
    }
    let request = ValidationRequest {
        id: next_id(counter),
        candidate: pending.candidate.to_plain(),
        validation_data: pending.validation_data.clone(),
        pov: pending.pov.clone(),
        kind: ExecutionKind::Backing,
        purpose: CheckPurpose::Backing { relay_parent: state.info.hash },
    };
    state.in_flight = Some(pending);
    vec![HostAction::Validate(request)]
}

/// Step 3: after a seconding verdict, the next queued collation (or none once seconded).
pub(super) fn next_collation(state: &mut RelayParentState, counter: &mut u64) -> Vec<HostAction> {
    let mut actions = Vec::new();
    if let Some(seconded) = state.seconded {
        for dropped in std::mem::take(&mut state.queue) {
            let error = BackingError::AlreadySeconded {
                candidate_hash: dropped.candidate_hash,
                seconded,
                relay_parent: state.info.hash,
            };
            actions.push(rejected(dropped.candidate_hash, &error));
        }
        return actions;
    }
    while let Some(next) = state.queue.pop_front() {
        let known = state
            .candidates
            .get(&next.candidate_hash)
            .is_some_and(|e| matches!(e.work, Work::Validating | Work::Vouched | Work::GaveUp));
        if known {
            let error = BackingError::AlreadyKnown { candidate_hash: next.candidate_hash };
            actions.push(rejected(next.candidate_hash, &error));
            continue;
        }
        actions.extend(start_seconding(state, next, counter));
        break;
    }
    actions
}
