//! Chains of valid blocks: balances, stake, the paras registry and code upgrades, and the
//! agreement of authoring (`build_block`) with import (`execute_block`).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // Tests stop loudly.

mod common;

use atoll_primitives::{BlockNumber, HeadData, ParaId, ValidationCode};
use atoll_relay_chain::{queries, DispatchError, FutureCode, Phase, RelayCall, RelayEvent, UNIT};
use common::*;

/// Transfers, bond and unbond move balances as asked, a failed call is recorded but keeps the
/// block valid (its nonce still counts), and a fresh node importing the blocks agrees.
#[test]
fn transfers_bond_and_unbond_move_balances() {
    let genesis = genesis();
    let mut chain = chain();
    let (alice, bob, charlie, eve) = (dev("Alice"), dev("Bob"), dev("Charlie"), dev("Eve"));
    let start = queries::balance(&chain.db, &chain.root(), &bob.public()).unwrap();
    let issuance = queries::total_issuance(&chain.db, &chain.root()).unwrap();

    let xts = vec![
        chain.sign(&alice, RelayCall::Transfer { dest: bob.public(), amount: 100 }).unwrap(),
        chain.sign(&charlie, RelayCall::Bond { amount: 500 * UNIT }).unwrap(),
        chain.sign(&eve, RelayCall::Transfer { dest: bob.public(), amount: u128::MAX }).unwrap(),
    ];
    let b1 = produce(&mut chain, FIRST_SLOT, xts);
    let (db, root) = (&chain.db, chain.root());
    assert_eq!(queries::balance(db, &root, &bob.public()).unwrap(), start + 100);
    assert_eq!(queries::balance(db, &root, &alice.public()).unwrap(), start - 100);
    assert_eq!(queries::stake(db, &root, &charlie.public()).unwrap(), 500 * UNIT);
    assert_eq!(queries::balance(db, &root, &charlie.public()).unwrap(), start - 500 * UNIT);
    assert_eq!(
        queries::nonce(db, &root, &eve.public()).unwrap(),
        1,
        "a failed call's nonce counts"
    );
    assert_eq!(
        queries::balance(db, &root, &eve.public()).unwrap(),
        start,
        "failed call left no trace"
    );
    assert!(matches!(
        failures(&chain).as_slice(),
        [DispatchError::InsufficientBalance { needed: u128::MAX, .. }]
    ));
    assert!(events(&chain).iter().any(|r| r.phase == Phase::ApplyExtrinsic(0)
        && r.event
            == RelayEvent::Transferred { from: alice.public(), to: bob.public(), amount: 100 }));

    let xts = vec![
        chain.sign(&charlie, RelayCall::Unbond { amount: 200 * UNIT }).unwrap(),
        chain.sign_with_nonce(&charlie, 2, RelayCall::Unbond { amount: 301 * UNIT }),
    ];
    let b2 = produce(&mut chain, FIRST_SLOT + 1, xts);
    let (db, root) = (&chain.db, chain.root());
    assert_eq!(queries::stake(db, &root, &charlie.public()).unwrap(), 300 * UNIT);
    assert_eq!(queries::balance(db, &root, &charlie.public()).unwrap(), start - 300 * UNIT);
    assert!(matches!(
        failures(&chain).as_slice(),
        [DispatchError::InsufficientStake { bonded, .. }] if *bonded == 300 * UNIT
    ));
    assert_eq!(queries::total_issuance(db, &root).unwrap(), issuance, "nothing minted or burnt");

    assert_eq!(replay(&genesis, &[b1, b2]), chain.root());
}

