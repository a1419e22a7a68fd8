//! The votes of one round and what they imply (Steps 10 and 11): prevote-GHOST, estimate,
//! completability and precommit-GHOST.
//!
//! Counting is done against the voter's chain view rooted at the finalized block, so every
//! quantity is about the root and its descendants: a vote for a block that is not the root or
//! a descendant (an ancestor of the root, or a fork that conflicts with it) counts as cast but
//! supports nothing; a vote for a block not known yet is *pending* and counts as not cast
//! (which only makes the "possible" bounds larger, the safe direction) until the block arrives.

use std::collections::BTreeMap;

use atoll_primitives::{
    relay::{SignedVote, VoteStage},
    BlockNumber, Hash, ValidatorIndex,
};

use super::{
    chain::{PathStep, Position, VoterChain},
    vote::RoundNumber,
    voter_set::threshold,
};
use crate::ancestry::Ancestry;

mod votes;

pub(crate) use votes::Insert;
use votes::StageVotes;

/// How much support one block has in one stage.
#[derive(Clone, Copy, Debug)]
struct BlockCount {
    number: BlockNumber,
    /// The parent, for every block above the root.
    parent: Option<Hash>,
    /// Voters whose counted vote is for this block or a descendant.
    support: usize,
    /// Of those, known equivocators.
    equivocator_support: usize,
}

/// One stage counted against the chain view (Step 11), kept up to date vote by vote: a new
/// counted vote or a new equivocator walks the vote's chain once (a few look-ups per
/// unfinalized block); a change of the chain view has the stage counted again from its votes.
#[derive(Clone, Debug, Default)]
struct StageCount {
    blocks: BTreeMap<Hash, BlockCount>,
    /// Voters with a counted vote that is not pending.
    voted: usize,
    /// Of those, known equivocators.
    equivocators_voted: usize,
    /// All known equivocators of the stage.
    equivocators: usize,
    /// Counted votes that are pending (for a block not known yet).
    pending: usize,
    /// Scratch space for one walk, kept to avoid an allocation per vote.
    path: Vec<PathStep>,
}

impl StageCount {
    fn count(votes: &StageVotes, chain: &VoterChain) -> Self {
        let mut count = StageCount { equivocators: votes.equivocators.len(), ..Default::default() };
        for signed in votes.first.values() {
            count.add(signed, votes.equivocators.contains(&signed.voter), chain);
        }
        count
    }

    /// Counts `signed`, a voter's first vote (of an equivocator, if `equivocator`).
    fn add(&mut self, signed: &SignedVote, equivocator: bool, chain: &VoterChain) {
        let position = self.walk(signed, chain);
        if position == Position::Pending {
            self.pending += 1;
            return;
        }
        self.voted += 1;
        self.equivocators_voted += usize::from(equivocator);
        for (hash, number, parent) in &self.path {
            let entry = self.blocks.entry(*hash).or_insert(BlockCount {
                number: *number,
                parent: *parent,
                support: 0,
                equivocator_support: 0,
            });
            entry.support += 1;
            entry.equivocator_support += usize::from(equivocator);
        }
    }

    /// The voter whose counted vote is `first` turned out to be an equivocator.
    fn add_equivocator(&mut self, first: &SignedVote, chain: &VoterChain) {
        self.equivocators += 1;
        let position = self.walk(first, chain);
        if position == Position::Pending {
            return;
        }
        self.equivocators_voted += 1;
        for (hash, _, _) in &self.path {
            if let Some(entry) = self.blocks.get_mut(hash) {
                entry.equivocator_support += 1;
            }
        }
    }

    /// Where `signed` stands; `self.path` holds the blocks it supports (none unless it
    /// descends from the root).
    fn walk(&mut self, signed: &SignedVote, chain: &VoterChain) -> Position {
        self.path.clear();
        let path = &mut self.path;
        let position =
            chain.walk(&signed.vote.target_hash, signed.vote.target_number, |step| path.push(step));
        if position != Position::Descends {
            self.path.clear();
        }
        position
    }

    /// The highest block with at least `t` support: the GHOST. With each voter counted once
    /// and `2t > n`, such blocks form one chain from the root.
    fn ghost(&self, t: usize) -> Option<(Hash, BlockNumber)> {
        let mut best: Option<(Hash, BlockNumber)> = None;
        for (hash, c) in &self.blocks {
            if c.support >= t && best.is_none_or(|(_, n)| c.number > n) {
                best = Some((*hash, c.number));
            }
        }
        best
    }

