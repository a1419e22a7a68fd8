//! Decoding untrusted bytes: random garbage and mutated real nodes never make the codec (or the
//! trie reading through it) panic, and whatever the codec accepts re-encodes to the same bytes.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use atoll_primitives::blake2_256;
use atoll_trie::{apply_changes, build, read_value, MemoryDb, NodeCodec, Recorder, StateDb};
use hash_db::{HashDB, EMPTY_PREFIX};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use trie_db::node::{Node, NodeHandle, Value};
use trie_db::{ChildReference, NodeCodec as _};

use common::*;

/// Re-encodes a decoded node with the codec's encoder.
fn reencode(node: &Node) -> Vec<u8> {
    let child = |handle: &Option<NodeHandle>| {
        handle.map(|handle| match handle {
            NodeHandle::Hash(h) => ChildReference::Hash(h.try_into().unwrap()),
            NodeHandle::Inline(bytes) => {
                let mut inline = [0u8; 32];
                inline[..bytes.len()].copy_from_slice(bytes);
                ChildReference::Inline(inline, bytes.len())
            }
        })
    };
    match node {
        Node::Empty => NodeCodec::empty_node().to_vec(),
        Node::Leaf(partial, value) => {
            NodeCodec::leaf_node(partial.right_iter(), partial.len(), value.clone())
        }
        Node::NibbledBranch(partial, children, value) => NodeCodec::branch_node_nibbled(
            partial.right_iter(),
            partial.len(),
            children.iter().map(child),
            value.clone(),
        ),
        Node::Extension(..) | Node::Branch(..) => panic!("the codec never decodes these"),
    }
}

/// Decodes `bytes`; if accepted, building the node must stay in bounds and re-encode exactly.
fn check(bytes: &[u8]) -> bool {
    let Ok(plan) = NodeCodec::decode_plan(bytes) else {
        assert!(NodeCodec::decode(bytes).is_err());
        return false;
    };
    let node = plan.build(bytes);
    if let Node::Leaf(_, Value::Inline(v)) = &node {
        assert!(!v.is_empty());
    }
    assert_eq!(reencode(&node), bytes, "accepted a non-canonical encoding");
    true
}

fn garbage(rng: &mut ChaCha8Rng) -> Vec<u8> {
    let len = rng.gen_range(0..120);
    let mut bytes: Vec<u8> = (0..len).map(|_| rng.gen()).collect();
    if let Some(first) = bytes.first_mut() {
        // Bias towards plausible headers: short partial keys of every kind.
        if rng.gen_bool(0.7) {
            *first = (*first & 0xc0) | rng.gen_range(0..6);
        }
    }
    if bytes.len() >= 3 && rng.gen_bool(0.5) {
        // ... and towards sparse bitmaps.
        bytes[1] &= rng.gen::<u8>() & rng.gen::<u8>();
        bytes[2] &= rng.gen::<u8>() & rng.gen::<u8>();
    }
    bytes
}

/// Real nodes from a random state, to mutate.
fn real_nodes(seed: u64) -> Vec<Vec<u8>> {
    let mut rng = rng(seed);
    let entries = random_entries(&mut rng, 200);
    let (db, root) = build(entries.clone());
    let mut recorder = Recorder::new();
    let mut state = StateDb::new();
    assert_eq!(state.insert_entries(entries.clone()), root);
    for (key, _) in &entries {
        state.get_recorded(&root, key, &mut recorder).unwrap();
    }
    drop(db);
    recorder.into_proof().into_nodes()
}

fn mutate(rng: &mut ChaCha8Rng, node: &[u8]) -> Vec<u8> {
    let mut bytes = node.to_vec();
    match rng.gen_range(0..5) {
        0 => bytes.truncate(rng.gen_range(0..bytes.len().max(1))),
        1 => bytes.push(rng.gen()),
        _ => {
            for _ in 0..rng.gen_range(1..4) {
                if bytes.is_empty() {
                    break;
                }
                let at = rng.gen_range(0..bytes.len());
                bytes[at] ^= 1 << rng.gen_range(0..8);
            }
        }
    }
    bytes
}

#[test]
fn random_garbage_never_panics() {
    let mut rng = rng(7);
    let mut accepted = 0;
    for _ in 0..10_000 {
        if check(&garbage(&mut rng)) {
            accepted += 1;
        }
    }
    // Some garbage is valid by chance (short leaves); most is refused.
    assert!(accepted > 0 && accepted < 5_000, "accepted {accepted}");
}

#[test]
fn real_nodes_decode_and_reencode() {
    let nodes = real_nodes(1);
    assert!(nodes.len() > 50);
    for node in &nodes {
        assert!(check(node), "a real node was refused: {node:?}");
    }
}

#[test]
fn mutated_real_nodes_never_panic() {
    let nodes = real_nodes(2);
    let mut rng = rng(8);
    for _ in 0..10_000 {
        let node = &nodes[rng.gen_range(0..nodes.len())];
        check(&mutate(&mut rng, node));
    }
}

/// A database that lies: a node stored under its hash is replaced by other bytes. Reads and
/// updates must return an error or an answer, never panic.
#[test]
fn corrupted_database_never_panics() {
    for seed in 0..30u64 {
        let mut rng = rng(100 + seed);
        let entries = random_entries(&mut rng, 40);
        let model = model_of(&entries);
        let (_, root) = build(entries.clone());
        let mut state = StateDb::new();
        state.insert_entries(entries);
        let reads = random_reads(&mut rng, &model, 20);
        let changes = random_changes(&mut rng, &model, 20);
        let mut recorder = Recorder::new();
        for key in &reads {
            state.get_recorded(&root, key, &mut recorder).unwrap();
        }
        state.root_after(&root, borrowed(&changes), Some(&mut recorder)).unwrap();
        let nodes = recorder.into_proof().into_nodes();

        for _ in 0..20 {
            let target = rng.gen_range(0..nodes.len());
            let mut db = MemoryDb::default();
            for (index, node) in nodes.iter().enumerate() {
                if index == target {
                    let corrupted = mutate(&mut rng, node);
                    db.emplace(blake2_256(node), EMPTY_PREFIX, corrupted);
                } else {
                    db.insert(EMPTY_PREFIX, node);
                }
            }
            for key in &reads {
                let _ = read_value(&db, &root, key);
            }
            let _ = apply_changes(&mut db, &root, borrowed(&changes));
        }
    }
}