/// A para is registered with a reserved deposit, upgraded (old code kept and readable by hash
/// until the retention period ends, new code active exactly after the delay), and deregistered
/// (deposit back, code retained); refused registrations and upgrades fail as calls.
#[test]
fn para_lifecycle_registration_upgrade_retention_deregistration() {
    let genesis = genesis();
    let mut chain = chain();
    let (dave, eve, alice) = (dev("Dave"), dev("Eve"), dev("Alice"));
    let id = ParaId(2000);
    let (code_a, code_b) =
        (ValidationCode(b"\0asm code A".to_vec()), ValidationCode(b"\0asm code B".to_vec()));
    let head = HeadData(vec![7; 10]);
    let free = |c: &atoll_relay_chain::testing::DevChain, who: &atoll_primitives::crypto::Pair| {
        queries::balance(&c.db, &c.root(), &who.public()).unwrap()
    };
    let dave_start = free(&chain, &dave);
    let mut blocks = Vec::new();

    // Block 1: register.
    let register = RelayCall::RegisterPara { id, genesis_head: head.clone(), code: code_a.clone() };
    let xts = vec![chain.sign(&dave, register.clone()).unwrap()];
    blocks.push(produce(&mut chain, FIRST_SLOT, xts));
    let (db, root) = (&chain.db, chain.root());
    assert_eq!(queries::paras(db, &root).unwrap(), vec![ParaId(100), id]);
    assert_eq!(queries::para_head(db, &root, id).unwrap(), Some(head.clone()));
    assert_eq!(queries::para_code(db, &root, id).unwrap(), Some(code_a.clone()));
    assert_eq!(queries::reserved(db, &root, &dave.public()).unwrap(), 10 * UNIT);
    assert_eq!(free(&chain, &dave), dave_start - 10 * UNIT);
    let info = queries::para_info(db, &root, id).unwrap().unwrap();
    assert_eq!(info.manager, Some(dave.public()));

    // Block 2: schedule the upgrade (takes effect at the end of block 2 + 3 = 5); refused calls.
    let xts = vec![
        chain.sign(&dave, RelayCall::ScheduleCodeUpgrade { id, code: code_b.clone() }).unwrap(),
        chain.sign(&eve, RelayCall::ScheduleCodeUpgrade { id, code: code_b.clone() }).unwrap(),
        chain.sign_with_nonce(
            &eve,
            1,
            RelayCall::RegisterPara {
                id: ParaId(999),
                genesis_head: head.clone(),
                code: code_a.clone(),
            },
        ),
        chain.sign_with_nonce(&eve, 2, register.clone()),
        chain.sign_with_nonce(
            &dave,
            2,
            RelayCall::ScheduleCodeUpgrade { id, code: code_a.clone() },
        ),
    ];
    blocks.push(produce(&mut chain, FIRST_SLOT + 1, xts));
    assert_eq!(
        failures(&chain),
        vec![
            DispatchError::NotManager { id, caller: eve.public() },
            DispatchError::ParaIdReserved { id: ParaId(999) },
            DispatchError::ParaIdTaken { id },
            DispatchError::UpgradeAlreadyScheduled { id, at: BlockNumber(5) },
        ]
    );
    let pending = queries::pending_upgrade(&chain.db, &chain.root(), id).unwrap();
    assert_eq!(pending, Some(FutureCode { code_hash: code_b.hash(), at: BlockNumber(5) }));

    // Blocks 3 and 4: still the old code.
    for n in 3..=4u64 {
        blocks.push(produce(&mut chain, FIRST_SLOT + n, vec![]));
        assert_eq!(queries::para_code(&chain.db, &chain.root(), id).unwrap(), Some(code_a.clone()));
    }
    // Block 5: the new code is current; the old one retained.
    blocks.push(produce(&mut chain, FIRST_SLOT + 5, vec![]));
    let (db, root) = (&chain.db, chain.root());
    assert_eq!(queries::para_code(db, &root, id).unwrap(), Some(code_b.clone()));
    assert_eq!(queries::pending_upgrade(db, &root, id).unwrap(), None);
    assert_eq!(queries::code_by_hash(db, &root, &code_a.hash()).unwrap(), Some(code_a.clone()));
    assert!(events(&chain).iter().any(|r| r.phase == Phase::Finalization
        && r.event == RelayEvent::CodeUpgradeEnacted { id, code_hash: code_b.hash() }));
    // Replaced at the end of block 5, retained for 4 blocks: readable through block 8.
    for n in 6..=8u64 {
        blocks.push(produce(&mut chain, FIRST_SLOT + n, vec![]));
        assert_eq!(
            queries::code_by_hash(&chain.db, &chain.root(), &code_a.hash()).unwrap(),
            Some(code_a.clone()),
            "block {n}"
        );
    }
    blocks.push(produce(&mut chain, FIRST_SLOT + 9, vec![]));
    assert_eq!(queries::code_by_hash(&chain.db, &chain.root(), &code_a.hash()).unwrap(), None);
    assert!(events(&chain).contains(&atoll_relay_chain::EventRecord {
        phase: Phase::Finalization,
        event: RelayEvent::CodePruned { code_hash: code_a.hash() },
    }));

    // Block 10: Dave deregisters; a para Eve registers is deregistered by sudo (Alice).
    let xts = vec![
        chain.sign(&dave, RelayCall::DeregisterPara { id }).unwrap(),
        chain
            .sign(
                &eve,
                RelayCall::RegisterPara {
                    id: ParaId(2001),
                    genesis_head: head.clone(),
                    code: code_b.clone(),
                },
            )
            .unwrap(),
        chain.sign(&alice, RelayCall::DeregisterPara { id: ParaId(2001) }).unwrap(),
        chain.sign_with_nonce(&eve, 4, RelayCall::DeregisterPara { id: ParaId(100) }),
    ];
    blocks.push(produce(&mut chain, FIRST_SLOT + 10, xts));
    let (db, root) = (&chain.db, chain.root());
    assert_eq!(
        failures(&chain),
        vec![DispatchError::NotManager { id: ParaId(100), caller: eve.public() }]
    );
    assert_eq!(queries::paras(db, &root).unwrap(), vec![ParaId(100)]);
    assert_eq!(queries::para_head(db, &root, id).unwrap(), None);
    assert_eq!(queries::para_code(db, &root, id).unwrap(), None);
    assert_eq!(queries::reserved(db, &root, &dave.public()).unwrap(), 0);
    assert_eq!(queries::reserved(db, &root, &eve.public()).unwrap(), 0);
    assert_eq!(free(&chain, &dave), dave_start, "deposit returned");
    assert_eq!(queries::code_by_hash(db, &root, &code_b.hash()).unwrap(), Some(code_b.clone()));
    // Retained until the end of block 14.
    for n in 11..=14u64 {
        blocks.push(produce(&mut chain, FIRST_SLOT + n, vec![]));
    }
    assert_eq!(queries::code_by_hash(&chain.db, &chain.root(), &code_b.hash()).unwrap(), None);
    assert_eq!(queries::retained_code(&chain.db, &chain.root()).unwrap(), vec![]);
    // The genesis para's code is untouched.
    assert!(queries::para_code(&chain.db, &chain.root(), ParaId(100)).unwrap().is_some());

    assert_eq!(replay(&genesis, &blocks), chain.root());
}

