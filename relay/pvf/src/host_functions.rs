//! The host functions of module `atoll` (Step 5), exactly as `atoll_primitives::host_abi`
//! defines them.
//!
//! Each function's work is a plain Rust function over the guest's memory as a byte slice and the
//! guest's pointers (`ext_blake2_256`, `ext_sr25519_verify`, ...), so it can be tested without
//! Wasm. Every guest pointer is bounds-checked: an out-of-bounds range is a [`HostFnError`],
//! which stops the call and is classified `HostFunctionMisuse`, never a host panic. The wasmtime
//! glue (linking into a `Linker`) is crate-private.

use atoll_primitives::host_abi::{self, export, import, log_level};
use atoll_primitives::{blake2_256, crypto, decode_bounded, Sr25519Public, Sr25519Signature};
use wasmtime::{Caller, Extern, Linker, ValType};

use crate::config::{MAX_LOG_MESSAGE_BYTES, MAX_PANIC_MESSAGE_BYTES};
use crate::error::InternalError;
use crate::storage::StorageHost;
use crate::store_data::{GuestFault, HostState};

/// How many signatures `ext_sr25519_batch_verify` verifies between two looks at the deadline.
/// About 5 ms of work: a guest cannot hold the host much past its timeout with one huge batch.
pub const BATCH_VERIFY_CHUNK: usize = 256;

/// Why a host function refused a call. All but [`HostFnError::StorageHost`] are the guest's
/// fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HostFnError {
    /// A guest pointer range outside the guest's memory.
    #[error(
        "{function}: {what} range {ptr:#x}+{len} is outside guest memory of {memory_size} bytes"
    )]
    OutOfBounds {
        /// The host function.
        function: &'static str,
        /// Which argument.
        what: &'static str,
        /// The guest pointer.
        ptr: u32,
        /// The length in bytes.
        len: u32,
        /// The guest memory's size in bytes.
        memory_size: usize,
    },
    /// The calling module exports no linear memory.
    #[error("{function}: the calling module exports no `memory`")]
    NoMemory {
        /// The host function.
        function: &'static str,
    },
    /// A storage function called during validation, where no storage exists.
    #[error("{function} called during validation")]
    StorageInValidation {
        /// The host function.
        function: &'static str,
    },
    /// The call's deadline passed while the host function worked.
    #[error("{function}: the deadline passed during the call")]
    DeadlinePassed {
        /// The host function.
        function: &'static str,
    },
    /// The storage host failed (the host's own error).
    #[error("{function}: storage host failed: {error}")]
    StorageHost {
        /// The host function.
        function: &'static str,
        /// The storage host's error.
        error: String,
    },
}

impl HostFnError {
    /// How the classification sees this error.
    pub(crate) fn into_fault(self) -> GuestFault {
        match self {
            HostFnError::DeadlinePassed { .. } => GuestFault::Timeout,
            HostFnError::StorageHost { function, error } => {
                GuestFault::Host(InternalError::StorageHost { function, error })
            }
            other @ (HostFnError::OutOfBounds { .. }
            | HostFnError::NoMemory { .. }
            | HostFnError::StorageInValidation { .. }) => GuestFault::Misuse(other.to_string()),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The ABI's signatures.

/// A Wasm integer type of the host ABI.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WasmInt {
    /// `i32`.
    I32,
    /// `i64`.
    I64,
}

/// The Wasm signature of a host function: `params` parameters, all `i32` (pointers, lengths,
/// levels), and an optional result.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HostFnSignature {
    /// The import name.
    pub name: &'static str,
    /// The number of `i32` parameters.
    pub params: usize,
    /// The result, if any.
    pub result: Option<WasmInt>,
}

/// The signature of every host function, from the table in `host_abi`.
pub const SIGNATURES: &[HostFnSignature] = &[
    HostFnSignature { name: import::BLAKE2_256, params: 3, result: None },
    HostFnSignature { name: import::SR25519_VERIFY, params: 4, result: Some(WasmInt::I32) },
    HostFnSignature { name: import::SR25519_BATCH_VERIFY, params: 2, result: Some(WasmInt::I32) },
    HostFnSignature { name: import::LOG, params: 3, result: None },
    HostFnSignature { name: import::PANIC, params: 2, result: None },
    HostFnSignature { name: import::STORAGE_GET, params: 4, result: Some(WasmInt::I64) },
    HostFnSignature { name: import::STORAGE_SET, params: 4, result: None },
    HostFnSignature { name: import::STORAGE_CLEAR, params: 2, result: None },
    HostFnSignature { name: import::STORAGE_APPEND, params: 4, result: None },
    HostFnSignature { name: import::STORAGE_ROOT, params: 1, result: None },
];

/// The signature of host function `name`, if it is one.
pub fn signature_of(name: &str) -> Option<&'static HostFnSignature> {
    SIGNATURES.iter().find(|s| s.name == name)
}

