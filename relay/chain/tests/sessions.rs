//! Sessions: validator sets and configurations change exactly at session boundaries, randomness
//! changes once per session as the rules say, skipped sessions are enacted once.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // Tests stop loudly.

mod common;

use atoll_primitives::blake2_256;
use atoll_primitives::crypto::vrf_verify;
use atoll_primitives::relay::{Slot, SLOT_VRF_CONTEXT};
use atoll_primitives::SessionIndex;
use atoll_relay_chain::testing::DevChain;
use atoll_relay_chain::{
    epoch_for_child, queries, EventRecord, HostConfiguration, Phase, RelayBlock, RelayCall,
    RelayEvent,
};
use common::*;

/// Rule 6: the VRF randomness of `block`, recomputed from its pre-digest.
fn vrf_randomness(chain_before: &DevChain, block: &RelayBlock) -> [u8; 32] {
    let digest = &block.header.pre_digest;
    let epoch = epoch_for_child(&chain_before.db, &chain_before.head, digest.slot).unwrap();
    let author = epoch.validators[digest.author.0 as usize];
    vrf_verify(
        &author,
        SLOT_VRF_CONTEXT,
        &epoch.vrf_input(digest.slot),
        &digest.vrf_output,
        &digest.vrf_proof,
    )
    .expect("an authored block's VRF verifies")
}

fn fold(acc: [u8; 32], r: [u8; 32]) -> [u8; 32] {
    blake2_256(&[acc, r].concat())
}

/// `SetValidators` and `SetConfig` in session 0 change nothing until the first block of
/// session 1, which enacts both at its start (its own VRF already under the new set); the new
/// randomness is blake2(old ++ fold of session 0's VRF outputs); a changed session length moves
/// the next boundary accordingly.
#[test]
fn session_change_enacts_queued_validators_and_config_at_the_boundary() {
    let genesis = genesis();
    let mut chain = chain();
    let alice = dev("Alice");
    let new_set = vec![dev("Charlie").public(), dev("Dave").public(), dev("Eve").public()];
    let new_config =
        HostConfiguration { session_length: 10, needed_approvals: 3, ..genesis.config.clone() };
    let mut blocks = Vec::new();
    let mut acc = [0u8; 32];

    let xts = vec![
        chain.sign(&alice, RelayCall::SetValidators { validators: new_set.clone() }).unwrap(),
        chain.sign_with_nonce(&alice, 1, RelayCall::SetConfig(new_config.clone())),
    ];
    let before = chain.clone();
    blocks.push(produce(&mut chain, FIRST_SLOT, xts));
    acc = fold(acc, vrf_randomness(&before, blocks.last().unwrap()));
    let (db, root) = (&chain.db, chain.root());
    assert_eq!(queries::genesis_slot(db, &root).unwrap(), Some(Slot(FIRST_SLOT)));
    assert_eq!(queries::queued_validators(db, &root).unwrap(), Some(new_set.clone()));
    assert_eq!(queries::pending_config(db, &root).unwrap(), Some(new_config.clone()));
    let old_set = queries::validators(db, &root).unwrap();
    assert_eq!(old_set, vec![dev("Alice").public(), dev("Bob").public()]);

    // Slots 1010 and 1019 are still session 0 (length 20).
    for slot in [FIRST_SLOT + 10, FIRST_SLOT + 19] {
        let before = chain.clone();
        blocks.push(produce(&mut chain, slot, vec![]));
        acc = fold(acc, vrf_randomness(&before, blocks.last().unwrap()));
        let (db, root) = (&chain.db, chain.root());
        assert_eq!(queries::session_index(db, &root).unwrap(), SessionIndex(0));
        assert_eq!(queries::validators(db, &root).unwrap(), old_set);
        assert_eq!(queries::config(db, &root).unwrap(), genesis.config);
        assert_eq!(queries::session_randomness(db, &root).unwrap(), genesis.randomness());
    }

    // What the child at slot 1020 must be produced under, before it exists.
    let epoch = epoch_for_child(&chain.db, &chain.head, Slot(FIRST_SLOT + 20)).unwrap();
    let expected_randomness = blake2_256(&[genesis.randomness(), acc].concat());
    assert_eq!(epoch.session, SessionIndex(1));
    assert_eq!(epoch.validators, new_set);
    assert_eq!(epoch.randomness, expected_randomness);
    assert_eq!(epoch.primary_threshold, u128::MAX / 3 / 4);
    assert_eq!(epoch.slot_duration_ms, 1_000);

    blocks.push(produce(&mut chain, FIRST_SLOT + 20, vec![]));
    let (db, root) = (&chain.db, chain.root());
    assert_eq!(queries::session_index(db, &root).unwrap(), SessionIndex(1));
    assert_eq!(queries::validators(db, &root).unwrap(), new_set);
    assert_eq!(queries::config(db, &root).unwrap(), new_config);
    assert_eq!(queries::queued_validators(db, &root).unwrap(), None);
    assert_eq!(queries::pending_config(db, &root).unwrap(), None);
    assert_eq!(queries::session_randomness(db, &root).unwrap(), expected_randomness);
    assert_eq!(
        events(&chain).first(),
        Some(&EventRecord {
            phase: Phase::Initialization,
            event: RelayEvent::NewSession { session: SessionIndex(1) }
        })
    );

    // Session 1 now lasts 10 slots: 1029 is in it, 1030 starts session 2.
    assert_eq!(
        epoch_for_child(&chain.db, &chain.head, Slot(FIRST_SLOT + 29)).unwrap().session,
        SessionIndex(1)
    );
    let next = epoch_for_child(&chain.db, &chain.head, Slot(FIRST_SLOT + 30)).unwrap();
    assert_eq!(next.session, SessionIndex(2));
    assert_eq!(next.validators, new_set, "no queued set: unchanged");
    assert_ne!(next.randomness, expected_randomness, "randomness changes every session");
    blocks.push(produce(&mut chain, FIRST_SLOT + 30, vec![]));
    assert_eq!(queries::session_randomness(&chain.db, &chain.root()).unwrap(), next.randomness);

    assert_eq!(replay(&genesis, &blocks), chain.root());
}

