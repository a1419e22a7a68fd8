//! [`TrieError`]: why a read or an update of the trie failed.

use alloc::boxed::Box;
use alloc::format;
use alloc::string::String;

use crate::node_codec::CodecError;
use crate::Hash;

/// Why a trie operation failed.
///
/// Over a storage proof, [`TrieError::IncompleteDatabase`] means the proof lacks a node the
/// computation needs: the block is invalid, not the state.
#[derive(thiserror::Error, Debug, Clone, PartialEq, Eq)]
pub enum TrieError {
    /// A node needed to answer is not in the database (e.g. missing from a proof).
    #[error("trie node {missing} is not in the database")]
    IncompleteDatabase {
        /// The hash of the missing node.
        missing: Hash,
    },
    /// The root node itself is not in the database.
    #[error("state root {root} is not in the database")]
    InvalidStateRoot {
        /// The root that was asked for.
        root: Hash,
    },
    /// A node failed to decode.
    #[error("trie node {node} failed to decode: {reason}")]
    Decoding {
        /// The hash of the node (of the node holding it, for an inline node; zero if unknown).
        node: Hash,
        /// The rule of the node format it breaks.
        reason: &'static str,
    },
    /// Anything else trie-db reports, described.
    #[error("{0}")]
    Other(String),
}

/// trie-db's error for our layout.
pub(crate) type TrieDbError = Box<trie_db::TrieError<[u8; 32], CodecError>>;

impl TrieError {
    /// Converts trie-db's error, met while working on the trie at `root`.
    ///
    /// trie-db reports a missing node as "invalid state root" when it is the first node of a
    /// lookup (which, during an update, may be any node below the in-memory part) and as
    /// "incomplete database" otherwise. Here the distinction is by the node itself: a missing
    /// `root` is [`TrieError::InvalidStateRoot`], any other missing node
    /// [`TrieError::IncompleteDatabase`].
    pub(crate) fn from_trie_db(
        err: trie_db::TrieError<[u8; 32], CodecError>,
        root: &Hash,
    ) -> TrieError {
        match err {
            trie_db::TrieError::InvalidStateRoot(hash)
            | trie_db::TrieError::IncompleteDatabase(hash) => {
                if hash == root.0 {
                    TrieError::InvalidStateRoot { root: Hash(hash) }
                } else {
                    TrieError::IncompleteDatabase { missing: Hash(hash) }
                }
            }
            trie_db::TrieError::DecoderError(hash, codec) => {
                TrieError::Decoding { node: Hash(hash), reason: codec.reason() }
            }
            trie_db::TrieError::ValueAtIncompleteKey(bytes, nibble) => TrieError::Other(format!(
                "a value sits at a key of an odd number of nibbles: 0x{} then nibble {nibble:x}",
                hex(&bytes)
            )),
            trie_db::TrieError::InvalidHash(hash, data) => TrieError::Other(format!(
                "node {} holds a child hash of {} bytes",
                Hash(hash),
                data.len()
            )),
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    use core::fmt::Write as _;
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(out, "{b:02x}");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;

    #[test]
    fn converts_trie_db_errors() {
        let root = Hash([1; 32]);
        let other = [2; 32];
        let convert = |e| TrieError::from_trie_db(e, &root);
        assert_eq!(
            convert(trie_db::TrieError::IncompleteDatabase(other)),
            TrieError::IncompleteDatabase { missing: Hash(other) }
        );
        assert_eq!(
            convert(trie_db::TrieError::IncompleteDatabase(root.0)),
            TrieError::InvalidStateRoot { root }
        );
        assert_eq!(
            convert(trie_db::TrieError::InvalidStateRoot(root.0)),
            TrieError::InvalidStateRoot { root }
        );
        assert_eq!(
            convert(trie_db::TrieError::InvalidStateRoot(other)),
            TrieError::IncompleteDatabase { missing: Hash(other) }
        );
        assert_eq!(
            convert(trie_db::TrieError::DecoderError(other, CodecError("rule 7: x"))),
            TrieError::Decoding { node: Hash(other), reason: "rule 7: x" }
        );
        let odd = convert(trie_db::TrieError::ValueAtIncompleteKey(alloc::vec![0xab], 3));
        assert_eq!(
            odd.to_string(),
            "a value sits at a key of an odd number of nibbles: 0xab then nibble 3"
        );
    }
}
