//! [`RuntimeInstance`]: one instance of a runtime for block building, whose storage imports call
//! a [`StorageHost`]. A collator makes several calls on it (`initialize_block`,
//! `apply_extrinsic` per extrinsic, `finalize_block`), each under its own timeout.

use std::sync::Arc;
use std::time::Duration;

use wasmtime::{Engine, Instance, Linker, Store, ValType};

use crate::config::ExecutorParams;
use crate::engine::EpochTicker;
use crate::error::InternalError;
use crate::execute::{
    begin_call, call_export, classify, new_store, on_execution_thread, Fault, GuestAbi,
};
use crate::host_functions::{link, StorageLinking};
use crate::outcome::InvalidReason;
use crate::prepare::{func_is, PrepareError, PreparedArtifact};
use crate::stats::{bump, StatsCounters};
use crate::storage::StorageHost;
use crate::store_data::HostState;

/// Why creating a building instance or calling into it failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CallError {
    /// The code could not be prepared (never [`PrepareError::Internal`], which is
    /// [`CallError::Internal`]).
    #[error("validation code rejected: {0}")]
    Prepare(PrepareError),
    /// The runtime failed: it panicked, trapped, misused a host function, exceeded a limit or
    /// returned a bad output.
    #[error("runtime call failed: {0}")]
    Invalid(InvalidReason),
    /// The call did not finish within its timeout.
    #[error("call of {export} exceeded its timeout of {limit_ms} ms")]
    Timeout {
        /// The export called.
        export: String,
        /// The timeout in milliseconds.
        limit_ms: u64,
    },
    /// The runtime has no such export.
    #[error("the runtime exports no function `{name}`")]
    MissingExport {
        /// The export's name.
        name: String,
    },
    /// The export is not an entry point `(i32, i32) -> i64`.
    #[error("export `{name}` is not an entry point (i32, i32) -> i64")]
    BadExportSignature {
        /// The export's name.
        name: String,
    },
    /// An earlier call on this instance failed, so the guest's state (its heap, its shadow
    /// stack) may be inconsistent; create a new instance.
    #[error("the instance is unusable after an earlier failed call of {export}")]
    Poisoned {
        /// The export whose call failed.
        export: String,
    },
    /// The host failed (the storage host, threads, wasmtime on our side).
    #[error("internal error: {0}")]
    Internal(InternalError),
}

/// The error of a failed call of `export` that ran under `timeout`.
fn call_error(fault: Fault, export: &str, timeout: Duration) -> CallError {
    match fault {
        Fault::Timeout => {
            CallError::Timeout { export: export.to_string(), limit_ms: millis(timeout) }
        }
        Fault::Invalid(reason) => CallError::Invalid(reason),
        Fault::Internal(error) => CallError::Internal(error),
    }
}

/// A runtime instance for block building. Its store lives as long as the instance, so the
/// guest's memory and globals persist between calls; the storage is reached only through `S`.
pub struct RuntimeInstance<S: 'static> {
    store: Store<HostState<S>>,
    instance: Instance,
    abi: GuestAbi,
    artifact: Arc<PreparedArtifact>,
    stack_size: usize,
    /// Keeps the epoch ticker running while the instance exists, even if the host is dropped.
    ticker: Arc<EpochTicker>,
    stats: Arc<StatsCounters>,
    poisoned: Option<String>,
}

impl<S: StorageHost + Send + 'static> RuntimeInstance<S> {
    /// Instantiates `artifact` with storage imports forwarding to `storage`. Instantiation (data
    /// segments, a start function) runs under `params.backing_timeout`.
    pub(crate) fn instantiate(
        engine: &Engine,
        ticker: Arc<EpochTicker>,
        artifact: Arc<PreparedArtifact>,
        params: &ExecutorParams,
        storage: S,
        stats: Arc<StatsCounters>,
    ) -> Result<RuntimeInstance<S>, CallError> {
        let mut linker = Linker::new(engine);
        link(&mut linker, StorageLinking::Forward).map_err(CallError::Internal)?;
        let mut store = new_store(engine, params, storage);
        begin_call(&mut store, ticker.deadline(params.backing_timeout));
        let stack_size = params.execution_thread_stack();
        let module = artifact.module();
        let store_ref = &mut store;
        let instantiated = on_execution_thread(stack_size, move || {
            let instance = linker
                .instantiate(&mut *store_ref, module)
                .map_err(|e| classify(&e, store_ref.data(), "instantiating for building"))?;
            let abi = GuestAbi::of(store_ref, &instance).map_err(Fault::Internal)?;
            Ok::<_, Fault>((instance, abi))
        })
        .map_err(CallError::Internal)?;
        let (instance, abi) = instantiated
            .map_err(|fault| call_error(fault, "(instantiation)", params.backing_timeout))?;
        Ok(RuntimeInstance {
            store,
            instance,
            abi,
            artifact,
            stack_size,
            ticker,
            stats,
            poisoned: None,
        })
    }

    /// Writes `input` through the guest's `atoll_alloc`, calls `export(ptr, len) -> i64` and
    /// returns the output bytes, stopping the guest after `timeout`. After a failed call the
    /// instance is poisoned: later calls return [`CallError::Poisoned`].
    pub fn call(
        &mut self,
        export: &str,
        input: &[u8],
        timeout: Duration,
    ) -> Result<Vec<u8>, CallError> {
        if let Some(failed) = &self.poisoned {
            return Err(CallError::Poisoned { export: failed.clone() });
        }
        let Some(func) = self.instance.get_func(&mut self.store, export) else {
            return Err(CallError::MissingExport { name: export.to_string() });
        };
        let entry_point = func_is(
            &wasmtime::ExternType::Func(func.ty(&self.store)),
            &[ValType::I32, ValType::I32],
            &[ValType::I64],
        );
        let typed = match func.typed::<(u32, u32), u64>(&self.store) {
            Ok(typed) if entry_point => typed,
            _ => return Err(CallError::BadExportSignature { name: export.to_string() }),
        };
        bump(&self.stats.building_calls);
        begin_call(&mut self.store, self.ticker.deadline(timeout));
        let store = &mut self.store;
        let abi = &self.abi;
        let result = on_execution_thread(self.stack_size, move || {
            call_export(store, abi, export, &typed, input)
        })
        .map_err(CallError::Internal)
        .and_then(|r| r.map_err(|fault| call_error(fault, export, timeout)));
        if result.is_err() {
            self.poisoned = Some(export.to_string());
        }
        result
    }

    /// The storage.
    pub fn storage(&self) -> &S {
        &self.store.data().storage
    }

    /// The storage, mutably (for example to commit or roll back an overlay between calls).
    pub fn storage_mut(&mut self) -> &mut S {
        &mut self.store.data_mut().storage
    }

    /// Ends the instance and returns its storage.
    pub fn into_storage(self) -> S {
        self.store.into_data().storage
    }

    /// Whether an earlier call failed (see [`RuntimeInstance::call`]).
    pub fn is_poisoned(&self) -> bool {
        self.poisoned.is_some()
    }

    /// The prepared artifact this instance runs.
    pub fn artifact(&self) -> &Arc<PreparedArtifact> {
        &self.artifact
    }
}

impl<S: 'static> core::fmt::Debug for RuntimeInstance<S> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("RuntimeInstance")
            .field("code_hash", &self.artifact.code_hash())
            .field("poisoned", &self.poisoned)
            .finish_non_exhaustive()
    }
}

/// A duration in whole milliseconds.
pub(crate) fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}
