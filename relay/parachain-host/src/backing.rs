//! Candidate backing (research/protocol.md §4 and §5; DESIGN.md pipeline step 2): a validator
//! of the group assigned to a para's core seconds one collation per relay parent after
//! executing it, the other group members fetch the PoV, execute it and vouch with `Valid`, and
//! every validator keeps the statement table so that whichever of them authors the next relay
//! block can put the backable candidates on chain.
//!
//! [`Backing`] is a pure state machine: it never executes anything itself, it asks the shell
//! with [`HostAction::Validate`] and gets the verdict back through
//! [`Backing::on_validation_result`].
//!
//! ## The rules
//!
//! - Step 1. **Relay parents.** Every imported relay block becomes a possible relay parent; the
//!   blocks of the last [`BackingConfig::relay_parents_kept`] heights are kept, older ones are
//!   forgotten with their statements. Candidates a block puts pending availability
//!   (`RelayBlockInfo::backed`) are on chain and are no longer offered to block authors.
//!   Statements that arrive before their relay parent are held (a bounded FIFO) and replayed
//!   when it is imported.
//! - Step 2. **Collations.** A collation is accepted only if: its relay parent is a known
//!   recent block and the descriptor names it; we are a validator there and belong to the group
//!   of the core serving the candidate's para, which is not frozen; the validation data equals
//!   the relay chain's for that para and hashes to the descriptor's
//!   `persisted_validation_data_hash`; the PoV hashes ([`PoV::hash`], as the collator computes
//!   it) to `pov_hash` and is no larger than the data's `max_pov_size`; the code hash is the
//!   para's; `para_head` is the hash of the commitments' head data. A bad collation yields
//!   [`HostEvent::CollationRejected`] and [`HostAction::Penalize`] of the collator. (There is no
//!   collator-signature check helper in the primitives yet; it is not checked here.)
//! - Step 3. **Seconding limit.** A validator seconds at most one candidate per relay parent,
//!   and validates one collation per relay parent at a time: up to
//!   [`BackingConfig::max_queued_collations`] more wait in order, further ones are dropped
//!   (rejected without a penalty). Once one is seconded the queue is dropped; if it proves
//!   invalid the next queued one is validated. A candidate we already vouched for (or are
//!   validating) is not seconded again.
//! - Step 4. **Verdicts.** A `Valid` verdict counts only if the validation result equals the
//!   candidate's commitments and the erasure root of `AvailableData { pov, validation_data }`
//!   for the relay parent's validator count equals the descriptor's `erasure_root`; then the
//!   chunks are stored in [`Availability`] (so we can serve them) and we sign and broadcast
//!   `Seconded` (our seconding) or `Valid` (someone else's candidate). `Invalid` gives
//!   [`HostEvent::CollationRejected`] (and a penalty of the collator when seconding) and no
//!   statement. `Internal` gives [`HostEvent::InternalError`] and no statement of either kind
//!   (DESIGN.md principle 3).
//! - Step 5. **Statements.** Every validator receives every statement. One is recorded only if
//!   its relay parent is known, its signer is a validator there, in the group of the core of
//!   the candidate's para, the signature verifies in `SigningContext { session, relay_parent }`,
//!   and, for `Seconded`, the descriptor names that relay parent and matches the relay chain's
//!   data for the para (validation data hash, code hash, head hash). Anything else is dropped
//!   with a penalty of the sender. A `Valid` for a candidate not yet seen `Seconded` is held
//!   (bounded by [`BackingConfig::max_early_statements`]) until it is. A validator that
//!   seconds two candidates at one relay parent, or signs both `Seconded` and `Valid` for one
//!   candidate, double-voted: [`HostEvent::BackingEquivocation`], and only its first statement
//!   is kept.
//! - Step 6. **Vouching.** A group member that has not validated a candidate seen `Seconded`
//!   fetches the PoV from a backer of it (seconders first) with a
//!   [`HostMessage::PovRequest`], checks the PoV and validation data hashes against the
//!   descriptor (a mismatch penalizes the sender), asks the next backer after a `None`, a
//!   mismatch or [`BackingConfig::pov_fetch_timeout_ms`] without an answer (see
//!   [`Backing::on_tick`]), validates (Step 4) and signs `Valid`.
//! - Step 7. **Backable.** A candidate is backable once the votes of its group's members that
//!   are not disabled reach `SessionInfo::backing_threshold(group)`; this is reported once with
//!   [`HostEvent::Backable`]. [`Backing::backable_candidates`] gives a block author at most one
//!   candidate per para (most votes, then the lowest candidate hash), with its counted votes
//!   sorted by validator index, skipping candidates already on chain. Whether the candidate's
//!   core is free at the author's block is the author's and the relay chain's business (it
//!   depends on the bitfields of that block).
//!
//! Validation request ids come from a counter starting at 1, unique per [`Backing`]; the
//! router hands verdicts back by relay parent and candidate hash, so ids only correlate.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use atoll_primitives::crypto::Pair;
use atoll_primitives::parachain::{
    AvailableData, BackedCandidate, SignedStatement, SigningContext, Statement, ValidityAttestation,
};
use atoll_primitives::{
    BlockNumber, CandidateHash, CommittedCandidateReceipt, GroupIndex, Hash, ParaId,
    PersistedValidationData, PoV, ValidatorIndex,
};

use parity_scale_codec::Encode;

use crate::availability::{Availability, AvailabilityError};
use crate::protocol::{
    CheckPurpose, ExecutionKind, HostAction, HostEvent, HostMessage, PeerId, Target,
    ValidationRequest, ValidationVerdict,
};
use crate::view::RelayBlockInfo;

/// Tunables of [`Backing`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BackingConfig {
    /// Relay parents of this many most recent heights are kept (Step 1); default 4.
    pub relay_parents_kept: u32,
    /// Collations waiting while another is validated for the same relay parent (Step 3);
    /// default 2.
    pub max_queued_collations: usize,
    /// `Valid` statements held per relay parent until their candidate is seen `Seconded`
    /// (Step 5); default 64.
    pub max_early_statements: usize,
    /// Statements held until their relay parent is imported (Step 1); default 256.
    pub max_unknown_parent_statements: usize,
    /// Time after which an unanswered PoV request goes to the next backer (Step 6), ms;
    /// default 1000.
    pub pov_fetch_timeout_ms: u64,
}

impl Default for BackingConfig {
    fn default() -> Self {
        Self {
            relay_parents_kept: 4,
            max_queued_collations: 2,
            max_early_statements: 64,
            max_unknown_parent_statements: 256,
            pov_fetch_timeout_ms: 1_000,
        }
    }
}

