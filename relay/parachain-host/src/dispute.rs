//! [`DisputeCoordinator`]: dispute votes, participation and conclusions (DESIGN.md pipeline
//! step 7, research/protocol.md §9), and the dispute statements a block author puts on chain.
//!
//! A pure state machine: inputs carry the time, outputs are [`HostAction`]s.
//!
//! ## Rules (numbered; the code cites them)
//!
//! 1. **Sessions.** The [`SessionInfo`] of every imported block is kept for the last
//!    [`DISPUTE_WINDOW`] sessions; votes in any other session are ignored (not penalized).
//! 2. **Votes.** Per candidate, a `Valid` and an `Invalid` side, each holding at most one
//!    statement per validator (the first kept). A validator on both sides is recorded on both:
//!    the chain punishes that from the statements themselves. Every vote of a candidate is in
//!    the candidate's session (the session its backing statements were signed in: that of the
//!    relay parent's children when we imported the relay parent, else the session of the block
//!    that told us of the candidate); votes in another session are ignored. Sources:
//!    - the backing votes of [`RelayBlockInfo::backed`] (the chain checked them), as
//!      `BackingSeconded(relay_parent)` / `BackingValid(relay_parent)`;
//!    - approval votes handed over by the router ([`DisputeCoordinator::import_approval`],
//!      verified by approval voting), as `ApprovalChecking`;
//!    - votes from the network ([`DisputeCoordinator::on_dispute_vote`], rule 3);
//!    - our own explicit votes (rule 7).
//! 3. **Network votes.** The receipt must hash to the statement's candidate, the session be
//!    known (else ignored), the validator be in it and the signature
//!    ([`SignedDisputeStatement::check`]) verify; otherwise the peer is penalized. A vote for
//!    a side the validator already holds is ignored unverified. Spam bound: a validator's
//!    votes on candidates never seen backed or included in an imported block, and whose
//!    dispute is not confirmed (more than `f` voters), may occupy at most [`MAX_SPAM_SLOTS`]
//!    candidates per session; more are ignored.
//! 4. **Opening.** A dispute opens when a candidate has at least one `Valid` and one `Invalid`
//!    vote: [`HostEvent::DisputeOpened`], once.
//! 5. **Participation.** In an open, unconcluded dispute we have not voted in, if we are a
//!    validator of its session and the candidate was seen backed or included in an imported
//!    block, or the dispute is confirmed (more than `f` validators voted), we ask the router
//!    to recover and execute it, once ([`HostAction::Check`] with [`CheckPurpose::Dispute`]).
//! 6. **Verdicts.** `Valid(result)` with outputs matching the receipt
//!    ([`crate::approval::result_matches_receipt`]) is an explicit `Valid` vote; `Invalid`,
//!    or outputs that do not match, an explicit `Invalid` vote; `Internal` reports
//!    [`HostEvent::InternalError`] and never votes. As the "false accuser" stand-in
//!    ([`DisputeCoordinator::set_false_accuser`]) every verdict becomes an `Invalid` vote.
//! 7. **Our votes.** Signed with [`SignedDisputeStatement::sign_explicit`], recorded,
//!    broadcast ([`HostMessage::DisputeVote`]) and reported ([`HostEvent::DisputeVoteCast`]),
//!    at most once per side; a `Valid` vote is not cast if we already hold one (a backing or
//!    approval vote). [`DisputeCoordinator::issue_local_vote`] votes on any candidate whose
//!    session is known (approval checking found it invalid; the stand-ins).
//! 8. **Conclusion.** An open dispute concludes when one side has
//!    [`supermajority_threshold`]`(n)` votes (the `Invalid` side is looked at first):
//!    [`HostEvent::DisputeConcluded`], once. A conclusion in
//!    [`RelayBlockInfo::concluded_disputes`] counts too, and overrides ours if they differ.
//! 9. **Reverts.** A candidate concluded invalid reverts every block we know that backed or
//!    included it ([`HostAction::Revert`], once per block, also for blocks imported later);
//!    the node ignores reverts of finalized blocks.
//! 10. **Queries.** A candidate is *disputed* while its dispute is open and not concluded
//!     valid, or once it concluded invalid.
//! 11. **On chain.** [`DisputeCoordinator::statements_for_chain`] lists, for every dispute
//!     that opened here (concluded or not) until a block whose
//!     [`RelayBlockInfo::concluded_disputes`] names it is finalized, one [`DisputeStatementSet`] with all its votes, sorted by validator
//!     (`Valid` before `Invalid` for one validator); the sets are sorted by session and
//!     candidate.
//! 12. **Pruning.** On finality, candidates without a dispute, and disputes the chain settled,
//!     are forgotten [`CANDIDATE_LIFETIME_AFTER_FINALIZATION`] blocks after the last block
//!     that named them; everything of a session outside the window goes with the session.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use atoll_primitives::crypto::Pair;
use atoll_primitives::parachain::{
    byzantine_threshold, supermajority_threshold, DisputeStatement, DisputeStatementSet,
    InvalidDisputeStatementKind, SignedDisputeStatement, ValidDisputeStatementKind,
    ValidityAttestation,
};
use atoll_primitives::{
    BlockNumber, CandidateHash, CandidateReceipt, Hash, SessionIndex, Sr25519Signature,
    ValidatorIndex,
};

