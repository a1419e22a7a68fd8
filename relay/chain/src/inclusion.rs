//! Inclusion (rules 18, 20, 21): the candidates pending availability, one per core; their
//! enactment once available; availability timeouts; the recent blocks a candidate may take as
//! its relay parent; the record of included candidates that disputes act on.

use atoll_primitives::relay::RelayHeader;
use atoll_primitives::{
    BlockNumber, CandidateHash, CommittedCandidateReceipt, CoreIndex, GroupIndex, Hash, HeadData,
    ParaId, SessionIndex, ValidatorIndex,
};
use atoll_runtime_sdk::{Externalities, StorageMap, StorageValue};
use parity_scale_codec::{Decode, Encode};

use crate::config::HostConfiguration;
use crate::dispatch::CallError;
use crate::error::ChainError;
use crate::events::{self, Phase, RelayEvent};
use crate::paras;
use crate::scheduler;
use crate::state;

/// A block a candidate may name as its relay parent (rule 18).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode)]
pub struct RecentBlock {
    /// Its hash.
    pub hash: Hash,
    /// Its number.
    pub number: BlockNumber,
    /// Its state root (the `relay_parent_storage_root` of candidates built on it).
    pub state_root: Hash,
}

/// A backed candidate occupying its para's core until it is available (rule 22), times out
/// (rule 21) or is dropped.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct PendingAvailability {
    /// The core it occupies: its para's position among the registered paras.
    pub core: CoreIndex,
    /// The candidate with its commitments.
    pub candidate: CommittedCandidateReceipt,
    /// Its hash.
    pub candidate_hash: CandidateHash,
    /// The session it was backed in (whose validator indices `backers` and the votes use).
    pub session: SessionIndex,
    /// The number of its relay parent.
    pub relay_parent_number: BlockNumber,
    /// The group that backed it.
    pub backing_group: GroupIndex,
    /// The validators whose backing votes the chain accepted, ascending.
    pub backers: Vec<ValidatorIndex>,
    /// The block that backed it.
    pub backed_in: BlockNumber,
    /// One bit per validator of the session: whether its bitfields attested availability.
    pub availability_votes: Vec<bool>,
}

impl PendingAvailability {
    /// How many validators attested availability.
    pub fn availability_count(&self) -> usize {
        self.availability_votes.iter().filter(|v| **v).count()
    }
}

/// An included candidate, remembered for `dispute_period` sessions (rule 20).
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct IncludedCandidate {
    /// Its para.
    pub para_id: ParaId,
    /// The session it was backed in.
    pub session: SessionIndex,
    /// The number of its relay parent.
    pub relay_parent_number: BlockNumber,
    /// The block that backed it.
    pub backed_in: BlockNumber,
    /// The block that included it.
    pub included_in: BlockNumber,
    /// Its backers, ascending (indices of `session`'s validators).
    pub backers: Vec<ValidatorIndex>,
}

/// Why a pending candidate was dropped (besides timeouts and disputes).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode)]
pub enum DropReason {
    /// A new session started: pending work does not cross a session boundary (rule 18).
    #[codec(index = 0)]
    SessionChange,
    /// Its para was frozen by a dispute (rule 24).
    #[codec(index = 1)]
    ParaFrozen,
    /// Its para was deregistered (rule 12).
    #[codec(index = 2)]
    ParaDeregistered,
    /// Sudo forced its para's head (rule 25).
    #[codec(index = 3)]
    HeadForced,
}

/// The candidate pending availability on each para's core.
pub(crate) const PENDING: StorageMap<ParaId, PendingAvailability> =
    StorageMap::new(b"Inclusion:PendingAvailability");
/// Included candidates still disputable.
pub(crate) const INCLUDED: StorageMap<CandidateHash, IncludedCandidate> =
    StorageMap::new(b"Inclusion:Included");
/// The candidates each block included (to prune [`INCLUDED`] by session).
pub(crate) const INCLUDED_AT: StorageMap<BlockNumber, Vec<CandidateHash>> =
    StorageMap::new(b"Inclusion:IncludedAt");