impl HostFnSignature {
    /// Whether a Wasm function type has exactly this signature.
    pub fn matches(&self, params: &[ValType], results: &[ValType]) -> bool {
        let result_ok = matches!(
            (self.result, results),
            (None, [])
                | (Some(WasmInt::I32), [ValType::I32])
                | (Some(WasmInt::I64), [ValType::I64])
        );
        result_ok && params.len() == self.params && params.iter().all(|p| matches!(p, ValType::I32))
    }
}

impl core::fmt::Display for HostFnSignature {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let params = vec!["i32"; self.params].join(", ");
        match self.result {
            None => write!(f, "({params})"),
            Some(WasmInt::I32) => write!(f, "({params}) -> i32"),
            Some(WasmInt::I64) => write!(f, "({params}) -> i64"),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Guest memory access.

/// The bytes `ptr..ptr + len` of guest memory.
pub fn guest_bytes<'m>(
    memory: &'m [u8],
    function: &'static str,
    what: &'static str,
    ptr: u32,
    len: u32,
) -> Result<&'m [u8], HostFnError> {
    let memory_size = memory.len();
    let start = ptr as usize;
    start
        .checked_add(len as usize)
        .and_then(|end| memory.get(start..end))
        .ok_or(HostFnError::OutOfBounds { function, what, ptr, len, memory_size })
}

/// The bytes `ptr..ptr + len` of guest memory, writable.
pub fn guest_bytes_mut<'m>(
    memory: &'m mut [u8],
    function: &'static str,
    what: &'static str,
    ptr: u32,
    len: u32,
) -> Result<&'m mut [u8], HostFnError> {
    let memory_size = memory.len();
    let start = ptr as usize;
    start
        .checked_add(len as usize)
        .and_then(|end| memory.get_mut(start..end))
        .ok_or(HostFnError::OutOfBounds { function, what, ptr, len, memory_size })
}

/// `N` bytes of guest memory at `ptr`, copied.
fn guest_array<const N: usize>(
    memory: &[u8],
    function: &'static str,
    what: &'static str,
    ptr: u32,
) -> Result<[u8; N], HostFnError> {
    let len = u32::try_from(N).unwrap_or(u32::MAX);
    let bytes = guest_bytes(memory, function, what, ptr, len)?;
    bytes.try_into().map_err(|_| HostFnError::OutOfBounds {
        function,
        what,
        ptr,
        len,
        memory_size: memory.len(),
    })
}

/// A guest message (`ext_log`, `ext_panic`): the whole range must be in bounds; at most `max`
/// bytes are kept, decoded as UTF-8 with replacement characters.
pub fn guest_message(
    memory: &[u8],
    function: &'static str,
    ptr: u32,
    len: u32,
    max: usize,
) -> Result<String, HostFnError> {
    let bytes = guest_bytes(memory, function, "message", ptr, len)?;
    let kept = bytes.get(..max.min(bytes.len())).unwrap_or(bytes);
    let mut message = String::from_utf8_lossy(kept).into_owned();
    if kept.len() < bytes.len() {
        message.push_str(&format!(" [... {} more bytes]", bytes.len() - kept.len()));
    }
    Ok(message)
}

// ---------------------------------------------------------------------------------------------
// The host functions' work.

