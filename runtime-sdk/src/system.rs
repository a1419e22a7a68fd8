//! The built-in system module: block number, parent hash, the para id, account nonces and the
//! block's events. Its keys start with `System:`; runtimes must not use that prefix.

use parity_scale_codec::{Decode, Encode};

use atoll_primitives::{BlockNumber, Hash, ParaId};

use crate::externalities::Externalities;
use crate::runtime::{AccountId, DispatchError};
use crate::storage::{StorageMap, StorageValue};

/// The number of the current block.
pub const NUMBER: StorageValue<BlockNumber> = StorageValue::new(b"System:Number");
/// The hash of the parent block's head data.
pub const PARENT_HASH: StorageValue<Hash> = StorageValue::new(b"System:ParentHash");
/// The para this runtime runs as, fixed at genesis; extrinsic signatures commit to it.
pub const PARA_ID: StorageValue<ParaId> = StorageValue::new(b"System:ParaId");
/// The next nonce of each account.
pub const NONCE: StorageMap<AccountId, u64> = StorageMap::new(b"System:Nonce");
/// Storage key of the current block's events: a SCALE `Vec<EventRecord<R::Event>>`.
pub const EVENTS_KEY: &[u8] = b"System:Events";

/// An event of the system module.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub enum SystemEvent {
    /// An extrinsic was applied and its call succeeded.
    ExtrinsicSuccess,
    /// An extrinsic was applied but its call failed; its writes were discarded.
    ExtrinsicFailed {
        /// Why the call failed.
        error: DispatchError,
    },
}

/// Any event of a runtime `R`: the system's or the runtime's own.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub enum Event<E> {
    /// From the system module.
    System(SystemEvent),
    /// From the runtime.
    Runtime(E),
}

/// An event with the extrinsic that caused it (`None` for hooks).
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct EventRecord<E> {
    /// The index of the extrinsic in its block, if any.
    pub extrinsic_index: Option<u32>,
    /// The event.
    pub event: Event<E>,
}

/// Appends `record` to the block's events.
pub fn deposit<E: Encode>(ext: &mut dyn Externalities, record: &EventRecord<E>) {
    record.using_encoded(|bytes| ext.append(EVENTS_KEY, bytes));
}

/// The events of the current (or last finished) block.
pub fn events<E: Decode>(ext: &mut dyn Externalities) -> alloc::vec::Vec<EventRecord<E>> {
    match ext.get(EVENTS_KEY) {
        Some(bytes) => match Decode::decode(&mut &bytes[..]) {
            Ok(v) => v,
            Err(_) => crate::invalid("corrupt state: System:Events does not decode"),
        },
        None => alloc::vec::Vec::new(),
    }
}
