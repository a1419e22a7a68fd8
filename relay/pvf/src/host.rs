//! [`PvfHost`]: the entry point. Prepares code through the memory cache, the disk cache and the
//! compiler (Steps 2 and 3), and validates candidates (Step 4).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use atoll_primitives::{ValidationCode, ValidationCodeHash, ValidationParams};
use parity_scale_codec::Encode;
use wasmtime::{Engine, Linker};

use crate::artifact_cache::ArtifactCache;
use crate::config::{ExecutorParams, PvfConfig, TimeoutKind};
use crate::engine::{new_engine, EpochTicker};
use crate::error::InternalError;
use crate::execute::{decode_validation_result, run_validation, Fault};
use crate::host_functions::{link, StorageLinking};
use crate::instance::{millis, CallError, RuntimeInstance};
use crate::outcome::{ExecutionTimes, InvalidReason, ValidationOutcome};
use crate::prepare::{
    check_code_size, check_interface, compile_with_timeout, ArtifactSource, PrepareError,
    PreparedArtifact,
};
use crate::stats::{bump, PvfStats, StatsCounters};
use crate::storage::{NoStorage, StorageHost};
use crate::store_data::HostState;
use crate::worker::ExecutionWorker;

/// The result of preparing one code hash, computed once per host.
type PrepareResult = Result<Arc<PreparedArtifact>, PrepareError>;

/// The memory cache's entry for one code hash. `OnceLock` makes concurrent `prepare` calls for
/// the same code wait for the one compilation instead of starting their own.
type ArtifactSlot = Arc<OnceLock<PrepareResult>>;

/// Prepares and executes parachain validation code. `Send + Sync`: share it with `Arc`.
///
/// Owns the wasmtime engine and its epoch ticker thread; the thread stops when the host and
/// every [`RuntimeInstance`] created from it are dropped.
pub struct PvfHost {
    params: ExecutorParams,
    engine: Engine,
    ticker: Arc<EpochTicker>,
    disk: ArtifactCache,
    /// Prepared artifacts and preparation failures by code hash. Failures that are verdicts on
    /// the code stay cached (the code will not get better); internal ones are retried.
    memory: Mutex<HashMap<ValidationCodeHash, ArtifactSlot>>,
    /// The linker of validation: storage imports forbidden.
    validation_linker: Arc<Linker<HostState<NoStorage>>>,
    stats: Arc<StatsCounters>,
    worker: ExecutionWorker,
}

impl core::fmt::Debug for PvfHost {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("PvfHost")
            .field("params", &self.params)
            .field("disk", &self.disk)
            .field("stats", &self.stats.snapshot())
            .finish_non_exhaustive()
    }
}

impl PvfHost {
    /// Creates the engine (Step 1), starts the epoch ticker and opens the artifact cache
    /// directory (a directory that cannot be created is a warning, not an error).
    pub fn new(config: PvfConfig) -> Result<PvfHost, InternalError> {
        let PvfConfig { cache_dir, params } = config;
        let engine = new_engine(&params)?;
        let ticker = EpochTicker::start(&engine)?;
        let disk = ArtifactCache::new(cache_dir, &engine, &params);
        let mut validation_linker = Linker::new(&engine);
        link(&mut validation_linker, StorageLinking::Forbidden)?;
        let worker = ExecutionWorker::new(params.execution_thread_stack());
        Ok(PvfHost {
            params,
            engine,
            ticker,
            disk,
            memory: Mutex::new(HashMap::new()),
            validation_linker: Arc::new(validation_linker),
            worker,
            stats: Arc::new(StatsCounters::default()),
        })
    }

    /// The limits and timeouts this host applies.
    pub fn params(&self) -> &ExecutorParams {
        &self.params
    }

    /// Counters since the host was created.
    pub fn stats(&self) -> PvfStats {
        self.stats.snapshot()
    }

    /// Prepares `code`: the memory cache by code hash, then the on-disk artifact cache, then a
    /// compilation. At most one compilation per code hash per host: concurrent callers wait for
    /// it. Steps 2 and 3.
    pub fn prepare(&self, code: &ValidationCode) -> Result<Arc<PreparedArtifact>, PrepareError> {
        // Step 2: the size check before anything else, so huge code is not even hashed.
        if let Err(e) = check_code_size(code, self.params.max_code_size) {
            bump(&self.stats.prepare_failures);
            return Err(e);
        }
        let code_hash = code.hash();
        let slot: ArtifactSlot = {
            let mut memory = self.memory.lock().unwrap_or_else(PoisonError::into_inner);
            Arc::clone(memory.entry(code_hash).or_default())
        };
        let mut prepared_here = false;
        let result = slot
            .get_or_init(|| {
                prepared_here = true;
                self.load_or_compile(code, code_hash)
            })
            .clone();
        if !prepared_here {
            bump(&self.stats.memory_cache_hits);
        }
        if let Err(e) = &result {
            bump(&self.stats.prepare_failures);
            if e.is_internal() {
                // Not a verdict on the code: forget it so that the next call tries again.
                let mut memory = self.memory.lock().unwrap_or_else(PoisonError::into_inner);
                if memory.get(&code_hash).is_some_and(|s| Arc::ptr_eq(s, &slot)) {
                    memory.remove(&code_hash);
                }
            }
        }
        result
    }

