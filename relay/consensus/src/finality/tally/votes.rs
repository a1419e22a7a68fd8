//! A round stage's votes as received (Step 10): the first vote of each voter, and who
//! equivocated.

use std::collections::BTreeSet;

use atoll_primitives::{relay::SignedVote, ValidatorIndex};

/// What inserting a vote did (Step 10).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Insert {
    /// The voter's first vote of the stage: it counts.
    Counted,
    /// The same vote again: nothing changes.
    Duplicate,
    /// A second, different vote: the voter is an equivocator from now on; `first` is the vote
    /// that counts and, with `second`, the evidence.
    Equivocation {
        /// The counted vote.
        first: Box<SignedVote>,
        /// The vote just inserted.
        second: Box<SignedVote>,
    },
    /// Yet another vote of a known equivocator: nothing changes, nothing is reported again.
    Ignored,
}

/// One stage's votes: the first vote of each voter, and who equivocated.
#[derive(Clone, Debug, Default)]
pub(super) struct StageVotes {
    pub(super) first: VoteSlots,
    pub(super) equivocators: BTreeSet<ValidatorIndex>,
}

impl StageVotes {
    pub(super) fn insert(&mut self, vote: SignedVote) -> Insert {
        match self.first.get(&vote.voter) {
            None => {
                self.first.insert(vote);
                Insert::Counted
            }
            Some(first) if first.vote == vote.vote => Insert::Duplicate,
            Some(_) if self.equivocators.contains(&vote.voter) => Insert::Ignored,
            Some(first) => {
                let first = Box::new(first.clone());
                self.equivocators.insert(vote.voter);
                Insert::Equivocation { first, second: Box::new(vote) }
            }
        }
    }
}

/// One vote per voter, stored by voter index: constant-time look-up and insertion (a map
/// would shift its large entries on every insertion), iteration by voter index. Only votes of
/// voters in the set (checked before) are inserted, so it holds at most `n` slots.
#[derive(Clone, Debug, Default)]
pub(super) struct VoteSlots {
    by_voter: Vec<Option<SignedVote>>,
    len: usize,
}

impl VoteSlots {
    /// The vote of `voter`.
    pub(super) fn get(&self, voter: &ValidatorIndex) -> Option<&SignedVote> {
        self.by_voter.get(voter.0 as usize).and_then(Option::as_ref)
    }

    /// Whether `voter` has a vote here.
    pub(super) fn contains_key(&self, voter: &ValidatorIndex) -> bool {
        self.get(voter).is_some()
    }

    /// Stores `vote` as its voter's, replacing any other.
    fn insert(&mut self, vote: SignedVote) {
        let index = vote.voter.0 as usize;
        if self.by_voter.len() <= index {
            self.by_voter.resize(index + 1, None);
        }
        if let Some(slot) = self.by_voter.get_mut(index) {
            self.len += usize::from(slot.is_none());
            *slot = Some(vote);
        }
    }

    /// Forgets the vote of `voter`.
    pub(super) fn remove(&mut self, voter: &ValidatorIndex) {
        if let Some(slot) = self.by_voter.get_mut(voter.0 as usize) {
            self.len -= usize::from(slot.take().is_some());
        }
    }

    /// How many voters have a vote here.
    pub(super) fn len(&self) -> usize {
        self.len
    }

    /// Whether no voter has a vote here.
    pub(super) fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The votes, by voter index.
    pub(super) fn values(&self) -> impl Iterator<Item = &SignedVote> {
        self.by_voter.iter().flatten()
    }
}
