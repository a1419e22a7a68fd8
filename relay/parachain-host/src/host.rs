//! [`ParachainHost`]: one validator's parachain host. It routes every event to the machine
//! that owns it and carries the hand-offs between them (the steps below); the shell drives it
//! and carries out the [`HostAction`]s it returns.
//!
//! ## Hand-offs (numbered; the code cites them)
//!
//! 1. A relay block: every machine learns it ([`RelayBlockInfo`]), in the order backing,
//!    availability, approval, disputes; the block is kept while it is above the finalized one.
//! 2. A `Check` request (approval checking, dispute participation) starts availability
//!    recovery of the candidate from chunks.
//! 3. A finished recovery becomes a `Validate` request with the approval timeout; data that
//!    does not re-encode to the descriptor's erasure root is an `Invalid` verdict at once; data
//!    that could not be recovered is reported and never voted on.
//! 4. A verdict goes back to the machine that asked (by its purpose). An approval check that
//!    finds the candidate invalid casts our `Invalid` dispute vote.
//! 5. When a dispute opens, and at every tick while it is open, the approval votes we saw for
//!    the candidate join its `Valid` side.
//! 6. Finality: a block becomes votable ([`FinalityGate`]) when approval voting approves it
//!    and none of its candidates is disputed; a dispute forbids every block that included
//!    or backed its candidate.
//! 7. A block author asks [`ParachainHost::para_inherent`] for the bitfields, backable
//!    candidates and dispute statements of a block on a given parent.

use std::collections::BTreeMap;

use atoll_primitives::crypto::Pair;
use atoll_primitives::parachain::ParaInherentData;
use atoll_primitives::{BlockNumber, CandidateHash, Hash};

use crate::approval::ApprovalVoting;
use crate::availability::{Availability, AvailabilityConfig, RecoveryFailure};
use crate::backing::Backing;
use crate::dispute::DisputeCoordinator;
use crate::finality_gate::FinalityGate;
use crate::protocol::{
    CheckPurpose, CheckRequest, ExecutionKind, HostAction, HostEvent, HostMessage, PeerId,
    ValidationRequest, ValidationVerdict,
};
use crate::view::RelayBlockInfo;

/// The host's settings.
#[derive(Clone, Debug, Default)]
pub struct HostConfig {
    /// Availability timers.
    pub availability: AvailabilityConfig,
}

/// Named byzantine stand-ins a host can play (the simulator's adversaries).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Misbehaviour {
    /// Serve no chunk to anyone.
    pub withhold_chunks: bool,
    /// Announce approval assignments but never check nor approve.
    pub never_show: bool,
    /// Vote `Invalid` on every candidate we check, whatever the verdict.
    pub false_accuser: bool,
}

/// Counters for reports and benchmarks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct HostStats {
    /// Validations requested from the shell, by kind: backing.
    pub backing_executions: u64,
    /// Validations requested from the shell: approval checks and disputes.
    pub approval_executions: u64,
    /// Recoveries that failed for lack of chunks.
    pub recoveries_unavailable: u64,
}

/// One validator's (or a non-validator's: it then only follows) parachain host.
pub struct ParachainHost {
    backing: Backing,
    availability: Availability,
    approval: ApprovalVoting,
    disputes: DisputeCoordinator,
    gate: FinalityGate,
    blocks: BTreeMap<Hash, RelayBlockInfo>,
    finalized: BlockNumber,
    next_check_id: u64,
    misbehaviour: Misbehaviour,
    stats: HostStats,
}

/// Ids of validation requests made by the router (recovered data) live above this; the
/// backing machine numbers its own below it.
const ROUTER_ID_BASE: u64 = 1 << 62;

