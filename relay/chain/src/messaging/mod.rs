//! Message passing (rules 26–32): the downward queues (DMP, [`dmp`]), the upward queues and their
//! processing (UMP, [`ump`]), the HRMP channels ([`hrmp`]), and what a collator reads to give its
//! para its inbound messages with a proof ([`inbound`]).
//!
//! The storage items use the prefixes of [`atoll_primitives::messaging::relay_storage`], which a
//! para runtime shares to prove them against a relay state root.

pub mod dmp;
pub mod hrmp;
pub mod inbound;
pub mod ump;

use atoll_primitives::messaging::{
    relay_storage as key, HrmpChannel, HrmpChannelId, InboundDownwardMessage, InboundHrmpMessage,
    MessagingLimits, QueueSize,
};
use atoll_primitives::{BlockNumber, CandidateCommitments, Hash, ParaId};
use atoll_runtime_sdk::{Externalities, StorageMap, StorageValue};

use crate::error::ChainError;
use crate::state;

/// The messaging limits (written at genesis).
pub(crate) const LIMITS: StorageValue<MessagingLimits> = StorageValue::new(key::LIMITS);
/// Each para's downward MQC head.
pub(crate) const DMQ_MQC_HEAD: StorageMap<ParaId, Hash> = StorageMap::new(key::DMQ_MQC_HEAD);
/// Each para's unprocessed downward messages.
pub(crate) const DMQ_CONTENTS: StorageMap<ParaId, Vec<InboundDownwardMessage>> =
    StorageMap::new(key::DMQ_CONTENTS);
/// The MQC head before each downward queue's first message.
pub(crate) const DMQ_BASE_HEAD: StorageMap<ParaId, Hash> = StorageMap::new(key::DMQ_BASE_HEAD);
/// Each para's upward queue occupancy.
pub(crate) const UMP_QUEUE_SIZE: StorageMap<ParaId, QueueSize> =
    StorageMap::new(key::UMP_QUEUE_SIZE);
/// Each para's upward messages waiting to be processed, with the block that enacted them.
pub(crate) const UMP_QUEUE: StorageMap<ParaId, Vec<(BlockNumber, Vec<u8>)>> =
    StorageMap::new(b"Ump:Queue");
/// The paras whose upward queue is not empty, in the order they are served.
pub(crate) const UMP_NEEDS_SERVICE: StorageValue<Vec<ParaId>> = StorageValue::new(b"Ump:Service");
/// Every open channel.
pub(crate) const HRMP_CHANNELS: StorageMap<HrmpChannelId, HrmpChannel> =
    StorageMap::new(key::HRMP_CHANNELS);
/// Each channel's unpruned messages.
pub(crate) const HRMP_CONTENTS: StorageMap<HrmpChannelId, Vec<InboundHrmpMessage>> =
    StorageMap::new(key::HRMP_CONTENTS);
/// The MQC head before each channel's first unpruned message.
pub(crate) const HRMP_BASE_HEAD: StorageMap<HrmpChannelId, Hash> =
    StorageMap::new(key::HRMP_BASE_HEAD);
/// Senders of each para's inbound channels, ascending.
pub(crate) const HRMP_INGRESS: StorageMap<ParaId, Vec<ParaId>> = StorageMap::new(key::HRMP_INGRESS);
/// Recipients of each para's outbound channels, ascending.
pub(crate) const HRMP_EGRESS: StorageMap<ParaId, Vec<ParaId>> = StorageMap::new(key::HRMP_EGRESS);
/// Each para's last HRMP watermark.
pub(crate) const HRMP_WATERMARKS: StorageMap<ParaId, BlockNumber> =
    StorageMap::new(key::HRMP_WATERMARKS);

/// The messaging limits of a state (the defaults if a state predates them).
pub(crate) fn limits(ext: &mut dyn Externalities) -> Result<MessagingLimits, ChainError> {
    Ok(state::value(ext, &LIMITS)?.unwrap_or_default())
}

