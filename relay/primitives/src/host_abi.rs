//! The contract between a Wasm parachain runtime (the guest) and the host that runs it (the PVF
//! host for validation, the collator for block building).
//!
//! ## Calling convention
//!
//! 1. The host writes the SCALE-encoded input into guest memory at a buffer obtained from the
//!    guest's [`export::ALLOC`] (`atoll_alloc(len: i32) -> i32`).
//! 2. It calls an entry point `f(ptr: i32, len: i32) -> i64`.
//! 3. The result is packed as `(ptr << 32) | len` (see [`pack_ptr_len`]) and points at the
//!    SCALE-encoded output in guest memory.
//! 4. A runtime that gives up (bad block, bad proof, any panic) calls [`import::PANIC`] with a
//!    UTF-8 message; the host stops the call and reports the message. No entry point returns an
//!    error value for an invalid block: panicking is the one way to say "invalid".
//!
//! ## Host functions (module [`HOST_MODULE`])
//!
//! | name | wasm signature | what |
//! |---|---|---|
//! | `ext_blake2_256` | `(data_ptr, data_len, out_ptr)` | writes 32 bytes |
//! | `ext_sr25519_verify` | `(sig_ptr, msg_ptr, msg_len, pub_ptr) -> i32` | 1 valid, 0 not |
//! | `ext_sr25519_batch_verify` | `(input_ptr, input_len) -> i32` | input: SCALE `Vec<(Sr25519Public, Vec<u8>, Sr25519Signature)>`; 1 if all valid |
//! | `ext_log` | `(level, msg_ptr, msg_len)` | levels 1 error .. 5 trace |
//! | `ext_panic` | `(msg_ptr, msg_len)` | never returns |
//! | `ext_storage_get` | `(key_ptr, key_len, out_ptr, out_cap) -> i64` | -1 if absent, else the value's full length; writes `min(len, cap)` bytes |
//! | `ext_storage_set` | `(key_ptr, key_len, val_ptr, val_len)` | |
//! | `ext_storage_clear` | `(key_ptr, key_len)` | |
//! | `ext_storage_root` | `(out_ptr)` | writes the 32-byte state root with every change so far |
//!
//! Signatures are verified with the signing context [`EXTRINSIC_SIGNING_CONTEXT`].
//!
//! The storage functions exist only while a collator builds a block. During validation the
//! runtime reads its state from the PoV's proof inside the sandbox; the PVF host links the
//! storage imports to stubs that stop the call, so a runtime cannot reach host state there.

/// The import module name of every host function.
pub const HOST_MODULE: &str = "atoll";

/// The signing context of extrinsic signatures, shared by signers and verifiers.
pub const EXTRINSIC_SIGNING_CONTEXT: &[u8] = b"atoll-extrinsic";

/// Names of the host functions a runtime may import.
pub mod import {
    /// `(data_ptr, data_len, out_ptr)`.
    pub const BLAKE2_256: &str = "ext_blake2_256";
    /// `(sig_ptr, msg_ptr, msg_len, pub_ptr) -> i32`.
    pub const SR25519_VERIFY: &str = "ext_sr25519_verify";
    /// `(input_ptr, input_len) -> i32`.
    pub const SR25519_BATCH_VERIFY: &str = "ext_sr25519_batch_verify";
    /// `(level, msg_ptr, msg_len)`.
    pub const LOG: &str = "ext_log";
    /// `(msg_ptr, msg_len)`, never returns.
    pub const PANIC: &str = "ext_panic";
    /// `(key_ptr, key_len, out_ptr, out_cap) -> i64`.
    pub const STORAGE_GET: &str = "ext_storage_get";
    /// `(key_ptr, key_len, val_ptr, val_len)`.
    pub const STORAGE_SET: &str = "ext_storage_set";
    /// `(key_ptr, key_len)`.
    pub const STORAGE_CLEAR: &str = "ext_storage_clear";
    /// `(key_ptr, key_len, item_ptr, item_len)`: appends one SCALE-encoded item to the SCALE
    /// `Vec` at the key (building only), without the guest reading the whole value.
    pub const STORAGE_APPEND: &str = "ext_storage_append";
    /// `(out_ptr)`.
    pub const STORAGE_ROOT: &str = "ext_storage_root";