impl ParachainHost {
    /// A host signing with `key` (a validator) or following only (`None`).
    pub fn new(key: Option<Pair>, config: HostConfig) -> Self {
        ParachainHost {
            backing: Backing::new(key.clone()),
            availability: Availability::new(key.clone(), config.availability),
            approval: ApprovalVoting::new(key.clone()),
            disputes: DisputeCoordinator::new(key),
            gate: FinalityGate::new(),
            blocks: BTreeMap::new(),
            finalized: BlockNumber(0),
            next_check_id: ROUTER_ID_BASE,
            misbehaviour: Misbehaviour::default(),
            stats: HostStats::default(),
        }
    }

    /// The voting rule to hand to the finality voter (step 6).
    pub fn finality_gate(&self) -> FinalityGate {
        self.gate.clone()
    }

    /// Plays a byzantine stand-in.
    pub fn set_misbehaviour(&mut self, misbehaviour: Misbehaviour) {
        self.misbehaviour = misbehaviour;
        self.availability.set_withhold(misbehaviour.withhold_chunks);
        self.approval.set_never_show(misbehaviour.never_show);
        self.disputes.set_false_accuser(misbehaviour.false_accuser);
    }

    /// The counters.
    pub fn stats(&self) -> HostStats {
        self.stats
    }

    /// Approval voting (read-only).
    pub fn approval(&self) -> &ApprovalVoting {
        &self.approval
    }

    /// The dispute coordinator (read-only).
    pub fn disputes(&self) -> &DisputeCoordinator {
        &self.disputes
    }

    /// Availability (read-only).
    pub fn availability(&self) -> &Availability {
        &self.availability
    }

    /// Backing (read-only).
    pub fn backing(&self) -> &Backing {
        &self.backing
    }

    /// A relay block was imported (step 1).
    pub fn on_relay_block(&mut self, info: RelayBlockInfo, now_ms: u64) -> Vec<HostAction> {
        let mut raw = self.backing.on_relay_block(&info, now_ms);
        raw.extend(self.availability.on_relay_block(&info, now_ms));
        raw.extend(self.approval.on_relay_block(&info, now_ms));
        raw.extend(self.disputes.on_relay_block(&info, now_ms));
        // A block carrying a candidate already disputed is never votable (step 6).
        if !self.is_clean(&info) {
            self.gate.forbid(&info.hash);
        }
        self.blocks.insert(info.hash, info);
        self.route(raw, now_ms)
    }

    /// A relay block was finalized.
    pub fn on_finalized(&mut self, hash: Hash, number: BlockNumber) {
        self.finalized = number;
        self.availability.on_finalized(number);
        self.approval.on_finalized(hash, number);
        self.disputes.on_finalized(hash, number);
        self.blocks.retain(|_, info| info.number >= number);
        let blocks = &self.blocks;
        self.gate.prune(|h| blocks.get(h).is_some_and(|info| info.number > number));
    }

    /// Time passed.
    pub fn on_tick(&mut self, now_ms: u64) -> Vec<HostAction> {
        let mut raw = self.backing.on_tick(now_ms);
        raw.extend(self.availability.on_tick(now_ms));
        raw.extend(self.approval.on_tick(now_ms));
        // Step 5, for approvals that arrived after the dispute opened.
        for candidate in self.disputes.disputed_candidates() {
            raw.extend(self.import_approvals(&candidate));
        }
        self.route(raw, now_ms)
    }

