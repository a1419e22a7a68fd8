//! Crash safety of the finality voter: persisted snapshots come before broadcasts, and a voter
//! restored from its last snapshot never signs a vote that conflicts with one it signed before.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // Tests: a failed expectation is a failed test.

mod common;

use atoll_consensus::finality::{
    sign_vote, FinalityAction, FinalityConfig, FinalityError, FinalityVoter, LocalVoter,
    RoundNumber, VoterSnapshot,
};
use atoll_primitives::{
    relay::{SignedVote, Vote, VoteStage},
    BlockNumber, SessionIndex, ValidatorIndex,
};
use common::{chain_of, genesis, id, net::Net, pairs, voter_set};
use parity_scale_codec::{Decode, Encode};

fn config() -> FinalityConfig {
    FinalityConfig::with_round_duration(100)
}

fn broadcasts(actions: &[FinalityAction]) -> Vec<SignedVote> {
    actions
        .iter()
        .filter_map(|a| match a {
            FinalityAction::Broadcast(v) => Some(v.clone()),
            _ => None,
        })
        .collect()
}

/// A voter that crashes right after persisting its prevote (before sending it) and restarts
/// preferring another fork re-sends that same prevote, never a different one.
#[test]
fn a_voter_restored_after_persisting_resends_the_same_vote() {
    let keys = pairs(4);
    let set = voter_set(0, &keys);
    let local = LocalVoter { index: ValidatorIndex(0), pair: keys[0].clone() };
    let base = id(&genesis());
    let chain_a = chain_of(&genesis(), 3, 1);
    let chain_b = chain_of(&genesis(), 5, 2);
    let mut voter =
        FinalityVoter::new(config(), set.clone(), Some(local.clone()), base, 0).expect("voter");
    for h in &chain_a {
        voter.on_block_imported(h, 0);
    }
    voter.best_block_changed(chain_a[2].hash(), chain_a[2].number, 0);
    let actions = voter.on_tick(100);
    let (snapshot, prevote) = match actions.as_slice() {
        [FinalityAction::Persist(s), FinalityAction::Broadcast(v), ..] => (s.clone(), v.clone()),
        other => panic!("expected persist then broadcast, got {other:?}"),
    };
    assert_eq!(snapshot.my_votes, vec![prevote.clone()], "the snapshot holds the vote");
    assert_eq!(prevote.vote.target_hash, chain_a[2].hash());

    // Crash before the broadcast; restart preferring fork B.
    let mut restored =
        FinalityVoter::restore(config(), set, Some(local), snapshot, 500).expect("restore");
    let mut sent = Vec::new();
    for h in chain_a.iter().chain(chain_b.iter()) {
        sent.extend(broadcasts(&restored.on_block_imported(h, 500)));
    }
    sent.extend(broadcasts(&restored.best_block_changed(
        chain_b[4].hash(),
        chain_b[4].number,
        500,
    )));
    for t in (510..3_000).step_by(10) {
        sent.extend(broadcasts(&restored.on_tick(t)));
    }
    let round_one_prevotes: Vec<_> =
        sent.iter().filter(|v| v.vote.round == 1 && v.vote.stage == VoteStage::Prevote).collect();
    assert!(!round_one_prevotes.is_empty(), "the prevote is re-broadcast");
    assert!(round_one_prevotes.iter().all(|v| **v == prevote), "never a different prevote");
}

/// In a running network, crashing a voter at many different moments and restarting it from
/// its last snapshot with a different best block never makes it sign two different votes for
/// one round and stage (the harness checks every broadcast), and finality goes on.
#[test]
fn crashes_at_any_moment_never_make_a_voter_equivocate() {
    for crash_at in (100..700).step_by(30) {
        let mut net = Net::new(4, config(), 10);
        net.run(crash_at, 150);
        net.crash(1);
        net.run(crash_at + 60, 150);
        // While it was down, a fork appeared that it will prefer.
        let fork = chain_of(&genesis(), 12, 7);
        for h in &fork {
            net.headers.insert(h.hash(), h.clone());
        }
        net.bests[1] = Some(id(&fork[11]));
        net.restore(1);
        for h in &fork {
            net.import(h, &[0, 2, 3]);
        }
        net.run(crash_at + 2_500, 150);
        let lowest = net.min_finalized(&[0, 1, 2, 3]);
        assert!(lowest >= 5, "crash at {crash_at}: finality went on ({lowest})");
    }
}

