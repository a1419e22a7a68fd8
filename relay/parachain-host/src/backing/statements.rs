//! Step 5 of backing: statements from the network ([`Backing::on_statement`]) are checked and
//! recorded in the relay parent's table, early `Valid`s are held until their candidate is seen
//! `Seconded`, and double votes are reported as equivocations; also how we sign our own
//! statements and what attestation a statement makes.

use atoll_primitives::crypto::Pair;
use atoll_primitives::parachain::{SignedStatement, Statement, ValidityAttestation};
use atoll_primitives::Hash;

use super::error::penalize;
use super::pov_fetch::maybe_fetch;
use super::relay_parent::RelayParentState;
use super::{Backing, BackingError};
use crate::protocol::{HostAction, HostEvent, PeerId};

/// Signs `statement` as our validator at the relay parent (`None` without a key or index).
pub(super) fn sign(
    key: Option<&Pair>,
    state: &RelayParentState,
    statement: Statement,
) -> Option<SignedStatement> {
    let (key, index) = (key?, state.our_index?);
    Some(SignedStatement::sign(key, statement, &state.context(), index))
}

/// The attestation a signed statement makes.
pub(super) fn attestation(statement: &SignedStatement) -> ValidityAttestation {
    match statement.statement {
        Statement::Seconded(_) => ValidityAttestation::Implicit(statement.signature),
        Statement::Valid(_) => ValidityAttestation::Explicit(statement.signature),
    }
}

impl Backing {
    /// A statement from the network (Step 5), recorded if it checks out; it may make the
    /// candidate backable (Step 7) and make us fetch its PoV to vouch for it (Step 6).
    pub fn on_statement(
        &mut self,
        from: PeerId,
        relay_parent: Hash,
        statement: SignedStatement,
        now_ms: u64,
    ) -> Vec<HostAction> {
        let has_key = self.key.is_some();
        let timeout = self.config.pov_fetch_timeout_ms;
        let max_early = self.config.max_early_statements;
        let Some(state) = self.relay_parents.get_mut(&relay_parent) else {
            // Step 1: hold it until its relay parent is imported.
            if self.unknown_parent.len() >= self.config.max_unknown_parent_statements {
                self.unknown_parent.pop_front();
            }
            self.unknown_parent.push_back((from, relay_parent, statement));
            return Vec::new();
        };
        let validator = statement.validator;
        let candidate_hash = statement.statement.candidate_hash();
        let Some(public) = state.info.session.validators.get(validator.0 as usize).copied() else {
            let error = BackingError::UnknownValidator { validator, relay_parent };
            return vec![penalize(from, &error)];
        };
        let mut actions = Vec::new();
        match &statement.statement {
            Statement::Seconded(candidate) => {
                let group = match state.check_candidate(candidate, candidate_hash, validator) {
                    Ok(group) => group,
                    Err(error) => return vec![penalize(from, &error)],
                };
                if !statement.check(&state.context(), &public) {
                    let error = BackingError::BadSignature { candidate_hash, validator };
                    return vec![penalize(from, &error)];
                }
                // Step 5: double votes keep the first statement.
                if let Some(previous) = state.seconded_by.get(&validator) {
                    if *previous != candidate_hash {
                        actions.push(HostAction::Event(HostEvent::BackingEquivocation {
                            validator,
                            relay_parent,
                        }));
                    }
                    return actions;
                }
                let voted_valid = state
                    .candidates
                    .get(&candidate_hash)
                    .is_some_and(|e| e.votes.contains_key(&validator));
                if voted_valid {
                    let event = HostEvent::BackingEquivocation { validator, relay_parent };
                    return vec![HostAction::Event(event)];
                }
                state.seconded_by.insert(validator, candidate_hash);
                if !state.candidates.contains_key(&candidate_hash) {
                    let entry = state.new_entry(candidate.clone(), group);
                    state.candidates.insert(candidate_hash, entry);
                }
                if let Some(entry) = state.candidates.get_mut(&candidate_hash) {
                    entry.votes.insert(validator, attestation(&statement));
                }
                // Step 5: `Valid`s that came first.
                let (ready, early): (Vec<_>, Vec<_>) = std::mem::take(&mut state.early)
                    .into_iter()
                    .partition(|(_, s)| s.statement.candidate_hash() == candidate_hash);
                state.early = early;
                for (peer, valid) in ready {
                    actions.extend(record_valid(state, peer, valid));
                }
            }
            Statement::Valid(_) => {
                if !statement.check(&state.context(), &public) {
                    let error = BackingError::BadSignature { candidate_hash, validator };
                    return vec![penalize(from, &error)];
                }
                if !state.candidates.contains_key(&candidate_hash) {
                    if state.early.len() < max_early {
                        state.early.push((from, statement));
                    }
                    return Vec::new();
                }
                actions.extend(record_valid(state, from, statement));
            }
        }
        if has_key {
            actions.extend(maybe_fetch(state, candidate_hash, now_ms, timeout));
        }
        actions.extend(state.check_backable(candidate_hash));
        actions
    }
}

/// Step 5: records a verified `Valid` statement of a known candidate.
fn record_valid(
    state: &mut RelayParentState,
    from: PeerId,
    statement: SignedStatement,
) -> Vec<HostAction> {
    let validator = statement.validator;
    let candidate_hash = statement.statement.candidate_hash();
    let relay_parent = state.info.hash;
    let Some(entry) = state.candidates.get(&candidate_hash) else { return Vec::new() };
    if !state.group_members(entry.group).contains(&validator) {
        let error = BackingError::NotInGroup {
            candidate_hash,
            validator,
            group: entry.group,
            para_id: entry.para_id,
        };
        return vec![penalize(from, &error)];
    }
    match entry.votes.get(&validator) {
        Some(ValidityAttestation::Implicit(_)) => {
            let event = HostEvent::BackingEquivocation { validator, relay_parent };
            vec![HostAction::Event(event)]
        }
        Some(ValidityAttestation::Explicit(_)) => Vec::new(),
        None => {
            if let Some(entry) = state.candidates.get_mut(&candidate_hash) {
                entry.votes.insert(validator, attestation(&statement));
            }
            Vec::new()
        }
    }
}
