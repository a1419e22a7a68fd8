//! Typed storage over the Merkle state.
//!
//! A [`StorageValue`] lives at one fixed key; a [`StorageMap`] puts each entry at
//! `prefix ++ blake2_256(encoded key)[..16] ++ encoded key`, so keys spread evenly over the trie
//! (no attacker-chosen deep paths) while the original key stays readable from the storage key.
//! Declare them as constants:
//!
//! ```ignore
//! const TOTAL: StorageValue<u128> = StorageValue::new(b"Balances:Total");
//! const FREE: StorageMap<AccountId, u128> = StorageMap::new(b"Balances:Free");
//! ```
//!
//! A stored value that does not decode means the state is corrupt: the block is invalid.

use alloc::vec::Vec;
use core::marker::PhantomData;
use parity_scale_codec::{Decode, Encode};

use atoll_primitives::blake2_256;

use crate::externalities::Externalities;

fn decode_or_invalid<T: Decode>(key: &[u8], bytes: &[u8]) -> T {
    match T::decode(&mut &bytes[..]) {
        Ok(v) => v,
        Err(_) => crate::invalid(format_args!(
            "corrupt state: value at key 0x{} does not decode",
            HexSlice(key)
        )),
    }
}

/// Lowercase hex of a byte slice, for messages.
pub struct HexSlice<'a>(pub &'a [u8]);

impl core::fmt::Display for HexSlice<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        for b in self.0 {
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

/// A single typed value at a fixed key.
pub struct StorageValue<T> {
    key: &'static [u8],
    _value: PhantomData<fn() -> T>,
}

impl<T: Encode + Decode> StorageValue<T> {
    /// A value stored at `key`.
    pub const fn new(key: &'static [u8]) -> Self {
        StorageValue { key, _value: PhantomData }
    }

    /// The storage key.
    pub fn key(&self) -> &'static [u8] {
        self.key
    }

    /// The value, if set.
    pub fn get(&self, ext: &mut dyn Externalities) -> Option<T> {
        ext.get(self.key).map(|bytes| decode_or_invalid(self.key, &bytes))
    }

    /// The value, or the type's default.
    pub fn get_or_default(&self, ext: &mut dyn Externalities) -> T
    where
        T: Default,
    {
        self.get(ext).unwrap_or_default()
    }

    /// Sets the value.
    pub fn put(&self, ext: &mut dyn Externalities, value: &T) {
        value.using_encoded(|bytes| ext.set(self.key, bytes));
    }

    /// Removes the value.
    pub fn kill(&self, ext: &mut dyn Externalities) {
        ext.clear(self.key);
    }
}

/// A typed map: one storage entry per key.
pub struct StorageMap<K, V> {
    prefix: &'static [u8],
    _types: PhantomData<fn() -> (K, V)>,
}

impl<K: Encode, V: Encode + Decode> StorageMap<K, V> {
    /// A map whose entries all start with `prefix`.
    pub const fn new(prefix: &'static [u8]) -> Self {
        StorageMap { prefix, _types: PhantomData }
    }

    /// The storage key of `key`'s entry.
    pub fn storage_key(&self, key: &K) -> Vec<u8> {
        let encoded = key.encode();
        let mut out = Vec::with_capacity(self.prefix.len() + 16 + encoded.len());
        out.extend_from_slice(self.prefix);
        out.extend_from_slice(&blake2_256(&encoded)[..16]);
        out.extend_from_slice(&encoded);
        out
    }

    /// The entry of `key`, if any.
    pub fn get(&self, ext: &mut dyn Externalities, key: &K) -> Option<V> {
        let k = self.storage_key(key);
        ext.get(&k).map(|bytes| decode_or_invalid(&k, &bytes))
    }

    /// The entry of `key`, or the value type's default.
    pub fn get_or_default(&self, ext: &mut dyn Externalities, key: &K) -> V
    where
        V: Default,
    {
        self.get(ext, key).unwrap_or_default()
    }

    /// Sets the entry of `key`.
    pub fn insert(&self, ext: &mut dyn Externalities, key: &K, value: &V) {
        let k = self.storage_key(key);
        value.using_encoded(|bytes| ext.set(&k, bytes));
    }

    /// Removes the entry of `key`.
    pub fn remove(&self, ext: &mut dyn Externalities, key: &K) {
        ext.clear(&self.storage_key(key));
    }
}
