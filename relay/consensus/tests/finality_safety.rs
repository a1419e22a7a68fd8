//! Safety of the finality voter: split voters and byzantine equivocators never finalize
//! conflicting blocks; equivocations are reported once and counted once; bad votes are refused.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // Tests: a failed expectation is a failed test.

mod common;

use atoll_consensus::finality::{
    sign_vote, FinalityAction, FinalityConfig, FinalityVoter, LocalVoter, VoteError,
};
use atoll_primitives::{
    relay::{Vote, VoteStage},
    BlockNumber, SessionIndex, Sr25519Signature, ValidatorIndex,
};
use common::{
    chain_of, genesis, id,
    net::{Byzantine, Net},
    pairs, voter_set,
};

fn config() -> FinalityConfig {
    FinalityConfig::with_round_duration(100)
}

/// Honest voters split between two forks finalize at most their common ancestor.
#[test]
fn voters_split_on_two_forks_never_finalize_conflicting_blocks() {
    let n = 7;
    let mut net = Net::new(n, config(), 10);
    let trunk = chain_of(&genesis(), 3, 0);
    for h in &trunk {
        net.import_all(h);
    }
    let fork_a = chain_of(&trunk[2], 4, 1);
    let fork_b = chain_of(&trunk[2], 5, 2);
    let group_a = [0, 1, 2, 3];
    let group_b = [4, 5, 6];
    for h in fork_a.iter().chain(fork_b.iter()) {
        net.import_all(h);
    }
    for &i in &group_a {
        net.set_best(i, id(&fork_a[3]));
    }
    for &i in &group_b {
        net.set_best(i, id(&fork_b[4]));
    }
    net.run(3_000, 0);
    for i in 0..n {
        assert_eq!(net.finalized_number(i), 3, "voter {i} finalized the common ancestor only");
    }
}

/// f byzantine voters, voting fork A towards one group and fork B towards the other, with the
/// honest voters split, never get two conflicting blocks finalized (the group that, with
/// their help, reaches a supermajority may finalize its fork; the other never does).
#[test]
fn byzantine_equivocators_cannot_finalize_conflicting_forks() {
    for (n, group_a, group_b) in [
        (4usize, vec![1, 2], vec![3]),
        (7, vec![2, 3, 4], vec![5, 6]),
        (10, vec![3, 4, 5, 6], vec![7, 8, 9]),
    ] {
        let f = (n - 1) / 3;
        let mut net = Net::new(n, config(), 10);
        let fork_a = chain_of(&genesis(), 4, 1);
        let fork_b = chain_of(&genesis(), 4, 2);
        for h in fork_a.iter().chain(fork_b.iter()) {
            net.import_all(h);
        }
        for &i in &group_a {
            net.set_best(i, id(&fork_a[3]));
        }
        for &i in &group_b {
            net.set_best(i, id(&fork_b[3]));
        }
        for b in 0..f {
            let byz = Byzantine::new(vec![
                (group_a.clone(), id(&fork_a[3])),
                (group_b.clone(), id(&fork_b[3])),
            ]);
            net.make_byzantine(b, byz);
        }
        net.run(3_000, 0);
        // The harness asserts on every finalization that nothing conflicts; here we also check
        // that group B never finalized anything of fork B.
        for &i in &group_b {
            for (hash, _) in &net.finalized[i] {
                assert!(
                    !fork_b.iter().any(|h| h.hash() == *hash),
                    "n = {n}: voter {i} finalized fork B"
                );
            }
        }
    }
}

/// Over many seeded schedules (jittered delivery, voters preferring random forks, f byzantine
/// equivocators whose two audiences overlap), no two conflicting blocks are ever finalized and
/// no honest voter equivocates.
#[test]
fn random_schedules_with_equivocators_stay_safe() {
    use rand::{Rng, SeedableRng};
    let mut reports = 0;
    for seed in 0..12u64 {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(seed);
        let n = if seed % 2 == 0 { 7 } else { 4 };
        let f = (n - 1) / 3;
        let mut net = Net::new(n, config(), 5).with_jitter(seed, 150);
        let trunk = chain_of(&genesis(), 2, 0);
        let forks =
            [chain_of(&trunk[1], 6, 1), chain_of(&trunk[1], 6, 2), chain_of(&trunk[1], 3, 3)];
        for h in trunk.iter().chain(forks.iter().flatten()) {
            net.import_all(h);
        }
        let honest: Vec<usize> = (f..n).collect();
        let mut groups = [Vec::new(), Vec::new()];
        for &i in &honest {
            let fork = &forks[rng.gen_range(0..forks.len())];
            let depth = rng.gen_range(0..fork.len());
            net.set_best(i, id(&fork[depth]));
            match rng.gen_range(0..3) {
                2 => groups.iter_mut().for_each(|g| g.push(i)),
                g => groups[g].push(i),
            }
        }
        for b in 0..f {
            let byz = Byzantine::new(vec![
                (groups[0].clone(), id(&forks[0][5])),
                (groups[1].clone(), id(&forks[1][5])),
            ]);
            net.make_byzantine(b, byz);
        }
        // Change minds now and then.
        let mut t = 0;
        while t < 4_000 {
            t += 250;
            net.run(t, 0);
            let i = honest[rng.gen_range(0..honest.len())];
            let fork = &forks[rng.gen_range(0..forks.len())];
            net.set_best(i, id(&fork[rng.gen_range(0..fork.len())]));
        }
        // Invariants are asserted by the harness as it goes; the trunk is final everywhere.
        for &i in &honest {
            assert!(net.finalized_number(i) >= 2, "seed {seed}: voter {i} finalized the trunk");
        }
        reports += net.equivocations.len();
    }
    assert!(reports > 0, "some honest voters saw both votes of an equivocator");
}

