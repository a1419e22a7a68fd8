//! Execution (Steps 4 and 6): a store per validation, the calling convention of `host_abi`, and
//! the classification of a failed call.
//!
//! ## Classification of a failed call (Step 6)
//!
//! The first matching row decides:
//!
//! | what happened during the call | outcome |
//! |---|---|
//! | the storage host failed, or the host could not provide memory below the limit | `Internal` |
//! | a memory growth beyond the heap limit was denied (whatever trap or panic followed) | `MemoryLimit` |
//! | the guest called `ext_panic` | `RuntimePanic(message)` |
//! | `Trap::Interrupt` (epoch deadline), or the deadline passed inside a host function | `Timeout` |
//! | `Trap::StackOverflow` | `StackOverflow` |
//! | a host function was misused (pointer out of bounds, storage during validation) | `HostFunctionMisuse` |
//! | `Trap::OutOfFuel` (fuel is off: a host bug) | `Internal` |
//! | any other trap | `Trap(description)` |
//! | a table growth beyond the element limit was denied | `Trap(description)` |
//! | anything else (wasmtime failing on our side) | `Internal` |
//!
//! A denied growth comes before a panic because a Rust runtime that runs out of memory panics
//! ("memory allocation failed"): the limit is the cause, the panic its consequence. Host
//! failures come first because they must never become an invalid verdict.

use std::time::Duration;

use atoll_primitives::host_abi::{self, export};
use atoll_primitives::limits::MAX_HEAD_DATA_SIZE;
use atoll_primitives::{decode_bounded, ValidationResult};
use wasmtime::{Engine, Linker, Memory, Store, Trap, TypedFunc};

use crate::config::{ExecutorParams, MAX_TABLE_ELEMENTS};
use crate::engine::Deadline;
use crate::error::InternalError;
use crate::outcome::InvalidReason;
use crate::prepare::PreparedArtifact;
use crate::storage::NoStorage;
use crate::store_data::{GuestFault, HostState};

/// A classified failure of a call. A timeout is kept apart because validation and building
/// report it differently (with a [`crate::TimeoutKind`], or as a building call's timeout).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Fault {
    /// The deadline passed.
    Timeout,
    /// The guest is at fault.
    Invalid(InvalidReason),
    /// The host is at fault.
    Internal(InternalError),
}

/// Step 6: classifies a failed call from wasmtime's error and what the store recorded.
pub(crate) fn classify<S>(
    error: &wasmtime::Error,
    state: &HostState<S>,
    context: &'static str,
) -> Fault {
    if let Some(GuestFault::Host(e)) = &state.fault {
        return Fault::Internal(e.clone());
    }
    if let Some(e) = &state.limiter.host_failure {
        return Fault::Internal(e.clone());
    }
    if state.limiter.memory_denied.is_some() {
        return Fault::Invalid(InvalidReason::MemoryLimit {
            limit_bytes: state.limiter.heap_limit_bytes(),
        });
    }
    if let Some(GuestFault::Panic(message)) = &state.fault {
        return Fault::Invalid(InvalidReason::RuntimePanic(message.clone()));
    }
    let trap = error.downcast_ref::<Trap>();
    if matches!(trap, Some(Trap::Interrupt)) || state.fault == Some(GuestFault::Timeout) {
        return Fault::Timeout;
    }
    if matches!(trap, Some(Trap::StackOverflow)) {
        return Fault::Invalid(InvalidReason::StackOverflow);
    }
    if let Some(GuestFault::Misuse(message)) = &state.fault {
        return Fault::Invalid(InvalidReason::HostFunctionMisuse(message.clone()));
    }
    if let Some(trap) = trap {
        return match trap {
            // Fuel is off (Step 1): running out of it is a host bug.
            Trap::OutOfFuel => Fault::Internal(InternalError::Invariant(
                "fuel is disabled, so no call runs out of fuel",
            )),
            other => Fault::Invalid(InvalidReason::Trap(other.to_string())),
        };
    }
    if let Some(total) = state.limiter.table_denied {
        return Fault::Invalid(InvalidReason::Trap(format!(
            "table growth to {total} elements denied (limit {MAX_TABLE_ELEMENTS})"
        )));
    }
    Fault::Internal(InternalError::Wasmtime { context, error: format!("{error:#}") })
}

