//! What a [`crate::PvfHost`] is configured with: the executor parameters (limits and timeouts,
//! DESIGN.md "Numbers") and where compiled artifacts are cached.

use std::path::PathBuf;
use std::time::Duration;

use atoll_primitives::limits;

/// How often the epoch ticker advances the engine's epoch (Step 1). Every timeout is a whole
/// number of ticks, so a guest is stopped at most one tick after its deadline.
pub const EPOCH_TICK: Duration = Duration::from_millis(10);

/// Native stack given to an execution thread on top of the Wasm stack limit (Step 4): room for
/// wasmtime's trampolines, the host functions (sr25519 batch verification is the deepest) and
/// the trap machinery. Wasmtime only bounds the stack the guest uses; if the thread's stack ran
/// out first the process would abort, so executions never run on a caller's thread of unknown
/// stack size.
pub const NATIVE_STACK_HEADROOM: usize = 4 * 1024 * 1024;

/// Largest number of table elements of an execution, over all its tables (the function-pointer
/// table of a Rust runtime holds a few thousand). Each element costs the host 8 bytes.
pub const MAX_TABLE_ELEMENTS: usize = 1 << 20;

/// The longest `ext_log` message kept, in bytes; longer messages are cut.
pub const MAX_LOG_MESSAGE_BYTES: usize = 4 * 1024;

/// The longest `ext_panic` message kept, in bytes; longer messages are cut.
pub const MAX_PANIC_MESSAGE_BYTES: usize = 4 * 1024;

/// Bytes of Wasm stack per logical stack value in the design's stack limit
/// ([`limits::MAX_STACK_VALUES`] values of 8 bytes).
const BYTES_PER_STACK_VALUE: usize = 8;

/// The limits and timeouts of preparation and execution. They must be the same on every
/// validator (they decide verdicts); the defaults are the DESIGN numbers of
/// [`atoll_primitives::limits`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExecutorParams {
    /// Largest validation code accepted, in bytes; larger code is rejected before parsing.
    pub max_code_size: u32,
    /// Largest PoV (its block data) accepted, in bytes; larger PoVs are rejected before
    /// executing.
    pub max_pov_size: u32,
    /// Largest linear memory of an execution, in bytes (128 MiB). A growth beyond it fails
    /// (`memory.grow` returns -1) and the execution is classified `MemoryLimit`.
    pub heap_limit_bytes: u64,
    /// Native stack the guest may use, in bytes (512 KiB, about 65,536 values of 8 bytes).
    /// Deeper recursion traps with a stack overflow.
    pub max_wasm_stack_bytes: usize,
    /// Execution timeout when backing a candidate (2 s).
    pub backing_timeout: Duration,
    /// Execution timeout in approval checking and disputes (12 s, 6x backing).
    pub approval_timeout: Duration,
    /// Compilation timeout of one validation code (60 s).
    pub compile_timeout: Duration,
}

impl Default for ExecutorParams {
    fn default() -> Self {
        ExecutorParams {
            max_code_size: limits::MAX_CODE_SIZE,
            max_pov_size: limits::MAX_POV_SIZE,
            heap_limit_bytes: limits::MAX_HEAP_BYTES,
            max_wasm_stack_bytes: limits::MAX_STACK_VALUES as usize * BYTES_PER_STACK_VALUE,
            backing_timeout: Duration::from_millis(limits::BACKING_TIMEOUT_MS),
            approval_timeout: Duration::from_millis(limits::APPROVAL_TIMEOUT_MS),
            compile_timeout: Duration::from_millis(limits::COMPILE_TIMEOUT_MS),
        }
    }
}

impl ExecutorParams {
    /// The execution timeout of `kind`.
    pub fn timeout(&self, kind: TimeoutKind) -> Duration {
        match kind {
            TimeoutKind::Backing => self.backing_timeout,
            TimeoutKind::Approval => self.approval_timeout,
        }
    }

    /// The stack size of an execution thread: the Wasm stack limit plus
    /// [`NATIVE_STACK_HEADROOM`].
    pub fn execution_thread_stack(&self) -> usize {
        self.max_wasm_stack_bytes.saturating_add(NATIVE_STACK_HEADROOM)
    }

    /// The fields that change compiled code or the engine it is compiled for, as bytes: part of
    /// the artifact cache key (Step 3). Limits checked at run time (heap, PoV, timeouts) are not
    /// included, so changing them keeps the cache.
    pub(crate) fn compilation_key_bytes(&self) -> Vec<u8> {
        let mut bytes = Vec::with_capacity(16);
        bytes.extend_from_slice(&(self.max_wasm_stack_bytes as u64).to_le_bytes());
        bytes
    }
}

/// Which execution timeout applies to a validation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TimeoutKind {
    /// Backing: [`ExecutorParams::backing_timeout`].
    Backing,
    /// Approval checking and disputes: [`ExecutorParams::approval_timeout`].
    Approval,
}

impl core::fmt::Display for TimeoutKind {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            TimeoutKind::Backing => "backing",
            TimeoutKind::Approval => "approval",
        })
    }
}

/// The configuration of a [`crate::PvfHost`].
#[derive(Clone, Debug)]
pub struct PvfConfig {
    /// Directory of the on-disk artifact cache (created if absent). If it cannot be created or
    /// written, artifacts are only kept in memory and a warning is logged.
    pub cache_dir: PathBuf,
    /// The limits and timeouts.
    pub params: ExecutorParams,
}

impl PvfConfig {
    /// A configuration with the default [`ExecutorParams`].
    pub fn new(cache_dir: impl Into<PathBuf>) -> PvfConfig {
        PvfConfig { cache_dir: cache_dir.into(), params: ExecutorParams::default() }
    }
}
