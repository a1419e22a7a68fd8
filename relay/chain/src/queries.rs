//! Read-only queries of a relay state, for nodes, RPC and tests. Each takes the node store and
//! the state root to read; an unknown root or a corrupt value is an error, an absent optional
//! value is `None` (or zero for amounts and nonces).

use atoll_primitives::relay::{Slot, ValidatorId};
use atoll_primitives::{
    BlockNumber, CandidateHash, CoreIndex, GroupIndex, Hash, HeadData, ParaId,
    PersistedValidationData, SessionIndex, ValidationCode, ValidationCodeHash, ValidatorIndex,
};
use atoll_trie::StateDb;

use crate::balances;
use crate::config::{self, HostConfiguration};
use crate::disputes::{self, DisputeState};
use crate::error::ChainError;
use crate::events::{self, EventRecord};
use crate::extrinsic::AccountId;
use crate::inclusion::{self, IncludedCandidate, PendingAvailability, RecentBlock};
use crate::offences::{self, Offence};
use crate::paras::{self, FutureCode, ParaInfo, RetainedCode};
use crate::scheduler;
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

/// The storage key of `account`'s free balance (a SCALE `u128`), for `state_getStorage`.
pub fn free_balance_key(account: &AccountId) -> Vec<u8> {
    balances::FREE.storage_key(account)
}

/// The storage key of `account`'s nonce (a SCALE `u64`), for `state_getStorage`.
pub fn nonce_key(account: &AccountId) -> Vec<u8> {
    system::NONCE.storage_key(account)
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

/// An availability core as a block's state leaves it (rule 17): the para it serves, the group
/// that backs candidates whose relay parent is this block, and the candidate pending on it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CoreState {
    /// The core.
    pub core: CoreIndex,
    /// Its para.
    pub para_id: ParaId,
    /// The group assigned to the core at this block's child (number + 1): the group that
    /// backs candidates with this block as relay parent, if the child is in the same session
    /// (a candidate whose relay parent's child starts a new session is refused, rule 22).
    pub next_group: GroupIndex,
    /// The candidate pending availability on it, if any (bitfields attest this one).
    pub pending: Option<PendingAvailability>,
    /// Whether the para is frozen by a dispute (rule 24): nothing is backed for it.
    pub frozen: bool,
}

/// The number of the block whose state this is (0 for genesis).
pub fn block_number(db: &StateDb, root: &Hash) -> Result<BlockNumber, ChainError> {
    read(db, root, |ext| inclusion::block_number(ext))
}

/// The availability cores, by core index: one per registered para, in ascending para order
/// (rule 17).
pub fn availability_cores(db: &StateDb, root: &Hash) -> Result<Vec<CoreState>, ChainError> {
    read(db, root, |ext| {
        let config = config::active(ext)?;
        let child = BlockNumber(inclusion::block_number(ext)?.0.saturating_add(1));
        let frozen = state::value_or_default(ext, &paras::FROZEN)?;
        let mut cores = Vec::new();
        for (index, para_id) in scheduler::cores(ext)?.into_iter().enumerate() {
            let core = CoreIndex(
                u32::try_from(index).map_err(|_| ChainError::Invariant("fewer than 2^32 paras"))?,
            );
            cores.push(CoreState {
                core,
                para_id,
                next_group: scheduler::group_for_core(ext, &config, core, child)?,
                pending: inclusion::pending(ext, para_id)?,
                frozen: frozen.binary_search(&para_id).is_ok(),
            });
        }
        Ok(cores)
    })
}

/// The current session's backing groups (rule 17), by group index.
pub fn validator_groups(db: &StateDb, root: &Hash) -> Result<Vec<Vec<ValidatorIndex>>, ChainError> {
    read(db, root, |ext| scheduler::groups(ext))
}

/// The number of the current session's first block, from which groups rotate (rule 17).
pub fn session_start_block(db: &StateDb, root: &Hash) -> Result<BlockNumber, ChainError> {
    read(db, root, |ext| state::required(ext, &scheduler::SESSION_START_BLOCK))
}

/// The group assigned to `core` at block `at` of this state's session (rule 17): the group
/// backing candidates whose relay parent is block `at − 1`.
pub fn group_for_core(
    db: &StateDb,
    root: &Hash,
    core: CoreIndex,
    at: BlockNumber,
) -> Result<GroupIndex, ChainError> {
    read(db, root, |ext| {
        let config = config::active(ext)?;
        scheduler::group_for_core(ext, &config, core, at)
    })
}

