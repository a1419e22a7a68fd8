//! # atoll-trie
//!
//! The Merkle state of Atoll parachains: a base-16 Patricia trie over blake2b-256, built on the
//! trie-db family (`trie-db`, `memory-db`, `hash-db`) with Atoll's own node format.
//!
//! Parachain runtimes use it inside Wasm (`no_std`), where the state is a storage proof shipped
//! in the PoV; collators and the relay chain use it natively over a full [`StateDb`]. Both run
//! the same code, so a validator re-executing a block over the proof computes the same reads and
//! the same new state root as the collator that built it.
//!
//! ## Bird's-eye view, in the order the types are used
//!
//! - [`Blake2Hasher`], [`NodeCodec`] and [`Layout`]: what the trie is — the hash, the node
//!   format below, and the trie-db configuration joining them. [`struct@Hash`] is the root type.
//! - [`build`] and [`empty_root`]: a state from scratch (genesis); [`MemoryDb`] holds its nodes.
//! - [`Overlay`]: a block's pending writes, in key order, later writes winning.
//! - [`StateDb`]: the collator's append-only node store. It reads ([`StateDb::get`]), applies
//!   an overlay's changes ([`StateDb::apply`]) or only computes the root they would give
//!   ([`StateDb::root_after`]); every root it ever produced stays readable.
//! - [`Recorder`]: passed to the `*_recorded` variants, it collects every node fetched, and
//!   becomes a [`StorageProof`] — the nodes shipped in the PoV.
//! - [`StorageProof::into_memory_db`], then [`read_value`] and [`apply_changes`]: the validator
//!   side, the same reads and updates over the proof alone. A node the proof lacks surfaces as
//!   [`TrieError::IncompleteDatabase`], one that does not decode as [`TrieError::Decoding`].
//!
//! The guarantee tying both sides together: a proof recorded while reading keys K and applying
//! changes C at root R lets [`read_value`] answer every key of K identically and
//! [`apply_changes`] of C produce the identical new root.
//!
//! ## Node format
//!
//! Code implementing a rule cites it ("Rule 3: ...").
//!
//! 1. A node starts with a header byte: the node kind in its two high bits — `00` empty, `01`
//!    leaf, `10` branch without a value, `11` branch with a value — and the number of nibbles of
//!    the node's partial key in its six low bits. A count of 63 or more puts 63 there and the
//!    rest (count − 63) follows as a SCALE compact `u32`.
//! 2. The empty node is the single byte `0x00`; it is only ever the root of the empty trie.
//! 3. The partial key follows, two nibbles per byte, high nibble first; an odd count starts with
//!    a zero padding nibble in the high half of the first byte.
//! 4. A leaf then holds its value: a SCALE compact length, then the bytes. Values are always
//!    stored inside their node and are never empty: writing an empty value deletes the key.
//! 5. A branch then holds a 16-bit child bitmap (little-endian, bit `i` set when there is a
//!    child for nibble `i`), then its value as in rule 4 if its kind is `11`, then each child in
//!    nibble order as a SCALE compact length and bytes: exactly 32 bytes are the hash of the
//!    child's encoding, 1 to 31 bytes are the child's encoding itself. A child whose encoding is
//!    shorter than 32 bytes is always inline, a longer one always referred to by hash.
//! 6. Only canonical shapes exist: a branch without a value has at least two children, a branch
//!    with a value at least one (else it would be a leaf), no child is the empty node, and
//!    inline children are themselves valid nodes.
//! 7. Nothing follows a node: trailing bytes make it invalid.
//! 8. A node's hash is blake2b-256 of its encoding. The root is always referred to by hash, even
//!    when shorter than 32 bytes; the empty trie's root is blake2b-256 of `0x00` ([`empty_root`]).
//! 9. There are no extension nodes: the nibbles leading to a branch are its partial key.
//!
//! Decoding ([`NodeCodec`]'s `decode_plan`) accepts exactly the encodings these rules allow and
//! refuses anything else with an error naming the rule; it never panics, whatever the input.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

mod db;
mod error;
mod hasher;
mod layout;
pub mod node_codec;
mod overlay;
mod proof;
mod recorder;
mod state_db;
mod trie_ops;

pub use error::TrieError;
pub use hasher::{Blake2Hasher, NodeHashStdHasher};
pub use layout::Layout;
pub use node_codec::{CodecError, NodeCodec};
pub use overlay::Overlay;
pub use proof::StorageProof;
pub use recorder::Recorder;
pub use state_db::StateDb;
pub use trie_ops::{apply_changes, build, empty_root, read_value};

/// The re-exported database traits [`read_value`] and [`apply_changes`] take.
pub use hash_db::{HashDB, HashDBRef};

/// A state root or node hash (blake2b-256): `atoll_primitives::Hash`, re-exported (rather than
/// aliased) so that `atoll_trie::Hash(bytes)` works. trie-db works on the raw `[u8; 32]`;
/// conversions happen at this crate's edges.
pub use atoll_primitives::Hash;

/// A key and its value, as [`StateDb::pairs`] lists them.
pub type KeyValue = (alloc::vec::Vec<u8>, alloc::vec::Vec<u8>);

/// An in-memory node database keyed by node hash: a built state, or a storage proof opened for
/// validation.
pub type MemoryDb =
    memory_db::MemoryDB<Blake2Hasher, memory_db::HashKey<Blake2Hasher>, alloc::vec::Vec<u8>>;