use crate::approval::result_matches_receipt;
use crate::protocol::{
    CheckPurpose, CheckRequest, HostAction, HostEvent, HostMessage, PeerId, ValidationVerdict,
};
use crate::view::{RelayBlockInfo, SessionInfo};

#[cfg(test)]
mod tests;

/// Sessions whose votes are kept (rule 1).
pub const DISPUTE_WINDOW: u32 = 6;
/// Candidates per session a validator may vote on without them being seen on chain or the
/// dispute being confirmed (rule 3).
pub const MAX_SPAM_SLOTS: usize = 16;
/// Blocks after finality a candidate is kept (rule 12).
pub const CANDIDATE_LIFETIME_AFTER_FINALIZATION: u32 = 10;

/// Why a dispute vote from the network was refused (the peer is penalized).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DisputeError {
    /// The receipt sent along does not hash to the statement's candidate.
    #[error("dispute vote about {claimed} came with the receipt of {actual}")]
    CandidateMismatch {
        /// The statement's candidate.
        claimed: CandidateHash,
        /// The receipt's hash.
        actual: CandidateHash,
    },
    /// The validator index is not in the session.
    #[error("{validator} is not a validator of {session}")]
    UnknownValidator {
        /// The claimed validator.
        validator: ValidatorIndex,
        /// The session.
        session: SessionIndex,
    },
    /// The signature does not verify.
    #[error("dispute vote of {validator} on {candidate_hash} has a bad signature")]
    BadSignature {
        /// The validator.
        validator: ValidatorIndex,
        /// The candidate.
        candidate_hash: CandidateHash,
    },
}

/// Counters for reports and benchmarks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DisputeStats {
    /// Votes of others recorded (backing, approval and network votes).
    pub votes_imported: u64,
    /// Votes ignored (unknown session, other session, spam slots full).
    pub votes_ignored: u64,
    /// Peers penalized.
    pub penalties: u64,
    /// Disputes opened.
    pub disputes_opened: u64,
    /// Disputes concluded valid.
    pub concluded_valid: u64,
    /// Disputes concluded invalid.
    pub concluded_invalid: u64,
    /// Checks we asked for to participate.
    pub participations: u64,
    /// Votes we cast.
    pub our_votes: u64,
    /// Reverts asked for.
    pub reverts: u64,
}

/// A block we imported: enough to walk ancestry on finality and to find a relay parent's
/// session.
#[derive(Clone, Copy, Debug)]
struct KnownBlock {
    number: BlockNumber,
    parent: Hash,
    session: SessionIndex,
}

/// Our participation in a dispute (rule 5).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Participation {
    Idle,
    Requested,
    Done,
}

