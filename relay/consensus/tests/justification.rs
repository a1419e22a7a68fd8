//! Justification verification: what makes a set of precommits a proof of finality, and every
//! way one can be refused.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // Tests: a failed expectation is a failed test.

mod common;

use atoll_consensus::finality::{sign_vote, verify_justification, JustificationError};
use atoll_primitives::{
    relay::{Justification, RelayHeader, Vote, VoteStage},
    SessionIndex, Sr25519Signature, ValidatorIndex,
};
use common::{chain_of, genesis, pairs, voter_set};

/// genesis → b1 → b2 → b3, and a fork genesis → c1.
struct Fixture {
    keys: Vec<atoll_primitives::crypto::Pair>,
    blocks: Vec<RelayHeader>,
    fork: RelayHeader,
}

fn fixture() -> Fixture {
    let blocks = chain_of(&genesis(), 3, 0);
    let fork = chain_of(&genesis(), 1, 9).remove(0);
    Fixture { keys: pairs(4), blocks, fork }
}

fn precommit(
    f: &Fixture,
    voter: usize,
    target: &RelayHeader,
) -> atoll_primitives::relay::SignedVote {
    let vote = Vote {
        set_id: SessionIndex(2),
        round: 7,
        stage: VoteStage::Precommit,
        target_hash: target.hash(),
        target_number: target.number,
    };
    sign_vote(&f.keys[voter], ValidatorIndex(voter as u32), vote)
}

/// A justification of b1 by voters 0, 1, 2 precommitting b3, b2 and b1, with b2 and b3 as
/// ancestry.
fn valid(f: &Fixture) -> Justification {
    Justification {
        target_hash: f.blocks[0].hash(),
        target_number: f.blocks[0].number,
        round: 7,
        set_id: SessionIndex(2),
        precommits: vec![
            precommit(f, 0, &f.blocks[2]),
            precommit(f, 1, &f.blocks[1]),
            precommit(f, 2, &f.blocks[0]),
        ],
        ancestry: vec![f.blocks[1].clone(), f.blocks[2].clone()],
    }
}

/// Three of four valid precommits for the target and its descendants, with exactly the
/// needed ancestry, verify.
#[test]
fn a_supermajority_of_precommits_for_descendants_verifies() {
    let f = fixture();
    let set = voter_set(2, &f.keys);
    assert_eq!(verify_justification(&valid(&f), &set), Ok(()));
    let mut all_four = valid(&f);
    all_four.precommits.push(precommit(&f, 3, &f.blocks[0]));
    assert_eq!(verify_justification(&all_four, &set), Ok(()));
}

/// Two precommits of four voters are too few.
#[test]
fn too_few_precommits_are_refused() {
    let f = fixture();
    let mut just = valid(&f);
    just.precommits.remove(0);
    just.ancestry.remove(1);
    assert_eq!(
        verify_justification(&just, &voter_set(2, &f.keys)),
        Err(JustificationError::TooFewPrecommits { got: 2, needed: 3 })
    );
}

/// A voter precommitting twice is refused (it would count twice).
#[test]
fn a_duplicate_voter_is_refused() {
    let f = fixture();
    let mut just = valid(&f);
    just.precommits[2] = precommit(&f, 1, &f.blocks[0]);
    assert_eq!(
        verify_justification(&just, &voter_set(2, &f.keys)),
        Err(JustificationError::DuplicateVoter { voter: ValidatorIndex(1) })
    );
}

/// A justification of another set, or with a precommit of another set, is refused.
#[test]
fn the_wrong_set_is_refused() {
    let f = fixture();
    assert_eq!(
        verify_justification(&valid(&f), &voter_set(3, &f.keys)),
        Err(JustificationError::WrongSet { expected: SessionIndex(3), got: SessionIndex(2) })
    );
    let mut just = valid(&f);
    let mut vote = just.precommits[1].vote.clone();
    vote.set_id = SessionIndex(1);
    just.precommits[1] = sign_vote(&f.keys[1], ValidatorIndex(1), vote);
    assert_eq!(
        verify_justification(&just, &voter_set(2, &f.keys)),
        Err(JustificationError::PrecommitOfOtherSet {
            voter: ValidatorIndex(1),
            got: SessionIndex(1)
        })
    );
}

/// A bad signature, or a precommit signed by someone else than its voter, is refused.
#[test]
fn a_bad_signature_is_refused() {
    let f = fixture();
    let set = voter_set(2, &f.keys);
    let mut just = valid(&f);
    just.precommits[0].signature = Sr25519Signature([3u8; 64]);
    assert_eq!(
        verify_justification(&just, &set),
        Err(JustificationError::BadSignature { voter: ValidatorIndex(0) })
    );
    let mut just = valid(&f);
    just.precommits[0].voter = ValidatorIndex(3);
    assert_eq!(
        verify_justification(&just, &set),
        Err(JustificationError::BadSignature { voter: ValidatorIndex(3) })
    );
}

/// A precommit for a block on another fork (or one whose ancestry is not carried) is refused.
#[test]
fn a_precommit_for_a_non_descendant_is_refused() {
    let f = fixture();
    let set = voter_set(2, &f.keys);
    let mut just = valid(&f);
    just.precommits[1] = precommit(&f, 1, &f.fork);
    assert_eq!(
        verify_justification(&just, &set),
        Err(JustificationError::NotDescendant { voter: ValidatorIndex(1), target: f.fork.hash() })
    );
    let mut just = valid(&f);
    just.ancestry.remove(0);
    assert!(matches!(
        verify_justification(&just, &set),
        Err(JustificationError::NotDescendant { voter: ValidatorIndex(0), .. })
    ));
    // A precommit for an ancestor of the target does not count for it either.
    let mut just = valid(&f);
    just.target_hash = f.blocks[1].hash();
    just.target_number = f.blocks[1].number;
    just.ancestry.remove(0);
    assert_eq!(
        verify_justification(&just, &set),
        Err(JustificationError::NotDescendant {
            voter: ValidatorIndex(2),
            target: f.blocks[0].hash()
        })
    );
}

/// Superfluous ancestry headers, prevotes, other rounds and unknown voters are refused.
#[test]
fn malformed_justifications_are_refused() {
    let f = fixture();
    let set = voter_set(2, &f.keys);
    let mut just = valid(&f);
    just.ancestry.push(f.fork.clone());
    assert_eq!(
        verify_justification(&just, &set),
        Err(JustificationError::UnusedAncestry { hash: f.fork.hash() })
    );
    let mut just = valid(&f);
    let mut vote = just.precommits[2].vote.clone();
    vote.stage = VoteStage::Prevote;
    just.precommits[2] = sign_vote(&f.keys[2], ValidatorIndex(2), vote);
    assert_eq!(
        verify_justification(&just, &set),
        Err(JustificationError::NotPrecommit { voter: ValidatorIndex(2) })
    );
    let mut just = valid(&f);
    just.round = 8;
    assert!(matches!(
        verify_justification(&just, &set),
        Err(JustificationError::WrongRound { voter: ValidatorIndex(0), .. })
    ));
    let mut just = valid(&f);
    just.precommits[2].voter = ValidatorIndex(4);
    assert_eq!(
        verify_justification(&just, &set),
        Err(JustificationError::UnknownVoter { voter: ValidatorIndex(4) })
    );
}
