//! The runtime's storage while a collator builds a block: an overlay of writes over the para's
//! state, recording every trie node read or touched (the PoV's storage proof).

use std::sync::{Arc, Mutex, MutexGuard};

use atoll_pvf::StorageHost;
use atoll_trie::{Hash, Overlay, Recorder, StateDb, StorageProof};

/// The para's node store, shared between the [`crate::ParaNode`] and a block being built (so
/// that no failure while building can lose it).
pub type SharedStateDb = Arc<Mutex<StateDb>>;

/// Implements the storage host functions during block building.
pub struct BuildingState {
    db: SharedStateDb,
    root: Hash,
    overlay: Overlay,
    recorder: Recorder,
}

fn lock(db: &SharedStateDb) -> Result<MutexGuard<'_, StateDb>, String> {
    // A poisoned lock means a thread panicked while holding the store; the store itself is
    // append-only, so every root written before stays valid, but we refuse to guess.
    db.lock().map_err(|_| "state store lock poisoned by an earlier panic".to_string())
}

impl BuildingState {
    /// Building on the state at `root` of `db`.
    pub fn new(db: SharedStateDb, root: Hash) -> Self {
        BuildingState { db, root, overlay: Overlay::new(), recorder: Recorder::new() }
    }

    /// Commits the writes into the shared store. Returns the new root and the storage proof.
    pub fn finish(self) -> Result<(Hash, StorageProof), String> {
        let mut db = lock(&self.db)?;
        let new_root = db.apply(&self.root, self.overlay.changes()).map_err(|e| e.to_string())?;
        Ok((new_root, self.recorder.into_proof()))
    }
}

impl StorageHost for BuildingState {
    fn get(&mut self, key: &[u8]) -> Result<Option<Vec<u8>>, String> {
        if let Some(v) = self.overlay.get(key) {
            return Ok(v.map(<[u8]>::to_vec));
        }
        let db = lock(&self.db)?;
        db.get_recorded(&self.root, key, &mut self.recorder).map_err(|e| e.to_string())
    }

    fn append(&mut self, key: &[u8], item: &[u8]) -> Result<(), String> {
        // In place when the overlay already holds the value (every append after a block's
        // first): the list is never copied.
        if let Some(slot) = self.overlay.get_mut(key) {
            atoll_pvf::append_to_scale_vec(slot.get_or_insert_with(Vec::new), item);
            return Ok(());
        }
        let mut value = self.get(key)?.unwrap_or_default();
        atoll_pvf::append_to_scale_vec(&mut value, item);
        self.set(key, &value)
    }

    fn set(&mut self, key: &[u8], value: &[u8]) -> Result<(), String> {
        self.overlay.set(key.to_vec(), value.to_vec());
        Ok(())
    }

    fn clear(&mut self, key: &[u8]) -> Result<(), String> {
        self.overlay.clear(key.to_vec());
        Ok(())
    }

    fn root(&mut self) -> Result<[u8; 32], String> {
        let db = lock(&self.db)?;
        db.root_after(&self.root, self.overlay.changes(), Some(&mut self.recorder))
            .map(|h| h.0)
            .map_err(|e| e.to_string())
    }
}