/// Everything known about one candidate.
#[derive(Clone, Debug)]
struct CandidateVotes {
    receipt: CandidateReceipt,
    session: SessionIndex,
    valid: BTreeMap<ValidatorIndex, (ValidDisputeStatementKind, Sr25519Signature)>,
    invalid: BTreeMap<ValidatorIndex, Sr25519Signature>,
    /// Blocks that backed or included it.
    on_chain: BTreeSet<Hash>,
    last_number: BlockNumber,
    opened: bool,
    concluded: Option<bool>,
    /// Blocks whose `concluded_disputes` named it.
    chain_concluded_in: BTreeSet<Hash>,
    /// A block that concluded it on chain is finalized.
    settled: bool,
    participation: Participation,
    reverted: BTreeSet<Hash>,
}

impl CandidateVotes {
    fn new(receipt: CandidateReceipt, session: SessionIndex, number: BlockNumber) -> Self {
        CandidateVotes {
            receipt,
            session,
            valid: BTreeMap::new(),
            invalid: BTreeMap::new(),
            on_chain: BTreeSet::new(),
            last_number: number,
            opened: false,
            concluded: None,
            chain_concluded_in: BTreeSet::new(),
            settled: false,
            participation: Participation::Idle,
            reverted: BTreeSet::new(),
        }
    }

    fn voters(&self) -> usize {
        self.valid.len() + self.invalid.keys().filter(|v| !self.valid.contains_key(v)).count()
    }

    fn has_voted(&self, v: ValidatorIndex) -> bool {
        self.valid.contains_key(&v) || self.invalid.contains_key(&v)
    }

    /// Rule 2: records a vote; `false` if the validator already holds that side.
    fn record(
        &mut self,
        statement: DisputeStatement,
        v: ValidatorIndex,
        sig: Sr25519Signature,
    ) -> bool {
        match statement {
            DisputeStatement::Valid(kind) => {
                if self.valid.contains_key(&v) {
                    return false;
                }
                self.valid.insert(v, (kind, sig));
            }
            DisputeStatement::Invalid(_) => {
                if self.invalid.contains_key(&v) {
                    return false;
                }
                self.invalid.insert(v, sig);
            }
        }
        true
    }

    fn holds(&self, statement: &DisputeStatement, v: ValidatorIndex) -> bool {
        if statement.is_valid() {
            self.valid.contains_key(&v)
        } else {
            self.invalid.contains_key(&v)
        }
    }

    fn is_disputed(&self) -> bool {
        (self.opened && self.concluded != Some(true)) || self.concluded == Some(false)
    }
}

/// Dispute participation of one validator (or of a follower without a key, which only
/// counts).
#[derive(Clone, Debug)]
pub struct DisputeCoordinator {
    key: Option<Pair>,
    sessions: BTreeMap<SessionIndex, Arc<SessionInfo>>,
    blocks: BTreeMap<Hash, KnownBlock>,
    candidates: BTreeMap<CandidateHash, CandidateVotes>,
    spam: BTreeMap<(SessionIndex, ValidatorIndex), BTreeSet<CandidateHash>>,
    finalized: (Hash, BlockNumber),
    best_number: BlockNumber,
    false_accuser: bool,
    stats: DisputeStats,
}

impl DisputeCoordinator {
    /// A coordinator signing with `key` (a validator) or only counting (`None`).
    pub fn new(key: Option<Pair>) -> Self {
        DisputeCoordinator {
            key,
            sessions: BTreeMap::new(),
            blocks: BTreeMap::new(),
            candidates: BTreeMap::new(),
            spam: BTreeMap::new(),
            finalized: (Hash::ZERO, BlockNumber(0)),
            best_number: BlockNumber(0),
            false_accuser: false,
            stats: DisputeStats::default(),
        }
    }

    /// Stand-in "false accuser": every check verdict becomes an `Invalid` vote (rule 6).
    pub fn set_false_accuser(&mut self, on: bool) {
        self.false_accuser = on;
    }

    /// Counters for reports and benchmarks.
    pub fn stats(&self) -> DisputeStats {
        self.stats
    }

