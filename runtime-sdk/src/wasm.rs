//! The Wasm side of a runtime: entry points behind [`crate::register_validate_block!`], the
//! host-backed storage used while a collator builds a block, the allocator and the panic
//! handler that hands panic messages to the host.
//!
//! Calling convention: `atoll_primitives::host_abi` (input via `atoll_alloc`, output as a packed
//! pointer and length).

use alloc::boxed::Box;
use alloc::vec;
use alloc::vec::Vec;
use core::fmt::Write;
use parity_scale_codec::{Decode, Encode};

use atoll_primitives::host_abi::{guest, pack_ptr_len};
use atoll_primitives::{decode_bounded, Hash, ValidationParams};

use crate::block::BlockInit;
use crate::executive::{ApplyInput, Executive, GenesisConfig};
use crate::externalities::Externalities;
use crate::runtime::Runtime;

#[global_allocator]
static ALLOCATOR: dlmalloc::GlobalDlmalloc = dlmalloc::GlobalDlmalloc;

/// A fixed buffer that formatting writes into without allocating (the panic may be an
/// allocation failure).
struct PanicBuf {
    bytes: [u8; 1024],
    len: usize,
}

impl Write for PanicBuf {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        for ch in s.chars() {
            let mut tmp = [0u8; 4];
            let encoded = ch.encode_utf8(&mut tmp).as_bytes();
            if self.len + encoded.len() > self.bytes.len() {
                return Err(core::fmt::Error);
            }
            self.bytes[self.len..self.len + encoded.len()].copy_from_slice(encoded);
            self.len += encoded.len();
        }
        Ok(())
    }
}

#[panic_handler]
fn on_panic(info: &core::panic::PanicInfo<'_>) -> ! {
    let mut buf = PanicBuf { bytes: [0u8; 1024], len: 0 };
    let _ = write!(buf, "{}", info.message());
    let msg = core::str::from_utf8(&buf.bytes[..buf.len]).unwrap_or("runtime panicked");
    guest::panic(msg)
}

/// The storage of the host, used while a collator builds a block.
pub struct HostExternalities;

impl Externalities for HostExternalities {
    fn get(&mut self, key: &[u8]) -> Option<Vec<u8>> {
        guest::storage_get(key)
    }
    fn set(&mut self, key: &[u8], value: &[u8]) {
        guest::storage_set(key, value)
    }
    fn clear(&mut self, key: &[u8]) {
        guest::storage_clear(key)
    }
    fn append(&mut self, key: &[u8], encoded_item: &[u8]) {
        // The host appends in place: the guest never copies the whole list (the block's events).
        guest::storage_append(key, encoded_item)
    }
    fn root(&mut self) -> Hash {
        Hash(guest::storage_root())
    }
}

/// `atoll_alloc(len) -> ptr`: a zeroed buffer the host writes an input into.
pub fn alloc(len: i32) -> i32 {
    let buf: Box<[u8]> = vec![0u8; len.max(0) as usize].into_boxed_slice();
    Box::into_raw(buf) as *mut u8 as usize as i32
}

/// Takes back the input buffer the host filled.
#[allow(unsafe_code)] // Documented site: reclaiming the buffer handed out by `alloc`.
fn take_input(ptr: i32, len: i32) -> Box<[u8]> {
    let len = len.max(0) as usize;
    // SAFETY: `ptr` and `len` are those of a `Box<[u8]>` leaked by `alloc` above (the ABI: the
    // host passes back exactly what `atoll_alloc` returned, with the same length), so the
    // layout matches and the buffer is owned by nobody else.
    unsafe { Box::from_raw(core::ptr::slice_from_raw_parts_mut(ptr as usize as *mut u8, len)) }
}

/// Leaks `bytes` and returns their packed location for the host to read.
fn give_output(bytes: Vec<u8>) -> i64 {
    let boxed = bytes.into_boxed_slice();
    let len = boxed.len() as u32;
    let ptr = Box::into_raw(boxed) as *mut u8 as usize as u32;
    pack_ptr_len(ptr, len) as i64
}

fn decode_input<T: Decode>(what: &'static str, ptr: i32, len: i32) -> T {
    let input = take_input(ptr, len);
    match decode_bounded(what, &input, atoll_primitives::limits::MAX_POV_SIZE as usize * 2) {
        Ok(v) => v,
        Err(e) => crate::invalid(format_args!("{e}")),
    }
}

/// `validate_block(ValidationParams) -> ValidationResult`.
pub fn validate_block<R: Runtime>(ptr: i32, len: i32) -> i64 {
    let params: ValidationParams = decode_input("validation params", ptr, len);
    give_output(crate::validate::validate_block::<R>(&params).encode())
}

/// `build_genesis(GenesisConfig<R::Genesis>) -> ()`.
pub fn build_genesis<R: Runtime>(ptr: i32, len: i32) -> i64 {
    let config: GenesisConfig<R::Genesis> = decode_input("genesis config", ptr, len);
    Executive::<R>::build_genesis(&mut HostExternalities, &config);
    give_output(Executive::<R>::genesis_header(&mut HostExternalities).encode())
}

/// `initialize_block(BlockInit) -> Header` (the parent header).
pub fn initialize_block<R: Runtime>(ptr: i32, len: i32) -> i64 {
    let init: BlockInit = decode_input("block init", ptr, len);
    give_output(Executive::<R>::initialize_block(&mut HostExternalities, &init).encode())
}

/// `apply_extrinsic(ApplyInput) -> ApplyOutcome`.
pub fn apply_extrinsic<R: Runtime>(ptr: i32, len: i32) -> i64 {
    let input: ApplyInput = decode_input("apply input", ptr, len);
    give_output(
        Executive::<R>::apply_extrinsic(&mut HostExternalities, input.index, &input.extrinsic)
            .encode(),
    )
}

/// `finalize_block(Vec<Hash>) -> Header`.
pub fn finalize_block<R: Runtime>(ptr: i32, len: i32) -> i64 {
    let hashes: Vec<Hash> = decode_input("extrinsic hashes", ptr, len);
    give_output(Executive::<R>::finalize_block(&mut HostExternalities, &hashes).encode())
}
