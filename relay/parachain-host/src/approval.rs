//! [`ApprovalVoting`]: approval checking (DESIGN.md pipeline step 5, research/protocol.md §8).
//! Every included candidate is re-checked by validators drawn by VRF, in tranches of time, and
//! a relay block is approved once all its candidates and its ancestors are.
//!
//! A pure state machine: every input carries the time (`now_ms`), every output is a
//! [`HostAction`]; it asks to be woken with [`HostAction::WakeAt`].
//!
//! ## Rules (numbered; the code cites them)
//!
//! 1. **Modulo criterion (tranche 0).** For each sample `s < relay_vrf_modulo_samples`, the
//!    validator's VRF over `(approval_story, b"modulo", s)` (SCALE, context
//!    [`atoll_primitives::parachain::ASSIGNMENT_VRF_CONTEXT`]) picks the core `u32(randomness[0..4]) mod n_cores`; if the
//!    block included a candidate from that core, the validator is assigned to it in tranche 0
//!    with kind `RelayVrfModulo { sample }` (the first such sample).
//! 2. **Delay criterion.** For each included candidate's core `c`, the VRF over
//!    `(approval_story, b"delay", c)` gives tranche `u32(randomness[0..4]) mod
//!    n_delay_tranches` (kind `RelayVrfDelay { core }`). A validator's tranche for a candidate
//!    is the minimum over the criteria (modulo wins ties). So every validator is assigned to
//!    every candidate in some tranche below `n_delay_tranches`, and escalation can always find
//!    more checkers.
//! 3. **Backers do not check.** Members of the candidate's backing group
//!    (`session.groups[included.backing_group]`) get no assignment; their assignments are
//!    refused (and penalized), their approvals ignored.
//! 4. **Time.** Tranche `t` of block `B` starts at `B.slot_start_ms + t · tranche_ms`; the
//!    current tranche is the last one started (none before the slot starts).
//! 5. **Triggering.** Our assignments are decided with the cheap VRF randomness at import. At
//!    the start of our tranche `t` we trigger if the candidate is not approved under the block
//!    and it needs checkers: `t = 0`, or counting (rule 9) the tranches before `t` says
//!    *more tranches needed* (too few assignees, or no-shows not covered). Until the candidate
//!    is approved we keep re-evaluating, so no-shows pull us in later. Triggering makes the
//!    VRF proof, broadcasts [`HostMessage::Assignment`], reports
//!    [`HostEvent::AssignmentTriggered`], records our assignment and asks the router to check
//!    ([`HostAction::Check`] with [`CheckPurpose::Approval`]) — once per candidate: a
//!    candidate already checked valid under another block is approved at once, one whose
//!    check is in flight gets our approval when the verdict arrives. As the "never shows"
//!    stand-in ([`ApprovalVoting::set_never_show`]) we trigger but never check nor approve.
//! 6. **Verdicts.** `Valid(result)` counts only if the result's head hashes to the
//!    descriptor's `para_head` and `CandidateCommitments::from(result).hash()` equals the
//!    receipt's `commitments_hash`; then we sign [`ApprovalVote`] in the block's session,
//!    broadcast [`HostMessage::Approval`] for every block where our assignment was
//!    triggered, report [`HostEvent::ApprovalSigned`] and count our own approval. `Invalid`
//!    (or mismatching outputs) returns the candidate in [`ApprovalCheckResult::invalid`] so
//!    that the router casts our `Invalid` dispute vote; we never approve it. `Internal`
//!    reports [`HostEvent::InternalError`] and never votes.
//! 7. **Incoming assignments.** Accepted if the block is known, the candidate index exists,
//!    the validator is in the block's session and not a backer, the VRF proof verifies for
//!    the certificate's kind and input, and the claimed tranche is what the criterion gives
//!    (modulo: tranche 0 and the sample picks the candidate's core; delay: the certificate's
//!    core is the candidate's and the tranche is the VRF's). Anything else is
//!    [`HostAction::Penalize`]d. A validator's later assignment with a tranche no lower than
//!    the one held is ignored unverified. Messages for unknown blocks are buffered (at most
//!    [`ApprovalConfig::max_pending_per_block`] per block, for the
//!    [`ApprovalConfig::max_pending_blocks`] most recently named blocks) and replayed when
//!    the block is imported.
//! 8. **Incoming approvals.** Accepted if the block is known, the index exists, the validator
//!    is in the session, and the signature checks ([`ApprovalVote::check`] in the block's
//!    session); a bad one is penalized; a backer's is ignored. An approval is recorded even
//!    without a known assignment of its signer (it is a valid signed statement: it serves
//!    disputes and the one-third rule of rule 10), but it counts in rule 9 only once the
//!    signer's assignment for the candidate under that block is known. Approvals are per
//!    (candidate, session), so one approval covers the candidate in every block that included
//!    it.
//! 9. **Counting** (per candidate and block, with `needed = needed_approvals`, tranches up to
//!    the current one). An assignee that has not approved `no_show_ms` after the later of
//!    its tranche's start and the receipt of its assignment is a *no-show*
//!    ([`HostEvent::NoShow`], once per validator and candidate); a late approval still counts.
//!    Whole tranches are taken from 0 up to the first tranche `k0` where at least `needed`
//!    validators are assigned. Each no-show in the tranches taken must be covered by one more
//!    assignee from a tranche after `k0`: whole tranches keep being taken until the assignees
//!    after `k0` are at least the no-shows of all tranches taken. If that point is reached and
//!    every assignee taken has approved or is a covered no-show, the candidate is approved
//!    (it then has at least `needed` approvals); if some are still pending we wait; if the
//!    point is not reached, more tranches are needed.
//! 10. **Candidate approval** under a block (sticky once reached): `needed` is 0 or exceeds the
//!     non-backers `n − |backing group|` (approval would be impossible), or more than a third
//!     of the session's validators approved (`3 · approvals > n`: one of them is honest), or
//!     counting (rule 9) says approved, or no no-show can ever be covered: every non-backer
//!     already holds an assignment, and every assignee but the no-shows approved, at least
//!     `needed` of them (small networks: a crashed checker must not stall finality forever).
//! 11. **Block approval.** A block is approved when all its candidates are (at once if it has
//!     none) and its parent is approved. The parent counts as approved if it is the finalized
//!     block, or an unknown block at or below the finalized height
//!     ([`ApprovalVoting::on_finalized`]; initially height 0, the genesis). Blocks must be
//!     imported parent first. [`HostEvent::BlockApproved`] once per block; a block approval
//!     re-evaluates its children.
//! 12. **Wake-ups.** We ask to be woken at the next instant anything can change on its own:
//!     the start of our untriggered tranches, no-show deadlines of pending assignees, and the
//!     start of tranches of assignments received early.
//! 13. **Pruning.** Finalizing a block forgets the blocks at or below its height; a
//!     candidate's approvals are kept for [`ApprovalConfig::keep_after_finality`] blocks after
//!     its last block was finalized (disputes may still want them).
//! 14. **Re-broadcast.** When finality has not advanced for [`ApprovalConfig::rebroadcast_ms`],
//!     our assignments and approvals for every block not yet finalized are broadcast again,
//!     at most once per that interval per block: a validator that restarted (its approval
//!     state is not persisted) or was cut off has lost them, and without them it never sees
//!     the block approved (with two validators, finality then stalls forever). Receivers
//!     ignore what they already hold (rules 7 and 8). Rule 12 wakes us for it.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::sync::Arc;

