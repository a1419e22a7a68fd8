//! [`StorageHost`]: the state behind the storage host functions while a collator builds a block.

/// The state a block-building instance reads and writes through `ext_storage_*`. The collator
/// implements it over its Merkle state. Its errors are the host's own: a failed call becomes an
/// internal error of the call, never a verdict on the runtime.
pub trait StorageHost {
    /// The value under `key`, if any.
    fn get(&mut self, key: &[u8]) -> Result<Option<Vec<u8>>, String>;
    /// Sets `key` to `value`.
    fn set(&mut self, key: &[u8], value: &[u8]) -> Result<(), String>;
    /// Removes `key`.
    fn clear(&mut self, key: &[u8]) -> Result<(), String>;
    /// Appends one SCALE-encoded item to the SCALE `Vec` at `key` (an absent key is an empty
    /// vector). Implementations override this to append in place.
    fn append(&mut self, key: &[u8], item: &[u8]) -> Result<(), String> {
        let mut value = self.get(key)?.unwrap_or_default();
        append_to_scale_vec(&mut value, item);
        self.set(key, &value)
    }
    /// The state root with every change so far.
    fn root(&mut self) -> Result<[u8; 32], String>;
}

pub use atoll_primitives::scale_vec::append_to_scale_vec;

/// The storage of a validation: there is none. The storage imports are linked to stubs that stop
/// the call (Step 5), so these methods are never reached; they fail anyway.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct NoStorage;

const NO_STORAGE: &str = "no storage during validation";

impl StorageHost for NoStorage {
    fn get(&mut self, _key: &[u8]) -> Result<Option<Vec<u8>>, String> {
        Err(NO_STORAGE.into())
    }
    fn set(&mut self, _key: &[u8], _value: &[u8]) -> Result<(), String> {
        Err(NO_STORAGE.into())
    }
    fn clear(&mut self, _key: &[u8]) -> Result<(), String> {
        Err(NO_STORAGE.into())
    }
    fn root(&mut self) -> Result<[u8; 32], String> {
        Err(NO_STORAGE.into())
    }
}
