//! The property that matters most: a proof recorded while reading keys K and applying changes C
//! at root R lets a validator, holding only the proof, read K identically and compute the same
//! new root — and a proof missing any node fails cleanly instead of answering differently.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use atoll_primitives::blake2_256;
use atoll_trie::{
    apply_changes, build, read_value, Hash, Recorder, StateDb, StorageProof, TrieError,
};
use parity_scale_codec::{Decode, Encode};
use rand::Rng;

use common::*;

/// A change set, borrowed.
type Changes<'a> = Vec<(&'a [u8], Option<&'a [u8]>)>;

/// One recorded computation and what it produced natively.
struct Recorded {
    root: Hash,
    reads: Vec<Vec<u8>>,
    expected_reads: Vec<Option<Vec<u8>>>,
    changes: Vec<(Vec<u8>, Option<Vec<u8>>)>,
    new_root: Hash,
    proof: StorageProof,
}

/// Builds a random state for `seed`, reads and updates it with recording, and checks the native
/// results against a plain model.
fn record_case(seed: u64, max_entries: usize, max_ops: usize) -> Recorded {
    let mut rng = rng(seed);
    let entry_count = rng.gen_range(1..=max_entries);
    let entries = random_entries(&mut rng, entry_count);
    let model = model_of(&entries);
    let mut state = StateDb::new();
    let root = state.insert_entries(entries);

    let read_count = rng.gen_range(1..=max_ops);
    let reads = random_reads(&mut rng, &model, read_count);
    let change_count = rng.gen_range(1..=max_ops);
    let changes = random_changes(&mut rng, &model, change_count);

    let mut recorder = Recorder::new();
    let expected_reads: Vec<Option<Vec<u8>>> =
        reads.iter().map(|key| state.get_recorded(&root, key, &mut recorder).unwrap()).collect();
    for (key, got) in reads.iter().zip(&expected_reads) {
        assert_eq!(got.as_ref(), model.get(key), "seed {seed}: native read of {key:?}");
    }

    // Alternate the two recording update paths: storing, and "what would the root be".
    let new_root = if seed.is_multiple_of(2) {
        state.apply_recorded(&root, borrowed(&changes), &mut recorder).unwrap()
    } else {
        state.root_after(&root, borrowed(&changes), Some(&mut recorder)).unwrap()
    };
    let new_model = apply_to_model(&model, &changes);
    let (_, model_root) = build(new_model.clone());
    assert_eq!(new_root, model_root, "seed {seed}: new root differs from the model's");
    if seed.is_multiple_of(2) {
        assert_eq!(state.pairs(&new_root).unwrap(), new_model.into_iter().collect::<Vec<_>>());
    }

    Recorded { root, reads, expected_reads, changes, new_root, proof: recorder.into_proof() }
}

#[test]
fn proof_replays_reads_and_updates_over_random_states() {
    for seed in 0..200u64 {
        let case = record_case(seed, 300, 60);

        // The proof travels SCALE-encoded in the PoV.
        let encoded = case.proof.encode();
        assert_eq!(encoded.len(), case.proof.encoded_size());
        let proof = StorageProof::decode(&mut &encoded[..]).unwrap();
        assert_eq!(proof, case.proof);

        let mut db = proof.into_memory_db();
        for (key, expected) in case.reads.iter().zip(&case.expected_reads) {
            assert_eq!(
                &read_value(&db, &case.root, key).unwrap(),
                expected,
                "seed {seed}: read of {key:?} over the proof"
            );
        }
        let new_root = apply_changes(&mut db, &case.root, borrowed(&case.changes)).unwrap();
        assert_eq!(new_root, case.new_root, "seed {seed}: root over the proof");
    }
}

#[test]
fn proof_missing_any_node_fails_cleanly() {
    for seed in 1000..1040u64 {
        let case = record_case(seed, 60, 8);
        for index in 0..case.proof.len() {
            let mut tampered = case.proof.clone();
            let removed = tampered.remove_node(index).unwrap();
            let missing = Hash(blake2_256(&removed));
            let expected_error = |err: &TrieError| match err {
                TrieError::IncompleteDatabase { missing: m } => *m == missing,
                TrieError::InvalidStateRoot { root } => *root == case.root && missing == case.root,
                _ => false,
            };
            let mut db = tampered.into_memory_db();
            let mut noticed = false;
            for (key, expected) in case.reads.iter().zip(&case.expected_reads) {
                match read_value(&db, &case.root, key) {
                    Ok(value) => assert_eq!(&value, expected, "seed {seed}: wrong read"),
                    Err(err) => {
                        assert!(expected_error(&err), "seed {seed}: unexpected {err:?}");
                        noticed = true;
                    }
                }
            }
            match apply_changes(&mut db, &case.root, borrowed(&case.changes)) {
                Ok(root) => assert_eq!(root, case.new_root, "seed {seed}: wrong root"),
                Err(err) => {
                    assert!(expected_error(&err), "seed {seed}: unexpected {err:?}");
                    noticed = true;
                }
            }
            assert!(noticed, "seed {seed}: node {index} of the proof was not needed");
        }
    }
}

/// Hand-made: a deletion that collapses a branch into its (large, hashed) sibling leaf, an
/// insert that splits a leaf, and keys that are prefixes of each other.
#[test]
fn collapse_split_and_prefix_keys_are_proven() {
    let big = |b: u8| vec![b; 64];
    let mut state = StateDb::new();
    let root = state.insert_entries(vec![
        (b"ab".to_vec(), big(1)),
        (b"abc".to_vec(), big(2)),
        (b"abd".to_vec(), big(3)),
        (b"zz".to_vec(), big(4)),
        (b"zzzz".to_vec(), big(5)),
    ]);
    let cases: Vec<Changes> = vec![
        // "abc" gone: the branch under "ab" keeps value + one child.
        vec![(b"abc", None)],
        // Both children gone: the branch becomes a leaf.
        vec![(b"abc", None), (b"abd", None)],
        // Branch value gone: the branch merges with its only child "zzzz".
        vec![(b"zz", None)],
        // Split the leaf "zzzz" and add a prefix of everything.
        vec![(b"zzzy", Some(&[9; 50])), (b"", Some(b"root value")), (b"a", Some(b"x"))],
        // Delete absent keys, and a key that ends inside a partial key.
        vec![(b"abe", None), (b"zzz", None), (b"q", None)],
        // Delete everything.
        vec![(b"ab", None), (b"abc", None), (b"abd", None), (b"zz", None), (b"zzzz", None)],
    ];
    for changes in cases {
        let mut recorder = Recorder::new();
        let new_root = state.apply_recorded(&root, changes.clone(), &mut recorder).unwrap();
        let mut db = recorder.into_proof().into_memory_db();
        assert_eq!(apply_changes(&mut db, &root, changes.clone()).unwrap(), new_root);
        let expected = state.pairs(&new_root).unwrap();
        let (_, rebuilt) = build(expected);
        assert_eq!(rebuilt, new_root, "{changes:?}");
    }
    assert_eq!(
        state
            .apply(
                &root,
                vec![
                    (&b"ab"[..], None),
                    (b"abc", None),
                    (b"abd", None),
                    (b"zz", None),
                    (b"zzzz", None)
                ]
            )
            .unwrap(),
        atoll_trie::empty_root()
    );
}
