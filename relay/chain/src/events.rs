//! What a block did, for nodes, RPC and tests: [`EventRecord`]s of [`RelayEvent`]s, kept in
//! state until the next block starts (rule 7), and [`DispatchError`], why a call failed.

use atoll_primitives::relay::ValidatorId;
use atoll_primitives::{
    BlockNumber, CandidateHash, CandidateReceipt, CoreIndex, GroupIndex, Hash, ParaId,
    SessionIndex, ValidationCodeHash, ValidatorIndex,
};
use atoll_runtime_sdk::{Externalities, StorageValue};
use parity_scale_codec::{Decode, Encode};

use crate::error::ChainError;
use crate::extrinsic::AccountId;
use crate::inclusion::DropReason;
use crate::offences::OffenceKind;
use crate::state;
use atoll_primitives::messaging::HrmpChannelId;

/// When in the block an event happened.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode)]
pub enum Phase {
    /// Block start: the session change (rule 5).
    Initialization,
    /// While applying the extrinsic at this index of the body.
    ApplyExtrinsic(u32),
    /// Block end: code upgrades and pruning (rule 15).
    Finalization,
}

/// An event and its phase.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct EventRecord {
    /// When.
    pub phase: Phase,
    /// What.
    pub event: RelayEvent,
}

