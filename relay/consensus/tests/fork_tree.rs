//! Fork choice: the best viable leaf, reverted subtrees, pruning on finality and ancestry
//! queries of the block tree.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // Tests: a failed expectation is a failed test.

mod common;

use atoll_consensus::{Ancestry, BlockTree, ForkTreeError};
use atoll_primitives::{
    relay::{RelayHeader, Slot},
    BlockNumber, Hash,
};
use common::{chain_of, genesis};

/// A header on top of `parent` with a salt and a primary flag.
fn block(parent: &RelayHeader, salt: u8, primary: bool) -> RelayHeader {
    let mut h = common::child(parent, salt);
    h.pre_digest.primary = primary;
    h
}

fn tree_with(headers: &[&RelayHeader]) -> BlockTree {
    let mut tree = BlockTree::from_header(&genesis());
    for h in headers {
        tree.insert_header(h).expect("insert");
    }
    tree
}

/// The best viable leaf has the most primary blocks, then the highest number, then the
/// lowest hash.
#[test]
fn best_leaf_by_primary_weight_then_number_then_hash() {
    let g = genesis();
    // Fork A: three secondary blocks. Fork B: two blocks, one primary.
    let a1 = block(&g, 1, false);
    let a2 = block(&a1, 1, false);
    let a3 = block(&a2, 1, false);
    let b1 = block(&g, 2, true);
    let b2 = block(&b1, 2, false);
    let mut tree = tree_with(&[&a1, &a2, &a3, &b1, &b2]);
    assert_eq!(tree.best_viable_leaf(), (b2.hash(), BlockNumber(2)), "weight beats length");
    // Same weight: the higher number wins.
    let a4 = block(&a3, 1, true);
    tree.insert_header(&a4).expect("insert");
    assert_eq!(tree.best_viable_leaf(), (a4.hash(), BlockNumber(4)));
    // Same weight and number: the lower hash wins.
    let c = block(&a3, 7, true);
    tree.insert_header(&c).expect("insert");
    let lower = a4.hash().min(c.hash());
    assert_eq!(tree.best_viable_leaf().0, lower);
    assert_eq!(tree.get(&a4.hash()).map(|e| e.weight), Some(1));
    // A tree with only the finalized block chooses it.
    let only = BlockTree::from_header(&g);
    assert_eq!(only.best_viable_leaf(), (g.hash(), BlockNumber(0)));
}

/// A reverted block and its descendants, including children imported later, are never
/// chosen again; the best leaf falls back to the best viable one.
#[test]
fn a_reverted_subtree_is_never_chosen() {
    let g = genesis();
    let a = chain_of(&g, 5, 1);
    let b = chain_of(&g, 2, 2);
    let refs: Vec<&RelayHeader> = a.iter().chain(b.iter()).collect();
    let mut tree = tree_with(&refs);
    assert_eq!(tree.best_viable_leaf().0, a[4].hash());
    let marked = tree.mark_reverted(&a[1].hash()).expect("revert");
    assert_eq!(marked.len(), 4, "a2..a5");
    assert_eq!(tree.best_viable_leaf().0, b[1].hash());
    // a2's surviving ancestor a1 is a viable leaf now, but lower than b2.
    assert!(tree.viable_leaves().contains(&a[0].hash()));
    // Children of reverted blocks inherit the mark, however long the fork grows.
    let more = chain_of(&a[4], 10, 1);
    for h in &more {
        tree.insert_header(h).expect("insert");
    }
    assert_eq!(tree.best_viable_leaf().0, b[1].hash());
    assert!(!tree.is_viable_block(&more[9].hash()));
    assert_eq!(
        tree.mark_reverted(&g.hash()),
        Err(ForkTreeError::RevertFinalized { hash: g.hash() })
    );
}

