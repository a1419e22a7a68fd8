//! The [`FinalityVoter`] state machine: rounds of prevotes and precommits over the voter's own
//! chain view (Steps 10 to 19). Every input method takes the current time and returns the
//! actions to carry out, in order.

use std::collections::BTreeMap;

use atoll_primitives::{
    crypto::Pair,
    relay::{
        Justification, RelayHeader, SignedVote, ValidatorId, Vote, VoteEquivocation, VoteStage,
    },
    BlockNumber, Hash, SessionIndex, ValidatorIndex,
};

use super::{
    action::FinalityAction,
    chain::{Position, VoterChain},
    config::FinalityConfig,
    justification::{build_justification, retarget, verify_justification, JustificationError},
    snapshot::{ScheduledChange, VoterSnapshot},
    tally::{Insert, RoundState, RoundTally},
    vote::{check_vote, sign_vote, RoundNumber, VoteError},
    voter_set::VoterSet,
    voting_rule::{AllowAll, VotingRule},
};
use crate::ancestry::Ancestry;

// The state machine's rules, one file per group of steps.
mod accept;
mod finalize;
mod rounds;
mod timers;

/// How many future rounds each voter may occupy in the catch-up buffer (Step 16). Two: an
/// honest voter's current and previous round, which is what a voter that fell behind needs.
pub const MAX_FUTURE_ROUNDS_PER_VOTER: usize = 2;

/// The key this node votes with, and its index in the set.
#[derive(Clone, Debug)]
pub struct LocalVoter {
    /// Our index in the voter set.
    pub index: ValidatorIndex,
    /// Our key pair; its public key must be the set's key at `index`.
    pub pair: Pair,
}

/// Why a voter cannot be created or restored.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FinalityError {
    /// The local key is not the set's key at the local index.
    #[error("local key is not the key of {index} in voter set {set_id}")]
    LocalKeyMismatch {
        /// The local index.
        index: ValidatorIndex,
        /// The set.
        set_id: SessionIndex,
    },
    /// The snapshot is of another voter set.
    #[error("snapshot is of voter set {got}, the voter is of set {expected}")]
    SnapshotSetMismatch {
        /// The voter's set.
        expected: SessionIndex,
        /// The snapshot's set.
        got: SessionIndex,
    },
    /// The snapshot's current round is not after its completed round.
    #[error("snapshot's current {current} is not after its completed {completed}")]
    SnapshotRounds {
        /// The completed round.
        completed: RoundNumber,
        /// The current round.
        current: RoundNumber,
    },
    /// The snapshot lists, as ours, a vote of another voter or another round.
    #[error("snapshot lists a vote of {voter} in {round} as ours")]
    SnapshotVoteNotOurs {
        /// The vote's voter.
        voter: ValidatorIndex,
        /// The vote's round.
        round: RoundNumber,
    },
}

/// The round the voter is in, with its own votes.
#[derive(Clone, Debug)]
struct CurrentRound {
    tally: RoundTally,
    started_ms: u64,
    /// The block the round's votes must contain, as it was when the round began (the previous
    /// round was completable then): the fallback while the previous round is not completable
    /// in the current view (after a restore, or once finality passed its prevote-GHOST).
    required_at_start: (Hash, BlockNumber),
    prevoted: Option<SignedVote>,
    precommitted: Option<SignedVote>,
    /// Set once the round was completable (and we precommitted in it): its estimate then.
    /// The next round starts at the pacing deadline (Step 14) even if, by then, the round no
    /// longer looks completable in our view (finality moved past its prevote-GHOST).
    completed_with: Option<(Hash, BlockNumber)>,
}

impl CurrentRound {
    fn new(round: RoundNumber, started_ms: u64, required: (Hash, BlockNumber)) -> Self {
        CurrentRound::with_tally(RoundTally::new(round), started_ms, required)
    }

    fn with_tally(tally: RoundTally, started_ms: u64, required: (Hash, BlockNumber)) -> Self {
        CurrentRound {
            tally,
            started_ms,
            required_at_start: required,
            prevoted: None,
            precommitted: None,
            completed_with: None,
        }
    }
}

/// Where a round's votes are held.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Held {
    Previous,
    Current,
    Future(RoundNumber),
}

