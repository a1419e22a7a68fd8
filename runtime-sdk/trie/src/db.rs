//! Node stores that never forget: the adapters behind [`crate::apply_changes`] and
//! [`crate::StateDb`].
//!
//! trie-db asks its database to remove the nodes an update replaced. Atoll keeps them so every
//! root ever produced stays readable (forks, recent states; pruning comes later), so both
//! adapters ignore removals.

use alloc::vec::Vec;

use hash_db::{AsHashDB, HashDB, HashDBRef, Prefix};

use crate::hasher::Blake2Hasher;
use crate::node_codec::{EMPTY_NODE, EMPTY_ROOT};
use crate::MemoryDb;

/// Forwards to a database, ignores removals, and always knows the empty node (rule 2), so that
/// updating the empty trie works over any database.
pub(crate) struct AppendOnly<'a> {
    inner: &'a mut dyn HashDB<Blake2Hasher, Vec<u8>>,
}

impl<'a> AppendOnly<'a> {
    pub(crate) fn new(inner: &'a mut dyn HashDB<Blake2Hasher, Vec<u8>>) -> Self {
        AppendOnly { inner }
    }
}

impl HashDB<Blake2Hasher, Vec<u8>> for AppendOnly<'_> {
    fn get(&self, key: &[u8; 32], prefix: Prefix) -> Option<Vec<u8>> {
        if *key == EMPTY_ROOT {
            return Some(EMPTY_NODE.to_vec());
        }
        // Rule 6: no child is the empty node. A database answering it for another hash is
        // corrupt; report the node as missing rather than let trie-db meet an empty child.
        self.inner.get(key, prefix).filter(|node| node.as_slice() != EMPTY_NODE)
    }

    fn contains(&self, key: &[u8; 32], prefix: Prefix) -> bool {
        *key == EMPTY_ROOT || self.inner.contains(key, prefix)
    }

    fn insert(&mut self, prefix: Prefix, value: &[u8]) -> [u8; 32] {
        self.inner.insert(prefix, value)
    }

    fn emplace(&mut self, key: [u8; 32], prefix: Prefix, value: Vec<u8>) {
        self.inner.emplace(key, prefix, value)
    }

    fn remove(&mut self, _key: &[u8; 32], _prefix: Prefix) {
        // Append-only: the old state stays readable.
    }
}

impl HashDBRef<Blake2Hasher, Vec<u8>> for AppendOnly<'_> {
    fn get(&self, key: &[u8; 32], prefix: Prefix) -> Option<Vec<u8>> {
        HashDB::get(self, key, prefix)
    }

    fn contains(&self, key: &[u8; 32], prefix: Prefix) -> bool {
        HashDB::contains(self, key, prefix)
    }
}

impl AsHashDB<Blake2Hasher, Vec<u8>> for AppendOnly<'_> {
    fn as_hash_db(&self) -> &dyn HashDB<Blake2Hasher, Vec<u8>> {
        self
    }

    fn as_hash_db_mut<'b>(&'b mut self) -> &'b mut (dyn HashDB<Blake2Hasher, Vec<u8>> + 'b) {
        self
    }
}

/// New nodes in a scratch [`MemoryDb`] over a read-only base; removals ignored. Used to compute
/// a root without storing anything.
pub(crate) struct Layered<'a> {
    base: &'a MemoryDb,
    added: MemoryDb,
}

impl<'a> Layered<'a> {
    pub(crate) fn new(base: &'a MemoryDb) -> Self {
        Layered { base, added: MemoryDb::default() }
    }
}

impl HashDB<Blake2Hasher, Vec<u8>> for Layered<'_> {
    fn get(&self, key: &[u8; 32], prefix: Prefix) -> Option<Vec<u8>> {
        HashDB::get(&self.added, key, prefix).or_else(|| HashDB::get(self.base, key, prefix))
    }

    fn contains(&self, key: &[u8; 32], prefix: Prefix) -> bool {
        HashDB::contains(&self.added, key, prefix) || HashDB::contains(self.base, key, prefix)
    }

    fn insert(&mut self, prefix: Prefix, value: &[u8]) -> [u8; 32] {
        self.added.insert(prefix, value)
    }

    fn emplace(&mut self, key: [u8; 32], prefix: Prefix, value: Vec<u8>) {
        self.added.emplace(key, prefix, value)
    }

    fn remove(&mut self, _key: &[u8; 32], _prefix: Prefix) {
        // The base is read-only and the scratch layer is thrown away.
    }
}

impl HashDBRef<Blake2Hasher, Vec<u8>> for Layered<'_> {
    fn get(&self, key: &[u8; 32], prefix: Prefix) -> Option<Vec<u8>> {
        HashDB::get(self, key, prefix)
    }

    fn contains(&self, key: &[u8; 32], prefix: Prefix) -> bool {
        HashDB::contains(self, key, prefix)
    }
}

impl AsHashDB<Blake2Hasher, Vec<u8>> for Layered<'_> {
    fn as_hash_db(&self) -> &dyn HashDB<Blake2Hasher, Vec<u8>> {
        self
    }

    fn as_hash_db_mut<'b>(&'b mut self) -> &'b mut (dyn HashDB<Blake2Hasher, Vec<u8>> + 'b) {
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hash_db::EMPTY_PREFIX;

    #[test]
    fn removals_are_ignored() {
        let mut db = MemoryDb::default();
        let hash = {
            let mut append_only = AppendOnly::new(&mut db);
            let hash = append_only.insert(EMPTY_PREFIX, b"node bytes, long enough");
            append_only.remove(&hash, EMPTY_PREFIX);
            assert!(HashDB::contains(&append_only, &hash, EMPTY_PREFIX));
            assert_eq!(HashDB::get(&append_only, &EMPTY_ROOT, EMPTY_PREFIX), Some(vec![0]));
            hash
        };
        let mut layered = Layered::new(&db);
        let new = layered.insert(EMPTY_PREFIX, b"another node");
        layered.remove(&hash, EMPTY_PREFIX);
        assert!(HashDB::contains(&layered, &hash, EMPTY_PREFIX));
        assert!(HashDB::contains(&layered, &new, EMPTY_PREFIX));
        drop(layered);
        assert!(!HashDB::contains(&db, &new, EMPTY_PREFIX));
    }
}