/// The same blocks give the same session randomness on every node, and other slots another.
#[test]
fn session_randomness_is_deterministic() {
    let run = |slots: &[u64]| {
        let mut chain = chain();
        for slot in slots {
            produce(&mut chain, *slot, vec![]);
        }
        queries::session_randomness(&chain.db, &chain.root()).unwrap()
    };
    let a = run(&[FIRST_SLOT, FIRST_SLOT + 5, FIRST_SLOT + 20]);
    assert_eq!(a, run(&[FIRST_SLOT, FIRST_SLOT + 5, FIRST_SLOT + 20]));
    assert_ne!(a, run(&[FIRST_SLOT, FIRST_SLOT + 6, FIRST_SLOT + 20]));
    assert_ne!(a, genesis().randomness());
}

/// A block several sessions after its parent enacts one change, straight to the slot's session,
/// with the queued set and the randomness folded once; the session's start is aligned to the
/// session grid, not to the block.
#[test]
fn skipped_sessions_are_enacted_once() {
    let genesis = genesis();
    let mut chain = chain();
    let alice = dev("Alice");
    let new_set = vec![dev("Ferdie").public()];
    let xts =
        vec![chain.sign(&alice, RelayCall::SetValidators { validators: new_set.clone() }).unwrap()];
    let before = chain.clone();
    let b1 = produce(&mut chain, FIRST_SLOT, xts);
    let acc = fold([0; 32], vrf_randomness(&before, &b1));

    // Slot 1085 is in session (85 / 20) = 4; sessions 1 to 3 had no block.
    let b2 = produce(&mut chain, FIRST_SLOT + 85, vec![]);
    let (db, root) = (&chain.db, chain.root());
    assert_eq!(queries::session_index(db, &root).unwrap(), SessionIndex(4));
    assert_eq!(queries::validators(db, &root).unwrap(), new_set);
    assert_eq!(
        queries::session_randomness(db, &root).unwrap(),
        blake2_256(&[genesis.randomness(), acc].concat()),
        "folded once, not once per skipped session"
    );
    let new_sessions: Vec<_> = events(&chain)
        .into_iter()
        .filter(|r| matches!(r.event, RelayEvent::NewSession { .. }))
        .collect();
    assert_eq!(new_sessions.len(), 1);
    // Session 4 covers slots 1080..1100.
    assert_eq!(
        epoch_for_child(db, &chain.head, Slot(FIRST_SLOT + 99)).unwrap().session,
        SessionIndex(4)
    );
    assert_eq!(
        epoch_for_child(db, &chain.head, Slot(FIRST_SLOT + 100)).unwrap().session,
        SessionIndex(5)
    );
    assert_eq!(replay(&genesis, &[b1, b2]), chain.root());
}