/// A GRANDPA-like finality voter of one voter set (see the [`super`] module docs).
///
/// Created with [`FinalityVoter::new`] (or [`FinalityVoter::restore`]), it is driven by
/// [`on_block_imported`](Self::on_block_imported), [`best_block_changed`](Self::best_block_changed),
/// [`on_vote`](Self::on_vote), [`on_justification`](Self::on_justification),
/// [`on_set_change_scheduled`](Self::on_set_change_scheduled) and [`on_tick`](Self::on_tick).
/// A voter without a [`LocalVoter`] only observes: it counts votes and finalizes.
pub struct FinalityVoter {
    config: FinalityConfig,
    set: VoterSet,
    local: Option<LocalVoter>,
    rule: Box<dyn VotingRule>,
    chain: VoterChain,
    best: Option<(Hash, BlockNumber)>,
    previous: RoundTally,
    current: CurrentRound,
    future: BTreeMap<RoundNumber, RoundTally>,
    set_change: Option<ScheduledChange>,
    finished: bool,
    now_ms: u64,
    next_rebroadcast_ms: u64,
    last_wake: Option<u64>,
}

impl core::fmt::Debug for FinalityVoter {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("FinalityVoter")
            .field("set_id", &self.set.set_id())
            .field("local", &self.local.as_ref().map(|l| l.index))
            .field("round", &self.current.tally.round())
            .field("finalized", &self.chain.root())
            .field("finished", &self.finished)
            .finish()
    }
}

impl FinalityVoter {
    /// A voter of `set` starting at round 1 at time `now_ms`, with `base` (the set's first
    /// block: genesis or the block that enacted the set) as its finalized block. Call
    /// [`on_tick`](Self::on_tick) right away to get its first wake-up.
    pub fn new(
        config: FinalityConfig,
        set: VoterSet,
        local: Option<LocalVoter>,
        base: (Hash, BlockNumber),
        now_ms: u64,
    ) -> Result<Self, FinalityError> {
        if let Some(local) = &local {
            if set.get(local.index) != Some(&local.pair.public()) {
                return Err(FinalityError::LocalKeyMismatch {
                    index: local.index,
                    set_id: set.set_id(),
                });
            }
        }
        Ok(FinalityVoter {
            config,
            set,
            local,
            rule: Box::new(AllowAll),
            chain: VoterChain::new(base),
            best: None,
            previous: RoundTally::new(RoundNumber(0)),
            current: CurrentRound::new(RoundNumber(1), now_ms, base),
            future: BTreeMap::new(),
            set_change: None,
            finished: false,
            now_ms,
            next_rebroadcast_ms: now_ms.saturating_add(config.rebroadcast_interval_ms),
            last_wake: None,
        })
    }

    /// Step 18: a voter resumed from `snapshot` at time `now_ms`. It holds the completed round's
    /// votes (so the estimate its next prevote must contain is known) and its own votes of the
    /// current round (so it never signs a different one). Its chain view holds only the
    /// finalized block: feed it every unfinalized block again, parents first, and the best block.
    pub fn restore(
        config: FinalityConfig,
        set: VoterSet,
        local: Option<LocalVoter>,
        snapshot: VoterSnapshot,
        now_ms: u64,
    ) -> Result<Self, FinalityError> {
        if snapshot.set_id != set.set_id() {
            return Err(FinalityError::SnapshotSetMismatch {
                expected: set.set_id(),
                got: snapshot.set_id,
            });
        }
        if snapshot.current_round <= snapshot.completed_round {
            return Err(FinalityError::SnapshotRounds {
                completed: snapshot.completed_round,
                current: snapshot.current_round,
            });
        }
        let mut voter = FinalityVoter::new(config, set, local, snapshot.finalized, now_ms)?;
        let mut previous = RoundTally::new(snapshot.completed_round);
        for vote in snapshot.completed_votes {
            if vote.vote.round == snapshot.completed_round.0
                && check_vote(&vote, &voter.set).is_ok()
            {
                previous.insert(vote, &voter.chain);
            }
        }
        voter.previous = previous;
        voter.current = CurrentRound::new(snapshot.current_round, now_ms, snapshot.required_block);
        let local_index = voter.local.as_ref().map(|l| l.index);
        for vote in snapshot.my_votes {
            let round = RoundNumber(vote.vote.round);
            if Some(vote.voter) != local_index || round != snapshot.current_round {
                return Err(FinalityError::SnapshotVoteNotOurs { voter: vote.voter, round });
            }
            voter.current.tally.insert(vote, &voter.chain);
        }
        voter.adopt_own_votes();
        voter.set_change = snapshot.set_change;
        Ok(voter)
    }

