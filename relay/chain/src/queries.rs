//! Read-only queries of a relay state, for nodes, RPC and tests. Each takes the node store and
//! the state root to read; an unknown root or a corrupt value is an error, an absent optional
//! value is `None` (or zero for amounts and nonces).

use atoll_primitives::relay::{Slot, ValidatorId};
use atoll_primitives::{
    BlockNumber, Hash, HeadData, ParaId, SessionIndex, ValidationCode, ValidationCodeHash,
};
use atoll_trie::StateDb;

use crate::balances;
use crate::config::{self, HostConfiguration};
use crate::error::ChainError;
use crate::events::{self, EventRecord};
use crate::extrinsic::AccountId;
use crate::offences::{self, Offence};
use crate::paras::{self, FutureCode, ParaInfo, RetainedCode};
use crate::session;
use crate::state::{self, read};
use crate::system;

/// The current session's index.
pub fn session_index(db: &StateDb, root: &Hash) -> Result<SessionIndex, ChainError> {
    read(db, root, |ext| state::required(ext, &session::CURRENT_INDEX))
}

/// The current session's validators, by index.
pub fn validators(db: &StateDb, root: &Hash) -> Result<Vec<ValidatorId>, ChainError> {
    read(db, root, |ext| state::required(ext, &session::VALIDATORS))
}

/// The validators queued for the next session, if `SetValidators` was called this session.
pub fn queued_validators(
    db: &StateDb,
    root: &Hash,
) -> Result<Option<Vec<ValidatorId>>, ChainError> {
    read(db, root, |ext| state::value(ext, &session::QUEUED_VALIDATORS))
}

/// The current session's randomness.
pub fn session_randomness(db: &StateDb, root: &Hash) -> Result<[u8; 32], ChainError> {
    read(db, root, |ext| state::required(ext, &session::RANDOMNESS))
}

/// The slot of block #1, which started session 0 (`None` in the genesis state).
pub fn genesis_slot(db: &StateDb, root: &Hash) -> Result<Option<Slot>, ChainError> {
    read(db, root, |ext| state::value(ext, &session::GENESIS_SLOT))
}

/// The current session's configuration.
pub fn config(db: &StateDb, root: &Hash) -> Result<HostConfiguration, ChainError> {
    read(db, root, |ext| config::active(ext))
}

/// The configuration queued for the next session, if any.
pub fn pending_config(db: &StateDb, root: &Hash) -> Result<Option<HostConfiguration>, ChainError> {
    read(db, root, |ext| state::value(ext, &config::PENDING))
}

/// `account`'s free balance.
pub fn balance(db: &StateDb, root: &Hash, account: &AccountId) -> Result<u128, ChainError> {
    read(db, root, |ext| balances::free(ext, account))
}

/// `account`'s reserved balance (para deposits).
pub fn reserved(db: &StateDb, root: &Hash, account: &AccountId) -> Result<u128, ChainError> {
    read(db, root, |ext| state::map_get_or_default(ext, &balances::RESERVED, account))
}

/// `account`'s bonded stake.
pub fn stake(db: &StateDb, root: &Hash, account: &AccountId) -> Result<u128, ChainError> {
    read(db, root, |ext| state::map_get_or_default(ext, &balances::BONDED, account))
}

/// The sum of all free, reserved and bonded amounts.
pub fn total_issuance(db: &StateDb, root: &Hash) -> Result<u128, ChainError> {
    read(db, root, |ext| state::value_or_default(ext, &balances::TOTAL_ISSUANCE))
}

/// `account`'s nonce: the nonce its next transaction must carry.
pub fn nonce(db: &StateDb, root: &Hash, account: &AccountId) -> Result<u64, ChainError> {
    read(db, root, |ext| state::map_get_or_default(ext, &system::NONCE, account))
}

/// The sudo key, if any.
pub fn sudo_key(db: &StateDb, root: &Hash) -> Result<Option<AccountId>, ChainError> {
    read(db, root, |ext| state::value(ext, &system::SUDO_KEY))
}

