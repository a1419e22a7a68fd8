//! [`StateDb`]: an append-only store of trie nodes holding every state ever produced.

use alloc::vec::Vec;

use hash_db::{HashDB, EMPTY_PREFIX};

use crate::db::{AppendOnly, Layered};
use crate::error::TrieError;
use crate::recorder::Recorder;
use crate::trie_ops::{apply_recorded, build_into, collect_pairs, read_recorded};
use crate::{Hash, KeyValue, MemoryDb};

/// An append-only node store: removals requested by trie-db are ignored, so every root ever
/// produced stays readable (collators keep recent and forked states; pruning comes later).
///
/// Each state is named by its root; reads and updates take the root to work on.
#[derive(Clone, Default)]
pub struct StateDb {
    db: MemoryDb,
}

impl core::fmt::Debug for StateDb {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("StateDb").field("nodes", &self.node_count()).finish()
    }
}

impl StateDb {
    /// An empty store; it knows only the empty trie.
    pub fn new() -> Self {
        Self::default()
    }

    /// Genesis: stores the trie of `entries` (built from empty, later entries for a key win,
    /// empty values mean "absent") and returns its root.
    pub fn insert_entries(
        &mut self,
        entries: impl IntoIterator<Item = (Vec<u8>, Vec<u8>)>,
    ) -> Hash {
        build_into(&mut AppendOnly::new(&mut self.db), entries)
    }

    /// Whether the state `root` is stored (the empty trie always is).
    pub fn contains_root(&self, root: &Hash) -> bool {
        HashDB::contains(&self.db, &root.0, EMPTY_PREFIX)
    }

    /// The value under `key` in state `root`.
    pub fn get(&self, root: &Hash, key: &[u8]) -> Result<Option<Vec<u8>>, TrieError> {
        read_recorded(&self.db, root, key, None)
    }

    /// [`StateDb::get`], recording the nodes read in `rec`.
    pub fn get_recorded(
        &self,
        root: &Hash,
        key: &[u8],
        rec: &mut Recorder,
    ) -> Result<Option<Vec<u8>>, TrieError> {
        read_recorded(&self.db, root, key, Some(rec))
    }

    /// Applies inserts (`Some`) and deletions (`None`) in order on state `root`, stores the new
    /// nodes and returns the new root. `root` stays readable. On error nothing is stored.
    pub fn apply<'a>(
        &mut self,
        root: &Hash,
        changes: impl IntoIterator<Item = (&'a [u8], Option<&'a [u8]>)>,
    ) -> Result<Hash, TrieError> {
        self.apply_inner(root, changes, None)
    }

    /// Like [`StateDb::apply`], but records every existing node the update had to fetch
    /// (siblings touched when branches split or collapse included) in `rec`.
    pub fn apply_recorded<'a>(
        &mut self,
        root: &Hash,
        changes: impl IntoIterator<Item = (&'a [u8], Option<&'a [u8]>)>,
        rec: &mut Recorder,
    ) -> Result<Hash, TrieError> {
        self.apply_inner(root, changes, Some(rec))
    }

    fn apply_inner<'a>(
        &mut self,
        root: &Hash,
        changes: impl IntoIterator<Item = (&'a [u8], Option<&'a [u8]>)>,
        rec: Option<&mut Recorder>,
    ) -> Result<Hash, TrieError> {
        self.check_root(root)?;
        apply_recorded(&mut AppendOnly::new(&mut self.db), root, changes, rec)
    }

    /// The root state `root` would have after `changes`, WITHOUT storing the new nodes (to
    /// answer "what would the root be" mid-block); records the fetched nodes in `rec` if given.
    pub fn root_after<'a>(
        &self,
        root: &Hash,
        changes: impl IntoIterator<Item = (&'a [u8], Option<&'a [u8]>)>,
        rec: Option<&mut Recorder>,
    ) -> Result<Hash, TrieError> {
        self.check_root(root)?;
        apply_recorded(&mut Layered::new(&self.db), root, changes, rec)
    }

    /// How many distinct nodes are stored (the empty node not counted).
    pub fn node_count(&self) -> usize {
        self.db.keys().len()
    }

    /// Every (key, value) pair of state `root`, in key order; for tests, debugging and export.
    pub fn pairs(&self, root: &Hash) -> Result<Vec<KeyValue>, TrieError> {
        collect_pairs(&self.db, root)
    }

    /// The underlying node database (read-only), e.g. for [`crate::read_value`].
    pub fn db(&self) -> &MemoryDb {
        &self.db
    }

    /// An update with no changes fetches nothing, so check the root is known up front: a full
    /// store answers for every state it holds.
    fn check_root(&self, root: &Hash) -> Result<(), TrieError> {
        if self.contains_root(root) {
            Ok(())
        } else {
            Err(TrieError::InvalidStateRoot { root: *root })
        }
    }
}
