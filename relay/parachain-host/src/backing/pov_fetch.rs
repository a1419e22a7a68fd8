//! Step 6 of backing: a group member that has not validated a candidate seen `Seconded` fetches
//! its PoV from the candidate's backers, one at a time with a timeout; and every backer serves
//! the PoVs of the candidates it vouched for.

use std::collections::BTreeSet;

use atoll_primitives::parachain::ValidityAttestation;
use atoll_primitives::{CandidateHash, Hash, PersistedValidationData, PoV, ValidatorIndex};
use parity_scale_codec::Encode;

use super::error::penalize;
use super::relay_parent::{RelayParentState, Work};
use super::{next_id, Backing, BackingError};
use crate::protocol::{
    CheckPurpose, ExecutionKind, HostAction, HostMessage, PeerId, Target, ValidationRequest,
};

impl Backing {
    /// Someone asks for a candidate's PoV (Step 6): answered with the PoV and validation data
    /// if we vouched for it, `None` otherwise.
    pub fn on_pov_request(
        &self,
        from: PeerId,
        relay_parent: Hash,
        candidate_hash: CandidateHash,
    ) -> Vec<HostAction> {
        let pov = self
            .relay_parents
            .get(&relay_parent)
            .and_then(|s| s.candidates.get(&candidate_hash))
            .filter(|e| e.work == Work::Vouched)
            .and_then(|e| e.data.clone());
        vec![HostAction::Send(Target::Peer(from), HostMessage::PovResponse { candidate_hash, pov })]
    }

    /// A backer answered our PoV request (Step 6): checked against the descriptor and
    /// validated, or the next backer is asked.
    pub fn on_pov_response(
        &mut self,
        from: PeerId,
        candidate_hash: CandidateHash,
        pov: Option<(PoV, PersistedValidationData)>,
        now_ms: u64,
    ) -> Vec<HostAction> {
        let timeout = self.config.pov_fetch_timeout_ms;
        let fetching = |s: &RelayParentState| {
            s.candidates
                .get(&candidate_hash)
                .is_some_and(|e| matches!(e.work, Work::Fetching { .. }))
        };
        // Late or unsolicited answers are ignored.
        let Some(state) = self.relay_parents.values_mut().find(|s| fetching(s)) else {
            return Vec::new();
        };
        let Some((pov, validation_data)) = pov else {
            return ask_next_backer(state, candidate_hash, now_ms, timeout);
        };
        let Some(entry) = state.candidates.get_mut(&candidate_hash) else { return Vec::new() };
        let descriptor = &entry.candidate.descriptor;
        let matches = pov.hash() == descriptor.pov_hash
            && validation_data.hash() == descriptor.persisted_validation_data_hash
            && pov.encoded_size() <= validation_data.max_pov_size as usize;
        if !matches {
            let error = BackingError::PovResponseMismatch { candidate_hash };
            let mut actions = vec![penalize(from, &error)];
            actions.extend(ask_next_backer(state, candidate_hash, now_ms, timeout));
            return actions;
        }
        entry.work = Work::Validating;
        entry.data = Some((pov.clone(), validation_data.clone()));
        let request = ValidationRequest {
            id: next_id(&mut self.next_request_id),
            candidate: entry.candidate.to_plain(),
            validation_data,
            pov,
            kind: ExecutionKind::Backing,
            purpose: CheckPurpose::Backing { relay_parent: state.info.hash },
        };
        vec![HostAction::Validate(request)]
    }

    /// Time passed (Step 6): PoV requests unanswered for `pov_fetch_timeout_ms` go to the next
    /// backer. The router should call this on every tick; [`HostAction::WakeAt`] is emitted
    /// with every request.
    pub fn on_tick(&mut self, now_ms: u64) -> Vec<HostAction> {
        let timeout = self.config.pov_fetch_timeout_ms;
        let mut actions = Vec::new();
        for state in self.relay_parents.values_mut() {
            let due: Vec<CandidateHash> = state
                .candidates
                .iter()
                .filter(|(_, e)| {
                    matches!(e.work, Work::Fetching { asked: Some(_), deadline_ms, .. }
                        if deadline_ms <= now_ms)
                })
                .map(|(h, _)| *h)
                .collect();
            for candidate_hash in due {
                actions.extend(ask_next_backer(state, candidate_hash, now_ms, timeout));
            }
        }
        actions
    }
}

/// Step 6: starts (or resumes) fetching the PoV of a candidate of our group we have not
/// validated.
pub(super) fn maybe_fetch(
    state: &mut RelayParentState,
    candidate_hash: CandidateHash,
    now_ms: u64,
    timeout: u64,
) -> Vec<HostAction> {
    let (Some(our_group), Some(_)) = (state.our_group(), state.our_index) else {
        return Vec::new();
    };
    let seconding_it = state.in_flight.as_ref().is_some_and(|p| p.candidate_hash == candidate_hash);
    let Some(entry) = state.candidates.get_mut(&candidate_hash) else { return Vec::new() };
    if entry.group != our_group || seconding_it {
        return Vec::new();
    }
    match &entry.work {
        Work::Idle => {
            entry.work =
                Work::Fetching { asked: None, tried: BTreeSet::new(), deadline_ms: now_ms };
            ask_next_backer(state, candidate_hash, now_ms, timeout)
        }
        Work::Fetching { asked: None, .. } => {
            ask_next_backer(state, candidate_hash, now_ms, timeout)
        }
        _ => Vec::new(),
    }
}

/// Step 6: asks the next backer not tried yet (seconders first, then by index).
fn ask_next_backer(
    state: &mut RelayParentState,
    candidate_hash: CandidateHash,
    now_ms: u64,
    timeout: u64,
) -> Vec<HostAction> {
    let our_index = state.our_index;
    let relay_parent = state.info.hash;
    let Some(entry) = state.candidates.get_mut(&candidate_hash) else { return Vec::new() };
    let Work::Fetching { asked, tried, deadline_ms } = &mut entry.work else {
        return Vec::new();
    };
    let untried = |(v, _): &(&ValidatorIndex, &ValidityAttestation)| {
        Some(**v) != our_index && !tried.contains(*v)
    };
    let seconder = entry
        .votes
        .iter()
        .filter(untried)
        .find(|(_, a)| matches!(a, ValidityAttestation::Implicit(_)));
    let next = seconder.or_else(|| entry.votes.iter().find(untried)).map(|(v, _)| *v);
    *asked = next;
    let Some(backer) = next else { return Vec::new() };
    tried.insert(backer);
    *deadline_ms = now_ms.saturating_add(timeout);
    vec![
        HostAction::Send(
            Target::Validator(backer),
            HostMessage::PovRequest { relay_parent, candidate_hash },
        ),
        HostAction::WakeAt(*deadline_ms),
    ]
}
