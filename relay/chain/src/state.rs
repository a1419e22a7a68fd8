//! Access to the relay state (rule 1): an [`Externalities`] over a [`StateDb`] root plus an
//! [`Overlay`] of pending writes, and typed reads that report corruption instead of panicking.
//!
//! Storage items are the runtime SDK's [`StorageValue`] and [`StorageMap`] (so a parachain can
//! compute the very same keys to prove relay state against a relay state root). Writes go through
//! them unchanged; reads go through [`value`], [`map_get`] and friends here, which return a
//! [`ChainError`] for a value that does not decode, where the SDK (inside a runtime) would stop
//! the block with a panic.
//!
//! `Externalities::get` cannot fail, so a trie error (unknown root, missing node) is kept in
//! [`RelayExt`] as a sticky error and the read answers `None`. Every driver checks
//! [`RelayExt::check`] after each step and discards all results when it is set, so a decision
//! taken on such a `None` never reaches a stored state.

use atoll_primitives::Hash;
use atoll_runtime_sdk::{Externalities, StorageMap, StorageValue};
use atoll_trie::{Overlay, StateDb, TrieError};
use parity_scale_codec::{Decode, Encode};

use crate::error::ChainError;

/// The relay state at one root with pending writes.
pub(crate) struct RelayExt<'db> {
    db: &'db StateDb,
    root: Hash,
    overlay: Overlay,
    error: Option<TrieError>,
}

impl<'db> RelayExt<'db> {
    /// The state `root` of `db`, with no pending writes.
    pub(crate) fn new(db: &'db StateDb, root: Hash) -> Self {
        RelayExt { db, root, overlay: Overlay::new(), error: None }
    }

    /// The first trie error met so far, if any.
    pub(crate) fn check(&self) -> Result<(), ChainError> {
        match &self.error {
            Some(e) => Err(ChainError::Trie(e.clone())),
            None => Ok(()),
        }
    }

    /// The pending writes, after checking that no read failed.
    pub(crate) fn into_overlay(self) -> Result<Overlay, ChainError> {
        self.check()?;
        Ok(self.overlay)
    }

    fn record(&mut self, e: TrieError) {
        if self.error.is_none() {
            self.error = Some(e);
        }
    }
}

impl Externalities for RelayExt<'_> {
    fn get(&mut self, key: &[u8]) -> Option<Vec<u8>> {
        if let Some(v) = self.overlay.get(key) {
            return v.map(<[u8]>::to_vec);
        }
        match self.db.get(&self.root, key) {
            Ok(v) => v,
            Err(e) => {
                self.record(e);
                None
            }
        }
    }

    fn set(&mut self, key: &[u8], value: &[u8]) {
        self.overlay.set(key.to_vec(), value.to_vec());
    }

    fn clear(&mut self, key: &[u8]) {
        self.overlay.clear(key.to_vec());
    }

    fn root(&mut self) -> Hash {
        match self.db.root_after(&self.root, self.overlay.changes(), None) {
            Ok(root) => root,
            Err(e) => {
                self.record(e);
                self.root
            }
        }
    }
}

/// A storage key in readable form for messages: the text if it is printable ASCII, else hex.
pub(crate) fn readable_key(key: &[u8]) -> String {
    // Map keys are `prefix ++ hash ++ key`: show the ASCII prefix and the rest in hex.
    let text_len = key.iter().take_while(|b| b.is_ascii_graphic()).count();
    let (text, rest) = key.split_at(text_len);
    let text = String::from_utf8_lossy(text);
    if rest.is_empty() {
        text.into_owned()
    } else {
        format!("{text}0x{}", hex::encode(rest))
    }
}

fn decode_at<T: Decode>(key: &[u8], bytes: &[u8]) -> Result<T, ChainError> {
    let mut input = bytes;
    let corrupt = || ChainError::CorruptState {
        key: readable_key(key),
        type_name: std::any::type_name::<T>(),
    };
    let value = T::decode(&mut input).map_err(|_| corrupt())?;
    if input.is_empty() {
        Ok(value)
    } else {
        Err(corrupt())
    }
}

