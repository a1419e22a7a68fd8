//! The collator's errors. None of them is a statement about a candidate's validity: they are
//! the collator's own failures (or a runtime that misbehaves while building).

use atoll_primitives::{BlockNumber, Hash, ParaId};

/// Why the collator could not produce a block.
#[derive(Debug, thiserror::Error)]
pub enum CollatorError {
    /// The runtime could not be prepared (bad Wasm, unknown import, ...).
    #[error("para {para}: cannot prepare the runtime: {reason}")]
    Prepare {
        /// The para.
        para: ParaId,
        /// Why.
        reason: String,
    },
    /// A runtime entry point failed while building.
    #[error("para {para}: runtime call {call} failed while building block {number}: {reason}")]
    RuntimeCall {
        /// The para.
        para: ParaId,
        /// The entry point.
        call: &'static str,
        /// The block being built.
        number: BlockNumber,
        /// What the host reported.
        reason: String,
    },
    /// The runtime returned bytes that do not decode.
    #[error("para {para}: runtime call {call} returned undecodable output: {reason}")]
    BadRuntimeOutput {
        /// The para.
        para: ParaId,
        /// The entry point.
        call: &'static str,
        /// What the decoder said.
        reason: String,
    },
    /// The root of the committed state differs from the header the runtime returned.
    #[error("para {para}: block {number}: committed state root {committed} differs from the header's {header}")]
    StateRootMismatch {
        /// The para.
        para: ParaId,
        /// The block.
        number: BlockNumber,
        /// What the trie computed.
        committed: Hash,
        /// What the header says.
        header: Hash,
    },
    /// The para's state store failed.
    #[error("para {para}: state: {reason}")]
    State {
        /// The para.
        para: ParaId,
        /// Why.
        reason: String,
    },
    /// The PoV would exceed the size limit.
    #[error("para {para}: PoV of {size} bytes exceeds the limit of {max}")]
    PoVTooLarge {
        /// The para.
        para: ParaId,
        /// Its size.
        size: usize,
        /// The limit.
        max: usize,
    },
    /// The relay chain's head of the para is not a block this collator knows.
    #[error("para {para}: unknown parent head {head_hash} (not built or imported here)")]
    UnknownParentHead {
        /// The para.
        para: ParaId,
        /// Hash of the head data.
        head_hash: Hash,
    },
    /// The validation data this collator computed differs from the relay chain's.
    #[error("para {para}: validation data differs from the relay chain's at relay parent #{relay_parent_number}")]
    ValidationDataMismatch {
        /// The para.
        para: ParaId,
        /// The relay parent's number.
        relay_parent_number: BlockNumber,
    },
    /// Erasure coding of the collation failed.
    #[error("para {para}: erasure coding: {reason}")]
    Erasure {
        /// The para.
        para: ParaId,
        /// Why.
        reason: String,
    },
    /// A stored block does not rebuild to the same header (the database or the runtime
    /// changed): the collator refuses to run on it.
    #[error("para {para}: stored block #{number} rebuilds to {rebuilt}, not the stored {stored}")]
    ReplayMismatch {
        /// The para.
        para: ParaId,
        /// The block's number.
        number: BlockNumber,
        /// The stored header's hash.
        stored: Hash,
        /// The rebuilt header's hash.
        rebuilt: Hash,
    },
}
