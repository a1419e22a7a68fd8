//! Random states and change sets for the property tests, from deterministic seeds.

#![allow(dead_code)]

use std::collections::BTreeMap;

use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// A deterministic generator for `seed`.
pub fn rng(seed: u64) -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(seed)
}

/// A key: often from a tiny alphabet (so keys share prefixes and are prefixes of each other),
/// sometimes an extension or a truncation of an existing key, sometimes long (over 63 nibbles).
pub fn random_key(rng: &mut ChaCha8Rng, existing: &[Vec<u8>]) -> Vec<u8> {
    match rng.gen_range(0..10) {
        0..=3 => {
            let len = rng.gen_range(0..6);
            (0..len).map(|_| *[0x00u8, 0x01, 0x10, 0x11, 0xab, 0xff].choose(rng).unwrap()).collect()
        }
        4 | 5 if !existing.is_empty() => {
            let mut key = existing.choose(rng).unwrap().clone();
            let extra = rng.gen_range(1..4);
            key.extend((0..extra).map(|_| rng.gen::<u8>() & 0x11));
            key
        }
        6 if !existing.is_empty() => {
            let key = existing.choose(rng).unwrap();
            key[..rng.gen_range(0..=key.len())].to_vec()
        }
        7 => {
            let len = rng.gen_range(30..80);
            let mut key = b"long/shared/prefix/".to_vec();
            key.extend((0..len).map(|_| rng.gen::<u8>()));
            key
        }
        _ => {
            let len = rng.gen_range(1..12);
            (0..len).map(|_| rng.gen()).collect()
        }
    }
}

/// A value: sometimes empty (a deletion, rule 4), often short (nodes small enough to inline),
/// often longer than a hash.
pub fn random_value(rng: &mut ChaCha8Rng) -> Vec<u8> {
    let len = match rng.gen_range(0..10) {
        0 => 0,
        1..=4 => rng.gen_range(1..8),
        5..=7 => rng.gen_range(8..40),
        _ => rng.gen_range(40..200),
    };
    (0..len).map(|_| rng.gen()).collect()
}

/// `count` random entries (duplicate keys and empty values included).
pub fn random_entries(rng: &mut ChaCha8Rng, count: usize) -> Vec<(Vec<u8>, Vec<u8>)> {
    let mut keys: Vec<Vec<u8>> = Vec::new();
    let mut entries = Vec::new();
    for _ in 0..count {
        let key = random_key(rng, &keys);
        keys.push(key.clone());
        entries.push((key, random_value(rng)));
    }
    entries
}

/// What the trie of `entries` holds: later writes win, empty values are absent.
pub fn model_of(entries: &[(Vec<u8>, Vec<u8>)]) -> BTreeMap<Vec<u8>, Vec<u8>> {
    let mut model = BTreeMap::new();
    for (key, value) in entries {
        if value.is_empty() {
            model.remove(key);
        } else {
            model.insert(key.clone(), value.clone());
        }
    }
    model
}

/// Keys to read: present ones, absent ones, prefixes and extensions of present ones.
pub fn random_reads(
    rng: &mut ChaCha8Rng,
    model: &BTreeMap<Vec<u8>, Vec<u8>>,
    count: usize,
) -> Vec<Vec<u8>> {
    let present: Vec<Vec<u8>> = model.keys().cloned().collect();
    (0..count)
        .map(|_| {
            if !present.is_empty() && rng.gen_bool(0.5) {
                present.choose(rng).unwrap().clone()
            } else {
                random_key(rng, &present)
            }
        })
        .collect()
}

/// Changes: updates and deletions of present keys (collapsing branches), inserts of new keys
/// (splitting leaves), deletions of absent keys, empty-value inserts, repeated keys.
pub fn random_changes(
    rng: &mut ChaCha8Rng,
    model: &BTreeMap<Vec<u8>, Vec<u8>>,
    count: usize,
) -> Vec<(Vec<u8>, Option<Vec<u8>>)> {
    let mut known: Vec<Vec<u8>> = model.keys().cloned().collect();
    let mut changes = Vec::new();
    for _ in 0..count {
        let key = if !known.is_empty() && rng.gen_bool(0.6) {
            known.choose(rng).unwrap().clone()
        } else {
            random_key(rng, &known)
        };
        known.push(key.clone());
        let value = if rng.gen_bool(0.4) { None } else { Some(random_value(rng)) };
        changes.push((key, value));
    }
    changes
}

/// `model` after `changes`.
pub fn apply_to_model(
    model: &BTreeMap<Vec<u8>, Vec<u8>>,
    changes: &[(Vec<u8>, Option<Vec<u8>>)],
) -> BTreeMap<Vec<u8>, Vec<u8>> {
    let mut model = model.clone();
    for (key, value) in changes {
        match value {
            Some(value) if !value.is_empty() => {
                model.insert(key.clone(), value.clone());
            }
            _ => {
                model.remove(key);
            }
        }
    }
    model
}

/// Borrowed form of `changes`, as the API takes them.
pub fn borrowed(changes: &[(Vec<u8>, Option<Vec<u8>>)]) -> Vec<(&[u8], Option<&[u8]>)> {
    changes.iter().map(|(k, v)| (k.as_slice(), v.as_deref())).collect()
}
