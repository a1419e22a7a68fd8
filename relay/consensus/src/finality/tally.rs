//! The votes of one round and what they imply (Steps 10 and 11): prevote-GHOST, estimate,
//! completability and precommit-GHOST.
//!
//! Counting is done against the voter's chain view rooted at the finalized block, so every
//! quantity is about the root and its descendants: a vote for a block that is not the root or
//! a descendant (an ancestor of the root, or a fork that conflicts with it) counts as cast but
//! supports nothing; a vote for a block not known yet is *pending* and counts as not cast
//! (which only makes the "possible" bounds larger, the safe direction) until the block arrives.

use std::collections::{BTreeMap, BTreeSet};

use atoll_primitives::{
    relay::{SignedVote, VoteStage},
    BlockNumber, Hash, ValidatorIndex,
};

use super::{
    chain::{Position, VoterChain},
    vote::RoundNumber,
    voter_set::threshold,
};

/// What inserting a vote did (Step 10).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Insert {
    /// The voter's first vote of the stage: it counts.
    Counted,
    /// The same vote again: nothing changes.
    Duplicate,
    /// A second, different vote: the voter is an equivocator from now on; `first` is the vote
    /// that counts and, with the new one, the evidence.
    Equivocation {
        /// The counted vote.
        first: SignedVote,
    },
    /// Yet another vote of a known equivocator: nothing changes, nothing is reported again.
    Ignored,
}

/// One stage's votes: the first vote of each voter, and who equivocated.
#[derive(Clone, Debug, Default)]
struct StageVotes {
    first: BTreeMap<ValidatorIndex, SignedVote>,
    equivocators: BTreeSet<ValidatorIndex>,
}

impl StageVotes {
    fn insert(&mut self, vote: SignedVote) -> Insert {
        match self.first.get(&vote.voter) {
            None => {
                self.first.insert(vote.voter, vote);
                Insert::Counted
            }
            Some(first) if first.vote == vote.vote => Insert::Duplicate,
            Some(_) if self.equivocators.contains(&vote.voter) => Insert::Ignored,
            Some(first) => {
                let first = first.clone();
                self.equivocators.insert(vote.voter);
                Insert::Equivocation { first }
            }
        }
    }
}

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

/// One stage counted against the chain view (Step 11).
#[derive(Clone, Debug)]
struct StageCount {
    blocks: BTreeMap<Hash, BlockCount>,
    /// Voters with a counted vote that is not pending.
    voted: usize,
    /// Of those, known equivocators.
    equivocators_voted: usize,
    /// All known equivocators of the stage.
    equivocators: usize,
    n: usize,
}

