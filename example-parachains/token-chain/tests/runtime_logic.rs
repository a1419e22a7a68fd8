//! The token chain's logic, tested natively with the SDK's test externalities (no Wasm, no
//! node), and its blocks validated natively by the same `validate_block` code the Wasm runs.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // Tests stop loudly.

use atoll_primitives::crypto::Pair;
use atoll_primitives::{BlockNumber, ParaId};
use atoll_runtime_sdk::system::{Event as SysEvent, SystemEvent};
use atoll_runtime_sdk::testing::{validate_block_native, NativeChain};
use atoll_runtime_sdk::{DispatchError, TransactionInvalid};
use token_chain::{balances, Call, Event, Genesis, TokenChain};

const PARA: ParaId = ParaId(1000);

fn chain() -> NativeChain<TokenChain> {
    NativeChain::new(PARA, Genesis::dev(1_000))
}

fn balance(chain: &mut NativeChain<TokenChain>, who: &Pair) -> u128 {
    balances::balance_of(chain.ext(), &who.public())
}

/// A transfer moves the amount, emits `Transferred` and bumps the sender's nonce.
#[test]
fn transfer_moves_balance_and_emits_event() {
    let (alice, bob) = (Pair::dev("Alice"), Pair::dev("Bob"));
    let mut chain = chain();
    let outcome = chain.apply(&alice, Call::Transfer { dest: bob.public(), amount: 250 });
    assert_eq!(outcome, Ok(Ok(())));
    assert_eq!(balance(&mut chain, &alice), 750);
    assert_eq!(balance(&mut chain, &bob), 1_250);
    assert_eq!(chain.nonce(&alice.public()), 1);
    chain.assert_has_event(Event::Transferred {
        from: alice.public(),
        to: bob.public(),
        amount: 250,
    });
}

/// Spending more than the balance fails the call: nothing moves, the nonce is used, and an
/// `ExtrinsicFailed` event carries the reason.
#[test]
fn insufficient_balance_fails_the_call_but_uses_the_nonce() {
    let (alice, bob) = (Pair::dev("Alice"), Pair::dev("Bob"));
    let mut chain = chain();
    let outcome = chain.apply(&alice, Call::Transfer { dest: bob.public(), amount: 5_000 });
    assert_eq!(
        outcome,
        Ok(Err(DispatchError::new("Balances", "insufficient balance: have 1000, need 5000")))
    );
    assert_eq!(balance(&mut chain, &alice), 1_000);
    assert_eq!(chain.nonce(&alice.public()), 1);
    let failed = chain
        .events()
        .into_iter()
        .any(|r| matches!(r.event, SysEvent::System(SystemEvent::ExtrinsicFailed { .. })));
    assert!(failed, "ExtrinsicFailed expected");
}

/// Zero transfers are refused by rule 1.
#[test]
fn zero_amount_is_refused() {
    let (alice, bob) = (Pair::dev("Alice"), Pair::dev("Bob"));
    let mut chain = chain();
    let outcome = chain.apply(&alice, Call::Transfer { dest: bob.public(), amount: 0 });
    assert_eq!(outcome, Ok(Err(DispatchError::new("Balances", "zero amount"))));
}

/// Replayed, future and forged transactions are refused before they touch the state.
#[test]
fn stale_future_and_forged_transactions_are_refused() {
    let (alice, bob) = (Pair::dev("Alice"), Pair::dev("Bob"));
    let mut chain = chain();
    let call = Call::Transfer { dest: bob.public(), amount: 1 };
    let first = chain.sign(&alice, 0, call.clone());
    let built = chain.build_block(vec![first.clone()], BlockNumber(1));
    assert!(built.refused.is_empty());

    let replay = chain.build_block(vec![first], BlockNumber(2));
    assert_eq!(replay.refused[0].1, TransactionInvalid::Stale { expected: 1, got: 0 });

    let future = chain.sign(&alice, 5, call.clone());
    let built = chain.build_block(vec![future], BlockNumber(3));
    assert_eq!(built.refused[0].1, TransactionInvalid::Future { expected: 1, got: 6 });

    // Bob's key signing a transaction that claims Alice as signer.
    let mut forged = atoll_runtime_sdk::testing::sign_extrinsic(&bob, PARA, 1, call);
    forged[..32].copy_from_slice(&alice.public().0);
    let built = chain.build_block(vec![forged], BlockNumber(4));
    assert_eq!(built.refused[0].1, TransactionInvalid::BadSignature);
    assert_eq!(balance(&mut chain, &alice), 999);
}

/// A signature for one para is no good on another.
#[test]
fn signatures_are_bound_to_the_para() {
    let (alice, bob) = (Pair::dev("Alice"), Pair::dev("Bob"));
    let mut chain = chain();
    let other_para = atoll_runtime_sdk::testing::sign_extrinsic(
        &alice,
        ParaId(2000),
        0,
        Call::Transfer { dest: bob.public(), amount: 1 },
    );
    let built = chain.build_block(vec![other_para], BlockNumber(1));
    assert_eq!(built.refused[0].1, TransactionInvalid::BadSignature);
}

/// Blocks built natively validate natively from their PoV alone, giving the built head; the
/// total issuance never changes.
#[test]
fn natively_built_blocks_validate_from_their_proof() {
    let pairs: Vec<Pair> = ["Alice", "Bob", "Charlie"].iter().map(|n| Pair::dev(n)).collect();
    let mut chain = chain();
    for block in 0..3u32 {
        let xts: Vec<Vec<u8>> = (0..9u64)
            .map(|i| {
                let from = &pairs[(i % 3) as usize];
                let to = &pairs[((i + 1) % 3) as usize];
                chain.sign(from, i / 3, Call::Transfer { dest: to.public(), amount: 1 + i as u128 })
            })
            .collect();
        let built = chain.build_block(xts, BlockNumber(block + 1));
        assert!(built.refused.is_empty(), "{:?}", built.refused);
        let result = validate_block_native::<TokenChain>(&built.validation_params())
            .unwrap_or_else(|e| panic!("block {block} invalid: {e}"));
        assert_eq!(result.head_data, chain.head().head_data());
        assert_eq!(result.hrmp_watermark, BlockNumber(block + 1));
    }
    let total: u128 = atoll_primitives::crypto::DEV_ACCOUNTS
        .iter()
        .map(|n| balance(&mut chain, &Pair::dev(n)))
        .sum();
    assert_eq!(total, 6_000);
    let issuance = balances::TOTAL_ISSUANCE.get(chain.ext());
    assert_eq!(issuance, Some(6_000));
}

/// A block whose header claims a different state root is invalid, with the reason.
#[test]
fn wrong_state_root_is_invalid_natively() {
    let (alice, bob) = (Pair::dev("Alice"), Pair::dev("Bob"));
    let mut chain = chain();
    let xt = chain.sign(&alice, 0, Call::Transfer { dest: bob.public(), amount: 7 });
    let mut built = chain.build_block(vec![xt], BlockNumber(1));
    built.block.header.state_root.0[0] ^= 1;
    let err = validate_block_native::<TokenChain>(&built.validation_params()).unwrap_err();
    assert!(err.contains("state root mismatch"), "{err}");
}
