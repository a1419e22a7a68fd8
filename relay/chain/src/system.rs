//! Chain-wide bookkeeping: the genesis hash (rule 4), account nonces (rule 8) and the sudo key.

use atoll_primitives::Hash;
use atoll_runtime_sdk::{Externalities, StorageMap, StorageValue};

use crate::error::ChainError;
use crate::extrinsic::AccountId;
use crate::state;

/// The hash of the genesis header, recorded by block #1 (the genesis state cannot hold the hash
/// of the header that commits to it).
pub(crate) const GENESIS_HASH: StorageValue<Hash> = StorageValue::new(b"System:GenesisHash");
/// Each account's nonce: how many of its transactions were included.
pub(crate) const NONCE: StorageMap<AccountId, u64> = StorageMap::new(b"System:Nonce");
/// The account allowed the privileged calls, if any.
pub(crate) const SUDO_KEY: StorageValue<AccountId> = StorageValue::new(b"Sudo:Key");

/// Whether `who` is the sudo key.
pub(crate) fn is_sudo(ext: &mut dyn Externalities, who: &AccountId) -> Result<bool, ChainError> {
    Ok(state::value(ext, &SUDO_KEY)?.as_ref() == Some(who))
}
