//! Justifications: the precommits that prove a block final, their verification (Step 20), and
//! how the voter builds them (Step 15).

use std::collections::{BTreeMap, BTreeSet};

use atoll_primitives::{
    relay::{Justification, RelayHeader, VoteStage},
    BlockNumber, Hash, SessionIndex, ValidatorIndex,
};

use super::{
    chain::VoterChain,
    tally::RoundTally,
    vote::{check_vote, RoundNumber, VoteError},
    voter_set::VoterSet,
};
use crate::ancestry::Ancestry;

/// The most ancestry headers a justification may carry (precommits are for the target or
/// blocks shortly above it; this bounds the work an attacker can cause).
pub const MAX_JUSTIFICATION_ANCESTRY: usize = 4096;

/// Why a justification is refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum JustificationError {
    /// Step 20a: the justification is for another voter set.
    #[error("justification is for set {got}, expected set {expected}")]
    WrongSet {
        /// The set checked against.
        expected: SessionIndex,
        /// The justification's set.
        got: SessionIndex,
    },
    /// Step 20b: more precommits than voters.
    #[error("justification has {got} precommits for {voters} voters")]
    TooManyPrecommits {
        /// Precommits carried.
        got: usize,
        /// Voters in the set.
        voters: usize,
    },
    /// Step 20b: too many ancestry headers.
    #[error("justification carries {len} ancestry headers, at most {max} allowed")]
    AncestryTooLong {
        /// Headers carried.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// Step 20c: a vote that is not a precommit.
    #[error("the vote of {voter} in the justification is not a precommit")]
    NotPrecommit {
        /// The voter.
        voter: ValidatorIndex,
    },
    /// Step 20c: a precommit of another set.
    #[error("the precommit of {voter} is for set {got}")]
    PrecommitOfOtherSet {
        /// The voter.
        voter: ValidatorIndex,
        /// The precommit's set.
        got: SessionIndex,
    },
    /// Step 20c: a precommit of another round.
    #[error("the precommit of {voter} is for {got}, the justification for {expected}")]
    WrongRound {
        /// The voter.
        voter: ValidatorIndex,
        /// The justification's round.
        expected: RoundNumber,
        /// The precommit's round.
        got: RoundNumber,
    },
    /// Step 20c: a voter not in the set.
    #[error("{voter} is not in the voter set")]
    UnknownVoter {
        /// The voter.
        voter: ValidatorIndex,
    },
    /// Step 20c: a voter with two precommits.
    #[error("{voter} has more than one precommit in the justification")]
    DuplicateVoter {
        /// The voter.
        voter: ValidatorIndex,
    },
    /// Step 20c: a bad signature.
    #[error("bad signature on the precommit of {voter}")]
    BadSignature {
        /// The voter.
        voter: ValidatorIndex,
    },
    /// Step 20d: a precommit for a block that the ancestry does not show to be the target or a
    /// descendant.
    #[error(
        "the precommit of {voter} for {target} is not for the justified block or a descendant"
    )]
    NotDescendant {
        /// The voter.
        voter: ValidatorIndex,
        /// The precommit's target.
        target: Hash,
    },
    /// Step 20e: an ancestry header no precommit needs.
    #[error("ancestry header {hash} is not on the path of any precommit")]
    UnusedAncestry {
        /// The header's hash.
        hash: Hash,
    },
    /// Step 20f: fewer distinct valid precommits than the threshold.
    #[error("justification has {got} valid precommits, {needed} needed")]
    TooFewPrecommits {
        /// Valid distinct precommits.
        got: usize,
        /// The threshold.
        needed: usize,
    },
    /// On import: the voter does not know the justified block yet (import the block first; not
    /// a fault of the sender).
    #[error("justified block {hash} is not known to the voter")]
    UnknownTarget {
        /// The justified block.
        hash: Hash,
    },
    /// On import: the justified block conflicts with the voter's finalized block. With at most
    /// `f` faulty voters this never happens; it is a safety alarm.
    #[error("justified block {hash} conflicts with the finalized block {finalized}")]
    ConflictsWithFinalized {
        /// The justified block.
        hash: Hash,
        /// The finalized block.
        finalized: Hash,
    },
}