use atoll_primitives::crypto::Pair;
use atoll_primitives::parachain::{
    ApprovalVote, DelayTranche, IndirectAssignmentCert, IndirectSignedApprovalVote,
};
use atoll_primitives::{
    BlockNumber, CandidateCommitments, CandidateHash, CandidateReceipt, CoreIndex, Hash,
    SessionIndex, Sr25519Signature, ValidationResult, ValidatorIndex,
};

use crate::protocol::{
    CheckPurpose, CheckRequest, HostAction, HostEvent, HostMessage, PeerId, ValidationVerdict,
};
use crate::view::{RelayBlockInfo, SessionInfo};

mod criteria;
mod tally;
#[cfg(test)]
mod tests;

use criteria::{CriteriaCandidate, Criterion};
use tally::{tally, AssigneeState, Tally};

/// Whether a validation result is what a receipt commits to: the head hashes to the
/// descriptor's `para_head` and the commitments hash to the receipt's `commitments_hash`
/// (rule 6; disputes use it too).
pub fn result_matches_receipt(receipt: &CandidateReceipt, result: ValidationResult) -> bool {
    result.head_data.hash() == receipt.descriptor.para_head
        && CandidateCommitments::from(result).hash() == receipt.commitments_hash
}

/// Limits of [`ApprovalVoting`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ApprovalConfig {
    /// Unknown blocks for which assignments and approvals are buffered (rule 7), newest kept.
    pub max_pending_blocks: usize,
    /// Messages buffered per unknown block (rule 7); later ones are dropped.
    pub max_pending_per_block: usize,
    /// Blocks after finality during which a finalized candidate's approvals are kept
    /// (rule 13).
    pub keep_after_finality: u32,
    /// Interval of re-broadcasting our assignments and approvals of unfinalized blocks, ms
    /// (rule 14; 0 turns it off).
    pub rebroadcast_ms: u64,
}

impl Default for ApprovalConfig {
    fn default() -> Self {
        ApprovalConfig {
            max_pending_blocks: 8,
            max_pending_per_block: 1024,
            keep_after_finality: 10,
            rebroadcast_ms: 5_000,
        }
    }
}