    /// A message from `from`.
    pub fn on_message(&mut self, from: PeerId, msg: HostMessage, now_ms: u64) -> Vec<HostAction> {
        let raw = match msg {
            HostMessage::Collation { relay_parent, candidate, pov, validation_data } => {
                self.backing.on_collation(
                    from,
                    relay_parent,
                    candidate,
                    pov,
                    validation_data,
                    now_ms,
                    &mut self.availability,
                )
            }
            HostMessage::Statement { relay_parent, statement } => {
                self.backing.on_statement(from, relay_parent, statement, now_ms)
            }
            HostMessage::PovRequest { relay_parent, candidate_hash } => {
                self.backing.on_pov_request(from, relay_parent, candidate_hash)
            }
            HostMessage::PovResponse { candidate_hash, pov } => {
                self.backing.on_pov_response(from, candidate_hash, pov, now_ms)
            }
            HostMessage::ChunkRequest { candidate_hash, index } => {
                self.availability.on_chunk_request(from, candidate_hash, index)
            }
            HostMessage::ChunkResponse { candidate_hash, chunk } => {
                self.availability.on_chunk_response(from, candidate_hash, chunk, now_ms)
            }
            HostMessage::Bitfield { relay_parent, bitfield } => {
                self.availability.on_bitfield(from, relay_parent, bitfield)
            }
            HostMessage::Assignment(cert) => self.approval.on_assignment(from, cert, now_ms),
            HostMessage::Approval(vote) => self.approval.on_approval(from, vote, now_ms),
            HostMessage::DisputeVote { candidate, statement } => {
                self.disputes.on_dispute_vote(from, candidate, statement, now_ms)
            }
        };
        self.route(raw, now_ms)
    }

    /// The shell's verdict on a [`ValidationRequest`] (step 4).
    pub fn on_validation_result(
        &mut self,
        request: &ValidationRequest,
        verdict: ValidationVerdict,
        now_ms: u64,
    ) -> Vec<HostAction> {
        let raw = self.deliver_verdict(request.purpose, request.candidate.hash(), verdict, now_ms);
        self.route(raw, now_ms)
    }

    /// What a block on `parent` carries for the parachain host (step 7).
    pub fn para_inherent(&self, parent: Hash) -> ParaInherentData {
        ParaInherentData {
            bitfields: self.availability.bitfields(parent),
            backed_candidates: self.backing.backable_candidates(parent),
            disputes: self.disputes.statements_for_chain(),
        }
    }

    fn deliver_verdict(
        &mut self,
        purpose: CheckPurpose,
        candidate_hash: CandidateHash,
        verdict: ValidationVerdict,
        now_ms: u64,
    ) -> Vec<HostAction> {
        match purpose {
            CheckPurpose::Backing { relay_parent } => self.backing.on_validation_result(
                relay_parent,
                candidate_hash,
                verdict,
                now_ms,
                &mut self.availability,
            ),
            CheckPurpose::Approval { block, candidate_index } => {
                // A false accuser never approves: it reports every check as invalid.
                let verdict = if self.misbehaviour.false_accuser {
                    ValidationVerdict::Invalid("false accuser".into())
                } else {
                    verdict
                };
                let result = self.approval.on_check_result(block, candidate_index, verdict, now_ms);
                let mut actions = result.actions;
                // Step 4: an approval check that finds the candidate invalid votes against it.
                if let Some((candidate, session)) = result.invalid {
                    actions
                        .extend(self.disputes.issue_local_vote(candidate, session, false, now_ms));
                }
                actions
            }
            // A false accuser's coordinator turns its own verdicts into `Invalid` votes.
            CheckPurpose::Dispute => self.disputes.on_check_result(candidate_hash, verdict, now_ms),
        }
    }

