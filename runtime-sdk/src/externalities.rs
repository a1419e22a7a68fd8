//! The storage a runtime runs against, behind one trait.
//!
//! Three implementations exist: the host's storage while a collator builds a block (Wasm
//! `wasm::HostExternalities`), the PoV's proof during validation (`validate::ProofBackend`),
//! and [`crate::testing::TestExternalities`] for native tests. [`Transaction`] layers pending
//! writes on any of them so that a failed dispatch leaves no trace.

use alloc::collections::BTreeMap;
use alloc::vec::Vec;

use atoll_primitives::Hash;

/// Key-value access to the para's state.
pub trait Externalities {
    /// The value at `key`, if any.
    fn get(&mut self, key: &[u8]) -> Option<Vec<u8>>;
    /// Sets `key` to `value`.
    fn set(&mut self, key: &[u8], value: &[u8]);
    /// Removes `key`.
    fn clear(&mut self, key: &[u8]);
    /// Appends one SCALE-encoded item to the SCALE `Vec` stored at `key` (an absent key is an
    /// empty vector). Implementations override this to avoid copying the whole value.
    fn append(&mut self, key: &[u8], encoded_item: &[u8]) {
        let mut value = self.get(key).unwrap_or_default();
        append_to_scale_vec(&mut value, encoded_item);
        self.set(key, &value);
    }
    /// The state root with every change so far.
    fn root(&mut self) -> Hash;
}

pub use atoll_primitives::scale_vec::append_to_scale_vec;

/// Pending writes over another [`Externalities`]: reads see them, `commit` applies them,
/// dropping the layer discards them. Appends to a key the layer has not otherwise written are
/// kept as items and replayed with the lower layer's own `append`, so emitting an event inside a
/// transaction never copies the block's whole event list.
pub struct Transaction<'a> {
    inner: &'a mut dyn Externalities,
    changes: BTreeMap<Vec<u8>, Option<Vec<u8>>>,
    appends: BTreeMap<Vec<u8>, Vec<Vec<u8>>>,
}

impl<'a> Transaction<'a> {
    /// A new empty layer over `inner`.
    pub fn new(inner: &'a mut dyn Externalities) -> Self {
        Transaction { inner, changes: BTreeMap::new(), appends: BTreeMap::new() }
    }

    /// Applies the pending writes to the layer below.
    pub fn commit(self) {
        for (key, value) in self.changes {
            match value {
                Some(v) => self.inner.set(&key, &v),
                None => self.inner.clear(&key),
            }
        }
        for (key, items) in self.appends {
            for item in items {
                self.inner.append(&key, &item);
            }
        }
    }
}

impl Externalities for Transaction<'_> {
    fn get(&mut self, key: &[u8]) -> Option<Vec<u8>> {
        if let Some(v) = self.changes.get(key) {
            return v.clone();
        }
        let mut value = self.inner.get(key);
        if let Some(items) = self.appends.get(key) {
            let v = value.get_or_insert_with(Vec::new);
            for item in items {
                append_to_scale_vec(v, item);
            }
        }
        value
    }

    fn set(&mut self, key: &[u8], value: &[u8]) {
        self.appends.remove(key);
        self.changes.insert(key.to_vec(), Some(value.to_vec()));
    }

    fn clear(&mut self, key: &[u8]) {
        self.appends.remove(key);
        self.changes.insert(key.to_vec(), None);
    }

    fn append(&mut self, key: &[u8], encoded_item: &[u8]) {
        match self.changes.get_mut(key) {
            Some(slot) => append_to_scale_vec(slot.get_or_insert_with(Vec::new), encoded_item),
            None => self.appends.entry(key.to_vec()).or_default().push(encoded_item.to_vec()),
        }
    }

    fn root(&mut self) -> Hash {
        // The root of a state with uncommitted writes is never needed by the executive; answer
        // with the committed view so the trait stays total.
        self.inner.root()
    }
}

