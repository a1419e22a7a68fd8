//! Liveness of the finality voter in the in-test network: finality follows a growing chain,
//! survives `f` silent voters, stops with `f + 1` away and resumes when they return.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // Tests: a failed expectation is a failed test.

mod common;

use atoll_consensus::finality::{FinalityAction, FinalityConfig, FinalityVoter, LocalVoter};
use atoll_primitives::ValidatorIndex;
use common::{net::Net, pairs, voter_set};

/// Rounds of 100 ms per stage; re-broadcast every 500 ms.
fn config() -> FinalityConfig {
    FinalityConfig::with_round_duration(100)
}

/// A new voter asks to be woken for its prevote timer and prevotes then.
#[test]
fn a_new_voter_wakes_up_for_its_prevote() {
    let keys = pairs(4);
    let local = LocalVoter { index: ValidatorIndex(0), pair: keys[0].clone() };
    let base = common::id(&common::genesis());
    let mut voter =
        FinalityVoter::new(config(), voter_set(0, &keys), Some(local), base, 1_000).expect("voter");
    assert_eq!(voter.on_tick(1_000), vec![FinalityAction::WakeAt(1_100)]);
    assert!(voter.on_tick(1_050).is_empty(), "nothing before the timer");
    let actions = voter.on_tick(1_100);
    assert!(matches!(actions[0], FinalityAction::Persist(_)), "persist before broadcast");
    assert!(matches!(actions[1], FinalityAction::Broadcast(_)));
}

/// 4, 7 and 10 voters exchanging votes instantly finalize a chain growing every 150 ms.
#[test]
fn four_seven_and_ten_voters_finalize_a_growing_chain() {
    for n in [4, 7, 10] {
        let mut net = Net::new(n, config(), 0);
        net.run(3_000, 150);
        let tip = net.tip.number.0;
        let all: Vec<usize> = (0..n).collect();
        let lowest = net.min_finalized(&all);
        assert!(lowest + 4 >= tip, "n = {n}: finalized {lowest} of {tip}");
        assert!(net.equivocations.is_empty() && net.refused.is_empty());
        // The voter's chain view stays proportional to the unfinalized part.
        for voter in net.voters.iter().flatten() {
            assert!(voter.tracked_blocks() <= 8, "n = {n}: {} blocks", voter.tracked_blocks());
        }
    }
}

/// With a fixed 40 ms delivery delay finality still follows the chain.
#[test]
fn a_fixed_delay_network_finalizes() {
    let mut net = Net::new(7, config(), 40);
    net.run(4_000, 200);
    let lowest = net.min_finalized(&net.honest());
    assert!(lowest + 5 >= net.tip.number.0, "finalized {lowest} of {}", net.tip.number.0);
}

/// With f = ⌊(n−1)/3⌋ voters silent, the others still finalize.
#[test]
fn finality_continues_with_f_silent_voters() {
    for n in [4, 7, 10] {
        let f = (n - 1) / 3;
        let mut net = Net::new(n, config(), 10);
        net.silent.extend(0..f);
        net.run(3_000, 150);
        let speaking: Vec<usize> = (f..n).collect();
        let lowest = net.min_finalized(&speaking);
        assert!(lowest + 5 >= net.tip.number.0, "n = {n}: finalized {lowest}");
    }
}

/// With f + 1 voters silent finality stops; when they speak again it resumes.
#[test]
fn finality_stops_with_f_plus_one_silent_and_resumes_when_they_return() {
    let n = 7;
    let mut net = Net::new(n, config(), 10);
    net.run(1_000, 150);
    let before = net.min_finalized(&net.honest());
    assert!(before >= 3, "finalized {before} before the outage");
    net.silent.extend([0, 1, 2]);
    net.run(1_300, 150);
    let stalled_at = net.finalized_number(6);
    net.run(3_000, 150);
    assert!(
        net.finalized_number(6) <= stalled_at + 1,
        "no progress without a supermajority ({stalled_at} -> {})",
        net.finalized_number(6)
    );
    net.silent.clear();
    net.run(5_000, 150);
    let after = net.min_finalized(&net.honest());
    assert!(after + 5 >= net.tip.number.0, "resumed: {after} of {}", net.tip.number.0);
}

/// With f + 1 voters crashed, finality stops; restored from their snapshots, they bring it
/// back.
#[test]
fn crashed_voters_restored_from_snapshots_bring_finality_back() {
    let n = 4;
    let mut net = Net::new(n, config(), 10);
    net.run(1_000, 150);
    net.crash(0);
    net.crash(1);
    net.run(2_500, 150);
    let stalled_at = net.finalized_number(3);
    net.run(3_500, 150);
    assert!(net.finalized_number(3) <= stalled_at + 1, "stalled");
    net.restore(0);
    net.restore(1);
    net.run(6_000, 150);
    let after = net.min_finalized(&[0, 1, 2, 3]);
    assert!(after + 5 >= net.tip.number.0, "resumed: {after} of {}", net.tip.number.0);
}

/// A voter that was away (offline) imports the blocks and a justification, finalizes, and
/// then takes part in the rounds again.
#[test]
fn a_voter_away_catches_up_with_blocks_and_a_justification() {
    let n = 7;
    let mut net = Net::new(n, config(), 10);
    net.offline.insert(6);
    net.run(2_000, 150);
    assert_eq!(net.finalized_number(6), 0, "away");
    let others = net.min_finalized(&[0, 1, 2, 3, 4, 5]);
    assert!(others >= 5, "the others finalized {others}");
    net.offline.remove(&6);
    net.refeed(6);
    let justification = net.justifications.last().cloned().expect("a justification");
    let now = net.now;
    let actions = net.voters[6]
        .as_mut()
        .expect("voter")
        .on_justification(justification.clone(), now)
        .expect("valid justification");
    net.handle(6, actions);
    assert_eq!(net.finalized_number(6), justification.target_number.0);
    // It catches up with the rounds and votes again.
    let votes_before = net.broadcasts.iter().filter(|(i, _)| *i == 6).count();
    net.run(4_000, 150);
    let votes_after = net.broadcasts.iter().filter(|(i, _)| *i == 6).count();
    assert!(votes_after > votes_before + 4, "it votes again");
    let lowest = net.min_finalized(&net.honest());
    assert!(lowest + 5 >= net.tip.number.0, "finalized {lowest} of {}", net.tip.number.0);
    let round6 = net.voters[6].as_ref().map(|v| v.current_round()).expect("voter");
    let round0 = net.voters[0].as_ref().map(|v| v.current_round()).expect("voter");
    assert!(round6.0 + 1 >= round0.0, "caught up with the rounds: {round6} vs {round0}");
}