    /// The most support `hash` could still reach (Step 11c): its supporters, the voters not
    /// counted yet, the known equivocators (who may have voted anything), and as many of the
    /// other voters as could still turn out to be equivocators, `f` minus the known ones.
    fn possible(&self, hash: Option<&Hash>, n: usize) -> usize {
        let (support, eq_support) = hash
            .and_then(|h| self.blocks.get(h))
            .map_or((0, 0), |c| (c.support, c.equivocator_support));
        let f = n - threshold(n);
        let not_voted = n.saturating_sub(self.voted);
        let equivocators_elsewhere = self.equivocators_voted.saturating_sub(eq_support);
        let others_elsewhere =
            self.voted.saturating_sub(support).saturating_sub(equivocators_elsewhere);
        let hidden_equivocators = f.saturating_sub(self.equivocators);
        support + not_voted + equivocators_elsewhere + others_elsewhere.min(hidden_equivocators)
    }
}

/// What a round's votes imply, as seen by one voter (Step 11).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RoundState {
    /// The prevote-GHOST `g`: the highest block with a supermajority of prevotes.
    pub prevote_ghost: Option<(Hash, BlockNumber)>,
    /// The estimate `E`: the highest ancestor of `g` (or `g`) that could still get a
    /// supermajority of precommits; known once a supermajority of voters precommitted.
    pub estimate: Option<(Hash, BlockNumber)>,
    /// The precommit-GHOST: the highest block with a supermajority of precommits (final).
    pub precommit_ghost: Option<(Hash, BlockNumber)>,
    /// Completable: `g` and `E` exist, a supermajority precommitted, and either `E` is below
    /// `g` or no child of `g` could still get a supermajority of precommits.
    pub completable: bool,
}

/// One stage of a round: its votes and, unless it must be redone, their count.
#[derive(Clone, Debug, Default)]
struct Stage {
    votes: StageVotes,
    /// `None` after the chain view changed or a voter was removed: counted again when needed.
    count: Option<StageCount>,
}

impl Stage {
    /// Step 10, keeping the count up to date.
    fn insert(&mut self, vote: SignedVote, chain: &VoterChain) -> Insert {
        let voter = vote.voter;
        let outcome = self.votes.insert(vote);
        if let Some(count) = &mut self.count {
            match &outcome {
                Insert::Counted => {
                    if let Some(first) = self.votes.first.get(&voter) {
                        count.add(first, false, chain);
                    }
                }
                Insert::Equivocation { first, .. } => count.add_equivocator(first, chain),
                Insert::Duplicate | Insert::Ignored => {}
            }
        }
        outcome
    }

    /// The count against `chain` (redone if it was dropped).
    fn count(&mut self, chain: &VoterChain) -> &StageCount {
        self.count.get_or_insert_with(|| StageCount::count(&self.votes, chain))
    }
}

/// All votes of one round.
#[derive(Clone, Debug)]
pub(crate) struct RoundTally {
    round: RoundNumber,
    prevotes: Stage,
    precommits: Stage,
    cached: Option<RoundState>,
}

impl RoundTally {
    pub(crate) fn new(round: RoundNumber) -> Self {
        RoundTally { round, prevotes: Stage::default(), precommits: Stage::default(), cached: None }
    }

    pub(crate) fn round(&self) -> RoundNumber {
        self.round
    }

    fn stage(&self, stage: VoteStage) -> &StageVotes {
        match stage {
            VoteStage::Prevote => &self.prevotes.votes,
            VoteStage::Precommit => &self.precommits.votes,
        }
    }

    /// Step 10: counts the first vote of each voter per stage (against `chain`, the voter's
    /// current chain view).
    pub(crate) fn insert(&mut self, vote: SignedVote, chain: &VoterChain) -> Insert {
        let outcome = match vote.vote.stage {
            VoteStage::Prevote => self.prevotes.insert(vote, chain),
            VoteStage::Precommit => self.precommits.insert(vote, chain),
        };
        if matches!(outcome, Insert::Counted | Insert::Equivocation { .. }) {
            self.cached = None;
        }
        outcome
    }

    /// Whether exactly this vote (voter and vote; the signature aside) is already held.
    pub(crate) fn holds(&self, vote: &SignedVote) -> bool {
        self.stage(vote.vote.stage).first.get(&vote.voter).is_some_and(|v| v.vote == vote.vote)
    }

    /// The counted vote of `voter` in `stage`.
    pub(crate) fn vote_of(&self, voter: ValidatorIndex, stage: VoteStage) -> Option<&SignedVote> {
        self.stage(stage).first.get(&voter)
    }