/// Step 20: checks that `just` proves its target final for `set`: (a) it is of this set;
/// (b) it is not oversized; (c) every vote is a precommit of this set and round by a distinct
/// voter of the set with a valid signature; (d) each is for the target or, through the carried
/// ancestry headers, a descendant; (e) no ancestry header is superfluous; (f) there are at least
/// `t = ⌊2n/3⌋ + 1` of them.
pub fn verify_justification(
    just: &Justification,
    set: &VoterSet,
) -> Result<(), JustificationError> {
    // Step 20a.
    if just.set_id != set.set_id() {
        return Err(JustificationError::WrongSet { expected: set.set_id(), got: just.set_id });
    }
    // Step 20b.
    if just.precommits.len() > set.len() {
        return Err(JustificationError::TooManyPrecommits {
            got: just.precommits.len(),
            voters: set.len(),
        });
    }
    if just.ancestry.len() > MAX_JUSTIFICATION_ANCESTRY {
        return Err(JustificationError::AncestryTooLong {
            len: just.ancestry.len(),
            max: MAX_JUSTIFICATION_ANCESTRY,
        });
    }
    let headers: BTreeMap<Hash, &RelayHeader> =
        just.ancestry.iter().map(|h| (h.hash(), h)).collect();
    let mut used = BTreeSet::new();
    let mut seen = BTreeSet::new();
    let round = RoundNumber(just.round);
    for precommit in &just.precommits {
        let voter = precommit.voter;
        let vote = &precommit.vote;
        // Step 20c.
        if vote.stage != VoteStage::Precommit {
            return Err(JustificationError::NotPrecommit { voter });
        }
        if vote.set_id != just.set_id {
            return Err(JustificationError::PrecommitOfOtherSet { voter, got: vote.set_id });
        }
        if vote.round != just.round {
            return Err(JustificationError::WrongRound {
                voter,
                expected: round,
                got: RoundNumber(vote.round),
            });
        }
        if !seen.insert(voter) {
            return Err(JustificationError::DuplicateVoter { voter });
        }
        match check_vote(precommit, set) {
            Ok(()) => {}
            Err(VoteError::UnknownVoter { .. }) => {
                return Err(JustificationError::UnknownVoter { voter })
            }
            Err(VoteError::WrongSet { got, .. }) => {
                return Err(JustificationError::PrecommitOfOtherSet { voter, got })
            }
            Err(VoteError::BadSignature { .. }) => {
                return Err(JustificationError::BadSignature { voter })
            }
        }
        // Step 20d.
        let mut current = (vote.target_hash, vote.target_number);
        loop {
            if current.0 == just.target_hash && current.1 == just.target_number {
                break;
            }
            let header = headers
                .get(&current.0)
                .filter(|h| current.1 > just.target_number && h.number == current.1);
            let Some(header) = header else {
                return Err(JustificationError::NotDescendant { voter, target: vote.target_hash });
            };
            used.insert(current.0);
            current = (header.parent_hash, BlockNumber(current.1 .0 - 1));
        }
    }
    // Step 20e.
    if let Some(hash) = headers.keys().find(|h| !used.contains(*h)) {
        return Err(JustificationError::UnusedAncestry { hash: *hash });
    }
    // Step 20f.
    if seen.len() < set.threshold() {
        return Err(JustificationError::TooFewPrecommits {
            got: seen.len(),
            needed: set.threshold(),
        });
    }
    Ok(())
}

/// Step 15: the justification of `target` from a round's counted precommits for it or a
/// descendant, with the headers between them and `target`, sorted by (number, hash).
pub(crate) fn build_justification(
    tally: &RoundTally,
    chain: &VoterChain,
    set_id: SessionIndex,
    target: (Hash, BlockNumber),
) -> Justification {
    let precommits = tally.precommits_supporting(chain, target);
    let mut ancestry = BTreeMap::new();
    for precommit in &precommits {
        let path = chain.path_down_to(&precommit.vote.target_hash, target.1).unwrap_or_default();
        for (hash, number) in path {
            if let Some(header) = chain.header(&hash) {
                ancestry.insert((number, hash), header.clone());
            }
        }
    }
    Justification {
        target_hash: target.0,
        target_number: target.1,
        round: tally.round().0,
        set_id,
        precommits,
        ancestry: ancestry.into_values().collect(),
    }
}

/// The justification `just` re-aimed at `target`, an ancestor of its target: the same
/// precommits, with the headers from the old target down to `target` added. `None` if the chain
/// view lacks one of those headers.
pub(crate) fn retarget(
    just: &Justification,
    chain: &VoterChain,
    target: (Hash, BlockNumber),
) -> Option<Justification> {
    let path = chain.path_down_to(&just.target_hash, target.1)?;
    let mut ancestry: BTreeMap<(BlockNumber, Hash), RelayHeader> =
        just.ancestry.iter().map(|h| ((h.number, h.hash()), h.clone())).collect();
    for (hash, number) in path {
        ancestry.insert((number, hash), chain.header(&hash)?.clone());
    }
    Some(Justification {
        target_hash: target.0,
        target_number: target.1,
        round: just.round,
        set_id: just.set_id,
        precommits: just.precommits.clone(),
        ancestry: ancestry.into_values().collect(),
    })
}
