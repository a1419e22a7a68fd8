//! What a validation returns: [`ValidationOutcome`] (valid, invalid with an
//! [`InvalidReason`], or an internal error) and how long each phase took ([`ExecutionTimes`]).

use std::time::Duration;

use atoll_primitives::ValidationResult;

use crate::config::TimeoutKind;
use crate::error::InternalError;
use crate::prepare::PrepareError;

/// The verdict of one validation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ValidationOutcome {
    /// `validate_block` returned this result.
    Valid(ValidationResult),
    /// The candidate is invalid: the code, the PoV or the execution is at fault.
    Invalid(InvalidReason),
    /// The host failed; nothing is known about the candidate. Never vote on this.
    Internal(InternalError),
}

impl ValidationOutcome {
    /// Whether the outcome is `Valid`.
    pub fn is_valid(&self) -> bool {
        matches!(self, ValidationOutcome::Valid(_))
    }
}

/// Why a candidate is invalid (Step 6 explains how a failed call is classified).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidReason {
    /// The PoV's block data is larger than `max_pov_size`; nothing was executed.
    #[error("PoV of {size} bytes exceeds the limit of {max} bytes")]
    PoVTooLarge {
        /// The block data's size in bytes.
        size: usize,
        /// The limit.
        max: u32,
    },
    /// The validation code could not be prepared (never [`PrepareError::Internal`]).
    #[error("validation code rejected: {0}")]
    CodeRejected(PrepareError),
    /// The execution did not finish within its timeout.
    #[error("execution exceeded the {kind} timeout of {limit_ms} ms")]
    Timeout {
        /// Which timeout.
        kind: TimeoutKind,
        /// The timeout in milliseconds.
        limit_ms: u64,
    },
    /// The runtime called `ext_panic` with this message.
    #[error("runtime panicked: {0}")]
    RuntimePanic(String),
    /// Any other Wasm trap (out-of-bounds access, `unreachable`, division by zero, ...).
    #[error("wasm trap: {0}")]
    Trap(String),
    /// The guest exceeded the Wasm stack limit.
    #[error("wasm stack overflow")]
    StackOverflow,
    /// The guest asked for linear memory beyond the heap limit.
    #[error("memory limit of {limit_bytes} bytes exceeded")]
    MemoryLimit {
        /// The heap limit in bytes.
        limit_bytes: u64,
    },
    /// The output broke the ABI: pointer or length out of bounds, not a `ValidationResult`,
    /// head data or new code above its limit (also an out-of-bounds `atoll_alloc` result).
    #[error("bad output: {0}")]
    BadOutput(String),
    /// A host function was misused: a guest pointer out of bounds, a storage function during
    /// validation.
    #[error("host function misuse: {0}")]
    HostFunctionMisuse(String),
}

/// How long the phases of one validation took (wall clock, for metrics and benchmarks only).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ExecutionTimes {
    /// Preparing the code: a memory cache hit, a disk load, or a compilation.
    pub prepare: Duration,
    /// Creating the store and instantiating the module.
    pub instantiate: Duration,
    /// Writing the input, running `validate_block`, reading and decoding the output.
    pub execute: Duration,
}