    /// Replaces the voting rule (the default is [`AllowAll`]).
    pub fn with_voting_rule(mut self, rule: Box<dyn VotingRule>) -> Self {
        self.rule = rule;
        self
    }

    /// Replaces the voting rule.
    pub fn set_voting_rule(&mut self, rule: Box<dyn VotingRule>) {
        self.rule = rule;
    }

    /// The state to persist now (see [`FinalityAction::Persist`]).
    pub fn snapshot(&self) -> VoterSnapshot {
        VoterSnapshot {
            set_id: self.set.set_id(),
            finalized: self.chain.root(),
            completed_round: self.previous.round(),
            completed_votes: self.previous.counted_votes(),
            current_round: self.current.tally.round(),
            required_block: self.current.required_at_start,
            my_votes: self
                .current
                .prevoted
                .iter()
                .chain(self.current.precommitted.iter())
                .cloned()
                .collect(),
            set_change: self.set_change.clone(),
        }
    }

    /// The voter set id.
    pub fn set_id(&self) -> SessionIndex {
        self.set.set_id()
    }

    /// The voter set.
    pub fn voter_set(&self) -> &VoterSet {
        &self.set
    }

    /// Our index, if we vote.
    pub fn local_index(&self) -> Option<ValidatorIndex> {
        self.local.as_ref().map(|l| l.index)
    }

    /// The round the voter is in.
    pub fn current_round(&self) -> RoundNumber {
        self.current.tally.round()
    }

    /// The finalized block.
    pub fn finalized(&self) -> (Hash, BlockNumber) {
        self.chain.root()
    }

    /// How many blocks the voter's chain view holds: the finalized block and what is above
    /// it (bounded by the unfinalized part of the chain).
    pub fn tracked_blocks(&self) -> usize {
        self.chain.len()
    }

    /// Whether the set handed over (Step 19): the voter ignores every input from then on.
    pub fn is_finished(&self) -> bool {
        self.finished
    }

    /// The state of a round the voter holds (the previous, the current or a buffered one).
    pub fn round_state(&mut self, round: RoundNumber) -> Option<RoundState> {
        let held = self.held(round)?;
        let n = self.set.len();
        tally_of(&mut self.previous, &mut self.current, &mut self.future, held)
            .map(|t| t.state(&self.chain, n))
    }

    /// A block was imported (after verification) by the node. Blocks may come in any order;
    /// votes for a block wait until it and its ancestry down to the finalized block are known.
    pub fn on_block_imported(&mut self, header: &RelayHeader, now_ms: u64) -> Vec<FinalityAction> {
        if self.finished {
            return Vec::new();
        }
        if self.chain.import(header) {
            self.block_added_to_all();
        }
        self.process(now_ms)
    }

    /// The node's fork choice changed its best block (Step 12 votes for the best chain
    /// containing the required block).
    pub fn best_block_changed(
        &mut self,
        hash: Hash,
        number: BlockNumber,
        now_ms: u64,
    ) -> Vec<FinalityAction> {
        self.best = Some((hash, number));
        self.process(now_ms)
    }

    /// Time passed: timers may have elapsed.
    pub fn on_tick(&mut self, now_ms: u64) -> Vec<FinalityAction> {
        self.process(now_ms)
    }

    /// A vote from the network (Step 10). An `Err` is about the vote itself: see
    /// [`VoteError::deserves_penalty`]. Votes of rounds this voter no longer holds are dropped
    /// without checking.
    pub fn on_vote(
        &mut self,
        vote: SignedVote,
        now_ms: u64,
    ) -> Result<Vec<FinalityAction>, VoteError> {
        if self.finished {
            return Ok(Vec::new());
        }
        let mut actions = Vec::new();
        self.accept_vote(vote, &mut actions)?;
        self.now_ms = self.now_ms.max(now_ms);
        self.step(&mut actions);
        Ok(actions)
    }