/// The first block of each session whose included candidates are remembered, oldest first.
pub(crate) const SESSION_STARTS: StorageValue<Vec<(SessionIndex, BlockNumber)>> =
    StorageValue::new(b"Inclusion:SessionStarts");
/// The blocks a candidate may name as relay parent, oldest first.
pub(crate) const RECENT_BLOCKS: StorageValue<Vec<RecentBlock>> =
    StorageValue::new(b"Inclusion:RecentBlocks");

/// The number of the block whose state this is: its parent's, the last recent block, plus
/// one (0 for the genesis state, which has no recent block).
pub(crate) fn block_number(ext: &mut dyn Externalities) -> Result<BlockNumber, ChainError> {
    let recent = state::value_or_default(ext, &RECENT_BLOCKS)?;
    Ok(recent.last().map_or(BlockNumber(0), |b| BlockNumber(b.number.0.saturating_add(1))))
}

/// Genesis: session 0 starts at block 1.
pub(crate) fn init_genesis(ext: &mut dyn Externalities) {
    SESSION_STARTS.put(ext, &vec![(SessionIndex(0), BlockNumber(1))]);
}

/// Rule 18: the parent becomes a possible relay parent; only the last `max_relay_parent_age`
/// blocks stay.
pub(crate) fn note_parent(
    ext: &mut dyn Externalities,
    config: &HostConfiguration,
    parent: &RelayHeader,
) -> Result<(), ChainError> {
    let mut recent = state::value_or_default(ext, &RECENT_BLOCKS)?;
    recent.push(RecentBlock {
        hash: parent.hash(),
        number: parent.number,
        state_root: parent.state_root,
    });
    let keep = (config.max_relay_parent_age as usize).max(1);
    if recent.len() > keep {
        recent.drain(..recent.len() - keep);
    }
    RECENT_BLOCKS.put(ext, &recent);
    Ok(())
}

/// Rule 18: at the start of session `session` in block `now`, drops every pending candidate
/// and forgets the candidates included more than `dispute_period` sessions ago.
pub(crate) fn on_new_session(
    ext: &mut dyn Externalities,
    config: &HostConfiguration,
    session: SessionIndex,
    now: BlockNumber,
) -> Result<(), ChainError> {
    for para in scheduler::cores(ext)? {
        drop_pending(ext, Phase::Initialization, para, DropReason::SessionChange)?;
    }
    let mut starts = state::value_or_default(ext, &SESSION_STARTS)?;
    starts.push((session, now));
    while starts.len() > 1 && starts[0].0 .0.saturating_add(config.dispute_period) < session.0 {
        let (from, to) = (starts[0].1, starts[1].1);
        for number in from.0..to.0 {
            let number = BlockNumber(number);
            for hash in state::map_get_or_default(ext, &INCLUDED_AT, &number)? {
                INCLUDED.remove(ext, &hash);
            }
            INCLUDED_AT.remove(ext, &number);
        }
        starts.remove(0);
    }
    SESSION_STARTS.put(ext, &starts);
    Ok(())
}

/// The candidate pending on `para`'s core.
pub(crate) fn pending(
    ext: &mut dyn Externalities,
    para: ParaId,
) -> Result<Option<PendingAvailability>, ChainError> {
    state::map_get(ext, &PENDING, &para)
}

/// Frees `para`'s core if a candidate is pending there, with a `CandidateDropped` event.
pub(crate) fn drop_pending(
    ext: &mut dyn Externalities,
    phase: Phase,
    para: ParaId,
    reason: DropReason,
) -> Result<Option<PendingAvailability>, ChainError> {
    let Some(pending) = pending(ext, para)? else { return Ok(None) };
    PENDING.remove(ext, &para);
    let event = RelayEvent::CandidateDropped {
        candidate_hash: pending.candidate_hash,
        para_id: para,
        core: pending.core,
        reason,
    };
    events::deposit(ext, phase, event);
    Ok(Some(pending))
}