/// Why a collation, a statement or a PoV was refused (the `reason` of events and penalties).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BackingError {
    /// The relay parent is not a recent block we know.
    #[error("relay parent {relay_parent} is unknown or too old")]
    UnknownRelayParent {
        /// The relay parent.
        relay_parent: Hash,
    },
    /// The descriptor names another relay parent than the one the message is for.
    #[error(
        "{candidate_hash}: the descriptor names relay parent {descriptor}, not {relay_parent}"
    )]
    RelayParentMismatch {
        /// The candidate.
        candidate_hash: CandidateHash,
        /// The relay parent of the message.
        relay_parent: Hash,
        /// The relay parent of the descriptor.
        descriptor: Hash,
    },
    /// We hold no key of the relay parent's validator set.
    #[error("we are not a validator at relay parent {relay_parent}")]
    NotAValidator {
        /// The relay parent.
        relay_parent: Hash,
    },
    /// A validator index outside the relay parent's validator set.
    #[error("{validator} is not a validator at relay parent {relay_parent}")]
    UnknownValidator {
        /// The index.
        validator: ValidatorIndex,
        /// The relay parent.
        relay_parent: Hash,
    },
    /// No core serves the candidate's para at the relay parent.
    #[error("{candidate_hash}: {para_id} has no core at relay parent {relay_parent}")]
    NoCore {
        /// The candidate.
        candidate_hash: CandidateHash,
        /// Its para.
        para_id: ParaId,
        /// The relay parent.
        relay_parent: Hash,
    },
    /// The para is frozen by a dispute.
    #[error("{candidate_hash}: {para_id} is frozen")]
    ParaFrozen {
        /// The candidate.
        candidate_hash: CandidateHash,
        /// Its para.
        para_id: ParaId,
    },
    /// The validator is not in the group backing the para at the relay parent.
    #[error("{candidate_hash}: {validator} is not in {group}, which backs {para_id}")]
    NotInGroup {
        /// The candidate.
        candidate_hash: CandidateHash,
        /// The validator.
        validator: ValidatorIndex,
        /// The group backing the para.
        group: GroupIndex,
        /// The para.
        para_id: ParaId,
    },
    /// We already seconded a candidate at this relay parent.
    #[error("{candidate_hash}: we already seconded {seconded} at relay parent {relay_parent}")]
    AlreadySeconded {
        /// The refused candidate.
        candidate_hash: CandidateHash,
        /// The candidate we seconded.
        seconded: CandidateHash,
        /// The relay parent.
        relay_parent: Hash,
    },
    /// Another collation is being validated for the relay parent and the queue is full.
    #[error("{candidate_hash}: busy with another collation at relay parent {relay_parent}")]
    Busy {
        /// The refused candidate.
        candidate_hash: CandidateHash,
        /// The relay parent.
        relay_parent: Hash,
    },
    /// We already vouched for (or are validating) this candidate.
    #[error("{candidate_hash}: already validated or being validated")]
    AlreadyKnown {
        /// The candidate.
        candidate_hash: CandidateHash,
    },
    /// The validation data differs from the relay chain's for the para.
    #[error("{candidate_hash}: validation data differs from the relay chain's")]
    ValidationDataMismatch {
        /// The candidate.
        candidate_hash: CandidateHash,
    },
    /// The validation data does not hash to the descriptor's hash.
    #[error("{candidate_hash}: validation data does not hash to the descriptor's")]
    ValidationDataHashMismatch {
        /// The candidate.
        candidate_hash: CandidateHash,
    },
    /// The collator's signature on the descriptor does not verify.
    #[error("{candidate_hash}: bad collator signature")]
    BadCollatorSignature {
        /// The candidate.
        candidate_hash: CandidateHash,
    },
    /// The PoV does not hash to the descriptor's `pov_hash`.
    #[error("{candidate_hash}: PoV does not hash to the descriptor's pov_hash")]
    PovHashMismatch {
        /// The candidate.
        candidate_hash: CandidateHash,
    },
    /// The PoV exceeds the validation data's `max_pov_size`.
    #[error("{candidate_hash}: PoV of {size} bytes exceeds {max}")]
    PovTooLarge {
        /// The candidate.
        candidate_hash: CandidateHash,
        /// The PoV's encoded size.
        size: usize,
        /// The limit.
        max: u32,
    },
    /// The descriptor's code hash is not the para's current code.
    #[error("{candidate_hash}: validation code hash {got} is not the para's {expected}")]
    CodeHashMismatch {
        /// The candidate.
        candidate_hash: CandidateHash,
        /// The descriptor's.
        got: Hash,
        /// The para's.
        expected: Hash,
    },
    /// The descriptor's `para_head` is not the hash of the commitments' head data.
    #[error("{candidate_hash}: para_head is not the hash of the committed head data")]
    ParaHeadMismatch {
        /// The candidate.
        candidate_hash: CandidateHash,
    },
    /// Execution succeeded but its outputs differ from the commitments.
    #[error("{candidate_hash}: the validation result differs from the commitments")]
    CommitmentsMismatch {
        /// The candidate.
        candidate_hash: CandidateHash,
    },
    /// The PVF rejected the candidate.
    #[error("{candidate_hash}: invalid: {reason}")]
    Invalid {
        /// The candidate.
        candidate_hash: CandidateHash,
        /// The PVF's reason.
        reason: String,
    },
    /// The available data could not be stored (a wrong erasure root, or too large).
    #[error("{candidate_hash}: {source}")]
    Unavailable {
        /// The candidate.
        candidate_hash: CandidateHash,
        /// What availability said.
        source: Box<AvailabilityError>,
    },
    /// A statement's signature does not verify.
    #[error("{candidate_hash}: bad statement signature of {validator}")]
    BadSignature {
        /// The candidate.
        candidate_hash: CandidateHash,
        /// The claimed signer.
        validator: ValidatorIndex,
    },
    /// A PoV response does not match the descriptor.
    #[error("{candidate_hash}: the PoV or validation data sent does not match the descriptor")]
    PovResponseMismatch {
        /// The candidate.
        candidate_hash: CandidateHash,
    },
}

/// A collation being validated for seconding, or waiting for its turn (Step 3).
struct PendingCollation {
    from: PeerId,
    candidate: CommittedCandidateReceipt,
    candidate_hash: CandidateHash,
    pov: PoV,
    validation_data: PersistedValidationData,
}

/// Our own work on a candidate of the table.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Work {
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
struct CandidateEntry {
    candidate: CommittedCandidateReceipt,
    para_id: ParaId,
    group: GroupIndex,
    votes: BTreeMap<ValidatorIndex, ValidityAttestation>,
    reported_backable: bool,
    work: Work,
    /// The PoV and validation data, once fetched or delivered (kept to serve them).
    data: Option<(PoV, PersistedValidationData)>,
}

/// Everything about one relay parent.
struct RelayParentState {
    info: RelayBlockInfo,
    our_index: Option<ValidatorIndex>,
    /// The collation being validated for seconding (Step 3).
    in_flight: Option<PendingCollation>,
    queue: VecDeque<PendingCollation>,
    /// What we seconded (Step 3).
    seconded: Option<CandidateHash>,
    /// Who seconded what (Step 5, double votes).
    seconded_by: BTreeMap<ValidatorIndex, CandidateHash>,
    candidates: BTreeMap<CandidateHash, CandidateEntry>,
    /// Verified `Valid` statements for candidates not seen `Seconded` yet.
    early: Vec<(PeerId, SignedStatement)>,
}

