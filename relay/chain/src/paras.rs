//! The paras registry and code upgrades (rules 10 to 12): each para's head, current code,
//! pending upgrade and manager; code stored once per hash with a reference count; replaced code
//! retained for `code_retention_period` blocks so disputes can re-validate old candidates.

use atoll_primitives::{BlockNumber, HeadData, ParaId, ValidationCode, ValidationCodeHash};
use atoll_runtime_sdk::{Externalities, StorageMap, StorageValue};
use parity_scale_codec::{Decode, Encode};

use crate::balances;
use crate::config::HostConfiguration;
use crate::dispatch::CallError;
use crate::error::ChainError;
use crate::events::{self, DispatchError, Phase, RelayEvent};
use crate::extrinsic::AccountId;
use crate::state;

/// The lowest id `RegisterPara` accepts; lower ones are for system paras set at genesis.
pub const FIRST_PUBLIC_PARA_ID: ParaId = ParaId(1000);

/// Registered paras, ascending.
pub(crate) const PARAS: StorageValue<Vec<ParaId>> = StorageValue::new(b"Paras:List");
/// Who manages each para and what it deposited.
pub(crate) const INFO: StorageMap<ParaId, ParaInfo> = StorageMap::new(b"Paras:Info");
/// Each para's head.
pub(crate) const HEADS: StorageMap<ParaId, HeadData> =
    StorageMap::new(atoll_primitives::messaging::relay_storage::PARA_HEADS);
/// Each para's current code hash.
pub(crate) const CURRENT_CODE: StorageMap<ParaId, ValidationCodeHash> =
    StorageMap::new(b"Paras:CurrentCodeHash");
/// Each para's pending upgrade.
pub(crate) const FUTURE_CODE: StorageMap<ParaId, FutureCode> = StorageMap::new(b"Paras:FutureCode");
/// Code by hash: current, pending and retained code alike.
pub(crate) const CODE_BY_HASH: StorageMap<ValidationCodeHash, ValidationCode> =
    StorageMap::new(b"Paras:CodeByHash");
/// How many current, pending or retained uses each stored code has.
pub(crate) const CODE_REFS: StorageMap<ValidationCodeHash, u32> =
    StorageMap::new(b"Paras:CodeRefs");
/// Pending upgrades by enactment block, ascending.
pub(crate) const UPGRADE_QUEUE: StorageValue<Vec<(BlockNumber, ParaId)>> =
    StorageValue::new(b"Paras:UpgradeQueue");
/// Replaced code still retained, oldest first.
pub(crate) const RETAINED: StorageValue<Vec<RetainedCode>> =
    StorageValue::new(b"Paras:RetainedCode");
/// Paras frozen by a dispute that concluded against a candidate included here (rule 24),
/// ascending; only `ForceSetHead` unfreezes them (rule 25).
pub(crate) const FROZEN: StorageValue<Vec<ParaId>> = StorageValue::new(b"Paras:Frozen");

/// A para's registration.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct ParaInfo {
    /// The account that registered it; `None` for genesis paras (sudo manages those).
    pub manager: Option<AccountId>,
    /// The deposit reserved from the manager.
    pub deposit: u128,
}

/// A scheduled code upgrade.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct FutureCode {
    /// The new code.
    pub code_hash: ValidationCodeHash,
    /// The block at whose end it becomes current.
    pub at: BlockNumber,
}

/// Replaced (or deregistered) code kept readable by hash.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct RetainedCode {
    /// The para that used it.
    pub para: ParaId,
    /// The code.
    pub code_hash: ValidationCodeHash,
    /// The block in which it stopped being current.
    pub replaced_at: BlockNumber,
    /// The block at whose end it is released.
    pub prune_at: BlockNumber,
}

/// The size rules a para's head and code must meet (registration, upgrades and genesis).
pub(crate) fn check_sizes(
    config: &HostConfiguration,
    id: ParaId,
    head: Option<&HeadData>,
    code: &ValidationCode,
) -> Result<(), DispatchError> {
    if let Some(head) = head {
        if head.0.len() > config.max_head_data_size as usize {
            return Err(DispatchError::HeadTooLarge {
                id,
                size: head.0.len() as u64,
                max: config.max_head_data_size,
            });
        }
    }
    if code.0.is_empty() {
        return Err(DispatchError::EmptyCode { id });
    }
    if code.0.len() > config.max_code_size as usize {
        return Err(DispatchError::CodeTooLarge {
            id,
            size: code.0.len() as u64,
            max: config.max_code_size,
        });
    }
    Ok(())
}

/// Stores `code` (once per hash) and counts one more use of it.
fn add_code_use(
    ext: &mut dyn Externalities,
    code: &ValidationCode,
) -> Result<ValidationCodeHash, ChainError> {
    let hash = code.hash();
    let refs = state::map_get_or_default(ext, &CODE_REFS, &hash)?;
    if refs == 0 {
        CODE_BY_HASH.insert(ext, &hash, code);
    }
    let refs = refs.checked_add(1).ok_or(ChainError::Invariant("code uses fit in u32"))?;
    CODE_REFS.insert(ext, &hash, &refs);
    Ok(hash)
}