/// Runs `f` on a fresh thread with `stack_size` bytes of stack and waits for it (Step 4: the
/// guest's stack limit is only safe on a thread whose stack is known to be larger).
pub(crate) fn on_execution_thread<R: Send>(
    stack_size: usize,
    f: impl FnOnce() -> R + Send,
) -> Result<R, InternalError> {
    std::thread::scope(|scope| {
        let handle = std::thread::Builder::new()
            .name("pvf-execute".into())
            .stack_size(stack_size)
            .spawn_scoped(scope, f)
            .map_err(|e| InternalError::ThreadSpawn { what: "execution", error: e.to_string() })?;
        handle.join().map_err(|_| InternalError::ThreadPanicked { what: "execution" })
    })
}

/// A store for one instance: the limiter of Step 4 installed, data `storage`.
pub(crate) fn new_store<S: Send + 'static>(
    engine: &Engine,
    params: &ExecutorParams,
    storage: S,
) -> Store<HostState<S>> {
    let mut store = Store::new(engine, HostState::new(params.heap_limit_bytes, storage));
    store.limiter(|state| &mut state.limiter);
    store
}

/// Starts a call: clears the previous call's records and sets the epoch deadline.
pub(crate) fn begin_call<S: 'static>(store: &mut Store<HostState<S>>, deadline: Deadline) {
    store.set_epoch_deadline(deadline.ticks);
    store.data_mut().begin_call(deadline);
}

/// The guest's entry points besides the one called.
pub(crate) struct GuestAbi {
    /// The exported linear memory.
    pub(crate) memory: Memory,
    /// `atoll_alloc(len) -> ptr`.
    pub(crate) alloc: TypedFunc<u32, u32>,
}

impl GuestAbi {
    /// Looks up `memory` and `atoll_alloc` (checked at preparation, so a failure is ours).
    pub(crate) fn of<S: 'static>(
        store: &mut Store<HostState<S>>,
        instance: &wasmtime::Instance,
    ) -> Result<GuestAbi, InternalError> {
        let memory = instance
            .get_memory(&mut *store, export::MEMORY)
            .ok_or(InternalError::Invariant("prepare checked that the module exports a memory"))?;
        let alloc =
            instance.get_typed_func::<u32, u32>(&mut *store, export::ALLOC).map_err(|_| {
                InternalError::Invariant("prepare checked that atoll_alloc is (i32) -> i32")
            })?;
        Ok(GuestAbi { memory, alloc })
    }
}

/// The calling convention of `host_abi`: writes `input` into a buffer from `atoll_alloc`, calls
/// `func(ptr, len) -> i64`, and copies out the bytes the packed result points at.
pub(crate) fn call_export<S: 'static>(
    store: &mut Store<HostState<S>>,
    abi: &GuestAbi,
    name: &str,
    func: &TypedFunc<(u32, u32), u64>,
    input: &[u8],
) -> Result<Vec<u8>, Fault> {
    let len = u32::try_from(input.len()).map_err(|_| {
        Fault::Internal(InternalError::InputTooLarge { what: "call input", len: input.len() })
    })?;
    let ptr = abi
        .alloc
        .call(&mut *store, len)
        .map_err(|e| classify(&e, store.data(), "calling atoll_alloc"))?;
    let memory = abi.memory.data_mut(&mut *store);
    let memory_size = memory.len();
    let start = ptr as usize;
    let Some(buffer) = memory.get_mut(start..start.saturating_add(input.len())) else {
        return Err(Fault::Invalid(InvalidReason::BadOutput(format!(
            "atoll_alloc({len}) returned {ptr:#x}, outside guest memory of {memory_size} bytes"
        ))));
    };
    buffer.copy_from_slice(input);
    let packed = func
        .call(&mut *store, (ptr, len))
        .map_err(|e| classify(&e, store.data(), "calling an entry point"))?;
    let (out_ptr, out_len) = host_abi::unpack_ptr_len(packed);
    let memory = abi.memory.data(&*store);
    let start = out_ptr as usize;
    memory.get(start..start.saturating_add(out_len as usize)).map(<[u8]>::to_vec).ok_or_else(|| {
        Fault::Invalid(InvalidReason::BadOutput(format!(
            "{name} returned the range {out_ptr:#x}+{out_len}, outside guest memory of {} bytes",
            memory.len()
        )))
    })
}

