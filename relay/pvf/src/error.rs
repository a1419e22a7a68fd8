//! [`InternalError`]: a failure of the host itself. It never becomes an invalid verdict: a
//! validator that hits one must not vote against the candidate.

/// An error of the host (this machine, this process, our own code), not of the validation code
/// or its inputs.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InternalError {
    /// wasmtime refused the engine configuration.
    #[error("creating the wasmtime engine failed: {0}")]
    EngineCreation(String),
    /// The operating system refused a thread.
    #[error("spawning the {what} thread failed: {error}")]
    ThreadSpawn {
        /// Which thread (epoch ticker, compilation, execution).
        what: &'static str,
        /// The operating system's error.
        error: String,
    },
    /// A thread of ours panicked (a bug, or a panic in a [`crate::StorageHost`]).
    #[error("the {what} thread panicked")]
    ThreadPanicked {
        /// Which thread.
        what: &'static str,
    },
    /// A compilation thread ended without sending its result.
    #[error("the compilation thread of code {code_hash} ended without a result")]
    CompilationLost {
        /// The hex of the code hash.
        code_hash: String,
    },
    /// wasmtime failed on our side in a way not attributable to the guest (for example linking
    /// a module whose imports were already checked).
    #[error("wasmtime failed while {context}: {error}")]
    Wasmtime {
        /// What the host was doing.
        context: &'static str,
        /// wasmtime's error chain.
        error: String,
    },
    /// The host could not give the guest memory it was entitled to (below the heap limit).
    #[error("the host failed to grow guest memory to {desired} bytes: {error}")]
    HostMemory {
        /// The requested size in bytes.
        desired: usize,
        /// The allocator's error.
        error: String,
    },
    /// The [`crate::StorageHost`] of a block-building instance failed.
    #[error("storage host failed in {function}: {error}")]
    StorageHost {
        /// The host function that called it.
        function: &'static str,
        /// The storage host's error.
        error: String,
    },
    /// An input of ours is too large for the 32-bit guest ABI.
    #[error("{what} of {len} bytes does not fit the 32-bit guest ABI")]
    InputTooLarge {
        /// What was passed.
        what: &'static str,
        /// Its length.
        len: usize,
    },
    /// A state the code rules out happened; names the invariant.
    #[error("invariant violated: {0}")]
    Invariant(&'static str),
    /// The code of a hash could not be found (a caller's lookup failed), or what was found
    /// does not hash to it.
    #[error("no validation code for {code_hash}: {reason}")]
    CodeUnavailable {
        /// The hash asked for.
        code_hash: atoll_primitives::Hash,
        /// Why.
        reason: String,
    },
}