/// The genesis parent's child starts session 0 at its slot, whatever the slot.
#[test]
fn block_one_starts_session_zero_at_its_slot() {
    let chain = chain();
    let epoch = epoch_for_child(&chain.db, &chain.head, Slot(123_456)).unwrap();
    assert_eq!(epoch.session, SessionIndex(0));
    assert_eq!(epoch.randomness, genesis().randomness());
    assert_eq!(epoch.validators, vec![dev("Alice").public(), dev("Bob").public()]);
    assert_eq!(queries::genesis_slot(&chain.db, &chain.root()).unwrap(), None);
}

/// Only sudo may queue validators or a configuration; bad ones fail as calls with the reason.
#[test]
fn only_sudo_sets_validators_and_checked_configs() {
    use atoll_relay_chain::DispatchError;
    let mut chain = chain();
    let (alice, bob) = (dev("Alice"), dev("Bob"));
    let bad_config = HostConfiguration { needed_approvals: 0, ..genesis().config };
    let faster = HostConfiguration { slot_duration_ms: 500, ..genesis().config };
    let xts = vec![
        chain.sign(&bob, RelayCall::SetValidators { validators: vec![bob.public()] }).unwrap(),
        chain.sign_with_nonce(&bob, 1, RelayCall::SetConfig(genesis().config)),
        chain.sign(&alice, RelayCall::SetValidators { validators: vec![] }).unwrap(),
        chain.sign_with_nonce(
            &alice,
            1,
            RelayCall::SetValidators { validators: vec![bob.public(), bob.public()] },
        ),
        chain.sign_with_nonce(&alice, 2, RelayCall::SetConfig(bad_config)),
        chain.sign_with_nonce(&alice, 3, RelayCall::SetConfig(faster)),
    ];
    produce(&mut chain, FIRST_SLOT, xts);
    let failures = failures(&chain);
    assert_eq!(failures[0], DispatchError::NotSudo { caller: bob.public() });
    assert_eq!(failures[1], DispatchError::NotSudo { caller: bob.public() });
    assert_eq!(failures[2], DispatchError::NoValidators);
    assert_eq!(failures[3], DispatchError::DuplicateValidator { validator: bob.public() });
    assert_eq!(
        failures[4],
        DispatchError::InvalidConfig { reason: "needed_approvals must not be zero".into() }
    );
    assert_eq!(
        failures[5],
        DispatchError::InvalidConfig {
            reason: "slot_duration_ms cannot change after genesis (1000 -> 500)".into()
        }
    );
    assert_eq!(queries::queued_validators(&chain.db, &chain.root()).unwrap(), None);
    assert_eq!(queries::pending_config(&chain.db, &chain.root()).unwrap(), None);
}
