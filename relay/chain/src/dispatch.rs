//! Rule 9: what each [`RelayCall`] does. A call either succeeds (its writes stand, its events are
//! recorded) or fails with a [`DispatchError`] (the caller of [`dispatch`] discards its writes).

use std::collections::BTreeSet;

use atoll_primitives::messaging::HrmpChannelId;
use atoll_primitives::{BlockNumber, Hash, ParaId};
use atoll_runtime_sdk::Externalities;

use crate::config::{self, ConfigError};
use crate::error::ChainError;
use crate::events::{self, DispatchError, Phase, RelayEvent};
use crate::extrinsic::{AccountId, RelayCall};
use crate::inclusion::{self, DropReason};
use crate::messaging::{self, dmp, hrmp};
use crate::paras;
use crate::session;
use crate::state;
use crate::system;
use crate::{balances, config::HostConfiguration};

/// Why a call did not succeed: it failed (the block stays valid), or the state could not be
/// read (nothing about the block can be decided).
#[derive(Debug)]
pub(crate) enum CallError {
    /// The call failed.
    Failed(DispatchError),
    /// The state is missing or corrupt.
    Internal(ChainError),
}

impl From<DispatchError> for CallError {
    fn from(e: DispatchError) -> Self {
        CallError::Failed(e)
    }
}

impl From<ChainError> for CallError {
    fn from(e: ChainError) -> Self {
        CallError::Internal(e)
    }
}

/// Where a call runs.
pub(crate) struct CallContext {
    /// The block's number.
    pub(crate) now: BlockNumber,
    /// The extrinsic's phase (for its events).
    pub(crate) phase: Phase,
    /// The signer.
    pub(crate) caller: AccountId,
}

fn ensure_sudo(ext: &mut dyn Externalities, caller: &AccountId) -> Result<(), CallError> {
    if system::is_sudo(ext, caller)? {
        Ok(())
    } else {
        Err(DispatchError::NotSudo { caller: *caller }.into())
    }
}

/// Sudo, or the manager of one of `paras` (a para that does not exist has no manager).
fn ensure_manager_or_sudo(
    ext: &mut dyn Externalities,
    caller: &AccountId,
    paras: &[ParaId],
) -> Result<(), CallError> {
    if system::is_sudo(ext, caller)? {
        return Ok(());
    }
    for id in paras {
        if state::map_get(ext, &paras::INFO, id)?.is_some_and(|info| info.manager == Some(*caller))
        {
            return Ok(());
        }
    }
    let id = paras.first().copied().unwrap_or_default();
    Err(DispatchError::NotManager { id, caller: *caller }.into())
}

fn check_new_config(ext: &mut dyn Externalities, new: &HostConfiguration) -> Result<(), CallError> {
    let invalid = |e: ConfigError| DispatchError::InvalidConfig { reason: e.to_string() };
    new.check().map_err(invalid)?;
    let current = config::active(ext)?;
    if new.slot_duration_ms != current.slot_duration_ms {
        return Err(invalid(ConfigError::SlotDurationChanged {
            current: current.slot_duration_ms,
            requested: new.slot_duration_ms,
        })
        .into());
    }
    Ok(())
}