    /// Every import a runtime may declare; a module importing anything else is rejected at
    /// preparation.
    pub const ALL: &[&str] = &[
        BLAKE2_256,
        SR25519_VERIFY,
        SR25519_BATCH_VERIFY,
        LOG,
        PANIC,
        STORAGE_GET,
        STORAGE_SET,
        STORAGE_CLEAR,
        STORAGE_APPEND,
        STORAGE_ROOT,
    ];
}

/// Names of the functions a runtime exports.
pub mod export {
    /// The runtime's linear memory.
    pub const MEMORY: &str = "memory";
    /// `(len: i32) -> i32`: a buffer of `len` bytes for the host to write an input into.
    pub const ALLOC: &str = "atoll_alloc";
    /// `ValidationParams -> ValidationResult`; the only entry point validators call.
    pub const VALIDATE_BLOCK: &str = "validate_block";
    /// Genesis config -> (): writes the genesis state through the storage functions.
    pub const BUILD_GENESIS: &str = "build_genesis";
    /// Starts a block on top of a parent head (building only).
    pub const INITIALIZE_BLOCK: &str = "initialize_block";
    /// Applies one extrinsic to the block being built (building only).
    pub const APPLY_EXTRINSIC: &str = "apply_extrinsic";
    /// Ends the block and returns its header (building only).
    pub const FINALIZE_BLOCK: &str = "finalize_block";
}

/// Log levels of `ext_log`.
pub mod log_level {
    /// Errors.
    pub const ERROR: i32 = 1;
    /// Warnings.
    pub const WARN: i32 = 2;
    /// Information.
    pub const INFO: i32 = 3;
    /// Debugging.
    pub const DEBUG: i32 = 4;
    /// Tracing.
    pub const TRACE: i32 = 5;
}

/// The value `ext_storage_get` returns for an absent key.
pub const STORAGE_ABSENT: i64 = -1;

/// Packs a guest pointer and length into an entry point's return value.
pub const fn pack_ptr_len(ptr: u32, len: u32) -> u64 {
    ((ptr as u64) << 32) | len as u64
}

/// Splits an entry point's return value into (pointer, length).
pub const fn unpack_ptr_len(packed: u64) -> (u32, u32) {
    ((packed >> 32) as u32, packed as u32)
}

/// The guest side of the host functions: safe wrappers over the raw imports. Compiled only
/// into `wasm32` runtimes.
#[cfg(all(target_arch = "wasm32", not(feature = "std")))]
#[allow(unsafe_code)] // Documented site: the FFI boundary with the host (see each SAFETY note).
pub mod guest {
    #[link(wasm_import_module = "atoll")]
    extern "C" {
        fn ext_blake2_256(data_ptr: *const u8, data_len: u32, out_ptr: *mut u8);
        fn ext_sr25519_verify(
            sig: *const u8,
            msg: *const u8,
            msg_len: u32,
            public: *const u8,
        ) -> i32;
        fn ext_sr25519_batch_verify(input: *const u8, input_len: u32) -> i32;
        fn ext_log(level: i32, msg: *const u8, msg_len: u32);
        fn ext_panic(msg: *const u8, msg_len: u32) -> !;
        fn ext_storage_get(key: *const u8, key_len: u32, out: *mut u8, out_cap: u32) -> i64;
        fn ext_storage_set(key: *const u8, key_len: u32, val: *const u8, val_len: u32);
        fn ext_storage_clear(key: *const u8, key_len: u32);
        fn ext_storage_append(key: *const u8, key_len: u32, item: *const u8, item_len: u32);
        fn ext_storage_root(out: *mut u8);
    }