    /// Whether the candidate is disputed: open and not concluded valid, or concluded invalid
    /// (rule 10).
    pub fn is_disputed(&self, candidate_hash: &CandidateHash) -> bool {
        self.candidates.get(candidate_hash).is_some_and(CandidateVotes::is_disputed)
    }

    /// Whether a dispute about the candidate concluded invalid (rules 8 and 10).
    pub fn concluded_invalid(&self, candidate_hash: &CandidateHash) -> bool {
        self.candidates.get(candidate_hash).is_some_and(|e| e.concluded == Some(false))
    }

    /// The conclusion of the candidate's dispute, if any: `Some(true)` valid.
    pub fn conclusion(&self, candidate_hash: &CandidateHash) -> Option<bool> {
        self.candidates.get(candidate_hash).and_then(|e| e.concluded)
    }

    /// The disputed candidates (rule 10), in hash order.
    pub fn disputed_candidates(&self) -> Vec<CandidateHash> {
        self.candidates.iter().filter(|(_, e)| e.is_disputed()).map(|(h, _)| *h).collect()
    }

    /// The votes known about a candidate: (valid side, invalid side) counts.
    pub fn vote_counts(&self, candidate_hash: &CandidateHash) -> (usize, usize) {
        self.candidates.get(candidate_hash).map_or((0, 0), |e| (e.valid.len(), e.invalid.len()))
    }

    /// A relay block was imported: its session, the candidates it backed (with their backing
    /// votes) and included, and the disputes it concluded (rules 1, 2, 8, 9).
    pub fn on_relay_block(&mut self, info: &RelayBlockInfo, _now_ms: u64) -> Vec<HostAction> {
        let mut out = Vec::new();
        // Rule 1.
        let sid = info.session.session;
        self.sessions.insert(sid, info.session.clone());
        if let Some(&latest) = self.sessions.keys().next_back() {
            let oldest = latest.0.saturating_sub(DISPUTE_WINDOW - 1);
            self.sessions.retain(|s, _| s.0 >= oldest);
            self.spam.retain(|(s, _), _| s.0 >= oldest);
            self.candidates.retain(|_, e| e.session.0 >= oldest);
        }
        self.blocks.insert(
            info.hash,
            KnownBlock { number: info.number, parent: info.parent_hash, session: sid },
        );
        self.best_number = self.best_number.max(info.number);
        let mut touched = BTreeSet::new();
        // Rule 2: backed candidates and their backing votes.
        for backed in &info.backed {
            let receipt = backed.candidate.to_plain();
            let relay_parent = receipt.descriptor.relay_parent;
            let session = self.blocks.get(&relay_parent).map_or(sid, |p| p.session);
            let entry = self.entry(backed.candidate_hash, receipt, session, info.number);
            entry.on_chain.insert(info.hash);
            let mut imported = 0;
            if entry.session == session {
                for (v, attestation) in &backed.votes {
                    let kind = match attestation {
                        ValidityAttestation::Implicit(_) => {
                            ValidDisputeStatementKind::BackingSeconded(relay_parent)
                        }
                        ValidityAttestation::Explicit(_) => {
                            ValidDisputeStatementKind::BackingValid(relay_parent)
                        }
                    };
                    let statement = DisputeStatement::Valid(kind);
                    if entry.record(statement, *v, *attestation.signature()) {
                        imported += 1;
                    }
                }
            }
            self.stats.votes_imported += imported;
            touched.insert(backed.candidate_hash);
        }
        for included in &info.included {
            let relay_parent = included.candidate.descriptor.relay_parent;
            let session = self.blocks.get(&relay_parent).map_or(sid, |p| p.session);
            let entry = self.entry(
                included.candidate_hash,
                included.candidate.clone(),
                session,
                info.number,
            );
            entry.on_chain.insert(info.hash);
            touched.insert(included.candidate_hash);
        }
        // Rule 8: the chain's conclusions.
        for concluded in &info.concluded_disputes {
            let Some(entry) = self.candidates.get_mut(&concluded.candidate_hash) else { continue };
            entry.chain_concluded_in.insert(info.hash);
            if entry.concluded != Some(concluded.valid) {
                entry.concluded = Some(concluded.valid);
                self.stats.count_conclusion(concluded.valid);
                out.push(HostAction::Event(HostEvent::DisputeConcluded {
                    candidate_hash: concluded.candidate_hash,
                    valid: concluded.valid,
                }));
            }
            touched.insert(concluded.candidate_hash);
        }
        for hash in touched {
            self.evaluate(&hash, &mut out);
        }
        out
    }

