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