/// What one validation's execution produced.
pub(crate) struct ValidationRun {
    /// The output bytes, or the classified failure.
    pub(crate) output: Result<Vec<u8>, Fault>,
    /// Store creation and instantiation.
    pub(crate) instantiate: Duration,
    /// The calls.
    pub(crate) execute: Duration,
}

/// Step 4: a fresh store, instantiation and the `validate_block` call, all under one deadline.
/// Runs on the calling thread; the caller puts it on an execution thread.
pub(crate) fn run_validation(
    engine: &Engine,
    linker: &Linker<HostState<NoStorage>>,
    artifact: &PreparedArtifact,
    params: &ExecutorParams,
    deadline: Deadline,
    input: &[u8],
) -> ValidationRun {
    let started = crate::clock::now();
    let mut store = new_store(engine, params, NoStorage);
    begin_call(&mut store, deadline);
    let instance = match linker.instantiate(&mut store, artifact.module()) {
        Ok(instance) => instance,
        Err(e) => {
            return ValidationRun {
                output: Err(classify(&e, store.data(), "instantiating")),
                instantiate: started.elapsed(),
                execute: Duration::ZERO,
            }
        }
    };
    let instantiate = started.elapsed();
    let started = crate::clock::now();
    let output = validate_block(&mut store, &instance, input);
    ValidationRun { output, instantiate, execute: started.elapsed() }
}

fn validate_block(
    store: &mut Store<HostState<NoStorage>>,
    instance: &wasmtime::Instance,
    input: &[u8],
) -> Result<Vec<u8>, Fault> {
    let abi = GuestAbi::of(store, instance).map_err(Fault::Internal)?;
    let func = instance
        .get_typed_func::<(u32, u32), u64>(&mut *store, export::VALIDATE_BLOCK)
        .map_err(|_| {
            Fault::Internal(InternalError::Invariant(
                "prepare checked that validate_block is (i32, i32) -> i64",
            ))
        })?;
    call_export(store, &abi, export::VALIDATE_BLOCK, &func, input)
}

/// Step 4: decodes `validate_block`'s output and checks the sizes the PVF answers for: head data
/// up to `MAX_HEAD_DATA_SIZE`, new code up to `max_code_size`.
pub(crate) fn decode_validation_result(
    output: &[u8],
    params: &ExecutorParams,
) -> Result<ValidationResult, InvalidReason> {
    let result: ValidationResult = decode_bounded("ValidationResult", output, output.len())
        .map_err(|e| InvalidReason::BadOutput(e.to_string()))?;
    let head_len = result.head_data.0.len();
    if head_len > MAX_HEAD_DATA_SIZE as usize {
        return Err(InvalidReason::BadOutput(format!(
            "head data of {head_len} bytes exceeds MAX_HEAD_DATA_SIZE of {MAX_HEAD_DATA_SIZE} bytes"
        )));
    }
    if let Some(code) = &result.new_validation_code {
        if code.0.len() > params.max_code_size as usize {
            return Err(InvalidReason::BadOutput(format!(
                "new validation code of {} bytes exceeds max_code_size of {} bytes",
                code.0.len(),
                params.max_code_size
            )));
        }
    }
    Ok(result)
}