/// An oversized head or code, or empty code, fails as a call with the sizes in the error.
#[test]
fn oversized_para_registration_fails_with_sizes() {
    let mut chain = chain();
    let dave = dev("Dave");
    let max_code = genesis().config.max_code_size;
    let big = ValidationCode(vec![1; max_code as usize + 1]);
    let xts = vec![
        chain
            .sign(
                &dave,
                RelayCall::RegisterPara {
                    id: ParaId(3000),
                    genesis_head: HeadData(vec![]),
                    code: big,
                },
            )
            .unwrap(),
        chain.sign_with_nonce(
            &dave,
            1,
            RelayCall::RegisterPara {
                id: ParaId(3000),
                genesis_head: HeadData(vec![]),
                code: ValidationCode(vec![]),
            },
        ),
    ];
    produce(&mut chain, FIRST_SLOT, xts);
    assert_eq!(
        failures(&chain),
        vec![
            DispatchError::CodeTooLarge {
                id: ParaId(3000),
                size: u64::from(max_code) + 1,
                max: max_code
            },
            DispatchError::EmptyCode { id: ParaId(3000) },
        ]
    );
    assert_eq!(queries::paras(&chain.db, &chain.root()).unwrap(), vec![ParaId(100)]);
}

/// `build_block` and `execute_block` on a fresh copy of the parent state reach the same root
/// and accept the same body, including failed calls and several transactions of one signer.
#[test]
fn built_block_executes_to_the_same_root_on_a_fresh_copy() {
    let mut chain = chain();
    let parent = chain.head.clone();
    let fresh = chain.db.clone();
    let (alice, bob) = (dev("Alice"), dev("Bob"));
    let xts: Vec<_> = (0..5u64)
        .map(|n| {
            chain.sign_with_nonce(
                &alice,
                n,
                RelayCall::Transfer { dest: bob.public(), amount: 1 + u128::from(n) },
            )
        })
        .chain([chain.sign(&bob, RelayCall::Unbond { amount: u128::MAX }).unwrap()])
        .collect();
    let block = produce(&mut chain, FIRST_SLOT, xts);
    assert_eq!(block.body.len(), 6);
    let root = import_copy(&fresh, &parent, &block).unwrap();
    assert_eq!(root, block.header.state_root);
    assert_eq!(root, chain.root());
    // Importing twice is harmless (the store is append-only).
    let mut db = fresh.clone();
    assert_eq!(atoll_relay_chain::execute_block(&mut db, &parent, &block), Ok(root));
    assert_eq!(atoll_relay_chain::execute_block(&mut db, &parent, &block), Ok(root));
}

/// `build_block` drops what would make the block invalid (stale or future nonce, bad
/// signature) and says why, keeping the valid rest.
#[test]
fn build_block_refuses_invalid_candidates_with_reasons() {
    let mut chain = chain();
    let (alice, bob) = (dev("Alice"), dev("Bob"));
    let good = chain.sign(&alice, RelayCall::Transfer { dest: bob.public(), amount: 5 }).unwrap();
    let future = chain.sign_with_nonce(&alice, 7, RelayCall::Bond { amount: 1 });
    let mut forged = chain.sign(&bob, RelayCall::Bond { amount: 1 }).unwrap();
    if let atoll_relay_chain::RelayExtrinsic::Signed(tx) = &mut forged {
        tx.signer = dev("Charlie").public();
    }
    let replay_of_good = good.clone();
    let (block, refused) = chain
        .produce(
            atoll_primitives::relay::Slot(FIRST_SLOT),
            vec![good, future, forged, replay_of_good],
        )
        .unwrap();
    assert_eq!(block.body.len(), 1);
    let reasons: Vec<_> = refused.into_iter().map(|(_, e)| e).collect();
    assert!(
        matches!(
            reasons.as_slice(),
            [
                atoll_relay_chain::BlockError::FutureNonce { index: 1, expected: 1, got: 7, .. },
                atoll_relay_chain::BlockError::BadSignature { index: 1, nonce: 0, .. },
                atoll_relay_chain::BlockError::StaleNonce { index: 1, expected: 1, got: 0, .. },
            ]
        ),
        "{reasons:?}"
    );
}