/// Something a block did.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
#[allow(
    clippy::large_enum_variant,
    reason = "a block has few events, and nodes match on the receipt of an included candidate"
)]
pub enum RelayEvent {
    /// A new session started (rule 5).
    NewSession {
        /// Its index.
        session: SessionIndex,
    },
    /// A signed call failed; its writes were discarded, the nonce still counts (rule 9).
    ExtrinsicFailed {
        /// Why.
        error: DispatchError,
    },
    /// Balance moved.
    Transferred {
        /// Payer.
        from: AccountId,
        /// Receiver.
        to: AccountId,
        /// Amount.
        amount: u128,
    },
    /// Free balance became stake.
    Bonded {
        /// The account.
        who: AccountId,
        /// Amount.
        amount: u128,
    },
    /// Stake became free balance.
    Unbonded {
        /// The account.
        who: AccountId,
        /// Amount.
        amount: u128,
    },
    /// A para was registered (rule 10).
    ParaRegistered {
        /// The para.
        id: ParaId,
        /// Its manager.
        manager: AccountId,
    },
    /// A para was removed (rule 12).
    ParaDeregistered {
        /// The para.
        id: ParaId,
    },
    /// A code upgrade was scheduled (rule 11).
    CodeUpgradeScheduled {
        /// The para.
        id: ParaId,
        /// The new code.
        code_hash: ValidationCodeHash,
        /// The block at whose end it takes effect.
        at: BlockNumber,
    },
    /// A code upgrade took effect (rule 11).
    CodeUpgradeEnacted {
        /// The para.
        id: ParaId,
        /// The now current code.
        code_hash: ValidationCodeHash,
    },
    /// Code no para uses or retains any more was removed (rule 11).
    CodePruned {
        /// The code.
        code_hash: ValidationCodeHash,
    },
    /// The next session's validator set was queued (rule 13).
    ValidatorsQueued {
        /// Its size.
        count: u32,
    },
    /// The next session's configuration was queued (rule 13).
    ConfigQueued,
    /// Equivocation evidence was recorded (rule 14).
    OffenceRecorded {
        /// The session of the offence.
        session: SessionIndex,
        /// The offender.
        offender: ValidatorId,
        /// What it did.
        kind: OffenceKind,
    },
    /// A backed candidate now occupies its para's core, pending availability (rule 22).
    CandidateBacked {
        /// The candidate.
        candidate_hash: CandidateHash,
        /// Its para.
        para_id: ParaId,
        /// The core it occupies.
        core: CoreIndex,
        /// The group that backed it.
        group: GroupIndex,
    },
    /// A candidate became available and was enacted: its head is the para's (rule 20).
    CandidateIncluded {
        /// The candidate.
        candidate: CandidateReceipt,
        /// Its para.
        para_id: ParaId,
        /// The core it occupied.
        core: CoreIndex,
        /// The group that backed it.
        group: GroupIndex,
        /// Hash of the para's new head.
        head_hash: Hash,
        /// Its upward messages (queued for the relay chain, rule 30).
        upward_messages: u32,
        /// Its horizontal messages (sent on their channels, rule 30).
        horizontal_messages: u32,
    },
    /// A candidate stayed pending longer than `availability_timeout`; its core is free
    /// (rule 21).
    CandidateTimedOut {
        /// The candidate.
        candidate_hash: CandidateHash,
        /// Its para.
        para_id: ParaId,
        /// The core it occupied.
        core: CoreIndex,
    },
    /// A pending candidate was dropped for another reason than a timeout or a dispute: a
    /// session change, its para frozen, deregistered or its head forced (rules 18, 24, 25).
    CandidateDropped {
        /// The candidate.
        candidate_hash: CandidateHash,
        /// Its para.
        para_id: ParaId,
        /// The core it occupied.
        core: CoreIndex,
        /// Why.
        reason: DropReason,
    },
    /// A dispute concluded against a candidate pending availability here; its core is free
    /// (rule 24).
    CandidateDisputedInvalid {
        /// The candidate.
        candidate_hash: CandidateHash,
        /// Its para.
        para_id: ParaId,
        /// The core it occupied.
        core: CoreIndex,
    },
    /// The chain saw the first votes of a dispute (rule 23).
    DisputeInitiated {
        /// The disputed candidate.
        candidate_hash: CandidateHash,
        /// Its para.
        para_id: ParaId,
    },
    /// A dispute reached a supermajority on one side (rule 24).
    DisputeConcluded {
        /// The disputed candidate.
        candidate_hash: CandidateHash,
        /// Its para.
        para_id: ParaId,
        /// Whether the candidate was found valid.
        valid: bool,
    },
    /// A dispute concluded against a candidate this chain included: the para is frozen; nodes
    /// revert the blocks from `backed_in` on if they are not finalized (rule 24).
    DisputeConcludedAgainstIncluded {
        /// The invalid candidate.
        candidate_hash: CandidateHash,
        /// Its para, now frozen.
        para_id: ParaId,
        /// The block that backed it.
        backed_in: BlockNumber,
        /// The block that included it.
        included_in: BlockNumber,
    },
    /// A validator lost part of its bonded stake, burnt (rule 24).
    Slashed {
        /// The validator (its account).
        validator: ValidatorId,
        /// The amount burnt.
        amount: u128,
    },
    /// A validator of the current session may not back any more this session (rule 24).
    ValidatorDisabled {
        /// Its index in the current session.
        validator: ValidatorIndex,
    },
    /// Sudo set a para's head; the para is unfrozen and its core free (rule 25).
    ParaHeadForced {
        /// The para.
        id: ParaId,
        /// Hash of the new head.
        head_hash: Hash,
    },
    /// A downward message was queued for a para (rule 26).
    DownwardMessageQueued {
        /// The para.
        para: ParaId,
        /// Hash of the message.
        message: Hash,
    },
    /// An upward message was processed (rule 31).
    UpwardMessageProcessed {
        /// The para that sent it.
        para: ParaId,
        /// Hash of the message.
        message: Hash,
        /// What processing it gave.
        outcome: crate::messaging::ump::UpwardOutcome,
    },
    /// A para asked to open a channel (rule 27).
    HrmpOpenChannelRequested {
        /// The channel.
        channel: HrmpChannelId,
        /// Its capacity.
        max_capacity: u32,
        /// Its largest message.
        max_message_size: u32,
    },
    /// A channel opened (rule 27).
    HrmpChannelOpened {
        /// The channel.
        channel: HrmpChannelId,
    },
    /// A channel closed (rule 27).
    HrmpChannelClosed {
        /// The channel.
        channel: HrmpChannelId,
    },
}