    /// A dispute vote from the network (rule 3).
    pub fn on_dispute_vote(
        &mut self,
        from: PeerId,
        candidate: CandidateReceipt,
        statement: SignedDisputeStatement,
        _now_ms: u64,
    ) -> Vec<HostAction> {
        let mut out = Vec::new();
        let hash = statement.candidate_hash;
        let actual = candidate.hash();
        if actual != hash {
            self.penalize(
                from,
                DisputeError::CandidateMismatch { claimed: hash, actual },
                &mut out,
            );
            return out;
        }
        let Some(session) = self.sessions.get(&statement.session).cloned() else {
            self.stats.votes_ignored += 1;
            return out;
        };
        let v = statement.validator;
        let Some(public) = session.validators.get(v.0 as usize) else {
            let error = DisputeError::UnknownValidator { validator: v, session: session.session };
            self.penalize(from, error, &mut out);
            return out;
        };
        let existing = self.candidates.get(&hash);
        if let Some(e) = existing {
            if e.session != statement.session || e.holds(&statement.statement, v) {
                self.stats.votes_ignored += 1;
                return out;
            }
        }
        if !statement.check(public) {
            let error = DisputeError::BadSignature { validator: v, candidate_hash: hash };
            self.penalize(from, error, &mut out);
            return out;
        }
        // Rule 3: spam slots.
        let known = existing.is_some_and(|e| !e.on_chain.is_empty());
        let confirmed =
            existing.is_some_and(|e| e.voters() > byzantine_threshold(session.n_validators()));
        if !known && !confirmed {
            let slots = self.spam.entry((statement.session, v)).or_default();
            if !slots.contains(&hash) {
                if slots.len() >= MAX_SPAM_SLOTS {
                    self.stats.votes_ignored += 1;
                    return out;
                }
                slots.insert(hash);
            }
        }
        let number = self.best_number;
        let entry = self.entry(hash, candidate, statement.session, number);
        if entry.record(statement.statement, v, statement.signature) {
            self.stats.votes_imported += 1;
        }
        self.evaluate(&hash, &mut out);
        out
    }

    /// An approval vote seen by approval voting (already verified there), which counts as a
    /// `Valid` statement of kind `ApprovalChecking` (rule 2).
    pub fn import_approval(
        &mut self,
        candidate: CandidateReceipt,
        session: SessionIndex,
        validator: ValidatorIndex,
        signature: Sr25519Signature,
    ) -> Vec<HostAction> {
        let mut out = Vec::new();
        if !self.sessions.contains_key(&session) {
            self.stats.votes_ignored += 1;
            return out;
        }
        let hash = candidate.hash();
        let number = self.best_number;
        let entry = self.entry(hash, candidate, session, number);
        if entry.session != session {
            self.stats.votes_ignored += 1;
            return out;
        }
        let statement = DisputeStatement::Valid(ValidDisputeStatementKind::ApprovalChecking);
        if entry.record(statement, validator, signature) {
            self.stats.votes_imported += 1;
            self.evaluate(&hash, &mut out);
        }
        out
    }

    /// Casts our explicit vote on `candidate` (rule 7): approval checking found it invalid, or
    /// a stand-in wants to. Works for any candidate whose session is known.
    pub fn issue_local_vote(
        &mut self,
        candidate: CandidateReceipt,
        session: SessionIndex,
        valid: bool,
        _now_ms: u64,
    ) -> Vec<HostAction> {
        let mut out = Vec::new();
        if !self.sessions.contains_key(&session) {
            return out;
        }
        let hash = candidate.hash();
        let number = self.best_number;
        if self.entry(hash, candidate, session, number).session != session {
            return out;
        }
        self.cast(&hash, valid, &mut out);
        self.evaluate(&hash, &mut out);
        out
    }