/// Why an assignment or approval from the network was refused (the peer is penalized).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ApprovalError {
    /// The block has no candidate at this index.
    #[error("block {block} has {candidates} included candidates, not index {index}")]
    CandidateIndexOutOfRange {
        /// The block.
        block: Hash,
        /// The index claimed.
        index: u32,
        /// How many candidates the block included.
        candidates: usize,
    },
    /// The validator index is not in the block's session.
    #[error("{validator} is not a validator of {session}")]
    UnknownValidator {
        /// The claimed validator.
        validator: ValidatorIndex,
        /// The session.
        session: SessionIndex,
    },
    /// A backer of the candidate claimed an assignment to it (rule 3).
    #[error("{validator} backed {candidate_hash} and cannot be assigned to check it")]
    BackerAssignment {
        /// The backer.
        validator: ValidatorIndex,
        /// The candidate.
        candidate_hash: CandidateHash,
    },
    /// A modulo certificate names a sample beyond the session's sample count.
    #[error("{validator} claims modulo sample {sample}, the session has {samples}")]
    SampleOutOfRange {
        /// The validator.
        validator: ValidatorIndex,
        /// The sample claimed.
        sample: u32,
        /// The session's sample count.
        samples: u32,
    },
    /// The VRF output or proof does not verify.
    #[error("assignment VRF of {validator} does not verify")]
    BadVrf {
        /// The validator.
        validator: ValidatorIndex,
    },
    /// The certificate's criterion does not pick the candidate's core.
    #[error("assignment of {validator} is for {claimed}, the criterion picks {picked:?}")]
    WrongCore {
        /// The validator.
        validator: ValidatorIndex,
        /// The core the assignment is about.
        claimed: CoreIndex,
        /// The core the criterion gives.
        picked: Option<CoreIndex>,
    },
    /// The claimed tranche is not what the criterion gives.
    #[error("{validator} claims tranche {claimed}, its criterion gives {expected}")]
    WrongTranche {
        /// The validator.
        validator: ValidatorIndex,
        /// The tranche claimed.
        claimed: u32,
        /// The tranche of the criterion.
        expected: u32,
    },
    /// The approval signature does not verify.
    #[error("approval of {candidate_hash} by {validator} has a bad signature")]
    BadApprovalSignature {
        /// The validator.
        validator: ValidatorIndex,
        /// The candidate.
        candidate_hash: CandidateHash,
    },
}

/// Counters for reports and benchmarks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ApprovalStats {
    /// Our assignments we triggered (broadcast).
    pub assignments_triggered: u64,
    /// Checks we asked the router for.
    pub checks_requested: u64,
    /// Candidates we checked and approved.
    pub approvals_signed: u64,
    /// Assignments of others accepted.
    pub assignments_imported: u64,
    /// Approvals of others accepted.
    pub approvals_imported: u64,
    /// No-shows seen (once per validator and candidate).
    pub no_shows: u64,
    /// Candidates approved (per block).
    pub candidates_approved: u64,
    /// Blocks approved.
    pub blocks_approved: u64,
    /// Peers penalized for bad assignments or approvals.
    pub penalties: u64,
}

/// What [`ApprovalVoting::on_check_result`] returns.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ApprovalCheckResult {
    /// What to do.
    pub actions: Vec<HostAction>,
    /// Set when the check found the candidate invalid (rule 6): the candidate and the session
    /// to cast our `Invalid` dispute vote in.
    pub invalid: Option<(CandidateReceipt, SessionIndex)>,
}

/// An assignment of another validator (or ours once triggered).
#[derive(Clone, Copy, Debug)]
struct Assignee {
    tranche: u32,
    received_ms: u64,
}

/// Our own assignment to a candidate of a block.
#[derive(Clone, Copy, Debug)]
struct OurAssignment {
    criterion: Criterion,
    triggered: bool,
}

/// One included candidate of a block.
#[derive(Clone, Debug)]
struct BlockCandidate {
    hash: CandidateHash,
    core: CoreIndex,
    backers: Vec<ValidatorIndex>,
    assignees: BTreeMap<ValidatorIndex, Assignee>,
    ours: Option<OurAssignment>,
    approved: bool,
}

/// A relay block under approval.
#[derive(Clone, Debug)]
struct BlockEntry {
    parent: Hash,
    number: BlockNumber,
    slot_start_ms: u64,
    session: Arc<SessionInfo>,
    story: [u8; 32],
    us: Option<ValidatorIndex>,
    candidates: Vec<BlockCandidate>,
    approved: bool,
    /// Our assignments and approvals for it, as broadcast (rule 14).
    own: Vec<HostMessage>,
    /// When `own` was last broadcast.
    own_sent_ms: u64,
}

impl BlockEntry {
    /// Rule 4.
    fn tranche_start(&self, tranche: u32) -> u64 {
        self.slot_start_ms
            .saturating_add(u64::from(tranche).saturating_mul(self.session.tranche_ms))
    }

    /// Rule 4: the last tranche started at `now`.
    fn current_tranche(&self, now_ms: u64) -> Option<u32> {
        let since = now_ms.checked_sub(self.slot_start_ms)?;
        let t = since / self.session.tranche_ms.max(1);
        Some(u32::try_from(t).unwrap_or(u32::MAX))
    }
}

/// Our check of a candidate (rules 5 and 6), shared by every block that included it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum CheckState {
    NotRequested,
    InFlight { block: Hash, index: u32, session: SessionIndex },
    Valid,
    Invalid,
    Failed,
}

/// A candidate, across the blocks that included it.
#[derive(Clone, Debug)]
struct CandidateEntry {
    receipt: CandidateReceipt,
    blocks: BTreeSet<Hash>,
    approvals: BTreeMap<(SessionIndex, ValidatorIndex), Sr25519Signature>,
    no_shows: BTreeSet<ValidatorIndex>,
    check: CheckState,
    last_number: BlockNumber,
}

/// A message for a block not imported yet (rule 7).
#[derive(Clone, Debug)]
enum Buffered {
    Assignment(PeerId, IndirectAssignmentCert),
    Approval(PeerId, IndirectSignedApprovalVote),
}