/// The value of `item`, if set.
pub(crate) fn value<T: Encode + Decode>(
    ext: &mut dyn Externalities,
    item: &StorageValue<T>,
) -> Result<Option<T>, ChainError> {
    ext.get(item.key()).map(|bytes| decode_at(item.key(), &bytes)).transpose()
}

/// The value of `item`, which every relay state has.
pub(crate) fn required<T: Encode + Decode>(
    ext: &mut dyn Externalities,
    item: &StorageValue<T>,
) -> Result<T, ChainError> {
    value(ext, item)?.ok_or_else(|| ChainError::MissingState { key: readable_key(item.key()) })
}

/// The value of `item`, or the type's default when unset.
pub(crate) fn value_or_default<T: Encode + Decode + Default>(
    ext: &mut dyn Externalities,
    item: &StorageValue<T>,
) -> Result<T, ChainError> {
    Ok(value(ext, item)?.unwrap_or_default())
}

/// The entry of `key` in `map`, if any.
pub(crate) fn map_get<K: Encode, V: Encode + Decode>(
    ext: &mut dyn Externalities,
    map: &StorageMap<K, V>,
    key: &K,
) -> Result<Option<V>, ChainError> {
    let storage_key = map.storage_key(key);
    ext.get(&storage_key).map(|bytes| decode_at(&storage_key, &bytes)).transpose()
}

/// The entry of `key` in `map`, or the value type's default.
pub(crate) fn map_get_or_default<K: Encode, V: Encode + Decode + Default>(
    ext: &mut dyn Externalities,
    map: &StorageMap<K, V>,
    key: &K,
) -> Result<V, ChainError> {
    Ok(map_get(ext, map, key)?.unwrap_or_default())
}

/// Runs a read-only `query` against state `root` of `db`.
pub(crate) fn read<T>(
    db: &StateDb,
    root: &Hash,
    query: impl FnOnce(&mut dyn Externalities) -> Result<T, ChainError>,
) -> Result<T, ChainError> {
    if !db.contains_root(root) {
        return Err(ChainError::Trie(TrieError::InvalidStateRoot { root: *root }));
    }
    let mut ext = RelayExt::new(db, *root);
    let result = query(&mut ext);
    ext.check()?;
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    const NUMBER: StorageValue<u32> = StorageValue::new(b"Test:Number");
    const MAP: StorageMap<u32, u64> = StorageMap::new(b"Test:Map");

    #[test]
    fn reads_see_pending_writes_and_corruption_is_an_error() {
        let mut db = StateDb::new();
        let root = db.insert_entries(vec![(b"Test:Number".to_vec(), vec![1, 2])]);
        let mut ext = RelayExt::new(&db, root);
        assert!(matches!(value(&mut ext, &NUMBER), Err(ChainError::CorruptState { .. })));
        NUMBER.put(&mut ext, &7);
        assert_eq!(value(&mut ext, &NUMBER), Ok(Some(7)));
        MAP.insert(&mut ext, &1, &9);
        assert_eq!(map_get(&mut ext, &MAP, &1), Ok(Some(9)));
        assert_eq!(map_get_or_default(&mut ext, &MAP, &2), Ok(0));
        assert!(ext.check().is_ok());
    }

    #[test]
    fn an_unknown_root_is_a_sticky_error() {
        let db = StateDb::new();
        let mut ext = RelayExt::new(&db, Hash([9; 32]));
        assert_eq!(value(&mut ext, &NUMBER), Ok(None));
        assert!(matches!(ext.check(), Err(ChainError::Trie(_))));
        assert!(read(&db, &Hash([9; 32]), |ext| value(ext, &NUMBER)).is_err());
    }

    #[test]
    fn readable_keys_show_text_then_hex() {
        assert_eq!(readable_key(b"Paras:List"), "Paras:List");
        assert_eq!(readable_key(&[b'A', b':', 0, 255]), "A:0x00ff");
    }
}