/// The validation data of `para`'s next candidate with this state's block as relay parent
/// (rule 22): the head it builds on (the head of the candidate pending on the para's core if
/// any, which the next block includes before checking new candidates; else the para's head),
/// this block's number, `root` as storage root, the configured PoV limit. `None` for an
/// unregistered para.
pub fn persisted_validation_data(
    db: &StateDb,
    root: &Hash,
    para: ParaId,
) -> Result<Option<PersistedValidationData>, ChainError> {
    read(db, root, |ext| {
        let Some(head) = state::map_get(ext, &paras::HEADS, &para)? else { return Ok(None) };
        let parent_head = match inclusion::pending(ext, para)? {
            Some(pending) => pending.candidate.commitments.head_data,
            None => head,
        };
        Ok(Some(PersistedValidationData {
            parent_head,
            relay_parent_number: inclusion::block_number(ext)?,
            relay_parent_storage_root: *root,
            max_pov_size: config::active(ext)?.max_pov_size,
        }))
    })
}

/// The candidate pending availability on `para`'s core, if any (rule 22).
pub fn pending_availability(
    db: &StateDb,
    root: &Hash,
    para: ParaId,
) -> Result<Option<PendingAvailability>, ChainError> {
    read(db, root, |ext| inclusion::pending(ext, para))
}

/// The blocks a candidate in this block's child may name as relay parent, oldest first,
/// except this block itself (which the child adds, rule 18).
pub fn recent_blocks(db: &StateDb, root: &Hash) -> Result<Vec<RecentBlock>, ChainError> {
    read(db, root, |ext| state::value_or_default(ext, &inclusion::RECENT_BLOCKS))
}

/// An included candidate still disputable (rule 20).
pub fn included_candidate(
    db: &StateDb,
    root: &Hash,
    candidate: &CandidateHash,
) -> Result<Option<IncludedCandidate>, ChainError> {
    read(db, root, |ext| state::map_get(ext, &inclusion::INCLUDED, candidate))
}

/// The current session's validators disabled by disputes, ascending (rule 24).
pub fn disabled_validators(db: &StateDb, root: &Hash) -> Result<Vec<ValidatorIndex>, ChainError> {
    read(db, root, |ext| disputes::disabled(ext))
}

/// The paras frozen by a dispute, ascending (rule 24).
pub fn frozen_paras(db: &StateDb, root: &Hash) -> Result<Vec<ParaId>, ChainError> {
    read(db, root, |ext| state::value_or_default(ext, &paras::FROZEN))
}

/// Every remembered dispute, in the order opened (rules 23 and 24).
pub fn disputes(
    db: &StateDb,
    root: &Hash,
) -> Result<Vec<(CandidateHash, DisputeState)>, ChainError> {
    read(db, root, |ext| {
        let mut all = Vec::new();
        for (_, candidate) in state::value_or_default(ext, &disputes::INDEX)? {
            let dispute = state::map_get(ext, &disputes::DISPUTES, &candidate)?
                .ok_or(ChainError::Invariant("an indexed dispute is stored"))?;
            all.push((candidate, dispute));
        }
        Ok(all)
    })
}

/// The dispute about `candidate`, if the chain has one.
pub fn dispute(
    db: &StateDb,
    root: &Hash,
    candidate: &CandidateHash,
) -> Result<Option<DisputeState>, ChainError> {
    read(db, root, |ext| state::map_get(ext, &disputes::DISPUTES, candidate))
}

/// The validators of `session` if it is the current or the previous one (the sessions whose
/// disputes and evidence the chain accepts).
pub fn session_validators(
    db: &StateDb,
    root: &Hash,
    session: SessionIndex,
) -> Result<Option<Vec<ValidatorId>>, ChainError> {
    read(db, root, |ext| Ok(session::accountable_set(ext, session)?.map(|s| s.validators)))
}

/// The open HRMP channel `channel`, if any.
pub fn hrmp_channel(
    db: &StateDb,
    root: &Hash,
    channel: atoll_primitives::messaging::HrmpChannelId,
) -> Result<Option<atoll_primitives::messaging::HrmpChannel>, ChainError> {
    read(db, root, |ext| state::map_get(ext, &crate::messaging::HRMP_CHANNELS, &channel))
}

/// `para`'s upward messages waiting to be processed, with the block that enacted each.
pub fn upward_queue(
    db: &StateDb,
    root: &Hash,
    para: ParaId,
) -> Result<Vec<(BlockNumber, Vec<u8>)>, ChainError> {
    read(db, root, |ext| state::map_get_or_default(ext, &crate::messaging::UMP_QUEUE, &para))
}
