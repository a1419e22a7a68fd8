//! [`StorageProof`]: the trie nodes a computation touched, as shipped in a PoV.

use alloc::vec::Vec;

use hash_db::{HashDB, EMPTY_PREFIX};
use parity_scale_codec::{Decode, Encode, Error, Input};

use crate::MemoryDb;

/// The set of trie nodes a computation touched; what a collator ships in a PoV.
///
/// The nodes are sorted and distinct (so a proof has one encoding); [`StorageProof::new`]
/// makes them so and decoding refuses anything else. A validator turns the proof into a
/// database with [`StorageProof::into_memory_db`] and reruns the computation over it: every
/// node is addressed by its hash, so a proof can only ever be incomplete, never wrong.
#[derive(Encode, Clone, Debug, Default, PartialEq, Eq)]
pub struct StorageProof {
    nodes: Vec<Vec<u8>>,
}

impl StorageProof {
    /// A proof of `nodes` (encoded trie nodes), sorted and deduplicated.
    pub fn new(nodes: impl IntoIterator<Item = Vec<u8>>) -> Self {
        let mut nodes: Vec<Vec<u8>> = nodes.into_iter().collect();
        nodes.sort_unstable();
        nodes.dedup();
        StorageProof { nodes }
    }

    /// The proof with no nodes.
    pub fn empty() -> Self {
        Self::default()
    }

    /// The encoded nodes, sorted.
    pub fn nodes(&self) -> &[Vec<u8>] {
        &self.nodes
    }

    /// The encoded nodes, sorted.
    pub fn into_nodes(self) -> Vec<Vec<u8>> {
        self.nodes
    }

    /// How many nodes the proof holds.
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// Whether the proof holds no node.
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// The size of the proof's SCALE encoding, in bytes.
    pub fn encoded_size(&self) -> usize {
        Encode::encoded_size(self)
    }

    /// Both proofs' nodes in one proof.
    pub fn merge(self, other: StorageProof) -> StorageProof {
        StorageProof::new(self.nodes.into_iter().chain(other.nodes))
    }

    /// A fresh database holding the proof's nodes, keyed by their hashes.
    pub fn into_memory_db(self) -> MemoryDb {
        let mut db = MemoryDb::default();
        for node in &self.nodes {
            db.insert(EMPTY_PREFIX, node);
        }
        db
    }

    /// Removes and returns the node at `index` (in [`StorageProof::nodes`] order), if any; for
    /// tests that tamper with proofs.
    pub fn remove_node(&mut self, index: usize) -> Option<Vec<u8>> {
        (index < self.nodes.len()).then(|| self.nodes.remove(index))
    }
}

impl Decode for StorageProof {
    fn decode<I: Input>(input: &mut I) -> Result<Self, Error> {
        let nodes = Vec::<Vec<u8>>::decode(input)?;
        if nodes.windows(2).any(|pair| matches!(pair, [a, b] if a >= b)) {
            return Err("StorageProof: nodes must be sorted and distinct".into());
        }
        Ok(StorageProof { nodes })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use alloc::vec;

    #[test]
    fn sorted_deduplicated_and_round_trips() {
        let proof = StorageProof::new(vec![vec![3], vec![1, 2], vec![3], vec![0]]);
        assert_eq!(proof.nodes(), &[vec![0], vec![1, 2], vec![3]]);
        let encoded = proof.encode();
        assert_eq!(proof.encoded_size(), encoded.len());
        assert_eq!(StorageProof::decode(&mut &encoded[..]).unwrap(), proof);
    }

    #[test]
    fn decoding_refuses_unsorted_or_duplicate_nodes() {
        let unsorted = vec![vec![3u8], vec![1]].encode();
        assert!(StorageProof::decode(&mut &unsorted[..]).is_err());
        let duplicate = vec![vec![1u8], vec![1]].encode();
        assert!(StorageProof::decode(&mut &duplicate[..]).is_err());
    }

    #[test]
    fn remove_node_is_checked() {
        let mut proof = StorageProof::new(vec![vec![1], vec![2]]);
        assert_eq!(proof.remove_node(5), None);
        assert_eq!(proof.remove_node(0), Some(vec![1]));
        assert_eq!(proof.len(), 1);
        assert!(!proof.is_empty());
    }
}