/// Counts one use of `hash` less, removing the code with its last use.
fn release_code_use(
    ext: &mut dyn Externalities,
    phase: Phase,
    hash: &ValidationCodeHash,
) -> Result<(), ChainError> {
    let refs = state::map_get_or_default(ext, &CODE_REFS, hash)?;
    match refs {
        0 => Err(ChainError::Invariant("released code has a use")),
        1 => {
            CODE_REFS.remove(ext, hash);
            CODE_BY_HASH.remove(ext, hash);
            events::deposit(ext, phase, RelayEvent::CodePruned { code_hash: *hash });
            Ok(())
        }
        n => {
            CODE_REFS.insert(ext, hash, &(n - 1));
            Ok(())
        }
    }
}

/// Keeps `hash`'s use by `para` for `code_retention_period` blocks after `now` (rule 11).
fn retain(
    ext: &mut dyn Externalities,
    config: &HostConfiguration,
    para: ParaId,
    code_hash: ValidationCodeHash,
    now: BlockNumber,
) -> Result<(), ChainError> {
    let prune_at = now
        .0
        .checked_add(config.code_retention_period)
        .map(BlockNumber)
        .ok_or(ChainError::Invariant("block numbers fit in u32"))?;
    let mut retained = state::value_or_default(ext, &RETAINED)?;
    retained.push(RetainedCode { para, code_hash, replaced_at: now, prune_at });
    RETAINED.put(ext, &retained);
    Ok(())
}

/// Adds a para without checks of the caller (genesis, and `register` after its checks).
pub(crate) fn insert_para(
    ext: &mut dyn Externalities,
    id: ParaId,
    info: &ParaInfo,
    head: &HeadData,
    code: &ValidationCode,
) -> Result<(), ChainError> {
    let mut paras = state::value_or_default(ext, &PARAS)?;
    let Err(at) = paras.binary_search(&id) else {
        return Err(ChainError::Invariant("a para id is registered once"));
    };
    paras.insert(at, id);
    PARAS.put(ext, &paras);
    INFO.insert(ext, &id, info);
    HEADS.insert(ext, &id, head);
    let hash = add_code_use(ext, code)?;
    CURRENT_CODE.insert(ext, &id, &hash);
    Ok(())
}

/// Rule 10: `RegisterPara`.
pub(crate) fn register(
    ext: &mut dyn Externalities,
    config: &HostConfiguration,
    caller: &AccountId,
    id: ParaId,
    head: &HeadData,
    code: &ValidationCode,
) -> Result<(), CallError> {
    if id < FIRST_PUBLIC_PARA_ID {
        return Err(DispatchError::ParaIdReserved { id }.into());
    }
    if state::map_get(ext, &INFO, &id)?.is_some() {
        return Err(DispatchError::ParaIdTaken { id }.into());
    }
    check_sizes(config, id, Some(head), code)?;
    balances::reserve(ext, caller, config.para_deposit)?;
    insert_para(
        ext,
        id,
        &ParaInfo { manager: Some(*caller), deposit: config.para_deposit },
        head,
        code,
    )?;
    Ok(())
}

/// The registration of `id`, if `caller` may manage it (its manager, or sudo).
fn managed(
    ext: &mut dyn Externalities,
    id: ParaId,
    caller: &AccountId,
    is_sudo: bool,
) -> Result<ParaInfo, CallError> {
    let info = state::map_get(ext, &INFO, &id)?.ok_or(DispatchError::UnknownPara { id })?;
    if is_sudo || info.manager.as_ref() == Some(caller) {
        Ok(info)
    } else {
        Err(DispatchError::NotManager { id, caller: *caller }.into())
    }
}

/// Removes `id` from the upgrade queue.
fn unqueue(ext: &mut dyn Externalities, id: ParaId) -> Result<(), ChainError> {
    let mut queue = state::value_or_default(ext, &UPGRADE_QUEUE)?;
    queue.retain(|(_, p)| *p != id);
    UPGRADE_QUEUE.put(ext, &queue);
    Ok(())
}

/// Rule 12: `DeregisterPara`.
pub(crate) fn deregister(
    ext: &mut dyn Externalities,
    config: &HostConfiguration,
    phase: Phase,
    now: BlockNumber,
    caller: &AccountId,
    is_sudo: bool,
    id: ParaId,
) -> Result<(), CallError> {
    let info = managed(ext, id, caller, is_sudo)?;
    let mut paras = state::value_or_default(ext, &PARAS)?;
    paras.retain(|p| *p != id);
    PARAS.put(ext, &paras);
    INFO.remove(ext, &id);
    HEADS.remove(ext, &id);
    let current = state::map_get(ext, &CURRENT_CODE, &id)?
        .ok_or(ChainError::Invariant("a registered para has current code"))?;
    CURRENT_CODE.remove(ext, &id);
    retain(ext, config, id, current, now)?;
    if let Some(future) = state::map_get(ext, &FUTURE_CODE, &id)? {
        FUTURE_CODE.remove(ext, &id);
        unqueue(ext, id)?;
        release_code_use(ext, phase, &future.code_hash)?;
    }
    if let Some(manager) = info.manager {
        balances::unreserve(ext, &manager, info.deposit)?;
    }
    set_frozen(ext, id, false)?;
    crate::messaging::forget_para(ext, id)?;
    Ok(())
}

