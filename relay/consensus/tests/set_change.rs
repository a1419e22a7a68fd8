//! Voter-set hand-over: the old set finalizes up to the change block and no further, hands
//! over, and the new set carries finality on from there.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // Tests: a failed expectation is a failed test.

mod common;

use atoll_consensus::finality::{sign_vote, FinalityAction, FinalityConfig};
use atoll_primitives::{
    relay::{Justification, Vote, VoteStage},
    SessionIndex, ValidatorIndex,
};
use common::{chain_of, id, net::Net, other_pairs, pairs};

fn config() -> FinalityConfig {
    FinalityConfig::with_round_duration(100)
}

/// Set 0 never votes beyond the change block #5, finalizes exactly up to it and hands over;
/// set 1 (with one voter replaced) then finalizes the chain beyond it.
#[test]
fn the_old_set_stops_at_the_change_block_and_the_new_set_takes_over() {
    let old_keys = pairs(4);
    let mut new_keys: Vec<_> = old_keys[1..].to_vec();
    new_keys.extend(other_pairs(1));
    let new_ids: Vec<_> = new_keys.iter().map(|p| p.public()).collect();

    let mut old = Net::new(4, config(), 10);
    let mut change = None;
    while old.now < 3_000 {
        if old.now.is_multiple_of(150) {
            old.grow();
            if old.tip.number.0 == 5 {
                let block = id(&old.tip);
                change = Some(old.tip.clone());
                for i in 0..4 {
                    let now = old.now;
                    let actions = old.voters[i].as_mut().map(|v| {
                        v.on_set_change_scheduled(block, SessionIndex(1), new_ids.clone(), now)
                    });
                    old.handle(i, actions.unwrap_or_default());
                }
            }
        }
        old.step();
    }
    let change = change.expect("announced");
    assert!(old.tip.number.0 > 15, "the chain went on");
    for (voter, vote) in &old.broadcasts {
        assert!(vote.vote.target_number <= change.number, "voter {voter} voted beyond #5");
    }
    for i in 0..4 {
        assert_eq!(old.finalized[i].last(), Some(&id(&change)), "voter {i} stops at #5");
        assert!(old.voters[i].as_ref().is_some_and(|v| v.is_finished()));
    }
    assert_eq!(old.set_changes.len(), 4);
    assert!(old
        .set_changes
        .iter()
        .all(|(_, set, base)| *set == SessionIndex(1) && *base == id(&change)));

    // The node starts the voters of set 1 from the change block.
    let mut new = Net::with_keys(new_keys, 1, change.clone(), config(), 10);
    let mut above: Vec<_> =
        old.headers.values().filter(|h| h.number > change.number).cloned().collect();
    above.sort_by_key(|h| h.number);
    for h in &above {
        new.import_all(h);
    }
    new.tip = old.tip.clone();
    new.now = old.now;
    new.run(old.now + 2_000, 150);
    let lowest = new.min_finalized(&[0, 1, 2, 3]);
    assert!(lowest + 5 >= new.tip.number.0, "set 1 finalized {lowest} of {}", new.tip.number.0);
    assert!(new.justifications.iter().all(|j| j.set_id == SessionIndex(1)));
}

/// A justification of the old set for a block beyond the change block finalizes the change
/// block only (with a justification re-aimed at it) and hands over.
#[test]
fn a_justification_beyond_the_change_block_finalizes_only_the_change_block() {
    let keys = pairs(4);
    let mut net = Net::new(4, FinalityConfig::with_round_duration(10_000), 0);
    let blocks = chain_of(&common::genesis(), 7, 0);
    for h in &blocks {
        net.import_all(h);
    }
    let change = id(&blocks[4]);
    let actions = net.voters[0].as_mut().expect("voter").on_set_change_scheduled(
        change,
        SessionIndex(1),
        Vec::new(),
        0,
    );
    net.handle(0, actions);
    let precommit = |i: usize| {
        sign_vote(
            &keys[i],
            ValidatorIndex(i as u32),
            Vote {
                set_id: SessionIndex(0),
                round: 3,
                stage: VoteStage::Precommit,
                target_hash: blocks[6].hash(),
                target_number: blocks[6].number,
            },
        )
    };
    let justification = Justification {
        target_hash: blocks[6].hash(),
        target_number: blocks[6].number,
        round: 3,
        set_id: SessionIndex(0),
        precommits: (1..4).map(precommit).collect(),
        ancestry: Vec::new(),
    };
    let actions =
        net.voters[0].as_mut().expect("voter").on_justification(justification, 5).expect("valid");
    let finalized: Vec<_> = actions
        .iter()
        .filter_map(|a| match a {
            FinalityAction::Finalized { hash, justification, .. } => {
                Some((*hash, justification.target_hash))
            }
            _ => None,
        })
        .collect();
    assert_eq!(finalized, vec![(change.0, change.0)], "only the change block, re-aimed");
    assert!(actions.iter().any(|a| matches!(a, FinalityAction::SetChanged { .. })));
    net.handle(0, actions);
}

/// A change announced on a fork that finality then abandons is forgotten: the set keeps
/// voting and finalizing beyond that height.
#[test]
fn a_change_on_an_abandoned_fork_is_forgotten() {
    let mut net = Net::new(4, config(), 10);
    let fork = chain_of(&common::genesis(), 3, 9);
    for h in &fork {
        net.headers.insert(h.hash(), h.clone());
    }
    for i in 0..4 {
        let actions: Vec<FinalityAction> = net.voters[i]
            .as_mut()
            .map(|v| {
                let mut out = Vec::new();
                for h in &fork {
                    out.extend(v.on_block_imported(h, 0));
                }
                out.extend(v.on_set_change_scheduled(id(&fork[2]), SessionIndex(1), Vec::new(), 0));
                out
            })
            .unwrap_or_default();
        net.handle(i, actions);
    }
    net.run(3_000, 150);
    assert!(net.set_changes.is_empty(), "no hand-over");
    assert!(net.min_finalized(&[0, 1, 2, 3]) >= 10, "finality went past #3");
}