/// Why a signed call failed (the block stays valid, rule 9).
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, thiserror::Error)]
pub enum DispatchError {
    /// Not enough free balance.
    #[error("{who:?} has {available} free, needs {needed}")]
    InsufficientBalance {
        /// The account.
        who: AccountId,
        /// What the call needs.
        needed: u128,
        /// What it has.
        available: u128,
    },
    /// Not enough bonded stake.
    #[error("{who:?} has {bonded} bonded, needs {needed}")]
    InsufficientStake {
        /// The account.
        who: AccountId,
        /// What the call needs.
        needed: u128,
        /// What it has bonded.
        bonded: u128,
    },
    /// A balance would exceed `u128::MAX`.
    #[error("a balance of {who:?} would overflow")]
    Overflow {
        /// The account.
        who: AccountId,
    },
    /// Only the sudo key may make this call.
    #[error("{caller:?} is not the sudo key")]
    NotSudo {
        /// The caller.
        caller: AccountId,
    },
    /// Only the para's manager (or sudo) may make this call.
    #[error("{caller:?} does not manage {id}")]
    NotManager {
        /// The para.
        id: ParaId,
        /// The caller.
        caller: AccountId,
    },
    /// Ids below 1000 are reserved for system paras (set at genesis).
    #[error("{id} is reserved: registered ids start at 1000")]
    ParaIdReserved {
        /// The id.
        id: ParaId,
    },
    /// The id is registered already.
    #[error("{id} is already registered")]
    ParaIdTaken {
        /// The id.
        id: ParaId,
    },
    /// No para has this id.
    #[error("{id} is not registered")]
    UnknownPara {
        /// The id.
        id: ParaId,
    },
    /// The code is larger than `max_code_size`.
    #[error("code of {id} is {size} bytes, above the limit {max}")]
    CodeTooLarge {
        /// The para.
        id: ParaId,
        /// The code's size.
        size: u64,
        /// The limit.
        max: u32,
    },
    /// The code is empty.
    #[error("code of {id} is empty")]
    EmptyCode {
        /// The para.
        id: ParaId,
    },
    /// The head is larger than `max_head_data_size`.
    #[error("head of {id} is {size} bytes, above the limit {max}")]
    HeadTooLarge {
        /// The para.
        id: ParaId,
        /// The head's size.
        size: u64,
        /// The limit.
        max: u32,
    },
    /// The para has an upgrade pending already.
    #[error("{id} already has an upgrade scheduled for {at}")]
    UpgradeAlreadyScheduled {
        /// The para.
        id: ParaId,
        /// When the pending one takes effect.
        at: BlockNumber,
    },
    /// A validator set must not be empty.
    #[error("a validator set must not be empty")]
    NoValidators,
    /// A validator appears twice in a set.
    #[error("validator {validator:?} appears twice")]
    DuplicateValidator {
        /// The validator.
        validator: ValidatorId,
    },
    /// The configuration failed its consistency check.
    #[error("invalid configuration: {reason}")]
    InvalidConfig {
        /// The check's message.
        reason: String,
    },
    /// A channel call failed (rule 27).
    #[error("{0}")]
    Hrmp(crate::messaging::hrmp::HrmpError),
    /// A downward message could not be queued (rule 26).
    #[error("{0}")]
    Dmp(crate::messaging::dmp::DmpError),
}

/// The events of the last block.
pub(crate) const EVENTS: StorageValue<Vec<EventRecord>> = StorageValue::new(b"System:Events");

/// Rule 7: a block starts with no events.
pub(crate) fn reset(ext: &mut dyn Externalities) {
    EVENTS.kill(ext);
}

/// Records `event` in `phase`.
pub(crate) fn deposit(ext: &mut dyn Externalities, phase: Phase, event: RelayEvent) {
    ext.append(EVENTS.key(), &EventRecord { phase, event }.encode());
}

/// The events recorded so far.
pub(crate) fn all(ext: &mut dyn Externalities) -> Result<Vec<EventRecord>, ChainError> {
    state::value_or_default(ext, &EVENTS)
}