    /// The verdict of a check we asked for with [`CheckPurpose::Dispute`] (rule 6).
    pub fn on_check_result(
        &mut self,
        candidate_hash: CandidateHash,
        verdict: ValidationVerdict,
        _now_ms: u64,
    ) -> Vec<HostAction> {
        let mut out = Vec::new();
        let Some(entry) = self.candidates.get_mut(&candidate_hash) else { return out };
        if entry.participation != Participation::Requested {
            return out;
        }
        entry.participation = Participation::Done;
        let valid = match verdict {
            ValidationVerdict::Valid(result) => result_matches_receipt(&entry.receipt, result),
            ValidationVerdict::Invalid(_) => false,
            ValidationVerdict::Internal(reason) => {
                out.push(HostAction::Event(HostEvent::InternalError { candidate_hash, reason }));
                return out;
            }
        };
        let valid = valid && !self.false_accuser;
        self.cast(&candidate_hash, valid, &mut out);
        self.evaluate(&candidate_hash, &mut out);
        out
    }

    /// A block was finalized (rules 11 and 12): disputes its ancestry concluded on chain are
    /// settled; old candidates are forgotten.
    pub fn on_finalized(&mut self, hash: Hash, number: BlockNumber) {
        if number < self.finalized.1 {
            return;
        }
        // The newly finalized segment of the chain.
        let mut segment = BTreeSet::new();
        let mut at = hash;
        loop {
            segment.insert(at);
            match self.blocks.get(&at) {
                Some(b) if b.number > self.finalized.1 => at = b.parent,
                _ => break,
            }
        }
        for e in self.candidates.values_mut() {
            if !e.settled && e.chain_concluded_in.iter().any(|h| segment.contains(h)) {
                e.settled = true;
            }
        }
        self.finalized = (hash, number);
        self.blocks.retain(|_, b| b.number >= number);
        self.candidates.retain(|_, e| {
            let old =
                e.last_number.0.saturating_add(CANDIDATE_LIFETIME_AFTER_FINALIZATION) < number.0;
            let dispute = e.opened || e.concluded.is_some();
            !(old && (!dispute || e.settled))
        });
    }

    /// Dispute statements for a block author (rule 11).
    pub fn statements_for_chain(&self) -> Vec<DisputeStatementSet> {
        let mut sets: Vec<DisputeStatementSet> = self
            .candidates
            .iter()
            .filter(|(_, e)| e.opened && !e.settled)
            .map(|(hash, e)| {
                let mut statements: Vec<(DisputeStatement, ValidatorIndex, Sr25519Signature)> = e
                    .valid
                    .iter()
                    .map(|(v, (kind, sig))| (DisputeStatement::Valid(*kind), *v, *sig))
                    .chain(e.invalid.iter().map(|(v, sig)| {
                        (DisputeStatement::Invalid(InvalidDisputeStatementKind::Explicit), *v, *sig)
                    }))
                    .collect();
                statements.sort_by_key(|(s, v, _)| (*v, !s.is_valid()));
                DisputeStatementSet {
                    candidate_hash: *hash,
                    session: e.session,
                    para_id: e.receipt.descriptor.para_id,
                    statements,
                }
            })
            .collect();
        sets.sort_by_key(|s| (s.session, s.candidate_hash));
        sets
    }

    // ----- internals -----

    fn penalize(&mut self, peer: PeerId, error: DisputeError, out: &mut Vec<HostAction>) {
        tracing::debug!(?peer, %error, "penalizing dispute vote");
        self.stats.penalties += 1;
        out.push(HostAction::Penalize { peer, reason: error.to_string() });
    }

    /// The candidate's entry, created in `session` if new.
    fn entry(
        &mut self,
        hash: CandidateHash,
        receipt: CandidateReceipt,
        session: SessionIndex,
        number: BlockNumber,
    ) -> &mut CandidateVotes {
        let entry = self
            .candidates
            .entry(hash)
            .or_insert_with(|| CandidateVotes::new(receipt, session, number));
        entry.last_number = entry.last_number.max(number);
        entry
    }

