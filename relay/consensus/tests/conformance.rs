//! Conformance hashes: the encoded [`VoterSnapshot`] is what a node persists, so a change of
//! its format (or of the vote signatures in it) must be a visible act: update the hash here in
//! the same commit, knowing which format change it records.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // Tests: a failed expectation is a failed test.

mod common;

use atoll_consensus::finality::{sign_vote, RoundNumber, ScheduledChange, VoterSnapshot};
use atoll_primitives::{
    relay::{Vote, VoteStage},
    BlockNumber, Hash, SessionIndex, ValidatorIndex,
};
use parity_scale_codec::{Decode, Encode};

/// A hand-written snapshot: set 4, finalized #10, round 6 completed with two votes, round 7
/// requiring #11 with one vote of ours, and a scheduled change at #12.
fn fixture() -> VoterSnapshot {
    let keys = common::pairs(3);
    let vote = |round: u64, stage: VoteStage, number: u32| Vote {
        set_id: SessionIndex(4),
        round,
        stage,
        target_hash: Hash::of(&number.to_le_bytes()),
        target_number: BlockNumber(number),
    };
    VoterSnapshot {
        set_id: SessionIndex(4),
        finalized: (Hash::of(b"finalized"), BlockNumber(10)),
        completed_round: RoundNumber(6),
        completed_votes: vec![
            sign_vote(&keys[1], ValidatorIndex(1), vote(6, VoteStage::Prevote, 11)),
            sign_vote(&keys[2], ValidatorIndex(2), vote(6, VoteStage::Precommit, 10)),
        ],
        current_round: RoundNumber(7),
        required_block: (Hash::of(&11u32.to_le_bytes()), BlockNumber(11)),
        my_votes: vec![sign_vote(&keys[0], ValidatorIndex(0), vote(7, VoteStage::Prevote, 12))],
        set_change: Some(ScheduledChange {
            block: (Hash::of(b"change"), BlockNumber(12)),
            new_set_id: SessionIndex(5),
            new_voters: keys.iter().map(|k| k.public()).collect(),
        }),
    }
}

/// The encoded snapshot fixture hashes to its pinned value and round-trips.
#[test]
fn voter_snapshot_encoding_is_pinned() {
    let snapshot = fixture();
    let encoded = snapshot.encode();
    assert_eq!(VoterSnapshot::decode(&mut &encoded[..]).as_ref(), Ok(&snapshot));
    assert_eq!(
        Hash::of(&encoded).to_string(),
        "0xe9bf63c92984dd59c8a4b7dc6e03d20e9ab77b119e724efccbc73f92c1e42438",
        "the VoterSnapshot format changed"
    );
}