impl StageCount {
    fn count(votes: &StageVotes, chain: &VoterChain, n: usize) -> Self {
        let mut count = StageCount {
            blocks: BTreeMap::new(),
            voted: 0,
            equivocators_voted: 0,
            equivocators: votes.equivocators.len(),
            n,
        };
        for (voter, signed) in &votes.first {
            let equivocator = votes.equivocators.contains(voter);
            let position = chain.position(&signed.vote.target_hash, signed.vote.target_number);
            let path = match position {
                Position::Pending => continue,
                Position::Elsewhere => Vec::new(),
                Position::Descends(path) => path,
            };
            count.voted += 1;
            count.equivocators_voted += usize::from(equivocator);
            for (i, (hash, number)) in path.iter().enumerate() {
                let parent = path.get(i + 1).map(|(p, _)| *p);
                let entry = count.blocks.entry(*hash).or_insert(BlockCount {
                    number: *number,
                    parent,
                    support: 0,
                    equivocator_support: 0,
                });
                entry.support += 1;
                entry.equivocator_support += usize::from(equivocator);
            }
        }
        count
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
    fn possible(&self, hash: Option<&Hash>) -> usize {
        let (support, eq_support) = hash
            .and_then(|h| self.blocks.get(h))
            .map_or((0, 0), |c| (c.support, c.equivocator_support));
        let f = self.n - threshold(self.n);
        let not_voted = self.n.saturating_sub(self.voted);
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

/// All votes of one round.
#[derive(Clone, Debug)]
pub(crate) struct RoundTally {
    round: RoundNumber,
    prevotes: StageVotes,
    precommits: StageVotes,
    cached: Option<RoundState>,
}

impl RoundTally {
    pub(crate) fn new(round: RoundNumber) -> Self {
        RoundTally {
            round,
            prevotes: StageVotes::default(),
            precommits: StageVotes::default(),
            cached: None,
        }
    }

    pub(crate) fn round(&self) -> RoundNumber {
        self.round
    }

    fn stage(&self, stage: VoteStage) -> &StageVotes {
        match stage {
            VoteStage::Prevote => &self.prevotes,
            VoteStage::Precommit => &self.precommits,
        }
    }

    /// Step 10: counts the first vote of each voter per stage.
    pub(crate) fn insert(&mut self, vote: SignedVote) -> Insert {
        let outcome = match vote.vote.stage {
            VoteStage::Prevote => self.prevotes.insert(vote),
            VoteStage::Precommit => self.precommits.insert(vote),
        };
        if outcome == Insert::Counted {
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
        self.prevotes.first.contains_key(&voter) || self.precommits.first.contains_key(&voter)
    }

    /// Forgets `voter`'s votes (to bound the future-round buffer).
    pub(crate) fn remove_voter(&mut self, voter: ValidatorIndex) {
        for stage in [&mut self.prevotes, &mut self.precommits] {
            stage.first.remove(&voter);
            stage.equivocators.remove(&voter);
        }
        self.cached = None;
    }

    /// Whether the round holds no vote.
    pub(crate) fn is_empty(&self) -> bool {
        self.prevotes.first.is_empty() && self.precommits.first.is_empty()
    }

    /// How many voters have a counted vote in `stage`.
    pub(crate) fn voters_in(&self, stage: VoteStage) -> usize {
        self.stage(stage).first.len()
    }

    /// Every counted vote, prevotes then precommits, each by voter index.
    pub(crate) fn counted_votes(&self) -> Vec<SignedVote> {
        self.prevotes.first.values().chain(self.precommits.first.values()).cloned().collect()
    }

    /// The counted precommits for `target` or a descendant.
    pub(crate) fn precommits_supporting(
        &self,
        chain: &VoterChain,
        target: (Hash, BlockNumber),
    ) -> Vec<SignedVote> {
        self.precommits
            .first
            .values()
            .filter(|v| match chain.position(&v.vote.target_hash, v.vote.target_number) {
                Position::Descends(path) => path.contains(&target),
                _ => false,
            })
            .cloned()
            .collect()
    }

    /// Forgets the cached state (after the chain view changed).
    pub(crate) fn invalidate(&mut self) {
        self.cached = None;
    }

    /// Step 11: the round's state against the chain view, for `n` voters.
    pub(crate) fn state(&mut self, chain: &VoterChain, n: usize) -> RoundState {
        if let Some(state) = self.cached {
            return state;
        }
        let state = compute_state(&self.prevotes, &self.precommits, chain, n);
        self.cached = Some(state);
        state
    }
}

fn compute_state(
    prevotes: &StageVotes,
    precommits: &StageVotes,
    chain: &VoterChain,
    n: usize,
) -> RoundState {
    let t = threshold(n);
    let prevote_count = StageCount::count(prevotes, chain, n);
    let precommit_count = StageCount::count(precommits, chain, n);
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
        if precommit_count.possible(Some(&current.0)) >= t {
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
                .all(|(h, _)| precommit_count.possible(Some(h)) < t);
            let unseen_child_impossible = precommit_count.possible(None) < t;
            known_children_impossible && unseen_child_impossible
        }
    };
    state
}