/// The genesis hash, recorded by block #1 (`None` in the genesis state itself, which cannot hold
/// the hash of the header committing to it).
pub fn genesis_hash(db: &StateDb, root: &Hash) -> Result<Option<Hash>, ChainError> {
    read(db, root, |ext| state::value(ext, &system::GENESIS_HASH))
}

/// The registered paras, ascending.
pub fn paras(db: &StateDb, root: &Hash) -> Result<Vec<ParaId>, ChainError> {
    read(db, root, |ext| state::value_or_default(ext, &paras::PARAS))
}

/// A para's registration (manager and deposit).
pub fn para_info(db: &StateDb, root: &Hash, id: ParaId) -> Result<Option<ParaInfo>, ChainError> {
    read(db, root, |ext| state::map_get(ext, &paras::INFO, &id))
}

/// A para's head.
pub fn para_head(db: &StateDb, root: &Hash, id: ParaId) -> Result<Option<HeadData>, ChainError> {
    read(db, root, |ext| state::map_get(ext, &paras::HEADS, &id))
}

/// The storage key of a para's head in the relay state, for a para proving it against a relay
/// state root (the value is the SCALE encoding of its [`HeadData`]).
pub fn para_head_key(id: ParaId) -> Vec<u8> {
    paras::HEADS.storage_key(&id)
}

/// A para's current validation code.
pub fn para_code(
    db: &StateDb,
    root: &Hash,
    id: ParaId,
) -> Result<Option<ValidationCode>, ChainError> {
    read(db, root, |ext| match state::map_get(ext, &paras::CURRENT_CODE, &id)? {
        Some(hash) => Ok(Some(
            state::map_get(ext, &paras::CODE_BY_HASH, &hash)?
                .ok_or(ChainError::Invariant("current code is stored by hash"))?,
        )),
        None => Ok(None),
    })
}

/// A para's current code hash.
pub fn para_code_hash(
    db: &StateDb,
    root: &Hash,
    id: ParaId,
) -> Result<Option<ValidationCodeHash>, ChainError> {
    read(db, root, |ext| state::map_get(ext, &paras::CURRENT_CODE, &id))
}

/// A para's scheduled upgrade, if any.
pub fn pending_upgrade(
    db: &StateDb,
    root: &Hash,
    id: ParaId,
) -> Result<Option<FutureCode>, ChainError> {
    read(db, root, |ext| state::map_get(ext, &paras::FUTURE_CODE, &id))
}

/// Replaced code still retained, with when each is released.
pub fn retained_code(db: &StateDb, root: &Hash) -> Result<Vec<RetainedCode>, ChainError> {
    read(db, root, |ext| state::value_or_default(ext, &paras::RETAINED))
}

/// Code by hash: current, scheduled or retained (rule 11).
pub fn code_by_hash(
    db: &StateDb,
    root: &Hash,
    hash: &ValidationCodeHash,
) -> Result<Option<ValidationCode>, ChainError> {
    read(db, root, |ext| state::map_get(ext, &paras::CODE_BY_HASH, hash))
}

/// Every recorded offence, in the order recorded (rule 14).
pub fn offences(db: &StateDb, root: &Hash) -> Result<Vec<Offence>, ChainError> {
    read(db, root, |ext| state::value_or_default(ext, &offences::LIST))
}

/// The block in which the offence (`session`, `offender`, `kind`) was recorded, if it was.
pub fn offence_reported_in(
    db: &StateDb,
    root: &Hash,
    session: SessionIndex,
    offender: &ValidatorId,
    kind: offences::OffenceKind,
) -> Result<Option<BlockNumber>, ChainError> {
    read(db, root, |ext| state::map_get(ext, &offences::REPORTS, &(session, *offender, kind)))
}

/// The events of the block whose state this is.
pub fn events(db: &StateDb, root: &Hash) -> Result<Vec<EventRecord>, ChainError> {
    read(db, root, |ext| events::all(ext))
}