/// `ext_blake2_256(data_ptr, data_len, out_ptr)`: writes the 32-byte blake2b-256 of the data.
pub fn ext_blake2_256(
    memory: &mut [u8],
    data_ptr: u32,
    data_len: u32,
    out_ptr: u32,
) -> Result<(), HostFnError> {
    const F: &str = import::BLAKE2_256;
    // Check the output first: no hashing for a call that fails anyway.
    guest_bytes(memory, F, "out", out_ptr, 32)?;
    let hash = blake2_256(guest_bytes(memory, F, "data", data_ptr, data_len)?);
    guest_bytes_mut(memory, F, "out", out_ptr, 32)?.copy_from_slice(&hash);
    Ok(())
}

/// `ext_sr25519_verify(sig_ptr, msg_ptr, msg_len, pub_ptr) -> i32`: 1 if the 64-byte signature
/// of the message under the 32-byte public key is valid in the extrinsic signing context, else 0.
pub fn ext_sr25519_verify(
    memory: &[u8],
    sig_ptr: u32,
    msg_ptr: u32,
    msg_len: u32,
    pub_ptr: u32,
) -> Result<i32, HostFnError> {
    const F: &str = import::SR25519_VERIFY;
    let sig = Sr25519Signature(guest_array::<64>(memory, F, "signature", sig_ptr)?);
    let public = Sr25519Public(guest_array::<32>(memory, F, "public key", pub_ptr)?);
    let msg = guest_bytes(memory, F, "message", msg_ptr, msg_len)?;
    Ok(i32::from(crypto::verify(host_abi::EXTRINSIC_SIGNING_CONTEXT, msg, &sig, &public)))
}

/// `ext_sr25519_batch_verify(input_ptr, input_len) -> i32`: the input is a SCALE
/// `Vec<(Sr25519Public, Vec<u8>, Sr25519Signature)>`; 1 if every signature is valid (an empty
/// batch is), 0 if one is not or the input does not decode. Verifies in chunks of
/// [`BATCH_VERIFY_CHUNK`] and asks `deadline_passed` between chunks.
pub fn ext_sr25519_batch_verify(
    memory: &[u8],
    input_ptr: u32,
    input_len: u32,
    deadline_passed: &mut dyn FnMut() -> bool,
) -> Result<i32, HostFnError> {
    const F: &str = import::SR25519_BATCH_VERIFY;
    let input = guest_bytes(memory, F, "input", input_ptr, input_len)?;
    let Ok(items) = decode_bounded::<Vec<(Sr25519Public, Vec<u8>, Sr25519Signature)>>(
        "sr25519 batch",
        input,
        input.len(),
    ) else {
        return Ok(0);
    };
    for chunk in items.chunks(BATCH_VERIFY_CHUNK) {
        if deadline_passed() {
            return Err(HostFnError::DeadlinePassed { function: F });
        }
        if !crypto::verify_batch(host_abi::EXTRINSIC_SIGNING_CONTEXT, chunk) {
            return Ok(0);
        }
    }
    Ok(1)
}

/// `ext_log(level, msg_ptr, msg_len)`: logs the message (cut to
/// [`MAX_LOG_MESSAGE_BYTES`]) with target `runtime`. Levels outside 1..=5 log at trace.
pub fn ext_log(memory: &[u8], level: i32, msg_ptr: u32, msg_len: u32) -> Result<(), HostFnError> {
    let message = guest_message(memory, import::LOG, msg_ptr, msg_len, MAX_LOG_MESSAGE_BYTES)?;
    match level {
        log_level::ERROR => tracing::error!(target: "runtime", "{message}"),
        log_level::WARN => tracing::warn!(target: "runtime", "{message}"),
        log_level::INFO => tracing::info!(target: "runtime", "{message}"),
        log_level::DEBUG => tracing::debug!(target: "runtime", "{message}"),
        _ => tracing::trace!(target: "runtime", level, "{message}"),
    }
    Ok(())
}

/// `ext_panic(msg_ptr, msg_len)`: the message (cut to [`MAX_PANIC_MESSAGE_BYTES`]) that the
/// call's failure reports.
pub fn ext_panic_message(memory: &[u8], msg_ptr: u32, msg_len: u32) -> Result<String, HostFnError> {
    guest_message(memory, import::PANIC, msg_ptr, msg_len, MAX_PANIC_MESSAGE_BYTES)
}