/// Approval voting of one validator (or of a follower without a key, which only counts).
#[derive(Clone, Debug)]
pub struct ApprovalVoting {
    key: Option<Pair>,
    config: ApprovalConfig,
    blocks: BTreeMap<Hash, BlockEntry>,
    candidates: BTreeMap<CandidateHash, CandidateEntry>,
    finalized: (Hash, BlockNumber),
    buffered: BTreeMap<Hash, Vec<Buffered>>,
    buffered_order: VecDeque<Hash>,
    wakes: BTreeSet<u64>,
    /// When we first saw the current finalized block (rule 14); `None` until the next input
    /// with a time after it changed.
    finality_seen_ms: Option<u64>,
    never_show: bool,
    stats: ApprovalStats,
}

/// What triggering needs besides the candidate (rule 5).
struct TriggerCtx<'a> {
    pair: &'a Pair,
    us: ValidatorIndex,
    block: Hash,
    story: &'a [u8; 32],
    session: SessionIndex,
    never_show: bool,
    now_ms: u64,
}

/// Signs our approval of `candidate` in `session` and makes the message for one block (rule 6).
fn approval_action(
    pair: &Pair,
    us: ValidatorIndex,
    session: SessionIndex,
    block: Hash,
    index: u32,
    candidate: CandidateHash,
) -> (Sr25519Signature, HostAction) {
    let signature = ApprovalVote(candidate).sign(pair, session);
    let vote = IndirectSignedApprovalVote {
        block_hash: block,
        candidate_index: index,
        validator: us,
        signature,
    };
    (signature, HostAction::Broadcast(HostMessage::Approval(vote)))
}

fn index_u32(i: usize) -> u32 {
    u32::try_from(i).unwrap_or(u32::MAX)
}

impl ApprovalVoting {
    /// Approval voting signing with `key` (a validator) or only counting (`None`).
    pub fn new(key: Option<Pair>) -> Self {
        Self::with_config(key, ApprovalConfig::default())
    }

    /// Like [`ApprovalVoting::new`] with explicit limits.
    pub fn with_config(key: Option<Pair>, config: ApprovalConfig) -> Self {
        ApprovalVoting {
            key,
            config,
            blocks: BTreeMap::new(),
            candidates: BTreeMap::new(),
            finalized: (Hash::ZERO, BlockNumber(0)),
            buffered: BTreeMap::new(),
            buffered_order: VecDeque::new(),
            wakes: BTreeSet::new(),
            finality_seen_ms: None,
            never_show: false,
            stats: ApprovalStats::default(),
        }
    }

    /// Stand-in "approval checker that never shows": when set, we trigger (broadcast)
    /// assignments but never check nor approve (rule 5).
    pub fn set_never_show(&mut self, on: bool) {
        self.never_show = on;
    }

    /// Counters for reports and benchmarks.
    pub fn stats(&self) -> ApprovalStats {
        self.stats
    }

    /// Whether `block` is approved (rule 11); the finalized block is.
    pub fn is_approved(&self, block: &Hash) -> bool {
        *block == self.finalized.0 || self.blocks.get(block).is_some_and(|b| b.approved)
    }

    /// Whether the candidate at `candidate_index` of `block` is approved under it (rule 10).
    pub fn is_candidate_approved(&self, block: &Hash, candidate_index: u32) -> bool {
        self.blocks
            .get(block)
            .and_then(|b| b.candidates.get(candidate_index as usize))
            .is_some_and(|c| c.approved)
    }

    /// Our tranche for the candidate at `candidate_index` of `block`, if we are assigned
    /// (rules 1 to 3).
    pub fn our_tranche(&self, block: &Hash, candidate_index: u32) -> Option<DelayTranche> {
        let b = self.blocks.get(block)?;
        let ours = b.candidates.get(candidate_index as usize)?.ours?;
        Some(DelayTranche(ours.criterion.tranche))
    }

    /// Approval votes known for a candidate, as (validator, signature, session) — they count
    /// as `Valid` dispute statements (`ApprovalChecking`).
    pub fn approvals_for(
        &self,
        candidate_hash: &CandidateHash,
    ) -> Vec<(ValidatorIndex, Sr25519Signature, SessionIndex)> {
        self.candidates
            .get(candidate_hash)
            .map(|e| e.approvals.iter().map(|(&(s, v), sig)| (v, *sig, s)).collect())
            .unwrap_or_default()
    }

