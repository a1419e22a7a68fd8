//! The collator's store and the ways of building a state agree with each other and keep every
//! state readable.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use atoll_trie::{
    apply_changes, build, empty_root, read_value, Hash, MemoryDb, Overlay, Recorder, StateDb,
    TrieError,
};
use rand::Rng;

use common::*;

#[test]
fn empty_trie_root_is_stable() {
    let expected = Hash(atoll_primitives::blake2_256(&[0x00]));
    assert_eq!(empty_root(), expected);
    assert_eq!(
        empty_root().to_string(),
        "0x03170a2e7597b7b7e3d84c05391d139a62b157e78786d8c082f29dcf4c111314"
    );
    assert_eq!(build(Vec::new()).1, expected);
    assert_eq!(StateDb::new().insert_entries(Vec::new()), expected);
    // Entries that are all empty values are no entries.
    assert_eq!(build(vec![(b"k".to_vec(), Vec::new())]).1, expected);
    let mut db = MemoryDb::default();
    assert_eq!(apply_changes(&mut db, &expected, Vec::new()).unwrap(), expected);
    let root = apply_changes(&mut db, &expected, vec![(&b"k"[..], Some(&b"v"[..]))]).unwrap();
    assert_eq!(apply_changes(&mut db, &root, vec![(&b"k"[..], None)]).unwrap(), expected);
    assert_eq!(read_value(&MemoryDb::default(), &expected, b"anything").unwrap(), None);
    assert_eq!(StateDb::new().pairs(&expected).unwrap(), Vec::new());
}

#[test]
fn build_insert_entries_and_one_by_one_agree() {
    for seed in 0..50u64 {
        let mut rng = rng(2000 + seed);
        let count = rng.gen_range(0..300);
        let entries = random_entries(&mut rng, count);
        let model = model_of(&entries);

        let (built_db, built) = build(entries.clone());
        let mut state = StateDb::new();
        assert_eq!(state.insert_entries(entries.clone()), built, "seed {seed}");

        // One by one, in the given order, through both update paths.
        let mut one_by_one = empty_root();
        let mut db = MemoryDb::default();
        let mut plain = empty_root();
        for (key, value) in &entries {
            one_by_one = state.apply(&one_by_one, vec![(&key[..], Some(&value[..]))]).unwrap();
            plain = apply_changes(&mut db, &plain, vec![(&key[..], Some(&value[..]))]).unwrap();
        }
        assert_eq!(one_by_one, built, "seed {seed}");
        assert_eq!(plain, built, "seed {seed}");

        // All in one update, too.
        let changes: Vec<(&[u8], Option<&[u8]>)> =
            entries.iter().map(|(k, v)| (&k[..], Some(&v[..]))).collect();
        assert_eq!(state.root_after(&empty_root(), changes, None).unwrap(), built);

        let pairs: Vec<_> = model.clone().into_iter().collect();
        assert_eq!(state.pairs(&built).unwrap(), pairs);
        for (key, value) in &model {
            assert_eq!(read_value(&built_db, &built, key).unwrap().as_ref(), Some(value));
        }
    }
}

#[test]
fn old_roots_stay_readable_after_apply() {
    let mut rng = rng(3000);
    let entries = random_entries(&mut rng, 150);
    let mut state = StateDb::new();
    let genesis = state.insert_entries(entries.clone());
    let mut roots = vec![(genesis, model_of(&entries))];
    // A chain of updates, and a fork off genesis.
    for step in 0..10 {
        let (parent, parent_model) =
            if step == 5 { roots[0].clone() } else { roots.last().unwrap().clone() };
        let changes = random_changes(&mut rng, &parent_model, 40);
        let root = state.apply(&parent, borrowed(&changes)).unwrap();
        roots.push((root, apply_to_model(&parent_model, &changes)));
    }
    for (root, model) in &roots {
        assert_eq!(state.pairs(root).unwrap(), model.clone().into_iter().collect::<Vec<_>>());
        for (key, value) in model {
            assert_eq!(state.get(root, key).unwrap().as_ref(), Some(value));
        }
    }
}

