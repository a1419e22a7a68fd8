//! Sessions (rules 4 to 6): slot-based like BABE epochs. A session has one validator set, one
//! configuration and one randomness; the change to a later session happens at the start of the
//! first block whose slot falls in it, exactly once however many sessions were skipped.

use atoll_primitives::relay::{EpochInfo, RelayHeader, Slot, ValidatorId};
use atoll_primitives::{blake2_256, SessionIndex};
use atoll_runtime_sdk::{Externalities, StorageValue};
use atoll_trie::StateDb;
use parity_scale_codec::{Decode, Encode};

use crate::config;
use crate::error::ChainError;
use crate::events::{self, Phase, RelayEvent};
use crate::state::{self, RelayExt};

/// The slot of block #1: the start of session 0 (rule 4).
pub(crate) const GENESIS_SLOT: StorageValue<Slot> = StorageValue::new(b"Session:GenesisSlot");
/// The current session's index.
pub(crate) const CURRENT_INDEX: StorageValue<SessionIndex> =
    StorageValue::new(b"Session:CurrentIndex");
/// The current session's first slot (set by block #1 for session 0).
pub(crate) const CURRENT_START: StorageValue<Slot> = StorageValue::new(b"Session:CurrentStart");
/// The current session's validators, by index.
pub(crate) const VALIDATORS: StorageValue<Vec<ValidatorId>> =
    StorageValue::new(b"Session:Validators");
/// The validators queued by `SetValidators` for the next session.
pub(crate) const QUEUED_VALIDATORS: StorageValue<Vec<ValidatorId>> =
    StorageValue::new(b"Session:QueuedValidators");
/// The current session's randomness.
pub(crate) const RANDOMNESS: StorageValue<[u8; 32]> = StorageValue::new(b"Session:Randomness");
/// The VRF randomness of the current session's blocks, folded together.
pub(crate) const ACCUMULATOR: StorageValue<[u8; 32]> = StorageValue::new(b"Session:Accumulator");
/// The session before the current one (its set is still accountable, rule 14).
pub(crate) const PREVIOUS: StorageValue<PastSession> = StorageValue::new(b"Session:Previous");

/// What is kept of the session before the current one.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub(crate) struct PastSession {
    /// Its index.
    pub(crate) index: SessionIndex,
    /// Its validators.
    pub(crate) validators: Vec<ValidatorId>,
    /// Its first slot.
    pub(crate) start_slot: Slot,
}

/// A validator set accountable for evidence, with the slots its session covered.
pub(crate) struct AccountableSet {
    /// The validators, by index.
    pub(crate) validators: Vec<ValidatorId>,
    /// The session's first slot.
    pub(crate) start_slot: Slot,
    /// The first slot of the next session, if it has started.
    pub(crate) end_slot: Option<Slot>,
}

/// Genesis: session 0 with `validators` and `randomness`; its start slot comes with block #1.
pub(crate) fn init_genesis(
    ext: &mut dyn Externalities,
    validators: &Vec<ValidatorId>,
    randomness: [u8; 32],
) {
    CURRENT_INDEX.put(ext, &SessionIndex(0));
    VALIDATORS.put(ext, validators);
    RANDOMNESS.put(ext, &randomness);
    ACCUMULATOR.put(ext, &[0u8; 32]);
}

/// Rules 3 to 5 at the start of a child of `parent` at `slot`: block #1 records the genesis slot;
/// later blocks must have a later slot, and enact the session change if `slot` is in a later
/// session than the current one. Returns whether a session change was enacted.
pub(crate) fn on_block_start(
    ext: &mut dyn Externalities,
    parent: &RelayHeader,
    slot: Slot,
) -> Result<bool, ChainError> {
    if parent.number.0 == 0 {
        // Rule 4: block #1 starts session 0.
        GENESIS_SLOT.put(ext, &slot);
        CURRENT_START.put(ext, &slot);
        return Ok(false);
    }
    // Rule 3.
    let parent_slot = parent.pre_digest.slot;
    if slot <= parent_slot {
        return Err(ChainError::SlotNotAfterParent { parent_slot, slot });
    }
    let current = state::required(ext, &CURRENT_INDEX)?;
    let start = state::required(ext, &CURRENT_START)?;
    let length = config::active(ext)?.session_length;
    let offset = slot
        .0
        .checked_sub(start.0)
        .ok_or(ChainError::Invariant("a block's slot is not before its session's start"))?
        / u64::from(length.max(1));
    if offset > 0 {
        enact_session_change(ext, current, start, length, offset)?;
    }
    Ok(offset > 0)
}