    /// A relay block was imported: records its candidates, decides our assignments (rules 1
    /// to 3), replays buffered messages (rules 7, 8), and evaluates it (rules 5, 9 to 12).
    pub fn on_relay_block(&mut self, info: &RelayBlockInfo, now_ms: u64) -> Vec<HostAction> {
        let mut out = Vec::new();
        self.finality_seen_ms.get_or_insert(now_ms);
        if self.blocks.contains_key(&info.hash)
            || info.hash == self.finalized.0
            || info.number < self.finalized.1
        {
            return out;
        }
        let session = info.session.clone();
        let us = self.key.as_ref().and_then(|k| {
            let public = k.public();
            session
                .validators
                .iter()
                .position(|v| *v == public)
                .map(|i| ValidatorIndex(index_u32(i)))
        });
        let mut candidates: Vec<BlockCandidate> = info
            .included
            .iter()
            .map(|c| BlockCandidate {
                hash: c.candidate_hash,
                core: c.core,
                backers: session
                    .groups
                    .get(c.backing_group.0 as usize)
                    .cloned()
                    .unwrap_or_default(),
                assignees: BTreeMap::new(),
                ours: None,
                approved: false,
            })
            .collect();
        if let (Some(pair), Some(us)) = (self.key.as_ref(), us) {
            let view: Vec<CriteriaCandidate<'_>> = candidates
                .iter()
                .map(|c| CriteriaCandidate { core: c.core, backers: &c.backers })
                .collect();
            let ours = criteria::our_assignments(pair, us, &info.approval_story, &session, &view);
            for (c, criterion) in candidates.iter_mut().zip(ours) {
                c.ours = criterion.map(|criterion| OurAssignment { criterion, triggered: false });
            }
        }
        for c in &info.included {
            let entry = self.candidates.entry(c.candidate_hash).or_insert_with(|| CandidateEntry {
                receipt: c.candidate.clone(),
                blocks: BTreeSet::new(),
                approvals: BTreeMap::new(),
                no_shows: BTreeSet::new(),
                check: CheckState::NotRequested,
                last_number: info.number,
            });
            entry.blocks.insert(info.hash);
            entry.last_number = entry.last_number.max(info.number);
        }
        self.blocks.insert(
            info.hash,
            BlockEntry {
                parent: info.parent_hash,
                number: info.number,
                slot_start_ms: info.slot_start_ms,
                session,
                story: info.approval_story,
                us,
                candidates,
                approved: false,
                own: Vec::new(),
                own_sent_ms: now_ms,
            },
        );
        // Rules 7 and 8: replay what arrived before the block.
        if let Some(messages) = self.buffered.remove(&info.hash) {
            self.buffered_order.retain(|h| *h != info.hash);
            for message in messages {
                match message {
                    Buffered::Assignment(from, cert) => {
                        self.import_assignment(from, cert, now_ms, &mut out);
                    }
                    Buffered::Approval(from, vote) => {
                        self.import_approval(from, vote, &mut out);
                    }
                }
            }
        }
        self.evaluate([info.hash], now_ms, &mut out);
        out
    }

    /// Time passed: triggers due assignments, detects no-shows, re-evaluates every block
    /// (rules 5, 9 to 12).
    pub fn on_tick(&mut self, now_ms: u64) -> Vec<HostAction> {
        let mut out = Vec::new();
        self.wakes.retain(|&w| w > now_ms);
        self.finality_seen_ms.get_or_insert(now_ms);
        let mut order: Vec<(BlockNumber, Hash)> =
            self.blocks.iter().map(|(h, b)| (b.number, *h)).collect();
        order.sort();
        self.rebroadcast(now_ms, &mut out);
        self.evaluate(order.into_iter().map(|(_, h)| h), now_ms, &mut out);
        out
    }

    /// An assignment from the network (rule 7).
    pub fn on_assignment(
        &mut self,
        from: PeerId,
        cert: IndirectAssignmentCert,
        now_ms: u64,
    ) -> Vec<HostAction> {
        let mut out = Vec::new();
        if let Some(block) = self.import_assignment(from, cert, now_ms, &mut out) {
            self.evaluate([block], now_ms, &mut out);
        }
        out
    }

    /// An approval vote from the network (rule 8).
    pub fn on_approval(
        &mut self,
        from: PeerId,
        vote: IndirectSignedApprovalVote,
        now_ms: u64,
    ) -> Vec<HostAction> {
        let mut out = Vec::new();
        if let Some(candidate) = self.import_approval(from, vote, &mut out) {
            let blocks = self.blocks_of(&candidate);
            self.evaluate(blocks, now_ms, &mut out);
        }
        out
    }

    /// The verdict of a check we asked for with [`CheckPurpose::Approval`] (rule 6). When the
    /// candidate is invalid, [`ApprovalCheckResult::invalid`] names it and its session: the
    /// router must cast our `Invalid` dispute vote.
    pub fn on_check_result(
        &mut self,
        block: Hash,
        candidate_index: u32,
        verdict: ValidationVerdict,
        now_ms: u64,
    ) -> ApprovalCheckResult {
        let mut result = ApprovalCheckResult::default();
        let from_block = self
            .blocks
            .get(&block)
            .and_then(|b| b.candidates.get(candidate_index as usize))
            .map(|c| c.hash);
        let origin = |e: &CandidateEntry| {
            matches!(e.check, CheckState::InFlight { block: b, index, .. }
                if b == block && index == candidate_index)
        };
        let candidate =
            from_block.or_else(|| self.candidates.iter().find(|(_, e)| origin(e)).map(|(h, _)| *h));
        let Some(candidate) = candidate else { return result };
        let Some(entry) = self.candidates.get_mut(&candidate) else { return result };
        let CheckState::InFlight { session, .. } = entry.check else { return result };
        let reason = match verdict {
            ValidationVerdict::Valid(outputs) => {
                if result_matches_receipt(&entry.receipt, outputs) {
                    None
                } else {
                    Some("outputs do not match the receipt's commitments".to_string())
                }
            }
            ValidationVerdict::Invalid(reason) => Some(reason),
            ValidationVerdict::Internal(reason) => {
                entry.check = CheckState::Failed;
                result.actions.push(HostAction::Event(HostEvent::InternalError {
                    candidate_hash: candidate,
                    reason,
                }));
                return result;
            }
        };
        if let Some(reason) = reason {
            tracing::debug!(%candidate, %reason, "approval check found the candidate invalid");
            entry.check = CheckState::Invalid;
            result.invalid = Some((entry.receipt.clone(), session));
            return result;
        }
        entry.check = CheckState::Valid;
        self.stats.approvals_signed += 1;
        result
            .actions
            .push(HostAction::Event(HostEvent::ApprovalSigned { candidate_hash: candidate }));
        let blocks = self.blocks_of(&candidate);
        if let Some(pair) = self.key.as_ref() {
            for hash in &blocks {
                let Some(b) = self.blocks.get(hash) else { continue };
                let Some(us) = b.us else { continue };
                let sid = b.session.session;
                for (i, c) in b.candidates.iter().enumerate() {
                    if c.hash != candidate || !c.ours.is_some_and(|o| o.triggered) {
                        continue;
                    }
                    let (sig, action) =
                        approval_action(pair, us, sid, *hash, index_u32(i), candidate);
                    result.actions.push(action);
                    if let Some(e) = self.candidates.get_mut(&candidate) {
                        e.approvals.insert((sid, us), sig);
                    }
                }
            }
        }
        self.evaluate(blocks, now_ms, &mut result.actions);
        result
    }

