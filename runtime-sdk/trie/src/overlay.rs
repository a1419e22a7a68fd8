//! [`Overlay`]: the writes of a block (or a transaction) not yet applied to the trie.

use alloc::collections::BTreeMap;
use alloc::vec::Vec;

/// Pending writes in key order; later writes win.
///
/// Each touched key maps to its new value or to `None` (deleted). Values are kept as written:
/// an empty value reads back as `Some(Some(&[]))` here, and becomes a deletion only when the
/// changes reach the trie (rule 4). The runtime's own write overlay (used when validating over a
/// proof) behaves the same way, and it must: collation and validation have to agree on every
/// read.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Overlay {
    writes: BTreeMap<Vec<u8>, Option<Vec<u8>>>,
}

impl Overlay {
    /// An overlay with no writes.
    pub fn new() -> Self {
        Self::default()
    }

    /// `None`: `key` was not touched; `Some(None)`: deleted; `Some(Some(v))`: set to `v`.
    pub fn get(&self, key: &[u8]) -> Option<Option<&[u8]>> {
        self.writes.get(key).map(|value| value.as_deref())
    }

    /// Sets `key` to `value` (an empty `value` deletes the key once applied to the trie).
    pub fn set(&mut self, key: Vec<u8>, value: Vec<u8>) {
        self.writes.insert(key, Some(value));
    }

    /// The pending value of `key` for in-place changes: `None` if the overlay has no write for
    /// it, `Some(None)` if it deletes it.
    pub fn get_mut(&mut self, key: &[u8]) -> Option<&mut Option<Vec<u8>>> {
        self.writes.get_mut(key)
    }

    /// Deletes `key`.
    pub fn clear(&mut self, key: Vec<u8>) {
        self.writes.insert(key, None);
    }

    /// The writes in key order, ready for [`crate::apply_changes`] or [`crate::StateDb::apply`].
    pub fn changes(&self) -> impl Iterator<Item = (&[u8], Option<&[u8]>)> {
        self.writes.iter().map(|(key, value)| (key.as_slice(), value.as_deref()))
    }

    /// How many keys were touched.
    pub fn len(&self) -> usize {
        self.writes.len()
    }

    /// Whether no key was touched.
    pub fn is_empty(&self) -> bool {
        self.writes.is_empty()
    }

    /// Puts `other`'s writes on top of this overlay's (e.g. a successful transaction's writes
    /// onto the block's).
    pub fn merge(&mut self, other: Overlay) {
        self.writes.extend(other.writes);
    }

    /// The writes in key order, by value.
    pub fn into_changes(self) -> impl Iterator<Item = (Vec<u8>, Option<Vec<u8>>)> {
        self.writes.into_iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    #[test]
    fn later_writes_win_and_merge_layers() {
        let mut block = Overlay::new();
        assert_eq!(block.get(b"a"), None);
        block.set(b"a".to_vec(), b"1".to_vec());
        block.set(b"b".to_vec(), b"2".to_vec());
        block.clear(b"c".to_vec());
        assert_eq!(block.get(b"a"), Some(Some(&b"1"[..])));
        assert_eq!(block.get(b"c"), Some(None));

        let mut tx = Overlay::new();
        tx.set(b"a".to_vec(), b"3".to_vec());
        tx.clear(b"b".to_vec());
        tx.set(b"d".to_vec(), Vec::new());
        block.merge(tx);

        let changes: Vec<_> = block.changes().collect();
        assert_eq!(
            changes,
            vec![
                (&b"a"[..], Some(&b"3"[..])),
                (&b"b"[..], None),
                (&b"c"[..], None),
                (&b"d"[..], Some(&b""[..])),
            ]
        );
        assert_eq!(block.get(b"d"), Some(Some(&b""[..])));
        assert_eq!(block.len(), 4);
        assert!(!block.is_empty());
        assert!(Overlay::new().is_empty());
    }
}