/// Whether `id` is frozen (rule 24).
pub(crate) fn is_frozen(ext: &mut dyn Externalities, id: ParaId) -> Result<bool, ChainError> {
    Ok(state::value_or_default(ext, &FROZEN)?.binary_search(&id).is_ok())
}

/// Freezes (rule 24) or unfreezes (rules 12, 25) `id`.
pub(crate) fn set_frozen(
    ext: &mut dyn Externalities,
    id: ParaId,
    frozen: bool,
) -> Result<(), ChainError> {
    let mut list = state::value_or_default(ext, &FROZEN)?;
    match (list.binary_search(&id), frozen) {
        (Err(at), true) => list.insert(at, id),
        (Ok(at), false) => {
            list.remove(at);
        }
        _ => return Ok(()),
    }
    if list.is_empty() {
        FROZEN.kill(ext);
    } else {
        FROZEN.put(ext, &list);
    }
    Ok(())
}

/// Rule 11: `ScheduleCodeUpgrade`; returns the upgrade's hash and enactment block.
pub(crate) fn schedule_upgrade(
    ext: &mut dyn Externalities,
    config: &HostConfiguration,
    now: BlockNumber,
    caller: &AccountId,
    is_sudo: bool,
    id: ParaId,
    code: &ValidationCode,
) -> Result<FutureCode, CallError> {
    managed(ext, id, caller, is_sudo)?;
    schedule_code(ext, config, now, id, code)
}

/// Rule 11: schedules `code` for `id` without asking who wants it (a manager's call, checked
/// by [`schedule_upgrade`], or an included candidate's commitments, rule 20).
pub(crate) fn schedule_code(
    ext: &mut dyn Externalities,
    config: &HostConfiguration,
    now: BlockNumber,
    id: ParaId,
    code: &ValidationCode,
) -> Result<FutureCode, CallError> {
    if let Some(pending) = state::map_get(ext, &FUTURE_CODE, &id)? {
        return Err(DispatchError::UpgradeAlreadyScheduled { id, at: pending.at }.into());
    }
    check_sizes(config, id, None, code)?;
    let at = now
        .0
        .checked_add(config.validation_upgrade_delay)
        .map(BlockNumber)
        .ok_or(ChainError::Invariant("block numbers fit in u32"))?;
    let code_hash = add_code_use(ext, code)?;
    let future = FutureCode { code_hash, at };
    FUTURE_CODE.insert(ext, &id, &future);
    let mut queue = state::value_or_default(ext, &UPGRADE_QUEUE)?;
    let pos = queue.partition_point(|entry| *entry <= (at, id));
    queue.insert(pos, (at, id));
    UPGRADE_QUEUE.put(ext, &queue);
    Ok(future)
}

/// Rule 15: at the end of block `now`, enacts the upgrades due (rule 11) and releases retained
/// code whose period ended.
pub(crate) fn on_block_end(
    ext: &mut dyn Externalities,
    config: &HostConfiguration,
    now: BlockNumber,
) -> Result<(), ChainError> {
    let phase = Phase::Finalization;
    let queue = state::value_or_default(ext, &UPGRADE_QUEUE)?;
    let due = queue.partition_point(|(at, _)| *at <= now);
    if due > 0 {
        for (_, id) in &queue[..due] {
            let future = state::map_get(ext, &FUTURE_CODE, id)?
                .ok_or(ChainError::Invariant("a queued upgrade has future code"))?;
            FUTURE_CODE.remove(ext, id);
            let old = state::map_get(ext, &CURRENT_CODE, id)?
                .ok_or(ChainError::Invariant("a registered para has current code"))?;
            CURRENT_CODE.insert(ext, id, &future.code_hash);
            retain(ext, config, *id, old, now)?;
            events::deposit(
                ext,
                phase,
                RelayEvent::CodeUpgradeEnacted { id: *id, code_hash: future.code_hash },
            );
        }
        UPGRADE_QUEUE.put(ext, &queue[due..].to_vec());
    }
    let retained = state::value_or_default(ext, &RETAINED)?;
    if retained.iter().any(|r| r.prune_at <= now) {
        let (expired, kept): (Vec<_>, Vec<_>) =
            retained.into_iter().partition(|r| r.prune_at <= now);
        RETAINED.put(ext, &kept);
        for r in expired {
            release_code_use(ext, phase, &r.code_hash)?;
        }
    }
    Ok(())
}
