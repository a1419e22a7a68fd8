//! The trie operations over any database: [`read_value`], [`apply_changes`], [`build`], and the
//! recording variants [`crate::StateDb`] builds on.

use alloc::collections::BTreeMap;
use alloc::vec::Vec;

use hash_db::{HashDB, HashDBRef};
use trie_db::{Trie, TrieDBBuilder, TrieDBMutBuilder, TrieMut, TrieRecorder};

use crate::db::AppendOnly;
use crate::error::TrieError;
use crate::hasher::Blake2Hasher;
use crate::layout::Layout;
use crate::node_codec::EMPTY_ROOT;
use crate::recorder::Recorder;
use crate::{Hash, KeyValue, MemoryDb};

/// The root of the empty trie: blake2b-256 of the empty node (rules 2 and 8).
pub fn empty_root() -> Hash {
    Hash(EMPTY_ROOT)
}

/// The value stored under `key` in the trie at `root`, or `None`.
///
/// `db` may be a full state or a [`crate::StorageProof`] turned into a database; a node it lacks
/// is reported as [`TrieError::IncompleteDatabase`] (or [`TrieError::InvalidStateRoot`] for the
/// root itself).
pub fn read_value(
    db: &dyn HashDBRef<Blake2Hasher, Vec<u8>>,
    root: &Hash,
    key: &[u8],
) -> Result<Option<Vec<u8>>, TrieError> {
    read_recorded(db, root, key, None)
}

/// [`read_value`], recording the fetched nodes in `recorder`.
pub(crate) fn read_recorded(
    db: &dyn HashDBRef<Blake2Hasher, Vec<u8>>,
    root: &Hash,
    key: &[u8],
    recorder: Option<&mut Recorder>,
) -> Result<Option<Vec<u8>>, TrieError> {
    if root.0 == EMPTY_ROOT {
        // Rule 2: nothing to fetch, so nothing to prove.
        return Ok(None);
    }
    let trie = TrieDBBuilder::<Layout>::new(db, &root.0)
        .with_optional_recorder(recorder.map(|r| r as &mut dyn TrieRecorder<[u8; 32]>))
        .build();
    trie.get(key).map_err(|e| TrieError::from_trie_db(*e, root))
}

/// Applies inserts (`Some`) and deletions (`None`) in the given order on top of `root` and
/// returns the new root; the new nodes go into `db`.
///
/// Inserting an empty value deletes the key (rule 4). Nodes of the old state are left in `db`
/// (removals are not passed on), so `root` stays readable. On error `db` is left untouched.
pub fn apply_changes<'a, I: IntoIterator<Item = (&'a [u8], Option<&'a [u8]>)>>(
    db: &mut dyn HashDB<Blake2Hasher, Vec<u8>>,
    root: &Hash,
    changes: I,
) -> Result<Hash, TrieError> {
    apply_recorded(&mut AppendOnly::new(db), root, changes, None)
}

/// [`apply_changes`] without the append-only adapter, recording the fetched nodes in `recorder`.
///
/// `db` sees trie-db's removals: callers pass an adapter that ignores them.
pub(crate) fn apply_recorded<'a>(
    db: &mut dyn HashDB<Blake2Hasher, Vec<u8>>,
    root: &Hash,
    changes: impl IntoIterator<Item = (&'a [u8], Option<&'a [u8]>)>,
    recorder: Option<&mut Recorder>,
) -> Result<Hash, TrieError> {
    let mut new_root = root.0;
    {
        // Nothing reaches `db` before `commit`, so an error part-way leaves it untouched.
        let mut trie = TrieDBMutBuilder::<Layout>::from_existing(db, &mut new_root)
            .with_optional_recorder(recorder.map(|r| r as &mut dyn TrieRecorder<[u8; 32]>))
            .disable_commit_on_drop()
            .build();
        for (key, value) in changes {
            let result = match value {
                Some(value) if !value.is_empty() => trie.insert(key, value).map(drop),
                // Rule 4: an empty value is a deletion.
                _ => remove_if_present(&mut trie, key),
            };
            result.map_err(|e| TrieError::from_trie_db(*e, root))?;
        }
        trie.commit();
    }
    Ok(Hash(new_root))
}

/// Removes `key` if the trie holds it.
///
/// trie-db 0.32's `remove` mishandles an absent key that ends exactly where a branch with a
/// partial key and a value begins (a strict prefix of present keys): it takes that branch's
/// value for the key's, then trips an assertion (paritytech/trie#217, unfixed in 0.32.0).
/// Removing an absent key changes nothing, so look first and only remove what is there; the
/// lookup fetches the same path `remove` would, so recording and replay see the same nodes.
fn remove_if_present(
    trie: &mut trie_db::TrieDBMut<'_, Layout>,
    key: &[u8],
) -> Result<(), crate::error::TrieDbError> {
    if trie.get(key)?.is_some() {
        trie.remove(key)?;
    }
    Ok(())
}

/// A fresh database holding exactly the trie of `entries`, and its root.
///
/// Later entries for the same key win; an empty value means "absent" (rule 4).
pub fn build(entries: impl IntoIterator<Item = (Vec<u8>, Vec<u8>)>) -> (MemoryDb, Hash) {
    let mut db = MemoryDb::default();
    let root = build_into(&mut db, entries);
    (db, root)
}

/// Inserts the trie of `entries` into `db` and returns its root, in one sorted pass.
pub(crate) fn build_into<DB: HashDB<Blake2Hasher, Vec<u8>>>(
    db: &mut DB,
    entries: impl IntoIterator<Item = (Vec<u8>, Vec<u8>)>,
) -> Hash {
    // Sorted, distinct keys (the last write wins), no empty values: what `trie_visit` expects.
    let mut sorted = BTreeMap::new();
    for (key, value) in entries {
        sorted.insert(key, value);
    }
    sorted.retain(|_, value| !value.is_empty());

    let mut builder = trie_db::TrieBuilder::<Layout, DB>::new(db);
    trie_db::trie_visit::<Layout, _, _, _, _>(sorted, &mut builder);
    Hash(builder.root.unwrap_or(EMPTY_ROOT))
}

/// Every (key, value) pair of the trie at `root`, in key order.
pub(crate) fn collect_pairs(
    db: &dyn HashDBRef<Blake2Hasher, Vec<u8>>,
    root: &Hash,
) -> Result<Vec<KeyValue>, TrieError> {
    if root.0 == EMPTY_ROOT {
        return Ok(Vec::new());
    }
    let trie = TrieDBBuilder::<Layout>::new(db, &root.0).build();
    let iter = trie.iter().map_err(|e| TrieError::from_trie_db(*e, root))?;
    iter.map(|item| item.map_err(|e| TrieError::from_trie_db(*e, root))).collect()
}
