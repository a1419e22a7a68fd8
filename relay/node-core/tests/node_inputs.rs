//! The relay node state machine on its own: hostile peer input never panics it, a corrupt
//! store is refused with a clear error, and a lone dev validator authors and finalizes.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // Tests stop loudly.

use atoll_node_core::persist::{block_key, Restored};
use atoll_node_core::{NetworkMessage, NodeAction, NodeConfig, NodeEvent, PeerId, RelayNode};
use atoll_primitives::crypto::Pair;
use atoll_primitives::{BlockNumber, Hash};
use atoll_relay_chain::preset;
use atoll_trie::StateDb;

fn dev_node(key: Option<Pair>) -> (RelayNode, atoll_primitives::relay::RelayHeader, StateDb) {
    let spec = preset("dev").unwrap();
    let mut db = StateDb::new();
    let genesis = spec.genesis_state(&mut db).unwrap();
    let node =
        RelayNode::new(NodeConfig::for_slot_duration(1_000), genesis.clone(), db.clone(), key, 0)
            .unwrap();
    (node, genesis, db)
}

/// `//Alice`, the only validator of the `dev` chain, authors a block every slot and finalizes
/// them alone (one voter is its own supermajority).
#[test]
fn lone_dev_validator_authors_and_finalizes() {
    let (mut node, _, _) = dev_node(Some(Pair::dev("Alice")));
    let mut finalized = BlockNumber(0);
    for t in (0..=10_000u64).step_by(50) {
        for action in node.on_tick(t) {
            if let NodeAction::Event(NodeEvent::Finalized { number, .. }) = action {
                finalized = number;
            }
        }
    }
    assert!(node.best().1 >= BlockNumber(9), "best {:?}", node.best());
    assert!(finalized >= BlockNumber(8), "finalized {finalized}");
}

/// Requests and responses a peer controls (inverted ranges, huge limits, unknown blocks,
/// garbage bytes) never panic the node.
#[test]
fn hostile_peer_messages_never_panic() {
    let (mut node, _, _) = dev_node(Some(Pair::dev("Alice")));
    for t in (0..=3_000u64).step_by(100) {
        node.on_tick(t);
    }
    let peer = PeerId(7);
    for above in [0, 1, 2, 1_000, u32::MAX] {
        for max in [0, 1, u32::MAX] {
            let out = node.on_message(
                3_100,
                peer,
                NetworkMessage::BlocksRequest { above: BlockNumber(above), max },
            );
            assert!(
                matches!(out.as_slice(), [NodeAction::Send(p, NetworkMessage::BlocksResponse { .. })] if *p == peer)
            );
        }
    }
    node.on_message(
        3_100,
        peer,
        NetworkMessage::Status {
            best: (Hash([1; 32]), BlockNumber(u32::MAX)),
            finalized: (Hash([2; 32]), BlockNumber(u32::MAX)),
        },
    );
    node.on_message(
        3_100,
        peer,
        NetworkMessage::BlocksResponse { blocks: vec![], justifications: vec![] },
    );
    // Undecodable bytes are an error, never a panic.
    assert!(NetworkMessage::decode_untrusted(&[]).is_err());
    for len in [1usize, 7, 100, 10_000] {
        for seed in 0..50usize {
            let bytes: Vec<u8> = (0..len).map(|i| ((i + seed) * 31 % 251) as u8).collect();
            let _ = NetworkMessage::decode_untrusted(&bytes);
        }
    }
}

/// A store holding an undecodable block is refused with the key named, not "repaired".
#[test]
fn corrupt_store_is_refused_with_a_clear_error() {
    let pairs = vec![(block_key(BlockNumber(1), &Hash([9; 32])), vec![1, 2, 3])];
    let err = Restored::from_pairs(pairs).unwrap_err();
    assert!(err.to_string().contains("corrupt store"), "{err}");
    assert!(err.key.starts_with(&hex(b"blk/")), "{err}");
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Rule 4 with a voting rule, rule 7 and authoring with inherents: under a rule that allows no
/// block, nothing is finalized; reverting block #3 moves the best chain and the next author to
/// #2; the finalized block cannot be reverted; `on_tick_with` asks for inherents on the parent
/// it builds on.
#[test]
fn voting_rule_holds_finality_and_revert_moves_the_best_chain() {
    let (mut node, genesis, _) = dev_node(Some(Pair::dev("Alice")));
    let gate = atoll_parachain_host::FinalityGate::new();
    node.set_voting_rule(std::sync::Arc::new(gate.clone()));
    let mut parents = Vec::new();
    for t in (0..=5_000u64).step_by(50) {
        node.on_tick_with(t, |parent| {
            parents.push(parent.number);
            Vec::new()
        });
    }
    assert!(node.best().1 >= BlockNumber(4), "best {:?}", node.best());
    assert_eq!(node.finalized().1, BlockNumber(0), "the rule allows nothing");
    assert!(parents.windows(2).all(|w| w[1] > w[0]), "inherents asked once per block: {parents:?}");

    let best = node.best();
    let mut chain = vec![best.0];
    while let Some(h) = node.header(chain.last().unwrap()) {
        if h.number.0 == 0 {
            break;
        }
        chain.push(h.parent_hash);
    }
    chain.reverse();
    let third = chain[3];
    let (reverted, actions) = node.revert(&third, 5_000);
    assert!(reverted);
    assert!(actions.iter().any(|a| matches!(
        a,
        NodeAction::Event(NodeEvent::Reverted { number: BlockNumber(3), .. })
    )));
    assert_eq!(node.best(), (chain[2], BlockNumber(2)));
    // The next block is built on #2.
    for t in (5_050..=6_100u64).step_by(50) {
        node.on_tick(t);
    }
    let new_best = node.best();
    let header = node.header(&new_best.0).unwrap();
    assert_eq!(header.number, BlockNumber(3));
    assert_eq!(header.parent_hash, chain[2]);
    // Allowing the new chain lets finality move.
    gate.allow(chain[1]);
    gate.allow(chain[2]);
    gate.allow(new_best.0);
    for t in (6_150..=9_000u64).step_by(50) {
        node.on_tick(t);
    }
    assert!(node.finalized().1 >= BlockNumber(2), "finalized {:?}", node.finalized());
    // The finalized block and genesis cannot be reverted.
    assert!(!node.revert(&genesis.hash(), 9_000).0);
    assert!(!node.revert(&node.finalized().0, 9_000).0);
}
