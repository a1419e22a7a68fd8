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
//!
//! [`PoV::hash`]: atoll_primitives::PoV::hash
//! [`Availability`]: crate::availability::Availability
//! [`HostEvent::CollationRejected`]: crate::protocol::HostEvent::CollationRejected
//! [`HostEvent::InternalError`]: crate::protocol::HostEvent::InternalError
//! [`HostEvent::BackingEquivocation`]: crate::protocol::HostEvent::BackingEquivocation
//! [`HostEvent::Backable`]: crate::protocol::HostEvent::Backable
//! [`HostMessage::PovRequest`]: crate::protocol::HostMessage::PovRequest

use std::collections::{BTreeMap, VecDeque};

use atoll_primitives::crypto::Pair;
use atoll_primitives::parachain::SignedStatement;
use atoll_primitives::{BlockNumber, CandidateHash, Hash, ValidatorIndex};

use crate::protocol::{HostAction, PeerId};
use crate::view::RelayBlockInfo;

// Steps 2 to 7 of the rules above live in their own files, each with the public methods of
// `Backing` that implement it (in `impl Backing` blocks); Step 1 (`on_relay_block`) stays here
// with the state it maintains.
mod backable; // Step 7: backable candidates, `backable_candidates`, `votes_for`.
mod collation; // Steps 2 and 3: `on_collation`, collation checks, the seconding queue.
mod config; // `BackingConfig`.
mod error; // `BackingError`, and the penalty and rejection it becomes.
mod pov_fetch; // Step 6: `on_pov_request`, `on_pov_response`, `on_tick`, asking backers.
mod relay_parent; // Per-relay-parent state, the statement table, candidate checks.
mod statements; // Step 5: `on_statement`, signing, equivocation detection.
mod verdict; // Step 4: `on_validation_result`, judging verdicts, seconding and vouching.

#[cfg(test)]
pub(crate) mod fixtures;
#[cfg(test)]
mod tests;

pub use config::BackingConfig;
pub use error::BackingError;

use relay_parent::RelayParentState;

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
}

fn next_id(counter: &mut u64) -> u64 {
    *counter = counter.wrapping_add(1);
    *counter
}
