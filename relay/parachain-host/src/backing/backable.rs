//! Step 7 of backing: when a candidate is backable (its group's counted votes reach the backing
//! threshold), and what a block author puts on chain ([`Backing::backable_candidates`]) or a
//! dispute needs ([`Backing::votes_for`]).

use std::collections::BTreeMap;

use atoll_primitives::parachain::{BackedCandidate, ValidityAttestation};
use atoll_primitives::{CandidateHash, Hash, ParaId, ValidatorIndex};

use super::relay_parent::{CandidateEntry, RelayParentState};
use super::Backing;
use crate::protocol::{HostAction, HostEvent};

impl RelayParentState {
    /// Votes that count (Step 7): from members of the group that are not disabled, sorted.
    pub(super) fn counted_votes(
        &self,
        entry: &CandidateEntry,
    ) -> Vec<(ValidatorIndex, ValidityAttestation)> {
        let members = self.group_members(entry.group);
        entry
            .votes
            .iter()
            .filter(|(v, _)| members.contains(v) && !self.info.disabled.contains(v))
            .map(|(v, a)| (*v, *a))
            .collect()
    }

    /// Step 7: reports a candidate that reached its threshold, once.
    pub(super) fn check_backable(&mut self, candidate_hash: CandidateHash) -> Vec<HostAction> {
        let Some(entry) = self.candidates.get(&candidate_hash) else { return Vec::new() };
        let threshold = self.info.session.backing_threshold(entry.group);
        if entry.reported_backable || threshold == 0 {
            return Vec::new();
        }
        if self.counted_votes(entry).len() < threshold {
            return Vec::new();
        }
        let para_id = entry.para_id;
        if let Some(entry) = self.candidates.get_mut(&candidate_hash) {
            entry.reported_backable = true;
        }
        vec![HostAction::Event(HostEvent::Backable { candidate_hash, para_id })]
    }
}

impl Backing {
    /// What a block author whose parent is `relay_parent` puts on chain (Step 7): per para at
    /// most one backable candidate with that relay parent (most counted votes, then the lowest
    /// candidate hash), not already on chain, with its counted votes sorted by validator index
    /// (`Implicit` for `Seconded`, `Explicit` for `Valid`).
    pub fn backable_candidates(&self, relay_parent: Hash) -> Vec<BackedCandidate> {
        let Some(state) = self.relay_parents.get(&relay_parent) else { return Vec::new() };
        let mut best: BTreeMap<ParaId, (usize, CandidateHash, Vec<_>)> = BTreeMap::new();
        for (hash, entry) in &state.candidates {
            if self.on_chain.contains_key(hash) {
                continue;
            }
            let threshold = state.info.session.backing_threshold(entry.group);
            let votes = state.counted_votes(entry);
            if threshold == 0 || votes.len() < threshold {
                continue;
            }
            let better = best.get(&entry.para_id).is_none_or(|(count, other, _)| {
                votes.len() > *count || (votes.len() == *count && hash < other)
            });
            if better {
                best.insert(entry.para_id, (votes.len(), *hash, votes));
            }
        }
        best.into_values()
            .filter_map(|(_, hash, votes)| {
                let entry = state.candidates.get(&hash)?;
                Some(BackedCandidate { candidate: entry.candidate.clone(), votes })
            })
            .collect()
    }

    /// The backing votes we know for a candidate (for disputes): (validator, attestation,
    /// relay parent), sorted by validator.
    pub fn votes_for(
        &self,
        candidate_hash: &CandidateHash,
    ) -> Vec<(ValidatorIndex, ValidityAttestation, Hash)> {
        self.relay_parents
            .iter()
            .filter_map(|(rp, s)| s.candidates.get(candidate_hash).map(|e| (rp, e)))
            .flat_map(|(rp, e)| e.votes.iter().map(move |(v, a)| (*v, *a, *rp)))
            .collect()
    }
}