/// `ext_storage_get(key_ptr, key_len, out_ptr, out_cap) -> i64`: -1 if the key is absent, else
/// the value's full length, of which `min(len, out_cap)` bytes are written at `out_ptr`.
pub fn ext_storage_get(
    memory: &mut [u8],
    storage: &mut dyn StorageHost,
    key_ptr: u32,
    key_len: u32,
    out_ptr: u32,
    out_cap: u32,
) -> Result<i64, HostFnError> {
    const F: &str = import::STORAGE_GET;
    guest_bytes(memory, F, "out", out_ptr, out_cap)?;
    let key = guest_bytes(memory, F, "key", key_ptr, key_len)?;
    let value =
        storage.get(key).map_err(|error| HostFnError::StorageHost { function: F, error })?;
    let Some(value) = value else { return Ok(host_abi::STORAGE_ABSENT) };
    let out = guest_bytes_mut(memory, F, "out", out_ptr, out_cap)?;
    let written = value.len().min(out.len());
    if let (Some(dst), Some(src)) = (out.get_mut(..written), value.get(..written)) {
        dst.copy_from_slice(src);
    }
    Ok(i64::try_from(value.len()).unwrap_or(i64::MAX))
}

/// `ext_storage_set(key_ptr, key_len, val_ptr, val_len)`.
pub fn ext_storage_set(
    memory: &[u8],
    storage: &mut dyn StorageHost,
    key_ptr: u32,
    key_len: u32,
    val_ptr: u32,
    val_len: u32,
) -> Result<(), HostFnError> {
    const F: &str = import::STORAGE_SET;
    let key = guest_bytes(memory, F, "key", key_ptr, key_len)?;
    let value = guest_bytes(memory, F, "value", val_ptr, val_len)?;
    storage.set(key, value).map_err(|error| HostFnError::StorageHost { function: F, error })
}

/// `ext_storage_clear(key_ptr, key_len)`.
pub fn ext_storage_clear(
    memory: &[u8],
    storage: &mut dyn StorageHost,
    key_ptr: u32,
    key_len: u32,
) -> Result<(), HostFnError> {
    const F: &str = import::STORAGE_CLEAR;
    let key = guest_bytes(memory, F, "key", key_ptr, key_len)?;
    storage.clear(key).map_err(|error| HostFnError::StorageHost { function: F, error })
}

/// `ext_storage_append(key_ptr, key_len, item_ptr, item_len)`.
pub fn ext_storage_append(
    memory: &[u8],
    storage: &mut dyn StorageHost,
    key_ptr: u32,
    key_len: u32,
    item_ptr: u32,
    item_len: u32,
) -> Result<(), HostFnError> {
    const F: &str = import::STORAGE_APPEND;
    let key = guest_bytes(memory, F, "key", key_ptr, key_len)?;
    let item = guest_bytes(memory, F, "item", item_ptr, item_len)?;
    storage.append(key, item).map_err(|error| HostFnError::StorageHost { function: F, error })
}

/// `ext_storage_root(out_ptr)`: writes the 32-byte state root.
pub fn ext_storage_root(
    memory: &mut [u8],
    storage: &mut dyn StorageHost,
    out_ptr: u32,
) -> Result<(), HostFnError> {
    const F: &str = import::STORAGE_ROOT;
    guest_bytes(memory, F, "out", out_ptr, 32)?;
    let root = storage.root().map_err(|error| HostFnError::StorageHost { function: F, error })?;
    guest_bytes_mut(memory, F, "out", out_ptr, 32)?.copy_from_slice(&root);
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Linking.

/// What the storage imports do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum StorageLinking {
    /// Validation: every storage import stops the call as a misuse.
    Forbidden,
    /// Building: the storage imports call the store's [`StorageHost`].
    Forward,
}

/// Records `error` as the call's fault and returns the error that stops the call.
fn stop<S, R>(state: &mut HostState<S>, error: HostFnError) -> wasmtime::Result<R> {
    let message = error.to_string();
    state.record(error.into_fault());
    Err(wasmtime::Error::msg(message))
}

