//! # atoll-pvf
//!
//! The host that prepares and executes parachain validation code (PVFs) with wasmtime. A
//! validator hands it a para's [`ValidationCode`](atoll_primitives::ValidationCode) and a
//! candidate's [`ValidationParams`](atoll_primitives::ValidationParams) and gets a
//! [`ValidationOutcome`]; a collator gets a [`RuntimeInstance`] to build blocks with.
//!
//! Principles: execution is deterministic and bounded in time, memory and stack. Every failure
//! is classified: a guest trap, a bad PoV, a timeout, a memory or stack limit, a bad output or a
//! bad module make the candidate *invalid*; an error of the host itself is *internal* and never
//! becomes an invalid verdict. Nothing in the Wasm blob or its inputs can panic or hang the host.
//!
//! ## Bird's-eye view, in the order the types are used
//!
//! - [`PvfConfig`] with [`ExecutorParams`] (limits and timeouts; the defaults are the DESIGN
//!   numbers) and the artifact cache directory.
//! - [`PvfHost`]: created once, shared with `Arc`. [`PvfHost::prepare`] turns code into a
//!   [`PreparedArtifact`] (or a [`PrepareError`]); [`PvfHost::validate`] runs `validate_block`
//!   under a [`TimeoutKind`] and returns a [`ValidationOutcome`]: `Valid`, `Invalid`
//!   ([`InvalidReason`]) or `Internal` ([`InternalError`]); [`PvfHost::validate_timed`] adds
//!   [`ExecutionTimes`].
//! - [`PvfHost::instantiate_for_building`] gives a [`RuntimeInstance`] whose storage imports
//!   call a [`StorageHost`]; [`RuntimeInstance::call`] runs one entry point ([`CallError`]).
//! - [`PvfStats`]: counters of compilations, cache hits, executions and verdicts.
//! - [`host_functions`]: the host functions' work as plain functions over guest memory;
//!   [`artifact_cache`]: the artifact file format.
//!
//! ## Rules (cited in the code as "Step n")
//!
//! 1. **Engine.** Cranelift at `OptLevel::Speed` with NaN canonicalization; threads, SIMD,
//!    relaxed SIMD, memory64, GC, multi-memory, the component model and tail calls off; the Wasm
//!    stack limited to `max_wasm_stack_bytes`; epoch interruption on, no fuel. An epoch ticker
//!    thread increments the epoch every 10 ms and stops when the host (and every instance made
//!    from it) is dropped. A timeout is `ceil(timeout / 10 ms)` ticks; `Trap::Interrupt` means
//!    `Timeout`.
//! 2. **Prepare.** Code above `max_code_size` is `CodeTooLarge` before it is parsed. Validation
//!    and compilation run on a separate thread waited for with the compile timeout
//!    (`CompileTimeout`; the thread finishes in the background). The module may import only
//!    functions of module `atoll` named in `host_abi::import::ALL`, each with its exact ABI
//!    signature (`UnknownImport`, `BadImportSignature`), and must export `memory`,
//!    `atoll_alloc` and `validate_block` with their types (`MissingExport`,
//!    `BadExportSignature`). Results are cached in memory by code hash (at most one compilation
//!    per code hash per host); inside `validate` a prepare error is `Invalid(CodeRejected)`,
//!    except `PrepareError::Internal`, which is `Internal` and is not cached.
//! 3. **Artifact cache.** On disk, keyed by the code hash and the hash of the compilation
//!    relevant executor params with the engine's `precompile_compatibility_hash`. A file is a
//!    magic, the blake2b-256 checksum of the payload and the `Module::serialize` payload,
//!    written to a temporary file and renamed. Loading checks magic and checksum before the one
//!    `unsafe` call of the crate (`Module::deserialize`). Any bad file is logged, deleted,
//!    recompiled and counted; an unwritable cache is a warning.
//! 4. **Execute.** A PoV above `max_pov_size` is `PoVTooLarge` before anything runs. Each
//!    validation gets a fresh store limited to `heap_limit_bytes` of memory, one instance, one
//!    memory and a bounded number of table elements; growth failures are visible to the guest
//!    (`memory.grow` returns -1) and recorded. The store runs on a fresh thread whose stack is
//!    the Wasm stack limit plus headroom. The SCALE-encoded `ValidationParams` are written
//!    through `atoll_alloc`, `validate_block(ptr, len)` is called, its packed `(ptr, len)` is
//!    bounds-checked and decoded as a `ValidationResult` with `decode_bounded`; head data above
//!    `MAX_HEAD_DATA_SIZE` or new code above `max_code_size` is `BadOutput`.
//! 5. **Host functions** of module `atoll` (see [`host_functions`]): every guest pointer is
//!    bounds-checked (`HostFunctionMisuse`, never a host panic). `ext_panic` records its message
//!    (up to 4 KiB) and stops the call (`RuntimePanic`). The storage functions stop the call
//!    during validation (`HostFunctionMisuse("ext_storage_get called during validation")`) and
//!    call the [`StorageHost`] when building (its errors are `Internal`).
//! 6. **Classification** of a failed call: see the table in `execute.rs`, in this order: host
//!    failure → `Internal`; memory limit recorded → `MemoryLimit`; panic message →
//!    `RuntimePanic`; `Trap::Interrupt` → `Timeout`; `Trap::StackOverflow` → `StackOverflow`;
//!    misuse recorded → `HostFunctionMisuse`; other trap → `Trap`; anything else → `Internal`.
//! 7. **Stats.** Everything is counted in atomics, read as [`PvfStats`].

pub mod artifact_cache;
mod clock;
mod config;
mod engine;
mod error;
mod execute;
mod host;
pub mod host_functions;
mod instance;
mod limiter;
mod outcome;
mod prepare;
mod stats;
mod storage;
mod store_data;
mod worker;

pub use config::{
    ExecutorParams, PvfConfig, TimeoutKind, EPOCH_TICK, MAX_LOG_MESSAGE_BYTES,
    MAX_PANIC_MESSAGE_BYTES, MAX_TABLE_ELEMENTS, NATIVE_STACK_HEADROOM,
};
pub use engine::ticks_for;
pub use error::InternalError;
pub use host::PvfHost;
pub use instance::{CallError, RuntimeInstance};
pub use outcome::{ExecutionTimes, InvalidReason, ValidationOutcome};
pub use prepare::{ArtifactSource, PrepareError, PreparedArtifact};
pub use stats::PvfStats;
pub use storage::{append_to_scale_vec, StorageHost};

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send_sync<T: Send + Sync>() {}

    #[test]
    fn host_is_send_and_sync() {
        assert_send_sync::<PvfHost>();
        assert_send_sync::<PreparedArtifact>();
    }

    #[test]
    fn every_abi_import_has_a_signature() {
        for name in atoll_primitives::host_abi::import::ALL {
            assert!(host_functions::signature_of(name).is_some(), "{name} has no signature");
        }
        assert_eq!(host_functions::SIGNATURES.len(), atoll_primitives::host_abi::import::ALL.len());
    }

    #[test]
    fn ticks_round_up() {
        use std::time::Duration;
        assert_eq!(ticks_for(Duration::from_millis(2_000)), 200);
        assert_eq!(ticks_for(Duration::from_millis(2_001)), 201);
        assert_eq!(ticks_for(Duration::from_millis(1)), 1);
        assert_eq!(ticks_for(Duration::ZERO), 0);
    }
}
