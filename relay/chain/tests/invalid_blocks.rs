//! Blocks that break a rule are refused by `execute_block` with the error naming it, and leave
//! the parent state as it was.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // Tests stop loudly.

mod common;

use atoll_primitives::crypto::Pair;
use atoll_primitives::relay::{Slot, SLOT_VRF_CONTEXT};
use atoll_primitives::{BlockNumber, Hash, ValidatorIndex};
use atoll_relay_chain::testing::{pre_digest, DevChain};
use atoll_relay_chain::{
    build_block, epoch_for_child, extrinsics_root, BlockError, ChainError, RelayBlock, RelayCall,
    RelayExtrinsic, SignedTransaction,
};
use common::*;

/// A chain one block in, and a valid next block with Alice's transfers (not yet imported).
fn setup(transfers: u64) -> (DevChain, RelayBlock) {
    let mut chain = chain();
    produce(&mut chain, FIRST_SLOT, vec![]);
    let mut author_side = chain.clone();
    let alice = dev("Alice");
    let xts = (0..transfers)
        .map(|n| {
            chain.sign_with_nonce(
                &alice,
                n,
                RelayCall::Transfer { dest: dev("Bob").public(), amount: 1 },
            )
        })
        .collect();
    let block = produce(&mut author_side, FIRST_SLOT + 1, xts);
    (chain, block)
}

/// The untouched block imports (the control for every test below).
#[test]
fn the_valid_block_imports() {
    let (chain, block) = setup(2);
    assert_eq!(import_copy(&chain.db, &chain.head, &block), Ok(block.header.state_root));
}

/// A pre-digest whose VRF proof is for another slot is `BadVrf`; an author index outside the set
/// is `UnknownAuthor`; authoring with either fails the same way.
#[test]
fn bad_vrf_and_unknown_author_are_rejected() {
    let (chain, block) = setup(0);
    let mut bad = block.clone();
    let epoch = epoch_for_child(&chain.db, &chain.head, Slot(FIRST_SLOT + 2)).unwrap();
    let author = &dev("Alice");
    let other = author.vrf_sign(SLOT_VRF_CONTEXT, &epoch.vrf_input(Slot(FIRST_SLOT + 2)));
    bad.header.pre_digest.vrf_proof = other.proof;
    assert_eq!(
        import_copy(&chain.db, &chain.head, &bad),
        Err(BlockError::BadVrf {
            slot: Slot(FIRST_SLOT + 1),
            author: bad.header.pre_digest.author,
            session: atoll_primitives::SessionIndex(0),
        })
    );
    // The right proof under the wrong author index.
    let mut swapped = block.clone();
    swapped.header.pre_digest.author = ValidatorIndex(1 - block.header.pre_digest.author.0);
    assert!(matches!(
        import_copy(&chain.db, &chain.head, &swapped),
        Err(BlockError::BadVrf { .. })
    ));
    let mut unknown = block.clone();
    unknown.header.pre_digest.author = ValidatorIndex(9);
    assert!(matches!(
        import_copy(&chain.db, &chain.head, &unknown),
        Err(BlockError::UnknownAuthor { author: ValidatorIndex(9), validators: 2, .. })
    ));
    let mut db = chain.db.clone();
    let digest = bad.header.pre_digest.clone();
    assert!(matches!(
        build_block(&mut db, &chain.head, digest, vec![]),
        Err(ChainError::BadVrf { .. })
    ));
}

/// A body that does not match the header's extrinsics root is rejected before execution.
#[test]
fn wrong_extrinsics_root_is_rejected() {
    let (chain, block) = setup(2);
    let mut bad = block.clone();
    bad.body.pop();
    assert_eq!(
        import_copy(&chain.db, &chain.head, &bad),
        Err(BlockError::ExtrinsicsRootMismatch {
            expected: block.header.extrinsics_root,
            computed: extrinsics_root(&bad.body),
        })
    );
}

/// A header claiming another state root is rejected with both roots, and nothing is stored.
#[test]
fn wrong_state_root_is_rejected_and_not_stored() {
    let (chain, block) = setup(1);
    let mut bad = block.clone();
    bad.header.state_root = Hash([1; 32]);
    let mut db = chain.db.clone();
    let nodes = db.node_count();
    assert_eq!(
        atoll_relay_chain::execute_block(&mut db, &chain.head, &bad),
        Err(BlockError::StateRootMismatch {
            expected: Hash([1; 32]),
            computed: block.header.state_root
        })
    );
    assert_eq!(db.node_count(), nodes, "an invalid block stores nothing");
    assert!(!db.contains_root(&block.header.state_root));
}