#[test]
fn root_after_stores_nothing() {
    let mut state = StateDb::new();
    let root =
        state.insert_entries(vec![(b"a".to_vec(), vec![1; 40]), (b"b".to_vec(), vec![2; 40])]);
    let before = state.node_count();
    let changes = vec![(&b"c"[..], Some(&[3u8; 40][..])), (&b"a"[..], None)];
    let mut recorder = Recorder::new();
    let would_be = state.root_after(&root, changes.clone(), Some(&mut recorder)).unwrap();
    assert_eq!(state.node_count(), before);
    assert!(!state.contains_root(&would_be));
    assert!(recorder.node_count() > 0);
    assert_eq!(state.apply(&root, changes).unwrap(), would_be);
    assert!(state.node_count() > before);
    assert!(state.contains_root(&would_be) && state.contains_root(&root));
}

#[test]
fn unknown_roots_are_reported() {
    let mut state = StateDb::new();
    let unknown = Hash([0xaa; 32]);
    let invalid = Err(TrieError::InvalidStateRoot { root: unknown });
    assert_eq!(state.get(&unknown, b"k"), invalid.clone().map(|_: Hash| None));
    assert_eq!(state.apply(&unknown, vec![(&b"k"[..], Some(&b"v"[..]))]), invalid);
    assert_eq!(state.apply(&unknown, Vec::new()), invalid);
    assert_eq!(state.root_after(&unknown, Vec::new(), None), invalid);
    assert_eq!(state.pairs(&unknown), invalid.clone().map(|_: Hash| Vec::new()));
    assert_eq!(
        read_value(&MemoryDb::default(), &unknown, b"k"),
        invalid.clone().map(|_: Hash| None)
    );
    assert_eq!(apply_changes(&mut MemoryDb::default(), &unknown, vec![(&b"k"[..], None)]), invalid);
}

/// trie-db 0.32 panics removing an absent key that is a strict prefix of present keys ending
/// where a branch with a value begins (paritytech/trie#217); the crate steps around it.
#[test]
fn removing_an_absent_strict_prefix_changes_nothing() {
    let mut state = StateDb::new();
    let root = state.insert_entries(vec![
        (vec![0x12, 0x34], vec![1; 40]),
        (vec![0x12, 0x34, 0x56], vec![2; 40]),
        (vec![0x13], vec![3; 40]),
    ]);
    for absent in [&[0x12u8][..], &[], &[0x12, 0x34, 0x50], &[0x12, 0x34, 0x56, 0x78]] {
        assert_eq!(state.apply(&root, vec![(absent, None)]).unwrap(), root, "{absent:?}");
        assert_eq!(state.apply(&root, vec![(absent, Some(&[][..]))]).unwrap(), root);
    }
}

#[test]
fn overlay_changes_apply_like_the_model() {
    let mut rng = rng(4000);
    let entries = random_entries(&mut rng, 100);
    let model = model_of(&entries);
    let mut state = StateDb::new();
    let root = state.insert_entries(entries);
    let mut overlay = Overlay::new();
    let mut expected = model.clone();
    for (key, value) in random_changes(&mut rng, &model, 60) {
        match value {
            Some(value) => {
                if value.is_empty() {
                    expected.remove(&key);
                } else {
                    expected.insert(key.clone(), value.clone());
                }
                overlay.set(key, value);
            }
            None => {
                expected.remove(&key);
                overlay.clear(key);
            }
        }
    }
    for (key, value) in &expected {
        if let Some(written) = overlay.get(key) {
            assert_eq!(written, Some(&value[..]));
        }
    }
    let new_root = state.apply(&root, overlay.changes()).unwrap();
    assert_eq!(state.pairs(&new_root).unwrap(), expected.into_iter().collect::<Vec<_>>());
}

#[test]
fn a_failed_update_stores_nothing() {
    let entries: Vec<_> = (0..50u8).map(|i| (vec![i, i], vec![i; 40])).collect();
    let (_, root) = build(entries);
    let mut state = StateDb::new();
    state.insert_entries((0..50u8).map(|i| (vec![i, i], vec![i; 40])));
    // A proof of reading one key only.
    let mut recorder = Recorder::new();
    state.get_recorded(&root, &[3, 3], &mut recorder).unwrap();
    let mut db = recorder.into_proof().into_memory_db();
    let before = db.keys();
    // The first change works within the proof, the second needs a node it lacks.
    let err = apply_changes(
        &mut db,
        &root,
        vec![(&[3u8, 3][..], Some(&b"new"[..])), (&[40u8, 40][..], Some(&b"new"[..]))],
    )
    .unwrap_err();
    assert!(matches!(err, TrieError::IncompleteDatabase { .. }), "{err:?}");
    assert_eq!(db.keys(), before);
}
