//! Step 4 of backing: the shell's verdict on a candidate we asked to validate
//! ([`Backing::on_validation_result`]) is judged against the commitments and the erasure root;
//! a valid one stores the chunks and makes us sign `Seconded` (our seconding) or `Valid`
//! (vouching for someone else's candidate, Step 6).

use atoll_primitives::crypto::Pair;
use atoll_primitives::parachain::{AvailableData, Statement};
use atoll_primitives::{CandidateHash, CommittedCandidateReceipt, Hash};

use super::collation::{next_collation, PendingCollation};
use super::error::{penalize, rejected};
use super::relay_parent::{RelayParentState, Work};
use super::statements::{attestation, sign};
use super::{Backing, BackingError};
use crate::availability::Availability;
use crate::protocol::{HostAction, HostEvent, HostMessage, ValidationVerdict};

/// How a verdict turned out (Step 4).
enum Outcome {
    /// Valid, commitments match, chunks stored.
    Valid,
    /// Not a candidate to vouch for.
    Invalid(BackingError),
    /// We could not tell.
    Internal(String),
}

/// Step 4: judges a verdict and, if valid, stores the chunks.
fn judge(
    candidate: &CommittedCandidateReceipt,
    candidate_hash: CandidateHash,
    verdict: ValidationVerdict,
    n_validators: usize,
    data: &AvailableData,
    availability: &mut Availability,
) -> Outcome {
    match verdict {
        ValidationVerdict::Valid(result) => {
            if !candidate.commitments.matches(&result) {
                return Outcome::Invalid(BackingError::CommitmentsMismatch { candidate_hash });
            }
            let root = candidate.descriptor.erasure_root;
            match availability.store_available_data(candidate_hash, root, n_validators, data) {
                Ok(()) => Outcome::Valid,
                Err(source) if source.is_internal() => Outcome::Internal(source.to_string()),
                Err(source) => Outcome::Invalid(BackingError::Unavailable {
                    candidate_hash,
                    source: Box::new(source),
                }),
            }
        }
        ValidationVerdict::Invalid(reason) => {
            Outcome::Invalid(BackingError::Invalid { candidate_hash, reason })
        }
        ValidationVerdict::Internal(reason) => Outcome::Internal(reason),
    }
}

impl Backing {
    /// The verdict on a candidate we asked to validate at `relay_parent` (Step 4): a statement
    /// (`Seconded` for our seconding, `Valid` otherwise) and stored chunks if it is valid,
    /// [`HostEvent::CollationRejected`] if invalid, [`HostEvent::InternalError`] if the shell
    /// could not tell. Verdicts for requests we no longer track are ignored.
    pub fn on_validation_result(
        &mut self,
        relay_parent: Hash,
        candidate_hash: CandidateHash,
        verdict: ValidationVerdict,
        _now_ms: u64,
        availability: &mut Availability,
    ) -> Vec<HostAction> {
        let key = self.key.as_ref();
        let Some(state) = self.relay_parents.get_mut(&relay_parent) else { return Vec::new() };
        let seconding =
            state.in_flight.as_ref().is_some_and(|p| p.candidate_hash == candidate_hash);
        if seconding {
            let Some(pending) = state.in_flight.take() else { return Vec::new() };
            let mut actions = finish_seconding(key, state, pending, verdict, availability);
            actions.extend(next_collation(state, &mut self.next_request_id));
            return actions;
        }
        let validating =
            state.candidates.get(&candidate_hash).is_some_and(|e| e.work == Work::Validating);
        if validating {
            return finish_vouching(key, state, candidate_hash, verdict, availability);
        }
        Vec::new()
    }
}

/// Step 4 for our seconding.
fn finish_seconding(
    key: Option<&Pair>,
    state: &mut RelayParentState,
    pending: PendingCollation,
    verdict: ValidationVerdict,
    availability: &mut Availability,
) -> Vec<HostAction> {
    let PendingCollation { from, candidate, candidate_hash, pov, validation_data } = pending;
    let n = state.info.session.n_validators();
    let data = AvailableData { pov, validation_data };
    let give_up = |state: &mut RelayParentState| {
        if let Some(entry) = state.candidates.get_mut(&candidate_hash) {
            entry.work = Work::GaveUp;
        }
    };
    match judge(&candidate, candidate_hash, verdict, n, &data, availability) {
        Outcome::Invalid(error) => {
            give_up(state);
            return vec![rejected(candidate_hash, &error), penalize(from, &error)];
        }
        Outcome::Internal(reason) => {
            give_up(state);
            return vec![HostAction::Event(HostEvent::InternalError { candidate_hash, reason })];
        }
        Outcome::Valid => {}
    }
    let Some(group) = state.our_group() else { return Vec::new() };
    let Some(our_index) = state.our_index else { return Vec::new() };
    let Some(signed) = sign(key, state, Statement::Seconded(candidate.clone())) else {
        return Vec::new();
    };
    let para_id = candidate.descriptor.para_id;
    let relay_parent = state.info.hash;
    state.seconded = Some(candidate_hash);
    state.seconded_by.insert(our_index, candidate_hash);
    if !state.candidates.contains_key(&candidate_hash) {
        let entry = state.new_entry(candidate, group);
        state.candidates.insert(candidate_hash, entry);
    }
    if let Some(entry) = state.candidates.get_mut(&candidate_hash) {
        entry.votes.insert(our_index, attestation(&signed));
        entry.work = Work::Vouched;
        entry.data = Some((data.pov, data.validation_data));
    }
    let mut actions = vec![
        HostAction::Event(HostEvent::Seconded { candidate_hash, para_id, relay_parent }),
        HostAction::Broadcast(HostMessage::Statement { relay_parent, statement: signed }),
    ];
    actions.extend(state.check_backable(candidate_hash));
    actions
}

/// Step 4 for a candidate someone else seconded (Step 6).
fn finish_vouching(
    key: Option<&Pair>,
    state: &mut RelayParentState,
    candidate_hash: CandidateHash,
    verdict: ValidationVerdict,
    availability: &mut Availability,
) -> Vec<HostAction> {
    let n = state.info.session.n_validators();
    let Some(entry) = state.candidates.get_mut(&candidate_hash) else { return Vec::new() };
    let Some((pov, validation_data)) = entry.data.take() else { return Vec::new() };
    let data = AvailableData { pov, validation_data };
    match judge(&entry.candidate, candidate_hash, verdict, n, &data, availability) {
        Outcome::Invalid(error) => {
            entry.work = Work::GaveUp;
            return vec![rejected(candidate_hash, &error)];
        }
        Outcome::Internal(reason) => {
            entry.work = Work::GaveUp;
            return vec![HostAction::Event(HostEvent::InternalError { candidate_hash, reason })];
        }
        Outcome::Valid => {}
    }
    entry.data = Some((data.pov, data.validation_data));
    let Some(signed) = sign(key, state, Statement::Valid(candidate_hash)) else {
        return Vec::new();
    };
    let Some(our_index) = state.our_index else { return Vec::new() };
    let relay_parent = state.info.hash;
    if let Some(entry) = state.candidates.get_mut(&candidate_hash) {
        entry.votes.insert(our_index, attestation(&signed));
        entry.work = Work::Vouched;
    }
    let mut actions = vec![
        HostAction::Event(HostEvent::Validated { candidate_hash }),
        HostAction::Broadcast(HostMessage::Statement { relay_parent, statement: signed }),
    ];
    actions.extend(state.check_backable(candidate_hash));
    actions
}