    /// Our index in `session`.
    fn our_index(&self, session: SessionIndex) -> Option<(ValidatorIndex, &Pair)> {
        let pair = self.key.as_ref()?;
        let public = pair.public();
        let info = self.sessions.get(&session)?;
        let i = info.validators.iter().position(|v| *v == public)?;
        Some((ValidatorIndex(u32::try_from(i).ok()?), pair))
    }

    /// Rule 7: signs, records and broadcasts our explicit vote.
    fn cast(&mut self, hash: &CandidateHash, valid: bool, out: &mut Vec<HostAction>) {
        let Some(session) = self.candidates.get(hash).map(|e| e.session) else { return };
        let Some((us, pair)) = self.our_index(session) else { return };
        let pair = pair.clone();
        let Some(entry) = self.candidates.get_mut(hash) else { return };
        let held =
            if valid { entry.valid.contains_key(&us) } else { entry.invalid.contains_key(&us) };
        if held {
            return;
        }
        let statement = SignedDisputeStatement::sign_explicit(&pair, *hash, session, valid, us);
        entry.record(statement.statement, us, statement.signature);
        self.stats.our_votes += 1;
        out.push(HostAction::Broadcast(HostMessage::DisputeVote {
            candidate: entry.receipt.clone(),
            statement,
        }));
        out.push(HostAction::Event(HostEvent::DisputeVoteCast { candidate_hash: *hash, valid }));
    }

    /// Rules 4, 5, 8 and 9 for one candidate.
    fn evaluate(&mut self, hash: &CandidateHash, out: &mut Vec<HostAction>) {
        let Some(session) = self.candidates.get(hash).map(|e| e.session) else { return };
        let Some(n) = self.sessions.get(&session).map(|s| s.n_validators()) else { return };
        let us = self.our_index(session).map(|(v, _)| v);
        let Some(entry) = self.candidates.get_mut(hash) else { return };
        // Rule 4.
        if !entry.opened && !entry.valid.is_empty() && !entry.invalid.is_empty() {
            entry.opened = true;
            self.stats.disputes_opened += 1;
            out.push(HostAction::Event(HostEvent::DisputeOpened { candidate_hash: *hash }));
        }
        // Rule 8.
        if entry.opened && entry.concluded.is_none() && n > 0 {
            let threshold = supermajority_threshold(n);
            let valid = if entry.invalid.len() >= threshold {
                Some(false)
            } else if entry.valid.len() >= threshold {
                Some(true)
            } else {
                None
            };
            if let Some(valid) = valid {
                entry.concluded = Some(valid);
                self.stats.count_conclusion(valid);
                out.push(HostAction::Event(HostEvent::DisputeConcluded {
                    candidate_hash: *hash,
                    valid,
                }));
            }
        }
        // Rule 5.
        if let Some(us) = us {
            let eligible = !entry.on_chain.is_empty() || entry.voters() > byzantine_threshold(n);
            if entry.opened
                && entry.concluded.is_none()
                && entry.participation == Participation::Idle
                && !entry.has_voted(us)
                && eligible
            {
                entry.participation = Participation::Requested;
                self.stats.participations += 1;
                out.push(HostAction::Check(CheckRequest {
                    candidate: entry.receipt.clone(),
                    session,
                    core: None,
                    purpose: CheckPurpose::Dispute,
                }));
            }
        }
        // Rule 9.
        if entry.concluded == Some(false) {
            let fresh: Vec<Hash> = entry.on_chain.difference(&entry.reverted).copied().collect();
            for block in fresh {
                entry.reverted.insert(block);
                self.stats.reverts += 1;
                out.push(HostAction::Revert { block });
            }
        }
    }
}

impl DisputeStats {
    fn count_conclusion(&mut self, valid: bool) {
        if valid {
            self.concluded_valid += 1;
        } else {
            self.concluded_invalid += 1;
        }
    }
}
