//! The scheduler (rule 17): groups partition the validators, rotate over the cores, are
//! recomputed at session changes, and the group for relay parent r is the one at r + 1.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // Tests stop loudly.

mod common;

use atoll_primitives::parachain::ParaInherentData;
use atoll_primitives::{BlockNumber, CoreIndex, GroupIndex, ValidatorIndex};
use atoll_relay_chain::scheduler::{compute_groups, rotated_group};
use atoll_relay_chain::{queries, BackingError, ParaInherentError};
use common::para::*;
use common::FIRST_SLOT;

/// Genesis: five groups of two (ten validators, two paras, groups of two), a permutation of
/// the validators drawn from the genesis randomness; each core's group advances by one every
/// five blocks from block 1.
#[test]
fn groups_partition_validators_and_rotate() {
    let mut pc = ParaChain::new();
    let (db, root) = (&pc.chain.db, pc.root());
    let groups = queries::validator_groups(db, &root).unwrap();
    assert_eq!(groups, compute_groups(N, 2, 2, &pc.genesis.randomness()));
    assert!(groups.iter().all(|g| g.len() == 2), "{groups:?}");
    let mut all: Vec<ValidatorIndex> = groups.concat();
    assert_ne!(all, (0..N).map(v).collect::<Vec<_>>(), "shuffled");
    all.sort();
    assert_eq!(all, (0..N).map(v).collect::<Vec<_>>());
    assert_eq!(queries::session_start_block(db, &root).unwrap(), BlockNumber(1));

    let mut seen = Vec::new();
    for _ in 0..12 {
        let (db, root) = (&pc.chain.db, pc.root());
        let number = queries::block_number(db, &root).unwrap();
        let cores = queries::availability_cores(db, &root).unwrap();
        assert_eq!(cores.len(), 2);
        for core in &cores {
            // The group at number + 1, rotating from block 1 every 5 blocks.
            let expected = GroupIndex((core.core.0 + number.0 / 5) % 5);
            assert_eq!(core.next_group, expected, "core {} at #{}", core.core, number.0);
        }
        seen.push(cores[0].next_group);
        pc.skip(1);
    }
    assert_eq!(seen[..6], [0, 0, 0, 0, 0, 1].map(GroupIndex));
    assert_eq!(seen[10], GroupIndex(2));
}

/// Rule 17 at a session change: the first block of session 1 recomputes the groups from the
/// new randomness and restarts the rotation at its own number.
#[test]
fn groups_are_recomputed_at_a_session_change() {
    let mut pc = ParaChain::new();
    pc.skip(3);
    pc.slot = FIRST_SLOT + 20; // Session 1.
    pc.skip(1);
    let (db, root) = (&pc.chain.db, pc.root());
    assert_eq!(queries::session_index(db, &root).unwrap().0, 1);
    let start = queries::block_number(db, &root).unwrap();
    assert_eq!(queries::session_start_block(db, &root).unwrap(), start);
    let randomness = queries::session_randomness(db, &root).unwrap();
    assert_eq!(queries::validator_groups(db, &root).unwrap(), compute_groups(N, 2, 2, &randomness));
    let cores = queries::availability_cores(db, &root).unwrap();
    assert_eq!(
        cores[1].next_group,
        rotated_group(CoreIndex(1), BlockNumber(start.0 + 1), start, 5, 5)
    );
    assert_eq!(cores[1].next_group, GroupIndex(1));
}

/// A candidate whose relay parent is block 5 is backed by the group at block 6 (one rotation
/// later than block 5's): that group's votes are accepted, block 5's group's are not.
#[test]
fn the_group_for_relay_parent_r_is_the_group_at_r_plus_one() {
    let mut pc = ParaChain::new();
    pc.skip(5);
    let (db, root) = (&pc.chain.db, pc.root());
    assert_eq!(queries::block_number(db, &root).unwrap(), BlockNumber(5));
    let groups = queries::validator_groups(db, &root).unwrap();
    let (next, members) = pc.group_for(PARA_A);
    assert_eq!(next, GroupIndex(1));
    assert_eq!(members, groups[1]);

    let candidate = pc.candidate(PARA_A, vec![1], |_| {});
    let by_block_5_group = pc.back(&candidate, &groups[0]);
    let (kept, error) = pc.rejected(ParaInherentData {
        backed_candidates: vec![by_block_5_group],
        ..Default::default()
    });
    assert!(kept.backed_candidates.is_empty());
    assert_eq!(
        error,
        ParaInherentError::Backing(BackingError::NotInGroup {
            para: PARA_A,
            validator: groups[0][0],
            group: GroupIndex(1),
        })
    );
    let by_next_group = pc.back(&candidate, &members);
    let kept = pc.produce(ParaInherentData {
        backed_candidates: vec![by_next_group.clone()],
        ..Default::default()
    });
    assert_eq!(kept.backed_candidates, vec![by_next_group]);
}