/// Why a candidate's messaging commitments are refused at backing (rule 29).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum MessagingRuleError {
    /// It processed no downward message while its relay parent held some.
    #[error("processed no downward message while {available} were queued at its relay parent")]
    DownwardQueueSkipped {
        /// Messages queued at the relay parent.
        available: u32,
    },
    /// It claims more downward messages than were queued at its relay parent.
    #[error(
        "claims {processed} downward messages, only {available} were queued at its relay parent"
    )]
    DownwardOverrun {
        /// The claimed count.
        processed: u32,
        /// Messages queued at the relay parent.
        available: u32,
    },
    /// Too many upward messages.
    #[error("sends {count} upward messages, at most {max}")]
    TooManyUpward {
        /// The count.
        count: u32,
        /// The limit.
        max: u32,
    },
    /// An upward message is too large.
    #[error("upward message {index} of {size} bytes, above {max}")]
    UpwardTooLarge {
        /// Its index.
        index: u32,
        /// Its size.
        size: u64,
        /// The limit.
        max: u32,
    },
    /// The para's upward queue would overflow.
    #[error("upward queue holds {queued}, sending {sending} would pass {max_count} messages or the size limit")]
    UpwardQueueFull {
        /// Messages queued.
        queued: u32,
        /// Messages sent.
        sending: u32,
        /// The count limit.
        max_count: u32,
    },
    /// Too many horizontal messages.
    #[error("sends {count} horizontal messages, at most {max}")]
    TooManyHorizontal {
        /// The count.
        count: u32,
        /// The limit.
        max: u32,
    },
    /// Horizontal messages not sorted by recipient.
    #[error("horizontal message {index} has a lower recipient than the one before")]
    RecipientsUnsorted {
        /// The first out-of-order message.
        index: u32,
    },
    /// No open channel to a recipient.
    #[error("no open channel to {recipient}")]
    NoChannel {
        /// The recipient.
        recipient: ParaId,
    },
    /// A horizontal message is larger than its channel allows.
    #[error("horizontal message {index} of {size} bytes, above its channel's {max}")]
    HorizontalTooLarge {
        /// Its index.
        index: u32,
        /// Its size.
        size: u64,
        /// The channel's limit.
        max: u32,
    },
    /// A channel would hold more than its capacity or total size.
    #[error("channel to {recipient} holds {held} of {capacity}; {sending} more do not fit")]
    ChannelFull {
        /// The recipient.
        recipient: ParaId,
        /// Messages sent to it.
        sending: u32,
        /// Messages it holds.
        held: u32,
        /// Its capacity.
        capacity: u32,
    },
    /// The watermark is after the relay parent.
    #[error("watermark {watermark} after its relay parent #{relay_parent}")]
    WatermarkAhead {
        /// The watermark.
        watermark: BlockNumber,
        /// The relay parent's number.
        relay_parent: BlockNumber,
    },
    /// The watermark is before the para's last one.
    #[error("watermark {watermark} before the para's last one, {last}")]
    WatermarkBackwards {
        /// The watermark.
        watermark: BlockNumber,
        /// The last one.
        last: BlockNumber,
    },
}

/// Rule 29: the messaging part of a candidate's acceptance, for `para` with relay parent
/// `relay_parent`: downward messages processed, upward messages, horizontal messages, watermark.
pub(crate) fn check_commitments(
    ext: &mut dyn Externalities,
    para: ParaId,
    commitments: &CandidateCommitments,
    relay_parent: BlockNumber,
) -> Result<Result<(), MessagingRuleError>, ChainError> {
    let limits = limits(ext)?;
    let processed = commitments.processed_downward_messages;
    if let Err(e) = dmp::check_processed(ext, para, processed, relay_parent)? {
        return Ok(Err(e));
    }
    if let Err(e) = ump::check(ext, &limits, para, &commitments.upward_messages)? {
        return Ok(Err(e));
    }
    if let Err(e) = hrmp::check_outbound(ext, &limits, para, &commitments.horizontal_messages)? {
        return Ok(Err(e));
    }
    hrmp::check_watermark(ext, para, commitments.hrmp_watermark, relay_parent)
}

/// Rule 30: enacts a candidate's messaging commitments in block `now`: downward messages
/// pruned, upward messages queued, horizontal messages sent, inbound channels pruned to the
/// watermark.
pub(crate) fn enact_commitments(
    ext: &mut dyn Externalities,
    now: BlockNumber,
    para: ParaId,
    commitments: &CandidateCommitments,
) -> Result<(), ChainError> {
    dmp::prune(ext, para, commitments.processed_downward_messages)?;
    ump::enqueue(ext, now, para, &commitments.upward_messages)?;
    hrmp::send(ext, now, para, &commitments.horizontal_messages)?;
    hrmp::prune_inbound(ext, para, commitments.hrmp_watermark)
}

/// Forgets everything messaging holds for `para` (it was deregistered, rule 12): its queues, its
/// channels in both directions (with their messages), open requests and its watermark.
pub(crate) fn forget_para(ext: &mut dyn Externalities, para: ParaId) -> Result<(), ChainError> {
    DMQ_MQC_HEAD.remove(ext, &para);
    DMQ_CONTENTS.remove(ext, &para);
    DMQ_BASE_HEAD.remove(ext, &para);
    UMP_QUEUE.remove(ext, &para);
    UMP_QUEUE_SIZE.remove(ext, &para);
    let mut service = state::value_or_default(ext, &UMP_NEEDS_SERVICE)?;
    if service.contains(&para) {
        service.retain(|p| *p != para);
        UMP_NEEDS_SERVICE.put(ext, &service);
    }
    for sender in state::map_get_or_default(ext, &HRMP_INGRESS, &para)? {
        // Listed, so open: the inner result is always Ok.
        let _ = hrmp::close(ext, HrmpChannelId { sender, recipient: para })?;
    }
    for recipient in state::map_get_or_default(ext, &HRMP_EGRESS, &para)? {
        let _ = hrmp::close(ext, HrmpChannelId { sender: para, recipient })?;
    }
    HRMP_WATERMARKS.remove(ext, &para);
    hrmp::forget_requests(ext, para)
}