/// A wrong parent hash or number is rejected with the expected and given values.
#[test]
fn wrong_parent_link_is_rejected() {
    let (chain, block) = setup(0);
    let mut bad = block.clone();
    bad.header.parent_hash = Hash([2; 32]);
    assert_eq!(
        import_copy(&chain.db, &chain.head, &bad),
        Err(BlockError::ParentHashMismatch { expected: chain.head.hash(), got: Hash([2; 32]) })
    );
    let mut bad = block.clone();
    bad.header.number = BlockNumber(5);
    assert_eq!(
        import_copy(&chain.db, &chain.head, &bad),
        Err(BlockError::NumberMismatch { expected: BlockNumber(2), got: BlockNumber(5) })
    );
}

/// A slot not after the parent's is rejected.
#[test]
fn slot_not_after_parent_is_rejected() {
    let (chain, _) = setup(0);
    let alice = dev("Alice");
    let digest = pre_digest(&chain.db, &chain.head, Slot(FIRST_SLOT), &alice);
    assert!(matches!(
        digest,
        Err(atoll_relay_chain::testing::TestingError::Chain(ChainError::SlotNotAfterParent { .. }))
    ));
}

fn resign_with(tx: &RelayExtrinsic, signer: &Pair, genesis_hash: Hash) -> RelayExtrinsic {
    let RelayExtrinsic::Signed(tx) = tx else { panic!("a signed transaction") };
    let mut forged = SignedTransaction::new(signer, genesis_hash, tx.nonce, tx.call.clone());
    forged.signer = tx.signer;
    RelayExtrinsic::Signed(forged)
}

/// A transaction signed by someone else than its signer, alone or in a batch, or signed for
/// another chain, is `BadSignature` with its index.
#[test]
fn bad_transaction_signature_is_rejected() {
    let (chain, block) = setup(3);
    let mallory = dev("Mallory");
    // The last of three: the batch check fails and the culprit is found.
    let mut body = block.body.clone();
    body[2] = resign_with(&body[2], &mallory, chain.genesis_hash());
    let alice = dev("Alice").public();
    assert_eq!(
        import_copy(&chain.db, &chain.head, &with_body(&block, body)),
        Err(BlockError::BadSignature { index: 2, signer: alice, nonce: 2 })
    );
    // Alone, signed by the right key for another chain.
    let (chain, block) = setup(1);
    let body = vec![resign_with(&block.body[0], &dev("Alice"), Hash([3; 32]))];
    assert_eq!(
        import_copy(&chain.db, &chain.head, &with_body(&block, body)),
        Err(BlockError::BadSignature { index: 0, signer: alice, nonce: 0 })
    );
}

/// A nonce already used, or one ahead of the account's, is rejected with both nonces.
#[test]
fn stale_and_future_nonces_are_rejected() {
    let (chain, block) = setup(2);
    let alice = dev("Alice");
    let mut body = block.body.clone();
    body.push(body[0].clone());
    assert_eq!(
        import_copy(&chain.db, &chain.head, &with_body(&block, body)),
        Err(BlockError::StaleNonce { index: 2, signer: alice.public(), expected: 2, got: 0 })
    );
    let mut body = block.body.clone();
    body.push(chain.sign_with_nonce(&alice, 5, RelayCall::Bond { amount: 1 }));
    assert_eq!(
        import_copy(&chain.db, &chain.head, &with_body(&block, body)),
        Err(BlockError::FutureNonce { index: 2, signer: alice.public(), expected: 2, got: 5 })
    );
}

/// Bytes from the network decode only within the size limit and with nothing left over.
#[test]
fn untrusted_block_bytes_are_bounded() {
    use parity_scale_codec::Encode;
    let (_, block) = setup(1);
    let bytes = block.encode();
    assert_eq!(RelayBlock::decode_untrusted(&bytes), Ok(block));
    assert!(RelayBlock::decode_untrusted(&bytes[..bytes.len() - 1]).is_err());
    assert!(RelayBlock::decode_untrusted(&[bytes.clone(), vec![0]].concat()).is_err());
}