    /// Step 3 then Step 2: the disk cache, else a compilation (whose artifact is written back).
    fn load_or_compile(
        &self,
        code: &ValidationCode,
        code_hash: ValidationCodeHash,
    ) -> PrepareResult {
        let started = crate::clock::now();
        match self.disk.load(&self.engine, &code_hash) {
            Ok(Some(module)) => {
                check_interface(&module)?;
                bump(&self.stats.disk_cache_hits);
                tracing::debug!(target: "pvf", code_hash = %code_hash.0, "artifact loaded from the disk cache");
                return Ok(Arc::new(PreparedArtifact::new(
                    code_hash,
                    module,
                    ArtifactSource::DiskCache,
                    started.elapsed(),
                )));
            }
            Ok(None) => {}
            // Already logged and deleted by the cache.
            Err(_) => bump(&self.stats.corrupt_artifacts_recompiled),
        }
        bump(&self.stats.compilations);
        let module = compile_with_timeout(&self.engine, code, self.params.compile_timeout)
            .inspect_err(|e| {
                tracing::info!(target: "pvf", code_hash = %code_hash.0, error = %e, "validation code rejected");
            })?;
        check_interface(&module).inspect_err(|e| {
            tracing::info!(target: "pvf", code_hash = %code_hash.0, error = %e, "validation code rejected");
        })?;
        let compile_time = started.elapsed();
        tracing::debug!(
            target: "pvf",
            code_hash = %code_hash.0,
            code_bytes = code.0.len(),
            compile_ms = compile_time.as_secs_f64() * 1000.0,
            "validation code compiled",
        );
        if let Err(error) = self.disk.store(&code_hash, &module) {
            bump(&self.stats.artifact_write_failures);
            tracing::warn!(
                target: "pvf",
                code_hash = %code_hash.0,
                %error,
                "cannot write the artifact to the disk cache; keeping it in memory only",
            );
        }
        Ok(Arc::new(PreparedArtifact::new(
            code_hash,
            module,
            ArtifactSource::Compiled,
            compile_time,
        )))
    }

    /// Validates a candidate: runs the export `validate_block` of `code` on `params` under the
    /// timeout of `kind`.
    pub fn validate(
        &self,
        code: &ValidationCode,
        params: &ValidationParams,
        kind: TimeoutKind,
    ) -> ValidationOutcome {
        self.validate_timed(code, params, kind).0
    }

    /// [`PvfHost::validate`] for code known by its hash, as validators know it (the
    /// candidate's descriptor names it): the code is loaded with `load` and hashed only when
    /// its artifact is not in memory yet, which keeps the hot path free of hashing megabytes
    /// of Wasm. Code that cannot be loaded, or does not hash to `code_hash`, is the caller's
    /// failure: [`ValidationOutcome::Internal`], never a verdict.
    pub fn validate_by_hash(
        &self,
        code_hash: ValidationCodeHash,
        load: impl FnOnce() -> Result<ValidationCode, String>,
        params: &ValidationParams,
        kind: TimeoutKind,
    ) -> ValidationOutcome {
        self.validate_by_hash_timed(code_hash, load, params, kind).0
    }

    /// [`PvfHost::validate_by_hash`], also reporting how long each phase took (a zero
    /// `prepare` when the prepared code was in memory).
    pub fn validate_by_hash_timed(
        &self,
        code_hash: ValidationCodeHash,
        load: impl FnOnce() -> Result<ValidationCode, String>,
        params: &ValidationParams,
        kind: TimeoutKind,
    ) -> (ValidationOutcome, ExecutionTimes) {
        let cached = {
            let memory = self.memory.lock().unwrap_or_else(PoisonError::into_inner);
            memory.get(&code_hash).and_then(|slot| slot.get().cloned())
        };
        let (outcome, times) = match cached {
            Some(prepared) => {
                bump(&self.stats.memory_cache_hits);
                self.execute_prepared(prepared, params, kind, ExecutionTimes::default())
            }
            None => {
                let unavailable = |reason: String| {
                    ValidationOutcome::Internal(InternalError::CodeUnavailable {
                        code_hash: code_hash.0,
                        reason,
                    })
                };
                match load() {
                    Err(reason) => (unavailable(reason), ExecutionTimes::default()),
                    Ok(code) if code.hash() != code_hash => (
                        unavailable("the loaded code has another hash".into()),
                        ExecutionTimes::default(),
                    ),
                    Ok(code) => self.validate_inner(&code, params, kind),
                }
            }
        };
        self.count(code_hash, &outcome);
        (outcome, times)
    }