impl RelayParentState {
    fn context(&self) -> SigningContext {
        SigningContext { session: self.info.session.session, parent_hash: self.info.hash }
    }

    fn our_group(&self) -> Option<GroupIndex> {
        self.our_index.and_then(|i| self.info.session.group_of(i))
    }

    fn group_members(&self, group: GroupIndex) -> &[ValidatorIndex] {
        self.info.session.groups.get(group.0 as usize).map_or(&[], Vec::as_slice)
    }

    /// Votes that count (Step 7): from members of the group that are not disabled, sorted.
    fn counted_votes(&self, entry: &CandidateEntry) -> Vec<(ValidatorIndex, ValidityAttestation)> {
        let members = self.group_members(entry.group);
        entry
            .votes
            .iter()
            .filter(|(v, _)| members.contains(v) && !self.info.disabled.contains(v))
            .map(|(v, a)| (*v, *a))
            .collect()
    }

    /// Step 7: reports a candidate that reached its threshold, once.
    fn check_backable(&mut self, candidate_hash: CandidateHash) -> Vec<HostAction> {
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

    /// Step 2 and Step 5: the facts of a candidate at this relay parent that do not depend on
    /// its PoV, with `validator` as its backer. Returns the candidate's group.
    fn check_candidate(
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

    fn new_entry(&self, candidate: CommittedCandidateReceipt, group: GroupIndex) -> CandidateEntry {
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

/// Signs `statement` as our validator at the relay parent (`None` without a key or index).
fn sign(
    key: Option<&Pair>,
    state: &RelayParentState,
    statement: Statement,
) -> Option<SignedStatement> {
    let (key, index) = (key?, state.our_index?);
    Some(SignedStatement::sign(key, statement, &state.context(), index))
}

/// The attestation a signed statement makes.
fn attestation(statement: &SignedStatement) -> ValidityAttestation {
    match statement.statement {
        Statement::Seconded(_) => ValidityAttestation::Implicit(statement.signature),
        Statement::Valid(_) => ValidityAttestation::Explicit(statement.signature),
    }
}

fn penalize(peer: PeerId, error: &BackingError) -> HostAction {
    HostAction::Penalize { peer, reason: error.to_string() }
}

fn rejected(candidate_hash: CandidateHash, error: &BackingError) -> HostAction {
    HostAction::Event(HostEvent::CollationRejected { candidate_hash, reason: error.to_string() })
}

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

/// The backing state machine of one validator (or of a non-validator that only follows the
/// statements, with no key). See the module docs for the rules.
pub struct Backing {
    key: Option<Pair>,
    config: BackingConfig,
    relay_parents: BTreeMap<Hash, RelayParentState>,
    best_number: BlockNumber,
    /// Candidates put on chain, with the number of the block that did it (Step 1).
    on_chain: BTreeMap<CandidateHash, BlockNumber>,
    /// Statements whose relay parent is not imported yet (Step 1).
    unknown_parent: VecDeque<(PeerId, Hash, SignedStatement)>,
    next_request_id: u64,
}

impl Backing {
    /// A backing machine with the default [`BackingConfig`]; `key` is our validator key
    /// (`None`: we follow statements but never sign).
    pub fn new(key: Option<Pair>) -> Self {
        Self::with_config(key, BackingConfig::default())
    }

    /// A backing machine with `config`.
    pub fn with_config(key: Option<Pair>, config: BackingConfig) -> Self {
        Self {
            key,
            config,
            relay_parents: BTreeMap::new(),
            best_number: BlockNumber(0),
            on_chain: BTreeMap::new(),
            unknown_parent: VecDeque::new(),
            next_request_id: 0,
        }
    }

    /// A relay block was imported (Step 1): it becomes a possible relay parent (the last
    /// `relay_parents_kept` heights are kept, older ones pruned), its `backed` candidates are on
    /// chain (no longer offered), and statements that were waiting for it are replayed.
    pub fn on_relay_block(&mut self, info: &RelayBlockInfo, now_ms: u64) -> Vec<HostAction> {
        self.best_number = self.best_number.max(info.number);
        for backed in &info.backed {
            self.on_chain.insert(backed.candidate_hash, info.number);
        }
        if !self.relay_parents.contains_key(&info.hash) {
            let our_index = self.key.as_ref().and_then(|key| {
                let public = key.public();
                let position = info.session.validators.iter().position(|v| *v == public)?;
                u32::try_from(position).ok().map(ValidatorIndex)
            });
            let state = RelayParentState {
                info: info.clone(),
                our_index,
                in_flight: None,
                queue: VecDeque::new(),
                seconded: None,
                seconded_by: BTreeMap::new(),
                candidates: BTreeMap::new(),
                early: Vec::new(),
            };
            self.relay_parents.insert(info.hash, state);
        }
        // Step 1: prune by height.
        let kept = self.config.relay_parents_kept.max(1);
        let best = self.best_number.0;
        let keep = |n: BlockNumber| n.0.saturating_add(kept) > best;
        self.relay_parents.retain(|_, s| keep(s.info.number));
        self.on_chain.retain(|_, n| keep(*n));
        // Step 1: replay the statements that waited for this block.
        let (ready, waiting): (VecDeque<_>, VecDeque<_>) = std::mem::take(&mut self.unknown_parent)
            .into_iter()
            .partition(|(_, rp, _)| *rp == info.hash);
        self.unknown_parent = waiting;
        let mut actions = Vec::new();
        for (from, relay_parent, statement) in ready {
            actions.extend(self.on_statement(from, relay_parent, statement, now_ms));
        }
        actions
    }

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

fn next_id(counter: &mut u64) -> u64 {
    *counter = counter.wrapping_add(1);
    *counter
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
fn next_collation(state: &mut RelayParentState, counter: &mut u64) -> Vec<HostAction> {
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

/// Step 6: starts (or resumes) fetching the PoV of a candidate of our group we have not
/// validated.
fn maybe_fetch(
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

/// Test fixtures shared with the availability tests: a hand-made relay block with six
/// validators in two groups of three, two paras on two cores, and well-formed collations.
#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
pub(crate) mod fixtures {
    use std::collections::BTreeMap;
    use std::sync::Arc;

    use atoll_primitives::crypto::Pair;
    use atoll_primitives::parachain::AvailableData;
    use atoll_primitives::{
        BlockData, BlockNumber, CandidateCommitments, CandidateDescriptor, CandidateHash,
        CommittedCandidateReceipt, CoreIndex, GroupIndex, Hash, HeadData, ParaId,
        PersistedValidationData, PoV, SessionIndex, ValidationCode, ValidationResult,
        ValidatorIndex,
    };

    use crate::view::{CoreInfo, OccupiedCore, ParaData, RelayBlockInfo, SessionInfo};

    /// Number of validators.
    pub const N: usize = 6;
    /// The para on core 0 (group 0: validators 0, 1, 2).
    pub const PARA_A: ParaId = ParaId(100);
    /// The para on core 1 (group 1: validators 3, 4, 5).
    pub const PARA_B: ParaId = ParaId(200);

    pub fn key(i: usize) -> Pair {
        Pair::from_seed(&[i as u8 + 1; 32])
    }

    pub fn session() -> Arc<SessionInfo> {
        Arc::new(SessionInfo {
            session: SessionIndex(3),
            validators: (0..N).map(|i| key(i).public()).collect(),
            groups: vec![
                vec![ValidatorIndex(0), ValidatorIndex(1), ValidatorIndex(2)],
                vec![ValidatorIndex(3), ValidatorIndex(4), ValidatorIndex(5)],
            ],
            n_cores: 2,
            minimum_backing_votes: 2,
            needed_approvals: 2,
            relay_vrf_modulo_samples: 1,
            n_delay_tranches: 4,
            tranche_ms: 250,
            no_show_ms: 2_000,
        })
    }

    pub fn code(para: ParaId) -> ValidationCode {
        ValidationCode(format!("code of {para}").into_bytes())
    }

    pub fn validation_data(para: ParaId, number: u32) -> PersistedValidationData {
        PersistedValidationData {
            parent_head: HeadData(format!("head of {para}").into_bytes()),
            relay_parent_number: BlockNumber(number),
            relay_parent_storage_root: Hash([number as u8; 32]),
            max_pov_size: 1 << 20,
        }
    }

    /// A relay block at height `number` with free cores.
    pub fn block(number: u32) -> RelayBlockInfo {
        block_on(number, Hash::of(&number.to_le_bytes()))
    }

    /// A relay block at height `number` with a chosen hash.
    pub fn block_on(number: u32, hash: Hash) -> RelayBlockInfo {
        let cores = [PARA_A, PARA_B]
            .iter()
            .enumerate()
            .map(|(i, para)| CoreInfo {
                core: CoreIndex(i as u32),
                para_id: *para,
                group: GroupIndex(i as u32),
                occupied: None,
                frozen: false,
            })
            .collect();
        let paras: BTreeMap<_, _> = [PARA_A, PARA_B]
            .iter()
            .map(|para| {
                let data = ParaData {
                    head: HeadData(format!("head of {para}").into_bytes()),
                    code_hash: code(*para).hash(),
                    validation_data: validation_data(*para, number),
                };
                (*para, data)
            })
            .collect();
        RelayBlockInfo {
            hash,
            parent_hash: Hash::of(&number.saturating_sub(1).to_le_bytes()),
            number: BlockNumber(number),
            slot_start_ms: u64::from(number) * 6_000,
            state_root: Hash([number as u8; 32]),
            session: session(),
            disabled: Vec::new(),
            cores,
            paras,
            included: Vec::new(),
            backed: Vec::new(),
            concluded_disputes: Vec::new(),
            approval_story: [0; 32],
        }
    }

    /// A well-formed collation of `para` on `info`; `salt` makes distinct candidates.
    pub fn collation(
        info: &RelayBlockInfo,
        para: ParaId,
        salt: u8,
    ) -> (CommittedCandidateReceipt, PoV, PersistedValidationData) {
        let pov = PoV { block_data: BlockData(vec![salt; 64 + salt as usize]) };
        let validation_data = info.paras[&para].validation_data.clone();
        let commitments =
            CandidateCommitments { head_data: HeadData(vec![salt, 1, 2, 3]), ..Default::default() };
        let data = AvailableData { pov: pov.clone(), validation_data: validation_data.clone() };
        let erasure_root = crate::erasure::erasure_root(N, &data).unwrap();
        let mut descriptor = CandidateDescriptor {
            para_id: para,
            relay_parent: info.hash,
            collator: key(99).public(),
            persisted_validation_data_hash: validation_data.hash(),
            pov_hash: pov.hash(),
            erasure_root,
            signature: Default::default(),
            para_head: commitments.head_data.hash(),
            validation_code_hash: code(para).hash(),
        };
        descriptor.sign(&key(99));
        (CommittedCandidateReceipt { descriptor, commitments }, pov, validation_data)
    }

    /// The validation result matching a candidate's commitments.
    pub fn result_of(candidate: &CommittedCandidateReceipt) -> ValidationResult {
        let c = &candidate.commitments;
        ValidationResult {
            head_data: c.head_data.clone(),
            new_validation_code: c.new_validation_code.clone(),
            upward_messages: c.upward_messages.clone(),
            horizontal_messages: c.horizontal_messages.clone(),
            processed_downward_messages: c.processed_downward_messages,
            hrmp_watermark: c.hrmp_watermark,
        }
    }

    /// `info` with `candidate` pending availability on its para's core, backed by `backers`.
    pub fn occupy(
        info: &mut RelayBlockInfo,
        candidate: &CommittedCandidateReceipt,
        backers: &[u32],
    ) -> CandidateHash {
        let hash = candidate.hash();
        let core =
            info.cores.iter_mut().find(|c| c.para_id == candidate.descriptor.para_id).unwrap();
        core.occupied = Some(OccupiedCore {
            candidate: candidate.to_plain(),
            candidate_hash: hash,
            backing_group: core.group,
            backers: backers.iter().map(|i| ValidatorIndex(*i)).collect(),
            backed_in: info.number,
        });
        hash
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::fixtures::*;
    use super::*;
    use crate::availability::AvailabilityConfig;
    use crate::view::BackedInBlock;
    use atoll_primitives::CoreIndex;

    const COLLATOR: PeerId = PeerId(1_000);

    struct Node {
        backing: Backing,
        availability: Availability,
    }

    fn node(i: usize) -> Node {
        Node {
            backing: Backing::new(Some(key(i))),
            availability: Availability::new(Some(key(i)), AvailabilityConfig::default()),
        }
    }

    fn validations(actions: &[HostAction]) -> Vec<ValidationRequest> {
        actions
            .iter()
            .filter_map(|a| match a {
                HostAction::Validate(r) => Some(r.clone()),
                _ => None,
            })
            .collect()
    }

    fn broadcast_statements(actions: &[HostAction]) -> Vec<SignedStatement> {
        actions
            .iter()
            .filter_map(|a| match a {
                HostAction::Broadcast(HostMessage::Statement { statement, .. }) => {
                    Some(statement.clone())
                }
                _ => None,
            })
            .collect()
    }

    fn events(actions: &[HostAction]) -> Vec<HostEvent> {
        actions
            .iter()
            .filter_map(|a| match a {
                HostAction::Event(e) => Some(e.clone()),
                _ => None,
            })
            .collect()
    }

    fn penalized(actions: &[HostAction], peer: PeerId) -> bool {
        actions.iter().any(|a| matches!(a, HostAction::Penalize { peer: p, .. } if *p == peer))
    }

    fn rejected_count(actions: &[HostAction]) -> usize {
        events(actions).iter().filter(|e| matches!(e, HostEvent::CollationRejected { .. })).count()
    }

    fn sign_as(i: usize, info: &RelayBlockInfo, statement: Statement) -> SignedStatement {
        let context = SigningContext { session: info.session.session, parent_hash: info.hash };
        SignedStatement::sign(&key(i), statement, &context, ValidatorIndex(i as u32))
    }

    /// Node `i` seconds a good collation of para A: returns its statement.
    fn second(n: &mut Node, info: &RelayBlockInfo, salt: u8) -> (SignedStatement, Vec<HostAction>) {
        let (candidate, pov, pvd) = collation(info, PARA_A, salt);
        let actions = n.backing.on_collation(
            COLLATOR,
            info.hash,
            candidate.clone(),
            pov,
            pvd,
            0,
            &mut n.availability,
        );
        let requests = validations(&actions);
        assert_eq!(requests.len(), 1, "{actions:?}");
        assert_eq!(requests[0].kind, ExecutionKind::Backing);
        assert_eq!(requests[0].purpose, CheckPurpose::Backing { relay_parent: info.hash });
        let actions = n.backing.on_validation_result(
            info.hash,
            candidate.hash(),
            ValidationVerdict::Valid(result_of(&candidate)),
            10,
            &mut n.availability,
        );
        let statements = broadcast_statements(&actions);
        assert_eq!(statements.len(), 1, "{actions:?}");
        (statements[0].clone(), actions)
    }

    #[test]
    fn group_member_seconds_a_good_collation_and_stores_chunks() {
        let info = block(1);
        let mut n = node(0);
        n.backing.on_relay_block(&info, 0);
        let (candidate, _, _) = collation(&info, PARA_A, 1);
        let (statement, actions) = second(&mut n, &info, 1);
        assert_eq!(statement.statement, Statement::Seconded(candidate.clone()));
        assert_eq!(statement.validator, ValidatorIndex(0));
        let context = SigningContext { session: info.session.session, parent_hash: info.hash };
        assert!(statement.check(&context, &key(0).public()));
        assert!(events(&actions).contains(&HostEvent::Seconded {
            candidate_hash: candidate.hash(),
            para_id: PARA_A,
            relay_parent: info.hash,
        }));
        assert!(n.availability.holds_chunk(&candidate.hash()));
        // One vote of a threshold of two: not backable yet.
        assert!(n.backing.backable_candidates(info.hash).is_empty());
        assert_eq!(n.backing.votes_for(&candidate.hash()).len(), 1);
        // It serves the PoV now.
        let served = n.backing.on_pov_request(PeerId(7), info.hash, candidate.hash());
        assert!(matches!(
            &served[..],
            [HostAction::Send(
                Target::Peer(PeerId(7)),
                HostMessage::PovResponse { pov: Some(_), .. }
            )]
        ));
    }

    #[test]
    fn non_member_and_non_validator_refuse() {
        let info = block(1);
        let (candidate, pov, pvd) = collation(&info, PARA_A, 1);
        // Validator 3 is in group 1, which backs para B.
        let mut n = node(3);
        n.backing.on_relay_block(&info, 0);
        let actions = n.backing.on_collation(
            COLLATOR,
            info.hash,
            candidate.clone(),
            pov.clone(),
            pvd.clone(),
            0,
            &mut n.availability,
        );
        assert!(validations(&actions).is_empty());
        assert_eq!(rejected_count(&actions), 1);
        assert!(penalized(&actions, COLLATOR));
        // Without a key.
        let mut follower = Backing::new(None);
        let mut availability = Availability::new(None, AvailabilityConfig::default());
        follower.on_relay_block(&info, 0);
        let actions =
            follower.on_collation(COLLATOR, info.hash, candidate, pov, pvd, 0, &mut availability);
        assert!(validations(&actions).is_empty());
        assert_eq!(rejected_count(&actions), 1);
    }

    #[test]
    fn seconds_at_most_one_per_relay_parent_and_queues_one_at_a_time() {
        let info = block(1);
        let mut n = node(0);
        n.backing.on_relay_block(&info, 0);
        let (c1, pov1, pvd1) = collation(&info, PARA_A, 1);
        let (c2, pov2, pvd2) = collation(&info, PARA_A, 2);
        let (c3, pov3, pvd3) = collation(&info, PARA_A, 3);
        let a1 = n.backing.on_collation(
            COLLATOR,
            info.hash,
            c1.clone(),
            pov1,
            pvd1,
            0,
            &mut n.availability,
        );
        assert_eq!(validations(&a1).len(), 1);
        // While c1 is validated, c2 waits.
        let a2 = n.backing.on_collation(
            COLLATOR,
            info.hash,
            c2.clone(),
            pov2,
            pvd2,
            0,
            &mut n.availability,
        );
        assert!(validations(&a2).is_empty() && rejected_count(&a2) == 0);
        // c1 is invalid: c2 gets its turn.
        let r1 = n.backing.on_validation_result(
            info.hash,
            c1.hash(),
            ValidationVerdict::Invalid("trap".into()),
            5,
            &mut n.availability,
        );
        assert!(broadcast_statements(&r1).is_empty());
        assert!(penalized(&r1, COLLATOR));
        let next = validations(&r1);
        assert_eq!(next.len(), 1);
        assert_eq!(next[0].candidate.hash(), c2.hash());
        let r2 = n.backing.on_validation_result(
            info.hash,
            c2.hash(),
            ValidationVerdict::Valid(result_of(&c2)),
            6,
            &mut n.availability,
        );
        assert_eq!(broadcast_statements(&r2).len(), 1);
        // Seconded once: a third collation is refused without a penalty.
        let a3 =
            n.backing.on_collation(COLLATOR, info.hash, c3, pov3, pvd3, 7, &mut n.availability);
        assert!(validations(&a3).is_empty());
        assert_eq!(rejected_count(&a3), 1);
        assert!(!penalized(&a3, COLLATOR));
        // A new relay parent is a new chance.
        let info2 = block(2);
        n.backing.on_relay_block(&info2, 8);
        let (c4, pov4, pvd4) = collation(&info2, PARA_A, 4);
        let a4 =
            n.backing.on_collation(COLLATOR, info2.hash, c4, pov4, pvd4, 8, &mut n.availability);
        assert_eq!(validations(&a4).len(), 1);
    }

    #[test]
    fn bad_collations_are_rejected_with_a_penalty() {
        let info = block(1);
        let mut n = node(1);
        n.backing.on_relay_block(&info, 0);
        let (good, pov, pvd) = collation(&info, PARA_A, 1);
        let mut cases: Vec<(&str, CommittedCandidateReceipt, PoV, PersistedValidationData)> =
            Vec::new();
        // Validation data differs from the chain's.
        let mut other_pvd = pvd.clone();
        other_pvd.max_pov_size += 1;
        cases.push(("pvd", good.clone(), pov.clone(), other_pvd));
        // Descriptor's pvd hash is wrong.
        let mut c = good.clone();
        c.descriptor.persisted_validation_data_hash = Hash([9; 32]);
        cases.push(("pvd hash", c, pov.clone(), pvd.clone()));
        // PoV does not match its hash.
        cases.push((
            "pov",
            good.clone(),
            PoV { block_data: atoll_primitives::BlockData(vec![0]) },
            pvd.clone(),
        ));
        // Code hash is not the para's.
        let mut c = good.clone();
        c.descriptor.validation_code_hash = code(PARA_B).hash();
        cases.push(("code", c, pov.clone(), pvd.clone()));
        // Head hash is not the committed head's.
        let mut c = good.clone();
        c.descriptor.para_head = Hash([1; 32]);
        cases.push(("head", c, pov.clone(), pvd.clone()));
        // The descriptor names another relay parent.
        let mut c = good.clone();
        c.descriptor.relay_parent = Hash([2; 32]);
        cases.push(("relay parent", c, pov.clone(), pvd.clone()));
        for (what, candidate, pov, pvd) in cases {
            let actions = n.backing.on_collation(
                COLLATOR,
                info.hash,
                candidate,
                pov,
                pvd,
                0,
                &mut n.availability,
            );
            assert!(validations(&actions).is_empty(), "{what}");
            assert_eq!(rejected_count(&actions), 1, "{what}");
            assert!(penalized(&actions, COLLATOR), "{what}");
        }
        // Unknown relay parent: refused, not penalized.
        let actions = n.backing.on_collation(
            COLLATOR,
            Hash([3; 32]),
            good.clone(),
            pov.clone(),
            pvd.clone(),
            0,
            &mut n.availability,
        );
        assert_eq!(rejected_count(&actions), 1);
        assert!(!penalized(&actions, COLLATOR));
        // A frozen para.
        let mut frozen = block(2);
        frozen.cores[0].frozen = true;
        n.backing.on_relay_block(&frozen, 0);
        let (c, pov, pvd) = collation(&frozen, PARA_A, 1);
        let actions =
            n.backing.on_collation(COLLATOR, frozen.hash, c, pov, pvd, 0, &mut n.availability);
        assert!(validations(&actions).is_empty() && penalized(&actions, COLLATOR));
        // The good one still goes through.
        let actions = n.backing.on_collation(
            COLLATOR,
            info.hash,
            good,
            pov_of(&info, 1),
            pvd_of(&info),
            0,
            &mut n.availability,
        );
        assert_eq!(validations(&actions).len(), 1);
    }

    fn pov_of(info: &RelayBlockInfo, salt: u8) -> PoV {
        collation(info, PARA_A, salt).1
    }

    fn pvd_of(info: &RelayBlockInfo) -> PersistedValidationData {
        collation(info, PARA_A, 1).2
    }

    #[test]
    fn invalid_internal_and_mismatching_verdicts_sign_nothing() {
        let info = block(1);
        for verdict in ["invalid", "internal", "commitments", "erasure"] {
            let mut n = node(0);
            n.backing.on_relay_block(&info, 0);
            let (mut candidate, pov, pvd) = collation(&info, PARA_A, 1);
            if verdict == "erasure" {
                candidate.descriptor.erasure_root = Hash([5; 32]);
                candidate.descriptor.sign(&key(99));
            }
            let actions = n.backing.on_collation(
                COLLATOR,
                info.hash,
                candidate.clone(),
                pov,
                pvd,
                0,
                &mut n.availability,
            );
            assert_eq!(validations(&actions).len(), 1);
            let v = match verdict {
                "invalid" => ValidationVerdict::Invalid("trap".into()),
                "internal" => ValidationVerdict::Internal("no artifact".into()),
                "commitments" => {
                    let mut r = result_of(&candidate);
                    r.head_data = atoll_primitives::HeadData(vec![0xff]);
                    ValidationVerdict::Valid(r)
                }
                _ => ValidationVerdict::Valid(result_of(&candidate)),
            };
            let actions = n.backing.on_validation_result(
                info.hash,
                candidate.hash(),
                v,
                5,
                &mut n.availability,
            );
            assert!(broadcast_statements(&actions).is_empty(), "{verdict}");
            assert!(n.backing.votes_for(&candidate.hash()).is_empty(), "{verdict}");
            assert!(!n.availability.holds_chunk(&candidate.hash()), "{verdict}");
            let evs = events(&actions);
            if verdict == "internal" {
                assert!(matches!(&evs[..], [HostEvent::InternalError { .. }]), "{evs:?}");
                assert!(!penalized(&actions, COLLATOR));
            } else {
                assert!(matches!(&evs[..], [HostEvent::CollationRejected { .. }]), "{evs:?}");
                assert!(penalized(&actions, COLLATOR));
            }
        }
    }

    #[test]
    fn second_member_fetches_the_pov_signs_valid_and_the_candidate_becomes_backable() {
        let info = block(1);
        let mut seconder = node(0);
        let mut member = node(1);
        let mut outsider = node(4);
        for n in [&mut seconder, &mut member, &mut outsider] {
            n.backing.on_relay_block(&info, 0);
        }
        let (candidate, _, _) = collation(&info, PARA_A, 1);
        let hash = candidate.hash();
        let (seconded, _) = second(&mut seconder, &info, 1);
        // The other member asks the seconder for the PoV.
        let actions = member.backing.on_statement(PeerId(0), info.hash, seconded.clone(), 20);
        assert!(actions.contains(&HostAction::Send(
            Target::Validator(ValidatorIndex(0)),
            HostMessage::PovRequest { relay_parent: info.hash, candidate_hash: hash },
        )));
        assert!(actions.contains(&HostAction::WakeAt(1_020)));
        // An outsider records the vote and fetches nothing.
        let actions = outsider.backing.on_statement(PeerId(0), info.hash, seconded.clone(), 20);
        assert!(actions.is_empty(), "{actions:?}");
        // The seconder serves it.
        let served = seconder.backing.on_pov_request(PeerId(1), info.hash, hash);
        let [HostAction::Send(_, HostMessage::PovResponse { pov, .. })] = &served[..] else {
            panic!("{served:?}")
        };
        let actions = member.backing.on_pov_response(PeerId(0), hash, pov.clone(), 30);
        let requests = validations(&actions);
        assert_eq!(requests.len(), 1);
        let actions = member.backing.on_validation_result(
            info.hash,
            hash,
            ValidationVerdict::Valid(result_of(&candidate)),
            40,
            &mut member.availability,
        );
        let statements = broadcast_statements(&actions);
        assert_eq!(statements.len(), 1);
        assert_eq!(statements[0].statement, Statement::Valid(hash));
        assert!(member.availability.holds_chunk(&hash));
        let evs = events(&actions);
        assert!(evs.contains(&HostEvent::Validated { candidate_hash: hash }));
        assert!(evs.contains(&HostEvent::Backable { candidate_hash: hash, para_id: PARA_A }));
        // The outsider learns of the second vote: backable there too, reported once.
        let actions =
            outsider.backing.on_statement(PeerId(1), info.hash, statements[0].clone(), 50);
        assert_eq!(
            events(&actions),
            vec![HostEvent::Backable { candidate_hash: hash, para_id: PARA_A }]
        );
        let again = outsider.backing.on_statement(PeerId(1), info.hash, statements[0].clone(), 51);
        assert!(events(&again).is_empty());
        let backed = outsider.backing.backable_candidates(info.hash);
        assert_eq!(backed.len(), 1);
        assert_eq!(backed[0].candidate, candidate);
        assert_eq!(
            backed[0].votes,
            vec![
                (ValidatorIndex(0), ValidityAttestation::Implicit(seconded.signature)),
                (ValidatorIndex(1), ValidityAttestation::Explicit(statements[0].signature)),
            ]
        );
        let votes = outsider.backing.votes_for(&hash);
        assert_eq!(votes.len(), 2);
        assert!(votes.iter().all(|(_, _, rp)| *rp == info.hash));
        // Only for authors on this relay parent.
        assert!(outsider.backing.backable_candidates(Hash([7; 32])).is_empty());
        // Once on chain it is no longer offered.
        let mut next = block(2);
        next.backed.push(BackedInBlock {
            candidate: candidate.clone(),
            candidate_hash: hash,
            core: CoreIndex(0),
            votes: backed[0].votes.clone(),
        });
        outsider.backing.on_relay_block(&next, 60);
        assert!(outsider.backing.backable_candidates(info.hash).is_empty());
    }

    #[test]
    fn disabled_votes_do_not_count_and_best_candidate_wins() {
        let mut info = block(1);
        info.disabled = vec![ValidatorIndex(1)];
        let mut follower = Backing::new(None);
        follower.on_relay_block(&info, 0);
        let (c1, _, _) = collation(&info, PARA_A, 1);
        let (c2, _, _) = collation(&info, PARA_A, 2);
        for (i, c) in [(0, &c1), (2, &c2)] {
            let s = sign_as(i, &info, Statement::Seconded(c.clone()));
            follower.on_statement(PeerId(i as u64), info.hash, s, 0);
        }
        // Disabled validator 1 vouches for c1: not counted.
        let v = sign_as(1, &info, Statement::Valid(c1.hash()));
        let actions = follower.on_statement(PeerId(1), info.hash, v, 0);
        assert!(events(&actions).is_empty());
        assert!(follower.backable_candidates(info.hash).is_empty());
        // Validator 2 vouches for c1 too: c1 has 2 counted votes, c2 has 1.
        let v = sign_as(2, &info, Statement::Valid(c1.hash()));
        let actions = follower.on_statement(PeerId(2), info.hash, v, 0);
        assert_eq!(
            events(&actions),
            vec![HostEvent::Backable { candidate_hash: c1.hash(), para_id: PARA_A }]
        );
        let v = sign_as(0, &info, Statement::Valid(c2.hash()));
        follower.on_statement(PeerId(0), info.hash, v, 0);
        // Both have two votes now: the lower hash wins.
        let backed = follower.backable_candidates(info.hash);
        assert_eq!(backed.len(), 1);
        assert_eq!(backed[0].hash(), c1.hash().min(c2.hash()));
        assert!(backed[0].votes.iter().all(|(v, _)| *v != ValidatorIndex(1)));
    }

    #[test]
    fn double_seconding_is_an_equivocation_and_the_first_is_kept() {
        let info = block(1);
        let mut follower = Backing::new(Some(key(5)));
        follower.on_relay_block(&info, 0);
        let (c1, _, _) = collation(&info, PARA_A, 1);
        let (c2, _, _) = collation(&info, PARA_A, 2);
        let s1 = sign_as(0, &info, Statement::Seconded(c1.clone()));
        let s2 = sign_as(0, &info, Statement::Seconded(c2.clone()));
        follower.on_statement(PeerId(0), info.hash, s1, 0);
        let actions = follower.on_statement(PeerId(0), info.hash, s2, 0);
        assert_eq!(
            events(&actions),
            vec![HostEvent::BackingEquivocation {
                validator: ValidatorIndex(0),
                relay_parent: info.hash
            }]
        );
        assert_eq!(follower.votes_for(&c1.hash()).len(), 1);
        assert!(follower.votes_for(&c2.hash()).is_empty());
        // Seconded and Valid of one candidate by one validator is a double vote too.
        let v = sign_as(0, &info, Statement::Valid(c1.hash()));
        let actions = follower.on_statement(PeerId(0), info.hash, v, 0);
        assert!(matches!(&events(&actions)[..], [HostEvent::BackingEquivocation { .. }]));
    }

    #[test]
    fn bad_statements_are_penalized() {
        let info = block(1);
        let mut follower = Backing::new(None);
        follower.on_relay_block(&info, 0);
        let (c1, _, _) = collation(&info, PARA_A, 1);
        // Signed by 1's key but claiming to be validator 0.
        let mut forged = sign_as(1, &info, Statement::Seconded(c1.clone()));
        forged.validator = ValidatorIndex(0);
        let actions = follower.on_statement(PeerId(9), info.hash, forged, 0);
        assert!(penalized(&actions, PeerId(9)));
        assert!(follower.votes_for(&c1.hash()).is_empty());
        // Signed for another relay parent.
        let other = block(2);
        let wrong_context = sign_as(0, &other, Statement::Seconded(c1.clone()));
        let actions = follower.on_statement(PeerId(9), info.hash, wrong_context, 0);
        assert!(penalized(&actions, PeerId(9)));
        // A validator of the other group.
        let outsider = sign_as(4, &info, Statement::Seconded(c1.clone()));
        let actions = follower.on_statement(PeerId(9), info.hash, outsider, 0);
        assert!(penalized(&actions, PeerId(9)));
        // An index outside the set.
        let mut unknown = sign_as(0, &info, Statement::Valid(c1.hash()));
        unknown.validator = ValidatorIndex(77);
        let actions = follower.on_statement(PeerId(9), info.hash, unknown, 0);
        assert!(penalized(&actions, PeerId(9)));
        // A bad Valid signature.
        let mut bad_valid = sign_as(0, &info, Statement::Valid(c1.hash()));
        bad_valid.signature.0[0] ^= 1;
        let actions = follower.on_statement(PeerId(9), info.hash, bad_valid, 0);
        assert!(penalized(&actions, PeerId(9)));
        assert!(follower.votes_for(&c1.hash()).is_empty());
    }

    #[test]
    fn early_valid_and_early_relay_parent_are_replayed() {
        let info = block(1);
        let mut follower = Backing::new(None);
        let (c1, _, _) = collation(&info, PARA_A, 1);
        let valid = sign_as(1, &info, Statement::Valid(c1.hash()));
        let seconded = sign_as(0, &info, Statement::Seconded(c1.clone()));
        // Before the relay parent is known.
        assert!(follower.on_statement(PeerId(1), info.hash, valid, 0).is_empty());
        follower.on_relay_block(&info, 0);
        // Valid came before Seconded: held, counted once the candidate is known.
        let actions = follower.on_statement(PeerId(0), info.hash, seconded, 1);
        assert_eq!(
            events(&actions),
            vec![HostEvent::Backable { candidate_hash: c1.hash(), para_id: PARA_A }]
        );
        assert_eq!(follower.votes_for(&c1.hash()).len(), 2);
    }

    #[test]
    fn pov_fetch_moves_on_after_a_bad_answer_none_or_timeout() {
        let info = block(1);
        let mut member = node(2);
        member.backing.on_relay_block(&info, 0);
        let (c1, pov, pvd) = collation(&info, PARA_A, 1);
        let hash = c1.hash();
        let s0 = sign_as(0, &info, Statement::Seconded(c1.clone()));
        let v1 = sign_as(1, &info, Statement::Valid(hash));
        let actions = member.backing.on_statement(PeerId(0), info.hash, s0, 0);
        assert!(actions
            .iter()
            .any(|a| matches!(a, HostAction::Send(Target::Validator(ValidatorIndex(0)), _))));
        // Validator 1 vouches meanwhile: still waiting for 0.
        let actions = member.backing.on_statement(PeerId(1), info.hash, v1, 0);
        assert!(!actions.iter().any(|a| matches!(a, HostAction::Send(..))));
        // 0 sends a wrong PoV: penalized, 1 is asked.
        let wrong = PoV { block_data: atoll_primitives::BlockData(vec![7]) };
        let actions =
            member.backing.on_pov_response(PeerId(0), hash, Some((wrong, pvd.clone())), 10);
        assert!(penalized(&actions, PeerId(0)));
        assert!(actions
            .iter()
            .any(|a| matches!(a, HostAction::Send(Target::Validator(ValidatorIndex(1)), _))));
        // 1 times out: nobody left to ask.
        assert!(member.backing.on_tick(500).is_empty());
        assert!(member.backing.on_tick(1_010).is_empty());
        // A late good answer still counts.
        let actions = member.backing.on_pov_response(PeerId(1), hash, Some((pov, pvd)), 1_100);
        assert_eq!(validations(&actions).len(), 1);
        // A second answer is ignored.
        assert!(member.backing.on_pov_response(PeerId(1), hash, None, 1_100).is_empty());
    }

    #[test]
    fn vouching_on_an_invalid_or_unchecked_candidate_signs_nothing() {
        let info = block(1);
        for verdict in [
            ValidationVerdict::Invalid("trap".into()),
            ValidationVerdict::Internal("no artifact".into()),
        ] {
            let mut member = node(1);
            member.backing.on_relay_block(&info, 0);
            let (c1, pov, pvd) = collation(&info, PARA_A, 1);
            let hash = c1.hash();
            let s0 = sign_as(0, &info, Statement::Seconded(c1.clone()));
            member.backing.on_statement(PeerId(0), info.hash, s0, 0);
            let actions = member.backing.on_pov_response(PeerId(0), hash, Some((pov, pvd)), 5);
            assert_eq!(validations(&actions).len(), 1);
            let internal = matches!(verdict, ValidationVerdict::Internal(_));
            let actions = member.backing.on_validation_result(
                info.hash,
                hash,
                verdict,
                6,
                &mut member.availability,
            );
            assert!(broadcast_statements(&actions).is_empty());
            let evs = events(&actions);
            if internal {
                assert!(matches!(&evs[..], [HostEvent::InternalError { .. }]), "{evs:?}");
            } else {
                assert!(matches!(&evs[..], [HostEvent::CollationRejected { .. }]), "{evs:?}");
            }
            assert_eq!(member.backing.votes_for(&hash).len(), 1, "only the seconder's");
            assert!(!member.availability.holds_chunk(&hash));
            // Nothing to serve, and a repeated verdict is ignored.
            let served = member.backing.on_pov_request(PeerId(3), info.hash, hash);
            assert!(matches!(
                &served[..],
                [HostAction::Send(_, HostMessage::PovResponse { pov: None, .. })]
            ));
            let again = member.backing.on_validation_result(
                info.hash,
                hash,
                ValidationVerdict::Valid(result_of(&c1)),
                7,
                &mut member.availability,
            );
            assert!(again.is_empty());
        }
    }

    #[test]
    fn a_full_collation_queue_drops_more_and_seconding_drops_the_queue() {
        let info = block(1);
        let mut n = node(2);
        n.backing.on_relay_block(&info, 0);
        let mut collations: Vec<_> = (1..=4).map(|salt| collation(&info, PARA_A, salt)).collect();
        let mut outcomes = Vec::new();
        for (c, pov, pvd) in collations.drain(..) {
            let hash = c.hash();
            let actions =
                n.backing.on_collation(COLLATOR, info.hash, c, pov, pvd, 0, &mut n.availability);
            outcomes.push((hash, validations(&actions).len(), rejected_count(&actions)));
        }
        // One validating, two queued (the default), the fourth dropped.
        let counts: Vec<(usize, usize)> = outcomes.iter().map(|(_, v, r)| (*v, *r)).collect();
        assert_eq!(counts, vec![(1, 0), (0, 0), (0, 0), (0, 1)]);
        let (first, _, _) = collation(&info, PARA_A, 1);
        let actions = n.backing.on_validation_result(
            info.hash,
            first.hash(),
            ValidationVerdict::Valid(result_of(&first)),
            1,
            &mut n.availability,
        );
        assert_eq!(broadcast_statements(&actions).len(), 1);
        assert!(validations(&actions).is_empty());
        assert_eq!(rejected_count(&actions), 2, "the queued ones are dropped");
    }

    #[test]
    fn old_relay_parents_are_pruned() {
        let mut n = node(0);
        let first = block(1);
        n.backing.on_relay_block(&first, 0);
        let (seconded, _) = second(&mut n, &first, 1);
        let hash = seconded.statement.candidate_hash();
        assert_eq!(n.backing.votes_for(&hash).len(), 1);
        for number in 2..=5 {
            n.backing.on_relay_block(&block(number), 0);
        }
        assert!(n.backing.votes_for(&hash).is_empty());
        let (c, pov, pvd) = collation(&first, PARA_A, 2);
        let actions =
            n.backing.on_collation(COLLATOR, first.hash, c, pov, pvd, 0, &mut n.availability);
        assert!(validations(&actions).is_empty());
    }
}