/// Rule 5: the change from session `current` (which started at `start` and lasts `length`
/// slots) to session `current + skip`.
fn enact_session_change(
    ext: &mut dyn Externalities,
    current: SessionIndex,
    start: Slot,
    length: u32,
    skip: u64,
) -> Result<(), ChainError> {
    let next = u32::try_from(skip)
        .ok()
        .and_then(|s| current.0.checked_add(s))
        .map(SessionIndex)
        .ok_or(ChainError::Invariant("session indices fit in u32"))?;
    let next_start = skip
        .checked_mul(u64::from(length))
        .and_then(|d| start.0.checked_add(d))
        .map(Slot)
        .ok_or(ChainError::Invariant("slots fit in u64"))?;
    let validators = state::required(ext, &VALIDATORS)?;
    PREVIOUS.put(
        ext,
        &PastSession { index: current, validators: validators.clone(), start_slot: start },
    );
    if let Some(queued) = state::value(ext, &QUEUED_VALIDATORS)? {
        VALIDATORS.put(ext, &queued);
        QUEUED_VALIDATORS.kill(ext);
    }
    if let Some(pending) = state::value(ext, &config::PENDING)? {
        config::ACTIVE.put(ext, &pending);
        config::PENDING.kill(ext);
    }
    let randomness = state::required(ext, &RANDOMNESS)?;
    let accumulated = state::required(ext, &ACCUMULATOR)?;
    RANDOMNESS.put(ext, &blake2_256(&[randomness, accumulated].concat()));
    ACCUMULATOR.put(ext, &[0u8; 32]);
    CURRENT_INDEX.put(ext, &next);
    CURRENT_START.put(ext, &next_start);
    events::deposit(ext, Phase::Initialization, RelayEvent::NewSession { session: next });
    tracing::debug!(target: "relay-chain", session = next.0, start = next_start.0, "new session");
    Ok(())
}

/// Rule 6: folds a block's VRF randomness into the session's accumulator.
pub(crate) fn fold_randomness(
    ext: &mut dyn Externalities,
    randomness: &[u8; 32],
) -> Result<(), ChainError> {
    let accumulated = state::required(ext, &ACCUMULATOR)?;
    ACCUMULATOR.put(ext, &blake2_256(&[accumulated, *randomness].concat()));
    Ok(())
}

/// The current session as block production sees it.
pub(crate) fn current_epoch(ext: &mut dyn Externalities) -> Result<EpochInfo, ChainError> {
    let config = config::active(ext)?;
    let validators = state::required(ext, &VALIDATORS)?;
    Ok(EpochInfo {
        session: state::required(ext, &CURRENT_INDEX)?,
        primary_threshold: config.primary_threshold(validators.len())?,
        validators,
        randomness: state::required(ext, &RANDOMNESS)?,
        slot_duration_ms: config.slot_duration_ms,
    })
}

/// The validators of `session` if it is the current or the previous one (rule 14).
pub(crate) fn accountable_set(
    ext: &mut dyn Externalities,
    session: SessionIndex,
) -> Result<Option<AccountableSet>, ChainError> {
    let current = state::required(ext, &CURRENT_INDEX)?;
    let current_start = state::required(ext, &CURRENT_START)?;
    if session == current {
        return Ok(Some(AccountableSet {
            validators: state::required(ext, &VALIDATORS)?,
            start_slot: current_start,
            end_slot: None,
        }));
    }
    Ok(state::value(ext, &PREVIOUS)?.filter(|p| p.index == session).map(|p| AccountableSet {
        validators: p.validators,
        start_slot: p.start_slot,
        end_slot: Some(current_start),
    }))
}

/// The [`EpochInfo`] a child of `parent` at `slot` must be produced under (rules 4 to 6): the
/// current session's if `slot` is in it, otherwise the one the session change at the start of
/// that child would enact. For the genesis parent, `slot` starts session 0.
pub fn epoch_for_child(
    db: &StateDb,
    parent: &RelayHeader,
    slot: Slot,
) -> Result<EpochInfo, ChainError> {
    // The very code the child's block start runs, on a scratch overlay of the parent state.
    let mut ext = RelayExt::new(db, parent.state_root);
    let epoch = on_block_start(&mut ext, parent, slot).and_then(|_| current_epoch(&mut ext));
    ext.check()?;
    epoch
}
