//! [`ChainError`]: why the relay chain could not compute something — a missing or corrupt state,
//! a refused genesis, or an author's inputs (slot, author index, VRF) that no block may carry.

use atoll_primitives::relay::Slot;
use atoll_primitives::{SessionIndex, ValidatorIndex};
use atoll_trie::TrieError;

use crate::config::ConfigError;
use crate::genesis::GenesisError;

/// Why a relay-chain computation failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChainError {
    /// The state's trie could not be read (unknown root, missing or undecodable node).
    #[error("relay state: {0}")]
    Trie(#[from] TrieError),
    /// A stored value does not decode as its type: the state is corrupt.
    #[error("corrupt relay state: the value at key {key} does not decode as {type_name}")]
    CorruptState {
        /// The storage key, readable form.
        key: String,
        /// The type it should decode as.
        type_name: &'static str,
    },
    /// A value every relay state has (set at genesis or by block #1) is absent.
    #[error("relay state lacks {key}, which genesis (or block #1) always sets")]
    MissingState {
        /// The storage key, readable form.
        key: String,
    },
    /// The genesis description was refused.
    #[error("invalid genesis: {0}")]
    Genesis(#[from] GenesisError),
    /// A configuration was refused.
    #[error("invalid host configuration: {0}")]
    Config(#[from] ConfigError),
    /// Rule 3: a block's slot must be after its parent's.
    #[error("slot {slot} is not after the parent's {parent_slot}")]
    SlotNotAfterParent {
        /// The parent's slot.
        parent_slot: Slot,
        /// The block's slot.
        slot: Slot,
    },
    /// Rule 6: the pre-digest names an author index outside the session's validator set.
    #[error("author {author} is not in {session}'s validator set of {validators}")]
    UnknownAuthor {
        /// The claimed author index.
        author: ValidatorIndex,
        /// The session of the block.
        session: SessionIndex,
        /// The size of its validator set.
        validators: u32,
    },
    /// Rule 6: the pre-digest's VRF output or proof does not verify for the author.
    #[error("VRF of {author} for {slot} in {session} does not verify")]
    BadVrf {
        /// The slot.
        slot: Slot,
        /// The claimed author.
        author: ValidatorIndex,
        /// The session.
        session: SessionIndex,
    },
    /// An internal invariant does not hold (a bug, or state not written by this crate).
    #[error("invariant broken: {0}")]
    Invariant(&'static str),
}

/// Why an item of the para inherent (a dispute statement set, a bitfield, a backed candidate)
/// was not applied: it is invalid (`E` says why; a block carrying it is invalid, an author
/// drops it), or the state could not be read.
#[derive(Debug)]
pub(crate) enum ItemError<E> {
    /// The item is invalid.
    Invalid(E),
    /// The state is missing or corrupt.
    Internal(ChainError),
}

impl<E> From<ChainError> for ItemError<E> {
    fn from(e: ChainError) -> Self {
        ItemError::Internal(e)
    }
}