/// Runs `body` over the caller's memory and store data; a [`HostFnError`] stops the call.
fn with_memory<S: 'static, R>(
    caller: &mut Caller<'_, HostState<S>>,
    function: &'static str,
    body: impl FnOnce(&mut [u8], &mut HostState<S>) -> Result<R, HostFnError>,
) -> wasmtime::Result<R> {
    let Some(memory) = caller.get_export(export::MEMORY).and_then(Extern::into_memory) else {
        return stop(caller.data_mut(), HostFnError::NoMemory { function });
    };
    let (bytes, state) = memory.data_and_store_mut(&mut *caller);
    match body(bytes, state) {
        Ok(value) => Ok(value),
        Err(error) => stop(state, error),
    }
}

/// The wasmtime error of a linking failure.
fn link_error(error: wasmtime::Error) -> InternalError {
    InternalError::Wasmtime { context: "defining host functions", error: format!("{error:#}") }
}

/// Defines every host function of module `atoll` in `linker`.
pub(crate) fn link<S: StorageHost + Send + 'static>(
    linker: &mut Linker<HostState<S>>,
    storage: StorageLinking,
) -> Result<(), InternalError> {
    let m = host_abi::HOST_MODULE;
    linker
        .func_wrap(
            m,
            import::BLAKE2_256,
            |mut caller: Caller<'_, HostState<S>>, data_ptr: u32, data_len: u32, out_ptr: u32| {
                with_memory(&mut caller, import::BLAKE2_256, |mem, _| {
                    ext_blake2_256(mem, data_ptr, data_len, out_ptr)
                })
            },
        )
        .map_err(link_error)?;
    linker
        .func_wrap(
            m,
            import::SR25519_VERIFY,
            |mut caller: Caller<'_, HostState<S>>,
             sig_ptr: u32,
             msg_ptr: u32,
             msg_len: u32,
             pub_ptr: u32| {
                with_memory(&mut caller, import::SR25519_VERIFY, |mem, _| {
                    ext_sr25519_verify(mem, sig_ptr, msg_ptr, msg_len, pub_ptr)
                })
            },
        )
        .map_err(link_error)?;
    linker
        .func_wrap(
            m,
            import::SR25519_BATCH_VERIFY,
            |mut caller: Caller<'_, HostState<S>>, input_ptr: u32, input_len: u32| {
                with_memory(&mut caller, import::SR25519_BATCH_VERIFY, |mem, state| {
                    let state: &HostState<S> = state;
                    ext_sr25519_batch_verify(mem, input_ptr, input_len, &mut || {
                        state.deadline_passed()
                    })
                })
            },
        )
        .map_err(link_error)?;
    linker
        .func_wrap(
            m,
            import::LOG,
            |mut caller: Caller<'_, HostState<S>>, level: i32, msg_ptr: u32, msg_len: u32| {
                with_memory(&mut caller, import::LOG, |mem, _| {
                    ext_log(mem, level, msg_ptr, msg_len)
                })
            },
        )
        .map_err(link_error)?;
    linker
        .func_wrap(
            m,
            import::PANIC,
            |mut caller: Caller<'_, HostState<S>>, msg_ptr: u32, msg_len: u32| {
                let message = with_memory(&mut caller, import::PANIC, |mem, _| {
                    ext_panic_message(mem, msg_ptr, msg_len)
                })?;
                let stopped = wasmtime::Error::msg(format!("runtime panicked: {message}"));
                caller.data_mut().record(GuestFault::Panic(message));
                Err::<(), _>(stopped)
            },
        )
        .map_err(link_error)?;
    match storage {
        StorageLinking::Forbidden => link_storage_forbidden(linker),
        StorageLinking::Forward => link_storage_forward(linker),
    }
}

