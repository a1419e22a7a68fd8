//! [`HostState`]: what a wasmtime store carries for the host functions and the classification of
//! a failed call: the limiter, the storage (building only), the deadline, and the first fault a
//! host function recorded.

use crate::engine::Deadline;
use crate::error::InternalError;
use crate::limiter::Limiter;

/// Why a host function stopped the call (Step 5), recorded for the classification (Step 6).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum GuestFault {
    /// `ext_panic` with its (bounded, UTF-8-lossy) message.
    Panic(String),
    /// A host function was misused: a pointer out of bounds, storage during validation.
    Misuse(String),
    /// The deadline passed during a long host function.
    Timeout,
    /// The host itself failed (the storage host).
    Host(InternalError),
}

/// The data of a store. `S` is the storage: a [`crate::StorageHost`] when building, the
/// storage-less stand-in during validation.
pub(crate) struct HostState<S> {
    /// Limits memory and tables, records denials.
    pub(crate) limiter: Limiter,
    /// The storage of the storage host functions.
    pub(crate) storage: S,
    /// The deadline of the current call, for host functions doing long native work.
    pub(crate) deadline: Option<Deadline>,
    /// The first fault recorded during the current call.
    pub(crate) fault: Option<GuestFault>,
}

impl<S> HostState<S> {
    /// A fresh state.
    pub(crate) fn new(heap_limit_bytes: u64, storage: S) -> HostState<S> {
        HostState { limiter: Limiter::new(heap_limit_bytes), storage, deadline: None, fault: None }
    }

    /// Records a fault; the first one of a call wins.
    pub(crate) fn record(&mut self, fault: GuestFault) {
        if self.fault.is_none() {
            self.fault = Some(fault);
        }
    }

    /// Prepares for a new call: forgets the previous call's records, sets its deadline.
    pub(crate) fn begin_call(&mut self, deadline: Deadline) {
        self.fault = None;
        self.limiter.reset_records();
        self.deadline = Some(deadline);
    }

    /// Whether the current call's deadline has passed.
    pub(crate) fn deadline_passed(&self) -> bool {
        self.deadline.as_ref().is_some_and(Deadline::passed)
    }
}