/// Applies `call` by `ctx.caller` on `ext`.
pub(crate) fn dispatch(
    ext: &mut dyn Externalities,
    ctx: &CallContext,
    call: &RelayCall,
) -> Result<(), CallError> {
    let caller = ctx.caller;
    let event = match call {
        RelayCall::Transfer { dest, amount } => {
            balances::transfer(ext, &caller, dest, *amount)?;
            RelayEvent::Transferred { from: caller, to: *dest, amount: *amount }
        }
        RelayCall::Bond { amount } => {
            balances::bond(ext, &caller, *amount)?;
            RelayEvent::Bonded { who: caller, amount: *amount }
        }
        RelayCall::Unbond { amount } => {
            balances::unbond(ext, &caller, *amount)?;
            RelayEvent::Unbonded { who: caller, amount: *amount }
        }
        RelayCall::RegisterPara { id, genesis_head, code } => {
            let config = config::active(ext)?;
            paras::register(ext, &config, &caller, *id, genesis_head, code)?;
            inclusion::reindex_cores(ext)?;
            RelayEvent::ParaRegistered { id: *id, manager: caller }
        }
        RelayCall::DeregisterPara { id } => {
            let config = config::active(ext)?;
            let is_sudo = system::is_sudo(ext, &caller)?;
            inclusion::drop_pending(ext, ctx.phase, *id, DropReason::ParaDeregistered)?;
            paras::deregister(ext, &config, ctx.phase, ctx.now, &caller, is_sudo, *id)?;
            inclusion::reindex_cores(ext)?;
            RelayEvent::ParaDeregistered { id: *id }
        }
        RelayCall::ScheduleCodeUpgrade { id, code } => {
            let config = config::active(ext)?;
            let is_sudo = system::is_sudo(ext, &caller)?;
            let future =
                paras::schedule_upgrade(ext, &config, ctx.now, &caller, is_sudo, *id, code)?;
            RelayEvent::CodeUpgradeScheduled { id: *id, code_hash: future.code_hash, at: future.at }
        }
        RelayCall::SetValidators { validators } => {
            ensure_sudo(ext, &caller)?;
            if validators.is_empty() {
                return Err(DispatchError::NoValidators.into());
            }
            let mut seen = BTreeSet::new();
            if let Some(dup) = validators.iter().find(|v| !seen.insert(**v)) {
                return Err(DispatchError::DuplicateValidator { validator: *dup }.into());
            }
            let count = u32::try_from(validators.len())
                .map_err(|_| ChainError::Invariant("a decoded vector's length fits in u32"))?;
            session::QUEUED_VALIDATORS.put(ext, validators);
            RelayEvent::ValidatorsQueued { count }
        }
        RelayCall::SetConfig(new) => {
            ensure_sudo(ext, &caller)?;
            check_new_config(ext, new)?;
            config::PENDING.put(ext, new);
            RelayEvent::ConfigQueued
        }
        RelayCall::ForceSetHead { para, head } => {
            ensure_sudo(ext, &caller)?;
            if state::map_get(ext, &paras::INFO, para)?.is_none() {
                return Err(DispatchError::UnknownPara { id: *para }.into());
            }
            let max = config::active(ext)?.max_head_data_size;
            if head.0.len() > max as usize {
                let size = head.0.len() as u64;
                return Err(DispatchError::HeadTooLarge { id: *para, size, max }.into());
            }
            inclusion::force_head(ext, ctx.phase, *para, head)?;
            RelayEvent::ParaHeadForced { id: *para, head_hash: head.hash() }
        }
        RelayCall::HrmpInitOpenChannel { sender, recipient, max_capacity, max_message_size } => {
            ensure_manager_or_sudo(ext, &caller, &[*sender])?;
            let channel = HrmpChannelId { sender: *sender, recipient: *recipient };
            hrmp::request_open(ext, ctx.now, channel, *max_capacity, *max_message_size)?
                .map_err(DispatchError::Hrmp)?;
            RelayEvent::HrmpOpenChannelRequested {
                channel,
                max_capacity: *max_capacity,
                max_message_size: *max_message_size,
            }
        }
        RelayCall::HrmpAcceptOpenChannel { sender, recipient } => {
            ensure_manager_or_sudo(ext, &caller, &[*recipient])?;
            let channel = HrmpChannelId { sender: *sender, recipient: *recipient };
            hrmp::accept(ext, channel)?.map_err(DispatchError::Hrmp)?;
            RelayEvent::HrmpChannelOpened { channel }
        }
        RelayCall::HrmpCloseChannel { sender, recipient } => {
            ensure_manager_or_sudo(ext, &caller, &[*sender, *recipient])?;
            let channel = HrmpChannelId { sender: *sender, recipient: *recipient };
            hrmp::close(ext, channel)?.map_err(DispatchError::Hrmp)?;
            RelayEvent::HrmpChannelClosed { channel }
        }
        RelayCall::SendDownward { para, message } => {
            ensure_sudo(ext, &caller)?;
            let limits = messaging::limits(ext)?;
            dmp::queue(ext, &limits, ctx.now, *para, message.clone())?
                .map_err(DispatchError::Dmp)?;
            RelayEvent::DownwardMessageQueued { para: *para, message: Hash::of(message) }
        }
    };
    events::deposit(ext, ctx.phase, event);
    Ok(())
}