    /// A block was finalized: it counts as approved, and everything at or below its height is
    /// forgotten (rules 11 and 13). Children waiting for it are re-evaluated at the next input.
    pub fn on_finalized(&mut self, hash: Hash, number: BlockNumber) {
        if number < self.finalized.1 {
            return;
        }
        if hash != self.finalized.0 {
            self.finality_seen_ms = None;
        }
        self.finalized = (hash, number);
        self.blocks.retain(|_, b| b.number > number);
        let blocks = &self.blocks;
        let keep = self.config.keep_after_finality;
        self.candidates.retain(|_, e| {
            e.blocks.retain(|h| blocks.contains_key(h));
            !e.blocks.is_empty() || e.last_number.0.saturating_add(keep) >= number.0
        });
    }

    // ----- internals -----

    fn penalize(&mut self, peer: PeerId, error: ApprovalError, out: &mut Vec<HostAction>) {
        tracing::debug!(?peer, %error, "penalizing approval message");
        self.stats.penalties += 1;
        out.push(HostAction::Penalize { peer, reason: error.to_string() });
    }

    /// Rule 7: buffers a message for an unknown block.
    fn buffer(&mut self, block: Hash, message: Buffered) {
        if self.config.max_pending_blocks == 0 || block == self.finalized.0 {
            return;
        }
        if !self.buffered.contains_key(&block) {
            while self.buffered_order.len() >= self.config.max_pending_blocks {
                match self.buffered_order.pop_front() {
                    Some(old) => {
                        self.buffered.remove(&old);
                    }
                    None => break,
                }
            }
            self.buffered_order.push_back(block);
        }
        let list = self.buffered.entry(block).or_default();
        if list.len() < self.config.max_pending_per_block {
            list.push(message);
        }
    }

    /// Rule 7: checks and records an assignment; returns the block to re-evaluate.
    fn import_assignment(
        &mut self,
        from: PeerId,
        cert: IndirectAssignmentCert,
        now_ms: u64,
        out: &mut Vec<HostAction>,
    ) -> Option<Hash> {
        let block_hash = cert.block_hash;
        let Some(block) = self.blocks.get(&block_hash) else {
            self.buffer(block_hash, Buffered::Assignment(from, cert));
            return None;
        };
        let validator = cert.validator;
        let tranche = cert.tranche.0;
        let checked = (|| {
            let c = block.candidates.get(cert.candidate_index as usize).ok_or(
                ApprovalError::CandidateIndexOutOfRange {
                    block: block_hash,
                    index: cert.candidate_index,
                    candidates: block.candidates.len(),
                },
            )?;
            let public = block.session.validators.get(validator.0 as usize).ok_or(
                ApprovalError::UnknownValidator { validator, session: block.session.session },
            )?;
            if c.backers.contains(&validator) {
                return Err(ApprovalError::BackerAssignment { validator, candidate_hash: c.hash });
            }
            if c.assignees.get(&validator).is_some_and(|a| a.tranche <= tranche) {
                return Ok(false); // A duplicate or a later claim: nothing new.
            }
            criteria::check_cert(
                public,
                validator,
                &block.story,
                &block.session,
                c.core,
                &cert.cert,
                tranche,
            )?;
            Ok(true)
        })();
        match checked {
            Err(error) => {
                self.penalize(from, error, out);
                None
            }
            Ok(false) => None,
            Ok(true) => {
                let c = self
                    .blocks
                    .get_mut(&block_hash)?
                    .candidates
                    .get_mut(cert.candidate_index as usize)?;
                c.assignees.insert(validator, Assignee { tranche, received_ms: now_ms });
                self.stats.assignments_imported += 1;
                Some(block_hash)
            }
        }
    }

