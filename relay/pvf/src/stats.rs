//! Counters of a [`crate::PvfHost`] (Step 7): atomics updated by every operation, read as a
//! [`PvfStats`] snapshot.

use std::sync::atomic::{AtomicU64, Ordering};

/// A snapshot of a host's counters since it was created.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PvfStats {
    /// Modules compiled from Wasm (successfully or not).
    pub compilations: u64,
    /// Preparations served by an artifact loaded from the disk cache.
    pub disk_cache_hits: u64,
    /// Preparations served from memory (including waiting for a compilation already running,
    /// and cached preparation failures).
    pub memory_cache_hits: u64,
    /// Artifact files that failed verification or loading, were deleted, and recompiled.
    pub corrupt_artifacts_recompiled: u64,
    /// Artifacts that could not be written to the disk cache (kept in memory only).
    pub artifact_write_failures: u64,
    /// Preparations rejected (the code is invalid or took too long to compile).
    pub prepare_failures: u64,
    /// Validations that ran the guest (PoVs over the limit and rejected code do not count).
    pub executions: u64,
    /// Validations with a `Valid` outcome.
    pub valid: u64,
    /// Validations with an `Invalid` outcome.
    pub invalid: u64,
    /// Validations with an `Internal` outcome.
    pub internal_errors: u64,
    /// Invalid validations that were timeouts (also counted in `invalid`).
    pub timeouts: u64,
    /// Calls made on block-building instances.
    pub building_calls: u64,
}

/// The live counters behind [`PvfStats`].
#[derive(Debug, Default)]
pub(crate) struct StatsCounters {
    pub(crate) compilations: AtomicU64,
    pub(crate) disk_cache_hits: AtomicU64,
    pub(crate) memory_cache_hits: AtomicU64,
    pub(crate) corrupt_artifacts_recompiled: AtomicU64,
    pub(crate) artifact_write_failures: AtomicU64,
    pub(crate) prepare_failures: AtomicU64,
    pub(crate) executions: AtomicU64,
    pub(crate) valid: AtomicU64,
    pub(crate) invalid: AtomicU64,
    pub(crate) internal_errors: AtomicU64,
    pub(crate) timeouts: AtomicU64,
    pub(crate) building_calls: AtomicU64,
}

/// Adds one to a counter.
pub(crate) fn bump(counter: &AtomicU64) {
    counter.fetch_add(1, Ordering::Relaxed);
}

impl StatsCounters {
    /// Reads every counter.
    pub(crate) fn snapshot(&self) -> PvfStats {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        PvfStats {
            compilations: get(&self.compilations),
            disk_cache_hits: get(&self.disk_cache_hits),
            memory_cache_hits: get(&self.memory_cache_hits),
            corrupt_artifacts_recompiled: get(&self.corrupt_artifacts_recompiled),
            artifact_write_failures: get(&self.artifact_write_failures),
            prepare_failures: get(&self.prepare_failures),
            executions: get(&self.executions),
            valid: get(&self.valid),
            invalid: get(&self.invalid),
            internal_errors: get(&self.internal_errors),
            timeouts: get(&self.timeouts),
            building_calls: get(&self.building_calls),
        }
    }
}
