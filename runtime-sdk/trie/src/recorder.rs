//! [`Recorder`]: collects the nodes a computation fetched, to ship them as a [`StorageProof`].

use alloc::collections::BTreeMap;
use alloc::vec::Vec;

use parity_scale_codec::{Compact, CompactLen};
use trie_db::{RecordedForKey, TrieAccess, TrieRecorder};

use crate::node_codec::{NodeCodec, EMPTY_NODE};
use crate::proof::StorageProof;

/// Records every node fetched by hash from the database during reads and updates, including
/// the siblings an update fetches to merge a branch that lost a child.
///
/// Hand it to [`crate::StateDb::get_recorded`], [`crate::StateDb::apply_recorded`] or
/// [`crate::StateDb::root_after`]; one recorder may serve many calls on the same state, and
/// [`Recorder::into_proof`] then yields the proof that lets a validator redo all of them.
#[derive(Clone, Debug, Default)]
pub struct Recorder {
    /// Encoded nodes by hash: each recorded once.
    nodes: BTreeMap<[u8; 32], Vec<u8>>,
    /// The sum over recorded nodes of their SCALE-encoded size (length prefix included).
    encoded_nodes_size: usize,
}

impl Recorder {
    /// An empty recorder.
    pub fn new() -> Self {
        Self::default()
    }

    /// How many distinct nodes were recorded.
    pub fn node_count(&self) -> usize {
        self.nodes.len()
    }

    /// The encoded size of the proof [`Recorder::into_proof`] would return, in bytes; lets a
    /// collator stop adding work before the proof outgrows the PoV limit.
    pub fn proof_size(&self) -> usize {
        let count = u32::try_from(self.nodes.len()).unwrap_or(u32::MAX);
        Compact::<u32>::compact_len(&count) + self.encoded_nodes_size
    }

    /// The proof of everything recorded so far, keeping the recorder.
    pub fn to_proof(&self) -> StorageProof {
        StorageProof::new(self.nodes.values().cloned())
    }

    /// The proof of everything recorded.
    pub fn into_proof(self) -> StorageProof {
        StorageProof::new(self.nodes.into_values())
    }

    /// Records one node by hash. The empty node is skipped: every database knows it (rule 2).
    pub fn record_node(&mut self, hash: [u8; 32], encoded: &[u8]) {
        if encoded == EMPTY_NODE || self.nodes.contains_key(&hash) {
            return;
        }
        let len = u32::try_from(encoded.len()).unwrap_or(u32::MAX);
        self.encoded_nodes_size += Compact::<u32>::compact_len(&len) + encoded.len();
        self.nodes.insert(hash, encoded.to_vec());
    }
}

impl TrieRecorder<[u8; 32]> for Recorder {
    fn record(&mut self, access: TrieAccess<'_, [u8; 32]>) {
        match access {
            TrieAccess::EncodedNode { hash, encoded_node } => self.record_node(hash, &encoded_node),
            // Only reported when a node cache is used (this crate uses none); recorded all the same.
            TrieAccess::NodeOwned { hash, node_owned } => {
                self.record_node(hash, &node_owned.to_encoded::<NodeCodec>())
            }
            // Values apart from their node do not exist in this layout (rule 4); recorded all
            // the same should one ever be fetched.
            TrieAccess::Value { hash, value, .. } => self.record_node(hash, &value),
            // Accesses to values inside nodes already recorded.
            TrieAccess::InlineValue { .. }
            | TrieAccess::Hash { .. }
            | TrieAccess::NonExisting { .. } => {}
        }
    }

    fn trie_nodes_recorded_for_key(&self, _key: &[u8]) -> RecordedForKey {
        // Only consulted together with a value cache, which this crate never uses; "nothing
        // recorded yet" makes trie-db fetch (and so record) the nodes again.
        RecordedForKey::None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use parity_scale_codec::Encode;

    #[test]
    fn proof_size_matches_the_encoding() {
        let mut recorder = Recorder::new();
        assert_eq!(recorder.proof_size(), recorder.to_proof().encode().len());
        recorder.record_node([1; 32], &[7; 40]);
        recorder.record_node([1; 32], &[7; 40]);
        recorder.record_node([2; 32], &[8; 100]);
        recorder.record_node([3; 32], EMPTY_NODE);
        assert_eq!(recorder.node_count(), 2);
        assert_eq!(recorder.proof_size(), recorder.to_proof().encode().len());
        assert_eq!(recorder.into_proof().len(), 2);
    }
}