    /// Rule 8: checks and records an approval; returns the candidate to re-evaluate.
    fn import_approval(
        &mut self,
        from: PeerId,
        vote: IndirectSignedApprovalVote,
        out: &mut Vec<HostAction>,
    ) -> Option<CandidateHash> {
        let Some(block) = self.blocks.get(&vote.block_hash) else {
            self.buffer(vote.block_hash, Buffered::Approval(from, vote));
            return None;
        };
        let validator = vote.validator;
        let session = block.session.session;
        let checked = (|| {
            let c = block.candidates.get(vote.candidate_index as usize).ok_or(
                ApprovalError::CandidateIndexOutOfRange {
                    block: vote.block_hash,
                    index: vote.candidate_index,
                    candidates: block.candidates.len(),
                },
            )?;
            let public = block
                .session
                .validators
                .get(validator.0 as usize)
                .ok_or(ApprovalError::UnknownValidator { validator, session })?;
            if c.backers.contains(&validator) {
                return Ok(None); // Rule 3: ignored.
            }
            let known = self
                .candidates
                .get(&c.hash)
                .is_some_and(|e| e.approvals.contains_key(&(session, validator)));
            if known {
                return Ok(None);
            }
            if !ApprovalVote(c.hash).check(session, &vote.signature, public) {
                return Err(ApprovalError::BadApprovalSignature {
                    validator,
                    candidate_hash: c.hash,
                });
            }
            Ok(Some(c.hash))
        })();
        match checked {
            Err(error) => {
                self.penalize(from, error, out);
                None
            }
            Ok(None) => None,
            Ok(Some(candidate)) => {
                let entry = self.candidates.get_mut(&candidate)?;
                entry.approvals.insert((session, validator), vote.signature);
                self.stats.approvals_imported += 1;
                Some(candidate)
            }
        }
    }

    /// The blocks that included `candidate`.
    fn blocks_of(&self, candidate: &CandidateHash) -> Vec<Hash> {
        let mut blocks: Vec<(BlockNumber, Hash)> = self
            .candidates
            .get(candidate)
            .map(|e| {
                e.blocks.iter().filter_map(|h| self.blocks.get(h).map(|b| (b.number, *h))).collect()
            })
            .unwrap_or_default();
        blocks.sort();
        blocks.into_iter().map(|(_, h)| h).collect()
    }

    /// Rule 11: whether the parent of `block` counts as approved.
    fn parent_approved(&self, block: &BlockEntry) -> bool {
        if block.parent == self.finalized.0 {
            return true;
        }
        match self.blocks.get(&block.parent) {
            Some(parent) => parent.approved,
            None => block.number.0.saturating_sub(1) <= self.finalized.1 .0,
        }
    }

    /// Evaluates `blocks` (and the children of those that become approved), then asks for the
    /// next wake-up (rule 12).
    fn evaluate(
        &mut self,
        blocks: impl IntoIterator<Item = Hash>,
        now_ms: u64,
        out: &mut Vec<HostAction>,
    ) {
        let mut queue: VecDeque<Hash> = blocks.into_iter().collect();
        let mut next: Option<u64> = None;
        while let Some(hash) = queue.pop_front() {
            let (wake, approved) = self.evaluate_block(&hash, now_ms, out);
            next = match (next, wake) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
            if approved {
                let children = self.blocks.iter().filter(|(_, b)| b.parent == hash);
                queue.extend(children.map(|(h, _)| *h));
            }
        }
        self.remember_own(out);
        let rebroadcast_at = self.next_rebroadcast();
        for at in [next, rebroadcast_at].into_iter().flatten() {
            if at > now_ms && self.wakes.first().is_none_or(|&w| w > at) {
                self.wakes.insert(at);
                out.push(HostAction::WakeAt(at));
            }
        }
    }

    /// Rule 14: keeps our broadcast assignments and approvals with their blocks.
    fn remember_own(&mut self, out: &[HostAction]) {
        for action in out {
            let HostAction::Broadcast(msg) = action else { continue };
            let (block, validator) = match msg {
                HostMessage::Assignment(cert) => (cert.block_hash, cert.validator),
                HostMessage::Approval(vote) => (vote.block_hash, vote.validator),
                _ => continue,
            };
            let Some(entry) = self.blocks.get_mut(&block) else { continue };
            if entry.us == Some(validator) && !entry.own.contains(msg) {
                entry.own.push(msg.clone());
            }
        }
    }

    /// Rule 14: when our messages of some unfinalized block are next due again.
    fn next_rebroadcast(&self) -> Option<u64> {
        let every = self.config.rebroadcast_ms;
        if every == 0 {
            return None;
        }
        let stalled_at = self.finality_seen_ms?.saturating_add(every);
        self.blocks
            .values()
            .filter(|b| !b.own.is_empty())
            .map(|b| b.own_sent_ms.saturating_add(every).max(stalled_at))
            .min()
    }

    /// Rule 14: broadcasts again our messages of every unfinalized block that is due.
    fn rebroadcast(&mut self, now_ms: u64, out: &mut Vec<HostAction>) {
        let every = self.config.rebroadcast_ms;
        let stalled = self.finality_seen_ms.is_some_and(|t| now_ms >= t.saturating_add(every));
        if every == 0 || !stalled {
            return;
        }
        for entry in self.blocks.values_mut() {
            if entry.own.is_empty() || now_ms < entry.own_sent_ms.saturating_add(every) {
                continue;
            }
            entry.own_sent_ms = now_ms;
            out.extend(entry.own.iter().cloned().map(HostAction::Broadcast));
        }
    }

