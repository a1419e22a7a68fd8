//! The resource limiter of an execution's store (Step 4): linear memory up to the heap limit,
//! one instance, one memory, and a bounded number of table elements. A denied growth is
//! recorded so that the failure that follows it (a trap, a panic, anything) is classified as a
//! memory limit.

use wasmtime::ResourceLimiter;

use crate::config::MAX_TABLE_ELEMENTS;
use crate::error::InternalError;

/// The most tables a module can define: wasmtime's validator refuses more (wasmparser's
/// `MAX_WASM_TABLES`), so the table count never decides anything and only
/// [`MAX_TABLE_ELEMENTS`] bounds tables.
const TABLE_COUNT_LIMIT: usize = 100;

/// Limits one store and records what it denied.
#[derive(Debug)]
pub(crate) struct Limiter {
    heap_limit_bytes: u64,
    /// Table elements granted so far, over all tables.
    table_elements: usize,
    /// The last memory growth granted, `(desired, maximum)`, to tell an allocation failure of
    /// the host from the guest exceeding its own declared maximum.
    last_growth: Option<(usize, Option<usize>)>,
    /// A memory growth above the heap limit was denied: the requested size in bytes.
    pub(crate) memory_denied: Option<usize>,
    /// A table growth above the element limit was denied: the requested total.
    pub(crate) table_denied: Option<usize>,
    /// The host failed to provide memory the guest was entitled to.
    pub(crate) host_failure: Option<InternalError>,
}

impl Limiter {
    /// A limiter for a store with the given heap limit.
    pub(crate) fn new(heap_limit_bytes: u64) -> Limiter {
        Limiter {
            heap_limit_bytes,
            table_elements: 0,
            last_growth: None,
            memory_denied: None,
            table_denied: None,
            host_failure: None,
        }
    }

    /// Forgets what was recorded during a previous call (the grants stay counted).
    pub(crate) fn reset_records(&mut self) {
        self.memory_denied = None;
        self.table_denied = None;
        self.host_failure = None;
    }

    /// The heap limit in bytes.
    pub(crate) fn heap_limit_bytes(&self) -> u64 {
        self.heap_limit_bytes
    }
}

impl ResourceLimiter for Limiter {
    fn memory_growing(
        &mut self,
        _current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        if u64::try_from(desired).map_or(true, |d| d > self.heap_limit_bytes) {
            self.memory_denied = Some(desired);
            return Ok(false);
        }
        self.last_growth = Some((desired, maximum));
        Ok(true)
    }

    fn memory_grow_failed(&mut self, error: wasmtime::Error) -> wasmtime::Result<()> {
        // A growth we granted failed. Beyond the guest's own declared maximum that is the
        // guest's business (`memory.grow` returns -1); within it, the host ran out of memory.
        if let Some((desired, maximum)) = self.last_growth {
            if maximum.is_none_or(|m| desired <= m) {
                self.host_failure =
                    Some(InternalError::HostMemory { desired, error: format!("{error:#}") });
            }
        }
        Ok(())
    }

    fn table_growing(
        &mut self,
        current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        let total = self.table_elements.saturating_add(desired.saturating_sub(current));
        if total > MAX_TABLE_ELEMENTS {
            self.table_denied = Some(total);
            return Ok(false);
        }
        // A growth beyond the table's own maximum fails anyway and grants nothing.
        if maximum.is_none_or(|m| desired <= m) {
            self.table_elements = total;
        }
        Ok(true)
    }

    fn instances(&self) -> usize {
        1
    }

    fn tables(&self) -> usize {
        TABLE_COUNT_LIMIT
    }

    fn memories(&self) -> usize {
        1
    }
}