/// Finalizing a block prunes its ancestors and every fork that conflicts with it; blocks on a
/// pruned fork can no longer be imported; memory stays proportional to the unfinalized part.
#[test]
fn finality_prunes_conflicting_forks_and_ancestors() {
    let g = genesis();
    let a = chain_of(&g, 6, 1);
    let b = chain_of(&a[1], 3, 2);
    let refs: Vec<&RelayHeader> = a.iter().chain(b.iter()).collect();
    let mut tree = tree_with(&refs);
    assert_eq!(tree.len(), 10);
    let pruned = tree.finalize(&a[2].hash()).expect("finalize");
    let mut expected: Vec<Hash> = [g.hash(), a[0].hash(), a[1].hash()]
        .into_iter()
        .chain(b.iter().map(|h| h.hash()))
        .collect();
    expected.sort();
    assert_eq!(pruned, expected);
    assert_eq!(tree.finalized(), (a[2].hash(), BlockNumber(3)));
    assert_eq!(tree.len(), 4, "a3..a6");
    let late = common::child(&b[2], 2);
    assert!(matches!(tree.insert_header(&late), Err(ForkTreeError::UnknownParent { .. })));
    assert!(matches!(tree.finalize(&b[0].hash()), Err(ForkTreeError::UnknownBlock { .. })));
    // Finality only moves forward.
    let tree_before = tree.clone();
    tree.finalize(&a[5].hash()).expect("finalize");
    assert_eq!(tree.len(), 1);
    let mut back = tree_before;
    back.finalize(&a[4].hash()).expect("finalize");
    assert!(matches!(back.finalize(&a[3].hash()), Err(ForkTreeError::UnknownBlock { .. })));
    // A long run with finality trailing by two blocks stays small.
    let mut tree = BlockTree::from_header(&g);
    let mut parent = g.clone();
    let mut history = Vec::new();
    for _ in 0..200 {
        let next = common::child(&parent, 0);
        tree.insert_header(&next).expect("insert");
        history.push(next.hash());
        if history.len() > 2 {
            tree.finalize(&history[history.len() - 3]).expect("finalize");
        }
        parent = next;
    }
    assert_eq!(tree.len(), 3);
}

/// Ancestry queries: descendants, ancestors at a height, routes between forks, leaves.
#[test]
fn ancestry_queries() {
    let g = genesis();
    let a = chain_of(&g, 4, 1);
    let b = chain_of(&a[0], 2, 2);
    let refs: Vec<&RelayHeader> = a.iter().chain(b.iter()).collect();
    let tree = tree_with(&refs);
    assert!(tree.is_descendant(&a[3].hash(), &a[0].hash()));
    assert!(tree.is_descendant(&b[1].hash(), &g.hash()));
    assert!(!tree.is_descendant(&a[0].hash(), &a[0].hash()), "strict");
    assert!(!tree.is_descendant(&b[1].hash(), &a[1].hash()));
    assert!(tree.is_descendant_or_equal(&a[0].hash(), (a[0].hash(), a[0].number)));
    assert_eq!(tree.ancestor_at(&a[3].hash(), BlockNumber(1)), Some(a[0].hash()));
    assert_eq!(tree.ancestor_at(&b[1].hash(), BlockNumber(2)), Some(b[0].hash()));
    assert_eq!(tree.ancestor_at(&a[0].hash(), BlockNumber(3)), None, "above the block");
    let route = tree.route(&a[3].hash(), &b[1].hash()).expect("route");
    assert_eq!(route.common, a[0].hash());
    assert_eq!(route.retracted, vec![a[3].hash(), a[2].hash(), a[1].hash()]);
    assert_eq!(route.enacted, vec![b[0].hash(), b[1].hash()]);
    let mut leaves = vec![a[3].hash(), b[1].hash()];
    leaves.sort();
    assert_eq!(tree.leaves(), leaves);
    assert!(tree.contains(&b[0].hash()) && !tree.contains(&Hash::of(b"nope")));
    assert_eq!(tree.get(&b[0].hash()).map(|e| e.slot), Some(Slot(2)));
}

/// Inserting a block with a wrong number, an unknown parent or a conflicting duplicate is
/// refused; the same block twice is fine.
#[test]
fn bad_inserts_are_refused() {
    let g = genesis();
    let mut tree = BlockTree::from_header(&g);
    let a1 = common::child(&g, 1);
    tree.insert_header(&a1).expect("insert");
    tree.insert_header(&a1).expect("idempotent");
    let h = Hash::of(b"x");
    assert!(matches!(
        tree.insert(h, a1.hash(), BlockNumber(5), Slot(3), false),
        Err(ForkTreeError::BadNumber { .. })
    ));
    assert!(matches!(
        tree.insert(a1.hash(), Hash::of(b"other"), BlockNumber(1), Slot(1), false),
        Err(ForkTreeError::Conflict { .. })
    ));
    assert!(matches!(
        tree.insert(h, Hash::of(b"missing"), BlockNumber(1), Slot(3), false),
        Err(ForkTreeError::UnknownParent { .. })
    ));
}