/// A snapshot of another set, with inconsistent rounds, or listing another voter's vote as
/// ours is refused.
#[test]
fn restore_refuses_inconsistent_snapshots() {
    let keys = pairs(4);
    let local = LocalVoter { index: ValidatorIndex(0), pair: keys[0].clone() };
    let snapshot = VoterSnapshot {
        set_id: SessionIndex(1),
        finalized: id(&genesis()),
        completed_round: RoundNumber(2),
        completed_votes: Vec::new(),
        current_round: RoundNumber(3),
        required_block: id(&genesis()),
        my_votes: Vec::new(),
        set_change: None,
    };
    let restore = |s: VoterSnapshot, set_id: u32| {
        FinalityVoter::restore(config(), voter_set(set_id, &keys), Some(local.clone()), s, 0)
    };
    assert!(restore(snapshot.clone(), 1).is_ok());
    assert!(matches!(restore(snapshot.clone(), 2), Err(FinalityError::SnapshotSetMismatch { .. })));
    let rounds = VoterSnapshot { current_round: RoundNumber(2), ..snapshot.clone() };
    assert!(matches!(restore(rounds, 1), Err(FinalityError::SnapshotRounds { .. })));
    let theirs = sign_vote(
        &keys[1],
        ValidatorIndex(1),
        Vote {
            set_id: SessionIndex(1),
            round: 3,
            stage: VoteStage::Prevote,
            target_hash: genesis().hash(),
            target_number: BlockNumber(0),
        },
    );
    let not_ours = VoterSnapshot { my_votes: vec![theirs], ..snapshot };
    assert!(matches!(restore(not_ours, 1), Err(FinalityError::SnapshotVoteNotOurs { .. })));
    let wrong_key = LocalVoter { index: ValidatorIndex(1), pair: keys[0].clone() };
    assert!(matches!(
        FinalityVoter::new(config(), voter_set(1, &keys), Some(wrong_key), id(&genesis()), 0),
        Err(FinalityError::LocalKeyMismatch { .. })
    ));
}

/// Snapshots from a real run survive encoding, and a voter restored from one resumes in the
/// same round with the same finalized block.
#[test]
fn snapshots_round_trip_and_resume_the_round() {
    let mut net = Net::new(4, config(), 10);
    net.run(1_000, 150);
    let snapshot = net.snapshots[2].clone().expect("persisted");
    let decoded = VoterSnapshot::decode(&mut &snapshot.encode()[..]).expect("decodes");
    assert_eq!(decoded, snapshot);
    assert!(!snapshot.completed_votes.is_empty());
    let keys = pairs(4);
    let local = LocalVoter { index: ValidatorIndex(2), pair: keys[2].clone() };
    let voter = FinalityVoter::restore(config(), voter_set(0, &keys), Some(local), decoded, 1_000)
        .expect("restore");
    let live = net.voters[2].as_ref().expect("voter");
    assert_eq!(voter.current_round(), live.current_round());
    assert_eq!(voter.finalized(), live.finalized());
}

/// A voter restored into round 2 while its chain view lacks the block round 1 settled on
/// does not vote (not even for another fork it prefers) until that block arrives, and then
/// votes for a chain containing it.
#[test]
fn a_restored_voter_waits_for_the_block_its_round_requires() {
    let keys = pairs(4);
    let chain_a = chain_of(&genesis(), 3, 1);
    let chain_b = chain_of(&genesis(), 5, 2);
    let a3 = id(&chain_a[2]);
    let vote = |i: usize, stage: VoteStage| {
        sign_vote(
            &keys[i],
            ValidatorIndex(i as u32),
            Vote {
                set_id: SessionIndex(0),
                round: 1,
                stage,
                target_hash: a3.0,
                target_number: a3.1,
            },
        )
    };
    let completed_votes = (0..4)
        .map(|i| vote(i, VoteStage::Prevote))
        .chain((0..4).map(|i| vote(i, VoteStage::Precommit)))
        .collect();
    let snapshot = VoterSnapshot {
        set_id: SessionIndex(0),
        finalized: id(&genesis()),
        completed_round: RoundNumber(1),
        completed_votes,
        current_round: RoundNumber(2),
        required_block: a3,
        my_votes: Vec::new(),
        set_change: None,
    };
    let local = LocalVoter { index: ValidatorIndex(0), pair: keys[0].clone() };
    let mut voter = FinalityVoter::restore(config(), voter_set(0, &keys), Some(local), snapshot, 0)
        .expect("restore");
    let mut sent = Vec::new();
    for h in &chain_b {
        sent.extend(broadcasts(&voter.on_block_imported(h, 0)));
    }
    sent.extend(broadcasts(&voter.best_block_changed(chain_b[4].hash(), chain_b[4].number, 0)));
    for t in (10..1_000).step_by(10) {
        sent.extend(broadcasts(&voter.on_tick(t)));
    }
    // Its round-1 votes are re-broadcast; it signs nothing in round 2.
    assert!(sent.iter().all(|v| v.vote.round == 1), "no vote without the required block");
    sent.clear();
    for h in &chain_a {
        sent.extend(broadcasts(&voter.on_block_imported(h, 1_000)));
    }
    sent.extend(broadcasts(&voter.on_tick(1_010)));
    let prevote = sent.iter().find(|v| v.vote.round == 2).expect("votes once the block is known");
    assert_eq!((prevote.vote.round, prevote.vote.stage), (2, VoteStage::Prevote));
    assert_eq!((prevote.vote.target_hash, prevote.vote.target_number), a3);
    assert_eq!(voter.finalized(), a3, "round 1's precommits finalize #3 too");
}
