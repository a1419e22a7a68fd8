//! # atoll-runtime-sdk
//!
//! Everything a team needs to write an Atoll parachain runtime in Rust: a `no_std` crate that
//! compiles the same runtime logic natively (for unit tests and benchmarks) and to
//! `wasm32-unknown-unknown` (the validation code validators run in `atoll-pvf`).
//!
//! ## Bird's-eye view, in the order a runtime uses it
//!
//! - [`Runtime`]: the trait a runtime implements: its `Call`, `Event` and `Genesis` types,
//!   `dispatch`, and the `on_initialize` / `on_finalize` hooks. [`Context`] is what each of
//!   them gets: the storage, the block number, `deposit_event`.
//! - [`storage`]: typed [`StorageValue`]s and [`StorageMap`]s over the Merkle state.
//! - [`extrinsic`]: [`SignedExtrinsic`] (sr25519 signer, nonce, call, signature) and why a
//!   transaction is refused ([`TransactionInvalid`]).
//! - [`block`]: the para [`Header`] (what the relay chain stores as head data), [`Block`] and
//!   [`ParachainBlockData`] (block + storage proof = the PoV's block data).
//! - [`executive`]: the block life cycle the collator drives (genesis, initialise, apply
//!   extrinsic, finalise) and [`validate_block`] which validators run.
//! - [`register_validate_block!`]: the one line that exports a runtime's entry points from Wasm.
//! - `testing` (with `std`): [`testing::TestExternalities`] to unit-test runtime logic without
//!   Wasm or a node, with event assertions, and a native block builder that records the
//!   storage proof.
//!
//! ## The rules of `validate_block` (numbered; code cites them)
//!
//! 1. Decode the [`ParachainBlockData`] from the PoV's block data with a size limit and no
//!    trailing bytes.
//! 2. Decode the parent [`Header`] from the parent head, and require
//!    `block.header.parent_hash == blake2_256(parent_head)` and
//!    `block.header.number == parent.number + 1`.
//! 3. Build the state from the proof's trie nodes, rooted at the parent header's `state_root`.
//!    No storage host function is reachable: every read is answered from the proof, and a read
//!    the proof cannot answer makes the block invalid.
//! 4. Decode every extrinsic and verify all signatures as one batch (one host call).
//! 5. Initialise the block, apply every extrinsic in order (a refused transaction makes the
//!    block invalid; a dispatch error is a valid, failed extrinsic), finalise.
//! 6. Require the computed extrinsics root and state root to equal the header's.
//! 7. Return the [`atoll_primitives::ValidationResult`] with the header as the new head data.
//!
//! A runtime says "invalid" by panicking (see [`invalid`]); the message reaches the host.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub mod block;
pub mod crypto;
pub mod executive;
pub mod externalities;
pub mod extrinsic;
pub mod runtime;
pub mod storage;
pub mod system;
#[cfg(feature = "std")]
pub mod testing;
mod validate;
#[cfg(all(target_arch = "wasm32", not(feature = "std")))]
pub mod wasm;

pub use atoll_primitives as primitives;
pub use block::{extrinsics_root, Block, BlockInit, Header, ParachainBlockData};
pub use executive::Executive;
pub use externalities::Externalities;
pub use extrinsic::{signing_payload, SignedExtrinsic, TransactionInvalid};
pub use parity_scale_codec as codec;
pub use runtime::{AccountId, Context, DispatchError, Runtime};
pub use storage::{StorageMap, StorageValue};
pub use system::{Event, EventRecord, SystemEvent};
pub use validate::validate_block;

/// Stops the current block as invalid with `msg`.
///
/// This is the runtime's one way to say "invalid": inside Wasm the panic handler hands the
/// message to the host (`ext_panic`), which reports `Invalid(RuntimePanic(msg))`; natively it is
/// an ordinary panic that `testing` and native validation turn into an error.
#[allow(clippy::panic)] // Documented site: panicking is the runtime ABI's "invalid" signal.
#[track_caller]
pub fn invalid(msg: impl core::fmt::Display) -> ! {
    panic!("{msg}")
}

/// Exports runtime `$runtime`'s Wasm entry points (`validate_block`, the block-building calls
/// and `atoll_alloc`). Compiles to nothing outside a `no_std` wasm32 build.
#[macro_export]
macro_rules! register_validate_block {
    ($runtime:ty) => {
        #[cfg(all(target_arch = "wasm32", not(feature = "std")))]
        #[allow(unsafe_code)] // Documented site: `no_mangle` exports are the runtime's ABI.
        mod __atoll_runtime_exports {
            #[allow(unused_imports)]
            use super::*;
            #[no_mangle]
            extern "C" fn atoll_alloc(len: i32) -> i32 {
                $crate::wasm::alloc(len)
            }
            #[no_mangle]
            extern "C" fn validate_block(ptr: i32, len: i32) -> i64 {
                $crate::wasm::validate_block::<$runtime>(ptr, len)
            }
            #[no_mangle]
            extern "C" fn build_genesis(ptr: i32, len: i32) -> i64 {
                $crate::wasm::build_genesis::<$runtime>(ptr, len)
            }
            #[no_mangle]
            extern "C" fn initialize_block(ptr: i32, len: i32) -> i64 {
                $crate::wasm::initialize_block::<$runtime>(ptr, len)
            }
            #[no_mangle]
            extern "C" fn apply_extrinsic(ptr: i32, len: i32) -> i64 {
                $crate::wasm::apply_extrinsic::<$runtime>(ptr, len)
            }
            #[no_mangle]
            extern "C" fn finalize_block(ptr: i32, len: i32) -> i64 {
                $crate::wasm::finalize_block::<$runtime>(ptr, len)
            }
        }
    };
}