/// The committed state below an [`Overlayed`] layer: answers reads by key and computes the root
/// a set of changes would give. Validation reads a PoV's proof, native tests a full trie.
pub trait StateBackend {
    /// The committed value at `key`.
    fn read(&mut self, key: &[u8]) -> Option<Vec<u8>>;
    /// The root of the committed state with `changes` applied.
    fn root_with<'a>(
        &mut self,
        changes: &mut dyn Iterator<Item = (&'a [u8], Option<&'a [u8]>)>,
    ) -> Hash;
}

/// A block's pending writes over a [`StateBackend`]: the [`Externalities`] of validation and
/// of native tests.
pub struct Overlayed<B> {
    pub(crate) backend: B,
    pub(crate) overlay: WriteOverlay,
}

impl<B> Overlayed<B> {
    /// No pending writes over `backend`.
    pub fn new(backend: B) -> Self {
        Overlayed { backend, overlay: WriteOverlay::default() }
    }
}

impl<B: StateBackend> Externalities for Overlayed<B> {
    fn get(&mut self, key: &[u8]) -> Option<Vec<u8>> {
        match self.overlay.get(key) {
            Some(v) => v,
            None => self.backend.read(key),
        }
    }

    fn set(&mut self, key: &[u8], value: &[u8]) {
        self.overlay.set(key, value);
    }

    fn clear(&mut self, key: &[u8]) {
        self.overlay.clear(key);
    }

    fn append(&mut self, key: &[u8], encoded_item: &[u8]) {
        // Only a presence check: `get` would copy the whole value (the block's growing event
        // list, once per event: quadratic).
        let current = if self.overlay.contains(key) { None } else { self.backend.read(key) };
        self.overlay.append(key, encoded_item, || current);
    }

    fn root(&mut self) -> Hash {
        let Overlayed { backend, overlay } = self;
        backend.root_with(&mut overlay.iter())
    }
}

/// An in-memory overlay of writes kept by the backends, with an efficient `append`.
#[derive(Default, Clone, Debug)]
pub(crate) struct WriteOverlay {
    pub(crate) changes: BTreeMap<Vec<u8>, Option<Vec<u8>>>,
}

impl WriteOverlay {
    /// `Some(value-or-deleted)` if the overlay knows the key.
    pub(crate) fn get(&self, key: &[u8]) -> Option<Option<Vec<u8>>> {
        self.changes.get(key).cloned()
    }

    /// Whether the overlay knows the key (written, deleted or appended to).
    pub(crate) fn contains(&self, key: &[u8]) -> bool {
        self.changes.contains_key(key)
    }

    pub(crate) fn set(&mut self, key: &[u8], value: &[u8]) {
        self.changes.insert(key.to_vec(), Some(value.to_vec()));
    }

    pub(crate) fn clear(&mut self, key: &[u8]) {
        self.changes.insert(key.to_vec(), None);
    }

    /// Appends, loading the current value with `load` if the overlay does not have it.
    pub(crate) fn append(
        &mut self,
        key: &[u8],
        item: &[u8],
        load: impl FnOnce() -> Option<Vec<u8>>,
    ) {
        if !self.changes.contains_key(key) {
            self.changes.insert(key.to_vec(), load());
        }
        if let Some(slot) = self.changes.get_mut(key) {
            append_to_scale_vec(slot.get_or_insert_with(Vec::new), item);
        }
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = (&[u8], Option<&[u8]>)> {
        self.changes.iter().map(|(k, v)| (k.as_slice(), v.as_deref()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use parity_scale_codec::Encode;

    #[test]
    fn append_matches_encoding_a_vec_across_prefix_growth() {
        let mut value = Vec::new();
        let mut expected: Vec<u32> = Vec::new();
        for i in 0..70u32 {
            append_to_scale_vec(&mut value, &i.encode());
            expected.push(i);
            assert_eq!(value, expected.encode(), "after {} items", i + 1);
        }
    }
}