/// Keeps each pending candidate's `core` equal to its para's position after the registry
/// changed (rules 10 and 12).
pub(crate) fn reindex_cores(ext: &mut dyn Externalities) -> Result<(), ChainError> {
    for (index, para) in scheduler::cores(ext)?.into_iter().enumerate() {
        let core = CoreIndex(
            u32::try_from(index).map_err(|_| ChainError::Invariant("fewer than 2^32 paras"))?,
        );
        if let Some(mut pending) = pending(ext, para)? {
            if pending.core != core {
                pending.core = core;
                PENDING.insert(ext, &para, &pending);
            }
        }
    }
    Ok(())
}

/// Rule 20: enacts `pending`, which became available in block `now`: the para's head, a code
/// upgrade, its messages (rule 30), the record for disputes, the event; the core is freed.
pub(crate) fn enact(
    ext: &mut dyn Externalities,
    config: &HostConfiguration,
    phase: Phase,
    now: BlockNumber,
    pending: PendingAvailability,
) -> Result<(), ChainError> {
    let para = pending.candidate.descriptor.para_id;
    PENDING.remove(ext, &para);
    let commitments = &pending.candidate.commitments;
    paras::HEADS.insert(ext, &para, &commitments.head_data);
    if let Some(code) = &commitments.new_validation_code {
        // Checked when backed (rule 22); a manager's upgrade scheduled since then wins.
        match paras::schedule_code(ext, config, now, para, code) {
            Ok(future) => events::deposit(
                ext,
                phase,
                RelayEvent::CodeUpgradeScheduled {
                    id: para,
                    code_hash: future.code_hash,
                    at: future.at,
                },
            ),
            Err(CallError::Internal(e)) => return Err(e),
            Err(CallError::Failed(error)) => {
                tracing::debug!(target: "relay-chain", %para, %error, "candidate's upgrade skipped");
            }
        }
    }
    crate::messaging::enact_commitments(ext, now, para, commitments)?;
    let record = IncludedCandidate {
        para_id: para,
        session: pending.session,
        relay_parent_number: pending.relay_parent_number,
        backed_in: pending.backed_in,
        included_in: now,
        backers: pending.backers.clone(),
    };
    INCLUDED.insert(ext, &pending.candidate_hash, &record);
    ext.append(&INCLUDED_AT.storage_key(&now), &pending.candidate_hash.encode());
    let count = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
    let event = RelayEvent::CandidateIncluded {
        candidate: pending.candidate.to_plain(),
        para_id: para,
        core: pending.core,
        group: pending.backing_group,
        head_hash: commitments.head_data.hash(),
        upward_messages: count(commitments.upward_messages.len()),
        horizontal_messages: count(commitments.horizontal_messages.len()),
    };
    events::deposit(ext, phase, event);
    Ok(())
}

/// Rule 21: drops every candidate pending for more than `availability_timeout` blocks.
pub(crate) fn time_out(
    ext: &mut dyn Externalities,
    config: &HostConfiguration,
    phase: Phase,
    now: BlockNumber,
) -> Result<(), ChainError> {
    for para in scheduler::cores(ext)? {
        let Some(pending) = pending(ext, para)? else { continue };
        if now.0.saturating_sub(pending.backed_in.0) > config.availability_timeout {
            PENDING.remove(ext, &para);
            let event = RelayEvent::CandidateTimedOut {
                candidate_hash: pending.candidate_hash,
                para_id: para,
                core: pending.core,
            };
            events::deposit(ext, phase, event);
        }
    }
    Ok(())
}

/// Rule 25: sets `para`'s head, unfreezes it and frees its core.
pub(crate) fn force_head(
    ext: &mut dyn Externalities,
    phase: Phase,
    para: ParaId,
    head: &HeadData,
) -> Result<(), ChainError> {
    drop_pending(ext, phase, para, DropReason::HeadForced)?;
    paras::HEADS.insert(ext, &para, head);
    paras::set_frozen(ext, para, false)
}