    /// Whether `voter` has any vote here.
    pub(crate) fn has_voter(&self, voter: ValidatorIndex) -> bool {
        self.prevotes.votes.first.contains_key(&voter)
            || self.precommits.votes.first.contains_key(&voter)
    }

    /// Forgets `voter`'s votes (to bound the future-round buffer).
    pub(crate) fn remove_voter(&mut self, voter: ValidatorIndex) {
        for stage in [&mut self.prevotes, &mut self.precommits] {
            stage.votes.first.remove(&voter);
            stage.votes.equivocators.remove(&voter);
            stage.count = None;
        }
        self.cached = None;
    }

    /// Whether the round holds no vote.
    pub(crate) fn is_empty(&self) -> bool {
        self.prevotes.votes.first.is_empty() && self.precommits.votes.first.is_empty()
    }

    /// How many voters have a counted vote in `stage`.
    pub(crate) fn voters_in(&self, stage: VoteStage) -> usize {
        self.stage(stage).first.len()
    }

    /// Every counted vote, prevotes then precommits, each by voter index.
    pub(crate) fn counted_votes(&self) -> Vec<SignedVote> {
        let prevotes = self.prevotes.votes.first.values();
        prevotes.chain(self.precommits.votes.first.values()).cloned().collect()
    }

    /// The counted precommits for `target` or a descendant.
    pub(crate) fn precommits_supporting(
        &self,
        chain: &VoterChain,
        target: (Hash, BlockNumber),
    ) -> Vec<SignedVote> {
        self.precommits
            .votes
            .first
            .values()
            .filter(|v| {
                let (hash, number) = (&v.vote.target_hash, v.vote.target_number);
                chain.position(hash, number) == Position::Descends
                    && chain.is_descendant_or_equal(hash, target)
            })
            .cloned()
            .collect()
    }

    /// A block was added to the chain view: only pending votes can change where they stand
    /// (every other walk only passes blocks that were known already), so the counts of a
    /// stage without pending votes stay valid.
    pub(crate) fn block_added(&mut self) {
        for stage in [&mut self.prevotes, &mut self.precommits] {
            if stage.count.as_ref().is_some_and(|c| c.pending > 0) {
                stage.count = None;
                self.cached = None;
            }
        }
    }

    /// Forgets the counts and the cached state (after the root of the chain view moved).
    pub(crate) fn invalidate(&mut self) {
        self.prevotes.count = None;
        self.precommits.count = None;
        self.cached = None;
    }

    /// Step 11: the round's state against the chain view, for `n` voters.
    pub(crate) fn state(&mut self, chain: &VoterChain, n: usize) -> RoundState {
        if let Some(state) = self.cached {
            return state;
        }
        let prevotes = self.prevotes.count(chain);
        let precommits = self.precommits.count(chain);
        let state = compute_state(prevotes, precommits, chain, n);
        self.cached = Some(state);
        state
    }
}

fn compute_state(
    prevote_count: &StageCount,
    precommit_count: &StageCount,
    chain: &VoterChain,
    n: usize,
) -> RoundState {
    let t = threshold(n);
    // Step 11a / 11b: the GHOSTs.
    let prevote_ghost = prevote_count.ghost(t);
    let precommit_ghost = precommit_count.ghost(t);
    let mut state =
        RoundState { prevote_ghost, estimate: None, precommit_ghost, completable: false };
    // Step 11d: the estimate is known once a supermajority of voters precommitted.
    let Some(ghost) = prevote_ghost else { return state };
    if precommit_count.voted < t {
        return state;
    }
    let root = chain.root();
    let mut current = ghost;
    let estimate = loop {
        if precommit_count.possible(Some(&current.0), n) >= t {
            break Some(current);
        }
        let parent = prevote_count.blocks.get(&current.0).and_then(|c| c.parent);
        match parent {
            Some(parent) if current != root => {
                current = (parent, BlockNumber(current.1 .0.saturating_sub(1)));
            }
            _ => break None,
        }
    };
    state.estimate = estimate;
    // Step 11e: completable.
    state.completable = match estimate {
        None => false,
        Some(e) if e != ghost => true,
        Some(_) => {
            let known_children_impossible = precommit_count
                .blocks
                .iter()
                .filter(|(_, c)| c.parent == Some(ghost.0))
                .all(|(h, _)| precommit_count.possible(Some(h), n) < t);
            let unseen_child_impossible = precommit_count.possible(None, n) < t;
            known_children_impossible && unseen_child_impossible
        }
    };
    state
}