    /// [`PvfHost::validate`], also reporting how long each phase took.
    pub fn validate_timed(
        &self,
        code: &ValidationCode,
        params: &ValidationParams,
        kind: TimeoutKind,
    ) -> (ValidationOutcome, ExecutionTimes) {
        let (outcome, times) = self.validate_inner(code, params, kind);
        if !matches!(outcome, ValidationOutcome::Valid(_)) {
            self.count(code.hash(), &outcome);
        } else {
            bump(&self.stats.valid);
        }
        (outcome, times)
    }

    /// Counts an outcome in the stats (and logs the failures).
    fn count(&self, code_hash: ValidationCodeHash, outcome: &ValidationOutcome) {
        match outcome {
            ValidationOutcome::Valid(_) => bump(&self.stats.valid),
            ValidationOutcome::Invalid(reason) => {
                bump(&self.stats.invalid);
                if matches!(reason, InvalidReason::Timeout { .. }) {
                    bump(&self.stats.timeouts);
                }
                tracing::debug!(target: "pvf", code_hash = %code_hash.0, %reason, "candidate invalid");
            }
            ValidationOutcome::Internal(error) => {
                bump(&self.stats.internal_errors);
                tracing::warn!(target: "pvf", code_hash = %code_hash.0, %error, "validation failed internally");
            }
        }
    }

    fn validate_inner(
        &self,
        code: &ValidationCode,
        params: &ValidationParams,
        kind: TimeoutKind,
    ) -> (ValidationOutcome, ExecutionTimes) {
        let mut times = ExecutionTimes::default();
        // Step 4: the PoV limit before anything runs.
        let pov_size = params.block_data.0.len();
        if u32::try_from(pov_size).map_or(true, |s| s > self.params.max_pov_size) {
            let reason =
                InvalidReason::PoVTooLarge { size: pov_size, max: self.params.max_pov_size };
            return (ValidationOutcome::Invalid(reason), times);
        }
        let started = crate::clock::now();
        let prepared = self.prepare(code);
        times.prepare = started.elapsed();
        self.execute_prepared(prepared, params, kind, times)
    }

    /// Step 4 on a prepared (or refused) artifact.
    fn execute_prepared(
        &self,
        prepared: PrepareResult,
        params: &ValidationParams,
        kind: TimeoutKind,
        mut times: ExecutionTimes,
    ) -> (ValidationOutcome, ExecutionTimes) {
        let artifact = match prepared {
            Ok(artifact) => artifact,
            // Step 2: prepare errors are verdicts on the code, except the host's own.
            Err(PrepareError::Internal(e)) => return (ValidationOutcome::Internal(e), times),
            Err(e) => return (ValidationOutcome::Invalid(InvalidReason::CodeRejected(e)), times),
        };
        let input = params.encode();
        let timeout = self.params.timeout(kind);
        let deadline = self.ticker.deadline(timeout);
        bump(&self.stats.executions);
        let (engine, linker, params) =
            (self.engine.clone(), Arc::clone(&self.validation_linker), self.params.clone());
        let run = self
            .worker
            .run(move || run_validation(&engine, &linker, &artifact, &params, deadline, &input));
        let run = match run {
            Ok(run) => run,
            Err(e) => return (ValidationOutcome::Internal(e), times),
        };
        times.instantiate = run.instantiate;
        let decode_started = crate::clock::now();
        let outcome = match run.output {
            Ok(output) => match decode_validation_result(&output, &self.params) {
                Ok(result) => ValidationOutcome::Valid(result),
                Err(reason) => ValidationOutcome::Invalid(reason),
            },
            Err(Fault::Timeout) => ValidationOutcome::Invalid(InvalidReason::Timeout {
                kind,
                limit_ms: millis(timeout),
            }),
            Err(Fault::Invalid(reason)) => ValidationOutcome::Invalid(reason),
            Err(Fault::Internal(error)) => ValidationOutcome::Internal(error),
        };
        times.execute = run.execute.saturating_add(decode_started.elapsed());
        (outcome, times)
    }

    /// An instance of `code` for block building, whose storage imports call `storage`.
    pub fn instantiate_for_building<S: StorageHost + Send + 'static>(
        &self,
        code: &ValidationCode,
        storage: S,
    ) -> Result<RuntimeInstance<S>, CallError> {
        let artifact = self.prepare(code).map_err(|e| match e {
            PrepareError::Internal(error) => CallError::Internal(error),
            other => CallError::Prepare(other),
        })?;
        RuntimeInstance::instantiate(
            &self.engine,
            Arc::clone(&self.ticker),
            artifact,
            &self.params,
            storage,
            Arc::clone(&self.stats),
        )
    }
}