    /// blake2b-256 of `data` into `out`.
    pub fn blake2_256(data: &[u8], out: &mut [u8; 32]) {
        // SAFETY: both pointers come from live slices of the stated lengths; the host writes
        // exactly 32 bytes at `out`.
        unsafe { ext_blake2_256(data.as_ptr(), data.len() as u32, out.as_mut_ptr()) }
    }

    /// sr25519 verification of one signature.
    pub fn sr25519_verify(sig: &[u8; 64], msg: &[u8], public: &[u8; 32]) -> bool {
        // SAFETY: pointers from live slices; the host only reads them.
        unsafe {
            ext_sr25519_verify(sig.as_ptr(), msg.as_ptr(), msg.len() as u32, public.as_ptr()) == 1
        }
    }

    /// Batch verification of an encoded `Vec<(Sr25519Public, Vec<u8>, Sr25519Signature)>`.
    pub fn sr25519_batch_verify(encoded: &[u8]) -> bool {
        // SAFETY: pointer and length of a live slice; the host only reads it.
        unsafe { ext_sr25519_batch_verify(encoded.as_ptr(), encoded.len() as u32) == 1 }
    }

    /// Logs a message at a [`super::log_level`].
    pub fn log(level: i32, msg: &str) {
        // SAFETY: pointer and length of a live string; the host only reads it.
        unsafe { ext_log(level, msg.as_ptr(), msg.len() as u32) }
    }

    /// Hands a panic message to the host, which stops the call.
    pub fn panic(msg: &str) -> ! {
        // SAFETY: pointer and length of a live string; the host never returns.
        unsafe { ext_panic(msg.as_ptr(), msg.len() as u32) }
    }

    /// Reads a storage value (building only).
    pub fn storage_get(key: &[u8]) -> Option<alloc::vec::Vec<u8>> {
        let mut buf = alloc::vec![0u8; 128];
        // SAFETY: the host writes at most `buf.len()` bytes into `buf`.
        let len = unsafe {
            ext_storage_get(key.as_ptr(), key.len() as u32, buf.as_mut_ptr(), buf.len() as u32)
        };
        if len < 0 {
            return None;
        }
        let len = len as usize;
        if len > buf.len() {
            buf.resize(len, 0);
            // SAFETY: as above, with the buffer grown to the value's full length.
            unsafe {
                ext_storage_get(key.as_ptr(), key.len() as u32, buf.as_mut_ptr(), buf.len() as u32)
            };
        }
        buf.truncate(len);
        Some(buf)
    }

    /// Writes a storage value (building only).
    pub fn storage_set(key: &[u8], value: &[u8]) {
        // SAFETY: pointers and lengths of live slices; the host only reads them.
        unsafe {
            ext_storage_set(key.as_ptr(), key.len() as u32, value.as_ptr(), value.len() as u32)
        }
    }

    /// Removes a storage value (building only).
    pub fn storage_clear(key: &[u8]) {
        // SAFETY: pointer and length of a live slice; the host only reads it.
        unsafe { ext_storage_clear(key.as_ptr(), key.len() as u32) }
    }

    /// Appends one SCALE-encoded item to the SCALE `Vec` at `key` (building only).
    pub fn storage_append(key: &[u8], item: &[u8]) {
        // SAFETY: pointers and lengths of live slices; the host only reads them.
        unsafe {
            ext_storage_append(key.as_ptr(), key.len() as u32, item.as_ptr(), item.len() as u32)
        }
    }

    /// The state root with every change so far (building only).
    pub fn storage_root() -> [u8; 32] {
        let mut out = [0u8; 32];
        // SAFETY: the host writes exactly 32 bytes at `out`.
        unsafe { ext_storage_root(out.as_mut_ptr()) };
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ptr_len_round_trips() {
        for (p, l) in [(0u32, 0u32), (1, 2), (u32::MAX, u32::MAX), (0x1234_5678, 9)] {
            assert_eq!(unpack_ptr_len(pack_ptr_len(p, l)), (p, l));
        }
    }
}