    /// Carries out the internal hand-offs (steps 2, 3, 5, 6) and returns what the shell must
    /// do.
    fn route(&mut self, mut queue: Vec<HostAction>, now_ms: u64) -> Vec<HostAction> {
        let mut out = Vec::new();
        while !queue.is_empty() {
            for action in std::mem::take(&mut queue) {
                match action {
                    HostAction::Check(request) => {
                        // Step 2.
                        let n = self.session_size(&request);
                        queue.extend(self.availability.recover(request, n, now_ms));
                    }
                    HostAction::Validate(request) => {
                        match request.kind {
                            ExecutionKind::Backing => self.stats.backing_executions += 1,
                            ExecutionKind::Approval => self.stats.approval_executions += 1,
                        }
                        out.push(HostAction::Validate(request));
                    }
                    HostAction::Event(event) => {
                        self.on_event(&event, &mut queue);
                        out.push(HostAction::Event(event));
                    }
                    other => out.push(other),
                }
            }
            // Step 3.
            for (request, outcome) in self.availability.take_recovered() {
                match outcome {
                    Ok(data) => {
                        let id = self.next_check_id;
                        self.next_check_id += 1;
                        out.push(HostAction::Validate(ValidationRequest {
                            id,
                            candidate: request.candidate,
                            validation_data: data.validation_data,
                            pov: data.pov,
                            kind: ExecutionKind::Approval,
                            purpose: request.purpose,
                        }));
                        self.stats.approval_executions += 1;
                    }
                    Err(RecoveryFailure::Invalid(reason)) => {
                        queue.extend(self.deliver_verdict(
                            request.purpose,
                            request.candidate.hash(),
                            ValidationVerdict::Invalid(reason),
                            now_ms,
                        ));
                    }
                    Err(other) => {
                        self.stats.recoveries_unavailable += 1;
                        out.push(HostAction::Event(HostEvent::RecoveryFailed {
                            candidate_hash: request.candidate.hash(),
                            reason: other.to_string(),
                        }));
                    }
                }
            }
        }
        out
    }

    /// Steps 5 and 6.
    fn on_event(&mut self, event: &HostEvent, queue: &mut Vec<HostAction>) {
        match event {
            HostEvent::BlockApproved { hash, .. }
                if self.blocks.get(hash).is_some_and(|info| self.is_clean(info)) =>
            {
                self.gate.allow(*hash);
            }
            HostEvent::DisputeOpened { candidate_hash } => {
                for info in self.blocks.values().filter(|i| carries(i, candidate_hash)) {
                    self.gate.forbid(&info.hash);
                }
                queue.extend(self.import_approvals(candidate_hash));
            }
            HostEvent::DisputeConcluded { candidate_hash, valid: true } => {
                // The accusation was false: blocks it held back are votable again once
                // approved and free of other disputes.
                for info in self.blocks.values().filter(|i| carries(i, candidate_hash)) {
                    if self.is_clean(info) && self.approval.is_approved(&info.hash) {
                        self.gate.allow(info.hash);
                    }
                }
            }
            _ => {}
        }
    }

    /// Whether none of the candidates a block backed or included is disputed.
    fn is_clean(&self, info: &RelayBlockInfo) -> bool {
        candidates_of(info).all(|h| !self.disputes.is_disputed(h))
    }

    /// Step 5: the approval votes we know for a disputed candidate join its `Valid` side (the
    /// coordinator ignores the ones it has).
    fn import_approvals(&mut self, candidate_hash: &CandidateHash) -> Vec<HostAction> {
        let receipt = self.blocks.values().find_map(|info| {
            info.included
                .iter()
                .find(|c| c.candidate_hash == *candidate_hash)
                .map(|c| c.candidate.clone())
        });
        let Some(receipt) = receipt else { return Vec::new() };
        let mut out = Vec::new();
        for (validator, signature, session) in self.approval.approvals_for(candidate_hash) {
            out.extend(self.disputes.import_approval(
                receipt.clone(),
                session,
                validator,
                signature,
            ));
        }
        out
    }

    fn session_size(&self, request: &CheckRequest) -> usize {
        self.blocks
            .values()
            .find(|info| info.session.session == request.session)
            .map(|info| info.session.n_validators())
            .unwrap_or(0)
    }
}

/// The candidates a block backed or included.
fn candidates_of(info: &RelayBlockInfo) -> impl Iterator<Item = &CandidateHash> {
    info.included
        .iter()
        .map(|c| &c.candidate_hash)
        .chain(info.backed.iter().map(|b| &b.candidate_hash))
}

/// Whether a block backed or included `candidate`.
fn carries(info: &RelayBlockInfo, candidate: &CandidateHash) -> bool {
    candidates_of(info).any(|h| h == candidate)
}