    /// Rules 5, 9, 10 and 11 for one block. Returns the next instant it may change on its own
    /// (rule 12) and whether it just became approved.
    fn evaluate_block(
        &mut self,
        hash: &Hash,
        now_ms: u64,
        out: &mut Vec<HostAction>,
    ) -> (Option<u64>, bool) {
        let Some(block) = self.blocks.get(hash) else { return (None, false) };
        let parent_approved = self.parent_approved(block);
        let Self { blocks, candidates, key, never_show, stats, .. } = self;
        let Some(block) = blocks.get_mut(hash) else { return (None, false) };
        let session = block.session.clone();
        let n = session.n_validators();
        let needed = session.needed_approvals as usize;
        let current = block.current_tranche(now_ms);
        let mut next: Option<u64> = None;
        let mut wake = |at: u64| {
            if at > now_ms {
                next = Some(next.map_or(at, |n: u64| n.min(at)));
            }
        };
        for index in 0..block.candidates.len() {
            let c = &block.candidates[index];
            if c.approved {
                continue;
            }
            let Some(entry) = candidates.get_mut(&c.hash) else { continue };
            // Rule 9: what each assignee has done.
            let mut states = Vec::with_capacity(c.assignees.len());
            for (&v, a) in &c.assignees {
                let approved = entry.approvals.contains_key(&(session.session, v));
                let start = block.tranche_start(a.tranche);
                let started = current.is_some_and(|t| a.tranche <= t);
                let deadline = start.max(a.received_ms).saturating_add(session.no_show_ms);
                let no_show = !approved && started && now_ms >= deadline;
                if no_show && entry.no_shows.insert(v) {
                    stats.no_shows += 1;
                    out.push(HostAction::Event(HostEvent::NoShow {
                        validator: v,
                        candidate_hash: c.hash,
                    }));
                }
                if !approved && !no_show {
                    wake(deadline);
                }
                if !started {
                    wake(start);
                }
                states.push(AssigneeState { tranche: a.tranche, approved, no_show });
            }
            // Rule 10.
            let approvals = entry.approvals.keys().filter(|(s, _)| *s == session.session).count();
            let eligible = n.saturating_sub(c.backers.len());
            let impossible = needed > eligible;
            let counted = current.map(|t| tally(states.iter().copied(), needed, t));
            // Rule 10: every possible checker already holds an assignment, so a no-show can
            // never be covered; the approvals of all the others are the most there can be.
            let uncoverable = c.assignees.len() >= eligible
                && states.iter().any(|s| s.no_show)
                && states.iter().all(|s| s.approved || s.no_show)
                && states.iter().filter(|s| s.approved).count() >= needed;
            if needed == 0
                || impossible
                || 3 * approvals > n
                || uncoverable
                || counted == Some(Tally::Approved)
            {
                block.candidates[index].approved = true;
                stats.candidates_approved += 1;
                continue;
            }
            // Rule 5: trigger our assignment when due and needed.
            let Some(ours) = c.ours.filter(|o| !o.triggered) else { continue };
            let start = block.tranche_start(ours.criterion.tranche);
            if start > now_ms {
                wake(start);
                continue;
            }
            let t = ours.criterion.tranche;
            let needs = t == 0 || tally(states.iter().copied(), needed, t - 1) == Tally::NeedMore;
            let (Some(pair), Some(us)) = (key.as_ref(), block.us) else { continue };
            if !needs {
                continue;
            }
            let ctx = TriggerCtx {
                pair,
                us,
                block: *hash,
                story: &block.story,
                session: session.session,
                never_show: *never_show,
                now_ms,
            };
            let c = &mut block.candidates[index];
            trigger(&ctx, index_u32(index), c, entry, stats, out);
            wake(now_ms.saturating_add(session.no_show_ms));
        }
        // Rule 11.
        let mut approved_now = false;
        if !block.approved && parent_approved && block.candidates.iter().all(|c| c.approved) {
            block.approved = true;
            approved_now = true;
            stats.blocks_approved += 1;
            out.push(HostAction::Event(HostEvent::BlockApproved {
                hash: *hash,
                number: block.number,
            }));
        }
        (next, approved_now)
    }
}

/// Rule 5: triggers our assignment to candidate `index` of a block.
fn trigger(
    ctx: &TriggerCtx<'_>,
    index: u32,
    c: &mut BlockCandidate,
    entry: &mut CandidateEntry,
    stats: &mut ApprovalStats,
    out: &mut Vec<HostAction>,
) {
    let Some(ours) = c.ours.as_mut() else { return };
    ours.triggered = true;
    let tranche = ours.criterion.tranche;
    let cert = criteria::make_cert(ctx.pair, ctx.story, ours.criterion.kind);
    out.push(HostAction::Broadcast(HostMessage::Assignment(IndirectAssignmentCert {
        block_hash: ctx.block,
        validator: ctx.us,
        cert,
        tranche: DelayTranche(tranche),
        candidate_index: index,
    })));
    out.push(HostAction::Event(HostEvent::AssignmentTriggered { candidate_hash: c.hash, tranche }));
    c.assignees.insert(ctx.us, Assignee { tranche, received_ms: ctx.now_ms });
    stats.assignments_triggered += 1;
    if ctx.never_show {
        return;
    }
    match entry.check {
        CheckState::Valid => {
            let (sig, action) =
                approval_action(ctx.pair, ctx.us, ctx.session, ctx.block, index, c.hash);
            entry.approvals.insert((ctx.session, ctx.us), sig);
            out.push(action);
        }
        CheckState::NotRequested => {
            entry.check = CheckState::InFlight { block: ctx.block, index, session: ctx.session };
            stats.checks_requested += 1;
            out.push(HostAction::Check(CheckRequest {
                candidate: entry.receipt.clone(),
                session: ctx.session,
                core: Some(c.core),
                purpose: CheckPurpose::Approval { block: ctx.block, candidate_index: index },
            }));
        }
        CheckState::InFlight { .. } | CheckState::Invalid | CheckState::Failed => {}
    }
}