/// The storage imports of validation: each stops the call as a misuse.
fn link_storage_forbidden<S: Send + 'static>(
    linker: &mut Linker<HostState<S>>,
) -> Result<(), InternalError> {
    fn forbidden<S, R>(
        caller: &mut Caller<'_, HostState<S>>,
        function: &'static str,
    ) -> wasmtime::Result<R> {
        stop(caller.data_mut(), HostFnError::StorageInValidation { function })
    }
    let m = host_abi::HOST_MODULE;
    linker
        .func_wrap(
            m,
            import::STORAGE_GET,
            |mut caller: Caller<'_, HostState<S>>, _: u32, _: u32, _: u32, _: u32| {
                forbidden::<S, i64>(&mut caller, import::STORAGE_GET)
            },
        )
        .map_err(link_error)?;
    linker
        .func_wrap(
            m,
            import::STORAGE_SET,
            |mut caller: Caller<'_, HostState<S>>, _: u32, _: u32, _: u32, _: u32| {
                forbidden::<S, ()>(&mut caller, import::STORAGE_SET)
            },
        )
        .map_err(link_error)?;
    linker
        .func_wrap(
            m,
            import::STORAGE_CLEAR,
            |mut caller: Caller<'_, HostState<S>>, _: u32, _: u32| {
                forbidden::<S, ()>(&mut caller, import::STORAGE_CLEAR)
            },
        )
        .map_err(link_error)?;
    linker
        .func_wrap(
            m,
            import::STORAGE_APPEND,
            |mut caller: Caller<'_, HostState<S>>, _: u32, _: u32, _: u32, _: u32| {
                forbidden::<S, ()>(&mut caller, import::STORAGE_APPEND)
            },
        )
        .map_err(link_error)?;
    linker
        .func_wrap(m, import::STORAGE_ROOT, |mut caller: Caller<'_, HostState<S>>, _: u32| {
            forbidden::<S, ()>(&mut caller, import::STORAGE_ROOT)
        })
        .map_err(link_error)?;
    Ok(())
}

/// The storage imports of building: each calls the store's [`StorageHost`].
fn link_storage_forward<S: StorageHost + Send + 'static>(
    linker: &mut Linker<HostState<S>>,
) -> Result<(), InternalError> {
    let m = host_abi::HOST_MODULE;
    linker
        .func_wrap(
            m,
            import::STORAGE_GET,
            |mut caller: Caller<'_, HostState<S>>,
             key_ptr: u32,
             key_len: u32,
             out_ptr: u32,
             out_cap: u32| {
                with_memory(&mut caller, import::STORAGE_GET, |mem, state| {
                    ext_storage_get(mem, &mut state.storage, key_ptr, key_len, out_ptr, out_cap)
                })
            },
        )
        .map_err(link_error)?;
    linker
        .func_wrap(
            m,
            import::STORAGE_SET,
            |mut caller: Caller<'_, HostState<S>>,
             key_ptr: u32,
             key_len: u32,
             val_ptr: u32,
             val_len: u32| {
                with_memory(&mut caller, import::STORAGE_SET, |mem, state| {
                    ext_storage_set(mem, &mut state.storage, key_ptr, key_len, val_ptr, val_len)
                })
            },
        )
        .map_err(link_error)?;
    linker
        .func_wrap(
            m,
            import::STORAGE_CLEAR,
            |mut caller: Caller<'_, HostState<S>>, key_ptr: u32, key_len: u32| {
                with_memory(&mut caller, import::STORAGE_CLEAR, |mem, state| {
                    ext_storage_clear(mem, &mut state.storage, key_ptr, key_len)
                })
            },
        )
        .map_err(link_error)?;
    linker
        .func_wrap(
            m,
            import::STORAGE_APPEND,
            |mut caller: Caller<'_, HostState<S>>,
             key_ptr: u32,
             key_len: u32,
             item_ptr: u32,
             item_len: u32| {
                with_memory(&mut caller, import::STORAGE_APPEND, |mem, state| {
                    ext_storage_append(
                        mem,
                        &mut state.storage,
                        key_ptr,
                        key_len,
                        item_ptr,
                        item_len,
                    )
                })
            },
        )
        .map_err(link_error)?;
    linker
        .func_wrap(m, import::STORAGE_ROOT, |mut caller: Caller<'_, HostState<S>>, out_ptr: u32| {
            with_memory(&mut caller, import::STORAGE_ROOT, |mem, state| {
                ext_storage_root(mem, &mut state.storage, out_ptr)
            })
        })
        .map_err(link_error)?;
    Ok(())
}