/// A voter that signs two different prevotes for a round is reported once by each receiver,
/// and only its first vote counts.
#[test]
fn an_equivocating_voter_is_reported_once_and_counted_once() {
    let keys = pairs(4);
    let set = voter_set(0, &keys);
    let base = id(&genesis());
    let local = LocalVoter { index: ValidatorIndex(0), pair: keys[0].clone() };
    let mut voter = FinalityVoter::new(config(), set, Some(local), base, 0).expect("voter");
    let blocks = chain_of(&genesis(), 3, 0);
    for h in &blocks {
        voter.on_block_imported(h, 0);
    }
    let vote = |target: usize| Vote {
        set_id: SessionIndex(0),
        round: 1,
        stage: VoteStage::Prevote,
        target_hash: blocks[target].hash(),
        target_number: blocks[target].number,
    };
    let offender = ValidatorIndex(3);
    let first = sign_vote(&keys[3], offender, vote(2));
    let second = sign_vote(&keys[3], offender, vote(0));
    let third = sign_vote(&keys[3], offender, vote(1));
    let mut reports = Vec::new();
    for v in [first.clone(), first.clone(), second.clone(), third, second.clone(), first.clone()] {
        for action in voter.on_vote(v, 10).expect("valid vote") {
            if let FinalityAction::Equivocation(evidence) = action {
                reports.push(evidence);
            }
        }
    }
    assert_eq!(reports.len(), 1, "reported once");
    assert_eq!(reports[0].offender, keys[3].public());
    assert_eq!(reports[0].first, first);
    assert_eq!(reports[0].second, second);
    // Two honest prevotes for block 3 plus the equivocator's first vote (block 3) reach the
    // threshold of 3: the prevote-GHOST is block 3, which needs the first vote to count.
    for i in [1usize, 2] {
        voter.on_vote(sign_vote(&keys[i], ValidatorIndex(i as u32), vote(2)), 20).expect("vote");
    }
    let state = voter.round_state(voter.current_round()).expect("current round");
    assert_eq!(state.prevote_ghost, Some(id(&blocks[2])));

    // In the network: a byzantine voter sending different prevotes to different peers is
    // reported by whoever receives both, once per round and stage.
    let mut net = Net::new(4, config(), 0);
    let a = chain_of(&genesis(), 2, 1);
    let b = chain_of(&genesis(), 2, 2);
    for h in a.iter().chain(b.iter()) {
        net.import_all(h);
    }
    net.make_byzantine(0, Byzantine::new(vec![(vec![1, 2, 3], id(&a[1])), (vec![1], id(&b[1]))]));
    net.run(1_000, 0);
    let mut keys_seen = std::collections::BTreeSet::new();
    for (reporter, evidence) in &net.equivocations {
        assert_eq!(*reporter, 1, "only voter 1 got both votes");
        let key = (evidence.first.vote.round, evidence.first.vote.stage);
        assert!(keys_seen.insert(key), "reported once per round and stage: {key:?}");
    }
    assert!(!net.equivocations.is_empty(), "reported");
}

/// Votes with a bad signature, an unknown voter or another set are refused with the reason.
#[test]
fn invalid_votes_are_refused_with_the_reason() {
    let keys = pairs(4);
    let base = id(&genesis());
    let mut voter =
        FinalityVoter::new(config(), voter_set(5, &keys), None, base, 0).expect("observer");
    let vote = Vote {
        set_id: SessionIndex(5),
        round: 1,
        stage: VoteStage::Precommit,
        target_hash: base.0,
        target_number: BlockNumber(0),
    };
    let mut bad = sign_vote(&keys[1], ValidatorIndex(1), vote.clone());
    bad.signature = Sr25519Signature([9u8; 64]);
    let err = voter.on_vote(bad, 0).expect_err("bad signature");
    assert!(matches!(err, VoteError::BadSignature { .. }) && err.deserves_penalty());

    let forged = sign_vote(&keys[1], ValidatorIndex(2), vote.clone());
    assert!(matches!(voter.on_vote(forged, 0), Err(VoteError::BadSignature { .. })));

    let unknown = sign_vote(&keys[1], ValidatorIndex(9), vote.clone());
    let err = voter.on_vote(unknown, 0).expect_err("unknown voter");
    assert!(matches!(err, VoteError::UnknownVoter { .. }) && err.deserves_penalty());

    let other_set =
        sign_vote(&keys[1], ValidatorIndex(1), Vote { set_id: SessionIndex(6), ..vote });
    let err = voter.on_vote(other_set, 0).expect_err("other set");
    assert!(matches!(err, VoteError::WrongSet { .. }) && !err.deserves_penalty());
}

/// The same scenario run twice gives exactly the same actions, in the same order.
#[test]
fn the_same_scenario_gives_the_same_actions() {
    let run = || {
        let mut net = Net::new(7, config(), 5).with_jitter(42, 80);
        net.run(2_000, 150);
        net.log
    };
    let first = run();
    assert!(first.len() > 100);
    assert_eq!(first, run());
}
