//! [`Layout`]: the trie-db configuration tying the hasher and the codec together.

use crate::hasher::Blake2Hasher;
use crate::node_codec::NodeCodec;

/// Atoll's trie layout: base-16, no extension nodes, no empty values, values always inline.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Layout;

impl trie_db::TrieLayout for Layout {
    // Rule 9: branches carry partial keys instead.
    const USE_EXTENSION: bool = false;
    // Rule 4: inserting an empty value removes the key.
    const ALLOW_EMPTY: bool = false;
    // Rule 4: values are never stored apart from their node.
    const MAX_INLINE_VALUE: Option<u32> = None;

    type Hash = Blake2Hasher;
    type Codec = NodeCodec;
}