    /// A justification from the network, or one the node had stored (catch-up after being
    /// away: import the blocks first, then the justification). Step 20 checks it; a valid one
    /// finalizes its target (clipped to a scheduled set change, Step 19). One at or below the
    /// finalized height is dropped unchecked; [`JustificationError::UnknownTarget`] asks for
    /// the block first (retry after importing it).
    pub fn on_justification(
        &mut self,
        justification: Justification,
        now_ms: u64,
    ) -> Result<Vec<FinalityAction>, JustificationError> {
        if self.finished {
            return Ok(Vec::new());
        }
        self.now_ms = self.now_ms.max(now_ms);
        let mut actions = Vec::new();
        let target = (justification.target_hash, justification.target_number);
        let root = self.chain.root();
        // Old news (at or below our finalized height) is dropped without the signature checks.
        if target.1 > root.1 {
            verify_justification(&justification, &self.set)?;
            match self.chain.position(&target.0, target.1) {
                Position::Descends => {}
                Position::Pending => {
                    return Err(JustificationError::UnknownTarget { hash: target.0 })
                }
                Position::Elsewhere => {
                    tracing::error!(
                        target: "atoll::finality",
                        justified = %target.0,
                        finalized = %root.0,
                        "a valid justification conflicts with our finalized block: more than f faulty voters"
                    );
                    return Err(JustificationError::ConflictsWithFinalized {
                        hash: target.0,
                        finalized: root.0,
                    });
                }
            }
            let clipped = self.clip_to_change(target);
            let justification = if clipped == target {
                justification
            } else {
                retarget(&justification, &self.chain, clipped).unwrap_or(justification)
            };
            if clipped.1 > root.1 {
                self.finalize_to(clipped, justification, &mut actions);
            }
        }
        self.step(&mut actions);
        Ok(actions)
    }

    /// Step 19: the node announces that `block` enacts set `new_set_id` with `new_voters`. This
    /// set never votes beyond `block`; once `block` is final the voter emits
    /// [`FinalityAction::SetChanged`] and stops. A later announcement replaces this one. An
    /// announcement at or below the finalized height hands over at the finalized block at once.
    pub fn on_set_change_scheduled(
        &mut self,
        block: (Hash, BlockNumber),
        new_set_id: SessionIndex,
        new_voters: Vec<ValidatorId>,
        now_ms: u64,
    ) -> Vec<FinalityAction> {
        if self.finished {
            return Vec::new();
        }
        self.set_change = Some(ScheduledChange { block, new_set_id, new_voters });
        let root = self.chain.root();
        if block.1 <= root.1 {
            if block != root {
                tracing::warn!(
                    target: "atoll::finality",
                    change = %block.0,
                    finalized = %root.0,
                    "set change announced below the finalized block; handing over at the finalized block"
                );
            }
            let mut actions = Vec::new();
            self.hand_over(root, &mut actions);
            actions.push(FinalityAction::Persist(self.snapshot()));
            return actions;
        }
        self.process(now_ms)
    }

    fn process(&mut self, now_ms: u64) -> Vec<FinalityAction> {
        let mut actions = Vec::new();
        self.now_ms = self.now_ms.max(now_ms);
        self.step(&mut actions);
        actions
    }

    /// Runs every rule until nothing changes, then the re-broadcast and the wake-up.
    fn step(&mut self, actions: &mut Vec<FinalityAction>) {
        loop {
            if self.finished {
                return;
            }
            let mut progressed = self.try_finalize(actions);
            if self.finished {
                return;
            }
            progressed |= self.try_catch_up(actions);
            progressed |= self.try_prevote(actions);
            progressed |= self.try_precommit(actions);
            progressed |= self.try_next_round(actions);
            if !progressed {
                break;
            }
        }
        self.rebroadcast(actions);
        self.schedule_wake(actions);
    }
}

/// The tally a [`Held`] names, borrowed from the voter's fields (so that the chain view can be
/// borrowed alongside).
fn tally_of<'a>(
    previous: &'a mut RoundTally,
    current: &'a mut CurrentRound,
    future: &'a mut BTreeMap<RoundNumber, RoundTally>,
    held: Held,
) -> Option<&'a mut RoundTally> {
    match held {
        Held::Previous => Some(previous),
        Held::Current => Some(&mut current.tally),
        Held::Future(round) => future.get_mut(&round),
    }
}
